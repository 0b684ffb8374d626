//! VRRP blocks (keepalived.conf(5) "VRRPD CONFIGURATION" and the static address/route/rule
//! blocks), parsed in file order and checked by [`finish`] as keepalived's
//! `vrrp_complete_init` does once the whole file was read.
//!
//! keepalived resolves `track_script`, `track_file`, `track_process`, `track_bfd` and
//! `track_group` references while parsing, so an object must be defined *before* the block
//! that names it; every block therefore remembers its position (`seq`) and [`finish`]
//! compares positions.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::global::GlobalDefs;
use crate::diag::{Diagnostics, Severity};
use crate::model::values::{need_arg, need_block, parse_decimal, Micros, TIMER_HZ_DIGITS};
use crate::token::Loc;
use crate::tree::Node;

pub mod address;
pub mod instance;
pub mod track;
mod validate;

pub use address::{Family, IpAddress, Route, Rule};
pub use instance::{AdvertInt, InitialState, Instance};
pub use track::{TrackFile, TrackGroup, TrackProcess, TrackRef, Tracking, VrrpScript};
pub use validate::check_interfaces;

/// `vrrp_sync_group NAME { ... }`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SyncGroup {
    /// Where it is defined.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// Its name.
    pub name: String,
    /// Position among the top-level blocks.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub seq: usize,
    /// `group { ... }`: member instance names, in order, with where each is named.
    pub members: Vec<track::NameRef>,
    /// `track_*` blocks applying to every member.
    pub track: Tracking,
    /// `notify*` scripts.
    pub notify: instance::Notify,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `sync_group_tracking_weight` (or the deprecated `global_tracking`).
    pub sync_group_tracking_weight: bool,
    /// `notify_priority_changes`.
    pub notify_priority_changes: Option<bool>,
}

const SYNC_GROUP_KEYWORDS: &[&str] = &[
    "group",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "notify_backup",
    "notify_master",
    "notify_fault",
    "notify_stop",
    "notify_deleted",
    "notify",
    "smtp_alert",
    "global_tracking",
    "sync_group_tracking_weight",
    "notify_priority_changes",
];

/// `garp_group { ... }`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GarpGroup {
    /// Where it is defined.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// `garp_interval`.
    pub garp_interval: Option<Micros>,
    /// `gna_interval`.
    pub gna_interval: Option<Micros>,
    /// `interface` and/or `interfaces { ... }`.
    pub interfaces: Vec<String>,
}

/// Everything VRRP in a configuration.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VrrpConfig {
    /// `vrrp_instance` blocks, in file order.
    pub instances: Vec<Instance>,
    /// `vrrp_sync_group` blocks.
    pub sync_groups: Vec<SyncGroup>,
    /// `vrrp_script` blocks (keepalived drops unused ones in `finish`, with an error).
    pub scripts: Vec<VrrpScript>,
    /// `track_file` blocks (shared with real servers' `track_file`).
    pub track_files: Vec<TrackFile>,
    /// `vrrp_track_process` blocks.
    pub track_processes: Vec<TrackProcess>,
    /// `track_group` blocks.
    pub track_groups: Vec<TrackGroup>,
    /// `garp_group` blocks.
    pub garp_groups: Vec<GarpGroup>,
    /// `static_ipaddress`.
    pub static_ipaddress: Vec<IpAddress>,
    /// `static_routes`.
    pub static_routes: Vec<Route>,
    /// `static_rules`.
    pub static_rules: Vec<Rule>,
    /// `linkbeat_interfaces`.
    pub linkbeat_interfaces: Vec<track::LinkbeatInterface>,
    /// `interface_up_down_delays`.
    pub interface_up_down_delays: Vec<track::UpDownDelay>,
    /// Name → index and position of each named object, for O(1) duplicate and reference
    /// checks.
    #[cfg_attr(feature = "serde", serde(skip))]
    names: Names,
    /// Position counter over the top-level nodes this module saw.
    #[cfg_attr(feature = "serde", serde(skip))]
    seq: usize,
}

