//! A lone instance or a sync group behind one interface, so a loop drives both the same
//! way ([`Instance`] and [`SyncGroup`] share their call order).

use std::net::IpAddr;
use std::time::Instant;

use crate::action::Action;
use crate::error::RxError;
use crate::instance::MasterDownIgnored;
use crate::rx::RxMeta;
use crate::sync_group::Origin;
use crate::tracker::{TrackerId, TrackerState};
use crate::{Instance, SyncGroup};

/// The protocol state of one unit.
#[derive(Debug)]
pub enum Unit {
    /// A `vrrp_instance` outside any sync group.
    Single(Box<Instance>),
    /// A `vrrp_sync_group` and its members.
    Group(SyncGroup),
}

impl Unit {
    /// Member `m` (0 for a lone instance).
    pub fn member(&self, m: usize) -> &Instance {
        match self {
            Unit::Single(i) => i,
            Unit::Group(g) => &g.members()[m],
        }
    }

    /// How many instances.
    pub fn len(&self) -> usize {
        match self {
            Unit::Single(_) => 1,
            Unit::Group(g) => g.members().len(),
        }
    }

    /// Zeroes the counters of every instance.
    pub fn clear_stats(&mut self) {
        match self {
            Unit::Single(i) => i.clear_stats(),
            Unit::Group(g) => g.clear_stats(),
        }
    }

    /// Whether it has no instance (a sync group without members).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An advert for member `m`.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        m: usize,
        bytes: &[u8],
        meta: &RxMeta,
    ) -> Result<(), RxError> {
        match self {
            Unit::Single(i) => i.handle_packet(now, bytes, meta),
            Unit::Group(g) => g.handle_packet(now, m, bytes, meta),
        }
    }

    /// Fires expired timers.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self {
            Unit::Single(i) => i.handle_timeout(now),
            Unit::Group(g) => g.handle_timeout(now),
        }
    }

    /// A tracked object changed; ids the unit does not track are ignored.
    pub fn set_tracker(&mut self, now: Instant, id: TrackerId, state: TrackerState) {
        match self {
            Unit::Single(i) => {
                i.set_tracker(now, id, state);
            }
            Unit::Group(g) => {
                g.set_tracker(now, id, state);
            }
        }
    }

    /// The router at `master` is known to be down since `since`
    /// ([`Instance::master_down`], [`SyncGroup::master_down`]).
    pub fn master_down(
        &mut self,
        now: Instant,
        master: IpAddr,
        since: Instant,
    ) -> Result<(), MasterDownIgnored> {
        match self {
            Unit::Single(i) => i.master_down(now, master, since),
            Unit::Group(g) => g.master_down(now, master, since),
        }
    }

    /// SIGTERM: priority-0 adverts, VIPs removed, `notify_stop`.
    pub fn shutdown(&mut self, now: Instant) {
        match self {
            Unit::Single(i) => i.shutdown(now),
            Unit::Group(g) => g.shutdown(now),
        }
    }

    /// Removed by a reload: as shutdown, but reported as DELETED for a lone instance
    /// (keepalive-vrrp has no DELETED for whole groups; they report STOP).
    pub fn delete(&mut self, now: Instant) {
        match self {
            Unit::Single(i) => i.delete(now),
            Unit::Group(g) => g.shutdown(now),
        }
    }

    /// The next action and which member it is for.
    pub fn poll_action(&mut self) -> Option<(Origin, Action)> {
        match self {
            Unit::Single(i) => i.poll_action().map(|a| (Origin::Member(0), a)),
            Unit::Group(g) => g.poll_action(),
        }
    }

    /// When `handle_timeout` is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Unit::Single(i) => i.poll_timeout(),
            Unit::Group(g) => g.poll_timeout(),
        }
    }
}
