//! Real-server and virtual-server pool logic: checker results in, the desired IPVS table and
//! notify events out.
//!
//! This follows keepalived 2.2.7's `ipwrapper.c` step by step: a real server is alive while
//! none of its checkers has failed (`update_svr_checker_state`, `perform_svr_state`); its
//! weight is its configured weight plus the checkers' dynamic contributions, clamped to
//! `0..=i32::MAX` (`update_svr_wgt`, `real_weight`); the virtual server's quorum is the sum of
//! the alive servers' weights compared with `quorum ± hysteresis` (`update_quorum_state`); when
//! quorum is lost and a `sorry_server` exists, the alive servers leave the pool and the sorry
//! server enters it (`perform_quorum_state`); `inhibit_on_failure` (and `sorry_server_inhibit`)
//! turns removal into weight 0. keepalived's `ipvs_cmd` is modelled on an in-memory table, so
//! the desired table has exactly the entries and weights keepalived would program.
//!
//! Virtual server groups are passed through as one [`VsKey::Group`]; the caller expands a
//! group into its kernel services. A sorry server with the address of a real server is not
//! special-cased (keepalived's `s_svr_duplicates_rs`).

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::net::IpAddr;

use keepalive_ipvs::reconcile::RealServerSpec;
use keepalive_ipvs::ForwardMethod;

use crate::event::{CheckResult, Family, Script};
use crate::id::{CheckerId, RealServerId, VirtualServerId};

/// The IPVS weight ceiling (`IPVS_WEIGHT_MAX`).
pub const WEIGHT_MAX: i64 = i32::MAX as i64;

/// keepalived's `real_weight`: an effective weight clamped to what IPVS accepts.
pub fn real_weight(effective: i64) -> i32 {
    effective.clamp(0, WEIGHT_MAX) as i32
}

/// The service protocol (`protocol`), as keepalived prints it in notify lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// `tcp`.
    Tcp,
    /// `udp`.
    Udp,
    /// `sctp`.
    Sctp,
    /// No protocol (printed `none`).
    None,
}

impl Protocol {
    fn name(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
            Protocol::None => "none",
        }
    }
}

/// How a virtual server is identified.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum VsKey {
    /// `virtual_server IP PORT`.
    Addr {
        /// `protocol`.
        protocol: Protocol,
        /// Address.
        addr: IpAddr,
        /// Port.
        port: u16,
    },
    /// `virtual_server fwmark N`.
    Fwmark {
        /// `ip_family` (or the real servers').
        family: Family,
        /// The mark.
        mark: u32,
        /// `protocol` (used only in notify lines).
        protocol: Protocol,
    },
    /// `virtual_server group NAME` (the port is the group's service port, 0 for fwmarks).
    Group {
        /// Group name.
        name: String,
        /// Port.
        port: u16,
        /// `protocol`.
        protocol: Protocol,
    },
}

impl VsKey {
    fn protocol(&self) -> Protocol {
        match self {
            VsKey::Addr { protocol, .. }
            | VsKey::Fwmark { protocol, .. }
            | VsKey::Group { protocol, .. } => *protocol,
        }
    }
}

/// keepalived's `inet_sockaddrtotrio`: `[ADDR]:PROTO:PORT`.
fn trio(addr: IpAddr, protocol: Protocol, port: u16) -> String {
    format!("[{addr}]:{}:{port}", protocol.name())
}

/// keepalived's `FMT_VS`: `[ADDR]:PROTO:PORT`, `FWM N`, or `[GROUP]:PORT`.
pub fn format_vs(key: &VsKey) -> String {
    match key {
        VsKey::Addr {
            protocol,
            addr,
            port,
        } => trio(*addr, *protocol, *port),
        VsKey::Fwmark { mark, .. } => format!("FWM {mark}"),
        VsKey::Group { name, port, .. } => format!("[{name}]:{port}"),
    }
}

