//! `~SEQ(var, start, step, end)`, `~SEQx(...)` and `~LST(var, v1, v2, ...)` lines
//! (keepalived.conf(5), "sequence blocks" and "list blocks").
//!
//! A line starting with `~SEQ`/`~LST` defines a loop; the rest of the line is read once per
//! value with `$var` set. Loops on the rest of the line nest, innermost fastest. The parsing
//! follows keepalived's `add_seq()`/`add_lst()` character by character, including their
//! leniency (a missing number reads as 0, `start` and `step` may be omitted).

use std::rc::Rc;

use nom::character::complete::{digit1, hex_digit1, oct_digit1};
use nom::IResult;

use super::lbuf::LBuf;

/// One active loop.
#[derive(Debug)]
pub(crate) struct Seq {
    /// The text after the closing `)`, read once per value.
    pub text: LBuf,
    pub kind: SeqKind,
}

#[derive(Debug)]
pub(crate) enum SeqKind {
    /// `~SEQ`/`~SEQx`: a numeric range.
    Range {
        var: Vec<u8>,
        next: i64,
        step: i64,
        last: i64,
        hex: bool,
    },
    /// `~LST`: sets of values for one or more variables.
    List {
        vars: Vec<Vec<u8>>,
        sets: Rc<Vec<Vec<Vec<u8>>>>,
        next: usize,
    },
}

/// Why a `~SEQ`/`~LST` line was rejected; the message follows keepalived's wording.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SeqError {
    /// Malformed (keepalived: "Invalid ~SEQ definition").
    Definition,
    /// The parenthesised part is missing its `)` or is longer than keepalived's 63-byte buffer.
    TooLong,
    /// A parameter inside the parentheses is a multi-line definition.
    Multiline,
    /// Step 0 or a step pointing away from `end`.
    Values,
    /// `~SEQx` with a negative bound.
    HexNegative,
    /// `~LST` syntax error.
    List,
    /// `~LST` value set with more values than variables.
    TooManyValues,
}

impl SeqError {
    pub fn message(&self) -> &'static str {
        match self {
            SeqError::Definition => "invalid ~SEQ definition",
            SeqError::TooLong => {
                "~SEQ parameters have no closing ')' or are longer than 63 characters"
            }
            SeqError::Multiline => "~SEQ parameter is a multi-line definition",
            SeqError::Values => "invalid ~SEQ values: step is 0 or goes away from the end value",
            SeqError::HexNegative => "~SEQx is only valid for non-negative numbers",
            SeqError::List => "invalid ~LST specification",
            SeqError::TooManyValues => "~LST value set has more values than there are variables",
        }
    }
}

