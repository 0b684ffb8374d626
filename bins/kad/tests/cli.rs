//! kad's command line, run as a program: exit codes and output streams as keepalived's.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

fn kad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kad"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run kad")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("kad exited by a signal")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const CLEAN: &str = "tests/conf/corpus/v01-minimal-global.conf";
const UNBALANCED: &str = "tests/conf/corpus/x02-unbalanced-close.conf";

#[test]
fn help_lists_keepalived_options_and_exits_0() {
    let o = kad(&["-h"]);
    assert_eq!(code(&o), 0);
    let s = stdout(&o);
    for opt in [
        "--use-file",
        "--vrrp",
        "--check",
        "--no_bfd",
        "--log-console",
        "--dump-conf",
        "--config-test",
        "--config-id",
        "--signum",
        "--vrrp_pid",
        "--checkers_pid",
        "--bfd_pid",
    ] {
        assert!(s.contains(opt), "help lacks {opt}:\n{s}");
    }
}

#[test]
fn unknown_option_exits_1() {
    let o = kad(&["--no-such-option"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("no-such-option"), "{}", stderr(&o));
    let o = kad(&["-f"]);
    assert_eq!(code(&o), 1);
}

#[test]
fn version_exits_0_on_stderr() {
    let o = kad(&["-v"]);
    assert_eq!(code(&o), 0);
    assert!(stderr(&o).contains("kad v"));
}

#[test]
fn signum_prints_keepalived_numbers() {
    let o = kad(&["--signum=RELOAD"]);
    assert_eq!((code(&o), stdout(&o).trim()), (0, "1"));
    let o = kad(&["--signum=STOP"]);
    assert_eq!(stdout(&o).trim(), "15");
    let o = kad(&["--signum=NOPE"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("Unknown sigfunc NOPE"));
}

#[test]
fn daemon_with_missing_config_exits_6_like_keepalived() {
    let o = kad(&["-n", "-l", "-f", "/nonexistent/kad-test.conf"]);
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Config files missing '/nonexistent/kad-test.conf'."),
        "{}",
        stderr(&o)
    );
}

#[test]
fn config_test_of_clean_file_exits_0_silently() {
    let o = kad(&["-t", "-f", CLEAN]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}

#[test]
fn config_test_error_exits_5_with_file_line_col() {
    let o = kad(&["-t", "-f", UNBALANCED]);
    assert_eq!(code(&o), 5, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{UNBALANCED}:")) && err.contains(": error: "),
        "{err}"
    );
}

#[test]
fn config_test_of_missing_file_exits_4() {
    let o = kad(&["-t", "-f", "tests/conf/no-such-file.conf"]);
    assert_eq!(code(&o), 4);
    assert!(stderr(&o).contains("no-such-file.conf"));
}

#[test]
fn config_test_log_file_gets_the_diagnostics() {
    let log = std::env::temp_dir().join(format!("kad-cli-test-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let arg = format!("--config-test={}", log.display());
    let o = kad(&[&arg, "-f", UNBALANCED]);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    assert_eq!(code(&o), 5);
    assert!(text.contains(": error: "), "log: {text}");
    assert!(!stderr(&o).contains(": error: "));
}

#[test]
fn dump_conf_text_and_json() {
    let o = kad(&["-t", "-d", "-f", CLEAN]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("global_defs"), "{}", stdout(&o));
    let o = kad(&["-t", "--dump-conf=json", "-f", CLEAN]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON dump");
    assert!(v.is_object());
}

#[test]
fn dump_conf_never_crashes_on_the_corpus() {
    let dir = root().join("tests/conf/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("corpus")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for f in files {
        let f = f.to_string_lossy().into_owned();
        for form in ["-d", "--dump-conf=json"] {
            let o = kad(&["-t", form, "-f", &f]);
            let c = o.status.code();
            assert!(
                matches!(c, Some(0 | 4 | 5 | 6)),
                "kad {form} -f {f} ended with {:?}:\n{}",
                o.status,
                stderr(&o)
            );
            if form != "-d" {
                serde_json::from_slice::<serde_json::Value>(&o.stdout)
                    .unwrap_or_else(|e| panic!("{f}: JSON dump does not parse: {e}"));
            }
        }
    }
}

/// A configuration in the system's temporary directory, removed on drop.
struct TempConf(PathBuf);

impl TempConf {
    fn new(tag: &str, text: &str) -> TempConf {
        let p = std::env::temp_dir().join(format!("kad-cli-{tag}-{}.conf", std::process::id()));
        std::fs::write(&p, text).expect("write config");
        TempConf(p)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for TempConf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn missing_include_under_e_exits_6_like_keepalived() {
    let conf = TempConf::new(
        "include",
        "include /nonexistent/kad-cli-missing.conf\nglobal_defs {\n router_id a\n}\n",
    );
    let o = kad(&["-t", "-e", "-f", conf.path()]);
    assert_eq!(code(&o), 6, "{}", stderr(&o));
    // An absolute path: no hint about where relative ones are resolved.
    assert!(!stderr(&o).contains("relative include"), "{}", stderr(&o));
    let o = kad(&["-t", "-f", conf.path()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn namespace_that_cannot_be_joined_is_a_warning_not_an_error() {
    // keepalived's -t ignores a namespace it cannot join (exit 0); kad says so.
    let conf = TempConf::new(
        "netns",
        "vrrp_instance VI_1 {\n interface kadcli-none0\n virtual_router_id 1\n priority 100\n \
         virtual_ipaddress {\n  192.0.2.1/24\n }\n}\n",
    );
    let o = kad(&["-t", "-s", "kad-cli-no-such-ns", "-f", conf.path()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("interfaces not checked"),
        "{}",
        stderr(&o)
    );
}
