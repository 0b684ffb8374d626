//! Typed IPVS values: what a caller means, converted to and from the attribute lists of
//! [`crate::nl`].
//!
//! A service is identified by its [`ServiceKey`] (the kernel's lookup key: af + protocol +
//! address + port, or af + fwmark); everything else in [`ServiceConfig`] can be edited in place
//! with `IPVS_CMD_SET_SERVICE`. A destination is identified inside its service by address and
//! port ([`DestKey`]); every other field of [`DestConfig`] can be edited with `IPVS_CMD_SET_DEST`.

use crate::nl::constants::*;
use crate::nl::{DaemonNla, DestNla, InetAddr, StatsNla, SvcFlags, SvcNla};
use std::fmt;
use std::net::IpAddr;

/// Address family of a service or destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressFamily {
    /// `AF_INET`.
    Inet,
    /// `AF_INET6`.
    Inet6,
}

impl AddressFamily {
    /// The `AF_*` number.
    pub fn raw(self) -> u16 {
        match self {
            AddressFamily::Inet => AF_INET,
            AddressFamily::Inet6 => AF_INET6,
        }
    }

    /// From an `AF_*` number; `None` for anything but inet/inet6.
    pub fn from_raw(v: u16) -> Option<Self> {
        match v {
            AF_INET => Some(AddressFamily::Inet),
            AF_INET6 => Some(AddressFamily::Inet6),
            _ => None,
        }
    }

    /// The family of `ip`.
    pub fn of(ip: &IpAddr) -> Self {
        match ip {
            IpAddr::V4(_) => AddressFamily::Inet,
            IpAddr::V6(_) => AddressFamily::Inet6,
        }
    }
}

/// Transport protocol of a service (`IPVS_SVC_ATTR_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// IPPROTO_TCP (6).
    Tcp,
    /// IPPROTO_UDP (17).
    Udp,
    /// IPPROTO_SCTP (132).
    Sctp,
    /// Any other protocol number (the kernel refuses them, but a dump must still decode).
    Other(u16),
}

impl Protocol {
    /// The IP protocol number.
    pub fn raw(self) -> u16 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Sctp => 132,
            Protocol::Other(v) => v,
        }
    }

    /// From an IP protocol number.
    pub fn from_raw(v: u16) -> Self {
        match v {
            6 => Protocol::Tcp,
            17 => Protocol::Udp,
            132 => Protocol::Sctp,
            v => Protocol::Other(v),
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::Tcp => f.write_str("TCP"),
            Protocol::Udp => f.write_str("UDP"),
            Protocol::Sctp => f.write_str("SCTP"),
            Protocol::Other(v) => write!(f, "proto{v}"),
        }
    }
}

/// The kernel's lookup key of a virtual service: none of these fields can be changed by
/// `IPVS_CMD_SET_SERVICE`; a different key is a different service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceKey {
    /// `virtual_server IP PORT` with `protocol`.
    Addr {
        /// Transport protocol.
        protocol: Protocol,
        /// Virtual address; its family is the service's.
        addr: IpAddr,
        /// Virtual port (0 with persistence = all ports).
        port: u16,
    },
    /// `virtual_server fwmark N`.
    Fwmark {
        /// Family of the service (a mark can exist once per family).
        af: AddressFamily,
        /// Firewall mark.
        mark: u32,
    },
}

impl ServiceKey {
    /// Address family of the service.
    pub fn af(&self) -> AddressFamily {
        match self {
            ServiceKey::Addr { addr, .. } => AddressFamily::of(addr),
            ServiceKey::Fwmark { af, .. } => *af,
        }
    }

    /// The attributes that identify the service in a request (`ip_vs_genl_parse_service`).
    pub fn to_nlas(&self) -> Vec<SvcNla> {
        match *self {
            ServiceKey::Addr {
                protocol,
                addr,
                port,
            } => vec![
                SvcNla::Af(AddressFamily::of(&addr).raw()),
                SvcNla::Protocol(protocol.raw()),
                SvcNla::Addr(InetAddr::from(addr)),
                SvcNla::Port(port),
            ],
            ServiceKey::Fwmark { af, mark } => vec![SvcNla::Af(af.raw()), SvcNla::Fwmark(mark)],
        }
    }

