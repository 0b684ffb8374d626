//! Hand-checked byte vectors: each decodes and validates to the expected fields, and emitting
//! the same advert into a buffer pre-filled with 0xa5 reproduces it byte for byte and leaves
//! the bytes past it alone.

mod codec_support;

use std::net::IpAddr;

use codec_support::*;
use keepalive_vrrp::auth::{Auth, AuthType};
use keepalive_vrrp::ip::{emit_ipv4, ipv4_buffer_len, AhTx, Ipv4Tx};
use keepalive_vrrp::packet::{
    AdverInt, AdvertRepr, Family, TxChecksum, Version, VipList, VrrpPacket,
};
use keepalive_vrrp::rx::{locate, validate, ChecksumKind, ChecksumPolicy};

fn emit4(repr: &AdvertRepr, ah: Option<&AhTx<'_>>) -> Vec<u8> {
    let need = ipv4_buffer_len(repr, ah.is_some());
    let mut buf = vec![0xa5u8; need + 7];
    let csum =
        ChecksumPolicy::default().tx_checksum(repr.version, IpAddr::V4(SRC4), IpAddr::V4(MCAST4));
    let n = emit_ipv4(repr, &Ipv4Tx::multicast(SRC4, 1), &csum, ah, &mut buf).unwrap();
    assert_eq!(n, need);
    assert!(buf[n..].iter().all(|&b| b == 0xa5), "wrote past the packet");
    buf.truncate(n);
    buf
}

#[test]
fn v2_ipv4_pass_decodes() {
    let bytes = hex(V2_PASS);
    let a = validate(&bytes, &meta4(), &check_v2_pass()).unwrap();
    assert_eq!(a.version, Version::V2);
    assert_eq!((a.vrid, a.priority), (51, 100));
    assert_eq!(a.adver_int, AdverInt::from_secs(1));
    assert_eq!(a.auth_type, AuthType::Pass);
    assert_eq!(a.src, IpAddr::V4(SRC4));
    assert_eq!(a.ttl, Some(255));
    assert_eq!(a.checksum, ChecksumKind::Plain);
    assert_eq!(a.addrs().collect::<Vec<_>>(), vec![IpAddr::V4(VIP4)]);
    assert_eq!(a.packet().checksum(), 0x7b19);
    assert_eq!(a.packet().auth_data(Family::Ipv4), Some(PASS));
    assert_eq!(a.ah_seq, None);
}

#[test]
fn v2_ipv4_pass_emits() {
    let r = repr(Version::V2, Auth::Pass(PASS), VipList::V4(vec![VIP4]));
    assert_eq!(emit4(&r, None), hex(V2_PASS));
}

#[test]
fn v3_ipv4_decodes_and_emits() {
    let bytes = hex(V3_V4);
    let a = validate(&bytes, &meta4(), &check_v3_v4()).unwrap();
    assert_eq!((a.version, a.vrid, a.priority), (Version::V3, 51, 100));
    assert_eq!(a.adver_int.centis(), 100);
    assert_eq!(a.checksum, ChecksumKind::Pseudo);
    assert_eq!(a.packet().checksum(), 0x0572);
    let r = repr(Version::V3, Auth::None, VipList::V4(vec![VIP4]));
    assert_eq!(emit4(&r, None), bytes);
    assert_eq!(a.to_repr(), r);
}

#[test]
fn v3_ipv6_decodes_and_emits() {
    let bytes = hex(V3_V6);
    let a = validate(&bytes, &meta6(), &check_v3_v6()).unwrap();
    assert_eq!((a.version, a.vrid, a.priority), (Version::V3, 51, 100));
    assert_eq!(a.family, Family::Ipv6);
    assert_eq!(a.checksum, ChecksumKind::Pseudo);
    assert_eq!(a.addrs().collect::<Vec<_>>(), vec![IpAddr::V6(VIP6)]);
    let r = repr(Version::V3, Auth::None, VipList::V6(vec![VIP6]));
    let mut buf = [0xa5u8; 40];
    let csum = TxChecksum::Pseudo {
        src: IpAddr::V6(SRC6),
        dst: IpAddr::V6(MCAST6),
    };
    let n = r.emit(&mut buf, &csum).unwrap();
    assert_eq!(&buf[..n], &bytes[..]);
    assert!(buf[n..].iter().all(|&b| b == 0xa5));
    // Kernel mode leaves the field zero for IPV6_CHECKSUM.
    let n = r.emit(&mut buf, &TxChecksum::Kernel).unwrap();
    assert_eq!(VrrpPacket::new_checked(&buf[..n]).unwrap().checksum(), 0);
}

#[test]
fn v3_ipv6_without_pktinfo_leaves_checksum_to_kernel() {
    let mut bytes = hex(V3_V6);
    bytes[7] ^= 1;
    let mut m = meta6();
    m.dst = None;
    let a = validate(&bytes, &m, &check_v3_v6()).unwrap();
    assert_eq!(a.checksum, ChecksumKind::NotChecked);
}

#[test]
fn v2_ah_decodes() {
    let bytes = hex(V2_AH);
    let loc = locate(&bytes, Family::Ipv4).unwrap();
    assert!(loc.ah);
    assert_eq!(loc.vrrp_offset, 44);
    let a = validate(&bytes, &meta4(), &check_v2_ah()).unwrap();
    assert_eq!(a.auth_type, AuthType::Ah);
    assert_eq!(a.ah_seq, Some(1));
    assert_eq!(a.packet().checksum(), 0xb665);
}

