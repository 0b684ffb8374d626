//! The typed LVS model: values, defaults inherited down to checkers, and what `finish`
//! changes, block by block.

mod model_lvs_util;

#[path = "common/scale.rs"]
mod scale;

use std::net::IpAddr;

use keepalive_confparse::diag::Diagnostics;
use keepalive_confparse::model::checker::{CheckerKind, DnsType, HttpProtocol, StatusRange};
use keepalive_confparse::model::lvs::{
    Family, Forwarding, Granularity, GroupEntry, Protocol, Scheduler, Tunnel, TunnelChecksum,
    TunnelType, VsAddress,
};
use keepalive_confparse::model::values::Micros;
use model_lvs_util::{errors, no_errors, one_error, parse, vs, warnings};

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn secs(s: u64) -> Micros {
    Micros::from_secs(s)
}

#[test]
fn virtual_server_keywords_are_typed() {
    let (cfg, d) = parse(&vs(
        "delay_loop 6\n connect_timeout 2.5\n retry 4\n delay_before_retry 0.25\n warmup 3\n persistence_timeout 600\n persistence_granularity 255.255.255.0\n persistence_engine sip\n virtualhost www.example.com\n quorum 1\n hysteresis 0\n quorum_up \"/usr/local/bin/up arg\" nobody nogroup\n alpha\n omega\n ha_suspend\n smtp_alert\n weight 5",
        " weight 3",
    ));
    no_errors(&d);
    let v = &cfg.lvs.virtual_servers[0];
    assert_eq!(
        v.address,
        VsAddress::Ip {
            addr: ip("192.0.2.1"),
            port: Some(80)
        }
    );
    assert_eq!(v.family, Some(Family::Inet));
    assert_eq!(v.scheduler, Some(Scheduler::Rr));
    assert_eq!(v.forwarding, Some(Forwarding::Nat));
    assert_eq!(v.protocol, Some(Protocol::Tcp));
    assert_eq!(v.delay_loop, secs(6));
    assert_eq!(v.connect_timeout, Micros(2_500_000));
    assert_eq!(v.retry, Some(4));
    assert_eq!(v.delay_before_retry, Some(Micros(250_000)));
    assert_eq!(v.warmup, Some(secs(3)));
    assert_eq!(v.persistence_timeout, Some(600));
    assert_eq!(
        v.persistence_granularity,
        Some(Granularity::Inet("255.255.255.0".parse().unwrap()))
    );
    assert_eq!(v.persistence_engine.as_deref(), Some("sip"));
    assert_eq!(v.virtualhost.as_deref(), Some("www.example.com"));
    let up = v.quorum_up.as_ref().unwrap();
    assert_eq!(up.args, ["/usr/local/bin/up", "arg"]);
    assert_eq!(up.user.as_deref(), Some("nobody"));
    assert_eq!(up.group.as_deref(), Some("nogroup"));
    assert!(v.alpha && v.omega && v.ha_suspend);
    assert_eq!(v.smtp_alert, Some(true));
    assert_eq!(v.weight, 5);
    assert_eq!(v.real_servers[0].weight, Some(3));
}

#[test]
fn defaults_when_nothing_is_set() {
    let (cfg, d) = parse(&vs("", ""));
    no_errors(&d);
    let v = &cfg.lvs.virtual_servers[0];
    assert_eq!(v.delay_loop, secs(60));
    assert_eq!(v.connect_timeout, secs(5));
    assert_eq!((v.quorum, v.hysteresis, v.weight), (1, 0, 1));
    assert_eq!(
        v.smtp_alert,
        Some(false),
        "virtual servers default to no alerts"
    );
    let r = &v.real_servers[0];
    assert_eq!(r.weight, Some(1));
    assert_eq!(r.smtp_alert, Some(true), "real servers default to alerts");
    assert_eq!(r.inhibit_on_failure, Some(false));
    assert_eq!(r.alpha, Some(false));
    assert_eq!(r.delay_loop, Some(secs(60)));
    assert_eq!(r.connect_timeout, Some(secs(5)));
    assert_eq!(
        (r.retry, r.warmup, r.delay_before_retry),
        (None, None, None)
    );
}

