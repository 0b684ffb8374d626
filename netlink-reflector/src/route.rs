//! Virtual and static routes: the typed form of a `virtual_routes` / `static_routes` line and its
//! translation to `RTM_NEWROUTE` / `RTM_DELROUTE` (defaults from keepalived's `vrrp_iproute.c`:
//! protocol `keepalived`, scope universe, prepend unless `add` or `append`).

use std::net::IpAddr;

use netlink_packet_core::{NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteHeader, RouteMessage, RouteMetric, RouteNextHop,
    RouteNextHopFlags, RouteProtocol, RouteRealm, RouteScope, RouteType as NlRouteType,
};
use netlink_packet_route::AddressFamily;

use crate::error::{Error, Result};

/// `RTPROT_KEEPALIVED`, the protocol keepalived stamps on its routes and rules.
pub const RTPROT_KEEPALIVED: u8 = 18;

/// `RT_TABLE_MAIN`.
pub const TABLE_MAIN: u32 = 254;

/// Route type (`type`, or the leading `blackhole`/`unreachable`/`prohibit`/`throw` keyword).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RouteType {
    /// Ordinary route.
    #[default]
    Unicast,
    /// `local`.
    Local,
    /// `broadcast`.
    Broadcast,
    /// `anycast`.
    Anycast,
    /// `multicast`.
    Multicast,
    /// `blackhole`: drop silently.
    Blackhole,
    /// `unreachable`: ICMP host unreachable.
    Unreachable,
    /// `prohibit`: ICMP administratively prohibited.
    Prohibit,
    /// `throw`: continue rule lookup.
    Throw,
    /// `nat`.
    Nat,
}

impl RouteType {
    /// The kernel's `RTN_*` number.
    pub fn to_u8(self) -> u8 {
        match self {
            RouteType::Unicast => 1,
            RouteType::Local => 2,
            RouteType::Broadcast => 3,
            RouteType::Anycast => 4,
            RouteType::Multicast => 5,
            RouteType::Blackhole => 6,
            RouteType::Unreachable => 7,
            RouteType::Prohibit => 8,
            RouteType::Throw => 9,
            RouteType::Nat => 10,
        }
    }
    fn needs_no_nexthop(self) -> bool {
        matches!(
            self,
            RouteType::Blackhole | RouteType::Unreachable | RouteType::Prohibit | RouteType::Throw
        )
    }
}

/// One `nexthop` of a multipath route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextHop {
    /// `via`.
    pub gateway: Option<IpAddr>,
    /// `dev`.
    pub ifindex: Option<u32>,
    /// `weight` 1..=256.
    pub weight: u16,
    /// `onlink`.
    pub onlink: bool,
}

/// A route metric (`mtu`, `advmss`, … of `static_routes`); `lock` is not covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Metric {
    /// `mtu`.
    Mtu(u32),
    /// `advmss`.
    Advmss(u32),
    /// `hoplimit`.
    Hoplimit(u32),
    /// `window`.
    Window(u32),
    /// `rtt` (kernel units).
    Rtt(u32),
    /// `rttvar` (kernel units).
    RttVar(u32),
    /// `reordering`.
    Reordering(u32),
    /// `cwnd`.
    Cwnd(u32),
    /// `ssthresh`.
    SsThresh(u32),
    /// `initcwnd`.
    InitCwnd(u32),
    /// `initrwnd`.
    InitRwnd(u32),
    /// `rto_min` (kernel units).
    RtoMin(u32),
    /// `quickack`.
    QuickAck(u32),
    /// `fastopen_no_cookie`.
    FastopenNoCookie(u32),
    /// `features` bits (`ecn` is 1).
    Features(u32),
}

impl Metric {
    fn to_nl(self) -> RouteMetric {
        match self {
            Metric::Mtu(v) => RouteMetric::Mtu(v),
            Metric::Advmss(v) => RouteMetric::Advmss(v),
            Metric::Hoplimit(v) => RouteMetric::Hoplimit(v),
            Metric::Window(v) => RouteMetric::Window(v),
            Metric::Rtt(v) => RouteMetric::Rtt(v),
            Metric::RttVar(v) => RouteMetric::RttVar(v),
            Metric::Reordering(v) => RouteMetric::Reordering(v),
            Metric::Cwnd(v) => RouteMetric::Cwnd(v),
            Metric::SsThresh(v) => RouteMetric::SsThresh(v),
            Metric::InitCwnd(v) => RouteMetric::InitCwnd(v),
            Metric::InitRwnd(v) => RouteMetric::InitRwnd(v),
            Metric::RtoMin(v) => RouteMetric::RtoMin(v),
            Metric::QuickAck(v) => RouteMetric::QuickAck(v),
            Metric::FastopenNoCookie(v) => RouteMetric::FastopenNoCookie(v),
            Metric::Features(v) => RouteMetric::Features(v),
        }
    }
}

