//! `virtual_ipaddress`, `virtual_routes` and `virtual_rules` lines (keepalived.conf(5),
//! "ADDRESS/ROUTE/RULE" grammar) as keepalive-netlink requests. Interface names are
//! resolved when the request is made, since a VMAC or a hot-plugged interface may not
//! exist at configuration time.

use std::net::IpAddr;

use keepalive_confparse::model::vrrp::address::{
    Broadcast as ConfBroadcast, Family, IpAddress, Lifetime, Route, RouteDest, RouteMode, Rule,
    Scope as ConfScope,
};
use keepalive_netlink::{
    AddMode, AddressSpec, Broadcast, Metric, NextHop, RouteSpec, RouteType, RuleSpec, RuleTarget,
    Scope, Table,
};

/// Why a line could not become a request.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// `dev` names an interface that does not exist.
    #[error("interface {0} does not exist")]
    NoInterface(String),
    /// A routing table name not in `/etc/iproute2/rt_tables`.
    #[error("unknown routing table {0}")]
    Table(String),
    /// A rule selector kad cannot express. Installing the rule without it would match more
    /// traffic than the line asks for, so the rule is not installed at all.
    #[error("rule option {0} {1} is not supported by kad; the rule is not installed")]
    RuleOption(String, String),
}

fn ifindex(table: &Table, name: &str) -> Result<u32, SpecError> {
    table
        .link_by_name(name)
        .map(|l| l.index)
        .ok_or_else(|| SpecError::NoInterface(name.to_owned()))
}

fn scope(s: ConfScope) -> Scope {
    match s {
        ConfScope::Global => Scope::Global,
        ConfScope::Site => Scope::Site,
        ConfScope::Link => Scope::Link,
        ConfScope::Host => Scope::Host,
        ConfScope::Nowhere => Scope::Nowhere,
        ConfScope::Other(n) => Scope::Other(n),
    }
}

/// The request for one address line; `default_dev` is the instance's interface (its VMAC
/// when `use_vmac`), used when the line has no `dev`.
pub fn address(table: &Table, a: &IpAddress, default_dev: &str) -> Result<AddressSpec, SpecError> {
    let dev = a.dev.as_deref().unwrap_or(default_dev);
    let mut s = AddressSpec::new(ifindex(table, dev)?, a.addr.addr, a.addr.len);
    s.broadcast = a.broadcast.and_then(|b| match b {
        ConfBroadcast::Addr(IpAddr::V4(v4)) => Some(Broadcast::Addr(v4)),
        ConfBroadcast::Addr(IpAddr::V6(_)) => None,
        ConfBroadcast::Plus => Some(Broadcast::HostBitsSet),
        ConfBroadcast::Minus => Some(Broadcast::HostBitsClear),
    });
    if let Some(sc) = a.scope {
        s.scope = scope(sc);
    }
    s.label.clone_from(&a.label);
    s.peer = a.peer.map(|p| p.addr);
    s.home = a.home;
    s.dad = a.nodad;
    s.mngtmpaddr = a.mngtmpaddr;
    s.noprefixroute = a.noprefixroute;
    s.autojoin = a.autojoin;
    s.preferred_lft = a.preferred_lft.map(|l| match l {
        Lifetime::Forever => keepalive_netlink::address::FOREVER,
        Lifetime::Secs(n) => n,
    });
    Ok(s)
}

/// A routing table by number or by name (`main`, `local`, `default`, or
/// `/etc/iproute2/rt_tables`).
pub fn table_id(name: &str) -> Result<u32, SpecError> {
    if let Ok(n) = name.parse() {
        return Ok(n);
    }
    match name {
        "main" => return Ok(254),
        "local" => return Ok(255),
        "default" => return Ok(253),
        _ => {}
    }
    for path in ["/etc/iproute2/rt_tables", "/usr/share/iproute2/rt_tables"] {
        if let Ok(text) = std::fs::read_to_string(path) {
            for line in text.lines() {
                let mut w = line.split_whitespace();
                if let (Some(id), Some(n)) = (w.next(), w.next()) {
                    if n == name && !id.starts_with('#') {
                        if let Ok(id) = id.parse() {
                            return Ok(id);
                        }
                    }
                }
            }
        }
    }
    Err(SpecError::Table(name.to_owned()))
}

