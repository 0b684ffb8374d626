//! The VRRP process's objects: KEEPALIVED-MIB's `vrrp` subtree (sync groups and instances),
//! VRRPv3-MIB (RFC 6527) and VRRP-MIB (RFC 2787), with the values keepalived 2.2.7's
//! `vrrp_snmp.c` gives them, and the notifications it sends on a state change.
//!
//! Indexes follow keepalived: KEEPALIVED-MIB rows are numbered from 1 in configuration
//! order; RFC 6527 rows are indexed by (ifIndex, VRID, address type) and list only VRRPv3
//! instances with at least one virtual address; RFC 2787 rows by (ifIndex, VRID) and list
//! only IPv4 VRRPv2 instances with one.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use keepalive_confparse::model::vrrp::instance::InitialState;
use keepalive_confparse::model::Config;
use keepalive_vrrp::State;

use super::agentx::{Oid, Value, VarBind};
use super::tree::{Row, Tree};
use crate::vrrp::dump::{AuthView, InstanceView, ScriptView, SyncGroupView};

/// KEEPALIVED-MIB's root, `{ enterprises debian(9586) project(100) keepalived(5) }`.
pub const KEEPALIVED: &[u32] = &[1, 3, 6, 1, 4, 1, 9586, 100, 5];
/// VRRP-MIB, `{ mib-2 68 }`.
pub const VRRP_RFC2787: &[u32] = &[1, 3, 6, 1, 2, 1, 68];
/// VRRPv3-MIB, `{ mib-2 207 }`.
pub const VRRP_RFC6527: &[u32] = &[1, 3, 6, 1, 2, 1, 207];

fn k(more: &[u32]) -> Vec<u32> {
    [KEEPALIVED, more].concat()
}

/// Per instance, what the dump's [`InstanceView`] does not hold: from its interface (as
/// keepalived's `interface_t` holds it) its index (a VMAC's parent's), first IPv4 and IPv6
/// addresses and MAC; its virtual addresses; when its row started; why it last became
/// master.
#[derive(Debug, Clone)]
pub struct IfInfo {
    /// `IF_BASE_INDEX`: the index of the interface, or of a VMAC's parent.
    pub base_index: u32,
    /// The primary IPv4 address (`ifp->sin_addr`).
    pub ipv4: Option<std::net::Ipv4Addr>,
    /// The primary IPv6 link-local address (`ifp->sin6_addr`).
    pub ipv6: Option<std::net::Ipv6Addr>,
    /// The hardware address of the instance's interface.
    pub mac: Vec<u8>,
    /// `virtual_ipaddress`.
    pub vips: Vec<IpAddr>,
    /// `virtual_ipaddress` then `virtual_ipaddress_excluded`, for `vrrpAddressTable`.
    pub addresses: Vec<AddrInfo>,
    /// When the instance started (`stats->uptime`).
    pub started: SystemTime,
    /// RFC 6527's `vrrpv3StatisticsNewMasterReason`: notMaster(0), priority(1),
    /// preempted(2), masterNoResponse(3).
    pub master_reason: u32,
}

/// One virtual address as `vrrpAddressTable` shows it (keepalived's `ip_address_t`).
#[derive(Debug, Clone)]
pub struct AddrInfo {
    /// The address.
    pub addr: IpAddr,
    /// Its prefix length.
    pub len: u8,
    /// `brd` (IPv4).
    pub broadcast: Option<std::net::Ipv4Addr>,
    /// The kernel's scope number (0 global, 200 site, 253 link, 254 host, 255 nowhere).
    pub scope: u8,
    /// The interface it goes on.
    pub ifindex: u32,
    /// Its name.
    pub ifname: String,
    /// `label`.
    pub label: Option<String>,
    /// `peer`.
    pub peer: Option<IpAddr>,
    /// Installed now.
    pub set: bool,
    /// From `virtual_ipaddress_excluded`.
    pub excluded: bool,
}

