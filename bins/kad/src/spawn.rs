//! Child processes for scripts (`vrrp_script`, `notify*`, the FIFO scripts, `MISC_CHECK`),
//! run without ever blocking a single-threaded event loop.
//!
//! keepalived forks, and in the child (`system_call_script()`, lib/notify.c): sets the gid, the
//! supplementary groups and the uid, restores default signal handling and an empty signal
//! mask, points stdin/stdout/stderr at /dev/null, moves itself into its own process group (so
//! a script that times out is killed together with everything it started), asks for SIGTERM
//! when its parent dies (`PR_SET_PDEATHSIG`), and `execve()`s the split words. A script whose
//! first word starts with `<` or `>` (`script "</etc/file"`: a readability test) is not an
//! executable: keepalived hands it to `system()`, i.e. `/bin/sh -c`, with every other word in
//! single quotes; so does [`Runner`].
//!
//! Differences from keepalived, on purpose:
//! - std's `Command` runs `execvp`, which gives a script without a `#!` line to `/bin/sh`
//!   (keepalived built with libmagic does the same after logging "Please add a #! shebang";
//!   Debian's build, without libmagic, logs an exec error instead).
//! - The supplementary group list is emptied rather than set to the script's group (std
//!   cannot set it without the unstable `CommandExt::groups`); the primary gid is the
//!   script's group either way.
//!
//! Timeouts follow `vrrp_script_child_thread()` (keepalived/vrrp/vrrp_scheduler.c): at the
//! deadline SIGTERM goes to the script's process group; [`TERM_GRACE`] later SIGKILL; then
//! SIGKILL again every [`KILL_RETRY`] with a log line. A script that dies of the SIGTERM or
//! SIGKILL we sent is [`Outcome::TimedOut`], and whatever it left in its group is killed.
//!
//! Use from a mio loop (the loop owns a [`Runner`] and a `Signals` source):
//!
//! ```ignore
//! let mut runner = Runner::new();
//! let id = runner.spawn(Instant::now(), Job::new(vec!["/etc/kad/chk.sh".into()]));
//! loop {
//!     let timeout = runner.next_deadline().map(|d| d.saturating_duration_since(Instant::now()));
//!     poll.poll(&mut events, timeout)?;
//!     // ... on Request::Child from the signalfd, or when the deadline has passed:
//!     for (id, outcome) in runner.reap(Instant::now()) {
//!         // hand (id, outcome) to whoever spawned `id`
//!     }
//! }
//! // at shutdown: runner.terminate_all(); keep reaping until runner.running() == 0 (or give
//! // up and runner.kill_all()).
//! ```

// The VRRP and checker loops that use this module are being written alongside it.

use std::collections::HashMap;
use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// Time between the SIGTERM sent at a script's timeout and the SIGKILL that follows
/// (keepalived: `timeout = 2` in `vrrp_script_child_thread()`).
pub const TERM_GRACE: Duration = Duration::from_secs(2);

/// Time between further SIGKILLs to a script that has not died yet (keepalived: 10 s).
pub const KILL_RETRY: Duration = Duration::from_secs(10);

/// Time between the SIGTERM of [`Runner::terminate_all`] and the SIGKILL that follows
/// (keepalived's `script_killall()` reschedules its children with `TIMER_HZ`: 1 s).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Names one spawned job; unique for the life of a [`Runner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

/// What to run and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Job {
    /// The program and its arguments, already split (confparse's `Script::args` plus any
    /// arguments the caller appends). A program without `/` is searched in `PATH`.
    pub argv: Vec<String>,
    /// Run as this user id (`script_user`, a script's `user`).
    pub uid: Option<u32>,
    /// Run with this group id (and it as the only group).
    pub gid: Option<u32>,
    /// Kill the script's process group this long after the start.
    pub timeout: Option<Duration>,
    /// Variables added to the daemon's environment.
    pub env: Vec<(String, String)>,
}

impl Job {
    /// A job running `argv` as the daemon's user, without a timeout.
    pub fn new(argv: Vec<String>) -> Job {
        Job {
            argv,
            ..Job::default()
        }
    }
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It exited with this status.
    Exited(i32),
    /// A signal we did not send (or sent without a timeout) killed it.
    Signalled(i32),
    /// It was still running at its timeout and died of the SIGTERM or SIGKILL sent then.
    TimedOut,
    /// It never ran: the program could not be executed, the credentials could not be set, or
    /// the fork failed. Also reported for a child that vanished without an exit status
    /// (someone else reaped it). keepalived's forked child logs and exits 0 in these cases.
    SpawnFailed(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not signalled by us.
    Running,
    /// SIGTERM sent.
    Terminating,
    /// SIGKILL sent.
    Killing,
}

#[derive(Debug)]
struct Running {
    child: Child,
    program: String,
    phase: Phase,
    /// Whether the signals were sent because of the job's timeout (rather than a shutdown).
    timed_out: bool,
    /// SIGKILL straight away at the timeout.
    hard: bool,
    deadline: Option<Instant>,
}

impl Running {
    fn pgid(&self) -> Pid {
        // The child made itself a process-group leader before exec.
        Pid::from_raw(self.child.id() as i32)
    }