#[test]
fn keepalived_defaults_fill_missing_scheduler_method_and_protocol() {
    let (cfg, d) = parse(
        "virtual_server 192.0.2.1 80 {\n real_server 192.0.2.10 80 {\n }\n sorry_server 192.0.2.20 80\n}\n",
    );
    let e = errors(&d);
    assert_eq!(e.len(), 3, "{e:#?}");
    let v = &cfg.lvs.virtual_servers[0];
    assert_eq!(v.protocol, Some(Protocol::Udp));
    assert_eq!(v.scheduler, Some(Scheduler::Wlc));
    assert_eq!(v.forwarding, Some(Forwarding::Nat));
    assert_eq!(v.real_servers[0].forwarding, Some(Forwarding::Nat));
    assert_eq!(
        v.sorry_server.as_ref().unwrap().forwarding,
        Some(Forwarding::Nat)
    );
}

#[test]
fn inheritance_reaches_checkers() {
    let (cfg, d) = parse(&vs(
        "delay_loop 10\n retry 2\n warmup 4\n delay_before_retry 7\n connect_timeout 9\n alpha\n inhibit_on_failure",
        " delay_loop 20\n TCP_CHECK {\n }\n TCP_CHECK {\n delay_loop 30\n retry 0\n warmup 1\n delay_before_retry 2\n connect_timeout 3\n alpha no\n }",
    ));
    no_errors(&d);
    let r = &cfg.lvs.virtual_servers[0].real_servers[0];
    assert_eq!(r.alpha, Some(true));
    assert_eq!(r.inhibit_on_failure, Some(true));
    let [a, b] = &r.checkers[..] else {
        panic!("two checkers")
    };
    assert_eq!(a.timing.delay_loop, secs(20));
    assert_eq!(a.timing.retry, 2);
    assert_eq!(a.timing.warmup, secs(4));
    assert_eq!(a.timing.delay_before_retry, secs(7));
    assert!(a.timing.alpha);
    let ca = a.conn.as_ref().unwrap();
    assert_eq!(ca.connect_timeout, Some(secs(9)));
    assert_eq!(ca.connect_ip, Some(ip("192.0.2.10")));
    assert_eq!(ca.connect_port, Some(80));
    assert_eq!(b.timing.delay_loop, secs(30));
    assert_eq!(b.timing.retry, 0);
    assert_eq!(b.timing.warmup, secs(1));
    assert_eq!(b.timing.delay_before_retry, secs(2));
    assert!(!b.timing.alpha);
    assert_eq!(b.conn.as_ref().unwrap().connect_timeout, Some(secs(3)));
}

#[test]
fn checker_type_defaults() {
    let (cfg, d) = parse(&vs(
        "delay_loop 8",
        " HTTP_GET {\n url {\n path /\n }\n }\n DNS_CHECK {\n }\n MISC_CHECK {\n misc_path /nonexistent/x\n }\n PING_CHECK {\n }",
    ));
    no_errors(&d);
    let c = &cfg.lvs.virtual_servers[0].real_servers[0].checkers;
    // HTTP: retry 1, delay_before_retry 3 s; warmup defaults to delay_loop.
    assert_eq!(
        (c[0].timing.retry, c[0].timing.delay_before_retry),
        (1, secs(3))
    );
    assert_eq!(c[0].timing.warmup, secs(8));
    // DNS: retry 3, delay_before_retry = delay_loop; SOA of the root by default.
    assert_eq!(
        (c[1].timing.retry, c[1].timing.delay_before_retry),
        (3, secs(8))
    );
    let CheckerKind::Dns(dns) = &c[1].kind else {
        panic!()
    };
    assert_eq!((dns.qtype, dns.name.as_str()), (DnsType::Soa, "."));
    // MISC: retry 0, timeout = the virtual server's delay_loop, no connection options.
    assert_eq!(c[2].timing.retry, 0);
    assert!(c[2].conn.is_none());
    let CheckerKind::Misc(m) = &c[2].kind else {
        panic!()
    };
    assert_eq!(m.timeout, Some(secs(8)));
    // Others: retry 1, delay_before_retry 1 s.
    assert_eq!(
        (c[3].timing.retry, c[3].timing.delay_before_retry),
        (1, secs(1))
    );
}

