//! The VRRP child process: one single-threaded event loop driving `keepalive-vrrp`
//! instances over raw sockets, with netlink for addresses and links.
//!
//! keepalived's `vrrp_daemon.c`: read the configuration, create VMACs, install the static
//! addresses, start every instance, then serve sockets, netlink, trackers, signals and
//! timers until SIGTERM.

pub mod bfd_takeover;
mod dbus;
pub mod dump;
pub(crate) mod garp;
pub mod mapping;
pub mod netspec;
pub(crate) mod nft;
pub mod router;
pub mod script_track;
pub(crate) mod snapshot;
pub mod spec;
pub mod track_process;

use std::time::{Duration, Instant};

use keepalive_confparse::model::Config;
use keepalive_netlink::{RcvBuf, Reflector, Rtnl};
use keepalive_vrrp::action::{NotifyEvent, NotifyScope};
use keepalive_vrrp::tracker::TrackerState;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use crate::notify::Notifier;
use crate::signals::{Request, Signals};
use crate::smtp_alert::{Mailer, StateGate};
use crate::spawn::{Runner, ScriptUsers};
use crate::track_file::{self, FileTracker};
use crate::ChildOptions;
use router::{Previous, Router, SOCKET_TOKEN_BASE};
use script_track::ScriptTrackers;
use std::collections::HashMap;
use track_process::ProcessTracker;

const SIGNALS: Token = Token(0);
const NETLINK: Token = Token(1);
const FILES: Token = Token(2);
const PROCESSES: Token = Token(3);
const TIMER: Token = Token(4);
/// BFD state changes from the BFD process (`track_bfd`).
const BFD: Token = Token(5);
/// Method calls from the DBus thread (`enable_dbus`).
const DBUS: Token = Token(7);
/// The parent's metrics requests (`--metrics-listen`).
const METRICS: Token = Token(8);
/// The AgentX socket (`enable_snmp_vrrp`, `-x`).
const SNMP: Token = Token(9);

/// Runs the VRRP process until it is told to stop; returns the exit code.
pub fn run(opts: &ChildOptions) -> i32 {
    match Vrrpd::start(opts) {
        Ok(mut d) => d.serve(),
        Err(e) => {
            log_err!("{e}");
            1
        }
    }
}

