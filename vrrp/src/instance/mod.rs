//! One VRRP instance (`vrrp_instance`): the sans-IO state machine of RFC 3768 / RFC 5798
//! §6 with keepalived's extensions.
//!
//! The transitions themselves are the table in the crate-private `state` module; this
//! module classifies inputs into its events and carries out its steps.
//!
//! # Where this differs from keepalived 2.2.7, on purpose
//! - A master re-arms its advert timer only when it actually sent an advert; keepalived
//!   also re-arms it after receiving an invalid packet.
//! - `garp_master_refresh` and `garp_extra_if` run on their own timers; keepalived checks
//!   them when it sends an advert, so its refresh drifts by up to one advert interval.
//! - A sync-group member's weighted trackers are applied as configured; keepalived
//!   ignores them unless `sync_group_tracking_weight` is set, so the caller should leave
//!   them out when mapping such a configuration.
//! - Interface up/down debouncing (`interface_up_down_delays`), `track_src_ip`,
//!   `unicast_fault_no_peer` and a missing interface address are the caller's to turn
//!   into tracker states; the instance only sees [`TrackerState`]s.

mod master_down;
mod record;
mod rng;
#[cfg(test)]
mod tests;
mod wire;

use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::action::{Action, GarpReason, Notification, NotifyEvent, NotifyScope};
use crate::config::{InitialState, InstanceConfig};
use crate::error::RxError;
use crate::garp;
use crate::packet::{AdverInt, Version};
use crate::priority::Priority;
use crate::rx::RxMeta;
use crate::state::{self, Event, State, Step};
use crate::stats::RxStats;
use crate::timers::{Timer, TimerTable};
use crate::tracker::{TrackerId, TrackerSet, TrackerState};

pub use master_down::MasterDownIgnored;
pub use record::{Input, ParseInputError};
pub(crate) use rng::Rng;
pub use wire::ReceivedAdvert;

/// Counters of one instance, as keepalived's `vrrp_stats` (SIGUSR2 / SNMP).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InstanceStats {
    /// Received adverts (`advert_rcvd`, `pri_zero_rcvd`) and why packets were dropped, one
    /// counter per cause.
    pub rx: RxStats,
    /// Adverts sent, counting each destination once per advert.
    pub adverts_sent: u64,
    /// Priority-0 adverts sent (`pri_zero_sent`).
    pub priority_zero_sent: u64,
    /// Transitions to Master (`become_master`).
    pub become_master: u64,
    /// Transitions out of Master (`release_master`).
    pub release_master: u64,
    /// Every change of state.
    pub transitions: u64,
}

/// What the instance knows about the current master while it is Backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MasterInfo {
    /// The master's address (the advert's source).
    pub addr: IpAddr,
    /// The priority it advertised.
    pub priority: Priority,
}

