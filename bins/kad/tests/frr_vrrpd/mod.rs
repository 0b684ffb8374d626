//! FRR's vrrpd (Debian's FRR 8.4) as a VRRP router in a host namespace.
//!
//! vrrpd learns interfaces and addresses from zebra, so each host runs its own zebra and
//! vrrpd, both with their own `--vty_socket` directory (owned by user `frr`, as FRR drops
//! privileges to it) and zebra's API socket in it. vrrpd neither creates interfaces nor adds
//! addresses: the operator creates one macvlan per virtual router and family on the VRRP
//! interface — bridge mode, MAC 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6), the
//! VIPs on it — and vrrpd finds it by its MAC and turns `protodown` on while it is not master.
//! A VIP is therefore *held* by an FRR host when its macvlan is up with protodown off.

use std::fmt::Write as _;
use std::fs::File;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use crate::e2e::netns::{must, Host, DEV};

/// Where Debian installs FRR's daemons.
pub const ZEBRA: &str = "/usr/lib/frr/zebra";
/// FRR's VRRP daemon.
pub const VRRPD: &str = "/usr/lib/frr/vrrpd";
/// FRR's shell, which reads state from the daemons' vty sockets.
pub const VTYSH: &str = "/usr/bin/vtysh";

/// Whether FRR's zebra, vrrpd and vtysh are installed.
pub fn available() -> bool {
    [ZEBRA, VRRPD, VTYSH].iter().all(|p| Path::new(p).exists())
}

/// One virtual router as vrrpd's configuration has it (`interface eth0` / `vrrp VRID …`).
#[derive(Debug, Clone)]
pub struct VrrpdRouter {
    /// `vrrp VRID`.
    pub vrid: u8,
    /// `vrrp VRID version` (2 or 3).
    pub version: u8,
    /// `vrrp VRID priority`.
    pub priority: u8,
    /// `vrrp VRID advertisement-interval`, in milliseconds.
    pub interval_ms: u32,
    /// `vrrp VRID ip …` / `vrrp VRID ipv6 …` (without prefix length).
    pub vips: Vec<IpAddr>,
}

impl VrrpdRouter {
    fn render(&self) -> String {
        let v = self.vrid;
        let mut s = format!(
            "interface {DEV}\n vrrp {v} version {}\n vrrp {v} priority {}\n \
             vrrp {v} advertisement-interval {}\n",
            self.version, self.priority, self.interval_ms
        );
        for a in &self.vips {
            let kw = if a.is_ipv4() { "ip" } else { "ipv6" };
            let _ = writeln!(s, " vrrp {v} {kw} {a}");
        }
        s.push_str("!\n");
        s
    }

    /// The macvlan vrrpd expects for `vip`'s family: `vrrp4-<ifindex>-<vrid>` or `vrrp6-…`
    /// and its virtual MAC (RFC 5798 §7.3).
    fn macvlan(&self, ifindex: u32, vip: IpAddr) -> (String, String) {
        let (fam, b) = if vip.is_ipv4() { (4, 1) } else { (6, 2) };
        (
            format!("vrrp{fam}-{ifindex}-{}", self.vrid),
            format!("00:00:5e:00:{b:02x}:{:02x}", self.vrid),
        )
    }
}

/// zebra and vrrpd running in one host; both killed on drop.
#[derive(Debug)]
pub struct Frr {
    /// The vty socket directory, configuration and logs.
    pub dir: PathBuf,
    ns: String,
    zebra: Option<Child>,
    vrrpd: Option<Child>,
    /// The macvlans holding the VIPs, with the VIP each holds.
    links: Vec<(String, IpAddr)>,
}

