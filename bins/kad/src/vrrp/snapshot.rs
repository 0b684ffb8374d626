//! The running state as the SIGUSR1 / SIGUSR2 / JSON dumps show it: the views of
//! [`super::dump`] filled from the router (keepalived's `vrrp_print_data`,
//! `vrrp_print_stats`, `vrrp_print_json`).

use std::time::{Instant, SystemTime};

use keepalive_confparse::model::Config;
use keepalive_vrrp::State;

use super::dump::ScriptView;
use super::dump::{
    self, DumpData, GlobalView, InstanceView, InterfaceView, MasterView, Paths, SyncGroupView,
};
use super::router::Router;
use super::script_track::ScriptTrackers;

/// Which dump a signal asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SIGUSR1: `keepalived.data`.
    Data,
    /// SIGUSR2: `keepalived.stats`.
    Stats,
    /// `--signum=JSON`: `keepalived.json`.
    Json,
}

pub(crate) fn instance_views(router: &Router, config: &Config) -> Vec<InstanceView> {
    let (_, fds) = router.socket_views();
    let now = Instant::now();
    let wall = SystemTime::now();
    router
        .instances()
        .filter_map(|(plan, inst, since)| {
            let conf = config
                .vrrp
                .instances
                .iter()
                .find(|i| i.name == plan.config.name)?;
            let mut v = InstanceView::from_config(conf, config);
            v.state = inst.state();
            v.wantstate = v.state;
            v.stats = inst.stats().clone();
            v.master = inst.master().map(|m| MasterView {
                addr: m.addr,
                priority: m.priority.0,
            });
            v.effective_priority = inst.priority().0;
            v.last_transition = since;
            v.read_timeout = inst
                .poll_timeout()
                .map(|t| wall + t.saturating_duration_since(now));
            v.master_down_timer = inst.master_down_interval();
            v.src_ip = Some(plan.config.primary_addr);
            v.sockets = fds.get(&plan.config.name).copied();
            v.vipset = inst.vips_installed();
            if v.vipset {
                let dev = plan.vrrp_interface();
                v.vips = plan
                    .addresses
                    .iter()
                    .take(plan.config.vips.len())
                    .map(|a| dump::format_address(a, dev, true))
                    .collect();
                v.evips = plan
                    .addresses
                    .iter()
                    .skip(plan.config.vips.len())
                    .map(|a| dump::format_address(a, dev, true))
                    .collect();
            }
            Some(v)
        })
        .collect()
}

pub(crate) fn group_views(router: &Router, config: &Config) -> Vec<SyncGroupView> {
    router
        .groups()
        .filter_map(|(name, state, members)| {
            let sg = config.vrrp.sync_groups.iter().find(|g| g.name == name)?;
            let mut v = SyncGroupView::from_config(sg, config);
            v.state = Some(state);
            v.members = members.iter().map(|m| (*m).to_owned()).collect();
            v.tracking_weight = sg.sync_group_tracking_weight;
            let states: Vec<State> = router
                .instances()
                .filter(|(p, _, _)| members.contains(&p.config.name.as_str()))
                .map(|(_, i, _)| i.state())
                .collect();
            v.num_member_fault = states.iter().filter(|s| **s == State::Fault).count() as u32;
            v.num_member_init = states.iter().filter(|s| **s == State::Init).count() as u32;
            Some(v)
        })
        .collect()
}

fn interface_views(router: &Router) -> Vec<InterfaceView> {
    router
        .reflector
        .table()
        .links()
        .map(|l| {
            let mac = <[u8; 6]>::try_from(l.mac.as_slice()).ok();
            InterfaceView {
                name: l.name.clone(),
                index: l.index,
                ipv4: l.addresses.iter().find_map(|a| match a.addr {
                    std::net::IpAddr::V4(v4) => Some(v4),
                    _ => None,
                }),
                ipv6: l.addresses.iter().find_map(|a| match a.addr {
                    std::net::IpAddr::V6(v6) => Some(v6),
                    _ => None,
                }),
                mac,
                mac_broadcast: mac.map(|_| [0xff; 6]),
                up: l.flags & 0x1 != 0,
                running: l.flags & 0x40 != 0,
                loopback: l.flags & 0x8 != 0,
                broadcast: l.flags & 0x2 != 0,
                multicast: l.flags & 0x1000 != 0,
                mtu: l.mtu,
                hw_type: if l.flags & 0x8 != 0 {
                    "LOOPBACK".into()
                } else {
                    "ETHERNET".into()
                },
                tracking: Vec::new(),
            }
        })
        .collect()
}

pub(crate) fn script_views(scripts: &ScriptTrackers, config: &Config) -> Vec<ScriptView> {
    config
        .vrrp
        .scripts
        .iter()
        .map(|s| {
            let mut v = ScriptView::from_config(s, config);
            let disabled = scripts.disabled().contains(&s.name);
            v.insecure = disabled;
            if let Some((result, running, initial)) = scripts.status(&s.name) {
                v.result = result as i32;
                v.run_state = if running { "running" } else { "idle" };
                // keepalived prints its init_state enum: INIT[/FAILED] until the first
                // result, then "unknown" (SCRIPT_INIT_STATE_DONE has no name).
                v.init_state = match (initial, s.init_fail) {
                    (true, false) => "INIT",
                    (true, true) => "INIT/FAILED",
                    (false, _) => "unknown",
                };
            }
            v
        })
        .collect()
}

/// Writes the dump `kind` asked for, where keepalived writes it.
pub fn write(
    kind: Kind,
    router: &Router,
    config: &Config,
    scripts: &ScriptTrackers,
    bfd_up: &std::collections::BTreeMap<String, bool>,
    files: Option<&crate::track_file::FileTracker>,
) {
    // keepalived's wording, logged as it starts writing (print_vrrp_data/stats/json).
    let what = match kind {
        Kind::Data => "data",
        Kind::Stats => "stats",
        Kind::Json => "as json",
    };
    log_info!(
        "Printing VRRP {what} for process({}) on signal",
        std::process::id()
    );
    let paths = Paths::for_config(config);
    let instances = instance_views(router, config);
    let (path, text) = match kind {
        Kind::Data => {
            let groups = group_views(router, config);
            let interfaces = interface_views(router);
            let umask = 0o177;
            let mut text = dump::data_text(&DumpData {
                global: GlobalView {
                    config,
                    umask,
                    script_security: config.global.enable_script_security,
                },
                static_addresses: &[],
                static_routes: &[],
                static_rules: &[],
                instances: &instances,
                sockets: &router.socket_views().0,
                groups: &groups,
                scripts: &script_views(scripts, config),
                interfaces: &interfaces,
            });
            // keepalived's order: scripts, track files, track BFDs, then interfaces.
            crate::bfd::dump::insert_before_interfaces(
                &mut text,
                &crate::track_file::dump_text(config, files),
            );
            crate::bfd::dump::insert_before_interfaces(
                &mut text,
                &crate::bfd::dump::vrrp_track_text(config, bfd_up),
            );
            (paths.data, text)
        }
        Kind::Stats => (paths.stats, dump::stats_text(&instances)),
        Kind::Json => (paths.json, dump::json(&instances)),
    };
    match dump::write_atomically(&path, &text) {
        Ok(()) => {}
        Err(e) => log_err!("Cannot write {}: {e}", path.display()),
    }
}
