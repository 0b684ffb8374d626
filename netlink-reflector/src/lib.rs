#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![deny(unsafe_code)]

pub mod address;
mod error;
pub mod ipvlan;
pub mod proc_connector;
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
pub use ipvlan::{IpvlanSpec, IpvlanType};
pub use reflector::Reflector;
pub use route::{AddMode, Metric, NextHop, RouteSpec, RouteType};
pub use rtnl::Rtnl;
pub use rule::{RuleSpec, RuleTarget};
pub use socket::RcvBuf;
pub use sysctl::SysctlGuard;
pub use table::{addr_flags, Address, Change, Link, Table};
pub use vmac::{MacvlanMode, VmacSpec, XmitBase};

/// Decodes `datagram` as the reflector decodes one it read from the kernel and applies each
/// message to `table`, returning what changed; the `NLMSG_ERROR` messages' extended-ack text
/// is extracted as a request's reply would be. The entry point of the `rtnetlink_reflector`
/// fuzz target (fuzz/): kernel bytes must never make it panic.
#[doc(hidden)]
pub fn apply_datagram(table: &mut Table, datagram: &[u8]) -> Result<Vec<Change>> {
    let mut undecodable = 0;
    let mut out = Vec::new();
    for m in socket::split_datagram(datagram, "a fuzzed datagram", &mut undecodable)? {
        match m.payload {
            netlink_packet_core::NetlinkPayload::InnerMessage(inner) => {
                table.apply(&inner, &mut out)
            }
            netlink_packet_core::NetlinkPayload::Error(e) => {
                let _ = socket::ext_ack_message(m.header.flags, &e.header);
            }
            _ => {}
        }
    }
    Ok(out)
}
