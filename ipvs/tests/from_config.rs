//! `from_config`: keepalived.conf text → reconciler specs, checked against what keepalived's
//! `ipvswrapper.c` would send, and every LVS sample of keepalived's own mapped and validated.

use std::net::IpAddr;
use std::path::PathBuf;

use keepalive_confparse::load::{load_str, Loaded};
use keepalive_confparse::model::lvs::Granularity;
use keepalive_confparse::model::Config;
use keepalive_confparse::Options;
use keepalive_ipvs::from_config::{
    lvs_settings, sorry_servers, sync_daemon, timeouts, virtual_server, virtual_servers, MapError,
    SorryServerSpec,
};
use keepalive_ipvs::reconcile::{
    Desired, FlushOnStop, RealServerSpec, SyncDaemonSpec, VirtualServerSpec,
};
use keepalive_ipvs::types::{
    AddressFamily, ForwardMethod, Protocol, ServiceFlags, ServiceKey, TimeoutUpdate, Tunnel,
    TunnelFlags, TunnelType,
};

fn load(text: &str) -> Loaded {
    load_str(
        "test.conf",
        text,
        &Options {
            read_includes: false,
            ..Default::default()
        },
    )
}

/// A configuration keepalived accepts without complaint (errors would mean the test text is
/// wrong, not the mapping).
fn clean(text: &str) -> Config {
    let l = load(text);
    let errs: Vec<String> = l.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(!l.diagnostics.has_errors(), "config errors: {errs:#?}");
    l.config
}

fn specs(text: &str) -> Vec<VirtualServerSpec> {
    let cfg = clean(text);
    let s = virtual_servers(&cfg).expect("maps");
    Desired::new(s.clone()).expect("reconciler accepts the mapped specs");
    s
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn tcp(addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        protocol: Protocol::Tcp,
        addr: ip(addr),
        port,
    }
}

fn rs(addr: &str, port: u16, fwd: ForwardMethod, weight: i32) -> RealServerSpec {
    RealServerSpec {
        addr: ip(addr),
        port,
        fwd,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

#[test]
fn address_service_with_defaults() {
    let s = specs(
        "virtual_server 192.0.2.1 80 {
            lvs_sched rr
            lvs_method NAT
            protocol TCP
            real_server 198.51.100.1 8080 { weight 3 }
            real_server 198.51.100.2 { }
        }",
    );
    assert_eq!(
        s,
        vec![VirtualServerSpec {
            key: tcp("192.0.2.1", 80),
            scheduler: "rr".into(),
            flags: ServiceFlags::default(),
            timeout: 0,
            netmask: None,
            pe_name: None,
            reals: vec![
                rs("198.51.100.1", 8080, ForwardMethod::Masq, 3),
                // No port: NAT takes the virtual server's; default weight 1.
                rs("198.51.100.2", 80, ForwardMethod::Masq, 1),
            ],
        }]
    );
}

#[test]
fn protocols_and_default_scheduler() {
    for (word, proto) in [
        ("TCP", Protocol::Tcp),
        ("UDP", Protocol::Udp),
        ("SCTP", Protocol::Sctp),
    ] {
        // No lvs_sched: keepalived complains and uses wlc; load without the clean check.
        let l = load(&format!(
            "virtual_server 2001:db8::1 53 {{
                lvs_method DR
                protocol {word}
                real_server 2001:db8::10 53 {{ }}
            }}"
        ));
        let s = virtual_servers(&l.config).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(
            s[0].key,
            ServiceKey::Addr {
                protocol: proto,
                addr: ip("2001:db8::1"),
                port: 53
            }
        );
        assert_eq!(s[0].scheduler, "wlc");
        assert_eq!(
            s[0].reals,
            vec![rs("2001:db8::10", 53, ForwardMethod::Route, 1)]
        );
    }
}

