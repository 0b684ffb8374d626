//! kad as a VRRP router, end to end: routers in network namespaces on a bridged LAN, each
//! running kad or Debian's keepalived 2.2.7 with a generated configuration, checked from the
//! outside (the addresses the kernel holds, the routers' logs, tshark captures).
//!
//! Every test builds its own LAN (namespaces `kade-<pid>-<n>`, 192.0.2.0/24 and
//! 2001:db8::/64 only) and tears it down, processes included, even when it fails. Tests
//! need root; without it they print SKIP and pass (fail under `CI=true`: `kad_skip`). The `keepalived_*` tests run the same
//! scenarios between keepalived routers only: they check the harness itself.
//!
//! Set `KAD_E2E_KAD_BIN=/usr/sbin/keepalived` to run the kad scenarios against keepalived
//! instead: every test then passes except the two hostile-flood ones, because keepalived
//! 2.2.7 stops advertising under floods of rejected adverts for its own VRID (see
//! `keepalived_master_survives_hostile_adverts`).
//!
//! "No two routers hold the VIP" is checked among *running* routers: a router killed with
//! SIGKILL leaves its addresses in its namespace, as a crashed keepalived does.

mod e2e;

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::capture::{self, Capture};
use e2e::hostile::{bad_adverts, bad_adverts_v6, Flood};
use e2e::netns::{Host, Lan, DEV};
use e2e::router::{config, Instance, Kind, Router};
use e2e::{assert_vip_nowhere, assert_vip_only_on, check, Node};

use Kind::{Kad, Keepalived};

/// A bound no healthy convergence comes near, even on a loaded 2-core machine.
const CONVERGE: Duration = Duration::from_secs(20);
/// How long a converged LAN must stay put: longer than a master-down interval at
/// advert_int 1, so a backup that does not hear the master would have taken over.
const HOLD: Duration = Duration::from_millis(4500);

fn vip4() -> IpAddr {
    "192.0.2.100".parse().expect("vip")
}

fn vip6() -> IpAddr {
    "2001:db8::100".parse().expect("vip")
}

/// RFC 5798 §6.1 Master_Down_Interval (3 × advert_int + skew) for `priority`, VRRPv3's
/// (the longer at advert_int 1 and above).
fn master_down(advert_int: f64, priority: u8) -> Duration {
    master_down_of(3, advert_int, priority)
}

/// Master_Down_Interval of VRRP `version`.
fn master_down_of(version: u8, advert_int: f64, priority: u8) -> Duration {
    Duration::from_secs_f64(3.0 * advert_int) + skew(version, advert_int, priority)
}

/// Skew_Time, how long a backup waits after a priority-0 advert: (256 − priority) / 256 s in
/// VRRPv2 (RFC 3768 §6.1), that times advert_int in VRRPv3 (RFC 5798 §6.1).
fn skew(version: u8, advert_int: f64, priority: u8) -> Duration {
    let per_second = (256.0 - f64::from(priority)) / 256.0;
    Duration::from_secs_f64(if version == 2 {
        per_second
    } else {
        per_second * advert_int
    })
}

/// How much earlier than theory a takeover may be seen on the wire: timestamps and timers
/// are exact to a few milliseconds; a takeover earlier than this is a timer bug.
const WIRE_EARLY: Duration = Duration::from_millis(50);

/// What a woken daemon may take beyond its timer on this loaded 2-core machine, measured on
/// the wire: below the 3.2 s by which a 0.1 s instance falling back to 1 s timers would miss
/// (master-down 3.6 s against 0.36 s), so that fallback fails the test.
const WIRE_SLACK: Duration = Duration::from_millis(1000);

/// As [`WIRE_SLACK`], for the VIP seen by polling `ip addr` in the namespace (each poll forks
/// `ip`): still below the 3.2 s a fallback to 1 s timers would add at advert_int 0.1.
const POLL_SLACK: Duration = Duration::from_millis(2500);

/// How the master goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// SIGKILL to its whole process tree: adverts stop, nothing is cleaned up.
    Kill,
    /// SIGTERM: a priority-0 advert, VIPs removed, exit.
    Term,
}

