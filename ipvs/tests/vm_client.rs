//! `IpvsClient` against a real kernel: every command round-trips (add, dump, compare, edit,
//! delete) for IPv4, IPv6 and fwmark services, every scheduler the kernel ships, every
//! forwarding method and tunnel type, sync daemons, timeouts, counters after real traffic, kernel
//! refusals, and the table as `ipvsadm -Ln` reads it.
//!
//! Runs only inside the test VM (`scripts/vm/cargo-test-in-vm.sh`); elsewhere each test skips.

#[path = "common/vm_support.rs"]
mod vm_support;

use keepalive_ipvs::{
    AddressFamily, DaemonState, DestConfig, ForwardMethod, KernelReason, Protocol, ServiceConfig,
    ServiceFlags, ServiceKey, SyncDaemon, TimeoutUpdate, Timeouts, Tunnel, TunnelFlags, TunnelType,
};
use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};
use vm_support::{fwmark, ipvsadm, tcp, udp, Kernel};

/// Adds `cfg`, reads it back alone and in the full dump, and checks both equal what was sent.
fn add_and_check(k: &mut Kernel, cfg: &ServiceConfig) {
    k.client
        .add_service(cfg)
        .unwrap_or_else(|e| panic!("add {}: {e}", cfg.key));
    check_service(k, cfg);
}

fn check_service(k: &mut Kernel, cfg: &ServiceConfig) {
    let got = k
        .client
        .service(&cfg.key)
        .unwrap_or_else(|e| panic!("get {}: {e}", cfg.key));
    let mut seen = got.config.clone();
    assert!(
        seen.flags.contains(ServiceFlags::HASHED),
        "{}: a service in the table carries HASHED",
        cfg.key
    );
    seen.flags = seen.flags.user();
    assert_eq!(&seen, cfg, "GET_SERVICE of {}", cfg.key);
    let listed = k.client.services().expect("dump services");
    let mut in_dump = listed
        .into_iter()
        .find(|s| s.config.key == cfg.key)
        .unwrap_or_else(|| panic!("{} missing from the dump", cfg.key))
        .config;
    in_dump.flags = in_dump.flags.user();
    assert_eq!(&in_dump, cfg, "dump of {}", cfg.key);
}

fn assert_gone(k: &mut Kernel, key: &ServiceKey) {
    let err = k
        .client
        .service(key)
        .expect_err("deleted service still there");
    assert_eq!(err.reason(), Some(KernelReason::NoSuchService), "{err}");
    assert!(k
        .client
        .services()
        .unwrap()
        .iter()
        .all(|s| s.config.key != *key));
}

/// add -> dump -> compare, edit every editable field, compare, delete, gone.
fn service_life(k: &mut Kernel, key: ServiceKey, netmask: u32) {
    let mut cfg = ServiceConfig::new(key, "wlc");
    add_and_check(k, &cfg);

    cfg.scheduler = "rr".into();
    cfg.flags = ServiceFlags::PERSISTENT;
    cfg.timeout = 600;
    cfg.netmask = netmask;
    k.client.edit_service(&cfg).expect("edit service");
    check_service(k, &cfg);

    cfg.flags = ServiceFlags::default();
    cfg.timeout = 0;
    k.client.edit_service(&cfg).expect("edit service back");
    check_service(k, &cfg);

    k.client.del_service(&key).expect("delete service");
    assert_gone(k, &key);
}

#[test]
fn info_reports_version_and_table_size() {
    if vm_support::skip_outside_vm("info_reports_version_and_table_size") {
        return;
    }
    let mut k = Kernel::take();
    let info = k.client.info().expect("info");
    assert_eq!(info.version_string(), "1.2.1");
    // ipvsadm's header line carries the same numbers: "IP Virtual Server version 1.2.1 (size=4096)".
    let header = ipvsadm(&["-Ln"]);
    let expected = format!(
        "IP Virtual Server version {} (size={})",
        info.version_string(),
        info.conn_tab_size
    );
    assert!(header.starts_with(&expected), "{header:?} vs {expected:?}");
}

