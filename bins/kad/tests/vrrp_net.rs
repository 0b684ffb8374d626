//! The VRRP socket layer on real sockets, between two network namespaces joined by a veth
//! pair, and against the real `keepalived`.
//!
//! Each test builds its own namespaces (`kadvs-<pid>-<n>`), removed by a Drop guard even
//! when the test fails. Sockets are opened by a thread that has `setns`'d into the
//! namespace; a socket stays in the namespace it was created in, so the test thread then
//! uses it directly. Addresses: 192.0.2.0/24 and 2001:db8::/64 only. Needs root; a test
//! prints why and passes without checking anything if `ip netns add` fails.

use kad::vrrp_net;

use std::fs::File;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use keepalive_vrrp::action::Action;
use keepalive_vrrp::auth::Auth;
use keepalive_vrrp::config::InitialState;
use keepalive_vrrp::error::RxError;
use keepalive_vrrp::ip::{emit_ipv4, ipv4_buffer_len, Ipv4Tx, VRRP_MCAST_V4, VRRP_MCAST_V6};
use keepalive_vrrp::packet::{AdverInt, AdvertRepr, Family, TxChecksum, Version, VipList};
use keepalive_vrrp::rx::{validate, ChecksumKind, ChecksumPolicy, RxCheck, RxMeta, UnicastPeer};
use keepalive_vrrp::{Instance, InstanceConfig, Priority};
use socket2::{Domain, Protocol, Socket, Type};

use vrrp_net::error::NetError;
use vrrp_net::garp::{build_garp, send_garp};
use vrrp_net::link::{Link, LinkSender};
use vrrp_net::na::{icmpv6_checksum, send_na, ALL_NODES, FLAG_OVERRIDE, NA_FRAME_LEN};
use vrrp_net::pool::{Delivery, SockId, SocketPool};
use vrrp_net::socket::{Proto, SockKey, TxOpts};

const A4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 1);
const B4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 2);
const VIP4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 100);
const A6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
const B6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
const VIP6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100);
const WAIT: Duration = Duration::from_secs(20);

static NEXT_NS: AtomicU32 = AtomicU32::new(0);

fn run(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn must(cmd: &mut Command) {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A network namespace, deleted on drop.
struct Netns {
    name: String,
}

impl Netns {
    fn new() -> Option<Netns> {
        let n = NEXT_NS.fetch_add(1, Ordering::Relaxed);
        let name = format!("kadvs-{}-{n}", std::process::id());
        if !run(Command::new("ip").args(["netns", "add", &name])) {
            return None;
        }
        let ns = Netns { name };
        must(ns.exec("sysctl").args([
            "-qw",
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        ]));
        must(ns.ip().args(["link", "set", "lo", "up"]));
        Some(ns)
    }

    fn ip(&self) -> Command {
        let mut c = Command::new("ip");
        c.args(["-n", &self.name]);
        c
    }

    fn exec(&self, prog: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.name, prog]);
        c
    }

    /// Runs `f` on a thread inside the namespace.
    fn enter<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        let path = format!("/run/netns/{}", self.name);
        std::thread::scope(|s| {
            s.spawn(move || {
                let fd = File::open(&path).expect("open netns");
                nix::sched::setns(&fd, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
                f()
            })
            .join()
            .expect("netns thread")
        })
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        run(Command::new("ip").args(["netns", "del", &self.name]));
    }
}

/// Namespaces A (`va`: 192.0.2.1, 2001:db8::1) and B (`vb`: .2, ::2) joined by a veth.
struct Pair {
    a: Netns,
    b: Netns,
}

fn pair() -> Option<Pair> {
    let (Some(a), Some(b)) = (Netns::new(), Netns::new()) else {
        kad_skip::skip("`ip netns add` failed (not root?)");
        return None;
    };
    must(a.ip().args([
        "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", &b.name,
    ]));
    for (ns, dev, v4, v6) in [(&a, "va", A4, A6), (&b, "vb", B4, B6)] {
        must(
            ns.ip()
                .args(["addr", "add", &format!("{v4}/24"), "dev", dev]),
        );
        must(
            ns.ip()
                .args(["addr", "add", &format!("{v6}/64"), "dev", dev, "nodad"]),
        );
        must(ns.ip().args(["link", "set", dev, "up"]));
    }
    Some(Pair { a, b })
}