/// Why the VRRP process could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// epoll or signalfd.
    #[error("cannot set up the event loop: {0}")]
    Loop(#[from] std::io::Error),
    /// signalfd.
    #[error("cannot set up signal handling: {0}")]
    Signals(#[from] nix::Error),
    /// rtnetlink.
    #[error("netlink: {0}")]
    Netlink(#[from] keepalive_netlink::Error),
}

/// The loop's state.
struct Vrrpd<'a> {
    opts: &'a ChildOptions,
    poll: Poll,
    signals: Signals,
    router: Router,
    config: Config,
    statics: Statics,
    runner: Runner,
    notifier: Notifier,
    scripts: ScriptTrackers,
    files: Option<FileTracker>,
    processes: Option<ProcessTracker>,
    mailer: Option<Mailer>,
    /// Wakes the loop at the next deadline with nanosecond resolution (epoll's own timeout
    /// counts whole milliseconds, which would make every advert and takeover up to 1 ms late).
    timer: TimerFd,
    /// keepalived's `last_email_state`, per instance or group name.
    mailed: HashMap<String, StateGate>,
    /// The BFD process's state reports, once a `bfd_instance` is configured.
    bfd: Option<crate::bfd::events::Subscriber>,
    /// `bfd_takeover` from the extension file.
    takeover: bfd_takeover::Takeover,
    /// The DBus service, once `enable_dbus` has started it.
    dbus: Option<dbus::Service>,
    /// Answers the parent's scrapes.
    metrics: Option<crate::metrics::channel::Responder>,
    /// The SNMP subagent, when a VRRP part of SNMP is enabled.
    snmp: Option<crate::snmp::vrrp_agent::VrrpAgent>,
}

fn rcvbuf(b: &keepalive_confparse::model::global::RcvBufs) -> Option<RcvBuf> {
    b.size.map(|s| RcvBuf {
        bytes: s as usize,
        force: b.force,
    })
}

impl<'a> Vrrpd<'a> {
    fn start(opts: &'a ChildOptions) -> Result<Vrrpd<'a>, StartError> {
        let (config, ext, _) = opts.read_with_extensions(true);
        crate::sched::apply(&config.global.vrrp_process, "VRRP");
        let poll = Poll::new()?;
        let mut signals = Signals::new()?;
        poll.registry()
            .register(&mut signals, SIGNALS, Interest::READABLE)?;
        let g = &config.global;
        let reflector = Reflector::open(rcvbuf(&g.vrrp_netlink_monitor_rcv_bufs))?;
        let rtnl = Rtnl::open(rcvbuf(&g.vrrp_netlink_cmd_rcv_bufs))?;
        let fd = std::os::fd::AsRawFd::as_raw_fd(&reflector);
        poll.registry()
            .register(&mut SourceFd(&fd), NETLINK, Interest::READABLE)?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id());
        let mut router = Router::new(reflector, rtnl, seed);
        router.dont_release = opts.dont_release;
        router.set_garp_intervals(mapping::garp_settings(&config.global));
        router.set_link_delays(&mapping::link_delays(&config.vrrp));
        let now = Instant::now();
        let mut runner = Runner::new();
        let notifier = Notifier::new(&config, &mut runner, now);
        let scripts =
            ScriptTrackers::new(&config.vrrp.scripts, &ScriptUsers::new(&config.global), now);
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        let timer_fd = std::os::fd::AsRawFd::as_raw_fd(&std::os::fd::AsFd::as_fd(&timer));
        poll.registry()
            .register(&mut SourceFd(&timer_fd), TIMER, Interest::READABLE)?;
        let mut d = Vrrpd {
            opts,
            poll,
            signals,
            router,
            config,
            statics: Statics::default(),
            runner,
            notifier,
            scripts,
            mailer: None,
            mailed: HashMap::new(),
            files: None,
            processes: None,
            timer,
            bfd: None,
            takeover: bfd_takeover::Takeover::default(),
            dbus: None,
            metrics: crate::metrics::channel::Responder::from_env(
                crate::metrics::channel::Role::Vrrp,
            ),
            snmp: None,
        };
        if let Some(m) = &d.metrics {
            let fd = std::os::fd::AsRawFd::as_raw_fd(&std::os::fd::AsFd::as_fd(m));
            d.poll
                .registry()
                .register(&mut SourceFd(&fd), METRICS, Interest::READABLE)?;
        }
        d.open_trackers(track_file::Start::Initial);
        d.mailer = d.new_mailer();
        d.router.create_vmacs(&mapping::vmacs(&d.config.vrrp));
        d.statics.install(&mut d.router, &d.config);
        let plan = mapping::plan(&d.config, d.router.reflector.table(), d.scripts.disabled());
        d.router
            .start(d.poll.registry(), plan, now, &Previous::default());
        d.script_changes(now);
        d.tracker_snapshot(now);
        d.open_bfd();
        d.takeover.configure(&ext, &d.router, d.poll.registry());
        d.takeover.sync(&d.router, now);
        d.dbus_start();
        d.snmp = crate::snmp::vrrp_agent::start(opts, &d.config, SNMP, now);
        crate::memory::release_after_load();
        (opts.config_read)();
        Ok(d)
    }

    fn serve(&mut self) -> i32 {
        let mut events = Events::with_capacity(256);
        let mut buf = vec![0u8; 65536];
        // Start-up's transitions (init to BACKUP, an owner to MASTER) are reported now, as
        // keepalived runs their scripts at once, not at the loop's first wake-up (up to the
        // master-down interval later).
        self.dispatch_notifications(Instant::now());
        loop {
            let deadline = [
                self.router.next_deadline(),
                self.runner.next_deadline(),
                self.scripts.poll_timeout(),
                self.processes
                    .as_ref()
                    .and_then(ProcessTracker::poll_timeout),
                self.takeover.next_deadline(),
                self.snmp.as_ref().and_then(|s| s.next_deadline()),
            ]
            .into_iter()
            .flatten()
            .min();
            let timeout = self.arm(deadline);
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    log_err!("poll: {e}");
                    return 1;
                }
            }
            let now = Instant::now();
            self.router.handle_timeout(now);
            for ev in &events {
                match ev.token() {
                    SIGNALS => {
                        while let Some(req) = self.signals.next() {
                            if let Some(code) = self.on_signal(req) {
                                return code;
                            }
                        }
                    }
                    NETLINK => self.router.netlink_ready(now),
                    TIMER => {
                        let _ = self.timer.wait();
                    }
                    BFD => self.bfd_changes(now),
                    bfd_takeover::TOKEN => self.takeover.readable(&mut self.router, now),
                    DBUS => self.dbus_calls(now),
                    METRICS => {
                        if let Some(m) = &mut self.metrics {
                            let (router, scripts, config) =
                                (&self.router, &self.scripts, &self.config);
                            m.serve(|e| {
                                let rows = crate::metrics::vrrp::rows(router, scripts, config);
                                crate::metrics::vrrp::render(e, &rows);
                            });
                        }
                    }
                    SNMP => {
                        if let Some(s) = &mut self.snmp {
                            let (r, c, sc) = (&self.router, &self.config, &self.scripts);
                            s.ready(self.poll.registry(), now, r, c, sc);
                        }
                    }
                    FILES => {
                        let changed = self.files.as_mut().map(FileTracker::process);
                        for (name, v) in changed.unwrap_or_default() {
                            self.set(now, mapping::Source::File(name), TrackerState::Value(v));
                        }
                    }
                    PROCESSES => {
                        let changed = self.processes.as_mut().map(|p| p.process(now));
                        self.process_changes(now, changed.unwrap_or_default());
                    }
                    t if t.0 >= SOCKET_TOKEN_BASE => self.router.socket_ready(t, now, &mut buf),
                    _ => {}
                }
            }
            let now = Instant::now();
            self.router.handle_timeout(now);
            if self.runner.next_deadline().is_some_and(|t| t <= now) {
                self.reap(now);
            }
            let due = self
                .processes
                .as_ref()
                .and_then(ProcessTracker::poll_timeout);
            if due.is_some_and(|t| t <= now) {
                let changed = self.processes.as_mut().map(|p| p.handle_timeout(now));
                self.process_changes(now, changed.unwrap_or_default());
            }
            if self.scripts.poll_timeout().is_some_and(|t| t <= now) {
                self.scripts.handle_timeout(now, &mut self.runner);
            }
            self.takeover.sync(&self.router, now);
            if let Some(s) = &mut self.snmp {
                s.handle_timeout(self.poll.registry(), now);
            }
            self.dispatch_notifications(now);
        }
    }

    fn on_signal(&mut self, req: Request) -> Option<i32> {
        match req {
            Request::Stop => {
                // The parent logs "Stopping"; keepalived's children only log "Stopped".
                let now = Instant::now();
                self.router.shutdown(now);
                if !self.opts.dont_release {
                    self.statics.remove(&mut self.router);
                }
                self.dispatch_notifications(now);
                self.dbus_stop();
                if let Some(s) = &mut self.snmp {
                    s.close(self.poll.registry(), now);
                }
                self.router.cleanup();
                self.stop_scripts();
                self.notifier.close();
                (self.opts.stopped)();
                Some(0)
            }
            Request::Reload => {
                log_info!("Reloading");
                let (config, ext, ok) = self.opts.read_with_extensions(true);
                if !ok {
                    log_err!("Configuration has errors - keeping the running configuration");
                    (self.opts.config_read)();
                    return None;
                }
                self.router
                    .set_garp_intervals(mapping::garp_settings(&config.global));
                self.router
                    .set_link_delays(&mapping::link_delays(&config.vrrp));
                let now = Instant::now();
                let mut scripts = ScriptTrackers::new(
                    &config.vrrp.scripts,
                    &ScriptUsers::new(&config.global),
                    now,
                );
                scripts.carry_over(&self.scripts);
                self.scripts = scripts;
                self.notifier.reload(&config, &mut self.runner, now);
                self.router.create_vmacs(&mapping::vmacs(&config.vrrp));
                let table = self.router.reflector.table();
                let plan = mapping::plan(&config, table, self.scripts.disabled());
                self.router.reload(self.poll.registry(), plan, now);
                self.script_changes(now);
                self.config = config;
                self.reload_trackers();
                self.tracker_snapshot(now);
                self.open_bfd();
                self.takeover
                    .configure(&ext, &self.router, self.poll.registry());
                let running = self.snmp.take();
                let r = self.poll.registry();
                self.snmp =
                    crate::snmp::vrrp_agent::reload(running, self.opts, &self.config, r, SNMP, now);
                self.mailer = self.new_mailer();
                self.statics.install(&mut self.router, &self.config);
                self.dbus_reload();
                crate::memory::release_after_load();
                (self.opts.config_read)();
                None
            }
            Request::Child => {
                self.reap(Instant::now());
                None
            }
            Request::DumpData => {
                self.write_snapshot(snapshot::Kind::Data);
                None
            }
            Request::DumpStats => {
                self.write_snapshot(snapshot::Kind::Stats);
                None
            }
            Request::DumpJson => {
                self.write_snapshot(snapshot::Kind::Json);
                None
            }
        }
    }
}

