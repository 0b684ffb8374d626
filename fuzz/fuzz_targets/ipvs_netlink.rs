//! Any datagram the IPVS netlink socket could deliver: split into messages, decode every
//! attribute, then decode the typed services, destinations and daemons. Must never panic.
#![no_main]

use keepalive_ipvs::nl::message::parse_datagram;
use keepalive_ipvs::nl::{IpvsAttr, IpvsCmd, IpvsMessage};
use keepalive_ipvs::types::{AddressFamily, Dest, Service, SyncDaemon};
use libfuzzer_sys::fuzz_target;
use netlink_packet_core::NetlinkPayload;

fn typed(msg: &IpvsMessage) {
    for attr in &msg.attrs {
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

fuzz_target!(|data: &[u8]| {
    if let Ok(msgs) = parse_datagram(data) {
        for m in &msgs {
            if let NetlinkPayload::InnerMessage(g) = &m.payload {
                typed(&g.payload);
            }
        }
    }
    // The same bytes as the attributes of each command (attribute sets differ by command).
    if let Some((&cmd, rest)) = data.split_first() {
        if let Ok(msg) = IpvsMessage::parse_attrs(IpvsCmd::from(cmd), rest) {
            typed(&msg);
        }
    }
});
