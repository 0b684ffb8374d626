//! The response side of a genhash fetch, with no I/O: bytes go in, a digest comes out.
//!
//! Which bytes are hashed is decided by keepalive-checkers' [`ResponseBody`], the same code
//! HTTP_GET/SSL_GET hash their `digest` with, so the printed digest is the one the checker
//! will compare. It follows keepalived's `http_process_response()` (check/check_http.c) and
//! lib/html.c (see there). What is genhash's own is keepalived's read buffer of
//! [`BUFFER_LEN`] bytes, read at most `BUFFER_LEN - 1` at a time: a header that does not fit
//! leaves no room to read, which keepalived treats as end of stream ("no data received"), and
//! the verbose dumps.

use std::io::{self, Write};

use keepalive_checkers::proto::{BodyPart, ResponseBody};

use crate::digest::{HashAlgorithm, Hasher};
use crate::dump::dump_buffer;

/// keepalived's `MAX_BUFFER_LENGTH`: the receive buffer, one byte kept for a terminating NUL.
pub const BUFFER_LEN: usize = 4096;

const HTTP_HEADER_HEXA: &str =
    "-----------------------[    HTTP Header Buffer    ]-----------------------\n";
const HTTP_HEADER_ASCII: &str =
    "-----------------------[ HTTP Header Ascii Buffer ]-----------------------\n";
const HTML_HEADER_HEXA: &str =
    "-----------------------[        HTML Buffer        ]-----------------------\n";
const HTML_HASH: &str =
    "-----------------------[    HTML hash resulting    ]-----------------------\n";
const HTML_HASH_FINAL: &str =
    "-----------------------[ HTML hash final resulting ]-----------------------\n";

/// Streams one HTTP response into a digest.
///
/// Call order: [`read_space`](Self::read_space) for the slice to read into, then
/// [`received`](Self::received) with the count read (never 0; a 0-byte read is end of
/// stream), repeated; then [`finish`](Self::finish).
#[derive(Debug)]
pub struct ResponseDigest {
    buf: Box<[u8; BUFFER_LEN]>,
    response: ResponseBody,
    hasher: Hasher,
}

impl ResponseDigest {
    /// A response that has received nothing yet.
    pub fn new(alg: HashAlgorithm) -> Self {
        Self {
            buf: Box::new([0; BUFFER_LEN]),
            response: ResponseBody::new(BUFFER_LEN - 1),
            hasher: Hasher::new(alg),
        }
    }

    /// Where the next read goes. Empty once a header has filled the buffer without ending,
    /// which the caller must treat as end of stream, as keepalived's `read(fd, p, 0)` does.
    pub fn read_space(&mut self) -> &mut [u8] {
        let room = self.response.header_room().min(BUFFER_LEN - 1);
        &mut self.buf[..room]
    }

    /// Whether the whole header has been seen (keepalived's `req->extracted`).
    pub fn header_done(&self) -> bool {
        self.response.header_done()
    }

    /// Accounts for `n` bytes just read into [`read_space`](Self::read_space); with `verbose`,
    /// writes keepalived's header and body dumps to it.
    pub fn received(&mut self, n: usize, mut verbose: Option<&mut dyn Write>) -> io::Result<()> {
        let was_done = self.response.header_done();
        if !was_done {
            if let Some(out) = verbose.as_deref_mut() {
                out.write_all(HTTP_HEADER_HEXA.as_bytes())?;
            }
        }
        let Self {
            buf,
            response,
            hasher,
        } = self;
        let mut result = Ok(());
        let mut first_body = !was_done;
        response.feed(&buf[..n], |part| {
            if let BodyPart::Body(b) = part {
                hasher.update(b);
            }
            let Some(out) = verbose.as_deref_mut().filter(|_| result.is_ok()) else {
                return;
            };
            result = match part {
                BodyPart::Header(header) => dump_header(out, header),
                BodyPart::Body(b) if std::mem::take(&mut first_body) => out
                    .write_all(HTML_HEADER_HEXA.as_bytes())
                    .and_then(|()| dump_buffer(out, b)),
                BodyPart::Body(b) => dump_buffer(out, b),
            };
        });
        result
    }

    /// The digest of the hashed body bytes.
    pub fn finish(self) -> Vec<u8> {
        self.hasher.finish()
    }
}

/// keepalived's dump of a complete header: hex, then the text up to a NUL (`printf("%.*s")`).
fn dump_header(out: &mut dyn Write, header: &[u8]) -> io::Result<()> {
    dump_buffer(out, header)?;
    out.write_all(HTTP_HEADER_ASCII.as_bytes())?;
    let text = header.split(|&b| b == 0).next().unwrap_or_default();
    out.write_all(text)?;
    out.write_all(b"\n")
}

/// Writes keepalived's verbose dump of the final digest (`dump_digest()`).
pub fn dump_digest(out: &mut dyn Write, digest: &[u8]) -> io::Result<()> {
    out.write_all(b"\n")?;
    out.write_all(HTML_HASH.as_bytes())?;
    dump_buffer(out, digest)?;
    out.write_all(HTML_HASH_FINAL.as_bytes())
}

