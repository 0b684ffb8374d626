//! Authentication (RFC 5880 §6.7): Simple Password, Keyed and Meticulous Keyed MD5 and
//! SHA1, with their sequence-number rules.
//!
//! keepalived and FRR have no BFD authentication; kad offers it through the library API
//! ([`crate::SessionConfig::auth`]) only, since keepalived.conf has no keyword for it.
//!
//! Keyed digests are computed as §6.7.3/§6.7.4 say: over the whole packet (Length bytes)
//! with the digest field holding the key, zero-padded to the digest length. Hashing runs
//! over the packet in three slices, so checking a received packet neither copies nor
//! allocates.

use std::fmt;
use std::net::IpAddr;

use md5::{Digest, Md5};
use sha1::Sha1;

use crate::error::{EmitError, RxError};
use crate::packet::{
    AuthSection, AuthType, BfdPacket, HEADER_LEN, MAX_PASSWORD_LEN, MD5_DIGEST_LEN,
    MIN_AUTH_PACKET_LEN, SHA1_DIGEST_LEN,
};

/// A session's authentication (bfd.AuthType and its key, RFC 5880 §6.8.1).
///
/// `Debug` prints the key id but never the secret.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthConfig {
    /// Simple Password (§6.7.2): 1 to 16 bytes, sent in clear.
    SimplePassword {
        /// Auth Key ID.
        key_id: u8,
        /// The password.
        password: Vec<u8>,
    },
    /// Keyed MD5 (§6.7.3): a key of up to 16 bytes; sequence numbers may repeat.
    KeyedMd5 {
        /// Auth Key ID.
        key_id: u8,
        /// The key.
        key: Vec<u8>,
    },
    /// Meticulous Keyed MD5 (§6.7.3): every packet has a new sequence number.
    MeticulousKeyedMd5 {
        /// Auth Key ID.
        key_id: u8,
        /// The key.
        key: Vec<u8>,
    },
    /// Keyed SHA1 (§6.7.4): a key of up to 20 bytes.
    KeyedSha1 {
        /// Auth Key ID.
        key_id: u8,
        /// The key.
        key: Vec<u8>,
    },
    /// Meticulous Keyed SHA1 (§6.7.4).
    MeticulousKeyedSha1 {
        /// Auth Key ID.
        key_id: u8,
        /// The key.
        key: Vec<u8>,
    },
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("auth_type", &self.auth_type())
            .field("key_id", &self.key_id())
            .field("secret", &format_args!("<{} bytes>", self.secret().len()))
            .finish()
    }
}

impl AuthConfig {
    /// The Auth Type.
    #[must_use]
    pub fn auth_type(&self) -> AuthType {
        match self {
            AuthConfig::SimplePassword { .. } => AuthType::SimplePassword,
            AuthConfig::KeyedMd5 { .. } => AuthType::KeyedMd5,
            AuthConfig::MeticulousKeyedMd5 { .. } => AuthType::MeticulousKeyedMd5,
            AuthConfig::KeyedSha1 { .. } => AuthType::KeyedSha1,
            AuthConfig::MeticulousKeyedSha1 { .. } => AuthType::MeticulousKeyedSha1,
        }
    }

    /// The Auth Key ID.
    #[must_use]
    pub fn key_id(&self) -> u8 {
        match self {
            AuthConfig::SimplePassword { key_id, .. }
            | AuthConfig::KeyedMd5 { key_id, .. }
            | AuthConfig::MeticulousKeyedMd5 { key_id, .. }
            | AuthConfig::KeyedSha1 { key_id, .. }
            | AuthConfig::MeticulousKeyedSha1 { key_id, .. } => *key_id,
        }
    }

    fn secret(&self) -> &[u8] {
        match self {
            AuthConfig::SimplePassword { password: k, .. }
            | AuthConfig::KeyedMd5 { key: k, .. }
            | AuthConfig::MeticulousKeyedMd5 { key: k, .. }
            | AuthConfig::KeyedSha1 { key: k, .. }
            | AuthConfig::MeticulousKeyedSha1 { key: k, .. } => k,
        }
    }

    /// Checks the secret's length: a password of 1 to 16 bytes (§4.2), an MD5 key of at
    /// most 16 bytes, a SHA1 key of at most 20. A session with an invalid key sends nothing.
    pub fn validate(&self) -> Result<(), EmitError> {
        let len = self.secret().len();
        match self.auth_type() {
            AuthType::SimplePassword if len == 0 || len > MAX_PASSWORD_LEN => {
                Err(EmitError::PasswordLength { len })
            }
            AuthType::KeyedMd5 | AuthType::MeticulousKeyedMd5 if len > MD5_DIGEST_LEN => {
                Err(EmitError::KeyLength {
                    len,
                    max: MD5_DIGEST_LEN,
                })
            }
            AuthType::KeyedSha1 | AuthType::MeticulousKeyedSha1 if len > SHA1_DIGEST_LEN => {
                Err(EmitError::KeyLength {
                    len,
                    max: SHA1_DIGEST_LEN,
                })
            }
            _ => Ok(()),
        }
    }