#[test]
fn fwmark_services_take_the_family_keepalived_decides() {
    let s = specs(
        "virtual_server fwmark 7 {
            lvs_sched wrr
            lvs_method DR
            real_server 2001:db8::10 { }
        }
        virtual_server fwmark 8 {
            lvs_sched wrr
            lvs_method NAT
            ip_family inet
            real_server 192.0.2.10 8080 { }
            real_server 192.0.2.11 { }
        }",
    );
    assert_eq!(
        s[0].key,
        ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: 7
        }
    );
    // DR on a mark: port 0.
    assert_eq!(
        s[0].reals,
        vec![rs("2001:db8::10", 0, ForwardMethod::Route, 1)]
    );
    assert_eq!(
        s[1].key,
        ServiceKey::Fwmark {
            af: AddressFamily::Inet,
            mark: 8
        }
    );
    // NAT on a mark keeps its own port, 0 when none.
    assert_eq!(
        s[1].reals,
        vec![
            rs("192.0.2.10", 8080, ForwardMethod::Masq, 1),
            rs("192.0.2.11", 0, ForwardMethod::Masq, 1)
        ]
    );
}

#[test]
fn tunnelled_only_fwmark_defaults_to_the_real_servers_family() {
    let s = specs(
        "virtual_server fwmark 9 {
            lvs_sched rr
            lvs_method TUN
            real_server 2001:db8::20 { }
        }",
    );
    assert_eq!(s[0].key.af(), AddressFamily::Inet6);
}

#[test]
fn groups_expand_ranges_cidr_and_marks_in_keepalived_order() {
    let cfg = clean(
        "virtual_server_group G {
            192.0.2.1 80
            fwmark 5
            198.51.100.250-252 443
            203.0.113.0/30 8080
            fwmark 6 inet
        }
        virtual_server group G {
            lvs_sched rr
            lvs_method DR
            protocol TCP
            real_server 192.0.2.100 { }
            real_server 192.0.2.101 { }
        }",
    );
    let s = virtual_servers(&cfg).unwrap();
    Desired::new(s.clone()).unwrap();
    let keys: Vec<ServiceKey> = s.iter().map(|v| v.key).collect();
    let fwm = |mark| ServiceKey::Fwmark {
        af: AddressFamily::Inet,
        mark,
    };
    assert_eq!(
        keys,
        vec![
            tcp("192.0.2.1", 80),
            tcp("198.51.100.250", 443),
            tcp("198.51.100.251", 443),
            tcp("198.51.100.252", 443),
            tcp("203.0.113.0", 8080),
            tcp("203.0.113.1", 8080),
            tcp("203.0.113.2", 8080),
            tcp("203.0.113.3", 8080),
            fwm(5),
            fwm(6),
        ]
    );
    // DR real servers take each entry's port, 0 on marks.
    for v in &s {
        let want = match v.key {
            ServiceKey::Addr { port, .. } => port,
            ServiceKey::Fwmark { .. } => 0,
        };
        assert!(v.reals.iter().all(|r| r.port == want), "{v:?}");
        assert_eq!(v.reals.len(), 2);
    }
    // Same through the per-block function.
    assert_eq!(
        virtual_server(&cfg.lvs.virtual_servers[0], &cfg.lvs.groups).unwrap(),
        s
    );
}

#[test]
fn ipv6_group_ranges_and_mark_families() {
    let s = specs(
        "virtual_server_group G6 {
            2001:db8::a-c 80
            fwmark 3 inet6
        }
        virtual_server group G6 {
            lvs_sched rr
            lvs_method NAT
            protocol UDP
            real_server 2001:db8::100 8080 { }
        }",
    );
    let keys: Vec<ServiceKey> = s.iter().map(|v| v.key).collect();
    let udp = |a: &str| ServiceKey::Addr {
        protocol: Protocol::Udp,
        addr: ip(a),
        port: 80,
    };
    assert_eq!(
        keys,
        vec![
            udp("2001:db8::a"),
            udp("2001:db8::b"),
            udp("2001:db8::c"),
            ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark: 3
            }
        ]
    );
    // NAT keeps its own port in every service.
    assert!(s.iter().all(|v| v.reals[0].port == 8080));
}

#[test]
fn oversized_group_block_is_refused_with_its_location() {
    let cfg = clean(
        "virtual_server_group BIG {
            192.0.0.0/15 80
        }
        virtual_server group BIG {
            lvs_sched rr
            lvs_method DR
            protocol TCP
            real_server 198.51.100.1 { }
        }",
    );
    let err = virtual_servers(&cfg).unwrap_err();
    assert!(
        matches!(&err, MapError::RangeTooLarge { count: 131_072, at, .. } if at == "test.conf:2"),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("test.conf:2: "), "{err}");
}

