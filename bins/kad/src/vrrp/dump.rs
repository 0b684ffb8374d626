//! The VRRP process's state dumps, in keepalived 2.2.7's formats, because operators and their
//! tools read them: SIGUSR1 writes the data dump (`vrrp_print_data` → `dump_data_vrrp`),
//! SIGUSR2 the statistics (`vrrp_print_stats`), and keepalived's `--signum=JSON` signal the
//! JSON state (`vrrp_print_json`).
//!
//! The event loop knows the live state and this module knows the layout, so the loop fills
//! plain view structs ([`InstanceView`], [`SyncGroupView`], [`ScriptView`], [`SocketView`],
//! [`InterfaceView`]) and calls [`data_text`], [`stats_text`] or [`json`], then
//! [`write_atomically`] to the file [`Paths`] names. The `from_config` constructors fill
//! everything the configuration decides, leaving the loop only the live fields.
//!
//! Where the files go (keepalived `set_tmp_dir`, `make_tmp_filename`, `open_dump_file`): the
//! directory is `$TMPDIR` when it is an absolute path, else `/tmp`; no `global_defs` keyword
//! moves it (`tmp_config_directory` is where the configuration copy lives, not the dumps).
//! The names are `keepalived.data`, `keepalived.stats` and `keepalived.json`; with
//! `data_use_instance` and a top-level `instance` or `net_namespace`, the data file becomes
//! `keepalived.<namespace>_<instance>.data` (either part alone when only one is set).
//!
//! The files are created with mode 0600, as keepalived's umask 0177 leaves them: the data
//! dump holds the instances' PASS passwords.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keepalive_confparse::model::global::{GlobalDefs, LvsFlushOnStop, RcvBufs, RxBufsPolicy};
use keepalive_confparse::model::script::Script;
use keepalive_confparse::model::vrrp::address::{Broadcast, IpAddress, Lifetime, Scope};
use keepalive_confparse::model::vrrp::instance::{AuthType, Instance as InstanceConfig, Notify};
use keepalive_confparse::model::vrrp::track::{TrackRef, Tracking, VrrpScript};
use keepalive_confparse::model::vrrp::SyncGroup as SyncGroupConfig;
use keepalive_confparse::model::Config;
use keepalive_vrrp::instance::InstanceStats;
use keepalive_vrrp::State;

use crate::smtp_alert::{alert_enabled, unix_secs, LocalTime};

/// keepalived's directory for dumps when `$TMPDIR` is unset or relative.
pub const DEFAULT_TMP_DIR: &str = "/tmp";

/// Where the three dumps are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// SIGUSR1: `keepalived.data`.
    pub data: PathBuf,
    /// SIGUSR2: `keepalived.stats`.
    pub stats: PathBuf,
    /// The JSON signal: `keepalived.json`.
    pub json: PathBuf,
    /// SIGUSR1 in the parent: `keepalived_parent.data`, its global definitions.
    pub parent: PathBuf,
}

impl Paths {
    /// The paths for a temporary directory and the configuration's `data_use_instance`,
    /// `net_namespace` and `instance`.
    pub fn new(
        tmp_dir: &Path,
        data_use_instance: bool,
        net_namespace: Option<&str>,
        instance: Option<&str>,
    ) -> Paths {
        let data = if data_use_instance && (net_namespace.is_some() || instance.is_some()) {
            let sep = if net_namespace.is_some() && instance.is_some() {
                "_"
            } else {
                ""
            };
            format!(
                "keepalived.{}{sep}{}.data",
                net_namespace.unwrap_or(""),
                instance.unwrap_or("")
            )
        } else {
            "keepalived.data".to_string()
        };
        let parent = data.replacen("keepalived", "keepalived_parent", 1);
        Paths {
            parent: tmp_dir.join(parent),
            data: tmp_dir.join(data),
            stats: tmp_dir.join("keepalived.stats"),
            json: tmp_dir.join("keepalived.json"),
        }
    }

    /// The paths for `config` in this process's environment.
    pub fn for_config(config: &Config) -> Paths {
        Paths::new(
            &tmp_dir(std::env::var_os("TMPDIR").as_deref().map(Path::new)),
            config.global.data_use_instance,
            config.top.net_namespace.as_deref(),
            config.top.instance.as_deref(),
        )
    }
}

/// keepalived's `set_tmp_dir`: `$TMPDIR` if it is absolute, else `/tmp`.
pub fn tmp_dir(env_tmpdir: Option<&Path>) -> PathBuf {
    match env_tmpdir {
        Some(p) if p.is_absolute() => p.to_path_buf(),
        _ => PathBuf::from(DEFAULT_TMP_DIR),
    }
}

/// Writes `text` to `path` so a reader never sees half a dump: into a new file beside it
/// (created exclusively, so no symlink is followed), mode 0600, then renamed over `path`.
pub fn write_atomically(path: &Path, text: &str) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dump".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.flush()?;
        drop(f);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// A tracked object as an instance or group lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackView {
    /// Interface, script, file, process or BFD name.
    pub name: String,
    /// The weight in effect (the reference's own, else the object's).
    pub weight: i32,
    /// `reverse`.
    pub reverse: bool,
    /// For scripts: the command as [`cmd_str`] prints it (the JSON dump lists commands).
    pub command: Option<String>,
}

/// A notify script and the ids it runs as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptCmd {
    /// [`cmd_str`] of the script.
    pub cmd: String,
    /// uid it runs as.
    pub uid: u32,
    /// gid it runs as.
    pub gid: u32,
}

/// An instance's or group's notify scripts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyView {
    /// `notify_backup`.
    pub backup: Option<ScriptCmd>,
    /// `notify_master`.
    pub master: Option<ScriptCmd>,
    /// `notify_fault`.
    pub fault: Option<ScriptCmd>,
    /// `notify_stop`.
    pub stop: Option<ScriptCmd>,
    /// `notify_deleted` with a script.
    pub deleted: Option<ScriptCmd>,
    /// `notify`.
    pub generic: Option<ScriptCmd>,
    /// `notify_master_rx_lower_pri`.
    pub master_rx_lower_pri: Option<ScriptCmd>,
}

/// The current master, as a backup knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MasterView {
    /// Its address (the adverts' source).
    pub addr: IpAddr,
    /// The priority it advertises.
    pub priority: u8,
}

/// The VMAC interface of an instance with `use_vmac`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VmacView {
    /// e.g. `vrrp.51`.
    pub ifname: String,
    /// The interface it sits on.
    pub base_ifname: String,
    /// Whether it is up.
    pub up: bool,
    /// `vmac_xmit_base`.
    pub xmit_base: bool,
}

/// A `unicast_peer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerView {
    /// Its address.
    pub addr: IpAddr,
    /// `min_ttl`.
    pub min_ttl: u8,
    /// `max_ttl`.
    pub max_ttl: u8,
}

/// `authentication`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AuthView {
    /// None.
    #[default]
    None,
    /// `PASS` with its password.
    Pass(String),
    /// `AH` with its key.
    Ah(String),
}

/// One `vrrp_instance` as the dumps show it.
#[derive(Debug, Clone)]
pub struct InstanceView {
    /// `vrrp_instance` name.
    pub name: String,
    /// 2 or 3.
    pub version: u8,
    /// The sync group it belongs to.
    pub sync_group: Option<String>,
    /// An IPv6 instance.
    pub ipv6: bool,
    /// Current state.
    pub state: State,
    /// The state it is heading for (keepalived `wantstate`); usually `state`.
    pub wantstate: State,
    /// The master, while Backup.
    pub master: Option<MasterView>,
    /// The master's advert interval (v3), else `advert_int`.
    pub master_adver_int: Duration,
    /// Sending unicast.
    pub unicast: bool,
    /// `unicast_fault_no_peer`.
    pub unicast_fault_no_peer: bool,
    /// Configuration problems found at startup.
    pub config_faults: u32,
    /// Tracked interfaces and scripts now failed.
    pub if_script_faults: u32,
    /// Tracked scripts that have not reported yet.
    pub scripts_init: u32,
    /// When the state last changed.
    pub last_transition: SystemTime,
    /// When the current timer fires; `None` for keepalived's `DISABLED`.
    pub read_timeout: Option<SystemTime>,
    /// The master-down interval.
    pub master_down_timer: Duration,
    /// `use_vmac`.
    pub vmac: Option<VmacView>,
    /// The interface it runs on (`None`: not configured).
    pub interface: Option<String>,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `skip_check_adv_addr`.
    pub skip_check_adv_addr: bool,
    /// `strict_mode`.
    pub strict_mode: bool,
    /// The adverts' source address.
    pub src_ip: Option<IpAddr>,
    /// Whether that came from `mcast_src_ip`/`unicast_src_ip`.
    pub src_ip_from_config: bool,
    /// The multicast group.
    pub mcast_group: IpAddr,
    /// For IPv6, the interface index the group is joined on.
    pub mcast_ifindex: u32,
    /// `garp_master_delay`.
    pub garp_delay: Duration,
    /// `garp_master_repeat`.
    pub garp_rep: u32,
    /// `garp_master_refresh`.
    pub garp_refresh: Duration,
    /// `garp_master_refresh_repeat`.
    pub garp_refresh_rep: u32,
    /// `garp_lower_prio_delay`.
    pub garp_lower_prio_delay: Duration,
    /// `garp_lower_prio_repeat`.
    pub garp_lower_prio_rep: u32,
    /// `down_timer_adverts`.
    pub down_timer_adverts: u32,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// `priority`.
    pub base_priority: u8,
    /// The priority after tracking.
    pub effective_priority: u8,
    /// The unclamped sum of base priority and weights.
    pub total_priority: i32,
    /// `advert_int`.
    pub advert_int: Duration,
    /// `accept` in effect.
    pub accept: bool,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `preempt_delay`.
    pub preempt_delay: Duration,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// `authentication`.
    pub auth: AuthView,
    /// `kernel_rx_buf_size`.
    pub kernel_rx_buf_size: Option<u32>,
    /// `debug`.
    pub debug: u8,
    /// `virtual_ipaddress`, each as [`format_address`] writes it.
    pub vips: Vec<String>,
    /// `virtual_ipaddress_excluded`, likewise.
    pub evips: Vec<String>,
    /// `unicast_ttl`.
    pub unicast_ttl: u8,
    /// `check_unicast_src`.
    pub check_unicast_src: bool,
    /// `unicast_peer`.
    pub unicast_peers: Vec<PeerView>,
    /// `old_unicast_checksum`: `no`, `never`, `config` or `auto`.
    pub unicast_chksum_compat: &'static str,
    /// The receive and send descriptors, once sockets are open.
    pub sockets: Option<(i32, i32)>,
    /// `virtual_routes`, preformatted.
    pub vroutes: Vec<String>,
    /// `virtual_rules`, preformatted.
    pub vrules: Vec<String>,
    /// `track_interface`.
    pub track_interfaces: Vec<TrackView>,
    /// `track_script`.
    pub track_scripts: Vec<TrackView>,
    /// `track_file`.
    pub track_files: Vec<TrackView>,
    /// `track_process`.
    pub track_processes: Vec<TrackView>,
    /// `track_bfd`.
    pub track_bfds: Vec<TrackView>,
    /// `smtp_alert` in effect.
    pub smtp_alert: bool,
    /// `notify_deleted`.
    pub notify_deleted: bool,
    /// Notify scripts.
    pub notify: NotifyView,
    /// `notify_priority_changes`.
    pub notify_priority_changes: bool,
    /// Whether the VIPs are installed.
    pub vipset: bool,
    /// Counters.
    pub stats: InstanceStats,
}

impl Default for InstanceView {
    fn default() -> Self {
        InstanceView {
            name: String::new(),
            version: 2,
            sync_group: None,
            ipv6: false,
            state: State::Init,
            wantstate: State::Init,
            master: None,
            master_adver_int: Duration::from_secs(1),
            unicast: false,
            unicast_fault_no_peer: false,
            config_faults: 0,
            if_script_faults: 0,
            scripts_init: 0,
            last_transition: UNIX_EPOCH,
            read_timeout: None,
            master_down_timer: Duration::ZERO,
            vmac: None,
            interface: None,
            dont_track_primary: false,
            skip_check_adv_addr: false,
            strict_mode: false,
            src_ip: None,
            src_ip_from_config: false,
            mcast_group: IpAddr::V4(Ipv4Addr::new(224, 0, 0, 18)),
            mcast_ifindex: 0,
            garp_delay: Duration::from_secs(5),
            garp_rep: 5,
            garp_refresh: Duration::ZERO,
            garp_refresh_rep: 1,
            garp_lower_prio_delay: Duration::from_secs(5),
            garp_lower_prio_rep: 5,
            down_timer_adverts: 3,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            vrid: 0,
            base_priority: 100,
            effective_priority: 100,
            total_priority: 100,
            advert_int: Duration::from_secs(1),
            accept: true,
            nopreempt: false,
            preempt_delay: Duration::ZERO,
            promote_secondaries: false,
            auth: AuthView::None,
            kernel_rx_buf_size: None,
            debug: 0,
            vips: Vec::new(),
            evips: Vec::new(),
            unicast_ttl: 255,
            check_unicast_src: false,
            unicast_peers: Vec::new(),
            unicast_chksum_compat: "no",
            sockets: None,
            vroutes: Vec::new(),
            vrules: Vec::new(),
            track_interfaces: Vec::new(),
            track_scripts: Vec::new(),
            track_files: Vec::new(),
            track_processes: Vec::new(),
            track_bfds: Vec::new(),
            smtp_alert: false,
            notify_deleted: false,
            notify: NotifyView::default(),
            notify_priority_changes: false,
            vipset: false,
            stats: InstanceStats::default(),
        }
    }
}

