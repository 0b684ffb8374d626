//! Poll sequences (RFC 5880 §6.5, §6.8.3): started by a timer change, P in every packet
//! until F, never P and F together, a received P answered at once with F, and which
//! changes wait for the Final.

mod support;

use keepalive_bfd::{ControlRepr, Interval, State};
use support::*;

fn up_harness() -> Harness {
    let mut h = Harness::new(Harness::default_config());
    h.bring_up();
    h
}

fn never_p_and_f(packets: &[ControlRepr]) {
    for p in packets {
        assert!(!(p.poll && p.final_), "{p:?}");
    }
}

#[test]
fn entering_up_polls_until_final() {
    let mut h = up_harness();
    let s = h.s.session(h.id).unwrap();
    assert!(s.is_polling());
    assert_eq!(s.stats().polls, 1);
    assert_eq!(s.desired_min_tx(), ms(10));
    let sent = h.sent();
    never_p_and_f(&sent);
    assert!(sent.iter().all(|p| p.poll));
    assert_eq!(sent.last().unwrap().desired_min_tx, Interval(10_000));
    // P in every periodic packet until F comes.
    // (Within the 300 ms detection time: interval max(10 ms, peer's RX 100 ms).)
    let periodic: Vec<_> = h.advance(ms(250)).into_iter().map(|(_, p)| p).collect();
    assert!(periodic.len() >= 2, "{}", periodic.len());
    assert!(periodic.iter().all(|p| p.poll));
    let d = h.discr();
    h.recv(&Pkt::new(State::Up, d).with(|r| r.final_ = true))
        .unwrap();
    assert!(!h.s.session(h.id).unwrap().is_polling());
    let after: Vec<_> = h.advance(ms(250)).into_iter().map(|(_, p)| p).collect();
    assert!(!after.is_empty());
    assert!(after.iter().all(|p| !p.poll && !p.final_));
}

#[test]
fn no_poll_when_idle_equals_min_tx() {
    let mut c = Harness::default_config();
    c.desired_min_tx = ms(1000);
    let mut h = Harness::new(c);
    h.bring_up();
    assert!(!h.s.session(h.id).unwrap().is_polling());
    assert!(h.sent().iter().all(|p| !p.poll));
}

#[test]
fn a_poll_is_answered_at_once_with_final_only() {
    let mut h = up_harness();
    let d = h.discr();
    h.recv(&Pkt::new(State::Up, d).with(|r| r.final_ = true))
        .unwrap();
    h.sent();
    h.recv(&Pkt::new(State::Up, d).with(|r| r.poll = true))
        .unwrap();
    let sent = h.sent();
    assert_eq!(sent.len(), 1, "one immediate extra packet");
    assert!(sent[0].final_ && !sent[0].poll);
    // While we poll ourselves, the answer still carries F alone, and P resumes after.
    let mut c = Harness::default_config();
    c.desired_min_tx = ms(50);
    h.s.reconfigure(h.id, c, h.now);
    h.sent();
    h.recv(&Pkt::new(State::Up, d).with(|r| r.poll = true))
        .unwrap();
    let sent = h.sent();
    never_p_and_f(&sent);
    assert!(sent[0].final_ && !sent[0].poll);
    assert!(sent.iter().skip(1).all(|p| p.poll));
    let next: Vec<_> = h.advance(ms(100)).into_iter().map(|(_, p)| p).collect();
    assert!(next.iter().all(|p| p.poll && !p.final_));
}

#[test]
fn longer_tx_waits_for_final() {
    let mut h = up_harness();
    let d = h.discr();
    h.recv(&Pkt::new(State::Up, d).with(|r| {
        r.final_ = true;
        r.required_min_rx = Interval(10_000);
    }))
    .unwrap();
    h.sent();
    assert_eq!(h.s.session(h.id).unwrap().tx_interval(), ms(10));
    let mut c = Harness::default_config();
    c.desired_min_tx = ms(200);
    h.s.reconfigure(h.id, c, h.now);
    let s = h.s.session(h.id).unwrap();
    assert!(s.is_polling());
    assert_eq!(s.desired_min_tx(), ms(200), "advertised at once");
    assert_eq!(s.tx_interval(), ms(10), "used only after the Final");
    let sent = h.sent();
    assert_eq!(sent[0].desired_min_tx, Interval(200_000));
    assert!(sent[0].poll);
    h.recv(&Pkt::new(State::Up, d).with(|r| {
        r.final_ = true;
        r.required_min_rx = Interval(10_000);
    }))
    .unwrap();
    assert_eq!(h.s.session(h.id).unwrap().tx_interval(), ms(200));
}

#[test]
fn shorter_tx_applies_at_once() {
    let mut c = Harness::default_config();
    c.desired_min_tx = ms(200);
    let mut h = Harness::new(c.clone());
    h.bring_up();
    let d = h.discr();
    let fin = |r: &mut ControlRepr| {
        r.final_ = true;
        r.required_min_rx = Interval(1_000);
    };
    h.recv(&Pkt::new(State::Up, d).with(fin)).unwrap();
    assert_eq!(h.s.session(h.id).unwrap().tx_interval(), ms(200));
    c.desired_min_tx = ms(20);
    h.s.reconfigure(h.id, c, h.now);
    assert_eq!(h.s.session(h.id).unwrap().tx_interval(), ms(20));
}

#[test]
fn shorter_rx_keeps_the_old_detection_time_until_final() {
    let mut c = Harness::default_config();
    c.required_min_rx = ms(200);
    let mut h = Harness::new(c.clone());
    h.bring_up();
    let d = h.discr();
    h.recv(&Pkt::new(State::Up, d).with(|r| r.final_ = true))
        .unwrap();
    // Peer mult 3 × max(200 ms, 100 ms).
    assert_eq!(h.s.session(h.id).unwrap().detection_time(), ms(600));
    c.required_min_rx = ms(50);
    h.s.reconfigure(h.id, c.clone(), h.now);
    let s = h.s.session(h.id).unwrap();
    assert_eq!(s.required_min_rx(), ms(50));
    assert_eq!(s.detection_time(), ms(600));
    h.recv(&Pkt::new(State::Up, d).with(|r| r.final_ = true))
        .unwrap();
    assert_eq!(h.s.session(h.id).unwrap().detection_time(), ms(300));
    // A longer RX applies at once.
    c.required_min_rx = ms(400);
    h.s.reconfigure(h.id, c, h.now);
    assert_eq!(h.s.session(h.id).unwrap().detection_time(), ms(1200));
}

#[test]
fn detect_mult_change_needs_no_poll() {
    let mut h = up_harness();
    let d = h.discr();
    h.recv(&Pkt::new(State::Up, d).with(|r| r.final_ = true))
        .unwrap();
    h.sent();
    let mut c = Harness::default_config();
    c.detect_mult = 9;
    h.s.reconfigure(h.id, c, h.now);
    assert!(!h.s.session(h.id).unwrap().is_polling());
    let next: Vec<_> = h.advance(ms(50)).into_iter().map(|(_, p)| p).collect();
    assert!(next.iter().all(|p| !p.poll && p.detect_mult == 9));
}

#[test]
fn leaving_up_ends_the_poll_and_returns_to_idle() {
    let mut h = up_harness();
    assert!(h.s.session(h.id).unwrap().is_polling());
    let d = h.discr();
    h.recv(&Pkt::new(State::Down, d)).unwrap();
    let s = h.s.session(h.id).unwrap();
    assert!(!s.is_polling());
    assert_eq!(s.desired_min_tx(), ms(1000));
    let sent = h.sent();
    assert!(sent.iter().all(|p| !p.poll));
}