/// One `real_server`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealServerConfig {
    /// Address.
    pub addr: IpAddr,
    /// Port (the virtual server's when not given).
    pub port: u16,
    /// `weight` (keepalived's `iweight`).
    pub weight: i64,
    /// `lvs_method`.
    pub fwd: ForwardMethod,
    /// `uthreshold`.
    pub u_threshold: u32,
    /// `lthreshold`.
    pub l_threshold: u32,
    /// `inhibit_on_failure`.
    pub inhibit_on_failure: bool,
    /// `notify_up`. Boxed, like `notify_down`: most real servers have none, and thousands of
    /// them should not each carry two scripts' worth of empty fields.
    pub notify_up: Option<Box<Script>>,
    /// `notify_down`.
    pub notify_down: Option<Box<Script>>,
    /// The `alpha` setting of each of its checkers, in the order results will name them.
    pub checker_alpha: Vec<bool>,
}

/// `sorry_server`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SorryServerConfig {
    /// Address.
    pub addr: IpAddr,
    /// Port (the virtual server's when not given).
    pub port: u16,
    /// `sorry_server_lvs_method`.
    pub fwd: ForwardMethod,
    /// `sorry_server_inhibit`.
    pub inhibit: bool,
}

/// One `virtual_server`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VirtualServerConfig {
    /// Identity.
    pub key: VsKey,
    /// `lvs_sched`.
    pub scheduler: String,
    /// IPVS service flags (`IP_VS_SVC_F_*` bits: persistent, one-packet, sched flags).
    pub flags: u32,
    /// `persistence_timeout` in seconds (0 = not persistent).
    pub timeout: u32,
    /// `persistence_granularity` (mask for IPv4, prefix length for IPv6).
    pub netmask: Option<u32>,
    /// `persistence_engine`.
    pub pe_name: Option<String>,
    /// `quorum` (default 1).
    pub quorum: u32,
    /// `hysteresis`.
    pub hysteresis: u32,
    /// `omega`: run down notifiers at shutdown.
    pub omega: bool,
    /// `ha_suspend`: suspend checkers while the virtual address is absent.
    pub ha_suspend: bool,
    /// `quorum_up`.
    pub quorum_up: Option<Script>,
    /// `quorum_down`.
    pub quorum_down: Option<Script>,
    /// `sorry_server`.
    pub sorry_server: Option<SorryServerConfig>,
    /// The `real_server`s.
    pub reals: Vec<RealServerConfig>,
}

/// Global settings of the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PoolSettings {
    /// `rs_init_notifies`: notify real servers that start up.
    pub rs_init_notifies: bool,
}

impl PoolSettings {
    /// The settings with `rs_init_notifies` as given.
    pub fn new(rs_init_notifies: bool) -> Self {
        PoolSettings { rs_init_notifies }
    }
}

/// One service of the desired table: keepalive-ipvs's `VirtualServerSpec` but for its key,
/// which may name a virtual server group the caller expands, and its raw flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredVirtual {
    /// Identity.
    pub key: VsKey,
    /// Scheduler.
    pub scheduler: String,
    /// Service flags.
    pub flags: u32,
    /// Persistence timeout.
    pub timeout: u32,
    /// Persistence netmask.
    pub netmask: Option<u32>,
    /// Persistence engine.
    pub pe_name: Option<String>,
    /// Destinations, in the order keepalived would have added them.
    pub reals: Vec<RealServerSpec>,
}

/// Something the caller must do or may report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolEvent {
    /// Run a notify script (`notify_up`, `notify_down`, `quorum_up`, `quorum_down`) exactly as
    /// configured; keepalived adds no arguments.
    RunScript(Script),
    /// Write this line (newline included) to `notify_fifo` and `lvs_notify_fifo`.
    FifoLine(String),
    /// A real server entered or left the alive state (for logs and `smtp_alert`).
    RealServer {
        /// The real server.
        real: RealServerId,
        /// New state.
        alive: bool,
    },
    /// The virtual server gained or lost quorum.
    Quorum {
        /// The virtual server.
        vs: VirtualServerId,
        /// New state.
        up: bool,
        /// At start-up.
        init: bool,
        /// The threshold crossed.
        threshold: i64,
        /// The alive weight.
        weight_sum: i64,
    },
    /// A real server's IPVS weight changed (MISC_CHECK `misc_dynamic`, FILE_CHECK weights),
    /// whether or not it is in the pool (keepalived's `update_svr_wgt`).
    Weight {
        /// The real server.
        real: RealServerId,
        /// The weight before.
        from: i32,
        /// The weight now.
        to: i32,
        /// The real server is alive.
        alive: bool,
    },
    /// Suspend or resume every checker of this virtual server (`ha_suspend`).
    SuspendCheckers {
        /// The virtual server.
        vs: VirtualServerId,
        /// Suspend (`true`) or resume.
        suspended: bool,
    },
}

