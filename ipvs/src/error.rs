//! Errors of the client and reconciler. A kernel refusal names the operation, the service or
//! destination, and the reason in the words ipvsadm's users know.

use crate::types::{DaemonState, DestKey, ServiceKey};
use std::fmt;
use std::io;

/// Linux errno values the IPVS control code returns (`net/netfilter/ipvs/ip_vs_ctl.c`).
mod errno {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const ESRCH: i32 = 3;
    pub const ENOMEM: i32 = 12;
    pub const EBUSY: i32 = 16;
    pub const EEXIST: i32 = 17;
    pub const EINVAL: i32 = 22;
    pub const ERANGE: i32 = 34;
    pub const ENOPROTOOPT: i32 = 92;
    pub const EOPNOTSUPP: i32 = 95;
    pub const EAFNOSUPPORT: i32 = 97;
}

/// What the client was doing; the subject of every error message.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Resolving the "IPVS" family through nlctrl.
    ResolveFamily,
    /// `GET_INFO`.
    GetInfo,
    /// `GET_SERVICE` dump.
    ListServices,
    /// `GET_SERVICE` of one.
    GetService(ServiceKey),
    /// `GET_DEST` dump of one service.
    ListDests(ServiceKey),
    /// `NEW_SERVICE`.
    AddService(ServiceKey),
    /// `SET_SERVICE`.
    EditService(ServiceKey),
    /// `DEL_SERVICE`.
    DelService(ServiceKey),
    /// `NEW_DEST`.
    AddDest(ServiceKey, DestKey),
    /// `SET_DEST`.
    EditDest(ServiceKey, DestKey),
    /// `DEL_DEST`.
    DelDest(ServiceKey, DestKey),
    /// `GET_DAEMON` dump.
    ListDaemons,
    /// `NEW_DAEMON`.
    StartDaemon(DaemonState),
    /// `DEL_DAEMON`.
    StopDaemon(DaemonState),
    /// `GET_CONFIG`.
    GetTimeouts,
    /// `SET_CONFIG`.
    SetTimeouts,
    /// `FLUSH`.
    Flush,
    /// `ZERO` of one service or all.
    Zero(Option<ServiceKey>),
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::ResolveFamily => f.write_str("resolve generic netlink family IPVS"),
            Operation::GetInfo => f.write_str("get IPVS info"),
            Operation::ListServices => f.write_str("list services"),
            Operation::GetService(s) => write!(f, "get service {s}"),
            Operation::ListDests(s) => write!(f, "list destinations of {s}"),
            Operation::AddService(s) => write!(f, "add service {s}"),
            Operation::EditService(s) => write!(f, "edit service {s}"),
            Operation::DelService(s) => write!(f, "delete service {s}"),
            Operation::AddDest(s, d) => write!(f, "add destination {d} to {s}"),
            Operation::EditDest(s, d) => write!(f, "edit destination {d} of {s}"),
            Operation::DelDest(s, d) => write!(f, "delete destination {d} from {s}"),
            Operation::ListDaemons => f.write_str("list sync daemons"),
            Operation::StartDaemon(st) => write!(f, "start {st} sync daemon"),
            Operation::StopDaemon(st) => write!(f, "stop {st} sync daemon"),
            Operation::GetTimeouts => f.write_str("get timeouts"),
            Operation::SetTimeouts => f.write_str("set timeouts"),
            Operation::Flush => f.write_str("flush IPVS table"),
            Operation::Zero(None) => f.write_str("zero all counters"),
            Operation::Zero(Some(s)) => write!(f, "zero counters of {s}"),
        }
    }
}

