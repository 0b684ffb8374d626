//! `IPVS_DAEMON_ATTR_*`, nested in `IPVS_CMD_ATTR_DAEMON`.

use super::constants::*;
use super::{emit_cstring, parse_cstring};
use netlink_packet_core::{
    emit_u16, emit_u32, parse_u16, parse_u32, parse_u8, DecodeError, DefaultNla, Nla, NlaBuffer,
};
use std::net::{Ipv4Addr, Ipv6Addr};

/// One sync-daemon attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaemonNla {
    /// `IPVS_DAEMON_ATTR_STATE`: `IP_VS_STATE_MASTER` or `IP_VS_STATE_BACKUP`.
    State(u32),
    /// `IPVS_DAEMON_ATTR_MCAST_IFN`: interface name, NUL-terminated (< 16 bytes).
    McastIfn(String),
    /// `IPVS_DAEMON_ATTR_SYNC_ID`.
    SyncId(u32),
    /// `IPVS_DAEMON_ATTR_SYNC_MAXLEN`: UDP payload size (kernel 4.3+).
    SyncMaxlen(u16),
    /// `IPVS_DAEMON_ATTR_MCAST_GROUP`: IPv4 multicast group.
    McastGroup(Ipv4Addr),
    /// `IPVS_DAEMON_ATTR_MCAST_GROUP6`: IPv6 multicast group.
    McastGroup6(Ipv6Addr),
    /// `IPVS_DAEMON_ATTR_MCAST_PORT`: host order on the wire (the kernel keeps it as a plain u16
    /// and converts when it binds; checked against a 6.1 kernel, which dumps 8848 as `90 22`).
    McastPort(u16),
    /// `IPVS_DAEMON_ATTR_MCAST_TTL`.
    McastTtl(u8),
    /// An attribute this crate does not know, kept as is.
    Other(DefaultNla),
}

impl Nla for DaemonNla {
    fn value_len(&self) -> usize {
        match self {
            DaemonNla::State(_) | DaemonNla::SyncId(_) | DaemonNla::McastGroup(_) => 4,
            DaemonNla::McastIfn(s) => s.len() + 1,
            DaemonNla::SyncMaxlen(_) | DaemonNla::McastPort(_) => 2,
            DaemonNla::McastGroup6(_) => 16,
            DaemonNla::McastTtl(_) => 1,
            DaemonNla::Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            DaemonNla::State(_) => IPVS_DAEMON_ATTR_STATE,
            DaemonNla::McastIfn(_) => IPVS_DAEMON_ATTR_MCAST_IFN,
            DaemonNla::SyncId(_) => IPVS_DAEMON_ATTR_SYNC_ID,
            DaemonNla::SyncMaxlen(_) => IPVS_DAEMON_ATTR_SYNC_MAXLEN,
            DaemonNla::McastGroup(_) => IPVS_DAEMON_ATTR_MCAST_GROUP,
            DaemonNla::McastGroup6(_) => IPVS_DAEMON_ATTR_MCAST_GROUP6,
            DaemonNla::McastPort(_) => IPVS_DAEMON_ATTR_MCAST_PORT,
            DaemonNla::McastTtl(_) => IPVS_DAEMON_ATTR_MCAST_TTL,
            DaemonNla::Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            DaemonNla::State(v) | DaemonNla::SyncId(v) => emit_u32(buf, *v).expect("sized"),
            DaemonNla::McastIfn(s) => emit_cstring(buf, s),
            DaemonNla::SyncMaxlen(v) | DaemonNla::McastPort(v) => emit_u16(buf, *v).expect("sized"),
            DaemonNla::McastGroup(a) => buf.copy_from_slice(&a.octets()),
            DaemonNla::McastGroup6(a) => buf.copy_from_slice(&a.octets()),
            DaemonNla::McastTtl(v) => buf[0] = *v,
            DaemonNla::Other(o) => o.emit_value(buf),
        }
    }
}

impl DaemonNla {
    /// Parses one sync-daemon attribute.
    pub fn parse(nla: &NlaBuffer<&[u8]>) -> Result<Self, DecodeError> {
        let v = nla.value();
        Ok(match nla.kind() {
            IPVS_DAEMON_ATTR_STATE => DaemonNla::State(parse_u32(v)?),
            IPVS_DAEMON_ATTR_MCAST_IFN => DaemonNla::McastIfn(parse_cstring(v)?),
            IPVS_DAEMON_ATTR_SYNC_ID => DaemonNla::SyncId(parse_u32(v)?),
            IPVS_DAEMON_ATTR_SYNC_MAXLEN => DaemonNla::SyncMaxlen(parse_u16(v)?),
            IPVS_DAEMON_ATTR_MCAST_GROUP => {
                let raw: [u8; 4] = v
                    .try_into()
                    .map_err(|_| DecodeError::invalid_ip_address(v.len()))?;
                DaemonNla::McastGroup(Ipv4Addr::from(raw))
            }
            IPVS_DAEMON_ATTR_MCAST_GROUP6 => {
                let raw: [u8; 16] = v
                    .try_into()
                    .map_err(|_| DecodeError::invalid_ip_address(v.len()))?;
                DaemonNla::McastGroup6(Ipv6Addr::from(raw))
            }
            IPVS_DAEMON_ATTR_MCAST_PORT => DaemonNla::McastPort(parse_u16(v)?),
            IPVS_DAEMON_ATTR_MCAST_TTL => DaemonNla::McastTtl(parse_u8(v)?),
            _ => DaemonNla::Other(super::parse_other(nla)?),
        })
    }
}