/// How `RTM_NEWROUTE` treats an existing matching route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddMode {
    /// keepalived's default: insert before matching routes (`ip route prepend`).
    #[default]
    Prepend,
    /// `add`: fail with `EEXIST` if a matching route exists.
    Exclusive,
    /// `append`: insert after matching routes.
    Append,
}

/// One route with the options of `virtual_routes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// Destination (`to`), network address.
    pub dst: IpAddr,
    /// Destination prefix length.
    pub dst_len: u8,
    /// `src`: preferred source address (`RTA_PREFSRC`).
    pub src: Option<IpAddr>,
    /// `from PREFIX`: source prefix (`RTA_SRC`, IPv6 source routing).
    pub from: Option<(IpAddr, u8)>,
    /// `via`/`gw`.
    pub gateway: Option<IpAddr>,
    /// `dev`.
    pub ifindex: Option<u32>,
    /// `onlink`.
    pub onlink: bool,
    /// `nexthop …` entries (multipath); when non-empty, `gateway`/`ifindex` are not sent.
    pub nexthops: Vec<NextHop>,
    /// `scope`; `None` is universe on add and "any" on delete.
    pub scope: Option<u8>,
    /// `table` (default main).
    pub table: u32,
    /// `metric`/`priority`/`preference`.
    pub metric: Option<u32>,
    /// `protocol` (default `keepalived`, 18).
    pub protocol: u8,
    /// `type`.
    pub kind: RouteType,
    /// `tos`/`dsfield`.
    pub tos: u8,
    /// `realms` (source, destination).
    pub realms: Option<(u16, u16)>,
    /// `mtu`, `advmss`, …
    pub metrics: Vec<Metric>,
    /// `add` / `append` / default prepend.
    pub mode: AddMode,
}