#[test]
fn every_scheduler_flag() {
    let flags_of = |sched: &str, words: &str| {
        let s = specs(&format!(
            "virtual_server 192.0.2.1 53 {{
                lvs_sched {sched}
                {words}
                lvs_method NAT
                protocol UDP
                real_server 198.51.100.1 53 {{ }}
            }}"
        ));
        s[0].flags
    };
    assert_eq!(flags_of("rr", ""), ServiceFlags::default());
    assert_eq!(flags_of("rr", "flag-1"), ServiceFlags::SCHED1);
    assert_eq!(flags_of("rr", "flag-2"), ServiceFlags::SCHED2);
    assert_eq!(flags_of("rr", "flag-3"), ServiceFlags::SCHED3);
    assert_eq!(flags_of("sh", "sh-port"), ServiceFlags::SH_PORT);
    assert_eq!(flags_of("sh", "sh-fallback"), ServiceFlags::SH_FALLBACK);
    assert_eq!(flags_of("mh", "mh-port"), ServiceFlags::MH_PORT);
    assert_eq!(flags_of("mh", "mh-fallback"), ServiceFlags::MH_FALLBACK);
    assert_eq!(
        flags_of("sh", "sh-port\nsh-fallback\nflag-3"),
        ServiceFlags(ServiceFlags::SCHED1.0 | ServiceFlags::SCHED2.0 | ServiceFlags::SCHED3.0)
    );
    assert_eq!(flags_of("rr", "ops"), ServiceFlags::ONEPACKET);
    for sched in [
        "rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq",
        "twos",
    ] {
        let s = specs(&format!(
            "virtual_server 192.0.2.1 53 {{
                lvs_sched {sched}
                lvs_method NAT
                protocol UDP
                real_server 198.51.100.1 53 {{ }}
            }}"
        ));
        assert_eq!(s[0].scheduler, sched);
    }
}

#[test]
fn persistence() {
    let one = |words: &str| {
        specs(&format!(
            "virtual_server 192.0.2.1 443 {{
                lvs_sched wlc
                lvs_method NAT
                protocol TCP
                {words}
                real_server 198.51.100.1 443 {{ }}
            }}"
        ))
        .remove(0)
    };
    let s = one(
        "persistence_timeout 600\npersistence_granularity 255.255.255.0\npersistence_engine sip",
    );
    assert_eq!(s.flags, ServiceFlags::PERSISTENT);
    assert_eq!(s.timeout, 600);
    assert_eq!(s.netmask, Some(0xffff_ff00));
    assert_eq!(s.pe_name.as_deref(), Some("sip"));
    // Granularity alone: keepalived makes the service persistent for 360 s.
    let s = one("persistence_granularity 255.255.0.0");
    assert_eq!(
        (s.flags, s.timeout, s.netmask),
        (ServiceFlags::PERSISTENT, 360, Some(0xffff_0000))
    );
    // No value: 360 s too.
    let s = one("persistence_timeout");
    assert_eq!(
        (s.flags, s.timeout, s.netmask),
        (ServiceFlags::PERSISTENT, 360, None)
    );
    // An engine without persistence is not sent (keepalived sends it with the timeout only).
    let s = one("persistence_engine sip");
    assert_eq!(
        (s.flags, s.timeout, s.pe_name),
        (ServiceFlags::default(), 0, None)
    );
    // IPv6 prefix length.
    let s = specs(
        "virtual_server 2001:db8::1 443 {
            lvs_sched wlc
            lvs_method NAT
            protocol TCP
            persistence_timeout 60
            persistence_granularity 64
            real_server 2001:db8::10 443 { }
        }",
    );
    assert_eq!(s[0].netmask, Some(64));
}

#[test]
fn granularity_of_the_other_family_is_refused() {
    // The parser fixes the family from the granularity (and drops a mismatching group
    // service), so only a hand-edited model gets here.
    let mut cfg = clean(
        "virtual_server 192.0.2.1 80 {
            lvs_sched rr
            lvs_method NAT
            protocol TCP
            persistence_timeout 30
            real_server 198.51.100.1 80 { }
        }",
    );
    cfg.lvs.virtual_servers[0].persistence_granularity = Some(Granularity::Inet6(64));
    let err = virtual_servers(&cfg).unwrap_err();
    assert!(
        matches!(&err, MapError::GranularityFamily { at, service, .. }
            if at == "test.conf:1" && *service == tcp("192.0.2.1", 80)),
        "{err:?}"
    );
}

