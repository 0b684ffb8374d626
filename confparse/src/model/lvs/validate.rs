//! The checks keepalived makes once the whole file is read (`link_vsg_to_vs`, then
//! `validate_check_config`), and the inheritance of defaults down to each checker.
//!
//! Every rule costs one pass over the objects it concerns: lookups go through hash maps and
//! sets, never pairwise scans, so a file with thousands of real servers checks in linear time.
//! Verdicts follow `keepalived -t`: what it reports through `report_config_error` (exit 5) is
//! an error here, even when its text says "Warning"; what it only logs is a warning.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use super::group::{GroupEntry, VirtualServerGroup};
use super::real_server::RealServer;
use super::virtual_server::{format_trio, Protocol, Scheduler, VirtualServer, VsAddress};
use super::{Family, Forwarding, LvsConfig};
use crate::diag::Diagnostics;
use crate::model::checker::{Checker, CheckerKind, Timing};
use crate::model::global::GlobalDefs;
use crate::model::values::Micros;

/// The `global_defs` settings that feed LVS defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GlobalLvsDefaults {
    /// `smtp_alert` in `global_defs`.
    pub smtp_alert: Option<bool>,
    /// `smtp_alert_checker` in `global_defs` (wins over `smtp_alert`).
    pub smtp_alert_checker: Option<bool>,
    /// `checker_log_all_failures` in `global_defs`.
    pub checker_log_all_failures: bool,
}

impl GlobalLvsDefaults {
    /// Read them from `global_defs`.
    pub fn from_global(g: &GlobalDefs) -> Self {
        GlobalLvsDefaults {
            smtp_alert: g.smtp_alert,
            smtp_alert_checker: g.smtp_alert_checker,
            checker_log_all_failures: g.checker_log_all_failures,
        }
    }

    /// keepalived's chain: `smtp_alert_checker`, then `smtp_alert`.
    fn smtp_alert(&self) -> Option<bool> {
        self.smtp_alert_checker.or(self.smtp_alert)
    }
}

pub(super) fn finish(v: &mut LvsConfig, g: &GlobalLvsDefaults, d: &mut Diagnostics) {
    let groups = index_groups(&v.groups, d);
    let mut vss = std::mem::take(&mut v.virtual_servers);
    vss.retain_mut(|vs| link_group(vs, &v.groups, &groups, d));
    vss.retain_mut(|vs| validate_vs(vs, &v.groups, &groups, g, d));
    duplicate_services(&vss, d);
    v.virtual_servers = vss;
}

/// Group name → index of its first definition; later ones are unreachable.
fn index_groups<'a>(
    groups: &'a [VirtualServerGroup],
    d: &mut Diagnostics,
) -> HashMap<&'a str, usize> {
    let mut map: HashMap<&str, usize> = HashMap::with_capacity(groups.len());
    for (i, g) in groups.iter().enumerate() {
        if let Some(&first) = map.get(g.name.as_str()) {
            d.warning(
                &g.loc,
                format!(
                    "virtual server group {} is already defined at {} - this one is never used",
                    g.name, groups[first].loc
                ),
            );
        } else {
            map.insert(&g.name, i);
        }
    }
    map
}

/// keepalived's `link_vsg_to_vs` for one virtual server; false to drop it (keepalived only
/// logs these, so they are warnings).
fn link_group(
    vs: &mut VirtualServer,
    groups: &[VirtualServerGroup],
    index: &HashMap<&str, usize>,
    d: &mut Diagnostics,
) -> bool {
    let VsAddress::Group { name } = &vs.address else {
        return true;
    };
    let Some(&gi) = index.get(name.as_str()) else {
        let known: Vec<&str> = index.keys().copied().collect();
        let hint = crate::diag::did_you_mean(name, &known).map_or_else(
            || "define it with virtual_server_group".to_string(),
            |s| format!("did you mean '{s}'?"),
        );
        d.warning_hint(
            &vs.loc,
            format!(
                "virtual server group {name} specified but not configured - ignoring virtual server {}",
                vs.describe()
            ),
            hint,
        );
        return false;
    };
    let g = &groups[gi];
    let (v4, v6) = (g.has_ipv4(), g.has_ipv6());
    if v4 && v6 && vs.family.is_some() {
        d.warning(
            &vs.loc,
            format!(
                "{name}: virtual server group with IPv4 & IPv6 doesn't match virtual server {} - ignoring",
                vs.describe()
            ),
        );
        return false;
    }
    if (v4 && vs.family == Some(Family::Inet6)) || (v6 && vs.family == Some(Family::Inet)) {
        d.warning(
            &vs.loc,
            format!(
                "{name}: address family doesn't match virtual server {} - ignoring",
                vs.describe()
            ),
        );
        return false;
    }
    if let Some(f) = g.family() {
        vs.family.get_or_insert(f);
    } else if vs.family.is_none() && g.has_fwmark_without_family() {
        d.warning(
            &vs.loc,
            format!(
                "{name}: virtual server {} address family cannot be determined, defaulting to IPv4",
                vs.describe()
            ),
        );
        vs.family = Some(Family::Inet);
    }
    true
}

