//! Pid files, named, written, checked and removed as keepalived 2.2.7 does
//! (`core/pidfile.c`, `keepalived_main()` in `core/main.c`).
//!
//! Each process writes its own file: the parent after daemonising, each child at its start
//! (`start_vrrp_child()` writes `vrrp_pidfile` in the child). The parent removes every file of
//! the subsystems it runs when it stops.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use nix::sys::signal::kill;
use nix::unistd::Pid;

use crate::cli::Cli;

/// keepalived's `RUNSTATEDIR`.
const RUN_DIR: &str = "/run";
/// `KEEPALIVED_PID_DIR`: used when `use_pid_dir`, `instance` or a namespace is configured.
pub const PID_DIR: &str = "/run/keepalived";

/// The pid files of one kad instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PidFiles {
    /// `-p`/`--pid`: the parent.
    pub main: PathBuf,
    /// `-r`/`--vrrp_pid`: the VRRP child.
    pub vrrp: PathBuf,
    /// `-c`/`--checkers_pid`: the checker child.
    pub checkers: PathBuf,
    /// `-b`/`--bfd_pid`: the BFD child.
    pub bfd: PathBuf,
    /// Whether the files live in [`PID_DIR`], which the parent creates and removes.
    pub use_pid_dir: bool,
}

impl PidFiles {
    /// keepalived's naming: command-line names win; with an `instance` the defaults become
    /// `/run/keepalived/<name>_<instance>.pid`; with `use_pid_dir` (set by `instance`, a
    /// namespace or the keyword) `/run/keepalived/<name>.pid`; otherwise `/run/<name>.pid`.
    pub fn new(cli: &Cli, instance: Option<&str>, use_pid_dir: bool) -> PidFiles {
        let use_pid_dir = use_pid_dir || instance.is_some();
        let default = |base: &str| -> PathBuf {
            match instance {
                Some(i) => PathBuf::from(format!("{PID_DIR}/{base}_{i}.pid")),
                None if use_pid_dir => PathBuf::from(format!("{PID_DIR}/{base}.pid")),
                None => PathBuf::from(format!("{RUN_DIR}/{base}.pid")),
            }
        };
        PidFiles {
            main: cli.pid.clone().unwrap_or_else(|| default("keepalived")),
            vrrp: cli.vrrp_pid.clone().unwrap_or_else(|| default("vrrp")),
            checkers: cli
                .checkers_pid
                .clone()
                .unwrap_or_else(|| default("checkers")),
            bfd: cli.bfd_pid.clone().unwrap_or_else(|| default("bfd")),
            use_pid_dir,
        }
    }
}

/// `pidfile_write()`: `"<pid>\n"`, mode 0644 whatever the umask, never through a symlink.
pub fn write(path: &Path, pid: u32) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    // keepalived lowers the umask around the open so the file is rw-r--r--; setting the
    // mode afterwards gives the same result without touching process-wide state.
    f.set_permissions(fs::Permissions::from_mode(0o644))?;
    writeln!(f, "{pid}")
}

/// `pidfile_rm()`.
pub fn remove(path: &Path) {
    let _ = fs::remove_file(path);
}

/// `process_running()`: whether the pid file names a live process. A file that cannot be
/// parsed is removed and counts as running ("we don't know"), as in keepalived; a file whose
/// process is gone is removed ("Remove a zombie pid file").
pub fn process_running(path: &Path) -> bool {
    let Ok(text) = fs::read_to_string(path) else {
        return false;
    };
    let pid = text
        .split_whitespace()
        .next()
        .and_then(|w| w.parse::<i32>().ok());
    let pid = match pid {
        Some(p) => p,
        None => {
            log_info!("Error reading pid file {}", path.display());
            remove(path);
            0
        }
    };
    if pid <= 0 {
        return true;
    }
    if kill(Pid::from_raw(pid), None).is_err() {
        log_info!("Remove a zombie pid file {}", path.display());
        remove(path);
        return false;
    }
    true
}

/// `create_pid_dir()`: `/run/keepalived`, rwxr-xr-x. Returns whether kad created it or it was
/// there, i.e. whether [`remove_dir`] should try to remove it at exit.
pub fn create_dir() -> bool {
    use std::os::unix::fs::DirBuilderExt;
    match fs::DirBuilder::new().mode(0o755).create(PID_DIR) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => true,
        Err(_) => {
            log_info!("Unable to create directory {PID_DIR}");
            false
        }
    }
}

/// `remove_pid_dir()`: only when empty and unused.
pub fn remove_dir() {
    if let Err(e) = fs::remove_dir(PID_DIR) {
        match e.raw_os_error() {
            Some(libc::ENOTEMPTY) | Some(libc::EBUSY) => {}
            Some(n) => log_info!("unlink of {PID_DIR} failed - error ({n}) '{e}'"),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        crate::cli::for_test(args)
    }

    #[test]
    fn names_like_keepalived() {
        let p = PidFiles::new(&cli(&[]), None, false);
        assert_eq!(p.main, PathBuf::from("/run/keepalived.pid"));
        assert_eq!(p.vrrp, PathBuf::from("/run/vrrp.pid"));
        assert_eq!(p.checkers, PathBuf::from("/run/checkers.pid"));
        assert!(!p.use_pid_dir);
        let p = PidFiles::new(&cli(&["-r", "/x/v.pid"]), Some("east"), false);
        assert_eq!(p.main, PathBuf::from("/run/keepalived/keepalived_east.pid"));
        assert_eq!(p.vrrp, PathBuf::from("/x/v.pid"));
        assert_eq!(
            p.checkers,
            PathBuf::from("/run/keepalived/checkers_east.pid")
        );
        assert!(p.use_pid_dir);
        let p = PidFiles::new(&cli(&[]), None, true);
        assert_eq!(p.main, PathBuf::from("/run/keepalived/keepalived.pid"));
        assert_eq!(p.bfd, PathBuf::from("/run/keepalived/bfd.pid"));
    }

    #[test]
    fn write_check_remove() {
        let dir = std::env::temp_dir().join(format!("kad-pid-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let f = dir.join("k.pid");
        write(&f, std::process::id()).unwrap();
        assert_eq!(
            fs::read_to_string(&f).unwrap(),
            format!("{}\n", std::process::id())
        );
        assert_eq!(
            fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert!(process_running(&f));
        // A pid that cannot exist (above pid_max): the file is stale and goes.
        fs::write(&f, "2147483647\n").unwrap();
        assert!(!process_running(&f));
        assert!(!f.exists());
        // Garbage: removed, but reported as running, as keepalived does.
        fs::write(&f, "garbage\n").unwrap();
        assert!(process_running(&f));
        assert!(!f.exists());
        assert!(!process_running(&f));
        // Never through a symlink.
        std::os::unix::fs::symlink(dir.join("target"), &f).unwrap();
        assert!(write(&f, 1).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
