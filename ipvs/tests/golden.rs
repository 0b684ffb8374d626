//! Golden byte vectors for every request the client sends, and decoding of kernel replies.
//!
//! Each vector was written by hand from the layouts of `linux/netlink.h` (16-byte `nlmsghdr`:
//! len, type, flags, seq, pid, all host order), `linux/genetlink.h` (4-byte `genlmsghdr`: cmd,
//! version, reserved) and `linux/ip_vs.h` (attribute numbers), with the byte orders of
//! `net/netfilter/ipvs/ip_vs_ctl.c`: service/destination ports, IPv4 netmask, multicast group
//! and tunnel port big-endian, other integers (the sync daemon's multicast port included) host
//! order (these tests assume a little-endian host, as x86 and
//! arm64 are). Attributes are `nlattr` (len u16 = 4 + value, type u16, value padded to 4);
//! nests carry `NLA_F_NESTED` (0x8000), which `nla_parse_nested_deprecated` in the kernel
//! accepts like libnl's unflagged nests. The order of attributes is that of libipvs
//! (`ipvs_nl_fill_service_attr`, `ipvs_nl_fill_dest_attr`), so an nlmon capture of
//! `ipvsadm -A -t 192.0.2.1:80 -s rr` differs from `ADD_SVC_V4` only in the family id,
//! sequence number, port id and nest flag.
#![cfg(target_endian = "little")]

use keepalive_ipvs::nl::message::parse_datagram;
use keepalive_ipvs::nl::{IpvsAttr, IpvsCmd, IpvsMessage};
use keepalive_ipvs::request;
use keepalive_ipvs::types::*;
use netlink_packet_core::{NetlinkPayload, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST};
use std::net::IpAddr;

const FAMILY: u16 = 0x1c;
const ACK: u16 = NLM_F_REQUEST | NLM_F_ACK;
const DUMP: u16 = NLM_F_REQUEST | NLM_F_DUMP;

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn tcp_v4() -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: "192.0.2.1".parse().unwrap(),
        port: 80,
    }
}

fn fwm_v6() -> ServiceKey {
    ServiceKey::Fwmark {
        af: AddressFamily::Inet6,
        mark: 7,
    }
}

fn check(msg: IpvsMessage, flags: u16, expected: &[u8]) {
    let got = request::serialize(msg.clone(), FAMILY, flags, 1);
    assert_eq!(got, expected, "\n got {got:02x?}\nwant {expected:02x?}");
    // And the bytes decode back to the message.
    let parsed = parse_datagram(&got).unwrap();
    assert_eq!(parsed.len(), 1);
    match &parsed[0].payload {
        NetlinkPayload::InnerMessage(g) => assert_eq!(g.payload, msg),
        other => panic!("{other:?}"),
    }
}

// nlmsghdr with type FAMILY and seq 1, pid 0.
fn nlhdr(len: u32, flags: u16) -> Vec<u8> {
    let mut v = len.to_le_bytes().to_vec();
    v.extend_from_slice(&FAMILY.to_le_bytes());
    v.extend_from_slice(&flags.to_le_bytes());
    v.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
    v
}

/// Service nest of TCP 192.0.2.1:80 (key only): 4 + 8 + 8 + 20 + 8 = 48 bytes.
const SVC_KEY_V4: &[u8] = &[
    0x30, 0x00, 0x01, 0x80, // nla len 48, IPVS_CMD_ATTR_SERVICE | NESTED
    0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, // AF = 2 (AF_INET), pad
    0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00, // PROTOCOL = 6
    0x14, 0x00, 0x03, 0x00, // ADDR, 16 bytes
    0xc0, 0x00, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 192.0.2.1
    0x06, 0x00, 0x04, 0x00, 0x00, 0x50, 0x00, 0x00, // PORT = 80 big-endian
];

