//! `virtual_server <IPADDR> [<PORT>] | fwmark <INTEGER> | group <STRING> { ... }`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::group::parse_port_nonzero;
use super::real_server::{self, RealServer, SorryServer};
use super::{parse_forwarding, string_arg, Family, Forwarding, Script};
use crate::diag::{Diagnostics, Severity};
use crate::model::values::{flag, need_arg, parse_timer, parse_uint, Micros, TIMER_HZ};
use crate::token::Loc;
use crate::tree::Node;

/// keepalived's default `delay_loop` (`KEEPALIVED_DEFAULT_DELAY`): 60 s.
pub const DEFAULT_DELAY_LOOP: Micros = Micros(60 * TIMER_HZ);
/// Default `connect_timeout`: 5 s.
pub const DEFAULT_CONNECT_TIMEOUT: Micros = Micros(5 * TIMER_HZ);
/// `persistence_timeout` with no value, and the timeout a persistent service gets by default
/// (`IPVS_SVC_PERSISTENT_TIMEOUT`): 6 minutes, in seconds.
pub const DEFAULT_PERSISTENCE_TIMEOUT: u32 = 360;
/// Largest `persistence_timeout` (`LVS_MAX_TIMEOUT`): 31 days, in seconds.
pub const MAX_PERSISTENCE_TIMEOUT: u32 = 86400 * 31;
/// Largest IPVS weight (`IPVS_WEIGHT_LIMIT`).
pub const MAX_WEIGHT: u32 = i32::MAX as u32;
/// Longest persistence engine name the kernel takes (`IP_VS_PENAME_MAXLEN`).
const PENAME_MAXLEN: usize = 16;

/// One `virtual_server`.
///
/// Fields typed `Option` that inherit (`retry`, `warmup`, `delay_before_retry`, `smtp_alert`)
/// stay `None` when unset; real servers and checkers resolve them in [`super::finish`].
/// `scheduler`, `forwarding` and `protocol` are filled with keepalived's defaults there.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VirtualServer {
    /// How the service is named.
    pub address: VsAddress,
    /// Address family of the service: from its address, `ip_family`, its group or its real
    /// servers, as keepalived decides it.
    pub family: Option<Family>,
    /// `lvs_sched` (`lb_algo`); `wlc` after [`super::finish`] if unset.
    pub scheduler: Option<Scheduler>,
    /// `flag-1`.., `sh-port`.., `ops`.
    pub sched_flags: SchedFlags,
    /// `lvs_method` (`lb_kind`); `NAT` after [`super::finish`] if unset.
    pub forwarding: Option<Forwarding>,
    /// `persistence_timeout`, seconds.
    pub persistence_timeout: Option<u32>,
    /// `persistence_granularity`.
    pub persistence_granularity: Option<Granularity>,
    /// `persistence_engine`.
    pub persistence_engine: Option<String>,
    /// `protocol`.
    pub protocol: Option<Protocol>,
    /// `ha_suspend`.
    pub ha_suspend: bool,
    /// `smtp_alert`; resolved from `global_defs` in [`super::finish`].
    pub smtp_alert: Option<bool>,
    /// `virtualhost`, default for HTTP_GET/SSL_GET.
    pub virtualhost: Option<String>,
    /// `snmp_name`.
    pub snmp_name: Option<String>,
    /// `alpha`.
    pub alpha: bool,
    /// `omega`.
    pub omega: bool,
    /// `quorum` (default 1).
    pub quorum: u32,
    /// `hysteresis` (default 0).
    pub hysteresis: u32,
    /// `quorum_up`.
    pub quorum_up: Option<Script>,
    /// `quorum_down`.
    pub quorum_down: Option<Script>,
    /// `weight`: the default real-server weight (default 1).
    pub weight: u32,
    /// `sorry_server`.
    pub sorry_server: Option<SorryServer>,
    /// `connect_timeout` (default 5 s).
    pub connect_timeout: Micros,
    /// `retry`.
    pub retry: Option<u32>,
    /// `delay_before_retry`.
    pub delay_before_retry: Option<Micros>,
    /// `warmup`.
    pub warmup: Option<Micros>,
    /// `delay_loop` (default 60 s).
    pub delay_loop: Micros,
    /// `inhibit_on_failure`.
    pub inhibit_on_failure: bool,
    /// `real_server` blocks, in file order.
    pub real_servers: Vec<RealServer>,
    /// Where the block starts.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
}

