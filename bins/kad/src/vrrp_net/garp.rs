//! Sending gratuitous ARP, in the form keepalived sends it (`vrrp_arp.c`): an ARP
//! *request* broadcast on the link whose sender and target protocol addresses are both the
//! virtual address (RFC 5227 §3 "ARP Announcement"; RFC 3768 §8.1.1 / RFC 5798 §8.1.1 ask
//! the new master to announce its virtual addresses this way). keepalive-vrrp builds the
//! frame ([`keepalive_vrrp::announce::arp`]).

use std::net::Ipv4Addr;

pub use keepalive_vrrp::announce::arp::build_garp;

use super::error::NetError;
use super::link::{Link, LinkSender};

/// Sends one gratuitous ARP for `vip` out of `link`, from `src_mac` (`None`: the
/// interface's own address).
pub fn send_garp(
    sender: &mut LinkSender,
    link: &Link,
    src_mac: Option<[u8; 6]>,
    vip: Ipv4Addr,
) -> Result<(), NetError> {
    let mac = src_mac.or(link.hw_addr).ok_or_else(|| NetError::NoHwAddr {
        ifname: link.name.clone(),
    })?;
    sender.send_frame(link, &build_garp(mac, vip), "gratuitous ARP")
}
