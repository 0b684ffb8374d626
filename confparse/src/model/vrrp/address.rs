//! The `ip address` / `ip route` / `ip rule` option grammar shared by `static_ipaddress`,
//! `static_routes`, `static_rules` and an instance's `virtual_ipaddress[_excluded]`,
//! `virtual_routes` and `virtual_rules` (keepalived.conf(5); keepalived's `alloc_ipaddress`,
//! `alloc_route` and `alloc_rule`).
//!
//! A line that keepalived rejects ("goto err") is reported and dropped; options it merely
//! ignores with a complaint are reported and left out.

use std::net::IpAddr;

use crate::diag::Diagnostics;
use crate::model::values::{split_prefix, IpPrefix};
use crate::token::{Loc, Token};
use crate::tree::Node;

/// Address family, as `inet`/`inet6` in the grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Family {
    /// IPv4.
    Inet,
    /// IPv6.
    Inet6,
}

impl Family {
    /// The family of `a`.
    pub fn of(a: &IpAddr) -> Family {
        if a.is_ipv4() {
            Family::Inet
        } else {
            Family::Inet6
        }
    }
}

/// `scope` of an address or route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Scope {
    /// `global` (RT_SCOPE_UNIVERSE).
    Global,
    /// `site`.
    Site,
    /// `link`.
    Link,
    /// `host`.
    Host,
    /// `nowhere`.
    Nowhere,
    /// A number from `/etc/iproute2/rt_scopes`.
    Other(u8),
}

fn parse_scope(t: &Token) -> Option<Scope> {
    Some(match t.text.as_str() {
        "global" => Scope::Global,
        "site" => Scope::Site,
        "link" => Scope::Link,
        "host" => Scope::Host,
        "nowhere" => Scope::Nowhere,
        s => Scope::Other(parse_num(s)?.try_into().ok()?),
    })
}

/// A number as iproute2 reads it (`strtoul(.., 0)`): decimal, `0x` hex or leading-0 octal.
fn parse_num(s: &str) -> Option<u32> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        u32::from_str_radix(h, 16).ok()
    } else if s.len() > 1 && s.starts_with('0') {
        u32::from_str_radix(&s[1..], 8).ok()
    } else {
        s.parse().ok()
    }
}

/// The words of a value-block line, keyword first, without collecting them.
#[derive(Clone, Copy)]
struct Words<'a>(&'a Node);

impl<'a> Words<'a> {
    fn len(self) -> usize {
        self.0.args.len() + 1
    }

    fn get(self, i: usize) -> Option<&'a Token> {
        if i == 0 {
            Some(&self.0.keyword)
        } else {
            self.0.args.get(i - 1)
        }
    }
}

impl<'a> std::ops::Index<usize> for Words<'a> {
    type Output = Token;

    fn index(&self, i: usize) -> &Token {
        match self.get(i) {
            Some(t) => t,
            None => panic!("word {i} out of range"),
        }
    }
}

/// `preferred_lft nn|forever`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Lifetime {
    /// Never deprecated.
    Forever,
    /// Seconds.
    Secs(u32),
}

/// Broadcast of an address: explicit, or host bits set/cleared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Broadcast {
    /// `brd ADDR`.
    Addr(IpAddr),
    /// `brd +`: host bits set.
    Plus,
    /// `brd -`: host bits cleared.
    Minus,
}

/// One line of `virtual_ipaddress`, `virtual_ipaddress_excluded` or `static_ipaddress`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct IpAddress {
    /// Where the line starts.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// Address and prefix length (a bare address is /32 or /128).
    pub addr: IpPrefix,
    /// `brd`.
    pub broadcast: Option<Broadcast>,
    /// `dev`: else the instance's interface (or `default_interface` for static addresses).
    pub dev: Option<String>,
    /// `scope` (IPv4 only).
    pub scope: Option<Scope>,
    /// `label` (IPv4 only).
    pub label: Option<String>,
    /// `peer`.
    pub peer: Option<IpPrefix>,
    /// `home`.
    pub home: bool,
    /// `-nodad`.
    pub nodad: bool,
    /// `mngtmpaddr`.
    pub mngtmpaddr: bool,
    /// `noprefixroute`.
    pub noprefixroute: bool,
    /// `autojoin`.
    pub autojoin: bool,
    /// `no_track`: deleting it does not take the instance out of MASTER.
    pub no_track: bool,
    /// `preferred_lft` (IPv6 default: 0 for /128, forever otherwise).
    pub preferred_lft: Option<Lifetime>,
    /// `track_group` (static addresses only).
    pub track_group: Option<String>,
    /// `use_vmac` (virtual addresses only).
    pub use_vmac: bool,
}

impl IpAddress {
    /// The address family.
    pub fn family(&self) -> Family {
        Family::of(&self.addr.addr)
    }
}

