//! The instance's timers: one fixed slot per purpose, as in quinn-proto's `TimerTable`.
//!
//! An instance never sleeps; it records deadlines here and the caller asks
//! [`Instance::poll_timeout`](crate::Instance::poll_timeout) for the earliest one.

use std::time::Instant;

/// What a deadline is for. Each kind has exactly one slot, so re-arming replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Backup: no advert from the master within the Master_Down_Interval
    /// (RFC 5798 §6.4.2). Also used to leave Init after `vrrp_startup_delay`.
    MasterDown,
    /// Master: time to send the next advert (RFC 5798 §6.4.3, Adver_Timer).
    Advert,
    /// Master: the second block of gratuitous ARP / NA after `garp_master_delay`.
    GarpMasterDelay,
    /// Master: the second block after a lower-priority advert (`garp_lower_prio_delay`).
    GarpLowerPrioDelay,
    /// Master: periodic refresh (`garp_master_refresh`).
    GarpRefresh,
    /// Master: periodic GARP/NA on other interfaces (`garp_extra_if`).
    GarpExtraIf,
}

impl Timer {
    /// Every timer, in slot order.
    pub const ALL: [Timer; 6] = [
        Timer::MasterDown,
        Timer::Advert,
        Timer::GarpMasterDelay,
        Timer::GarpLowerPrioDelay,
        Timer::GarpRefresh,
        Timer::GarpExtraIf,
    ];

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

    /// Stops every timer.
    pub fn stop_all(&mut self) {
        self.slots = Default::default();
    }

    /// The deadline of `timer`, if armed.
    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.slots[timer.slot()]
    }

    /// The earliest armed deadline.
    pub fn next_timeout(&self) -> Option<Instant> {
        self.slots.iter().flatten().min().copied()
    }

    /// Stops and returns the expired timer with the earliest deadline, so that timers
    /// fire in deadline order even if `now` jumped past several of them.
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
        assert_eq!(table.next_timeout(), None);
        table.set(Timer::Advert, t0 + Duration::from_secs(2));
        table.set(Timer::GarpRefresh, t0 + Duration::from_secs(1));
        assert_eq!(table.next_timeout(), Some(t0 + Duration::from_secs(1)));
        assert_eq!(table.take_expired(t0), None);
        let late = t0 + Duration::from_secs(5);
        assert_eq!(table.take_expired(late), Some(Timer::GarpRefresh));
        assert_eq!(table.take_expired(late), Some(Timer::Advert));
        assert_eq!(table.take_expired(late), None);
        assert_eq!(table.next_timeout(), None);
    }

    #[test]
    fn rearm_replaces() {
        let t0 = Instant::now();
        let mut table = TimerTable::default();
        table.set(Timer::MasterDown, t0 + Duration::from_secs(3));
        table.set(Timer::MasterDown, t0 + Duration::from_secs(1));
        assert_eq!(
            table.get(Timer::MasterDown),
            Some(t0 + Duration::from_secs(1))
        );
        assert_eq!(
            table.take_expired(t0 + Duration::from_secs(1)),
            Some(Timer::MasterDown)
        );
        table.stop_all();
        assert_eq!(table.next_timeout(), None);
    }
}