/// What a `virtual_server` line names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "lowercase"))]
pub enum VsAddress {
    /// `<IPADDR> [<PORT>]`; a missing or zero port is `None`.
    Ip {
        /// The virtual address.
        addr: IpAddr,
        /// The port.
        port: Option<u16>,
    },
    /// `fwmark <INTEGER>`.
    Fwmark {
        /// The mark.
        mark: u32,
    },
    /// `group <STRING>`.
    Group {
        /// The `virtual_server_group` name.
        name: String,
    },
}

/// An IPVS scheduler (`lvs_sched`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Scheduler {
    /// Round robin.
    Rr,
    /// Weighted round robin.
    Wrr,
    /// Least connection.
    Lc,
    /// Weighted least connection (keepalived's default).
    Wlc,
    /// Locality-based least connection.
    Lblc,
    /// Source hashing.
    Sh,
    /// Maglev hashing.
    Mh,
    /// Destination hashing.
    Dh,
    /// Weighted failover.
    Fo,
    /// Weighted overflow.
    Ovf,
    /// Locality-based least connection with replication.
    Lblcr,
    /// Shortest expected delay.
    Sed,
    /// Never queue.
    Nq,
    /// Weighted random twos choice.
    Twos,
}

/// Every scheduler name keepalived accepts, in its order.
pub const SCHEDULERS: &[(&str, Scheduler)] = &[
    ("rr", Scheduler::Rr),
    ("wrr", Scheduler::Wrr),
    ("lc", Scheduler::Lc),
    ("wlc", Scheduler::Wlc),
    ("lblc", Scheduler::Lblc),
    ("sh", Scheduler::Sh),
    ("mh", Scheduler::Mh),
    ("dh", Scheduler::Dh),
    ("fo", Scheduler::Fo),
    ("ovf", Scheduler::Ovf),
    ("lblcr", Scheduler::Lblcr),
    ("sed", Scheduler::Sed),
    ("nq", Scheduler::Nq),
    ("twos", Scheduler::Twos),
];

impl Scheduler {
    /// The kernel's name for the scheduler.
    pub fn name(self) -> &'static str {
        SCHEDULERS
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("wlc", |(n, _)| n)
    }
}

/// Scheduler flags (`-b` in ipvsadm) and one-packet scheduling (`-o`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SchedFlags {
    /// `flag-1` (`IP_VS_SVC_F_SCHED1`).
    pub flag_1: bool,
    /// `flag-2`.
    pub flag_2: bool,
    /// `flag-3`.
    pub flag_3: bool,
    /// `sh-port` (same bit as `flag-2`), only with `lvs_sched sh`.
    pub sh_port: bool,
    /// `sh-fallback` (same bit as `flag-1`), only with `lvs_sched sh`.
    pub sh_fallback: bool,
    /// `mh-port` (same bit as `flag-2`), only with `lvs_sched mh`.
    pub mh_port: bool,
    /// `mh-fallback` (same bit as `flag-1`), only with `lvs_sched mh`.
    pub mh_fallback: bool,
    /// `ops`: one-packet scheduling, UDP only.
    pub ops: bool,
}

impl SchedFlags {
    /// The `IP_VS_SVC_F_*` bits (`linux/ip_vs.h`): ONEPACKET 0x4, SCHED1 0x8, SCHED2 0x10,
    /// SCHED3 0x20.
    pub fn bits(&self) -> u32 {
        let mut b = 0;
        if self.ops {
            b |= 0x0004;
        }
        if self.flag_1 || self.sh_fallback || self.mh_fallback {
            b |= 0x0008;
        }
        if self.flag_2 || self.sh_port || self.mh_port {
            b |= 0x0010;
        }
        if self.flag_3 {
            b |= 0x0020;
        }
        b
    }
}

/// L4 protocol of an address-based service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "UPPERCASE"))]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        })
    }
}

