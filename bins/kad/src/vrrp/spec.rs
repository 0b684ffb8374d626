//! What [`Router`](super::router::Router) runs, said without a keepalived.conf: the settings
//! its driver API takes, and [`Plan::single`] for a program that runs one instance.
//! [`super::mapping`] derives all of these from a configuration.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use keepalive_confparse::model::values::IpPrefix;
use keepalive_confparse::model::vrrp::address::IpAddress;
use keepalive_confparse::token::Loc;
use keepalive_vrrp::config::InstanceConfig;
use keepalive_vrrp::tracker::{TrackerConfig, TrackerKind};

use super::mapping::{InstancePlan, Plan, Source, Trackers, UnitPlan};

/// How GARP / unsolicited NA rounds are paced across instances (global_defs
/// `vrrp_garp_interval`, `vrrp_gna_interval`; keepalived.conf(5)); zero sends back to back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GarpSettings {
    /// Delay between gratuitous ARP messages on one interface.
    pub garp_interval: Duration,
    /// Delay between unsolicited neighbour advertisements on one interface.
    pub gna_interval: Duration,
}

/// `interface_up_down_delays`: how long a link change on one interface waits before the
/// instances tracking it see it, so a flapping link does not flap the VIPs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkDelay {
    /// The interface.
    pub interface: String,
    /// Wait before reporting it down.
    pub down: Duration,
    /// Wait before reporting it up.
    pub up: Duration,
}

/// A `use_vmac` interface to create before the instances start (keepalived creates them
/// before it looks for addresses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmacRequest {
    /// The instance that asks for it, for the log lines.
    pub instance: String,
    /// The instance's `interface`, the macvlan's parent.
    pub parent: String,
    /// The VRID, which picks the default name and MAC (RFC 5798 §7.3).
    pub vrid: u8,
    /// An IPv6 instance: the IPv6 virtual MAC, and a link-local address on the VMAC.
    pub ipv6: bool,
    /// `use_vmac NAME`; default `vrrp.<vrid>`.
    pub name: Option<String>,
    /// `vmac MAC`; default the RFC's virtual MAC.
    pub mac: Option<[u8; 6]>,
    /// `use_ipvlan`: an L2 ipvlan rather than a macvlan (no virtual MAC).
    pub ipvlan: Option<IpvlanRequest>,
}

/// What `use_ipvlan [IFNAME] [ADDR] [bridge|private|vepa]` asks for besides the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvlanRequest {
    /// `bridge`, `private` or `vepa` (default bridge).
    pub kind: keepalive_netlink::IpvlanType,
    /// The address put on the ipvlan once it is up; the instance's adverts are sent from it.
    pub addr: Option<(IpAddr, u8)>,
    /// The instance also has addresses of the other family (keepalived's
    /// `evip_other_family`), so the ipvlan keeps IPv6 enabled.
    pub other_family: bool,
}

/// A `virtual_ipaddress` line without options: `addr/len` on the instance's interface.
pub fn vip(addr: IpAddr, len: u8) -> IpAddress {
    IpAddress {
        loc: Loc::new(Arc::from("<api>"), 0, 0),
        addr: IpPrefix { addr, len },
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
    }
}

impl Plan {
    /// One instance on `interface` holding `addresses`, tracking its interface and its
    /// advert source address the way a configured instance does (either missing faults it).
    /// `config.vips` should list the addresses, as the adverts carry them.
    pub fn single(mut config: InstanceConfig, interface: &str, addresses: Vec<IpAddress>) -> Plan {
        let mut trackers = Trackers::default();
        for source in [
            Source::Interface(interface.to_owned()),
            Source::Address(config.primary_addr),
        ] {
            let id = trackers.id(source);
            config
                .trackers
                .push(TrackerConfig::new(id, TrackerKind::Interface, 0));
        }
        Plan {
            units: vec![UnitPlan {
                group: None,
                members: vec![InstancePlan {
                    config: config.into(),
                    interface: interface.to_owned(),
                    vmac: None,
                    addresses,
                    routes: Vec::new(),
                    rules: Vec::new(),
                    smtp_alert: false,
                }],
            }],
            trackers,
            errors: Vec::new(),
        }
    }
}
