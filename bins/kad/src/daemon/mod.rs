//! The kad parent process and the start of each child: keepalived 2.2.7's process model
//! (`keepalived_main()`, `start_keepalived()`, `sigend()`, `propagate_signal()` in
//! `core/main.c`, `start_vrrp_child()` and `vrrp_respawn_thread()` in `vrrp/vrrp_daemon.c`).
//!
//! - The parent reads the configuration, refuses to start when the file is missing (exit 6)
//!   or when another instance runs ("daemon is already running", exit 0), daemonises unless
//!   `-n`, writes its pid file and starts one child per subsystem that has configuration
//!   (VRRP unless `-C`, checkers unless `-P`; both with `--all`).
//! - Daemonising re-executes `/proc/self/exe` with the same arguments; the copy starts a new
//!   session, moves to `/` and goes on, and the original exits 0. No `fork()`.
//! - A child is `/proc/self/exe` again with `KAD_CHILD=vrrp|checker`. It asks for SIGTERM when
//!   the parent dies, writes its own pid file, then runs its subsystem.
//! - A child that dies is restarted (paced as keepalived's `calc_restart_delay()`), unless `-R`,
//!   in which case everything stops; a child exiting with a permanent error code (1, 2, 4)
//!   makes the parent stop with that code.
//! - SIGHUP re-reads the configuration, starts children that now have work, and forwards
//!   SIGHUP (each child re-reads and keeps its running configuration if the new one has
//!   errors); SIGUSR1 goes to every child, SIGUSR2 and the JSON signal to VRRP only;
//!   SIGTERM/SIGINT stop the children (SIGKILL after `child_wait_time`), remove the pid
//!   files and exit 0.

mod children;
mod config;
mod metrics;
mod notify;
mod pidfile;

use std::ffi::OsString;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use crate::cli::Cli;
use crate::log::{self, Role, Settings};
use crate::signals::{json_signal, Request, Signals};
use crate::spawn::{JobId, Outcome, Runner};

use children::{ChildEnv, Kind, Slot};
use config::{NoConfig, ParentView};
// The children's loops call it once their configuration is read.
pub use notify::config_read;
use pidfile::PidFiles;

/// Environment variables the parent sets for the processes it starts.
pub(crate) mod env {
    /// `vrrp` or `checker`: this process is that child.
    pub const CHILD: &str = "KAD_CHILD";
    /// The pid file the child writes.
    pub const PIDFILE: &str = "KAD_PIDFILE";
    /// The parent's pid, to notice a parent that died before PR_SET_PDEATHSIG took effect.
    pub const PARENT_PID: &str = "KAD_PARENT_PID";
    /// `net_namespace`/`-s`, for the child's log ident and file.
    pub const NAMESPACE: &str = "KAD_NAMESPACE";
    /// `instance`, for the child's log ident and file.
    pub const INSTANCE: &str = "KAD_INSTANCE";
    /// Set in the re-executed copy that becomes the daemon.
    pub const DAEMONIZED: &str = "KAD_DAEMONIZED";
    /// The configuration file as an absolute path, so `/` as working directory changes nothing.
    pub const CONFIG: &str = "KAD_CONFIG";
    /// stdin is the parent's readiness pipe.
    pub const READY: &str = "KAD_READY";
    /// The child's `*_process_name`.
    pub const PROCESS_NAME: &str = "KAD_PROCESS_NAME";
}

/// keepalived's default file-creation mask (`umask_val` in `lib/utils.c`): 0177.
const DEFAULT_UMASK: u32 = 0o177;
/// How long the parent waits for a child's "configuration read" report before counting it
/// as read anyway, so start-up and reload completion never hang on a child that does not
/// report.
const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// The name in "Starting …" and "Stopped …".
fn version() -> String {
    crate::version::name()
}

/// Which child this process is, from `KAD_CHILD`.
pub fn child_role() -> Option<Role> {
    match std::env::var(env::CHILD).ok()?.as_str() {
        "vrrp" => Some(Role::Vrrp),
        "checker" => Some(Role::Checker),
        "bfd" => Some(Role::Bfd),
        _ => None,
    }
}

