//! Errors of the reflector and of the command socket: one variant per cause, each saying what
//! was being done so a log line can be acted upon without a packet capture.

use std::io;

use nix::errno::Errno;

/// Everything that can go wrong while talking rtnetlink or touching sysctls.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The netlink socket could not be created, bound or configured.
    #[error("netlink socket: {step}: {source}")]
    Socket {
        /// Which step failed (open, bind, join group, set receive buffer, …).
        step: &'static str,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Sending a request to the kernel failed.
    #[error("netlink send while {what}: {source}")]
    Send {
        /// The operation, e.g. `add address 192.0.2.1/24 on ifindex 3`.
        what: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// Receiving from the kernel failed (other than the overrun the reflector resyncs from).
    #[error("netlink receive while {what}: {source}")]
    Receive {
        /// The operation in progress.
        what: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The kernel answered a request with an error (the `NLMSG_ERROR` code).
    #[error("kernel refused to {what}: {errno}{}", reason(.message))]
    Kernel {
        /// The operation, e.g. `add route 198.51.100.0/24 table 100`.
        what: String,
        /// The errno the kernel returned (positive).
        errno: Errno,
        /// The kernel's extended-ack text (`NLMSGERR_ATTR_MSG`), e.g. "Nexthop has invalid
        /// gateway", when it gave one.
        message: Option<String>,
    },
    /// A message from the kernel could not be decoded.
    #[error("undecodable netlink message while {what}: {detail}")]
    Decode {
        /// The operation in progress.
        what: String,
        /// The decoder's explanation.
        detail: String,
    },
    /// A datagram was larger than the receive buffer and arrived cut short.
    #[error("netlink reply to {what} was truncated")]
    Truncated {
        /// The operation in progress.
        what: String,
    },
    /// The kernel did not answer a dump within the time bound (5 s).
    #[error("no netlink reply to {what} within 5 s")]
    Timeout {
        /// The operation in progress.
        what: String,
    },
    /// The kernel signalled that a dump was interrupted by a concurrent change
    /// (`NLM_F_DUMP_INTR`) too many times in a row.
    #[error("dump of {what} kept being interrupted by concurrent changes")]
    DumpInterrupted {
        /// What was being dumped.
        what: &'static str,
    },
    /// No interface has this name.
    #[error("no interface named {0:?}")]
    NoSuchInterface(String),
    /// The request is inconsistent before it reaches the kernel.
    #[error("invalid {what}: {why}")]
    InvalidSpec {
        /// What was being built (`address`, `route`, `rule`, `vmac`).
        what: &'static str,
        /// Why it is inconsistent.
        why: String,
    },
    /// A sysctl file could not be read or written.
    #[error("sysctl {path}: {source}")]
    Sysctl {
        /// The `/proc/sys/...` path.
        path: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// A sysctl file held something other than an unsigned integer.
    #[error("sysctl {path} holds {text:?}, not an integer")]
    SysctlValue {
        /// The `/proc/sys/...` path.
        path: String,
        /// What it held.
        text: String,
    },
}

fn reason(message: &Option<String>) -> String {
    message
        .as_ref()
        .map(|m| format!(" ({m})"))
        .unwrap_or_default()
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
