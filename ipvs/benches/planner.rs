//! Planner cost (pure, no kernel): 10,000 virtual servers × 4 real servers planned from an empty
//! table, and re-planned after a 1 % change (100 services with one weight changed each).
use criterion::{criterion_group, criterion_main, Criterion};
use keepalive_ipvs::reconcile::{
    plan, Desired, Ownership, RealServerSpec, Table, VirtualServerSpec,
};
use keepalive_ipvs::types::{ForwardMethod, Protocol, ServiceFlags, ServiceKey};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

const SERVICES: u32 = 10_000;

fn specs(changed_every: Option<u32>) -> Vec<VirtualServerSpec> {
    (0..SERVICES)
        .map(|i| {
            // 192.0.2.0/24 × ports: stays inside the documentation range.
            let key = ServiceKey::Addr {
                protocol: Protocol::Tcp,
                addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, (i % 250) as u8 + 1)),
                port: 1000 + (i / 250) as u16,
            };
            let bump = changed_every.is_some_and(|n| i % n == 0);
            VirtualServerSpec {
                key,
                scheduler: "wlc".into(),
                flags: ServiceFlags::default(),
                timeout: 0,
                netmask: None,
                pe_name: None,
                reals: (0..4u8)
                    .map(|r| RealServerSpec {
                        addr: IpAddr::V4(Ipv4Addr::new(198, 51, 100, 10 + r)),
                        port: 80,
                        fwd: ForwardMethod::Route,
                        weight: if bump && r == 0 { 5 } else { 1 },
                        u_threshold: 0,
                        l_threshold: 0,
                    })
                    .collect(),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let desired = Desired::new(specs(None)).unwrap();
    let empty = Table::default();
    let owned = Ownership::default();
    assert_eq!(plan(desired.table(), &empty, &owned).len(), 50_000);

    let mut g = c.benchmark_group("planner");
    g.sample_size(20);
    g.bench_function("10k_services_x4_from_empty", |b| {
        b.iter(|| plan(black_box(desired.table()), black_box(&empty), &owned))
    });

    // The kernel holds `desired`; 1 % of services get a new weight on one real server.
    let current = desired.table().clone();
    let mut owned_all = Ownership::default();
    owned_all.adopt(desired.table(), &current);
    let changed = Desired::new(specs(Some(100))).unwrap();
    assert_eq!(plan(changed.table(), &current, &owned_all).len(), 100);
    g.bench_function("10k_services_x4_one_percent_change", |b| {
        b.iter(|| plan(black_box(changed.table()), black_box(&current), &owned_all))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
