//! Holder crate for the examples in this folder.
