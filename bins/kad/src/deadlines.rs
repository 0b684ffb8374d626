//! The deadlines of many numbered things (the VRRP router's units, the checker loop's
//! checkers) in one ordered set keyed by (deadline, number): the next wake-up is its first
//! entry, and thousands of timers cost one `BTreeSet` and no thread each.

use std::collections::BTreeSet;
use std::time::Instant;

/// At most one deadline per number; each owner keeps its current deadline beside it (the key
/// to find its entry again).
#[derive(Debug, Default)]
pub struct Deadlines {
    set: BTreeSet<(Instant, usize)>,
}

impl Deadlines {
    /// Moves `i`'s deadline from `*current` to `next` (`None`: no deadline).
    pub fn rearm(&mut self, i: usize, current: &mut Option<Instant>, next: Option<Instant>) {
        if *current == next {
            return;
        }
        if let Some(old) = current.take() {
            self.set.remove(&(old, i));
        }
        if let Some(t) = next {
            self.set.insert((t, i));
        }
        *current = next;
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<Instant> {
        self.set.first().map(|&(t, _)| t)
    }

    /// Removes and returns the number whose deadline is earliest, if it is due at `now`; its
    /// owner must forget its deadline.
    pub fn pop_due(&mut self, now: Instant) -> Option<usize> {
        match self.set.first() {
            Some(&(t, _)) if t <= now => self.set.pop_first().map(|(_, i)| i),
            _ => None,
        }
    }

    /// Forgets every deadline.
    pub fn clear(&mut self) {
        self.set.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn earliest_due_first_and_rearm_moves() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let mut d = Deadlines::default();
        let (mut a, mut b) = (None, None);
        d.rearm(0, &mut a, Some(t0 + s(3)));
        d.rearm(1, &mut b, Some(t0 + s(2)));
        d.rearm(0, &mut a, Some(t0 + s(1)));
        assert_eq!((d.next(), a), (Some(t0 + s(1)), Some(t0 + s(1))));
        assert_eq!(d.pop_due(t0), None);
        assert_eq!(d.pop_due(t0 + s(5)), Some(0));
        assert_eq!(d.pop_due(t0 + s(5)), Some(1));
        assert_eq!(d.pop_due(t0 + s(5)), None);
        d.rearm(1, &mut b, None);
        assert_eq!(d.next(), None);
    }
}
