//! One cell, start to end: election, SIGKILL failover, preemption back, graceful failover
//! (SIGTERM, a priority-0 advert), preemption back again, with "exactly one running router
//! holds the VIP" checked after each convergence, and kad's host captured throughout.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::e2e::capture::Capture;
use crate::e2e::netns::{Lan, DEV};

use super::cell::Cell;
use super::side::Side;
use super::wire;

/// A bound no healthy convergence comes near, even on a loaded 2-core machine.
const CONVERGE: Duration = Duration::from_secs(20);
/// How long a converged LAN must stay put: longer than a master-down interval at
/// advert_int 1, so a backup that does not hear the master would have taken over.
const HOLD: Duration = Duration::from_millis(4500);
/// The master's and the backup's priorities.
const HIGH: u8 = 150;
const LOW: u8 = 100;

/// The times a cell measured.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    /// From SIGKILL of the master until the backup alone holds the VIP.
    pub kill: Duration,
    /// From SIGTERM of the master until the backup alone holds the VIP.
    pub term: Duration,
    /// From the restarted master's start until it alone holds the VIP again.
    pub preempt: Duration,
    /// From the stopped master's priority-0 advert to the backup's first advert (seconds,
    /// from the capture).
    pub after_zero: Option<f64>,
}

/// RFC 5798 §6.1 Master_Down_Interval at advert_int 1 s for the backup's priority.
fn master_down() -> Duration {
    Duration::from_secs(3) + skew()
}

/// RFC 5798 §6.1 Skew_Time for the backup's priority.
fn skew() -> Duration {
    Duration::from_secs_f64((256.0 - f64::from(LOW)) / 256.0)
}

/// Waits (up to `within`) until, of `sides`, only `sides[owner]` holds `vip`, then checks for
/// `hold` that it stays so. Killed routers are not asked (a crash leaves addresses behind).
/// Returns how long convergence took, or why it failed.
fn converge(
    sides: &[&Side<'_>],
    vip: IpAddr,
    owner: usize,
    within: Duration,
    hold: Duration,
) -> Result<Duration, String> {
    let start = Instant::now();
    let holders = || -> Vec<u8> {
        sides
            .iter()
            .filter(|s| s.holds(vip))
            .map(|s| s.host.idx)
            .collect()
    };
    let want = [sides[owner].host.idx];
    loop {
        let h = holders();
        if h == want {
            break;
        }
        if start.elapsed() >= within {
            return Err(format!(
                "{vip} not only on host {} after {within:?} (held by {h:?})",
                want[0]
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let took = start.elapsed();
    let until = Instant::now() + hold;
    while Instant::now() < until {
        let h = holders();
        if h != want {
            return Err(format!(
                "{vip} moved after converging on host {}: held by {h:?}",
                want[0]
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(took)
}

/// Runs `cell` (VRID `vrid`); the figures, or what went wrong with every router's log.
pub fn run(cell: &Cell, vrid: u8) -> Result<Figures, String> {
    let lan = Lan::new(2).ok_or("cannot create namespaces")?;
    let (h1, h2) = (lan.host(1), lan.host(2));
    let kad_host = if cell.kad_master { h1 } else { h2 };
    let vip: IpAddr = if cell.v6 {
        "2001:db8::100".parse().expect("vip")
    } else {
        "192.0.2.100".parse().expect("vip")
    };
    let dir = std::env::temp_dir().join(format!("{}-matrix", h1.name()));
    let cap = Capture::start(&kad_host.ns, DEV, wire::FILTER, &dir, "cell");
    // The master first, so that a loaded machine cannot expire both routers' first
    // master-down timers together.
    let mut m = Side::start(cell, cell.kad_master, vrid, vip, HIGH, h1, h2);
    let b = Side::start(cell, !cell.kad_master, vrid, vip, LOW, h2, h1);
    let fail = |what: &str, err: String, m: &Side<'_>, b: &Side<'_>| {
        format!("{what}: {err}\n{}\n{}", m.describe(), b.describe())
    };
    converge(&[&m, &b], vip, 0, CONVERGE, HOLD).map_err(|e| fail("election", e, &m, &b))?;

    let bound = master_down() + Duration::from_secs(5);
    let t0 = Instant::now();
    m.kill();
    converge(&[&b], vip, 0, bound, Duration::ZERO)
        .map_err(|e| fail("SIGKILL failover", e, &m, &b))?;
    let kill = t0.elapsed();
    m.clean_after_crash(vip);

    let t0 = Instant::now();
    m.restart();
    converge(&[&m, &b], vip, 0, CONVERGE, Duration::from_secs(2))
        .map_err(|e| fail("preemption after SIGKILL", e, &m, &b))?;
    let preempt = t0.elapsed();

    let t0 = Instant::now();
    if !m.stop(Duration::from_secs(10)) {
        return Err(fail("SIGTERM", "no exit within 10 s".to_owned(), &m, &b));
    }
    converge(&[&m, &b], vip, 1, bound, Duration::ZERO)
        .map_err(|e| fail("graceful failover", e, &m, &b))?;
    let term = t0.elapsed();
    // A priority-0 advert makes the backup take over after Skew_Time (RFC 5798 §6.4.2),
    // 0.41 s at priority 100; 2 s of margin for a loaded machine, still below the
    // master-down interval a missed priority-0 advert would cost.
    if term > skew() + Duration::from_secs(2) {
        return Err(fail(
            "graceful failover",
            format!("took {term:?}: the priority-0 advert was not honoured"),
            &m,
            &b,
        ));
    }

    m.restart();
    converge(&[&m, &b], vip, 0, CONVERGE, HOLD)
        .map_err(|e| fail("preemption after SIGTERM", e, &m, &b))?;

    let kad = if cell.kad_master { &m } else { &b };
    let sources = wire::kad_sources(kad.host);
    let kad_mac = wire::mac(kad.host);
    let pcap = cap.stop();
    let bad = wire::check(&pcap, cell, vrid, &sources, &kad_mac);
    if !bad.is_empty() {
        return Err(fail(
            &format!("capture {}", pcap.display()),
            bad.join("\n"),
            &m,
            &b,
        ));
    }
    let after_zero = wire::takeover_after_zero(&pcap, cell, &sources);
    drop((m, b));
    if std::env::var_os("VRRP_MATRIX_KEEP").is_some() {
        eprintln!("capture kept: {}", pcap.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(Figures {
        kill,
        term,
        preempt,
        after_zero,
    })
}
