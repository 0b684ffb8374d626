//! `examples/appliance.rs` (kad's library, no keepalived.conf) against Debian's keepalived
//! 2.2.7, in network namespaces on a bridged LAN (kad's end-to-end harness): the VIP fails
//! over both ways and the higher priority takes it back, with the appliance as the first
//! master and then with keepalived as the first master.
//!
//! Needs root and keepalived; without them the tests print SKIP and pass, except
//! under `CI=true`, where they fail. `cargo test` builds the example before it runs these
//! tests; `cargo test --test appliance` does not, so then the test builds it.

#[allow(dead_code)]
#[path = "../../bins/kad/tests/e2e/mod.rs"]
mod e2e;

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e::netns::{Host, Lan, DEV};
use e2e::router::{config, Instance, Kind, Router};
use e2e::{assert_vip_only_on, check, Node};

/// A bound no healthy convergence comes near, even on a loaded 2-core machine.
const CONVERGE: Duration = Duration::from_secs(20);
/// Longer than a master-down interval: a backup that did not hear the master would take over.
const HOLD: Duration = Duration::from_millis(4500);
/// What process start-up and the 25 ms polling of the addresses may add to a takeover.
const MARGIN: Duration = Duration::from_secs(2);
/// advert_int: a crash comes up to this long after the last advert the backup heard.
const ADVERT: Duration = Duration::from_secs(1);
const VRID: u8 = 51;
const VIP: &str = "192.0.2.100/32";

fn vip() -> IpAddr {
    "192.0.2.100".parse().expect("vip")
}

/// RFC 5798 §6.1 Master_Down_Interval at advert_int 1 s: 3 s + skew time.
fn master_down(priority: u8) -> Duration {
    Duration::from_secs_f64(3.0 + (256.0 - f64::from(priority)) / 256.0)
}

/// Skew_Time at advert_int 1 s: how long a backup waits after a priority-0 advert.
fn skew(priority: u8) -> Duration {
    Duration::from_secs_f64((256.0 - f64::from(priority)) / 256.0)
}

