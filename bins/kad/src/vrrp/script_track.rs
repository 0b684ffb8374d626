//! `vrrp_script`: tracking scripts run every `interval`, their results counted with `rise`
//! and `fall` into Up/Down for the instances that track them (keepalived's
//! `vrrp_script_thread()` and `vrrp_script_child_thread()`, keepalived/vrrp/vrrp_scheduler.c).
//!
//! Rules kept from keepalived 2.2.7:
//! - every script runs once at start-up, then every `interval` after the start of the
//!   previous run; it is killed after `timeout` (default: the interval): SIGTERM to its
//!   process group, SIGKILL 2 s later ([`crate::spawn`]);
//! - exit status 0 is a success; any other status, a signal, or a timeout is a failure;
//!   "Script `NAME` now returning N" is logged when the exit status changes;
//! - the count runs from 0 to `rise + fall - 1`; the script is up from `rise`. A success
//!   counts up (reaching `rise` reports "VRRP_Script(NAME) succeeded" and Up, then jumps to the
//!   top); a failure counts down to `rise` and then drops to 0, reporting
//!   "VRRP_Script(NAME) failed (exited with status N)", "... failed (due to signal N)" or
//!   "... timed_out" and Down;
//! - at start-up the state is unknown and the count `rise - 1`, so one success is enough and
//!   one failure reports Down; with `init_fail` the script starts Down with the count at 0;
//! - a script that cannot be found or is not executable by its user is disabled ("Disabling
//!   track script NAME since not found/accessible"), as is one with unsafe permissions under
//!   `enable_script_security` ("Disabling track script NAME due to insecure"); keepalived
//!   then removes it from every instance and sync group: see [`ScriptTrackers::disabled`];
//! - a script that cannot be executed when its time comes counts as a success: keepalived's
//!   forked child logs the exec error and exits 0.
//!
//! One deliberate difference: keepalived 2.2.7 logs "Track script NAME is already running,
//! expect idle - skipping run" and then starts a second copy anyway; kad logs the same line and
//! skips the run.
//!
//! Usage in the VRRP loop:
//!
//! ```ignore
//! let users = ScriptUsers::new(&config.global);
//! let mut scripts = ScriptTrackers::new(&config.vrrp.scripts, &users, Instant::now());
//! // drop the track_script references named by scripts.disabled() from instances/groups;
//! // initial tracker states: scripts.state(name)
//! // timers: scripts.poll_timeout() joins the loop's deadline; when it passes:
//! scripts.handle_timeout(now, &mut runner);
//! // for every (id, outcome) of runner.reap(now):
//! if scripts.job_done(id, &outcome, now) {
//!     while let Some((name, state)) = scripts.poll_change() {
//!         // instance.set_tracker(tracker id of `name`, state) for each tracking instance
//!     }
//! }
//! ```

// The VRRP loop that uses this module is being written alongside it.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use keepalive_confparse::model::vrrp::track::VrrpScript;
use keepalive_vrrp::tracker::TrackerState;

use crate::spawn::{JobId, Outcome, Prepared, Rejected, Runner, ScriptUsers};

/// One `vrrp_script` and its running count.
#[derive(Debug)]
struct Tracked {
    name: String,
    prepared: Prepared,
    interval: Duration,
    timeout: Duration,
    rise: u32,
    fall: u32,
    /// keepalived's `result`: 0..=rise+fall-1, up from `rise`.
    result: u32,
    /// No result yet since start-up (keepalived's `SCRIPT_INIT_STATE_INIT`).
    initial: bool,
    /// The last exit status, for "now returning" (keepalived starts it at 0).
    last_status: i32,
    state: TrackerState,
    next_run: Instant,
    running: Option<(JobId, Instant)>,
}

impl Tracked {
    fn top(&self) -> u32 {
        self.rise + self.fall - 1
    }
}

/// All `vrrp_script`s of a configuration.
#[derive(Debug, Default)]
pub struct ScriptTrackers {
    scripts: Vec<Tracked>,
    by_job: HashMap<JobId, usize>,
    disabled: Vec<String>,
    changes: VecDeque<(String, TrackerState)>,
}

