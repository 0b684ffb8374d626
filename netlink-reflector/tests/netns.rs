//! rtnetlink behaviour against the real kernel, each test in its own network namespace.
//! Needs root (CI runs as root); a test is skipped with a printed reason only when
//! `ip netns add` fails, and fails instead under `CI=true`.

mod common;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use common::{addr_info, in_netns, ip, ip_json, sysctl_outside, veth_pair};
use keepalive_netlink::sysctl::read_sysctl;
use keepalive_netlink::vmac::vmac_sysctls;
use keepalive_netlink::{
    AddressSpec, Broadcast, Change, Error, MacvlanMode, NextHop, RcvBuf, Reflector, RouteSpec,
    RouteType, Rtnl, RuleSpec, RuleTarget, Scope, SysctlGuard, VmacSpec,
};
use nix::errno::Errno;

const WAIT: Duration = Duration::from_secs(10);

fn ipa(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// Processes events until `pred` matches one, or panics after a generous bound.
fn expect_change(r: &mut Reflector, what: &str, pred: impl Fn(&Change) -> bool) -> Change {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        for c in r
            .wait_changes(Duration::from_millis(500))
            .expect("process events")
        {
            if pred(&c) {
                return c;
            }
            seen.push(c);
        }
    }
    panic!("no {what} within {WAIT:?}; saw {seen:?}");
}

#[test]
fn dump_and_link_events() {
    in_netns("dump_and_link_events", |ns| {
        veth_pair(ns, "va", "vb");
        let mut r = Reflector::open(None).unwrap();
        let va = r.table().link_by_name("va").expect("va in dump").clone();
        assert_eq!(va.kind.as_deref(), Some("veth"));
        assert_eq!(va.mtu, 1500);
        assert_eq!(va.mac.len(), 6);
        assert!(va.admin_up());
        assert!(r.table().link_by_name("lo").is_some());
        // Wait for carrier on both ends.
        let deadline = Instant::now() + WAIT;
        while !r.table().link_by_name("va").unwrap().is_up() && Instant::now() < deadline {
            r.wait_changes(Duration::from_millis(200)).unwrap();
        }
        assert!(
            r.table().link_by_name("va").unwrap().is_up(),
            "va never came up"
        );

        ip(ns, "link set va down");
        expect_change(
            &mut r,
            "LinkDown va",
            |c| matches!(c, Change::LinkDown { name, .. } if name == "va"),
        );
        assert!(!r.table().link(va.index).unwrap().admin_up());
        ip(ns, "link set va up");
        expect_change(
            &mut r,
            "LinkUp va",
            |c| matches!(c, Change::LinkUp { name, .. } if name == "va"),
        );
        // The peer going down takes va's carrier away.
        ip(ns, "link set vb down");
        expect_change(
            &mut r,
            "LinkDown va (carrier)",
            |c| matches!(c, Change::LinkDown { index, .. } if *index == va.index),
        );

        ip(ns, "link add vc type veth peer name vd");
        let added = expect_change(
            &mut r,
            "LinkAdded vc",
            |c| matches!(c, Change::LinkAdded { name, .. } if name == "vc"),
        );
        let Change::LinkAdded { index: vc, up, .. } = added else {
            unreachable!()
        };
        assert!(!up);
        ip(ns, "link set vc name vrenamed");
        expect_change(
            &mut r,
            "LinkRenamed",
            |c| matches!(c, Change::LinkRenamed { index, old, new } if *index == vc && old == "vc" && new == "vrenamed"),
        );
        ip(ns, "link del vrenamed");
        expect_change(
            &mut r,
            "LinkRemoved",
            |c| matches!(c, Change::LinkRemoved { index, .. } if *index == vc),
        );
        assert!(r.table().link(vc).is_none());
    });
}

