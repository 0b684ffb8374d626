//! `virtual_server … { announce { … } }` in the extension file: the virtual server's
//! addresses are installed as kernel routes while it has quorum, for a routing daemon on the
//! director (FRR's zebra and bgpd) to advertise, so that routers spread flows over every
//! director that can serve them (equal-cost multipath).
//!
//! ```text
//! virtual_server 192.0.2.100 80 {      # or `group NAME`, or `fwmark N`
//!     announce {
//!         table 100          # kernel table (default 254, main)
//!         metric 10          # route priority, BGP's MED once redistributed (default none)
//!         protocol 19        # rtm_protocol (default 19, RTPROT_KAD_ANNOUNCE)
//!         drain 2            # seconds between withdrawing and stopping (default 2)
//!         prefix 192.0.2.100/32   # what to announce; default: the virtual server's addresses
//!     }
//! }
//! ```

use std::net::IpAddr;

use crate::diag::{Diagnostics, Severity};
use crate::model::lvs::{GroupEntry, VirtualServer, VsAddress};
use crate::model::values::{need_arg, no_block, parse_decimal, parse_prefix, parse_uint};
use crate::model::values::{IpPrefix, Micros};
use crate::model::Config;
use crate::token::Loc;
use crate::tree::Node;

/// The route protocol announcements carry by default.
///
/// Not keepalived's 18 (`RTPROT_KEEPALIVED`), which `virtual_routes` and `static_routes`
/// use: kad removes announcements by their protocol, so they must never be confused with an
/// operator's routes. Not a number FRR's zebra claims (11, 42, 186–198): zebra removes or
/// reclassifies those as its own, whereas any other number is a "kernel" route it
/// redistributes. 19 is unassigned in `linux/rtnetlink.h` and iproute2's `rt_protos`.
pub const RTPROT_KAD_ANNOUNCE: u8 = 19;

/// `RT_TABLE_MAIN`.
const TABLE_MAIN: u32 = 254;

/// Most addresses one announcement expands to (a group's ranges), so that a typo in a range
/// cannot create millions of routes.
pub const MAX_PREFIXES: usize = 4096;

/// Keywords of an `announce` block.
const ANNOUNCE_KEYWORDS: &[&str] = &["table", "metric", "protocol", "drain", "prefix"];

/// `announce`: the settings of a virtual server's routes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Announce {
    /// Where the block starts.
    pub loc: Loc,
    /// Kernel routing table (1..=2^32-1 less the reserved 0, 253, 255).
    pub table: u32,
    /// Route priority (`RTA_PRIORITY`); FRR takes it as the route's metric.
    pub metric: Option<u32>,
    /// `rtm_protocol`.
    pub protocol: u8,
    /// How long a stopping kad waits, after withdrawing, before it stops serving.
    pub drain: Micros,
    /// Explicit prefixes; empty means the virtual server's own addresses.
    pub prefixes: Vec<IpPrefix>,
}

impl Announce {
    fn new(loc: Loc) -> Announce {
        Announce {
            loc,
            table: TABLE_MAIN,
            metric: None,
            protocol: RTPROT_KAD_ANNOUNCE,
            drain: Micros::from_secs(2),
            prefixes: Vec::new(),
        }
    }
}

/// kad-only settings of one `virtual_server` (every virtual server of the configuration with
/// the same address and port, whatever its protocol, or the same group or fwmark).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct VirtualServerExt {
    /// Where its block starts.
    pub loc: Loc,
    /// The object it names.
    pub address: VsAddress,
    /// `announce`.
    pub announce: Option<Announce>,
}

impl VirtualServerExt {
    /// Whether this block extends `vs`.
    pub fn extends(&self, vs: &VirtualServer) -> bool {
        match (&self.address, &vs.address) {
            (VsAddress::Ip { addr: a, port: p }, VsAddress::Ip { addr, port }) => {
                a == addr && p.unwrap_or(0) == port.unwrap_or(0)
            }
            (VsAddress::Fwmark { mark: a }, VsAddress::Fwmark { mark }) => a == mark,
            (VsAddress::Group { name: a }, VsAddress::Group { name }) => a == name,
            _ => false,
        }
    }
}