/// The start of a child process: parent-death signal, logging, pid file, then `run`.
pub fn child_main(cli: &Cli, role: Role, run: fn(&Cli) -> i32) -> i32 {
    // keepalived: prctl(PR_SET_PDEATHSIG, SIGTERM), then "check our parent hasn't already
    // changed since the fork".
    let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGTERM);
    let take = |name: &str| {
        let v = std::env::var_os(name);
        std::env::remove_var(name);
        v
    };
    let _ = take(env::CHILD);
    let parent = take(env::PARENT_PID).and_then(|p| p.to_str()?.parse::<i32>().ok());
    if parent.is_some_and(|p| p != nix::unistd::getppid().as_raw()) {
        return 0;
    }
    let pid_path = take(env::PIDFILE).map(PathBuf::from);
    let text = |v: Option<OsString>| v.and_then(|s| s.into_string().ok());
    let namespace = text(take(env::NAMESPACE));
    let instance = text(take(env::INSTANCE));
    let config = take(env::CONFIG).map(PathBuf::from);
    let process_name = text(take(env::PROCESS_NAME));
    match role {
        Role::Vrrp => notify::child_init(Kind::Vrrp),
        Role::Checker => notify::child_init(Kind::Checker),
        Role::Bfd => notify::child_init(Kind::Bfd),
        Role::Parent => {}
    }

    let mut settings = Settings::from_cli(cli, role);
    settings.namespace = namespace;
    settings.instance = instance;
    log::init(settings);
    if let Some(name) = process_name {
        set_process_name(&name);
    }

    if let Some(path) = &pid_path {
        if pidfile::write(path, std::process::id()).is_err() {
            let (title, code) = match role {
                Role::Vrrp => ("VRRP", 0),
                Role::Checker => ("Healthcheck", children::EXIT_FATAL),
                _ => ("BFD", 0),
            };
            log_info!("{title} child process: cannot write pidfile");
            log::flush();
            return code;
        }
    }
    let code = match config {
        Some(path) => {
            let mut cli = cli.clone();
            cli.use_file = Some(path);
            run(&cli)
        }
        None => run(cli),
    };
    if let Some(path) = &pid_path {
        pidfile::remove(path);
    }
    log::flush();
    code
}

/// The parent: everything `keepalived` does without `-t`/`-d`. Returns the exit code.
pub fn run(cli: &Cli) -> i32 {
    let daemonized = std::env::var_os(env::DAEMONIZED).is_some();
    std::env::remove_var(env::DAEMONIZED);
    if daemonized {
        // xdaemon(): new session, working directory /.
        let _ = nix::unistd::setsid();
    }
    let umask_cmdline = cli.umask.as_deref().and_then(crate::cli::parse_umask);
    set_umask(umask_cmdline.unwrap_or(DEFAULT_UMASK));

    // Absolute configuration path: the daemon and the children run from `/`.
    let mut cli = cli.clone();
    let config_path = absolute(&cli.config_path());
    cli.use_file = Some(config_path.clone());
    if daemonized {
        let _ = std::env::set_current_dir("/");
    }
    let cli = &cli;

    log::init(Settings::from_cli(cli, Role::Parent));
    // The original process already logged the start-up lines and the configuration's problems.
    let quiet = daemonized;
    if !quiet {
        log_info!("Starting {}", version());
        log_running_on();
        log_command_line();
        for line in crate::not_acted::flag_warnings(cli) {
            log_warn!("{line}");
        }
    }

    let read = config::read(cli, quiet);
    crate::memory::release_after_load();
    let read = match read {
        Ok(r) => r,
        Err(e) => {
            if !matches!(e, NoConfig::File(_)) {
                log_info!("{e}");
            }
            if !quiet {
                log_info!("Stopped {}", version());
            }
            log::flush();
            return config::EXIT_NO_CONFIG;
        }
    };
    let view = read.view;
    if let Some(name) = &view.names[0] {
        set_process_name(name);
    }
    if umask_cmdline.is_none() {
        if let Some(mask) = view.umask {
            set_umask(mask);
        }
    }
    if view.namespace.is_some() || view.instance.is_some() {
        log::set_names(view.namespace.as_deref(), view.instance.as_deref());
        if !quiet {
            log_info!("Changing syslog ident to {}", log::ident());
        }
    }
    let pids = PidFiles::new(cli, view.instance.as_deref(), view.use_pid_dir);
    let mut code = 0;
    let mut report_stopped = true;
    if pids.use_pid_dir {
        pidfile::create_dir();
    }
    let netns_ok = match &view.namespace {
        Some(ns) => match set_namespace(ns) {
            Ok(()) => true,
            Err(()) => {
                log_err!("Unable to set network namespace {ns} - exiting");
                false
            }
        },
        None => true,
    };
    if netns_ok {
        if already_running(cli, &pids) {
            log_info!("daemon is already running");
            report_stopped = false;
        } else if !cli.dont_fork && !daemonized {
            log::flush();
            return match daemonize() {
                Ok(()) => 0,
                Err(e) => {
                    log_info!("xdaemon: fork error - {e}");
                    1
                }
            };
        } else if pidfile::write(&pids.main, std::process::id()).is_err() {
            log_info!(
                "pidfile_write : Cannot open {} pidfile",
                pids.main.display()
            );
        } else {
            let core = CoreDump::init(cli);
            code = match Parent::new(cli, view, pids.clone()) {
                Ok(mut parent) => parent.serve(),
                Err(e) => {
                    log_err!("cannot set up the parent's event loop: {e}");
                    1
                }
            };
            // stop_keepalived(): the children's files too, in case one was killed.
            if !cli.check_only {
                pidfile::remove(&pids.vrrp);
            }
            if !cli.vrrp_only {
                pidfile::remove(&pids.checkers);
            }
            if !cli.no_bfd {
                pidfile::remove(&pids.bfd);
            }
            pidfile::remove(&pids.main);
            core.restore();
        }
    }
    if report_stopped {
        if log::detail() {
            log_cpu_usage();
        }
        log_info!("Stopped {}", version());
    }
    if pids.use_pid_dir {
        pidfile::remove_dir();
    }
    log::flush();
    code
}

