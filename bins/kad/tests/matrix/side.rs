//! One end of a cell: a host running kad, keepalived or FRR's vrrpd, which can be killed,
//! stopped and started again, and asked whether it holds the VIP.

use std::net::IpAddr;
use std::time::Duration;

use crate::e2e::netns::{must, run_quiet, Host};
use crate::e2e::router::{config, Instance, Kind, Router};
use crate::frr_vrrpd::{Frr, VrrpdRouter};

use super::cell::{Auth, Cell, Peer};

/// What runs on a host.
#[derive(Debug)]
enum Daemon {
    /// kad or keepalived (`None` once killed or stopped).
    Router(Kind, Option<Router>),
    /// zebra and vrrpd.
    Frr(Frr),
}

/// A host and its VRRP router.
#[derive(Debug)]
pub struct Side<'a> {
    /// The host.
    pub host: &'a Host,
    daemon: Daemon,
    conf: String,
    /// kad's side of the cell.
    pub is_kad: bool,
}

/// The `vrrp_instance` (or vrrpd router) of `cell` at `priority` on `host`, the other end
/// being `other`.
fn instance(cell: &Cell, vrid: u8, vip: IpAddr, priority: u8, me: &Host, other: &Host) -> Instance {
    let vip_cidr = match vip {
        IpAddr::V4(a) => format!("{a}/32"),
        IpAddr::V6(a) => format!("{a}/64"),
    };
    let mut i = Instance::new(vrid, priority, &vip_cidr).version(cell.version);
    i.master = priority > 100;
    i.use_vmac = cell.vmac;
    match cell.auth {
        Auth::None => {}
        Auth::Pass => i.auth_pass = Some("kadpass1".to_owned()),
        Auth::Ah => i
            .extra
            .push_str("  authentication {\n    auth_type AH\n    auth_pass kadpass1\n  }\n"),
    }
    if cell.unicast {
        i.unicast = Some(if cell.v6 {
            (me.v6().into(), vec![other.v6().into()])
        } else {
            (me.v4().into(), vec![other.v4().into()])
        });
    }
    i
}

impl<'a> Side<'a> {
    /// Starts kad (`is_kad`) or the cell's peer on `host` at `priority`.
    pub fn start(
        cell: &Cell,
        is_kad: bool,
        vrid: u8,
        vip: IpAddr,
        priority: u8,
        host: &'a Host,
        other: &Host,
    ) -> Side<'a> {
        let inst = instance(cell, vrid, vip, priority, host, other);
        let conf = config(&format!("R{}", host.idx), "", &[inst]);
        let daemon = match (is_kad, cell.peer) {
            (true, _) => Daemon::Router(Kind::Kad, None),
            (false, Peer::Keepalived) => Daemon::Router(Kind::Keepalived, None),
            (false, Peer::Frr) => Daemon::Frr(Frr::start(
                host,
                &VrrpdRouter {
                    vrid,
                    version: cell.version,
                    priority,
                    interval_ms: 1000,
                    vips: vec![vip],
                },
            )),
        };
        let mut side = Side {
            host,
            daemon,
            conf,
            is_kad,
        };
        side.restart();
        side
    }

    /// Starts the router again after [`Side::kill`] or [`Side::stop`]; after a kill, first
    /// removes what a crashed keepalived leaves behind (its VIP and VMAC interface), as an
    /// operator restarting it would find the host.
    pub fn restart(&mut self) {
        let host = self.host;
        match &mut self.daemon {
            Daemon::Router(kind, slot) => {
                if slot.is_none() {
                    *slot = Some(Router::start(*kind, host, &self.conf));
                }
            }
            Daemon::Frr(f) => {
                if !f.running() {
                    f.start_vrrpd();
                }
            }
        }
    }

    /// Removes a killed kad's or keepalived's leftovers: VIPs and `vrrp.*` interfaces.
    pub fn clean_after_crash(&self, vip: IpAddr) {
        if let Daemon::Router(..) = self.daemon {
            let links = must(self.host.ns.ip().args(["-o", "link", "show"]));
            for l in links.lines() {
                let Some(name) = l.split(':').nth(1).map(str::trim) else {
                    continue;
                };
                let name = name.split('@').next().unwrap_or(name);
                if name.starts_with("vrrp.") {
                    run_quiet(self.host.ns.ip().args(["link", "del", name]));
                }
            }
            while let Some(dev) = self.host.dev_of(vip) {
                let prefix = if vip.is_ipv4() { 32 } else { 64 };
                self.host.del_addr(vip, prefix, &dev);
            }
        }
    }

    /// Whether the host answers for `vip` (for FRR: its macvlan is up without protodown).
    pub fn holds(&self, vip: IpAddr) -> bool {
        match &self.daemon {
            Daemon::Router(..) => self.host.has(vip),
            Daemon::Frr(f) => f.holds(vip),
        }
    }

    /// SIGKILL: a crash, no priority-0 advert, addresses left in place.
    pub fn kill(&mut self) {
        match &mut self.daemon {
            Daemon::Router(_, r) => {
                if let Some(mut r) = r.take() {
                    r.kill();
                }
            }
            Daemon::Frr(f) => f.kill(),
        }
    }

    /// SIGTERM and waits for the exit; true if it exited within `timeout`.
    pub fn stop(&mut self, timeout: Duration) -> bool {
        match &mut self.daemon {
            Daemon::Router(_, slot) => {
                let Some(r) = slot.as_mut() else { return true };
                let ok = r.stop(timeout);
                if ok {
                    *slot = None;
                }
                ok
            }
            Daemon::Frr(f) => f.stop(timeout),
        }
    }

    /// Its log and state, for failure messages.
    pub fn describe(&self) -> String {
        let what = match &self.daemon {
            Daemon::Router(k, Some(r)) => format!("{k:?}\n{}", r.describe()),
            Daemon::Router(k, None) => format!("{k:?} (not running)"),
            Daemon::Frr(f) => f.describe(),
        };
        format!(
            "=== host {} ({}) ===\n{}\n{what}",
            self.host.idx,
            if self.is_kad { "kad" } else { "peer" },
            self.host.addrs()
        )
    }
}
