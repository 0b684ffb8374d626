//! Reading and writing the payload's fields in the byte order the header names (§5).

use super::error::DecodeError;

/// A cursor over a payload; every read is bounds-checked.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
    be: bool,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], be: bool) -> Reader<'a> {
        Reader { buf, at: 0, be }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.at
    }

    pub(crate) fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.buf.len())
            .ok_or(DecodeError::Truncated(what))?;
        let b = &self.buf[self.at..end];
        self.at = end;
        Ok(b)
    }

    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.bytes(1, what)?[0])
    }

    pub(crate) fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        let b = self.bytes(2, what)?;
        let w = [b[0], b[1]];
        Ok(if self.be {
            u16::from_be_bytes(w)
        } else {
            u16::from_le_bytes(w)
        })
    }

    pub(crate) fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let b = self.bytes(4, what)?;
        let w = [b[0], b[1], b[2], b[3]];
        Ok(if self.be {
            u32::from_be_bytes(w)
        } else {
            u32::from_le_bytes(w)
        })
    }

    pub(crate) fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let (a, b) = (u64::from(self.u32(what)?), u64::from(self.u32(what)?));
        Ok(if self.be { a << 32 | b } else { b << 32 | a })
    }

    /// An Octet String (§5.3): a 4-byte length, the octets, padding to 4.
    pub(crate) fn octets(&mut self, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let len = self.u32(what)? as usize;
        let s = self.bytes(len, what)?;
        self.bytes((4 - len % 4) % 4, what)?;
        Ok(s)
    }
}

/// Appends big-endian fields (kad always sets `NETWORK_BYTE_ORDER`).
pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_octets(out: &mut Vec<u8>, s: &[u8]) {
    put_u32(out, s.len() as u32);
    out.extend_from_slice(s);
    out.resize(out.len() + (4 - s.len() % 4) % 4, 0);
}
