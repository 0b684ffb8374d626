//! Typed values: BOOL, TIMER, numbers in ranges, addresses, prefixes, ports, enums.
//!
//! Each parser mirrors one of keepalived's readers (`lib/parser.c`) — the accepted spellings,
//! the range check and the wording of the complaint — and reports at the offending token. They
//! return `None` after reporting, so a caller simply skips the keyword, as keepalived does.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

#[cfg(feature = "serde")]
use serde::{Serialize, Serializer};

use crate::diag::Diagnostics;
use crate::token::{Loc, Token};
use crate::tree::Node;

/// Microseconds per second: keepalived's `TIMER_HZ`.
pub const TIMER_HZ: u64 = 1_000_000;

/// Decimal places a TIMER may have: keepalived's `TIMER_HZ_DIGITS`.
pub const TIMER_HZ_DIGITS: u32 = 6;

#[cfg(feature = "serde")]
/// Serialize a [`Loc`] as its `file:line:col` string.
pub fn ser_loc<S: Serializer>(loc: &Loc, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(loc)
}

/// A location for objects built without a source (defaults, tests).
pub fn no_loc() -> Loc {
    Loc::new("<default>".into(), 0, 0)
}

/// A span of time held in microseconds, keepalived's unit for every TIMER.
///
/// It serializes in seconds, the unit `keepalived.conf` is written in (a whole number when it
/// is one, else a decimal), so `--dump-conf` output reads like the configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Micros(pub u64);

#[cfg(feature = "serde")]
impl Serialize for Micros {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % TIMER_HZ == 0 {
            s.serialize_u64(self.0 / TIMER_HZ)
        } else {
            s.serialize_f64(self.0 as f64 / TIMER_HZ as f64)
        }
    }
}

impl Micros {
    /// `s` whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        Micros(s * TIMER_HZ)
    }

    /// As a [`std::time::Duration`].
    pub fn as_duration(self) -> std::time::Duration {
        std::time::Duration::from_micros(self.0)
    }
}

impl fmt::Display for Micros {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, us) = (self.0 / TIMER_HZ, self.0 % TIMER_HZ);
        if us == 0 {
            write!(f, "{s}s")
        } else {
            write!(f, "{s}.{us:06}s")
        }
    }
}

/// The word at `node.args[i]`, or an error naming the missing parameter (keepalived's
/// `null_strvec`, which is fatal there).
pub fn need_arg<'a>(node: &'a Node, i: usize, d: &mut Diagnostics) -> Option<&'a Token> {
    match node.args.get(i) {
        Some(t) => Some(t),
        None => {
            let loc = node
                .args
                .last()
                .map_or(&node.keyword.loc, |t| &t.loc)
                .clone();
            d.error(
                &loc,
                format!(
                    "configuration line starting '{}' is missing a parameter at word position {}",
                    node.keyword.text,
                    i + 2
                ),
            );
            None
        }
    }
}

