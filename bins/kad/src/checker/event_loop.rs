//! The checker process's single-threaded loop: every checker's sockets and child processes,
//! their timers, signals, the pool and IPVS, in one mio poll.
//!
//! Each checker is a sans-IO [`Checker`]; this loop performs its actions (sockets through
//! [`Conn`], scripts through [`Children`]), feeds back what happened, and hands results to the
//! [`Pool`], whose events become log lines, notify scripts, FIFO lines and IPVS updates.
//! Timers live in one ordered set keyed by (deadline, checker), so thousands of checkers cost
//! one `BTreeSet` and no thread each. FILE_CHECK values come from the shared inotify
//! [`FileTracker`] the moment a file is written, replaced or removed, as in keepalived.

use crate::smtp_alert::{Alert, CheckKind, Mailer};
use std::collections::{BTreeSet, HashMap};
use std::io;
use std::time::{Duration, Instant};

use keepalive_checkers::{
    CheckAction, CheckResult, Checker, CheckerKind, FailReason, IoEvent, Pool, PoolEvent,
    VirtualServerConfig,
};
use mio::{Events, Interest, Poll, Token};

use super::io::{Conn, Ev, Tls};
use super::ipvs::Ipvs;
use super::mapping::{format_rs, key_protocol, CheckerSpec, Plan};
use super::script::{Children, Owner};
use crate::notify::{FifoKind, FifoSet};
use crate::signals::{Request, Signals};
use crate::track_file::{self, FileTracker};
use keepalive_confparse::model::global::GlobalDefs;

const SIGNALS: Token = Token(0);
/// The `track_file` inotify descriptor; checker `i` uses `Token(i + FIRST_CHECKER)`.
const FILES: Token = Token(1);
const FIRST_CHECKER: usize = 2;
/// How often `ha_suspend` virtual addresses are looked at (only when one is configured).
const VIP_POLL: Duration = Duration::from_secs(1);

/// One checker and what it holds.
#[derive(Debug)]
struct Slot {
    spec: CheckerSpec,
    checker: Checker,
    rs_label: String,
    vs_label: String,
    conn: Option<Conn>,
    script: Option<crate::spawn::JobId>,
    timer: Option<Instant>,
}

/// What `run` should do after the loop ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// SIGTERM/SIGINT.
    Stopped,
}

/// What a SIGHUP brings: the new plan and the settings around it.
pub struct Reloaded {
    /// Virtual servers and checkers.
    pub plan: Plan,
    /// IPVS timeouts and sync daemon.
    pub settings: keepalive_ipvs::reconcile::LvsSettings,
    /// Scripts' user, FIFOs, SMTP alerts.
    pub global: GlobalDefs,
    /// The `SSL` block's client settings, rebuilt as keepalived's reload does.
    pub tls: Option<Tls>,
}

/// How the loop loads a new configuration on SIGHUP.
pub type Reloader = Box<dyn FnMut() -> Option<Reloaded>>;

/// The loop's state.
pub struct Loop {
    poll: Poll,
    signals: Signals,
    plan: Plan,
    pool: Pool,
    ipvs: Ipvs,
    slots: Vec<Slot>,
    timers: BTreeSet<(Instant, usize)>,
    backlog: Vec<usize>,
    /// The `track_file`s FILE_CHECKs name; `None` without any, or if inotify failed.
    files: Option<FileTracker>,
    /// The FILE_CHECK slots of each track file.
    file_checks: HashMap<String, Vec<usize>>,
    children: Children,
    tls: Option<Tls>,
    fifos: FifoSet,
    alive: Vec<Vec<bool>>,
    sorry_alive: Vec<bool>,
    vip_present: Vec<Option<bool>>,
    /// Some virtual server is `ha_suspend`, so addresses are looked at every [`VIP_POLL`].
    polls_vips: bool,
    stopping: bool,
    seed: u64,
    /// `smtp_alert` mail, when `global_defs` has a server and recipients.
    mailer: Option<Mailer>,
    /// The pool's table changed since IPVS was last reconciled.
    table_dirty: bool,
}

impl std::fmt::Debug for Loop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loop")
            .field("checkers", &self.slots.len())
            .finish_non_exhaustive()
    }
}

fn new_mailer(global: &GlobalDefs) -> Option<Mailer> {
    Mailer::new(global, crate::log::enabled(crate::log::Level::Debug)).unwrap_or_else(|e| {
        log_err!("SMTP alerts disabled: {e}");
        None
    })
}

/// The mail body for a real server's change: the wording of the check that decided it.
fn rs_mail_body(slots: &[Slot], v: usize, r: usize, up: bool) -> String {
    let keyword = slots
        .iter()
        .find(|s| s.spec.vs == v && s.spec.rs == r)
        .map_or("", |s| s.spec.keyword);
    let kind = match keyword {
        "TCP_CHECK" => CheckKind::Tcp,
        "UDP_CHECK" => CheckKind::Udp,
        "SMTP_CHECK" => CheckKind::Smtp,
        "DNS_CHECK" => CheckKind::Dns,
        "PING_CHECK" => CheckKind::Ping,
        "MISC_CHECK" => {
            return crate::smtp_alert::misc_message(if up { "succeeded" } else { "failed" })
        }
        _ => CheckKind::Http,
    };
    crate::smtp_alert::checker_message(kind, up, None)
}

