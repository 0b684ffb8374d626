//! Transmit timing (RFC 5880 §6.8.7): the negotiated interval, jitter bounds measured over
//! 10,000 intervals, DesiredMinTx of at least 1 s while not Up; AdminDown for one
//! detection time (§6.8.16); idempotent timeouts.

mod support;

use std::time::Duration;

use keepalive_bfd::{Diag, Event, Interval, State};
use support::*;

/// Gaps between 10,001 consecutive packets of a session that never hears its peer.
fn gaps(detect_mult: u8, idle: Duration) -> Vec<Duration> {
    let mut c = Harness::default_config();
    c.detect_mult = detect_mult;
    c.idle_tx = idle;
    let mut h = Harness::new(c);
    let mut times = Vec::new();
    while times.len() <= 10_000 {
        for (at, p) in h.advance(Duration::from_secs(100)) {
            assert_eq!(p.state, State::Down);
            times.push(at);
        }
    }
    times.windows(2).take(10_000).map(|w| w[1] - w[0]).collect()
}

fn check_bounds(gaps: &[Duration], interval: Duration, low_pct: u32, high_pct: u32) {
    let lo = interval * low_pct / 100;
    let hi = interval * high_pct / 100;
    let min = *gaps.iter().min().unwrap();
    let max = *gaps.iter().max().unwrap();
    assert!(min >= lo, "{min:?} < {lo:?}");
    assert!(max <= hi, "{max:?} > {hi:?}");
    // The whole range is used: within 1 % of the interval of each end.
    assert!(min < lo + interval / 100, "{min:?}");
    assert!(max > hi - interval / 100, "{max:?}");
    let mean = gaps.iter().sum::<Duration>() / gaps.len() as u32;
    let mid = (lo + hi) / 2;
    assert!(
        mean > mid - interval / 100 && mean < mid + interval / 100,
        "{mean:?} vs {mid:?}"
    );
}

#[test]
fn jitter_is_75_to_100_percent() {
    check_bounds(&gaps(3, ms(1000)), ms(1000), 75, 100);
}

#[test]
fn jitter_is_75_to_90_percent_with_detect_mult_1() {
    // keepalived applies 75-90 % whatever the multiplier; RFC 5880 §6.8.7 only for 1.
    check_bounds(&gaps(1, ms(1000)), ms(1000), 75, 90);
}

#[test]
fn idle_tx_is_at_least_one_second() {
    let g = gaps(3, ms(100));
    assert!(g.iter().all(|&d| d >= ms(750)), "{:?}", g.iter().min());
}

#[test]
fn up_interval_is_the_larger_of_ours_and_the_peers_rx() {
    let mut h = Harness::new(Harness::default_config());
    h.bring_up();
    let d = h.discr();
    h.recv(&Pkt::new(State::Up, d).with(|r| {
        r.final_ = true;
        r.required_min_rx = Interval(50_000);
    }))
    .unwrap();
    h.sent();
    assert_eq!(h.s.session(h.id).unwrap().tx_interval(), ms(50));
    // Keep the session up and measure.
    let mut times = Vec::new();
    for _ in 0..200 {
        times.extend(h.advance(ms(40)).into_iter().map(|(at, _)| at));
        h.recv(&Pkt::new(State::Up, d).with(|r| r.required_min_rx = Interval(50_000)))
            .unwrap();
    }
    let g: Vec<_> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(g.len() > 100);
    assert!(g
        .iter()
        .all(|&x| x >= ms(37) + Duration::from_micros(500) && x <= ms(50)));
    // The peer asks for less: our own 10 ms applies.
    h.recv(&Pkt::new(State::Up, d).with(|r| r.required_min_rx = Interval(1_000)))
        .unwrap();
    assert_eq!(h.s.session(h.id).unwrap().tx_interval(), ms(10));
}

#[test]
fn admin_down_for_one_detection_time() {
    let mut h = Harness::new(Harness::default_config());
    h.bring_up();
    let d = h.discr();
    h.recv(&Pkt::new(State::Up, d).with(|r| r.final_ = true))
        .unwrap();
    h.sent();
    h.events();
    let detection = h.s.session(h.id).unwrap().detection_time();
    assert_eq!(detection, ms(300));
    let removed_at = h.now;
    h.s.remove(h.id, h.now);
    assert_eq!(
        h.events(),
        vec![Event::Down {
            diag: Diag::AdminDown,
            peer_admin_down: false
        }]
    );
    let mut sent: Vec<_> = h.sent().into_iter().map(|p| (Duration::ZERO, p)).collect();
    assert_eq!(sent.len(), 1, "AdminDown goes out at once");
    // Idle interval (1 s) is longer than the detection time: only the first packet, then
    // the session is gone exactly one detection time later.
    h.advance(ms(299));
    assert!(h.s.session(h.id).is_some());
    sent.extend(h.advance(ms(1)));
    assert!(
        h.s.session(h.id).is_none(),
        "dropped after one detection time"
    );
    assert_eq!(h.now - removed_at, detection);
    for (_, p) in &sent {
        assert_eq!((p.state, p.diag), (State::AdminDown, Diag::AdminDown));
    }
    assert!(h.advance(ms(5000)).is_empty());
    assert!(h.s.is_empty());
    // Its discriminator and address are free again.
    assert!(h.recv(&Pkt::new(State::Down, d)).is_err());
    assert!(h.recv(&Pkt::new(State::Down, 0)).is_err());
}

#[test]
fn admin_down_repeats_while_the_detection_time_runs() {
    let mut c = Harness::default_config();
    c.idle_tx = ms(1000);
    let mut h = Harness::new(c);
    h.bring_up();
    let d = h.discr();
    // A slow peer: mult 10 × 1 s TX gives 10 s of AdminDown at ~1 s intervals.
    h.recv(&Pkt::new(State::Up, d).with(|r| {
        r.final_ = true;
        r.detect_mult = 10;
        r.desired_min_tx = Interval(1_000_000);
    }))
    .unwrap();
    h.sent();
    h.s.remove(h.id, h.now);
    let mut n = h.sent().len();
    n += h.advance(Duration::from_secs(11)).len();
    assert!((10..=14).contains(&n), "{n}");
    assert!(h.s.session(h.id).is_none());
}

#[test]
fn a_never_heard_session_goes_at_once() {
    let mut h = Harness::new(Harness::default_config());
    h.advance(ms(0));
    h.s.remove(h.id, h.now);
    assert_eq!(h.sent().len(), 1);
    h.advance(ms(0));
    assert!(h.s.is_empty());
}

#[test]
fn handle_timeout_is_idempotent() {
    let mut h = Harness::new(Harness::default_config());
    h.advance(ms(0));
    h.sent();
    for _ in 0..3 {
        h.s.handle_timeout(h.now);
        assert!(h.sent().is_empty());
    }
    let next = h.s.poll_timeout().unwrap();
    h.s.handle_timeout(next - Duration::from_nanos(1));
    assert!(h.sent().is_empty());
    h.s.handle_timeout(next);
    assert_eq!(h.sent().len(), 1);
}
