//! One test per `RxError` variant: a packet crafted to fail exactly that check, with the
//! context the variant carries, and the counter it maps to.

mod codec_support;

use std::net::{IpAddr, Ipv4Addr};

use codec_support::*;
use keepalive_vrrp::auth::{self, Auth};
use keepalive_vrrp::error::RxError;
use keepalive_vrrp::ip::{emit_ipv4, ipv4_buffer_len, AhTx, Ipv4Tx};
use keepalive_vrrp::packet::{AdverInt, Family, TxChecksum, Version, VipList};
use keepalive_vrrp::rx::{
    validate, ChecksumKind, ChecksumPolicy, OldUnicastChecksum, RxCheck, RxMeta, UnicastPeer,
};
use keepalive_vrrp::stats::RxStats;

/// Validates and also checks the error lands in exactly one counter.
fn err(bytes: &[u8], meta: &RxMeta, check: &RxCheck<'_>) -> RxError {
    let e = validate(bytes, meta, check).expect_err("packet should be rejected");
    let mut s = RxStats::default();
    s.record_err(&e);
    assert_eq!(s.dropped(), 1, "{e:?} must map to one counter");
    assert!(!e.to_string().is_empty());
    e
}

/// Recomputes the VRRP checksum of an IPv4 packet without AH (v2 plain / v3 pseudo).
fn refix_v4(bytes: &mut [u8]) {
    use keepalive_vrrp::packet::VrrpPacket;
    let hl = usize::from(bytes[0] & 0x0f) * 4;
    let src = IpAddr::V4(Ipv4Addr::new(bytes[12], bytes[13], bytes[14], bytes[15]));
    let dst = IpAddr::V4(Ipv4Addr::new(bytes[16], bytes[17], bytes[18], bytes[19]));
    let mut p = VrrpPacket::new_unchecked(&mut bytes[hl..]);
    let mode = if p.version() == 2 {
        TxChecksum::Plain
    } else {
        TxChecksum::Pseudo { src, dst }
    };
    p.fill_checksum(Family::Ipv4, &mode);
}

fn unicast_v3(dst: Ipv4Addr, ttl: u8) -> Vec<u8> {
    let r = repr(Version::V3, Auth::None, VipList::V4(vec![VIP4]));
    let ip = Ipv4Tx {
        src: SRC4,
        dst,
        ttl,
        ident: 1,
        tos: 0xc0,
    };
    let csum = TxChecksum::Pseudo {
        src: IpAddr::V4(SRC4),
        dst: IpAddr::V4(dst),
    };
    let mut b = vec![0u8; ipv4_buffer_len(&r, false)];
    emit_ipv4(&r, &ip, &csum, None, &mut b).unwrap();
    b
}

#[test]
fn truncated() {
    let b = hex(V3_V4);
    assert_eq!(
        err(&b[..10], &meta4(), &check_v3_v4()),
        RxError::Truncated { len: 10, need: 20 }
    );
    assert_eq!(
        err(&b[..25], &meta4(), &check_v3_v4()),
        RxError::Truncated { len: 25, need: 28 }
    );
    let ah = hex(V2_AH);
    assert_eq!(
        err(&ah[..50], &meta4(), &check_v2_ah()),
        RxError::Truncated { len: 50, need: 52 }
    );
    let v6 = hex(V3_V6);
    assert_eq!(
        err(&v6[..7], &meta6(), &check_v3_v6()),
        RxError::Truncated { len: 7, need: 8 }
    );
}

#[test]
fn ip_version() {
    let mut b = hex(V3_V4);
    b[0] = 0x65;
    assert_eq!(
        err(&b, &meta4(), &check_v3_v4()),
        RxError::IpVersion { version: 6 }
    );
}

#[test]
fn ip_header_len() {
    let mut b = hex(V3_V4);
    b[0] = 0x44;
    assert_eq!(
        err(&b, &meta4(), &check_v3_v4()),
        RxError::IpHeaderLen { ihl: 4 }
    );
}

#[test]
fn ip_protocol() {
    let mut b = hex(V3_V4);
    b[9] = 17;
    assert_eq!(
        err(&b, &meta4(), &check_v3_v4()),
        RxError::IpProtocol { protocol: 17 }
    );
}

