//! kad's DBus service (`enable_dbus`) against a real `dbus-daemon` that each test starts with
//! a system-bus configuration of its own (socket and configuration in a scratch directory)
//! which includes the policy file kad installs (`packaging/dbus/org.keepalived.Vrrp1.conf`).
//! kad runs in network namespaces the tests build (192.0.2.0/24, 2001:db8::/64) and reaches
//! the bus through `DBUS_SYSTEM_BUS_ADDRESS`.
//!
//! - `gdbus introspect` of kad's objects shows exactly the methods, signals and properties
//!   (with argument types and names) of Debian's keepalived interface files, and the same
//!   output as keepalived 2.2.7 run on the same configuration and bus setup;
//! - a failover against a real keepalived peer emits `VrrpStatusChange` and changes `State`;
//! - the methods do what keepalived's do: the dumps, a GARP round, a reload with
//!   `VrrpReloaded` and new objects; `CreateInstance`/`DestroyInstance` only with
//!   `--dbus-create-instance`;
//! - the policy refuses the methods to a user other than root (CVE-2021-44225) and lets
//!   anyone introspect and read properties;
//! - a stopped `dbus-daemon` (SIGSTOP) delays no advert, reload or stop.
//!
//! They need root, `dbus-daemon`, `gdbus` (libglib2.0-bin), `dbus-monitor`, `setpriv` and
//! keepalived: without them a test prints SKIP and passes, except under `CI=true`, where it
//! fails.

#[allow(dead_code)]
mod e2e;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use e2e::netns::{Host, Lan};
use e2e::router::Kind;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

/// Bound for anything that happens within a few advert intervals, on a loaded machine.
const SETTLE: Duration = Duration::from_secs(20);

const DBUS_DAEMON: &str = "/usr/bin/dbus-daemon";
const DBUS_MONITOR: &str = "/usr/bin/dbus-monitor";
const GDBUS: &str = "/usr/bin/gdbus";
const SETPRIV: &str = "/usr/bin/setpriv";
const INTERFACES: &str = "/usr/share/dbus-1/interfaces";
const SERVICE: &str = "org.keepalived.Vrrp1";
const VRRP_PATH: &str = "/org/keepalived/Vrrp1/Vrrp";
const V4_PATH: &str = "/org/keepalived/Vrrp1/Instance/eth0/51/IPv4";
const V6_PATH: &str = "/org/keepalived/Vrrp1/Instance/eth0/52/IPv6";

/// One test at a time: each owns the service name on its own bus, but the daemons under
/// test share two cores with the rest of the suite.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// SKIP (or, under CI=true, fail) when the test cannot run here.
fn can_run(need_keepalived: bool) -> bool {
    let mut missing = Vec::new();
    if !nix::unistd::geteuid().is_root() {
        missing.push("root".to_owned());
    }
    for tool in [DBUS_DAEMON, DBUS_MONITOR, GDBUS, SETPRIV] {
        if !Path::new(tool).exists() {
            missing.push(tool.to_owned());
        }
    }
    if need_keepalived && !Kind::Keepalived.available() {
        missing.push("keepalived".to_owned());
    }
    if missing.is_empty() {
        return true;
    }
    kad_skip::skip(format!("missing {missing:?}"));
    false
}

/// A system-like bus: its own `dbus-daemon`, configuration and socket; stopped on drop.
struct Bus {
    dir: PathBuf,
    address: String,
    daemon: Child,
}

