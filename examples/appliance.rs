//! A VRRP appliance without a keepalived.conf: one instance holding one VIP, driven by kad's
//! library `Router` from a plain mio loop. Stops on SIGTERM/SIGINT (priority-0 advert, VIP
//! removed).
//!
//! Usage: `appliance IFACE VRID PRIORITY VIP/LEN [PEER]` (with PEER, unicast adverts to it).
use std::error::Error;
use std::net::IpAddr;
use std::os::fd::AsRawFd;
use std::time::Instant;

use kad::signals::{Request, Signals};
use kad::vrrp::mapping::{primary_address, Plan};
use kad::vrrp::router::{Previous, Router};
use kad::vrrp::spec::vip;
use keepalive_netlink::{Reflector, Rtnl};
use keepalive_vrrp::config::InstanceConfig;
use keepalive_vrrp::rx::UnicastPeer;
use keepalive_vrrp::Priority;
use mio::{unix::SourceFd, Events, Interest, Poll, Token};

const SIGNALS: Token = Token(0);
const NETLINK: Token = Token(1);

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [ifname, vrid, priority, vip_arg, peer @ ..] = args.as_slice() else {
        return Err("usage: appliance IFACE VRID PRIORITY VIP/LEN [PEER]".into());
    };
    let (addr, len) = vip_arg.split_once('/').ok_or("VIP needs a /LEN")?;
    let (addr, len): (IpAddr, u8) = (addr.parse()?, len.parse()?);

    let mut poll = Poll::new()?;
    let mut signals = Signals::new()?;
    poll.registry()
        .register(&mut signals, SIGNALS, Interest::READABLE)?;
    let reflector = Reflector::open(None)?;
    let fd = reflector.as_raw_fd();
    poll.registry()
        .register(&mut SourceFd(&fd), NETLINK, Interest::READABLE)?;
    let primary = primary_address(reflector.table(), ifname, addr.is_ipv6())
        .ok_or("no address to advertise from on the interface")?;

    let mut config = InstanceConfig::new("VI_APPLIANCE", vrid.parse()?, primary);
    config.priority = Priority(priority.parse()?);
    config.vips.push(addr);
    if let Some(peer) = peer.first() {
        config.unicast_peers.push(UnicastPeer::new(peer.parse()?));
    }
    config.validate()?;
    let plan = Plan::single(config, ifname, vec![vip(addr, len)]);

    let mut router = Router::new(reflector, Rtnl::open(None)?, u64::from(std::process::id()));
    router.start(poll.registry(), plan, Instant::now(), &Previous::default());
    let (mut events, mut buf) = (Events::with_capacity(64), vec![0u8; 65536]);
    loop {
        // mio rounds a timeout up to whole milliseconds, so a deadline is never missed.
        let timeout = router
            .next_deadline()
            .map(|d| d.saturating_duration_since(Instant::now()));
        poll.poll(&mut events, timeout)?;
        let now = Instant::now();
        for ev in &events {
            match ev.token() {
                SIGNALS if signals.any(|r| r == Request::Stop) => {
                    router.shutdown(now);
                    router.cleanup();
                    return Ok(());
                }
                SIGNALS => {}
                NETLINK => router.netlink_ready(now),
                t => router.socket_ready(t, now, &mut buf),
            }
        }
        router.handle_timeout(Instant::now());
        // The notify FIFO's line: INSTANCE "VI_APPLIANCE" MASTER 150
        for (n, _, _) in router.notifications.drain(..) {
            println!("{n}");
        }
    }
}
