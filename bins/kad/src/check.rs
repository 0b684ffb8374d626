//! `-t`/`--config-test`: read the configuration, report every problem, exit as keepalived does.
//!
//! keepalived's `config_test_exit()` (core/main.c) maps the worst problem to an exit code:
//! 0 when clean, 4 (`KEEPALIVED_CHK_EXIT_CONFIG`) when the configuration cannot be run at all,
//! 5 (`KEEPALIVED_CHK_EXIT_CONFIG_TEST`) for any other configuration error. Warnings only log.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::Path;

use keepalive_confparse::diag::{Diagnostic, Diagnostics, Severity};

/// `KEEPALIVED_CHK_EXIT_OK`.
pub const EXIT_OK: i32 = 0;
/// `KEEPALIVED_CHK_EXIT_CONFIG`: the file is missing or unreadable, nothing could be checked.
pub const EXIT_CONFIG: i32 = 4;
/// `KEEPALIVED_CHK_EXIT_CONFIG_TEST`: the configuration has errors.
pub const EXIT_CONFIG_TEST: i32 = 5;
/// `KEEPALIVED_CHK_EXIT_CONFIG_TEST_SECURITY`: scripts would run without
/// `enable_script_security`, or an include that must exist does not. keepalived keeps the numerically highest problem class, so this
/// wins over other errors.
pub const EXIT_CONFIG_TEST_SECURITY: i32 = 6;

/// Write each distinct diagnostic once, in the order first found, followed by a summary line
/// when there was anything to say. Returns the number of errors written.
///
/// The same problem can be reported more than once when an included file or a `~SEQ` line is
/// expanded several times into the same place; an operator wants to read it once.
pub fn report(diags: &Diagnostics, out: &mut dyn Write) -> io::Result<(usize, usize)> {
    let mut seen: HashSet<String> = HashSet::new();
    let (mut errors, mut warnings) = (0, 0);
    for d in diags.iter() {
        // Keyed on the rendered text: severity, place, message and hint all count.
        let text = d.to_string();
        if !seen.insert(text.clone()) {
            continue;
        }
        match d.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
        }
        writeln!(out, "{text}")?;
    }
    if errors + warnings > 0 {
        writeln!(
            out,
            "{errors} error{}, {warnings} warning{}",
            plural(errors),
            plural(warnings)
        )?;
    }
    Ok((errors, warnings))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The errors keepalived's `file_config_error()` raises, which make it refuse to start
/// (`had_config_file_error()`): a required configuration or include file that is missing,
/// unreadable or not a regular file. confparse reports them as errors with these messages.
pub fn is_file_error(d: &Diagnostic) -> bool {
    let m = d.message.as_str();
    m.starts_with("include file '")
        || m.starts_with("configuration file '")
        || m.starts_with("some files of include '")
        || m.starts_with("no file matches include pattern '")
        || m.starts_with("cannot read '")
}

/// The exit code for a checked configuration. A missing or unreadable include (enabled by `-e`
/// or `include_check`) ends keepalived's check with 6, as a security violation does.
pub fn exit_code(diags: &Diagnostics, security_violation: bool) -> i32 {
    let file_error = diags
        .iter()
        .any(|d| d.severity == Severity::Error && is_file_error(d));
    if security_violation || file_error {
        EXIT_CONFIG_TEST_SECURITY
    } else if diags.has_errors() {
        EXIT_CONFIG_TEST
    } else {
        EXIT_OK
    }
}

/// Open `-tFILE`'s log the way keepalived does: append, create with mode 0644, never follow a
/// symlink (`O_NOFOLLOW`), so a config test run as root cannot be pointed at another file.
pub fn open_log(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keepalive_confparse::token::Loc;

    #[test]
    fn identical_diagnostics_print_once() {
        let loc = Loc::new("k.conf".into(), 2, 3);
        let mut d = Diagnostics::new();
        d.error(&loc, "bad thing");
        d.error(&loc, "bad thing");
        d.warning(&loc, "odd thing");
        let mut out = Vec::new();
        let (e, w) = report(&d, &mut out).unwrap();
        assert_eq!((e, w), (1, 1));
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "k.conf:2:3: error: bad thing\nk.conf:2:3: warning: odd thing\n1 error, 1 warning\n"
        );
        assert_eq!(exit_code(&d, false), EXIT_CONFIG_TEST);
        assert_eq!(exit_code(&d, true), EXIT_CONFIG_TEST_SECURITY);
    }

    #[test]
    fn clean_config_prints_nothing() {
        let d = Diagnostics::new();
        let mut out = Vec::new();
        assert_eq!(report(&d, &mut out).unwrap(), (0, 0));
        assert!(out.is_empty());
        assert_eq!(exit_code(&d, false), EXIT_OK);
    }
}
