//! Tracked objects (`track_interface`, `track_script`, `track_file`, `track_process`,
//! `track_bfd`) and what each one's state does to an instance: nothing, a priority
//! adjustment, or FAULT.
//!
//! The daemon watches the objects and reports their state with
//! [`Instance::set_tracker`](crate::Instance::set_tracker); the rules below are
//! keepalived's (`vrrp_track.c`), written as a pure function of (weight, reverse, state).

/// The caller's name for a tracked object; unique within one instance (or sync group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackerId(pub u32);

/// Which kind of object is tracked. Only `File` reads a value; the rest are up/down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TrackerKind {
    /// `track_interface`: up = the link is up.
    Interface,
    /// `track_script`: up = the script has succeeded `rise` times.
    Script,
    /// `track_file`: the integer read from the file.
    File,
    /// `track_process`: up = the process quorum is met.
    Process,
    /// `track_bfd`: up = the BFD session is Up.
    Bfd,
}

/// The last reported state of a tracked object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackerState {
    /// Not reported yet (a script that has not run). An unweighted tracker in this
    /// state holds the instance in Init; a weighted one adjusts nothing.
    Unknown,
    /// OK / up / running / quorum met.
    Up,
    /// Failed / down / not running.
    Down,
    /// The number read from a `track_file`.
    Value(i32),
}

/// One tracked object as configured on an instance or a sync group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrackerConfig {
    /// The caller's name for it.
    pub id: TrackerId,
    /// What it is.
    pub kind: TrackerKind,
    /// `weight`: 0 means a failure puts the instance in FAULT; otherwise the priority
    /// adjustment (keepalived's `vrrp_track.c` rules).
    pub weight: i32,
    /// `reverse`: the adjustment (or, if unweighted, the failure) is inverted.
    pub reverse: bool,
    /// The state assumed until the first report (`init_fail` scripts start `Down`).
    pub initial: TrackerState,
}

impl TrackerConfig {
    /// A tracker of `kind` with `weight`, not reversed, whose state starts `Unknown`
    /// for scripts and `Up` otherwise.
    pub fn new(id: TrackerId, kind: TrackerKind, weight: i32) -> Self {
        let initial = match kind {
            TrackerKind::Script => TrackerState::Unknown,
            TrackerKind::File => TrackerState::Value(0),
            _ => TrackerState::Up,
        };
        Self {
            id,
            kind,
            weight,
            reverse: false,
            initial,
        }
    }

    /// The same tracker with `reverse` set.
    pub fn reversed(mut self) -> Self {
        self.reverse = true;
        self
    }

    /// The same tracker starting in `state`.
    pub fn starting(mut self, state: TrackerState) -> Self {
        self.initial = state;
        self
    }

    /// What `state` of this object adds to the priority; `None` when it holds the instance
    /// in FAULT (or, unweighted and not reported yet, in INIT). For metrics and dumps.
    #[must_use]
    pub fn adjustment(&self, state: TrackerState) -> Option<i32> {
        match self.effect(state) {
            Effect::Adjust(a) => Some(a),
            Effect::Fault | Effect::Pending => None,
        }
    }

    /// What `state` of this object does to the instance.
    pub(crate) fn effect(&self, state: TrackerState) -> Effect {
        let multiplier = if self.reverse { -1 } else { 1 };
        match (self.kind, state) {
            (_, TrackerState::Unknown) if self.weight == 0 => Effect::Pending,
            (_, TrackerState::Unknown) => Effect::Adjust(0),
            (TrackerKind::File, TrackerState::Value(v)) => file_effect(self.weight, multiplier, v),
            (TrackerKind::File, TrackerState::Up) => file_effect(self.weight, multiplier, 0),
            (TrackerKind::File, TrackerState::Down) => file_effect(self.weight, multiplier, 1),
            (_, state) => {
                // A value reported for an up/down object means "up" when non-zero.
                let up = match state {
                    TrackerState::Up => true,
                    TrackerState::Value(v) => v != 0,
                    _ => false,
                };
                if self.weight == 0 {
                    // Unweighted: down (or up, if reversed) is a fault.
                    if up != self.reverse {
                        Effect::Adjust(0)
                    } else {
                        Effect::Fault
                    }
                } else if up {
                    // Positive weights count when up, negative ones when down.
                    Effect::Adjust(if self.weight > 0 {
                        self.weight * multiplier
                    } else {
                        0
                    })
                } else {
                    Effect::Adjust(if self.weight < 0 {
                        self.weight * multiplier
                    } else {
                        0
                    })
                }
            }
        }
    }
}

/// keepalived's `track_file` rule: unweighted, non-zero is a failure; weighted, the value
/// times the weight is added, and a result at or below -254 is a fault.
fn file_effect(weight: i32, multiplier: i32, value: i32) -> Effect {
    if weight == 0 {
        if (value != 0) == (multiplier == 1) {
            Effect::Fault
        } else {
            Effect::Adjust(0)
        }
    } else {
        let status = i64::from(value) * i64::from(weight) * i64::from(multiplier);
        if status <= -254 {
            Effect::Fault
        } else {
            Effect::Adjust(status.min(253) as i32)
        }
    }
}

/// What one tracked object does to an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// Add this to the configured priority (0 for none).
    Adjust(i32),
    /// The instance cannot run: FAULT.
    Fault,
    /// No result yet and the tracker is unweighted: stay in Init.
    Pending,
}