/// A fast non-cryptographic hasher (the Fx multiply-rotate scheme) for the name maps: the keys
/// come from the operator's own file, so SipHash's flooding resistance buys nothing and costs a
/// noticeable share of parsing 65,024 instances.
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Where each named object is: index into its vector and its `seq`.
#[derive(Clone, Debug, Default)]
struct Names {
    instances: FxMap<String, usize>,
    sync_groups: FxMap<String, usize>,
    scripts: FxMap<String, (usize, usize)>,
    files: FxMap<String, (usize, usize)>,
    processes: FxMap<String, (usize, usize)>,
    track_groups: FxMap<String, (usize, usize)>,
    /// `bfd_instance` blocks are parsed by [`crate::model::bfd`]; their names, positions and
    /// default weights are noted here on the way past so `track_bfd` can be checked.
    bfds: FxMap<String, (usize, i32)>,
    /// `seq` of each static block that names a track group, with the names used.
    static_track_group_refs: Vec<(usize, String, Loc)>,
}

/// Every keyword at the top level this module handles.
pub const VRRP_TOP_KEYWORDS: &[&str] = &[
    "track_group",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "vrrp_sync_group",
    "garp_group",
    "linkbeat_interfaces",
    "vrrp_instance",
    "vrrp_script",
    "vrrp_track_process",
    "track_file",
    "vrrp_track_file",
    "interface_up_down_delays",
];

/// Parse `node` if it is a VRRP top-level block; false if it is not ours.
pub fn parse_top(node: &Node, v: &mut VrrpConfig, d: &mut Diagnostics) -> bool {
    v.seq += 1;
    let seq = v.seq;
    match node.name() {
        "vrrp_instance" => {
            if let Some(i) = instance::parse_instance(node, seq, d) {
                if v.names.instances.contains_key(&i.name) {
                    d.error(
                        &node.args[0].loc,
                        format!("vrrp instance {} already defined", i.name),
                    );
                } else {
                    v.names.instances.insert(i.name.clone(), v.instances.len());
                    v.instances.push(i);
                }
            }
        }
        "vrrp_sync_group" => {
            if let Some(g) = parse_sync_group(node, seq, d) {
                if v.names.sync_groups.contains_key(&g.name) {
                    d.error(
                        &node.args[0].loc,
                        format!("vrrp sync group {} already defined", g.name),
                    );
                } else {
                    v.names
                        .sync_groups
                        .insert(g.name.clone(), v.sync_groups.len());
                    v.sync_groups.push(g);
                }
            }
        }
        "vrrp_script" => {
            if let Some(s) = track::parse_vrrp_script(node, d) {
                if v.names.scripts.contains_key(&s.name) {
                    // keepalived accepts it and looks names up first-defined-first.
                    d.warning(
                        &node.args[0].loc,
                        format!(
                            "vrrp script {} already defined - the first definition is used",
                            s.name
                        ),
                    );
                } else {
                    v.names
                        .scripts
                        .insert(s.name.clone(), (v.scripts.len(), seq));
                    v.scripts.push(s);
                }
            }
        }
        "track_file" | "vrrp_track_file" => {
            if let Some(f) = track::parse_track_file(node, d) {
                if v.names.files.contains_key(&f.name) {
                    d.warning(
                        &node.args[0].loc,
                        format!(
                            "track file {} already defined - the first definition is used",
                            f.name
                        ),
                    );
                } else {
                    v.names
                        .files
                        .insert(f.name.clone(), (v.track_files.len(), seq));
                    v.track_files.push(f);
                }
            }
        }
        "vrrp_track_process" => {
            if let Some(p) = track::parse_track_process(node, d) {
                if v.names.processes.contains_key(&p.name) {
                    d.warning(
                        &node.args[0].loc,
                        format!(
                            "track process {} already defined - the first definition is used",
                            p.name
                        ),
                    );
                } else {
                    v.names
                        .processes
                        .insert(p.name.clone(), (v.track_processes.len(), seq));
                    v.track_processes.push(p);
                }
            }
        }
        "track_group" => {
            if let Some(g) = track::parse_track_group(node, d) {
                if v.names.track_groups.contains_key(&g.name) {
                    d.error(
                        &node.args[0].loc,
                        format!("track_group {} already defined", g.name),
                    );
                } else {
                    v.names
                        .track_groups
                        .insert(g.name.clone(), (v.track_groups.len(), seq));
                    v.track_groups.push(g);
                }
            }
        }
        "garp_group" => {
            if let Some(g) = parse_garp_group(node, d) {
                v.garp_groups.push(g);
            }
        }
        "static_ipaddress" => {
            for line in value_block(node, d) {
                if let Some(a) = address::parse_address(line, true, d) {
                    if let Some(tg) = &a.track_group {
                        v.names
                            .static_track_group_refs
                            .push((seq, tg.clone(), a.loc.clone()));
                    }
                    v.static_ipaddress.push(a);
                }
            }
        }
        "static_routes" => {
            for line in value_block(node, d) {
                if let Some(r) = address::parse_route(line, true, d) {
                    if let Some(tg) = &r.track_group {
                        v.names
                            .static_track_group_refs
                            .push((seq, tg.clone(), r.loc.clone()));
                    }
                    v.static_routes.push(r);
                }
            }
        }
        "static_rules" => {
            for line in value_block(node, d) {
                if let Some(r) = address::parse_rule(line, true, d) {
                    if let Some(tg) = &r.track_group {
                        v.names
                            .static_track_group_refs
                            .push((seq, tg.clone(), r.loc.clone()));
                    }
                    v.static_rules.push(r);
                }
            }
        }
        "linkbeat_interfaces" => track::parse_linkbeat(node, &mut v.linkbeat_interfaces, d),
        "interface_up_down_delays" => {
            track::parse_up_down_delays(node, &mut v.interface_up_down_delays, d)
        }
        "bfd_instance" => {
            // Owned by `model::bfd`; only noted here (see `Names::bfds`).
            if let Some(name) = node.arg(0) {
                let weight = node
                    .children()
                    .iter()
                    .find(|c| c.name() == "weight")
                    .and_then(|c| c.arg(0))
                    .and_then(|w| w.parse::<i32>().ok())
                    .unwrap_or(0);
                v.names
                    .bfds
                    .entry(name.to_string())
                    .or_insert((seq, weight));
            }
            return false;
        }
        _ => return false,
    }
    true
}