/// One `static_ipaddress`/`virtual_ipaddress` line. `is_static` enables `track_group` and
/// disables `use_vmac`, as keepalived does.
pub fn parse_address(node: &Node, is_static: bool, d: &mut Diagnostics) -> Option<IpAddress> {
    let words = Words(node);
    let first = &node.keyword;
    let Some((a, len)) = split_prefix(&first.text) else {
        d.error(
            &first.loc,
            format!("invalid IP address '{}' - skipping", first.text),
        );
        return None;
    };
    let mut ip = IpAddress {
        loc: first.loc.clone(),
        addr: IpPrefix {
            addr: a,
            len: len.unwrap_or_else(|| IpPrefix::max_len(&a)),
        },
        broadcast: None,
        dev: None,
        scope: None,
        label: None,
        peer: None,
        home: false,
        nodad: false,
        mngtmpaddr: false,
        noprefixroute: false,
        autojoin: false,
        no_track: false,
        preferred_lft: None,
        track_group: None,
        use_vmac: false,
    };
    let v6 = a.is_ipv6();
    let mut i = 1;
    while i < words.len() {
        let w = &words[i];
        let takes = matches!(
            w.text.as_str(),
            "dev" | "scope" | "broadcast" | "brd" | "label" | "peer" | "preferred_lft"
        ) || (is_static && w.text == "track_group");
        let param = if takes {
            match words.get(i + 1) {
                Some(p) => Some(p),
                None => {
                    d.error(
                        &w.loc,
                        format!("no {} parameter specified for {}", w.text, first.text),
                    );
                    return None;
                }
            }
        } else {
            None
        };
        match (w.text.as_str(), param) {
            ("dev", Some(p)) => {
                if ip.dev.is_some() {
                    d.error(
                        &p.loc,
                        format!(
                            "cannot specify ipaddress device more than once for {}",
                            first.text
                        ),
                    );
                    return None;
                }
                ip.dev = Some(p.text.clone());
            }
            ("scope", Some(p)) => match parse_scope(p) {
                Some(s) => ip.scope = Some(s),
                None => d.error(
                    &p.loc,
                    format!(
                        "invalid scope '{}' specified for {} - ignoring",
                        p.text, first.text
                    ),
                ),
            },
            ("broadcast" | "brd", Some(p)) => {
                if v6 {
                    d.error(
                        &p.loc,
                        format!(
                            "cannot assign a broadcast {} to the IPv6 address {}",
                            p.text, first.text
                        ),
                    );
                } else {
                    match p.text.as_str() {
                        "+" => ip.broadcast = Some(Broadcast::Plus),
                        "-" => ip.broadcast = Some(Broadcast::Minus),
                        s => match s.parse::<std::net::Ipv4Addr>() {
                            Ok(b) => ip.broadcast = Some(Broadcast::Addr(IpAddr::V4(b))),
                            Err(_) => d.error(&p.loc, format!("invalid broadcast {s}")),
                        },
                    }
                }
            }
            ("label", Some(p)) => {
                if p.text.len() >= 16 {
                    d.error(
                        &p.loc,
                        format!(
                            "address label {} is longer than maximum length 15 - removing address",
                            p.text
                        ),
                    );
                    return None;
                }
                ip.label = Some(p.text.clone());
            }
            ("peer", Some(p)) => {
                if ip.peer.is_some() {
                    d.error(
                        &p.loc,
                        format!("peer {} - another peer has already been specified", p.text),
                    );
                } else {
                    match split_prefix(&p.text) {
                        None => d.error(&p.loc, format!("invalid peer address {}", p.text)),
                        Some((pa, _)) if pa.is_ipv6() != v6 => d.error(
                            &p.loc,
                            format!("peer address {} does not match address family", p.text),
                        ),
                        Some((pa, plen)) => {
                            ip.peer = Some(IpPrefix {
                                addr: pa,
                                len: plen.unwrap_or_else(|| IpPrefix::max_len(&pa)),
                            })
                        }
                    }
                }
            }
            ("preferred_lft", Some(p)) => {
                if p.text == "forever" {
                    ip.preferred_lft = Some(Lifetime::Forever);
                } else if let Some(v) = parse_num(&p.text) {
                    ip.preferred_lft = Some(Lifetime::Secs(v));
                } else {
                    d.error(&p.loc, format!("preferred_lft {} is invalid", p.text));
                }
            }
            ("track_group", Some(p)) => {
                if ip.track_group.is_some() {
                    d.error(&p.loc, format!("track_group {} is a duplicate", p.text));
                } else {
                    ip.track_group = Some(p.text.clone());
                }
            }
            ("home", _) => ip.home = true,
            ("-nodad", _) => ip.nodad = true,
            ("mngtmpaddr", _) => ip.mngtmpaddr = true,
            ("noprefixroute", _) => ip.noprefixroute = true,
            ("autojoin", _) => ip.autojoin = true,
            ("no_track", _) => ip.no_track = true,
            ("use_vmac", _) if !is_static => ip.use_vmac = true,
            (other, _) => d.error(
                &w.loc,
                format!("unknown configuration entry '{other}' for ip address - ignoring"),
            ),
        }
        i += if param.is_some() { 2 } else { 1 };
    }
    if ip.broadcast.is_some() && ip.peer.is_some() {
        d.error(
            &ip.loc,
            "cannot specify broadcast and peer addresses - ignoring broadcast address",
        );
        ip.broadcast = None;
    }
    if matches!(ip.broadcast, Some(Broadcast::Plus | Broadcast::Minus)) && ip.addr.len > 30 {
        d.error(
            &ip.loc,
            format!(
                "address prefix length {} too long for broadcast",
                ip.addr.len
            ),
        );
        ip.broadcast = None;
    }
    if v6 {
        if ip.scope.take().is_some() {
            d.error(
                &ip.loc,
                format!(
                    "cannot specify scope for IPv6 addresses ({}) - ignoring scope",
                    first.text
                ),
            );
        }
        if ip.label.take().is_some() {
            d.error(
                &ip.loc,
                format!(
                    "cannot specify label for IPv6 addresses ({}) - ignoring label",
                    first.text
                ),
            );
        }
        if ip.preferred_lft.is_none() {
            ip.preferred_lft = Some(if ip.addr.len == 128 {
                Lifetime::Secs(0)
            } else {
                Lifetime::Forever
            });
        }
    }
    Some(ip)
}