#[test]
fn ipv4_services_round_trip_for_each_protocol() {
    if vm_support::skip_outside_vm("ipv4_services_round_trip_for_each_protocol") {
        return;
    }
    let mut k = Kernel::take();
    for protocol in [Protocol::Tcp, Protocol::Udp, Protocol::Sctp] {
        let key = ServiceKey::Addr {
            protocol,
            addr: "192.0.2.80".parse().unwrap(),
            port: 80,
        };
        service_life(&mut k, key, 0xffff_ff00);
    }
    // Port 0 with persistence is "all ports".
    let mut all_ports = ServiceConfig::new(tcp("192.0.2.81", 0), "rr");
    all_ports.flags = ServiceFlags::PERSISTENT;
    all_ports.timeout = 360;
    add_and_check(&mut k, &all_ports);
}

#[test]
fn ipv6_services_round_trip_for_each_protocol() {
    if vm_support::skip_outside_vm("ipv6_services_round_trip_for_each_protocol") {
        return;
    }
    let mut k = Kernel::take();
    for protocol in [Protocol::Tcp, Protocol::Udp, Protocol::Sctp] {
        let key = ServiceKey::Addr {
            protocol,
            addr: "2001:db8::80".parse().unwrap(),
            port: 443,
        };
        service_life(&mut k, key, 64);
    }
}

#[test]
fn fwmark_services_round_trip_in_both_families() {
    if vm_support::skip_outside_vm("fwmark_services_round_trip_in_both_families") {
        return;
    }
    let mut k = Kernel::take();
    service_life(&mut k, fwmark(AddressFamily::Inet, 7), 0xffff_0000);
    service_life(&mut k, fwmark(AddressFamily::Inet6, 7), 48);
    // The same mark can exist once per family, side by side.
    add_and_check(
        &mut k,
        &ServiceConfig::new(fwmark(AddressFamily::Inet, 9), "rr"),
    );
    add_and_check(
        &mut k,
        &ServiceConfig::new(fwmark(AddressFamily::Inet6, 9), "rr"),
    );
    assert_eq!(k.client.services().unwrap().len(), 2);
}

#[test]
fn every_scheduler_the_kernel_ships() {
    if vm_support::skip_outside_vm("every_scheduler_the_kernel_ships") {
        return;
    }
    let mut k = Kernel::take();
    let schedulers = vm_support::loaded_schedulers();
    // Debian's 6.1 kernel ships these (twos arrived in 6.8); the harness loads each module.
    for expected in [
        "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
    ] {
        assert!(
            schedulers.iter().any(|s| s == expected),
            "scheduler {expected} not loaded: {schedulers:?}"
        );
    }
    for (i, sched) in schedulers.iter().enumerate() {
        let port = 1000 + i as u16;
        add_and_check(
            &mut k,
            &ServiceConfig::new(tcp("192.0.2.90", port), sched.as_str()),
        );
        add_and_check(
            &mut k,
            &ServiceConfig::new(tcp("2001:db8::90", port), sched.as_str()),
        );
    }
    // sh and mh read the scheduler flags: fallback and port hashing round-trip.
    let mut sh = ServiceConfig::new(udp("192.0.2.91", 53), "sh");
    sh.flags = ServiceFlags::SH_FALLBACK | ServiceFlags::SH_PORT;
    add_and_check(&mut k, &sh);
    let mut mh = ServiceConfig::new(udp("192.0.2.91", 54), "mh");
    mh.flags = ServiceFlags::MH_FALLBACK | ServiceFlags::MH_PORT;
    add_and_check(&mut k, &mh);
    mh.flags = ServiceFlags::MH_PORT;
    k.client.edit_service(&mh).expect("edit mh flags");
    check_service(&mut k, &mh);
}

