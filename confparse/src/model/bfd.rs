//! `bfd_instance NAME { ... }` (keepalived.conf(5) "BFD CONFIGURATION"; keepalived's
//! `bfd/bfd_parser.c`). Intervals are written in milliseconds with microsecond resolution
//! and held in microseconds, the unit of RFC 5880 §4.1's interval fields.

use std::net::IpAddr;

use super::values::{need_arg, parse_decimal, parse_int, parse_uint, Micros};
use crate::diag::{Diagnostics, Severity};
use crate::token::Loc;
use crate::tree::Node;

/// RFC 5881 §4: single-hop control packets go out with TTL 255.
pub const BFD_CONTROL_TTL: u8 = 255;
/// keepalived's IPv6 default hop limit for BFD.
pub const BFD_CONTROL_HOPLIMIT: u8 = 64;

/// One `bfd_instance` block.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BfdInstance {
    /// Where it is defined.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// Its name.
    pub name: String,
    /// `neighbor_ip` (synonym `neighbour_ip`).
    pub neighbor_ip: IpAddr,
    /// `source_ip`.
    pub source_ip: Option<IpAddr>,
    /// `min_rx` (default 10 ms).
    pub min_rx: Micros,
    /// `min_tx` (default 10 ms).
    pub min_tx: Micros,
    /// `idle_tx` (default 1000 ms).
    pub idle_tx: Micros,
    /// `multiplier` (1..255, default 5).
    pub multiplier: u8,
    /// `passive`.
    pub passive: bool,
    /// `ttl`/`hoplimit` (default 255 for IPv4, 64 for IPv6).
    pub ttl: u8,
    /// `max_hops` (default 0; 255 disables the check).
    pub max_hops: u8,
    /// `multihop`: use port 4784 (RFC 5883).
    pub multihop: bool,
    /// `weight` (-253..253, default 0) for VRRP tracking.
    pub weight: i32,
    /// `weight ... reverse`.
    pub reverse: bool,
    /// Send events to the VRRP process.
    pub vrrp: bool,
    /// Send events to the checker process.
    pub checker: bool,
}

const BFD_KEYWORDS: &[&str] = &[
    "source_ip",
    "neighbor_ip",
    "neighbour_ip",
    "min_rx",
    "min_tx",
    "idle_tx",
    "multiplier",
    "passive",
    "ttl",
    "hoplimit",
    "max_hops",
    "multihop",
    "weight",
    "vrrp",
    "checker",
];

/// A millisecond value with up to three decimals, as microseconds, in `[min_ms, max_ms]`.
fn ms(node: &Node, min_ms: u64, d: &mut Diagnostics) -> Option<Micros> {
    let t = need_arg(node, 0, d)?;
    parse_decimal(t, min_ms * 1000, u64::from(u32::MAX / 1000) * 1000, 3, d).map(Micros)
}