/// Host 1 runs `a` as MASTER with priority 150, host 2 runs `b` as BACKUP with priority
/// 100, both with `base`'s instance (made unicast between the two hosts when `unicast`).
/// Checks that the VIP settles on host 1 only, fails host 1 `how`, checks that the VIP
/// moves to host 2 only, and returns how long the takeover took.
fn failover(a: Kind, b: Kind, base: &Instance, unicast: bool, how: Failure) -> Option<Duration> {
    if !a.available() || !b.available() {
        return None;
    }
    let lan = Lan::new(2)?;
    let (ha, hb) = (lan.host(1), lan.host(2));
    let vip: IpAddr = base.vips[0]
        .split('/')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("vip");
    let advert: f64 = base.advert_int.parse().expect("advert_int");
    let peer_of = |me: &Host, other: &Host| match vip {
        IpAddr::V4(_) => (IpAddr::V4(me.v4()), vec![IpAddr::V4(other.v4())]),
        IpAddr::V6(_) => (IpAddr::V6(me.v6()), vec![IpAddr::V6(other.v6())]),
    };
    let mut ia = Instance {
        priority: 150,
        ..base.clone()
    }
    .master();
    let mut ib = Instance {
        priority: 100,
        master: false,
        ..base.clone()
    };
    if unicast {
        ia.unicast = Some(peer_of(ha, hb));
        ib.unicast = Some(peer_of(hb, ha));
    }
    let mut ra = Router::start(a, ha, &config("A", "", &[ia]));
    // The master first, so a loaded machine cannot make both routers' first master-down
    // timers expire together (then both are briefly master, which is correct VRRP but not
    // what this test checks).
    assert_vip_only_on(&[(ha, &ra)], vip, 1, CONVERGE, Duration::ZERO);
    let rb = Router::start(b, hb, &config("B", "", &[ib]));
    let name = &base.name;
    {
        let nodes: [Node<'_>; 2] = [(ha, &ra), (hb, &rb)];
        assert_vip_only_on(&nodes, vip, 1, CONVERGE, HOLD);
        check(
            ra.log()
                .contains(&format!("({name}) Entering MASTER STATE")),
            "host 1 never logged Entering MASTER STATE",
            &nodes,
        );
        check(
            rb.log()
                .contains(&format!("({name}) Entering BACKUP STATE"))
                && !rb
                    .log()
                    .contains(&format!("({name}) Entering MASTER STATE")),
            "host 2 should have entered BACKUP and never MASTER",
            &nodes,
        );
    }
    // Host 2 sees both routers' adverts on its interface: the takeover measured there is
    // the daemons' timers, not how fast `ip addr` can be polled.
    let (a_src, b_src) = match vip {
        IpAddr::V4(_) => (ha.v4().to_string(), hb.v4().to_string()),
        IpAddr::V6(_) => (ha.link_local().to_string(), hb.link_local().to_string()),
    };
    let dir = std::env::temp_dir().join(format!("{}-failover", hb.name()));
    let cap = Capture::start(
        &hb.ns,
        DEV,
        "ip proto 112 or ip6 proto 112",
        &dir,
        "failover",
    );
    // At least one of host 1's adverts in the capture before it goes (tshark says it is
    // capturing a little before dumpcap is).
    std::thread::sleep(Duration::from_secs_f64((1.5 * advert).max(1.0)));
    let mark = rb.log_mark();
    let start = Instant::now();
    match how {
        Failure::Kill => ra.kill(),
        Failure::Term => {
            let stopped = ra.stop(Duration::from_secs(10));
            check(
                stopped,
                "host 1 did not exit within 10 s of SIGTERM",
                &[(ha, &ra), (hb, &rb)],
            );
            check(
                !ha.has(vip),
                "host 1 kept the VIP after SIGTERM",
                &[(ha, &ra), (hb, &rb)],
            );
        }
    }
    let live: Vec<Node<'_>> = match how {
        Failure::Kill => vec![(hb, &rb)],
        Failure::Term => vec![(ha, &ra), (hb, &rb)],
    };
    let bound = master_down(advert, 100) + POLL_SLACK;
    assert_vip_only_on(&live, vip, 2, bound, Duration::ZERO);
    let took = start.elapsed();
    // The wire: from host 1's last advert (for SIGTERM, its priority-0 one) to host 2's
    // first, which it sends as master. A backup's timer starts when it hears the advert, so
    // the gap is the master-down interval (the skew after a priority-0 advert) plus latency.
    std::thread::sleep(Duration::from_secs_f64(advert.max(0.3)));
    let pcap = cap.stop();
    let rows = capture::fields(&pcap, "vrrp", &["frame.time_epoch", "ip.src", "ipv6.src"]);
    let adverts: Vec<(f64, bool)> = rows
        .iter()
        .filter_map(|r| {
            let t: f64 = r.first()?.parse().ok()?;
            let src = [r.get(1)?, r.get(2)?];
            Some((t, src.contains(&&b_src)))
                .filter(|_| src.contains(&&a_src) || src.contains(&&b_src))
        })
        .collect();
    let first_b = adverts.iter().position(|(_, from_b)| *from_b);
    let last_a = first_b.and_then(|i| adverts[..i].iter().rev().find(|(_, from_b)| !from_b));
    let (Some(i), Some(&(t_a, _))) = (first_b, last_a) else {
        panic!(
            "no advert from host 1 followed by one from host 2 in {}",
            pcap.display()
        );
    };
    let gap = Duration::from_secs_f64(adverts[i].0 - t_a);
    let theory = match how {
        Failure::Kill => master_down_of(base.version, advert, 100),
        Failure::Term => skew(base.version, advert, 100),
    };
    let floor = theory.saturating_sub(WIRE_EARLY);
    eprintln!("{a:?} -> {b:?} {how:?}: on the wire {gap:?} (theory {theory:?})");
    check(
        gap >= floor && gap <= theory + WIRE_SLACK,
        &format!(
            "host 2 advertised {gap:?} after host 1's last advert: theory {theory:?}, \
             allowed {floor:?}..={:?}",
            theory + WIRE_SLACK
        ),
        &live,
    );
    check(
        rb.wait_log(mark, &format!("({name}) Entering MASTER STATE"), CONVERGE),
        "host 2 took the VIP but never logged Entering MASTER STATE",
        &live,
    );
    assert_vip_only_on(&live, vip, 2, Duration::ZERO, Duration::from_secs(2));
    eprintln!("{a:?} -> {b:?} {how:?}: takeover after {took:?}");
    Some(took)
}