/// A VRRP instance.
///
/// # Methods, by role
/// - getters: [`state`](Self::state), [`config`](Self::config),
///   [`priority`](Self::priority), [`master`](Self::master),
///   [`master_advert_interval`](Self::master_advert_interval),
///   [`master_down_interval`](Self::master_down_interval), [`stats`](Self::stats);
/// - inputs: [`handle_packet`](Self::handle_packet), [`handle_timeout`](Self::handle_timeout);
/// - commands: [`set_tracker`](Self::set_tracker), [`master_down`](Self::master_down),
///   [`shutdown`](Self::shutdown), [`delete`](Self::delete);
/// - outputs: [`poll_action`](Self::poll_action), [`poll_timeout`](Self::poll_timeout).
///
/// # Call order
/// Feed inputs and commands as they happen, then drain [`poll_action`](Self::poll_action)
/// until `None`, executing each action in order, then sleep until
/// [`poll_timeout`](Self::poll_timeout) (or the next packet) and call
/// [`handle_timeout`](Self::handle_timeout). `now` must never go backwards between calls.
/// `handle_timeout` is idempotent: calling it early or twice does nothing.
///
/// The instance never reads a clock, a socket or a random source: `now` and bytes come in
/// as arguments, and the randomness it needs (the first IPv4 identification of its
/// adverts) comes from the seed given to [`new`](Self::new), so every run can be replayed.
#[derive(Debug)]
pub struct Instance {
    /// Shared with the caller's own copy (kad's plan keeps the same one): one configuration
    /// per instance in memory, not two.
    config: Arc<InstanceConfig>,
    state: State,
    /// keepalived's `wantstate == MASTER`: the master-down timer expired but a sync group
    /// held us in Backup. Cleared by any advert we accept.
    want_master: bool,
    base_priority: Priority,
    priority: Priority,
    trackers: TrackerSet,
    timers: TimerTable,
    master_adver_int: AdverInt,
    master: Option<MasterInfo>,
    /// When `master` was last heard, so that a [`master_down`](Self::master_down) report
    /// older than its latest advert is known to be stale.
    master_heard_at: Option<Instant>,
    /// `preempt_delay`: until when a lower-priority master is still tolerated.
    preempt_until: Option<Instant>,
    /// The end of `vrrp_startup_delay`: no master-down deadline falls before it.
    startup_until: Instant,
    installed: bool,
    actions: VecDeque<Action>,
    stats: InstanceStats,
    wire: wire::Wire,
    /// Set by a sync group around each input: whether this member may become master now.
    pub(crate) group_allows_master: Option<bool>,
    /// Set by a sync group: another member has a failed tracker, so stay in Fault.
    pub(crate) group_holds_fault: bool,
    /// Set by a sync group while a member waits for its first tracker results: stay in
    /// Init; the group starts every member together.
    pub(crate) group_defers_start: bool,
    /// The last event the table applied, for a sync group to react to.
    pub(crate) last_event: Option<Event>,
}

impl Instance {
    /// Creates an instance at `now` and starts it: it leaves Init at once (to Backup, or
    /// Fault if a tracker has failed) unless an unweighted tracker has not reported yet.
    /// `seed` feeds the instance's deterministic random numbers.
    ///
    /// The configuration should have passed [`InstanceConfig::validate`]; an advert that
    /// cannot be encoded is otherwise dropped and counted.
    pub fn new(config: impl Into<Arc<InstanceConfig>>, now: Instant, seed: u64) -> Self {
        let mut instance = Self::unstarted(config, now, seed);
        instance.try_leave_init(now);
        instance
    }

    /// Creates an instance that replaces one of the same name after a configuration
    /// reload (SIGHUP), continuing from the old instance's `previous` state as keepalived
    /// does (`restore_vrrp_state`): a master stays master without a new election — it
    /// re-asserts its addresses (`AddVips` etc.; adding an address that is already there
    /// must be harmless to the caller) and advertises at once, with no notification since
    /// its state did not change; a backup stays backup silently. If a tracker now fails,
    /// the instance goes to Fault (a master sending priority 0 and removing its addresses).
    /// Any other `previous` state starts the instance as [`new`](Self::new) does.
    pub fn reloaded(
        config: impl Into<Arc<InstanceConfig>>,
        now: Instant,
        seed: u64,
        previous: State,
    ) -> Self {
        let mut instance = Self::unstarted(config, now, seed);
        let summary = instance.trackers.summary();
        match previous {
            State::Master | State::Backup if summary.pending == 0 => {
                instance.state = previous;
                if previous == State::Master {
                    instance.step(now, Step::Install, None);
                    instance.step(now, Step::SendAdvert, None);
                    instance.step(now, Step::ArmAdvertTimer, None);
                } else {
                    instance.step(now, Step::ArmMasterDown, None);
                }
                if summary.faults > 0 {
                    instance.apply(now, Event::FaultRaised, None);
                }
            }
            _ => instance.try_leave_init(now),
        }
        instance
    }

