//! Unsolicited neighbour advertisements (RFC 4861 §4.4, §7.2.6), in the form keepalived
//! sends them (`vrrp_ndisc.c`) for each IPv6 virtual address of a new master (RFC 5798
//! §8.2.2): from the VIP to all-nodes `ff02::1`, hop limit 255, Override flag set, Router
//! flag when the interface forwards IPv6, and a target link-layer address option.
//!
//! keepalive-vrrp builds the whole Ethernet frame ([`keepalive_vrrp::announce::na`]); it is
//! sent here through an `AF_PACKET` socket, as keepalived does, so that the source MAC can be
//! a VMAC and the VIP need not have finished duplicate address detection.

use std::net::Ipv6Addr;

pub use keepalive_vrrp::announce::na::{
    build_na, icmpv6_checksum, ALL_NODES, FLAG_OVERRIDE, NA_FRAME_LEN,
};

use super::error::NetError;
use super::link::{Link, LinkSender};

/// Sends one unsolicited NA for `vip` out of `link`, from `src_mac` (`None`: the
/// interface's own address); the R flag follows the interface's IPv6 forwarding setting.
pub fn send_na(
    sender: &mut LinkSender,
    link: &Link,
    src_mac: Option<[u8; 6]>,
    vip: Ipv6Addr,
) -> Result<(), NetError> {
    let mac = src_mac.or(link.hw_addr).ok_or_else(|| NetError::NoHwAddr {
        ifname: link.name.clone(),
    })?;
    let frame = build_na(mac, vip, link.ipv6_forwarding());
    sender.send_frame(link, &frame, "neighbour advertisement")
}
