//! AgentX (RFC 2741), the protocol by which kad's VRRP and checker processes serve
//! keepalived's MIBs through a master agent such as net-snmp's `snmpd`, as keepalived does
//! with net-snmp's subagent library.
//!
//! Sans-IO, like the protocol crates: [`pdu`] encodes and decodes the PDUs, never panicking on
//! any input; [`session::Session`] is the subagent's state machine (open, register, answer,
//! notify, reconnect) with bytes and time as arguments and bytes and deadlines as results.
//! The socket lives in [`crate::snmp::agent`].
#![forbid(unsafe_code)]

pub mod error;
pub mod header;
pub mod oid;
pub mod pdu;
pub mod session;
pub mod varbind;
mod wire;

pub use error::DecodeError;
pub use header::{Header, PduType};
pub use oid::Oid;
pub use pdu::Pdu;
pub use session::{Mib, Session};
pub use varbind::{Value, VarBind};
