//! Log compatibility with keepalived 2.2.7: each scenario runs once under keepalived and once
//! under kad, with the same configuration, the same peer and the same flags (`-n -l -D -G`),
//! and the two logs must hold the same lines in the same order once timestamps, pids, versions
//! and addresses are normalised. Every line only one side logs must be covered by an entry of
//! `log_compat/differences.txt`, which gives the reason for each: that file is the reviewed
//! list of what an operator grepping kad's log would find different.
//!
//! Topology: host 1 runs the daemon under test, host 2 a keepalived peer where the scenario
//! needs one (the same peer configuration in both runs).

#[allow(dead_code)] // the harness serves several test files; this one uses part of it
mod e2e;

use std::collections::HashMap;
use std::time::Duration;

use nix::sys::signal::Signal;

use e2e::netns::{Host, Lan};
use e2e::router::{config, Instance, Kind, Router};

const WAIT: Duration = Duration::from_secs(20);
/// How long the log is left to settle after a scenario's last event, before the stop.
const SETTLE: Duration = Duration::from_millis(1500);

/// One reviewed difference: lines only `side` logs that match `pattern`.
struct Difference {
    side: Side,
    pattern: regex::Regex,
    reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Kad,
    Keepalived,
}

fn differences() -> Vec<Difference> {
    let text = include_str!("log_compat/differences.txt");
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // `kad-only: REGEX  -- reason` / `keepalived-only: REGEX  -- reason`
        let (side, rest) = if let Some(r) = line.strip_prefix("kad-only:") {
            (Side::Kad, r)
        } else if let Some(r) = line.strip_prefix("keepalived-only:") {
            (Side::Keepalived, r)
        } else {
            panic!("differences.txt:{}: no side: {line}", n + 1);
        };
        let (pattern, reason) = rest
            .split_once(" -- ")
            .unwrap_or_else(|| panic!("differences.txt:{}: no reason: {line}", n + 1));
        assert!(
            !reason.trim().is_empty(),
            "differences.txt:{}: empty reason",
            n + 1
        );
        let pattern = regex::Regex::new(&format!("^(?:{})$", pattern.trim()))
            .unwrap_or_else(|e| panic!("differences.txt:{}: {e}", n + 1));
        out.push(Difference {
            side,
            pattern,
            reason: reason.trim().to_owned(),
        });
    }
    out
}

/// The log with what legitimately differs between two runs taken out: the console timestamp,
/// versions, pids, timings, link-local addresses, paths of the program and of the test's files.
fn normalise(log: &str, dir: &str) -> Vec<String> {
    let rules: &[(&str, &str)] = &[
        (
            r"Keepalived v2\.2\.7 \([^)]*\)",
            "Keepalived v2.2.7 (VERSION)",
        ),
        (r"pid=\d+", "pid=PID"),
        (r"process\(\d+\)", "process(PID)"),
        (r"\d+\.\d{6}", "SECONDS"),
        (r"fe80::[0-9a-f:]+", "LINK-LOCAL"),
        (r"Running on .*", "Running on KERNEL"),
        (r"Command line: .*", "Command line: ARGS"),
        (r"ifindex\(\s*\d+\)", "ifindex(N)"),
        (r"fd\(\d+,\d+\)", "fd(N,N)"),
    ];
    let rules: Vec<(regex::Regex, &str)> = rules
        .iter()
        .map(|(p, r)| (regex::Regex::new(p).expect("rule"), *r))
        .collect();
    let mut out = Vec::new();
    for raw in log.lines() {
        // "Mon Dec  7 13:12:07 2026: " (keepalived's `%c` console stamp).
        let Some((_, text)) = raw.split_once(" 2026: ").or_else(|| raw.split_once(": ")) else {
            continue;
        };
        // Continuation lines of the wrapped command line.
        if text.starts_with(' ') {
            continue;
        }
        let mut t = text.replace(dir, "DIR");
        for (re, with) in &rules {
            t = re.replace_all(&t, *with).into_owned();
        }
        out.push(t);
    }
    out
}

