//! `virtual_server_group NAME { ... }`: addresses, address ranges and fwmarks that share one
//! real-server topology.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::Family;
use crate::diag::Diagnostics;
use crate::model::values::{need_arg, no_block, parse_uint};
use crate::token::{Loc, Token};
use crate::tree::Node;

/// One `virtual_server_group`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VirtualServerGroup {
    /// The group's name, as `virtual_server group NAME` refers to it.
    pub name: String,
    /// Its entries, in file order.
    pub entries: Vec<GroupEntry>,
    /// Where the block starts.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
}

/// One line of a `virtual_server_group`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "lowercase"))]
pub enum GroupEntry {
    /// `<IPADDR>[-<END>|/<LEN>] [<PORT>]`: the addresses `first..=last` (equal for a single
    /// address). A missing or zero port is `None` (the service must then be persistent).
    Range {
        /// First address.
        first: IpAddr,
        /// Last address, inclusive.
        last: IpAddr,
        /// Port, if not zero.
        port: Option<u16>,
        /// Where the line is.
        #[cfg_attr(
            feature = "serde",
            serde(serialize_with = "crate::model::values::ser_loc")
        )]
        loc: Loc,
    },
    /// `fwmark <INTEGER> [inet|inet6]`.
    Fwmark {
        /// The mark.
        mark: u32,
        /// Family, needed only when every real server is tunnelled.
        family: Option<Family>,
        /// Where the line is.
        #[cfg_attr(
            feature = "serde",
            serde(serialize_with = "crate::model::values::ser_loc")
        )]
        loc: Loc,
    },
}

impl VirtualServerGroup {
    /// Has at least one IPv4 address or `fwmark ... inet`.
    pub fn has_ipv4(&self) -> bool {
        self.entries.iter().any(|e| match e {
            GroupEntry::Range { first, .. } => first.is_ipv4(),
            GroupEntry::Fwmark { family, .. } => *family == Some(Family::Inet),
        })
    }

    /// Has at least one IPv6 address or `fwmark ... inet6`.
    pub fn has_ipv6(&self) -> bool {
        self.entries.iter().any(|e| match e {
            GroupEntry::Range { first, .. } => first.is_ipv6(),
            GroupEntry::Fwmark { family, .. } => *family == Some(Family::Inet6),
        })
    }

    /// Has a `fwmark` line without a family.
    pub fn has_fwmark_without_family(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e, GroupEntry::Fwmark { family: None, .. }))
    }

    /// Has any `fwmark` line.
    pub fn has_fwmarks(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e, GroupEntry::Fwmark { .. }))
    }

    /// Has any address line.
    pub fn has_addresses(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e, GroupEntry::Range { .. }))
    }

    /// The family the group's addresses and marks fix, if they fix exactly one.
    pub fn family(&self) -> Option<Family> {
        match (self.has_ipv4(), self.has_ipv6()) {
            (true, false) => Some(Family::Inet),
            (false, true) => Some(Family::Inet6),
            _ => None,
        }
    }
}

/// Parse a `virtual_server_group` block and append it unless keepalived would drop it.
pub(crate) fn parse(node: &Node, groups: &mut Vec<VirtualServerGroup>, d: &mut Diagnostics) {
    let Some(name) = need_arg(node, 0, d) else {
        return;
    };
    let mut g = VirtualServerGroup {
        name: name.text.clone(),
        entries: Vec::new(),
        loc: node.keyword.loc.clone(),
    };
    for child in node.children() {
        no_block(child, d);
        if let Some(e) = parse_entry(child, &g.name, d) {
            g.entries.push(e);
        }
    }
    if g.entries.is_empty() {
        d.error(
            &node.keyword.loc,
            format!("virtual server group {} has no entries - removing", g.name),
        );
        return;
    }
    if g.has_ipv4() && g.has_ipv6() && g.has_fwmark_without_family() {
        d.error_hint(
            &node.keyword.loc,
            format!(
                "virtual server group {} cannot have IPv4, IPv6 and fwmark without family - removing",
                g.name
            ),
            "give each fwmark a family: fwmark N inet|inet6",
        );
        return;
    }
    groups.push(g);
}

fn parse_entry(node: &Node, gname: &str, d: &mut Diagnostics) -> Option<GroupEntry> {
    if node.name() == "fwmark" {
        let tok = need_arg(node, 0, d)?;
        let mark = parse_uint(tok, 0, u64::from(u32::MAX), d)?;
        let family = match node.args.get(1) {
            None => None,
            Some(t) if t.text == "inet" => Some(Family::Inet),
            Some(t) if t.text == "inet6" => Some(Family::Inet6),
            Some(t) => {
                d.error_hint(
                    &t.loc,
                    format!(
                        "({gname}): fwmark '{mark}' family {} unknown - ignoring",
                        t.text
                    ),
                    "expected inet or inet6",
                );
                return None;
            }
        };
        return Some(GroupEntry::Fwmark {
            mark: mark as u32,
            family,
            loc: node.keyword.loc.clone(),
        });
    }
    let tok = &node.keyword;
    let port = match node.args.first() {
        None => None,
        Some(p) => match parse_port_nonzero(p) {
            Ok(p) => p,
            Err(()) => {
                d.error(
                    &p.loc,
                    format!(
                        "invalid virtual server group IP address {}/port/{} - skipping",
                        tok.text, p.text
                    ),
                );
                return None;
            }
        },
    };
    let (first, last) = parse_range(tok, d)?;
    Some(GroupEntry::Range {
        first,
        last,
        port,
        loc: tok.loc.clone(),
    })
}

