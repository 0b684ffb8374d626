//! Brace matching: logical lines become a tree of keyword nodes.
//!
//! Every line inside a block is a [`Node`] whose `keyword` is the line's first word, whether the
//! block holds keywords (`vrrp_instance`) or values (`virtual_ipaddress`, `notification_email`),
//! so the typed layer decides what a line means.
//!
//! # Rules (keepalived 2.2.7's `read_line`, `process_stream` and `alloc_value_block`)
//!
//! The preprocessor already cut every line before and after each `{` and `}` that is not inside
//! `"..."`, so a brace is always alone on its [`Line`]. Then:
//!
//! - A word line is a node: first word `keyword`, the others `args`.
//! - A `{` line opens the block of the node just before it, in the same block, if that node
//!   has none yet. So `vrrp_instance VI_1 {` and `vrrp_instance VI_1` followed by `{` alone on
//!   a later line (blank and comment lines between are fine) are the same, as in keepalived.
//! - Words after a `{` on the same line are the block's first line, and words before a `}` on
//!   the same line its last: `virtual_ipaddress { 192.0.2.1 192.0.2.2 }` is a block with one
//!   child whose keyword is `192.0.2.1` and whose args are `[192.0.2.2]` — exactly the words
//!   keepalived's `read_value_block` hands to the handler, line by line.
//! - A `}` line closes the innermost open block.
//! - Errors: a `{` with no node to open (start of a block, or after a node that already has
//!   one) is reported at the `{` ("unexpected '{'") and ignored, as keepalived ignores it (so
//!   the next `}` closes the enclosing block); a `}` with no open block is reported at the `}`
//!   ("unmatched '}'", keepalived's "Extra '}' found"); at the end, every block still open is
//!   reported at its `{` ("unclosed '{'", keepalived's "missing '}'").
//! - A quoted `"{"` or `"}"` is an ordinary word.
//! - Blocks nested deeper than [`MAX_DEPTH`] are reported and skipped, with their keyword line.
//!
//! Known difference: keepalived knows which keywords take a block. After a block keyword with
//! no `{` it reports "missing '{'" and still reads the following lines as the block's
//! contents; this tree instead makes the keyword a leaf, so the typed layer reports the missing
//! block and the following lines stay at the outer level.

use crate::diag::Diagnostics;
use crate::token::{Line, Loc, Token};

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

impl Node {
    /// The line's text rebuilt from its tokens (see [`crate::preprocess::raw_text`]), for
    /// keywords that re-split their line with quotes and escapes (scripts).
    pub fn raw_text(&self) -> String {
        let mut all = Vec::with_capacity(self.args.len() + 1);
        all.push(self.keyword.clone());
        all.extend(self.args.iter().cloned());
        crate::preprocess::raw_text(&all)
    }

    /// The line split as keepalived splits script command lines:
    /// [`crate::preprocess::split_quoted_escaped`] over [`Node::raw_text`]. Element 0 is the
    /// keyword.
    pub fn script_words(&self) -> Result<Vec<String>, crate::preprocess::QuoteError> {
        crate::preprocess::split_quoted_escaped(&self.raw_text())
    }
}

/// Deepest block nesting accepted (keepalived's deepest, `virtual_server` > `real_server` >
/// `HTTP_GET` > `url`, is four); deeper blocks are reported and skipped so that no later
/// recursive walk over the tree can exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// An open block while building.
#[derive(Debug)]
struct Frame {
    /// The node whose block this is (`None` for the top level).
    owner: Option<Node>,
    open: Option<Loc>,
    children: Vec<Node>,
}

/// Match braces in preprocessed lines, reporting unbalanced ones (see the module rules).
pub fn build(lines: Vec<Line>, diags: &mut Diagnostics) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut builder = Builder::new();
    for line in lines {
        builder.push(line, diags, &mut |n, _| nodes.push(n));
    }
    builder.finish(diags, &mut |n, _| nodes.push(n));
    nodes
}

/// [`build`] one line at a time: each top-level node is handed out as soon as it is complete
/// (when the next top-level line starts, or at the end), so a caller can turn it into typed
/// configuration and drop it before the rest of the file is read.
#[derive(Debug)]
pub struct Builder {
    stack: Vec<Frame>,
    /// True while the last line was a word line whose node can still take a block.
    can_open: bool,
    /// Depth of blocks being skipped because they nest deeper than MAX_DEPTH.
    skipping: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder at the top level of a file.
    pub fn new() -> Self {
        Builder {
            stack: vec![Frame {
                owner: None,
                open: None,
                children: Vec::new(),
            }],
            can_open: false,
            skipping: 0,
        }
    }

