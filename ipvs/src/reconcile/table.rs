//! A table of services and destinations, desired or as read from the kernel, and the set of
//! entries kad owns.

use super::plan::Op;
use crate::types::{Dest, DestConfig, DestKey, ForwardMethod, Service, ServiceConfig, ServiceKey};
use std::collections::{BTreeMap, BTreeSet};

/// One service and its destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableEntry {
    /// The service's settings.
    pub config: ServiceConfig,
    /// Its destinations by key.
    pub dests: BTreeMap<DestKey, DestConfig>,
}

/// Services by key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The services.
    pub services: BTreeMap<ServiceKey, TableEntry>,
}

impl Table {
    /// The kernel's table as [`IpvsClient::table`](crate::IpvsClient::table) returns it.
    pub fn from_dump(dump: Vec<(Service, Vec<Dest>)>) -> Table {
        let services = dump
            .into_iter()
            .map(|(svc, dests)| {
                let entry = TableEntry {
                    dests: dests
                        .into_iter()
                        .map(|d| (d.config.key, d.config))
                        .collect(),
                    config: svc.config,
                };
                (entry.config.key, entry)
            })
            .collect();
        Table { services }
    }

    /// Number of destinations over all services.
    pub fn dest_count(&self) -> usize {
        self.services.values().map(|e| e.dests.len()).sum()
    }

    /// The table after the kernel accepted `op`: what the reconciler's cached view does
    /// instead of dumping the kernel again.
    pub fn apply(&mut self, op: &Op) {
        match op {
            Op::Flush => self.services.clear(),
            Op::AddService(s) => {
                self.services.entry(s.key).or_insert_with(|| TableEntry {
                    config: s.clone(),
                    dests: BTreeMap::new(),
                });
            }
            Op::EditService(s) => {
                if let Some(e) = self.services.get_mut(&s.key) {
                    e.config = s.clone();
                }
            }
            Op::DelService(k) => {
                self.services.remove(k);
            }
            Op::AddDest(k, d) | Op::EditDest(k, d) => {
                if let Some(e) = self.services.get_mut(k) {
                    e.dests.insert(d.key, *d);
                }
            }
            Op::DelDest(k, d) => {
                if let Some(e) = self.services.get_mut(k) {
                    e.dests.remove(d);
                }
            }
            Op::SetTimeouts(_) | Op::StartDaemon(_) | Op::StopDaemon(..) => {}
        }
    }
}

/// True when `current` needs no `SET_SERVICE` to become `want`. `HASHED` and bits the kernel
/// keeps to itself are not compared.
pub fn service_matches(current: &ServiceConfig, want: &ServiceConfig) -> bool {
    current.scheduler == want.scheduler
        && current.flags.user() == want.flags.user()
        && current.timeout == want.timeout
        && current.netmask == want.netmask
        && current.pe_name == want.pe_name
}

/// True when `current` needs no `SET_DEST` to become `want`. Tunnel options count only for
/// tunnelled destinations (the kernel keeps stale ones on others).
pub fn dest_matches(current: &DestConfig, want: &DestConfig) -> bool {
    let fwd_eq = match (current.fwd, want.fwd) {
        (ForwardMethod::Tunnel(a), ForwardMethod::Tunnel(b)) => a == b,
        (a, b) => a == b,
    };
    fwd_eq
        && current.weight == want.weight
        && current.u_threshold == want.u_threshold
        && current.l_threshold == want.l_threshold
}

/// The entries kad created or adopted: only these are ever edited away or deleted (unless
/// `lvs_flush`/`lvs_flush_on_stop` says otherwise).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ownership {
    /// Owned services.
    pub services: BTreeSet<ServiceKey>,
    /// Owned destinations, grouped by service, so that the thousands of destinations of one
    /// virtual server do not each repeat its key. No service maps to an empty set.
    dests: BTreeMap<ServiceKey, BTreeSet<DestKey>>,
}

impl Ownership {
    /// Forgets a service and its destinations.
    pub fn drop_service(&mut self, key: &ServiceKey) {
        self.services.remove(key);
        self.dests.remove(key);
    }

    /// The owned destinations of `key`.
    pub fn dests_of<'a>(&'a self, key: &'a ServiceKey) -> impl Iterator<Item = &'a DestKey> + 'a {
        self.dests.get(key).into_iter().flatten()
    }

    /// Every owned destination with its service, in service order.
    pub fn dests(&self) -> impl Iterator<Item = (&ServiceKey, &DestKey)> + '_ {
        self.dests
            .iter()
            .flat_map(|(s, ds)| ds.iter().map(move |d| (s, d)))
    }

    /// Whether destination `dest` of service `key` is owned.
    pub fn owns_dest(&self, key: &ServiceKey, dest: &DestKey) -> bool {
        self.dests.get(key).is_some_and(|d| d.contains(dest))
    }

    /// Takes ownership of destination `dest` of service `key`.
    pub fn own_dest(&mut self, key: ServiceKey, dest: DestKey) {
        self.dests.entry(key).or_default().insert(dest);
    }

    /// Gives up destination `dest` of service `key`.
    pub fn disown_dest(&mut self, key: &ServiceKey, dest: &DestKey) {
        if let Some(d) = self.dests.get_mut(key) {
            d.remove(dest);
            if d.is_empty() {
                self.dests.remove(key);
            }
        }
    }

    /// How many destinations are owned, over all services.
    pub fn dest_count(&self) -> usize {
        self.dests.values().map(BTreeSet::len).sum()
    }

    /// Takes ownership of every desired entry already in the kernel (an earlier kad run, or an
    /// operator, put it there; the configuration now claims it).
    pub fn adopt(&mut self, desired: &Table, current: &Table) {
        for (key, want) in &desired.services {
            if let Some(cur) = current.services.get(key) {
                self.services.insert(*key);
                for dk in want.dests.keys() {
                    if cur.dests.contains_key(dk) {
                        self.own_dest(*key, *dk);
                    }
                }
            }
        }
    }
}
