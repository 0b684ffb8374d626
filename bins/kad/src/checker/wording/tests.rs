//! Each line below is keepalived 2.2.7's, read from its source for the same event.

use super::*;
use keepalive_checkers::{
    BfdConfig, FileConfig, HttpConfig, MiscConfig, Script, Target, Timing, TlsParams, UrlConfig,
};
use std::net::IpAddr;

const RS: &str = "[192.0.2.10]:tcp:80";
const VS: &str = "[192.0.2.1]:tcp:80";

fn spec(kind: CheckerKind, retry: u32, log_all: bool, alpha: bool) -> CheckerConfig {
    let addr: IpAddr = "192.0.2.10".parse().unwrap();
    let timing = Timing {
        retry,
        log_all_failures: log_all,
        alpha,
        ..Timing::default()
    };
    CheckerConfig::new(kind, Target::new(addr, 80), timing)
}

fn lines(s: &CheckerConfig, r: CheckResult, retries_done: u32) -> Vec<String> {
    let failed = failed_url(s, r.reason.as_ref());
    let c = Ctx {
        config: s,
        rs: RS,
        vs: VS,
        retries_done,
        detail: true,
        failed_url: failed.as_deref().or(Some("/index.html")),
        rs_pair: "[192.0.2.10]:80",
    };
    result_lines(&c, &r)
}

fn up(first: bool) -> CheckResult {
    CheckResult {
        up: true,
        changed: !first,
        first,
        weight: None,
        reason: None,
        retry_pending: false,
    }
}

fn down(first: bool, reason: FailReason) -> CheckResult {
    CheckResult {
        up: false,
        changed: !first,
        first,
        weight: None,
        reason: Some(reason),
        retry_pending: false,
    }
}

fn pending(reason: FailReason) -> CheckResult {
    CheckResult {
        up: true,
        changed: false,
        first: false,
        weight: None,
        reason: Some(reason),
        retry_pending: true,
    }
}

fn refused() -> FailReason {
    FailReason::ConnectFailed(IoFailure::Os(libc::ECONNREFUSED))
}

#[test]
fn tcp_check() {
    let s = spec(CheckerKind::Tcp, 3, false, false);
    assert_eq!(
        lines(&s, up(true), 0),
        ["TCP connection to [192.0.2.10]:tcp:80 success."]
    );
    assert_eq!(
        lines(&s, down(false, refused()), 0),
        ["TCP_CHECK on service [192.0.2.10]:tcp:80 failed after 3 retries."]
    );
    // The first check counts at once (`retry_it` starts at `retry`): no retries yet.
    assert_eq!(
        lines(&s, down(true, refused()), 0),
        ["TCP_CHECK on service [192.0.2.10]:tcp:80 failed."]
    );
    // Without log_all_failures a retried attempt is silent; the crate does not report it.
    let s = spec(CheckerKind::Tcp, 3, true, false);
    assert_eq!(
        lines(&s, pending(FailReason::Timeout), 1),
        ["TCP connection to [192.0.2.10]:tcp:80 timeout."]
    );
    assert_eq!(
        lines(&s, down(false, refused()), 0),
        [
            "TCP connection to [192.0.2.10]:tcp:80 failed.",
            "TCP_CHECK on service [192.0.2.10]:tcp:80 failed after 3 retries."
        ]
    );
}

fn http(digest: bool, tls: bool) -> CheckerKind {
    CheckerKind::Http(Box::new(HttpConfig {
        urls: vec![UrlConfig {
            path: "/index.html".into(),
            digest: digest.then(|| "0123456789abcdef0123456789abcdef".into()),
            ..UrlConfig::default()
        }],
        tls: tls.then_some(TlsParams {
            sni: None,
            tls_compliant: false,
        }),
        ..HttpConfig::default()
    }))
}