    /// Add one line; completed top-level nodes go to `emit`, with the diagnostics sink.
    pub fn push(
        &mut self,
        line: Line,
        diags: &mut Diagnostics,
        emit: &mut dyn FnMut(Node, &mut Diagnostics),
    ) {
        self.line(line, diags);
        // At the top level every node but the last is complete: the last may still take a
        // block from a `{` on the next line.
        if let [top] = self.stack.as_mut_slice() {
            if top.children.len() > 1 {
                let last = top.children.pop();
                for n in top.children.drain(..) {
                    emit(n, diags);
                }
                top.children.extend(last);
            }
        }
    }

    /// End of input: report unclosed blocks and hand out what is left.
    pub fn finish(mut self, diags: &mut Diagnostics, emit: &mut dyn FnMut(Node, &mut Diagnostics)) {
        let stack = &mut self.stack;
        while stack.len() > 1 {
            if let Some(open) = &stack.last().and_then(|f| f.open.clone()) {
                let name = stack
                    .last()
                    .and_then(|f| f.owner.as_ref())
                    .map(|n| n.keyword.text.clone())
                    .unwrap_or_default();
                diags.error_hint(
                    open,
                    format!("unclosed '{{' of '{name}'"),
                    "add the matching '}'",
                );
            }
            close(stack);
        }
        if let Some(f) = stack.pop() {
            for n in f.children {
                emit(n, diags);
            }
        }
    }

    fn line(&mut self, line: Line, diags: &mut Diagnostics) {
        let stack = &mut self.stack;
        let mut tokens = line.tokens.into_iter();
        let Some(first) = tokens.next() else {
            return;
        };
        let alone = tokens.len() == 0;
        if self.skipping > 0 {
            if alone && first.is_open() {
                self.skipping += 1;
            } else if alone && first.is_close() {
                self.skipping -= 1;
            }
            return;
        }
        if alone && first.is_open() && self.can_open && stack.len() > MAX_DEPTH {
            diags.error(
                &first.loc,
                format!("blocks nested more than {MAX_DEPTH} deep; this block is skipped"),
            );
            if let Some(top) = stack.last_mut() {
                top.children.pop();
            }
            self.skipping = 1;
            self.can_open = false;
            return;
        }
        if alone && first.is_open() {
            let top = stack
                .last_mut()
                .expect("the top level frame is never popped");
            if self.can_open {
                if let Some(owner) = top.children.pop() {
                    stack.push(Frame {
                        owner: Some(owner),
                        open: Some(first.loc),
                        children: Vec::new(),
                    });
                    self.can_open = false;
                    return;
                }
            }
            diags.error_hint(
                &first.loc,
                "unexpected '{'",
                "a '{' must follow the keyword whose block it opens",
            );
            return;
        }
        if alone && first.is_close() {
            self.can_open = false;
            if stack.len() == 1 {
                diags.error(&first.loc, "unmatched '}'");
                return;
            }
            close(stack);
            return;
        }
        let node = Node {
            keyword: first,
            args: tokens.collect(),
            block: None,
        };
        stack
            .last_mut()
            .expect("the top level frame is never popped")
            .children
            .push(node);
        self.can_open = true;
    }
}

