//! The in-memory mirror of the kernel's links and addresses, and the changes between two states.
//!
//! The table is pure data: it is fed decoded rtnetlink messages ([`Table::apply`]) or compared
//! with a fresh dump ([`Table::diff`]), so every rule here is unit-testable without a kernel.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoMacVlan, LinkAttribute, LinkInfo, LinkMessage,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use crate::vmac::MacvlanMode;

/// One interface as the kernel last reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Link {
    /// Interface index.
    pub index: u32,
    /// Interface name (`IFLA_IFNAME`).
    pub name: String,
    /// `IFF_*` flags from the link header.
    pub flags: u32,
    /// MTU (`IFLA_MTU`), 0 if not reported.
    pub mtu: u32,
    /// Hardware address (`IFLA_ADDRESS`), empty for links without one.
    pub mac: Vec<u8>,
    /// `IFLA_INFO_KIND` (`dummy`, `veth`, `macvlan`, …), if the link has one.
    pub kind: Option<String>,
    /// The lower device (`IFLA_LINK`), e.g. a macvlan's or veth's parent, if it differs from
    /// the link itself.
    pub parent: Option<u32>,
    /// Macvlan mode, for `macvlan` links.
    pub macvlan_mode: Option<MacvlanMode>,
    /// The master device (`IFLA_MASTER`): a VRF or bridge the link is enslaved to.
    pub master: Option<u32>,
    /// Addresses configured on the link, IPv4 and IPv6, in the order they were reported.
    pub addresses: Vec<Address>,
}

const IFF_UP: u32 = 0x1;
const IFF_RUNNING: u32 = 0x40;
const IFF_LOWER_UP: u32 = 0x1_0000;

impl Link {
    /// Administratively up (`IFF_UP`).
    pub fn admin_up(&self) -> bool {
        self.flags & IFF_UP != 0
    }
    /// Carrier and operational state allow traffic (`IFF_RUNNING`).
    pub fn running(&self) -> bool {
        self.flags & IFF_RUNNING != 0
    }
    /// The lower layer reports carrier (`IFF_LOWER_UP`).
    pub fn lower_up(&self) -> bool {
        self.flags & IFF_LOWER_UP != 0
    }
    /// The state VRRP tracks: keepalived counts an interface as up when both `IFF_UP` and
    /// `IFF_RUNNING` are set (its `IF_FLAGS_UP`).
    pub fn is_up(&self) -> bool {
        self.admin_up() && self.running()
    }
}

/// One address on a link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Address {
    /// The local address (`IFA_LOCAL`, or `IFA_ADDRESS` when there is no peer).
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix_len: u8,
    /// Peer of a point-to-point address (`IFA_ADDRESS` differing from `IFA_LOCAL`).
    pub peer: Option<IpAddr>,
    /// IPv4 broadcast (`IFA_BROADCAST`).
    pub broadcast: Option<Ipv4Addr>,
    /// IPv4 label (`IFA_LABEL`).
    pub label: Option<String>,
    /// `IFA_F_*` flags (the 32-bit `IFA_FLAGS` attribute when present).
    pub flags: u32,
    /// Scope (`RT_SCOPE_*`: 0 global, 200 site, 253 link, 254 host).
    pub scope: u8,
}

/// `IFA_F_*` flag values, for reading [`Address::flags`].
pub mod addr_flags {
    /// Secondary address.
    pub const SECONDARY: u32 = 0x01;
    /// Duplicate address detection skipped.
    pub const NODAD: u32 = 0x02;
    /// Duplicate address detection failed.
    pub const DADFAILED: u32 = 0x08;
    /// Mobile IPv6 home address.
    pub const HOMEADDRESS: u32 = 0x10;
    /// Preferred lifetime ran out.
    pub const DEPRECATED: u32 = 0x20;
    /// Duplicate address detection still running.
    pub const TENTATIVE: u32 = 0x40;
    /// No lifetime (configured by hand).
    pub const PERMANENT: u32 = 0x80;
    /// Manage temporary addresses from this prefix.
    pub const MANAGETEMPADDR: u32 = 0x100;
    /// No prefix route for this address.
    pub const NOPREFIXROUTE: u32 = 0x200;
    /// Join the multicast group of a multicast address.
    pub const MCAUTOJOIN: u32 = 0x400;
}

