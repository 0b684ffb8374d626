//! The checks keepalived makes after reading the whole file (`vrrp_complete_init`,
//! `chk_min_cfg`, `vrrp_sync_set_group`, `vrrp_complete_instance`, `sync_group_tracking_init`,
//! `check_vrid_conflicts`), with the same verdicts: every `report_config_error` there is an
//! error here (it makes `keepalived -t` fail), every `log_message` a warning.
//!
//! Each check is a pass over the instances with hash maps; nothing compares instances
//! pairwise, so 65,024 instances validate in milliseconds.

use std::collections::HashSet;
use std::net::IpAddr;

use super::address::Family;
use super::instance::{AuthType, InitialState, Instance};
use super::track::{TrackKind, TrackRef};
use super::{FxMap, VrrpConfig};
use crate::diag::Diagnostics;
use crate::model::global::GlobalDefs;
use crate::model::values::{Micros, TIMER_HZ};
use crate::token::Loc;

/// RFC 5798 §5.2.4: priority 255 is the address owner.
const PRIO_OWNER: u8 = 255;
/// keepalived's default priority.
const PRIO_DEFAULT: u8 = 100;
/// RFC 3768/5798: master down interval is 3 adverts (plus skew).
const DOWN_TIMER_ADVERTS: u32 = 3;
/// keepalived's `DEFAULT_MTU`, used when the interface is not known.
const DEFAULT_MTU: usize = 1500;

pub(super) fn finish(v: &mut VrrpConfig, g: &GlobalDefs, d: &mut Diagnostics) {
    check_track_group_refs(v, d);
    // chk_min_cfg: keepalived 2.2.7 stops at the first instance failing it.
    for i in &v.instances {
        if i.virtual_router_id.is_none() {
            d.error(
                &i.loc,
                format!("({}) the virtual router id must be set", i.name),
            );
        }
        if i.interface.is_none() {
            d.error_hint(
                &i.loc,
                format!("({}) unknown interface!", i.name),
                "keepalived 2.2.7 requires 'interface' even for unicast instances",
            );
        }
    }
    assign_sync_groups(v, d);
    let mut script_used = vec![false; v.scripts.len()];
    for idx in 0..v.instances.len() {
        let sg = v.instances[idx]
            .sync_group
            .as_ref()
            .and_then(|n| v.names.sync_groups.get(n))
            .map(|&k| {
                (
                    v.sync_groups[k].sync_group_tracking_weight,
                    v.sync_groups[k].notify_priority_changes,
                )
            });
        let inst = &mut v.instances[idx];
        // Borrow the name out for the messages instead of cloning it per instance.
        let name = std::mem::take(&mut inst.name);
        complete_instance(inst, &name, g, sg, d);
        resolve_tracking(
            inst,
            &name,
            sg.map(|s| s.0),
            &v.names,
            &v.scripts,
            &v.track_files,
            &v.track_processes,
            &mut script_used,
            d,
        );
        inst.name = name;
    }
    sync_group_tracking(v, &mut script_used, d);
    for (s, used) in v.scripts.iter().zip(&script_used) {
        if !used {
            // keepalived drops it; `-t` does not fail on it.
            d.warning(&s.loc, format!("script {} is not used", s.name));
        }
    }
    check_unicast_vrid_conflicts(&v.instances, d);
    if let Some(sd) = &g.lvs_sync_daemon {
        if let Some(inst) = &sd.instance {
            if !v.names.instances.contains_key(inst) {
                // keepalived clears lvs_sync_daemon at startup; `-t` passes.
                d.warning_hint(
                    &crate::model::values::no_loc(),
                    format!("unable to find vrrp instance {inst} for lvs_syncd - clearing lvs_syncd config"),
                    "lvs_sync_daemon's instance must name a vrrp_instance",
                );
            }
        }
    }
    for tg in &v.track_groups {
        for crate::model::vrrp::track::NameRef { name: m, loc } in &tg.instances {
            if !v.names.instances.contains_key(m) {
                d.warning(
                    loc,
                    format!(
                        "vrrp instance {m} specified in track group {} doesn't exist - ignoring",
                        tg.name
                    ),
                );
            }
        }
    }
}

/// `track_group NAME` on static addresses/routes/rules must name a group defined earlier.
fn check_track_group_refs(v: &VrrpConfig, d: &mut Diagnostics) {
    for (seq, name, loc) in &v.names.static_track_group_refs {
        match v.names.track_groups.get(name) {
            Some(&(_, def)) if def < *seq => {}
            _ => d.error(loc, format!("track_group {name} not found")),
        }
    }
}

