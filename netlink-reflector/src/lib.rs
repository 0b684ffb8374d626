//! The kernel's links and addresses mirrored in memory from rtnetlink, and the operations kad
//! performs on them: virtual addresses, routes, rules and macvlan VMAC interfaces.
//!
//! - [`Reflector`]: a non-blocking monitor socket plus an in-memory [`Table`]; feed its fd to
//!   the event loop and call [`Reflector::process`] to get [`Change`]s (link up/down, added,
//!   removed, renamed; address added/removed), which the VRRP loop turns into tracker events.
//! - [`Rtnl`]: the command socket. [`AddressSpec`], [`RouteSpec`], [`RuleSpec`] and
//!   [`VmacSpec`] are the typed forms of `virtual_ipaddress`, `virtual_routes`,
//!   `virtual_rules` and `use_vmac` (keepalived.conf(5)); the daemon maps its configuration
//!   onto them.
//! - [`SysctlGuard`]: the VMAC sysctls set for the daemon's lifetime and restored on exit.
//!
//! Every socket belongs to the network namespace of the thread that opens it.
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod address;
mod error;
mod reflector;
pub mod route;
mod rtnl;
pub mod rule;
mod socket;
pub mod sysctl;
mod table;
pub mod vmac;

pub use address::{AddressSpec, Broadcast, Scope};
pub use error::{Error, Result};
pub use reflector::Reflector;
pub use route::{AddMode, Metric, NextHop, RouteSpec, RouteType};
pub use rtnl::Rtnl;
pub use rule::{RuleSpec, RuleTarget};
pub use socket::RcvBuf;
pub use sysctl::SysctlGuard;
pub use table::{addr_flags, Address, Change, Link, Table};
pub use vmac::{MacvlanMode, VmacSpec, XmitBase};