fn spn(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

fn cspn(b: &[u8], mut i: usize, stop: &[u8]) -> usize {
    while i < b.len() && !stop.contains(&b[i]) {
        i += 1;
    }
    i
}

fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// The `~SEQ` header up to its closing `)`: the variable, where the parameter text starts
/// and where the `)` is. The caller substitutes parameters in `params` before [`seq_numbers`].
pub(crate) struct SeqHead {
    pub hex: bool,
    pub var: Vec<u8>,
    /// Parameter text from after the first separator through the `)`.
    pub params: Vec<u8>,
    /// Index of the byte after `)` and any blanks: the repeated text starts here.
    pub text_start: usize,
}

/// Parse `~SEQ(var, ...)` up to the `)` as `add_seq()` does; `Ok(None)` when keepalived's
/// parser returns without its own message (only the generic "invalid ~SEQ" is logged).
pub(crate) fn seq_head(b: &[u8]) -> Result<Option<SeqHead>, SeqError> {
    let mut p = 4;
    let hex = at(b, p) == b'x';
    if hex {
        p += 1;
    }
    p = spn(b, p);
    if at(b, p) != b'(' {
        return Ok(None);
    }
    p = spn(b, p + 1);
    let var_start = p;
    p = cspn(b, p, b" \t,)");
    let var = b[var_start..p].to_vec();
    p = spn(b, p);
    if p >= b.len() || b[p] == b')' || p == var_start {
        return Err(SeqError::Definition);
    }
    // keepalived skips one byte here, whatever it is (normally the ',').
    p = spn(b, p + 1);
    let Some(close) = b[p.min(b.len())..].iter().position(|&c| c == b')') else {
        return Err(SeqError::TooLong);
    };
    let close = p + close;
    // seq_buf holds 3 * 20 + 3 + 1 bytes including the terminator.
    if close + 1 - p + 1 > 64 {
        return Err(SeqError::TooLong);
    }
    let text_start = spn(b, close + 1);
    Ok(Some(SeqHead {
        hex,
        var,
        params: b[p..=close].to_vec(),
        text_start,
    }))
}

/// C `strtol(s, &end, 0)`: leading white space, sign, `0x`/`0` prefixes, saturating on
/// overflow. Returns the value and the index after the number (`start` if no digits).
pub(crate) fn strtol0(b: &[u8], start: usize) -> (i64, usize) {
    let mut i = start;
    while i < b.len() && super::lbuf::is_white(b[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let rest = &b[i..];
    let (digits, radix, skip): (&[u8], u32, usize) = if (rest.starts_with(b"0x")
        || rest.starts_with(b"0X"))
        && rest.get(2).is_some_and(u8::is_ascii_hexdigit)
    {
        let r: IResult<&[u8], &[u8]> = hex_digit1(&rest[2..]);
        (r.map(|(_, d)| d).unwrap_or_default(), 16, 2)
    } else if rest.starts_with(b"0") {
        let r: IResult<&[u8], &[u8]> = oct_digit1(rest);
        (r.map(|(_, d)| d).unwrap_or_default(), 8, 0)
    } else {
        let r: IResult<&[u8], &[u8]> = digit1(rest);
        (r.map(|(_, d)| d).unwrap_or_default(), 10, 0)
    };
    if digits.is_empty() {
        return (0, start);
    }
    let mut v: i128 = 0;
    for &d in digits {
        let dv = (d as char).to_digit(radix).unwrap_or(0) as i128;
        v = (v * radix as i128 + dv).min(i64::MAX as i128 + 1);
    }
    let v = if neg { -v } else { v };
    let v = v.clamp(i64::MIN as i128, i64::MAX as i128) as i64;
    (v, i + skip + digits.len())
}

/// Read start/step/end from the substituted parameter text (ending in `)`).
pub(crate) fn seq_numbers(s: &[u8], hex: bool) -> Result<(i64, i64, i64), SeqError> {
    let (one, p) = strtol0(s, 0);
    let p = spn(s, p);
    let (start, step, end);
    if at(s, p) == b')' {
        end = one;
        step = if end < 1 { -1 } else { 1 };
        start = if end < 0 { -1 } else { 1 };
    } else {
        if at(s, p) != b',' {
            return Err(SeqError::Definition);
        }
        let (two, p) = strtol0(s, p + 1);
        let p = spn(s, p);
        if at(s, p) == b')' {
            start = one;
            end = two;
            step = if start <= end { 1 } else { -1 };
        } else {
            if at(s, p) != b',' {
                return Err(SeqError::Definition);
            }
            let (three, p) = strtol0(s, p + 1);
            let p = spn(s, p);
            if at(s, p) != b')' {
                return Err(SeqError::Definition);
            }
            start = one;
            step = two;
            end = three;
            if step == 0 || (start < end && step < 0) || (start > end && step > 0) {
                return Err(SeqError::Values);
            }
        }
    }
    if hex && (start < 0 || end < 0) {
        return Err(SeqError::HexNegative);
    }
    Ok((start, step, end))
}

/// Parse a `~LST(...)` line as `add_lst()` does. Returns the variables, the value sets and
/// where the repeated text starts.
#[allow(clippy::type_complexity)]
pub(crate) fn parse_lst(b: &[u8]) -> Result<(Vec<Vec<u8>>, Vec<Vec<Vec<u8>>>, usize), SeqError> {
    let mut p = spn(b, 4);
    if at(b, p) != b'(' {
        return Err(SeqError::List);
    }
    p = spn(b, p + 1);
    let mut end_char = b',';
    if at(b, p) == b'{' {
        end_char = b'}';
        p = spn(b, p + 1);
    }
    let mut vars = Vec::new();
    let mut num_vars = 0usize;
    loop {
        let s = p;
        p = cspn(b, p, b" \t,}");
        vars.push(b[s..p].to_vec());
        p = spn(b, p);
        if at(b, p) == end_char {
            break;
        }
        if at(b, p) != b',' {
            return Err(SeqError::List);
        }
        p = spn(b, p + 1);
        num_vars += 1;
    }
    if at(b, p) == b'}' {
        p = spn(b, p + 1);
    }
    if at(b, p) != b',' {
        return Err(SeqError::List);
    }
    p = spn(b, p + 1);
    let mut sets = Vec::new();
    loop {
        let mut end_char = b',';
        if at(b, p) == b'{' {
            end_char = b'}';
            p = spn(b, p + 1);
        }
        let mut set = Vec::new();
        let mut num_values = 0usize;
        loop {
            let s = p;
            p = cspn(b, p, b" \t,})");
            set.push(b[s..p].to_vec());
            p = spn(b, p);
            let c = at(b, p);
            if c == end_char || (c == b')' && end_char == b',') {
                break;
            }
            if c != b',' {
                return Err(SeqError::List);
            }
            p = spn(b, p + 1);
            num_values += 1;
            if num_values > num_vars {
                return Err(SeqError::TooManyValues);
            }
        }
        while num_values < num_vars {
            set.push(Vec::new());
            num_values += 1;
        }
        sets.push(set);
        if at(b, p) == b'}' && end_char == b'}' {
            p = spn(b, p + 1);
        }
        if at(b, p) == b')' {
            break;
        }
        if at(b, p) != b',' {
            return Err(SeqError::List);
        }
        p = spn(b, p + 1);
    }
    let text_start = spn(b, p + 1);
    Ok((vars, sets, text_start.min(b.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nums(s: &str) -> Result<(i64, i64, i64), SeqError> {
        seq_numbers(s.as_bytes(), false)
    }

    #[test]
    fn strtol_like_c() {
        assert_eq!(strtol0(b" 0x1f)", 0), (31, 5));
        assert_eq!(strtol0(b"010", 0), (8, 3));
        assert_eq!(strtol0(b"-5,", 0), (-5, 2));
        assert_eq!(strtol0(b"x", 0), (0, 0));
        assert_eq!(strtol0(b"0x", 0), (0, 1));
        assert_eq!(strtol0(b"99999999999999999999", 0).0, i64::MAX);
        assert_eq!(strtol0(b"-99999999999999999999", 0).0, i64::MIN);
    }

    #[test]
    fn seq_number_forms() {
        assert_eq!(nums("5)"), Ok((1, 1, 5)));
        assert_eq!(nums("-3)"), Ok((-1, -1, -3)));
        assert_eq!(nums("0)"), Ok((1, -1, 0)));
        assert_eq!(nums("3, 1)"), Ok((3, -1, 1)));
        assert_eq!(nums("0, 2, 6)"), Ok((0, 2, 6)));
        assert_eq!(nums(",5)"), Ok((0, 1, 5)), "a missing number reads as 0");
        assert_eq!(nums("1, 0, 5)"), Err(SeqError::Values));
        assert_eq!(nums("1, -1, 5)"), Err(SeqError::Values));
        assert_eq!(nums("1, x)"), Err(SeqError::Definition));
        assert_eq!(seq_numbers(b"-1, 5)", true), Err(SeqError::HexNegative));
    }

    #[test]
    fn seq_head_forms() {
        let h = seq_head(b"~SEQx ( V , 0x90, 0x10, 0xc0)  rest")
            .unwrap()
            .unwrap();
        assert!(h.hex);
        assert_eq!(h.var, b"V");
        assert_eq!(h.params, b"0x90, 0x10, 0xc0)");
        assert_eq!(h.text_start, 31);
        assert_eq!(seq_head(b"~SEQ(,5) x").err(), Some(SeqError::Definition));
        assert_eq!(seq_head(b"~SEQ(I,5 x").err(), Some(SeqError::TooLong));
        assert!(seq_head(b"~SEQ I").unwrap().is_none());
    }

    #[test]
    fn lst_forms() {
        let (v, s, t) = parse_lst(b"~LST(IP, 1, 2,3) x").unwrap();
        assert_eq!(v, vec![b"IP".to_vec()]);
        assert_eq!(s.len(), 3);
        assert_eq!(t, 17);
        let (v, s, _) = parse_lst(b"~LST({IP, IP1}, {10,1},{20},{5,6}) x").unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(s[1], vec![b"20".to_vec(), Vec::new()]);
        assert_eq!(
            parse_lst(b"~LST({I,J},{1,2,3}) x").err(),
            Some(SeqError::TooManyValues)
        );
        assert_eq!(parse_lst(b"~LST(I) x").err(), Some(SeqError::List));
        assert_eq!(parse_lst(b"~LST(I,1,2 x").err(), Some(SeqError::List));
    }
}
