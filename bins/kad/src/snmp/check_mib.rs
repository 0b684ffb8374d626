//! The checker process's objects: KEEPALIVED-MIB's `check` subtree (keepalived 2.2.7's
//! `check/check_snmp.c`): `virtualServerGroupTable`, `virtualServerGroupMemberTable`,
//! `virtualServerTable`, `realServerTable`, the LVS sync daemon scalars and `lvsTimeouts`.
//!
//! Indexes follow keepalived: groups, virtual servers and their real servers are numbered
//! from 1 in configuration order; a group's members list its `fwmark` lines before its
//! address lines; a virtual server's `sorry_server` is its real server 1, before the
//! `real_server`s. Columns keepalived leaves out for a row (a fwmark service's address, a
//! sorry server's weight…) are left out here too.

use std::net::IpAddr;

use keepalive_confparse::model::global::GlobalDefs;
use keepalive_confparse::model::lvs::{
    Forwarding, Granularity, GroupEntry, LvsConfig, Protocol, RealServer, Script, SorryServer,
    TunnelChecksum, TunnelType, VirtualServer, VsAddress,
};
use keepalive_confparse::model::values::{Micros, TIMER_HZ};

use super::agentx::{Oid, Value};
use super::tree::{Row, Tree};
use super::vrrp_mib::KEEPALIVED;

/// The `check` subtree's OID, `{ keepalived 3 }`.
pub fn oid() -> Oid {
    Oid([KEEPALIVED, &[3]].concat())
}

/// IPVS's counters and rate estimates for a service or a destination (`ip_vs_stats_user`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// The kernel's counters.
    pub stats: keepalive_ipvs::Stats,
    /// Active, inactive and persistent connections (destinations only).
    pub active: u32,
    /// Inactive connections.
    pub inactive: u32,
    /// Persistent connections.
    pub persistent: u32,
}

/// What the checker process knows of a real server beyond its configuration.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealState {
    /// Alive as the checkers decided (`rs->alive`).
    pub alive: bool,
    /// The effective weight (`rs->effective_weight`).
    pub weight: i64,
    /// Checkers currently failing (`rs->num_failed_checkers`).
    pub failed: u32,
    /// IPVS's counters for it, summed over the kernel services it is a destination of.
    pub counters: Counters,
}

/// What the checker process knows of a virtual server beyond its configuration.
#[derive(Debug, Clone, Default)]
pub struct VirtualState {
    /// `quorum` is met (`vs->quorum_state_up`).
    pub quorum_up: bool,
    /// IPVS's counters, summed over the kernel services it stands for.
    pub counters: Counters,
    /// The sorry server's counters.
    pub sorry: Counters,
    /// Each `real_server`, in configuration order.
    pub reals: Vec<RealState>,
}

/// The checker process's state, as the MIB shows it.
#[derive(Debug)]
pub struct CheckView<'a> {
    /// `global_defs` (LVS timeouts and sync daemon).
    pub global: &'a GlobalDefs,
    /// The virtual servers and groups.
    pub lvs: &'a LvsConfig,
    /// Each virtual server's state (same order as `lvs.virtual_servers`).
    pub states: &'a [VirtualState],
}

fn entry(table: u32) -> Vec<u32> {
    [KEEPALIVED, &[3, table, 1]].concat()
}

fn secs(m: Micros) -> u32 {
    (m.0 / TIMER_HZ) as u32
}

fn usecs(m: Micros) -> u32 {
    m.0 as u32
}

/// keepalived's `SNMP_InetAddressType`: ipv4(1) for AF_INET, else ipv6(2).
fn addr_type(a: Option<IpAddr>) -> Value {
    Value::Integer(if a.is_some_and(|a| a.is_ipv4()) { 1 } else { 2 })
}

/// keepalived's `cmd_str_r`: each word single-quoted, joined by spaces. With
/// `enable_script_security` (`secure`) keepalived has replaced the program by its real path
/// (`'/usr/bin/true'` for `/bin/true` on a merged-/usr system); without, it shows it as
/// written.
fn command(s: &Script, secure: bool) -> Value {
    if secure {
        return Value::string(&crate::vrrp::dump::cmd_str(s));
    }
    let words: Vec<String> = s.args.iter().map(|w| format!("'{w}'")).collect();
    Value::string(&words.join(" "))
}