#[derive(Debug, Clone)]
struct RsState {
    alive: bool,
    set: bool,
    effective_weight: i64,
    /// One entry per checker of the real server, in one allocation: thousands of real
    /// servers with a single checker each make this the pool's largest per-server cost.
    checkers: Box<[CheckerState]>,
}

impl RsState {
    /// keepalived's `num_failed_checkers`, counted rather than kept: a real server has a
    /// handful of checkers at most.
    fn num_failed(&self) -> usize {
        self.checkers.iter().filter(|c| !c.up).count()
    }
}

/// What the pool remembers of one checker (keepalived's `checker_t` flags).
#[derive(Debug, Clone, Copy)]
struct CheckerState {
    up: bool,
    has_run: bool,
    weight: i64,
}

#[derive(Debug, Clone, Default)]
struct SorryState {
    alive: bool,
    set: bool,
    /// keepalived adds an inhibited sorry server at start with weight 0 by faking a failed
    /// checker for that one command.
    add_at_zero: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Dest {
    addr: IpAddr,
    port: u16,
    weight: i32,
}

#[derive(Debug, Clone)]
struct VsState {
    quorum_up: bool,
    sorry: SorryState,
    table: Vec<Dest>,
    present: bool,
}

/// Identifies a destination of a virtual server: a real server or the sorry server.
#[derive(Debug, Clone, Copy)]
enum Who {
    Real(usize),
    Sorry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Add,
    Del,
    Edit,
}

/// All virtual servers and their real servers.
///
/// Call `start` once, then feed `checker_result` / `set_vip_present`, drain `poll_event`,
/// and read `desired` whenever `take_table_changed` says it changed; call `stop` at shutdown.
#[derive(Debug)]
pub struct Pool {
    settings: PoolSettings,
    vss: Vec<VirtualServerConfig>,
    state: Vec<VsState>,
    rs: Vec<Vec<RsState>>,
    events: VecDeque<PoolEvent>,
    table_changed: bool,
}

impl Pool {
    /// A pool for these virtual servers; nothing is programmed until [`Pool::start`].
    pub fn new(vss: Vec<VirtualServerConfig>, settings: PoolSettings) -> Self {
        let rs = vss
            .iter()
            .map(|vs| {
                vs.reals
                    .iter()
                    .map(|r| RsState {
                        alive: false,
                        set: false,
                        effective_weight: r.weight,
                        checkers: r
                            .checker_alpha
                            .iter()
                            .map(|a| CheckerState {
                                up: !a,
                                has_run: false,
                                weight: 0,
                            })
                            .collect(),
                    })
                    .collect()
            })
            .collect();
        let state = vss
            .iter()
            .map(|_| VsState {
                quorum_up: false,
                sorry: SorryState::default(),
                table: Vec::new(),
                present: false,
            })
            .collect();
        Pool {
            settings,
            vss,
            state,
            rs,
            events: VecDeque::new(),
            table_changed: false,
        }
    }

    /// Program the initial table (keepalived's `init_services`): every real server without a
    /// failed checker enters the pool, inhibited ones enter with weight 0, the quorum is
    /// evaluated and the sorry server added if needed. `ha_suspend` virtual servers start with
    /// their checkers suspended.
    pub fn start(&mut self) {
        for v in 0..self.vss.len() {
            self.state[v].quorum_up = self.weigh_live(v)
                >= i64::from(self.vss[v].quorum) + i64::from(self.vss[v].hysteresis);
            self.init_vs(v, &[]);
        }
    }