impl InstanceView {
    /// Everything the configuration decides about `cfg`, with keepalived's defaults and the
    /// `global_defs` fallbacks applied. The caller then sets the live fields: `state`,
    /// `wantstate`, `master`, `master_adver_int`, `effective_priority`, `total_priority`,
    /// `last_transition`, `read_timeout`, `master_down_timer`, `interface` (if it differs),
    /// `src_ip`, `sockets`, `vmac`, `vipset` (and then the VIP strings again, see
    /// [`format_address`]), `if_script_faults`, `scripts_init`, `mcast_ifindex`, `stats`.
    pub fn from_config(cfg: &InstanceConfig, config: &Config) -> InstanceView {
        let g = &config.global;
        let ipv6 = is_ipv6(cfg);
        let version = if ipv6 {
            3
        } else {
            cfg.version.unwrap_or(g.vrrp_version)
        };
        let priority = cfg.priority.unwrap_or(100);
        let advert_int = cfg.advert_int.0.as_duration();
        let dev = cfg.interface.clone().unwrap_or_default();
        let strict = cfg.strict_mode.unwrap_or(g.vrrp_strict);
        let garp_delay = cfg
            .garp_master_delay
            .unwrap_or(g.vrrp_garp_master_delay)
            .as_duration();
        let garp_rep = cfg.garp_master_repeat.unwrap_or(g.vrrp_garp_master_repeat);
        let ids = ScriptIds::new(g);
        let scripts = |refs: &[TrackRef]| -> Vec<TrackView> {
            refs.iter()
                .map(|r| {
                    let s = config.vrrp.scripts.iter().find(|s| s.name == r.name);
                    TrackView {
                        name: r.name.clone(),
                        weight: r.weight.or(s.map(|s| s.weight)).unwrap_or(0),
                        reverse: r.reverse.or(s.map(|s| s.reverse)).unwrap_or(false),
                        command: s.and_then(|s| s.script.as_ref()).map(cmd_str),
                    }
                })
                .collect()
        };
        let files = |refs: &[TrackRef]| -> Vec<TrackView> {
            refs.iter()
                .map(|r| {
                    let f = config.vrrp.track_files.iter().find(|f| f.name == r.name);
                    TrackView {
                        name: r.name.clone(),
                        weight: r.weight.or(f.map(|f| f.weight)).unwrap_or(0),
                        reverse: r.reverse.or(f.map(|f| f.reverse)).unwrap_or(false),
                        command: None,
                    }
                })
                .collect()
        };
        let processes = |refs: &[TrackRef]| -> Vec<TrackView> {
            refs.iter()
                .map(|r| {
                    let p = config
                        .vrrp
                        .track_processes
                        .iter()
                        .find(|p| p.name == r.name);
                    TrackView {
                        name: r.name.clone(),
                        weight: r.weight.or(p.map(|p| p.weight)).unwrap_or(0),
                        reverse: r.reverse.unwrap_or(false),
                        command: None,
                    }
                })
                .collect()
        };
        let plain = |refs: &[TrackRef]| -> Vec<TrackView> {
            refs.iter()
                .map(|r| TrackView {
                    name: r.name.clone(),
                    weight: r.weight.unwrap_or(0),
                    reverse: r.reverse.unwrap_or(false),
                    command: None,
                })
                .collect()
        };
        let track = &cfg.track;
        InstanceView {
            name: cfg.name.clone(),
            version,
            sync_group: cfg.sync_group.clone(),
            ipv6,
            unicast: !cfg.unicast_peers.is_empty(),
            unicast_fault_no_peer: cfg.unicast_fault_no_peer,
            master_adver_int: advert_int,
            interface: cfg.interface.clone(),
            dont_track_primary: cfg.dont_track_primary,
            skip_check_adv_addr: cfg
                .skip_check_adv_addr
                .unwrap_or(g.vrrp_skip_check_adv_addr),
            strict_mode: strict,
            src_ip: cfg.src_ip,
            src_ip_from_config: cfg.src_ip.is_some(),
            mcast_group: cfg.mcast_dst_ip.unwrap_or(if ipv6 {
                IpAddr::V6(g.vrrp_mcast_group6)
            } else {
                IpAddr::V4(g.vrrp_mcast_group4)
            }),
            garp_delay,
            garp_rep,
            garp_refresh: cfg
                .garp_master_refresh
                .unwrap_or(g.vrrp_garp_master_refresh)
                .as_duration(),
            garp_refresh_rep: cfg
                .garp_master_refresh_repeat
                .unwrap_or(g.vrrp_garp_master_refresh_repeat),
            garp_lower_prio_delay: cfg
                .garp_lower_prio_delay
                .or(g.vrrp_garp_lower_prio_delay)
                .map(|m| m.as_duration())
                .unwrap_or(garp_delay),
            garp_lower_prio_rep: cfg
                .garp_lower_prio_repeat
                .or(g.vrrp_garp_lower_prio_repeat)
                .unwrap_or(garp_rep),
            down_timer_adverts: cfg.down_timer_adverts.unwrap_or(g.vrrp_down_timer_adverts),
            lower_prio_no_advert: cfg
                .lower_prio_no_advert
                .unwrap_or(g.vrrp_lower_prio_no_advert),
            higher_prio_send_advert: cfg
                .higher_prio_send_advert
                .unwrap_or(g.vrrp_higher_prio_send_advert),
            vrid: cfg.virtual_router_id.unwrap_or(0),
            base_priority: priority,
            effective_priority: priority,
            total_priority: i32::from(priority),
            advert_int,
            accept: cfg.accept.unwrap_or(!strict || priority == 255),
            nopreempt: cfg.nopreempt,
            preempt_delay: cfg.preempt_delay.as_duration(),
            promote_secondaries: cfg.promote_secondaries,
            auth: match &cfg.authentication {
                Some(a) => match a.auth_type {
                    Some(AuthType::Pass) => AuthView::Pass(password(a.auth_pass.as_deref())),
                    Some(AuthType::Ah) => AuthView::Ah(password(a.auth_pass.as_deref())),
                    None => AuthView::None,
                },
                None => AuthView::None,
            },
            kernel_rx_buf_size: cfg.kernel_rx_buf_size,
            debug: cfg.debug,
            vips: cfg
                .virtual_ipaddress
                .iter()
                .map(|a| format_address(a, &dev, false))
                .collect(),
            evips: cfg
                .virtual_ipaddress_excluded
                .iter()
                .map(|a| format_address(a, &dev, false))
                .collect(),
            unicast_ttl: cfg.unicast_ttl.unwrap_or(255),
            check_unicast_src: cfg.check_unicast_src || g.vrrp_check_unicast_src,
            unicast_peers: cfg
                .unicast_peers
                .iter()
                .map(|p| PeerView {
                    addr: p.addr,
                    min_ttl: p.min_ttl,
                    max_ttl: p.max_ttl,
                })
                .collect(),
            track_interfaces: plain(&track.interfaces),
            track_scripts: scripts(&track.scripts),
            track_files: files(&track.files),
            track_processes: processes(&track.processes),
            track_bfds: plain(&track.bfds),
            smtp_alert: alert_enabled(cfg.smtp_alert, g.smtp_alert_vrrp, g.smtp_alert, false),
            notify_deleted: cfg.notify.deleted.is_some(),
            notify: notify_view(&cfg.notify, &ids),
            notify_priority_changes: cfg
                .notify_priority_changes
                .unwrap_or(g.vrrp_notify_priority_changes),
            ..InstanceView::default()
        }
    }
}

fn is_ipv6(cfg: &InstanceConfig) -> bool {
    use keepalive_confparse::model::vrrp::address::Family;
    match cfg.family {
        Some(f) => f == Family::Inet6,
        None => cfg
            .virtual_ipaddress
            .first()
            .map(|a| a.addr.addr.is_ipv6())
            .or(cfg.src_ip.map(|a| a.is_ipv6()))
            .or(cfg.unicast_peers.first().map(|p| p.addr.is_ipv6()))
            .unwrap_or(false),
    }
}

/// keepalived keeps 8 bytes of a password.
fn password(p: Option<&str>) -> String {
    let p = p.unwrap_or("");
    let mut end = p.len().min(8);
    while !p.is_char_boundary(end) {
        end -= 1;
    }
    p[..end].to_string()
}

/// The uid and gid scripts run as: their own `user [group]`, else `script_user`, else
/// keepalived's default user `keepalived_script`, else root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptIds {
    /// Default uid.
    pub uid: u32,
    /// Default gid.
    pub gid: u32,
}

impl ScriptIds {
    /// The default ids for `global_defs`.
    pub fn new(g: &GlobalDefs) -> ScriptIds {
        let (user, group) = match &g.script_user {
            Some((u, grp)) => (u.as_str(), grp.as_deref()),
            None => ("keepalived_script", None),
        };
        lookup(user, group).unwrap_or(ScriptIds { uid: 0, gid: 0 })
    }

    /// The ids `script` runs as.
    pub fn of(&self, script: &Script) -> ScriptIds {
        match &script.user {
            Some(u) => lookup(u, script.group.as_deref()).unwrap_or(*self),
            None => *self,
        }
    }
}

fn lookup(user: &str, group: Option<&str>) -> Option<ScriptIds> {
    let u = nix::unistd::User::from_name(user).ok().flatten()?;
    let gid = match group {
        Some(g) => nix::unistd::Group::from_name(g).ok().flatten()?.gid,
        None => u.gid,
    };
    Some(ScriptIds {
        uid: u.uid.as_raw(),
        gid: gid.as_raw(),
    })
}

/// keepalived's `cmd_str`: each word single-quoted, the program resolved like `execve` will
/// find it (keepalived prints `'/usr/bin/true'` for `/bin/true` on a merged-/usr system).
pub fn cmd_str(script: &Script) -> String {
    let mut words = script.args.iter();
    let mut out = String::new();
    if let Some(prog) = words.next() {
        let _ = write!(out, "'{}'", resolve_program(prog));
    }
    for w in words {
        let _ = write!(out, " '{w}'");
    }
    out
}

fn resolve_program(prog: &str) -> String {
    let found = if prog.contains('/') {
        Some(PathBuf::from(prog))
    } else {
        std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                .map(|d| d.join(prog))
                .find(|p| p.is_file())
        })
    };
    found
        .and_then(|p| fs::canonicalize(p).ok())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| prog.to_string())
}

fn notify_view(n: &Notify, ids: &ScriptIds) -> NotifyView {
    let cmd = |s: &Option<Box<Script>>| {
        s.as_deref().map(|s| {
            let i = ids.of(s);
            ScriptCmd {
                cmd: cmd_str(s),
                uid: i.uid,
                gid: i.gid,
            }
        })
    };
    NotifyView {
        backup: cmd(&n.backup),
        master: cmd(&n.master),
        fault: cmd(&n.fault),
        stop: cmd(&n.stop),
        deleted: n.deleted.as_ref().and_then(&cmd),
        generic: cmd(&n.any),
        master_rx_lower_pri: cmd(&n.master_rx_lower_pri),
    }
}

/// keepalived's `format_ipaddress`: `192.0.2.100/24 dev eth0 scope global label eth0:1 set`.
/// `default_dev` is the instance's interface, used when the address has no `dev`; `set`
/// says whether the address is installed now.
pub fn format_address(a: &IpAddress, default_dev: &str, set: bool) -> String {
    let mut s = format!("{}/{}", a.addr.addr, a.addr.len);
    if let (IpAddr::V4(v4), Some(b)) = (a.addr.addr, a.broadcast) {
        let host_mask = if a.addr.len >= 32 {
            0
        } else {
            u32::MAX >> a.addr.len
        };
        let brd = match b {
            Broadcast::Addr(IpAddr::V4(x)) => Some(x),
            Broadcast::Addr(IpAddr::V6(_)) => None,
            Broadcast::Plus => Some(Ipv4Addr::from(u32::from(v4) | host_mask)),
            Broadcast::Minus => Some(Ipv4Addr::from(u32::from(v4) & !host_mask)),
        };
        if let Some(brd) = brd.filter(|b| !b.is_unspecified()) {
            let _ = write!(s, " brd {brd}");
        }
    }
    let _ = write!(s, " dev {}", a.dev.as_deref().unwrap_or(default_dev));
    if a.use_vmac {
        s.push_str(" use_vmac");
    }
    let scope = match a.scope.unwrap_or(Scope::Global) {
        Scope::Global => "global".to_string(),
        Scope::Site => "site".to_string(),
        Scope::Link => "link".to_string(),
        Scope::Host => "host".to_string(),
        Scope::Nowhere => "nowhere".to_string(),
        Scope::Other(n) => n.to_string(),
    };
    let _ = write!(s, " scope {scope}");
    if let Some(l) = &a.label {
        let _ = write!(s, " label {l}");
    }
    if let Some(p) = &a.peer {
        let _ = write!(s, " peer {}/{}", p.addr, a.addr.len);
    }
    for (on, word) in [
        (a.home, " home"),
        (a.nodad, " -nodad"),
        (a.mngtmpaddr, " mngtmpaddr"),
        (a.noprefixroute, " noprefixroute"),
        (a.autojoin, " autojoin"),
        (a.no_track, " no_track"),
    ] {
        if on {
            s.push_str(word);
        }
    }
    if let Some(g) = &a.track_group {
        let _ = write!(s, " track_group {g}");
    }
    if a.addr.addr.is_ipv6() {
        // keepalived's default: deprecated (0) for a /128, forever otherwise.
        let lft = a.preferred_lft.unwrap_or(if a.addr.len == 128 {
            Lifetime::Secs(0)
        } else {
            Lifetime::Forever
        });
        match lft {
            Lifetime::Secs(0) => s.push_str(" deprecated"),
            Lifetime::Forever => s.push_str(" preferred_lft forever"),
            Lifetime::Secs(n) => {
                let _ = write!(s, " preferred_lft {n}");
            }
        }
    }
    if set {
        s.push_str(" set");
    }
    s
}

