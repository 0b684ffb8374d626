//! kad's process model, with real processes: pid files, the "already running" check,
//! daemonising, stopping on SIGTERM, respawning a killed child (and not with `-R`), a SIGHUP
//! with a broken configuration, the console and file logs.
//!
//! Each test runs kad in a network namespace it creates (`kadd-<pid>-<n>`, a veth pair with
//! 192.0.2.1/24), so the VRRP child has an interface to run on; the namespace and every
//! process in it are removed when the test ends, failed or not. Tests need root; without it
//! they print SKIP and pass, except under `CI=true`, where they fail (`kad_skip`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const KAD: &str = env!("CARGO_BIN_EXE_kad");
/// Far above anything a healthy run needs, even on a loaded 2-core machine.
const BOUND: Duration = Duration::from_secs(30);

fn root() -> bool {
    kad_skip::root()
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run command")
}

fn ip(args: &[&str]) {
    let out = run(Command::new("ip").args(args));
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A network namespace with a veth pair, removed with everything running in it.
struct Netns {
    name: String,
    dir: PathBuf,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

impl Netns {
    fn new() -> Netns {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let name = format!("kadd-{}-{n}", std::process::id());
        let dir = std::env::temp_dir().join(&name);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir");
        let ns = Netns { name, dir };
        ip(&["netns", "add", &ns.name]);
        let n = ns.name.as_str();
        ip(&["-n", n, "link", "set", "lo", "up"]);
        ip(&[
            "-n", n, "link", "add", "v0", "type", "veth", "peer", "name", "v1",
        ]);
        ip(&["-n", n, "link", "set", "v0", "up"]);
        ip(&["-n", n, "link", "set", "v1", "up"]);
        ip(&["-n", n, "addr", "add", "192.0.2.1/24", "dev", "v0"]);
        ns
    }

    fn path(&self, f: &str) -> PathBuf {
        self.dir.join(f)
    }

    fn write_config(&self, text: &str) -> PathBuf {
        let p = self.path("k.conf");
        fs::write(&p, text).expect("config");
        p
    }

    /// `kad` inside the namespace with pid files in the temp dir, console logging and no
    /// syslog, plus `extra` arguments; stderr goes to `stderr.log`.
    fn kad(&self, extra: &[&str]) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, KAD])
            .arg("-f")
            .arg(self.path("k.conf"))
            .arg("-p")
            .arg(self.path("k.pid"))
            .arg("-r")
            .arg(self.path("v.pid"))
            .arg("-c")
            .arg(self.path("c.pid"))
            .args(["-G", "-l"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(self.path("stderr.log")).expect("log"));
        c
    }

    fn start(&self, extra: &[&str]) -> Child {
        let mut args = vec!["-n"];
        args.extend_from_slice(extra);
        self.kad(&args).spawn().expect("spawn kad")
    }

    fn log(&self) -> String {
        fs::read_to_string(self.path("stderr.log")).unwrap_or_default()
    }

    fn pids_inside(&self) -> Vec<i32> {
        let out = run(Command::new("ip").args(["netns", "pids", &self.name]));
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Only processes this test started run in its namespace.
        for pid in self.pids_inside() {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        let _ = run(Command::new("ip").args(["netns", "del", &self.name]));
        let _ = fs::remove_dir_all(&self.dir);
    }
}

const VRRP: &str = "global_defs {\n  router_id kadd\n}\n\
vrrp_instance VI_1 {\n  interface v0\n  state BACKUP\n  virtual_router_id 51\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    192.0.2.100/24\n  }\n}\n";

fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + BOUND;
    while Instant::now() < end {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

fn read_pid(p: &Path) -> Option<i32> {
    fs::read_to_string(p).ok()?.trim().parse().ok()
}

fn alive(pid: i32) -> bool {
    // A zombie still answers kill(0); look at its state too.
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s
            .rsplit(')')
            .next()
            .is_some_and(|r| r.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

fn ppid(pid: i32) -> Option<i32> {
    let s = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    s.rsplit(')')
        .next()?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn wait_exit(child: &mut Child) -> i32 {
    let end = Instant::now() + BOUND;
    while Instant::now() < end {
        if let Some(st) = child.try_wait().expect("wait") {
            return st.code().unwrap_or(-1);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("kad did not exit");
}

/// Parent and VRRP child are up: both pid files name live processes, the child's parent
/// is the parent.
fn wait_up(ns: &Netns) -> (i32, i32) {
    let (mut parent, mut child) = (0, 0);
    wait_for("pid files", || {
        match (read_pid(&ns.path("k.pid")), read_pid(&ns.path("v.pid"))) {
            (Some(p), Some(c)) if alive(p) && alive(c) && ppid(c) == Some(p) => {
                (parent, child) = (p, c);
                true
            }
            _ => false,
        }
    });
    (parent, child)
}

#[test]
fn foreground_pid_files_and_sigterm() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    let mut kad = ns.start(&[]);
    let (parent, child) = wait_up(&ns);
    // `ip netns exec` execs kad, so the foreground parent is the process we started.
    assert_eq!(parent, kad.id() as i32);
    assert_eq!(
        fs::read_to_string(ns.path("k.pid")).unwrap(),
        format!("{parent}\n")
    );
    assert!(
        !ns.path("c.pid").exists(),
        "no checker without virtual_server"
    );
    wait_for("startup logged", || {
        ns.log().contains("Starting VRRP child process, pid=")
    });

    let t = Instant::now();
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
    assert!(
        t.elapsed() < Duration::from_secs(15),
        "stop took {:?}",
        t.elapsed()
    );
    wait_for("child gone", || !alive(child));
    assert!(!ns.path("k.pid").exists());
    assert!(!ns.path("v.pid").exists());
    let log = ns.log();
    for line in [
        "Starting Keepalived v2.2.7 (kad v",
        "Command line: '",
        "Configuration file ",
        &format!("Starting VRRP child process, pid={child}"),
        "Stopping",
        "Stopped Keepalived v2.2.7 (kad v",
    ] {
        assert!(log.contains(line), "missing {line:?} in:\n{log}");
    }
    // Console lines carry keepalived's `%c` timestamp: "Sat Nov 21 22:42:47 2026: ".
    let first = log.lines().next().unwrap();
    let (stamp, _) = first.split_once(": ").unwrap();
    assert_eq!(stamp.len(), "Sat Nov 21 22:42:47 2026".len(), "{first}");
}

#[test]
fn second_start_is_refused_while_first_runs() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    let mut first = ns.start(&[]);
    let (parent, child) = wait_up(&ns);
    // The second instance logs to its own file so the first one's log stays readable.
    let second_log = ns.path("second.log");
    let out = ns
        .kad(&["-n"])
        .stderr(fs::File::create(&second_log).unwrap())
        .status()
        .unwrap();
    // keepalived 2.2.7 exits 0 here ("daemon is already running" is not an error).
    assert_eq!(out.code(), Some(0));
    assert!(fs::read_to_string(&second_log)
        .unwrap()
        .contains("daemon is already running"));
    assert_eq!(read_pid(&ns.path("k.pid")), Some(parent));
    assert_eq!(read_pid(&ns.path("v.pid")), Some(child));
    assert!(alive(parent) && alive(child));
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut first), 0);
}

#[test]
fn stale_pid_file_is_removed() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    fs::write(ns.path("k.pid"), "2147483647\n").unwrap();
    let mut kad = ns.start(&[]);
    let (parent, _) = wait_up(&ns);
    assert!(ns.log().contains("Remove a zombie pid file"));
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
}

#[test]
fn daemonises_without_n() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    let mut starter = ns.kad(&[]).spawn().unwrap();
    let starter_pid = starter.id() as i32;
    assert_eq!(wait_exit(&mut starter), 0);
    let (parent, child) = wait_up(&ns);
    assert_ne!(parent, starter_pid);
    // A session of its own, in /, detached from our stderr.
    let stat = fs::read_to_string(format!("/proc/{parent}/stat")).unwrap();
    let session: i32 = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(session, parent);
    assert_eq!(
        fs::read_link(format!("/proc/{parent}/cwd")).unwrap(),
        PathBuf::from("/")
    );
    assert_eq!(
        fs::read_link(format!("/proc/{parent}/fd/2")).unwrap(),
        PathBuf::from("/dev/null")
    );
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    wait_for("daemon gone", || !alive(parent) && !alive(child));
    wait_for("pid files removed", || {
        !ns.path("k.pid").exists() && !ns.path("v.pid").exists()
    });
}

#[test]
fn killed_child_is_respawned() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    let mut kad = ns.start(&[]);
    let (parent, child) = wait_up(&ns);
    kill(Pid::from_raw(child), Signal::SIGKILL).unwrap();
    let mut respawned = 0;
    wait_for("a new VRRP child", || match read_pid(&ns.path("v.pid")) {
        Some(c) if c != child && alive(c) && ppid(c) == Some(parent) => {
            respawned = c;
            true
        }
        _ => false,
    });
    let log = ns.log();
    assert!(
        log.contains(&format!(
            "pid {child} exited due to signal 9 (Killed) - has rlimit_rttime been exceeded?"
        )),
        "{log}"
    );
    assert!(log.contains(&format!("VRRP child process({child}) died: Respawning")));
    assert!(log.contains("Restart of VRRP process delayed 0 seconds to limit respawn rate"));
    assert!(log.contains(&format!("Starting VRRP child process, pid={respawned}")));
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
    wait_for("respawned child gone", || !alive(respawned));
}