/// `-m`/`--core-dump` and `-M`/`--core-dump-pattern` (`core_dump_init()`): unlimited core
/// size for kad and its children, and `/proc/sys/kernel/core_pattern` set for kad's lifetime.
struct CoreDump {
    /// The pattern to put back at exit.
    original_pattern: Option<String>,
}

const CORE_PATTERN: &str = "/proc/sys/kernel/core_pattern";

impl CoreDump {
    fn init(cli: &Cli) -> CoreDump {
        let mut original_pattern = None;
        if let Some(p) = &cli.core_dump_pattern {
            let pattern = if p.is_empty() { "core" } else { p.as_str() };
            match std::fs::read_to_string(CORE_PATTERN)
                .and_then(|orig| std::fs::write(CORE_PATTERN, pattern).map(|()| orig))
            {
                Ok(orig) => original_pattern = Some(orig.trim_end_matches('\n').to_owned()),
                Err(_) => log_info!("Unable to read/write core_pattern"),
            }
        }
        if cli.core_dump || cli.core_dump_pattern.is_some() {
            unlimited_core();
        }
        CoreDump { original_pattern }
    }

    fn restore(self) {
        if let Some(orig) = self.original_pattern {
            if std::fs::write(CORE_PATTERN, orig).is_err() {
                log_info!("Unable to read/write core_pattern");
            }
        }
    }
}

/// setrlimit(RLIMIT_CORE, infinity).
fn unlimited_core() {
    use nix::sys::resource::{setrlimit, Resource, RLIM_INFINITY};
    if setrlimit(Resource::RLIMIT_CORE, RLIM_INFINITY, RLIM_INFINITY).is_err() {
        log_info!("Failed to set core file size");
    }
}

/// `set_process_name()`: the name `ps -o comm`, `top` and `pkill` see (15 bytes at most).
fn set_process_name(name: &str) {
    let ok = std::ffi::CString::new(name)
        .ok()
        .is_some_and(|c| nix::sys::prctl::set_name(&c).is_ok());
    if !ok {
        log_info!("Failed to set process name '{name}'");
    }
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_owned()
    } else {
        std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_owned())
    }
}

fn set_umask(mask: u32) {
    use nix::sys::stat::{umask, Mode};
    umask(Mode::from_bits_truncate(mask as libc::mode_t));
}

/// `keepalived_running()`: the parent's pid file, and the children's for the subsystems the
/// command line does not exclude.
fn already_running(cli: &Cli, pids: &PidFiles) -> bool {
    pidfile::process_running(&pids.main)
        || (!cli.check_only && pidfile::process_running(&pids.vrrp))
        || (!cli.vrrp_only && pidfile::process_running(&pids.checkers))
        || (!cli.no_bfd && pidfile::process_running(&pids.bfd))
}

/// Start the daemon copy of this process: same binary and arguments, detached from the
/// terminal (stdin, stdout and stderr on /dev/null, as keepalived's `set_std_fd()`).
fn daemonize() -> std::io::Result<()> {
    use std::os::unix::process::CommandExt;
    let args: Vec<OsString> = std::env::args_os().collect();
    let mut cmd = Command::new("/proc/self/exe");
    if let Some(a0) = args.first() {
        cmd.arg0(a0);
    }
    cmd.args(args.iter().skip(1))
        .env(env::DAEMONIZED, "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // The copy is adopted by init once this process exits; it is never waited for here.
    cmd.spawn().map(drop)
}

/// keepalived's `set_namespaces()`: join `/run/netns/NAME` (children inherit it).
fn set_namespace(name: &str) -> Result<(), ()> {
    let path = format!("/run/netns/{name}");
    let f = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(_) => {
            log_info!("Failed to open {path}");
            return Err(());
        }
    };
    setns_net(&f).map_err(|e| {
        log_info!(
            "setns() failed with error {}",
            e.raw_os_error().unwrap_or(0)
        );
    })
}

/// `keepalived_parent.data`: keepalived's parent prints its global definitions. The parent
/// keeps only a summary of the configuration, so it reads the file again (a dump is rare and
/// the parent runs no protocol).
fn write_parent_data(cli: &Cli) {
    use kad::vrrp::dump::{global_text, write_atomically, GlobalView, Paths};
    let loaded = keepalive_confparse::load::load(&cli.config_path(), &crate::options(cli));
    let config = &loaded.config;
    let text = global_text(&GlobalView {
        config,
        umask: DEFAULT_UMASK,
        script_security: config.global.enable_script_security,
    });
    let path = Paths::for_config(config).parent;
    if let Err(e) = write_atomically(&path, &text) {
        log_err!("Cannot write {}: {e}", path.display());
    }
}