/// Settings of a full service entry after the key: sched "rr", flags 0/~0, timeout 0, netmask
/// 255.255.255.255: 8 + 12 + 8 + 8 = 36 bytes.
const SVC_FULL_V4_TAIL: &[u8] = &[
    0x07, 0x00, 0x06, 0x00, b'r', b'r', 0x00, 0x00, // SCHED_NAME "rr\0", pad
    0x0c, 0x00, 0x07, 0x00, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, // FLAGS {0, ~0}
    0x08, 0x00, 0x08, 0x00, 0, 0, 0, 0, // TIMEOUT 0
    0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, // NETMASK /32
];

fn full_v4() -> ServiceConfig {
    ServiceConfig::new(tcp_v4(), "rr")
}

#[test]
fn add_service_v4() {
    // 16 + 4 + (48 + 36) = 104
    let mut nest = SVC_KEY_V4.to_vec();
    nest[0] = 48 + 36;
    let expected = cat(&[
        &nlhdr(104, ACK),
        &[0x01, 0x01, 0x00, 0x00], // cmd NEW_SERVICE, version 1
        &nest,
        SVC_FULL_V4_TAIL,
    ]);
    check(request::add_service(&full_v4()), ACK, &expected);
}

#[test]
fn edit_service_v4() {
    let mut nest = SVC_KEY_V4.to_vec();
    nest[0] = 48 + 36;
    let expected = cat(&[
        &nlhdr(104, ACK),
        &[0x02, 0x01, 0x00, 0x00], // cmd SET_SERVICE
        &nest,
        SVC_FULL_V4_TAIL,
    ]);
    check(request::edit_service(&full_v4()), ACK, &expected);
}

#[test]
fn add_service_fwmark_v6_persistent_with_pe() {
    let mut svc = ServiceConfig::new(fwm_v6(), "sh");
    svc.flags = ServiceFlags::PERSISTENT | ServiceFlags::SH_FALLBACK | ServiceFlags::SH_PORT;
    svc.timeout = 360;
    svc.netmask = 64;
    svc.pe_name = Some("sip".into());
    let nest: &[u8] = &[
        0x40, 0x00, 0x01, 0x80, // SERVICE nest, 64 bytes
        0x06, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00, // AF = 10 (AF_INET6)
        0x08, 0x00, 0x05, 0x00, 0x07, 0x00, 0x00, 0x00, // FWMARK = 7
        0x07, 0x00, 0x06, 0x00, b's', b'h', 0x00, 0x00, // SCHED_NAME "sh"
        0x08, 0x00, 0x0b, 0x00, b's', b'i', b'p', 0x00, // PE_NAME "sip"
        0x0c, 0x00, 0x07, 0x00, 0x19, 0, 0, 0, 0xff, 0xff, 0xff,
        0xff, // FLAGS 0x19 (persistent|sched1|sched2)
        0x08, 0x00, 0x08, 0x00, 0x68, 0x01, 0x00, 0x00, // TIMEOUT 360
        0x08, 0x00, 0x09, 0x00, 0x40, 0x00, 0x00, 0x00, // NETMASK: IPv6 prefix 64, host order
    ];
    let expected = cat(&[&nlhdr(84, ACK), &[0x01, 0x01, 0, 0], nest]);
    check(request::add_service(&svc), ACK, &expected);
}

#[test]
fn del_and_get_service() {
    let expected = cat(&[&nlhdr(68, ACK), &[0x03, 0x01, 0, 0], SVC_KEY_V4]);
    check(request::del_service(&tcp_v4()), ACK, &expected);
    let expected = cat(&[&nlhdr(68, ACK), &[0x04, 0x01, 0, 0], SVC_KEY_V4]);
    check(request::get_service(&tcp_v4()), ACK, &expected);
}

#[test]
fn list_services_and_dests() {
    let expected = cat(&[&nlhdr(20, DUMP), &[0x04, 0x01, 0, 0]]);
    assert_eq!(&expected[6..8], &[0x01, 0x03]); // NLM_F_REQUEST | NLM_F_DUMP (0x301)
    check(request::list_services(), DUMP, &expected);
    let expected = cat(&[&nlhdr(68, DUMP), &[0x08, 0x01, 0, 0], SVC_KEY_V4]);
    check(request::list_dests(&tcp_v4()), DUMP, &expected);
}

