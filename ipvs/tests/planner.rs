//! The reconciler against the in-memory kernel model: plans reach the desired table, touch only
//! owned entries, never delete+add what an edit can do, and a second plan is empty.

use keepalive_ipvs::reconcile::*;
use keepalive_ipvs::types::*;
use keepalive_ipvs::{KernelReason, Operation};
use proptest::prelude::*;
use std::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn tcp(addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: ip(addr),
        port,
    }
}

fn vs(key: ServiceKey, sched: &str, reals: Vec<RealServerSpec>) -> VirtualServerSpec {
    VirtualServerSpec {
        key,
        scheduler: sched.into(),
        flags: ServiceFlags::default(),
        timeout: 0,
        netmask: None,
        pe_name: None,
        reals,
    }
}

fn rs(addr: &str, port: u16, weight: i32) -> RealServerSpec {
    RealServerSpec {
        addr: ip(addr),
        port,
        fwd: ForwardMethod::Route,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

/// Reconciles until stable; returns the ops of the first pass.
fn converge(r: &mut Reconciler, k: &mut MemoryIpvs, desired: &Desired) -> Vec<Op> {
    let report = r.reconcile(k, desired).unwrap();
    assert!(report.is_ok(), "{report}");
    let again = r.plan(desired, &k.snapshot());
    assert!(again.is_empty(), "second plan not empty: {again:?}");
    report.applied
}

#[test]
fn from_empty_adds_everything_then_nothing() {
    let mut k = MemoryIpvs::new();
    let mut r = Reconciler::new(LvsSettings::default());
    let d = Desired::new(vec![vs(
        tcp("192.0.2.1", 80),
        "wlc",
        vec![rs("198.51.100.1", 80, 1), rs("198.51.100.2", 80, 2)],
    )])
    .unwrap();
    let ops = converge(&mut r, &mut k, &d);
    assert_eq!(ops.len(), 3);
    assert!(matches!(ops[0], Op::AddService(_)));
    assert_eq!(r.owned().services.len(), 1);
    assert_eq!(r.owned().dest_count(), 2);
}

#[test]
fn weight_and_scheduler_change_are_edits() {
    let mut k = MemoryIpvs::new();
    let mut r = Reconciler::new(LvsSettings::default());
    let key = tcp("192.0.2.1", 80);
    let d1 = Desired::new(vec![vs(key, "wlc", vec![rs("198.51.100.1", 80, 1)])]).unwrap();
    converge(&mut r, &mut k, &d1);
    let mut spec = vs(key, "rr", vec![rs("198.51.100.1", 80, 0)]);
    spec.flags = ServiceFlags::PERSISTENT;
    spec.timeout = 300;
    spec.reals[0].fwd = ForwardMethod::Tunnel(Tunnel {
        kind: TunnelType::Gue,
        port: 6080,
        flags: TunnelFlags::CSUM,
    });
    let d2 = Desired::new(vec![spec]).unwrap();
    let ops = converge(&mut r, &mut k, &d2);
    assert_eq!(ops.len(), 2, "{ops:?}");
    assert!(matches!(ops[0], Op::EditService(_)));
    assert!(matches!(ops[1], Op::EditDest(..)));
}

#[test]
fn key_change_is_delete_and_add() {
    let mut k = MemoryIpvs::new();
    let mut r = Reconciler::new(LvsSettings::default());
    let d1 = Desired::new(vec![vs(
        tcp("192.0.2.1", 80),
        "wlc",
        vec![rs("198.51.100.1", 80, 1)],
    )])
    .unwrap();
    converge(&mut r, &mut k, &d1);
    let d2 = Desired::new(vec![vs(
        tcp("192.0.2.1", 8080),
        "wlc",
        vec![rs("198.51.100.1", 80, 1)],
    )])
    .unwrap();
    let ops = converge(&mut r, &mut k, &d2);
    assert_eq!(
        ops,
        vec![
            Op::DelService(tcp("192.0.2.1", 80)),
            Op::AddService(ServiceConfig::new(tcp("192.0.2.1", 8080), "wlc")),
            Op::AddDest(
                tcp("192.0.2.1", 8080),
                DestConfig::from(&rs("198.51.100.1", 80, 1))
            ),
        ]
    );
    assert!(!r.owned().services.contains(&tcp("192.0.2.1", 80)));
    assert_eq!(r.owned().dest_count(), 1);
}

#[test]
fn foreign_entries_are_left_alone() {
    let mut k = MemoryIpvs::new();
    let foreign = ServiceConfig::new(tcp("203.0.113.9", 53), "rr");
    k.insert_foreign(
        foreign.clone(),
        vec![DestConfig::new(ip("203.0.113.10"), 53)],
    );
    // A foreign destination inside a service kad will adopt.
    let shared = tcp("192.0.2.1", 80);
    k.insert_foreign(
        ServiceConfig::new(shared, "rr"),
        vec![DestConfig::new(ip("198.51.100.99"), 80)],
    );
    let mut r = Reconciler::new(LvsSettings {
        flush_on_stop: FlushOnStop::No,
        ..LvsSettings::default()
    });
    let d = Desired::new(vec![vs(shared, "wlc", vec![rs("198.51.100.1", 80, 1)])]).unwrap();
    let ops = converge(&mut r, &mut k, &d);
    assert_eq!(
        ops.len(),
        2,
        "edit the adopted service, add one dest: {ops:?}"
    );
    let snap = k.snapshot();
    assert!(snap.services.contains_key(&foreign.key));
    assert_eq!(snap.services[&shared].dests.len(), 2);

    // Emptying the configuration removes only what kad owns.
    converge(&mut r, &mut k, &Desired::default());
    let snap = k.snapshot();
    assert_eq!(snap.services.len(), 1);
    assert!(snap.services.contains_key(&foreign.key));
}

#[test]
fn lvs_flush_and_timeouts_at_start() {
    let mut k = MemoryIpvs::new();
    k.insert_foreign(ServiceConfig::new(tcp("203.0.113.9", 53), "rr"), vec![]);
    let t = TimeoutUpdate {
        tcp: Some(7200),
        tcp_fin: None,
        udp: Some(60),
    };
    let mut r = Reconciler::new(LvsSettings {
        flush: true,
        timeouts: Some(t),
        ..LvsSettings::default()
    });
    assert!(r.start(&mut k).is_ok());
    assert!(k.snapshot().services.is_empty());
    assert_eq!(
        k.timeouts(),
        Timeouts {
            tcp: 7200,
            tcp_fin: 120,
            udp: 60
        }
    );
}

fn stop_with(mode: FlushOnStop) -> (MemoryIpvs, Vec<Operation>) {
    let mut k = MemoryIpvs::new();
    let foreign = ServiceConfig::new(tcp("203.0.113.9", 53), "rr");
    k.insert_foreign(foreign, vec![]);
    let mut r = Reconciler::new(LvsSettings {
        flush_on_stop: mode,
        ..LvsSettings::default()
    });
    let d = Desired::new(vec![
        vs(
            tcp("192.0.2.1", 80),
            "wlc",
            vec![rs("198.51.100.1", 80, 1), rs("198.51.100.2", 80, 1)],
        ),
        vs(tcp("192.0.2.2", 80), "wlc", vec![rs("198.51.100.1", 80, 1)]),
    ])
    .unwrap();
    converge(&mut r, &mut k, &d);
    k.log.clear();
    let report = r.stop(&mut k);
    assert!(report.is_ok(), "{report}");
    assert!(r.owned().services.is_empty() && r.owned().dest_count() == 0);
    let log = k.log.clone();
    (k, log)
}

#[test]
fn lvs_flush_on_stop_modes() {
    let (k, log) = stop_with(FlushOnStop::No);
    assert_eq!(log.len(), 5, "3 dests then 2 services: {log:?}");
    assert_eq!(k.snapshot().services.len(), 1, "foreign service kept");

    let (k, log) = stop_with(FlushOnStop::VsOnly);
    assert_eq!(log.len(), 2);
    assert!(log.iter().all(|o| matches!(o, Operation::DelService(_))));
    assert_eq!(k.snapshot().services.len(), 1);

    let (k, log) = stop_with(FlushOnStop::All);
    assert_eq!(log, vec![Operation::Flush]);
    assert!(k.snapshot().services.is_empty());
}

#[test]
fn partial_failure_keeps_track() {
    let mut k = MemoryIpvs::new();
    let mut r = Reconciler::new(LvsSettings::default());
    let a = tcp("192.0.2.1", 80);
    let b = tcp("192.0.2.2", 80);
    let d = Desired::new(vec![
        vs(a, "wlc", vec![rs("198.51.100.1", 80, 1)]),
        vs(
            b,
            "wlc",
            vec![rs("198.51.100.1", 80, 1), rs("198.51.100.2", 80, 1)],
        ),
    ])
    .unwrap();
    k.fail_once(Operation::AddService(a), 12);
    k.fail_once(
        Operation::AddDest(
            b,
            DestKey {
                addr: ip("198.51.100.2"),
                port: 80,
            },
        ),
        22,
    );
    let report = r.reconcile(&mut k, &d).unwrap();
    assert_eq!(report.failed.len(), 2, "{report}");
    assert_eq!(report.skipped.len(), 1, "a's destination waits for a");
    assert_eq!(report.failed[0].1.reason(), Some(KernelReason::OutOfMemory));
    assert!(report.to_string().contains("add service TCP 192.0.2.1:80"));
    // Ownership matches what is installed.
    assert_eq!(r.owned().services.iter().collect::<Vec<_>>(), vec![&b]);
    assert_eq!(r.owned().dest_count(), 1);
    // The next pass finishes the job.
    let report = r.reconcile(&mut k, &d).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.applied.len(), 3);
    assert!(r.plan(&d, &k.snapshot()).is_empty());
}

#[test]
fn spec_validation() {
    let key = tcp("192.0.2.1", 80);
    let dup = Desired::new(vec![vs(key, "rr", vec![]), vs(key, "wlc", vec![])]);
    assert_eq!(dup.unwrap_err(), SpecError::DuplicateService(key));
    let mixed = Desired::new(vec![vs(key, "rr", vec![rs("2001:db8::1", 80, 1)])]);
    assert!(matches!(mixed, Err(SpecError::MixedFamily { .. })));
    let mut bad = rs("198.51.100.1", 80, 1);
    bad.l_threshold = 5;
    assert!(matches!(
        Desired::new(vec![vs(key, "rr", vec![bad])]),
        Err(SpecError::Thresholds { .. })
    ));
    let mut v6 = vs(tcp("2001:db8::1", 80), "rr", vec![]);
    v6.netmask = Some(129);
    assert!(matches!(
        Desired::new(vec![v6]),
        Err(SpecError::BadNetmask { .. })
    ));
    assert!(matches!(
        Desired::new(vec![vs(key, "", vec![])]),
        Err(SpecError::BadScheduler { .. })
    ));
}

// ---- properties ----

const SCHEDS: &[&str] = &["rr", "wlc", "sh", "mh"];

fn key_strategy() -> impl Strategy<Value = ServiceKey> {
    prop_oneof![
        (
            prop::sample::select(vec!["192.0.2.1", "192.0.2.2", "2001:db8::1"]),
            prop::sample::select(vec![80u16, 443]),
            any::<bool>()
        )
            .prop_map(|(a, port, udp)| ServiceKey::Addr {
                protocol: if udp { Protocol::Udp } else { Protocol::Tcp },
                addr: ip(a),
                port
            }),
        (any::<bool>(), 1u32..3).prop_map(|(v6, mark)| ServiceKey::Fwmark {
            af: if v6 {
                AddressFamily::Inet6
            } else {
                AddressFamily::Inet
            },
            mark
        }),
    ]
}

fn real_strategy(af: AddressFamily) -> impl Strategy<Value = RealServerSpec> {
    let (same, other) = match af {
        AddressFamily::Inet => (
            vec!["198.51.100.1", "198.51.100.2", "198.51.100.3"],
            "2001:db8::a",
        ),
        AddressFamily::Inet6 => (
            vec!["2001:db8::a", "2001:db8::b", "2001:db8::c"],
            "198.51.100.1",
        ),
    };
    (
        prop::sample::select(same),
        prop::sample::select(vec![80u16, 8080]),
        0u8..6,
        0u8..3,
        0i32..4,
        prop::sample::select(vec![(0u32, 0u32), (100, 0), (100, 10)]),
        any::<bool>(),
    )
        .prop_map(move |(addr, port, m, t, weight, (u, l), mixed)| {
            let tunnel = |kind, port| {
                ForwardMethod::Tunnel(Tunnel {
                    kind,
                    port,
                    flags: TunnelFlags(u16::from(t)),
                })
            };
            let fwd = match m {
                0 => ForwardMethod::Masq,
                1 => ForwardMethod::Route,
                2 => ForwardMethod::Local,
                3 => tunnel(TunnelType::Ipip, 0),
                4 => tunnel(TunnelType::Gue, 6080),
                _ => tunnel(TunnelType::Gre, 0),
            };
            let addr = if mixed && matches!(fwd, ForwardMethod::Tunnel(_)) {
                other
            } else {
                addr
            };
            RealServerSpec {
                addr: ip(addr),
                port,
                fwd,
                weight,
                u_threshold: u,
                l_threshold: l,
            }
        })
}

fn vs_strategy() -> impl Strategy<Value = VirtualServerSpec> {
    key_strategy().prop_flat_map(|key| {
        (
            prop::sample::select(SCHEDS.to_vec()),
            0u32..8,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop::collection::vec(real_strategy(key.af()), 0..4),
        )
            .prop_map(move |(sched, f, persistent, coarse, pe, reals)| {
                let flags = ServiceFlags(((f & 0x1) * 0x04) | (((f >> 1) & 0x3) * 0x08));
                let mut reals = reals;
                reals.sort_by_key(|r| (r.addr, r.port));
                reals.dedup_by_key(|r| (r.addr, r.port));
                VirtualServerSpec {
                    key,
                    scheduler: sched.into(),
                    flags: if persistent {
                        flags | ServiceFlags::PERSISTENT
                    } else {
                        flags
                    },
                    timeout: if persistent { 300 } else { 0 },
                    netmask: coarse.then_some(match key.af() {
                        AddressFamily::Inet => 0xffff_ff00,
                        AddressFamily::Inet6 => 64,
                    }),
                    pe_name: pe.then(|| "sip".to_string()),
                    reals,
                }
            })
    })
}

fn table_strategy() -> impl Strategy<Value = Desired> {
    prop::collection::vec(vs_strategy(), 0..6).prop_map(|mut v| {
        v.sort_by_key(|s| s.key);
        v.dedup_by_key(|s| s.key);
        Desired::new(v).expect("strategy builds valid tables")
    })
}

/// Whether the kernel's service is the one wanted, judged here rather than with the planner's
/// own matcher: every field `ipvsadm -E` can set (the kernel's internal flag bits aside).
fn same_service(kernel: &ServiceConfig, want: &ServiceConfig) -> bool {
    let ServiceConfig {
        key,
        scheduler,
        flags,
        timeout,
        netmask,
        pe_name,
        ..
    } = kernel;
    (key, scheduler, flags.user(), timeout, netmask, pe_name)
        == (
            &want.key,
            &want.scheduler,
            want.flags.user(),
            &want.timeout,
            &want.netmask,
            &want.pe_name,
        )
}

/// As [`same_service`], for a destination: every field `ipvsadm -e` can set.
fn same_dest(kernel: &DestConfig, want: &DestConfig) -> bool {
    let DestConfig {
        key,
        fwd,
        weight,
        u_threshold,
        l_threshold,
    } = kernel;
    (key, fwd, weight, u_threshold, l_threshold)
        == (
            &want.key,
            &want.fwd,
            &want.weight,
            &want.u_threshold,
            &want.l_threshold,
        )
}

/// How many kernel entries differ between two tables: each service or destination added,
/// removed or edited is one, except a removed service's destinations (its deletion takes
/// them). A plan of exactly this many operations does nothing superfluous.
fn entries_changed(before: &Table, after: &Table) -> usize {
    let mut n = 0;
    for (key, b) in &before.services {
        let Some(a) = after.services.get(key) else {
            n += 1;
            continue;
        };
        n += usize::from(a.config != b.config);
        n += b.dests.keys().filter(|d| !a.dests.contains_key(d)).count();
        n += a
            .dests
            .iter()
            .filter(|(d, ad)| b.dests.get(d) != Some(ad))
            .count();
    }
    for (key, a) in &after.services {
        if !before.services.contains_key(key) {
            n += 1 + a.dests.len();
        }
    }
    n
}

/// Kernel state: some services kad owns (from an earlier desired table), some foreign.
fn world() -> impl Strategy<Value = (Desired, Desired, Desired, Desired)> {
    (
        table_strategy(),
        table_strategy(),
        table_strategy(),
        table_strategy(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn plan_reaches_desired_touching_only_owned((earlier, foreign, desired, later) in world()) {
        let mut k = MemoryIpvs::new();
        for e in foreign.table().services.values() {
            k.insert_foreign(e.config.clone(), e.dests.values().copied().collect());
        }
        let mut r = Reconciler::new(LvsSettings::default());
        // Whatever of `earlier` fits beside the foreign entries becomes kad's.
        let _ = r.reconcile(&mut k, &earlier).unwrap();
        let owned_before = r.owned().clone();
        let before = k.snapshot();

        let ops = r.plan(&desired, &before);
        // Never delete and re-add the same service.
        for op in &ops {
            if let Op::DelService(key) = op {
                prop_assert!(!ops.iter().any(|o| matches!(o, Op::AddService(s) if s.key == *key)));
                prop_assert!(!desired.table().services.contains_key(key));
            }
            if let Op::DelDest(s, d) = op {
                prop_assert!(owned_before.owns_dest(s, d));
            }
        }
        // Minimal: one op per differing desired entry, one per owned undesired entry.
        let mut expected = 0usize;
        for (key, want) in &desired.table().services {
            match before.services.get(key) {
                None => expected += 1 + want.dests.len(),
                Some(cur) => {
                    expected += usize::from(!same_service(&cur.config, &want.config));
                    for (dk, wd) in &want.dests {
                        expected += match cur.dests.get(dk) {
                            None => 1,
                            Some(cd) => usize::from(!same_dest(cd, wd)),
                        };
                    }
                    expected += cur.dests.keys().filter(|dk| {
                        !want.dests.contains_key(dk) && owned_before.owns_dest(key, dk)
                    }).count();
                }
            }
        }
        expected += before.services.keys().filter(|k2| {
            !desired.table().services.contains_key(k2) && owned_before.services.contains(k2)
        }).count();
        prop_assert_eq!(ops.len(), expected);

        let mut owned = r.owned().clone();
        let report = apply(&mut k, &ops, &mut owned);
        prop_assert!(report.is_ok(), "{}", report);
        let after = k.snapshot();
        // Minimal, judged by the kernel: every operation changed an entry.
        prop_assert_eq!(ops.len(), entries_changed(&before, &after), "{:?}", ops);

        // Desired entries are there, as desired.
        for (key, want) in &desired.table().services {
            let cur = after.services.get(key).expect("desired service installed");
            prop_assert!(same_service(&cur.config, &want.config));
            for (dk, wd) in &want.dests {
                prop_assert!(same_dest(&cur.dests[dk], wd));
            }
        }
        // Foreign, undesired entries are untouched.
        for (key, cur) in &before.services {
            if desired.table().services.contains_key(key) {
                for (dk, cd) in &cur.dests {
                    if !desired.table().services[key].dests.contains_key(dk)
                        && !owned_before.owns_dest(key, dk)
                    {
                        prop_assert_eq!(&after.services[key].dests[dk], cd);
                    }
                }
            } else if !owned_before.services.contains(key) {
                prop_assert_eq!(&after.services[key], cur);
            } else {
                prop_assert!(!after.services.contains_key(key));
            }
        }
        // Idempotent.
        prop_assert!(plan(desired.table(), &after, &owned).is_empty());

        // And on to a later configuration, then shutdown leaves only foreign entries.
        r = Reconciler::new(LvsSettings::default());
        let _ = r.reconcile(&mut k, &desired).unwrap();
        let rep = r.reconcile(&mut k, &later).unwrap();
        prop_assert!(rep.is_ok(), "{}", rep);
        prop_assert!(r.plan(&later, &k.snapshot()).is_empty());
        let _ = r.stop(&mut k);
        for key in k.snapshot().services.keys() {
            prop_assert!(!r.owned().services.contains(key));
        }
    }
}

/// A backend that counts table dumps, around the in-memory kernel.
struct CountingDumps {
    kernel: MemoryIpvs,
    dumps: usize,
}

impl IpvsBackend for CountingDumps {
    fn table(&mut self) -> Result<Vec<(Service, Vec<Dest>)>, keepalive_ipvs::Error> {
        self.dumps += 1;
        self.kernel.table()
    }
    fn add_service(&mut self, s: &ServiceConfig) -> Result<(), keepalive_ipvs::Error> {
        self.kernel.add_service(s)
    }
    fn edit_service(&mut self, s: &ServiceConfig) -> Result<(), keepalive_ipvs::Error> {
        self.kernel.edit_service(s)
    }
    fn del_service(&mut self, k: &ServiceKey) -> Result<(), keepalive_ipvs::Error> {
        self.kernel.del_service(k)
    }
    fn add_dest(&mut self, k: &ServiceKey, d: &DestConfig) -> Result<(), keepalive_ipvs::Error> {
        self.kernel.add_dest(k, d)
    }
    fn edit_dest(&mut self, k: &ServiceKey, d: &DestConfig) -> Result<(), keepalive_ipvs::Error> {
        self.kernel.edit_dest(k, d)
    }
    fn del_dest(&mut self, k: &ServiceKey, d: &DestKey) -> Result<(), keepalive_ipvs::Error> {
        self.kernel.del_dest(k, d)
    }
    fn flush(&mut self) -> Result<(), keepalive_ipvs::Error> {
        self.kernel.flush()
    }
    fn set_timeouts(&mut self, t: &TimeoutUpdate) -> Result<(), keepalive_ipvs::Error> {
        self.kernel.set_timeouts(t)
    }
    fn start_daemon(&mut self, d: &SyncDaemon) -> Result<(), keepalive_ipvs::Error> {
        self.kernel.start_daemon(d)
    }
    fn stop_daemon(&mut self, s: DaemonState, id: u32) -> Result<(), keepalive_ipvs::Error> {
        self.kernel.stop_daemon(s, id)
    }
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, keepalive_ipvs::Error> {
        IpvsBackend::daemons(&mut self.kernel)
    }
}

/// After the first dump the reconciler keeps its view of the kernel current, so a small
/// change costs only its own operations; a failure makes it dump again.
#[test]
fn cached_view_avoids_dumps_until_something_fails() {
    let mut b = CountingDumps {
        kernel: MemoryIpvs::new(),
        dumps: 0,
    };
    let mut r = Reconciler::new(LvsSettings::default());
    let one = |w| {
        Desired::new(vec![vs(
            tcp("192.0.2.1", 80),
            "wlc",
            vec![rs("198.51.100.1", 80, w)],
        )])
        .unwrap()
    };
    assert!(r.reconcile(&mut b, &one(1)).unwrap().is_ok());
    let report = r.reconcile(&mut b, &one(5)).unwrap();
    assert_eq!(report.applied.len(), 1, "{report}");
    assert_eq!(b.dumps, 1);
    assert!(r.plan(&one(5), &b.kernel.snapshot()).is_empty());
    // Someone else removes our service: the edit fails, and the next pass dumps and repairs.
    b.kernel.del_service(&tcp("192.0.2.1", 80)).unwrap();
    assert!(!r.reconcile(&mut b, &one(6)).unwrap().is_ok());
    assert!(r.reconcile(&mut b, &one(6)).unwrap().is_ok());
    assert_eq!(b.dumps, 2);
    assert!(r.plan(&one(6), &b.kernel.snapshot()).is_empty());
}