fn advert_repr(version: Version, vrid: u8, priority: u8, vips: VipList) -> AdvertRepr {
    AdvertRepr {
        version,
        vrid,
        priority,
        adver_int: AdverInt::from_secs(1),
        auth_type: Auth::None.auth_type(),
        auth_data: Auth::None.auth_data(),
        addrs: vips,
    }
}

/// A full IPv4 datagram as `keepalive-vrrp` emits it for an `IP_HDRINCL` socket.
fn advert_v4(version: Version, vrid: u8, priority: u8, dst: Ipv4Addr, ttl: u8) -> Vec<u8> {
    let repr = advert_repr(version, vrid, priority, VipList::V4(vec![VIP4]));
    let csum = ChecksumPolicy::default().tx_checksum(version, A4.into(), dst.into());
    let ip = Ipv4Tx {
        src: A4,
        dst,
        ttl,
        ident: 7,
        tos: 0xc0,
    };
    let mut buf = vec![0; ipv4_buffer_len(&repr, false)];
    let n = emit_ipv4(&repr, &ip, &csum, None, &mut buf).expect("emit");
    buf.truncate(n);
    buf
}

fn advert_v6(vrid: u8, priority: u8, src: Ipv6Addr, dst: Ipv6Addr) -> Vec<u8> {
    let repr = advert_repr(Version::V3, vrid, priority, VipList::V6(vec![VIP6]));
    let csum = ChecksumPolicy::default().tx_checksum(Version::V3, src.into(), dst.into());
    let mut buf = vec![0; repr.buffer_len()];
    let n = repr.emit(&mut buf, &csum).expect("emit");
    buf.truncate(n);
    buf
}

