//! From `keepalived.conf` (as [`keepalive_confparse`] types it) to the reconciler's desired
//! table: `virtual_server` / `virtual_server_group` / `real_server` / `sorry_server` blocks and
//! the global `lvs_timeouts`, `lvs_sync_daemon`, `lvs_flush`, `lvs_flush_on_stop`.
//!
//! The mapping follows what keepalived 2.2.7 sends to the kernel (`ipvs_set_srule`,
//! `ipvs_set_drule`, `ipvs_cmd` and `ipvs_group_cmd` in `check/ipvswrapper.c`), so the same
//! configuration yields the same IPVS table:
//!
//! * one kernel service per `virtual_server IP PORT` / `fwmark N`, and one per address of each
//!   `virtual_server_group` entry (ranges and CIDR blocks expanded) plus one per group `fwmark`;
//! * a real server's port is its own only with `lvs_method NAT`; DR and TUN use the service's
//!   port (0 for a mark);
//! * `persistence_granularity` and `persistence_engine` reach the kernel only on a persistent
//!   service (`persistence_timeout`, which `persistence_granularity` alone sets to 360 s);
//! * real servers carry their configured `weight`. Whether a real server is installed at all,
//!   or installed with weight 0 (`inhibit_on_failure`), and when the `sorry_server` replaces
//!   them, is the checker pool's decision as its checkers report: it edits the specs returned
//!   here before building a [`Desired`](crate::reconcile::Desired).
//!
//! Expects a configuration that went through [`keepalive_confparse`]'s `finish` (as
//! `load::load_str`/`load::load` do): inherited defaults are then resolved. Missing defaults
//! are still filled as keepalived would (scheduler `wlc`, method NAT, family IPv4).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use keepalive_confparse::model::global::{GlobalDefs, LvsFlushOnStop};
use keepalive_confparse::model::lvs::{
    self, Family, Forwarding, Granularity, GroupEntry, SchedFlags, VirtualServer,
    VirtualServerGroup, VsAddress,
};
use keepalive_confparse::model::Config;
use keepalive_confparse::token::Loc;

use crate::nl::constants::IP_VS_PENAME_MAXLEN;
use crate::reconcile::{
    FlushOnStop, LvsSettings, RealServerSpec, SyncDaemonSpec, VirtualServerSpec,
};
use crate::types::{
    AddressFamily, ForwardMethod, Protocol, ServiceFlags, ServiceKey, TimeoutUpdate, Tunnel,
    TunnelFlags, TunnelType,
};

/// Most kernel services one `virtual_server_group` address entry may expand to: an IPv6 range
/// can never exceed it (keepalived steps only the last 16-bit group), and an IPv4 block larger
/// than a /16 is almost certainly a typo that would otherwise create millions of services.
pub const MAX_RANGE_SERVICES: u64 = 65_536;

