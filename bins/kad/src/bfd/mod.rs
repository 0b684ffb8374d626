//! The BFD child process: every `bfd_instance` as a `keepalive-bfd` session, in one
//! single-threaded loop (keepalived's `bfd_daemon.c` and `bfd_scheduler.c`).
//!
//! - Wake-ups come from a timerfd armed at the sessions' next deadline with nanosecond
//!   resolution, so a 10 ms session keeps its schedule (epoll's own timeout counts whole
//!   milliseconds).
//! - Packets come from the four receive sockets (UDP 3784 and 4784, IPv4 and IPv6); each
//!   session sends from its own socket, bound to its `source_ip` and a fixed random port.
//! - Up/Down changes are logged in keepalived's words and sent to the VRRP and checker
//!   processes ([`events`]).
//! - SIGHUP re-reads the configuration: an instance that stays keeps its state and
//!   discriminators (new timers go through a Poll sequence), a removed one sends AdminDown
//!   for a detection time, a new one starts. SIGUSR1 writes `keepalived_bfd.data`.

pub(crate) mod dump;
mod dynamic;
pub mod events;
pub(crate) mod mapping;
pub(crate) mod socket;
pub mod takeover;

use std::collections::{BTreeMap, HashMap};
use std::os::fd::{AsFd, AsRawFd};
use std::time::{Duration, Instant};

use keepalive_bfd::{Diag, Event, SessionId, Sessions, State};
use keepalive_confparse::model::Config;
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

use crate::signals::{Request, Signals};
use crate::ChildOptions;
use mapping::SessionPlan;
use socket::{Received, RxSocket, TxSocket};

const SIGNALS: Token = Token(0);
const TIMER: Token = Token(1);
const EVENTS: Token = Token(2);
/// The parent's metrics requests (`--metrics-listen`).
const METRICS: Token = Token(4);
/// Receive socket `i` is `Token(RX_BASE + i)`.
const RX_BASE: usize = 16;
/// Datagrams read from one socket per loop turn, so a flood cannot hold back the timers.
const RX_BUDGET: usize = 64;

/// Runs the BFD process until it is told to stop; returns the exit code.
pub fn run(opts: &ChildOptions) -> i32 {
    match Bfdd::start(opts) {
        Ok(mut d) => d.serve(),
        Err(e) => {
            log_err!("{e}");
            1
        }
    }
}

/// Why the BFD process could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// epoll, timerfd.
    #[error("cannot set up the event loop: {0}")]
    Loop(#[from] std::io::Error),
    /// signalfd.
    #[error("cannot set up signal handling: {0}")]
    Signals(#[from] nix::Error),
    /// No receive socket could be bound at all.
    #[error("BFD: cannot bind any receive socket on ports 3784/4784")]
    NoSocket,
}

/// A running session and what the daemon holds for it.
#[derive(Debug)]
struct Active {
    id: SessionId,
    plan: SessionPlan,
    /// Carried over from the previous configuration (state included).
    kept: bool,
}

/// Counters of what the loop dropped before the session core saw it.
#[derive(Debug, Default, Clone, Copy)]
pub struct LoopStats {
    /// Datagrams larger than the buffer or without TTL / destination.
    pub unusable: u64,
    /// Packets a session could not send (no socket, or the send failed).
    pub tx_errors: u64,
}

/// The loop's state.
struct Bfdd<'a> {
    opts: &'a ChildOptions,
    poll: Poll,
    signals: Signals,
    timer: TimerFd,
    /// The deadline the timer is set for, so that an unchanged one costs no syscall.
    armed: Option<Instant>,
    rx: Vec<RxSocket>,
    /// Receive sockets with datagrams left over from the last turn's budget.
    rx_pending: Vec<bool>,
    sessions: Sessions,
    /// By instance name.
    active: BTreeMap<String, Active>,
    /// Every session's name and socket, including removed ones still sending AdminDown.
    names: HashMap<SessionId, String>,
    tx: HashMap<SessionId, TxSocket>,
    publisher: Option<events::Publisher>,
    config: Config,
    rng: u64,
    stats: LoopStats,
    /// `bfd_takeover`'s sessions, asked for by the VRRP process.
    dynamic: dynamic::Dynamic,
    /// Answers the parent's scrapes.
    metrics: Option<crate::metrics::channel::Responder>,
}

