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
    AddMode, AddressSpec, Broadcast, NextHop, RouteSpec, RouteType, RuleSpec, RuleTarget, Scope,
    Table,
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
    Ok(s)
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
    Ok(s)
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

    #[test]
    fn a_missing_interface_is_an_error_not_a_guess() {
        let v = vrrp("static_ipaddress {\n 192.0.2.9/24 dev eth7 brd + label eth7:x\n}\n");
        let e = address(&Table::default(), &v.static_ipaddress[0], "eth7").unwrap_err();
        assert_eq!(e.to_string(), "interface eth7 does not exist");
    }
}