/// The host prefixes of `vs` (its address, or its group's addresses), at most `limit`.
/// `None` when there are more; an fwmark has none.
pub fn own_prefixes(vs: &VirtualServer, config: &Config, limit: usize) -> Option<Vec<IpPrefix>> {
    let host = |addr: IpAddr| IpPrefix {
        addr,
        len: IpPrefix::max_len(&addr),
    };
    let mut out: Vec<IpPrefix> = Vec::new();
    match &vs.address {
        VsAddress::Ip { addr, .. } => out.push(host(*addr)),
        VsAddress::Fwmark { .. } => {}
        VsAddress::Group { name } => {
            let Some(g) = config.lvs.groups.iter().find(|g| &g.name == name) else {
                return Some(out);
            };
            for e in &g.entries {
                let GroupEntry::Range { first, last, .. } = e else {
                    continue;
                };
                let (lo, hi) = match (first, last) {
                    (IpAddr::V4(a), IpAddr::V4(b)) => {
                        (u128::from(u32::from(*a)), u128::from(u32::from(*b)))
                    }
                    (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(*a), u128::from(*b)),
                    _ => continue,
                };
                if hi.saturating_sub(lo) >= limit as u128 {
                    return None;
                }
                for n in lo..=hi {
                    let a = match first {
                        IpAddr::V4(_) => IpAddr::from(std::net::Ipv4Addr::from(n as u32)),
                        IpAddr::V6(_) => IpAddr::from(std::net::Ipv6Addr::from(n)),
                    };
                    if !out.contains(&host(a)) {
                        out.push(host(a));
                    }
                    if out.len() > limit {
                        return None;
                    }
                }
            }
        }
    }
    Some(out)
}

/// A `virtual_server` block of the extension file.
pub(super) fn virtual_server(
    node: &Node,
    config: &Config,
    d: &mut Diagnostics,
) -> Option<VirtualServerExt> {
    let address = head(node, d)?;
    let mut ext = VirtualServerExt {
        loc: node.keyword.loc.clone(),
        address,
        announce: None,
    };
    let targets: Vec<&VirtualServer> = config
        .lvs
        .virtual_servers
        .iter()
        .filter(|vs| ext.extends(vs))
        .collect();
    let Some(first) = targets.first() else {
        let known: Vec<String> = config
            .lvs
            .virtual_servers
            .iter()
            .map(|v| head_text(&v.address))
            .collect();
        d.error_hint(
            &node.keyword.loc,
            format!(
                "virtual_server {} is not defined in the configuration",
                head_text(&ext.address)
            ),
            if known.is_empty() {
                "the configuration defines no virtual_server".to_owned()
            } else {
                format!("the configuration defines {}", known.join(", "))
            },
        );
        return None;
    };
    let children = crate::model::values::need_block(node, d)?;
    for c in children {
        match c.name() {
            "announce" => {
                if ext.announce.is_some() {
                    d.error(&c.keyword.loc, "announce given twice");
                    continue;
                }
                let a = announce(c, d);
                if a.prefixes.is_empty() {
                    match own_prefixes(first, config, MAX_PREFIXES) {
                        None => d.error(
                            &c.keyword.loc,
                            format!("announce: the virtual server has more than {MAX_PREFIXES} addresses"),
                        ),
                        Some(p) if p.is_empty() => d.error_hint(
                            &c.keyword.loc,
                            "announce: an fwmark virtual server has no address to announce",
                            "list them with `prefix`",
                        ),
                        Some(_) => {}
                    }
                }
                ext.announce = Some(a);
            }
            _ => d.unknown_keyword(
                Severity::Error,
                &c.keyword,
                "virtual_server extension",
                &["announce"],
            ),
        }
    }
    Some(ext)
}

