//! The checker process's log lines, in keepalived 2.2.7's exact words: operators grep them
//! and monitoring parses them, so a line kad writes for an event is the line keepalived
//! writes for it, and it is written under the same conditions.
//!
//! Sources: `tcp_epilog`/`tcp_check_thread` (check_tcp.c), `epilog`/`timeout_epilog`/
//! `http_handle_response` (check_http.c, check_ssl.c), `smtp_final` (check_smtp.c),
//! `dns_final` (check_dns.c), `udp_epilog`/`udp_check_thread` (check_udp.c),
//! `icmp_epilog`/`icmp_check_thread` (check_ping.c), `misc_check_child_thread` (check_misc.c),
//! `process_update_checker_track_file_status` (track_file.c), `bfd_check_handle_event`
//! (check_bfd.c). Real servers print as `FMT_RS` (`[ip]:proto:port`), virtual servers as
//! `FMT_VS` (the same, `FWM n`, or `[group]:port`).
//!
//! Which lines appear: a check's state change (or its first result) is always logged; the
//! reason of one failed attempt only with `log_all_failures` (per checker, or
//! `checker_log_all_failures` in `global_defs`), except SMTP_CHECK and DNS_CHECK, whose
//! reason *is* their final line.

use keepalive_checkers::{CheckResult, CheckerConfig, CheckerKind, FailReason, IoFailure};

/// What a result's lines are rendered from.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// Its configuration.
    pub config: &'a CheckerConfig,
    /// `FMT_RS` of its real server.
    pub rs: &'a str,
    /// `FMT_VS` of its virtual server.
    pub vs: &'a str,
    /// The checker's `retry_it` when the result was taken (MISC_CHECK's "on retry k/N").
    pub retries_done: u32,
    /// `-D` (keepalived's `LOG_DETAIL_BIT`), which FILE_CHECK's lines need.
    pub detail: bool,
    /// HTTP_GET: the path of the url that failed last (see [`failed_url`]).
    pub failed_url: Option<&'a str>,
    /// `inet_sockaddrtopair` of the real server (`[ip]:port`).
    pub rs_pair: &'a str,
}

impl Ctx<'_> {
    fn log_all(&self) -> bool {
        self.config.timing.log_all_failures
    }

    fn retry(&self) -> u32 {
        self.config.timing.retry
    }

    fn tls(&self) -> bool {
        matches!(&self.config.kind, CheckerKind::Http(h) if h.tls.is_some())
    }

    /// `inet_sockaddrtopair` of the connection's destination (SMTP_CHECK names it so).
    fn pair(&self) -> String {
        let t = &self.config.target;
        format!("[{}]:{}", t.addr, t.port)
    }
}

