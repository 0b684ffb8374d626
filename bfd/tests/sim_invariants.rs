//! Invariants of the protocol checked over random networks (delay, jitter, loss, partitions,
//! crashes, timer changes), each run replayable from its seed:
//! - a session never reaches Up without hearing its peer;
//! - after a partition heals, both ends are Up within 3 slow (idle, 1 s) intervals;
//! - a dead peer is detected no later than the detection time plus one timer tick;
//! - a Poll sequence always terminates;
//! - discriminators never collide within one endpoint.

use std::collections::HashSet;
use std::net::IpAddr;
use std::time::Duration;

use keepalive_bfd::sim::{Happening, Link, Net, Slot};
use keepalive_bfd::{Event, SessionConfig, State};
use proptest::prelude::*;

const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));
/// The granularity a real timer wheel adds to a deadline.
const TICK: Duration = Duration::from_millis(1);
/// Three slow intervals: idle_tx is 1 s.
const THREE_SLOW: Duration = Duration::from_secs(3);

#[derive(Debug, Clone)]
struct Scenario {
    seed: u64,
    tx_ms: u64,
    mult: u8,
    delay_us: u64,
    jitter_pct: u64,
    loss: f64,
    partition_at_ms: u64,
    partition_ms: u64,
    new_tx_ms: u64,
    new_rx_ms: u64,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        any::<u64>(),
        prop::sample::select(vec![10u64, 20, 50, 100, 300]),
        1u8..=5,
        0u64..2000,
        0u64..=5,
        0.0f64..0.3,
        500u64..5000,
        0u64..5000,
        prop::sample::select(vec![10u64, 30, 100, 500]),
        prop::sample::select(vec![10u64, 30, 100, 500]),
    )
        .prop_map(
            |(seed, tx_ms, mult, delay_us, jitter_pct, loss, at, len, ntx, nrx)| Scenario {
                seed,
                tx_ms,
                mult,
                delay_us,
                jitter_pct,
                loss,
                partition_at_ms: at,
                partition_ms: len,
                new_tx_ms: ntx,
                new_rx_ms: nrx,
            },
        )
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config(peer: IpAddr, sc: &Scenario) -> SessionConfig {
    let mut c = SessionConfig::new(peer);
    c.desired_min_tx = ms(sc.tx_ms);
    c.required_min_rx = ms(sc.tx_ms);
    c.detect_mult = sc.mult;
    c
}

fn link(sc: &Scenario, loss: f64) -> Link {
    Link {
        delay: Duration::from_micros(sc.delay_us),
        // At most 5 % of the interval, so that even a Detect Mult of 1 holds on a clean link.
        jitter: ms(sc.tx_ms) * sc.jitter_pct as u32 / 100,
        loss,
        ..Link::default()
    }
}

/// Every discriminator each endpoint's sessions have used, and whether some session is Up
/// with a remote discriminator its peer never had, or without having received anything.
struct Watch {
    seen: [HashSet<u32>; 2],
}

impl Watch {
    fn new() -> Self {
        Watch {
            seen: [HashSet::new(), HashSet::new()],
        }
    }

    fn violated(&mut self, net: &Net, s: [Slot; 2]) -> bool {
        for (i, &x) in s.iter().enumerate() {
            if let Some(session) = net.session(x) {
                self.seen[i].insert(session.local_discr());
            }
        }
        s.iter().enumerate().any(|(i, &x)| {
            net.session(x).is_some_and(|session| {
                session.state() == State::Up
                    && (session.stats().rx == 0
                        || !self.seen[1 - i].contains(&session.remote_discr()))
            })
        })
    }
}

