//! The hex dump keepalived prints in verbose mode (`dump_buffer()` in lib/utils.c).
//!
//! Layout of one line, for each group of 16 bytes: the offset as a 4-digit *decimal* number
//! (keepalived formats it with `%.4zu`, so offsets read 0000, 0016, 0032 …), then each byte as
//! `%3.2x`, a ` -` after the eighth byte, three spaces and the printable ASCII (others as `.`).
//! A short last line is padded with blanks so every line has the same width and ends in `\n`.

use std::io::{self, Write};

/// Writes `data` in keepalived's dump format; nothing at all for an empty slice.
pub fn dump_buffer(out: &mut dyn Write, data: &[u8]) -> io::Result<()> {
    for (line_no, line) in data.chunks(16).enumerate() {
        let offset = (line_no * 16) & 0xffff;
        let mut text = format!("{offset:04} ");
        for i in 0..16 {
            match line.get(i) {
                Some(b) => text.push_str(&format!(" {b:02x}")),
                None => text.push_str("   "),
            }
            if i == 7 {
                text.push_str(" -");
            }
        }
        text.push_str("   ");
        for i in 0..16 {
            text.push(match line.get(i) {
                Some(&b) if (0x20..=0x7e).contains(&b) => char::from(b),
                Some(_) => '.',
                None => ' ',
            });
        }
        text.push('\n');
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(data: &[u8]) -> String {
        let mut v = Vec::new();
        dump_buffer(&mut v, data).unwrap();
        String::from_utf8(v).unwrap()
    }

    /// Lines captured from Debian's keepalived 2.2.7 `genhash -v` against python's http.server.
    #[test]
    fn matches_keepalived_capture() {
        assert_eq!(
            dump(b"hello world\n"),
            "0000  68 65 6c 6c 6f 20 77 6f - 72 6c 64 0a               hello world.    \n"
        );
        assert_eq!(
            dump(b"HTTP/1.0 200 OK\r\n\x53erver: SimpleH"),
            "0000  48 54 54 50 2f 31 2e 30 - 20 32 30 30 20 4f 4b 0d   HTTP/1.0 200 OK.\n\
             0016  0a 53 65 72 76 65 72 3a - 20 53 69 6d 70 6c 65 48   .Server: SimpleH\n"
        );
        assert_eq!(
            dump(b"35 GMT\r\n\r\n"),
            "0000  33 35 20 47 4d 54 0d 0a - 0d 0a                     35 GMT....      \n"
        );
    }

    #[test]
    fn empty_prints_nothing_and_exact_eight_has_dash() {
        assert_eq!(dump(b""), "");
        assert_eq!(
            dump(b"abcdefgh"),
            "0000  61 62 63 64 65 66 67 68 -                           abcdefgh        \n"
        );
    }
}
