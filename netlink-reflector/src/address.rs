//! Virtual addresses: the typed form of a `virtual_ipaddress` / `static_ipaddress` line and its
//! translation to `RTM_NEWADDR` / `RTM_DELADDR` (facts from keepalived's `vrrp_ipaddress.c`).

use std::net::{IpAddr, Ipv4Addr};

use netlink_packet_route::address::{
    AddressAttribute, AddressFlags, AddressMessage, AddressScope, CacheInfo,
};
use netlink_packet_route::AddressFamily;

use crate::error::{Error, Result};

/// Kernel lifetime value meaning "forever" (`INFINITY_LIFE_TIME`).
pub const FOREVER: u32 = u32::MAX;

/// The `brd` option of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broadcast {
    /// `brd <IPADDR>`.
    Addr(Ipv4Addr),
    /// `brd +`: the address with its host bits set.
    HostBitsSet,
    /// `brd -`: the address with its host bits cleared.
    HostBitsClear,
}

/// Address scope (`scope site|link|host|nowhere|global` or a number from `rt_scopes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// `global` (0), the default.
    #[default]
    Global,
    /// `site` (200).
    Site,
    /// `link` (253).
    Link,
    /// `host` (254).
    Host,
    /// `nowhere` (255).
    Nowhere,
    /// Any other `RT_SCOPE_*` number.
    Other(u8),
}

impl Scope {
    /// The kernel's `RT_SCOPE_*` number.
    pub fn to_u8(self) -> u8 {
        match self {
            Scope::Global => 0,
            Scope::Site => 200,
            Scope::Link => 253,
            Scope::Host => 254,
            Scope::Nowhere => 255,
            Scope::Other(n) => n,
        }
    }
}

/// One virtual or static address with every option of `virtual_ipaddress`.
///
/// The daemon maps a configuration line onto this; `dev` is resolved to `ifindex` first
/// (`track_group`, `no_track` and `use_vmac` are the daemon's business, not the kernel's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressSpec {
    /// `dev`: interface index.
    pub ifindex: u32,
    /// The address.
    pub addr: IpAddr,
    /// `/MASK` (default 32 or 128 for the caller to fill in).
    pub prefix_len: u8,
    /// `brd` (IPv4 only).
    pub broadcast: Option<Broadcast>,
    /// `scope` (IPv4 only; keepalived ignores a scope on IPv6 addresses).
    pub scope: Scope,
    /// `label` (IPv4 only).
    pub label: Option<String>,
    /// `peer`.
    pub peer: Option<IpAddr>,
    /// `home`: `IFA_F_HOMEADDRESS` (Mobile IPv6).
    pub home: bool,
    /// `-nodad`: perform duplicate address detection. keepalived sets `IFA_F_NODAD` on every
    /// IPv6 VIP unless this is given, so a split brain cannot leave a VIP `dadfailed`.
    pub dad: bool,
    /// `mngtmpaddr`: `IFA_F_MANAGETEMPADDR`.
    pub mngtmpaddr: bool,
    /// `noprefixroute`: `IFA_F_NOPREFIXROUTE`.
    pub noprefixroute: bool,
    /// `autojoin`: `IFA_F_MCAUTOJOIN`.
    pub autojoin: bool,
    /// `preferred_lft nn|forever` (IPv6). `None` gives keepalived's default: 0 (deprecated,
    /// so it is not picked as a source address) for a /128, forever otherwise.
    pub preferred_lft: Option<u32>,
}

impl AddressSpec {
    /// A plain address on `ifindex` with every option at its default.
    pub fn new(ifindex: u32, addr: IpAddr, prefix_len: u8) -> Self {
        Self {
            ifindex,
            addr,
            prefix_len,
            broadcast: None,
            scope: Scope::Global,
            label: None,
            peer: None,
            home: false,
            dad: false,
            mngtmpaddr: false,
            noprefixroute: false,
            autojoin: false,
            preferred_lft: None,
        }
    }

