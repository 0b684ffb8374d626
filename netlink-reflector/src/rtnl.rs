//! The command socket: one request at a time, each acknowledged, each error naming the
//! operation (keepalived's `nl_cmd` socket).

use std::net::IpAddr;

use netlink_packet_core::{NetlinkPayload, NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::RouteNetlinkMessage;
use nix::errno::Errno;

use crate::address::AddressSpec;
use crate::error::{Error, Result};
use crate::ipvlan::IpvlanSpec;
use crate::route::RouteSpec;
use crate::rule::RuleSpec;
use crate::socket::{Batch, NlSocket, RcvBuf};
use crate::table::{address_from_msg, link_from_msg};
use crate::vmac::{addr_gen_none_message, VmacSpec};

/// A blocking rtnetlink command socket.
#[derive(Debug)]
pub struct Rtnl {
    sock: NlSocket,
}

impl Rtnl {
    /// Opens a command socket in the calling thread's network namespace; `rcvbuf` is
    /// `vrrp_netlink_cmd_rcv_bufs[_force]`.
    pub fn open(rcvbuf: Option<RcvBuf>) -> Result<Self> {
        Ok(Self {
            sock: NlSocket::open(&[], rcvbuf)?,
        })
    }

    /// Adds a virtual address.
    pub fn add_address(&mut self, spec: &AddressSpec) -> Result<()> {
        spec.validate()?;
        let what = format!("add address {}", spec.describe());
        let msg = RouteNetlinkMessage::NewAddress(spec.to_new_message());
        self.sock.request(&what, msg, NLM_F_CREATE | NLM_F_EXCL)
    }

    /// Removes a virtual address.
    pub fn del_address(&mut self, spec: &AddressSpec) -> Result<()> {
        let what = format!("delete address {}", spec.describe());
        self.sock.request(
            &what,
            RouteNetlinkMessage::DelAddress(spec.to_del_message()),
            0,
        )
    }

    /// Adds a route.
    pub fn add_route(&mut self, spec: &RouteSpec) -> Result<()> {
        spec.validate()?;
        let (m, flags) = spec.to_new_message();
        self.sock.request(
            &format!("add {}", spec.describe()),
            RouteNetlinkMessage::NewRoute(m),
            flags,
        )
    }

    /// Removes a route.
    pub fn del_route(&mut self, spec: &RouteSpec) -> Result<()> {
        let what = format!("delete {}", spec.describe());
        self.sock.request(
            &what,
            RouteNetlinkMessage::DelRoute(spec.to_del_message()),
            0,
        )
    }

    /// Adds a rule.
    pub fn add_rule(&mut self, spec: &RuleSpec) -> Result<()> {
        spec.validate()?;
        let (m, flags) = spec.to_new_message();
        self.sock.request(
            &format!("add {}", spec.describe()),
            RouteNetlinkMessage::NewRule(m),
            flags,
        )
    }

    /// Removes a rule.
    pub fn del_rule(&mut self, spec: &RuleSpec) -> Result<()> {
        let what = format!("delete {}", spec.describe());
        self.sock.request(
            &what,
            RouteNetlinkMessage::DelRule(spec.to_del_message()),
            0,
        )
    }

    /// Creates a VMAC interface and returns its ifindex.
    pub fn create_vmac(&mut self, spec: &VmacSpec) -> Result<u32> {
        spec.validate()?;
        let what = format!("create VMAC {} on ifindex {}", spec.name, spec.parent);
        let msg = RouteNetlinkMessage::NewLink(spec.to_new_message());
        self.sock.request(&what, msg, NLM_F_CREATE | NLM_F_EXCL)?;
        let index = self.link_index(&spec.name)?;
        if spec.no_auto_link_local {
            let what = format!("set addr_gen_mode none on {}", spec.name);
            let msg = RouteNetlinkMessage::SetLink(addr_gen_none_message(index));
            self.sock.request(&what, msg, 0)?;
        }
        if spec.up {
            self.set_link_up(index, true)?;
        }
        Ok(index)
    }

    /// Creates an ipvlan interface, left down (so that its sysctls can be set before it is
    /// up, as keepalived does); returns its ifindex.
    pub fn create_ipvlan(&mut self, spec: &IpvlanSpec) -> Result<u32> {
        spec.validate()?;
        let what = format!("create ipvlan {} on ifindex {}", spec.name, spec.parent);
        let msg = RouteNetlinkMessage::NewLink(spec.to_new_message());
        self.sock.request(&what, msg, NLM_F_CREATE | NLM_F_EXCL)?;
        self.link_index(&spec.name)
    }

    /// Deletes an interface (a VMAC or ipvlan kad created).
    pub fn delete_link(&mut self, ifindex: u32) -> Result<()> {
        let mut m = LinkMessage::default();
        m.header.index = ifindex;
        let what = format!("delete link ifindex {ifindex}");
        self.sock.request(&what, RouteNetlinkMessage::DelLink(m), 0)
    }

    /// Sets a link administratively up or down.
    pub fn set_link_up(&mut self, ifindex: u32, up: bool) -> Result<()> {
        let mut m = LinkMessage::default();
        m.header.index = ifindex;
        m.header.flags = if up {
            LinkFlags::Up
        } else {
            LinkFlags::empty()
        };
        m.header.change_mask = LinkFlags::Up;
        let what = format!(
            "set link ifindex {ifindex} {}",
            if up { "up" } else { "down" }
        );
        self.sock.request(&what, RouteNetlinkMessage::SetLink(m), 0)
    }

    /// The ifindex of the interface called `name`.
    pub fn link_index(&mut self, name: &str) -> Result<u32> {
        let mut m = LinkMessage::default();
        m.attributes.push(LinkAttribute::IfName(name.to_owned()));
        let what = "look up link";
        let seq = self.sock.send(what, RouteNetlinkMessage::GetLink(m), 0)?;
        loop {
            let Batch::Messages(msgs) = self.sock.recv_batch(what)? else {
                continue;
            };
            for msg in msgs.into_iter().filter(|m| m.header.sequence_number == seq) {
                match msg.payload {
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(l)) => {
                        return link_from_msg(&l)
                            .map(|l| l.index)
                            .ok_or_else(|| Error::NoSuchInterface(name.to_owned()));
                    }
                    NetlinkPayload::Error(e) => {
                        return Err(match e.code {
                            Some(c) if -c.get() == Errno::ENODEV as i32 => {
                                Error::NoSuchInterface(name.to_owned())
                            }
                            Some(c) => Error::Kernel {
                                what: format!("look up link {name}"),
                                errno: Errno::from_raw(-c.get()),
                                message: None,
                            },
                            None => Error::NoSuchInterface(name.to_owned()),
                        });
                    }
                    _ => {}
                }
            }
        }
    }

    /// Whether `addr` is configured anywhere (a convenience for callers checking a VIP).
    pub fn has_address(&mut self, addr: IpAddr) -> Result<bool> {
        let mut other = Vec::new();
        let msg = RouteNetlinkMessage::GetAddress(Default::default());
        let replies = self.sock.dump("addresses", msg, &mut other)?;
        Ok(replies.iter().any(|r| match r {
            RouteNetlinkMessage::NewAddress(a) => {
                address_from_msg(a).is_some_and(|x| x.addr == addr)
            }
            _ => false,
        }))
    }
}
