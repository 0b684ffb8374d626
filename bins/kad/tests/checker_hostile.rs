//! Hostile and real servers against kad's checker child (`KAD_CHILD=checker kad -n -l -C -f
//! CONF`), each in a network namespace the test creates on 192.0.2.0/24 addresses of its
//! loopback:
//!
//! - DNS_CHECK against a real DNS server, Debian's dnsmasq (package dnsmasq-base): up with
//!   the record, down with keepalived's "read error occurred. (rcode = N)" when dnsmasq
//!   answers NXDOMAIN or REFUSED, up again when the record is back.
//! - Hostile servers: a DNS responder answering with a compression-pointer loop and with
//!   truncated datagrams, TLS ports that answer a ClientHello with garbage, plaintext or a
//!   stalled record or an alert, HTTP servers sending 1 GiB bodies fast and slowly
//!   (connect_timeout bounds the whole check; memory stays flat) beside a 64 MiB body whose
//!   right digest passes (the digest streams), and UDP floods toward UDP_CHECK's socket.
//!
//! Every test samples the checker's resident memory all along and asserts it stays under
//! [`RSS_LIMIT_KIB`], and that kad still stops cleanly (exit 0) at the end. The namespace and
//! every process are removed by Drop guards. Without `ip netns` (not root) the tests print
//! SKIP and pass; without dnsmasq the DNS server test prints SKIP. Under `CI=true` a skip fails.

mod checker_common;
use checker_common::*;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The checker's resident memory must stay below this whatever the servers send.
const RSS_LIMIT_KIB: u64 = 64 * 1024;