    /// Reads the key out of service attributes; `None` when the af or the address/fwmark is
    /// missing. A non-zero fwmark wins, as in the kernel.
    pub fn from_nlas(nlas: &[SvcNla]) -> Option<Self> {
        let (mut af, mut proto, mut addr, mut port, mut mark) = (None, None, None, None, None);
        for nla in nlas {
            match nla {
                SvcNla::Af(v) => af = Some(*v),
                SvcNla::Protocol(v) => proto = Some(*v),
                SvcNla::Addr(a) => addr = Some(*a),
                SvcNla::Port(p) => port = Some(*p),
                SvcNla::Fwmark(m) => mark = Some(*m),
                _ => {}
            }
        }
        let af = AddressFamily::from_raw(af?)?;
        match mark {
            Some(mark) if mark != 0 => Some(ServiceKey::Fwmark { af, mark }),
            _ => Some(ServiceKey::Addr {
                protocol: Protocol::from_raw(proto?),
                addr: addr?.to_ip(af.raw()),
                port: port?,
            }),
        }
    }
}

impl fmt::Display for ServiceKey {
    /// ipvsadm's spelling: `TCP 192.0.2.1:80`, `TCP [2001:db8::1]:80`, `FWM 7` (`FWM 7 IPv6`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServiceKey::Addr {
                protocol,
                addr: IpAddr::V6(a),
                port,
            } => write!(f, "{protocol} [{a}]:{port}"),
            ServiceKey::Addr {
                protocol,
                addr,
                port,
            } => write!(f, "{protocol} {addr}:{port}"),
            ServiceKey::Fwmark {
                af: AddressFamily::Inet,
                mark,
            } => write!(f, "FWM {mark}"),
            ServiceKey::Fwmark {
                af: AddressFamily::Inet6,
                mark,
            } => write!(f, "FWM {mark} IPv6"),
        }
    }
}

/// `IP_VS_SVC_F_*` service flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct ServiceFlags(pub u32);

impl ServiceFlags {
    /// `persistence_timeout` set: connections from one client stick to one real server.
    pub const PERSISTENT: ServiceFlags = ServiceFlags(IP_VS_SVC_F_PERSISTENT);
    /// Set by the kernel on every service in its hash table; never meaningful from user space.
    pub const HASHED: ServiceFlags = ServiceFlags(IP_VS_SVC_F_HASHED);
    /// `ops`: one-packet scheduling (UDP).
    pub const ONEPACKET: ServiceFlags = ServiceFlags(IP_VS_SVC_F_ONEPACKET);
    /// Scheduler flag 1.
    pub const SCHED1: ServiceFlags = ServiceFlags(IP_VS_SVC_F_SCHED1);
    /// Scheduler flag 2.
    pub const SCHED2: ServiceFlags = ServiceFlags(IP_VS_SVC_F_SCHED2);
    /// Scheduler flag 3.
    pub const SCHED3: ServiceFlags = ServiceFlags(IP_VS_SVC_F_SCHED3);
    /// `sh-fallback` (`lvs_sched sh` + `flag-1`).
    pub const SH_FALLBACK: ServiceFlags = Self::SCHED1;
    /// `sh-port` (`flag-2`).
    pub const SH_PORT: ServiceFlags = Self::SCHED2;
    /// `mh-fallback` (`lvs_sched mh` + `flag-1`; `IP_VS_SVC_F_SCHED_MH_FALLBACK` in the kernel).
    pub const MH_FALLBACK: ServiceFlags = Self::SCHED1;
    /// `mh-port` (`flag-2`).
    pub const MH_PORT: ServiceFlags = Self::SCHED2;
    /// Every bit user space may set.
    pub const USER_MASK: ServiceFlags = ServiceFlags(
        IP_VS_SVC_F_PERSISTENT
            | IP_VS_SVC_F_ONEPACKET
            | IP_VS_SVC_F_SCHED1
            | IP_VS_SVC_F_SCHED2
            | IP_VS_SVC_F_SCHED3,
    );

