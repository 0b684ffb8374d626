//! Checker blocks of a `real_server`: `HTTP_GET`, `SSL_GET`, `TCP_CHECK`, `SMTP_CHECK`,
//! `DNS_CHECK`, `MISC_CHECK`, `UDP_CHECK`, `PING_CHECK`, `FILE_CHECK` and `BFD_CHECK`.
//!
//! Every checker but `FILE_CHECK` and `BFD_CHECK` takes the timing options (`retry`,
//! `delay_before_retry`, `warmup`, `delay_loop`, `alpha`, `log_all_failures`); every one but
//! those two and `MISC_CHECK` takes the connection options (`connect_ip`, `connect_port`,
//! `bindto`, `bind_port`, `bind_if`, `fwmark`, `connect_timeout`). A checker that keepalived
//! would drop (an `HTTP_GET` without a `url`, a `MISC_CHECK` without `misc_path`...) is
//! reported and left out of the model.

use std::net::IpAddr;

use crate::diag::{Diagnostics, Severity};
use crate::model::lvs::virtual_server::{connect_timeout, timer};
use crate::model::values::{flag, need_arg, no_block, parse_ip, parse_uint, Micros};
use crate::token::Loc;
use crate::tree::Node;

mod bfd;
mod dns;
mod file;
mod http;
mod misc;
mod smtp;
mod udp;

pub use bfd::BfdCheck;
pub use dns::{DnsCheck, DnsType};
pub use file::FileCheck;
pub use http::{HttpCheck, HttpProtocol, StatusRange, Url};
pub use misc::MiscCheck;
pub use smtp::{SmtpCheck, DEFAULT_HELO};
pub use udp::UdpCheck;

/// One health checker of a real server.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Checker {
    /// What it checks, with its specific settings.
    pub kind: CheckerKind,
    /// Where and how to connect; `None` for `MISC_CHECK`, `FILE_CHECK` and `BFD_CHECK`.
    pub conn: Option<ConnOpts>,
    /// The timing options as written in the block.
    pub settings: CheckerSettings,
    /// The timing in force, after inheritance from the real and virtual server and the
    /// checker type's defaults (filled by [`crate::model::lvs::finish`]).
    pub timing: Timing,
    /// Where the block starts.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
}

/// The checker type and its own settings.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "type"))]
pub enum CheckerKind {
    /// `HTTP_GET`.
    #[cfg_attr(feature = "serde", serde(rename = "HTTP_GET"))]
    HttpGet(HttpCheck),
    /// `SSL_GET`.
    #[cfg_attr(feature = "serde", serde(rename = "SSL_GET"))]
    SslGet(HttpCheck),
    /// `TCP_CHECK`: a connect.
    #[cfg_attr(feature = "serde", serde(rename = "TCP_CHECK"))]
    Tcp,
    /// `SMTP_CHECK`.
    #[cfg_attr(feature = "serde", serde(rename = "SMTP_CHECK"))]
    Smtp(SmtpCheck),
    /// `DNS_CHECK`.
    #[cfg_attr(feature = "serde", serde(rename = "DNS_CHECK"))]
    Dns(DnsCheck),
    /// `MISC_CHECK`: run a program.
    #[cfg_attr(feature = "serde", serde(rename = "MISC_CHECK"))]
    Misc(MiscCheck),
    /// `UDP_CHECK`.
    #[cfg_attr(feature = "serde", serde(rename = "UDP_CHECK"))]
    Udp(UdpCheck),
    /// `PING_CHECK`: ICMP echo.
    #[cfg_attr(feature = "serde", serde(rename = "PING_CHECK"))]
    Ping,
    /// `FILE_CHECK`: a value read from a `track_file`.
    #[cfg_attr(feature = "serde", serde(rename = "FILE_CHECK"))]
    File(FileCheck),
    /// `BFD_CHECK`: the state of a `bfd_instance`.
    #[cfg_attr(feature = "serde", serde(rename = "BFD_CHECK"))]
    Bfd(BfdCheck),
}