impl<'a> Bfdd<'a> {
    fn start(opts: &'a ChildOptions) -> Result<Bfdd<'a>, StartError> {
        let (config, _) = opts.read_config(false);
        crate::sched::apply(&config.global.bfd_process, "BFD");
        let poll = Poll::new()?;
        let mut signals = Signals::new()?;
        poll.registry()
            .register(&mut signals, SIGNALS, Interest::READABLE)?;
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        poll.registry().register(
            &mut SourceFd(&timer.as_fd().as_raw_fd()),
            TIMER,
            Interest::READABLE,
        )?;
        let mut rx = Vec::new();
        for (v6, multihop) in [(false, false), (true, false), (false, true), (true, true)] {
            match RxSocket::bind(v6, multihop) {
                Ok(s) => rx.push(s),
                Err(e) => log_err!(
                    "BFD: cannot listen on {} port {} - {e}",
                    if v6 { "IPv6" } else { "IPv4" },
                    mapping::peer_port(multihop)
                ),
            }
        }
        if rx.is_empty() {
            return Err(StartError::NoSocket);
        }
        for (i, s) in rx.iter().enumerate() {
            poll.registry().register(
                &mut SourceFd(&s.as_fd().as_raw_fd()),
                Token(RX_BASE + i),
                Interest::READABLE,
            )?;
        }
        let publisher = match events::Publisher::open(events::parent_pid()) {
            Ok(p) => {
                poll.registry().register(
                    &mut SourceFd(&p.as_fd().as_raw_fd()),
                    EVENTS,
                    Interest::READABLE,
                )?;
                Some(p)
            }
            Err(e) => {
                log_err!("BFD: cannot open the event channel to VRRP and checkers - {e}");
                None
            }
        };
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
            ^ (u64::from(std::process::id()) << 32);
        let mut d = Bfdd {
            opts,
            poll,
            signals,
            timer,
            armed: None,
            rx_pending: vec![false; rx.len()],
            rx,
            sessions: Sessions::new(seed),
            active: BTreeMap::new(),
            names: HashMap::new(),
            tx: HashMap::new(),
            publisher,
            config,
            rng: seed | 1,
            stats: LoopStats::default(),
            dynamic: dynamic::Dynamic::default(),
            metrics: crate::metrics::channel::Responder::from_env(
                crate::metrics::channel::Role::Bfd,
            ),
        };
        d.dynamic_open();
        if let Some(m) = &d.metrics {
            d.poll.registry().register(
                &mut SourceFd(&m.as_fd().as_raw_fd()),
                METRICS,
                Interest::READABLE,
            )?;
        }
        let now = Instant::now();
        d.apply_config(now);
        d.flush(now);
        crate::memory::release_after_load();
        (opts.config_read)();
        Ok(d)
    }

    fn serve(&mut self) -> i32 {
        let mut events = Events::with_capacity(64);
        let mut buf = vec![0u8; 2048];
        loop {
            let deadline = [
                self.sessions.poll_timeout(),
                self.publisher
                    .as_ref()
                    .and_then(events::Publisher::retry_due),
            ]
            .into_iter()
            .flatten()
            .min();
            let timeout = if self.rx_pending.iter().any(|p| *p) {
                Some(Duration::ZERO)
            } else {
                self.arm(deadline)
            };
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    log_err!("poll: {e}");
                    return 1;
                }
            }
            let now = Instant::now();
            self.timeouts(now);
            for ev in &events {
                match ev.token() {
                    SIGNALS => {
                        while let Some(req) = self.signals.next() {
                            if let Some(code) = self.on_signal(req) {
                                return code;
                            }
                        }
                    }
                    TIMER => {
                        let _ = self.timer.wait();
                        self.armed = None;
                    }
                    EVENTS => {
                        if let Some(p) = self.publisher.as_mut() {
                            p.readable(now);
                        }
                    }
                    dynamic::TOKEN => self.dynamic_readable(now),
                    METRICS => {
                        if let Some(m) = &mut self.metrics {
                            let (sessions, active) = (&self.sessions, &self.active);
                            m.serve(|e| {
                                let named = active.values().map(|a| {
                                    (a.id, a.plan.name.as_str(), a.plan.config.peer.to_string())
                                });
                                let rows = crate::metrics::bfd::rows(sessions, named);
                                crate::metrics::bfd::render(e, &rows);
                            });
                        }
                    }
                    Token(t) if t >= RX_BASE && t - RX_BASE < self.rx.len() => {
                        self.rx_pending[t - RX_BASE] = true;
                    }
                    _ => {}
                }
            }
            for i in 0..self.rx.len() {
                if self.rx_pending[i] {
                    self.rx_pending[i] = self.receive(i, &mut buf);
                }
            }
            let now = Instant::now();
            self.timeouts(now);
            self.flush(now);
            if let Some(p) = self.publisher.as_mut() {
                p.retry(now);
            }
        }
    }

    /// Expired session timers.
    fn timeouts(&mut self, now: Instant) {
        if self.sessions.poll_timeout().is_some_and(|t| t <= now) {
            self.sessions.handle_timeout(now);
            self.flush(now);
        }
    }

    /// Reads up to [`RX_BUDGET`] datagrams from socket `i`; true when some may be left.
    fn receive(&mut self, i: usize, buf: &mut [u8]) -> bool {
        for _ in 0..RX_BUDGET {
            match self.rx[i].recv(buf) {
                Ok(Received::Packet { len, meta }) => {
                    let now = Instant::now();
                    // Every rejection is counted by the session core, per reason.
                    self.dynamic_packet(now, &buf[..len], &meta);
                    self.flush(now);
                }
                Ok(Received::Unusable) => self.stats.unusable += 1,
                Ok(Received::Empty) => return false,
                Err(e) => {
                    log_err!("BFD: receive error - {e}");
                    return false;
                }
            }
        }
        true
    }

    /// Sends what the sessions want sent and passes their state changes on.
    fn flush(&mut self, now: Instant) {
        let mut pkt = [0u8; 128];
        while let Some(t) = self.sessions.poll_transmit(now, &mut pkt) {
            match self.tx.get(&t.session) {
                Some(s) => {
                    if s.send(&pkt[..t.len], t.dst).is_err() {
                        self.stats.tx_errors += 1;
                    }
                }
                None => self.stats.tx_errors += 1,
            }
        }
        while let Some((id, ev)) = self.sessions.poll_event() {
            self.on_event(id, ev, now);
        }
        // Sockets of removed sessions whose AdminDown period is over.
        if self.tx.len() > self.active.len() {
            let sessions = &self.sessions;
            self.tx.retain(|id, _| sessions.session(*id).is_some());
            self.names.retain(|id, _| sessions.session(*id).is_some());
        }
    }

    fn on_event(&mut self, id: SessionId, ev: Event, now: Instant) {
        if self.dynamic_event(id, &ev, now) {
            return;
        }
        let Some(name) = self.names.get(&id) else {
            return;
        };
        let live = self.active.get(name).is_some_and(|a| a.id == id);
        match ev {
            Event::Up => {
                log_info!("({name}) Entering Up state");
                if live {
                    if let Some(p) = self.publisher.as_mut() {
                        p.publish(name, true, now);
                    }
                }
            }
            Event::Down {
                diag,
                peer_admin_down,
            } => {
                let (remote_diag, remote) = self
                    .sessions
                    .session(id)
                    .map_or((Diag::None, State::Down), |s| {
                        (s.remote_diag(), s.remote_state())
                    });
                log_info!(
                    "({name}) Entering Down state (Local diagnostic - {diag}, Remote diagnostic - {remote_diag}){}",
                    if peer_admin_down {
                        format!(" - peer is {remote}")
                    } else {
                        String::new()
                    }
                );
                // RFC 5882 §3.2: a peer's AdminDown is no path failure, so trackers are not
                // told (keepalived sends no event for it either).
                if live && !peer_admin_down {
                    if let Some(p) = self.publisher.as_mut() {
                        p.publish(name, false, now);
                    }
                }
            }
            _ => {}
        }
    }

    /// Starts, reconfigures and removes sessions to match `self.config`.
    fn apply_config(&mut self, now: Instant) {
        let plans = mapping::plans(&self.config.bfd);
        let mut next = BTreeMap::new();
        for plan in plans {
            let kept = self.active.remove(&plan.name);
            let active = match kept {
                Some(old) if same_endpoint(&old.plan, &plan) => {
                    if old.plan.config != plan.config {
                        self.sessions.reconfigure(old.id, plan.config.clone(), now);
                    }
                    Active {
                        id: old.id,
                        plan,
                        kept: true,
                    }
                }
                other => {
                    if let Some(old) = other {
                        self.sessions.remove(old.id, now);
                    }
                    match self.open(plan, now) {
                        Some(a) => a,
                        None => continue,
                    }
                }
            };
            next.insert(active.plan.name.clone(), active);
        }
        for (_, gone) in std::mem::take(&mut self.active) {
            self.sessions.remove(gone.id, now);
        }
        self.active = next;
        if let Some(p) = self.publisher.as_mut() {
            p.set_instances(self.active.values().map(|a| {
                let p = &a.plan;
                (p.name.as_str(), p.to_vrrp, p.to_checker, a.kept)
            }));
            // Every receiver hears every instance's state at start and after a reload.
            p.send_all(events::Role::Vrrp);
            p.send_all(events::Role::Checker);
        }
    }

    /// A new session with its own socket; `None` (logged) when the socket cannot be made.
    fn open(&mut self, plan: SessionPlan, now: Instant) -> Option<Active> {
        let rng = &mut self.rng;
        let mut next = || {
            // xorshift64*: only spreads source ports, needs no quality beyond that.
            *rng ^= *rng >> 12;
            *rng ^= *rng << 25;
            *rng ^= *rng >> 27;
            rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let c = &plan.config;
        let tx = match TxSocket::open(c.peer, c.local, plan.ttl, &mut next) {
            Ok(s) => s,
            Err(e) => {
                log_err!(
                    "BFD_Instance({}) cannot open a socket to {} - {e}",
                    plan.name,
                    c.peer
                );
                return None;
            }
        };
        let id = self.sessions.add(plan.config.clone(), now);
        self.tx.insert(id, tx);
        self.names.insert(id, plan.name.clone());
        Some(Active {
            id,
            plan,
            kept: false,
        })
    }

    fn on_signal(&mut self, req: Request) -> Option<i32> {
        match req {
            Request::Stop => {
                let now = Instant::now();
                // The peers hear AdminDown (diag 7) rather than wait for their detection time.
                for a in std::mem::take(&mut self.active).into_values() {
                    self.sessions.remove(a.id, now);
                }
                self.dynamic_stop(now);
                self.flush(now);
                (self.opts.stopped)();
                Some(0)
            }
            Request::Reload => {
                log_info!("Reloading");
                let (config, ok) = self.opts.read_config(false);
                if !ok {
                    log_err!("Configuration has errors - keeping the running configuration");
                } else {
                    self.config = config;
                    let now = Instant::now();
                    self.apply_config(now);
                    self.flush(now);
                }
                crate::memory::release_after_load();
                (self.opts.config_read)();
                None
            }
            Request::DumpData => {
                log_info!(
                    "Printing BFD data for process({}) on signal",
                    std::process::id()
                );
                dump::write(self);
                None
            }
            Request::Child | Request::DumpStats | Request::DumpJson => None,
        }
    }

    /// Arms the timer for `deadline` and says how long `poll` may wait: forever when the
    /// timer will wake it, zero when the deadline has passed.
    fn arm(&mut self, deadline: Option<Instant>) -> Option<Duration> {
        let Some(deadline) = deadline else {
            if self.armed.take().is_some() {
                let _ = self.timer.unset();
            }
            return None;
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Some(Duration::ZERO);
        }
        if self.armed == Some(deadline) {
            return None;
        }
        let when = Expiration::OneShot(TimeSpec::from_duration(left));
        match self.timer.set(when, TimerSetTimeFlags::empty()) {
            Ok(()) => {
                self.armed = Some(deadline);
                None
            }
            // Without the timer, fall back to epoll's millisecond timeout, rounded up.
            Err(_) => Some(left + Duration::from_micros(999)),
        }
    }
}

/// Whether a reload may keep the session: same peer, source, hop mode and TTL, so its
/// socket and the peer's view of it stay valid.
fn same_endpoint(a: &SessionPlan, b: &SessionPlan) -> bool {
    a.config.peer == b.config.peer
        && a.config.local == b.config.local
        && a.config.multihop == b.config.multihop
        && a.ttl == b.ttl
}
