#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod diag;
pub mod ext;
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
///
/// ```
/// use keepalive_confparse::{load_tree_str, Options};
///
/// let text = "$IF=eth0\n~SEQ(N,1,2) vrrp_instance VI_${N} { interface $IF }\n";
/// let (nodes, diags) = load_tree_str("keepalived.conf", text, &Options::default());
/// assert!(diags.is_empty());
/// let names: Vec<_> = nodes.iter().map(|n| n.args[0].text.as_str()).collect();
/// assert_eq!(names, ["VI_1", "VI_2"]);                  // ~SEQ repeated the line
/// assert_eq!(nodes[1].children()[0].args[0].text, "eth0");  // $IF substituted
/// ```
pub fn load_tree_str(name: &str, text: &str, opts: &Options) -> (Vec<Node>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let lines = preprocess::read_str(name, text, opts, &mut diags);
    let nodes = tree::build(lines, &mut diags);
    (nodes, diags)
}
