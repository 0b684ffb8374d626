//! Gratuitous ARP frames, in the form keepalived sends them (`vrrp_arp.c`): an ARP
//! *request* broadcast on the link whose sender and target protocol addresses are both the
//! virtual address (RFC 5227 §3 "ARP Announcement"; RFC 3768 §8.1.1 / RFC 5798 §8.1.1 ask
//! the new master to announce its virtual addresses this way).

use std::net::Ipv4Addr;

/// Length of the frame: Ethernet header (14) and the Ethernet/IPv4 ARP body (28). The
/// driver pads it to the 60-byte minimum.
pub const GARP_FRAME_LEN: usize = 42;

/// The Ethernet broadcast address.
pub const BROADCAST_MAC: [u8; 6] = [0xff; 6];

const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ARPHRD_ETHER: u16 = 1;
const ARPOP_REQUEST: u16 = 1;

/// The gratuitous ARP frame announcing that `vip` is at `src_mac` (the interface's address,
/// or the VMAC when `use_vmac`).
///
/// ```text
/// dst ff:ff:ff:ff:ff:ff | src src_mac | 0x0806
/// htype 1 | ptype 0x0800 | hlen 6 | plen 4 | op 1 (request)
/// sha src_mac | spa vip | tha ff:ff:ff:ff:ff:ff | tpa vip
/// ```
///
/// keepalived fills the target hardware address with the broadcast address (not zero).
#[must_use]
pub fn build_garp(src_mac: [u8; 6], vip: Ipv4Addr) -> [u8; GARP_FRAME_LEN] {
    let mut f = [0u8; GARP_FRAME_LEN];
    f[0..6].copy_from_slice(&BROADCAST_MAC);
    f[6..12].copy_from_slice(&src_mac);
    f[12..14].copy_from_slice(&ETHERTYPE_ARP.to_be_bytes());
    f[14..16].copy_from_slice(&ARPHRD_ETHER.to_be_bytes());
    f[16..18].copy_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    f[18] = 6;
    f[19] = 4;
    f[20..22].copy_from_slice(&ARPOP_REQUEST.to_be_bytes());
    f[22..28].copy_from_slice(&src_mac);
    f[28..32].copy_from_slice(&vip.octets());
    f[32..38].copy_from_slice(&BROADCAST_MAC);
    f[38..42].copy_from_slice(&vip.octets());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_matches_hand_checked_bytes() {
        let mac = [0x02, 0x00, 0x5e, 0x10, 0x20, 0x30];
        let f = build_garp(mac, Ipv4Addr::new(192, 0, 2, 100));
        #[rustfmt::skip]
        let want: [u8; GARP_FRAME_LEN] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 0x08, 0x06,
            0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
            0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 192, 0, 2, 100,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 192, 0, 2, 100,
        ];
        assert_eq!(f, want);
    }
}