    /// keepalived's `init_service_vs`; real servers listed in `reloaded` keep their state.
    fn init_vs(&mut self, v: usize, reloaded: &[usize]) {
        self.state[v].present = true;
        self.table_changed = true;
        for r in 0..self.vss[v].reals.len() {
            if reloaded.contains(&r) {
                continue;
            }
            let (failed, alive, set) = {
                let s = &self.rs[v][r];
                (s.num_failed(), s.alive, s.set)
            };
            let inhibit = self.vss[v].reals[r].inhibit_on_failure;
            if (failed == 0 && !alive) || (inhibit && !set) {
                self.ipvs_cmd(v, Who::Real(r), Cmd::Add);
                if failed == 0 {
                    self.rs[v][r].alive = true;
                    if self.settings.rs_init_notifies {
                        self.rs_notifies(v, r, false);
                    }
                }
            }
        }
        self.update_quorum_state(v, true);
        if let Some(s) = &self.vss[v].sorry_server {
            if s.inhibit && !self.state[v].sorry.set {
                self.state[v].sorry.add_at_zero = true;
                self.ipvs_cmd(v, Who::Sorry, Cmd::Add);
                self.state[v].sorry.add_at_zero = false;
            }
        }
        if self.vss[v].ha_suspend {
            self.events.push_back(PoolEvent::SuspendCheckers {
                vs: VirtualServerId::new(v),
                suspended: true,
            });
        }
    }

    /// Apply a new configuration (SIGHUP), as keepalived's `clear_diff_services` and
    /// `init_services` do on reload: virtual servers kept (same key) keep their quorum state and
    /// table; real servers kept (same address and port) keep their alive state, table entry
    /// and, when their checker count is unchanged, their checkers' states and weight
    /// contributions; removed alive servers get their down notifications; new ones start as at
    /// start-up. Events about removed servers carry their indices in the old configuration.
    pub fn reload(&mut self, vss: Vec<VirtualServerConfig>) {
        let mut next = Pool::new(vss, self.settings);
        next.events = std::mem::take(&mut self.events);
        // Virtual servers that are gone: their alive servers go down, then their quorum.
        for ov in 0..self.vss.len() {
            if !next.vss.iter().any(|n| n.key == self.vss[ov].key) {
                self.retire_vs(ov);
            }
        }
        self.events.drain(..).for_each(|e| next.events.push_back(e));
        for nv in 0..next.vss.len() {
            let Some(ov) = self.vss.iter().position(|o| o.key == next.vss[nv].key) else {
                next.state[nv].quorum_up = next.weigh_live(nv)
                    >= i64::from(next.vss[nv].quorum) + i64::from(next.vss[nv].hysteresis);
                next.init_vs(nv, &[]);
                continue;
            };
            next.state[nv].quorum_up = self.state[ov].quorum_up;
            let mut kept = Vec::new();
            let mut weights = Vec::new();
            // By address and port: a virtual server may have thousands of real servers.
            let mut new_reals: HashMap<(IpAddr, u16), usize> = HashMap::new();
            for (i, r) in next.vss[nv].reals.iter().enumerate() {
                new_reals.entry((r.addr, r.port)).or_insert(i);
            }
            for or in 0..self.vss[ov].reals.len() {
                let (oaddr, oport) = (self.vss[ov].reals[or].addr, self.vss[ov].reals[or].port);
                let found = new_reals.get(&(oaddr, oport)).copied();
                match found {
                    None => {
                        // `clear_service_rs`: out of the table, down notification if alive.
                        if self.rs[ov][or].alive {
                            self.rs[ov][or].alive = false;
                            self.rs_notifies(ov, or, false);
                        }
                    }
                    Some(nr) => {
                        kept.push(nr);
                        let old = self.rs[ov][or].clone();
                        let iweight = next.vss[nv].reals[nr].weight;
                        let st = &mut next.rs[nv][nr];
                        st.alive = old.alive;
                        st.set = old.set;
                        if old.checkers.len() == st.checkers.len() {
                            st.checkers = old.checkers;
                        } else {
                            // The checkers changed: keep the server's state, so that a down
                            // server still needs a success (and an up one a failure) to move.
                            for c in st.checkers.iter_mut() {
                                c.up = old.alive;
                            }
                            if !old.alive {
                                if let Some(first) = st.checkers.first_mut() {
                                    first.up = false;
                                }
                            }
                        }
                        st.effective_weight =
                            iweight + st.checkers.iter().map(|c| c.weight).sum::<i64>();
                        if self.state[ov]
                            .table
                            .iter()
                            .any(|d| d.addr == oaddr && d.port == oport)
                        {
                            let serving = self.state[ov].quorum_up || !self.sorry_alive(ov);
                            let inhibit = next.vss[nv].reals[nr].inhibit_on_failure;
                            let weight = if st.alive && serving {
                                Some(real_weight(st.effective_weight))
                            } else if inhibit {
                                Some(0)
                            } else {
                                // No longer inhibited and not serving: leaves the table.
                                None
                            };
                            if weight.is_none() {
                                st.set = false;
                            }
                            weights.push(((oaddr, oport), weight));
                        }
                    }
                }
            }
            self.events.drain(..).for_each(|e| next.events.push_back(e));
            // The sorry server is kept only if unchanged.
            let same_sorry = match (&self.vss[ov].sorry_server, &next.vss[nv].sorry_server) {
                (Some(a), Some(b)) => a.addr == b.addr && a.port == b.port,
                _ => false,
            };
            if same_sorry {
                next.state[nv].sorry = self.state[ov].sorry.clone();
            }
            let sorry_key = self.vss[ov]
                .sorry_server
                .as_ref()
                .filter(|_| same_sorry)
                .map(|s| (s.addr, s.port));
            // Keep the old table's order: it is the order the entries were added in.
            next.state[nv].table = self.state[ov]
                .table
                .iter()
                .filter_map(|d| {
                    let key = (d.addr, d.port);
                    if sorry_key == Some(key) {
                        return Some(d.clone());
                    }
                    let (_, w) = weights.iter().find(|(k, _)| *k == key)?;
                    w.map(|weight| Dest {
                        weight,
                        ..d.clone()
                    })
                })
                .collect();
            // `update_vs_notifies` of the old server, with the remaining weight.
            let live = next.weigh_live(nv);
            let threshold = i64::from(next.vss[nv].quorum) - i64::from(next.vss[nv].hysteresis);
            if next.state[nv].quorum_up && (live == 0 || live < threshold) {
                next.state[nv].quorum_up = false;
                next.vs_notifies(nv, false, threshold, live);
                if next.vss[nv].sorry_server.is_some() && !next.state[nv].sorry.alive {
                    next.perform_quorum_state(nv, false);
                    next.ipvs_cmd(nv, Who::Sorry, Cmd::Add);
                    next.state[nv].sorry.alive = true;
                }
            }
            next.init_vs(nv, &kept);
        }
        next.table_changed = true;
        *self = next;
    }

