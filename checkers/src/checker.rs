//! The common checker core: scheduling, the whole-attempt deadline, retries and the up/down
//! state, wrapped around one protocol probe.
//!
//! Semantics follow keepalived's checker epilogue (`tcp_epilog` and its siblings): a failed
//! attempt is retried `retry` times, `delay_before_retry` apart, before it counts; a success
//! counts at once; the next check follows `delay_loop` later. The first completed check is
//! always reported, transitions are reported, and with `log_all_failures` every counted failure
//! is reported too.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::error::{ConfigError, FailReason};
use crate::event::{CheckAction, CheckResult, IoEvent};
use crate::proto::{
    BfdConfig, DnsConfig, DnsProbe, FileConfig, HttpConfig, HttpProbe, MiscConfig, MiscProbe,
    PingConfig, PingProbe, SmtpConfig, SmtpProbe, Step, TcpProbe, UdpConfig, UdpProbe,
};
use crate::timing::{Rng, Timing};
use crate::event::Target;

/// What a checker checks, with its protocol settings.
#[derive(Debug, Clone)]
pub enum CheckerKind {
    /// `TCP_CHECK`: a successful connect is success.
    Tcp,
    /// `HTTP_GET` or `SSL_GET` (when `tls` is set).
    Http(HttpConfig),
    /// `SMTP_CHECK`.
    Smtp(SmtpConfig),
    /// `DNS_CHECK`.
    Dns(DnsConfig),
    /// `UDP_CHECK`.
    Udp(UdpConfig),
    /// `PING_CHECK`.
    Ping(PingConfig),
    /// `MISC_CHECK`.
    Misc(MiscConfig),
    /// `FILE_CHECK`: fed [`IoEvent::FileValue`]; no polling, no retries.
    File(FileConfig),
    /// `BFD_CHECK`: fed [`IoEvent::BfdState`]; no polling, no retries.
    Bfd(BfdConfig),
}

/// Everything a [`Checker`] needs.
#[derive(Debug, Clone)]
pub struct CheckerConfig {
    /// Protocol and its settings.
    pub kind: CheckerKind,
    /// Where to connect (unused by MISC, FILE and BFD).
    pub target: Target,
    /// Timing, retries and alpha.
    pub timing: Timing,
}

#[derive(Debug)]
enum Probe {
    Tcp(TcpProbe),
    Http(Box<HttpProbe>),
    Smtp(SmtpProbe),
    Dns(DnsProbe),
    Udp(UdpProbe),
    Ping(PingProbe),
    Misc(MiscProbe),
    File(FileConfig),
    Bfd(BfdConfig),
}

impl Probe {
    fn begin(&mut self, target: &Target, rng: &mut Rng, out: &mut VecDeque<CheckAction>) {
        match self {
            Probe::Tcp(p) => p.begin(target, out),
            Probe::Http(p) => p.begin(target, out),
            Probe::Smtp(p) => p.begin(target, out),
            Probe::Dns(p) => p.begin(target, rng, out),
            Probe::Udp(p) => p.begin(target, rng, out),
            Probe::Ping(p) => p.begin(target, rng, out),
            Probe::Misc(p) => p.begin(out),
            Probe::File(_) | Probe::Bfd(_) => {}
        }
    }

    fn on_event(&mut self, ev: &IoEvent<'_>, out: &mut VecDeque<CheckAction>) -> Step {
        match self {
            Probe::Tcp(p) => p.on_event(ev),
            Probe::Http(p) => p.on_event(ev, out),
            Probe::Smtp(p) => p.on_event(ev, out),
            Probe::Dns(p) => p.on_event(ev),
            Probe::Udp(p) => p.on_event(ev),
            Probe::Ping(p) => p.on_event(ev),
            Probe::Misc(p) => p.on_event(ev),
            Probe::File(_) | Probe::Bfd(_) => Step::Pending,
        }
    }

    fn on_deadline(&mut self) -> Step {
        match self {
            Probe::Udp(p) => p.on_deadline(),
            _ => Step::Fail(FailReason::Timeout),
        }
    }

    /// After a `Pass`: move to the next step of the cycle (HTTP's next url); `true` if there is
    /// one.
    fn advance(&mut self) -> bool {
        match self {
            Probe::Http(p) => p.advance(),
            _ => false,
        }
    }