/// Builds the example when cargo did not (`cargo test --test appliance` builds no examples).
fn build_appliance() {
    let exe = Kind::Appliance.program();
    if Path::new(&exe).exists() {
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", "kad-examples", "--example", "appliance"]);
    if exe.contains("/release/examples/") {
        cmd.arg("--release");
    }
    let status = cmd.status();
    assert!(status.is_ok_and(|s| s.success()), "{cmd:?} failed");
}

/// The LAN, or `None` (SKIP) when this machine cannot run the test; fails under `CI=true`.
fn lan() -> Option<Lan> {
    build_appliance();
    let missing = if !Path::new(&Kind::Keepalived.program()).exists() {
        Some("keepalived not installed")
    } else if !Path::new(&Kind::Appliance.program()).exists() {
        Some("the appliance example was not built")
    } else {
        None
    };
    let lan = missing.is_none().then(|| Lan::new(2)).flatten();
    if lan.is_none() {
        let why = missing.unwrap_or("cannot create network namespaces");
        kad_skip::skip(why);
    }
    lan
}

fn appliance(host: &Host, priority: u8) -> Router {
    let args = [DEV, &VRID.to_string(), &priority.to_string(), VIP].map(str::to_owned);
    Router::start_args(Kind::Appliance, host, &args)
}

fn keepalived(host: &Host, priority: u8, master: bool) -> Router {
    let mut i = Instance::new(VRID, priority, VIP);
    i.master = master;
    Router::start(Kind::Keepalived, host, &config("K", "", &[i]))
}

/// SIGKILLs `r` (a crash: no priority-0 advert) and removes the VIP it leaves behind, as
/// a crashed box no longer answers for it.
fn crash(r: &mut Router, host: &Host) -> Instant {
    r.kill();
    let start = Instant::now();
    if host.has(vip()) {
        host.del_addr(vip(), 32, DEV);
    }
    start
}

/// Waits for the VIP on `owner` only, checks the wait against `[min, max]` and returns it.
fn takeover(
    nodes: &[Node<'_>],
    owner: u8,
    start: Instant,
    min: Duration,
    max: Duration,
) -> Duration {
    assert_vip_only_on(nodes, vip(), owner, CONVERGE, Duration::ZERO);
    let took = start.elapsed();
    check(
        took >= min && took <= max,
        &format!("takeover by host {owner} after {took:?}, expected {min:?}..={max:?}"),
        nodes,
    );
    assert_vip_only_on(nodes, vip(), owner, Duration::ZERO, Duration::from_secs(2));
    took
}

#[test]
fn appliance_master_keepalived_backup() {
    let Some(lan) = lan() else { return };
    let (ha, hb) = (lan.host(1), lan.host(2));
    let mut ra = appliance(ha, 200);
    assert_vip_only_on(&[(ha, &ra)], vip(), 1, CONVERGE, Duration::ZERO);
    let rb = keepalived(hb, 100, false);
    assert_vip_only_on(&[(ha, &ra), (hb, &rb)], vip(), 1, CONVERGE, HOLD);

    // The appliance crashes: keepalived takes over after its master-down interval.
    let start = crash(&mut ra, ha);
    let down = master_down(100);
    let took = takeover(&[(hb, &rb)], 2, start, down - ADVERT, down + MARGIN);
    eprintln!("appliance crash -> keepalived master after {took:?} (theory {down:?})");

    // Back with the higher priority: it hears keepalived's lower one, waits out its own
    // master-down interval and preempts.
    let start = Instant::now();
    let mut ra = appliance(ha, 200);
    let down = master_down(200);
    let took = takeover(
        &[(ha, &ra), (hb, &rb)],
        1,
        start,
        down - skew(200),
        down + MARGIN,
    );
    eprintln!("appliance restart -> preempts after {took:?} (theory {down:?})");

    // SIGTERM: the appliance gives the VIP up with a priority-0 advert, so keepalived
    // takes over after its skew time, not a master-down interval.
    let start = Instant::now();
    let stopped = ra.stop(Duration::from_secs(10));
    let nodes = [(ha, &ra), (hb, &rb)];
    check(stopped, "appliance ignored SIGTERM", &nodes);
    check(
        !ha.has(vip()),
        "appliance kept the VIP after SIGTERM",
        &nodes,
    );
    let took = takeover(&[(hb, &rb)], 2, start, Duration::ZERO, skew(100) + MARGIN);
    eprintln!(
        "appliance SIGTERM -> keepalived master after {took:?} (skew {:?})",
        skew(100)
    );
}

#[test]
fn keepalived_master_appliance_backup() {
    let Some(lan) = lan() else { return };
    let (ha, hb) = (lan.host(1), lan.host(2));
    let mut ra = keepalived(ha, 200, true);
    assert_vip_only_on(&[(ha, &ra)], vip(), 1, CONVERGE, Duration::ZERO);
    let rb = appliance(hb, 100);
    assert_vip_only_on(&[(ha, &ra), (hb, &rb)], vip(), 1, CONVERGE, HOLD);

    // keepalived crashes: the appliance takes over after its master-down interval.
    let start = crash(&mut ra, ha);
    let down = master_down(100);
    let took = takeover(&[(hb, &rb)], 2, start, down - ADVERT, down + MARGIN);
    eprintln!("keepalived crash -> appliance master after {took:?} (theory {down:?})");

    // keepalived back as `state MASTER` with the higher priority: its first advert makes
    // the appliance step down.
    let start = Instant::now();
    let ra = keepalived(ha, 200, true);
    let nodes = [(ha, &ra), (hb, &rb)];
    // keepalived 2.2.7 with `state MASTER` below priority 255 starts as a backup, so it
    // may also wait out its master-down interval.
    let took = takeover(&nodes, 1, start, Duration::ZERO, master_down(200) + MARGIN);
    eprintln!("keepalived restart -> preempts after {took:?}");
    check(
        rb.log().contains("INSTANCE \"VI_APPLIANCE\" BACKUP 100"),
        "the appliance never reported BACKUP",
        &nodes,
    );
}
