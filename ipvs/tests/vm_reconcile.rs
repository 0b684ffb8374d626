//! The reconciler against a real kernel: from any starting table — one it installed itself, or
//! one another tool left — a single reconcile makes the kernel's dump equal the desired table
//! (keeping foreign entries it does not own), `ipvsadm -Ln` agrees, and a second reconcile
//! issues no operation. Also the `lvs_*` settings, refusals and the sync-daemon controller.
//!
//! Runs only inside the test VM (`scripts/vm/cargo-test-in-vm.sh`); elsewhere each test skips.

#[path = "common/vm_support.rs"]
mod vm_support;
#[path = "common/vm_tables.rs"]
mod vm_tables;

use keepalive_ipvs::reconcile::{
    apply, Desired, FlushOnStop, LvsSettings, Op, Ownership, RealServerSpec, Reconciler,
    SyncDaemonControl, SyncDaemonSpec, Table, VirtualServerSpec, VrrpRole,
};
use keepalive_ipvs::{
    DaemonState, DestConfig, ForwardMethod, KernelReason, ServiceConfig, ServiceFlags,
    TimeoutUpdate, Timeouts,
};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use vm_support::{tcp, Kernel};
use vm_tables::{flat, Flat};

fn kernel_flat(k: &mut Kernel) -> Flat {
    flat(&Table::from_dump(k.client.table().expect("dump table")))
}

/// The kernel's table as `ipvsadm -Ln` lists it must equal the client's dump of it.
fn check_ipvsadm_agrees(k: &mut Kernel) -> Result<(), TestCaseError> {
    let dump = k.client.table().expect("dump table");
    let ours = vm_support::list_from_dump(&dump);
    let theirs = vm_support::parse_ipvsadm_list(&vm_support::ipvsadm(&["-Ln"]));
    prop_assert_eq!(ours, theirs, "ipvsadm -Ln disagrees with the client's dump");
    Ok(())
}

/// Reconciles to `desired`, then checks the kernel holds `expected`, that ipvsadm agrees, and
/// that reconciling again issues nothing.
fn reconcile_and_check(
    k: &mut Kernel,
    r: &mut Reconciler,
    desired: &Desired,
    expected: &Flat,
) -> Result<usize, TestCaseError> {
    let report = r.reconcile(&mut k.client, desired).expect("read table");
    prop_assert!(report.is_ok(), "reconcile failed: {}", report);
    prop_assert_eq!(&kernel_flat(k), expected, "kernel table after reconcile");
    check_ipvsadm_agrees(k)?;
    let again = r.reconcile(&mut k.client, desired).expect("read table");
    prop_assert!(
        again.applied.is_empty() && again.is_ok(),
        "second reconcile was not empty: {:?}",
        again.applied
    );
    Ok(report.applied.len())
}

fn desired(specs: Vec<VirtualServerSpec>) -> Desired {
    Desired::new(specs).expect("generated tables are valid")
}

#[test]
fn converges_between_arbitrary_tables_it_owns() {
    if vm_support::skip_outside_vm("converges_between_arbitrary_tables_it_owns") {
        return;
    }
    let mut runner = TestRunner::new(vm_tables::config(40));
    let strategy = (vm_tables::table(6, 4), vm_tables::table(6, 4));
    runner
        .run(&strategy, |(start, target)| {
            let mut k = Kernel::take();
            let mut r = Reconciler::new(LvsSettings::default());
            let (start, target) = (desired(start), desired(target));
            let n = reconcile_and_check(&mut k, &mut r, &start, &flat(start.table()))?;
            prop_assert_eq!(
                n,
                start.table().services.len() + start.table().dest_count(),
                "from empty: one add per service and destination"
            );
            reconcile_and_check(&mut k, &mut r, &target, &flat(target.table()))?;
            // Everything it installed is owned, so stop() leaves an empty table.
            let stop = r.stop(&mut k.client);
            prop_assert!(stop.is_ok(), "stop: {}", stop);
            prop_assert!(kernel_flat(&mut k).is_empty(), "stop left entries");
            Ok(())
        })
        .unwrap();
}

/// What the kernel holds after reconciling a table that started with `foreign` (not kad's) to
/// `target`: desired services with their settings; their destinations plus foreign ones kad
/// does not own; foreign services the configuration does not name, untouched.
fn expected_with_foreign(foreign: &Flat, target: &Flat) -> Flat {
    let mut out = foreign.clone();
    for (key, (cfg, dests)) in target {
        let entry = out
            .entry(*key)
            .or_insert_with(|| (cfg.clone(), Default::default()));
        entry.0 = cfg.clone();
        for (dk, d) in dests {
            entry.1.insert(*dk, *d);
        }
    }
    out
}