/// `vrrp_sync_set_group`: members exist, belong to one group only; groups have members.
fn assign_sync_groups(v: &mut VrrpConfig, d: &mut Diagnostics) {
    for gi in 0..v.sync_groups.len() {
        let g = &v.sync_groups[gi];
        if g.members.is_empty() {
            d.error(
                &g.loc,
                format!("sync group {} has no virtual router(s) - removing", g.name),
            );
            continue;
        }
        let mut count = 0usize;
        let mut owner_master = None::<bool>;
        for crate::model::vrrp::track::NameRef { name: m, loc } in &g.members {
            let Some(&ii) = v.names.instances.get(m) else {
                d.error(
                    loc,
                    format!(
                        "virtual router {m} specified in sync group {} doesn't exist - ignoring",
                        g.name
                    ),
                );
                continue;
            };
            let inst = &mut v.instances[ii];
            if inst.sync_group.is_some() {
                d.error(
                    loc,
                    format!(
                        "virtual router {m} cannot exist in more than one sync group; ignoring {}",
                        g.name
                    ),
                );
                continue;
            }
            inst.sync_group = Some(g.name.clone());
            count += 1;
            let prio = inst
                .priority
                .unwrap_or(if inst.state == Some(InitialState::Master) {
                    PRIO_OWNER
                } else {
                    PRIO_DEFAULT
                });
            let master = inst.state.unwrap_or(if prio == PRIO_OWNER {
                InitialState::Master
            } else {
                InitialState::Backup
            }) == InitialState::Master;
            match owner_master {
                Some(true) if !master => d.error(
                    loc,
                    format!("sync group {} has some member(s) as address owner and some not as address owner. This won't work", g.name),
                ),
                Some(false) => {}
                _ => owner_master = Some(master && prio == PRIO_OWNER),
            }
        }
        if count == 0 {
            d.error(&g.loc, format!("sync group {}, no matching virtual router found in group declaration - removing", g.name));
        } else if count == 1 {
            d.error_hint(
                &g.loc,
                format!("sync group {} has only 1 virtual router(s)", g.name),
                "this probably isn't what you want",
            );
        }
    }
}

