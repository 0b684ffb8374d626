//! The VRRP process's subagent: it registers what keepalived's `vrrp_snmp_agent_init`
//! registers (KEEPALIVED-MIB's `vrrp` subtree, VRRP-MIB, VRRPv3-MIB, and `global` unless
//! the checker process serves it) and sends keepalived's notifications where
//! `send_instance_notifies` and `send_group_notifies` send them.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use keepalive_confparse::model::Config;
use keepalive_vrrp::action::{Notification, NotifyEvent, NotifyScope};
use keepalive_vrrp::State;
use mio::{Registry, Token};

use super::agent::Agent;
use super::agentx::session::{Config as SessionConfig, Subtree};
use super::agentx::{Mib, Oid, Value};
use super::tree::Tree;
use super::vrrp_mib::{self, AddrInfo, IfInfo, VrrpView, KEEPALIVED, VRRP_RFC2787, VRRP_RFC6527};
use super::{global_mib, Settings};
use crate::vrrp::router::Router;
use crate::vrrp::script_track::ScriptTrackers;
use crate::vrrp::snapshot;

/// How long the master agent has to answer, and how soon kad reconnects after losing it.
const RESPONSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
const RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// The subagent `opts` and `config` ask for, if any (keepalived's `vrrp_snmp_agent_init`).
pub fn start(
    opts: &crate::ChildOptions,
    config: &Config,
    token: Token,
    now: Instant,
) -> Option<VrrpAgent> {
    let (settings, global) = wanted(opts, config);
    let version = format!("kad v{}", env!("CARGO_PKG_VERSION"));
    VrrpAgent::new(settings, global, &version, token, now)
}

/// keepalived's `vrrp_handles_global_oid`: the VRRP process serves `global` with
/// KEEPALIVED-MIB's `vrrp` subtree, unless a checker process runs with
/// `enable_snmp_checker` (it runs when there are virtual servers) and serves it.
fn wanted(opts: &crate::ChildOptions, config: &Config) -> (Settings, bool) {
    let settings = Settings::new(config, opts.snmp, opts.snmp_socket.as_deref());
    let checker_serves = settings.checker && !config.lvs.virtual_servers.is_empty();
    let global = settings.vrrp && !checker_serves;
    (settings, global)
}

/// After a reload: the running subagent if the new configuration wants the same parts and
/// socket (the session, and the master's view of kad, carry on), else a new one.
pub fn reload(
    running: Option<VrrpAgent>,
    opts: &crate::ChildOptions,
    config: &Config,
    registry: &Registry,
    token: Token,
    now: Instant,
) -> Option<VrrpAgent> {
    let (settings, global) = wanted(opts, config);
    match running {
        Some(a) if a.objects.settings == settings && a.objects.global == global => Some(a),
        Some(mut a) => {
            a.close(registry, now);
            start(opts, config, token, now)
        }
        None => start(opts, config, token, now),
    }
}

/// The VRRP process's subagent.
#[derive(Debug)]
pub struct VrrpAgent {
    agent: Agent,
    objects: Objects,
}

/// What the objects are built from besides the router and the configuration.
#[derive(Debug)]
struct Objects {
    settings: Settings,
    global: bool,
    version: String,
    /// keepalived's `stats->uptime`: when each instance started.
    started: HashMap<String, SystemTime>,
    /// keepalived's `stats->master_reason`.
    reasons: HashMap<String, u32>,
    /// Priority-0 adverts each instance had received at its last notification.
    pri_zero: HashMap<String, u64>,
}

/// The tree, built only when a query needs it.
struct Lazy<F: Fn() -> Tree> {
    build: F,
    tree: OnceCell<Tree>,
}

impl<F: Fn() -> Tree> Mib for Lazy<F> {
    fn get(&self, oid: &Oid) -> Option<Value> {
        self.tree.get_or_init(&self.build).get(oid)
    }
    fn next(&self, oid: &Oid) -> Option<(Oid, Value)> {
        self.tree.get_or_init(&self.build).next(oid)
    }
}