#[test]
fn converges_from_tables_another_tool_left() {
    if vm_support::skip_outside_vm("converges_from_tables_another_tool_left") {
        return;
    }
    let mut runner = TestRunner::new(vm_tables::config(32));
    let strategy = (
        vm_tables::table(6, 4),
        vm_tables::table(6, 4),
        any::<bool>(),
    );
    runner
        .run(&strategy, |(foreign, target, lvs_flush)| {
            let mut k = Kernel::take();
            // Another tool's table, written straight to the kernel.
            let foreign = desired(foreign);
            for entry in foreign.table().services.values() {
                k.client
                    .add_service(&entry.config)
                    .expect("foreign service");
                for d in entry.dests.values() {
                    k.client
                        .add_dest(&entry.config.key, d)
                        .expect("foreign dest");
                }
            }
            prop_assert_eq!(kernel_flat(&mut k), flat(foreign.table()));

            let mut r = Reconciler::new(LvsSettings {
                flush: lvs_flush,
                ..LvsSettings::default()
            });
            let started = r.start(&mut k.client);
            prop_assert!(started.is_ok(), "start: {}", started);
            let target = desired(target);
            let expected = if lvs_flush {
                flat(target.table())
            } else {
                expected_with_foreign(&flat(foreign.table()), &flat(target.table()))
            };
            reconcile_and_check(&mut k, &mut r, &target, &expected)?;

            // Stopping removes what kad owns (its own and adopted entries) and nothing else.
            let stop = r.stop(&mut k.client);
            prop_assert!(stop.is_ok(), "stop: {}", stop);
            let mut left = expected;
            for key in target.table().services.keys() {
                left.remove(key);
            }
            prop_assert_eq!(kernel_flat(&mut k), left, "after stop");
            Ok(())
        })
        .unwrap();
}

