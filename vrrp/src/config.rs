//! What an [`Instance`](crate::Instance) needs to know, in protocol terms.
//!
//! This is deliberately not the `keepalived.conf` model: the daemon (or another router
//! embedding the crate) maps its own configuration onto [`InstanceConfig`], so this crate
//! depends on no parser. Defaults are keepalived's.

use std::net::IpAddr;
use std::time::Duration;

use thiserror::Error;

use crate::auth::Auth;
use crate::garp::GarpConfig;
use crate::ip::{VRRP_MCAST_V4, VRRP_MCAST_V6};
use crate::packet::{AdverInt, Family, Version};
use crate::priority::Priority;
use crate::rx::{ChecksumPolicy, UnicastPeer};
use crate::tracker::TrackerConfig;

/// `state MASTER|BACKUP`: only the address owner acts on MASTER at once; for everyone
/// else it changes nothing but the sync group's wish (keepalived's behaviour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum InitialState {
    /// `state BACKUP` (the default).
    #[default]
    Backup,
    /// `state MASTER`.
    Master,
}

/// One VRRP instance (`vrrp_instance`), as the state machine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InstanceConfig {
    /// The instance name used in notifications.
    pub name: String,
    /// `virtual_router_id`, 1..=255.
    pub vrid: u8,
    /// `version` (IPv6 is always 3).
    pub version: Version,
    /// `priority`, 1..=255; 255 is the address owner.
    pub priority: Priority,
    /// `advert_int`. v2 needs whole seconds; v3 centiseconds up to 40.95 s.
    pub advert_interval: AdverInt,
    /// `state`.
    pub initial_state: InitialState,
    /// Our primary address on the interface (or `mcast_src_ip`/`unicast_src_ip`): the
    /// adverts' source and the equal-priority tie breaker (RFC 5798 §6.4.3).
    pub primary_addr: IpAddr,
    /// `virtual_ipaddress`: advertised, and added when master.
    pub vips: Vec<IpAddr>,
    /// `virtual_ipaddress_excluded`: added when master, not advertised.
    pub excluded_vips: Vec<IpAddr>,
    /// Whether `virtual_routes` is non-empty (the caller keeps the routes).
    pub has_virtual_routes: bool,
    /// Whether `virtual_rules` is non-empty (the caller keeps the rules).
    pub has_virtual_rules: bool,
    /// `unicast_peer`: send to these instead of the multicast group.
    pub unicast_peers: Vec<UnicastPeer>,
    /// `unicast_ttl`: the TTL / hop limit of unicast adverts (default 255).
    pub unicast_ttl: u8,
    /// `check_unicast_src`: a unicast advert must come from a configured peer.
    pub check_unicast_src: bool,
    /// `skip_check_adv_addr`: do not check the address list of adverts from the master
    /// we already know.
    pub skip_check_adv_addr: bool,
    /// `v3_checksum_as_v2`, `old_unicast_checksum`.
    pub checksum: ChecksumPolicy,
    /// `mcast_dst_ip`; `None` for the standard group of the family.
    pub mcast_group: Option<IpAddr>,
    /// `nopreempt`: a backup never takes over from a live lower-priority master.
    pub nopreempt: bool,
    /// `preempt_delay`: how long a lower-priority master is tolerated before preempting.
    pub preempt_delay: Duration,
    /// `down_timer_adverts` (1..=100, default 3): advert intervals in the master-down
    /// interval.
    pub down_timer_adverts: u32,
    /// `lower_prio_no_advert`: do not answer a lower-priority advert with one of ours.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`: send an advert before yielding to a higher priority.
    pub higher_prio_send_advert: bool,
    /// `accept` / `no_accept`; `None` is keepalived's default (accept, or under
    /// `strict_mode` accept only for the owner).
    pub accept: Option<bool>,
    /// `strict_mode` / `vrrp_strict`: RFC behaviour where keepalived deviates.
    pub strict: bool,
    /// `vrrp_startup_delay`: no takeover before this long after start.
    pub startup_delay: Duration,
    /// `garp_*`.
    pub garp: GarpConfig,
    /// `track_interface`, `track_script`, … (including a sync group's trackers).
    pub trackers: Vec<TrackerConfig>,
    /// `notify_priority_changes`.
    pub notify_priority_changes: bool,
    /// `authentication` (VRRPv2 only): PASS or keepalived's IPSEC-AH.
    pub auth: Auth,
}