    fn signal_group(&self, sig: Signal) {
        if let Err(e) = killpg(self.pgid(), sig) {
            if e != nix::errno::Errno::ESRCH {
                log_info!(
                    "kill -{} of process {}({}) failed with errno {}",
                    sig as i32,
                    self.program,
                    self.child.id(),
                    e as i32
                );
            }
        }
    }
}

/// Runs jobs as child processes and reports how they end. Never waits for a child.
#[derive(Debug)]
pub struct Runner {
    next_id: u64,
    running: HashMap<JobId, Running>,
    /// Jobs that failed to start, reported by the next [`Runner::reap`].
    failed: Vec<(JobId, Outcome, Instant)>,
    /// Whether this process runs with a real-time policy the children must not inherit.
    realtime: bool,
}

impl Default for Runner {
    fn default() -> Self {
        Runner::new()
    }
}

impl Runner {
    /// An empty runner.
    pub fn new() -> Runner {
        Runner {
            next_id: 0,
            running: HashMap::new(),
            failed: Vec::new(),
            realtime: is_realtime(),
        }
    }

    /// Starts `job` now. A job that cannot start is reported as [`Outcome::SpawnFailed`] by
    /// the next [`reap`](Runner::reap), so that every id gets exactly one outcome.
    pub fn spawn(&mut self, now: Instant, job: Job) -> JobId {
        self.start_job(now, job, false)
    }

    /// As [`spawn`](Runner::spawn), but at the timeout the process group gets SIGKILL
    /// without a SIGTERM first: keepalived's `child_killed_thread()`, used for `notify_stop`
    /// and the generic `notify` script reporting STOP (1 s, `TIMER_HZ`).
    pub fn spawn_kill_on_timeout(&mut self, now: Instant, job: Job) -> JobId {
        self.start_job(now, job, true)
    }

    fn start_job(&mut self, now: Instant, job: Job, hard: bool) -> JobId {
        self.next_id += 1;
        let id = JobId(self.next_id);
        match self.start(&job) {
            Ok(child) => {
                self.running.insert(
                    id,
                    Running {
                        child,
                        program: job.argv[0].clone(),
                        phase: Phase::Running,
                        timed_out: false,
                        hard,
                        deadline: job.timeout.map(|t| now + t),
                    },
                );
            }
            Err(e) => {
                let program = job.argv.first().map(String::as_str).unwrap_or("");
                log_err!(
                    "Error exec-ing command '{}', error {}: {}",
                    program,
                    e.raw_os_error().unwrap_or(0),
                    strerror(&e)
                );
                self.failed
                    .push((id, Outcome::SpawnFailed(format!("{program}: {e}")), now));
            }
        }
        id
    }

    fn start(&self, job: &Job) -> io::Result<Child> {
        let Some(program) = job.argv.first() else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty command"));
        };
        let mut cmd = if program.starts_with('<') || program.starts_with('>') {
            let mut c = Command::new("/bin/sh");
            c.arg("-c").arg(shell_command(&job.argv));
            c
        } else {
            let mut c = Command::new(program);
            c.args(&job.argv[1..]);
            c
        };
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .envs(job.env.iter().map(|(k, v)| (k, v)));
        if let Some(gid) = job.gid {
            cmd.gid(gid);
        }
        if let Some(uid) = job.uid {
            cmd.uid(uid);
        }
        child_setup(&mut cmd, std::process::id() as i32, self.realtime);
        cmd.spawn()
    }

    /// Collects the jobs that ended, and signals those past their deadline. Call it on
    /// SIGCHLD ([`crate::signals::Request::Child`]) and whenever
    /// [`next_deadline`](Runner::next_deadline) has passed; a spurious call does nothing.
    pub fn reap(&mut self, now: Instant) -> Vec<(JobId, Outcome)> {
        let mut out: Vec<(JobId, Outcome)> = self
            .failed
            .drain(..)
            .map(|(id, outcome, _)| (id, outcome))
            .collect();
        let mut done = Vec::new();
        for (&id, job) in self.running.iter_mut() {
            match job.child.try_wait() {
                Ok(Some(status)) => done.push((id, status)),
                Ok(None) => escalate(job, now),
                Err(e) => {
                    log_info!("Script {} child (PID {}) lost", job.program, job.child.id());
                    out.push((id, Outcome::SpawnFailed(format!("lost: {e}"))));
                }
            }
        }
        for (id, _) in &out {
            self.running.remove(id);
        }
        for (id, status) in done {
            if let Some(job) = self.running.remove(&id) {
                out.push((id, classify(&job, status)));
            }
        }
        out.sort_by_key(|(id, _)| *id);
        out
    }

    /// When [`reap`](Runner::reap) must run next even without a SIGCHLD: the earliest
    /// timeout or kill escalation, or a past instant if a failed spawn waits to be reported.
    pub fn next_deadline(&self) -> Option<Instant> {
        let failed = self.failed.iter().map(|(_, _, at)| *at);
        let timers = self.running.values().filter_map(|r| r.deadline);
        failed.chain(timers).min()
    }

    /// How many jobs have not been reaped yet.
    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// Whether `id` is still running.
    pub fn is_running(&self, id: JobId) -> bool {
        self.running.contains_key(&id)
    }

    /// Sends SIGTERM to every job's process group; those still alive after
    /// [`SHUTDOWN_GRACE`] get SIGKILL from a later [`reap`](Runner::reap) (keepalived's
    /// `script_killall(SIGTERM)` at shutdown and reload).
    pub fn terminate_all(&mut self) {
        let now = Instant::now();
        for job in self.running.values_mut() {
            if job.phase == Phase::Running {
                job.signal_group(Signal::SIGTERM);
                job.phase = Phase::Terminating;
            }
            job.deadline = Some(
                job.deadline
                    .map_or(now + SHUTDOWN_GRACE, |d| d.min(now + SHUTDOWN_GRACE)),
            );
        }
    }