impl CheckerKind {
    /// The block keyword.
    pub fn keyword(&self) -> &'static str {
        match self {
            CheckerKind::HttpGet(_) => "HTTP_GET",
            CheckerKind::SslGet(_) => "SSL_GET",
            CheckerKind::Tcp => "TCP_CHECK",
            CheckerKind::Smtp(_) => "SMTP_CHECK",
            CheckerKind::Dns(_) => "DNS_CHECK",
            CheckerKind::Misc(_) => "MISC_CHECK",
            CheckerKind::Udp(_) => "UDP_CHECK",
            CheckerKind::Ping => "PING_CHECK",
            CheckerKind::File(_) => "FILE_CHECK",
            CheckerKind::Bfd(_) => "BFD_CHECK",
        }
    }

    /// `retry` when neither the checker, the real server nor the virtual server sets it:
    /// 3 for DNS, 0 for MISC, 1 otherwise (keepalived's `default_retry`).
    pub fn default_retry(&self) -> u32 {
        match self {
            CheckerKind::Dns(_) => 3,
            CheckerKind::Misc(_) => 0,
            _ => 1,
        }
    }

    /// `delay_before_retry` when nothing sets it: 3 s for HTTP/SSL, `None` (meaning
    /// `delay_loop`) for DNS, 1 s otherwise.
    pub fn default_delay_before_retry(&self) -> Option<Micros> {
        match self {
            CheckerKind::HttpGet(_) | CheckerKind::SslGet(_) => Some(Micros::from_secs(3)),
            CheckerKind::Dns(_) => None,
            _ => Some(Micros::from_secs(1)),
        }
    }

    /// Takes the timing options (`retry`, `delay_loop`...).
    pub fn has_timing(&self) -> bool {
        !matches!(self, CheckerKind::File(_) | CheckerKind::Bfd(_))
    }
}

/// Connection options (`connect_ip`...). Ports and addresses left unset mean the real
/// server's; [`crate::model::lvs::finish`] fills `connect_ip`, and `connect_port` when the
/// real server line has a port, and `connect_timeout` from the real server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ConnOpts {
    /// `connect_ip`.
    pub connect_ip: Option<IpAddr>,
    /// `connect_port`.
    pub connect_port: Option<u16>,
    /// `bindto`: source address.
    pub bindto: Option<IpAddr>,
    /// `bind_port`: source port.
    pub bind_port: Option<u16>,
    /// `bind_if`: needed for an IPv6 link-local destination.
    pub bind_if: Option<String>,
    /// `fwmark`: SO_MARK for the checker's packets.
    pub fwmark: Option<u32>,
    /// `connect_timeout`.
    pub connect_timeout: Option<Micros>,
}

impl ConnOpts {
    /// Any option was set (keepalived's SMTP_CHECK uses this to decide whether the block's own
    /// connection is checked besides its `host` blocks).
    pub fn is_set(&self) -> bool {
        *self != ConnOpts::default()
    }
}

/// The timing options as written in a checker block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CheckerSettings {
    /// `retry`.
    pub retry: Option<u32>,
    /// `delay_before_retry`.
    pub delay_before_retry: Option<Micros>,
    /// `warmup`.
    pub warmup: Option<Micros>,
    /// `delay_loop`.
    pub delay_loop: Option<Micros>,
    /// `alpha`.
    pub alpha: Option<bool>,
    /// `log_all_failures`.
    pub log_all_failures: bool,
}

/// A checker's timing once every default is applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Timing {
    /// Interval between checks.
    pub delay_loop: Micros,
    /// Extra attempts after a failure before the server is marked down.
    pub retry: u32,
    /// Interval between those attempts.
    pub delay_before_retry: Micros,
    /// Largest random delay before the first check.
    pub warmup: Micros,
    /// Start with the server marked down.
    pub alpha: bool,
    /// Log every failure, not only state changes (`log_all_failures`, or
    /// `checker_log_all_failures` in `global_defs`).
    pub log_all_failures: bool,
}