    /// An instance still in Init; [`try_leave_init`](Self::try_leave_init) starts it.
    pub(crate) fn unstarted(
        config: impl Into<Arc<InstanceConfig>>,
        now: Instant,
        seed: u64,
    ) -> Self {
        let config = config.into();
        let trackers = TrackerSet::new(config.trackers.iter().cloned());
        let base_priority = config.priority;
        let mut rng = Rng::new(seed);
        Self {
            wire: wire::Wire::new(&config, rng.next_u16()),
            master_adver_int: config.advert_interval,
            startup_until: now + config.startup_delay,
            base_priority,
            priority: Priority::effective(base_priority, trackers.summary().adjustment),
            trackers,
            config,
            state: State::Init,
            want_master: false,
            timers: TimerTable::default(),
            master: None,
            master_heard_at: None,
            preempt_until: None,
            installed: false,
            actions: VecDeque::new(),
            stats: InstanceStats::default(),
            group_allows_master: None,
            group_holds_fault: false,
            group_defers_start: false,
            last_event: None,
        }
    }

    // ----- getters -----

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The configuration.
    pub fn config(&self) -> &InstanceConfig {
        &self.config
    }

    /// The instance name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The effective priority (configured priority adjusted by trackers).
    pub fn priority(&self) -> Priority {
        self.priority
    }

    /// The master last heard from, while Backup.
    pub fn master(&self) -> Option<MasterInfo> {
        self.master
    }

    /// Master_Adver_Interval: in v3 learnt from the master's adverts (RFC 5798 §6.1).
    pub fn master_advert_interval(&self) -> Duration {
        self.master_adver_int.as_duration()
    }

    /// Skew_Time (RFC 3768 §6.1 / RFC 5798 §6.1) for the effective priority.
    pub fn skew_time(&self) -> Duration {
        self.skew_for(256 - u64::from(self.priority.0))
    }

    /// Master_Down_Interval: `down_timer_adverts` × Master_Adver_Interval + Skew_Time.
    pub fn master_down_interval(&self) -> Duration {
        self.master_advert_interval() * self.config.down_timer_adverts + self.skew_time()
    }

    /// The counters.
    pub fn stats(&self) -> &InstanceStats {
        &self.stats
    }

    /// Zeroes the counters (keepalived's `vrrp_print_stats(true)`, DBus `PrintStatsClear`).
    pub fn clear_stats(&mut self) {
        self.stats = InstanceStats::default();
    }

    /// Each tracked object with its last reported state (what
    /// [`TrackerConfig::adjustment`](crate::tracker::TrackerConfig::adjustment) makes of it).
    pub fn trackers(
        &self,
    ) -> impl Iterator<Item = (&crate::tracker::TrackerConfig, crate::tracker::TrackerState)> {
        self.trackers.iter()
    }

    /// Whether the VIPs are installed (the last `AddVips` has not been undone).
    pub fn vips_installed(&self) -> bool {
        self.installed
    }

    pub(crate) fn wants_master(&self) -> bool {
        self.want_master || self.state == State::Master
    }

    /// Whether an unweighted tracker has not reported yet.
    pub(crate) fn awaits_trackers(&self) -> bool {
        self.trackers.summary().pending > 0
    }

    /// Whether one of the instance's own trackers holds it in Fault or Init.
    pub(crate) fn has_own_fault(&self) -> bool {
        let summary = self.trackers.summary();
        summary.faults > 0 || summary.pending > 0
    }

    // ----- inputs -----

