//! Random event sequences on a simulated LAN, checking VRRP's two promises:
//! 1. on a connected LAN two masters never coexist for longer than one advert interval;
//! 2. once things settle, a highest-priority router is master unless `nopreempt` says
//!    otherwise.
//!
//! And random inputs to one instance, checking its bookkeeping after every call
//! (`instance_bookkeeping`, which needs no simulator).

mod sim_support;

mod lan {

    use std::time::Duration;

    use super::sim_support::*;
    use keepalive_vrrp::packet::{AdverInt, Version};
    use keepalive_vrrp::sim::{Lan, RouterId};
    use keepalive_vrrp::tracker::{TrackerConfig, TrackerId, TrackerKind, TrackerState};
    use keepalive_vrrp::{Priority, State};
    use proptest::prelude::*;

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
}

mod instance_bookkeeping {
    use std::net::IpAddr;
    use std::time::{Duration, Instant};

    use keepalive_vrrp::action::NotifyEvent;
    use keepalive_vrrp::packet::Version;
    use keepalive_vrrp::rx::RxMeta;
    use keepalive_vrrp::tracker::{TrackerConfig, TrackerId, TrackerKind, TrackerState};
    use keepalive_vrrp::{Action, Instance, InstanceConfig, Priority, State};
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Wait(u64),
        Advert { host: u8, priority: u8 },
        Garbage(Vec<u8>),
        Tracker(bool),
        Shutdown,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (1u64..5000).prop_map(Op::Wait),
            4 => ((2u8..6), any::<u8>()).prop_map(|(host, priority)| Op::Advert { host, priority }),
            1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Op::Garbage),
            2 => any::<bool>().prop_map(Op::Tracker),
            1 => Just(Op::Shutdown),
        ]
    }

    fn base_config(v3: bool, priority: u8) -> InstanceConfig {
        let mut c = InstanceConfig::new("VI_1", 51, IpAddr::from([192, 0, 2, 4]));
        c.vips.push(IpAddr::from([192, 0, 2, 100]));
        c.priority = Priority(priority);
        if v3 {
            c.version = Version::V3;
        }
        c
    }

    /// The advert a peer at `host` sends with `priority` (0: its shutdown advert).
    fn advert(v3: bool, host: u8, priority: u8, t: Instant) -> Vec<u8> {
        let mut c = base_config(v3, priority.max(1));
        c.primary_addr = IpAddr::from([192, 0, 2, host]);
        let mut peer = Instance::new(c, t, 1);
        let at = peer.poll_timeout().unwrap();
        peer.handle_timeout(at);
        if priority == 0 {
            peer.shutdown(at);
        }
        std::iter::from_fn(|| peer.poll_action())
            .filter_map(|a| match a {
                Action::SendAdvert { bytes, .. } => Some(bytes),
                _ => None,
            })
            .last()
            .unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn bookkeeping_holds_after_every_call(
            v3 in any::<bool>(),
            priority in 1u8..=255,
            weight in -100i32..=100,
            nopreempt in any::<bool>(),
            preempt_delay in prop::bool::weighted(0.3),
            lower_prio_no_advert in any::<bool>(),
            higher_prio_send_advert in any::<bool>(),
            ops in prop::collection::vec(op(), 1..60),
        ) {
            let t0 = Instant::now();
            let mut c = base_config(v3, priority);
            c.nopreempt = nopreempt;
            if preempt_delay {
                c.preempt_delay = Duration::from_secs(2);
            }
            c.lower_prio_no_advert = lower_prio_no_advert;
            c.higher_prio_send_advert = higher_prio_send_advert;
            c.trackers.push(
                TrackerConfig::new(TrackerId(1), TrackerKind::Script, weight)
                    .starting(TrackerState::Up),
            );
            let mut i = Instance::new(c, t0, 3);
            let mut now = t0;
            let mut installed = false;
            let mut pending = Vec::new();
            for op in ops {
                match op {
                    Op::Wait(ms) => {
                        now += Duration::from_millis(ms);
                        i.handle_timeout(now);
                    }
                    Op::Advert { host, priority } => {
                        let bytes = advert(v3, host, priority, now);
                        let meta = RxMeta {
                            src: IpAddr::from([192, 0, 2, host]),
                            dst: None,
                            ttl_or_hop_limit: None,
                            ifindex: 1,
                        };
                        let result = i.handle_packet(now, &bytes, &meta);
                        prop_assert!(result.is_ok(), "{result:?}");
                    }
                    Op::Garbage(bytes) => {
                        let meta = RxMeta {
                            src: IpAddr::from([192, 0, 2, 9]),
                            dst: None,
                            ttl_or_hop_limit: None,
                            ifindex: 1,
                        };
                        // handle_packet fires due timers first; do that separately so
                        // the packet's own effect (none) can be seen.
                        i.handle_timeout(now);
                        pending.extend(std::iter::from_fn(|| i.poll_action()));
                        let before = i.poll_timeout();
                        let state = i.state();
                        let _ = i.handle_packet(now, &bytes, &meta);
                        prop_assert_eq!(i.state(), state);
                        prop_assert_eq!(i.poll_timeout(), before);
                    }
                    Op::Tracker(up) => {
                        let s = if up { TrackerState::Up } else { TrackerState::Down };
                        i.set_tracker(now, TrackerId(1), s);
                    }
                    Op::Shutdown => i.shutdown(now),
                }
                let mut last_state_notify = None;
                pending.extend(std::iter::from_fn(|| i.poll_action()));
                for action in pending.drain(..) {
                    match action {
                        Action::AddVips { .. } => {
                            prop_assert!(!installed, "VIPs added twice");
                            installed = true;
                        }
                        Action::DelVips { .. } => {
                            prop_assert!(installed, "VIPs removed twice");
                            installed = false;
                        }
                        Action::SendAdvert { priority, .. } => {
                            prop_assert!(priority == Priority(0) || priority == i.priority());
                        }
                        Action::Notify(n) => {
                            if let NotifyEvent::State(s) = n.event {
                                last_state_notify = Some(s);
                            }
                        }
                        _ => {}
                    }
                }
                let state = i.state();
                if let Some(s) = last_state_notify {
                    prop_assert_eq!(s, state);
                }
                prop_assert_eq!(installed, state == State::Master);
                prop_assert_eq!(i.vips_installed(), installed);
                match state {
                    State::Master => {
                        let next = i.poll_timeout().expect("advert timer");
                        prop_assert!(next > now && next <= now + i.master_advert_interval());
                    }
                    State::Backup => {
                        let next = i.poll_timeout().expect("master-down timer");
                        prop_assert!(next >= now && next <= now + i.master_down_interval());
                    }
                    State::Fault | State::Stopped | State::Init | State::Deleted => {
                        prop_assert_eq!(i.poll_timeout(), None);
                    }
                }
            }
        }
    }
}
