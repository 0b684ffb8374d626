//! `real_server <IPADDR> [<PORT>] { ... }` and the `sorry_server`.

use std::net::IpAddr;

use super::virtual_server::{connect_timeout, parse_server_addr, timer, MAX_WEIGHT};
use super::{parse_forwarding, string_arg, Forwarding, Script};
use crate::diag::{Diagnostics, Severity};
use crate::model::checker::{self, Checker};
use crate::model::values::{flag, need_arg, no_block, parse_uint, Micros};
use crate::token::Loc;
use crate::tree::Node;

/// One `real_server`.
///
/// `Option` fields that inherit from the virtual server (`weight`, `forwarding`,
/// `inhibit_on_failure`, `alpha`, `retry`, `connect_timeout`, `delay_loop`, `warmup`,
/// `delay_before_retry`, `smtp_alert`) are `None` when unset in the block; [`super::finish`]
/// fills every one of them except `retry`, `warmup` and `delay_before_retry`, which stay `None`
/// when the virtual server does not set them either (each checker then uses its own default).
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RealServer {
    /// Address.
    pub addr: IpAddr,
    /// Port; a missing or zero port is `None`. For NAT (and for DR/TUN on an address-based
    /// service) [`super::finish`] sets it to the virtual server's port when missing.
    pub port: Option<u16>,
    /// `weight` (0..=2147483647; default the virtual server's `weight`).
    pub weight: Option<u32>,
    /// `lvs_method`; unset means the virtual server's method as it stood when this real server
    /// was declared, or, failing that, its final one.
    pub forwarding: Option<Forwarding>,
    /// `uthreshold`: most connections.
    pub uthreshold: Option<u32>,
    /// `lthreshold`: fewest connections.
    pub lthreshold: Option<u32>,
    /// `inhibit_on_failure`.
    pub inhibit_on_failure: Option<bool>,
    /// `notify_up`. Boxed, like `notify_down`: most real servers have neither, and a large
    /// pool's real servers would each carry two empty scripts while the configuration loads.
    pub notify_up: Option<Box<Script>>,
    /// `notify_down`.
    pub notify_down: Option<Box<Script>>,
    /// `alpha`.
    pub alpha: Option<bool>,
    /// `retry`.
    pub retry: Option<u32>,
    /// `delay_before_retry`.
    pub delay_before_retry: Option<Micros>,
    /// `warmup`.
    pub warmup: Option<Micros>,
    /// `connect_timeout`.
    pub connect_timeout: Option<Micros>,
    /// `delay_loop`.
    pub delay_loop: Option<Micros>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `snmp_name`.
    pub snmp_name: Option<String>,
    /// Health checkers, in file order.
    pub checkers: Vec<Checker>,
    /// Where the block starts.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
}

/// The `sorry_server` of a virtual server.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SorryServer {
    /// Address.
    pub addr: IpAddr,
    /// Port, if given and not zero.
    pub port: Option<u16>,
    /// `sorry_server_lvs_method`, else the virtual server's method.
    pub forwarding: Option<Forwarding>,
    /// `sorry_server_inhibit`.
    pub inhibit: bool,
    /// Where it is configured.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
}

/// Every keyword of a `real_server` block, for did-you-mean hints.
pub const KEYWORDS: &[&str] = &[
    "weight",
    "lvs_method",
    "uthreshold",
    "lthreshold",
    "inhibit_on_failure",
    "notify_up",
    "notify_down",
    "alpha",
    "retry",
    "delay_before_retry",
    "warmup",
    "connect_timeout",
    "delay_loop",
    "smtp_alert",
    "virtualhost",
    "snmp_name",
    "HTTP_GET",
    "SSL_GET",
    "TCP_CHECK",
    "SMTP_CHECK",
    "DNS_CHECK",
    "MISC_CHECK",
    "BFD_CHECK",
    "UDP_CHECK",
    "PING_CHECK",
    "FILE_CHECK",
];

