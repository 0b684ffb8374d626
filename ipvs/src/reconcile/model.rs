//! An in-memory IPVS table that enforces the rules of `net/netfilter/ipvs/ip_vs_ctl.c` the
//! reconciler depends on, so plans can be applied and checked without a kernel.
//!
//! Checks run in the kernel's order, so a request wrong in two ways gets the kernel's errno:
//! a service is looked up before its scheduler or persistence engine is (`EEXIST`/`ESRCH` win
//! over `ENOENT`); a destination's service is looked up first (`ESRCH`), then its family
//! (`EINVAL`), weight and thresholds (`ERANGE`), then the destination itself (`EEXIST`/`ENOENT`).
//! `ipvs/tests/vm_model.rs` replays random operations on both and compares.

use super::backend::IpvsBackend;
use super::table::{Table, TableEntry};
use crate::error::{KernelReason, Operation};
use crate::types::{
    AddressFamily, DaemonState, Dest, DestConfig, DestKey, ForwardMethod, Service, ServiceConfig,
    ServiceFlags, ServiceKey, Stats, SyncDaemon, TimeoutUpdate, Timeouts,
};
use crate::Error;
use std::collections::BTreeMap;

/// Schedulers the model "has loaded"; any other name fails like a missing module (ENOENT).
pub const KNOWN_SCHEDULERS: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos",
    "none",
];

/// An in-memory kernel.
#[derive(Debug, Clone)]
pub struct MemoryIpvs {
    services: BTreeMap<ServiceKey, TableEntry>,
    daemons: Vec<SyncDaemon>,
    timeouts: Timeouts,
    faults: Vec<(Operation, i32)>,
    /// Every operation executed successfully, in order.
    pub log: Vec<Operation>,
}

impl Default for MemoryIpvs {
    fn default() -> Self {
        MemoryIpvs {
            services: BTreeMap::new(),
            daemons: Vec::new(),
            // The kernel's defaults: 15 min, 2 min, 5 min.
            timeouts: Timeouts {
                tcp: 900,
                tcp_fin: 120,
                udp: 300,
            },
            faults: Vec::new(),
            log: Vec::new(),
        }
    }
}

impl MemoryIpvs {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the next `op` fail once with `errno`, for partial-failure tests.
    pub fn fail_once(&mut self, op: Operation, errno: i32) {
        self.faults.push((op, errno));
    }

    /// The table as the reconciler sees it.
    pub fn snapshot(&self) -> Table {
        Table {
            services: self.services.clone(),
        }
    }

    /// Running daemons.
    pub fn daemons(&self) -> &[SyncDaemon] {
        &self.daemons
    }

    /// Current timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    fn check(&mut self, op: &Operation) -> Result<(), Error> {
        if let Some(i) = self.faults.iter().position(|(o, _)| o == op) {
            let (op, errno) = self.faults.remove(i);
            return Err(Error::kernel(op, errno));
        }
        Ok(())
    }

    fn refuse(op: Operation, reason: KernelReason) -> Error {
        Error::Kernel {
            errno: reason.errno(),
            op,
            reason,
        }
    }

    fn check_service(op: &Operation, s: &ServiceConfig) -> Result<(), Error> {
        if !KNOWN_SCHEDULERS.contains(&s.scheduler.as_str()) {
            return Err(Self::refuse(
                op.clone(),
                KernelReason::SchedulerOrPeNotFound,
            ));
        }
        if let Some(pe) = &s.pe_name {
            if pe != "sip" {
                return Err(Self::refuse(
                    op.clone(),
                    KernelReason::SchedulerOrPeNotFound,
                ));
            }
        }
        if s.key.af() == AddressFamily::Inet6 && !(1..=128).contains(&s.netmask) {
            return Err(Self::refuse(op.clone(), KernelReason::InvalidArgument));
        }
        Ok(())
    }

    fn check_dest(op: &Operation, svc: &ServiceKey, d: &DestConfig) -> Result<(), Error> {
        let mixed = AddressFamily::of(&d.key.addr) != svc.af();
        if mixed && !matches!(d.fwd, ForwardMethod::Tunnel(_)) {
            return Err(Self::refuse(op.clone(), KernelReason::InvalidArgument));
        }
        if d.weight < 0 || d.l_threshold > d.u_threshold {
            return Err(Self::refuse(op.clone(), KernelReason::OutOfRange));
        }
        Ok(())
    }

    fn stored(s: &ServiceConfig) -> ServiceConfig {
        let mut s = s.clone();
        // The kernel marks every service it hashes.
        s.flags = s.flags.user() | ServiceFlags::HASHED;
        s
    }
}

impl IpvsBackend for MemoryIpvs {
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> {
        Ok(self.daemons.clone())
    }

    fn table(&mut self) -> Result<Vec<(Service, Vec<Dest>)>, Error> {
        Ok(self
            .services
            .values()
            .map(|e| {
                let svc = Service {
                    config: e.config.clone(),
                    stats: Stats::default(),
                };
                let dests = e
                    .dests
                    .values()
                    .map(|d| Dest {
                        config: *d,
                        active_conns: 0,
                        inactive_conns: 0,
                        persistent_conns: 0,
                        stats: Stats::default(),
                    })
                    .collect();
                (svc, dests)
            })
            .collect())
    }

