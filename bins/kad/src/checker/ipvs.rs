//! The pool's desired table, programmed into IPVS with keepalive-ipvs's [`Reconciler`].
//!
//! The pool speaks in configured virtual servers; the kernel in services. Each virtual server
//! is expanded into its kernel services by keepalive-ipvs's `from_config` (one per group
//! entry), and the pool's destinations are placed into each of them with the port and method
//! `from_config` computed for that service.
//!
//! Without IPVS in the kernel (no `ip_vs` module, as on this host), keepalived logs
//! `IPVS: Can't initialize ipvs: ...` and exits; kad logs the same line and keeps checking, so
//! real-server state changes still reach the log, the notify scripts and the FIFOs.

use keepalive_checkers::{DesiredVirtual, VirtualServerConfig};
use keepalive_ipvs::reconcile::{Desired, LvsSettings, Reconciler, VirtualServerSpec};
use keepalive_ipvs::IpvsClient;

use super::mapping::Plan;

/// The IPVS side of the checker process.
#[derive(Debug)]
pub struct Ipvs {
    client: Option<IpvsClient>,
    reconciler: Reconciler,
}

/// keepalived prints libipvs's `strerror(errno)`; ENOENT is what a kernel without the IPVS
/// generic netlink family gives it.
fn init_error(e: &keepalive_ipvs::Error) -> String {
    match e {
        keepalive_ipvs::Error::FamilyNotFound => "No such file or directory".into(),
        other => other.to_string(),
    }
}

/// Why the IPVS socket could not be opened in `net_namespace_ipvs`.
#[derive(Debug, thiserror::Error)]
enum NetnsError {
    /// The namespace file could not be opened.
    #[error("Failed to open namespace fds, errno {errno} ({})", strerror(*.errno))]
    Open {
        /// The errno.
        errno: i32,
        /// The error.
        source: std::io::Error,
    },
    /// `setns` failed.
    #[error("Open socket - unable to set namespace, errno {errno} ({})", strerror(*.errno))]
    Setns {
        /// The errno.
        errno: i32,
        /// The error.
        source: std::io::Error,
    },
    /// The helper thread died.
    #[error("namespace thread failed")]
    Thread,
}

/// C's `strerror`, as keepalived's `%m`.
fn strerror(errno: i32) -> String {
    nix::errno::Errno::from_raw(errno).desc().to_string()
}

/// keepalived's `open_ipvs_namespace`: a named namespace of `ip netns`, or with an empty name
/// the initial one (PID 1's).
fn netns_path(name: &str) -> String {
    if name.is_empty() {
        "/proc/1/ns/net".into()
    } else {
        format!("/var/run/netns/{name}")
    }
}

/// Enter the network namespace open at `fd` (this thread only).
fn setns_net(fd: &std::fs::File) -> std::io::Result<()> {
    nix::sched::setns(fd, nix::sched::CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)
}

/// The IPVS client, its netlink socket opened in `netns` (`net_namespace_ipvs`) when given:
/// a short-lived thread enters the namespace and connects; a socket keeps the namespace it
/// was created in, so the rest of the process stays where it is.
fn connect(netns: Option<&str>) -> Result<IpvsClient, String> {
    let Some(name) = netns else {
        return IpvsClient::connect().map_err(|e| init_error(&e));
    };
    let path = netns_path(name);
    let joined = std::thread::spawn(move || -> Result<Result<IpvsClient, String>, NetnsError> {
        let f = std::fs::File::open(&path).map_err(|source| NetnsError::Open {
            errno: source.raw_os_error().unwrap_or(0),
            source,
        })?;
        setns_net(&f).map_err(|source| NetnsError::Setns {
            errno: source.raw_os_error().unwrap_or(0),
            source,
        })?;
        Ok(IpvsClient::connect().map_err(|e| init_error(&e)))
    })
    .join();
    match joined {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            log_info!("{e}");
            Err(strerror(match e {
                NetnsError::Open { errno, .. } | NetnsError::Setns { errno, .. } => errno,
                NetnsError::Thread => libc::EIO,
            }))
        }
        Err(_) => Err(NetnsError::Thread.to_string()),
    }
}

impl Ipvs {
    /// Connect to IPVS (keepalived's `ipvs_start`), in `net_namespace_ipvs` if set, and
    /// apply `lvs_flush`/`lvs_timeouts`.
    pub fn start(settings: LvsSettings, netns: Option<&str>) -> Ipvs {
        log_debug!("Initializing ipvs");
        let mut reconciler = Reconciler::new(settings);
        let client = match connect(netns) {
            Ok(mut c) => {
                let report = reconciler.start(&mut c);
                for (op, e) in &report.failed {
                    log_err!("IPVS: {op:?}: {e}");
                }
                Some(c)
            }
            Err(e) => {
                log_info!("IPVS: Can't initialize ipvs: {e}");
                log_warn!(
                    "kad: IPVS unavailable; health checks keep running and report state changes only"
                );
                None
            }
        };
        Ipvs { client, reconciler }
    }

    /// The kernel's table with its counters (`ipvsadm -Ln --stats`), for the metrics; `None`
    /// without IPVS or when the dump fails.
    pub fn table(&mut self) -> Option<Vec<(keepalive_ipvs::Service, Vec<keepalive_ipvs::Dest>)>> {
        self.client.as_mut()?.table().ok()
    }

    /// New global LVS settings after a reload.
    pub fn set_settings(&mut self, settings: LvsSettings) {
        self.reconciler.set_settings(settings);
    }