/// Destination nest of 198.51.100.2:8080 DR weight 3 u=100 l=10: 4+8+20+8+8+8+8+8 = 72.
const DEST_DR: &[u8] = &[
    0x48, 0x00, 0x02, 0x80, // IPVS_CMD_ATTR_DEST | NESTED, 72 bytes
    0x06, 0x00, 0x0b, 0x00, 0x02, 0x00, 0x00, 0x00, // ADDR_FAMILY = AF_INET
    0x14, 0x00, 0x01, 0x00, 0xc6, 0x33, 0x64, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, // ADDR
    0x06, 0x00, 0x02, 0x00, 0x1f, 0x90, 0x00, 0x00, // PORT 8080 big-endian
    0x08, 0x00, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, // FWD_METHOD = IP_VS_CONN_F_DROUTE
    0x08, 0x00, 0x04, 0x00, 0x03, 0x00, 0x00, 0x00, // WEIGHT 3
    0x08, 0x00, 0x05, 0x00, 0x64, 0x00, 0x00, 0x00, // U_THRESH 100
    0x08, 0x00, 0x06, 0x00, 0x0a, 0x00, 0x00, 0x00, // L_THRESH 10
];

fn dest_dr() -> DestConfig {
    DestConfig {
        key: DestKey {
            addr: "198.51.100.2".parse().unwrap(),
            port: 8080,
        },
        fwd: ForwardMethod::Route,
        weight: 3,
        u_threshold: 100,
        l_threshold: 10,
    }
}

#[test]
fn add_and_edit_dest() {
    // 16 + 4 + 48 + 72 = 140
    let expected = cat(&[&nlhdr(140, ACK), &[0x05, 0x01, 0, 0], SVC_KEY_V4, DEST_DR]);
    check(request::add_dest(&tcp_v4(), &dest_dr()), ACK, &expected);
    let expected = cat(&[&nlhdr(140, ACK), &[0x06, 0x01, 0, 0], SVC_KEY_V4, DEST_DR]);
    check(request::edit_dest(&tcp_v4(), &dest_dr()), ACK, &expected);
}

#[test]
fn add_dest_gue_tunnel_v6_in_v4() {
    let d = DestConfig {
        key: DestKey {
            addr: "2001:db8::2".parse().unwrap(),
            port: 80,
        },
        fwd: ForwardMethod::Tunnel(Tunnel {
            kind: TunnelType::Gue,
            port: 6080,
            flags: TunnelFlags::REMCSUM,
        }),
        weight: 1,
        u_threshold: 0,
        l_threshold: 0,
    };
    let nest: &[u8] = &[
        0x60, 0x00, 0x02, 0x80, // DEST nest, 96 bytes
        0x06, 0x00, 0x0b, 0x00, 0x0a, 0x00, 0x00, 0x00, // ADDR_FAMILY = AF_INET6
        0x14, 0x00, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
        0x06, 0x00, 0x02, 0x00, 0x00, 0x50, 0x00, 0x00, // PORT 80
        0x08, 0x00, 0x03, 0x00, 0x02, 0x00, 0x00, 0x00, // FWD_METHOD = IP_VS_CONN_F_TUNNEL
        0x08, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, // WEIGHT 1
        0x05, 0x00, 0x0d, 0x00, 0x01, 0x00, 0x00, 0x00, // TUN_TYPE = GUE (u8), pad
        0x06, 0x00, 0x0e, 0x00, 0x17, 0xc0, 0x00, 0x00, // TUN_PORT 6080 big-endian
        0x06, 0x00, 0x0f, 0x00, 0x02, 0x00, 0x00, 0x00, // TUN_FLAGS = REMCSUM
        0x08, 0x00, 0x05, 0x00, 0, 0, 0, 0, // U_THRESH
        0x08, 0x00, 0x06, 0x00, 0, 0, 0, 0, // L_THRESH
    ];
    let expected = cat(&[&nlhdr(164, ACK), &[0x05, 0x01, 0, 0], SVC_KEY_V4, nest]);
    check(request::add_dest(&tcp_v4(), &d), ACK, &expected);
}

