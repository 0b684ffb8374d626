//! Word-level text rules of keepalived's `lib/parser.c`: comment stripping (`decomment`),
//! splitting a line into words (`alloc_strvec_r`), splitting at braces (end of `read_line`) and
//! the quoted-and-escaped splitting used for script command lines
//! (`alloc_strvec_quoted_escaped`).

use std::sync::Arc;

use super::lbuf::{is_blank, is_white, LBuf, Pos};
use crate::token::{Loc, Token};

/// Outcome of [`decomment`] that the caller reports.
#[derive(Debug, Default)]
pub(crate) struct Decommented {
    /// Position of a `"` that opens a string never closed on the line.
    pub unterminated_quote: Option<Pos>,
}

/// keepalived's `decomment()`: drop leading blanks, a `#` or `!` comment outside double quotes,
/// the backslash of `\#` and `\!` outside quotes, and trailing blanks; a final `\` (a
/// continuation mark for multi-line `$PARAM` definitions) is kept, glued to the last word.
///
/// Only `"` protects comment characters; `'` does not.
pub(crate) fn decomment(buf: &mut LBuf) -> Decommented {
    buf.trim_start_blank();
    let mut quote: Option<Pos> = None;
    let mut cont: Option<Pos> = None;
    let mut skip: Option<usize> = None;
    let mut i = 0;
    while i < buf.len() {
        let c = buf.b[i];
        match c {
            b'"' => {
                if skip.is_none() {
                    quote = if quote.is_some() {
                        None
                    } else {
                        Some(buf.p[i])
                    };
                }
                i += 1;
            }
            b'\\' => {
                if i + 1 < buf.len() {
                    let n = buf.b[i + 1];
                    if quote.is_none() && (n == b'#' || n == b'!') {
                        buf.remove(i);
                        i += 1;
                    } else {
                        i += 2;
                    }
                } else {
                    cont = Some(buf.p[i]);
                    buf.truncate(i);
                    break;
                }
            }
            b'!' | b'#' => {
                if quote.is_none() && skip.is_none() {
                    skip = Some(i);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if let Some(s) = skip {
        buf.truncate(s);
    }
    buf.trim_end_blank();
    if let Some(pos) = cont {
        buf.push(b'\\', pos);
    }
    Decommented {
        unterminated_quote: quote,
    }
}

/// Where a line must be cut so that a `{` or `}` stands alone, as `read_line` does.
///
/// Returns `(head_len, residue_start)`: the line keeps `[..head_len]` and `[residue_start..]`
/// is read next as if it were a new line. Braces inside `"..."` do not count; `'` does not
/// protect them.
pub(crate) fn brace_cut(buf: &LBuf) -> Option<(usize, usize)> {
    let b = &buf.b;
    let first = *b.first()?;
    let at = if first == b'{' || first == b'}' {
        0
    } else {
        let mut i = 0;
        loop {
            let j = i + b[i..]
                .iter()
                .position(|&c| c == b'{' || c == b'}' || c == b'"')?;
            if b[j] != b'"' {
                break j;
            }
            let close = j + 1 + b[j + 1..].iter().position(|&c| c == b'"')?;
            i = close + 1;
        }
    };
    let skip = if at == 0 {
        1 + b[1..].iter().take_while(|&&c| is_blank(c)).count()
    } else {
        0
    };
    (at + skip < b.len()).then_some((at + skip, at + skip))
}

/// A word split off a line by [`split_words`], before conversion to a [`Token`].
pub(crate) struct Word {
    pub text: Vec<u8>,
    pub pos: Pos,
    pub quoted: bool,
}

/// keepalived's `alloc_strvec_r()`: words are separated by white space; `"` starts a word that
/// runs to the next `"` (no escapes, quotes removed) and also ends an unquoted word.
///
/// Returns the words and, if a `"` is never closed, its position (the rest of the line is
/// dropped, as keepalived does).
pub(crate) fn split_words(buf: &LBuf) -> (Vec<Word>, Option<Pos>) {
    let b = &buf.b;
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_white(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            return (words, None);
        }
        if b[i] == b'"' {
            match b[i + 1..].iter().position(|&c| c == b'"') {
                None => return (words, Some(buf.p[i])),
                Some(n) => {
                    words.push(Word {
                        text: b[i + 1..i + 1 + n].to_vec(),
                        pos: buf.p[i],
                        quoted: true,
                    });
                    i += n + 2;
                }
            }
        } else {
            let start = i;
            while i < b.len() && !is_white(b[i]) && b[i] != b'"' {
                i += 1;
            }
            words.push(Word {
                text: b[start..i].to_vec(),
                pos: buf.p[start],
                quoted: false,
            });
        }
    }
}

/// Convert a [`Word`] into a [`Token`], naming its file from the table.
pub(crate) fn to_token(w: Word, files: &[Arc<str>]) -> Token {
    Token {
        // Valid UTF-8 (nearly always) moves without a copy.
        text: String::from_utf8(w.text)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        loc: loc_of(w.pos, files),
        quoted: w.quoted,
    }
}

/// The public [`Loc`] of an internal position.
pub(crate) fn loc_of(p: Pos, files: &[Arc<str>]) -> Loc {
    let file = files
        .get(p.file as usize)
        .cloned()
        .unwrap_or_else(|| Arc::from(""));
    Loc::new(file, p.line, p.col)
}

/// Why a script command line could not be split by [`split_quoted_escaped`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// A `"` or `'` string is not closed before the end of the line.
    #[error("missing terminating {quote} in '{line}'")]
    Unterminated {
        /// The quote character, `"` or `'`.
        quote: char,
        /// The whole line.
        line: String,
    },
    /// The line ends with a lone `\`.
    #[error("missing escaped character at the end of '{0}'")]
    TrailingBackslash(String),
}

/// keepalived's `alloc_strvec_quoted_escaped()`, used for script command lines (`script`,
/// `misc_path`, `notify*`, `regex`...): `"` and `'` quote (and may be glued to unquoted text:
/// `ab"c d"e` is one word `abc de`), and backslash escapes work inside and outside quotes:
/// `\a \b \E \f \n \r \t \v`, `\nnn` (up to three octal digits), `\xXX...` (any number of hex
/// digits, the last two count), `\cC` (control character), `\C` = `C` otherwise.
pub fn split_quoted_escaped(line: &str) -> Result<Vec<String>, QuoteError> {
    let src = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < src.len() && is_white(src[i]) {
            i += 1;
        }
        if i >= src.len() {
            break;
        }
        let mut word: Vec<u8> = Vec::new();
        let mut quote: u8 = 0;
        while i < src.len() {
            let c = src[i];
            if c == b'\\' {
                i += 1;
                let Some(&e) = src.get(i) else {
                    return Err(QuoteError::TrailingBackslash(line.to_owned()));
                };
                let next = src.get(i + 1).copied().unwrap_or(0);
                if e == b'x' && next.is_ascii_hexdigit() {
                    let mut v: u8 = 0;
                    i += 1;
                    while i < src.len() && src[i].is_ascii_hexdigit() {
                        v = (v << 4) | hex_val(src[i]);
                        i += 1;
                    }
                    word.push(v);
                } else if e == b'c' && next != 0 {
                    word.push(next & 0x1f);
                    i += 2;
                } else if (b'0'..=b'7').contains(&e) {
                    let mut v: u8 = e - b'0';
                    i += 1;
                    for _ in 0..2 {
                        match src.get(i) {
                            Some(&d) if (b'0'..=b'7').contains(&d) => {
                                v = (v << 3).wrapping_add(d - b'0');
                                i += 1;
                            }
                            _ => break,
                        }
                    }
                    word.push(v);
                } else {
                    word.push(match e {
                        b'a' => 0x07,
                        b'b' => 0x08,
                        b'E' => 0x1b,
                        b'f' => 0x0c,
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'v' => 0x0b,
                        other => other,
                    });
                    i += 1;
                }
                continue;
            }
            if quote != 0 {
                if c == quote {
                    quote = 0;
                } else {
                    word.push(c);
                }
                i += 1;
                continue;
            }
            if c == b'"' || c == b'\'' {
                quote = c;
                i += 1;
                continue;
            }
            if is_white(c) {
                break;
            }
            word.push(c);
            i += 1;
        }
        if quote != 0 {
            return Err(QuoteError::Unterminated {
                quote: quote as char,
                line: line.to_owned(),
            });
        }
        out.push(String::from_utf8_lossy(&word).into_owned());
    }
    Ok(out)
}

fn hex_val(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

/// Rebuild the text of a line from its tokens, as nearly as the tokens allow: quoted tokens get
/// their `"` back, and the gap between two tokens read from the same source line is restored
/// from their columns (one space where columns cannot tell: substituted text, another line).
pub fn raw_text(tokens: &[Token]) -> String {
    let mut s = String::new();
    let mut prev: Option<(&Token, u32)> = None;
    for t in tokens {
        let raw_len = t.text.chars().count() as u32 + if t.quoted { 2 } else { 0 };
        if let Some((p, plen)) = prev {
            let end = p.loc.col.saturating_add(plen);
            let gap = if p.loc.file == t.loc.file && p.loc.line == t.loc.line && t.loc.col >= end {
                (t.loc.col - end) as usize
            } else {
                1
            };
            // Two unquoted words can only be adjacent if a quote separated them.
            let gap = if gap == 0 && !p.quoted && !t.quoted {
                1
            } else {
                gap
            };
            s.extend(std::iter::repeat_n(' ', gap));
        }
        if t.quoted {
            s.push('"');
            s.push_str(&t.text);
            s.push('"');
        } else {
            s.push_str(&t.text);
        }
        prev = Some((t, raw_len));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lb(s: &str) -> LBuf {
        LBuf::from_source(s.as_bytes(), 0, 1, 1)
    }

    #[test]
    fn decomment_strips_comments_outside_double_quotes() {
        let mut b = lb("  a b # c");
        decomment(&mut b);
        assert_eq!(b.text(), "a b");
        let mut b = lb("a \"b # c\" ! d");
        decomment(&mut b);
        assert_eq!(b.text(), "a \"b # c\"");
        let mut b = lb("a 'b # c'");
        decomment(&mut b);
        assert_eq!(b.text(), "a 'b");
        let mut b = lb("a \\# b \\! c");
        decomment(&mut b);
        assert_eq!(b.text(), "a # b ! c");
        assert_eq!(b.p[2].col, 4, "the # keeps its own column");
    }

    #[test]
    fn decomment_keeps_continuation_backslash() {
        let mut b = lb("$X=a  \\");
        decomment(&mut b);
        assert_eq!(b.text(), "$X=a\\");
        let mut b = lb("a # comment \\");
        decomment(&mut b);
        assert_eq!(b.text(), "a\\");
    }

    #[test]
    fn decomment_reports_unterminated_quote() {
        let mut b = lb("a \"b");
        let d = decomment(&mut b);
        assert_eq!(d.unterminated_quote.map(|p| p.col), Some(3));
    }

    #[test]
    fn words_split_at_white_space_and_double_quotes() {
        let (w, bad) = split_words(&lb("a  \"b c\"d'e f'"));
        assert!(bad.is_none());
        let t: Vec<_> = w
            .iter()
            .map(|w| {
                (
                    String::from_utf8_lossy(&w.text).into_owned(),
                    w.quoted,
                    w.pos.col,
                )
            })
            .collect();
        assert_eq!(
            t,
            vec![
                ("a".into(), false, 1),
                ("b c".into(), true, 4),
                ("d'e".into(), false, 9),
                ("f'".into(), false, 13)
            ]
        );
        let (w, bad) = split_words(&lb("a \"b"));
        assert_eq!(w.len(), 1);
        assert_eq!(bad.map(|p| p.col), Some(3));
    }

    #[test]
    fn brace_cut_rules() {
        assert_eq!(brace_cut(&lb("a b {")), Some((4, 4)));
        assert_eq!(brace_cut(&lb("{  x }")), Some((3, 3)));
        assert_eq!(brace_cut(&lb("{")), None);
        assert_eq!(brace_cut(&lb("a \"{\" b")), None);
        assert_eq!(brace_cut(&lb("a '{' b")), Some((3, 3)));
        assert_eq!(brace_cut(&lb("a \"{ b")), None);
    }

    #[test]
    fn quoted_escaped_quotes_and_gluing() {
        assert_eq!(
            split_quoted_escaped("abcd\" efg h jkl \"mnop").unwrap(),
            vec!["abcd efg h jkl mnop"]
        );
        assert_eq!(
            split_quoted_escaped("abcd \"efg h jkl\" mnop").unwrap(),
            vec!["abcd", "efg h jkl", "mnop"]
        );
        assert_eq!(
            split_quoted_escaped("s 'a \"b' \"c 'd\"").unwrap(),
            vec!["s", "a \"b", "c 'd"]
        );
    }

    #[test]
    fn quoted_escaped_every_escape() {
        let cases: &[(&str, &[u8])] = &[
            ("\\a", b"\x07"),
            ("\\b", b"\x08"),
            ("\\E", b"\x1b"),
            ("\\f", b"\x0c"),
            ("\\n", b"\n"),
            ("\\r", b"\r"),
            ("\\t", b"\t"),
            ("\\v", b"\x0b"),
            ("\\101", b"A"),
            ("\\7", b"\x07"),
            ("\\0101", b"\x081"),
            ("\\x41", b"A"),
            ("\\x4142", b"B"),
            ("\\xg", b"xg"),
            ("\\cA", b"\x01"),
            ("\\c[", b"\x1b"),
            ("\\\\", b"\\"),
            ("\\\"", b"\""),
            ("\\q", b"q"),
            ("'\\n'", b"\n"),
            ("\"\\t\"", b"\t"),
        ];
        for (src, want) in cases {
            let got = split_quoted_escaped(src).unwrap();
            assert_eq!(got.len(), 1, "{src}");
            assert_eq!(got[0].as_bytes(), *want, "{src}");
        }
        assert_eq!(
            split_quoted_escaped("a\\ b").unwrap(),
            vec!["a b"],
            "an escaped space does not split"
        );
    }

    #[test]
    fn quoted_escaped_errors() {
        assert!(matches!(
            split_quoted_escaped("a 'b"),
            Err(QuoteError::Unterminated { quote: '\'', .. })
        ));
        assert!(matches!(
            split_quoted_escaped("a \\"),
            Err(QuoteError::TrailingBackslash(_))
        ));
    }

    #[test]
    fn raw_text_restores_gaps() {
        let f: Arc<str> = Arc::from("f");
        let t = |s: &str, col, q| Token {
            text: s.into(),
            loc: Loc::new(f.clone(), 1, col),
            quoted: q,
        };
        let toks = [
            t("notify", 1, false),
            t("/bin/x a", 9, true),
            t("'b", 20, false),
            t("c'", 24, false),
        ];
        assert_eq!(raw_text(&toks), "notify  \"/bin/x a\" 'b  c'");
    }
}