    /// True if every bit of `other` is set.
    pub fn contains(self, other: ServiceFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The bits a user can set (drops `HASHED` and unknown bits), as compared by the reconciler.
    pub fn user(self) -> ServiceFlags {
        ServiceFlags(self.0 & Self::USER_MASK.0)
    }
}

impl std::ops::BitOr for ServiceFlags {
    type Output = ServiceFlags;
    fn bitor(self, rhs: ServiceFlags) -> ServiceFlags {
        ServiceFlags(self.0 | rhs.0)
    }
}

/// Everything user space sets on a virtual service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceConfig {
    /// Lookup key (not editable).
    pub key: ServiceKey,
    /// `lvs_sched`: scheduler module name without `ip_vs_` (rr, wrr, lc, wlc, lblc, lblcr, dh,
    /// sh, sed, nq, fo, ovf, mh, twos).
    pub scheduler: String,
    /// `IP_VS_SVC_F_*`.
    pub flags: ServiceFlags,
    /// `persistence_timeout`, seconds.
    pub timeout: u32,
    /// `persistence_granularity`: an IPv4 mask as a host-order u32 (`0xffffff00` for /24), or an
    /// IPv6 prefix length (1..=128).
    pub netmask: u32,
    /// `persistence_engine`, e.g. `sip`.
    pub pe_name: Option<String>,
}

impl ServiceConfig {
    /// A service with the kernel's defaults: no flags, no persistence, full netmask.
    pub fn new(key: ServiceKey, scheduler: impl Into<String>) -> Self {
        ServiceConfig {
            key,
            scheduler: scheduler.into(),
            flags: ServiceFlags::default(),
            timeout: 0,
            netmask: default_netmask(key.af()),
            pe_name: None,
        }
    }

    /// The full attribute set `IPVS_CMD_NEW_SERVICE`/`SET_SERVICE` require (the kernel refuses a
    /// "full entry" without scheduler, flags, timeout and netmask).
    pub fn to_nlas(&self) -> Vec<SvcNla> {
        let mut nlas = self.key.to_nlas();
        nlas.push(SvcNla::SchedName(self.scheduler.clone()));
        if let Some(pe) = &self.pe_name {
            nlas.push(SvcNla::PeName(pe.clone()));
        }
        nlas.push(SvcNla::Flags(SvcFlags {
            flags: self.flags.0,
            mask: u32::MAX,
        }));
        nlas.push(SvcNla::Timeout(self.timeout));
        nlas.push(SvcNla::Netmask(netmask_to_raw(self.key.af(), self.netmask)));
        nlas
    }
}

/// The kernel's default persistence netmask for `af`.
pub fn default_netmask(af: AddressFamily) -> u32 {
    match af {
        AddressFamily::Inet => u32::MAX,
        AddressFamily::Inet6 => 128,
    }
}

fn netmask_to_raw(af: AddressFamily, netmask: u32) -> [u8; 4] {
    match af {
        AddressFamily::Inet => netmask.to_be_bytes(),
        AddressFamily::Inet6 => netmask.to_ne_bytes(),
    }
}

fn netmask_from_raw(af: AddressFamily, raw: [u8; 4]) -> u32 {
    match af {
        AddressFamily::Inet => u32::from_be_bytes(raw),
        AddressFamily::Inet6 => u32::from_ne_bytes(raw),
    }
}

/// Traffic counters and rates, from `*_STATS64` when the kernel sends it (3.12+), else widened
/// from `*_STATS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Stats {
    /// Connections scheduled.
    pub conns: u64,
    /// Incoming packets.
    pub inpkts: u64,
    /// Outgoing packets.
    pub outpkts: u64,
    /// Incoming bytes.
    pub inbytes: u64,
    /// Outgoing bytes.
    pub outbytes: u64,
    /// Connections per second (rate estimator).
    pub cps: u64,
    /// Incoming packets per second.
    pub inpps: u64,
    /// Outgoing packets per second.
    pub outpps: u64,
    /// Incoming bytes per second.
    pub inbps: u64,
    /// Outgoing bytes per second.
    pub outbps: u64,
}

