//! A snapshot of MIB objects in OID order, which the AgentX session answers from.
//!
//! Built afresh for each query from the process's state (a few hundred objects per VRRP
//! instance at most), so a walk sees one consistent state and nothing is cached stale.

use std::collections::BTreeMap;
use std::ops::Bound;

use super::agentx::{Mib, Oid, Value};

/// Object instances and their values.
#[derive(Debug, Default, Clone)]
pub struct Tree(BTreeMap<Oid, Value>);

impl Tree {
    /// Sets `oid` to `value`.
    pub fn set(&mut self, oid: Oid, value: Value) {
        self.0.insert(oid, value);
    }

    /// Every object instance, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Oid, &Value)> {
        self.0.iter()
    }

    /// The number of object instances.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Mib for Tree {
    fn get(&self, oid: &Oid) -> Option<Value> {
        self.0.get(oid).cloned()
    }

    fn next(&self, oid: &Oid) -> Option<(Oid, Value)> {
        self.0
            .range((Bound::Excluded(oid.clone()), Bound::Unbounded))
            .next()
            .map(|(o, v)| (o.clone(), v.clone()))
    }
}

/// A row of a table: `base.column.index…` for each (column, value).
pub(crate) struct Row<'a> {
    pub tree: &'a mut Tree,
    pub entry: &'a [u32],
    pub index: Vec<u32>,
}

impl Row<'_> {
    pub(crate) fn col(&mut self, column: u32, value: Value) {
        let mut oid = self.entry.to_vec();
        oid.push(column);
        oid.extend_from_slice(&self.index);
        self.tree.set(Oid(oid), value);
    }

    pub(crate) fn opt(&mut self, column: u32, value: Option<Value>) {
        if let Some(v) = value {
            self.col(column, v);
        }
    }
}
