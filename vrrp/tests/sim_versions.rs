//! The same elections over VRRPv2/IPv4, VRRPv3/IPv4 and VRRPv3/IPv6, multicast and
//! unicast, with authentication, and with clocks that disagree.

mod sim_support;

use std::time::Duration;

use keepalive_vrrp::action::GarpReason;
use keepalive_vrrp::auth::Auth;
use keepalive_vrrp::rx::UnicastPeer;
use keepalive_vrrp::sim::{Happening, Lan};
use keepalive_vrrp::{InstanceConfig, State};
use sim_support::*;

const SECS: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;

/// Election, crash failover and graceful failover with three routers built by `make`.
fn failover_cycle(seed: u64, make: impl Fn(u8, u8) -> InstanceConfig) {
    let mut lan = Lan::new(seed);
    let vrid = make(1, 1).vrid;
    let a = lan.add(make(1, 200));
    let b = lan.add(make(2, 150));
    let c = lan.add(make(3, 100));
    wait_master(&mut lan, vrid, a, SECS(10));
    lan.run_for(SECS(5));
    lan.crash(a);
    let down = lan.instance(b).unwrap().master_down_interval();
    let took = wait_master(&mut lan, vrid, b, SECS(10));
    assert!(took <= down + MS(1), "{took:?}");
    lan.run_for(SECS(5));
    lan.shutdown(b);
    let skew = lan.instance(c).unwrap().skew_time();
    let took = wait_master(&mut lan, vrid, c, SECS(10));
    assert!(took <= skew + MS(1), "{took:?}");
    lan.restart(a);
    wait_master(&mut lan, vrid, a, SECS(10));
    lan.run_for(SECS(5));
    assert_eq!(lan.state(c), State::Backup);
    // Every packet was accepted: no receive errors anywhere.
    for r in [a, c] {
        assert_eq!(lan.instance(r).unwrap().stats().rx.dropped(), 0, "{r:?}");
    }
}

#[test]
fn v2_ipv4() {
    failover_cycle(71, |h, p| v2(10, h, p));
}

#[test]
fn v3_ipv4() {
    failover_cycle(72, |h, p| v3(10, h, p));
}

#[test]
fn v3_ipv6() {
    failover_cycle(73, |h, p| v6(10, u16::from(h), p));
}

#[test]
fn v3_ipv4_fast_adverts() {
    failover_cycle(74, |h, p| every(v3(10, h, p), 10));
}

#[test]
fn v2_unicast_peers() {
    failover_cycle(75, |h, p| {
        let mut c = v2(10, h, p);
        c.unicast_peers = (1..=3)
            .filter(|&o| o != h)
            .map(|o| UnicastPeer::new(ip4(o)))
            .collect();
        c.check_unicast_src = true;
        c
    });
}

#[test]
fn v3_ipv6_unicast_peers() {
    failover_cycle(76, |h, p| {
        let mut c = v6(10, u16::from(h), p);
        c.unicast_peers = (1..=3u16)
            .filter(|&o| o != u16::from(h))
            .map(|o| UnicastPeer::new(ip6(o)))
            .collect();
        c
    });
}

#[test]
fn v2_auth_pass() {
    failover_cycle(77, |h, p| {
        let mut c = v2(10, h, p);
        c.auth = Auth::Pass(Auth::pass_octets("s3cret"));
        c
    });
}

#[test]
fn v2_auth_ah() {
    failover_cycle(78, |h, p| {
        let mut c = v2(10, h, p);
        c.auth = Auth::Ah(Auth::pass_octets("s3cret"));
        c
    });
}

#[test]
fn mismatched_password_is_rejected_and_counted() {
    let mut lan = Lan::new(79);
    let mut a = v2(10, 1, 200);
    a.auth = Auth::Pass(Auth::pass_octets("one"));
    let mut b = v2(10, 2, 100);
    b.auth = Auth::Pass(Auth::pass_octets("two"));
    let a = lan.add(a);
    let b = lan.add(b);
    lan.run_for(SECS(20));
    // They cannot hear each other: both are master, and b counts auth failures.
    assert_eq!(lan.masters_of(10), vec![a, b]);
    assert!(lan.instance(b).unwrap().stats().rx.auth_failure() > 0);
}

#[test]
fn skewed_clocks_still_converge() {
    let mut lan = Lan::new(80);
    let a = lan.add(v3(10, 1, 200));
    let b = lan.add(v3(10, 2, 100));
    let c = lan.add(v3(10, 3, 150));
    // a runs 1000 ppm slow, b 1000 ppm fast, c is offset by an hour.
    lan.set_clock(a, Duration::ZERO, -1000);
    lan.set_clock(b, Duration::ZERO, 1000);
    lan.set_clock(c, SECS(3600), 0);
    wait_master(&mut lan, 10, a, SECS(10));
    lan.run_for(SECS(600));
    assert_eq!(lan.masters_of(10), vec![a]);
    lan.crash(a);
    wait_master(&mut lan, 10, c, SECS(10));
    lan.run_for(SECS(60));
    assert_eq!(lan.state(b), State::Backup);
}

#[test]
fn garp_schedule_of_a_new_master() {
    let mut lan = Lan::new(81);
    let mut c = v2(10, 1, 200);
    c.garp.master_refresh = Some(SECS(60));
    c.garp.master_refresh_repeat = 2;
    c.garp.extra_if = Some(keepalive_vrrp::garp::ExtraIf::new(SECS(100), true));
    let a = lan.add(c);
    wait_master(&mut lan, 10, a, SECS(10));
    let became = lan.elapsed();
    lan.run_for(SECS(150));
    let garps: Vec<_> = lan
        .log()
        .iter()
        .filter(|r| r.router == a)
        .filter_map(|r| match r.what {
            Happening::Garp { reason, repeat } => Some(((r.at - became).as_secs(), reason, repeat)),
            _ => None,
        })
        .collect();
    assert_eq!(
        garps,
        vec![
            (0, GarpReason::BecomeMaster, 5),
            (5, GarpReason::MasterDelay, 5),
            (60, GarpReason::Refresh, 2),
            (100, GarpReason::ExtraInterfaces { all: true }, 1),
            (120, GarpReason::Refresh, 2),
        ]
    );
}

#[test]
fn dual_stack_vips_get_garp_and_na() {
    let mut lan = Lan::new(82);
    let mut c = v2(10, 1, 200);
    c.excluded_vips.push(ip6(0x200));
    c.garp = keepalive_vrrp::garp::GarpConfig::min_garp();
    let a = lan.add(c);
    wait_master(&mut lan, 10, a, SECS(10));
    lan.run_for(SECS(10));
    assert!(lan.vips(a).contains(&ip6(0x200)));
    let garps = garps_since(&lan, a, Duration::ZERO);
    // One GARP action and one NA action, one round each, no second block.
    assert_eq!(
        garps,
        vec![
            Happening::Garp {
                reason: GarpReason::BecomeMaster,
                repeat: 1
            };
            2
        ]
    );
}
