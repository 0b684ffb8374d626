//! A VRRP router in a host namespace: `kad` or Debian's `keepalived`, started with the same
//! command line and a generated `keepalived.conf`, killed (its whole process tree) on drop.

use std::fmt::Write as _;
use std::fs::File;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::netns::{Host, DEV};

/// Which implementation a router runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// This crate's binary.
    Kad,
    /// Debian's keepalived 2.2.7.
    Keepalived,
    /// kad-examples' `appliance`: kad's library without a keepalived.conf, started with
    /// its own arguments ([`Router::start_args`]).
    #[allow(dead_code)] // only kad-examples' tests/appliance.rs runs it
    Appliance,
}

/// Environment variable naming another program to run in place of kad: set it to
/// `/usr/sbin/keepalived` to run every scenario against keepalived as the reference, which
/// is how the harness itself is checked.
pub const KAD_BIN_ENV: &str = "KAD_E2E_KAD_BIN";

impl Kind {
    /// The program to run.
    pub fn program(self) -> String {
        match self {
            // Only kad's own tests know where cargo put its binary.
            Kind::Kad => std::env::var(KAD_BIN_ENV)
                .unwrap_or_else(|_| option_env!("CARGO_BIN_EXE_kad").unwrap_or("kad").to_owned()),
            Kind::Keepalived => kad_skip::find_program("keepalived").map_or_else(
                || "keepalived".to_owned(),
                |p| p.to_string_lossy().into_owned(),
            ),
            // Cargo builds a package's examples with its tests, beside them:
            // target/<profile>/deps/TEST → target/<profile>/examples/appliance.
            Kind::Appliance => std::env::current_exe()
                .ok()
                .and_then(|t| Some(t.parent()?.parent()?.join("examples/appliance")))
                .map_or_else(String::new, |p| p.to_string_lossy().into_owned()),
        }
    }

    /// Whether the program exists here (keepalived may not be installed); skips the test
    /// ([`kad_skip::skip`]: a failure under `CI=true`) when not.
    pub fn available(self) -> bool {
        let prog = self.program();
        let ok = Path::new(&prog).is_file();
        if !ok {
            kad_skip::skip(format!("{prog} not installed"));
        }
        ok
    }
}

/// One `vrrp_instance` block.
#[derive(Debug, Clone)]
pub struct Instance {
    /// Instance name (`VI_1`).
    pub name: String,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// `priority`.
    pub priority: u8,
    /// `state MASTER` rather than BACKUP.
    pub master: bool,
    /// `version` (2 or 3).
    pub version: u8,
    /// `advert_int` as written.
    pub advert_int: String,
    /// `virtual_ipaddress` entries (`192.0.2.100/32`).
    pub vips: Vec<String>,
    /// `authentication { auth_type PASS auth_pass … }`.
    pub auth_pass: Option<String>,
    /// `unicast_src_ip` and `unicast_peer { … }`.
    pub unicast: Option<(IpAddr, Vec<IpAddr>)>,
    /// `use_vmac`.
    pub use_vmac: bool,
    /// `track_script { … }` entries.
    pub track_scripts: Vec<String>,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `native_ipv6` (an IPv6-only instance).
    pub native_ipv6: bool,
    /// More lines for the block, verbatim (`notify …`).
    pub extra: String,
}

impl Instance {
    /// `VI_<vrid>`, version 2, advert_int 1, BACKUP, one VIP.
    pub fn new(vrid: u8, priority: u8, vip: &str) -> Instance {
        Instance {
            name: format!("VI_{vrid}"),
            vrid,
            priority,
            master: false,
            version: 2,
            advert_int: "1".to_owned(),
            vips: vec![vip.to_owned()],
            auth_pass: None,
            unicast: None,
            use_vmac: false,
            track_scripts: Vec::new(),
            nopreempt: false,
            native_ipv6: false,
            extra: String::new(),
        }
    }

    /// Sets `version`.
    pub fn version(mut self, v: u8) -> Instance {
        self.version = v;
        self
    }

    /// Sets `state MASTER`.
    pub fn master(mut self) -> Instance {
        self.master = true;
        self
    }

