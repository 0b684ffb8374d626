//! `vrrp_sync_group`: instances that change state together (keepalived `vrrp_sync.c`).
//!
//! A [`SyncGroup`] owns its member [`Instance`]s and takes their inputs, so that after
//! each input it can pull the other members along:
//! - one member entering FAULT takes every member to FAULT, and none leaves FAULT while a
//!   member still has a failed tracker of its own;
//! - a member becomes MASTER only when every other member wants to as well (its
//!   master-down timer expired too) — otherwise it stays BACKUP and waits another
//!   master-down interval; once one member is MASTER, all are;
//! - a master yielding to a better router takes the other masters to BACKUP.
//!
//! The group's own trackers (`track_interface` etc. on the group) are given to every
//! member, as keepalived does.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use crate::action::{Action, Notification, NotifyEvent, NotifyScope};
use crate::config::InstanceConfig;
use crate::error::RxError;
use crate::instance::{Instance, MasterDownIgnored};
use crate::priority::Priority;
use crate::rx::RxMeta;
use crate::state::{Event, State};
use crate::tracker::{TrackerConfig, TrackerId, TrackerState};

/// A sync group's own settings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncGroupConfig {
    /// The group name used in notifications.
    pub name: String,
    /// The group's trackers, applied to every member.
    pub trackers: Vec<TrackerConfig>,
}

impl SyncGroupConfig {
    /// A group with no trackers.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            trackers: Vec::new(),
        }
    }
}

/// Who an action of a group is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// The member at this index (the order given to [`SyncGroup::new`]).
    Member(usize),
    /// The group itself (group notifications).
    Group,
}

/// A sync group and its members. Same call order and `now` rule as [`Instance`].
#[derive(Debug)]
pub struct SyncGroup {
    name: String,
    members: Vec<Instance>,
    state: State,
    actions: VecDeque<(Origin, Action)>,
}

impl SyncGroup {
    /// Creates the group and its members at `now`. The group's trackers are added to
    /// each member's; member `i` is seeded with a value derived from `seed` and `i`.
    pub fn new(
        config: SyncGroupConfig,
        members: impl IntoIterator<Item = impl Into<Arc<InstanceConfig>>>,
        now: Instant,
        seed: u64,
    ) -> Self {
        let members: Vec<Instance> = members
            .into_iter()
            .enumerate()
            .map(|(i, member)| {
                let mut member = member.into();
                if !config.trackers.is_empty() {
                    // The member's own copy from here on: the caller's has no group trackers.
                    Arc::make_mut(&mut member)
                        .trackers
                        .extend(config.trackers.iter().cloned());
                }
                let member_seed = seed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let mut instance = Instance::unstarted(member, now, member_seed);
                instance.group_defers_start = true;
                instance
            })
            .collect();
        let mut group = Self {
            name: config.name,
            members,
            state: State::Init,
            actions: VecDeque::new(),
        };
        group.try_start(now);
        group
    }

    /// Starts every member together once none waits for a tracker's first result
    /// (keepalived's `num_member_init`); any member in FAULT then takes the others there.
    fn try_start(&mut self, now: Instant) {
        if self.state != State::Init || self.members.iter().any(Instance::awaits_trackers) {
            return;
        }
        for i in 0..self.members.len() {
            self.members[i].group_defers_start = false;
            self.members[i].try_leave_init(now);
            self.drain(i);
        }
        if let Some(i) = self.members.iter().position(|m| m.state() == State::Fault) {
            self.force_others(now, i, Event::GroupFault);
            self.set_state(State::Fault);
        } else {
            self.set_state(State::Backup);
        }
    }

    // ----- getters -----

    /// The group name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The group state (Init while a member waits for its trackers' first results).
    pub fn state(&self) -> State {
        self.state
    }

    /// The members, in configuration order.
    pub fn members(&self) -> &[Instance] {
        &self.members
    }

    /// Zeroes every member's counters.
    pub fn clear_stats(&mut self) {
        self.members.iter_mut().for_each(Instance::clear_stats);
    }

    /// The member with this VRID, if any.
    pub fn member_by_vrid(&self, vrid: u8) -> Option<usize> {
        self.members.iter().position(|m| m.config().vrid == vrid)
    }

    // ----- inputs -----

