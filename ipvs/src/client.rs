//! A small blocking IPVS client over one generic-netlink socket.
//!
//! Every call sends one request and reads until its answer is complete: `NLMSG_DONE` for dumps,
//! the `NLMSG_ERROR` acknowledgement (code 0) for everything else, or a negative code, which
//! becomes [`Error::Kernel`] naming the operation. Replies carrying another sequence number
//! (left over from a call that failed half-way) are skipped.

use crate::error::{Error, Operation};
use crate::nl::ctrl::FamilyIdReply;
use crate::nl::message::split_datagram;
use crate::nl::{IpvsAttr, IpvsMessage};
use crate::request;
use crate::types::{
    DaemonState, Dest, DestConfig, DestKey, Info, Service, ServiceConfig, ServiceKey, SyncDaemon,
    TimeoutUpdate, Timeouts,
};
use netlink_packet_core::{
    NetlinkHeader, NetlinkMessage, NetlinkPayload, ParseableParametrized, NLM_F_ACK, NLM_F_DUMP,
    NLM_F_DUMP_INTR, NLM_F_REQUEST,
};
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};
use netlink_sys::{protocols::NETLINK_GENERIC, Socket, SocketAddr};
use std::fmt::Debug;
use std::time::Duration;

/// How often a dump is retried when the kernel flags it `NLM_F_DUMP_INTR`.
const DUMP_ATTEMPTS: usize = 3;

/// How long a call waits for each datagram of its answer unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long `stop_daemon` waits for its acknowledgement before looking for itself.
const STOP_DAEMON_TIMEOUT: Duration = Duration::from_secs(2);

