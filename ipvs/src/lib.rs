//! IPVS over generic netlink: a codec for every command and attribute of `linux/ip_vs.h`, a small
//! blocking client, and a reconciler that turns a desired table into the minimal set of kernel
//! operations.
//!
//! * [`nl`] — the wire codec (pure; rust-netlink `Nla` enums, [`nl::IpvsMessage`] is the
//!   [`GenlFamily`](netlink_packet_generic::GenlFamily) payload).
//! * [`types`] — typed services, destinations, daemons, timeouts.
//! * [`request`] — the request message of each operation (pure, golden-tested).
//! * [`IpvsClient`] — blocking calls over a netlink socket.
//! * [`reconcile`] — pure planning (`plan`) + [`reconcile::apply`], ownership tracking,
//!   `lvs_flush`, `lvs_flush_on_stop`, `lvs_timeouts`, `lvs_sync_daemon`.
//! * `from_config` (feature `confparse`) — keepalive-confparse's typed `keepalived.conf` →
//!   reconciler specs, as keepalived's `ipvswrapper.c` fills its rules.
//!
//! See `API.md` beside `Cargo.toml` for an overview.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

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
