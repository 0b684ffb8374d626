//! A line of configuration text in which every byte remembers where it came from.
//!
//! keepalived edits its line buffer in place (comment stripping, `$PARAM` substitution, `@id`
//! removal, splitting at braces). kad performs the same edits on an [`LBuf`], whose parallel
//! position vector moves with the bytes, so each final word still knows its file, line and
//! column, and inserted text knows the `$` that produced it.

/// Where one byte of a working line came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    /// Index into the preprocessor's file-name table.
    pub file: u32,
    /// 1-based physical line.
    pub line: u32,
    /// 1-based column in characters.
    pub col: u32,
    /// How many parameter substitutions produced this byte (0 = written in the file).
    pub depth: u16,
}

/// Bytes of a working line plus the origin of each byte.
#[derive(Clone, Debug, Default)]
pub(crate) struct LBuf {
    pub b: Vec<u8>,
    pub p: Vec<Pos>,
}

/// keepalived's `isblank`: space or tab.
pub(crate) fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// keepalived's `WHITE_SPACE_STR`: `" \t\f\n\r\v"`.
pub(crate) fn is_white(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | 0x0c | b'\n' | b'\r' | 0x0b)
}

impl LBuf {
    /// A physical line (or fgets chunk) read from `file` at `line`, starting at column `col`.
    pub fn from_source(bytes: &[u8], file: u32, line: u32, first_col: u32) -> Self {
        let mut p = Vec::with_capacity(bytes.len());
        let mut next = first_col;
        let mut cur = first_col;
        for &c in bytes {
            // Continuation bytes of a UTF-8 sequence share the column of their lead byte.
            if c & 0xc0 != 0x80 {
                cur = next;
                next = next.saturating_add(1);
            }
            p.push(Pos {
                file,
                line,
                col: cur,
                depth: 0,
            });
        }
        LBuf {
            b: bytes.to_vec(),
            p,
        }
    }

    /// Text that all comes from one place (substituted text, a multi-line parameter's line).
    pub fn uniform(bytes: &[u8], pos: Pos) -> Self {
        LBuf {
            b: bytes.to_vec(),
            p: vec![pos; bytes.len()],
        }
    }

    pub fn len(&self) -> usize {
        self.b.len()
    }

    pub fn is_empty(&self) -> bool {
        self.b.is_empty()
    }

    /// The byte at `i`, or NUL past the end (the C code reads the terminator freely).
    pub fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(0)
    }

    pub fn clear(&mut self) {
        self.b.clear();
        self.p.clear();
    }

    pub fn truncate(&mut self, n: usize) {
        self.b.truncate(n);
        self.p.truncate(n);
    }

    pub fn remove(&mut self, i: usize) {
        self.b.remove(i);
        self.p.remove(i);
    }

    pub fn drain_front(&mut self, n: usize) {
        self.b.drain(..n);
        self.p.drain(..n);
    }

    pub fn push(&mut self, c: u8, pos: Pos) {
        self.b.push(c);
        self.p.push(pos);
    }

    /// A copy of `self[from..]`.
    pub fn tail(&self, from: usize) -> LBuf {
        LBuf {
            b: self.b[from..].to_vec(),
            p: self.p[from..].to_vec(),
        }
    }

    /// Replace `self[start..end]` by `text`, all of it located at `pos`.
    pub fn splice(&mut self, start: usize, end: usize, text: &[u8], pos: Pos) {
        self.b.splice(start..end, text.iter().copied());
        self.p
            .splice(start..end, std::iter::repeat_n(pos, text.len()));
    }

    pub fn find(&self, from: usize, c: u8) -> Option<usize> {
        self.b
            .get(from..)?
            .iter()
            .position(|&x| x == c)
            .map(|i| i + from)
    }

    pub fn contains(&self, c: u8) -> bool {
        self.b.contains(&c)
    }

    pub fn starts_with(&self, s: &[u8]) -> bool {
        self.b.starts_with(s)
    }

    /// Drop trailing spaces and tabs.
    pub fn trim_end_blank(&mut self) {
        while self.b.last().is_some_and(|&c| is_blank(c)) {
            self.b.pop();
            self.p.pop();
        }
    }

    /// Drop leading spaces and tabs.
    pub fn trim_start_blank(&mut self) {
        let n = self.b.iter().take_while(|&&c| is_blank(c)).count();
        self.drain_front(n);
    }

    /// Lossy text, for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.b).into_owned()
    }
}
