//! Health-check state machines (TCP, HTTP_GET, SSL_GET, SMTP, DNS, MISC, UDP, PING, FILE, BFD)
//! and the real-server / virtual-server pool logic that turns their results into a desired IPVS
//! table, following keepalived 2.2.7's `check/` semantics.
//!
//! Sans-IO: nothing here owns a socket, a thread, a child process or a clock. A [`Checker`]
//! takes time and I/O events in ([`Checker::handle_timeout`], [`Checker::handle_event`]) and
//! gives intentions out ([`Checker::poll_action`]: connect, send, close, run a script, send an
//! ICMP echo) and results ([`Checker::poll_result`]). A [`Pool`] takes those results and gives
//! notify events and the desired IPVS table.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod checker;
pub mod error;
pub mod event;
pub mod pool;
pub mod proto;
pub mod timing;

pub use checker::{Checker, CheckerConfig, CheckerKind};
pub use error::{ConfigError, FailReason};
pub use event::{
    CheckAction, CheckResult, Family, IoEvent, Script, ScriptStatus, Target, TlsParams, Transport,
};
pub use pool::{
    DesiredReal, DesiredVirtual, ForwardMethod, Pool, PoolEvent, PoolSettings, Protocol,
    RealServerConfig, SorryServerConfig, TunnelChecksum, TunnelKind, VirtualServerConfig, VsKey,
};
pub use proto::{
    BfdConfig, DnsConfig, DnsType, FileConfig, HttpConfig, HttpProtocol, MiscConfig, PingConfig,
    SmtpConfig, StatusRange, UdpConfig, UrlConfig,
};
pub use timing::{Rng, Timing};
