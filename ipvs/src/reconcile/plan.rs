//! Pure planning: the fewest kernel operations that turn the current table into the desired
//! one, touching only owned entries.
//!
//! What the kernel can and cannot change in place (`ip_vs_edit_service`, `ip_vs_edit_dest`):
//! * a service's key — af, protocol, address, port, fwmark — is its hash-table identity; a
//!   changed key is a different service: the old one is deleted (if owned) and the new one added.
//!   Scheduler, flags, persistence timeout and netmask, and persistence engine are edited in place.
//! * a destination's address and port are its identity inside the service; forwarding method,
//!   tunnel options, weight and thresholds are edited in place.
//!
//! So an edit is never a delete + add, and a delete + add is only ever a key change.

use super::table::{dest_matches, service_matches, Ownership, Table};
use crate::types::{
    DaemonState, DestConfig, DestKey, ServiceConfig, ServiceKey, SyncDaemon, TimeoutUpdate,
};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

/// One kernel operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `IPVS_CMD_FLUSH`.
    Flush,
    /// `IPVS_CMD_NEW_SERVICE`.
    AddService(ServiceConfig),
    /// `IPVS_CMD_SET_SERVICE`.
    EditService(ServiceConfig),
    /// `IPVS_CMD_DEL_SERVICE` (its destinations go with it).
    DelService(ServiceKey),
    /// `IPVS_CMD_NEW_DEST`.
    AddDest(ServiceKey, DestConfig),
    /// `IPVS_CMD_SET_DEST`.
    EditDest(ServiceKey, DestConfig),
    /// `IPVS_CMD_DEL_DEST`.
    DelDest(ServiceKey, DestKey),
    /// `IPVS_CMD_SET_CONFIG`.
    SetTimeouts(TimeoutUpdate),
    /// `IPVS_CMD_NEW_DAEMON`.
    StartDaemon(SyncDaemon),
    /// `IPVS_CMD_DEL_DAEMON` with state and sync id.
    StopDaemon(DaemonState, u32),
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Flush => f.write_str("flush"),
            Op::AddService(s) => write!(f, "add service {} ({})", s.key, s.scheduler),
            Op::EditService(s) => write!(f, "edit service {} ({})", s.key, s.scheduler),
            Op::DelService(k) => write!(f, "delete service {k}"),
            Op::AddDest(s, d) => {
                write!(f, "add destination {} to {s} (weight {})", d.key, d.weight)
            }
            Op::EditDest(s, d) => {
                write!(f, "edit destination {} of {s} (weight {})", d.key, d.weight)
            }
            Op::DelDest(s, d) => write!(f, "delete destination {d} from {s}"),
            Op::SetTimeouts(_) => f.write_str("set timeouts"),
            Op::StartDaemon(d) => write!(f, "start {} sync daemon on {}", d.state, d.mcast_ifn),
            Op::StopDaemon(st, _) => write!(f, "stop {st} sync daemon"),
        }
    }
}

/// Computes the operations that make the owned part of `current` equal to `desired`.
///
/// Order: deletions of owned services gone from the configuration, deletions of owned
/// destinations gone from kept services, service edits, service additions each followed by its
/// destinations, destination edits, destination additions. Entries not in `owned` and not
/// desired are never touched; a desired entry that exists but is not owned is edited as needed
/// (adopt it with [`Ownership::adopt`]).
pub fn plan(desired: &Table, current: &Table, owned: &Ownership) -> Vec<Op> {
    let mut del_svc = Vec::new();
    let mut del_dest = Vec::new();
    let mut edit_svc = Vec::new();
    let mut add = Vec::new();
    let mut edit_dest = Vec::new();
    let mut add_dest = Vec::new();

    // Both tables are sorted by key: one merge pass, no lookups.
    for (key, want, cur) in merge(&desired.services, &current.services) {
        match (want, cur) {
            (Some(want), None) => {
                add.push(Op::AddService(want.config.clone()));
                add.extend(want.dests.values().map(|d| Op::AddDest(*key, *d)));
            }
            (None, Some(_)) => {
                if owned.services.contains(key) {
                    del_svc.push(Op::DelService(*key));
                }
            }
            (Some(want), Some(cur)) => {
                if !service_matches(&cur.config, &want.config) {
                    edit_svc.push(Op::EditService(want.config.clone()));
                }
                for (dk, wd, cd) in merge(&want.dests, &cur.dests) {
                    match (wd, cd) {
                        (Some(wd), None) => add_dest.push(Op::AddDest(*key, *wd)),
                        (None, Some(_)) => {
                            if owned.owns_dest(key, dk) {
                                del_dest.push(Op::DelDest(*key, *dk));
                            }
                        }
                        (Some(wd), Some(cd)) => {
                            if !dest_matches(cd, wd) {
                                edit_dest.push(Op::EditDest(*key, *wd));
                            }
                        }
                        (None, None) => {}
                    }
                }
            }
            (None, None) => {}
        }
    }

    let mut ops = del_svc;
    ops.append(&mut del_dest);
    ops.append(&mut edit_svc);
    ops.append(&mut add);
    ops.append(&mut edit_dest);
    ops.append(&mut add_dest);
    ops
}

/// Walks two sorted maps together, yielding each key once with its value on either side.
fn merge<'a, K: Ord, A, B>(
    a: &'a BTreeMap<K, A>,
    b: &'a BTreeMap<K, B>,
) -> impl Iterator<Item = (&'a K, Option<&'a A>, Option<&'a B>)> {
    let mut a = a.iter().peekable();
    let mut b = b.iter().peekable();
    std::iter::from_fn(move || match (a.peek(), b.peek()) {
        (None, None) => None,
        (Some(_), None) => a.next().map(|(k, v)| (k, Some(v), None)),
        (None, Some(_)) => b.next().map(|(k, v)| (k, None, Some(v))),
        (Some((ka, _)), Some((kb, _))) => match ka.cmp(kb) {
            Ordering::Less => a.next().map(|(k, v)| (k, Some(v), None)),
            Ordering::Greater => b.next().map(|(k, v)| (k, None, Some(v))),
            Ordering::Equal => {
                let (k, va) = a.next()?;
                let (_, vb) = b.next()?;
                Some((k, Some(va), Some(vb)))
            }
        },
    })
}

/// `lvs_flush_on_stop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlushOnStop {
    /// Not set: delete each owned real server, then each owned virtual server (keepalived's
    /// default; leaves foreign entries alone).
    #[default]
    No,
    /// `lvs_flush_on_stop`: one `IPVS_CMD_FLUSH`, foreign entries included.
    All,
    /// `lvs_flush_on_stop VS`: delete each owned virtual server; the kernel drops their real
    /// servers.
    VsOnly,
}

/// The operations that remove kad's entries at shutdown.
pub fn plan_stop(owned: &Ownership, mode: FlushOnStop) -> Vec<Op> {
    match mode {
        FlushOnStop::All => vec![Op::Flush],
        FlushOnStop::VsOnly => owned.services.iter().map(|k| Op::DelService(*k)).collect(),
        FlushOnStop::No => owned
            .dests()
            .map(|(s, d)| Op::DelDest(*s, *d))
            .chain(owned.services.iter().map(|k| Op::DelService(*k)))
            .collect(),
    }
}