/// `persistence_granularity`: an IPv4 netmask, or an IPv6 prefix length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Granularity {
    /// IPv4 netmask (`-M 255.255.255.0`); not required to be contiguous, as in ipvsadm.
    Inet(Ipv4Addr),
    /// IPv6 prefix length, 1..=128.
    Inet6(u8),
}

impl VirtualServer {
    fn new(address: VsAddress, loc: Loc) -> Self {
        let family = match &address {
            VsAddress::Ip { addr, .. } => Some(Family::of(addr)),
            _ => None,
        };
        VirtualServer {
            address,
            family,
            scheduler: None,
            sched_flags: SchedFlags::default(),
            forwarding: None,
            persistence_timeout: None,
            persistence_granularity: None,
            persistence_engine: None,
            protocol: None,
            ha_suspend: false,
            smtp_alert: None,
            virtualhost: None,
            snmp_name: None,
            alpha: false,
            omega: false,
            quorum: 1,
            hysteresis: 0,
            quorum_up: None,
            quorum_down: None,
            weight: 1,
            sorry_server: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: None,
            delay_before_retry: None,
            warmup: None,
            delay_loop: DEFAULT_DELAY_LOOP,
            inhibit_on_failure: false,
            real_servers: Vec::new(),
            loc,
        }
    }

    /// How keepalived names the service in messages: `[192.0.2.1]:tcp:80`, `FWM 1`,
    /// `[GROUP]`.
    pub fn describe(&self) -> String {
        match &self.address {
            VsAddress::Group { name } => format!("[{name}]"),
            VsAddress::Fwmark { mark } => format!("FWM {mark}"),
            VsAddress::Ip { addr, port } => format_trio(addr, self.protocol, port.unwrap_or(0)),
        }
    }

    /// Uses a mark, directly or through its group.
    pub(crate) fn is_fwmark(&self) -> bool {
        matches!(self.address, VsAddress::Fwmark { .. })
    }
}

/// `[addr]:proto:port`, keepalived's `inet_sockaddrtotrio`.
pub(crate) fn format_trio(addr: &IpAddr, proto: Option<Protocol>, port: u16) -> String {
    let p = proto.map_or_else(|| "none".to_string(), |p| p.to_string());
    format!("[{addr}]:{p}:{port}")
}

/// Every keyword of a `virtual_server` block, for did-you-mean hints.
pub const KEYWORDS: &[&str] = &[
    "ip_family",
    "retry",
    "delay_before_retry",
    "warmup",
    "connect_timeout",
    "delay_loop",
    "inhibit_on_failure",
    "lvs_sched",
    "lb_algo",
    "hashed",
    "ops",
    "flag-1",
    "flag-2",
    "flag-3",
    "sh-port",
    "sh-fallback",
    "mh-port",
    "mh-fallback",
    "lvs_method",
    "lb_kind",
    "persistence_engine",
    "persistence_timeout",
    "persistence_granularity",
    "protocol",
    "ha_suspend",
    "smtp_alert",
    "virtualhost",
    "snmp_name",
    "alpha",
    "omega",
    "quorum_up",
    "quorum_down",
    "quorum",
    "hysteresis",
    "weight",
    "sorry_server",
    "sorry_server_inhibit",
    "sorry_server_lvs_method",
    "real_server",
];

/// An address as keepalived's `inet_stosockaddr` reads it: the family from the presence of a
/// `:`, and anything from a `-` or `/` on ignored.
pub(crate) fn parse_addr_lenient(text: &str) -> Option<IpAddr> {
    let base = &text[..text.find(['-', '/']).unwrap_or(text.len())];
    if text.contains(':') {
        Ipv6Addr::from_str(base).ok().map(IpAddr::V6)
    } else {
        Ipv4Addr::from_str(base).ok().map(IpAddr::V4)
    }
}

