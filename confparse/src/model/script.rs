//! Scripts: `notify_*`, `quorum_up/down`, `misc_path`, `vrrp_script`'s `script`...
//!
//! keepalived re-reads a script line with `alloc_strvec_quoted_escaped()` (quotes and
//! backslash escapes apply there and nowhere else), takes word 1 as the command string, words
//! 2 and 3 as user and group, and splits the command string once more into the program's
//! arguments (`set_script_params_array()`, lib/notify.c). One type serves both halves of the
//! model so the daemon runs every script the same way.

use super::values::need_arg;
use crate::diag::Diagnostics;
use crate::preprocess::split_quoted_escaped;
use crate::token::Loc;
use crate::tree::Node;

/// A script with its arguments and the user and group it runs as.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Script {
    /// The command string as written (a quoted string may hold parameters).
    pub command: String,
    /// The program and its arguments, split as keepalived splits them before `execve`.
    pub args: Vec<String>,
    /// `username`, else the global `script_user`.
    pub user: Option<String>,
    /// `groupname`, else the user's group.
    pub group: Option<String>,
    /// Where it was configured.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
}

impl Script {
    /// Read `KEYWORD SCRIPT [user [group]]` from `node`, the script being argument `first`.
    /// With `allow_user` false the words after the script are ignored (`misc_path`, whose user
    /// comes from its own `user` keyword).
    pub fn from_args(
        node: &Node,
        first: usize,
        allow_user: bool,
        d: &mut Diagnostics,
    ) -> Option<Script> {
        let tok = need_arg(node, first, d)?;
        let words = match node.script_words() {
            Ok(w) => w,
            Err(e) => {
                d.error(
                    &tok.loc,
                    format!("unable to parse script for {}: {e}", node.name()),
                );
                return None;
            }
        };
        let command = words.get(first + 1).cloned().unwrap_or_default();
        let script = Script::from_command(command, tok.loc.clone(), node.name(), d)?;
        Some(if allow_user {
            Script {
                user: words.get(first + 2).cloned(),
                group: words.get(first + 3).cloned(),
                ..script
            }
        } else {
            script
        })
    }

    /// A script from a command string already assembled by the caller (`vrrp_script`'s
    /// `script`, whose unquoted words keepalived joins), with no user or group.
    pub fn from_command(
        command: String,
        loc: Loc,
        keyword: &str,
        d: &mut Diagnostics,
    ) -> Option<Script> {
        let args = match split_quoted_escaped(&command) {
            Ok(a) if !a.is_empty() => a,
            Ok(_) => {
                d.error(&loc, format!("{keyword} script is empty"));
                return None;
            }
            Err(e) => {
                d.error(
                    &loc,
                    format!("unable to parse script '{command}' for {keyword}: {e}"),
                );
                return None;
            }
        };
        Some(Script {
            command,
            args,
            user: None,
            group: None,
            loc,
        })
    }
}

/// The child process a script belongs to. keepalived checks a subsystem's scripts only when
/// that subsystem has something to do (VRRP instances, virtual servers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subsystem {
    /// `vrrp_script`, instance and sync-group `notify*`, `vrrp_notify_fifo_script`.
    Vrrp,
    /// `notify_up/down`, `quorum_up/down`, `misc_path`, `lvs_notify_fifo_script`.
    Checker,
    /// `startup_script`, `shutdown_script`, `notify_fifo_script`.
    Global,
}

impl Script {
    /// The program keepalived executes or checks: the first argument, with `< /path` (a
    /// file-readability check) kept as one word `</path`.
    pub fn program(&self) -> Option<String> {
        match self.args.as_slice() {
            [lt, path, ..] if lt == "<" => Some(format!("<{path}")),
            [first, ..] => Some(first.clone()),
            [] => None,
        }
    }
}