fn vs_label(vss: &[VirtualServerConfig], v: usize) -> String {
    keepalive_checkers::pool::format_vs(&vss[v].key)
}

fn rs_label(vss: &[VirtualServerConfig], v: usize, r: usize) -> String {
    let vs = &vss[v];
    let rs = &vs.reals[r];
    format_rs(rs.addr, key_protocol(&vs.key), rs.port)
}

fn sorry_label(vss: &[VirtualServerConfig], v: usize) -> String {
    let vs = &vss[v];
    vs.sorry_server
        .as_ref()
        .map(|s| format_rs(s.addr, key_protocol(&vs.key), s.port))
        .unwrap_or_default()
}

impl Loop {
    /// A loop for `plan`; nothing runs until [`Loop::run`].
    pub fn new(
        mut plan: Plan,
        signals: Signals,
        ipvs: Ipvs,
        tls: Option<Tls>,
        global: &GlobalDefs,
    ) -> io::Result<Loop> {
        let poll = Poll::new()?;
        let mut children = Children::new(global);
        let fifos = fifo_set(global, &mut children);
        let seed = u64::from(std::process::id())
            ^ std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
        // The pool owns the virtual servers; the loop reads them through it.
        let pool = Pool::new(std::mem::take(&mut plan.vss), plan.settings);
        let mut l = Loop {
            poll,
            signals,
            pool,
            ipvs,
            slots: Vec::new(),
            timers: BTreeSet::new(),
            backlog: Vec::new(),
            files: None,
            file_checks: HashMap::new(),
            children,
            tls,
            fifos,
            alive: Vec::new(),
            sorry_alive: Vec::new(),
            vip_present: Vec::new(),
            polls_vips: false,
            stopping: false,
            seed,
            plan,
            mailer: new_mailer(global),
            table_dirty: false,
        };
        l.poll
            .registry()
            .register(&mut l.signals, SIGNALS, Interest::READABLE)?;
        Ok(l)
    }

    fn build_slots(&mut self, now: Instant) {
        self.timers.clear();
        self.backlog.clear();
        self.file_checks.clear();
        // Each spec moves into its slot (no second copy of every checker's configuration),
        // and the slots are allocated at their final size.
        let specs = std::mem::take(&mut self.plan.checkers);
        self.slots = Vec::with_capacity(specs.len());
        for (i, spec) in specs.into_iter().enumerate() {
            self.seed = self
                .seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let checker = match Checker::new(spec.config.clone(), now, self.seed ^ i as u64) {
                Ok(c) => c,
                Err(e) => {
                    // mapping::plan already built each checker once.
                    log_err!("{}: {e}", spec.keyword);
                    continue;
                }
            };
            if matches!(spec.config.kind, CheckerKind::Bfd(_)) {
                log_warn!(
                    "BFD_CHECK of {} is not run by kad's checker process yet",
                    rs_label(self.pool.virtual_servers(), spec.vs, spec.rs)
                );
            }
            if let CheckerKind::File(f) = &spec.config.kind {
                self.file_checks
                    .entry(f.track_file.clone())
                    .or_default()
                    .push(self.slots.len());
            }
            self.slots.push(Slot {
                rs_label: rs_label(self.pool.virtual_servers(), spec.vs, spec.rs),
                vs_label: vs_label(self.pool.virtual_servers(), spec.vs),
                spec,
                checker,
                conn: None,
                script: None,
                timer: None,
            });
        }
        for i in 0..self.slots.len() {
            let s = &self.slots[i];
            log_info!(
                "Activating healthchecker for service {} for VS {}",
                s.rs_label,
                s.vs_label
            );
            self.resched(i);
        }
        self.alive = self
            .pool
            .virtual_servers()
            .iter()
            .enumerate()
            .map(|(v, vs)| {
                (0..vs.reals.len())
                    .map(|r| self.pool.is_alive(v, r))
                    .collect()
            })
            .collect();
        let vss = self.pool.virtual_servers();
        self.sorry_alive.resize(vss.len(), false);
        self.vip_present = vec![None; vss.len()];
        self.polls_vips = vss.iter().any(|vs| vs.ha_suspend);
        // The previous slots and the plan's scratch are gone: hand their pages back.
        crate::memory::release_free_heap();
    }

