//! `vrrp_instance NAME { ... }` (keepalived.conf(5) "VRRP instance"; keepalived's
//! `vrrp_parser.c` handlers and `vrrp_end_handler`).
//!
//! Settings that default from `global_defs` are `Option`s while parsing; [`super::finish`]
//! fills every one of them with the effective value, as `vrrp_complete_instance` does.

use std::fmt;
use std::net::IpAddr;

#[cfg(feature = "serde")]
use serde::{Serialize, Serializer};

use super::address::{parse_address, parse_route, parse_rule, Family, IpAddress, Route, Rule};
use super::track::Tracking;
use super::value_block;
use crate::diag::{Diagnostics, Severity};
use crate::model::global::{garp_extra_if, GarpExtraIf, Script};
use crate::model::values::{
    flag, need_arg, parse_decimal, parse_int, parse_secs, parse_uint, Micros, TIMER_HZ,
    TIMER_HZ_DIGITS,
};
use crate::token::{Loc, Token};
use crate::tree::Node;

/// The advertisement interval. v2 carries whole seconds, v3 centiseconds (RFC 3768 §5.3.7,
/// RFC 5798 §5.2.7), so it is held in microseconds and rounded for the version in `finish`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AdvertInt(pub Micros);

impl AdvertInt {
    /// keepalived's default: 1 s.
    pub const DEFAULT: AdvertInt = AdvertInt(Micros(TIMER_HZ));

    /// As centiseconds, the VRRPv3 wire unit.
    pub fn centis(self) -> u64 {
        self.0 .0 / 10_000
    }
}

#[cfg(feature = "serde")]
impl Serialize for AdvertInt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl fmt::Display for AdvertInt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `state MASTER|BACKUP`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "UPPERCASE"))]
pub enum InitialState {
    /// `MASTER`.
    Master,
    /// `BACKUP`.
    Backup,
}

/// `authentication { auth_type ... }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum AuthType {
    /// Simple password (RFC 2338 §5.3.6.1).
    Pass,
    /// IPsec AH.
    Ah,
}

/// `authentication { auth_type T auth_pass P }`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Authentication {
    /// The type, if given.
    pub auth_type: Option<AuthType>,
    /// The password, truncated to 8 bytes as keepalived does.
    pub auth_pass: Option<String>,
}

/// `use_vmac [IFNAME] [MAC]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Vmac {
    /// Name of the macvlan interface (default `vrrp.<vrid>`).
    pub ifname: Option<String>,
    /// MAC address; five octets mean "append the VRID".
    pub mac: Option<[u8; 6]>,
    /// Only five octets were given.
    pub mac_uses_vrid: bool,
}

/// `use_ipvlan [IFNAME] [ADDR] [bridge|private|vepa]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Ipvlan {
    /// Name of the ipvlan interface.
    pub ifname: Option<String>,
    /// Address (and prefix) given to it.
    pub addr: Option<crate::model::values::IpPrefix>,
    /// Mode flags.
    pub mode: Option<String>,
}

/// One `unicast_peer` line.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UnicastPeer {
    /// Where it is.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// The peer's address.
    pub addr: IpAddr,
    /// `min_ttl` (default 0).
    pub min_ttl: u8,
    /// `max_ttl` (default 255).
    pub max_ttl: u8,
}

/// `old_unicast_checksum [never]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum OldChecksum {
    /// Always use the pre-1.3.6 checksum.
    Always,
    /// Never auto-detect it.
    Never,
}

/// Notify scripts of an instance or sync group (boxed: most instances have none, and an
/// instance stays small when there are tens of thousands).
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Notify {
    /// `notify_master`.
    pub master: Option<Box<Script>>,
    /// `notify_backup`.
    pub backup: Option<Box<Script>>,
    /// `notify_fault`.
    pub fault: Option<Box<Script>>,
    /// `notify_stop`.
    pub stop: Option<Box<Script>>,
    /// `notify_deleted [SCRIPT]`: `Some(None)` = report DELETED without a script.
    pub deleted: Option<Option<Box<Script>>>,
    /// `notify`: called on every transition.
    pub any: Option<Box<Script>>,
    /// `notify_master_rx_lower_pri`.
    pub master_rx_lower_pri: Option<Box<Script>>,
}

impl Notify {
    /// The scripts configured, in keyword order.
    pub fn scripts(&self) -> impl Iterator<Item = &Script> {
        [
            self.master.as_deref(),
            self.backup.as_deref(),
            self.fault.as_deref(),
            self.stop.as_deref(),
            self.deleted.as_ref().and_then(|x| x.as_deref()),
            self.any.as_deref(),
            self.master_rx_lower_pri.as_deref(),
        ]
        .into_iter()
        .flatten()
    }