impl super::Config {
    /// Every script in the configuration, with the subsystem that runs it, in file order
    /// within each block kind.
    pub fn scripts(&self) -> Vec<(Subsystem, &Script)> {
        fn vrrp(s: &Script) -> (Subsystem, &Script) {
            (Subsystem::Vrrp, s)
        }
        fn checker(s: &Script) -> (Subsystem, &Script) {
            (Subsystem::Checker, s)
        }
        let mut out = Vec::new();
        let g = &self.global;
        for s in [&g.startup_script, &g.shutdown_script, &g.notify_fifo.script]
            .into_iter()
            .flatten()
        {
            out.push((Subsystem::Global, s));
        }
        out.extend(g.vrrp_notify_fifo.script.iter().map(vrrp));
        out.extend(
            self.vrrp
                .scripts
                .iter()
                .filter_map(|s| s.script.as_ref())
                .map(vrrp),
        );
        let notify = self
            .vrrp
            .instances
            .iter()
            .map(|i| &i.notify)
            .chain(self.vrrp.sync_groups.iter().map(|g| &g.notify));
        for n in notify {
            out.extend(n.scripts().map(vrrp));
        }
        out.extend(g.lvs_notify_fifo.script.iter().map(checker));
        for vs in &self.lvs.virtual_servers {
            out.extend(
                [&vs.quorum_up, &vs.quorum_down]
                    .into_iter()
                    .flatten()
                    .map(checker),
            );
            for rs in &vs.real_servers {
                out.extend(
                    [&rs.notify_up, &rs.notify_down]
                        .into_iter()
                        .flatten()
                        .map(|s| checker(s.as_ref())),
                );
                for c in &rs.checkers {
                    if let super::checker::CheckerKind::Misc(m) = &c.kind {
                        out.push(checker(&m.script));
                    }
                }
            }
        }
        out
    }
}

/// keepalived's script checks at load (`check_script_secure()` and the default script user),
/// which depend on the host: `user_exists` answers whether a user name exists, `script_exists`
/// whether a script's program can be found — keepalived silently skips scripts it cannot find,
/// so they count for nothing here either. Only scripts of a subsystem with work to do count.
///
/// A script runs as its own `user`, else `script_user`, else `keepalived_script` if that user
/// exists, else root. Without `enable_script_security`, a script running as root makes
/// `keepalived -t` fail ("SECURITY VIOLATION", exit 6 rather than 5: the return value says so);
/// with it, a script with no usable user is dropped with an error. The checks on the script
/// files themselves (owner and write permissions of every path component) need the file system
/// and are left to the daemon.
pub fn check_script_security(
    cfg: &super::Config,
    user_exists: &dyn Fn(&str) -> bool,
    script_exists: &dyn Fn(&str) -> bool,
    d: &mut Diagnostics,
) -> bool {
    let g = &cfg.global;
    let default_user: Option<&str> = match &g.script_user {
        Some((u, _)) => Some(u.as_str()),
        None if user_exists("keepalived_script") => Some("keepalived_script"),
        None => None,
    };
    let active = |sub: Subsystem| match sub {
        Subsystem::Vrrp => !cfg.vrrp.instances.is_empty(),
        Subsystem::Checker => !cfg.lvs.virtual_servers.is_empty(),
        Subsystem::Global => true,
    };
    let mut violation: Option<Loc> = None;
    for (sub, s) in cfg.scripts() {
        let Some(program) = s.program() else { continue };
        if !active(sub) || program.starts_with('<') || !script_exists(&program) {
            continue;
        }
        match s.user.as_deref().or(default_user) {
            Some(u) if !user_exists(u) => d.error(
                &s.loc,
                format!(
                    "unable to set uid/gid for script {}: no user {u}",
                    s.command
                ),
            ),
            Some("root") | None if !g.enable_script_security => {
                violation.get_or_insert_with(|| s.loc.clone());
            }
            None => d.error_hint(
                &s.loc,
                format!(
                    "unable to set default user keepalived_script for script {} - removing",
                    s.command
                ),
                "set script_user in global_defs, or create the keepalived_script user",
            ),
            Some(_) => {}
        }
    }
    if let Some(loc) = &violation {
        d.error_hint(
            loc,
            "SECURITY VIOLATION - scripts are being executed but script_security not enabled",
            "add enable_script_security (and script_user) to global_defs",
        );
    }
    violation.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(command: &str) -> Script {
        let loc = Loc::new("t.conf".into(), 1, 1);
        Script::from_command(command.into(), loc, "notify", &mut Diagnostics::new()).unwrap()
    }

    #[test]
    fn program_is_the_first_word_or_a_file_check() {
        assert_eq!(
            script("/bin/true master").program().as_deref(),
            Some("/bin/true")
        );
        assert_eq!(script("< /etc/x").program().as_deref(), Some("</etc/x"));
        assert_eq!(script("'/a b/c' d").args, ["/a b/c", "d"]);
    }
}