#[test]
fn del_dest() {
    let nest: &[u8] = &[
        0x28, 0x00, 0x02, 0x80, // DEST nest, 40 bytes
        0x06, 0x00, 0x0b, 0x00, 0x02, 0x00, 0x00, 0x00, // ADDR_FAMILY
        0x14, 0x00, 0x01, 0x00, 0xc6, 0x33, 0x64, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x06,
        0x00, 0x02, 0x00, 0x1f, 0x90, 0x00, 0x00, // PORT 8080
    ];
    let expected = cat(&[&nlhdr(108, ACK), &[0x07, 0x01, 0, 0], SVC_KEY_V4, nest]);
    check(request::del_dest(&tcp_v4(), &dest_dr().key), ACK, &expected);
}

#[test]
fn start_daemon_all_attributes() {
    let d = SyncDaemon {
        state: DaemonState::Backup,
        mcast_ifn: "eth0".into(),
        sync_id: 51,
        sync_maxlen: Some(1472),
        mcast_group: Some("ff02::1:81".parse::<IpAddr>().unwrap()),
        mcast_port: Some(8848),
        mcast_ttl: Some(2),
    };
    let nest: &[u8] = &[
        0x4c, 0x00, 0x03, 0x80, // DAEMON nest, 76 bytes
        0x08, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, // STATE = IP_VS_STATE_BACKUP
        0x09, 0x00, 0x02, 0x00, b'e', b't', b'h', b'0', 0x00, 0x00, 0x00, 0x00, // MCAST_IFN
        0x08, 0x00, 0x03, 0x00, 0x33, 0x00, 0x00, 0x00, // SYNC_ID 51
        0x06, 0x00, 0x04, 0x00, 0xc0, 0x05, 0x00, 0x00, // SYNC_MAXLEN 1472 host order
        0x14, 0x00, 0x06, 0x00, 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0,
        0x81, // GROUP6
        0x06, 0x00, 0x07, 0x00, 0x90, 0x22, 0x00, 0x00, // MCAST_PORT 8848, host order
        0x05, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, // MCAST_TTL 2
    ];
    let expected = cat(&[&nlhdr(96, ACK), &[0x09, 0x01, 0, 0], nest]);
    check(request::start_daemon(&d), ACK, &expected);
}

#[test]
fn start_daemon_v4_group() {
    let d = SyncDaemon {
        state: DaemonState::Master,
        mcast_ifn: "eth1".into(),
        sync_id: 0,
        sync_maxlen: None,
        mcast_group: Some("224.0.0.81".parse::<IpAddr>().unwrap()),
        mcast_port: None,
        mcast_ttl: None,
    };
    let nest: &[u8] = &[
        0x28, 0x00, 0x03, 0x80, // DAEMON nest, 40 bytes
        0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, // STATE = MASTER
        0x09, 0x00, 0x02, 0x00, b'e', b't', b'h', b'1', 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x00, 0x00, // SYNC_ID 0
        0x08, 0x00, 0x05, 0x00, 0xe0, 0x00, 0x00, 0x51, // MCAST_GROUP 224.0.0.81
    ];
    let expected = cat(&[&nlhdr(60, ACK), &[0x09, 0x01, 0, 0], nest]);
    check(request::start_daemon(&d), ACK, &expected);
}

#[test]
fn stop_and_list_daemons() {
    let nest: &[u8] = &[
        0x14, 0x00, 0x03, 0x80, // DAEMON nest, 20 bytes
        0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, // STATE = MASTER
        0x08, 0x00, 0x03, 0x00, 0x33, 0x00, 0x00, 0x00, // SYNC_ID 51
    ];
    let expected = cat(&[&nlhdr(40, ACK), &[0x0a, 0x01, 0, 0], nest]);
    check(
        request::stop_daemon(DaemonState::Master, 51),
        ACK,
        &expected,
    );
    let expected = cat(&[&nlhdr(20, DUMP), &[0x0b, 0x01, 0, 0]]);
    check(request::list_daemons(), DUMP, &expected);
}

