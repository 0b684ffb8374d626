//! From `keepalived.conf` (as [`keepalive_confparse`] types it) to the state machine's
//! settings: a `vrrp_instance` block with `global_defs`' `vrrp_*` defaults becomes an
//! [`InstanceConfig`] (keepalived.conf(5): instance keywords override `global_defs`, which
//! override keepalived's built-in defaults).
//!
//! What only a daemon knows is left to it: the advert source address when the instance has
//! no `unicast_src_ip` (the interface's primary address), and the trackers, whose ids name
//! objects the daemon watches.

use std::net::IpAddr;
use std::time::Duration;

use keepalive_confparse::model::global::GlobalDefs;
use keepalive_confparse::model::vrrp::address::Family as ConfFamily;
use keepalive_confparse::model::vrrp::instance::{
    AuthType, InitialState as ConfState, Instance as ConfInstance, OldChecksum,
};

use crate::auth::Auth;
use crate::config::{InitialState, InstanceConfig};
use crate::garp::{ExtraIf, GarpConfig};
use crate::packet::{AdverInt, Version};
use crate::priority::Priority;
use crate::rx::{OldUnicastChecksum, UnicastPeer};

/// The protocol settings of `inst`, advertising from `primary`; no trackers yet, and not
/// validated (add the trackers, then [`InstanceConfig::validate`]).
pub fn instance_config(inst: &ConfInstance, g: &GlobalDefs, primary: IpAddr) -> InstanceConfig {
    let ipv6 = is_ipv6(inst);
    let mut c = InstanceConfig::new(
        inst.name.clone(),
        inst.virtual_router_id.unwrap_or(0),
        primary,
    );
    c.version = match (ipv6, inst.version.unwrap_or(g.vrrp_version)) {
        (true, _) | (_, 3) => Version::V3,
        _ => Version::V2,
    };
    c.priority = Priority(inst.priority.unwrap_or(100));
    c.advert_interval = AdverInt::from_centis(
        u16::try_from(inst.advert_int.0 .0 / 10_000)
            .unwrap_or(u16::MAX)
            .max(1),
    );
    c.initial_state = match inst.state {
        Some(ConfState::Master) => InitialState::Master,
        _ => InitialState::Backup,
    };
    for a in &inst.virtual_ipaddress {
        c.vips.push(a.addr.addr);
    }
    for a in &inst.virtual_ipaddress_excluded {
        c.excluded_vips.push(a.addr.addr);
    }
    c.has_virtual_routes = !inst.virtual_routes.is_empty();
    c.has_virtual_rules = !inst.virtual_rules.is_empty();
    c.unicast_peers = inst
        .unicast_peers
        .iter()
        .map(|p| UnicastPeer {
            addr: p.addr,
            min_ttl: p.min_ttl,
            max_ttl: p.max_ttl,
        })
        .collect();
    c.unicast_ttl = inst.unicast_ttl.unwrap_or(255);
    c.check_unicast_src = inst.check_unicast_src || g.vrrp_check_unicast_src;
    c.skip_check_adv_addr = inst
        .skip_check_adv_addr
        .unwrap_or(g.vrrp_skip_check_adv_addr);
    c.checksum.mcast_group4 = g.vrrp_mcast_group4;
    c.checksum.old_unicast = match inst.old_unicast_checksum {
        Some(OldChecksum::Always) => OldUnicastChecksum::Always,
        Some(OldChecksum::Never) => OldUnicastChecksum::Never,
        None => OldUnicastChecksum::Detect,
    };
    // confparse resolved it: `mcast_dst_ip`, else vrrp_mcast_group4/6; none when unicast.
    c.mcast_group = inst.mcast_dst_ip;
    c.nopreempt = inst.nopreempt;
    c.preempt_delay = micros(inst.preempt_delay.0);
    c.down_timer_adverts = inst.down_timer_adverts.unwrap_or(g.vrrp_down_timer_adverts);
    c.lower_prio_no_advert = inst
        .lower_prio_no_advert
        .unwrap_or(g.vrrp_lower_prio_no_advert);
    c.higher_prio_send_advert = inst
        .higher_prio_send_advert
        .unwrap_or(g.vrrp_higher_prio_send_advert);
    c.accept = inst.accept;
    c.strict = inst.strict_mode.unwrap_or(g.vrrp_strict);
    c.startup_delay = g.vrrp_startup_delay.map_or(Duration::ZERO, |m| micros(m.0));
    c.garp = garp_config(inst, g);
    c.notify_priority_changes = inst
        .notify_priority_changes
        .unwrap_or(g.vrrp_notify_priority_changes);
    c.auth = match &inst.authentication {
        Some(a) => {
            let key = Auth::pass_octets(a.auth_pass.as_deref().unwrap_or(""));
            match a.auth_type {
                Some(AuthType::Ah) => Auth::Ah(key),
                Some(AuthType::Pass) => Auth::Pass(key),
                None => Auth::None,
            }
        }
        None => Auth::None,
    };
    c
}

/// Whether `inst` runs over IPv6: its `family`, else its first virtual address, unicast peer
/// or `unicast_src_ip`.
pub fn is_ipv6(inst: &ConfInstance) -> bool {
    if let Some(f) = inst.family {
        return f == ConfFamily::Inet6;
    }
    inst.virtual_ipaddress
        .first()
        .map(|a| a.addr.addr.is_ipv6())
        .or_else(|| inst.unicast_peers.first().map(|p| p.addr.is_ipv6()))
        .or_else(|| inst.src_ip.map(|a| a.is_ipv6()))
        .unwrap_or(false)
}

fn micros(us: u64) -> Duration {
    Duration::from_micros(us)
}

/// `garp_*` of the instance, else `vrrp_garp_*` of `global_defs`; `vrrp_min_garp` overrides.
pub fn garp_config(inst: &ConfInstance, g: &GlobalDefs) -> GarpConfig {
    let refresh = inst
        .garp_master_refresh
        .unwrap_or(g.vrrp_garp_master_refresh);
    let extra = inst.garp_extra_if.or(g.vrrp_garp_extra_if);
    let mut c = GarpConfig {
        master_delay: micros(inst.garp_master_delay.unwrap_or(g.vrrp_garp_master_delay).0),
        master_repeat: inst.garp_master_repeat.unwrap_or(g.vrrp_garp_master_repeat),
        master_refresh: (refresh.0 > 0).then(|| micros(refresh.0)),
        master_refresh_repeat: inst
            .garp_master_refresh_repeat
            .unwrap_or(g.vrrp_garp_master_refresh_repeat),
        lower_prio_delay: micros(
            inst.garp_lower_prio_delay
                .or(g.vrrp_garp_lower_prio_delay)
                .unwrap_or(inst.garp_master_delay.unwrap_or(g.vrrp_garp_master_delay))
                .0,
        ),
        lower_prio_repeat: inst
            .garp_lower_prio_repeat
            .or(g.vrrp_garp_lower_prio_repeat)
            .unwrap_or(inst.garp_master_repeat.unwrap_or(g.vrrp_garp_master_repeat)),
        extra_if: extra.filter(|e| e.delay_secs > 0).map(|e| ExtraIf {
            interval: Duration::from_secs(u64::from(e.delay_secs)),
            all: e.all,
        }),
    };
    if g.vrrp_min_garp {
        c = GarpConfig::min_garp();
    }
    c
}
