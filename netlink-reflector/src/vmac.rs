//! VRRP virtual MAC interfaces (`use_vmac`): private-mode macvlans carrying the RFC 5798 §7.3
//! virtual router MAC address, as keepalived's `vrrp_vmac.c` creates them.

use std::net::Ipv6Addr;

use netlink_packet_route::link::{
    AfSpecInet6, AfSpecUnspec, In6AddrGenMode, InfoData, InfoKind, InfoMacVlan, LinkAttribute,
    LinkInfo, LinkMessage, MacVlanMode,
};

use crate::error::{Error, Result};
use crate::sysctl::{read_sysctl, SysctlGuard};

/// Longest interface name the kernel accepts (`IFNAMSIZ - 1`).
pub const IFNAME_MAX: usize = 15;

/// Macvlan mode (`IFLA_MACVLAN_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MacvlanMode {
    /// No traffic between macvlans on the same parent; keepalived's choice, because a private
    /// macvlan also receives frames sent from its own MAC address (another router's adverts).
    Private,
    /// Traffic between macvlans goes out through the adjacent switch.
    Vepa,
    /// Macvlans on the same parent talk directly.
    Bridge,
    /// Passthrough.
    Passthru,
    /// Source mode.
    Source,
    /// A mode this crate does not name.
    Other(u32),
}

impl MacvlanMode {
    pub(crate) fn from_route(m: MacVlanMode) -> Self {
        match m {
            MacVlanMode::Private => MacvlanMode::Private,
            MacVlanMode::Vepa => MacvlanMode::Vepa,
            MacVlanMode::Bridge => MacvlanMode::Bridge,
            MacVlanMode::Passthrough => MacvlanMode::Passthru,
            MacVlanMode::Source => MacvlanMode::Source,
            other => MacvlanMode::Other(u32::from(other)),
        }
    }
    fn to_route(self) -> MacVlanMode {
        match self {
            MacvlanMode::Private => MacVlanMode::Private,
            MacvlanMode::Vepa => MacVlanMode::Vepa,
            MacvlanMode::Bridge => MacVlanMode::Bridge,
            MacvlanMode::Passthru => MacVlanMode::Passthrough,
            MacvlanMode::Source => MacVlanMode::Source,
            MacvlanMode::Other(n) => MacVlanMode::from(n),
        }
    }
}

/// The virtual router MAC address of RFC 5798 §7.3: `00-00-5E-00-01-{VRID}` for IPv4,
/// `00-00-5E-00-02-{VRID}` for IPv6.
pub fn vrrp_mac(vrid: u8, ipv6: bool) -> [u8; 6] {
    [0x00, 0x00, 0x5e, 0x00, if ipv6 { 0x02 } else { 0x01 }, vrid]
}

/// keepalived's default VMAC name `<prefix>.<vrid>` (prefix `vrrp`, or `vmac_prefix`),
/// shortening the prefix so the name fits in 15 bytes.
///
/// ```
/// use keepalive_netlink::vmac::default_vmac_name;
///
/// assert_eq!(default_vmac_name("vrrp", 51), "vrrp.51");
/// assert_eq!(default_vmac_name("a_very_long_prefix", 255), "a_very_long.255");
/// ```
pub fn default_vmac_name(prefix: &str, vrid: u8) -> String {
    let suffix = format!(".{vrid}");
    let keep = IFNAME_MAX.saturating_sub(suffix.len()).min(prefix.len());
    let mut cut = keep;
    while !prefix.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &prefix[..cut])
}

/// An interface name the kernel accepts (`dev_valid_name`), for the interfaces kad creates.
pub(crate) fn check_ifname(what: &'static str, n: &str) -> Result<()> {
    if n.is_empty() || n.len() > IFNAME_MAX || n.contains(['/', ' ', '\0']) || n == "." || n == ".."
    {
        return Err(Error::InvalidSpec {
            what,
            why: format!("interface name {n:?}"),
        });
    }
    Ok(())
}

/// Where VRRP adverts of a VMAC instance are sent and received (`vmac_xmit_base`). kad's
/// socket layer reads this; the kernel is not involved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum XmitBase {
    /// Adverts go out and come in on the VMAC interface (keepalived's default).
    #[default]
    Vmac,
    /// `vmac_xmit_base`: adverts use the parent interface; only ARP/ND (and the VIPs) live on
    /// the VMAC. Required with unicast peers.
    Parent,
}

