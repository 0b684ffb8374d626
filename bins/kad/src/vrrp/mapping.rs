//! `keepalived.conf` → what the VRRP loop runs: each `vrrp_instance` becomes a
//! `keepalive_vrrp::InstanceConfig` plus the parts only the daemon uses (interfaces,
//! address options, routes, rules, notify scripts), and every tracked object gets one
//! [`TrackerId`] shared by all instances that track it.
//!
//! Defaults follow keepalived.conf(5): instance keywords override `global_defs`'
//! `vrrp_*` settings, which override keepalived's built-in defaults.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::time::Duration;

use keepalive_confparse::model::global::GlobalDefs;
use keepalive_confparse::model::vrrp::address::{IpAddress, Route, Rule};
use keepalive_confparse::model::vrrp::instance::Instance as ConfInstance;
use keepalive_confparse::model::vrrp::track::{TrackRef, Tracking};
use keepalive_confparse::model::vrrp::VrrpConfig;
use keepalive_confparse::model::Config;
use keepalive_netlink::Table;
use keepalive_vrrp::config::InstanceConfig;
use keepalive_vrrp::from_config;
use keepalive_vrrp::sync_group::SyncGroupConfig;
use keepalive_vrrp::tracker::{TrackerConfig, TrackerId, TrackerKind, TrackerState};
use std::sync::Arc;

use super::spec::{GarpSettings, IpvlanRequest, LinkDelay, VmacRequest};

/// Where a tracker's state comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// An interface's link state (`track_interface`, or the instance's own interface).
    Interface(String),
    /// A `vrrp_script`.
    Script(String),
    /// A `track_file`.
    File(String),
    /// A `vrrp_track_process`.
    Process(String),
    /// A `bfd_instance`: its state comes from the BFD process, Down until it reports.
    Bfd(String),
    /// The address adverts are sent from: an instance faults while it is missing.
    Address(IpAddr),
}

/// One id per tracked object, so a script run once updates every instance tracking it.
#[derive(Debug, Default)]
pub struct Trackers {
    ids: HashMap<Source, TrackerId>,
    sources: Vec<Source>,
    /// Each `bfd_instance`'s own `weight` and `reverse`, the default of a `track_bfd` line.
    bfd_defaults: HashMap<String, (i32, bool)>,
}

impl Trackers {
    /// The id for `source`, allocated on first use.
    pub fn id(&mut self, source: Source) -> TrackerId {
        if let Some(id) = self.ids.get(&source) {
            return *id;
        }
        let id = TrackerId(self.sources.len() as u32);
        self.ids.insert(source.clone(), id);
        self.sources.push(source);
        id
    }

    /// The id of an already tracked object.
    pub fn get(&self, source: &Source) -> Option<TrackerId> {
        self.ids.get(source).copied()
    }

    /// The object tracked as `id`.
    pub fn source(&self, id: TrackerId) -> Option<&Source> {
        self.sources.get(id.0 as usize)
    }

    /// Every tracked object with its id.
    pub fn iter(&self) -> impl Iterator<Item = (TrackerId, &Source)> {
        self.sources
            .iter()
            .enumerate()
            .map(|(i, s)| (TrackerId(i as u32), s))
    }
}

/// A `use_vmac` interface to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmacPlan {
    /// Its name (`vrrp.<vrid>` unless given).
    pub name: String,
    /// `vmac_xmit_base`: adverts leave through the parent interface.
    pub xmit_base: bool,
    /// `use_ipvlan`: the interface carries the adverts (from its own address) but not the
    /// VIPs, which stay on `interface` as keepalived 2.2.7 leaves them.
    pub ipvlan: bool,
}

/// One instance as the loop runs it.
#[derive(Debug, Clone)]
pub struct InstancePlan {
    /// The protocol settings, shared with the running [`keepalive_vrrp::Instance`]: one copy
    /// per instance (issue #17).
    pub config: Arc<InstanceConfig>,
    /// `interface`.
    pub interface: String,
    /// `use_vmac`.
    pub vmac: Option<VmacPlan>,
    /// `virtual_ipaddress` then `virtual_ipaddress_excluded`, with their options.
    pub addresses: Vec<IpAddress>,
    /// `virtual_routes`.
    pub routes: Vec<Route>,
    /// `virtual_rules`.
    pub rules: Vec<Rule>,
    /// `smtp_alert` (instance, else `vrrp_smtp_alert`/`smtp_alert` from global_defs).
    pub smtp_alert: bool,
}

