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
//!    man page says, followed by [`validate`], the cross-object checks keepalived makes after
//!    reading the whole file.
//!
//! Every problem is reported as a [`diag::Diagnostic`] carrying `file:line:col`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod diag;
pub mod model;
pub mod token;
pub mod tree;
