//! The header checks of RFC 5880 §6.8.6 that need no session: what [`crate::Sessions`]
//! runs before demultiplexing, public so that a caller can pre-filter or count.

use crate::error::RxError;
use crate::packet::{BfdPacket, HEADER_LEN, MIN_AUTH_PACKET_LEN, VERSION};

/// Checks, in §6.8.6's order: at least the 24-byte mandatory section, version 1, a Length
/// of at least 24 (26 with the A bit) and at most the payload, a non-zero Detect Mult, the
/// M bit clear and a non-zero My Discriminator. The returned view's mandatory fields are
/// all readable; the authentication section is checked by [`crate::auth::verify`].
pub fn validate(bytes: &[u8]) -> Result<BfdPacket<&[u8]>, RxError> {
    let p = BfdPacket::new_checked(bytes).map_err(|_| RxError::Truncated { len: bytes.len() })?;
    if p.version() != VERSION {
        return Err(RxError::BadVersion {
            version: p.version(),
        });
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
    if usize::from(p.length()) > bytes.len() {
        return Err(RxError::LengthExceedsPayload {
            length: p.length(),
            payload: bytes.len(),
        });
    }
    if p.detect_mult() == 0 {
        return Err(RxError::ZeroDetectMult {
            my_discr: p.my_discr(),
        });
    }
    if p.multipoint() {
        return Err(RxError::Multipoint {
            my_discr: p.my_discr(),
        });
    }
    if p.my_discr() == 0 {
        return Err(RxError::ZeroMyDiscriminator);
    }
    Ok(p)
}
