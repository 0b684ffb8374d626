//! `FILE_CHECK`: a real server's weight follows a number read from a `track_file`.

use super::{Checker, CheckerKind};
use crate::diag::{Diagnostics, Severity};
use crate::model::values::{need_arg, no_block, parse_int};
use crate::tree::Node;

/// The settings of a `FILE_CHECK`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FileCheck {
    /// `track_file`: the name of a top-level `track_file` block.
    pub track_file: String,
    /// `weight`; `None` means the `track_file`'s own weight.
    pub weight: Option<i32>,
    /// `weight ... reverse`.
    pub reverse: bool,
    /// `dynamic`: add the value to the weight and quorum (a keyword of keepalived after 2.2.7).
    pub dynamic: bool,
}

const KEYWORDS: &[&str] = &["track_file", "weight", "dynamic"];

pub(super) fn parse(node: &Node, children: &[Node], d: &mut Diagnostics) -> Option<Checker> {
    let mut name = None;
    let mut weight = None;
    let mut reverse = false;
    let mut dynamic = false;
    for n in children {
        no_block(n, d);
        match n.name() {
            "track_file" => {
                if let Some(t) = need_arg(n, 0, d) {
                    name = Some(t.text.clone());
                }
            }
            "weight" => {
                let Some(t) = need_arg(n, 0, d) else { continue };
                let Some(w) = parse_int(t, -i64::from(i32::MAX), i64::from(i32::MAX), d) else {
                    continue;
                };
                let rev = match n.args.get(1).map(|t| t.text.as_str()) {
                    None | Some("noreverse") => false,
                    Some("reverse") => true,
                    Some(other) => {
                        d.error_hint(
                            &n.args[1].loc,
                            format!("unknown track file weight option {other} - ignoring"),
                            "expected reverse or noreverse",
                        );
                        continue;
                    }
                };
                weight = Some(w as i32);
                reverse = rev;
            }
            "dynamic" => dynamic = true,
            _ => d.unknown_keyword(Severity::Error, &n.keyword, "FILE_CHECK", KEYWORDS),
        }
    }
    let Some(track_file) = name else {
        d.error(
            &node.keyword.loc,
            "FILE_CHECK has no track_file specified - ignoring",
        );
        return None;
    };
    Some(Checker::new(
        CheckerKind::File(FileCheck {
            track_file,
            weight,
            reverse,
            dynamic,
        }),
        false,
        node.keyword.loc.clone(),
    ))
}