fn parse_sync_group(node: &Node, seq: usize, d: &mut Diagnostics) -> Option<SyncGroup> {
    let name = track::block_name(node, d)?;
    let mut g = SyncGroup {
        loc: node.keyword.loc.clone(),
        name: name.clone(),
        seq,
        members: Vec::new(),
        track: Tracking::default(),
        notify: instance::Notify::default(),
        smtp_alert: None,
        sync_group_tracking_weight: false,
        notify_priority_changes: None,
    };
    let mut have_group = false;
    for c in node.children() {
        // A sync group has no notify_master_rx_lower_pri (it is per instance).
        if g.track.parse(c, &name, d)
            || (c.name() != "notify_master_rx_lower_pri" && g.notify.parse(c, &name, d))
        {
            continue;
        }
        match c.name() {
            "group" => {
                if have_group {
                    d.error(&c.keyword.loc, format!("group list already specified for sync group {name}"));
                    continue;
                }
                have_group = true;
                let items = value_block(c, d);
                if items.is_empty() && c.block.is_some() {
                    d.error(&c.keyword.loc, format!("sync group {name} has empty group block"));
                }
                for m in items {
                    g.members.push(track::NameRef { name: m.keyword.text.clone(), loc: m.keyword.loc.clone() });
                    for a in &m.args {
                        g.members.push(track::NameRef { name: a.text.clone(), loc: a.loc.clone() });
                    }
                }
            }
            "smtp_alert" => match c.arg(0) {
                None => g.smtp_alert = Some(true),
                Some(s) => match crate::model::values::true_false(s) {
                    Some(b) => g.smtp_alert = Some(b),
                    None => d.error(&c.args[0].loc, format!("invalid vrrp_group smtp_alert parameter {s}")),
                },
            },
            "global_tracking" => {
                d.error_hint(
                    &c.keyword.loc,
                    format!("({name}) global_tracking is deprecated"),
                    "use track_interface/script/file on the sync group, or sync_group_tracking_weight",
                );
                g.sync_group_tracking_weight = true;
            }
            "sync_group_tracking_weight" => g.sync_group_tracking_weight = true,
            "notify_priority_changes" => match c.arg(0) {
                None => g.notify_priority_changes = Some(true),
                Some(s) => match crate::model::values::true_false(s) {
                    Some(b) => g.notify_priority_changes = Some(b),
                    None => d.error(
                        &c.args[0].loc,
                        format!("({name}) invalid value '{s}' for sync group notify_priority_changes specified"),
                    ),
                },
            },
            _ => d.unknown_keyword(Severity::Error, &c.keyword, "vrrp_sync_group", SYNC_GROUP_KEYWORDS),
        }
    }
    Some(g)
}