    /// A packet read from the instance's raw socket: for IPv4 with its IP header, for
    /// IPv6 the VRRP message alone, and `meta` saying where it came from.
    ///
    /// Packets are ignored (`Ok`) in Init, Fault and after shutdown, as keepalived does.
    /// An invalid packet is counted in [`InstanceStats::rx`] and returned as the error,
    /// for logging; it changes nothing else.
    pub fn handle_packet(
        &mut self,
        now: Instant,
        bytes: &[u8],
        meta: &RxMeta,
    ) -> Result<(), RxError> {
        // Deadlines that passed before this packet came first.
        self.fire_timers(now);
        if !matches!(self.state, State::Backup | State::Master) {
            return Ok(());
        }
        let known_master = self.master.map(|m| m.addr);
        let backup = self.state == State::Backup;
        let advert = self.wire.receive(
            &self.config,
            bytes,
            meta,
            known_master.filter(|_| backup),
            backup,
            &mut self.stats.rx,
        )?;
        let event = match self.state {
            State::Backup => self.classify_backup(now, &advert),
            _ => match self.classify_master(&advert) {
                Some(e) => e,
                None => return Ok(()),
            },
        };
        self.apply(now, event, Some(&advert));
        Ok(())
    }

    /// Fires every timer whose deadline is at or before `now`. Idempotent.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.fire_timers(now);
    }

    // ----- commands -----

    /// Reports the state of a tracked object. Unknown ids are ignored (returns `false`).
    pub fn set_tracker(&mut self, now: Instant, id: TrackerId, state: TrackerState) -> bool {
        if !self.trackers.set(id, state) {
            return false;
        }
        self.reevaluate_trackers(now);
        true
    }

    /// Stops the instance (SIGTERM): a master sends a priority-0 advert and removes its
    /// addresses; every state reports STOP. Further input is ignored.
    pub fn shutdown(&mut self, now: Instant) {
        self.apply(now, Event::Shutdown, None);
    }

    /// Removes the instance on reload: as [`shutdown`](Self::shutdown) but reports DELETED.
    pub fn delete(&mut self, now: Instant) {
        self.apply(now, Event::Delete, None);
    }

    // ----- outputs -----

    /// The next thing to do, in order.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next; `None` if no timer runs.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.next_timeout()
    }

    // ----- internals -----

    fn skew_for(&self, numerator: u64) -> Duration {
        match self.config.version {
            // RFC 3768 §6.1: (256 - Priority) / 256 seconds.
            Version::V2 => Duration::from_micros(numerator * 1_000_000 / 256),
            // RFC 5798 §6.1: ((256 - Priority) * Master_Adver_Interval) / 256.
            Version::V3 => {
                let micros = self.master_adver_int.as_duration().as_micros() as u64;
                Duration::from_micros(numerator * micros / 256)
            }
        }
    }

    /// A master-down deadline never falls before the end of `vrrp_startup_delay`.
    fn backup_deadline(&self, now: Instant, after: Duration) -> Instant {
        now.max(self.startup_until) + after
    }

    fn fire_timers(&mut self, now: Instant) {
        while let Some(timer) = self.timers.take_expired(now) {
            match timer {
                Timer::MasterDown => {
                    let event = if self.group_allows_master == Some(false) {
                        self.want_master = true;
                        Event::MasterDownHeld
                    } else {
                        Event::MasterDown
                    };
                    self.apply(now, event, None);
                }
                Timer::Advert => self.apply(now, Event::AdvertTimer, None),
                Timer::GarpMasterDelay => {
                    self.announce(self.config.garp.master_repeat, GarpReason::MasterDelay)
                }
                Timer::GarpLowerPrioDelay => self.announce(
                    self.config.garp.lower_prio_repeat,
                    GarpReason::LowerPriorityDelay,
                ),
                Timer::GarpRefresh => {
                    self.announce(self.config.garp.master_refresh_repeat, GarpReason::Refresh);
                    if let Some(every) = self.config.garp.master_refresh {
                        self.timers.set(Timer::GarpRefresh, now + every);
                    }
                }
                Timer::GarpExtraIf => {
                    if let Some(extra) = self.config.garp.extra_if {
                        self.announce(1, GarpReason::ExtraInterfaces { all: extra.all });
                        self.timers.set(Timer::GarpExtraIf, now + extra.interval);
                    }
                }
            }
        }
    }

    /// RFC 5798 §6.4.2 with keepalived's `nopreempt` and `preempt_delay`
    /// (`vrrp_state_backup`).
    fn classify_backup(&mut self, now: Instant, advert: &ReceivedAdvert) -> Event {
        if advert.priority == Priority::STOP {
            return Event::RxPriorityZero;
        }
        let delay = self.config.effective_preempt_delay();
        let delaying = !delay.is_zero() && self.preempt_until.is_none_or(|until| until > now);
        if self.config.nopreempt || advert.priority >= self.priority || delaying {
            if !delay.is_zero() {
                if advert.priority >= self.priority {
                    self.preempt_until = None;
                } else if self.preempt_until.is_none() {
                    self.preempt_until = Some(now + delay);
                }
            }
            self.want_master = false;
            Event::RxAccept
        } else {
            self.master = Some(MasterInfo {
                addr: advert.src,
                priority: advert.priority,
            });
            self.master_heard_at = Some(now);
            Event::RxPreempt
        }
    }

    /// RFC 5798 §6.4.3 with keepalived's owner conflict and own-address checks
    /// (`vrrp_state_master_rx`). `None`: the advert changes nothing.
    fn classify_master(&mut self, advert: &ReceivedAdvert) -> Option<Event> {
        if advert.priority == Priority::STOP {
            return Some(Event::RxPriorityZero);
        }
        let ours = self.config.primary_addr;
        if advert.priority == self.priority {
            if advert.src == ours {
                // Our own advert looped back, or a misconfigured twin: keepalived warns.
                return None;
            }
            if self.priority.is_owner() {
                // Two address owners: keepalived reports a configuration error and steps
                // down to 254 so that the election can end.
                self.base_priority = Priority::MAX_BACKUP;
                self.priority = Priority::MAX_BACKUP;
            }
        }
        let theirs_wins = advert.priority > self.priority
            || (advert.priority == self.priority && wire::addr_greater(advert.src, ours));
        if theirs_wins {
            Some(Event::RxHigher)
        } else {
            if let Some(seq) = advert.ah_seq {
                self.wire.sync_ah_from_lower(seq);
            }
            Some(Event::RxLower)
        }
    }

    pub(crate) fn try_leave_init(&mut self, now: Instant) {
        let summary = self.trackers.summary();
        if summary.pending > 0 {
            return;
        }
        let event = if summary.faults > 0 {
            Event::StartFault
        } else if self.is_configured_owner_master() {
            Event::StartOwner
        } else {
            Event::Start
        };
        self.apply(now, event, None);
    }

    fn is_configured_owner_master(&self) -> bool {
        self.base_priority.is_owner() && self.config.initial_state == InitialState::Master
    }

    fn reevaluate_trackers(&mut self, now: Instant) {
        let summary = self.trackers.summary();
        self.update_priority(
            now,
            Priority::effective(self.base_priority, summary.adjustment),
        );
        match self.state {
            State::Init if !self.group_defers_start => self.try_leave_init(now),
            State::Backup | State::Master if summary.faults > 0 => {
                self.apply(now, Event::FaultRaised, None)
            }
            State::Fault
                if summary.faults == 0 && summary.pending == 0 && !self.group_holds_fault =>
            {
                let event = if self.is_configured_owner_master() {
                    Event::FaultClearedOwner
                } else {
                    Event::FaultCleared
                };
                self.apply(now, event, None);
            }
            _ => {}
        }
    }

    /// keepalived's `vrrp_set_effective_priority`: a backup's running master-down timer
    /// moves by the change in skew; the FIFO may hear of it.
    fn update_priority(&mut self, now: Instant, new: Priority) {
        if new == self.priority {
            return;
        }
        let old_down = self.master_down_interval();
        self.priority = new;
        let new_down = self.master_down_interval();
        if self.state == State::Backup {
            if let Some(at) = self.timers.get(Timer::MasterDown) {
                let moved = if new_down >= old_down {
                    at + (new_down - old_down)
                } else {
                    at.checked_sub(old_down - new_down).unwrap_or(at).max(now)
                };
                self.timers.set(Timer::MasterDown, moved);
            }
        }
        if self.config.notify_priority_changes
            && matches!(self.state, State::Backup | State::Master)
        {
            self.notify(NotifyEvent::PriorityChange {
                master: self.state == State::Master,
            });
        }
    }

    /// Applies the table's transition for `event`, then carries out its steps.
    pub(crate) fn apply(&mut self, now: Instant, event: Event, advert: Option<&ReceivedAdvert>) {
        let Some(t) = state::transition(self.state, event) else {
            return;
        };
        self.last_event = Some(event);
        let previous = self.state;
        self.state = t.next;
        if previous != t.next {
            self.stats.transitions += 1;
        }
        if t.next != State::Backup {
            self.want_master = false;
        }
        if t.next == State::Backup && previous != State::Backup {
            self.preempt_until = None;
            // Leaving Fault or Master: start from our own interval (keepalived
            // `vrrp_state_leave_fault`); a v3 master's interval is learnt again.
            if advert.is_none() {
                self.master_adver_int = self.config.advert_interval;
            }
        }
        for step in t.steps {
            self.step(now, *step, advert);
        }
    }

    fn step(&mut self, now: Instant, step: Step, advert: Option<&ReceivedAdvert>) {
        match step {
            Step::SendAdvert => self.send_advert(self.priority),
            Step::SendAdvertIfHigherPrioSendAdvert => {
                if self.config.effective_higher_prio_send_advert() {
                    self.send_advert(self.priority);
                }
            }
            Step::SendAdvertUnlessLowerPrioNoAdvert => {
                if !self.config.effective_lower_prio_no_advert() {
                    self.send_advert(self.priority);
                    self.timers.set(
                        Timer::Advert,
                        now + self.config.advert_interval.as_duration(),
                    );
                }
            }
            Step::SendPriorityZero => {
                self.send_advert(Priority::STOP);
                self.stats.priority_zero_sent += 1;
            }
            Step::LearnMaster => {
                if let Some(advert) = advert {
                    if self.config.version == Version::V3 {
                        self.master_adver_int = advert.adver_int;
                    }
                    self.master = Some(MasterInfo {
                        addr: advert.src,
                        priority: advert.priority,
                    });
                    self.master_heard_at = Some(now);
                }
            }
            Step::Install => {
                self.wire.become_master();
                self.installed = true;
                self.master = None;
                // Becoming master: our own interval again (keepalived
                // `vrrp_state_become_master`).
                self.master_adver_int = self.config.advert_interval;
                let addrs = self.all_vips();
                self.actions.push_back(Action::AddVips {
                    addrs,
                    no_accept: !self.config.effective_accept(),
                });
                if self.config.has_virtual_routes {
                    self.actions.push_back(Action::AddRoutes);
                }
                if self.config.has_virtual_rules {
                    self.actions.push_back(Action::AddRules);
                }
            }
            Step::Uninstall => {
                if self.installed {
                    self.installed = false;
                    if self.config.has_virtual_rules {
                        self.actions.push_back(Action::DelRules);
                    }
                    if self.config.has_virtual_routes {
                        self.actions.push_back(Action::DelRoutes);
                    }
                    let addrs = self.all_vips();
                    self.actions.push_back(Action::DelVips {
                        addrs,
                        no_accept: !self.config.effective_accept(),
                    });
                }
            }
            Step::GarpBecomeMaster => {
                let garp = self.config.garp.clone();
                self.announce(garp.master_repeat, GarpReason::BecomeMaster);
                if !garp.master_delay.is_zero() {
                    self.timers
                        .set(Timer::GarpMasterDelay, now + garp.master_delay);
                }
                if let Some(every) = garp.master_refresh {
                    self.timers.set(Timer::GarpRefresh, now + every);
                }
                if let Some(extra) = garp.extra_if {
                    self.timers.set(Timer::GarpExtraIf, now + extra.interval);
                }
            }
            Step::GarpLowerPriority => self.garp_lower_priority(now),
            Step::GarpOwnAddress => {
                if !self.config.unicast_peers.is_empty() {
                    garp::announce(
                        &[self.config.primary_addr],
                        1,
                        GarpReason::OwnAddress,
                        &mut self.actions,
                    );
                }
            }
            Step::ArmAdvertTimer => {
                self.timers.set(
                    Timer::Advert,
                    now + self.config.advert_interval.as_duration(),
                );
            }
            Step::ArmMasterDown => {
                let at = self.backup_deadline(now, self.master_down_interval());
                self.timers.set(Timer::MasterDown, at);
            }
            Step::ArmSkew => {
                let at = self.backup_deadline(now, self.skew_time());
                self.timers.set(Timer::MasterDown, at);
            }
            Step::ArmNow => {
                let at = self.backup_deadline(now, Duration::ZERO);
                self.timers.set(Timer::MasterDown, at);
            }
            Step::ArmOneAdvert => {
                let at =
                    self.backup_deadline(now, self.master_advert_interval() + self.skew_time());
                self.timers.set(Timer::MasterDown, at);
            }
            Step::StopMasterTimers => {
                for timer in [
                    Timer::Advert,
                    Timer::GarpMasterDelay,
                    Timer::GarpLowerPrioDelay,
                    Timer::GarpRefresh,
                    Timer::GarpExtraIf,
                ] {
                    self.timers.stop(timer);
                }
            }
            Step::StopAllTimers => self.timers.stop_all(),
            Step::CountBecomeMaster => self.stats.become_master += 1,
            Step::CountReleaseMaster => self.stats.release_master += 1,
            Step::NotifyState => self.notify(NotifyEvent::State(self.state)),
            Step::NotifyRxLowerPriority => self.notify(NotifyEvent::MasterRxLowerPriority),
        }
    }

    /// `garp_lower_prio_repeat` now and again after `garp_lower_prio_delay`. A sync group
    /// also calls this for its other members.
    pub(crate) fn garp_lower_priority(&mut self, now: Instant) {
        if self.state != State::Master {
            return;
        }
        let garp = &self.config.garp;
        let (repeat, delay) = (garp.lower_prio_repeat, garp.lower_prio_delay);
        if repeat == 0 {
            return;
        }
        self.announce(repeat, GarpReason::LowerPriority);
        if !delay.is_zero() {
            self.timers.set(Timer::GarpLowerPrioDelay, now + delay);
        }
    }

    fn all_vips(&self) -> Vec<IpAddr> {
        self.config
            .vips
            .iter()
            .chain(&self.config.excluded_vips)
            .copied()
            .collect()
    }

    /// GARP/NA only while the addresses are installed (keepalived checks `vipset`).
    fn announce(&mut self, repeat: u32, reason: GarpReason) {
        if !self.installed {
            return;
        }
        let addrs = self.all_vips();
        garp::announce(&addrs, repeat, reason, &mut self.actions);
    }

    fn send_advert(&mut self, priority: Priority) {
        for (bytes, dst) in self.wire.emit(&self.config, priority) {
            self.stats.adverts_sent += 1;
            self.actions.push_back(Action::SendAdvert {
                bytes,
                dst,
                priority,
            });
        }
    }

    fn notify(&mut self, event: NotifyEvent) {
        self.actions.push_back(Action::Notify(Notification {
            scope: NotifyScope::Instance,
            name: self.config.name.clone(),
            event,
            priority: self.priority,
        }));
    }
}