#[test]
fn ipv4_address_with_options() {
    in_netns("ipv4_address_with_options", |ns| {
        veth_pair(ns, "va", "vb");
        let mut r = Reflector::open(None).unwrap();
        let mut nl = Rtnl::open(None).unwrap();
        let idx = nl.link_index("va").unwrap();
        assert_eq!(idx, r.table().link_by_name("va").unwrap().index);

        let mut a = AddressSpec::new(idx, ipa("192.0.2.10"), 24);
        a.broadcast = Some(Broadcast::HostBitsSet);
        a.label = Some("va:vip".into());
        a.scope = Scope::Link;
        a.noprefixroute = true;
        nl.add_address(&a).unwrap();
        let mut p = AddressSpec::new(idx, ipa("192.0.2.20"), 32);
        p.peer = Some(ipa("192.0.2.21"));
        nl.add_address(&p).unwrap();

        let info = addr_info(ns, "va");
        let vip = info
            .iter()
            .find(|x| x["local"] == "192.0.2.10")
            .expect("VIP listed");
        assert_eq!(vip["prefixlen"], 24);
        assert_eq!(vip["broadcast"], "192.0.2.255");
        assert_eq!(vip["label"], "va:vip");
        assert_eq!(vip["scope"], "link");
        assert_eq!(vip["noprefixroute"], true);
        let peer = info
            .iter()
            .find(|x| x["local"] == "192.0.2.20")
            .expect("peer address listed");
        assert_eq!(peer["address"], "192.0.2.21");

        expect_change(
            &mut r,
            "AddrAdded VIP",
            |c| matches!(c, Change::AddrAdded { addr, prefix_len: 24, index } if *addr == ipa("192.0.2.10") && *index == idx),
        );
        let deadline = Instant::now() + WAIT;
        while r.table().find_address(ipa("192.0.2.20")).is_none() && Instant::now() < deadline {
            r.wait_changes(Duration::from_millis(200)).unwrap();
        }
        let (_, mirrored) = r
            .table()
            .find_address(ipa("192.0.2.20"))
            .expect("peer address mirrored");
        assert_eq!(mirrored.peer, Some(ipa("192.0.2.21")));
        let (_, vip) = r.table().find_address(ipa("192.0.2.10")).unwrap();
        assert_eq!(vip.label.as_deref(), Some("va:vip"));
        assert_eq!(vip.broadcast, Some("192.0.2.255".parse().unwrap()));
        assert_eq!(vip.scope, 253);

        // Adding it again is refused with EEXIST, and the error says what was attempted.
        match nl.add_address(&a) {
            Err(Error::Kernel {
                errno: Errno::EEXIST,
                what,
                ..
            }) => assert!(what.contains("192.0.2.10/24")),
            other => panic!("expected EEXIST, got {other:?}"),
        }

        nl.del_address(&a).unwrap();
        nl.del_address(&p).unwrap();
        assert!(addr_info(ns, "va").iter().all(|x| x["family"] != "inet"));
        expect_change(
            &mut r,
            "AddrRemoved VIP",
            |c| matches!(c, Change::AddrRemoved { addr, .. } if *addr == ipa("192.0.2.10")),
        );
        match nl.del_address(&a) {
            Err(Error::Kernel { errno, .. }) => assert_eq!(errno, Errno::EADDRNOTAVAIL),
            other => panic!("expected EADDRNOTAVAIL, got {other:?}"),
        }
    });
}