/// Pop the innermost frame into its owner node, appended to the parent frame.
fn close(stack: &mut Vec<Frame>) {
    let Some(frame) = stack.pop() else {
        return;
    };
    let Some(mut owner) = frame.owner else {
        return;
    };
    owner.block = Some(Block {
        open: frame.open.unwrap_or_else(|| owner.keyword.loc.clone()),
        children: frame.children,
    });
    if let Some(parent) = stack.last_mut() {
        parent.children.push(owner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preprocess::{read_str, Options};

    fn tree(text: &str) -> (Vec<Node>, Diagnostics) {
        let mut d = Diagnostics::new();
        let opts = Options {
            config_id: Some("main".into()),
            random_seed: Some(1),
            ..Options::default()
        };
        let lines = read_str("t.conf", text, &opts, &mut d);
        let nodes = build(lines, &mut d);
        (nodes, d)
    }

    fn msgs(d: &Diagnostics) -> Vec<String> {
        d.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn brace_on_same_or_next_line() {
        let (n, d) = tree("a x {\n b 1\n}\nc y\n\n# c\n{\n e\n}\n");
        assert!(d.is_empty(), "{:?}", msgs(&d));
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].name(), "a");
        assert_eq!(n[0].arg(0), Some("x"));
        assert_eq!(n[0].children()[0].name(), "b");
        assert_eq!(n[1].name(), "c");
        assert_eq!(n[1].children()[0].name(), "e");
        assert_eq!(n[1].block.as_ref().unwrap().open.to_string(), "t.conf:7:1");
    }

    #[test]
    fn items_on_the_brace_line() {
        let (n, d) = tree(
            "virtual_ipaddress { 192.0.2.1 192.0.2.2 }\nnotification_email { a@b c@d\n e@f }\n",
        );
        assert!(d.is_empty(), "{:?}", msgs(&d));
        let v = &n[0];
        assert!(v.args.is_empty());
        assert_eq!(v.children().len(), 1);
        assert_eq!(v.children()[0].name(), "192.0.2.1");
        assert_eq!(v.children()[0].arg(0), Some("192.0.2.2"));
        assert_eq!(v.children()[0].keyword.loc.col, 21);
        let e = &n[1];
        assert_eq!(e.children().len(), 2);
        assert_eq!(e.children()[1].name(), "e@f");
    }

    #[test]
    fn nested_blocks_on_one_line() {
        let (n, d) = tree("a { b { c } d }\n");
        assert!(d.is_empty(), "{:?}", msgs(&d));
        assert_eq!(n[0].children()[0].name(), "b");
        assert_eq!(n[0].children()[0].children()[0].name(), "c");
        assert_eq!(n[0].children()[1].name(), "d");
    }

    #[test]
    fn unmatched_close_is_reported_at_the_brace() {
        let (_, d) = tree("a {\n}\n  }\n");
        assert_eq!(msgs(&d), vec!["t.conf:3:3: error: unmatched '}'"]);
    }

    #[test]
    fn unclosed_open_is_reported_at_the_brace() {
        let (n, d) = tree("a {\n b {\n c\n");
        let m = msgs(&d);
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(
            m[0].starts_with("t.conf:2:4: error: unclosed '{' of 'b'"),
            "{m:?}"
        );
        assert!(
            m[1].starts_with("t.conf:1:3: error: unclosed '{' of 'a'"),
            "{m:?}"
        );
        assert_eq!(n[0].children()[0].children()[0].name(), "c");
    }

    #[test]
    fn unexpected_open_is_ignored() {
        let (n, d) = tree("{\na\n}\n");
        let m = msgs(&d);
        assert!(
            m[0].starts_with("t.conf:1:1: error: unexpected '{'"),
            "{m:?}"
        );
        assert!(
            m[1].starts_with("t.conf:3:1: error: unmatched '}'"),
            "{m:?}"
        );
        assert_eq!(n.len(), 1);
        let (_, d) = tree("a {\n}\n{\n}\n");
        assert!(msgs(&d)[0].starts_with("t.conf:3:1: error: unexpected '{'"));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = format!("{}{}after\n", "a {\n".repeat(200), "}\n".repeat(200));
        let (n, d) = tree(&text);
        let m = msgs(&d);
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("nested more than 64 deep"), "{m:?}");
        assert_eq!(n.len(), 2);
        assert_eq!(n[1].name(), "after");
        let mut depth = 1;
        let mut cur = &n[0];
        while let Some(c) = cur.children().first() {
            depth += 1;
            cur = c;
        }
        assert_eq!(depth, MAX_DEPTH);
    }

    #[test]
    fn quoted_braces_are_words() {
        let (n, d) = tree("a \"{\" \"}\"\n");
        assert!(d.is_empty(), "{:?}", msgs(&d));
        assert_eq!(n[0].args.len(), 2);
        assert!(n[0].block.is_none());
    }

    #[test]
    fn script_words_reparse_the_line() {
        let (n, d) = tree("notify_master \"/bin/x 'a  b'\" root\nscript /bin/echo 'x  y'\\tz\n");
        assert!(d.is_empty(), "{:?}", msgs(&d));
        assert_eq!(
            n[0].script_words().unwrap(),
            vec!["notify_master", "/bin/x 'a  b'", "root"]
        );
        assert_eq!(
            n[1].script_words().unwrap(),
            vec!["script", "/bin/echo", "x  y\tz"]
        );
    }
}