impl Vrrpd<'_> {
    /// Writes a state dump (SIGUSR1, SIGUSR2, the JSON signal, DBus `PrintData`/`PrintStats`).
    fn write_snapshot(&self, kind: snapshot::Kind) {
        snapshot::write(
            kind,
            &self.router,
            &self.config,
            &self.scripts,
            &self.bfd_states(),
            self.files.as_ref(),
        );
    }

    /// Arms the timer for `deadline` and says how long `poll` may wait: forever when the
    /// timer will wake it, zero when the deadline has passed.
    fn arm(&mut self, deadline: Option<Instant>) -> Option<Duration> {
        let Some(deadline) = deadline else {
            let _ = self.timer.unset();
            return None;
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Some(Duration::ZERO);
        }
        let when = Expiration::OneShot(TimeSpec::from_duration(left));
        match self.timer.set(when, TimerSetTimeFlags::empty()) {
            Ok(()) => None,
            // Without the timer, fall back to epoll's millisecond timeout, rounded up.
            Err(_) => Some(left + Duration::from_micros(999)),
        }
    }

    /// Finished scripts: results go to whoever started them.
    fn reap(&mut self, now: Instant) {
        for (id, outcome) in self.runner.reap(now) {
            if self.scripts.job_done(id, &outcome, now) {
                self.script_changes(now);
            } else {
                self.notifier.job_done(id, &outcome);
            }
        }
    }

    /// Opens the `track_file` / `vrrp_track_process` sources the configuration uses.
    fn open_trackers(&mut self, start: track_file::Start) {
        let v = &self.config.vrrp;
        if !v.track_files.is_empty() {
            let tracked = mapping::tracked_files(v);
            self.files = FileTracker::watch(
                self.poll.registry(),
                FILES,
                &v.track_files,
                |n| tracked.contains(n),
                start,
            );
        }
        if !v.track_processes.is_empty() && self.processes.is_none() {
            match ProcessTracker::new(&v.track_processes) {
                Ok(mut p) => {
                    if let Err(e) =
                        self.poll
                            .registry()
                            .register(&mut p, PROCESSES, Interest::READABLE)
                    {
                        log_err!("vrrp_track_process: {e}");
                    }
                    self.processes = Some(p);
                }
                Err(e) => log_err!("{e}"),
            }
        }
    }

    fn reload_trackers(&mut self) {
        if let Some(mut f) = self.files.take() {
            let _ = self.poll.registry().deregister(&mut f);
        }
        if let Some(p) = &mut self.processes {
            if let Err(e) = p.reload(&self.config.vrrp.track_processes) {
                log_err!("{e}");
            }
        }
        self.open_trackers(track_file::Start::Reload);
    }

    /// Current values of every file and process tracker (at start and after a reload).
    fn tracker_snapshot(&mut self, now: Instant) {
        let files: Vec<(String, i32)> = self
            .files
            .iter()
            .flat_map(|f| f.current().map(|(n, v)| (n.to_owned(), v)))
            .collect();
        for (name, v) in files {
            self.set(now, mapping::Source::File(name), TrackerState::Value(v));
        }
        let procs: Vec<(String, bool)> = self
            .processes
            .iter()
            .flat_map(|p| p.current().map(|(n, up)| (n.to_owned(), up)))
            .collect();
        self.process_changes(now, procs);
    }

    fn process_changes(&mut self, now: Instant, changes: Vec<(String, bool)>) {
        for (name, up) in changes {
            let st = if up {
                TrackerState::Up
            } else {
                TrackerState::Down
            };
            self.set(now, mapping::Source::Process(name), st);
        }
    }

    fn set(&mut self, now: Instant, source: mapping::Source, state: TrackerState) {
        if let Some(id) = self.router.tracker(&source) {
            self.router.set_tracker(now, id, state);
        }
    }

    /// Listens to the BFD process when the configuration has a `bfd_instance`; after a
    /// reload (whose trackers start Down again) asks it for every state.
    fn open_bfd(&mut self) {
        if self.config.bfd.is_empty() {
            return;
        }
        if let Some(s) = &self.bfd {
            s.request_all();
            return;
        }
        match crate::bfd::events::Subscriber::open(crate::bfd::events::Role::Vrrp) {
            Ok(s) => {
                let fd = std::os::fd::AsRawFd::as_raw_fd(&std::os::fd::AsFd::as_fd(&s));
                if let Err(e) =
                    self.poll
                        .registry()
                        .register(&mut SourceFd(&fd), BFD, Interest::READABLE)
                {
                    log_err!("track_bfd: {e}");
                }
                self.bfd = Some(s);
            }
            Err(e) => log_err!("track_bfd: cannot listen to the BFD process - {e}"),
        }
    }

    /// The BFD instances' last reported states, for the data dump.
    fn bfd_states(&self) -> std::collections::BTreeMap<String, bool> {
        self.bfd
            .as_ref()
            .map(|s| s.states().clone())
            .unwrap_or_default()
    }

    /// BFD instances that went up or down (keepalived's `bfd_vrrp_event`).
    fn bfd_changes(&mut self, now: Instant) {
        let changes = self.bfd.as_mut().map(|s| s.drain()).unwrap_or_default();
        for (name, up) in changes {
            log_info!(
                "Received BFD event: instance {name} is in state {}",
                if up { "Up" } else { "Down" }
            );
            for i in self.config.vrrp.instances.iter() {
                if i.track.bfds.iter().any(|r| r.name == name) {
                    log_info!(
                        "VRRP_Instance({}) Tracked BFD instance {name} is {}",
                        i.name,
                        if up { "UP" } else { "DOWN" }
                    );
                }
            }
            let state = if up {
                TrackerState::Up
            } else {
                TrackerState::Down
            };
            self.set(now, mapping::Source::Bfd(name), state);
        }
    }

    /// `vrrp_script` results become tracker states.
    fn script_changes(&mut self, now: Instant) {
        while let Some((name, state)) = self.scripts.poll_change() {
            if let Some(id) = self.router.tracker(&mapping::Source::Script(name)) {
                self.router.set_tracker(now, id, state);
            }
        }
    }

    /// Notify scripts, FIFO lines and mail for what the instances reported.
    fn dispatch_notifications(&mut self, now: Instant) {
        for (n, u, m) in std::mem::take(&mut self.router.notifications) {
            self.dbus_notify(&n, u, m);
            self.notifier.notify(&mut self.runner, now, &n);
            if let Some(s) = &mut self.snmp {
                s.notification(self.poll.registry(), now, &self.router, &self.config, &n);
            }
            let (Some(mailer), NotifyEvent::State(state)) = (&self.mailer, n.event) else {
                continue;
            };
            let (unit, member) = self.router.plan_of(u, m);
            let enabled = match (member, &unit.group) {
                (Some(p), _) => p.smtp_alert,
                (None, Some(g)) => g.smtp_alert,
                (None, None) => false,
            };
            let gate = self.mailed.entry(n.name.clone()).or_default();
            if gate.admit(enabled, self.config.global.no_email_faults, state) {
                match n.scope {
                    NotifyScope::Instance => mailer.vrrp_instance(&n.name, state),
                    NotifyScope::Group => mailer.vrrp_group(&n.name, state),
                };
            }
        }
    }

    /// The SMTP alert sender, if `global_defs` configures one.
    fn new_mailer(&self) -> Option<Mailer> {
        match Mailer::new(&self.config.global, self.opts.log_detail) {
            Ok(m) => m,
            Err(e) => {
                log_err!("SMTP alerts disabled: {e}");
                None
            }
        }
    }

    /// At exit: `notify_stop` scripts (just started) get a second to finish, since they
    /// die with this process; then what is left gets SIGTERM, and SIGKILL after a grace
    /// period.
    fn stop_scripts(&mut self) {
        self.wait_scripts(Duration::from_secs(1));
        if self.runner.running() > 0 {
            self.runner.terminate_all();
            self.wait_scripts(crate::spawn::SHUTDOWN_GRACE + Duration::from_millis(500));
            self.runner.kill_all();
        }
    }

    fn wait_scripts(&mut self, limit: Duration) {
        let until = Instant::now() + limit;
        while self.runner.running() > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
            self.runner.reap(Instant::now());
        }
    }
}

