//! Walk-throughs of the API for embedders, with examples that are compiled and run as tests.
//!
//! They are the crate's `API-CODEC.md` and `API-STATE.md`, rendered here so that docs.rs
//! shows them next to the items they describe.

#[doc = include_str!("../API-CODEC.md")]
pub mod codec {}

#[doc = include_str!("../API-STATE.md")]
pub mod state {}
