#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

/// The public API on one page: each layer, its types and calls (the crate's `API.md`).
#[doc = include_str!("../API.md")]
pub mod manual {}

pub mod client;
pub mod error;
#[cfg(feature = "confparse")]
pub mod from_config;
pub mod ipvsadm;
pub mod nl;
pub mod reconcile;
pub mod request;
pub mod types;

pub use client::IpvsClient;
pub use error::{Error, KernelReason, Operation};
pub use types::{
    AddressFamily, DaemonState, Dest, DestConfig, DestKey, ForwardMethod, Info, Protocol, Service,
    ServiceConfig, ServiceFlags, ServiceKey, Stats, SyncDaemon, TimeoutUpdate, Timeouts, Tunnel,
    TunnelFlags, TunnelType,
};
