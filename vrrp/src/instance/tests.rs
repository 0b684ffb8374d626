//! Single-instance behaviour at microsecond precision, with adverts built by a second
//! instance acting as the peer.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::*;
use crate::action::GarpReason;
use crate::rx::RxMeta;
use crate::tracker::{TrackerConfig, TrackerKind};

fn config(host: u8, priority: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new("VI_1", 51, IpAddr::from([192, 0, 2, host]));
    c.vips.push(IpAddr::from([192, 0, 2, 100]));
    c.priority = Priority(priority);
    c
}

fn meta(src: IpAddr) -> RxMeta {
    RxMeta {
        src,
        dst: None,
        ttl_or_hop_limit: Some(255),
        ifindex: 1,
    }
}

fn drain(i: &mut Instance) -> Vec<Action> {
    std::iter::from_fn(|| i.poll_action()).collect()
}

/// An advert from a peer at `host` with `priority`, as its instance would send it.
fn advert_from(host: u8, priority: u8, t: Instant) -> Vec<u8> {
    let mut peer = Instance::new(config(host, priority), t, 99);
    peer.send_advert(Priority(priority));
    match drain(&mut peer).pop() {
        Some(Action::SendAdvert { bytes, .. }) => bytes,
        other => panic!("{other:?}"),
    }
}

fn to_master(i: &mut Instance) -> Instant {
    let at = i.poll_timeout().unwrap();
    i.handle_timeout(at);
    assert_eq!(i.state(), State::Master);
    drain(i);
    at
}

#[test]
fn starts_in_backup_and_notifies() {
    let t0 = Instant::now();
    let mut i = Instance::new(config(1, 100), t0, 1);
    assert_eq!(i.state(), State::Backup);
    let actions = drain(&mut i);
    assert_eq!(actions.len(), 1);
    assert!(
        matches!(&actions[0], Action::Notify(n) if n.to_string() == "INSTANCE \"VI_1\" BACKUP 100")
    );
    // RFC 3768: 3 × 1 s + (256 - 100) / 256 s.
    assert_eq!(
        i.poll_timeout(),
        Some(t0 + Duration::from_micros(3_609_375))
    );
}

#[test]
fn handle_timeout_is_idempotent() {
    let t0 = Instant::now();
    let mut i = Instance::new(config(1, 100), t0, 1);
    drain(&mut i);
    let deadline = i.poll_timeout().unwrap();
    i.handle_timeout(deadline - Duration::from_micros(1));
    i.handle_timeout(t0);
    assert_eq!(i.state(), State::Backup);
    assert!(drain(&mut i).is_empty());
    i.handle_timeout(deadline);
    assert_eq!(i.state(), State::Master);
    let first = drain(&mut i);
    i.handle_timeout(deadline);
    assert!(drain(&mut i).is_empty());
    // Advert first, then addresses, GARP, notification.
    assert!(matches!(
        first[0],
        Action::SendAdvert {
            priority: Priority(100),
            ..
        }
    ));
    assert!(matches!(
        first[1],
        Action::AddVips {
            no_accept: false,
            ..
        }
    ));
    assert!(matches!(
        first[2],
        Action::Garp {
            reason: GarpReason::BecomeMaster,
            repeat: 5,
            ..
        }
    ));
    assert!(matches!(&first[3], Action::Notify(n) if n.event == NotifyEvent::State(State::Master)));
    assert_eq!(i.poll_timeout(), Some(deadline + Duration::from_secs(1)));
    assert_eq!(i.stats().become_master, 1);
}

#[test]
fn master_adverts_every_interval() {
    let t0 = Instant::now();
    let mut i = Instance::new(config(1, 100), t0, 1);
    let t = to_master(&mut i);
    for n in 1..=10u64 {
        // The GARP timer (5 s) shares the deadline with the fifth advert.
        let next = t + Duration::from_secs(n);
        assert_eq!(i.poll_timeout(), Some(next));
        i.handle_timeout(next);
        let sent = drain(&mut i)
            .into_iter()
            .filter(|a| matches!(a, Action::SendAdvert { .. }))
            .count();
        assert_eq!(sent, 1, "interval {n}");
    }
    assert_eq!(i.stats().adverts_sent, 11);
}

#[test]
fn backup_accepts_higher_and_resets_down_timer() {
    let t0 = Instant::now();
    let mut i = Instance::new(config(1, 100), t0, 1);
    drain(&mut i);
    let t1 = t0 + Duration::from_secs(2);
    let bytes = advert_from(2, 200, t1);
    i.handle_packet(t1, &bytes, &meta(IpAddr::from([192, 0, 2, 2])))
        .unwrap();
    assert_eq!(
        i.poll_timeout(),
        Some(t1 + Duration::from_micros(3_609_375))
    );
    assert_eq!(i.master().map(|m| m.priority), Some(Priority(200)));
    assert_eq!(i.stats().rx.advert_rcvd, 1);
}