#[cfg(test)]
mod agree;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::to_hex;
    use proptest::prelude::*;

    fn feed(chunks: &[&[u8]]) -> (String, Vec<u8>, bool) {
        let mut r = ResponseDigest::new(HashAlgorithm::Md5);
        let mut verbose = Vec::new();
        for chunk in chunks {
            let mut rest = *chunk;
            while !rest.is_empty() {
                let space = r.read_space();
                if space.is_empty() {
                    break;
                }
                let n = space.len().min(rest.len());
                space[..n].copy_from_slice(&rest[..n]);
                r.received(n, Some(&mut verbose)).unwrap();
                rest = &rest[n..];
            }
        }
        let done = r.header_done();
        (to_hex(&r.finish()), verbose, done)
    }

    fn md5_hex(data: &[u8]) -> String {
        let mut h = Hasher::new(HashAlgorithm::Md5);
        h.update(data);
        to_hex(&h.finish())
    }

    #[test]
    fn hashes_body_only() {
        let (hex, _, done) = feed(&[b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello world\n"]);
        assert!(done);
        assert_eq!(hex, "6f5902ac237024bdd0c176cb93063dc4");
    }

    #[test]
    fn content_length_caps_hashed_bytes() {
        let (hex, _, _) = feed(&[
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            b" world",
        ]);
        assert_eq!(hex, md5_hex(b"hello"));
        let (hex, _, _) = feed(&[
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
            b"lo world",
        ]);
        assert_eq!(hex, md5_hex(b"hello"));
    }

    #[test]
    fn chunked_body_is_hashed_raw() {
        let body = b"5\r\nhello\r\n0\r\n\r\n";
        let mut resp = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        resp.extend_from_slice(body);
        assert_eq!(feed(&[&resp]).0, md5_hex(body));
    }

    #[test]
    fn header_split_across_reads() {
        let (hex, verbose, _) = feed(&[b"HTTP/1.0 200 OK\r\n", b"\r", b"\nabc"]);
        assert_eq!(hex, md5_hex(b"abc"));
        let text = String::from_utf8(verbose).unwrap();
        assert_eq!(text.matches("HTTP Header Buffer").count(), 3);
    }

    #[test]
    fn endless_header_fills_buffer_then_stops() {
        let line = b"X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        let mut r = ResponseDigest::new(HashAlgorithm::Md5);
        let mut total = 0;
        while !r.read_space().is_empty() {
            let space = r.read_space();
            let n = space.len().min(line.len());
            space[..n].copy_from_slice(&line[..n]);
            r.received(n, None).unwrap();
            total += n;
        }
        assert_eq!(total, BUFFER_LEN - 1);
        assert!(!r.header_done());
    }

    #[test]
    fn verbose_layout() {
        let (_, verbose, _) = feed(&[b"HTTP/1.0 200 OK\r\n\r\nab"]);
        let text = String::from_utf8(verbose).unwrap();
        assert_eq!(
            text,
            format!(
                "{HTTP_HEADER_HEXA}0000  48 54 54 50 2f 31 2e 30 - 20 32 30 30 20 4f 4b 0d   HTTP/1.0 200 OK.\n\
                 0016  0a 0d 0a                -                           ...             \n\
                 {HTTP_HEADER_ASCII}HTTP/1.0 200 OK\r\n\r\n\n\
                 {HTML_HEADER_HEXA}0000  61 62                   -                           ab              \n"
            )
        );
    }

    proptest! {
        /// However the stream is cut into reads, the digest is the same, and it is the MD5 of
        /// the body capped by Content-Length.
        #[test]
        fn digest_independent_of_read_boundaries(
            body in proptest::collection::vec(any::<u8>(), 0..9000),
            cl in proptest::option::of(0u64..10000),
            cuts in proptest::collection::vec(1usize..5000, 0..8),
        ) {
            let mut resp = b"HTTP/1.1 200 OK\r\nServer: t\r\n".to_vec();
            if let Some(cl) = cl {
                resp.extend_from_slice(format!("Content-Length: {cl}\r\n").as_bytes());
            }
            resp.extend_from_slice(b"\r\n");
            let header_len = resp.len();
            resp.extend_from_slice(&body);
            // keepalived searches for the tag in the body too, and stops at a NUL: keep this
            // property to bodies where neither matters.
            prop_assume!(!body.windows(15).any(|w| w == b"Content-Length:"));
            let mut chunks = Vec::new();
            let mut at = 0;
            for c in cuts {
                let end = (at + c).min(resp.len());
                chunks.push(&resp[at..end]);
                at = end;
            }
            chunks.push(&resp[at..]);
            let (hex, _, done) = feed(&chunks);
            prop_assert!(done);
            let want = match cl {
                Some(cl) => &body[..body.len().min(cl as usize)],
                None => &body[..],
            };
            prop_assert_eq!(hex, md5_hex(want));
            let _ = header_len;
        }

        /// Arbitrary bytes never panic and never make the buffer grow.
        #[test]
        fn arbitrary_stream_is_bounded(chunks in proptest::collection::vec(
            proptest::collection::vec(any::<u8>(), 1..6000), 0..6)) {
            let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
            let _ = feed(&refs);
        }
    }
}