/// Longest common subsequence of `a` and `b`: the pairs of matched indices, in order.
fn lcs(a: &[String], b: &[String]) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Lines the parent logs while a child logs its own: with `-l` both write to one stream, so
/// where they fall among the child's lines is a race in keepalived as in kad. They are
/// compared as a multiset, the rest in order.
const PARENT_LINES: &[&str] = &[
    "Starting VRRP child process, pid=PID",
    "Startup complete",
    "Reload complete",
];

/// Compares the two normalised logs; panics with a diff of the lines no reviewed difference
/// explains.
fn compare(scenario: &str, keepalived: &[String], kad: &[String]) {
    let diffs = differences();
    let floating = |l: &String| PARENT_LINES.contains(&l.as_str());
    let mut unordered: Vec<(Side, String)> = Vec::new();
    for line in PARENT_LINES {
        let count = |log: &[String]| log.iter().filter(|l| l.as_str() == *line).count();
        let (a, b) = (count(keepalived), count(kad));
        for _ in b..a {
            unordered.push((Side::Keepalived, (*line).to_owned()));
        }
        for _ in a..b {
            unordered.push((Side::Kad, (*line).to_owned()));
        }
    }
    let keepalived: Vec<String> = keepalived
        .iter()
        .filter(|l| !floating(l))
        .cloned()
        .collect();
    let kad: Vec<String> = kad.iter().filter(|l| !floating(l)).cloned().collect();
    let (keepalived, kad) = (&keepalived[..], &kad[..]);
    let matched = lcs(keepalived, kad);
    let explained = |side: Side, line: &str| {
        diffs
            .iter()
            .find(|d| d.side == side && d.pattern.is_match(line))
            .map(|d| d.reason.clone())
    };
    // A line both logs have, unmatched on both sides, was written in another order: several
    // processes (and scripts) write to one stream, so keepalived's own runs differ so (the
    // parent's and the child's "Printing" lines, GARP lines of two interfaces). Wording, which
    // is what scripts grep, is the same; the swap is shown, not counted.
    let in_order: std::collections::HashSet<usize> = matched.iter().map(|m| m.0).collect();
    let mut moved: HashMap<&str, usize> = HashMap::new();
    for (n, l) in keepalived.iter().enumerate() {
        if !in_order.contains(&n) {
            *moved.entry(l.as_str()).or_default() += 1;
        }
    }
    let in_order: std::collections::HashSet<usize> = matched.iter().map(|m| m.1).collect();
    let mut kad_moved: HashMap<&str, usize> = HashMap::new();
    for (n, l) in kad.iter().enumerate() {
        if !in_order.contains(&n) {
            *kad_moved.entry(l.as_str()).or_default() += 1;
        }
    }
    let mut reordered: HashMap<(Side, String), usize> = HashMap::new();
    for (l, a) in &moved {
        let pairs = (*a).min(kad_moved.get(l).copied().unwrap_or(0));
        if pairs > 0 {
            reordered.insert((Side::Keepalived, (*l).to_owned()), pairs);
            reordered.insert((Side::Kad, (*l).to_owned()), pairs);
        }
    }
    let mut report = String::new();
    let mut unexplained = 0;
    let (mut i, mut j) = (0, 0);
    let mut emit = |side: Side, line: &str, report: &mut String| {
        let mark = if side == Side::Keepalived { '-' } else { '+' };
        if let Some(n) = reordered
            .get_mut(&(side, line.to_owned()))
            .filter(|n| **n > 0)
        {
            *n -= 1;
            report.push_str(&format!("{mark} {line}    [in the other log, elsewhere]\n"));
            return;
        }
        match explained(side, line) {
            Some(why) => report.push_str(&format!("{mark} {line}    [reviewed: {why}]\n")),
            None => {
                unexplained += 1;
                report.push_str(&format!("{mark} {line}    <<< UNEXPLAINED\n"));
            }
        }
    };
    for (side, line) in &unordered {
        emit(*side, line, &mut report);
    }
    for &(mi, mj) in matched
        .iter()
        .chain(std::iter::once(&(keepalived.len(), kad.len())))
    {
        while i < mi {
            emit(Side::Keepalived, &keepalived[i], &mut report);
            i += 1;
        }
        while j < mj {
            emit(Side::Kad, &kad[j], &mut report);
            j += 1;
        }
        if mi < keepalived.len() {
            report.push_str(&format!("  {}\n", keepalived[mi]));
        }
        i = mi + 1;
        j = mj + 1;
    }
    eprintln!("=== {scenario}: keepalived (-) vs kad (+) ===\n{report}");
    assert_eq!(
        unexplained, 0,
        "{scenario}: {unexplained} log line(s) differ from keepalived's and are not in \
         log_compat/differences.txt:\n{report}"
    );
}

