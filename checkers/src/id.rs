//! Typed names for the pool's virtual servers, real servers and checkers, so that a call such
//! as [`Pool::checker_result`](crate::Pool::checker_result) cannot take a real server's index
//! for a checker's.
//!
//! Each is a position in the configuration given to [`Pool::new`](crate::Pool::new) or
//! [`Pool::reload`](crate::Pool::reload): a virtual server's in that list, a real server's in
//! its virtual server's `reals`, a checker's in its real server's `checker_alpha`. A reload
//! renumbers them.

/// A `virtual_server` of the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VirtualServerId(usize);

impl VirtualServerId {
    /// The virtual server at `index` in the pool's list.
    #[must_use]
    pub const fn new(index: usize) -> Self {
        Self(index)
    }

    /// Its position in the pool's list.
    #[must_use]
    pub const fn index(self) -> usize {
        self.0
    }

    /// Its real server at `index` in [`VirtualServerConfig::reals`](crate::VirtualServerConfig::reals).
    #[must_use]
    pub const fn real(self, index: usize) -> RealServerId {
        RealServerId { vs: self, index }
    }
}

/// A `real_server` of one virtual server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RealServerId {
    vs: VirtualServerId,
    index: usize,
}

impl RealServerId {
    /// Its virtual server.
    #[must_use]
    pub const fn vs(self) -> VirtualServerId {
        self.vs
    }

    /// Its position in the virtual server's `reals`.
    #[must_use]
    pub const fn index(self) -> usize {
        self.index
    }

    /// Its checker at `index` in
    /// [`RealServerConfig::checker_alpha`](crate::RealServerConfig::checker_alpha).
    #[must_use]
    pub const fn checker(self, index: usize) -> CheckerId {
        CheckerId { real: self, index }
    }
}

/// One checker of one real server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckerId {
    real: RealServerId,
    index: usize,
}

impl CheckerId {
    /// Its real server.
    #[must_use]
    pub const fn real(self) -> RealServerId {
        self.real
    }

    /// Its position in the real server's `checker_alpha`.
    #[must_use]
    pub const fn index(self) -> usize {
        self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_their_parents() {
        let c = VirtualServerId::new(2).real(5).checker(1);
        assert_eq!(c.index(), 1);
        assert_eq!(c.real().index(), 5);
        assert_eq!(c.real().vs().index(), 2);
    }
}
