//! The endpoint against hostile clients on loopback: each test serves a body that counts
//! its scrapes and checks that the server answers good clients, bounds what bad ones cost,
//! and never waits on one.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use super::*;

struct Counting(Arc<AtomicU64>);

impl Scrape for Counting {
    fn scrape(&mut self, format: Format, stats: &ServerStats) -> Vec<u8> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        let mut body = format!(
            "# HELP t T.\n# TYPE t gauge\nt {n}\n# HELP refused R.\n# TYPE refused gauge\nrefused {}\n",
            stats.refused
        );
        if format == Format::OpenMetrics {
            body.push_str("# EOF\n");
        }
        body.into_bytes()
    }
}

/// A server on an ephemeral loopback port, running on its own thread for the test's life.
fn serve(limits: Limits) -> (std::net::SocketAddr, Arc<AtomicU64>, mpsc::Receiver<()>) {
    let count = Arc::new(AtomicU64::new(0));
    let server = Server::bind(
        "127.0.0.1:0".parse().unwrap(),
        limits,
        Counting(count.clone()),
    )
    .expect("bind loopback");
    let addr = server.local_addr().expect("addr");
    let (_tx, rx) = mpsc::channel();
    std::thread::spawn(move || server.run());
    (addr, count, rx)
}

fn get(addr: std::net::SocketAddr, request: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request.as_bytes()).expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

fn scrape(addr: std::net::SocketAddr) -> String {
    get(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
}

#[test]
fn metrics_is_served_and_nothing_else() {
    let (addr, _, _) = serve(Limits::default());
    let r = scrape(addr);
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert!(r.contains("Content-Type: text/plain; version=0.0.4"), "{r}");
    assert!(
        r.ends_with("t 1\n# HELP refused R.\n# TYPE refused gauge\nrefused 0\n"),
        "{r}"
    );
    let r = get(
        addr,
        "GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0\r\n\r\n",
    );
    assert!(r.contains("application/openmetrics-text"), "{r}");
    assert!(r.ends_with("# EOF\n"), "{r}");
    let r = get(addr, "HEAD /metrics HTTP/1.0\r\n\r\n");
    assert!(
        r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with("\r\n\r\n"),
        "{r}"
    );
    for (req, status) in [
        ("GET / HTTP/1.1\r\n\r\n", "404"),
        ("GET /metricsx HTTP/1.1\r\n\r\n", "404"),
        ("GET /../metrics HTTP/1.1\r\n\r\n", "404"),
        ("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "405"),
        ("\x16\x03\x01\x02\x00\x01\x00\x01\x03\x03\r\n\r\n", "400"),
    ] {
        let r = get(addr, req);
        assert!(
            r.starts_with(&format!("HTTP/1.1 {status} ")),
            "{req:?}: {r}"
        );
    }
    // The query string is ignored, as Prometheus' own handlers do.
    assert!(get(addr, "GET /metrics?x=1 HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200"));
}

#[test]
fn oversized_requests_are_cut_at_the_limit() {
    let limits = Limits {
        max_request: 4096,
        ..Limits::default()
    };
    let (addr, count, _) = serve(limits);
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let header = format!("GET /metrics HTTP/1.1\r\nX-Pad: {}\r\n", "a".repeat(3000));
    // Header lines keep coming and never end: the server answers 431 once past 4 KiB and
    // stops reading, whatever the client still sends.
    let mut sent = 0usize;
    let mut answer = String::new();
    s.write_all(header.as_bytes()).unwrap();
    for _ in 0..1000 {
        if s.write_all(b"X-More: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
            .is_err()
        {
            break;
        }
        sent += 64;
        if sent > 64 * 1024 {
            break;
        }
    }
    let _ = s.shutdown(Shutdown::Write);
    let _ = s.read_to_string(&mut answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 431 "),
        "{answer}"
    );
    assert_eq!(count.load(Ordering::SeqCst), 0);
    // The server goes on serving.
    assert!(scrape(addr).starts_with("HTTP/1.1 200"));
}

#[test]
fn a_slowloris_is_cut_at_the_request_timeout_and_blocks_nobody() {
    let limits = Limits {
        request_timeout: Duration::from_millis(1500),
        ..Limits::default()
    };
    let (addr, _, _) = serve(limits);
    let t0 = Instant::now();
    let mut slow = TcpStream::connect(addr).expect("connect");
    slow.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\n").unwrap();
    // Meanwhile, good clients are served at once.
    for _ in 0..5 {
        let t = Instant::now();
        assert!(scrape(addr).starts_with("HTTP/1.1 200"));
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    }
    // One header byte every 300 ms keeps the connection busy but never resets the deadline.
    let mut closed_at = None;
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(300));
        if slow.write_all(b"X").is_err() {
            closed_at = Some(t0.elapsed());
            break;
        }
        let mut b = [0u8; 1];
        slow.set_nonblocking(true).unwrap();
        let r = slow.read(&mut b);
        slow.set_nonblocking(false).unwrap();
        if matches!(r, Ok(0)) {
            closed_at = Some(t0.elapsed());
            break;
        }
    }
    let closed_at = closed_at.expect("the slow client was never cut");
    // 1.5 s of timeout, plus one 300 ms step to notice, plus scheduling slack.
    assert!(
        closed_at >= Duration::from_millis(1400) && closed_at < Duration::from_secs(6),
        "{closed_at:?}"
    );
}

#[test]
fn ten_thousand_connections_cost_the_connection_limit() {
    let limits = Limits {
        max_connections: 32,
        request_timeout: Duration::from_secs(3),
        ..Limits::default()
    };
    let (addr, _, _) = serve(limits);
    // Raise our own descriptor limit for the clients if we can; count how many we open.
    let _ =
        nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, 20_000, 20_000);
    let mut held = Vec::new();
    for _ in 0..10_000 {
        match TcpStream::connect(addr) {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    assert!(held.len() >= 1000, "only {} connections opened", held.len());
    // The server refuses beyond its limit at accept, so a scrape gets through as soon as
    // the silent connections time out; it must never be refused for longer than that.
    let t0 = Instant::now();
    let ok = loop {
        let r = scrape(addr);
        if r.starts_with("HTTP/1.1 200") {
            break r;
        }
        assert!(r.is_empty() || r.starts_with("HTTP/1.1 503"), "{r}");
        assert!(t0.elapsed() < Duration::from_secs(30), "never served");
        std::thread::sleep(Duration::from_millis(100));
    };
    let refused: u64 = ok
        .lines()
        .find_map(|l| l.strip_prefix("refused "))
        .and_then(|v| v.parse().ok())
        .expect("refused sample");
    // Beyond the first 32, only those accepted as earlier ones timed out were served.
    assert!(
        refused as usize >= held.len() * 9 / 10,
        "{refused} of {}",
        held.len()
    );
    drop(held);
}

#[test]
fn requests_waiting_together_share_one_gather() {
    let (addr, count, _) = serve(Limits::default());
    let clients: Vec<_> = (0..16)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            s.write_all(b"GET /metrics HTTP/1.1\r\n").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // Every request completes in one write; the server sees them in one turn, or few.
    let mut clients: Vec<_> = clients
        .into_iter()
        .map(|mut s| {
            s.write_all(b"\r\n").unwrap();
            s
        })
        .collect();
    for s in &mut clients {
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    }
    assert!(count.load(Ordering::SeqCst) <= 16);
}
