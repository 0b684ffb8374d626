//! `$NAME=value` parameters (keepalived.conf(5), "parameter substitution"): the table of
//! definitions, the reference syntax (`$NAME` before white space, `,`, `)` or the end of the
//! line; `${NAME}` anywhere; `${_RANDOM MIN MAX}` with arguments), and the predefined
//! `_PWD`, `_INSTANCE`, `_RANDOM`, `_HASH` and `_BANG`.

use std::collections::HashMap;
use std::rc::Rc;

/// A predefined parameter computed at each use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    /// `${_PWD}`: the directory of the file being read.
    Pwd,
    /// `${_INSTANCE}`: the config-id.
    Instance,
    /// `${_RANDOM [MIN [MAX]]}`.
    Random,
}

/// One definition.
#[derive(Clone, Debug)]
pub(crate) struct Def {
    /// The value; lines of a multi-line value are separated by `\n`.
    pub value: Rc<Vec<u8>>,
    pub multiline: bool,
    pub builtin: Option<Builtin>,
    /// How many numeric arguments `${NAME a b}` may carry (2 for `_RANDOM`, else 0).
    pub max_params: u8,
}

/// A reference found in a line: which definition, and the bytes it replaces.
#[derive(Debug)]
pub(crate) struct Reference {
    pub name: Vec<u8>,
    /// Index just past the reference (after `}` for the braced form).
    pub end: usize,
    /// The argument text of `${NAME a b}`, if any.
    pub params: Option<Vec<u8>>,
}

/// The parameter table.
#[derive(Debug)]
pub(crate) struct Defs {
    map: HashMap<Vec<u8>, Def>,
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl Defs {
    /// The table with keepalived's predefined parameters.
    pub fn with_builtins() -> Self {
        let mut map = HashMap::new();
        let mut add = |n: &str, v: &str, b: Option<Builtin>, mp: u8| {
            map.insert(
                n.as_bytes().to_vec(),
                Def {
                    value: Rc::new(v.as_bytes().to_vec()),
                    multiline: false,
                    builtin: b,
                    max_params: mp,
                },
            );
        };
        add("_PWD", "", Some(Builtin::Pwd), 0);
        add("_INSTANCE", "", Some(Builtin::Instance), 0);
        add("_RANDOM", "", Some(Builtin::Random), 2);
        add("_HASH", "#", None, 0);
        add("_BANG", "!", None, 0);
        Defs { map }
    }

    pub fn get(&self, name: &[u8]) -> Option<&Def> {
        self.map.get(name)
    }

    pub fn get_mut(&mut self, name: &[u8]) -> Option<&mut Def> {
        self.map.get_mut(name)
    }

    /// `set_definition()`: used for `~SEQ`/`~LST` variables. Overrides a predefined parameter
    /// but keeps an existing definition's multi-line flag, as keepalived does.
    pub fn set(&mut self, name: &[u8], value: &[u8]) {
        match self.map.get_mut(name) {
            Some(d) => {
                d.value = Rc::new(value.to_vec());
                d.builtin = None;
            }
            None => {
                self.map.insert(
                    name.to_vec(),
                    Def {
                        value: Rc::new(value.to_vec()),
                        multiline: false,
                        builtin: None,
                        max_params: 0,
                    },
                );
            }
        }
    }

    /// A `$NAME=value` line (`check_definition()`).
    pub fn define(&mut self, name: &[u8], value: Vec<u8>, multiline: bool) {
        let d = self.map.entry(name.to_vec()).or_insert_with(|| Def {
            value: Rc::new(Vec::new()),
            multiline: false,
            builtin: None,
            max_params: 0,
        });
        d.value = Rc::new(value);
        d.multiline = multiline;
        d.builtin = None;
    }

    /// `find_definition()` for a reference whose text (after the `$`) starts at `b[i]`.
    pub fn find_reference(&self, b: &[u8], i: usize) -> Option<Reference> {
        let at = |k: usize| b.get(k).copied().unwrap_or(0);
        let braces = at(i) == b'{';
        let start = if braces { i + 1 } else { i };
        if !is_name_start(at(start)) {
            return None;
        }
        let mut p = start + 1;
        while is_name_char(at(p)) {
            p += 1;
        }
        let name = &b[start..p];
        let name_end = p;
        let mut params = None;
        let end;
        if braces {
            let mut first = None;
            let mut last = 0;
            while at(p) == b' ' || at(p).is_ascii_digit() {
                if at(p) != b' ' {
                    first.get_or_insert(p);
                    last = p;
                }
                p += 1;
            }
            if let Some(f) = first {
                if last + 1 != p {
                    return None;
                }
                params = Some(b[f..=last].to_vec());
            }
            if at(p) != b'}' {
                return None;
            }
            end = p + 1;
        } else {
            if !matches!(at(p), b' ' | b'\t' | b',' | b')' | 0) {
                return None;
            }
            end = p;
        }
        // A multi-line parameter may only be used at the very end of a line.
        let allow_multiline = if braces {
            name_end + 1 == b.len()
        } else {
            name_end == b.len()
        };
        let def = self.map.get(name)?;
        if def.multiline && !allow_multiline {
            return None;
        }
        if params.is_some() && def.max_params == 0 {
            return None;
        }
        Some(Reference {
            name: name.to_vec(),
            end,
            params,
        })
    }
}

/// A `$NAME=value` line split into name, value and multi-line flag (`check_definition()`).
/// `None` when the line is not a definition (then it is an ordinary line that may use `$`).
pub(crate) fn parse_definition(b: &[u8]) -> Option<(Vec<u8>, Vec<u8>, bool)> {
    if b.first() != Some(&b'$') || !is_name_start(b.get(1).copied().unwrap_or(0)) {
        return None;
    }
    let mut p = 2;
    while p < b.len() && b[p] != b'=' {
        if !is_name_char(b[p]) {
            return None;
        }
        p += 1;
    }
    if p >= b.len() {
        return None;
    }
    let name = b[1..p].to_vec();
    let mut v = p + 1;
    while v < b.len() && (b[v] == b' ' || b[v] == b'\t') {
        v += 1;
    }
    let value = &b[v..];
    if value.last() == Some(&b'\\') {
        let mut len = value.len();
        while len >= 2 && (value[len - 2] == b' ' || value[len - 2] == b'\t') {
            len -= 1;
        }
        let value = if len < 2 {
            Vec::new()
        } else {
            let mut s = value[..len].to_vec();
            s[len - 1] = b'\n';
            s
        };
        Some((name, value, true))
    } else {
        Some((name, value.to_vec(), false))
    }
}

/// The pseudo-random source behind `${_RANDOM}`: splitmix64, reduced to 31 bits like
/// `random()`. keepalived seeds from the clock (its `random_seed` keyword is reset before the
/// configuration is read, so it never takes effect); kad takes the seed from the options.
#[derive(Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next31(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) >> 33
    }
}

