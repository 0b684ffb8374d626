//! Object identifiers and their AgentX encoding (RFC 2741 §5.1).
//!
//! ```text
//! +---------------+---------------+---------------+---------------+
//! |  n_subid      |  prefix       |  include      |  <reserved>   |
//! +---------------+---------------+---------------+---------------+
//! |                       sub-identifier #1 ... #n_subid          |
//! +---------------------------------------------------------------+
//! ```
//! A non-zero `prefix` stands for the five sub-identifiers 1.3.6.1.`prefix`, which keepalived's
//! OIDs (all under 1.3.6.1.2 or 1.3.6.1.4) always use.

use std::fmt;

use super::error::DecodeError;
use super::wire::{put_u32, Reader};

/// At most this many sub-identifiers (§5.1).
pub const MAX_SUBIDS: usize = 128;

/// An object identifier; ordered as SNMP orders them (lexicographically by sub-identifier).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oid(pub Vec<u32>);

impl Oid {
    /// The sub-identifiers.
    pub fn subids(&self) -> &[u32] {
        &self.0
    }

    /// The null OID (no sub-identifiers), which ends an unbounded search range.
    pub fn is_null(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `self` lies in the subtree rooted at `root`.
    pub fn starts_with(&self, root: &Oid) -> bool {
        self.0.starts_with(&root.0)
    }

    /// `self` with `more` appended.
    pub fn child(&self, more: &[u32]) -> Oid {
        let mut v = self.0.clone();
        v.extend_from_slice(more);
        Oid(v)
    }

    /// Reads an encoded OID; returns it and its `include` byte.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<(Oid, bool), DecodeError> {
        let n = r.u8("object identifier")?;
        let prefix = r.u8("object identifier")?;
        let include = r.u8("object identifier")? != 0;
        r.u8("object identifier")?;
        if usize::from(n) > MAX_SUBIDS {
            return Err(DecodeError::OidTooLong(n));
        }
        let mut v = Vec::with_capacity(usize::from(n) + 5);
        if prefix != 0 {
            v.extend_from_slice(&[1, 3, 6, 1, u32::from(prefix)]);
        }
        for _ in 0..n {
            v.push(r.u32("object identifier")?);
        }
        Ok((Oid(v), include))
    }

    /// Appends the OID, compressing a 1.3.6.1.x prefix.
    pub(crate) fn emit(&self, include: bool, out: &mut Vec<u8>) {
        let s = &self.0[..];
        let (prefix, rest) = match s {
            [1, 3, 6, 1, p, rest @ ..] if (1..=255).contains(p) => (*p as u8, rest),
            _ => (0, s),
        };
        let rest = &rest[..rest.len().min(MAX_SUBIDS)];
        out.extend_from_slice(&[rest.len() as u8, prefix, u8::from(include), 0]);
        for &id in rest {
            put_u32(out, id);
        }
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for id in &self.0 {
            write!(f, ".{id}")?;
        }
        Ok(())
    }
}

impl From<&[u32]> for Oid {
    fn from(s: &[u32]) -> Oid {
        Oid(s.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_internet_prefix_is_compressed() {
        let mut out = Vec::new();
        Oid(vec![1, 3, 6, 1, 4, 1, 9586]).emit(true, &mut out);
        assert_eq!(out, [2, 4, 1, 0, 0, 0, 0, 1, 0, 0, 0x25, 0x72]);
        let (oid, include) = Oid::read(&mut Reader::new(&out, true)).unwrap();
        assert_eq!(oid.to_string(), ".1.3.6.1.4.1.9586");
        assert!(include);
    }

    #[test]
    fn an_oid_outside_the_internet_is_sent_whole() {
        let mut out = Vec::new();
        Oid(vec![1, 2]).emit(false, &mut out);
        assert_eq!(out, [2, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
    }

    #[test]
    fn too_many_subids_is_refused() {
        let b = [129, 0, 0, 0];
        assert_eq!(
            Oid::read(&mut Reader::new(&b, true)),
            Err(DecodeError::OidTooLong(129))
        );
    }

    #[test]
    fn order_is_lexicographic() {
        assert!(Oid(vec![1, 3, 6]) < Oid(vec![1, 3, 6, 0]));
        assert!(Oid(vec![1, 3, 6, 9]) < Oid(vec![1, 3, 7]));
    }
}