#[test]
fn ipv6_address_nodad_and_lifetimes() {
    in_netns("ipv6_address_nodad_and_lifetimes", |ns| {
        veth_pair(ns, "va", "vb");
        let mut nl = Rtnl::open(None).unwrap();
        let idx = nl.link_index("va").unwrap();
        // keepalived's defaults: nodad, and a /128 deprecated (preferred_lft 0).
        let host = AddressSpec::new(idx, ipa("2001:db8::10"), 128);
        nl.add_address(&host).unwrap();
        // `-nodad` and `preferred_lft forever` explicitly; plus mngtmpaddr and noprefixroute.
        let mut net = AddressSpec::new(idx, ipa("2001:db8:1::10"), 64);
        net.dad = true;
        net.mngtmpaddr = true;
        net.noprefixroute = true;
        nl.add_address(&net).unwrap();
        let mut home = AddressSpec::new(idx, ipa("2001:db8:2::10"), 64);
        home.home = true;
        home.preferred_lft = Some(300);
        nl.add_address(&home).unwrap();

        let info = addr_info(ns, "va");
        let h = info
            .iter()
            .find(|x| x["local"] == "2001:db8::10")
            .expect("/128 listed");
        assert_eq!(h["nodad"], true);
        assert_eq!(h["preferred_life_time"], 0);
        assert_eq!(h["deprecated"], true);
        let n = info
            .iter()
            .find(|x| x["local"] == "2001:db8:1::10")
            .expect("/64 listed");
        assert!(n.get("nodad").is_none());
        assert_eq!(n["mngtmpaddr"], true);
        assert_eq!(n["noprefixroute"], true);
        assert_eq!(n["preferred_life_time"], u32::MAX);
        let m = info
            .iter()
            .find(|x| x["local"] == "2001:db8:2::10")
            .expect("home listed");
        assert_eq!(m["home"], true);
        assert_eq!(m["nodad"], true);
        assert!(m["preferred_life_time"].as_u64().unwrap() <= 300);

        for a in [&host, &net, &home] {
            nl.del_address(a).unwrap();
        }
        assert!(addr_info(ns, "va").iter().all(|x| x["scope"] != "global"));
    });
}

#[test]
fn address_removed_by_someone_else_is_reported() {
    in_netns("address_removed_by_someone_else_is_reported", |ns| {
        veth_pair(ns, "va", "vb");
        let mut nl = Rtnl::open(None).unwrap();
        let idx = nl.link_index("va").unwrap();
        nl.add_address(&AddressSpec::new(idx, ipa("203.0.113.7"), 24))
            .unwrap();
        nl.add_address(&AddressSpec::new(idx, ipa("2001:db8::7"), 64))
            .unwrap();
        let mut r = Reflector::open(None).unwrap();
        assert!(r.table().find_address(ipa("203.0.113.7")).is_some());
        ip(ns, "addr del 203.0.113.7/24 dev va");
        expect_change(&mut r, "external AddrRemoved v4", |c| {
            *c == Change::AddrRemoved {
                index: idx,
                addr: ipa("203.0.113.7"),
                prefix_len: 24,
            }
        });
        ip(ns, "addr del 2001:db8::7/64 dev va");
        expect_change(&mut r, "external AddrRemoved v6", |c| {
            *c == Change::AddrRemoved {
                index: idx,
                addr: ipa("2001:db8::7"),
                prefix_len: 64,
            }
        });
        assert!(r.table().find_address(ipa("203.0.113.7")).is_none());
    });
}