/// Why a `virtual_server` cannot be expressed as kernel services. Each names the virtual
/// server as keepalived prints it and where its block starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// An address-based service without `protocol` (the parser's `finish` defaults it to UDP;
    /// seen only on a configuration that skipped it).
    #[error("{at}: virtual server {vs} has no protocol")]
    MissingProtocol {
        /// The virtual server.
        vs: String,
        /// `file:line` of its block.
        at: String,
    },
    /// `virtual_server group NAME` naming no `virtual_server_group`.
    #[error("{at}: virtual server {vs} names unknown virtual_server_group {group}")]
    UnknownGroup {
        /// The virtual server.
        vs: String,
        /// `file:line` of its block.
        at: String,
        /// The missing group.
        group: String,
    },
    /// A group address entry that expands to more than [`MAX_RANGE_SERVICES`] services.
    #[error("{at}: virtual server {vs}: group entry {first}-{last} expands to {count} services (at most {MAX_RANGE_SERVICES})")]
    RangeTooLarge {
        /// The virtual server.
        vs: String,
        /// `file:line` of the group entry.
        at: String,
        /// First address.
        first: IpAddr,
        /// Last address.
        last: IpAddr,
        /// How many services it would create.
        count: u64,
    },
    /// `persistence_granularity` of one family on a service of the other (e.g. an IPv4 netmask
    /// on the IPv6 half of a mixed group): the kernel would refuse the netmask.
    #[error(
        "{at}: virtual server {vs}: persistence_granularity {granularity} does not fit {service}"
    )]
    GranularityFamily {
        /// The virtual server.
        vs: String,
        /// `file:line` of its block.
        at: String,
        /// The granularity as written.
        granularity: String,
        /// The kernel service it would apply to.
        service: ServiceKey,
    },
    /// `persistence_engine` longer than the kernel's `IP_VS_PENAME_MAXLEN - 1`.
    #[error("{at}: virtual server {vs}: persistence_engine {name:?} is too long")]
    PeNameTooLong {
        /// The virtual server.
        vs: String,
        /// `file:line` of its block.
        at: String,
        /// The name.
        name: String,
    },
    /// A real server `weight` above the kernel's `INT_MAX`.
    #[error("{at}: virtual server {vs}: real server {addr} weight {weight} exceeds {max}", max = i32::MAX)]
    WeightTooLarge {
        /// The virtual server.
        vs: String,
        /// `file:line` of the real server's block.
        at: String,
        /// The real server.
        addr: IpAddr,
        /// The weight.
        weight: u32,
    },
}

/// The `sorry_server` of one kernel service: the pool installs `server` into the service
/// `key` when every real server is down (keepalived's `quorum` logic), and with
/// `sorry_server_inhibit` keeps it installed at weight 0 otherwise instead of removing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SorryServerSpec {
    /// The kernel service it belongs to (one per expanded group entry).
    pub key: ServiceKey,
    /// The destination, weight 1 as keepalived gives it.
    pub server: RealServerSpec,
    /// `sorry_server_inhibit`.
    pub inhibit: bool,
}

/// Every `virtual_server` of `cfg` as kernel services, in file order (group entries in their
/// order, ranges ascending), each with all its configured real servers at their configured
/// weight and no sorry server.
pub fn virtual_servers(cfg: &Config) -> Result<Vec<VirtualServerSpec>, MapError> {
    let mut out = Vec::new();
    for vs in &cfg.lvs.virtual_servers {
        out.extend(virtual_server(vs, &cfg.lvs.groups)?);
    }
    Ok(out)
}

/// One `virtual_server` block as its kernel services (several for a group). `groups` are the
/// configuration's `virtual_server_group`s; the first of a name wins, as in keepalived.
pub fn virtual_server(
    vs: &VirtualServer,
    groups: &[VirtualServerGroup],
) -> Result<Vec<VirtualServerSpec>, MapError> {
    let service = ServiceTemplate::of(vs)?;
    let targets = targets(vs, groups)?;
    let mut specs = Vec::with_capacity(targets.len());
    for t in targets {
        let key = t.key;
        let mut spec = service.spec(vs, key)?;
        for rs in &vs.real_servers {
            let fwd = rs.forwarding.or(vs.forwarding).unwrap_or(Forwarding::Nat);
            let weight = rs.weight.unwrap_or(vs.weight);
            let weight = i32::try_from(weight).map_err(|_| MapError::WeightTooLarge {
                vs: vs.describe(),
                at: file_line(&rs.loc),
                addr: rs.addr,
                weight,
            })?;
            spec.reals.push(RealServerSpec {
                addr: rs.addr,
                port: dest_port(&fwd, rs.port.or(t.nat_default), t.rs_port),
                fwd: forward_method(&fwd),
                weight,
                u_threshold: rs.uthreshold.unwrap_or(0),
                l_threshold: rs.lthreshold.unwrap_or(0),
            });
        }
        specs.push(spec);
    }
    Ok(specs)
}

