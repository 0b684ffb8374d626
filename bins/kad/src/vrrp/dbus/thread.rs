//! The DBus thread: connects to the system bus, owns the service name, keeps one object per
//! instance and sends the signals, from the updates the VRRP loop queues for it.
//!
//! The loop only ever queues (never waits), so a slow or stuck bus delays nothing but this
//! thread; keepalived runs its GDBus main loop in a thread for the same reason.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

use keepalive_vrrp::State;
use zbus::blocking::Connection;

use super::objects::{Instance, Reported, Shared, Vrrp, VrrpCreating};
use super::path::{self, Key};

/// An instance as the loop describes it to the DBus thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceInfo {
    /// Interface, VRID and family.
    pub key: Key,
    /// `vrrp_instance` name.
    pub name: String,
    /// Its state now.
    pub state: State,
}

/// What the VRRP loop tells the DBus thread.
#[derive(Debug)]
pub enum Update {
    /// Every instance, at start (`reloaded` false) and after each reload.
    Instances {
        /// The instances.
        list: Vec<InstanceInfo>,
        /// After a reload: send `VrrpReloaded`.
        reloaded: bool,
    },
    /// An instance changed state (keepalived's `dbus_send_state_signal`).
    State {
        /// Which one.
        key: Key,
        /// Its new state.
        state: State,
    },
    /// The VRRP process stops: send `VrrpStopped`, leave the bus.
    Stop,
}

/// How the service is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `dbus_service_name`, else `org.keepalived.Vrrp1`.
    pub service: String,
    /// Whether the VRRP object has `CreateInstance` / `DestroyInstance`.
    pub create_instance: bool,
}

/// The thread's body; `done` is told when it has left the bus.
pub fn run(
    settings: Settings,
    shared: Arc<Shared>,
    updates: Receiver<Update>,
    done: SyncSender<()>,
) {
    match connect(&settings, &shared) {
        Ok(conn) => {
            log_info!("Acquired DBus bus {}", settings.service);
            log_info!("Acquired the name {} on the session bus", settings.service);
            let mut t = Thread {
                conn,
                shared,
                configured: HashMap::new(),
                started: false,
            };
            t.serve(&updates);
        }
        Err(e) => {
            log_err!("Failed to initialise DBus: {e}");
            // Keep taking updates until told to stop, so the loop's queue stays empty.
            while let Ok(u) = updates.recv() {
                if matches!(u, Update::Stop) {
                    break;
                }
            }
        }
    }
    let _ = done.send(());
}

fn connect(settings: &Settings, shared: &Arc<Shared>) -> zbus::Result<Connection> {
    let builder = zbus::blocking::connection::Builder::system()?;
    let vrrp = shared.paths.vrrp();
    let builder = if settings.create_instance {
        builder.serve_at(
            vrrp,
            VrrpCreating {
                shared: shared.clone(),
            },
        )?
    } else {
        builder.serve_at(
            vrrp,
            Vrrp {
                shared: shared.clone(),
            },
        )?
    };
    builder.name(settings.service.as_str())?.build()
}

struct Thread {
    conn: Connection,
    shared: Arc<Shared>,
    /// The configuration's instances: name and object path.
    configured: HashMap<String, String>,
    /// Whether `VrrpStarted` has been sent.
    started: bool,
}

impl Thread {
    fn serve(&mut self, updates: &Receiver<Update>) {
        while let Ok(u) = updates.recv() {
            match u {
                Update::Instances { list, reloaded } => self.instances(list, reloaded),
                Update::State { key, state } => self.state(&key, state),
                Update::Stop => break,
            }
        }
        self.stop();
    }

    /// Registers the objects of instances that are new and removes those of instances that
    /// are gone (keepalived's `dbus_reload()` and `dbus_remove_object()`), then signals.
    fn instances(&mut self, list: Vec<InstanceInfo>, reloaded: bool) {
        let paths = &self.shared.paths;
        let now: HashMap<String, String> = list
            .iter()
            .map(|i| (i.name.clone(), paths.instance(&i.key)))
            .collect();
        let server = self.conn.object_server();
        for (name, p) in &self.configured {
            if now.get(name) == Some(p) {
                continue;
            }
            let mut objects = self.shared.objects();
            if objects.get(name) == Some(p) {
                objects.remove(name);
            }
            if !objects.values().chain(now.values()).any(|q| q == p) {
                let _ = server.remove::<Instance, _>(p.as_str());
            }
            log_info!("Deleted DBus object for instance {name}");
        }
        for i in &list {
            let p = &now[&i.name];
            let object = Instance {
                key: i.key.clone(),
                shared: self.shared.clone(),
            };
            // Ok(false): the object is there already (kept across the reload).
            match server.at(p.as_str(), object) {
                Ok(_) => {
                    self.shared.objects().insert(i.name.clone(), p.clone());
                }
                Err(e) => log_info!("Registering DBus object on {p} failed: {e}"),
            }
        }
        drop(server);
        self.configured = now;
        let fresh = list
            .iter()
            .map(|i| {
                let r = Reported {
                    name: i.name.clone(),
                    state: i.state,
                };
                (i.key.clone(), r)
            })
            .collect();
        let previous = std::mem::replace(&mut *self.shared.instances(), fresh);
        if !self.started {
            self.started = true;
            // keepalived says it has started only when it has instances.
            if !list.is_empty() {
                self.vrrp_signal("VrrpStarted");
            }
            for i in &list {
                self.status_signal(&i.key, i.state);
            }
        } else if reloaded {
            self.vrrp_signal("VrrpReloaded");
            // A state the reload set already (its notification will find the mirror up to
            // date): instances that stay and changed, new ones past Init.
            for i in &list {
                let before = previous.get(&i.key).map(|r| r.state);
                if before != Some(i.state) && (before.is_some() || i.state != State::Init) {
                    self.status_signal(&i.key, i.state);
                }
            }
        }
    }

    /// Records the new state and sends `VrrpStatusChange` when it is one.
    fn state(&mut self, key: &Key, state: State) {
        {
            let mut all = self.shared.instances();
            let Some(r) = all.get_mut(key) else {
                return;
            };
            if r.state == state {
                return;
            }
            r.state = state;
        }
        self.status_signal(key, state);
    }

    /// keepalived's `dbus_stop()`: the objects go, then `VrrpStopped`.
    fn stop(&mut self) {
        let server = self.conn.object_server();
        for (_, p) in self.shared.objects().drain() {
            let _ = server.remove::<Instance, _>(p.as_str());
        }
        drop(server);
        self.vrrp_signal("VrrpStopped");
        let _ = self
            .conn
            .object_server()
            .remove::<Vrrp, _>(self.shared.paths.vrrp());
    }

    fn status_signal(&self, key: &Key, state: State) {
        let p = self.shared.paths.instance(key);
        let body = (path::state_number(state),);
        if let Err(e) = self.conn.emit_signal(
            None::<&str>,
            p.as_str(),
            path::INSTANCE_INTERFACE,
            "VrrpStatusChange",
            &body,
        ) {
            log_info!(
                "Emitting DBus signal {}.VrrpStatusChange on {p} failed: {e}",
                path::INSTANCE_INTERFACE
            );
        }
    }

    fn vrrp_signal(&self, member: &str) {
        let p = self.shared.paths.vrrp();
        if let Err(e) =
            self.conn
                .emit_signal(None::<&str>, p.as_str(), path::VRRP_INTERFACE, member, &())
        {
            log_info!(
                "Emitting DBus signal {}.{member} on {p} failed: {e}",
                path::VRRP_INTERFACE
            );
        }
    }
}