/// Parse a `real_server` block. `vs_forwarding` is the virtual server's method at this point
/// of the file, which the real server starts with. `None` when keepalived would skip it.
pub(crate) fn parse(
    node: &Node,
    vs_forwarding: Option<Forwarding>,
    d: &mut Diagnostics,
) -> Option<RealServer> {
    let (addr, port) = parse_server_addr(node, "real server", d)?;
    let mut rs = RealServer {
        addr,
        port,
        weight: None,
        forwarding: vs_forwarding,
        uthreshold: None,
        lthreshold: None,
        inhibit_on_failure: None,
        notify_up: None,
        notify_down: None,
        alpha: None,
        retry: None,
        delay_before_retry: None,
        warmup: None,
        connect_timeout: None,
        delay_loop: None,
        smtp_alert: None,
        virtualhost: None,
        snmp_name: None,
        checkers: Vec::new(),
        loc: node.keyword.loc.clone(),
    };
    for n in node.children() {
        parse_keyword(&mut rs, n, d);
    }
    // A real server usually has one checker; a Vec grows to room for four, which for tens
    // of thousands of real servers was most of the memory a configuration took to load.
    rs.checkers.shrink_to_fit();
    Some(rs)
}

fn parse_keyword(rs: &mut RealServer, n: &Node, d: &mut Diagnostics) {
    let kw = n.name();
    if checker::is_checker(kw) {
        rs.checkers.extend(checker::parse(n, rs.addr, d));
        return;
    }
    no_block(n, d);
    match kw {
        "weight" => {
            let Some(t) = need_arg(n, 0, d) else { return };
            if let Some(v) = parse_uint(t, 0, u64::from(MAX_WEIGHT), d) {
                rs.weight = Some(v as u32);
            }
        }
        "lvs_method" => {
            if let Some(f) = parse_forwarding(n, "real", d) {
                rs.forwarding = Some(f);
            }
        }
        "uthreshold" | "lthreshold" => {
            let Some(t) = need_arg(n, 0, d) else { return };
            if let Some(v) = parse_uint(t, 0, u64::from(u32::MAX), d) {
                if kw == "uthreshold" {
                    rs.uthreshold = Some(v as u32);
                } else {
                    rs.lthreshold = Some(v as u32);
                }
            }
        }
        "inhibit_on_failure" => {
            if let Some(v) = flag(n, d) {
                rs.inhibit_on_failure = Some(v);
            }
        }
        "notify_up" | "notify_down" => {
            let slot = if kw == "notify_up" {
                &mut rs.notify_up
            } else {
                &mut rs.notify_down
            };
            if slot.is_some() {
                d.error(
                    &n.keyword.loc,
                    format!("{kw} script already specified - ignoring"),
                );
                return;
            }
            *slot = Script::from_args(n, 0, true, d).map(Box::new);
        }
        "alpha" => {
            if let Some(v) = flag(n, d) {
                rs.alpha = Some(v);
            }
        }
        "retry" => {
            let Some(t) = need_arg(n, 0, d) else { return };
            if let Some(v) = parse_uint(t, 1, u64::from(u32::MAX), d) {
                rs.retry = Some(v as u32);
            }
        }
        "delay_before_retry" => {
            if let Some(v) = timer(n, 0, d) {
                rs.delay_before_retry = Some(v);
            }
        }
        "warmup" => {
            if let Some(v) = timer(n, 0, d) {
                rs.warmup = Some(v);
            }
        }
        "connect_timeout" => {
            if let Some(v) = connect_timeout(n, d) {
                rs.connect_timeout = Some(v);
            }
        }
        "delay_loop" => {
            if let Some(v) = timer(n, 1, d) {
                rs.delay_loop = Some(v);
            }
        }
        "smtp_alert" => {
            if let Some(v) = flag(n, d) {
                rs.smtp_alert = Some(v);
            }
        }
        "virtualhost" => {
            if let Some(v) = string_arg(n, d) {
                rs.virtualhost = Some(v);
            }
        }
        "snmp_name" => {
            if n.args.len() != 1 {
                d.error(
                    &n.keyword.loc,
                    "real server snmp_name missing or extra parameters",
                );
            } else {
                rs.snmp_name = Some(n.args[0].text.clone());
            }
        }
        _ => d.unknown_keyword(Severity::Error, &n.keyword, "real_server", KEYWORDS),
    }
}
