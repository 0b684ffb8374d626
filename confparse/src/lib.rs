//! keepalived.conf, read exactly as keepalived reads it.
//!
//! The pipeline has three stages, each its own module:
//!
//! 1. [`preprocess`] — the text layer of `keepalived.conf(5)`: comments, quoting and escapes,
//!    `include*`, `@id` conditional lines, `$PARAM` definitions and substitution, `~SEQ`/`~LST`
//!    expansion. Output: logical lines of [`token::Token`]s, each remembering where it came from.
//! 2. [`tree`] — brace matching: lines become a tree of [`tree::Node`]s (keyword, arguments,
//!    optional block).
//! 3. [`model`] — the typed [`model::Config`], with values checked and defaults inherited as the
//!    man page says, followed by the cross-object checks keepalived makes after reading the
//!    whole file (each half's `finish`). Checks that need the host (interfaces, script files,
//!    users) are separate functions the caller runs: see [`model::vrrp::check_interfaces`].
//!
//! [`load::load`] runs the whole pipeline on a file.
//!
//! Every problem is reported as a [`diag::Diagnostic`] carrying `file:line:col`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod diag;
pub mod load;
pub mod model;
pub mod preprocess;
pub mod token;
pub mod tree;

use std::path::Path;

use diag::Diagnostics;
pub use preprocess::Options;
use tree::Node;

/// Read `path` and everything it includes, and match its braces: stages 1 and 2.
pub fn load_tree(path: &Path, opts: &Options) -> (Vec<Node>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let lines = preprocess::read_file(path, opts, &mut diags);
    let nodes = tree::build(lines, &mut diags);
    (nodes, diags)
}

/// [`load_tree`] for text in memory, named `name` in diagnostics; includes are resolved from
/// the current directory.
pub fn load_tree_str(name: &str, text: &str, opts: &Options) -> (Vec<Node>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let lines = preprocess::read_str(name, text, opts, &mut diags);
    let nodes = tree::build(lines, &mut diags);
    (nodes, diags)
}
