//! keepalived's verdict on LVS configurations, case by case: for each, whether `keepalived -t`
//! fails (an error here) or passes (at most warnings here).
//!
//! `verdicts_match_keepalived` runs the real `keepalived -t` on every case when it is installed
//! (Debian's 2.2.7, built with LVS), so the table itself is checked against the reference.

#[path = "common/keepalived.rs"]
mod keepalived;
mod model_lvs_util;

use model_lvs_util::{errors, parse, vs, warnings};

/// What kad must say about a case.
#[derive(Clone, Copy, Debug)]
enum V {
    /// No error (keepalived -t exits 0); warnings allowed.
    Ok,
    /// No error, and a warning containing this text.
    Warn(&'static str),
    /// An error containing this text (keepalived -t exits non-zero).
    Err(&'static str),
    /// No error: a keyword of keepalived after 2.2.7 that the man page documents; kad
    /// accepts it, keepalived 2.2.7 does not. Not compared with keepalived.
    NewerOk,
    /// No error in the LVS model alone: the case refers to a `track_file` or `bfd_instance`
    /// that [`keepalive_confparse::model::lvs::check_references`] resolves. Not compared.
    Ref,
}

fn cases() -> Vec<(&'static str, String, V)> {
    let rs = " weight 1\n TCP_CHECK {\n connect_timeout 3\n }";
    vec![
        ("minimal", vs("", rs), V::Ok),
        (
            "no protocol",
            "virtual_server 192.0.2.1 80 {\n lvs_sched rr\n lvs_method NAT\n real_server 192.0.2.10 80 {\n TCP_CHECK {\n }\n }\n}\n".into(),
            V::Err("no protocol set"),
        ),
        (
            "no scheduler",
            "virtual_server 192.0.2.1 80 {\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.10 80 {\n TCP_CHECK {\n }\n }\n}\n".into(),
            V::Err("no scheduler set"),
        ),
        (
            "no forwarding method",
            "virtual_server 192.0.2.1 80 {\n lvs_sched rr\n protocol TCP\n real_server 192.0.2.10 80 {\n TCP_CHECK {\n }\n }\n}\n".into(),
            V::Err("no forwarding method"),
        ),
        ("lb_algo and lb_kind", vs("lb_algo wrr\n lb_kind DR", rs), V::Warn("deprecated")),
        ("bad scheduler", vs("lvs_sched rrr", rs), V::Err("invalid lvs_scheduler")),
        ("sh-port before sh", vs("sh-port\n lvs_sched sh", rs), V::Err("only applies to sh")),
        ("sh-port after sh", vs("lvs_sched sh\n sh-port\n sh-fallback", rs), V::Ok),
        ("mh flags", vs("lvs_sched mh\n mh-port\n mh-fallback\n flag-1\n flag-2\n flag-3", rs), V::Ok),
        ("ops with tcp", vs("ops", rs), V::Err("one packet scheduling")),
        ("unknown vs keyword", vs("lvs_schedd rr", rs), V::Err("unknown keyword")),
        ("unknown rs keyword", vs("", " wieght 1"), V::Err("unknown keyword")),
        ("unknown checker keyword", vs("", " TCP_CHECK {\n conect_port 80\n }"), V::Err("unknown keyword")),
        ("persistence", vs("persistence_timeout 600\n persistence_granularity 255.255.255.0\n persistence_engine sip", rs), V::Ok),
        ("persistence bare", vs("persistence_timeout", rs), V::Ok),
        ("persistence too long", vs("persistence_timeout 2678401", rs), V::Err("outside range")),
        ("granularity v4 bad", vs("persistence_granularity 255.255.255.256", rs), V::Err("persistence_granularity")),
        ("tunnel gue", vs("lvs_method TUN type gue port 6080 csum", rs), V::Ok),
        ("tunnel gue without port", vs("lvs_method TUN type gue", rs), V::Err("gue tunnels require port")),
        ("tunnel ipip with csum", vs("lvs_method TUN type ipip csum", rs), V::Err("ipip tunnels do not support")),
        ("tunnel gre remcsum", vs("lvs_method TUN type gre remcsum", rs), V::Err("gre tunnels do not support")),
        ("tunnel gre csum", vs("lvs_method TUN type gre csum", rs), V::Ok),
        ("bad method", vs("lvs_method MASQ", rs), V::Err("routing method")),
        ("quorum too high", vs("quorum 5", rs), V::Err("exceeds total weight")),
        ("quorum ok", vs("quorum 1\n hysteresis 0", rs), V::Ok),
        ("hysteresis too high", vs("hysteresis 1", rs), V::Err("hysteresis")),
        ("quorum zero", vs("quorum 0", rs), V::Err("outside range")),
        ("vs weight zero", vs("weight 0", rs), V::Err("outside range")),
        ("rs weight zero", vs("", " weight 0"), V::Err("exceeds total weight")),
        ("rs weight negative", vs("", " weight -1"), V::Err("negative")),
        ("vs retry zero", vs("retry 0", rs), V::Err("outside range")),
        ("checker retry zero", vs("", " TCP_CHECK {\n retry 0\n }"), V::Ok),
        ("delay_loop zero", vs("delay_loop 0", rs), V::Err("outside range")),
        ("delay_loop fraction", vs("delay_loop 0.5\n delay_before_retry 0\n warmup 0", rs), V::Ok),
        ("connect_timeout too many places", vs("connect_timeout 1.0000001", rs), V::Err("decimal places")),
        ("smtp_alert bad", vs("smtp_alert maybe", rs), V::Err("smtp_alert")),
        ("vs alpha omega flags", vs("alpha\n omega\n ha_suspend\n inhibit_on_failure", rs), V::Ok),
        ("rs options", vs("", " weight 2\n inhibit_on_failure false\n alpha yes\n smtp_alert no\n uthreshold 100\n lthreshold 10\n retry 2\n delay_before_retry 2\n warmup 1\n connect_timeout 2\n delay_loop 5\n virtualhost www.example.com\n notify_up /nonexistent/kad-up\n notify_down \"/nonexistent/kad-down arg\"\n lvs_method DR"), V::Ok),
        ("duplicate notify_up", vs("", " notify_up /bin/true\n notify_up /bin/false"), V::Err("already specified")),
        ("duplicate quorum_up", vs("quorum_up /bin/true\n quorum_up /bin/false", rs), V::Err("already specified")),
        ("no real servers", "virtual_server 192.0.2.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n}\n".into(), V::Err("no real servers")),
        ("duplicate real server", "virtual_server 192.0.2.1 80 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.10 80 {\n}\n real_server 192.0.2.10 80 {\n}\n}\n".into(), V::Err("duplicated")),
        ("family mismatch rs", vs("", "").replace("192.0.2.10 80", "2001:db8::10 80"), V::Err("address family")),
        ("tunnelled rs other family", vs("lvs_method TUN", "").replace("192.0.2.10 80", "2001:db8::10 80"), V::Ok),
        ("ip_family conflict", vs("ip_family inet6", rs), V::Err("conflicts")),
        ("ip_family bad", vs("ip_family ipx", rs), V::Err("unknown address family")),
        ("zero port not persistent", "virtual_server 192.0.2.1 0 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.10 80 {\n }\n}\n".into(), V::Err("zero port")),
        ("zero port persistent", "virtual_server 192.0.2.1 0 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n persistence_timeout 60\n real_server 192.0.2.10 80 {\n }\n}\n".into(), V::Ok),
        ("dr port mismatch", vs("lvs_method DR", "").replace("192.0.2.10 80", "192.0.2.10 8080"), V::Err("ports don't match")),
        ("nat port differs", vs("", "").replace("192.0.2.10 80", "192.0.2.10 8080"), V::Ok),
        ("fwmark", "virtual_server fwmark 1 {\n lvs_sched rr\n lvs_method NAT\n real_server 192.0.2.10 {\n TCP_CHECK {\n connect_port 80\n }\n }\n}\n".into(), V::Ok),
        ("fwmark with protocol", "virtual_server fwmark 1 {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.10 {\n }\n}\n".into(), V::Err("protocol specified for fwmark")),
        ("fwmark ha_suspend", "virtual_server fwmark 1 {\n lvs_sched rr\n lvs_method NAT\n ha_suspend\n real_server 192.0.2.10 {\n }\n}\n".into(), V::Err("ha_suspend")),
        ("fwmark dr rs port", "virtual_server fwmark 1 {\n lvs_sched rr\n lvs_method DR\n real_server 192.0.2.10 80 {\n }\n}\n".into(), V::Err("has port specified")),
        ("fwmark bad", "virtual_server fwmark x {\n lvs_sched rr\n lvs_method NAT\n real_server 192.0.2.10 {\n }\n}\n".into(), V::Err("invalid number")),
        ("vs bad address", "virtual_server 192.0.2.300 80 {\n lvs_sched rr\n}\n".into(), V::Err("invalid virtual server")),
        ("rs bad port", vs("", "").replace("192.0.2.10 80", "192.0.2.10 99999"), V::Err("invalid real server")),
        ("group", "virtual_server_group G {\n 192.0.2.1 80\n 192.0.2.3-10 80\n 192.0.2.16/28 80\n 192.0.2.100-192.0.2.110 80\n}\nvirtual_server group G {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.200 80 {\n }\n}\n".into(), V::Ok),
        ("group missing", "virtual_server group NOPE {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.200 80 {\n }\n}\n".into(), V::Warn("not configured")),
        ("group empty", "virtual_server_group G {\n}\n".into(), V::Err("no entries")),
        ("group bad range", "virtual_server_group G {\n 192.0.2.10-5 80\n}\nvirtual_server group G {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.200 80 {\n }\n}\n".into(), V::Err("range")),
        ("group mask bits", "virtual_server_group G {\n 192.0.2.1/24 80\n}\n".into(), V::Err("mask bits")),
        ("group mixed family fwmark", "virtual_server_group G {\n 192.0.2.1 80\n 2001:db8::1 80\n fwmark 3\n}\n".into(), V::Err("cannot have IPv4, IPv6")),
        ("group no port", "virtual_server_group G {\n 192.0.2.1\n}\nvirtual_server group G {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.200 80 {\n }\n}\n".into(), V::Err("zero port")),
        ("group fwmark family", "virtual_server_group G {\n fwmark 1 inet6\n fwmark 2 inet\n}\n".into(), V::Ok),
        ("group fwmark bad family", "virtual_server_group G {\n fwmark 1 ipx\n}\n".into(), V::Err("family")),
        ("group family mismatch rs", "virtual_server_group G {\n 2001:db8::1 80\n}\nvirtual_server group G {\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n real_server 192.0.2.200 80 {\n }\n}\n".into(), V::Warn("address family")),
        ("sorry server", vs("sorry_server 192.0.2.50 80\n sorry_server_inhibit\n sorry_server_lvs_method NAT", rs), V::Ok),
        ("sorry inhibit without server", vs("sorry_server_inhibit", rs), V::Err("sorry_server")),
        ("sorry family mismatch", vs("sorry_server 2001:db8::50 80", rs), V::Err("sorry server")),
        ("sorry matches rs inhibit", vs("sorry_server 192.0.2.10 80\n sorry_server_inhibit", rs), V::Err("matches sorry server")),
        ("snmp_name", vs("snmp_name web", " snmp_name rs1"), V::Ok),
        ("snmp_name extra", vs("snmp_name a b", rs), V::Err("snmp_name")),
        ("SSL block", format!("SSL {{\n password secret\n ca /etc/ca.pem\n certificate /etc/c.pem\n key /etc/k.pem\n}}\n{}", vs("", rs)), V::Ok),
        ("SSL twice", format!("SSL {{\n}}\nSSL {{\n}}\n{}", vs("", rs)), V::Err("already specified")),
        ("SSL unknown", "SSL {\n cert /x\n}\n".into(), V::Err("unknown keyword")),
        ("SSL missing value", "SSL {\n ca\n}\n".into(), V::Err("missing")),
        ("http", vs("virtualhost www.example.com", " HTTP_GET {\n url {\n path /\n digest 9b3a0c85a887a256d6939da88aabd8cd\n status_code 200-299 301 404\n virtualhost a.example.com\n }\n url {\n path /b\n }\n http_protocol 1.1\n fast_recovery\n enable_sni\n connect_port 8080\n bindto 192.0.2.1\n bind_port 40000\n fwmark 7\n retry 2\n delay_before_retry 1.5\n warmup 0\n alpha\n log_all_failures yes\n }"), V::Ok),
        ("http no url", vs("", " HTTP_GET {\n connect_port 80\n }"), V::Err("no urls")),
        ("http url no path", vs("", " HTTP_GET {\n url {\n digest 9b3a0c85a887a256d6939da88aabd8cd\n }\n }"), V::Err("no path")),
        ("http bad digest", vs("", " HTTP_GET {\n url {\n path /\n digest 9b3a\n }\n }"), V::Err("digest")),
        ("http bad status", vs("", " HTTP_GET {\n url {\n path /\n status_code 700\n }\n }"), V::Err("status code")),
        ("http bad protocol", vs("", " HTTP_GET {\n http_protocol 2\n url {\n path /\n }\n }"), V::Err("http_protocol")),
        ("http nb_get_retry", vs("", " HTTP_GET {\n nb_get_retry 3\n url {\n path /\n }\n }"), V::Err("nb_get_retry")),
        ("tcp nb_get_retry", vs("", " TCP_CHECK {\n nb_get_retry 3\n }"), V::Err("unknown keyword")),
        ("http regex", vs("", " HTTP_GET {\n url {\n path /\n regex \"ok|fine\"\n regex_no_match\n regex_options caseless multiline\n regex_min_offset 0\n regex_max_offset 100\n }\n }"), V::Ok),
        ("http regex options without regex", vs("", " HTTP_GET {\n url {\n path /\n regex_options caseless\n }\n }"), V::Warn("without regex")),
        ("ssl_get", vs("", " SSL_GET {\n url {\n path /\n }\n enable_sni false\n }"), V::Ok),
        ("tcp bad connect_ip", vs("", " TCP_CHECK {\n connect_ip 192.0.2.999\n }"), V::Err("invalid")),
        ("tcp bindto family", vs("", " TCP_CHECK {\n connect_ip 192.0.2.11\n bindto 2001:db8::1\n }"), V::Err("address family")),
        ("tcp link local", vs("lvs_method TUN", "").replace("192.0.2.10 80 {\n", "192.0.2.10 80 {\n TCP_CHECK {\n connect_ip fe80::1\n }\n"), V::Err("bind_if")),
        ("tcp link local bind_if", vs("", " TCP_CHECK {\n connect_ip fe80::1\n bind_if eth0\n }"), V::Ok),
        ("tcp long bind_if", vs("", " TCP_CHECK {\n bind_if abcdefghijklmnopq\n }"), V::Err("too long")),
        ("tcp bad port", vs("", " TCP_CHECK {\n connect_port 0\n }"), V::Err("outside range")),
        ("smtp", vs("", " SMTP_CHECK {\n helo_name mail.example.com\n connect_timeout 10\n }"), V::Ok),
        ("smtp hosts", vs("", " SMTP_CHECK {\n host {\n connect_ip 192.0.2.20\n connect_port 25\n }\n host {\n connect_ip 192.0.2.21\n }\n }"), V::Warn("deprecated")),
        ("dns", vs("protocol UDP", " DNS_CHECK {\n type AAAA\n name www.example.com\n }").replace(" protocol TCP\n", ""), V::Ok),
        ("dns bad type", vs("", " DNS_CHECK {\n type ANY\n }"), V::Err("DNS check type")),
        ("dns empty label", vs("", " DNS_CHECK {\n name www..example.com\n }"), V::Err("empty label")),
        ("dns name twice", vs("", " DNS_CHECK {\n name ns.example\n name www.example\n }"), V::Err("already specified")),
        ("dns one-letter first label", vs("", " DNS_CHECK {\n name a.example.com\n }"), V::Err("empty label")),
        ("dns root", vs("", " DNS_CHECK {\n name .\n type A\n }"), V::Ok),
        ("duplicate virtual server", format!("{}{}", vs("", rs), vs("", rs)), V::Warn("same service")),
        ("vs address with prefix", vs("", rs).replace("192.0.2.1 80", "192.0.2.1/24 80"), V::Warn("ignored")),
        ("vs flags with values", vs("inhibit_on_failure false\n alpha no\n lvs_sched sh\n hashed", rs), V::Warn("ignored")),
        ("rs zero port", vs("", rs).replace("192.0.2.10 80", "192.0.2.10 0"), V::Ok),
        ("group defined twice", "virtual_server_group G {\n 192.0.2.1 80\n}\nvirtual_server_group G {\n 192.0.2.2 80\n}\n".into(), V::Warn("already defined")),
        ("checker with argument", vs("", " TCP_CHECK extra {\n }"), V::Warn("ignored")),
        ("misc", vs("", " MISC_CHECK {\n misc_path \"/nonexistent/kad-check arg\"\n misc_timeout 5\n misc_dynamic\n retry 1\n }"), V::Ok),
        ("misc no path", vs("", " MISC_CHECK {\n misc_timeout 5\n }"), V::Err("MISC_CHECK")),
        ("misc connect_port", vs("", " MISC_CHECK {\n misc_path /bin/true\n connect_port 80\n }"), V::Err("unknown keyword")),
        ("udp", vs("protocol UDP", " UDP_CHECK {\n payload 01 02 ab\n require_reply 01 xX\n min_reply_length 1\n max_reply_length 100\n }").replace(" protocol TCP\n", ""), V::Ok),
        ("udp bad payload", vs("", " UDP_CHECK {\n payload zz\n }"), V::Err("hex string")),
        ("udp min > max", vs("", " UDP_CHECK {\n min_reply_length 10\n max_reply_length 5\n }"), V::Err("will always fail")),
        ("ping", vs("", " PING_CHECK {\n retry 2\n }"), V::Ok),
        ("file check no track_file", vs("", " FILE_CHECK {\n weight 1\n }"), V::Err("no track_file")),
        ("bfd check no name", vs("", " BFD_CHECK {\n alpha\n }"), V::Err("no name")),
        ("bfd check alpha", format!("bfd_instance b1 {{\n neighbor_ip 192.0.2.9\n}}\n{}", vs("", " BFD_CHECK {\n name b1\n alpha\n }")), V::Ref),
        ("tls_compliant", vs("", " SSL_GET {\n tls_compliant\n url {\n path /\n tls_compliant\n }\n }"), V::NewerOk),
    ]
}

#[test]
fn verdicts() {
    let mut failures = Vec::new();
    for (name, text, want) in cases() {
        let (_, d) = parse(&text);
        let e = errors(&d);
        let w = warnings(&d);
        let ok = match want {
            V::Ok | V::NewerOk | V::Ref => e.is_empty(),
            V::Warn(s) => e.is_empty() && w.iter().any(|m| m.contains(s)),
            V::Err(s) => e.iter().any(|m| m.contains(s)),
        };
        if !ok {
            failures.push(format!(
                "{name}: want {want:?}, errors {e:?}, warnings {w:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Run `keepalived -t` on every case and check it agrees on pass/fail. Skipped when
/// keepalived is not installed (a failure under `CI=true`).
#[test]
fn verdicts_match_keepalived() {
    let Some(keepalived) = keepalived::Keepalived::here() else {
        return;
    };
    let out = keepalived.command(&["-v"]).output().unwrap();
    let banner =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    if !banner.contains(" LVS") {
        kad_skip::skip("keepalived built without LVS");
        return;
    }
    let dir = std::env::temp_dir().join(format!("kad-lvs-verdicts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for (i, (name, text, want)) in cases().into_iter().enumerate() {
        if matches!(want, V::NewerOk | V::Ref) {
            continue;
        }
        let (k_ok, code, stderr) = keepalived.verdict(&dir, i, &text);
        let want_ok = !matches!(want, V::Err(_));
        if k_ok != want_ok {
            failures.push(format!(
                "{name}: keepalived exit {code:?}, table says {want:?}\n{stderr}"
            ));
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