/// The `sorry_server` of `vs` for each of its kernel services (empty without one).
pub fn sorry_servers(
    vs: &VirtualServer,
    groups: &[VirtualServerGroup],
) -> Result<Vec<SorryServerSpec>, MapError> {
    let Some(s) = &vs.sorry_server else {
        return Ok(Vec::new());
    };
    let fwd = s.forwarding.or(vs.forwarding).unwrap_or(Forwarding::Nat);
    Ok(targets(vs, groups)?
        .into_iter()
        .map(|t| SorryServerSpec {
            key: t.key,
            server: RealServerSpec {
                addr: s.addr,
                port: dest_port(&fwd, s.port, t.rs_port),
                fwd: forward_method(&fwd),
                weight: 1,
                u_threshold: 0,
                l_threshold: 0,
            },
            inhibit: s.inhibit,
        })
        .collect())
}

/// `lvs_timeouts`: `None` when nothing is to change. A value of 0 leaves that timeout as it
/// is (the kernel's `ip_vs_set_timeout` ignores zeros), so it maps to `None` too.
pub fn timeouts(g: &GlobalDefs) -> Option<TimeoutUpdate> {
    let nz = |v: Option<u32>| v.filter(|&s| s != 0);
    let t = TimeoutUpdate {
        tcp: nz(g.lvs_timeouts.tcp),
        tcp_fin: nz(g.lvs_timeouts.tcpfin),
        udp: nz(g.lvs_timeouts.udp),
    };
    (t != TimeoutUpdate::default()).then_some(t)
}

/// `lvs_flush`, `lvs_flush_on_stop [VS]` and `lvs_timeouts`, for
/// [`Reconciler::new`](crate::reconcile::Reconciler::new).
pub fn lvs_settings(g: &GlobalDefs) -> LvsSettings {
    LvsSettings {
        flush: g.lvs_flush,
        flush_on_stop: match g.lvs_flush_on_stop {
            None => FlushOnStop::No,
            Some(LvsFlushOnStop::All) => FlushOnStop::All,
            Some(LvsFlushOnStop::Vs) => FlushOnStop::VsOnly,
        },
        timeouts: timeouts(g),
    }
}

/// `lvs_sync_daemon IF [inst NAME] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`, or, when
/// absent, the deprecated `lvs_sync_daemon_interface` of the first `vrrp_instance` that sets
/// one (keepalived takes the first it reads; `global_defs` normally comes first).
///
/// The sync id defaults to the instance's `virtual_router_id`, and to 0 without an instance
/// (keepalived's `vrrp_complete_init`). An instance name that matches no `vrrp_instance` gives
/// `None`: keepalived clears the whole setting then.
pub fn sync_daemon(cfg: &Config) -> Option<SyncDaemonSpec> {
    let find = |name: &str| cfg.vrrp.instances.iter().find(|i| i.name == name);
    if let Some(s) = &cfg.global.lvs_sync_daemon {
        let vrid = match &s.instance {
            Some(name) => Some(find(name)?.virtual_router_id.unwrap_or(0)),
            None => None,
        };
        return Some(SyncDaemonSpec {
            ifname: s.interface.clone(),
            vrrp_instance: s.instance.clone(),
            sync_id: u32::from(s.id.or(vrid).unwrap_or(0)),
            maxlen: s.maxlen,
            port: s.port,
            ttl: s.ttl,
            group: s.group,
        });
    }
    let inst = cfg
        .vrrp
        .instances
        .iter()
        .find(|i| i.lvs_sync_daemon_interface.is_some())?;
    Some(SyncDaemonSpec {
        ifname: inst.lvs_sync_daemon_interface.clone()?,
        vrrp_instance: Some(inst.name.clone()),
        sync_id: u32::from(inst.virtual_router_id.unwrap_or(0)),
        maxlen: None,
        port: None,
        ttl: None,
        group: None,
    })
}