/// Sends `bytes` from A every 100 ms until B's pool delivers something (the veth carrier
/// takes a moment to come up), and returns what B got.
fn exchange(
    tx: (&SocketPool<usize>, SockId),
    rx: (&SocketPool<usize>, SockId),
    bytes: &[u8],
    dst: IpAddr,
    opts: &TxOpts,
    buf: &mut [u8],
) -> Delivery<usize> {
    let deadline = Instant::now() + WAIT;
    loop {
        // Sending before the link is up may fail (ENETDOWN, ENOBUFS): retry.
        let _ = tx.0.send_advert(tx.1, bytes, dst, opts);
        let until = Instant::now() + Duration::from_millis(100);
        while Instant::now() < until {
            if let Some(d) = rx.0.recv(rx.1, buf).expect("recv") {
                return d;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(Instant::now() < deadline, "nothing received from A");
    }
}

fn open_pool(
    ns: &Netns,
    dev: &str,
    key: impl Fn(u32) -> SockKey + Send,
    vrid: u8,
) -> (SocketPool<usize>, SockId) {
    let dev = dev.to_owned();
    ns.enter(move || {
        let link = Link::by_name(&dev).expect("link");
        let mut pool = SocketPool::new(None);
        let id = pool
            .register(&link, key(link.ifindex), vrid, 0)
            .expect("register");
        (pool, id)
    })
}

#[test]
fn ipv4_multicast_advert_from_an_instance_is_received_and_validated() {
    let Some(p) = pair() else { return };
    let key = |i| SockKey::multicast(i, VRRP_MCAST_V4.into(), Proto::Vrrp);
    let (txp, txid) = open_pool(&p.a, "va", key, 51);
    let (rxp, rxid) = open_pool(&p.b, "vb", key, 51);

    // The master's first advert, exactly as the state machine asks for it.
    let mut c = InstanceConfig::new("VI_1", 51, A4.into());
    c.vips = vec![VIP4.into()];
    c.priority = Priority(200);
    c.initial_state = InitialState::Master;
    let now = Instant::now();
    let mut master = Instance::new(c, now, 1);
    // Drive it on virtual time until it sends its first advert.
    let mut sent = None;
    let mut t = now;
    for _ in 0..20 {
        master.handle_timeout(t);
        sent = std::iter::from_fn(|| master.poll_action()).find_map(|a| match a {
            Action::SendAdvert { bytes, dst, .. } => Some((bytes, dst)),
            _ => None,
        });
        match (sent.is_some(), master.poll_timeout()) {
            (false, Some(next)) => t = next,
            _ => break,
        }
    }
    let (bytes, dst) = sent.expect("a master sends an advert");
    assert_eq!(dst, IpAddr::V4(VRRP_MCAST_V4));

    let mut buf = [0u8; 1500];
    let d = exchange(
        (&txp, txid),
        (&rxp, rxid),
        &bytes,
        dst,
        &TxOpts::default(),
        &mut buf,
    );
    let Delivery::Instance { handle, len, meta } = d else {
        panic!("not delivered to the instance: {d:?}")
    };
    assert_eq!(handle, 0);
    assert_eq!(&buf[..len], &bytes[..], "the datagram arrives unchanged");
    assert_eq!(meta.src, IpAddr::V4(A4));
    let vips = [IpAddr::V4(VIP4)];
    let check = RxCheck {
        vips: &vips,
        ..RxCheck::new(Version::V2, Family::Ipv4, 51)
    };
    let advert = validate(&buf[..len], &meta, &check).expect("valid advert");
    assert_eq!(advert.priority, 200);
    assert_eq!(buf[8], 255, "TTL");

    // A backup instance in B accepts it too.
    let mut c = InstanceConfig::new("VI_1", 51, B4.into());
    c.vips = vec![VIP4.into()];
    let mut backup = Instance::new(c, now, 2);
    backup
        .handle_packet(Instant::now(), &buf[..len], &meta)
        .expect("backup accepts the master's advert");

    // Another VRID on the same socket is not for this instance.
    let other = advert_v4(Version::V2, 52, 100, VRRP_MCAST_V4, 255);
    let d = exchange(
        (&txp, txid),
        (&rxp, rxid),
        &other,
        VRRP_MCAST_V4.into(),
        &TxOpts::default(),
        &mut buf,
    );
    assert!(matches!(d, Delivery::UnknownVrid { vrid: 52, .. }), "{d:?}");

    // An IPv4 header with two bytes of VRRP cannot be demultiplexed.
    let mut short = other[..22].to_vec();
    short[2..4].copy_from_slice(&22u16.to_be_bytes());
    let d = exchange(
        (&txp, txid),
        (&rxp, rxid),
        &short,
        VRRP_MCAST_V4.into(),
        &TxOpts::default(),
        &mut buf,
    );
    assert!(
        matches!(
            d,
            Delivery::Malformed {
                error: RxError::Truncated { .. },
                ..
            }
        ),
        "{d:?}"
    );
}

#[test]
fn ipv4_v3_to_a_configured_mcast_dst_ip() {
    let Some(p) = pair() else { return };
    // An organisation-local group standing in for `mcast_dst_ip`.
    let group = Ipv4Addr::new(239, 192, 0, 18);
    let key = move |i| SockKey::multicast(i, group.into(), Proto::Vrrp);
    let (txp, txid) = open_pool(&p.a, "va", key, 9);
    let (rxp, rxid) = open_pool(&p.b, "vb", key, 9);
    let bytes = advert_v4(Version::V3, 9, 120, group, 255);
    let mut buf = [0u8; 1500];
    let d = exchange(
        (&txp, txid),
        (&rxp, rxid),
        &bytes,
        group.into(),
        &TxOpts::default(),
        &mut buf,
    );
    let Delivery::Instance { len, meta, .. } = d else {
        panic!("{d:?}")
    };
    let vips = [IpAddr::V4(VIP4)];
    let check = RxCheck {
        vips: &vips,
        ..RxCheck::new(Version::V3, Family::Ipv4, 9)
    };
    let advert = validate(&buf[..len], &meta, &check).expect("valid v3 advert");
    assert_eq!(advert.priority, 120);
}

#[test]
fn ipv6_multicast_gets_hop_limit_and_destination_from_ancillary_data() {
    let Some(p) = pair() else { return };
    let key = |i| SockKey::multicast(i, VRRP_MCAST_V6.into(), Proto::Vrrp);
    let (txp, txid) = open_pool(&p.a, "va", key, 51);
    let (rxp, rxid) = open_pool(&p.b, "vb", key, 51);
    let bytes = advert_v6(51, 150, A6, VRRP_MCAST_V6);
    let opts = TxOpts {
        src: Some(A6.into()),
        hop_limit: None,
    };
    let mut buf = [0u8; 1500];
    let d = exchange(
        (&txp, txid),
        (&rxp, rxid),
        &bytes,
        VRRP_MCAST_V6.into(),
        &opts,
        &mut buf,
    );
    let Delivery::Instance { len, meta, .. } = d else {
        panic!("{d:?}")
    };
    assert_eq!(&buf[..len], &bytes[..]);
    assert_eq!(meta.src, IpAddr::V6(A6));
    assert_eq!(meta.dst, Some(IpAddr::V6(VRRP_MCAST_V6)));
    assert_eq!(meta.ttl_or_hop_limit, Some(255));
    let vips = [IpAddr::V6(VIP6)];
    let check = RxCheck {
        vips: &vips,
        ..RxCheck::new(Version::V3, Family::Ipv6, 51)
    };
    let advert = validate(&buf[..len], &meta, &check).expect("valid IPv6 advert");
    assert_eq!(advert.priority, 150);
    assert_ne!(advert.checksum, ChecksumKind::NotChecked);
}

#[test]
fn ipv4_unicast_with_unicast_ttl() {
    let Some(p) = pair() else { return };
    let (txp, txid) = open_pool(
        &p.a,
        "va",
        |i| SockKey::unicast(i, A4.into(), Proto::Vrrp),
        7,
    );
    let (rxp, rxid) = open_pool(
        &p.b,
        "vb",
        |i| SockKey::unicast(i, B4.into(), Proto::Vrrp),
        7,
    );
    let bytes = advert_v4(Version::V2, 7, 100, B4, 64);
    let mut buf = [0u8; 1500];
    let d = exchange(
        (&txp, txid),
        (&rxp, rxid),
        &bytes,
        B4.into(),
        &TxOpts::default(),
        &mut buf,
    );
    let Delivery::Instance { len, meta, .. } = d else {
        panic!("{d:?}")
    };
    assert_eq!(buf[8], 64, "unicast_ttl in the IPv4 header");
    let vips = [IpAddr::V4(VIP4)];
    let peers = [UnicastPeer::new(A4.into())];
    let check = RxCheck {
        vips: &vips,
        unicast_peers: &peers,
        check_unicast_src: true,
        ..RxCheck::new(Version::V2, Family::Ipv4, 7)
    };
    validate(&buf[..len], &meta, &check).expect("valid unicast advert");
}

#[test]
fn ipv6_unicast_hop_limit_is_sent_and_received_as_ancillary_data() {
    let Some(p) = pair() else { return };
    let (txp, txid) = open_pool(
        &p.a,
        "va",
        |i| SockKey::unicast(i, A6.into(), Proto::Vrrp),
        7,
    );
    let (rxp, rxid) = open_pool(
        &p.b,
        "vb",
        |i| SockKey::unicast(i, B6.into(), Proto::Vrrp),
        7,
    );
    let bytes = advert_v6(7, 100, A6, B6);
    let opts = TxOpts {
        src: Some(A6.into()),
        hop_limit: Some(42),
    };
    let mut buf = [0u8; 1500];
    let d = exchange(
        (&txp, txid),
        (&rxp, rxid),
        &bytes,
        B6.into(),
        &opts,
        &mut buf,
    );
    let Delivery::Instance { len, meta, .. } = d else {
        panic!("{d:?}")
    };
    assert_eq!(meta.ttl_or_hop_limit, Some(42));
    assert_eq!(meta.dst, Some(IpAddr::V6(B6)));
    let vips = [IpAddr::V6(VIP6)];
    let peers = [UnicastPeer::new(A6.into())];
    let check = RxCheck {
        vips: &vips,
        unicast_peers: &peers,
        check_unicast_src: true,
        ..RxCheck::new(Version::V3, Family::Ipv6, 7)
    };
    validate(&buf[..len], &meta, &check).expect("valid unicast IPv6 advert");
}

/// A packet socket in B that receives frames of `ethertype` arriving on `vb`.
fn capture(ns: &Netns, ethertype: u16) -> Socket {
    ns.enter(move || {
        let proto = Protocol::from(i32::from(ethertype.to_be()));
        let sock = Socket::new(Domain::PACKET, Type::RAW, Some(proto)).expect("packet socket");
        let link = Link::by_name("vb").expect("vb");
        nix::sys::socket::bind(sock.as_raw_fd(), link.link_addr()).expect("bind");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        sock
    })
}

/// Calls `send` every 100 ms until `capture` reads a frame `pick` accepts.
fn wait_frame(capture: &Socket, mut send: impl FnMut(), pick: impl Fn(&[u8]) -> bool) -> Vec<u8> {
    let deadline = Instant::now() + WAIT;
    let mut buf = [0u8; 2048];
    let mut reader = capture;
    while Instant::now() < deadline {
        send();
        let until = Instant::now() + Duration::from_millis(100);
        while Instant::now() < until {
            if let Ok(n) = reader.read(&mut buf) {
                if pick(&buf[..n]) {
                    return buf[..n].to_vec();
                }
            }
        }
    }
    panic!("no matching frame seen in B");
}

#[test]
fn gratuitous_arp_is_seen_on_the_peer() {
    let Some(p) = pair() else { return };
    let cap = capture(&p.b, 0x0806);
    let (link, mut sender) = p.a.enter(|| {
        let link = Link::by_name("va").expect("va");
        let mut sender = LinkSender::new();
        sender.open(&link).expect("packet socket");
        (link, sender)
    });
    let mac = link.hw_addr.expect("veth has a MAC");
    let frame = wait_frame(
        &cap,
        || {
            if let Err(e) = send_garp(&mut sender, &link, None, VIP4) {
                eprintln!("send: {e}");
            }
        },
        |f| f.len() >= 42 && f[28..32] == VIP4.octets(),
    );
    assert_eq!(frame[..42], build_garp(mac, VIP4));
    assert_eq!(frame[0..6], [0xff; 6], "broadcast");
    assert_eq!(frame[6..12], mac, "source MAC of the interface");
    assert_eq!(frame[20..22], [0, 1], "ARP request");
    assert_eq!(frame[22..28], mac, "sender hardware address");
    assert_eq!(frame[38..42], VIP4.octets(), "target = sender = VIP");

    // With a VMAC as source.
    let vmac = [0x00, 0x00, 0x5e, 0x00, 0x01, 51];
    let frame = wait_frame(
        &cap,
        || {
            let _ = send_garp(&mut sender, &link, Some(vmac), VIP4);
        },
        |f| f.len() >= 42 && f[6..12] == vmac,
    );
    assert_eq!(frame[22..28], vmac);
}

#[test]
fn unsolicited_na_is_seen_on_the_peer() {
    let Some(p) = pair() else { return };
    let cap = capture(&p.b, 0x86dd);
    let (link, mut sender) = p.a.enter(|| {
        let link = Link::by_name("va").expect("va");
        let mut sender = LinkSender::new();
        sender.open(&link).expect("packet socket");
        (link, sender)
    });
    let mac = link.hw_addr.expect("veth has a MAC");
    let frame = wait_frame(
        &cap,
        || {
            let _ = send_na(&mut sender, &link, None, VIP6);
        },
        |f| f.len() >= NA_FRAME_LEN && f[20] == 58 && f[54] == 136,
    );
    assert_eq!(frame[0..6], [0x33, 0x33, 0, 0, 0, 1]);
    assert_eq!(frame[6..12], mac);
    assert_eq!(frame[21], 255, "hop limit");
    assert_eq!(frame[22..38], VIP6.octets(), "source = VIP");
    assert_eq!(frame[38..54], ALL_NODES.octets());
    assert_eq!(frame[58] & FLAG_OVERRIDE, FLAG_OVERRIDE);
    assert_eq!(frame[58] & 0x40, 0, "not solicited");
    assert_eq!(frame[62..78], VIP6.octets(), "target");
    assert_eq!(frame[78..80], [2, 1], "target link-layer address option");
    assert_eq!(frame[80..86], mac);
    assert_eq!(
        icmpv6_checksum(VIP6, ALL_NODES, &frame[54..NA_FRAME_LEN]),
        0
    );
}

/// `keepalived` running in a namespace, killed on drop.
struct Keepalived {
    child: Child,
    log: PathBuf,
    dir: PathBuf,
}

impl Keepalived {
    /// Starts keepalived with one `vrrp_instance VI_1` on `va` whose body is `instance`.
    fn start(ns: &Netns, tag: &str, instance: &str) -> Keepalived {
        let dir = std::env::temp_dir().join(format!("{}-{tag}", ns.name));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let conf = dir.join("keepalived.conf");
        std::fs::write(
            &conf,
            format!(
                "global_defs {{\n  router_id {name}\n}}\n\
                 vrrp_instance VI_1 {{\n  state MASTER\n  interface va\n  priority 200\n\
                 \x20 advert_int 1\n{instance}}}\n",
                name = ns.name
            ),
        )
        .expect("write conf");
        let log = dir.join("log");
        let out = File::create(&log).expect("log");
        let err = out.try_clone().expect("log");
        let child = ns
            .exec("keepalived")
            .args(["-n", "-l", "-P", "-G", "-D", "-f"])
            .arg(&conf)
            .arg("-p")
            .arg(dir.join("keepalived.pid"))
            .arg("-r")
            .arg(dir.join("vrrp.pid"))
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn keepalived");
        Keepalived { child, log, dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Keepalived {
    fn drop(&mut self) {
        // SIGTERM lets keepalived remove its VIP; then make sure it is gone.
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn keepalived_interop(version: Version, n: u8) {
    let Some(p) = pair() else { return };
    let key = |i| SockKey::multicast(i, VRRP_MCAST_V4.into(), Proto::Vrrp);
    let (pool, id) = open_pool(&p.b, "vb", key, 51);
    let ka = Keepalived::start(
        &p.a,
        &format!("v{n}"),
        &format!(
            "  version {n}\n  virtual_router_id 51\n  virtual_ipaddress {{\n    {VIP4}/32\n  }}\n"
        ),
    );

    // keepalived's adverts pass our validation.
    let vips = [IpAddr::V4(VIP4)];
    let check = RxCheck {
        vips: &vips,
        ..RxCheck::new(version, Family::Ipv4, 51)
    };
    let (priority, meta) = keepalived_advert(&ka, &pool, id, &check);
    assert_eq!((priority, meta.src), (200, IpAddr::V4(A4)));

    // A higher-priority advert from B makes keepalived back off.
    let repr = advert_repr(version, 51, 250, VipList::V4(vec![VIP4]));
    let csum = ChecksumPolicy::default().tx_checksum(version, B4.into(), VRRP_MCAST_V4.into());
    let mut bytes = vec![0; ipv4_buffer_len(&repr, false)];
    let len = emit_ipv4(&repr, &Ipv4Tx::multicast(B4, 1), &csum, None, &mut bytes).expect("emit");
    bytes.truncate(len);
    until_keepalived_backs_off(&ka, || {
        pool.send_advert(id, &bytes, VRRP_MCAST_V4.into(), &TxOpts::default())
            .expect("send");
    });
}

#[test]
fn keepalived_v2_interop() {
    keepalived_interop(Version::V2, 2);
}

#[test]
fn keepalived_v3_interop() {
    keepalived_interop(Version::V3, 3);
}

#[test]
fn pool_errors_are_distinct() {
    let Some(p) = pair() else { return };
    p.b.enter(|| {
        let link = Link::by_name("vb").expect("vb");
        let mut pool: SocketPool<usize> = SocketPool::new(None);
        let key = SockKey::multicast(link.ifindex, VRRP_MCAST_V4.into(), Proto::Vrrp);
        let id = pool.register(&link, key, 51, 0).expect("first");
        assert_eq!(pool.register(&link, key, 52, 1).expect("second VRID"), id);
        let err = pool.register(&link, key, 51, 2).unwrap_err();
        assert!(matches!(err, NetError::DuplicateVrid { vrid: 51 }), "{err}");
        // The entry closes with its last instance.
        assert_eq!(pool.unregister(id, 51), Some(0));
        assert_eq!(pool.find(&key), Some(id));
        assert_eq!(pool.unregister(id, 52), Some(1));
        assert_eq!(pool.find(&key), None);
        assert_eq!(pool.ids().count(), 0);

        // unicast_src_ip that is not ours.
        let key = SockKey::unicast(link.ifindex, A4.into(), Proto::Vrrp);
        let err = pool.register(&link, key, 51, 0).unwrap_err();
        assert!(matches!(err, NetError::Bind { .. }), "{err}");
        let err = SocketPool::<usize>::default()
            .send_advert(SockId(9), &[0; 8], B4.into(), &TxOpts::default())
            .unwrap_err();
        assert!(matches!(err, NetError::SendAdvert { .. }), "{err}");
    });
}

#[test]
fn oversized_datagram_is_reported_as_truncated_and_the_next_one_still_arrives() {
    let Some(p) = pair() else { return };
    let key = |i| SockKey::multicast(i, VRRP_MCAST_V4.into(), Proto::Vrrp);
    let (txp, txid) = open_pool(&p.a, "va", key, 51);
    let (rxp, rxid) = open_pool(&p.b, "vb", key, 51);
    let bytes = advert_v4(Version::V2, 51, 100, VRRP_MCAST_V4, 255);
    let mut big = [0u8; 1500];
    // Wait for the link, then drain.
    exchange(
        (&txp, txid),
        (&rxp, rxid),
        &bytes,
        VRRP_MCAST_V4.into(),
        &TxOpts::default(),
        &mut big,
    );
    while let Ok(Some(_)) = rxp.recv(rxid, &mut big) {}
    txp.send_advert(txid, &bytes, VRRP_MCAST_V4.into(), &TxOpts::default())
        .expect("send");
    txp.send_advert(txid, &bytes, VRRP_MCAST_V4.into(), &TxOpts::default())
        .expect("send");
    let deadline = Instant::now() + WAIT;
    let mut small = [0u8; 16];
    let err = loop {
        match rxp.recv(rxid, &mut small) {
            Err(e) => break e,
            Ok(Some(d)) => panic!("{d:?}"),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
        }
        assert!(Instant::now() < deadline, "nothing received");
    };
    assert!(
        matches!(err, NetError::Truncated { len, capacity: 16 } if len == bytes.len()),
        "{err}"
    );
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(d) = rxp.recv(rxid, &mut big).expect("recv") {
            assert!(matches!(d, Delivery::Instance { .. }), "{d:?}");
            break;
        }
        assert!(Instant::now() < deadline, "second datagram lost");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn receive_socket_wakes_mio() {
    let Some(p) = pair() else { return };
    let key = |i| SockKey::multicast(i, VRRP_MCAST_V6.into(), Proto::Vrrp);
    let (txp, txid) = open_pool(&p.a, "va", key, 51);
    let (mut rxp, rxid) = open_pool(&p.b, "vb", key, 51);
    let mut poll = mio::Poll::new().expect("poll");
    poll.registry()
        .register(
            rxp.rx_mut(rxid).expect("entry"),
            mio::Token(rxid.0),
            mio::Interest::READABLE,
        )
        .expect("register");
    let bytes = advert_v6(51, 100, A6, VRRP_MCAST_V6);
    let opts = TxOpts {
        src: Some(A6.into()),
        hop_limit: None,
    };
    let mut events = mio::Events::with_capacity(8);
    let deadline = Instant::now() + WAIT;
    loop {
        let _ = txp.send_advert(txid, &bytes, VRRP_MCAST_V6.into(), &opts);
        // Other tests' child processes exiting interrupt epoll_wait with SIGCHLD.
        match poll.poll(&mut events, Some(Duration::from_millis(100))) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => r.expect("poll"),
        }
        if events
            .iter()
            .any(|e| e.token() == mio::Token(rxid.0) && e.is_readable())
        {
            break;
        }
        assert!(Instant::now() < deadline, "no readiness");
    }
    let mut buf = [0u8; 1500];
    let d = rxp.recv(rxid, &mut buf).expect("recv");
    assert!(matches!(d, Some(Delivery::Instance { .. })), "{d:?}");
}

/// The link-local address the kernel gave `dev` in `ns`.
fn link_local(ns: &Netns, dev: &str) -> Ipv6Addr {
    let deadline = Instant::now() + WAIT;
    loop {
        let out = ns
            .ip()
            .args(["-6", "-o", "addr", "show", "dev", dev, "scope", "link"])
            .output()
            .expect("ip addr");
        let text = String::from_utf8_lossy(&out.stdout);
        let found = text
            .split_whitespace()
            .skip_while(|w| *w != "inet6")
            .nth(1)
            .and_then(|a| a.split('/').next())
            .and_then(|a| a.parse().ok());
        if let Some(a) = found {
            return a;
        }
        assert!(Instant::now() < deadline, "no link-local address on {dev}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for `rxp` to deliver an advert from keepalived that `check` accepts.
fn keepalived_advert(
    ka: &Keepalived,
    rxp: &SocketPool<usize>,
    rxid: SockId,
    check: &RxCheck<'_>,
) -> (u8, RxMeta) {
    let deadline = Instant::now() + WAIT;
    let mut buf = [0u8; 1500];
    loop {
        match rxp.recv(rxid, &mut buf).expect("recv") {
            Some(Delivery::Instance { len, meta, .. }) => {
                let a = validate(&buf[..len], &meta, check)
                    .unwrap_or_else(|e| panic!("keepalived advert rejected: {e}"));
                return (a.priority, meta);
            }
            Some(other) => panic!("unexpected {other:?}"),
            None => std::thread::sleep(Duration::from_millis(20)),
        }
        assert!(
            Instant::now() < deadline,
            "no advert from keepalived; its log:\n{}",
            ka.log()
        );
    }
}

/// Sends `bytes` from B until keepalived's log says it yielded to priority 250.
fn until_keepalived_backs_off(ka: &Keepalived, send: impl Fn()) {
    let deadline = Instant::now() + WAIT;
    loop {
        send();
        let log = ka.log();
        let backed_off = log
            .find("with higher priority 250")
            .is_some_and(|at| log[at..].contains("Entering BACKUP STATE"));
        if backed_off {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "keepalived did not go BACKUP; its log:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn keepalived_ipv6_interop() {
    let Some(p) = pair() else { return };
    let key = |i| SockKey::multicast(i, VRRP_MCAST_V6.into(), Proto::Vrrp);
    let (rxp, rxid) = open_pool(&p.b, "vb", key, 61);
    let a_ll = link_local(&p.a, "va");
    let b_ll = link_local(&p.b, "vb");
    let ka = Keepalived::start(
        &p.a,
        "v6",
        &format!("  virtual_router_id 61\n  virtual_ipaddress {{\n    {VIP6}/64\n  }}\n"),
    );
    let vips = [IpAddr::V6(VIP6)];
    let check = RxCheck {
        vips: &vips,
        ..RxCheck::new(Version::V3, Family::Ipv6, 61)
    };
    let (priority, meta) = keepalived_advert(&ka, &rxp, rxid, &check);
    assert_eq!(priority, 200);
    assert_eq!(
        meta.src,
        IpAddr::V6(a_ll),
        "keepalived sends from its link-local"
    );
    assert_eq!(meta.ttl_or_hop_limit, Some(255));
    assert_eq!(meta.dst, Some(IpAddr::V6(VRRP_MCAST_V6)));

    let bytes = advert_v6(61, 250, b_ll, VRRP_MCAST_V6);
    let opts = TxOpts {
        src: Some(b_ll.into()),
        hop_limit: None,
    };
    until_keepalived_backs_off(&ka, || {
        rxp.send_advert(rxid, &bytes, VRRP_MCAST_V6.into(), &opts)
            .expect("send");
    });
}

#[test]
fn keepalived_ah_adverts_arrive_on_the_ah_socket() {
    let Some(p) = pair() else { return };
    let key = |i| SockKey::multicast(i, VRRP_MCAST_V4.into(), Proto::Ah);
    let (rxp, rxid) = open_pool(&p.b, "vb", key, 71);
    let ka = Keepalived::start(
        &p.a,
        "ah",
        &format!(
            "  version 2\n  virtual_router_id 71\n  authentication {{\n    auth_type AH\n\
             \x20   auth_pass kadtest\n  }}\n  virtual_ipaddress {{\n    {VIP4}/32\n  }}\n"
        ),
    );
    let vips = [IpAddr::V4(VIP4)];
    let check = RxCheck {
        vips: &vips,
        auth: Auth::Ah(Auth::pass_octets("kadtest")),
        ..RxCheck::new(Version::V2, Family::Ipv4, 71)
    };
    let (priority, _) = keepalived_advert(&ka, &rxp, rxid, &check);
    assert_eq!(priority, 200);
}

#[test]
fn keepalived_unicast_interop() {
    let Some(p) = pair() else { return };
    // Our side, keyed and addressed as the daemon would from an instance config.
    let mut ours = InstanceConfig::new("VI_1", 81, B4.into());
    ours.vips = vec![VIP4.into()];
    ours.unicast_peers = vec![UnicastPeer::new(A4.into())];
    ours.check_unicast_src = true;
    let cfg = ours.clone();
    let (pool, id) = open_pool(&p.b, "vb", move |i| SockKey::for_instance(&cfg, i), 81);
    let ka = Keepalived::start(
        &p.a,
        "uc",
        &format!(
            "  virtual_router_id 81\n  unicast_src_ip {A4}\n  unicast_peer {{\n    {B4}\n  }}\n\
             \x20 virtual_ipaddress {{\n    {VIP4}/32\n  }}\n"
        ),
    );
    let vips = [IpAddr::V4(VIP4)];
    let peers = [UnicastPeer::new(A4.into())];
    let check = RxCheck {
        vips: &vips,
        unicast_peers: &peers,
        check_unicast_src: true,
        ..RxCheck::new(Version::V2, Family::Ipv4, 81)
    };
    let (priority, meta) = keepalived_advert(&ka, &pool, id, &check);
    assert_eq!((priority, meta.src), (200, IpAddr::V4(A4)));

    let repr = advert_repr(Version::V2, 81, 250, VipList::V4(vec![VIP4]));
    let ip = Ipv4Tx {
        src: B4,
        dst: A4,
        ttl: 255,
        ident: 1,
        tos: 0xc0,
    };
    let mut bytes = vec![0; ipv4_buffer_len(&repr, false)];
    let len = emit_ipv4(&repr, &ip, &TxChecksum::Plain, None, &mut bytes).expect("emit");
    bytes.truncate(len);
    let opts = TxOpts::for_instance(&ours);
    until_keepalived_backs_off(&ka, || {
        pool.send_advert(id, &bytes, A4.into(), &opts)
            .expect("send");
    });
}
