//! Codec benchmarks: decode + validate, and encode, of v2/v3 IPv4/IPv6 adverts with 1 and 20
//! VIPs. The target is under 100 ns to validate a 1-VIP IPv4 advert.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use criterion::{criterion_group, criterion_main, Criterion};
use keepalive_vrrp::auth::{Auth, AuthType};
use keepalive_vrrp::ip::{emit_ipv4, ipv4_buffer_len, Ipv4Tx, VRRP_MCAST_V4, VRRP_MCAST_V6};
use keepalive_vrrp::packet::{AdverInt, AdvertRepr, Family, TxChecksum, Version, VipList};
use keepalive_vrrp::rx::{validate, ChecksumPolicy, RxCheck, RxMeta};

const SRC4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const SRC6: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);

struct Case {
    name: String,
    bytes: Vec<u8>,
    repr: AdvertRepr,
    family: Family,
    vips: Vec<IpAddr>,
    auth: Auth,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (version, family) in [
        (Version::V2, Family::Ipv4),
        (Version::V3, Family::Ipv4),
        (Version::V3, Family::Ipv6),
    ] {
        for n in [1usize, 20] {
            let (addrs, vips) = match family {
                Family::Ipv4 => {
                    let v: Vec<Ipv4Addr> = (0..n)
                        .map(|i| Ipv4Addr::new(192, 0, 2, 100 + i as u8))
                        .collect();
                    let ips = v.iter().map(|a| IpAddr::V4(*a)).collect();
                    (VipList::V4(v), ips)
                }
                Family::Ipv6 => {
                    let v: Vec<Ipv6Addr> = (0..n)
                        .map(|i| Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100 + i as u16))
                        .collect();
                    let ips = v.iter().map(|a| IpAddr::V6(*a)).collect();
                    (VipList::V6(v), ips)
                }
            };
            let auth = if version == Version::V2 {
                Auth::Pass(Auth::pass_octets("secret"))
            } else {
                Auth::None
            };
            let repr = AdvertRepr {
                version,
                vrid: 51,
                priority: 100,
                adver_int: AdverInt::from_secs(1),
                auth_type: if version == Version::V2 {
                    auth.auth_type()
                } else {
                    AuthType::None
                },
                auth_data: auth.auth_data(),
                addrs,
            };
            let bytes = match family {
                Family::Ipv4 => {
                    let csum = ChecksumPolicy::default().tx_checksum(
                        version,
                        IpAddr::V4(SRC4),
                        IpAddr::V4(VRRP_MCAST_V4),
                    );
                    let mut b = vec![0u8; ipv4_buffer_len(&repr, false)];
                    emit_ipv4(&repr, &Ipv4Tx::multicast(SRC4, 1), &csum, None, &mut b).unwrap();
                    b
                }
                Family::Ipv6 => {
                    let mut b = vec![0u8; repr.buffer_len()];
                    let csum = TxChecksum::Pseudo {
                        src: IpAddr::V6(SRC6),
                        dst: IpAddr::V6(VRRP_MCAST_V6),
                    };
                    repr.emit(&mut b, &csum).unwrap();
                    b
                }
            };
            let fam = match family {
                Family::Ipv4 => "ipv4",
                Family::Ipv6 => "ipv6",
            };
            out.push(Case {
                name: format!("v{}_{}_{}vip", version.number(), fam, n),
                bytes,
                repr,
                family,
                vips,
                auth,
            });
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    for case in cases() {
        let meta = match case.family {
            Family::Ipv4 => RxMeta {
                src: IpAddr::V4(SRC4),
                dst: Some(IpAddr::V4(VRRP_MCAST_V4)),
                ttl_or_hop_limit: Some(255),
                ifindex: 2,
            },
            Family::Ipv6 => RxMeta {
                src: IpAddr::V6(SRC6),
                dst: Some(IpAddr::V6(VRRP_MCAST_V6)),
                ttl_or_hop_limit: Some(255),
                ifindex: 2,
            },
        };
        let mut check = RxCheck::new(case.repr.version, case.family, 51);
        check.auth = case.auth;
        check.vips = &case.vips;
        assert!(validate(&case.bytes, &meta, &check).is_ok());
        c.bench_function(&format!("validate/{}", case.name), |b| {
            b.iter(|| validate(black_box(&case.bytes), black_box(&meta), black_box(&check)).is_ok())
        });

        let mut out = vec![0u8; case.bytes.len()];
        let csum = match case.family {
            Family::Ipv4 => ChecksumPolicy::default().tx_checksum(
                case.repr.version,
                IpAddr::V4(SRC4),
                IpAddr::V4(VRRP_MCAST_V4),
            ),
            Family::Ipv6 => TxChecksum::Pseudo {
                src: IpAddr::V6(SRC6),
                dst: IpAddr::V6(VRRP_MCAST_V6),
            },
        };
        c.bench_function(&format!("emit/{}", case.name), |b| {
            b.iter(|| black_box(&case.repr).emit(black_box(&mut out), black_box(&csum)))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