/// `file:line` of a block, as errors cite it.
fn file_line(loc: &Loc) -> String {
    format!("{}:{}", loc.file, loc.line)
}

/// The parts of a service common to every key of one block.
struct ServiceTemplate {
    scheduler: String,
    flags: ServiceFlags,
    timeout: u32,
    granularity: Option<Granularity>,
    pe_name: Option<String>,
}

impl ServiceTemplate {
    fn of(vs: &VirtualServer) -> Result<Self, MapError> {
        let scheduler = vs
            .scheduler
            .unwrap_or(lvs::Scheduler::Wlc)
            .name()
            .to_string();
        let mut flags = sched_flags(&vs.sched_flags);
        // keepalived: `if (vs->persistence_timeout)` gates the flag, the granularity and the
        // engine together.
        let timeout = vs.persistence_timeout.unwrap_or(0);
        let persistent = timeout != 0;
        if persistent {
            flags = flags | ServiceFlags::PERSISTENT;
        }
        let pe_name = vs
            .persistence_engine
            .clone()
            .filter(|p| persistent && !p.is_empty());
        if let Some(p) = &pe_name {
            if p.len() >= IP_VS_PENAME_MAXLEN {
                return Err(MapError::PeNameTooLong {
                    vs: vs.describe(),
                    at: file_line(&vs.loc),
                    name: p.clone(),
                });
            }
        }
        Ok(ServiceTemplate {
            scheduler,
            flags,
            timeout,
            granularity: vs.persistence_granularity.filter(|_| persistent),
            pe_name,
        })
    }

    fn spec(&self, vs: &VirtualServer, key: ServiceKey) -> Result<VirtualServerSpec, MapError> {
        let netmask = match (self.granularity, key.af()) {
            (None, _) => None,
            (Some(Granularity::Inet(m)), AddressFamily::Inet) => Some(u32::from(m)),
            (Some(Granularity::Inet6(p)), AddressFamily::Inet6) => Some(u32::from(p)),
            (Some(g), _) => {
                return Err(MapError::GranularityFamily {
                    vs: vs.describe(),
                    at: file_line(&vs.loc),
                    granularity: match g {
                        Granularity::Inet(m) => m.to_string(),
                        Granularity::Inet6(p) => p.to_string(),
                    },
                    service: key,
                })
            }
        };
        Ok(VirtualServerSpec {
            key,
            scheduler: self.scheduler.clone(),
            flags: self.flags,
            timeout: self.timeout,
            netmask,
            pe_name: self.pe_name.clone(),
            reals: Vec::with_capacity(vs.real_servers.len()),
        })
    }
}

/// `flag-1..3`, `sh-*`, `mh-*` (aliases of SCHED1/SCHED2) and `ops`.
fn sched_flags(f: &SchedFlags) -> ServiceFlags {
    let mut out = ServiceFlags::default();
    for (set, bit) in [
        (f.ops, ServiceFlags::ONEPACKET),
        (f.flag_1, ServiceFlags::SCHED1),
        (f.flag_2, ServiceFlags::SCHED2),
        (f.flag_3, ServiceFlags::SCHED3),
        (f.sh_fallback, ServiceFlags::SH_FALLBACK),
        (f.sh_port, ServiceFlags::SH_PORT),
        (f.mh_fallback, ServiceFlags::MH_FALLBACK),
        (f.mh_port, ServiceFlags::MH_PORT),
    ] {
        if set {
            out = out | bit;
        }
    }
    out
}