impl Stats {
    /// Collects a stats nest.
    pub fn from_nlas(nlas: &[StatsNla]) -> Stats {
        let mut s = Stats::default();
        for nla in nlas {
            match *nla {
                StatsNla::Conns(v) => s.conns = v,
                StatsNla::InPkts(v) => s.inpkts = v,
                StatsNla::OutPkts(v) => s.outpkts = v,
                StatsNla::InBytes(v) => s.inbytes = v,
                StatsNla::OutBytes(v) => s.outbytes = v,
                StatsNla::Cps(v) => s.cps = v,
                StatsNla::InPps(v) => s.inpps = v,
                StatsNla::OutPps(v) => s.outpps = v,
                StatsNla::InBps(v) => s.inbps = v,
                StatsNla::OutBps(v) => s.outbps = v,
                StatsNla::Pad | StatsNla::Other(_) => {}
            }
        }
        s
    }

    /// The `*_STATS` nest as the kernel fills it: counters other than bytes cut to 32 bits.
    pub fn to_legacy_nlas(&self) -> Vec<StatsNla> {
        let narrow = |v: u64| v & u64::from(u32::MAX);
        Stats {
            conns: narrow(self.conns),
            inpkts: narrow(self.inpkts),
            outpkts: narrow(self.outpkts),
            cps: narrow(self.cps),
            inpps: narrow(self.inpps),
            outpps: narrow(self.outpps),
            inbps: narrow(self.inbps),
            outbps: narrow(self.outbps),
            ..*self
        }
        .to_nlas()
    }

    /// The `*_STATS64` nest's attributes in kernel order.
    pub fn to_nlas(&self) -> Vec<StatsNla> {
        vec![
            StatsNla::Conns(self.conns),
            StatsNla::InPkts(self.inpkts),
            StatsNla::OutPkts(self.outpkts),
            StatsNla::InBytes(self.inbytes),
            StatsNla::OutBytes(self.outbytes),
            StatsNla::Cps(self.cps),
            StatsNla::InPps(self.inpps),
            StatsNla::OutPps(self.outpps),
            StatsNla::InBps(self.inbps),
            StatsNla::OutBps(self.outbps),
        ]
    }
}

/// A virtual service as dumped by the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Its configuration. `flags` is as the kernel holds it (with `HASHED`).
    pub config: ServiceConfig,
    /// Counters.
    pub stats: Stats,
}

impl Service {
    /// Decodes a service nest (`IPVS_CMD_ATTR_SERVICE` of a `NEW_SERVICE` reply).
    pub fn from_nlas(nlas: &[SvcNla]) -> Result<Service, crate::Error> {
        let key = ServiceKey::from_nlas(nlas).ok_or(crate::Error::MissingAttribute {
            what: "service",
            attr: "af/addr/port/fwmark",
        })?;
        let mut config = ServiceConfig::new(key, String::new());
        let (mut stats, mut stats64) = (None, None);
        for nla in nlas {
            match nla {
                SvcNla::SchedName(s) => config.scheduler = s.clone(),
                SvcNla::Flags(f) => config.flags = ServiceFlags(f.flags & f.mask),
                SvcNla::Timeout(t) => config.timeout = *t,
                SvcNla::Netmask(raw) => config.netmask = netmask_from_raw(key.af(), *raw),
                SvcNla::PeName(p) => config.pe_name = Some(p.clone()),
                SvcNla::Stats(s) => stats = Some(Stats::from_nlas(s)),
                SvcNla::Stats64(s) => stats64 = Some(Stats::from_nlas(s)),
                _ => {}
            }
        }
        Ok(Service {
            config,
            stats: stats64.or(stats).unwrap_or_default(),
        })
    }

    /// The nest a kernel would dump for this service (for tests and models).
    pub fn to_nlas(&self) -> Vec<SvcNla> {
        let mut nlas = self.config.to_nlas();
        nlas.push(SvcNla::Stats(self.stats.to_legacy_nlas()));
        nlas.push(SvcNla::Stats64(self.stats.to_nlas()));
        nlas
    }
}

/// A destination's identity inside its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DestKey {
    /// Real server address; its family may differ from the service's only with tunnelling.
    pub addr: IpAddr,
    /// Real server port.
    pub port: u16,
}

impl fmt::Display for DestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.addr {
            IpAddr::V6(a) => write!(f, "[{a}]:{}", self.port),
            IpAddr::V4(a) => write!(f, "{a}:{}", self.port),
        }
    }
}

