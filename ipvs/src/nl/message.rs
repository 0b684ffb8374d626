//! The generic-netlink payload of the IPVS family: a command and its first-level attributes.

use super::constants::*;
use super::{emit_nlas, parse_nlas, DaemonNla, DestNla, IpvsCmd, SvcNla};
use netlink_packet_core::{
    emit_u32, parse_u32, DecodeError, DefaultNla, Emitable, Nla, NlaBuffer, ParseableParametrized,
    NLA_F_NESTED,
};
use netlink_packet_generic::{GenlFamily, GenlHeader};

/// A first-level attribute.
///
/// `IPVS_CMD_SET_INFO`/`IPVS_CMD_GET_INFO` messages carry `IPVS_INFO_ATTR_*` at this level, whose
/// numbers collide with `IPVS_CMD_ATTR_SERVICE`/`DEST`; parsing picks the set from the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpvsAttr {
    /// `IPVS_CMD_ATTR_SERVICE`.
    Service(Vec<SvcNla>),
    /// `IPVS_CMD_ATTR_DEST`.
    Dest(Vec<DestNla>),
    /// `IPVS_CMD_ATTR_DAEMON`.
    Daemon(Vec<DaemonNla>),
    /// `IPVS_CMD_ATTR_TIMEOUT_TCP`, seconds.
    TimeoutTcp(u32),
    /// `IPVS_CMD_ATTR_TIMEOUT_TCP_FIN`, seconds.
    TimeoutTcpFin(u32),
    /// `IPVS_CMD_ATTR_TIMEOUT_UDP`, seconds.
    TimeoutUdp(u32),
    /// `IPVS_INFO_ATTR_VERSION` (info messages only): `IP_VS_VERSION_CODE`-style 0xMMmmpp.
    InfoVersion(u32),
    /// `IPVS_INFO_ATTR_CONN_TAB_SIZE` (info messages only): connection hash table size.
    InfoConnTabSize(u32),
    /// An attribute this crate does not know, kept as is.
    Other(DefaultNla),
}

impl Nla for IpvsAttr {
    fn value_len(&self) -> usize {
        match self {
            IpvsAttr::Service(n) => n.as_slice().buffer_len(),
            IpvsAttr::Dest(n) => n.as_slice().buffer_len(),
            IpvsAttr::Daemon(n) => n.as_slice().buffer_len(),
            IpvsAttr::TimeoutTcp(_)
            | IpvsAttr::TimeoutTcpFin(_)
            | IpvsAttr::TimeoutUdp(_)
            | IpvsAttr::InfoVersion(_)
            | IpvsAttr::InfoConnTabSize(_) => 4,
            IpvsAttr::Other(o) => o.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            IpvsAttr::Service(_) => IPVS_CMD_ATTR_SERVICE | NLA_F_NESTED,
            IpvsAttr::Dest(_) => IPVS_CMD_ATTR_DEST | NLA_F_NESTED,
            IpvsAttr::Daemon(_) => IPVS_CMD_ATTR_DAEMON | NLA_F_NESTED,
            IpvsAttr::TimeoutTcp(_) => IPVS_CMD_ATTR_TIMEOUT_TCP,
            IpvsAttr::TimeoutTcpFin(_) => IPVS_CMD_ATTR_TIMEOUT_TCP_FIN,
            IpvsAttr::TimeoutUdp(_) => IPVS_CMD_ATTR_TIMEOUT_UDP,
            IpvsAttr::InfoVersion(_) => IPVS_INFO_ATTR_VERSION,
            IpvsAttr::InfoConnTabSize(_) => IPVS_INFO_ATTR_CONN_TAB_SIZE,
            IpvsAttr::Other(o) => o.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            IpvsAttr::Service(n) => emit_nlas(n, buf),
            IpvsAttr::Dest(n) => emit_nlas(n, buf),
            IpvsAttr::Daemon(n) => emit_nlas(n, buf),
            IpvsAttr::TimeoutTcp(v)
            | IpvsAttr::TimeoutTcpFin(v)
            | IpvsAttr::TimeoutUdp(v)
            | IpvsAttr::InfoVersion(v)
            | IpvsAttr::InfoConnTabSize(v) => emit_u32(buf, *v).expect("sized"),
            IpvsAttr::Other(o) => o.emit_value(buf),
        }
    }
}

