//! `BFD_CHECK`: a real server follows the state of a `bfd_instance`.

use super::{Checker, CheckerKind};
use crate::diag::{Diagnostics, Severity};
use crate::model::values::{flag, no_block};
use crate::tree::Node;

/// The settings of a `BFD_CHECK`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BfdCheck {
    /// `name`: the `bfd_instance` to follow.
    pub name: String,
}

const KEYWORDS: &[&str] = &["name", "alpha"];

/// Longest BFD instance name (`BFD_INAME_MAX - 1`).
const NAME_MAX: usize = 31;

pub(super) fn parse(node: &Node, children: &[Node], d: &mut Diagnostics) -> Option<Checker> {
    let mut name: Option<String> = None;
    let mut alpha = None;
    for n in children {
        no_block(n, d);
        match n.name() {
            "name" => {
                if n.args.len() != 1 {
                    d.error(
                        &n.keyword.loc,
                        "BFD_CHECK - no or too many names specified - skipping checker",
                    );
                    return None;
                }
                let t = &n.args[0];
                if let Some(prev) = &name {
                    d.error(
                        &t.loc,
                        format!("BFD_CHECK - BFD {} already specified as {prev}", t.text),
                    );
                    return None;
                }
                if t.text.len() > NAME_MAX {
                    d.error(&t.loc, format!("BFD_CHECK - BFD name {} too long", t.text));
                    return None;
                }
                name = Some(t.text.clone());
            }
            "alpha" => {
                if let Some(v) = flag(n, d) {
                    alpha = Some(v);
                }
            }
            _ => d.unknown_keyword(Severity::Error, &n.keyword, "BFD_CHECK", KEYWORDS),
        }
    }
    let Some(name) = name else {
        d.error(
            &node.keyword.loc,
            "no name has been specified for BFD_CHECK - skipping",
        );
        return None;
    };
    let mut c = Checker::new(
        CheckerKind::Bfd(BfdCheck { name }),
        false,
        node.keyword.loc.clone(),
    );
    c.settings.alpha = alpha;
    Some(c)
}
