//! Failover timing: a crashed master is replaced within the master-down interval, a
//! stopping master within the skew time (RFC 5798 §6.4.2, §6.4.3).

mod sim_support;

use std::time::Duration;

use keepalive_vrrp::action::NotifyEvent;
use keepalive_vrrp::sim::{Happening, Lan};
use keepalive_vrrp::{Priority, State};
use sim_support::*;

const SECS: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;

#[test]
fn crashed_master_is_replaced_within_master_down_interval() {
    let mut lan = Lan::new(21);
    let a = lan.add(v2(51, 1, 200));
    let b = lan.add(v2(51, 2, 100));
    let c = lan.add(v2(51, 3, 50));
    wait_master(&mut lan, 51, a, SECS(10));
    lan.run_for(Duration::from_millis(10_350));
    lan.crash(a);
    let down = lan.instance(b).unwrap().master_down_interval();
    // 3 s + (256-100)/256 s = 3.609375 s after the last advert heard.
    assert_eq!(down, Duration::from_micros(3_609_375));
    let took = wait_master(&mut lan, 51, b, SECS(10));
    assert!(took <= down + MS(1), "{took:?} > {down:?}");
    assert!(took + SECS(1) >= down, "took over too early: {took:?}");
    lan.run_for(SECS(10));
    assert_eq!(lan.state(c), State::Backup);
    assert_eq!(lan.masters_of(51), vec![b]);
}

#[test]
fn shutdown_sends_priority_zero_and_backup_takes_over_within_skew() {
    let mut lan = Lan::new(22);
    let a = lan.add(v2(51, 1, 200));
    let b = lan.add(v2(51, 2, 100));
    let c = lan.add(v2(51, 3, 50));
    wait_master(&mut lan, 51, a, SECS(10));
    lan.run_for(SECS(5));
    let since = lan.elapsed();
    lan.shutdown(a);
    let skew = lan.instance(b).unwrap().skew_time();
    assert_eq!(skew, Duration::from_micros(609_375));
    let took = wait_master(&mut lan, 51, b, SECS(5));
    assert!(took <= skew + MS(1), "{took:?} > {skew:?}");
    assert_eq!(lan.state(a), State::Stopped);
    assert_eq!(lan.state(c), State::Backup);
    assert!(lan.vips(a).is_empty());
    // The stopping master said priority 0 and reported STOP.
    let from_a: Vec<_> = lan
        .log()
        .iter()
        .filter(|r| r.router == a && r.at >= since)
        .map(|r| r.what.clone())
        .collect();
    assert!(from_a.iter().any(|h| matches!(
        h,
        Happening::Advert {
            priority: Priority(0),
            ..
        }
    )));
    assert!(from_a.iter().any(|h| matches!(
        h,
        Happening::Notify(n) if n.event == NotifyEvent::State(State::Stopped)
    )));
    let stats = lan.instance(b).unwrap().stats();
    assert_eq!(stats.rx.pri_zero_rcvd, 1);
    assert_eq!(stats.become_master, 1);
}

#[test]
fn v3_backup_learns_the_masters_interval() {
    let mut lan = Lan::new(23);
    // The master advertises every 0.5 s; the backup is configured for 2 s.
    let a = lan.add(every(v3(8, 1, 200), 50));
    let b = lan.add(every(v3(8, 2, 100), 200));
    wait_master(&mut lan, 8, a, SECS(10));
    lan.run_for(SECS(3));
    let inst = lan.instance(b).unwrap();
    assert_eq!(inst.master_advert_interval(), MS(500));
    // RFC 5798 §6.1: 3 × 0.5 s + (256-100) × 0.5 s / 256.
    let down = inst.master_down_interval();
    assert_eq!(down, Duration::from_micros(1_500_000 + 304_687));
    lan.crash(a);
    let took = wait_master(&mut lan, 8, b, SECS(10));
    assert!(took <= down + MS(1), "{took:?}");
    // As master it goes back to its own interval.
    assert_eq!(lan.instance(b).unwrap().master_advert_interval(), SECS(2));
}

#[test]
fn down_timer_adverts_changes_the_master_down_interval() {
    let mut lan = Lan::new(24);
    let mut a = v2(3, 1, 200);
    a.down_timer_adverts = 5;
    let mut b = v2(3, 2, 100);
    b.down_timer_adverts = 5;
    let a = lan.add(a);
    let b = lan.add(b);
    wait_master(&mut lan, 3, a, SECS(10));
    lan.run_for(SECS(2));
    lan.crash(a);
    let took = wait_master(&mut lan, 3, b, SECS(10));
    assert!(
        took > SECS(4) && took <= Duration::from_micros(5_609_375) + MS(1),
        "{took:?}"
    );
}

#[test]
fn lossy_link_does_not_flap_a_stable_master() {
    let mut lan = Lan::new(25);
    lan.set_default_link(keepalive_vrrp::sim::Link {
        loss: 0.2,
        jitter: MS(5),
        ..Default::default()
    });
    let a = lan.add(v2(51, 1, 200));
    let b = lan.add(v2(51, 2, 100));
    wait_master(&mut lan, 51, a, SECS(10));
    lan.run_for(SECS(120));
    // Losing three adverts in a row (0.8 %) can make the backup take over briefly; the
    // real master then wins again at its next advert. It must always settle on `a`.
    assert_eq!(lan.masters_of(51), vec![a]);
    assert_eq!(lan.state(b), State::Backup);
}

#[test]
fn a_router_recording_replays_to_the_same_end() {
    let mut lan = Lan::new(26);
    let a = lan.add(v3(51, 1, 200));
    let b = lan.add(v3(51, 2, 100));
    wait_master(&mut lan, 51, a, SECS(10));
    lan.run_for(SECS(5));
    lan.crash(a);
    wait_master(&mut lan, 51, b, SECS(10));
    lan.restart(a);
    wait_master(&mut lan, 51, a, SECS(10));
    lan.run_for(SECS(5));

    // Replay b's whole life from its text recording into a fresh instance.
    let (config, seed, inputs) = lan.recording(b).unwrap();
    let lines: Vec<String> = inputs.iter().map(ToString::to_string).collect();
    assert!(lines.len() > 10, "{}", lines.len());
    let base = std::time::Instant::now();
    let mut twin = keepalive_vrrp::Instance::new(config, base, seed);
    for line in &lines {
        let _ = twin.handle_input(base, &line.parse().unwrap());
    }
    let live = lan.instance(b).unwrap();
    assert_eq!(twin.state(), live.state());
    assert_eq!(twin.stats(), live.stats());
    assert_eq!(twin.stats().become_master, 1);
}