/// keepalived's `validate_check_config` for one virtual server; false to drop it.
fn validate_vs(
    vs: &mut VirtualServer,
    groups: &[VirtualServerGroup],
    index: &HashMap<&str, usize>,
    g: &GlobalLvsDefaults,
    d: &mut Diagnostics,
) -> bool {
    let name = vs.describe();
    if vs.real_servers.is_empty() {
        d.error_hint(
            &vs.loc,
            format!("virtual server {name} has no real servers - ignoring"),
            "add a real_server block",
        );
        return false;
    }
    let group = match &vs.address {
        VsAddress::Group { name } => index.get(name.as_str()).map(|&i| &groups[i]),
        _ => None,
    };
    let group_has_fwmarks = group.is_some_and(VirtualServerGroup::has_fwmarks);
    let group_has_addrs = group.is_some_and(VirtualServerGroup::has_addresses);

    if vs.ha_suspend && (vs.is_fwmark() || group_has_fwmarks) {
        d.error(
            &vs.loc,
            format!(
                "virtual server {name}: cannot use ha_suspend with fwmarks - clearing ha_suspend"
            ),
        );
        vs.ha_suspend = false;
    }

    let address_based = group_has_addrs || (group.is_none() && !vs.is_fwmark());
    if address_based {
        if vs.protocol.is_none() {
            d.error_hint(
                &vs.loc,
                format!("virtual server {name}: no protocol set - defaulting to UDP"),
                "add 'protocol TCP' (or UDP/SCTP)",
            );
            vs.protocol = Some(Protocol::Udp);
        }
        if vs.sched_flags.ops && vs.protocol != Some(Protocol::Udp) {
            d.error(
                &vs.loc,
                format!("virtual server {name}: one packet scheduling requires UDP - resetting"),
            );
            vs.sched_flags.ops = false;
        }
        if vs.persistence_timeout.is_none() {
            if let VsAddress::Ip { port: None, .. } = vs.address {
                d.error_hint(
                    &vs.loc,
                    format!(
                        "virtual server {name}: zero port only valid for persistent services - setting"
                    ),
                    "give the virtual server a port, or set persistence_timeout",
                );
                vs.persistence_timeout = Some(super::virtual_server::DEFAULT_PERSISTENCE_TIMEOUT);
            }
        }
    }
    if vs.persistence_timeout.is_none() {
        if let Some(gr) = group {
            if let Some(loc) = gr.entries.iter().find_map(|e| match e {
                GroupEntry::Range {
                    port: None, loc, ..
                } => Some(loc),
                _ => None,
            }) {
                d.error_hint(
                    &vs.loc,
                    format!(
                        "virtual server {name}: zero port only valid for persistent services - setting"
                    ),
                    format!("the group entry at {loc} has no port"),
                );
                vs.persistence_timeout = Some(super::virtual_server::DEFAULT_PERSISTENCE_TIMEOUT);
            }
        }
    }
    let fwmark_only = vs.is_fwmark() || (group.is_some() && !group_has_addrs && group_has_fwmarks);
    if vs.protocol.is_some() && fwmark_only {
        d.error(
            &vs.loc,
            format!(
                "virtual server {name}: protocol specified for fwmark - protocol will be ignored"
            ),
        );
        vs.protocol = None;
    }
    if vs.scheduler.is_none() {
        d.error_hint(
            &vs.loc,
            format!("virtual server {name}: no scheduler set, setting default 'wlc'"),
            "add 'lvs_sched <scheduler>'",
        );
        vs.scheduler = Some(Scheduler::Wlc);
    }
    if vs.smtp_alert.is_none() {
        vs.smtp_alert = Some(g.smtp_alert().unwrap_or(false));
    }

    let name = vs.describe();
    let mut seen: HashSet<(IpAddr, Option<u16>)> = HashSet::with_capacity(vs.real_servers.len());
    let mut rss = std::mem::take(&mut vs.real_servers);
    rss.retain(|rs| {
        if seen.insert((rs.addr, rs.port)) {
            true
        } else {
            d.error(
                &rs.loc,
                format!(
                    "VS {name}: real server {} is duplicated - removing second rs",
                    format_trio(&rs.addr, vs.protocol, rs.port.unwrap_or(0))
                ),
            );
            false
        }
    });
    let mut weight_sum: u64 = 0;
    for rs in &mut rss {
        if rs.forwarding.is_none() {
            rs.forwarding = Some(default_forwarding(vs, &name, d));
        }
        inherit(rs, vs, g);
        weight_sum += u64::from(rs.weight.unwrap_or(0));
        if let Some(s) = &mut vs.sorry_server {
            if s.addr == rs.addr && s.port == rs.port {
                let inhibit = rs.inhibit_on_failure.unwrap_or(false);
                if s.inhibit != inhibit {
                    d.error(
                        &s.loc,
                        format!(
                            "virtual server {name}: real server {} matches sorry server, but inhibit setting differs, {}ing on sorry server",
                            rs.addr,
                            if inhibit { "sett" } else { "clear" }
                        ),
                    );
                    s.inhibit = inhibit;
                }
            }
        }
        let rs_addr = rs.addr;
        let rs_port = rs.port;
        let timing_src = ServerTiming::of(rs, vs, g);
        let mut bfds: HashSet<String> = HashSet::new();
        rs.checkers.retain_mut(|c| {
            if let CheckerKind::Bfd(b) = &c.kind {
                if !bfds.insert(b.name.clone()) {
                    d.error(
                        &c.loc,
                        format!("BFD_CHECK - RS already monitoring {}", b.name),
                    );
                    return false;
                }
            }
            resolve_checker(c, rs_addr, rs_port, &timing_src, vs.delay_loop);
            true
        });
    }
    vs.real_servers = rss;
    if vs
        .sorry_server
        .as_ref()
        .is_some_and(|s| s.forwarding.is_none())
    {
        let f = default_forwarding(vs, &name, d);
        if let Some(s) = &mut vs.sorry_server {
            s.forwarding = Some(f);
        }
    }

    let weight_sum = u32::try_from(weight_sum).unwrap_or(u32::MAX);
    if vs.quorum > weight_sum {
        d.error(
            &vs.loc,
            format!(
                "quorum {} for {name} exceeds total weight of real servers {weight_sum}, reducing quorum to {weight_sum}",
                vs.quorum
            ),
        );
        vs.quorum = weight_sum;
    }
    if vs.hysteresis >= vs.quorum {
        let h = vs.quorum.saturating_sub(1);
        d.error(
            &vs.loc,
            format!(
                "virtual server {name}: hysteresis {} >= quorum {}; setting hysteresis to {h}",
                vs.hysteresis, vs.quorum
            ),
        );
        vs.hysteresis = h;
    }
    match group {
        Some(gr) => group_ports(vs, gr, &name, d),
        None => fix_ports(vs, &name, d),
    }
    true
}

