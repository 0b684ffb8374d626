//! Active-active end to end: two kad directors announce a virtual server's address through
//! FRR's BGP to one upstream router, which spreads it over both (ECMP), and takes a director
//! out when its real servers fail, when its checker process dies (kad's parent withdraws),
//! when it hangs or dies (BFD), and when it is stopped (before it exits, after the drain).
//!
//! One LAN of namespaces (`e2e::netns`, 192.0.2.0/24): host 1 is the router (FRR zebra, bgpd
//! and bfdd, `maximum-paths`, BFD 100 ms × 3 on both sessions); hosts 2 and 3 are directors,
//! each running FRR (zebra importing kernel table 100, bgpd redistributing it, bfdd) and kad
//! with `announce { table 100 }` on `virtual_server 203.0.113.100 80`. Each director holds
//! the VIP (a `local` route) and its own copy of the real server 198.51.100.10:80 on `lo` (a
//! TCP listener), so both have the same real-server set, as `mh` needs. The host kernel has no IPVS: kad's
//! checker process runs its checks and quorum without it, which is all that announcements
//! need; traffic through IPVS is not carried here.
//!
//! It needs root and FRR (scripts/deps.sh installs it): without them it prints SKIP and
//! passes, except under `CI=true`, where it fails.

#[allow(dead_code)]
mod e2e;

use std::fs::File;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use e2e::netns::{must, Host, Lan};
use e2e::router::{children_of, standard_args, Kind, Router};

const ZEBRA: &str = "/usr/lib/frr/zebra";
const BGPD: &str = "/usr/lib/frr/bgpd";
const BFDD: &str = "/usr/lib/frr/bfdd";
const VTYSH: &str = "/usr/bin/vtysh";

/// The announced address and its real server.
const VIP: &str = "203.0.113.100";
const REAL: &str = "198.51.100.10";
/// The table kad announces into and zebra imports.
const TABLE: u32 = 100;
/// BFD on every session: 100 ms × 3.
const BFD_INTERVAL: Duration = Duration::from_millis(100);
const BFD_MULT: u32 = 3;
/// `drain` of the announcement.
const DRAIN: Duration = Duration::from_secs(2);
/// BGP keepalive and hold times: the hold time is far above BFD's detection time, so a
/// withdrawal within the latter is BFD's doing.
const HOLD: Duration = Duration::from_secs(9);
/// Sessions coming up, checks failing, routes converging: generous for a loaded machine.
const CONVERGE: Duration = Duration::from_secs(60);
/// What a loaded 2-core machine may add to a measured withdrawal (scheduling of bfdd,
/// bgpd and zebra, and this test's polling).
const MARGIN: Duration = Duration::from_millis(1500);

/// SKIP (or, under CI=true, fail) when the test cannot run here.
fn can_run() -> bool {
    let mut missing = Vec::new();
    if !nix::unistd::geteuid().is_root() {
        missing.push("root".to_owned());
    }
    for p in [ZEBRA, BGPD, BFDD, VTYSH] {
        if !Path::new(p).exists() {
            missing.push(format!("{p} (Debian's frr)"));
        }
    }
    if kad_skip::find_program("python3").is_none() {
        missing.push("python3".to_owned());
    }
    if missing.is_empty() {
        return true;
    }
    kad_skip::skip(format!("missing {missing:?}"));
    false
}

/// FRR's zebra, bfdd and bgpd in one namespace, sharing a vty directory; killed on drop.
struct Frr {
    dir: PathBuf,
    ns: String,
    daemons: Vec<Child>,
}