/// Read `ADDR [PORT]` of a server line; `what` names it in messages. Reports and returns
/// `None` when keepalived would skip the server.
pub(crate) fn parse_server_addr(
    node: &Node,
    what: &str,
    d: &mut Diagnostics,
) -> Option<(IpAddr, Option<u16>)> {
    let a = need_arg(node, 0, d)?;
    let port = match node.args.get(1) {
        None => None,
        Some(p) => match parse_port_nonzero(p) {
            Ok(p) => p,
            Err(()) => {
                d.error(
                    &p.loc,
                    format!(
                        "invalid {what} ip address/port {}/{} - skipping",
                        a.text, p.text
                    ),
                );
                return None;
            }
        },
    };
    let Some(addr) = parse_addr_lenient(&a.text) else {
        d.error(
            &a.loc,
            format!("invalid {what} ip address {} - skipping", a.text),
        );
        return None;
    };
    if a.text.contains(['-', '/']) {
        d.warning(
            &a.loc,
            format!(
                "{what} address {} is read as {addr}: the range or prefix is ignored",
                a.text
            ),
        );
    }
    Some((addr, port))
}

/// Parse a `virtual_server` block; `None` when keepalived would skip the whole block.
pub(crate) fn parse(node: &Node, d: &mut Diagnostics) -> Option<VirtualServer> {
    let first = need_arg(node, 0, d)?;
    let address = match first.text.as_str() {
        "group" => VsAddress::Group {
            name: need_arg(node, 1, d)?.text.clone(),
        },
        "fwmark" => {
            let t = need_arg(node, 1, d)?;
            VsAddress::Fwmark {
                mark: parse_uint(t, 0, u64::from(u32::MAX), d)? as u32,
            }
        }
        _ => {
            let (addr, port) = parse_server_addr(node, "virtual server", d)?;
            VsAddress::Ip { addr, port }
        }
    };
    let mut vs = VirtualServer::new(address, node.keyword.loc.clone());
    for child in node.children() {
        parse_keyword(&mut vs, child, d);
    }
    end_of_block(&mut vs, d);
    vs.real_servers.shrink_to_fit();
    Some(vs)
}