    /// Handle `node` if it is a `notify*` keyword; false otherwise.
    pub fn parse(&mut self, node: &Node, owner: &str, d: &mut Diagnostics) -> bool {
        let slot = match node.name() {
            "notify_master" => &mut self.master,
            "notify_backup" => &mut self.backup,
            "notify_fault" => &mut self.fault,
            "notify_stop" => &mut self.stop,
            "notify" => &mut self.any,
            "notify_master_rx_lower_pri" => &mut self.master_rx_lower_pri,
            "notify_deleted" => {
                if self.deleted.is_some() {
                    d.error(
                        &node.keyword.loc,
                        format!("({owner}) notify_deleted already specified - ignoring"),
                    );
                } else if node.args.is_empty() {
                    self.deleted = Some(None);
                } else {
                    self.deleted = Some(Script::from_args(node, 0, true, d).map(Box::new));
                }
                return true;
            }
            _ => return false,
        };
        if slot.is_some() {
            d.error(
                &node.keyword.loc,
                format!(
                    "({owner}) {} script already specified - ignoring",
                    node.name()
                ),
            );
        } else {
            *slot = Script::from_args(node, 0, true, d).map(Box::new);
        }
        true
    }
}

/// One `vrrp_instance`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Instance {
    /// Where it is defined.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// Its name.
    pub name: String,
    /// Position among the top-level blocks, for define-before-use checks.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub seq: usize,
    /// `state`; after `finish`, derived from the priority when absent.
    pub state: Option<InitialState>,
    /// `interface`.
    pub interface: Option<String>,
    /// Where `interface` was given.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub interface_loc: Option<Loc>,
    /// `vrf`.
    pub vrf: Option<String>,
    /// `use_vmac`.
    pub use_vmac: Option<Vmac>,
    /// `use_vmac_addr`.
    pub use_vmac_addr: bool,
    /// `vmac_xmit_base`.
    pub vmac_xmit_base: bool,
    /// `use_ipvlan`.
    pub use_ipvlan: Option<Ipvlan>,
    /// `native_ipv6` (deprecated).
    pub native_ipv6: bool,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `track_*` blocks.
    pub track: Tracking,
    /// `mcast_src_ip`/`unicast_src_ip`.
    pub src_ip: Option<IpAddr>,
    /// `mcast_dst_ip`; after `finish`, the group in use when multicasting.
    pub mcast_dst_ip: Option<IpAddr>,
    /// `track_src_ip`.
    pub track_src_ip: bool,
    /// `unicast_peer`.
    pub unicast_peers: Vec<UnicastPeer>,
    /// Any unicast keyword was given (`unicast_peer`, `unicast_src_ip`, ...).
    pub unicast_configured: bool,
    /// `unicast_fault_no_peer`.
    pub unicast_fault_no_peer: bool,
    /// `check_unicast_src` (or `min_ttl`/`max_ttl` on a peer); after `finish`, also the global.
    pub check_unicast_src: bool,
    /// `old_unicast_checksum`.
    pub old_unicast_checksum: Option<OldChecksum>,
    /// `v3_checksum_as_v2`; after `finish`, also the global.
    pub v3_checksum_as_v2: Option<bool>,
    /// `virtual_router_id`.
    pub virtual_router_id: Option<u8>,
    /// `unicast_ttl`.
    pub unicast_ttl: Option<u8>,
    /// `version`; after `finish`, the effective version.
    pub version: Option<u8>,
    /// `priority`; after `finish`, derived from the state when absent (255 for MASTER).
    pub priority: Option<u8>,
    /// `advert_int`.
    pub advert_int: AdvertInt,
    /// `authentication`.
    pub authentication: Option<Authentication>,
    /// The family of the instance: from the first address-bearing keyword, IPv4 by default.
    pub family: Option<Family>,
    /// `virtual_ipaddress`.
    pub virtual_ipaddress: Vec<IpAddress>,
    /// `virtual_ipaddress_excluded`.
    pub virtual_ipaddress_excluded: Vec<IpAddress>,
    /// `no_virtual_ipaddress`.
    pub no_virtual_ipaddress: bool,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// `virtual_routes`.
    pub virtual_routes: Vec<Route>,
    /// `virtual_rules`.
    pub virtual_rules: Vec<Rule>,
    /// `accept`/`no_accept`; after `finish`, the effective mode.
    pub accept: Option<bool>,
    /// `skip_check_adv_addr`; after `finish`, with the global default.
    pub skip_check_adv_addr: Option<bool>,
    /// `strict_mode`; after `finish`, with the `vrrp_strict` default.
    pub strict_mode: Option<bool>,
    /// `nopreempt` (`preempt` clears it).
    pub nopreempt: bool,
    /// `preempt_delay` (0..1000 s).
    pub preempt_delay: Micros,
    /// `debug` level (0..4).
    pub debug: u8,
    /// `notify*` scripts.
    pub notify: Notify,
    /// `smtp_alert`; after `finish`, with the global default.
    pub smtp_alert: Option<bool>,
    /// `notify_priority_changes`; after `finish`, from the sync group or the global.
    pub notify_priority_changes: Option<bool>,
    /// `garp_master_delay`; after `finish`, with the global default.
    pub garp_master_delay: Option<Micros>,
    /// `garp_master_repeat`.
    pub garp_master_repeat: Option<u32>,
    /// `garp_lower_prio_delay`.
    pub garp_lower_prio_delay: Option<Micros>,
    /// `garp_lower_prio_repeat`.
    pub garp_lower_prio_repeat: Option<u32>,
    /// `garp_master_refresh`.
    pub garp_master_refresh: Option<Micros>,
    /// `garp_master_refresh_repeat`.
    pub garp_master_refresh_repeat: Option<u32>,
    /// `garp_extra_if`.
    pub garp_extra_if: Option<GarpExtraIf>,
    /// `down_timer_adverts`.
    pub down_timer_adverts: Option<u32>,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: Option<bool>,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: Option<bool>,
    /// `thread_timer_expired [PRIO]`.
    pub thread_timer_expired: Option<u8>,
    /// `kernel_rx_buf_size`.
    pub kernel_rx_buf_size: Option<u32>,
    /// `linkbeat_use_polling` (deprecated here).
    pub linkbeat_use_polling: bool,
    /// `lvs_sync_daemon_interface` (deprecated).
    pub lvs_sync_daemon_interface: Option<String>,
    /// The sync group this instance belongs to (set by `finish`).
    pub sync_group: Option<String>,
}