#[test]
fn one_packet_scheduling_and_sip_persistence_engine() {
    if vm_support::skip_outside_vm("one_packet_scheduling_and_sip_persistence_engine") {
        return;
    }
    let mut k = Kernel::take();
    let mut ops = ServiceConfig::new(udp("192.0.2.92", 53), "rr");
    ops.flags = ServiceFlags::ONEPACKET;
    add_and_check(&mut k, &ops);

    let mut sip = ServiceConfig::new(udp("192.0.2.92", 5060), "rr");
    sip.flags = ServiceFlags::PERSISTENT;
    sip.timeout = 120;
    sip.pe_name = Some("sip".into());
    add_and_check(&mut k, &sip);
    sip.pe_name = None;
    k.client
        .edit_service(&sip)
        .expect("drop the persistence engine");
    check_service(&mut k, &sip);
}

fn tunnel(kind: TunnelType, port: u16, flags: TunnelFlags) -> ForwardMethod {
    ForwardMethod::Tunnel(Tunnel { kind, port, flags })
}

/// Every forwarding method and tunnel encapsulation the kernel accepts, as (name, method).
fn forwarding_methods() -> Vec<(&'static str, ForwardMethod)> {
    vec![
        ("masq", ForwardMethod::Masq),
        ("route", ForwardMethod::Route),
        ("ipip", tunnel(TunnelType::Ipip, 0, TunnelFlags::default())),
        (
            "gue nocsum",
            tunnel(TunnelType::Gue, 6080, TunnelFlags::NOCSUM),
        ),
        ("gue csum", tunnel(TunnelType::Gue, 6081, TunnelFlags::CSUM)),
        (
            "gue remcsum",
            tunnel(TunnelType::Gue, 6082, TunnelFlags::REMCSUM),
        ),
        (
            "gre nocsum",
            tunnel(TunnelType::Gre, 0, TunnelFlags::NOCSUM),
        ),
        ("gre csum", tunnel(TunnelType::Gre, 0, TunnelFlags::CSUM)),
    ]
}

fn dests_round_trip(k: &mut Kernel, svc: ServiceKey, base: &str) {
    k.client
        .add_service(&ServiceConfig::new(svc, "wrr"))
        .expect("add service");
    let mut sent = Vec::new();
    for (i, (name, fwd)) in forwarding_methods().into_iter().enumerate() {
        let addr: IpAddr = format!("{base}{}", 10 + i).parse().unwrap();
        let mut d = DestConfig::new(addr, 8080);
        d.fwd = fwd;
        d.weight = i as i32;
        d.u_threshold = 100 * i as u32;
        d.l_threshold = 10 * i as u32;
        k.client
            .add_dest(&svc, &d)
            .unwrap_or_else(|e| panic!("{name} destination refused: {e}"));
        sent.push(d);
    }
    let mut got: Vec<DestConfig> = k
        .client
        .dests(&svc)
        .expect("dump dests")
        .into_iter()
        .map(|d| d.config)
        .collect();
    got.sort_by_key(|d| d.key);
    sent.sort_by_key(|d| d.key);
    assert_eq!(got, sent, "destinations of {svc}");
}

#[test]
fn every_forwarding_method_and_tunnel_type_ipv4() {
    if vm_support::skip_outside_vm("every_forwarding_method_and_tunnel_type_ipv4") {
        return;
    }
    let mut k = Kernel::take();
    dests_round_trip(&mut k, tcp("192.0.2.100", 80), "203.0.113.");
    dests_round_trip(&mut k, fwmark(AddressFamily::Inet, 100), "198.51.100.");
}

#[test]
fn every_forwarding_method_and_tunnel_type_ipv6() {
    if vm_support::skip_outside_vm("every_forwarding_method_and_tunnel_type_ipv6") {
        return;
    }
    let mut k = Kernel::take();
    dests_round_trip(&mut k, tcp("2001:db8::100", 80), "2001:db8:2::");
    dests_round_trip(&mut k, fwmark(AddressFamily::Inet6, 100), "2001:db8:3::");
}