/// `static_ipaddress`, `static_routes`, `static_rules`: installed at start, removed at
/// exit (unless `-V`); a reload changes only what changed, so kept ones never flap.
#[derive(Debug, Default)]
struct Statics {
    addresses: Vec<keepalive_netlink::AddressSpec>,
    routes: Vec<keepalive_netlink::RouteSpec>,
    rules: Vec<keepalive_netlink::RuleSpec>,
}

impl Statics {
    /// What `config` asks for, as netlink requests.
    fn wanted(router: &Router, config: &Config) -> Statics {
        let v = &config.vrrp;
        let table = router.reflector.table();
        let mut w = Statics::default();
        for a in &v.static_ipaddress {
            let Some(dev) = a.dev.as_deref() else {
                continue;
            };
            match netspec::address(table, a, dev) {
                Ok(spec) => w.addresses.push(spec),
                Err(e) => log_err!("static_ipaddress {}: {e}", a.addr.addr),
            }
        }
        for r in &v.static_routes {
            match netspec::route(table, r) {
                Ok(spec) => w.routes.push(spec),
                Err(e) => log_err!("static_routes: {e}"),
            }
        }
        for r in &v.static_rules {
            match netspec::rule(r) {
                Ok(spec) => w.rules.push(spec),
                Err(e) => log_err!("static_rules: {e}"),
            }
        }
        w
    }