/// Every keyword `vrrp_instance` knows, for did-you-mean hints.
pub const INSTANCE_KEYWORDS: &[&str] = &[
    "use_vmac",
    "use_vmac_addr",
    "vmac_xmit_base",
    "use_ipvlan",
    "unicast_peer",
    "unicast_fault_no_peer",
    "check_unicast_src",
    "old_unicast_checksum",
    "v3_checksum_as_v2",
    "native_ipv6",
    "state",
    "interface",
    "vrf",
    "dont_track_primary",
    "track_interface",
    "track_script",
    "track_file",
    "track_process",
    "track_bfd",
    "mcast_src_ip",
    "unicast_src_ip",
    "mcast_dst_ip",
    "track_src_ip",
    "virtual_router_id",
    "unicast_ttl",
    "version",
    "priority",
    "advert_int",
    "virtual_ipaddress",
    "virtual_ipaddress_excluded",
    "no_virtual_ipaddress",
    "promote_secondaries",
    "linkbeat_use_polling",
    "virtual_routes",
    "virtual_rules",
    "accept",
    "no_accept",
    "skip_check_adv_addr",
    "strict_mode",
    "preempt",
    "nopreempt",
    "preempt_delay",
    "debug",
    "notify_backup",
    "notify_master",
    "notify_fault",
    "notify_stop",
    "notify_deleted",
    "notify",
    "notify_master_rx_lower_pri",
    "smtp_alert",
    "notify_priority_changes",
    "lvs_sync_daemon_interface",
    "garp_master_delay",
    "garp_master_refresh",
    "garp_master_repeat",
    "garp_master_refresh_repeat",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "down_timer_adverts",
    "garp_extra_if",
    "vmac_garp_intvl",
    "lower_prio_no_advert",
    "higher_prio_send_advert",
    "thread_timer_expired",
    "kernel_rx_buf_size",
    "authentication",
];