    /// `clear_service_vs` on reload: alive servers go down (with notifications), then the
    /// quorum if it was up.
    fn retire_vs(&mut self, v: usize) {
        for r in 0..self.vss[v].reals.len() {
            if self.rs[v][r].set && self.rs[v][r].alive {
                self.rs[v][r].alive = false;
                self.rs_notifies(v, r, false);
            }
        }
        if self.state[v].quorum_up {
            self.state[v].quorum_up = false;
            let threshold = i64::from(self.vss[v].quorum) - i64::from(self.vss[v].hysteresis);
            self.vs_notifies(v, false, threshold, 0);
        }
    }

    /// The virtual address of virtual server `vs` appeared or vanished; with `ha_suspend` its
    /// checkers are suspended while it is absent.
    pub fn set_vip_present(&mut self, vs: VirtualServerId, present: bool) {
        if self.vss.get(vs.index()).is_some_and(|c| c.ha_suspend) {
            self.events.push_back(PoolEvent::SuspendCheckers {
                vs,
                suspended: !present,
            });
        }
    }

    /// A result from `checker`. Unknown checkers and `retry_pending` reports are ignored.
    pub fn checker_result(&mut self, checker: CheckerId, result: &CheckResult) {
        let (vs, rs, checker) = (
            checker.real().vs().index(),
            checker.real().index(),
            checker.index(),
        );
        if self
            .rs
            .get(vs)
            .and_then(|v| v.get(rs))
            .is_none_or(|s| checker >= s.checkers.len())
            || result.retry_pending
        {
            return;
        }
        if let Some(w) = result.weight {
            let old = self.rs[vs][rs].checkers[checker].weight;
            self.rs[vs][rs].checkers[checker].weight = w;
            let eff = self.rs[vs][rs].effective_weight - old + w;
            if result.up {
                self.update_svr_wgt(vs, rs, eff);
            } else {
                // keepalived drops a failed checker's contribution without an IPVS edit.
                self.rs[vs][rs].effective_weight = eff;
            }
        }
        self.update_svr_checker_state(vs, rs, checker, result.up);
    }