/// Moves this (single-threaded) process into the network namespace `f` refers to.
fn setns_net(f: &std::fs::File) -> std::io::Result<()> {
    nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).map_err(std::io::Error::from)
}

/// "Running on Linux 6.1.0 #1 SMP ..." from `/proc/sys/kernel`.
fn log_running_on() {
    log_info!("Running on {}", crate::version::running_on());
}

/// `log_command_line()`: "Command line: 'kad' '-n' ..." wrapped as keepalived's
/// `log_options()` wraps it (lines of at most 100 characters less the label, continued with
/// the label's width of spaces).
fn log_command_line() {
    let line: Vec<String> = std::env::args_os()
        .map(|a| format!("'{}'", a.to_string_lossy()))
        .collect();
    for l in wrap_option("Command line", &line.join(" ")) {
        log_info!("{l}");
    }
}

fn wrap_option(label: &str, text: &str) -> Vec<String> {
    let max = 100usize.saturating_sub(label.len()).max(1);
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            break;
        }
        let end = if rest.len() <= max {
            rest.len()
        } else {
            let mut cut = max;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            if rest.as_bytes()[cut] == b' ' {
                cut
            } else {
                match rest[..cut].rfind(' ') {
                    Some(i) if i > 0 => i,
                    _ => cut,
                }
            }
        };
        let (chunk, tail) = rest.split_at(end);
        if out.is_empty() {
            out.push(format!("{label}: {chunk}"));
        } else {
            out.push(format!("{:width$}{chunk}", "", width = label.len() + 2));
        }
        rest = tail;
    }
    out
}

/// The `-D` line keepalived logs at exit.
fn log_cpu_usage() {
    let (me, kids) = (rusage(libc::RUSAGE_SELF), rusage(libc::RUSAGE_CHILDREN));
    let t = |tv: libc::timeval| format!("{}.{:06}", tv.tv_sec, tv.tv_usec);
    log_info!(
        "CPU usage (self/children) user: {}/{} system: {}/{}",
        t(me.ru_utime),
        t(kids.ru_utime),
        t(me.ru_stime),
        t(kids.ru_stime)
    );
}

/// A child's last line (keepalived's `log_stopping`): with `-D`, the CPU time it used.
pub fn log_stopping() {
    if !crate::log::detail() {
        log_info!("Stopped");
        return;
    }
    let (me, kids) = (rusage(libc::RUSAGE_SELF), rusage(libc::RUSAGE_CHILDREN));
    let t = |tv: libc::timeval| format!("{}.{:06}", tv.tv_sec, tv.tv_usec);
    if kids.ru_utime.tv_sec != 0 || kids.ru_utime.tv_usec != 0 {
        log_info!(
            "Stopped - used (self/children) {}/{} user time, {}/{} system time",
            t(me.ru_utime),
            t(kids.ru_utime),
            t(me.ru_stime),
            t(kids.ru_stime)
        );
    } else {
        log_info!(
            "Stopped - used {} user time, {} system time",
            t(me.ru_utime),
            t(me.ru_stime)
        );
    }
}

/// getrusage(2); nix's wrapper needs a feature kad does not enable.
#[allow(unsafe_code)]
fn rusage(who: libc::c_int) -> libc::rusage {
    // SAFETY: all-zero is a valid `rusage`; getrusage() writes only into the struct it is
    // given, which lives for the call.
    unsafe {
        let mut u: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut u);
        u
    }
}

const SIGNALS: Token = Token(0);
const READY: Token = Token(1);
const STATS_CLEAR: Token = Token(2);

/// keepalived's `SIGSTATS_CLEAR` (`--signum=STATS_CLEAR`, SIGRTMAX-1), which
/// [`Signals`] does not cover. Without this descriptor the signal's default action would end
/// the parent. Only the VRRP process acts on it; it is not forwarded yet because the VRRP
/// child does not block it either, and it would kill that child.
#[allow(unsafe_code)]
fn stats_clear_signal() -> nix::Result<nix::sys::signalfd::SignalFd> {
    use nix::sys::signal::SigSet;
    use nix::sys::signalfd::{SfdFlags, SignalFd};
    // SAFETY: `raw` is initialised by sigemptyset before sigaddset adds one valid signal
    // number; from_sigset_t_unchecked takes that initialised set by value.
    let set = unsafe {
        let mut raw: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut raw);
        libc::sigaddset(&mut raw, libc::SIGRTMAX() - 1);
        SigSet::from_sigset_t_unchecked(raw)
    };
    set.thread_block()?;
    SignalFd::with_flags(&set, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
}

