#![doc = include_str!("../README.md")]
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