/// A connection to the kernel's IPVS generic-netlink family.
#[derive(Debug)]
pub struct IpvsClient {
    socket: Socket,
    family_id: u16,
    seq: u32,
    timeout: Duration,
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
            timeout: DEFAULT_TIMEOUT,
        };
        client.apply_timeout(DEFAULT_TIMEOUT)?;
        client.family_id = client.resolve_family()?;
        Ok(client)
    }

    /// How long each call waits for each datagram of its answer before failing with
    /// [`Error::Timeout`] (default [`DEFAULT_TIMEOUT`]). The kernel answers every request at
    /// once, with one exception this guards against (see [`stop_daemon`](Self::stop_daemon)).
    pub fn set_timeout(&mut self, timeout: Duration) -> Result<(), Error> {
        self.apply_timeout(timeout)?;
        self.timeout = timeout;
        Ok(())
    }

    fn apply_timeout(&self, timeout: Duration) -> Result<(), Error> {
        socket2::SockRef::from(&self.socket)
            .set_read_timeout(Some(timeout))
            .map_err(Error::Socket)
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
        let replies = match self.exchange::<FamilyIdReply>(&op, &bytes, seq, false) {
            Ok(r) => r,
            // nlctrl answers ENOENT for a name nobody registered.
            Err(Error::Kernel { errno: 2, .. }) => return Err(Error::FamilyNotFound),
            Err(e) => return Err(e),
        };
        replies
            .iter()
            .find_map(|r| r.0)
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
        let mut replies = Replies::new(op.clone(), seq, dump);
        loop {
            let (datagram, _) = self.socket.recv_from_full().map_err(|source| {
                if matches!(
                    source.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) {
                    Error::Timeout {
                        op: op.clone(),
                        timeout: self.timeout,
                    }
                } else {
                    Error::Recv {
                        op: op.clone(),
                        source,
                    }
                }
            })?;
            if let Some(done) = replies.feed(&datagram)? {
                return Ok(done);
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
        self.call(
            Operation::AddService(svc.key),
            request::add_service(svc),
            false,
        )
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
        self.call(
            Operation::DelService(*key),
            request::del_service(key),
            false,
        )
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
    ///
    /// The kernel may stop the daemon and send no answer at all: when the daemon's thread had
    /// not yet run (seen right after a start in the test VM), `kthread_stop` returns `-EINTR`,
    /// which `netlink_rcv_skb` treats as "send no acknowledgement". So this call waits at most
    /// 2 s for the acknowledgement and then asks the kernel whether the daemon is gone.
    pub fn stop_daemon(&mut self, state: DaemonState, sync_id: u32) -> Result<(), Error> {
        let full = self.timeout;
        self.apply_timeout(full.min(STOP_DAEMON_TIMEOUT))?;
        self.timeout = full.min(STOP_DAEMON_TIMEOUT);
        let result = self.call(
            Operation::StopDaemon(state),
            request::stop_daemon(state, sync_id),
            false,
        );
        self.timeout = full;
        self.apply_timeout(full)?;
        match result {
            Err(Error::Timeout { .. }) if !self.daemons()?.iter().any(|d| d.state == state) => {
                Ok(())
            }
            other => other.map(drop),
        }
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

/// Collects the answer to one request from the datagrams read after it: the pure half of
/// [`IpvsClient`]'s receive loop.
#[derive(Debug)]
pub struct Replies<F> {
    op: Operation,
    seq: u32,
    dump: bool,
    out: Vec<F>,
    interrupted: bool,
}

impl<F> Replies<F>
where
    F: ParseableParametrized<[u8], GenlHeader> + Debug,
{
    /// Waits for the answer to request `seq`; `dump` if it was sent with `NLM_F_DUMP` (ends with
    /// `NLMSG_DONE`) rather than `NLM_F_ACK` (ends with an `NLMSG_ERROR` of code 0).
    pub fn new(op: Operation, seq: u32, dump: bool) -> Self {
        Replies {
            op,
            seq,
            dump,
            out: Vec::new(),
            interrupted: false,
        }
    }

    /// Takes one datagram; `Some(payloads)` once the answer is complete, `None` to read on.
    /// Messages of other sequence numbers (left from an earlier, failed call) are skipped.
    pub fn feed(&mut self, datagram: &[u8]) -> Result<Option<Vec<F>>, Error> {
        let op = &self.op;
        let decode = |detail: String| Error::Decode {
            op: op.clone(),
            detail,
        };
        for frame in split_datagram(datagram) {
            let frame = frame.map_err(|e| decode(e.to_string()))?;
            let msg = NetlinkMessage::<GenlMessage<F>>::deserialize(frame)
                .map_err(|e| decode(e.to_string()))?;
            if msg.header.sequence_number != self.seq {
                continue;
            }
            self.interrupted |= msg.header.flags & NLM_F_DUMP_INTR != 0;
            match msg.payload {
                // A dump that fails after it started ends in NLMSG_DONE carrying -errno.
                NetlinkPayload::Done(d) if d.code != 0 => {
                    return Err(Error::kernel(op.clone(), d.code.saturating_abs()));
                }
                NetlinkPayload::Done(_) if self.interrupted => {
                    return Err(Error::DumpInterrupted { op: op.clone() });
                }
                NetlinkPayload::Done(_) => return Ok(Some(std::mem::take(&mut self.out))),
                NetlinkPayload::Error(e) => match e.code {
                    Some(code) => {
                        return Err(Error::kernel(op.clone(), code.get().saturating_abs()))
                    }
                    None if !self.dump => return Ok(Some(std::mem::take(&mut self.out))),
                    None => {}
                },
                NetlinkPayload::InnerMessage(genl) => self.out.push(genl.payload),
                NetlinkPayload::Overrun(_) => {
                    return Err(Error::UnexpectedReply {
                        op: op.clone(),
                        detail: "NLMSG_OVERRUN".into(),
                    })
                }
                _ => {}
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::KernelReason;
    use crate::nl::IpvsCmd;

    const FAMILY: u16 = 0x1c;

    fn hdr(len: u32, ty: u16, flags: u16, seq: u32) -> Vec<u8> {
        let mut v = len.to_ne_bytes().to_vec();
        v.extend_from_slice(&ty.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&seq.to_ne_bytes());
        v.extend_from_slice(&0u32.to_ne_bytes());
        v
    }

    /// NLMSG_ERROR with `code` (0 = ACK) echoing a 16-byte request header.
    fn error(seq: u32, code: i32) -> Vec<u8> {
        let mut v = hdr(36, 2, 0x100, seq);
        v.extend_from_slice(&code.to_ne_bytes());
        v.extend_from_slice(&hdr(20, FAMILY, 5, seq));
        v
    }

    fn done(seq: u32, flags: u16, code: i32) -> Vec<u8> {
        let mut v = hdr(20, 3, 2 | flags, seq);
        v.extend_from_slice(&code.to_ne_bytes());
        v
    }

    fn timeouts(seq: u32, flags: u16) -> Vec<u8> {
        let mut v = hdr(28, FAMILY, flags, seq);
        v.extend_from_slice(&[IPVS_CMD_SET_CONFIG, 1, 0, 0]);
        v.extend_from_slice(&[8, 0, 4, 0]);
        v.extend_from_slice(&900u32.to_ne_bytes());
        v
    }
    use crate::nl::constants::IPVS_CMD_SET_CONFIG;

    #[test]
    fn ack_completes_a_do_request_after_its_reply() {
        let mut r = Replies::<IpvsMessage>::new(Operation::GetTimeouts, 7, false);
        assert!(r.feed(&timeouts(7, 0)).unwrap().is_none());
        let got = r.feed(&error(7, 0)).unwrap().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].cmd, IpvsCmd::SetConfig);
        assert_eq!(got[0].attrs, vec![IpvsAttr::TimeoutTcp(900)]);
    }

    #[test]
    fn stale_sequence_numbers_are_skipped() {
        let mut r = Replies::<IpvsMessage>::new(Operation::Flush, 8, false);
        let mut dgram = error(7, -17);
        dgram.extend(error(8, 0));
        assert!(r.feed(&dgram).unwrap().unwrap().is_empty());
    }

    #[test]
    fn negative_code_is_a_kernel_error_naming_the_operation() {
        let mut r = Replies::<IpvsMessage>::new(
            Operation::StopDaemon(crate::DaemonState::Master),
            3,
            false,
        );
        let e = r.feed(&error(3, -3)).unwrap_err();
        assert_eq!(e.reason(), Some(KernelReason::NoDaemon));
        assert_eq!(
            e.to_string(),
            "stop master sync daemon: no sync daemon running (errno 3)"
        );
    }

    #[test]
    fn dump_spans_datagrams_and_ends_with_done() {
        let mut r = Replies::<IpvsMessage>::new(Operation::ListServices, 4, true);
        let mut first = timeouts(4, 2);
        first.extend(timeouts(4, 2));
        assert!(r.feed(&first).unwrap().is_none());
        let mut second = timeouts(4, 2);
        second.extend(done(4, 0, 0));
        assert_eq!(r.feed(&second).unwrap().unwrap().len(), 3);
    }

    #[test]
    fn interrupted_dump_and_failed_dump() {
        let mut r = Replies::<IpvsMessage>::new(Operation::ListServices, 5, true);
        let mut d = timeouts(5, 2 | NLM_F_DUMP_INTR);
        d.extend(done(5, NLM_F_DUMP_INTR, 0));
        assert!(matches!(r.feed(&d), Err(Error::DumpInterrupted { .. })));

        let mut r = Replies::<IpvsMessage>::new(Operation::ListServices, 6, true);
        let e = r.feed(&done(6, 0, -12)).unwrap_err();
        assert_eq!(e.errno(), Some(12));
    }

    #[test]
    fn truncated_datagram_is_a_decode_error() {
        let mut r = Replies::<IpvsMessage>::new(Operation::ListServices, 6, true);
        let d = timeouts(6, 2);
        assert!(matches!(r.feed(&d[..24]), Err(Error::Decode { .. })));
    }
}