fn route_type(word: &str) -> RouteType {
    match word {
        "local" => RouteType::Local,
        "broadcast" | "brd" => RouteType::Broadcast,
        "anycast" => RouteType::Anycast,
        "multicast" => RouteType::Multicast,
        "blackhole" => RouteType::Blackhole,
        "unreachable" => RouteType::Unreachable,
        "prohibit" => RouteType::Prohibit,
        "throw" => RouteType::Throw,
        "nat" => RouteType::Nat,
        _ => RouteType::Unicast,
    }
}

/// The request for one route line.
pub fn route(table: &Table, r: &Route) -> Result<RouteSpec, SpecError> {
    let (dst, len) = match r.dest {
        RouteDest::Prefix(p) => (p.addr, p.len),
        RouteDest::Default => match r.family {
            Family::Inet => (IpAddr::from([0u8; 4]), 0),
            Family::Inet6 => (IpAddr::from([0u16; 8]), 0),
        },
    };
    let mut s = RouteSpec::new(dst, len);
    s.src = r.src;
    s.from = r.from.map(|p| (p.addr, p.len));
    s.gateway = r.via;
    s.ifindex = r.dev.as_deref().map(|d| ifindex(table, d)).transpose()?;
    s.onlink = r.onlink;
    s.scope = r.scope.map(|sc| scope(sc).to_u8());
    if let Some(t) = &r.table {
        s.table = table_id(t)?;
    }
    s.metric = r.metric;
    if let Some(t) = &r.route_type {
        s.kind = route_type(t);
    }
    for nh in &r.nexthops {
        s.nexthops.push(NextHop {
            gateway: nh.via,
            ifindex: nh.dev.as_deref().map(|d| ifindex(table, d)).transpose()?,
            weight: nh.weight.unwrap_or(1),
            onlink: nh.onlink,
        });
    }
    s.mode = match r.mode {
        RouteMode::Prepend => AddMode::Prepend,
        RouteMode::Add => AddMode::Exclusive,
        RouteMode::Append => AddMode::Append,
    };
    if let Some(p) = r.protocol.as_deref().and_then(route_protocol) {
        s.protocol = p;
    }
    if let Some(t) = r.tos.as_deref().and_then(dsfield) {
        s.tos = t;
    }
    // What route_option cannot express is left out of the route (it changes the route's
    // properties, never what it matches); `kad -t` names each such option.
    for (key, value) in &r.options {
        let _ = route_option(&mut s, key, value);
    }
    Ok(s)
}

/// `protocol`: a number or a name of iproute2's `rt_protos`.
pub fn route_protocol(text: &str) -> Option<u8> {
    const NAMES: &[(&str, u8)] = &[
        ("unspec", 0),
        ("redirect", 1),
        ("kernel", 2),
        ("boot", 3),
        ("static", 4),
        ("gated", 8),
        ("ra", 9),
        ("mrt", 10),
        ("zebra", 11),
        ("bird", 12),
        ("dnrouted", 13),
        ("xorp", 14),
        ("ntk", 15),
        ("dhcp", 16),
        ("keepalived", 18),
        ("babel", 42),
        ("bgp", 186),
        ("isis", 187),
        ("ospf", 188),
        ("rip", 189),
        ("eigrp", 192),
    ];
    NAMES
        .iter()
        .find(|(n, _)| *n == text)
        .map(|(_, v)| *v)
        .or_else(|| u8::try_from(number(text)?).ok())
}

