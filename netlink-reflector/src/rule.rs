//! Virtual and static rules: the typed form of a `virtual_rules` / `static_rules` line and its
//! translation to `RTM_NEWRULE` / `RTM_DELRULE` (as keepalived's `vrrp_iprule.c` builds them).

use std::net::IpAddr;

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::route::{RouteProtocol, RouteRealm};
use netlink_packet_route::rule::{
    RuleAction, RuleAttribute, RuleFlags, RuleMessage, RulePortRange, RuleUidRange,
};
use netlink_packet_route::{AddressFamily, IpProtocol};

use crate::error::{Error, Result};
use crate::route::RTPROT_KEEPALIVED;

/// What a rule does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleTarget {
    /// `table N` / `lookup N`.
    Table(u32),
    /// `goto PRIORITY`.
    Goto(u32),
    /// `nop`.
    Nop,
    /// `blackhole`.
    Blackhole,
    /// `unreachable`.
    Unreachable,
    /// `prohibit`.
    Prohibit,
}

/// One rule with the options of `virtual_rules`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    /// `inet6` or the family of `from`/`to`: `true` for IPv6.
    pub ipv6: bool,
    /// `from PREFIX` (`all` is `None`).
    pub from: Option<(IpAddr, u8)>,
    /// `to PREFIX`.
    pub to: Option<(IpAddr, u8)>,
    /// `not`.
    pub invert: bool,
    /// `priority`/`preference`/`order`.
    pub priority: Option<u32>,
    /// `tos`/`dsfield`.
    pub tos: u8,
    /// `fwmark MARK[/MASK]`.
    pub fwmark: Option<(u32, Option<u32>)>,
    /// `realms` (source, destination).
    pub realms: Option<(u16, u16)>,
    /// `iif NAME`.
    pub iif: Option<String>,
    /// `oif NAME`.
    pub oif: Option<String>,
    /// `suppress_prefixlength`.
    pub suppress_prefixlen: Option<u32>,
    /// `suppress_ifgroup`.
    pub suppress_ifgroup: Option<u32>,
    /// `tunnel_id`.
    pub tunnel_id: Option<u64>,
    /// `uidrange START-END`.
    pub uid_range: Option<(u32, u32)>,
    /// `ipproto` number.
    pub ip_proto: Option<u8>,
    /// `sport START[-END]`.
    pub sport: Option<(u16, u16)>,
    /// `dport START[-END]`.
    pub dport: Option<(u16, u16)>,
    /// `protocol` (default `keepalived`, 18).
    pub protocol: u8,
    /// The action.
    pub target: RuleTarget,
}

impl RuleSpec {
    /// A rule sending everything of the family to `table`, with keepalived's defaults.
    pub fn new(ipv6: bool, target: RuleTarget) -> Self {
        Self {
            ipv6,
            from: None,
            to: None,
            invert: false,
            priority: None,
            tos: 0,
            fwmark: None,
            realms: None,
            iif: None,
            oif: None,
            suppress_prefixlen: None,
            suppress_ifgroup: None,
            tunnel_id: None,
            uid_range: None,
            ip_proto: None,
            sport: None,
            dport: None,
            protocol: RTPROT_KEEPALIVED,
            target,
        }
    }

    /// Checks the combination before anything is sent.
    pub fn validate(&self) -> Result<()> {
        let bad = |why: String| Err(Error::InvalidSpec { what: "rule", why });
        let max = if self.ipv6 { 128 } else { 32 };
        for (a, len) in self.from.iter().chain(self.to.iter()) {
            if a.is_ipv6() != self.ipv6 {
                return bad(format!("{a} is not of the rule's family"));
            }
            if *len > max {
                return bad(format!("prefix length {len} for {a}"));
            }
        }
        for name in self.iif.iter().chain(self.oif.iter()) {
            if name.is_empty() || name.len() > 15 {
                return bad(format!("interface name {name:?}"));
            }
        }
        Ok(())
    }

