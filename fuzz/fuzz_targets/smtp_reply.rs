//! Any byte stream an SMTP server could send, read by `ReplyReader` (SMTP_CHECK and kad's
//! alert mailer) as it arrives in reads cut at each 0xff byte. Must never panic; while no line
//! is too long, the replies must not depend on how the stream was cut.
#![no_main]

use keepalive_checkers::proto::ReplyReader;
use libfuzzer_sys::fuzz_target;

/// kad's smtp_alert bound (keepalived's reply buffer).
const MAX_LINE: usize = 1024;

/// The replies' keepalived codes, and whether a line was too long.
fn read(chunks: &[&[u8]]) -> (Vec<(i32, Option<u16>)>, bool) {
    let mut r = ReplyReader::new(MAX_LINE);
    let mut out = Vec::new();
    let mut overflow = false;
    for c in chunks {
        r.push(c);
        while let Some(reply) = r.next_reply() {
            match reply {
                Ok(reply) => {
                    let code = reply.code();
                    if let Some(c) = code {
                        assert!(c <= 999);
                        assert_eq!(i32::from(c), reply.keepalived_code());
                    }
                    out.push((reply.keepalived_code(), code));
                }
                Err(_) => overflow = true,
            }
        }
        assert!(r.buffered() <= MAX_LINE + 1 + c.len());
    }
    (out, overflow)
}

fuzz_target!(|data: &[u8]| {
    let chunks: Vec<&[u8]> = data.split(|b| *b == 0xff).collect();
    let (cut, cut_overflow) = read(&chunks);
    let whole: Vec<u8> = chunks.concat();
    let (one, one_overflow) = read(&[&whole]);
    if !cut_overflow && !one_overflow {
        assert_eq!(cut, one);
    }
});