    /// Sets `advert_int`.
    pub fn advert_int(mut self, a: &str) -> Instance {
        a.clone_into(&mut self.advert_int);
        self
    }

    /// Renders the block.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "vrrp_instance {} {{", self.name);
        let _ = writeln!(
            s,
            "  state {}",
            if self.master { "MASTER" } else { "BACKUP" }
        );
        let _ = writeln!(s, "  interface {DEV}");
        let _ = writeln!(s, "  virtual_router_id {}", self.vrid);
        let _ = writeln!(s, "  priority {}", self.priority);
        let _ = writeln!(s, "  version {}", self.version);
        let _ = writeln!(s, "  advert_int {}", self.advert_int);
        if self.native_ipv6 {
            s.push_str("  native_ipv6\n");
        }
        if self.nopreempt {
            s.push_str("  nopreempt\n");
        }
        if self.use_vmac {
            s.push_str("  use_vmac\n");
        }
        if let Some(pass) = &self.auth_pass {
            let _ = writeln!(
                s,
                "  authentication {{\n    auth_type PASS\n    auth_pass {pass}\n  }}"
            );
        }
        if let Some((src, peers)) = &self.unicast {
            let _ = writeln!(s, "  unicast_src_ip {src}\n  unicast_peer {{");
            for p in peers {
                let _ = writeln!(s, "    {p}");
            }
            s.push_str("  }\n");
        }
        if !self.track_scripts.is_empty() {
            s.push_str("  track_script {\n");
            for t in &self.track_scripts {
                let _ = writeln!(s, "    {t}");
            }
            s.push_str("  }\n");
        }
        s.push_str(&self.extra);
        s.push_str("  virtual_ipaddress {\n");
        for v in &self.vips {
            let _ = writeln!(s, "    {v}");
        }
        s.push_str("  }\n}\n");
        s
    }
}

/// A whole configuration: `global_defs`, extra top-level text (`vrrp_script` blocks) and
/// instances.
pub fn config(router_id: &str, extra: &str, instances: &[Instance]) -> String {
    let mut s = format!("global_defs {{\n  router_id {router_id}\n}}\n{extra}");
    for i in instances {
        s.push_str(&i.render());
    }
    s
}

/// The command line the harness gives a router whose files live in `dir`: foreground,
/// console log with detail, no syslog, the configuration `dir/keepalived.conf` and every pid
/// file in `dir`. Tests that start kad with extra options append them.
pub fn standard_args(dir: &Path) -> Vec<String> {
    let p = |n: &str| dir.join(n).to_string_lossy().into_owned();
    let mut args: Vec<String> = ["-n", "-l", "-D", "-G", "-f"].map(str::to_owned).to_vec();
    args.push(p("keepalived.conf"));
    for (flag, file) in [
        ("-p", "k.pid"),
        ("-r", "v.pid"),
        ("-c", "c.pid"),
        ("-b", "b.pid"),
    ] {
        args.push(flag.to_owned());
        args.push(p(file));
    }
    args
}

/// A running router, killed with its whole process tree on drop.
#[derive(Debug)]
pub struct Router {
    /// kad or keepalived.
    pub kind: Kind,
    /// Its configuration file (rewrite it and [`Router::reload`]).
    pub conf: PathBuf,
    /// Scratch directory: configuration, pid files, log, scripts.
    pub dir: PathBuf,
    log: PathBuf,
    ns: String,
    child: Option<Child>,
    label: String,
    /// The command line after the program; `None` for keepalived's, built from the paths.
    args: Option<Vec<String>>,
}

impl Router {
    /// Starts `kind` in `host` with configuration `conf`.
    pub fn start(kind: Kind, host: &Host, conf: &str) -> Router {
        Router::start_with(kind, host, conf, None)
    }

    /// Starts `kind` in `host` with `args` as its whole command line (no configuration).
    #[allow(dead_code)] // only kad-examples' tests/appliance.rs uses it
    pub fn start_args(kind: Kind, host: &Host, args: &[String]) -> Router {
        Router::start_with(kind, host, "", Some(args.to_vec()))
    }

