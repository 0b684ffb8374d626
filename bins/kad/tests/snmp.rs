//! kad as an SNMP AgentX subagent, against Debian's net-snmp: `snmpd` as the master agent
//! (its own configuration and AgentX socket in the test's directory, inside the test's
//! network namespace, answering on loopback), `snmpwalk` reading kad's tables by name with
//! the MIB files Debian's keepalived ships, and `snmptrapd` receiving the notifications.
//!
//! The reference is keepalived 2.2.7 itself: each scenario runs keepalived and then kad on
//! the same configuration and state, and the walks (and the notifications) must be equal
//! after the normalisations [`normalise_walk`] lists, each with its reason.
//!
//! Needs root (namespaces), snmpd, snmp, snmptrapd and keepalived: without them a test
//! prints SKIP, or fails under CI=true.

#[allow(dead_code)]
mod e2e;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use e2e::netns::{must, Host, Lan};
use e2e::router::{Kind, Router};

/// Stand-ins for the IETF modules the three MIBs import (see their README).
const STUB_MIBS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snmp/mibs");
const DEBIAN_MIBS: &str = "/usr/share/snmp/mibs";
const MODULES: &str = "KEEPALIVED-MIB:VRRP-MIB:VRRPV3-MIB";
const SNMPD: &str = "/usr/sbin/snmpd";
const SNMPTRAPD: &str = "/usr/sbin/snmptrapd";
const SNMPWALK: &str = "/usr/bin/snmpwalk";
/// snmpd's SNMP port and snmptrapd's, on the namespace's loopback.
const AGENT: &str = "127.0.0.1:16161";
const TRAPS: &str = "127.0.0.1:16162";
/// Generous: keepalived and kad converge in about 4 s here.
const CONVERGE: Duration = Duration::from_secs(30);

/// Whether everything the tests need is here; under CI=true a missing piece fails.
fn ready() -> bool {
    let mut missing = Vec::new();
    for tool in [SNMPD, SNMPTRAPD, SNMPWALK] {
        if !Path::new(tool).exists() {
            missing.push(tool.to_owned());
        }
    }
    if !Path::new(DEBIAN_MIBS).join("KEEPALIVED-MIB.txt").exists() {
        missing.push(format!(
            "{DEBIAN_MIBS}/KEEPALIVED-MIB.txt (Debian's keepalived)"
        ));
    }
    if !Kind::Keepalived.available() {
        missing.push("keepalived".to_owned());
    }
    if missing.is_empty() {
        return true;
    }
    kad_skip::skip(format!("missing {missing:?}"));
    false
}

/// The LAN, or a SKIP (not root) that fails under CI=true.
fn lan(n: u8) -> Option<Lan> {
    Lan::new(n)
}

/// A process started in a namespace, killed (and reaped) on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// snmpd as AgentX master (and snmptrapd beside it) in `host`, files in their own directory.
struct Master {
    dir: PathBuf,
    ns: String,
    snmpd: Option<Proc>,
    _trapd: Proc,
}