/// Where a route goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum RouteDest {
    /// `default`/`any`/`all` (family from the other words, else IPv4).
    Default,
    /// A prefix.
    Prefix(IpPrefix),
}

/// How a route is added relative to matching routes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum RouteMode {
    /// `prepend` (the kernel's and keepalived's default).
    #[default]
    Prepend,
    /// `add`: only if there is no matching route.
    Add,
    /// `append`.
    Append,
}

/// One `nexthop` of a multipath route.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Nexthop {
    /// `via`.
    pub via: Option<IpAddr>,
    /// `dev`.
    pub dev: Option<String>,
    /// `weight` (1..256).
    pub weight: Option<u16>,
    /// `onlink`.
    pub onlink: bool,
    /// `realms`.
    pub realms: Option<String>,
}

/// One `static_routes`/`virtual_routes` line.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Route {
    /// Where the line starts.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// The family (explicit `inet6`, or from the addresses; IPv4 by default).
    pub family: Family,
    /// Destination.
    pub dest: RouteDest,
    /// Route type word before the destination (`blackhole`, `unreachable`, ...).
    pub route_type: Option<String>,
    /// `src`: preferred source.
    pub src: Option<IpAddr>,
    /// `from` (IPv6 source prefix).
    pub from: Option<IpPrefix>,
    /// `via` (deprecated `gw`).
    pub via: Option<IpAddr>,
    /// `dev`/`oif`.
    pub dev: Option<String>,
    /// `table` (name or number).
    pub table: Option<String>,
    /// `metric`/`priority`/`preference`.
    pub metric: Option<u32>,
    /// `scope`.
    pub scope: Option<Scope>,
    /// `protocol` (forced to `keepalived` for tracked routes).
    pub protocol: Option<String>,
    /// `tos`/`dsfield`.
    pub tos: Option<String>,
    /// `onlink`.
    pub onlink: bool,
    /// `nexthop ...` groups (also built from the deprecated `or`).
    pub nexthops: Vec<Nexthop>,
    /// add/append/prepend.
    pub mode: RouteMode,
    /// `no_track`, or set because the route has no interface to track.
    pub no_track: bool,
    /// `track_group` (static routes only).
    pub track_group: Option<String>,
    /// `vrf`.
    pub vrf: Option<String>,
    /// Route metrics and other options kept as written: (`mtu`, `lock 1400`), (`features`,
    /// `ecn`), ...
    pub options: Vec<(String, String)>,
}

/// `find_rttables_rtntype` names.
const ROUTE_TYPES: &[&str] = &[
    "local",
    "nat",
    "broadcast",
    "brd",
    "anycast",
    "multicast",
    "prohibit",
    "unreachable",
    "blackhole",
    "xresolve",
    "unicast",
    "throw",
];

/// The names in iproute2's stock `/etc/iproute2/rt_dsfield`.
const DSFIELD_NAMES: &[&str] = &[
    "default", "AF11", "AF12", "AF13", "AF21", "AF22", "AF23", "AF31", "AF32", "AF33", "AF41",
    "AF42", "AF43", "CS1", "CS2", "CS3", "CS4", "CS5", "CS6", "CS7", "EF",
];

const BUILTIN_TABLES: &[&str] = &["default", "main", "local", "unspec"];
const BUILTIN_PROTOS: &[&str] = &[
    "none",
    "redirect",
    "kernel",
    "boot",
    "static",
    "gated",
    "ra",
    "mrt",
    "zebra",
    "bird",
    "babel",
    "dnrouted",
    "xorp",
    "ntk",
    "dhcp",
    "keepalived",
];

