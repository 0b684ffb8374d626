//! VRRP priorities and the effective priority after tracking.

use std::fmt;

/// A VRRP priority (RFC 5798 §5.2.4): 255 is the address owner, 0 means "the master is
/// stopping", 1–254 are backups' values, 100 is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(pub u8);

impl Priority {
    /// The address owner (RFC 5798 §5.2.4); never adjusted by trackers.
    pub const OWNER: Priority = Priority(255);
    /// Sent by a master that is giving up (RFC 5798 §6.4.3).
    pub const STOP: Priority = Priority(0);
    /// The default priority of a backup.
    pub const DEFAULT: Priority = Priority(100);
    /// The highest priority a non-owner can reach through tracking.
    pub const MAX_BACKUP: Priority = Priority(254);

    /// Whether this is the address owner's priority.
    pub fn is_owner(self) -> bool {
        self == Self::OWNER
    }

    /// The configured priority `base` adjusted by the trackers' sum `adjustment`, as
    /// keepalived's `vrrp_set_effective_priority`: an owner stays 255, everyone else is
    /// clamped to 1..=254 so tracking can neither make an owner nor a stopping master.
    pub fn effective(base: Priority, adjustment: i32) -> Priority {
        if base.is_owner() {
            return base;
        }
        let total = i32::from(base.0).saturating_add(adjustment);
        Priority(total.clamp(1, 254) as u8)
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_and_owner_fixed() {
        assert_eq!(Priority::effective(Priority(100), 50), Priority(150));
        assert_eq!(Priority::effective(Priority(100), 500), Priority(254));
        assert_eq!(Priority::effective(Priority(100), -500), Priority(1));
        assert_eq!(Priority::effective(Priority(100), i32::MIN), Priority(1));
        assert_eq!(Priority::effective(Priority::OWNER, -100), Priority::OWNER);
        assert_eq!(Priority::effective(Priority(254), 1), Priority(254));
    }
}