    /// Install the initial table and run until SIGTERM.
    pub fn run(&mut self, mut reload: Reloader) -> Exit {
        // keepalived's `init_track_files` comes before `init_services`.
        self.open_files(track_file::Start::Initial);
        let now = Instant::now();
        self.pool.start();
        self.alive = vec![];
        self.sorry_alive = vec![false; self.pool.virtual_servers().len()];
        // Log the initial additions the way keepalived's init_services does not: silently.
        self.alive = self
            .pool
            .virtual_servers()
            .iter()
            .map(|vs| vec![false; vs.reals.len()])
            .collect();
        self.drain_pool(now, true);
        self.build_slots(now);
        self.file_values(now);
        self.check_vips(now);
        crate::daemon::config_read();
        self.flush_table();
        let mut next_vip_poll = now + VIP_POLL;
        let mut events = Events::with_capacity(1024);
        loop {
            let now = Instant::now();
            let vip_poll = self.polls_vips.then_some(next_vip_poll);
            let wake = [
                vip_poll,
                self.timers.first().map(|&(t, _)| t),
                self.children.next_deadline(),
            ]
            .into_iter()
            .flatten()
            .min();
            let timeout = if self.backlog.is_empty() {
                wake.map(|w| w.saturating_duration_since(now))
            } else {
                Some(Duration::ZERO)
            };
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != io::ErrorKind::Interrupted {
                    log_err!("checker poll failed: {e}");
                    return Exit::Stopped;
                }
            }
            let now = Instant::now();
            for ev in events.iter() {
                if ev.token() == SIGNALS {
                    while let Some(req) = self.signals.next() {
                        match req {
                            Request::Stop => {
                                self.shutdown(now);
                                return Exit::Stopped;
                            }
                            Request::Reload => {
                                log_info!("Reloading");
                                if let Some(Reloaded {
                                    plan,
                                    settings,
                                    global,
                                    tls,
                                }) = reload()
                                {
                                    self.ipvs.set_settings(settings);
                                    self.tls = tls;
                                    self.fifos.close();
                                    self.children.reconfigure(&global);
                                    self.fifos = fifo_set(&global, &mut self.children);
                                    self.mailer = new_mailer(&global);
                                    self.reload(now, plan);
                                }
                                crate::daemon::config_read();
                            }
                            Request::Child => self.reap(now),
                            Request::DumpData | Request::DumpStats | Request::DumpJson => {
                                self.dump()
                            }
                        }
                    }
                    continue;
                }
                if ev.token() == FILES {
                    let changes = self.files.as_mut().map(FileTracker::process);
                    for (name, value) in changes.unwrap_or_default() {
                        self.file_value(now, &name, value);
                    }
                    continue;
                }
                let Some(i) = ev.token().0.checked_sub(FIRST_CHECKER) else {
                    continue;
                };
                if i >= self.slots.len() {
                    continue;
                }
                let mut out = Vec::new();
                let mut more = false;
                if let Some(c) = self.slots[i].conn.as_mut() {
                    if ev.is_writable() {
                        c.writable(&mut out);
                    }
                    if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                        more = c.readable(&mut out);
                    }
                }
                self.feed(i, now, out);
                if more && self.slots[i].conn.is_some() {
                    self.backlog.push(i);
                }
            }
            // Connections with more to read than one turn allows.
            for i in std::mem::take(&mut self.backlog) {
                let mut out = Vec::new();
                let more = match self.slots.get_mut(i).and_then(|s| s.conn.as_mut()) {
                    Some(c) => c.readable(&mut out),
                    None => continue,
                };
                self.feed(i, now, out);
                if more && self.slots[i].conn.is_some() {
                    self.backlog.push(i);
                }
            }
            // Timers.
            while let Some(&(t, i)) = self.timers.first() {
                if t > now {
                    break;
                }
                self.timers.pop_first();
                self.slots[i].timer = None;
                self.slots[i].checker.handle_timeout(now);
                self.drive(i, now);
            }
            if self.children.next_deadline().is_some_and(|t| t <= now) {
                self.reap(now);
            }
            if now >= next_vip_poll {
                self.check_vips(now);
                next_vip_poll = now + VIP_POLL;
            }
            self.flush_table();
        }
    }

    /// Applies the pool's table to IPVS once per loop turn, however many real servers
    /// changed in it: the reconcile compares the whole table, so doing it per change would
    /// cost O(changes × servers) when many checks conclude together.
    fn flush_table(&mut self) {
        if std::mem::take(&mut self.table_dirty) {
            let desired = self.pool.desired();
            self.ipvs.apply(&self.plan, &desired);
        }
    }

    fn token(i: usize) -> Token {
        Token(i + FIRST_CHECKER)
    }

    /// Feed socket events to checker `i`, then act on what it wants.
    fn feed(&mut self, i: usize, now: Instant, evs: Vec<Ev>) {
        for ev in evs {
            // A check that concluded closed its socket: later events are stale.
            if self.slots[i].conn.is_none() {
                break;
            }
            let c = &mut self.slots[i].checker;
            match &ev {
                Ev::Connected => c.handle_event(now, IoEvent::Connected),
                Ev::ConnectFailed(m) => c.handle_event(now, IoEvent::ConnectFailed(m)),
                Ev::Data(d) => c.handle_event(now, IoEvent::Data(d)),
                Ev::Eof => c.handle_event(now, IoEvent::Eof),
                Ev::IcmpError(m) => c.handle_event(now, IoEvent::IcmpError(m)),
            }
            self.drive(i, now);
        }
    }

    /// Perform checker `i`'s actions, hand its results to the pool, re-arm its timer.
    fn drive(&mut self, i: usize, now: Instant) {
        loop {
            let mut pending = Vec::new();
            while let Some(a) = self.slots[i].checker.poll_action() {
                self.perform(i, a, &mut pending);
            }
            while let Some(r) = self.slots[i].checker.poll_result() {
                self.result(i, now, &r);
            }
            if pending.is_empty() {
                break;
            }
            for ev in pending {
                let c = &mut self.slots[i].checker;
                match &ev {
                    Ev::Connected => c.handle_event(now, IoEvent::Connected),
                    Ev::ConnectFailed(m) => c.handle_event(now, IoEvent::ConnectFailed(m)),
                    Ev::Data(d) => c.handle_event(now, IoEvent::Data(d)),
                    Ev::Eof => c.handle_event(now, IoEvent::Eof),
                    Ev::IcmpError(m) => c.handle_event(now, IoEvent::IcmpError(m)),
                }
            }
        }
        self.resched(i);
    }

    fn resched(&mut self, i: usize) {
        let s = &mut self.slots[i];
        let next = s.checker.poll_timeout();
        if s.timer != next {
            if let Some(t) = s.timer.take() {
                self.timers.remove(&(t, i));
            }
            if let Some(t) = next {
                self.timers.insert((t, i));
            }
            s.timer = next;
        }
    }

    fn perform(&mut self, i: usize, action: CheckAction, pending: &mut Vec<Ev>) {
        let registry = self.poll.registry();
        let slot = &mut self.slots[i];
        match action {
            CheckAction::Connect {
                transport,
                family,
                target,
                tls,
            } => {
                if let Some(old) = slot.conn.take() {
                    old.close(registry);
                }
                let tls_pair = match (&tls, &self.tls) {
                    (Some(p), Some(t)) => Some((t, p)),
                    (Some(_), None) => {
                        pending.push(Ev::ConnectFailed("TLS unavailable".into()));
                        return;
                    }
                    _ => None,
                };
                match Conn::connect(
                    registry,
                    Self::token(i),
                    transport,
                    family,
                    &target,
                    tls_pair,
                    pending,
                ) {
                    Ok(c) => slot.conn = Some(c),
                    Err(e) => pending.push(Ev::ConnectFailed(e.to_string())),
                }
            }
            CheckAction::Send(bytes) => match slot.conn.as_mut() {
                Some(c) => c.send(&bytes, pending),
                None => pending.push(Ev::ConnectFailed("not connected".into())),
            },
            CheckAction::Close => {
                if let Some(c) = slot.conn.take() {
                    c.close(registry);
                }
                self.backlog.retain(|&b| b != i);
            }
            CheckAction::SendIcmp {
                family,
                target,
                packet,
            } => {
                if let Some(old) = slot.conn.take() {
                    old.close(registry);
                }
                match Conn::icmp(registry, Self::token(i), family, &target, &packet, pending) {
                    Ok(c) => slot.conn = Some(c),
                    Err(e) => {
                        log_info!(
                            "ICMP{} connect fail to create socket. Rescheduling.",
                            if family == keepalive_checkers::Family::Inet {
                                ""
                            } else {
                                "v6"
                            }
                        );
                        pending.push(Ev::ConnectFailed(e.to_string()));
                    }
                }
            }
            CheckAction::RunScript(script) => match self.children.spawn(
                Instant::now(),
                &script,
                Owner::Checker(i),
                misc_timeout(&slot.spec),
                "MISC_CHECK",
            ) {
                Ok(id) => slot.script = Some(id),
                Err(e) => {
                    log_info!(
                        "Misc check for [{} VS {}]: {e}",
                        slot.rs_label,
                        slot.vs_label
                    );
                    // Reported as the exit of a program that could not run (shell's 127).
                    let now = Instant::now();
                    slot.checker.handle_event(
                        now,
                        IoEvent::ScriptExited(keepalive_checkers::ScriptStatus::Exited(127)),
                    );
                }
            },
            CheckAction::KillScript => {
                // The runner terminates it at the same timeout; its end is not wanted.
                if let Some(id) = slot.script.take() {
                    self.children.disown(id);
                }
            }
        }
    }

    fn reap(&mut self, now: Instant) {
        let reaped = self.children.reap(now);
        for (id, outcome) in reaped.others {
            self.fifos.job_done(id, &outcome);
        }
        for (id, i, status) in reaped.checks {
            if self.slots.get(i).is_some_and(|s| s.script == Some(id)) {
                self.slots[i].script = None;
                self.slots[i]
                    .checker
                    .handle_event(now, IoEvent::ScriptExited(status));
                self.drive(i, now);
            }
        }
    }

    /// A checker's result: keepalived's log line, then the pool.
    fn result(&mut self, i: usize, now: Instant, r: &CheckResult) {
        log_result(&self.slots[i], r);
        if r.retry_pending {
            return;
        }
        let s = &self.slots[i].spec;
        self.pool.checker_result(s.vs, s.rs, s.index, r);
        self.drain_pool(now, false);
    }

    fn drain_pool(&mut self, now: Instant, init: bool) {
        while let Some(ev) = self.pool.poll_event() {
            match ev {
                PoolEvent::RunScript(s) => {
                    // A refused script was logged in keepalived's words by the check.
                    let _ = self.children.spawn(now, &s, Owner::Notify, None, "notify");
                }
                PoolEvent::FifoLine(line) => self.fifos.write_line(line.trim_end_matches('\n')),
                PoolEvent::RealServer { vs, rs, alive } => {
                    let was = self.alive.get(vs).and_then(|v| v.get(rs)).copied();
                    if was == Some(alive) || vs >= self.pool.virtual_servers().len() {
                        continue;
                    }
                    if let Some(slot) = self.alive.get_mut(vs).and_then(|v| v.get_mut(rs)) {
                        *slot = alive;
                    }
                    if init || self.stopping || rs >= self.pool.virtual_servers()[vs].reals.len() {
                        continue;
                    }
                    let inhibit = self.pool.virtual_servers()[vs].reals[rs].inhibit_on_failure;
                    let verb = match (alive, inhibit) {
                        (true, true) => "Enabl",
                        (true, false) => "Add",
                        (false, true) => "Disabl",
                        (false, false) => "Remov",
                    };
                    let prep = if inhibit {
                        "of"
                    } else if alive {
                        "to"
                    } else {
                        "from"
                    };
                    log_info!(
                        "{verb}ing service {} {prep} VS {}",
                        rs_label(self.pool.virtual_servers(), vs, rs),
                        vs_label(self.pool.virtual_servers(), vs)
                    );
                    let wanted = self
                        .plan
                        .rs_smtp_alert
                        .get(vs)
                        .and_then(|v| v.get(rs))
                        .copied()
                        .unwrap_or(false);
                    if let Some(m) = self.mailer.as_ref().filter(|_| wanted) {
                        m.send(Alert::RealServer {
                            rs: rs_label(self.pool.virtual_servers(), vs, rs),
                            vs: vs_label(self.pool.virtual_servers(), vs),
                            up: alive,
                            body: rs_mail_body(&self.slots, vs, rs, alive),
                        });
                    }
                }
                PoolEvent::Quorum {
                    vs,
                    up,
                    init: at_start,
                    threshold,
                    weight_sum,
                } => {
                    if self.stopping || vs >= self.pool.virtual_servers().len() {
                        continue;
                    }
                    let c = &self.pool.virtual_servers()[vs];
                    let label = vs_label(self.pool.virtual_servers(), vs);
                    let wanted = self.plan.vs_smtp_alert.get(vs).copied().unwrap_or(false);
                    if let Some(m) = self.mailer.as_ref().filter(|_| wanted) {
                        m.send(Alert::VirtualServer {
                            vs: label.clone(),
                            up,
                            body: crate::smtp_alert::quorum_message(
                                up,
                                at_start,
                                false,
                                c.quorum,
                                c.hysteresis,
                                weight_sum,
                            ),
                        });
                    }
                    if up {
                        log_info!(
                            "Gained quorum {}+{}={threshold} <= {weight_sum} for VS {label}",
                            c.quorum,
                            c.hysteresis
                        );
                        if let Some(s) = &c.sorry_server {
                            if self.sorry_alive[vs] {
                                log_info!(
                                    "{} sorry server {} from VS {label}",
                                    if s.inhibit { "Disabling" } else { "Removing" },
                                    sorry_label(self.pool.virtual_servers(), vs)
                                );
                                log_info!("Adding alive servers to the pool for VS {label}");
                                self.sorry_alive[vs] = false;
                            }
                        }
                    } else {
                        log_info!(
                            "{} {}-{}={threshold} > {weight_sum} for VS {label}",
                            if at_start {
                                "Starting with quorum down"
                            } else {
                                "Lost quorum"
                            },
                            c.quorum,
                            c.hysteresis
                        );
                        if let Some(s) = &c.sorry_server {
                            if !self.sorry_alive[vs] {
                                log_info!(
                                    "{} sorry server {} to VS {label}",
                                    if s.inhibit { "Enabling" } else { "Adding" },
                                    sorry_label(self.pool.virtual_servers(), vs)
                                );
                                log_info!("Removing alive servers from the pool for VS {label}");
                                self.sorry_alive[vs] = true;
                            }
                        }
                    }
                }
                PoolEvent::SuspendCheckers { vs, suspended } => {
                    for i in 0..self.slots.len() {
                        if self.slots[i].spec.vs == vs {
                            self.slots[i].checker.set_suspended(now, suspended);
                            self.drive(i, now);
                        }
                    }
                }
            }
        }
        if self.pool.take_table_changed() {
            self.table_dirty = true;
        }
    }

    /// Watches the track files FILE_CHECKs name, after applying every `track_file`'s
    /// `init_file` (keepalived does both in the checker process too: `track_file_end_handler`
    /// while parsing, `init_track_files` at start and after each reload).
    fn open_files(&mut self, start: track_file::Start) {
        if let Some(mut old) = self.files.take() {
            let _ = self.poll.registry().deregister(&mut old);
        }
        if self.plan.track_files.is_empty() {
            return;
        }
        let plan = &self.plan;
        match FileTracker::start(&plan.track_files, |n| plan.tracks_file(n), start) {
            Ok(mut f) => {
                if let Err(e) = self
                    .poll
                    .registry()
                    .register(&mut f, FILES, Interest::READABLE)
                {
                    log_err!("track_file: {e}");
                }
                self.files = Some(f);
            }
            Err(e) => log_err!("{e}"),
        }
    }

    /// Every FILE_CHECK's first value (at start and after a reload). A FILE_CHECK whose file
    /// is not watched (its directory is missing) gets none and stays up, as in keepalived,
    /// whose checker then has no file to follow.
    fn file_values(&mut self, now: Instant) {
        let current: Vec<(String, i32)> = self
            .files
            .iter()
            .flat_map(|f| f.current().map(|(n, v)| (n.to_owned(), v)))
            .collect();
        for (name, value) in current {
            self.file_value(now, &name, value);
        }
    }

    /// A track file's new value, to every FILE_CHECK that names it.
    fn file_value(&mut self, now: Instant, name: &str, value: i32) {
        let Some(slots) = self.file_checks.get(name).cloned() else {
            return;
        };
        for i in slots {
            self.slots[i]
                .checker
                .handle_event(now, IoEvent::FileValue(i64::from(value)));
            self.drive(i, now);
        }
    }

    /// `ha_suspend`: a virtual server's checkers run only while its address is local.
    fn check_vips(&mut self, now: Instant) {
        for v in 0..self.pool.virtual_servers().len() {
            if !self.pool.virtual_servers()[v].ha_suspend {
                continue;
            }
            let addr = match &self.pool.virtual_servers()[v].key {
                keepalive_checkers::VsKey::Addr { addr, .. } => *addr,
                _ => continue,
            };
            let present = std::net::UdpSocket::bind((addr, 0)).is_ok();
            if self.vip_present[v] != Some(present) {
                self.vip_present[v] = Some(present);
                self.pool.set_vip_present(v, present);
                self.drain_pool(now, false);
            }
        }
    }

    fn close_all(&mut self) {
        let registry = self.poll.registry();
        for s in &mut self.slots {
            if let Some(c) = s.conn.take() {
                c.close(registry);
            }
            s.script = None;
        }
        self.children.disown_all();
    }

    fn reload(&mut self, now: Instant, plan: Plan) {
        self.close_all();
        self.plan = plan;
        let old = self.pool.virtual_servers().to_vec();
        self.pool.reload(std::mem::take(&mut self.plan.vss));
        // Events of a reload mix old indices (removed servers) and new ones: log removals
        // with the old configuration's names.
        while let Some(ev) = self.pool.poll_event() {
            match ev {
                PoolEvent::RunScript(s) => {
                    let _ = self.children.spawn(now, &s, Owner::Notify, None, "notify");
                }
                PoolEvent::FifoLine(line) => self.fifos.write_line(line.trim_end_matches('\n')),
                PoolEvent::RealServer {
                    vs,
                    rs,
                    alive: false,
                } if vs < old.len() && rs < old[vs].reals.len() => {
                    log_info!(
                        "Removing service {} from VS {}",
                        rs_label(&old, vs, rs),
                        vs_label(&old, vs)
                    );
                }
                _ => {}
            }
        }
        self.open_files(track_file::Start::Reload);
        self.build_slots(now);
        if self.pool.take_table_changed() {
            self.table_dirty = true;
        }
        self.file_values(now);
        self.check_vips(now);
    }

    fn shutdown(&mut self, now: Instant) {
        self.close_all();
        self.children.terminate_all();
        for v in 0..self.pool.virtual_servers().len() {
            for r in 0..self.pool.virtual_servers()[v].reals.len() {
                log_info!(
                    "Shutting down service {} from VS {}",
                    rs_label(self.pool.virtual_servers(), v, r),
                    vs_label(self.pool.virtual_servers(), v)
                );
            }
        }
        self.stopping = true;
        self.pool.stop();
        self.drain_pool(now, false);
        self.fifos.close();
    }

    /// Release IPVS entries kad installed.
    pub fn release_ipvs(&mut self) {
        self.ipvs.stop();
    }

    /// SIGUSR1: keepalived's `keepalived_check.data` (check_print.c), with the state of every
    /// virtual server, real server and checker, in keepalived's labels.
    fn dump(&self) {
        let dir = std::env::var("TMPDIR")
            .ok()
            .filter(|d| d.starts_with('/'))
            .unwrap_or_else(|| "/tmp".into());
        let path = std::path::Path::new(&dir).join("keepalived_check.data");
        if let Err(e) = std::fs::write(&path, self.dump_text()) {
            log_info!("Can't open dump file {} - {e}", path.display());
        }
    }

    fn dump_text(&self) -> String {
        use std::fmt::Write as _;
        let mut o = String::new();
        let _ = writeln!(o, "------< Health checkers >------");
        for (v, vs) in self.pool.virtual_servers().iter().enumerate() {
            let _ = writeln!(o, " ------< Virtual server >------");
            let _ = match &vs.key {
                keepalive_checkers::VsKey::Addr { addr, port, .. } => {
                    writeln!(o, " VS VIP = {addr}, VPORT = {port}")
                }
                keepalive_checkers::VsKey::Fwmark { mark, .. } => {
                    writeln!(o, " VS FWMARK = {mark}")
                }
                keepalive_checkers::VsKey::Group { .. } => {
                    writeln!(
                        o,
                        " VS GROUP = {}",
                        vs_label(self.pool.virtual_servers(), v)
                    )
                }
            };
            let _ = writeln!(o, "   lvs_sched = {}", vs.scheduler);
            let _ = writeln!(
                o,
                "   quorum = {}, hysteresis = {}",
                vs.quorum, vs.hysteresis
            );
            let _ = writeln!(
                o,
                "   quorum_state_up = {}",
                u8::from(self.pool.has_quorum(v))
            );
            for (r, rs) in vs.reals.iter().enumerate() {
                let eff = self.pool.effective_weight(v, r).unwrap_or(rs.weight);
                let _ = writeln!(o, "   ------< Real server >------");
                let _ = writeln!(
                    o,
                    "   RIP = {}, RPORT = {}, WEIGHT = {} EFF WEIGHT = {eff}",
                    rs.addr,
                    rs.port,
                    keepalive_checkers::pool::real_weight(eff)
                );
                let _ = writeln!(
                    o,
                    "   Inhibit on failure is {}",
                    if rs.inhibit_on_failure { "ON" } else { "OFF" }
                );
                let _ = writeln!(o, "   initial weight = {}", rs.weight);
                let _ = writeln!(o, "   alive = {}", u8::from(self.pool.is_alive(v, r)));
                for s in self
                    .slots
                    .iter()
                    .filter(|s| s.spec.vs == v && s.spec.rs == r)
                {
                    let _ = writeln!(o, "   Keepalive method = {}", s.spec.keyword);
                    let _ = writeln!(
                        o,
                        "     Checker state = {}",
                        if s.checker.is_up() { "UP" } else { "DOWN" }
                    );
                    let t = &s.spec.config.target;
                    let _ = writeln!(o, "     Connection dest = [{}]:{}", t.addr, t.port);
                }
            }
        }
        o
    }
}

