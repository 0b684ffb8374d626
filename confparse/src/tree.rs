//! Brace matching: logical lines become a tree of keyword nodes.
//!
//! Every line inside a block is a [`Node`] whose `keyword` is the line's first word, whether the
//! block holds keywords (`vrrp_instance`) or values (`virtual_ipaddress`, `notification_email`),
//! so the typed layer decides what a line means.

use crate::token::{Loc, Token};

/// One configuration line, with the block that follows it if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The first word of the line.
    pub keyword: Token,
    /// The remaining words, up to an opening `{` if the line has one.
    pub args: Vec<Token>,
    /// The lines between `{` and its matching `}`, when the keyword opened a block.
    pub block: Option<Block>,
}

/// The contents of a `{ ... }` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Where the `{` is.
    pub open: Loc,
    /// The lines inside, in order.
    pub children: Vec<Node>,
}

impl Node {
    /// The children of this node's block, or an empty slice when it has none.
    pub fn children(&self) -> &[Node] {
        self.block.as_ref().map_or(&[], |b| &b.children)
    }

    /// The keyword's text.
    pub fn name(&self) -> &str {
        &self.keyword.text
    }

    /// Argument `i`'s text, if present.
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(|t| t.text.as_str())
    }
}
