//! Why a check failed, and why a checker configuration was refused.

use std::fmt;
use std::io;

/// What the caller's I/O layer reported when a connection could not be made, broke, or drew
/// an ICMP error: data, not text, so that a log can word each cause as keepalived does and a
/// counter can tell them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IoFailure {
    /// A system call failed with this errno (for ICMP errors, the errno the socket reported:
    /// `ECONNREFUSED` for port unreachable, `EHOSTUNREACH`, `ENETUNREACH`).
    Os(i32),
    /// An error without an errno, by kind (`NotConnected`, `Unsupported`, …).
    Kind(io::ErrorKind),
    /// The TLS handshake or session failed (SSL_GET), or TLS is unavailable.
    Tls,
}

impl IoFailure {
    /// The errno of `e` if it has one, else its kind.
    pub fn of(e: &io::Error) -> Self {
        match e.raw_os_error() {
            Some(errno) => IoFailure::Os(errno),
            None => IoFailure::Kind(e.kind()),
        }
    }

    /// The errno, if the failure has one.
    pub fn errno(self) -> Option<i32> {
        match self {
            IoFailure::Os(errno) => Some(errno),
            _ => None,
        }
    }

    /// The `io::ErrorKind` of the failure (`Other` for TLS).
    pub fn kind(self) -> io::ErrorKind {
        match self {
            IoFailure::Os(errno) => io::Error::from_raw_os_error(errno).kind(),
            IoFailure::Kind(kind) => kind,
            IoFailure::Tls => io::ErrorKind::Other,
        }
    }
}

impl From<&io::Error> for IoFailure {
    fn from(e: &io::Error) -> Self {
        IoFailure::of(e)
    }
}

impl fmt::Display for IoFailure {
    /// `io::Error`'s wording: "Connection refused (os error 111)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IoFailure::Os(errno) => io::Error::from_raw_os_error(*errno).fmt(f),
            IoFailure::Kind(kind) => kind.fmt(f),
            IoFailure::Tls => f.write_str("TLS failure"),
        }
    }
}

/// Why one check attempt failed; one variant per distinct cause so logs and counters can say
/// exactly what went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FailReason {
    /// The whole attempt exceeded `connect_timeout` (or `misc_timeout`).
    #[error("timed out")]
    Timeout,
    /// The connection was not established within `connect_timeout` (HTTP_GET, SSL_GET,
    /// SMTP_CHECK; keepalived's "Timeout connecting" / "Connection timeout to server").
    #[error("timed out connecting")]
    ConnectTimeout,
    /// HTTP: the response had begun but did not end within `connect_timeout` (keepalived's
    /// "Timeout HTTP read", as opposed to "Timeout WEB read" when nothing came back).
    #[error("timed out reading the response")]
    ResponseTimeout,
    /// The connection could not be made.
    #[error("connection failed: {0}")]
    ConnectFailed(IoFailure),
    /// An established connection failed (HTTP_GET, SSL_GET, SMTP_CHECK; keepalived's
    /// "Read error with server" / "Read failure from server").
    #[error("connection error: {0}")]
    ReadFailed(IoFailure),
    /// The peer closed before the check was complete.
    #[error("connection closed early")]
    UnexpectedEof,
    /// An ICMP error came back (UDP_CHECK, DNS_CHECK, PING_CHECK).
    #[error("ICMP error: {0}")]
    Icmp(IoFailure),
    /// HTTP: the response header could not be parsed.
    #[error("malformed HTTP response: {0}")]
    HttpMalformed(String),
    /// HTTP: the response header exceeded the size limit.
    #[error("HTTP response header larger than {0} bytes")]
    HttpHeaderTooLarge(usize),
    /// HTTP: the status code is outside the accepted `status_code` set.
    #[error("HTTP status code {code} of url {url}")]
    HttpStatus {
        /// The status returned.
        code: u16,
        /// The url's path.
        url: String,
    },
    /// HTTP: the body's MD5 differs from `digest`.
    #[error("MD5 digest mismatch of url {url}: expected {expected}, got {got}")]
    DigestMismatch {
        /// The url's path.
        url: String,
        /// Configured digest.
        expected: String,
        /// Digest of the received body.
        got: String,
    },
    /// HTTP: `regex` did not match (or matched, with `regex_no_match`).
    #[error("regex {} of url {url}", if *.matched { "matched" } else { "did not match" })]
    Regex {
        /// The url's path.
        url: String,
        /// Whether the pattern matched.
        matched: bool,
    },
    /// SMTP: a reply had an unexpected code.
    #[error("SMTP {stage}: unexpected reply code {code}")]
    SmtpReply {
        /// Banner, HELO.
        stage: &'static str,
        /// The code received.
        code: u16,
    },
    /// SMTP: a reply line was not `NNN[ -]text` or was too long.
    #[error("malformed SMTP reply")]
    SmtpMalformed,
    /// DNS: the reply could not be parsed.
    #[error("malformed DNS reply: {0}")]
    DnsMalformed(String),
    /// DNS: the reply's RCODE is not NOERROR.
    #[error("DNS RCODE {0}")]
    DnsRcode(u16),
    /// DNS: no answer of the requested type.
    #[error("DNS reply has no {0} answer")]
    DnsNoAnswer(String),
    /// UDP: the reply length is outside `min_reply_length..=max_reply_length`.
    #[error("UDP reply length {0} out of range")]
    UdpReplyLength(usize),
    /// UDP: the reply does not match `require_reply`.
    #[error("UDP reply does not match")]
    UdpReplyMismatch,
    /// MISC: the script exited with a failure status.
    #[error("script exited with status {0}")]
    ScriptExit(u8),
    /// MISC: a signal killed the script.
    #[error("script killed by signal {0}")]
    ScriptSignal(i32),
    /// FILE: the tracked file's value means fault.
    #[error("tracked file value {0} means fault")]
    FileFault(i64),
    /// BFD: the session is down.
    #[error("BFD session down")]
    BfdDown,
}

/// Why a checker configuration could not be turned into a state machine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// An HTTP `regex` does not compile.
    #[error("invalid regex {pattern:?}: {message}")]
    Regex {
        /// The pattern.
        pattern: String,
        /// The compiler's message.
        message: String,
    },
    /// A `regex_options` entry this engine cannot honour.
    #[error("unsupported regex option {0:?}")]
    RegexOption(String),
    /// A `digest` that is not 32 hex digits.
    #[error("invalid MD5 digest {0:?}")]
    Digest(String),
    /// A DNS `name` that is not a valid domain name.
    #[error("invalid DNS name {name:?}: {message}")]
    DnsName {
        /// The name.
        name: String,
        /// The parser's message.
        message: String,
    },
    /// An HTTP checker with no url.
    #[error("HTTP checker has no url")]
    NoUrl,
    /// `require_reply` and its mask have different lengths.
    #[error("UDP reply data and mask lengths differ")]
    UdpMask,
}
