//! The checker process's state as [`check_mib`](super::check_mib) shows it: what the pool
//! decided, and the kernel's counters summed as keepalived's `ipvs_update_stats` sums them
//! (a virtual server over the kernel services it stands for, a real server over its
//! destinations in those services).

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use keepalive_checkers::{Pool, VirtualServerId};
use keepalive_ipvs::reconcile::VirtualServerSpec;
use keepalive_ipvs::{Dest, Service, ServiceKey, Stats};

use super::check_mib::{Counters, RealState, VirtualState};

fn add(to: &mut Stats, s: &Stats) {
    to.conns += s.conns;
    to.inpkts += s.inpkts;
    to.outpkts += s.outpkts;
    to.inbytes += s.inbytes;
    to.outbytes += s.outbytes;
    to.cps += s.cps;
    to.inpps += s.inpps;
    to.outpps += s.outpps;
    to.inbps += s.inbps;
    to.outbps += s.outbps;
}

fn add_dest(to: &mut Counters, d: &Dest) {
    add(&mut to.stats, &d.stats);
    to.active += d.active_conns;
    to.inactive += d.inactive_conns;
    to.persistent += d.persistent_conns;
}

/// Each virtual server's state: `services` are the kernel services of each (the plan's),
/// `kernel` the kernel's table (empty without IPVS), `failed` the failing checkers of each
/// (virtual, real) server.
pub fn states(
    pool: &Pool,
    services: &[Vec<VirtualServerSpec>],
    kernel: &[(Service, Vec<Dest>)],
    failed: &HashMap<(usize, usize), u32>,
) -> Vec<VirtualState> {
    let by_key: HashMap<&ServiceKey, &(Service, Vec<Dest>)> =
        kernel.iter().map(|e| (&e.0.config.key, e)).collect();
    pool.virtual_servers()
        .iter()
        .enumerate()
        .map(|(v, vs)| {
            let id = VirtualServerId::new(v);
            let keys: HashSet<&ServiceKey> = services
                .get(v)
                .map(|s| s.iter().map(|s| &s.key).collect())
                .unwrap_or_default();
            let mine: Vec<&(Service, Vec<Dest>)> =
                keys.iter().filter_map(|k| by_key.get(k).copied()).collect();
            let mut counters = Counters::default();
            for (svc, _) in &mine {
                add(&mut counters.stats, &svc.stats);
            }
            let dest = |addr: IpAddr, port: u16| {
                let mut c = Counters::default();
                for d in mine.iter().flat_map(|(_, ds)| ds) {
                    if d.config.key.addr == addr && d.config.key.port == port {
                        add_dest(&mut c, d);
                    }
                }
                c
            };
            VirtualState {
                quorum_up: pool.has_quorum(id),
                counters,
                sorry: vs
                    .sorry_server
                    .as_ref()
                    .map(|s| dest(s.addr, s.port))
                    .unwrap_or_default(),
                reals: vs
                    .reals
                    .iter()
                    .enumerate()
                    .map(|(r, rs)| RealState {
                        alive: pool.is_alive(id.real(r)),
                        weight: pool.effective_weight(id.real(r)).unwrap_or(rs.weight),
                        failed: failed.get(&(v, r)).copied().unwrap_or(0),
                        counters: dest(rs.addr, rs.port),
                    })
                    .collect(),
            }
        })
        .collect()
}