#[test]
fn backup_ignores_lower_priority_when_preempting() {
    let t0 = Instant::now();
    let mut i = Instance::new(config(1, 100), t0, 1);
    drain(&mut i);
    let deadline = i.poll_timeout().unwrap();
    let t1 = t0 + Duration::from_secs(2);
    i.handle_packet(
        t1,
        &advert_from(2, 50, t1),
        &meta(IpAddr::from([192, 0, 2, 2])),
    )
    .unwrap();
    assert_eq!(i.poll_timeout(), Some(deadline));
}

#[test]
fn backup_priority_zero_shortens_to_skew() {
    let t0 = Instant::now();
    let mut i = Instance::new(config(1, 100), t0, 1);
    drain(&mut i);
    let t1 = t0 + Duration::from_secs(1);
    i.handle_packet(
        t1,
        &advert_from(2, 0, t1),
        &meta(IpAddr::from([192, 0, 2, 2])),
    )
    .unwrap();
    assert_eq!(i.poll_timeout(), Some(t1 + Duration::from_micros(609_375)));
    assert_eq!(i.stats().rx.pri_zero_rcvd, 1);
}

#[test]
fn master_yields_to_higher_and_answers_lower() {
    let t0 = Instant::now();
    let mut i = Instance::new(config(5, 100), t0, 1);
    let t = to_master(&mut i);
    // Lower priority: advert at once, GARP, MASTER_RX_LOWER_PRI.
    let t1 = t + Duration::from_millis(300);
    i.handle_packet(
        t1,
        &advert_from(2, 50, t1),
        &meta(IpAddr::from([192, 0, 2, 2])),
    )
    .unwrap();
    let actions = drain(&mut i);
    assert!(matches!(actions[0], Action::SendAdvert { .. }));
    assert!(actions
        .iter()
        .any(|a| matches!(a, Action::Notify(n) if n.event == NotifyEvent::MasterRxLowerPriority)));
    assert_eq!(i.state(), State::Master);
    // Equal priority from a lower address: we stay.
    i.handle_packet(
        t1,
        &advert_from(2, 100, t1),
        &meta(IpAddr::from([192, 0, 2, 2])),
    )
    .unwrap();
    assert_eq!(i.state(), State::Master);
    drain(&mut i);
    // Equal priority from a higher address: we yield.
    i.handle_packet(
        t1,
        &advert_from(9, 100, t1),
        &meta(IpAddr::from([192, 0, 2, 9])),
    )
    .unwrap();
    assert_eq!(i.state(), State::Backup);
    let actions = drain(&mut i);
    assert!(matches!(actions[0], Action::DelVips { .. }));
    assert!(!i.vips_installed());
    assert_eq!(i.stats().release_master, 1);
}

#[test]
fn own_advert_looped_back_is_ignored() {
    let t0 = Instant::now();
    let mut i = Instance::new(config(5, 100), t0, 1);
    let t = to_master(&mut i);
    i.handle_packet(
        t,
        &advert_from(5, 100, t),
        &meta(IpAddr::from([192, 0, 2, 5])),
    )
    .unwrap();
    assert_eq!(i.state(), State::Master);
    assert!(drain(&mut i).is_empty());
}

#[test]
fn invalid_packets_are_counted_and_change_nothing() {
    let t0 = Instant::now();
    let mut i = Instance::new(config(1, 100), t0, 1);
    drain(&mut i);
    let deadline = i.poll_timeout();
    let mut bytes = advert_from(2, 200, t0);
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    assert!(i
        .handle_packet(t0, &bytes, &meta(IpAddr::from([192, 0, 2, 2])))
        .is_err());
    assert_eq!(i.poll_timeout(), deadline);
    assert_eq!(i.stats().rx.dropped(), 1);
    assert!(i
        .handle_packet(t0, &[1, 2, 3], &meta(IpAddr::from([192, 0, 2, 2])))
        .is_err());
}

#[test]
fn fault_ignores_packets_and_shutdown_is_terminal() {
    let t0 = Instant::now();
    let mut c = config(1, 100);
    c.trackers.push(
        TrackerConfig::new(TrackerId(3), TrackerKind::Interface, 0).starting(TrackerState::Down),
    );
    let mut i = Instance::new(c, t0, 1);
    assert_eq!(i.state(), State::Fault);
    assert_eq!(i.poll_timeout(), None);
    i.handle_packet(
        t0,
        &advert_from(2, 200, t0),
        &meta(IpAddr::from([192, 0, 2, 2])),
    )
    .unwrap();
    assert_eq!(i.stats().rx.advert_rcvd, 0);
    i.shutdown(t0);
    assert_eq!(i.state(), State::Stopped);
    let actions = drain(&mut i);
    assert!(
        matches!(actions.last(), Some(Action::Notify(n)) if n.event == NotifyEvent::State(State::Stopped))
    );
    assert!(!i.set_tracker(t0, TrackerId(4), TrackerState::Up));
    i.set_tracker(t0, TrackerId(3), TrackerState::Up);
    assert_eq!(i.state(), State::Stopped);
}