    fn start_with(kind: Kind, host: &Host, conf: &str, args: Option<Vec<String>>) -> Router {
        let dir = std::env::temp_dir().join(format!("{}-r", host.name()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("router dir");
        let conf_path = dir.join("keepalived.conf");
        std::fs::write(&conf_path, conf).expect("write conf");
        let mut r = Router {
            kind,
            conf: conf_path,
            log: dir.join("log"),
            dir,
            ns: host.name().to_owned(),
            child: None,
            label: format!("{kind:?} in host {} ({})", host.idx, host.name()),
            args,
        };
        r.spawn();
        r
    }

    fn spawn(&mut self) {
        let out = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log");
        let err = out.try_clone().expect("log");
        let d = &self.dir;
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ns, &self.kind.program()]);
        if let Some(args) = &self.args {
            self.child = Some(
                cmd.args(args)
                    .stdout(out)
                    .stderr(err)
                    .spawn()
                    .expect("spawn"),
            );
            return;
        }
        let child = cmd
            .args(standard_args(d))
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn router");
        self.child = Some(child);
    }

    /// The parent's pid (`ip netns exec` execs the program in place).
    pub fn pid(&self) -> Option<Pid> {
        self.child
            .as_ref()
            .map(|c| Pid::from_raw(i32::try_from(c.id()).expect("pid")))
    }

    /// False once a router that was started has exited (its parent is a zombie or gone);
    /// true for a running one and for one stopped on purpose.
    pub fn alive_or_stopped(&self) -> bool {
        let Some(pid) = self.pid() else { return true };
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().next().map(|st| st != "Z"))
            })
            .unwrap_or(false)
    }

    /// The VRRP child's pid as its `-r` pid file says, if the file exists.
    pub fn vrrp_child(&self) -> Option<Pid> {
        std::fs::read_to_string(self.dir.join("v.pid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .map(Pid::from_raw)
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Length of the log now: pass it to [`Router::log_since`] later.
    pub fn log_mark(&self) -> usize {
        self.log().len()
    }

    /// What it logged after `mark`.
    pub fn log_since(&self, mark: usize) -> String {
        self.log().get(mark..).unwrap_or_default().to_owned()
    }

    /// Waits until its log (after `mark`) contains `needle`.
    pub fn wait_log(&self, mark: usize, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.log_since(mark).contains(needle) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends `sig` to the parent.
    pub fn signal(&self, sig: Signal) {
        let pid = self.pid().expect("router not running");
        kill(pid, sig).expect("kill");
    }

    /// SIGHUP: reload the (rewritten) configuration.
    pub fn reload(&self) {
        self.signal(Signal::SIGHUP);
    }

    /// SIGTERM and waits (up to `timeout`) for the parent to exit; true if it did.
    pub fn stop(&mut self, timeout: Duration) -> bool {
        self.signal(Signal::SIGTERM);
        let deadline = Instant::now() + timeout;
        let child = self.child.as_mut().expect("running");
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                self.child = None;
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL to the parent and every descendant at once (a crash: no priority-0 advert,
    /// addresses left in place).
    pub fn kill(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let root = Pid::from_raw(i32::try_from(child.id()).expect("pid"));
        // Freeze the tree first so that nobody forks or respawns while we collect it.
        let _ = kill(root, Signal::SIGSTOP);
        let mut tree = vec![root];
        let mut i = 0;
        while i < tree.len() {
            for c in children_of(tree[i]) {
                let _ = kill(c, Signal::SIGSTOP);
                tree.push(c);
            }
            i += 1;
        }
        for p in &tree {
            let _ = kill(*p, Signal::SIGKILL);
        }
        let _ = child.wait();
    }

    /// A description for assertion messages: what it is and its log.
    pub fn describe(&self) -> String {
        format!(
            "--- {} log ---\n{}--- end ---",
            self.label,
            tail(&self.log(), 6000)
        )
    }
}

fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

/// Direct children of `pid`, from /proc/*/stat.
pub fn children_of(pid: Pid) -> Vec<Pid> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid …": comm may hold spaces and parentheses.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|s| s.parse::<i32>().ok());
        if ppid == Some(pid.as_raw()) {
            out.push(Pid::from_raw(p));
        }
    }
    out
}

impl Drop for Router {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("{}", self.describe());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
