//! HTTP_GET and SSL_GET: for each `url`, one connection, one `GET`, and a response whose status
//! is in `status_code` (default 200-299), whose body's MD5 equals `digest` and which matches
//! (or, with `regex_no_match`, does not match) `regex`. All urls must pass.
//!
//! The request is byte-for-byte keepalived's (`check_http.c` `request_template`). Which
//! response bytes are hashed is decided by [`ResponseBody`], which genhash uses too: the header
//! ends at `\r\n\r\n` (buffered under [`MAX_HEADER_BYTES`]), keepalived's case-sensitive
//! `Content-Length:` caps the body, and the digest covers the raw bytes after the header
//! (chunked framing is not decoded). The complete header's status line is read with
//! `httparse`. The body is hashed as it streams and only a bounded window of it is kept for
//! the regex, so a 1 GB body costs no more memory than a small one.

use md5::{Digest, Md5};
use regex::bytes::{Regex, RegexBuilder};

use super::http_body::{BodyPart, ResponseBody};
use super::tcp::{connect, failure_of};
use super::Step;
use crate::error::{ConfigError, FailReason};
use crate::event::{CheckAction, IoEvent, Target, TlsParams, Transport};

/// The largest response header accepted.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// The most header fields accepted.
const MAX_HEADERS: usize = 100;
/// The most body bytes (from `regex_min_offset` on) kept for the regex.
pub const REGEX_WINDOW: usize = 1024 * 1024;

/// `http_protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HttpProtocol {
    /// `1.0` (default).
    #[default]
    Http10,
    /// `1.0C`: 1.0 with `Connection: close`.
    Http10Close,
    /// `1.1` (always with `Connection: close`).
    Http11,
}

/// keepalived formats its GET into a `GET_BUFFER_LENGTH` (2048) buffer with `snprintf`
/// (`request_template` in check/check_http.c, shared by genhash), so at most 2047 bytes are
/// ever sent; a longer path is cut, as there.
pub const MAX_REQUEST_LEN: usize = 2047;

/// The GET keepalived's HTTP_GET/SSL_GET and genhash send for `path` to `host` (a virtual host,
/// or `addr:port` with an IPv6 literal in brackets). HTTP/1.1 and "1.0C" add
/// `Connection: close`.
pub fn request_bytes(path: &str, protocol: HttpProtocol, host: &str) -> Vec<u8> {
    let minor = u8::from(protocol == HttpProtocol::Http11);
    let close = if protocol == HttpProtocol::Http10 {
        ""
    } else {
        "Connection: close\r\n"
    };
    let mut request = format!(
        "GET {path} HTTP/1.{minor}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: {host}\r\n\r\n"
    )
    .into_bytes();
    request.truncate(MAX_REQUEST_LEN);
    request
}

/// An inclusive `status_code` range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRange {
    /// Lowest accepted code.
    pub min: u16,
    /// Highest accepted code.
    pub max: u16,
}

/// One `url` block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UrlConfig {
    /// `path`.
    pub path: String,
    /// `digest`: 32 hex digits (either case).
    pub digest: Option<String>,
    /// `status_code`; empty means 200-299.
    pub status_codes: Vec<StatusRange>,
    /// `virtualhost` of this url (overrides the checker's).
    pub virtualhost: Option<String>,
    /// `regex`.
    pub regex: Option<String>,
    /// `regex_no_match`.
    pub regex_no_match: bool,
    /// `regex_options` (PCRE2 names; see [`HttpProbe`] for the supported ones).
    pub regex_options: Vec<String>,
    /// `regex_min_offset`.
    pub regex_min_offset: Option<u64>,
    /// `regex_max_offset`.
    pub regex_max_offset: Option<u64>,
}

/// The settings of an `HTTP_GET` / `SSL_GET`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpConfig {
    /// `http_protocol`.
    pub protocol: HttpProtocol,
    /// The checker's `virtualhost`, already falling back to the real server's and the virtual
    /// server's.
    pub virtualhost: Option<String>,
    /// `Some` for SSL_GET.
    pub tls: Option<TlsParams>,
    /// `fast_recovery`.
    pub fast_recovery: bool,
    /// The `url` blocks, checked in order.
    pub urls: Vec<UrlConfig>,
}