/// `lvs_method`: NAT(1), DR(2), TUN(3).
fn kind(f: Option<Forwarding>) -> Value {
    Value::Integer(match f {
        Some(Forwarding::Dr) => 2,
        Some(Forwarding::Tun(_)) => 3,
        _ => 1,
    })
}

/// The tunnel columns (`*TunnelType`, `*TunnelPort`, `*TunnelCsum`) for a TUN server.
fn tunnel(row: &mut Row<'_>, f: Option<Forwarding>, first: u32) {
    let Some(Forwarding::Tun(t)) = f else { return };
    let (ty, port) = match t.kind {
        TunnelType::Ipip => (1, None),
        TunnelType::Gue { port } => (2, Some(port)),
        TunnelType::Gre => (3, None),
    };
    row.col(first, Value::Integer(ty));
    row.opt(first + 1, port.map(|p| Value::Gauge32(u32::from(p))));
    if !matches!(t.kind, TunnelType::Ipip) {
        let csum = match t.checksum {
            TunnelChecksum::Nocsum => 1,
            TunnelChecksum::Csum => 2,
            TunnelChecksum::Remcsum => 3,
        };
        row.col(first + 2, Value::Integer(csum));
    }
}

/// keepalived's `lb_algo` numbering.
fn algo(v: &VirtualServer) -> i32 {
    const ORDER: &[&str] = &[
        "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
        "twos",
    ];
    let name = v.scheduler.map_or("wlc", |s| s.name());
    ORDER
        .iter()
        .position(|n| *n == name)
        .map_or(99, |i| i as i32 + 1)
}

/// The statistics columns: `first` is the connections column of the 32-bit block (27 for
/// a virtual server, 14 for a real one, which has three connection gauges in between);
/// `wide` the first of the 64-bit block.
fn stats(row: &mut Row<'_>, c: &Counters, conns: u32, pkts: u32, wide: u32) {
    let s = &c.stats;
    row.col(conns, Value::Gauge32(s.conns as u32));
    row.col(pkts, Value::Counter32(s.inpkts as u32));
    row.col(pkts + 1, Value::Counter32(s.outpkts as u32));
    row.col(pkts + 2, Value::Counter64(s.inbytes));
    row.col(pkts + 3, Value::Counter64(s.outbytes));
    let rates = [s.cps, s.inpps, s.outpps, s.inbps, s.outbps];
    for (n, r) in rates.iter().enumerate() {
        row.col(pkts + 4 + n as u32, Value::Gauge32(*r as u32));
    }
    row.col(wide, Value::Counter64(s.conns));
    row.col(wide + 1, Value::Counter64(s.inpkts));
    row.col(wide + 2, Value::Counter64(s.outpkts));
    for (n, r) in rates.iter().enumerate() {
        row.col(wide + 3 + 2 * n as u32, Value::Gauge32(*r as u32));
        row.col(wide + 4 + 2 * n as u32, Value::Gauge32((*r >> 32) as u32));
    }
}

/// The one writable object, `realServerWeight.V.R`: the (virtual server, real server)
/// indexes it names in configuration order. A sorry server (real server 1 of a virtual
/// server that has one) has no writable weight.
pub fn weight_target(lvs: &LvsConfig, oid: &Oid) -> Option<(usize, usize)> {
    let column = [&entry(4)[..], &[7]].concat();
    let index = oid.0.strip_prefix(&column[..])?;
    let [v, r] = index else { return None };
    let vs = lvs.virtual_servers.get((*v as usize).checked_sub(1)?)?;
    let first_real = if vs.sorry_server.is_some() { 2 } else { 1 };
    let r = (*r as usize).checked_sub(first_real)?;
    (r < vs.real_servers.len()).then_some((*v as usize - 1, r))
}

/// keepalived's TestSet (`RESERVE1`/`RESERVE2`) of `realServerWeight`: an INTEGER, for a
/// real server that exists. keepalived then takes only the value's first byte (a weight
/// of 300 becomes 44); kad takes the whole value and refuses a negative one.
pub fn test_set(lvs: &LvsConfig, vb: &super::agentx::VarBind) -> Result<i64, u16> {
    use super::agentx::pdu::res_error;
    let column = [&entry(4)[..], &[7]].concat();
    if !vb.name.0.starts_with(&column) {
        return Err(res_error::NOT_WRITABLE);
    }
    let Value::Integer(w) = vb.value else {
        return Err(res_error::WRONG_TYPE);
    };
    if w < 0 {
        return Err(res_error::WRONG_VALUE);
    }
    weight_target(lvs, &vb.name)
        .map(|_| i64::from(w))
        .ok_or(res_error::NO_CREATION)
}