impl Frr {
    /// Creates `router`'s macvlans on `host`'s `eth0` with the VIPs on them, then starts
    /// zebra and vrrpd.
    pub fn start(host: &Host, router: &VrrpdRouter) -> Frr {
        let dir = std::env::temp_dir().join(format!("{}-frr", host.name()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("frr dir");
        std::fs::write(dir.join("zebra.conf"), "").expect("zebra.conf");
        std::fs::write(dir.join("vrrpd.conf"), router.render()).expect("vrrpd.conf");
        must(Command::new("chown").args(["-R", "frr:frr"]).arg(&dir));
        let ifindex: u32 = must(host.ns.ip().args(["-o", "link", "show", DEV]))
            .split(':')
            .next()
            .and_then(|i| i.trim().parse().ok())
            .expect("ifindex");
        let mut links = Vec::new();
        for vip in &router.vips {
            let (name, mac) = router.macvlan(ifindex, *vip);
            let ip = || host.ns.ip();
            must(ip().args([
                "link", "add", &name, "link", DEV, "type", "macvlan", "mode", "bridge",
            ]));
            must(ip().args(["link", "set", "dev", &name, "address", &mac]));
            // vrrpd sends IPv6 adverts from the macvlan's own link-local address.
            must(ip().args(["link", "set", "dev", &name, "addrgenmode", "random"]));
            let cidr = match vip {
                IpAddr::V4(a) => format!("{a}/32"),
                IpAddr::V6(a) => format!("{a}/128"),
            };
            let mut add = ip();
            add.args(["addr", "add", &cidr, "dev", &name]);
            if vip.is_ipv6() {
                add.arg("nodad");
            }
            must(&mut add);
            must(ip().args(["link", "set", "dev", &name, "up"]));
            links.push((name, *vip));
        }
        let mut frr = Frr {
            dir,
            ns: host.name().to_owned(),
            zebra: None,
            vrrpd: None,
            links,
        };
        frr.zebra = Some(frr.spawn(ZEBRA, "zebra"));
        frr.wait_for(|f| f.dir.join("zserv.api").exists(), "zebra's API socket");
        frr.start_vrrpd();
        frr
    }

    fn spawn(&self, prog: &str, name: &str) -> Child {
        let d = self.dir.to_str().expect("utf-8 dir");
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{name}.out")))
            .expect("log");
        Command::new("ip")
            .args(["netns", "exec", &self.ns, prog, "-f"])
            .arg(format!("{d}/{name}.conf"))
            .arg("-i")
            .arg(format!("{d}/{name}.pid"))
            .args(["--vty_socket", d, "-z"])
            .arg(format!("{d}/zserv.api"))
            .args(["-A", "127.0.0.1", "--log"])
            .arg(format!("file:{d}/{name}.log"))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {prog}: {e}"))
    }

    fn wait_for(&self, ok: impl Fn(&Frr) -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ok(self) {
            assert!(
                Instant::now() < deadline,
                "FRR: no {what} after 20 s\n{}",
                self.describe()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts vrrpd (again, after [`Frr::kill`] or [`Frr::stop`]).
    pub fn start_vrrpd(&mut self) {
        let _ = std::fs::remove_file(self.dir.join("vrrpd.vty"));
        self.vrrpd = Some(self.spawn(VRRPD, "vrrpd"));
        self.wait_for(|f| !f.routers().is_empty(), "`show vrrp json` from vrrpd");
    }

    /// `vtysh --vty_socket DIR -c …`: its standard output.
    pub fn vtysh(&self, cmds: &[&str]) -> String {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns, VTYSH, "--vty_socket"])
            .arg(&self.dir);
        for cmd in cmds {
            c.args(["-c", cmd]);
        }
        c.output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// `show vrrp json`: one object per virtual router (none while vrrpd is not answering).
    pub fn routers(&self) -> Vec<serde_json::Value> {
        match serde_json::from_str(&self.vtysh(&["show vrrp json"])) {
            Ok(serde_json::Value::Array(v)) => v,
            _ => Vec::new(),
        }
    }

    /// Whether the macvlan carrying `vip` is up with protodown off, i.e. answers for it.
    pub fn holds(&self, vip: IpAddr) -> bool {
        let Some((name, _)) = self.links.iter().find(|(_, v)| *v == vip) else {
            return false;
        };
        let out = Command::new("ip")
            .args(["-n", &self.ns, "-d", "-o", "link", "show", "dev", name])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        // `ip -d link` names protodown only when it is on.
        out.contains(",UP") && !out.contains("protodown on")
    }

    /// Whether vrrpd runs (it was not killed or stopped).
    pub fn running(&self) -> bool {
        self.vrrpd.is_some()
    }

    /// SIGKILL to vrrpd: adverts stop, the macvlan stays as it was.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.vrrpd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM to vrrpd and waits up to `timeout` for it to exit; true if it did.
    pub fn stop(&mut self, timeout: Duration) -> bool {
        let Some(c) = self.vrrpd.as_mut() else {
            return true;
        };
        let pid = Pid::from_raw(i32::try_from(c.id()).expect("pid"));
        let _ = kill(pid, Signal::SIGTERM);
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = c.try_wait() {
                self.vrrpd = None;
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// vrrpd's and zebra's logs and state, for failure messages.
    pub fn describe(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.join(f)).unwrap_or_default();
        let links = Command::new("ip")
            .args(["-n", &self.ns, "-d", "-o", "link"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        format!(
            "--- FRR in {} ---\nvrrpd.log:\n{}\nzebra.log:\n{}\nlinks:\n{links}\n{}",
            self.ns,
            read("vrrpd.log"),
            read("zebra.log"),
            self.vtysh(&["show vrrp"])
        )
    }
}

impl Drop for Frr {
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        if panicking {
            eprintln!("{}", self.describe());
        }
        self.kill();
        if let Some(mut z) = self.zebra.take() {
            let _ = z.kill();
            let _ = z.wait();
        }
        if !panicking {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
