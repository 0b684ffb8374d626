//! The parent's view of its children: starting one, reporting how it ended, and pacing
//! restarts, in keepalived's words (`start_vrrp_child()`, `vrrp_respawn_thread()`,
//! `report_child_status()` and `calc_restart_delay()` in keepalived 2.2.7).

use std::ffi::OsString;
use std::io;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;

use super::env;

/// A subsystem that runs as a child process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// VRRP (`Keepalived_vrrp`).
    Vrrp,
    /// Health checkers and IPVS (`Keepalived_healthcheckers`).
    Checker,
    /// BFD sessions (`Keepalived_bfd`).
    Bfd,
}

impl Kind {
    /// keepalived's program name, used in exit reports at shutdown.
    pub fn prog(self) -> &'static str {
        match self {
            Kind::Vrrp => "Keepalived_vrrp",
            Kind::Checker => "Keepalived_healthcheckers",
            Kind::Bfd => "Keepalived_bfd",
        }
    }

    /// The word in "Starting VRRP child process" and "VRRP child process(N) died".
    pub fn title(self) -> &'static str {
        match self {
            Kind::Vrrp => "VRRP",
            Kind::Checker => "Healthcheck",
            Kind::Bfd => "BFD",
        }
    }

    /// The short name in "vrrp process failed to die - forcing termination".
    pub fn short(self) -> &'static str {
        match self {
            Kind::Vrrp => "vrrp",
            Kind::Checker => "checker",
            Kind::Bfd => "bfd",
        }
    }

    /// The `KAD_CHILD` value.
    pub fn env_value(self) -> &'static str {
        match self {
            Kind::Vrrp => "vrrp",
            Kind::Checker => "checker",
            Kind::Bfd => "bfd",
        }
    }
}

/// One child slot in the parent.
#[derive(Debug)]
pub struct Slot {
    /// Which subsystem.
    pub kind: Kind,
    /// The running process, if any.
    pub pid: Option<Pid>,
    /// When it was last started (for the restart pacing).
    pub started: Instant,
    /// keepalived's `next_restart_delay`, in seconds.
    pub next_restart_delay: u64,
    /// A restart waiting for its delay to pass.
    pub restart_at: Option<Instant>,
    /// The restarted child completes a start-up or reload the dead one had not reported.
    pub report_on_restart: bool,
    /// Where the child writes its pid.
    pub pidfile: PathBuf,
}

impl Slot {
    /// An empty slot.
    pub fn new(kind: Kind, pidfile: PathBuf) -> Slot {
        Slot {
            kind,
            pid: None,
            started: Instant::now(),
            next_restart_delay: 0,
            restart_at: None,
            report_on_restart: false,
            pidfile,
        }
    }
}

/// What the child needs to know from the parent beyond its command line.
#[derive(Debug, Clone, Default)]
pub struct ChildEnv {
    /// `net_namespace` / `-s`, for the log ident and file.
    pub namespace: Option<String>,
    /// `instance`, for the log ident and file.
    pub instance: Option<String>,
    /// `vrrp_process_name` / `checker_process_name` / `bfd_process_name`.
    pub process_name: Option<String>,
    /// The configuration file, absolute (the child's working directory may be `/`).
    pub config: Option<PathBuf>,
}

/// Start a child: `/proc/self/exe` with the parent's own arguments and `KAD_CHILD` set,
/// keeping argv\[0\] so `ps` shows the same command line as the parent.
pub fn spawn(
    slot: &Slot,
    args: &[OsString],
    extra: &ChildEnv,
    ready: Option<Stdio>,
) -> io::Result<Pid> {
    let mut cmd = Command::new("/proc/self/exe");
    if let Some(argv0) = args.first() {
        cmd.arg0(argv0);
    }
    cmd.args(args.iter().skip(1))
        .env(env::CHILD, slot.kind.env_value())
        .env(env::PIDFILE, &slot.pidfile)
        .env(env::PARENT_PID, std::process::id().to_string())
        // Only the parent talks to systemd (keepalived's systemd_unset_notify()).
        .env_remove("NOTIFY_SOCKET")
        .env_remove(env::DAEMONIZED);
    match &extra.namespace {
        Some(ns) => cmd.env(env::NAMESPACE, ns),
        None => cmd.env_remove(env::NAMESPACE),
    };
    match &extra.instance {
        Some(i) => cmd.env(env::INSTANCE, i),
        None => cmd.env_remove(env::INSTANCE),
    };
    match &extra.config {
        Some(c) => cmd.env(env::CONFIG, c),
        None => cmd.env_remove(env::CONFIG),
    };
    match &extra.process_name {
        Some(n) => cmd.env(env::PROCESS_NAME, n),
        None => cmd.env_remove(env::PROCESS_NAME),
    };
    match ready {
        Some(pipe) => {
            cmd.env(env::READY, "stdin").stdin(pipe);
        }
        None => {
            cmd.env_remove(env::READY).stdin(Stdio::null());
        }
    }
    let child = cmd.spawn()?;
    // The child is reaped through SIGCHLD with waitpid(); the handle is not needed.
    let pid = Pid::from_raw(child.id() as i32);
    drop(child);
    Ok(pid)
}

/// keepalived's exit codes that mean "do not restart me" (`KEEPALIVED_EXIT_FATAL`,
/// `KEEPALIVED_EXIT_CONFIG`, `KEEPALIVED_EXIT_MISSING_PERMISSION`).
pub const EXIT_FATAL: i32 = 1;
/// `KEEPALIVED_EXIT_CONFIG`.
pub const EXIT_CONFIG: i32 = 2;
/// `KEEPALIVED_EXIT_MISSING_PERMISSION`.
pub const EXIT_MISSING_PERMISSION: i32 = 4;