#[test]
fn timeouts() {
    let expected = cat(&[&nlhdr(20, ACK), &[0x0d, 0x01, 0, 0]]);
    check(request::get_timeouts(), ACK, &expected);
    let t = TimeoutUpdate {
        tcp: Some(900),
        tcp_fin: None,
        udp: Some(60),
    };
    let expected = cat(&[
        &nlhdr(36, ACK),
        &[0x0c, 0x01, 0, 0],                               // SET_CONFIG
        &[0x08, 0x00, 0x04, 0x00, 0x84, 0x03, 0x00, 0x00], // TIMEOUT_TCP 900
        &[0x08, 0x00, 0x06, 0x00, 0x3c, 0x00, 0x00, 0x00], // TIMEOUT_UDP 60
    ]);
    check(request::set_timeouts(&t), ACK, &expected);
}

#[test]
fn info_flush_zero() {
    check(
        request::get_info(),
        ACK,
        &cat(&[&nlhdr(20, ACK), &[0x0f, 0x01, 0, 0]]),
    );
    check(
        request::flush(),
        ACK,
        &cat(&[&nlhdr(20, ACK), &[0x11, 0x01, 0, 0]]),
    );
    check(
        request::zero(None),
        ACK,
        &cat(&[&nlhdr(20, ACK), &[0x10, 0x01, 0, 0]]),
    );
    check(
        request::zero(Some(&tcp_v4())),
        ACK,
        &cat(&[&nlhdr(68, ACK), &[0x10, 0x01, 0, 0], SVC_KEY_V4]),
    );
}