/// One metric or option of a route line as confparse keeps it (`mtu` → `1400`, `rtt` →
/// `10ms`, …), set on `s` as `ip route` would; `None` for what kad does not express
/// (`lock`ed metrics, `congctl`, `expires`, `pref`, `ttl-propagate`, `encap`).
pub fn route_option(s: &mut RouteSpec, key: &str, value: &str) -> Option<()> {
    // iproute2's get_time_rtt(): a bare number is in kernel units, `ms`/`s` are converted.
    let time = |v: &str| -> Option<(u32, bool)> {
        if let Some(ms) = v.strip_suffix("ms") {
            Some((ms.parse().ok()?, false))
        } else if let Some(secs) = v.strip_suffix('s') {
            Some((secs.parse::<u32>().ok()?.checked_mul(1000)?, false))
        } else {
            Some((v.parse().ok()?, true))
        }
    };
    let plain = || u32::try_from(number(value)?).ok();
    let metric = match key {
        "mtu" => Metric::Mtu(plain()?),
        "advmss" => Metric::Advmss(plain()?),
        "hoplimit" => Metric::Hoplimit(plain()?),
        "window" => Metric::Window(plain()?),
        "reordering" => Metric::Reordering(plain()?),
        "cwnd" => Metric::Cwnd(plain()?),
        "ssthresh" => Metric::SsThresh(plain()?),
        "initcwnd" => Metric::InitCwnd(plain()?),
        "initrwnd" => Metric::InitRwnd(plain()?),
        "quickack" => Metric::QuickAck(plain()?),
        "fastopen_no_cookie" => Metric::FastopenNoCookie(plain()?),
        "features" if value == "ecn" => Metric::Features(1),
        "rtt" => {
            let (v, raw) = time(value)?;
            Metric::Rtt(if raw { v } else { v.checked_mul(8)? })
        }
        "rttvar" => {
            let (v, raw) = time(value)?;
            Metric::RttVar(if raw { v } else { v.checked_mul(4)? })
        }
        "rto_min" => Metric::RtoMin(time(value)?.0),
        "realms" => {
            let (from, to) = match value.split_once('/') {
                Some((f, t)) => (number(f)?, number(t)?),
                None => (0, number(value)?),
            };
            s.realms = Some((u16::try_from(from).ok()?, u16::try_from(to).ok()?));
            return Some(());
        }
        _ => return None,
    };
    s.metrics.push(metric);
    Some(())
}

/// The request for one rule line.
pub fn rule(r: &Rule) -> Result<RuleSpec, SpecError> {
    let target = if let Some(g) = r.goto {
        RuleTarget::Goto(g)
    } else if let Some(t) = &r.table {
        RuleTarget::Table(table_id(t)?)
    } else {
        match r.action.as_deref() {
            Some("blackhole") => RuleTarget::Blackhole,
            Some("unreachable") => RuleTarget::Unreachable,
            Some("prohibit") => RuleTarget::Prohibit,
            Some("nop") => RuleTarget::Nop,
            _ => RuleTarget::Table(254),
        }
    };
    let mut s = RuleSpec::new(r.family == Family::Inet6, target);
    s.from = r.from.map(|p| (p.addr, p.len));
    s.to = r.to.map(|p| (p.addr, p.len));
    s.priority = r.preference;
    s.iif.clone_from(&r.iif);
    s.oif.clone_from(&r.oif);
    for (key, value) in &r.options {
        rule_option(&mut s, key, value)
            .ok_or_else(|| SpecError::RuleOption(key.clone(), value.clone()))?;
    }
    Ok(s)
}