#[test]
fn family_mismatch() {
    let b = hex(V3_V6);
    let mut m = meta6();
    m.src = IpAddr::V4(SRC4);
    assert_eq!(
        err(&b, &m, &check_v3_v6()),
        RxError::FamilyMismatch {
            vrid: 51,
            src: IpAddr::V4(SRC4)
        }
    );
}

#[test]
fn vrid_mismatch() {
    let b = hex(V3_V4);
    let mut c = check_v3_v4();
    c.vrid = 52;
    let e = err(&b, &meta4(), &c);
    assert_eq!(
        e,
        RxError::VridMismatch {
            vrid: 51,
            version: 3,
            expected: 52
        }
    );
    assert!(e.is_silent_drop());
    assert_eq!(e.vrid(), Some(51));
}

#[test]
fn ah_presence_mismatch() {
    assert_eq!(
        err(&hex(V2_PASS), &meta4(), &check_v2_ah()),
        RxError::AhPresenceMismatch {
            vrid: 51,
            ah_present: false
        }
    );
    assert_eq!(
        err(&hex(V2_AH), &meta4(), &check_v2_pass()),
        RxError::AhPresenceMismatch {
            vrid: 51,
            ah_present: true
        }
    );
}

#[test]
fn length_mismatch() {
    let mut b = hex(V3_V4);
    b.push(0);
    assert_eq!(
        err(&b, &meta4(), &check_v3_v4()),
        RxError::LengthMismatch {
            vrid: 51,
            version: 3,
            len: 33,
            expected: 32
        }
    );
    // The count claims two addresses, only one came.
    let mut b = hex(V3_V6);
    b[3] = 2;
    assert_eq!(
        err(&b, &meta6(), &check_v3_v6()),
        RxError::LengthMismatch {
            vrid: 51,
            version: 3,
            len: 24,
            expected: 40
        }
    );
}

#[test]
fn ttl_not_255() {
    let mut b = hex(V3_V4);
    b[8] = 254;
    assert_eq!(
        err(&b, &meta4(), &check_v3_v4()),
        RxError::TtlNot255 {
            vrid: 51,
            version: 3,
            ttl: 254
        }
    );
    let mut m = meta6();
    m.ttl_or_hop_limit = Some(1);
    assert_eq!(
        err(&hex(V3_V6), &m, &check_v3_v6()),
        RxError::TtlNot255 {
            vrid: 51,
            version: 3,
            ttl: 1
        }
    );
    // Unknown hop limit (no IPV6_HOPLIMIT) is not judged, as in keepalived.
    m.ttl_or_hop_limit = None;
    assert!(validate(&hex(V3_V6), &m, &check_v3_v6()).is_ok());
}

#[test]
fn version_mismatch() {
    let mut c = check_v3_v4();
    c.version = Version::V2;
    // A v3 message is 8 bytes shorter than a v2 one would be only if the version nibble said
    // 2; here the nibble says 3, so the length is right and the version check fires.
    assert_eq!(
        err(&hex(V3_V4), &meta4(), &c),
        RxError::VersionMismatch {
            vrid: 51,
            version: 3,
            expected: 2
        }
    );
    let mut b = hex(V3_V4);
    b[20] = 0x41;
    assert_eq!(
        err(&b, &meta4(), &check_v3_v4()),
        RxError::VersionMismatch {
            vrid: 51,
            version: 4,
            expected: 3
        }
    );
}

#[test]
fn invalid_auth_type() {
    let mut b = hex(V2_PASS);
    b[24] = 3;
    assert_eq!(
        err(&b, &meta4(), &check_v2_pass()),
        RxError::InvalidAuthType {
            vrid: 51,
            auth_type: 3
        }
    );
}

#[test]
fn auth_type_mismatch() {
    let mut c = check_v2_pass();
    c.auth = Auth::None;
    assert_eq!(
        err(&hex(V2_PASS), &meta4(), &c),
        RxError::AuthTypeMismatch {
            vrid: 51,
            auth_type: 1,
            expected: 0
        }
    );
}