/// A kernel-style `GET_SERVICE` dump reply: two `NEW_SERVICE` messages and `NLMSG_DONE` in one
/// datagram, as `ip_vs_genl_dump_services` writes them (flags NLM_F_MULTI, unflagged nests,
/// legacy and 64-bit stats, a PAD attribute, and an attribute from the future).
fn service_dump() -> Vec<u8> {
    let stats_legacy: &[u8] = &[
        0x54, 0x00, 0x0a, 0x00, // SVC_ATTR_STATS (unflagged nest) 84 bytes
        0x08, 0x00, 0x01, 0x00, 0x05, 0, 0, 0, // CONNS 5
        0x08, 0x00, 0x02, 0x00, 0x0a, 0, 0, 0, // INPKTS 10
        0x08, 0x00, 0x03, 0x00, 0x09, 0, 0, 0, // OUTPKTS 9
        0x0c, 0x00, 0x04, 0x00, 0xe8, 0x03, 0, 0, 0, 0, 0, 0, // INBYTES 1000
        0x0c, 0x00, 0x05, 0x00, 0xd0, 0x07, 0, 0, 0, 0, 0, 0, // OUTBYTES 2000
        0x08, 0x00, 0x06, 0x00, 0x01, 0, 0, 0, // CPS 1
        0x08, 0x00, 0x07, 0x00, 0x02, 0, 0, 0, // INPPS 2
        0x08, 0x00, 0x08, 0x00, 0x03, 0, 0, 0, // OUTPPS 3
        0x08, 0x00, 0x09, 0x00, 0x04, 0, 0, 0, // INBPS 4
    ];
    let stats64: &[u8] = &[
        0x2c, 0x00, 0x0c, 0x00, // SVC_ATTR_STATS64, 44 bytes
        0x04, 0x00, 0x0b, 0x00, // PAD (empty)
        0x0c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, // CONNS 2^32
        0x0c, 0x00, 0x04, 0x00, 0xe8, 0x03, 0, 0, 0, 0, 0, 0, // INBYTES 1000
        0x0c, 0x00, 0x0a, 0x00, 0x05, 0, 0, 0, 0, 0, 0, 0, // OUTBPS 5
    ];
    let svc1_inner: Vec<u8> = cat(&[
        &[0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00], // AF
        &[0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00], // PROTOCOL
        &[0x14, 0x00, 0x03, 0x00, 0xc0, 0x00, 0x02, 0x01],
        &[0; 12],                                          // ADDR 192.0.2.1
        &[0x06, 0x00, 0x04, 0x00, 0x00, 0x50, 0x00, 0x00], // PORT 80
        &[0x08, 0x00, 0x06, 0x00, b'w', b'l', b'c', 0x00], // SCHED "wlc"
        &[
            0x0c, 0x00, 0x07, 0x00, 0x03, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
        ], // FLAGS persistent|hashed
        &[0x08, 0x00, 0x08, 0x00, 0x2c, 0x01, 0x00, 0x00], // TIMEOUT 300
        &[0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0x00], // NETMASK 255.255.255.0
        stats_legacy,
        stats64,
        &[0x08, 0x00, 0x63, 0x00, 0xde, 0xad, 0xbe, 0xef], // unknown attr 99
    ]);
    let svc2_inner: Vec<u8> = cat(&[
        &[0x06, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00], // AF inet6
        &[0x08, 0x00, 0x05, 0x00, 0x07, 0x00, 0x00, 0x00], // FWMARK 7
        &[0x07, 0x00, 0x06, 0x00, b'r', b'r', 0x00, 0x00], // SCHED "rr"
        &[
            0x0c, 0x00, 0x07, 0x00, 0x02, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
        ], // FLAGS hashed
        &[0x08, 0x00, 0x08, 0x00, 0, 0, 0, 0],             // TIMEOUT 0
        &[0x08, 0x00, 0x09, 0x00, 0x80, 0x00, 0x00, 0x00], // NETMASK /128 (host order)
    ]);
    let mut out = Vec::new();
    for inner in [&svc1_inner, &svc2_inner] {
        let nest_len = 4 + inner.len();
        let total = 16 + 4 + nest_len;
        out.extend_from_slice(&(total as u32).to_le_bytes());
        out.extend_from_slice(&FAMILY.to_le_bytes());
        out.extend_from_slice(&[0x02, 0x00]); // NLM_F_MULTI
        out.extend_from_slice(&[7, 0, 0, 0, 0x39, 0x30, 0, 0]); // seq 7, pid 12345
        out.extend_from_slice(&[0x01, 0x01, 0x00, 0x00]); // NEW_SERVICE v1
        out.extend_from_slice(&(nest_len as u16).to_le_bytes());
        out.extend_from_slice(&[0x01, 0x00]); // CMD_ATTR_SERVICE, unflagged
        out.extend_from_slice(inner);
    }
    // NLMSG_DONE with its 4-byte error field.
    out.extend_from_slice(&[
        0x14, 0, 0, 0, 0x03, 0, 0x02, 0, 7, 0, 0, 0, 0x39, 0x30, 0, 0,
    ]);
    out.extend_from_slice(&[0, 0, 0, 0]);
    out
}

#[test]
fn parse_service_dump() {
    let msgs = parse_datagram(&service_dump()).unwrap();
    assert_eq!(msgs.len(), 3);
    let mut services = Vec::new();
    for m in &msgs[..2] {
        assert_eq!(m.header.sequence_number, 7);
        let NetlinkPayload::InnerMessage(g) = &m.payload else {
            panic!("{m:?}")
        };
        assert_eq!(g.payload.cmd, IpvsCmd::NewService);
        services
            .extend(keepalive_ipvs::client::services_of(std::slice::from_ref(&g.payload)).unwrap());
        if let IpvsAttr::Service(nlas) = &g.payload.attrs[0] {
            assert!(nlas.len() >= 6);
        }
    }
    assert!(matches!(msgs[2].payload, NetlinkPayload::Done(_)));

    let s1 = &services[0];
    assert_eq!(s1.config.key, tcp_v4());
    assert_eq!(s1.config.scheduler, "wlc");
    assert!(s1.config.flags.contains(ServiceFlags::PERSISTENT));
    assert!(s1.config.flags.contains(ServiceFlags::HASHED));
    assert_eq!(s1.config.timeout, 300);
    assert_eq!(s1.config.netmask, 0xffff_ff00);
    // stats64 wins over the legacy nest.
    assert_eq!(s1.stats.conns, 1 << 32);
    assert_eq!(s1.stats.inbytes, 1000);
    assert_eq!(s1.stats.outbps, 5);

    let s2 = &services[1];
    assert_eq!(s2.config.key, fwm_v6());
    assert_eq!(s2.config.netmask, 128);
    assert_eq!(s2.config.pe_name, None);
}

