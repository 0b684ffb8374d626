//! Where a piece of configuration came from, and the tokens the preprocessor hands on.

use std::fmt;
use std::sync::Arc;

/// A position in a configuration file: 1-based line and column (in characters).
///
/// The file name is shared: one `Arc` per file read, so a token costs a pointer, not a path.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Loc {
    /// The file as it was named (after include globbing), relative or absolute.
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub col: u32,
}

impl Loc {
    /// A location in `file` at `line`, `col`.
    pub fn new(file: Arc<str>, line: u32, col: u32) -> Self {
        Loc { file, line, col }
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

impl fmt::Debug for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// One word of a configuration line, after quoting, escapes and substitution were applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// The word's text as keepalived's parser sees it (quotes removed, escapes decoded).
    pub text: String,
    /// Where the word starts in the source. For text produced by `$PARAM` substitution or
    /// `~SEQ` expansion, this is the location of the substitution in the line that used it.
    pub loc: Loc,
    /// The word was quoted in the source, so `{`, `}` and `#` inside it are plain text.
    pub quoted: bool,
}

impl Token {
    /// A token with `text` at `loc`, not quoted.
    pub fn new(text: impl Into<String>, loc: Loc) -> Self {
        Token {
            text: text.into(),
            loc,
            quoted: false,
        }
    }

    /// The text of the token.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when this is an unquoted `{`.
    pub fn is_open(&self) -> bool {
        !self.quoted && self.text == "{"
    }

    /// True when this is an unquoted `}`.
    pub fn is_close(&self) -> bool {
        !self.quoted && self.text == "}"
    }
}

/// One logical line after preprocessing: never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The words of the line, in order.
    pub tokens: Vec<Token>,
}
