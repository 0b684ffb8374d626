//! Placeholder; replaced by the confparse example.
fn main() {}
