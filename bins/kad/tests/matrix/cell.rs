//! The cells of the interoperability matrix: every combination of VRRP version, address
//! family, transport, authentication, virtual MAC, peer implementation and kad's role that
//! the peer can run, and the subset a CI run picks.

use crate::e2e::Rng;
use std::fmt;

/// `authentication { auth_type … }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No `authentication` block.
    None,
    /// `auth_type PASS` (RFC 2338 §5.3.6.2; VRRPv2 only in keepalived).
    Pass,
    /// `auth_type AH` (RFC 2338 §5.3.6.3; VRRPv2 only).
    Ah,
}

/// The other router on the LAN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// Debian's keepalived 2.2.7.
    Keepalived,
    /// Debian's FRR 8.4 vrrpd (with zebra).
    Frr,
}

/// One cell: two routers, kad and `peer`, configured alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    /// `version` (2 or 3).
    pub version: u8,
    /// IPv6 VIP (VRRPv3 only, RFC 5798).
    pub v6: bool,
    /// `unicast_peer` rather than the multicast group.
    pub unicast: bool,
    /// Authentication.
    pub auth: Auth,
    /// `use_vmac` on kad's side (and keepalived's); FRR always uses its macvlan.
    pub vmac: bool,
    /// The peer.
    pub peer: Peer,
    /// kad starts as the higher-priority router (the peer is its backup).
    pub kad_master: bool,
}

impl Cell {
    /// The row of the README's table this cell belongs to (everything but peer and role).
    pub fn row(&self) -> String {
        format!(
            "v{} | {} | {} | {} | {}",
            self.version,
            if self.v6 { "IPv6" } else { "IPv4" },
            if self.unicast { "unicast" } else { "multicast" },
            match self.auth {
                Auth::None => "none",
                Auth::Pass => "PASS",
                Auth::Ah => "AH",
            },
            if self.vmac { "on" } else { "off" },
        )
    }

    /// The column: peer and kad's role.
    pub fn column(&self) -> String {
        format!(
            "{} {}",
            match self.peer {
                Peer::Keepalived => "keepalived",
                Peer::Frr => "FRR",
            },
            if self.kad_master {
                "(kad master)"
            } else {
                "(kad backup)"
            }
        )
    }

    /// Why the peer cannot run this cell, if it cannot.
    pub fn unsupported(&self) -> Option<&'static str> {
        match (self.peer, self) {
            (_, c) if c.v6 && c.version == 2 => Some("VRRPv2 is IPv4 only (RFC 3768)"),
            (_, c) if c.version == 3 && c.auth != Auth::None => {
                Some("VRRPv3 has no authentication (RFC 5798 removed it)")
            }
            (Peer::Frr, c) if c.unicast => Some("FRR 8.4's vrrpd has no unicast mode"),
            (Peer::Frr, c) if c.auth != Auth::None => Some("FRR 8.4's vrrpd has no authentication"),
            _ => None,
        }
    }

    /// A fault of the peer that makes this cell fail, as observed; the cell still runs, and
    /// its failure is reported but does not fail the suite.
    pub fn known_issue(&self) -> Option<&'static str> {
        (self.peer == Peer::Frr && self.v6 && !self.kad_master).then_some(
            "FRR 8.4's vrrpd as the IPv6 master from its start. vrrpd turns protodown on for its \
             macvlan in Backup, and the kernel removes the macvlan's link-local address with the \
             carrier; on Master_Down_Timer expiry it lifts protodown and binds its advert socket \
             at once, before the address is back: `Failed to find address to bind on vrrp6-…`. \
             It then reports Master and never advertises, even once the link-local address is \
             back (vrrpd does not retry the bind), so kad (the backup) becomes master too. \
             Waiting for the macvlan's link-local address to leave DAD before starting vrrpd \
             does not change this. The same vrrpd taking over later (the kad master cells) \
             works.",
        )
    }

    /// Every combination the peers can run, in a fixed order.
    pub fn all() -> Vec<Cell> {
        Cell::every()
            .into_iter()
            .filter(|c| c.unsupported().is_none())
            .collect()
    }

    /// Why the cells missing from [`Cell::all`] are missing, each reason once.
    pub fn exclusions() -> Vec<&'static str> {
        let mut out = Vec::new();
        for why in Cell::every().iter().filter_map(Cell::unsupported) {
            if !out.contains(&why) {
                out.push(why);
            }
        }
        out
    }

    /// The whole cartesian product.
    fn every() -> Vec<Cell> {
        let mut out = Vec::new();
        for version in [2, 3] {
            for v6 in [false, true] {
                for unicast in [false, true] {
                    for auth in [Auth::None, Auth::Pass, Auth::Ah] {
                        for vmac in [false, true] {
                            for peer in [Peer::Keepalived, Peer::Frr] {
                                for kad_master in [true, false] {
                                    out.push(Cell {
                                        version,
                                        v6,
                                        unicast,
                                        auth,
                                        vmac,
                                        peer,
                                        kad_master,
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// A VRID per cell, so that cells exercise different virtual MACs.
    pub fn vrid(&self, index: usize) -> u8 {
        u8::try_from(10 + index % 240).expect("vrid")
    }
}

impl fmt::Display for Cell {
    /// `v2-ipv4-mcast-pass-vmac-keepalived-kadmaster`: the name a filter matches.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "v{}-{}-{}-{}-{}-{}-{}",
            self.version,
            if self.v6 { "ipv6" } else { "ipv4" },
            if self.unicast { "ucast" } else { "mcast" },
            match self.auth {
                Auth::None => "noauth",
                Auth::Pass => "pass",
                Auth::Ah => "ah",
            },
            if self.vmac { "vmac" } else { "novmac" },
            match self.peer {
                Peer::Keepalived => "keepalived",
                Peer::Frr => "frr",
            },
            if self.kad_master {
                "kadmaster"
            } else {
                "kadbackup"
            }
        )
    }
}

/// `count` cells chosen by `seed` (indices into [`Cell::all`]): always one keepalived cell
/// of each version and one FRR cell, then others at random.
pub fn subset(all: &[Cell], seed: u64, count: usize) -> Vec<usize> {
    let mut rng = Rng(seed.max(1));
    let mut pick = |want: &dyn Fn(&Cell) -> bool, chosen: &mut Vec<usize>| {
        let pool: Vec<usize> = (0..all.len())
            .filter(|i| want(&all[*i]) && !chosen.contains(i))
            .collect();
        if !pool.is_empty() {
            let n = u64::try_from(pool.len()).expect("len");
            let at = usize::try_from(rng.next() % n).expect("index");
            chosen.push(pool[at]);
        }
    };
    let mut chosen = Vec::new();
    pick(
        &|c| c.peer == Peer::Keepalived && c.version == 2,
        &mut chosen,
    );
    pick(
        &|c| c.peer == Peer::Keepalived && c.version == 3,
        &mut chosen,
    );
    pick(&|c| c.peer == Peer::Frr, &mut chosen);
    while chosen.len() < count.min(all.len()) {
        pick(&|_| true, &mut chosen);
    }
    chosen.sort_unstable();
    chosen
}