impl Master {
    fn start(host: &Host) -> Master {
        let dir = std::env::temp_dir().join(format!("{}-snmp", host.name()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("persist")).expect("snmp dir");
        let conf = format!(
            "master agentx\nagentXSocket unix:{sock}\nagentXTimeout 5\nagentaddress udp:{AGENT}\n\
             rocommunity public 127.0.0.1\ntrap2sink {TRAPS} public\n",
            sock = dir.join("agentx").display()
        );
        std::fs::write(dir.join("snmpd.conf"), conf).expect("snmpd.conf");
        std::fs::write(dir.join("snmptrapd.conf"), "disableAuthorization yes\n").expect("conf");
        let trapd = Command::new("ip")
            .args(["netns", "exec", host.name(), SNMPTRAPD, "-f", "-C", "-c"])
            .arg(dir.join("snmptrapd.conf"))
            .arg("-Lf")
            .arg(dir.join("traps.log"))
            .args(["-M", &mib_dirs(), "-m", MODULES, "-F", "TRAP %v\n"])
            .arg("-p")
            .arg(dir.join("snmptrapd.pid"))
            .arg(format!("udp:{TRAPS}"))
            .env("SNMP_PERSISTENT_DIR", dir.join("persist"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("snmptrapd");
        let mut m = Master {
            dir,
            ns: host.name().to_owned(),
            snmpd: None,
            _trapd: Proc(trapd),
        };
        m.start_snmpd();
        m
    }

    /// (Re)starts snmpd and waits for its AgentX socket.
    fn start_snmpd(&mut self) {
        let sock = self.dir.join("agentx");
        let _ = std::fs::remove_file(&sock);
        let snmpd = Command::new("ip")
            .args(["netns", "exec", &self.ns, SNMPD, "-f", "-C", "-c"])
            .arg(self.dir.join("snmpd.conf"))
            .arg("-Lf")
            .arg(self.dir.join("snmpd.log"))
            .arg("-p")
            .arg(self.dir.join("snmpd.pid"))
            // No MIB modules of its own beyond what answering needs (none are installed).
            .env("MIBS", "")
            .env("SNMP_PERSISTENT_DIR", self.dir.join("persist"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("snmpd");
        self.snmpd = Some(Proc(snmpd));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !sock.exists() {
            assert!(Instant::now() < deadline, "snmpd made no AgentX socket");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop_snmpd(&mut self) {
        self.snmpd = None;
    }

    fn socket(&self) -> String {
        format!("unix:{}", self.dir.join("agentx").display())
    }

    /// `snmpwalk` of `root`, one line per object.
    fn walk(&self, root: &str) -> Vec<String> {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.ns, SNMPWALK, "-v2c", "-c", "public"])
            .args(["-M", &mib_dirs(), "-m", MODULES, AGENT, root])
            .output()
            .expect("snmpwalk");
        // A subtree nobody serves reads as one "No Such Object" line: empty.
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.contains("No Such Object available"))
            .map(str::to_owned)
            .collect()
    }

    /// The walk of everything keepalived serves.
    fn walk_all(&self) -> Vec<String> {
        let mut w = self.walk("KEEPALIVED-MIB::keepalived");
        w.extend(self.walk(".1.3.6.1.2.1.68"));
        w.extend(self.walk(".1.3.6.1.2.1.207"));
        w
    }

    /// The notifications snmptrapd logged that came from keepalived's MIBs, from the
    /// `skip`th on.
    fn traps(&self, skip: usize) -> Vec<String> {
        let log = std::fs::read_to_string(self.dir.join("traps.log")).unwrap_or_default();
        log.lines()
            .filter(|l| {
                l.starts_with("TRAP ") && (l.contains("VRRP") || l.contains("KEEPALIVED-MIB"))
            })
            .map(|l| {
                // sysUpTime.0, which snmpd adds, differs between runs.
                l.split('\t')
                    .filter(|v| !v.contains("Timeticks"))
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .skip(skip)
            .collect()
    }
}

impl Drop for Master {
    fn drop(&mut self) {
        self.snmpd = None;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn mib_dirs() -> String {
    format!("{DEBIAN_MIBS}:{STUB_MIBS}")
}

/// Waits until `pred` holds for a walk of everything; returns that walk.
fn wait_walk(m: &Master, what: &str, pred: impl Fn(&[String]) -> bool) -> Vec<String> {
    let deadline = Instant::now() + CONVERGE;
    loop {
        let w = m.walk_all();
        if pred(&w) {
            return w;
        }
        assert!(
            Instant::now() < deadline,
            "no {what} within {CONVERGE:?}; last walk:\n{}",
            w.join("\n")
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The configuration of the walk comparison: every column keepalived fills in for a VRRP
/// router (both versions, both families, authentication, a sync group, a tracked script
/// and interface, notify scripts, an excluded address, address options, mail settings).
fn walk_config(socket: &str) -> String {
    format!(
        r#"global_defs {{
  router_id snmp1
  enable_snmp_vrrp
  enable_snmp_rfcv2
  enable_snmp_rfcv3
  enable_traps
  snmp_socket {socket}
  notification_email {{
    ops@example.invalid
  }}
  notification_email_from kad@example.invalid
  smtp_server 192.0.2.25 2525
  enable_script_security
  script_user root
}}
vrrp_script chk {{
  script "/bin/true"
  interval 1
  weight 5
}}
vrrp_sync_group G1 {{
  group {{
    VI_3
    VI_4
  }}
  notify_master "/bin/true master"
}}
vrrp_instance VI_1 {{
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 150
  version 3
  advert_int 1
  preempt_delay 3
  track_interface {{
    trk0 weight -10
  }}
  track_script {{
    chk
  }}
  virtual_ipaddress {{
    192.0.2.100/24
  }}
  virtual_ipaddress_excluded {{
    198.51.100.1/24
  }}
}}
vrrp_instance VI_2 {{
  state MASTER
  interface eth0
  virtual_router_id 52
  priority 100
  version 2
  advert_int 2
  authentication {{
    auth_type PASS
    auth_pass secret
  }}
  virtual_ipaddress {{
    192.0.2.101/24 brd 192.0.2.255 label eth0:vip
  }}
}}
vrrp_instance VI_3 {{
  state BACKUP
  interface eth0
  virtual_router_id 53
  priority 120
  version 3
  virtual_ipaddress {{
    2001:db8::100/64
  }}
}}
vrrp_instance VI_4 {{
  state BACKUP
  interface eth0
  virtual_router_id 54
  priority 90
  version 2
  nopreempt
  garp_master_delay 2
  notify_master "/bin/echo master"
  notify "/bin/echo"
  smtp_alert
  virtual_ipaddress {{
    192.0.2.104/24
  }}
}}
"#
    )
}

/// What legitimately differs between keepalived's walk and kad's, removed from both:
///
/// - `version.0` names the program ("Keepalived v2.2.7 (01/16,2022)" / "kad v…");
/// - every `Timeticks` value is an uptime of this run;
/// - in VRRP-MIB's `vrrpOperTable` and `vrrpStatsTable` keepalived 2.2.7 can only ever
///   show the row with the lowest (ifIndex, VRID): an operator-precedence slip in
///   `snmp_rfcv2_header_list_table` (`ifp ? IF_BASE_INDEX(ifp) : 0 < target[0]`) skips every
///   instance once GetNext has an index to start from. kad lists every row, as RFC 2787
///   asks; the other rows of kad's walk are dropped here.
fn normalise_walk(walk: &[String]) -> Vec<String> {
    let first_v2_row = walk
        .iter()
        .find_map(|l| l.strip_prefix("VRRP-MIB::vrrpOperVirtualMacAddr."))
        .and_then(|rest| rest.split(' ').next())
        .map(str::to_owned);
    walk.iter()
        .filter(|l| {
            let v2_row =
                l.starts_with("VRRP-MIB::vrrpOper") || l.starts_with("VRRP-MIB::vrrpStats");
            !v2_row
                || first_v2_row.as_deref().is_some_and(|i| {
                    l.split(' ')
                        .next()
                        .is_some_and(|n| n.ends_with(&format!(".{i}")))
                })
        })
        .map(|l| {
            if l.starts_with("KEEPALIVED-MIB::version.0 ") {
                return "KEEPALIVED-MIB::version.0 = <program>".to_owned();
            }
            match l.find("Timeticks: ") {
                Some(at) => format!("{}Timeticks: <uptime>", &l[..at]),
                None => l.clone(),
            }
        })
        .collect()
}

fn all_master(w: &[String], n: usize) -> bool {
    w.iter()
        .filter(|l| l.starts_with("KEEPALIVED-MIB::vrrpInstanceState.") && l.ends_with("master(2)"))
        .count()
        == n
}

/// Runs `kind` with `conf` in `host` until all `n` instances are master and the walk is
/// steady, returns the walk, and stops it.
fn walk_of(kind: Kind, host: &Host, m: &Master, conf: &str, n: usize) -> Vec<String> {
    let mut r = Router::start(kind, host, conf);
    wait_walk(m, &format!("{kind:?} with {n} masters"), |w| {
        all_master(w, n)
    });
    // Past every GARP delay and script run, so no value is mid-change.
    std::thread::sleep(Duration::from_secs(3));
    let walk = m.walk_all();
    assert!(r.stop(Duration::from_secs(20)), "{kind:?} did not stop");
    // The registrations go with the session; wait until snmpd has dropped them.
    wait_walk(m, "empty walk after stop", |w| w.is_empty());
    walk
}

/// A line-by-line report of where two walks differ.
fn diff(a: &[String], b: &[String]) -> String {
    let mut out = String::new();
    for l in a.iter().filter(|l| !b.contains(l)) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in b.iter().filter(|l| !a.contains(l)) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}

#[test]
fn walk_matches_keepalived() {
    if !ready() {
        return;
    }
    let Some(lan) = lan(1) else { return };
    let host = lan.host(1);
    must(host.ns.ip().args([
        "link", "add", "trk0", "type", "veth", "peer", "name", "trk1",
    ]));
    must(host.ns.ip().args(["link", "set", "trk0", "up"]));
    must(host.ns.ip().args(["link", "set", "trk1", "up"]));
    let m = Master::start(host);
    let conf = walk_config(&m.socket());
    let reference = walk_of(Kind::Keepalived, host, &m, &conf, 4);
    let ours = walk_of(Kind::Kad, host, &m, &conf, 4);
    assert!(
        reference.len() > 250,
        "keepalived's walk:\n{}",
        reference.join("\n")
    );
    // kad lists both VRRPv2 instances in VRRP-MIB (keepalived only the first, see above).
    for vrid in [52, 54] {
        let state = format!(".{vrid} = INTEGER: master(3)");
        assert!(
            ours.iter()
                .any(|l| l.starts_with("VRRP-MIB::vrrpOperState.") && l.ends_with(&state)),
            "kad's VRRP-MIB lacks VRID {vrid}:\n{}",
            ours.join("\n")
        );
    }
    let (reference, ours) = (normalise_walk(&reference), normalise_walk(&ours));
    assert!(
        reference == ours,
        "walks differ (- keepalived, + kad):\n{}",
        diff(&reference, &ours)
    );
}

/// One VRRPv3 instance with traps on (keepalived's "vrrpInstanceStateChange" and
/// "vrrpv3NewMaster" are the notifications operators watch).
fn trap_config(socket: &str, priority: u8, snmp: bool) -> String {
    let snmp = if snmp {
        format!("  enable_snmp_vrrp\n  enable_snmp_rfcv3\n  enable_traps\n  snmp_socket {socket}\n")
    } else {
        String::new()
    };
    format!(
        "global_defs {{\n  router_id snmp{priority}\n{snmp}}}\n\
         vrrp_instance VI_1 {{\n  state BACKUP\n  interface eth0\n  virtual_router_id 51\n  \
         priority {priority}\n  version 3\n  advert_int 1\n  virtual_ipaddress {{\n    \
         192.0.2.100/24\n  }}\n}}\n"
    )
}

fn has_state(w: &[String], state: &str) -> bool {
    w.iter()
        .any(|l| l == &format!("KEEPALIVED-MIB::vrrpInstanceState.1 = INTEGER: {state}"))
}

/// `kind` on host 1 starts as backup to kad on host 2, takes over when host 2's router
/// stops, then stops itself: the notifications snmptrapd received, in order.
fn failover_traps(kind: Kind, lan: &Lan, m: &Master) -> Vec<String> {
    let (h1, h2) = (lan.host(1), lan.host(2));
    let mut peer = Router::start(Kind::Kad, h2, &trap_config("", 200, false));
    let vip = "192.0.2.100".parse().expect("vip");
    let deadline = Instant::now() + CONVERGE;
    while !h2.has(vip) {
        assert!(Instant::now() < deadline, "host 2 never became master");
        std::thread::sleep(Duration::from_millis(50));
    }
    let skip = m.traps(0).len();
    let mut r = Router::start(kind, h1, &trap_config(&m.socket(), 100, true));
    wait_walk(m, &format!("{kind:?} in backup"), |w| {
        has_state(w, "backup(1)")
    });
    assert!(peer.stop(Duration::from_secs(20)), "host 2 did not stop");
    wait_walk(m, &format!("{kind:?} taking over"), |w| {
        has_state(w, "master(2)")
    });
    std::thread::sleep(Duration::from_secs(1));
    assert!(r.stop(Duration::from_secs(20)), "{kind:?} did not stop");
    wait_walk(m, "empty walk after stop", |w| w.is_empty());
    std::thread::sleep(Duration::from_secs(1));
    m.traps(skip)
}

#[test]
fn failover_traps_match_keepalived() {
    if !ready() {
        return;
    }
    let Some(lan) = lan(2) else { return };
    let m = Master::start(lan.host(1));
    let reference = failover_traps(Kind::Keepalived, &lan, &m);
    let ours = failover_traps(Kind::Kad, &lan, &m);
    let wanted = [
        "KEEPALIVED-MIB::vrrpInstanceState = INTEGER: backup(1)",
        "KEEPALIVED-MIB::vrrpInstanceState = INTEGER: master(2)",
        "VRRPV3-MIB::vrrpv3NewMaster",
        "KEEPALIVED-MIB::vrrpInstanceState = INTEGER: shutdown(5)",
    ];
    for w in wanted {
        assert!(
            ours.iter().any(|t| t.contains(w)),
            "kad sent no notification with {w}:\n{}",
            ours.join("\n")
        );
    }
    assert!(
        reference == ours,
        "notifications differ\nkeepalived:\n{}\nkad:\n{}",
        reference.join("\n"),
        ours.join("\n")
    );
}

/// snmpd restarts under a running kad: kad registers again and answers, and VRRP never
/// noticed (the instance stays master throughout).
#[test]
fn reregisters_when_the_master_agent_restarts() {
    if !ready() {
        return;
    }
    let Some(lan) = lan(1) else { return };
    let host = lan.host(1);
    let mut m = Master::start(host);
    let r = Router::start(Kind::Kad, host, &trap_config(&m.socket(), 100, true));
    wait_walk(&m, "kad as master", |w| has_state(w, "master(2)"));
    m.stop_snmpd();
    std::thread::sleep(Duration::from_secs(2));
    m.start_snmpd();
    let back = Instant::now();
    wait_walk(&m, "kad registered again", |w| has_state(w, "master(2)"));
    // kad retries every 5 s; allow for a loaded machine.
    assert!(
        back.elapsed() < Duration::from_secs(20),
        "took {:?}",
        back.elapsed()
    );
    assert!(r.alive_or_stopped(), "kad exited:\n{}", r.log());
    let log = r.log();
    assert!(
        log.contains("SNMP: master agent"),
        "no reconnect logged:\n{log}"
    );
    assert_eq!(
        log.matches("SNMP: registered with the master agent")
            .count(),
        2,
        "{log}"
    );
    assert!(
        !log.contains("Entering BACKUP STATE\n")
            || log.matches("Entering MASTER STATE").count() == 1,
        "{log}"
    );
}
