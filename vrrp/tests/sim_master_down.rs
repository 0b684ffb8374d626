//! BFD-assisted takeover: a backup told that its master is down (`master_down`) takes over
//! at once instead of after Master_Down_Interval, and a false report costs at most one
//! advert interval of dual mastership before the adverts settle it.
#![cfg(feature = "sim")]

mod sim_support;

use std::time::Duration;

use keepalive_vrrp::sim::{Lan, RouterId};
use keepalive_vrrp::sync_group::SyncGroupConfig;
use keepalive_vrrp::State;
use sim_support::*;

const SECS: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;
/// The BFD detection time the scenarios assume: 10 ms × 3.
const DETECT: Duration = Duration::from_millis(30);

/// Runs until `vrid` has exactly one master again and returns how long that took (the
/// dual-mastership time when called right after a second master appeared).
fn until_single_master(lan: &mut Lan, vrid: u8, limit: Duration) -> Duration {
    lan.run_until(limit, |lan| lan.masters_of(vrid).len() == 1)
        .unwrap_or_else(|| panic!("masters {:?} after {limit:?}", lan.masters_of(vrid)))
}

/// The master at .1 (200), backups at .2 (100) and .3 (50), settled.
fn three_routers(seed: u64) -> (Lan, RouterId, RouterId, RouterId) {
    let mut lan = Lan::new(seed);
    let a = lan.add(v2(51, 1, 200));
    let b = lan.add(v2(51, 2, 100));
    let c = lan.add(v2(51, 3, 50));
    wait_master(&mut lan, 51, a, SECS(10));
    lan.run_for(MS(2_500));
    (lan, a, b, c)
}

#[test]
fn a_crashed_master_is_replaced_within_the_detection_time() {
    let (mut lan, a, b, c) = three_routers(61);
    lan.crash(a);
    // The BFD sessions of both backups go Down one detection time after the crash.
    lan.run_for(DETECT);
    assert_eq!(lan.masters_of(51), Vec::<RouterId>::new());
    assert!(lan.master_down(b, ip4(1), Duration::ZERO));
    assert!(lan.master_down(c, ip4(1), Duration::ZERO));
    // Both took over at once; the first advert exchange leaves the higher priority.
    assert_eq!(lan.masters_of(51), vec![b, c]);
    let dual = until_single_master(&mut lan, 51, SECS(1));
    assert!(dual <= MS(1), "backups both master for {dual:?}");
    assert_eq!(lan.masters_of(51), vec![b]);
    assert!(lan.vips(b).contains(&ip4(151)));
    // Without the report the takeover would have waited the master-down interval.
    let down = lan.instance(c).unwrap().master_down_interval();
    assert!(down > SECS(3));
    lan.run_for(SECS(10));
    assert_eq!(lan.masters_of(51), vec![b]);
    assert_states(&lan, &[(c, State::Backup)]);
}

#[test]
fn a_false_down_is_settled_by_the_masters_answer() {
    let (mut lan, a, b, _c) = three_routers(62);
    // BFD lost while the master lives: b takes over, a answers its lower-priority advert
    // at once (keepalived's forced re-election), and b yields.
    assert!(lan.master_down(b, ip4(1), Duration::ZERO));
    assert_eq!(lan.masters_of(51), vec![a, b]);
    let dual = until_single_master(&mut lan, 51, SECS(2));
    assert!(dual <= MS(1), "dual mastership {dual:?}");
    assert_eq!(lan.masters_of(51), vec![a]);
    assert_states(&lan, &[(b, State::Backup)]);
    let stats = lan.instance(b).unwrap().stats();
    assert_eq!((stats.become_master, stats.release_master), (1, 1));
    lan.run_for(SECS(10));
    assert_eq!(lan.masters_of(51), vec![a]);
}