impl InstanceConfig {
    /// An instance with keepalived's defaults: version 3 for IPv6 and 2 for IPv4,
    /// priority 100, 1 s adverts, multicast, preempt, 3 down-timer adverts.
    pub fn new(name: impl Into<String>, vrid: u8, primary_addr: IpAddr) -> Self {
        let version = match primary_addr {
            IpAddr::V4(_) => Version::V2,
            IpAddr::V6(_) => Version::V3,
        };
        Self {
            name: name.into(),
            vrid,
            version,
            priority: Priority::DEFAULT,
            advert_interval: AdverInt::DEFAULT,
            initial_state: InitialState::Backup,
            primary_addr,
            vips: Vec::new(),
            excluded_vips: Vec::new(),
            has_virtual_routes: false,
            has_virtual_rules: false,
            unicast_peers: Vec::new(),
            unicast_ttl: 255,
            check_unicast_src: false,
            skip_check_adv_addr: false,
            checksum: ChecksumPolicy::default(),
            mcast_group: None,
            nopreempt: false,
            preempt_delay: Duration::ZERO,
            down_timer_adverts: 3,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            accept: None,
            strict: false,
            startup_delay: Duration::ZERO,
            garp: GarpConfig::default(),
            trackers: Vec::new(),
            notify_priority_changes: false,
            auth: Auth::None,
        }
    }

    /// The address family (that of `primary_addr`).
    pub fn family(&self) -> Family {
        Family::of(&self.primary_addr)
    }

    /// Where adverts go: the unicast peers, or the multicast group.
    pub fn destinations(&self) -> Vec<IpAddr> {
        if !self.unicast_peers.is_empty() {
            return self.unicast_peers.iter().map(|p| p.addr).collect();
        }
        vec![self.mcast_group.unwrap_or(match self.primary_addr {
            IpAddr::V4(_) => IpAddr::V4(VRRP_MCAST_V4),
            IpAddr::V6(_) => IpAddr::V6(VRRP_MCAST_V6),
        })]
    }

    /// Whether traffic to the VIPs is accepted (keepalived's accept-mode default).
    pub fn effective_accept(&self) -> bool {
        self.accept
            .unwrap_or(!self.strict || self.priority.is_owner())
    }

    /// `lower_prio_no_advert`, forced on by `strict_mode`.
    pub fn effective_lower_prio_no_advert(&self) -> bool {
        self.lower_prio_no_advert || self.strict
    }

    /// `higher_prio_send_advert`, forced off by `strict_mode`.
    pub fn effective_higher_prio_send_advert(&self) -> bool {
        self.higher_prio_send_advert && !self.strict
    }

    /// `preempt_delay`, ignored under `strict_mode`.
    pub fn effective_preempt_delay(&self) -> Duration {
        if self.strict {
            Duration::ZERO
        } else {
            self.preempt_delay
        }
    }

    /// Checks what the state machine relies on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.vrid == 0 {
            return Err(ConfigError::Vrid);
        }
        if self.priority == Priority::STOP {
            return Err(ConfigError::Priority);
        }
        if self.family() == Family::Ipv6 && self.version == Version::V2 {
            return Err(ConfigError::V2OverIpv6);
        }
        let interval = self.advert_interval;
        match self.version {
            Version::V2 if interval.to_v2_secs().is_none() => {
                return Err(ConfigError::AdvertInterval {
                    version: 2,
                    centis: interval.centis(),
                })
            }
            Version::V3 if interval.centis() == 0 || interval.to_v3_centis().is_none() => {
                return Err(ConfigError::AdvertInterval {
                    version: 3,
                    centis: interval.centis(),
                })
            }
            _ => {}
        }
        if !(1..=100).contains(&self.down_timer_adverts) {
            return Err(ConfigError::DownTimerAdverts(self.down_timer_adverts));
        }
        let family = self.family();
        if let Some(addr) = self.vips.iter().find(|a| Family::of(a) != family) {
            return Err(ConfigError::VipFamily(*addr));
        }
        if self.vips.len() > 255 {
            return Err(ConfigError::TooManyVips(self.vips.len()));
        }
        if let Some(addr) = self
            .unicast_peers
            .iter()
            .map(|p| &p.addr)
            .chain(self.mcast_group.iter())
            .find(|a| Family::of(a) != family)
        {
            return Err(ConfigError::PeerFamily(*addr));
        }
        if self.auth != Auth::None && self.version != Version::V2 {
            return Err(ConfigError::AuthNeedsV2);
        }
        if self.strict {
            if self.vips.is_empty() {
                return Err(ConfigError::Strict("no virtual_ipaddress"));
            }
            if !self.unicast_peers.is_empty() {
                return Err(ConfigError::Strict("unicast_peer"));
            }
            if self.auth != Auth::None {
                return Err(ConfigError::Strict("authentication"));
            }
            if self.accept == Some(true) && self.version == Version::V2 {
                return Err(ConfigError::Strict("accept with VRRP version 2"));
            }
            if self.initial_state == InitialState::Master && !self.priority.is_owner() {
                return Err(ConfigError::Strict("state MASTER without priority 255"));
            }
        }
        Ok(())
    }
}

