//! The common checker core: scheduling, the whole-attempt deadline, retries and the up/down
//! state, wrapped around one protocol probe.
//!
//! Semantics follow keepalived's checker epilogue (`tcp_epilog` and its siblings): a failed
//! attempt is retried `retry` times, `delay_before_retry` apart, before it counts; a success
//! counts at once; the next check follows `delay_loop` later. The first completed check is
//! always reported, transitions are reported, and with `log_all_failures` every failed attempt
//! that will be retried is reported too while the checker is up (as keepalived logs them).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{ConfigError, FailReason};
use crate::event::Target;
use crate::event::{CheckAction, CheckResult, IoEvent};
use crate::proto::{
    BfdConfig, DnsConfig, DnsProbe, FileConfig, HttpConfig, HttpProbe, MiscConfig, MiscProbe,
    PingConfig, PingProbe, SmtpConfig, SmtpProbe, Step, TcpProbe, UdpConfig, UdpProbe,
};
use crate::timing::{Rng, Timing};

/// What a checker checks, with its protocol settings. Boxed, so that the thousands of
/// TCP_CHECKs of a large pool do not each carry room for the largest settings.
#[derive(Debug, Clone)]
pub enum CheckerKind {
    /// `TCP_CHECK`: a successful connect is success.
    Tcp,
    /// `HTTP_GET` or `SSL_GET` (when `tls` is set).
    Http(Box<HttpConfig>),
    /// `SMTP_CHECK`.
    Smtp(Box<SmtpConfig>),
    /// `DNS_CHECK`.
    Dns(Box<DnsConfig>),
    /// `UDP_CHECK`.
    Udp(Box<UdpConfig>),
    /// `PING_CHECK`.
    Ping(Box<PingConfig>),
    /// `MISC_CHECK`.
    Misc(Box<MiscConfig>),
    /// `FILE_CHECK`: fed [`IoEvent::FileValue`]; no polling, no retries.
    File(Box<FileConfig>),
    /// `BFD_CHECK`: fed [`IoEvent::BfdState`]; no polling, no retries.
    Bfd(Box<BfdConfig>),
}

impl CheckerKind {
    /// The man page's block keyword (`TCP_CHECK`, `SSL_GET`...), as keepalived's log lines
    /// name the checker.
    pub fn keyword(&self) -> &'static str {
        match self {
            CheckerKind::Tcp => "TCP_CHECK",
            CheckerKind::Http(h) if h.tls.is_some() => "SSL_GET",
            CheckerKind::Http(_) => "HTTP_GET",
            CheckerKind::Smtp(_) => "SMTP_CHECK",
            CheckerKind::Dns(_) => "DNS_CHECK",
            CheckerKind::Udp(_) => "UDP_CHECK",
            CheckerKind::Ping(_) => "PING_CHECK",
            CheckerKind::Misc(_) => "MISC_CHECK",
            CheckerKind::File(_) => "FILE_CHECK",
            CheckerKind::Bfd(_) => "BFD_CHECK",
        }
    }
}

/// Everything a [`Checker`] needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CheckerConfig {
    /// Protocol and its settings.
    pub kind: CheckerKind,
    /// Where to connect (unused by MISC, FILE and BFD).
    pub target: Target,
    /// Timing, retries and alpha. Shared: a pool's checkers mostly time alike, and a
    /// [`Timing`] is larger than everything else a TCP_CHECK keeps.
    pub timing: Arc<Timing>,
}

impl CheckerConfig {
    /// A checker of `kind` connecting to `target`, timed by `timing`.
    pub fn new(kind: CheckerKind, target: Target, timing: impl Into<Arc<Timing>>) -> Self {
        CheckerConfig {
            kind,
            target,
            timing: timing.into(),
        }
    }
}