fn v2() -> Instance {
    Instance::new(51, 100, "192.0.2.100/32")
}

/// Harness self-check: the same scenario between two keepalived routers.
#[test]
fn keepalived_pair_failover_on_sigkill() {
    failover(Keepalived, Keepalived, &v2(), false, Failure::Kill);
}

#[test]
fn kad_pair_failover_on_sigkill() {
    failover(Kad, Kad, &v2(), false, Failure::Kill);
}

/// advert_int 3: a takeover driven by the master-down timer would need at least 6 s after
/// the last advert; the priority-0 advert must make it a matter of the skew time.
#[test]
fn kad_pair_failover_on_sigterm_is_fast() {
    let base = v2().advert_int("3");
    if let Some(took) = failover(Kad, Kad, &base, false, Failure::Term) {
        assert!(
            took < Duration::from_secs(4),
            "takeover after SIGTERM took {took:?}: the priority-0 advert was not honoured"
        );
    }
}

#[test]
fn kad_master_keepalived_backup_failover() {
    failover(Kad, Keepalived, &v2(), false, Failure::Kill);
}

#[test]
fn keepalived_master_kad_backup_failover() {
    failover(Keepalived, Kad, &v2(), false, Failure::Kill);
}

#[test]
fn keepalived_master_kad_backup_graceful_failover() {
    let base = v2().advert_int("3");
    if let Some(took) = failover(Keepalived, Kad, &base, false, Failure::Term) {
        assert!(
            took < Duration::from_secs(4),
            "kad took {took:?} to take over after keepalived's priority-0 advert"
        );
    }
}

#[test]
fn vrrp2_pass_auth_with_keepalived() {
    let mut base = v2();
    base.auth_pass = Some("kadpass1".to_owned());
    failover(Kad, Keepalived, &base, false, Failure::Term);
}

#[test]
fn vrrp3_ipv4_with_keepalived() {
    let base = Instance::new(52, 100, "192.0.2.100/32").version(3);
    failover(Kad, Keepalived, &base, false, Failure::Kill);
}

#[test]
fn vrrp3_ipv6_with_keepalived() {
    let base = Instance::new(53, 100, "2001:db8::100/64").version(3);
    failover(Keepalived, Kad, &base, false, Failure::Kill);
}

#[test]
fn vrrp3_ipv6_kad_master_keepalived_backup() {
    let base = Instance::new(53, 100, "2001:db8::100/64").version(3);
    failover(Kad, Keepalived, &base, false, Failure::Term);
}

/// VRRPv3 with advert_int 0.1 (centisecond intervals on the wire), both directions.
#[test]
fn vrrp3_fast_adverts_with_keepalived() {
    let base = Instance::new(54, 100, "192.0.2.100/32")
        .version(3)
        .advert_int("0.1");
    failover(Kad, Keepalived, &base, false, Failure::Kill);
    failover(Keepalived, Kad, &base, false, Failure::Kill);
}

#[test]
fn unicast_with_keepalived() {
    failover(Kad, Keepalived, &v2(), true, Failure::Kill);
}

#[test]
fn unicast_kad_pair_v3() {
    failover(Kad, Kad, &v2().version(3), true, Failure::Term);
}

