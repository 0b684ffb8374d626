use super::*;
use std::net::Ipv4Addr;

fn ck(vs: usize, rs: usize, checker: usize) -> CheckerId {
    rid(vs, rs).checker(checker)
}

fn rid(vs: usize, rs: usize) -> RealServerId {
    VirtualServerId::new(vs).real(rs)
}

fn ip(last: u8) -> IpAddr {
    Ipv4Addr::new(192, 0, 2, last).into()
}

fn script(name: &str) -> Option<Box<Script>> {
    Some(Box::new(Script {
        args: vec![name.into()],
        ..Script::default()
    }))
}

fn rs(last: u8, weight: i64, alpha: &[bool]) -> RealServerConfig {
    RealServerConfig {
        addr: ip(last),
        port: 80,
        weight,
        fwd: ForwardMethod::Route,
        u_threshold: 0,
        l_threshold: 0,
        inhibit_on_failure: false,
        notify_up: script(&format!("up{last}")),
        notify_down: script(&format!("down{last}")),
        checker_alpha: alpha.to_vec(),
    }
}

fn vs(reals: Vec<RealServerConfig>) -> VirtualServerConfig {
    VirtualServerConfig {
        key: VsKey::Addr {
            protocol: Protocol::Tcp,
            addr: ip(1),
            port: 80,
        },
        scheduler: "wrr".into(),
        flags: 0,
        timeout: 0,
        netmask: None,
        pe_name: None,
        quorum: 1,
        hysteresis: 0,
        omega: false,
        ha_suspend: false,
        quorum_up: script("qup").map(|s| *s),
        quorum_down: script("qdown").map(|s| *s),
        sorry_server: None,
        reals,
    }
}

fn result(up: bool) -> CheckResult {
    CheckResult {
        up,
        changed: true,
        first: false,
        weight: None,
        reason: None,
        retry_pending: false,
    }
}

fn events(p: &mut Pool) -> Vec<PoolEvent> {
    std::iter::from_fn(|| p.poll_event()).collect()
}