    /// A packet for member `member` (demultiplex by VRID and socket, as for instances).
    ///
    /// # Panics
    /// If `member` is out of range.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        member: usize,
        bytes: &[u8],
        meta: &RxMeta,
    ) -> Result<(), RxError> {
        self.handle_timeout(now);
        self.gate(member);
        let prev = self.members[member].state();
        self.members[member].last_event = None;
        let result = self.members[member].handle_packet(now, bytes, meta);
        self.after(now, member, prev);
        result
    }

    /// Fires every member's expired timers. Idempotent.
    pub fn handle_timeout(&mut self, now: Instant) {
        // Reconciling may arm timers that are already due, so go round until quiet.
        for _ in 0..=self.members.len() * 4 {
            let Some(i) = self
                .members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.poll_timeout().is_some_and(|t| t <= now))
                .min_by_key(|(_, m)| m.poll_timeout())
                .map(|(i, _)| i)
            else {
                return;
            };
            self.gate(i);
            let prev = self.members[i].state();
            self.members[i].last_event = None;
            self.members[i].handle_timeout(now);
            self.after(now, i, prev);
        }
    }

    // ----- commands -----

    /// Reports a tracked object's state to every member tracking it. Returns whether any
    /// member knew the id.
    pub fn set_tracker(&mut self, now: Instant, id: TrackerId, state: TrackerState) -> bool {
        let mut known = false;
        for i in 0..self.members.len() {
            self.gate(i);
            let prev = self.members[i].state();
            self.members[i].last_event = None;
            if self.members[i].set_tracker(now, id, state) {
                known = true;
            }
            self.after(now, i, prev);
        }
        self.try_start(now);
        known
    }

    /// The router at `master` is known to be down since `since`: every member following it
    /// handles the report as [`Instance::master_down`] does, one after the other, so the
    /// group becomes master once each member wants to (the group's usual rule). `Ok` when
    /// at least one member acted on it; otherwise the first member's reason.
    pub fn master_down(
        &mut self,
        now: Instant,
        master: IpAddr,
        since: Instant,
    ) -> Result<(), MasterDownIgnored> {
        self.handle_timeout(now);
        let mut first_err = None;
        let mut acted = false;
        for i in 0..self.members.len() {
            if let Err(e) = self.members[i].check_master_down(master, since) {
                first_err.get_or_insert(e);
                continue;
            }
            self.gate(i);
            let prev = self.members[i].state();
            self.members[i].last_event = None;
            acted |= self.members[i].master_down(now, master, since).is_ok();
            self.after(now, i, prev);
        }
        match first_err {
            Some(e) if !acted => Err(e),
            _ => Ok(()),
        }
    }

    /// Stops every member (priority-0 adverts from masters) and reports STOP.
    pub fn shutdown(&mut self, now: Instant) {
        for i in 0..self.members.len() {
            self.members[i].shutdown(now);
            self.drain(i);
        }
        self.set_state(State::Stopped);
    }

    // ----- outputs -----

    /// The next action, with whom it is for.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<(Origin, Action)> {
        self.actions.pop_front()
    }

    /// The earliest deadline of any member.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.members.iter().filter_map(Instance::poll_timeout).min()
    }

    // ----- internals -----

    /// Tells member `i` what the rest of the group allows before it handles an input.
    fn gate(&mut self, i: usize) {
        let allow_master = self.state == State::Master
            || self
                .members
                .iter()
                .enumerate()
                .all(|(j, m)| j == i || m.wants_master());
        let hold_fault = self
            .members
            .iter()
            .enumerate()
            .any(|(j, m)| j != i && m.has_own_fault());
        let member = &mut self.members[i];
        member.group_allows_master = Some(allow_master);
        member.group_holds_fault = hold_fault;
    }

    /// Pulls the other members after member `i` went from `prev` to its current state.
    fn after(&mut self, now: Instant, i: usize, prev: State) {
        self.drain(i);
        let current = self.members[i].state();
        if self.members[i].last_event == Some(Event::RxLower) {
            // keepalived also refreshes the other members' ARP caches.
            for j in 0..self.members.len() {
                if j != i {
                    self.members[j].garp_lower_priority(now);
                    self.drain(j);
                }
            }
        }
        if current == prev {
            return;
        }
        match current {
            State::Fault => {
                self.force_others(now, i, Event::GroupFault);
                self.set_state(State::Fault);
            }
            State::Master => {
                self.force_others(now, i, Event::GroupMaster);
                self.set_state(State::Master);
            }
            State::Backup => {
                self.force_others(now, i, Event::GroupBackup);
                self.set_state(State::Backup);
            }
            State::Init | State::Stopped | State::Deleted => {}
        }
    }

    fn force_others(&mut self, now: Instant, i: usize, event: Event) {
        for j in 0..self.members.len() {
            if j == i || self.members[j].state() == event_target(event) {
                continue;
            }
            self.members[j].apply(now, event, None);
            self.drain(j);
        }
    }

    fn set_state(&mut self, state: State) {
        if self.state == state {
            return;
        }
        self.state = state;
        self.actions.push_back((
            Origin::Group,
            Action::Notify(Notification {
                scope: NotifyScope::Group,
                name: self.name.clone(),
                event: NotifyEvent::State(state),
                priority: Priority(0),
            }),
        ));
    }

    fn drain(&mut self, i: usize) {
        while let Some(action) = self.members[i].poll_action() {
            self.actions.push_back((Origin::Member(i), action));
        }
    }
}