#[test]
fn parse_dest_dump_and_info_and_error() {
    // A NEW_DEST reply for a v4 service with an old kernel's attributes (no ADDR_FAMILY, no
    // tunnel attributes): family comes from the service.
    let inner: Vec<u8> = cat(&[
        &[0x14, 0x00, 0x01, 0x00, 0xc6, 0x33, 0x64, 0x02],
        &[0; 12],
        &[0x06, 0x00, 0x02, 0x00, 0x1f, 0x90, 0x00, 0x00],
        &[0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00], // MASQ
        &[0x08, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00], // weight 5
        &[0x08, 0x00, 0x05, 0x00, 0, 0, 0, 0],
        &[0x08, 0x00, 0x06, 0x00, 0, 0, 0, 0],
        &[0x08, 0x00, 0x07, 0x00, 0x0c, 0, 0, 0], // active 12
        &[0x08, 0x00, 0x08, 0x00, 0x22, 0, 0, 0], // inactive 34
        &[0x08, 0x00, 0x09, 0x00, 0x01, 0, 0, 0], // persistent 1
    ]);
    let nest = cat(&[
        &((4 + inner.len()) as u16).to_le_bytes(),
        &[0x02, 0x00],
        &inner,
    ]);
    let msg = IpvsMessage::parse_attrs(IpvsCmd::NewDest, &nest).unwrap();
    let IpvsAttr::Dest(nlas) = &msg.attrs[0] else {
        panic!()
    };
    let d = Dest::from_nlas(nlas, AddressFamily::Inet).unwrap();
    assert_eq!(d.config.key.addr, "198.51.100.2".parse::<IpAddr>().unwrap());
    assert_eq!(d.config.fwd, ForwardMethod::Masq);
    assert_eq!(d.config.weight, 5);
    assert_eq!(
        (d.active_conns, d.inactive_conns, d.persistent_conns),
        (12, 34, 1)
    );

    // GET_INFO reply: info attributes at top level, numbered like SERVICE/DEST.
    let info: &[u8] = &[
        0x08, 0x00, 0x01, 0x00, 0x01, 0x02, 0x01, 0x00, // VERSION 0x010201
        0x08, 0x00, 0x02, 0x00, 0x00, 0x10, 0x00, 0x00, // CONN_TAB_SIZE 4096
    ];
    let msg = IpvsMessage::parse_attrs(IpvsCmd::SetInfo, info).unwrap();
    assert_eq!(
        msg.attrs,
        vec![
            IpvsAttr::InfoVersion(0x010201),
            IpvsAttr::InfoConnTabSize(4096)
        ]
    );

    // NLMSG_ERROR -17 echoing the request header.
    let mut err = vec![0x24, 0, 0, 0, 0x02, 0, 0x00, 0x01, 1, 0, 0, 0, 0, 0, 0, 0];
    err.extend_from_slice(&(-17i32).to_le_bytes());
    err.extend_from_slice(&nlhdr(104, ACK));
    let msgs = parse_datagram(&err).unwrap();
    let NetlinkPayload::Error(e) = &msgs[0].payload else {
        panic!()
    };
    assert_eq!(e.raw_code(), -17);
}