#[test]
fn http_get_urls() {
    let (cfg, d) = parse(&vs(
        "",
        " HTTP_GET {\n http_protocol 1.0C\n virtualhost h.example\n url {\n path /a\n digest 9B3A0C85A887A256D6939DA88AABD8CD\n status_code 200 201-204 404\n }\n url {\n path /b\n }\n }",
    ));
    no_errors(&d);
    let c = &cfg.lvs.virtual_servers[0].real_servers[0].checkers[0];
    let CheckerKind::HttpGet(h) = &c.kind else {
        panic!("HTTP_GET")
    };
    assert_eq!(h.http_protocol, HttpProtocol::Http10Close);
    assert_eq!(h.virtualhost.as_deref(), Some("h.example"));
    assert_eq!(h.urls.len(), 2);
    assert_eq!(
        h.urls[0].digest.as_deref(),
        Some("9b3a0c85a887a256d6939da88aabd8cd")
    );
    assert_eq!(
        h.urls[0].status_codes,
        [
            StatusRange { min: 200, max: 204 },
            StatusRange { min: 404, max: 404 }
        ]
    );
    assert!(h.urls[0].accepts(203) && !h.urls[0].accepts(205));
    assert!(!c.timing.log_all_failures);
    assert_eq!(h.urls[1].status_codes, [StatusRange { min: 200, max: 299 }]);
}

#[test]
fn virtualhost_comes_from_the_real_or_virtual_server() {
    let (cfg, d) = parse(&vs(
        "virtualhost vs.example",
        " HTTP_GET {\n url {\n path /\n }\n }\n SSL_GET {\n virtualhost own.example\n url {\n path /\n }\n }",
    ));
    no_errors(&d);
    let c = &cfg.lvs.virtual_servers[0].real_servers[0].checkers;
    let host = |k: &CheckerKind| match k {
        CheckerKind::HttpGet(h) | CheckerKind::SslGet(h) => h.virtualhost.clone(),
        _ => None,
    };
    assert_eq!(host(&c[0].kind).as_deref(), Some("vs.example"));
    assert_eq!(host(&c[1].kind).as_deref(), Some("own.example"));
    let (cfg, _) = parse(&vs(
        "virtualhost vs.example",
        " virtualhost rs.example\n HTTP_GET {\n url {\n path /\n }\n }",
    ));
    let c = &cfg.lvs.virtual_servers[0].real_servers[0].checkers;
    assert_eq!(host(&c[0].kind).as_deref(), Some("rs.example"));
}

#[test]
fn a_bad_url_is_dropped_but_the_checker_kept() {
    let (cfg, d) = parse(&vs(
        "",
        " HTTP_GET {\n url {\n digest 9b3a0c85a887a256d6939da88aabd8cd\n }\n url {\n path /ok\n }\n }",
    ));
    one_error(&d, "no path");
    let c = &cfg.lvs.virtual_servers[0].real_servers[0].checkers[0];
    let CheckerKind::HttpGet(h) = &c.kind else {
        panic!()
    };
    assert_eq!(h.urls.len(), 1);
}

#[test]
fn smtp_hosts_become_checkers() {
    let (cfg, d) = parse(&vs(
        "",
        " SMTP_CHECK {\n connect_timeout 7\n retry 2\n host {\n connect_ip 192.0.2.20\n }\n host {\n connect_ip 192.0.2.21\n connect_port 587\n }\n }",
    ));
    no_errors(&d);
    assert!(warnings(&d).iter().any(|w| w.contains("deprecated")));
    let c = &cfg.lvs.virtual_servers[0].real_servers[0].checkers;
    // The block sets connect_timeout, so its own connection is checked too.
    assert_eq!(c.len(), 3);
    let dst: Vec<_> = c
        .iter()
        .map(|c| {
            let o = c.conn.as_ref().unwrap();
            (o.connect_ip.unwrap(), o.connect_port, o.connect_timeout)
        })
        .collect();
    assert_eq!(
        dst,
        [
            (ip("192.0.2.10"), Some(80), Some(secs(7))),
            (ip("192.0.2.20"), Some(80), Some(secs(7))),
            (ip("192.0.2.21"), Some(587), Some(secs(7))),
        ]
    );
    assert!(c.iter().all(|c| c.timing.retry == 2));
    let CheckerKind::Smtp(s) = &c[0].kind else {
        panic!()
    };
    assert_eq!(s.helo_name, "smtpchecker.keepalived.org");
}