/// The virtual server's method, set to NAT (with keepalived's complaint) when it has none.
fn default_forwarding(vs: &mut VirtualServer, name: &str, d: &mut Diagnostics) -> Forwarding {
    *vs.forwarding.get_or_insert_with(|| {
        d.error_hint(
            &vs.loc,
            format!("virtual server {name}: no forwarding method set, setting default NAT"),
            "add 'lvs_method NAT|DR|TUN'",
        );
        Forwarding::Nat
    })
}

/// Real-server defaults taken from the virtual server and `global_defs`.
fn inherit(rs: &mut RealServer, vs: &VirtualServer, g: &GlobalLvsDefaults) {
    rs.alpha.get_or_insert(vs.alpha);
    rs.inhibit_on_failure.get_or_insert(vs.inhibit_on_failure);
    if rs.retry.is_none() {
        rs.retry = vs.retry;
    }
    rs.connect_timeout.get_or_insert(vs.connect_timeout);
    rs.delay_loop.get_or_insert(vs.delay_loop);
    if rs.warmup.is_none() {
        rs.warmup = vs.warmup;
    }
    if rs.delay_before_retry.is_none() {
        rs.delay_before_retry = vs.delay_before_retry;
    }
    rs.weight.get_or_insert(vs.weight);
    // keepalived defaults a real server's smtp_alert to true (unlike everything else), for
    // backward compatibility.
    rs.smtp_alert.get_or_insert(g.smtp_alert().unwrap_or(true));
}