impl Bus {
    fn start(label: &str) -> Bus {
        let dir = std::env::temp_dir().join(format!("kad-dbus-{}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bus dir");
        // The socket must be reachable for `nobody` too.
        must_ok(Command::new("chmod").arg("755").arg(&dir));
        let socket = dir.join("system_bus_socket");
        let policy = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../packaging/dbus/org.keepalived.Vrrp1.conf");
        let policy = policy.canonicalize().expect("kad's policy file");
        // Debian's /usr/share/dbus-1/system.conf, less what needs a real system (user
        // switch, fork, activation helper, syslog), plus kad's policy.
        let conf = format!(
            r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path={socket}</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"
          send_member="UpdateActivationEnvironment"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"#,
            socket = socket.display(),
            policy = policy.display(),
        );
        let conf_path = dir.join("system.conf");
        std::fs::write(&conf_path, conf).expect("bus configuration");
        let log = File::create(dir.join("dbus-daemon.log")).expect("bus log");
        let daemon = Command::new(DBUS_DAEMON)
            .arg(format!("--config-file={}", conf_path.display()))
            .arg("--nofork")
            .arg("--nopidfile")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn dbus-daemon");
        let bus = Bus {
            address: format!("unix:path={}", socket.display()),
            dir,
            daemon,
        };
        assert!(
            wait_for(Duration::from_secs(10), || socket.exists()),
            "dbus-daemon did not open {}",
            socket.display()
        );
        bus
    }

    /// `gdbus ARGS… --system` on this bus, as root or as `nobody`.
    fn gdbus(&self, args: &[&str], nobody: bool) -> (bool, String) {
        let mut cmd = if nobody {
            let mut c = Command::new(SETPRIV);
            c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", GDBUS]);
            c
        } else {
            Command::new(GDBUS)
        };
        let out = cmd
            .args(args)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &self.address)
            .stdin(Stdio::null())
            .output()
            .expect("run gdbus");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    }

    /// `gdbus introspect` of `path` (its error message if it fails).
    fn introspect(&self, path: &str, xml: bool) -> String {
        let mut args = vec!["introspect", "--system", "-d", SERVICE, "-o", path];
        if xml {
            args.push("--xml");
        }
        self.gdbus(&args, false).1
    }

    /// `gdbus call` of `method` (interface.member) on `path`, as root.
    fn call(&self, path: &str, method: &str, args: &[&str]) -> (bool, String) {
        let mut a = vec!["call", "--system", "-d", SERVICE, "-o", path, "-m", method];
        a.extend_from_slice(args);
        self.gdbus(&a, false)
    }

    fn property(&self, path: &str, name: &str) -> (bool, String) {
        self.call(
            path,
            "org.freedesktop.DBus.Properties.Get",
            &["org.keepalived.Vrrp1.Instance", name],
        )
    }