#[test]
fn udp_payloads_are_bytes() {
    let (cfg, d) = parse(&vs(
        "",
        " UDP_CHECK {\n payload de ad be ef\n require_reply 0x\n }",
    ));
    no_errors(&d);
    let CheckerKind::Udp(u) = &cfg.lvs.virtual_servers[0].real_servers[0].checkers[0].kind else {
        panic!()
    };
    assert_eq!(u.payload.as_deref(), Some(&[0xde, 0xad, 0xbe, 0xef][..]));
    assert!(u.require_reply);
    assert_eq!(u.reply_data.as_deref(), Some(&[0x00][..]));
    assert_eq!(u.reply_mask.as_deref(), Some(&[0x0f][..]));
    assert_eq!((u.min_reply_length, u.max_reply_length), (0, 255));
}

#[test]
fn tunnel_options() {
    let (cfg, d) = parse(&vs(
        "lvs_method TUN type gue port 6080 remcsum",
        " lvs_method TUN type gre csum",
    ));
    no_errors(&d);
    let v = &cfg.lvs.virtual_servers[0];
    assert_eq!(
        v.forwarding,
        Some(Forwarding::Tun(Tunnel {
            kind: TunnelType::Gue { port: 6080 },
            checksum: TunnelChecksum::Remcsum
        }))
    );
    assert_eq!(
        v.real_servers[0].forwarding,
        Some(Forwarding::Tun(Tunnel {
            kind: TunnelType::Gre,
            checksum: TunnelChecksum::Csum
        }))
    );
}

#[test]
fn real_servers_take_the_method_in_force_when_declared() {
    let (cfg, d) = parse(
        "virtual_server 192.0.2.1 80 {\n lvs_sched rr\n protocol TCP\n lvs_method DR\n real_server 192.0.2.10 80 {\n }\n lvs_method NAT\n real_server 192.0.2.11 80 {\n }\n}\n",
    );
    no_errors(&d);
    let r = &cfg.lvs.virtual_servers[0].real_servers;
    assert_eq!(r[0].forwarding, Some(Forwarding::Dr));
    assert_eq!(r[1].forwarding, Some(Forwarding::Nat));
}

#[test]
fn ports_are_fixed_up_like_keepalived() {
    // NAT without port takes the service port; DR with another port is reset (an error).
    let (cfg, d) = parse(
        "virtual_server 192.0.2.1 80 {\n lvs_sched rr\n protocol TCP\n lvs_method NAT\n real_server 192.0.2.10 {\n }\n real_server 192.0.2.11 8080 {\n lvs_method DR\n }\n}\n",
    );
    one_error(&d, "ports don't match");
    let r = &cfg.lvs.virtual_servers[0].real_servers;
    assert_eq!(r[0].port, Some(80));
    assert_eq!(r[1].port, Some(80));
}

#[test]
fn family_of_all_tunnelled_fwmark_services() {
    let (cfg, d) = parse(
        "virtual_server fwmark 5 {\n lvs_sched rr\n lvs_method TUN\n real_server 2001:db8::10 {\n }\n real_server 2001:db8::11 {\n }\n}\nvirtual_server fwmark 6 {\n lvs_sched rr\n lvs_method TUN\n real_server 2001:db8::10 {\n }\n real_server 192.0.2.11 {\n }\n}\n",
    );
    no_errors(&d);
    let v = &cfg.lvs.virtual_servers;
    assert_eq!(v[0].family, Some(Family::Inet6));
    assert_eq!(
        v[1].family,
        Some(Family::Inet),
        "mixed families default to IPv4"
    );
}