    /// Sends SIGTERM to one job's process group, SIGKILL [`SHUTDOWN_GRACE`] later if it is
    /// still there; nothing if it has ended.
    pub fn terminate(&mut self, id: JobId) {
        let now = Instant::now();
        if let Some(job) = self.running.get_mut(&id) {
            if job.phase == Phase::Running {
                job.signal_group(Signal::SIGTERM);
                job.phase = Phase::Terminating;
            }
            job.deadline = Some(
                job.deadline
                    .map_or(now + SHUTDOWN_GRACE, |d| d.min(now + SHUTDOWN_GRACE)),
            );
        }
    }

    /// Sends SIGKILL to every job's process group now (the last step of a shutdown).
    pub fn kill_all(&mut self) {
        for job in self.running.values_mut() {
            job.signal_group(Signal::SIGKILL);
            job.phase = Phase::Killing;
        }
    }
}

/// An error as C's `%m` prints it: "No such file or directory", without Rust's
/// " (os error 2)".
pub fn strerror(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => nix::errno::Errno::from_raw(n).desc().to_string(),
        None => e.to_string(),
    }
}

/// Moves a job past its deadline one step along SIGTERM → SIGKILL → SIGKILL….
fn escalate(job: &mut Running, now: Instant) {
    let Some(deadline) = job.deadline else {
        return;
    };
    if deadline > now {
        return;
    }
    match job.phase {
        Phase::Running if job.hard => {
            job.timed_out = true;
            job.signal_group(Signal::SIGKILL);
            job.phase = Phase::Killing;
            job.deadline = Some(now + KILL_RETRY);
        }
        Phase::Running => {
            job.timed_out = true;
            job.signal_group(Signal::SIGTERM);
            job.phase = Phase::Terminating;
            job.deadline = Some(now + TERM_GRACE);
        }
        Phase::Terminating => {
            job.signal_group(Signal::SIGKILL);
            job.phase = Phase::Killing;
            job.deadline = Some(now + TERM_GRACE);
        }
        Phase::Killing => {
            log_info!(
                "Script {} child (PID {}) failed to terminate after kill",
                job.program,
                job.child.id()
            );
            job.signal_group(Signal::SIGKILL);
            job.deadline = Some(now + KILL_RETRY);
        }
    }
}

/// keepalived's reading of a wait status: dying of the SIGTERM we sent at the timeout (or
/// of SIGKILL/SIGTERM once we forced it) is a timeout, any other signal a failure.
fn classify(job: &Running, status: ExitStatus) -> Outcome {
    if let Some(code) = status.code() {
        if job.timed_out {
            job.signal_group(Signal::SIGKILL);
        }
        return Outcome::Exited(code);
    }
    let sig = status.signal().unwrap_or(0);
    let ours = match job.phase {
        Phase::Running => false,
        Phase::Terminating => sig == libc::SIGTERM,
        Phase::Killing => sig == libc::SIGKILL || sig == libc::SIGTERM,
    };
    if job.phase != Phase::Running {
        // Whatever the script started dies with it.
        job.signal_group(Signal::SIGKILL);
    }
    if ours && job.timed_out {
        Outcome::TimedOut
    } else {
        Outcome::Signalled(sig)
    }
}

/// The command line keepalived passes to `system()` (`cmd_str_r()`, lib/notify.c): every word
/// in single quotes, except a first word starting with `<` or `>`.
pub fn shell_command(argv: &[String]) -> String {
    let mut s = String::new();
    for (i, w) in argv.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        if i == 0 && (w.starts_with('<') || w.starts_with('>')) {
            s.push_str(w);
        } else {
            s.push('\'');
            s.push_str(w);
            s.push('\'');
        }
    }
    s
}

// ----- scripts from the configuration -----

/// A configured script resolved as keepalived resolves it at start-up
/// (`notify_script_init()`, `check_script_secure()`, lib/notify.c): the user and group it
/// runs as, its program found and checked. Build [`Job`]s from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// Program (path-searched and made absolute) and arguments.
    pub argv: Vec<String>,
    /// User id it runs as.
    pub uid: u32,
    /// Group id it runs as.
    pub gid: u32,
    /// `</path` or `>...`: a shell redirection test, nothing executed (keepalived's
    /// `SC_SYSTEM`). keepalived accepts these for `vrrp_script` only.
    pub system: bool,
    /// The script runs with root rights and some part of its path is writable by others
    /// (logged "Unsafe permissions found for script"); only possible without
    /// `enable_script_security`, which refuses such scripts.
    pub insecure: bool,
}

impl Prepared {
    /// A job running the script with `extra` arguments appended.
    pub fn job(&self, extra: &[&str], timeout: Option<Duration>) -> Job {
        let mut argv = self.argv.clone();
        argv.extend(extra.iter().map(|s| s.to_string()));
        Job {
            argv,
            uid: Some(self.uid),
            gid: Some(self.gid),
            timeout,
            env: Vec::new(),
        }
    }
}

/// Why a configured script will not be run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    /// Its `user`/`group`, or the default script user, does not exist.
    User,
    /// Its program cannot be found or accessed (keepalived's `SC_NOTFOUND`).
    NotFound,
    /// Its program is not executable by the user it would run as.
    NotExecutable,
    /// `enable_script_security` and its path is writable by non-root (`SC_INHIBIT`).
    Insecure,
}

/// The users scripts run as: `script_user`, else `keepalived_script` if it exists, else the
/// daemon's own user (`get_default_script_user()`); `enable_script_security` decides whether
/// insecure scripts run.
#[derive(Debug, Clone)]
pub struct ScriptUsers {
    /// `None`: no usable default (a missing `script_user`, or `keepalived_script` missing
    /// under `enable_script_security`).
    default: Option<(u32, u32)>,
    security: bool,
}

