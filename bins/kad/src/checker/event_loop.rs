//! The checker process's single-threaded loop: every checker's sockets and child processes,
//! their timers, signals, the pool and IPVS, in one mio poll.
//!
//! Each checker is a sans-IO [`Checker`]; this loop performs its actions (sockets through
//! [`Conn`], scripts through [`Children`]), feeds back what happened, and hands results to the
//! [`Pool`], whose events become log lines, notify scripts, FIFO lines and IPVS updates.
//! Timers live in one [`Deadlines`] set keyed by (deadline, checker), so thousands of
//! checkers cost one `BTreeSet` and no thread each. FILE_CHECK values come from the shared
//! inotify [`FileTracker`] the moment a file is written, replaced or removed, as in keepalived.

use crate::smtp_alert::{Alert, CheckKind, Mailer};
use std::collections::HashMap;
use std::io;
use std::time::{Duration, Instant};

use keepalive_checkers::{
    CheckAction, CheckResult, Checker, CheckerKind, IoEvent, IoFailure, Pool, PoolEvent,
    VirtualServerConfig, VirtualServerId,
};
use mio::{Events, Interest, Poll, Token};

use super::io::{Conn, Ev, IcmpError, Tls};
use super::ipvs::Ipvs;
use super::mapping::{format_rs, key_protocol, CheckerPlace, CheckerSpec, Plan};
use super::script::{Children, Owner};
use super::wording;
use crate::deadlines::Deadlines;
use crate::notify::{FifoKind, FifoSet};
use crate::signals::{Request, Signals};
use crate::track_file::{self, FileTracker};
use keepalive_confparse::model::global::GlobalDefs;

const SIGNALS: Token = Token(0);
/// The `track_file` inotify descriptor; checker `i` uses `Token(i + FIRST_CHECKER)`.
const FILES: Token = Token(1);
const FIRST_CHECKER: usize = 2;
/// BFD state changes from the BFD process (`BFD_CHECK`); far above any checker's token.
const BFD: Token = Token(usize::MAX / 2);
/// The parent's metrics requests (`--metrics-listen`).
const METRICS: Token = Token(usize::MAX / 2 + 1);
/// The SNMP master agent's socket (`enable_snmp_checker`).
const SNMP: Token = Token(usize::MAX / 2 + 2);
/// Checker timers handled per loop turn before the sockets are polled again.
const TIMERS_PER_TURN: usize = 256;
/// How often `ha_suspend` virtual addresses are looked at (only when one is configured).
const VIP_POLL: Duration = Duration::from_secs(1);

/// One checker and what it holds.
///
/// Kept small, as there may be tens of thousands: the configuration lives in the checker, and
/// the names that log lines print are made when a line is written.
#[derive(Debug)]
struct Slot {
    place: CheckerPlace,
    checker: Checker,
    /// Boxed: only a checker with an attempt in flight has one.
    conn: Option<Box<Conn>>,
    script: Option<crate::spawn::JobId>,
    timer: Option<Instant>,
    /// Suspended by `ha_suspend` (its virtual address is absent), as last logged.
    suspended: bool,
    /// The state of the same checker before a reload (keepalived's `migrate_checkers`): its
    /// first result here is then a change, or nothing, rather than a first result.
    carried_up: Option<bool>,
    /// HTTP_GET: the url whose failure took the checker down; keepalived reports its
    /// success again on the way back up.
    failed_url: Option<Box<str>>,
}

/// What identifies a checker across a reload: virtual server, real server, position, kind.
type CheckerKey = (
    keepalive_checkers::VsKey,
    std::net::IpAddr,
    u16,
    usize,
    &'static str,
);

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
    /// The extension file's announcements.
    pub announce: crate::announce::Plan,
    /// The SNMP subagent wanted with it.
    pub snmp: Option<crate::snmp::check_agent::Wanted>,
}

/// How the loop loads a new configuration on SIGHUP.
pub type Reloader = Box<dyn FnMut() -> Option<Reloaded>>;