/// keepalived's `snmp_scope`: the kernel's scope as an `InetScopeType`.
fn snmp_scope(scope: u8) -> i32 {
    match scope {
        0 => 14,
        254 => 1,
        253 => 2,
        200 => 5,
        _ => 0,
    }
}

/// What the VRRP process knows, as the MIB shows it.
#[derive(Debug)]
pub struct VrrpView<'a> {
    /// The configuration.
    pub config: &'a Config,
    /// Each instance, in configuration order.
    pub instances: &'a [InstanceView],
    /// Each sync group, in configuration order.
    pub groups: &'a [SyncGroupView],
    /// Each `vrrp_script`, in configuration order.
    pub scripts: &'a [ScriptView],
    /// The rest of each instance's state (same order as `instances`).
    pub interfaces: &'a [IfInfo],
    /// Now, for the uptimes.
    pub now: SystemTime,
}

/// keepalived's `vrrp_snmp_state`: KEEPALIVED-MIB's `VrrpState`.
pub fn keepalived_state(s: State) -> i32 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        _ => 4,
    }
}

/// The state a notification carries: as [`keepalived_state`], but shutdown(5) and deleted(6)
/// as `vrrp_snmp_instance_trap` reports a stopping or removed instance.
fn trap_state(s: State) -> i32 {
    match s {
        State::Stopped => 5,
        State::Deleted => 6,
        s => keepalived_state(s),
    }
}

/// keepalived's `vrrp_snmp_rfc_state`: initialize(1), backup(2), master(3).
fn rfc_state(s: State) -> i32 {
    match s {
        State::Backup => 2,
        State::Master => 3,
        _ => 1,
    }
}

fn initial_state(config: &Config, name: &str) -> i32 {
    let state = config
        .vrrp
        .instances
        .iter()
        .find(|i| i.name == name)
        .and_then(|i| i.state);
    match state {
        Some(InitialState::Master) => 2,
        _ => 1,
    }
}

fn gauge_secs(d: Duration) -> Value {
    Value::Gauge32(d.as_secs() as u32)
}

fn centis(d: Duration) -> u32 {
    (d.as_millis() / 10) as u32
}