/// Samples a process's VmRSS every 50 ms and keeps the peak, until dropped.
struct RssPeak {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RssPeak {
    fn watch(pid: u32) -> RssPeak {
        let peak = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (peak, stop) = (peak.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        RssPeak {
            peak,
            stop,
            thread: Some(thread),
        }
    }

    fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    /// Print the peak and assert it is within [`RSS_LIMIT_KIB`].
    fn check(&self, what: &str) {
        let peak = self.peak();
        eprintln!("{what}: checker peak RSS {peak} KiB");
        assert!(
            peak > 0 && peak < RSS_LIMIT_KIB,
            "{what}: peak RSS {peak} KiB"
        );
    }
}

impl Drop for RssPeak {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Wait until a UDP or TCP port is bound in the namespace (`ss`), so kad never races a
/// server's start.
fn wait_bound(ns: &Netns, proto: &str, addr_port: &str) {
    let end = Instant::now() + SERVER_WAIT;
    loop {
        let out = ns
            .cmd("ss")
            .args([if proto == "udp" { "-uanH" } else { "-tlnH" }])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&out.stdout).contains(addr_port) {
            return;
        }
        assert!(Instant::now() < end, "{proto} {addr_port} never bound");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Debian's dnsmasq answering from files it re-reads on SIGHUP, so the answer changes
/// atomically (a restart would leave a gap where ICMP port unreachable, not the answer under
/// test, takes the server down): `hosts` holds the record; `servers` holds
/// `server=/example.com/` (answer only from local data: NXDOMAIN without the record) or
/// nothing (no upstream: REFUSED without the record).
struct Dnsmasq {
    proc: Proc,
    hosts: PathBuf,
    servers: PathBuf,
}

impl Dnsmasq {
    fn start(ns: &Netns, addr: &str) -> Dnsmasq {
        let hosts = ns.write("hosts", "192.0.2.99 www.example.com\n");
        let servers = ns.write("servers", "server=/example.com/\n");
        let proc = ns.spawn(
            "dnsmasq",
            &[
                "--no-daemon",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                &format!("--addn-hosts={}", hosts.display()),
                &format!("--servers-file={}", servers.display()),
                "--port=53",
                &format!("--listen-address={addr}"),
                "--bind-interfaces",
                "--pid-file=",
                "--user=root",
            ],
        );
        wait_bound(ns, "udp", &format!("{addr}:53"));
        Dnsmasq {
            proc,
            hosts,
            servers,
        }
    }

    /// Rewrite the record and upstream files, then SIGHUP.
    fn set(&self, record: bool, local_only: bool) {
        let text = if record {
            "192.0.2.99 www.example.com\n"
        } else {
            ""
        };
        std::fs::write(&self.hosts, text).unwrap();
        let text = if local_only {
            "server=/example.com/\n"
        } else {
            ""
        };
        std::fs::write(&self.servers, text).unwrap();
        let pid = self.proc.0.as_ref().unwrap().id().to_string();
        assert!(quiet(Command::new("kill").args(["-s", "HUP", &pid])));
    }
}

/// DNS_CHECK against Debian's dnsmasq: the record → up; no record and local-only
/// (NXDOMAIN) → down with keepalived's "read error occurred. (rcode = 3)"; the record back →
/// up; no record and no upstream (REFUSED) → down with rcode 5; back → up; dnsmasq stopped →
/// down. A TCP_CHECK beside it never flaps.
#[test]
fn dns_check_against_dnsmasq() {
    if !quiet(Command::new("dnsmasq").arg("--version")) {
        kad_skip::skip("dnsmasq (Debian dnsmasq-base) is not installed");
        return;
    }
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.31", "192.0.2.32"]) else {
        return;
    };
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}virtual_server 192.0.2.1 53 {{\n  delay_loop 1\n  protocol UDP\n  alpha\n\
             real_server 192.0.2.31 53 {{\n    DNS_CHECK {{\n      type A\n      name www.example.com\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n}}\n\
             virtual_server 192.0.2.1 80 {{\n  delay_loop 1\n  protocol TCP\n\
             real_server 192.0.2.32 80 {{\n    TCP_CHECK {{\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n}}\n"
        ),
    );
    let _tcp = tcp_listener(&ns, "192.0.2.32", 80);
    let mut dns = Dnsmasq::start(&ns, "192.0.2.31");
    wait_bound(&ns, "tcp", "192.0.2.32:80");
    let mut kad = Kad::start(&ns, &conf);
    let rss = RssPeak::watch(kad.pid());
    let vs = "VS [192.0.2.1]:udp:53";
    let up = format!("Adding service [192.0.2.31]:udp:53 to {vs}");
    let down = format!("Removing service [192.0.2.31]:udp:53 from {vs}");
    kad.wait(&up);

    dns.set(false, true);
    let t = kad.wait("DNS_CHECK ([192.0.2.31]:udp:53) read error occurred. (rcode = 3)");
    kad.wait(&down);
    eprintln!("NXDOMAIN detected in {t:?}");
    assert!(t < Duration::from_secs(10), "{t:?}");

    dns.set(true, true);
    kad.wait_n(&up, 2);

    dns.set(false, false);
    let t = kad.wait("DNS_CHECK ([192.0.2.31]:udp:53) read error occurred. (rcode = 5)");
    kad.wait_n(&down, 2);
    eprintln!("REFUSED detected in {t:?}");

    dns.set(true, false);
    kad.wait_n(&up, 3);

    dns.proc.stop();
    kad.wait_n(&down, 3);

    assert_eq!(kad.count("[192.0.2.32]:tcp:80 failed"), 0, "{}", kad.dump());
    rss.check("dnsmasq");
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

/// A hostile DNS responder whose reply is chosen by the first word of the file argv[2]:
/// `loop` NOERROR with an answer whose owner name is a compression pointer to itself (and a
/// second pointer pair pointing at each other); `short` a 7-byte datagram (cut inside the
/// header); `header` only the 12-byte header, TC set, counts promising records that never
/// come; `junk` 64 KiB-ish of random bytes after a valid NOERROR header.
const HOSTILE_DNS_PY: &str = r#"
import os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 12:
        continue
    mode = open(sys.argv[2]).read().split()[0]
    qid = q[:2]
    end = 12
    while end < len(q) and q[end] != 0:
        end += q[end] + 1
    question = q[12:end + 5]
    if mode == 'loop':
        # Answer 1 at offset o: name = pointer to o (itself). Answer 2: two pointers that
        # point at each other.
        o = 12 + len(question)
        a1 = struct.pack('>H', 0xc000 | o) + b'\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04' + bytes([192, 0, 2, 99])
        o2 = o + len(a1)
        a2 = struct.pack('>H', 0xc000 | (o2 + 2)) + struct.pack('>H', 0xc000 | o2) + b'\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04' + bytes([192, 0, 2, 99])
        s.sendto(qid + b'\x81\x80' + b'\x00\x01\x00\x02\x00\x00\x00\x00' + question + a1 + a2, peer)
    elif mode == 'short':
        s.sendto(qid + b'\x81\x80\x00\x01\x00', peer)
    elif mode == 'header':
        s.sendto(qid + b'\x83\x80' + b'\x00\x01\x00\x05\x00\x05\x00\x05', peer)
    else:
        s.sendto(qid + b'\x81\x80' + b'\xff\xff\xff\xff\xff\xff\xff\xff' + os.urandom(65000), peer)
"#;

/// DNS_CHECK judges a reply as keepalived's `dns_recv_thread` does: id, QR and RCODE from the
/// header, nothing past it. So a NOERROR reply whose records are compression-pointer loops,
/// a header-only truncated reply or a header followed by 64 KB of noise count as up (and
/// must not hang or crash kad); a datagram cut inside the header is ignored, so the check
/// ends with keepalived's "read timeout from socket" within connect_timeout and the server
/// goes down.
#[test]
fn dns_compression_loop_and_truncated_replies() {
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.31", "192.0.2.32"]) else {
        return;
    };
    let py = ns.write("dns.py", HOSTILE_DNS_PY);
    let mode = ns.write("mode", "loop\n");
    // Replace the mode file atomically: the responder reads it on every query.
    let set_mode = |m: &str| {
        let tmp = ns.write("mode.tmp", m);
        std::fs::rename(tmp, &mode).unwrap();
    };
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}virtual_server 192.0.2.1 53 {{\n  delay_loop 1\n  protocol UDP\n  alpha\n\
             real_server 192.0.2.31 53 {{\n    DNS_CHECK {{\n      type A\n      name www.example.com\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n}}\n\
             virtual_server 192.0.2.1 80 {{\n  delay_loop 1\n  protocol TCP\n\
             real_server 192.0.2.32 80 {{\n    TCP_CHECK {{\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n}}\n"
        ),
    );
    let _tcp = tcp_listener(&ns, "192.0.2.32", 80);
    let _dns = ns.spawn(
        "python3",
        &[py.to_str().unwrap(), "192.0.2.31", mode.to_str().unwrap()],
    );
    wait_bound(&ns, "udp", "192.0.2.31:53");
    wait_bound(&ns, "tcp", "192.0.2.32:80");
    let mut kad = Kad::start(&ns, &conf);
    let rss = RssPeak::watch(kad.pid());
    let vs = "VS [192.0.2.1]:udp:53";
    let up = format!("Adding service [192.0.2.31]:udp:53 to {vs}");
    let down = format!("Removing service [192.0.2.31]:udp:53 from {vs}");
    kad.wait(&up);
    // A few rounds of loops: still up, still checking.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(kad.count(&down), 0, "{}", kad.dump());

    set_mode("short\n");
    let t = kad.wait("DNS_CHECK ([192.0.2.31]:udp:53) read timeout from socket");
    kad.wait(&down);
    // delay_loop 1 + connect_timeout 2.
    assert!(t < checker_common::bound(Duration::from_secs(3)), "{t:?}");
    eprintln!("cut-off header detected in {t:?}");

    set_mode("header\n");
    kad.wait_n(&up, 2);
    set_mode("junk\n");
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(kad.count(&down), 1, "{}", kad.dump());
    set_mode("short\n");
    kad.wait_n(&down, 2);

    assert_eq!(kad.count("[192.0.2.32]:tcp:80 failed"), 0, "{}", kad.dump());
    rss.check("hostile DNS");
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

/// TLS ports that are not TLS: argv[1] picks the behaviour after accepting.
/// `garbage` endless random bytes; `plain` a plaintext HTTP response, then close; `stall` a
/// handshake record header announcing 16 KiB, then a byte a second; `alert` a TLS fatal
/// alert record in answer to the ClientHello.
const HOSTILE_TLS_PY: &str = r#"
import os, socket, sys, threading, time
mode, addr = sys.argv[1], sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 443))
s.listen(16)
def serve(c):
    try:
        c.recv(4096)
        if mode == 'garbage':
            while True:
                c.sendall(os.urandom(65536))
        elif mode == 'plain':
            c.sendall(b'HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello')
        elif mode == 'stall':
            c.sendall(b'\x16\x03\x03\x40\x00')
            for _ in range(60):
                c.sendall(b'\x02')
                time.sleep(1)
        else:
            c.sendall(b'\x15\x03\x03\x00\x02\x02\x28')
            time.sleep(5)
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

/// SSL_GET against ports answering the ClientHello with garbage, plaintext HTTP, a stalled
/// record or a fatal alert: every one goes down (the stalled one within connect_timeout),
/// kad keeps running with bounded memory.
#[test]
fn ssl_get_against_garbage_tls() {
    let modes = [
        ("garbage", "192.0.2.20"),
        ("plain", "192.0.2.21"),
        ("stall", "192.0.2.22"),
        ("alert", "192.0.2.23"),
    ];
    let Some(ns) = Netns::new(&[
        "192.0.2.1",
        "192.0.2.20",
        "192.0.2.21",
        "192.0.2.22",
        "192.0.2.23",
    ]) else {
        return;
    };
    let py = ns.write("tls.py", HOSTILE_TLS_PY);
    let mut servers = Vec::new();
    let mut reals = String::new();
    for (mode, addr) in modes {
        servers.push(ns.spawn("python3", &[py.to_str().unwrap(), mode, addr]));
        reals += &format!(
            "  real_server {addr} 443 {{\n    SSL_GET {{\n      url {{\n        path /\n        status_code 200\n      }}\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n"
        );
    }
    for (_, addr) in modes {
        wait_bound(&ns, "tcp", &format!("{addr}:443"));
    }
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}virtual_server 192.0.2.1 443 {{\n  delay_loop 1\n  protocol TCP\n{reals}}}\n"
        ),
    );
    let started = Instant::now();
    let mut kad = Kad::start(&ns, &conf);
    let rss = RssPeak::watch(kad.pid());
    for (_, addr) in modes {
        kad.wait(&format!("HTTP_CHECK on service [{addr}]:tcp:443 failed."));
        kad.wait(&format!(
            "Removing service [{addr}]:tcp:443 from VS [192.0.2.1]:tcp:443"
        ));
    }
    let t = started.elapsed();
    eprintln!("all four garbage TLS servers down after {t:?}");
    // warmup (≤ delay_loop, 1 s) + connect_timeout (2 s) bounds each.
    assert!(t < checker_common::bound(Duration::from_secs(3)), "{t:?}");
    // A few more rounds against the endless garbage: memory stays flat.
    std::thread::sleep(Duration::from_secs(4));
    rss.check("garbage TLS");
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

/// An HTTP server with a large body: argv[1] `fast` (as fast as the socket takes it) or
/// `slow` (64 KiB every 100 ms), argv[3] the body size in MiB, announced in Content-Length.
/// The body is one 64 KiB pattern repeated; the server writes the body's MD5 to argv[4]
/// before listening.
const BIG_HTTP_PY: &str = r#"
import hashlib, os, socket, sys, threading, time
mode, addr, mib, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
chunk = bytes(range(256)) * 256
count = mib * 16
h = hashlib.md5()
for _ in range(count):
    h.update(chunk)
open(out + '.tmp', 'w').write(h.hexdigest())
os.rename(out + '.tmp', out)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 80))
s.listen(16)
def serve(c):
    try:
        c.recv(4096)
        c.sendall(b'HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n' % (count * len(chunk)))
        for _ in range(count):
            c.sendall(chunk)
            if mode == 'slow':
                time.sleep(0.1)
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

/// Start [`BIG_HTTP_PY`] and return it with its body's MD5.
fn big_http(ns: &Netns, mode: &str, addr: &str, mib: u32) -> (Proc, String) {
    let py = ns.write("big.py", BIG_HTTP_PY);
    let digest_file = ns.path(&format!("digest-{addr}"));
    let p = ns.spawn(
        "python3",
        &[
            py.to_str().unwrap(),
            mode,
            addr,
            &mib.to_string(),
            digest_file.to_str().unwrap(),
        ],
    );
    let end = Instant::now() + SERVER_WAIT;
    let digest = loop {
        if let Ok(d) = std::fs::read_to_string(&digest_file) {
            break d;
        }
        assert!(Instant::now() < end, "{addr} never wrote its digest");
        std::thread::sleep(Duration::from_millis(100));
    };
    wait_bound(ns, "tcp", &format!("{addr}:80"));
    (p, digest)
}

/// Big bodies. 1 GiB at full speed and 1 GiB trickled (64 KiB / 100 ms) both carry the
/// right digest, yet fail with keepalived's "Timeout HTTP read" (logged with
/// `log_all_failures`) once connect_timeout (3 s) has passed, since it bounds the whole check; memory stays bounded while the fast one
/// streams round after round. A 64 MiB body with the right digest passes: the digest is
/// computed on the stream, not on a buffered body. (A debug-build kad digests too slowly to
/// finish 1 GiB inside a test's time budget; the 64 MiB pass shows the same code path.)
#[test]
fn http_get_one_gib_body() {
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.50", "192.0.2.51", "192.0.2.52"]) else {
        return;
    };
    let (_fast, gib_digest) = big_http(&ns, "fast", "192.0.2.50", 1024);
    let (_slow, _) = big_http(&ns, "slow", "192.0.2.51", 1024);
    let (_mid, mid_digest) = big_http(&ns, "fast", "192.0.2.52", 64);
    let check = |addr: &str, digest: &str, timeout: u32| {
        format!(
            "  real_server {addr} 80 {{\n    HTTP_GET {{\n      url {{\n        path /\n        digest {digest}\n      }}\n      connect_timeout {timeout}\n      warmup 0\n      retry 0\n      log_all_failures\n    }}\n  }}\n"
        )
    };
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}virtual_server 192.0.2.1 80 {{\n  delay_loop 1\n  protocol TCP\n{}{}}}\n\
             virtual_server 192.0.2.1 81 {{\n  delay_loop 60\n  protocol TCP\n  alpha\n{}}}\n",
            check("192.0.2.50", &gib_digest, 3),
            check("192.0.2.51", &gib_digest, 3),
            check("192.0.2.52", &mid_digest, 40),
        ),
    );
    let started = Instant::now();
    let mut kad = Kad::start(&ns, &conf);
    let rss = RssPeak::watch(kad.pid());
    for addr in ["192.0.2.50", "192.0.2.51"] {
        kad.wait(&format!("Timeout HTTP read server [{addr}]:tcp:80."));
        kad.wait(&format!("HTTP_CHECK on service [{addr}]:tcp:80 failed."));
    }
    let cut = started.elapsed();
    eprintln!("fast and slow 1 GiB bodies cut off after {cut:?}");
    // warmup 0 + connect_timeout 3 s.
    assert!(
        cut < checker_common::bound(Duration::from_secs(3)),
        "{cut:?}"
    );

    // Its connect_timeout (40 s) bounds reading and hashing 64 MiB in a debug build.
    let t = kad.wait_n_within(
        "Remote Web server [192.0.2.52]:tcp:80 succeed on service.",
        1,
        bound(Duration::from_secs(40)),
    );
    eprintln!("64 MiB body digested and matched {t:?} after the cut-offs");
    kad.wait("Adding service [192.0.2.52]:tcp:80 to VS [192.0.2.1]:tcp:81");
    // More rounds of the endless fast body: memory stays flat.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(kad.count("[192.0.2.52]:tcp:80 failed"), 0, "{}", kad.dump());
    rss.check("1 GiB bodies");
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

/// A UDP echo (reply "OK" + payload) that logs its last peer to argv[3] and, while the file
/// argv[4] exists, answers nothing right but floods that peer with junk datagrams from its
/// own (the checked) address and port.
const FLOOD_ECHO_PY: &str = r#"
import os, socket, sys, threading
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
peer = [None]
def flood():
    junk = b'\xee' * 64
    while True:
        p = peer[0]
        if p is None or not os.path.exists(sys.argv[4]):
            threading.Event().wait(0.01)
            continue
        for _ in range(256):
            try:
                s.sendto(junk, p)
            except OSError:
                pass
threading.Thread(target=flood, daemon=True).start()
while True:
    d, p = s.recvfrom(2048)
    peer[0] = p
    with open(sys.argv[3] + '.tmp', 'w') as f:
        f.write('%s %d\n' % p)
    os.rename(sys.argv[3] + '.tmp', sys.argv[3])
    if not os.path.exists(sys.argv[4]):
        s.sendto(b'OK' + d, p)
"#;

/// A flood from elsewhere toward the UDP_CHECK socket's address and port, chasing each new
/// source port the echo server reports.
const FOREIGN_FLOOD_PY: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
junk = b'\xee' * 512
while True:
    try:
        a, p = open(sys.argv[2]).read().split()
        for _ in range(512):
            s.sendto(junk, (a, int(p)))
    except (OSError, ValueError):
        pass
"#;

/// UDP floods: (1) junk from a foreign address toward UDP_CHECK's source port never reaches
/// the connected socket: the check stays up; (2) the checked server itself floods junk
/// instead of echoing: keepalived's "reply data mismatch", down; the flood stops: up again.
/// A TCP_CHECK beside it never fails and memory stays bounded throughout.
#[test]
fn udp_check_under_flood() {
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.32", "192.0.2.33", "192.0.2.66"]) else {
        return;
    };
    let echo_py = ns.write("echo.py", FLOOD_ECHO_PY);
    let flood_py = ns.write("flood.py", FOREIGN_FLOOD_PY);
    let peer = ns.path("peer");
    let flag = ns.path("flood");
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}virtual_server 192.0.2.1 7 {{\n  delay_loop 1\n  protocol UDP\n\
             real_server 192.0.2.32 7 {{\n    UDP_CHECK {{\n      payload 01020304\n      require_reply 4f4b01020304\n      connect_timeout 2\n      retry 0\n      log_all_failures\n    }}\n  }}\n}}\n\
             virtual_server 192.0.2.1 80 {{\n  delay_loop 1\n  protocol TCP\n\
             real_server 192.0.2.33 80 {{\n    TCP_CHECK {{\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n}}\n"
        ),
    );
    let _echo = ns.spawn(
        "python3",
        &[
            echo_py.to_str().unwrap(),
            "192.0.2.32",
            "7",
            peer.to_str().unwrap(),
            flag.to_str().unwrap(),
        ],
    );
    let _tcp = tcp_listener(&ns, "192.0.2.33", 80);
    wait_bound(&ns, "udp", "192.0.2.32:7");
    wait_bound(&ns, "tcp", "192.0.2.33:80");
    let mut kad = Kad::start(&ns, &conf);
    let rss = RssPeak::watch(kad.pid());
    let udp_ok = "UDP connection to [192.0.2.32]:udp:7 success.";
    let down = "Removing service [192.0.2.32]:udp:7 from VS [192.0.2.1]:udp:7";
    kad.wait(udp_ok);
    kad.wait("TCP connection to [192.0.2.33]:tcp:80 success.");

    // (1) Foreign flood.
    let mut foreign = ns.spawn(
        "python3",
        &[
            flood_py.to_str().unwrap(),
            "192.0.2.66",
            peer.to_str().unwrap(),
        ],
    );
    let before = std::fs::read_to_string(&peer).unwrap_or_default();
    std::thread::sleep(Duration::from_secs(5));
    // kad kept checking (new source ports) and the server stayed up.
    let after = std::fs::read_to_string(&peer).unwrap_or_default();
    assert_ne!(before, after, "no UDP_CHECK during the flood");
    assert_eq!(kad.count(down), 0, "{}", kad.dump());
    foreign.stop();

    // (2) The checked server floods junk instead of echoing.
    std::fs::write(&flag, "").unwrap();
    let t = kad.wait("UDP check to [192.0.2.32]:udp:7 reply data mismatch.");
    kad.wait(down);
    eprintln!("junk flood from the server detected in {t:?}");
    assert!(t < Duration::from_secs(15), "{t:?}");
    std::thread::sleep(Duration::from_secs(3));
    std::fs::remove_file(&flag).unwrap();
    kad.wait("Adding service [192.0.2.32]:udp:7 to VS [192.0.2.1]:udp:7");

    assert_eq!(kad.count("[192.0.2.33]:tcp:80 failed"), 0, "{}", kad.dump());
    rss.check("UDP flood");
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}