/// One selector of a rule line, kept as written by confparse (keepalived.conf(5), "virtual_rules":
/// the `ip rule` grammar). `None` when kad cannot express it.
fn rule_option(s: &mut RuleSpec, key: &str, value: &str) -> Option<()> {
    match key {
        "fwmark" => {
            let (mark, mask) = match value.split_once('/') {
                Some((m, k)) => (number(m)?, Some(number(k)?)),
                None => (number(value)?, None),
            };
            s.fwmark = Some((
                u32::try_from(mark).ok()?,
                mask.map(u32::try_from).transpose().ok()?,
            ));
        }
        "tos" | "dsfield" => s.tos = dsfield(value)?,
        "realms" => {
            let (from, to) = match value.split_once('/') {
                Some((f, t)) => (number(f)?, number(t)?),
                None => (0, number(value)?),
            };
            s.realms = Some((u16::try_from(from).ok()?, u16::try_from(to).ok()?));
        }
        "suppress_prefixlength" | "sup_pl" => {
            s.suppress_prefixlen = Some(u32::try_from(number(value)?).ok()?)
        }
        "suppress_ifgroup" | "sup_group" => {
            let group = if value == "default" {
                0
            } else {
                number(value)?
            };
            s.suppress_ifgroup = Some(u32::try_from(group).ok()?);
        }
        "sport" | "dport" => {
            let (lo, hi) = match value.split_once('-') {
                Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                None => (value.parse().ok()?, value.parse().ok()?),
            };
            if key == "sport" {
                s.sport = Some((lo, hi));
            } else {
                s.dport = Some((lo, hi));
            }
        }
        "uidrange" => {
            let (a, b) = value.split_once('-')?;
            s.uid_range = Some((a.parse().ok()?, b.parse().ok()?));
        }
        "ipproto" => s.ip_proto = Some(ip_proto(value)?),
        "tunnel-id" => s.tunnel_id = Some(number(value)?),
        "protocol" => s.protocol = u8::try_from(number(value)?).ok()?,
        // `l3mdev` and anything confparse may keep in future: not expressible, so refused.
        _ => return None,
    }
    Some(())
}

/// A decimal or `0x` hexadecimal number, as iproute2 reads them.
fn number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// `tos`/`dsfield`: a number or a name of iproute2's `rt_dsfield` (the whole TOS byte).
fn dsfield(text: &str) -> Option<u8> {
    const NAMES: &[(&str, u8)] = &[
        ("default", 0x00),
        ("AF11", 0x28),
        ("AF12", 0x30),
        ("AF13", 0x38),
        ("AF21", 0x48),
        ("AF22", 0x50),
        ("AF23", 0x58),
        ("AF31", 0x68),
        ("AF32", 0x70),
        ("AF33", 0x78),
        ("AF41", 0x88),
        ("AF42", 0x90),
        ("AF43", 0x98),
        ("CS1", 0x20),
        ("CS2", 0x40),
        ("CS3", 0x60),
        ("CS4", 0x80),
        ("CS5", 0xa0),
        ("CS6", 0xc0),
        ("CS7", 0xe0),
        ("EF", 0xb8),
    ];
    match NAMES.iter().find(|(n, _)| *n == text) {
        Some((_, v)) => Some(*v),
        None => u8::try_from(number(text)?).ok(),
    }
}

