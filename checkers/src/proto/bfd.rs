//! BFD_CHECK: the state of a named BFD session, fed in by the caller.

/// The settings of a `BFD_CHECK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BfdConfig {
    /// `name`: the `bfd_instance` whose state is tracked; the caller routes its
    /// [`IoEvent::BfdState`](crate::IoEvent::BfdState) here.
    pub name: String,
}