/// A name keepalived looks up in `/etc/iproute2/<file>`: numbers and built-in names are
/// certain; other names depend on that file, so they are accepted with a warning.
fn table_like(t: &Token, builtin: &[&str], file: &str, d: &mut Diagnostics) -> String {
    if parse_num(&t.text).is_none() && !builtin.contains(&t.text.as_str()) {
        d.warning(
            &t.loc,
            format!(
                "'{}' is not a number or built-in name; it must be defined in /etc/iproute2/{file}",
                t.text
            ),
        );
    }
    t.text.clone()
}

/// Metrics that take a number, optionally preceded by `lock`.
const LOCKABLE: &[&str] = &[
    "mtu",
    "advmss",
    "rtt",
    "rttvar",
    "reordering",
    "window",
    "cwnd",
    "ssthresh",
    "rto_min",
    "initcwnd",
    "initrwnd",
    "congctl",
];

/// Adopt `f` as the route's family or report a mix; false on a mix.
fn set_family(family: &mut Option<Family>, f: Family, at: &Token, d: &mut Diagnostics) -> bool {
    match *family {
        None => {
            *family = Some(f);
            true
        }
        Some(g) if g == f => true,
        Some(_) => {
            d.error(&at.loc, "cannot mix IPv4 and IPv6 addresses for route");
            false
        }
    }
}

