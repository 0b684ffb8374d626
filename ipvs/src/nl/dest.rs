//! `IPVS_DEST_ATTR_*`, nested in `IPVS_CMD_ATTR_DEST`.

use super::constants::*;
use super::stats::{emit_stats, parse_stats, stats_len, StatsNla, StatsWidth};
use super::{parse_be16, InetAddr};
use netlink_packet_core::{
    emit_i32, emit_u16, emit_u32, parse_i32, parse_u16, parse_u32, parse_u8, DecodeError,
    DefaultNla, Nla, NlaBuffer,
};

/// One destination (real server) attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DestNla {
    /// `IPVS_DEST_ATTR_ADDR`: real server address (16-byte union).
    Addr(InetAddr),
    /// `IPVS_DEST_ATTR_PORT`: big-endian on the wire.
    Port(u16),
    /// `IPVS_DEST_ATTR_FWD_METHOD`: `IP_VS_CONN_F_*` forwarding bits (and, from the kernel, only
    /// those).
    FwdMethod(u32),
    /// `IPVS_DEST_ATTR_WEIGHT`: signed in the kernel, must be >= 0.
    Weight(i32),
    /// `IPVS_DEST_ATTR_U_THRESH`: upper connection threshold, 0 = none.
    UThresh(u32),
    /// `IPVS_DEST_ATTR_L_THRESH`: lower connection threshold.
    LThresh(u32),
    /// `IPVS_DEST_ATTR_ACTIVE_CONNS` (dumps only).
    ActiveConns(u32),
    /// `IPVS_DEST_ATTR_INACT_CONNS` (dumps only).
    InactConns(u32),
    /// `IPVS_DEST_ATTR_PERSIST_CONNS` (dumps only).
    PersistConns(u32),
    /// `IPVS_DEST_ATTR_STATS` (dumps only).
    Stats(Vec<StatsNla>),
    /// `IPVS_DEST_ATTR_ADDR_FAMILY`: family of `Addr` when it differs from the service's
    /// (tunnelled IPv4-in-IPv6 and the reverse, kernel 3.18+).
    AddrFamily(u16),
    /// `IPVS_DEST_ATTR_STATS64` (dumps only).
    Stats64(Vec<StatsNla>),
    /// `IPVS_DEST_ATTR_TUN_TYPE`: `IP_VS_CONN_F_TUNNEL_TYPE_*` (kernel 5.2+).
    TunType(u8),
    /// `IPVS_DEST_ATTR_TUN_PORT`: GUE port, big-endian on the wire.
    TunPort(u16),
    /// `IPVS_DEST_ATTR_TUN_FLAGS`: `IP_VS_TUNNEL_ENCAP_FLAG_*`.
    TunFlags(u16),
    /// An attribute this crate does not know, kept as is.
    Other(DefaultNla),
}