#[test]
fn forwarding_methods_and_tunnel_options() {
    let s = specs(
        "virtual_server 192.0.2.1 80 {
            lvs_sched rr
            lvs_method DR
            protocol TCP
            real_server 198.51.100.1 { }
            real_server 198.51.100.2 { lvs_method NAT }
            real_server 198.51.100.3 { lvs_method TUN }
            real_server 198.51.100.4 { lvs_method TUN type gue port 6080 }
            real_server 198.51.100.5 { lvs_method TUN type gue port 6080 csum }
            real_server 198.51.100.6 { lvs_method TUN type gue port 6080 remcsum }
            real_server 198.51.100.7 { lvs_method TUN type gre csum }
            real_server 198.51.100.8 { lvs_method TUN type gre nocsum }
            real_server 2001:db8::9 { lvs_method TUN type ipip }
        }",
    );
    let tun = |kind, port, flags| ForwardMethod::Tunnel(Tunnel { kind, port, flags });
    let got: Vec<(ForwardMethod, u16)> = s[0].reals.iter().map(|r| (r.fwd, r.port)).collect();
    assert_eq!(
        got,
        vec![
            (ForwardMethod::Route, 80),
            (ForwardMethod::Masq, 80),
            (tun(TunnelType::Ipip, 0, TunnelFlags::NOCSUM), 80),
            (tun(TunnelType::Gue, 6080, TunnelFlags::NOCSUM), 80),
            (tun(TunnelType::Gue, 6080, TunnelFlags::CSUM), 80),
            (tun(TunnelType::Gue, 6080, TunnelFlags::REMCSUM), 80),
            (tun(TunnelType::Gre, 0, TunnelFlags::CSUM), 80),
            (tun(TunnelType::Gre, 0, TunnelFlags::NOCSUM), 80),
            // A tunnelled real server may be of the other family.
            (tun(TunnelType::Ipip, 0, TunnelFlags::NOCSUM), 80),
        ]
    );
}

#[test]
fn weights_and_thresholds() {
    let s = specs(
        "virtual_server 192.0.2.1 80 {
            lvs_sched wlc
            lvs_method NAT
            protocol TCP
            weight 5
            real_server 198.51.100.1 80 {
                uthreshold 100
                lthreshold 10
            }
            real_server 198.51.100.2 80 { weight 0 }
            real_server 198.51.100.3 80 {
                weight 2147483647
                inhibit_on_failure
            }
        }",
    );
    let r = &s[0].reals;
    assert_eq!(
        (r[0].weight, r[0].u_threshold, r[0].l_threshold),
        (5, 100, 10)
    );
    assert_eq!(r[1].weight, 0);
    // The configured weight, whatever inhibit_on_failure: the pool zeroes it on failure.
    assert_eq!(r[2].weight, i32::MAX);
}

#[test]
fn sorry_server_per_service() {
    let cfg = clean(
        "virtual_server_group G {
            192.0.2.1 80
            192.0.2.2 81
        }
        virtual_server group G {
            lvs_sched rr
            lvs_method DR
            protocol TCP
            sorry_server 203.0.113.9
            sorry_server_inhibit
            real_server 198.51.100.1 { }
        }
        virtual_server 192.0.2.3 80 {
            lvs_sched rr
            lvs_method DR
            protocol TCP
            sorry_server 203.0.113.10 8080
            sorry_server_lvs_method NAT
            real_server 198.51.100.1 { }
        }
        virtual_server 192.0.2.4 80 {
            lvs_sched rr
            lvs_method NAT
            protocol TCP
            real_server 198.51.100.1 80 { }
        }",
    );
    let vss = &cfg.lvs.virtual_servers;
    let g = sorry_servers(&vss[0], &cfg.lvs.groups).unwrap();
    assert_eq!(
        g,
        vec![
            SorryServerSpec {
                key: tcp("192.0.2.1", 80),
                server: rs("203.0.113.9", 80, ForwardMethod::Route, 1),
                inhibit: true,
            },
            SorryServerSpec {
                key: tcp("192.0.2.2", 81),
                server: rs("203.0.113.9", 81, ForwardMethod::Route, 1),
                inhibit: true,
            },
        ]
    );
    let n = sorry_servers(&vss[1], &cfg.lvs.groups).unwrap();
    assert_eq!(
        n,
        vec![SorryServerSpec {
            key: tcp("192.0.2.3", 80),
            server: rs("203.0.113.10", 8080, ForwardMethod::Masq, 1),
            inhibit: false,
        }]
    );
    assert!(sorry_servers(&vss[2], &cfg.lvs.groups).unwrap().is_empty());
    // Not part of the real servers.
    let s = virtual_servers(&cfg).unwrap();
    assert!(s.iter().all(|v| v.reals.len() == 1));
    // A sorry server added to its service still validates.
    let mut with_sorry = s.clone();
    with_sorry[0].reals.push(g[0].server);
    Desired::new(with_sorry).unwrap();
}

