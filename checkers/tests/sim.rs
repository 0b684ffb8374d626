//! Checkers and pool together on virtual time: two real servers behind TCP_CHECKs, one of
//! which starts black-holing connections; the pool must fall back to the sorry server within
//! the time keepalived's rules allow, and recover when the server returns.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalive_checkers::{
    CheckAction, Checker, CheckerConfig, CheckerKind, IoEvent, Pool, PoolEvent, PoolSettings,
    Protocol, RealServerConfig, SorryServerConfig, Target, Timing, VirtualServerConfig,
    VirtualServerId, VsKey,
};
use keepalive_ipvs::ForwardMethod;

fn ip(last: u8) -> IpAddr {
    Ipv4Addr::new(192, 0, 2, last).into()
}

fn real(last: u8) -> RealServerConfig {
    RealServerConfig {
        addr: ip(last),
        port: 80,
        weight: 1,
        fwd: ForwardMethod::Route,
        u_threshold: 0,
        l_threshold: 0,
        inhibit_on_failure: false,
        notify_up: None,
        notify_down: None,
        checker_alpha: vec![false],
    }
}

struct Sim {
    t0: Instant,
    now: Instant,
    checkers: Vec<Checker>,
    pool: Pool,
    /// Connected events due: checker index -> when.
    pending: BTreeMap<usize, Instant>,
    /// Checker index -> black-holed from this offset on (until `heal`).
    blackhole: Vec<Option<(Duration, Duration)>>,
    fifo: Vec<(Duration, String)>,
}

impl Sim {
    fn new(blackhole: Vec<Option<(Duration, Duration)>>) -> Self {
        let t0 = Instant::now();
        let timing = Timing {
            delay_loop: Duration::from_secs(5),
            retry: 1,
            delay_before_retry: Duration::from_secs(1),
            warmup: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            alpha: false,
            log_all_failures: false,
        };
        let checkers = (0..2)
            .map(|i| {
                Checker::new(
                    CheckerConfig::new(
                        CheckerKind::Tcp,
                        Target::new(ip(10 + i as u8), 80),
                        timing.clone(),
                    ),
                    t0,
                    i as u64 + 100,
                )
                .unwrap()
            })
            .collect();
        let mut pool = Pool::new(
            vec![VirtualServerConfig {
                key: VsKey::Addr {
                    protocol: Protocol::Tcp,
                    addr: ip(1),
                    port: 80,
                },
                scheduler: "rr".into(),
                flags: 0,
                timeout: 0,
                netmask: None,
                pe_name: None,
                quorum: 2,
                hysteresis: 0,
                omega: false,
                ha_suspend: false,
                quorum_up: None,
                quorum_down: None,
                sorry_server: Some(SorryServerConfig {
                    addr: ip(99),
                    port: 80,
                    fwd: ForwardMethod::Masq,
                    inhibit: false,
                }),
                reals: vec![real(10), real(11)],
            }],
            PoolSettings::default(),
        );
        pool.start();
        Sim {
            t0,
            now: t0,
            checkers,
            pool,
            pending: BTreeMap::new(),
            blackhole,
            fifo: Vec::new(),
        }
    }

    fn table(&self) -> Vec<IpAddr> {
        self.pool.desired()[0]
            .reals
            .iter()
            .map(|r| r.addr)
            .collect()
    }

    fn run_until(&mut self, end: Duration) {
        let end = self.t0 + end;
        loop {
            let next = self
                .checkers
                .iter()
                .filter_map(Checker::poll_timeout)
                .chain(self.pending.values().copied())
                .min()
                .unwrap();
            if next > end {
                self.now = end;
                return;
            }
            self.now = next;
            let due: Vec<usize> = self
                .pending
                .iter()
                .filter(|(_, t)| **t <= next)
                .map(|(i, _)| *i)
                .collect();
            for i in due {
                self.pending.remove(&i);
                self.checkers[i].handle_event(next, IoEvent::Connected);
            }
            for i in 0..self.checkers.len() {
                self.checkers[i].handle_timeout(next);
                while let Some(a) = self.checkers[i].poll_action() {
                    match a {
                        CheckAction::Connect { .. } => {
                            let off = next - self.t0;
                            let dark =
                                self.blackhole[i].is_some_and(|(from, to)| off >= from && off < to);
                            if !dark {
                                self.pending.insert(i, next + Duration::from_millis(3));
                            }
                        }
                        CheckAction::Close => {
                            self.pending.remove(&i);
                        }
                        other => panic!("unexpected {other:?}"),
                    }
                }
                while let Some(r) = self.checkers[i].poll_result() {
                    self.pool
                        .checker_result(VirtualServerId::new(0).real(i).checker(0), &r);
                }
            }
            while let Some(e) = self.pool.poll_event() {
                if let PoolEvent::FifoLine(l) = e {
                    self.fifo.push((next - self.t0, l));
                }
            }
        }
    }
}

#[test]
fn blackholed_server_brings_sorry_server_then_recovers() {
    let s = Duration::from_secs;
    let mut sim = Sim::new(vec![None, Some((s(30), s(60)))]);
    sim.run_until(s(29));
    assert_eq!(sim.table(), vec![ip(10), ip(11)]);
    sim.run_until(s(60));
    assert_eq!(
        sim.table(),
        vec![ip(99)],
        "quorum 2 lost: sorry server only"
    );
    let down = sim
        .fifo
        .iter()
        .find(|(_, l)| l.starts_with("RS [192.0.2.11]:tcp:80") && l.ends_with("DOWN\n"))
        .expect("RS down line")
        .0;
    // First dark attempt starts within one delay_loop of 30 s; timeout 2 s, retry after 1 s,
    // timeout 2 s again.
    assert!(
        down >= s(30 + 2 + 1 + 2) && down <= s(30 + 5 + 2 + 1 + 2),
        "down at {down:?}"
    );
    assert!(sim
        .fifo
        .iter()
        .any(|(_, l)| l == "VS [192.0.2.1]:tcp:80 DOWN\n"));
    sim.run_until(s(70));
    assert_eq!(sim.table(), vec![ip(10), ip(11)]);
    assert!(sim
        .fifo
        .iter()
        .any(|(t, l)| l == "VS [192.0.2.1]:tcp:80 UP\n" && *t >= s(60)));
}