impl Frr {
    /// Starts zebra with `zebra_conf`, then bfdd (profile `fast`) and bgpd with `bgpd_conf`.
    fn start(ns: &str, zebra_conf: &str, bgpd_conf: &str) -> Frr {
        let dir = std::env::temp_dir().join(format!("{ns}-aa-frr"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("frr dir");
        let bfdd_conf = format!(
            "bfd\n profile fast\n  detect-multiplier {BFD_MULT}\n  receive-interval {ms}\n  \
             transmit-interval {ms}\n !\n!\n",
            ms = BFD_INTERVAL.as_millis()
        );
        std::fs::write(dir.join("zebra.conf"), zebra_conf).expect("zebra.conf");
        std::fs::write(dir.join("bfdd.conf"), bfdd_conf).expect("bfdd.conf");
        std::fs::write(dir.join("bgpd.conf"), bgpd_conf).expect("bgpd.conf");
        must(Command::new("chown").args(["-R", "frr:frr"]).arg(&dir));
        let mut frr = Frr {
            dir,
            ns: ns.to_owned(),
            daemons: Vec::new(),
        };
        frr.spawn(ZEBRA, "zebra", &[]);
        let deadline = Instant::now() + Duration::from_secs(20);
        while !frr.dir.join("zserv.api").exists() {
            assert!(
                Instant::now() < deadline,
                "no zebra API socket\n{}",
                frr.describe()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let ctl = frr.dir.join("bfdd.sock").to_string_lossy().into_owned();
        frr.spawn(BFDD, "bfdd", &["--bfdctl", &ctl]);
        frr.spawn(BGPD, "bgpd", &[]);
        frr
    }

    fn spawn(&mut self, prog: &str, name: &str, extra: &[&str]) {
        let d = self.dir.to_str().expect("utf-8 dir").to_owned();
        let log = File::create(self.dir.join(format!("{name}.out"))).expect("log");
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns, prog, "-f"])
            .arg(format!("{d}/{name}.conf"))
            .arg("-i")
            .arg(format!("{d}/{name}.pid"))
            .args(["--vty_socket", &d, "-z"])
            .arg(format!("{d}/zserv.api"))
            .args(["-A", "127.0.0.1", "--log"])
            .arg(format!("file:{d}/{name}.log"))
            .args(extra)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {prog}: {e}"));
        self.daemons.push(child);
    }

    fn vtysh(&self, cmd: &str) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.ns, VTYSH, "--vty_socket"])
            .arg(&self.dir)
            .args(["-c", cmd])
            .output()
            .expect("vtysh");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The next hops `show ip route VIP/32 json` lists as installed in the FIB.
    fn vip_next_hops(&self) -> Vec<String> {
        let text = self.vtysh(&format!("show ip route {VIP}/32 json"));
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
            return Vec::new();
        };
        let mut hops: Vec<String> = v[format!("{VIP}/32")]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["protocol"] == "bgp" && r["selected"] == true)
            .flat_map(|r| r["nexthops"].as_array().cloned().unwrap_or_default())
            .filter(|h| h["fib"] == true)
            .filter_map(|h| h["ip"].as_str().map(str::to_owned))
            .collect();
        hops.sort();
        hops
    }

    /// Sends `sig` to every daemon.
    fn signal(&self, sig: Signal) {
        for c in &self.daemons {
            let _ = kill(Pid::from_raw(c.id() as i32), sig);
        }
    }

    fn kill(&mut self) {
        for mut c in self.daemons.drain(..) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn describe(&self) -> String {
        let mut s = format!("--- FRR in {} ---\n", self.ns);
        for name in ["zebra", "bfdd", "bgpd"] {
            let log = std::fs::read_to_string(self.dir.join(format!("{name}.log")))
                .or_else(|_| std::fs::read_to_string(self.dir.join(format!("{name}.out"))))
                .unwrap_or_default();
            let tail = &log[log.len().saturating_sub(3000)..];
            s.push_str(&format!("[{name}]\n{tail}\n"));
        }
        s
    }
}

