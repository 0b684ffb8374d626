//! Codec benchmarks: decode + validate (the §6.8.6 header checks and a full parse), the
//! authentication check of each type, and emit. The target is under 50 ns to decode and
//! validate a packet without authentication.

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{criterion_group, criterion_main, Criterion};
use keepalive_bfd::auth::{self, AuthConfig};
use keepalive_bfd::{rx, ControlRepr, Diag, Interval, State};

fn repr(auth: Option<&AuthConfig>) -> ControlRepr {
    ControlRepr {
        diag: Diag::None,
        state: State::Up,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        multipoint: false,
        detect_mult: 3,
        my_discr: 0x1122_3344,
        your_discr: 0x5566_7788,
        desired_min_tx: Interval(300_000),
        required_min_rx: Interval(300_000),
        required_min_echo_rx: Interval::ZERO,
        auth: auth.map(|a| a.section(7)),
    }
}

fn bytes(auth: Option<&AuthConfig>) -> Vec<u8> {
    let r = repr(auth);
    let mut b = vec![0u8; r.buffer_len()];
    r.emit(&mut b).unwrap();
    if let Some(a) = auth {
        auth::sign(&mut b, a).unwrap();
    }
    b
}

fn bench(c: &mut Criterion) {
    let src = IpAddr::from([192, 0, 2, 2]);
    let plain = bytes(None);
    c.bench_function("decode+validate/plain", |b| {
        b.iter(|| {
            let p = rx::validate(black_box(&plain)).unwrap();
            black_box(ControlRepr::parse(&p).unwrap())
        })
    });
    c.bench_function("validate/plain", |b| {
        b.iter(|| black_box(rx::validate(black_box(&plain)).unwrap().your_discr()))
    });
    let keys = [
        (
            "simple_password",
            AuthConfig::SimplePassword {
                key_id: 1,
                password: b"secret".to_vec(),
            },
        ),
        (
            "keyed_md5",
            AuthConfig::KeyedMd5 {
                key_id: 1,
                key: b"kadkey".to_vec(),
            },
        ),
        (
            "keyed_sha1",
            AuthConfig::KeyedSha1 {
                key_id: 1,
                key: b"kad-sha1-key".to_vec(),
            },
        ),
    ];
    for (name, key) in &keys {
        let b = bytes(Some(key));
        c.bench_function(&format!("decode+validate+verify/{name}"), |bench| {
            bench.iter(|| {
                let p = rx::validate(black_box(&b)).unwrap();
                black_box(auth::verify(&p, Some(key), src).unwrap())
            })
        });
    }
    let r = repr(None);
    let mut out = [0u8; 64];
    c.bench_function("emit/plain", |b| {
        b.iter(|| black_box(black_box(&r).emit(&mut out).unwrap()))
    });
    let (_, sha1) = &keys[2];
    let r = repr(Some(sha1));
    c.bench_function("emit+sign/keyed_sha1", |b| {
        b.iter(|| {
            let n = black_box(&r).emit(&mut out).unwrap();
            auth::sign(&mut out[..n], sha1).unwrap();
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