    /// The section to emit with sequence number `seq` (ignored for Simple Password); the
    /// digest is left zero for [`sign`] to fill. Needs [`AuthConfig::validate`].
    #[must_use]
    pub fn section(&self, seq: u32) -> AuthSection {
        let key_id = self.key_id();
        match self {
            AuthConfig::SimplePassword { password: pw, .. } => {
                let mut password = [0u8; MAX_PASSWORD_LEN];
                let n = pw.len().min(MAX_PASSWORD_LEN);
                password[..n].copy_from_slice(&pw[..n]);
                AuthSection::SimplePassword {
                    key_id,
                    password,
                    len: n as u8,
                }
            }
            AuthConfig::KeyedMd5 { .. } | AuthConfig::MeticulousKeyedMd5 { .. } => {
                AuthSection::Md5 {
                    meticulous: self.auth_type().is_meticulous(),
                    key_id,
                    seq,
                    digest: [0; MD5_DIGEST_LEN],
                }
            }
            AuthConfig::KeyedSha1 { .. } | AuthConfig::MeticulousKeyedSha1 { .. } => {
                AuthSection::Sha1 {
                    meticulous: self.auth_type().is_meticulous(),
                    key_id,
                    seq,
                    digest: [0; SHA1_DIGEST_LEN],
                }
            }
        }
    }
}

/// Compares two byte strings in time that depends only on their lengths (which are not
/// secret), so a forger cannot learn a password or digest byte by byte.
#[must_use]
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // Keeps the optimiser from turning the fold into an early-exit comparison.
    std::hint::black_box(diff) == 0
}

/// The key zero-padded to `N` bytes, as the digest field holds it while hashing.
fn padded<const N: usize>(key: &[u8]) -> [u8; N] {
    let mut k = [0u8; N];
    let n = key.len().min(N);
    k[..n].copy_from_slice(&key[..n]);
    k
}

/// Hashes `packet` with its digest field (`range`) replaced by the padded key.
fn keyed_digest<D: Digest, const N: usize>(
    packet: &[u8],
    range: core::ops::Range<usize>,
    key: &[u8],
) -> [u8; N] {
    let mut h = D::new();
    h.update(&packet[..range.start]);
    h.update(padded::<N>(key));
    h.update(&packet[range.end..]);
    let mut out = [0u8; N];
    out.copy_from_slice(&h.finalize()[..N]);
    out
}

/// Fills the digest of a packet [`crate::ControlRepr::emit`] wrote (`packet` is exactly the
/// emitted bytes). Simple Password needs nothing. Fails only on a key [`AuthConfig::validate`]
/// rejects.
pub fn sign(packet: &mut [u8], config: &AuthConfig) -> Result<(), EmitError> {
    config.validate()?;
    let need = HEADER_LEN + config.section(0).len();
    if packet.len() < need {
        return Err(EmitError::BufferTooShort {
            len: packet.len(),
            need,
        });
    }
    let mut p = BfdPacket::new_unchecked(&mut packet[..need]);
    p.set_auth_header(config.auth_type().code(), (need - HEADER_LEN) as u8);
    let range = p.digest_range();
    match config {
        AuthConfig::SimplePassword { .. } => {}
        AuthConfig::KeyedMd5 { key, .. } | AuthConfig::MeticulousKeyedMd5 { key, .. } => {
            let d = keyed_digest::<Md5, MD5_DIGEST_LEN>(p.as_bytes(), range, key);
            p.digest_mut().copy_from_slice(&d);
        }
        AuthConfig::KeyedSha1 { key, .. } | AuthConfig::MeticulousKeyedSha1 { key, .. } => {
            let d = keyed_digest::<Sha1, SHA1_DIGEST_LEN>(p.as_bytes(), range, key);
            p.digest_mut().copy_from_slice(&d);
        }
    }
    Ok(())
}