/// C `strtoul(s, &end, 10)` on text of digits and spaces; saturating.
fn strtoul(b: &[u8], mut i: usize) -> (u64, usize) {
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    let s = i;
    let mut v: u64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        v = v.saturating_mul(10).saturating_add(u64::from(b[i] - b'0'));
        i += 1;
    }
    if i == s {
        return (0, s);
    }
    (v, i)
}

/// `get_random()`: a number in `[MIN, MAX]` (default 0..=32767), printed with at most as many
/// digits as MAX has. Returns the text and whether extra arguments were ignored.
pub(crate) fn random_value(params: Option<&[u8]>, rng: &mut Rng) -> (Vec<u8>, bool) {
    let (mut min, mut max) = (0u64, 32767u64);
    let mut extra = false;
    if let Some(p) = params {
        let (a, e) = strtoul(p, 0);
        min = a;
        if e < p.len() {
            let (b, e2) = strtoul(p, e);
            max = b;
            extra = e2 != p.len();
        }
    }
    let digits = {
        let mut v = max as i64;
        let mut n = 0;
        loop {
            n += 1;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        n + usize::from((max as i64) < 0)
    };
    let range = max.wrapping_sub(min).wrapping_add(1);
    let r = rng.next31();
    let val = if range == 0 {
        r
    } else {
        (r % range).wrapping_add(min)
    };
    let mut s = (val as i64).to_string().into_bytes();
    s.truncate(digits);
    (s, extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_lines() {
        assert_eq!(
            parse_definition(b"$A=1 2"),
            Some((b"A".to_vec(), b"1 2".to_vec(), false))
        );
        assert_eq!(
            parse_definition(b"$A=  x"),
            Some((b"A".to_vec(), b"x".to_vec(), false))
        );
        assert_eq!(parse_definition(b"$A =1"), None, "no space before '='");
        assert_eq!(parse_definition(b"$1A=1"), None);
        assert_eq!(parse_definition(b"$A"), None);
        assert_eq!(
            parse_definition(b"$A="),
            Some((b"A".to_vec(), Vec::new(), false))
        );
        assert_eq!(
            parse_definition(b"$M=abc  \\"),
            Some((b"M".to_vec(), b"abc\n".to_vec(), true))
        );
        assert_eq!(
            parse_definition(b"$M=\\"),
            Some((b"M".to_vec(), Vec::new(), true))
        );
    }

    #[test]
    fn reference_forms() {
        let mut d = Defs::with_builtins();
        d.define(b"X", b"1".to_vec(), false);
        d.define(b"M", b"a\nb".to_vec(), true);
        let r = d.find_reference(b"$X y", 1).unwrap();
        assert_eq!(r.end, 2);
        assert!(d.find_reference(b"$Xy", 1).is_none());
        assert!(d.find_reference(b"$X.", 1).is_none());
        assert_eq!(d.find_reference(b"$X,", 1).unwrap().end, 2);
        assert_eq!(d.find_reference(b"${X}.", 1).unwrap().end, 4);
        assert!(
            d.find_reference(b"${X 1}", 1).is_none(),
            "X takes no arguments"
        );
        let r = d.find_reference(b"${_RANDOM 1 9}x", 1).unwrap();
        assert_eq!(r.params.as_deref(), Some(&b"1 9"[..]));
        assert_eq!(r.end, 14);
        assert!(d.find_reference(b"${_RANDOM 1 }", 1).is_none());
        assert!(d.find_reference(b"$M", 1).is_some());
        assert!(
            d.find_reference(b"$M x", 1).is_none(),
            "multi-line only at end"
        );
        assert!(d.find_reference(b"${M}", 1).is_some());
        assert!(d.find_reference(b"$UNDEF", 1).is_none());
    }

    #[test]
    fn random_in_range_and_seeded() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..100 {
            let (x, _) = random_value(Some(b"5 9"), &mut a);
            let v: u64 = String::from_utf8(x.clone()).unwrap().parse().unwrap();
            assert!((5..=9).contains(&v));
            assert_eq!(x, random_value(Some(b"5 9"), &mut b).0);
        }
        let (x, _) = random_value(None, &mut a);
        let v: u64 = String::from_utf8(x).unwrap().parse().unwrap();
        assert!(v <= 32767);
        assert!(random_value(Some(b"1 2 3"), &mut a).1);
    }
}