fn head_text(a: &VsAddress) -> String {
    match a {
        VsAddress::Ip { addr, port } => format!("{addr} {}", port.unwrap_or(0)),
        VsAddress::Fwmark { mark } => format!("fwmark {mark}"),
        VsAddress::Group { name } => format!("group {name}"),
    }
}

/// `IP [PORT]`, `fwmark N` or `group NAME`, as keepalived.conf writes them.
fn head(node: &Node, d: &mut Diagnostics) -> Option<VsAddress> {
    let first = need_arg(node, 0, d)?;
    match first.text.as_str() {
        "group" => Some(VsAddress::Group {
            name: need_arg(node, 1, d)?.text.clone(),
        }),
        "fwmark" => Some(VsAddress::Fwmark {
            mark: parse_uint(need_arg(node, 1, d)?, 1, u64::from(u32::MAX), d)? as u32,
        }),
        text => {
            let Ok(addr) = text.parse::<IpAddr>() else {
                d.error(&first.loc, format!("invalid IP address '{text}'"));
                return None;
            };
            let port = match node.args.get(1) {
                Some(t) => Some(parse_uint(t, 0, 65535, d)? as u16).filter(|p| *p != 0),
                None => None,
            };
            Some(VsAddress::Ip { addr, port })
        }
    }
}