/// Checks the authentication of a received packet: presence against configuration
/// (§6.8.6), then Auth Type, Auth Len, Auth Key ID and password or digest (§6.7.2–§6.7.4).
/// Returns the sequence number of a keyed section, for [`RxSeq::check`]. The Length
/// checks of §6.8.6 are repeated first, so any bytes are safe to pass.
pub fn verify<T: AsRef<[u8]>>(
    p: &BfdPacket<T>,
    config: Option<&AuthConfig>,
    src: IpAddr,
) -> Result<Option<u32>, RxError> {
    let payload = p.as_bytes().len();
    if payload < HEADER_LEN {
        return Err(RxError::Truncated { len: payload });
    }
    let min = if p.auth_present() {
        MIN_AUTH_PACKET_LEN
    } else {
        HEADER_LEN
    };
    if usize::from(p.length()) < min {
        return Err(RxError::LengthTooShort {
            length: p.length(),
            min: min as u8,
        });
    }
    if usize::from(p.length()) > payload {
        return Err(RxError::LengthExceedsPayload {
            length: p.length(),
            payload,
        });
    }
    let config = match (p.auth_present(), config) {
        (false, None) => return Ok(None),
        (true, None) => return Err(RxError::UnexpectedAuth { src }),
        (false, Some(_)) => return Err(RxError::MissingAuth { src }),
        (true, Some(c)) => c,
    };
    let expected = config.auth_type();
    if p.auth_type() != expected.code() {
        return Err(RxError::AuthTypeMismatch {
            auth_type: p.auth_type(),
            expected: expected.code(),
            src,
        });
    }
    let auth_len = usize::from(p.auth_len());
    if !expected.accepts_auth_len(auth_len) || HEADER_LEN + auth_len > usize::from(p.length()) {
        return Err(RxError::AuthLength {
            auth_type: p.auth_type(),
            auth_len: p.auth_len(),
            src,
        });
    }
    if p.auth_key_id() != config.key_id() {
        return Err(RxError::AuthKeyIdMismatch {
            key_id: p.auth_key_id(),
            expected: config.key_id(),
            src,
        });
    }
    let packet = &p.as_bytes()[..usize::from(p.length())];
    let ok = match config {
        AuthConfig::SimplePassword { password, .. } => {
            if !ct_eq(p.password(), password) {
                return Err(RxError::PasswordMismatch { src });
            }
            return Ok(None);
        }
        AuthConfig::KeyedMd5 { key, .. } | AuthConfig::MeticulousKeyedMd5 { key, .. } => {
            let d = keyed_digest::<Md5, MD5_DIGEST_LEN>(packet, p.digest_range(), key);
            ct_eq(&d, p.digest())
        }
        AuthConfig::KeyedSha1 { key, .. } | AuthConfig::MeticulousKeyedSha1 { key, .. } => {
            let d = keyed_digest::<Sha1, SHA1_DIGEST_LEN>(packet, p.digest_range(), key);
            ct_eq(&d, p.digest())
        }
    };
    if !ok {
        return Err(RxError::DigestMismatch { src });
    }
    Ok(Some(p.auth_seq()))
}

/// The receive side's sequence state (bfd.RcvAuthSeq, bfd.AuthSeqKnown, §6.8.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RxSeq {
    known: bool,
    last: u32,
}

impl RxSeq {
    /// Checks `seq` against the window of §6.7.3/§6.7.4, modulo 2³²: Keyed accepts
    /// bfd.RcvAuthSeq ..= bfd.RcvAuthSeq + 3 × Detect Mult, Meticulous the same but
    /// strictly after bfd.RcvAuthSeq. Any number is accepted while none is known.
    /// Returns the window on failure.
    pub fn check(&self, seq: u32, meticulous: bool, detect_mult: u8) -> Result<(), (u32, u32)> {
        if !self.known {
            return Ok(());
        }
        let low = self.last.wrapping_add(u32::from(meticulous));
        let high = self.last.wrapping_add(3 * u32::from(detect_mult));
        if seq.wrapping_sub(low) <= high.wrapping_sub(low) {
            Ok(())
        } else {
            Err((low, high))
        }
    }

    /// Records an accepted sequence number.
    pub fn accept(&mut self, seq: u32) {
        self.known = true;
        self.last = seq;
    }

    /// Forgets the last number: no packet for twice the detection time (§6.8.1
    /// bfd.AuthSeqKnown).
    pub fn forget(&mut self) {
        self.known = false;
    }

    /// Whether a number is known.
    #[must_use]
    pub fn is_known(&self) -> bool {
        self.known
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ct_eq_compares() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(ct_eq(b"", b""));
    }

    #[test]
    fn keyed_window_includes_last() {
        let mut s = RxSeq::default();
        assert!(s.check(7, false, 3).is_ok());
        s.accept(7);
        assert!(s.check(7, false, 3).is_ok());
        assert!(s.check(16, false, 3).is_ok());
        assert_eq!(s.check(17, false, 3), Err((7, 16)));
        assert_eq!(s.check(6, false, 3), Err((7, 16)));
    }

    #[test]
    fn meticulous_window_excludes_last_and_wraps() {
        let mut s = RxSeq::default();
        s.accept(u32::MAX);
        assert_eq!(s.check(u32::MAX, true, 1), Err((0, 2)));
        assert!(s.check(0, true, 1).is_ok());
        assert!(s.check(2, true, 1).is_ok());
        assert!(s.check(3, true, 1).is_err());
        s.forget();
        assert!(s.check(u32::MAX, true, 1).is_ok());
    }

    #[test]
    fn debug_hides_secret() {
        let a = AuthConfig::KeyedSha1 {
            key_id: 3,
            key: b"hunter2".to_vec(),
        };
        let s = format!("{a:?}");
        assert!(!s.contains("hunter2") && s.contains("7 bytes"), "{s}");
    }
}
