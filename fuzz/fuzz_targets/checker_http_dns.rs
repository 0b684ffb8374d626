//! Fuzzes the checkers' response parsers: HTTP (header, digest, regex window), DNS replies and
//! SMTP dialogue, driven through the public probe and checker APIs. Arbitrary bytes must never
//! panic, and every attempt must end in a verdict or keep waiting.
#![no_main]

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use keepalive_checkers::proto::{DnsProbe, HttpProbe, Step};
use keepalive_checkers::{
    Checker, CheckerConfig, CheckerKind, DnsConfig, DnsType, HttpConfig, IoEvent, SmtpConfig,
    StatusRange, Target, Timing, UrlConfig,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let target = Target::new(Ipv4Addr::new(192, 0, 2, 1).into(), 80);
    // Split the input into chunks at 0xff bytes, to vary how the stream is segmented.
    let chunks: Vec<&[u8]> = rest.split(|b| *b == 0xff).collect();
    match sel % 3 {
        0 => {
            let url = UrlConfig {
                path: "/".into(),
                digest: Some("0123456789abcdef0123456789abcdef".into()),
                status_codes: vec![StatusRange { min: 100, max: 599 }],
                regex: Some("[a-z]+[0-9]".into()),
                regex_min_offset: Some(u64::from(sel >> 4)),
                regex_max_offset: Some(64),
                ..UrlConfig::default()
            };
            let cfg = HttpConfig {
                urls: vec![url],
                ..HttpConfig::default()
            };
            let mut p = HttpProbe::new(cfg, &target).expect("valid config");
            for c in &chunks {
                if p.feed_response(c) != Step::Pending {
                    return;
                }
            }
            let _ = p.feed_eof();
        }
        1 => {
            let p = DnsProbe::new(DnsConfig {
                qtype: DnsType::Mx,
                name: "example.com".into(),
                require_answer: true,
            })
            .expect("valid config");
            let _ = p.check_reply(rest);
        }
        _ => {
            let now = Instant::now();
            let timing = Timing {
                warmup: Duration::ZERO,
                ..Timing::default()
            };
            let mut c = Checker::new(
                CheckerConfig::new(
                    CheckerKind::Smtp(Box::new(SmtpConfig::default())),
                    target,
                    timing,
                ),
                now,
                1,
            )
            .expect("valid config");
            c.handle_timeout(now);
            c.handle_event(now, IoEvent::Connected);
            for chunk in &chunks {
                c.handle_event(now, IoEvent::Data(chunk));
                while c.poll_action().is_some() {}
                if c.poll_result().is_some() {
                    return;
                }
            }
        }
    }
});