/// One `static_routes`/`virtual_routes` line.
pub fn parse_route(node: &Node, is_static: bool, d: &mut Diagnostics) -> Option<Route> {
    let words = Words(node);
    let mut r = Route {
        loc: node.keyword.loc.clone(),
        family: Family::Inet,
        dest: RouteDest::Default,
        route_type: None,
        src: None,
        from: None,
        via: None,
        dev: None,
        table: None,
        metric: None,
        scope: None,
        protocol: None,
        tos: None,
        onlink: false,
        nexthops: Vec::new(),
        mode: RouteMode::Prepend,
        no_track: false,
        track_group: None,
        vrf: None,
        options: Vec::new(),
    };
    let mut family: Option<Family> = None;
    let mut have_dest = false;
    let mut i = 0;
    macro_rules! param {
        () => {{
            i += 1;
            match words.get(i) {
                Some(p) => p,
                None => {
                    d.error(
                        &words[i - 1].loc,
                        format!("missing parameter after '{}' in route", words[i - 1].text),
                    );
                    return None;
                }
            }
        }};
    }
    while i < words.len() {
        let w = &words[i];
        match w.text.as_str() {
            "inet" | "inet6" => {
                let f = if w.text == "inet" {
                    Family::Inet
                } else {
                    Family::Inet6
                };
                if !set_family(&mut family, f, w, d) {
                    return None;
                }
            }
            "src" => {
                let p = param!();
                let Ok(a) = p.text.parse::<IpAddr>() else {
                    d.error(&p.loc, format!("invalid route src address {}", p.text));
                    return None;
                };
                if !set_family(&mut family, Family::of(&a), p, d) {
                    return None;
                }
                r.src = Some(a);
            }
            "as" => {
                let p = param!();
                if p.text == "to" {
                    param!();
                }
                d.error(&w.loc, "\"as to\" for MPLS only - ignoring");
            }
            "via" | "gw" => {
                if w.text == "gw" {
                    d.error_hint(&w.loc, "\"gw\" for routes is deprecated", "use 'via'");
                }
                let mut p = param!();
                if p.text == "inet" || p.text == "inet6" {
                    let f = if p.text == "inet" {
                        Family::Inet
                    } else {
                        Family::Inet6
                    };
                    if !set_family(&mut family, f, p, d) {
                        return None;
                    }
                    p = param!();
                }
                let Ok(a) = p.text.parse::<IpAddr>() else {
                    d.error(&p.loc, format!("invalid route via address {}", p.text));
                    return None;
                };
                if !set_family(&mut family, Family::of(&a), p, d) {
                    return None;
                }
                r.via = Some(a);
            }
            "from" => {
                let p = param!();
                match split_prefix(&p.text) {
                    Some((a, l)) if a.is_ipv6() => {
                        if !set_family(&mut family, Family::Inet6, p, d) {
                            return None;
                        }
                        r.from = Some(IpPrefix {
                            addr: a,
                            len: l.unwrap_or(128),
                        });
                    }
                    Some(_) => {
                        d.error(
                            &p.loc,
                            format!("route from address only supported with IPv6 ({})", p.text),
                        );
                        return None;
                    }
                    None => {
                        d.error(&p.loc, format!("invalid route from address {}", p.text));
                        return None;
                    }
                }
            }
            "tos" | "dsfield" => {
                let p = param!();
                if parse_num(&p.text).is_none_or(|v| v > 255)
                    && !DSFIELD_NAMES.contains(&p.text.as_str())
                {
                    d.error(&p.loc, format!("TOS value {} is invalid", p.text));
                    return None;
                }
                r.tos = Some(p.text.clone());
            }
            "table" => {
                let p = param!();
                r.table = Some(table_like(p, BUILTIN_TABLES, "rt_tables", d));
            }
            "protocol" => {
                let p = param!();
                r.protocol = Some(table_like(p, BUILTIN_PROTOS, "rt_protos", d));
            }
            "scope" => {
                let p = param!();
                match parse_scope(p) {
                    Some(s) => r.scope = Some(s),
                    None => {
                        d.error(
                            &p.loc,
                            format!("scope {} not found or invalid for route", p.text),
                        );
                        return None;
                    }
                }
            }
            "metric" | "priority" | "preference" => {
                let p = param!();
                match parse_num(&p.text) {
                    Some(v) => r.metric = Some(v),
                    None => {
                        d.error(
                            &p.loc,
                            format!("invalid metric {} specified for route", p.text),
                        );
                        return None;
                    }
                }
            }
            "dev" | "oif" => {
                let p = param!();
                r.dev = Some(p.text.clone());
            }
            "onlink" => r.onlink = true,
            "hoplimit" => {
                let p = param!();
                if parse_num(&p.text).is_none_or(|v| v > 255) {
                    d.error(
                        &p.loc,
                        format!("invalid hoplimit {} specified for route", p.text),
                    );
                    return None;
                }
                r.options.push((w.text.clone(), p.text.clone()));
            }
            "expires" => {
                let p = param!();
                if !set_family(&mut family, Family::Inet6, w, d) {
                    d.error(&w.loc, "expires is only valid for IPv6");
                    return None;
                }
                r.options.push((w.text.clone(), p.text.clone()));
            }
            "realms" => {
                let p = param!();
                if family == Some(Family::Inet6) {
                    d.error(&p.loc, "realms are only valid for IPv4");
                    return None;
                }
                r.options.push((w.text.clone(), p.text.clone()));
            }
            "features" => {
                let p = param!();
                if p.text != "ecn" {
                    d.error(&p.loc, format!("feature {} not supported", p.text));
                    return None;
                }
                r.options.push((w.text.clone(), p.text.clone()));
            }
            "quickack" | "fastopen_no_cookie" => {
                let p = param!();
                r.options.push((w.text.clone(), p.text.clone()));
            }
            "pref" => {
                let p = param!();
                if !matches!(p.text.as_str(), "low" | "medium" | "high") {
                    d.error(&p.loc, format!("invalid pref {}", p.text));
                    return None;
                }
                if !set_family(&mut family, Family::Inet6, w, d) {
                    return None;
                }
                r.options.push((w.text.clone(), p.text.clone()));
            }
            "ttl-propagate" => {
                let p = param!();
                if !matches!(p.text.as_str(), "enabled" | "disabled") {
                    d.error(
                        &p.loc,
                        format!("ttl-propagate value {} not recognised", p.text),
                    );
                    return None;
                }
                r.options.push((w.text.clone(), p.text.clone()));
            }
            "encap" => {
                // The encapsulation sub-grammar runs to the end of the line.
                let rest: Vec<&str> = node.args[i..].iter().map(|t| t.text.as_str()).collect();
                r.options.push((w.text.clone(), rest.join(" ")));
                i = words.len();
                continue;
            }
            m if LOCKABLE.contains(&m) => {
                let mut p = param!();
                let mut v = String::new();
                if p.text == "lock" {
                    v.push_str("lock ");
                    p = param!();
                }
                if m != "congctl"
                    && parse_num(&p.text).is_none()
                    && !p.text.ends_with("ms")
                    && !p.text.ends_with('s')
                {
                    d.error(
                        &p.loc,
                        format!("invalid {m} {} specified for route", p.text),
                    );
                    return None;
                }
                v.push_str(&p.text);
                r.options.push((m.to_string(), v));
            }
            "add" => r.mode = RouteMode::Add,
            "prepend" => r.mode = RouteMode::Prepend,
            "append" => r.mode = RouteMode::Append,
            "or" => {
                d.error_hint(&w.loc, "\"or\" for routes is deprecated", "use 'nexthop'");
                let p = param!();
                if !r.nexthops.is_empty() {
                    d.error(
                        &p.loc,
                        "\"or\" route already specified - ignoring subsequent",
                    );
                } else {
                    let Ok(a) = p.text.parse::<IpAddr>() else {
                        d.error(&p.loc, format!("invalid \"or\" address {}", p.text));
                        return None;
                    };
                    r.nexthops.push(Nexthop {
                        via: r.via.take(),
                        ..Nexthop::default()
                    });
                    r.nexthops.push(Nexthop {
                        via: Some(a),
                        ..Nexthop::default()
                    });
                }
            }
            "nexthop" => {
                if i == 0 {
                    d.error(&w.loc, "route must have a destination before 'nexthop'");
                    return None;
                } else if !r.nexthops.is_empty() {
                    d.error(&w.loc, "cannot specify nexthops with \"or\" route");
                } else {
                    parse_nexthops(&node.args[i - 1..], &mut r, d)?;
                }
                break;
            }
            "no_track" => r.no_track = true,
            "track_group" if is_static => {
                let p = param!();
                if r.track_group.is_some() {
                    d.error(&p.loc, format!("track_group {} is a duplicate", p.text));
                } else {
                    r.track_group = Some(p.text.clone());
                }
            }
            "vrf" => {
                let p = param!();
                r.vrf = Some(p.text.clone());
            }
            _ => {
                let mut w = w;
                if w.text == "to" {
                    w = param!();
                }
                if ROUTE_TYPES.contains(&w.text.as_str()) {
                    r.route_type = Some(w.text.clone());
                    w = param!();
                }
                let dest = match w.text.as_str() {
                    "default" | "any" | "all" => RouteDest::Default,
                    "default6" => {
                        d.warning_hint(&w.loc, "'default6' is deprecated", "use 'inet6 default'");
                        if !set_family(&mut family, Family::Inet6, w, d) {
                            return None;
                        }
                        RouteDest::Default
                    }
                    s => match split_prefix(s) {
                        Some((a, l)) => {
                            if !set_family(&mut family, Family::of(&a), w, d) {
                                return None;
                            }
                            RouteDest::Prefix(IpPrefix {
                                addr: a,
                                len: l.unwrap_or_else(|| IpPrefix::max_len(&a)),
                            })
                        }
                        None => {
                            d.error(&w.loc, format!("unknown route keyword {s}"));
                            return None;
                        }
                    },
                };
                r.dest = dest;
                have_dest = true;
            }
        }
        i += 1;
    }
    if !have_dest {
        d.error(&r.loc, "route must have a destination");
        return None;
    }
    r.family = family.unwrap_or(Family::Inet);
    if !r.no_track {
        if r.protocol
            .as_deref()
            .is_some_and(|p| p != "keepalived" && p != "18")
        {
            d.error(
                &r.loc,
                "route cannot be tracked if protocol is not keepalived(18), resetting protocol",
            );
        }
        r.protocol = Some("keepalived".into());
        if r.dev.is_none() {
            d.error_hint(
                &r.loc,
                "cannot track route with no interface specified, not tracking",
                "add 'dev IFNAME' or 'no_track'",
            );
            r.no_track = true;
        }
    }
    if r.track_group.is_some() && r.dev.is_none() {
        d.error(
            &r.loc,
            "static route cannot have track group if no oif specified",
        );
        r.track_group = None;
    }
    Some(r)
}