/// A port as keepalived reads one after an address: all zeros means none, otherwise 1..=65535.
pub(crate) fn parse_port_nonzero(tok: &Token) -> Result<Option<u16>, ()> {
    let s = tok.text.as_str();
    if s.chars().all(|c| c == '0') && !s.is_empty() {
        return Ok(None);
    }
    match s.parse::<u32>() {
        Ok(p) if (1..=65535).contains(&p) => Ok(Some(p as u16)),
        _ => Err(()),
    }
}

/// `A`, `A-N` (last octet / last 16-bit group), `A-B` (full end address) or `A/LEN`.
fn parse_range(tok: &Token, d: &mut Diagnostics) -> Option<(IpAddr, IpAddr)> {
    let text = tok.text.as_str();
    let v6 = text.contains(':');
    let base_end = text.find(['-', '/']).unwrap_or(text.len());
    let base = &text[..base_end];
    let start = if v6 {
        Ipv6Addr::from_str(base).ok().map(IpAddr::V6)
    } else {
        Ipv4Addr::from_str(base).ok().map(IpAddr::V4)
    };
    let Some(start) = start else {
        d.error(
            &tok.loc,
            format!("invalid virtual server group IP address {text} - skipping"),
        );
        return None;
    };
    let rest = &text[base_end..];
    if let Some(mask) = rest.strip_prefix('/') {
        let max = if v6 { 128 } else { 32 };
        let len = match mask.parse::<u32>() {
            Ok(l) if l >= 1 && l <= max => l,
            _ => {
                d.error(&tok.loc, format!("invalid netmask - {text} - skipping"));
                return None;
            }
        };
        let (bits, host) = to_bits(start);
        let host_mask: u128 = if len == max {
            0
        } else {
            (1u128 << (max - len)) - 1
        };
        if bits & host_mask != 0 {
            d.error(
                &tok.loc,
                format!("address mask bits not empty - {text} - skipping"),
            );
            return None;
        }
        return Some((start, from_bits(bits | host_mask, host)));
    }
    if let Some(end) = rest.strip_prefix('-') {
        let full = if v6 {
            end.contains(':')
        } else {
            end.contains('.')
        };
        if full {
            let end_addr = if end.contains(':') {
                Ipv6Addr::from_str(end).ok().map(IpAddr::V6)
            } else {
                Ipv4Addr::from_str(end).ok().map(IpAddr::V4)
            };
            let Some(end_addr) = end_addr else {
                d.error(&tok.loc, format!("invalid range end {text} - skipping"));
                return None;
            };
            if end_addr.is_ipv4() != start.is_ipv4() {
                d.error(
                    &tok.loc,
                    format!("range address families do not match {text} - skipping"),
                );
                return None;
            }
            if to_bits(end_addr).0 < to_bits(start).0 {
                d.error(
                    &tok.loc,
                    format!(
                        "address range end is less than address range start - {text} - skipping"
                    ),
                );
                return None;
            }
            return Some((start, end_addr));
        }
        let (radix, max) = if v6 { (16, 0xffff) } else { (10, 255) };
        let n = match u32::from_str_radix(end, radix) {
            Ok(n) if n <= max => n,
            Ok(_) => {
                d.error(
                    &tok.loc,
                    format!("virtual server group range '{text}' end '{end}' too large"),
                );
                return None;
            }
            Err(_) => {
                d.error(
                    &tok.loc,
                    format!("virtual server group range '{text}' has extra characters at end"),
                );
                return None;
            }
        };
        let (bits, host) = to_bits(start);
        let (low_mask, first) = if v6 {
            (0xffffu128, (bits & 0xffff) as u32)
        } else {
            (0xffu128, (bits & 0xff) as u32)
        };
        if first >= n {
            d.error(
                &tok.loc,
                format!(
                    "address range end is not greater than address range start - {text} - skipping"
                ),
            );
            return None;
        }
        return Some((start, from_bits((bits & !low_mask) | u128::from(n), host)));
    }
    Some((start, start))
}

/// The address as an integer, and whether it is IPv6.
fn to_bits(a: IpAddr) -> (u128, bool) {
    match a {
        IpAddr::V4(v) => (u128::from(u32::from(v)), false),
        IpAddr::V6(v) => (u128::from(v), true),
    }
}

fn from_bits(bits: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(bits))
    } else {
        IpAddr::V4(Ipv4Addr::from(bits as u32))
    }
}