impl VrrpAgent {
    /// A subagent when `settings` enable a VRRP part; `global` when this process serves
    /// KEEPALIVED-MIB's `global` subtree; `version` is what `version.0` says.
    pub fn new(
        settings: Settings,
        global: bool,
        version: &str,
        token: Token,
        now: Instant,
    ) -> Option<VrrpAgent> {
        if !settings.vrrp_process() {
            return None;
        }
        let mut subtrees = Vec::new();
        if global {
            subtrees.push(Subtree {
                oid: global_mib::oid(),
                descr: "Keepalived".into(),
            });
        }
        if settings.vrrp {
            subtrees.push(Subtree {
                oid: Oid([KEEPALIVED, &[2]].concat()),
                descr: "KEEPALIVED-VRRP".into(),
            });
        }
        if settings.rfcv2 {
            subtrees.push(Subtree {
                oid: Oid(VRRP_RFC2787.to_vec()),
                descr: "VRRP".into(),
            });
        }
        if settings.rfcv3 {
            subtrees.push(Subtree {
                oid: Oid(VRRP_RFC6527.to_vec()),
                descr: "VRRPV3".into(),
            });
        }
        let config = SessionConfig {
            id: Oid(KEEPALIVED.to_vec()),
            descr: "Keepalived".into(),
            subtrees,
            response_timeout: RESPONSE_TIMEOUT,
            retry: RETRY,
        };
        let agent = Agent::new(config, &settings.socket, token, now);
        Some(VrrpAgent {
            agent,
            objects: Objects {
                settings,
                global,
                version: version.to_owned(),
                started: HashMap::new(),
                reasons: HashMap::new(),
                pri_zero: HashMap::new(),
            },
        })
    }

    /// When [`VrrpAgent::handle_timeout`] is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.agent.next_deadline()
    }

    /// Timers.
    pub fn handle_timeout(&mut self, registry: &Registry, now: Instant) {
        self.agent.handle_timeout(registry, now);
    }

    /// The socket is ready.
    pub fn ready(
        &mut self,
        registry: &Registry,
        now: Instant,
        router: &Router,
        config: &Config,
        scripts: &ScriptTrackers,
    ) {
        self.objects.note_instances(router);
        let objects = &self.objects;
        let mib = Lazy {
            build: || objects.tree(router, config, scripts),
            tree: OnceCell::new(),
        };
        self.agent.ready(registry, now, &mib);
    }

    /// An instance or group notification (a state change): keepalived's traps for it.
    pub fn notification(
        &mut self,
        registry: &Registry,
        now: Instant,
        router: &Router,
        config: &Config,
        n: &Notification,
    ) {
        let NotifyEvent::State(state) = n.event else {
            return;
        };
        let o = &mut self.objects;
        o.note_instances(router);
        if n.scope == NotifyScope::Instance {
            let pri_zero = router
                .instances()
                .find(|(p, _, _)| p.config.name == n.name)
                .map_or(0, |(_, i, _)| i.stats().rx.pri_zero_rcvd);
            let before = o.pri_zero.insert(n.name.clone(), pri_zero);
            // keepalived's next_master_reason: priority(1) when the master gave up with a
            // priority-0 advert, else masterNoResponse(3) (kad does not tell preempted(2)
            // apart: it would need the advert the backup discarded). Like keepalived's, it
            // keeps its value after the instance leaves master.
            if state == State::Master {
                let reason = if before.is_some_and(|b| pri_zero > b) {
                    1
                } else {
                    3
                };
                o.reasons.insert(n.name.clone(), reason);
            }
        }
        if !o.settings.traps {
            return;
        }
        let mut traps = Vec::new();
        match n.scope {
            NotifyScope::Instance => {
                if o.settings.vrrp {
                    traps.push(vrrp_mib::instance_trap(config, &n.name, state));
                }
                if state == State::Master {
                    let (views, infos) = o.views(router, config);
                    if let Some(i) = views.iter().position(|v| v.name == n.name) {
                        if o.settings.rfcv2 {
                            traps.extend(vrrp_mib::v2_new_master(&views[i], &infos[i]));
                        }
                        if o.settings.rfcv3 {
                            let reason = infos[i].master_reason;
                            traps.extend(vrrp_mib::v3_new_master(&views[i], &infos[i], reason));
                        }
                    }
                }
            }
            NotifyScope::Group => {
                if o.settings.vrrp {
                    traps.push(vrrp_mib::group_trap(config, &n.name, state));
                }
            }
        }
        for (trap, objects) in traps {
            self.agent.notify(registry, now, trap, objects);
        }
    }

    /// Closes the session as the process stops.
    pub fn close(&mut self, registry: &Registry, now: Instant) {
        self.agent.close(registry, now);
    }

    /// Every object this process serves, as of now.
    pub fn tree(&mut self, router: &Router, config: &Config, scripts: &ScriptTrackers) -> Tree {
        self.objects.note_instances(router);
        self.objects.tree(router, config, scripts)
    }
}

impl Objects {
    fn note_instances(&mut self, router: &Router) {
        let now = SystemTime::now();
        for (p, _, _) in router.instances() {
            self.started.entry(p.config.name.clone()).or_insert(now);
        }
    }