impl InstancePlan {
    /// The interface VIPs go on (the VMAC when there is one; never an ipvlan).
    pub fn vrrp_interface(&self) -> &str {
        match &self.vmac {
            Some(v) if !v.ipvlan => &v.name,
            _ => &self.interface,
        }
    }

    /// The interface the advert socket binds to (`vmac_xmit_base` keeps the parent).
    pub fn socket_interface(&self) -> &str {
        match &self.vmac {
            Some(v) if !v.xmit_base => &v.name,
            _ => &self.interface,
        }
    }
}

/// A `vrrp_sync_group`.
#[derive(Debug, Clone)]
pub struct GroupPlan {
    /// The protocol settings (name, group trackers).
    pub config: SyncGroupConfig,
    /// `smtp_alert`.
    pub smtp_alert: bool,
}

/// What the loop runs: single instances, or sync groups with their members.
#[derive(Debug, Clone)]
pub struct UnitPlan {
    /// The group, or `None` for a lone instance (then `members` has one entry).
    pub group: Option<GroupPlan>,
    /// The instances.
    pub members: Vec<InstancePlan>,
}

/// Why an instance cannot run.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// No `interface` and no `unicast_src_ip` to derive one from.
    #[error("({0}) no interface configured")]
    NoInterface(String),
    /// No usable source address on the interface.
    #[error("({name}) Cannot find an IP address to use for interface {interface}")]
    NoAddress {
        /// Instance name.
        name: String,
        /// Interface name.
        interface: String,
    },
    /// The protocol crate refused the settings.
    #[error("({0}) {1}")]
    Invalid(String, keepalive_vrrp::config::ConfigError),
}

/// The whole VRRP side of a configuration.
#[derive(Debug)]
pub struct Plan {
    /// Instances and groups.
    pub units: Vec<UnitPlan>,
    /// Tracked objects.
    pub trackers: Trackers,
    /// Instances that could not be mapped (logged, not run).
    pub errors: Vec<PlanError>,
}

/// `vrrp_garp_interval` / `vrrp_gna_interval`.
pub fn garp_settings(g: &GlobalDefs) -> GarpSettings {
    GarpSettings {
        garp_interval: micros(g.vrrp_garp_interval.0),
        gna_interval: micros(g.vrrp_gna_interval.0),
    }
}

/// `interface_up_down_delays`.
pub fn link_delays(v: &VrrpConfig) -> Vec<LinkDelay> {
    v.interface_up_down_delays
        .iter()
        .map(|d| LinkDelay {
            interface: d.interface.clone(),
            down: micros(d.down.0),
            up: micros(d.up.0),
        })
        .collect()
}

/// The `use_vmac` and `use_ipvlan` interfaces the instances with an `interface` ask for. An
/// instance is IPv6 here when its first `virtual_ipaddress` is.
pub fn vmacs(v: &VrrpConfig) -> Vec<VmacRequest> {
    v.instances
        .iter()
        .filter_map(|inst| {
            let parent = inst.interface.as_ref()?;
            let ipv6 = inst
                .virtual_ipaddress
                .first()
                .is_some_and(|a| a.addr.addr.is_ipv6());
            let (name, mac, ipvlan) = match (&inst.use_vmac, &inst.use_ipvlan) {
                (Some(vm), _) => (vm.ifname.clone(), vm.mac, None),
                (None, Some(ip)) => (
                    ip.ifname.clone(),
                    None,
                    Some(ipvlan_request(inst, ip, ipv6)),
                ),
                (None, None) => return None,
            };
            Some(VmacRequest {
                instance: inst.name.clone(),
                parent: parent.clone(),
                vrid: inst.virtual_router_id.unwrap_or(0),
                ipv6,
                name,
                mac,
                ipvlan,
            })
        })
        .collect()
}