#[test]
fn with_lower_prio_no_advert_a_false_down_lasts_at_most_one_advert_interval() {
    let mut lan = Lan::new(63);
    let mut master = v2(51, 1, 200);
    master.lower_prio_no_advert = true;
    let a = lan.add(master);
    let b = lan.add(v2(51, 2, 100));
    wait_master(&mut lan, 51, a, SECS(10));
    lan.run_for(MS(2_300));
    for _ in 0..5 {
        assert!(lan.master_down(b, ip4(1), Duration::ZERO));
        let dual = until_single_master(&mut lan, 51, SECS(3));
        let interval = lan.instance(a).unwrap().master_advert_interval();
        assert!(dual <= interval + MS(1), "dual mastership {dual:?}");
        assert_eq!(lan.masters_of(51), vec![a]);
        lan.run_for(MS(1_370));
    }
}

#[test]
fn equal_priorities_follow_the_address_tie_break() {
    // A false Down with equal priorities moves mastership to the higher address, exactly
    // as a Master_Down_Timer expiry would (RFC 5798 §6.4.3).
    let mut lan = Lan::new(64);
    let a = lan.add(v2(51, 1, 100));
    let b = lan.add(v2(51, 2, 100));
    wait_master(&mut lan, 51, b, SECS(10));
    lan.run_for(SECS(2));
    // a follows b; a false report to a makes a master briefly, and b, the higher address,
    // wins the exchange.
    assert!(lan.master_down(a, ip4(2), Duration::ZERO));
    until_single_master(&mut lan, 51, SECS(2));
    assert_eq!(lan.masters_of(51), vec![b]);
}

#[test]
fn reports_about_another_router_or_older_than_an_advert_are_ignored() {
    let (mut lan, a, b, _c) = three_routers(65);
    assert!(!lan.master_down(b, ip4(3), Duration::ZERO));
    // The master adverts every second; a Down seen 1.5 s ago predates the last advert.
    assert!(!lan.master_down(b, ip4(1), MS(1_500)));
    assert!(!lan.master_down(a, ip4(1), Duration::ZERO));
    lan.run_for(SECS(5));
    assert_eq!(lan.masters_of(51), vec![a]);
    let b_stats = lan.instance(b).unwrap().stats();
    assert_eq!(b_stats.become_master, 0);
}

#[test]
fn a_sync_group_takes_over_when_each_members_master_is_down() {
    let mut lan = Lan::new(66);
    let members = |host: u8, priority: u8| vec![v2(1, host, priority), v2(2, host + 50, priority)];
    let a = lan.add_group(SyncGroupConfig::new("G"), members(1, 200));
    let b = lan.add_group(SyncGroupConfig::new("G"), members(2, 100));
    lan.run_until(SECS(10), |lan| lan.state(a) == State::Master)
        .expect("a master");
    lan.run_for(SECS(2));
    lan.crash(a);
    lan.run_for(DETECT);
    // One session per master address; the group moves once both have reported.
    assert!(lan.master_down(b, ip4(1), Duration::ZERO));
    assert_eq!(lan.member_state(b, 0), State::Backup);
    assert!(lan.master_down(b, ip4(51), Duration::ZERO));
    assert_eq!(lan.member_state(b, 0), State::Master);
    assert_eq!(lan.member_state(b, 1), State::Master);
    assert_eq!(lan.masters_of(1), vec![b]);
    assert_eq!(lan.masters_of(2), vec![b]);
}

#[test]
fn recorded_reports_replay() {
    let (mut lan, _a, b, _c) = three_routers(67);
    assert!(lan.master_down(b, ip4(1), MS(2)));
    lan.run_for(SECS(3));
    let (config, seed, inputs) = lan.recording(b).unwrap();
    let lines: Vec<String> = inputs.iter().map(ToString::to_string).collect();
    assert!(lines
        .iter()
        .any(|l| l.contains("master-down 192.0.2.1 0.002000000")));
    let base = std::time::Instant::now();
    let mut twin = keepalive_vrrp::Instance::new(config, base, seed);
    for line in &lines {
        let _ = twin.handle_input(base, &line.parse().unwrap());
    }
    assert_eq!(twin.stats(), lan.instance(b).unwrap().stats());
}