/// Fills the KEEPALIVED-MIB `vrrp` subtree: `vrrpSyncGroupTable`,
/// `vrrpSyncGroupMemberTable`, `vrrpInstanceTable`, `vrrpTrackedInterfaceTable` and
/// `vrrpTrackedScriptTable`.
pub fn keepalived_vrrp(v: &VrrpView<'_>, tree: &mut Tree) {
    let vrrp = k(&[2]);
    let sg_entry = [&vrrp[..], &[1, 1]].concat();
    for (i, g) in v.groups.iter().enumerate() {
        let mut row = Row {
            tree,
            entry: &sg_entry,
            index: vec![i as u32 + 1],
        };
        row.col(2, Value::string(&g.name));
        row.col(3, Value::Integer(g.state.map_or(4, keepalived_state)));
        row.col(4, Value::truth(g.smtp_alert));
        row.col(5, Value::truth(g.notify != Default::default()));
        row.opt(6, g.notify.master.as_ref().map(|s| Value::string(&s.cmd)));
        row.opt(7, g.notify.backup.as_ref().map(|s| Value::string(&s.cmd)));
        row.opt(8, g.notify.fault.as_ref().map(|s| Value::string(&s.cmd)));
        row.opt(9, g.notify.generic.as_ref().map(|s| Value::string(&s.cmd)));
        row.col(10, Value::truth(g.tracking_weight));
        row.opt(11, g.notify.stop.as_ref().map(|s| Value::string(&s.cmd)));
    }
    let member_entry = [&vrrp[..], &[2, 1]].concat();
    for (i, g) in v.groups.iter().enumerate() {
        for (m, name) in g.members.iter().enumerate() {
            let mut row = Row {
                tree,
                entry: &member_entry,
                index: vec![i as u32 + 1, m as u32 + 1],
            };
            row.col(2, Value::string(name));
        }
    }
    let entry = [&vrrp[..], &[3, 1]].concat();
    for (i, inst) in v.instances.iter().enumerate() {
        let mut row = Row {
            tree,
            entry: &entry,
            index: vec![i as u32 + 1],
        };
        instance_row(v, inst, &mut row);
    }
    let address = [&vrrp[..], &[6, 1]].concat();
    for (i, ifi) in v.interfaces.iter().enumerate() {
        for (n, a) in ifi.addresses.iter().enumerate() {
            let mut row = Row {
                tree,
                entry: &address,
                index: vec![i as u32 + 1, n as u32 + 1],
            };
            row.col(2, Value::Integer(if a.addr.is_ipv4() { 1 } else { 2 }));
            row.col(3, Value::inet(a.addr));
            if a.addr.is_ipv4() {
                let brd = a.broadcast.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
                row.col(4, Value::OctetString(brd.octets().to_vec()));
            }
            row.col(5, Value::Gauge32(u32::from(a.len)));
            row.col(6, Value::Integer(snmp_scope(a.scope)));
            row.col(7, Value::Integer(a.ifindex as i32));
            row.col(8, Value::string(&a.ifname));
            row.opt(9, a.label.as_deref().map(Value::string));
            row.col(10, Value::truth(a.set));
            // keepalived's vrrp_header_ar_table sets `adv` only when it starts on the first
            // instance and clears it at the first excluded list: only the first instance's
            // addresses ever read advertised(1).
            row.col(11, Value::truth(i == 0 && !a.excluded));
            row.opt(12, a.peer.map(Value::inet));
        }
    }
    let tracked_if = [&vrrp[..], &[4, 1]].concat();
    for (i, inst) in v.instances.iter().enumerate() {
        for (n, t) in inst.track_interfaces.iter().enumerate() {
            let mut row = Row {
                tree,
                entry: &tracked_if,
                index: vec![i as u32 + 1, n as u32 + 1],
            };
            row.col(1, Value::string(&t.name));
            row.col(2, Value::Integer(t.weight));
            row.col(3, Value::truth(t.reverse));
        }
    }
    let script = [&vrrp[..], &[9, 1]].concat();
    for (i, sc) in v.scripts.iter().enumerate() {
        let mut row = Row {
            tree,
            entry: &script,
            index: vec![i as u32 + 1],
        };
        row.col(2, Value::string(&sc.name));
        row.col(3, Value::string(&sc.command));
        row.col(4, Value::Integer(sc.interval.as_secs() as i32));
        row.col(5, Value::Integer(sc.weight));
        // keepalived's vrrp_snmp_script: init(1) until the first result, initFailed(5),
        // then good(3) or bad(2).
        let result = match sc.init_state {
            "INIT" | "INIT/RELOAD" => 1,
            "INIT/FAILED" => 5,
            _ if sc.result >= sc.rise as i32 => 3,
            _ => 2,
        };
        row.col(6, Value::Integer(result));
        row.col(7, Value::Gauge32(sc.rise));
        row.col(8, Value::Gauge32(sc.fall));
        row.col(9, Value::truth(sc.reverse));
    }
    let tracked_script = [&vrrp[..], &[5, 1]].concat();
    for (i, inst) in v.instances.iter().enumerate() {
        for (s, t) in inst.track_scripts.iter().enumerate() {
            let mut row = Row {
                tree,
                entry: &tracked_script,
                index: vec![i as u32 + 1, s as u32 + 1],
            };
            row.col(2, Value::string(&t.name));
            row.col(3, Value::Integer(t.weight));
            row.col(4, Value::truth(t.reverse));
        }
    }
}