/// The lines keepalived logs for checker result `r`, in order.
pub fn result_lines(c: &Ctx<'_>, r: &CheckResult) -> Vec<String> {
    let (rs, vs) = (c.rs, c.vs);
    let reason = r.reason.as_ref();
    let mut out = Vec::new();
    if r.retry_pending {
        // The crate reports these with `log_all_failures`, while the checker is up or has not
        // run; TCP, UDP and PING log only while up.
        let up_only = matches!(
            c.config.kind,
            CheckerKind::Tcp | CheckerKind::Udp(_) | CheckerKind::Ping(_)
        );
        if up_only && !r.up {
            return out;
        }
        match &c.config.kind {
            CheckerKind::Misc(m) => out.push(misc_line(
                rs,
                vs,
                script_name(m),
                reason,
                &misc_retry_tail(c.retries_done, c.retry()),
            )),
            CheckerKind::Dns(_) => out.push(format!("DNS_CHECK ({rs}) {}", dns_message(reason))),
            _ => out.extend(attempt_line(c, reason)),
        }
        return out;
    }
    if !(r.changed || r.first) {
        return out;
    }
    // The checker's state before this result (keepalived's `is_up`): a change means it was
    // the opposite; a first result starts from up unless `alpha`.
    let was_up = if r.changed {
        !r.up
    } else {
        !c.config.timing.alpha
    };
    if r.up {
        match &c.config.kind {
            CheckerKind::Tcp => out.push(format!("TCP connection to {rs} success.")),
            CheckerKind::Http(h) => {
                if !was_up {
                    // Back from a failure, keepalived first retries the failed url alone,
                    // then walks every url; each success is logged while the server is down.
                    let failed = r
                        .changed
                        .then(|| {
                            h.urls
                                .iter()
                                .find(|u| Some(u.path.as_str()) == c.failed_url)
                        })
                        .flatten();
                    for u in failed.into_iter().chain(&h.urls) {
                        let what = if u.regex.is_some() {
                            "Regex match"
                        } else if u.digest.is_some() {
                            "MD5 digest"
                        } else {
                            "HTTP status code"
                        };
                        out.push(format!("{what} success to {rs} url({})", u.path));
                    }
                }
                out.push(format!("Remote Web server {rs} succeed on service."));
            }
            CheckerKind::Smtp(_) => {
                out.push(format!("Remote SMTP server {rs} succeed on service."))
            }
            CheckerKind::Udp(_) => out.push(format!("UDP connection to {rs} success.")),
            CheckerKind::Ping(_) => out.push(format!("ICMP connection to {rs} success.")),
            CheckerKind::Misc(m) => out.push(misc_line(rs, vs, script_name(m), None, "")),
            CheckerKind::File(f) => {
                if c.detail && r.changed {
                    out.push(format!(
                        "({rs}): tracked file {} leaving FAULT state",
                        f.track_file
                    ));
                }
            }
            CheckerKind::Bfd(b) => out.push(format!("BFD check of [{}] RS({rs}) is UP", b.name)),
            CheckerKind::Dns(_) => {}
        }
        return out;
    }
    let retries = |first_plain: bool| {
        let retry = c.retry();
        if retry > 0 && !(first_plain && r.first) {
            format!("failed after {retry} retries.")
        } else {
            "failed.".to_string()
        }
    };
    // The failed attempt's own line precedes the verdict with `log_all_failures` (HTTP also
    // before the first check has run).
    let attempt = c.log_all()
        && match &c.config.kind {
            CheckerKind::Tcp | CheckerKind::Udp(_) | CheckerKind::Ping(_) => was_up,
            CheckerKind::Http(_) => was_up || r.first,
            _ => false,
        };
    if attempt {
        out.extend(attempt_line(c, reason));
    }
    match &c.config.kind {
        CheckerKind::Tcp => out.push(format!("TCP_CHECK on service {rs} {}", retries(true))),
        // `timeout_epilog` marks the checker as run before the verdict, so HTTP always counts.
        CheckerKind::Http(_) => out.push(format!("HTTP_CHECK on service {rs} {}", retries(false))),
        CheckerKind::Udp(_) => out.push(format!("UDP_CHECK on service {rs} {}", retries(true))),
        CheckerKind::Ping(_) => {
            let retry = c.retry();
            if retry > 0 && !r.first {
                out.push(format!(
                    "ICMP CHECK on service {rs} of {vs} failed after {retry} retries."
                ))
            } else {
                out.push(format!("ICMP CHECK on service {rs} failed."))
            }
        }
        CheckerKind::Smtp(_) => out.push(smtp_line(c, reason)),
        CheckerKind::Dns(_) => out.push(format!(
            "DNS_CHECK ({rs}) {}{}",
            dns_message(reason),
            if r.first {
                String::new()
            } else {
                format!(" after {} retries", c.retry())
            }
        )),
        CheckerKind::Misc(m) => {
            let retry = c.retry();
            let tail = if retry == 0 {
                " with retry disabled".to_string()
            } else {
                format!(" after {retry} {}", retry_word(retry))
            };
            out.push(misc_line(rs, vs, script_name(m), reason, &tail))
        }
        CheckerKind::File(f) => {
            if c.detail && r.changed {
                out.push(format!(
                    "({rs}): tracked file {} now FAULT state",
                    f.track_file
                ));
            }
        }
        CheckerKind::Bfd(b) => out.push(format!("BFD check of [{}] RS({rs}) is DOWN", b.name)),
    }
    out
}

/// HTTP_GET: the url a failure is charged to, the one named by the reason, else the first
/// (a connection failure fails the url being fetched, which is the first one unless earlier
/// urls of the same pass succeeded).
pub fn failed_url(config: &CheckerConfig, reason: Option<&FailReason>) -> Option<String> {
    let CheckerKind::Http(h) = &config.kind else {
        return None;
    };
    match reason {
        Some(
            FailReason::HttpStatus { url, .. }
            | FailReason::DigestMismatch { url, .. }
            | FailReason::Regex { url, .. },
        ) => Some(url.clone()),
        _ => h.urls.first().map(|u| u.path.clone()),
    }
}