    fn rewind(&mut self) {
        if let Probe::Http(p) = self {
            p.rewind()
        }
    }

    fn fast_recovery(&self) -> bool {
        match self {
            Probe::Http(p) => p.fast_recovery(),
            _ => false,
        }
    }

    fn weight(&self) -> Option<i64> {
        match self {
            Probe::Misc(p) => p.weight(),
            _ => None,
        }
    }

    fn is_script(&self) -> bool {
        matches!(self, Probe::Misc(_))
    }

    fn is_passive(&self) -> bool {
        matches!(self, Probe::File(_) | Probe::Bfd(_))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for the next attempt at the given instant.
    Waiting(Instant),
    /// An attempt is in flight and must end by the deadline.
    Running(Instant),
    /// FILE / BFD: nothing scheduled, results come with events.
    Passive,
}

/// One health checker of one real server, as a sans-IO state machine.
///
/// Call order, as in quinn-proto: feed inputs (`handle_event`, `handle_timeout`, `set_suspended`)
/// with a `now` that never goes backwards, then drain `poll_action` and `poll_result`, then
/// sleep until `poll_timeout`. `handle_timeout` is idempotent: an early or spurious wake-up does
/// nothing.
#[derive(Debug)]
pub struct Checker {
    probe: Probe,
    target: Target,
    timing: Timing,
    rng: Rng,
    phase: Phase,
    up: bool,
    has_run: bool,
    retry_it: u32,
    suspended: bool,
    weight: i64,
    actions: VecDeque<CheckAction>,
    results: VecDeque<CheckResult>,
}

impl Checker {
    /// A checker created at `now`. Its first attempt starts at a random point of
    /// `[now, now + warmup]` drawn from `seed`; under `alpha` it starts failed.
    pub fn new(config: CheckerConfig, now: Instant, seed: u64) -> Result<Self, ConfigError> {
        let mut rng = Rng::new(seed);
        let probe = match config.kind {
            CheckerKind::Tcp => Probe::Tcp(TcpProbe::default()),
            CheckerKind::Http(c) => Probe::Http(Box::new(HttpProbe::new(c, &config.target)?)),
            CheckerKind::Smtp(c) => Probe::Smtp(SmtpProbe::new(c)),
            CheckerKind::Dns(c) => Probe::Dns(DnsProbe::new(c)?),
            CheckerKind::Udp(c) => Probe::Udp(UdpProbe::new(c)?),
            CheckerKind::Ping(c) => Probe::Ping(PingProbe::new(c)),
            CheckerKind::Misc(c) => Probe::Misc(MiscProbe::new(c)),
            CheckerKind::File(c) => Probe::File(c),
            CheckerKind::Bfd(c) => Probe::Bfd(c),
        };
        let phase = if probe.is_passive() {
            Phase::Passive
        } else {
            Phase::Waiting(now + rng.duration_up_to(config.timing.warmup))
        };
        Ok(Checker {
            probe,
            target: config.target,
            up: !config.timing.alpha,
            timing: config.timing,
            rng,
            phase,
            has_run: false,
            retry_it: 0,
            suspended: false,
            weight: 0,
            actions: VecDeque::new(),
            results: VecDeque::new(),
        })
    }

    /// Whether the checker currently considers the service up.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// Whether at least one check has completed.
    pub fn has_run(&self) -> bool {
        self.has_run
    }

    /// The checker's current contribution to its real server's weight.
    pub fn weight(&self) -> i64 {
        self.weight
    }

    /// Suspend or resume checking (`ha_suspend` while the virtual server's VIP is absent).
    /// A suspended checker keeps its state; an attempt in flight is abandoned.
    pub fn set_suspended(&mut self, now: Instant, suspended: bool) {
        if self.suspended == suspended {
            return;
        }
        self.suspended = suspended;
        if suspended {
            if let Phase::Running(_) = self.phase {
                self.abandon();
                self.phase = Phase::Waiting(now + self.timing.delay_loop);
            }
        } else if let Phase::Waiting(_) = self.phase {
            self.phase = Phase::Waiting(now);
        }
    }

