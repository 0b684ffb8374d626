//! Arbitrary LVS blocks never panic the model: keywords from every LVS block with random
//! arguments (numbers at the edges of their ranges, addresses, ranges, junk), in random
//! blocks, from a fixed seed so any failure replays.

mod model_lvs_util;

use std::collections::HashSet;

use keepalive_confparse::diag::Severity;

use keepalive_confparse::model::checker::CHECKERS;

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

const ARGS: &[&str] = &[
    "0",
    "1",
    "-1",
    "65535",
    "65536",
    "4294967295",
    "4294967296",
    "2147483647",
    "0.5",
    "1.0000001",
    "abc",
    "192.0.2.1",
    "192.0.2.1-20",
    "192.0.2.0/28",
    "192.0.2.1/24",
    "2001:db8::1",
    "2001:db8::1-ff",
    "fe80::1",
    "inet",
    "inet6",
    "TCP",
    "udp",
    "NAT",
    "DR",
    "TUN",
    "type",
    "gue",
    "gre",
    "ipip",
    "port",
    "csum",
    "remcsum",
    "nocsum",
    "rr",
    "sh",
    "mh",
    "yes",
    "no",
    "1.0C",
    "1.1",
    "200-299",
    "700",
    "9b3a0c85a887a256d6939da88aabd8cd",
    "x",
    "A",
    "SOA",
    "ff XX 0",
    "reverse",
    "\"/bin/x y\"",
    "'",
    "group",
    "fwmark",
    "..",
    ".",
];

const VS_KW: &[&str] = &[
    "ip_family",
    "retry",
    "delay_before_retry",
    "warmup",
    "connect_timeout",
    "delay_loop",
    "inhibit_on_failure",
    "lvs_sched",
    "lb_algo",
    "hashed",
    "ops",
    "flag-1",
    "sh-port",
    "mh-fallback",
    "lvs_method",
    "lb_kind",
    "persistence_engine",
    "persistence_timeout",
    "persistence_granularity",
    "protocol",
    "ha_suspend",
    "smtp_alert",
    "virtualhost",
    "snmp_name",
    "alpha",
    "omega",
    "quorum_up",
    "quorum_down",
    "quorum",
    "hysteresis",
    "weight",
    "sorry_server",
    "sorry_server_inhibit",
    "sorry_server_lvs_method",
    "bogus",
];

const RS_KW: &[&str] = &[
    "weight",
    "lvs_method",
    "uthreshold",
    "lthreshold",
    "inhibit_on_failure",
    "notify_up",
    "notify_down",
    "alpha",
    "retry",
    "delay_before_retry",
    "warmup",
    "connect_timeout",
    "delay_loop",
    "smtp_alert",
    "virtualhost",
    "snmp_name",
    "bogus",
];

const CHK_KW: &[&str] = &[
    "connect_ip",
    "connect_port",
    "bindto",
    "bind_port",
    "bind_if",
    "fwmark",
    "connect_timeout",
    "retry",
    "delay_before_retry",
    "warmup",
    "delay_loop",
    "alpha",
    "log_all_failures",
    "nb_get_retry",
    "virtualhost",
    "http_protocol",
    "enable_sni",
    "fast_recovery",
    "helo_name",
    "type",
    "name",
    "misc_path",
    "misc_timeout",
    "misc_dynamic",
    "user",
    "payload",
    "require_reply",
    "min_reply_length",
    "max_reply_length",
    "track_file",
    "dynamic",
    "tls_compliant",
    "bogus",
];

const COMMON_KW: &[&str] = &[
    "connect_ip",
    "connect_port",
    "bindto",
    "bind_port",
    "bind_if",
    "fwmark",
    "connect_timeout",
    "retry",
    "delay_before_retry",
    "warmup",
    "delay_loop",
    "alpha",
    "log_all_failures",
];

const URL_KW: &[&str] = &[
    "path",
    "digest",
    "status_code",
    "virtualhost",
    "regex",
    "regex_no_match",
    "regex_options",
    "regex_stack",
    "regex_min_offset",
    "regex_max_offset",
    "tls_compliant",
];

fn line(r: &mut Rng, kws: &[&str], out: &mut String, indent: &str) {
    let kw = r.pick(kws);
    out.push_str(indent);
    out.push_str(kw);
    for _ in 0..r.next() % 4 {
        out.push(' ');
        out.push_str(r.pick(ARGS));
    }
    out.push('\n');
}