fn parse_nexthops(words: &[Token], r: &mut Route, d: &mut Diagnostics) -> Option<()> {
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if w.text != "nexthop" {
            d.error(&w.loc, format!("route has trailing nonsense - {}", w.text));
            return None;
        }
        i += 1;
        let mut nh = Nexthop::default();
        while i < words.len() && words[i].text != "nexthop" {
            let k = &words[i];
            let p = words.get(i + 1);
            match (k.text.as_str(), p) {
                ("onlink", _) => {
                    nh.onlink = true;
                    i += 1;
                    continue;
                }
                ("inet" | "inet6", _) => {
                    i += 1;
                    continue;
                }
                ("via", Some(p)) => match p.text.parse::<IpAddr>() {
                    Ok(a) if Family::of(&a) == r.family || r.dest == RouteDest::Default => {
                        nh.via = Some(a)
                    }
                    _ => {
                        d.error(&p.loc, format!("invalid nexthop address {}", p.text));
                        return None;
                    }
                },
                ("dev", Some(p)) => nh.dev = Some(p.text.clone()),
                ("weight", Some(p)) => match parse_num(&p.text) {
                    Some(v) if (1..=256).contains(&v) => nh.weight = Some(v as u16),
                    _ => {
                        d.error(&p.loc, format!("invalid nexthop weight {}", p.text));
                        return None;
                    }
                },
                ("realms", Some(p)) => nh.realms = Some(p.text.clone()),
                ("as" | "encap", Some(_)) => {}
                (_, None) => {
                    d.error(
                        &k.loc,
                        format!("missing parameter after '{}' in nexthop", k.text),
                    );
                    return None;
                }
                (o, _) => {
                    d.error(&k.loc, format!("unknown nexthop keyword {o}"));
                    return None;
                }
            }
            i += 2;
        }
        r.nexthops.push(nh);
    }
    Some(())
}