#[test]
fn master_shutdown_sends_priority_zero_then_removes() {
    let t0 = Instant::now();
    let mut c = config(1, 100);
    c.has_virtual_routes = true;
    c.has_virtual_rules = true;
    c.strict = true;
    let mut i = Instance::new(c, t0, 1);
    let t = to_master(&mut i);
    i.delete(t);
    let actions = drain(&mut i);
    assert!(matches!(
        actions[0],
        Action::SendAdvert {
            priority: Priority(0),
            ..
        }
    ));
    assert_eq!(actions[1], Action::DelRules);
    assert_eq!(actions[2], Action::DelRoutes);
    assert!(matches!(
        actions[3],
        Action::DelVips {
            no_accept: true,
            ..
        }
    ));
    assert!(
        matches!(&actions[4], Action::Notify(n) if n.event == NotifyEvent::State(State::Deleted))
    );
    assert_eq!(i.poll_timeout(), None);
    assert_eq!(i.stats().priority_zero_sent, 1);
}

#[test]
fn priority_change_moves_the_running_down_timer() {
    let t0 = Instant::now();
    let mut c = config(1, 100);
    c.trackers.push(
        TrackerConfig::new(TrackerId(1), TrackerKind::Script, 50).starting(TrackerState::Down),
    );
    let mut i = Instance::new(c, t0, 1);
    let before = i.poll_timeout().unwrap();
    i.set_tracker(t0, TrackerId(1), TrackerState::Up);
    assert_eq!(i.priority(), Priority(150));
    // The skew shrinks from 156/256 s (609 375 µs) to 106/256 s (414 062 µs).
    assert_eq!(
        i.poll_timeout().unwrap(),
        before - Duration::from_micros(195_313)
    );
}

#[test]
fn owner_faults_and_recovers_in_one_interval() {
    let t0 = Instant::now();
    let mut c = config(1, 255);
    c.initial_state = InitialState::Master;
    c.trackers
        .push(TrackerConfig::new(TrackerId(1), TrackerKind::Interface, 0));
    let mut i = Instance::new(c, t0, 1);
    assert_eq!(i.poll_timeout(), Some(t0));
    let t = to_master(&mut i);
    i.set_tracker(t, TrackerId(1), TrackerState::Down);
    assert_eq!(i.state(), State::Fault);
    i.set_tracker(t, TrackerId(1), TrackerState::Up);
    assert_eq!(i.state(), State::Backup);
    // adver_int + skew(255) = 1 s + 1/256 s.
    assert_eq!(i.poll_timeout(), Some(t + Duration::from_micros(1_003_906)));
}

#[test]
fn reload_keeps_a_master_without_election_or_notification() {
    let t0 = Instant::now();
    let mut i = Instance::reloaded(config(1, 100), t0, 1, State::Master);
    assert_eq!(i.state(), State::Master);
    let actions = drain(&mut i);
    assert!(matches!(actions[0], Action::AddVips { .. }));
    assert!(matches!(
        actions[1],
        Action::SendAdvert {
            priority: Priority(100),
            ..
        }
    ));
    assert_eq!(actions.len(), 2);
    assert_eq!(i.poll_timeout(), Some(t0 + Duration::from_secs(1)));
    assert_eq!(i.stats().become_master, 0);

    let mut b = Instance::reloaded(config(1, 100), t0, 1, State::Backup);
    assert_eq!(b.state(), State::Backup);
    assert!(drain(&mut b).is_empty());
    assert_eq!(
        b.poll_timeout(),
        Some(t0 + Duration::from_micros(3_609_375))
    );
}

#[test]
fn reload_into_a_failed_tracker_leaves_master_properly() {
    let t0 = Instant::now();
    let mut c = config(1, 100);
    c.trackers.push(
        TrackerConfig::new(TrackerId(1), TrackerKind::Interface, 0).starting(TrackerState::Down),
    );
    let mut i = Instance::reloaded(c, t0, 1, State::Master);
    assert_eq!(i.state(), State::Fault);
    let actions = drain(&mut i);
    assert!(actions.iter().any(|a| matches!(
        a,
        Action::SendAdvert {
            priority: Priority(0),
            ..
        }
    )));
    assert!(
        matches!(actions.last(), Some(Action::Notify(n)) if n.event == NotifyEvent::State(State::Fault))
    );
    assert!(!i.vips_installed());
}

#[test]
fn unicast_instance_leaving_fault_announces_its_own_address() {
    let t0 = Instant::now();
    let mut c = config(1, 100);
    c.unicast_peers
        .push(crate::rx::UnicastPeer::new(IpAddr::from([192, 0, 2, 2])));
    c.trackers.push(
        TrackerConfig::new(TrackerId(1), TrackerKind::Interface, 0).starting(TrackerState::Down),
    );
    let mut i = Instance::new(c, t0, 1);
    drain(&mut i);
    i.set_tracker(t0, TrackerId(1), TrackerState::Up);
    let actions = drain(&mut i);
    assert_eq!(
        actions[0],
        Action::Garp {
            addrs: vec![[192, 0, 2, 1].into()],
            repeat: 1,
            reason: GarpReason::OwnAddress
        }
    );
}
