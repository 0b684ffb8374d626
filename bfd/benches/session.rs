//! A session receiving its peer's periodic packet while Up: demultiplexing by
//! discriminator, the TTL check, §6.8.6's updates, the state table and re-arming the
//! detection timer. The target is under 100 ns without authentication.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use keepalive_bfd::auth::{self, AuthConfig};
use keepalive_bfd::{ControlRepr, Diag, Interval, RxMeta, SessionConfig, Sessions, State};

const PEER_DISCR: u32 = 0x5566_7788;

fn packet(state: State, your: u32, auth: Option<&AuthConfig>) -> Vec<u8> {
    let r = ControlRepr {
        diag: Diag::None,
        state,
        poll: false,
        final_: true,
        control_plane_independent: false,
        demand: false,
        multipoint: false,
        detect_mult: 3,
        my_discr: PEER_DISCR,
        your_discr: your,
        desired_min_tx: Interval(100_000),
        required_min_rx: Interval(100_000),
        required_min_echo_rx: Interval::ZERO,
        auth: auth.map(|a| a.section(1)),
    };
    let mut b = vec![0u8; r.buffer_len()];
    r.emit(&mut b).unwrap();
    if let Some(a) = auth {
        auth::sign(&mut b, a).unwrap();
    }
    b
}

/// `n` sessions to distinct peers, the first brought Up; returns the first's Up packet
/// and metadata.
fn setup(n: u8, auth: Option<AuthConfig>, now: Instant) -> (Sessions, Vec<u8>, RxMeta) {
    let mut s = Sessions::new(1);
    let peer = |i: u8| IpAddr::V4(Ipv4Addr::new(198, 51, 100, i));
    let local = IpAddr::from([192, 0, 2, 1]);
    let mut first = None;
    for i in 0..n {
        let mut c = SessionConfig::new(peer(i));
        c.auth = auth.clone();
        let id = s.add(c, now);
        first.get_or_insert(id);
    }
    let id = first.unwrap();
    let meta = RxMeta::new(peer(0), local, 1, 255, false);
    s.handle_packet(now, &packet(State::Down, 0, auth.as_ref()), &meta)
        .unwrap();
    let d = s.session(id).unwrap().local_discr();
    let up = packet(State::Up, d, auth.as_ref());
    s.handle_packet(now, &up, &meta).unwrap();
    assert_eq!(s.session(id).unwrap().state(), State::Up);
    let mut buf = [0u8; 64];
    while s.poll_transmit(now, &mut buf).is_some() {}
    while s.poll_event().is_some() {}
    (s, up, meta)
}

fn bench(c: &mut Criterion) {
    let now = Instant::now();
    let cases = [
        ("receive/up", 1, None),
        ("receive/up_among_200", 200, None),
        (
            "receive/up_keyed_sha1",
            1,
            Some(AuthConfig::KeyedSha1 {
                key_id: 1,
                key: b"kad-sha1-key".to_vec(),
            }),
        ),
    ];
    for (name, n, auth) in cases {
        let (mut s, up, meta) = setup(n, auth, now);
        let at = now + Duration::from_millis(1);
        c.bench_function(name, |b| {
            b.iter(|| black_box(s.handle_packet(at, black_box(&up), &meta).unwrap()))
        });
    }
    let (mut s, _, _) = setup(1, None, now);
    let mut buf = [0u8; 64];
    let mut t = now;
    c.bench_function("timeout+transmit/up", |b| {
        b.iter(|| {
            t = s.poll_timeout().unwrap();
            s.handle_timeout(t);
            black_box(s.poll_transmit(t, &mut buf))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
