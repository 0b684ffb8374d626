#![doc = include_str!("../README.md")]
//!
//! # Modules
//! - [`packet`]: the control packet (RFC 5880 §4.1–§4.4), view and owned form;
//! - [`auth`]: authentication (§6.7);
//! - [`fsm`]: the session state machine as a table (§6.2, §6.8.4, §6.8.6, §6.8.16);
//! - [`Session`] and [`Sessions`]: timers (§6.8.3, §6.8.4, §6.8.7), Poll sequences (§6.5)
//!   and demultiplexing (RFC 5881 §3, RFC 5883 §4);
//! - [`rx`]: the header checks of §6.8.6;
//! - [`error`] and [`stats`]: one error variant and one counter per receive check (§6.8.6).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod auth;
mod config;
mod endpoint;
pub mod error;
#[cfg(feature = "confparse")]
pub mod from_config;
pub mod fsm;
pub mod packet;
mod rng;
pub mod rx;
mod session;
#[cfg(feature = "sim")]
pub mod sim;
pub mod stats;
pub mod timers;

pub use auth::AuthConfig;
pub use config::{RxMeta, SessionConfig, MIN_IDLE_TX};
pub use endpoint::{DiscrHash, DiscrHasher, Event, SessionId, Sessions, Transmit};
pub use error::{EmitError, ParseError, RxError};
pub use packet::{AuthSection, AuthType, BfdPacket, ControlRepr, Diag, Interval, State};
pub use rng::Rng;
pub use session::Session;
pub use stats::{RxCounters, SessionStats};
