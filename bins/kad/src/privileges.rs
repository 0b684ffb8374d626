//! Least privilege for kad's children, beyond keepalived (which keeps every capability of
//! root in each process): once a child has started (its sockets open, its scheduling
//! settings and IPVS namespace applied), it keeps only the capabilities its loop still uses
//! and sets `PR_SET_NO_NEW_PRIVS`, so that a bug exploited in a packet or reply parser cannot
//! load a module, read any file or trace another process.
//!
//! | process | kept | why |
//! |---|---|---|
//! | VRRP | `CAP_NET_ADMIN` | addresses, routes, rules, VMACs, netlink buffer sizes (`SO_RCVBUFFORCE`) |
//! | | `CAP_NET_RAW` | VRRP and GARP/NA sockets opened at reload for new interfaces |
//! | | `CAP_SETUID`, `CAP_SETGID` | scripts switch to `script_user` |
//! | | `CAP_KILL` | timed-out scripts running as another user are signalled |
//! | | `CAP_SYS_NICE` | only when running real-time or at a negative nice value (`vrrp_rt_priority`, `vrrp_priority`) |
//! | checker | `CAP_NET_ADMIN` | IPVS, `fwmark` on check sockets |
//! | | `CAP_NET_RAW` | ICMP and ARP checks, `SO_BINDTODEVICE` |
//! | | `CAP_NET_BIND_SERVICE` | a check's `bind_port` below 1024 |
//! | | `CAP_SETUID`, `CAP_SETGID`, `CAP_KILL` | `MISC_CHECK` scripts, as for VRRP |
//! | | `CAP_SYS_NICE` | as for VRRP (`checker_rt_priority`, `checker_priority`) |
//! | BFD | `CAP_NET_RAW`, `CAP_NET_ADMIN` | `SO_BINDTODEVICE`, `SO_PRIORITY` on its sockets |
//! | | `CAP_SYS_NICE` | as for VRRP (`bfd_rt_priority`, `bfd_priority`) |
//!
//! The capabilities not kept leave the effective, permitted and bounding sets, the ambient
//! set is emptied, and no_new_privs is set: an `execve()` can then give nothing back, so a
//! script running as a non-root `script_user` has no capability at all (the uid change
//! already clears them; no_new_privs also disarms set-user-id files and file capabilities).
//!
//! Scripts running with root rights (keepalived's test in `check_script_secure()`: uid or gid
//! 0, or a set-user-id/set-group-id root file) get every capability of root from keepalived.
//! kad keeps that meaning: when the configuration the child started with has such a script,
//! the child only narrows its *effective* set, leaves permitted and bounding sets whole and
//! does not set no_new_privs, and says so in its log; a non-root `script_user` gives the full
//! restriction. A reload adding a root script to a restricted child is logged: the script
//! runs with the child's few capabilities.
//!
//! The parent is not restricted: it starts the children, which need its capabilities.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// One capability: its number (linux/capability.h) and `capsh`'s name for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap(pub u8, pub &'static str);

/// `CAP_KILL`.
pub const KILL: Cap = Cap(5, "cap_kill");
/// `CAP_SETGID`.
pub const SETGID: Cap = Cap(6, "cap_setgid");
/// `CAP_SETUID`.
pub const SETUID: Cap = Cap(7, "cap_setuid");
/// `CAP_NET_BIND_SERVICE`.
pub const NET_BIND_SERVICE: Cap = Cap(10, "cap_net_bind_service");
/// `CAP_NET_ADMIN`.
pub const NET_ADMIN: Cap = Cap(12, "cap_net_admin");
/// `CAP_NET_RAW`.
pub const NET_RAW: Cap = Cap(13, "cap_net_raw");
/// `CAP_SYS_NICE`.
pub const SYS_NICE: Cap = Cap(23, "cap_sys_nice");

/// Which child restricts itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Process {
    /// The VRRP child.
    Vrrp,
    /// The checker child.
    Checker,
    /// The BFD child.
    Bfd,
}

impl Process {
    /// The word keepalived uses for it in log lines.
    fn title(self) -> &'static str {
        match self {
            Process::Vrrp => "VRRP",
            Process::Checker => "Healthcheck",
            Process::Bfd => "BFD",
        }
    }

    /// What its loop uses after start-up (the table above); `nice` adds `CAP_SYS_NICE`.
    pub fn needs(self, nice: bool) -> Vec<Cap> {
        let mut caps = match self {
            Process::Vrrp => vec![KILL, SETGID, SETUID, NET_ADMIN, NET_RAW],
            Process::Checker => vec![KILL, SETGID, SETUID, NET_BIND_SERVICE, NET_ADMIN, NET_RAW],
            Process::Bfd => vec![NET_ADMIN, NET_RAW],
        };
        if nice {
            caps.push(SYS_NICE);
        }
        caps
    }
}