/// What a checker inherits from its real server.
struct ServerTiming {
    alpha: bool,
    retry: Option<u32>,
    connect_timeout: Micros,
    delay_loop: Micros,
    warmup: Option<Micros>,
    delay_before_retry: Option<Micros>,
    virtualhost: Option<String>,
    log_all_failures: bool,
}

impl ServerTiming {
    fn of(rs: &RealServer, vs: &VirtualServer, g: &GlobalLvsDefaults) -> Self {
        ServerTiming {
            alpha: rs.alpha.unwrap_or(false),
            retry: rs.retry,
            connect_timeout: rs
                .connect_timeout
                .unwrap_or(super::virtual_server::DEFAULT_CONNECT_TIMEOUT),
            delay_loop: rs
                .delay_loop
                .unwrap_or(super::virtual_server::DEFAULT_DELAY_LOOP),
            warmup: rs.warmup,
            delay_before_retry: rs.delay_before_retry,
            virtualhost: rs.virtualhost.clone().or_else(|| vs.virtualhost.clone()),
            log_all_failures: g.checker_log_all_failures,
        }
    }
}

/// Fill a checker's [`Timing`] and connection defaults, as keepalived's final loop over
/// `checkers_queue` does, and an HTTP checker's `virtualhost` from its real or virtual server
/// (keepalived picks the same one when it builds the request). The destination port is the real server's port as written (keepalived
/// copies the address when the checker is declared, before ports are fixed up).
fn resolve_checker(
    c: &mut Checker,
    rs_addr: IpAddr,
    rs_port: Option<u16>,
    rs: &ServerTiming,
    vs_delay_loop: Micros,
) {
    let s = &c.settings;
    let delay_loop = s.delay_loop.unwrap_or(rs.delay_loop);
    let delay_before_retry = s
        .delay_before_retry
        .or(rs.delay_before_retry)
        .or(c.kind.default_delay_before_retry())
        .unwrap_or(delay_loop);
    c.timing = Timing {
        delay_loop,
        retry: s.retry.or(rs.retry).unwrap_or(c.kind.default_retry()),
        delay_before_retry,
        warmup: s.warmup.or(rs.warmup).unwrap_or(delay_loop),
        alpha: s.alpha.unwrap_or(rs.alpha),
        log_all_failures: s.log_all_failures || rs.log_all_failures,
    };
    if let Some(conn) = &mut c.conn {
        conn.connect_ip.get_or_insert(rs_addr);
        if conn.connect_port.is_none() {
            conn.connect_port = rs_port;
        }
        conn.connect_timeout.get_or_insert(rs.connect_timeout);
    }
    match &mut c.kind {
        CheckerKind::Misc(m) => {
            m.timeout.get_or_insert(vs_delay_loop);
        }
        CheckerKind::HttpGet(h) | CheckerKind::SslGet(h) if h.virtualhost.is_none() => {
            h.virtualhost.clone_from(&rs.virtualhost);
        }
        _ => {}
    }
}

/// Port rules for a service on an address or a mark (the `else` branch of keepalived's last
/// loop): NAT real servers without a port take the service's; DR/TUN ones must match it (or,
/// for a mark, have none).
fn fix_ports(vs: &mut VirtualServer, name: &str, d: &mut Diagnostics) {
    let vs_port = match vs.address {
        VsAddress::Ip { port, .. } => port,
        _ => None,
    };
    let fwmark = vs.is_fwmark();
    for rs in &mut vs.real_servers {
        if rs.forwarding == Some(Forwarding::Nat) {
            if !fwmark && rs.port.is_none() {
                rs.port = vs_port;
            }
            continue;
        }
        if fwmark {
            if rs.port.is_some() {
                d.error(
                    &rs.loc,
                    format!(
                        "fwmark virtual server {name}, real server {} has port specified - clearing",
                        rs.addr
                    ),
                );
                rs.port = None;
            }
        } else if rs.port.is_none() {
            rs.port = vs_port;
        } else if rs.port != vs_port {
            d.error(
                &rs.loc,
                format!(
                    "virtual server {name} and real server {} ports don't match - resetting",
                    rs.addr
                ),
            );
            rs.port = vs_port;
        }
    }
    if let Some(s) = &mut vs.sorry_server {
        if s.forwarding == Some(Forwarding::Nat) {
            return;
        }
        if fwmark {
            if s.port.is_some() {
                d.error(
                    &s.loc,
                    format!("virtual server {name}, sorry server has port specified - clearing"),
                );
                s.port = None;
            }
        } else if s.port.is_none() {
            s.port = vs_port;
        } else if s.port != vs_port {
            d.error(
                &s.loc,
                format!("virtual server {name} and sorry server ports don't match - resetting"),
            );
            s.port = vs_port;
        }
    }
}