    /// Sets `real`'s effective weight from outside the checkers: keepalived's SNMP write of
    /// `realServerWeight` (`check_snmp_realserver_weight`, which calls `update_svr_wgt`).
    /// Unknown servers are ignored.
    pub fn set_weight(&mut self, real: RealServerId, weight: i64) {
        let (v, r) = (real.vs().index(), real.index());
        if self.rs.get(v).is_some_and(|rs| r < rs.len()) {
            self.update_svr_wgt(v, r, weight);
        }
    }

    /// Shut down (keepalived's `clear_services` without `lvs_flush_on_stop`): the table
    /// empties; with `omega`, down notifiers run for alive servers and the quorum.
    pub fn stop(&mut self) {
        for v in 0..self.vss.len() {
            if self.state[v].sorry.set {
                self.state[v].sorry = SorryState::default();
            }
            for r in 0..self.vss[v].reals.len() {
                if !self.rs[v][r].set {
                    continue;
                }
                self.rs[v][r].set = false;
                if !self.rs[v][r].alive {
                    continue;
                }
                self.rs[v][r].alive = false;
                if self.vss[v].omega {
                    self.rs_notifies(v, r, true);
                }
            }
            self.state[v].quorum_up = false;
            if self.vss[v].omega {
                let threshold = i64::from(self.vss[v].quorum) - i64::from(self.vss[v].hysteresis);
                self.vs_notifies(v, false, threshold, 0);
            }
            self.state[v].table.clear();
            self.state[v].present = false;
        }
        self.table_changed = true;
    }

    /// The next event, if any.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<PoolEvent> {
        self.events.pop_front()
    }

    /// Whether the desired table changed since the last call.
    #[must_use]
    pub fn take_table_changed(&mut self) -> bool {
        std::mem::take(&mut self.table_changed)
    }

    /// The virtual servers the pool runs, as given to [`Pool::new`] or the last
    /// [`Pool::reload`]: the caller need not keep its own copy.
    pub fn virtual_servers(&self) -> &[VirtualServerConfig] {
        &self.vss
    }

    /// Whether `real` is alive.
    pub fn is_alive(&self, real: RealServerId) -> bool {
        self.rs_state(real).is_some_and(|s| s.alive)
    }

    /// Whether `vs` has quorum.
    pub fn has_quorum(&self, vs: VirtualServerId) -> bool {
        self.state.get(vs.index()).is_some_and(|s| s.quorum_up)
    }

    /// The effective (unclamped) weight of `real`.
    pub fn effective_weight(&self, real: RealServerId) -> Option<i64> {
        self.rs_state(real).map(|s| s.effective_weight)
    }

    fn rs_state(&self, real: RealServerId) -> Option<&RsState> {
        self.rs.get(real.vs().index())?.get(real.index())
    }

    /// The IPVS table keepalived would have programmed now.
    pub fn desired(&self) -> Vec<DesiredVirtual> {
        self.vss
            .iter()
            .zip(&self.state)
            .filter(|(_, s)| s.present)
            .map(|(c, s)| DesiredVirtual {
                key: c.key.clone(),
                scheduler: c.scheduler.clone(),
                flags: c.flags,
                timeout: c.timeout,
                netmask: c.netmask,
                pe_name: c.pe_name.clone(),
                reals: s
                    .table
                    .iter()
                    .map(|d| {
                        let (fwd, u, l) = c
                            .reals
                            .iter()
                            .find(|r| r.addr == d.addr && r.port == d.port)
                            .map(|r| (r.fwd, r.u_threshold, r.l_threshold))
                            .or_else(|| c.sorry_server.as_ref().map(|s| (s.fwd, 0, 0)))
                            .unwrap_or((ForwardMethod::Masq, 0, 0));
                        RealServerSpec {
                            addr: d.addr,
                            port: d.port,
                            fwd,
                            weight: d.weight,
                            u_threshold: u,
                            l_threshold: l,
                        }
                    })
                    .collect(),
            })
            .collect()
    }