fn parse_keyword(vs: &mut VirtualServer, n: &Node, d: &mut Diagnostics) {
    let kw = n.name();
    if kw != "real_server" {
        crate::model::values::no_block(n, d);
    }
    match kw {
        "ip_family" => {
            let Some(t) = need_arg(n, 0, d) else { return };
            let fam = match t.text.as_str() {
                "inet" => Family::Inet,
                "inet6" => Family::Inet6,
                _ => {
                    d.error_hint(
                        &t.loc,
                        format!("unknown address family {}", t.text),
                        "expected inet or inet6",
                    );
                    return;
                }
            };
            match vs.family {
                Some(f) if f != fam => d.error(
                    &t.loc,
                    format!(
                        "virtual server specified family {fam} conflicts with server family {f}"
                    ),
                ),
                _ => vs.family = Some(fam),
            }
        }
        "retry" => {
            if let Some(t) = need_arg(n, 0, d) {
                if let Some(v) = parse_uint(t, 1, u64::from(u32::MAX), d) {
                    vs.retry = Some(v as u32);
                }
            }
        }
        "delay_before_retry" => {
            if let Some(v) = timer(n, 0, d) {
                vs.delay_before_retry = Some(v);
            }
        }
        "warmup" => {
            if let Some(v) = timer(n, 0, d) {
                vs.warmup = Some(v);
            }
        }
        "connect_timeout" => {
            if let Some(v) = connect_timeout(n, d) {
                vs.connect_timeout = v;
            }
        }
        "delay_loop" => {
            if let Some(v) = timer(n, 1, d) {
                vs.delay_loop = v;
            }
        }
        "inhibit_on_failure" => {
            vs.inhibit_on_failure = true;
            ignored_args(n, d);
        }
        "lvs_sched" | "lb_algo" => {
            if kw == "lb_algo" {
                deprecated(n, "lvs_sched", d);
            }
            let Some(t) = need_arg(n, 0, d) else { return };
            match SCHEDULERS.iter().find(|(name, _)| *name == t.text) {
                Some((_, s)) => vs.scheduler = Some(*s),
                None => {
                    let names: Vec<&str> = SCHEDULERS.iter().map(|(n, _)| *n).collect();
                    let hint = crate::diag::did_you_mean(&t.text, &names).map_or_else(
                        || format!("expected one of: {}", names.join(", ")),
                        |s| format!("did you mean '{s}'?"),
                    );
                    d.error_hint(
                        &t.loc,
                        format!("invalid lvs_scheduler '{}' - ignoring", t.text),
                        hint,
                    );
                }
            }
        }
        "ops" => vs.sched_flags.ops = true,
        "flag-1" => vs.sched_flags.flag_1 = true,
        "flag-2" => vs.sched_flags.flag_2 = true,
        "flag-3" => vs.sched_flags.flag_3 = true,
        "hashed" | "sh-port" | "sh-fallback" | "mh-port" | "mh-fallback" => {
            // As keepalived's lbflags_handler: valid only once the matching scheduler is set;
            // an sh flag under mh (or the reverse) and `hashed` are silently ignored then.
            match vs.scheduler {
                Some(Scheduler::Sh) => match kw {
                    "sh-port" => vs.sched_flags.sh_port = true,
                    "sh-fallback" => vs.sched_flags.sh_fallback = true,
                    _ => {}
                },
                Some(Scheduler::Mh) => match kw {
                    "mh-port" => vs.sched_flags.mh_port = true,
                    "mh-fallback" => vs.sched_flags.mh_fallback = true,
                    _ => {}
                },
                _ => d.error_hint(
                    &n.keyword.loc,
                    format!("{kw} only applies to sh scheduler - ignoring"),
                    "set 'lvs_sched sh' (or mh for mh-*) before this flag",
                ),
            }
        }
        "lvs_method" | "lb_kind" => {
            if kw == "lb_kind" {
                deprecated(n, "lvs_method", d);
            }
            if let Some(f) = parse_forwarding(n, "virtual", d) {
                vs.forwarding = Some(f);
            }
        }
        "persistence_engine" => {
            let Some(mut name) = string_arg(n, d) else {
                return;
            };
            if name.len() > PENAME_MAXLEN - 1 {
                d.error(
                    &n.args[0].loc,
                    format!("persistence_name too long, truncating - {name}"),
                );
                let mut cut = PENAME_MAXLEN - 1;
                while !name.is_char_boundary(cut) {
                    cut -= 1;
                }
                name.truncate(cut);
            }
            vs.persistence_engine = Some(name);
        }
        "persistence_timeout" => match n.args.first() {
            None => vs.persistence_timeout = Some(DEFAULT_PERSISTENCE_TIMEOUT),
            Some(t) => {
                if let Some(v) = parse_uint(t, 1, u64::from(MAX_PERSISTENCE_TIMEOUT), d) {
                    vs.persistence_timeout = Some(v as u32);
                }
            }
        },
        "persistence_granularity" => granularity(vs, n, d),
        "protocol" => {
            let Some(t) = need_arg(n, 0, d) else { return };
            vs.protocol = match t.text.to_ascii_uppercase().as_str() {
                "TCP" => Some(Protocol::Tcp),
                "UDP" => Some(Protocol::Udp),
                "SCTP" => Some(Protocol::Sctp),
                _ => {
                    d.error_hint(
                        &t.loc,
                        format!("unknown protocol {} - ignoring", t.text),
                        "expected TCP, UDP or SCTP",
                    );
                    return;
                }
            };
        }
        "ha_suspend" => vs.ha_suspend = true,
        "smtp_alert" => {
            if let Some(v) = flag(n, d) {
                vs.smtp_alert = Some(v);
            }
        }
        "virtualhost" => {
            if let Some(v) = string_arg(n, d) {
                vs.virtualhost = Some(v);
            }
        }
        "snmp_name" => {
            if n.args.len() != 1 {
                d.error(
                    &n.keyword.loc,
                    "virtual server snmp_name missing or extra parameters",
                );
            } else {
                vs.snmp_name = Some(n.args[0].text.clone());
            }
        }
        "alpha" => {
            vs.alpha = true;
            ignored_args(n, d);
        }
        "omega" => {
            vs.omega = true;
            ignored_args(n, d);
        }
        "quorum_up" | "quorum_down" => {
            let slot = if kw == "quorum_up" {
                &mut vs.quorum_up
            } else {
                &mut vs.quorum_down
            };
            if slot.is_some() {
                d.error(
                    &n.keyword.loc,
                    format!("{kw} script already specified - ignoring"),
                );
                return;
            }
            *slot = Script::from_args(n, 0, true, d);
        }
        "quorum" => {
            let Some(t) = need_arg(n, 0, d) else { return };
            vs.quorum = match parse_uint(t, 1, u64::from(u32::MAX), d) {
                Some(v) => v as u32,
                None => 1,
            };
        }
        "hysteresis" => {
            let Some(t) = need_arg(n, 0, d) else { return };
            if let Some(v) = parse_uint(t, 0, u64::from(u32::MAX), d) {
                vs.hysteresis = v as u32;
            }
        }
        "weight" => {
            let Some(t) = need_arg(n, 0, d) else { return };
            if let Some(v) = parse_uint(t, 1, u64::from(MAX_WEIGHT), d) {
                vs.weight = v as u32;
            }
        }
        "sorry_server" => {
            if let Some((addr, port)) = parse_server_addr(n, "sorry server", d) {
                vs.sorry_server = Some(SorryServer {
                    addr,
                    port,
                    forwarding: vs.forwarding,
                    inhibit: false,
                    loc: n.keyword.loc.clone(),
                });
            }
        }
        "sorry_server_inhibit" => match &mut vs.sorry_server {
            Some(s) => s.inhibit = true,
            None => d.error(
                &n.keyword.loc,
                "ignoring sorry_server_inhibit used before or without sorry_server",
            ),
        },
        "sorry_server_lvs_method" => {
            if vs.sorry_server.is_none() {
                d.error(
                    &n.keyword.loc,
                    "sorry_server forwarding used without sorry_server",
                );
                return;
            }
            if let Some(f) = parse_forwarding(n, "sorry", d) {
                if let Some(s) = &mut vs.sorry_server {
                    s.forwarding = Some(f);
                }
            }
        }
        "real_server" => {
            if let Some(rs) = real_server::parse(n, vs.forwarding, d) {
                add_real_server(vs, rs, d);
            }
        }
        _ => d.unknown_keyword(Severity::Error, &n.keyword, "virtual_server", KEYWORDS),
    }
}

