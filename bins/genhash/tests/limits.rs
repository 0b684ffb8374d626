//! Hostile servers: endless headers and huge bodies must not grow genhash's memory.
//! Peak memory is the child's `ru_maxrss`, read by a tiny python wrapper that runs only it.

mod common;

use std::process::Command;
use std::time::Instant;

use common::*;

/// Runs our genhash under a wrapper; returns (stdout, stderr, peak RSS in KiB).
fn run_measured(args: &[&str]) -> (String, String, u64) {
    let out = Command::new("python3")
        .args([
            "-c",
            "import resource, subprocess, sys\n\
             r = subprocess.run(sys.argv[1:], capture_output=True)\n\
             sys.stderr.buffer.write(r.stderr)\n\
             sys.stdout.buffer.write(r.stdout)\n\
             print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
        ])
        .arg(ours())
        .args(args)
        .output()
        .expect("run python wrapper");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let (printed, rss) = stdout
        .trim_end()
        .rsplit_once('\n')
        .unwrap_or(("", stdout.trim()));
    let printed = if printed.is_empty() {
        String::new()
    } else {
        format!("{printed}\n")
    };
    (
        printed,
        String::from_utf8(out.stderr).unwrap(),
        rss.trim().parse().unwrap(),
    )
}

/// Generous ceiling for a process that keeps one 4 KiB buffer: a debug build's own
/// footprint is a few MiB (and `ru_maxrss` also sees the forked python before `exec`).
const MAX_RSS_KIB: u64 = 32 * 1024;

/// How much more a hostile response may cost than a one-byte body: growth with input size
/// would show here, whatever the fixed footprint.
const MAX_GROWTH_KIB: u64 = 2 * 1024;

/// Peak RSS of a run that fetches a one-byte body: the baseline.
fn baseline_rss() -> u64 {
    let server = raw_server(&["big", "1"]);
    let port = server.port.to_string();
    let (stdout, _, rss) = run_measured(&["-s", "127.0.0.1", "-p", &port, "-u", "/"]);
    assert_eq!(stdout, format!("{}\n", md5_hex(&[0])));
    rss
}

#[test]
fn endless_headers_stop_at_the_buffer_like_keepalived() {
    let server = raw_server(&["endless-headers"]);
    let port = server.port.to_string();
    let args = ["-s", "127.0.0.1", "-p", &port, "-u", "/", "-t", "10"];
    let started = Instant::now();
    let (stdout, stderr, rss) = run_measured(&args);
    let base = baseline_rss();
    eprintln!(
        "endless headers: {:?}, peak RSS {rss} KiB (baseline {base} KiB)",
        started.elapsed()
    );
    assert!(
        rss < base + MAX_GROWTH_KIB,
        "peak RSS {rss} KiB, baseline {base} KiB"
    );
    assert_eq!(stdout, "");
    assert_eq!(stderr, "no data received from remote webserver\n");
    assert!(rss < MAX_RSS_KIB, "peak RSS {rss} KiB");
    assert_same_as_keepalived(&args);
}

#[test]
fn huge_body_streams_in_bounded_memory() {
    const LEN: usize = 64 << 20;
    let server = raw_server(&["big", &LEN.to_string()]);
    let port = server.port.to_string();
    let started = Instant::now();
    let (stdout, _, rss) = run_measured(&["-s", "127.0.0.1", "-p", &port, "-u", "/"]);
    let elapsed = started.elapsed();
    let base = baseline_rss();
    eprintln!(
        "huge body: {LEN} bytes in {elapsed:?} ({:.0} MiB/s), peak RSS {rss} KiB (baseline {base} KiB)",
        LEN as f64 / (1 << 20) as f64 / elapsed.as_secs_f64()
    );
    assert!(
        rss < base + MAX_GROWTH_KIB,
        "peak RSS {rss} KiB, baseline {base} KiB"
    );
    let block: Vec<u8> = (0..=255u8).collect::<Vec<_>>().repeat(256);
    let mut body = Vec::with_capacity(LEN);
    while body.len() < LEN {
        let n = (LEN - body.len()).min(block.len());
        body.extend_from_slice(&block[..n]);
    }
    assert_eq!(stdout, format!("{}\n", md5_hex(&body)));
    assert!(rss < MAX_RSS_KIB, "peak RSS {rss} KiB");
}