#[test]
fn destinations_edit_and_delete() {
    if vm_support::skip_outside_vm("destinations_edit_and_delete") {
        return;
    }
    let mut k = Kernel::take();
    let svc = tcp("192.0.2.110", 80);
    k.client
        .add_service(&ServiceConfig::new(svc, "wlc"))
        .unwrap();
    let mut d = DestConfig::new("203.0.113.20".parse().unwrap(), 80);
    k.client.add_dest(&svc, &d).unwrap();

    d.weight = 0; // quiesced
    d.u_threshold = 50;
    d.l_threshold = 5;
    d.fwd = ForwardMethod::Route;
    k.client.edit_dest(&svc, &d).expect("edit dest");
    let got = k.client.dests(&svc).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].config, d);

    d.fwd = tunnel(TunnelType::Gue, 6080, TunnelFlags::CSUM);
    d.weight = 3;
    k.client.edit_dest(&svc, &d).expect("edit to a GUE tunnel");
    assert_eq!(k.client.dests(&svc).unwrap()[0].config, d);

    k.client.del_dest(&svc, &d.key).expect("delete dest");
    assert!(k.client.dests(&svc).unwrap().is_empty());
    let err = k.client.del_dest(&svc, &d.key).expect_err("second delete");
    assert_eq!(err.reason(), Some(KernelReason::NoSuchDest), "{err}");
    let err = k
        .client
        .edit_dest(&svc, &d)
        .expect_err("edit of a deleted dest");
    assert_eq!(err.reason(), Some(KernelReason::NoSuchDest), "{err}");
}

#[test]
fn sync_daemons_start_list_stop() {
    if vm_support::skip_outside_vm("sync_daemons_start_list_stop") {
        return;
    }
    let mut k = Kernel::take();
    assert!(k.client.daemons().unwrap().is_empty());
    let master = SyncDaemon {
        state: DaemonState::Master,
        mcast_ifn: "dummy0".into(),
        sync_id: 7,
        sync_maxlen: Some(1400),
        mcast_group: Some("239.0.2.81".parse().unwrap()),
        mcast_port: Some(8850),
        mcast_ttl: Some(2),
    };
    let backup = SyncDaemon {
        state: DaemonState::Backup,
        mcast_ifn: "dummy0".into(),
        sync_id: 7,
        sync_maxlen: Some(1400),
        mcast_group: Some("239.0.2.81".parse().unwrap()),
        mcast_port: Some(8850),
        mcast_ttl: Some(2),
    };
    k.client.start_daemon(&master).expect("start master");
    k.client.start_daemon(&backup).expect("start backup");
    let mut running = k.client.daemons().unwrap();
    running.sort_by_key(|d| d.state);
    assert_eq!(running, vec![master.clone(), backup.clone()]);
    // ipvsadm sees the same daemons.
    let listed = ipvsadm(&["-L", "--daemon"]);
    for state in ["master", "backup"] {
        let line = format!(
            "{state} sync daemon (mcast=dummy0, syncid=7, maxlen=1400, group=239.0.2.81, \
             port=8850, ttl=2)"
        );
        assert!(listed.contains(&line), "{listed:?} lacks {line:?}");
    }

    let err = k.client.start_daemon(&master).expect_err("second master");
    assert_eq!(err.reason(), Some(KernelReason::DaemonRunning), "{err}");

    k.client
        .stop_daemon(DaemonState::Master, 7)
        .expect("stop master");
    assert_eq!(k.client.daemons().unwrap(), vec![backup]);
    k.client
        .stop_daemon(DaemonState::Backup, 7)
        .expect("stop backup");
    assert!(k.client.daemons().unwrap().is_empty());
    let err = k
        .client
        .stop_daemon(DaemonState::Backup, 7)
        .expect_err("stop with none running");
    assert_eq!(err.reason(), Some(KernelReason::NoDaemon), "{err}");

    // An IPv6 group; what is left unset the kernel fills in.
    let v6 = SyncDaemon {
        state: DaemonState::Backup,
        mcast_ifn: "dummy0".into(),
        sync_id: 200,
        sync_maxlen: None,
        mcast_group: Some("ff02::8848".parse().unwrap()),
        mcast_port: None,
        mcast_ttl: None,
    };
    k.client.start_daemon(&v6).expect("start IPv6 backup");
    let running = k.client.daemons().unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].mcast_group, v6.mcast_group);
    assert_eq!(running[0].sync_id, 200);
    // The kernel's defaults: port 8848 (IP_VS_SYNC_PORT), TTL 1.
    assert_eq!(running[0].mcast_port, Some(8848), "{:?}", running[0]);
    assert_eq!(running[0].mcast_ttl, Some(1), "{:?}", running[0]);
    let listed = ipvsadm(&["-L", "--daemon"]);
    assert!(
        listed.contains("syncid=200") && listed.contains("group=ff02::8848, port=8848, ttl=1"),
        "{listed}"
    );
}