/// keepalived's `rs_end_handler`: a non-tunnelled real server fixes, or must match, the
/// service's family.
fn add_real_server(vs: &mut VirtualServer, rs: RealServer, d: &mut Diagnostics) {
    let tunnelled = rs.forwarding.is_some_and(|f| f.is_tunnel());
    if !tunnelled {
        let fam = Family::of(&rs.addr);
        match vs.family {
            None => vs.family = Some(fam),
            Some(f) if f != fam => {
                d.error(
                    &rs.loc,
                    format!(
                        "address family of virtual server and real server {} don't match - skipping real server",
                        rs.addr
                    ),
                );
                return;
            }
            Some(_) => {}
        }
    }
    vs.real_servers.push(rs);
}

/// keepalived's `vs_end_handler`: check the sorry server's family, then settle the family of a
/// fwmark service whose servers are all tunnelled.
fn end_of_block(vs: &mut VirtualServer, d: &mut Diagnostics) {
    if let Some(s) = &vs.sorry_server {
        if !s.forwarding.is_some_and(|f| f.is_tunnel()) {
            let fam = Family::of(&s.addr);
            match vs.family {
                None => vs.family = Some(fam),
                Some(f) if f != fam => {
                    d.error(
                        &s.loc,
                        format!(
                            "address family of virtual server and sorry server {} don't match - skipping sorry server",
                            s.addr
                        ),
                    );
                    vs.sorry_server = None;
                }
                Some(_) => {}
            }
        }
    }
    if vs.family.is_none() && !matches!(vs.address, VsAddress::Group { .. }) {
        let mut fams = vs
            .sorry_server
            .iter()
            .map(|s| Family::of(&s.addr))
            .chain(vs.real_servers.iter().map(|r| Family::of(&r.addr)));
        let first = fams.next();
        let mixed = first.is_some_and(|f| fams.any(|g| g != f));
        vs.family = Some(match first {
            Some(f) if !mixed => f,
            _ => Family::Inet,
        });
    }
}