#[derive(Debug)]
struct Url {
    path: String,
    virtualhost: Option<String>,
    digest: Option<[u8; 16]>,
    status: Vec<StatusRange>,
    regex: Option<Regex>,
    regex_no_match: bool,
    min_offset: u64,
    max_offset: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Connecting,
    Reading,
}

/// The HTTP_GET / SSL_GET probe.
///
/// `regex_options` map onto the `regex` crate: `caseless`, `multiline`, `dotall`, `extended`,
/// `ungreedy`, `utf`/`ucp` (Unicode on), `never_utf`/`never_ucp` (Unicode off); options that
/// only tune PCRE2's optimiser are accepted and ignored; the others are refused as
/// [`ConfigError::RegexOption`].
#[derive(Debug)]
pub struct HttpProbe {
    urls: Vec<Url>,
    protocol: HttpProtocol,
    virtualhost: Option<String>,
    tls: Option<TlsParams>,
    fast_recovery: bool,
    host: String,
    current: usize,
    stage: Stage,
    response: ResponseBody,
    md5: Md5,
    body_len: u64,
    window: Vec<u8>,
}

fn parse_digest(s: &str) -> Result<[u8; 16], ConfigError> {
    let bad = || ConfigError::Digest(s.into());
    if s.len() != 32 || !s.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn build_regex(u: &UrlConfig, pattern: &str) -> Result<Regex, ConfigError> {
    let mut b = RegexBuilder::new(pattern);
    for opt in &u.regex_options {
        match opt.as_str() {
            "caseless" => b.case_insensitive(true),
            "multiline" => b.multi_line(true),
            "dotall" => b.dot_matches_new_line(true),
            "extended" => b.ignore_whitespace(true),
            "ungreedy" => b.swap_greed(true),
            "utf" | "ucp" => b.unicode(true),
            "never_utf" | "never_ucp" => b.unicode(false),
            "no_auto_capture" | "no_auto_possess" | "no_dotstar_anchor" | "no_start_optimize"
            | "auto_callout" | "dupnames" | "use_offset_limit" | "dollar_endonly"
            | "never_backslash_c" => &mut b,
            other => return Err(ConfigError::RegexOption(other.into())),
        };
    }
    b.build().map_err(|e| ConfigError::Regex {
        pattern: pattern.into(),
        message: e.to_string(),
    })
}

impl HttpProbe {
    /// A probe for `config`, whose default Host header names `target`.
    pub fn new(config: HttpConfig, target: &Target) -> Result<Self, ConfigError> {
        if config.urls.is_empty() {
            return Err(ConfigError::NoUrl);
        }
        let mut urls = Vec::with_capacity(config.urls.len());
        for u in &config.urls {
            urls.push(Url {
                path: u.path.clone(),
                virtualhost: u.virtualhost.clone(),
                digest: u.digest.as_deref().map(parse_digest).transpose()?,
                status: if u.status_codes.is_empty() {
                    vec![StatusRange { min: 200, max: 299 }]
                } else {
                    u.status_codes.clone()
                },
                regex: u.regex.as_deref().map(|p| build_regex(u, p)).transpose()?,
                regex_no_match: u.regex_no_match,
                min_offset: u.regex_min_offset.unwrap_or(0),
                max_offset: u.regex_max_offset,
            });
        }
        let host = match target.addr {
            std::net::IpAddr::V4(a) => format!("{a}:{}", target.port),
            std::net::IpAddr::V6(a) => format!("[{a}]:{}", target.port),
        };
        Ok(HttpProbe {
            urls,
            protocol: config.protocol,
            virtualhost: config.virtualhost,
            tls: config.tls,
            fast_recovery: config.fast_recovery,
            host,
            current: 0,
            stage: Stage::Connecting,
            response: ResponseBody::new(MAX_HEADER_BYTES),
            md5: Md5::new(),
            body_len: 0,
            window: Vec::new(),
        })
    }

    /// The request for the current url, exactly as keepalived formats it.
    pub fn request(&self) -> Vec<u8> {
        let url = &self.urls[self.current];
        let host = url
            .virtualhost
            .as_deref()
            .or(self.virtualhost.as_deref())
            .unwrap_or(&self.host);
        request_bytes(&url.path, self.protocol, host)
    }

    pub(crate) fn fast_recovery(&self) -> bool {
        self.fast_recovery
    }

    pub(crate) fn advance(&mut self) -> bool {
        self.current += 1;
        if self.current < self.urls.len() {
            true
        } else {
            self.current = 0;
            false
        }
    }

    pub(crate) fn rewind(&mut self) {
        self.current = 0;
    }

    pub(crate) fn begin(&mut self, target: &Target, out: &mut Vec<CheckAction>) {
        self.stage = Stage::Connecting;
        self.response = ResponseBody::new(MAX_HEADER_BYTES);
        self.md5 = Md5::new();
        self.body_len = 0;
        self.window = Vec::new();
        out.push(connect(Transport::Tcp, target, self.tls.clone()));
    }

    pub(crate) fn on_event(&mut self, ev: &IoEvent<'_>, out: &mut Vec<CheckAction>) -> Step {
        match (self.stage, ev) {
            (Stage::Connecting, IoEvent::Connected) => {
                out.push(CheckAction::Send(self.request()));
                self.stage = Stage::Reading;
                Step::Pending
            }
            (Stage::Reading, IoEvent::Data(d)) => self.feed(d),
            (Stage::Reading, IoEvent::Eof) if self.response.header_done() => self.finish(),
            (Stage::Reading, IoEvent::ConnectFailed(why)) => {
                Step::Fail(FailReason::ReadFailed(*why))
            }
            (_, other) => failure_of(other).map_or(Step::Pending, Step::Fail),
        }
    }

    /// Why the attempt's deadline hit: still connecting, no response yet, or a response cut
    /// short; keepalived words the three differently.
    pub(crate) fn deadline_reason(&self) -> FailReason {
        match self.stage {
            Stage::Connecting => FailReason::ConnectTimeout,
            Stage::Reading if self.response.is_empty() => FailReason::Timeout,
            Stage::Reading => FailReason::ResponseTimeout,
        }
    }

    /// Feed raw response bytes (header and body) outside a checker; used by fuzzing and
    /// `genhash`-style tools. Returns the step after these bytes.
    pub fn feed_response(&mut self, bytes: &[u8]) -> Step {
        self.stage = Stage::Reading;
        self.feed(bytes)
    }

    /// The end of the stream, outside a checker.
    pub fn feed_eof(&mut self) -> Step {
        if self.response.header_done() {
            self.finish()
        } else {
            Step::Fail(FailReason::UnexpectedEof)
        }
    }

    fn feed(&mut self, data: &[u8]) -> Step {
        let url = &self.urls[self.current];
        let wants_body = url.digest.is_some() || url.regex.is_some();
        let mut status = None;
        let (md5, window, body_len) = (&mut self.md5, &mut self.window, &mut self.body_len);
        self.response.feed(data, |part| match part {
            BodyPart::Header(h) => status = Some(status_code(h)),
            BodyPart::Body(b) if wants_body => absorb(url, md5, window, body_len, b),
            BodyPart::Body(_) => {}
        });
        if let Some(status) = status {
            let code = match status {
                Ok(code) => code,
                Err(fail) => return Step::Fail(fail),
            };
            if !url.status.iter().any(|r| (r.min..=r.max).contains(&code)) {
                return Step::Fail(FailReason::HttpStatus {
                    code,
                    url: url.path.clone(),
                });
            }
            if !wants_body {
                return Step::Pass;
            }
        }
        if !self.response.header_done() {
            return if self.response.header_room() == 0 {
                Step::Fail(FailReason::HttpHeaderTooLarge(MAX_HEADER_BYTES))
            } else {
                Step::Pending
            };
        }
        if self.response.is_complete() {
            self.finish()
        } else {
            Step::Pending
        }
    }

    fn finish(&mut self) -> Step {
        let url = &self.urls[self.current];
        if let Some(want) = url.digest {
            let got: [u8; 16] = std::mem::take(&mut self.md5).finalize().into();
            if got != want {
                return Step::Fail(FailReason::DigestMismatch {
                    url: url.path.clone(),
                    expected: hex(&want),
                    got: hex(&got),
                });
            }
        }
        if let Some(re) = &url.regex {
            let matched = re.find(&self.window).is_some_and(|m| {
                url.max_offset
                    .is_none_or(|max| url.min_offset + m.start() as u64 <= max)
            });
            if matched == url.regex_no_match {
                return Step::Fail(FailReason::Regex {
                    url: url.path.clone(),
                    matched,
                });
            }
        }
        Step::Pass
    }
}

/// The status code of a complete header (`\r\n\r\n` included), read with `httparse`.
fn status_code(header: &[u8]) -> Result<u16, FailReason> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    match resp.parse(header) {
        Ok(httparse::Status::Complete(_)) => Ok(resp.code.unwrap_or(0)),
        Ok(httparse::Status::Partial) => Err(FailReason::HttpMalformed("incomplete header".into())),
        Err(e) => Err(FailReason::HttpMalformed(e.to_string())),
    }
}

