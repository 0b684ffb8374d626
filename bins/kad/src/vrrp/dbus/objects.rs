//! The objects kad serves on the bus, as `org.keepalived.Vrrp1.Vrrp.xml` and
//! `org.keepalived.Vrrp1.Instance.xml` (Debian's keepalived 2.2.7) describe them; zbus adds
//! the Properties, Introspectable and Peer interfaces as GDBus does for keepalived.
//!
//! Everything here runs on zbus's executor thread. What needs the VRRP loop (the dumps, a
//! GARP round) goes to it as a [`Request`] and waits for the answer; the properties are read
//! from the mirror the DBus thread keeps, so a property read never touches the loop.

use std::collections::HashMap;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use keepalive_vrrp::State;
use zbus::fdo;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{Signature, Structure, Type, Value};

use super::path::{self, Family, Key, Paths};

/// How long a method waits for the VRRP loop before answering with an error.
const LOOP_ANSWER: Duration = Duration::from_secs(5);
/// `IFNAMSIZ`: `CreateInstance` refuses an interface name this long or longer.
const IFNAMSIZ: usize = 16;

/// What a method asks of the VRRP loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// `PrintData`: write the data dump (as SIGUSR1).
    PrintData,
    /// `PrintStats` / `PrintStatsClear`: write the statistics dump (as SIGUSR2), then with
    /// `clear` zero the counters.
    PrintStats {
        /// `PrintStatsClear`.
        clear: bool,
    },
    /// `SendGarp`: one GARP/NA round for the instance behind this key, if it has its VIPs.
    SendGarp(Key),
}

/// A [`Call`] and the way back to the waiting method.
#[derive(Debug)]
pub struct Request {
    /// What to do.
    pub call: Call,
    reply: mpsc::SyncSender<bool>,
}

impl Request {
    /// Answers the method: `found` is false when `SendGarp` found no such instance.
    pub fn answer(self, found: bool) {
        let _ = self.reply.send(found);
    }
}

/// An instance as the VRRP loop reported it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// `vrrp_instance` name.
    pub name: String,
    /// Its state.
    pub state: State,
}

/// What the objects and the DBus thread share.
#[derive(Debug)]
pub struct Shared {
    /// Where the objects live.
    pub paths: Paths,
    /// The instances by key, as the loop reported them.
    pub instances: Mutex<HashMap<Key, Reported>>,
    /// Instance objects by instance name (keepalived's `objects` table): the configuration's
    /// and those `CreateInstance` made, with their paths.
    pub objects: Mutex<HashMap<String, String>>,
    calls: Sender<Request>,
    waker: mio::Waker,
    /// `ReloadConfig`: asks kad's parent to reload (keepalived sends SIGHUP to its parent).
    reload: fn(),
}

impl Shared {
    /// State shared by the objects of one service.
    pub fn new(paths: Paths, calls: Sender<Request>, waker: mio::Waker, reload: fn()) -> Shared {
        Shared {
            paths,
            instances: Mutex::new(HashMap::new()),
            objects: Mutex::new(HashMap::new()),
            calls,
            waker,
            reload,
        }
    }

    /// The mirror, even if a thread panicked holding it.
    pub fn instances(&self) -> MutexGuard<'_, HashMap<Key, Reported>> {
        self.instances.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The object table, even if a thread panicked holding it.
    pub fn objects(&self) -> MutexGuard<'_, HashMap<String, String>> {
        self.objects.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands `call` to the VRRP loop and waits for its answer.
    fn ask(&self, call: Call) -> fdo::Result<bool> {
        let (reply, answer) = mpsc::sync_channel(1);
        let lost = || fdo::Error::Failed("the VRRP process is not answering".into());
        self.calls
            .send(Request { call, reply })
            .map_err(|_| lost())?;
        self.waker.wake().map_err(|_| lost())?;
        answer.recv_timeout(LOOP_ANSWER).map_err(|_| lost())
    }

    fn print_data(&self) -> fdo::Result<()> {
        self.ask(Call::PrintData).map(drop)
    }