/// Why the kernel refused, read from the errno in the context of the operation (the same errno
/// means different things to different IPVS commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KernelReason {
    /// EEXIST on add service.
    ServiceExists,
    /// ESRCH: the service named by the request is not in the table.
    NoSuchService,
    /// EEXIST on add destination.
    DestExists,
    /// ENOENT on edit/delete destination.
    NoSuchDest,
    /// ENOENT on add/edit service: `ip_vs_<sched>` or `ip_vs_pe_<pe>` cannot be loaded.
    SchedulerOrPeNotFound,
    /// EEXIST on start daemon.
    DaemonRunning,
    /// ESRCH on stop daemon.
    NoDaemon,
    /// EPERM: needs CAP_NET_ADMIN.
    PermissionDenied,
    /// EINVAL: an attribute was refused (bad address family, netmask, weight, tunnel options…).
    InvalidArgument,
    /// ERANGE: negative weight, or lower threshold above upper.
    OutOfRange,
    /// ENOMEM.
    OutOfMemory,
    /// EBUSY.
    Busy,
    /// EOPNOTSUPP / ENOPROTOOPT / EAFNOSUPPORT: the kernel lacks the feature.
    NotSupported,
    /// Anything else.
    Other,
}

impl KernelReason {
    /// Classifies positive `errno` returned for `op`.
    pub fn classify(op: &Operation, errno: i32) -> KernelReason {
        use KernelReason as R;
        use Operation as O;
        match (errno, op) {
            (errno::EEXIST, O::AddService(_)) => R::ServiceExists,
            (errno::EEXIST, O::AddDest(..)) => R::DestExists,
            (errno::EEXIST, O::StartDaemon(_)) => R::DaemonRunning,
            (errno::ESRCH, O::StopDaemon(_)) => R::NoDaemon,
            (errno::ESRCH, _) => R::NoSuchService,
            (errno::ENOENT, O::AddService(_) | O::EditService(_)) => R::SchedulerOrPeNotFound,
            (errno::ENOENT, O::EditDest(..) | O::DelDest(..)) => R::NoSuchDest,
            (errno::EPERM, _) => R::PermissionDenied,
            (errno::EINVAL, _) => R::InvalidArgument,
            (errno::ERANGE, _) => R::OutOfRange,
            (errno::ENOMEM, _) => R::OutOfMemory,
            (errno::EBUSY, _) => R::Busy,
            (errno::EOPNOTSUPP | errno::ENOPROTOOPT | errno::EAFNOSUPPORT, _) => R::NotSupported,
            _ => R::Other,
        }
    }

    /// The errno a kernel returns for this reason (used by the in-memory model).
    pub fn errno(self) -> i32 {
        match self {
            KernelReason::ServiceExists
            | KernelReason::DestExists
            | KernelReason::DaemonRunning => errno::EEXIST,
            KernelReason::NoSuchService | KernelReason::NoDaemon => errno::ESRCH,
            KernelReason::NoSuchDest | KernelReason::SchedulerOrPeNotFound => errno::ENOENT,
            KernelReason::PermissionDenied => errno::EPERM,
            KernelReason::InvalidArgument | KernelReason::Other => errno::EINVAL,
            KernelReason::OutOfRange => errno::ERANGE,
            KernelReason::OutOfMemory => errno::ENOMEM,
            KernelReason::Busy => errno::EBUSY,
            KernelReason::NotSupported => errno::EOPNOTSUPP,
        }
    }
}

impl fmt::Display for KernelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KernelReason::ServiceExists => "service already exists",
            KernelReason::NoSuchService => "no such service",
            KernelReason::DestExists => "destination already exists",
            KernelReason::NoSuchDest => "no such destination",
            KernelReason::SchedulerOrPeNotFound => {
                "scheduler or persistence engine not found (module not available)"
            }
            KernelReason::DaemonRunning => "sync daemon already running",
            KernelReason::NoDaemon => "no sync daemon running",
            KernelReason::PermissionDenied => "permission denied (CAP_NET_ADMIN needed)",
            KernelReason::InvalidArgument => "invalid argument",
            KernelReason::OutOfRange => "weight or threshold out of range",
            KernelReason::OutOfMemory => "out of memory",
            KernelReason::Busy => "busy",
            KernelReason::NotSupported => "not supported by this kernel",
            KernelReason::Other => "refused",
        })
    }
}