fn instance_row(v: &VrrpView<'_>, inst: &InstanceView, row: &mut Row<'_>) {
    row.col(2, Value::string(&inst.name));
    row.col(3, Value::Gauge32(u32::from(inst.vrid)));
    row.col(4, Value::Integer(keepalived_state(inst.state)));
    row.col(5, Value::Integer(initial_state(v.config, &inst.name)));
    row.col(6, Value::Integer(keepalived_state(inst.wantstate)));
    row.col(7, Value::Integer(i32::from(inst.base_priority)));
    row.col(8, Value::Integer(i32::from(inst.effective_priority)));
    row.col(9, Value::truth(inst.vipset));
    row.opt(10, inst.interface.as_deref().map(Value::string));
    row.col(11, Value::truth(!inst.track_interfaces.is_empty()));
    let adver = if inst.version == 2 {
        inst.advert_int.as_secs() as u32
    } else {
        centis(inst.advert_int)
    };
    row.col(12, Value::Gauge32(adver));
    row.col(13, Value::truth(!inst.nopreempt));
    row.col(14, gauge_secs(inst.preempt_delay));
    let auth = match (&inst.auth, inst.version) {
        (AuthView::Pass(_), 2) => 1,
        (AuthView::Ah(_), 2) => 2,
        _ => 0,
    };
    row.col(15, Value::Integer(auth));
    row.col(16, Value::truth(false));
    row.opt(18, inst.sync_group.as_deref().map(Value::string));
    row.col(19, gauge_secs(inst.garp_delay));
    row.col(20, Value::truth(inst.smtp_alert));
    let n = &inst.notify;
    row.col(21, Value::truth(*n != Default::default()));
    row.opt(22, n.master.as_ref().map(|s| Value::string(&s.cmd)));
    row.opt(23, n.backup.as_ref().map(|s| Value::string(&s.cmd)));
    row.opt(24, n.fault.as_ref().map(|s| Value::string(&s.cmd)));
    row.opt(25, n.stop.as_ref().map(|s| Value::string(&s.cmd)));
    row.opt(26, n.generic.as_ref().map(|s| Value::string(&s.cmd)));
    let accept = if inst.version == 3 {
        Value::truth(inst.accept)
    } else {
        Value::Integer(0)
    };
    row.col(27, accept);
    row.col(28, Value::truth(inst.promote_secondaries));
    row.col(29, Value::truth(v.config.top.linkbeat_use_polling));
    row.col(30, Value::Integer(i32::from(inst.version)));
    row.opt(
        31,
        n.master_rx_lower_pri
            .as_ref()
            .map(|s| Value::string(&s.cmd)),
    );
    row.opt(32, n.deleted.as_ref().map(|s| Value::string(&s.cmd)));
    row.col(33, Value::truth(inst.notify_deleted));
    if !inst.unicast {
        row.col(34, Value::Integer(inst_type(inst)));
        row.col(35, Value::inet(inst.mcast_group));
    }
}

fn inst_type(inst: &InstanceView) -> i32 {
    if inst.ipv6 {
        2
    } else {
        1
    }
}

/// keepalived's `suitable_for_rfc6527`: an instance with at least one virtual address,
/// of either version (Debian's keepalived is built with `_SNMP_REPLY_V3_FOR_V2_`, so its
/// VRRPv3-MIB lists VRRPv2 instances too).
fn rfc6527(_inst: &InstanceView, ifi: &IfInfo) -> bool {
    !ifi.vips.is_empty()
}

/// keepalived's `suitable_for_rfc2787`: IPv4 VRRPv2 with at least one virtual address.
fn rfc2787(inst: &InstanceView, ifi: &IfInfo) -> bool {
    inst.version == 2 && !inst.ipv6 && !ifi.vips.is_empty()
}

/// The address the instance's interface has for its family (`ifp->sin_addr`/`sin6_addr`).
fn primary(inst: &InstanceView, ifi: &IfInfo) -> IpAddr {
    if inst.ipv6 {
        IpAddr::V6(ifi.ipv6.unwrap_or(std::net::Ipv6Addr::UNSPECIFIED))
    } else {
        IpAddr::V4(ifi.ipv4.unwrap_or(std::net::Ipv4Addr::UNSPECIFIED))
    }
}

/// The master's address as RFC 6527 and RFC 2787 report it: our own primary address
/// while master, else the last master heard from (zero before any).
fn master_ip(inst: &InstanceView, ifi: &IfInfo) -> IpAddr {
    match (inst.state, inst.master) {
        (State::Master, _) => primary(inst, ifi),
        _ => last_master(inst),
    }
}

