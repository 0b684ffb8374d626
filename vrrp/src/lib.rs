//! Sans-IO VRRP: the packet codec for VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798) over IPv4 and
//! IPv6, and the instance and sync-group state machines. This crate owns no socket, thread or
//! clock: time and bytes come in as arguments and intentions come out as values.
//!
//! Codec modules (see `API-CODEC.md` beside `Cargo.toml` for a walk-through):
//! [`packet`] (the VRRP message view and owned [`packet::AdvertRepr`]), [`ip`] (the IPv4 header
//! a raw socket delivers, pseudo-headers, full IPv4 emission), [`auth`] (PASS and keepalived's
//! IPSEC-AH), [`checksum`], [`rx`] (receive validation), [`error`] and [`stats`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
pub mod checksum;
pub mod error;
pub mod ip;
pub mod packet;
pub mod rx;
pub mod stats;

// The instance and sync-group state machines (sans-IO, see `Instance`).
pub mod action;
pub mod announce;
pub mod config;
#[cfg(feature = "confparse")]
pub mod from_config;
pub mod garp;
pub mod instance;
pub mod priority;
#[cfg(feature = "sim")]
pub mod sim;
pub mod state;
pub mod sync_group;
pub mod timers;
pub mod tracker;
pub mod unit;

pub use action::Action;
pub use config::InstanceConfig;
pub use instance::Instance;
pub use priority::Priority;
pub use state::State;
pub use sync_group::SyncGroup;
