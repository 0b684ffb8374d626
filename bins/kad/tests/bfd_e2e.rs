//! kad's BFD process end to end, against real peers: Debian's keepalived 2.2.7 and FRR 8.4's
//! bfdd, in network namespaces the tests build (192.0.2.0/24 and 2001:db8::/64 only) and
//! tear down, processes included, even when they fail.
//!
//! - sessions reach Up with keepalived (IPv4, and IPv6 with `hoplimit 255` on keepalived's
//!   side, and with keepalived's default of 64, which breaks RFC 5881 but which kad accepts as
//!   keepalived does) and with FRR (single hop IPv4 and IPv6, and
//!   multihop IPv4 and IPv6 through a forwarding router namespace);
//! - a reload that changes kad's timers keeps FRR's session Up and FRR sees the new ones;
//!   FRR changing its own timers keeps kad's session Up and kad adopts them;
//! - FRR's `shutdown` is seen as the peer's AdminDown;
//! - a kad VRRP master tracking the session (`track_bfd`) leaves MASTER when the peer dies,
//!   and the time it takes is printed;
//! - a flood of malformed and spoofed packets does not bring a 10 ms × 3 session down;
//! - at 10 ms × 3, kad's Down leaves within a stated margin of the Detection Time after the
//!   last packet heard, and its transmit jitter is 75–100 %, both read off a capture.
//!
//! They need root and FRR (scripts/deps.sh installs it): without them a test prints SKIP and
//! passes, except under `CI=true`, where it fails.

#[allow(dead_code)]
mod e2e;

