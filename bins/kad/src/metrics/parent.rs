//! What the parent itself knows (its children, their restarts, reloads) and the scrape that
//! puts it together with the children's fragments.

use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use super::channel::{Fragment, Gatherer, Role, DEFAULT_DEADLINE};
use super::http::{Scrape, ServerStats};
use super::text::{unix_seconds, Exposition, Format, Kind};

/// One child as the parent sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChildState {
    /// Which one.
    pub role: Role,
    /// The configuration (and command line) gives it work.
    pub wanted: bool,
    /// Its pid while it runs.
    pub pid: Option<u32>,
    /// Restarts after it died.
    pub restarts: u64,
}

/// The parent's side of the metrics, updated by its loop.
#[derive(Debug, Clone)]
pub struct ParentState {
    /// When kad started.
    pub started: SystemTime,
    /// Each child of [`Role::CHILDREN`].
    pub children: Vec<ChildState>,
    /// Reloads whose configuration was put in place.
    pub reloads: u64,
    /// Reloads refused (the running configuration kept).
    pub reload_failures: u64,
    /// Whether the last reload was put in place (`None` before any).
    pub last_reload_ok: Option<bool>,
    /// When the running configuration was read.
    pub last_good_config: SystemTime,
}

impl Default for ParentState {
    fn default() -> ParentState {
        let now = SystemTime::now();
        ParentState {
            started: now,
            children: Role::CHILDREN
                .iter()
                .map(|r| ChildState {
                    role: *r,
                    wanted: false,
                    pid: None,
                    restarts: 0,
                })
                .collect(),
            reloads: 0,
            reload_failures: 0,
            last_reload_ok: None,
            last_good_config: now,
        }
    }
}

/// The parent loop's handle on [`ParentState`]; does nothing without `--metrics-listen`.
#[derive(Debug, Clone, Default)]
pub struct Shared(Option<Arc<Mutex<ParentState>>>);

impl Shared {
    /// A handle that records (metrics enabled).
    pub fn enabled() -> Shared {
        Shared(Some(Arc::default()))
    }

    fn with(&self, f: impl FnOnce(&mut ParentState)) {
        if let Some(m) = &self.0 {
            if let Ok(mut s) = m.lock() {
                f(&mut s);
            }
        }
    }

    fn child(&self, role: Role, f: impl FnOnce(&mut ChildState)) {
        self.with(|s| {
            if let Some(c) = s.children.iter_mut().find(|c| c.role == role) {
                f(c);
            }
        });
    }

    /// Whether `role` has work.
    pub fn wanted(&self, role: Role, wanted: bool) {
        self.child(role, |c| c.wanted = wanted);
    }

    /// `role` started as `pid`.
    pub fn started(&self, role: Role, pid: u32) {
        self.child(role, |c| c.pid = Some(pid));
    }

    /// `role` ended; `respawn` when the parent will start it again.
    pub fn ended(&self, role: Role, respawn: bool) {
        self.child(role, |c| {
            c.pid = None;
            c.restarts += u64::from(respawn);
        });
    }

    /// A reload's outcome: `true` when its configuration was put in place.
    pub fn reloaded(&self, ok: bool) {
        self.with(|s| {
            s.last_reload_ok = Some(ok);
            if ok {
                s.reloads += 1;
                s.last_good_config = SystemTime::now();
            } else {
                s.reload_failures += 1;
            }
        });
    }

    /// A copy of the state, or `None` when disabled.
    pub fn snapshot(&self) -> Option<ParentState> {
        self.0.as_ref()?.lock().ok().map(|s| s.clone())
    }
}

/// The parent's [`Scrape`]: asks the children, then writes its own families and theirs.
#[derive(Debug)]
pub struct ParentScrape {
    gatherer: Gatherer,
    shared: Shared,
    deadline: std::time::Duration,
}

impl ParentScrape {
    /// Gathers under `scope` (the parent's pid), waiting at most `deadline` for children.
    pub fn new(gatherer: Gatherer, shared: Shared, deadline: Option<std::time::Duration>) -> Self {
        ParentScrape {
            gatherer,
            shared,
            deadline: deadline.unwrap_or(DEFAULT_DEADLINE),
        }
    }
}

