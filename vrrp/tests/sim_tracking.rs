//! Tracked objects changing priority or forcing FAULT, and the handovers that follow.

mod sim_support;

use std::time::Duration;

use keepalive_vrrp::action::NotifyEvent;
use keepalive_vrrp::sim::{Happening, Lan};
use keepalive_vrrp::tracker::{TrackerConfig, TrackerId, TrackerKind, TrackerState};
use keepalive_vrrp::{Priority, State};
use sim_support::*;

const SECS: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;
const CHK: TrackerId = TrackerId(1);

#[test]
fn weighted_failure_hands_over_and_recovery_takes_back() {
    let mut lan = Lan::new(41);
    let mut a = v2(51, 1, 200);
    a.trackers
        .push(TrackerConfig::new(CHK, TrackerKind::Script, -150).starting(TrackerState::Up));
    a.notify_priority_changes = true;
    let a = lan.add(a);
    let b = lan.add(v2(51, 2, 100));
    wait_master(&mut lan, 51, a, SECS(10));
    lan.run_for(SECS(3));

    lan.set_tracker(a, CHK, TrackerState::Down);
    assert_eq!(lan.instance(a).unwrap().priority(), Priority(50));
    // a now advertises 50; b ignores those and times out: one master-down interval.
    let took = wait_master(&mut lan, 51, b, SECS(10));
    let down = lan.instance(b).unwrap().master_down_interval();
    assert!(took <= down + MS(1), "{took:?}");
    assert_eq!(lan.state(a), State::Backup);
    assert!(lan.log().iter().any(|r| r.router == a
        && matches!(&r.what, Happening::Notify(n)
            if n.event == NotifyEvent::PriorityChange { master: true } && n.priority == Priority(50))));

    lan.set_tracker(a, CHK, TrackerState::Up);
    wait_master(&mut lan, 51, a, SECS(10));
    assert_eq!(lan.state(b), State::Backup);
}

#[test]
fn unweighted_failure_faults_and_the_backup_takes_over_fast() {
    let mut lan = Lan::new(42);
    let mut a = v2(51, 1, 200);
    a.trackers
        .push(TrackerConfig::new(CHK, TrackerKind::Interface, 0));
    let a = lan.add(a);
    let b = lan.add(v2(51, 2, 100));
    wait_master(&mut lan, 51, a, SECS(10));
    lan.set_tracker(a, CHK, TrackerState::Down);
    assert_eq!(lan.state(a), State::Fault);
    assert!(lan.vips(a).is_empty());
    // FAULT sends priority 0, so the backup waits only its skew time.
    let took = wait_master(&mut lan, 51, b, SECS(5));
    assert!(
        took <= lan.instance(b).unwrap().skew_time() + MS(1),
        "{took:?}"
    );
    // Recovery: Backup first, then preemption.
    lan.set_tracker(a, CHK, TrackerState::Up);
    assert_eq!(lan.state(a), State::Backup);
    wait_master(&mut lan, 51, a, SECS(10));
}

#[test]
fn reverse_tracker_faults_when_up() {
    let mut lan = Lan::new(43);
    let mut a = v2(51, 1, 200);
    a.trackers.push(
        TrackerConfig::new(CHK, TrackerKind::Process, 0)
            .reversed()
            .starting(TrackerState::Down),
    );
    let a = lan.add(a);
    wait_master(&mut lan, 51, a, SECS(10));
    lan.set_tracker(a, CHK, TrackerState::Up);
    assert_eq!(lan.state(a), State::Fault);
}

#[test]
fn unreported_script_holds_init() {
    let mut lan = Lan::new(44);
    let mut a = v2(51, 1, 200);
    a.trackers
        .push(TrackerConfig::new(CHK, TrackerKind::Script, 0));
    let a = lan.add(a);
    lan.run_for(SECS(10));
    assert_eq!(lan.state(a), State::Init);
    lan.set_tracker(a, CHK, TrackerState::Up);
    assert_eq!(lan.state(a), State::Backup);
    wait_master(&mut lan, 51, a, SECS(10));
}

#[test]
fn owner_priority_is_not_adjusted() {
    let mut lan = Lan::new(45);
    let mut a = v2(51, 1, 255);
    a.trackers
        .push(TrackerConfig::new(CHK, TrackerKind::File, 10).starting(TrackerState::Value(0)));
    let a = lan.add(a);
    let b = lan.add(v2(51, 2, 254));
    wait_master(&mut lan, 51, a, SECS(10));
    lan.set_tracker(a, CHK, TrackerState::Value(-20));
    assert_eq!(lan.instance(a).unwrap().priority(), Priority::OWNER);
    lan.run_for(SECS(20));
    assert_eq!(lan.masters_of(51), vec![a]);
    assert_eq!(lan.state(b), State::Backup);
}

#[test]
fn tracked_bfd_and_file_weights_add_up() {
    let mut lan = Lan::new(46);
    let mut a = v2(51, 1, 100);
    a.trackers
        .push(TrackerConfig::new(TrackerId(1), TrackerKind::Bfd, 30));
    a.trackers.push(
        TrackerConfig::new(TrackerId(2), TrackerKind::File, 5).starting(TrackerState::Value(4)),
    );
    let a = lan.add(a);
    let b = lan.add(v2(51, 2, 140));
    // 100 + 30 (BFD up) + 20 (file 4 × 5) = 150 > 140.
    wait_master(&mut lan, 51, a, SECS(10));
    lan.set_tracker(a, TrackerId(1), TrackerState::Down);
    assert_eq!(lan.instance(a).unwrap().priority(), Priority(120));
    wait_master(&mut lan, 51, b, SECS(10));
}
