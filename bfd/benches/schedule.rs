//! What one endpoint's timers cost as it grows: 100 and 1,000 sessions Up at 10 ms × 3
//! (kad's loop calls `poll_timeout` after every packet and every tick).
//! - `poll_timeout/N`: the next deadline of all N sessions;
//! - `receive+poll_timeout/N`: one peer's packet, then the next deadline (a received packet);
//! - `tick/N`: the earliest timer fires, its packet goes out, the peer's answer comes in,
//!   the next deadline (what each session costs the loop every 10 ms).

use std::collections::HashMap;
use std::hint::black_box;
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use keepalive_bfd::{
    ControlRepr, Diag, Interval, RxMeta, SessionConfig, SessionId, Sessions, State,
};

fn packet(state: State, my: u32, your: u32) -> Vec<u8> {
    let r = ControlRepr {
        diag: Diag::None,
        state,
        poll: false,
        final_: false,
        control_plane_independent: false,
        demand: false,
        multipoint: false,
        detect_mult: 3,
        my_discr: my,
        your_discr: your,
        desired_min_tx: Interval(10_000),
        required_min_rx: Interval(10_000),
        required_min_echo_rx: Interval::ZERO,
        auth: None,
    };
    let mut b = vec![0u8; r.buffer_len()];
    r.emit(&mut b).unwrap();
    b
}

/// `n` sessions, each brought Up by its peer (2001:db8::1:N); returns the endpoint and
/// each session's peer's next Up packet with its metadata.
fn setup(n: u16, now: Instant) -> (Sessions, HashMap<SessionId, (Vec<u8>, RxMeta)>) {
    let mut s = Sessions::new(1);
    let local = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
    let mut peers = HashMap::new();
    for i in 0..n {
        let peer = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 1, i));
        let mut c = SessionConfig::new(peer);
        c.local = Some(local);
        c.desired_min_tx = Duration::from_millis(10);
        c.required_min_rx = Duration::from_millis(10);
        c.detect_mult = 3;
        let id = s.add(c, now);
        let meta = RxMeta::new(peer, local, 1, 255, false);
        let my = 0x1000_0000 + u32::from(i);
        s.handle_packet(now, &packet(State::Down, my, 0), &meta)
            .unwrap();
        let d = s.session(id).unwrap().local_discr();
        let up = packet(State::Up, my, d);
        s.handle_packet(now, &up, &meta).unwrap();
        assert_eq!(s.session(id).unwrap().state(), State::Up);
        peers.insert(id, (up, meta));
    }
    let mut buf = [0u8; 64];
    while s.poll_transmit(now, &mut buf).is_some() {}
    while s.poll_event().is_some() {}
    (s, peers)
}

fn bench(c: &mut Criterion) {
    let now = Instant::now();
    let mut g = c.benchmark_group("schedule");
    for n in [100u16, 1000] {
        let (mut s, peers) = setup(n, now);
        let (up, meta) = peers.values().next().unwrap().clone();
        g.bench_with_input(BenchmarkId::new("poll_timeout", n), &n, |b, _| {
            b.iter(|| black_box(s.poll_timeout()))
        });
        let at = now + Duration::from_millis(1);
        g.bench_with_input(BenchmarkId::new("receive+poll_timeout", n), &n, |b, _| {
            b.iter(|| {
                black_box(s.handle_packet(at, black_box(&up), &meta).unwrap());
                black_box(s.poll_timeout())
            })
        });
        let mut buf = [0u8; 64];
        let mut t = at;
        g.bench_with_input(BenchmarkId::new("tick", n), &n, |b, _| {
            b.iter(|| {
                t = s.poll_timeout().unwrap().max(t);
                s.handle_timeout(t);
                while let Some(tx) = s.poll_transmit(t, &mut buf) {
                    let (up, meta) = &peers[&tx.session];
                    black_box(s.handle_packet(t, up, meta).unwrap());
                }
                black_box(s.poll_timeout())
            })
        });
        assert_eq!(
            s.iter().filter(|(_, x)| x.state() == State::Up).count(),
            usize::from(n)
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