/// Hashes body bytes for `digest` and keeps those from `regex_min_offset` on, up to
/// [`REGEX_WINDOW`], for `regex`.
fn absorb(url: &Url, md5: &mut Md5, window: &mut Vec<u8>, body_len: &mut u64, d: &[u8]) {
    if url.digest.is_some() {
        md5.update(d);
    }
    if url.regex.is_some() && window.len() < REGEX_WINDOW {
        let start = *body_len;
        let end = start + d.len() as u64;
        let from = url.min_offset.max(start);
        if from < end {
            let slice = &d[(from - start) as usize..];
            let n = slice.len().min(REGEX_WINDOW - window.len());
            window.extend_from_slice(&slice[..n]);
        }
    }
    *body_len += d.len() as u64;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::IoFailure;
    use std::io;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn target() -> Target {
        Target::new(Ipv4Addr::new(192, 0, 2, 10).into(), 8080)
    }

    fn probe(urls: Vec<UrlConfig>) -> HttpProbe {
        HttpProbe::new(
            HttpConfig {
                urls,
                ..HttpConfig::default()
            },
            &target(),
        )
        .unwrap()
    }

    fn url(path: &str) -> UrlConfig {
        UrlConfig {
            path: path.into(),
            ..UrlConfig::default()
        }
    }

    #[test]
    fn deadline_and_errors_name_the_stage() {
        let mut p = probe(vec![url("/")]);
        let mut out = Vec::new();
        p.begin(&target(), &mut out);
        assert_eq!(p.deadline_reason(), FailReason::ConnectTimeout);
        assert_eq!(
            p.on_event(
                &IoEvent::ConnectFailed(IoFailure::Kind(io::ErrorKind::ConnectionRefused)),
                &mut out
            ),
            Step::Fail(FailReason::ConnectFailed(IoFailure::Kind(
                io::ErrorKind::ConnectionRefused
            )))
        );
        p.begin(&target(), &mut out);
        assert_eq!(p.on_event(&IoEvent::Connected, &mut out), Step::Pending);
        assert_eq!(p.deadline_reason(), FailReason::Timeout);
        assert_eq!(
            p.on_event(&IoEvent::Data(b"HTTP/1.0 20"), &mut out),
            Step::Pending
        );
        assert_eq!(p.deadline_reason(), FailReason::ResponseTimeout);
        assert_eq!(
            p.on_event(
                &IoEvent::ConnectFailed(IoFailure::Kind(io::ErrorKind::ConnectionReset)),
                &mut out
            ),
            Step::Fail(FailReason::ReadFailed(IoFailure::Kind(
                io::ErrorKind::ConnectionReset
            )))
        );
    }

    #[test]
    fn request_templates() {
        let mut p = probe(vec![url("/health")]);
        assert_eq!(
            p.request(),
            b"GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 192.0.2.10:8080\r\n\r\n"
        );
        p.protocol = HttpProtocol::Http10Close;
        p.virtualhost = Some("www.example.com".into());
        assert_eq!(
            p.request(),
            b"GET /health HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example.com\r\n\r\n"
        );
        p.protocol = HttpProtocol::Http11;
        p.urls[0].virtualhost = Some("u.example.com".into());
        assert_eq!(
            p.request(),
            b"GET /health HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: u.example.com\r\n\r\n"
        );
        let p6 = HttpProbe::new(
            HttpConfig {
                urls: vec![url("/")],
                ..HttpConfig::default()
            },
            &Target::new(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).into(), 80),
        )
        .unwrap();
        assert!(String::from_utf8(p6.request())
            .unwrap()
            .contains("Host: [2001:db8::1]:80\r\n"));
    }

    #[test]
    fn status_ranges() {
        let mut u = url("/");
        u.status_codes = vec![
            StatusRange { min: 200, max: 200 },
            StatusRange { min: 400, max: 499 },
        ];
        for (code, ok) in [(200, true), (404, true), (201, false), (503, false)] {
            let mut p = probe(vec![u.clone()]);
            let resp = format!("HTTP/1.0 {code} X\r\n\r\n");
            let step = p.feed_response(resp.as_bytes());
            assert_eq!(step == Step::Pass, ok, "code {code}: {step:?}");
        }
        let mut p = probe(vec![url("/")]);
        assert_eq!(p.feed_response(b"HTTP/1.1 299 OK\r\n\r\n"), Step::Pass);
        let mut p = probe(vec![url("/")]);
        assert!(matches!(
            p.feed_response(b"HTTP/1.1 302 Found\r\n\r\n"),
            Step::Fail(FailReason::HttpStatus { code: 302, .. })
        ));
    }

    fn digest_url(body: &[u8]) -> UrlConfig {
        let mut u = url("/");
        u.digest = Some(hex(&Md5::digest(body)).to_uppercase());
        u
    }

    #[test]
    fn digest_match_mismatch_and_byte_at_a_time() {
        let body = b"<html>hello</html>";
        let resp = [b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\n".as_ref(), body].concat();
        let mut p = probe(vec![digest_url(body)]);
        for b in &resp {
            assert_eq!(p.feed_response(std::slice::from_ref(b)), Step::Pending);
        }
        assert_eq!(p.feed_eof(), Step::Pass);

        let mut p = probe(vec![digest_url(b"other")]);
        assert_eq!(p.feed_response(&resp), Step::Pending);
        assert!(matches!(
            p.feed_eof(),
            Step::Fail(FailReason::DigestMismatch { .. })
        ));
    }

    #[test]
    fn content_length_ends_the_body() {
        let mut p = probe(vec![digest_url(b"abc")]);
        assert_eq!(
            p.feed_response(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab"),
            Step::Pending
        );
        assert_eq!(p.feed_response(b"cTRAILING"), Step::Pass);
    }

    #[test]
    fn large_body_is_streamed_in_bounded_memory() {
        let chunk = vec![b'x'; 64 * 1024];
        let mut reference = Md5::new();
        for _ in 0..256 {
            reference.update(&chunk);
        }
        let mut u = url("/");
        u.digest = Some(hex(&reference.finalize()));
        u.regex = Some("y".into());
        u.regex_no_match = true;
        let mut p = probe(vec![u]);
        assert_eq!(p.feed_response(b"HTTP/1.0 200 OK\r\n\r\n"), Step::Pending);
        for _ in 0..256 {
            assert_eq!(p.feed_response(&chunk), Step::Pending);
        }
        assert!(p.window.capacity() <= 2 * REGEX_WINDOW);
        assert_eq!(p.feed_eof(), Step::Pass);
    }

    #[test]
    fn regex_with_offsets_and_no_match() {
        let resp = b"HTTP/1.0 200 OK\r\n\r\n0123456789 status=OK end";
        let mk = |re: &str, no_match: bool, min: Option<u64>, max: Option<u64>, opts: &[&str]| {
            let mut u = url("/");
            u.regex = Some(re.into());
            u.regex_no_match = no_match;
            u.regex_min_offset = min;
            u.regex_max_offset = max;
            u.regex_options = opts.iter().map(|s| s.to_string()).collect();
            let mut p = probe(vec![u]);
            p.feed_response(resp);
            p.feed_eof()
        };
        assert_eq!(mk("status=OK", false, None, None, &[]), Step::Pass);
        assert_eq!(
            mk("STATUS=ok", false, None, None, &["caseless"]),
            Step::Pass
        );
        assert!(matches!(
            mk("status=BAD", false, None, None, &[]),
            Step::Fail(FailReason::Regex { matched: false, .. })
        ));
        assert!(matches!(
            mk("status=OK", true, None, None, &[]),
            Step::Fail(FailReason::Regex { matched: true, .. })
        ));
        assert_eq!(mk("status=BAD", true, None, None, &[]), Step::Pass);
        // "status" starts at body offset 11.
        assert_eq!(mk("status", false, Some(5), Some(11), &[]), Step::Pass);
        assert!(matches!(
            mk("status", false, None, Some(10), &[]),
            Step::Fail(_)
        ));
        assert!(matches!(
            mk("0123", false, Some(1), None, &[]),
            Step::Fail(_)
        ));
    }

    #[test]
    fn bad_regex_and_options_are_config_errors() {
        let mut u = url("/");
        u.regex = Some("(".into());
        assert!(matches!(
            HttpProbe::new(
                HttpConfig {
                    urls: vec![u.clone()],
                    ..Default::default()
                },
                &target()
            ),
            Err(ConfigError::Regex { .. })
        ));
        u.regex = Some("a".into());
        u.regex_options = vec!["firstline".into()];
        assert_eq!(
            HttpProbe::new(
                HttpConfig {
                    urls: vec![u],
                    ..Default::default()
                },
                &target()
            )
            .unwrap_err(),
            ConfigError::RegexOption("firstline".into())
        );
        let mut u = url("/");
        u.digest = Some("xyz".into());
        assert!(matches!(
            HttpProbe::new(
                HttpConfig {
                    urls: vec![u],
                    ..Default::default()
                },
                &target()
            ),
            Err(ConfigError::Digest(_))
        ));
    }

    #[test]
    fn header_limit_and_garbage() {
        let mut p = probe(vec![url("/")]);
        assert_eq!(p.feed_response(b"HTTP/1.0 200 OK\r\n"), Step::Pending);
        let filler = vec![b'a'; 1024];
        let mut last = Step::Pending;
        for _ in 0..100 {
            last = p.feed_response(&filler);
            if last != Step::Pending {
                break;
            }
        }
        assert!(matches!(
            last,
            Step::Fail(FailReason::HttpHeaderTooLarge(_))
                | Step::Fail(FailReason::HttpMalformed(_))
        ));
        let mut p = probe(vec![url("/")]);
        assert!(matches!(
            p.feed_response(b"SSH-2.0-OpenSSH\r\n\r\n"),
            Step::Fail(FailReason::HttpMalformed(_))
        ));
        let mut p = probe(vec![url("/")]);
        assert_eq!(p.feed_response(b"HTTP/1.0 20"), Step::Pending);
        assert_eq!(p.feed_eof(), Step::Fail(FailReason::UnexpectedEof));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_responses_never_panic(chunks in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..300), 0..6), prefix in proptest::bool::ANY) {
            let mut u = digest_url(b"x");
            u.regex = Some("a+b".into());
            u.regex_min_offset = Some(3);
            u.regex_max_offset = Some(50);
            let mut p = probe(vec![u]);
            if prefix { let _ = p.feed_response(b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n"); }
            for c in &chunks {
                if p.feed_response(c) != Step::Pending { break; }
            }
            let _ = p.feed_eof();
        }
    }
}