    // ---- keepalived's ipwrapper.c, one function each ----

    fn weigh_live(&self, v: usize) -> i64 {
        self.rs[v]
            .iter()
            .filter(|s| s.alive)
            .map(|s| i64::from(real_weight(s.effective_weight)))
            .sum()
    }

    /// `ipvs_cmd` for one destination, including its inhibit rewriting.
    fn ipvs_cmd(&mut self, v: usize, who: Who, cmd: Cmd) {
        let (addr, port, inhibit, weight, failed) = match who {
            Who::Real(r) => {
                let c = &self.vss[v].reals[r];
                let s = &self.rs[v][r];
                (
                    c.addr,
                    c.port,
                    c.inhibit_on_failure,
                    real_weight(s.effective_weight),
                    s.num_failed() > 0,
                )
            }
            Who::Sorry => {
                let Some(c) = &self.vss[v].sorry_server else {
                    return;
                };
                // The sorry server has weight 1.
                (
                    c.addr,
                    c.port,
                    c.inhibit,
                    1,
                    self.state[v].sorry.add_at_zero,
                )
            }
        };
        let set = match who {
            Who::Real(r) => self.rs[v][r].set,
            Who::Sorry => self.state[v].sorry.set,
        };
        let (cmd, weight) = match cmd {
            Cmd::Del if inhibit => (Cmd::Edit, 0),
            Cmd::Add if inhibit && set => (Cmd::Edit, weight),
            Cmd::Add if !set => {
                self.set_flag(v, who, true);
                (Cmd::Add, if inhibit && failed { 0 } else { weight })
            }
            Cmd::Del if set => {
                self.set_flag(v, who, false);
                (Cmd::Del, weight)
            }
            other => (other, weight),
        };
        let table = &mut self.state[v].table;
        let pos = table.iter().position(|d| d.addr == addr && d.port == port);
        match (cmd, pos) {
            (Cmd::Add, None) => table.push(Dest { addr, port, weight }),
            (Cmd::Add | Cmd::Edit, Some(i)) => table[i].weight = weight,
            (Cmd::Del, Some(i)) => {
                table.remove(i);
            }
            // The kernel would refuse these; keepalived logs and carries on.
            (Cmd::Edit | Cmd::Del, None) => return,
        }
        self.table_changed = true;
    }

    fn set_flag(&mut self, v: usize, who: Who, set: bool) {
        match who {
            Who::Real(r) => self.rs[v][r].set = set,
            Who::Sorry => self.state[v].sorry.set = set,
        }
    }

    fn rs_notifies(&mut self, v: usize, r: usize, _stopping: bool) {
        let alive = self.rs[v][r].alive;
        let c = &self.vss[v].reals[r];
        let script = if alive { &c.notify_up } else { &c.notify_down };
        if let Some(s) = script {
            self.events
                .push_back(PoolEvent::RunScript(Script::clone(s)));
        }
        let line = format!(
            "RS {} {} {}\n",
            trio(c.addr, self.vss[v].key.protocol(), c.port),
            format_vs(&self.vss[v].key),
            if alive { "UP" } else { "DOWN" }
        );
        self.events.push_back(PoolEvent::FifoLine(line));
        self.events.push_back(PoolEvent::RealServer {
            real: VirtualServerId::new(v).real(r),
            alive,
        });
    }

    fn vs_notifies(&mut self, v: usize, init: bool, threshold: i64, weight_sum: i64) {
        let up = self.state[v].quorum_up;
        let c = &self.vss[v];
        let script = if up { &c.quorum_up } else { &c.quorum_down };
        if let Some(s) = script {
            self.events.push_back(PoolEvent::RunScript(s.clone()));
        }
        let mut line = String::new();
        let _ = writeln!(
            line,
            "VS {} {}",
            format_vs(&c.key),
            if up { "UP" } else { "DOWN" }
        );
        self.events.push_back(PoolEvent::FifoLine(line));
        self.events.push_back(PoolEvent::Quorum {
            vs: VirtualServerId::new(v),
            up,
            init,
            threshold,
            weight_sum,
        });
    }

