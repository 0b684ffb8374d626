//! What the checker end-to-end suites (`checker_e2e.rs`, `checker_hostile.rs`) share: a
//! network namespace with addresses on its loopback, processes killed on drop, and kad's
//! checker child (`KAD_CHILD=checker kad -n -l -C -f CONF`) with its log.
// Each test binary uses a different subset.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const HEAD: &str = "global_defs {\n  router_id kadtest\n}\n";

pub static SEQ: AtomicUsize = AtomicUsize::new(0);

/// What a loaded 2-core machine (shared by other builds) may add to a checker's timing.
pub const SLACK: Duration = Duration::from_secs(5);

/// The longest any awaited log line may take: every configuration in these suites checks
/// with delay_loop 1, retry 0 and connect_timeout at most 3 s, so an outcome follows the
/// change that causes it within the next check's start (warmup or delay_loop, 1 s) plus
/// connect_timeout (3 s), plus [`SLACK`].
pub const WAIT: Duration = Duration::from_secs(4).saturating_add(SLACK);

/// How long a helper server (python3, dnsmasq) may take to start, hashing up to 1 GiB of
/// body first: not kad's timing, only a bound against a hang.
pub const SERVER_WAIT: Duration = Duration::from_secs(60);

/// `theory` (a figure the configuration implies) plus [`SLACK`].
pub fn bound(theory: Duration) -> Duration {
    theory + SLACK
}

pub fn quiet(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A network namespace with `lo` up and the given addresses on it.
pub struct Netns {
    pub name: String,
    pub dir: PathBuf,
}

impl Netns {
    pub fn new(addrs: &[&str]) -> Option<Netns> {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let name = format!("kadck-{}-{n}", std::process::id());
        if !quiet(Command::new("ip").args(["netns", "add", &name])) {
            kad_skip::skip("`ip netns add` failed (not root?)");
            return None;
        }
        let dir = std::env::temp_dir().join(&name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ns = Netns { name, dir };
        assert!(ns.ip(&["link", "set", "lo", "up"]));
        for a in addrs {
            let dev_addr = if a.contains(':') {
                format!("{a}/128")
            } else {
                format!("{a}/32")
            };
            assert!(ns.ip(&["addr", "add", &dev_addr, "dev", "lo"]), "{a}");
        }
        Some(ns)
    }

    pub fn ip(&self, args: &[&str]) -> bool {
        quiet(Command::new("ip").args(["-n", &self.name]).args(args))
    }

    pub fn cmd(&self, prog: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, prog]);
        c
    }

    /// Start a long-running program in the namespace.
    pub fn spawn(&self, prog: &str, args: &[&str]) -> Proc {
        let child = self
            .cmd(prog)
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        Proc(Some(child))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        quiet(Command::new("ip").args(["netns", "del", &self.name]));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A process killed when dropped.
pub struct Proc(pub Option<Child>);

impl Proc {
    pub fn stop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

/// kad's checker child, with its log collected line by line.
pub struct Kad {
    pub child: Option<Child>,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Kad {
    pub fn start(ns: &Netns, conf: &Path) -> Kad {
        Kad::start_with(ns, conf, &[])
    }

    pub fn start_with(ns: &Netns, conf: &Path, extra: &[&str]) -> Kad {
        let mut child = ns
            .cmd(env!("CARGO_BIN_EXE_kad"))
            .args(["-n", "-l", "-C"])
            .args(extra)
            .arg("-f")
            .arg(conf)
            .env("KAD_CHILD", "checker")
            .env("TMPDIR", &ns.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kad");
        let log = Arc::new(Mutex::new(Vec::new()));
        for stream in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(line);
                }
            });
        }
        Kad {
            child: Some(child),
            log,
        }
    }

    pub fn dump(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    pub fn count(&self, needle: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// `ip netns exec` execs kad in place, so this is kad's pid.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Wait until the log holds `n` lines containing `needle`; returns the time waited.
    pub fn wait_n(&self, needle: &str, n: usize) -> Duration {
        self.wait_n_within(needle, n, WAIT)
    }

    /// As [`Kad::wait_n`], for a line whose configuration implies more than [`WAIT`]:
    /// within `limit`.
    pub fn wait_n_within(&self, needle: &str, n: usize, limit: Duration) -> Duration {
        let start = Instant::now();
        while start.elapsed() < limit {
            if self.count(needle) >= n {
                return start.elapsed();
            }
            self.assert_alive();
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("no {n}x {needle:?} in kad's log:\n{}", self.dump());
    }

    pub fn wait(&self, needle: &str) -> Duration {
        self.wait_n(needle, 1)
    }

    /// kad must never die on what servers send.
    pub fn assert_alive(&self) {
        let pid = self.pid();
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = state.rsplit(')').next().unwrap_or("").trim_start();
        assert!(
            !state.is_empty() && !state.starts_with('Z'),
            "kad exited:\n{}",
            self.dump()
        );
    }

    pub fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        // `ip netns exec` execs kad in place, so the pid is kad's.
        assert!(quiet(Command::new("kill").args(["-s", sig, &pid])));
    }

    /// SIGTERM and wait for the exit; returns the exit code.
    pub fn stop(&mut self) -> Option<i32> {
        let mut c = self.child.take()?;
        let pid = c.id().to_string();
        quiet(Command::new("kill").args(["-s", "TERM", &pid]));
        let end = Instant::now() + WAIT;
        while Instant::now() < end {
            if let Ok(Some(st)) = c.try_wait() {
                return st.code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = c.kill();
        let _ = c.wait();
        None
    }
}

impl Drop for Kad {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A TCP listener that accepts and closes, in the namespace.
pub fn tcp_listener(ns: &Netns, addr: &str, port: u16) -> Proc {
    let code = format!(
        "import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n\
         s.bind(('{addr}',{port}))\ns.listen(64)\nwhile True:\n    c,_=s.accept()\n    c.close()\n"
    );
    ns.spawn("python3", &["-c", &code])
}

/// The resident memory of a process, in KiB (0 once it is gone).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
