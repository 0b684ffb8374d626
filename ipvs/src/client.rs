//! A small blocking IPVS client over one generic-netlink socket.
//!
//! Every call sends one request and reads until its answer is complete: `NLMSG_DONE` for dumps,
//! the `NLMSG_ERROR` acknowledgement (code 0) for everything else, or a negative code, which
//! becomes [`Error::Kernel`] naming the operation. Replies carrying another sequence number
//! (left over from a call that failed half-way) are skipped.

use crate::error::{Error, Operation};
use crate::nl::message::split_datagram;
use crate::nl::{IpvsAttr, IpvsMessage};
use crate::request;
use crate::types::{
    DaemonState, Dest, DestConfig, DestKey, Info, Service, ServiceConfig, ServiceKey, SyncDaemon,
    TimeoutUpdate, Timeouts,
};
use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, ParseableParametrized, NLM_F_ACK,
    NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};
use std::fmt::Debug;

/// How often a dump is retried when the kernel flags it `NLM_F_DUMP_INTR`.
const DUMP_ATTEMPTS: usize = 3;

/// A connection to the kernel's IPVS generic-netlink family.
#[derive(Debug)]
pub struct IpvsClient {
    socket: Socket,
    family_id: u16,
    seq: u32,
}

impl IpvsClient {
    /// Opens a `NETLINK_GENERIC` socket and resolves the "IPVS" family id through nlctrl.
    ///
    /// Fails with [`Error::FamilyNotFound`] when the `ip_vs` module is not loaded.
    pub fn connect() -> Result<IpvsClient, Error> {
        let mut socket = Socket::new(NETLINK_GENERIC).map_err(Error::Socket)?;
        socket.bind_auto().map_err(Error::Socket)?;
        socket
            .connect(&SocketAddr::new(0, 0))
            .map_err(Error::Socket)?;
        let mut client = IpvsClient {
            socket,
            family_id: 0,
            seq: 0,
        };
        client.family_id = client.resolve_family()?;
        Ok(client)
    }

    /// The family id nlctrl assigned to "IPVS" on this kernel.
    pub fn family_id(&self) -> u16 {
        self.family_id
    }

    fn resolve_family(&mut self) -> Result<u16, Error> {
        let op = Operation::ResolveFamily;
        let payload = GenlCtrl {
            cmd: GenlCtrlCmd::GetFamily,
            nlas: vec![GenlCtrlAttrs::FamilyName(IpvsMessage::family_name().into())],
        };
        let mut genl = GenlMessage::from_payload(payload);
        genl.finalize();
        let seq = self.next_seq();
        let mut header = NetlinkHeader::default();
        header.flags = NLM_F_REQUEST | NLM_F_ACK;
        header.sequence_number = seq;
        let mut nl = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(genl));
        nl.finalize();
        let mut bytes = vec![0u8; nl.buffer_len()];
        nl.serialize(&mut bytes);
        let replies = match self.exchange::<GenlCtrl>(&op, &bytes, seq, false) {
            Ok(r) => r,
            // nlctrl answers ENOENT for a name nobody registered.
            Err(Error::Kernel { errno: 2, .. }) => return Err(Error::FamilyNotFound),
            Err(e) => return Err(e),
        };
        replies
            .iter()
            .flat_map(|r| r.nlas.iter())
            .find_map(|nla| match nla {
                GenlCtrlAttrs::FamilyId(id) => Some(*id),
                _ => None,
            })
            .ok_or(Error::FamilyNotFound)
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Sends `bytes` (already carrying `seq`) and collects the payloads of the answer.
    fn exchange<F>(
        &mut self,
        op: &Operation,
        bytes: &[u8],
        seq: u32,
        dump: bool,
    ) -> Result<Vec<F>, Error>
    where
        F: ParseableParametrized<[u8], GenlHeader> + Debug,
    {
        self.socket.send(bytes, 0).map_err(|source| Error::Send {
            op: op.clone(),
            source,
        })?;
        let decode = |detail: String| Error::Decode {
            op: op.clone(),
            detail,
        };
        let mut out = Vec::new();
        let mut interrupted = false;
        loop {
            let (datagram, _) = self.socket.recv_from_full().map_err(|source| Error::Recv {
                op: op.clone(),
                source,
            })?;
            for frame in split_datagram(&datagram) {
                let frame = frame.map_err(|e| decode(e.to_string()))?;
                let msg = NetlinkMessage::<GenlMessage<F>>::deserialize(frame)
                    .map_err(|e| decode(e.to_string()))?;
                if msg.header.sequence_number != seq {
                    continue;
                }
                interrupted |= msg.header.flags & NLM_F_DUMP_INTR != 0;
                match msg.payload {
                    NetlinkPayload::Done(_) => {
                        return if interrupted {
                            Err(Error::DumpInterrupted { op: op.clone() })
                        } else {
                            Ok(out)
                        };
                    }
                    NetlinkPayload::Error(e) => match e.code {
                        None if !dump => return Ok(out),
                        None => {}
                        Some(code) => return Err(Error::kernel(op.clone(), code.get().abs())),
                    },
                    NetlinkPayload::InnerMessage(genl) => out.push(genl.payload),
                    NetlinkPayload::Overrun(_) => {
                        return Err(Error::UnexpectedReply {
                            op: op.clone(),
                            detail: "NLMSG_OVERRUN".into(),
                        })
                    }
                    _ => {}
                }
            }
        }
    }