/// The parent's loop state.
struct Parent<'a> {
    cli: &'a Cli,
    args: Vec<OsString>,
    view: ParentView,
    slots: Vec<Slot>,
    /// Per slot: waiting for its "configuration read" report since this instant.
    awaiting: Vec<Option<Instant>>,
    signals: Signals,
    poll: Poll,
    ready: Option<notify::ReadyPipe>,
    systemd: Option<notify::Systemd>,
    /// Whether start-up has completed (the next completion is a reload's).
    loaded: bool,
    /// A start-up or reload is waiting for the children's reports.
    in_progress: bool,
    reload_queued: bool,
    /// Set when the loop must end: `Some((code, stop_children_with_log))`.
    exit: Option<(i32, bool)>,
    /// `startup_script` and `shutdown_script` run here.
    runner: Runner,
    /// The running `startup_script`; the children start when it ends.
    startup_job: Option<JobId>,
    /// SIGSTATS_CLEAR, caught so that it does not end the parent.
    stats_clear: Option<nix::sys::signalfd::SignalFd>,
    /// What `--metrics-listen` scrapes learn from the parent.
    metrics: kad::metrics::parent::Shared,
}

impl<'a> Parent<'a> {
    fn new(cli: &'a Cli, view: ParentView, pids: PidFiles) -> std::io::Result<Parent<'a>> {
        let poll = Poll::new()?;
        let mut signals = Signals::new()?;
        poll.registry()
            .register(&mut signals, SIGNALS, Interest::READABLE)?;
        let stats_clear = stats_clear_signal().ok();
        if let Some(fd) = &stats_clear {
            poll.registry().register(
                &mut SourceFd(&fd.as_raw_fd()),
                STATS_CLEAR,
                Interest::READABLE,
            )?;
        }
        let ready = notify::ReadyPipe::new().ok();
        if let Some(r) = &ready {
            poll.registry().register(
                &mut SourceFd(&r.reader().as_raw_fd()),
                READY,
                Interest::READABLE,
            )?;
        }
        // Orphaned grandchildren (a dead child's scripts) are reparented here and reaped.
        let _ = nix::sys::prctl::set_child_subreaper(true);
        let slots = vec![
            Slot::new(Kind::Checker, pids.checkers.clone()),
            Slot::new(Kind::Vrrp, pids.vrrp.clone()),
            Slot::new(Kind::Bfd, pids.bfd.clone()),
        ];
        Ok(Parent {
            cli,
            args: std::env::args_os().collect(),
            view,
            awaiting: vec![None; slots.len()],
            slots,
            signals,
            poll,
            ready,
            systemd: notify::Systemd::from_env(),
            loaded: false,
            in_progress: false,
            reload_queued: false,
            exit: None,
            runner: Runner::new(),
            startup_job: None,
            stats_clear,
            metrics: metrics::start(cli.metrics_listen),
        })
    }

    fn wanted(&self, kind: Kind) -> bool {
        match kind {
            Kind::Vrrp => self.view.run_vrrp(self.cli),
            Kind::Checker => self.view.run_checker(self.cli),
            Kind::Bfd => self.view.run_bfd(self.cli),
        }
    }

    fn child_env(&self, kind: Kind) -> ChildEnv {
        ChildEnv {
            namespace: self.view.namespace.clone(),
            instance: self.view.instance.clone(),
            process_name: match kind {
                Kind::Vrrp => self.view.names[1].clone(),
                Kind::Checker => self.view.names[2].clone(),
                Kind::Bfd => self.view.names[3].clone(),
            },
            config: self.cli.use_file.clone(),
        }
    }

    /// `start_vrrp_child()` / `start_check_child()`, parent side.
    fn start(&mut self, i: usize, count_ready: bool) {
        log::flush();
        let extra = self.child_env(self.slots[i].kind);
        let ready = self.ready.as_ref().and_then(notify::ReadyPipe::for_child);
        let slot = &mut self.slots[i];
        slot.restart_at = None;
        match children::spawn(slot, &self.args, &extra, ready) {
            Ok(pid) => {
                slot.pid = Some(pid);
                slot.started = Instant::now();
                self.metrics
                    .started(metrics::role(slot.kind), pid.as_raw().unsigned_abs());
                log_info!("Starting {} child process, pid={pid}", slot.kind.title());
                if count_ready {
                    self.awaiting[i] = Some(Instant::now());
                }
            }
            Err(e) => log_info!("{} child process: fork error({e})", slot.kind.title()),
        }
    }

    /// Tells the metrics which children have work.
    fn publish_wanted(&self) {
        for slot in &self.slots {
            self.metrics
                .wanted(metrics::role(slot.kind), self.wanted(slot.kind));
        }
    }

    /// `start_keepalived()`.
    fn start_children(&mut self) {
        self.publish_wanted();
        let mut any = false;
        for i in 0..self.slots.len() {
            if self.wanted(self.slots[i].kind) {
                self.start(i, true);
                any = true;
            }
        }
        if !any {
            log_info!("Warning - keepalived has no configuration to run");
        }
        self.in_progress = true;
        self.check_complete();
    }

    fn serve(&mut self) -> i32 {
        match self.view.startup.clone() {
            // keepalived runs the startup script first and starts the children when it ends.
            Some(hook) => {
                if log::detail() {
                    log_info!("Running startup script {}", hook.prepared.argv[0]);
                }
                let job = hook.prepared.job(&[], Some(hook.timeout));
                self.startup_job = Some(self.runner.spawn(Instant::now(), job));
            }
            None => self.start_children(),
        }
        let mut events = Events::with_capacity(16);
        while self.exit.is_none() {
            let timeout = self
                .next_deadline()
                .map(|t| t.saturating_duration_since(Instant::now()) + Duration::from_millis(1));
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    log_err!("poll: {e}");
                    self.exit = Some((1, false));
                    break;
                }
            }
            for ev in events.iter() {
                match ev.token() {
                    SIGNALS => {
                        while let Some(req) = self.signals.next() {
                            self.on_signal(req);
                        }
                    }
                    READY => self.on_ready(),
                    STATS_CLEAR => {
                        if let Some(fd) = self.stats_clear.as_mut() {
                            while let Ok(Some(_)) = fd.read_signal() {}
                        }
                    }
                    _ => {}
                }
            }
            self.on_timers(Instant::now());
        }
        let (code, announce) = self.exit.unwrap_or((0, true));
        self.stop_children(announce);
        // Whatever a checker process that was killed (or never drained) left behind.
        kad::announce::kernel::withdraw_plan(&self.view.announce, "stopping");
        if announce {
            self.run_shutdown_script();
        }
        code
    }

    /// `startup_shutdown_script_completed()`.
    fn script_done(&self, what: &str, outcome: &Outcome) {
        match outcome {
            Outcome::Exited(0) => {
                if log::detail() {
                    log_info!("{what} script succeeded");
                }
            }
            Outcome::Exited(n) => log_info!("{what} script failed, status {n}"),
            Outcome::TimedOut => log_info!("{what} timed out"),
            Outcome::Signalled(_) => {}
            Outcome::SpawnFailed(e) => log_info!("Call of {what} failed - {e}"),
        }
    }

    /// Scripts that ended; the startup script's end starts the children.
    fn reap_scripts(&mut self) {
        for (id, outcome) in self.runner.reap(Instant::now()) {
            if Some(id) == self.startup_job {
                self.startup_job = None;
                self.script_done("startup script", &outcome);
                if self.exit.is_none() {
                    self.start_children();
                }
            }
        }
    }

    /// The `shutdown_script`, once the children have stopped; kad exits when it ends (its
    /// timeout, then SIGTERM and SIGKILL, bound the wait).
    fn run_shutdown_script(&mut self) {
        self.runner.terminate_all();
        let Some(hook) = self.view.shutdown.clone() else {
            return;
        };
        if log::detail() {
            log_info!("Running shutdown script {}", hook.prepared.argv[0]);
        }
        let job = hook.prepared.job(&[], Some(hook.timeout));
        let id = self.runner.spawn(Instant::now(), job);
        let mut events = Events::with_capacity(16);
        while self.runner.running() > 0 {
            let timeout = self
                .runner
                .next_deadline()
                .map_or(Duration::from_secs(1), |t| {
                    t.saturating_duration_since(Instant::now()) + Duration::from_millis(1)
                });
            let _ = self.poll.poll(&mut events, Some(timeout));
            while self.signals.next().is_some() {}
            for (done, outcome) in self.runner.reap(Instant::now()) {
                if done == id {
                    self.script_done("shutdown script", &outcome);
                }
            }
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let restarts = self.slots.iter().filter_map(|s| s.restart_at);
        let ready = self.awaiting.iter().flatten().map(|t| *t + READY_TIMEOUT);
        restarts
            .chain(ready)
            .chain(self.runner.next_deadline())
            .min()
    }

    fn on_timers(&mut self, now: Instant) {
        if self.runner.next_deadline().is_some_and(|t| t <= now) {
            self.reap_scripts();
        }
        for i in 0..self.slots.len() {
            if self.exit.is_some() {
                return;
            }
            if self.slots[i].restart_at.is_some_and(|t| t <= now) {
                let report = std::mem::take(&mut self.slots[i].report_on_restart);
                self.start(i, report);
            }
        }
        let mut changed = false;
        for a in self.awaiting.iter_mut() {
            if a.is_some_and(|t| t + READY_TIMEOUT <= now) {
                *a = None;
                changed = true;
            }
        }
        if changed {
            self.check_complete();
        }
    }

    fn on_signal(&mut self, req: Request) {
        match req {
            Request::Stop => {
                if self.exit.is_none() {
                    self.exit = Some((0, true));
                }
            }
            Request::Reload => {
                if self.in_progress {
                    if log::detail() {
                        log_info!("Reload already in progress, request queued");
                    }
                    self.reload_queued = true;
                } else {
                    self.reload();
                }
            }
            Request::DumpData => {
                log_info!(
                    "Printing parent data for process({}) on signal",
                    std::process::id()
                );
                self.forward(Signal::SIGUSR1 as i32, true);
                write_parent_data(self.cli);
            }
            // Only the VRRP process consumes SIGUSR2 and the JSON signal.
            Request::DumpStats => self.forward(Signal::SIGUSR2 as i32, false),
            Request::DumpJson => self.forward(json_signal(), false),
            Request::Child => self.reap(),
        }
    }

    /// `propagate_signal()`.
    fn forward(&mut self, sig: i32, to_all: bool) {
        for slot in &self.slots {
            if slot.kind != Kind::Vrrp && !to_all {
                continue;
            }
            if let Some(pid) = slot.pid {
                send(pid, sig);
            }
        }
    }

    /// `reload_config()` + `do_reload()`.
    fn reload(&mut self) {
        // With `reload_check_config` the new file is validated before anything is logged of
        // a reload, as keepalived's config-test child does; a file that passes is then read
        // again, logging what a plain reload logs.
        let check_first = self.view.reload_check.is_some();
        if !check_first {
            log_info!("Reloading ...");
        }
        let read = config::read(self.cli, check_first);
        crate::memory::release_after_load();
        let read = match read {
            Ok(r) => r,
            Err(e) => {
                if !matches!(e, NoConfig::File(_)) {
                    log_info!("{e}");
                }
                log_info!("New config failed validation - keeping the running configuration");
                self.metrics.reloaded(false);
                return;
            }
        };
        let unsupported = self.view.unsupported_changes(&read.view);
        if !unsupported.is_empty() {
            for what in unsupported {
                log_info!("Cannot change {what} at a reload - please restart kad");
            }
            self.metrics.reloaded(false);
            return;
        }
        // The running configuration decides whether a new one is checked first.
        if let Some(file) = &self.view.reload_check {
            if log::detail() {
                log_info!("validate conf before Reload");
            }
            config::write_check_log(file.as_deref(), &read.report);
            if read.has_errors {
                log_info!(
                    "New config failed validation, see {} for details",
                    file.as_deref().unwrap_or("/dev/null")
                );
                self.metrics.reloaded(false);
                return;
            }
            log_info!("Reloading ...");
            if let Err(e) = config::read(self.cli, false) {
                log_info!("{e}");
                return;
            }
        }
        if self.cli.umask.is_none() {
            if let Some(mask) = read.view.umask {
                set_umask(mask);
            }
        }
        if read.view.names[0] != self.view.names[0] {
            set_process_name(read.view.names[0].as_deref().unwrap_or("kad"));
        }
        self.view = read.view;
        self.metrics.reloaded(true);
        self.publish_wanted();
        if let Some(sd) = &self.systemd {
            sd.reloading();
        }
        for i in 0..self.slots.len() {
            match self.slots[i].pid {
                Some(pid) => {
                    send(pid, Signal::SIGHUP as i32);
                    self.awaiting[i] = Some(Instant::now());
                }
                None if self.wanted(self.slots[i].kind) && self.slots[i].restart_at.is_none() => {
                    self.start(i, true)
                }
                None => {}
            }
        }
        self.in_progress = true;
        self.check_complete();
    }

    fn on_ready(&mut self) {
        let Some(pipe) = self.ready.as_mut() else {
            return;
        };
        for kind in pipe.drain_kinds() {
            if let Some(i) = self.slots.iter().position(|s| s.kind == kind) {
                self.awaiting[i] = None;
            }
        }
        self.check_complete();
    }

    /// `child_reloaded_thread()`: every child has read its configuration.
    fn check_complete(&mut self) {
        let pending_restart = self
            .slots
            .iter()
            .any(|s| s.report_on_restart && s.restart_at.is_some());
        if !self.in_progress || pending_restart || self.awaiting.iter().any(Option::is_some) {
            return;
        }
        self.in_progress = false;
        if self.slots.iter().any(|s| s.pid.is_some()) {
            log_info!(
                "{} complete",
                if self.loaded { "Reload" } else { "Startup" }
            );
        }
        if let Some(sd) = &self.systemd {
            sd.ready();
        }
        self.loaded = true;
        if self.reload_queued {
            self.reload_queued = false;
            if log::detail() {
                log_info!("Processing queued reload");
            }
            self.reload();
        }
    }

    /// SIGCHLD: reap every child that ended, ours or adopted.
    fn reap(&mut self) {
        if self.runner.running() > 0 {
            // The runner waits for its own scripts; reaping any pid here could take their
            // status, so only our children are waited for until the scripts are done.
            self.reap_scripts();
            for i in 0..self.slots.len() {
                let Some(pid) = self.slots[i].pid else {
                    continue;
                };
                if let Ok(s @ (WaitStatus::Exited(..) | WaitStatus::Signaled(..))) =
                    waitpid(pid, Some(WaitPidFlag::WNOHANG))
                {
                    self.child_died(i, pid, &s);
                }
            }
            return;
        }
        loop {
            let status = match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(_) => return,
                Ok(s) => s,
            };
            let Some(pid) = status.pid() else { continue };
            if !matches!(status, WaitStatus::Exited(..) | WaitStatus::Signaled(..)) {
                continue;
            }
            if let Some(i) = self.slots.iter().position(|s| s.pid == Some(pid)) {
                self.child_died(i, pid, &status);
            }
        }
    }

    /// `vrrp_respawn_thread()` / `check_respawn_thread()`.
    fn child_died(&mut self, i: usize, pid: Pid, status: &WaitStatus) {
        self.slots[i].pid = None;
        let respawn = self.exit.is_none() && !self.cli.dont_respawn;
        self.metrics
            .ended(metrics::role(self.slots[i].kind), respawn);
        // A start-up or reload this child had not reported yet waits for its replacement.
        let was_awaiting = self.awaiting[i].take().is_some();
        if self.exit.is_some() {
            return;
        }
        // keepalived clears the child's pid before naming it, so it reports "pid N".
        if let Some(code) = children::report_status(status, &format!("pid {pid}")) {
            if let Some(sd) = &self.systemd {
                sd.error(if code == children::EXIT_MISSING_PERMISSION {
                    libc::EPERM
                } else {
                    libc::EINVAL
                });
            }
            self.exit = Some((code, false));
            return;
        }
        let kind = self.slots[i].kind;
        if kind == Kind::Checker {
            kad::announce::kernel::withdraw_plan(&self.view.announce, "checker process died");
        }
        if self.cli.dont_respawn {
            log::log(
                log::Level::Alert,
                format_args!("{} child process({pid}) died: Exiting", kind.title()),
            );
            self.exit = Some((0, true));
            return;
        }
        children::log_died(kind, pid);
        let delay = children::restart_delay(&mut self.slots[i], Instant::now());
        if delay.is_zero() {
            self.start(i, was_awaiting);
        } else {
            self.slots[i].restart_at = Some(Instant::now() + delay);
            self.slots[i].report_on_restart = was_awaiting;
        }
    }

    /// `sigend()`: SIGTERM to the children, wait up to `child_wait_time` for them, SIGKILL
    /// the rest. `announce` logs "Stopping" (not when a child's permanent error ends kad).
    fn stop_children(&mut self, announce: bool) {
        if announce {
            log_info!("Stopping");
            if let Some(sd) = &self.systemd {
                sd.stopping();
            }
        }
        for slot in &mut self.slots {
            slot.restart_at = None;
            if let Some(pid) = slot.pid {
                if kill(pid, Signal::SIGTERM) == Err(Errno::ESRCH) {
                    slot.pid = None;
                }
            }
        }
        // The checker process withdraws its announcements and drains before it stops.
        let deadline = Instant::now() + self.view.child_wait + self.view.announce.drain;
        let mut events = Events::with_capacity(16);
        while self.slots.iter().any(|s| s.pid.is_some()) {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let _ = self.poll.poll(&mut events, Some(deadline - now));
            // Only SIGCHLD matters now; other requests are dropped.
            while self.signals.next().is_some() {}
            self.reap_stopping();
        }
        for slot in &mut self.slots {
            if let Some(pid) = slot.pid.take() {
                log_info!(
                    "{} process failed to die - forcing termination",
                    slot.kind.short()
                );
                let _ = kill(pid, Signal::SIGKILL);
                let _ = waitpid(pid, None);
            }
        }
    }

    fn reap_stopping(&mut self) {
        loop {
            let status = match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(_) => return,
                Ok(s) => s,
            };
            let Some(pid) = status.pid() else { continue };
            if let Some(slot) = self.slots.iter_mut().find(|s| s.pid == Some(pid)) {
                if matches!(status, WaitStatus::Exited(..) | WaitStatus::Signaled(..)) {
                    children::report_status(&status, slot.kind.prog());
                    slot.pid = None;
                }
            }
        }
    }
}

/// kill(2) by number: the JSON signal is real-time, which nix's `Signal` cannot name.
#[allow(unsafe_code)]
fn send(pid: Pid, sig: i32) {
    // SAFETY: kill(2) takes two integers and touches no memory of ours.
    let _ = unsafe { libc::kill(pid.as_raw(), sig) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_wraps_like_log_options() {
        let long = (0..30)
            .map(|i| format!("'-{i}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let lines = wrap_option("Command line", &long);
        assert!(lines.len() > 1);
        assert!(lines[0].starts_with("Command line: '-0'"));
        assert!(lines[1].starts_with("              '"));
        for l in &lines {
            assert!(l.len() <= 100 + 2, "{l}");
        }
        assert_eq!(
            wrap_option("Command line", "'kad' '-n'"),
            vec!["Command line: 'kad' '-n'"]
        );
    }
}
