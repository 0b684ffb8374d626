//! How a test says it cannot run on this machine (no root, a missing program or sample).
//!
//! A test that returns early passes, and libtest hides what it printed, so a missing tool
//! would make a green run that tested nothing. Every such test calls [`skip`] instead:
//!
//! - under `CI=true` it panics with the reason: CI never passes a test that did not run;
//! - otherwise it writes `SKIP <binary>::<test>: <why>` straight to the process's stderr
//!   (libtest captures only the print macros, so the line shows even when the test passes)
//!   and appends the same line to the file `$KAD_SKIP_LOG` names (under `CI=true` too),
//!   which `scripts/test.sh` counts and lists after the tests stage and at the end of the run.
//!
//! ```ignore
//! if !kad_skip::root() {
//!     return;
//! }
//! let Some(tshark) = kad_skip::program("tshark", "Debian's tshark") else {
//!     return;
//! };
//! ```
#![forbid(unsafe_code)]

use std::fmt::Display;
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The variable naming the file every skip is appended to.
pub const LOG_ENV: &str = "KAD_SKIP_LOG";

/// The variable overriding where the shared conformance material lives
/// (default: `../shared` beside the repository).
pub const SHARED_ENV: &str = "KAD_SHARED_DIR";

/// Whether this run is CI's (`CI=true`), where a test that cannot run fails.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The running test cannot run here because of `why`: panics under `CI=true`, else reports
/// the skip. The caller returns right after, or does the part it still can.
#[track_caller]
pub fn skip(why: impl Display) {
    let line = format!("SKIP {}: {why}", test_name());
    // Logged under CI too, so the run's count names the tests that failed this way.
    log(&line);
    assert!(!in_ci(), "CI=true and this test cannot run: {line}");
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Appends `line` to the file `$KAD_SKIP_LOG` names, if any.
fn log(line: &str) {
    if let Some(log) = std::env::var_os(LOG_ENV) {
        // One write with O_APPEND: lines from tests running in parallel do not interleave.
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = f.write_all(format!("{line}\n").as_bytes());
        }
    }
}

/// `binary::test`: libtest runs each test on a thread named after it.
fn test_name() -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.file_stem()?.to_string_lossy().into_owned()))
        .map(|s| {
            s.rsplit_once('-')
                .map_or(s.clone(), |(name, _hash)| name.to_owned())
        })
        .unwrap_or_default();
    let thread = std::thread::current();
    format!("{binary}::{}", thread.name().unwrap_or("?"))
}

/// Whether the effective user is root (`/proc/self` belongs to it); skips when not.
#[track_caller]
pub fn root() -> bool {
    let ok = is_root();
    if !ok {
        skip("needs root");
    }
    ok
}

/// Whether the effective user is root, without skipping.
pub fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Where `name` is: the first match on `PATH`, then the sbin directories a non-root `PATH`
/// often lacks. `None` when it is nowhere, without skipping.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.mode() & 0o111 != 0)
}

/// [`find_program`], skipping the test when `name` is missing; `package` says what installs it.
#[track_caller]
pub fn program(name: &str, package: &str) -> Option<PathBuf> {
    let found = find_program(name);
    if found.is_none() {
        skip(format!("{name} not installed ({package})"));
    }
    found
}

/// keepalived (Debian's keepalived 2.2.7, the reference), looked up as [`program`] does.
#[track_caller]
pub fn keepalived() -> Option<PathBuf> {
    program("keepalived", "Debian's keepalived")
}

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared conformance material (`$KAD_SHARED_DIR`, else `../shared` beside the
/// repository), without skipping.
pub fn find_shared() -> Option<PathBuf> {
    let dir =
        std::env::var_os(SHARED_ENV).map_or_else(|| repo_root().join("../shared"), PathBuf::from);
    dir.is_dir().then_some(dir)
}

/// `rel` under the shared conformance material (e.g. `conformance/keepalived-samples`),
/// skipping the test when it is missing.
#[track_caller]
pub fn shared(rel: &str) -> Option<PathBuf> {
    let found = find_shared().map(|d| d.join(rel)).filter(|p| p.exists());
    if found.is_none() {
        skip(format!(
            "the shared {rel} is missing (set {SHARED_ENV} to the directory holding it)"
        ));
    }
    found
}
