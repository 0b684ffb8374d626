//! The state machine handling one advert: a backup receiving its master's advert
//! (validation, classification, re-arming the master-down timer), and a master answering
//! a lower-priority advert (which also builds and emits an advert of its own).

use std::hint::black_box;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use keepalive_vrrp::rx::RxMeta;
use keepalive_vrrp::{Action, Instance, InstanceConfig, Priority};

fn config(host: u8, priority: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new("VI_1", 51, IpAddr::from([192, 0, 2, host]));
    c.vips.push(IpAddr::from([192, 0, 2, 100]));
    c.priority = Priority(priority);
    c
}

/// The first advert an instance at `host` sends when it becomes master.
fn advert(host: u8, priority: u8, t0: Instant) -> Vec<u8> {
    let mut peer = Instance::new(config(host, priority), t0, 1);
    let at = peer.poll_timeout().unwrap();
    peer.handle_timeout(at);
    std::iter::from_fn(|| peer.poll_action())
        .find_map(|a| match a {
            Action::SendAdvert { bytes, .. } => Some(bytes),
            _ => None,
        })
        .unwrap()
}

fn bench(c: &mut Criterion) {
    let t0 = Instant::now();
    let meta = RxMeta {
        src: IpAddr::from([192, 0, 2, 2]),
        dst: None,
        ttl_or_hop_limit: Some(255),
        ifindex: 1,
    };

    let from_master = advert(2, 200, t0);
    let mut backup = Instance::new(config(1, 100), t0, 2);
    while backup.poll_action().is_some() {}
    let mut now = t0;
    c.bench_function("backup handles master advert", |b| {
        b.iter(|| {
            now += Duration::from_micros(1);
            backup
                .handle_packet(now, black_box(&from_master), &meta)
                .unwrap();
            while let Some(a) = backup.poll_action() {
                black_box(a);
            }
        })
    });

    let from_lower = advert(2, 50, t0);
    let mut master = Instance::new(config(1, 100), t0, 3);
    let at = master.poll_timeout().unwrap();
    master.handle_timeout(at);
    while master.poll_action().is_some() {}
    let mut config_quiet = config(1, 100);
    config_quiet.lower_prio_no_advert = true;
    config_quiet.garp.lower_prio_repeat = 0;
    let mut quiet = Instance::new(config_quiet, t0, 4);
    quiet.handle_timeout(at);
    while quiet.poll_action().is_some() {}
    let mut now = at;
    c.bench_function("master answers lower-priority advert", |b| {
        b.iter(|| {
            now += Duration::from_micros(1);
            master
                .handle_packet(now, black_box(&from_lower), &meta)
                .unwrap();
            while let Some(a) = master.poll_action() {
                black_box(a);
            }
        })
    });
    c.bench_function(
        "master ignores lower-priority advert (lower_prio_no_advert)",
        |b| {
            b.iter(|| {
                now += Duration::from_micros(1);
                quiet
                    .handle_packet(now, black_box(&from_lower), &meta)
                    .unwrap();
                while let Some(a) = quiet.poll_action() {
                    black_box(a);
                }
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