fn ipvlan_request(
    inst: &ConfInstance,
    ip: &keepalive_confparse::model::vrrp::instance::Ipvlan,
    ipv6: bool,
) -> IpvlanRequest {
    let other_family = inst
        .virtual_ipaddress
        .iter()
        .chain(&inst.virtual_ipaddress_excluded)
        .any(|a| a.addr.addr.is_ipv6() != ipv6);
    IpvlanRequest {
        other_family,
        kind: ip
            .mode
            .as_deref()
            .and_then(keepalive_netlink::IpvlanType::from_keyword)
            .unwrap_or_default(),
        addr: ip.addr.as_ref().map(|p| (p.addr, p.len)),
    }
}

/// The `track_file`s some instance or sync group tracks: the VRRP process watches only these
/// (keepalived's `init_track_files` forgets a file nothing tracks).
pub fn tracked_files(v: &VrrpConfig) -> HashSet<&str> {
    v.instances
        .iter()
        .map(|i| &i.track)
        .chain(v.sync_groups.iter().map(|g| &g.track))
        .flat_map(|t| t.files.iter().map(|r| r.name.as_str()))
        .collect()
}

/// Maps the configuration; `table` gives interface addresses for the adverts' source.
/// `disabled_scripts` are `vrrp_script`s that can never run; keepalived drops them from the
/// instances and groups that track them.
pub fn plan(config: &Config, table: &Table, disabled_scripts: &[String]) -> Plan {
    let g = &config.global;
    let v = &config.vrrp;
    let mut trackers = Trackers {
        bfd_defaults: config
            .bfd
            .iter()
            .map(|b| (b.name.clone(), (b.weight, b.reverse)))
            .collect(),
        ..Trackers::default()
    };
    let mut errors = Vec::new();
    let mut by_name: HashMap<&str, InstancePlan> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for inst in &v.instances {
        match instance(inst, g, v, table, &mut trackers, disabled_scripts) {
            Ok(p) => {
                order.push(&inst.name);
                by_name.insert(&inst.name, p);
            }
            Err(e) => errors.push(e),
        }
    }
    let mut units = Vec::new();
    for sg in &v.sync_groups {
        let members: Vec<InstancePlan> = sg
            .members
            .iter()
            .filter_map(|m| by_name.remove(m.name.as_str()))
            .collect();
        if members.is_empty() {
            continue;
        }
        let mut cfg = SyncGroupConfig::new(sg.name.clone());
        cfg.trackers = tracker_configs(
            &sg.track,
            v,
            &mut trackers,
            &mut Vec::new(),
            disabled_scripts,
        );
        units.push(UnitPlan {
            group: Some(GroupPlan {
                config: cfg,
                smtp_alert: sg.smtp_alert.unwrap_or(smtp_default(g)),
            }),
            members,
        });
    }
    for name in order {
        if let Some(p) = by_name.remove(name) {
            units.push(UnitPlan {
                group: None,
                members: vec![p],
            });
        }
    }
    Plan {
        units,
        trackers,
        errors,
    }
}

