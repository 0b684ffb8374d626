//! Fuzzes VRRP receive validation and the message view: arbitrary bytes must never panic,
//! and any advert that validates must survive copy-out, re-emission and re-validation.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use keepalive_vrrp::auth::Auth;
use keepalive_vrrp::packet::{AdvertRepr, Family, TxChecksum, Version, VrrpPacket};
use keepalive_vrrp::rx::{
    locate, validate, ChecksumPolicy, OldUnicastChecksum, RxCheck, RxMeta, UnicastPeer,
};
use libfuzzer_sys::fuzz_target;

const VIPS4: &[IpAddr] = &[IpAddr::V4(Ipv4Addr::new(192, 0, 2, 100))];
const VIPS6: &[IpAddr] = &[IpAddr::V6(Ipv6Addr::new(
    0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100,
))];

fuzz_target!(|data: &[u8]| {
    // The first byte picks the instance's expectations; the rest is the packet.
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let family = if sel & 1 == 0 {
        Family::Ipv4
    } else {
        Family::Ipv6
    };
    let version = if sel & 2 == 0 {
        Version::V2
    } else {
        Version::V3
    };
    let key = *b"secret\0\0";
    let peers = [
        UnicastPeer {
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            min_ttl: 1,
            max_ttl: 254,
        },
        UnicastPeer::new(IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1))),
    ];
    let mut check = RxCheck::new(
        version,
        family,
        bytes
            .get(if family == Family::Ipv4 { 21 } else { 1 })
            .copied()
            .unwrap_or(1),
    );
    check.auth = match (sel >> 2) & 3 {
        0 => Auth::None,
        1 => Auth::Pass(key),
        _ => Auth::Ah(key),
    };
    check.vips = if family == Family::Ipv4 { VIPS4 } else { VIPS6 };
    check.check_vips = sel & 0x10 == 0;
    check.check_unicast_src = true;
    if sel & 0x20 != 0 {
        check.unicast_peers = &peers;
    }
    check.checksum = ChecksumPolicy::default();
    check.checksum.v3_as_v2 = sel & 0x40 != 0;
    check.checksum.old_unicast = if sel & 0x80 != 0 {
        OldUnicastChecksum::Always
    } else {
        OldUnicastChecksum::Detect
    };
    let meta = match family {
        Family::Ipv4 => RxMeta {
            src: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            dst: None,
            ttl_or_hop_limit: None,
            ifindex: 1,
        },
        Family::Ipv6 => RxMeta {
            src: IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)),
            dst: Some(IpAddr::V6(Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12))),
            ttl_or_hop_limit: Some(255),
            ifindex: 1,
        },
    };

    let _ = locate(bytes, family);
    if let Ok(advert) = validate(bytes, &meta, &check) {
        assert_eq!(advert.vrid, check.vrid);
        assert_eq!(advert.addrs().count(), advert.addr_count());
        let repr = advert.to_repr();
        let mut out = vec![0u8; repr.buffer_len()];
        let csum = match (advert.src, advert.dst) {
            (s, Some(d)) => check.checksum.tx_checksum(version, s, d),
            _ => TxChecksum::Kernel,
        };
        // A v2 interval or a v3 one always fits its field once validated.
        repr.emit(&mut out, &csum)
            .expect("validated advert re-emits");
        assert_eq!(
            AdvertRepr::parse(&VrrpPacket::new_checked(&out[..]).unwrap(), family).unwrap(),
            repr
        );
    }
    if let Ok(p) = VrrpPacket::new_checked(bytes) {
        let _ = AdvertRepr::parse(&p, family);
    }
});