    fn build(&self) -> RuleMessage {
        let mut m = RuleMessage::default();
        m.header.family = if self.ipv6 {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        m.header.tos = self.tos;
        if self.invert {
            m.header.flags = RuleFlags::Invert;
        }
        let attrs = &mut m.attributes;
        match self.target {
            RuleTarget::Table(t) => {
                m.header.action = RuleAction::ToTable;
                if t < 256 {
                    m.header.table = t as u8;
                } else {
                    attrs.push(RuleAttribute::Table(t));
                }
            }
            RuleTarget::Goto(p) => {
                m.header.action = RuleAction::Goto;
                attrs.push(RuleAttribute::Goto(p));
            }
            RuleTarget::Nop => m.header.action = RuleAction::Nop,
            RuleTarget::Blackhole => m.header.action = RuleAction::Blackhole,
            RuleTarget::Unreachable => m.header.action = RuleAction::Unreachable,
            RuleTarget::Prohibit => m.header.action = RuleAction::Prohibit,
        }
        if let Some((a, len)) = self.from {
            m.header.src_len = len;
            attrs.push(RuleAttribute::Source(a));
        }
        if let Some((a, len)) = self.to {
            m.header.dst_len = len;
            attrs.push(RuleAttribute::Destination(a));
        }
        if let Some(p) = self.priority {
            attrs.push(RuleAttribute::Priority(p));
        }
        if let Some((mark, mask)) = self.fwmark {
            attrs.push(RuleAttribute::FwMark(mark));
            if let Some(mask) = mask {
                attrs.push(RuleAttribute::FwMask(mask));
            }
        }
        if let Some((s, d)) = self.realms {
            attrs.push(RuleAttribute::Realm(RouteRealm {
                source: s,
                destination: d,
            }));
        }
        if let Some(n) = &self.iif {
            attrs.push(RuleAttribute::Iifname(n.clone()));
        }
        if let Some(n) = &self.oif {
            attrs.push(RuleAttribute::Oifname(n.clone()));
        }
        if let Some(v) = self.suppress_prefixlen {
            attrs.push(RuleAttribute::SuppressPrefixLen(v));
        }
        if let Some(v) = self.suppress_ifgroup {
            attrs.push(RuleAttribute::SuppressIfGroup(v));
        }
        if let Some(v) = self.tunnel_id {
            attrs.push(RuleAttribute::TunId(v));
        }
        if let Some((start, end)) = self.uid_range {
            attrs.push(RuleAttribute::UidRange(RuleUidRange { start, end }));
        }
        if let Some(p) = self.ip_proto {
            attrs.push(RuleAttribute::IpProtocol(IpProtocol::from(p)));
        }
        if let Some((start, end)) = self.sport {
            attrs.push(RuleAttribute::SourcePortRange(RulePortRange { start, end }));
        }
        if let Some((start, end)) = self.dport {
            attrs.push(RuleAttribute::DestinationPortRange(RulePortRange {
                start,
                end,
            }));
        }
        attrs.push(RuleAttribute::Protocol(RouteProtocol::from(self.protocol)));
        m
    }

    /// The `RTM_NEWRULE` payload and its flags (`NLM_F_CREATE | NLM_F_EXCL`, as keepalived).
    pub fn to_new_message(&self) -> (RuleMessage, u16) {
        (self.build(), NLM_F_CREATE | NLM_F_EXCL)
    }

    /// The `RTM_DELRULE` payload (the kernel deletes the first rule matching every field given).
    pub fn to_del_message(&self) -> RuleMessage {
        self.build()
    }

    /// Short description for errors and logs.
    pub fn describe(&self) -> String {
        let from = self
            .from
            .map(|(a, l)| format!(" from {a}/{l}"))
            .unwrap_or_default();
        let to = self
            .to
            .map(|(a, l)| format!(" to {a}/{l}"))
            .unwrap_or_default();
        let pri = self
            .priority
            .map(|p| format!(" priority {p}"))
            .unwrap_or_default();
        format!("rule{from}{to}{pri} {:?}", self.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_above_255_goes_in_an_attribute() {
        let mut r = RuleSpec::new(false, RuleTarget::Table(1000));
        r.from = Some(("192.0.2.0".parse().unwrap(), 24));
        let (m, _) = r.to_new_message();
        assert_eq!(m.header.table, 0);
        assert_eq!(m.header.src_len, 24);
        assert!(m.attributes.contains(&RuleAttribute::Table(1000)));
    }

    #[test]
    fn family_mismatch_is_rejected() {
        let mut r = RuleSpec::new(true, RuleTarget::Table(10));
        r.to = Some(("198.51.100.0".parse().unwrap(), 24));
        assert!(r.validate().is_err());
    }
}