    /// Program `desired` (the pool's table for `plan`, whose virtual servers `vss` the pool
    /// owns).
    pub fn apply(&mut self, vss: &[VirtualServerConfig], plan: &Plan, desired: &[DesiredVirtual]) {
        let Some(client) = self.client.as_mut() else {
            return;
        };
        let specs = kernel_specs(vss, plan, desired);
        let desired = match Desired::new(specs) {
            Ok(d) => d,
            Err(e) => {
                log_err!("IPVS: invalid table: {e}");
                return;
            }
        };
        match self.reconciler.reconcile(client, &desired) {
            Ok(report) => {
                for (_, e) in &report.failed {
                    log_err!("IPVS: {e}");
                }
                if !report.failed.is_empty() {
                    self.reconciler.invalidate();
                }
            }
            Err(e) => {
                log_err!("IPVS: cannot read the table: {e}");
                self.reconciler.invalidate();
            }
        }
    }

    /// Remove what kad installed (keepalived's `clear_services` at shutdown).
    pub fn stop(&mut self) {
        if let Some(c) = self.client.as_mut() {
            let report = self.reconciler.stop(c);
            for (_, e) in &report.failed {
                log_err!("IPVS: {e}");
            }
        }
    }
}

/// The kernel services for the pool's desired table: for each virtual server present, each
/// of its kernel services with the destinations the pool wants, at the pool's weights.
pub fn kernel_specs(
    vss: &[VirtualServerConfig],
    plan: &Plan,
    desired: &[DesiredVirtual],
) -> Vec<VirtualServerSpec> {
    let mut out = Vec::new();
    let mut hint = 0;
    for d in desired {
        let Some(v) = vs_index(vss, d, hint) else {
            continue;
        };
        hint = v + 1;
        let cfg = &vss[v];
        // By address and port, so a virtual server of N real servers costs O(N), not O(N²).
        let index: std::collections::HashMap<(std::net::IpAddr, u16), usize> = cfg
            .reals
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.addr, r.port), i))
            .collect();
        for (si, service) in plan.services[v].iter().enumerate() {
            let mut spec = VirtualServerSpec {
                reals: Vec::with_capacity(d.reals.len()),
                ..service.clone()
            };
            for want in &d.reals {
                let real = index
                    .get(&(want.addr, want.port))
                    .and_then(|&r| service.reals.get(r).copied());
                let dest = match real {
                    Some(r) => Some(r),
                    None => plan
                        .sorry
                        .get(v)
                        .and_then(|s| s.get(si))
                        .filter(|s| s.server.addr == want.addr)
                        .map(|s| s.server),
                };
                if let Some(mut r) = dest {
                    r.weight = want.weight;
                    spec.reals.push(r);
                }
            }
            out.push(spec);
        }
    }
    out
}

/// The plan's index of a desired virtual server. The pool lists them in plan order, so the
/// one after the previous match is tried first and the search is linear only when it misses.
fn vs_index(vss: &[VirtualServerConfig], d: &DesiredVirtual, hint: usize) -> Option<usize> {
    if vss.get(hint).is_some_and(|c| c.key == d.key) {
        return Some(hint);
    }
    vss.iter().position(|c| c.key == d.key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::mapping;
    use keepalive_checkers::{CheckResult, Pool};
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;
    use keepalive_ipvs::reconcile::MemoryIpvs;

    #[test]
    fn pool_table_reaches_the_memory_kernel() {
        let loaded = load_str(
            "t.conf",
            "virtual_server 192.0.2.1 80 {\n protocol TCP\n lvs_method DR\n\
             sorry_server 192.0.2.99 80\n\
             real_server 192.0.2.10 80 {\n weight 2\n TCP_CHECK {\n }\n }\n\
             real_server 192.0.2.11 80 {\n TCP_CHECK {\n }\n }\n}\n",
            &Options::default(),
        );
        let plan = mapping::plan(&loaded.config).unwrap();
        let mut pool = Pool::new(plan.vss.clone(), plan.settings);
        pool.start();
        let mut kernel = MemoryIpvs::new();
        let mut r = Reconciler::new(LvsSettings::default());
        let apply = |pool: &Pool, r: &mut Reconciler, k: &mut MemoryIpvs| {
            let d = Desired::new(kernel_specs(&plan.vss, &plan, &pool.desired())).unwrap();
            assert!(r.reconcile(k, &d).unwrap().is_ok());
            let t = k.snapshot();
            let mut dests: Vec<(String, i32)> = t
                .services
                .values()
                .flat_map(|e| e.dests.values().map(|d| (d.key.addr.to_string(), d.weight)))
                .collect();
            dests.sort();
            dests
        };
        assert_eq!(
            apply(&pool, &mut r, &mut kernel),
            vec![("192.0.2.10".into(), 2), ("192.0.2.11".into(), 1)]
        );
        let down = CheckResult {
            up: false,
            changed: true,
            first: true,
            weight: None,
            reason: None,
            retry_pending: false,
        };
        let vs = keepalive_checkers::VirtualServerId::new(0);
        pool.checker_result(vs.real(0).checker(0), &down);
        pool.checker_result(vs.real(1).checker(0), &down);
        assert_eq!(
            apply(&pool, &mut r, &mut kernel),
            vec![("192.0.2.99".into(), 1)]
        );
        pool.stop();
        r.stop(&mut kernel);
        assert!(kernel.snapshot().services.is_empty());
    }
}