/// `vrrp_complete_instance`: defaults from `global_defs` and the per-instance rules.
fn complete_instance(
    i: &mut Instance,
    name: &str,
    g: &GlobalDefs,
    sg: Option<(bool, Option<bool>)>,
    d: &mut Diagnostics,
) {
    let loc = i.loc.clone();
    let strict = *i.strict_mode.get_or_insert(g.vrrp_strict);
    let family = *i.family.get_or_insert(Family::Inet);
    if family == Family::Inet6 {
        if i.version == Some(2) && strict {
            d.error(
                &loc,
                format!("({name}) cannot use IPv6 with VRRP version 2; setting version 3"),
            );
            i.version = Some(3);
        } else if i.version.is_none() {
            i.version = Some(3);
        }
    }
    let version = *i.version.get_or_insert(g.vrrp_version);

    if i.virtual_ipaddress.is_empty() && !i.no_virtual_ipaddress {
        if version == 3 || strict {
            d.error_hint(
                &loc,
                format!("({name}) no VIP specified; at least one is required"),
                "add a virtual_ipaddress block (or no_virtual_ipaddress)",
            );
        } else {
            d.error_hint(
                &loc,
                format!("({name}) no VIP specified; at least one is sensible"),
                "add a virtual_ipaddress block (or no_virtual_ipaddress)",
            );
        }
    }

    let prio = *i
        .priority
        .get_or_insert(if i.state == Some(InitialState::Master) {
            PRIO_OWNER
        } else {
            PRIO_DEFAULT
        });
    match i.state {
        None => {
            i.state = Some(if prio == PRIO_OWNER {
                InitialState::Master
            } else {
                InitialState::Backup
            })
        }
        Some(s) if strict && ((s == InitialState::Master) != (prio == PRIO_OWNER)) => {
            d.error(
                &loc,
                format!("({name}) state MASTER must match being address owner"),
            );
            i.state = Some(if prio == PRIO_OWNER {
                InitialState::Master
            } else {
                InitialState::Backup
            });
        }
        Some(_) => {}
    }

    if let Some(auth) = &i.authentication {
        if let Some(t) = auth.auth_type {
            let mut drop = true;
            if strict {
                d.error(
                    &loc,
                    format!("({name}) strict mode does not support authentication. Ignoring"),
                );
            } else if version == 3 {
                d.error(
                    &loc,
                    format!("({name}) VRRP version 3 does not support authentication. Ignoring"),
                );
            } else if auth.auth_pass.as_deref().unwrap_or("").is_empty() {
                d.error(
                    &loc,
                    format!("({name}) authentication specified but no password given. Ignoring"),
                );
            } else if family == Family::Inet6 && t == AuthType::Ah {
                d.error(
                    &loc,
                    format!("({name}) cannot use AH authentication with IPv6. Ignoring"),
                );
            } else {
                drop = false;
                if t == AuthType::Ah && i.state == Some(InitialState::Master) && prio != PRIO_OWNER
                {
                    d.error(&loc, format!("({name}) initial state master is incompatible with AH authentication - clearing"));
                    i.state = Some(InitialState::Backup);
                }
            }
            if drop {
                i.authentication = None;
            }
        }
    }

    let unicast = i.is_unicast();
    // keepalived 2.2.7 means to reject unicast peers in strict mode, but tests its unicast
    // flag before setting it, so such configurations run; kad accepts them likewise.
    if i.unicast_configured && !unicast {
        if i.unicast_fault_no_peer {
            d.warning(
                &loc,
                format!("({name}) cannot use unicast without any peers - going to fault state"),
            );
        } else {
            d.error_hint(
                &loc,
                format!("({name}) a unicast keyword has been specified without any unicast peers. Defaulting to multicast"),
                "this usage is deprecated - add unicast_peer entries or unicast_fault_no_peer",
            );
        }
    }
    if strict {
        if let Some(vm) = &mut i.use_vmac {
            if vm.mac.take().is_some() {
                d.error(
                    &loc,
                    format!("({name}): cannot specify MAC address with strict mode - clearing"),
                );
            }
        }
    }
    if family == Family::Inet6 && !unicast {
        if let Some(first) = i.virtual_ipaddress.first() {
            let ll = matches!(first.addr.addr, IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80);
            if !ll {
                if strict {
                    d.error(
                        &first.loc,
                        format!("({name}) the first IPv6 VIP address must be link local"),
                    );
                } else {
                    d.warning(
                        &first.loc,
                        format!("({name}) the first IPv6 VIP address should be link local"),
                    );
                }
            }
        }
    }
    if i.vrf.is_some() && (i.interface.is_some() || !unicast) {
        d.error(
            &loc,
            format!(
                "({name}) vrf can only be specified with{} - clearing",
                if i.interface.is_some() {
                    "out interface"
                } else {
                    " unicast"
                }
            ),
        );
        i.vrf = None;
    }

    // The addresses must fit in one advert (8-bit count field, and the MTU).
    let hdr = if family == Family::Inet {
        let mut h = 14 + 20 + 8;
        if version == 2 {
            h += 8;
            if i.authentication.as_ref().and_then(|a| a.auth_type) == Some(AuthType::Ah) {
                h += 24;
            }
        }
        h
    } else {
        14 + 40 + 8
    };
    let size = if family == Family::Inet { 4 } else { 16 };
    let max_addr = ((DEFAULT_MTU - hdr) / size).min(255);
    if i.virtual_ipaddress.len() > max_addr {
        d.error(
            &loc,
            format!(
                "({name}) number of VIPs ({}) exceeds maximum/space available in packet (max {max_addr} addresses) - excess moved to eVIPs",
                i.virtual_ipaddress.len()
            ),
        );
        let excess = i.virtual_ipaddress.split_off(max_addr);
        i.virtual_ipaddress_excluded.splice(0..0, excess);
    }

    if prio == PRIO_OWNER && i.nopreempt {
        d.error(
            &loc,
            format!("({name}) nopreempt is incompatible with priority 255. resetting nopreempt"),
        );
        i.nopreempt = false;
    }
    if i.state == Some(InitialState::Master) {
        if i.nopreempt {
            d.error(
                &loc,
                format!("({name}) nopreempt will not work with initial state MASTER - clearing"),
            );
            i.nopreempt = false;
        }
        if i.preempt_delay.0 != 0 {
            d.error(
                &loc,
                format!(
                    "({name}) preempt delay will not work with initial state MASTER - clearing"
                ),
            );
            i.preempt_delay = Micros(0);
        }
    }
    if i.preempt_delay.0 != 0 {
        if strict {
            d.error(
                &loc,
                format!("({name}) preempt_delay is incompatible with strict mode - resetting"),
            );
            i.preempt_delay = Micros(0);
        }
        if i.nopreempt {
            d.error(
                &loc,
                format!("({name}) preempt_delay is incompatible with nopreempt mode - resetting"),
            );
            i.preempt_delay = Micros(0);
        }
    }
    let dta = *i
        .down_timer_adverts
        .get_or_insert(g.vrrp_down_timer_adverts);
    if dta != DOWN_TIMER_ADVERTS && strict {
        d.error(
            &loc,
            format!("({name}) down_timer_adverts is incompatible with strict mode - resetting"),
        );
        i.down_timer_adverts = Some(DOWN_TIMER_ADVERTS);
    }

    let accept = *i.accept.get_or_insert(prio == PRIO_OWNER || !strict);
    if accept && prio != PRIO_OWNER && strict && version == 2 {
        d.error(
            &loc,
            format!(
                "({name}) accept mode for VRRP version 2 does not comply with RFC3768 - resetting"
            ),
        );
        i.accept = Some(false);
    }

    if !unicast && i.mcast_dst_ip.is_none() {
        i.mcast_dst_ip = Some(match family {
            Family::Inet => IpAddr::V4(g.vrrp_mcast_group4),
            Family::Inet6 => IpAddr::V6(g.vrrp_mcast_group6),
        });
    } else if unicast && i.mcast_dst_ip.is_some() {
        d.error(
            &loc,
            format!("({name}) multicast destination specified with unicast - ignoring"),
        );
        i.mcast_dst_ip = None;
    }

    // GARP and advert behaviour: instance value, else strict's value, else the global.
    i.garp_master_delay.get_or_insert(g.vrrp_garp_master_delay);
    i.garp_master_repeat
        .get_or_insert(g.vrrp_garp_master_repeat);
    i.garp_master_refresh
        .get_or_insert(g.vrrp_garp_master_refresh);
    i.garp_master_refresh_repeat
        .get_or_insert(g.vrrp_garp_master_refresh_repeat);
    if i.garp_extra_if.is_none() {
        i.garp_extra_if = g.vrrp_garp_extra_if;
    }
    match i.garp_lower_prio_repeat {
        None => {
            i.garp_lower_prio_repeat = Some(if strict {
                0
            } else {
                g.vrrp_garp_lower_prio_repeat
                    .unwrap_or(g.vrrp_garp_master_repeat)
            })
        }
        Some(n) if strict && n != 0 => {
            d.error(
                &loc,
                format!("({name}) strict mode requires no repeat garps. resetting"),
            );
            i.garp_lower_prio_repeat = Some(0);
        }
        Some(_) => {}
    }
    match i.garp_lower_prio_delay {
        None => {
            i.garp_lower_prio_delay = Some(if strict {
                Micros(0)
            } else {
                g.vrrp_garp_lower_prio_delay
                    .unwrap_or(g.vrrp_garp_master_delay)
            })
        }
        Some(t) if strict && t.0 != 0 => {
            d.error(
                &loc,
                format!("({name}) strict mode requires no repeat garp delay. resetting"),
            );
            i.garp_lower_prio_delay = Some(Micros(0));
        }
        Some(_) => {}
    }
    match i.lower_prio_no_advert {
        None => i.lower_prio_no_advert = Some(strict || g.vrrp_lower_prio_no_advert),
        Some(false) if strict => {
            d.error(
                &loc,
                format!("({name}) strict mode requires no lower priority advert. resetting"),
            );
            i.lower_prio_no_advert = Some(true);
        }
        Some(_) => {}
    }
    match i.higher_prio_send_advert {
        None => i.higher_prio_send_advert = Some(!strict && g.vrrp_higher_prio_send_advert),
        Some(true) if strict => {
            d.error(
                &loc,
                format!(
                    "({name}) strict mode requires higher_prio_send_advert to be clear. resetting"
                ),
            );
            i.higher_prio_send_advert = Some(false);
        }
        Some(_) => {}
    }
    if i.smtp_alert.is_none() {
        i.smtp_alert = Some(g.smtp_alert_vrrp.or(g.smtp_alert).unwrap_or(false));
    }
    if i.notify_priority_changes.is_none() {
        i.notify_priority_changes = Some(
            sg.and_then(|s| s.1)
                .unwrap_or(g.vrrp_notify_priority_changes),
        );
    }
    i.skip_check_adv_addr
        .get_or_insert(g.vrrp_skip_check_adv_addr);
    i.check_unicast_src |= g.vrrp_check_unicast_src;
    i.v3_checksum_as_v2.get_or_insert(g.v3_checksum_as_v2);

    // Advert interval: whole seconds for v2 (RFC 3768 §5.3.7), centiseconds for v3
    // (RFC 5798 §5.2.7, 12 bits).
    let us = i.advert_int.0 .0;
    if version == 2 {
        if us % TIMER_HZ != 0 {
            let mut r = (us + TIMER_HZ / 2) / TIMER_HZ * TIMER_HZ;
            if r == 0 {
                r = TIMER_HZ;
            }
            d.error(
                &loc,
                format!(
                    "({name}) VRRPv2 advertisement interval {} must be an integer. rounding to {}",
                    i.advert_int,
                    Micros(r)
                ),
            );
            i.advert_int.0 = Micros(r);
        }
    } else {
        let centi = TIMER_HZ / 100;
        if us >= 4096 * centi {
            d.error(&loc, format!("({name}) VRRPv3 advertisement interval {} is out of range. Must be less than 40.96s. Setting to 40.95s", i.advert_int));
            i.advert_int.0 = Micros(4095 * centi);
        } else if us % centi != 0 {
            let mut r = (us + centi / 2) / centi * centi;
            if r == 0 {
                r = centi;
            }
            d.error(
                &loc,
                format!(
                    "({name}) VRRPv3 advertisement interval {} must be in units of 10ms - rounding",
                    i.advert_int
                ),
            );
            i.advert_int.0 = Micros(r);
        }
    }

    if let Some(ipv) = &i.use_ipvlan {
        if family == Family::Inet && ipv.addr.is_none() {
            d.error(
                &loc,
                format!("({name}) IPv4 ipvlan requires a source ip address to be configured"),
            );
        }
    }
    if i.vmac_xmit_base && i.use_vmac.is_none() {
        d.error(
            &loc,
            format!("({name}) vmac_xmit_base is only valid with a vmac"),
        );
        i.vmac_xmit_base = false;
    }
    if let Some(ifname) = &i.interface {
        if ifname == "lo" {
            d.error(
                &loc,
                format!("({name}) cannot use a loopback interface (lo) for vrrp - ignoring"),
            );
        }
        let before = i.track.interfaces.len();
        let own: Vec<Loc> = i
            .track
            .interfaces
            .iter()
            .filter(|t| &t.name == ifname)
            .map(|t| t.loc.clone())
            .collect();
        i.track.interfaces.retain(|t| &t.name != ifname);
        if i.track.interfaces.len() != before {
            for l in own {
                d.error(
                    &l,
                    format!("({name}) ignoring track_interface {ifname} since own interface"),
                );
            }
        }
    }
}