#[test]
fn dont_respawn_stops_everything() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    let mut kad = ns.start(&["-R"]);
    let (_, child) = wait_up(&ns);
    kill(Pid::from_raw(child), Signal::SIGKILL).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
    assert!(!ns.path("k.pid").exists());
    let log = ns.log();
    assert!(
        log.contains(&format!("VRRP child process({child}) died: Exiting")),
        "{log}"
    );
    assert!(!log.contains("Respawning"));
    assert!(log.contains("Stopped Keepalived v2.2.7 (kad v"));
}

#[test]
fn parent_death_stops_the_child() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    let mut kad = ns.start(&[]);
    let (parent, child) = wait_up(&ns);
    kill(Pid::from_raw(parent), Signal::SIGKILL).unwrap();
    let _ = wait_exit(&mut kad);
    // PR_SET_PDEATHSIG delivers SIGTERM to the child.
    wait_for("orphaned child gone", || !alive(child));
}

#[test]
fn sighup_with_broken_config_keeps_everything_running() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    let mut kad = ns.start(&[]);
    let (parent, child) = wait_up(&ns);
    ns.write_config("vrrp_instance VI_1 {\n  interface v0\n  virtual_router_id 300\n  priority\n  bogus_keyword {\n");
    kill(Pid::from_raw(parent), Signal::SIGHUP).unwrap();
    wait_for("reload logged", || ns.log().contains("Reloading ..."));
    // Give the child time to read the broken file and (wrongly) act on it.
    std::thread::sleep(Duration::from_secs(3));
    assert!(alive(parent) && alive(child), "{}", ns.log());
    assert_eq!(read_pid(&ns.path("v.pid")), Some(child));
    // Once fixed, a reload still works and the same child carries on.
    ns.write_config(VRRP);
    kill(Pid::from_raw(parent), Signal::SIGHUP).unwrap();
    std::thread::sleep(Duration::from_secs(1));
    assert!(alive(child));
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
}