#[test]
fn routes_add_and_remove() {
    in_netns("routes_add_and_remove", |ns| {
        veth_pair(ns, "va", "vb");
        let mut nl = Rtnl::open(None).unwrap();
        let idx = nl.link_index("va").unwrap();
        nl.add_address(&AddressSpec::new(idx, ipa("192.0.2.1"), 24))
            .unwrap();
        nl.add_address(&AddressSpec::new(idx, ipa("2001:db8::1"), 64))
            .unwrap();

        let mut via = RouteSpec::new(ipa("198.51.100.0"), 24);
        via.gateway = Some(ipa("192.0.2.254"));
        via.ifindex = Some(idx);
        via.src = Some(ipa("192.0.2.1"));
        via.table = 100;
        via.metric = Some(50);
        nl.add_route(&via).unwrap();
        let mut big = via.clone();
        big.table = 1000;
        big.metrics = vec![keepalive_netlink::Metric::Mtu(1400)];
        nl.add_route(&big).unwrap();
        let mut bh = RouteSpec::new(ipa("203.0.113.0"), 24);
        bh.kind = RouteType::Blackhole;
        nl.add_route(&bh).unwrap();
        let mut mp = RouteSpec::new(ipa("198.51.100.128"), 25);
        mp.nexthops = vec![
            NextHop {
                gateway: Some(ipa("192.0.2.2")),
                ifindex: Some(idx),
                weight: 1,
                onlink: false,
            },
            NextHop {
                gateway: Some(ipa("192.0.2.3")),
                ifindex: Some(idx),
                weight: 2,
                onlink: false,
            },
        ];
        nl.add_route(&mp).unwrap();
        let mut v6 = RouteSpec::new(ipa("2001:db8:100::"), 48);
        v6.kind = RouteType::Unreachable;
        v6.table = 100;
        nl.add_route(&v6).unwrap();
        let mut scoped = RouteSpec::new(ipa("198.51.100.77"), 32);
        scoped.ifindex = Some(idx);
        scoped.scope = Some(253);
        scoped.protocol = 4; // static
        nl.add_route(&scoped).unwrap();

        let t100 = ip_json(ns, "route show table 100");
        let r = t100
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["dst"] == "198.51.100.0/24")
            .expect("table 100 route");
        assert_eq!(r["gateway"], "192.0.2.254");
        assert_eq!(r["dev"], "va");
        assert_eq!(r["metric"], 50);
        assert_eq!(r["prefsrc"], "192.0.2.1");
        assert!(
            r["protocol"] == "keepalived" || r["protocol"] == "18",
            "{r}"
        );
        let t1000 = ip_json(ns, "-d route show table 1000");
        assert_eq!(t1000[0]["dst"], "198.51.100.0/24");
        assert_eq!(t1000[0]["metrics"][0]["mtu"], 1400, "{t1000}");
        let main = ip_json(ns, "route show");
        let main = main.as_array().unwrap();
        assert!(main
            .iter()
            .any(|x| x["dst"] == "203.0.113.0/24" && x["type"] == "blackhole"));
        let m = main
            .iter()
            .find(|x| x["dst"] == "198.51.100.128/25")
            .expect("multipath route");
        let hops = m["nexthops"].as_array().expect("nexthops");
        assert_eq!(hops.len(), 2);
        assert_eq!(hops[1]["gateway"], "192.0.2.3");
        assert_eq!(hops[1]["weight"], 2);
        let s = main
            .iter()
            .find(|x| x["dst"] == "198.51.100.77")
            .expect("scoped route");
        assert_eq!(s["scope"], "link");
        assert_eq!(s["protocol"], "static");
        let t6 = ip_json(ns, "-6 route show table 100");
        assert!(
            t6.as_array()
                .unwrap()
                .iter()
                .any(|x| x["dst"] == "2001:db8:100::/48" && x["type"] == "unreachable"),
            "{t6}"
        );

        // An unreachable gateway is refused, and the kernel's own reason is carried along.
        let mut bad = RouteSpec::new(ipa("203.0.113.128"), 25);
        bad.gateway = Some(ipa("198.51.100.99"));
        match nl.add_route(&bad) {
            Err(e @ Error::Kernel { .. }) => {
                let Error::Kernel { ref message, .. } = e else {
                    unreachable!()
                };
                assert!(message.as_deref().is_some_and(|m| !m.is_empty()), "{e}");
                assert!(e.to_string().contains("203.0.113.128/25"), "{e}");
            }
            other => panic!("expected a kernel error, got {other:?}"),
        }

        // Prepend (keepalived's default) accepts a duplicate; `add` (exclusive) refuses it.
        let mut excl = bh.clone();
        excl.mode = keepalive_netlink::AddMode::Exclusive;
        match nl.add_route(&excl) {
            Err(Error::Kernel {
                errno: Errno::EEXIST,
                ..
            }) => {}
            other => panic!("expected EEXIST, got {other:?}"),
        }

        for r in [&via, &big, &bh, &mp, &v6, &scoped] {
            nl.del_route(r).unwrap();
        }
        assert!(ip_json(ns, "route show table 100")
            .as_array()
            .unwrap()
            .is_empty());
        assert!(ip_json(ns, "route show table 1000")
            .as_array()
            .unwrap()
            .is_empty());
        let main = ip_json(ns, "route show");
        assert!(main
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["dst"] != "203.0.113.0/24" && x["dst"] != "198.51.100.128/25"));
        match nl.del_route(&bh) {
            Err(Error::Kernel {
                errno: Errno::ESRCH,
                ..
            }) => {}
            other => panic!("expected ESRCH, got {other:?}"),
        }
    });
}