#[test]
fn timeouts_get_and_set() {
    if vm_support::skip_outside_vm("timeouts_get_and_set") {
        return;
    }
    let mut k = Kernel::take();
    assert_eq!(k.client.timeouts().unwrap(), vm_support::DEFAULT_TIMEOUTS);
    k.client
        .set_timeouts(&TimeoutUpdate {
            tcp: Some(1000),
            tcp_fin: Some(30),
            udp: Some(45),
        })
        .unwrap();
    let want = Timeouts {
        tcp: 1000,
        tcp_fin: 30,
        udp: 45,
    };
    assert_eq!(k.client.timeouts().unwrap(), want);
    assert!(ipvsadm(&["-L", "--timeout"]).contains("Timeout (tcp tcpfin udp): 1000 30 45"));
    // None leaves a timeout as it is.
    k.client
        .set_timeouts(&TimeoutUpdate {
            tcp: None,
            tcp_fin: Some(60),
            udp: None,
        })
        .unwrap();
    assert_eq!(
        k.client.timeouts().unwrap(),
        Timeouts {
            tcp_fin: 60,
            ..want
        }
    );
}

/// Serves `conns` connections on `listener`, answering each request with its bytes reversed.
fn serve(listener: TcpListener, conns: usize) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for _ in 0..conns {
            let (mut s, _) = listener.accept().expect("accept");
            let mut buf = Vec::new();
            s.read_to_end(&mut buf).expect("read request");
            buf.reverse();
            s.write_all(&buf).expect("write reply");
        }
    })
}

