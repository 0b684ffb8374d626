//! C number parsing, as keepalived's command line uses it (`strtoul`/`strtol`, base 10).
//!
//! genhash accepts exactly what keepalived accepts, so these follow the C library: leading
//! white space (`isspace`) is skipped, one optional sign, then decimal digits; when there are no
//! digits nothing is consumed (the end index is 0); overflow saturates.

fn skip_space_and_sign(s: &[u8]) -> (usize, bool) {
    let mut i = s
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r'))
        .unwrap_or(s.len());
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = s.get(i) {
        negative = sign == b'-';
        i += 1;
    }
    (i, negative)
}

/// Returns the magnitude (saturated at `u64::MAX`), the index after the digits, whether the
/// sign was `-`; `None` when there are no digits.
fn digits(s: &[u8]) -> Option<(u64, usize, bool)> {
    let (start, negative) = skip_space_and_sign(s);
    let count = s[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    if count == 0 {
        return None;
    }
    let value = s[start..start + count].iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    Some((value, start + count, negative))
}

/// `strtoul(s, &end, 10)` on a 64-bit system: `(value, end index)`. A `-` negates modulo 2⁶⁴
/// unless the magnitude overflowed, which gives `ULONG_MAX`.
pub fn strtoul(s: &[u8]) -> (u64, usize) {
    match digits(s) {
        None => (0, 0),
        Some((u64::MAX, end, _)) => (u64::MAX, end),
        Some((v, end, negative)) => (if negative { v.wrapping_neg() } else { v }, end),
    }
}

/// `strtol(s, &end, 10)` on a 64-bit system, saturating at `LONG_MIN`/`LONG_MAX`.
pub fn strtol(s: &[u8]) -> (i64, usize) {
    match digits(s) {
        None => (0, 0),
        Some((v, end, false)) => (i64::try_from(v).unwrap_or(i64::MAX), end),
        Some((v, end, true)) => (
            i64::try_from(v).map_or(i64::MIN, |v| v.saturating_neg()),
            end,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtoul_cases() {
        assert_eq!(strtoul(b"12"), (12, 2));
        assert_eq!(strtoul(b"  \t+12x"), (12, 6));
        assert_eq!(strtoul(b""), (0, 0));
        assert_eq!(strtoul(b"  "), (0, 0));
        assert_eq!(strtoul(b"-"), (0, 0));
        assert_eq!(strtoul(b"-1"), (u64::MAX, 2));
        assert_eq!(strtoul(b"99999999999999999999999"), (u64::MAX, 23));
        assert_eq!(strtoul(b"-99999999999999999999999"), (u64::MAX, 24));
    }

    #[test]
    fn strtol_cases() {
        assert_eq!(strtol(b"80"), (80, 2));
        assert_eq!(strtol(b" -80"), (-80, 4));
        assert_eq!(strtol(b"99999999999999999999"), (i64::MAX, 20));
        assert_eq!(strtol(b"-99999999999999999999"), (i64::MIN, 21));
        assert_eq!(strtol(b"x"), (0, 0));
    }
}