#[test]
fn rules_add_and_remove() {
    in_netns("rules_add_and_remove", |ns| {
        veth_pair(ns, "va", "vb");
        let mut nl = Rtnl::open(None).unwrap();
        let mut from = RuleSpec::new(false, RuleTarget::Table(100));
        from.from = Some((ipa("192.0.2.0"), 24));
        from.priority = Some(1000);
        nl.add_rule(&from).unwrap();
        let mut mark = RuleSpec::new(false, RuleTarget::Table(1000));
        mark.to = Some((ipa("198.51.100.0"), 24));
        mark.fwmark = Some((0x10, Some(0xff)));
        mark.iif = Some("va".into());
        mark.oif = Some("vb".into());
        mark.priority = Some(1001);
        nl.add_rule(&mark).unwrap();
        let mut v6 = RuleSpec::new(true, RuleTarget::Unreachable);
        v6.to = Some((ipa("2001:db8::"), 32));
        v6.priority = Some(1002);
        nl.add_rule(&v6).unwrap();

        let rules = ip_json(ns, "rule show");
        let rules = rules.as_array().unwrap();
        let a = rules
            .iter()
            .find(|x| x["priority"] == 1000)
            .expect("rule 1000");
        assert_eq!(a["src"], "192.0.2.0");
        assert_eq!(a["srclen"], 24);
        assert_eq!(a["table"], "100");
        let b = rules
            .iter()
            .find(|x| x["priority"] == 1001)
            .expect("rule 1001");
        assert_eq!(b["dst"], "198.51.100.0");
        assert_eq!(b["fwmark"], "0x10");
        assert_eq!(b["fwmask"], "0xff");
        assert_eq!(b["iif"], "va");
        assert_eq!(b["oif"], "vb");
        assert_eq!(b["table"], "1000");
        assert!(
            b["protocol"] == "keepalived" || b["protocol"] == "18",
            "{b}"
        );
        let r6 = ip_json(ns, "-6 rule show");
        let c = r6
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["priority"] == 1002)
            .expect("rule 1002");
        assert_eq!(c["dst"], "2001:db8::");
        assert_eq!(c["action"], "unreachable", "{c}");

        match nl.add_rule(&from) {
            Err(Error::Kernel {
                errno: Errno::EEXIST,
                ..
            }) => {}
            other => panic!("expected EEXIST, got {other:?}"),
        }
        for r in [&from, &mark, &v6] {
            nl.del_rule(r).unwrap();
        }
        let rules = ip_json(ns, "rule show");
        assert!(rules
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["priority"] != 1000 && x["priority"] != 1001));
        assert!(ip_json(ns, "-6 rule show")
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["priority"] != 1002));
    });
}