/// What a scenario does to the daemon under test (`dut`) and its optional peer.
type Steps = fn(&Router, Option<&mut Router>, &Host);

/// Runs `steps` under keepalived and under kad and compares the logs.
fn scenario(name: &str, dut_conf: &str, peer_conf: Option<&str>, steps: Steps) {
    // Each of these prints the SKIP (and fails under CI=true) itself.
    if !Kind::Keepalived.available() || !Kind::Kad.available() {
        return;
    }
    let mut logs = Vec::new();
    for kind in [Kind::Keepalived, Kind::Kad] {
        let Some(lan) = Lan::new(2) else {
            return;
        };
        let mut peer = peer_conf.map(|c| Router::start(Kind::Keepalived, lan.host(2), c));
        if let Some(p) = &peer {
            assert!(
                p.wait_log(0, "Entering MASTER STATE", WAIT),
                "{name}: the peer never became master\n{}",
                p.describe()
            );
        }
        let mut dut = Router::start(kind, lan.host(1), dut_conf);
        assert!(
            dut.wait_log(0, "Startup complete", WAIT) || dut.wait_log(0, "Entering", WAIT),
            "{name}: {kind:?} did not start\n{}",
            dut.describe()
        );
        steps(&dut, peer.as_mut(), lan.host(1));
        std::thread::sleep(SETTLE);
        assert!(dut.stop(WAIT), "{name}: {kind:?} did not stop");
        let dir = dut.dir.to_string_lossy().into_owned();
        logs.push(normalise(&dut.log(), &dir));
    }
    compare(name, &logs[0], &logs[1]);
}

fn wait(r: &Router, mark: usize, needle: &str) {
    assert!(
        r.wait_log(mark, needle, WAIT),
        "never logged {needle:?}\n{}",
        r.describe()
    );
}

const VIP: &str = "192.0.2.100/24";

fn single(priority: u8, master: bool) -> String {
    let mut i = Instance::new(51, priority, VIP);
    if master {
        i = i.master();
    }
    config("lc", "", &[i])
}

#[test]
fn start_as_master_and_stop() {
    scenario("master", &single(200, true), None, |dut, _, _| {
        wait(dut, 0, "Entering MASTER STATE");
    });
}

#[test]
fn start_as_backup_under_a_master_and_stop() {
    scenario(
        "backup",
        &single(100, false),
        Some(&single(200, true)),
        |dut, _, _| wait(dut, 0, "Entering BACKUP STATE"),
    );
}

#[test]
fn failover_when_the_master_is_killed() {
    scenario(
        "failover-kill",
        &single(100, false),
        Some(&single(200, true)),
        |dut, peer, _| {
            wait(dut, 0, "Entering BACKUP STATE");
            let mark = dut.log_mark();
            peer.expect("peer").kill();
            wait(dut, mark, "Entering MASTER STATE");
        },
    );
}

#[test]
fn failover_when_the_master_stops() {
    scenario(
        "failover-stop",
        &single(100, false),
        Some(&single(200, true)),
        |dut, peer, _| {
            wait(dut, 0, "Entering BACKUP STATE");
            let mark = dut.log_mark();
            assert!(peer.expect("peer").stop(WAIT));
            wait(dut, mark, "Entering MASTER STATE");
        },
    );
}

#[test]
fn reload_adds_and_removes_an_instance() {
    scenario("reload", &single(200, true), None, |dut, _, _| {
        wait(dut, 0, "Entering MASTER STATE");
        let two = config(
            "lc",
            "",
            &[
                Instance::new(51, 200, VIP).master(),
                Instance::new(52, 200, "192.0.2.101/24").master(),
            ],
        );
        std::fs::write(&dut.conf, two).expect("rewrite");
        let mark = dut.log_mark();
        dut.reload();
        wait(dut, mark, "(VI_52) Entering MASTER STATE");
        std::thread::sleep(SETTLE);
        let one = config(
            "lc",
            "",
            &[Instance::new(52, 200, "192.0.2.101/24").master()],
        );
        std::fs::write(&dut.conf, one).expect("rewrite");
        let mark = dut.log_mark();
        dut.reload();
        wait(dut, mark, "Reload");
    });
}

