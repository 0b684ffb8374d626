//! Child processes of the checker: MISC_CHECK programs (whose exit status is the verdict) and
//! notify scripts (`notify_up`, `notify_down`, `quorum_up`, `quorum_down`, fire and forget),
//! run by the daemon's shared [`Runner`] (own process group, credentials, SIGTERM then SIGKILL
//! at the timeout, as keepalived's `system_call_script`) after [`ScriptUsers::prepare`] has
//! resolved their user and checked them as keepalived does at start-up.
//!
//! The MISC_CHECK state machine keeps its own `misc_timeout` deadline; the runner is given the
//! same timeout so the script is terminated then, and its [`Outcome::TimedOut`] is not fed
//! back (the checker has already concluded "timed out").

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use keepalive_checkers::{Script, ScriptStatus};
use keepalive_confparse::model::global::GlobalDefs;
use keepalive_confparse::model::script::Script as CfgScript;
use keepalive_confparse::token::Loc;

use crate::spawn::{JobId, Outcome, Prepared, Rejected, Runner, ScriptUsers};

/// Who is waiting for a child's exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// The checker at this index (MISC_CHECK).
    Checker(usize),
    /// Nobody (a notify script, or a MISC_CHECK whose result is no longer wanted).
    Notify,
}

/// Why a script is not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SpawnError {
    /// The script has no program.
    #[error("empty script")]
    Empty,
    /// keepalived's start-up checks refused it (already logged in keepalived's words).
    #[error("script refused: {0:?}")]
    Rejected(Rejected),
}

/// What ended: a job of ours (with the checker waiting for it, if any) or someone else's.
#[derive(Debug)]
pub struct Reaped {
    /// MISC_CHECK results: `(job, checker index, status)`.
    pub checks: Vec<(JobId, usize, ScriptStatus)>,
    /// Jobs not started through [`Children::spawn`] (the FIFO scripts).
    pub others: Vec<(JobId, Outcome)>,
}

/// A script as written: program and arguments, user, group.
type ScriptKey = (Vec<String>, Option<String>, Option<String>);

/// The running children and who waits for each.
#[derive(Debug)]
pub struct Children {
    runner: Runner,
    users: ScriptUsers,
    owners: HashMap<JobId, Owner>,
    prepared: HashMap<ScriptKey, Result<Prepared, Rejected>>,
}

impl Children {
    /// Children whose default user comes from `global` (`script_user`, `keepalived_script`).
    pub fn new(global: &GlobalDefs) -> Children {
        Children {
            runner: Runner::new(),
            users: ScriptUsers::new(global),
            owners: HashMap::new(),
            prepared: HashMap::new(),
        }
    }

    /// New `global_defs` after a reload: scripts are resolved again.
    pub fn reconfigure(&mut self, global: &GlobalDefs) {
        self.users = ScriptUsers::new(global);
        self.prepared.clear();
    }

    /// The runner, for the FIFO scripts.
    pub fn runner(&mut self) -> &mut Runner {
        &mut self.runner
    }

    /// The script users, for the FIFO scripts.
    pub fn users(&self) -> &ScriptUsers {
        &self.users
    }

    /// Start `script` for `owner`, terminated after `timeout` if given. `what` names it in
    /// keepalived's complaints ("MISC_CHECK", "notify_up"...); each script is checked once.
    pub fn spawn(
        &mut self,
        now: Instant,
        script: &Script,
        owner: Owner,
        timeout: Option<Duration>,
        what: &str,
    ) -> Result<JobId, SpawnError> {
        if script.args.is_empty() {
            return Err(SpawnError::Empty);
        }
        let users = &self.users;
        let key = (
            script.args.clone(),
            script.user.clone(),
            script.group.clone(),
        );
        let prepared = self.prepared.entry(key).or_insert_with(|| {
            let cfg = CfgScript {
                command: script.args.join(" "),
                args: script.args.clone(),
                user: script.user.clone(),
                group: script.group.clone(),
                loc: Loc::new(Arc::from(""), 0, 0),
            };
            users.prepare(&cfg, what)
        });
        let job = match prepared {
            Ok(p) => p.job(&[], timeout),
            Err(r) => return Err(SpawnError::Rejected(*r)),
        };
        let id = self.runner.spawn(now, job);
        self.owners.insert(id, owner);
        Ok(id)
    }