/// Fills the whole `check` subtree.
pub fn fill(v: &CheckView<'_>, tree: &mut Tree) {
    groups(v.lvs, tree);
    for (i, vs) in v.lvs.virtual_servers.iter().enumerate() {
        let state = v.states.get(i).cloned().unwrap_or_default();
        let secure = v.global.enable_script_security;
        virtual_server(tree, i as u32 + 1, vs, &state, secure);
        let mut n = 1;
        if let Some(s) = &vs.sorry_server {
            sorry_server(tree, [i as u32 + 1, n], vs, s, &state.sorry);
            n += 1;
        }
        for (r, rs) in vs.real_servers.iter().enumerate() {
            let st = state.reals.get(r).copied().unwrap_or_default();
            real_server(tree, [i as u32 + 1, n], vs, rs, &st, secure);
            n += 1;
        }
    }
    lvs_globals(v.global, tree);
}

fn groups(lvs: &LvsConfig, tree: &mut Tree) {
    let group_entry = entry(1);
    let member_entry = entry(2);
    for (g, group) in lvs.groups.iter().enumerate() {
        let g = g as u32 + 1;
        Row {
            tree,
            entry: &group_entry,
            index: vec![g],
        }
        .col(2, Value::string(&group.name));
        let fwmarks = group
            .entries
            .iter()
            .filter(|e| matches!(e, GroupEntry::Fwmark { .. }));
        let ranges = group
            .entries
            .iter()
            .filter(|e| matches!(e, GroupEntry::Range { .. }));
        for (m, e) in fwmarks.chain(ranges).enumerate() {
            let mut row = Row {
                tree,
                entry: &member_entry,
                index: vec![g, m as u32 + 1],
            };
            match e {
                GroupEntry::Fwmark { mark, .. } => {
                    row.col(2, Value::Integer(1));
                    row.col(3, Value::Gauge32(*mark));
                }
                GroupEntry::Range {
                    first, last, port, ..
                } => {
                    let range = first != last;
                    row.col(2, Value::Integer(if range { 3 } else { 2 }));
                    row.col(4, addr_type(Some(*first)));
                    if range {
                        row.col(6, Value::inet(*first));
                        row.col(7, Value::inet(*last));
                    } else {
                        row.col(5, Value::inet(*first));
                    }
                    row.col(8, Value::Gauge32(u32::from(port.unwrap_or(0))));
                }
            }
        }
    }
}