/// Parse `node` if it is a `bfd_instance`; false if it is not.
pub fn parse_top(node: &Node, v: &mut Vec<BfdInstance>, d: &mut Diagnostics) -> bool {
    if node.name() != "bfd_instance" {
        return false;
    }
    let Some(name_tok) = node.args.first() else {
        d.error(&node.keyword.loc, "bfd_instance must have a name");
        return true;
    };
    let name = name_tok.text.clone();
    if name.len() >= 32 {
        d.error(
            &name_tok.loc,
            format!("BFD instance name {name} too long - ignoring"),
        );
        return true;
    }
    // BFD sessions are few (one per neighbour), so a scan is fine here.
    if v.iter().any(|b| b.name == name) {
        d.error(
            &name_tok.loc,
            format!("BFD instance {name} already configured - ignoring"),
        );
        return true;
    }
    let mut nbr: Option<IpAddr> = None;
    let mut src: Option<IpAddr> = None;
    let mut b = BfdInstance {
        loc: node.keyword.loc.clone(),
        name: name.clone(),
        neighbor_ip: IpAddr::from([0, 0, 0, 0]),
        source_ip: None,
        min_rx: Micros(10_000),
        min_tx: Micros(10_000),
        idle_tx: Micros(1_000_000),
        multiplier: 5,
        passive: false,
        ttl: 0,
        max_hops: 0,
        multihop: false,
        weight: 0,
        reverse: false,
        vrrp: false,
        checker: false,
    };
    let mut neighbor_word = "neighbor";
    for c in node.children() {
        match c.name() {
            "neighbor_ip" | "neighbour_ip" => {
                if c.name() == "neighbour_ip" {
                    neighbor_word = "neighbour";
                }
                let Some(t) = need_arg(c, 0, d) else { continue };
                match t.text.parse::<IpAddr>() {
                    Ok(a) => nbr = Some(a),
                    Err(_) => {
                        d.error(
                            &t.loc,
                            format!("BFD instance {name} has malformed {neighbor_word} address {}, ignoring instance", t.text),
                        );
                        return true;
                    }
                }
            }
            "source_ip" => {
                let Some(t) = need_arg(c, 0, d) else { continue };
                match t.text.parse::<IpAddr>() {
                    Ok(a) => src = Some(a),
                    Err(_) => d.error(
                        &t.loc,
                        format!(
                            "BFD instance {name} has malformed source address {}, ignoring",
                            t.text
                        ),
                    ),
                }
            }
            "min_rx" => b.min_rx = ms(c, 1, d).unwrap_or(b.min_rx),
            "min_tx" => b.min_tx = ms(c, 1, d).unwrap_or(b.min_tx),
            "idle_tx" => b.idle_tx = ms(c, 1000, d).unwrap_or(b.idle_tx),
            "multiplier" => {
                if let Some(n) = need_arg(c, 0, d).and_then(|t| parse_uint(t, 1, 255, d)) {
                    b.multiplier = n as u8;
                }
            }
            "passive" => b.passive = true,
            "ttl" | "hoplimit" => {
                if let Some(n) = need_arg(c, 0, d).and_then(|t| parse_uint(t, 1, 255, d)) {
                    b.ttl = n as u8;
                }
            }
            "max_hops" => {
                if let Some(n) = need_arg(c, 0, d).and_then(|t| parse_int(t, -1, 255, d)) {
                    b.max_hops = if n < 0 { 255 } else { n as u8 };
                }
            }
            "multihop" => {
                if let Some(f) = super::values::flag(c, d) {
                    b.multihop = f;
                }
            }
            "weight" => {
                let Some(t) = need_arg(c, 0, d) else { continue };
                if let Some(w) = parse_int(t, -253, 253, d) {
                    b.weight = w as i32;
                }
                match c.arg(1) {
                    None => {}
                    Some("reverse") => b.reverse = true,
                    Some(o) => d.error(
                        &c.args[1].loc,
                        format!("BFD instance {name} unknown weight option {o}"),
                    ),
                }
            }
            "vrrp" => b.vrrp = true,
            "checker" => b.checker = true,
            _ => d.unknown_keyword(Severity::Error, &c.keyword, "bfd_instance", BFD_KEYWORDS),
        }
    }
    let Some(nbr) = nbr else {
        d.error(
            &node.keyword.loc,
            format!("BFD instance {name} has no {neighbor_word} address set, disabling instance"),
        );
        return true;
    };
    if let Some(s) = src {
        if s.is_ipv4() != nbr.is_ipv4() {
            d.error(
                &node.keyword.loc,
                format!("BFD instance {name} source address {s} and {neighbor_word} address {nbr} are not of the same family, disabling instance"),
            );
            return true;
        }
    }
    if v.iter().any(|o| o.neighbor_ip == nbr && o.source_ip == src) {
        d.error(
            &node.keyword.loc,
            format!("BFD instance {name} has duplicate {neighbor_word} address {nbr}, ignoring instance"),
        );
        return true;
    }
    b.neighbor_ip = nbr;
    b.source_ip = src;
    if b.ttl == 0 {
        b.ttl = if nbr.is_ipv4() {
            BFD_CONTROL_TTL
        } else {
            BFD_CONTROL_HOPLIMIT
        };
    }
    if b.max_hops > b.ttl {
        d.error(
            &node.keyword.loc,
            format!("BFD instance {name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit"),
        );
        b.max_hops = b.ttl;
    }
    if !b.vrrp && !b.checker {
        b.vrrp = true;
        b.checker = true;
    }
    v.push(b);
    true
}