impl ScriptUsers {
    /// Resolves the default user from `global_defs`.
    pub fn new(global: &keepalive_confparse::model::global::GlobalDefs) -> ScriptUsers {
        let ours = (
            nix::unistd::geteuid().as_raw(),
            nix::unistd::getegid().as_raw(),
        );
        let security = global.enable_script_security;
        let default = match &global.script_user {
            Some((user, group)) => lookup(user, group.as_deref()),
            // keepalived resolves this default only when a script needs it, so a daemon
            // without scripts does not log about a missing keepalived_script user.
            None => match nix::unistd::User::from_name("keepalived_script")
                .ok()
                .flatten()
            {
                Some(pw) => Some((pw.uid.as_raw(), pw.gid.as_raw())),
                None if security => {
                    log_err!("Unable to set default user keepalived_script for script");
                    None
                }
                None => Some(ours),
            },
        };
        ScriptUsers { default, security }
    }

    /// The ids for an explicit `user [group]`, or the default ones.
    pub fn ids(&self, user: Option<&str>, group: Option<&str>) -> Option<(u32, u32)> {
        match user {
            Some(u) => lookup(u, group),
            None => self.default,
        }
    }

    /// Resolves and checks `script`; `what` names it in log lines ("notify_master",
    /// "vrrp_notify_fifo"...). Logs keepalived's complaints; the caller logs its own
    /// consequence of a rejection (e.g. "Disabling track script ...").
    pub fn prepare(
        &self,
        script: &keepalive_confparse::model::script::Script,
        what: &str,
    ) -> Result<Prepared, Rejected> {
        let program = script.args.first().cloned().unwrap_or_default();
        let Some((uid, gid)) = self.ids(script.user.as_deref(), script.group.as_deref()) else {
            if script.user.is_some() {
                log_info!("Invalid user/group for {what} script {program} - ignoring");
            } else {
                log_info!("Failed to set default user for {what} script {program} - ignoring");
            }
            return Err(Rejected::User);
        };
        let mut argv = script.args.clone();
        if let Some(rest) = program.strip_prefix('<') {
            if rest.trim_start_matches([' ', '\t']).starts_with('/') {
                if uid == 0 || gid == 0 {
                    crate::privileges::note_root_script(&program);
                }
                return Ok(Prepared {
                    argv,
                    uid,
                    gid,
                    system: true,
                    insecure: false,
                });
            }
        }
        let insecure = check_program(&mut argv, uid, gid, self.security)?;
        Ok(Prepared {
            argv,
            uid,
            gid,
            system: false,
            insecure,
        })
    }
}

/// `getpwnam` (and `getgrnam` for an explicit group), logging keepalived's words.
fn lookup(user: &str, group: Option<&str>) -> Option<(u32, u32)> {
    let pw = match nix::unistd::User::from_name(user) {
        Ok(Some(pw)) => pw,
        Ok(None) => {
            log_info!("Script user '{user}' does not exist");
            return None;
        }
        Err(_) => {
            log_info!("Unable to resolve script username '{user}' - ignoring");
            return None;
        }
    };
    let gid = match group {
        None => pw.gid.as_raw(),
        Some(g) => match nix::unistd::Group::from_name(g) {
            Ok(Some(gr)) => gr.gid.as_raw(),
            Ok(None) => {
                log_info!("Script group '{g}' does not exist");
                return None;
            }
            Err(_) => {
                log_info!("Unable to resolve script group name '{g}' - ignoring");
                return None;
            }
        },
    };
    Some((pw.uid.as_raw(), gid))
}

/// keepalived's `is_executable()`: root needs any x bit, the owner the user bit, the group
/// the group bit, others the other bit.
fn is_executable(meta: &std::fs::Metadata, uid: u32, gid: u32) -> bool {
    use std::os::unix::fs::MetadataExt;
    let mode = meta.mode();
    (uid == 0 && mode & 0o111 != 0)
        || (uid == meta.uid() && mode & 0o100 != 0)
        || (uid != meta.uid()
            && ((gid == meta.gid() && mode & 0o010 != 0)
                || (gid != meta.gid() && mode & 0o001 != 0)))
}

