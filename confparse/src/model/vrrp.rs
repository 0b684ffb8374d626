//! VRRP blocks. (Being written.)
use serde::Serialize;

use super::global::GlobalDefs;
use crate::diag::Diagnostics;
use crate::tree::Node;

/// Everything VRRP in a configuration.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VrrpConfig {}

/// Parse `node` if it is a VRRP top-level block; false if it is not ours.
pub fn parse_top(_node: &Node, _v: &mut VrrpConfig, _d: &mut Diagnostics) -> bool {
    false
}

/// Resolve defaults inherited from `global_defs` and check cross-references.
pub fn finish(_v: &mut VrrpConfig, _g: &GlobalDefs, _d: &mut Diagnostics) {}