impl Instance {
    fn new(name: String, loc: Loc, seq: usize) -> Instance {
        Instance {
            loc,
            name,
            seq,
            state: None,
            interface: None,
            interface_loc: None,
            vrf: None,
            use_vmac: None,
            use_vmac_addr: false,
            vmac_xmit_base: false,
            use_ipvlan: None,
            native_ipv6: false,
            dont_track_primary: false,
            track: Tracking::default(),
            src_ip: None,
            mcast_dst_ip: None,
            track_src_ip: false,
            unicast_peers: Vec::new(),
            unicast_configured: false,
            unicast_fault_no_peer: false,
            check_unicast_src: false,
            old_unicast_checksum: None,
            v3_checksum_as_v2: None,
            virtual_router_id: None,
            unicast_ttl: None,
            version: None,
            priority: None,
            advert_int: AdvertInt::DEFAULT,
            authentication: None,
            family: None,
            virtual_ipaddress: Vec::new(),
            virtual_ipaddress_excluded: Vec::new(),
            no_virtual_ipaddress: false,
            promote_secondaries: false,
            virtual_routes: Vec::new(),
            virtual_rules: Vec::new(),
            accept: None,
            skip_check_adv_addr: None,
            strict_mode: None,
            nopreempt: false,
            preempt_delay: Micros(0),
            debug: 0,
            notify: Notify::default(),
            smtp_alert: None,
            notify_priority_changes: None,
            garp_master_delay: None,
            garp_master_repeat: None,
            garp_lower_prio_delay: None,
            garp_lower_prio_repeat: None,
            garp_master_refresh: None,
            garp_master_refresh_repeat: None,
            garp_extra_if: None,
            down_timer_adverts: None,
            lower_prio_no_advert: None,
            higher_prio_send_advert: None,
            thread_timer_expired: None,
            kernel_rx_buf_size: None,
            linkbeat_use_polling: false,
            lvs_sync_daemon_interface: None,
            sync_group: None,
        }
    }

    /// Whether the instance runs unicast: a unicast keyword and at least one peer.
    pub fn is_unicast(&self) -> bool {
        !self.unicast_peers.is_empty()
    }

    /// The effective family (IPv4 when nothing decided it).
    pub fn effective_family(&self) -> Family {
        self.family.unwrap_or(Family::Inet)
    }

    /// Adopt `f` as the instance family, or report a mismatch at `at`; false on mismatch.
    fn claim_family(&mut self, f: Family, at: &Token, what: &str, d: &mut Diagnostics) -> bool {
        match self.family {
            None => {
                self.family = Some(f);
                true
            }
            Some(g) if g == f => true,
            Some(_) => {
                d.error(
                    &at.loc,
                    format!(
                        "({}) {what} [{}] must be of the same family as the instance - skipping",
                        self.name, at.text
                    ),
                );
                false
            }
        }
    }
}

/// A MAC address with five or six octets (`use_vmac ... 02:00:5e:00:01[:xx]`).
fn parse_mac(s: &str) -> Option<([u8; 6], bool)> {
    let parts: Vec<&str> = s.trim_end_matches(':').split(':').collect();
    if !(5..=6).contains(&parts.len()) {
        return None;
    }
    let mut mac = [0u8; 6];
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        mac[i] = u8::from_str_radix(p, 16).ok()?;
    }
    Some((mac, parts.len() == 5))
}

/// keepalived's `dev_name_valid` (from the kernel): what an interface may be called.
pub fn dev_name_valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 16
        && name != "."
        && name != ".."
        && !name
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace())
}

/// Parse one `vrrp_instance` block.
pub fn parse_instance(node: &Node, seq: usize, d: &mut Diagnostics) -> Option<Instance> {
    if node.args.len() != 1 {
        d.error(&node.keyword.loc, "vrrp_instance must have a name");
        return None;
    }
    let name = node.args[0].text.clone();
    let mut v = Instance::new(name.clone(), node.keyword.loc.clone(), seq);
    if node.block.is_none() {
        d.error(
            &node.keyword.loc,
            "vrrp_instance must be followed by a '{' block",
        );
    }
    for c in node.children() {
        parse_keyword(c, &mut v, &name, d);
    }
    // vrrp_end_handler
    if v.unicast_configured && (v.use_vmac.is_some() || v.use_ipvlan.is_some()) {
        if v.interface.is_none() {
            d.error(&v.loc, format!("({name}): cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac"));
            v.use_vmac = None;
            v.use_ipvlan = None;
        } else if !v.vmac_xmit_base {
            d.error(
                &v.loc,
                format!("({name}) unicast with use_vmac requires vmac_xmit_base - setting"),
            );
            v.vmac_xmit_base = true;
        }
    }
    if v.unicast_peers.is_empty() && v.unicast_ttl.is_some() {
        d.error(
            &v.loc,
            format!("({name}): cannot use unicast_ttl without unicast peers - resetting"),
        );
        v.unicast_ttl = None;
    }
    Some(v)
}