fn event_target(event: Event) -> State {
    match event {
        Event::GroupFault => State::Fault,
        Event::GroupMaster => State::Master,
        _ => State::Backup,
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::action::GarpReason;
    use crate::tracker::TrackerKind;

    fn member(vrid: u8, host: u8, priority: u8) -> InstanceConfig {
        let mut c =
            InstanceConfig::new(format!("VI_{vrid}"), vrid, IpAddr::from([192, 0, 2, host]));
        c.vips.push(IpAddr::from([192, 0, 2, 100 + vrid]));
        c.priority = Priority(priority);
        c
    }

    fn drain(g: &mut SyncGroup) -> Vec<(Origin, Action)> {
        std::iter::from_fn(|| g.poll_action()).collect()
    }

    fn group_states(actions: &[(Origin, Action)]) -> Vec<State> {
        actions
            .iter()
            .filter_map(|(o, a)| match (o, a) {
                (Origin::Group, Action::Notify(n)) => match n.event {
                    NotifyEvent::State(s) => Some(s),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    fn advert(vrid: u8, host: u8, priority: u8, t: Instant) -> Vec<u8> {
        let mut peer = Instance::new(member(vrid, host, priority), t, 7);
        let at = peer.poll_timeout().unwrap();
        peer.handle_timeout(at);
        std::iter::from_fn(|| peer.poll_action())
            .find_map(|a| match a {
                Action::SendAdvert { bytes, .. } => Some(bytes),
                _ => None,
            })
            .unwrap()
    }

    fn master_group(t0: Instant) -> (SyncGroup, Instant) {
        let mut g = SyncGroup::new(
            SyncGroupConfig::new("G"),
            [member(1, 1, 150), member(2, 51, 150)],
            t0,
            1,
        );
        assert_eq!(g.state(), State::Backup);
        let at = g.poll_timeout().unwrap();
        g.handle_timeout(at);
        assert_eq!(g.state(), State::Master);
        assert!(g.members().iter().all(|m| m.state() == State::Master));
        (g, at)
    }

    #[test]
    fn members_become_master_together_and_the_group_notifies_once() {
        let t0 = Instant::now();
        let (mut g, _) = master_group(t0);
        let actions = drain(&mut g);
        assert_eq!(group_states(&actions), vec![State::Backup, State::Master]);
        assert_eq!(g.member_by_vrid(2), Some(1));
        assert_eq!(g.member_by_vrid(3), None);
        assert_eq!(g.name(), "G");
    }

    #[test]
    fn lower_priority_advert_refreshes_every_members_arp() {
        let t0 = Instant::now();
        let (mut g, at) = master_group(t0);
        drain(&mut g);
        let t = at + Duration::from_millis(100);
        let meta = RxMeta {
            src: IpAddr::from([192, 0, 2, 2]),
            dst: None,
            ttl_or_hop_limit: None,
            ifindex: 1,
        };
        g.handle_packet(t, 0, &advert(1, 2, 100, t), &meta).unwrap();
        let lower: Vec<_> = drain(&mut g)
            .into_iter()
            .filter(|(_, a)| {
                matches!(
                    a,
                    Action::Garp {
                        reason: GarpReason::LowerPriority,
                        ..
                    }
                )
            })
            .map(|(o, _)| o)
            .collect();
        assert_eq!(lower, vec![Origin::Member(0), Origin::Member(1)]);
    }

    #[test]
    fn yielding_member_takes_the_group_to_backup() {
        let t0 = Instant::now();
        let (mut g, at) = master_group(t0);
        drain(&mut g);
        let meta = RxMeta {
            src: IpAddr::from([192, 0, 2, 60]),
            dst: None,
            ttl_or_hop_limit: None,
            ifindex: 1,
        };
        g.handle_packet(at, 1, &advert(2, 60, 200, at), &meta)
            .unwrap();
        assert!(g.members().iter().all(|m| m.state() == State::Backup));
        assert_eq!(group_states(&drain(&mut g)), vec![State::Backup]);
    }

    #[test]
    fn group_tracker_reaches_every_member_and_shutdown_stops_all() {
        let t0 = Instant::now();
        let mut config = SyncGroupConfig::new("G");
        config
            .trackers
            .push(TrackerConfig::new(TrackerId(4), TrackerKind::Bfd, 0));
        let mut g = SyncGroup::new(config, [member(1, 1, 100), member(2, 51, 100)], t0, 1);
        assert!(g.set_tracker(t0, TrackerId(4), TrackerState::Down));
        assert!(g.members().iter().all(|m| m.state() == State::Fault));
        assert!(!g.set_tracker(t0, TrackerId(5), TrackerState::Down));
        assert!(g.set_tracker(t0, TrackerId(4), TrackerState::Up));
        assert!(g.members().iter().all(|m| m.state() == State::Backup));
        g.shutdown(t0);
        assert!(g.members().iter().all(|m| m.state() == State::Stopped));
        assert_eq!(
            group_states(&drain(&mut g)),
            vec![State::Backup, State::Fault, State::Backup, State::Stopped]
        );
        assert_eq!(g.poll_timeout(), None);
    }
}
