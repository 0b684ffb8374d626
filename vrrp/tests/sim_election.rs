//! Elections among several routers (RFC 5798 §6.4), address owners, preemption.

mod sim_support;

use std::time::Duration;

use keepalive_vrrp::config::InitialState;
use keepalive_vrrp::sim::Lan;
use keepalive_vrrp::State;
use sim_support::*;

const SECS: fn(u64) -> Duration = Duration::from_secs;

#[test]
fn three_routers_elect_the_highest_priority() {
    let mut lan = Lan::new(11);
    let low = lan.add(v2(51, 1, 50));
    let high = lan.add(v2(51, 2, 200));
    let mid = lan.add(v2(51, 3, 100));
    let took = wait_master(&mut lan, 51, high, SECS(10));
    // Everyone starts as backup; the highest priority has the shortest skew and wins after
    // its master-down interval: 3 s + (256-200)/256 s.
    let down = lan.instance(high).unwrap().master_down_interval();
    assert!(
        took >= down && took <= down + Duration::from_millis(1),
        "{took:?}"
    );
    lan.run_for(SECS(30));
    assert_eq!(lan.masters_of(51), vec![high]);
    assert_states(&lan, &[(low, State::Backup), (mid, State::Backup)]);
    assert!(lan.vips(high).contains(&ip4(151)));
    assert!(lan.vips(low).is_empty() && lan.vips(mid).is_empty());
    // One transition to master in the whole run.
    let becomes = lan
        .transitions()
        .filter(|(_, _, s)| *s == State::Master)
        .count();
    assert_eq!(becomes, 1);
}

#[test]
fn five_equal_priorities_elect_the_highest_address() {
    let mut lan = Lan::new(12);
    let routers: Vec<_> = (1..=5).map(|h| lan.add(v3(7, h, 100))).collect();
    wait_master(&mut lan, 7, routers[4], SECS(10));
    lan.run_for(SECS(20));
    assert_eq!(lan.masters_of(7), vec![routers[4]]);
}

#[test]
fn owner_with_state_master_takes_over_at_once() {
    let mut lan = Lan::new(13);
    let backup = lan.add(v2(9, 1, 100));
    wait_master(&mut lan, 9, backup, SECS(10));
    let mut owner = v2(9, 2, 255);
    owner.initial_state = InitialState::Master;
    let owner = lan.add(owner);
    // No master-down wait: the owner is master after its first timer tick.
    let took = wait_master(&mut lan, 9, owner, SECS(1));
    assert!(took < Duration::from_millis(5), "{took:?}");
    assert_eq!(lan.state(backup), State::Backup);
    // The owner's priority is not a tracker's to change, and it stays master.
    lan.run_for(SECS(20));
    assert_eq!(lan.masters_of(9), vec![owner]);
}

#[test]
fn owner_without_state_master_waits_one_skew() {
    let mut lan = Lan::new(14);
    let owner = lan.add(v2(9, 2, 255));
    let took = wait_master(&mut lan, 9, owner, SECS(10));
    // 3 × 1 s + (256-255)/256 s.
    assert!(
        took >= SECS(3) && took < Duration::from_millis(3010),
        "{took:?}"
    );
}

#[test]
fn two_owners_resolve_by_stepping_down() {
    let mut lan = Lan::new(15);
    let mut a = v2(4, 1, 255);
    a.initial_state = InitialState::Master;
    let mut b = v2(4, 2, 255);
    b.initial_state = InitialState::Master;
    let a = lan.add(a);
    let b = lan.add(b);
    lan.run_for(SECS(10));
    // keepalived: "CONFIGURATION ERROR: ... both configured as address owner" and the one
    // that hears the other lowers itself to 254; the higher address stays master.
    assert_eq!(lan.masters_of(4), vec![b]);
    assert_eq!(lan.state(a), State::Backup);
}
