//! The checker's families from a real pool, and what rendering costs at scale: 1,000 VRRP
//! instances and 10,000 real servers (ignored measurements that print their figures:
//! `cargo test -p kad --lib metrics::cost_tests -- --ignored --nocapture`).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use keepalive_checkers::Pool;
use keepalive_confparse::load::load_str;
use keepalive_confparse::Options;
use keepalive_vrrp::instance::InstanceStats;

use super::checker::{self, CheckRecord};
use super::text::{Exposition, Format};
use super::vrrp::{self, InstanceRow, TrackerRow, VrrpRows};

/// `vss` virtual servers of `reals` real servers each, with a TCP_CHECK each.
fn pool(vss: usize, reals: usize) -> (Pool, usize) {
    let mut text = String::new();
    for v in 0..vss {
        let _ = writeln!(
            text,
            "virtual_server 203.0.113.{} {} {{\n  lb_algo rr\n  lb_kind NAT\n  protocol TCP\n  quorum 2",
            v % 250 + 1,
            8000 + v / 250
        );
        for r in 0..reals {
            let _ = writeln!(
                text,
                "  real_server 198.51.{}.{} 80 {{\n    weight 1\n    TCP_CHECK {{\n      connect_timeout 3\n    }}\n  }}",
                100 + r / 250,
                r % 250 + 1
            );
        }
        text.push_str("}\n");
    }
    let loaded = load_str("keepalived.conf", &text, &Options::default());
    let plan = crate::checker::mapping::plan(&loaded.config).expect("plan");
    let checkers = plan.checkers.len();
    let mut pool = Pool::new(plan.vss, plan.settings);
    pool.start();
    (pool, checkers)
}

fn render_checker(pool: &Pool, checkers: usize, record: &CheckRecord) -> String {
    let by_real = record.by_real(|i| (i / 100, i % 100));
    let rows = checker::rows(
        pool,
        checkers,
        |v, r| by_real.get(&(v, r)).and_then(|x| x.0),
        |v, r| by_real.get(&(v, r)).and_then(|x| x.1),
    );
    let mut s = String::new();
    checker::render(&mut Exposition::new(&mut s, Format::Prometheus), &rows);
    s
}

#[test]
fn checker_families_from_a_pool() {
    let (pool, checkers) = pool(1, 2);
    let mut record = CheckRecord::new(true);
    record.reset(checkers);
    let t0 = Instant::now();
    record.started(1, t0);
    record.ended(1, t0 + Duration::from_millis(250));
    record.result(
        1,
        false,
        Some(&keepalive_checkers::FailReason::ConnectTimeout),
    );
    let text = render_checker(&pool, checkers, &record);
    let vs = r#"virtual_server="[203.0.113.1]:tcp:8000""#;
    for line in [
        format!("kad_virtual_server_quorum{{{vs}}} 2"),
        format!(r#"kad_real_server_weight{{{vs},real_server="[198.51.100.1]:80"}} 1"#),
        format!(
            r#"kad_real_server_last_check_seconds{{{vs},real_server="[198.51.100.2]:80"}} 0.25"#
        ),
        "kad_checkers 2".to_owned(),
    ] {
        assert!(text.lines().any(|l| l == line), "no {line} in\n{text}");
    }
    // A real server that is not down shows no failure reason.
    let down = text.lines().any(|l| {
        l.starts_with(r#"kad_real_server_up{"#) && l.contains("198.51.100.2") && l.ends_with(" 0")
    });
    assert_eq!(text.contains(r#"reason="connect_timeout""#), down, "{text}");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[test]
#[ignore = "a measurement"]
fn render_cost_at_10000_real_servers() {
    let (pool, checkers) = pool(100, 100);
    let mut record = CheckRecord::new(true);
    record.reset(checkers);
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..20 {
        let t0 = Instant::now();
        size = render_checker(&pool, checkers, &record).len();
        times.push(t0.elapsed());
    }
    println!(
        "checker families, 10000 real servers: median {:?} to build and render, {size} bytes",
        median(times)
    );
}

/// Rendering is linear in the number of instances: 4× the instances cost about 4× the time
/// (bound 8×, for a loaded machine), so no family walks all instances per instance. The
/// figures are printed; at 1,000 instances the body is 1.92 MB, which a memcpy-bound writer
/// produces in well under a millisecond in a release build.
#[test]
fn render_cost_is_linear_in_instances() {
    let cost = |n: usize| {
        let rows = vrrp_rows(n);
        let mut times = Vec::new();
        for _ in 0..7 {
            let t0 = Instant::now();
            let mut s = String::new();
            vrrp::render(&mut Exposition::new(&mut s, Format::Prometheus), &rows);
            times.push(t0.elapsed());
        }
        median(times)
    };
    let (small, large) = (cost(250), cost(1000));
    let ratio = large.as_secs_f64() / small.as_secs_f64().max(1e-9);
    println!("VRRP render: 250 instances {small:?}, 1000 instances {large:?}, ratio {ratio:.1}");
    assert!(ratio < 8.0, "250: {small:?}, 1000: {large:?}");
}

fn vrrp_rows(n: usize) -> VrrpRows {
    VrrpRows {
        instances: (0..n)
            .map(|n| InstanceRow {
                name: format!("VI_{n}"),
                interface: format!("eth{}", n / 250),
                vrid: (n % 250 + 1) as u8,
                state: 2,
                vips: vec![format!("203.0.113.{}", n % 250 + 1)],
                excluded: Vec::new(),
                stats: InstanceStats::default(),
                base_priority: 100,
                effective_priority: 110,
                trackers: vec![
                    TrackerRow {
                        kind: "interface",
                        name: "eth0".into(),
                        adjustment: Some(0),
                    },
                    TrackerRow {
                        kind: "script",
                        name: "chk".into(),
                        adjustment: Some(10),
                    },
                ],
            })
            .collect(),
        ..VrrpRows::default()
    }
}

#[test]
#[ignore = "a measurement"]
fn render_cost_at_1000_vrrp_instances() {
    let rows = vrrp_rows(1000);
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..20 {
        let t0 = Instant::now();
        let mut s = String::new();
        vrrp::render(&mut Exposition::new(&mut s, Format::Prometheus), &rows);
        size = s.len();
        times.push(t0.elapsed());
    }
    println!(
        "VRRP families, 1000 instances: median {:?} to render, {size} bytes",
        median(times)
    );
}