fn virtual_server(tree: &mut Tree, index: u32, v: &VirtualServer, s: &VirtualState, secure: bool) {
    let e = entry(3);
    let mut row = Row {
        tree,
        entry: &e,
        index: vec![index],
    };
    let (addr, port) = match &v.address {
        VsAddress::Ip { addr, port } => (Some(*addr), *port),
        _ => (None, None),
    };
    let (ty, group, mark) = match &v.address {
        VsAddress::Group { name } => (3, Some(name), None),
        VsAddress::Fwmark { mark } => (1, None, Some(*mark)),
        VsAddress::Ip { .. } => (2, None, None),
    };
    row.col(2, Value::Integer(ty));
    row.opt(3, group.map(|g| Value::string(g)));
    row.opt(4, mark.map(Value::Gauge32));
    let family = addr.or_else(|| {
        v.family.map(|f| match f {
            keepalive_confparse::model::lvs::Family::Inet => IpAddr::from([0u8; 4]),
            keepalive_confparse::model::lvs::Family::Inet6 => IpAddr::from([0u16; 8]),
        })
    });
    row.col(5, addr_type(family));
    if let Some(a) = addr {
        row.col(6, Value::inet(a));
        row.col(7, Value::Gauge32(u32::from(port.unwrap_or(0))));
    }
    if mark.is_none() {
        let proto = match v.protocol {
            Some(Protocol::Tcp) | None => 1,
            Some(Protocol::Udp) => 2,
            Some(Protocol::Sctp) => 3,
        };
        row.col(8, Value::Integer(proto));
    }
    row.col(9, Value::Integer(algo(v)));
    row.col(10, kind(v.forwarding));
    // `vs->alive`: set once the service is in IPVS, which it is from start-up on.
    row.col(11, Value::truth(true));
    row.opt(12, v.virtualhost.as_deref().map(Value::string));
    let persist = v.persistence_timeout.unwrap_or(0);
    row.col(13, Value::truth(persist != 0));
    if persist != 0 {
        row.col(14, Value::Gauge32(persist));
    }
    // `persistence_granularity` as keepalived holds it: an IPv4 mask in network order
    // (shown as its 4 octets), an IPv6 prefix length.
    let granularity = match v.persistence_granularity {
        Some(Granularity::Inet(m)) => u32::from_ne_bytes(m.octets()),
        Some(Granularity::Inet6(len)) => u32::from(len),
        // keepalived's default: all ones.
        None => u32::MAX,
    };
    if !addr.is_some_and(|a| a.is_ipv6()) {
        row.col(15, Value::OctetString(granularity.to_ne_bytes().to_vec()));
    }
    if !addr.is_some_and(|a| a.is_ipv4()) {
        row.col(51, Value::Gauge32(granularity));
    }
    row.col(16, Value::Gauge32(secs(v.delay_loop)));
    row.col(17, Value::truth(v.ha_suspend));
    row.col(18, Value::truth(v.alpha));
    row.col(19, Value::truth(v.omega));
    row.col(20, Value::Gauge32(v.real_servers.len() as u32));
    let up = s.reals.iter().filter(|r| r.alive).count() as u32;
    row.col(21, Value::Gauge32(up));
    row.col(22, Value::Gauge32(v.quorum));
    row.col(23, Value::truth(s.quorum_up));
    row.opt(24, v.quorum_up.as_ref().map(|c| command(c, secure)));
    row.opt(25, v.quorum_down.as_ref().map(|c| command(c, secure)));
    row.col(26, Value::Gauge32(v.hysteresis));
    stats(&mut row, &s.counters, 27, 28, 38);
    let flags = v.sched_flags.bits();
    row.col(37, Value::truth(flags & 0x4 != 0));
    // IP_VS_SVC_F_HASHED is the kernel's; a configuration never sets it.
    row.col(52, Value::truth(false));
    row.col(53, Value::truth(flags & 0x8 != 0));
    row.col(54, Value::truth(flags & 0x10 != 0));
    row.col(55, Value::truth(flags & 0x20 != 0));
    row.col(56, Value::truth(!v.inhibit_on_failure));
    row.col(57, Value::Gauge32(v.retry.unwrap_or(0)));
    row.col(58, Value::Gauge32(v.delay_before_retry.map_or(0, secs)));
    row.col(59, Value::Gauge32(v.warmup.map_or(0, secs)));
    row.col(60, Value::Integer(v.weight as i32));
    row.col(61, Value::truth(v.smtp_alert.unwrap_or(false)));
    row.col(62, Value::truth(flags & 0x8 != 0));
    row.col(63, Value::truth(flags & 0x10 != 0));
    row.col(64, Value::Gauge32(usecs(v.delay_loop)));
    row.col(65, Value::Gauge32(v.delay_before_retry.map_or(0, usecs)));
    row.col(66, Value::Gauge32(v.warmup.map_or(0, usecs)));
    row.col(67, Value::Gauge32(usecs(v.connect_timeout)));
    tunnel(&mut row, v.forwarding, 68);
    row.opt(71, v.snmp_name.as_deref().map(Value::string));
}

fn sorry_server(
    tree: &mut Tree,
    index: [u32; 2],
    v: &VirtualServer,
    s: &SorryServer,
    c: &Counters,
) {
    let e = entry(4);
    let mut row = Row {
        tree,
        entry: &e,
        index: index.to_vec(),
    };
    row.col(2, Value::truth(false));
    row.col(3, addr_type(Some(s.addr)));
    row.col(4, Value::inet(s.addr));
    row.col(5, Value::Gauge32(u32::from(s.port.unwrap_or(0))));
    real_counters(&mut row, c);
    let fwd = s.forwarding.or(v.forwarding);
    row.col(40, kind(fwd));
    row.col(42, Value::truth(false));
    for col in [43, 44, 45, 46] {
        row.col(col, Value::Gauge32(0));
    }
    row.col(47, Value::truth(false));
    for col in [48, 49, 50] {
        row.col(col, Value::Gauge32(0));
    }
    // The sorry server has no checker, so no connect timeout.
    row.col(51, Value::Gauge32(0));
    tunnel(&mut row, fwd, 52);
}

