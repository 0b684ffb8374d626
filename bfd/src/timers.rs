//! A session's timers: one fixed slot per purpose, as in quinn-proto's `TimerTable`.

use std::time::Instant;

/// What a deadline is for. Each kind has one slot, so re-arming replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Send the next periodic control packet (RFC 5880 §6.8.7).
    Tx,
    /// No valid packet for a Detection Time (§6.8.4).
    Detect,
    /// No valid packet for twice the Detection Time: forget the auth sequence (§6.8.1
    /// bfd.AuthSeqKnown).
    AuthSeq,
    /// A removed session has sent AdminDown for a Detection Time and is dropped (§6.8.16).
    Drop,
}

impl Timer {
    /// Every timer, in slot order; at equal deadlines the earlier slot fires first, so a
    /// last AdminDown packet goes out before the session is dropped.
    pub const ALL: [Timer; 4] = [Timer::Tx, Timer::Detect, Timer::AuthSeq, Timer::Drop];

    fn slot(self) -> usize {
        self as usize
    }
}

/// A deadline per [`Timer`]; `None` means stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TimerTable {
    slots: [Option<Instant>; Timer::ALL.len()],
}

impl TimerTable {
    /// Arms (or re-arms) `timer` to fire at `at`.
    pub fn set(&mut self, timer: Timer, at: Instant) {
        self.slots[timer.slot()] = Some(at);
    }

    /// Stops `timer`.
    pub fn stop(&mut self, timer: Timer) {
        self.slots[timer.slot()] = None;
    }

    /// The deadline of `timer`, if armed.
    #[must_use]
    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.slots[timer.slot()]
    }

    /// The earliest armed deadline.
    #[must_use]
    pub fn next_timeout(&self) -> Option<Instant> {
        self.slots.iter().flatten().min().copied()
    }

    /// Stops and returns the expired timer with the earliest deadline.
    pub fn take_expired(&mut self, now: Instant) -> Option<Timer> {
        let (timer, _) = Timer::ALL
            .iter()
            .filter_map(|&t| self.get(t).filter(|&at| at <= now).map(|at| (t, at)))
            .min_by_key(|&(_, at)| at)?;
        self.stop(timer);
        Some(timer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn earliest_expired_first_and_idempotent() {
        let t0 = Instant::now();
        let mut table = TimerTable::default();
        table.set(Timer::Detect, t0 + Duration::from_secs(2));
        table.set(Timer::Tx, t0 + Duration::from_secs(1));
        assert_eq!(table.next_timeout(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(table.take_expired(t0), None);
        let late = t0 + Duration::from_secs(5);
        assert_eq!(table.take_expired(late), Some(Timer::Tx));
        assert_eq!(table.take_expired(late), Some(Timer::Detect));
        assert_eq!(table.take_expired(late), None);
    }

    #[test]
    fn tx_fires_before_drop_at_the_same_instant() {
        let t0 = Instant::now();
        let mut table = TimerTable::default();
        table.set(Timer::Drop, t0);
        table.set(Timer::Tx, t0);
        assert_eq!(table.take_expired(t0), Some(Timer::Tx));
        assert_eq!(table.take_expired(t0), Some(Timer::Drop));
    }
}