/// Resolve `track_*` references of an instance: the object must exist and be defined before
/// the instance; in a sync group (without `sync_group_tracking_weight`) or as address owner,
/// weighted trackers are dropped or unweighted, as keepalived does.
#[allow(clippy::too_many_arguments)]
fn resolve_tracking(
    i: &mut Instance,
    name: &str,
    sync_weight: Option<bool>,
    names: &super::Names,
    scripts: &[super::VrrpScript],
    files: &[super::TrackFile],
    processes: &[super::TrackProcess],
    script_used: &mut [bool],
    d: &mut Diagnostics,
) {
    let seq = i.seq;
    resolve_refs(name, seq, &mut i.track.scripts, TrackKind::Script, names, d);
    resolve_refs(name, seq, &mut i.track.files, TrackKind::File, names, d);
    resolve_refs(
        name,
        seq,
        &mut i.track.processes,
        TrackKind::Process,
        names,
        d,
    );
    resolve_refs(name, seq, &mut i.track.bfds, TrackKind::Bfd, names, d);
    for t in &mut i.track.scripts {
        if let Some(&(k, _)) = names.scripts.get(&t.name) {
            t.weight.get_or_insert(scripts[k].weight);
            t.reverse.get_or_insert(scripts[k].reverse);
        }
    }
    for t in &mut i.track.files {
        if let Some(&(k, _)) = names.files.get(&t.name) {
            t.weight.get_or_insert(files[k].weight);
            t.reverse.get_or_insert(files[k].reverse);
        }
    }
    for t in &mut i.track.processes {
        if let Some(&(k, _)) = names.processes.get(&t.name) {
            t.weight.get_or_insert(processes[k].weight);
            t.reverse.get_or_insert(processes[k].reverse);
        }
    }
    for t in &mut i.track.bfds {
        if let Some(&(_, w)) = names.bfds.get(&t.name) {
            t.weight.get_or_insert(w);
        }
    }
    for t in &mut i.track.interfaces {
        t.weight.get_or_insert(0);
        t.reverse.get_or_insert(false);
    }
    let in_sync = sync_weight == Some(false);
    let owner = i.priority == Some(PRIO_OWNER);
    if in_sync || owner {
        let why = if in_sync {
            "SYNC group"
        } else {
            "address owner"
        };
        i.track.interfaces.retain_mut(|t| {
            if t.weight.unwrap_or(0) != 0 {
                d.error(
                    &t.loc,
                    format!(
                        "({name}) ignoring {} tracked interface {}due to {why}",
                        t.name,
                        if in_sync { "weight " } else { "" }
                    ),
                );
                if in_sync {
                    t.weight = Some(0);
                    return true;
                }
                return false;
            }
            true
        });
        i.track.scripts.retain(|t| {
            let keep = t.weight.unwrap_or(0) == 0;
            if !keep {
                d.error(
                    &t.loc,
                    format!(
                        "({name}) ignoring tracked script {} with weights due to {why}",
                        t.name
                    ),
                );
            }
            keep
        });
        i.track.files.retain_mut(|t| match t.weight.unwrap_or(0) {
            0 => true,
            1 => {
                d.error_hint(
                    &t.loc,
                    format!(
                        "({name}) ignoring weight from tracked file {} due to {why}",
                        t.name
                    ),
                    "specify weight 0",
                );
                t.weight = Some(0);
                true
            }
            w => {
                d.error(
                    &t.loc,
                    format!(
                        "({name}) ignoring tracked file {} with weight {w} due to {why}",
                        t.name
                    ),
                );
                false
            }
        });
        i.track.bfds.retain(|t| {
            let keep = t.weight.unwrap_or(0) == 0;
            if !keep {
                d.error(
                    &t.loc,
                    format!(
                        "({name}) ignoring tracked bfd {} with weight {} due to {why}",
                        t.name,
                        t.weight.unwrap_or(0)
                    ),
                );
            }
            keep
        });
    }
    for t in &i.track.scripts {
        if let Some(&(k, _)) = names.scripts.get(&t.name) {
            script_used[k] = true;
        }
    }
}