/// keepalived's `master_saddr`: the last master heard from, zero before any.
fn last_master(inst: &InstanceView) -> IpAddr {
    match inst.master {
        Some(m) => m.addr,
        None if inst.ipv6 => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
        None => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
    }
}

/// RFC 6527's index of an instance: ifIndex, VRID, address type.
fn v3_index(inst: &InstanceView, ifi: &IfInfo) -> Vec<u32> {
    vec![ifi.base_index, u32::from(inst.vrid), inst_type(inst) as u32]
}

/// Fills VRRPv3-MIB: `vrrpv3OperationsTable`, `vrrpv3AssociatedIpAddrTable`,
/// `vrrpv3RouterStatistics` and `vrrpv3StatisticsTable`.
pub fn rfc6527_tables(v: &VrrpView<'_>, tree: &mut Tree) {
    let oper = [VRRP_RFC6527, &[1, 1, 1, 1]].concat();
    let assoc = [VRRP_RFC6527, &[1, 1, 2, 1]].concat();
    let stats = [VRRP_RFC6527, &[1, 2, 5, 1]].concat();
    let (mut chk, mut ver, mut vrid) = (0u64, 0u64, 0u64);
    for (i, inst) in v.instances.iter().enumerate() {
        let ifi = &v.interfaces[i];
        if !rfc6527(inst, ifi) {
            continue;
        }
        let index = v3_index(inst, ifi);
        let mut row = Row {
            tree,
            entry: &oper,
            index: index.clone(),
        };
        row.col(3, Value::inet(master_ip(inst, ifi)));
        row.col(4, Value::inet(primary(inst, ifi)));
        row.col(5, Value::OctetString(ifi.mac.clone()));
        row.col(6, Value::Integer(rfc_state(inst.state)));
        row.col(7, Value::Gauge32(u32::from(inst.base_priority)));
        row.col(8, Value::Integer(ifi.vips.len() as i32));
        row.col(9, Value::Integer(centis(inst.advert_int) as i32));
        row.col(10, Value::truth(!inst.nopreempt));
        row.col(11, Value::truth(inst.accept));
        let up = matches!(inst.state, State::Backup | State::Master)
            .then(|| v.now.duration_since(ifi.started).unwrap_or_default());
        row.col(12, Value::TimeTicks(up.map_or(0, centis)));
        row.col(13, Value::Integer(1));
        for &a in &ifi.vips {
            let mut idx = index.clone();
            match a {
                IpAddr::V4(a) => idx.extend(a.octets().map(u32::from)),
                IpAddr::V6(a) => idx.extend(a.octets().map(u32::from)),
            }
            let mut row = Row {
                tree,
                entry: &assoc,
                index: idx,
            };
            row.col(2, Value::Integer(1));
        }
        let s = &inst.stats;
        let rx = &s.rx;
        let mut row = Row {
            tree,
            entry: &stats,
            index,
        };
        row.col(1, Value::Counter32(s.become_master as u32));
        row.col(2, Value::Integer(ifi.master_reason as i32));
        row.col(3, Value::Counter64(rx.advert_rcvd));
        row.col(4, Value::Counter64(rx.adver_int_mismatch));
        row.col(5, Value::Counter64(rx.ttl_not_255 + rx.ttl_out_of_range));
        row.col(6, Value::Integer(0));
        row.col(7, Value::Counter64(rx.pri_zero_rcvd));
        row.col(8, Value::Counter64(s.priority_zero_sent));
        row.col(9, Value::Counter64(rx.invalid_type));
        row.col(10, Value::Counter64(rx.addr_count_mismatch));
        row.col(
            11,
            Value::Counter64(rx.length_mismatch + rx.ip_total_length),
        );
        row.col(12, Value::TimeTicks(0));
        row.col(13, Value::Gauge32(centis(inst.advert_int) * 10));
        chk += rx.checksum;
        ver += rx.version_mismatch;
        vrid += rx.vrid_mismatch;
    }
    let scalar = |tree: &mut Tree, n: u32, value: Value| {
        tree.set(Oid([VRRP_RFC6527, &[1, 2, n, 0]].concat()), value);
    };
    scalar(tree, 1, Value::Counter64(chk));
    scalar(tree, 2, Value::Counter64(ver));
    scalar(tree, 3, Value::Counter64(vrid));
    scalar(tree, 4, Value::TimeTicks(0));
}