/// Every probe but TCP's (which holds nothing) is boxed, so that a TCP_CHECK, the common
/// case by the thousand, does not pay for the largest one.
#[derive(Debug)]
enum Probe {
    Tcp(TcpProbe),
    Http(Box<HttpProbe>),
    Smtp(Box<SmtpProbe>),
    Dns(Box<DnsProbe>),
    Udp(Box<UdpProbe>),
    Ping(Box<PingProbe>),
    Misc(Box<MiscProbe>),
    /// Passive: the settings are the configuration's (`CheckerKind::File`).
    File,
    /// Passive.
    Bfd,
}

impl Probe {
    fn begin(&mut self, target: &Target, rng: &mut Rng, out: &mut Vec<CheckAction>) {
        match self {
            Probe::Tcp(p) => p.begin(target, out),
            Probe::Http(p) => p.begin(target, out),
            Probe::Smtp(p) => p.begin(target, out),
            Probe::Dns(p) => p.begin(target, rng, out),
            Probe::Udp(p) => p.begin(target, rng, out),
            Probe::Ping(p) => p.begin(target, rng, out),
            Probe::Misc(p) => p.begin(out),
            Probe::File | Probe::Bfd => {}
        }
    }

    fn on_event(&mut self, ev: &IoEvent<'_>, out: &mut Vec<CheckAction>) -> Step {
        match self {
            Probe::Tcp(p) => p.on_event(ev),
            Probe::Http(p) => p.on_event(ev, out),
            Probe::Smtp(p) => p.on_event(ev, out),
            Probe::Dns(p) => p.on_event(ev),
            Probe::Udp(p) => p.on_event(ev),
            Probe::Ping(p) => p.on_event(ev),
            Probe::Misc(p) => p.on_event(ev),
            Probe::File | Probe::Bfd => Step::Pending,
        }
    }

    fn on_deadline(&mut self) -> Step {
        match self {
            Probe::Udp(p) => p.on_deadline(),
            Probe::Http(p) => Step::Fail(p.deadline_reason()),
            Probe::Smtp(p) => Step::Fail(p.deadline_reason()),
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
        matches!(self, Probe::File | Probe::Bfd)
    }
}

/// Takes a queue's oldest entry, and gives the buffer of a drained queue back to the allocator.
/// A checker holds actions and results only between an event and the caller's next poll, so
/// keeping each queue's capacity would cost several hundred bytes per checker for nothing: with
/// thousands of idle checkers that is most of the checker process's heap, against one small
/// allocation per attempt. The queues hold two or three entries at most, so a `Vec` (a word
/// smaller than a `VecDeque`) shifting them costs nothing.
fn take_first<T>(queue: &mut Vec<T>) -> Option<T> {
    if queue.is_empty() {
        return None;
    }
    let first = queue.remove(0);
    if queue.is_empty() {
        *queue = Vec::new();
    }
    Some(first)
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
    /// As given, kept whole so the caller need not hold a second copy of every checker's
    /// settings to name or describe it (see [`Checker::config`]).
    config: CheckerConfig,
    rng: Rng,
    phase: Phase,
    up: bool,
    has_run: bool,
    retry_it: u32,
    suspended: bool,
    weight: i64,
    actions: Vec<CheckAction>,
    results: Vec<CheckResult>,
}

impl Checker {
    /// A checker created at `now`. Its first attempt starts at a random point of
    /// `[now, now + warmup]` drawn from `seed`; under `alpha` it starts failed.
    pub fn new(config: CheckerConfig, now: Instant, seed: u64) -> Result<Self, ConfigError> {
        let mut rng = Rng::new(seed);
        // TCP_CHECK, the one used by the thousand, has no settings of its own to copy.
        let probe = match &config.kind {
            CheckerKind::Tcp => Probe::Tcp(TcpProbe),
            CheckerKind::Http(c) => {
                Probe::Http(Box::new(HttpProbe::new((**c).clone(), &config.target)?))
            }
            CheckerKind::Smtp(c) => Probe::Smtp(Box::new(SmtpProbe::new((**c).clone()))),
            CheckerKind::Dns(c) => Probe::Dns(Box::new(DnsProbe::new((**c).clone())?)),
            CheckerKind::Udp(c) => Probe::Udp(Box::new(UdpProbe::new((**c).clone())?)),
            CheckerKind::Ping(c) => Probe::Ping(Box::new(PingProbe::new((**c).clone()))),
            CheckerKind::Misc(c) => Probe::Misc(Box::new(MiscProbe::new((**c).clone()))),
            CheckerKind::File(_) => Probe::File,
            CheckerKind::Bfd(_) => Probe::Bfd,
        };
        let timing = &config.timing;
        let retry_it = timing.retry;
        let phase = if probe.is_passive() {
            Phase::Passive
        } else {
            Phase::Waiting(now + rng.duration_up_to(timing.warmup))
        };
        Ok(Checker {
            probe,
            up: !timing.alpha,
            config,
            rng,
            phase,
            has_run: false,
            // keepalived (check_data.c): "one failure is enough initially".
            retry_it,
            suspended: false,
            weight: 0,
            actions: Vec::new(),
            results: Vec::new(),
        })
    }