    /// Checks the combination before anything is sent (keepalived's parser rejects the same).
    pub fn validate(&self) -> Result<()> {
        let bad = |why: &str| {
            Err(Error::InvalidSpec {
                what: "address",
                why: why.to_owned(),
            })
        };
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix_len > max {
            return bad(&format!(
                "prefix length {} for {}",
                self.prefix_len, self.addr
            ));
        }
        if let Some(p) = self.peer {
            if p.is_ipv4() != self.addr.is_ipv4() {
                return bad("peer of a different address family");
            }
        }
        if self.addr.is_ipv6() {
            if self.broadcast.is_some() {
                return bad("broadcast on an IPv6 address");
            }
            if self.label.is_some() {
                return bad("label on an IPv6 address");
            }
        }
        if self.broadcast.is_some() && self.peer.is_some() {
            return bad("both broadcast and peer");
        }
        if matches!(
            self.broadcast,
            Some(Broadcast::HostBitsSet | Broadcast::HostBitsClear)
        ) && self.prefix_len > 30
        {
            return bad("computed broadcast needs a prefix of 30 or less");
        }
        if let Some(l) = &self.label {
            if l.is_empty() || l.len() > 15 {
                return bad("label must be 1 to 15 bytes");
            }
        }
        Ok(())
    }

    /// The broadcast address to install: `brd +`/`-` computed from the address (or the peer)
    /// and the prefix length, as keepalived does.
    pub fn broadcast_addr(&self) -> Option<Ipv4Addr> {
        let base = match self.peer.unwrap_or(self.addr) {
            IpAddr::V4(a) => u32::from(a),
            IpAddr::V6(_) => return None,
        };
        let host = u32::MAX
            .checked_shr(u32::from(self.prefix_len))
            .unwrap_or(0);
        match self.broadcast? {
            Broadcast::Addr(a) => Some(a),
            Broadcast::HostBitsSet => Some(Ipv4Addr::from(base | host)),
            Broadcast::HostBitsClear => Some(Ipv4Addr::from(base & !host)),
        }
    }

    /// The `IFA_F_*` flags sent with `RTM_NEWADDR`.
    pub fn flags(&self) -> AddressFlags {
        let mut f = AddressFlags::empty();
        f.set(AddressFlags::Homeaddress, self.home);
        f.set(AddressFlags::Nodad, self.addr.is_ipv6() && !self.dad);
        f.set(AddressFlags::Managetempaddr, self.mngtmpaddr);
        f.set(AddressFlags::Noprefixroute, self.noprefixroute);
        f.set(AddressFlags::Mcautojoin, self.autojoin);
        f
    }

    /// The effective IPv6 preferred lifetime (`None` for IPv4).
    pub fn effective_preferred_lft(&self) -> Option<u32> {
        if self.addr.is_ipv4() {
            return None;
        }
        Some(
            self.preferred_lft
                .unwrap_or(if self.prefix_len == 128 { 0 } else { FOREVER }),
        )
    }

    fn header(&self) -> AddressMessage {
        let mut m = AddressMessage::default();
        m.header.family = if self.addr.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        m.header.prefix_len = self.prefix_len;
        m.header.index = self.ifindex;
        m.header.scope = AddressScope::from(if self.addr.is_ipv4() {
            self.scope.to_u8()
        } else {
            0
        });
        m
    }

    /// The `RTM_NEWADDR` payload.
    pub fn to_new_message(&self) -> AddressMessage {
        let mut m = self.header();
        let attrs = &mut m.attributes;
        attrs.push(AddressAttribute::Local(self.addr));
        attrs.push(AddressAttribute::Address(self.peer.unwrap_or(self.addr)));
        if let Some(b) = self.broadcast_addr() {
            attrs.push(AddressAttribute::Broadcast(b));
        }
        if let Some(l) = &self.label {
            attrs.push(AddressAttribute::Label(l.clone()));
        }
        let flags = self.flags();
        if !flags.is_empty() {
            attrs.push(AddressAttribute::Flags(flags));
        }
        if let Some(p) = self.effective_preferred_lft() {
            if p != FOREVER {
                let mut ci = CacheInfo::default();
                ci.ifa_preferred = p;
                ci.ifa_valid = FOREVER;
                attrs.push(AddressAttribute::CacheInfo(ci));
            }
        }
        m
    }

    /// The `RTM_DELADDR` payload (the kernel matches local address, prefix length and peer).
    pub fn to_del_message(&self) -> AddressMessage {
        let mut m = self.header();
        m.attributes.push(AddressAttribute::Local(self.addr));
        m.attributes
            .push(AddressAttribute::Address(self.peer.unwrap_or(self.addr)));
        m
    }

