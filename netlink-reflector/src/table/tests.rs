use std::net::IpAddr;

use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use super::*;

fn link(index: u32, name: &str, flags: LinkFlags) -> RouteNetlinkMessage {
    let mut m = LinkMessage::default();
    m.header.index = index;
    m.header.flags = flags;
    m.attributes.push(LinkAttribute::IfName(name.into()));
    m.attributes.push(LinkAttribute::Mtu(1500));
    RouteNetlinkMessage::NewLink(m)
}

fn addr(index: u32, ip: &str, len: u8, new: bool) -> RouteNetlinkMessage {
    let mut m = AddressMessage::default();
    let ip: IpAddr = ip.parse().unwrap();
    m.header.index = index;
    m.header.prefix_len = len;
    m.header.family = if ip.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    m.attributes.push(AddressAttribute::Address(ip));
    if ip.is_ipv4() {
        m.attributes.push(AddressAttribute::Local(ip));
    }
    if new {
        RouteNetlinkMessage::NewAddress(m)
    } else {
        RouteNetlinkMessage::DelAddress(m)
    }
}

const UP: LinkFlags = LinkFlags::Up.union(LinkFlags::Running);

#[test]
fn link_lifecycle_produces_one_change_per_transition() {
    let mut t = Table::default();
    let mut out = Vec::new();
    t.apply(&link(3, "dummy0", LinkFlags::empty()), &mut out);
    t.apply(&link(3, "dummy0", UP), &mut out);
    t.apply(&link(3, "dummy0", UP), &mut out);
    t.apply(&link(3, "vip0", UP), &mut out);
    t.apply(&link(3, "vip0", LinkFlags::Up), &mut out);
    let mut del = LinkMessage::default();
    del.header.index = 3;
    t.apply(&RouteNetlinkMessage::DelLink(del), &mut out);
    assert_eq!(
        out,
        vec![
            Change::LinkAdded {
                index: 3,
                name: "dummy0".into(),
                up: false
            },
            Change::LinkUp {
                index: 3,
                name: "dummy0".into()
            },
            Change::LinkRenamed {
                index: 3,
                old: "dummy0".into(),
                new: "vip0".into()
            },
            Change::LinkDown {
                index: 3,
                name: "vip0".into()
            },
            Change::LinkRemoved {
                index: 3,
                name: "vip0".into()
            },
        ]
    );
    assert!(t.is_empty());
}

#[test]
fn bridge_port_messages_are_ignored() {
    let mut t = Table::default();
    let mut out = Vec::new();
    t.apply(&link(3, "eth0", UP), &mut out);
    let mut del = LinkMessage::default();
    del.header.index = 3;
    del.header.interface_family = AddressFamily::Bridge;
    t.apply(&RouteNetlinkMessage::DelLink(del), &mut out);
    assert!(t.link(3).is_some());
}

#[test]
fn addresses_follow_their_link_and_survive_link_updates() {
    let mut t = Table::default();
    let mut out = Vec::new();
    t.apply(&addr(3, "192.0.2.1", 24, true), &mut out); // unknown link: ignored
    assert!(out.is_empty());
    t.apply(&link(3, "dummy0", UP), &mut out);
    out.clear();
    t.apply(&addr(3, "192.0.2.1", 24, true), &mut out);
    t.apply(&addr(3, "192.0.2.1", 24, true), &mut out); // repeat: no change
    t.apply(&addr(3, "2001:db8::1", 64, true), &mut out);
    t.apply(&link(3, "dummy0", UP), &mut out);
    assert_eq!(t.link(3).unwrap().addresses.len(), 2);
    t.apply(&addr(3, "192.0.2.1", 24, false), &mut out);
    t.apply(&addr(3, "192.0.2.1", 24, false), &mut out);
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert_eq!(
        out,
        vec![
            Change::AddrAdded {
                index: 3,
                addr: ip("192.0.2.1"),
                prefix_len: 24
            },
            Change::AddrAdded {
                index: 3,
                addr: ip("2001:db8::1"),
                prefix_len: 64
            },
            Change::AddrRemoved {
                index: 3,
                addr: ip("192.0.2.1"),
                prefix_len: 24
            },
        ]
    );
    assert_eq!(t.find_address(ip("2001:db8::1")).unwrap().0.name, "dummy0");
}

#[test]
fn diff_reports_what_a_resync_found() {
    let mut old = Table::default();
    let mut sink = Vec::new();
    old.apply(&link(2, "a", UP), &mut sink);
    old.apply(&link(3, "b", UP), &mut sink);
    old.apply(&addr(2, "192.0.2.1", 24, true), &mut sink);
    let mut new = Table::default();
    new.apply(&link(2, "a", LinkFlags::empty()), &mut sink);
    new.apply(&link(4, "c", UP), &mut sink);
    new.apply(&addr(2, "198.51.100.1", 24, true), &mut sink);
    let mut out = Vec::new();
    old.diff(&new, &mut out);
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert_eq!(
        out,
        vec![
            Change::LinkRemoved {
                index: 3,
                name: "b".into()
            },
            Change::LinkDown {
                index: 2,
                name: "a".into()
            },
            Change::AddrRemoved {
                index: 2,
                addr: ip("192.0.2.1"),
                prefix_len: 24
            },
            Change::AddrAdded {
                index: 2,
                addr: ip("198.51.100.1"),
                prefix_len: 24
            },
            Change::LinkAdded {
                index: 4,
                name: "c".into(),
                up: true
            },
        ]
    );
}

#[test]
fn ipv4_peer_is_split_from_local() {
    let mut m = AddressMessage::default();
    m.header.prefix_len = 32;
    m.attributes
        .push(AddressAttribute::Local("192.0.2.1".parse().unwrap()));
    m.attributes
        .push(AddressAttribute::Address("192.0.2.2".parse().unwrap()));
    let a = address_from_msg(&m).unwrap();
    assert_eq!(a.addr, "192.0.2.1".parse::<IpAddr>().unwrap());
    assert_eq!(a.peer, Some("192.0.2.2".parse().unwrap()));
}

mod fuzzish {
    use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
    use proptest::prelude::*;

    use super::*;

    /// A netlink header announcing `payload` as message type `kind`.
    fn frame(kind: u16, payload: &[u8]) -> Vec<u8> {
        let len = (16 + payload.len()) as u32;
        let mut b = Vec::with_capacity(len as usize);
        b.extend_from_slice(&len.to_ne_bytes());
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(&[0; 10]);
        b.extend_from_slice(payload);
        b
    }

    proptest! {
        /// Whatever the kernel (or a corrupted buffer) sends as a link or address message,
        /// decoding and applying it never panics and leaves the table consistent.
        #[test]
        fn arbitrary_messages_never_panic(
            msgs in proptest::collection::vec(
                (proptest::sample::select(vec![16u16, 17, 20, 21]), proptest::collection::vec(any::<u8>(), 0..200)),
                1..20,
            )
        ) {
            let mut t = Table::default();
            let mut out = Vec::new();
            for (kind, payload) in &msgs {
                let bytes = frame(*kind, payload);
                if let Ok(m) = NetlinkMessage::<RouteNetlinkMessage>::deserialize(&bytes) {
                    if let NetlinkPayload::InnerMessage(inner) = m.payload {
                        t.apply(&inner, &mut out);
                    }
                }
            }
            let snapshot = t.clone();
            let mut diff = Vec::new();
            snapshot.diff(&t, &mut diff);
            prop_assert!(diff.is_empty());
        }
    }
}