/// Drop references to objects that do not exist (or are defined later), with keepalived's
/// "not found, ignoring" error.
fn resolve_refs(
    owner: &str,
    seq: usize,
    refs: &mut Vec<TrackRef>,
    kind: TrackKind,
    names: &super::Names,
    d: &mut Diagnostics,
) {
    refs.retain(|t| {
        let def = match kind {
            TrackKind::Script => names.scripts.get(&t.name).map(|x| x.1),
            TrackKind::File => names.files.get(&t.name).map(|x| x.1),
            TrackKind::Process => names.processes.get(&t.name).map(|x| x.1),
            TrackKind::Bfd => names.bfds.get(&t.name).map(|x| x.0),
            TrackKind::Interface => return true,
        };
        let what = match kind {
            TrackKind::Script => "track script",
            TrackKind::File => "track file",
            TrackKind::Process => "track process",
            TrackKind::Bfd => "track bfd",
            TrackKind::Interface => "track interface",
        };
        match def {
            Some(s) if s < seq => true,
            Some(_) => {
                d.error_hint(
                    &t.loc,
                    format!("({owner}) {what} {} not found, ignoring...", t.name),
                    "it is defined later in the file; keepalived needs it defined before use",
                );
                false
            }
            None => {
                d.error(
                    &t.loc,
                    format!("({owner}) {what} {} not found, ignoring...", t.name),
                );
                false
            }
        }
    });
}