fn instance(
    inst: &ConfInstance,
    g: &GlobalDefs,
    v: &VrrpConfig,
    table: &Table,
    trackers: &mut Trackers,
    disabled_scripts: &[String],
) -> Result<InstancePlan, PlanError> {
    let name = inst.name.clone();
    let interface = inst
        .interface
        .clone()
        .ok_or_else(|| PlanError::NoInterface(name.clone()))?;
    let ipv6 = from_config::is_ipv6(inst);
    let default_name =
        || keepalive_netlink::vmac::default_vmac_name("vrrp", inst.virtual_router_id.unwrap_or(0));
    let vmac = match (&inst.use_vmac, &inst.use_ipvlan) {
        (Some(vm), _) => Some(VmacPlan {
            name: vm.ifname.clone().unwrap_or_else(default_name),
            xmit_base: inst.vmac_xmit_base,
            ipvlan: false,
        }),
        (None, Some(ip)) => Some(VmacPlan {
            name: ip.ifname.clone().unwrap_or_else(default_name),
            xmit_base: false,
            ipvlan: true,
        }),
        (None, None) => None,
    };
    // keepalived: the `use_ipvlan` address is the source address unless `mcast_src_ip` says.
    let ipvlan_addr = inst
        .use_ipvlan
        .as_ref()
        .and_then(|ip| ip.addr.as_ref())
        .map(|p| p.addr);
    let primary = match inst.src_ip.or(ipvlan_addr) {
        Some(a) => a,
        None => {
            // keepalived: the interface's primary IPv4 address, or its IPv6 link-local
            // address (a VMAC gets its parent's when created).
            let on = match &vmac {
                Some(v) if !v.xmit_base && ipv6 => v.name.as_str(),
                _ => interface.as_str(),
            };
            primary_address(table, on, ipv6).ok_or_else(|| PlanError::NoAddress {
                name: name.clone(),
                interface: interface.clone(),
            })?
        }
    };
    let mut c = from_config::instance_config(inst, g, primary);

    let mut tracked_interfaces = Vec::new();
    c.trackers = tracker_configs(
        &inst.track,
        v,
        trackers,
        &mut tracked_interfaces,
        disabled_scripts,
    );
    if !inst.dont_track_primary {
        // The instance's own interface (and its VMAC) fault it when down (keepalived's
        // implicit tracking, weight 0).
        let mut own = vec![interface.clone()];
        if let Some(vm) = &vmac {
            own.push(vm.name.clone());
        }
        for ifname in own {
            let id = trackers.id(Source::Interface(ifname.clone()));
            if !c.trackers.iter().any(|t| t.id == id) {
                c.trackers
                    .push(TrackerConfig::new(id, TrackerKind::Interface, 0));
                tracked_interfaces.push(ifname);
            }
        }
    }
    if vmac.is_none() {
        let id = trackers.id(Source::Address(primary));
        c.trackers
            .push(TrackerConfig::new(id, TrackerKind::Interface, 0));
    }
    c.validate()
        .map_err(|e| PlanError::Invalid(name.clone(), e))?;

    let mut addresses = inst.virtual_ipaddress.clone();
    addresses.extend(inst.virtual_ipaddress_excluded.iter().cloned());
    Ok(InstancePlan {
        config: Arc::new(c),
        interface,
        vmac,
        addresses,
        routes: inst.virtual_routes.clone(),
        rules: inst.virtual_rules.clone(),
        smtp_alert: inst.smtp_alert.unwrap_or(smtp_default(g)),
    })
}

/// `smtp_alert_vrrp`, else `smtp_alert`, else off.
fn smtp_default(g: &GlobalDefs) -> bool {
    g.smtp_alert_vrrp.or(g.smtp_alert).unwrap_or(false)
}

/// The address keepalived advertises from: the first IPv4 address of the interface, or
/// its first IPv6 link-local address.
pub fn primary_address(table: &Table, ifname: &str, ipv6: bool) -> Option<IpAddr> {
    let link = table.link_by_name(ifname)?;
    link.addresses.iter().map(|a| a.addr).find(|a| match a {
        IpAddr::V4(_) => !ipv6,
        IpAddr::V6(v6) => ipv6 && (v6.segments()[0] & 0xffc0) == 0xfe80,
    })
}

fn micros(us: u64) -> Duration {
    Duration::from_micros(us)
}

