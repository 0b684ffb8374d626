//! Network namespaces and the test LAN: one `lan` namespace holding a bridge, and one
//! namespace per host joined to it by a veth pair. Every namespace is deleted on drop, so a
//! failing test leaves nothing behind.
//!
//! Host `i` (from 1) is `eth0` = 192.0.2.`i`/24 and 2001:db8::`i`/64 (DAD off, so IPv6
//! addresses and the link-local are usable at once).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static NEXT_NS: AtomicU32 = AtomicU32::new(0);

/// Runs `cmd` with its output discarded; true when it exits 0.
pub fn run_quiet(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `cmd` and panics with its stderr when it fails.
pub fn must(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A network namespace with a unique name (`kade-<pid>-<n>`), deleted on drop.
#[derive(Debug)]
pub struct Netns {
    /// The name under /run/netns.
    pub name: String,
}

impl Netns {
    /// Creates a namespace with `lo` up and IPv6 DAD off; `None` when `ip netns add` fails
    /// (not root).
    pub fn new() -> Option<Netns> {
        let n = NEXT_NS.fetch_add(1, Ordering::Relaxed);
        let name = format!("kade-{}-{n}", std::process::id());
        if !run_quiet(Command::new("ip").args(["netns", "add", &name])) {
            return None;
        }
        let ns = Netns { name };
        must(ns.exec("sysctl").args([
            "-qw",
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        ]));
        must(ns.ip().args(["link", "set", "lo", "up"]));
        Some(ns)
    }

    /// `ip -n NAME …`
    pub fn ip(&self) -> Command {
        let mut c = Command::new("ip");
        c.args(["-n", &self.name]);
        c
    }

    /// `ip netns exec NAME prog …`
    pub fn exec(&self, prog: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, prog]);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        run_quiet(Command::new("ip").args(["netns", "del", &self.name]));
    }
}

/// One host on the LAN.
#[derive(Debug)]
pub struct Host {
    /// Its namespace.
    pub ns: Netns,
    /// Its number (1-based): the last octet of its addresses.
    pub idx: u8,
}

/// The interface every host has on the LAN.
pub const DEV: &str = "eth0";

impl Host {
    /// 192.0.2.`idx`
    pub fn v4(&self) -> Ipv4Addr {
        Ipv4Addr::new(192, 0, 2, self.idx)
    }

    /// 2001:db8::`idx`
    pub fn v6(&self) -> Ipv6Addr {
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, u16::from(self.idx))
    }

    /// The link-local address of `eth0` (IPv6 VRRP's source address).
    pub fn link_local(&self) -> Ipv6Addr {
        let out = must(
            self.ns
                .ip()
                .args(["-6", "-o", "addr", "show", "dev", DEV, "scope", "link"]),
        );
        out.split_whitespace()
            .skip_while(|w| *w != "inet6")
            .nth(1)
            .and_then(|a| a.split('/').next())
            .and_then(|a| a.parse().ok())
            .expect("link-local address")
    }

    /// The namespace's name.
    pub fn name(&self) -> &str {
        &self.ns.name
    }

    /// `ip -o addr show` in the host: one line per address.
    pub fn addrs(&self) -> String {
        let out = self
            .ns
            .ip()
            .args(["-o", "addr", "show"])
            .output()
            .expect("ip addr");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Whether any interface of the host holds `addr`.
    pub fn has(&self, addr: IpAddr) -> bool {
        has_addr(&self.addrs(), addr)
    }

    /// The interface holding `addr`, if any.
    pub fn dev_of(&self, addr: IpAddr) -> Option<String> {
        let text = self.addrs();
        text.lines()
            .find(|l| has_addr(l, addr))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(|d| d.split('@').next().unwrap_or(d).to_owned())
    }

    /// Deletes `addr`/`prefix` from `dev`, as an operator would.
    pub fn del_addr(&self, addr: IpAddr, prefix: u8, dev: &str) {
        must(
            self.ns
                .ip()
                .args(["addr", "del", &format!("{addr}/{prefix}"), "dev", dev]),
        );
    }
}

/// Whether `ip -o addr` output lists `addr`.
pub fn has_addr(text: &str, addr: IpAddr) -> bool {
    let key = match addr {
        IpAddr::V4(a) => format!("inet {a}/"),
        IpAddr::V6(a) => format!("inet6 {a}/"),
    };
    text.contains(&key)
}

/// A bridge in its own namespace and `n` hosts attached to it.
#[derive(Debug)]
pub struct Lan {
    /// Hosts 1..=n (index 0 is host 1).
    pub hosts: Vec<Host>,
    /// The namespace holding bridge `br0` (dropped last).
    _bridge: Netns,
}

impl Lan {
    /// Builds the LAN; `None` (and a SKIP line) when namespaces cannot be created.
    pub fn new(n: u8) -> Option<Lan> {
        let Some(lan) = Netns::new() else {
            kad_skip::skip("`ip netns add` failed (not root?)");
            return None;
        };
        // No STP (ports forward at once) and no multicast snooping (VRRP's groups are
        // flooded whether or not anyone sent a report).
        must(lan.ip().args([
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "stp_state",
            "0",
            "forward_delay",
            "0",
            "mcast_snooping",
            "0",
        ]));
        must(lan.ip().args(["link", "set", "br0", "up"]));
        let mut hosts = Vec::new();
        for idx in 1..=n {
            let ns = Netns::new().expect("ip netns add");
            let port = format!("p{idx}");
            must(lan.ip().args([
                "link", "add", &port, "type", "veth", "peer", "name", DEV, "netns", &ns.name,
            ]));
            must(lan.ip().args(["link", "set", &port, "master", "br0", "up"]));
            let host = Host { ns, idx };
            must(
                host.ns
                    .ip()
                    .args(["addr", "add", &format!("{}/24", host.v4()), "dev", DEV]),
            );
            must(host.ns.ip().args([
                "addr",
                "add",
                &format!("{}/64", host.v6()),
                "dev",
                DEV,
                "nodad",
            ]));
            must(host.ns.ip().args(["link", "set", DEV, "up"]));
            hosts.push(host);
        }
        let lan = Lan {
            hosts,
            _bridge: lan,
        };
        lan.wait_link_local();
        Some(lan)
    }

    /// Host `i` (1-based).
    pub fn host(&self, i: u8) -> &Host {
        &self.hosts[usize::from(i) - 1]
    }

    /// Waits until every host's `eth0` has its link-local address (IPv6 VRRP sends from it).
    fn wait_link_local(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        for h in &self.hosts {
            loop {
                let out = must(
                    h.ns.ip()
                        .args(["-6", "-o", "addr", "show", "dev", DEV, "scope", "link"]),
                );
                if out.contains("inet6 fe80::") && !out.contains("tentative") {
                    break;
                }
                assert!(Instant::now() < deadline, "no link-local on {}", h.name());
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        // Hosts first: deleting a namespace destroys its veth end, and with it the peer.
        self.hosts.clear();
    }
}