#[test]
fn group_entries() {
    let (cfg, d) = parse(
        "virtual_server_group G {\n 192.0.2.1 80\n 192.0.2.3-10 80\n 192.0.2.16/28 443\n 192.0.2.100-192.0.2.110\n 2001:db8::1-ff 80\n fwmark 7 inet\n}\n",
    );
    no_errors(&d);
    let g = &cfg.lvs.groups[0];
    let r = |a: &str, b: &str, p: Option<u16>| (ip(a), ip(b), p);
    let got: Vec<_> = g
        .entries
        .iter()
        .filter_map(|e| match e {
            GroupEntry::Range {
                first, last, port, ..
            } => Some((*first, *last, *port)),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        [
            r("192.0.2.1", "192.0.2.1", Some(80)),
            r("192.0.2.3", "192.0.2.10", Some(80)),
            r("192.0.2.16", "192.0.2.31", Some(443)),
            r("192.0.2.100", "192.0.2.110", None),
            r("2001:db8::1", "2001:db8::ff", Some(80)),
        ]
    );
    assert!(matches!(
        g.entries.last(),
        Some(GroupEntry::Fwmark {
            mark: 7,
            family: Some(Family::Inet),
            ..
        })
    ));
}

#[test]
fn group_errors_each_skip_the_entry() {
    for (entry, needle) in [
        ("192.0.2.10-5 80", "not greater"),
        ("192.0.2.10-256 80", "too large"),
        ("192.0.2.10-1x 80", "extra characters"),
        ("192.0.2.20-192.0.2.10 80", "less than"),
        (
            "192.0.2.1-2001:db8::1 80",
            "invalid virtual server group IP",
        ),
        ("192.0.2.1-192.0.2.x 80", "invalid range end"),
        ("192.0.2.1/33 80", "netmask"),
        ("192.0.2.1/0 80", "netmask"),
        ("192.0.2.1/24 80", "mask bits"),
        ("192.0.2.x 80", "invalid virtual server group IP"),
        ("192.0.2.1 http", "invalid virtual server group IP"),
        ("fwmark -1", "negative"),
        ("fwmark 1 ipx", "family"),
    ] {
        let (cfg, d) = parse(&format!(
            "virtual_server_group G {{\n 192.0.2.200 80\n {entry}\n}}\n"
        ));
        one_error(&d, needle);
        assert_eq!(cfg.lvs.groups[0].entries.len(), 1, "{entry}");
    }
}

#[test]
fn group_service_takes_family_and_is_checked() {
    let (cfg, d) = parse(
        "virtual_server_group G6 {\n 2001:db8::1 80\n}\nvirtual_server group G6 {\n lvs_sched rr\n lvs_method TUN\n protocol TCP\n real_server 192.0.2.10 80 {\n }\n}\n",
    );
    no_errors(&d);
    assert_eq!(cfg.lvs.virtual_servers[0].family, Some(Family::Inet6));

    let (cfg, d) = parse(
        "virtual_server group MISSING {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.10 80 {\n }\n}\nvirtual_server_group MISSNG {\n 192.0.2.1 80\n}\n",
    );
    no_errors(&d);
    assert!(cfg.lvs.virtual_servers.is_empty());
    let hint = d.iter().find_map(|x| x.hint.clone()).unwrap();
    assert!(hint.contains("MISSNG"), "{hint}");
}

#[test]
fn duplicate_real_server_is_removed() {
    let (cfg, d) = parse(
        "virtual_server 192.0.2.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.10 80 {\n weight 2\n }\n real_server 192.0.2.10 80 {\n weight 3\n }\n real_server 192.0.2.10 81 {\n }\n}\n",
    );
    one_error(&d, "duplicated");
    let r = &cfg.lvs.virtual_servers[0].real_servers;
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].weight, Some(2));
}

#[test]
fn quorum_is_reduced_to_total_weight() {
    let (cfg, d) = parse(&vs("quorum 10\n hysteresis 9", " weight 4"));
    assert_eq!(errors(&d).len(), 2);
    let v = &cfg.lvs.virtual_servers[0];
    assert_eq!((v.quorum, v.hysteresis), (4, 3));
}

#[test]
fn sched_flags_and_bits() {
    let (cfg, d) = parse(&vs("lvs_sched sh\n sh-port\n sh-fallback\n mh-port", ""));
    no_errors(&d);
    let f = cfg.lvs.virtual_servers[0].sched_flags;
    assert!(
        f.sh_port && f.sh_fallback && !f.mh_port,
        "mh-port under sh is ignored"
    );
    assert_eq!(f.bits(), 0x18);
}

#[test]
fn deprecated_synonyms_warn_with_the_modern_keyword() {
    let (cfg, d) = parse(&vs("lb_algo lc\n lb_kind DR", ""));
    no_errors(&d);
    let hints: Vec<String> = d.iter().filter_map(|x| x.hint.clone()).collect();
    assert!(hints.contains(&"use 'lvs_sched'".to_string()), "{hints:?}");
    assert!(hints.contains(&"use 'lvs_method'".to_string()), "{hints:?}");
    assert_eq!(cfg.lvs.virtual_servers[0].scheduler, Some(Scheduler::Lc));
}

#[test]
fn unknown_keywords_suggest_the_right_one() {
    let (_, d) = parse(&vs(
        "persistance_timeout 60",
        " TCP_CHECK {\n conect_timeout 3\n }",
    ));
    let hints: Vec<String> = d.iter().filter_map(|x| x.hint.clone()).collect();
    assert!(hints.contains(&"did you mean 'persistence_timeout'?".to_string()));
    assert!(hints.contains(&"did you mean 'connect_timeout'?".to_string()));
    let locs: Vec<String> = d
        .iter()
        .map(|x| x.loc.as_ref().unwrap().to_string())
        .collect();
    assert!(locs.iter().all(|l| l.starts_with("test.conf:")), "{locs:?}");
}

