//! Hostile VRRP traffic: a thread inside an attacker namespace that sends malformed or
//! unacceptable adverts to 224.0.0.18 or ff02::12 at a fixed rate, built with keepalive-vrrp's
//! codec and then spoiled on purpose.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use keepalive_vrrp::auth::Auth;
use keepalive_vrrp::ip::{emit_ipv4, ipv4_buffer_len, Ipv4Tx, VRRP_MCAST_V4, VRRP_MCAST_V6};
use keepalive_vrrp::packet::{AdverInt, AdvertRepr, TxChecksum, Version, VipList};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::netns::{Host, DEV};

/// The bad packets, one of each kind; all claim priority 254 for `vrid` so that a router
/// that wrongly accepted one would give up mastership.
pub fn bad_adverts(
    src: Ipv4Addr,
    vrid: u8,
    vip: Ipv4Addr,
    pass: &str,
) -> Vec<(&'static str, Vec<u8>)> {
    let good_auth = Auth::Pass(Auth::pass_octets(pass));
    let advert = |version, vrid, ttl, auth: Auth| {
        let repr = AdvertRepr {
            version,
            vrid,
            priority: 254,
            adver_int: AdverInt::from_secs(1),
            auth_type: auth.auth_type(),
            auth_data: auth.auth_data(),
            addrs: VipList::V4(vec![vip]),
        };
        let csum = match version {
            Version::V2 => TxChecksum::Plain,
            _ => TxChecksum::Pseudo {
                src: src.into(),
                dst: VRRP_MCAST_V4.into(),
            },
        };
        let ip = Ipv4Tx {
            ttl,
            ..Ipv4Tx::multicast(src, 1)
        };
        let mut buf = vec![0; ipv4_buffer_len(&repr, false)];
        let n = emit_ipv4(&repr, &ip, &csum, None, &mut buf).expect("emit");
        buf.truncate(n);
        buf
    };
    let mut out = vec![
        ("wrong TTL", advert(Version::V2, vrid, 64, good_auth)),
        (
            "bad password",
            advert(
                Version::V2,
                vrid,
                255,
                Auth::Pass(Auth::pass_octets("wrong!")),
            ),
        ),
        ("no auth", advert(Version::V2, vrid, 255, Auth::None)),
        (
            "other VRID",
            advert(Version::V2, vrid.wrapping_add(1), 255, good_auth),
        ),
        ("wrong version", advert(Version::V3, vrid, 255, Auth::None)),
    ];
    let mut bad_sum = advert(Version::V2, vrid, 255, good_auth);
    // VRRP checksum: IPv4 header (20) + 6.
    bad_sum[26] ^= 0x5a;
    out.push(("bad checksum", bad_sum));
    let full = advert(Version::V2, vrid, 255, good_auth);
    out.push(("truncated to 4 bytes", full[..24].to_vec()));
    out.push(("truncated address list", full[..30].to_vec()));
    let mut count = full.clone();
    // Address count larger than the packet holds.
    count[20 + 3] = 40;
    out.push(("address count too large", count));
    let mut zero = full.clone();
    zero[20] = 0x20; // version 2, type 0
    out.push(("unknown type", zero));
    out
}

/// IPv6 counterparts for a VRRPv3 instance (the kernel builds the IPv6 header, so each
/// packet comes with the hop limit to send it with): wrong hop limit, other VRID, wrong
/// version, bad checksum, truncated, address count too large. `src` is the sender's
/// link-local address (the checksum's pseudo-header).
pub fn bad_adverts_v6(src: Ipv6Addr, vrid: u8, vip: Ipv6Addr) -> Vec<(&'static str, Vec<u8>, u32)> {
    let advert = |version, vrid| {
        let repr = AdvertRepr {
            version,
            vrid,
            priority: 254,
            adver_int: AdverInt::from_secs(1),
            auth_type: Auth::None.auth_type(),
            auth_data: Auth::None.auth_data(),
            addrs: VipList::V6(vec![vip]),
        };
        let csum = TxChecksum::Pseudo {
            src: src.into(),
            dst: VRRP_MCAST_V6.into(),
        };
        let mut buf = vec![0; repr.buffer_len()];
        let n = repr.emit(&mut buf, &csum).expect("emit");
        buf.truncate(n);
        buf
    };
    let full = advert(Version::V3, vrid);
    let mut bad_sum = full.clone();
    bad_sum[6] ^= 0x5a;
    let mut count = full.clone();
    count[3] = 40;
    vec![
        ("wrong hop limit", full.clone(), 64),
        ("other VRID", advert(Version::V3, vrid.wrapping_add(1)), 255),
        ("wrong version", advert(Version::V2, vrid), 255),
        ("bad checksum", bad_sum, 255),
        ("truncated to 4 bytes", full[..4].to_vec(), 255),
        ("truncated address list", full[..12].to_vec(), 255),
        ("address count too large", count, 255),
    ]
}

