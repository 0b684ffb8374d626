//! Unsolicited neighbour advertisements (RFC 4861 §4.4, §7.2.6), in the form keepalived
//! sends them (`vrrp_ndisc.c`) for each IPv6 virtual address of a new master (RFC 5798
//! §8.2.2): from the VIP to all-nodes `ff02::1`, hop limit 255, Override flag set, Router
//! flag when the interface forwards IPv6, and a target link-layer address option.
//!
//! The whole Ethernet frame is built here, to be sent through an `AF_PACKET` socket as
//! keepalived does, so that the source MAC can be a VMAC and the VIP need not have finished
//! duplicate address detection.

use std::net::Ipv6Addr;

/// Ethernet (14) + IPv6 (40) + NA (24) + target link-layer option (8).
pub const NA_FRAME_LEN: usize = 86;

/// The all-nodes group, the destination of unsolicited NAs.
pub const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// ICMPv6 type of a neighbour advertisement.
pub const ICMPV6_NEIGHBOR_ADVERT: u8 = 136;

/// NA flag: the sender is a router.
pub const FLAG_ROUTER: u8 = 0x80;
/// NA flag: solicited (never set in an unsolicited NA).
pub const FLAG_SOLICITED: u8 = 0x40;
/// NA flag: override existing cache entries.
pub const FLAG_OVERRIDE: u8 = 0x20;

const ETHERTYPE_IPV6: u16 = 0x86dd;
const IPPROTO_ICMPV6: u8 = 58;
const ND_OPT_TARGET_LINKADDR: u8 = 2;
const ICMP_OFFSET: usize = 14 + 40;

/// The frame advertising that `vip` is at `src_mac`; `router` sets the R flag.
///
/// The Ethernet destination is `33:33:00:00:00:01`, the multicast mapping of `ff02::1`
/// (RFC 2464 §7).
#[must_use]
pub fn build_na(src_mac: [u8; 6], vip: Ipv6Addr, router: bool) -> [u8; NA_FRAME_LEN] {
    let mut f = [0u8; NA_FRAME_LEN];
    f[0..6].copy_from_slice(&[0x33, 0x33, 0, 0, 0, 1]);
    f[6..12].copy_from_slice(&src_mac);
    f[12..14].copy_from_slice(&ETHERTYPE_IPV6.to_be_bytes());
    let ip = &mut f[14..ICMP_OFFSET];
    ip[0] = 0x60;
    let payload_len = (NA_FRAME_LEN - ICMP_OFFSET) as u16;
    ip[4..6].copy_from_slice(&payload_len.to_be_bytes());
    ip[6] = IPPROTO_ICMPV6;
    ip[7] = 255;
    ip[8..24].copy_from_slice(&vip.octets());
    ip[24..40].copy_from_slice(&ALL_NODES.octets());
    let icmp = &mut f[ICMP_OFFSET..];
    icmp[0] = ICMPV6_NEIGHBOR_ADVERT;
    icmp[4] = FLAG_OVERRIDE | if router { FLAG_ROUTER } else { 0 };
    icmp[8..24].copy_from_slice(&vip.octets());
    icmp[24] = ND_OPT_TARGET_LINKADDR;
    icmp[25] = 1;
    icmp[26..32].copy_from_slice(&src_mac);
    let sum = icmpv6_checksum(vip, ALL_NODES, &f[ICMP_OFFSET..]);
    f[ICMP_OFFSET + 2..ICMP_OFFSET + 4].copy_from_slice(&sum.to_be_bytes());
    f
}

/// The ICMPv6 checksum over the pseudo-header (RFC 8200 §8.1) and `msg`, whose checksum
/// field must be zero (or the result is 0 when checking a filled-in message).
#[must_use]
pub fn icmpv6_checksum(src: Ipv6Addr, dst: Ipv6Addr, msg: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |bytes: &[u8]| {
        for pair in bytes.chunks(2) {
            let hi = u32::from(pair[0]) << 8;
            sum += hi | pair.get(1).copied().map_or(0, u32::from);
        }
    };
    add(&src.octets());
    add(&dst.octets());
    add(&(msg.len() as u32).to_be_bytes());
    add(&[0, 0, 0, IPPROTO_ICMPV6]);
    add(msg);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAC: [u8; 6] = [0x02, 0x00, 0x5e, 0x10, 0x20, 0x30];

    fn vip() -> Ipv6Addr {
        "2001:db8::100".parse().unwrap()
    }

    #[test]
    fn frame_layout() {
        let f = build_na(MAC, vip(), false);
        assert_eq!(f[0..6], [0x33, 0x33, 0, 0, 0, 1]);
        assert_eq!(f[6..12], MAC);
        assert_eq!(f[12..14], [0x86, 0xdd]);
        assert_eq!(f[14], 0x60);
        assert_eq!(f[18..20], [0, 32]);
        assert_eq!(f[20], 58);
        assert_eq!(f[21], 255);
        assert_eq!(f[22..38], vip().octets());
        assert_eq!(f[38..54], ALL_NODES.octets());
        assert_eq!(f[54], 136);
        assert_eq!(f[55], 0);
        assert_eq!(f[58..62], [FLAG_OVERRIDE, 0, 0, 0]);
        assert_eq!(f[62..78], vip().octets());
        assert_eq!(f[78..80], [2, 1]);
        assert_eq!(f[80..86], MAC);
        assert_eq!(icmpv6_checksum(vip(), ALL_NODES, &f[54..]), 0);
    }

    #[test]
    fn router_flag() {
        let f = build_na(MAC, vip(), true);
        assert_eq!(f[58], FLAG_ROUTER | FLAG_OVERRIDE);
        assert_eq!(icmpv6_checksum(vip(), ALL_NODES, &f[54..]), 0);
    }

    #[test]
    fn checksum_matches_hand_computed_value() {
        // RFC 1071 example words, summed by hand: 0x0001 + 0xf203 + 0xf4f5 + 0xf6f7 =
        // 0x2ddf0 -> 0xddf2, complement 0x220d; plus a zero pseudo-header with length 8
        // and next header 58 (0x0008 + 0x003a = 0x42): 0xddf2 + 0x42 = 0xde34 -> 0x21cb.
        let msg = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(
            icmpv6_checksum(Ipv6Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED, &msg),
            0x21cb
        );
    }

    proptest::proptest! {
        #[test]
        fn any_frame_checks_out(mac: [u8; 6], vip: [u8; 16], router: bool) {
            let vip = Ipv6Addr::from(vip);
            let f = build_na(mac, vip, router);
            proptest::prop_assert_eq!(icmpv6_checksum(vip, ALL_NODES, &f[ICMP_OFFSET..]), 0);
            proptest::prop_assert_eq!(&f[22..38], &vip.octets()[..]);
            proptest::prop_assert_eq!(&f[62..78], &vip.octets()[..]);
            proptest::prop_assert_eq!(&f[80..86], &mac[..]);
            proptest::prop_assert_eq!(f[58] & FLAG_SOLICITED, 0);
        }
    }
}