/// The trackers of one instance and their current states.
#[derive(Debug, Clone, Default)]
pub(crate) struct TrackerSet {
    entries: Vec<(TrackerConfig, TrackerState)>,
}

/// The summary of a [`TrackerSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TrackSummary {
    /// The sum of every adjustment.
    pub(crate) adjustment: i32,
    /// How many trackers currently demand FAULT.
    pub(crate) faults: usize,
    /// How many unweighted trackers have not reported yet.
    pub(crate) pending: usize,
}

impl TrackerSet {
    /// A set of trackers, each in its configured initial state.
    pub(crate) fn new(configs: impl IntoIterator<Item = TrackerConfig>) -> Self {
        Self {
            entries: configs
                .into_iter()
                .map(|c| {
                    let initial = c.initial;
                    (c, initial)
                })
                .collect(),
        }
    }

    /// Records `state` for every tracker named `id`; returns whether any was known.
    pub(crate) fn set(&mut self, id: TrackerId, state: TrackerState) -> bool {
        let mut found = false;
        for (config, current) in &mut self.entries {
            if config.id == id {
                *current = state;
                found = true;
            }
        }
        found
    }

    /// Each tracker with its current state.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&TrackerConfig, TrackerState)> {
        self.entries.iter().map(|(c, s)| (c, *s))
    }

    /// The combined effect of every tracker.
    pub(crate) fn summary(&self) -> TrackSummary {
        let mut summary = TrackSummary {
            adjustment: 0,
            faults: 0,
            pending: 0,
        };
        for (config, state) in &self.entries {
            match config.effect(*state) {
                Effect::Adjust(a) => summary.adjustment = summary.adjustment.saturating_add(a),
                Effect::Fault => summary.faults += 1,
                Effect::Pending => summary.pending += 1,
            }
        }
        summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kind: TrackerKind, weight: i32) -> TrackerConfig {
        TrackerConfig::new(TrackerId(1), kind, weight)
    }

    #[test]
    fn unweighted_down_is_fault() {
        let c = t(TrackerKind::Interface, 0);
        assert_eq!(c.effect(TrackerState::Up), Effect::Adjust(0));
        assert_eq!(c.effect(TrackerState::Down), Effect::Fault);
        let r = c.reversed();
        assert_eq!(r.effect(TrackerState::Up), Effect::Fault);
        assert_eq!(r.effect(TrackerState::Down), Effect::Adjust(0));
    }

    #[test]
    fn weights_count_in_their_direction() {
        let plus = t(TrackerKind::Script, 20);
        assert_eq!(plus.effect(TrackerState::Up), Effect::Adjust(20));
        assert_eq!(plus.effect(TrackerState::Down), Effect::Adjust(0));
        let minus = t(TrackerKind::Script, -30);
        assert_eq!(minus.effect(TrackerState::Up), Effect::Adjust(0));
        assert_eq!(minus.effect(TrackerState::Down), Effect::Adjust(-30));
        assert_eq!(
            plus.clone().reversed().effect(TrackerState::Up),
            Effect::Adjust(-20)
        );
        assert_eq!(
            minus.reversed().effect(TrackerState::Down),
            Effect::Adjust(30)
        );
    }

    #[test]
    fn unknown_script_is_pending_only_when_unweighted() {
        assert_eq!(
            t(TrackerKind::Script, 0).effect(TrackerState::Unknown),
            Effect::Pending
        );
        assert_eq!(
            t(TrackerKind::Script, 5).effect(TrackerState::Unknown),
            Effect::Adjust(0)
        );
    }

    #[test]
    fn file_values() {
        let unweighted = t(TrackerKind::File, 0);
        assert_eq!(unweighted.effect(TrackerState::Value(0)), Effect::Adjust(0));
        assert_eq!(unweighted.effect(TrackerState::Value(3)), Effect::Fault);
        assert_eq!(
            unweighted.clone().reversed().effect(TrackerState::Value(0)),
            Effect::Fault
        );
        let weighted = t(TrackerKind::File, 2);
        assert_eq!(weighted.effect(TrackerState::Value(10)), Effect::Adjust(20));
        assert_eq!(
            weighted.effect(TrackerState::Value(500)),
            Effect::Adjust(253)
        );
        assert_eq!(weighted.effect(TrackerState::Value(-127)), Effect::Fault);
        assert_eq!(
            weighted.effect(TrackerState::Value(-126)),
            Effect::Adjust(-252)
        );
    }

    #[test]
    fn set_summary() {
        let mut set = TrackerSet::new([
            TrackerConfig::new(TrackerId(1), TrackerKind::Interface, 0),
            TrackerConfig::new(TrackerId(2), TrackerKind::Script, -10),
            TrackerConfig::new(TrackerId(3), TrackerKind::Script, 0),
        ]);
        assert_eq!(
            set.summary(),
            TrackSummary {
                adjustment: 0,
                faults: 0,
                pending: 1
            }
        );
        assert!(set.set(TrackerId(3), TrackerState::Up));
        assert!(set.set(TrackerId(2), TrackerState::Down));
        assert!(set.set(TrackerId(1), TrackerState::Down));
        assert!(!set.set(TrackerId(9), TrackerState::Down));
        assert_eq!(
            set.summary(),
            TrackSummary {
                adjustment: -10,
                faults: 1,
                pending: 0
            }
        );
    }
}
