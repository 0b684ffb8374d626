//! The end-to-end harness: a LAN of namespaces ([`netns`]), VRRP routers running kad or
//! keepalived on it ([`router`]), tshark captures ([`capture`]) and hostile traffic
//! ([`hostile`]); plus the assertions every test shares: where a VIP is, and that no two
//! running routers hold it.

pub mod capture;
pub mod hostile;
pub mod netns;
pub mod router;

/// xorshift64*: a small seeded generator, so that a printed seed replays a run's random
/// choices (the matrix's cells, the chaos soak's schedule).
#[allow(dead_code)] // the test files that include the harness without drawing anything
pub struct Rng(pub u64);

#[allow(dead_code)]
impl Rng {
    /// The next number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use netns::Host;
use router::Router;

/// A host with the router running on it, as the VIP assertions see it.
pub type Node<'a> = (&'a Host, &'a Router);

fn report(nodes: &[Node<'_>]) -> String {
    let mut s = String::new();
    for (h, r) in nodes {
        let _ = writeln!(s, "=== host {} addresses ===\n{}", h.idx, h.addrs());
        let _ = writeln!(s, "{}", r.describe());
    }
    s
}

/// Which of `nodes` hold `vip` now (host numbers).
pub fn holders(nodes: &[Node<'_>], vip: IpAddr) -> Vec<u8> {
    nodes
        .iter()
        .filter(|(h, _)| h.has(vip))
        .map(|(h, _)| h.idx)
        .collect()
}

/// Waits (up to `within`) until `vip` is on host `owner` and on no other of `nodes`, then
/// checks for `hold` that it stays so. Returns how long convergence took.
pub fn assert_vip_only_on(
    nodes: &[Node<'_>],
    vip: IpAddr,
    owner: u8,
    within: Duration,
    hold: Duration,
) -> Duration {
    let start = Instant::now();
    loop {
        let h = holders(nodes, vip);
        if h == [owner] {
            break;
        }
        let dead: Vec<u8> = nodes
            .iter()
            .filter(|(_, r)| !r.alive_or_stopped())
            .map(|(h, _)| h.idx)
            .collect();
        assert!(
            dead.is_empty(),
            "the router on host(s) {dead:?} exited\n{}",
            report(nodes)
        );
        assert!(
            start.elapsed() < within,
            "{vip} not only on host {owner} after {within:?} (held by {h:?})\n{}",
            report(nodes)
        );
        std::thread::sleep(Duration::from_millis(25));
    }
    let took = start.elapsed();
    let until = Instant::now() + hold;
    while Instant::now() < until {
        let h = holders(nodes, vip);
        assert!(
            h == [owner],
            "{vip} moved after converging on host {owner}: held by {h:?}\n{}",
            report(nodes)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    took
}

/// Waits (up to `within`) until no host of `nodes` holds `vip`.
pub fn assert_vip_nowhere(nodes: &[Node<'_>], vip: IpAddr, within: Duration) {
    let start = Instant::now();
    loop {
        let h = holders(nodes, vip);
        if h.is_empty() {
            return;
        }
        assert!(
            start.elapsed() < within,
            "{vip} still held by {h:?} after {within:?}\n{}",
            report(nodes)
        );
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// Panics with every node's log and addresses when `ok` is false.
pub fn check(ok: bool, what: &str, nodes: &[Node<'_>]) {
    assert!(ok, "{what}\n{}", report(nodes));
}
