//! keepalived's DBus service (`enable_dbus`, `dbus_service_name`): `org.keepalived.Vrrp1` on
//! the system bus, served by the VRRP process (keepalived 2.2.7's `vrrp_dbus.c`).
//!
//! The bus is handled by a thread of its own ([`thread`]) and zbus's executor thread. The
//! VRRP loop only queues updates to it (never waits on it) and takes method calls from it
//! through a channel and a [`mio::Waker`], one call at a time between its own events, so a
//! stuck bus or client never delays an advert. zbus is the only crate here with an executor,
//! and it runs it on its own thread: no async runtime reaches the library crates.
//!
//! Who may call what is the bus's business: the policy file kad installs as keepalived's
//! (`/etc/dbus-1/system.d/org.keepalived.Vrrp1.conf`) lets only root own the name and call
//! the methods; anyone may introspect and read properties.

pub mod objects;
pub mod path;
pub mod thread;

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keepalive_vrrp::action::{Notification, NotifyEvent, NotifyScope};
use keepalive_vrrp::packet::Family as IpFamily;
use mio::{Registry, Token};

use super::router::Router;
use super::snapshot;
use objects::{Call, Request, Shared};
use path::{Family, Key, Paths};
use thread::{InstanceInfo, Settings, Update};

/// How long stopping waits for the DBus thread to leave the bus (keepalived waits 1 s too).
const STOP_WAIT: Duration = Duration::from_secs(1);

/// The VRRP loop's end of the service.
#[derive(Debug)]
pub struct Service {
    updates: Sender<Update>,
    calls: Receiver<Request>,
    done: Receiver<()>,
}

impl Service {
    /// Starts the DBus thread; method calls wake `registry`'s poll with `token`. `reload`
    /// is what `ReloadConfig` does.
    pub fn start(
        registry: &Registry,
        token: Token,
        settings: Settings,
        paths: Paths,
        reload: fn(),
    ) -> std::io::Result<Service> {
        let waker = mio::Waker::new(registry, token)?;
        let (calls_tx, calls) = mpsc::channel();
        let (updates, updates_rx) = mpsc::channel();
        let (done_tx, done) = mpsc::sync_channel(1);
        let shared = Arc::new(Shared::new(paths, calls_tx, waker, reload));
        std::thread::Builder::new()
            .name("dbus".into())
            .spawn(move || thread::run(settings, shared, updates_rx, done_tx))?;
        Ok(Service {
            updates,
            calls,
            done,
        })
    }

    /// Every instance, at start or after a reload.
    pub fn instances(&self, list: Vec<InstanceInfo>, reloaded: bool) {
        let _ = self.updates.send(Update::Instances { list, reloaded });
    }

    /// An instance's new state.
    pub fn state(&self, key: Key, state: keepalive_vrrp::State) {
        let _ = self.updates.send(Update::State { key, state });
    }

    /// The next method call waiting for the loop.
    pub fn next_call(&self) -> Option<Request> {
        self.calls.try_recv().ok()
    }

    /// Sends `VrrpStopped`, leaves the bus and waits (a little) for the thread to finish.
    pub fn stop(self) {
        let _ = self.updates.send(Update::Stop);
        match self.done.recv_timeout(STOP_WAIT) {
            Ok(()) => log_info!("Released DBus"),
            Err(_) => log_info!("DBus thread termination timed out"),
        }
    }
}

/// The key of the instance object a plan's instance has.
fn key_of(interface: &str, config: &keepalive_vrrp::InstanceConfig) -> Key {
    let family = match config.family() {
        IpFamily::Ipv4 => Family::V4,
        IpFamily::Ipv6 => Family::V6,
    };
    Key::new(interface, config.vrid, family)
}

/// Every instance the router runs, for the DBus thread.
fn instances(router: &Router) -> Vec<InstanceInfo> {
    router
        .instances()
        .map(|(p, i, _)| InstanceInfo {
            key: key_of(&p.interface, &p.config),
            name: p.config.name.clone(),
            state: i.state(),
        })
        .collect()
}

/// How the VRRP loop drives the service.
impl super::Vrrpd<'_> {
    /// `enable_dbus`: starts the service at start, or when a reload enables it.
    pub(super) fn dbus_start(&mut self) {
        let g = &self.config.global;
        if !g.enable_dbus || self.dbus.is_some() {
            return;
        }
        let settings = Settings {
            service: g
                .dbus_service_name
                .clone()
                .unwrap_or_else(|| path::DEFAULT_SERVICE.to_owned()),
            create_instance: self.opts.dbus_create_instance,
        };
        let top = &self.config.top;
        let paths = Paths::new(top.net_namespace.as_deref(), top.instance.as_deref());
        let registry = self.poll.registry();
        match Service::start(registry, super::DBUS, settings, paths, self.opts.reload) {
            Ok(s) => {
                s.instances(instances(&self.router), false);
                self.dbus = Some(s);
            }
            Err(e) => log_err!("Unable to start the DBus thread - disabling DBus: {e}"),
        }
    }

    /// After a reload: new instance objects and `VrrpReloaded`, or the service started or
    /// stopped as `enable_dbus` now says. A changed `dbus_service_name` takes effect at the
    /// next start, as in keepalived.
    pub(super) fn dbus_reload(&mut self) {
        match (&self.dbus, self.config.global.enable_dbus) {
            (Some(s), true) => s.instances(instances(&self.router), true),
            (Some(_), false) => self.dbus_stop(),
            (None, true) => self.dbus_start(),
            (None, false) => {}
        }
    }

    /// At exit, or when a reload disables DBus.
    pub(super) fn dbus_stop(&mut self) {
        if let Some(s) = self.dbus.take() {
            s.stop();
        }
    }

    /// An instance's state notification becomes `VrrpStatusChange` (keepalived sends it
    /// where it runs the notify scripts).
    pub(super) fn dbus_notify(&self, n: &Notification, u: usize, m: Option<usize>) {
        let (Some(s), NotifyScope::Instance, NotifyEvent::State(state)) =
            (&self.dbus, n.scope, n.event)
        else {
            return;
        };
        let (unit, member) = self.router.plan_of(u, m);
        let Some(p) = member.or_else(|| unit.members.iter().find(|p| p.config.name == n.name))
        else {
            return;
        };
        s.state(key_of(&p.interface, &p.config), state);
    }

    /// Method calls waiting for the loop.
    pub(super) fn dbus_calls(&mut self, now: Instant) {
        while let Some(req) = self.dbus.as_ref().and_then(Service::next_call) {
            let found = match &req.call {
                Call::PrintData => {
                    log_info!("Printing VRRP data on DBus request");
                    self.write_snapshot(snapshot::Kind::Data);
                    true
                }
                Call::PrintStats { clear: false } => {
                    log_info!("Printing VRRP stats on DBus request");
                    self.write_snapshot(snapshot::Kind::Stats);
                    true
                }
                Call::PrintStats { clear: true } => {
                    log_info!("Printing and clearing VRRP stats on DBus request");
                    self.write_snapshot(snapshot::Kind::Stats);
                    self.router.clear_stats();
                    true
                }
                Call::SendGarp(key) => {
                    let name = self
                        .router
                        .instances()
                        .find(|(p, _, _)| key_of(&p.interface, &p.config) == *key)
                        .map(|(p, _, _)| p.config.name.clone());
                    match name {
                        Some(name) => {
                            log_info!("Sending garps on {name} on DBus request");
                            self.router.garp_round(&name, now)
                        }
                        None => false,
                    }
                }
            };
            req.answer(found);
        }
    }
}
