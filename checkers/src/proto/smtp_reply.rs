//! SMTP replies as a byte stream brings them (RFC 5321 §4.2): a line ends at LF (a CR before
//! it is dropped); a line whose fourth character is `-` continues the reply, the next other
//! line ends it and carries its code. SMTP_CHECK and kad's alert mailer both read replies
//! with [`ReplyReader`].

/// The last line of a complete reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    head: [u8; 3],
    well_formed: bool,
}

impl Reply {
    fn of(line: &[u8]) -> Reply {
        let mut head = [0u8; 3];
        for (h, b) in head.iter_mut().zip(line) {
            *h = *b;
        }
        let digits = line.len() >= 3 && line[..3].iter().all(u8::is_ascii_digit);
        Reply {
            head,
            well_formed: digits && matches!(line.get(3), None | Some(b' ')),
        }
    }

    /// The three-digit code; `None` unless the line is `NNN` or `NNN text`.
    #[must_use]
    pub fn code(self) -> Option<u16> {
        self.well_formed.then(|| {
            self.head
                .iter()
                .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
        })
    }

    /// The code as keepalived computes it from the first three characters, whatever they
    /// are (so a garbled code is reported as the number keepalived prints, and never
    /// matches an expected one).
    #[must_use]
    pub fn keepalived_code(self) -> i32 {
        let digit = |i: usize| i32::from(self.head[i]) - i32::from(b'0');
        digit(0) * 100 + digit(1) * 10 + digit(2)
    }
}

/// A reply line longer than the reader's bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("SMTP reply line longer than {max} bytes")]
pub struct LineTooLong {
    /// The bound.
    pub max: usize,
}

/// Buffers what arrives and hands out one complete reply at a time; a partial line is kept
/// until its end arrives.
#[derive(Debug, Clone)]
pub struct ReplyReader {
    buf: Vec<u8>,
    max_line: usize,
}

impl ReplyReader {
    /// A reader that refuses lines of more than `max_line` bytes (line end excluded).
    #[must_use]
    pub fn new(max_line: usize) -> Self {
        Self {
            buf: Vec::new(),
            max_line,
        }
    }

    /// Bytes received and not yet part of a returned reply.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Drops everything buffered.
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// Takes received bytes; read the replies they complete with
    /// [`next_reply`](Self::next_reply).
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete reply, consuming its lines; `None` while its last line has not
    /// arrived. Continuation lines already seen are consumed either way.
    pub fn next_reply(&mut self) -> Option<Result<Reply, LineTooLong>> {
        let mut start = 0;
        let mut result = None;
        while let Some(len) = self.buf[start..].iter().position(|&b| b == b'\n') {
            let mut line = &self.buf[start..start + len];
            start += len + 1;
            if line.len() > self.max_line + 1 {
                result = Some(Err(LineTooLong { max: self.max_line }));
                break;
            }
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            if line.len() > self.max_line {
                result = Some(Err(LineTooLong { max: self.max_line }));
                break;
            }
            if line.get(3) != Some(&b'-') {
                result = Some(Ok(Reply::of(line)));
                break;
            }
        }
        self.buf.drain(..start);
        if result.is_none() && self.buf.len() > self.max_line + 1 {
            self.buf.clear();
            return Some(Err(LineTooLong { max: self.max_line }));
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_reply_across_pushes() {
        let mut r = ReplyReader::new(512);
        r.push(b"250-mx.example\r\n250-SIZE");
        assert_eq!(r.next_reply(), None);
        r.push(b"\r\n250 ok\r\n354 go\n");
        let reply = r.next_reply().unwrap().unwrap();
        assert_eq!((reply.code(), reply.keepalived_code()), (Some(250), 250));
        assert_eq!(r.next_reply().unwrap().unwrap().code(), Some(354));
        assert_eq!((r.next_reply(), r.buffered()), (None, 0));
    }

    #[test]
    fn garbled_codes_keep_keepalived_number() {
        let mut r = ReplyReader::new(512);
        r.push(b"2x0 hi\r\n250\r\n250xok\r\n");
        let garbled = r.next_reply().unwrap().unwrap();
        assert_eq!(garbled.code(), None);
        assert_eq!(garbled.keepalived_code(), 200 + (i32::from(b'x') - 48) * 10);
        assert_eq!(r.next_reply().unwrap().unwrap().code(), Some(250));
        assert_eq!(r.next_reply().unwrap().unwrap().code(), None);
    }

    #[test]
    fn long_lines_are_refused() {
        let mut r = ReplyReader::new(8);
        r.push(b"220 0123456789\r\n");
        assert_eq!(r.next_reply(), Some(Err(LineTooLong { max: 8 })));
        let mut r = ReplyReader::new(8);
        r.push(b"220 0123456789");
        assert_eq!(r.next_reply(), Some(Err(LineTooLong { max: 8 })));
        assert_eq!(r.buffered(), 0);
    }
}