/// Every checker block keyword.
pub const CHECKERS: &[&str] = &[
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

/// The connection keywords.
pub(crate) const CONN_KEYWORDS: &[&str] = &[
    "connect_ip",
    "connect_port",
    "bindto",
    "bind_port",
    "bind_if",
    "connect_timeout",
    "fwmark",
];

/// The timing keywords.
pub(crate) const TIMING_KEYWORDS: &[&str] = &[
    "retry",
    "delay_before_retry",
    "warmup",
    "delay_loop",
    "alpha",
    "log_all_failures",
];

/// True if `kw` opens a checker block.
pub fn is_checker(kw: &str) -> bool {
    CHECKERS.contains(&kw)
}

/// Parse a checker block of the real server at `rs_addr`. Usually one checker; an
/// `SMTP_CHECK` with deprecated `host` blocks gives one per host (as keepalived queues them);
/// none when keepalived would drop the block.
pub(crate) fn parse(node: &Node, rs_addr: IpAddr, d: &mut Diagnostics) -> Vec<Checker> {
    if let Some(t) = node.args.first() {
        d.warning(
            &t.loc,
            format!(
                "'{}' takes no parameter; '{}' is ignored",
                node.name(),
                t.text
            ),
        );
    }
    let children = node.children();
    let loc = node.keyword.loc.clone();
    let one = |c: Option<Checker>| c.into_iter().collect();
    match node.name() {
        "HTTP_GET" | "SSL_GET" => one(http::parse(node, children, rs_addr, d)),
        "TCP_CHECK" | "PING_CHECK" => {
            let mut c = Checker::new(
                if node.name() == "TCP_CHECK" {
                    CheckerKind::Tcp
                } else {
                    CheckerKind::Ping
                },
                true,
                loc,
            );
            for n in children {
                if !c.common(n, Some(rs_addr), d) {
                    c.unknown(n, &[], d);
                }
            }
            one(c.finish_conn(rs_addr, d))
        }
        "SMTP_CHECK" => smtp::parse(node, children, rs_addr, d),
        "DNS_CHECK" => one(dns::parse(node, children, rs_addr, d)),
        "MISC_CHECK" => one(misc::parse(node, children, d)),
        "UDP_CHECK" => one(udp::parse(node, children, rs_addr, d)),
        "FILE_CHECK" => one(file::parse(node, children, d)),
        "BFD_CHECK" => one(bfd::parse(node, children, d)),
        other => unreachable!("{other} is not a checker keyword"),
    }
}

impl Checker {
    pub(crate) fn new(kind: CheckerKind, with_conn: bool, loc: Loc) -> Self {
        Checker {
            kind,
            conn: with_conn.then(ConnOpts::default),
            settings: CheckerSettings::default(),
            timing: Timing::default(),
            loc,
        }
    }

    /// Handle a connection or timing keyword; false if `n` is neither (or not for this type).
    /// `dst` is the destination an unset `connect_ip` stands for (the real server), against
    /// which `bindto`'s family is checked; `None` where keepalived leaves it open (SMTP_CHECK).
    pub(crate) fn common(&mut self, n: &Node, dst: Option<IpAddr>, d: &mut Diagnostics) -> bool {
        if let Some(conn) = &mut self.conn {
            if conn_keyword(conn, n, dst, d) {
                return true;
            }
        }
        if self.kind.has_timing() {
            return timing_keyword(&mut self.settings, n, d);
        }
        false
    }

    /// Report `n` as unknown in this checker's block; `own` are the type's own keywords.
    pub(crate) fn unknown(&self, n: &Node, own: &[&str], d: &mut Diagnostics) {
        let mut known: Vec<&str> = own.to_vec();
        if self.conn.is_some() {
            known.extend_from_slice(CONN_KEYWORDS);
        }
        if self.kind.has_timing() {
            known.extend_from_slice(TIMING_KEYWORDS);
        }
        if matches!(n.name(), "nb_get_retry" | "nb_sget_retry") {
            // Old names of `retry` (keepalived 2.2.7 keeps `nb_get_retry` only in HTTP_GET and
            // SSL_GET).
            d.error_hint(
                &n.keyword.loc,
                format!("unknown keyword '{}' in {}", n.name(), self.kind.keyword()),
                "use 'retry'",
            );
            return;
        }
        d.unknown_keyword(Severity::Error, &n.keyword, self.kind.keyword(), &known);
    }

    /// keepalived's `check_conn_opts`: drop the checker (with an error) when its destination
    /// is IPv6 link-local and no `bind_if` says which link.
    pub(crate) fn finish_conn(self, rs_addr: IpAddr, d: &mut Diagnostics) -> Option<Checker> {
        if let Some(conn) = &self.conn {
            if !conn_ok(conn, rs_addr, &self.loc, d) {
                return None;
            }
        }
        Some(self)
    }
}

/// The link-local rule of `check_conn_opts`, reported at `loc`.
pub(crate) fn conn_ok(conn: &ConnOpts, rs_addr: IpAddr, loc: &Loc, d: &mut Diagnostics) -> bool {
    let dst = conn.connect_ip.unwrap_or(rs_addr);
    if let IpAddr::V6(a) = dst {
        if (a.segments()[0] & 0xffc0) == 0xfe80 && conn.bind_if.is_none() {
            d.error_hint(
                loc,
                format!("checker link local address {dst} requires a bind_if - removing checker"),
                "add 'bind_if <interface>'",
            );
            return false;
        }
    }
    true
}

/// Longest interface name (`IFNAMSIZ - 1`).
const IFNAME_MAX: usize = 15;

/// A connection keyword into `conn`; false if `n` is not one. `dst` is the destination when
/// `connect_ip` is unset (see [`Checker::common`]).
pub(crate) fn conn_keyword(
    conn: &mut ConnOpts,
    n: &Node,
    dst: Option<IpAddr>,
    d: &mut Diagnostics,
) -> bool {
    match n.name() {
        "connect_ip" | "bindto" => {
            no_block(n, d);
            let Some(t) = need_arg(n, 0, d) else {
                return true;
            };
            let Some(a) = parse_ip(t, d) else {
                return true;
            };
            let (this, other, other_kw) = if n.name() == "connect_ip" {
                (&mut conn.connect_ip, conn.bindto, "bindto")
            } else {
                (&mut conn.bindto, conn.connect_ip.or(dst), "connect_ip")
            };
            if other.is_some_and(|o| o.is_ipv4() != a.is_ipv4()) {
                d.error(
                    &t.loc,
                    format!(
                        "{} address {a} does not match address family of {other_kw} - skipping",
                        n.name()
                    ),
                );
                *this = None;
            } else {
                *this = Some(a);
            }
        }
        "connect_port" | "bind_port" => {
            no_block(n, d);
            let Some(t) = need_arg(n, 0, d) else {
                return true;
            };
            if let Some(p) = parse_uint(t, 1, 65535, d) {
                if n.name() == "connect_port" {
                    conn.connect_port = Some(p as u16);
                } else {
                    conn.bind_port = Some(p as u16);
                }
            }
        }
        "bind_if" => {
            no_block(n, d);
            let Some(t) = need_arg(n, 0, d) else {
                return true;
            };
            if t.text.len() > IFNAME_MAX {
                d.error(
                    &t.loc,
                    format!("interface name {} is too long - ignoring", t.text),
                );
            } else {
                conn.bind_if = Some(t.text.clone());
            }
        }
        "connect_timeout" => {
            no_block(n, d);
            if let Some(v) = connect_timeout(n, d) {
                conn.connect_timeout = Some(v);
            }
        }
        "fwmark" => {
            no_block(n, d);
            let Some(t) = need_arg(n, 0, d) else {
                return true;
            };
            if let Some(v) = parse_uint(t, 0, u64::from(u32::MAX), d) {
                conn.fwmark = Some(v as u32);
            }
        }
        _ => return false,
    }
    true
}

/// A timing keyword into `s`; false if `n` is not one.
pub(crate) fn timing_keyword(s: &mut CheckerSettings, n: &Node, d: &mut Diagnostics) -> bool {
    match n.name() {
        "retry" => {
            let Some(t) = need_arg(n, 0, d) else {
                return true;
            };
            if let Some(v) = parse_uint(t, 0, u64::from(u32::MAX), d) {
                s.retry = Some(v as u32);
            }
        }
        "delay_before_retry" => {
            if let Some(v) = timer(n, 0, d) {
                s.delay_before_retry = Some(v);
            }
        }
        "warmup" => {
            if let Some(v) = timer(n, 0, d) {
                s.warmup = Some(v);
            }
        }
        "delay_loop" => {
            if let Some(v) = timer(n, 1, d) {
                s.delay_loop = Some(v);
            }
        }
        "alpha" => {
            if let Some(v) = flag(n, d) {
                s.alpha = Some(v);
            }
        }
        "log_all_failures" => {
            if let Some(v) = flag(n, d) {
                s.log_all_failures = v;
            }
        }
        _ => return false,
    }
    no_block(n, d);
    true
}

/// Parse a hex string as keepalived's `read_hex_str`: spaces separate groups, each pair of
/// hex digits is a byte, a lone digit before a space or the end is a byte of its own; with
/// `wildcard`, `x`/`X` stands for a nibble to ignore. Returns the bytes and, when a wildcard
/// was used, the mask of ignored bits. `None` for an empty or invalid string.
pub(crate) fn read_hex_str(s: &str, wildcard: bool) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    fn nibble(c: u8, wildcard: bool) -> Option<(u8, u8)> {
        match c {
            b'0'..=b'9' => Some((c - b'0', 0)),
            b'a'..=b'f' => Some((c - b'a' + 10, 0)),
            b'A'..=b'F' => Some((c - b'A' + 10, 0)),
            b'x' | b'X' if wildcard => Some((0, 0x0f)),
            _ => None,
        }
    }
    let b = s.as_bytes();
    let mut i = 0;
    let (mut data, mut mask) = (Vec::new(), Vec::new());
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let (mut v, mut m) = nibble(b[i], wildcard)?;
        i += 1;
        if i < b.len() && b[i] != b' ' {
            let (v2, m2) = nibble(b[i], wildcard)?;
            i += 1;
            v = (v << 4) | v2;
            m = (m << 4) | m2;
        }
        data.push(v);
        mask.push(m);
    }
    if data.is_empty() {
        return None;
    }
    let mask = mask.iter().any(|&m| m != 0).then_some(mask);
    Some((data, mask))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_strings_as_keepalived_reads_them() {
        // The man page's example: "Ab12f 3 456 546443123" is AB 12 0F 03 45 06 54 64 43 12 03.
        let (data, mask) = read_hex_str("Ab12f 3 456 546443123", false).unwrap();
        assert_eq!(
            data,
            [0xab, 0x12, 0x0f, 0x03, 0x45, 0x06, 0x54, 0x64, 0x43, 0x12, 0x03]
        );
        assert!(mask.is_none());
        let (data, mask) = read_hex_str("1x X2", true).unwrap();
        assert_eq!(data, [0x10, 0x02]);
        assert_eq!(mask.unwrap(), [0x0f, 0xf0]);
        assert!(read_hex_str("1x", false).is_none());
        assert!(read_hex_str("  ", false).is_none());
        assert!(read_hex_str("zz", false).is_none());
    }
}