fn both_up(net: &Net, s: [Slot; 2]) -> bool {
    s.iter().all(|&x| net.state(x) == Some(State::Up))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn protocol_invariants(sc in scenario()) {
        let mut net = Net::new(sc.seed);
        let (a, b) = (net.add_endpoint(A), net.add_endpoint(B));
        net.set_default_link(link(&sc, sc.loss));
        let s = [net.add_session(a, config(B, &sc)), net.add_session(b, config(A, &sc))];
        let mut watch = Watch::new();

        // Lossy start, then a partition: never Up without hearing the peer.
        let bad = net.run_until_true(ms(sc.partition_at_ms), |n| watch.violated(n, s));
        prop_assert!(!bad, "Up without hearing the peer: {:?}", sc);
        net.partition(a, b);
        let bad = net.run_until_true(ms(sc.partition_ms), |n| watch.violated(n, s));
        prop_assert!(!bad, "Up without hearing the peer: {:?}", sc);
        if sc.partition_ms > ms(sc.tx_ms * 6).as_millis() as u64 + 1000 {
            prop_assert!(s.iter().all(|&x| net.state(x) != Some(State::Up)), "{:?}", sc);
        }

        // Heal with a clean link: both Up within three slow intervals.
        net.set_default_link(link(&sc, 0.0));
        net.set_link(a, b, link(&sc, 0.0));
        net.set_link(b, a, link(&sc, 0.0));
        let up = net.run_until_true(THREE_SLOW, |n| both_up(n, s));
        prop_assert!(up, "not Up {:?} after heal: {:?}", s.map(|x| net.state(x)), sc);
        let bad = net.run_until_true(Duration::from_secs(1), |n| watch.violated(n, s));
        prop_assert!(!bad);

        // A timer change: the Poll terminates, and the session stays Up.
        let mut c = config(B, &sc);
        c.desired_min_tx = ms(sc.new_tx_ms);
        c.required_min_rx = ms(sc.new_rx_ms);
        net.reconfigure(s[0], c);
        net.run_for(Duration::from_secs(3));
        for x in s {
            let session = net.session(x).unwrap();
            prop_assert!(!session.is_polling(), "Poll did not end: {:?}", sc);
            prop_assert_eq!(session.state(), State::Up);
        }

        // Crash B: A goes Down within its detection time (plus a tick) of B's last packet.
        let detection = net.session(s[0]).unwrap().detection_time();
        let crash = net.elapsed();
        net.crash(b);
        net.run_for(detection + ms(100));
        let down = net.log().iter().find(|r| {
            r.at >= crash
                && r.endpoint == a
                && matches!(r.what, Happening::Event(Event::Down { .. }))
        });
        let down = down.map(|r| r.at);
        prop_assert!(down.is_some(), "no Down after crash: {:?}", sc);
        // Packets already on the wire still arrive: the last one at most one path delay
        // after the crash.
        let path = Duration::from_micros(sc.delay_us) + link(&sc, 0.0).jitter;
        let took = down.unwrap() - crash;
        prop_assert!(took <= path + detection + TICK, "{:?} > {:?} + {:?}", took, path, detection);

        // Restart: Up again within three slow intervals.
        net.restart(b);
        let up = net.run_until_true(THREE_SLOW, |n| both_up(n, s));
        prop_assert!(up, "not Up after restart: {:?}", sc);
    }

    #[test]
    fn discriminators_never_collide(seed in any::<u64>(), loss in 0.1f64..0.6) {
        // One endpoint with sessions to three peers on a lossy network, Detect Mult 1:
        // sessions flap and take new discriminators all the time.
        let mut net = Net::new(seed);
        let hub = net.add_endpoint(A);
        let mut slots = Vec::new();
        for host in 2..5u8 {
            let addr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, host));
            let ep = net.add_endpoint(addr);
            let mut c = SessionConfig::new(addr);
            c.detect_mult = 1;
            slots.push(net.add_session(hub, c));
            let mut c = SessionConfig::new(A);
            c.detect_mult = 1;
            net.add_session(ep, c);
        }
        net.set_default_link(Link { loss, jitter: ms(3), ..Link::default() });
        let mut changes = 0usize;
        let mut last: Vec<u32> = Vec::new();
        let collided = net.run_until_true(Duration::from_secs(20), |n| {
            let d: Vec<u32> = n.sessions(hub).unwrap().iter().map(|(_, s)| s.local_discr()).collect();
            if d != last {
                changes += 1;
                last = d.clone();
            }
            let unique: HashSet<_> = d.iter().collect();
            unique.len() != d.len() || d.contains(&0)
        });
        prop_assert!(!collided);
        prop_assert!(changes > 3, "sessions should have flapped ({changes})");
    }
}