/// keepalived's `check_true_false`: `true`/`on`/`yes` or `false`/`off`/`no`, case-sensitive.
pub fn true_false(s: &str) -> Option<bool> {
    match s {
        "true" | "on" | "yes" => Some(true),
        "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// A BOOL token; an error at the token otherwise.
pub fn parse_bool(tok: &Token, what: &str, d: &mut Diagnostics) -> Option<bool> {
    let v = true_false(&tok.text);
    if v.is_none() {
        d.error_hint(
            &tok.loc,
            format!("invalid value '{}' for {what}", tok.text),
            "expected true/false, yes/no or on/off",
        );
    }
    v
}

/// A keyword with an optional BOOL after it (`smtp_alert`, `smtp_alert false`): the bare
/// keyword means true. `None` after an invalid value (keepalived then leaves the setting alone).
pub fn flag(node: &Node, d: &mut Diagnostics) -> Option<bool> {
    match node.args.first() {
        None => Some(true),
        Some(t) => parse_bool(t, &node.keyword.text, d),
    }
}

/// Split a leading run of spaces the way `strtoul` skips them.
fn trim_ws(s: &str) -> &str {
    s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c'])
}

/// Parse digits in `base` (10 or 16, `0x` allowed for 16, and base 0 as `strtoul` with prefix
/// detection), returning `None` for junk and `Some(Err(()))` on overflow of u64.
fn parse_digits(s: &str, base: u32) -> Option<Result<u64, ()>> {
    let (digits, radix) = match base {
        0 => {
            if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
                (h, 16)
            } else if s.len() > 1 && s.starts_with('0') {
                (&s[1..], 8)
            } else {
                (s, 10)
            }
        }
        16 => (
            s.strip_prefix("0x")
                .or_else(|| s.strip_prefix("0X"))
                .unwrap_or(s),
            16,
        ),
        b => (s, b),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    Some(u64::from_str_radix(digits, radix).map_err(|_| ()))
}

/// An unsigned integer in `[min, max]`, as keepalived's `read_unsigned_strvec` (leading
/// spaces allowed, a leading `+` allowed, negative rejected).
pub fn parse_uint(tok: &Token, min: u64, max: u64, d: &mut Diagnostics) -> Option<u64> {
    parse_uint_base(tok, 10, min, max, d)
}

/// As [`parse_uint`] in another base (`read_unsigned_base_strvec`): 16 accepts `0x`.
pub fn parse_uint_base(
    tok: &Token,
    base: u32,
    min: u64,
    max: u64,
    d: &mut Diagnostics,
) -> Option<u64> {
    let s = trim_ws(&tok.text);
    if s.starts_with('-') {
        d.error(&tok.loc, format!("negative number '{}'", tok.text));
        return None;
    }
    let s = s.strip_prefix('+').unwrap_or(s);
    match parse_digits(s, base) {
        None => {
            d.error(&tok.loc, format!("invalid number '{}'", tok.text));
            None
        }
        Some(Err(())) => {
            d.error(
                &tok.loc,
                format!("number '{}' outside unsigned integer range", tok.text),
            );
            None
        }
        Some(Ok(v)) if v < min || v > max => {
            d.error(
                &tok.loc,
                format!("number '{}' outside range [{min}, {max}]", tok.text),
            );
            None
        }
        Some(Ok(v)) => Some(v),
    }
}

/// A signed integer in `[min, max]`, as keepalived's `read_int_strvec`.
pub fn parse_int(tok: &Token, min: i64, max: i64, d: &mut Diagnostics) -> Option<i64> {
    let s = trim_ws(&tok.text);
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = match parse_digits(body, 10) {
        None => {
            d.error(&tok.loc, format!("invalid number '{}'", tok.text));
            return None;
        }
        Some(Err(())) => None,
        Some(Ok(v)) => i64::try_from(v).ok().map(|v| if neg { -v } else { v }),
    };
    match v {
        Some(v) if (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&v) => {
            if v < min || v > max {
                d.error(
                    &tok.loc,
                    format!("number '{}' outside range [{min}, {max}]", tok.text),
                );
                None
            } else {
                Some(v)
            }
        }
        _ => {
            d.error(
                &tok.loc,
                format!("number '{}' outside integer range", tok.text),
            );
            None
        }
    }
}

/// A decimal with at most `shift` places, returned times `10^shift`, in `[min, max]` (both in
/// the returned unit) — keepalived's `read_decimal_unsigned_strvec`. Too many places is an
/// error (keepalived reports it and rounds).
pub fn parse_decimal(
    tok: &Token,
    min: u64,
    max: u64,
    shift: u32,
    d: &mut Diagnostics,
) -> Option<u64> {
    let s = tok.text.as_str();
    if s.starts_with('-') {
        d.error(&tok.loc, format!("negative number '{s}'"));
        return None;
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    let valid = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    let int_body = int.strip_prefix('+').unwrap_or(int);
    if !valid(int_body) || !valid(frac) || (int_body.is_empty() && frac.is_empty()) {
        d.error(&tok.loc, format!("invalid number '{s}'"));
        return None;
    }
    let mut frac_digits = frac.to_string();
    if frac.len() > shift as usize {
        d.error(
            &tok.loc,
            format!("number '{s}' has too many decimal places"),
        );
        return None;
    }
    while frac_digits.len() < shift as usize {
        frac_digits.push('0');
    }
    let scale = 10u64.pow(shift);
    let ip: u64 = if int_body.is_empty() {
        0
    } else if let Ok(v) = int_body.parse() {
        v
    } else {
        d.error(
            &tok.loc,
            format!("number '{s}' outside unsigned decimal range"),
        );
        return None;
    };
    let fp: u64 = if frac_digits.is_empty() {
        0
    } else {
        frac_digits.parse().unwrap_or(0)
    };
    let Some(v) = ip.checked_mul(scale).and_then(|v| v.checked_add(fp)) else {
        d.error(
            &tok.loc,
            format!("number '{s}' outside unsigned decimal range"),
        );
        return None;
    };
    if v < min || v > max {
        let w = shift as usize;
        let (a, b) = (min / scale, min % scale);
        let (c, e) = (max / scale, max % scale);
        let msg = if w == 0 {
            format!("number '{s}' outside range [{a}, {c}]")
        } else {
            format!("number '{s}' outside range [{a}.{b:0w$}, {c}.{e:0w$}]")
        };
        d.error(&tok.loc, msg);
        return None;
    }
    Some(v)
}

/// A TIMER: seconds with up to six decimals, in `[min, max]` microseconds (`read_timer`).
pub fn parse_timer(tok: &Token, min: Micros, max: Micros, d: &mut Diagnostics) -> Option<Micros> {
    parse_decimal(tok, min.0, max.0, TIMER_HZ_DIGITS, d).map(Micros)
}

/// A whole number of seconds read as microseconds: keywords the man page documents as integer
/// seconds (`read_unsigned_strvec` then `* TIMER_HZ`).
pub fn parse_secs(tok: &Token, min: u64, max: u64, d: &mut Diagnostics) -> Option<Micros> {
    parse_uint(tok, min, max, d).map(Micros::from_secs)
}

/// An IPv4 or IPv6 address (`inet_pton`, so no host names and no prefix).
pub fn parse_ip(tok: &Token, d: &mut Diagnostics) -> Option<IpAddr> {
    match IpAddr::from_str(&tok.text) {
        Ok(a) => Some(a),
        Err(_) => {
            d.error(&tok.loc, format!("invalid IP address '{}'", tok.text));
            None
        }
    }
}

/// An IPv4 address.
pub fn parse_ipv4(tok: &Token, d: &mut Diagnostics) -> Option<Ipv4Addr> {
    match Ipv4Addr::from_str(&tok.text) {
        Ok(a) => Some(a),
        Err(_) => {
            d.error(&tok.loc, format!("invalid IPv4 address '{}'", tok.text));
            None
        }
    }
}

/// An IPv6 address.
pub fn parse_ipv6(tok: &Token, d: &mut Diagnostics) -> Option<Ipv6Addr> {
    match Ipv6Addr::from_str(&tok.text) {
        Ok(a) => Some(a),
        Err(_) => {
            d.error(&tok.loc, format!("invalid IPv6 address '{}'", tok.text));
            None
        }
    }
}

/// An address with a prefix length, `192.0.2.1/24` or `2001:db8::/32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpPrefix {
    /// The address as written (host bits are kept).
    pub addr: IpAddr,
    /// Prefix length in bits.
    pub len: u8,
}

impl IpPrefix {
    /// The maximum prefix length of `addr`'s family.
    pub fn max_len(addr: &IpAddr) -> u8 {
        if addr.is_ipv4() {
            32
        } else {
            128
        }
    }
}

impl fmt::Display for IpPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

#[cfg(feature = "serde")]
impl Serialize for IpPrefix {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Split `text` into an address and an optional prefix length, without reporting.
pub fn split_prefix(text: &str) -> Option<(IpAddr, Option<u8>)> {
    let (a, l) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let addr = IpAddr::from_str(a).ok()?;
    let len = match l {
        None => None,
        Some(l) => {
            let n: u8 = l.parse().ok()?;
            if n > IpPrefix::max_len(&addr) {
                return None;
            }
            Some(n)
        }
    };
    Some((addr, len))
}

/// An address with an optional `/len`; a bare address is a host prefix (/32 or /128).
pub fn parse_prefix(tok: &Token, d: &mut Diagnostics) -> Option<IpPrefix> {
    match split_prefix(&tok.text) {
        Some((addr, len)) => Some(IpPrefix {
            addr,
            len: len.unwrap_or_else(|| IpPrefix::max_len(&addr)),
        }),
        None => {
            d.error(
                &tok.loc,
                format!("invalid IP address or prefix '{}'", tok.text),
            );
            None
        }
    }
}

/// A TCP/UDP port, 0..=65535 (`read_unsigned_strvec(.., 0, 65535)`).
pub fn parse_port(tok: &Token, d: &mut Diagnostics) -> Option<u16> {
    parse_uint(tok, 0, 65535, d).map(|v| v as u16)
}

/// One of a fixed set of words (case-sensitive, as keepalived's `strcmp`).
pub fn parse_enum<T: Copy>(
    tok: &Token,
    choices: &[(&str, T)],
    what: &str,
    d: &mut Diagnostics,
) -> Option<T> {
    if let Some((_, v)) = choices.iter().find(|(n, _)| *n == tok.text) {
        return Some(*v);
    }
    let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
    d.error_hint(
        &tok.loc,
        format!("invalid {what} '{}'", tok.text),
        format!("expected one of: {}", names.join(", ")),
    );
    None
}

/// The rest of the line joined by spaces, as keepalived's `set_value` joins the words of a
/// quoted or unquoted string value (`notification_email_from`, `router_id`...).
pub fn rest_string(node: &Node, d: &mut Diagnostics) -> Option<String> {
    need_arg(node, 0, d)?;
    let mut s = String::new();
    for (i, t) in node.args.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&t.text);
    }
    Some(s)
}

/// Warn about words after the ones a keyword takes (keepalived ignores them silently or with
/// a log line; they are most often a typo).
pub fn extra_args(node: &Node, used: usize, d: &mut Diagnostics) {
    if let Some(t) = node.args.get(used) {
        d.warning(
            &t.loc,
            format!(
                "'{}' ignores extra parameter '{}'",
                node.keyword.text, t.text
            ),
        );
    }
}

/// A keyword that expects a block but got none.
pub fn need_block<'a>(node: &'a Node, d: &mut Diagnostics) -> Option<&'a [Node]> {
    match &node.block {
        Some(b) => Some(&b.children),
        None => {
            d.error(
                &node.keyword.loc,
                format!("'{}' must be followed by a '{{' block", node.keyword.text),
            );
            None
        }
    }
}

