//! `MemoryIpvs`, the in-memory kernel the crate's own unit tests plan against, checked against
//! the real kernel: the same arbitrary sequence of operations — valid and invalid — goes to
//! both, and every answer (success, or the errno of a refusal) and the resulting tables,
//! timeouts and sync daemons must agree. A model that drifts from the kernel would let the
//! planner's tests pass while the daemon fails in production.
//!
//! Runs only inside the test VM (`scripts/vm/cargo-test-in-vm.sh`); elsewhere each test skips.

#[path = "common/vm_support.rs"]
mod vm_support;
#[path = "common/vm_tables.rs"]
mod vm_tables;

use keepalive_ipvs::reconcile::{IpvsBackend, MemoryIpvs, Op, Table};
use keepalive_ipvs::{
    AddressFamily, DaemonState, DestConfig, Error, ServiceConfig, ServiceKey, SyncDaemon,
    TimeoutUpdate,
};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use vm_support::Kernel;
use vm_tables::flat;

/// A service configuration, sometimes one the kernel must refuse.
fn service_config() -> impl Strategy<Value = ServiceConfig> {
    (vm_tables::virtual_server(0), 0u8..10).prop_map(|(vs, spoil)| {
        let mut c = ServiceConfig::from(&vs);
        match spoil {
            0 => c.scheduler = "nosuchsched".into(),
            1 if c.key.af() == AddressFamily::Inet6 => c.netmask = 129,
            2 => c.pe_name = Some("nosuchpe".into()),
            _ => {}
        }
        c
    })
}

/// A destination for a service of `af`, sometimes one the kernel must refuse.
fn dest_config(af: AddressFamily) -> impl Strategy<Value = DestConfig> {
    (vm_tables::real_server(af, 80), 0u8..12).prop_map(move |(rs, spoil)| {
        let mut d = DestConfig::from(&rs);
        match spoil {
            0 => d.weight = -1,
            1 => {
                d.u_threshold = 10;
                d.l_threshold = 20;
            }
            // The other family, without a tunnel.
            2 => {
                d.fwd = keepalive_ipvs::ForwardMethod::Masq;
                d.key.addr = match af {
                    AddressFamily::Inet => {
                        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 5, 0, 0, 0, 0, 1))
                    }
                    AddressFamily::Inet6 => IpAddr::V4(Ipv4Addr::new(203, 0, 113, 1)),
                };
            }
            _ => {}
        }
        d
    })
}

fn service_and_dest() -> impl Strategy<Value = (ServiceKey, DestConfig)> {
    vm_tables::service_key().prop_flat_map(|key| (Just(key), dest_config(key.af())))
}

fn timeout() -> impl Strategy<Value = Option<u32>> {
    prop_oneof![
        Just(None),
        (0u32..3).prop_map(Some),
        (1u32..100_000).prop_map(Some),
        Just(Some(u32::MAX)),
    ]
}

fn daemon_op() -> impl Strategy<Value = Op> {
    let state = prop_oneof![Just(DaemonState::Master), Just(DaemonState::Backup)];
    prop_oneof![
        (state.clone(), 0u32..3).prop_map(|(state, sync_id)| Op::StartDaemon(SyncDaemon {
            state,
            mcast_ifn: "dummy0".into(),
            sync_id,
            sync_maxlen: None,
            mcast_group: None,
            mcast_port: None,
            mcast_ttl: None,
        })),
        (state, 0u32..3).prop_map(|(state, id)| Op::StopDaemon(state, id)),
    ]
}

/// One operation of any kind, aimed at a small pool of keys so most hit existing entries.
fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => service_config().prop_map(Op::AddService),
        2 => service_config().prop_map(Op::EditService),
        1 => vm_tables::service_key().prop_map(Op::DelService),
        6 => service_and_dest().prop_map(|(s, d)| Op::AddDest(s, d)),
        2 => service_and_dest().prop_map(|(s, d)| Op::EditDest(s, d)),
        2 => service_and_dest().prop_map(|(s, d)| Op::DelDest(s, d.key)),
        1 => (timeout(), timeout(), timeout())
            .prop_map(|(tcp, tcp_fin, udp)| Op::SetTimeouts(TimeoutUpdate { tcp, tcp_fin, udp })),
        1 => daemon_op(),
        1 => Just(Op::Flush),
    ]
}

fn answer(r: &Result<(), Error>) -> Result<(), String> {
    r.as_ref().map(|_| ()).map_err(|e| match e.errno() {
        Some(errno) => format!("errno {errno}"),
        None => e.to_string(),
    })
}

/// Daemons reduced to what the caller chose (the kernel fills in defaults when dumping).
fn daemons(list: &[SyncDaemon]) -> Vec<(DaemonState, String, u32)> {
    let mut v: Vec<_> = list
        .iter()
        .map(|d| (d.state, d.mcast_ifn.clone(), d.sync_id))
        .collect();
    v.sort();
    v
}

/// `SET_CONFIG` values the model does not treat as the kernel does (listed in
/// scripts/vm/README.md for the crate's owner): 0 leaves a timeout as it is, and one above
/// INT_MAX / HZ is refused with EINVAL. After one of these the case ends: the two may now hold
/// different timeouts.
fn timeout_gap(op: &Op) -> bool {
    match op {
        Op::SetTimeouts(t) => [t.tcp, t.tcp_fin, t.udp]
            .into_iter()
            .flatten()
            .any(|v| v == 0 || v > 8_589_934),
        _ => false,
    }
}

#[test]
fn memory_model_answers_like_the_kernel() {
    if vm_support::skip_outside_vm("memory_model_answers_like_the_kernel") {
        return;
    }
    let mut runner = TestRunner::new(vm_tables::config(32));
    runner
        .run(&prop::collection::vec(op(), 1..30), |ops| {
            let mut k = Kernel::take();
            let mut model = MemoryIpvs::new();
            for (i, op) in ops.iter().enumerate() {
                vm_support::trace(&format!("step {i}: {op:?}"));
                let real = answer(&k.client.execute(op));
                let modelled = answer(&model.execute(op));
                if timeout_gap(op) {
                    // The two may now hold different timeouts; nothing after this compares.
                    return Ok(());
                }
                prop_assert_eq!(
                    &modelled,
                    &real,
                    "step {}: {} ({:?}): model vs kernel",
                    i,
                    op,
                    op
                );
                let kernel_table = flat(&Table::from_dump(k.client.table().unwrap()));
                prop_assert_eq!(
                    flat(&model.snapshot()),
                    kernel_table,
                    "step {}: {}: tables differ",
                    i,
                    op
                );
            }
            prop_assert_eq!(model.timeouts(), k.client.timeouts().unwrap(), "timeouts");
            prop_assert_eq!(
                daemons(model.daemons()),
                daemons(&k.client.daemons().unwrap()),
                "sync daemons"
            );
            Ok(())
        })
        .unwrap();
}