/// `tunnel_type` of `lvs_method TUN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum TunnelType {
    /// IP-in-IP (the default and the only type before kernel 5.2).
    #[default]
    Ipip,
    /// Generic UDP Encapsulation; needs a port.
    Gue,
    /// GRE.
    Gre,
    /// A type this crate does not know.
    Other(u8),
}

impl TunnelType {
    /// `IP_VS_CONN_F_TUNNEL_TYPE_*`.
    pub fn raw(self) -> u8 {
        match self {
            TunnelType::Ipip => IP_VS_CONN_F_TUNNEL_TYPE_IPIP,
            TunnelType::Gue => IP_VS_CONN_F_TUNNEL_TYPE_GUE,
            TunnelType::Gre => IP_VS_CONN_F_TUNNEL_TYPE_GRE,
            TunnelType::Other(v) => v,
        }
    }

    /// From `IP_VS_CONN_F_TUNNEL_TYPE_*`.
    pub fn from_raw(v: u8) -> Self {
        match v {
            IP_VS_CONN_F_TUNNEL_TYPE_IPIP => TunnelType::Ipip,
            IP_VS_CONN_F_TUNNEL_TYPE_GUE => TunnelType::Gue,
            IP_VS_CONN_F_TUNNEL_TYPE_GRE => TunnelType::Gre,
            v => TunnelType::Other(v),
        }
    }
}

/// `IP_VS_TUNNEL_ENCAP_FLAG_*` (`tunnel_nocsum`, `tunnel_csum`, `tunnel_remcsum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct TunnelFlags(pub u16);

impl TunnelFlags {
    /// No checksum.
    pub const NOCSUM: TunnelFlags = TunnelFlags(IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM);
    /// Outer checksum.
    pub const CSUM: TunnelFlags = TunnelFlags(IP_VS_TUNNEL_ENCAP_FLAG_CSUM);
    /// Remote checksum offload.
    pub const REMCSUM: TunnelFlags = TunnelFlags(IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM);
}

/// Tunnel options of a tunnelled destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Tunnel {
    /// Encapsulation.
    pub kind: TunnelType,
    /// GUE destination port (0 for ipip/gre).
    pub port: u16,
    /// Checksum options.
    pub flags: TunnelFlags,
}

/// `lvs_method`: how packets reach the real server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ForwardMethod {
    /// `NAT` (masquerading).
    Masq,
    /// Local node (the real server is this host).
    Local,
    /// `TUN` with its options.
    Tunnel(Tunnel),
    /// `DR` (direct routing).
    Route,
    /// Cache bypass.
    Bypass,
}

impl ForwardMethod {
    /// `IP_VS_CONN_F_*` forwarding bits.
    pub fn raw(&self) -> u32 {
        match self {
            ForwardMethod::Masq => IP_VS_CONN_F_MASQ,
            ForwardMethod::Local => IP_VS_CONN_F_LOCALNODE,
            ForwardMethod::Tunnel(_) => IP_VS_CONN_F_TUNNEL,
            ForwardMethod::Route => IP_VS_CONN_F_DROUTE,
            ForwardMethod::Bypass => IP_VS_CONN_F_BYPASS,
        }
    }

    /// ipvsadm's column text.
    pub fn ipvsadm_name(&self) -> &'static str {
        match self {
            ForwardMethod::Masq => "Masq",
            ForwardMethod::Local => "Local",
            ForwardMethod::Tunnel(_) => "Tunnel",
            ForwardMethod::Route => "Route",
            ForwardMethod::Bypass => "Bypass",
        }
    }
}

/// Everything user space sets on a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DestConfig {
    /// Identity (not editable).
    pub key: DestKey,
    /// `lvs_method`.
    pub fwd: ForwardMethod,
    /// `weight` (>= 0; 0 = quiesced).
    pub weight: i32,
    /// `uthreshold`: 0 = no limit.
    pub u_threshold: u32,
    /// `lthreshold`.
    pub l_threshold: u32,
}

impl DestConfig {
    /// A NAT destination with weight 1 and no thresholds (ipvsadm's defaults).
    pub fn new(addr: IpAddr, port: u16) -> Self {
        DestConfig {
            key: DestKey { addr, port },
            fwd: ForwardMethod::Masq,
            weight: 1,
            u_threshold: 0,
            l_threshold: 0,
        }
    }