    /// When `handle_timeout` must next be called.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.phase {
            Phase::Waiting(t) | Phase::Running(t) => Some(t),
            Phase::Passive => None,
        }
    }

    /// The next I/O intention, if any.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<CheckAction> {
        self.actions.pop_front()
    }

    /// The next result for the pool, if any.
    #[must_use]
    pub fn poll_result(&mut self) -> Option<CheckResult> {
        self.results.pop_front()
    }

    /// Timers: start a due attempt, or fail one that ran past `connect_timeout`.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Waiting(t) if now >= t => {
                if self.suspended {
                    self.phase = Phase::Waiting(now + self.timing.delay_loop);
                } else {
                    self.start_attempt(now);
                }
            }
            Phase::Running(deadline) if now >= deadline => {
                let step = self.probe.on_deadline();
                self.abandon();
                self.conclude(now, step);
            }
            _ => {}
        }
    }

    /// An I/O event for this checker. Events that arrive while no attempt is in flight (a
    /// late reply after a timeout) are ignored.
    pub fn handle_event(&mut self, now: Instant, event: IoEvent<'_>) {
        match (&mut self.probe, event) {
            (Probe::File(cfg), IoEvent::FileValue(v)) => {
                let (up, weight) = cfg.evaluate(v);
                self.passive_result(up, weight, FailReason::FileFault(v));
                return;
            }
            (Probe::Bfd(_), IoEvent::BfdState(up)) => {
                self.passive_result(up, 0, FailReason::BfdDown);
                return;
            }
            _ => {}
        }
        if !matches!(self.phase, Phase::Running(_)) {
            return;
        }
        let step = self.probe.on_event(&event, &mut self.actions);
        if !matches!(step, Step::Pending) {
            self.abandon();
            self.conclude(now, step);
        }
    }

    fn start_attempt(&mut self, now: Instant) {
        self.probe.begin(&self.target, &mut self.rng, &mut self.actions);
        self.phase = Phase::Running(now + self.timing.connect_timeout);
    }

    /// Release what the attempt holds: its socket, or its child process.
    fn abandon(&mut self) {
        if self.probe.is_script() {
            if self.probe_running_script() {
                self.actions.push_back(CheckAction::KillScript);
            }
        } else {
            self.actions.push_back(CheckAction::Close);
        }
    }

    fn probe_running_script(&self) -> bool {
        match &self.probe {
            Probe::Misc(p) => p.running(),
            _ => false,
        }
    }

    fn conclude(&mut self, now: Instant, step: Step) {
        match step {
            Step::Pending => {}
            Step::Pass => {
                if self.probe.advance() {
                    if self.up || self.probe.fast_recovery() {
                        self.start_attempt(now);
                    } else {
                        self.phase = Phase::Waiting(now + self.timing.delay_loop);
                    }
                    return;
                }
                self.probe.rewind();
                self.epilog(now, None);
            }
            Step::Fail(reason) => self.epilog(now, Some(reason)),
        }
    }

    /// keepalived's `*_epilog`: count the attempt, decide the next delay, report.
    fn epilog(&mut self, now: Instant, failure: Option<FailReason>) {
        let delay;
        if failure.is_none() || self.retry_it >= self.timing.retry {
            delay = self.timing.delay_loop;
            self.retry_it = 0;
            let first = !self.has_run;
            let new_weight = if failure.is_none() {
                self.probe.weight().unwrap_or(self.weight)
            } else if self.probe.weight().is_some() {
                // misc_dynamic: a failure drops the dynamic contribution.
                0
            } else {
                self.weight
            };
            let weight = (new_weight != self.weight).then_some(new_weight);
            self.weight = new_weight;
            let up = failure.is_none();
            let changed = up != self.up;
            if changed || first || weight.is_some() || (!up && self.timing.log_all_failures) {
                self.up = up;
                self.results.push_back(CheckResult {
                    up,
                    changed,
                    first,
                    weight,
                    reason: failure,
                });
            }
            if !up {
                self.probe.rewind();
            }
        } else {
            delay = self.timing.delay_before_retry;
            self.retry_it += 1;
        }
        self.has_run = true;
        self.phase = Phase::Waiting(now + delay);
    }

    fn passive_result(&mut self, up: bool, weight: i64, reason: FailReason) {
        let first = !self.has_run;
        let changed = up != self.up;
        let w = (weight != self.weight).then_some(weight);
        self.weight = weight;
        self.has_run = true;
        if changed || first || w.is_some() {
            self.up = up;
            self.results.push_back(CheckResult {
                up,
                changed,
                first,
                weight: w,
                reason: (!up).then_some(reason),
            });
        }
    }
}
