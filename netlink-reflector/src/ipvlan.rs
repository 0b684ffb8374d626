//! `use_ipvlan` interfaces: an L2 ipvlan on the instance's interface, holding the address
//! given to `use_ipvlan`, which the instance's adverts are sent from (keepalived's
//! `netlink_link_add_ipvlan` in `vrrp_vmac.c`, VRRP_IPVLAN). An ipvlan shares its parent's
//! MAC address, so unlike a VMAC it carries no virtual MAC.

use netlink_packet_route::link::{
    InfoData, InfoIpVlan, InfoKind, IpVlanFlags, IpVlanMode, LinkAttribute, LinkInfo, LinkMessage,
};

use crate::error::Result;
use crate::vmac::check_ifname;

/// The `use_ipvlan` type keyword: how ipvlans on one parent reach each other
/// (`IFLA_IPVLAN_FLAGS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IpvlanType {
    /// `bridge` (no flag, the kernel's and keepalived's default): ipvlans on the same parent
    /// talk directly.
    #[default]
    Bridge,
    /// `private` (`IPVLAN_F_PRIVATE`): no traffic between ipvlans on the same parent.
    Private,
    /// `vepa` (`IPVLAN_F_VEPA`): traffic between ipvlans goes out through the adjacent switch.
    Vepa,
}

impl IpvlanType {
    /// The keyword as `use_ipvlan` spells it; `None` for anything else.
    pub fn from_keyword(s: &str) -> Option<Self> {
        match s {
            "bridge" => Some(Self::Bridge),
            "private" => Some(Self::Private),
            "vepa" => Some(Self::Vepa),
            _ => None,
        }
    }

    fn flags(self) -> IpVlanFlags {
        match self {
            Self::Bridge => IpVlanFlags::empty(),
            Self::Private => IpVlanFlags::Private,
            Self::Vepa => IpVlanFlags::Vepa,
        }
    }
}

/// An ipvlan interface to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvlanSpec {
    /// Interface name (`use_ipvlan NAME`, default `vrrp.<vrid>` as for a VMAC).
    pub name: String,
    /// The parent (the instance's `interface`).
    pub parent: u32,
    /// `bridge`, `private` or `vepa`.
    pub kind: IpvlanType,
    /// The parent's VRF master (`IFLA_MASTER`): keepalived enslaves the ipvlan to the same
    /// VRF so that its address is in the VRF's table.
    pub master: Option<u32>,
}

impl IpvlanSpec {
    /// Checks the name before anything is sent.
    pub fn validate(&self) -> Result<()> {
        check_ifname("ipvlan", &self.name)
    }

    /// The `RTM_NEWLINK` payload creating the ipvlan, still down. Always L2 mode: keepalived
    /// needs the ipvlan to receive the multicast adverts and send ARP for its address.
    pub fn to_new_message(&self) -> LinkMessage {
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::Link(self.parent));
        m.attributes.push(LinkAttribute::IfName(self.name.clone()));
        m.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::IpVlan),
            LinkInfo::Data(InfoData::IpVlan(vec![
                InfoIpVlan::Mode(IpVlanMode::L2),
                InfoIpVlan::Flags(self.kind.flags()),
            ])),
        ]));
        if let Some(master) = self.master {
            m.attributes.push(LinkAttribute::Controller(master));
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(m: &LinkMessage) -> Vec<InfoIpVlan> {
        m.attributes
            .iter()
            .find_map(|a| match a {
                LinkAttribute::LinkInfo(i) => i.iter().find_map(|x| match x {
                    LinkInfo::Data(InfoData::IpVlan(v)) => Some(v.clone()),
                    _ => None,
                }),
                _ => None,
            })
            .expect("ipvlan info data")
    }

    #[test]
    fn message_is_l2_with_the_type_flag() {
        let mut s = IpvlanSpec {
            name: "vrrp.51".into(),
            parent: 2,
            kind: IpvlanType::Private,
            master: None,
        };
        assert_eq!(
            info(&s.to_new_message()),
            vec![
                InfoIpVlan::Mode(IpVlanMode::L2),
                InfoIpVlan::Flags(IpVlanFlags::Private)
            ]
        );
        assert!(!s
            .to_new_message()
            .attributes
            .contains(&LinkAttribute::Controller(7)));
        s.kind = IpvlanType::from_keyword("bridge").expect("bridge");
        s.master = Some(7);
        let m = s.to_new_message();
        assert!(info(&m).contains(&InfoIpVlan::Flags(IpVlanFlags::empty())));
        assert!(m.attributes.contains(&LinkAttribute::Controller(7)));
        assert_eq!(IpvlanType::from_keyword("vepa"), Some(IpvlanType::Vepa));
        assert_eq!(IpvlanType::from_keyword("l3"), None);
    }

    #[test]
    fn name_is_checked() {
        let s = IpvlanSpec {
            name: "a name too long for linux".into(),
            parent: 2,
            kind: IpvlanType::Bridge,
            master: None,
        };
        assert!(s.validate().is_err());
    }
}