/// Sync groups' own trackers: references resolved, and weights cleared if a member is the
/// address owner (`sync_group_tracking_init`).
fn sync_group_tracking(v: &mut VrrpConfig, script_used: &mut [bool], d: &mut Diagnostics) {
    for g in &mut v.sync_groups {
        let name = g.name.clone();
        let seq = g.seq;
        // An interface a member already tracks (its own, unless dont_track_primary, or in its
        // track_interface) must not also be tracked by the group (`add_vrrp_to_interface`).
        // Other trackers named on both only make keepalived log.
        for m in &g.members {
            let Some(&k) = v.names.instances.get(&m.name) else {
                continue;
            };
            let inst = &v.instances[k];
            if inst.sync_group.as_deref() != Some(name.as_str()) {
                continue;
            }
            for t in &g.track.interfaces {
                let own =
                    !inst.dont_track_primary && inst.interface.as_deref() == Some(t.name.as_str());
                if own || inst.track.interfaces.iter().any(|x| x.name == t.name) {
                    d.error_hint(
                        &t.loc,
                        format!(
                            "({}) track_interface {} is configured on VRRP instance and sync group",
                            inst.name, t.name
                        ),
                        "remove it from the vrrp instance or the sync group",
                    );
                }
            }
            for (kind, refs, mine) in [
                ("track_script", &g.track.scripts, &inst.track.scripts),
                ("track_file", &g.track.files, &inst.track.files),
                ("track_process", &g.track.processes, &inst.track.processes),
                ("track_bfd", &g.track.bfds, &inst.track.bfds),
            ] {
                for t in refs {
                    if mine.iter().any(|x| x.name == t.name) {
                        d.warning(
                            &t.loc,
                            format!(
                                "({}) {kind} {} is configured on VRRP instance and sync group",
                                inst.name, t.name
                            ),
                        );
                    }
                }
            }
        }
        resolve_refs(
            &name,
            seq,
            &mut g.track.scripts,
            TrackKind::Script,
            &v.names,
            d,
        );
        resolve_refs(&name, seq, &mut g.track.files, TrackKind::File, &v.names, d);
        resolve_refs(
            &name,
            seq,
            &mut g.track.processes,
            TrackKind::Process,
            &v.names,
            d,
        );
        resolve_refs(&name, seq, &mut g.track.bfds, TrackKind::Bfd, &v.names, d);
        let has_owner =
            g.members
                .iter()
                .any(|crate::model::vrrp::track::NameRef { name: m, .. }| {
                    v.names.instances.get(m).is_some_and(|&k| {
                        v.instances[k].sync_group.as_deref() == Some(name.as_str())
                            && v.instances[k].priority == Some(PRIO_OWNER)
                    })
                });
        for t in &mut g.track.scripts {
            if let Some(&(k, _)) = v.names.scripts.get(&t.name) {
                script_used[k] = true;
                t.weight.get_or_insert(v.scripts[k].weight);
            }
        }
        for t in &mut g.track.files {
            if let Some(&(k, _)) = v.names.files.get(&t.name) {
                t.weight.get_or_insert(v.track_files[k].weight);
            }
        }
        for t in &mut g.track.processes {
            if let Some(&(k, _)) = v.names.processes.get(&t.name) {
                t.weight.get_or_insert(v.track_processes[k].weight);
            }
        }
        if has_owner {
            for (kind, list) in [
                ("script", &mut g.track.scripts),
                ("file", &mut g.track.files),
                ("process", &mut g.track.processes),
                ("bfd", &mut g.track.bfds),
            ] {
                for t in list.iter_mut() {
                    if t.weight.unwrap_or(0) != 0 {
                        d.error(
                            &t.loc,
                            format!("({name}) cannot have weighted track {kind} '{}' with member having priority 255 - clearing weight", t.name),
                        );
                        t.weight = Some(0);
                    }
                }
            }
        }
    }
}

