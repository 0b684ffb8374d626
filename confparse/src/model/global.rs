//! Top-level settings and `global_defs`. (Being written.)
use serde::Serialize;

use crate::diag::Diagnostics;
use crate::tree::Node;

/// Settings that stand alone at the top level.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TopLevel {}

/// `global_defs`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GlobalDefs {}

/// Parse `node` if it is a top-level setting or `global_defs`; false if it is not ours.
pub fn parse_top(
    _node: &Node,
    _top: &mut TopLevel,
    _g: &mut GlobalDefs,
    _d: &mut Diagnostics,
) -> bool {
    false
}
