//! Gratuitous ARP / unsolicited NA rounds: the first now, the rest paced by
//! `vrrp_garp_interval` / `vrrp_gna_interval` (keepalived.conf(5) global_defs), so a
//! master with many VIPs does not flood the segment.

use std::collections::VecDeque;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::vrrp_net::garp::send_garp;
use crate::vrrp_net::link::{Link, LinkSender};
use crate::vrrp_net::na::send_na;

/// Rounds still to send for one action.
#[derive(Debug)]
struct Pending {
    due: Instant,
    link: Link,
    addrs: Vec<IpAddr>,
    left: u32,
}

/// Paced GARP/NA rounds.
#[derive(Debug, Default)]
pub struct GarpPacer {
    /// Delay between packets of a round (`vrrp_garp_interval`, IPv4).
    pub garp_interval: Duration,
    /// Delay between packets of a round (`vrrp_gna_interval`, IPv6).
    pub gna_interval: Duration,
    /// Delay between rounds.
    pub round_interval: Duration,
    pending: VecDeque<Pending>,
}

impl GarpPacer {
    /// Sends one round now and queues `repeat - 1` more.
    pub fn queue(
        &mut self,
        now: Instant,
        link: Link,
        addrs: Vec<IpAddr>,
        repeat: u32,
        sender: &mut LinkSender,
    ) {
        if repeat == 0 || addrs.is_empty() {
            return;
        }
        round(&link, &addrs, sender);
        if repeat > 1 {
            self.pending.push_back(Pending {
                due: now + self.round_interval.max(Duration::from_millis(1)),
                link,
                addrs,
                left: repeat - 1,
            });
        }
    }

    /// When the next round is due.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.pending.iter().map(|p| p.due).min()
    }

    /// Sends the rounds that are due.
    pub fn fire(&mut self, now: Instant, sender: &mut LinkSender) {
        let gap = self.round_interval.max(Duration::from_millis(1));
        for p in &mut self.pending {
            if p.due <= now {
                round(&p.link, &p.addrs, sender);
                p.left -= 1;
                p.due = now + gap;
            }
        }
        self.pending.retain(|p| p.left > 0);
    }
}

fn round(link: &Link, addrs: &[IpAddr], sender: &mut LinkSender) {
    let detail = crate::logger::detail();
    for a in addrs {
        // keepalived's per-packet lines under `-D` (vrrp_arp.c, vrrp_ndisc.c).
        if detail {
            match a {
                IpAddr::V4(_) => log_info!("Sending gratuitous ARP on {} for {a}", link.name),
                IpAddr::V6(_) => {
                    log_info!(
                        "Sending unsolicited Neighbour Advert on {} for {a}",
                        link.name
                    )
                }
            }
        }
        let r = match a {
            IpAddr::V4(v4) => send_garp(sender, link, None, *v4),
            IpAddr::V6(v6) => send_na(sender, link, None, *v6),
        };
        if let Err(e) = r {
            log_debug!("GARP/NA for {a} on {}: {e}", link.name);
        }
    }
}
