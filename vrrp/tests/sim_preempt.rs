//! Preemption: `preempt` (default), `nopreempt`, `preempt_delay`, `vrrp_startup_delay`.

mod sim_support;

use std::time::Duration;

use keepalive_vrrp::sim::Lan;
use keepalive_vrrp::State;
use sim_support::*;

const SECS: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;

#[test]
fn higher_priority_preempts_a_running_master() {
    let mut lan = Lan::new(31);
    let low = lan.add(v2(51, 1, 100));
    wait_master(&mut lan, 51, low, SECS(10));
    let high = lan.add(v2(51, 2, 200));
    // It ignores the lower-priority adverts and takes over when its own master-down
    // timer expires (RFC 5798 §6.4.2); the old master yields on its first advert.
    let took = wait_master(&mut lan, 51, high, SECS(10));
    let down = lan.instance(high).unwrap().master_down_interval();
    assert!(took <= down + MS(1), "{took:?}");
    lan.run_for(SECS(10));
    assert_eq!(lan.state(low), State::Backup);
    assert!(lan.vips(low).is_empty());
}

#[test]
fn nopreempt_leaves_the_lower_master_alone() {
    let mut lan = Lan::new(32);
    let low = lan.add(v2(51, 1, 100));
    wait_master(&mut lan, 51, low, SECS(10));
    let mut high = v2(51, 2, 200);
    high.nopreempt = true;
    let high = lan.add(high);
    lan.run_for(SECS(60));
    assert_eq!(lan.masters_of(51), vec![low]);
    assert_eq!(lan.state(high), State::Backup);
    // Once the lower master dies, the nopreempt router does take over.
    lan.crash(low);
    wait_master(&mut lan, 51, high, SECS(5));
}

#[test]
fn preempt_delay_postpones_the_takeover() {
    let mut lan = Lan::new(33);
    let low = lan.add(v2(51, 1, 100));
    wait_master(&mut lan, 51, low, SECS(10));
    let mut high = v2(51, 2, 200);
    high.preempt_delay = SECS(10);
    let high = lan.add(high);
    let took = wait_master(&mut lan, 51, high, SECS(30));
    // The delay starts at the first lower-priority advert (within 1 s); the master-down
    // interval runs after it: 10 s + 3.22 s, plus up to one advert interval.
    let down = lan.instance(high).unwrap().master_down_interval();
    assert!(took >= SECS(10), "{took:?}");
    assert!(took <= SECS(10) + down + SECS(1) + MS(1), "{took:?}");
}

#[test]
fn startup_delay_holds_off_the_first_takeover() {
    let mut lan = Lan::new(34);
    let mut c = v2(51, 1, 200);
    c.startup_delay = SECS(5);
    let r = lan.add(c);
    let took = wait_master(&mut lan, 51, r, SECS(20));
    let down = lan.instance(r).unwrap().master_down_interval();
    assert_eq!(took, SECS(5) + down);
}

#[test]
fn strict_mode_ignores_preempt_delay() {
    let mut lan = Lan::new(35);
    let low = lan.add(v2(51, 1, 100));
    wait_master(&mut lan, 51, low, SECS(10));
    let mut high = v2(51, 2, 200);
    high.preempt_delay = SECS(10);
    high.strict = true;
    let high = lan.add(high);
    let took = wait_master(&mut lan, 51, high, SECS(30));
    assert!(took < SECS(5), "{took:?}");
}