fn config(r: &mut Rng) -> String {
    let mut s = String::new();
    if r.next() % 3 == 0 {
        s.push_str("virtual_server_group G {\n");
        for _ in 0..r.next() % 5 {
            line(r, ARGS, &mut s, " ");
        }
        s.push_str("}\n");
    }
    for _ in 0..1 + r.next() % 3 {
        let head = r.pick(&[
            "192.0.2.1 80",
            "fwmark 3",
            "group G",
            "2001:db8::1 443",
            "x",
        ]);
        s.push_str(&format!("virtual_server {head} {{\n"));
        for _ in 0..r.next() % 8 {
            line(r, VS_KW, &mut s, " ");
        }
        for _ in 0..r.next() % 3 {
            let rs = r.pick(&["192.0.2.10 80", "192.0.2.11", "2001:db8::10 80", "fe80::1"]);
            s.push_str(&format!(" real_server {rs} {{\n"));
            for _ in 0..r.next() % 5 {
                line(r, RS_KW, &mut s, "  ");
            }
            for _ in 0..r.next() % 3 {
                s.push_str(&format!("  {} {{\n", r.pick(CHECKERS)));
                for _ in 0..r.next() % 6 {
                    line(r, CHK_KW, &mut s, "   ");
                }
                if r.next() % 2 == 0 {
                    s.push_str("   url {\n");
                    for _ in 0..r.next() % 5 {
                        line(r, URL_KW, &mut s, "    ");
                    }
                    s.push_str("   }\n");
                }
                if r.next() % 4 == 0 {
                    s.push_str("   host {\n    connect_ip 192.0.2.30\n   }\n");
                }
                s.push_str("  }\n");
            }
            s.push_str(" }\n");
        }
        s.push_str("}\n");
    }
    s
}

#[test]
fn random_lvs_blocks_never_panic() {
    let mut r = Rng(0x6b61_642d_6c76_7321);
    for _ in 0..3000 {
        let text = config(&mut r);
        let result = std::panic::catch_unwind(|| model_lvs_util::parse(&text));
        assert!(result.is_ok(), "panicked on:\n{text}");
    }
}