/// The loop's state.
pub struct Loop {
    poll: Poll,
    signals: Signals,
    /// The running plan, less what moved out of it so that nothing is held twice: its
    /// `vss` live in the pool (read them with `pool.virtual_servers()`), its `checkers` in
    /// the slots.
    plan: Plan,
    pool: Pool,
    ipvs: Ipvs,
    slots: Vec<Slot>,
    timers: Deadlines,
    backlog: Vec<usize>,
    /// The `track_file`s FILE_CHECKs name; `None` without any, or if inotify failed.
    files: Option<FileTracker>,
    /// The FILE_CHECK slots of each track file.
    file_checks: HashMap<String, Vec<usize>>,
    /// The BFD process's state reports, once a BFD_CHECK exists.
    bfd: Option<crate::bfd::events::Subscriber>,
    /// The BFD_CHECK slots of each `bfd_instance`.
    bfd_checks: HashMap<String, Vec<usize>>,
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
    /// `--dont-release-ipvs`: IPVS is left alone at shutdown, without a line per server.
    pub dont_release_ipvs: bool,
    /// [`crate::ChildOptions::config_read`].
    pub config_read: fn(),
    /// `lvs_flush_on_stop`: IPVS is flushed at shutdown, without a line per server.
    flush_on_stop: bool,
    /// The one read buffer every socket reads into ([`Conn::readable`]).
    scratch: Box<[u8]>,
    /// Answers the parent's scrapes.
    metrics: Option<crate::metrics::channel::Responder>,
    /// Attempt durations and failure reasons, for the metrics.
    record: crate::metrics::checker::CheckRecord,
    /// Announced virtual servers' routes and the socket that writes them; `None` without
    /// any `announce`.
    announcer: Option<(crate::announce::Announcer, keepalive_netlink::Rtnl)>,
    /// A quorum changed (or a reload) since the announcements were last brought up to date.
    announce_dirty: bool,
    /// The SNMP subagent (`enable_snmp_checker`).
    snmp: Option<crate::snmp::check_agent::CheckAgent>,
}

impl std::fmt::Debug for Loop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loop")
            .field("checkers", &self.slots.len())
            .finish_non_exhaustive()
    }
}

fn new_mailer(global: &GlobalDefs) -> Option<Mailer> {
    Mailer::new(global, crate::logger::enabled(crate::logger::Level::Debug)).unwrap_or_else(|e| {
        log_err!("SMTP alerts disabled: {e}");
        None
    })
}