    /// The full attribute set `IPVS_CMD_NEW_DEST`/`SET_DEST` require.
    pub fn to_nlas(&self) -> Vec<DestNla> {
        let mut nlas = vec![
            DestNla::AddrFamily(AddressFamily::of(&self.key.addr).raw()),
            DestNla::Addr(InetAddr::from(self.key.addr)),
            DestNla::Port(self.key.port),
            DestNla::FwdMethod(self.fwd.raw()),
            DestNla::Weight(self.weight),
        ];
        if let ForwardMethod::Tunnel(t) = self.fwd {
            nlas.push(DestNla::TunType(t.kind.raw()));
            nlas.push(DestNla::TunPort(t.port));
            nlas.push(DestNla::TunFlags(t.flags.0));
        }
        nlas.push(DestNla::UThresh(self.u_threshold));
        nlas.push(DestNla::LThresh(self.l_threshold));
        nlas
    }

    /// Only the identity, as `IPVS_CMD_DEL_DEST` takes it.
    pub fn key_nlas(key: &DestKey) -> Vec<DestNla> {
        vec![
            DestNla::AddrFamily(AddressFamily::of(&key.addr).raw()),
            DestNla::Addr(InetAddr::from(key.addr)),
            DestNla::Port(key.port),
        ]
    }
}

/// A destination as dumped by the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dest {
    /// Its configuration.
    pub config: DestConfig,
    /// Established connections.
    pub active_conns: u32,
    /// Other connections.
    pub inactive_conns: u32,
    /// Persistence templates.
    pub persistent_conns: u32,
    /// Counters.
    pub stats: Stats,
}

impl Dest {
    /// Decodes a destination nest; `svc_af` is used when the kernel omits
    /// `IPVS_DEST_ATTR_ADDR_FAMILY` (before 3.18).
    pub fn from_nlas(nlas: &[DestNla], svc_af: AddressFamily) -> Result<Dest, crate::Error> {
        let mut af = svc_af.raw();
        let (mut addr, mut port, mut fwd) = (None, None, 0u32);
        let mut tunnel = Tunnel::default();
        let mut d = Dest {
            config: DestConfig::new(IpAddr::from([0, 0, 0, 0]), 0),
            active_conns: 0,
            inactive_conns: 0,
            persistent_conns: 0,
            stats: Stats::default(),
        };
        let (mut stats, mut stats64) = (None, None);
        for nla in nlas {
            match nla {
                DestNla::AddrFamily(v) => af = *v,
                DestNla::Addr(a) => addr = Some(*a),
                DestNla::Port(p) => port = Some(*p),
                DestNla::FwdMethod(v) => fwd = *v,
                DestNla::Weight(w) => d.config.weight = *w,
                DestNla::UThresh(v) => d.config.u_threshold = *v,
                DestNla::LThresh(v) => d.config.l_threshold = *v,
                DestNla::ActiveConns(v) => d.active_conns = *v,
                DestNla::InactConns(v) => d.inactive_conns = *v,
                DestNla::PersistConns(v) => d.persistent_conns = *v,
                DestNla::TunType(v) => tunnel.kind = TunnelType::from_raw(*v),
                DestNla::TunPort(v) => tunnel.port = *v,
                DestNla::TunFlags(v) => tunnel.flags = TunnelFlags(*v),
                DestNla::Stats(s) => stats = Some(Stats::from_nlas(s)),
                DestNla::Stats64(s) => stats64 = Some(Stats::from_nlas(s)),
                DestNla::Other(_) => {}
            }
        }
        let missing = |attr| crate::Error::MissingAttribute {
            what: "destination",
            attr,
        };
        let addr = addr.ok_or_else(|| missing("addr"))?;
        d.config.key = DestKey {
            addr: addr.to_ip(af),
            port: port.ok_or_else(|| missing("port"))?,
        };
        d.config.fwd = match fwd & IP_VS_CONN_F_FWD_MASK {
            IP_VS_CONN_F_LOCALNODE => ForwardMethod::Local,
            IP_VS_CONN_F_TUNNEL => ForwardMethod::Tunnel(tunnel),
            IP_VS_CONN_F_DROUTE => ForwardMethod::Route,
            IP_VS_CONN_F_BYPASS => ForwardMethod::Bypass,
            _ => ForwardMethod::Masq,
        };
        d.stats = stats64.or(stats).unwrap_or_default();
        Ok(d)
    }