#[test]
fn missing_config_exits_6() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    let out = ns.kad(&["-n"]).status().unwrap();
    assert_eq!(out.code(), Some(6));
    let log = ns.log();
    assert!(
        log.contains(&format!(
            "Config files missing '{}'.",
            ns.path("k.conf").display()
        )),
        "{log}"
    );
    assert!(log.contains("Stopped Keepalived v2.2.7 (kad v"));
    assert!(!ns.path("k.pid").exists());
}

#[test]
fn nothing_to_run_stays_up() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config("global_defs {\n  router_id kadd\n}\n");
    let mut kad = ns.start(&[]);
    wait_for("warning", || {
        ns.log()
            .contains("Warning - keepalived has no configuration to run")
    });
    assert!(kad.try_wait().unwrap().is_none());
    assert!(!ns.path("v.pid").exists());
    kill(Pid::from_raw(kad.id() as i32), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
}

#[test]
fn log_files_per_process() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    let file = ns.path("kad.log");
    let arg = format!("-g{}", file.display());
    let mut kad = ns.start(&[&arg, "--flush-log-file"]);
    let (parent, _) = wait_up(&ns);
    wait_for("child log file", || {
        fs::read_to_string(ns.path("kad_vrrp.log")).is_ok_and(|s| !s.is_empty())
    });
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains("Starting Keepalived v2.2.7 (kad v"), "{text}");
    assert!(text.contains("Stopped Keepalived v2.2.7 (kad v"), "{text}");
    // "Sat Nov 21 22:42:47.123456789 2026: Starting Keepalived v2.2.7 (kad v..."
    let (stamp, _) = text.lines().next().unwrap().split_once(": ").unwrap();
    assert_eq!(stamp.len(), "Sat Nov 21 22:42:47.123456789 2026".len());
}