impl IpvsAttr {
    /// Parses one first-level attribute of a message whose command is `cmd`.
    pub fn parse(nla: &NlaBuffer<&[u8]>, cmd: IpvsCmd) -> Result<Self, DecodeError> {
        let v = nla.value();
        if matches!(cmd, IpvsCmd::SetInfo | IpvsCmd::GetInfo) {
            return Ok(match nla.kind() {
                IPVS_INFO_ATTR_VERSION => IpvsAttr::InfoVersion(parse_u32(v)?),
                IPVS_INFO_ATTR_CONN_TAB_SIZE => IpvsAttr::InfoConnTabSize(parse_u32(v)?),
                _ => IpvsAttr::Other(super::parse_other(nla)?),
            });
        }
        Ok(match nla.kind() {
            IPVS_CMD_ATTR_SERVICE => IpvsAttr::Service(parse_nlas(v, "service", SvcNla::parse)?),
            IPVS_CMD_ATTR_DEST => IpvsAttr::Dest(parse_nlas(v, "destination", DestNla::parse)?),
            IPVS_CMD_ATTR_DAEMON => IpvsAttr::Daemon(parse_nlas(v, "daemon", DaemonNla::parse)?),
            IPVS_CMD_ATTR_TIMEOUT_TCP => IpvsAttr::TimeoutTcp(parse_u32(v)?),
            IPVS_CMD_ATTR_TIMEOUT_TCP_FIN => IpvsAttr::TimeoutTcpFin(parse_u32(v)?),
            IPVS_CMD_ATTR_TIMEOUT_UDP => IpvsAttr::TimeoutUdp(parse_u32(v)?),
            _ => IpvsAttr::Other(super::parse_other(nla)?),
        })
    }
}

/// The payload of one IPVS generic-netlink message (after the `genlmsghdr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IpvsMessage {
    /// The command byte of the `genlmsghdr`.
    pub cmd: IpvsCmd,
    /// First-level attributes.
    pub attrs: Vec<IpvsAttr>,
}

impl IpvsMessage {
    /// A message with `cmd` and `attrs`.
    pub fn new(cmd: IpvsCmd, attrs: Vec<IpvsAttr>) -> Self {
        IpvsMessage { cmd, attrs }
    }

    /// Parses the attributes that follow a `genlmsghdr` with command `cmd`.
    pub fn parse_attrs(cmd: IpvsCmd, buf: &[u8]) -> Result<Self, DecodeError> {
        let attrs = parse_nlas(buf, "ipvs", |nla| IpvsAttr::parse(nla, cmd))?;
        Ok(IpvsMessage { cmd, attrs })
    }
}

impl GenlFamily for IpvsMessage {
    fn family_name() -> &'static str {
        IPVS_GENL_NAME
    }

    fn command(&self) -> u8 {
        self.cmd.into()
    }

    fn version(&self) -> u8 {
        IPVS_GENL_VERSION
    }
}

impl Emitable for IpvsMessage {
    fn buffer_len(&self) -> usize {
        self.attrs.as_slice().buffer_len()
    }

    fn emit(&self, buffer: &mut [u8]) {
        self.attrs.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for IpvsMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        IpvsMessage::parse_attrs(IpvsCmd::from(header.cmd), buf)
    }
}

/// A whole IPVS netlink message: `nlmsghdr` + `genlmsghdr` + [`IpvsMessage`].
pub type IpvsNetlinkMessage =
    netlink_packet_core::NetlinkMessage<netlink_packet_generic::GenlMessage<IpvsMessage>>;

/// Splits one datagram read from the socket into its netlink messages and decodes each.
///
/// A dump reply packs several messages into one datagram; each is `NLMSG_ALIGN`ed. Decoding stops
/// at the first malformed message. Never panics, whatever `datagram` holds.
pub fn parse_datagram(datagram: &[u8]) -> Result<Vec<IpvsNetlinkMessage>, DecodeError> {
    let mut out = Vec::new();
    for frame in split_datagram(datagram) {
        out.push(IpvsNetlinkMessage::deserialize(frame?)?);
    }
    Ok(out)
}

/// Iterates over the netlink messages of a datagram, checking each length.
pub fn split_datagram(datagram: &[u8]) -> impl Iterator<Item = Result<&[u8], DecodeError>> {
    let mut at = 0usize;
    let mut failed = false;
    std::iter::from_fn(move || {
        if failed || at >= datagram.len() {
            return None;
        }
        let rest = &datagram[at..];
        if rest.len() < 16 {
            failed = true;
            return Some(Err(DecodeError::buffer_too_small(rest.len(), 16)));
        }
        let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len < 16 || len > rest.len() {
            failed = true;
            return Some(Err(DecodeError::from(format!(
                "netlink message length {len} does not fit the {} bytes left",
                rest.len()
            ))));
        }
        at += (len + 3) & !3;
        Some(Ok(&rest[..len]))
    })
}