/// Set once a script with root rights has been prepared in this process.
static ROOT_SCRIPTS: AtomicBool = AtomicBool::new(false);
/// The permitted set after [`restrict`] (bit per capability); 0 before.
static RESTRICTED: AtomicU64 = AtomicU64::new(0);

/// Records a script about to be run with root rights (by [`crate::spawn::ScriptUsers`]).
/// Before [`restrict`] this keeps root's capabilities permitted for scripts; after it, the
/// script gets only what the child kept, which is logged.
pub fn note_root_script(program: &str) {
    ROOT_SCRIPTS.store(true, Ordering::Relaxed);
    let kept = RESTRICTED.load(Ordering::Relaxed);
    if kept != 0 {
        log_warn!(
            "Script {program} runs with root rights but this process dropped its capabilities at start; it gets only {} (restart kad to give it all of root's)",
            names(kept)
        );
    }
}

/// Records the scripts the checker's configuration would run with root rights: the checker
/// resolves each script at its first run, after start-up, so [`restrict`] learns of them
/// from the configuration (`MISC_CHECK`, `notify_up`/`notify_down`, `quorum_up`/`quorum_down`,
/// `lvs_notify_fifo_script`). A script's own set-user-id bit is not looked at here.
pub fn note_checker_scripts(config: &keepalive_confparse::model::Config) {
    use keepalive_confparse::model::checker::CheckerKind;
    use keepalive_confparse::model::script::Script;
    let users = crate::spawn::ScriptUsers::new(&config.global);
    let mut scripts: Vec<&Script> = Vec::new();
    for vs in &config.lvs.virtual_servers {
        scripts.extend(vs.quorum_up.iter().chain(vs.quorum_down.iter()));
        for rs in &vs.real_servers {
            scripts.extend(rs.notify_up.as_deref());
            scripts.extend(rs.notify_down.as_deref());
            for c in &rs.checkers {
                if let CheckerKind::Misc(m) = &c.kind {
                    scripts.push(&m.script);
                }
            }
        }
    }
    scripts.extend(config.global.lvs_notify_fifo.script.iter());
    for s in scripts {
        if let Some((uid, gid)) = users.ids(s.user.as_deref(), s.group.as_deref()) {
            if uid == 0 || gid == 0 {
                ROOT_SCRIPTS.store(true, Ordering::Relaxed);
                return;
            }
        }
    }
}

/// What [`restrict`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restricted {
    /// The effective set now.
    pub effective: u64,
    /// The permitted set now.
    pub permitted: u64,
    /// Whether the bounding set was narrowed and no_new_privs set.
    pub locked: bool,
}

/// Narrows this process's capabilities to `process`'s needs (see the module's table). Call
/// it once, after start-up. Never fails the child: a step the kernel refuses is logged.
pub fn restrict(process: Process) -> Restricted {
    let nice = running_niced();
    let want = mask(&process.needs(nice));
    let current = match capget() {
        Ok(c) => c,
        Err(e) => {
            log_warn!("{} process: capget failed - {e}", process.title());
            return Restricted {
                effective: 0,
                permitted: 0,
                locked: false,
            };
        }
    };
    let keep = want & current.permitted;
    let root_scripts = ROOT_SCRIPTS.load(Ordering::Relaxed);
    let title = process.title();
    let locked = !root_scripts;
    if locked {
        // The bounding set needs CAP_SETPCAP, so it is narrowed before the capset below.
        for cap in 0..=last_cap() {
            if keep & (1 << cap) == 0 {
                if let Err(e) = capbset_drop(cap) {
                    log_warn!("{title} process: PR_CAPBSET_DROP({cap}) failed - {e}");
                    break;
                }
            }
        }
        if let Err(e) = ambient_clear() {
            log_warn!("{title} process: PR_CAP_AMBIENT_CLEAR_ALL failed - {e}");
        }
    }
    let permitted = if locked { keep } else { current.permitted };
    let set = Caps {
        effective: keep,
        permitted,
        inheritable: 0,
    };
    if let Err(e) = capset(&set) {
        log_warn!("{title} process: capset failed - {e}");
    }
    if locked {
        if let Err(e) = nix::sys::prctl::set_no_new_privs() {
            log_warn!("{title} process: PR_SET_NO_NEW_PRIVS failed - {e}");
        }
        RESTRICTED.store(keep | 1 << 63, Ordering::Relaxed);
        log_info!(
            "{title} process: capabilities limited to {}, no_new_privs set",
            names(keep)
        );
    } else {
        log_info!(
            "{title} process: capabilities effective {}; root's stay permitted for scripts running as root (set script_user to a non-root user to drop them)",
            names(keep)
        );
    }
    Restricted {
        effective: keep,
        permitted,
        locked,
    }
}