/// The mail body for a real server's change: the wording of the check that decided it.
fn rs_mail_body(slots: &[Slot], v: usize, r: usize, up: bool) -> String {
    let kind = slots
        .iter()
        .find(|s| s.place.vs() == v && s.place.rs() == r)
        .map(|s| &s.checker.config().kind);
    let kind = match kind {
        Some(CheckerKind::Tcp) => CheckKind::Tcp,
        Some(CheckerKind::Udp(_)) => CheckKind::Udp,
        Some(CheckerKind::Smtp(_)) => CheckKind::Smtp,
        Some(CheckerKind::Dns(_)) => CheckKind::Dns,
        Some(CheckerKind::Ping(_)) => CheckKind::Ping,
        Some(CheckerKind::Misc(_)) => {
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
    /// `FMT_RS` and `FMT_VS` of checker `i`'s real and virtual server, for a log line.
    fn labels(&self, i: usize) -> (String, String) {
        let p = &self.slots[i].place;
        let vss = self.pool.virtual_servers();
        (rs_label(vss, p.vs(), p.rs()), vs_label(vss, p.vs()))
    }

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
            timers: Deadlines::default(),
            backlog: Vec::new(),
            files: None,
            file_checks: HashMap::new(),
            bfd: None,
            bfd_checks: HashMap::new(),
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
            dont_release_ipvs: false,
            config_read: || {},
            flush_on_stop: global.lvs_flush_on_stop.is_some(),
            scratch: vec![0; super::io::SCRATCH].into_boxed_slice(),
            metrics: crate::metrics::channel::Responder::from_env(
                crate::metrics::channel::Role::Checker,
            ),
            record: Default::default(),
            announcer: None,
            announce_dirty: false,
            snmp: None,
        };
        l.poll
            .registry()
            .register(&mut l.signals, SIGNALS, Interest::READABLE)?;
        if let Some(m) = &l.metrics {
            let fd = std::os::fd::AsRawFd::as_raw_fd(&std::os::fd::AsFd::as_fd(m));
            l.poll.registry().register(
                &mut mio::unix::SourceFd(&fd),
                METRICS,
                Interest::READABLE,
            )?;
            l.record = crate::metrics::checker::CheckRecord::new(true);
        }
        Ok(l)
    }

    /// The announcements to make ([`crate::announce`]); set before [`Loop::run`] and by each
    /// reload.
    pub fn set_announcements(&mut self, plan: crate::announce::Plan) {
        self.announce_dirty = true;
        match (&mut self.announcer, plan.is_empty()) {
            (Some((a, _)), _) => a.reload(plan),
            (None, true) => {}
            (None, false) => match keepalive_netlink::Rtnl::open(None) {
                Ok(rtnl) => self.announcer = Some((crate::announce::Announcer::new(plan), rtnl)),
                Err(e) => log_err!("Announcements disabled: {e}"),
            },
        }
    }

    /// Brings the kernel's announced routes in line with the quorums, once per loop turn.
    fn announce(&mut self) {
        if !std::mem::take(&mut self.announce_dirty) {
            return;
        }
        let pool = &self.pool;
        if let Some((a, rtnl)) = self.announcer.as_mut() {
            let changes = a.update(|v| pool.has_quorum(VirtualServerId::new(v)));
            crate::announce::kernel::apply(rtnl, a, &changes);
        }
    }

    /// SIGTERM with announcements: withdraw them, then keep IPVS serving for `drain` so that
    /// the routers stop sending new flows here before the table goes.
    fn withdraw_and_drain(&mut self) {
        let Some((a, rtnl)) = self.announcer.as_mut() else {
            return;
        };
        let changes = a.withdraw_all();
        let drain = a.plan().drain;
        if changes.is_empty() {
            return;
        }
        log_info!(
            "Withdrawing announcements, then draining for {} ms before stopping",
            drain.as_millis()
        );
        crate::announce::kernel::apply(rtnl, a, &changes);
        std::thread::sleep(drain);
        log_info!("Drain complete");
    }

    fn build_slots(&mut self, now: Instant) {
        self.timers.clear();
        self.backlog.clear();
        self.file_checks.clear();
        self.bfd_checks.clear();
        // Each configuration moves into its checker (no second copy of every checker's settings),
        // and the slots are allocated at their final size.
        let specs = std::mem::take(&mut self.plan.checkers);
        self.slots = Vec::with_capacity(specs.len());
        for (i, CheckerSpec { place, config }) in specs.into_iter().enumerate() {
            self.seed = self
                .seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let keyword = config.kind.keyword();
            let checker = match Checker::new(config, now, self.seed ^ i as u64) {
                Ok(c) => c,
                Err(e) => {
                    // mapping::plan already built each checker once.
                    log_err!("{keyword}: {e}");
                    continue;
                }
            };
            let vss = self.pool.virtual_servers();
            match &checker.config().kind {
                CheckerKind::Bfd(b) => self
                    .bfd_checks
                    .entry(b.name.clone())
                    .or_default()
                    .push(self.slots.len()),
                CheckerKind::File(f) => self
                    .file_checks
                    .entry(f.track_file.clone())
                    .or_default()
                    .push(self.slots.len()),
                _ => {}
            }
            let suspended = ha_suspend_absent(vss, place.vs());
            self.slots.push(Slot {
                place,
                checker,
                conn: None,
                script: None,
                timer: None,
                suspended,
                carried_up: None,
                failed_url: None,
            });
        }
        for i in 0..self.slots.len() {
            let s = &self.slots[i];
            // FILE_CHECK and BFD_CHECK are driven by their tracked object, not launched.
            if matches!(
                s.checker.config().kind,
                CheckerKind::File(_) | CheckerKind::Bfd(_)
            ) {
                self.resched(i);
                continue;
            }
            let (rs, vs) = self.labels(i);
            log_info!(
                "{}ctivating healthchecker for service {rs} for VS {vs}",
                if s.suspended { "Dea" } else { "A" },
            );
            self.resched(i);
        }
        self.record.reset(self.slots.len());
        // keepalived is built with BFD; its BFD monitoring starts with the checkers.
        log_info!("Activating BFD healthchecker");
        self.alive = self
            .pool
            .virtual_servers()
            .iter()
            .enumerate()
            .map(|(v, vs)| {
                (0..vs.reals.len())
                    .map(|r| self.pool.is_alive(VirtualServerId::new(v).real(r)))
                    .collect()
            })
            .collect();
        let vss = self.pool.virtual_servers();
        self.sorry_alive.resize(vss.len(), false);
        self.vip_present = vec![None; vss.len()];
        self.polls_vips = vss.iter().any(|vs| vs.ha_suspend);
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
        self.open_bfd();
        self.check_vips(now);
        (self.config_read)();
        self.flush_table();
        self.announce();
        // Building the checkers (from the plan, which is then dropped) and installing the
        // whole table (the kernel's dump, one request per entry) leave scratch behind in the
        // heap; give it back, as after the configuration was read. A reload does the same.
        crate::memory::release_after_load();
        let mut next_vip_poll = now + VIP_POLL;
        let mut events = Events::with_capacity(events_wanted(self.slots.len()));
        loop {
            if events.capacity() < events_wanted(self.slots.len()) {
                events = Events::with_capacity(events_wanted(self.slots.len()));
            }
            let now = Instant::now();
            let vip_poll = self.polls_vips.then_some(next_vip_poll);
            let snmp = self.snmp.as_ref().and_then(|a| a.next_deadline());
            let wake = [
                vip_poll,
                self.timers.next(),
                self.children.next_deadline(),
                snmp,
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
                                self.withdraw_and_drain();
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
                                    announce,
                                    snmp,
                                }) = reload()
                                {
                                    // keepalived's `ipvs_start` on reload (LOG_DEBUG).
                                    if !plan.vss.is_empty()
                                        || !self.pool.virtual_servers().is_empty()
                                    {
                                        log_debug!("Reinitializing ipvs");
                                    }
                                    self.ipvs.set_settings(settings);
                                    self.tls = tls;
                                    self.fifos.close();
                                    self.children.reconfigure(&global);
                                    self.fifos = fifo_set(&global, &mut self.children);
                                    self.mailer = new_mailer(&global);
                                    self.flush_on_stop = global.lvs_flush_on_stop.is_some();
                                    self.reload(now, plan);
                                    self.set_announcements(announce);
                                    self.flush_table();
                                    self.snmp = crate::snmp::check_agent::CheckAgent::reload(
                                        self.snmp.take(),
                                        snmp,
                                        self.poll.registry(),
                                        SNMP,
                                        now,
                                    );
                                    crate::memory::release_after_load();
                                }
                                (self.config_read)();
                            }
                            Request::Child => self.reap(now),
                            Request::DumpData | Request::DumpStats | Request::DumpJson => {
                                self.dump()
                            }
                        }
                    }
                    continue;
                }
                if ev.token() == BFD {
                    let changes = self.bfd.as_mut().map(|s| s.drain());
                    for (name, up) in changes.unwrap_or_default() {
                        self.bfd_state(now, &name, up);
                    }
                    continue;
                }
                if ev.token() == METRICS {
                    self.serve_metrics();
                    continue;
                }
                if ev.token() == SNMP {
                    self.serve_snmp(now);
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
                        more = c.readable(&mut self.scratch, &mut out);
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
                    Some(c) => c.readable(&mut self.scratch, &mut out),
                    None => continue,
                };
                self.feed(i, now, out);
                if more && self.slots[i].conn.is_some() {
                    self.backlog.push(i);
                }
            }
            // Timers, a bounded batch per turn: when more are due than the loop can start at
            // once, the sockets of attempts already under way are served first (the next
            // poll does not wait), so an overloaded checker starts checks late rather than
            // failing the ones in flight by their deadline.
            let mut fired = 0;
            while fired < TIMERS_PER_TURN {
                let Some(i) = self.timers.pop_due(now) else {
                    break;
                };
                fired += 1;
                self.slots[i].timer = None;
                self.slots[i].checker.handle_timeout(now);
                self.drive(i, now);
            }
            if self.children.next_deadline().is_some_and(|t| t <= now) {
                self.reap(now);
            }
            if let Some(a) = &mut self.snmp {
                a.handle_timeout(self.poll.registry(), now);
            }
            if now >= next_vip_poll {
                self.check_vips(now);
                next_vip_poll = now + VIP_POLL;
            }
            self.flush_table();
            self.announce();
        }
    }

    /// Applies the pool's table to IPVS once per loop turn, however many real servers
    /// changed in it: the reconcile compares the whole table, so doing it per change would
    /// cost O(changes × servers) when many checks conclude together.
    fn flush_table(&mut self) {
        if std::mem::take(&mut self.table_dirty) {
            let desired = self.pool.desired();
            self.ipvs
                .apply(self.pool.virtual_servers(), &self.plan, &desired);
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
            self.slots[i].checker.handle_event(now, ev.as_io());
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
                self.slots[i].checker.handle_event(now, ev.as_io());
            }
        }
        self.resched(i);
    }

    fn resched(&mut self, i: usize) {
        let s = &mut self.slots[i];
        let next = s.checker.poll_timeout();
        self.timers.rearm(i, &mut s.timer, next);
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
                    (*old).close(registry);
                }
                let tls_pair = match (&tls, &self.tls) {
                    (Some(p), Some(t)) => Some((t, p)),
                    (Some(_), None) => {
                        pending.push(Ev::ConnectFailed(IoFailure::Tls));
                        return;
                    }
                    _ => None,
                };
                self.record.started(i, Instant::now());
                match Conn::connect(
                    registry,
                    Self::token(i),
                    transport,
                    family,
                    &target,
                    tls_pair,
                    pending,
                ) {
                    Ok(c) => slot.conn = Some(Box::new(c)),
                    Err(e) => pending.push(Ev::ConnectFailed(IoFailure::of(&e))),
                }
            }
            CheckAction::Send(bytes) => match slot.conn.as_mut() {
                Some(c) => c.send(&bytes, pending),
                None => pending.push(Ev::ConnectFailed(IoFailure::Kind(
                    io::ErrorKind::NotConnected,
                ))),
            },
            CheckAction::Close => {
                if let Some(c) = slot.conn.take() {
                    (*c).close(registry);
                }
                self.record.ended(i, Instant::now());
                self.backlog.retain(|&b| b != i);
            }
            CheckAction::SendIcmp {
                family,
                target,
                packet,
            } => {
                if let Some(old) = slot.conn.take() {
                    (*old).close(registry);
                }
                self.record.started(i, Instant::now());
                let v4 = family == keepalive_checkers::Family::Inet;
                match Conn::icmp(registry, Self::token(i), family, &target, &packet, pending) {
                    Ok(c) => slot.conn = Some(Box::new(c)),
                    Err(e) => {
                        match &e {
                            IcmpError::Socket(_) => log_info!(
                                "ICMP{} connect fail to create socket. Rescheduling.",
                                if v4 { "" } else { "v6" }
                            ),
                            IcmpError::Send(_) if v4 => log_info!("send ICMP packet fail"),
                            IcmpError::Send(err) => log_info!(
                                "send ICMPv6 packet fail - errno {}",
                                err.raw_os_error().unwrap_or(0)
                            ),
                        }
                        let (IcmpError::Socket(err) | IcmpError::Send(err)) = &e;
                        pending.push(Ev::ConnectFailed(IoFailure::of(err)));
                    }
                }
            }
            CheckAction::RunScript(script) => match self.children.spawn(
                Instant::now(),
                &script,
                Owner::Checker(i),
                misc_timeout(&slot.checker),
                "MISC_CHECK",
            ) {
                Ok(id) => {
                    slot.script = Some(id);
                    self.record.started(i, Instant::now());
                }
                Err(e) => {
                    let vss = self.pool.virtual_servers();
                    log_info!(
                        "Misc check for [{} VS {}]: {e}",
                        rs_label(vss, slot.place.vs(), slot.place.rs()),
                        vs_label(vss, slot.place.vs())
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
            // An action this loop does not know fails the check rather than stalling it.
            _ => pending.push(Ev::ConnectFailed(IoFailure::Kind(
                io::ErrorKind::Unsupported,
            ))),
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
                self.record.ended(i, now);
                self.slots[i]
                    .checker
                    .handle_event(now, IoEvent::ScriptExited(status));
                self.drive(i, now);
            }
        }
    }

    /// A checker's result: keepalived's log line, then the pool.
    fn result(&mut self, i: usize, now: Instant, r: &CheckResult) {
        if !r.retry_pending {
            self.record.result(i, r.up, r.reason.as_ref());
        }
        let (rs, vs) = self.labels(i);
        let s = &mut self.slots[i];
        let real = &self.pool.virtual_servers()[s.place.vs()].reals[s.place.rs()];
        let rs_pair = format!("[{}]:{}", real.addr, real.port);
        let mut shown = r.clone();
        if !r.retry_pending {
            if let Some(was) = s.carried_up.take().filter(|_| r.first) {
                shown.first = false;
                shown.changed = was != r.up;
            }
        }
        let ctx = wording::Ctx {
            config: s.checker.config(),
            rs: &rs,
            vs: &vs,
            retries_done: s.checker.retries_done(),
            detail: crate::logger::detail(),
            failed_url: s.failed_url.as_deref(),
            rs_pair: &rs_pair,
        };
        for line in wording::result_lines(&ctx, &shown) {
            log_info!("{line}");
        }
        if !r.retry_pending && matches!(s.checker.config().kind, CheckerKind::Http(_)) {
            s.failed_url = if r.up {
                None
            } else {
                wording::failed_url(s.checker.config(), r.reason.as_ref())
                    .map(String::into_boxed_str)
            };
        }
        if r.retry_pending {
            return;
        }
        let s = &self.slots[i].place;
        let id = VirtualServerId::new(s.vs()).real(s.rs()).checker(s.index());
        self.pool.checker_result(id, r);
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
                PoolEvent::RealServer { real, alive } => {
                    let (vs, rs) = (real.vs().index(), real.index());
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
                    log_info!(
                        "{}",
                        wording::rs_state_line(
                            &rs_label(self.pool.virtual_servers(), vs, rs),
                            &vs_label(self.pool.virtual_servers(), vs),
                            alive,
                            inhibit
                        )
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
                    init,
                    threshold,
                    weight_sum,
                } => self.quorum_event(vs.index(), up, init, threshold, weight_sum),
                PoolEvent::Weight {
                    real,
                    from,
                    to,
                    alive,
                } => {
                    let (vs, rs) = (real.vs().index(), real.index());
                    if vs < self.pool.virtual_servers().len()
                        && rs < self.pool.virtual_servers()[vs].reals.len()
                    {
                        log_info!(
                            "{}",
                            wording::weight_line(
                                &rs_label(self.pool.virtual_servers(), vs, rs),
                                &vs_label(self.pool.virtual_servers(), vs),
                                from,
                                to,
                                alive
                            )
                        );
                    }
                }
                PoolEvent::SuspendCheckers { vs, suspended } => {
                    for i in 0..self.slots.len() {
                        if self.slots[i].place.vs() == vs.index() {
                            if self.slots[i].suspended != suspended {
                                self.slots[i].suspended = suspended;
                                let (rs, vs) = self.labels(i);
                                log_info!(
                                    "{}ing healthchecker for service {rs} for VS {vs}",
                                    if suspended { "Suspend" } else { "Activat" },
                                );
                            }
                            self.slots[i].checker.set_suspended(now, suspended);
                            self.drive(i, now);
                        }
                    }
                }
                _ => {}
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
        self.files = FileTracker::watch(
            self.poll.registry(),
            FILES,
            &plan.track_files,
            |n| plan.tracks_file(n),
            start,
        );
    }

    /// keepalived's `update_quorum_state` lines (and the sorry server's), and the mail.
    fn quorum_event(
        &mut self,
        vs: usize,
        up: bool,
        at_start: bool,
        threshold: i64,
        weight_sum: i64,
    ) {
        self.announce_dirty = true;
        if self.stopping || vs >= self.pool.virtual_servers().len() {
            return;
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
        // The sorry server moves only when it is (or is not yet) in the pool.
        let sorry = c
            .sorry_server
            .as_ref()
            .filter(|_| self.sorry_alive[vs] == up);
        let sorry_fmt = sorry.map(|_| sorry_label(self.pool.virtual_servers(), vs));
        for line in wording::quorum_lines(
            &label,
            up,
            at_start,
            (c.quorum, c.hysteresis, threshold, weight_sum),
            sorry.zip(sorry_fmt.as_deref()).map(|(s, l)| (l, s.inhibit)),
        ) {
            log_info!("{line}");
        }
        if sorry.is_some() {
            self.sorry_alive[vs] = !up;
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

    /// Listens to the BFD process once a BFD_CHECK exists, and asks it for every state (at
    /// start and after a reload, whose checkers start afresh).
    fn open_bfd(&mut self) {
        if self.bfd_checks.is_empty() {
            return;
        }
        if let Some(s) = &self.bfd {
            s.request_all();
            return;
        }
        match crate::bfd::events::Subscriber::open(crate::bfd::events::Role::Checker) {
            Ok(s) => {
                let fd = std::os::fd::AsRawFd::as_raw_fd(&std::os::fd::AsFd::as_fd(&s));
                if let Err(e) = self.poll.registry().register(
                    &mut mio::unix::SourceFd(&fd),
                    BFD,
                    Interest::READABLE,
                ) {
                    log_err!("BFD_CHECK: {e}");
                }
                self.bfd = Some(s);
            }
            Err(e) => log_err!("BFD_CHECK: cannot listen to the BFD process - {e}"),
        }
    }

    /// A `bfd_instance`'s new state, to every BFD_CHECK that names it
    /// (keepalived's `bfd_check_handle_event`).
    fn bfd_state(&mut self, now: Instant, name: &str, up: bool) {
        let Some(slots) = self.bfd_checks.get(name).cloned() else {
            return;
        };
        for i in slots {
            self.slots[i]
                .checker
                .handle_event(now, IoEvent::BfdState(up));
            self.drive(i, now);
        }
    }

    /// `ha_suspend`: a virtual server's checkers run only while its address is local.
    fn check_vips(&mut self, now: Instant) {
        for v in 0..self.pool.virtual_servers().len() {
            if !self.pool.virtual_servers()[v].ha_suspend {
                continue;
            }
            let Some(present) = vip_present(self.pool.virtual_servers(), v) else {
                continue;
            };
            if self.vip_present[v] != Some(present) {
                self.vip_present[v] = Some(present);
                self.pool.set_vip_present(VirtualServerId::new(v), present);
                self.drain_pool(now, false);
            }
        }
    }

    fn close_all(&mut self) {
        let registry = self.poll.registry();
        for s in &mut self.slots {
            if let Some(c) = s.conn.take() {
                (*c).close(registry);
            }
            s.script = None;
        }
        self.children.disown_all();
    }

    fn reload(&mut self, now: Instant, plan: Plan) {
        self.close_all();
        self.log_reload_removals(&plan);
        let mut carried: HashMap<CheckerKey, (bool, Option<Box<str>>)> = HashMap::new();
        for s in self.slots.iter().filter(|s| s.checker.has_run()) {
            carried
                .entry(self.checker_key(s))
                .or_insert_with(|| (s.checker.is_up(), s.failed_url.clone()));
        }
        // The sorry server stays in the pool of a kept virtual server if it is unchanged.
        let sorry_alive: Vec<bool> = plan
            .vss
            .iter()
            .map(|n| {
                self.pool
                    .virtual_servers()
                    .iter()
                    .position(|o| o.key == n.key)
                    .filter(|&o| {
                        let same = |a: &keepalive_checkers::SorryServerConfig,
                                    b: &keepalive_checkers::SorryServerConfig| {
                            a.addr == b.addr && a.port == b.port
                        };
                        match (
                            &self.pool.virtual_servers()[o].sorry_server,
                            &n.sorry_server,
                        ) {
                            (Some(a), Some(b)) => same(a, b),
                            _ => false,
                        }
                    })
                    .is_some_and(|o| self.sorry_alive.get(o).copied().unwrap_or(false))
            })
            .collect();
        self.plan = plan;
        self.sorry_alive = sorry_alive;
        self.pool.reload(std::mem::take(&mut self.plan.vss));
        // A reload's removals were logged above; its events mix old indices (removed
        // servers) and new ones. Besides notifications, only `init_services`' quorum
        // evaluation of the new configuration logs, as at start-up.
        while let Some(ev) = self.pool.poll_event() {
            match ev {
                PoolEvent::RunScript(s) => {
                    let _ = self.children.spawn(now, &s, Owner::Notify, None, "notify");
                }
                PoolEvent::FifoLine(line) => self.fifos.write_line(line.trim_end_matches('\n')),
                PoolEvent::Quorum {
                    vs,
                    up,
                    init: true,
                    threshold,
                    weight_sum,
                } => self.quorum_event(vs.index(), up, true, threshold, weight_sum),
                _ => {}
            }
        }
        self.open_files(track_file::Start::Reload);
        self.build_slots(now);
        for i in 0..self.slots.len() {
            let key = self.checker_key(&self.slots[i]);
            if let Some((up, url)) = carried.get(&key) {
                self.slots[i].carried_up = Some(*up);
                self.slots[i].failed_url = url.clone();
            }
        }
        if self.pool.take_table_changed() {
            self.table_dirty = true;
        }
        self.file_values(now);
        self.open_bfd();
        self.check_vips(now);
    }

    fn checker_key(&self, slot: &Slot) -> CheckerKey {
        let place = &slot.place;
        let vs = &self.pool.virtual_servers()[place.vs()];
        let rs = &vs.reals[place.rs()];
        let keyword = slot.checker.config().kind.keyword();
        (vs.key.clone(), rs.addr, rs.port, place.index(), keyword)
    }

    /// keepalived's `clear_diff_services` lines for what a reload to `new` drops: virtual
    /// servers, real servers (those in IPVS also get `clear_service_rs`'s line) and changed
    /// sorry servers that were in the pool.
    fn log_reload_removals(&self, new: &Plan) {
        for (v, vs) in self.pool.virtual_servers().iter().enumerate() {
            let label = vs_label(self.pool.virtual_servers(), v);
            let kept = new.vss.iter().find(|n| n.key == vs.key);
            if kept.is_none() {
                match &vs.key {
                    keepalive_checkers::VsKey::Group { name, .. } => {
                        log_info!("Removing Virtual Server Group [{name}]")
                    }
                    _ => log_info!("Removing Virtual Server {label}"),
                }
                if self.flush_on_stop {
                    continue;
                }
            }
            let sorry_in = self.sorry_alive.get(v).copied().unwrap_or(false);
            for (r, rs) in vs.reals.iter().enumerate() {
                let rs_fmt = rs_label(self.pool.virtual_servers(), v, r);
                if let Some(n) = kept {
                    if n.reals
                        .iter()
                        .any(|x| x.addr == rs.addr && x.port == rs.port)
                    {
                        continue;
                    }
                    log_info!("service {rs_fmt} no longer exist");
                }
                let alive = self.pool.is_alive(VirtualServerId::new(v).real(r));
                // In IPVS: alive and not displaced by the sorry server, or inhibited.
                if rs.inhibit_on_failure || (alive && !sorry_in) {
                    log_info!(
                        "{}",
                        wording::clear_rs_line(
                            &rs_fmt,
                            &label,
                            false,
                            rs.inhibit_on_failure && !alive
                        )
                    );
                }
            }
            if let (Some(old), Some(n)) = (&vs.sorry_server, kept) {
                let same = n
                    .sorry_server
                    .as_ref()
                    .is_some_and(|s| s.addr == old.addr && s.port == old.port);
                if !same && (sorry_in || old.inhibit) {
                    log_info!(
                        "Removing sorry server {} from VS {label}",
                        sorry_label(self.pool.virtual_servers(), v)
                    );
                }
            }
        }
    }

    fn shutdown(&mut self, now: Instant) {
        self.close_all();
        self.children.terminate_all();
        // keepalived's `clear_services`: skipped with --dont-release-ipvs; a flush
        // (`lvs_flush_on_stop`) empties IPVS without a line per real server.
        if !self.dont_release_ipvs && !self.flush_on_stop {
            for v in 0..self.pool.virtual_servers().len() {
                for r in 0..self.pool.virtual_servers()[v].reals.len() {
                    let inhibited = self.pool.virtual_servers()[v].reals[r].inhibit_on_failure
                        && !self.pool.is_alive(VirtualServerId::new(v).real(r));
                    log_info!(
                        "{}",
                        wording::clear_rs_line(
                            &rs_label(self.pool.virtual_servers(), v, r),
                            &vs_label(self.pool.virtual_servers(), v),
                            true,
                            inhibited
                        )
                    );
                }
            }
        }
        self.stopping = true;
        self.pool.stop();
        self.drain_pool(now, false);
        self.fifos.close();
        if let Some(a) = &mut self.snmp {
            a.close(self.poll.registry(), now);
        }
    }

    /// Starts the SNMP subagent (`enable_snmp_checker`), if wanted.
    pub fn start_snmp(&mut self, wanted: Option<crate::snmp::check_agent::Wanted>) {
        self.snmp = crate::snmp::check_agent::CheckAgent::start(wanted, SNMP, Instant::now());
        if let Some(a) = &mut self.snmp {
            a.handle_timeout(self.poll.registry(), Instant::now());
        }
    }

    /// The master agent's socket is ready: answers from the pool, the checkers and the
    /// kernel's counters (read once per batch of queries, only if one needs them).
    fn serve_snmp(&mut self, now: Instant) {
        let Some(a) = &mut self.snmp else { return };
        let (pool, slots, plan, ipvs) = (&self.pool, &self.slots, &self.plan, &mut self.ipvs);
        let table = std::cell::RefCell::new(ipvs);
        let writes = a.ready(self.poll.registry(), now, || {
            let kernel = table.borrow_mut().table().unwrap_or_default();
            let mut failed = std::collections::HashMap::new();
            for s in slots.iter().filter(|s| !s.checker.is_up()) {
                *failed.entry((s.place.vs(), s.place.rs())).or_insert(0) += 1;
            }
            crate::snmp::check_state::states(pool, &plan.services, &kernel, &failed)
        });
        for (v, r, weight) in writes {
            self.pool
                .set_weight(VirtualServerId::new(v).real(r), weight);
        }
        self.drain_pool(now, false);
    }

    /// Release IPVS entries kad installed.
    pub fn release_ipvs(&mut self) {
        self.ipvs.stop();
    }

    /// SIGUSR1: keepalived's `keepalived_check.data` (check_print.c), with the state of every
    /// virtual server, real server and checker, in keepalived's labels.
    /// Answers the parent's scrape with the pool's state.
    fn serve_metrics(&mut self) {
        let Some(m) = &mut self.metrics else {
            return;
        };
        let (pool, slots, record, ipvs) = (&self.pool, &self.slots, &self.record, &mut self.ipvs);
        m.serve(|e| {
            let by_real = record.by_real(|i| (slots[i].place.vs(), slots[i].place.rs()));
            let mut rows = crate::metrics::checker::rows(
                pool,
                slots.len(),
                |v, r| by_real.get(&(v, r)).and_then(|x| x.0),
                |v, r| by_real.get(&(v, r)).and_then(|x| x.1),
            );
            // One netlink dump from the kernel, which answers at once (no peer to wait for).
            if let Some(table) = ipvs.table() {
                (rows.ipvs_services, rows.ipvs_dests) = crate::metrics::checker::ipvs_rows(&table);
            }
            crate::metrics::checker::render(e, &rows);
        });
    }

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
                u8::from(self.pool.has_quorum(VirtualServerId::new(v)))
            );
            for (r, rs) in vs.reals.iter().enumerate() {
                let eff = self
                    .pool
                    .effective_weight(VirtualServerId::new(v).real(r))
                    .unwrap_or(rs.weight);
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
                let _ = writeln!(
                    o,
                    "   alive = {}",
                    u8::from(self.pool.is_alive(VirtualServerId::new(v).real(r)))
                );
                for s in self
                    .slots
                    .iter()
                    .filter(|s| s.place.vs() == v && s.place.rs() == r)
                {
                    let _ = writeln!(
                        o,
                        "   Keepalive method = {}",
                        s.checker.config().kind.keyword()
                    );
                    let _ = writeln!(
                        o,
                        "     Checker state = {}",
                        if s.checker.is_up() { "UP" } else { "DOWN" }
                    );
                    let t = &s.checker.config().target;
                    let _ = writeln!(o, "     Connection dest = [{}]:{}", t.addr, t.port);
                }
            }
        }
        o
    }
}

/// Room for every socket's readiness in one poll, as keepalived sizes its epoll array to the
/// descriptors it watches: with a smaller batch, a loaded loop would see a check's deadline
/// before the readiness that arrived in time but did not fit, and fail a healthy server.
fn events_wanted(checkers: usize) -> usize {
    checkers.saturating_add(16).max(1024)
}

/// Whether virtual server `v`'s address is on this host (`None` for a fwmark or group).
fn vip_present(vss: &[VirtualServerConfig], v: usize) -> Option<bool> {
    match &vss[v].key {
        keepalive_checkers::VsKey::Addr { addr, .. } => {
            Some(std::net::UdpSocket::bind((*addr, 0)).is_ok())
        }
        _ => None,
    }
}

/// `ha_suspend` and the address absent: keepalived starts such checkers disabled.
fn ha_suspend_absent(vss: &[VirtualServerConfig], v: usize) -> bool {
    vss[v].ha_suspend && vip_present(vss, v) == Some(false)
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
fn misc_timeout(checker: &Checker) -> Option<Duration> {
    matches!(checker.config().kind, CheckerKind::Misc(_)).then(|| checker.attempt_timeout())
}