#[test]
fn lvs_timeouts_and_flush_settings() {
    let cfg = clean(
        "global_defs {
            lvs_timeouts tcp 7200 udp 30 tcpfin 0
            lvs_flush
            lvs_flush_on_stop VS
        }",
    );
    let want = TimeoutUpdate {
        tcp: Some(7200),
        tcp_fin: None,
        udp: Some(30),
    };
    assert_eq!(timeouts(&cfg.global), Some(want));
    let l = lvs_settings(&cfg.global);
    assert!(l.flush);
    assert_eq!(l.flush_on_stop, FlushOnStop::VsOnly);
    assert_eq!(l.timeouts, Some(want));

    let cfg = clean("global_defs {\n lvs_flush_on_stop\n lvs_timeouts tcpfin 60\n}");
    let l = lvs_settings(&cfg.global);
    assert_eq!(l.flush_on_stop, FlushOnStop::All);
    assert!(!l.flush);
    assert_eq!(
        l.timeouts,
        Some(TimeoutUpdate {
            tcp: None,
            tcp_fin: Some(60),
            udp: None
        })
    );

    let cfg = clean("global_defs {\n router_id r1\n}");
    assert_eq!(timeouts(&cfg.global), None);
    assert_eq!(lvs_settings(&cfg.global), Default::default());
}

const VRRP: &str = "vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 42
    priority 100
    virtual_ipaddress {
        192.0.2.200
    }
}
";

#[test]
fn lvs_sync_daemon_full_form() {
    let cfg = clean(&format!(
        "global_defs {{
            lvs_sync_daemon eth1 inst VI_1 maxlen 1400 port 8849 ttl 4 group 239.0.0.81
        }}
        {VRRP}"
    ));
    assert_eq!(
        sync_daemon(&cfg),
        Some(SyncDaemonSpec {
            ifname: "eth1".into(),
            vrrp_instance: Some("VI_1".into()),
            // The instance's VRID when no id is given.
            sync_id: 42,
            maxlen: Some(1400),
            port: Some(8849),
            ttl: Some(4),
            group: Some(ip("239.0.0.81")),
        })
    );
    let cfg = clean(&format!(
        "global_defs {{\n lvs_sync_daemon eth1 inst VI_1 id 7\n}}\n{VRRP}"
    ));
    assert_eq!(sync_daemon(&cfg).unwrap().sync_id, 7);
    let cfg = clean("global_defs {\n lvs_sync_daemon eth2\n}");
    let s = sync_daemon(&cfg).unwrap();
    assert_eq!(
        (s.ifname.as_str(), s.vrrp_instance, s.sync_id),
        ("eth2", None, 0)
    );
    let cfg = clean("global_defs {\n router_id r1\n}");
    assert_eq!(sync_daemon(&cfg), None);
}

#[test]
fn lvs_sync_daemon_with_unknown_instance_is_cleared() {
    let l = load("global_defs {\n lvs_sync_daemon eth1 inst NOPE\n}");
    assert_eq!(sync_daemon(&l.config), None);
}

/// The samples, or `None` (a skip) when the shared conformance material is not here.
fn samples_dir() -> Option<PathBuf> {
    kad_skip::shared("conformance/keepalived-samples")
}

#[test]
fn deprecated_per_instance_sync_interface() {
    let Some(dir) = samples_dir() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("keepalived.conf.vrrp.lvs_syncd")).unwrap();
    let l = load(&text);
    let s = sync_daemon(&l.config).expect("lvs_sync_daemon_interface of VI_1");
    assert_eq!(s.ifname, "eth1");
    assert_eq!(s.vrrp_instance.as_deref(), Some("VI_1"));
    assert_eq!(s.sync_id, 51);
}