/// One `vrrp_sync_group`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncGroupView {
    /// Group name.
    pub name: String,
    /// Its state.
    pub state: Option<State>,
    /// Members in FAULT.
    pub num_member_fault: u32,
    /// Members in INIT.
    pub num_member_init: u32,
    /// Member instance names.
    pub members: Vec<String>,
    /// `sync_group_tracking_weight`.
    pub tracking_weight: bool,
    /// `smtp_alert` in effect.
    pub smtp_alert: bool,
    /// `notify_priority_changes` when set.
    pub notify_priority_changes: Option<bool>,
    /// `track_interface`.
    pub track_interfaces: Vec<TrackView>,
    /// `track_script`.
    pub track_scripts: Vec<TrackView>,
    /// `track_file`.
    pub track_files: Vec<TrackView>,
    /// `track_process`.
    pub track_processes: Vec<TrackView>,
    /// `track_bfd`.
    pub track_bfds: Vec<TrackView>,
    /// Notify scripts.
    pub notify: NotifyView,
}

impl SyncGroupView {
    /// What the configuration decides; the caller sets `state` and the member counts.
    pub fn from_config(sg: &SyncGroupConfig, config: &Config) -> SyncGroupView {
        let g = &config.global;
        let ids = ScriptIds::new(g);
        let t = |refs: &[TrackRef]| -> Vec<TrackView> {
            refs.iter()
                .map(|r| TrackView {
                    name: r.name.clone(),
                    weight: r.weight.unwrap_or(0),
                    reverse: r.reverse.unwrap_or(false),
                    command: None,
                })
                .collect()
        };
        let tr: &Tracking = &sg.track;
        SyncGroupView {
            name: sg.name.clone(),
            state: None,
            num_member_fault: 0,
            num_member_init: 0,
            members: sg.members.iter().map(|m| m.name.clone()).collect(),
            tracking_weight: sg.sync_group_tracking_weight,
            smtp_alert: alert_enabled(sg.smtp_alert, g.smtp_alert_vrrp, g.smtp_alert, false),
            notify_priority_changes: sg.notify_priority_changes,
            track_interfaces: t(&tr.interfaces),
            track_scripts: t(&tr.scripts),
            track_files: t(&tr.files),
            track_processes: t(&tr.processes),
            track_bfds: t(&tr.bfds),
            notify: notify_view(&sg.notify, &ids),
        }
    }
}

/// One `vrrp_script`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScriptView {
    /// Script name.
    pub name: String,
    /// [`cmd_str`].
    pub command: String,
    /// `interval`.
    pub interval: Duration,
    /// `timeout`.
    pub timeout: Duration,
    /// `weight`.
    pub weight: i32,
    /// `weight … reverse`.
    pub reverse: bool,
    /// `rise`.
    pub rise: u32,
    /// `fall`.
    pub fall: u32,
    /// keepalived's `result`: successes counted up to `rise + fall - 1`; good when
    /// `result >= rise`.
    pub result: i32,
    /// Refused by script security.
    pub insecure: bool,
    /// `INIT`, `INIT/FAILED`, `INIT/RELOAD` or `unknown` (reported).
    pub init_state: &'static str,
    /// uid and gid it runs as.
    pub uid: u32,
    /// See `uid`.
    pub gid: u32,
    /// Instances and groups that track it, with their weights.
    pub tracking: Vec<TrackView>,
    /// `idle`, `running`, `requested termination`, `forcing termination`.
    pub run_state: &'static str,
}

impl ScriptView {
    /// What the configuration decides; the caller sets `result`, `init_state`,
    /// `run_state` and `tracking`.
    pub fn from_config(s: &VrrpScript, config: &Config) -> ScriptView {
        let ids = ScriptIds::new(&config.global);
        let (command, i) = match &s.script {
            Some(sc) => (cmd_str(sc), ids.of(sc)),
            None => (String::new(), ids),
        };
        ScriptView {
            name: s.name.clone(),
            command,
            interval: s.interval.as_duration(),
            timeout: s.timeout.map(|t| t.as_duration()).unwrap_or_default(),
            weight: s.weight,
            reverse: s.reverse,
            rise: s.rise,
            fall: s.fall,
            result: 0,
            insecure: false,
            init_state: "INIT",
            uid: i.uid,
            gid: i.gid,
            tracking: Vec::new(),
            run_state: "idle",
        }
    }
}

/// One socket of the VRRP socket pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SocketView {
    /// Receive descriptor.
    pub fd_in: i32,
    /// Send descriptor.
    pub fd_out: i32,
    /// Interface.
    pub interface: String,
    /// IPv6 socket.
    pub ipv6: bool,
    /// Carries AH rather than VRRP.
    pub ah: bool,
    /// The unicast source, for a unicast socket.
    pub unicast_src: Option<IpAddr>,
    /// Receive buffer size set (0: the kernel's).
    pub rx_buf_size: u32,
    /// (instance name, vrid) using it.
    pub instances: Vec<(String, u8)>,
}

/// One interface, as far as kad knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceView {
    /// Name.
    pub name: String,
    /// ifindex.
    pub index: u32,
    /// Primary IPv4 address.
    pub ipv4: Option<Ipv4Addr>,
    /// Link-local (or first) IPv6 address.
    pub ipv6: Option<Ipv6Addr>,
    /// Hardware address (absent for loopback).
    pub mac: Option<[u8; 6]>,
    /// Broadcast hardware address.
    pub mac_broadcast: Option<[u8; 6]>,
    /// IFF_UP.
    pub up: bool,
    /// IFF_RUNNING.
    pub running: bool,
    /// IFF_LOOPBACK.
    pub loopback: bool,
    /// IFF_BROADCAST.
    pub broadcast: bool,
    /// IFF_MULTICAST.
    pub multicast: bool,
    /// MTU.
    pub mtu: u32,
    /// `ETHERNET`, `LOOPBACK`, …
    pub hw_type: String,
    /// Instances tracking it, with their weights.
    pub tracking: Vec<TrackView>,
}

/// The context of the `Global definitions` block that the configuration does not hold.
#[derive(Debug, Clone, Copy)]
pub struct GlobalView<'a> {
    /// The configuration in force.
    pub config: &'a Config,
    /// The process umask (keepalived's default 0177, or `-m`/`umask`).
    pub umask: u32,
    /// `enable_script_security` in effect.
    pub script_security: bool,
}

/// Everything the data dump shows.
#[derive(Debug, Clone, Copy)]
pub struct DumpData<'a> {
    /// Global settings.
    pub global: GlobalView<'a>,
    /// `static_ipaddress`, preformatted ([`format_address`]).
    pub static_addresses: &'a [String],
    /// `static_routes`, preformatted.
    pub static_routes: &'a [String],
    /// `static_rules`, preformatted.
    pub static_rules: &'a [String],
    /// Instances, in configuration order.
    pub instances: &'a [InstanceView],
    /// The socket pool.
    pub sockets: &'a [SocketView],
    /// Sync groups.
    pub groups: &'a [SyncGroupView],
    /// `vrrp_script`s.
    pub scripts: &'a [ScriptView],
    /// Interfaces.
    pub interfaces: &'a [InterfaceView],
}

/// keepalived's state names in the data dump (`get_state_str`).
pub fn state_str(s: State) -> &'static str {
    match s {
        State::Init => "INIT",
        State::Backup => "BACKUP",
        State::Master => "MASTER",
        State::Fault => "FAULT",
        State::Stopped | State::Deleted => "unknown",
    }
}

/// keepalived's state numbers in the JSON dump.
pub fn state_num(s: State) -> u32 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        State::Deleted => 97,
        State::Stopped => 98,
    }
}

/// Writes one line: keepalived's `conf_write` adds the newline.
macro_rules! line {
    ($out:expr, $($t:tt)*) => {{
        let _ = writeln!($out, $($t)*);
    }};
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn tf(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

fn on_off(b: Option<bool>) -> &'static str {
    match b {
        None => "unset",
        Some(true) => "on",
        Some(false) => "off",
    }
}

fn en_dis(b: bool) -> &'static str {
    if b {
        "enabled"
    } else {
        "disabled"
    }
}

/// `secs.micros (ctime)` as keepalived writes a `timeval`.
fn timeval(t: SystemTime) -> String {
    let secs = unix_secs(t);
    let micros = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_micros())
        .unwrap_or(0);
    format!("{secs}.{micros:06} ({})", LocalTime::at(t).ctime_us(micros))
}

