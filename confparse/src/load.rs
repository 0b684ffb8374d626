//! The whole pipeline in one call: read a `keepalived.conf` from disk (with its includes),
//! preprocess it, build the tree and the typed [`Config`], and collect every diagnostic.
//!
//! This is what `kad -t` and the daemon's (re)load call; the stages stay public for callers that
//! want only part of the work (a linter that stops at the tree, a fuzzer that feeds text).

use std::path::Path;

use crate::diag::Diagnostics;
use crate::model::Config;
use crate::Options;

/// A configuration as read: the typed model and everything found wrong on the way.
///
/// The model is always returned, even with errors, because keepalived also carries on with what
/// it could read; the caller decides from [`Diagnostics::has_errors`] whether to use it.
#[derive(Debug)]
pub struct Loaded {
    /// The typed configuration.
    pub config: Config,
    /// Warnings and errors from every stage, in the order they were found.
    pub diagnostics: Diagnostics,
}

/// Read and check the configuration whose main file is `path`.
pub fn load(path: &Path, opts: &Options) -> Loaded {
    let (nodes, mut diagnostics) = crate::load_tree(path, opts);
    let config = Config::from_tree(&nodes, &mut diagnostics);
    Loaded {
        config,
        diagnostics,
    }
}

/// As [`load`], for text held in memory; `name` is the file name diagnostics show.
pub fn load_str(name: &str, text: &str, opts: &Options) -> Loaded {
    let (nodes, mut diagnostics) = crate::load_tree_str(name, text, opts);
    let config = Config::from_tree(&nodes, &mut diagnostics);
    Loaded {
        config,
        diagnostics,
    }
}