    fn print_stats(&self, clear: bool) -> fdo::Result<()> {
        self.ask(Call::PrintStats { clear }).map(drop)
    }

    fn reload_config(&self) {
        (self.reload)();
    }

    /// `CreateInstance`: an instance object for `iname` at the path the other arguments
    /// make. As keepalived, a name already in the table or a path already taken is logged
    /// and the call still succeeds.
    async fn create_instance(
        self: &Arc<Shared>,
        server: &zbus::ObjectServer,
        iname: String,
        interface: String,
        vrid: u32,
        family: u32,
    ) -> fdo::Result<()> {
        if interface.is_empty() || interface.len() >= IFNAMSIZ {
            log_info!("Interface name '{interface}' too long for CreateInstance");
            return Err(fdo::Error::InvalidArgs(
                "Interface name empty or too long".into(),
            ));
        }
        // keepalived reads the vrid into a byte.
        let key = Key::new(&interface, vrid as u8, Family::from_number(family));
        let path = self.paths.instance(&key);
        if self.objects().contains_key(&iname) {
            log_info!("An object for instance {iname} already exists");
            return Ok(());
        }
        let object = Instance {
            key,
            shared: self.clone(),
        };
        match server.at(path.as_str(), object).await {
            Ok(true) => {
                self.objects().insert(iname.clone(), path.clone());
                log_info!("Added DBus object for instance {iname} on path {path}");
            }
            Ok(false) => {
                log_info!("Registering DBus object on {path} failed: an object is already there")
            }
            Err(e) => log_info!("Registering DBus object on {path} failed: {e}"),
        }
        Ok(())
    }

    /// `DestroyInstance`: removes the object of instance `iname`, whoever made it.
    async fn destroy_instance(
        &self,
        server: &zbus::ObjectServer,
        iname: String,
    ) -> fdo::Result<()> {
        let Some(path) = self.objects().remove(&iname) else {
            return Err(fdo::Error::InvalidArgs(format!(
                "Instance '{iname}' not found"
            )));
        };
        let _ = server.remove::<Instance, _>(path.as_str()).await;
        log_info!("Deleted DBus object for instance {iname}");
        Ok(())
    }
}

/// `/org/keepalived/Vrrp1/Vrrp` as Debian's keepalived has it (built without
/// `--enable-dbus-create-instance`).
#[derive(Debug)]
pub struct Vrrp {
    /// The service's state.
    pub shared: Arc<Shared>,
}

#[zbus::interface(name = "org.keepalived.Vrrp1.Vrrp")]
impl Vrrp {
    /// Writes the data dump (`/tmp/keepalived.data`).
    fn print_data(&self) -> fdo::Result<()> {
        self.shared.print_data()
    }

    /// Writes the statistics dump (`/tmp/keepalived.stats`).
    fn print_stats(&self) -> fdo::Result<()> {
        self.shared.print_stats(false)
    }

    /// Writes the statistics dump, then zeroes the counters.
    fn print_stats_clear(&self) -> fdo::Result<()> {
        self.shared.print_stats(true)
    }

    /// Reloads the configuration, as SIGHUP to kad does.
    fn reload_config(&self) {
        self.shared.reload_config();
    }