fn real_counters(row: &mut Row<'_>, c: &Counters) {
    stats(row, c, 14, 18, 27);
    row.col(15, Value::Gauge32(c.active));
    row.col(16, Value::Gauge32(c.inactive));
    row.col(17, Value::Gauge32(c.persistent));
}

fn real_server(
    tree: &mut Tree,
    index: [u32; 2],
    v: &VirtualServer,
    r: &RealServer,
    s: &RealState,
    secure: bool,
) {
    let e = entry(4);
    let mut row = Row {
        tree,
        entry: &e,
        index: index.to_vec(),
    };
    row.col(2, Value::truth(true));
    row.col(3, addr_type(Some(r.addr)));
    row.col(4, Value::inet(r.addr));
    let port = r.port.or(match v.address {
        VsAddress::Ip { port, .. } => port,
        _ => None,
    });
    row.col(5, Value::Gauge32(u32::from(port.unwrap_or(0))));
    row.col(6, Value::truth(s.alive));
    row.col(
        7,
        Value::Integer(keepalive_checkers::pool::real_weight(s.weight)),
    );
    row.opt(8, r.uthreshold.filter(|t| *t != 0).map(Value::Gauge32));
    row.opt(9, r.lthreshold.filter(|t| *t != 0).map(Value::Gauge32));
    let inhibit = r.inhibit_on_failure.unwrap_or(v.inhibit_on_failure);
    row.col(10, Value::truth(!inhibit));
    row.opt(11, r.notify_up.as_deref().map(|c| command(c, secure)));
    row.opt(12, r.notify_down.as_deref().map(|c| command(c, secure)));
    row.col(13, Value::Gauge32(s.failed));
    real_counters(&mut row, &s.counters);
    let fwd = r.forwarding.or(v.forwarding);
    row.col(40, kind(fwd));
    row.opt(41, r.virtualhost.as_deref().map(Value::string));
    row.col(42, Value::truth(r.alpha.unwrap_or(false)));
    row.col(43, Value::Gauge32(r.retry.unwrap_or(0)));
    row.col(44, Value::Gauge32(r.delay_before_retry.map_or(0, secs)));
    row.col(45, Value::Gauge32(r.warmup.map_or(0, secs)));
    row.col(46, Value::Gauge32(r.delay_loop.map_or(0, secs)));
    row.col(47, Value::truth(r.smtp_alert.unwrap_or(false)));
    row.col(48, Value::Gauge32(r.delay_before_retry.map_or(0, usecs)));
    row.col(49, Value::Gauge32(r.warmup.map_or(0, usecs)));
    row.col(50, Value::Gauge32(r.delay_loop.map_or(0, usecs)));
    let timeout = r.connect_timeout.unwrap_or(v.connect_timeout);
    row.col(51, Value::Gauge32(usecs(timeout)));
    tunnel(&mut row, fwd, 52);
    row.opt(55, r.snmp_name.as_deref().map(Value::string));
}

