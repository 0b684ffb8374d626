//! Scripts: `notify_*`, `quorum_up/down`, `misc_path`, `vrrp_script`'s `script`...
//!
//! keepalived re-reads a script line with `alloc_strvec_quoted_escaped()` (quotes and
//! backslash escapes apply there and nowhere else), takes word 1 as the command string, words
//! 2 and 3 as user and group, and splits the command string once more into the program's
//! arguments (`set_script_params_array()`, lib/notify.c). One type serves both halves of the
//! model so the daemon runs every script the same way.

use serde::Serialize;

use super::values::{need_arg, ser_loc};
use crate::diag::Diagnostics;
use crate::preprocess::split_quoted_escaped;
use crate::token::Loc;
use crate::tree::Node;

/// A script with its arguments and the user and group it runs as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
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
    #[serde(serialize_with = "ser_loc")]
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