/// Differential check against `keepalived -t`: random LVS configurations (without what
/// depends on the host — users that may not exist, scripts on disk — or on other blocks, or
/// keywords keepalived 2.2.7 lacks) must get the same pass/fail verdict from kad and
/// keepalived, and every complaint keepalived ties to a line must be an error on that line.
/// One keepalived run per case, so the default run is bounded (`KAD_LVS_DIFF` cases, 60 by
/// default) with a fresh seed each time, printed so a failure reproduces with
/// `KAD_LVS_DIFF_SEED=N`; a longer run:
/// `KAD_LVS_DIFF=2000 cargo test -p keepalive-confparse --test model_lvs_robust random_lvs`.
#[test]
fn random_lvs_blocks_agree_with_keepalived() {
    let n: usize = std::env::var("KAD_LVS_DIFF")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let seed: u64 = std::env::var("KAD_LVS_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            t.as_secs() ^ u64::from(t.subsec_nanos())
        });
    let Some(keepalived) = kad_skip::keepalived() else {
        return;
    };
    let skip = [
        "FILE_CHECK",
        "BFD_CHECK",
        "user",
        "tls_compliant",
        "dynamic",
        "'",
    ];
    let dir = std::env::temp_dir().join(format!("kad-lvs-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Zero would stall the xorshift generator.
    let mut r = Rng(seed | 1);
    let mut mismatches = Vec::new();
    let mut tried = 0;
    let mut passes = 0;
    let mut compared_lines = 0;
    while tried < n {
        let text = mostly_valid(&mut r);
        if text.split_whitespace().any(|w| skip.contains(&w)) {
            continue;
        }
        tried += 1;
        let f = dir.join("case.conf");
        std::fs::write(&f, &text).unwrap();
        let out = std::process::Command::new(&keepalived)
            .args(["-t", "-l", "-f"])
            .arg(&f)
            .output()
            .unwrap();
        let (_, d) = model_lvs_util::parse(&text);
        passes += usize::from(out.status.success());
        // keepalived prefixes what it finds while reading with "(FILE: Line N)"; kad must
        // report an error on that line too (end-of-block checks, reported by keepalived at the
        // closing brace, are not compared line by line).
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        let lines: Vec<&str> = text.lines().collect();
        let kad_lines: HashSet<u32> = d
            .iter()
            .filter(|x| x.severity == Severity::Error)
            .filter_map(|x| x.loc.as_ref().map(|l| l.line))
            .collect();
        let k_lines: Vec<u32> = stderr
            .lines()
            .filter_map(|l| {
                l.split("Line ")
                    .nth(1)?
                    .split(')')
                    .next()?
                    .parse::<u32>()
                    .ok()
            })
            .filter(|n| lines.get(*n as usize - 1).is_some_and(|l| l.trim() != "}"))
            .collect();
        compared_lines += k_lines.len();
        if std::env::var_os("KAD_LVS_DIFF_VERBOSE").is_some() {
            for l in stderr.lines() {
                eprintln!("KEEPALIVED: {}", l.split(") ").last().unwrap_or(l));
            }
        }
        let missing: Vec<u32> = k_lines
            .into_iter()
            .filter(|n| !kad_lines.contains(n))
            .collect();
        if !missing.is_empty() {
            mismatches.push(format!(
                "--- keepalived complains on lines {missing:?}, kad does not:\n{stderr}\n--- kad:\n{}\n--- config:\n{text}",
                d.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n")
            ));
            continue;
        }
        if out.status.success() == d.has_errors() {
            mismatches.push(format!(
                "--- keepalived exit {:?}:\n{}\n--- kad:\n{}\n--- config:\n{text}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr),
                d.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    eprintln!(
        "seed {seed}: {tried} cases, {passes} accepted by keepalived, {compared_lines} complaints compared by line, {} differ",
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "seed {seed} (KAD_LVS_DIFF_SEED): {} of {n} differ; first:\n{}",
        mismatches.len(),
        mismatches[0]
    );
}

/// Values for a keyword: mostly valid ones, then a few invalid ones.
fn values(kw: &str) -> (&'static [&'static str], &'static [&'static str]) {
    match kw {
        "ip_family" => (&["inet", "inet6"], &["ipx"]),
        "retry" => (&["1", "3"], &["0", "-1", "x"]),
        "quorum" => (&["1", "2"], &["0", "-1", "x"]),
        "hysteresis" => (&["0", "0", "1"], &["-1", "y"]),
        "uthreshold" | "lthreshold" | "misc_timeout" => (&["0", "2"], &["-1", "y"]),
        "delay_before_retry" | "warmup" => (&["0", "1.5", "3"], &["-1", "1.0000001"]),
        "connect_timeout" | "delay_loop" => (&["1", "2.5", "10"], &["0", "abc"]),
        "lvs_sched" | "lb_algo" => (&["rr", "wrr", "sh", "mh", "wlc"], &["rrr"]),
        "lvs_method" | "lb_kind" | "sorry_server_lvs_method" => (
            &[
                "NAT",
                "DR",
                "TUN",
                "TUN type gue port 6080",
                "TUN type gre csum",
            ],
            &["MASQ", "TUN type gue", "TUN type ipip csum"],
        ),
        "persistence_timeout" => (&["", "60", "600"], &["0", "2678401"]),
        "persistence_granularity" => (&["255.255.255.0", "64"], &["255.255.255.256"]),
        "persistence_engine" | "virtualhost" | "snmp_name" | "helo_name" => {
            (&["sip", "www.example.com"], &[])
        }
        "protocol" => (&["TCP", "UDP", "sctp"], &["ICMP"]),
        "smtp_alert" | "alpha" | "inhibit_on_failure" | "enable_sni" | "fast_recovery"
        | "log_all_failures" => (&["", "yes", "off"], &["maybe"]),
        "weight" => (&["1", "5"], &["0", "-3"]),
        "sorry_server" => (
            &["192.0.2.50 80", "192.0.2.10 80", "192.0.2.51"],
            &["2001:db8::5 80"],
        ),
        "connect_ip" | "bindto" => (&["192.0.2.20", "2001:db8::20"], &["192.0.2.300"]),
        "connect_port" | "bind_port" => (&["80", "8080"], &["0", "65536"]),
        "bind_if" => (&["eth0"], &["abcdefghijklmnopq"]),
        "fwmark" => (&["1", "4294967295"], &["4294967296"]),
        "nb_get_retry" => (&["2"], &[]),
        "http_protocol" => (&["1.0", "1.0C", "1.1"], &["2"]),
        "type" => (&["A", "aaaa", "MX", "SOA"], &["ANY"]),
        "name" => (&["www.example.com", "."], &["www..example", "a.b"]),
        "payload" => (&["01 02", "ab cd ef"], &["zz"]),
        "require_reply" => (&["", "01", "0x"], &["qq"]),
        "min_reply_length" | "max_reply_length" => (&["0", "10", "255"], &["65536"]),
        "notify_up" | "notify_down" | "quorum_up" | "quorum_down" => (
            &[
                "/nonexistent/kad-a",
                "\"/nonexistent/kad-b arg\"",
                "/nonexistent/kad-c root",
            ],
            &[],
        ),
        "misc_path" => (&["/nonexistent/kad-m", "\"/nonexistent/kad-m a b\""], &[]),
        "path" => (&["/", "/index.html"], &[]),
        "digest" => (
            &["9b3a0c85a887a256d6939da88aabd8cd"],
            &["9b3a", "9b3a0c85a887a256d6939da88aabd8cz"],
        ),
        "status_code" => (&["200", "200-299 404", "301"], &["700", "300-200"]),
        "regex" => (&["ok", "\"a b\""], &[]),
        "regex_options" => (&["caseless", "multiline dotall"], &["bogus"]),
        "regex_min_offset" | "regex_max_offset" => (&["0", "10", "100"], &["x"]),
        "regex_stack" => (&["10 100"], &["100 10"]),
        _ => (&[""], &[]),
    }
}

fn good_line(r: &mut Rng, kws: &[&str], out: &mut String, indent: &str) {
    let kw = r.pick(kws);
    let (good, bad) = values(kw);
    let v = if !bad.is_empty() && r.next() % 40 == 0 {
        r.pick(bad)
    } else {
        r.pick(good)
    };
    out.push_str(&format!("{indent}{kw} {v}\n"));
}

/// A configuration that is valid more often than not.
fn mostly_valid(r: &mut Rng) -> String {
    let mut s = String::new();
    let with_group = r.next() % 4 == 0;
    if with_group {
        s.push_str("virtual_server_group G {\n");
        for _ in 0..1 + r.next() % 3 {
            let e = r.pick(&[
                "192.0.2.1 80",
                "192.0.2.3-10 80",
                "192.0.2.16/28 80",
                "192.0.2.100-192.0.2.110 80",
                "fwmark 5",
                "192.0.2.2",
                "192.0.2.9-5 80",
                "2001:db8::1 80",
                "fwmark 6 inet",
            ]);
            s.push_str(&format!(" {e}\n"));
        }
        s.push_str("}\n");
    }
    for i in 0..1 + r.next() % 2 {
        let head = if with_group && i == 0 {
            "group G"
        } else {
            r.pick(&[
                "192.0.2.1 80",
                "192.0.2.1 80",
                "fwmark 3",
                "2001:db8::1 443",
                "192.0.2.1 0",
            ])
        };
        s.push_str(&format!("virtual_server {head} {{\n"));
        for base in ["lvs_sched", "lvs_method", "protocol"] {
            if r.next() % 25 != 0 {
                good_line(r, &[base], &mut s, " ");
            }
        }
        for _ in 0..r.next() % 5 {
            good_line(r, &VS_KW[..VS_KW.len() - 1], &mut s, " ");
        }
        for _ in 0..1 + r.next() % 3 {
            let rs = r.pick(&[
                "192.0.2.10 80",
                "192.0.2.11 80",
                "192.0.2.12",
                "192.0.2.14 80",
                "192.0.2.15 80",
                "192.0.2.13 8080",
                "2001:db8::10 80",
            ]);
            s.push_str(&format!(" real_server {rs} {{\n"));
            for _ in 0..r.next() % 4 {
                good_line(r, &RS_KW[..RS_KW.len() - 1], &mut s, "  ");
            }
            for _ in 0..r.next() % 3 {
                let ck = r.pick(&[
                    "HTTP_GET",
                    "SSL_GET",
                    "TCP_CHECK",
                    "SMTP_CHECK",
                    "DNS_CHECK",
                    "UDP_CHECK",
                    "PING_CHECK",
                    "MISC_CHECK",
                ]);
                s.push_str(&format!("  {ck} {{\n"));
                let own: &[&str] = match ck {
                    "HTTP_GET" | "SSL_GET" => &[
                        "virtualhost",
                        "http_protocol",
                        "enable_sni",
                        "fast_recovery",
                    ],
                    "SMTP_CHECK" => &["helo_name"],
                    "MISC_CHECK" => &["misc_path", "misc_path", "misc_timeout", "misc_dynamic"],
                    "DNS_CHECK" => &["type", "name"],
                    "UDP_CHECK" => &[
                        "payload",
                        "require_reply",
                        "min_reply_length",
                        "max_reply_length",
                    ],
                    _ => &[],
                };
                for _ in 0..r.next() % 4 {
                    let kws = if r.next() % 2 == 0 && !own.is_empty() {
                        own
                    } else {
                        COMMON_KW
                    };
                    good_line(r, kws, &mut s, "   ");
                }
                if ck.ends_with("_GET") && r.next() % 10 != 0 {
                    s.push_str("   url {\n");
                    if r.next() % 10 != 0 {
                        good_line(r, &["path"], &mut s, "    ");
                    }
                    for _ in 0..r.next() % 4 {
                        good_line(r, URL_KW, &mut s, "    ");
                    }
                    s.push_str("   }\n");
                }
                s.push_str("  }\n");
            }
            s.push_str(" }\n");
        }
        s.push_str("}\n");
    }
    s
}
