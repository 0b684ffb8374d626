//! The checker process's subagent (keepalived's `check_snmp_agent_init`): with
//! `enable_snmp_checker` (or `-x`) it registers KEEPALIVED-MIB's `global` and `check`
//! subtrees, and the VRRP process then leaves `global` to it (`vrrp_handles_global_oid`).
//!
//! The objects are built from the pool and the kernel's IPVS counters when a query needs
//! them; the configuration they also show is kept here only while the subagent runs.

use std::cell::OnceCell;
use std::time::{Duration, Instant};

use keepalive_confparse::model::Config;
use mio::{Registry, Token};

use super::agent::Agent;
use super::agentx::session::{Config as SessionConfig, Subtree};
use super::agentx::{Mib, Oid, Value, VarBind};
use super::check_mib::{self, CheckView, VirtualState};
use super::tree::Tree;
use super::vrrp_mib::KEEPALIVED;
use super::{global_mib, Settings};

const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a built tree answers further queries. A walk is one query per object (net-snmp's
/// master forwards even a GetBulk as GetNexts), and each build reads the kernel's IPVS
/// table, so a walk of 10,000 real servers would otherwise dump the table 550,000 times.
/// keepalived's `ipvs_update_stats` likewise reuses counters younger than its refresh.
const TREE_TTL: Duration = Duration::from_secs(1);
const RETRY: Duration = Duration::from_secs(5);

/// What the checker process needs to run (or not) a subagent: the settings, and the
/// configuration the objects show. `None` when `enable_snmp_checker` is off.
#[derive(Debug)]
pub struct Wanted {
    settings: Settings,
    config: Config,
}

/// The subagent `config` and the `-x`/`-A` flags ask of the checker process.
pub fn wanted(opts: &crate::ChildOptions, config: &Config) -> Option<Wanted> {
    let settings = Settings::new(config, opts.snmp, opts.snmp_socket.as_deref());
    settings.checker.then(|| Wanted {
        settings,
        config: config.clone(),
    })
}

/// The checker process's subagent.
#[derive(Debug)]
pub struct CheckAgent {
    agent: Agent,
    settings: Settings,
    config: Config,
    version: String,
    /// The last tree built, and when.
    cache: Option<(Instant, Tree)>,
}

/// The tree, built only when a query needs it; writes are checked against the
/// configuration alone.
struct Lazy<'a, F: Fn() -> Tree> {
    build: F,
    tree: OnceCell<Tree>,
    lvs: &'a keepalive_confparse::model::lvs::LvsConfig,
}

impl<F: Fn() -> Tree> Mib for Lazy<'_, F> {
    fn get(&self, oid: &Oid) -> Option<Value> {
        self.tree.get_or_init(&self.build).get(oid)
    }
    fn next(&self, oid: &Oid) -> Option<(Oid, Value)> {
        self.tree.get_or_init(&self.build).next(oid)
    }
    fn test_set(&self, vb: &VarBind) -> Result<(), u16> {
        check_mib::test_set(self.lvs, vb).map(|_| ())
    }
}

/// A committed write of `realServerWeight`: (virtual server, real server, weight), indexes
/// in configuration order.
pub type WeightWrite = (usize, usize, i64);

impl CheckAgent {
    /// A subagent, if `wanted`; `token` is the loop's token for its socket.
    pub fn start(wanted: Option<Wanted>, token: Token, now: Instant) -> Option<CheckAgent> {
        let Wanted { settings, config } = wanted?;
        let session = SessionConfig {
            id: Oid(KEEPALIVED.to_vec()),
            descr: "Healthchecker".into(),
            subtrees: vec![
                Subtree {
                    oid: global_mib::oid(),
                    descr: "Keepalived".into(),
                },
                Subtree {
                    oid: check_mib::oid(),
                    descr: "Healthchecker".into(),
                },
            ],
            response_timeout: RESPONSE_TIMEOUT,
            retry: RETRY,
        };
        Some(CheckAgent {
            agent: Agent::new(session, &settings.socket, token, now),
            settings,
            config,
            version: format!("kad v{}", env!("CARGO_PKG_VERSION")),
            cache: None,
        })
    }

    /// After a reload: the running subagent with the new configuration when the socket is
    /// the same (the master's view carries on), else a new one.
    pub fn reload(
        running: Option<CheckAgent>,
        wanted: Option<Wanted>,
        registry: &Registry,
        token: Token,
        now: Instant,
    ) -> Option<CheckAgent> {
        match (running, wanted) {
            (Some(mut a), Some(w)) if a.settings == w.settings => {
                a.config = w.config;
                a.cache = None;
                Some(a)
            }
            (Some(mut a), w) => {
                a.close(registry, now);
                CheckAgent::start(w, token, now)
            }
            (None, w) => CheckAgent::start(w, token, now),
        }
    }

    /// When [`CheckAgent::handle_timeout`] is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.agent.next_deadline()
    }

    /// Timers.
    pub fn handle_timeout(&mut self, registry: &Registry, now: Instant) {
        self.agent.handle_timeout(registry, now);
    }

    /// The socket is ready; `states` gives each virtual server's state if a query needs it.
    /// Returns the weights the master committed, for the process to apply.
    pub fn ready(
        &mut self,
        registry: &Registry,
        now: Instant,
        states: impl Fn() -> Vec<VirtualState>,
    ) -> Vec<WeightWrite> {
        let (config, version) = (&self.config, &self.version);
        let fresh = self
            .cache
            .take()
            .filter(|(at, _)| now.saturating_duration_since(*at) < TREE_TTL);
        let built_at = fresh.as_ref().map_or(now, |(at, _)| *at);
        let mib = Lazy {
            build: || tree(config, version, &states()),
            tree: fresh.map(|(_, t)| OnceCell::from(t)).unwrap_or_default(),
            lvs: &config.lvs,
        };
        self.agent.ready(registry, now, &mib);
        self.cache = mib.tree.into_inner().map(|t| (built_at, t));
        let sets = self.agent.take_sets();
        if !sets.is_empty() {
            self.cache = None;
        }
        sets.iter()
            .filter_map(|vb| {
                let w = check_mib::test_set(&config.lvs, vb).ok()?;
                let (v, r) = check_mib::weight_target(&config.lvs, &vb.name)?;
                Some((v, r, w))
            })
            .collect()
    }

    /// Closes the session as the process stops.
    pub fn close(&mut self, registry: &Registry, now: Instant) {
        self.agent.close(registry, now);
    }
}

/// Every object the checker process serves.
pub fn tree(config: &Config, version: &str, states: &[VirtualState]) -> Tree {
    let mut tree = Tree::default();
    global_mib::fill(config, version, &mut tree);
    let view = CheckView {
        global: &config.global,
        lvs: &config.lvs,
        states,
    };
    check_mib::fill(&view, &mut tree);
    tree
}