#[test]
fn auth_pass_mismatch() {
    let mut c = check_v2_pass();
    c.auth = Auth::Pass(Auth::pass_octets("secreT"));
    assert_eq!(
        err(&hex(V2_PASS), &meta4(), &c),
        RxError::AuthPassMismatch { vrid: 51 }
    );
}

#[test]
fn ah_next_header() {
    let mut b = hex(V2_AH);
    b[20] = 6;
    let e = err(&b, &meta4(), &check_v2_ah());
    assert_eq!(
        e,
        RxError::AhNextHeader {
            vrid: 51,
            next_header: 6
        }
    );
    assert!(e.is_silent_drop());
}

#[test]
fn ah_icv_mismatch() {
    let mut c = check_v2_ah();
    c.auth = Auth::Ah(Auth::pass_octets("wrong"));
    assert_eq!(
        err(&hex(V2_AH), &meta4(), &c),
        RxError::AhIcvMismatch { vrid: 51 }
    );
    // Any change under the ICV (here the priority) is caught too.
    let mut b = hex(V2_AH);
    b[46] = 200;
    assert_eq!(
        err(&b, &meta4(), &check_v2_ah()),
        RxError::AhIcvMismatch { vrid: 51 }
    );
    // ...but not a change to TOS, which AH treats as mutable.
    let mut b = hex(V2_AH);
    b[1] = 0;
    assert!(validate(&b, &meta4(), &check_v2_ah()).is_ok());
}

#[test]
fn ah_spi_mismatch() {
    let mut b = hex(V2_AH);
    b[24..28].copy_from_slice(&[192, 0, 2, 9]);
    let icv = auth::ah_icv(&PASS, &b[..20], &b[20..44], &b[44..], false).unwrap();
    b[32..44].copy_from_slice(&icv);
    assert_eq!(
        err(&b, &meta4(), &check_v2_ah()),
        RxError::AhSpiMismatch {
            vrid: 51,
            spi: 0xc000_0209,
            src: IpAddr::V4(SRC4)
        }
    );
}

#[test]
fn ah_replay() {
    let mut c = check_v2_ah();
    c.ah_seq_floor = 1;
    assert_eq!(
        err(&hex(V2_AH), &meta4(), &c),
        RxError::AhReplay {
            vrid: 51,
            seq: 1,
            floor: 1
        }
    );
    // With the counter API: a second copy of the same advert is a replay.
    let mut counter = auth::AhSeqCounter::default();
    let mut c = check_v2_ah();
    c.ah_seq_floor = counter.floor();
    let bytes = hex(V2_AH);
    let a = validate(&bytes, &meta4(), &c).unwrap();
    counter.accept_rx(a.ah_seq.unwrap(), true);
    c.ah_seq_floor = counter.floor();
    assert!(matches!(
        validate(&hex(V2_AH), &meta4(), &c),
        Err(RxError::AhReplay { .. })
    ));
}

#[test]
fn adver_int_mismatch() {
    let mut c = check_v2_pass();
    c.adver_int = AdverInt::from_secs(2);
    let e = err(&hex(V2_PASS), &meta4(), &c);
    assert_eq!(
        e,
        RxError::AdverIntMismatch {
            vrid: 51,
            secs: 1,
            expected_secs: 2
        }
    );
    assert!(e.is_silent_drop());
    // VRRPv3 adopts the master's interval instead (RFC 5798 §6.4.2).
    let mut c = check_v3_v4();
    c.adver_int = AdverInt::from_secs(2);
    assert!(validate(&hex(V3_V4), &meta4(), &c).is_ok());
}

#[test]
fn invalid_type() {
    let mut b = hex(V3_V4);
    b[20] = 0x32;
    refix_v4(&mut b);
    assert_eq!(
        err(&b, &meta4(), &check_v3_v4()),
        RxError::InvalidType {
            vrid: 51,
            version: 3,
            msg_type: 2
        }
    );
}

