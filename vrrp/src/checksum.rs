//! The Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//!
//! VRRPv2 checksums the VRRP message alone (RFC 3768 §5.3.8); VRRPv3 prepends the IPv4 or IPv6
//! pseudo-header (RFC 5798 §5.2.8). Sums are kept unfolded in a `u32` so callers can add a
//! pseudo-header sum to a message sum before folding, as keepalived's `in_csum` does.

use std::net::{Ipv4Addr, Ipv6Addr};

/// One's-complement partial sum of `data` as big-endian 16-bit words, unfolded.
///
/// An odd trailing byte is summed as if followed by a zero byte. The result is only meaningful
/// once passed through [`fold`]; it never overflows for inputs up to 128 KiB.
#[must_use]
pub fn sum(data: &[u8]) -> u32 {
    // Summing big-endian 32-bit words and folding later gives the same one's-complement sum
    // as 16-bit words (RFC 1071 §2(C)), with half the additions.
    let mut acc: u64 = 0;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        acc += u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
    }
    match *chunks.remainder() {
        [a, b, c] => acc += u64::from(u16::from_be_bytes([a, b])) + (u64::from(c) << 8),
        [a, b] => acc += u64::from(u16::from_be_bytes([a, b])),
        [a] => acc += u64::from(a) << 8,
        _ => {}
    }
    fold64(acc)
}

fn fold64(mut acc: u64) -> u32 {
    while acc > u64::from(u32::MAX) {
        acc = (acc & 0xffff_ffff) + (acc >> 32);
    }
    acc as u32
}

/// Adds two partial sums.
#[must_use]
pub fn combine(a: u32, b: u32) -> u32 {
    fold64(u64::from(a) + u64::from(b))
}

/// Folds a partial sum's carries into 16 bits (not complemented).
#[must_use]
pub fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    acc as u16
}

/// The checksum field value for a partial sum: the complement of its fold.
#[must_use]
pub fn finish(acc: u32) -> u16 {
    !fold(acc)
}

/// Partial sum of the IPv4 pseudo-header (RFC 768 layout: src, dst, zero, protocol, length)
/// that RFC 5798 §5.2.8 prepends to a VRRPv3 message.
#[must_use]
pub fn pseudo_header_v4(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, len: u16) -> u32 {
    let s = src.octets();
    let d = dst.octets();
    u32::from(u16::from_be_bytes([s[0], s[1]]))
        + u32::from(u16::from_be_bytes([s[2], s[3]]))
        + u32::from(u16::from_be_bytes([d[0], d[1]]))
        + u32::from(u16::from_be_bytes([d[2], d[3]]))
        + u32::from(protocol)
        + u32::from(len)
}

/// Partial sum of the IPv6 pseudo-header (RFC 8200 §8.1: src, dst, 32-bit upper-layer length,
/// three zero bytes, next header).
#[must_use]
pub fn pseudo_header_v6(src: Ipv6Addr, dst: Ipv6Addr, next_header: u8, len: u32) -> u32 {
    let mut acc = sum(&src.octets());
    acc = combine(acc, sum(&dst.octets()));
    combine(acc, (len >> 16) + (len & 0xffff) + u32::from(next_header))
}

/// RFC 1624 eqn. 3 incremental update: the new checksum field after one 16-bit word of the
/// covered data changes from `old_word` to `new_word`. keepalived uses this to patch the
/// priority into a prebuilt advert; [`crate::packet::VrrpPacket::set_priority_updating_checksum`]
/// does the same.
#[must_use]
pub fn update16(checksum: u16, old_word: u16, new_word: u16) -> u16 {
    let acc = u32::from(!checksum) + u32::from(!old_word) + u32::from(new_word);
    !fold(acc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example() {
        // RFC 1071 §3 worked example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 before complement.
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum(&data)), 0xddf2);
        assert_eq!(finish(sum(&data)), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(fold(sum(&[0x12, 0x34, 0x56])), 0x1234 + 0x5600);
    }

    #[test]
    fn update_matches_recompute() {
        let mut data = [
            0x21u8, 0x01, 0x64, 0x01, 0x00, 0x01, 0x00, 0x00, 192, 0, 2, 1,
        ];
        let c = finish(sum(&data));
        let old = u16::from_be_bytes([data[2], data[3]]);
        data[2] = 0xfe;
        let new = u16::from_be_bytes([data[2], data[3]]);
        assert_eq!(update16(c, old, new), finish(sum(&data)));
    }

    fn naive(data: &[u8]) -> u16 {
        let mut acc: u32 = 0;
        for c in data.chunks(2) {
            acc += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
        }
        fold(acc)
    }

    proptest::proptest! {
        #[test]
        fn word_width_does_not_change_the_sum(data in proptest::collection::vec(0u8.., 0..300)) {
            proptest::prop_assert_eq!(fold(sum(&data)), naive(&data));
        }
    }

    #[test]
    fn long_input_does_not_overflow() {
        let data = vec![0xffu8; 70_000];
        assert_eq!(fold(sum(&data)), 0xffff);
    }
}