    /// The configuration it was created with.
    pub fn config(&self) -> &CheckerConfig {
        &self.config
    }

    /// What bounds one attempt: `connect_timeout`, or MISC_CHECK's `misc_timeout` (default
    /// `delay_loop`).
    pub fn attempt_timeout(&self) -> Duration {
        let timing = &self.config.timing;
        match &self.probe {
            Probe::Misc(p) => p.timeout().unwrap_or(timing.delay_loop),
            _ => timing.connect_timeout,
        }
    }

    /// Whether the checker currently considers the service up.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// How many failed attempts of the current check have been retried so far (keepalived's
    /// `retry_it`): after a `retry_pending` result, its position among the retries, which
    /// MISC_CHECK's log line names ("on retry 2/3").
    pub fn retries_done(&self) -> u32 {
        self.retry_it
    }

    /// Whether at least one check has completed.
    pub fn has_run(&self) -> bool {
        self.has_run
    }

    /// The name of the tracked object whose events this checker takes: FILE_CHECK's
    /// `track_file` or BFD_CHECK's `name`.
    pub fn tracked_name(&self) -> Option<&str> {
        match &self.config.kind {
            CheckerKind::File(c) => Some(&c.track_file),
            CheckerKind::Bfd(c) => Some(&c.name),
            _ => None,
        }
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
                self.phase = Phase::Waiting(now + self.config.timing.delay_loop);
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
        take_first(&mut self.actions)
    }

    /// The next result for the pool, if any.
    #[must_use]
    pub fn poll_result(&mut self) -> Option<CheckResult> {
        take_first(&mut self.results)
    }

