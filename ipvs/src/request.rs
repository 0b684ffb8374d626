//! The request message of every client operation, built without a socket so tests can pin the
//! bytes (see `tests/golden.rs`). Attribute order follows libipvs/ipvsadm.

use crate::nl::{IpvsAttr, IpvsCmd, IpvsMessage};
use crate::types::{
    DaemonState, DestConfig, DestKey, ServiceConfig, ServiceKey, SyncDaemon, TimeoutUpdate,
};
use netlink_packet_core::{NetlinkHeader, NetlinkMessage, NetlinkPayload};
use netlink_packet_generic::GenlMessage;

/// `IPVS_CMD_GET_INFO`.
pub fn get_info() -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::GetInfo, vec![])
}

/// `IPVS_CMD_GET_SERVICE` with `NLM_F_DUMP`: every service.
pub fn list_services() -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::GetService, vec![])
}

/// `IPVS_CMD_GET_SERVICE` of one service.
pub fn get_service(key: &ServiceKey) -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::GetService, vec![IpvsAttr::Service(key.to_nlas())])
}

/// `IPVS_CMD_GET_DEST` with `NLM_F_DUMP`: the destinations of `key`.
pub fn list_dests(key: &ServiceKey) -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::GetDest, vec![IpvsAttr::Service(key.to_nlas())])
}

/// `IPVS_CMD_NEW_SERVICE`.
pub fn add_service(svc: &ServiceConfig) -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::NewService, vec![IpvsAttr::Service(svc.to_nlas())])
}

/// `IPVS_CMD_SET_SERVICE`.
pub fn edit_service(svc: &ServiceConfig) -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::SetService, vec![IpvsAttr::Service(svc.to_nlas())])
}

/// `IPVS_CMD_DEL_SERVICE`.
pub fn del_service(key: &ServiceKey) -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::DelService, vec![IpvsAttr::Service(key.to_nlas())])
}

/// `IPVS_CMD_NEW_DEST`.
pub fn add_dest(svc: &ServiceKey, dest: &DestConfig) -> IpvsMessage {
    IpvsMessage::new(
        IpvsCmd::NewDest,
        vec![
            IpvsAttr::Service(svc.to_nlas()),
            IpvsAttr::Dest(dest.to_nlas()),
        ],
    )
}

/// `IPVS_CMD_SET_DEST`.
pub fn edit_dest(svc: &ServiceKey, dest: &DestConfig) -> IpvsMessage {
    IpvsMessage::new(
        IpvsCmd::SetDest,
        vec![
            IpvsAttr::Service(svc.to_nlas()),
            IpvsAttr::Dest(dest.to_nlas()),
        ],
    )
}

/// `IPVS_CMD_DEL_DEST`.
pub fn del_dest(svc: &ServiceKey, dest: &DestKey) -> IpvsMessage {
    IpvsMessage::new(
        IpvsCmd::DelDest,
        vec![
            IpvsAttr::Service(svc.to_nlas()),
            IpvsAttr::Dest(DestConfig::key_nlas(dest)),
        ],
    )
}

/// `IPVS_CMD_GET_DAEMON` (dump).
pub fn list_daemons() -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::GetDaemon, vec![])
}

/// `IPVS_CMD_NEW_DAEMON`.
pub fn start_daemon(d: &SyncDaemon) -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::NewDaemon, vec![IpvsAttr::Daemon(d.to_nlas())])
}

/// `IPVS_CMD_DEL_DAEMON`: the kernel needs only the state; libipvs also sends the sync id.
pub fn stop_daemon(state: DaemonState, sync_id: u32) -> IpvsMessage {
    use crate::nl::DaemonNla;
    IpvsMessage::new(
        IpvsCmd::DelDaemon,
        vec![IpvsAttr::Daemon(vec![
            DaemonNla::State(state.raw()),
            DaemonNla::SyncId(sync_id),
        ])],
    )
}

/// `IPVS_CMD_GET_CONFIG`.
pub fn get_timeouts() -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::GetConfig, vec![])
}

/// `IPVS_CMD_SET_CONFIG` with only the timeouts to change.
pub fn set_timeouts(t: &TimeoutUpdate) -> IpvsMessage {
    let mut attrs = Vec::new();
    if let Some(v) = t.tcp {
        attrs.push(IpvsAttr::TimeoutTcp(v));
    }
    if let Some(v) = t.tcp_fin {
        attrs.push(IpvsAttr::TimeoutTcpFin(v));
    }
    if let Some(v) = t.udp {
        attrs.push(IpvsAttr::TimeoutUdp(v));
    }
    IpvsMessage::new(IpvsCmd::SetConfig, attrs)
}

/// `IPVS_CMD_FLUSH`.
pub fn flush() -> IpvsMessage {
    IpvsMessage::new(IpvsCmd::Flush, vec![])
}

/// `IPVS_CMD_ZERO` of one service, or of everything.
pub fn zero(svc: Option<&ServiceKey>) -> IpvsMessage {
    IpvsMessage::new(
        IpvsCmd::Zero,
        svc.map(|k| vec![IpvsAttr::Service(k.to_nlas())])
            .unwrap_or_default(),
    )
}

/// The bytes of a whole request: `nlmsghdr` (type = the resolved `family_id`) + `genlmsghdr`
/// (cmd, version 1) + attributes.
pub fn serialize(msg: IpvsMessage, family_id: u16, flags: u16, sequence_number: u32) -> Vec<u8> {
    let mut genl = GenlMessage::from_payload(msg);
    genl.set_resolved_family_id(family_id);
    let mut header = NetlinkHeader::default();
    header.flags = flags;
    header.sequence_number = sequence_number;
    let mut nl = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(genl));
    nl.finalize();
    let mut buf = vec![0u8; nl.buffer_len()];
    nl.serialize(&mut buf);
    buf
}