impl XmitBase {
    /// The ifindex adverts use, given the VMAC's and its parent's.
    pub fn advert_ifindex(self, vmac: u32, parent: u32) -> u32 {
        match self {
            XmitBase::Vmac => vmac,
            XmitBase::Parent => parent,
        }
    }
}

/// A VMAC interface to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmacSpec {
    /// Interface name (`use_vmac NAME`, default [`default_vmac_name`]).
    pub name: String,
    /// The parent (the instance's `interface`).
    pub parent: u32,
    /// The MAC address (default [`vrrp_mac`]).
    pub mac: [u8; 6],
    /// Macvlan mode; keepalived always uses private.
    pub mode: MacvlanMode,
    /// Bring the link up after creating it.
    pub up: bool,
    /// Set `addr_gen_mode none` before the link goes up, so the kernel does not derive a
    /// link-local address from the virtual MAC (RFC 5798 §7.4: the virtual MAC is not the
    /// source of the router's own link-local address). keepalived does this for every VMAC.
    pub no_auto_link_local: bool,
}

impl VmacSpec {
    /// keepalived's VMAC for `vrid` on `parent`: default name, RFC MAC, private mode, up.
    pub fn for_vrid(vrid: u8, ipv6: bool, parent: u32) -> Self {
        Self {
            name: default_vmac_name("vrrp", vrid),
            parent,
            mac: vrrp_mac(vrid, ipv6),
            mode: MacvlanMode::Private,
            up: true,
            no_auto_link_local: true,
        }
    }

    /// Checks the name before anything is sent.
    pub fn validate(&self) -> Result<()> {
        check_ifname("vmac", &self.name)
    }

    /// The `RTM_NEWLINK` payload creating the macvlan, still down: the kernel ignores
    /// `IFLA_AF_SPEC` at creation, so the address generation mode is set by
    /// [`addr_gen_none_message`] before the link is brought up.
    pub fn to_new_message(&self) -> LinkMessage {
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName(self.name.clone()));
        m.attributes.push(LinkAttribute::Link(self.parent));
        m.attributes.push(LinkAttribute::Address(self.mac.to_vec()));
        m.attributes.push(LinkAttribute::LinkInfo(vec![
            LinkInfo::Kind(InfoKind::MacVlan),
            LinkInfo::Data(InfoData::MacVlan(vec![InfoMacVlan::Mode(
                self.mode.to_route(),
            )])),
        ]));
        m
    }
}

/// The `RTM_NEWLINK` payload setting `IFLA_INET6_ADDR_GEN_MODE` to none on `ifindex`.
pub fn addr_gen_none_message(ifindex: u32) -> LinkMessage {
    let mut m = LinkMessage::default();
    m.header.index = ifindex;
    m.attributes
        .push(LinkAttribute::AfSpecUnspec(vec![AfSpecUnspec::Inet6(
            vec![AfSpecInet6::AddrGenMode(In6AddrGenMode::None)],
        )]));
    m
}

/// The modified EUI-64 link-local address for `mac` (RFC 4291 §2.5.1, appendix A), which
/// keepalived gives an IPv6 VMAC when neither a source address nor a parent link-local
/// address is available.
pub fn eui64_link_local(mac: [u8; 6]) -> Ipv6Addr {
    Ipv6Addr::from([
        0xfe,
        0x80,
        0,
        0,
        0,
        0,
        0,
        0,
        mac[0] ^ 0x02,
        mac[1],
        mac[2],
        0xff,
        0xfe,
        mac[3],
        mac[4],
        mac[5],
    ])
}

/// `net.ipv6.conf.<vmac>.disable_ipv6`: keepalived disables IPv6 on an IPv4 VMAC that carries
/// no IPv6 eVIPs, and enables it otherwise. Returns (path, value).
pub fn vmac_ipv6_sysctl(vmac: &str, enabled: bool) -> (String, u32) {
    (
        format!("/proc/sys/net/ipv6/conf/{vmac}/disable_ipv6"),
        u32::from(!enabled),
    )
}

