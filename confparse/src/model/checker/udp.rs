//! `UDP_CHECK`: send a datagram, optionally require and check a reply.

use std::net::IpAddr;

use super::{read_hex_str, Checker, CheckerKind};
use crate::diag::Diagnostics;
use crate::model::values::{need_arg, no_block, parse_uint};
use crate::tree::Node;

/// The settings of a `UDP_CHECK`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UdpCheck {
    /// `payload`: bytes to send; `None` means a random payload.
    pub payload: Option<Vec<u8>>,
    /// `require_reply`: a reply must come back.
    pub require_reply: bool,
    /// The `require_reply` bytes the reply must start with.
    pub reply_data: Option<Vec<u8>>,
    /// Bits of `reply_data` to ignore (from `x` nibbles), when any.
    pub reply_mask: Option<Vec<u8>>,
    /// `min_reply_length` (default 0).
    pub min_reply_length: u16,
    /// `max_reply_length` (default 255).
    pub max_reply_length: u16,
}

const OWN: &[&str] = &[
    "payload",
    "require_reply",
    "min_reply_length",
    "max_reply_length",
];

pub(super) fn parse(
    node: &Node,
    children: &[Node],
    rs_addr: IpAddr,
    d: &mut Diagnostics,
) -> Option<Checker> {
    let mut u = UdpCheck {
        payload: None,
        require_reply: false,
        reply_data: None,
        reply_mask: None,
        min_reply_length: 0,
        max_reply_length: 255,
    };
    let mut c = Checker::new(CheckerKind::Udp(u.clone()), true, node.keyword.loc.clone());
    for n in children {
        if c.common(n, Some(rs_addr), d) {
            continue;
        }
        no_block(n, d);
        match n.name() {
            "payload" => {
                if n.args.is_empty() {
                    d.error(&n.keyword.loc, "UDP_CHECK payload requires a payload");
                    continue;
                }
                match read_hex_str(&joined(n), false) {
                    Some((data, _)) => u.payload = Some(data),
                    None => d.error(&n.args[0].loc, "invalid hex string for UDP_CHECK payload"),
                }
            }
            "require_reply" => {
                u.require_reply = true;
                if n.args.is_empty() {
                    continue;
                }
                match read_hex_str(&joined(n), true) {
                    Some((data, mask)) => {
                        u.reply_data = Some(data);
                        u.reply_mask = mask;
                    }
                    None => d.error(&n.args[0].loc, "invalid hex string for UDP_CHECK reply"),
                }
            }
            "min_reply_length" | "max_reply_length" => {
                let Some(t) = need_arg(n, 0, d) else { continue };
                if let Some(v) = parse_uint(t, 0, u64::from(u16::MAX), d) {
                    if n.name() == "min_reply_length" {
                        u.min_reply_length = v as u16;
                    } else {
                        u.max_reply_length = v as u16;
                    }
                }
            }
            _ => c.unknown(n, OWN, d),
        }
    }
    let c = c.finish_conn(rs_addr, d)?;
    if u.min_reply_length > u.max_reply_length {
        d.error(
            &node.keyword.loc,
            format!(
                "UDP_CHECK min_reply length {} > max_reply_length {} - will always fail",
                u.min_reply_length, u.max_reply_length
            ),
        );
    }
    Some(Checker {
        kind: CheckerKind::Udp(u),
        ..c
    })
}

/// The arguments joined by spaces (`make_strvec_str`).
fn joined(n: &Node) -> String {
    n.args
        .iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
