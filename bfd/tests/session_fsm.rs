//! The state table driven through `Sessions` with scripted peer packets: the three-way
//! handshake, every way down, detection time, passive mode, discriminators.

mod support;

use std::collections::HashSet;

use keepalive_bfd::{Diag, Event, SessionConfig, Sessions, State};
use support::*;

#[test]
fn three_way_handshake() {
    let mut h = Harness::new(Harness::default_config());
    let first = h.advance(ms(0));
    assert_eq!(first.len(), 1, "an active session sends at once");
    let (_, p) = first[0];
    assert_eq!(
        (p.state, p.your_discr, p.diag),
        (State::Down, 0, Diag::None)
    );
    assert_eq!(
        p.desired_min_tx.as_duration(),
        ms(1000),
        "idle_tx while not Up"
    );
    assert_eq!(p.detect_mult, 5);

    h.recv(&Pkt::new(State::Down, 0)).unwrap();
    assert_eq!(h.state(), State::Init);
    let sent = h.sent();
    assert_eq!(sent.len(), 1, "a state change is sent at once");
    assert_eq!(
        (sent[0].state, sent[0].your_discr),
        (State::Init, PEER_DISCR)
    );

    let d = h.discr();
    h.recv(&Pkt::new(State::Up, d)).unwrap();
    assert_eq!(h.state(), State::Up);
    assert_eq!(h.events(), vec![Event::Up]);
    assert_eq!(h.sent()[0].state, State::Up);
    let s = h.s.session(h.id).unwrap();
    assert_eq!(s.remote_discr(), PEER_DISCR);
    assert_eq!(s.remote_state(), State::Up);
    assert_eq!(s.stats().up, 1);
    assert_eq!(s.last_state_change(), Some(h.now));
}

#[test]
fn down_to_up_on_init_and_down_ignores_up() {
    let mut h = Harness::new(Harness::default_config());
    h.advance(ms(0));
    let d = h.discr();
    h.recv(&Pkt::new(State::Up, d)).unwrap();
    assert_eq!(h.state(), State::Down, "Down ignores Up (RFC 5880 §6.8.6)");
    h.recv(&Pkt::new(State::Init, d)).unwrap();
    assert_eq!(h.state(), State::Up);
}

#[test]
fn init_stays_on_down_and_falls_on_admin_down() {
    let mut h = Harness::new(Harness::default_config());
    h.advance(ms(0));
    h.recv(&Pkt::new(State::Down, 0)).unwrap();
    h.recv(&Pkt::new(State::Down, 0)).unwrap();
    assert_eq!(h.state(), State::Init);
    h.recv(&Pkt::new(State::AdminDown, 0)).unwrap();
    assert_eq!(h.state(), State::Down);
    assert_eq!(h.s.session(h.id).unwrap().local_diag(), Diag::NeighborDown);
    assert!(h.events().is_empty(), "never Up, so no Down event");
}

#[test]
fn up_to_down_when_the_peer_says_down() {
    let mut h = Harness::new(Harness::default_config());
    h.bring_up();
    h.events();
    let old = h.discr();
    h.recv(&Pkt::new(State::Down, old)).unwrap();
    assert_eq!(h.state(), State::Down);
    assert_eq!(
        h.events(),
        vec![Event::Down {
            diag: Diag::NeighborDown,
            peer_admin_down: false
        }]
    );
    let new = h.discr();
    assert_ne!(new, old, "a new discriminator after Up -> Down");
    assert_ne!(new, 0);
    let sent = h.sent();
    assert_eq!(sent.last().unwrap().state, State::Down);
    assert_eq!(sent.last().unwrap().my_discr, new);
    assert_eq!(sent.last().unwrap().diag, Diag::NeighborDown);
    // The old discriminator is gone.
    assert!(h.recv(&Pkt::new(State::Down, old)).is_err());
}

#[test]
fn peer_admin_down_is_flagged() {
    let mut h = Harness::new(Harness::default_config());
    h.bring_up();
    h.events();
    let d = h.discr();
    h.recv(&Pkt::new(State::AdminDown, d).with(|r| r.diag = Diag::AdminDown))
        .unwrap();
    assert_eq!(h.state(), State::Down);
    assert_eq!(
        h.events(),
        vec![Event::Down {
            diag: Diag::NeighborDown,
            peer_admin_down: true
        }]
    );
    assert_eq!(h.s.session(h.id).unwrap().remote_diag(), Diag::AdminDown);
}

