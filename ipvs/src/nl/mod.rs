//! The IPVS generic-netlink codec: every command and attribute of `linux/ip_vs.h`, in the
//! rust-netlink shape (`Nla` enums ending in `Other(DefaultNla)`, `Emitable`, `Parseable`, a
//! [`GenlFamily`](netlink_packet_generic::GenlFamily) payload).
//!
//! Byte order, as the kernel writes and reads it (`net/netfilter/ipvs/ip_vs_ctl.c`): service and
//! destination ports, the IPv4 persistence netmask, the multicast group and the tunnel port are
//! big-endian; every other integer (the sync daemon's multicast port too) is in host order. Addresses are sent as a 16-byte `union nf_inet_addr` (an IPv4 address
//! fills the first four bytes), which is what ipvsadm sends and what the kernel dumps.
//!
//! Nothing here touches a socket; decoding any byte string returns a value or an error, never a
//! panic (see the proptests and `fuzz/fuzz_targets/ipvs_netlink.rs`).

pub mod cmd;
pub mod constants;
pub mod ctrl;
pub mod daemon;
pub mod dest;
pub mod message;
pub mod service;
pub mod stats;

pub use cmd::IpvsCmd;
pub use daemon::DaemonNla;
pub use dest::DestNla;
pub use message::{IpvsAttr, IpvsMessage};
pub use service::{SvcFlags, SvcNla};
pub use stats::StatsNla;

use netlink_packet_core::{DecodeError, DefaultNla, Emitable, NlaBuffer, NlasIterator, Parseable};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A `union nf_inet_addr` as it travels in `IPVS_SVC_ATTR_ADDR` / `IPVS_DEST_ATTR_ADDR`: 16
/// bytes, an IPv4 address in the first four. Which family it holds is told by a sibling
/// attribute (`*_AF`), so the raw bytes are kept and interpreted by [`InetAddr::to_ip`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct InetAddr(pub [u8; 16]);

impl InetAddr {
    /// Wire length: the kernel and ipvsadm both send the whole union.
    pub const LEN: usize = 16;

    /// Parses 4 (IPv4 only) or 16 bytes.
    pub fn parse(value: &[u8]) -> Result<Self, DecodeError> {
        let mut raw = [0u8; 16];
        match value.len() {
            4 | 16 => {
                raw[..value.len()].copy_from_slice(value);
                Ok(InetAddr(raw))
            }
            n => Err(DecodeError::invalid_ip_address(n)),
        }
    }

    /// The address as `af` reads it (`AF_INET` takes the first four bytes).
    pub fn to_ip(&self, af: u16) -> IpAddr {
        if af == constants::AF_INET6 {
            IpAddr::V6(Ipv6Addr::from(self.0))
        } else {
            IpAddr::V4(Ipv4Addr::new(self.0[0], self.0[1], self.0[2], self.0[3]))
        }
    }
}

impl From<IpAddr> for InetAddr {
    fn from(ip: IpAddr) -> Self {
        let mut raw = [0u8; 16];
        match ip {
            IpAddr::V4(v4) => raw[..4].copy_from_slice(&v4.octets()),
            IpAddr::V6(v6) => raw = v6.octets(),
        }
        InetAddr(raw)
    }
}

/// Reads a NUL-terminated string attribute (`NLA_NUL_STRING`); bytes after the first NUL are
/// ignored as the kernel does.
pub(crate) fn parse_cstring(value: &[u8]) -> Result<String, DecodeError> {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    String::from_utf8(value[..end].to_vec()).map_err(DecodeError::from)
}

/// Writes `s` followed by a NUL into `buf` (which is `s.len() + 1` long).
pub(crate) fn emit_cstring(buf: &mut [u8], s: &str) {
    buf[..s.len()].copy_from_slice(s.as_bytes());
    buf[s.len()] = 0;
}

pub(crate) fn parse_be16(value: &[u8]) -> Result<u16, DecodeError> {
    netlink_packet_core::parse_u16_be(value)
}

/// Parses every attribute of `buf` with `parse`, failing on the first malformed one.
pub(crate) fn parse_nlas<N>(
    buf: &[u8],
    what: &str,
    parse: impl Fn(&NlaBuffer<&[u8]>) -> Result<N, DecodeError>,
) -> Result<Vec<N>, DecodeError> {
    let mut out = Vec::new();
    for nla in NlasIterator::new(buf) {
        let nla = nla.map_err(|e| DecodeError::from(format!("{what}: {e}")))?;
        out.push(parse(&nla).map_err(|e| DecodeError::from(format!("{what}: {e}")))?);
    }
    Ok(out)
}

pub(crate) fn parse_other(nla: &NlaBuffer<&[u8]>) -> Result<DefaultNla, DecodeError> {
    DefaultNla::parse(nla)
}

/// Emits a list of attributes into `buf` (exactly `nlas.as_slice().buffer_len()` long).
pub(crate) fn emit_nlas<N: netlink_packet_core::Nla>(nlas: &[N], buf: &mut [u8]) {
    nlas.emit(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_addr_takes_4_or_16_bytes() {
        let a = InetAddr::parse(&[192, 0, 2, 1]).unwrap();
        assert_eq!(
            a.to_ip(constants::AF_INET),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
        assert_eq!(a, InetAddr::from("192.0.2.1".parse::<IpAddr>().unwrap()));
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        let b = InetAddr::parse(&InetAddr::from(v6).0).unwrap();
        assert_eq!(b.to_ip(constants::AF_INET6), v6);
        assert!(InetAddr::parse(&[0; 5]).is_err());
        assert!(InetAddr::parse(&[0; 17]).is_err());
    }

    #[test]
    fn cstrings_stop_at_nul() {
        assert_eq!(parse_cstring(b"wlc\0junk").unwrap(), "wlc");
        assert_eq!(parse_cstring(b"rr").unwrap(), "rr");
        assert_eq!(parse_cstring(b"").unwrap(), "");
        assert!(parse_cstring(&[0xff, 0]).is_err());
    }
}
