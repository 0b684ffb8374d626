//! Property tests: emit/parse and emit/validate round trips for arbitrary adverts, and
//! decoding of arbitrary or mutated bytes never panics.

mod codec_support;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use codec_support::*;
use keepalive_vrrp::auth::{Auth, AuthType};
use keepalive_vrrp::ip::{emit_ipv4, ipv4_buffer_len, AhTx, Ipv4Tx};
use keepalive_vrrp::packet::{
    AdverInt, AdvertRepr, Family, TxChecksum, Version, VipList, VrrpPacket,
};
use keepalive_vrrp::rx::{locate, validate, ChecksumPolicy, RxCheck, RxMeta, UnicastPeer};
use proptest::prelude::*;

fn arb_repr() -> impl Strategy<Value = AdvertRepr> {
    (
        prop_oneof![Just(Version::V2), Just(Version::V3)],
        any::<bool>(),
        any::<u8>(),
        any::<u8>(),
        1u16..=255,
        0u16..=0x0fff,
        0u8..=2,
        any::<[u8; 8]>(),
        prop::collection::vec(any::<[u8; 16]>(), 0..24),
    )
        .prop_map(
            |(version, v6, vrid, priority, secs, centis, at, data, raw)| {
                let addrs = if v6 {
                    VipList::V6(raw.iter().map(|o| Ipv6Addr::from(*o)).collect())
                } else {
                    VipList::V4(
                        raw.iter()
                            .map(|o| Ipv4Addr::new(o[0], o[1], o[2], o[3]))
                            .collect(),
                    )
                };
                let (adver_int, auth_type, auth_data) = match version {
                    Version::V2 => (
                        AdverInt::from_secs(secs),
                        AuthType::from(at),
                        if v6 { [0; 8] } else { data },
                    ),
                    Version::V3 => (AdverInt::from_centis(centis), AuthType::None, [0; 8]),
                };
                AdvertRepr {
                    version,
                    vrid,
                    priority,
                    adver_int,
                    auth_type,
                    auth_data,
                    addrs,
                }
            },
        )
}

fn src_dst(family: Family) -> (IpAddr, IpAddr) {
    match family {
        Family::Ipv4 => (IpAddr::V4(SRC4), IpAddr::V4(MCAST4)),
        Family::Ipv6 => (IpAddr::V6(SRC6), IpAddr::V6(MCAST6)),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn emit_then_parse_round_trips(r in arb_repr()) {
        let family = r.family();
        let (src, dst) = src_dst(family);
        let csum = ChecksumPolicy::default().tx_checksum(r.version, src, dst);
        let mut buf = vec![0xa5u8; r.buffer_len() + 3];
        let n = r.emit(&mut buf, &csum).unwrap();
        prop_assert_eq!(n, r.buffer_len());
        prop_assert!(buf[n..].iter().all(|&b| b == 0xa5));
        let p = VrrpPacket::new_checked(&buf[..n]).unwrap();
        prop_assert!(p.verify_checksum(family, &csum));
        prop_assert_eq!(AdvertRepr::parse(&p, family).unwrap(), r);
    }

    #[test]
    fn emit_then_validate_round_trips(r in arb_repr(), ah in any::<bool>(), seq in 1u32..) {
        let family = r.family();
        let (src, dst) = src_dst(family);
        let csum = ChecksumPolicy::default().tx_checksum(r.version, src, dst);
        let vips: Vec<IpAddr> = r.addrs.iter().collect();
        let mut r = r;
        let mut check = RxCheck::new(r.version, family, r.vrid);
        check.vips = &vips;
        check.adver_int = r.adver_int;
        let ah = ah && r.version == Version::V2 && family == Family::Ipv4;
        if r.version == Version::V2 {
            let auth = if ah {
                Auth::Ah(PASS)
            } else if r.auth_type == AuthType::Pass && family == Family::Ipv4 {
                Auth::Pass(r.auth_data)
            } else {
                Auth::None
            };
            r.auth_type = auth.auth_type();
            r.auth_data = if family == Family::Ipv4 { auth.auth_data() } else { [0; 8] };
            check.auth = auth;
        }
        let (bytes, meta) = match family {
            Family::Ipv4 => {
                let mut b = vec![0u8; ipv4_buffer_len(&r, ah)];
                let ahtx = AhTx { key: &PASS, seq, unicast: false };
                emit_ipv4(&r, &Ipv4Tx::multicast(SRC4, 7), &csum, ah.then_some(&ahtx), &mut b)
                    .unwrap();
                (b, meta4())
            }
            Family::Ipv6 => {
                let mut b = vec![0u8; r.buffer_len()];
                r.emit(&mut b, &csum).unwrap();
                (b, meta6())
            }
        };
        let a = validate(&bytes, &meta, &check).unwrap();
        prop_assert_eq!(a.ah_seq, ah.then_some(seq));
        prop_assert_eq!(a.addrs().collect::<Vec<_>>(), vips);
        prop_assert_eq!(a.to_repr(), r);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600),
                                   v6 in any::<bool>(), v3 in any::<bool>(), ah in any::<bool>(),
                                   unicast in any::<bool>(), vrid in any::<u8>()) {
        let family = if v6 { Family::Ipv6 } else { Family::Ipv4 };
        let version = if v3 { Version::V3 } else { Version::V2 };
        let peers = [UnicastPeer::new(IpAddr::V4(SRC4)), UnicastPeer::new(IpAddr::V6(SRC6))];
        let mut check = RxCheck::new(version, family, vrid);
        check.vips = if v6 { VIPS6 } else { VIPS4 };
        check.auth = if ah { Auth::Ah(PASS) } else { Auth::Pass(PASS) };
        check.check_unicast_src = true;
        if unicast { check.unicast_peers = &peers; }
        let meta: RxMeta = if v6 { meta6() } else { meta4() };
        let _ = validate(&bytes, &meta, &check);
        let _ = locate(&bytes, family);
        if let Ok(p) = VrrpPacket::new_checked(&bytes[..]) {
            let _ = AdvertRepr::parse(&p, family);
            if p.check_body_len(family).is_ok() {
                let _ = p.addrs(family).count();
                let _ = p.auth_data(family);
                let _ = p.verify_checksum(family, &TxChecksum::Plain);
            }
        }
    }

    #[test]
    fn mutated_valid_packets_never_panic(which in 0usize..4, flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..4),
                                         cut in any::<usize>()) {
        let (vec, check, meta) = match which {
            0 => (V2_PASS, check_v2_pass(), meta4()),
            1 => (V3_V4, check_v3_v4(), meta4()),
            2 => (V3_V6, check_v3_v6(), meta6()),
            _ => (V2_AH, check_v2_ah(), meta4()),
        };
        let mut b = hex(vec);
        for (i, x) in flips {
            let i = i % b.len();
            b[i] ^= x;
        }
        let _ = validate(&b, &meta, &check);
        let cut = cut % (b.len() + 1);
        let _ = validate(&b[..cut], &meta, &check);
    }
}