impl Nla for DestNla {
    fn value_len(&self) -> usize {
        match self {
            DestNla::Addr(_) => InetAddr::LEN,
            DestNla::Port(_) | DestNla::AddrFamily(_) | DestNla::TunPort(_) => 2,
            DestNla::TunFlags(_) => 2,
            DestNla::TunType(_) => 1,
            DestNla::FwdMethod(_)
            | DestNla::Weight(_)
            | DestNla::UThresh(_)
            | DestNla::LThresh(_)
            | DestNla::ActiveConns(_)
            | DestNla::InactConns(_)
            | DestNla::PersistConns(_) => 4,
            DestNla::Stats(s) => stats_len(s, StatsWidth::Legacy),
            DestNla::Stats64(s) => stats_len(s, StatsWidth::Wide),
            DestNla::Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            DestNla::Addr(_) => IPVS_DEST_ATTR_ADDR,
            DestNla::Port(_) => IPVS_DEST_ATTR_PORT,
            DestNla::FwdMethod(_) => IPVS_DEST_ATTR_FWD_METHOD,
            DestNla::Weight(_) => IPVS_DEST_ATTR_WEIGHT,
            DestNla::UThresh(_) => IPVS_DEST_ATTR_U_THRESH,
            DestNla::LThresh(_) => IPVS_DEST_ATTR_L_THRESH,
            DestNla::ActiveConns(_) => IPVS_DEST_ATTR_ACTIVE_CONNS,
            DestNla::InactConns(_) => IPVS_DEST_ATTR_INACT_CONNS,
            DestNla::PersistConns(_) => IPVS_DEST_ATTR_PERSIST_CONNS,
            DestNla::Stats(_) => IPVS_DEST_ATTR_STATS | netlink_packet_core::NLA_F_NESTED,
            DestNla::AddrFamily(_) => IPVS_DEST_ATTR_ADDR_FAMILY,
            DestNla::Stats64(_) => IPVS_DEST_ATTR_STATS64 | netlink_packet_core::NLA_F_NESTED,
            DestNla::TunType(_) => IPVS_DEST_ATTR_TUN_TYPE,
            DestNla::TunPort(_) => IPVS_DEST_ATTR_TUN_PORT,
            DestNla::TunFlags(_) => IPVS_DEST_ATTR_TUN_FLAGS,
            DestNla::Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            DestNla::Addr(a) => buf.copy_from_slice(&a.0),
            DestNla::Port(v) | DestNla::TunPort(v) => buf.copy_from_slice(&v.to_be_bytes()),
            DestNla::AddrFamily(v) | DestNla::TunFlags(v) => emit_u16(buf, *v).expect("sized"),
            DestNla::TunType(v) => buf[0] = *v,
            DestNla::Weight(v) => emit_i32(buf, *v).expect("sized"),
            DestNla::FwdMethod(v)
            | DestNla::UThresh(v)
            | DestNla::LThresh(v)
            | DestNla::ActiveConns(v)
            | DestNla::InactConns(v)
            | DestNla::PersistConns(v) => emit_u32(buf, *v).expect("sized"),
            DestNla::Stats(s) => emit_stats(s, StatsWidth::Legacy, buf),
            DestNla::Stats64(s) => emit_stats(s, StatsWidth::Wide, buf),
            DestNla::Other(o) => o.emit_value(buf),
        }
    }
}

impl DestNla {
    /// Parses one destination attribute.
    pub fn parse(nla: &NlaBuffer<&[u8]>) -> Result<Self, DecodeError> {
        let v = nla.value();
        Ok(match nla.kind() {
            IPVS_DEST_ATTR_ADDR => DestNla::Addr(InetAddr::parse(v)?),
            IPVS_DEST_ATTR_PORT => DestNla::Port(parse_be16(v)?),
            IPVS_DEST_ATTR_FWD_METHOD => DestNla::FwdMethod(parse_u32(v)?),
            IPVS_DEST_ATTR_WEIGHT => DestNla::Weight(parse_i32(v)?),
            IPVS_DEST_ATTR_U_THRESH => DestNla::UThresh(parse_u32(v)?),
            IPVS_DEST_ATTR_L_THRESH => DestNla::LThresh(parse_u32(v)?),
            IPVS_DEST_ATTR_ACTIVE_CONNS => DestNla::ActiveConns(parse_u32(v)?),
            IPVS_DEST_ATTR_INACT_CONNS => DestNla::InactConns(parse_u32(v)?),
            IPVS_DEST_ATTR_PERSIST_CONNS => DestNla::PersistConns(parse_u32(v)?),
            IPVS_DEST_ATTR_STATS => DestNla::Stats(parse_stats(v)?),
            IPVS_DEST_ATTR_ADDR_FAMILY => DestNla::AddrFamily(parse_u16(v)?),
            IPVS_DEST_ATTR_STATS64 => DestNla::Stats64(parse_stats(v)?),
            IPVS_DEST_ATTR_TUN_TYPE => DestNla::TunType(parse_u8(v)?),
            IPVS_DEST_ATTR_TUN_PORT => DestNla::TunPort(parse_be16(v)?),
            IPVS_DEST_ATTR_TUN_FLAGS => DestNla::TunFlags(parse_u16(v)?),
            _ => DestNla::Other(super::parse_other(nla)?),
        })
    }
}