impl ScriptTrackers {
    /// Checks every script (logging and disabling those that cannot run) and schedules the
    /// first run of each at `now`.
    pub fn new(scripts: &[VrrpScript], users: &ScriptUsers, now: Instant) -> ScriptTrackers {
        let mut t = ScriptTrackers::default();
        for s in scripts {
            let Some(script) = &s.script else {
                continue;
            };
            let prepared = match users.prepare(script, "vrrp_script") {
                Ok(p) => p,
                Err(why) => {
                    match why {
                        Rejected::Insecure => {
                            log_err!("Disabling track script {} due to insecure", s.name)
                        }
                        Rejected::NotFound => log_err!(
                            "Disabling track script {} since not found/accessible",
                            s.name
                        ),
                        Rejected::User => log_err!(
                            "Unable to set default user for vrrp script {} - removing",
                            s.name
                        ),
                        Rejected::NotExecutable => {}
                    }
                    t.disabled.push(s.name.clone());
                    continue;
                }
            };
            let interval = Duration::from_micros(s.interval.0.max(1));
            let timeout = s
                .timeout
                .map(|m| Duration::from_micros(m.0))
                .filter(|d| !d.is_zero())
                .unwrap_or(interval);
            let rise = s.rise.max(1);
            let fall = s.fall.max(1);
            t.scripts.push(Tracked {
                name: s.name.clone(),
                prepared,
                interval,
                timeout,
                rise,
                fall,
                result: if s.init_fail { 0 } else { rise - 1 },
                initial: !s.init_fail,
                last_status: 0,
                state: if s.init_fail {
                    TrackerState::Down
                } else {
                    TrackerState::Unknown
                },
                next_run: now,
                running: None,
            });
        }
        t
    }

    /// Takes over the results of the scripts of the same name from the configuration
    /// before a reload (keepalived's `clear_diff_script()`): the count is moved to the same
    /// distance from `rise` in the new script, and the state kept.
    pub fn carry_over(&mut self, old: &ScriptTrackers) {
        for new in &mut self.scripts {
            let Some(o) = old.scripts.iter().find(|o| o.name == new.name) else {
                continue;
            };
            if o.initial {
                continue;
            }
            if o.result < o.rise {
                new.result = if o.result == 0 {
                    0
                } else {
                    new.rise.saturating_sub(o.rise - o.result)
                };
                log_info!(
                    "VRRP_Script({}) considered unsuccessful on reload",
                    new.name
                );
            } else {
                new.result = if o.result == o.top() {
                    new.top()
                } else {
                    (new.rise + (o.result - o.rise)).min(new.top())
                };
                log_info!("VRRP_Script({}) considered successful on reload", new.name);
            }
            new.last_status = o.last_status;
            new.initial = false;
            new.state = o.state;
        }
    }

    /// For the data dump: keepalived's `result` count, whether a run is in progress, and
    /// whether the script has not reported yet.
    pub fn status(&self, name: &str) -> Option<(u32, bool, bool)> {
        self.scripts
            .iter()
            .find(|s| s.name == name)
            .map(|s| (s.result, s.running.is_some(), s.initial))
    }

    /// Names of the scripts that will never run; keepalived removes them from the instances
    /// and sync groups that track them.
    pub fn disabled(&self) -> &[String] {
        &self.disabled
    }