#[test]
fn http_check() {
    let s = spec(http(true, false), 0, false, false);
    assert_eq!(
        lines(&s, up(true), 0),
        ["Remote Web server [192.0.2.10]:tcp:80 succeed on service."]
    );
    // The reason is logged only with log_all_failures.
    let status = FailReason::HttpStatus {
        code: 404,
        url: "/index.html".into(),
    };
    assert_eq!(
        lines(&s, down(false, status.clone()), 0),
        ["HTTP_CHECK on service [192.0.2.10]:tcp:80 failed."]
    );
    // Back up from down: the failed url's success, each url's, then the server's (as
    // captured from keepalived 2.2.7).
    assert_eq!(
        lines(&s, up(false), 0),
        [
            "MD5 digest success to [192.0.2.10]:tcp:80 url(/index.html)",
            "MD5 digest success to [192.0.2.10]:tcp:80 url(/index.html)",
            "Remote Web server [192.0.2.10]:tcp:80 succeed on service."
        ]
    );
    let s = spec(http(true, false), 1, true, false);
    assert_eq!(
        lines(&s, down(false, status), 0),
        [
            "HTTP status code error to server [192.0.2.10]:tcp:80.",
            "HTTP_CHECK on service [192.0.2.10]:tcp:80 failed after 1 retries."
        ]
    );
    // HTTP marks the checker as run before its verdict, so even the first counts retries.
    let digest = FailReason::DigestMismatch {
        url: "/".into(),
        expected: "a".into(),
        got: "b".into(),
    };
    assert_eq!(
        lines(&s, down(true, digest), 0),
        [
            "MD5 digest error to server [192.0.2.10]:tcp:80.",
            "HTTP_CHECK on service [192.0.2.10]:tcp:80 failed after 1 retries."
        ]
    );
    for (reason, msg) in [
        (FailReason::Timeout, "Timeout WEB read server"),
        (FailReason::ResponseTimeout, "Timeout HTTP read server"),
        (FailReason::ConnectTimeout, "Timeout connecting server"),
        (refused(), "Connection failed server"),
        (
            FailReason::ConnectFailed(IoFailure::Os(libc::ENETUNREACH)),
            "HTTP_CHECK - network unreachable server",
        ),
        (
            FailReason::UnexpectedEof,
            "Read, no data received from  server",
        ),
        (
            FailReason::Regex {
                url: "/".into(),
                matched: false,
            },
            "Regex match failed server",
        ),
    ] {
        assert_eq!(
            lines(&s, pending(reason), 1),
            [format!("{msg} [192.0.2.10]:tcp:80.")]
        );
    }
    let ssl = spec(http(false, true), 1, true, false);
    assert_eq!(
        lines(&ssl, pending(FailReason::ConnectFailed(IoFailure::Tls)), 1),
        ["SSL handshake/communication error connecting to server [192.0.2.10]:tcp:80."]
    );
    assert_eq!(
        lines(&ssl, pending(FailReason::ResponseTimeout), 1),
        ["Timeout SSL read server [192.0.2.10]:tcp:80."]
    );
    // alpha: the first success comes from down.
    let s = spec(http(false, false), 1, false, true);
    assert_eq!(
        lines(&s, up(true), 0),
        [
            "HTTP status code success to [192.0.2.10]:tcp:80 url(/index.html)",
            "Remote Web server [192.0.2.10]:tcp:80 succeed on service."
        ]
    );
}

#[test]
fn smtp_check() {
    let s = spec(CheckerKind::Smtp(Box::default()), 1, false, false);
    assert_eq!(
        lines(&s, up(true), 0),
        ["Remote SMTP server [192.0.2.10]:tcp:80 succeed on service."]
    );
    for (reason, msg) in [
        (
            FailReason::SmtpReply {
                stage: "banner",
                code: 554,
            },
            "Bad greeting banner from",
        ),
        (
            FailReason::SmtpReply {
                stage: "HELO",
                code: 501,
            },
            "Bad HELO response from",
        ),
        (FailReason::ConnectTimeout, "Connection timeout to"),
        (FailReason::Timeout, "Read timeout from"),
        // Captured from keepalived 2.2.7 with the server's port closed.
        (refused(), "Could not connect to"),
        (FailReason::UnexpectedEof, "Read failure from"),
    ] {
        assert_eq!(
            lines(&s, down(false, reason), 0),
            [format!("SMTP_CHECK {msg} server [192.0.2.10]:80")]
        );
    }
    assert_eq!(
        lines(
            &s,
            down(
                false,
                FailReason::ConnectFailed(IoFailure::Os(libc::ENETUNREACH))
            ),
            0
        ),
        ["SMTP_CHECK Network unreachable for server 192.0.2.10 - real server [192.0.2.10]:80"]
    );
}

