//! `IPVS_SVC_ATTR_*`, nested in `IPVS_CMD_ATTR_SERVICE`.

use super::constants::*;
use super::stats::{emit_stats, parse_stats, stats_len, StatsNla, StatsWidth};
use super::{emit_cstring, parse_be16, parse_cstring, InetAddr};
use netlink_packet_core::{
    emit_u16, emit_u32, parse_u16, parse_u32, DecodeError, DefaultNla, Nla, NlaBuffer,
};

/// `struct ip_vs_flags`: the kernel applies `flags` only where `mask` has a bit
/// (`new = (old & ~mask) | (flags & mask)`), and dumps `mask = ~0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SvcFlags {
    /// `IP_VS_SVC_F_*` bits.
    pub flags: u32,
    /// Which bits of `flags` count.
    pub mask: u32,
}

/// One service attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SvcNla {
    /// `IPVS_SVC_ATTR_AF`: `AF_INET` or `AF_INET6`, host order u16.
    Af(u16),
    /// `IPVS_SVC_ATTR_PROTOCOL`: IP protocol number, host order u16.
    Protocol(u16),
    /// `IPVS_SVC_ATTR_ADDR`: virtual address (16-byte union).
    Addr(InetAddr),
    /// `IPVS_SVC_ATTR_PORT`: virtual port, big-endian on the wire.
    Port(u16),
    /// `IPVS_SVC_ATTR_FWMARK`: firewall mark of a fwmark service.
    Fwmark(u32),
    /// `IPVS_SVC_ATTR_SCHED_NAME`: scheduler name, NUL-terminated (< 16 bytes).
    SchedName(String),
    /// `IPVS_SVC_ATTR_FLAGS`: `struct ip_vs_flags`.
    Flags(SvcFlags),
    /// `IPVS_SVC_ATTR_TIMEOUT`: persistence timeout in seconds.
    Timeout(u32),
    /// `IPVS_SVC_ATTR_NETMASK`: persistence granularity, raw: for IPv4 a big-endian mask, for
    /// IPv6 a prefix length in host order (the kernel reads both through one `__be32`).
    Netmask([u8; 4]),
    /// `IPVS_SVC_ATTR_STATS`: legacy-width counters (dumps only).
    Stats(Vec<StatsNla>),
    /// `IPVS_SVC_ATTR_PE_NAME`: persistence engine name, e.g. `sip`.
    PeName(String),
    /// `IPVS_SVC_ATTR_STATS64`: 64-bit counters (dumps only).
    Stats64(Vec<StatsNla>),
    /// An attribute this crate does not know, kept as is.
    Other(DefaultNla),
}

impl Nla for SvcNla {
    fn value_len(&self) -> usize {
        match self {
            SvcNla::Af(_) | SvcNla::Protocol(_) | SvcNla::Port(_) => 2,
            SvcNla::Fwmark(_) | SvcNla::Timeout(_) | SvcNla::Netmask(_) => 4,
            SvcNla::Addr(_) => InetAddr::LEN,
            SvcNla::Flags(_) => 8,
            SvcNla::SchedName(s) | SvcNla::PeName(s) => s.len() + 1,
            SvcNla::Stats(s) => stats_len(s, StatsWidth::Legacy),
            SvcNla::Stats64(s) => stats_len(s, StatsWidth::Wide),
            SvcNla::Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            SvcNla::Af(_) => IPVS_SVC_ATTR_AF,
            SvcNla::Protocol(_) => IPVS_SVC_ATTR_PROTOCOL,
            SvcNla::Addr(_) => IPVS_SVC_ATTR_ADDR,
            SvcNla::Port(_) => IPVS_SVC_ATTR_PORT,
            SvcNla::Fwmark(_) => IPVS_SVC_ATTR_FWMARK,
            SvcNla::SchedName(_) => IPVS_SVC_ATTR_SCHED_NAME,
            SvcNla::Flags(_) => IPVS_SVC_ATTR_FLAGS,
            SvcNla::Timeout(_) => IPVS_SVC_ATTR_TIMEOUT,
            SvcNla::Netmask(_) => IPVS_SVC_ATTR_NETMASK,
            SvcNla::Stats(_) => IPVS_SVC_ATTR_STATS | netlink_packet_core::NLA_F_NESTED,
            SvcNla::PeName(_) => IPVS_SVC_ATTR_PE_NAME,
            SvcNla::Stats64(_) => IPVS_SVC_ATTR_STATS64 | netlink_packet_core::NLA_F_NESTED,
            SvcNla::Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            SvcNla::Af(v) | SvcNla::Protocol(v) => emit_u16(buf, *v).expect("sized"),
            SvcNla::Port(v) => buf.copy_from_slice(&v.to_be_bytes()),
            SvcNla::Fwmark(v) | SvcNla::Timeout(v) => emit_u32(buf, *v).expect("sized"),
            SvcNla::Netmask(raw) => buf.copy_from_slice(raw),
            SvcNla::Addr(a) => buf.copy_from_slice(&a.0),
            SvcNla::Flags(f) => {
                emit_u32(&mut buf[..4], f.flags).expect("sized");
                emit_u32(&mut buf[4..], f.mask).expect("sized");
            }
            SvcNla::SchedName(s) | SvcNla::PeName(s) => emit_cstring(buf, s),
            SvcNla::Stats(s) => emit_stats(s, StatsWidth::Legacy, buf),
            SvcNla::Stats64(s) => emit_stats(s, StatsWidth::Wide, buf),
            SvcNla::Other(o) => o.emit_value(buf),
        }
    }
}

impl SvcNla {
    /// Parses one service attribute.
    pub fn parse(nla: &NlaBuffer<&[u8]>) -> Result<Self, DecodeError> {
        let v = nla.value();
        Ok(match nla.kind() {
            IPVS_SVC_ATTR_AF => SvcNla::Af(parse_u16(v)?),
            IPVS_SVC_ATTR_PROTOCOL => SvcNla::Protocol(parse_u16(v)?),
            IPVS_SVC_ATTR_ADDR => SvcNla::Addr(InetAddr::parse(v)?),
            IPVS_SVC_ATTR_PORT => SvcNla::Port(parse_be16(v)?),
            IPVS_SVC_ATTR_FWMARK => SvcNla::Fwmark(parse_u32(v)?),
            IPVS_SVC_ATTR_SCHED_NAME => SvcNla::SchedName(parse_cstring(v)?),
            IPVS_SVC_ATTR_FLAGS => {
                if v.len() != 8 {
                    return Err(DecodeError::invalid_number(8, v.len()));
                }
                SvcNla::Flags(SvcFlags {
                    flags: parse_u32(&v[..4])?,
                    mask: parse_u32(&v[4..])?,
                })
            }
            IPVS_SVC_ATTR_TIMEOUT => SvcNla::Timeout(parse_u32(v)?),
            IPVS_SVC_ATTR_NETMASK => {
                let raw: [u8; 4] = v
                    .try_into()
                    .map_err(|_| DecodeError::invalid_number(4, v.len()))?;
                SvcNla::Netmask(raw)
            }
            IPVS_SVC_ATTR_STATS => SvcNla::Stats(parse_stats(v)?),
            IPVS_SVC_ATTR_PE_NAME => SvcNla::PeName(parse_cstring(v)?),
            IPVS_SVC_ATTR_STATS64 => SvcNla::Stats64(parse_stats(v)?),
            _ => SvcNla::Other(super::parse_other(nla)?),
        })
    }
}