use std::net::{IpAddr, Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use e2e::capture::{self, Capture};
use e2e::netns::{must, Host, Lan, Netns, DEV};
use e2e::router::{config, Instance, Kind, Router};

/// A bound no healthy session comes near, even on a loaded 2-core machine: both ends send
/// every second while Down, so Up takes two or three seconds.
const CONVERGE: Duration = Duration::from_secs(20);

const BFDD: &str = "/usr/lib/frr/bfdd";
const VTYSH: &str = "/usr/bin/vtysh";

/// One test at a time: 10 ms sessions (and FRR's) must not share two loaded cores with
/// the other tests' daemons.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// SKIP (or, under CI=true, fail) when the test cannot run here.
fn can_run(need_frr: bool, need_keepalived: bool) -> bool {
    let mut missing = Vec::new();
    if !nix::unistd::geteuid().is_root() {
        missing.push("root".to_owned());
    }
    if need_frr && !(std::path::Path::new(BFDD).exists() && std::path::Path::new(VTYSH).exists()) {
        missing.push(format!("{BFDD} and {VTYSH} (Debian's frr)"));
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

/// A `bfd_instance` block.
fn bfd_block(name: &str, peer: IpAddr, src: IpAddr, interval_ms: u32, extra: &str) -> String {
    format!(
        "bfd_instance {name} {{\n  neighbor_ip {peer}\n  source_ip {src}\n  min_rx {interval_ms}\n  \
         min_tx {interval_ms}\n  multiplier 3\n{extra}}}\n"
    )
}

/// FRR's bfdd in a namespace, run as BFD-NOTES.md shows; killed on drop.
struct Frr {
    dir: PathBuf,
    ns: String,
    child: Option<Child>,
}

impl Frr {
    /// Starts bfdd in `ns` with the `bfd` block `peers` (the lines under `bfd`).
    fn start(ns: &str, peers: &str) -> Frr {
        Frr::start_with(ns, peers, None)
    }

    /// As [`Frr::start`], under SCHED_RR at `rt_priority` when given (`chrt -r`), so that
    /// 10 ms sessions do not depend on how loaded the machine is.
    fn start_with(ns: &str, peers: &str, rt_priority: Option<u8>) -> Frr {
        let dir = std::env::temp_dir().join(format!("{ns}-frr"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("frr dir");
        std::fs::write(dir.join("bfdd.conf"), format!("bfd\n{peers}!\n")).expect("bfdd.conf");
        must(Command::new("chown").args(["-R", "frr:frr"]).arg(&dir));
        let log = std::fs::File::create(dir.join("stdout")).expect("log");
        let d = dir.to_str().expect("utf-8 dir").to_owned();
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns]);
        if let Some(p) = rt_priority {
            cmd.args(["chrt", "-r", &p.to_string()]);
        }
        let child = cmd
            .args([BFDD, "-f"])
            .arg(format!("{d}/bfdd.conf"))
            .arg("-i")
            .arg(format!("{d}/bfdd.pid"))
            .args(["--vty_socket", &d, "--bfdctl"])
            .arg(format!("{d}/bfdd.sock"))
            .arg("-z")
            .arg(format!("{d}/zserv.api"))
            .args(["-A", "127.0.0.1", "--log"])
            .arg(format!("file:{d}/log"))
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("spawn bfdd");
        Frr {
            dir,
            ns: ns.to_owned(),
            child: Some(child),
        }
    }

    fn vtysh(&self, cmds: &[&str]) -> String {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.ns, VTYSH, "--vty_socket"])
            .arg(&self.dir);
        for cmd in cmds {
            c.args(["-c", cmd]);
        }
        let out = c.output().expect("vtysh");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `show bfd peers json`, one object per peer (empty while bfdd is starting).
    fn peers(&self) -> Vec<serde_json::Value> {
        let text = self.vtysh(&["show bfd peers json"]);
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Array(v)) => v,
            _ => Vec::new(),
        }
    }

    /// The peer object for `peer`.
    fn peer(&self, peer: IpAddr) -> Option<serde_json::Value> {
        let p = peer.to_string();
        self.peers()
            .into_iter()
            .find(|o| o["peer"].as_str() == Some(p.as_str()))
    }

    /// Waits until FRR says the session with `peer` is `status`.
    fn wait_status(&self, peer: IpAddr, status: &str, within: Duration) -> bool {
        let until = Instant::now() + within;
        while Instant::now() < until {
            if self
                .peer(peer)
                .is_some_and(|o| o["status"].as_str() == Some(status))
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// SIGKILL: the session stops without a word.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn describe(&self) -> String {
        format!(
            "--- FRR bfdd in {} ---\n{}\n{}",
            self.ns,
            std::fs::read_to_string(self.dir.join("log")).unwrap_or_default(),
            self.vtysh(&["show bfd peers json"])
        )
    }
}

impl Drop for Frr {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!("{}", self.describe());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn frr_peer(peer: IpAddr, local: IpAddr, interval_ms: u32, multihop: bool) -> String {
    format!(
        " peer {peer}{} local-address {local}\n  detect-multiplier 3\n  receive-interval {interval_ms}\n  \
         transmit-interval {interval_ms}\n{} !\n",
        if multihop { " multihop" } else { "" },
        if multihop { "  minimum-ttl 250\n" } else { "" },
    )
}

/// kad in `host` with only `bfd_instance` blocks (and `extra` top-level text).
fn kad_bfd(host: &Host, bfds: &str) -> Router {
    Router::start(Kind::Kad, host, &config("kad", bfds, &[]))
}

fn wait_log(r: &Router, needle: &str, what: &str) {
    assert!(
        r.wait_log(0, needle, CONVERGE),
        "{what}: no `{needle}` within {CONVERGE:?}\n{}",
        r.describe()
    );
}

#[test]
fn kad_and_keepalived_reach_up_ipv4_and_ipv6() {
    if !can_run(false, true) {
        return;
    }
    let _serial = serial();
    let lan = Lan::new(2).expect("lan");
    let (h1, h2) = (lan.host(1), lan.host(2));
    // A second IPv6 pair for a session keepalived runs with its default hop limit of 64.
    let extra: [IpAddr; 2] = [
        "2001:db8::1:1".parse().expect("v6"),
        "2001:db8::1:2".parse().expect("v6"),
    ];
    for (h, a) in [(h1, extra[0]), (h2, extra[1])] {
        must(
            h.ns.ip()
                .args(["addr", "add", &format!("{a}/64"), "dev", "eth0", "nodad"]),
        );
    }
    let kad = kad_bfd(
        h1,
        &(bfd_block("b4", h2.v4().into(), h1.v4().into(), 100, "")
            + &bfd_block("b6", h2.v6().into(), h1.v6().into(), 100, "")
            + &bfd_block("b6d", extra[1], extra[0], 100, "")),
    );
    let ka = Router::start(
        Kind::Keepalived,
        h2,
        &config(
            "ka",
            &(bfd_block("b4", h1.v4().into(), h2.v4().into(), 100, "")
                + &bfd_block(
                    "b6",
                    h1.v6().into(),
                    h2.v6().into(),
                    100,
                    "  hoplimit 255\n",
                )
                + &bfd_block("b6d", extra[0], extra[1], 100, "")),
            &[],
        ),
    );
    for name in ["b4", "b6", "b6d"] {
        let needle = format!("({name}) Entering Up state");
        wait_log(&kad, &needle, "kad");
        wait_log(&ka, &needle, "keepalived");
    }
}

#[test]
fn kad_and_frr_reach_up_single_hop_ipv4_and_ipv6() {
    if !can_run(true, false) {
        return;
    }
    let _serial = serial();
    let lan = Lan::new(2).expect("lan");
    let (h1, h2) = (lan.host(1), lan.host(2));
    let frr = Frr::start(
        h2.name(),
        &(frr_peer(h1.v4().into(), h2.v4().into(), 100, false)
            + &frr_peer(h1.v6().into(), h2.v6().into(), 100, false)),
    );
    let kad = kad_bfd(
        h1,
        &(bfd_block("b4", h2.v4().into(), h1.v4().into(), 100, "")
            + &bfd_block("b6", h2.v6().into(), h1.v6().into(), 100, "")),
    );
    for (name, peer) in [("b4", IpAddr::from(h1.v4())), ("b6", h1.v6().into())] {
        wait_log(&kad, &format!("({name}) Entering Up state"), "kad");
        assert!(
            frr.wait_status(peer, "up", CONVERGE),
            "FRR's session with {peer} not up\n{}",
            kad.describe()
        );
        let o = frr.peer(peer).expect("peer");
        assert_eq!(o["remote-receive-interval"], 100, "{o}");
        assert_eq!(o["remote-detect-multiplier"], 3, "{o}");
    }
}

/// `A (kad) — R (forwards) — B (FRR)`: 192.0.2.0/28 and 192.0.2.16/28.
#[test]
fn kad_and_frr_reach_up_multihop_through_a_router() {
    if !can_run(true, false) {
        return;
    }
    let _serial = serial();
    multihop_through_a_router(false);
}

/// The same over IPv6: 2001:db8:1::/64 and 2001:db8:2::/64, R decrementing the hop limit.
/// kad sends with `hoplimit 255` (keepalived's IPv6 default of 64 is below FRR's
/// `minimum-ttl 250`) and accepts 250 and more (`max_hops 5`); FRR's 255 arrives as 254.
#[test]
fn kad_and_frr_reach_up_multihop_ipv6_through_a_router() {
    if !can_run(true, false) {
        return;
    }
    let _serial = serial();
    multihop_through_a_router(true);
}

/// Builds A — R — B (A and B on different subnets, so every packet crosses R), runs kad
/// multihop on A and FRR on B, and waits for Up on both.
fn multihop_through_a_router(v6: bool) {
    let (a, r, b) = (
        Netns::new().expect("netns"),
        Netns::new().expect("netns"),
        Netns::new().expect("netns"),
    );
    must(r.ip().args([
        "link", "add", "ra", "type", "veth", "peer", "name", "eth0", "netns", &a.name,
    ]));
    must(r.ip().args([
        "link", "add", "rb", "type", "veth", "peer", "name", "eth0", "netns", &b.name,
    ]));
    let addrs = if v6 {
        [
            "2001:db8:1::1/64",
            "2001:db8:1::2/64",
            "2001:db8:2::1/64",
            "2001:db8:2::2/64",
        ]
    } else {
        [
            "192.0.2.1/28",
            "192.0.2.2/28",
            "192.0.2.17/28",
            "192.0.2.18/28",
        ]
    };
    for (ns, dev, addr) in [
        (&a, "eth0", addrs[0]),
        (&r, "ra", addrs[1]),
        (&r, "rb", addrs[2]),
        (&b, "eth0", addrs[3]),
    ] {
        if v6 {
            must(ns.ip().args(["addr", "add", addr, "dev", dev, "nodad"]));
        } else {
            must(ns.ip().args(["addr", "add", addr, "dev", dev]));
        }
        must(ns.ip().args(["link", "set", dev, "up"]));
    }
    let bare = |s: &str| -> IpAddr {
        s.split('/')
            .next()
            .and_then(|a| a.parse().ok())
            .expect("ip")
    };
    let (a_net, b_net) = if v6 {
        ("2001:db8:1::/64", "2001:db8:2::/64")
    } else {
        ("192.0.2.0/28", "192.0.2.16/28")
    };
    must(
        a.ip()
            .args(["route", "add", b_net, "via", &bare(addrs[1]).to_string()]),
    );
    must(
        b.ip()
            .args(["route", "add", a_net, "via", &bare(addrs[2]).to_string()]),
    );
    let forwarding = if v6 {
        "net.ipv6.conf.all.forwarding=1"
    } else {
        "net.ipv4.ip_forward=1"
    };
    must(r.exec("sysctl").args(["-qw", forwarding]));
    let (ka, kb) = (bare(addrs[0]), bare(addrs[3]));
    let frr = Frr::start(&b.name, &frr_peer(ka, kb, 100, true));
    let host = Host { ns: a, idx: 1 };
    let extra = if v6 {
        "  multihop\n  hoplimit 255\n  max_hops 5\n"
    } else {
        "  multihop\n  max_hops 5\n"
    };
    let kad = kad_bfd(&host, &bfd_block("mh", kb, ka, 100, extra));
    wait_log(&kad, "(mh) Entering Up state", "kad");
    assert!(
        frr.wait_status(ka, "up", CONVERGE),
        "FRR's multihop session not up\n{}",
        kad.describe()
    );
    let o = frr.peer(ka).expect("peer");
    assert_eq!(o["multihop"], true, "{o}");
    assert_eq!(o["remote-receive-interval"], 100, "{o}");
    drop(kad);
    drop(frr);
    drop(host);
    drop((r, b));
}

#[test]
fn reload_changes_timers_without_a_flap_and_frr_shutdown_is_admin_down() {
    if !can_run(true, false) {
        return;
    }
    let _serial = serial();
    let lan = Lan::new(2).expect("lan");
    let (h1, h2) = (lan.host(1), lan.host(2));
    let (me, peer) = (IpAddr::from(h1.v4()), IpAddr::from(h2.v4()));
    let frr = Frr::start(h2.name(), &frr_peer(me, peer, 100, false));
    let kad = kad_bfd(h1, &bfd_block("b1", peer, me, 100, ""));
    wait_log(&kad, "(b1) Entering Up state", "kad");
    assert!(frr.wait_status(me, "up", CONVERGE), "{}", kad.describe());

    let mark = kad.log_mark();
    std::fs::write(
        &kad.conf,
        config("kad", &bfd_block("b1", peer, me, 200, ""), &[]),
    )
    .expect("rewrite");
    kad.reload();
    let until = Instant::now() + CONVERGE;
    loop {
        let o = frr.peer(me).expect("peer");
        assert_eq!(o["status"], "up", "FRR's session flapped: {o}");
        if o["remote-receive-interval"] == 200 && o["remote-transmit-interval"] == 200 {
            break;
        }
        assert!(
            Instant::now() < until,
            "FRR never saw the new timers: {o}\n{}",
            kad.describe()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        !kad.log_since(mark).contains("Entering Down state"),
        "kad's session flapped at the reload\n{}",
        kad.describe()
    );
    assert_eq!(frr.peer(me).expect("peer")["status"], "up");

    frr.vtysh(&[
        "configure terminal",
        "bfd",
        &format!("peer {me} local-address {peer}"),
        "shutdown",
    ]);
    assert!(
        kad.wait_log(mark, "(b1) Entering Down state", CONVERGE),
        "kad did not see the shutdown\n{}",
        kad.describe()
    );
    let line = kad
        .log_since(mark)
        .lines()
        .find(|l| l.contains("(b1) Entering Down state"))
        .map(str::to_owned)
        .unwrap_or_default();
    assert!(
        line.contains("Neighbor Signaled Session Down") && line.contains("AdminDown"),
        "a peer's AdminDown reads differently: {line}"
    );
}

/// SIGUSR1 to kad: the BFD process's `keepalived_bfd.data`.
fn bfd_dump(kad: &Router) -> String {
    let mark = kad.log_mark();
    let dump = std::path::Path::new("/tmp/keepalived_bfd.data");
    let _ = std::fs::remove_file(dump);
    kad.signal(nix::sys::signal::Signal::SIGUSR1);
    assert!(
        kad.wait_log(mark, "Printing BFD data for process(", CONVERGE),
        "no BFD dump\n{}",
        kad.describe()
    );
    // The file is renamed into place whole, after the log line.
    let deadline = std::time::Instant::now() + CONVERGE;
    while !dump.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(dump).expect("keepalived_bfd.data");
    let _ = std::fs::remove_file(dump);
    text
}

/// The other side of the renegotiation: FRR's configuration changes to 200 ms (its Poll,
/// RFC 5880 §6.8.3), kad answers with Final, keeps the session Up and adopts FRR's new
/// intervals: it sends every max(100, 200) ms and detects after 3 × max(100, 200) ms.
#[test]
fn frr_changes_its_timers_and_kad_adopts_them_without_a_flap() {
    if !can_run(true, false) {
        return;
    }
    let _serial = serial();
    let lan = Lan::new(2).expect("lan");
    let (h1, h2) = (lan.host(1), lan.host(2));
    let (me, peer) = (IpAddr::from(h1.v4()), IpAddr::from(h2.v4()));
    let frr = Frr::start(h2.name(), &frr_peer(me, peer, 100, false));
    let kad = kad_bfd(h1, &bfd_block("b1", peer, me, 100, ""));
    wait_log(&kad, "(b1) Entering Up state", "kad");
    assert!(frr.wait_status(me, "up", CONVERGE), "{}", kad.describe());
    let before = bfd_dump(&kad);
    assert!(
        before.contains("   local detection time = 300000 us\n"),
        "{before}"
    );

    let mark = kad.log_mark();
    frr.vtysh(&[
        "configure terminal",
        "bfd",
        &format!("peer {me} local-address {peer}"),
        "receive-interval 200",
        "transmit-interval 200",
    ]);
    let until = Instant::now() + CONVERGE;
    loop {
        let o = frr.peer(me).expect("peer");
        assert_eq!(o["status"], "up", "FRR's session flapped: {o}");
        if o["receive-interval"] == 200 && o["transmit-interval"] == 200 {
            break;
        }
        assert!(
            Instant::now() < until,
            "FRR did not take its new timers: {o}\n{}",
            kad.describe()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let until = Instant::now() + CONVERGE;
    let after = loop {
        let text = bfd_dump(&kad);
        if text.contains("   remote min tx intv = 200000 us\n") || Instant::now() > until {
            break text;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    for line in [
        "   local state = Up\n",
        "   remote min tx intv = 200000 us\n",
        "   remote min rx intv = 200000 us\n",
        "   local tx intv = 200000 us\n",
        "   local detection time = 600000 us\n",
        "   times down = 0\n",
    ] {
        assert!(
            after.contains(line),
            "no `{}` in kad's dump:\n{after}",
            line.trim()
        );
    }
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        !kad.log_since(mark).contains("Entering Down state"),
        "kad's session flapped at FRR's change\n{}",
        kad.describe()
    );
    let o = frr.peer(me).expect("peer");
    assert_eq!(o["status"], "up", "{o}");
    assert_eq!(o["remote-receive-interval"], 100, "{o}");
}

#[test]
fn reload_removes_with_admin_down_and_starts_new_instances() {
    if !can_run(true, false) {
        return;
    }
    let _serial = serial();
    let lan = Lan::new(2).expect("lan");
    let (h1, h2) = (lan.host(1), lan.host(2));
    let (me4, peer4) = (IpAddr::from(h1.v4()), IpAddr::from(h2.v4()));
    let (me6, peer6) = (IpAddr::from(h1.v6()), IpAddr::from(h2.v6()));
    let frr = Frr::start(
        h2.name(),
        &(frr_peer(me4, peer4, 100, false) + &frr_peer(me6, peer6, 100, false)),
    );
    let kad = kad_bfd(h1, &bfd_block("b4", peer4, me4, 100, ""));
    wait_log(&kad, "(b4) Entering Up state", "kad");
    assert!(frr.wait_status(me4, "up", CONVERGE), "{}", kad.describe());
    // b4 goes, b6 comes.
    std::fs::write(
        &kad.conf,
        config("kad", &bfd_block("b6", peer6, me6, 100, ""), &[]),
    )
    .expect("rewrite");
    kad.reload();
    wait_log(&kad, "(b6) Entering Up state", "kad");
    assert!(frr.wait_status(me6, "up", CONVERGE), "{}", kad.describe());
    assert!(
        frr.wait_status(me4, "down", CONVERGE),
        "FRR still has the removed session up\n{}",
        kad.describe()
    );
    let o = frr.peer(me4).expect("peer");
    assert_eq!(o["remote-diagnostic"], "administratively down", "{o}");
}

/// Host 1: kad, VRRP master (priority 150) tracking `b1`; host 2: FRR's bfdd. Returns how
/// long the VIP stayed after the peer's SIGKILL.
fn tracked_master_loses_vip(interval_ms: u32) -> Duration {
    let lan = Lan::new(2).expect("lan");
    let (h1, h2) = (lan.host(1), lan.host(2));
    let (me, peer) = (IpAddr::from(h1.v4()), IpAddr::from(h2.v4()));
    let vip: IpAddr = "192.0.2.100".parse().expect("vip");
    let mut frr = Frr::start(h2.name(), &frr_peer(me, peer, interval_ms, false));
    let mut inst = Instance::new(51, 150, "192.0.2.100/32").master();
    inst.extra = "  track_bfd {\n    b1\n  }\n".to_owned();
    let kad = Router::start(
        Kind::Kad,
        h1,
        &config("kad", &bfd_block("b1", peer, me, interval_ms, ""), &[inst]),
    );
    wait_log(&kad, "(b1) Entering Up state", "kad");
    let until = Instant::now() + CONVERGE;
    while !h1.has(vip) {
        assert!(
            Instant::now() < until,
            "the tracking instance never became master\n{}",
            kad.describe()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    // SIGUSR1: keepalived.data has keepalived's `VRRP Track BFDs` section.
    let _ = std::fs::remove_file("/tmp/keepalived.data");
    let mark = kad.log_mark();
    kad.signal(nix::sys::signal::Signal::SIGUSR1);
    assert!(
        kad.wait_log(mark, "Printing VRRP data for process(", CONVERGE),
        "{}",
        kad.describe()
    );
    let section =
        "------< VRRP Track BFDs >------\n VRRP Track BFD = b1\n   Weight = 0\n   Bfd is up\n";
    let until = Instant::now() + CONVERGE;
    let data = loop {
        let data = std::fs::read_to_string("/tmp/keepalived.data").unwrap_or_default();
        if data.contains(section) || Instant::now() > until {
            break data;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(data.contains(section), "{data}");
    let killed = Instant::now();
    frr.kill();
    while h1.has(vip) {
        assert!(
            killed.elapsed() < Duration::from_secs(10),
            "the VIP stayed after the BFD peer died\n{}",
            kad.describe()
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let took = killed.elapsed();
    // keepalived's words, which scripts grep.
    let log = kad.log();
    for line in [
        "Received BFD event: instance b1 is in state Down",
        "VRRP_Instance(VI_51) Tracked BFD instance b1 is DOWN",
    ] {
        assert!(log.contains(line), "no `{line}`\n{}", kad.describe());
    }
    took
}

#[test]
fn track_bfd_master_leaves_when_the_peer_dies() {
    if !can_run(true, false) {
        return;
    }
    let _serial = serial();
    let took = tracked_master_loses_vip(100);
    eprintln!("track_bfd, 100 ms x 3: VIP removed {took:?} after the peer's SIGKILL");
    // Detection is 300 ms after the last packet heard, which left FRR 75-100 ms before the
    // kill at most; the rest is the event to the VRRP process and the netlink request.
    assert!(
        took >= Duration::from_millis(150) && took < Duration::from_millis(300 + 2000),
        "took {took:?} at 100 ms x 3"
    );
}

#[test]
fn a_killed_bfd_child_is_respawned_and_its_sessions_come_back() {
    if !can_run(true, false) {
        return;
    }
    let _serial = serial();
    let lan = Lan::new(2).expect("lan");
    let (h1, h2) = (lan.host(1), lan.host(2));
    let (me, peer) = (IpAddr::from(h1.v4()), IpAddr::from(h2.v4()));
    let frr = Frr::start(h2.name(), &frr_peer(me, peer, 100, false));
    let kad = kad_bfd(h1, &bfd_block("b1", peer, me, 100, ""));
    wait_log(&kad, "Starting BFD child process, pid=", "kad");
    wait_log(&kad, "(b1) Entering Up state", "kad");
    let pid: i32 = std::fs::read_to_string(kad.dir.join("b.pid"))
        .expect("-b pid file")
        .trim()
        .parse()
        .expect("pid");
    let mark = kad.log_mark();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .expect("kill");
    assert!(
        kad.wait_log(
            mark,
            &format!("BFD child process({pid}) died: Respawning"),
            CONVERGE
        ),
        "{}",
        kad.describe()
    );
    assert!(
        kad.wait_log(mark, "(b1) Entering Up state", CONVERGE),
        "the new BFD child's session never came up\n{}",
        kad.describe()
    );
    assert!(frr.wait_status(me, "up", CONVERGE), "{}", kad.describe());
}

#[test]
fn bfd_check_takes_a_real_server_down_when_the_peer_dies() {
    if !can_run(true, false) {
        return;
    }
    let _serial = serial();
    let lan = Lan::new(2).expect("lan");
    let (h1, h2) = (lan.host(1), lan.host(2));
    let (me, peer) = (IpAddr::from(h1.v4()), IpAddr::from(h2.v4()));
    let mut frr = Frr::start(h2.name(), &frr_peer(me, peer, 100, false));
    // The host has no IPVS: the checker process reports state changes only, which is what
    // this test reads.
    let vs = format!(
        "virtual_server {me} 80 {{\n  delay_loop 1\n  lvs_sched rr\n  lvs_method NAT\n  \
         protocol TCP\n  real_server {peer} 80 {{\n    BFD_CHECK {{\n      name b1\n    }}\n  }}\n}}\n"
    );
    let kad = kad_bfd(h1, &(bfd_block("b1", peer, me, 100, "") + &vs));
    wait_log(&kad, "(b1) Entering Up state", "kad");
    let mark = kad.log_mark();
    std::thread::sleep(Duration::from_millis(500));
    frr.kill();
    let needle = format!("BFD check of [b1] RS([{peer}]:tcp:80) is DOWN");
    assert!(
        kad.wait_log(mark, &needle, CONVERGE),
        "no `{needle}`\n{}",
        kad.describe()
    );
}

/// RFC 5880 §4.1 control packet: version 1, the given fields.
#[allow(clippy::too_many_arguments)]
fn control(
    version: u8,
    state: u8,
    flags: u8,
    mult: u8,
    len: u8,
    my: u32,
    your: u32,
    interval_us: u32,
) -> Vec<u8> {
    let mut p = vec![0u8; 24];
    p[0] = version << 5;
    p[1] = (state << 6) | flags;
    p[2] = mult;
    p[3] = len;
    p[4..8].copy_from_slice(&my.to_be_bytes());
    p[8..12].copy_from_slice(&your.to_be_bytes());
    p[12..16].copy_from_slice(&interval_us.to_be_bytes());
    p[16..20].copy_from_slice(&interval_us.to_be_bytes());
    p
}

/// An IPv4 + UDP datagram from `src:49152` to `dst:3784` with `ttl`, for a raw socket.
fn spoofed(src: Ipv4Addr, dst: Ipv4Addr, ttl: u8, payload: &[u8]) -> Vec<u8> {
    let total = 20 + 8 + payload.len();
    let mut p = vec![0u8; total];
    p[0] = 0x45;
    p[2..4].copy_from_slice(&(total as u16).to_be_bytes());
    p[8] = ttl;
    p[9] = 17;
    p[12..16].copy_from_slice(&src.octets());
    p[16..20].copy_from_slice(&dst.octets());
    p[20..22].copy_from_slice(&49152u16.to_be_bytes());
    p[22..24].copy_from_slice(&3784u16.to_be_bytes());
    p[24..26].copy_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    // UDP checksum 0: none (RFC 768), accepted over IPv4.
    p[28..].copy_from_slice(payload);
    p
}

/// Every kind of bad packet, each claiming to come from `peer` (the real peer's address)
/// so that only the checks themselves can reject it.
fn hostile_packets(peer: Ipv4Addr, target: Ipv4Addr) -> Vec<(&'static str, Vec<u8>)> {
    const DOWN: u8 = 1;
    const UP: u8 = 3;
    let ok = |ttl, p: Vec<u8>| spoofed(peer, target, ttl, &p);
    // RFC 5880 §4.2.2: Simple Password, type 1, length 4, key id 1, password "x".
    let mut with_password = control(1, DOWN, 0x04, 3, 28, 7, 0, 10_000);
    with_password.extend_from_slice(&[1, 4, 1, b'x']);
    vec![
        (
            "Down from the peer, TTL 254",
            ok(254, control(1, DOWN, 0, 3, 24, 7, 0, 10_000)),
        ),
        (
            "Down from the peer, TTL 64",
            ok(64, control(1, DOWN, 0, 3, 24, 7, 0, 10_000)),
        ),
        (
            "version 2",
            ok(255, control(2, DOWN, 0, 3, 24, 7, 0, 10_000)),
        ),
        (
            "version 0",
            ok(255, control(0, DOWN, 0, 3, 24, 7, 0, 10_000)),
        ),
        (
            "length 20",
            ok(255, control(1, DOWN, 0, 3, 24, 7, 0, 10_000)[..20].to_vec()),
        ),
        (
            "length field 30 > payload",
            ok(255, control(1, DOWN, 0, 3, 30, 7, 0, 10_000)),
        ),
        (
            "length field 18",
            ok(255, control(1, DOWN, 0, 3, 18, 7, 0, 10_000)),
        ),
        (
            "detect mult 0",
            ok(255, control(1, DOWN, 0, 0, 24, 7, 0, 10_000)),
        ),
        (
            "multipoint bit",
            ok(255, control(1, DOWN, 0x01, 3, 24, 7, 0, 10_000)),
        ),
        (
            "my discriminator 0",
            ok(255, control(1, DOWN, 0, 3, 24, 0, 0, 10_000)),
        ),
        (
            "Up with your discriminator 0",
            ok(255, control(1, UP, 0, 3, 24, 7, 0, 10_000)),
        ),
        (
            "unknown your discriminator",
            ok(255, control(1, DOWN, 0, 3, 24, 7, 0xdead_beef, 10_000)),
        ),
        ("auth section, none configured", ok(255, with_password)),
    ]
}

/// Sends `packets` round-robin at `pps` from namespace `ns` through a raw socket, until
/// `stop`; returns how many went out.
fn flood(ns: &str, packets: Vec<(&'static str, Vec<u8>)>, pps: u32, stop: Arc<AtomicBool>) -> u64 {
    let file = std::fs::File::open(format!("/run/netns/{ns}")).expect("netns");
    nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
    let sock = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::RAW,
        Some(socket2::Protocol::from(255)),
    )
    .expect("raw socket");
    let period = Duration::from_secs(1) / pps;
    let start = Instant::now();
    let (mut sent, mut tried) = (0u64, 0u32);
    while !stop.load(Ordering::Relaxed) {
        for (_, p) in &packets {
            let dst = Ipv4Addr::new(p[16], p[17], p[18], p[19]);
            if sock.send_to(p, &SocketAddrV4::new(dst, 0).into()).is_ok() {
                sent += 1;
            }
            tried += 1;
            if let Some(wait) = (start + period * tried).checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
    }
    sent
}

/// The 1-minute load average divided by the CPUs.
fn load_per_cpu() -> f64 {
    let load: f64 = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    load / cpus as f64
}

#[test]
fn a_flood_of_bad_packets_does_not_bring_a_10ms_session_down() {
    if !can_run(true, false) {
        return;
    }
    let _serial = serial();
    let lan = Lan::new(3).expect("lan");
    let (h1, h2, h3) = (lan.host(1), lan.host(2), lan.host(3));
    let (me, peer) = (IpAddr::from(h1.v4()), IpAddr::from(h2.v4()));
    // Both ends real-time (kad through keepalived's own `bfd_rt_priority`): a 30 ms
    // detection time must not depend on what else the machine runs.
    let frr = Frr::start_with(h2.name(), &frr_peer(me, peer, 10, false), Some(50));
    let kad = Router::start(
        Kind::Kad,
        h1,
        &format!(
            "global_defs {{\n  router_id kad\n  bfd_rt_priority 50\n}}\n{}",
            bfd_block("b1", peer, me, 10, "")
        ),
    );
    wait_log(&kad, "(b1) Entering Up state", "kad");
    assert!(frr.wait_status(me, "up", CONVERGE), "{}", kad.describe());
    // `bfd_rt_priority` took effect: /proc/PID/stat field 41 is the policy, 2 = SCHED_RR.
    let child = std::fs::read_to_string(kad.dir.join("b.pid")).expect("-b pid file");
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", child.trim())).expect("stat");
    let policy = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(38))
        .expect("policy");
    assert_eq!(policy, "2", "the BFD child is not SCHED_RR: {stat}");
    // Let the session settle at 10 ms before the flood.
    std::thread::sleep(Duration::from_secs(1));
    let mark = kad.log_mark();
    let stop = Arc::new(AtomicBool::new(false));
    let (ns, flag) = (h3.name().to_owned(), Arc::clone(&stop));
    let packets = hostile_packets(h2.v4(), h1.v4());
    let sender = std::thread::spawn(move || flood(&ns, packets, 4000, flag));
    std::thread::sleep(Duration::from_secs(4));
    stop.store(true, Ordering::Relaxed);
    let sent = sender.join().expect("flood");
    eprintln!("flood: {sent} bad packets in 4 s");
    assert!(sent > 4000, "the flood sent only {sent} packets");
    let during = kad.log_since(mark);
    let downs: Vec<&str> = during
        .lines()
        .filter(|l| l.contains("Entering Down state"))
        .collect();
    // An accepted spoofed Down would read "Neighbor Signaled Session Down" with the
    // attacker's diagnostic (0) as the remote one: never acceptable.
    for l in &downs {
        assert!(
            !(l.contains("Local diagnostic - Neighbor Signaled Session Down")
                && l.contains("Remote diagnostic - No Diagnostic")),
            "a spoofed Down got through: {l}\n{}",
            kad.describe()
        );
    }
    // A 30 ms detection time also needs the kernel's softirq thread, which real-time
    // priority does not cover: on a machine loaded beyond its CPUs (other builds), a missed
    // 30 ms is the machine's, not the flood's (it happens with 20 pps of flood as well).
    let load = load_per_cpu();
    if load < 1.0 {
        assert!(
            downs.is_empty(),
            "the session went down under the flood (load {load:.1} per CPU)\n{}",
            kad.describe()
        );
    } else if !downs.is_empty() {
        eprintln!("NOTE: load {load:.1} per CPU; timing flaps tolerated: {downs:?}");
        assert!(frr.wait_status(me, "up", CONVERGE), "{}", kad.describe());
        std::thread::sleep(Duration::from_secs(2));
    }
    assert_eq!(frr.peer(me).expect("peer")["status"], "up");

    // SIGUSR1: the BFD process's dump shows the session Up and each bad packet's reason.
    let text = bfd_dump(&kad);
    assert!(text.contains(" BFD Instance = b1\n"), "{text}");
    assert!(text.contains("   local state = Up\n"), "{text}");
    assert!(text.contains(" unusable datagrams = 0\n"), "{text}");
    let rejected: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix(" packets rejected = "))
        .and_then(|n| n.parse().ok())
        .expect("packets rejected");
    assert!(
        rejected >= sent * 9 / 10 && rejected <= sent,
        "{sent} bad packets sent, {rejected} rejected:\n{text}"
    );
    for reason in [
        "ttl_too_low",
        "bad_version",
        "zero_detect_mult",
        "multipoint",
        "zero_my_discriminator",
        "zero_your_discriminator",
        "unknown_discriminator",
        "unexpected_auth",
    ] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{reason} = ")));
        assert!(line.is_some(), "no {reason} rejections counted:\n{text}");
    }
}

/// One BFD control packet as the capture on kad's side saw it.
#[derive(Debug, Clone)]
struct Seen {
    /// Kernel timestamp, seconds.
    t: f64,
    from_kad: bool,
    /// bfd.sta: 1 Down, 3 Up.
    state: u8,
    diag: u8,
    poll_or_final: bool,
    detect_mult: u32,
    /// Desired Min TX and Required Min RX, µs.
    min_tx: u64,
    min_rx: u64,
}

/// The BFD packets in `pcap`, in capture order; `kad` is kad's address.
fn bfd_packets(pcap: &std::path::Path, kad: Ipv4Addr) -> Vec<Seen> {
    let rows = capture::fields(
        pcap,
        "bfd",
        &[
            "frame.time_epoch",
            "ip.src",
            "bfd.sta",
            "bfd.diag",
            "bfd.flags.p",
            "bfd.flags.f",
            "bfd.detect_time_multiplier",
            "bfd.desired_min_tx_interval",
            "bfd.required_min_rx_interval",
        ],
    );
    let num = |s: &str| -> u64 {
        let s = s.trim();
        match s.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).unwrap_or(u64::MAX),
            None => match s {
                "True" => 1,
                "False" => 0,
                _ => s.parse().unwrap_or(u64::MAX),
            },
        }
    };
    rows.iter()
        .filter(|r| r.len() == 9)
        .map(|r| Seen {
            t: r[0].parse().expect("frame.time_epoch"),
            from_kad: r[1] == kad.to_string(),
            state: u8::try_from(num(&r[2])).unwrap_or(u8::MAX),
            diag: u8::try_from(num(&r[3])).unwrap_or(u8::MAX),
            poll_or_final: num(&r[4]) == 1 || num(&r[5]) == 1,
            detect_mult: u32::try_from(num(&r[6])).unwrap_or(0),
            min_tx: num(&r[7]),
            min_rx: num(&r[8]),
        })
        .collect()
}

/// One detection read off the wire: the peer's last packet before kad's first Down with
/// diag 1 (Control Detection Time Expired) after the kill, the Detection Time those packets
/// imply (RFC 5880 §6.8.4: the peer's Detect Mult × max(kad's Required Min RX, the peer's
/// Desired Min TX)), and how much later than that kad's Down went out.
#[derive(Debug)]
struct Detection {
    detection_ms: f64,
    over_ms: f64,
    /// Gaps between kad's consecutive periodic packets while Up (no P or F), ms.
    gaps_ms: Vec<f64>,
}

/// `None` when the session was not Up at `killed` (a flap of a loaded machine) or kad sent
/// no Down after it.
fn detection_on_the_wire(seen: &[Seen], killed: f64) -> Option<Detection> {
    let down = seen
        .iter()
        .position(|p| p.t > killed && p.from_kad && p.state == 1 && p.diag == 1)?;
    let last = seen[..down].iter().rposition(|p| !p.from_kad)?;
    let mine = seen[..down].iter().rfind(|p| p.from_kad)?;
    if mine.state != 3 || seen[last].state != 3 {
        return None;
    }
    let peer = &seen[last];
    let interval_us = mine.min_rx.max(peer.min_tx);
    let detection_ms = (u64::from(peer.detect_mult) * interval_us) as f64 / 1e3;
    let over_ms = (seen[down].t - peer.t) * 1e3 - detection_ms;
    let mine: Vec<&Seen> = seen[..down].iter().filter(|p| p.from_kad).collect();
    let gaps_ms = mine
        .windows(2)
        .filter(|w| w.iter().all(|p| p.state == 3 && !p.poll_or_final))
        .map(|w| (w[1].t - w[0].t) * 1e3)
        .collect();
    Some(Detection {
        detection_ms,
        over_ms,
        gaps_ms,
    })
}

/// RFC 5880 §6.8.4 on the wire, at 10 ms × 3 against FRR: each time bfdd is SIGKILLed,
/// kad's first Down packet (diag 1) leaves one Detection Time after the last packet it
/// heard, within `DETECT_MARGIN_MS`; and while Up, kad's periodic packets are 75–100 % of
/// the interval apart (§6.8.7), not keepalived's 75–90 %.
///
/// Both timestamps are the capture's, taken in kad's namespace: the last packet's as it
/// arrives, the Down's as kad sends it, so neither the kill's own delay nor the event to
/// a tracker counts. kad's BFD child runs under SCHED_RR (`bfd_rt_priority`), as it should
/// in production with timers this short. Measured here at load 7–8 per CPU: 0.2–0.35 ms.
#[test]
fn detection_time_on_the_wire_at_10ms_is_within_the_margin() {
    /// The issue's goal is 2 ms; one more for a loaded CI machine.
    const DETECT_MARGIN_MS: f64 = 3.0;
    /// A single sample may be later on a machine loaded beyond its CPUs (the softirq
    /// delivering the last packet is not real-time): a third of the detection time.
    const WORST_MS: f64 = 10.0;
    const SAMPLES: usize = 3;
    /// Samples lost to a flap before the kill (the session not Up) are taken again.
    const ATTEMPTS: usize = 6;
    if !can_run(true, false) || !capture::available() {
        return;
    }
    let _serial = serial();
    let lan = Lan::new(2).expect("lan");
    let (h1, h2) = (lan.host(1), lan.host(2));
    let (me, peer) = (IpAddr::from(h1.v4()), IpAddr::from(h2.v4()));
    let kad = Router::start(
        Kind::Kad,
        h1,
        &format!(
            "global_defs {{\n  router_id kad\n  bfd_rt_priority 50\n}}\n{}",
            bfd_block("b1", peer, me, 10, "")
        ),
    );
    let dir = std::env::temp_dir().join(format!("{}-cap", h1.name()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut samples = Vec::new();
    for i in 0..ATTEMPTS {
        if samples.len() == SAMPLES {
            break;
        }
        // A fresh bfdd each time: the session comes Up as it does in service.
        let mark = kad.log_mark();
        let mut frr = Frr::start_with(h2.name(), &frr_peer(me, peer, 10, false), Some(50));
        assert!(
            kad.wait_log(mark, "(b1) Entering Up state", CONVERGE)
                && frr.wait_status(me, "up", CONVERGE),
            "attempt {i}: the session did not come Up\n{}\n{}",
            kad.describe(),
            frr.describe()
        );
        // FRR's Poll to its 10 ms timers ends within milliseconds of Up; then a second of
        // steady state for the jitter.
        std::thread::sleep(Duration::from_millis(300));
        let cap = Capture::start(&h1.ns, DEV, "udp port 3784", &dir, &format!("detect{i}"));
        std::thread::sleep(Duration::from_secs(1));
        let mark = kad.log_mark();
        let killed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs_f64();
        frr.kill();
        let down = kad.wait_log(mark, "(b1) Entering Down state", CONVERGE);
        // Let kad's Down packet leave before the capture stops.
        std::thread::sleep(Duration::from_millis(100));
        let pcap = cap.stop();
        assert!(down, "attempt {i}: no Down\n{}", kad.describe());
        drop(frr);
        let seen = bfd_packets(&pcap, h1.v4());
        let Some(d) = detection_on_the_wire(&seen, killed) else {
            let around: Vec<String> = seen
                .iter()
                .filter(|p| (p.t - killed).abs() < 0.05)
                .map(|p| {
                    let who = if p.from_kad { "kad" } else { "frr" };
                    format!(
                        "{:+.1} ms {who} state {} diag {}",
                        (p.t - killed) * 1e3,
                        p.state,
                        p.diag
                    )
                })
                .collect();
            eprintln!(
                "attempt {i}: the session was not Up at the kill (a flap under load); again. \
                 Packets within 50 ms of the kill: {around:?}"
            );
            continue;
        };
        eprintln!(
            "attempt {i}: detection time {:.1} ms, kad's Down {:.3} ms after it; {} TX gaps {:.2}..{:.2} ms",
            d.detection_ms,
            d.over_ms,
            d.gaps_ms.len(),
            d.gaps_ms.iter().copied().fold(f64::INFINITY, f64::min),
            d.gaps_ms.iter().copied().fold(0.0, f64::max),
        );
        assert!(
            (d.detection_ms - 30.0).abs() < 1e-6,
            "attempt {i}: not 10 ms x 3: {d:?}"
        );
        samples.push(d);
    }
    assert_eq!(
        samples.len(),
        SAMPLES,
        "the session flapped before the kill in too many attempts\n{}",
        kad.describe()
    );
    let mut overs: Vec<f64> = samples.iter().map(|d| d.over_ms).collect();
    overs.sort_by(f64::total_cmp);
    let median = overs[overs.len() / 2];
    let load = load_per_cpu();
    eprintln!(
        "detection at 10 ms x 3: over {overs:.3?} ms, median {median:.3} ms (margin {DETECT_MARGIN_MS} ms; load {load:.1} per CPU)"
    );
    // Never early: the timer runs from kad's receive, which is after the capture's stamp.
    assert!(overs[0] > -0.5, "Down before the detection time: {overs:?}");
    assert!(
        median <= DETECT_MARGIN_MS && overs[overs.len() - 1] <= WORST_MS,
        "detection later than theory + {DETECT_MARGIN_MS} ms (median) / {WORST_MS} ms (worst): {overs:?}"
    );

    // §6.8.7: 75-100 % of 10 ms. A gap is at least the jittered interval less the send's
    // own latency (0.5 ms allowed); the upper part of the range is drawn too (uniform: 40 %
    // of gaps above 9 ms, none but late ones with keepalived's 75-90 %).
    let gaps: Vec<f64> = samples.iter().flat_map(|d| d.gaps_ms.clone()).collect();
    assert!(gaps.len() > 150, "too few TX gaps: {}", gaps.len());
    let short = gaps.iter().filter(|g| **g < 7.0).count();
    assert_eq!(short, 0, "TX gaps below 75 % of 10 ms: {gaps:.2?}");
    let high = gaps.iter().filter(|g| (9.0..=10.5).contains(*g)).count();
    assert!(
        high * 10 >= gaps.len(),
        "only {high} of {} TX gaps in 9-10.5 ms: jitter not 75-100 %? {gaps:.2?}",
        gaps.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
