#![doc = include_str!("../README.md")]
//!
//! # Modules
//! - [`packet`]: the control packet (RFC 5880 §4.1–§4.4), view and owned form;
//! - [`auth`]: authentication (§6.7);
//! - [`fsm`]: the session state machine as a table (§6.2, §6.8.4, §6.8.6, §6.8.16);
//! - [`Session`] and [`Sessions`]: timers (§6.8.3, §6.8.4, §6.8.7), Poll sequences (§6.5)
//!   and demultiplexing (RFC 5881 §3, RFC 5883 §4);
//! - [`rx`]: the header checks of §6.8.6;
//! - [`error`] and [`stats`]: one error variant and one counter per receive check (§6.8.6);
//! - `from_config` (feature `confparse`): keepalived.conf's `bfd_instance` to a
//!   [`SessionConfig`]; `sim` (feature `sim`): a seeded virtual network of endpoints.
//!
//! # Where this differs from keepalived 2.2.7, on purpose
//! - Transmit jitter is 75–100 % of the interval, and 75–90 % only when Detect Mult is 1
//!   (RFC 5880 §6.8.7); keepalived tests `mult != 0` and always uses 75–90 %.
//! - A peer's RequiredMinRx of 0 is honoured: no periodic packets (§6.8.7).
//! - Authentication (§6.7) is available through [`SessionConfig::auth`]; keepalived drops
//!   every packet with the A bit.
//! - A peer's AdminDown is reported as [`Event::Down`] with `peer_admin_down` set, so the
//!   caller can follow RFC 5882 §3.2; keepalived reports nothing.
//! - A Poll sequence runs only while Up (entering Up, or a timer change while Up); while
//!   not Up, new intervals apply at once, since §6.8.3's waiting rules concern Up sessions.
//! - Packets with Your Discriminator zero are matched by source address and, when
//!   configured, local address; the interface index is not part of the key.
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
mod schedule;
mod session;
#[cfg(feature = "sim")]
pub mod sim;
mod slab;
pub mod stats;
mod timers;

pub use auth::AuthConfig;
pub use config::{RxMeta, SessionConfig, MIN_IDLE_TX};
pub use endpoint::{Event, SessionId, Sessions, Transmit};
pub use error::{EmitError, ParseError, RxError};
pub use packet::{AuthSection, AuthType, BfdPacket, ControlRepr, Diag, Interval, State};
pub use session::Session;
pub use stats::{RxCounters, SessionStats};