    fn add_service(&mut self, svc: &ServiceConfig) -> Result<(), Error> {
        let op = Operation::AddService(svc.key);
        self.check(&op)?;
        if self.services.contains_key(&svc.key) {
            return Err(Self::refuse(op, KernelReason::ServiceExists));
        }
        Self::check_service(&op, svc)?;
        self.services.insert(
            svc.key,
            TableEntry {
                config: Self::stored(svc),
                dests: BTreeMap::new(),
            },
        );
        self.log.push(op);
        Ok(())
    }

    fn edit_service(&mut self, svc: &ServiceConfig) -> Result<(), Error> {
        let op = Operation::EditService(svc.key);
        self.check(&op)?;
        if !self.services.contains_key(&svc.key) {
            return Err(Self::refuse(op, KernelReason::NoSuchService));
        }
        Self::check_service(&op, svc)?;
        match self.services.get_mut(&svc.key) {
            None => Err(Self::refuse(op, KernelReason::NoSuchService)),
            Some(e) => {
                e.config = Self::stored(svc);
                self.log.push(op);
                Ok(())
            }
        }
    }

    fn del_service(&mut self, key: &ServiceKey) -> Result<(), Error> {
        let op = Operation::DelService(*key);
        self.check(&op)?;
        match self.services.remove(key) {
            None => Err(Self::refuse(op, KernelReason::NoSuchService)),
            Some(_) => {
                self.log.push(op);
                Ok(())
            }
        }
    }

    fn add_dest(&mut self, svc: &ServiceKey, dest: &DestConfig) -> Result<(), Error> {
        let op = Operation::AddDest(*svc, dest.key);
        self.check(&op)?;
        let Some(e) = self.services.get_mut(svc) else {
            return Err(Self::refuse(op, KernelReason::NoSuchService));
        };
        Self::check_dest(&op, svc, dest)?;
        if e.dests.contains_key(&dest.key) {
            return Err(Self::refuse(op, KernelReason::DestExists));
        }
        e.dests.insert(dest.key, *dest);
        self.log.push(op);
        Ok(())
    }

    fn edit_dest(&mut self, svc: &ServiceKey, dest: &DestConfig) -> Result<(), Error> {
        let op = Operation::EditDest(*svc, dest.key);
        self.check(&op)?;
        let Some(e) = self.services.get_mut(svc) else {
            return Err(Self::refuse(op, KernelReason::NoSuchService));
        };
        Self::check_dest(&op, svc, dest)?;
        match e.dests.get_mut(&dest.key) {
            None => Err(Self::refuse(op, KernelReason::NoSuchDest)),
            Some(d) => {
                *d = *dest;
                self.log.push(op);
                Ok(())
            }
        }
    }

    fn del_dest(&mut self, svc: &ServiceKey, dest: &DestKey) -> Result<(), Error> {
        let op = Operation::DelDest(*svc, *dest);
        self.check(&op)?;
        let Some(e) = self.services.get_mut(svc) else {
            return Err(Self::refuse(op, KernelReason::NoSuchService));
        };
        match e.dests.remove(dest) {
            None => Err(Self::refuse(op, KernelReason::NoSuchDest)),
            Some(_) => {
                self.log.push(op);
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.check(&Operation::Flush)?;
        self.services.clear();
        self.log.push(Operation::Flush);
        Ok(())
    }

    fn set_timeouts(&mut self, t: &TimeoutUpdate) -> Result<(), Error> {
        self.check(&Operation::SetTimeouts)?;
        if let Some(v) = t.tcp {
            self.timeouts.tcp = v;
        }
        if let Some(v) = t.tcp_fin {
            self.timeouts.tcp_fin = v;
        }
        if let Some(v) = t.udp {
            self.timeouts.udp = v;
        }
        self.log.push(Operation::SetTimeouts);
        Ok(())
    }

    fn start_daemon(&mut self, d: &SyncDaemon) -> Result<(), Error> {
        let op = Operation::StartDaemon(d.state);
        self.check(&op)?;
        if self.daemons.iter().any(|r| r.state == d.state) {
            return Err(Self::refuse(op, KernelReason::DaemonRunning));
        }
        self.daemons.push(d.clone());
        self.log.push(op);
        Ok(())
    }

    fn stop_daemon(&mut self, state: DaemonState, _sync_id: u32) -> Result<(), Error> {
        let op = Operation::StopDaemon(state);
        self.check(&op)?;
        let before = self.daemons.len();
        self.daemons.retain(|d| d.state != state);
        if self.daemons.len() == before {
            return Err(Self::refuse(op, KernelReason::NoDaemon));
        }
        self.log.push(op);
        Ok(())
    }
}

impl MemoryIpvs {
    /// Puts a daemon in place as if an earlier process had started it.
    pub fn start_daemon_for_test(&mut self, d: SyncDaemon) {
        self.daemons.push(d);
    }

    /// Puts a service in place as if another tool (or an earlier run) had added it.
    pub fn insert_foreign(&mut self, svc: ServiceConfig, dests: Vec<DestConfig>) {
        self.services.insert(
            svc.key,
            TableEntry {
                config: Self::stored(&svc),
                dests: dests.into_iter().map(|d| (d.key, d)).collect(),
            },
        );
    }
}