/// `notify_fifo` and `lvs_notify_fifo`, with their scripts.
fn fifo_set(global: &GlobalDefs, children: &mut Children) -> FifoSet {
    let users = children.users().clone();
    FifoSet::open(
        global,
        FifoKind::Lvs,
        &users,
        children.runner(),
        Instant::now(),
    )
}

/// MISC_CHECK's `misc_timeout` (default `delay_loop`), for the runner.
fn misc_timeout(spec: &CheckerSpec) -> Option<Duration> {
    match &spec.config.kind {
        CheckerKind::Misc(m) => Some(m.timeout.unwrap_or(spec.config.timing.delay_loop)),
        _ => None,
    }
}

/// "failed after N retries." or "failed."
fn failed(retry: u32, first: bool) -> String {
    if retry > 0 && !first {
        format!("failed after {retry} retries.")
    } else {
        "failed.".into()
    }
}

/// keepalived's DNS_CHECK messages (`dns_final`).
fn dns_message(reason: &FailReason) -> String {
    match reason {
        FailReason::Timeout => "read timeout from socket".into(),
        FailReason::DnsRcode(code) => format!("read error occurred. (rcode = {code})"),
        FailReason::ConnectFailed(_) => "connection error.".into(),
        FailReason::Icmp(_) => "connection failure.".into(),
        other => other.to_string(),
    }
}