    /// Nobody waits for this child any more (a MISC_CHECK past its timeout).
    pub fn disown(&mut self, id: JobId) {
        if let Some(o) = self.owners.get_mut(&id) {
            *o = Owner::Notify;
        }
    }

    /// Nobody waits for any child (the checkers are rebuilt on reload).
    pub fn disown_all(&mut self) {
        for o in self.owners.values_mut() {
            *o = Owner::Notify;
        }
    }

    /// When [`Children::reap`] must run even without a SIGCHLD.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.runner.next_deadline()
    }

    /// Collect ended children. A MISC_CHECK that could not run counts as exit status 127,
    /// as from a shell.
    pub fn reap(&mut self, now: Instant) -> Reaped {
        let mut out = Reaped {
            checks: Vec::new(),
            others: Vec::new(),
        };
        for (id, outcome) in self.runner.reap(now) {
            let Some(owner) = self.owners.remove(&id) else {
                out.others.push((id, outcome));
                continue;
            };
            let status = match outcome {
                Outcome::Exited(c) => ScriptStatus::Exited(u8::try_from(c & 0xff).unwrap_or(255)),
                Outcome::Signalled(s) => ScriptStatus::Signaled(s),
                Outcome::TimedOut => continue,
                Outcome::SpawnFailed(why) => {
                    log_info!("Failed to run script: {why}");
                    ScriptStatus::Exited(127)
                }
            };
            if let Owner::Checker(i) = owner {
                out.checks.push((id, i, status));
            }
        }
        out
    }

    /// At shutdown: SIGTERM every child's process group.
    pub fn terminate_all(&mut self) {
        self.runner.terminate_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::load::load_str;
    use keepalive_confparse::Options;

    fn sh(cmd: &str) -> Script {
        Script {
            args: vec!["/bin/sh".into(), "-c".into(), cmd.into()],
            ..Script::default()
        }
    }

    fn children() -> Children {
        let loaded = load_str("t.conf", "global_defs {\n}\n", &Options::default());
        Children::new(&loaded.config.global)
    }

    fn wait(c: &mut Children) -> Vec<(JobId, usize, ScriptStatus)> {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            let r = c.reap(Instant::now()).checks;
            if !r.is_empty() || Instant::now() > end {
                return r;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn exit_codes_owners_and_refusals() {
        let mut c = children();
        let now = Instant::now();
        c.spawn(now, &sh("exit 3"), Owner::Checker(7), None, "MISC_CHECK")
            .unwrap();
        let r = wait(&mut c);
        assert_eq!((r[0].1, r[0].2), (7, ScriptStatus::Exited(3)));
        let id = c
            .spawn(now, &sh("exit 0"), Owner::Checker(1), None, "MISC_CHECK")
            .unwrap();
        c.disown(id);
        std::thread::sleep(Duration::from_millis(300));
        assert!(c.reap(Instant::now()).checks.is_empty());
        assert_eq!(
            c.spawn(now, &Script::default(), Owner::Notify, None, "x"),
            Err(SpawnError::Empty)
        );
        let missing = Script {
            args: vec!["/nonexistent/kad-script".into()],
            ..Script::default()
        };
        assert_eq!(
            c.spawn(now, &missing, Owner::Notify, None, "MISC_CHECK"),
            Err(SpawnError::Rejected(Rejected::NotFound))
        );
        let unknown_user = Script {
            user: Some("no-such-user-kad".into()),
            ..sh("true")
        };
        assert_eq!(
            c.spawn(now, &unknown_user, Owner::Notify, None, "notify_up"),
            Err(SpawnError::Rejected(Rejected::User))
        );
    }
}