    /// The current state of script `name`: `Unknown` until its first result (unless
    /// `init_fail`); `None` for a script not tracked here.
    pub fn state(&self, name: &str) -> Option<TrackerState> {
        self.scripts
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.state)
    }

    /// When [`handle_timeout`](Self::handle_timeout) must run next.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.scripts.iter().map(|s| s.next_run).min()
    }

    /// Starts the scripts whose time has come; a script still running from its previous
    /// turn is skipped (with keepalived's log line) rather than started twice.
    pub fn handle_timeout(&mut self, now: Instant, runner: &mut Runner) {
        for (i, s) in self.scripts.iter_mut().enumerate() {
            if s.next_run > now {
                continue;
            }
            s.next_run = now + s.interval;
            if let Some((_, started)) = s.running {
                let what = if now < started + s.timeout {
                    "already running"
                } else {
                    "being timed out"
                };
                log_info!(
                    "Track script {} is {}, expect idle - skipping run",
                    s.name,
                    what
                );
                continue;
            }
            let id = runner.spawn(now, s.prepared.job(&[], Some(s.timeout)));
            s.running = Some((id, now));
            self.by_job.insert(id, i);
        }
    }

    /// Takes the outcome of a job; false if it was not one of these scripts. A change of
    /// state is then available from [`poll_change`](Self::poll_change).
    pub fn job_done(&mut self, id: JobId, outcome: &Outcome, _now: Instant) -> bool {
        let Some(i) = self.by_job.remove(&id) else {
            return false;
        };
        let s = &mut self.scripts[i];
        s.running = None;
        // keepalived's child exits 0 when it cannot exec the script.
        let outcome = match outcome {
            Outcome::SpawnFailed(_) => &Outcome::Exited(0),
            o => o,
        };
        let failure: Option<String> = match outcome {
            Outcome::Exited(status) => {
                if *status != s.last_status {
                    log_info!("Script `{}` now returning {}", s.name, status);
                }
                s.last_status = *status;
                (*status != 0).then(|| format!("failed (exited with status {status})"))
            }
            Outcome::Signalled(sig) => Some(format!("failed (due to signal {sig})")),
            Outcome::TimedOut => Some("timed_out".to_string()),
            Outcome::SpawnFailed(_) => unreachable!("mapped to an exit status above"),
        };
        let change = match failure {
            None => {
                if s.result + 1 < s.rise {
                    s.result += 1;
                    None
                } else if s.result != s.top() {
                    let up = s.result < s.rise;
                    s.result = s.top();
                    if up {
                        log_info!("VRRP_Script({}) succeeded", s.name);
                        Some(TrackerState::Up)
                    } else {
                        None
                    }
                } else {
                    None
                }
            }
            Some(why) => {
                if s.result > s.rise {
                    s.result -= 1;
                    None
                } else {
                    let down = s.result == s.rise || s.initial;
                    s.result = 0;
                    if down {
                        log_info!("VRRP_Script({}) {}", s.name, why);
                        Some(TrackerState::Down)
                    } else {
                        None
                    }
                }
            }
        };
        s.initial = false;
        if let Some(state) = change {
            s.state = state;
            self.changes.push_back((s.name.clone(), state));
        }
        true
    }

    /// The next change of a script's state, in the order they happened.
    #[must_use]
    pub fn poll_change(&mut self) -> Option<(String, TrackerState)> {
        self.changes.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spawn::testutil::{wait_for, TempDir};
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;

    const LONG: Duration = Duration::from_secs(30);

    fn users() -> ScriptUsers {
        ScriptUsers::new(&keepalive_confparse::model::global::GlobalDefs {
            script_user: Some(("root".into(), None)),
            ..Default::default()
        })
    }

    fn scripts(body: &str) -> Vec<VrrpScript> {
        let text = format!(
            "{body}\nvrrp_instance VI_1 {{\n interface lo\n virtual_router_id 1\n priority 100\n track_script {{\n chk\n }}\n}}\n"
        );
        let cfg = load_str("t.conf", &text, &Options::default()).config;
        assert!(!cfg.vrrp.scripts.is_empty(), "vrrp_script lost: {text}");
        cfg.vrrp.scripts
    }

    /// A tracker for `chk` fed outcomes directly, without running anything.
    fn fed(rise: u32, fall: u32, init_fail: bool) -> ScriptTrackers {
        let body = format!(
            "vrrp_script chk {{\n script /bin/true\n rise {rise}\n fall {fall}\n{}}}",
            if init_fail { " init_fail\n" } else { "" }
        );
        let mut t = ScriptTrackers::new(&scripts(&body), &users(), Instant::now());
        assert_eq!(t.scripts.len(), 1);
        t.scripts[0].running = Some((JobId(0), Instant::now()));
        t
    }

    /// Feeds one outcome; returns the change it caused.
    fn feed(t: &mut ScriptTrackers, o: Outcome) -> Option<TrackerState> {
        t.by_job.insert(JobId(0), 0);
        assert!(t.job_done(JobId(0), &o, Instant::now()));
        let c = t.poll_change().map(|(n, s)| {
            assert_eq!(n, "chk");
            s
        });
        assert!(t.poll_change().is_none());
        c
    }

    use Outcome::{Exited, Signalled, TimedOut};
    use TrackerState::{Down, Unknown, Up};

    #[test]
    fn one_result_decides_at_start_up() {
        let mut t = fed(3, 2, false);
        assert_eq!(t.state("chk"), Some(Unknown));
        assert_eq!(feed(&mut t, Exited(0)), Some(Up));
        let mut t = fed(3, 2, false);
        assert_eq!(feed(&mut t, Exited(1)), Some(Down));
        assert_eq!(t.state("chk"), Some(Down));
    }

    #[test]
    fn rise_and_fall_are_counted() {
        let mut t = fed(3, 2, false);
        assert_eq!(feed(&mut t, Exited(0)), Some(Up));
        // Up at the top (rise+fall-1 = 4): fall=2 failures to go down.
        assert_eq!(feed(&mut t, Exited(1)), None);
        assert_eq!(
            feed(&mut t, Exited(0)),
            None,
            "a success goes back to the top"
        );
        assert_eq!(feed(&mut t, TimedOut), None);
        assert_eq!(feed(&mut t, Signalled(9)), Some(Down));
        // Down at 0: rise=3 successes to go up.
        assert_eq!(feed(&mut t, Exited(0)), None);
        assert_eq!(feed(&mut t, Exited(0)), None);
        assert_eq!(feed(&mut t, Exited(1)), None, "a failure drops back to 0");
        assert_eq!(feed(&mut t, Exited(0)), None);
        assert_eq!(feed(&mut t, Exited(0)), None);
        assert_eq!(feed(&mut t, Exited(0)), Some(Up));
        assert_eq!(feed(&mut t, Exited(0)), None);
    }

    #[test]
    fn init_fail_starts_down_and_needs_rise_successes() {
        let mut t = fed(2, 1, true);
        assert_eq!(t.state("chk"), Some(Down));
        assert_eq!(
            feed(&mut t, Exited(1)),
            None,
            "already down: nothing to report"
        );
        assert_eq!(feed(&mut t, Exited(0)), None);
        assert_eq!(feed(&mut t, Exited(0)), Some(Up));
        assert_eq!(feed(&mut t, Exited(2)), Some(Down));
    }

    #[test]
    fn exec_failure_counts_as_success_like_keepalived() {
        let mut t = fed(1, 1, false);
        assert_eq!(feed(&mut t, Outcome::SpawnFailed("gone".into())), Some(Up));
    }

    #[test]
    fn missing_script_is_disabled() {
        let s = scripts("vrrp_script chk {\n script /nonexistent/kad-chk\n}");
        let t = ScriptTrackers::new(&s, &users(), Instant::now());
        assert_eq!(t.disabled(), ["chk"]);
        assert_eq!(t.state("chk"), None);
        assert_eq!(t.poll_timeout(), None);
    }

    #[test]
    fn reload_keeps_the_result() {
        let mut old = fed(3, 2, false);
        assert_eq!(feed(&mut old, Exited(0)), Some(Up));
        let body = "vrrp_script chk {\n script /bin/true\n rise 1\n fall 5\n}";
        let mut new = ScriptTrackers::new(&scripts(body), &users(), Instant::now());
        new.carry_over(&old);
        assert_eq!(new.state("chk"), Some(Up));
        assert_eq!(new.scripts[0].result, 5);
    }

    /// Runs the loop for real: scripts, runner and timers.
    fn drive(
        t: &mut ScriptTrackers,
        r: &mut Runner,
        until: impl Fn(&[(String, TrackerState)]) -> bool,
    ) -> Vec<(String, TrackerState)> {
        let mut seen = Vec::new();
        wait_for(LONG, || {
            let now = Instant::now();
            t.handle_timeout(now, r);
            for (id, o) in r.reap(now) {
                assert!(t.job_done(id, &o, now));
            }
            while let Some(c) = t.poll_change() {
                seen.push(c);
            }
            until(&seen).then_some(())
        })
        .expect("expected changes did not come");
        seen
    }

    #[test]
    fn real_scripts_drive_the_state() {
        let d = TempDir::new("track");
        // Succeeds while the file `ok` exists.
        let chk = d.script("chk.sh", &format!("test -e {}/ok", d.0.display()));
        std::fs::write(d.path("ok"), "").unwrap();
        let body = format!("vrrp_script chk {{\n script {chk}\n interval 1\n rise 1\n fall 1\n}}");
        let mut t = ScriptTrackers::new(&scripts(&body), &users(), Instant::now());
        let mut r = Runner::new();
        let seen = drive(&mut t, &mut r, |s| !s.is_empty());
        assert_eq!(seen, [("chk".to_string(), Up)]);
        std::fs::remove_file(d.path("ok")).unwrap();
        let seen = drive(&mut t, &mut r, |s| !s.is_empty());
        assert_eq!(seen, [("chk".to_string(), Down)]);
    }

    #[test]
    fn a_hanging_script_times_out_and_is_never_run_twice() {
        let d = TempDir::new("track");
        // Counts its starts, then hangs past its timeout.
        let chk = d.script(
            "hang.sh",
            &format!("echo x >> {}/starts; sleep 300", d.0.display()),
        );
        let body = format!("vrrp_script chk {{\n script {chk}\n interval 1\n timeout 1\n}}");
        let mut t = ScriptTrackers::new(&scripts(&body), &users(), Instant::now());
        assert_eq!(t.scripts[0].timeout, Duration::from_secs(1));
        let mut r = Runner::new();
        let seen = drive(&mut t, &mut r, |s| !s.is_empty());
        assert_eq!(seen, [("chk".to_string(), Down)]);
        assert!(r.running() <= 1);
        // One start per finished run at most: never two copies at once.
        let starts = d.read("starts").unwrap_or_default().lines().count();
        assert!(starts <= 2, "{starts} starts");
        r.kill_all();
    }

    #[test]
    fn timeout_defaults_to_the_interval() {
        let body = "vrrp_script chk {\n script /bin/true\n interval 3\n}";
        let t = ScriptTrackers::new(&scripts(body), &users(), Instant::now());
        assert_eq!(t.scripts[0].timeout, Duration::from_secs(3));
        assert_eq!(t.scripts[0].interval, Duration::from_secs(3));
    }
}