#[test]
fn addr_count_mismatch() {
    let vips = [IpAddr::V4(VIP4), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 101))];
    let mut c = check_v3_v4();
    c.vips = &vips;
    assert_eq!(
        err(&hex(V3_V4), &meta4(), &c),
        RxError::AddrCountMismatch {
            vrid: 51,
            version: 3,
            count: 1,
            expected: 2
        }
    );
    // skip_check_adv_addr (same master as before) skips the address checks.
    c.check_vips = false;
    assert!(validate(&hex(V3_V4), &meta4(), &c).is_ok());
}

#[test]
fn ip_total_length() {
    let mut b = hex(V3_V4);
    b[3] = 0x21;
    assert_eq!(
        err(&b, &meta4(), &check_v3_v4()),
        RxError::IpTotalLength {
            vrid: 51,
            version: 3,
            total_len: 33,
            len: 32
        }
    );
}

#[test]
fn checksum() {
    let mut b = hex(V3_V4);
    b[27] ^= 0xff;
    assert_eq!(
        err(&b, &meta4(), &check_v3_v4()),
        RxError::Checksum {
            vrid: 51,
            version: 3,
            received: 0x058d,
            computed: 0x0572
        }
    );
    let mut b = hex(V2_PASS);
    b[26] ^= 1;
    assert!(matches!(
        err(&b, &meta4(), &check_v2_pass()),
        RxError::Checksum { version: 2, .. }
    ));
    let mut b = hex(V3_V6);
    b[6] ^= 1;
    assert!(matches!(
        err(&b, &meta6(), &check_v3_v6()),
        RxError::Checksum { version: 3, .. }
    ));
}

#[test]
fn cast_mismatch() {
    // Unicast packet on a multicast instance.
    let b = unicast_v3(PEER4, 255);
    assert_eq!(
        err(&b, &meta4(), &check_v3_v4()),
        RxError::CastMismatch {
            vrid: 51,
            version: 3,
            expected_unicast: false
        }
    );
    // Multicast packet on a unicast instance.
    let peers = [UnicastPeer::new(IpAddr::V4(SRC4))];
    let mut c = check_v3_v4();
    c.unicast_peers = &peers;
    assert_eq!(
        err(&hex(V3_V4), &meta4(), &c),
        RxError::CastMismatch {
            vrid: 51,
            version: 3,
            expected_unicast: true
        }
    );
    // IPv6: the destination comes from IPV6_PKTINFO.
    let mut m = meta6();
    m.dst = Some("2001:db8::2".parse().unwrap());
    let mut b = hex(V3_V6);
    let csum = TxChecksum::Pseudo {
        src: m.src,
        dst: m.dst.unwrap(),
    };
    keepalive_vrrp::packet::VrrpPacket::new_unchecked(&mut b[..])
        .fill_checksum(Family::Ipv6, &csum);
    assert!(matches!(
        err(&b, &m, &check_v3_v6()),
        RxError::CastMismatch {
            expected_unicast: false,
            ..
        }
    ));
}

#[test]
fn vip_missing() {
    let vips = [IpAddr::V4(Ipv4Addr::new(192, 0, 2, 101))];
    let mut c = check_v3_v4();
    c.vips = &vips;
    let e = err(&hex(V3_V4), &meta4(), &c);
    assert_eq!(
        e,
        RxError::VipMissing {
            vrid: 51,
            version: 3,
            vip: vips[0]
        }
    );
    let mut s = RxStats::default();
    s.record_err(&e);
    assert_eq!((s.advert_rcvd, s.addr_list_err()), (1, 1));
}

#[test]
fn unicast_src_not_peer() {
    let b = unicast_v3(PEER4, 64);
    let peers = [UnicastPeer::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 3)))];
    let mut c = check_v3_v4();
    c.unicast_peers = &peers;
    // Without check_unicast_src any source is accepted.
    assert!(validate(&b, &meta4(), &c).is_ok());
    c.check_unicast_src = true;
    assert_eq!(
        err(&b, &meta4(), &c),
        RxError::UnicastSrcNotPeer {
            vrid: 51,
            version: 3,
            src: IpAddr::V4(SRC4)
        }
    );
}