    /// One request with `NLM_F_ACK` (or `NLM_F_DUMP`), returning the IPVS replies.
    fn call(
        &mut self,
        op: Operation,
        msg: IpvsMessage,
        dump: bool,
    ) -> Result<Vec<IpvsMessage>, Error> {
        let flags = NLM_F_REQUEST | if dump { NLM_F_DUMP } else { NLM_F_ACK };
        let mut attempts = 0;
        loop {
            let seq = self.next_seq();
            let bytes = request::serialize(msg.clone(), self.family_id, flags, seq);
            match self.exchange::<IpvsMessage>(&op, &bytes, seq, dump) {
                Err(Error::DumpInterrupted { .. }) if attempts + 1 < DUMP_ATTEMPTS => {
                    attempts += 1;
                }
                other => return other,
            }
        }
    }

    /// `ipvsadm --version`'s numbers: IPVS version and connection table size.
    pub fn info(&mut self) -> Result<Info, Error> {
        let op = Operation::GetInfo;
        let replies = self.call(op.clone(), request::get_info(), false)?;
        let mut info = None::<Info>;
        for attr in replies.iter().flat_map(|m| m.attrs.iter()) {
            match attr {
                IpvsAttr::InfoVersion(v) => info.get_or_insert_with(Info::default).version = *v,
                IpvsAttr::InfoConnTabSize(v) => {
                    info.get_or_insert_with(Info::default).conn_tab_size = *v
                }
                _ => {}
            }
        }
        info.ok_or(Error::UnexpectedReply {
            op,
            detail: "no info attributes".into(),
        })
    }

    /// Every virtual service, with statistics.
    pub fn services(&mut self) -> Result<Vec<Service>, Error> {
        let replies = self.call(Operation::ListServices, request::list_services(), true)?;
        services_of(&replies)
    }

    /// One virtual service, with statistics.
    pub fn service(&mut self, key: &ServiceKey) -> Result<Service, Error> {
        let op = Operation::GetService(*key);
        let replies = self.call(op.clone(), request::get_service(key), false)?;
        services_of(&replies)?
            .into_iter()
            .next()
            .ok_or(Error::UnexpectedReply {
                op,
                detail: "no service in reply".into(),
            })
    }

    /// The destinations of one service, with connection counts and statistics.
    pub fn dests(&mut self, key: &ServiceKey) -> Result<Vec<Dest>, Error> {
        let replies = self.call(Operation::ListDests(*key), request::list_dests(key), true)?;
        let mut out = Vec::new();
        for attr in replies.iter().flat_map(|m| m.attrs.iter()) {
            if let IpvsAttr::Dest(nlas) = attr {
                out.push(Dest::from_nlas(nlas, key.af())?);
            }
        }
        Ok(out)
    }

    /// The whole table: every service and its destinations (what `ipvsadm -Ln --stats` shows).
    pub fn table(&mut self) -> Result<Vec<(Service, Vec<Dest>)>, Error> {
        let services = self.services()?;
        let mut out = Vec::with_capacity(services.len());
        for svc in services {
            let dests = self.dests(&svc.config.key)?;
            out.push((svc, dests));
        }
        Ok(out)
    }

    /// `ipvsadm -A`.
    pub fn add_service(&mut self, svc: &ServiceConfig) -> Result<(), Error> {
        self.call(Operation::AddService(svc.key), request::add_service(svc), false)
            .map(drop)
    }