fn opt_flag(node: &Node, owner: &str, d: &mut Diagnostics) -> Option<bool> {
    match node.args.first() {
        None => Some(true),
        Some(t) => match crate::model::values::true_false(&t.text) {
            Some(b) => Some(b),
            None => {
                d.error(
                    &t.loc,
                    format!("({owner}) invalid {} {} specified", node.name(), t.text),
                );
                None
            }
        },
    }
}

fn parse_keyword(c: &Node, v: &mut Instance, name: &str, d: &mut Diagnostics) {
    if v.track.parse(c, name, d) || v.notify.parse(c, name, d) {
        return;
    }
    match c.name() {
        "use_vmac" => {
            let mut vm = v.use_vmac.take().unwrap_or_default();
            for t in c.args.iter().take(2) {
                if t.text.contains(':') {
                    if vm.mac.is_some() {
                        d.error(&t.loc, "VMAC interface address already specified");
                        continue;
                    }
                    match parse_mac(&t.text) {
                        None => d.error(&t.loc, format!("VMAC invalid MAC address {} - ignored", t.text)),
                        Some((m, _)) if m[0] & 1 == 1 => {
                            d.error(&t.loc, format!("VMAC MAC address is multicast {} - ignoring", t.text))
                        }
                        Some((m, _)) if m[..4] == [0, 0, 0x5e, 0] && (m[4] == 1 || m[4] == 2) => d.error(
                            &t.loc,
                            format!("VMAC MAC address not allowed to be RFC5798 address ({}) - ignoring", t.text),
                        ),
                        Some((m, five)) => {
                            vm.mac = Some(m);
                            vm.mac_uses_vrid = five;
                        }
                    }
                } else if vm.ifname.is_some() {
                    d.error(&t.loc, "VMAC interface name already specified");
                } else if !dev_name_valid(&t.text) {
                    d.error(
                        &t.loc,
                        format!(
                            "VMAC interface name '{}' too long or invalid characters - ignoring",
                            t.text
                        ),
                    );
                } else {
                    vm.ifname = Some(t.text.clone());
                }
            }
            v.use_vmac = Some(vm);
        }
        "use_vmac_addr" => v.use_vmac_addr = true,
        "vmac_xmit_base" => v.vmac_xmit_base = true,
        "use_ipvlan" => {
            if v.use_ipvlan.is_some() {
                d.error(
                    &c.keyword.loc,
                    format!("({name}) use_ipvlan already specified"),
                );
                return;
            }
            let mut ip = Ipvlan::default();
            for t in &c.args {
                match t.text.as_str() {
                    "bridge" | "private" | "vepa" => {
                        if ip.mode.is_some() {
                            d.error(
                                &t.loc,
                                format!(
                                    "({name}) ipvlan type already specified - ignoring '{}'",
                                    t.text
                                ),
                            );
                        } else {
                            ip.mode = Some(t.text.clone());
                        }
                    }
                    s if crate::model::values::split_prefix(s).is_some() => {
                        if ip.addr.is_some() {
                            d.error(
                                &t.loc,
                                format!(
                                    "({name}) ipvlan address already specified - ignoring '{s}'"
                                ),
                            );
                        } else {
                            let (a, l) = crate::model::values::split_prefix(s)
                                .unwrap_or((IpAddr::from([0, 0, 0, 0]), None));
                            ip.addr = Some(crate::model::values::IpPrefix {
                                addr: a,
                                len: l
                                    .unwrap_or_else(|| crate::model::values::IpPrefix::max_len(&a)),
                            });
                        }
                    }
                    s => {
                        if ip.ifname.is_some() {
                            d.error(
                                &t.loc,
                                format!(
                                    "({name}) IPVLAN interface already specified - ignoring '{s}'"
                                ),
                            );
                        } else if !dev_name_valid(s) {
                            d.error(
                                &t.loc,
                                format!("({name}) IPVLAN interface name '{s}' too long - ignoring"),
                            );
                        } else {
                            ip.ifname = Some(s.to_string());
                        }
                    }
                }
            }
            v.use_ipvlan = Some(ip);
        }
        "unicast_peer" => {
            v.unicast_configured = true;
            for p in value_block(c, d) {
                parse_peer(p, v, name, d);
            }
        }
        "unicast_fault_no_peer" => {
            v.unicast_configured = true;
            v.unicast_fault_no_peer = true;
        }
        "check_unicast_src" => {
            v.unicast_configured = true;
            v.check_unicast_src = true;
        }
        "old_unicast_checksum" => {
            v.unicast_configured = true;
            match c.arg(0) {
                None => v.old_unicast_checksum = Some(OldChecksum::Always),
                Some("never") => v.old_unicast_checksum = Some(OldChecksum::Never),
                Some(o) => d.error(
                    &c.args[0].loc,
                    format!("({name}) unknown old_unicast_chksum mode {o} - ignoring"),
                ),
            }
        }
        "v3_checksum_as_v2" => {
            if let Some(b) = flag(c, d) {
                v.v3_checksum_as_v2 = Some(b);
            }
        }
        "native_ipv6" => {
            d.warning_hint(
                &c.keyword.loc,
                "'native_ipv6' is deprecated",
                "the virtual addresses decide the family",
            );
            if v.family == Some(Family::Inet) {
                d.error(
                    &c.keyword.loc,
                    format!("({name}) cannot specify native_ipv6 with IPv4 addresses"),
                );
            } else {
                v.family = Some(Family::Inet6);
                v.version = Some(3);
                v.native_ipv6 = true;
            }
        }
        "state" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            match t.text.as_str() {
                "MASTER" => v.state = Some(InitialState::Master),
                "BACKUP" => {
                    if v.state == Some(InitialState::Master) {
                        d.error(
                            &t.loc,
                            format!("({name}) state previously set as MASTER - ignoring BACKUP"),
                        );
                    } else {
                        v.state = Some(InitialState::Backup);
                    }
                }
                o => {
                    d.error_hint(
                        &t.loc,
                        format!("({name}) unknown state '{o}', defaulting to BACKUP"),
                        "use MASTER or BACKUP",
                    );
                    v.state = Some(InitialState::Backup);
                }
            }
        }
        "interface" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if t.text.len() >= 16 {
                d.error(
                    &t.loc,
                    format!("interface name '{}' too long - ignoring", t.text),
                );
                return;
            }
            v.interface = Some(t.text.clone());
            v.interface_loc = Some(t.loc.clone());
        }
        "vrf" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if t.text.len() >= 16 {
                d.error(
                    &t.loc,
                    format!(
                        "({name}) VRF interface name '{}' too long - ignoring",
                        t.text
                    ),
                );
            } else if v.vrf.is_some() {
                d.error(
                    &t.loc,
                    format!("({name}) VRF interface already specified - ignoring"),
                );
            } else {
                v.vrf = Some(t.text.clone());
            }
        }
        "dont_track_primary" => v.dont_track_primary = true,
        "mcast_src_ip" | "unicast_src_ip" => {
            if c.name() == "unicast_src_ip" {
                v.unicast_configured = true;
            }
            let Some(t) = need_arg(c, 0, d) else { return };
            match t.text.parse::<IpAddr>() {
                Err(_) => d.error(
                    &t.loc,
                    format!("({name}) malformed src address [{}] - skipping", t.text),
                ),
                Ok(a) => {
                    if v.claim_family(Family::of(&a), t, "src address", d) {
                        v.src_ip = Some(a);
                    }
                }
            }
        }
        "mcast_dst_ip" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            match t.text.parse::<IpAddr>() {
                Err(_) => d.error(
                    &t.loc,
                    format!(
                        "({name}) malformed mcast dest address {} - skipping",
                        t.text
                    ),
                ),
                Ok(a) => {
                    if !v.claim_family(Family::of(&a), t, "mcast dest address", d) {
                        return;
                    }
                    let ok = match a {
                        IpAddr::V4(a4) => a4.is_multicast(),
                        IpAddr::V6(a6) => a6.segments()[0] & 0xff0f == 0xff02,
                    };
                    if ok {
                        v.mcast_dst_ip = Some(a);
                    } else {
                        d.error(
                            &t.loc,
                            format!(
                                "({name}) mcast_dst_ip {} not{} multicast - skipping",
                                t.text,
                                if a.is_ipv6() { " link-local" } else { "" }
                            ),
                        );
                    }
                }
            }
        }
        "track_src_ip" => v.track_src_ip = true,
        "virtual_router_id" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(n) = parse_uint(t, 1, 255, d) {
                v.virtual_router_id = Some(n as u8);
            }
        }
        "unicast_ttl" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(n) = parse_uint(t, 0, 255, d) {
                v.unicast_ttl = Some(n as u8);
            }
        }
        "version" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            let Some(n) = parse_int(t, 2, 3, d) else {
                return;
            };
            let n = n as u8;
            if v.version.is_some_and(|o| o != n) || (n == 2 && v.family == Some(Family::Inet6)) {
                d.error(
                    &t.loc,
                    format!("({name}) vrrp_version {n} conflicts with configured or deduced version; ignoring"),
                );
            } else {
                v.version = Some(n);
            }
        }
        "priority" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(n) = parse_uint(t, 1, 255, d) {
                v.priority = Some(n as u8);
            }
        }
        "advert_int" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(us) = parse_decimal(t, TIMER_HZ / 100, 255 * TIMER_HZ, TIMER_HZ_DIGITS, d) {
                v.advert_int = AdvertInt(Micros(us));
            }
        }
        "authentication" => {
            let mut a = v.authentication.take().unwrap_or(Authentication {
                auth_type: None,
                auth_pass: None,
            });
            for k in value_block(c, d) {
                match k.name() {
                    "auth_type" => {
                        let Some(t) = need_arg(k, 0, d) else { continue };
                        match t.text.as_str() {
                            "PASS" => a.auth_type = Some(AuthType::Pass),
                            "AH" => a.auth_type = Some(AuthType::Ah),
                            o => d.error_hint(
                                &t.loc,
                                format!("({name}) unknown authentication type '{o}'"),
                                "use PASS or AH",
                            ),
                        }
                    }
                    "auth_pass" => {
                        let Some(t) = need_arg(k, 0, d) else { continue };
                        let mut p = t.text.clone();
                        if p.len() > 8 {
                            d.error(&t.loc, "truncating auth_pass to 8 characters");
                            let mut end = 8;
                            while !p.is_char_boundary(end) {
                                end -= 1;
                            }
                            p.truncate(end);
                        }
                        a.auth_pass = Some(p);
                    }
                    _ => d.unknown_keyword(
                        Severity::Error,
                        &k.keyword,
                        "authentication",
                        &["auth_type", "auth_pass"],
                    ),
                }
            }
            v.authentication = Some(a);
        }
        "virtual_ipaddress" => {
            for line in value_block(c, d) {
                if let Some(ip) = parse_address(line, false, d) {
                    let fam = ip.family();
                    if v.claim_family(
                        fam,
                        &line.keyword,
                        "address family must match VRRP instance; address",
                        d,
                    ) {
                        v.virtual_ipaddress.push(ip);
                    }
                }
            }
        }
        "virtual_ipaddress_excluded" => {
            for line in value_block(c, d) {
                if let Some(ip) = parse_address(line, false, d) {
                    v.virtual_ipaddress_excluded.push(ip);
                }
            }
        }
        "no_virtual_ipaddress" => v.no_virtual_ipaddress = true,
        "promote_secondaries" => v.promote_secondaries = true,
        "linkbeat_use_polling" => {
            d.error_hint(
                &c.keyword.loc,
                format!("({name}) 'linkbeat_use_polling' in vrrp instance deprecated"),
                "use a linkbeat_interfaces block",
            );
            v.linkbeat_use_polling = true;
        }
        "virtual_routes" => {
            for line in value_block(c, d) {
                if let Some(r) = parse_route(line, false, d) {
                    v.virtual_routes.push(r);
                }
            }
        }
        "virtual_rules" => {
            for line in value_block(c, d) {
                if let Some(r) = parse_rule(line, false, d) {
                    v.virtual_rules.push(r);
                }
            }
        }
        "accept" => v.accept = Some(true),
        "no_accept" => v.accept = Some(false),
        "skip_check_adv_addr" => {
            v.skip_check_adv_addr = opt_flag(c, name, d).or(v.skip_check_adv_addr)
        }
        "strict_mode" => v.strict_mode = opt_flag(c, name, d).or(v.strict_mode),
        "preempt" => v.nopreempt = false,
        "nopreempt" => v.nopreempt = true,
        "preempt_delay" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(us) = parse_decimal(t, 0, 1000 * TIMER_HZ, TIMER_HZ_DIGITS, d) {
                v.preempt_delay = Micros(us);
            }
        }
        "debug" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(n) = parse_uint(t, 0, 4, d) {
                v.debug = n as u8;
            }
        }
        "smtp_alert" => v.smtp_alert = opt_flag(c, name, d).or(v.smtp_alert),
        "notify_priority_changes" => {
            v.notify_priority_changes = opt_flag(c, name, d).or(v.notify_priority_changes)
        }
        "lvs_sync_daemon_interface" => {
            d.error_hint(
                &c.keyword.loc,
                format!(
                    "({name}) specifying lvs_sync_daemon_interface against a vrrp is deprecated"
                ),
                "use global lvs_sync_daemon",
            );
            v.lvs_sync_daemon_interface = need_arg(c, 0, d).map(|t| t.text.clone());
        }
        "garp_master_delay" | "garp_lower_prio_delay" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(s) = parse_secs(t, 0, u64::from(u32::MAX) / TIMER_HZ, d) {
                if c.name() == "garp_master_delay" {
                    v.garp_master_delay = Some(s);
                } else {
                    v.garp_lower_prio_delay = Some(s);
                }
            }
        }
        "garp_master_refresh" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(s) = parse_secs(t, 0, u64::from(u32::MAX), d) {
                v.garp_master_refresh = Some(s);
            }
        }
        "garp_master_repeat" | "garp_master_refresh_repeat" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(mut n) = parse_uint(t, 0, u64::from(u32::MAX), d) {
                if n == 0 {
                    d.error(
                        &t.loc,
                        format!(
                            "({name}): {} must be greater than 0, setting to 1",
                            c.name()
                        ),
                    );
                    n = 1;
                }
                if c.name() == "garp_master_repeat" {
                    v.garp_master_repeat = Some(n as u32);
                } else {
                    v.garp_master_refresh_repeat = Some(n as u32);
                }
            }
        }
        "garp_lower_prio_repeat" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(n) = parse_uint(t, 0, i32::MAX as u64, d) {
                v.garp_lower_prio_repeat = Some(n as u32);
            }
        }
        "down_timer_adverts" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            if let Some(n) = parse_uint(t, 1, 100, d) {
                v.down_timer_adverts = Some(n as u32);
            }
        }
        "garp_extra_if" | "vmac_garp_intvl" => {
            if c.name() == "vmac_garp_intvl" {
                d.error_hint(
                    &c.keyword.loc,
                    "keyword \"vmac_garp_intvl\" is deprecated",
                    "use 'garp_extra_if'",
                );
            }
            if let Some(g) = garp_extra_if(c, 0, d) {
                v.garp_extra_if = Some(g);
            }
        }
        "lower_prio_no_advert" => {
            v.lower_prio_no_advert = opt_flag(c, name, d).or(v.lower_prio_no_advert)
        }
        "higher_prio_send_advert" => {
            v.higher_prio_send_advert = opt_flag(c, name, d).or(v.higher_prio_send_advert)
        }
        "thread_timer_expired" => {
            v.thread_timer_expired = match c.args.first() {
                None => Some(254),
                Some(t) => parse_uint(t, 1, 254, d).map(|n| n as u8),
            }
        }
        "kernel_rx_buf_size" => {
            let Some(t) = need_arg(c, 0, d) else { return };
            match parse_uint(t, 0, u64::from(u32::MAX), d) {
                Some(n) => v.kernel_rx_buf_size = Some(n as u32),
                None => d.error(
                    &t.loc,
                    format!("({name}) invalid kernel_rx_buf_size specified"),
                ),
            }
        }
        _ => d.unknown_keyword(
            Severity::Error,
            &c.keyword,
            "vrrp_instance",
            INSTANCE_KEYWORDS,
        ),
    }
}