#[test]
fn dns_check() {
    let s = spec(CheckerKind::Dns(Default::default()), 3, false, false);
    let rs = "[192.0.2.10]:tcp:80";
    assert!(lines(&s, up(true), 0).is_empty());
    assert_eq!(
        lines(&s, down(true, FailReason::Timeout), 0),
        [format!("DNS_CHECK ({rs}) read timeout from socket")]
    );
    assert_eq!(
        lines(&s, down(false, FailReason::DnsRcode(3)), 0),
        [format!(
            "DNS_CHECK ({rs}) read error occurred. (rcode = 3) after 3 retries"
        )]
    );
    assert_eq!(
        lines(
            &s,
            pending(FailReason::Icmp(IoFailure::Os(libc::ECONNREFUSED))),
            1
        ),
        [format!(
            "DNS_CHECK ({rs}) failed to read socket; errno 111 (Connection refused)"
        )]
    );
    // keepalived appends the count even when it is 0, once the checker has run.
    let s = spec(CheckerKind::Dns(Default::default()), 0, false, false);
    assert_eq!(
        lines(&s, down(false, refused()), 0),
        [format!(
            "DNS_CHECK ({rs}) connection error. after 0 retries"
        )]
    );
}

#[test]
fn udp_check() {
    let s = spec(CheckerKind::Udp(Box::default()), 0, false, false);
    assert_eq!(
        lines(&s, up(true), 0),
        ["UDP connection to [192.0.2.10]:tcp:80 success."]
    );
    assert_eq!(
        lines(&s, down(false, FailReason::UdpReplyMismatch), 0),
        ["UDP_CHECK on service [192.0.2.10]:tcp:80 failed."]
    );
    let s = spec(CheckerKind::Udp(Box::default()), 2, true, false);
    assert_eq!(
        lines(&s, down(false, FailReason::UdpReplyLength(300)), 0),
        [
            "UDP check to [192.0.2.10]:tcp:80 reply data mismatch.",
            "UDP_CHECK on service [192.0.2.10]:tcp:80 failed after 2 retries."
        ]
    );
    assert_eq!(
        lines(
            &s,
            pending(FailReason::Icmp(IoFailure::Os(libc::ECONNREFUSED))),
            1
        ),
        ["UDP connection to [192.0.2.10]:tcp:80 failed."]
    );
}

#[test]
fn ping_check() {
    let s = spec(CheckerKind::Ping(Box::default()), 2, true, false);
    assert_eq!(
        lines(&s, up(true), 0),
        ["ICMP connection to [192.0.2.10]:tcp:80 success."]
    );
    assert_eq!(
        lines(&s, pending(FailReason::Timeout), 1),
        ["ICMP connection to address [192.0.2.10]:tcp:80 timeout."]
    );
    assert_eq!(
        lines(&s, down(false, FailReason::Icmp(IoFailure::Os(libc::EHOSTUNREACH))), 0),
        [
            "ICMP connection to [192.0.2.10]:tcp:80 of [192.0.2.1]:tcp:80 failed.",
            "ICMP CHECK on service [192.0.2.10]:tcp:80 of [192.0.2.1]:tcp:80 failed after 2 retries."
        ]
    );
    assert_eq!(
        lines(&s, down(true, FailReason::Timeout), 0),
        [
            "ICMP connection to address [192.0.2.10]:tcp:80 timeout.",
            "ICMP CHECK on service [192.0.2.10]:tcp:80 failed."
        ]
    );
    // An echo request that could not be sent ("send ICMP packet fail", logged by the loop):
    // straight to the verdict, as captured from keepalived 2.2.7.
    let s = spec(CheckerKind::Ping(Box::default()), 0, true, false);
    assert_eq!(
        lines(
            &s,
            down(
                false,
                FailReason::ConnectFailed(IoFailure::Os(libc::ENETUNREACH))
            ),
            0
        ),
        ["ICMP CHECK on service [192.0.2.10]:tcp:80 failed."]
    );
}

#[test]
fn misc_check() {
    let misc = |retry| {
        spec(
            CheckerKind::Misc(Box::new(MiscConfig {
                script: Script {
                    args: vec!["/bin/check".into(), "arg".into()],
                    ..Script::default()
                },
                timeout: None,
                dynamic: false,
                rs_weight: 1,
            })),
            retry,
            true,
            false,
        )
    };
    let pre = "Misc check for [[192.0.2.10]:tcp:80 VS [192.0.2.1]:tcp:80] by [/bin/check]";
    let s = misc(0);
    assert_eq!(lines(&s, up(true), 0), [format!("{pre} succeeded.")]);
    assert_eq!(
        lines(&s, down(false, FailReason::ScriptExit(2)), 0),
        [format!(
            "{pre} failed with retry disabled (exited with status 2)."
        )]
    );
    let s = misc(3);
    assert_eq!(
        lines(&s, pending(FailReason::ScriptExit(1)), 1),
        [format!(
            "{pre} failed, will do 3 retries (exited with status 1)."
        )]
    );
    assert_eq!(
        lines(&s, pending(FailReason::ScriptSignal(9)), 3),
        [format!("{pre} failed on retry 2/3 (due to signal 9).")]
    );
    assert_eq!(
        lines(&s, down(false, FailReason::Timeout), 0),
        [format!("{pre} timed out after 3 retries.")]
    );
    let s = misc(1);
    assert_eq!(
        lines(&s, down(false, FailReason::ScriptExit(1)), 0),
        [format!(
            "{pre} failed after 1 retry (exited with status 1)."
        )]
    );
}