/// The sysctls keepalived sets for an IPv4 VMAC (`vrrp_if_config.c`; the user guide's VMAC
/// note): on the VMAC `arp_ignore=1`, `accept_local=1`, `rp_filter=0`; on the parent
/// `arp_ignore=1`, `arp_filter=1`. keepalived also sets the VMAC's `promote_secondaries=1`.
/// Each entry is (`/proc/sys` path, value).
pub fn vmac_sysctls(vmac: &str, parent: &str) -> Vec<(String, u32)> {
    let c = |dev: &str, key: &str| format!("/proc/sys/net/ipv4/conf/{dev}/{key}");
    vec![
        (c(vmac, "arp_ignore"), 1),
        (c(vmac, "accept_local"), 1),
        (c(vmac, "rp_filter"), 0),
        (c(vmac, "promote_secondaries"), 1),
        (c(parent, "arp_ignore"), 1),
        (c(parent, "arp_filter"), 1),
    ]
}

/// The global settings the user guide lists for VMAC setups: `all.arp_ignore=1`,
/// `all.arp_announce=1`, `all.arp_filter=0`. With `all.rp_filter` non-zero an IPv4 VMAC cannot
/// receive; keepalived then also lowers `all.rp_filter` to 0 after raising every interface's
/// own value to it — that step needs the interface list and is left to the daemon.
pub fn vmac_global_sysctls() -> Vec<(String, u32)> {
    let c = |key: &str| format!("/proc/sys/net/ipv4/conf/all/{key}");
    vec![
        (c("arp_ignore"), 1),
        (c("arp_announce"), 1),
        (c("arp_filter"), 0),
    ]
}

/// keepalived's `clear_rp_filter`: an IPv4 VMAC must have `rp_filter` 0, which only works if
/// `all.rp_filter` is 0 too. If it is not, first raise `default.rp_filter` and every listed
/// interface's own `rp_filter` to the `all` value (so nothing filters less than before), then set
/// `all.rp_filter` to 0. Every change is held by `guard`, which puts the values back on exit
/// (those still holding what was written). Interfaces whose sysctl cannot be read are skipped.
pub fn relax_all_rp_filter<'a>(
    guard: &mut SysctlGuard,
    interfaces: impl IntoIterator<Item = &'a str>,
) -> Result<()> {
    let path = |dev: &str| format!("/proc/sys/net/ipv4/conf/{dev}/rp_filter");
    let all = read_sysctl(&path("all"))?;
    if all == 0 {
        return Ok(());
    }
    if read_sysctl(&path("default"))? < all {
        guard.set(&path("default"), all)?;
    }
    for dev in interfaces {
        if let Ok(v) = read_sysctl(&path(dev)) {
            if v < all {
                guard.set(&path(dev), all)?;
            }
        }
    }
    guard.set(&path("all"), 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_follows_rfc5798() {
        assert_eq!(vrrp_mac(51, false), [0, 0, 0x5e, 0, 1, 51]);
        assert_eq!(vrrp_mac(255, true), [0, 0, 0x5e, 0, 2, 255]);
    }

    #[test]
    fn default_name_fits_ifnamsiz() {
        assert_eq!(default_vmac_name("vrrp", 250), "vrrp.250");
        let long = default_vmac_name("averyveryverylongprefix", 7);
        assert_eq!(long.len(), IFNAME_MAX);
        assert!(long.ends_with(".7"));
        assert!(VmacSpec::for_vrid(1, false, 2).validate().is_ok());
        let mut bad = VmacSpec::for_vrid(1, false, 2);
        bad.name = "a/b".into();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn eui64_flips_the_universal_bit() {
        let a = eui64_link_local([0x00, 0x00, 0x5e, 0x00, 0x01, 0x33]);
        assert_eq!(a, "fe80::200:5eff:fe00:133".parse::<Ipv6Addr>().unwrap());
        assert_eq!(vmac_ipv6_sysctl("vrrp.1", false).1, 1);
    }

    #[test]
    fn xmit_base_picks_parent() {
        assert_eq!(XmitBase::Parent.advert_ifindex(9, 2), 2);
        assert_eq!(XmitBase::default().advert_ifindex(9, 2), 9);
    }
}