fn parse_peer(p: &Node, v: &mut Instance, name: &str, d: &mut Diagnostics) {
    let Ok(addr) = p.keyword.text.parse::<IpAddr>() else {
        d.error(
            &p.keyword.loc,
            format!(
                "({name}) malformed unicast peer address [{}] - skipping",
                p.keyword.text
            ),
        );
        return;
    };
    if !v.claim_family(Family::of(&addr), &p.keyword, "unicast peer address", d) {
        return;
    }
    let mut peer = UnicastPeer {
        loc: p.keyword.loc.clone(),
        addr,
        min_ttl: 0,
        max_ttl: 255,
    };
    let mut i = 0;
    while i < p.args.len() {
        let k = &p.args[i];
        let Some(val) = p.args.get(i + 1) else {
            d.error(&k.loc, format!("({name}) {} is missing a value", k.text));
            break;
        };
        if let Some(n) = parse_uint(val, 0, 255, d) {
            match k.text.as_str() {
                "min_ttl" => peer.min_ttl = n as u8,
                "max_ttl" => peer.max_ttl = n as u8,
                o => {
                    d.error(&k.loc, format!("({name}) unknown unicast_peer option {o}"));
                    break;
                }
            }
            v.check_unicast_src = true;
        }
        i += 2;
    }
    if peer.min_ttl > peer.max_ttl {
        d.error(
            &peer.loc,
            format!(
                "({name}) min_ttl {} > max_ttl {} - all packets will be discarded",
                peer.min_ttl, peer.max_ttl
            ),
        );
    }
    v.unicast_peers.push(peer);
}
