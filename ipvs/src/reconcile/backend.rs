//! What the reconciler needs from a kernel, so it can drive the real one ([`IpvsClient`]) or the
//! in-memory model ([`super::MemoryIpvs`]).

use super::plan::Op;
use crate::types::{
    DaemonState, Dest, DestConfig, DestKey, Service, ServiceConfig, ServiceKey, SyncDaemon,
    TimeoutUpdate,
};
use crate::{Error, IpvsClient};

/// The kernel operations the reconciler uses; one method per [`Op`] plus reading the table.
pub trait IpvsBackend {
    /// Every service with its destinations.
    fn table(&mut self) -> Result<Vec<(Service, Vec<Dest>)>, Error>;
    /// `NEW_SERVICE`.
    fn add_service(&mut self, svc: &ServiceConfig) -> Result<(), Error>;
    /// `SET_SERVICE`.
    fn edit_service(&mut self, svc: &ServiceConfig) -> Result<(), Error>;
    /// `DEL_SERVICE`.
    fn del_service(&mut self, key: &ServiceKey) -> Result<(), Error>;
    /// `NEW_DEST`.
    fn add_dest(&mut self, svc: &ServiceKey, dest: &DestConfig) -> Result<(), Error>;
    /// `SET_DEST`.
    fn edit_dest(&mut self, svc: &ServiceKey, dest: &DestConfig) -> Result<(), Error>;
    /// `DEL_DEST`.
    fn del_dest(&mut self, svc: &ServiceKey, dest: &DestKey) -> Result<(), Error>;
    /// `FLUSH`.
    fn flush(&mut self) -> Result<(), Error>;
    /// `SET_CONFIG`.
    fn set_timeouts(&mut self, t: &TimeoutUpdate) -> Result<(), Error>;
    /// `NEW_DAEMON`.
    fn start_daemon(&mut self, d: &SyncDaemon) -> Result<(), Error>;
    /// `DEL_DAEMON`.
    fn stop_daemon(&mut self, state: DaemonState, sync_id: u32) -> Result<(), Error>;
    /// `GET_DAEMON`: the running sync daemons.
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error>;

    /// Runs one [`Op`].
    fn execute(&mut self, op: &Op) -> Result<(), Error> {
        match op {
            Op::Flush => self.flush(),
            Op::AddService(s) => self.add_service(s),
            Op::EditService(s) => self.edit_service(s),
            Op::DelService(k) => self.del_service(k),
            Op::AddDest(s, d) => self.add_dest(s, d),
            Op::EditDest(s, d) => self.edit_dest(s, d),
            Op::DelDest(s, d) => self.del_dest(s, d),
            Op::SetTimeouts(t) => self.set_timeouts(t),
            Op::StartDaemon(d) => self.start_daemon(d),
            Op::StopDaemon(st, id) => self.stop_daemon(*st, *id),
        }
    }
}

impl IpvsBackend for IpvsClient {
    fn table(&mut self) -> Result<Vec<(Service, Vec<Dest>)>, Error> {
        IpvsClient::table(self)
    }
    fn add_service(&mut self, svc: &ServiceConfig) -> Result<(), Error> {
        IpvsClient::add_service(self, svc)
    }
    fn edit_service(&mut self, svc: &ServiceConfig) -> Result<(), Error> {
        IpvsClient::edit_service(self, svc)
    }
    fn del_service(&mut self, key: &ServiceKey) -> Result<(), Error> {
        IpvsClient::del_service(self, key)
    }
    fn add_dest(&mut self, svc: &ServiceKey, dest: &DestConfig) -> Result<(), Error> {
        IpvsClient::add_dest(self, svc, dest)
    }
    fn edit_dest(&mut self, svc: &ServiceKey, dest: &DestConfig) -> Result<(), Error> {
        IpvsClient::edit_dest(self, svc, dest)
    }
    fn del_dest(&mut self, svc: &ServiceKey, dest: &DestKey) -> Result<(), Error> {
        IpvsClient::del_dest(self, svc, dest)
    }
    fn flush(&mut self) -> Result<(), Error> {
        IpvsClient::flush(self)
    }
    fn set_timeouts(&mut self, t: &TimeoutUpdate) -> Result<(), Error> {
        IpvsClient::set_timeouts(self, t)
    }
    fn start_daemon(&mut self, d: &SyncDaemon) -> Result<(), Error> {
        IpvsClient::start_daemon(self, d)
    }
    fn stop_daemon(&mut self, state: DaemonState, sync_id: u32) -> Result<(), Error> {
        IpvsClient::stop_daemon(self, state, sync_id)
    }
    fn daemons(&mut self) -> Result<Vec<SyncDaemon>, Error> {
        IpvsClient::daemons(self)
    }
}