/// C's `%g`: six significant digits, trailing zeros dropped.
fn fmt_g(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return v.to_string();
    }
    let exp = v.abs().log10().floor() as i32;
    if !(-4..6).contains(&exp) {
        let s = format!("{v:.5e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = trim_zeros(m);
        let e: i32 = e.parse().unwrap_or(0);
        let sign = if e < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", e.abs());
    }
    let decimals = usize::try_from(5 - exp).unwrap_or(0);
    trim_zeros(&format!("{v:.decimals$}")).to_string()
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn secs_f(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn uid_gid_of(user: Option<&str>, group: Option<&str>) -> (u32, u32) {
    let uid = user
        .and_then(|u| nix::unistd::User::from_name(u).ok().flatten())
        .map(|u| (u.uid.as_raw(), u.gid.as_raw()));
    let gid = group
        .and_then(|g| nix::unistd::Group::from_name(g).ok().flatten())
        .map(|g| g.gid.as_raw());
    let (u, ug) = uid.unwrap_or((0, 0));
    (u, gid.unwrap_or(ug))
}

/// The `------< Global definitions >------` block (`dump_global_data`, VRRP process).
pub fn global_text(v: &GlobalView<'_>) -> String {
    let g = &v.config.global;
    let top = &v.config.top;
    let mut o = String::new();
    line!(o, "------< Global definitions >------");
    if let Some(d) = &g.config_save_dir {
        line!(o, " Config save dir = {d}");
    }
    line!(
        o,
        " Network namespace = {}",
        top.net_namespace.as_deref().unwrap_or("(default)")
    );
    line!(
        o,
        " Network namespace ipvs = {}",
        match top.net_namespace_ipvs.as_deref() {
            None => "(main namespace)",
            Some("") => "(default)",
            Some(n) => n,
        }
    );
    if let Some(i) = &top.instance {
        line!(o, " Instance name = {i}");
    }
    if let Some(n) = &g.process_name {
        line!(o, " Parent process name = {n}");
    }
    if let Some(n) = &g.vrrp_process.process_name {
        line!(o, " VRRP process name = {n}");
    }
    if let Some(n) = &g.checker_process.process_name {
        line!(o, " LVS process name = {n}");
    }
    if let Some(n) = &g.bfd_process.process_name {
        line!(o, " BFD process name = {n}");
    }
    let host = nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_default();
    line!(
        o,
        " Router ID = {}",
        g.router_id.as_deref().unwrap_or(&host)
    );
    if let Some(s) = &g.smtp_server {
        line!(o, " Smtp server = {}", s.host);
        line!(o, " Smtp server port = {}", s.port);
        line!(
            o,
            " Smtp HELO name = {}",
            g.smtp_helo_name.as_deref().unwrap_or(&host)
        );
        line!(
            o,
            " Smtp server connection timeout = {}",
            g.smtp_connect_timeout.as_duration().as_secs()
        );
        let user = nix::unistd::User::from_uid(nix::unistd::getuid())
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_else(|| "root".into());
        line!(
            o,
            " Email notification from = {}",
            g.notification_email_from
                .clone()
                .unwrap_or_else(|| format!("{user}@{host}"))
        );
        line!(o, " Email notification to:");
        for e in &g.notification_email {
            line!(o, "   {e}");
        }
    } else {
        if let Some(h) = &g.smtp_helo_name {
            line!(o, " Smtp HELO name = {h}");
        }
        if let Some(f) = &g.notification_email_from {
            line!(o, " Email notification from = {f}");
            line!(o, " Email notification to:");
            for e in &g.notification_email {
                line!(o, "   {e}");
            }
        }
    }
    line!(o, " Default smtp_alert = {}", on_off(g.smtp_alert));
    line!(
        o,
        " Default smtp_alert_vrrp = {}",
        on_off(g.smtp_alert_vrrp)
    );
    line!(
        o,
        " Default smtp_alert_checker = {}",
        on_off(g.smtp_alert_checker)
    );
    line!(
        o,
        " Checkers log all failures = {}",
        tf(g.checker_log_all_failures)
    );
    match &g.reload_check_config {
        Some(f) => line!(
            o,
            " Test config before reload, log to {}",
            f.as_deref().unwrap_or("")
        ),
        None => line!(o, " No test config before reload"),
    }
    if let Some(f) = &g.reload_time_file {
        line!(
            o,
            " Reload time file = {f}{}",
            if g.reload_repeat { " (repeat)" } else { "" }
        );
    }
    if let Some(f) = &g.reload_file {
        line!(
            o,
            " Reload_file = {}",
            f.as_deref().unwrap_or("/run/keepalived.reload")
        );
    }
    if let Some(d) = &g.tmp_config_directory {
        line!(o, " config save directory = {d}");
    }
    if g.data_use_instance {
        line!(o, " Use instance name in data dumps");
    }
    let ids = ScriptIds::new(g);
    if let Some(s) = &g.startup_script {
        let i = ids.of(s);
        line!(
            o,
            " Startup script = {}, uid:gid {}:{}, timeout {}",
            cmd_str(s),
            i.uid,
            i.gid,
            g.startup_script_timeout.unwrap_or(10)
        );
    }
    if let Some(s) = &g.shutdown_script {
        let i = ids.of(s);
        line!(
            o,
            " Shutdown script = {}, uid:gid {}:{} timeout {}",
            cmd_str(s),
            i.uid,
            i.gid,
            g.shutdown_script_timeout.unwrap_or(10)
        );
    }
    line!(o, " Dynamic interfaces = {}", tf(g.dynamic_interfaces));
    if g.dynamic_interfaces {
        line!(o, " Allow interface changes = {}", tf(g.allow_if_changes));
    }
    if g.no_email_faults {
        line!(o, " Send emails for fault transitions = off");
    }
    if let Some(t) = g.lvs_timeouts.tcp {
        line!(o, " LVS TCP timeout = {t}");
    }
    if let Some(t) = g.lvs_timeouts.tcpfin {
        line!(o, " LVS TCP FIN timeout = {t}");
    }
    if let Some(t) = g.lvs_timeouts.udp {
        // keepalived 2.2.7 labels the UDP timeout this way too.
        line!(o, " LVS TCP timeout = {t}");
    }
    line!(
        o,
        " Default interface = {}",
        g.default_interface.as_deref().unwrap_or("eth0")
    );
    line!(o, " Disable local IGMP = {}", yes_no(g.disable_local_igmp));
    if let Some(s) = &g.lvs_sync_daemon {
        if let Some(i) = &s.instance {
            line!(o, " LVS syncd vrrp name = {i}");
        }
        line!(o, " LVS syncd interface = {}", s.interface);
        line!(o, " LVS syncd syncid = {}", s.id.unwrap_or(0));
        if let Some(m) = s.maxlen {
            line!(o, " LVS syncd maxlen = {m}");
        }
        if let Some(gr) = s.group {
            line!(o, " LVS mcast group {gr}");
        }
        if let Some(p) = s.port {
            line!(o, " LVS syncd mcast port = {p}");
        }
        if let Some(t) = s.ttl {
            line!(o, " LVS syncd mcast ttl = {t}");
        }
    }
    line!(o, " LVS flush = {}", tf(g.lvs_flush));
    line!(
        o,
        " LVS flush on stop = {}",
        match g.lvs_flush_on_stop {
            Some(LvsFlushOnStop::All) => "full",
            Some(LvsFlushOnStop::Vs) => "VS",
            None => "disabled",
        }
    );
    for (label, nf) in [
        ("Global notify fifo", &g.notify_fifo),
        ("VRRP notify fifo", &g.vrrp_notify_fifo),
        ("LVS notify fifo", &g.lvs_notify_fifo),
    ] {
        if let Some(f) = &nf.fifo {
            let (u, gr) = uid_gid_of(f.user.as_deref(), f.group.as_deref());
            line!(o, " {label} = {}, uid:gid {u}:{gr}", f.path);
            if let Some(s) = &nf.script {
                let i = ids.of(s);
                line!(
                    o,
                    " {label} script = {}, uid:gid {}:{}",
                    cmd_str(s),
                    i.uid,
                    i.gid
                );
            }
        }
    }
    line!(
        o,
        " FIFO write vrrp states on reload = {}",
        tf(g.fifo_write_vrrp_states_on_reload)
    );
    line!(
        o,
        " VRRP notify priority changes = {}",
        tf(g.vrrp_notify_priority_changes)
    );
    line!(o, " VRRP IPv4 mcast group = {}", g.vrrp_mcast_group4);
    line!(o, " VRRP IPv6 mcast group = {}", g.vrrp_mcast_group6);
    let garp_delay = g.vrrp_garp_master_delay.as_duration();
    line!(o, " Gratuitous ARP delay = {}", garp_delay.as_secs());
    line!(o, " Gratuitous ARP repeat = {}", g.vrrp_garp_master_repeat);
    line!(
        o,
        " Gratuitous ARP refresh timer = {}",
        g.vrrp_garp_master_refresh.as_duration().as_secs()
    );
    line!(
        o,
        " Gratuitous ARP refresh repeat = {}",
        g.vrrp_garp_master_refresh_repeat
    );
    line!(
        o,
        " Gratuitous ARP lower priority delay = {}",
        g.vrrp_garp_lower_prio_delay
            .map(|m| m.as_duration())
            .unwrap_or(garp_delay)
            .as_secs()
    );
    line!(
        o,
        " Gratuitous ARP lower priority repeat = {}",
        g.vrrp_garp_lower_prio_repeat
            .unwrap_or(g.vrrp_garp_master_repeat)
    );
    line!(
        o,
        " Num adverts before down = {}",
        g.vrrp_down_timer_adverts
    );
    let (extra_all, extra_secs) = g
        .vrrp_garp_extra_if
        .map(|e| (e.all, e.delay_secs))
        .unwrap_or((false, 0));
    line!(
        o,
        " Gratuitous ARP for each secondary {} = {extra_secs}s",
        if extra_all { "i/f" } else { "VMAC" }
    );
    line!(
        o,
        " Send advert after receive lower priority advert = {}",
        tf(!g.vrrp_lower_prio_no_advert)
    );
    line!(
        o,
        " Send advert after receive higher priority advert = {}",
        tf(g.vrrp_higher_prio_send_advert)
    );
    line!(
        o,
        " Gratuitous ARP interval = {:.6}",
        secs_f(g.vrrp_garp_interval.as_duration())
    );
    line!(
        o,
        " Gratuitous NA interval = {:.6}",
        secs_f(g.vrrp_gna_interval.as_duration())
    );
    line!(o, " VRRP default protocol version = {}", g.vrrp_version);
    if let Some(t) = &g.nftables {
        line!(o, " nftables table name = {t}");
        line!(
            o,
            " nftables base chain priority = {}",
            g.nftables_priority.unwrap_or(-1)
        );
        line!(
            o,
            " nftables {}force use ifindex for link local IPv6",
            if g.nftables_ifindex { "" } else { "don't " }
        );
    }
    if let Some(t) = &g.nftables_ipvs {
        line!(o, " ipvs nftables table name = {t}");
        line!(
            o,
            " ipvs nftables base chain priority = {}",
            g.nftables_ipvs_priority.unwrap_or(-1)
        );
        line!(
            o,
            " ipvs nftables start fwmark = {}",
            g.nftables_ipvs_start_fwmark.unwrap_or(1000)
        );
    }
    line!(
        o,
        " nftables with{} counters",
        if g.nftables_counters { "" } else { "out" }
    );
    line!(
        o,
        " VRRP check unicast_src = {}",
        tf(g.vrrp_check_unicast_src)
    );
    line!(
        o,
        " VRRP skip check advert addresses = {}",
        tf(g.vrrp_skip_check_adv_addr)
    );
    line!(o, " VRRP strict mode = {}", tf(g.vrrp_strict));
    match g.max_auto_priority {
        Some(-1) => line!(o, " Max auto priority = Disabled"),
        p => line!(o, " Max auto priority = {}", p.unwrap_or(0)),
    }
    line!(
        o,
        " Min auto priority delay = {} usecs",
        g.min_auto_priority_delay.unwrap_or(1_000_000)
    );
    for (label, p) in [
        ("VRRP", &g.vrrp_process),
        ("Checker", &g.checker_process),
        ("BFD", &g.bfd_process),
    ] {
        line!(o, " {label} process priority = {}", p.priority.unwrap_or(0));
        line!(o, " {label} don't swap = {}", tf(p.no_swap));
        line!(
            o,
            " {label} realtime priority = {}",
            p.rt_priority.unwrap_or(0)
        );
        if !p.cpu_affinity.is_empty() {
            let cpus: Vec<String> = p.cpu_affinity.iter().map(u32::to_string).collect();
            line!(o, " {label} CPU Affinity = {}", cpus.join(" "));
        }
        line!(
            o,
            " {label} realtime limit = {}",
            p.rlimit_rttime.unwrap_or(10_000)
        );
    }
    line!(o, " SNMP vrrp {}", en_dis(g.enable_snmp_vrrp));
    line!(o, " SNMP checker {}", en_dis(g.enable_snmp_checker));
    line!(o, " SNMP RFCv2 {}", en_dis(g.enable_snmp_rfcv2));
    line!(o, " SNMP RFCv3 {}", en_dis(g.enable_snmp_rfcv3));
    line!(o, " SNMP traps {}", en_dis(g.enable_traps));
    line!(
        o,
        " SNMP socket = {}",
        g.snmp_socket
            .as_deref()
            .unwrap_or("default (unix:/var/agentx/master)")
    );
    line!(o, " DBus {}", en_dis(g.enable_dbus));
    line!(
        o,
        " DBus service name = {}",
        g.dbus_service_name.as_deref().unwrap_or("")
    );
    line!(o, " Script security {}", en_dis(v.script_security));
    line!(o, " Default script uid:gid {}:{}", ids.uid, ids.gid);
    let bufs = |o: &mut String, name: &str, b: &RcvBufs| {
        line!(o, " {name} = {}", b.size.unwrap_or(0));
        line!(o, " {name}_force = {}", u8::from(b.force));
    };
    bufs(
        &mut o,
        "vrrp_netlink_cmd_rcv_bufs",
        &g.vrrp_netlink_cmd_rcv_bufs,
    );
    bufs(
        &mut o,
        "vrrp_netlink_monitor_rcv_bufs",
        &g.vrrp_netlink_monitor_rcv_bufs,
    );
    bufs(
        &mut o,
        "process_monitor_rcv_bufs",
        &g.process_monitor_rcv_bufs,
    );
    bufs(
        &mut o,
        "lvs_netlink_cmd_rcv_bufs",
        &g.lvs_netlink_cmd_rcv_bufs,
    );
    bufs(
        &mut o,
        "lvs_netlink_monitor_rcv_bufs",
        &g.lvs_netlink_monitor_rcv_bufs,
    );
    line!(o, " rs_init_notifies = {}", u8::from(g.rs_init_notifies));
    line!(o, " no_checker_emails = {}", u8::from(g.no_checker_emails));
    match g.vrrp_rx_bufs_policy {
        Some(RxBufsPolicy::Mtu) => line!(o, " rx_bufs_policy = MTU"),
        Some(RxBufsPolicy::Advert) => line!(o, " rx_bufs_policy = ADVERT"),
        Some(RxBufsPolicy::Size(n)) => line!(o, " rx_bufs_size = {n}"),
        None => {}
    }
    line!(
        o,
        " rx_bufs_multiples = {}",
        g.vrrp_rx_bufs_multiplier.unwrap_or(3)
    );
    line!(o, " umask = 0{:o}", v.umask);
    o
}

fn track_lines(o: &mut String, title: &str, list: &[TrackView], style: TrackStyle) {
    if list.is_empty() {
        return;
    }
    line!(o, "   {title} :");
    for t in list {
        let rev = if t.reverse { " reverse" } else { "" };
        match style {
            TrackStyle::Plain => line!(o, "     {} weight {}{rev}", t.name, t.weight),
            TrackStyle::Comma => line!(o, "     {}, weight {}{rev}", t.name, t.weight),
            TrackStyle::Colon => line!(o, "     {}: weight {}{rev}", t.name, t.weight),
        }
    }
}

#[derive(Clone, Copy)]
enum TrackStyle {
    /// `name weight N` (interfaces, scripts).
    Plain,
    /// `name, weight N` (files, processes).
    Comma,
    /// `name: weight N` (BFDs).
    Colon,
}

fn notify_line(o: &mut String, kind: &str, s: &Option<ScriptCmd>) {
    if let Some(s) = s {
        line!(
            o,
            "   {kind} state transition script = {}, uid:gid {}:{}",
            s.cmd,
            s.uid,
            s.gid
        );
    }
}

fn instance_text(o: &mut String, v: &InstanceView) {
    line!(o, " VRRP Instance = {}", v.name);
    line!(o, "   VRRP Version = {}", v.version);
    if let Some(g) = &v.sync_group {
        line!(o, "   Sync group = {g}");
    }
    if v.ipv6 {
        line!(o, "   Using Native IPv6");
    }
    line!(o, "   State = {}", state_str(v.state));
    if v.state == State::Backup {
        if let Some(m) = &v.master {
            line!(o, "   Master router = {}", m.addr);
            line!(o, "   Master priority = {}", m.priority);
        }
        if v.version == 3 {
            line!(
                o,
                "   Master advert int = {:.2} sec",
                secs_f(v.master_adver_int)
            );
        }
    }
    if v.unicast || v.unicast_fault_no_peer {
        line!(o, "   Flags:");
        if v.unicast {
            line!(o, "     Using unicast");
        }
        if v.unicast_fault_no_peer {
            line!(o, "     If unicast go to fault state if no peers");
        }
    } else if v.nopreempt
        || v.dont_track_primary
        || v.skip_check_adv_addr
        || v.promote_secondaries
        || v.src_ip_from_config
        || v.check_unicast_src
        || v.vmac.is_some()
        || evip_other_family(v)
    {
        // keepalived keeps these in the same flag word, so it prints the header alone.
        line!(o, "   Flags:");
    } else {
        line!(o, "   Flags: none");
    }
    line!(o, "   Wantstate = {}", state_str(v.wantstate));
    line!(o, "   Number of config faults = {}", v.config_faults);
    line!(
        o,
        "   Number of interface and track script faults = {}",
        v.if_script_faults
    );
    line!(o, "   Number of track scripts init = {}", v.scripts_init);
    line!(o, "   Last transition = {}", timeval(v.last_transition));
    match v.read_timeout {
        Some(t) => line!(o, "   Read timeout = {}", timeval(t)),
        None => line!(o, "   Read timeout = DISABLED"),
    }
    line!(
        o,
        "   Master down timer = {} usecs",
        v.master_down_timer.as_micros()
    );
    match &v.vmac {
        Some(m) => {
            line!(
                o,
                "   Use VMAC, i/f name {}, is_up = {}, xmit_base = {}",
                m.ifname,
                tf(m.up),
                tf(m.xmit_base)
            );
            line!(
                o,
                "   Interface = {}, vmac on {}{}",
                m.ifname,
                m.base_ifname,
                if m.xmit_base { ", xmit base i/f" } else { "" }
            );
        }
        None => line!(
            o,
            "   Interface = {}",
            v.interface.as_deref().unwrap_or("not configured")
        ),
    }
    if v.dont_track_primary {
        line!(o, "   VRRP interface tracking disabled");
    }
    if v.skip_check_adv_addr {
        line!(o, "   Skip checking advert IP addresses");
    }
    if v.strict_mode {
        line!(o, "   Enforcing strict VRRP compliance");
    }
    line!(
        o,
        "   Using src_ip = {}{}",
        v.src_ip.map_or("(none)".to_string(), |a| a.to_string()),
        if v.src_ip_from_config {
            " (from configuration)"
        } else {
            ""
        }
    );
    if !v.unicast {
        if v.ipv6 {
            line!(
                o,
                "   Multicast address {}, ifindex {}",
                v.mcast_group,
                v.mcast_ifindex
            );
        } else {
            line!(o, "   Multicast address {}", v.mcast_group);
        }
    }
    line!(o, "   Gratuitous ARP delay = {}", v.garp_delay.as_secs());
    line!(o, "   Gratuitous ARP repeat = {}", v.garp_rep);
    line!(
        o,
        "   Gratuitous ARP refresh = {}",
        v.garp_refresh.as_secs()
    );
    line!(
        o,
        "   Gratuitous ARP refresh repeat = {}",
        v.garp_refresh_rep
    );
    line!(
        o,
        "   Gratuitous ARP lower priority delay = {}",
        v.garp_lower_prio_delay.as_secs()
    );
    line!(
        o,
        "   Gratuitous ARP lower priority repeat = {}",
        v.garp_lower_prio_rep
    );
    line!(o, "   Down timer adverts = {}", v.down_timer_adverts);
    line!(
        o,
        "   Send advert after receive lower priority advert = {}",
        tf(!v.lower_prio_no_advert)
    );
    line!(
        o,
        "   Send advert after receive higher priority advert = {}",
        tf(v.higher_prio_send_advert)
    );
    line!(o, "   Virtual Router ID = {}", v.vrid);
    line!(o, "   Priority = {}", v.base_priority);
    line!(o, "   Effective priority = {}", v.effective_priority);
    line!(o, "   Total priority = {}", v.total_priority);
    if v.version == 2 {
        line!(o, "   Advert interval = {} sec", v.advert_int.as_secs());
    } else {
        line!(
            o,
            "   Advert interval = {} milli-sec",
            v.advert_int.as_millis()
        );
    }
    if v.state == State::Backup && v.version == 3 {
        line!(
            o,
            "   Master advert interval = {} milli-sec",
            v.master_adver_int.as_millis()
        );
    }
    line!(o, "   Accept = {}", en_dis(v.accept));
    line!(o, "   Preempt = {}", en_dis(!v.nopreempt));
    if !v.preempt_delay.is_zero() {
        line!(
            o,
            "   Preempt delay = {} secs",
            fmt_g(secs_f(v.preempt_delay))
        );
    }
    line!(
        o,
        "   Promote_secondaries = {}",
        en_dis(v.promote_secondaries)
    );
    match &v.auth {
        AuthView::Pass(p) => {
            line!(o, "   Authentication type = SIMPLE_PASSWORD");
            line!(o, "   Password = {p}");
        }
        AuthView::Ah(_) => line!(o, "   Authentication type = IPSEC_AH"),
        AuthView::None if v.version == 2 => line!(o, "   Authentication type = none"),
        AuthView::None => {}
    }
    if let Some(n) = v.kernel_rx_buf_size.filter(|n| *n > 0) {
        line!(o, "   Kernel rx buffer size = {n}");
    }
    if v.debug > 0 {
        line!(o, "   Debug level = {}", v.debug);
    }
    if !v.vips.is_empty() {
        line!(o, "   Virtual IP ({}):", v.vips.len());
        for a in &v.vips {
            line!(o, "     {a}");
        }
    }
    if !v.evips.is_empty() {
        line!(o, "   Virtual IP Excluded :");
        for a in &v.evips {
            line!(o, "     {a}");
        }
    }
    if v.unicast {
        line!(o, "   Unicast TTL = {}", v.unicast_ttl);
        line!(o, "   Check unicast src : {}", yes_no(v.check_unicast_src));
        line!(o, "   Unicast Peer :");
        for p in &v.unicast_peers {
            line!(
                o,
                "     {} min_ttl {} max_ttl {}",
                p.addr,
                p.min_ttl,
                p.max_ttl
            );
        }
        line!(
            o,
            "   Unicast checksum compatibility = {}",
            v.unicast_chksum_compat
        );
    }
    match v.sockets {
        Some((i, out)) => line!(o, "   fd_in {i}, fd_out {out}"),
        None => line!(o, "   No sockets allocated"),
    }
    if !v.vroutes.is_empty() {
        line!(o, "   Virtual Routes :");
        for r in &v.vroutes {
            line!(o, "     {r}");
        }
    }
    if !v.vrules.is_empty() {
        line!(o, "   Virtual Rules :");
        for r in &v.vrules {
            line!(o, "     {r}");
        }
    }
    track_lines(
        o,
        "Tracked interfaces",
        &v.track_interfaces,
        TrackStyle::Plain,
    );
    track_lines(o, "Tracked scripts", &v.track_scripts, TrackStyle::Plain);
    track_lines(o, "Tracked files", &v.track_files, TrackStyle::Comma);
    track_lines(
        o,
        "Tracked processes",
        &v.track_processes,
        TrackStyle::Comma,
    );
    track_lines(o, "Tracked BFDs", &v.track_bfds, TrackStyle::Colon);
    line!(o, "   Using smtp notification = {}", yes_no(v.smtp_alert));
    line!(
        o,
        "   Notify deleted = {}",
        if v.notify_deleted { "Deleted" } else { "Fault" }
    );
    let n = &v.notify;
    notify_line(o, "Backup", &n.backup);
    notify_line(o, "Master", &n.master);
    notify_line(o, "Fault", &n.fault);
    notify_line(o, "Stop", &n.stop);
    notify_line(o, "Deleted", &n.deleted);
    notify_line(o, "Generic", &n.generic);
    notify_line(o, "Master rx lower pri", &n.master_rx_lower_pri);
    line!(
        o,
        "   Notify priority changes = {}",
        tf(v.notify_priority_changes)
    );
}

/// keepalived's `VRRP_FLAG_EVIP_OTHER_FAMILY`.
fn evip_other_family(v: &InstanceView) -> bool {
    v.evips.iter().any(|e| {
        e.split(['/', ' '])
            .next()
            .and_then(|a| a.parse::<IpAddr>().ok())
            .is_some_and(|a| a.is_ipv6() != v.ipv6)
    })
}

fn socket_text(o: &mut String, s: &SocketView) {
    line!(o, " fd_in {} fd_out = {}", s.fd_in, s.fd_out);
    line!(o, "   Interface = {}", s.interface);
    line!(o, "   Family = {}", if s.ipv6 { "IPv6" } else { "IPv4" });
    line!(o, "   Protocol = {}", if s.ah { "AH" } else { "VRRP" });
    line!(
        o,
        "   Type = {}icast",
        if s.unicast_src.is_some() {
            "Un"
        } else {
            "Mult"
        }
    );
    if let Some(a) = s.unicast_src {
        line!(o, "   Address = {a}");
    }
    line!(o, "   Rx buf size = {}", s.rx_buf_size);
    line!(o, "   VRRP instances");
    for (name, vrid) in &s.instances {
        line!(o, "     {name} vrid {vrid}");
    }
}

fn group_text(o: &mut String, g: &SyncGroupView) {
    line!(
        o,
        " VRRP Sync Group = {}, {}",
        g.name,
        g.state.map_or("INIT", state_str)
    );
    line!(
        o,
        "   Num member fault {}, num member init {}",
        g.num_member_fault,
        g.num_member_init
    );
    if !g.members.is_empty() {
        line!(o, "   VRRP member instances :");
        for m in &g.members {
            line!(o, "     {m}");
        }
    }
    if g.tracking_weight {
        line!(o, "   sync group tracking weight set");
    }
    line!(o, "   Using smtp notification = {}", yes_no(g.smtp_alert));
    if let Some(n) = g.notify_priority_changes {
        line!(o, "   Notify priority changes = {}", yes_no(n));
    }
    track_lines(
        o,
        "Tracked interfaces",
        &g.track_interfaces,
        TrackStyle::Plain,
    );
    track_lines(o, "Tracked scripts", &g.track_scripts, TrackStyle::Plain);
    track_lines(o, "Tracked files", &g.track_files, TrackStyle::Comma);
    track_lines(o, "Tracked process", &g.track_processes, TrackStyle::Comma);
    track_lines(o, "Tracked BFDs", &g.track_bfds, TrackStyle::Colon);
    notify_line(o, "Backup", &g.notify.backup);
    notify_line(o, "Master", &g.notify.master);
    notify_line(o, "Fault", &g.notify.fault);
    notify_line(o, "Stop", &g.notify.stop);
    notify_line(o, "Generic", &g.notify.generic);
}

fn script_text(o: &mut String, s: &ScriptView) {
    line!(o, " VRRP Script = {}", s.name);
    line!(o, "   Command = {}", s.command);
    line!(o, "   Interval = {} sec", s.interval.as_secs());
    line!(o, "   Timeout = {} sec", s.timeout.as_secs());
    line!(
        o,
        "   Weight = {}{}",
        s.weight,
        if s.reverse { " reverse" } else { "" }
    );
    line!(o, "   Rise = {}", s.rise);
    line!(o, "   Fall = {}", s.fall);
    line!(o, "   Result = {}", s.result);
    line!(o, "   Insecure = {}", yes_no(s.insecure));
    line!(o, "   Init state = {}", s.init_state);
    line!(
        o,
        "   Status = {}",
        if s.result >= i32::try_from(s.rise).unwrap_or(i32::MAX) {
            "GOOD"
        } else {
            "BAD"
        }
    );
    line!(o, "   Script uid:gid = {}:{}", s.uid, s.gid);
    line!(o, "   VRRP instances :");
    tracking_instances(o, &s.tracking);
    line!(o, "   State = {}", s.run_state);
}

/// keepalived's `dump_tracking_obj_list` with `dump_tracking_vrrp`.
fn tracking_instances(o: &mut String, list: &[TrackView]) {
    if list.is_empty() {
        return;
    }
    line!(o, "   Tracking instances :");
    for t in list {
        line!(
            o,
            "     {}, weight {}{}",
            t.name,
            t.weight,
            if t.reverse { " reverse" } else { "" }
        );
    }
}

fn mac_str(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn interface_text(o: &mut String, i: &InterfaceView) {
    line!(o, " Name = {}", i.name);
    line!(o, "   index = {}", i.index);
    line!(
        o,
        "   IPv4 address = {}",
        i.ipv4.map_or("(none)".to_string(), |a| a.to_string())
    );
    line!(
        o,
        "   IPv6 address = {}",
        i.ipv6.map_or("(none)".to_string(), |a| a.to_string())
    );
    if let Some(m) = &i.mac {
        line!(o, "   MAC = {}", mac_str(m));
    }
    if let Some(m) = &i.mac_broadcast {
        line!(o, "   MAC broadcast = {}", mac_str(m));
    }
    let mut st = vec![if i.up { "UP" } else { "DOWN" }];
    if i.running {
        st.push("RUNNING");
    }
    if !i.broadcast {
        st.push("no broadcast");
    }
    if i.loopback {
        st.push("loopback");
    }
    if !i.multicast {
        st.push("no multicast");
    }
    line!(o, "   State = {}", st.join(", "));
    line!(o, "   MTU = {}", i.mtu);
    line!(o, "   HW Type = {}", i.hw_type);
    tracking_vrrp_instances(o, &i.tracking);
}

fn tracking_vrrp_instances(o: &mut String, list: &[TrackView]) {
    if list.is_empty() {
        return;
    }
    line!(o, "   Tracking VRRP instances :");
    for t in list {
        line!(
            o,
            "     {}, weight {}{}",
            t.name,
            t.weight,
            if t.reverse { " reverse" } else { "" }
        );
    }
}

/// The SIGUSR1 data dump (`dump_data_vrrp`).
pub fn data_text(d: &DumpData<'_>) -> String {
    let mut o = global_text(&d.global);
    let sections: [(&str, &[String]); 3] = [
        ("Static Addresses", d.static_addresses),
        ("Static Routes", d.static_routes),
        ("Static Rules", d.static_rules),
    ];
    for (title, list) in sections {
        if !list.is_empty() {
            line!(o, "------< {title} >------");
            for a in list {
                line!(o, "     {a}");
            }
        }
    }
    if !d.instances.is_empty() {
        line!(o, "------< VRRP Topology >------");
        for v in d.instances {
            instance_text(&mut o, v);
        }
    }
    if !d.sockets.is_empty() {
        line!(o, "------< VRRP Sockpool >------");
        for s in d.sockets {
            socket_text(&mut o, s);
        }
    }
    if !d.groups.is_empty() {
        line!(o, "------< VRRP Sync groups >------");
        for g in d.groups {
            group_text(&mut o, g);
        }
    }
    if !d.scripts.is_empty() {
        line!(o, "------< VRRP Scripts >------");
        for s in d.scripts {
            script_text(&mut o, s);
        }
    }
    if !d.interfaces.is_empty() {
        line!(o, "------< Interfaces >------");
        for i in d.interfaces {
            interface_text(&mut o, i);
        }
    }
    o
}

/// The SIGUSR2 statistics dump (`vrrp_print_stats`). keepalived's stats-clearing signal
/// zeroes the counters after writing; the caller does that.
pub fn stats_text(instances: &[InstanceView]) -> String {
    let mut o = String::new();
    for v in instances {
        let s = &v.stats;
        let rx = &s.rx;
        line!(o, "VRRP Instance: {}", v.name);
        line!(o, "  Advertisements:");
        line!(o, "    Received: {}", rx.advert_rcvd);
        line!(o, "    Sent: {}", s.adverts_sent);
        line!(o, "  Became master: {}", s.become_master);
        line!(o, "  Released master: {}", s.release_master);
        line!(o, "  Packet Errors:");
        line!(o, "    Length: {}", rx.packet_len_err());
        line!(o, "    TTL: {}", rx.ip_ttl_err());
        line!(o, "    Invalid Type: {}", rx.invalid_type_rcvd());
        line!(
            o,
            "    Advertisement Interval: {}",
            rx.advert_interval_err()
        );
        line!(o, "    Address List: {}", rx.addr_list_err());
        line!(o, "  Authentication Errors:");
        line!(o, "    Invalid Type: {}", rx.invalid_authtype());
        line!(o, "    Type Mismatch: {}", rx.authtype_mismatch());
        line!(o, "    Failure: {}", rx.auth_failure());
        line!(o, "  Priority Zero:");
        line!(o, "    Received: {}", rx.pri_zero_rcvd);
        line!(o, "    Sent: {}", s.priority_zero_sent);
    }
    o
}

/// A JSON value as keepalived's `json_writer` prints it.
enum J {
    U(u64),
    B(bool),
    S(String),
    /// `%g`.
    G(f64),
    /// Preformatted number.
    Raw(String),
    A(Vec<String>),
}

/// keepalived's `jsonw_puts` escaping, `/` included; a backslash is escaped correctly
/// (keepalived 2.2.7 writes it as `\n`, a bug).
fn json_str(o: &mut String, s: &str) {
    o.push('"');
    for c in s.chars() {
        match c {
            '\t' => o.push_str("\\t"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\u{c}' => o.push_str("\\f"),
            '\u{8}' => o.push_str("\\b"),
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '/' => o.push_str("\\/"),
            c if (c as u32) < 0x20 => {
                let _ = write!(o, "\\u{:04x}", c as u32);
            }
            c => o.push(c),
        }
    }
    o.push('"');
}

fn json_object(o: &mut String, fields: &[(&str, J)]) {
    o.push('{');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            o.push(',');
        }
        json_str(o, k);
        o.push(':');
        match v {
            J::U(n) => {
                let _ = write!(o, "{n}");
            }
            J::B(b) => o.push_str(if *b { "true" } else { "false" }),
            J::S(s) => json_str(o, s),
            J::G(f) => o.push_str(&fmt_g(*f)),
            J::Raw(r) => o.push_str(r),
            J::A(items) => {
                o.push('[');
                for (j, it) in items.iter().enumerate() {
                    if j > 0 {
                        o.push(',');
                    }
                    json_str(o, it);
                }
                o.push(']');
            }
        }
    }
    o.push('}');
}

/// The JSON dump (`vrrp_print_json`): one array of `{"data": {…}, "stats": {…}}`, keys and
/// number formats as keepalived's, on one line with a trailing newline.
pub fn json(instances: &[InstanceView]) -> String {
    let mut o = String::from("[");
    for (n, v) in instances.iter().enumerate() {
        if n > 0 {
            o.push(',');
        }
        o.push_str("{\"data\":");
        let mut data: Vec<(&str, J)> = vec![
            ("iname", J::S(v.name.clone())),
            ("dont_track_primary", J::U(v.dont_track_primary.into())),
            ("skip_check_adv_addr", J::U(v.skip_check_adv_addr.into())),
            ("strict_mode", J::U(v.strict_mode.into())),
            (
                "vmac_ifname",
                J::S(
                    v.vmac
                        .as_ref()
                        .map(|m| m.ifname.clone())
                        .unwrap_or_default(),
                ),
            ),
        ];
        if let Some(i) = &v.interface {
            data.push(("ifp_ifname", J::S(i.clone())));
        }
        let secs = unix_secs(v.last_transition);
        let micros = v
            .last_transition
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_micros())
            .unwrap_or(0);
        data.extend([
            (
                "master_priority",
                J::U(v.master.map_or(0, |m| m.priority).into()),
            ),
            ("last_transition", J::Raw(format!("{secs}.{micros:06}"))),
            ("garp_delay", J::G(secs_f(v.garp_delay))),
            ("garp_refresh", J::U(v.garp_refresh.as_secs())),
            ("garp_rep", J::U(v.garp_rep.into())),
            ("garp_refresh_rep", J::U(v.garp_refresh_rep.into())),
            (
                "garp_lower_prio_delay",
                J::U(v.garp_lower_prio_delay.as_secs()),
            ),
            ("garp_lower_prio_rep", J::U(v.garp_lower_prio_rep.into())),
            ("lower_prio_no_advert", J::U(v.lower_prio_no_advert.into())),
            (
                "higher_prio_send_advert",
                J::U(v.higher_prio_send_advert.into()),
            ),
            ("vrid", J::U(v.vrid.into())),
            ("base_priority", J::U(v.base_priority.into())),
            ("effective_priority", J::U(v.effective_priority.into())),
            ("vipset", J::B(v.vipset)),
            ("promote_secondaries", J::B(v.promote_secondaries)),
            ("adver_int", J::G(secs_f(v.advert_int))),
            ("master_adver_int", J::G(secs_f(v.master_adver_int))),
            ("accept", J::U(v.accept.into())),
            ("nopreempt", J::B(v.nopreempt)),
            ("preempt_delay", J::U(v.preempt_delay.as_secs())),
            ("state", J::U(state_num(v.state).into())),
            ("wantstate", J::U(state_num(v.wantstate).into())),
            ("version", J::U(v.version.into())),
            ("smtp_alert", J::B(v.smtp_alert)),
            ("notify_deleted", J::B(v.notify_deleted)),
        ]);
        let n = &v.notify;
        for (k, s) in [
            ("script_backup", &n.backup),
            ("script_master", &n.master),
            ("script_fault", &n.fault),
            ("script_stop", &n.stop),
            ("script_deleted", &n.deleted),
            ("script", &n.generic),
            ("script_master_rx_lower_pri", &n.master_rx_lower_pri),
        ] {
            if let Some(s) = s {
                data.push((k, J::S(s.cmd.clone())));
            }
        }
        for (k, list) in [
            ("vips", &v.vips),
            ("evips", &v.evips),
            ("vroutes", &v.vroutes),
            ("vrules", &v.vrules),
        ] {
            if !list.is_empty() {
                data.push((k, J::A(list.clone())));
            }
        }
        if !v.track_interfaces.is_empty() {
            data.push((
                "track_ifp",
                J::A(v.track_interfaces.iter().map(|t| t.name.clone()).collect()),
            ));
        }
        if !v.track_scripts.is_empty() {
            data.push((
                "track_script",
                J::A(
                    v.track_scripts
                        .iter()
                        .map(|t| t.command.clone().unwrap_or_else(|| t.name.clone()))
                        .collect(),
                ),
            ));
        }
        match &v.auth {
            AuthView::None => data.push(("auth_type", J::U(0))),
            AuthView::Pass(p) => {
                data.push(("auth_type", J::U(1)));
                data.push(("auth_data", J::S(p.clone())));
            }
            AuthView::Ah(p) => {
                data.push(("auth_type", J::U(2)));
                data.push(("auth_data", J::S(p.clone())));
            }
        }
        json_object(&mut o, &data);
        o.push_str(",\"stats\":");
        let s = &v.stats;
        let rx = &s.rx;
        json_object(
            &mut o,
            &[
                ("advert_rcvd", J::U(rx.advert_rcvd)),
                ("advert_sent", J::U(s.adverts_sent)),
                ("become_master", J::U(s.become_master)),
                ("release_master", J::U(s.release_master)),
                ("packet_len_err", J::U(rx.packet_len_err())),
                ("advert_interval_err", J::U(rx.advert_interval_err())),
                ("ip_ttl_err", J::U(rx.ip_ttl_err())),
                ("invalid_type_rcvd", J::U(rx.invalid_type_rcvd())),
                ("addr_list_err", J::U(rx.addr_list_err())),
                ("invalid_authtype", J::U(rx.invalid_authtype())),
                ("authtype_mismatch", J::U(rx.authtype_mismatch())),
                ("auth_failure", J::U(rx.auth_failure())),
                ("pri_zero_rcvd", J::U(rx.pri_zero_rcvd)),
                ("pri_zero_sent", J::U(s.priority_zero_sent)),
            ],
        );
        o.push('}');
    }
    o.push_str("]\n");
    o
}

#[cfg(test)]
mod tests {
    //! The reference texts are keepalived 2.2.7's own dumps (Debian package), taken on this
    //! project's machine: two network namespaces joined by a veth pair (192.0.2.1 and
    //! 192.0.2.2), keepalived run with `-n -l -D -f CONF` and `TMPDIR` set to a scratch
    //! directory, then `kill -USR1`, `kill -USR2` and `kill -s $(keepalived --signum=JSON)`
    //! sent to the parent. Run 1 is `CONF1` alone; run 2 is `CONF2` as a backup to a master
    //! with priority 200 on 192.0.2.1. The host's time zone was UTC.

    use super::*;
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;

    const CONF1: &str = r#"global_defs {
    router_id kadref
    notification_email {
        ops@example.com
        noc@example.org
    }
    notification_email_from kad@example.net
    smtp_server 127.0.0.1 2525
    smtp_helo_name helo.example.net
    smtp_connect_timeout 5
    smtp_alert
}
vrrp_script chk_ok {
    script "/bin/true"
    interval 2
    weight -20
    rise 2
    fall 3
}
vrrp_sync_group SG1 {
    group {
        VI_1
        VI_2
    }
}
vrrp_instance VI_1 {
    state BACKUP
    interface veth0
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass secret1
    }
    virtual_ipaddress {
        192.0.2.100/24
        192.0.2.101/24 dev veth0 label veth0:1
    }
    track_interface {
        veth0
    }
    track_script {
        chk_ok
    }
}
vrrp_instance VI_2 {
    state MASTER
    interface veth0
    virtual_router_id 52
    version 3
    priority 100
    advert_int 0.5
    unicast_src_ip 192.0.2.1
    unicast_peer {
        192.0.2.2
    }
    virtual_ipaddress {
        192.0.2.200/24
    }
    virtual_ipaddress_excluded {
        2001:db8::200/64
    }
}
"#;
    const CONF2: &str = r#"global_defs {
    router_id kadB
    notification_email {
        ops@example.com
        noc@example.org
    }
    notification_email_from kad@example.net
    smtp_server 127.0.0.1 2525
    smtp_helo_name helo.example.net
    smtp_connect_timeout 5
    smtp_alert
}
vrrp_script chk_ok {
    script "/bin/true"
    interval 2
    weight -20
    rise 2
    fall 3
}
vrrp_instance VI_1 {
    state BACKUP
    interface veth1
    virtual_router_id 51
    priority 150
    advert_int 1
    nopreempt
    authentication {
        auth_type PASS
        auth_pass secret1
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
    track_interface {
        veth2 weight -10
    }
    track_script {
        chk_ok
    }
    notify_master "/bin/echo master"
    notify "/bin/echo notify"
}
vrrp_instance VI_3 {
    state BACKUP
    interface veth1
    virtual_router_id 53
    version 3
    priority 100
    advert_int 0.5
    virtual_ipaddress {
        192.0.2.150/24
    }
}
"#;

    /// Run 1's `Global definitions` block, without keepalived's `libnftnl version` line
    /// (kad does not link libnftnl).
    const GLOBAL1: &str = r#"------< Global definitions >------
 Network namespace = (default)
 Network namespace ipvs = (main namespace)
 Router ID = kadref
 Smtp server = 127.0.0.1
 Smtp server port = 2525
 Smtp HELO name = helo.example.net
 Smtp server connection timeout = 5
 Email notification from = kad@example.net
 Email notification to:
   ops@example.com
   noc@example.org
 Default smtp_alert = on
 Default smtp_alert_vrrp = unset
 Default smtp_alert_checker = unset
 Checkers log all failures = false
 No test config before reload
 Dynamic interfaces = false
 Default interface = eth0
 Disable local IGMP = no
 LVS flush = false
 LVS flush on stop = disabled
 FIFO write vrrp states on reload = false
 VRRP notify priority changes = false
 VRRP IPv4 mcast group = 224.0.0.18
 VRRP IPv6 mcast group = ff02::12
 Gratuitous ARP delay = 5
 Gratuitous ARP repeat = 5
 Gratuitous ARP refresh timer = 0
 Gratuitous ARP refresh repeat = 1
 Gratuitous ARP lower priority delay = 5
 Gratuitous ARP lower priority repeat = 5
 Num adverts before down = 3
 Gratuitous ARP for each secondary VMAC = 0s
 Send advert after receive lower priority advert = true
 Send advert after receive higher priority advert = false
 Gratuitous ARP interval = 0.000000
 Gratuitous NA interval = 0.000000
 VRRP default protocol version = 2
 nftables without counters
 VRRP check unicast_src = false
 VRRP skip check advert addresses = false
 VRRP strict mode = false
 Max auto priority = 0
 Min auto priority delay = 1000000 usecs
 VRRP process priority = 0
 VRRP don't swap = false
 VRRP realtime priority = 0
 VRRP realtime limit = 10000
 Checker process priority = 0
 Checker don't swap = false
 Checker realtime priority = 0
 Checker realtime limit = 10000
 BFD process priority = 0
 BFD don't swap = false
 BFD realtime priority = 0
 BFD realtime limit = 10000
 SNMP vrrp disabled
 SNMP checker disabled
 SNMP RFCv2 disabled
 SNMP RFCv3 disabled
 SNMP traps disabled
 SNMP socket = default (unix:/var/agentx/master)
 DBus disabled
 DBus service name = 
 Script security disabled
 Default script uid:gid 0:0
 vrrp_netlink_cmd_rcv_bufs = 0
 vrrp_netlink_cmd_rcv_bufs_force = 0
 vrrp_netlink_monitor_rcv_bufs = 0
 vrrp_netlink_monitor_rcv_bufs_force = 0
 process_monitor_rcv_bufs = 0
 process_monitor_rcv_bufs_force = 0
 lvs_netlink_cmd_rcv_bufs = 0
 lvs_netlink_cmd_rcv_bufs_force = 0
 lvs_netlink_monitor_rcv_bufs = 0
 lvs_netlink_monitor_rcv_bufs_force = 0
 rs_init_notifies = 0
 no_checker_emails = 0
 rx_bufs_multiples = 3
 umask = 0177
"#;
    /// Run 1 from `VRRP Topology` to the end of `VRRP Sync groups`.
    const TOPOLOGY1: &str = r#"------< VRRP Topology >------
 VRRP Instance = VI_1
   VRRP Version = 2
   Sync group = SG1
   State = MASTER
   Flags: none
   Wantstate = MASTER
   Number of config faults = 0
   Number of interface and track script faults = 0
   Number of track scripts init = 0
   Last transition = 1795300956.383867 (Sat Nov 21 22:42:36.383867 2026)
   Read timeout = 1795300964.385393 (Sat Nov 21 22:42:44.385393 2026)
   Master down timer = 3414062 usecs
   Interface = veth0
   Using src_ip = 192.0.2.1
   Multicast address 224.0.0.18
   Gratuitous ARP delay = 5
   Gratuitous ARP repeat = 5
   Gratuitous ARP refresh = 0
   Gratuitous ARP refresh repeat = 1
   Gratuitous ARP lower priority delay = 5
   Gratuitous ARP lower priority repeat = 5
   Down timer adverts = 3
   Send advert after receive lower priority advert = true
   Send advert after receive higher priority advert = false
   Virtual Router ID = 51
   Priority = 150
   Effective priority = 150
   Total priority = 150
   Advert interval = 1 sec
   Accept = enabled
   Preempt = enabled
   Promote_secondaries = disabled
   Authentication type = SIMPLE_PASSWORD
   Password = secret1
   Virtual IP (2):
     192.0.2.100/24 dev veth0 scope global set
     192.0.2.101/24 dev veth0 scope global label veth0:1 set
   fd_in 14, fd_out 15
   Using smtp notification = yes
   Notify deleted = Fault
   Notify priority changes = false
 VRRP Instance = VI_2
   VRRP Version = 3
   Sync group = SG1
   State = MASTER
   Flags:
     Using unicast
   Wantstate = MASTER
   Number of config faults = 0
   Number of interface and track script faults = 0
   Number of track scripts init = 0
   Last transition = 1795300956.384729 (Sat Nov 21 22:42:36.384729 2026)
   Read timeout = 1795300964.385797 (Sat Nov 21 22:42:44.385797 2026)
   Master down timer = 1804687 usecs
   Interface = veth0
   Using src_ip = 192.0.2.1 (from configuration)
   Gratuitous ARP delay = 5
   Gratuitous ARP repeat = 5
   Gratuitous ARP refresh = 0
   Gratuitous ARP refresh repeat = 1
   Gratuitous ARP lower priority delay = 5
   Gratuitous ARP lower priority repeat = 5
   Down timer adverts = 3
   Send advert after receive lower priority advert = true
   Send advert after receive higher priority advert = false
   Virtual Router ID = 52
   Priority = 100
   Effective priority = 100
   Total priority = 100
   Advert interval = 500 milli-sec
   Accept = enabled
   Preempt = enabled
   Promote_secondaries = disabled
   Virtual IP (1):
     192.0.2.200/24 dev veth0 scope global set
   Virtual IP Excluded :
     2001:db8::200/64 dev veth0 scope global preferred_lft forever set
   Unicast TTL = 255
   Check unicast src : no
   Unicast Peer :
     192.0.2.2 min_ttl 0 max_ttl 255
   Unicast checksum compatibility = no
   fd_in 16, fd_out 17
   Using smtp notification = yes
   Notify deleted = Fault
   Notify priority changes = false
------< VRRP Sockpool >------
 fd_in 14 fd_out = 15
   Interface = veth0
   Family = IPv4
   Protocol = VRRP
   Type = Multicast
   Rx buf size = 0
   VRRP instances
     VI_1 vrid 51
 fd_in 16 fd_out = 17
   Interface = veth0
   Family = IPv4
   Protocol = VRRP
   Type = Unicast
   Address = 192.0.2.1
   Rx buf size = 0
   VRRP instances
     VI_2 vrid 52
------< VRRP Sync groups >------
 VRRP Sync Group = SG1, MASTER
   Num member fault 0, num member init 0
   VRRP member instances :
     VI_1
     VI_2
   Using smtp notification = yes
"#;
    /// Run 2 from `VRRP Topology` to the end of `VRRP Scripts`.
    const TOPOLOGY2: &str = r#"------< VRRP Topology >------
 VRRP Instance = VI_1
   VRRP Version = 2
   State = BACKUP
   Master router = 192.0.2.1
   Master priority = 200
   Flags:
   Wantstate = BACKUP
   Number of config faults = 0
   Number of interface and track script faults = 0
   Number of track scripts init = 0
   Last transition = 1795300994.897317 (Sat Nov 21 22:43:14.897317 2026)
   Read timeout = 1795301005.220857 (Sat Nov 21 22:43:25.220857 2026)
   Master down timer = 3414062 usecs
   Interface = veth1
   Using src_ip = 192.0.2.2
   Multicast address 224.0.0.18
   Gratuitous ARP delay = 5
   Gratuitous ARP repeat = 5
   Gratuitous ARP refresh = 0
   Gratuitous ARP refresh repeat = 1
   Gratuitous ARP lower priority delay = 5
   Gratuitous ARP lower priority repeat = 5
   Down timer adverts = 3
   Send advert after receive lower priority advert = true
   Send advert after receive higher priority advert = false
   Virtual Router ID = 51
   Priority = 150
   Effective priority = 150
   Total priority = 150
   Advert interval = 1 sec
   Accept = enabled
   Preempt = disabled
   Promote_secondaries = disabled
   Authentication type = SIMPLE_PASSWORD
   Password = secret1
   Virtual IP (1):
     192.0.2.100/24 dev veth1 scope global
   fd_in 13, fd_out 14
   Tracked interfaces :
     veth2 weight -10
   Tracked scripts :
     chk_ok weight -20
   Using smtp notification = yes
   Notify deleted = Fault
   Master state transition script = '/usr/bin/echo' 'master', uid:gid 0:0
   Generic state transition script = '/usr/bin/echo' 'notify', uid:gid 0:0
   Notify priority changes = false
 VRRP Instance = VI_3
   VRRP Version = 3
   State = BACKUP
   Master router = 192.0.2.1
   Master priority = 200
   Master advert int = 0.50 sec
   Flags: none
   Wantstate = BACKUP
   Number of config faults = 0
   Number of interface and track script faults = 0
   Number of track scripts init = 0
   Last transition = 1795300994.899926 (Sat Nov 21 22:43:14.899926 2026)
   Read timeout = 1795301003.505042 (Sat Nov 21 22:43:23.505042 2026)
   Master down timer = 1804687 usecs
   Interface = veth1
   Using src_ip = 192.0.2.2
   Multicast address 224.0.0.18
   Gratuitous ARP delay = 5
   Gratuitous ARP repeat = 5
   Gratuitous ARP refresh = 0
   Gratuitous ARP refresh repeat = 1
   Gratuitous ARP lower priority delay = 5
   Gratuitous ARP lower priority repeat = 5
   Down timer adverts = 3
   Send advert after receive lower priority advert = true
   Send advert after receive higher priority advert = false
   Virtual Router ID = 53
   Priority = 100
   Effective priority = 100
   Total priority = 100
   Advert interval = 500 milli-sec
   Master advert interval = 500 milli-sec
   Accept = enabled
   Preempt = enabled
   Promote_secondaries = disabled
   Virtual IP (1):
     192.0.2.150/24 dev veth1 scope global
   fd_in 13, fd_out 14
   Using smtp notification = yes
   Notify deleted = Fault
   Notify priority changes = false
------< VRRP Sockpool >------
 fd_in 13 fd_out = 14
   Interface = veth1
   Family = IPv4
   Protocol = VRRP
   Type = Multicast
   Rx buf size = 0
   VRRP instances
     VI_1 vrid 51
     VI_3 vrid 53
------< VRRP Scripts >------
 VRRP Script = chk_ok
   Command = '/usr/bin/true'
   Interval = 2 sec
   Timeout = 0 sec
   Weight = -20
   Rise = 2
   Fall = 3
   Result = 4
   Insecure = no
   Init state = unknown
   Status = GOOD
   Script uid:gid = 0:0
   VRRP instances :
   Tracking instances :
     VI_1, weight -20
   State = idle
"#;
    /// Run 1's `keepalived.stats`.
    const STATS1: &str = r#"VRRP Instance: VI_1
  Advertisements:
    Received: 0
    Sent: 8
  Became master: 1
  Released master: 0
  Packet Errors:
    Length: 0
    TTL: 0
    Invalid Type: 0
    Advertisement Interval: 0
    Address List: 0
  Authentication Errors:
    Invalid Type: 0
    Type Mismatch: 0
    Failure: 0
  Priority Zero:
    Received: 0
    Sent: 0
VRRP Instance: VI_2
  Advertisements:
    Received: 0
    Sent: 16
  Became master: 1
  Released master: 0
  Packet Errors:
    Length: 0
    TTL: 0
    Invalid Type: 0
    Advertisement Interval: 0
    Address List: 0
  Authentication Errors:
    Invalid Type: 0
    Type Mismatch: 0
    Failure: 0
  Priority Zero:
    Received: 0
    Sent: 0
"#;
    /// Run 2's `keepalived.json`.
    const JSON2: &str = r#"[{"data":{"iname":"VI_1","dont_track_primary":0,"skip_check_adv_addr":0,"strict_mode":0,"vmac_ifname":"","ifp_ifname":"veth1","master_priority":200,"last_transition":1795300994.897317,"garp_delay":5,"garp_refresh":0,"garp_rep":5,"garp_refresh_rep":1,"garp_lower_prio_delay":5,"garp_lower_prio_rep":5,"lower_prio_no_advert":0,"higher_prio_send_advert":0,"vrid":51,"base_priority":150,"effective_priority":150,"vipset":false,"promote_secondaries":false,"adver_int":1,"master_adver_int":1,"accept":1,"nopreempt":true,"preempt_delay":0,"state":1,"wantstate":1,"version":2,"smtp_alert":true,"notify_deleted":false,"script_master":"'\/usr\/bin\/echo' 'master'","script":"'\/usr\/bin\/echo' 'notify'","vips":["192.0.2.100\/24 dev veth1 scope global"],"track_ifp":["veth2"],"track_script":["'\/usr\/bin\/true'"],"auth_type":1,"auth_data":"secret1"},"stats":{"advert_rcvd":7,"advert_sent":0,"become_master":0,"release_master":0,"packet_len_err":0,"advert_interval_err":0,"ip_ttl_err":0,"invalid_type_rcvd":0,"addr_list_err":0,"invalid_authtype":0,"authtype_mismatch":0,"auth_failure":0,"pri_zero_rcvd":0,"pri_zero_sent":0}},{"data":{"iname":"VI_3","dont_track_primary":0,"skip_check_adv_addr":0,"strict_mode":0,"vmac_ifname":"","ifp_ifname":"veth1","master_priority":200,"last_transition":1795300994.899926,"garp_delay":5,"garp_refresh":0,"garp_rep":5,"garp_refresh_rep":1,"garp_lower_prio_delay":5,"garp_lower_prio_rep":5,"lower_prio_no_advert":0,"higher_prio_send_advert":0,"vrid":53,"base_priority":100,"effective_priority":100,"vipset":false,"promote_secondaries":false,"adver_int":0.5,"master_adver_int":0.5,"accept":1,"nopreempt":false,"preempt_delay":0,"state":1,"wantstate":1,"version":3,"smtp_alert":true,"notify_deleted":false,"vips":["192.0.2.150\/24 dev veth1 scope global"],"auth_type":0},"stats":{"advert_rcvd":14,"advert_sent":0,"become_master":0,"release_master":0,"packet_len_err":0,"advert_interval_err":0,"ip_ttl_err":0,"invalid_type_rcvd":0,"addr_list_err":0,"invalid_authtype":0,"authtype_mismatch":0,"auth_failure":0,"pri_zero_rcvd":0,"pri_zero_sent":0}}]
"#;

    fn config(text: &str) -> Config {
        let loaded = load_str("keepalived.conf", text, &Options::default());
        let mut c = loaded.config;
        // keepalived 2.2.7 leaves `data_use_instance` off unless configured; the model's
        // default is on (reported to the confparse owner).
        c.global.data_use_instance = false;
        c
    }

    fn at(secs: u64, micros: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, micros * 1000)
    }

    /// The timestamps in the references are UTC; elsewhere the comparison is skipped
    /// (a failure under `CI=true`, whose machine runs in UTC).
    fn utc_host() -> bool {
        let utc = LocalTime::at(at(1_795_300_956, 0)).utc_offset == 0;
        if !utc {
            kad_skip::skip("the reference timestamps are UTC and this host is not (TZ=UTC)");
        }
        utc
    }

    fn instance(c: &Config, name: &str) -> InstanceView {
        let cfg = c.vrrp.instances.iter().find(|i| i.name == name).unwrap();
        InstanceView::from_config(cfg, c)
    }

    fn with_vips_set(v: &mut InstanceView, c: &Config) {
        let cfg = c.vrrp.instances.iter().find(|i| i.name == v.name).unwrap();
        let dev = cfg.interface.clone().unwrap_or_default();
        v.vips = cfg
            .virtual_ipaddress
            .iter()
            .map(|a| format_address(a, &dev, true))
            .collect();
        v.evips = cfg
            .virtual_ipaddress_excluded
            .iter()
            .map(|a| format_address(a, &dev, true))
            .collect();
        v.vipset = true;
    }

    /// Run 1's instances with the live values keepalived reported.
    fn run1(c: &Config) -> Vec<InstanceView> {
        let mut vi1 = instance(c, "VI_1");
        vi1.state = State::Master;
        vi1.wantstate = State::Master;
        vi1.last_transition = at(1_795_300_956, 383_867);
        vi1.read_timeout = Some(at(1_795_300_964, 385_393));
        vi1.master_down_timer = Duration::from_micros(3_414_062);
        vi1.src_ip = Some("192.0.2.1".parse().unwrap());
        vi1.sockets = Some((14, 15));
        // keepalived ignores tracking its own interface, and weighted scripts in a sync
        // group; the event loop applies those rules before filling the view.
        vi1.track_interfaces.clear();
        vi1.track_scripts.clear();
        with_vips_set(&mut vi1, c);
        vi1.stats.adverts_sent = 8;
        vi1.stats.become_master = 1;
        let mut vi2 = instance(c, "VI_2");
        vi2.state = State::Master;
        vi2.wantstate = State::Master;
        vi2.last_transition = at(1_795_300_956, 384_729);
        vi2.read_timeout = Some(at(1_795_300_964, 385_797));
        vi2.master_down_timer = Duration::from_micros(1_804_687);
        vi2.sockets = Some((16, 17));
        with_vips_set(&mut vi2, c);
        vi2.stats.adverts_sent = 16;
        vi2.stats.become_master = 1;
        vec![vi1, vi2]
    }

    fn run2(c: &Config) -> Vec<InstanceView> {
        let master = Some(MasterView {
            addr: "192.0.2.1".parse().unwrap(),
            priority: 200,
        });
        let mut vi1 = instance(c, "VI_1");
        vi1.state = State::Backup;
        vi1.wantstate = State::Backup;
        vi1.master = master;
        vi1.last_transition = at(1_795_300_994, 897_317);
        vi1.read_timeout = Some(at(1_795_301_005, 220_857));
        vi1.master_down_timer = Duration::from_micros(3_414_062);
        vi1.src_ip = Some("192.0.2.2".parse().unwrap());
        vi1.sockets = Some((13, 14));
        vi1.stats.rx.advert_rcvd = 7;
        let mut vi3 = instance(c, "VI_3");
        vi3.state = State::Backup;
        vi3.wantstate = State::Backup;
        vi3.master = master;
        vi3.last_transition = at(1_795_300_994, 899_926);
        vi3.read_timeout = Some(at(1_795_301_003, 505_042));
        vi3.master_down_timer = Duration::from_micros(1_804_687);
        vi3.src_ip = Some("192.0.2.2".parse().unwrap());
        vi3.sockets = Some((13, 14));
        vi3.stats.rx.advert_rcvd = 14;
        vec![vi1, vi3]
    }

    fn global(c: &Config) -> GlobalView<'_> {
        GlobalView {
            config: c,
            umask: 0o177,
            script_security: false,
        }
    }

    #[test]
    fn global_block_matches_keepalived() {
        let c = config(CONF1);
        assert_eq!(global_text(&global(&c)), GLOBAL1);
    }

    #[test]
    fn topology_sockpool_and_sync_groups_match_keepalived() {
        if !utc_host() {
            return;
        }
        let c = config(CONF1);
        let instances = run1(&c);
        let sockets = [
            SocketView {
                fd_in: 14,
                fd_out: 15,
                interface: "veth0".into(),
                instances: vec![("VI_1".into(), 51)],
                ..SocketView::default()
            },
            SocketView {
                fd_in: 16,
                fd_out: 17,
                interface: "veth0".into(),
                unicast_src: Some("192.0.2.1".parse().unwrap()),
                instances: vec![("VI_2".into(), 52)],
                ..SocketView::default()
            },
        ];
        let mut sg = SyncGroupView::from_config(&c.vrrp.sync_groups[0], &c);
        sg.state = Some(State::Master);
        let text = data_text(&DumpData {
            global: global(&c),
            static_addresses: &[],
            static_routes: &[],
            static_rules: &[],
            instances: &instances,
            sockets: &sockets,
            groups: &[sg],
            scripts: &[],
            interfaces: &[],
        });
        assert_eq!(text, format!("{GLOBAL1}{TOPOLOGY1}"));
    }

    #[test]
    fn backup_instances_and_scripts_match_keepalived() {
        if !utc_host() {
            return;
        }
        let c = config(CONF2);
        let instances = run2(&c);
        let sockets = [SocketView {
            fd_in: 13,
            fd_out: 14,
            interface: "veth1".into(),
            instances: vec![("VI_1".into(), 51), ("VI_3".into(), 53)],
            ..SocketView::default()
        }];
        let mut script = ScriptView::from_config(&c.vrrp.scripts[0], &c);
        script.result = 4;
        script.init_state = "unknown";
        script.tracking = vec![TrackView {
            name: "VI_1".into(),
            weight: -20,
            ..TrackView::default()
        }];
        let text = data_text(&DumpData {
            global: global(&c),
            static_addresses: &[],
            static_routes: &[],
            static_rules: &[],
            instances: &instances,
            sockets: &sockets,
            groups: &[],
            scripts: &[script],
            interfaces: &[],
        });
        let topology = &text[text.find("------< VRRP Topology >------").unwrap()..];
        assert_eq!(topology, TOPOLOGY2);
    }

    #[test]
    fn stats_match_keepalived() {
        let c = config(CONF1);
        assert_eq!(stats_text(&run1(&c)), STATS1);
    }

    #[test]
    fn json_matches_keepalived_byte_for_byte() {
        let c = config(CONF2);
        assert_eq!(json(&run2(&c)), JSON2);
    }

    #[test]
    fn json_parses_with_keepalived_s_keys() {
        let c = config(CONF1);
        let text = json(&run1(&c));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let arr = v.as_array().unwrap();
        assert_eq!(arr.len(), 2);
        let d = &arr[1]["data"];
        assert_eq!(d["iname"], "VI_2");
        assert_eq!(d["state"], 2);
        assert_eq!(d["version"], 3);
        assert_eq!(d["adver_int"].as_f64(), Some(0.5));
        assert_eq!(
            d["evips"][0],
            "2001:db8::200/64 dev veth0 scope global preferred_lft forever set"
        );
        for k in [
            "advert_rcvd",
            "advert_sent",
            "become_master",
            "release_master",
            "packet_len_err",
            "advert_interval_err",
            "ip_ttl_err",
            "invalid_type_rcvd",
            "addr_list_err",
            "invalid_authtype",
            "authtype_mismatch",
            "auth_failure",
            "pri_zero_rcvd",
            "pri_zero_sent",
        ] {
            assert!(arr[0]["stats"][k].is_u64(), "{k}");
        }
        assert_eq!(arr[1]["stats"]["advert_sent"], 16);
        assert_eq!(json(&[]), "[]\n");
    }

    #[test]
    fn json_escapes_like_keepalived() {
        let mut s = String::new();
        json_str(&mut s, "a/b\"c\\d\te\u{1}");
        assert_eq!(s, r#""a\/b\"c\\d\te\u0001""#);
    }

    #[test]
    fn percent_g() {
        for (v, want) in [
            (1.0, "1"),
            (0.5, "0.5"),
            (5.0, "5"),
            (0.01, "0.01"),
            (40.95, "40.95"),
            (1.0 / 3.0, "0.333333"),
            (1234567.0, "1.23457e+06"),
            (0.00001, "1e-05"),
            (0.0, "0"),
        ] {
            assert_eq!(fmt_g(v), want, "{v}");
        }
    }

    #[test]
    fn addresses_are_formatted_like_keepalived() {
        let c = config(
            "vrrp_instance X {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n\
             192.0.2.10/24 brd + dev eth1 scope link label eth1:a\n\
             192.0.2.11/24 brd 192.0.2.255 no_track\n\
             192.0.2.12 peer 192.0.2.13/32\n }\n virtual_ipaddress_excluded {\n\
             2001:db8::1/128\n\
             2001:db8::2/64 preferred_lft 30 -nodad home\n }\n}\n",
        );
        let i = &c.vrrp.instances[0];
        let got: Vec<String> = i
            .virtual_ipaddress
            .iter()
            .chain(&i.virtual_ipaddress_excluded)
            .map(|a| format_address(a, "eth0", false))
            .collect();
        assert_eq!(
            got,
            [
                "192.0.2.10/24 brd 192.0.2.255 dev eth1 scope link label eth1:a",
                "192.0.2.11/24 brd 192.0.2.255 dev eth0 scope global no_track",
                "192.0.2.12/32 dev eth0 scope global peer 192.0.2.13/32",
                "2001:db8::1/128 dev eth0 scope global deprecated",
                "2001:db8::2/64 dev eth0 scope global home -nodad preferred_lft 30",
            ]
        );
    }

    #[test]
    fn interfaces_section() {
        let c = config(CONF1);
        let iface = InterfaceView {
            name: "veth0".into(),
            index: 3,
            ipv4: Some("192.0.2.1".parse().unwrap()),
            ipv6: Some("fe80::6c6b:1bff:fec5:8cf8".parse().unwrap()),
            mac: Some([0x6e, 0x6b, 0x1b, 0xc5, 0x8c, 0xf8]),
            mac_broadcast: Some([0xff; 6]),
            up: true,
            running: true,
            broadcast: true,
            multicast: true,
            mtu: 1500,
            hw_type: "ETHERNET".into(),
            tracking: vec![TrackView {
                name: "VI_1".into(),
                ..TrackView::default()
            }],
            ..InterfaceView::default()
        };
        let lo = InterfaceView {
            name: "lo".into(),
            index: 1,
            ipv4: Some("127.0.0.1".parse().unwrap()),
            up: true,
            running: true,
            loopback: true,
            mtu: 65536,
            hw_type: "LOOPBACK".into(),
            ..InterfaceView::default()
        };
        let text = data_text(&DumpData {
            global: global(&c),
            static_addresses: &[],
            static_routes: &[],
            static_rules: &[],
            instances: &[],
            sockets: &[],
            groups: &[],
            scripts: &[],
            interfaces: &[lo, iface],
        });
        let tail = &text[text.find("------< Interfaces >------").unwrap()..];
        assert_eq!(
            tail,
            "------< Interfaces >------\n Name = lo\n   index = 1\n   IPv4 address = 127.0.0.1\n   \
             IPv6 address = (none)\n   State = UP, RUNNING, no broadcast, loopback, no multicast\n   \
             MTU = 65536\n   HW Type = LOOPBACK\n Name = veth0\n   index = 3\n   \
             IPv4 address = 192.0.2.1\n   IPv6 address = fe80::6c6b:1bff:fec5:8cf8\n   \
             MAC = 6e:6b:1b:c5:8c:f8\n   MAC broadcast = ff:ff:ff:ff:ff:ff\n   State = UP, RUNNING\n   \
             MTU = 1500\n   HW Type = ETHERNET\n   Tracking VRRP instances :\n     VI_1, weight 0\n"
        );
    }

    #[test]
    fn paths_follow_keepalived() {
        let tmp = Path::new("/tmp");
        let p = Paths::new(tmp, false, Some("ns1"), Some("lb"));
        assert_eq!(p.data, Path::new("/tmp/keepalived.data"));
        assert_eq!(p.stats, Path::new("/tmp/keepalived.stats"));
        assert_eq!(p.json, Path::new("/tmp/keepalived.json"));
        let p = Paths::new(tmp, true, Some("ns1"), Some("lb"));
        assert_eq!(p.data, Path::new("/tmp/keepalived.ns1_lb.data"));
        assert_eq!(p.stats, Path::new("/tmp/keepalived.stats"));
        assert_eq!(
            Paths::new(tmp, true, None, Some("lb")).data,
            Path::new("/tmp/keepalived.lb.data")
        );
        assert_eq!(
            Paths::new(tmp, true, Some("ns1"), None).data,
            Path::new("/tmp/keepalived.ns1.data")
        );
        assert_eq!(
            Paths::new(tmp, true, None, None).data,
            Path::new("/tmp/keepalived.data")
        );
        assert_eq!(tmp_dir(None), Path::new("/tmp"));
        assert_eq!(tmp_dir(Some(Path::new("relative"))), Path::new("/tmp"));
        assert_eq!(tmp_dir(Some(Path::new("/var/tmp"))), Path::new("/var/tmp"));
    }

    #[test]
    fn writes_atomically_with_mode_0600_without_following_links() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = std::env::temp_dir().join(format!("kad-dump-test-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let victim = dir.join("victim");
        fs::write(&victim, "keep me").unwrap();
        let path = dir.join("keepalived.data");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        write_atomically(&path, "one\n").unwrap();
        assert_eq!(fs::read_to_string(&victim).unwrap(), "keep me");
        assert_eq!(fs::read_to_string(&path).unwrap(), "one\n");
        let meta = fs::symlink_metadata(&path).unwrap();
        assert!(meta.file_type().is_file());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let ino = meta.ino();
        write_atomically(&path, "two\n").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two\n");
        assert_ne!(
            fs::metadata(&path).unwrap().ino(),
            ino,
            "replaced, not rewritten"
        );
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            2,
            "no temporary file left"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn from_config_applies_global_defaults() {
        let c = config(
            "global_defs {\n vrrp_version 3\n vrrp_garp_master_delay 7\n vrrp_strict\n smtp_alert_vrrp\n}\n\
             vrrp_instance X {\n interface eth0\n virtual_router_id 9\n priority 90\n advert_int 0.25\n\
             virtual_ipaddress {\n 192.0.2.9\n }\n}\n",
        );
        let v = instance(&c, "X");
        assert_eq!(v.version, 3);
        assert_eq!(v.garp_delay, Duration::from_secs(7));
        // strict mode: no lower-priority GARPs (confparse resolves this as keepalived does).
        assert_eq!(v.garp_lower_prio_delay, Duration::ZERO);
        assert!(v.strict_mode);
        assert!(!v.accept, "strict mode: no accept unless owner");
        assert!(v.smtp_alert);
        assert_eq!(v.advert_int, Duration::from_millis(250));
        assert_eq!(v.vips, ["192.0.2.9/32 dev eth0 scope global"]);
        let text = {
            let mut o = String::new();
            instance_text(&mut o, &v);
            o
        };
        assert!(
            text.contains("   Advert interval = 250 milli-sec\n"),
            "{text}"
        );
        assert!(text.contains("   Enforcing strict VRRP compliance\n"));
        assert!(text.contains("   Read timeout = DISABLED\n"));
        assert!(text.contains("   No sockets allocated\n"));
    }
}