/// The local address an instance sends from, as far as the configuration tells.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Local {
    Configured(IpAddr),
    /// The interface's primary address (unknown here, but the same for the same interface).
    Primary,
}

/// `check_vrid_conflicts`: no two instances may share a VRID on the same interface, family and
/// multicast group; unicast instances conflict only when their local address matches and
/// they share a peer.
/// Unicast instances with the same VRID, family, interface and local address may not share a
/// peer (keepalived's `check_vrid_conflicts()`, unicast half: it needs nothing from the host).
fn check_unicast_vrid_conflicts(instances: &[Instance], d: &mut Diagnostics) {
    type UniKey<'a> = (Family, u8, Option<&'a str>, Local);
    let mut uni: FxMap<UniKey<'_>, FxMap<IpAddr, usize>> = FxMap::default();
    let mut reported: HashSet<(usize, usize)> = HashSet::new();
    for (k, i) in instances.iter().enumerate() {
        let (Some(vrid), Some(family)) = (i.virtual_router_id, i.family) else {
            continue;
        };
        if !i.is_unicast() {
            continue;
        }
        let local = i.src_ip.map_or(Local::Primary, Local::Configured);
        let peers = uni
            .entry((family, vrid, i.interface.as_deref(), local))
            .or_default();
        for p in &i.unicast_peers {
            if let Some(&other) = peers.get(&p.addr) {
                if reported.insert((other, k)) {
                    d.error(
                        &i.loc,
                        format!(
                            "({}) duplicate VRID conflict with {} VRID {vrid}",
                            instances[other].name, i.name
                        ),
                    );
                }
            } else {
                peers.insert(p.addr, k);
            }
        }
    }
}

