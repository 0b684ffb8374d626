//! kad's native Prometheus endpoint (`--metrics-listen`), end to end: kad routers in network
//! namespaces on a bridged LAN (the harness of `vrrp_e2e.rs`), scraped from inside their
//! namespace with a plain TCP client and with curl, the output checked by Prometheus' own
//! `promtool check metrics`.
//!
//! - the keepalived-exporter families carry the values the routers' state implies, the kad
//!   families too (effective priority and the tracker's share, BFD session state);
//! - a failover shows: the backup's state, `become_master` and the priority-0 advert it
//!   received;
//! - hostile adverts show in `kad_vrrp_rx_errors_total` by reason and in the exporter's
//!   aggregates;
//! - a child stopped with SIGSTOP costs a scrape its families and shows as
//!   `kad_child_up{child="vrrp"} 0`, and the scrape still answers within its deadline.
//!
//! Needs root (namespaces) and promtool (Debian's `prometheus`); without them the tests
//! print SKIP, or fail under CI=true.

// Only part of the shared harness is used here.
#[allow(dead_code)]
mod e2e;

use std::fs::File;
use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e::assert_vip_only_on;
use e2e::hostile::{bad_adverts, Flood};
use e2e::netns::{Host, Lan};
use e2e::router::{self, config, Instance, Kind, Router};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const PROMTOOL: &str = "/usr/bin/promtool";
const LISTEN: &str = "127.0.0.1:9650";
const CONVERGE: Duration = Duration::from_secs(20);

/// Whether this machine can run the tests: root for namespaces, promtool. Under CI=true a
/// missing piece fails the test.
fn can_run() -> bool {
    let mut missing = Vec::new();
    if !nix::unistd::geteuid().is_root() {
        missing.push("root".to_owned());
    }
    if !std::path::Path::new(PROMTOOL).exists() {
        missing.push(format!("{PROMTOOL} (Debian's prometheus)"));
    }
    if missing.is_empty() {
        return true;
    }
    kad_skip::skip(format!("missing {missing:?}"));
    false
}

/// kad in `host` with `conf` and `--metrics-listen`, its pid files in a directory of ours.
struct Kad {
    router: Router,
    dir: PathBuf,
    ns: String,
}