#[test]
fn ttl_out_of_range() {
    let b = unicast_v3(PEER4, 64);
    let peers = [UnicastPeer {
        addr: IpAddr::V4(SRC4),
        min_ttl: 250,
        max_ttl: 255,
    }];
    let mut c = check_v3_v4();
    c.unicast_peers = &peers;
    c.check_unicast_src = true;
    assert_eq!(
        err(&b, &meta4(), &c),
        RxError::TtlOutOfRange {
            vrid: 51,
            version: 3,
            ttl: 64,
            min: 250,
            max: 255
        }
    );
    let ok = unicast_v3(PEER4, 251);
    assert!(validate(&ok, &meta4(), &c).is_ok());
}

/// keepalived ≤ 1.3.6 put the multicast group in the pseudo-header of unicast v3 adverts.
fn old_style_unicast() -> Vec<u8> {
    let mut b = unicast_v3(PEER4, 255);
    let csum = TxChecksum::Pseudo {
        src: IpAddr::V4(SRC4),
        dst: IpAddr::V4(MCAST4),
    };
    keepalive_vrrp::packet::VrrpPacket::new_unchecked(&mut b[20..])
        .fill_checksum(Family::Ipv4, &csum);
    b
}

#[test]
fn old_unicast_checksum_detected_by_default() {
    let peers = [UnicastPeer::new(IpAddr::V4(SRC4))];
    let mut c = check_v3_v4();
    c.unicast_peers = &peers;
    let b = old_style_unicast();
    let a = validate(&b, &meta4(), &c).unwrap();
    assert_eq!(a.checksum, ChecksumKind::PseudoMcastDst);
    // The new-style checksum is of course also accepted.
    let new_style = unicast_v3(PEER4, 255);
    let a = validate(&new_style, &meta4(), &c).unwrap();
    assert_eq!(a.checksum, ChecksumKind::Pseudo);
}

#[test]
fn old_unicast_checksum_never_rejects_old_style() {
    let peers = [UnicastPeer::new(IpAddr::V4(SRC4))];
    let mut c = check_v3_v4();
    c.unicast_peers = &peers;
    c.checksum.old_unicast = OldUnicastChecksum::Never;
    assert!(matches!(
        validate(&old_style_unicast(), &meta4(), &c),
        Err(RxError::Checksum { .. })
    ));
}

#[test]
fn old_unicast_checksum_always_sends_and_expects_old_style() {
    let mut policy = ChecksumPolicy::default();
    policy.old_unicast = OldUnicastChecksum::Always;
    assert_eq!(
        policy.tx_checksum(Version::V3, IpAddr::V4(SRC4), IpAddr::V4(PEER4)),
        TxChecksum::Pseudo {
            src: IpAddr::V4(SRC4),
            dst: IpAddr::V4(MCAST4)
        }
    );
    let peers = [UnicastPeer::new(IpAddr::V4(SRC4))];
    let mut c = check_v3_v4();
    c.unicast_peers = &peers;
    c.checksum = policy;
    assert_eq!(
        validate(&old_style_unicast(), &meta4(), &c)
            .unwrap()
            .checksum,
        ChecksumKind::PseudoMcastDst
    );
    assert!(matches!(
        validate(&unicast_v3(PEER4, 255), &meta4(), &c),
        Err(RxError::Checksum { .. })
    ));
}

#[test]
fn emitted_ah_with_counter_validates() {
    let r = repr(Version::V2, Auth::Ah(PASS), VipList::V4(vec![VIP4]));
    let mut tx = auth::AhSeqCounter::default();
    let mut rx = auth::AhSeqCounter::default();
    for ident in 1..5u16 {
        let ah = AhTx {
            key: &PASS,
            seq: tx.next_tx(),
            unicast: false,
        };
        let mut b = vec![0u8; ipv4_buffer_len(&r, true)];
        emit_ipv4(
            &r,
            &Ipv4Tx::multicast(SRC4, ident),
            &TxChecksum::Plain,
            Some(&ah),
            &mut b,
        )
        .unwrap();
        let mut c = check_v2_ah();
        c.ah_seq_floor = rx.floor();
        let a = validate(&b, &meta4(), &c).unwrap();
        rx.accept_rx(a.ah_seq.unwrap(), true);
        assert_eq!(rx.floor(), u32::from(ident));
    }
}