#[test]
fn namespace_option_moves_the_tree_into_the_namespace() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    // Started in our own namespace; `-s` moves kad (and so its children) into the test's.
    let mut kad = Command::new(KAD)
        .arg("-f")
        .arg(ns.path("k.conf"))
        .arg("-p")
        .arg(ns.path("k.pid"))
        .arg("-r")
        .arg(ns.path("v.pid"))
        .arg("-c")
        .arg(ns.path("c.pid"))
        .args(["-G", "-l", "-n", "-s", &ns.name])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(ns.path("stderr.log")).unwrap())
        .spawn()
        .unwrap();
    let (parent, child) = wait_up(&ns);
    let target = fs::metadata(format!("/run/netns/{}", ns.name)).unwrap();
    for pid in [parent, child] {
        let mine = fs::metadata(format!("/proc/{pid}/ns/net")).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(mine.ino(), target.ino(), "pid {pid} not in {}", ns.name);
    }
    assert!(ns
        .log()
        .contains(&format!("Changing syslog ident to Keepalived_{}", ns.name)));
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
}

#[test]
fn tells_systemd_ready_reloading_and_stopping() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    let sock_path = ns.path("notify.sock");
    let sock = std::os::unix::net::UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(BOUND)).unwrap();
    let mut kad = ns
        .kad(&["-n"])
        .env("NOTIFY_SOCKET", &sock_path)
        .spawn()
        .unwrap();
    let mut buf = [0u8; 256];
    let mut next = || {
        let n = sock.recv(&mut buf).expect("a notification");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    };
    // READY=1 once the VRRP child has read its configuration (or the parent stopped
    // waiting for it to say so).
    assert_eq!(next(), format!("READY=1\nMAINPID={}", kad.id()));
    assert!(ns.log().contains("Startup complete"));
    let (parent, child) = wait_up(&ns);
    // The child does not inherit the socket.
    let env = fs::read(format!("/proc/{child}/environ")).unwrap();
    assert!(!String::from_utf8_lossy(&env).contains("NOTIFY_SOCKET"));
    kill(Pid::from_raw(parent), Signal::SIGHUP).unwrap();
    assert_eq!(next(), "RELOADING=1");
    assert_eq!(next(), format!("READY=1\nMAINPID={}", kad.id()));
    assert!(ns.log().contains("Reload complete"));
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(next(), "STOPPING=1");
    assert_eq!(wait_exit(&mut kad), 0);
}

#[test]
fn startup_script_runs_before_the_children_and_shutdown_script_at_the_end() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    let script = |name: &str, body: &str| {
        use std::os::unix::fs::PermissionsExt;
        let p = ns.path(name);
        fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        p
    };
    let up = ns.path("up.marker");
    let down = ns.path("down.marker");
    let start = script("start.sh", &format!("sleep 1; echo up > {}", up.display()));
    let stop = script(
        "stop.sh",
        &format!("echo down > {}; exit 3", down.display()),
    );
    ns.write_config(&format!(
        "global_defs {{\n  startup_script {}\n  shutdown_script {}\n}}\n{VRRP}",
        start.display(),
        stop.display()
    ));
    let mut kad = ns.start(&[]);
    let (parent, _) = wait_up(&ns);
    // The VRRP child only starts once the startup script has finished.
    assert!(up.exists(), "{}", ns.log());
    assert!(!down.exists());
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
    assert!(down.exists());
    let log = ns.log();
    assert!(
        log.contains("shutdown script script failed, status 3"),
        "{log}"
    );
    assert!(
        log.contains("SECURITY VIOLATION - start/shutdown scripts"),
        "{log}"
    );
}