fn fifo(ev: &[PoolEvent]) -> Vec<String> {
    ev.iter()
        .filter_map(|e| match e {
            PoolEvent::FifoLine(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}

fn scripts(ev: &[PoolEvent]) -> Vec<String> {
    ev.iter()
        .filter_map(|e| match e {
            PoolEvent::RunScript(s) => Some(s.args[0].clone()),
            _ => None,
        })
        .collect()
}

/// (last octet, weight) of every destination of the first virtual server.
fn table(p: &Pool) -> Vec<(u8, i32)> {
    p.desired()[0]
        .reals
        .iter()
        .map(|r| match r.addr {
            IpAddr::V4(a) => (a.octets()[3], r.weight),
            IpAddr::V6(_) => unreachable!(),
        })
        .collect()
}

#[test]
fn start_adds_servers_and_gains_quorum() {
    let mut p = Pool::new(
        vec![vs(vec![rs(2, 3, &[false]), rs(3, 1, &[false])])],
        PoolSettings::default(),
    );
    p.start();
    assert!(p.take_table_changed());
    assert_eq!(table(&p), vec![(2, 3), (3, 1)]);
    let ev = events(&mut p);
    assert_eq!(fifo(&ev), vec!["VS [192.0.2.1]:tcp:80 UP\n"]);
    assert_eq!(scripts(&ev), vec!["qup"]);
    assert!(ev.contains(&PoolEvent::Quorum {
        vs: VirtualServerId::new(0),
        up: true,
        init: true,
        threshold: 1,
        weight_sum: 4
    }));
    let d = &p.desired()[0];
    assert_eq!(d.scheduler, "wrr");
    assert_eq!(d.reals[0].fwd, ForwardMethod::Route);
}

#[test]
fn rs_init_notifies_and_failure_notifies() {
    let mut p = Pool::new(
        vec![vs(vec![rs(2, 1, &[false, false])])],
        PoolSettings {
            rs_init_notifies: true,
        },
    );
    p.start();
    let ev = events(&mut p);
    assert!(fifo(&ev).contains(&"RS [192.0.2.2]:tcp:80 [192.0.2.1]:tcp:80 UP\n".to_string()));
    assert_eq!(scripts(&ev), vec!["up2", "qup"]);

    // First checker fails: server leaves, quorum lost (no sorry server: table just shrinks).
    p.checker_result(ck(0, 0, 0), &result(false));
    assert_eq!(table(&p), vec![]);
    let ev = events(&mut p);
    assert_eq!(
        fifo(&ev),
        vec![
            "RS [192.0.2.2]:tcp:80 [192.0.2.1]:tcp:80 DOWN\n",
            "VS [192.0.2.1]:tcp:80 DOWN\n"
        ]
    );
    assert_eq!(scripts(&ev), vec!["down2", "qdown"]);
    // Second fails too: nothing more; first recovers: still down (one failed checker left).
    p.checker_result(ck(0, 0, 1), &result(false));
    p.checker_result(ck(0, 0, 0), &result(true));
    assert!(events(&mut p).is_empty());
    assert!(!p.is_alive(rid(0, 0)));
    p.checker_result(ck(0, 0, 1), &result(true));
    assert!(p.is_alive(rid(0, 0)));
    assert_eq!(table(&p), vec![(2, 1)]);
    assert_eq!(scripts(&events(&mut p)), vec!["up2", "qup"]);
}

#[test]
fn inhibit_on_failure_sets_weight_zero() {
    let mut r = rs(2, 5, &[false]);
    r.inhibit_on_failure = true;
    let mut p = Pool::new(
        vec![vs(vec![r, rs(3, 1, &[false])])],
        PoolSettings::default(),
    );
    p.start();
    p.checker_result(ck(0, 0, 0), &result(false));
    assert_eq!(table(&p), vec![(2, 0), (3, 1)]);
    p.checker_result(ck(0, 0, 0), &result(true));
    assert_eq!(table(&p), vec![(2, 5), (3, 1)]);
}

#[test]
fn inhibited_alpha_server_starts_at_weight_zero() {
    let mut r = rs(2, 5, &[true]);
    r.inhibit_on_failure = true;
    let mut p = Pool::new(
        vec![vs(vec![r, rs(3, 1, &[true])])],
        PoolSettings::default(),
    );
    p.start();
    assert_eq!(table(&p), vec![(2, 0)]);
    assert!(!p.has_quorum(VirtualServerId::new(0)));
    // alpha: a first failure still notifies down once.
    let _ = events(&mut p);
    p.checker_result(
        ck(0, 1, 0),
        &CheckResult {
            first: true,
            changed: false,
            ..result(false)
        },
    );
    assert_eq!(scripts(&events(&mut p)), vec!["down3"]);
    p.checker_result(ck(0, 1, 0), &result(true));
    assert_eq!(table(&p), vec![(2, 0), (3, 1)]);
    assert!(p.has_quorum(VirtualServerId::new(0)));
}

fn with_sorry(quorum: u32, hysteresis: u32, n: u8, inhibit: bool) -> Pool {
    let mut v = vs((0..n).map(|i| rs(10 + i, 1, &[false])).collect());
    v.quorum = quorum;
    v.hysteresis = hysteresis;
    v.sorry_server = Some(SorryServerConfig {
        addr: ip(99),
        port: 8080,
        fwd: ForwardMethod::Masq,
        inhibit,
    });
    let mut p = Pool::new(vec![v], PoolSettings::default());
    p.start();
    let _ = events(&mut p);
    p
}

#[test]
fn quorum_loss_brings_sorry_server_and_recovery_removes_it() {
    let mut p = with_sorry(2, 0, 2, false);
    assert_eq!(table(&p), vec![(10, 1), (11, 1)]);
    p.checker_result(ck(0, 0, 0), &result(false));
    // 1 < 2: the remaining alive server leaves, the sorry server enters.
    assert_eq!(table(&p), vec![(99, 1)]);
    assert_eq!(p.desired()[0].reals[0].port, 8080);
    assert_eq!(p.desired()[0].reals[0].fwd, ForwardMethod::Masq);
    let ev = events(&mut p);
    assert_eq!(scripts(&ev), vec!["down10", "qdown"]);
    // While the sorry server serves, a server going down changes nothing in the table.
    p.checker_result(ck(0, 1, 0), &result(false));
    assert_eq!(table(&p), vec![(99, 1)]);
    p.checker_result(ck(0, 1, 0), &result(true));
    assert_eq!(table(&p), vec![(99, 1)]);
    p.checker_result(ck(0, 0, 0), &result(true));
    assert_eq!(table(&p), vec![(10, 1), (11, 1)]);
    assert!(p.has_quorum(VirtualServerId::new(0)));
}

#[test]
fn sorry_server_at_start_when_quorum_unreachable() {
    let p = with_sorry(5, 0, 2, false);
    assert_eq!(table(&p), vec![(99, 1)]);
    assert!(!p.has_quorum(VirtualServerId::new(0)));
}

#[test]
fn sorry_server_inhibit_stays_at_weight_zero() {
    let mut p = with_sorry(2, 0, 2, true);
    assert_eq!(table(&p), vec![(10, 1), (11, 1), (99, 0)]);
    p.checker_result(ck(0, 0, 0), &result(false));
    assert_eq!(table(&p), vec![(99, 1)]);
    p.checker_result(ck(0, 0, 0), &result(true));
    assert_eq!(table(&p), vec![(99, 0), (10, 1), (11, 1)]);
}

#[test]
fn hysteresis_dampens_flaps() {
    // quorum 3 ± 1 over four servers of weight 1.
    let mut p = with_sorry(3, 1, 4, false);
    assert!(p.has_quorum(VirtualServerId::new(0)));
    p.checker_result(ck(0, 0, 0), &result(false)); // 3 >= 2
    p.checker_result(ck(0, 1, 0), &result(false)); // 2 >= 2
    assert!(p.has_quorum(VirtualServerId::new(0)));
    p.checker_result(ck(0, 2, 0), &result(false)); // 1 < 2: lost
    assert!(!p.has_quorum(VirtualServerId::new(0)));
    assert_eq!(table(&p), vec![(99, 1)]);
    p.checker_result(ck(0, 0, 0), &result(true)); // 2 < 4
    p.checker_result(ck(0, 1, 0), &result(true)); // 3 < 4
    assert!(!p.has_quorum(VirtualServerId::new(0)));
    p.checker_result(ck(0, 2, 0), &result(true)); // 4 >= 4: gained
    assert!(p.has_quorum(VirtualServerId::new(0)));
    assert_eq!(table(&p), vec![(10, 1), (11, 1), (12, 1), (13, 1)]);
    let ev = events(&mut p);
    assert!(ev.iter().any(|e| matches!(
        e,
        PoolEvent::Quorum {
            up: true,
            threshold: 4,
            weight_sum: 4,
            init: false,
            ..
        }
    )));
}

#[test]
fn thresholds_pass_through_and_dynamic_weights_edit() {
    let mut r = rs(2, 3, &[false]);
    r.u_threshold = 100;
    r.l_threshold = 10;
    let mut p = Pool::new(vec![vs(vec![r])], PoolSettings::default());
    p.start();
    let d = &p.desired()[0].reals[0];
    assert_eq!((d.u_threshold, d.l_threshold), (100, 10));
    events(&mut p);
    // misc_dynamic exit 22 with weight 3: contribution 17, effective 20.
    p.checker_result(
        ck(0, 0, 0),
        &CheckResult {
            weight: Some(17),
            ..result(true)
        },
    );
    assert_eq!(table(&p), vec![(2, 20)]);
    // keepalived logs "Changing weight from 3 to 20 for active service ...".
    assert!(events(&mut p).contains(&PoolEvent::Weight {
        real: rid(0, 0),
        from: 3,
        to: 20,
        alive: true
    }));
    p.checker_result(
        ck(0, 0, 0),
        &CheckResult {
            weight: Some(-10),
            ..result(true)
        },
    );
    assert_eq!(table(&p), vec![(2, 0)]);
    assert_eq!(p.effective_weight(rid(0, 0)), Some(-7));
    // Weight 0 alive server: quorum 1 lost.
    assert!(!p.has_quorum(VirtualServerId::new(0)));
}

#[test]
fn fwmark_and_group_formats() {
    assert_eq!(
        format_vs(&VsKey::Fwmark {
            family: Family::Inet,
            mark: 7,
            protocol: Protocol::Tcp
        }),
        "FWM 7"
    );
    assert_eq!(
        format_vs(&VsKey::Group {
            name: "g1".into(),
            port: 443,
            protocol: Protocol::Tcp
        }),
        "[g1]:443"
    );
    let v6 = VsKey::Addr {
        protocol: Protocol::Udp,
        addr: "2001:db8::1".parse().unwrap(),
        port: 53,
    };
    assert_eq!(format_vs(&v6), "[2001:db8::1]:udp:53");
}

#[test]
fn ha_suspend_and_omega_stop() {
    let mut v = vs(vec![rs(2, 1, &[false])]);
    v.ha_suspend = true;
    v.omega = true;
    let mut p = Pool::new(vec![v], PoolSettings::default());
    p.start();
    let ev = events(&mut p);
    assert!(ev.contains(&PoolEvent::SuspendCheckers {
        vs: VirtualServerId::new(0),
        suspended: true
    }));
    p.set_vip_present(VirtualServerId::new(0), true);
    assert_eq!(
        events(&mut p),
        vec![PoolEvent::SuspendCheckers {
            vs: VirtualServerId::new(0),
            suspended: false
        }]
    );
    let _ = p.take_table_changed();
    p.stop();
    assert!(p.take_table_changed());
    assert!(p.desired().is_empty());
    let ev = events(&mut p);
    assert_eq!(scripts(&ev), vec!["down2", "qdown"]);
}

#[test]
fn stop_without_omega_is_silent() {
    let mut p = Pool::new(vec![vs(vec![rs(2, 1, &[false])])], PoolSettings::default());
    p.start();
    let _ = events(&mut p);
    p.stop();
    assert!(events(&mut p).is_empty());
}

#[test]
fn out_of_range_results_are_ignored() {
    let mut p = Pool::new(vec![vs(vec![rs(2, 1, &[false])])], PoolSettings::default());
    p.start();
    p.checker_result(ck(0, 0, 5), &result(false));
    p.checker_result(ck(3, 0, 0), &result(false));
    assert!(p.is_alive(rid(0, 0)));
}

mod invariants {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    struct Scenario {
        reals: Vec<(i64, bool, [bool; 2])>,
        quorum: u32,
        hysteresis: u32,
        sorry: Option<bool>,
        steps: Vec<(usize, usize, bool, Option<i64>)>,
    }

    fn scenario() -> impl Strategy<Value = Scenario> {
        (
            proptest::collection::vec((0i64..4, any::<bool>(), any::<[bool; 2]>()), 1..5),
            1u32..7,
            0u32..3,
            proptest::option::of(any::<bool>()),
            proptest::collection::vec(
                (
                    0usize..5,
                    0usize..2,
                    any::<bool>(),
                    proptest::option::of(-5i64..10),
                ),
                0..40,
            ),
        )
            .prop_map(|(reals, quorum, hysteresis, sorry, steps)| Scenario {
                reals,
                quorum,
                hysteresis,
                sorry,
                steps,
            })
    }

    /// The oracle: keepalived's rules (keepalived.conf(5) `alpha`, `quorum`, `hysteresis`,
    /// MISC_CHECK `misc_dynamic`; check/ipwrapper.c) written out here, tracked from the
    /// scenario alone, never from the pool's own state.
    #[derive(Debug)]
    struct Model {
        /// Each real's configured weight.
        base: Vec<i64>,
        /// Each real's checkers: up, and the weight their last dynamic result added.
        checkers: Vec<[(bool, i64); 2]>,
        quorum: i64,
        hysteresis: i64,
        quorum_up: bool,
    }

    impl Model {
        /// At start, a checker with `alpha` is down; the quorum is up when the live weight
        /// reaches quorum + hysteresis.
        fn new(s: &Scenario) -> Model {
            let mut m = Model {
                base: s.reals.iter().map(|(w, _, _)| *w).collect(),
                checkers: s
                    .reals
                    .iter()
                    .map(|(_, _, alpha)| alpha.map(|a| (!a, 0)))
                    .collect(),
                quorum: i64::from(s.quorum),
                hysteresis: i64::from(s.hysteresis),
                quorum_up: false,
            };
            m.quorum_up = m.live() >= m.quorum + m.hysteresis;
            m
        }

        fn alive(&self, r: usize) -> bool {
            self.checkers[r].iter().all(|(up, _)| *up)
        }

        fn weight(&self, r: usize) -> i64 {
            self.base[r] + self.checkers[r].iter().map(|(_, w)| w).sum::<i64>()
        }

        /// What an alive real adds to the quorum: its weight as IPVS takes it (0..=i32::MAX).
        fn live(&self) -> i64 {
            (0..self.base.len())
                .filter(|r| self.alive(*r))
                .map(|r| self.weight(r).clamp(0, i64::from(i32::MAX)))
                .sum()
        }

        /// One result: the checker's state, and its dynamic weight when it reports one; then
        /// the quorum with hysteresis (up at quorum + hysteresis, down below quorum -
        /// hysteresis or at zero).
        fn result(&mut self, r: usize, c: usize, up: bool, weight: Option<i64>) {
            self.checkers[r][c].0 = up;
            if let Some(w) = weight {
                self.checkers[r][c].1 = w;
            }
            let live = self.live();
            if !self.quorum_up && live >= self.quorum + self.hysteresis {
                self.quorum_up = true;
            } else if self.quorum_up && (live == 0 || live < self.quorum - self.hysteresis) {
                self.quorum_up = false;
            }
        }
    }

    fn check(p: &Pool, m: &Model) -> Result<(), TestCaseError> {
        let v = &p.vss[0];
        let st = &p.state[0];
        prop_assert_eq!(st.quorum_up, m.quorum_up, "quorum, model {:?}", m);
        let serving = m.quorum_up || v.sorry_server.is_none();
        for (r, c) in v.reals.iter().enumerate() {
            let rs = &p.rs[0][r];
            prop_assert_eq!(rs.alive, m.alive(r), "rs {} alive, model {:?}", r, m);
            prop_assert_eq!(rs.effective_weight, m.weight(r), "rs {} weight", r);
            let entry = st.table.iter().find(|d| d.addr == c.addr);
            let expect = m.alive(r) && serving;
            let weight = i32::try_from(m.weight(r).clamp(0, i64::from(i32::MAX))).unwrap();
            if c.inhibit_on_failure {
                let w = entry.map(|d| d.weight);
                let want = if expect { weight } else { 0 };
                prop_assert_eq!(
                    w,
                    Some(want),
                    "inhibited rs {} alive={} serving={}",
                    r,
                    m.alive(r),
                    serving
                );
            } else {
                prop_assert_eq!(
                    entry.is_some(),
                    expect,
                    "rs {} alive={} serving={}",
                    r,
                    m.alive(r),
                    serving
                );
                if let Some(d) = entry {
                    prop_assert_eq!(d.weight, weight);
                }
            }
        }
        if let Some(sorry) = &v.sorry_server {
            let entry = st.table.iter().find(|d| d.addr == sorry.addr);
            if sorry.inhibit {
                prop_assert_eq!(entry.map(|d| d.weight), Some(i32::from(!m.quorum_up)));
            } else {
                prop_assert_eq!(entry.is_some(), !m.quorum_up);
            }
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn table_matches_keepalived_rules(s in scenario()) {
            let reals: Vec<_> = s.reals.iter().enumerate().map(|(i, (w, inhibit, alpha))| {
                let mut r = rs(10 + i as u8, *w, alpha);
                r.inhibit_on_failure = *inhibit;
                r
            }).collect();
            let mut v = vs(reals);
            v.quorum = s.quorum;
            v.hysteresis = s.hysteresis;
            v.sorry_server = s.sorry.map(|inhibit| SorryServerConfig {
                addr: ip(99), port: 80, fwd: ForwardMethod::Masq, inhibit,
            });
            let mut p = Pool::new(vec![v], PoolSettings::default());
            p.start();
            let mut m = Model::new(&s);
            check(&p, &m)?;
            for (r, c, up, w) in &s.steps {
                let r = r % s.reals.len();
                p.checker_result(ck(0, r, *c), &CheckResult { weight: *w, ..result(*up) });
                m.result(r, *c, *up, *w);
                check(&p, &m)?;
            }
            let _ = events(&mut p);
            // Reloading the same configuration changes nothing.
            let before = p.desired();
            let cfg = p.vss.clone();
            p.reload(cfg);
            prop_assert_eq!(p.desired(), before);
            prop_assert_eq!(events(&mut p), vec![]);
            check(&p, &m)?;
        }
    }
}

#[test]
fn reload_keeps_state_and_diffs_servers() {
    let mut p = Pool::new(
        vec![vs(vec![
            rs(2, 1, &[false]),
            rs(3, 1, &[false]),
            rs(4, 1, &[false]),
        ])],
        PoolSettings::default(),
    );
    p.start();
    p.checker_result(ck(0, 1, 0), &result(false));
    let _ = events(&mut p);
    assert_eq!(table(&p), vec![(2, 1), (4, 1)]);
    // New config: .2 kept with weight 5, .3 kept (still down), .4 removed, .5 new.
    let mut two = rs(2, 5, &[false]);
    two.notify_up = None;
    p.reload(vec![vs(vec![two, rs(3, 1, &[false]), rs(5, 1, &[false])])]);
    assert!(p.take_table_changed());
    assert_eq!(table(&p), vec![(2, 5), (5, 1)]);
    let ev = events(&mut p);
    assert_eq!(
        fifo(&ev),
        vec!["RS [192.0.2.4]:tcp:80 [192.0.2.1]:tcp:80 DOWN\n"]
    );
    assert!(!p.is_alive(rid(0, 1)));
    p.checker_result(ck(0, 1, 0), &result(true));
    assert_eq!(table(&p), vec![(2, 5), (5, 1), (3, 1)]);
}

#[test]
fn reload_removing_a_virtual_server_notifies() {
    let mut other = vs(vec![rs(7, 1, &[false])]);
    other.key = VsKey::Fwmark {
        family: Family::Inet,
        mark: 3,
        protocol: Protocol::Tcp,
    };
    let mut p = Pool::new(
        vec![vs(vec![rs(2, 1, &[false])]), other],
        PoolSettings::default(),
    );
    p.start();
    let _ = events(&mut p);
    p.reload(vec![vs(vec![rs(2, 1, &[false])])]);
    assert_eq!(p.desired().len(), 1);
    let ev = events(&mut p);
    assert_eq!(
        fifo(&ev),
        vec!["RS [192.0.2.7]:tcp:80 FWM 3 DOWN\n", "VS FWM 3 DOWN\n"]
    );
    assert_eq!(scripts(&ev), vec!["down7", "qdown"]);
}

#[test]
fn reload_with_changed_checkers_keeps_down_servers_down() {
    let mut p = Pool::new(
        vec![vs(vec![rs(2, 1, &[false]), rs(3, 1, &[false])])],
        PoolSettings::default(),
    );
    p.start();
    p.checker_result(ck(0, 1, 0), &result(false));
    p.reload(vec![vs(vec![
        rs(2, 1, &[false, false]),
        rs(3, 1, &[false, false]),
    ])]);
    assert_eq!(table(&p), vec![(2, 1)]);
    // Both new checkers of .3 must pass for it to come back.
    p.checker_result(ck(0, 1, 1), &result(true));
    p.checker_result(ck(0, 1, 0), &result(true));
    assert_eq!(table(&p), vec![(2, 1), (3, 1)]);
}