impl Scrape for ParentScrape {
    fn scrape(&mut self, format: Format, stats: &ServerStats) -> Vec<u8> {
        let t0 = Instant::now();
        let state = self.shared.snapshot().unwrap_or_default();
        let running: Vec<Role> = state
            .children
            .iter()
            .filter(|c| c.pid.is_some())
            .map(|c| c.role)
            .collect();
        let fragments = self.gatherer.gather(format, &running, t0 + self.deadline);
        let gather_time = t0.elapsed();
        let mut head = String::with_capacity(4096);
        let mut e = Exposition::new(&mut head, format);
        render(&mut e, &state, &fragments, stats, self.gatherer.stale);
        e.family(
            "kad_scrape_gather_seconds",
            Kind::Gauge,
            "How long this scrape waited for the children's answers.",
        );
        e.sample("kad_scrape_gather_seconds", &[], gather_time.as_secs_f64());
        let size: usize = fragments
            .iter()
            .map(|(_, f)| match f {
                Fragment::Text(t) => t.len(),
                _ => 0,
            })
            .sum();
        let mut body = Vec::with_capacity(head.len() + size + 8);
        body.extend_from_slice(head.as_bytes());
        for (_, f) in &fragments {
            if let Fragment::Text(t) = f {
                body.extend_from_slice(t);
            }
        }
        if format == Format::OpenMetrics {
            body.extend_from_slice(b"# EOF\n");
        }
        body
    }
}

/// The parent's families.
pub fn render(
    e: &mut Exposition<'_>,
    state: &ParentState,
    fragments: &[(Role, Fragment)],
    stats: &ServerStats,
    stale: u64,
) {
    let answered = |role: Role| {
        fragments
            .iter()
            .any(|(r, f)| *r == role && matches!(f, Fragment::Text(_)))
    };
    let up = state
        .children
        .iter()
        .filter(|c| c.wanted)
        .all(|c| answered(c.role));
    e.single(
        "keepalived_up",
        Kind::Gauge,
        "Status: 1 when every child with work runs and answered this scrape.",
        u8::from(up),
    );
    e.family(
        "kad_child_up",
        Kind::Gauge,
        "1 when the child runs and answered this scrape; 0 when it is not running, stopped or too slow.",
    );
    for c in state.children.iter().filter(|c| c.wanted) {
        e.sample(
            "kad_child_up",
            &[("child", c.role.word())],
            u8::from(answered(c.role)),
        );
    }
    e.family(
        "kad_child_scrape_errors",
        Kind::Gauge,
        "Why a running child's families are missing from this scrape (timeout: no answer before the deadline).",
    );
    for c in state.children.iter().filter(|c| c.wanted) {
        let why = fragments.iter().find(|(r, _)| *r == c.role).map(|(_, f)| f);
        for (reason, hit) in [
            ("not_running", matches!(why, Some(Fragment::NotRunning))),
            ("timeout", matches!(why, Some(Fragment::Timeout))),
            ("unreadable", matches!(why, Some(Fragment::Unreadable))),
        ] {
            e.sample(
                "kad_child_scrape_errors",
                &[("child", c.role.word()), ("reason", reason)],
                u8::from(hit),
            );
        }
    }
    e.family(
        "kad_child_restarts_total",
        Kind::Counter,
        "Times the parent restarted a child that died.",
    );
    for c in state.children.iter().filter(|c| c.wanted) {
        e.sample(
            "kad_child_restarts_total",
            &[("child", c.role.word())],
            c.restarts,
        );
    }
    e.single(
        "kad_start_time_seconds",
        Kind::Gauge,
        "When kad started, in seconds since the Unix epoch.",
        unix_seconds(state.started),
    );
    e.family(
        "kad_reloads_total",
        Kind::Counter,
        "Reloads (SIGHUP) by outcome: applied, or refused with the running configuration kept.",
    );
    e.sample(
        "kad_reloads_total",
        &[("outcome", "applied")],
        state.reloads,
    );
    e.sample(
        "kad_reloads_total",
        &[("outcome", "refused")],
        state.reload_failures,
    );
    e.single(
        "kad_last_reload_success",
        Kind::Gauge,
        "1 when the last reload was applied (or none happened), 0 when it was refused.",
        u8::from(state.last_reload_ok != Some(false)),
    );
    e.single(
        "kad_config_last_good_time_seconds",
        Kind::Gauge,
        "When the running configuration was read, in seconds since the Unix epoch.",
        unix_seconds(state.last_good_config),
    );
    e.family(
        "kad_metrics_http_connections_total",
        Kind::Counter,
        "Connections to the metrics endpoint by outcome.",
    );
    for (outcome, n) in [
        ("accepted", stats.accepted),
        ("refused_busy", stats.refused),
        ("timed_out", stats.timed_out),
        ("oversized", stats.oversized),
        ("malformed", stats.malformed),
        ("not_found", stats.not_found),
    ] {
        e.sample(
            "kad_metrics_http_connections_total",
            &[("outcome", outcome)],
            n,
        );
    }
    e.single(
        "kad_scrape_late_answers_total",
        Kind::Counter,
        "Children's answers that came after their scrape's deadline.",
        stale,
    );
}
