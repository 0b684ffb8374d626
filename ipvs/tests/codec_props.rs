//! Properties of the codec: no input makes decoding panic, and typed values survive
//! emit → parse.

use keepalive_ipvs::nl::message::{parse_datagram, IpvsNetlinkMessage};
use keepalive_ipvs::nl::{IpvsAttr, IpvsCmd, IpvsMessage};
use keepalive_ipvs::request;
use keepalive_ipvs::types::*;
use netlink_packet_core::{Emitable, NetlinkPayload};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|b| IpAddr::V4(Ipv4Addr::from(b))),
        any::<[u8; 16]>().prop_map(|b| IpAddr::V6(Ipv6Addr::from(b))),
    ]
}

fn name() -> impl Strategy<Value = String> {
    "[a-z0-9_-]{1,15}"
}

fn service_key() -> impl Strategy<Value = ServiceKey> {
    prop_oneof![
        (any::<u16>(), ip(), any::<u16>()).prop_map(|(p, addr, port)| ServiceKey::Addr {
            protocol: Protocol::from_raw(p),
            addr,
            port
        }),
        (any::<bool>(), 1..u32::MAX).prop_map(|(v6, mark)| ServiceKey::Fwmark {
            af: if v6 {
                AddressFamily::Inet6
            } else {
                AddressFamily::Inet
            },
            mark
        }),
    ]
}

fn stats() -> impl Strategy<Value = Stats> {
    any::<[u64; 10]>().prop_map(|v| Stats {
        conns: v[0],
        inpkts: v[1],
        outpkts: v[2],
        inbytes: v[3],
        outbytes: v[4],
        cps: v[5],
        inpps: v[6],
        outpps: v[7],
        inbps: v[8],
        outbps: v[9],
    })
}

fn service() -> impl Strategy<Value = Service> {
    (
        service_key(),
        name(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        proptest::option::of(name()),
        stats(),
    )
        .prop_map(
            |(key, scheduler, flags, timeout, netmask, pe_name, stats)| Service {
                config: ServiceConfig {
                    key,
                    scheduler,
                    flags: ServiceFlags(flags),
                    timeout,
                    netmask,
                    pe_name,
                },
                stats,
            },
        )
}

fn fwd() -> impl Strategy<Value = ForwardMethod> {
    prop_oneof![
        Just(ForwardMethod::Masq),
        Just(ForwardMethod::Local),
        Just(ForwardMethod::Route),
        Just(ForwardMethod::Bypass),
        (any::<u8>(), any::<u16>(), any::<u16>()).prop_map(|(t, port, flags)| {
            ForwardMethod::Tunnel(Tunnel {
                kind: TunnelType::from_raw(t),
                port,
                flags: TunnelFlags(flags),
            })
        }),
    ]
}

fn dest() -> impl Strategy<Value = Dest> {
    (
        ip(),
        any::<u16>(),
        fwd(),
        any::<i32>(),
        any::<u32>(),
        any::<u32>(),
        any::<[u32; 3]>(),
        stats(),
    )
        .prop_map(|(addr, port, fwd, weight, u, l, conns, stats)| Dest {
            config: DestConfig {
                key: DestKey { addr, port },
                fwd,
                weight,
                u_threshold: u,
                l_threshold: l,
            },
            active_conns: conns[0],
            inactive_conns: conns[1],
            persistent_conns: conns[2],
            stats,
        })
}

fn emit(msg: &IpvsMessage) -> Vec<u8> {
    let mut buf = vec![0xa5; msg.buffer_len()];
    msg.emit(&mut buf);
    buf
}

fn decode_everything(msgs: &[IpvsNetlinkMessage]) {
    for m in msgs {
        if let NetlinkPayload::InnerMessage(g) = &m.payload {
            for attr in &g.payload.attrs {
                match attr {
                    IpvsAttr::Service(n) => {
                        let _ = Service::from_nlas(n);
                    }
                    IpvsAttr::Dest(n) => {
                        let _ = Dest::from_nlas(n, AddressFamily::Inet);
                        let _ = Dest::from_nlas(n, AddressFamily::Inet6);
                    }
                    IpvsAttr::Daemon(n) => {
                        let _ = SyncDaemon::from_nlas(n);
                    }
                    _ => {}
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_datagrams_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(msgs) = parse_datagram(&bytes) {
            decode_everything(&msgs);
        }
    }

    #[test]
    fn arbitrary_attributes_never_panic(
        cmd in any::<u8>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        if let Ok(msg) = IpvsMessage::parse_attrs(IpvsCmd::from(cmd), &bytes) {
            let _ = keepalive_ipvs::client::services_of(&[msg]);
        }
    }

    /// Valid messages with bytes flipped reach deep into the nests.
    #[test]
    fn mutated_valid_messages_never_panic(
        svc in service(),
        d in dest(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let msg = IpvsMessage::new(
            IpvsCmd::NewDest,
            vec![IpvsAttr::Service(svc.to_nlas()), IpvsAttr::Dest(d.to_nlas())],
        );
        let mut bytes = request::serialize(msg, 0x1c, 0x02, 1);
        for (i, b) in flips {
            let at = i.index(bytes.len());
            bytes[at] = b;
        }
        if let Ok(msgs) = parse_datagram(&bytes) {
            decode_everything(&msgs);
        }
    }

    #[test]
    fn service_round_trips(svc in service()) {
        let msg = IpvsMessage::new(IpvsCmd::NewService, vec![IpvsAttr::Service(svc.to_nlas())]);
        let parsed = IpvsMessage::parse_attrs(IpvsCmd::NewService, &emit(&msg)).unwrap();
        prop_assert_eq!(&parsed, &msg);
        let IpvsAttr::Service(nlas) = &parsed.attrs[0] else { unreachable!() };
        prop_assert_eq!(Service::from_nlas(nlas).unwrap(), svc);
    }

    #[test]
    fn dest_round_trips(d in dest(), v6 in any::<bool>()) {
        let msg = IpvsMessage::new(IpvsCmd::NewDest, vec![IpvsAttr::Dest(d.to_nlas())]);
        let parsed = IpvsMessage::parse_attrs(IpvsCmd::NewDest, &emit(&msg)).unwrap();
        prop_assert_eq!(&parsed, &msg);
        let IpvsAttr::Dest(nlas) = &parsed.attrs[0] else { unreachable!() };
        let af = if v6 { AddressFamily::Inet6 } else { AddressFamily::Inet };
        prop_assert_eq!(Dest::from_nlas(nlas, af).unwrap(), d);
    }

    #[test]
    fn daemon_round_trips(
        master in any::<bool>(),
        ifn in name(),
        sync_id in any::<u32>(),
        maxlen in proptest::option::of(any::<u16>()),
        group in proptest::option::of(ip()),
        port in proptest::option::of(any::<u16>()),
        ttl in proptest::option::of(any::<u8>()),
    ) {
        let d = SyncDaemon {
            state: if master { DaemonState::Master } else { DaemonState::Backup },
            mcast_ifn: ifn,
            sync_id,
            sync_maxlen: maxlen,
            mcast_group: group,
            mcast_port: port,
            mcast_ttl: ttl,
        };
        let msg = request::start_daemon(&d);
        let parsed = IpvsMessage::parse_attrs(IpvsCmd::NewDaemon, &emit(&msg)).unwrap();
        prop_assert_eq!(&parsed, &msg);
        let IpvsAttr::Daemon(nlas) = &parsed.attrs[0] else { unreachable!() };
        prop_assert_eq!(SyncDaemon::from_nlas(nlas).unwrap(), d);
    }
}
