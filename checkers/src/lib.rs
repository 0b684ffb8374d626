#![doc = include_str!("../README.md")]
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
    CheckAction, CheckResult, Family, IoEvent, Script, ScriptStatus, Source, Target, TlsParams,
    Transport,
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