/// A change of the mirrored state, as the VRRP loop turns it into tracker events.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A link appeared.
    LinkAdded {
        /// Interface index.
        index: u32,
        /// Name.
        name: String,
        /// Whether it is up in the [`Link::is_up`] sense.
        up: bool,
    },
    /// A link disappeared. The kernel normally reports its addresses' removal first (as
    /// `AddrRemoved`); any address still mirrored when the link goes is dropped with it.
    LinkRemoved {
        /// Interface index.
        index: u32,
        /// Last known name.
        name: String,
    },
    /// A link was renamed.
    LinkRenamed {
        /// Interface index.
        index: u32,
        /// Previous name.
        old: String,
        /// New name.
        new: String,
    },
    /// A link became up ([`Link::is_up`]).
    LinkUp {
        /// Interface index.
        index: u32,
        /// Name.
        name: String,
    },
    /// A link stopped being up.
    LinkDown {
        /// Interface index.
        index: u32,
        /// Name.
        name: String,
    },
    /// MTU, hardware address or lower device changed.
    LinkChanged {
        /// Interface index.
        index: u32,
        /// Name.
        name: String,
    },
    /// An address appeared on a link.
    AddrAdded {
        /// Interface index.
        index: u32,
        /// The address.
        addr: IpAddr,
        /// Its prefix length.
        prefix_len: u8,
    },
    /// An address was removed from a link (by us or by someone else).
    AddrRemoved {
        /// Interface index.
        index: u32,
        /// The address.
        addr: IpAddr,
        /// Its prefix length.
        prefix_len: u8,
    },
    /// Events were lost (receive buffer overrun) and the table was rebuilt from a fresh dump;
    /// the changes that follow it are the difference between the old and new tables.
    Resynced,
}

/// Links by interface index, each with its addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    links: BTreeMap<u32, Link>,
}

impl Table {
    /// The link with this index.
    pub fn link(&self, index: u32) -> Option<&Link> {
        self.links.get(&index)
    }

    /// The link with this name.
    pub fn link_by_name(&self, name: &str) -> Option<&Link> {
        self.links.values().find(|l| l.name == name)
    }

    /// All links in ifindex order.
    pub fn links(&self) -> impl Iterator<Item = &Link> {
        self.links.values()
    }

    /// Number of links.
    pub fn len(&self) -> usize {
        self.links.len()
    }

    /// No links known.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }

    /// The link holding `addr`, if any.
    pub fn find_address(&self, addr: IpAddr) -> Option<(&Link, &Address)> {
        self.links
            .values()
            .find_map(|l| l.addresses.iter().find(|a| a.addr == addr).map(|a| (l, a)))
    }

    /// Applies one rtnetlink message, appending what changed to `out`. Messages of other
    /// types, and bridge-port link messages (`AF_BRIDGE`), are ignored.
    pub fn apply(&mut self, msg: &RouteNetlinkMessage, out: &mut Vec<Change>) {
        match msg {
            RouteNetlinkMessage::NewLink(m) => {
                if m.header.interface_family == AddressFamily::Bridge {
                    return;
                }
                if let Some(mut new) = link_from_msg(m) {
                    let old = self.links.get(&new.index);
                    compare_link(old, &new, out);
                    if let Some(old) = old {
                        new.addresses = old.addresses.clone();
                    }
                    self.links.insert(new.index, new);
                }
            }
            RouteNetlinkMessage::DelLink(m) => {
                if m.header.interface_family == AddressFamily::Bridge {
                    return;
                }
                if let Some(old) = self.links.remove(&m.header.index) {
                    out.push(Change::LinkRemoved {
                        index: old.index,
                        name: old.name,
                    });
                }
            }
            RouteNetlinkMessage::NewAddress(m) => {
                let Some(a) = address_from_msg(m) else { return };
                let Some(link) = self.links.get_mut(&m.header.index) else {
                    return;
                };
                match link.addresses.iter_mut().find(|x| same_address(x, &a)) {
                    Some(x) => *x = a,
                    None => {
                        out.push(Change::AddrAdded {
                            index: link.index,
                            addr: a.addr,
                            prefix_len: a.prefix_len,
                        });
                        link.addresses.push(a);
                    }
                }
            }
            RouteNetlinkMessage::DelAddress(m) => {
                let Some(a) = address_from_msg(m) else { return };
                let Some(link) = self.links.get_mut(&m.header.index) else {
                    return;
                };
                let before = link.addresses.len();
                link.addresses.retain(|x| !same_address(x, &a));
                if link.addresses.len() != before {
                    out.push(Change::AddrRemoved {
                        index: link.index,
                        addr: a.addr,
                        prefix_len: a.prefix_len,
                    });
                }
            }
            _ => {}
        }
    }

