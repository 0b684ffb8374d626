//! A deterministic simulator (enable the `sim` feature).