    /// Whether the service name has an owner.
    fn owned(&self) -> bool {
        let (_, text) = self.gdbus(
            &[
                "call",
                "--system",
                "-d",
                "org.freedesktop.DBus",
                "-o",
                "/org/freedesktop/DBus",
                "-m",
                "org.freedesktop.DBus.NameHasOwner",
                SERVICE,
            ],
            false,
        );
        text.contains("true")
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `dbus-monitor` for every signal of the keepalived interfaces.
struct Monitor {
    out: PathBuf,
    child: Child,
}

impl Monitor {
    fn start(bus: &Bus) -> Monitor {
        let out = bus.dir.join("monitor.txt");
        let f = File::create(&out).expect("monitor output");
        let child = Command::new(DBUS_MONITOR)
            .args(["--system", "type='signal',path_namespace='/org/keepalived'"])
            .env("DBUS_SYSTEM_BUS_ADDRESS", &bus.address)
            .stdout(f)
            .stderr(Stdio::null())
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn dbus-monitor");
        // It has subscribed once it printed its own NameAcquired.
        let m = Monitor { out, child };
        assert!(
            wait_for(Duration::from_secs(10), || !m.text().is_empty()),
            "dbus-monitor did not start"
        );
        m
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.out).unwrap_or_default()
    }

    /// The keepalived signals seen: (path, member, first argument if any).
    fn signals(&self) -> Vec<(String, String, Option<u32>)> {
        let text = self.text();
        let mut out = Vec::new();
        let mut lines = text.lines().peekable();
        while let Some(l) = lines.next() {
            if !l.starts_with("signal ") {
                continue;
            }
            let field = |k: &str| {
                l.split([' ', ';'])
                    .find_map(|w| w.strip_prefix(k))
                    .unwrap_or_default()
                    .to_owned()
            };
            let path = field("path=");
            if !path.starts_with("/org/keepalived/") {
                continue;
            }
            let arg = lines
                .peek()
                .and_then(|n| n.trim().strip_prefix("uint32 "))
                .and_then(|n| n.parse().ok());
            out.push((path, field("member="), arg));
        }
        out
    }

    fn wait_signal(&self, path: &str, member: &str, arg: Option<u32>) -> bool {
        wait_for(SETTLE, || {
            self.signals()
                .iter()
                .any(|(p, m, a)| p == path && m == member && *a == arg)
        })
    }
}

impl Drop for Monitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// kad or keepalived in a namespace, connected to `bus`; its process tree is killed on drop.
struct Daemon {
    dir: PathBuf,
    child: Option<Child>,
}

impl Daemon {
    fn start(kind: Kind, host: &Host, bus: Option<&Bus>, conf: &str, extra: &[&str]) -> Daemon {
        let dir = std::env::temp_dir().join(format!("{}-dbus-{kind:?}", host.name()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("daemon dir");
        std::fs::write(dir.join("keepalived.conf"), conf).expect("configuration");
        let log = File::create(dir.join("log")).expect("log");
        let mut cmd = host.ns.exec(&kind.program());
        cmd.args(["-n", "-l", "-D", "-P", "-f"])
            .arg(dir.join("keepalived.conf"))
            .arg("-p")
            .arg(dir.join("k.pid"))
            .arg("-r")
            .arg(dir.join("v.pid"))
            .args(extra)
            // kad's dumps go to $TMPDIR: this test's directory, not the machine's /tmp.
            .env("TMPDIR", &dir)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::null());
        match bus {
            Some(b) => cmd.env("DBUS_SYSTEM_BUS_ADDRESS", &b.address),
            None => cmd.env_remove("DBUS_SYSTEM_BUS_ADDRESS"),
        };
        let child = cmd.spawn().expect("spawn daemon");
        Daemon {
            dir,
            child: Some(child),
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    fn wait_log(&self, needle: &str) -> bool {
        wait_for(SETTLE, || self.log().contains(needle))
    }

    fn write_conf(&self, conf: &str) {
        std::fs::write(self.dir.join("keepalived.conf"), conf).expect("configuration");
    }

    /// SIGTERM, then waits for the exit.
    fn stop(&mut self) {
        let Some(mut c) = self.child.take() else {
            return;
        };
        let _ = kill(Pid::from_raw(c.id() as i32), Signal::SIGTERM);
        let until = Instant::now() + SETTLE;
        while Instant::now() < until {
            if let Ok(Some(_)) = c.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = c.kill();
        let _ = c.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // The children die with the parent (PR_SET_PDEATHSIG in both programs).
            let _ = c.kill();
            let _ = c.wait();
        }
        // Failed assertions print the log; nothing else needs it afterwards.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn must_ok(cmd: &mut Command) {
    let st = cmd.status().expect("run");
    assert!(st.success(), "{cmd:?} failed");
}

fn wait_for(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + limit;
    loop {
        if ok() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Two instances on `eth0`: VI_4 (VRID 51, IPv4) and VI_6 (VRID 52, IPv6).
fn config(global: &str, priority: u8) -> String {
    format!(
        "global_defs {{\n  router_id dbus\n{global}}}\n\
         vrrp_instance VI_4 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  \
         priority {priority}\n  advert_int 1\n  virtual_ipaddress {{\n    192.0.2.100/24\n  }}\n}}\n\
         vrrp_instance VI_6 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 52\n  \
         priority {priority}\n  advert_int 1\n  virtual_ipaddress {{\n    2001:db8::100/64\n  }}\n}}\n"
    )
}

fn dbus_config() -> String {
    config("  enable_dbus\n", 100)
}

/// One interface of an introspection document: its members as comparable lines
/// (`method PrintData`, `arg in s iname`, `property r s Name`, …), in document order.
fn members(xml: &str, interface: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for tag in xml.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let attr = |name: &str| -> String {
            for quote in ['"', '\''] {
                let key = format!("{name}={quote}");
                if let Some(rest) = tag.split(&key).nth(1) {
                    return rest.split(quote).next().unwrap_or_default().to_owned();
                }
            }
            String::new()
        };
        let word = tag.split_whitespace().next().unwrap_or_default();
        match word {
            "interface" => inside = attr("name") == interface,
            "/interface" => inside = false,
            _ if !inside => {}
            "method" | "signal" => out.push(format!("{word} {}", attr("name"))),
            "arg" => {
                let dir = attr("direction");
                out.push(format!("arg {} {} {}", dir, attr("type"), attr("name")));
            }
            "property" => out.push(format!(
                "property {} {} {}",
                attr("access"),
                attr("type"),
                attr("name")
            )),
            _ => {}
        }
    }
    out
}

/// The block of one interface in `gdbus introspect`'s text output.
fn text_block(text: &str, interface: &str) -> String {
    let head = format!("interface {interface} {{");
    let Some(start) = text.find(&head) else {
        return String::new();
    };
    let rest = &text[start..];
    let end = rest.find("};").map_or(rest.len(), |e| e + 2);
    rest[..end].to_owned()
}

/// The direct children of the introspected node, sorted (GDBus only names them; zbus
/// describes them too, which `gdbus introspect` prints indented deeper).
fn children(text: &str) -> String {
    let mut v: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  node ") && !l.starts_with("   "))
        .collect();
    // Introspection gives children in no particular order (zbus: a hash map's).
    v.sort_unstable();
    v.join("\n")
}

/// `GetAll`'s answer as sorted entries: a dictionary has no order on the wire.
fn entries(text: &str) -> String {
    let inner = text.trim().trim_start_matches("({").trim_end_matches("},)");
    let mut v: Vec<&str> = inner
        .split(">, '")
        .map(|e| e.trim_start_matches('\'').trim_end_matches('>'))
        .collect();
    v.sort_unstable();
    v.join(" | ")
}

/// The interfaces an object has, by name, in `gdbus introspect`'s text output.
fn interface_names(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("interface "))
        .map(|l| l.trim_end_matches(" {").to_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn introspection_matches_keepalived_s_interface_files() {
    let _g = serial();
    if !can_run(true) {
        return;
    }
    let Some(lan) = Lan::new(1) else { return };
    let bus = Bus::start("files");
    let kad = Daemon::start(Kind::Kad, lan.host(1), Some(&bus), &dbus_config(), &[]);
    assert!(
        wait_for(SETTLE, || bus.owned()),
        "kad did not take {SERVICE}:\n{}",
        kad.log()
    );
    for (path, interface, file) in [
        (
            VRRP_PATH,
            "org.keepalived.Vrrp1.Vrrp",
            "org.keepalived.Vrrp1.Vrrp.xml",
        ),
        (
            V4_PATH,
            "org.keepalived.Vrrp1.Instance",
            "org.keepalived.Vrrp1.Instance.xml",
        ),
        (
            V6_PATH,
            "org.keepalived.Vrrp1.Instance",
            "org.keepalived.Vrrp1.Instance.xml",
        ),
    ] {
        let reference = std::fs::read_to_string(Path::new(INTERFACES).join(file))
            .expect("keepalived's interface file");
        let want = members(&reference, interface);
        assert!(!want.is_empty(), "nothing read from {file}");
        let got = members(&bus.introspect(path, true), interface);
        assert_eq!(got, want, "{path}: kad's {interface} differs from {file}");
    }
    // Debian's keepalived is built without --enable-dbus-create-instance.
    let (ok, text) = bus.call(
        VRRP_PATH,
        "org.keepalived.Vrrp1.Vrrp.CreateInstance",
        &["x", "eth0", "9", "4"],
    );
    assert!(!ok && text.contains("UnknownMethod"), "{text}");
}

#[test]
fn introspection_and_properties_match_keepalived_2_2_7() {
    let _g = serial();
    if !can_run(true) {
        return;
    }
    let Some(lan) = Lan::new(1) else { return };
    // The same configuration, run by keepalived then by kad, each on its own bus.
    let mut outputs = Vec::new();
    for kind in [Kind::Keepalived, Kind::Kad] {
        let bus = Bus::start(&format!("{kind:?}"));
        let mut d = Daemon::start(kind, lan.host(1), Some(&bus), &dbus_config(), &[]);
        let master = wait_for(SETTLE, || {
            bus.property(V4_PATH, "State").1.contains("Master")
                && bus.property(V6_PATH, "State").1.contains("Master")
        });
        assert!(master, "{kind:?} did not become master:\n{}", d.log());
        let mut seen = Vec::new();
        for path in [VRRP_PATH, V4_PATH, V6_PATH] {
            let text = bus.introspect(path, false);
            seen.push(format!("{path}: {:?}", interface_names(&text)));
            for i in ["org.keepalived.Vrrp1.Vrrp", "org.keepalived.Vrrp1.Instance"] {
                seen.push(text_block(&text, i));
            }
        }
        for path in [V4_PATH, V6_PATH] {
            for p in ["Name", "State"] {
                seen.push(bus.property(path, p).1);
            }
            let all = bus.call(
                path,
                "org.freedesktop.DBus.Properties.GetAll",
                &["org.keepalived.Vrrp1.Instance"],
            );
            seen.push(entries(&all.1));
        }
        seen.push(children(
            &bus.introspect("/org/keepalived/Vrrp1/Instance/eth0", false),
        ));
        d.stop();
        outputs.push(seen);
    }
    let (keepalived, kad) = (&outputs[0], &outputs[1]);
    for (k, o) in keepalived.iter().zip(kad) {
        assert_eq!(o, k, "kad differs from keepalived 2.2.7");
    }
    assert_eq!(keepalived.len(), kad.len());
    assert!(kad.iter().any(|l| l.contains("<('VI_4',)>")), "{kad:?}");
}

#[test]
fn a_failover_emits_vrrp_status_change() {
    let _g = serial();
    if !can_run(true) {
        return;
    }
    let Some(lan) = Lan::new(2) else { return };
    let bus = Bus::start("failover");
    let monitor = Monitor::start(&bus);
    // keepalived, with the higher priority and no DBus, is master first.
    let peer_conf = config("", 200);
    let mut peer = Daemon::start(Kind::Keepalived, lan.host(2), None, &peer_conf, &[]);
    assert!(
        peer.wait_log("(VI_4) Entering MASTER STATE"),
        "{}",
        peer.log()
    );
    let mut kad = Daemon::start(Kind::Kad, lan.host(1), Some(&bus), &dbus_config(), &[]);
    assert!(
        monitor.wait_signal(VRRP_PATH, "VrrpStarted", None),
        "no VrrpStarted:\n{}\n{}",
        monitor.text(),
        kad.log()
    );
    assert!(monitor.wait_signal(V4_PATH, "VrrpStatusChange", Some(1)));
    assert!(bus
        .property(V4_PATH, "State")
        .1
        .contains("(uint32 1, 'Backup')"));

    // The master goes: kad takes over.
    peer.stop();
    assert!(
        monitor.wait_signal(V4_PATH, "VrrpStatusChange", Some(2)),
        "no VrrpStatusChange(2):\n{}\n{}",
        monitor.text(),
        kad.log()
    );
    assert!(monitor.wait_signal(V6_PATH, "VrrpStatusChange", Some(2)));
    assert!(bus
        .property(V4_PATH, "State")
        .1
        .contains("(uint32 2, 'Master')"));

    // It comes back with its higher priority: kad goes back to Backup.
    let _peer = Daemon::start(Kind::Keepalived, lan.host(2), None, &peer_conf, &[]);
    let back = wait_for(SETTLE, || {
        monitor
            .signals()
            .iter()
            .filter(|(p, m, a)| p == V4_PATH && m == "VrrpStatusChange" && *a == Some(1))
            .count()
            >= 2
    });
    assert!(back, "no second VrrpStatusChange(1):\n{}", monitor.text());

    // Stopping: Stop (98) for each instance, then VrrpStopped, then the name is released.
    kad.stop();
    assert!(monitor.wait_signal(V4_PATH, "VrrpStatusChange", Some(98)));
    assert!(monitor.wait_signal(V6_PATH, "VrrpStatusChange", Some(98)));
    assert!(monitor.wait_signal(VRRP_PATH, "VrrpStopped", None));
    let order: Vec<String> = monitor
        .signals()
        .into_iter()
        .filter(|(_, m, a)| m == "VrrpStopped" || *a == Some(98))
        .map(|(_, m, _)| m)
        .collect();
    assert_eq!(
        order.last().map(String::as_str),
        Some("VrrpStopped"),
        "{order:?}"
    );
    assert!(!bus.owned());
}

#[test]
fn the_methods_do_what_keepalived_s_do() {
    let _g = serial();
    if !can_run(false) {
        return;
    }
    let Some(lan) = Lan::new(1) else { return };
    let bus = Bus::start("methods");
    let monitor = Monitor::start(&bus);
    let kad = Daemon::start(Kind::Kad, lan.host(1), Some(&bus), &dbus_config(), &[]);
    assert!(
        wait_for(SETTLE, || bus
            .property(V4_PATH, "State")
            .1
            .contains("Master")),
        "{}",
        kad.log()
    );
    let vrrp = |m: &str| bus.call(VRRP_PATH, &format!("org.keepalived.Vrrp1.Vrrp.{m}"), &[]);

    // PrintData: the SIGUSR1 dump, written before the call returns.
    let data = kad.dir.join("keepalived.data");
    let (ok, text) = vrrp("PrintData");
    assert!(ok, "{text}");
    assert_eq!(text.trim(), "()");
    let dump = std::fs::read_to_string(&data).expect("PrintData wrote no data file");
    assert!(dump.contains("VRRP Instance = VI_4"), "{dump}");
    assert!(kad.log().contains("Printing VRRP data on DBus request"));

    // PrintStats, then PrintStatsClear: the counters start again from zero.
    let stats = kad.dir.join("keepalived.stats");
    let sent = |text: &str| -> u64 {
        let after = text.split("VRRP Instance: VI_4").nth(1).unwrap_or_default();
        let line = after
            .lines()
            .find(|l| l.trim().starts_with("Sent:"))
            .unwrap_or_default();
        line.trim()
            .trim_start_matches("Sent:")
            .trim()
            .parse()
            .unwrap_or(0)
    };
    std::thread::sleep(Duration::from_secs(3));
    assert!(vrrp("PrintStats").0);
    let before = sent(&std::fs::read_to_string(&stats).expect("stats file"));
    assert!(before >= 2, "adverts sent: {before}");
    assert!(vrrp("PrintStatsClear").0);
    assert!(kad
        .log()
        .contains("Printing and clearing VRRP stats on DBus request"));
    assert!(vrrp("PrintStats").0);
    let after = sent(&std::fs::read_to_string(&stats).expect("stats file"));
    assert!(
        after < before,
        "PrintStatsClear left {after} (was {before})"
    );

    // SendGarp: one round for the master's VIP; an unknown instance is an error.
    let (ok, text) = bus.call(V4_PATH, "org.keepalived.Vrrp1.Instance.SendGarp", &[]);
    assert!(ok, "{text}");
    assert!(kad.wait_log("Sending garps on VI_4 on DBus request"));
    let (ok, _) = bus.call(
        "/org/keepalived/Vrrp1/Instance/eth0/53/IPv4",
        "org.keepalived.Vrrp1.Instance.SendGarp",
        &[],
    );
    assert!(!ok);

    // ReloadConfig: kad reloads (a new instance gets its object, a removed one loses it)
    // and says VrrpReloaded.
    let conf = dbus_config()
        .replace("VI_6", "VI_7")
        .replace("virtual_router_id 52", "virtual_router_id 53");
    kad.write_conf(&conf);
    let (ok, text) = vrrp("ReloadConfig");
    assert!(ok, "{text}");
    assert!(
        monitor.wait_signal(VRRP_PATH, "VrrpReloaded", None),
        "{}",
        kad.log()
    );
    let v7 = "/org/keepalived/Vrrp1/Instance/eth0/53/IPv6";
    assert!(
        wait_for(SETTLE, || bus.property(v7, "Name").1.contains("VI_7")),
        "{}",
        kad.log()
    );
    let (ok, _) = bus.property(V6_PATH, "Name");
    assert!(!ok, "VI_6's object outlived its instance");
    assert!(bus.property(V4_PATH, "State").1.contains("Master"));
}

#[test]
fn create_instance_only_with_the_option() {
    let _g = serial();
    if !can_run(false) {
        return;
    }
    let Some(lan) = Lan::new(1) else { return };
    let bus = Bus::start("create");
    let kad = Daemon::start(
        Kind::Kad,
        lan.host(1),
        Some(&bus),
        &dbus_config(),
        &["--dbus-create-instance"],
    );
    assert!(wait_for(SETTLE, || bus.owned()), "{}", kad.log());
    let methods = members(
        &bus.introspect(VRRP_PATH, true),
        "org.keepalived.Vrrp1.Vrrp",
    );
    let create = [
        "method CreateInstance",
        "arg in s iname",
        "arg in s interface",
        "arg in u vrid",
        "arg in u family",
        "method DestroyInstance",
        "arg in s iname",
    ];
    for line in create {
        assert!(
            methods.iter().any(|m| m == line),
            "{line} missing: {methods:?}"
        );
    }
    let vrrp = |m: &str, args: &[&str]| {
        bus.call(VRRP_PATH, &format!("org.keepalived.Vrrp1.Vrrp.{m}"), args)
    };
    // An object with no instance behind it: there, but its properties fail.
    let (ok, text) = vrrp("CreateInstance", &["extra", "eth9", "9", "4"]);
    assert!(ok, "{text}");
    let extra = "/org/keepalived/Vrrp1/Instance/eth9/9/IPv4";
    assert!(bus
        .introspect(extra, false)
        .contains("org.keepalived.Vrrp1.Instance"));
    let (ok, text) = bus.property(extra, "Name");
    assert!(!ok && text.contains("InvalidArgs"), "{text}");
    assert!(kad.wait_log("Added DBus object for instance extra on path"));
    // Interface names are checked as keepalived does.
    let (ok, text) = vrrp("CreateInstance", &["bad", "", "9", "4"]);
    assert!(
        !ok && text.contains("Interface name empty or too long"),
        "{text}"
    );
    // Destroy: the object goes; an unknown name is an error.
    assert!(vrrp("DestroyInstance", &["extra"]).0);
    assert!(!bus
        .introspect(extra, false)
        .contains("org.keepalived.Vrrp1.Instance"));
    let (ok, text) = vrrp("DestroyInstance", &["nope"]);
    assert!(!ok && text.contains("Instance 'nope' not found"), "{text}");
}

#[test]
fn the_policy_refuses_methods_to_other_users() {
    let _g = serial();
    if !can_run(false) {
        return;
    }
    let Some(lan) = Lan::new(1) else { return };
    let bus = Bus::start("policy");
    let kad = Daemon::start(Kind::Kad, lan.host(1), Some(&bus), &dbus_config(), &[]);
    assert!(
        wait_for(SETTLE, || bus.property(V4_PATH, "Name").0),
        "{}",
        kad.log()
    );
    let as_nobody = |path: &str, method: &str, args: &[&str]| {
        let mut a = vec!["call", "--system", "-d", SERVICE, "-o", path, "-m", method];
        a.extend_from_slice(args);
        bus.gdbus(&a, true)
    };
    // CVE-2021-44225: every method of keepalived's own interfaces is root's.
    for m in ["PrintData", "PrintStats", "PrintStatsClear", "ReloadConfig"] {
        let (ok, text) = as_nobody(VRRP_PATH, &format!("org.keepalived.Vrrp1.Vrrp.{m}"), &[]);
        assert!(
            !ok && text.contains("AccessDenied"),
            "{m} as nobody: {text}"
        );
    }
    let (ok, text) = as_nobody(V4_PATH, "org.keepalived.Vrrp1.Instance.SendGarp", &[]);
    assert!(
        !ok && text.contains("AccessDenied"),
        "SendGarp as nobody: {text}"
    );
    assert!(!kad.log().contains("on DBus request"), "{}", kad.log());
    // Reading stays open to everyone.
    let (ok, text) = as_nobody(
        V4_PATH,
        "org.freedesktop.DBus.Properties.Get",
        &["org.keepalived.Vrrp1.Instance", "Name"],
    );
    assert!(ok && text.contains("VI_4"), "{text}");
    let (ok, text) = as_nobody(
        V4_PATH,
        "org.freedesktop.DBus.Introspectable.Introspect",
        &[],
    );
    assert!(
        ok && text.contains("org.keepalived.Vrrp1.Instance"),
        "{text}"
    );
    let (ok, text) = as_nobody(VRRP_PATH, "org.freedesktop.DBus.Peer.Ping", &[]);
    assert!(ok, "{text}");
}

#[test]
fn a_stopped_bus_delays_no_advert() {
    let _g = serial();
    if !can_run(true) {
        return;
    }
    let Some(lan) = Lan::new(2) else { return };
    let bus = Bus::start("stuck");
    let mut kad = Daemon::start(
        Kind::Kad,
        lan.host(1),
        Some(&bus),
        &config("  enable_dbus\n", 200),
        &[],
    );
    let peer = Daemon::start(Kind::Keepalived, lan.host(2), None, &config("", 100), &[]);
    assert!(
        wait_for(SETTLE, || bus
            .property(V4_PATH, "State")
            .1
            .contains("Master")),
        "{}",
        kad.log()
    );
    assert!(
        peer.wait_log("(VI_4) Entering BACKUP STATE"),
        "{}",
        peer.log()
    );
    // The bus stops answering: kad's DBus thread may block, its VRRP loop must not.
    let bus_pid = Pid::from_raw(bus.daemon.id() as i32);
    kill(bus_pid, Signal::SIGSTOP).expect("SIGSTOP dbus-daemon");
    let kad_pid = Pid::from_raw(kad.child.as_ref().expect("kad").id() as i32);
    kill(kad_pid, Signal::SIGHUP).expect("SIGHUP kad");
    assert!(kad.wait_log("Reload complete"), "{}", kad.log());
    // Longer than the backup's master-down interval (3 × 1 s + skew).
    std::thread::sleep(Duration::from_secs(6));
    assert!(
        !peer.log().contains("(VI_4) Entering MASTER STATE"),
        "kad's adverts stopped while the bus was stopped:\n{}",
        kad.log()
    );
    // Stopping does not wait on the bus for long either (priority 0 advert, VIPs removed).
    let t = Instant::now();
    kad.stop();
    let took = t.elapsed();
    assert!(took < Duration::from_secs(10), "kad took {took:?} to stop");
    assert!(
        kad.log().contains("Stopped Keepalived v2.2.7 (kad v"),
        "{}",
        kad.log()
    );
    assert!(
        peer.wait_log("(VI_4) Entering MASTER STATE"),
        "{}",
        peer.log()
    );
    let _ = kill(bus_pid, Signal::SIGCONT);
}