/// One `static_rules`/`virtual_rules` line.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Rule {
    /// Where the line starts.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// The family (explicit or from the addresses; IPv4 by default).
    pub family: Family,
    /// `from`.
    pub from: Option<IpPrefix>,
    /// `to`.
    pub to: Option<IpPrefix>,
    /// `preference`/`priority`/`order`; keepalived assigns one (with an error) if absent.
    pub preference: Option<u32>,
    /// `table`/`lookup`.
    pub table: Option<String>,
    /// `goto` target.
    pub goto: Option<u32>,
    /// The action when not a lookup or goto: `blackhole`, `unreachable`, `prohibit`, `nop`.
    pub action: Option<String>,
    /// `iif`/`dev`.
    pub iif: Option<String>,
    /// `oif`.
    pub oif: Option<String>,
    /// `no_track`.
    pub no_track: bool,
    /// `track_group` (static rules only).
    pub track_group: Option<String>,
    /// Selectors and other options kept as written: (`fwmark`, `24/12`), (`uidrange`, ...).
    pub options: Vec<(String, String)>,
}

/// A `lo-hi` range (keepalived's `sscanf("%hu-%hu")`, which in 2.2.7 rejects a single value).
fn port_range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.split_once('-')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

/// Record that a rule has its action, or report a second one; false on a second one.
fn set_action(have_action: &mut bool, at: &Token, d: &mut Diagnostics) -> bool {
    if *have_action {
        d.error(
            &at.loc,
            "cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule",
        );
        return false;
    }
    *have_action = true;
    true
}

