//! Notifications as keepalived sends them (keepalived/vrrp/vrrp_notify.c, lib/notify.c):
//! notify scripts of instances and sync groups, and lines on the notify FIFOs.
//!
//! On a state change keepalived runs, in this order: the state's own script
//! (`notify_master`, `notify_backup`, `notify_fault`, `notify_stop`, `notify_deleted`) with
//! only its configured arguments; the generic `notify` script with four more arguments,
//! `INSTANCE|GROUP NAME STATE PRIORITY` (priority 0 for a group); then the FIFO line
//! `INSTANCE "NAME" STATE PRIORITY` on `notify_fifo` and `vrrp_notify_fifo`. A master that
//! hears a lower priority runs `notify_master_rx_lower_pri` (no extra arguments) and writes
//! `MASTER_RX_LOWER_PRI`; a priority change (`notify_priority_changes`) is only a FIFO line,
//! `MASTER_PRIORITY` or `BACKUP_PRIORITY`. Details kept from keepalived:
//! - an instance removed by a reload reports FAULT, not DELETED, unless it has
//!   `notify_deleted` (`send_instance_notifies()`); sync groups have no `notify_deleted`;
//! - an instance that has sent notifications before and enters the state its sync group is
//!   already in sends nothing;
//! - an instance's `notify_stop`, and the generic `notify` script reporting STOP, get 1 s and
//!   then SIGKILL (`child_killed_thread()`); other notify scripts run without a time limit;
//! - scripts that cannot be found, are not executable by their user, or (with
//!   `enable_script_security`) are insecure are dropped at start-up (`check_notify_script_secure()`).
//!
//! FIFOs (`fifo_open()`, lib/notify.c): created with mode 0644 if missing (and then chowned to
//! the FIFO's user/group, else the default script user, and removed again at close), the
//! FIFO script started with the FIFO's path as its last argument, then opened read-write and
//! non-blocking, so a FIFO nobody reads never blocks: lines that do not fit are dropped.
//! Both the VRRP and the checker process open the global `notify_fifo` (and each starts its
//! `notify_fifo_script`), as keepalived's two processes do.
//!
//! Usage in the VRRP process:
//!
//! ```ignore
//! let mut runner = Runner::new();
//! let mut notifier = Notifier::new(&config, &mut runner, Instant::now());
//! // for every Action::Notify(n) drained from an instance or sync group:
//! notifier.notify(&mut runner, Instant::now(), &n);
//! // for every (id, outcome) from runner.reap(now):
//! if notifier.job_done(id, &outcome) { /* it was a notify or FIFO script */ }
//! // shutdown: after the STOP notifications, reap until notifier.pending() == 0 (the STOP
//! // scripts are killed after 1 s), then:
//! notifier.close();
//! // reload (SIGHUP): notifier.reload(&new_config, &mut runner, now);
//! ```
//!
//! The checker process uses [`FifoSet`] alone:
//! `FifoSet::open(&config.global, FifoKind::Lvs, &ScriptUsers::new(&config.global), &mut
//! runner, now)` then `fifos.write_line("VS [10.0.0.1]:tcp:80 UP")` (the line without its
//! newline).

// The VRRP and checker loops that use this module are being written alongside it.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::time::{Duration, Instant};

use keepalive_confparse::model::global::{GlobalDefs, NotifyFifo};
use keepalive_confparse::model::script::Script;
use keepalive_confparse::model::vrrp::instance::Notify;
use keepalive_confparse::model::Config;
use keepalive_vrrp::action::Notification;
use keepalive_vrrp::action::{NotifyEvent, NotifyScope};
use keepalive_vrrp::State;

use crate::spawn::{JobId, Outcome, Prepared, Runner, ScriptUsers};

/// How long STOP notify scripts may run before SIGKILL (keepalived: `TIMER_HZ`).
pub const STOP_SCRIPT_TIMEOUT: Duration = Duration::from_secs(1);

