#![doc = include_str!("../README.md")]
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