/// The line of one failed attempt (TCP, HTTP, UDP, PING, SMTP), logged with
/// `log_all_failures`.
fn attempt_line(c: &Ctx<'_>, reason: Option<&FailReason>) -> Option<String> {
    let (rs, vs) = (c.rs, c.vs);
    let timeout = matches!(
        reason,
        Some(FailReason::Timeout | FailReason::ConnectTimeout | FailReason::ResponseTimeout)
    );
    Some(match &c.config.kind {
        CheckerKind::Tcp if timeout => format!("TCP connection to {rs} timeout."),
        CheckerKind::Tcp => format!("TCP connection to {rs} failed."),
        CheckerKind::Http(_) => format!("{} server {rs}.", http_message(reason, c.tls())),
        CheckerKind::Udp(_) => match reason {
            Some(FailReason::UdpReplyMismatch | FailReason::UdpReplyLength(_)) => {
                format!("UDP check to {rs} reply data mismatch.")
            }
            _ => format!("UDP connection to {rs} failed."),
        },
        CheckerKind::Ping(_) if timeout => format!("ICMP connection to address {rs} timeout."),
        // A request that could not be sent was logged when it failed; keepalived then goes
        // straight to its verdict.
        CheckerKind::Ping(_) if matches!(reason, Some(FailReason::ConnectFailed(_))) => {
            return None
        }
        CheckerKind::Ping(_) => format!("ICMP connection to {rs} of {vs} failed."),
        CheckerKind::Smtp(_) => smtp_line(c, reason),
        _ => return None,
    })
}

/// `timeout_epilog`'s `debug_msg`, which keepalived prints as "<msg> server <rs>.".
pub fn http_message(reason: Option<&FailReason>, tls: bool) -> &'static str {
    match reason {
        Some(FailReason::HttpStatus { .. }) => "HTTP status code error to",
        Some(FailReason::DigestMismatch { .. }) => "MD5 digest error to",
        Some(FailReason::Regex { .. }) => "Regex match failed",
        Some(FailReason::ConnectTimeout) => "Timeout connecting",
        Some(FailReason::ResponseTimeout) if tls => "Timeout SSL read",
        Some(FailReason::ResponseTimeout) => "Timeout HTTP read",
        Some(FailReason::Timeout) => "Timeout WEB read",
        Some(FailReason::ConnectFailed(IoFailure::Tls)) if tls => {
            "SSL handshake/communication error connecting to"
        }
        // connect() itself failed: keepalived's `http_connect_thread` sees `connect_fail`.
        Some(FailReason::ConnectFailed(f)) if immediate_failure(*f) => {
            "HTTP_CHECK - network unreachable"
        }
        // Refused, host unreachable: the socket's error after the connect (`connect_fail`).
        Some(FailReason::ConnectFailed(_) | FailReason::Icmp(_)) => "Connection failed",
        Some(FailReason::ReadFailed(_)) if tls => "SSL read error from",
        Some(FailReason::ReadFailed(_)) => "Read error with",
        // No complete header came back: keepalived's `empty_buffer` case, whose message
        // ends in a space (so the line has two).
        Some(
            FailReason::UnexpectedEof
            | FailReason::HttpMalformed(_)
            | FailReason::HttpHeaderTooLarge(_),
        ) => "Read, no data received from ",
        _ => "Error connecting",
    }
}

/// A connect that fails at once (no route): keepalived words it apart from one the peer
/// refuses later.
fn immediate_failure(failure: IoFailure) -> bool {
    failure.errno() == Some(libc::ENETUNREACH)
}

/// `smtp_final`'s line: "SMTP_CHECK <message> server [ip]:port", or for a connect that
/// fails at once "SMTP_CHECK Network unreachable for server ip - real server [ip]:port".
fn smtp_line(c: &Ctx<'_>, reason: Option<&FailReason>) -> String {
    match reason {
        Some(FailReason::ConnectFailed(f)) if immediate_failure(*f) => format!(
            "SMTP_CHECK Network unreachable for server {} - real server {}",
            c.config.target.addr, c.rs_pair
        ),
        _ => format!("SMTP_CHECK {} server {}", smtp_message(reason), c.pair()),
    }
}

/// `smtp_final`'s messages, which keepalived follows with "server [ip]:port".
pub fn smtp_message(reason: Option<&FailReason>) -> &'static str {
    match reason {
        Some(FailReason::SmtpReply {
            stage: "banner", ..
        }) => "Bad greeting banner from",
        Some(FailReason::SmtpReply { .. }) => "Bad HELO response from",
        Some(FailReason::ConnectTimeout) => "Connection timeout to",
        Some(FailReason::Timeout | FailReason::ResponseTimeout) => "Read timeout from",
        // The socket's error after connect() (`connect_fail`): refused, unreachable.
        Some(FailReason::ConnectFailed(_) | FailReason::Icmp(_)) => "Could not connect to",
        _ => "Read failure from",
    }
}