/// Multicast instances may not share VRID, family, interface and group. keepalived compares
/// interface indexes, so it reports a conflict only on an interface that exists now (with
/// `dynamic_interfaces` one that does not yet exist is not an error): `exists` answers that.
fn check_mcast_vrid_conflicts(
    instances: &[Instance],
    g: &GlobalDefs,
    exists: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    type McastKey<'a> = (Family, u8, &'a str, IpAddr);
    let mut mcast: FxMap<McastKey<'_>, usize> =
        FxMap::with_capacity_and_hasher(instances.len(), Default::default());
    for (k, i) in instances.iter().enumerate() {
        let (Some(vrid), Some(family)) = (i.virtual_router_id, i.family) else {
            continue;
        };
        if i.is_unicast() {
            continue;
        }
        let Some(ifname) = i.interface.as_deref() else {
            continue;
        };
        let group = i.mcast_dst_ip.unwrap_or(match family {
            Family::Inet => IpAddr::V4(g.vrrp_mcast_group4),
            Family::Inet6 => IpAddr::V6(g.vrrp_mcast_group6),
        });
        if !exists(ifname) {
            continue;
        }
        match mcast.get(&(family, vrid, ifname, group)) {
            Some(&other) => d.error_hint(
                &i.loc,
                format!(
                    "{} and {} both use VRID {vrid} with IPv{} on interface {ifname}",
                    instances[other].name,
                    i.name,
                    if family == Family::Inet { 4 } else { 6 }
                ),
                "use another virtual_router_id, or a different mcast_dst_ip",
            ),
            None => {
                mcast.insert((family, vrid, ifname, group), k);
            }
        }
    }
}

/// Check every interface the VRRP side names against the system, as keepalived does when it
/// reads the file (without `dynamic_interfaces`, a missing interface is an error; with it, none
/// is). `exists` answers whether an interface of that name exists now; the daemon passes a
/// netlink lookup, `-t` on a test host passes what it sees, tests pass a fake.
pub fn check_interfaces(
    v: &VrrpConfig,
    g: &GlobalDefs,
    exists: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) {
    check_mcast_vrid_conflicts(&v.instances, g, exists, d);
    if g.dynamic_interfaces {
        return;
    }
    let missing = |name: &str, loc: &Loc, what: &str, d: &mut Diagnostics| {
        if !exists(name) {
            d.error_hint(
                loc,
                format!("interface {name} for {what} doesn't exist"),
                "create it first, or set dynamic_interfaces in global_defs",
            );
        }
    };
    for i in &v.instances {
        if let Some(ifname) = &i.interface {
            let loc = i.interface_loc.as_ref().unwrap_or(&i.loc);
            missing(ifname, loc, &format!("vrrp_instance {}", i.name), d);
        }
        for t in &i.track.interfaces {
            missing(
                &t.name,
                &t.loc,
                &format!("track_interface of {}", i.name),
                d,
            );
        }
        for a in i
            .virtual_ipaddress
            .iter()
            .chain(&i.virtual_ipaddress_excluded)
        {
            if let Some(dev) = &a.dev {
                missing(dev, &a.loc, &format!("ip address {}", a.addr), d);
            }
        }
        for r in &i.virtual_routes {
            if let Some(dev) = &r.dev {
                missing(dev, &r.loc, "route", d);
            }
        }
    }
    for g in &v.sync_groups {
        for t in &g.track.interfaces {
            missing(
                &t.name,
                &t.loc,
                &format!("track_interface of sync group {}", g.name),
                d,
            );
        }
    }
    for a in &v.static_ipaddress {
        let dev = a
            .dev
            .as_deref()
            .or(g.default_interface.as_deref())
            .unwrap_or("eth0");
        missing(dev, &a.loc, &format!("static address {}", a.addr), d);
    }
    for r in &v.static_routes {
        if let Some(dev) = &r.dev {
            missing(dev, &r.loc, "static route", d);
        }
    }
    for l in &v.linkbeat_interfaces {
        missing(&l.interface, &l.loc, "linkbeat interface", d);
    }
    for u in &v.interface_up_down_delays {
        missing(&u.interface, &u.loc, "up/down delay", d);
    }
    for gg in &v.garp_groups {
        for ifname in &gg.interfaces {
            missing(ifname, &gg.loc, "garp_group", d);
        }
    }
}