#[test]
fn vmac_created_on_parent() {
    in_netns("vmac_created_on_parent", |ns| {
        veth_pair(ns, "va", "vb");
        let mut r = Reflector::open(None).unwrap();
        let mut nl = Rtnl::open(None).unwrap();
        let parent = nl.link_index("va").unwrap();
        let v4 = VmacSpec::for_vrid(51, false, parent);
        assert_eq!(v4.name, "vrrp.51");
        let idx4 = nl.create_vmac(&v4).unwrap();
        let mut v6 = VmacSpec::for_vrid(52, true, parent);
        v6.name = "vmac6".into();
        let idx6 = nl.create_vmac(&v6).unwrap();

        let l = ip_json(ns, "-d link show vrrp.51");
        assert_eq!(l[0]["address"], "00:00:5e:00:01:33");
        assert_eq!(l[0]["link"], "va");
        assert_eq!(l[0]["linkinfo"]["info_kind"], "macvlan");
        assert_eq!(l[0]["linkinfo"]["info_data"]["mode"], "private");
        assert!(
            l[0]["flags"].as_array().unwrap().iter().any(|f| f == "UP"),
            "{l}"
        );
        let l6 = ip_json(ns, "-d link show vmac6");
        assert_eq!(l6[0]["address"], "00:00:5e:00:02:34");
        assert_eq!(l6[0]["inet6_addr_gen_mode"], "none", "{l6}");
        // No link-local derived from the virtual MAC; the daemon adds the one it wants.
        assert!(
            addr_info(ns, "vmac6").is_empty(),
            "{:?}",
            addr_info(ns, "vmac6")
        );
        let ll = keepalive_netlink::vmac::eui64_link_local([0x02, 0, 0, 0, 0, 1]);
        nl.add_address(&AddressSpec::new(idx6, IpAddr::V6(ll), 64))
            .unwrap();
        assert!(nl.has_address(IpAddr::V6(ll)).unwrap());
        let info = addr_info(ns, "vmac6");
        assert_eq!(info.len(), 1, "{info:?}");
        assert_eq!(info[0]["local"], "fe80::ff:fe00:1");
        assert_eq!(info[0]["scope"], "link");

        expect_change(
            &mut r,
            "LinkAdded vmac6",
            |c| matches!(c, Change::LinkAdded { index, .. } if *index == idx6),
        );
        let m = r.table().link(idx4).expect("VMAC mirrored");
        assert_eq!(m.kind.as_deref(), Some("macvlan"));
        assert_eq!(m.parent, Some(parent));
        assert_eq!(m.macvlan_mode, Some(MacvlanMode::Private));
        assert_eq!(m.mac, vec![0, 0, 0x5e, 0, 1, 51]);

        match nl.create_vmac(&v4) {
            Err(Error::Kernel {
                errno: Errno::EEXIST,
                ..
            }) => {}
            other => panic!("expected EEXIST, got {other:?}"),
        }
        nl.delete_link(idx4).unwrap();
        nl.delete_link(idx6).unwrap();
        expect_change(
            &mut r,
            "LinkRemoved vrrp.51",
            |c| matches!(c, Change::LinkRemoved { index, .. } if *index == idx4),
        );
        match nl.link_index("vrrp.51") {
            Err(Error::NoSuchInterface(n)) => assert_eq!(n, "vrrp.51"),
            other => panic!("expected NoSuchInterface, got {other:?}"),
        }
    });
}

#[test]
fn link_up_down_by_command() {
    in_netns("link_up_down_by_command", |ns| {
        veth_pair(ns, "va", "vb");
        let mut nl = Rtnl::open(None).unwrap();
        let idx = nl.link_index("va").unwrap();
        nl.set_link_up(idx, false).unwrap();
        let l = ip_json(ns, "link show va");
        assert!(l[0]["flags"].as_array().unwrap().iter().all(|f| f != "UP"));
        nl.set_link_up(idx, true).unwrap();
        let l = ip_json(ns, "link show va");
        assert!(l[0]["flags"].as_array().unwrap().iter().any(|f| f == "UP"));
    });
}

#[test]
fn vmac_sysctls_are_restored() {
    in_netns("vmac_sysctls_are_restored", |ns| {
        veth_pair(ns, "va", "vb");
        let mut nl = Rtnl::open(None).unwrap();
        let parent = nl.link_index("va").unwrap();
        let vmac = nl
            .create_vmac(&VmacSpec::for_vrid(7, false, parent))
            .unwrap();
        let items = vmac_sysctls("vrrp.7", "va");
        let before: Vec<u32> = items.iter().map(|(p, _)| read_sysctl(p).unwrap()).collect();
        // Make one value differ from its default so restoration is visible.
        let rp = "/proc/sys/net/ipv4/conf/vrrp.7/rp_filter";
        keepalive_netlink::sysctl::write_sysctl(rp, 2).unwrap();
        let before_rp = 2;
        {
            let mut g = SysctlGuard::new();
            g.set_all(&items).unwrap();
            for (p, v) in &items {
                assert_eq!(read_sysctl(p).unwrap(), *v, "{p}");
                let rel = p.as_str();
                assert_eq!(sysctl_outside(ns, rel), *v, "{p} seen from ip netns exec");
            }
            assert!(g.held().count() >= 1);
        }
        for ((p, _), old) in items.iter().zip(&before) {
            let want = if p == rp { before_rp } else { *old };
            assert_eq!(read_sysctl(p).unwrap(), want, "{p} restored");
        }
        nl.delete_link(vmac).unwrap();
    });
}