    /// Installs what `config` asks for and removes what it no longer does.
    fn install(&mut self, router: &mut Router, config: &Config) {
        let w = Statics::wanted(router, config);
        for r in self.rules.iter().filter(|r| !w.rules.contains(r)) {
            router.rtnl_del_rule(r);
        }
        for r in self.routes.iter().filter(|r| !w.routes.contains(r)) {
            router.rtnl_del_route(r);
        }
        for a in self.addresses.iter().filter(|a| !w.addresses.contains(a)) {
            router.rtnl_del_address(a);
        }
        let old = std::mem::take(self);
        for a in w.addresses {
            if old.addresses.contains(&a) || router.rtnl_add_address(&a) {
                self.addresses.push(a);
            }
        }
        for r in w.routes {
            if old.routes.contains(&r) || router.rtnl_add_route(&r) {
                self.routes.push(r);
            }
        }
        for r in w.rules {
            if old.rules.contains(&r) || router.rtnl_add_rule(&r) {
                self.rules.push(r);
            }
        }
    }

    fn remove(&mut self, router: &mut Router) {
        for r in self.rules.drain(..) {
            router.rtnl_del_rule(&r);
        }
        for r in self.routes.drain(..) {
            router.rtnl_del_route(&r);
        }
        for a in self.addresses.drain(..) {
            router.rtnl_del_address(&a);
        }
    }
}