#[test]
fn ssl_block() {
    let (cfg, d) =
        parse("SSL {\n password p\n ca /etc/ca.pem\n certificate /etc/c.pem\n key /etc/k.pem\n}\n");
    no_errors(&d);
    let s = cfg.lvs.ssl.unwrap();
    assert_eq!(s.password.as_deref(), Some("p"));
    assert_eq!(s.ca.as_deref(), Some("/etc/ca.pem"));
    assert_eq!(s.certificate.as_deref(), Some("/etc/c.pem"));
    assert_eq!(s.key.as_deref(), Some("/etc/k.pem"));
}

#[test]
fn references_to_track_files_and_bfd_instances() {
    let defs = "track_file tf1 {\n file /tmp/kad-tf1\n}\ntrack_file tf3 {\n file /tmp/kad-tf3\n}\n\
                bfd_instance b2 {\n neighbor_ip 192.0.2.9\n}\n";
    let text = format!(
        "{defs}{}",
        vs(
            "",
            " FILE_CHECK {\n track_file tf1\n weight -5 reverse\n }\n FILE_CHECK {\n track_file tf2\n }\n BFD_CHECK {\n name b1\n }\n BFD_CHECK {\n name b2\n }",
        )
    );
    let (cfg, d) = parse(&text);
    let e = errors(&d);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].contains("track_file tf2 not found"));
    assert!(e[1].contains("BFD b1 not configured"));
    let c = &cfg.lvs.virtual_servers[0].real_servers[0].checkers;
    assert_eq!(c.len(), 2);
    let CheckerKind::File(f) = &c[0].kind else {
        panic!()
    };
    assert_eq!((f.weight, f.reverse), (Some(-5), true));
}

#[test]
fn ipv6_services() {
    let (cfg, d) = parse(
        "virtual_server 2001:db8::1 443 {\n lvs_sched wrr\n lvs_method DR\n protocol SCTP\n persistence_granularity 64\n real_server 2001:db8::10 443 {\n PING_CHECK {\n }\n }\n}\n",
    );
    no_errors(&d);
    let v = &cfg.lvs.virtual_servers[0];
    assert_eq!(v.family, Some(Family::Inet6));
    assert_eq!(v.persistence_granularity, Some(Granularity::Inet6(64)));
    assert_eq!(
        v.persistence_timeout,
        Some(360),
        "granularity implies persistence"
    );
    assert_eq!(v.describe(), "[2001:db8::1]:sctp:443");
}

/// Every model type serializes (for `kad --dump-conf=json`).
#[test]
fn model_is_serialize() {
    fn is_serialize<T: serde::Serialize>(_: &T) {}
    let (cfg, _) = parse(&vs("", " HTTP_GET {\n url {\n path /\n }\n }"));
    is_serialize(&cfg.lvs);
}

/// `services` virtual servers of 50 real servers each.
fn large_configuration(services: u32) -> String {
    let mut s = String::new();
    for i in 0..services {
        s.push_str(&format!(
            "virtual_server 198.51.{}.{} 80 {{\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n",
            i / 250,
            i % 250 + 1
        ));
        for j in 0..50u32 {
            s.push_str(&format!(
                " real_server 203.0.{}.{} 80 {{\n TCP_CHECK {{\n }}\n }}\n",
                j / 250,
                j % 250 + 1
            ));
        }
        s.push_str("}\n");
    }
    s
}

/// A large configuration checks in linear time: the model and its checks of 100,000 real
/// servers in 2000 services cost about four times those of 500 services, not sixteen.
#[test]
fn large_configurations_are_linear() {
    let model = |services: u32| {
        let tree = model_lvs_util::tree(&large_configuration(services));
        let (d, secs) = scale::cpu(|| {
            let mut d = Diagnostics::new();
            let cfg = keepalive_confparse::model::Config::from_tree(&tree, &mut d);
            assert_eq!(cfg.lvs.virtual_servers.len(), services as usize);
            d
        });
        no_errors(&d);
        (services as usize * 50, secs)
    };
    let small = model(500);
    let big = model(2000);
    scale::assert_linear("LVS model and checks (real servers)", small, big);
}