/// Where a flood goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// 224.0.0.18, whole datagrams.
    V4,
    /// ff02::12 from this link-local address.
    V6(Ipv6Addr),
}

/// A flood running on its own thread until dropped.
#[derive(Debug)]
pub struct Flood {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<u64>>,
}

impl Flood {
    /// Sends IPv4 `packets` (whole datagrams) round-robin from `host`'s `eth0` to
    /// 224.0.0.18 at about `pps` packets a second.
    pub fn start(host: &Host, packets: Vec<(&'static str, Vec<u8>)>, pps: u32) -> Flood {
        let packets = packets.into_iter().map(|(n, b)| (n, b, 0)).collect();
        Flood::spawn(host, Target::V4, packets, pps)
    }

    /// Sends IPv6 `packets` (VRRP messages, each with its hop limit) round-robin from
    /// `host`'s `eth0`, bound to `src`, to ff02::12 at about `pps` packets a second.
    pub fn start_v6(
        host: &Host,
        src: Ipv6Addr,
        packets: Vec<(&'static str, Vec<u8>, u32)>,
        pps: u32,
    ) -> Flood {
        Flood::spawn(host, Target::V6(src), packets, pps)
    }

    fn spawn(
        host: &Host,
        target: Target,
        packets: Vec<(&'static str, Vec<u8>, u32)>,
        pps: u32,
    ) -> Flood {
        let stop = Arc::new(AtomicBool::new(false));
        let ns_path = format!("/run/netns/{}", host.name());
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let fd = std::fs::File::open(&ns_path).expect("open netns");
            nix::sched::setns(&fd, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
            let (sock, dst) = match target {
                // IPPROTO_RAW implies IP_HDRINCL: the datagrams go out as built (the
                // kernel only fills the total length and header checksum).
                Target::V4 => {
                    let sock = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(255)))
                        .expect("raw socket");
                    (sock, SockAddr::from(SocketAddrV4::new(VRRP_MCAST_V4, 0)))
                }
                Target::V6(src) => {
                    let sock = Socket::new(Domain::IPV6, Type::RAW, Some(Protocol::from(112)))
                        .expect("raw socket");
                    // A link-local address needs its interface as the scope.
                    let ifindex = nix::net::if_::if_nametoindex(DEV).expect("ifindex");
                    sock.bind(&SockAddr::from(SocketAddrV6::new(src, 0, 0, ifindex)))
                        .expect("bind link-local");
                    (
                        sock,
                        SockAddr::from(SocketAddrV6::new(VRRP_MCAST_V6, 0, 0, ifindex)),
                    )
                }
            };
            sock.bind_device(Some(DEV.as_bytes()))
                .expect("SO_BINDTODEVICE");
            let period = Duration::from_secs(1) / pps;
            let start = Instant::now();
            let mut sent = 0u64;
            let mut tried = 0u32;
            let mut hops = 0;
            while !flag.load(Ordering::Relaxed) {
                for (_, p, h) in &packets {
                    if matches!(target, Target::V6(_)) && *h != hops {
                        sock.set_multicast_hops_v6(*h).expect("IPV6_MULTICAST_HOPS");
                        hops = *h;
                    }
                    // ENOBUFS under load is no reason to stop the flood.
                    if sock.send_to(p, &dst).is_ok() {
                        sent += 1;
                    }
                    tried = tried.saturating_add(1);
                    let due = start + period * tried;
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                }
            }
            sent
        });
        Flood {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the flood and returns how many packets went out.
    pub fn stop(mut self) -> u64 {
        self.halt()
    }

    fn halt(&mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .take()
            .map_or(0, |t| t.join().expect("flood thread"))
    }
}

impl Drop for Flood {
    fn drop(&mut self) {
        self.halt();
    }
}