#[test]
fn counters_after_traffic_through_a_local_service() {
    if vm_support::skip_outside_vm("counters_after_traffic_through_a_local_service") {
        return;
    }
    let mut k = Kernel::take();
    // A local client reaches the virtual service; the real server is this VM's own 192.0.2.1 on
    // the same port, so IPVS hands the connection to the local socket unchanged.
    let vip: SocketAddr = "192.0.2.1:8088".parse().unwrap();
    let svc = tcp("192.0.2.1", 8088);
    k.client
        .add_service(&ServiceConfig::new(svc, "rr"))
        .unwrap();
    k.client
        .add_dest(&svc, &DestConfig::new(vip.ip(), vip.port()))
        .unwrap();
    let listener = TcpListener::bind(vip).expect("bind the real server");
    const CONNS: usize = 3;
    let server = serve(listener, CONNS);
    for i in 0..CONNS {
        let mut s = TcpStream::connect_timeout(&vip, Duration::from_secs(20)).expect("connect");
        let msg = format!("request {i}");
        s.write_all(msg.as_bytes()).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).unwrap();
        assert_eq!(reply, msg.chars().rev().collect::<String>());
    }
    server.join().expect("server thread");

    // The kernel folds its per-CPU counters into the dumped ones on each estimator tick (every
    // 2 s), so wait for the connections to show.
    let deadline = Instant::now() + Duration::from_secs(30);
    let stats = loop {
        let stats = k.client.service(&svc).unwrap().stats;
        if stats.conns >= CONNS as u64 || Instant::now() > deadline {
            break stats;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    assert_eq!(stats.conns, CONNS as u64, "{stats:?}");
    assert!(stats.inpkts >= 3 * CONNS as u64, "{stats:?}");
    assert!(stats.inbytes > stats.inpkts * 40, "{stats:?}");
    let dests = k.client.dests(&svc).unwrap();
    assert_eq!(dests[0].stats.conns, CONNS as u64, "{:?}", dests[0].stats);
    assert_eq!(dests[0].stats.inpkts, stats.inpkts);
    // Same numbers through ipvsadm.
    let listed = ipvsadm(&["-Ln", "--stats", "--exact"]);
    let line = listed
        .lines()
        .find(|l| l.starts_with("TCP  192.0.2.1:8088"))
        .unwrap_or_else(|| panic!("service missing from {listed}"));
    let cols: Vec<u64> = line
        .split_whitespace()
        .skip(2)
        .map(|c| c.parse().unwrap())
        .collect();
    assert_eq!(
        cols,
        vec![
            stats.conns,
            stats.inpkts,
            stats.outpkts,
            stats.inbytes,
            stats.outbytes
        ]
    );

    k.client.zero(Some(&svc)).expect("zero the service");
    let zeroed = k.client.service(&svc).unwrap().stats;
    assert_eq!(
        (zeroed.conns, zeroed.inpkts, zeroed.inbytes),
        (0, 0, 0),
        "{zeroed:?}"
    );
}

#[test]
fn kernel_refusals_name_the_service_and_the_reason() {
    if vm_support::skip_outside_vm("kernel_refusals_name_the_service_and_the_reason") {
        return;
    }
    let mut k = Kernel::take();
    let svc = tcp("192.0.2.120", 80);
    k.client
        .add_service(&ServiceConfig::new(svc, "rr"))
        .unwrap();

    let err = k
        .client
        .add_service(&ServiceConfig::new(svc, "rr"))
        .expect_err("duplicate service");
    assert_eq!(err.reason(), Some(KernelReason::ServiceExists));
    assert_eq!(err.errno(), Some(17));
    assert_eq!(
        err.to_string(),
        "add service TCP 192.0.2.120:80: service already exists (errno 17)"
    );

    let err = k
        .client
        .add_service(&ServiceConfig::new(tcp("192.0.2.121", 80), "nosuchsched"))
        .expect_err("unknown scheduler");
    assert_eq!(err.reason(), Some(KernelReason::SchedulerOrPeNotFound));
    assert!(
        err.to_string()
            .starts_with("add service TCP 192.0.2.121:80: "),
        "{err}"
    );

    let d = DestConfig::new("203.0.113.30".parse().unwrap(), 80);
    let missing = tcp("192.0.2.122", 80);
    let err = k
        .client
        .add_dest(&missing, &d)
        .expect_err("no such service");
    assert_eq!(err.reason(), Some(KernelReason::NoSuchService));
    assert_eq!(
        err.to_string(),
        "add destination 203.0.113.30:80 to TCP 192.0.2.122:80: no such service (errno 3)"
    );

    k.client.add_dest(&svc, &d).unwrap();
    let err = k
        .client
        .add_dest(&svc, &d)
        .expect_err("duplicate destination");
    assert_eq!(err.reason(), Some(KernelReason::DestExists));
    assert!(err.to_string().contains("203.0.113.30:80"), "{err}");

    let mut bad = DestConfig::new("203.0.113.31".parse().unwrap(), 80);
    bad.weight = -1;
    let err = k.client.add_dest(&svc, &bad).expect_err("negative weight");
    // ip_vs_ctl.c answers ERANGE for a weight below zero.
    assert_eq!(err.reason(), Some(KernelReason::OutOfRange), "{err}");
    assert_eq!(err.errno(), Some(34), "{err}");
    assert!(
        err.to_string()
            .starts_with("add destination 203.0.113.31:80 to TCP 192.0.2.120:80: "),
        "{err}"
    );

    let err = k
        .client
        .del_service(&missing)
        .expect_err("delete a missing service");
    assert_eq!(err.reason(), Some(KernelReason::NoSuchService), "{err}");
    // Nothing the refusals touched changed the table.
    assert_eq!(k.client.table().unwrap().len(), 1);
}

#[test]
fn flush_empties_the_table() {
    if vm_support::skip_outside_vm("flush_empties_the_table") {
        return;
    }
    let mut k = Kernel::take();
    for port in 1..=20 {
        let svc = tcp("192.0.2.130", port);
        k.client
            .add_service(&ServiceConfig::new(svc, "rr"))
            .unwrap();
        k.client
            .add_dest(
                &svc,
                &DestConfig::new("203.0.113.40".parse().unwrap(), port),
            )
            .unwrap();
    }
    assert_eq!(k.client.table().unwrap().len(), 20);
    k.client.flush().unwrap();
    assert!(k.client.table().unwrap().is_empty());
    assert_eq!(ipvsadm(&["-Sn"]), "");
}

/// A table with something of everything, built through the client.
fn mixed_table(k: &mut Kernel) {
    let mut services = [
        ServiceConfig::new(tcp("192.0.2.140", 80), "wlc"),
        ServiceConfig::new(udp("192.0.2.140", 53), "rr"),
        ServiceConfig::new(tcp("2001:db8::140", 443), "sh"),
        ServiceConfig::new(fwmark(AddressFamily::Inet, 14), "lc"),
        ServiceConfig::new(fwmark(AddressFamily::Inet6, 14), "mh"),
    ];
    services[0].flags = ServiceFlags::PERSISTENT;
    services[0].timeout = 300;
    services[1].flags = ServiceFlags::ONEPACKET;
    for (i, svc) in services.iter().enumerate() {
        k.client.add_service(svc).unwrap();
        let v6 = svc.key.af() == AddressFamily::Inet6;
        let methods = forwarding_methods();
        for j in 0..4 {
            let addr: IpAddr = if v6 {
                format!("2001:db8:4::{i}:{j}").parse().unwrap()
            } else {
                format!("203.0.113.{}", 10 * i + j).parse().unwrap()
            };
            let port = match svc.key {
                ServiceKey::Addr { port, .. } => port,
                ServiceKey::Fwmark { .. } => 0,
            };
            let mut d = DestConfig::new(addr, port);
            d.fwd = methods[(i + j) % methods.len()].1;
            d.weight = (i * j) as i32;
            k.client.add_dest(&svc.key, &d).unwrap();
        }
    }
}

#[test]
fn ipvsadm_lists_what_the_client_dumps() {
    if vm_support::skip_outside_vm("ipvsadm_lists_what_the_client_dumps") {
        return;
    }
    let mut k = Kernel::take();
    mixed_table(&mut k);
    let dump = k.client.table().unwrap();
    assert_eq!(dump.len(), 5);
    let ours = vm_support::list_from_dump(&dump);
    let theirs = vm_support::parse_ipvsadm_list(&ipvsadm(&["-Ln"]));
    assert_eq!(ours, theirs);
}

#[test]
fn client_reads_what_ipvsadm_restores() {
    if vm_support::skip_outside_vm("client_reads_what_ipvsadm_restores") {
        return;
    }
    let mut k = Kernel::take();
    // Build with the client, save with ipvsadm, flush, restore with ipvsadm, and read back.
    mixed_table(&mut k);
    let before = k.client.table().unwrap();
    let saved = ipvsadm(&["-Sn"]);
    k.client.flush().unwrap();
    vm_support::ipvsadm_stdin(&["-R"], &saved);
    let after = k.client.table().unwrap();
    let configs = |t: &[(keepalive_ipvs::Service, Vec<keepalive_ipvs::Dest>)]| {
        let mut v: Vec<(ServiceConfig, Vec<DestConfig>)> = t
            .iter()
            .map(|(s, d)| {
                let mut c = s.config.clone();
                c.flags = c.flags.user();
                let mut ds: Vec<DestConfig> = d.iter().map(|d| d.config).collect();
                ds.sort_by_key(|d| d.key);
                (c, ds)
            })
            .collect();
        v.sort_by_key(|(c, _)| c.key);
        v
    };
    assert_eq!(
        configs(&after),
        configs(&before),
        "ipvsadm -Sn | ipvsadm -R"
    );
    // And a single key lookup agrees with the dump.
    let first = &after[0].0;
    assert_eq!(
        k.client.service(&first.config.key).unwrap().config,
        first.config
    );
}