/// `dns_final`'s messages.
pub fn dns_message(reason: Option<&FailReason>) -> String {
    match reason {
        Some(FailReason::DnsRcode(code)) => format!("read error occurred. (rcode = {code})"),
        Some(FailReason::ConnectFailed(_)) => "connection error.".into(),
        // An ICMP error surfaces in keepalived as recv()'s errno.
        Some(FailReason::Icmp(why)) => {
            let (errno, text) = match why.errno() {
                Some(libc::EHOSTUNREACH) => (libc::EHOSTUNREACH, "No route to host"),
                Some(libc::ENETUNREACH) => (libc::ENETUNREACH, "Network is unreachable"),
                _ => (libc::ECONNREFUSED, "Connection refused"),
            };
            format!("failed to read socket; errno {errno} ({text})")
        }
        None
        | Some(FailReason::Timeout | FailReason::ConnectTimeout | FailReason::ResponseTimeout) => {
            "read timeout from socket".into()
        }
        Some(other) => other.to_string(),
    }
}

fn script_name(m: &keepalive_checkers::MiscConfig) -> &str {
    m.script.args.first().map(String::as_str).unwrap_or("")
}

fn retry_word(n: u32) -> &'static str {
    if n == 1 {
        "retry"
    } else {
        "retries"
    }
}

/// MISC_CHECK's wording of a failed attempt that will be retried: the scheduled check
/// ", will do N retries", a failed retry " on retry k/N".
fn misc_retry_tail(retries_done: u32, retry: u32) -> String {
    if retries_done <= 1 {
        format!(", will do {retry} {}", retry_word(retry))
    } else {
        format!(" on retry {}/{retry}", retries_done - 1)
    }
}

/// "Misc check for [rs VS vs] by [script] <outcome><tail>[ (reason code)]."
fn misc_line(rs: &str, vs: &str, script: &str, reason: Option<&FailReason>, tail: &str) -> String {
    let outcome = match reason {
        None => "succeeded".to_string(),
        Some(FailReason::ScriptExit(c)) => format!("failed{tail} (exited with status {c})"),
        Some(FailReason::ScriptSignal(s)) => format!("failed{tail} (due to signal {s})"),
        Some(FailReason::Timeout) => format!("timed out{tail}"),
        Some(_) => format!("failed{tail}"),
    };
    format!("Misc check for [{rs} VS {vs}] by [{script}] {outcome}.")
}

/// `update_svr_wgt`'s line.
pub fn weight_line(rs: &str, vs: &str, from: i32, to: i32, alive: bool) -> String {
    format!(
        "Changing weight from {from} to {to} for {}active service {rs} of VS {vs}",
        if alive { "" } else { "in" }
    )
}

/// `perform_svr_state`'s line: a real server enters or leaves the pool.
pub fn rs_state_line(rs: &str, vs: &str, alive: bool, inhibit: bool) -> String {
    let verb = match (alive, inhibit) {
        (true, true) => "Enabl",
        (true, false) => "Add",
        (false, true) => "Disabl",
        (false, false) => "Remov",
    };
    let prep = if inhibit {
        "of"
    } else if alive {
        "to"
    } else {
        "from"
    };
    format!("{verb}ing service {rs} {prep} VS {vs}")
}

/// `clear_service_rs`'s line, at shutdown or when a reload drops the server.
pub fn clear_rs_line(rs: &str, vs: &str, stopping: bool, inhibited: bool) -> String {
    format!(
        "{} {}service {rs} from VS {vs}",
        if stopping {
            "Shutting down"
        } else {
            "Removing"
        },
        if inhibited { "(inhibited) " } else { "" }
    )
}

/// `update_quorum_state`'s lines, with the sorry server's when it moves (`sorry`: its
/// `FMT_RS` and `inhibit`).
pub fn quorum_lines(
    vs: &str,
    up: bool,
    init: bool,
    (quorum, hysteresis, threshold, weight_sum): (u32, u32, i64, i64),
    sorry: Option<(&str, bool)>,
) -> Vec<String> {
    let mut out = Vec::new();
    if up {
        out.push(format!(
            "Gained quorum {quorum}+{hysteresis}={threshold} <= {weight_sum} for VS {vs}"
        ));
        if let Some((s, inhibit)) = sorry {
            out.push(format!(
                "{} sorry server {s} from VS {vs}",
                if inhibit { "Disabling" } else { "Removing" }
            ));
            out.push(format!("Adding alive servers to the pool for VS {vs}"));
        }
    } else {
        out.push(format!(
            "{} {quorum}-{hysteresis}={threshold} > {weight_sum} for VS {vs}",
            if init {
                "Starting with quorum down"
            } else {
                "Lost quorum"
            }
        ));
        if let Some((s, inhibit)) = sorry {
            out.push(format!(
                "{} sorry server {s} to VS {vs}",
                if inhibit { "Enabling" } else { "Adding" }
            ));
            out.push(format!("Removing alive servers from the pool for VS {vs}"));
        }
    }
    out
}

#[cfg(test)]
mod tests;