#[test]
fn v2_ah_emits() {
    let r = repr(Version::V2, Auth::Ah(PASS), VipList::V4(vec![VIP4]));
    let ah = AhTx {
        key: &PASS,
        seq: 1,
        unicast: false,
    };
    assert_eq!(emit4(&r, Some(&ah)), hex(V2_AH));
}

#[test]
fn v2_ah_unicast_zeroes_ttl_under_icv() {
    let r = repr(Version::V2, Auth::Ah(PASS), VipList::V4(vec![VIP4]));
    let ah = AhTx {
        key: &PASS,
        seq: 7,
        unicast: true,
    };
    let ip = Ipv4Tx {
        src: SRC4,
        dst: PEER4,
        ttl: 64,
        ident: 9,
        tos: 0xc0,
    };
    let mut buf = vec![0u8; ipv4_buffer_len(&r, true)];
    emit_ipv4(&r, &ip, &TxChecksum::Plain, Some(&ah), &mut buf).unwrap();
    let peers = [keepalive_vrrp::rx::UnicastPeer::new(IpAddr::V4(SRC4))];
    let mut check = check_v2_ah();
    check.unicast_peers = &peers;
    // A router on the path decrements the TTL: the ICV must not care.
    buf[8] = 60;
    let a = validate(&buf, &meta4(), &check).unwrap();
    assert_eq!(a.ah_seq, Some(7));
    assert_eq!(a.ttl, Some(60));
}

#[test]
fn emit_errors() {
    use keepalive_vrrp::error::EmitError;
    let mut r = repr(Version::V2, Auth::None, VipList::V4(vec![VIP4]));
    let mut small = [0u8; 4];
    assert_eq!(
        r.emit(&mut small, &TxChecksum::Plain),
        Err(EmitError::BufferTooShort { len: 4, need: 20 })
    );
    r.adver_int = AdverInt::from_centis(150);
    let mut buf = [0u8; 64];
    assert_eq!(
        r.emit(&mut buf, &TxChecksum::Plain),
        Err(EmitError::AdverIntRange {
            version: 2,
            centis: 150
        })
    );
    let mut r3 = repr(Version::V3, Auth::None, VipList::V4(vec![VIP4]));
    r3.adver_int = AdverInt::from_centis(4096);
    assert!(matches!(
        r3.emit(&mut buf, &TxChecksum::Plain),
        Err(EmitError::AdverIntRange { version: 3, .. })
    ));
    let r6 = repr(Version::V3, Auth::None, VipList::V6(vec![VIP6]));
    assert_eq!(
        r6.emit(
            &mut buf,
            &TxChecksum::Pseudo {
                src: IpAddr::V4(SRC4),
                dst: IpAddr::V4(MCAST4)
            }
        ),
        Err(EmitError::ChecksumFamily)
    );
    assert_eq!(
        emit_ipv4(
            &r6,
            &Ipv4Tx::multicast(SRC4, 1),
            &TxChecksum::Plain,
            None,
            &mut buf
        ),
        Err(EmitError::NotIpv4)
    );
    let rah = repr(Version::V2, Auth::Ah(PASS), VipList::V4(vec![VIP4]));
    let ah = AhTx {
        key: &PASS,
        seq: 1,
        unicast: false,
    };
    assert_eq!(
        emit_ipv4(
            &rah,
            &Ipv4Tx::multicast(SRC4, 0),
            &TxChecksum::Plain,
            Some(&ah),
            &mut buf
        ),
        Err(EmitError::AhZeroIdent)
    );
    let many = repr(Version::V3, Auth::None, VipList::V4(vec![VIP4; 256]));
    let mut big = vec![0u8; 2048];
    assert_eq!(
        many.emit(&mut big, &TxChecksum::Plain),
        Err(EmitError::TooManyAddrs { count: 256 })
    );
}

#[test]
fn v3_checksum_as_v2_round_trip() {
    let r = repr(Version::V3, Auth::None, VipList::V4(vec![VIP4]));
    let mut policy = ChecksumPolicy::default();
    policy.v3_as_v2 = true;
    let csum = policy.tx_checksum(Version::V3, IpAddr::V4(SRC4), IpAddr::V4(MCAST4));
    assert_eq!(csum, TxChecksum::Plain);
    let mut buf = vec![0u8; ipv4_buffer_len(&r, false)];
    emit_ipv4(&r, &Ipv4Tx::multicast(SRC4, 1), &csum, None, &mut buf).unwrap();
    let mut check = check_v3_v4();
    check.checksum = policy;
    assert_eq!(
        validate(&buf, &meta4(), &check).unwrap().checksum,
        ChecksumKind::Plain
    );
    // An instance without the option rejects it.
    assert!(validate(&buf, &meta4(), &check_v3_v4()).is_err());
}

#[test]
fn vip_order_does_not_matter() {
    use std::net::Ipv4Addr;
    let a = Ipv4Addr::new(192, 0, 2, 100);
    let b = Ipv4Addr::new(192, 0, 2, 101);
    let r = repr(Version::V3, Auth::None, VipList::V4(vec![b, a]));
    let bytes = emit4(&r, None);
    let vips = [IpAddr::V4(a), IpAddr::V4(b)];
    let mut check = check_v3_v4();
    check.vips = &vips;
    assert!(validate(&bytes, &meta4(), &check).is_ok());
}