impl RouteSpec {
    /// A unicast route to `dst/dst_len` in the main table with keepalived's defaults.
    ///
    /// ```
    /// use keepalive_netlink::RouteSpec;
    ///
    /// // virtual_routes { 198.51.100.0/24 via 192.0.2.254 table 100 }
    /// let mut route = RouteSpec::new("198.51.100.0".parse()?, 24);
    /// route.gateway = Some("192.0.2.254".parse()?);
    /// route.table = 100;
    /// route.validate()?;
    /// assert_eq!(route.describe(), "Unicast route 198.51.100.0/24 table 100");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(dst: IpAddr, dst_len: u8) -> Self {
        Self {
            dst,
            dst_len,
            src: None,
            from: None,
            gateway: None,
            ifindex: None,
            onlink: false,
            nexthops: Vec::new(),
            scope: None,
            table: TABLE_MAIN,
            metric: None,
            protocol: RTPROT_KEEPALIVED,
            kind: RouteType::Unicast,
            tos: 0,
            realms: None,
            metrics: Vec::new(),
            mode: AddMode::Prepend,
        }
    }

    /// Checks the combination before anything is sent.
    pub fn validate(&self) -> Result<()> {
        let bad = |why: String| Err(Error::InvalidSpec { what: "route", why });
        let v4 = self.dst.is_ipv4();
        let max = if v4 { 32 } else { 128 };
        if self.dst_len > max {
            return bad(format!("prefix length {} for {}", self.dst_len, self.dst));
        }
        let same = |a: &IpAddr| a.is_ipv4() == v4;
        let mut addrs: Vec<IpAddr> = self.src.into_iter().chain(self.gateway).collect();
        addrs.extend(self.from.map(|f| f.0));
        addrs.extend(self.nexthops.iter().filter_map(|n| n.gateway));
        if let Some(a) = addrs.iter().find(|a| !same(a)) {
            return bad(format!("{a} is not of the destination's family"));
        }
        if self.kind.needs_no_nexthop() && (self.gateway.is_some() || !self.nexthops.is_empty()) {
            return bad(format!("a {:?} route has no gateway", self.kind));
        }
        if !self.nexthops.is_empty() && (self.gateway.is_some() || self.ifindex.is_some()) {
            return bad("both nexthops and via/dev".into());
        }
        if let Some(n) = self
            .nexthops
            .iter()
            .find(|n| n.weight == 0 || n.weight > 256)
        {
            return bad(format!("nexthop weight {} outside 1..=256", n.weight));
        }
        Ok(())
    }

    fn build(&self, delete: bool) -> RouteMessage {
        let mut m = RouteMessage::default();
        let h: &mut RouteHeader = &mut m.header;
        h.address_family = if self.dst.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        h.destination_prefix_length = self.dst_len;
        h.tos = self.tos;
        h.protocol = RouteProtocol::from(self.protocol);
        h.kind = NlRouteType::from(self.kind.to_u8());
        h.scope = RouteScope::from(self.scope.unwrap_or(if delete { 255 } else { 0 }));
        if self.table < 256 {
            h.table = self.table as u8;
        } else {
            h.table = 0;
        }
        let attrs = &mut m.attributes;
        if self.table >= 256 {
            attrs.push(RouteAttribute::Table(self.table));
        }
        attrs.push(RouteAttribute::Destination(RouteAddress::from(self.dst)));
        if let Some((from, len)) = self.from {
            m.header.source_prefix_length = len;
            attrs.push(RouteAttribute::Source(RouteAddress::from(from)));
        }
        if let Some(s) = self.src {
            attrs.push(RouteAttribute::PrefSource(RouteAddress::from(s)));
        }
        if let Some(g) = self.gateway {
            attrs.push(RouteAttribute::Gateway(RouteAddress::from(g)));
        }
        if let Some(i) = self.ifindex {
            attrs.push(RouteAttribute::Oif(i));
        }
        if let Some(p) = self.metric {
            attrs.push(RouteAttribute::Priority(p));
        }
        if let Some((s, d)) = self.realms {
            attrs.push(RouteAttribute::Realm(RouteRealm {
                source: s,
                destination: d,
            }));
        }
        if !delete && !self.metrics.is_empty() {
            attrs.push(RouteAttribute::Metrics(
                self.metrics.iter().map(|x| x.to_nl()).collect(),
            ));
        }
        if !self.nexthops.is_empty() {
            let hops = self
                .nexthops
                .iter()
                .map(|n| {
                    let mut nh = RouteNextHop::default();
                    nh.interface_index = n.ifindex.unwrap_or(0);
                    nh.hops = (n.weight.clamp(1, 256) - 1) as u8;
                    if n.onlink {
                        nh.flags = RouteNextHopFlags::Onlink;
                    }
                    if let Some(g) = n.gateway {
                        nh.attributes
                            .push(RouteAttribute::Gateway(RouteAddress::from(g)));
                    }
                    nh
                })
                .collect();
            attrs.push(RouteAttribute::MultiPath(hops));
        }
        if self.onlink {
            m.header.flags = netlink_packet_route::route::RouteFlags::Onlink;
        }
        m
    }

    /// The `RTM_NEWROUTE` payload and the `NLM_F_*` creation flags to send it with.
    pub fn to_new_message(&self) -> (RouteMessage, u16) {
        let flags = NLM_F_CREATE
            | match self.mode {
                AddMode::Prepend => 0,
                AddMode::Exclusive => NLM_F_EXCL,
                AddMode::Append => NLM_F_APPEND,
            };
        (self.build(false), flags)
    }

    /// The `RTM_DELROUTE` payload.
    pub fn to_del_message(&self) -> RouteMessage {
        self.build(true)
    }

    /// `198.51.100.0/24 table 100` style description.
    pub fn describe(&self) -> String {
        format!(
            "{:?} route {}/{} table {}",
            self.kind, self.dst, self.dst_len, self.table
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_tables_go_in_an_attribute() {
        let mut r = RouteSpec::new("198.51.100.0".parse().unwrap(), 24);
        r.table = 1000;
        let m = r.to_del_message();
        assert_eq!(m.header.table, 0);
        assert!(m.attributes.contains(&RouteAttribute::Table(1000)));
        assert_eq!(u8::from(m.header.scope), 255);
        let (n, flags) = r.to_new_message();
        assert_eq!(u8::from(n.header.scope), 0);
        assert_eq!(u8::from(n.header.protocol), RTPROT_KEEPALIVED);
        assert_eq!(flags, NLM_F_CREATE);
    }

    #[test]
    fn validation_rejects_mixed_families_and_gatewayed_blackholes() {
        let mut r = RouteSpec::new("198.51.100.0".parse().unwrap(), 24);
        r.gateway = Some("2001:db8::1".parse().unwrap());
        assert!(r.validate().is_err());
        r.gateway = Some("192.0.2.1".parse().unwrap());
        assert!(r.validate().is_ok());
        r.kind = RouteType::Blackhole;
        assert!(r.validate().is_err());
        r.gateway = None;
        assert!(r.validate().is_ok());
        r.nexthops.push(NextHop {
            gateway: None,
            ifindex: Some(2),
            weight: 0,
            onlink: false,
        });
        r.kind = RouteType::Unicast;
        assert!(r.validate().is_err());
    }

    #[test]
    fn multipath_weights_are_stored_minus_one() {
        let mut r = RouteSpec::new("198.51.100.0".parse().unwrap(), 24);
        r.nexthops.push(NextHop {
            gateway: Some("192.0.2.1".parse().unwrap()),
            ifindex: Some(2),
            weight: 3,
            onlink: true,
        });
        let (m, _) = r.to_new_message();
        let Some(RouteAttribute::MultiPath(h)) = m
            .attributes
            .iter()
            .find(|a| matches!(a, RouteAttribute::MultiPath(_)))
        else {
            panic!("no multipath attribute");
        };
        assert_eq!(h[0].hops, 2);
        assert_eq!(h[0].flags, RouteNextHopFlags::Onlink);
    }
}