    /// Timers: start a due attempt, or fail one that ran past `connect_timeout`.
    pub fn handle_timeout(&mut self, now: Instant) {
        match self.phase {
            Phase::Waiting(t) if now >= t => {
                if self.suspended {
                    self.phase = Phase::Waiting(now + self.config.timing.delay_loop);
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
        match (&self.config.kind, event) {
            (CheckerKind::File(cfg), IoEvent::FileValue(v)) => {
                let (up, weight) = cfg.evaluate(v);
                self.passive_result(up, weight, FailReason::FileFault(v));
                return;
            }
            (CheckerKind::Bfd(_), IoEvent::BfdState(up)) => {
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
        self.probe
            .begin(&self.config.target, &mut self.rng, &mut self.actions);
        self.phase = Phase::Running(now + self.attempt_timeout());
    }

    /// Release what the attempt holds: its socket, or its child process.
    fn abandon(&mut self) {
        if self.probe.is_script() {
            if self.probe_running_script() {
                self.actions.push(CheckAction::KillScript);
            }
        } else {
            self.actions.push(CheckAction::Close);
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
                        self.phase = Phase::Waiting(now + self.config.timing.delay_loop);
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
        if failure.is_none() || self.retry_it >= self.config.timing.retry {
            delay = self.config.timing.delay_loop;
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
            if changed || first || weight.is_some() {
                self.up = up;
                self.results.push(CheckResult {
                    up,
                    changed,
                    first,
                    weight,
                    reason: failure,
                    retry_pending: false,
                });
            }
            if !up {
                self.probe.rewind();
            }
        } else {
            delay = self.config.timing.delay_before_retry;
            self.retry_it += 1;
            if self.config.timing.log_all_failures && (self.up || !self.has_run) {
                self.results.push(CheckResult {
                    up: self.up,
                    changed: false,
                    first: false,
                    weight: None,
                    reason: failure,
                    retry_pending: true,
                });
            }
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
            self.results.push(CheckResult {
                up,
                changed,
                first,
                weight: w,
                reason: (!up).then_some(reason),
                retry_pending: false,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::IoFailure;
    use crate::event::{ScriptStatus, Transport};
    use crate::proto::{HttpConfig, UrlConfig};
    use std::io;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn timing(retry: u32) -> Timing {
        Timing {
            delay_loop: secs(10),
            retry,
            delay_before_retry: secs(2),
            warmup: Duration::ZERO,
            connect_timeout: secs(3),
            alpha: false,
            log_all_failures: false,
        }
    }

    fn tcp(t: Timing, now: Instant) -> Checker {
        Checker::new(
            CheckerConfig {
                kind: CheckerKind::Tcp,
                target: Target::new(Ipv4Addr::new(192, 0, 2, 20).into(), 80),
                timing: t.into(),
            },
            now,
            42,
        )
        .unwrap()
    }

    /// Run the checker's due timer and return the actions it produced.
    fn fire(c: &mut Checker, now: Instant) -> Vec<CheckAction> {
        assert_eq!(
            c.poll_timeout(),
            Some(now),
            "timer due at the expected instant"
        );
        c.handle_timeout(now);
        std::iter::from_fn(|| c.poll_action()).collect()
    }

    fn drain(c: &mut Checker) -> Vec<CheckAction> {
        std::iter::from_fn(|| c.poll_action()).collect()
    }

    #[test]
    fn first_success_is_reported_then_silence() {
        let t0 = Instant::now();
        let mut c = tcp(timing(1), t0);
        let acts = fire(&mut c, t0);
        assert!(matches!(
            acts[..],
            [CheckAction::Connect {
                transport: Transport::Tcp,
                ..
            }]
        ));
        c.handle_event(t0 + secs(1), IoEvent::Connected);
        assert_eq!(drain(&mut c), vec![CheckAction::Close]);
        let r = c.poll_result().unwrap();
        assert!(r.up && r.first && !r.changed && r.reason.is_none());
        assert_eq!(c.poll_timeout(), Some(t0 + secs(11)));
        fire(&mut c, t0 + secs(11));
        c.handle_event(t0 + secs(11), IoEvent::Connected);
        assert_eq!(c.poll_result(), None);
    }

    #[test]
    fn first_failure_counts_without_retries() {
        let t0 = Instant::now();
        let mut c = tcp(timing(3), t0);
        fire(&mut c, t0);
        c.handle_event(
            t0,
            IoEvent::ConnectFailed(IoFailure::Kind(io::ErrorKind::ConnectionRefused)),
        );
        let r = c.poll_result().unwrap();
        assert!(!r.up && r.first && r.changed);
        assert_eq!(c.poll_timeout(), Some(t0 + secs(10)));
    }

    #[test]
    fn failure_counts_only_after_retries() {
        let t0 = Instant::now();
        let mut c = tcp(timing(2), t0);
        fire(&mut c, t0);
        c.handle_event(t0, IoEvent::Connected);
        assert!(c.poll_result().unwrap().up);
        let mut now = t0 + secs(10);
        for attempt in 0..3 {
            fire(&mut c, now);
            c.handle_event(
                now,
                IoEvent::ConnectFailed(IoFailure::Kind(io::ErrorKind::ConnectionRefused)),
            );
            assert_eq!(drain(&mut c), vec![CheckAction::Close]);
            if attempt < 2 {
                assert_eq!(c.poll_result(), None, "attempt {attempt} is a retry");
                assert!(c.is_up());
                now += secs(2); // delay_before_retry
            } else {
                let r = c.poll_result().unwrap();
                assert!(!r.up && r.changed);
                assert_eq!(
                    r.reason,
                    Some(FailReason::ConnectFailed(IoFailure::Kind(
                        io::ErrorKind::ConnectionRefused
                    )))
                );
                now += secs(10); // delay_loop
            }
        }
        assert_eq!(c.poll_timeout(), Some(now));
        // A success after failures counts at once.
        fire(&mut c, now);
        c.handle_event(now, IoEvent::Connected);
        let r = c.poll_result().unwrap();
        assert!(r.up && r.changed);
    }

    #[test]
    fn connect_timeout_bounds_the_whole_check() {
        let t0 = Instant::now();
        let mut c = Checker::new(
            CheckerConfig {
                kind: CheckerKind::Http(Box::new(HttpConfig {
                    urls: vec![UrlConfig {
                        path: "/".into(),
                        ..UrlConfig::default()
                    }],
                    ..HttpConfig::default()
                })),
                target: Target::new(Ipv4Addr::new(192, 0, 2, 20).into(), 80),
                timing: timing(0).into(),
            },
            t0,
            1,
        )
        .unwrap();
        fire(&mut c, t0);
        c.handle_event(t0 + Duration::from_millis(500), IoEvent::Connected);
        assert!(matches!(drain(&mut c)[..], [CheckAction::Send(_)]));
        // A slowloris server: one byte every second, deadline stays connect + 3 s.
        for (i, chunk) in [(1, b"HT"), (2, b"TP")] {
            c.handle_event(t0 + secs(i), IoEvent::Data(chunk));
            c.handle_timeout(t0 + secs(i));
            assert_eq!(c.poll_timeout(), Some(t0 + secs(3)));
        }
        c.handle_timeout(t0 + secs(3) - Duration::from_micros(1));
        assert_eq!(c.poll_result(), None);
        c.handle_timeout(t0 + secs(3));
        assert_eq!(drain(&mut c), vec![CheckAction::Close]);
        let r = c.poll_result().unwrap();
        // The response had begun: keepalived's "Timeout HTTP read", not "Timeout WEB read".
        assert_eq!(r.reason, Some(FailReason::ResponseTimeout));
        assert!(!r.up);
        // A late reply is ignored.
        c.handle_event(t0 + secs(4), IoEvent::Data(b"HTTP/1.0 200 OK\r\n\r\n"));
        assert_eq!(c.poll_result(), None);
        assert_eq!(c.poll_timeout(), Some(t0 + secs(13)));
    }

    #[test]
    fn alpha_starts_down_and_warmup_is_seeded() {
        let t0 = Instant::now();
        let mut t = timing(1);
        t.alpha = true;
        t.warmup = secs(30);
        let mut a = tcp(t.clone(), t0);
        let b = tcp(t, t0);
        assert!(!a.is_up());
        let start = a.poll_timeout().unwrap();
        assert_eq!(Some(start), b.poll_timeout(), "same seed, same warmup");
        assert!(start <= t0 + secs(30));
        a.handle_timeout(start);
        drain(&mut a);
        a.handle_event(start, IoEvent::Connected);
        let r = a.poll_result().unwrap();
        assert!(r.up && r.changed && r.first);
    }

    #[test]
    fn log_all_failures_reports_retried_attempts_while_up() {
        let t0 = Instant::now();
        let mut t = timing(2);
        t.log_all_failures = true;
        let mut c = tcp(t, t0);
        fire(&mut c, t0);
        c.handle_event(t0, IoEvent::Connected);
        assert!(c.poll_result().unwrap().up);
        let mut now = t0 + secs(10);
        for i in 0..3 {
            fire(&mut c, now);
            c.handle_event(
                now,
                IoEvent::ConnectFailed(IoFailure::Kind(io::ErrorKind::ConnectionRefused)),
            );
            let r = c.poll_result().expect("each failed attempt reported");
            assert_eq!(r.retry_pending, i < 2);
            assert_eq!(r.up, i < 2);
            assert_eq!(r.changed, i == 2);
            now += if i < 2 { secs(2) } else { secs(10) };
        }
        // Once down, further failures are silent.
        for _ in 0..3 {
            fire(&mut c, now);
            c.handle_event(
                now,
                IoEvent::ConnectFailed(IoFailure::Kind(io::ErrorKind::ConnectionRefused)),
            );
            assert_eq!(c.poll_result(), None);
            now += secs(2);
        }
    }

    #[test]
    fn http_urls_all_must_pass_and_recovery_waits_without_fast_recovery() {
        let t0 = Instant::now();
        let mk = |fast| {
            let mut t = timing(0);
            t.alpha = true;
            Checker::new(
                CheckerConfig {
                    kind: CheckerKind::Http(Box::new(HttpConfig {
                        fast_recovery: fast,
                        urls: vec![
                            UrlConfig {
                                path: "/a".into(),
                                ..UrlConfig::default()
                            },
                            UrlConfig {
                                path: "/b".into(),
                                ..UrlConfig::default()
                            },
                        ],
                        ..HttpConfig::default()
                    })),
                    target: Target::new(Ipv4Addr::new(192, 0, 2, 20).into(), 80),
                    timing: t.into(),
                },
                t0,
                1,
            )
            .unwrap()
        };
        let ok = b"HTTP/1.0 200 OK\r\n\r\n";
        // Without fast_recovery, a down checker waits delay_loop between urls.
        let mut c = mk(false);
        fire(&mut c, t0);
        c.handle_event(t0, IoEvent::Connected);
        c.handle_event(t0, IoEvent::Data(ok));
        assert!(matches!(
            drain(&mut c)[..],
            [CheckAction::Send(_), CheckAction::Close]
        ));
        assert_eq!(c.poll_result(), None);
        assert_eq!(c.poll_timeout(), Some(t0 + secs(10)));
        let acts = fire(&mut c, t0 + secs(10));
        assert!(matches!(acts[..], [CheckAction::Connect { .. }]));
        c.handle_event(t0 + secs(10), IoEvent::Connected);
        let req = drain(&mut c);
        assert!(matches!(&req[..], [CheckAction::Send(r)] if r.starts_with(b"GET /b ")));
        c.handle_event(t0 + secs(10), IoEvent::Data(ok));
        assert!(c.poll_result().unwrap().up);
        // With fast_recovery, the second url follows at once.
        let mut c = mk(true);
        fire(&mut c, t0);
        c.handle_event(t0, IoEvent::Connected);
        c.handle_event(t0, IoEvent::Data(ok));
        let acts = drain(&mut c);
        assert!(
            matches!(
                &acts[..],
                [
                    CheckAction::Send(_),
                    CheckAction::Close,
                    CheckAction::Connect { .. }
                ]
            ),
            "{acts:?}"
        );
        c.handle_event(t0, IoEvent::Connected);
        c.handle_event(t0, IoEvent::Data(b"HTTP/1.0 500 Oops\r\n\r\n"));
        let r = c.poll_result().unwrap();
        assert!(!r.up && r.first);
        assert!(matches!(
            r.reason,
            Some(FailReason::HttpStatus { code: 500, .. })
        ));
    }

    #[test]
    fn misc_dynamic_weights() {
        let t0 = Instant::now();
        let mut c = Checker::new(
            CheckerConfig {
                kind: CheckerKind::Misc(Box::new(crate::proto::MiscConfig {
                    script: crate::event::Script {
                        args: vec!["/bin/check".into()],
                        ..Default::default()
                    },
                    timeout: None,
                    dynamic: true,
                    rs_weight: 3,
                })),
                target: Target::new(Ipv4Addr::new(192, 0, 2, 20).into(), 0),
                timing: timing(0).into(),
            },
            t0,
            1,
        )
        .unwrap();
        let mut now = t0;
        let mut run = |c: &mut Checker, status: ScriptStatus| {
            let acts = fire(c, now);
            assert!(matches!(acts[..], [CheckAction::RunScript(_)]));
            c.handle_event(now, IoEvent::ScriptExited(status));
            now += secs(10);
            c.poll_result()
        };
        let r = run(&mut c, ScriptStatus::Exited(12)).unwrap();
        assert!(r.up && r.first);
        assert_eq!(r.weight, Some(12 - 2 - 3));
        assert_eq!(run(&mut c, ScriptStatus::Exited(12)), None);
        assert_eq!(
            run(&mut c, ScriptStatus::Exited(22)).unwrap().weight,
            Some(17)
        );
        let r = run(&mut c, ScriptStatus::Exited(1)).unwrap();
        assert!(!r.up);
        assert_eq!(r.weight, Some(0));
        let r = run(&mut c, ScriptStatus::Exited(0)).unwrap();
        assert!(r.up && r.weight.is_none());
        let r = run(&mut c, ScriptStatus::Signaled(9)).unwrap();
        assert_eq!(r.reason, Some(FailReason::ScriptSignal(9)));
    }

    #[test]
    fn misc_timeout_kills_the_script() {
        let t0 = Instant::now();
        let mut c = Checker::new(
            CheckerConfig {
                kind: CheckerKind::Misc(Box::new(crate::proto::MiscConfig {
                    script: crate::event::Script {
                        args: vec!["/bin/slow".into()],
                        ..Default::default()
                    },
                    timeout: Some(secs(3)),
                    dynamic: false,
                    rs_weight: 1,
                })),
                target: Target::new(Ipv4Addr::new(192, 0, 2, 20).into(), 0),
                timing: timing(0).into(),
            },
            t0,
            1,
        )
        .unwrap();
        fire(&mut c, t0);
        c.handle_timeout(t0 + secs(3));
        assert_eq!(drain(&mut c), vec![CheckAction::KillScript]);
        assert_eq!(c.poll_result().unwrap().reason, Some(FailReason::Timeout));
        c.handle_event(
            t0 + secs(4),
            IoEvent::ScriptExited(ScriptStatus::Signaled(15)),
        );
        assert_eq!(c.poll_result(), None);
    }

    #[test]
    fn file_and_bfd_are_event_driven() {
        let t0 = Instant::now();
        let mut f = Checker::new(
            CheckerConfig {
                kind: CheckerKind::File(Box::new(crate::proto::FileConfig {
                    track_file: "tf".into(),
                    weight: 2,
                    reverse: false,
                    dynamic: false,
                })),
                target: Target::new(Ipv4Addr::new(192, 0, 2, 20).into(), 0),
                timing: timing(0).into(),
            },
            t0,
            1,
        )
        .unwrap();
        assert_eq!(f.poll_timeout(), None);
        assert_eq!(f.tracked_name(), Some("tf"));
        f.handle_event(t0, IoEvent::FileValue(5));
        let r = f.poll_result().unwrap();
        assert!(r.up && r.first && r.weight == Some(10));
        f.handle_event(t0, IoEvent::FileValue(5));
        assert_eq!(f.poll_result(), None);
        f.handle_event(t0, IoEvent::FileValue(i64::from(i32::MIN)));
        let r = f.poll_result().unwrap();
        assert!(!r.up && r.changed && r.weight == Some(0));

        let mut b = Checker::new(
            CheckerConfig {
                kind: CheckerKind::Bfd(Box::new(crate::proto::BfdConfig { name: "b1".into() })),
                target: Target::new(Ipv4Addr::new(192, 0, 2, 20).into(), 0),
                timing: timing(0).into(),
            },
            t0,
            1,
        )
        .unwrap();
        b.handle_event(t0, IoEvent::BfdState(false));
        assert_eq!(b.poll_result().unwrap().reason, Some(FailReason::BfdDown));
        b.handle_event(t0, IoEvent::BfdState(true));
        assert!(b.poll_result().unwrap().up);
    }

    #[test]
    fn dns_and_udp_through_the_checker() {
        let t0 = Instant::now();
        let mk = |kind| {
            Checker::new(
                CheckerConfig {
                    kind,
                    target: Target::new(Ipv4Addr::new(192, 0, 2, 53).into(), 53),
                    timing: timing(0).into(),
                },
                t0,
                9,
            )
            .unwrap()
        };
        let mut c = mk(CheckerKind::Dns(Box::new(crate::proto::DnsConfig {
            qtype: crate::proto::DnsType::A,
            name: "example.com".into(),
            require_answer: true,
        })));
        let acts = fire(&mut c, t0);
        let [CheckAction::Connect {
            transport: Transport::Udp,
            ..
        }, CheckAction::Send(q)] = &acts[..]
        else {
            panic!("{acts:?}")
        };
        let mut reply = q.clone();
        reply[2] |= 0x80;
        reply[7] = 1;
        reply.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 80]);
        c.handle_event(t0, IoEvent::Data(&reply[..5]));
        assert_eq!(c.poll_result(), None, "runt datagram ignored");
        c.handle_event(t0, IoEvent::Data(&reply));
        assert!(c.poll_result().unwrap().up);
        assert_eq!(drain(&mut c), vec![CheckAction::Close]);
        // Next round: the id changes, so the old reply is not an answer: ignored, and the
        // check waits for the real one (keepalived's dns_recv_thread).
        let acts = fire(&mut c, t0 + secs(10));
        assert!(matches!(&acts[1], CheckAction::Send(q2) if q2[..2] != q[..2]));
        c.handle_event(t0 + secs(10), IoEvent::Data(&reply));
        assert_eq!(c.poll_result(), None);

        let mut u = mk(CheckerKind::Udp(Box::new(crate::proto::UdpConfig {
            payload: Some(vec![1, 2, 3]),
            ..crate::proto::UdpConfig::default()
        })));
        let acts = fire(&mut u, t0);
        assert_eq!(acts[1], CheckAction::Send(vec![1, 2, 3]));
        u.handle_timeout(t0 + secs(3));
        assert!(u.poll_result().unwrap().up, "no ICMP error: up");
        fire(&mut u, t0 + secs(13));
        u.handle_event(
            t0 + secs(13),
            IoEvent::IcmpError(IoFailure::Kind(io::ErrorKind::ConnectionRefused)),
        );
        let r = u.poll_result().unwrap();
        assert!(!r.up && r.changed);
    }

    #[test]
    fn ssl_get_connect_carries_tls_params() {
        let t0 = Instant::now();
        let tls = crate::event::TlsParams {
            sni: Some("www.example.com".into()),
            tls_compliant: true,
        };
        let mut c = Checker::new(
            CheckerConfig {
                kind: CheckerKind::Http(Box::new(HttpConfig {
                    tls: Some(tls.clone()),
                    urls: vec![UrlConfig {
                        path: "/".into(),
                        ..UrlConfig::default()
                    }],
                    ..HttpConfig::default()
                })),
                target: Target::new(Ipv4Addr::new(192, 0, 2, 20).into(), 443),
                timing: timing(0).into(),
            },
            t0,
            1,
        )
        .unwrap();
        let acts = fire(&mut c, t0);
        assert!(
            matches!(&acts[..], [CheckAction::Connect { tls: Some(t), transport: Transport::Tcp, .. }] if *t == tls)
        );
    }

    #[test]
    fn suspension_skips_checks_and_keeps_state() {
        let t0 = Instant::now();
        let mut c = tcp(timing(0), t0);
        fire(&mut c, t0);
        c.set_suspended(t0, true);
        assert_eq!(drain(&mut c), vec![CheckAction::Close]);
        assert_eq!(c.poll_timeout(), Some(t0 + secs(10)));
        c.handle_timeout(t0 + secs(10));
        assert!(drain(&mut c).is_empty());
        assert_eq!(c.poll_timeout(), Some(t0 + secs(20)));
        c.set_suspended(t0 + secs(12), false);
        assert_eq!(c.poll_timeout(), Some(t0 + secs(12)));
        assert!(c.is_up());
        // Spurious wake-ups do nothing.
        c.handle_timeout(t0 + secs(11));
        assert!(drain(&mut c).is_empty());
    }
}