    /// `192.0.2.1/24 dev #3` style description for errors and logs.
    pub fn describe(&self) -> String {
        format!(
            "{}/{} on ifindex {}",
            self.addr, self.prefix_len, self.ifindex
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str, len: u8) -> AddressSpec {
        AddressSpec::new(3, s.parse().unwrap(), len)
    }

    #[test]
    fn computed_broadcast_sets_or_clears_host_bits() {
        let mut a = v4("192.0.2.77", 24);
        a.broadcast = Some(Broadcast::HostBitsSet);
        assert_eq!(a.broadcast_addr(), Some("192.0.2.255".parse().unwrap()));
        a.broadcast = Some(Broadcast::HostBitsClear);
        assert_eq!(a.broadcast_addr(), Some("192.0.2.0".parse().unwrap()));
        a.prefix_len = 0;
        a.broadcast = Some(Broadcast::HostBitsSet);
        assert_eq!(a.broadcast_addr(), Some("255.255.255.255".parse().unwrap()));
        a.prefix_len = 31;
        assert!(a.validate().is_err());
    }

    proptest::proptest! {
        /// `brd +`/`-` keep the network part and set or clear every host bit.
        #[test]
        fn computed_broadcast_keeps_the_network(ip in proptest::prelude::any::<u32>(), len in 0u8..=30) {
            let mut a = AddressSpec::new(1, IpAddr::V4(Ipv4Addr::from(ip)), len);
            let host = u32::MAX.checked_shr(u32::from(len)).unwrap_or(0);
            a.broadcast = Some(Broadcast::HostBitsSet);
            let set = u32::from(a.broadcast_addr().unwrap());
            a.broadcast = Some(Broadcast::HostBitsClear);
            let clear = u32::from(a.broadcast_addr().unwrap());
            proptest::prop_assert_eq!(set & !host, ip & !host);
            proptest::prop_assert_eq!(set & host, host);
            proptest::prop_assert_eq!(clear, ip & !host);
            proptest::prop_assert!(a.validate().is_ok());
        }
    }

    #[test]
    fn ipv6_defaults_follow_keepalived() {
        let a = AddressSpec::new(3, "2001:db8::1".parse().unwrap(), 128);
        assert!(a.flags().contains(AddressFlags::Nodad));
        assert_eq!(a.effective_preferred_lft(), Some(0));
        let mut b = AddressSpec::new(3, "2001:db8::1".parse().unwrap(), 64);
        assert_eq!(b.effective_preferred_lft(), Some(FOREVER));
        b.dad = true;
        assert!(!b.flags().contains(AddressFlags::Nodad));
        assert!(!v4("192.0.2.1", 24).flags().contains(AddressFlags::Nodad));
    }

    #[test]
    fn inconsistent_specs_are_rejected() {
        let mut a = AddressSpec::new(3, "2001:db8::1".parse().unwrap(), 64);
        a.label = Some("x".into());
        assert!(a.validate().is_err());
        let mut b = v4("192.0.2.1", 33);
        assert!(b.validate().is_err());
        b.prefix_len = 24;
        b.peer = Some("2001:db8::2".parse().unwrap());
        assert!(b.validate().is_err());
        b.peer = Some("192.0.2.2".parse().unwrap());
        b.broadcast = Some(Broadcast::HostBitsSet);
        assert!(b.validate().is_err());
        b.broadcast = None;
        assert!(b.validate().is_ok());
    }

    #[test]
    fn new_message_carries_every_option() {
        let mut a = v4("192.0.2.10", 24);
        a.label = Some("dummy0:vip".into());
        a.scope = Scope::Link;
        a.broadcast = Some(Broadcast::HostBitsSet);
        a.noprefixroute = true;
        let m = a.to_new_message();
        assert_eq!(u8::from(m.header.scope), 253);
        assert!(m
            .attributes
            .contains(&AddressAttribute::Label("dummy0:vip".into())));
        assert!(m
            .attributes
            .contains(&AddressAttribute::Broadcast("192.0.2.255".parse().unwrap())));
        assert!(m
            .attributes
            .contains(&AddressAttribute::Flags(AddressFlags::Noprefixroute)));
    }
}
