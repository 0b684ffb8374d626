//! Counters: one per [`RxError`] variant for the endpoint ([`RxCounters`]) and the traffic
//! and transitions of each session ([`SessionStats`]).

use crate::error::RxError;

const N: usize = RxError::NAMES.len();

/// Receive counters of a [`crate::Sessions`]: packets accepted, and one slot per
/// [`RxError`] variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct RxCounters {
    /// Packets that passed every check and reached a session's state machine.
    pub accepted: u64,
    drops: [u64; N],
}

impl RxCounters {
    /// Counts a dropped packet.
    pub fn record_err(&mut self, err: &RxError) {
        self.drops[err.index()] += 1;
    }

    /// How many packets failed the check `err` stands for (its fields are ignored).
    #[must_use]
    pub fn count(&self, err: &RxError) -> u64 {
        self.drops[err.index()]
    }

    /// Every dropped packet.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.drops.iter().sum()
    }

    /// `(name, count)` per variant, in [`RxError::NAMES`] order, for dumps and metrics.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        RxError::NAMES
            .iter()
            .copied()
            .zip(self.drops.iter().copied())
    }
}

/// One session's traffic and transitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub struct SessionStats {
    /// Packets sent.
    pub tx: u64,
    /// Packets accepted.
    pub rx: u64,
    /// Packets not sent because the authentication key is invalid.
    pub tx_errors: u64,
    /// Transitions to Up.
    pub up: u64,
    /// Transitions from Up to Down or AdminDown.
    pub down: u64,
    /// Poll sequences started (§6.5).
    pub polls: u64,
}