    /// The nest a kernel would dump for this destination (for tests and models).
    pub fn to_nlas(&self) -> Vec<DestNla> {
        let mut nlas = self.config.to_nlas();
        nlas.push(DestNla::ActiveConns(self.active_conns));
        nlas.push(DestNla::InactConns(self.inactive_conns));
        nlas.push(DestNla::PersistConns(self.persistent_conns));
        nlas.push(DestNla::Stats(self.stats.to_legacy_nlas()));
        nlas.push(DestNla::Stats64(self.stats.to_nlas()));
        nlas
    }
}

/// Role of a connection-synchronisation daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DaemonState {
    /// Sends connection updates (`IP_VS_STATE_MASTER`).
    Master,
    /// Receives them (`IP_VS_STATE_BACKUP`).
    Backup,
}

impl DaemonState {
    /// `IP_VS_STATE_*`.
    pub fn raw(self) -> u32 {
        match self {
            DaemonState::Master => IP_VS_STATE_MASTER,
            DaemonState::Backup => IP_VS_STATE_BACKUP,
        }
    }
}

impl fmt::Display for DaemonState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DaemonState::Master => "master",
            DaemonState::Backup => "backup",
        })
    }
}

/// A connection-synchronisation daemon (`lvs_sync_daemon`), to start or as running.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyncDaemon {
    /// Master or backup.
    pub state: DaemonState,
    /// Interface the multicast traffic uses.
    pub mcast_ifn: String,
    /// `id`: SyncID (0..=255).
    pub sync_id: u32,
    /// `maxlen`: UDP payload size.
    pub sync_maxlen: Option<u16>,
    /// `group`: multicast group (default 224.0.0.81).
    pub mcast_group: Option<IpAddr>,
    /// `port`: multicast port (default 8848).
    pub mcast_port: Option<u16>,
    /// `ttl`: multicast TTL.
    pub mcast_ttl: Option<u8>,
}

impl SyncDaemon {
    /// The attributes of `IPVS_CMD_NEW_DAEMON`.
    pub fn to_nlas(&self) -> Vec<DaemonNla> {
        let mut nlas = vec![
            DaemonNla::State(self.state.raw()),
            DaemonNla::McastIfn(self.mcast_ifn.clone()),
            DaemonNla::SyncId(self.sync_id),
        ];
        if let Some(v) = self.sync_maxlen {
            nlas.push(DaemonNla::SyncMaxlen(v));
        }
        match self.mcast_group {
            Some(IpAddr::V4(a)) => nlas.push(DaemonNla::McastGroup(a)),
            Some(IpAddr::V6(a)) => nlas.push(DaemonNla::McastGroup6(a)),
            None => {}
        }
        if let Some(v) = self.mcast_port {
            nlas.push(DaemonNla::McastPort(v));
        }
        if let Some(v) = self.mcast_ttl {
            nlas.push(DaemonNla::McastTtl(v));
        }
        nlas
    }

    /// Decodes a daemon nest of a `GET_DAEMON` dump.
    pub fn from_nlas(nlas: &[DaemonNla]) -> Result<SyncDaemon, crate::Error> {
        let mut state = None;
        let mut d = SyncDaemon {
            state: DaemonState::Master,
            mcast_ifn: String::new(),
            sync_id: 0,
            sync_maxlen: None,
            mcast_group: None,
            mcast_port: None,
            mcast_ttl: None,
        };
        for nla in nlas {
            match nla {
                DaemonNla::State(v) => {
                    state = match *v {
                        IP_VS_STATE_MASTER => Some(DaemonState::Master),
                        IP_VS_STATE_BACKUP => Some(DaemonState::Backup),
                        _ => None,
                    }
                }
                DaemonNla::McastIfn(s) => d.mcast_ifn = s.clone(),
                DaemonNla::SyncId(v) => d.sync_id = *v,
                DaemonNla::SyncMaxlen(v) => d.sync_maxlen = Some(*v),
                DaemonNla::McastGroup(a) => d.mcast_group = Some(IpAddr::V4(*a)),
                DaemonNla::McastGroup6(a) => d.mcast_group = Some(IpAddr::V6(*a)),
                DaemonNla::McastPort(v) => d.mcast_port = Some(*v),
                DaemonNla::McastTtl(v) => d.mcast_ttl = Some(*v),
                DaemonNla::Other(_) => {}
            }
        }
        d.state = state.ok_or(crate::Error::MissingAttribute {
            what: "sync daemon",
            attr: "state",
        })?;
        Ok(d)
    }
}

