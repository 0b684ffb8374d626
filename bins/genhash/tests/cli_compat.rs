//! The command line against keepalived's genhash: same complaints, same usage text (plus
//! our two extension lines), same exit status.

mod common;

use common::*;

const EXTENSION_LINES: &str = "   --hash            -H       Use the specified hash: md5 (default), sha1, sha256.\n   --release         -r       Display the release number and exit.\n";

#[test]
fn bad_command_lines_match_keepalived() {
    let cases: &[&[&str]] = &[
        &[],
        &["-h"],
        &["--help"],
        &["-v"],
        &["-s", "127.0.0.1", "-p"],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "-t"],
        &["-x", "-y"],
        &["--bogus", "-s", "127.0.0.1", "-p", "80", "-u", "/"],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "-h"],
        &["-s", "127.0.0.1", "-p", "80x", "-u", "/"],
        &["-s", "127.0.0.1", "-p", "0", "-u", "/"],
        &["-s", "127.0.0.1", "-p", "65536", "-u", "/"],
        &["-s", "localhost", "-p", "80", "-u", "/"],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "-P", "2"],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "-t", "x"],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "-t", ""],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "-m", "x"],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "--use"],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "--verbose=1"],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "extra", "more"],
        &["-s", "127.0.0.1", "-p", "80", "-u", "/", "--", "-v"],
        &["-s", "127.0.0.1", "-p", "80"],
        &["--bogus", "-s", "1"],
    ];
    for args in cases {
        let theirs = run_keepalived(args);
        let mine = run_ours(args);
        assert_eq!(mine.code, Some(1), "{args:?}");
        assert_eq!(mine.code, theirs.code, "{args:?}");
        assert_eq!(mine.stdout, theirs.stdout, "{args:?}");
        assert_eq!(
            mine.stderr,
            format!("{}{EXTENSION_LINES}", theirs.stderr),
            "{args:?}"
        );
    }
}

#[test]
fn release_prints_version() {
    let run = run_ours(&["-r"]);
    assert_eq!(run.code, Some(0));
    assert!(run.stdout.starts_with("genhash v"), "{}", run.stdout);
}
