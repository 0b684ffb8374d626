//! `lvs_sync_daemon <INTERFACE> [[inst] <VRRP_INSTANCE>] [id <SYNC_ID>] [maxlen <LEN>]
//! [port <PORT>] [ttl <TTL>] [group <IP ADDR>]`.
//!
//! Without an instance both a master and a backup daemon run for kad's whole life. With one, the
//! daemon follows that VRRP instance as keepalived does (`ipvs_syncd_master`/`_backup`): a backup
//! daemon while the instance is BACKUP (or FAULT, or starting), and on becoming MASTER the backup
//! daemon is stopped and a master daemon started; leaving MASTER does the reverse. At startup any
//! daemon left by an earlier run is stopped first; at shutdown the running one is stopped.
//!
//! The controller is pure: it returns [`Op`]s for [`super::apply`], which sends a stop only for a
//! daemon that runs (so the leftover-clearing stops at startup cost no kernel error).

use super::plan::Op;
use crate::types::{DaemonState, SyncDaemon};
use std::net::IpAddr;

/// The `lvs_sync_daemon` keyword, as the daemon parses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncDaemonSpec {
    /// `<INTERFACE>`.
    pub ifname: String,
    /// `inst <VRRP_INSTANCE>`.
    pub vrrp_instance: Option<String>,
    /// `id <SYNC_ID>`; keepalived's default is the instance's VRID, or 0 without an instance —
    /// the daemon resolves it.
    pub sync_id: u32,
    /// `maxlen <LEN>`.
    pub maxlen: Option<u16>,
    /// `port <PORT>`.
    pub port: Option<u16>,
    /// `ttl <TTL>`.
    pub ttl: Option<u8>,
    /// `group <IP ADDR>`.
    pub group: Option<IpAddr>,
}

impl SyncDaemonSpec {
    /// The daemon to start in `state`.
    pub fn daemon(&self, state: DaemonState) -> SyncDaemon {
        SyncDaemon {
            state,
            mcast_ifn: self.ifname.clone(),
            sync_id: self.sync_id,
            sync_maxlen: self.maxlen,
            mcast_group: self.group,
            mcast_port: self.port,
            mcast_ttl: self.ttl,
        }
    }
}

/// The state of the tracked VRRP instance, as the VRRP side reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VrrpRole {
    /// MASTER.
    Master,
    /// BACKUP (or INIT).
    Backup,
    /// FAULT.
    Fault,
}

/// Which sync daemons should run, given the tracked instance's state.
#[derive(Debug, Clone)]
pub struct SyncDaemonControl {
    spec: SyncDaemonSpec,
    running: Vec<DaemonState>,
}

impl SyncDaemonControl {
    /// A controller with nothing running.
    pub fn new(spec: SyncDaemonSpec) -> Self {
        SyncDaemonControl {
            spec,
            running: Vec::new(),
        }
    }

    /// The configuration.
    pub fn spec(&self) -> &SyncDaemonSpec {
        &self.spec
    }

    /// Daemons this controller has started and not stopped.
    pub fn running(&self) -> &[DaemonState] {
        &self.running
    }

    fn stop(&mut self, state: DaemonState) -> Op {
        self.running.retain(|s| *s != state);
        Op::StopDaemon(state, self.spec.sync_id)
    }

    fn start(&mut self, state: DaemonState) -> Op {
        self.running.push(state);
        Op::StartDaemon(self.spec.daemon(state))
    }

    /// At startup: stop leftovers of an earlier run, then start master+backup (no instance) or
    /// backup (the instance starts in BACKUP/INIT).
    pub fn on_start(&mut self) -> Vec<Op> {
        let mut ops = vec![
            Op::StopDaemon(DaemonState::Master, self.spec.sync_id),
            Op::StopDaemon(DaemonState::Backup, self.spec.sync_id),
        ];
        self.running.clear();
        if self.spec.vrrp_instance.is_none() {
            ops.push(self.start(DaemonState::Master));
        }
        ops.push(self.start(DaemonState::Backup));
        ops
    }