/// A `vrrp_script` whose result follows a flag file; weight -100 takes the master (150)
/// below the backup (100), and back.
fn track_script_handover(kind: Kind) {
    if !kind.available() {
        return;
    }
    let Some(lan) = Lan::new(2) else { return };
    let (ha, hb) = (lan.host(1), lan.host(2));
    let dir = std::env::temp_dir().join(format!("{}-script", ha.name()));
    std::fs::create_dir_all(&dir).expect("script dir");
    let flag = dir.join("down");
    let script = dir.join("check.sh");
    std::fs::write(&script, format!("#!/bin/sh\n[ ! -e {} ]\n", flag.display())).expect("script");
    let perm = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&script, perm).expect("chmod");
    let scripts = format!(
        "vrrp_script chk {{\n  script \"{}\"\n  interval 1\n  fall 1\n  rise 1\n  weight -100\n}}\n",
        script.display()
    );
    let mut ia = Instance::new(51, 150, "192.0.2.100/32").master();
    ia.track_scripts = vec!["chk".to_owned()];
    let ib = Instance::new(51, 100, "192.0.2.100/32");
    let ra = Router::start(kind, ha, &config("A", &scripts, &[ia]));
    let rb = Router::start(kind, hb, &config("B", "", &[ib]));
    let nodes: [Node<'_>; 2] = [(ha, &ra), (hb, &rb)];
    let vip = vip4();
    assert_vip_only_on(&nodes, vip, 1, CONVERGE, HOLD);

    std::fs::write(&flag, "").expect("flag");
    // The script's next run (interval 1 s, fall 1) and its runtime, then the backup's
    // master-down interval (a lower-priority advert does not reset it when preempting).
    let bound = Duration::from_secs(2) + master_down(1.0, 100) + POLL_SLACK;
    assert_vip_only_on(&nodes, vip, 2, bound, Duration::from_secs(2));

    std::fs::remove_file(&flag).expect("flag");
    assert_vip_only_on(&nodes, vip, 1, bound, Duration::from_secs(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keepalived_track_script_handover() {
    track_script_handover(Keepalived);
}

#[test]
fn kad_track_script_handover() {
    track_script_handover(Kad);
}

#[test]
fn vip_deleted_externally_is_restored() {
    if !Kad.available() {
        return;
    }
    let Some(lan) = Lan::new(2) else { return };
    let (ha, hb) = (lan.host(1), lan.host(2));
    let ra = Router::start(
        Kad,
        ha,
        &config(
            "A",
            "",
            &[Instance::new(51, 150, "192.0.2.100/32").master()],
        ),
    );
    let rb = Router::start(
        Kad,
        hb,
        &config("B", "", &[Instance::new(51, 100, "192.0.2.100/32")]),
    );
    let nodes: [Node<'_>; 2] = [(ha, &ra), (hb, &rb)];
    let vip = vip4();
    assert_vip_only_on(&nodes, vip, 1, CONVERGE, Duration::from_secs(1));
    let mark = ra.log_mark();
    ha.del_addr(vip, 32, DEV);
    let took = assert_vip_only_on(&nodes, vip, 1, Duration::from_secs(5), HOLD);
    eprintln!("VIP restored after {took:?}");
    // keepalived answers the deletion with a re-election (BACKUP, then MASTER again at
    // once): either that or a silent re-add is fine, as long as it ends MASTER.
    let after = ra.log_since(mark);
    check(
        after
            .rfind("(VI_51) Entering")
            .is_none_or(|at| after[at..].starts_with("(VI_51) Entering MASTER STATE")),
        "the instance did not end in MASTER state after restoring its VIP",
        &nodes,
    );
}

/// SIGHUP with a configuration that adds VI_2: VI_1 (MASTER) keeps its VIP throughout and
/// logs no transition; VI_2 starts.
fn reload_adds_instance(kind: Kind) {
    if !kind.available() {
        return;
    }
    let Some(lan) = Lan::new(1) else { return };
    let ha = lan.host(1);
    let vi1 = Instance::new(51, 150, "192.0.2.100/32").master();
    let vi2 = Instance::new(52, 150, "192.0.2.101/32").master();
    let ra = Router::start(kind, ha, &config("A", "", std::slice::from_ref(&vi1)));
    let nodes: [Node<'_>; 1] = [(ha, &ra)];
    let vip1 = vip4();
    let vip2: IpAddr = "192.0.2.101".parse().expect("vip");
    assert_vip_only_on(&nodes, vip1, 1, CONVERGE, Duration::from_secs(1));
    check(
        ra.wait_log(0, "(VI_51) Entering MASTER STATE", CONVERGE),
        "VI_51 never logged Entering MASTER STATE",
        &nodes,
    );

    // Watch VI_1's VIP from another thread while the reload happens.
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let stop = Arc::clone(&stop);
        let ns = ha.name().to_owned();
        std::thread::spawn(move || {
            let mut missing = Vec::new();
            let mut polls = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let out = std::process::Command::new("ip")
                    .args(["-n", &ns, "-o", "-4", "addr", "show"])
                    .output()
                    .expect("ip addr");
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                if !e2e::netns::has_addr(&text, vip1) {
                    missing.push(text);
                }
                polls += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            (polls, missing)
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    std::fs::write(&ra.conf, config("A", "", &[vi1, vi2])).expect("conf");
    let mark = ra.log_mark();
    ra.reload();
    assert_vip_only_on(&nodes, vip2, 1, CONVERGE, Duration::ZERO);
    check(
        ra.wait_log(mark, "(VI_52) Entering MASTER STATE", CONVERGE),
        "VI_52 never logged Entering MASTER STATE after the reload",
        &nodes,
    );
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    let (polls, missing) = watcher.join().expect("watcher");
    check(
        missing.is_empty(),
        &format!(
            "VI_51's VIP was missing in {} of {polls} polls during the reload; first: {:?}",
            missing.len(),
            missing.first()
        ),
        &nodes,
    );
    let after = ra.log_since(mark);
    check(
        !after.contains("(VI_51) Entering"),
        "VI_51 logged a transition after the reload",
        &nodes,
    );
    check(ha.has(vip1), "VI_51's VIP gone after the reload", &nodes);
}

#[test]
fn keepalived_reload_adds_instance_without_a_transition() {
    reload_adds_instance(Keepalived);
}

#[test]
fn kad_reload_adds_instance_without_a_transition() {
    reload_adds_instance(Kad);
}

/// `use_vmac`: the VIP sits on macvlan `vrrp.51` with the VRRP virtual MAC; the backup
/// (also VMAC) hears the master; SIGTERM removes the macvlan.
fn use_vmac(kind: Kind) {
    if !kind.available() {
        return;
    }
    let Some(lan) = Lan::new(2) else { return };
    let (ha, hb) = (lan.host(1), lan.host(2));
    let mut ia = Instance::new(51, 150, "192.0.2.100/32").master();
    ia.use_vmac = true;
    let mut ib = Instance::new(51, 100, "192.0.2.100/32");
    ib.use_vmac = true;
    let mut ra = Router::start(kind, ha, &config("A", "", &[ia]));
    let rb = Router::start(kind, hb, &config("B", "", &[ib]));
    let vip = vip4();
    {
        let nodes: [Node<'_>; 2] = [(ha, &ra), (hb, &rb)];
        assert_vip_only_on(&nodes, vip, 1, CONVERGE, HOLD);
        check(
            ha.dev_of(vip).as_deref() == Some("vrrp.51"),
            "the VIP is not on vrrp.51",
            &nodes,
        );
        let link = e2e::netns::must(ha.ns.ip().args(["-d", "-o", "link", "show", "vrrp.51"]));
        check(
            link.contains("macvlan") && link.contains("00:00:5e:00:01:33"),
            &format!("vrrp.51 is not a macvlan with 00:00:5e:00:01:33: {link}"),
            &nodes,
        );
    }
    check(
        ra.stop(Duration::from_secs(10)),
        "no exit within 10 s of SIGTERM",
        &[(ha, &ra)],
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while e2e::netns::run_quiet(ha.ns.ip().args(["link", "show", "vrrp.51"])) {
        assert!(
            Instant::now() < deadline,
            "vrrp.51 left behind after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let nodes: [Node<'_>; 2] = [(ha, &ra), (hb, &rb)];
    assert_vip_only_on(&nodes, vip, 2, CONVERGE, Duration::ZERO);
}

#[test]
fn keepalived_use_vmac() {
    use_vmac(Keepalived);
}

#[test]
fn kad_use_vmac() {
    use_vmac(Kad);
}

/// Captures a router's VRRPv2 (PASS), VRRPv3/IPv4 and VRRPv3/IPv6 adverts and has
/// Wireshark's dissector read them: nothing malformed, no expert warning or error, good
/// checksums, TTL/hop limit 255.
fn wireshark_decodes(kind: Kind) {
    if !kind.available() || !capture::available() {
        return;
    }
    let Some(lan) = Lan::new(1) else { return };
    let ha = lan.host(1);
    let mut i1 = Instance::new(1, 200, "192.0.2.101/32").master();
    i1.auth_pass = Some("kadpass1".to_owned());
    let i2 = Instance::new(2, 200, "192.0.2.102/32").master().version(3);
    let i3 = Instance::new(3, 200, "2001:db8::103/64")
        .master()
        .version(3);
    let dir = std::env::temp_dir().join(format!("{}-cap", ha.name()));
    let cap = Capture::start(
        &ha.ns,
        DEV,
        "ip proto 112 or ip6 proto 112",
        &dir,
        "adverts",
    );
    let ra = Router::start(kind, ha, &config("A", "", &[i1, i2, i3]));
    let nodes: [Node<'_>; 1] = [(ha, &ra)];
    for vrid in 1..=3 {
        check(
            ra.wait_log(0, &format!("(VI_{vrid}) Entering MASTER STATE"), CONVERGE),
            &format!("VI_{vrid} never became MASTER"),
            &nodes,
        );
    }
    std::thread::sleep(Duration::from_millis(3500));
    let pcap = cap.stop();
    let bad = capture::fields(
        &pcap,
        "vrrp && (_ws.malformed || _ws.expert.severity >= 0x00600000)",
        &["frame.number", "_ws.expert.message"],
    );
    check(
        bad.is_empty(),
        &format!(
            "Wireshark flags {} adverts: {bad:?}\n{}",
            bad.len(),
            capture::verbose(
                &pcap,
                "vrrp && (_ws.malformed || _ws.expert.severity >= 0x00600000)"
            )
        ),
        &nodes,
    );
    let rows = capture::fields(
        &pcap,
        "vrrp",
        &[
            "vrrp.virt_rtr_id",
            "vrrp.version",
            "vrrp.prio",
            "vrrp.checksum.status",
            "ip.ttl",
            "ipv6.hlim",
            "vrrp.auth_type",
            "vrrp.ip_addr",
            "vrrp.ipv6_addr",
        ],
    );
    for (vrid, version, addr) in [
        ("1", "2", "192.0.2.101"),
        ("2", "3", "192.0.2.102"),
        ("3", "3", "2001:db8::103"),
    ] {
        let mine: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == vrid).collect();
        check(
            mine.len() >= 2,
            &format!("fewer than 2 adverts for VRID {vrid}: {rows:?}"),
            &nodes,
        );
        for r in mine {
            let ok = r[1] == version
                && r[2] == "200"
                && r[3] == "1"
                && (r[4] == "255" || r[5] == "255")
                && (r[7] == addr || r[8] == addr)
                && (vrid != "1" || r[6] == "1");
            check(
                ok,
                &format!(
                    "VRID {vrid}: want version {version}, priority 200, checksum good (1), \
                     TTL 255, address {addr}; got {r:?}\n{}",
                    capture::verbose(&pcap, &format!("vrrp.virt_rtr_id == {vrid}"))
                ),
                &nodes,
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keepalived_adverts_decode_in_wireshark() {
    wireshark_decodes(Keepalived);
}

#[test]
fn kad_adverts_decode_in_wireshark() {
    wireshark_decodes(Kad);
}

/// Host 3 floods 1,000 bad adverts a second (each claiming priority 254; all kinds of
/// [`bad_adverts`] or [`bad_adverts_v6`], or those named in `only`) at host 1's MASTER for
/// 6 s: it must stay MASTER, keep its VIP, and advertise on time (no gap over
/// 1.5 × advert_int in a capture of its own adverts); host 2 (BACKUP) must not take over.
/// With `v6`, the instance is VRRPv3 over IPv6.
fn hostile_flood(kind: Kind, v6: bool, only: Option<&[&str]>) {
    if !kind.available() || !capture::available() {
        return;
    }
    let Some(lan) = Lan::new(3) else { return };
    let (ha, hb, hx) = (lan.host(1), lan.host(2), lan.host(3));
    let (vip, base) = if v6 {
        (
            vip6(),
            Instance::new(51, 100, "2001:db8::100/64").version(3),
        )
    } else {
        let mut i = Instance::new(51, 100, "192.0.2.100/32");
        i.auth_pass = Some("kadpass1".to_owned());
        (vip4(), i)
    };
    let ia = Instance {
        priority: 150,
        ..base.clone()
    }
    .master();
    let ra = Router::start(kind, ha, &config("A", "", &[ia]));
    let rb = Router::start(kind, hb, &config("B", "", &[base]));
    let nodes: [Node<'_>; 2] = [(ha, &ra), (hb, &rb)];
    assert_vip_only_on(&nodes, vip, 1, CONVERGE, Duration::from_secs(1));

    let dir = std::env::temp_dir().join(format!("{}-cap", ha.name()));
    let filter = if v6 {
        format!("ip6 proto 112 and src host {}", ha.link_local())
    } else {
        format!("ip proto 112 and src host {}", ha.v4())
    };
    let cap = Capture::start(&ha.ns, DEV, &filter, &dir, "flood");
    let mark_a = ra.log_mark();
    let mark_b = rb.log_mark();
    let keep = |name: &str| only.is_none_or(|o| o.contains(&name));
    let flood = if v6 {
        let IpAddr::V6(vip) = vip else { unreachable!() };
        let mut packets = bad_adverts_v6(hx.link_local(), 51, vip);
        packets.retain(|(name, _, _)| keep(name));
        Flood::start_v6(hx, hx.link_local(), packets, 1000)
    } else {
        let IpAddr::V4(vip) = vip else { unreachable!() };
        let mut packets = bad_adverts(hx.v4(), 51, vip, "kadpass1");
        packets.retain(|(name, _)| keep(name));
        Flood::start(hx, packets, 1000)
    };
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(6) {
        let h = e2e::holders(&nodes, vip);
        check(
            h == [1],
            &format!("VIP held by {h:?} during the flood"),
            &nodes,
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let sent = flood.stop();
    let secs = start.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(500));
    let pcap = cap.stop();
    let rate = sent as f64 / secs;
    eprintln!("{kind:?}: {sent} bad adverts in {secs:.1} s ({rate:.0} pps)");
    check(
        rate > 500.0,
        &format!("the flood only reached {sent} packets in {secs:.1} s"),
        &nodes,
    );
    let times: Vec<f64> = capture::fields(&pcap, "vrrp.virt_rtr_id == 51", &["frame.time_epoch"])
        .iter()
        .filter_map(|r| r[0].parse().ok())
        .collect();
    let gap = capture::max_gap(&times);
    eprintln!(
        "{kind:?}: {} adverts captured, largest gap {gap:.3} s",
        times.len()
    );
    check(
        times.len() >= 5 && gap <= 1.5,
        &format!(
            "master's adverts: {} captured, largest gap {gap:.3} s",
            times.len()
        ),
        &nodes,
    );
    assert_vip_only_on(&nodes, vip, 1, Duration::ZERO, Duration::from_secs(1));
    check(
        !ra.log_since(mark_a).contains("Entering") && !rb.log_since(mark_b).contains("Entering"),
        "a state change during the flood",
        &nodes,
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Harness self-check with the two kinds keepalived 2.2.7 withstands.
#[test]
fn keepalived_master_survives_foreign_vrid_and_runt_floods() {
    hostile_flood(
        Keepalived,
        false,
        Some(&["other VRID", "truncated to 4 bytes"]),
    );
}

/// keepalived 2.2.7 stops advertising while packets for its own VRID that it rejects (wrong
/// TTL, bad password, no auth, wrong version, bad checksum, bad address count, unknown type,
/// short address list) keep arriving faster than advert_int: measured here, one advert in
/// 6 s, and the backup takes over. kad must do better; this shows the difference.
#[test]
#[ignore = "keepalived 2.2.7 itself stops advertising under this flood (see the doc comment)"]
fn keepalived_master_survives_hostile_adverts() {
    hostile_flood(Keepalived, false, None);
}

#[test]
fn kad_master_survives_hostile_adverts() {
    hostile_flood(Kad, false, None);
}

/// Harness self-check over IPv6 with the kinds keepalived 2.2.7 withstands.
#[test]
fn keepalived_master_survives_foreign_vrid_and_runt_floods_ipv6() {
    hostile_flood(
        Keepalived,
        true,
        Some(&["other VRID", "truncated to 4 bytes"]),
    );
}

#[test]
fn kad_master_survives_hostile_adverts_ipv6() {
    hostile_flood(Kad, true, None);
}

/// The parent restarts a VRRP child that dies (SIGKILL to the child alone): a new child
/// writes the `-r` pid file, the parent keeps running, and the VIP ends on the master only.
fn vrrp_child_respawn(kind: Kind) {
    if !kind.available() {
        return;
    }
    let Some(lan) = Lan::new(2) else { return };
    let (ha, hb) = (lan.host(1), lan.host(2));
    let ra = Router::start(
        kind,
        ha,
        &config(
            "A",
            "",
            &[Instance::new(51, 150, "192.0.2.100/32").master()],
        ),
    );
    let rb = Router::start(
        kind,
        hb,
        &config("B", "", &[Instance::new(51, 100, "192.0.2.100/32")]),
    );
    let nodes: [Node<'_>; 2] = [(ha, &ra), (hb, &rb)];
    let vip = vip4();
    assert_vip_only_on(&nodes, vip, 1, CONVERGE, Duration::from_secs(1));
    let old = ra.vrrp_child();
    check(
        old.is_some_and(|c| Some(c) != ra.pid()),
        &format!("no VRRP child pid in the -r pid file: {old:?}"),
        &nodes,
    );
    let old = old.expect("checked");
    nix::sys::signal::kill(old, nix::sys::signal::Signal::SIGKILL).expect("kill child");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let new = ra.vrrp_child();
        if new.is_some_and(|n| n != old && std::path::Path::new(&format!("/proc/{n}")).exists()) {
            break;
        }
        check(
            Instant::now() < deadline,
            "no new VRRP child within 15 s of killing the old one",
            &nodes,
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_vip_only_on(&nodes, vip, 1, CONVERGE, HOLD);
    check(ra.alive_or_stopped(), "the parent exited", &nodes);
}

#[test]
fn keepalived_vrrp_child_respawn() {
    vrrp_child_respawn(Keepalived);
}

#[test]
fn kad_vrrp_child_respawn() {
    vrrp_child_respawn(Kad);
}

/// What `notify` and `notify_master`/`notify_backup`/`notify_stop` scripts are called with
/// over a life of start, MASTER, SIGTERM: one line per call, as the scripts wrote them.
fn notify_calls(kind: Kind) -> Option<Vec<String>> {
    if !kind.available() {
        return None;
    }
    let lan = Lan::new(1)?;
    let ha = lan.host(1);
    let dir = std::env::temp_dir().join(format!("{}-notify", ha.name()));
    std::fs::create_dir_all(&dir).expect("notify dir");
    let out = dir.join("calls");
    let script = dir.join("notify.sh");
    std::fs::write(
        &script,
        // Field 22 of /proc/PID/stat is when the daemon forked this script, in clock ticks:
        // the daemon's order, which the script's own write, scheduled later, is not.
        format!(
            "#!/bin/sh\nforked=$(awk '{{print $22}}' /proc/$$/stat)\necho \"$forked $0 $*\" >> {}\n",
            out.display()
        ),
    )
    .expect("script");
    let perm = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    std::fs::set_permissions(&script, perm).expect("chmod");
    let mut extra = format!("  notify {}\n", script.display());
    for what in ["master", "backup", "stop"] {
        // One script, told apart by the path it was called as.
        let link = dir.join(what);
        std::os::unix::fs::symlink(&script, &link).expect("symlink");
        extra.push_str(&format!("  notify_{what} {}\n", link.display()));
    }
    let mut inst = Instance::new(51, 150, "192.0.2.100/32").master();
    inst.extra = extra;
    let mut ra = Router::start(kind, ha, &config("A", "", &[inst]));
    {
        let nodes: [Node<'_>; 1] = [(ha, &ra)];
        assert_vip_only_on(&nodes, vip4(), 1, CONVERGE, Duration::from_secs(2));
    }
    let stopped = ra.stop(Duration::from_secs(10));
    check(stopped, "no exit within 10 s of SIGTERM", &[(ha, &ra)]);
    // Scripts run detached from the daemon; give the last ones a moment.
    std::thread::sleep(Duration::from_secs(2));
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let dir_s = format!("{}/", dir.display());
    let mut forked: Vec<(u64, String)> = text
        .lines()
        .map(|l| {
            let (tick, call) = l.split_once(' ').unwrap_or(("0", l));
            (tick.parse().unwrap_or(0), call.replace(&dir_s, ""))
        })
        .collect();
    // Stable: calls forked in the same tick keep the order of their writes.
    forked.sort_by_key(|(tick, _)| *tick);
    // Theory: BACKUP at start, MASTER a master-down interval later (3 × 1 s + skew 0.41 s).
    // kad once ran start-up's BACKUP scripts only at its loop's first wake-up, with MASTER's.
    let tick = |state: &str| {
        let generic = format!("INSTANCE VI_51 {state} ");
        forked
            .iter()
            .find(|(_, c)| c.contains(&generic))
            .map(|t| t.0)
    };
    if let (Some(b), Some(m)) = (tick("BACKUP"), tick("MASTER")) {
        let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
            .ok()
            .flatten()
            .unwrap_or(100) as u64;
        assert!(
            (m - b) * 1000 / hz >= 2000,
            "{kind:?}: BACKUP and MASTER notify scripts forked {} ms apart, expected about 3,410",
            (m - b) * 1000 / hz
        );
    }
    let calls = forked.into_iter().map(|(_, call)| call).collect();
    let _ = std::fs::remove_dir_all(&dir);
    Some(calls)
}

/// kad calls notify scripts as keepalived does: same scripts, same arguments, same order
/// (keepalived, run here in the same scenario, is the oracle). The order is the one in which
/// the daemon forked the scripts (their start time in /proc), not the one in which their
/// writes land: a loaded CI machine once ran the generic script's BACKUP call after its MASTER
/// call, 3 s later. Compared script by script: one transition's scripts are forked in the
/// same clock tick.
#[test]
fn notify_scripts_are_called_as_keepalived_calls_them() {
    let Some(want) = notify_calls(Keepalived) else {
        return;
    };
    let Some(got) = notify_calls(Kad) else { return };
    eprintln!("keepalived: {want:?}\nkad: {got:?}");
    assert!(
        want.iter().any(|l| l.contains("MASTER")),
        "keepalived never ran a notify script: {want:?}"
    );
    // Each script's calls in the order they were forked.
    let by_script = |calls: &[String]| {
        let mut m: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for c in calls {
            let script = c.split_whitespace().next().unwrap_or("").to_owned();
            m.entry(script).or_default().push(c.clone());
        }
        m
    };
    assert_eq!(
        by_script(&got),
        by_script(&want),
        "kad's notify calls differ from keepalived's"
    );
    assert!(
        by_script(&want).values().any(|calls| calls.len() >= 2),
        "no script was called twice, so no order was compared: {want:?}"
    );
}

#[test]
fn vips_are_removed_on_sigterm_with_no_peer() {
    if !Kad.available() {
        return;
    }
    let Some(lan) = Lan::new(1) else { return };
    let ha = lan.host(1);
    let mut i4 = Instance::new(51, 150, "192.0.2.100/32").master();
    i4.vips.push("192.0.2.101/32".to_owned());
    let i6 = Instance::new(52, 150, "2001:db8::100/64")
        .master()
        .version(3);
    let mut ra = Router::start(Kad, ha, &config("A", "", &[i4, i6]));
    {
        let nodes: [Node<'_>; 1] = [(ha, &ra)];
        assert_vip_only_on(&nodes, vip4(), 1, CONVERGE, Duration::ZERO);
        assert_vip_only_on(&nodes, vip6(), 1, CONVERGE, Duration::ZERO);
    }
    let stopped = ra.stop(Duration::from_secs(10));
    check(stopped, "no exit within 10 s of SIGTERM", &[(ha, &ra)]);
    let nodes: [Node<'_>; 1] = [(ha, &ra)];
    for v in [vip4(), "192.0.2.101".parse().expect("vip"), vip6()] {
        assert_vip_nowhere(&nodes, v, Duration::from_secs(2));
    }
}
