//! The values that cross the sans-IO boundary: I/O intentions out, I/O events in, and results.

use std::net::IpAddr;
use std::sync::Arc;

use crate::error::{FailReason, IoFailure};

/// The transport of a checker's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A TCP stream (TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK).
    Tcp,
    /// A connected UDP socket (DNS_CHECK, UDP_CHECK).
    Udp,
}

/// The address family of a target, so the caller can open the right socket before it looks at
/// the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4.
    Inet,
    /// IPv6.
    Inet6,
}

impl Family {
    /// The family of `addr`.
    pub fn of(addr: IpAddr) -> Self {
        match addr {
            IpAddr::V4(_) => Family::Inet,
            IpAddr::V6(_) => Family::Inet6,
        }
    }
}

/// TLS parameters of an SSL_GET connection; the caller runs the TLS session and feeds the
/// plaintext back as [`IoEvent::Data`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsParams {
    /// Server name to send as SNI (`enable_sni`); `None` sends none.
    pub sni: Option<String>,
    /// `tls_compliant`: send close_notify before closing.
    pub tls_compliant: bool,
}

/// Where and how a checker connects: the man page's generic connection options
/// (`connect_ip`, `connect_port`, `bindto`, `bind_if`, `bind_port`, `fwmark`), resolved against
/// the real server's address and port by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Address to connect to.
    pub addr: IpAddr,
    /// Port to connect to (ignored by PING_CHECK).
    pub port: u16,
    /// Source binding and mark, if any. Shared and out of line: few checkers set them, and
    /// every checker of thousands would otherwise carry their empty fields.
    pub source: Option<Arc<Source>>,
}

/// The source side of a checker's connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// `bindto`: source address.
    pub bindto: Option<IpAddr>,
    /// `bind_if`: interface to bind to.
    pub bind_if: Option<String>,
    /// `bind_port`: source port.
    pub bind_port: Option<u16>,
    /// `fwmark`: SO_MARK of the checker's packets.
    pub fwmark: Option<u32>,
}

impl Target {
    /// A target with no source binding or mark.
    pub fn new(addr: IpAddr, port: u16) -> Self {
        Target {
            addr,
            port,
            source: None,
        }
    }

    /// Its source settings; all unset when it has none.
    pub fn source(&self) -> &Source {
        static NONE: Source = Source {
            bindto: None,
            bind_if: None,
            bind_port: None,
            fwmark: None,
        };
        self.source.as_deref().unwrap_or(&NONE)
    }
}

/// A script to run (MISC_CHECK `misc_path`, notify scripts): argv plus the optional
/// `username [groupname]` to run it as.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// Program and arguments, already split as keepalived splits them.
    pub args: Vec<String>,
    /// User to run as.
    pub user: Option<String>,
    /// Group to run as.
    pub group: Option<String>,
}

/// An intention of a checker; the caller performs it and reports back with [`IoEvent`]s.
///
/// Every `Connect` and `SendIcmp` is eventually followed by exactly one `Close`; every
/// `RunScript` whose result is no longer wanted is followed by `KillScript`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckAction {
    /// Open a connection (TCP) or connected socket (UDP) to the target.
    Connect {
        /// Stream or datagram.
        transport: Transport,
        /// Family of `target.addr`.
        family: Family,
        /// Address, port and source binding.
        target: Target,
        /// Wrap the stream in TLS (SSL_GET).
        tls: Option<TlsParams>,
    },
    /// Write these bytes on the open connection (one datagram for UDP).
    Send(Vec<u8>),
    /// Close the connection opened by the last `Connect` / `SendIcmp`.
    Close,
    /// Start a child process; report its end with [`IoEvent::ScriptExited`].
    RunScript(Script),
    /// Kill the child started by the last `RunScript` (timeout); its exit is then ignored.
    KillScript,
    /// Send one ICMP / ICMPv6 echo request (the ICMP message, header included) to the target;
    /// report the reply's ICMP message as [`IoEvent::Data`].
    SendIcmp {
        /// Family of `target.addr`.
        family: Family,
        /// Address and source binding (port unused).
        target: Target,
        /// The ICMP message to send.
        packet: Vec<u8>,
    },
}

/// How a script ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptStatus {
    /// It exited with this status.
    Exited(u8),
    /// A signal killed it.
    Signaled(i32),
}

/// Something that happened on a checker's connection, child process or tracked object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IoEvent<'a> {
    /// The connection (and TLS handshake, if any) is established.
    Connected,
    /// The connection could not be made (refused, unreachable, TLS failure), or an
    /// established one failed.
    ConnectFailed(IoFailure),
    /// Bytes arrived (one datagram for UDP/ICMP, any chunk for TCP).
    Data(&'a [u8]),
    /// The peer closed the stream.
    Eof,
    /// An ICMP error was reported for the socket, as the errno it set (port unreachable is
    /// `ECONNREFUSED`, host unreachable `EHOSTUNREACH`).
    IcmpError(IoFailure),
    /// The child started by `RunScript` ended.
    ScriptExited(ScriptStatus),
    /// FILE_CHECK: the tracked file now holds this value.
    FileValue(i64),
    /// BFD_CHECK: the BFD session is up (`true`) or not.
    BfdState(bool),
}

/// A change a checker reports to the pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// The checker's state after this result.
    pub up: bool,
    /// `up` differs from the state before.
    pub changed: bool,
    /// This is the checker's first completed check.
    pub first: bool,
    /// The checker's new contribution to the real server's weight (MISC_CHECK `misc_dynamic`,
    /// FILE_CHECK `weight`); `None` when unchanged.
    pub weight: Option<i64>,
    /// Why the check failed (`None` on success).
    pub reason: Option<FailReason>,
    /// An attempt failed and will be retried; the state is unchanged. Only reported with
    /// `log_all_failures`, for logging; the pool ignores it.
    pub retry_pending: bool,
}
