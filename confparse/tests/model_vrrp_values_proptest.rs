//! The value readers of `model::values` on arbitrary text: they never panic, accept exactly
//! what keepalived's readers accept for well-formed numbers, and report once when they reject.

use keepalive_confparse::diag::Diagnostics;
use keepalive_confparse::model::values::{
    parse_decimal, parse_int, parse_ip, parse_prefix, parse_timer, parse_uint, true_false, Micros,
};
use keepalive_confparse::token::{Loc, Token};
use proptest::prelude::*;

fn tok(s: &str) -> Token {
    Token::new(s, Loc::new("p".into(), 1, 1))
}

proptest! {
    #[test]
    fn readers_never_panic_and_report_once(s in "\\PC{0,24}") {
        let t = tok(&s);
        let mut d = Diagnostics::new();
        let ok = [
            parse_uint(&t, 0, 1000, &mut d).is_some(),
            parse_int(&t, -1000, 1000, &mut d).is_some(),
            parse_decimal(&t, 0, u64::MAX, 6, &mut d).is_some(),
            parse_ip(&t, &mut d).is_some(),
            parse_prefix(&t, &mut d).is_some(),
        ];
        let rejected = ok.iter().filter(|x| !**x).count();
        prop_assert_eq!(d.error_count(), rejected);
        let _ = true_false(&s);
    }

    #[test]
    fn unsigned_in_range_round_trips(n in 0u64..=u64::from(u32::MAX), lo in 0u64..1000) {
        let mut d = Diagnostics::new();
        let got = parse_uint(&tok(&n.to_string()), lo, u64::from(u32::MAX), &mut d);
        prop_assert_eq!(got, (n >= lo).then_some(n));
    }

    #[test]
    fn signed_in_range_round_trips(n in -254i64..=254) {
        let mut d = Diagnostics::new();
        prop_assert_eq!(parse_int(&tok(&n.to_string()), -254, 254, &mut d), Some(n));
    }

    #[test]
    fn timers_are_exact_microseconds(secs in 0u64..100_000, frac in 0u64..1_000_000, places in 1usize..=6) {
        // `places` decimals of `frac`, e.g. secs=3 frac=312000 places=3 -> "3.312".
        let scaled = frac / 10u64.pow(6 - places as u32);
        let text = format!("{secs}.{scaled:0places$}");
        let mut d = Diagnostics::new();
        let want = secs * 1_000_000 + scaled * 10u64.pow(6 - places as u32);
        prop_assert_eq!(parse_timer(&tok(&text), Micros(0), Micros(u64::MAX), &mut d), Some(Micros(want)));
    }
}