impl Drop for Frr {
    fn drop(&mut self) {
        self.signal(Signal::SIGCONT);
        self.kill();
        if std::thread::panicking() {
            eprintln!("{}", self.describe());
            eprintln!("{}", self.vtysh("show bgp summary"));
            eprintln!("{}", self.vtysh("show bfd peers brief"));
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// A TCP listener standing for the real server, in a director's namespace; killed on drop.
struct Listener {
    child: Option<Child>,
}

impl Listener {
    fn start(host: &Host) -> Listener {
        let script = format!(
            "import socket\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
             s.bind(('{REAL}', 80))\ns.listen(64)\nwhile True:\n    c, _ = s.accept()\n    c.close()\n"
        );
        let child = host
            .ns
            .exec("python3")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .spawn()
            .expect("python3");
        Listener { child: Some(child) }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One director: the VIP and real server on `lo`, FRR, the listener and kad.
struct Director {
    frr: Frr,
    listener: Listener,
    kad: Router,
    addr: Ipv4Addr,
    dir: PathBuf,
}

impl Drop for Director {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn director(host: &Host, router: Ipv4Addr) -> Director {
    // The VIP is local through a `local` route, not an address: zebra prefers a connected
    // route over every other, so an address would shadow the announcement.
    must(host.ns.ip().args([
        "route",
        "add",
        "local",
        &format!("{VIP}/32"),
        "dev",
        "lo",
        "table",
        "local",
    ]));
    must(
        host.ns
            .ip()
            .args(["addr", "add", &format!("{REAL}/32"), "dev", "lo"]),
    );
    let me = host.v4();
    let zebra = format!("ip import-table {TABLE}\n!\n");
    let bgpd = format!(
        "ip prefix-list KAD-VIPS seq 5 permit 203.0.113.0/24 ge 32\n!\n\
         route-map KAD permit 10\n match ip address prefix-list KAD-VIPS\n!\n\
         router bgp 64501\n bgp router-id {me}\n no bgp ebgp-requires-policy\n \
         timers bgp {ka} {hold}\n neighbor {router} remote-as 64500\n \
         neighbor {router} timers connect 1\n neighbor {router} bfd profile fast\n \
         address-family ipv4 unicast\n  redistribute table {TABLE} route-map KAD\n \
         exit-address-family\n!\n",
        ka = HOLD.as_secs() / 3,
        hold = HOLD.as_secs(),
    );
    let frr = Frr::start(host.name(), &zebra, &bgpd);
    let listener = Listener::start(host);
    let conf = format!(
        "global_defs {{\n  router_id director{}\n}}\n\
         virtual_server {VIP} 80 {{\n  delay_loop 1\n  lvs_sched mh\n  lvs_method DR\n  \
         protocol TCP\n  real_server {REAL} 80 {{\n    TCP_CHECK {{\n      connect_timeout 1\n      \
         retry 0\n    }}\n  }}\n}}\n",
        host.idx
    );
    let ext = format!(
        "virtual_server {VIP} 80 {{\n  announce {{\n    table {TABLE}\n    drain {}\n  }}\n}}\n",
        DRAIN.as_secs()
    );
    let dir = std::env::temp_dir().join(format!("{}-aa", host.name()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("kad dir");
    std::fs::write(dir.join("keepalived.conf"), conf).expect("conf");
    std::fs::write(dir.join("ext.conf"), ext).expect("ext");
    let mut args = standard_args(&dir);
    args.push("--ext-config".to_owned());
    args.push(dir.join("ext.conf").to_string_lossy().into_owned());
    let kad = Router::start_args(Kind::Kad, host, &args);
    Director {
        frr,
        listener,
        kad,
        addr: me,
        dir,
    }
}

fn upstream(host: &Host, directors: &[Ipv4Addr]) -> Frr {
    let mut bgpd = format!(
        "router bgp 64500\n bgp router-id {}\n no bgp ebgp-requires-policy\n timers bgp {} {}\n",
        host.v4(),
        HOLD.as_secs() / 3,
        HOLD.as_secs()
    );
    for d in directors {
        bgpd.push_str(&format!(
            " neighbor {d} remote-as 64501\n neighbor {d} timers connect 1\n \
             neighbor {d} bfd profile fast\n"
        ));
    }
    bgpd.push_str(" address-family ipv4 unicast\n  maximum-paths 8\n exit-address-family\n!\n");
    Frr::start(host.name(), "!\n", &bgpd)
}

/// Waits until the router's FIB has exactly `want` as the VIP's next hops.
fn wait_hops(router: &Frr, want: &[Ipv4Addr], within: Duration, what: &str, ds: &[&Director]) {
    let mut want: Vec<String> = want.iter().map(ToString::to_string).collect();
    want.sort();
    let deadline = Instant::now() + within;
    loop {
        let got = router.vip_next_hops();
        if got == want {
            return;
        }
        if Instant::now() >= deadline {
            let mut s = String::new();
            for d in ds {
                s.push_str(&d.kad.describe());
                s.push('\n');
                s.push_str(&d.frr.describe());
            }
            panic!(
                "{what}: the router's next hops for {VIP} are {got:?}, not {want:?}, after \
                 {within:?}\n{}\n{}\n{s}",
                router.vtysh("show bgp summary"),
                router.vtysh("show bfd peers brief"),
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls the router's kernel route to the VIP (cheaper than vtysh, so the measurement's
/// resolution is a few milliseconds) until `gone` no longer is a next hop; the time from
/// `since`.
fn time_until_gone(router_ns: &str, gone: Ipv4Addr, since: Instant, within: Duration) -> Duration {
    let needle = format!("via {gone} ");
    loop {
        let out = Command::new("ip")
            .args(["-n", router_ns, "-o", "route", "show", &format!("{VIP}/32")])
            .output()
            .expect("ip route");
        let text = String::from_utf8_lossy(&out.stdout);
        if !text.contains(&needle) {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < within,
            "{gone} still a next hop of {VIP} after {within:?}: {text}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Every process of a director: its FRR daemons and kad's whole tree, to be frozen or killed
/// at once.
fn director_pids(d: &Director) -> Vec<Pid> {
    let mut pids: Vec<Pid> = d
        .frr
        .daemons
        .iter()
        .map(|c| Pid::from_raw(c.id() as i32))
        .collect();
    let Some(root) = d.kad.pid() else {
        return pids;
    };
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        tree.extend(children_of(tree[i]));
        i += 1;
    }
    pids.extend(tree);
    pids
}

#[test]
fn two_directors_share_a_vip_and_each_leaves_it_as_it_should() {
    if !can_run() {
        return;
    }
    let lan = Lan::new(3).expect("lan");
    let (r, h1, h2) = (lan.host(1), lan.host(2), lan.host(3));
    let router = upstream(r, &[h1.v4(), h2.v4()]);
    let mut d1 = director(h1, r.v4());
    let mut d2 = director(h2, r.v4());
    let (a1, a2) = (d1.addr, d2.addr);

    // Both announce: ECMP over both.
    wait_hops(&router, &[a1, a2], CONVERGE, "start", &[&d1, &d2]);
    assert!(d1
        .kad
        .log()
        .contains(&format!("Announcing {VIP}/32 table {TABLE} protocol 19")));

    // Director 1's real server fails: its quorum is lost and its path withdrawn; back again
    // when the server is.
    d1.listener.stop();
    wait_hops(
        &router,
        &[a2],
        CONVERGE,
        "real server of director 1 down",
        &[&d1, &d2],
    );
    assert!(
        d1.kad.log().contains("Lost quorum"),
        "{}",
        d1.kad.describe()
    );
    assert!(d1.kad.log().contains(&format!("Withdrawing {VIP}/32")));
    d1.listener = Listener::start(h1);
    wait_hops(
        &router,
        &[a1, a2],
        CONVERGE,
        "real server of director 1 back",
        &[&d1, &d2],
    );

    // Director 1's checker process dies: the parent withdraws its routes before respawning it,
    // and the new one announces again.
    let mark = d1.kad.log_mark();
    let checker: i32 = std::fs::read_to_string(d1.dir.join("c.pid"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .expect("checker pid file");
    kill(Pid::from_raw(checker), Signal::SIGKILL).expect("kill checker");
    let needle = format!("Withdrawing {VIP}/32 table {TABLE} protocol 19 (checker process died)");
    assert!(
        d1.kad.wait_log(mark, &needle, CONVERGE),
        "no `{needle}`\n{}",
        d1.kad.describe()
    );
    assert!(
        d1.kad
            .wait_log(mark, &format!("Announcing {VIP}/32"), CONVERGE),
        "{}",
        d1.kad.describe()
    );
    wait_hops(
        &router,
        &[a1, a2],
        CONVERGE,
        "checker of director 1 respawned",
        &[&d1, &d2],
    );

    // Director 1 hangs (every process frozen: no FIN, no BFD packet): BFD takes it out.
    let detect = BFD_INTERVAL * BFD_MULT;
    let frozen = director_pids(&d1);
    let t0 = Instant::now();
    for p in &frozen {
        let _ = kill(*p, Signal::SIGSTOP);
    }
    let hung = time_until_gone(r.name(), a1, t0, HOLD);
    for p in &frozen {
        let _ = kill(*p, Signal::SIGCONT);
    }
    eprintln!(
        "active-active: hung director withdrawn after {} ms (BFD detection {} ms, BGP hold {} s)",
        hung.as_millis(),
        detect.as_millis(),
        HOLD.as_secs()
    );
    // The last BFD packet left at most one interval before the freeze.
    assert!(
        hung + BFD_INTERVAL >= detect.mul_f32(0.9),
        "withdrawn after {hung:?}, before BFD could have detected anything ({detect:?})"
    );
    assert!(
        hung <= detect + MARGIN,
        "withdrawn after {hung:?}: BFD detection {detect:?} + margin {MARGIN:?}"
    );
    wait_hops(
        &router,
        &[a1, a2],
        CONVERGE,
        "director 1 thawed",
        &[&d1, &d2],
    );

    // Director 2 is SIGKILLed, FRR and kad alike.
    let t0 = Instant::now();
    for p in director_pids(&d2) {
        let _ = kill(p, Signal::SIGKILL);
    }
    let killed = time_until_gone(r.name(), a2, t0, HOLD);
    eprintln!(
        "active-active: killed director withdrawn after {} ms",
        killed.as_millis()
    );
    assert!(
        killed <= detect + MARGIN,
        "withdrawn after {killed:?}: BFD detection {detect:?} + margin {MARGIN:?}"
    );
    d2.frr.kill();
    d2.kad.kill();
    wait_hops(&router, &[a1], CONVERGE, "director 2 killed", &[&d1]);

    // Director 1's kad is stopped: its path goes before kad exits, after the drain.
    let mark = d1.kad.log_mark();
    let t0 = Instant::now();
    d1.kad.signal(Signal::SIGTERM);
    let withdrawn = time_until_gone(r.name(), a1, t0, CONVERGE);
    assert!(
        d1.kad.alive_or_stopped() && d1.kad.pid().is_some(),
        "kad exited before its path was withdrawn\n{}",
        d1.kad.describe()
    );
    assert!(
        d1.kad.stop(CONVERGE),
        "kad did not exit\n{}",
        d1.kad.describe()
    );
    let exited = t0.elapsed();
    eprintln!(
        "active-active: stopped director withdrawn after {} ms, kad exited after {} ms (drain {} ms)",
        withdrawn.as_millis(),
        exited.as_millis(),
        DRAIN.as_millis()
    );
    assert!(
        withdrawn < exited && exited >= DRAIN,
        "withdrawn {withdrawn:?}, exited {exited:?}, drain {DRAIN:?}"
    );
    let log = d1.kad.log_since(mark);
    let w = log.find("Withdrawing announcements, then draining for 2000 ms");
    let done = log.find("Drain complete");
    assert!(
        w.is_some() && done > w,
        "no withdraw-and-drain lines in order:\n{log}"
    );
    assert!(router.vip_next_hops().is_empty());
    // Nothing left in the director's table.
    let left = must(
        h1.ns
            .ip()
            .args(["route", "show", "table", &TABLE.to_string()]),
    );
    assert!(!left.contains(VIP), "{left}");
}

/// `kad -t` reads `announce` blocks with the configuration; keepalived 2.2.7 (when installed)
/// still accepts the keepalived.conf itself.
#[test]
fn config_test_checks_announce_blocks() {
    let dir = std::env::temp_dir().join(format!("kad-aa-t-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let conf = dir.join("keepalived.conf");
    std::fs::write(
        &conf,
        format!(
            "virtual_server {VIP} 80 {{\n  lvs_sched mh\n  lvs_method DR\n  protocol TCP\n  \
             real_server {REAL} 80 {{\n    TCP_CHECK {{\n    }}\n  }}\n}}\n"
        ),
    )
    .expect("conf");
    let run = |ext: &str| {
        let x = dir.join("kad-ext.conf");
        std::fs::write(&x, ext).expect("ext");
        let out = Command::new(Kind::Kad.program())
            .arg("-t")
            .arg("-f")
            .arg(&conf)
            .arg("--ext-config")
            .arg(&x)
            .output()
            .expect("kad -t");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&format!(
        "virtual_server {VIP} 80 {{\n  announce {{\n    table 100\n    drain 0.5\n  }}\n}}\n"
    ));
    assert_eq!(code, Some(0), "{err}");
    let x = dir.join("kad-ext.conf").to_string_lossy().into_owned();
    let (code, err) = run("virtual_server 203.0.113.101 80 {\n  announce\n}\n");
    assert_eq!(code, Some(5), "{err}");
    assert!(
        err.contains(&format!(
            "{x}:1:1: error: virtual_server 203.0.113.101 80 is not defined in the configuration\n  \
             hint: the configuration defines {VIP} 80"
        )),
        "{err}"
    );
    let (code, err) = run(&format!(
        "virtual_server {VIP} 80 {{\n  announce {{\n    protocol 300\n  }}\n}}\n"
    ));
    assert_eq!(code, Some(5), "{err}");
    assert!(err.contains(&format!("{x}:3:14: error:")), "{err}");
    match kad_skip::find_program("keepalived") {
        Some(keepalived) => {
            let out = Command::new(keepalived)
                .arg("-t")
                .arg("-f")
                .arg(&conf)
                .output()
                .expect("keepalived -t");
            assert!(out.status.success(), "{out:?}");
        }
        None => kad_skip::skip("keepalived not installed: its verdict on the file is not checked"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
