//! Builders shared by the simulator scenario tests.
#![allow(dead_code)]

use std::net::IpAddr;
use std::time::Duration;

use keepalive_vrrp::packet::{AdverInt, Version};
use keepalive_vrrp::sim::{Happening, Lan, RouterId};
use keepalive_vrrp::{InstanceConfig, Priority, State};

/// A VRRPv2 IPv4 instance on 192.0.2.0/24 with VIP 192.0.2.100.
pub fn v2(vrid: u8, host: u8, priority: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new(format!("VI_{vrid}"), vrid, ip4(host));
    c.vips.push(ip4(100 + vrid));
    c.priority = Priority(priority);
    c.validate().expect("valid test config");
    c
}

/// A VRRPv3 IPv4 instance.
pub fn v3(vrid: u8, host: u8, priority: u8) -> InstanceConfig {
    let mut c = v2(vrid, host, priority);
    c.version = Version::V3;
    c
}

/// A VRRPv3 IPv6 instance on 2001:db8::/64 with VIP 2001:db8::100.
pub fn v6(vrid: u8, host: u16, priority: u8) -> InstanceConfig {
    let mut c = InstanceConfig::new(format!("VI6_{vrid}"), vrid, ip6(host));
    c.vips.push(ip6(0x100 + u16::from(vrid)));
    c.priority = Priority(priority);
    c.validate().expect("valid test config");
    c
}

pub fn ip4(host: u8) -> IpAddr {
    IpAddr::from([192, 0, 2, host])
}

pub fn ip6(host: u16) -> IpAddr {
    IpAddr::from([0x2001, 0xdb8, 0, 0, 0, 0, 0, host])
}

/// With a different advert interval.
pub fn every(mut c: InstanceConfig, centis: u16) -> InstanceConfig {
    c.advert_interval = AdverInt::from_centis(centis);
    c
}

/// Runs until exactly `router` is master of `vrid`; panics after `limit`.
pub fn wait_master(lan: &mut Lan, vrid: u8, router: RouterId, limit: Duration) -> Duration {
    lan.run_until(limit, |lan| lan.masters_of(vrid) == vec![router])
        .unwrap_or_else(|| {
            panic!(
                "{router:?} not sole master of VRID {vrid} within {limit:?}; masters {:?}",
                lan.masters_of(vrid)
            )
        })
}

/// Asserts the instance states of the given routers.
pub fn assert_states(lan: &Lan, expected: &[(RouterId, State)]) {
    for &(r, s) in expected {
        assert_eq!(lan.state(r), s, "{r:?} at {:?}", lan.elapsed());
    }
}

/// GARP/NA records of `router` at or after `since`.
pub fn garps_since(lan: &Lan, router: RouterId, since: Duration) -> Vec<Happening> {
    lan.log()
        .iter()
        .filter(|r| r.router == router && r.at >= since)
        .filter(|r| matches!(r.what, Happening::Garp { .. }))
        .map(|r| r.what.clone())
        .collect()
}