/// `report_child_status()`: log how a child ended; `Some(code)` when it exited with a
/// permanent error and the parent must terminate with that code.
pub fn report_status(status: &WaitStatus, name: &str) -> Option<i32> {
    match *status {
        WaitStatus::Exited(_, code) => {
            let what = match code {
                EXIT_FATAL => Some("FATAL"),
                EXIT_CONFIG => Some("CONFIG"),
                EXIT_MISSING_PERMISSION => Some("missing permission"),
                _ => None,
            };
            if let Some(what) = what {
                log_info!("{name} exited with permanent error {what}. Terminating");
                return Some(code);
            }
            if code != 0 {
                log_info!("{name} exited with status {code}");
            }
        }
        WaitStatus::Signaled(_, sig, _) => {
            if sig == Signal::SIGSEGV {
                log_info!("{name} exited due to segmentation fault (SIGSEGV).");
                log_info!(
                    "  Please report a bug to the kad project and include this log from when kad started,"
                );
                log_info!("  a description of what happened before the crash and your configuration file.");
                log_info!("  Source version kad {}", env!("CARGO_PKG_VERSION"));
            } else {
                log_info!(
                    "{name} exited due to signal {} ({}){}",
                    sig as i32,
                    describe(sig),
                    if sig == Signal::SIGKILL {
                        " - has rlimit_rttime been exceeded?"
                    } else {
                        ""
                    }
                );
            }
        }
        _ => {}
    }
    None
}

/// `strsignal()` wording for the signals a child can die of.
fn describe(sig: Signal) -> &'static str {
    match sig {
        Signal::SIGHUP => "Hangup",
        Signal::SIGINT => "Interrupt",
        Signal::SIGQUIT => "Quit",
        Signal::SIGILL => "Illegal instruction",
        Signal::SIGTRAP => "Trace/breakpoint trap",
        Signal::SIGABRT => "Aborted",
        Signal::SIGBUS => "Bus error",
        Signal::SIGFPE => "Floating point exception",
        Signal::SIGKILL => "Killed",
        Signal::SIGUSR1 => "User defined signal 1",
        Signal::SIGSEGV => "Segmentation fault",
        Signal::SIGUSR2 => "User defined signal 2",
        Signal::SIGPIPE => "Broken pipe",
        Signal::SIGALRM => "Alarm clock",
        Signal::SIGTERM => "Terminated",
        Signal::SIGXCPU => "CPU time limit exceeded",
        Signal::SIGXFSZ => "File size limit exceeded",
        Signal::SIGSYS => "Bad system call",
        _ => "Unknown signal",
    }
}

/// `log_child_died()`.
pub fn log_died(kind: Kind, pid: Pid) {
    crate::log::log(
        crate::log::Level::Alert,
        format_args!("{} child process({pid}) died: Respawning", kind.title()),
    );
    log_info!("  Please log an issue at the kad project's issue tracker");
    log_info!("  and include a full copy of your keepalived configuration files, and");
    log_info!("  copies of the kad system log entries around the time this happened");
}

/// `calc_restart_delay()`: a child that ran for at least a minute restarts at once; otherwise
/// the delay is the previous one (0 the first time), and the next one doubles from 1 s up to
/// a minute, so a child that dies at start-up cannot spin.
pub fn restart_delay(slot: &mut Slot, now: Instant) -> Duration {
    if now.duration_since(slot.started) >= Duration::from_secs(60) {
        slot.next_restart_delay = 0;
        return Duration::ZERO;
    }
    let delay = slot.next_restart_delay;
    slot.next_restart_delay = match delay {
        0 => 1,
        d if d > 30 => 60,
        d => d * 2,
    };
    log_info!(
        "Restart of {} process delayed {delay} seconds to limit respawn rate",
        slot.kind.title()
    );
    Duration::from_secs(delay)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_pacing_matches_keepalived() {
        let mut slot = Slot::new(Kind::Vrrp, PathBuf::new());
        let t0 = Instant::now();
        slot.started = t0;
        let delays: Vec<u64> = (0..9)
            .map(|_| restart_delay(&mut slot, t0).as_secs())
            .collect();
        assert_eq!(delays, [0, 1, 2, 4, 8, 16, 32, 60, 60]);
        // A child that lived a minute restarts at once and resets the pacing.
        assert_eq!(
            restart_delay(&mut slot, t0 + Duration::from_secs(60)),
            Duration::ZERO
        );
        assert_eq!(slot.next_restart_delay, 0);
    }

    #[test]
    fn permanent_exit_codes() {
        let pid = Pid::from_raw(1);
        assert_eq!(report_status(&WaitStatus::Exited(pid, 2), "x"), Some(2));
        assert_eq!(report_status(&WaitStatus::Exited(pid, 1), "x"), Some(1));
        assert_eq!(report_status(&WaitStatus::Exited(pid, 4), "x"), Some(4));
        assert_eq!(report_status(&WaitStatus::Exited(pid, 0), "x"), None);
        assert_eq!(report_status(&WaitStatus::Exited(pid, 3), "x"), None);
        assert_eq!(
            report_status(&WaitStatus::Signaled(pid, Signal::SIGKILL, false), "x"),
            None
        );
    }
}