/// `ipproto`: a number or an IP protocol name (iproute2 asks `getprotobyname`, which reads
/// `/etc/protocols`; the names a rule is written with are these).
fn ip_proto(text: &str) -> Option<u8> {
    const NAMES: &[(&str, u8)] = &[
        ("icmp", 1),
        ("igmp", 2),
        ("ipip", 4),
        ("tcp", 6),
        ("udp", 17),
        ("ipv6", 41),
        ("gre", 47),
        ("esp", 50),
        ("ah", 51),
        ("ipv6-icmp", 58),
        ("icmpv6", 58),
        ("vrrp", 112),
        ("sctp", 132),
        ("udplite", 136),
    ];
    match NAMES.iter().find(|(n, _)| text.eq_ignore_ascii_case(n)) {
        Some((_, v)) => Some(*v),
        None => u8::try_from(number(text)?).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;

    fn vrrp(text: &str) -> keepalive_confparse::model::vrrp::VrrpConfig {
        let loaded = load_str("t.conf", text, &Options::default());
        assert!(!loaded.diagnostics.has_errors());
        loaded.config.vrrp
    }

    #[test]
    fn table_names_and_numbers() {
        assert_eq!(table_id("main").unwrap(), 254);
        assert_eq!(table_id("local").unwrap(), 255);
        assert_eq!(table_id("1000").unwrap(), 1000);
        assert!(matches!(
            table_id("no-such-table-kad"),
            Err(SpecError::Table(_))
        ));
    }

    #[test]
    fn static_routes_and_rules_become_requests() {
        let v = vrrp(
            "static_routes {\n 198.51.100.0/24 via 192.0.2.254 table 100 metric 5 no_track\n\
             blackhole 203.0.113.0/24 no_track\n}\n\
             static_rules {\n from 192.0.2.0/24 table 100 priority 50\n to 198.51.100.7 blackhole priority 60\n}\n",
        );
        let t = Table::default();
        let r0 = route(&t, &v.static_routes[0]).unwrap();
        assert_eq!((r0.dst, r0.dst_len), ("198.51.100.0".parse().unwrap(), 24));
        assert_eq!(r0.gateway, Some("192.0.2.254".parse().unwrap()));
        assert_eq!((r0.table, r0.metric), (100, Some(5)));
        let r1 = route(&t, &v.static_routes[1]).unwrap();
        assert_eq!(r1.kind, RouteType::Blackhole);
        let q0 = rule(&v.static_rules[0]).unwrap();
        assert_eq!(q0.target, RuleTarget::Table(100));
        assert_eq!(q0.from, Some(("192.0.2.0".parse().unwrap(), 24)));
        assert_eq!(q0.priority, Some(50));
        let q1 = rule(&v.static_rules[1]).unwrap();
        assert_eq!(q1.target, RuleTarget::Blackhole);
    }

    /// Every selector reaches the request; one kad cannot express keeps the rule out rather
    /// than installing a rule that matches more than the line says.
    #[test]
    fn rule_selectors_are_installed_or_the_rule_is_refused() {
        let v = vrrp(
            "static_rules {\n from 192.0.2.0/24 fwmark 0x18/0xff ipproto tcp sport 80-90 dport 443-443 \
             uidrange 1000-2000 tos AF11 tunnel-id 7 table 100 suppress_prefixlength 0 \
             realms 3/4 priority 5 no_track\n\
             from 192.0.2.0/24 l3mdev priority 6 no_track\n}\n",
        );
        let q = rule(&v.static_rules[0]).unwrap();
        assert_eq!(q.fwmark, Some((0x18, Some(0xff))));
        assert_eq!(q.ip_proto, Some(6));
        assert_eq!((q.sport, q.dport), (Some((80, 90)), Some((443, 443))));
        assert_eq!(q.uid_range, Some((1000, 2000)));
        assert_eq!((q.tos, q.tunnel_id), (0x28, Some(7)));
        assert_eq!((q.suppress_prefixlen, q.realms), (Some(0), Some((3, 4))));
        let e = rule(&v.static_rules[1]).unwrap_err();
        assert!(
            matches!(e, SpecError::RuleOption(ref k, _) if k == "l3mdev"),
            "{e}"
        );
    }

    #[test]
    fn route_metrics_protocol_and_tos_reach_the_request() {
        let v = vrrp(
            "static_routes {\n 198.51.100.0/24 via 192.0.2.254 protocol bird tos CS1 mtu 1400 \
             advmss 1360 rtt 10ms rttvar 5 rto_min 1s realms 3/4 features ecn no_track\n}\n",
        );
        let r = route(&Table::default(), &v.static_routes[0]).unwrap();
        assert_eq!((r.protocol, r.tos, r.realms), (12, 0x20, Some((3, 4))));
        assert_eq!(
            r.metrics,
            vec![
                Metric::Mtu(1400),
                Metric::Advmss(1360),
                Metric::Rtt(80),
                Metric::RttVar(5),
                Metric::RtoMin(1000),
                Metric::Features(1),
            ]
        );
        // A locked metric has no field in the request: left out, and named by `kad -t`.
        let mut s = RouteSpec::new(IpAddr::from([0u8; 4]), 0);
        assert!(route_option(&mut s, "mtu", "lock 1400").is_none());
        assert!(route_option(&mut s, "congctl", "cubic").is_none());
    }

    #[test]
    fn a_missing_interface_is_an_error_not_a_guess() {
        let v = vrrp("static_ipaddress {\n 192.0.2.9/24 dev eth7 brd + label eth7:x\n}\n");
        let e = address(&Table::default(), &v.static_ipaddress[0], "eth7").unwrap_err();
        assert_eq!(e.to_string(), "interface eth7 does not exist");
    }
}