/// The log lines keepalived writes for a checker's result (`tcp_epilog`, `epilog` of
/// check_http.c, `smtp_final`, `dns_final`, `misc_check_child_thread`, `udp_epilog`,
/// `icmp_epilog`).
fn log_result(s: &Slot, r: &CheckResult) {
    let rs = &s.rs_label;
    let vs = &s.vs_label;
    let retry = s.spec.retry;
    if r.retry_pending {
        match &s.spec.config.kind {
            CheckerKind::Tcp => log_info!(
                "TCP connection to {rs} {}.",
                if r.reason == Some(FailReason::Timeout) {
                    "timeout"
                } else {
                    "failed"
                }
            ),
            CheckerKind::Http(_) => log_info!("{} server {rs}.", http_message(r.reason.as_ref())),
            CheckerKind::Udp(_) => log_info!("UDP connection to {rs} failed."),
            CheckerKind::Ping(_) => log_info!("ICMP connection to {rs} of {vs} failed."),
            CheckerKind::Dns(_) => log_info!(
                "DNS_CHECK ({rs}) {}",
                dns_message(r.reason.as_ref().unwrap_or(&FailReason::Timeout))
            ),
            CheckerKind::Smtp(_) => log_info!(
                "SMTP_CHECK {} server [{}]:{}",
                smtp_message(r.reason.as_ref()),
                s.spec.config.target.addr,
                s.spec.config.target.port
            ),
            CheckerKind::Misc(m) => log_info!(
                "Misc check for [{rs} VS {vs}] by [{}] {}.",
                m.script.args.first().map(String::as_str).unwrap_or(""),
                misc_outcome(
                    r.reason.as_ref(),
                    &format!(
                        ", will do {retry} {}",
                        if retry == 1 { "retry" } else { "retries" }
                    )
                )
            ),
            _ => {}
        }
        return;
    }
    if r.up {
        if !(r.changed || r.first) {
            return;
        }
        match &s.spec.config.kind {
            CheckerKind::Tcp => log_info!("TCP connection to {rs} success."),
            CheckerKind::Http(_) => log_info!("Remote Web server {rs} succeed on service."),
            CheckerKind::Smtp(_) => log_info!("Remote SMTP server {rs} succeed on service."),
            CheckerKind::Udp(_) => log_info!("UDP connection to {rs} success."),
            CheckerKind::Ping(_) => log_info!("ICMP connection to {rs} success."),
            CheckerKind::Misc(m) => log_info!(
                "Misc check for [{rs} VS {vs}] by [{}] succeeded.",
                m.script.args.first().map(String::as_str).unwrap_or("")
            ),
            CheckerKind::Dns(_) | CheckerKind::File(_) | CheckerKind::Bfd(_) => {}
        }
        return;
    }
    if !(r.changed || r.first) {
        return;
    }
    let reason = r.reason.as_ref();
    match &s.spec.config.kind {
        CheckerKind::Tcp => log_info!("TCP_CHECK on service {rs} {}", failed(retry, r.first)),
        CheckerKind::Http(_) => {
            if let Some(why) = reason {
                log_info!("{} server {rs}.", http_message(Some(why)));
            }
            log_info!("HTTP_CHECK on service {rs} {}", failed(retry, r.first))
        }
        CheckerKind::Smtp(_) => {
            let t = &s.spec.config.target;
            log_info!(
                "SMTP_CHECK {} server [{}]:{}",
                smtp_message(reason),
                t.addr,
                t.port
            )
        }
        CheckerKind::Dns(_) => log_info!(
            "DNS_CHECK ({rs}) {}{}",
            dns_message(reason.unwrap_or(&FailReason::Timeout)),
            if retry > 0 && !r.first {
                format!(" after {retry} retries")
            } else {
                String::new()
            }
        ),
        CheckerKind::Udp(_) => {
            if reason == Some(&FailReason::UdpReplyMismatch) {
                log_info!("UDP check to {rs} reply data mismatch.");
            }
            log_info!("UDP_CHECK on service {rs} {}", failed(retry, r.first))
        }
        CheckerKind::Ping(_) => {
            if retry > 0 && !r.first {
                log_info!("ICMP CHECK on service {rs} of {vs} failed after {retry} retries.")
            } else {
                log_info!("ICMP CHECK on service {rs} failed.")
            }
        }
        CheckerKind::Misc(m) => {
            let tail = if retry == 0 {
                " with retry disabled".to_string()
            } else {
                format!(
                    " after {retry} {}",
                    if retry == 1 { "retry" } else { "retries" }
                )
            };
            log_info!(
                "Misc check for [{rs} VS {vs}] by [{}] {}.",
                m.script.args.first().map(String::as_str).unwrap_or(""),
                misc_outcome(reason, &tail)
            )
        }
        CheckerKind::File(f) => log_info!(
            "FILE_CHECK of {rs}: track file {} reports fault",
            f.track_file
        ),
        CheckerKind::Bfd(_) => {}
    }
}