/// The part of `check_script_secure()` that needs the file system: path search, existence,
/// the execute permission of the user, and, for scripts with root rights, the ownership and
/// write permissions of every component of the path. Returns whether it is insecure.
fn check_program(
    argv: &mut [String],
    uid: u32,
    gid: u32,
    security: bool,
) -> Result<bool, Rejected> {
    use std::os::unix::fs::MetadataExt;
    if !argv[0].contains('/') {
        let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
        let mut denied = false;
        let found = std::env::split_paths(&path)
            .map(|d| d.join(&argv[0]))
            .find(|p| match std::fs::metadata(p) {
                Ok(m) if m.is_file() && is_executable(&m, uid, gid) => true,
                Ok(_) => {
                    denied = true;
                    false
                }
                Err(_) => false,
            });
        match found {
            Some(p) => {
                let p = p.to_string_lossy().into_owned();
                log_info!(
                    "WARNING - script `{}` resolved by path search to `{}`. Please specify full path.",
                    argv[0],
                    p
                );
                argv[0] = p;
            }
            None if denied => {
                log_info!(
                    "Permissions failure for script {} in path - disabling",
                    argv[0]
                );
                return Err(Rejected::NotFound);
            }
            None => {
                log_info!("Cannot find script {} in path - disabling", argv[0]);
                return Err(Rejected::NotFound);
            }
        }
    }
    let real = match std::fs::canonicalize(&argv[0]) {
        Ok(r) => r.to_string_lossy().into_owned(),
        Err(e) => {
            log_info!("Script {} cannot be accessed - {}", argv[0], strerror(&e));
            return Err(Rejected::NotFound);
        }
    };
    // keepalived runs the resolved path, but keeps the name the script was called by when a
    // symbolic link renamed it (some programs behave according to their name); then the
    // link's target is checked too.
    let mut real_file = None;
    if real != argv[0] {
        let name = |p: &str| p.rsplit('/').next().unwrap_or("").to_string();
        let (orig_name, real_name) = (name(&argv[0]), name(&real));
        if orig_name == real_name {
            argv[0] = real;
        } else {
            let dir = &real[..real.len() - real_name.len()];
            let renamed = format!("{dir}{orig_name}");
            if same_file(&renamed, &real) {
                argv[0] = renamed;
            } else {
                argv[0] = real.clone();
            }
            if argv[0] != real {
                real_file = Some(real);
            }
        }
    }
    let Ok(meta) = std::fs::metadata(real_file.as_deref().unwrap_or(&argv[0])) else {
        log_info!("Unable to access script `{}` - disabling", argv[0]);
        return Err(Rejected::NotFound);
    };
    if !is_executable(&meta, uid, gid) {
        log_info!(
            "WARNING - script '{}' is not executable for uid:gid {}:{} - disabling.",
            argv[0],
            uid,
            gid
        );
        return Err(Rejected::NotExecutable);
    }
    let mode = meta.mode();
    let root_rights = uid == 0
        || gid == 0
        || (meta.uid() == 0 && mode & 0o100 != 0 && mode & 0o4000 != 0)
        || (meta.gid() == 0 && mode & 0o010 != 0 && mode & 0o2000 != 0);
    if !root_rights {
        return Ok(false);
    }
    crate::privileges::note_root_script(&argv[0]);
    let mut insecure = check_path_security(&argv[0], security)?;
    if let Some(real) = &real_file {
        insecure |= check_path_security(real, security)?;
    }
    Ok(insecure)
}

fn same_file(a: &str, b: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// keepalived's `check_security()`: every directory on the path and the file itself must be
/// owned by root and not writable by a non-root group or by others (a directory with the
/// sticky bit may be). Returns whether the path is insecure; an error when the script must
/// not run.
fn check_path_security(path: &str, security: bool) -> Result<bool, Rejected> {
    use std::os::unix::fs::MetadataExt;
    let absolute = path.starts_with('/');
    let mut prefixes: Vec<&str> = if absolute { vec!["/"] } else { Vec::new() };
    for (i, _) in path.match_indices('/').skip(usize::from(absolute)) {
        prefixes.push(&path[..i]);
    }
    prefixes.push(path);
    let last = prefixes.len() - 1;
    for (i, p) in prefixes.iter().enumerate() {
        let meta = match std::fs::symlink_metadata(p) {
            Ok(m) => m,
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(0);
                if [libc::EACCES, libc::ELOOP, libc::ENOENT, libc::ENOTDIR].contains(&errno) {
                    log_info!("check_script_secure could not find script '{path}' - disabling");
                } else {
                    log_info!(
                        "check_script_secure('{path}') returned errno {errno} - {} - disabling",
                        strerror(&e)
                    );
                }
                return Err(Rejected::NotFound);
            }
        };
        let ft = meta.file_type();
        if (i < last && !ft.is_dir()) || (i == last && !ft.is_file() && !ft.is_symlink()) {
            log_info!("Wrong file type found in script path '{path}'.");
            return Err(Rejected::Insecure);
        }
        let mode = meta.mode();
        let writable = (ft.is_dir() && mode & 0o1000 == 0 || ft.is_file())
            && ((meta.gid() != 0 && mode & 0o020 != 0) || mode & 0o002 != 0);
        if meta.uid() != 0 || writable {
            log_info!(
                "Unsafe permissions found for script '{path}'{}.",
                if security { " - disabling" } else { "" }
            );
            return if security {
                Err(Rejected::Insecure)
            } else {
                Ok(true)
            };
        }
    }
    Ok(false)
}

/// Whether this process runs under a real-time policy (`vrrp_rt_priority`), which
/// keepalived's `reset_process_priorities()` takes away from its script children.
#[allow(unsafe_code)]
fn is_realtime() -> bool {
    // SAFETY: sched_getscheduler only reads the calling process's policy; no pointers.
    let policy = unsafe { libc::sched_getscheduler(0) };
    policy > 0 && policy != libc::SCHED_OTHER
}