/// Which process's FIFOs: decides the specific FIFO (`vrrp_notify_fifo` or
/// `lvs_notify_fifo`) and the words of the log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FifoKind {
    /// The VRRP process.
    Vrrp,
    /// The checker process.
    Lvs,
}

impl FifoKind {
    fn prefix(self) -> &'static str {
        match self {
            FifoKind::Vrrp => "vrrp_",
            FifoKind::Lvs => "lvs_",
        }
    }
}

#[derive(Debug)]
struct OpenFifo {
    path: String,
    file: File,
    /// We made it, so we remove it at close.
    created: bool,
}

/// The notify FIFOs one process writes to: the global `notify_fifo` and its own.
#[derive(Debug)]
pub struct FifoSet {
    kind: FifoKind,
    fifos: Vec<OpenFifo>,
    scripts: HashSet<JobId>,
}

impl FifoSet {
    /// Creates (if missing) and opens the global and the `kind` FIFO, starting their
    /// scripts on `runner`. Failures are logged and leave that FIFO out.
    pub fn open(
        global: &GlobalDefs,
        kind: FifoKind,
        users: &ScriptUsers,
        runner: &mut Runner,
        now: Instant,
    ) -> FifoSet {
        let specific = match kind {
            FifoKind::Vrrp => &global.vrrp_notify_fifo,
            FifoKind::Lvs => &global.lvs_notify_fifo,
        };
        let mut set = FifoSet {
            kind,
            fifos: Vec::new(),
            scripts: HashSet::new(),
        };
        set.open_one(&global.notify_fifo, "", users, runner, now);
        set.open_one(specific, kind.prefix(), users, runner, now);
        set
    }

