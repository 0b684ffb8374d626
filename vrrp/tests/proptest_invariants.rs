//! Random event sequences on a simulated LAN, checking VRRP's two promises:
//! 1. on a connected LAN two masters never coexist for longer than one advert interval;
//! 2. once things settle, the best router is master unless `nopreempt` says otherwise.
#![cfg(feature = "sim")]

mod sim_support;

use std::time::Duration;

use keepalive_vrrp::packet::{AdverInt, Version};
use keepalive_vrrp::sim::{Lan, RouterId};
use keepalive_vrrp::tracker::{TrackerConfig, TrackerId, TrackerKind, TrackerState};
use keepalive_vrrp::{Priority, State};
use proptest::prelude::*;
use sim_support::*;

const VRID: u8 = 42;
const CHK: TrackerId = TrackerId(1);

#[derive(Debug, Clone)]
struct RouterSpec {
    priority: u8,
    nopreempt: bool,
    weight: i32,
}

#[derive(Debug, Clone)]
enum Ev {
    Crash(usize),
    Restart(usize),
    Shutdown(usize),
    Tracker(usize, bool),
    Partition(Vec<bool>),
    Heal,
}

fn router_spec() -> impl Strategy<Value = RouterSpec> {
    (1u8..=254, prop::bool::weighted(0.25), -100i32..=100).prop_map(
        |(priority, nopreempt, weight)| RouterSpec {
            priority,
            nopreempt,
            weight,
        },
    )
}

fn event(n: usize) -> impl Strategy<Value = Ev> {
    prop_oneof![
        (0..n).prop_map(Ev::Crash),
        (0..n).prop_map(Ev::Restart),
        (0..n).prop_map(Ev::Shutdown),
        ((0..n), any::<bool>()).prop_map(|(r, up)| Ev::Tracker(r, up)),
        prop::collection::vec(any::<bool>(), n).prop_map(Ev::Partition),
        Just(Ev::Heal),
    ]
}

fn scenario() -> impl Strategy<Value = (bool, Vec<RouterSpec>, Vec<(Ev, u64)>, u64)> {
    (2usize..=4).prop_flat_map(|n| {
        (
            any::<bool>(),
            prop::collection::vec(router_spec(), n),
            prop::collection::vec((event(n), 50u64..6000), 1..12),
            any::<u64>(),
        )
    })
}

/// Tracks how long two masters have coexisted while the LAN was whole.
struct Watch {
    connected_since: Option<Duration>,
    dual_since: Option<Duration>,
    worst: Duration,
}

impl Watch {
    fn observe(&mut self, lan: &Lan) {
        let now = lan.elapsed();
        if lan.masters_of(VRID).len() >= 2 {
            let since = *self.dual_since.get_or_insert(now);
            if let Some(connected) = self.connected_since {
                self.worst = self.worst.max(now - since.max(connected));
            }
        } else {
            self.dual_since = None;
        }
    }

    fn run(&mut self, lan: &mut Lan, duration: Duration) {
        let end = lan.elapsed() + duration;
        self.observe(lan);
        // Event by event, so that every change of the set of masters is seen.
        while lan.elapsed() < end {
            lan.step_within(end - lan.elapsed());
            self.observe(lan);
        }
    }
}

fn effective(spec: &RouterSpec) -> u8 {
    let adjust = if spec.weight > 0 { spec.weight } else { 0 };
    Priority::effective(Priority(spec.priority), adjust).0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn vrrp_invariants((v3_fast, specs, events, seed) in scenario()) {
        let mut lan = Lan::new(seed);
        let interval = if v3_fast { Duration::from_millis(500) } else { Duration::from_secs(1) };
        let routers: Vec<RouterId> = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let mut c = v2(VRID, i as u8 + 1, spec.priority);
                if v3_fast {
                    c.version = Version::V3;
                    c.advert_interval = AdverInt::from_centis(50);
                }
                c.nopreempt = spec.nopreempt;
                c.trackers.push(
                    TrackerConfig::new(CHK, TrackerKind::Script, spec.weight)
                        .starting(TrackerState::Up),
                );
                lan.add(c)
            })
            .collect();
        let mut watch = Watch {
            connected_since: Some(Duration::ZERO),
            dual_since: None,
            worst: Duration::ZERO,
        };
        watch.run(&mut lan, Duration::from_secs(5));
        for (ev, wait_ms) in &events {
            match ev {
                Ev::Crash(r) => lan.crash(routers[*r]),
                Ev::Restart(r) => {
                    if matches!(lan.state(routers[*r]), State::Stopped) {
                        lan.restart(routers[*r]);
                    }
                }
                Ev::Shutdown(r) => lan.shutdown(routers[*r]),
                Ev::Tracker(r, up) => {
                    let state = if *up { TrackerState::Up } else { TrackerState::Down };
                    lan.set_tracker(routers[*r], CHK, state);
                }
                Ev::Partition(side) => {
                    let a: Vec<_> = routers.iter().zip(side).filter(|(_, s)| **s).map(|(r, _)| *r).collect();
                    let b: Vec<_> = routers.iter().zip(side).filter(|(_, s)| !**s).map(|(r, _)| *r).collect();
                    lan.heal();
                    lan.partition(&a, &b);
                    if !a.is_empty() && !b.is_empty() {
                        watch.connected_since = None;
                    }
                }
                Ev::Heal => {
                    lan.heal();
                    if watch.connected_since.is_none() {
                        watch.connected_since = Some(lan.elapsed());
                    }
                }
            }
            watch.run(&mut lan, Duration::from_millis(*wait_ms));
        }

        // Settle: everything healed, running and healthy.
        lan.heal();
        if watch.connected_since.is_none() {
            watch.connected_since = Some(lan.elapsed());
        }
        for &r in &routers {
            if lan.state(r) == State::Stopped {
                lan.restart(r);
            }
            lan.set_tracker(r, CHK, TrackerState::Up);
        }
        watch.run(&mut lan, Duration::from_secs(30));

        // 1. Never two masters on the whole LAN for more than one advert interval (plus
        //    the 100 µs link delay).
        prop_assert!(
            watch.worst <= interval + Duration::from_millis(1),
            "two masters for {:?}", watch.worst
        );
        // 2. Exactly one master, and one of the highest priority unless someone is
        //    nopreempt. (A backup of *equal* priority never preempts, RFC 5798 §6.4.2,
        //    so among equals whoever got there first stays.)
        let masters = lan.masters_of(VRID);
        prop_assert_eq!(masters.len(), 1, "masters {:?}", masters);
        if specs.iter().all(|s| !s.nopreempt) {
            let best = specs.iter().map(effective).max().unwrap();
            let master = routers.iter().position(|&r| r == masters[0]).unwrap();
            prop_assert_eq!(effective(&specs[master]), best);
        }
    }
}
