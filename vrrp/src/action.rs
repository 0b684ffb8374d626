//! What an instance asks its caller to do. The caller executes; the instance decides.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::priority::Priority;
use crate::state::State;

/// One intention of an instance or sync group, drained with
/// [`Instance::poll_action`](crate::Instance::poll_action). Execute them in the order
/// they come: an advert that precedes `AddVips` must be sent first (the old master has
/// to see it before our GARPs arrive).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Send this VRRP packet to `dst` (the multicast group, or one unicast peer).
    SendAdvert {
        /// The packet as the codec emitted it (see `API-CODEC.md` for whether it
        /// includes the IPv4 header).
        bytes: Vec<u8>,
        /// Where to send it.
        dst: IpAddr,
        /// The priority it carries (0 for a shutdown advert), for logs and counters.
        priority: Priority,
    },
    /// Add the virtual addresses (`virtual_ipaddress` then `virtual_ipaddress_excluded`).
    AddVips {
        /// The addresses, advertised ones first.
        addrs: Vec<IpAddr>,
        /// `no_accept`: also drop traffic addressed to them (keepalived's firewall rules).
        no_accept: bool,
    },
    /// Remove the virtual addresses added by `AddVips`.
    DelVips {
        /// The addresses.
        addrs: Vec<IpAddr>,
        /// Whether `AddVips` installed the `no_accept` drop rules that must go too.
        no_accept: bool,
    },
    /// Add the instance's `virtual_routes` (the caller holds their details).
    AddRoutes,
    /// Remove the instance's `virtual_routes`.
    DelRoutes,
    /// Add the instance's `virtual_rules`.
    AddRules,
    /// Remove the instance's `virtual_rules`.
    DelRules,
    /// Send `repeat` rounds of gratuitous ARP for each address now; the caller paces
    /// them with `vrrp_garp_interval` / `garp_group`.
    Garp {
        /// IPv4 virtual addresses.
        addrs: Vec<Ipv4Addr>,
        /// Rounds to send.
        repeat: u32,
        /// Why, which also says on which interfaces.
        reason: GarpReason,
    },
    /// Send `repeat` rounds of unsolicited neighbour advertisements (RFC 4861 §7.2.6).
    UnsolicitedNa {
        /// IPv6 virtual addresses.
        addrs: Vec<Ipv6Addr>,
        /// Rounds to send.
        repeat: u32,
        /// Why, which also says on which interfaces.
        reason: GarpReason,
    },
    /// Report an event to notify scripts, FIFOs and SNMP.
    Notify(Notification),
}

/// Why GARP/NA is being sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GarpReason {
    /// Just became master (`garp_master_repeat`).
    BecomeMaster,
    /// `garp_master_delay` after becoming master.
    MasterDelay,
    /// `garp_master_refresh`.
    Refresh,
    /// A lower-priority advert was received (`garp_lower_prio_repeat`).
    LowerPriority,
    /// `garp_lower_prio_delay` after that.
    LowerPriorityDelay,
    /// Leaving FAULT in unicast mode: our own address, so that the master's ARP / neighbour
    /// cache knows us again before our master-down timer could expire.
    OwnAddress,
    /// `garp_extra_if`: on the interfaces of VIPs other than the instance's own; `all`
    /// includes non-VMAC interfaces.
    ExtraInterfaces {
        /// `garp_extra_if all`.
        all: bool,
    },
}

/// Whether a notification is about one instance or a sync group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotifyScope {
    /// A `vrrp_instance`.
    Instance,
    /// A `vrrp_sync_group`.
    Group,
}

/// What is being reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NotifyEvent {
    /// Entered this state (MASTER, BACKUP, FAULT, STOP or DELETED).
    State(State),
    /// A master received a lower-priority advert (`notify_master_rx_lower_pri`).
    MasterRxLowerPriority,
    /// The effective priority changed (`notify_priority_changes`); `master` says which
    /// FIFO word keepalived uses.
    PriorityChange {
        /// Whether the instance is master.
        master: bool,
    },
}

impl NotifyEvent {
    /// keepalived's word for the event in notify arguments and FIFO lines.
    pub fn keyword(self) -> &'static str {
        match self {
            NotifyEvent::State(s) => s.keyword(),
            NotifyEvent::MasterRxLowerPriority => "MASTER_RX_LOWER_PRI",
            NotifyEvent::PriorityChange { master: true } => "MASTER_PRIORITY",
            NotifyEvent::PriorityChange { master: false } => "BACKUP_PRIORITY",
        }
    }
}

/// One notification. Its `Display` is keepalived's notify-FIFO line without the newline:
/// `INSTANCE "VI_1" MASTER 100`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Instance or group.
    pub scope: NotifyScope,
    /// Its configured name.
    pub name: String,
    /// What happened.
    pub event: NotifyEvent,
    /// The effective priority at the time (0 for groups, as keepalived).
    pub priority: Priority,
}

impl fmt::Display for Notification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = match self.scope {
            NotifyScope::Instance => "INSTANCE",
            NotifyScope::Group => "GROUP",
        };
        write!(
            f,
            "{scope} \"{}\" {} {}",
            self.name,
            self.event.keyword(),
            self.priority
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_line_format() {
        let n = Notification {
            scope: NotifyScope::Instance,
            name: "VI_1".into(),
            event: NotifyEvent::State(State::Master),
            priority: Priority(100),
        };
        assert_eq!(n.to_string(), "INSTANCE \"VI_1\" MASTER 100");
        let g = Notification {
            scope: NotifyScope::Group,
            name: "G".into(),
            event: NotifyEvent::PriorityChange { master: false },
            priority: Priority(0),
        };
        assert_eq!(g.to_string(), "GROUP \"G\" BACKUP_PRIORITY 0");
    }
}