fn granularity(vs: &mut VirtualServer, n: &Node, d: &mut Diagnostics) {
    let Some(t) = need_arg(n, 0, d) else { return };
    let fam = vs.family.unwrap_or(if t.text.contains('.') {
        Family::Inet
    } else {
        Family::Inet6
    });
    let g = match fam {
        Family::Inet6 => match t.text.parse::<u8>() {
            Ok(l) if (1..=128).contains(&l) => Granularity::Inet6(l),
            _ => {
                d.error(
                    &t.loc,
                    format!(
                        "invalid IPv6 persistence_granularity specified - {}",
                        t.text
                    ),
                );
                return;
            }
        },
        Family::Inet => match inet_aton(&t.text) {
            Some(m) => Granularity::Inet(m),
            None => {
                d.error(
                    &t.loc,
                    format!(
                        "invalid IPv4 persistence_granularity specified - {}",
                        t.text
                    ),
                );
                return;
            }
        },
    };
    vs.persistence_granularity = Some(g);
    vs.family.get_or_insert(fam);
    vs.persistence_timeout
        .get_or_insert(DEFAULT_PERSISTENCE_TIMEOUT);
}

/// An IPv4 address in any form `inet_aton` (and so `getaddrinfo` with `AI_NUMERICHOST`)
/// takes: one to four parts, each decimal, octal (`0` prefix) or hex (`0x`), the last part
/// filling the remaining bytes (`64` is 0.0.0.64, `255.255.65280` is 255.255.255.0).
pub(crate) fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut vals = Vec::with_capacity(4);
    for p in &parts {
        let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X"))
        {
            (h, 16)
        } else if p.len() > 1 && p.starts_with('0') {
            (&p[1..], 8)
        } else {
            (*p, 10)
        };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        let v = u32::from_str_radix(digits, radix).ok()?;
        vals.push(v);
    }
    let (last, head) = vals.split_last()?;
    if head.iter().any(|&v| v > 255) {
        return None;
    }
    let rest_bits = 8 * (4 - head.len() as u32);
    if rest_bits < 32 && *last >= 1 << rest_bits {
        return None;
    }
    let mut addr: u32 = 0;
    for (i, v) in head.iter().enumerate() {
        addr |= v << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from(addr | last))
}

/// A TIMER argument with keepalived's usual bounds: `min` microseconds up to `TIMER_MAXIMUM`.
pub(crate) fn timer(n: &Node, min: u64, d: &mut Diagnostics) -> Option<Micros> {
    let t = need_arg(n, 0, d)?;
    parse_timer(t, Micros(min), Micros(u64::MAX - 1), d)
}

/// `connect_timeout`: 1 µs up to `UINT_MAX` µs, as keepalived stores it in an `unsigned`.
pub(crate) fn connect_timeout(n: &Node, d: &mut Diagnostics) -> Option<Micros> {
    let t = need_arg(n, 0, d)?;
    parse_timer(t, Micros(1), Micros(u64::from(u32::MAX)), d)
}

/// A deprecated synonym: accepted, with a warning naming the modern keyword.
pub(crate) fn deprecated(n: &Node, modern: &str, d: &mut Diagnostics) {
    d.warning_hint(
        &n.keyword.loc,
        format!("'{}' is deprecated", n.name()),
        format!("use '{modern}'"),
    );
}

/// A flag keyword that keepalived takes without a value: any words after it are ignored
/// (`alpha false` on a virtual server still sets alpha).
fn ignored_args(n: &Node, d: &mut Diagnostics) {
    if let Some(t) = n.args.first() {
        d.warning(
            &t.loc,
            format!(
                "'{}' takes no value on a virtual server; '{}' is ignored and the flag is set",
                n.name(),
                t.text
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_forms() {
        let a = |s: &str| inet_aton(s).map(|a| a.to_string());
        assert_eq!(a("255.255.255.0").as_deref(), Some("255.255.255.0"));
        assert_eq!(a("64").as_deref(), Some("0.0.0.64"));
        assert_eq!(a("255.255.65280").as_deref(), Some("255.255.255.0"));
        assert_eq!(a("0xff.0377.0.1").as_deref(), Some("255.255.0.1"));
        assert_eq!(a("4294967295").as_deref(), Some("255.255.255.255"));
        assert_eq!(a("255.255.255.256"), None);
        assert_eq!(a("1.2.3.4.5"), None);
        assert_eq!(a("08"), None);
        assert_eq!(a("0x"), None);
        assert_eq!(a("4294967296"), None);
        assert_eq!(a(""), None);
        assert_eq!(a("1..2"), None);
    }
}