/// Runs in the forked child after std has set the credentials and process group, just before
/// `execvp`: ask for SIGTERM when the daemon dies (after the uid change, which would clear
/// it), give up if the daemon already died (no signal would come), empty the signal mask and
/// restore SIGPIPE (keepalived's `signal_handler_script()`), and drop a real-time scheduling
/// policy inherited from the VRRP process (`reset_process_priorities()`).
#[allow(unsafe_code)]
fn child_setup(cmd: &mut Command, parent: libc::pid_t, realtime: bool) {
    // SAFETY: the closure runs between fork and exec. It only calls the async-signal-safe
    // functions prctl, getppid, sigemptyset, pthread_sigmask, signal and sched_setscheduler
    // on its own stack, touches no lock and allocates nothing (an `Os` io::Error holds just
    // the errno).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong) != 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            // std leaves the daemon's signal mask (everything its signalfd reads) in place.
            let mut empty = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(empty.as_mut_ptr());
            if libc::pthread_sigmask(libc::SIG_SETMASK, empty.as_ptr(), std::ptr::null_mut()) != 0 {
                return Err(io::Error::last_os_error());
            }
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            if realtime {
                let param = libc::sched_param { sched_priority: 0 };
                libc::sched_setscheduler(0, libc::SCHED_OTHER, &param);
            }
            Ok(())
        });
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! A temporary directory and script files for the tests of the modules that run scripts.

    use std::fs;
    use std::os::unix::fs::PermissionsExt;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{Duration, Instant};

    /// A directory under /tmp, world-writable so scripts run as `nobody` can write to it,
    /// removed on drop.
    #[derive(Debug)]
    pub struct TempDir(pub PathBuf);

    impl TempDir {
        pub fn new(tag: &str) -> TempDir {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "kad-{tag}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = fs::remove_dir_all(&p);
            fs::create_dir_all(&p).unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o777)).unwrap();
            TempDir(p)
        }

        pub fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }

        /// Writes an executable `/bin/sh` script and returns its path.
        pub fn script(&self, name: &str, body: &str) -> String {
            let p = self.path(name);
            fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
            p.to_string_lossy().into_owned()
        }

        pub fn read(&self, name: &str) -> Option<String> {
            fs::read_to_string(self.path(name)).ok()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// Polls `f` every 10 ms until it returns `Some`, for at most `limit`.
    pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
        let end = Instant::now() + limit;
        loop {
            if let Some(v) = f() {
                return Some(v);
            }
            if Instant::now() > end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::{wait_for, TempDir};
    use super::*;

    const LONG: Duration = Duration::from_secs(30);

    /// Reaps until `id` has an outcome, driving deadlines as the event loop would; outcomes
    /// of other jobs are kept in `seen` for later calls.
    fn run_to_end(r: &mut Runner, id: JobId) -> Outcome {
        thread_local!(static SEEN: std::cell::RefCell<Vec<(JobId, Outcome)>> = Default::default());
        wait_for(LONG, || {
            SEEN.with(|seen| {
                let mut seen = seen.borrow_mut();
                seen.extend(r.reap(Instant::now()));
                let i = seen.iter().position(|(j, _)| *j == id)?;
                Some(seen.remove(i).1)
            })
        })
        .expect("job did not end")
    }

    fn sh(body: &str) -> Job {
        Job::new(vec!["/bin/sh".into(), "-c".into(), body.into()])
    }

    #[test]
    fn exit_codes_are_reported() {
        let mut r = Runner::new();
        let a = r.spawn(Instant::now(), sh("exit 0"));
        let b = r.spawn(Instant::now(), sh("exit 3"));
        let c = r.spawn(Instant::now(), sh("kill -USR1 $$"));
        assert_ne!(a, b);
        assert_eq!(run_to_end(&mut r, a), Outcome::Exited(0));
        assert_eq!(run_to_end(&mut r, b), Outcome::Exited(3));
        assert_eq!(run_to_end(&mut r, c), Outcome::Signalled(libc::SIGUSR1));
        assert_eq!(r.running(), 0);
    }

    #[test]
    fn script_arguments_reach_the_program() {
        let d = TempDir::new("spawn");
        let s = d.script(
            "args.sh",
            &format!("echo \"$#:$1:$2\" > {}/out", d.0.display()),
        );
        let mut r = Runner::new();
        let id = r.spawn(
            Instant::now(),
            Job::new(vec![s, "a b".into(), "c'd".into()]),
        );
        assert_eq!(run_to_end(&mut r, id), Outcome::Exited(0));
        assert_eq!(d.read("out").unwrap(), "2:a b:c'd\n");
    }

    #[test]
    fn missing_program_is_a_spawn_failure_reported_by_reap() {
        let mut r = Runner::new();
        let now = Instant::now();
        let id = r.spawn(now, Job::new(vec!["/nonexistent/kad-script".into()]));
        assert_eq!(r.next_deadline(), Some(now));
        let out = r.reap(Instant::now());
        assert!(
            matches!(out.as_slice(), [(j, Outcome::SpawnFailed(_))] if *j == id),
            "{out:?}"
        );
        assert_eq!(r.next_deadline(), None);
        let empty = r.spawn(now, Job::default());
        assert!(matches!(r.reap(now).as_slice(), [(j, Outcome::SpawnFailed(_))] if *j == empty));
    }

    #[test]
    fn script_without_shebang_runs_under_sh() {
        let d = TempDir::new("spawn");
        let p = d.path("plain");
        std::fs::write(&p, "exit 7\n").unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let mut r = Runner::new();
        let id = r.spawn(
            Instant::now(),
            Job::new(vec![p.to_string_lossy().into_owned()]),
        );
        assert_eq!(run_to_end(&mut r, id), Outcome::Exited(7));
    }

    #[test]
    fn file_test_form_goes_through_the_shell() {
        let mut r = Runner::new();
        let ok = r.spawn(Instant::now(), Job::new(vec!["</etc/passwd".into()]));
        let missing = r.spawn(
            Instant::now(),
            Job::new(vec!["</nonexistent/kad-file".into()]),
        );
        assert_eq!(run_to_end(&mut r, ok), Outcome::Exited(0));
        assert!(matches!(run_to_end(&mut r, missing), Outcome::Exited(c) if c != 0));
        assert_eq!(
            shell_command(&["</x".into(), "a b".into()]),
            "</x 'a b'".to_string()
        );
        assert_eq!(shell_command(&["/bin/x".into()]), "'/bin/x'");
    }

    #[test]
    fn std_io_is_dev_null_and_env_is_added() {
        let d = TempDir::new("spawn");
        let body = format!(
            "x=$(readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2); echo \"$x\" > {0}/fds; echo \"$KAD_X\" > {0}/env",
            d.0.display()
        );
        let mut r = Runner::new();
        let mut job = sh(&body);
        job.env.push(("KAD_X".into(), "yes".into()));
        let id = r.spawn(Instant::now(), job);
        assert_eq!(run_to_end(&mut r, id), Outcome::Exited(0));
        assert_eq!(d.read("fds").unwrap(), "/dev/null\n/dev/null\n/dev/null\n");
        assert_eq!(d.read("env").unwrap(), "yes\n");
    }

    #[test]
    fn scripts_lead_their_own_process_group() {
        let d = TempDir::new("spawn");
        // Field 5 of /proc/PID/stat is the process group.
        let body = format!(
            "cut -d' ' -f5 /proc/$$/stat > {0}/pgid; echo $$ > {0}/pid",
            d.0.display()
        );
        let mut r = Runner::new();
        let id = r.spawn(Instant::now(), sh(&body));
        assert_eq!(run_to_end(&mut r, id), Outcome::Exited(0));
        assert_eq!(d.read("pgid").unwrap(), d.read("pid").unwrap());
    }

    #[test]
    fn signal_mask_is_empty_in_children() {
        let d = TempDir::new("spawn");
        // Block signals in this thread as the daemon does for its signalfd.
        let mut set = nix::sys::signal::SigSet::empty();
        set.add(Signal::SIGTERM);
        set.add(Signal::SIGCHLD);
        set.add(Signal::SIGHUP);
        let old = set
            .thread_swap_mask(nix::sys::signal::SigmaskHow::SIG_BLOCK)
            .unwrap();
        let mut r = Runner::new();
        // `exec` so that the mask read is the one the shell was started with (dash blocks
        // every signal while it waits for a command).
        let body = format!(
            "exec grep -E '^Sig(Blk|Ign)' /proc/self/status > {}/mask",
            d.0.display()
        );
        let id = r.spawn(Instant::now(), sh(&body));
        old.thread_set_mask().unwrap();
        assert_eq!(run_to_end(&mut r, id), Outcome::Exited(0));
        let mask = d.read("mask").unwrap();
        assert!(mask.contains("SigBlk:\t0000000000000000"), "{mask}");
    }

    #[test]
    fn timeout_kills_the_whole_process_group() {
        let d = TempDir::new("spawn");
        // The script starts a grandchild that would outlive it, records its pid, then hangs.
        let body = format!(
            "sleep 300 & echo $! > {0}/grandchild; touch {0}/started; sleep 300",
            d.0.display()
        );
        let mut r = Runner::new();
        let start = Instant::now();
        let mut job = sh(&body);
        job.timeout = Some(Duration::from_secs(2));
        let id = r.spawn(start, job);
        assert!(r.next_deadline().unwrap() <= start + Duration::from_secs(2));
        wait_for(LONG, || d.read("grandchild").filter(|s| !s.is_empty())).unwrap();
        assert_eq!(run_to_end(&mut r, id), Outcome::TimedOut);
        let gc: i32 = d.read("grandchild").unwrap().trim().parse().unwrap();
        let gone = wait_for(LONG, || {
            let stat = std::fs::read_to_string(format!("/proc/{gc}/stat")).unwrap_or_default();
            // Gone, or a zombie waiting for init to reap it.
            (stat.is_empty() || stat.contains(") Z ")).then_some(())
        });
        assert!(gone.is_some(), "grandchild {gc} survived the timeout");
    }

    #[test]
    fn a_script_ignoring_sigterm_is_killed_after_the_grace_period() {
        let d = TempDir::new("spawn");
        let body = format!(
            "trap '' TERM; touch {}/ready; while :; do sleep 1; done",
            d.0.display()
        );
        let mut r = Runner::new();
        let start = Instant::now();
        let mut job = sh(&body);
        job.timeout = Some(Duration::from_secs(2));
        let id = r.spawn(start, job);
        wait_for(LONG, || d.read("ready")).unwrap();
        if start.elapsed() >= Duration::from_secs(2) {
            // The shell reached its trap only after the deadline: nothing to learn here.
            r.kill_all();
            return;
        }
        assert_eq!(run_to_end(&mut r, id), Outcome::TimedOut);
        assert!(start.elapsed() >= TERM_GRACE);
    }

    #[test]
    fn terminate_all_ends_every_job() {
        let d = TempDir::new("spawn");
        let mut r = Runner::new();
        let a = r.spawn(Instant::now(), sh("sleep 300"));
        let b = r.spawn(
            Instant::now(),
            sh(&format!(
                "trap '' TERM; touch {}/ready; while :; do sleep 1; done",
                d.0.display()
            )),
        );
        // The second one must have set its trap before it is asked to stop.
        wait_for(LONG, || d.read("ready")).unwrap();
        r.terminate_all();
        assert!(r.next_deadline().is_some());
        let mut seen = Vec::new();
        wait_for(LONG, || {
            seen.extend(r.reap(Instant::now()));
            (seen.len() == 2).then_some(())
        })
        .unwrap();
        seen.sort_by_key(|(id, _)| *id);
        assert_eq!(seen[0], (a, Outcome::Signalled(libc::SIGTERM)));
        assert_eq!(seen[1], (b, Outcome::Signalled(libc::SIGKILL)));
        assert_eq!(r.running(), 0);
    }

    #[test]
    fn runs_as_another_user() {
        if !kad_skip::root() {
            return;
        }
        let Some(nobody) = nix::unistd::User::from_name("nobody").ok().flatten() else {
            kad_skip::skip("no user nobody");
            return;
        };
        let d = TempDir::new("spawn");
        let body = format!("echo $(id -u):$(id -g):$(id -G) > {}/id", d.0.display());
        let mut r = Runner::new();
        let mut job = sh(&body);
        job.uid = Some(nobody.uid.as_raw());
        job.gid = Some(nobody.gid.as_raw());
        let id = r.spawn(Instant::now(), job);
        assert_eq!(run_to_end(&mut r, id), Outcome::Exited(0));
        let g = nobody.gid.as_raw();
        assert_eq!(
            d.read("id").unwrap(),
            format!("{}:{g}:{g}\n", nobody.uid.as_raw())
        );
    }

    #[test]
    fn scripts_die_with_the_daemon() {
        // PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, which lets a
        // test play the daemon's death: spawn from a thread, let the thread end.
        let d = TempDir::new("spawn");
        let body = format!("touch {}/ready; sleep 300", d.0.display());
        let (r, id) = std::thread::spawn(move || {
            let mut r = Runner::new();
            let id = r.spawn(Instant::now(), sh(&body));
            wait_for(LONG, || d.read("ready")).unwrap();
            (r, id)
        })
        .join()
        .unwrap();
        let mut r = r;
        assert_eq!(run_to_end(&mut r, id), Outcome::Signalled(libc::SIGTERM));
    }

    fn script(args: &[&str], user: Option<&str>) -> keepalive_confparse::model::script::Script {
        keepalive_confparse::model::script::Script {
            command: args.join(" "),
            args: args.iter().map(|s| s.to_string()).collect(),
            user: user.map(str::to_string),
            group: None,
            loc: keepalive_confparse::token::Loc::new("t".into(), 1, 1),
        }
    }

    fn users(security: bool, script_user: Option<&str>) -> ScriptUsers {
        ScriptUsers::new(&keepalive_confparse::model::global::GlobalDefs {
            enable_script_security: security,
            script_user: script_user.map(|u| (u.to_string(), None)),
            ..Default::default()
        })
    }

    #[test]
    fn prepare_searches_path_and_keeps_arguments() {
        let p = users(false, Some("root"))
            .prepare(&script(&["true", "x"], None), "test")
            .unwrap();
        assert!(
            p.argv[0].ends_with("/true") && p.argv[0].starts_with('/'),
            "{p:?}"
        );
        assert_eq!(p.argv[1], "x");
        assert_eq!((p.uid, p.gid), (0, 0));
        let job = p.job(&["INSTANCE", "VI_1"], None);
        assert_eq!(&job.argv[1..], ["x", "INSTANCE", "VI_1"]);
        assert_eq!(
            users(false, Some("root")).prepare(&script(&["kad-no-such-program"], None), "t"),
            Err(Rejected::NotFound)
        );
        assert_eq!(
            users(false, Some("root")).prepare(&script(&["/nonexistent/x"], None), "t"),
            Err(Rejected::NotFound)
        );
        let sys = users(false, Some("root"))
            .prepare(&script(&["</etc/passwd"], None), "t")
            .unwrap();
        assert!(sys.system);
    }

    #[test]
    fn prepare_resolves_users() {
        let u = users(false, Some("nobody"));
        let nobody = nix::unistd::User::from_name("nobody").unwrap().unwrap();
        let p = u.prepare(&script(&["/bin/true"], None), "t").unwrap();
        assert_eq!(p.uid, nobody.uid.as_raw());
        let p = u
            .prepare(&script(&["/bin/true"], Some("root")), "t")
            .unwrap();
        assert_eq!(p.uid, 0);
        assert_eq!(
            u.prepare(&script(&["/bin/true"], Some("kad-no-such-user")), "t"),
            Err(Rejected::User)
        );
        assert_eq!(
            users(false, Some("kad-no-such-user")).prepare(&script(&["/bin/true"], None), "t"),
            Err(Rejected::User)
        );
    }

    #[test]
    fn prepare_checks_permissions() {
        if !kad_skip::root() {
            return;
        }
        use std::os::unix::fs::PermissionsExt;
        let d = TempDir::new("prep");
        let s = d.script("chk.sh", "exit 0");
        // Root-owned file in a world-writable directory without the sticky bit: insecure.
        let root = users(false, Some("root"));
        let p = root.prepare(&script(&[&s], None), "t").unwrap();
        assert!(p.insecure);
        assert_eq!(
            users(true, Some("root")).prepare(&script(&[&s], None), "t"),
            Err(Rejected::Insecure)
        );
        // Not executable for nobody.
        std::fs::set_permissions(&s, std::fs::Permissions::from_mode(0o744)).unwrap();
        assert_eq!(
            users(false, Some("nobody")).prepare(&script(&[&s], None), "t"),
            Err(Rejected::NotExecutable)
        );
        // A non-root user's script is not checked for write permissions.
        std::fs::set_permissions(&s, std::fs::Permissions::from_mode(0o757)).unwrap();
        let p = users(true, Some("nobody"))
            .prepare(&script(&[&s], None), "t")
            .unwrap();
        assert!(!p.insecure);
        // Root-owned and only root-writable all the way: secure.
        let p = users(true, Some("root"))
            .prepare(&script(&["/bin/true"], None), "t")
            .unwrap();
        assert!(!p.insecure);
    }
}