#[test]
fn detection_time_expiry() {
    let mut h = Harness::new(Harness::default_config());
    h.bring_up();
    h.events();
    let s = h.s.session(h.id).unwrap();
    // Peer mult 3 × max(our RX 10 ms, its TX 100 ms).
    assert_eq!(s.detection_time(), ms(300));
    // Every valid packet restarts the timer.
    let d = h.discr();
    for _ in 0..5 {
        h.advance(ms(250));
        h.recv(&Pkt::new(State::Up, d).with(|r| r.final_ = true))
            .unwrap();
        assert_eq!(h.state(), State::Up);
    }
    let last_rx = h.now;
    h.advance(ms(299));
    assert_eq!(h.state(), State::Up);
    h.advance(ms(1));
    assert_eq!(h.state(), State::Down);
    let s = h.s.session(h.id).unwrap();
    assert_eq!(s.last_state_change(), Some(last_rx + ms(300)));
    assert_eq!(s.local_diag(), Diag::TimeExpired);
    assert_eq!(s.remote_discr(), 0);
    assert_eq!(
        h.events(),
        vec![Event::Down {
            diag: Diag::TimeExpired,
            peer_admin_down: false
        }]
    );
}

#[test]
fn init_expires_too() {
    let mut h = Harness::new(Harness::default_config());
    h.advance(ms(0));
    h.recv(&Pkt::new(State::Down, 0)).unwrap();
    h.advance(ms(300));
    assert_eq!(h.state(), State::Down);
    assert_eq!(h.s.session(h.id).unwrap().local_diag(), Diag::TimeExpired);
}

#[test]
fn passive_waits_for_the_peer() {
    let mut c = Harness::default_config();
    c.passive = true;
    let mut h = Harness::new(c);
    assert!(h.advance(ms(5000)).is_empty());
    h.recv(&Pkt::new(State::Down, 0)).unwrap();
    assert_eq!(h.sent()[0].state, State::Init);
    // Heard once, then silent: after the detection time the peer is forgotten and a
    // passive session waits again.
    assert!(h.advance(ms(2000)).is_empty());
    assert_eq!(h.state(), State::Down);
    assert_eq!(h.s.session(h.id).unwrap().remote_discr(), 0);
}

#[test]
fn remote_min_rx_zero_stops_periodic_packets() {
    let mut h = Harness::new(Harness::default_config());
    h.bring_up();
    h.sent();
    let d = h.discr();
    h.recv(&Pkt::new(State::Up, d).with(|r| {
        r.required_min_rx = keepalive_bfd::Interval::ZERO;
        r.final_ = true;
    }))
    .unwrap();
    h.sent();
    // No periodic packets; the peer's packets still keep the session Up.
    for _ in 0..10 {
        assert!(h.advance(ms(100)).is_empty());
        h.recv(&Pkt::new(State::Up, d).with(|r| r.required_min_rx = keepalive_bfd::Interval::ZERO))
            .unwrap();
    }
    // A Poll is still answered.
    h.recv(&Pkt::new(State::Up, d).with(|r| {
        r.required_min_rx = keepalive_bfd::Interval::ZERO;
        r.poll = true;
    }))
    .unwrap();
    let sent = h.sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].final_);
}

#[test]
fn discriminators_are_random_nonzero_and_unique() {
    let now = std::time::Instant::now();
    let mut s = Sessions::new(7);
    let ids: Vec<_> = (0..2000u32)
        .map(|i| {
            let mut c = SessionConfig::new(std::net::IpAddr::from([198, 51, 100, (i % 250) as u8]));
            c.local = Some(std::net::IpAddr::from([192, 0, 2, (i / 250) as u8]));
            s.add(c, now)
        })
        .collect();
    let discrs: HashSet<u32> = ids
        .iter()
        .map(|&id| s.session(id).unwrap().local_discr())
        .collect();
    assert_eq!(discrs.len(), ids.len());
    assert!(!discrs.contains(&0));
    // Not sequential: spread over the whole range.
    assert!(discrs.iter().any(|&d| d > u32::MAX / 2) && discrs.iter().any(|&d| d < u32::MAX / 2));
    // Replayable from the seed.
    let mut again = Sessions::new(7);
    let first = again.add(SessionConfig::new(PEER), now);
    assert_eq!(
        again.session(first).unwrap().local_discr(),
        s.session(ids[0]).unwrap().local_discr()
    );
}

#[test]
fn demultiplexing_by_address_prefers_the_local_address() {
    let now = std::time::Instant::now();
    let mut s = Sessions::new(1);
    let any = s.add(SessionConfig::new(PEER), now);
    let mut c = SessionConfig::new(PEER);
    c.local = Some(LOCAL);
    let bound = s.add(c, now);
    let mut mh = SessionConfig::new(PEER);
    mh.multihop = true;
    mh.min_rx_ttl = 250;
    let multihop = s.add(mh, now);
    let p = Pkt::new(State::Down, 0).bytes();
    let m = |dst, multihop, ttl| keepalive_bfd::RxMeta::new(PEER, dst, 1, ttl, multihop);
    assert_eq!(s.handle_packet(now, &p, &m(LOCAL, false, 255)), Ok(bound));
    assert_eq!(s.handle_packet(now, &p, &m(STRANGER, false, 255)), Ok(any));
    assert_eq!(s.handle_packet(now, &p, &m(LOCAL, true, 251)), Ok(multihop));
    assert_eq!(s.session(multihop).unwrap().config().dst().port(), 4784);
}