/// One `static_rules`/`virtual_rules` line.
pub fn parse_rule(node: &Node, is_static: bool, d: &mut Diagnostics) -> Option<Rule> {
    let words = Words(node);
    let mut r = Rule {
        loc: node.keyword.loc.clone(),
        family: Family::Inet,
        from: None,
        to: None,
        preference: None,
        table: None,
        goto: None,
        action: None,
        iif: None,
        oif: None,
        no_track: false,
        track_group: None,
        options: Vec::new(),
    };
    let mut family: Option<Family> = None;
    // The action: a table lookup (`table`, `l3mdev`), `goto`, `nop`, or a route type.
    let mut have_action = false;
    let mut l3mdev = false;
    let mut table_option = false;
    let mut protocol: Option<u32> = None;
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let flag = matches!(
            w.text.as_str(),
            "inet"
                | "inet6"
                | "no_track"
                | "l3mdev"
                | "nop"
                | "blackhole"
                | "unreachable"
                | "prohibit"
        );
        let p = if flag {
            None
        } else {
            match words.get(i + 1) {
                Some(p) => Some(p),
                None => {
                    d.error(
                        &w.loc,
                        format!("missing parameter after '{}' in rule", w.text),
                    );
                    return None;
                }
            }
        };
        let mut fam = |f: Family, at: &Token, d: &mut Diagnostics| -> bool {
            match family {
                Some(g) if g != f => {
                    d.error(&at.loc, "rule specification has mixed IPv4 and IPv6");
                    false
                }
                _ => {
                    family = Some(f);
                    true
                }
            }
        };
        match (w.text.as_str(), p) {
            ("inet", _) => {
                if !fam(Family::Inet, w, d) {
                    return None;
                }
            }
            ("inet6", _) => {
                if !fam(Family::Inet6, w, d) {
                    return None;
                }
            }
            ("no_track", _) => r.no_track = true,
            ("l3mdev", _) => {
                if have_action {
                    d.error(&w.loc, "cannot specify l3mdev with other action");
                    return None;
                }
                have_action = true;
                l3mdev = true;
                r.options.push(("l3mdev".into(), String::new()));
            }
            ("nop" | "blackhole" | "unreachable" | "prohibit", _) => {
                if !set_action(&mut have_action, w, d) {
                    return None;
                }
                r.action = Some(w.text.clone());
            }
            ("type", Some(p)) => {
                match p.text.as_str() {
                    "goto" => {
                        d.error(&p.loc, "invalid target for 'type goto'");
                        return None;
                    }
                    "nop" | "blackhole" | "unreachable" | "prohibit" => {}
                    o if ROUTE_TYPES.contains(&o) => {
                        d.error(&p.loc, format!("invalid rule action {o}"));
                        return None;
                    }
                    o => {
                        d.error(&p.loc, format!("unknown rule option {o}"));
                        return None;
                    }
                }
                if !set_action(&mut have_action, p, d) {
                    return None;
                }
                r.action = Some(p.text.clone());
            }
            ("goto", Some(p)) => {
                let Some(v) = parse_num(&p.text) else {
                    d.error(&p.loc, format!("invalid target {} specified", p.text));
                    return None;
                };
                if !set_action(&mut have_action, w, d) {
                    return None;
                }
                r.goto = Some(v);
            }
            ("from" | "to", Some(p)) => {
                let pre = if p.text == "all" {
                    None
                } else {
                    match split_prefix(&p.text) {
                        Some((a, l)) => {
                            if !fam(Family::of(&a), p, d) {
                                return None;
                            }
                            Some(IpPrefix {
                                addr: a,
                                len: l.unwrap_or_else(|| IpPrefix::max_len(&a)),
                            })
                        }
                        None => {
                            d.error(
                                &p.loc,
                                format!("invalid rule {} address {}", w.text, p.text),
                            );
                            return None;
                        }
                    }
                };
                if w.text == "from" {
                    r.from = pre;
                } else {
                    r.to = pre;
                }
            }
            ("preference" | "priority" | "order", Some(p)) => match parse_num(&p.text) {
                Some(v) => r.preference = Some(v),
                None => {
                    d.error(
                        &p.loc,
                        format!("invalid rule preference {} specified", p.text),
                    );
                    return None;
                }
            },
            ("table" | "lookup", Some(p)) => {
                if parse_num(&p.text) == Some(0) {
                    d.error(&p.loc, "table 0 is not valid");
                    return None;
                }
                if !set_action(&mut have_action, w, d) {
                    return None;
                }
                r.table = Some(table_like(p, BUILTIN_TABLES, "rt_tables", d));
            }
            ("iif" | "dev", Some(p)) => r.iif = Some(p.text.clone()),
            ("oif", Some(p)) => r.oif = Some(p.text.clone()),
            ("track_group", Some(p)) if is_static => {
                if r.track_group.is_some() {
                    d.error(&p.loc, format!("track_group {} is a duplicate", p.text));
                } else {
                    r.track_group = Some(p.text.clone());
                }
            }
            ("tos" | "dsfield", Some(p)) => {
                if parse_num(&p.text).is_none_or(|v| v > 255)
                    && !DSFIELD_NAMES.contains(&p.text.as_str())
                {
                    d.error(&p.loc, format!("TOS value {} is invalid", p.text));
                    return None;
                }
                r.options.push((w.text.clone(), p.text.clone()));
            }
            ("realms", Some(p)) => {
                if family == Some(Family::Inet6) {
                    d.error(&p.loc, "realms is only valid for IPv4");
                    return None;
                }
                table_option = true;
                r.options.push((w.text.clone(), p.text.clone()));
            }
            ("suppress_prefixlength" | "sup_pl" | "suppress_ifgroup" | "sup_group", Some(p)) => {
                table_option = true;
                r.options.push((w.text.clone(), p.text.clone()));
            }
            ("sport" | "dport", Some(p)) => {
                if port_range(&p.text).is_none() {
                    d.error(&p.loc, format!("invalid {} range {}", w.text, p.text));
                } else {
                    r.options.push((w.text.clone(), p.text.clone()));
                }
            }
            ("uidrange", Some(p)) => {
                let ok = p
                    .text
                    .split_once('-')
                    .is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok());
                if !ok {
                    d.error(&p.loc, format!("invalid uidrange {} specified", p.text));
                    return None;
                }
                r.options.push((w.text.clone(), p.text.clone()));
            }
            ("protocol", Some(p)) => match parse_num(&p.text).filter(|v| *v <= 255) {
                Some(v) => protocol = Some(v),
                None => d.error(&p.loc, format!("invalid protocol {}", p.text)),
            },
            ("fwmark" | "ipproto" | "tunnel-id", Some(p)) => {
                r.options.push((w.text.clone(), p.text.clone()))
            }
            (o, _) => {
                if ROUTE_TYPES.contains(&o) {
                    d.error(&w.loc, format!("invalid rule action {o}"));
                } else {
                    d.error(&w.loc, format!("unknown rule option {o}"));
                }
                return None;
            }
        }
        i += if p.is_some() { 2 } else { 1 };
    }
    if let Some(g) = r.goto {
        match r.preference {
            Some(p) if p >= g => {
                d.error(
                    &r.loc,
                    format!("invalid rule - preference {p} >= goto target {g}"),
                );
                return None;
            }
            None => {
                d.error(
                    &r.loc,
                    format!("invalid rule - goto target {g} specified without preference"),
                );
                return None;
            }
            _ => {}
        }
    }
    if !have_action {
        d.error_hint(
            &r.loc,
            "no action specified for rule - ignoring",
            "add 'table N' (or goto/nop/blackhole...)",
        );
        return None;
    }
    if table_option && r.table.is_none() && !l3mdev {
        d.error(
            &r.loc,
            "suppressor/realm specified for non table action - skipping",
        );
        return None;
    }
    if l3mdev && r.table.is_some() {
        d.error(&r.loc, "table cannot be specified for l3mdev rules");
        return None;
    }
    if !r.no_track {
        if protocol.is_some_and(|p| p != 18) {
            d.error(
                &r.loc,
                "rule cannot be tracked if protocol is not keepalived(18), resetting protocol",
            );
        }
        protocol = Some(18);
    }
    if let Some(p) = protocol {
        r.options.push(("protocol".into(), p.to_string()));
    }
    r.family = family.unwrap_or(Family::Inet);
    if r.track_group.is_some() && r.iif.is_none() {
        d.error(
            &r.loc,
            "static rule cannot have track_group if dev/iif not specified",
        );
        r.track_group = None;
    }
    if r.preference.is_none() {
        d.error_hint(
            &r.loc,
            "rule has no preference specified - keepalived assigns one, which is probably not what you want",
            "add 'preference N'",
        );
    }
    Some(r)
}