/// `lvs_method` with its tunnel options (also what keepalive-checkers' real servers carry).
pub fn forward_method(f: &Forwarding) -> ForwardMethod {
    match f {
        Forwarding::Nat => ForwardMethod::Masq,
        Forwarding::Dr => ForwardMethod::Route,
        Forwarding::Tun(t) => {
            let (kind, port) = match t.kind {
                lvs::TunnelType::Ipip => (TunnelType::Ipip, 0),
                lvs::TunnelType::Gue { port } => (TunnelType::Gue, port),
                lvs::TunnelType::Gre => (TunnelType::Gre, 0),
            };
            let flags = match t.checksum {
                lvs::TunnelChecksum::Nocsum => TunnelFlags::NOCSUM,
                lvs::TunnelChecksum::Csum => TunnelFlags::CSUM,
                lvs::TunnelChecksum::Remcsum => TunnelFlags::REMCSUM,
            };
            ForwardMethod::Tunnel(Tunnel { kind, port, flags })
        }
    }
}

/// A real (or sorry) server's port in one service: its own with NAT (0 when unset), the
/// service's otherwise (`ipvs_cmd`, `ipvs_group_cmd`).
fn dest_port(fwd: &Forwarding, own: Option<u16>, service_port: u16) -> u16 {
    match fwd {
        Forwarding::Nat => own.unwrap_or(0),
        _ => service_port,
    }
}

/// One kernel service of a block and the port non-NAT destinations take in it.
struct Target {
    key: ServiceKey,
    rs_port: u16,
    /// The port a NAT real server without one gets: the service's on a plain address service
    /// (keepalived's `validate_check_config`; the sorry server is not given one).
    nat_default: Option<u16>,
}

fn family(f: Family) -> AddressFamily {
    match f {
        Family::Inet => AddressFamily::Inet,
        Family::Inet6 => AddressFamily::Inet6,
    }
}

fn protocol(vs: &VirtualServer) -> Result<Protocol, MapError> {
    match vs.protocol {
        Some(lvs::Protocol::Tcp) => Ok(Protocol::Tcp),
        Some(lvs::Protocol::Udp) => Ok(Protocol::Udp),
        Some(lvs::Protocol::Sctp) => Ok(Protocol::Sctp),
        None => Err(MapError::MissingProtocol {
            vs: vs.describe(),
            at: file_line(&vs.loc),
        }),
    }
}

/// The kernel services of a block.
fn targets(vs: &VirtualServer, groups: &[VirtualServerGroup]) -> Result<Vec<Target>, MapError> {
    match &vs.address {
        VsAddress::Ip { addr, port } => {
            let port = port.unwrap_or(0);
            Ok(vec![Target {
                key: ServiceKey::Addr {
                    protocol: protocol(vs)?,
                    addr: *addr,
                    port,
                },
                rs_port: port,
                nat_default: Some(port),
            }])
        }
        VsAddress::Fwmark { mark } => Ok(vec![Target {
            key: ServiceKey::Fwmark {
                // keepalived's vs_end_handler defaults an undecidable family to IPv4.
                af: family(vs.family.unwrap_or(Family::Inet)),
                mark: *mark,
            },
            rs_port: 0,
            nat_default: None,
        }]),
        VsAddress::Group { name } => {
            let g =
                groups
                    .iter()
                    .find(|g| &g.name == name)
                    .ok_or_else(|| MapError::UnknownGroup {
                        vs: vs.describe(),
                        at: file_line(&vs.loc),
                        group: name.clone(),
                    })?;
            group_targets(vs, g)
        }
    }
}