    fn open_one(
        &mut self,
        cfg: &NotifyFifo,
        prefix: &str,
        users: &ScriptUsers,
        runner: &mut Runner,
        now: Instant,
    ) {
        let Some(fifo) = &cfg.fifo else {
            return;
        };
        let path = fifo.path.as_str();
        let mode = nix::sys::stat::Mode::from_bits_truncate(0o644);
        let created = match nix::unistd::mkfifo(path, mode) {
            Ok(()) => {
                let Some((uid, gid)) = users.ids(fifo.user.as_deref(), fifo.group.as_deref())
                else {
                    log_info!("Invalid user/group for {prefix}fifo {path} - ignoring");
                    let _ = std::fs::remove_file(path);
                    return;
                };
                let (our_uid, our_gid) = (
                    nix::unistd::geteuid().as_raw(),
                    nix::unistd::getegid().as_raw(),
                );
                if (uid != our_uid || gid != our_gid)
                    && nix::unistd::chown(
                        path,
                        (uid != our_uid).then(|| nix::unistd::Uid::from_raw(uid)),
                        (gid != our_gid).then(|| nix::unistd::Gid::from_raw(gid)),
                    )
                    .is_err()
                {
                    log_info!("Failed to set uid:gid for fifo {path}");
                }
                true
            }
            Err(nix::errno::Errno::EEXIST) => {
                // A file planted at the path (CVE-2018-19046): never write state lines into
                // something that is not a FIFO.
                use std::os::unix::fs::FileTypeExt;
                let is_fifo =
                    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_fifo());
                if !is_fifo {
                    log_info!("{prefix}notify fifo {path} exists and is not a FIFO - ignoring");
                    return;
                }
                false
            }
            Err(_) => {
                log_info!("Unable to create {prefix}notify fifo {path}");
                return;
            }
        };
        if let Some(script) = &cfg.script {
            let what = format!("{prefix}notify_fifo");
            if let Some(p) = prepare_notify(users, script, &what) {
                let id = runner.spawn(now, p.job(&[path], None));
                self.scripts.insert(id);
            }
        }
        match OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
            .open(path)
        {
            Ok(file) => self.fifos.push(OpenFifo {
                path: path.to_string(),
                file,
                created,
            }),
            Err(e) => {
                log_info!(
                    "Unable to open {prefix}notify fifo {path} - errno {}",
                    e.raw_os_error().unwrap_or(0)
                );
                if created {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
    }

    /// Whether any FIFO is open.
    pub fn is_active(&self) -> bool {
        !self.fifos.is_empty()
    }

    /// Writes `line` and a newline to every FIFO, never waiting: a line that does not fit
    /// in a FIFO nobody reads is dropped, as keepalived drops it.
    pub fn write_line(&mut self, line: &str) {
        if self.fifos.is_empty() {
            return;
        }
        let mut buf = String::with_capacity(line.len() + 1);
        buf.push_str(line);
        buf.push('\n');
        for f in &mut self.fifos {
            let _ = f.file.write(buf.as_bytes());
        }
    }

    /// Claims the outcome of a FIFO script, logging its end as keepalived does; false if
    /// `id` is not one.
    pub fn job_done(&mut self, id: JobId, _outcome: &Outcome) -> bool {
        if !self.scripts.remove(&id) {
            return false;
        }
        match self.kind {
            FifoKind::Vrrp => log_info!("vrrp notify fifo script terminated"),
            FifoKind::Lvs => log_info!("lvs notify fifo script terminated"),
        }
        true
    }

    /// Stops the FIFO scripts (SIGTERM, then SIGKILL), as keepalived's reload does with all
    /// its children.
    pub fn stop_scripts(&mut self, runner: &mut Runner) {
        for id in &self.scripts {
            runner.terminate(*id);
        }
    }

    /// Closes the FIFOs, removing those we created first so that a reader that reopens in
    /// a loop cannot find them again (`fifo_close()`). The FIFO scripts are left to
    /// [`Runner::terminate_all`].
    pub fn close(&mut self) {
        for f in self.fifos.drain(..) {
            if f.created {
                let _ = std::fs::remove_file(&f.path);
            }
        }
    }
}

impl Drop for FifoSet {
    fn drop(&mut self) {
        self.close();
    }
}

/// A notify script is run only if it can be executed (keepalived's
/// `check_notify_script_secure()` drops `</file` tests too).
fn prepare_notify(users: &ScriptUsers, script: &Script, what: &str) -> Option<Prepared> {
    users.prepare(script, what).ok().filter(|p| !p.system)
}

/// The notify scripts of one instance or sync group, ready to run.
#[derive(Debug, Default)]
struct Scripts {
    master: Option<Prepared>,
    backup: Option<Prepared>,
    fault: Option<Prepared>,
    stop: Option<Prepared>,
    deleted: Option<Prepared>,
    /// `notify_deleted` is configured (with or without a script).
    report_deleted: bool,
    any: Option<Prepared>,
    master_rx_lower_pri: Option<Prepared>,
}

impl Scripts {
    fn new(n: &Notify, users: &ScriptUsers) -> Scripts {
        let p = |s: &Option<Box<Script>>, what: &str| {
            s.as_deref().and_then(|s| prepare_notify(users, s, what))
        };
        Scripts {
            master: p(&n.master, "notify_master"),
            backup: p(&n.backup, "notify_backup"),
            fault: p(&n.fault, "notify_fault"),
            stop: p(&n.stop, "notify_stop"),
            deleted: n.deleted.as_ref().and_then(|d| p(d, "notify_deleted")),
            report_deleted: n.deleted.is_some(),
            any: p(&n.any, "notify"),
            master_rx_lower_pri: p(&n.master_rx_lower_pri, "notify_master_rx_lower_pri"),
        }
    }

    fn for_state(&self, state: State) -> Option<&Prepared> {
        match state {
            State::Master => self.master.as_ref(),
            State::Backup => self.backup.as_ref(),
            State::Fault => self.fault.as_ref(),
            State::Stopped => self.stop.as_ref(),
            State::Deleted => self.deleted.as_ref(),
            State::Init => None,
        }
    }
}

/// Runs the VRRP process's notify scripts and writes its FIFO lines.
#[derive(Debug)]
pub struct Notifier {
    fifos: FifoSet,
    instances: HashMap<String, Scripts>,
    groups: HashMap<String, Scripts>,
    /// Instance name → its sync group.
    group_of: HashMap<String, String>,
    /// The last state each sync group reported.
    group_state: HashMap<String, State>,
    /// Instances that have sent notifications (keepalived's `notifies_sent`).
    notified: HashSet<String>,
    /// Notify scripts still running.
    jobs: HashSet<JobId>,
}

impl Notifier {
    /// Resolves every notify script of `config` (logging those dropped), creates and opens
    /// the FIFOs and starts their scripts on `runner`.
    pub fn new(config: &Config, runner: &mut Runner, now: Instant) -> Notifier {
        let users = ScriptUsers::new(&config.global);
        let fifos = FifoSet::open(&config.global, FifoKind::Vrrp, &users, runner, now);
        let instances = config
            .vrrp
            .instances
            .iter()
            .map(|i| (i.name.clone(), Scripts::new(&i.notify, &users)))
            .collect();
        let groups = config
            .vrrp
            .sync_groups
            .iter()
            .map(|g| (g.name.clone(), Scripts::new(&g.notify, &users)))
            .collect();
        let group_of = config
            .vrrp
            .sync_groups
            .iter()
            .flat_map(|g| g.members.iter().map(|m| (m.name.clone(), g.name.clone())))
            .collect();
        Notifier {
            fifos,
            instances,
            groups,
            group_of,
            group_state: HashMap::new(),
            notified: HashSet::new(),
            jobs: HashSet::new(),
        }
    }

    /// Reports `n` (from `Action::Notify` of an instance or a sync group): runs its scripts
    /// on `runner` and writes its FIFO line.
    pub fn notify(&mut self, runner: &mut Runner, now: Instant, n: &Notification) {
        match (n.scope, n.event) {
            (NotifyScope::Instance, NotifyEvent::State(state)) => {
                self.instance_state(runner, now, n, state)
            }
            (NotifyScope::Group, NotifyEvent::State(state)) => {
                self.group_state(runner, now, n, state)
            }
            (NotifyScope::Instance, NotifyEvent::MasterRxLowerPriority) => {
                let script = self
                    .instances
                    .get(&n.name)
                    .and_then(|s| s.master_rx_lower_pri.as_ref());
                if let Some(p) = script {
                    let id = runner.spawn(now, p.job(&[], None));
                    self.jobs.insert(id);
                }
                self.fifos.write_line(&n.to_string());
            }
            _ => self.fifos.write_line(&n.to_string()),
        }
    }

    fn instance_state(
        &mut self,
        runner: &mut Runner,
        now: Instant,
        n: &Notification,
        state: State,
    ) {
        let scripts = self.instances.get(&n.name);
        // Without notify_deleted a removed instance reports FAULT, as it always did.
        let state = match (state, scripts) {
            (State::Deleted, Some(s)) if !s.report_deleted => State::Fault,
            (State::Deleted, None) => State::Fault,
            (s, _) => s,
        };
        if self.notified.contains(&n.name) {
            let group = self.group_of.get(&n.name);
            if group.and_then(|g| self.group_state.get(g)) == Some(&state) {
                return;
            }
        }
        self.notified.insert(n.name.clone());
        let prio = n.priority.to_string();
        let args = ["INSTANCE", n.name.as_str(), state.keyword(), prio.as_str()];
        if let Some(s) = scripts {
            let stop = state == State::Stopped;
            let specific = s.for_state(state).map(|p| p.job(&[], None));
            let any = s.any.as_ref().map(|p| p.job(&args, None));
            for job in [specific, any].into_iter().flatten() {
                let id = if stop {
                    runner.spawn_kill_on_timeout(
                        now,
                        crate::spawn::Job {
                            timeout: Some(STOP_SCRIPT_TIMEOUT),
                            ..job
                        },
                    )
                } else {
                    runner.spawn(now, job)
                };
                self.jobs.insert(id);
            }
        }
        self.fifos.write_line(&format!(
            "INSTANCE \"{}\" {} {}",
            n.name,
            state.keyword(),
            n.priority
        ));
    }

    fn group_state(&mut self, runner: &mut Runner, now: Instant, n: &Notification, state: State) {
        self.group_state.insert(n.name.clone(), state);
        let args = ["GROUP", n.name.as_str(), state.keyword(), "0"];
        if let Some(s) = self.groups.get(&n.name) {
            // A sync group has no notify_deleted; its notify_stop runs without a limit.
            let specific = match state {
                State::Deleted => None,
                st => s.for_state(st),
            };
            if let Some(p) = specific {
                let id = runner.spawn(now, p.job(&[], None));
                self.jobs.insert(id);
            }
            if let Some(p) = &s.any {
                let job = p.job(&args, None);
                let id = if state == State::Stopped {
                    runner.spawn_kill_on_timeout(
                        now,
                        crate::spawn::Job {
                            timeout: Some(STOP_SCRIPT_TIMEOUT),
                            ..job
                        },
                    )
                } else {
                    runner.spawn(now, job)
                };
                self.jobs.insert(id);
            }
        }
        self.fifos
            .write_line(&format!("GROUP \"{}\" {} 0", n.name, state.keyword()));
    }

    /// Takes a reloaded configuration: the FIFOs are closed and opened again (their scripts
    /// stopped and started again), the scripts resolved again; instances and sync groups
    /// that remain keep what they have reported, so the sync-group rule above still holds.
    pub fn reload(&mut self, config: &Config, runner: &mut Runner, now: Instant) {
        self.fifos.stop_scripts(runner);
        self.fifos.close();
        let mut new = Notifier::new(config, runner, now);
        new.notified = self
            .notified
            .drain()
            .filter(|n| new.instances.contains_key(n))
            .collect();
        new.group_state = self
            .group_state
            .drain()
            .filter(|(g, _)| new.groups.contains_key(g))
            .collect();
        // Outcomes of scripts started before the reload still belong to us.
        new.jobs.extend(self.jobs.drain());
        new.fifos.scripts.extend(self.fifos.scripts.drain());
        *self = new;
    }

    /// Writes a line of the caller's own to the FIFOs.
    pub fn write_fifo_line(&mut self, line: &str) {
        self.fifos.write_line(line);
    }

    /// Claims the outcome of a job this notifier started; false if `id` is not ours.
    pub fn job_done(&mut self, id: JobId, outcome: &Outcome) -> bool {
        self.jobs.remove(&id) || self.fifos.job_done(id, outcome)
    }

    /// How many notify scripts have not ended yet (FIFO scripts not counted).
    pub fn pending(&self) -> usize {
        self.jobs.len()
    }

    /// Closes (and removes the FIFOs we created).
    pub fn close(&mut self) {
        self.fifos.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spawn::testutil::{wait_for, TempDir};
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;
    use keepalive_vrrp::Priority;
    use std::io::Read;
    use std::os::unix::fs::FileTypeExt;

    const LONG: Duration = Duration::from_secs(30);

    fn config(text: &str) -> Config {
        load_str("test.conf", text, &Options::default()).config
    }

    fn event(scope: NotifyScope, name: &str, event: NotifyEvent, prio: u8) -> Notification {
        Notification {
            scope,
            name: name.into(),
            event,
            priority: Priority(prio),
        }
    }

    fn inst(name: &str, state: State, prio: u8) -> Notification {
        event(NotifyScope::Instance, name, NotifyEvent::State(state), prio)
    }

    /// Drives the runner until every job has ended.
    fn drain(r: &mut Runner, n: &mut Notifier) {
        wait_for(LONG, || {
            for (id, o) in r.reap(Instant::now()) {
                n.job_done(id, &o);
            }
            (n.pending() == 0).then_some(())
        })
        .expect("notify scripts did not end");
    }

    /// A script that appends its arguments, as one line, to `log` in `d`.
    fn logger(d: &TempDir, name: &str) -> String {
        d.script(
            name,
            &format!("echo \"{name} $*\" >> {}/log", d.0.display()),
        )
    }

    fn lines(d: &TempDir) -> Vec<String> {
        let mut v: Vec<String> = d
            .read("log")
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        v.sort();
        v
    }

    fn read_fifo(f: &mut File, want_lines: usize) -> String {
        let mut got = String::new();
        wait_for(LONG, || {
            let mut buf = [0u8; 4096];
            if let Ok(n) = f.read(&mut buf) {
                got.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
            (got.lines().count() >= want_lines).then_some(())
        })
        .expect("FIFO lines did not arrive");
        got
    }

    fn open_reader(path: &std::path::Path) -> File {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .unwrap()
    }

    const INSTANCE: &str = "vrrp_instance VI_1 {\n interface lo\n virtual_router_id 1\n priority 100\n virtual_ipaddress {\n 192.0.2.1/32\n }\n";

    #[test]
    fn instance_scripts_get_keepalived_arguments() {
        let d = TempDir::new("notify");
        let text = format!(
            "global_defs {{\n script_user root\n}}\n{INSTANCE} notify_master \"{} m1\"\n notify_backup {}\n notify {}\n notify_master_rx_lower_pri {}\n}}\n",
            logger(&d, "master"),
            logger(&d, "backup"),
            logger(&d, "any"),
            logger(&d, "lower"),
        );
        let cfg = config(&text);
        let mut r = Runner::new();
        let now = Instant::now();
        let mut n = Notifier::new(&cfg, &mut r, now);
        n.notify(&mut r, now, &inst("VI_1", State::Master, 100));
        n.notify(
            &mut r,
            now,
            &event(
                NotifyScope::Instance,
                "VI_1",
                NotifyEvent::MasterRxLowerPriority,
                100,
            ),
        );
        drain(&mut r, &mut n);
        n.notify(&mut r, now, &inst("VI_1", State::Backup, 90));
        drain(&mut r, &mut n);
        assert_eq!(
            lines(&d),
            [
                "any INSTANCE VI_1 BACKUP 90",
                "any INSTANCE VI_1 MASTER 100",
                "backup ",
                "lower ",
                "master m1",
            ]
        );
    }

    #[test]
    fn deleted_reports_fault_without_notify_deleted() {
        let d = TempDir::new("notify");
        let text = format!(
            "global_defs {{\n script_user root\n}}\n{INSTANCE} notify_fault {}\n notify {}\n}}\n\
             vrrp_instance VI_2 {{\n interface lo\n virtual_router_id 2\n priority 100\n notify_deleted {}\n notify {}\n}}\n",
            logger(&d, "fault"),
            logger(&d, "any"),
            logger(&d, "deleted"),
            logger(&d, "any2"),
        );
        let cfg = config(&text);
        let mut r = Runner::new();
        let now = Instant::now();
        let mut n = Notifier::new(&cfg, &mut r, now);
        n.notify(&mut r, now, &inst("VI_1", State::Deleted, 100));
        n.notify(&mut r, now, &inst("VI_2", State::Deleted, 100));
        drain(&mut r, &mut n);
        assert_eq!(
            lines(&d),
            [
                "any INSTANCE VI_1 FAULT 100",
                "any2 INSTANCE VI_2 DELETED 100",
                "deleted ",
                "fault ",
            ]
        );
    }

    #[test]
    fn sync_group_scripts_and_suppression() {
        let d = TempDir::new("notify");
        let text = format!(
            "global_defs {{\n script_user root\n}}\n{INSTANCE} notify {}\n}}\n\
             vrrp_sync_group G1 {{\n group {{\n VI_1\n }}\n notify_master {}\n notify {}\n}}\n",
            logger(&d, "inst"),
            logger(&d, "gmaster"),
            logger(&d, "group"),
        );
        let cfg = config(&text);
        assert_eq!(
            cfg.vrrp.sync_groups.len(),
            1,
            "test config lost its sync group"
        );
        let mut r = Runner::new();
        let now = Instant::now();
        let mut n = Notifier::new(&cfg, &mut r, now);
        // Members first, then the group, as keepalived's vrrp_sync_master() does.
        n.notify(&mut r, now, &inst("VI_1", State::Master, 100));
        n.notify(
            &mut r,
            now,
            &event(
                NotifyScope::Group,
                "G1",
                NotifyEvent::State(State::Master),
                0,
            ),
        );
        // Already notified and entering the group's state again: nothing.
        n.notify(&mut r, now, &inst("VI_1", State::Master, 100));
        drain(&mut r, &mut n);
        assert_eq!(
            lines(&d),
            [
                "gmaster ",
                "group GROUP G1 MASTER 0",
                "inst INSTANCE VI_1 MASTER 100",
            ]
        );
    }

    #[test]
    fn fifo_lines_and_fifo_script() {
        let d = TempDir::new("notify");
        let fifo = d.path("vrrp.fifo");
        let gfifo = d.path("global.fifo");
        let text = format!(
            "global_defs {{\n script_user root\n notify_fifo {}\n vrrp_notify_fifo {}\n vrrp_notify_fifo_script \"{} x\"\n vrrp_notify_priority_changes\n}}\n{INSTANCE}}}\n",
            gfifo.display(),
            fifo.display(),
            logger(&d, "fifo"),
        );
        let cfg = config(&text);
        let mut r = Runner::new();
        let now = Instant::now();
        let mut n = Notifier::new(&cfg, &mut r, now);
        for p in [&fifo, &gfifo] {
            let meta = std::fs::metadata(p).unwrap();
            assert!(meta.file_type().is_fifo());
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(meta.permissions().mode() & 0o777, 0o644 & !current_umask());
        }
        let mut reader = open_reader(&fifo);
        let mut greader = open_reader(&gfifo);
        n.notify(&mut r, now, &inst("VI_1", State::Master, 100));
        n.notify(
            &mut r,
            now,
            &event(
                NotifyScope::Instance,
                "VI_1",
                NotifyEvent::PriorityChange { master: true },
                90,
            ),
        );
        n.notify(
            &mut r,
            now,
            &event(NotifyScope::Group, "G", NotifyEvent::State(State::Fault), 0),
        );
        n.write_fifo_line("CUSTOM line");
        let want = "INSTANCE \"VI_1\" MASTER 100\nINSTANCE \"VI_1\" MASTER_PRIORITY 90\nGROUP \"G\" FAULT 0\nCUSTOM line\n";
        assert_eq!(read_fifo(&mut reader, 4), want);
        assert_eq!(read_fifo(&mut greader, 4), want);
        // The FIFO script got its argument and the FIFO's path.
        wait_for(LONG, || d.read("log").filter(|s| !s.is_empty())).unwrap();
        assert_eq!(lines(&d), [format!("fifo x {}", fifo.display())]);
        let mut done = false;
        wait_for(LONG, || {
            for (id, o) in r.reap(Instant::now()) {
                done |= n.job_done(id, &o);
            }
            done.then_some(())
        })
        .unwrap();
        n.close();
        assert!(
            !fifo.exists() && !gfifo.exists(),
            "created FIFOs are removed at close"
        );
    }

    #[test]
    fn existing_fifo_is_kept_and_nobody_reading_never_blocks() {
        let d = TempDir::new("notify");
        let fifo = d.path("mine.fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let text = format!(
            "global_defs {{\n script_user root\n vrrp_notify_fifo {}\n}}\n{INSTANCE}}}\n",
            fifo.display()
        );
        let cfg = config(&text);
        let mut r = Runner::new();
        let now = Instant::now();
        let mut n = Notifier::new(&cfg, &mut r, now);
        let start = Instant::now();
        // Far more than a pipe holds.
        for _ in 0..20_000 {
            n.notify(&mut r, now, &inst("VI_1", State::Backup, 100));
        }
        assert!(start.elapsed() < Duration::from_secs(20));
        n.close();
        assert!(fifo.exists(), "a FIFO we did not create is left in place");
    }

    #[test]
    fn stop_scripts_are_killed_after_a_second() {
        let d = TempDir::new("notify");
        let stop = d.script("stop.sh", "sleep 300");
        let text =
            format!("global_defs {{\n script_user root\n}}\n{INSTANCE} notify_stop {stop}\n}}\n");
        let cfg = config(&text);
        let mut r = Runner::new();
        let now = Instant::now();
        let mut n = Notifier::new(&cfg, &mut r, now);
        n.notify(&mut r, now, &inst("VI_1", State::Stopped, 100));
        assert_eq!(n.pending(), 1);
        let deadline = r.next_deadline().unwrap();
        assert!(deadline <= now + STOP_SCRIPT_TIMEOUT);
        let mut outcome = None;
        wait_for(LONG, || {
            for (id, o) in r.reap(Instant::now()) {
                assert!(n.job_done(id, &o));
                outcome = Some(o);
            }
            outcome.clone()
        })
        .unwrap();
        assert_eq!(outcome, Some(Outcome::TimedOut));
        assert_eq!(n.pending(), 0);
    }

    #[test]
    fn insecure_scripts_are_dropped_under_script_security() {
        if !kad_skip::root() {
            return;
        }
        // The temporary directory is world-writable without the sticky bit: a script in it
        // running as root is insecure.
        let d = TempDir::new("notify");
        let text = format!(
            "global_defs {{\n script_user root\n enable_script_security\n}}\n{INSTANCE} notify {}\n}}\n",
            logger(&d, "any"),
        );
        let cfg = config(&text);
        let mut r = Runner::new();
        let now = Instant::now();
        let mut n = Notifier::new(&cfg, &mut r, now);
        n.notify(&mut r, now, &inst("VI_1", State::Master, 100));
        assert_eq!(n.pending(), 0);
        assert_eq!(r.running(), 0);
    }

    #[test]
    fn unusable_fifo_path_is_skipped() {
        let text = format!(
            "global_defs {{\n script_user root\n vrrp_notify_fifo /nonexistent/kad/x.fifo\n}}\n{INSTANCE}}}\n"
        );
        let cfg = config(&text);
        let mut r = Runner::new();
        let now = Instant::now();
        let mut n = Notifier::new(&cfg, &mut r, now);
        assert!(!n.fifos.is_active());
        n.notify(&mut r, now, &inst("VI_1", State::Master, 100));
        n.close();
    }

    #[test]
    fn reload_restarts_the_fifo_script_and_keeps_history() {
        let d = TempDir::new("notify");
        let fifo = d.path("v.fifo");
        let hang = d.script(
            "fifo.sh",
            &format!("echo start >> {}/log; sleep 300", d.0.display()),
        );
        let text = format!(
            "global_defs {{\n script_user root\n vrrp_notify_fifo {}\n vrrp_notify_fifo_script {hang}\n}}\n{INSTANCE}}}\n",
            fifo.display()
        );
        let cfg = config(&text);
        let mut r = Runner::new();
        let now = Instant::now();
        let mut n = Notifier::new(&cfg, &mut r, now);
        n.notify(&mut r, now, &inst("VI_1", State::Backup, 100));
        wait_for(LONG, || d.read("log").filter(|s| s.lines().count() == 1)).unwrap();
        n.reload(&cfg, &mut r, Instant::now());
        assert!(n.notified.contains("VI_1"));
        assert!(fifo.exists(), "the FIFO is made again");
        wait_for(LONG, || d.read("log").filter(|s| s.lines().count() == 2)).unwrap();
        // The first FIFO script ends (SIGTERM) and is claimed by the reloaded notifier.
        let mut claimed = 0;
        wait_for(LONG, || {
            for (id, o) in r.reap(Instant::now()) {
                assert!(n.job_done(id, &o));
                claimed += 1;
            }
            (claimed == 1).then_some(())
        })
        .unwrap();
        assert_eq!(r.running(), 1);
        r.kill_all();
        n.close();
    }

    /// The process's umask, read without changing it (other tests run in parallel).
    fn current_umask() -> u32 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("Umask:")).unwrap();
        u32::from_str_radix(line["Umask:".len()..].trim(), 8).unwrap()
    }
}