impl Kad {
    fn start(host: &Host, conf: &str) -> Kad {
        let dir = std::env::temp_dir().join(format!("{}-m", host.name()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("keepalived.conf"), conf).expect("conf");
        let mut args = router::standard_args(&dir);
        args.push("--metrics-listen".to_owned());
        args.push(LISTEN.to_owned());
        let router = Router::start_args(Kind::Kad, host, &args);
        Kad {
            router,
            dir,
            ns: host.name().to_owned(),
        }
    }

    /// The VRRP child's pid, once its pid file exists.
    fn vrrp_child(&self) -> Pid {
        let deadline = Instant::now() + CONVERGE;
        loop {
            if let Some(p) = std::fs::read_to_string(self.dir.join("v.pid"))
                .ok()
                .and_then(|s| s.trim().parse().ok())
            {
                return Pid::from_raw(p);
            }
            assert!(
                Instant::now() < deadline,
                "no VRRP child\n{}",
                self.router.describe()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One scrape over TCP from inside the namespace: (status line + headers, body, time).
    fn try_scrape_with(&self, request: &str) -> std::io::Result<(String, String, Duration)> {
        let request = request.to_owned();
        in_ns(&self.ns, move || {
            let t0 = Instant::now();
            let mut s = TcpStream::connect(LISTEN)?;
            s.set_read_timeout(Some(Duration::from_secs(30)))?;
            s.write_all(request.as_bytes())?;
            let mut out = String::new();
            s.read_to_string(&mut out)?;
            let took = t0.elapsed();
            let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
            Ok((head.to_owned(), body.to_owned(), took))
        })
    }

    fn scrape_with(&self, request: &str) -> (String, String, Duration) {
        self.try_scrape_with(request)
            .unwrap_or_else(|e| panic!("scrape: {e}\n{}", self.router.describe()))
    }

    fn scrape(&self) -> String {
        let (head, body, _) = self.scrape_with("GET /metrics HTTP/1.1\r\nHost: kad\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}\n{body}");
        body
    }

    /// Scrapes until `series` has a value `want` accepts (the endpoint may not listen yet).
    fn wait_for(&self, series: &str, want: impl Fn(f64) -> bool) -> String {
        let deadline = Instant::now() + CONVERGE;
        loop {
            let body = match self.try_scrape_with("GET /metrics HTTP/1.1\r\n\r\n") {
                Ok((_, body, _)) => body,
                Err(_) => String::new(),
            };
            if value(&body, series).is_some_and(&want) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{series} never as expected; last scrape:\n{body}\n{}",
                self.router.describe()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `curl` in the namespace: (HTTP status, body).
    fn curl(&self, path: &str, accept: Option<&str>) -> (String, String) {
        let out = self.dir.join("curl.out");
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ns, "curl", "-sS", "--max-time", "20"]);
        cmd.args(["-o"]).arg(&out).args(["-w", "%{http_code}"]);
        if let Some(a) = accept {
            cmd.args(["-H", &format!("Accept: {a}")]);
        }
        cmd.arg(format!("http://{LISTEN}{path}"));
        let o = cmd.output().expect("curl");
        assert!(
            o.status.success(),
            "curl: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            std::fs::read_to_string(&out).unwrap_or_default(),
        )
    }
}

impl Drop for Kad {
    fn drop(&mut self) {
        self.router.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs `f` on a thread inside namespace `ns` (setns moves only the calling thread).
fn in_ns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        let file = File::open(&path).expect("netns file");
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        f()
    })
    .join()
    .expect("scrape thread")
}

/// The value of the sample written exactly as `series` (name and labels).
fn value(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

fn must_value(body: &str, series: &str) -> f64 {
    value(body, series).unwrap_or_else(|| panic!("no {series} in\n{body}"))
}

/// `promtool check metrics` on `text`: its verdict and what it said.
fn promtool(text: &str) -> (bool, String) {
    let mut child = Command::new(PROMTOOL)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

fn vip() -> IpAddr {
    "192.0.2.100".parse().expect("vip")
}

fn bfd(name: &str, peer: &Host, me: &Host) -> String {
    format!(
        "bfd_instance {name} {{\n  neighbor_ip {}\n  source_ip {}\n  min_rx 100\n  min_tx 100\n  multiplier 3\n}}\n",
        peer.v4(),
        me.v4()
    )
}

const SCRIPT: &str =
    "vrrp_script chk {\n  script \"/bin/true\"\n  interval 1\n  rise 1\n  fall 1\n  weight 10\n}\n";

#[test]
fn scrape_shows_vrrp_bfd_and_a_failover() {
    if !can_run() {
        return;
    }
    let Some(lan) = Lan::new(2) else { return };
    let (ha, hb) = (lan.host(1), lan.host(2));
    let mut ia = Instance::new(51, 150, "192.0.2.100/32").master();
    ia.track_scripts = vec!["chk".into()];
    let mut ib = Instance::new(51, 100, "192.0.2.100/32");
    ib.track_scripts = vec!["chk".into()];
    let mut a = Kad::start(
        ha,
        &config("A", &format!("{SCRIPT}{}", bfd("b1", hb, ha)), &[ia]),
    );
    assert_vip_only_on(&[(ha, &a.router)], vip(), 1, CONVERGE, Duration::ZERO);
    let b = Kad::start(
        hb,
        &config("B", &format!("{SCRIPT}{}", bfd("b1", ha, hb)), &[ib]),
    );

    let labels = r#"iname="VI_51",intf="eth0",vrid="51""#;
    let state_a = format!(r#"keepalived_vrrp_state{{{labels},ip_address="192.0.2.100"}}"#);
    let effective = format!(r#"kad_vrrp_priority{{{labels},kind="effective"}}"#);
    let bfd_up = r#"kad_bfd_session_state{instance="b1",neighbor="#;
    a.wait_for(&effective, |v| v == 160.0);
    let body = a.wait_for(&format!("{bfd_up}\"{}\"}}", hb.v4()), |v| v == 3.0);
    assert_eq!(must_value(&body, &state_a), 2.0);
    assert_eq!(must_value(&body, "keepalived_up"), 1.0);
    assert_eq!(must_value(&body, r#"kad_child_up{child="vrrp"}"#), 1.0);
    assert_eq!(must_value(&body, r#"kad_child_up{child="bfd"}"#), 1.0);
    assert_eq!(
        must_value(
            &body,
            &format!(r#"kad_vrrp_priority{{{labels},kind="base"}}"#)
        ),
        150.0
    );
    assert_eq!(
        must_value(
            &body,
            &format!(
                r#"kad_vrrp_tracker_priority_adjustment{{{labels},tracker_kind="script",tracker="chk"}}"#
            )
        ),
        10.0
    );
    assert_eq!(
        must_value(&body, r#"keepalived_script_status{name="chk"}"#),
        1.0
    );
    assert!(
        must_value(
            &body,
            &format!("keepalived_advertisements_sent_total{{{labels}}}")
        ) > 0.0
    );
    assert!(value(&body, &format!("kad_vrrp_rx_dropped_total{{{labels}}}")).is_some());
    assert!(body.contains("kad_bfd_session_detection_time_seconds{"));

    // The README's sample scrape comes from here.
    if let Some(path) = std::env::var_os("KAD_METRICS_SAMPLE") {
        std::fs::write(path, &body).expect("write the sample");
    }
    // promtool accepts the text format as curl gets it; OpenMetrics ends with # EOF.
    let (code, text) = a.curl("/metrics", None);
    assert_eq!(code, "200");
    let (ok, said) = promtool(&text);
    assert!(
        ok,
        "promtool check metrics rejected the scrape: {said}\n{text}"
    );
    let (code, om) = a.curl(
        "/metrics",
        Some("application/openmetrics-text;version=1.0.0"),
    );
    assert_eq!(code, "200");
    assert!(om.ends_with("# EOF\n"), "{om}");
    assert!(
        om.contains("# TYPE keepalived_advertisements_sent counter\n"),
        "{om}"
    );
    assert_eq!(a.curl("/", None).0, "404");
    assert_eq!(a.curl("/metrics/", None).0, "404");

    // The backup hears the master.
    let state_b = b.wait_for(
        &format!("keepalived_advertisements_received_total{{{labels}}}"),
        |v| v > 0.0,
    );
    assert_eq!(must_value(&state_b, &state_a), 1.0);
    assert_eq!(
        must_value(
            &state_b,
            &format!("keepalived_become_master_total{{{labels}}}")
        ),
        0.0
    );

    // Failover: the master stops (a priority-0 advert), the backup takes over.
    assert!(
        a.router.stop(Duration::from_secs(20)),
        "{}",
        a.router.describe()
    );
    let body = b.wait_for(&state_a, |v| v == 2.0);
    assert_eq!(
        must_value(
            &body,
            &format!("keepalived_become_master_total{{{labels}}}")
        ),
        1.0
    );
    assert!(
        must_value(
            &body,
            &format!("keepalived_priority_zero_received_total{{{labels}}}")
        ) >= 1.0
    );
    assert!(must_value(&body, &format!("kad_vrrp_transitions_total{{{labels}}}")) >= 2.0);
    let body = b.wait_for(&format!("{bfd_up}\"{}\"}}", ha.v4()), |v| v <= 1.0);
    assert!(
        must_value(
            &body,
            &format!(
                "kad_bfd_session_flaps_total{{instance=\"b1\",neighbor=\"{}\"}}",
                ha.v4()
            )
        ) >= 1.0
    );
    let (ok, said) = promtool(&body);
    assert!(ok, "{said}");
}

#[test]
fn a_stopped_child_never_hangs_the_scrape() {
    if !can_run() {
        return;
    }
    let Some(lan) = Lan::new(1) else { return };
    let h = lan.host(1);
    let k = Kad::start(
        h,
        &config(
            "A",
            "",
            &[Instance::new(52, 150, "192.0.2.100/32").master()],
        ),
    );
    k.wait_for(r#"kad_child_up{child="vrrp"}"#, |v| v == 1.0);
    let child = k.vrrp_child();
    kill(child, Signal::SIGSTOP).expect("SIGSTOP");
    // Resumed whatever happens below.
    struct Cont(Pid);
    impl Drop for Cont {
        fn drop(&mut self) {
            let _ = kill(self.0, Signal::SIGCONT);
        }
    }
    let cont = Cont(child);
    for _ in 0..3 {
        let (head, body, took) = k.scrape_with("GET /metrics HTTP/1.1\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        // The scrape waits 1 s for the children; generous slack on a loaded machine.
        assert!(took < Duration::from_secs(5), "a scrape took {took:?}");
        assert_eq!(must_value(&body, r#"kad_child_up{child="vrrp"}"#), 0.0);
        assert_eq!(must_value(&body, "keepalived_up"), 0.0);
        assert_eq!(
            must_value(
                &body,
                r#"kad_child_scrape_errors{child="vrrp",reason="timeout"}"#
            ),
            1.0
        );
        assert!(!body.contains("keepalived_vrrp_state"), "{body}");
        let (ok, said) = promtool(&body);
        assert!(ok, "{said}\n{body}");
    }
    drop(cont);
    let body = k.wait_for(r#"kad_child_up{child="vrrp"}"#, |v| v == 1.0);
    assert_eq!(must_value(&body, "keepalived_up"), 1.0);
    // The answers it owed are dropped as stale, or skipped: it answers the newest only.
    assert!(value(&body, "kad_scrape_late_answers_total").is_some());
    assert_eq!(
        must_value(
            &body,
            r#"kad_vrrp_priority{iname="VI_52",intf="eth0",vrid="52",kind="effective"}"#
        ),
        150.0
    );
}

#[test]
fn receive_errors_show_by_reason() {
    if !can_run() {
        return;
    }
    let Some(lan) = Lan::new(2) else { return };
    let (h, attacker) = (lan.host(1), lan.host(2));
    let mut inst = Instance::new(53, 150, "192.0.2.100/32").master();
    inst.auth_pass = Some("kadpass1".into());
    let k = Kad::start(h, &config("A", "", &[inst]));
    let labels = r#"iname="VI_53",intf="eth0",vrid="53""#;
    k.wait_for(
        &format!(r#"keepalived_vrrp_state{{{labels},ip_address="192.0.2.100"}}"#),
        |v| v == 2.0,
    );
    let IpAddr::V4(vip) = vip() else {
        unreachable!()
    };
    let flood = Flood::start(
        attacker,
        bad_adverts(attacker.v4(), 53, vip, "kadpass1"),
        200,
    );
    let body = k.wait_for(
        &format!(r#"kad_vrrp_rx_errors_total{{{labels},reason="auth_pass_mismatch"}}"#),
        |v| v > 0.0,
    );
    let sent = flood.stop();
    assert!(sent > 0);
    for reason in ["ttl_not_255", "auth_pass_mismatch"] {
        let series = format!(r#"kad_vrrp_rx_errors_total{{{labels},reason="{reason}"}}"#);
        assert!(must_value(&body, &series) > 0.0, "{series}\n{body}");
    }
    // The exporter's aggregates count the same packets.
    for family in [
        "keepalived_ip_ttl_errors_total",
        "keepalived_authentication_failure_total",
    ] {
        assert!(
            must_value(&body, &format!("{family}{{{labels}}}")) > 0.0,
            "{family}"
        );
    }
    assert!(must_value(&body, &format!("kad_vrrp_rx_dropped_total{{{labels}}}")) > 0.0);
    let (ok, said) = promtool(&body);
    assert!(ok, "{said}");
}

/// Scrape cost at 1,000 VRRP instances (250 on each of four veth interfaces): prints the
/// figure; the goal is < 10 ms for the parent's part (`kad_scrape_gather_seconds` is the
/// wait for the children, which render in parallel).
#[test]
#[ignore = "a measurement: cargo test -p kad --test metrics -- --ignored --nocapture"]
fn scrape_cost_at_1000_instances() {
    if !can_run() {
        return;
    }
    let Some(lan) = Lan::new(1) else { return };
    let h = lan.host(1);
    let mut conf = String::from("global_defs {\n  router_id cost\n}\n");
    for d in 0..4u8 {
        let dev = format!("d{d}");
        // The host kernel has no dummy driver: one end of a veth pair, its peer up too.
        let peer = format!("p{d}");
        e2e::netns::must(
            h.ns.ip()
                .args(["link", "add", &dev, "type", "veth", "peer", "name", &peer]),
        );
        e2e::netns::must(h.ns.ip().args(["link", "set", &peer, "up"]));
        e2e::netns::must(h.ns.ip().args([
            "addr",
            "add",
            &format!("198.51.100.{}/32", d + 1),
            "dev",
            &dev,
        ]));
        e2e::netns::must(h.ns.ip().args(["link", "set", &dev, "up"]));
        for v in 1..=250u16 {
            let n = u16::from(d) * 250 + v;
            conf.push_str(&format!(
                "vrrp_instance I{n} {{\n  interface {dev}\n  virtual_router_id {v}\n  priority 100\n  advert_int 1\n  virtual_ipaddress {{\n    203.0.113.{}/32 dev {dev}\n  }}\n}}\n",
                n % 250 + 1
            ));
        }
    }
    let k = Kad::start(h, &conf);
    k.wait_for(r#"kad_child_up{child="vrrp"}"#, |v| v == 1.0);
    let mut times = Vec::new();
    let mut gathers = Vec::new();
    let mut size = 0;
    for _ in 0..20 {
        let (head, body, took) = k.scrape_with("GET /metrics HTTP/1.1\r\n\r\n");
        assert!(head.starts_with("HTTP/1.1 200"));
        assert_eq!(must_value(&body, r#"kad_child_up{child="vrrp"}"#), 1.0);
        times.push(took);
        gathers.push(must_value(&body, "kad_scrape_gather_seconds"));
        size = body.len();
    }
    times.sort();
    gathers.sort_by(f64::total_cmp);
    let (ok, said) = promtool(&k.scrape());
    assert!(ok, "{said}");
    println!(
        "scrape cost, 1000 VRRP instances: median {:?} (min {:?}, max {:?}) end to end; children's part (gather) median {:.2} ms; body {} bytes",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        gathers[gathers.len() / 2] * 1000.0,
        size
    );
}
