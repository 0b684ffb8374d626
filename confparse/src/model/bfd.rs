//! `bfd_instance`. (Being written.)
use serde::Serialize;

use crate::diag::Diagnostics;
use crate::tree::Node;

/// One `bfd_instance` block.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BfdInstance {}

/// Parse `node` if it is a `bfd_instance`; false if it is not.
pub fn parse_top(_node: &Node, _v: &mut Vec<BfdInstance>, _d: &mut Diagnostics) -> bool {
    false
}