fn parse_garp_group(node: &Node, d: &mut Diagnostics) -> Option<GarpGroup> {
    let mut g = GarpGroup {
        loc: node.keyword.loc.clone(),
        garp_interval: None,
        gna_interval: None,
        interfaces: Vec::new(),
    };
    let mut have_interface = false;
    for c in node.children() {
        match c.name() {
            "garp_interval" | "gna_interval" => {
                let Some(t) = need_arg(c, 0, d) else { continue };
                if let Some(us) = parse_decimal(t, 0, i32::MAX as u64, TIMER_HZ_DIGITS, d) {
                    if us >= 1_000_000 {
                        d.warning(
                            &t.loc,
                            format!("the {} is very large - {} seconds", c.name(), t.text),
                        );
                    }
                    if c.name() == "garp_interval" {
                        g.garp_interval = Some(Micros(us));
                    } else {
                        g.gna_interval = Some(Micros(us));
                    }
                }
            }
            "interface" => {
                let Some(t) = need_arg(c, 0, d) else { continue };
                if have_interface || !g.interfaces.is_empty() {
                    d.error(
                        &t.loc,
                        "only one of interface or interfaces should be used in a garp_group",
                    );
                }
                have_interface = true;
                g.interfaces.push(t.text.clone());
            }
            "interfaces" => {
                let items = value_block(c, d);
                if items.is_empty() && c.block.is_some() {
                    d.error(&c.keyword.loc, "empty garp_group interfaces block");
                }
                for i in items {
                    g.interfaces.push(i.keyword.text.clone());
                    g.interfaces.extend(i.args.iter().map(|t| t.text.clone()));
                }
            }
            _ => d.unknown_keyword(
                Severity::Error,
                &c.keyword,
                "garp_group",
                &["garp_interval", "gna_interval", "interface", "interfaces"],
            ),
        }
    }
    if g.garp_interval.is_none() && g.gna_interval.is_none() {
        d.error(&g.loc, "garp group does not have any delay set - removing");
        return None;
    }
    Some(g)
}

/// The lines of a value block (`virtual_ipaddress { ... }`, `group { ... }`): keepalived
/// rejects words after the keyword ("Block X has extra parameters") and a missing `{`.
pub(crate) fn value_block<'a>(node: &'a Node, d: &mut Diagnostics) -> &'a [Node] {
    if let Some(t) = node.args.first() {
        d.error(
            &t.loc,
            format!("block {} has extra parameters {} ...", node.name(), t.text),
        );
    }
    need_block(node, d).unwrap_or(&[])
}

/// Resolve defaults inherited from `global_defs` and check cross-references, in time linear in
/// the size of the configuration.
pub fn finish(v: &mut VrrpConfig, g: &GlobalDefs, d: &mut Diagnostics) {
    validate::finish(v, g, d);
}