    /// After the name is owned, before the first `VrrpStatusChange`.
    #[zbus(signal)]
    pub async fn vrrp_started(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    /// After each reload of the configuration.
    #[zbus(signal)]
    pub async fn vrrp_reloaded(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    /// When the VRRP process stops, before it leaves the bus.
    #[zbus(signal)]
    pub async fn vrrp_stopped(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

/// The VRRP object of a keepalived built with `--enable-dbus-create-instance`, which kad
/// serves with its `--dbus-create-instance` option.
#[derive(Debug)]
pub struct VrrpCreating {
    /// The service's state.
    pub shared: Arc<Shared>,
}

#[zbus::interface(name = "org.keepalived.Vrrp1.Vrrp")]
impl VrrpCreating {
    /// Writes the data dump (`/tmp/keepalived.data`).
    fn print_data(&self) -> fdo::Result<()> {
        self.shared.print_data()
    }

    /// Writes the statistics dump (`/tmp/keepalived.stats`).
    fn print_stats(&self) -> fdo::Result<()> {
        self.shared.print_stats(false)
    }

    /// Writes the statistics dump, then zeroes the counters.
    fn print_stats_clear(&self) -> fdo::Result<()> {
        self.shared.print_stats(true)
    }

    /// Reloads the configuration, as SIGHUP to kad does.
    fn reload_config(&self) {
        self.shared.reload_config();
    }

    /// Makes an instance object at the path built from `interface`, `vrid` and `family`
    /// (4 or 6); its methods and properties work only while an instance matches it.
    async fn create_instance(
        &self,
        #[zbus(object_server)] server: &zbus::ObjectServer,
        iname: String,
        interface: String,
        vrid: u32,
        family: u32,
    ) -> fdo::Result<()> {
        Shared::create_instance(&self.shared, server, iname, interface, vrid, family).await
    }

    /// Removes the object of instance `iname`.
    async fn destroy_instance(
        &self,
        #[zbus(object_server)] server: &zbus::ObjectServer,
        iname: String,
    ) -> fdo::Result<()> {
        self.shared.destroy_instance(server, iname).await
    }

    /// After the name is owned, before the first `VrrpStatusChange`.
    #[zbus(signal)]
    pub async fn vrrp_started(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    /// After each reload of the configuration.
    #[zbus(signal)]
    pub async fn vrrp_reloaded(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;

    /// When the VRRP process stops, before it leaves the bus.
    #[zbus(signal)]
    pub async fn vrrp_stopped(emitter: &SignalEmitter<'_>) -> zbus::Result<()>;
}

/// `Name` as keepalived 2.2.7 sends it: introspected as `s` but sent as the structure
/// `(s)` (its `g_variant_new("(s)", …)`), so clients written against keepalived read it
/// the same way from kad.
#[derive(Debug, Clone)]
pub struct NameValue(pub String);

impl Type for NameValue {
    const SIGNATURE: &'static Signature = &Signature::Str;
}

impl From<NameValue> for Value<'static> {
    fn from(v: NameValue) -> Value<'static> {
        Value::Structure(Structure::from((v.0,)))
    }
}

/// `/org/keepalived/Vrrp1/Instance/<interface>/<vrid>/<family>`.
#[derive(Debug)]
pub struct Instance {
    /// Which instance the path names.
    pub key: Key,
    /// The service's state.
    pub shared: Arc<Shared>,
}

impl Instance {
    fn not_found(&self) -> fdo::Error {
        fdo::Error::InvalidArgs(format!("Instance '{}' not found", self.key.describe()))
    }

    fn reported(&self) -> fdo::Result<Reported> {
        let all = self.shared.instances();
        all.get(&self.key).cloned().ok_or_else(|| self.not_found())
    }
}

#[zbus::interface(name = "org.keepalived.Vrrp1.Instance")]
impl Instance {
    /// Sends one gratuitous ARP (or unsolicited NA) round for the VIPs, if they are set.
    fn send_garp(&self) -> fdo::Result<()> {
        match self.shared.ask(Call::SendGarp(self.key.clone()))? {
            true => Ok(()),
            false => Err(self.not_found()),
        }
    }

    /// Each change of state: keepalived's `VRRP_STATE_*` number.
    #[zbus(signal)]
    pub async fn vrrp_status_change(emitter: &SignalEmitter<'_>, status: u32) -> zbus::Result<()>;

    /// The `vrrp_instance` name.
    #[zbus(property)]
    fn name(&self) -> fdo::Result<NameValue> {
        self.reported().map(|r| NameValue(r.name))
    }

    /// The state as number and word (`(2, 'Master')`).
    #[zbus(property)]
    fn state(&self) -> fdo::Result<(u32, String)> {
        self.reported().map(|r| {
            (
                path::state_number(r.state),
                path::state_name(r.state).to_owned(),
            )
        })
    }
}