/// Fills VRRP-MIB (RFC 2787): `vrrpNodeVersion`, `vrrpNotificationCntl`,
/// `vrrpOperTable`, `vrrpAssoIpAddrTable` and the router statistics.
pub fn rfc2787_tables(v: &VrrpView<'_>, tree: &mut Tree) {
    let base = VRRP_RFC2787;
    tree.set(Oid([base, &[1, 1, 0]].concat()), Value::Integer(2));
    let traps = v.config.global.enable_traps;
    tree.set(Oid([base, &[1, 2, 0]].concat()), Value::truth(traps));
    let oper = [base, &[1, 3, 1]].concat();
    let assoc = [base, &[1, 4, 1]].concat();
    let stats = [base, &[2, 4, 1]].concat();
    let (mut chk, mut ver, mut vrid) = (0u32, 0u32, 0u32);
    for (i, inst) in v.instances.iter().enumerate() {
        let ifi = &v.interfaces[i];
        if !rfc2787(inst, ifi) {
            continue;
        }
        let index = vec![ifi.base_index, u32::from(inst.vrid)];
        let mut row = Row {
            tree,
            entry: &oper,
            index: index.clone(),
        };
        row.col(2, Value::OctetString(ifi.mac.clone()));
        row.col(3, Value::Integer(rfc_state(inst.state)));
        row.col(4, Value::Integer(1));
        row.col(5, Value::Integer(i32::from(inst.base_priority)));
        row.col(6, Value::Integer(ifi.vips.len() as i32));
        let ip4 = |a: IpAddr| match a {
            IpAddr::V4(a) => Value::IpAddress(a.octets()),
            IpAddr::V6(_) => Value::IpAddress([0; 4]),
        };
        row.col(7, ip4(last_master(inst)));
        row.col(8, ip4(primary(inst, ifi)));
        let auth = match &inst.auth {
            AuthView::None => 1,
            AuthView::Pass(_) => 2,
            AuthView::Ah(_) => 3,
        };
        row.col(9, Value::Integer(auth));
        row.col(11, Value::Integer(inst.advert_int.as_secs() as i32));
        row.col(12, Value::truth(!inst.nopreempt));
        let up = matches!(inst.state, State::Backup | State::Master)
            .then(|| v.now.duration_since(ifi.started).unwrap_or_default());
        row.col(13, Value::TimeTicks(up.map_or(0, centis)));
        row.col(14, Value::Integer(1));
        row.col(15, Value::Integer(1));
        for &a in &ifi.vips {
            let IpAddr::V4(a) = a else { continue };
            let mut row = Row {
                tree,
                entry: &assoc,
                index: [index.clone(), a.octets().map(u32::from).to_vec()].concat(),
            };
            row.col(2, Value::Integer(1));
        }
        let s = &inst.stats;
        let rx = &s.rx;
        let mut row = Row {
            tree,
            entry: &stats,
            index,
        };
        let c = |n: u64| Value::Counter32(n as u32);
        row.col(1, c(s.become_master));
        row.col(2, c(rx.advert_rcvd));
        row.col(3, c(rx.adver_int_mismatch));
        row.col(
            4,
            c(rx.auth_pass_mismatch + rx.ah_icv_mismatch + rx.ah_spi_mismatch),
        );
        row.col(5, c(rx.ttl_not_255 + rx.ttl_out_of_range));
        row.col(6, c(rx.pri_zero_rcvd));
        row.col(7, c(s.priority_zero_sent));
        row.col(8, c(rx.invalid_type));
        row.col(9, c(rx.addr_count_mismatch));
        row.col(10, c(rx.invalid_auth_type));
        row.col(11, c(rx.auth_type_mismatch));
        row.col(12, c(rx.length_mismatch + rx.ip_total_length));
        chk += rx.checksum as u32;
        ver += rx.version_mismatch as u32;
        vrid += rx.vrid_mismatch as u32;
    }
    tree.set(Oid([base, &[2, 1, 0]].concat()), Value::Counter32(chk));
    tree.set(Oid([base, &[2, 2, 0]].concat()), Value::Counter32(ver));
    tree.set(Oid([base, &[2, 3, 0]].concat()), Value::Counter32(vrid));
}