/// `reload_check_config`: both check the new file first and keep running the old one.
/// (Without it keepalived 2.2.7 reloads a file with a bad VRID and its VRRP child exits with
/// a permanent configuration error, taking the daemon down; kad keeps the running
/// configuration in either case.)
#[test]
fn refused_reload_keeps_running() {
    fn checked(c: String) -> String {
        c.replace("global_defs {", "global_defs {\n  reload_check_config")
    }
    let conf = checked(single(200, true));
    scenario("reload-refused", &conf, None, |dut, _, _| {
        wait(dut, 0, "Entering MASTER STATE");
        let broken =
            checked(single(200, true)).replace("virtual_router_id 51", "virtual_router_id 300");
        std::fs::write(&dut.conf, broken).expect("rewrite");
        let mark = dut.log_mark();
        dut.reload();
        wait(dut, mark, "New config failed validation");
    });
}

#[test]
fn track_script_fails_and_recovers() {
    // The script's answer is a file the test flips.
    let flag = std::env::temp_dir().join(format!("kad-lc-flag-{}", std::process::id()));
    let script = format!(
        "vrrp_script chk {{\n  script \"/bin/test -e {}\"\n  interval 1\n  fall 1\n  rise 1\n}}\n",
        flag.display()
    );
    let conf = {
        let mut i = Instance::new(51, 200, VIP).master();
        i.track_scripts.push("chk".to_owned());
        config("lc", &script, &[i]).replace(
            "global_defs {",
            "global_defs {\n  enable_script_security\n  script_user root",
        )
    };
    std::fs::write(&flag, "").expect("flag");
    let flag2 = flag.clone();
    FLAG.with(|f| *f.borrow_mut() = Some(flag2));
    scenario("track-script", &conf, None, |dut, _, _| {
        let flag = FLAG.with(|f| f.borrow().clone()).expect("flag");
        std::fs::write(&flag, "").expect("flag");
        wait(dut, 0, "Entering MASTER STATE");
        // Past garp_master_delay here too: recovery takes about 5 s, and in one CI run
        // keepalived's log had a third GARP block after the second MASTER, the first
        // period's delayed block falling due there.
        std::thread::sleep(Duration::from_secs(6));
        let mark = dut.log_mark();
        std::fs::remove_file(&flag).expect("flag");
        wait(dut, mark, "Entering FAULT STATE");
        let mark = dut.log_mark();
        std::fs::write(&flag, "").expect("flag");
        wait(dut, mark, "Entering MASTER STATE");
        // Past garp_master_delay (5 s), so the second GARP block is in both logs.
        std::thread::sleep(Duration::from_secs(6));
    });
    let _ = std::fs::remove_file(&flag);
}

thread_local! {
    static FLAG: std::cell::RefCell<Option<std::path::PathBuf>> =
        const { std::cell::RefCell::new(None) };
}

#[test]
fn interface_down_and_up() {
    scenario("link", &single(200, true), None, |dut, _, host| {
        wait(dut, 0, "Entering MASTER STATE");
        let mark = dut.log_mark();
        e2e::netns::must(host.ns.ip().args(["link", "set", "eth0", "down"]));
        wait(dut, mark, "Entering FAULT STATE");
        let mark = dut.log_mark();
        e2e::netns::must(host.ns.ip().args(["link", "set", "eth0", "up"]));
        wait(dut, mark, "Entering MASTER STATE");
    });
}

#[test]
fn data_and_stats_signals() {
    scenario("signals", &single(200, true), None, |dut, _, _| {
        wait(dut, 0, "Entering MASTER STATE");
        for sig in [Signal::SIGUSR1, Signal::SIGUSR2] {
            dut.signal(sig);
            std::thread::sleep(Duration::from_millis(500));
        }
    });
}