/// Connection timeouts as read (`ipvsadm -L --timeout`), seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Timeouts {
    /// Established TCP.
    pub tcp: u32,
    /// TCP after FIN.
    pub tcp_fin: u32,
    /// UDP.
    pub udp: u32,
}

/// `lvs_timeouts`: the timeouts to change; `None` leaves one as it is (the kernel reads each
/// attribute only if present).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TimeoutUpdate {
    /// `tcp SECS`.
    pub tcp: Option<u32>,
    /// `tcpfin SECS`.
    pub tcp_fin: Option<u32>,
    /// `udp SECS`.
    pub udp: Option<u32>,
}

/// `IPVS_CMD_GET_INFO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Info {
    /// 0xMMmmpp, e.g. 0x010201 for 1.2.1.
    pub version: u32,
    /// Connection hash table size (`ip_vs_conn_tab_bits`).
    pub conn_tab_size: u32,
}

impl Info {
    /// `major.minor.patch`.
    pub fn version_string(&self) -> String {
        format!(
            "{}.{}.{}",
            (self.version >> 16) & 0xff,
            (self.version >> 8) & 0xff,
            self.version & 0xff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn netmask_byte_orders_differ_by_family() {
        assert_eq!(
            netmask_to_raw(AddressFamily::Inet, 0xffff_ff00),
            [255, 255, 255, 0]
        );
        assert_eq!(
            netmask_to_raw(AddressFamily::Inet6, 64),
            64u32.to_ne_bytes()
        );
        for (af, v) in [
            (AddressFamily::Inet, 0xffff_0000),
            (AddressFamily::Inet6, 48),
        ] {
            assert_eq!(netmask_from_raw(af, netmask_to_raw(af, v)), v);
        }
    }

    #[test]
    fn keys_print_like_ipvsadm() {
        let v6 = ServiceKey::Addr {
            protocol: Protocol::Sctp,
            addr: "2001:db8::1".parse().unwrap(),
            port: 9,
        };
        assert_eq!(v6.to_string(), "SCTP [2001:db8::1]:9");
        let fwm = ServiceKey::Fwmark {
            af: AddressFamily::Inet6,
            mark: 3,
        };
        assert_eq!(fwm.to_string(), "FWM 3 IPv6");
    }

    #[test]
    fn fwmark_wins_and_missing_key_is_an_error() {
        let nlas = vec![
            SvcNla::Af(AF_INET),
            SvcNla::Protocol(6),
            SvcNla::Fwmark(9),
            SvcNla::SchedName("rr".into()),
        ];
        assert_eq!(
            ServiceKey::from_nlas(&nlas),
            Some(ServiceKey::Fwmark {
                af: AddressFamily::Inet,
                mark: 9
            })
        );
        let err = Service::from_nlas(&[SvcNla::Af(AF_INET)]).unwrap_err();
        assert!(matches!(err, crate::Error::MissingAttribute { .. }));
        assert!(Dest::from_nlas(&[DestNla::Port(80)], AddressFamily::Inet).is_err());
    }

    #[test]
    fn tunnel_options_only_for_tunnels() {
        let mut d = DestConfig::new("198.51.100.1".parse().unwrap(), 80);
        assert!(!d.to_nlas().iter().any(|n| matches!(n, DestNla::TunType(_))));
        d.fwd = ForwardMethod::Tunnel(Tunnel::default());
        assert!(d
            .to_nlas()
            .contains(&DestNla::TunType(IP_VS_CONN_F_TUNNEL_TYPE_IPIP)));
    }

    #[test]
    fn version_string() {
        let i = Info {
            version: 0x010201,
            conn_tab_size: 4096,
        };
        assert_eq!(i.version_string(), "1.2.1");
    }
}