#[test]
fn process_names_from_global_defs() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(&format!(
        "global_defs {{\n  process_name kadparent\n  vrrp_process_name kadvrrp\n}}\n{VRRP}"
    ));
    let mut kad = ns.start(&[]);
    let (parent, child) = wait_up(&ns);
    let comm = |pid: i32| {
        fs::read_to_string(format!("/proc/{pid}/comm"))
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    assert_eq!(comm(parent), "kadparent");
    wait_for("child renamed", || comm(child) == "kadvrrp");
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
}

#[test]
fn core_dump_option_lifts_the_core_limit_for_the_tree() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    let mut kad = ns.start(&["-m"]);
    let (parent, child) = wait_up(&ns);
    for pid in [parent, child] {
        let limits = fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
        let core = limits
            .lines()
            .find(|l| l.starts_with("Max core file size"))
            .unwrap();
        assert!(core.contains("unlimited"), "{core}");
    }
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
}

#[test]
fn reload_check_config_rejects_a_broken_config() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    let check_log = ns.path("check.log");
    let good = format!(
        "global_defs {{\n  reload_check_config {}\n}}\n{VRRP}",
        check_log.display()
    );
    ns.write_config(&good);
    let mut kad = ns.start(&[]);
    let (parent, child) = wait_up(&ns);
    ns.write_config(&format!(
        "{good}vrrp_instance VI_2 {{\n  virtual_router_id 999\n}}\n"
    ));
    kill(Pid::from_raw(parent), Signal::SIGHUP).unwrap();
    wait_for("validation failure", || {
        ns.log().contains(&format!(
            "New config failed validation, see {} for details",
            check_log.display()
        ))
    });
    assert!(fs::read_to_string(&check_log).unwrap().contains("error"));
    assert!(alive(child));
    // Not forwarded: the VRRP child never started a reload.
    std::thread::sleep(Duration::from_millis(500));
    assert!(!ns.log().contains("\nReloading\n") && !ns.log().contains(": Reloading\n"));
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
}

#[test]
fn reload_starts_a_child_that_now_has_work() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config("global_defs {\n  router_id kadd\n}\n");
    let mut kad = ns.start(&[]);
    wait_for("warning", || {
        ns.log()
            .contains("Warning - keepalived has no configuration to run")
    });
    ns.write_config(VRRP);
    kill(Pid::from_raw(kad.id() as i32), Signal::SIGHUP).unwrap();
    let (parent, _) = wait_up(&ns);
    assert_eq!(parent, kad.id() as i32);
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
}

#[test]
fn daemon_with_a_relative_config_path_runs_vrrp() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    // `-f k.conf` relative to where kad was started; the daemon and its children run in /.
    let mut starter = Command::new("ip");
    starter
        .args(["netns", "exec", &ns.name, KAD, "-f", "k.conf"])
        .arg("-p")
        .arg(ns.path("k.pid"))
        .arg("-r")
        .arg(ns.path("v.pid"))
        .arg("-c")
        .arg(ns.path("c.pid"))
        .arg("-G")
        .current_dir(&ns.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut starter = starter.spawn().unwrap();
    assert_eq!(wait_exit(&mut starter), 0);
    let (parent, _) = wait_up(&ns);
    // The only VRRP router on its LAN becomes master and adds the VIP.
    wait_for("the VIP", || {
        let out = run(Command::new("ip").args(["-n", &ns.name, "-4", "addr", "show", "v0"]));
        String::from_utf8_lossy(&out.stdout).contains("192.0.2.100/24")
    });
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    wait_for("daemon gone", || !alive(parent));
}