/// Every way a client call can fail.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The netlink socket could not be opened, bound or connected.
    #[error("cannot open generic netlink socket: {0}")]
    Socket(#[source] io::Error),
    /// The "IPVS" generic netlink family is not registered: the `ip_vs` module is not loaded
    /// (or the kernel has no IPVS).
    #[error("generic netlink family IPVS not found (is the ip_vs module loaded?)")]
    FamilyNotFound,
    /// The kernel refused the request.
    #[error("{op}: {reason} (errno {errno})")]
    Kernel {
        /// What was asked.
        op: Operation,
        /// Positive errno.
        errno: i32,
        /// `errno` read in the context of `op`.
        reason: KernelReason,
    },
    /// Sending the request failed.
    #[error("{op}: send failed: {source}")]
    Send {
        /// What was asked.
        op: Operation,
        /// The socket error.
        #[source]
        source: io::Error,
    },
    /// Receiving the reply failed.
    #[error("{op}: receive failed: {source}")]
    Recv {
        /// What was asked.
        op: Operation,
        /// The socket error.
        #[source]
        source: io::Error,
    },
    /// A reply did not decode.
    #[error("{op}: malformed reply: {detail}")]
    Decode {
        /// What was asked.
        op: Operation,
        /// The decoder's message.
        detail: String,
    },
    /// A reply decoded but was not what the request calls for.
    #[error("{op}: unexpected reply: {detail}")]
    UnexpectedReply {
        /// What was asked.
        op: Operation,
        /// What came instead.
        detail: String,
    },
    /// No answer within the client's timeout ([`IpvsClient::set_timeout`](crate::IpvsClient)).
    #[error("{op}: no answer from the kernel within {timeout:?}")]
    Timeout {
        /// What was asked.
        op: Operation,
        /// How long the client waited for one datagram.
        timeout: std::time::Duration,
    },
    /// The kernel's table changed during a dump three times in a row (`NLM_F_DUMP_INTR`).
    #[error("{op}: dump interrupted by concurrent changes")]
    DumpInterrupted {
        /// What was asked.
        op: Operation,
    },
    /// A decoded object lacks an attribute it cannot do without.
    #[error("{what} without {attr} attribute")]
    MissingAttribute {
        /// Which object.
        what: &'static str,
        /// Which attribute.
        attr: &'static str,
    },
}

impl Error {
    /// The kernel error for `op` and positive `errno`.
    pub fn kernel(op: Operation, errno: i32) -> Error {
        let reason = KernelReason::classify(&op, errno);
        Error::Kernel { op, errno, reason }
    }

    /// The kernel's errno, if the kernel refused.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Kernel { errno, .. } => Some(*errno),
            _ => None,
        }
    }

    /// The reason, if the kernel refused.
    pub fn reason(&self) -> Option<KernelReason> {
        match self {
            Error::Kernel { reason, .. } => Some(*reason),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Protocol;

    fn svc() -> ServiceKey {
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: "192.0.2.1".parse().unwrap(),
            port: 80,
        }
    }

    #[test]
    fn message_names_service_destination_and_reason() {
        let d = DestKey {
            addr: "198.51.100.2".parse().unwrap(),
            port: 80,
        };
        let e = Error::kernel(Operation::AddDest(svc(), d), 17);
        assert_eq!(
            e.to_string(),
            "add destination 198.51.100.2:80 to TCP 192.0.2.1:80: destination already exists (errno 17)"
        );
        assert_eq!(e.errno(), Some(17));
    }

    #[test]
    fn same_errno_means_different_things() {
        assert_eq!(
            KernelReason::classify(&Operation::AddService(svc()), 2),
            KernelReason::SchedulerOrPeNotFound
        );
        let d = DestKey {
            addr: "198.51.100.2".parse().unwrap(),
            port: 80,
        };
        assert_eq!(
            KernelReason::classify(&Operation::DelDest(svc(), d), 2),
            KernelReason::NoSuchDest
        );
        assert_eq!(
            KernelReason::classify(&Operation::DelDest(svc(), d), 3),
            KernelReason::NoSuchService
        );
        assert_eq!(
            KernelReason::classify(&Operation::StopDaemon(DaemonState::Master), 3),
            KernelReason::NoDaemon
        );
    }
}