    /// Appends to `out` the changes that turn `self` into `new` (used after a resync).
    pub fn diff(&self, new: &Table, out: &mut Vec<Change>) {
        for (idx, old) in &self.links {
            if !new.links.contains_key(idx) {
                out.push(Change::LinkRemoved {
                    index: *idx,
                    name: old.name.clone(),
                });
            }
        }
        for (idx, link) in &new.links {
            let old = self.links.get(idx);
            compare_link(old, link, out);
            let old_addrs: &[Address] = old.map(|o| o.addresses.as_slice()).unwrap_or(&[]);
            if old.is_some() {
                for a in old_addrs {
                    if !link.addresses.iter().any(|n| same_address(n, a)) {
                        out.push(Change::AddrRemoved {
                            index: *idx,
                            addr: a.addr,
                            prefix_len: a.prefix_len,
                        });
                    }
                }
            }
            for a in &link.addresses {
                if !old_addrs.iter().any(|o| same_address(o, a)) {
                    out.push(Change::AddrAdded {
                        index: *idx,
                        addr: a.addr,
                        prefix_len: a.prefix_len,
                    });
                }
            }
        }
    }
}

/// The kernel identifies an address by its local address, prefix length and (IPv4) peer.
fn same_address(a: &Address, b: &Address) -> bool {
    a.addr == b.addr && a.prefix_len == b.prefix_len && a.peer == b.peer
}

fn compare_link(old: Option<&Link>, new: &Link, out: &mut Vec<Change>) {
    let Some(old) = old else {
        out.push(Change::LinkAdded {
            index: new.index,
            name: new.name.clone(),
            up: new.is_up(),
        });
        return;
    };
    if old.name != new.name {
        out.push(Change::LinkRenamed {
            index: new.index,
            old: old.name.clone(),
            new: new.name.clone(),
        });
    }
    if old.mtu != new.mtu || old.mac != new.mac || old.parent != new.parent {
        out.push(Change::LinkChanged {
            index: new.index,
            name: new.name.clone(),
        });
    }
    match (old.is_up(), new.is_up()) {
        (false, true) => out.push(Change::LinkUp {
            index: new.index,
            name: new.name.clone(),
        }),
        (true, false) => out.push(Change::LinkDown {
            index: new.index,
            name: new.name.clone(),
        }),
        _ => {}
    }
}

/// Builds a [`Link`] (without addresses) from `RTM_NEWLINK`; `None` if it carries no name.
pub(crate) fn link_from_msg(m: &LinkMessage) -> Option<Link> {
    let mut link = Link {
        index: m.header.index,
        name: String::new(),
        flags: m.header.flags.bits(),
        mtu: 0,
        mac: Vec::new(),
        kind: None,
        parent: None,
        macvlan_mode: None,
        master: None,
        addresses: Vec::new(),
    };
    for attr in &m.attributes {
        match attr {
            LinkAttribute::IfName(n) => link.name.clone_from(n),
            LinkAttribute::Mtu(v) => link.mtu = *v,
            LinkAttribute::Address(a) => link.mac.clone_from(a),
            LinkAttribute::Link(p) if *p != 0 && *p != m.header.index => link.parent = Some(*p),
            LinkAttribute::Controller(c) if *c != 0 => link.master = Some(*c),
            LinkAttribute::LinkInfo(infos) => {
                for info in infos {
                    match info {
                        LinkInfo::Kind(k) => link.kind = Some(kind_name(k)),
                        LinkInfo::Data(InfoData::MacVlan(d)) => {
                            for x in d {
                                if let InfoMacVlan::Mode(mode) = x {
                                    link.macvlan_mode = Some(MacvlanMode::from_route(*mode));
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    (!link.name.is_empty()).then_some(link)
}

fn kind_name(k: &InfoKind) -> String {
    match k {
        InfoKind::Other(s) => s.clone(),
        // InfoKind's Display is the kernel's kind string ("dummy", "macvlan", …).
        other => other.to_string(),
    }
}

/// Builds an [`Address`] from `RTM_NEWADDR`/`RTM_DELADDR`.
pub(crate) fn address_from_msg(m: &AddressMessage) -> Option<Address> {
    let mut local = None;
    let mut address = None;
    let mut a = Address {
        addr: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        prefix_len: m.header.prefix_len,
        peer: None,
        broadcast: None,
        label: None,
        flags: u32::from(m.header.flags.bits()),
        scope: u8::from(m.header.scope),
    };
    for attr in &m.attributes {
        match attr {
            AddressAttribute::Local(ip) => local = Some(*ip),
            AddressAttribute::Address(ip) => address = Some(*ip),
            AddressAttribute::Broadcast(b) => a.broadcast = Some(*b),
            AddressAttribute::Label(l) => a.label = Some(l.clone()),
            AddressAttribute::Flags(f) => a.flags = f.bits(),
            _ => {}
        }
    }
    match (local, address) {
        (Some(l), Some(p)) if l != p => {
            a.addr = l;
            a.peer = Some(p);
        }
        (Some(x), _) | (None, Some(x)) => a.addr = x,
        (None, None) => return None,
    }
    Some(a)
}

#[cfg(test)]
mod tests;
