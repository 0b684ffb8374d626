//! The gratuitous ARP / unsolicited NA schedule of a master (keepalived's `garp_*`
//! keywords). The instance decides what to send and when; the daemon sends it and paces
//! the individual packets (`vrrp_garp_interval`, `garp_group`).

use std::net::IpAddr;
use std::time::Duration;

use crate::action::{Action, GarpReason};

/// GARP/NA settings of one instance; `Default` is keepalived's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GarpConfig {
    /// `garp_master_delay`: when to send the second block after becoming master;
    /// zero for no second block. Default 5 s.
    pub master_delay: Duration,
    /// `garp_master_repeat`: messages per address in each block. Default 5.
    pub master_repeat: u32,
    /// `garp_master_refresh`: resend while master at this interval; `None` (default) off.
    pub master_refresh: Option<Duration>,
    /// `garp_master_refresh_repeat`: messages per address per refresh. Default 1.
    pub master_refresh_repeat: u32,
    /// `garp_lower_prio_delay`: second block after a lower-priority advert. Default 5 s.
    pub lower_prio_delay: Duration,
    /// `garp_lower_prio_repeat`: messages per address after a lower-priority advert;
    /// 0 disables. Default 5 (keepalived: `garp_master_repeat`).
    pub lower_prio_repeat: u32,
    /// `garp_extra_if [all] SECS`: periodic GARP/NA on VIPs' other interfaces.
    pub extra_if: Option<ExtraIf>,
}

/// `garp_extra_if` / `vrrp_garp_extra_if`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ExtraIf {
    /// How often.
    pub interval: Duration,
    /// `all`: every interface, not only VMACs.
    pub all: bool,
}

impl ExtraIf {
    /// `garp_extra_if [all] SECS`: every `interval`, on VMAC interfaces or, with `all`, on
    /// every interface.
    pub fn new(interval: Duration, all: bool) -> Self {
        Self { interval, all }
    }
}

impl Default for GarpConfig {
    fn default() -> Self {
        Self {
            master_delay: Duration::from_secs(5),
            master_repeat: 5,
            master_refresh: None,
            master_refresh_repeat: 1,
            lower_prio_delay: Duration::from_secs(5),
            lower_prio_repeat: 5,
            extra_if: None,
        }
    }
}

impl GarpConfig {
    /// `vrrp_min_garp`: one message per address, no second block, no refresh.
    pub fn min_garp() -> Self {
        Self {
            master_delay: Duration::ZERO,
            master_repeat: 1,
            master_refresh: None,
            master_refresh_repeat: 0,
            lower_prio_delay: Duration::ZERO,
            lower_prio_repeat: 1,
            extra_if: None,
        }
    }
}

/// The GARP (IPv4) and unsolicited NA (IPv6) actions for `addrs`, `repeat` rounds each;
/// nothing if `repeat` is 0 or there are no addresses of a family.
pub(crate) fn announce(
    addrs: &[IpAddr],
    repeat: u32,
    reason: GarpReason,
    out: &mut impl Extend<Action>,
) {
    if repeat == 0 {
        return;
    }
    let v4: Vec<_> = addrs
        .iter()
        .filter_map(|a| match a {
            IpAddr::V4(a) => Some(*a),
            IpAddr::V6(_) => None,
        })
        .collect();
    let v6: Vec<_> = addrs
        .iter()
        .filter_map(|a| match a {
            IpAddr::V6(a) => Some(*a),
            IpAddr::V4(_) => None,
        })
        .collect();
    if !v4.is_empty() {
        out.extend([Action::Garp {
            addrs: v4,
            repeat,
            reason,
        }]);
    }
    if !v6.is_empty() {
        out.extend([Action::UnsolicitedNa {
            addrs: v6,
            repeat,
            reason,
        }]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_by_family() {
        let addrs: Vec<IpAddr> = vec![
            "192.0.2.10".parse().unwrap(),
            "2001:db8::10".parse().unwrap(),
            "192.0.2.11".parse().unwrap(),
        ];
        let mut out = Vec::new();
        announce(&addrs, 3, GarpReason::BecomeMaster, &mut out);
        assert_eq!(out.len(), 2);
        assert!(matches!(&out[0], Action::Garp { addrs, repeat: 3, .. } if addrs.len() == 2));
        assert!(matches!(&out[1], Action::UnsolicitedNa { addrs, .. } if addrs.len() == 1));
        out.clear();
        announce(&addrs, 0, GarpReason::Refresh, &mut out);
        assert!(out.is_empty());
    }
}