/// `ipvs_group_cmd`: every address entry (each range stepped through), then every mark.
fn group_targets(vs: &VirtualServer, g: &VirtualServerGroup) -> Result<Vec<Target>, MapError> {
    let mut out = Vec::new();
    for e in &g.entries {
        let GroupEntry::Range {
            first,
            last,
            port,
            loc,
        } = e
        else {
            continue;
        };
        let proto = protocol(vs)?;
        let port = port.unwrap_or(0);
        let addrs = expand_range(*first, *last).ok_or_else(|| MapError::RangeTooLarge {
            vs: vs.describe(),
            at: file_line(loc),
            first: *first,
            last: *last,
            count: range_len(*first, *last),
        })?;
        out.extend(addrs.into_iter().map(|addr| Target {
            key: ServiceKey::Addr {
                protocol: proto,
                addr,
                port,
            },
            rs_port: port,
            nat_default: None,
        }));
    }
    for e in &g.entries {
        if let GroupEntry::Fwmark {
            mark, family: f, ..
        } = e
        {
            let af = f.or(vs.family).unwrap_or(Family::Inet);
            out.push(Target {
                key: ServiceKey::Fwmark {
                    af: family(af),
                    mark: *mark,
                },
                rs_port: 0,
                nat_default: None,
            });
        }
    }
    Ok(out)
}

/// How many services `ipvs_group_range_cmd` creates for `first..=last`.
fn range_len(first: IpAddr, last: IpAddr) -> u64 {
    match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            u64::from(u32::from(b)).saturating_sub(u64::from(u32::from(a))) + 1
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let (s, e) = (a.segments()[7], b.segments()[7]);
            u64::from(e.wrapping_sub(s)) + 1
        }
        _ => 1,
    }
}

/// The addresses keepalived's `ipvs_group_range_cmd` walks: an IPv4 range counts up the whole
/// address; an IPv6 range steps only the last 16-bit group of `first`, wrapping at 0xffff,
/// until it equals the last group of `last` (so `2001:db8::/112` is 65,536 services, and the
/// upper groups of `last` are never used). `None` if that exceeds [`MAX_RANGE_SERVICES`].
fn expand_range(first: IpAddr, last: IpAddr) -> Option<Vec<IpAddr>> {
    if range_len(first, last) > MAX_RANGE_SERVICES {
        return None;
    }
    Some(match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (u32::from(a)..=u32::from(b))
            .map(|v| IpAddr::V4(Ipv4Addr::from(v)))
            .collect(),
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mut seg = a.segments();
            let end = b.segments()[7];
            let mut out = Vec::new();
            loop {
                out.push(IpAddr::V6(Ipv6Addr::from(seg)));
                if seg[7] == end {
                    break;
                }
                seg[7] = seg[7].wrapping_add(1);
            }
            out
        }
        // The parser rejects mixed-family ranges; keep the start address alone.
        _ => vec![first],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_ranges_cross_octets() {
        let r = expand_range(v4("192.0.2.254"), v4("192.0.3.1")).unwrap();
        assert_eq!(
            r,
            vec![
                v4("192.0.2.254"),
                v4("192.0.2.255"),
                v4("192.0.3.0"),
                v4("192.0.3.1")
            ]
        );
    }

    #[test]
    fn ipv6_ranges_step_the_last_group_only() {
        let r = expand_range(v4("2001:db8::1:fffe"), v4("2001:db8::2:1")).unwrap();
        assert_eq!(
            r,
            vec![
                v4("2001:db8::1:fffe"),
                v4("2001:db8::1:ffff"),
                v4("2001:db8::1:0"),
                v4("2001:db8::1:1")
            ]
        );
        let slash112 = expand_range(v4("2001:db8::"), v4("2001:db8::ffff")).unwrap();
        assert_eq!(slash112.len(), 65_536);
    }

    #[test]
    fn huge_ipv4_blocks_are_refused() {
        assert!(expand_range(v4("192.0.0.0"), v4("192.1.255.255")).is_none());
        assert_eq!(
            expand_range(v4("192.0.0.0"), v4("192.0.255.255"))
                .unwrap()
                .len(),
            65_536
        );
    }

    #[test]
    fn nat_keeps_its_own_port_others_take_the_service_port() {
        assert_eq!(dest_port(&Forwarding::Nat, Some(8080), 80), 8080);
        assert_eq!(dest_port(&Forwarding::Nat, None, 80), 0);
        assert_eq!(dest_port(&Forwarding::Dr, Some(8080), 80), 80);
    }
}
