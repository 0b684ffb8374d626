//! `MISC_CHECK`: run a program; its exit status is the verdict (and, with `misc_dynamic`, the
//! weight).

use super::{Checker, CheckerKind};
use crate::diag::Diagnostics;
use crate::model::script::Script;
use crate::model::values::{need_arg, no_block, parse_uint, Micros, TIMER_HZ};
use crate::tree::Node;

/// The settings of a `MISC_CHECK`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct MiscCheck {
    /// `misc_path`: the program and its arguments; `user` fills the script's user and group.
    pub script: Script,
    /// `misc_timeout`; `None` (or 0) means the virtual server's `delay_loop`.
    pub timeout: Option<Micros>,
    /// `misc_dynamic`: exit codes 2..=255 set the weight.
    pub dynamic: bool,
}

const OWN: &[&str] = &["misc_path", "misc_timeout", "misc_dynamic", "user"];

pub(super) fn parse(node: &Node, children: &[Node], d: &mut Diagnostics) -> Option<Checker> {
    let mut script: Option<Script> = None;
    let mut timeout = None;
    let mut dynamic = false;
    let mut user: Option<(String, Option<String>)> = None;
    let placeholder = MiscCheck {
        script: Script {
            command: String::new(),
            args: Vec::new(),
            user: None,
            group: None,
            loc: node.keyword.loc.clone(),
        },
        timeout: None,
        dynamic: false,
    };
    let mut c = Checker::new(
        CheckerKind::Misc(placeholder),
        false,
        node.keyword.loc.clone(),
    );
    for n in children {
        if c.common(n, None, d) {
            continue;
        }
        no_block(n, d);
        match n.name() {
            "misc_path" => {
                if let Some(s) = Script::from_args(n, 0, false, d) {
                    script = Some(s);
                }
            }
            "misc_timeout" => {
                let Some(t) = need_arg(n, 0, d) else { continue };
                if let Some(v) = parse_uint(t, 0, u64::from(u32::MAX) / TIMER_HZ, d) {
                    timeout = (v != 0).then_some(Micros::from_secs(v));
                }
            }
            "misc_dynamic" => dynamic = true,
            "user" => {
                let Some(t) = need_arg(n, 0, d) else { continue };
                user = Some((t.text.clone(), n.args.get(1).map(|g| g.text.clone())));
            }
            _ => c.unknown(n, OWN, d),
        }
    }
    let Some(mut script) = script else {
        d.error_hint(
            &node.keyword.loc,
            "no script path has been specified for MISC_CHECK - skipping",
            "add 'misc_path <program>'",
        );
        return None;
    };
    if let Some((u, g)) = user {
        script.user = Some(u);
        script.group = g;
    }
    c.kind = CheckerKind::Misc(MiscCheck {
        script,
        timeout,
        dynamic,
    });
    Some(c)
}