/// `timeout_epilog`'s messages in check_http.c.
fn http_message(reason: Option<&FailReason>) -> &'static str {
    match reason {
        Some(FailReason::HttpStatus { .. }) => "HTTP status code error to",
        Some(FailReason::DigestMismatch { .. }) => "MD5 digest error to",
        Some(FailReason::Regex { .. }) => "Regex match failed to",
        Some(FailReason::Timeout) => "Timeout WEB read",
        Some(FailReason::ConnectFailed(_)) => "WEB connection error to",
        Some(FailReason::UnexpectedEof) => "Read error with",
        _ => "HTTP read error from",
    }
}

/// `smtp_final`'s messages.
fn smtp_message(reason: Option<&FailReason>) -> &'static str {
    match reason {
        Some(FailReason::SmtpReply {
            stage: "banner", ..
        }) => "Bad greeting banner from",
        Some(FailReason::SmtpReply { .. }) => "Bad HELO response from",
        Some(FailReason::Timeout) => "Read timeout from",
        Some(FailReason::ConnectFailed(_)) => "Error connecting to",
        _ => "Read failure from",
    }
}

/// "failed<tail> (exited with status N)", "timed out<tail>", "failed<tail> (due to signal N)".
fn misc_outcome(reason: Option<&FailReason>, tail: &str) -> String {
    match reason {
        Some(FailReason::ScriptExit(c)) => format!("failed{tail} (exited with status {c})"),
        Some(FailReason::ScriptSignal(s)) => format!("failed{tail} (due to signal {s})"),
        Some(FailReason::Timeout) => format!("timed out{tail}"),
        _ => format!("failed{tail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_wording() {
        assert_eq!(failed(3, false), "failed after 3 retries.");
        assert_eq!(failed(3, true), "failed.");
        assert_eq!(
            misc_outcome(Some(&FailReason::ScriptExit(1)), " with retry disabled"),
            "failed with retry disabled (exited with status 1)"
        );
        assert_eq!(
            http_message(Some(&FailReason::HttpStatus {
                code: 500,
                url: "/".into()
            })),
            "HTTP status code error to"
        );
    }
}
