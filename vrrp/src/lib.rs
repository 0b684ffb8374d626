#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod manual;

pub mod auth;
mod checksum;
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
mod priority;
#[cfg(feature = "sim")]
pub mod sim;
mod state;
pub mod sync_group;
mod timers;
pub mod tracker;
pub mod unit;

pub use action::Action;
pub use config::InstanceConfig;
pub use instance::Instance;
pub use priority::Priority;
pub use state::State;
pub use sync_group::SyncGroup;