/// Port rules for a service on a group: DR/TUN servers with a port are reported when the group
/// has marks (the port is ignored) or an address entry with another port. One report per
/// server, however many entries disagree, so this stays linear.
fn group_ports(vs: &VirtualServer, g: &VirtualServerGroup, name: &str, d: &mut Diagnostics) {
    let ports: HashSet<Option<u16>> = g
        .entries
        .iter()
        .filter_map(|e| match e {
            GroupEntry::Range { port, .. } => Some(*port),
            GroupEntry::Fwmark { .. } => None,
        })
        .collect();
    let has_marks = g.has_fwmarks();
    let mismatch = |p: u16| ports.iter().any(|q| *q != Some(p));
    for rs in &vs.real_servers {
        if rs.forwarding == Some(Forwarding::Nat) {
            continue;
        }
        let Some(p) = rs.port else { continue };
        if has_marks {
            d.error(
                &rs.loc,
                format!(
                    "fwmark virtual server {name}, real server {} has port specified - port will be ignored",
                    rs.addr
                ),
            );
        }
        if mismatch(p) {
            d.error(
                &rs.loc,
                format!(
                    "virtual server {name} and real server {} ports don't match (group {} has other ports)",
                    rs.addr, g.name
                ),
            );
        }
    }
    if let Some(s) = &vs.sorry_server {
        if s.forwarding != Some(Forwarding::Nat) {
            if let Some(p) = s.port {
                if has_marks || mismatch(p) {
                    d.error(
                        &s.loc,
                        format!("virtual server {name}, sorry server has port specified - port will be ignored"),
                    );
                }
            }
        }
    }
}

/// Two `virtual_server` blocks for the same service: keepalived does not notice, and IPVS then
/// refuses the second when it is added, so this is a warning.
fn duplicate_services(vss: &[VirtualServer], d: &mut Diagnostics) {
    let mut seen: HashMap<(VsAddress, Option<Protocol>, Option<Family>), usize> =
        HashMap::with_capacity(vss.len());
    for (i, vs) in vss.iter().enumerate() {
        let key = (vs.address.clone(), vs.protocol, vs.family);
        if let Some(&first) = seen.get(&key) {
            d.warning(
                &vs.loc,
                format!(
                    "virtual server {} is the same service as the one at {}",
                    vs.describe(),
                    vss[first].loc
                ),
            );
        } else {
            seen.insert(key, i);
        }
    }
}

/// Check the names checkers refer to outside the LVS blocks: `FILE_CHECK`'s `track_file` and
/// `BFD_CHECK`'s `name`, against the names of the configured `track_file` blocks and
/// `bfd_instance`s. A checker naming nothing is removed with an error, as keepalived does.
///
/// keepalived resolves these while reading, so it also requires the `track_file` or
/// `bfd_instance` to come first in the file; kad accepts any order.
pub fn check_references(
    v: &mut LvsConfig,
    track_files: &HashSet<&str>,
    bfds: &HashSet<&str>,
    d: &mut Diagnostics,
) {
    for vs in &mut v.virtual_servers {
        for rs in &mut vs.real_servers {
            rs.checkers.retain(|c| match &c.kind {
                CheckerKind::File(f) if !track_files.contains(f.track_file.as_str()) => {
                    let known: Vec<&str> = track_files.iter().copied().collect();
                    let hint = crate::diag::did_you_mean(&f.track_file, &known).map_or_else(
                        || "define it with a track_file block".to_string(),
                        |s| format!("did you mean '{s}'?"),
                    );
                    d.error_hint(
                        &c.loc,
                        format!("track_file {} not found", f.track_file),
                        hint,
                    );
                    false
                }
                CheckerKind::Bfd(b) if !bfds.contains(b.name.as_str()) => {
                    d.error(&c.loc, format!("BFD_CHECK - BFD {} not configured", b.name));
                    false
                }
                _ => true,
            });
        }
    }
}
