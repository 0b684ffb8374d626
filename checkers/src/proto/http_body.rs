//! Which bytes of an HTTP response keepalived hashes: its `http_process_response()`
//! (check/check_http.c) with the helpers of lib/html.c, which HTTP_GET, SSL_GET and genhash
//! share. HTTP_GET's `digest` and genhash's printed digest both come from here, so genhash
//! prints the digest the checker will compute.
//!
//! * The header ends at the first `\r\n\r\n` (`extract_html()`); a response with bare `\n`
//!   line ends never ends its header, and keepalived reports "no data received".
//! * The body is hashed **as received**: no chunked decoding, no decompression, whatever the
//!   status code.
//! * If what was read up to the end of the header has a `Content-Length:` (case-sensitive,
//!   searched anywhere in the NUL-terminated buffer, as `strstr()` does) whose value
//!   `strtoul()` reads cleanly, only that many body bytes are hashed.

/// What [`ResponseBody::feed`] hands its sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyPart<'a> {
    /// The whole header, blank line included; given once.
    Header(&'a [u8]),
    /// The next body bytes to hash, already cut at Content-Length.
    Body(&'a [u8]),
}

/// One response being read: the header is buffered (up to a bound) until it ends, then the
/// body streams through.
#[derive(Debug, Clone)]
pub struct ResponseBody {
    max_header: usize,
    header: Vec<u8>,
    header_done: bool,
    /// `None` stands for keepalived's `SIZE_MAX`: no usable Content-Length.
    content_len: Option<u64>,
    rx_bytes: u64,
}

impl ResponseBody {
    /// A response that has received nothing; at most `max_header` bytes are buffered while
    /// waiting for the end of the header (genhash: keepalived's 4095; HTTP_GET:
    /// [`MAX_HEADER_BYTES`](crate::proto::MAX_HEADER_BYTES)).
    #[must_use]
    pub fn new(max_header: usize) -> Self {
        Self {
            max_header,
            header: Vec::new(),
            header_done: false,
            content_len: None,
            rx_bytes: 0,
        }
    }

    /// Whether the whole header has been seen (keepalived's `req->extracted`).
    #[must_use]
    pub fn header_done(&self) -> bool {
        self.header_done
    }

    /// How many more bytes the header may take before it has to have ended; 0 once the
    /// bound is reached without an end, which keepalived treats as the end of the stream.
    /// Unbounded once the header is done.
    #[must_use]
    pub fn header_room(&self) -> usize {
        if self.header_done {
            usize::MAX
        } else {
            self.max_header - self.header.len()
        }
    }

    /// Whether no byte at all has arrived.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        !self.header_done && self.header.is_empty()
    }

    /// The Content-Length in force, once the header is done.
    #[must_use]
    pub fn content_length(&self) -> Option<u64> {
        self.content_len
    }

    /// Whether the body has reached its Content-Length: nothing after it is hashed.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.header_done && self.content_len.is_some_and(|cl| self.rx_bytes >= cl)
    }

    /// Takes the next bytes read. Header bytes beyond [`header_room`](Self::header_room) are
    /// dropped, as keepalived never reads them; `sink` gets the header when it ends, then
    /// every run of body bytes to hash.
    pub fn feed(&mut self, data: &[u8], mut sink: impl FnMut(BodyPart<'_>)) {
        if self.header_done {
            self.body(data, &mut sink);
            return;
        }
        let take = data.len().min(self.header_room());
        self.header.extend_from_slice(&data[..take]);
        let Some(body_start) = find_header_end(&self.header) else {
            return;
        };
        self.header_done = true;
        self.content_len = extract_content_length(&self.header);
        let header = std::mem::take(&mut self.header);
        sink(BodyPart::Header(&header[..body_start]));
        self.body(&header[body_start..], &mut sink);
        self.body(&data[take..], &mut sink);
    }

    fn body(&mut self, data: &[u8], sink: &mut impl FnMut(BodyPart<'_>)) {
        if data.is_empty() {
            return;
        }
        let take = match self.content_len {
            None => data.len(),
            Some(cl) => usize::try_from(cl.saturating_sub(self.rx_bytes))
                .map_or(data.len(), |left| left.min(data.len())),
        };
        if take > 0 {
            sink(BodyPart::Body(&data[..take]));
        }
        self.rx_bytes += data.len() as u64;
    }
}

/// Offset just past the first `\r\n\r\n` (`extract_html()`).
fn find_header_end(data: &[u8]) -> Option<usize> {
    data.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
}

/// keepalived's `extract_content_length()`: `strstr(buffer, "Content-Length:")` over the
/// NUL-terminated buffer, then `strtoul(…, 10)`, accepted only if it stops at `\0`, `\r` or
/// `\n`. `None` for anything else, and for `ULONG_MAX`, which keepalived cannot tell from
/// "absent".
#[must_use]
pub fn extract_content_length(received: &[u8]) -> Option<u64> {
    const TAG: &[u8] = b"Content-Length:";
    let text = received.split(|&b| b == 0).next().unwrap_or_default();
    let at = text.windows(TAG.len()).position(|w| w == TAG)? + TAG.len();
    let rest = &text[at..];
    let (value, end) = strtoul(rest);
    match rest.get(end) {
        None | Some(b'\r') | Some(b'\n') if value != u64::MAX => Some(value),
        _ => None,
    }
}

/// `strtoul(s, &end, 10)` on a 64-bit system: leading `isspace` skipped, one optional sign,
/// decimal digits; `(0, 0)` without digits; overflow gives `ULONG_MAX`; `-` negates modulo
/// 2⁶⁴.
fn strtoul(s: &[u8]) -> (u64, usize) {
    let mut i = s
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .unwrap_or(s.len());
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = s.get(i) {
        negative = sign == b'-';
        i += 1;
    }
    let count = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if count == 0 {
        return (0, 0);
    }
    let value = s[i..i + count].iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    let value = match value {
        u64::MAX => u64::MAX,
        v if negative => v.wrapping_neg(),
        v => v,
    };
    (value, i + count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_of(chunks: &[&[u8]], max_header: usize) -> (Option<Vec<u8>>, Vec<u8>) {
        let mut r = ResponseBody::new(max_header);
        let (mut header, mut body) = (None, Vec::new());
        for c in chunks {
            r.feed(c, |p| match p {
                BodyPart::Header(h) => header = Some(h.to_vec()),
                BodyPart::Body(b) => body.extend_from_slice(b),
            });
        }
        (header, body)
    }

    #[test]
    fn content_length_caps_across_reads() {
        let (h, b) = body_of(
            &[
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel",
                b"lo world",
            ],
            4095,
        );
        assert_eq!(h.unwrap(), b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        assert_eq!(b, b"hello");
    }

    #[test]
    fn lowercase_tag_and_lf_only_follow_keepalived() {
        let (_, b) = body_of(
            &[b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello world"],
            4095,
        );
        assert_eq!(b, b"hello world");
        let (h, b) = body_of(&[b"HTTP/1.0 200 OK\nServer: t\n\nbody"], 4095);
        assert_eq!((h, b), (None, Vec::new()));
    }

    #[test]
    fn header_bound_drops_what_keepalived_never_reads() {
        let mut r = ResponseBody::new(8);
        r.feed(b"HTTP/1.0 200", |_| panic!("no header end"));
        assert_eq!(r.header_room(), 0);
        assert!(!r.header_done());
    }

    #[test]
    fn content_length_parsing_follows_strtoul() {
        let cl = extract_content_length;
        assert_eq!(cl(b"Content-Length: 12\r\n"), Some(12));
        assert_eq!(cl(b"Content-Length:12"), Some(12));
        assert_eq!(cl(b"Content-Length:\t+7\n"), Some(7));
        assert_eq!(cl(b"Content-Length:\r\n"), Some(0));
        assert_eq!(cl(b"Content-Length: \r\n"), None);
        assert_eq!(cl(b"Content-Length: 12 \r\n"), None);
        assert_eq!(cl(b"content-length: 12\r\n"), None);
        assert_eq!(cl(b"Content-Length: 99999999999999999999999\r\n"), None);
        assert_eq!(cl(b"Content-Length: -1\r\n"), None);
        assert_eq!(cl(b"Content-Length: -2\r\n"), Some(u64::MAX - 1));
        assert_eq!(cl(b"X\0Content-Length: 1\r\n"), None);
    }
}
