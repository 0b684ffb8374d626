//! LVS blocks. (Being written.)
use serde::Serialize;

use super::global::GlobalDefs;
use crate::diag::Diagnostics;
use crate::tree::Node;

/// Everything LVS in a configuration.
#[derive(Clone, Debug, Default, Serialize)]
pub struct LvsConfig {}

/// Parse `node` if it is an LVS top-level block; false if it is not ours.
pub fn parse_top(_node: &Node, _v: &mut LvsConfig, _d: &mut Diagnostics) -> bool {
    false
}

/// Resolve inherited defaults (virtual server → real server → checker) and check references.
pub fn finish(_v: &mut LvsConfig, _g: &GlobalDefs, _d: &mut Diagnostics) {}