    /// `ipvsadm -E`: changes everything but the key.
    pub fn edit_service(&mut self, svc: &ServiceConfig) -> Result<(), Error> {
        self.call(
            Operation::EditService(svc.key),
            request::edit_service(svc),
            false,
        )
        .map(drop)
    }

    /// `ipvsadm -D`: the kernel removes the service's destinations with it.
    pub fn del_service(&mut self, key: &ServiceKey) -> Result<(), Error> {
        self.call(Operation::DelService(*key), request::del_service(key), false)
            .map(drop)
    }

    /// `ipvsadm -a`.
    pub fn add_dest(&mut self, svc: &ServiceKey, dest: &DestConfig) -> Result<(), Error> {
        self.call(
            Operation::AddDest(*svc, dest.key),
            request::add_dest(svc, dest),
            false,
        )
        .map(drop)
    }

    /// `ipvsadm -e`.
    pub fn edit_dest(&mut self, svc: &ServiceKey, dest: &DestConfig) -> Result<(), Error> {
        self.call(
            Operation::EditDest(*svc, dest.key),
            request::edit_dest(svc, dest),
            false,
        )
        .map(drop)
    }

    /// `ipvsadm -d`.
    pub fn del_dest(&mut self, svc: &ServiceKey, dest: &DestKey) -> Result<(), Error> {
        self.call(
            Operation::DelDest(*svc, *dest),
            request::del_dest(svc, dest),
            false,
        )
        .map(drop)
    }

    /// Running sync daemons (`ipvsadm -L --daemon`).
    pub fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> {
        let replies = self.call(Operation::ListDaemons, request::list_daemons(), true)?;
        let mut out = Vec::new();
        for attr in replies.iter().flat_map(|m| m.attrs.iter()) {
            if let IpvsAttr::Daemon(nlas) = attr {
                out.push(SyncDaemon::from_nlas(nlas)?);
            }
        }
        Ok(out)
    }

    /// `ipvsadm --start-daemon`.
    pub fn start_daemon(&mut self, d: &SyncDaemon) -> Result<(), Error> {
        self.call(
            Operation::StartDaemon(d.state),
            request::start_daemon(d),
            false,
        )
        .map(drop)
    }

    /// `ipvsadm --stop-daemon`.
    pub fn stop_daemon(&mut self, state: DaemonState, sync_id: u32) -> Result<(), Error> {
        self.call(
            Operation::StopDaemon(state),
            request::stop_daemon(state, sync_id),
            false,
        )
        .map(drop)
    }

    /// `ipvsadm -L --timeout`.
    pub fn timeouts(&mut self) -> Result<Timeouts, Error> {
        let replies = self.call(Operation::GetTimeouts, request::get_timeouts(), false)?;
        let mut t = Timeouts::default();
        for attr in replies.iter().flat_map(|m| m.attrs.iter()) {
            match attr {
                IpvsAttr::TimeoutTcp(v) => t.tcp = *v,
                IpvsAttr::TimeoutTcpFin(v) => t.tcp_fin = *v,
                IpvsAttr::TimeoutUdp(v) => t.udp = *v,
                _ => {}
            }
        }
        Ok(t)
    }

    /// `ipvsadm --set`; timeouts left `None` are unchanged.
    pub fn set_timeouts(&mut self, t: &TimeoutUpdate) -> Result<(), Error> {
        self.call(Operation::SetTimeouts, request::set_timeouts(t), false)
            .map(drop)
    }

    /// `ipvsadm -C`: every service and destination goes.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.call(Operation::Flush, request::flush(), false)
            .map(drop)
    }

    /// `ipvsadm -Z [service]`.
    pub fn zero(&mut self, svc: Option<&ServiceKey>) -> Result<(), Error> {
        self.call(Operation::Zero(svc.copied()), request::zero(svc), false)
            .map(drop)
    }
}

/// Decodes the services of `NEW_SERVICE` replies.
pub fn services_of(replies: &[IpvsMessage]) -> Result<Vec<Service>, Error> {
    let mut out = Vec::new();
    for attr in replies.iter().flat_map(|m| m.attrs.iter()) {
        if let IpvsAttr::Service(nlas) = attr {
            out.push(Service::from_nlas(nlas)?);
        }
    }
    Ok(out)
}