#[test]
fn overrun_triggers_resync() {
    in_netns("overrun_triggers_resync", |ns| {
        veth_pair(ns, "va", "vb");
        // The smallest receive buffer the kernel allows overflows after a few dozen events.
        let mut r = Reflector::open(Some(RcvBuf {
            bytes: 1,
            force: false,
        }))
        .unwrap();
        let mut nl = Rtnl::open(None).unwrap();
        let idx = nl.link_index("va").unwrap();
        for i in 1..=200u8 {
            nl.add_address(&AddressSpec::new(idx, IpAddr::from([198, 51, 100, i]), 32))
                .unwrap();
        }
        let _ = ns;
        let changes = r.process().unwrap();
        assert!(
            changes.contains(&Change::Resynced),
            "no resync in {} changes",
            changes.len()
        );
        assert_eq!(r.resyncs(), 1);
        let link = r.table().link(idx).unwrap();
        let n = link
            .addresses
            .iter()
            .filter(|a| matches!(a.addr, IpAddr::V4(v) if v.octets()[..3] == [198, 51, 100]))
            .count();
        assert_eq!(n, 200);
        // Every address appears exactly once across events and resync diff.
        let added = changes
            .iter()
            .filter(|c| matches!(c, Change::AddrAdded { .. }))
            .count();
        assert!(added >= 200, "only {added} AddrAdded");
    });
}

#[test]
fn rp_filter_relaxed_and_restored() {
    use keepalive_netlink::sysctl::write_sysctl;
    use keepalive_netlink::vmac::relax_all_rp_filter;
    in_netns("rp_filter_relaxed_and_restored", |ns| {
        veth_pair(ns, "va", "vb");
        let p = |d: &str| format!("/proc/sys/net/ipv4/conf/{d}/rp_filter");
        write_sysctl(&p("all"), 1).unwrap();
        write_sysctl(&p("default"), 0).unwrap();
        write_sysctl(&p("va"), 0).unwrap();
        write_sysctl(&p("vb"), 2).unwrap();
        let r = Reflector::open(None).unwrap();
        let names: Vec<&str> = r.table().links().map(|l| l.name.as_str()).collect();
        {
            let mut g = SysctlGuard::new();
            relax_all_rp_filter(&mut g, names.iter().copied()).unwrap();
            assert_eq!(sysctl_outside(ns, &p("all")), 0);
            assert_eq!(read_sysctl(&p("default")).unwrap(), 1);
            assert_eq!(read_sysctl(&p("va")).unwrap(), 1);
            assert_eq!(
                read_sysctl(&p("vb")).unwrap(),
                2,
                "a stricter value is left alone"
            );
        }
        assert_eq!(read_sysctl(&p("all")).unwrap(), 1);
        assert_eq!(read_sysctl(&p("default")).unwrap(), 0);
        assert_eq!(read_sysctl(&p("va")).unwrap(), 0);
        assert_eq!(read_sysctl(&p("vb")).unwrap(), 2);
    });
}

#[test]
fn guard_leaves_values_changed_by_others() {
    use keepalive_netlink::sysctl::write_sysctl;
    in_netns("guard_leaves_values_changed_by_others", |ns| {
        veth_pair(ns, "va", "vb");
        let p = "/proc/sys/net/ipv4/conf/va/arp_ignore";
        write_sysctl(p, 0).unwrap();
        let mut g = SysctlGuard::new();
        g.set(p, 1).unwrap();
        write_sysctl(p, 2).unwrap(); // an administrator's change meanwhile
        g.restore().unwrap();
        assert_eq!(read_sysctl(p).unwrap(), 2);
        match SysctlGuard::new().set("/proc/sys/net/ipv4/conf/nosuchdev/arp_ignore", 1) {
            Err(Error::Sysctl { path, .. }) => assert!(path.contains("nosuchdev")),
            other => panic!("expected a Sysctl error, got {other:?}"),
        }
    });
}