    /// The VRRP side reports that `instance` is now in `role`; returns nothing unless it is the
    /// tracked instance and the wanted daemon changes.
    pub fn on_vrrp_state(&mut self, instance: &str, role: VrrpRole) -> Vec<Op> {
        if self.spec.vrrp_instance.as_deref() != Some(instance) {
            return Vec::new();
        }
        let (want, other) = match role {
            VrrpRole::Master => (DaemonState::Master, DaemonState::Backup),
            VrrpRole::Backup | VrrpRole::Fault => (DaemonState::Backup, DaemonState::Master),
        };
        if self.running == [want] {
            return Vec::new();
        }
        let mut ops = Vec::new();
        if self.running.contains(&other) {
            ops.push(self.stop(other));
        }
        if !self.running.contains(&want) {
            ops.push(self.start(want));
        }
        ops
    }

    /// At shutdown: stop whatever runs.
    pub fn on_stop(&mut self) -> Vec<Op> {
        let running = std::mem::take(&mut self.running);
        running
            .into_iter()
            .map(|s| Op::StopDaemon(s, self.spec.sync_id))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::{apply, MemoryIpvs, Ownership};

    fn spec(inst: Option<&str>) -> SyncDaemonSpec {
        SyncDaemonSpec {
            ifname: "eth0".into(),
            vrrp_instance: inst.map(String::from),
            sync_id: 51,
            maxlen: Some(1472),
            port: Some(8848),
            ttl: Some(1),
            group: Some("224.0.0.81".parse().unwrap()),
        }
    }

    fn states(k: &MemoryIpvs) -> Vec<DaemonState> {
        let mut v: Vec<_> = k.daemons().iter().map(|d| d.state).collect();
        v.sort();
        v
    }

    #[test]
    fn without_instance_both_run_until_stop() {
        let mut k = MemoryIpvs::new();
        let mut own = Ownership::default();
        let mut c = SyncDaemonControl::new(spec(None));
        let r = apply(&mut k, &c.on_start(), &mut own);
        assert!(r.is_ok(), "{r}");
        assert_eq!(states(&k), [DaemonState::Master, DaemonState::Backup]);
        assert!(c.on_vrrp_state("VI_1", VrrpRole::Master).is_empty());
        apply(&mut k, &c.on_stop(), &mut own);
        assert!(k.daemons().is_empty());
    }

    #[test]
    fn follows_instance_master_backup_fault() {
        let mut k = MemoryIpvs::new();
        let mut own = Ownership::default();
        // A daemon left by a crashed earlier run.
        k.start_daemon_for_test(spec(None).daemon(DaemonState::Master));
        let mut c = SyncDaemonControl::new(spec(Some("VI_1")));
        let r = apply(&mut k, &c.on_start(), &mut own);
        assert!(r.is_ok(), "{r}");
        assert_eq!(states(&k), [DaemonState::Backup]);

        assert!(c.on_vrrp_state("VI_2", VrrpRole::Master).is_empty());
        let ops = c.on_vrrp_state("VI_1", VrrpRole::Master);
        assert_eq!(ops.len(), 2);
        assert!(apply(&mut k, &ops, &mut own).is_ok());
        assert_eq!(states(&k), [DaemonState::Master]);
        assert_eq!(k.daemons()[0].sync_id, 51);
        assert!(c.on_vrrp_state("VI_1", VrrpRole::Master).is_empty());

        let ops = c.on_vrrp_state("VI_1", VrrpRole::Fault);
        assert!(apply(&mut k, &ops, &mut own).is_ok());
        assert_eq!(states(&k), [DaemonState::Backup]);
        assert!(c.on_vrrp_state("VI_1", VrrpRole::Backup).is_empty());

        apply(&mut k, &c.on_stop(), &mut own);
        assert!(k.daemons().is_empty());
    }
}