/// Whether this process runs real-time or at a negative nice value: then it keeps
/// `CAP_SYS_NICE` (the scheduling settings of `*_rt_priority`/`*_priority`).
fn running_niced() -> bool {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command's closing parenthesis: state is field 3, nice field 19,
    // policy field 41.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let nice: i64 = fields.get(16).and_then(|s| s.parse().ok()).unwrap_or(0);
    let policy: i64 = fields.get(38).and_then(|s| s.parse().ok()).unwrap_or(0);
    nice < 0 || policy != 0
}

fn mask(caps: &[Cap]) -> u64 {
    caps.iter().fold(0, |m, c| m | 1 << c.0)
}

/// `capsh`-style names of a set, comma-separated.
pub fn names(set: u64) -> String {
    const KNOWN: [Cap; 7] = [
        KILL,
        SETGID,
        SETUID,
        NET_BIND_SERVICE,
        NET_ADMIN,
        NET_RAW,
        SYS_NICE,
    ];
    let mut out = Vec::new();
    for bit in 0..63 {
        if set & (1 << bit) != 0 {
            match KNOWN.iter().find(|c| u32::from(c.0) == bit) {
                Some(c) => out.push(c.1.to_string()),
                None => out.push(format!("cap_{bit}")),
            }
        }
    }
    if out.is_empty() {
        "none".into()
    } else {
        out.join(",")
    }
}

/// The highest capability number this kernel knows.
fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
}

/// The three sets of `capget`/`capset`, 64 bits each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Caps {
    effective: u64,
    permitted: u64,
    inheritable: u64,
}

/// linux/capability.h's `struct __user_cap_header_struct`.
#[repr(C)]
struct Header {
    version: u32,
    pid: libc::c_int,
}

/// linux/capability.h's `struct __user_cap_data_struct`; version 3 takes two (low and high
/// 32 bits).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Data {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// `_LINUX_CAPABILITY_VERSION_3`.
const VERSION_3: u32 = 0x2008_0522;

// ----- FFI shim: capget/capset have no wrapper in libc or nix -----

#[allow(unsafe_code)]
fn capget() -> io::Result<Caps> {
    let mut header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let mut data = [Data::default(); 2];
    // SAFETY: capget(2) with version 3 writes two `Data` structs through the second pointer;
    // both point to locals that outlive the call.
    let r = unsafe { libc::syscall(libc::SYS_capget, &mut header, data.as_mut_ptr()) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    let join = |f: fn(&Data) -> u32| u64::from(f(&data[0])) | u64::from(f(&data[1])) << 32;
    Ok(Caps {
        effective: join(|d| d.effective),
        permitted: join(|d| d.permitted),
        inheritable: join(|d| d.inheritable),
    })
}

#[allow(unsafe_code)]
fn capset(c: &Caps) -> io::Result<()> {
    let mut header = Header {
        version: VERSION_3,
        pid: 0,
    };
    let split = |v: u64| [v as u32, (v >> 32) as u32];
    let (e, p, i) = (split(c.effective), split(c.permitted), split(c.inheritable));
    let data = [0, 1].map(|k| Data {
        effective: e[k],
        permitted: p[k],
        inheritable: i[k],
    });
    // SAFETY: capset(2) with version 3 reads two `Data` structs; both pointers are to locals
    // that outlive the call.
    let r = unsafe { libc::syscall(libc::SYS_capset, &mut header, data.as_ptr()) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[allow(unsafe_code)]
fn capbset_drop(cap: u32) -> io::Result<()> {
    // SAFETY: prctl(PR_CAPBSET_DROP, cap) takes integers only.
    let r = unsafe { libc::prctl(libc::PR_CAPBSET_DROP, libc::c_ulong::from(cap), 0, 0, 0) };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[allow(unsafe_code)]
fn ambient_clear() -> io::Result<()> {
    // SAFETY: prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL) takes integers only.
    let r = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0,
            0,
            0,
        )
    };
    if r != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_masks() {
        assert_eq!(names(0), "none");
        assert_eq!(
            names(mask(&Process::Bfd.needs(false))),
            "cap_net_admin,cap_net_raw"
        );
        assert_eq!(
            names(mask(&Process::Vrrp.needs(true))),
            "cap_kill,cap_setgid,cap_setuid,cap_net_admin,cap_net_raw,cap_sys_nice"
        );
        assert_eq!(names(1 << 21), "cap_21");
    }

    #[test]
    fn capget_reads_this_process() {
        let c = capget().unwrap();
        assert_eq!(c.effective & !c.permitted, 0);
    }
}