    fn views(
        &self,
        router: &Router,
        config: &Config,
    ) -> (Vec<crate::vrrp::dump::InstanceView>, Vec<IfInfo>) {
        let mut views = snapshot::instance_views(router, config);
        let order = |name: &str| {
            config
                .vrrp
                .instances
                .iter()
                .position(|i| i.name == name)
                .unwrap_or(usize::MAX)
        };
        views.sort_by_key(|v| order(&v.name));
        let table = router.reflector.table();
        let infos = views
            .iter()
            .map(|v| {
                let plan = router
                    .instances()
                    .find(|(p, _, _)| p.config.name == v.name)
                    .map(|(p, _, _)| p);
                let base = plan.and_then(|p| table.link_by_name(&p.interface));
                let own = plan.and_then(|p| table.link_by_name(p.vrrp_interface()));
                IfInfo {
                    base_index: base.map_or(0, |l| l.index),
                    ipv4: base.and_then(|l| {
                        l.addresses.iter().find_map(|a| match a.addr {
                            std::net::IpAddr::V4(v4) => Some(v4),
                            _ => None,
                        })
                    }),
                    ipv6: base.and_then(|l| {
                        l.addresses.iter().find_map(|a| match a.addr {
                            std::net::IpAddr::V6(v6) if v6.segments()[0] == 0xfe80 => Some(v6),
                            _ => None,
                        })
                    }),
                    mac: own.map(|l| l.mac.clone()).unwrap_or_default(),
                    vips: plan.map(|p| p.config.vips.clone()).unwrap_or_default(),
                    addresses: plan
                        .map(|p| addresses(p, table, v.vipset))
                        .unwrap_or_default(),
                    started: self
                        .started
                        .get(&v.name)
                        .copied()
                        .unwrap_or_else(SystemTime::now),
                    master_reason: self.reasons.get(&v.name).copied().unwrap_or(0),
                }
            })
            .collect();
        (views, infos)
    }

    fn tree(&self, router: &Router, config: &Config, scripts: &ScriptTrackers) -> Tree {
        let (instances, interfaces) = self.views(router, config);
        let mut groups = snapshot::group_views(router, config);
        let order = |name: &str| {
            config
                .vrrp
                .sync_groups
                .iter()
                .position(|g| g.name == name)
                .unwrap_or(usize::MAX)
        };
        groups.sort_by_key(|g| order(&g.name));
        let scripts = snapshot::script_views(scripts, config);
        let view = VrrpView {
            config,
            scripts: &scripts,
            instances: &instances,
            groups: &groups,
            interfaces: &interfaces,
            now: SystemTime::now(),
        };
        let mut tree = Tree::default();
        if self.global {
            global_mib::fill(config, &self.version, &mut tree);
        }
        if self.settings.vrrp {
            vrrp_mib::keepalived_vrrp(&view, &mut tree);
        }
        if self.settings.rfcv2 {
            vrrp_mib::rfc2787_tables(&view, &mut tree);
        }
        if self.settings.rfcv3 {
            vrrp_mib::rfc6527_tables(&view, &mut tree);
        }
        tree
    }
}

/// An instance's virtual addresses for `vrrpAddressTable`.
fn addresses(
    plan: &crate::vrrp::mapping::InstancePlan,
    table: &keepalive_netlink::Table,
    set: bool,
) -> Vec<AddrInfo> {
    use keepalive_confparse::model::vrrp::address::{Broadcast, Scope};
    plan.addresses
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let ifname = a
                .dev
                .clone()
                .unwrap_or_else(|| plan.vrrp_interface().to_owned());
            let broadcast = match (a.broadcast, a.addr.addr) {
                (Some(Broadcast::Addr(std::net::IpAddr::V4(b))), _) => Some(b),
                (Some(Broadcast::Plus), std::net::IpAddr::V4(v4)) => {
                    let host = u32::MAX.checked_shr(u32::from(a.addr.len)).unwrap_or(0);
                    Some((u32::from(v4) | host).into())
                }
                _ => None,
            };
            let scope = match a.scope {
                None | Some(Scope::Global) => 0,
                Some(Scope::Site) => 200,
                Some(Scope::Link) => 253,
                Some(Scope::Host) => 254,
                Some(Scope::Nowhere) => 255,
                Some(Scope::Other(n)) => n,
            };
            AddrInfo {
                addr: a.addr.addr,
                len: a.addr.len,
                broadcast,
                scope,
                ifindex: table.link_by_name(&ifname).map_or(0, |l| l.index),
                ifname,
                label: a.label.clone(),
                peer: a.peer.map(|p| p.addr),
                set,
                excluded: n >= plan.config.vips.len(),
            }
        })
        .collect()
}
