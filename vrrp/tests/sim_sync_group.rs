//! Sync groups: members move together (keepalived `vrrp_sync_group`).

mod sim_support;

use std::time::Duration;

use keepalive_vrrp::action::{NotifyEvent, NotifyScope};
use keepalive_vrrp::sim::{Happening, Lan, RouterId};
use keepalive_vrrp::sync_group::SyncGroupConfig;
use keepalive_vrrp::tracker::{TrackerConfig, TrackerId, TrackerKind, TrackerState};
use keepalive_vrrp::{InstanceConfig, Priority, State};
use sim_support::*;

const SECS: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;
const IF_A: TrackerId = TrackerId(1);
const UPLINK: TrackerId = TrackerId(9);

/// Two members, VRIDs 1 and 2, with addresses `host` and `host + 50`.
fn members(host: u8, priority: u8) -> Vec<InstanceConfig> {
    let mut first = v2(1, host, priority);
    first
        .trackers
        .push(TrackerConfig::new(IF_A, TrackerKind::Interface, 0));
    let second = v2(2, host + 50, priority);
    vec![first, second]
}

fn group(name: &str) -> SyncGroupConfig {
    let mut g = SyncGroupConfig::new(name);
    g.trackers
        .push(TrackerConfig::new(UPLINK, TrackerKind::Interface, 0));
    g
}

fn group_notifies(lan: &Lan, router: RouterId) -> Vec<State> {
    lan.log()
        .iter()
        .filter(|r| r.router == router)
        .filter_map(|r| match &r.what {
            Happening::Notify(n) if n.scope == NotifyScope::Group => match n.event {
                NotifyEvent::State(s) => Some(s),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

fn both_master(lan: &Lan, r: RouterId) -> bool {
    lan.member_state(r, 0) == State::Master && lan.member_state(r, 1) == State::Master
}

#[test]
fn one_member_fault_takes_the_group_to_fault() {
    let mut lan = Lan::new(61);
    let r1 = lan.add_group(group("G"), members(1, 200));
    let r2 = lan.add_group(group("G"), members(2, 100));
    lan.run_until(SECS(10), |lan| both_master(lan, r1))
        .expect("r1 master for both");
    lan.run_for(SECS(5));
    assert_eq!(lan.state(r2), State::Backup);

    lan.set_tracker(r1, IF_A, TrackerState::Down);
    assert_eq!(lan.member_state(r1, 0), State::Fault);
    assert_eq!(lan.member_state(r1, 1), State::Fault);
    assert_eq!(lan.state(r1), State::Fault);
    // Both members sent priority 0, so r2 takes both over within a skew time.
    let took = lan
        .run_until(SECS(5), |lan| both_master(lan, r2))
        .expect("r2 master for both");
    assert!(took <= Duration::from_micros(609_375) + MS(1), "{took:?}");
    assert_eq!(
        group_notifies(&lan, r1),
        vec![State::Backup, State::Master, State::Fault]
    );

    // Recovery brings the whole group back and preemption returns it to r1.
    lan.set_tracker(r1, IF_A, TrackerState::Up);
    assert_eq!(lan.state(r1), State::Backup);
    lan.run_until(SECS(10), |lan| both_master(lan, r1))
        .expect("r1 master again");
    lan.run_for(SECS(2));
    assert_eq!(lan.member_state(r2, 0), State::Backup);
    assert_eq!(lan.member_state(r2, 1), State::Backup);
}

#[test]
fn group_tracker_faults_every_member() {
    let mut lan = Lan::new(62);
    let r1 = lan.add_group(group("G"), members(1, 200));
    lan.run_until(SECS(10), |lan| both_master(lan, r1))
        .expect("master");
    lan.set_tracker(r1, UPLINK, TrackerState::Down);
    assert_eq!(lan.member_state(r1, 0), State::Fault);
    assert_eq!(lan.member_state(r1, 1), State::Fault);
    assert!(lan.vips(r1).is_empty());
}

#[test]
fn a_member_is_held_in_backup_until_all_can_be_master() {
    let mut lan = Lan::new(63);
    // r2 runs the group; r1 only runs VRID 1, at a higher priority. Nobody else runs
    // VRID 2, so r2's VRID 2 would become master on its own — but its group partner
    // still hears r1's master, so the group holds both in Backup.
    let r1 = lan.add(v2(1, 1, 200));
    let r2 = lan.add_group(SyncGroupConfig::new("G"), members(2, 100));
    lan.run_for(SECS(30));
    assert_eq!(lan.masters_of(1), vec![r1]);
    assert_eq!(lan.member_state(r2, 1), State::Backup);
    assert!(lan.masters_of(2).is_empty());
    // When r1 dies both members go to Master together.
    lan.crash(r1);
    lan.run_until(SECS(10), |lan| both_master(lan, r2))
        .expect("group master");
    assert_eq!(group_notifies(&lan, r2), vec![State::Backup, State::Master]);
}

#[test]
fn a_yielding_member_takes_its_partners_to_backup() {
    let mut lan = Lan::new(64);
    let r2 = lan.add_group(SyncGroupConfig::new("G"), members(2, 100));
    lan.run_until(SECS(10), |lan| both_master(lan, r2))
        .expect("group master");
    // A better router appears for VRID 1 only: r2's VRID 1 yields and VRID 2 follows.
    let r1 = lan.add(v2(1, 1, 200));
    lan.run_until(SECS(10), |lan| lan.masters_of(1) == vec![r1])
        .expect("r1 master");
    assert_eq!(lan.member_state(r2, 0), State::Backup);
    assert_eq!(lan.member_state(r2, 1), State::Backup);
    assert_eq!(
        lan.group(r2).unwrap().members()[1].priority(),
        Priority(100)
    );
}

#[test]
fn members_wait_for_each_others_first_script_result() {
    let mut lan = Lan::new(65);
    let mut m = members(1, 200);
    const SCRIPT: TrackerId = TrackerId(5);
    m[1].trackers
        .push(TrackerConfig::new(SCRIPT, TrackerKind::Script, 0));
    let r = lan.add_group(SyncGroupConfig::new("G"), m);
    lan.run_for(SECS(10));
    // VRID 1 has nothing to wait for, but its partner's script has not run yet.
    assert_eq!(lan.member_state(r, 0), State::Init);
    assert_eq!(lan.state(r), State::Init);
    lan.set_tracker(r, SCRIPT, TrackerState::Up);
    assert_eq!(lan.member_state(r, 0), State::Backup);
    assert_eq!(lan.member_state(r, 1), State::Backup);
    lan.run_until(SECS(10), |lan| both_master(lan, r))
        .expect("group master");
}

#[test]
fn a_failing_first_result_faults_the_whole_group() {
    let mut lan = Lan::new(66);
    let mut m = members(1, 200);
    const SCRIPT: TrackerId = TrackerId(5);
    m[1].trackers
        .push(TrackerConfig::new(SCRIPT, TrackerKind::Script, 0));
    let r = lan.add_group(SyncGroupConfig::new("G"), m);
    lan.set_tracker(r, SCRIPT, TrackerState::Down);
    assert_eq!(lan.member_state(r, 0), State::Fault);
    assert_eq!(lan.member_state(r, 1), State::Fault);
    assert_eq!(group_notifies(&lan, r), vec![State::Fault]);
}
