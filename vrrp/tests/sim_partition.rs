//! Partitions: both sides elect a master; after healing exactly one remains and it
//! re-announces its addresses (keepalived issue #166).

mod sim_support;

use std::time::Duration;

use keepalive_vrrp::action::{GarpReason, NotifyEvent};
use keepalive_vrrp::sim::{Happening, Lan};
use keepalive_vrrp::State;
use sim_support::*;

const SECS: fn(u64) -> Duration = Duration::from_secs;

#[test]
fn partition_heal_leaves_one_master_that_resends_garp() {
    let mut lan = Lan::new(51);
    // higher_prio_send_advert guarantees that the master hears the yielding router's
    // lower priority even when its own advert arrives first after the heal; that is
    // keepalived's answer to issue #166.
    let mut low = v2(51, 2, 100);
    low.higher_prio_send_advert = true;
    let a = lan.add(v2(51, 1, 200));
    let b = lan.add(low.clone());
    low.primary_addr = ip4(3);
    low.priority = keepalive_vrrp::Priority(50);
    let c = lan.add(low);
    wait_master(&mut lan, 51, a, SECS(10));

    lan.partition(&[a], &[b, c]);
    lan.run_until(SECS(10), |lan| lan.masters_of(51).len() == 2)
        .expect("each side elects a master");
    assert_eq!(lan.masters_of(51), vec![a, b]);
    lan.run_for(SECS(10));

    let healed_at = lan.elapsed();
    lan.heal();
    // Within one advert interval of healing, b hears a and yields.
    let took = lan
        .run_until(SECS(2), |lan| lan.masters_of(51) == vec![a])
        .expect("one master after healing");
    assert!(took <= SECS(1) + Duration::from_millis(1), "{took:?}");
    assert_eq!(lan.state(b), State::Backup);
    assert!(lan.vips(b).is_empty());
    lan.run_for(SECS(10));
    assert_eq!(lan.masters_of(51), vec![a]);

    // a heard b's lower-priority advert: it answered with GARPs (now and after
    // garp_lower_prio_delay) and reported MASTER_RX_LOWER_PRI, so hosts that learnt b's
    // MAC during the split come back to a.
    let garps = garps_since(&lan, a, healed_at);
    assert!(garps.contains(&Happening::Garp {
        reason: GarpReason::LowerPriority,
        repeat: 5
    }));
    assert!(garps.contains(&Happening::Garp {
        reason: GarpReason::LowerPriorityDelay,
        repeat: 5
    }));
    assert!(lan.log().iter().any(|r| r.router == a
        && r.at >= healed_at
        && matches!(&r.what, Happening::Notify(n) if n.event == NotifyEvent::MasterRxLowerPriority)));
}

#[test]
fn higher_prio_send_advert_makes_the_yielding_master_speak() {
    let mut lan = Lan::new(52);
    let a = lan.add(v2(51, 1, 200));
    let mut bc = v2(51, 2, 100);
    bc.higher_prio_send_advert = true;
    let b = lan.add(bc);
    wait_master(&mut lan, 51, a, SECS(10));
    lan.partition(&[a], &[b]);
    wait_master_both(&mut lan);
    let healed_at = lan.elapsed();
    lan.heal();
    lan.run_for(SECS(3));
    assert_eq!(lan.masters_of(51), vec![a]);
    // b sent one more advert (priority 100) as it yielded.
    let adverts_from_b = lan
        .log()
        .iter()
        .filter(|r| r.router == b && r.at >= healed_at)
        .filter(|r| matches!(r.what, Happening::Advert { .. }))
        .count();
    assert!(adverts_from_b >= 1);
}

fn wait_master_both(lan: &mut Lan) {
    lan.run_until(SECS(10), |lan| lan.masters_of(51).len() == 2)
        .expect("both sides master");
}

#[test]
fn lower_prio_no_advert_keeps_the_master_quiet() {
    let mut lan = Lan::new(53);
    let mut ac = v2(51, 1, 200);
    ac.lower_prio_no_advert = true;
    let a = lan.add(ac);
    let b = lan.add(v2(51, 2, 100));
    wait_master(&mut lan, 51, a, SECS(10));
    lan.partition(&[a], &[b]);
    wait_master_both(&mut lan);
    lan.heal();
    // a no longer answers b's adverts at once; b still yields at a's next regular advert.
    lan.run_until(SECS(2), |lan| lan.masters_of(51) == vec![a])
        .expect("one master");
}

#[test]
fn split_brain_with_equal_priorities_resolves_by_address() {
    let mut lan = Lan::new(54);
    let a = lan.add(v3(5, 1, 100));
    let b = lan.add(v3(5, 2, 100));
    wait_master(&mut lan, 5, b, SECS(10));
    lan.partition(&[a], &[b]);
    lan.run_until(SECS(10), |lan| lan.masters_of(5).len() == 2)
        .expect("split brain");
    lan.heal();
    lan.run_until(SECS(2), |lan| lan.masters_of(5) == vec![b])
        .expect("higher address wins");
}