/// Every sample with a `virtual_server` maps and passes the reconciler's validation, with and
/// without its sorry servers. Samples keepalived reports errors for are included: keepalived
/// still runs them (after its fix-ups, which the parser mirrors).
#[test]
fn keepalived_samples_map_and_validate() {
    let Some(dir) = samples_dir() else {
        return;
    };
    let entries = std::fs::read_dir(&dir).unwrap();
    let mut names: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    names.sort();
    let (mut mapped, mut clean_ones) = (0, 0);
    for path in names {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let l = load_str(
            &name,
            &text,
            &Options {
                read_includes: false,
                ..Default::default()
            },
        );
        if l.config.lvs.virtual_servers.is_empty() {
            continue;
        }
        let s = virtual_servers(&l.config).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!s.is_empty(), "{name}");
        Desired::new(s.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        // With each sorry server installed too.
        let mut with_sorry = s;
        for vs in &l.config.lvs.virtual_servers {
            for ss in sorry_servers(vs, &l.config.lvs.groups).unwrap() {
                let spec = with_sorry.iter_mut().find(|v| v.key == ss.key).unwrap();
                if !spec
                    .reals
                    .iter()
                    .any(|r| (r.addr, r.port) == (ss.server.addr, ss.server.port))
                {
                    spec.reals.push(ss.server);
                }
            }
        }
        Desired::new(with_sorry).unwrap_or_else(|e| panic!("{name} with sorry servers: {e}"));
        let _ = lvs_settings(&l.config.global);
        let _ = sync_daemon(&l.config);
        mapped += 1;
        if !l.diagnostics.has_errors() {
            clean_ones += 1;
        }
    }
    assert!(mapped >= 15, "only {mapped} LVS samples mapped");
    assert!(
        clean_ones >= 13,
        "only {clean_ones} error-free LVS samples mapped"
    );
}

#[test]
fn group_sample_expands_as_keepalived() {
    let Some(dir) = samples_dir() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("keepalived.conf.virtual_server_group")).unwrap();
    let l = load(&text);
    let s = virtual_servers(&l.config).unwrap();
    // VSG_1: 3 single addresses + 192.168.200.3-10 (8) + 2 marks.
    let first: Vec<ServiceKey> = s.iter().take(13).map(|v| v.key).collect();
    assert_eq!(first.len(), 13);
    assert_eq!(
        first[3],
        ServiceKey::Addr {
            protocol: Protocol::Tcp,
            addr: ip("192.168.200.3"),
            port: 80
        }
    );
    assert_eq!(
        first[11],
        ServiceKey::Fwmark {
            af: AddressFamily::Inet,
            mark: 1
        }
    );
    assert!(s[..13]
        .iter()
        .all(|v| v.flags == ServiceFlags::PERSISTENT && v.timeout == 50));
}

#[test]
fn unresolved_model_gets_keepalived_defaults() {
    // As if `finish` had not run: no scheduler, method, port or weight resolved.
    let mut cfg = clean(
        "virtual_server 192.0.2.1 80 {
            lvs_sched rr
            lvs_method NAT
            protocol TCP
            sorry_server 203.0.113.1
            real_server 198.51.100.1 { }
        }",
    );
    let vs = &mut cfg.lvs.virtual_servers[0];
    vs.scheduler = None;
    vs.forwarding = None;
    vs.real_servers[0].port = None;
    vs.real_servers[0].weight = None;
    vs.real_servers[0].forwarding = None;
    let s = virtual_servers(&cfg).unwrap();
    assert_eq!(s[0].scheduler, "wlc");
    assert_eq!(
        s[0].reals,
        vec![rs("198.51.100.1", 80, ForwardMethod::Masq, 1)]
    );
    // A NAT sorry server keeps no port, as in keepalived.
    let sorry = sorry_servers(&cfg.lvs.virtual_servers[0], &cfg.lvs.groups).unwrap();
    assert_eq!(sorry[0].server.port, 0);
    cfg.lvs.virtual_servers[0].protocol = None;
    assert!(matches!(
        virtual_servers(&cfg),
        Err(MapError::MissingProtocol { .. })
    ));
}