/// Why an [`InstanceConfig`] cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// `virtual_router_id` 0.
    #[error("virtual_router_id must be 1..=255")]
    Vrid,
    /// `priority` 0.
    #[error("priority must be 1..=255")]
    Priority,
    /// VRRPv2 with an IPv6 address.
    #[error("VRRP version 2 cannot run over IPv6")]
    V2OverIpv6,
    /// The advert interval does not fit the version's field.
    #[error("advert_int of {centis} cs cannot be sent in VRRPv{version}")]
    AdvertInterval {
        /// 2 or 3.
        version: u8,
        /// The interval in centiseconds.
        centis: u16,
    },
    /// `down_timer_adverts` out of 1..=100.
    #[error("down_timer_adverts {0} is not in 1..=100")]
    DownTimerAdverts(u32),
    /// A VIP of the other family.
    #[error("virtual address {0} is not of the instance's address family")]
    VipFamily(IpAddr),
    /// More VIPs than an advert can carry.
    #[error("{0} virtual addresses, an advert carries at most 255")]
    TooManyVips(usize),
    /// A unicast peer or multicast group of the other family.
    #[error("peer or group {0} is not of the instance's address family")]
    PeerFamily(IpAddr),
    /// Authentication on VRRPv3 (RFC 5798 removed it).
    #[error("authentication needs VRRP version 2")]
    AuthNeedsV2,
    /// Something `strict_mode` forbids.
    #[error("strict_mode forbids {0}")]
    Strict(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4() -> InstanceConfig {
        let mut c = InstanceConfig::new("VI_1", 51, "192.0.2.1".parse().unwrap());
        c.vips.push("192.0.2.100".parse().unwrap());
        c
    }

    #[test]
    fn defaults_are_valid() {
        v4().validate().unwrap();
        let mut c = InstanceConfig::new("VI_6", 1, "2001:db8::1".parse().unwrap());
        c.vips.push("2001:db8::100".parse().unwrap());
        assert_eq!(c.version, Version::V3);
        c.validate().unwrap();
        assert_eq!(c.destinations(), vec![IpAddr::V6(VRRP_MCAST_V6)]);
    }

    #[test]
    fn each_error() {
        let mut c = v4();
        c.vrid = 0;
        assert_eq!(c.validate(), Err(ConfigError::Vrid));
        let mut c = v4();
        c.priority = Priority(0);
        assert_eq!(c.validate(), Err(ConfigError::Priority));
        let mut c = v4();
        c.advert_interval = AdverInt::from_centis(50);
        assert!(matches!(
            c.validate(),
            Err(ConfigError::AdvertInterval { version: 2, .. })
        ));
        c.version = Version::V3;
        c.validate().unwrap();
        let mut c = v4();
        c.down_timer_adverts = 0;
        assert_eq!(c.validate(), Err(ConfigError::DownTimerAdverts(0)));
        let mut c = v4();
        c.vips.push("2001:db8::1".parse().unwrap());
        assert!(matches!(c.validate(), Err(ConfigError::VipFamily(_))));
        let mut c = v4();
        c.unicast_peers
            .push(UnicastPeer::new("2001:db8::1".parse().unwrap()));
        assert!(matches!(c.validate(), Err(ConfigError::PeerFamily(_))));
        let mut c = v4();
        c.auth = Auth::Pass(Auth::pass_octets("secret"));
        c.validate().unwrap();
        c.version = Version::V3;
        assert_eq!(c.validate(), Err(ConfigError::AuthNeedsV2));
        let mut c = v4();
        c.strict = true;
        c.unicast_peers
            .push(UnicastPeer::new("192.0.2.2".parse().unwrap()));
        assert!(matches!(c.validate(), Err(ConfigError::Strict(_))));
        let mut c = v4();
        c.strict = true;
        c.accept = Some(true);
        assert_eq!(
            c.validate(),
            Err(ConfigError::Strict("accept with VRRP version 2"))
        );
        c.version = Version::V3;
        c.validate().unwrap();
        let mut c = InstanceConfig::new("x", 1, "2001:db8::1".parse().unwrap());
        c.version = Version::V2;
        assert_eq!(c.validate(), Err(ConfigError::V2OverIpv6));
    }

    #[test]
    fn strict_overrides() {
        let mut c = v4();
        c.strict = true;
        c.preempt_delay = Duration::from_secs(5);
        c.higher_prio_send_advert = true;
        assert!(c.effective_lower_prio_no_advert());
        assert!(!c.effective_higher_prio_send_advert());
        assert_eq!(c.effective_preempt_delay(), Duration::ZERO);
        assert!(!c.effective_accept());
        c.priority = Priority::OWNER;
        assert!(c.effective_accept());
    }
}