#[test]
fn file_and_bfd_checks() {
    let file = spec(
        CheckerKind::File(Box::new(FileConfig {
            track_file: "app_state".into(),
            weight: 0,
            reverse: false,
            dynamic: false,
        })),
        0,
        false,
        false,
    );
    // Silent at start-up; transitions only with -D.
    assert!(lines(&file, down(true, FailReason::FileFault(1)), 0).is_empty());
    assert_eq!(
        lines(&file, down(false, FailReason::FileFault(1)), 0),
        ["([192.0.2.10]:tcp:80): tracked file app_state now FAULT state"]
    );
    assert_eq!(
        lines(&file, up(false), 0),
        ["([192.0.2.10]:tcp:80): tracked file app_state leaving FAULT state"]
    );
    let bfd = spec(
        CheckerKind::Bfd(Box::new(BfdConfig { name: "b1".into() })),
        0,
        false,
        false,
    );
    assert_eq!(
        lines(&bfd, down(false, FailReason::BfdDown), 0),
        ["BFD check of [b1] RS([192.0.2.10]:tcp:80) is DOWN"]
    );
}

#[test]
fn pool_lines() {
    assert_eq!(
        rs_state_line(RS, VS, false, false),
        "Removing service [192.0.2.10]:tcp:80 from VS [192.0.2.1]:tcp:80"
    );
    assert_eq!(
        rs_state_line(RS, VS, true, false),
        "Adding service [192.0.2.10]:tcp:80 to VS [192.0.2.1]:tcp:80"
    );
    assert_eq!(
        rs_state_line(RS, "FWM 7", false, true),
        "Disabling service [192.0.2.10]:tcp:80 of VS FWM 7"
    );
    assert_eq!(
        rs_state_line(RS, VS, true, true),
        "Enabling service [192.0.2.10]:tcp:80 of VS [192.0.2.1]:tcp:80"
    );
    assert_eq!(
        weight_line(RS, VS, 1, 5, true),
        "Changing weight from 1 to 5 for active service [192.0.2.10]:tcp:80 of VS [192.0.2.1]:tcp:80"
    );
    assert_eq!(
        weight_line(RS, VS, 5, 0, false),
        "Changing weight from 5 to 0 for inactive service [192.0.2.10]:tcp:80 of VS [192.0.2.1]:tcp:80"
    );
    assert_eq!(
        clear_rs_line(RS, VS, true, false),
        "Shutting down service [192.0.2.10]:tcp:80 from VS [192.0.2.1]:tcp:80"
    );
    assert_eq!(
        clear_rs_line(RS, VS, false, true),
        "Removing (inhibited) service [192.0.2.10]:tcp:80 from VS [192.0.2.1]:tcp:80"
    );
    assert_eq!(
        quorum_lines(
            VS,
            false,
            false,
            (1, 0, 1, 0),
            Some(("[192.0.2.99]:tcp:80", false))
        ),
        [
            "Lost quorum 1-0=1 > 0 for VS [192.0.2.1]:tcp:80",
            "Adding sorry server [192.0.2.99]:tcp:80 to VS [192.0.2.1]:tcp:80",
            "Removing alive servers from the pool for VS [192.0.2.1]:tcp:80"
        ]
    );
    assert_eq!(
        quorum_lines(
            VS,
            true,
            false,
            (2, 1, 3, 3),
            Some(("[192.0.2.99]:tcp:80", true))
        ),
        [
            "Gained quorum 2+1=3 <= 3 for VS [192.0.2.1]:tcp:80",
            "Disabling sorry server [192.0.2.99]:tcp:80 from VS [192.0.2.1]:tcp:80",
            "Adding alive servers to the pool for VS [192.0.2.1]:tcp:80"
        ]
    );
    assert_eq!(
        quorum_lines(VS, false, true, (1, 0, 1, 0), None),
        ["Starting with quorum down 1-0=1 > 0 for VS [192.0.2.1]:tcp:80"]
    );
}