    /// `perform_quorum_state`: add or remove the alive real servers.
    fn perform_quorum_state(&mut self, v: usize, add: bool) {
        for r in 0..self.vss[v].reals.len() {
            if self.rs[v][r].alive {
                self.ipvs_cmd(v, Who::Real(r), if add { Cmd::Add } else { Cmd::Del });
            }
        }
    }

    fn sorry_alive(&self, v: usize) -> bool {
        self.vss[v].sorry_server.is_some() && self.state[v].sorry.alive
    }

    /// `update_quorum_state`.
    fn update_quorum_state(&mut self, v: usize, init: bool) {
        let weight_sum = self.weigh_live(v);
        let (q, h) = (
            i64::from(self.vss[v].quorum),
            i64::from(self.vss[v].hysteresis),
        );
        let up = self.state[v].quorum_up;
        let threshold = if up { q - h } else { q + h };
        let has_sorry = self.vss[v].sorry_server.is_some();
        if !up && weight_sum >= threshold {
            self.state[v].quorum_up = true;
            if self.sorry_alive(v) {
                self.ipvs_cmd(v, Who::Sorry, Cmd::Del);
                self.state[v].sorry.alive = false;
                self.perform_quorum_state(v, true);
            }
            self.vs_notifies(v, init, threshold, weight_sum);
        } else if (up && (weight_sum == 0 || weight_sum < threshold))
            || (init && !up && has_sorry && !self.state[v].sorry.alive)
        {
            self.state[v].quorum_up = false;
            if has_sorry && !self.state[v].sorry.alive {
                self.perform_quorum_state(v, false);
                self.ipvs_cmd(v, Who::Sorry, Cmd::Add);
                self.state[v].sorry.alive = true;
            }
            self.vs_notifies(v, init, threshold, weight_sum);
        }
    }

    /// `perform_svr_state`.
    fn perform_svr_state(&mut self, v: usize, r: usize, alive: bool) {
        if self.rs[v][r].alive == alive {
            return;
        }
        if self.state[v].quorum_up || !self.sorry_alive(v) {
            self.ipvs_cmd(v, Who::Real(r), if alive { Cmd::Add } else { Cmd::Del });
        }
        self.rs[v][r].alive = alive;
        self.rs_notifies(v, r, false);
        self.update_quorum_state(v, false);
    }

    /// `update_svr_wgt`.
    fn update_svr_wgt(&mut self, v: usize, r: usize, weight: i64) {
        let old = real_weight(self.rs[v][r].effective_weight);
        self.rs[v][r].effective_weight = weight;
        if real_weight(weight) != old {
            self.events.push_back(PoolEvent::Weight {
                real: VirtualServerId::new(v).real(r),
                from: old,
                to: real_weight(weight),
                alive: self.rs[v][r].alive,
            });
            let s = &self.rs[v][r];
            if s.set && s.alive && (self.state[v].quorum_up || !self.sorry_alive(v)) {
                self.ipvs_cmd(v, Who::Real(r), Cmd::Edit);
            }
            self.update_quorum_state(v, false);
        }
    }

    /// `update_svr_checker_state` and `set_checker_state`.
    fn update_svr_checker_state(&mut self, v: usize, r: usize, c: usize, alive: bool) {
        if self.rs[v][r].checkers[c].up == alive {
            if !self.rs[v][r].checkers[c].has_run {
                if self.vss[v].reals[r].checker_alpha[c] || !alive {
                    self.rs_notifies(v, r, false);
                }
                self.rs[v][r].checkers[c].has_run = true;
            }
            return;
        }
        self.rs[v][r].checkers[c].has_run = true;
        let failed = self.rs[v][r].num_failed();
        if alive && failed <= 1 {
            self.perform_svr_state(v, r, true);
        } else if !alive && failed == 0 {
            self.perform_svr_state(v, r, false);
        }
        self.rs[v][r].checkers[c].up = alive;
    }
}

#[cfg(test)]
mod tests;
