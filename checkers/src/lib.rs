//! Health-check state machines (TCP, HTTP_GET, SSL_GET, SMTP, DNS, MISC, UDP, PING, FILE, BFD)
//! and the real-server / virtual-server pool logic that turns their results into a desired IPVS
//! table, following keepalived 2.2.7's `check/` semantics.
//!
//! Sans-IO: nothing here owns a socket, a thread, a child process or a clock. A [`Checker`]
//! takes time and I/O events in ([`Checker::handle_timeout`], [`Checker::handle_event`]) and
//! gives intentions out ([`Checker::poll_action`]: connect, send, close, run a script, send an
//! ICMP echo) and results ([`Checker::poll_result`]). A [`Pool`] takes those results and gives
//! notify events and the desired IPVS table.
//!
//! # Call order
//!
//! For each checker: `handle_event(now, ..)` for every I/O event, `handle_timeout(now)` when
//! `poll_timeout()` is reached (`now` never goes backwards), then drain `poll_action()` (perform
//! each) and `poll_result()` (hand each to `Pool::checker_result`). For the pool: `start()` once,
//! then after each result drain `poll_event()` and, when `take_table_changed()`, reconcile IPVS
//! with `desired()`; `stop()` at shutdown.
//!
//! # Configuration
//!
//! This crate does not depend on the configuration parser; the daemon maps its typed config:
//! a checker block becomes a [`CheckerConfig`] (its resolved timing plus the block's or real
//! server's `connect_timeout` as [`Timing`]; `connect_ip`/`connect_port`/`bind*`/`fwmark`
//! resolved against the real server as [`Target`]); a `virtual_server` becomes a
//! [`VirtualServerConfig`] whose [`RealServerConfig::checker_alpha`] lists each checker's
//! `alpha` in the order the daemon will name them ([`CheckerId`]) in `Pool::checker_result`.
//! Real servers carry keepalive-ipvs's `ForwardMethod`, and the desired table
//! ([`DesiredVirtual`]) lists keepalive-ipvs's `RealServerSpec`s.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod checker;
pub mod error;
pub mod event;
pub mod id;
pub mod pool;
pub mod proto;
pub mod timing;

pub use checker::{Checker, CheckerConfig, CheckerKind};
pub use error::{ConfigError, FailReason, IoFailure};
pub use event::{
    CheckAction, CheckResult, Family, IoEvent, Script, ScriptStatus, Source, Target, TlsParams,
    Transport,
};
pub use id::{CheckerId, RealServerId, VirtualServerId};
pub use pool::{
    DesiredVirtual, Pool, PoolEvent, PoolSettings, Protocol, RealServerConfig, SorryServerConfig,
    VirtualServerConfig, VsKey,
};
pub use proto::{
    BfdConfig, DnsConfig, DnsType, FileConfig, HttpConfig, HttpProtocol, MiscConfig, PingConfig,
    SmtpConfig, StatusRange, UdpConfig, UrlConfig,
};
pub use timing::{Rng, Timing};