fn real(addr: &str, weight: i32) -> RealServerSpec {
    RealServerSpec {
        addr: addr.parse().unwrap(),
        port: 80,
        fwd: ForwardMethod::Masq,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

fn vs(addr: &str, sched: &str, reals: Vec<RealServerSpec>) -> VirtualServerSpec {
    VirtualServerSpec {
        key: tcp(addr, 80),
        scheduler: sched.into(),
        flags: ServiceFlags::default(),
        timeout: 0,
        netmask: None,
        pe_name: None,
        reals,
    }
}

#[test]
fn weight_change_is_one_edit() {
    if vm_support::skip_outside_vm("weight_change_is_one_edit") {
        return;
    }
    let mut k = Kernel::take();
    let mut r = Reconciler::new(LvsSettings::default());
    let reals = vec![real("203.0.113.1", 1), real("203.0.113.2", 1)];
    let before = desired(vec![vs("192.0.2.30", "wlc", reals.clone())]);
    assert!(r.reconcile(&mut k.client, &before).unwrap().is_ok());
    // A checker marks one real server down with inhibit_on_failure: weight 0, nothing else.
    let mut down = reals;
    down[1].weight = 0;
    let after = desired(vec![vs("192.0.2.30", "wlc", down)]);
    let report = r.reconcile(&mut k.client, &after).unwrap();
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.applied.len(), 1, "{:?}", report.applied);
    assert!(matches!(&report.applied[0], Op::EditDest(_, d) if d.weight == 0));
    assert_eq!(kernel_flat(&mut k), flat(after.table()));
}

#[test]
fn a_refused_service_is_reported_and_the_rest_installed() {
    if vm_support::skip_outside_vm("a_refused_service_is_reported_and_the_rest_installed") {
        return;
    }
    let mut k = Kernel::take();
    let mut r = Reconciler::new(LvsSettings::default());
    let good = vs("192.0.2.31", "rr", vec![real("203.0.113.3", 1)]);
    let bad = vs("192.0.2.32", "nosuchsched", vec![real("203.0.113.4", 1)]);
    let want = desired(vec![good.clone(), bad]);
    let report = r.reconcile(&mut k.client, &want).unwrap();
    assert_eq!(report.failed.len(), 1, "{report}");
    let (op, err) = &report.failed[0];
    assert!(matches!(op, Op::AddService(s) if s.key == tcp("192.0.2.32", 80)));
    assert_eq!(err.reason(), Some(KernelReason::SchedulerOrPeNotFound));
    assert!(
        err.to_string()
            .starts_with("add service TCP 192.0.2.32:80: "),
        "{err}"
    );
    // Its real server was not tried; the good service is complete.
    assert_eq!(report.skipped.len(), 1, "{:?}", report.skipped);
    assert_eq!(
        kernel_flat(&mut k),
        flat(desired(vec![good]).table()),
        "only the accepted service is installed"
    );
}

#[test]
fn lvs_timeouts_and_flush_on_stop() {
    if vm_support::skip_outside_vm("lvs_timeouts_and_flush_on_stop") {
        return;
    }
    let mut k = Kernel::take();
    // A foreign service survives FlushOnStop::No and VsOnly, not All.
    let foreign = ServiceConfig::new(tcp("192.0.2.40", 80), "rr");
    let want = desired(vec![vs("192.0.2.41", "wrr", vec![real("203.0.113.5", 2)])]);
    for mode in [FlushOnStop::No, FlushOnStop::VsOnly, FlushOnStop::All] {
        k.reset();
        k.client.add_service(&foreign).unwrap();
        let settings = LvsSettings {
            flush: false,
            flush_on_stop: mode,
            timeouts: Some(TimeoutUpdate {
                tcp: Some(7200),
                tcp_fin: None,
                udp: Some(60),
            }),
        };
        let mut r = Reconciler::new(settings);
        assert!(r.start(&mut k.client).is_ok());
        assert_eq!(
            k.client.timeouts().unwrap(),
            Timeouts {
                tcp: 7200,
                tcp_fin: vm_support::DEFAULT_TIMEOUTS.tcp_fin,
                udp: 60
            }
        );
        assert!(r.reconcile(&mut k.client, &want).unwrap().is_ok());
        assert_eq!(k.client.table().unwrap().len(), 2);
        let stop = r.stop(&mut k.client);
        assert!(stop.is_ok(), "{mode:?}: {stop}");
        let left: Vec<_> = k
            .client
            .table()
            .unwrap()
            .into_iter()
            .map(|(s, _)| s.config.key)
            .collect();
        let expected = match mode {
            FlushOnStop::All => vec![],
            _ => vec![foreign.key],
        };
        assert_eq!(left, expected, "{mode:?}");
    }
}

#[test]
fn sync_daemon_follows_the_vrrp_instance() {
    if vm_support::skip_outside_vm("sync_daemon_follows_the_vrrp_instance") {
        return;
    }
    let mut k = Kernel::take();
    let mut owned = Ownership::default();
    let mut run = |k: &mut Kernel, ops: Vec<Op>| {
        let report = apply(&mut k.client, &ops, &mut owned);
        assert!(report.is_ok(), "{report}");
        let mut states: Vec<DaemonState> = k
            .client
            .daemons()
            .unwrap()
            .into_iter()
            .map(|d| {
                assert_eq!((d.mcast_ifn.as_str(), d.sync_id), ("dummy0", 51));
                d.state
            })
            .collect();
        states.sort();
        states
    };
    let spec = SyncDaemonSpec {
        ifname: "dummy0".into(),
        vrrp_instance: Some("VI_1".into()),
        sync_id: 51,
        maxlen: None,
        port: None,
        ttl: None,
        group: None,
    };
    let mut ctl = SyncDaemonControl::new(spec.clone());
    assert_eq!(run(&mut k, ctl.on_start()), vec![DaemonState::Backup]);
    assert_eq!(
        run(&mut k, ctl.on_vrrp_state("VI_1", VrrpRole::Master)),
        vec![DaemonState::Master]
    );
    assert_eq!(
        run(&mut k, ctl.on_vrrp_state("VI_1", VrrpRole::Fault)),
        vec![DaemonState::Backup]
    );
    assert!(ctl.on_vrrp_state("VI_2", VrrpRole::Master).is_empty());
    assert_eq!(run(&mut k, ctl.on_stop()), vec![]);

    // Without an instance both run for the daemon's whole life; a restart clears leftovers.
    let mut ctl = SyncDaemonControl::new(SyncDaemonSpec {
        vrrp_instance: None,
        ..spec
    });
    let both = vec![DaemonState::Master, DaemonState::Backup];
    assert_eq!(run(&mut k, ctl.on_start()), both);
    assert_eq!(run(&mut k, ctl.on_start()), both);
    assert_eq!(run(&mut k, ctl.on_stop()), vec![]);
}

#[test]
fn tunnel_options_edit_in_place() {
    if vm_support::skip_outside_vm("tunnel_options_edit_in_place") {
        return;
    }
    let mut k = Kernel::take();
    let mut r = Reconciler::new(LvsSettings::default());
    let mut rs = real("203.0.113.9", 1);
    let mut table = |fwd| {
        rs.fwd = fwd;
        desired(vec![vs("192.0.2.42", "rr", vec![rs])])
    };
    let steps = [
        ForwardMethod::Masq,
        ForwardMethod::Tunnel(keepalive_ipvs::Tunnel {
            kind: keepalive_ipvs::TunnelType::Gue,
            port: 6080,
            flags: keepalive_ipvs::TunnelFlags::CSUM,
        }),
        ForwardMethod::Tunnel(keepalive_ipvs::Tunnel {
            kind: keepalive_ipvs::TunnelType::Gre,
            port: 0,
            flags: keepalive_ipvs::TunnelFlags::NOCSUM,
        }),
        ForwardMethod::Route,
        ForwardMethod::Masq,
    ];
    for (i, fwd) in steps.into_iter().enumerate() {
        let want = table(fwd);
        let report = r.reconcile(&mut k.client, &want).unwrap();
        assert!(report.is_ok(), "{report}");
        if i > 0 {
            assert_eq!(report.applied.len(), 1, "{fwd:?}: {:?}", report.applied);
        }
        let dests = k.client.dests(&tcp("192.0.2.42", 80)).unwrap();
        let got: Vec<DestConfig> = dests.into_iter().map(|d| d.config).collect();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].fwd, fwd);
        assert!(r
            .reconcile(&mut k.client, &want)
            .unwrap()
            .applied
            .is_empty());
    }
}