#[test]
fn dump_and_stats_clear_signals_do_not_stop_the_parent() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    ns.write_config(VRRP);
    // The dumps go to $TMPDIR (keepalived's set_tmp_dir), here the test's own directory.
    let mut kad = ns
        .kad(&["-n"])
        .env("TMPDIR", &ns.dir)
        .spawn()
        .expect("spawn kad");
    let (parent, child) = wait_up(&ns);
    // keepalived --signum: STATS_CLEAR = SIGRTMAX-1, JSON = SIGRTMIN+2, DATA, STATS.
    let rt = |n: i32| {
        Command::new("kill")
            .args(["-s", &n.to_string(), &parent.to_string()])
            .status()
            .unwrap()
    };
    assert!(rt(libc::SIGRTMAX() - 1).success());
    assert!(rt(libc::SIGRTMIN() + 2).success());
    kill(Pid::from_raw(parent), Signal::SIGUSR1).unwrap();
    kill(Pid::from_raw(parent), Signal::SIGUSR2).unwrap();
    wait_for("parent data line", || {
        ns.log().contains(&format!(
            "Printing parent data for process({parent}) on signal"
        ))
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(alive(parent) && alive(child), "{}", ns.log());
    // keepalived_parent.data holds the parent's global definitions, as keepalived's does.
    wait_for("keepalived_parent.data", || {
        fs::read_to_string(ns.path("keepalived_parent.data"))
            .is_ok_and(|t| t.starts_with("------< Global definitions >------\n"))
    });
    wait_for("keepalived.data", || ns.path("keepalived.data").exists());
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
}

/// The files kad writes where another user could plant something first (the dumps in $TMPDIR,
/// the log file, the notify FIFO: keepalived's CVE-2018-19044/19045/19046) are never written
/// through a symlink, and a regular file planted at the FIFO's path is never written to.
#[test]
fn planted_symlinks_and_files_are_never_written_through() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    let victim = ns.path("victim");
    fs::write(&victim, "victim\n").unwrap();
    for name in [
        "keepalived.data",
        "keepalived.stats",
        "keepalived.json",
        "keepalived_parent.data",
        "kad.log",
    ] {
        std::os::unix::fs::symlink(&victim, ns.path(name)).unwrap();
    }
    let planted = ns.path("state.fifo");
    fs::write(&planted, "planted\n").unwrap();
    ns.write_config(&VRRP.replace(
        "router_id kadd\n",
        &format!("router_id kadd\n  vrrp_notify_fifo {}\n", planted.display()),
    ));
    let log_arg = format!("--log-file={}", ns.path("kad.log").display());
    let mut kad = ns
        .kad(&["-n", &log_arg])
        .env("TMPDIR", &ns.dir)
        .spawn()
        .expect("spawn kad");
    let (parent, _) = wait_up(&ns);
    wait_for("the instance's first state", || {
        ns.log().contains("Entering BACKUP STATE")
    });
    let json = libc::SIGRTMIN() + 2;
    for sig in [libc::SIGUSR1, libc::SIGUSR2, json] {
        assert!(Command::new("kill")
            .args(["-s", &sig.to_string(), &parent.to_string()])
            .status()
            .unwrap()
            .success());
        std::thread::sleep(Duration::from_millis(300));
    }
    wait_for("the dumps", || {
        ["keepalived.data", "keepalived.stats", "keepalived.json"]
            .iter()
            .all(|f| fs::symlink_metadata(ns.path(f)).is_ok_and(|m| m.is_file()))
    });
    kill(Pid::from_raw(parent), Signal::SIGTERM).unwrap();
    assert_eq!(wait_exit(&mut kad), 0);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "victim\n");
    assert_eq!(fs::read_to_string(&planted).unwrap(), "planted\n");
    let log = ns.log();
    assert!(
        log.contains(&format!(
            "notify fifo {} exists and is not a FIFO - ignoring",
            planted.display()
        )),
        "{log}"
    );
    // The log file was not opened through its symlink either.
    assert!(
        fs::symlink_metadata(ns.path("kad.log")).is_ok_and(|m| m.file_type().is_symlink()),
        "kad.log replaced"
    );
}

/// A pid file path that is a symlink is never written through: the daemon does not start.
#[test]
fn a_symlinked_pid_file_is_refused() {
    if !root() {
        return;
    }
    let ns = Netns::new();
    let victim = ns.path("victim");
    fs::write(&victim, "victim\n").unwrap();
    std::os::unix::fs::symlink(&victim, ns.path("k.pid")).unwrap();
    ns.write_config(VRRP);
    let mut kad = ns.start(&[]);
    let _ = wait_exit(&mut kad);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "victim\n");
    // Refused either by the "already running" check, which cannot read a pid there, or by
    // the O_NOFOLLOW open; in both cases nothing starts.
    let log = ns.log();
    assert!(!log.contains("Starting VRRP child"), "{log}");
}
