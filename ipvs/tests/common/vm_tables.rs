//! Proptest strategies for whole IPVS tables the kernel accepts, and the comparison of a
//! desired table with the kernel's dump, for the `vm_*` tests.
//!
//! Keys come from small pools (a few addresses, ports and marks) so that two generated tables
//! overlap: a transition then exercises edits and partial deletions, not only adds and deletes.
#![allow(dead_code)] // each test binary uses its own subset

use keepalive_ipvs::reconcile::{RealServerSpec, Table, VirtualServerSpec};
use keepalive_ipvs::{
    AddressFamily, DestConfig, DestKey, ForwardMethod, Protocol, ServiceConfig, ServiceFlags,
    ServiceKey, Tunnel, TunnelFlags, TunnelType,
};
use proptest::prelude::*;
use proptest::test_runner::Config;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Schedulers Debian's 6.1 kernel ships (the VM loads every one).
pub const SCHEDULERS: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
];

/// Proptest settings for tests that talk to the kernel: `PROPTEST_CASES` or `default_cases`,
/// no regression files (the VM has no source tree to write them beside), bounded shrinking.
pub fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        failure_persistence: None,
        max_shrink_time: 120_000,
        ..Config::default()
    }
}

fn protocol() -> impl Strategy<Value = Protocol> {
    prop_oneof![
        Just(Protocol::Tcp),
        Just(Protocol::Udp),
        Just(Protocol::Sctp)
    ]
}

fn family() -> impl Strategy<Value = AddressFamily> {
    prop_oneof![Just(AddressFamily::Inet), Just(AddressFamily::Inet6)]
}

/// Service keys from a pool of 4 IPv4 and 3 IPv6 addresses, 2 ports, 3 protocols, and marks 1-4.
pub fn service_key() -> impl Strategy<Value = ServiceKey> {
    let port = prop::sample::select(vec![80u16, 443]);
    prop_oneof![
        (protocol(), 20u8..24, port.clone()).prop_map(|(protocol, h, port)| ServiceKey::Addr {
            protocol,
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, h)),
            port,
        }),
        (protocol(), 0x20u16..0x23, port).prop_map(|(protocol, h, port)| ServiceKey::Addr {
            protocol,
            addr: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, h)),
            port,
        }),
        (family(), 1u32..=4).prop_map(|(af, mark)| ServiceKey::Fwmark { af, mark }),
    ]
}

fn forward_method() -> impl Strategy<Value = ForwardMethod> {
    let csum = prop_oneof![
        Just(TunnelFlags::NOCSUM),
        Just(TunnelFlags::CSUM),
        Just(TunnelFlags::REMCSUM)
    ];
    prop_oneof![
        Just(ForwardMethod::Masq),
        Just(ForwardMethod::Route),
        Just(ForwardMethod::Tunnel(Tunnel::default())),
        (6080u16..6083, csum.clone()).prop_map(|(port, flags)| ForwardMethod::Tunnel(Tunnel {
            kind: TunnelType::Gue,
            port,
            flags,
        })),
        csum.prop_map(|flags| ForwardMethod::Tunnel(Tunnel {
            kind: TunnelType::Gre,
            port: 0,
            flags,
        })),
    ]
}

/// A real server of the service's family from a pool of 6 addresses and 2 ports.
pub fn real_server(af: AddressFamily, svc_port: u16) -> impl Strategy<Value = RealServerSpec> {
    let port = if svc_port == 0 { 80 } else { svc_port };
    (
        1u8..7,
        prop::sample::select(vec![port, 8080]),
        forward_method(),
        0i32..=100,
        0u32..=1000,
        any::<u32>(),
    )
        .prop_map(move |(h, port, fwd, weight, u, l)| {
            let addr = match af {
                AddressFamily::Inet => IpAddr::V4(Ipv4Addr::new(203, 0, 113, h)),
                AddressFamily::Inet6 => {
                    IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 5, 0, 0, 0, 0, h.into()))
                }
            };
            RealServerSpec {
                addr,
                port,
                fwd,
                weight,
                u_threshold: u,
                // The kernel refuses a lower threshold above the upper one.
                l_threshold: l % (u + 1),
            }
        })
}

/// A virtual server with up to `max_reals` real servers, every option the kernel accepts.
pub fn virtual_server(max_reals: usize) -> impl Strategy<Value = VirtualServerSpec> {
    service_key().prop_flat_map(move |key| {
        let (af, port, udp) = match key {
            ServiceKey::Addr {
                addr,
                port,
                protocol,
            } => (AddressFamily::of(&addr), port, protocol == Protocol::Udp),
            ServiceKey::Fwmark { af, .. } => (af, 0, false),
        };
        let netmask = match af {
            AddressFamily::Inet => prop::option::of((8u32..=32).prop_map(|p| {
                // A /p mask as the host-order u32 the API takes.
                u32::MAX.checked_shl(32 - p).unwrap_or(0)
            }))
            .boxed(),
            AddressFamily::Inet6 => prop::option::of(32u32..=128).boxed(),
        };
        (
            prop::sample::select(SCHEDULERS),
            prop::option::of(1u32..=3600),
            any::<bool>(),
            0u32..4,
            netmask,
            any::<bool>(),
            prop::collection::vec(real_server(af, port), 0..=max_reals),
        )
            .prop_map(
                move |(sched, persist, ops, sched_flags, netmask, sip, reals)| {
                    let mut flags = ServiceFlags::default();
                    if persist.is_some() {
                        flags = flags | ServiceFlags::PERSISTENT;
                    }
                    if ops && udp {
                        flags = flags | ServiceFlags::ONEPACKET;
                    }
                    if sched == "sh" || sched == "mh" {
                        flags = flags | ServiceFlags(sched_flags * ServiceFlags::SCHED1.0);
                    }
                    let mut by_key = BTreeMap::new();
                    for r in reals {
                        by_key.insert((r.addr, r.port), r);
                    }
                    VirtualServerSpec {
                        key,
                        scheduler: sched.to_string(),
                        flags,
                        timeout: persist.unwrap_or(0),
                        netmask,
                        pe_name: (sip && udp && persist.is_some()).then(|| "sip".to_string()),
                        reals: by_key.into_values().collect(),
                    }
                },
            )
    })
}

/// Up to `max_services` virtual servers with distinct keys.
pub fn table(
    max_services: usize,
    max_reals: usize,
) -> impl Strategy<Value = Vec<VirtualServerSpec>> {
    prop::collection::vec(virtual_server(max_reals), 0..=max_services).prop_map(|v| {
        let mut by_key = BTreeMap::new();
        for vs in v {
            by_key.insert(vs.key, vs);
        }
        by_key.into_values().collect()
    })
}

/// A table reduced to what user space sets, for exact comparison: service configs with only
/// the user flags (the kernel adds `HASHED`), destinations by key.
pub type Flat = BTreeMap<ServiceKey, (ServiceConfig, BTreeMap<DestKey, DestConfig>)>;

/// Flattens a reconciler [`Table`] (desired, or from a kernel dump).
pub fn flat(t: &Table) -> Flat {
    t.services
        .iter()
        .map(|(k, e)| {
            let mut c = e.config.clone();
            c.flags = c.flags.user();
            (*k, (c, e.dests.clone()))
        })
        .collect()
}