/// A keyword that takes no block got one: keepalived parses the block's lines as if they
/// belonged to the enclosing block... in practice this is always a mistake, so say so.
pub fn no_block(node: &Node, d: &mut Diagnostics) {
    if let Some(b) = &node.block {
        d.error(
            &b.open,
            format!("'{}' does not take a block", node.keyword.text),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(s: &str) -> Token {
        Token::new(s, Loc::new("t".into(), 1, 1))
    }

    #[test]
    fn bools_follow_check_true_false() {
        for s in ["true", "on", "yes"] {
            assert_eq!(true_false(s), Some(true));
        }
        for s in ["false", "off", "no"] {
            assert_eq!(true_false(s), Some(false));
        }
        let mut d = Diagnostics::new();
        assert_eq!(parse_bool(&tok("1"), "x", &mut d), None);
        assert_eq!(parse_bool(&tok("True"), "x", &mut d), None);
        assert_eq!(d.error_count(), 2);
    }

    #[test]
    fn unsigned_ranges_and_messages() {
        let mut d = Diagnostics::new();
        assert_eq!(parse_uint(&tok("255"), 1, 255, &mut d), Some(255));
        assert_eq!(parse_uint(&tok("  +7"), 1, 255, &mut d), Some(7));
        assert_eq!(parse_uint(&tok("256"), 1, 255, &mut d), None);
        assert_eq!(parse_uint(&tok("-1"), 0, 255, &mut d), None);
        assert_eq!(parse_uint(&tok("12a"), 0, 255, &mut d), None);
        assert_eq!(parse_uint(&tok(""), 0, 255, &mut d), None);
        assert_eq!(parse_uint_base(&tok("0x1f"), 16, 0, 255, &mut d), Some(31));
        let msgs: Vec<_> = d.iter().map(|x| x.message.clone()).collect();
        assert_eq!(
            msgs,
            [
                "number '256' outside range [1, 255]",
                "negative number '-1'",
                "invalid number '12a'",
                "invalid number ''",
            ]
        );
    }

    #[test]
    fn signed_ranges() {
        let mut d = Diagnostics::new();
        assert_eq!(parse_int(&tok("-254"), -254, 254, &mut d), Some(-254));
        assert_eq!(parse_int(&tok("255"), -254, 254, &mut d), None);
        assert_eq!(parse_int(&tok("99999999999"), -254, 254, &mut d), None);
        assert_eq!(d.error_count(), 2);
    }

    #[test]
    fn timers_are_microseconds() {
        let mut d = Diagnostics::new();
        let max = Micros(u64::MAX - 1);
        assert_eq!(
            parse_timer(&tok("1.5"), Micros(0), max, &mut d),
            Some(Micros(1_500_000))
        );
        assert_eq!(
            parse_timer(&tok(".25"), Micros(0), max, &mut d),
            Some(Micros(250_000))
        );
        assert_eq!(
            parse_timer(&tok("3"), Micros(0), max, &mut d),
            Some(Micros(3_000_000))
        );
        assert!(!d.has_errors());
        assert_eq!(parse_timer(&tok("0.0000001"), Micros(0), max, &mut d), None);
        assert_eq!(
            parse_timer(&tok("0.5"), Micros(1_000_000), Micros(2_000_000), &mut d),
            None
        );
        assert_eq!(
            d.iter().last().unwrap().message,
            "number '0.5' outside range [1.000000, 2.000000]"
        );
        assert_eq!(Micros(1_500_000).to_string(), "1.500000s");
    }

    #[test]
    fn addresses_and_prefixes() {
        let mut d = Diagnostics::new();
        assert!(parse_ip(&tok("192.0.2.1"), &mut d).is_some());
        assert!(parse_ip(&tok("2001:db8::1"), &mut d).is_some());
        assert!(parse_ipv4(&tok("2001:db8::1"), &mut d).is_none());
        let p = parse_prefix(&tok("192.0.2.1/24"), &mut d).unwrap();
        assert_eq!(p.len, 24);
        assert_eq!(parse_prefix(&tok("2001:db8::1"), &mut d).unwrap().len, 128);
        assert!(parse_prefix(&tok("192.0.2.1/33"), &mut d).is_none());
        assert_eq!(parse_port(&tok("65536"), &mut d), None);
        assert_eq!(d.error_count(), 3);
    }

    #[test]
    fn enums_list_choices() {
        let mut d = Diagnostics::new();
        let c = [("MASTER", 1), ("BACKUP", 2)];
        assert_eq!(parse_enum(&tok("BACKUP"), &c, "state", &mut d), Some(2));
        assert_eq!(parse_enum(&tok("master"), &c, "state", &mut d), None);
        assert!(d
            .iter()
            .next()
            .unwrap()
            .hint
            .as_deref()
            .unwrap()
            .contains("MASTER"));
    }
}