/// The instance's (or group's) `track_*` lines as protocol trackers; a line's weight
/// defaults to the tracked object's own.
fn tracker_configs(
    track: &Tracking,
    v: &VrrpConfig,
    trackers: &mut Trackers,
    interfaces: &mut Vec<String>,
    disabled_scripts: &[String],
) -> Vec<TrackerConfig> {
    let mut out = Vec::new();
    let bfd_defaults: Vec<(i32, bool)> = track
        .bfds
        .iter()
        .map(|r| {
            let d = trackers.bfd_defaults.get(&r.name);
            d.copied().unwrap_or((0, false))
        })
        .collect();
    let mut add = |r: &TrackRef, src: Source, kind, weight: i32, reverse: bool, init| {
        let id = trackers.id(src);
        let mut t = TrackerConfig::new(id, kind, r.weight.unwrap_or(weight));
        if r.reverse.unwrap_or(reverse) {
            t = t.reversed();
        }
        if let Some(init) = init {
            t = t.starting(init);
        }
        out.push(t);
    };
    for r in &track.interfaces {
        interfaces.push(r.name.clone());
        add(
            r,
            Source::Interface(r.name.clone()),
            TrackerKind::Interface,
            0,
            false,
            None,
        );
    }
    for r in track
        .scripts
        .iter()
        .filter(|r| !disabled_scripts.contains(&r.name))
    {
        let s = v.scripts.iter().find(|s| s.name == r.name);
        let (w, rev) = s.map_or((0, false), |s| (s.weight, s.reverse));
        let init = s.filter(|s| s.init_fail).map(|_| TrackerState::Down);
        add(
            r,
            Source::Script(r.name.clone()),
            TrackerKind::Script,
            w,
            rev,
            init,
        );
    }
    for r in &track.files {
        let f = v.track_files.iter().find(|f| f.name == r.name);
        let (w, rev) = f.map_or((1, false), |f| (f.weight, f.reverse));
        add(
            r,
            Source::File(r.name.clone()),
            TrackerKind::File,
            w,
            rev,
            None,
        );
    }
    for r in &track.processes {
        let p = v.track_processes.iter().find(|p| p.name == r.name);
        let (w, rev) = p.map_or((0, false), |p| (p.weight, p.reverse));
        add(
            r,
            Source::Process(r.name.clone()),
            TrackerKind::Process,
            w,
            rev,
            None,
        );
    }
    for (r, (w, rev)) in track.bfds.iter().zip(bfd_defaults) {
        // keepalived's VRRP process counts a session down until the BFD process reports.
        add(
            r,
            Source::Bfd(r.name.clone()),
            TrackerKind::Bfd,
            w,
            rev,
            Some(TrackerState::Down),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;
    use keepalive_vrrp::auth::Auth;
    use keepalive_vrrp::packet::{AdverInt, Version};
    use keepalive_vrrp::Priority;

    /// Plans `text`; every instance names its source address so no interface is needed.
    fn plan_of(text: &str, disabled: &[String]) -> Plan {
        let loaded = load_str("t.conf", text, &Options::default());
        assert!(
            !loaded.diagnostics.has_errors(),
            "{:?}",
            loaded
                .diagnostics
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
        );
        plan(&loaded.config, &Table::default(), disabled)
    }

    fn only(p: &Plan) -> &InstancePlan {
        assert_eq!(p.units.len(), 1, "{:?}", p.errors);
        &p.units[0].members[0]
    }

    #[test]
    fn global_vrrp_settings_are_defaults_and_instances_override_them() {
        let p = plan_of(
            "global_defs {\n vrrp_version 3\n vrrp_garp_master_repeat 2\n vrrp_higher_prio_send_advert\n}\n\
             vrrp_instance A {\n interface eth0\n virtual_router_id 7\n mcast_src_ip 192.0.2.1\n\
             priority 200\n advert_int 0.5\n garp_master_repeat 9\n nopreempt\n\
             virtual_ipaddress {\n  192.0.2.100/24\n }\n}\n",
            &[],
        );
        let c = &only(&p).config;
        assert_eq!(c.version, Version::V3);
        assert_eq!(c.priority, Priority(200));
        assert_eq!(c.advert_interval, AdverInt::from_centis(50));
        assert_eq!(c.garp.master_repeat, 9);
        assert!(c.higher_prio_send_advert);
        assert!(c.nopreempt);
        assert_eq!(c.primary_addr, "192.0.2.1".parse::<IpAddr>().unwrap());
        assert_eq!(c.vips, vec!["192.0.2.100".parse::<IpAddr>().unwrap()]);
    }

    #[test]
    fn keepalived_defaults_without_global_defs() {
        let p = plan_of(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 7\n mcast_src_ip 192.0.2.1\n\
             authentication {\n  auth_type PASS\n  auth_pass secret99\n }\n\
             virtual_ipaddress {\n  192.0.2.100\n }\n}\n",
            &[],
        );
        let c = &only(&p).config;
        assert_eq!(c.version, Version::V2);
        assert_eq!(c.priority, Priority(100));
        assert_eq!(c.advert_interval, AdverInt::from_secs(1));
        assert_eq!(c.down_timer_adverts, 3);
        assert_eq!(c.garp.master_repeat, 5);
        assert_eq!(c.auth, Auth::Pass(Auth::pass_octets("secret99")));
        // confparse resolves the group in use (vrrp_mcast_group4 by default).
        assert_eq!(c.mcast_group, Some("224.0.0.18".parse().unwrap()));
    }

    #[test]
    fn trackers_share_ids_take_the_objects_weight_and_skip_disabled_scripts() {
        let text = "vrrp_script chk {\n script \"/bin/true\"\n weight -30\n}\n\
             vrrp_script gone {\n script \"/bin/true\"\n}\n\
             vrrp_instance A {\n interface eth0\n virtual_router_id 7\n mcast_src_ip 192.0.2.1\n\
             track_script {\n  chk\n  gone\n }\n virtual_ipaddress {\n  192.0.2.100\n }\n}\n\
             vrrp_instance B {\n interface eth0\n virtual_router_id 8\n mcast_src_ip 192.0.2.1\n\
             dont_track_primary\n track_script {\n  chk weight 10\n }\n\
             virtual_ipaddress {\n  192.0.2.101\n }\n}\n";
        let p = plan_of(text, &["gone".to_owned()]);
        let a = &p.units[0].members[0].config;
        let b = &p.units[1].members[0].config;
        let chk = p.trackers.get(&Source::Script("chk".into())).unwrap();
        assert!(p.trackers.get(&Source::Script("gone".into())).is_none());
        let weight =
            |c: &InstanceConfig, id| c.trackers.iter().find(|t| t.id == id).map(|t| t.weight);
        assert_eq!(weight(a, chk), Some(-30));
        assert_eq!(weight(b, chk), Some(10));
        // A tracks its interface (weight 0: FAULT when down); B does not.
        let eth0 = p.trackers.get(&Source::Interface("eth0".into())).unwrap();
        assert_eq!(weight(a, eth0), Some(0));
        assert_eq!(weight(b, eth0), None);
        // Both fault without their source address.
        let src = p
            .trackers
            .get(&Source::Address("192.0.2.1".parse().unwrap()))
            .unwrap();
        assert_eq!(weight(a, src), Some(0));
        assert_eq!(weight(b, src), Some(0));
    }

    #[test]
    fn track_bfd_takes_the_instances_weight_and_starts_down() {
        // keepalived issues #1940/#1945: a sync group's track_bfd weight applies from the start.
        let inst = |n: &str, vrid: u8, track: &str| {
            format!(
                "vrrp_instance {n} {{\n interface eth0\n virtual_router_id {vrid}\n\
                 mcast_src_ip 192.0.2.1\n{track} virtual_ipaddress {{\n  192.0.2.{vrid}\n }}\n}}\n"
            )
        };
        let text = format!(
            "bfd_instance b1 {{\n neighbor_ip 192.0.2.2\n weight 10 reverse\n}}\n\
             vrrp_sync_group G {{\n group {{\n  A\n  B\n }}\n track_bfd {{\n  b1\n }}\n}}\n{}{}{}",
            inst("A", 1, ""),
            inst("B", 2, ""),
            inst("C", 3, " track_bfd {\n  b1 weight -5\n }\n")
        );
        let p = plan_of(&text, &[]);
        let b1 = p.trackers.get(&Source::Bfd("b1".into())).unwrap();
        let group = &p.units[0].group.as_ref().unwrap().config;
        let g = group.trackers.iter().find(|t| t.id == b1).unwrap();
        assert_eq!(
            (g.weight, g.reverse, g.initial),
            (10, true, TrackerState::Down)
        );
        let a = &p.units[1].members[0].config;
        let t = a.trackers.iter().find(|t| t.id == b1).unwrap();
        assert_eq!(
            (t.weight, t.reverse, t.initial),
            (-5, true, TrackerState::Down)
        );
    }

    #[test]
    fn only_tracked_files_are_watched() {
        let text = "track_file a {\n file /tmp/kad-a\n}\ntrack_file b {\n file /tmp/kad-b\n}\n\
             track_file c {\n file /tmp/kad-c\n}\n\
             vrrp_sync_group G {\n group {\n  A\n }\n track_file {\n  b\n }\n}\n\
             vrrp_instance A {\n interface eth0\n virtual_router_id 7\n mcast_src_ip 192.0.2.1\n\
             track_file {\n  a\n }\n virtual_ipaddress {\n  192.0.2.100\n }\n}\n";
        let loaded = load_str("t.conf", text, &Options::default());
        let mut got: Vec<&str> = tracked_files(&loaded.config.vrrp).into_iter().collect();
        got.sort_unstable();
        assert_eq!(got, ["a", "b"]);
    }

    #[test]
    fn sync_group_members_form_one_unit_and_lone_instances_follow() {
        let inst = |n: &str, vrid: u8| {
            format!(
                "vrrp_instance {n} {{\n interface eth0\n virtual_router_id {vrid}\n\
                 mcast_src_ip 192.0.2.1\n virtual_ipaddress {{\n  192.0.2.{vrid}\n }}\n}}\n"
            )
        };
        let text = format!(
            "vrrp_sync_group G {{\n group {{\n  B\n  C\n }}\n}}\n{}{}{}",
            inst("A", 1),
            inst("B", 2),
            inst("C", 3)
        );
        let p = plan_of(&text, &[]);
        assert_eq!(p.units.len(), 2);
        assert_eq!(
            p.units[0].group.as_ref().map(|g| g.config.name.as_str()),
            Some("G")
        );
        let names: Vec<&str> = p.units[0]
            .members
            .iter()
            .map(|m| m.config.name.as_str())
            .collect();
        assert_eq!(names, ["B", "C"]);
        assert!(p.units[1].group.is_none());
        assert_eq!(p.units[1].members[0].config.name, "A");
    }

    #[test]
    fn an_instance_without_an_address_is_reported_not_run() {
        let p = plan_of(
            "vrrp_instance A {\n interface eth9\n virtual_router_id 7\n\
             virtual_ipaddress {\n  192.0.2.100\n }\n}\n",
            &[],
        );
        assert!(p.units.is_empty());
        assert_eq!(
            p.errors[0].to_string(),
            "(A) Cannot find an IP address to use for interface eth9"
        );
    }

    #[test]
    fn use_ipvlan_carries_adverts_from_its_address_and_leaves_vips_on_the_interface() {
        let text = "vrrp_instance A {\n interface eth0\n virtual_router_id 51\n\
             use_ipvlan ipv1 192.0.2.11/24 private\n\
             virtual_ipaddress {\n  192.0.2.100/32\n }\n\
             virtual_ipaddress_excluded {\n  2001:db8::100/128\n }\n}\n";
        let p = plan_of(text, &[]);
        let i = only(&p);
        assert_eq!(
            i.config.primary_addr,
            "192.0.2.11".parse::<IpAddr>().unwrap()
        );
        assert_eq!(i.vrrp_interface(), "eth0");
        assert_eq!(i.socket_interface(), "ipv1");
        let loaded = load_str("t.conf", text, &Options::default());
        let reqs = vmacs(&loaded.config.vrrp);
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].name.as_deref(), Some("ipv1"));
        assert_eq!(
            reqs[0].ipvlan,
            Some(IpvlanRequest {
                kind: keepalive_netlink::IpvlanType::Private,
                addr: Some(("192.0.2.11".parse().unwrap(), 24)),
                other_family: true,
            })
        );
    }

    #[test]
    fn use_ipvlan_without_a_name_is_vrrp_dot_vrid() {
        let p = plan_of(
            "vrrp_instance A {\n interface eth0\n virtual_router_id 9\n\
             use_ipvlan 192.0.2.11/24\n virtual_ipaddress {\n  192.0.2.100/32\n }\n}\n",
            &[],
        );
        assert_eq!(only(&p).socket_interface(), "vrrp.9");
    }
}