/// KEEPALIVED-MIB's `vrrpInstanceStateChange`, as `vrrp_snmp_instance_trap` sends it: the
/// objects are named without an instance index, exactly as keepalived names them.
pub fn instance_trap(config: &Config, name: &str, state: State) -> (Oid, Vec<VarBind>) {
    let router_id = super::global_mib::router_id(config);
    (
        Oid(k(&[2, 10, 0, 2])),
        vec![
            VarBind::new(Oid(k(&[2, 3, 1, 2])), Value::string(name)),
            VarBind::new(Oid(k(&[2, 3, 1, 4])), Value::Integer(trap_state(state))),
            VarBind::new(
                Oid(k(&[2, 3, 1, 5])),
                Value::Integer(initial_state(config, name)),
            ),
            VarBind::new(Oid(k(&[1, 2, 0])), Value::string(&router_id)),
        ],
    )
}

/// KEEPALIVED-MIB's `vrrpSyncGroupStateChange` (`vrrp_snmp_group_trap`).
pub fn group_trap(config: &Config, name: &str, state: State) -> (Oid, Vec<VarBind>) {
    let router_id = super::global_mib::router_id(config);
    (
        Oid(k(&[2, 10, 0, 1])),
        vec![
            VarBind::new(Oid(k(&[2, 1, 1, 2])), Value::string(name)),
            VarBind::new(Oid(k(&[2, 1, 1, 3])), Value::Integer(trap_state(state))),
            VarBind::new(Oid(k(&[1, 2, 0])), Value::string(&router_id)),
        ],
    )
}

/// VRRPv3-MIB's `vrrpv3NewMaster` (`vrrp_rfcv3_snmp_new_master_notify`): the master
/// address (our own advert source) and the reason; `None` for an instance RFC 6527 does
/// not list.
pub fn v3_new_master(
    inst: &InstanceView,
    ifi: &IfInfo,
    reason: u32,
) -> Option<(Oid, Vec<VarBind>)> {
    if !rfc6527(inst, ifi) {
        return None;
    }
    let index = v3_index(inst, ifi);
    let src = inst.src_ip.unwrap_or_else(|| primary(inst, ifi));
    Some((
        Oid([VRRP_RFC6527, &[0, 1]].concat()),
        vec![
            VarBind::new(
                Oid([VRRP_RFC6527, &[1, 1, 1, 1, 3], &index].concat()),
                Value::inet(src),
            ),
            VarBind::new(
                Oid([VRRP_RFC6527, &[1, 2, 5, 1, 2], &index].concat()),
                Value::Integer(reason as i32),
            ),
        ],
    ))
}

/// VRRP-MIB's `vrrpTrapNewMaster` (`vrrp_rfcv2_snmp_new_master_trap`).
pub fn v2_new_master(inst: &InstanceView, ifi: &IfInfo) -> Option<(Oid, Vec<VarBind>)> {
    if !rfc2787(inst, ifi) {
        return None;
    }
    let src = match inst.src_ip.unwrap_or_else(|| primary(inst, ifi)) {
        IpAddr::V4(a) => a.octets(),
        IpAddr::V6(_) => [0; 4],
    };
    Some((
        Oid([VRRP_RFC2787, &[0, 1]].concat()),
        vec![VarBind::new(
            Oid([
                VRRP_RFC2787,
                &[1, 3, 1, 7, ifi.base_index, u32::from(inst.vrid)],
            ]
            .concat()),
            Value::IpAddress(src),
        )],
    ))
}