/// `lvsSyncDaemon` (`{ check 6 }`) and `lvsTimeouts` (`{ check 7 }`) scalars.
fn lvs_globals(g: &GlobalDefs, tree: &mut Tree) {
    let mut s = |sub: &[u32], v: Value| {
        let mut o = [KEEPALIVED, &[3], sub].concat();
        o.push(0);
        tree.set(Oid(o), v);
    };
    let sync = g.lvs_sync_daemon.as_ref();
    s(&[6, 1], Value::truth(sync.is_some()));
    if let Some(d) = sync {
        s(&[6, 2], Value::string(&d.interface));
        if let Some(i) = &d.instance {
            s(&[6, 3], Value::string(i));
        }
        s(&[6, 4], Value::Integer(i32::from(d.id.unwrap_or(0))));
        s(&[6, 5], Value::Integer(i32::from(d.maxlen.unwrap_or(0))));
        s(&[6, 6], Value::Integer(i32::from(d.port.unwrap_or(0))));
        s(&[6, 7], Value::Integer(i32::from(d.ttl.unwrap_or(0))));
        s(&[6, 8], addr_type(d.group));
        if let Some(a) = d.group {
            s(&[6, 9], Value::inet(a));
        }
    }
    let t = &g.lvs_timeouts;
    for (sub, v) in [(1, t.tcp), (2, t.tcpfin), (3, t.udp)] {
        if let Some(v) = v.filter(|v| *v != 0) {
            s(&[7, sub], Value::Integer(v as i32));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::agentx::pdu::res_error;
    use crate::snmp::agentx::{Mib, VarBind};
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;

    const CONF: &str = "virtual_server_group G {\n  192.0.2.60-62 80\n  fwmark 3\n}\n\
        virtual_server 192.0.2.1 80 {\n  protocol TCP\n  lvs_method DR\n  sorry_server 192.0.2.99 80\n\
        real_server 192.0.2.10 80 {\n    weight 3\n    TCP_CHECK {\n    }\n  }\n}\n\
        virtual_server group G {\n  protocol UDP\n  real_server 192.0.2.30 80 {\n    TCP_CHECK {\n    }\n  }\n}\n";

    fn lvs() -> LvsConfig {
        load_str("k.conf", CONF, &Options::default()).config.lvs
    }

    fn at(tree: &Tree, more: &[u32]) -> Option<Value> {
        tree.get(&Oid([KEEPALIVED, &[3], more].concat()))
    }

    #[test]
    fn rows_are_numbered_as_keepalived_numbers_them() {
        let lvs = lvs();
        let states = [
            VirtualState {
                quorum_up: true,
                reals: vec![RealState {
                    alive: true,
                    weight: 3,
                    ..RealState::default()
                }],
                ..VirtualState::default()
            },
            VirtualState::default(),
        ];
        let mut tree = Tree::default();
        let global = GlobalDefs::default();
        fill(
            &CheckView {
                global: &global,
                lvs: &lvs,
                states: &states,
            },
            &mut tree,
        );
        // The group's fwmark is member 1, its range member 2.
        assert_eq!(at(&tree, &[2, 1, 2, 1, 1]), Some(Value::Integer(1)));
        assert_eq!(at(&tree, &[2, 1, 2, 1, 2]), Some(Value::Integer(3)));
        assert_eq!(
            at(&tree, &[2, 1, 7, 1, 2]),
            Some(Value::inet([192, 0, 2, 62].into()))
        );
        // The sorry server is real server 1, with no status or weight.
        assert_eq!(at(&tree, &[4, 1, 2, 1, 1]), Some(Value::truth(false)));
        assert_eq!(at(&tree, &[4, 1, 6, 1, 1]), None);
        assert_eq!(at(&tree, &[4, 1, 7, 1, 2]), Some(Value::Integer(3)));
        assert_eq!(at(&tree, &[3, 1, 2, 2]), Some(Value::Integer(3)));
        assert_eq!(at(&tree, &[3, 1, 3, 2]), Some(Value::string("G")));
        assert_eq!(at(&tree, &[3, 1, 10, 1]), Some(Value::Integer(2)));
    }

    #[test]
    fn only_a_real_servers_weight_is_writable() {
        let lvs = lvs();
        let weight = |v: u32, r: u32, value: Value| VarBind {
            name: Oid([KEEPALIVED, &[3, 4, 1, 7, v, r]].concat()),
            value,
        };
        assert_eq!(test_set(&lvs, &weight(1, 2, Value::Integer(7))), Ok(7));
        assert_eq!(
            weight_target(&lvs, &weight(1, 2, Value::Null).name),
            Some((0, 0))
        );
        assert_eq!(
            weight_target(&lvs, &weight(2, 1, Value::Null).name),
            Some((1, 0))
        );
        let refused = [
            (weight(1, 1, Value::Integer(7)), res_error::NO_CREATION),
            (weight(1, 3, Value::Integer(7)), res_error::NO_CREATION),
            (weight(3, 1, Value::Integer(7)), res_error::NO_CREATION),
            (weight(1, 2, Value::Gauge32(7)), res_error::WRONG_TYPE),
            (weight(1, 2, Value::Integer(-1)), res_error::WRONG_VALUE),
        ];
        for (vb, error) in refused {
            assert_eq!(test_set(&lvs, &vb), Err(error), "{vb:?}");
        }
        let status = VarBind {
            name: Oid([KEEPALIVED, &[3, 4, 1, 6, 1, 2]].concat()),
            value: Value::Integer(1),
        };
        assert_eq!(test_set(&lvs, &status), Err(res_error::NOT_WRITABLE));
    }
}