fn announce(node: &Node, d: &mut Diagnostics) -> Announce {
    let mut a = Announce::new(node.keyword.loc.clone());
    if node.block.is_none() {
        return a;
    }
    for c in node.children() {
        match c.name() {
            "table" => {
                if let Some(t) =
                    need_arg(c, 0, d).and_then(|t| parse_uint(t, 1, u64::from(u32::MAX), d))
                {
                    if t == 253 || t == 255 {
                        d.error(
                            &c.args[0].loc,
                            format!("table {t} is the kernel's own (default/local)"),
                        );
                    } else {
                        a.table = t as u32;
                    }
                }
            }
            "metric" => {
                a.metric = need_arg(c, 0, d)
                    .and_then(|t| parse_uint(t, 0, u64::from(u32::MAX), d))
                    .map(|m| m as u32)
            }
            "protocol" => {
                // 0-4 are the kernel's own meanings (unspec, redirect, kernel, boot, static).
                if let Some(p) = need_arg(c, 0, d).and_then(|t| parse_uint(t, 5, 255, d)) {
                    a.protocol = p as u8;
                }
            }
            "drain" => {
                if let Some(t) = need_arg(c, 0, d) {
                    if let Some(us) = parse_decimal(t, 0, 3_600_000_000, 6, d) {
                        a.drain = Micros(us);
                    }
                }
            }
            "prefix" => {
                for t in &c.args {
                    if let Some(p) = parse_prefix(t, d) {
                        a.prefixes.push(p);
                    }
                }
                if c.args.is_empty() {
                    let _ = need_arg(c, 0, d);
                }
            }
            _ => d.unknown_keyword(Severity::Error, &c.keyword, "announce", ANNOUNCE_KEYWORDS),
        }
        no_block(c, d);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ext::load_str;
    use crate::load::load_str as load_conf;
    use crate::Options;

    const CONF: &str = "virtual_server_group G {\n 198.51.100.1-3 80\n 198.51.100.9 80\n}\n\
                        virtual_server 192.0.2.100 80 {\n lvs_sched mh\n lvs_method DR\n protocol TCP\n real_server 203.0.113.1 80 {\n }\n}\n\
                        virtual_server 192.0.2.100 80 {\n lvs_sched mh\n lvs_method DR\n protocol UDP\n real_server 203.0.113.1 80 {\n }\n}\n\
                        virtual_server group G {\n lvs_sched mh\n lvs_method DR\n protocol TCP\n real_server 203.0.113.2 80 {\n }\n}\n\
                        virtual_server fwmark 7 {\n lvs_sched mh\n lvs_method DR\n real_server 203.0.113.3 {\n }\n}\n";

    fn read(text: &str) -> (crate::ext::Extensions, Config, Vec<String>) {
        let conf = load_conf("keepalived.conf", CONF, &Options::default());
        assert!(!conf.diagnostics.has_errors(), "{:?}", conf.diagnostics);
        let (ext, d) = load_str("kad-ext.conf", text, &Options::default(), &conf.config);
        (
            ext,
            conf.config,
            d.iter().map(ToString::to_string).collect(),
        )
    }

    #[test]
    fn settings_defaults_and_matching() {
        let (ext, conf, errors) = read(
            "virtual_server 192.0.2.100 80 {\n announce {\n  table 100\n  metric 7\n  protocol 200\n  drain 0.5\n }\n}\n\
             virtual_server group G {\n announce\n}\n\
             virtual_server fwmark 7 {\n announce {\n  prefix 192.0.2.0/28 2001:db8:1::/64\n }\n}\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let vss = &conf.lvs.virtual_servers;
        // One block covers the TCP and the UDP service on the same address and port.
        let a = ext.announce_of(&vss[0]).unwrap();
        assert_eq!(ext.announce_of(&vss[1]), Some(a));
        assert_eq!(
            (a.table, a.metric, a.protocol, a.drain),
            (100, Some(7), 200, Micros(500_000))
        );
        let g = ext.announce_of(&vss[2]).unwrap();
        assert_eq!(
            (g.table, g.metric, g.protocol, g.drain),
            (254, None, RTPROT_KAD_ANNOUNCE, Micros::from_secs(2))
        );
        let own: Vec<String> = own_prefixes(&vss[2], &conf, MAX_PREFIXES)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            own,
            [
                "198.51.100.1/32",
                "198.51.100.2/32",
                "198.51.100.3/32",
                "198.51.100.9/32"
            ]
        );
        let f = ext.announce_of(&vss[3]).unwrap();
        assert_eq!(f.prefixes.len(), 2);
        assert!(ext.announces());
        assert_eq!(own_prefixes(&vss[2], &conf, 3), None);
    }

    #[test]
    fn each_error() {
        let cases = [
            ("virtual_server 192.0.2.101 80 {\n announce\n}\n", "1:1: error: virtual_server 192.0.2.101 80 is not defined in the configuration\n  hint: the configuration defines 192.0.2.100 80, 192.0.2.100 80, group G, fwmark 7"),
            ("virtual_server 192.0.2.100 80 {\n announce\n announce\n}\n", "3:2: error: announce given twice"),
            ("virtual_server 192.0.2.100 80 {\n anounce\n}\n", "2:2: error: unknown keyword 'anounce' in virtual_server extension\n  hint: did you mean 'announce'?"),
            ("virtual_server 192.0.2.100 80 {\n announce {\n  tabel 1\n }\n}\n", "3:3: error: unknown keyword 'tabel' in announce"),
            ("virtual_server 192.0.2.100 80 {\n announce {\n  table 255\n }\n}\n", "3:9: error: table 255 is the kernel's own"),
            ("virtual_server 192.0.2.100 80 {\n announce {\n  protocol 2\n }\n}\n", "3:12: error: number '2' outside range [5, 255]"),
            ("virtual_server 192.0.2.100 80 {\n announce {\n  prefix 192.0.2.300\n }\n}\n", "3:10: error: invalid IP address or prefix"),
            ("virtual_server fwmark 7 {\n announce\n}\n", "2:2: error: announce: an fwmark virtual server has no address to announce"),
            ("virtual_server 192.0.2.100 80 {\n}\nvirtual_server 192.0.2.100 80 {\n}\n", "3:1: error: virtual_server is extended twice\n  hint: the first block is at kad-ext.conf:1:1"),
            ("virtual_server nowhere 80 {\n}\n", "1:16: error: invalid IP address 'nowhere'"),
        ];
        for (text, want) in cases {
            let (_, _, errors) = read(text);
            assert_eq!(errors.len(), 1, "{text}: {errors:?}");
            assert!(errors[0].contains(want), "{text}: {errors:?}");
        }
    }
}
