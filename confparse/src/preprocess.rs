//! The text layer of `keepalived.conf(5)`, read exactly as keepalived 2.2.7's `lib/parser.c`
//! reads it, producing logical [`Line`]s of [`Token`]s that remember `file:line:col`.
//!
//! # What happens to each physical line, in order
//!
//! 1. **Reading** (`fgets` into a 1024-byte buffer): a line longer than 1023 bytes is read as
//!    two lines (kad warns). Bytes after a NUL are ignored.
//! 2. **Comments** (`decomment`): leading/trailing blanks go; `#` or `!` outside `"..."`
//!    starts a comment (`'` does not protect); `\#` and `\!` outside quotes are a literal `#`
//!    and `!`; an unterminated `"` is an error.
//! 3. **Multi-line definitions**: after `$NAME=... \`, following lines (raw, unprocessed) are
//!    appended up to the first line not ending in `\` or the first empty line.
//! 4. **Conditionals**: `@ID rest` keeps `rest` only when ID is the config-id; `@^ID rest` only
//!    when it is not. `@ID` alone on a line drops the line.
//! 5. **Definitions**: `$NAME=value` (no blank before `=`) defines a parameter; the value is
//!    stored raw and substituted at use time.
//! 6. **Loops**: a line starting `~SEQ(`, `~SEQx(` or `~LST(` repeats the rest of the line
//!    (see the `seq` module); a line starting with any other `~` is taken literally.
//! 7. **Substitution**: `$NAME` (followed by blank, `,`, `)` or end of line) and `${NAME}` are
//!    replaced, recursively, rescanning the replaced text; undefined names stay as they are.
//!    A multi-line parameter is only recognised at the very end of a line; its first line
//!    replaces the reference and its other lines are read next. After substitution the line
//!    is de-commented again (so `${_HASH}` starts a comment unless inside `"..."`) and steps
//!    4–7 repeat while a `$` remains and something changed.
//! 8. **Includes**: a line `include PATTERN` (or `includer`/`includem`/`includew`/
//!    `includeb`/`includea`) is replaced by the matching files, after steps 4–7, as
//!    keepalived's parent process reads it, so `@id include x` and `include $DIR/x` include
//!    the file once. keepalived's child processes, which re-read a copy of the configuration
//!    with included files inlined, include such a file a second time; kad warns about it.
//! 9. **Braces**: the line is cut before its first `{` or `}` outside `"..."`, and after a
//!    leading brace, so every brace ends up alone on its own line; the cut-off rest is read
//!    next as a new line (steps 4–9 apply to it).
//! 10. **Words** (`alloc_strvec`): split at white space; `"..."` is one word, quotes removed,
//!     no escapes. Escapes and `'` quotes only matter for script command lines, which the
//!     typed model re-splits with [`split_quoted_escaped`] over [`raw_text`].
//!
//! # Includes and `include_check`
//!
//! Patterns are expanded like glibc `glob()` with `GLOB_BRACE | GLOB_MARK` (see the `glob`
//! module), relative to the directory of the file containing the include. Whether a problem
//! is an error or only a warning follows keepalived's `file_config_error()`: the check must be
//! enabled by the include variant (`includer` = read, `includem` = +match, `includew` =
//! +wildcard_match, `includeb` = brace_match, `includea` = all) or by the current
//! `include_check`:
//!
//! | problem | check |
//! |---|---|
//! | a literal name, or a directory in the pattern, does not exist | match (brace_match if the pattern has `{`) |
//! | a wildcard matched nothing | wildcard_match |
//! | some brace alternatives are missing (the include is then skipped when brace_match is on) | brace_match |
//! | a match is a directory, not a regular non-executable file, or unreadable | read |
//!
//! `include_check` is the `global_defs` keyword; the preprocessor applies it when it reads the
//! line (the typed model only records it). Its value is saved when a file is opened and
//! restored when the file ends, so an included file cannot change it for its includer.
//! [`Options::include_check_all`] is keepalived's `-e`.
//!
//! # Deliberate differences from keepalived 2.2.7
//!
//! - `${_RANDOM MIN MAX}` is substituted as documented; keepalived 2.2.7 corrupts the rest of
//!   such a line (its in-place move stops at the `}`).
//! - A line whose substitution yields `@ID rest` (`$IF_MAIN=@main` then `$IF_MAIN priority
//!   240`) is handled as documented; keepalived 2.2.7 uses the line's pre-substitution length
//!   there and leaves `@ID` in place (or corrupts the line) when substitution made it longer.
//! - `\#` and `\!` are a literal `#` and `!` as documented. (keepalived's child processes
//!   re-read the parent's de-commented copy of the file, where the backslash is gone, so in
//!   the running daemon they start a comment after all.)
//! - Limits where keepalived would loop or exhaust memory, each an error: parameter recursion
//!   deeper than [`PARAM_RECURSION_LIMIT`], expansions (`~SEQ`/`~LST`, multi-line parameters,
//!   substituted text cut at braces and read again) beyond [`Options::max_expanded_lines`]
//!   lines or [`Options::max_expanded_bytes`] bytes, include nesting deeper than
//!   [`MAX_INCLUDE_DEPTH`], a file including itself, brace patterns with more than 4096
//!   alternatives. A substitution that would overflow the line, and a reached expansion
//!   limit, are reported once per place, not once per copy.
//! - `random_seed` in `global_defs` has no effect in keepalived (it is reset before the file is
//!   read); kad seeds `${_RANDOM}` from [`Options::random_seed`] or, without one, the clock.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use crate::diag::{Diagnostic, Diagnostics, Severity};
use crate::token::{Line, Token};

mod glob;
mod lbuf;
mod params;
mod seq;
mod text;

pub use text::{raw_text, split_quoted_escaped, QuoteError};

use lbuf::{is_blank, LBuf, Pos};
use params::{Builtin, Defs, Rng};
use seq::{Seq, SeqError, SeqKind};

/// How `$PARAM` substitutions may nest before kad reports a recursion.
pub const PARAM_RECURSION_LIMIT: u16 = 32;
/// How deeply `include`s may nest.
pub const MAX_INCLUDE_DEPTH: usize = 32;
/// keepalived's line buffer (`MAXBUF`): lines are read, and substituted, within this size.
const MAXBUF: usize = 1024;
/// [`Options::max_expanded_bytes`] by default.
pub const DEFAULT_MAX_EXPANDED_BYTES: usize = 64 << 20;
/// Files larger than this are refused.
const MAX_FILE_SIZE: u64 = 64 << 20;

/// `include_check` bits (keepalived's `include_t`).
const INCLUDE_R: u8 = 0x01;
const INCLUDE_M: u8 = 0x02;
const INCLUDE_W: u8 = 0x04;
const INCLUDE_B: u8 = 0x08;
const INCLUDE_ALL: u8 = INCLUDE_R | INCLUDE_M | INCLUDE_W | INCLUDE_B;

/// How the preprocessor is run: what the keepalived command line would say.
#[derive(Clone, Debug)]
pub struct Options {
    /// The config-id matched by `@ID` lines and returned by `${_INSTANCE}` (`-i`). Default: the
    /// node name up to its first `.`, as keepalived.
    pub config_id: Option<String>,
    /// Seed for `${_RANDOM}`; `None` seeds from the clock like keepalived.
    pub random_seed: Option<u64>,
    /// `-e` / `--all-config`: start with every `include_check` check enabled.
    pub include_check_all: bool,
    /// Most lines that expansion may produce in total: `~SEQ`/`~LST` iterations, lines of
    /// multi-line parameters, and pieces of substituted text cut off at a brace. The man
    /// page's 65,024-instance example needs about 1.3 million.
    pub max_expanded_lines: usize,
    /// Most bytes that expansion may produce in total: the lines of `~SEQ`/`~LST` iterations
    /// and multi-line parameters, and the text each `$PARAM` substitution inserts (at least
    /// one byte each, so that empty values cannot make unbounded work either). Lines are at
    /// most `MAXBUF` (1024) bytes, so the line limit alone would still allow two gigabytes of
    /// text, and many times that once split into tokens. The man page's 65,024-instance
    /// example needs about 26 MB.
    pub max_expanded_bytes: usize,
    /// Follow `include` lines. When false (text from an untrusted source, fuzzing) an include
    /// line is reported as an error and skipped, and the file system is never touched.
    pub read_includes: bool,
    /// Keywords whose every place, at any depth, the loader reports in
    /// [`Loaded::keyword_places`](crate::load::Loaded::keyword_places). A daemon lists here what it parses but does not act
    /// on, so that it can name each place in a warning (DESIGN.md, "never silent").
    pub report_keywords: Vec<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config_id: None,
            random_seed: None,
            include_check_all: false,
            max_expanded_lines: 2_000_000,
            max_expanded_bytes: DEFAULT_MAX_EXPANDED_BYTES,
            read_includes: true,
            report_keywords: Vec::new(),
        }
    }
}

/// The node name up to its first `.` (keepalived's default config-id).
pub fn default_config_id() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let name = name.trim();
    name.split('.').next().unwrap_or("").to_owned()
}

/// Read the configuration file at `path` (itself a glob pattern, as for keepalived's `-f`)
/// and everything it includes.
pub fn read_file(path: &Path, opts: &Options, diags: &mut Diagnostics) -> Vec<Line> {
    let mut out = Vec::new();
    for_each_line_file(path, opts, diags, &mut |line, _| out.push(line));
    out
}

/// [`read_file`], handing each logical line to `sink` as soon as it is read, so a caller can
/// consume a configuration of any size without holding all its lines. `sink` gets the
/// diagnostics sink too, to report in order.
pub fn for_each_line_file(
    path: &Path,
    opts: &Options,
    diags: &mut Diagnostics,
    sink: &mut dyn FnMut(Line, &mut Diagnostics),
) {
    use std::os::unix::ffi::OsStrExt;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut r = Reader::new(opts, diags, cwd, sink);
    if !r.open_glob_file(
        path.as_os_str().as_bytes(),
        INCLUDE_R | INCLUDE_M | INCLUDE_W,
        None,
    ) {
        let msg = format!("cannot read configuration file '{}'", path.display());
        if !r.diags.has_errors() {
            r.diags.push(Diagnostic {
                severity: Severity::Error,
                loc: None,
                message: msg,
                hint: None,
            });
        }
        return;
    }
    r.run();
}

/// Read configuration text held in memory, named `name` in locations. Includes are resolved
/// from the current directory.
pub fn read_str(name: &str, text: &str, opts: &Options, diags: &mut Diagnostics) -> Vec<Line> {
    let mut out = Vec::new();
    for_each_line_str(name, text, opts, diags, &mut |line, _| out.push(line));
    out
}

/// [`read_str`], handing each logical line to `sink` as it is read (see
/// [`for_each_line_file`]).
pub fn for_each_line_str(
    name: &str,
    text: &str,
    opts: &Options,
    diags: &mut Diagnostics,
    sink: &mut dyn FnMut(Line, &mut Diagnostics),
) {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let mut r = Reader::new(opts, diags, cwd, sink);
    let file = r.add_file(name);
    let sav = r.include_check;
    r.stack.push(IncFile {
        matches: Vec::new(),
        next: 0,
        include_type: INCLUDE_R | INCLUDE_M | INCLUDE_W,
        sav_include_check: sav,
        cur: Some(Source::new(file, text.as_bytes().to_vec())),
        saved_cwd: None,
        canon: None,
        at: None,
    });
    r.run();
}

/// An open file being read line by line.
#[derive(Debug)]
struct Source {
    file: u32,
    data: Vec<u8>,
    off: usize,
    line: u32,
    col: u32,
}

impl Source {
    fn new(file: u32, data: Vec<u8>) -> Self {
        Source {
            file,
            data,
            off: 0,
            line: 1,
            col: 1,
        }
    }

    /// `fgets(buf, 1024)`: the next line or 1023-byte piece of one. Returns the bytes (end of
    /// line removed, cut at a NUL), their line and first column, and whether the physical
    /// line was too long and continues in the next piece.
    fn fgets(&mut self) -> Option<(Vec<u8>, u32, u32, bool)> {
        if self.off >= self.data.len() {
            return None;
        }
        let rest = &self.data[self.off..];
        let window = &rest[..rest.len().min(MAXBUF - 1)];
        let (mut chunk, line, col, split) = match window.iter().position(|&c| c == b'\n') {
            Some(k) => {
                let c = window[..k].to_vec();
                self.off += k + 1;
                let r = (c, self.line, self.col, false);
                self.line += 1;
                self.col = 1;
                r
            }
            None => {
                let c = window.to_vec();
                self.off += c.len();
                let more = self.off < self.data.len() && self.data[self.off] != b'\n';
                let r = (c, self.line, self.col, more);
                let chars = r.0.iter().filter(|&&b| b & 0xc0 != 0x80).count() as u32;
                self.col = self.col.saturating_add(chars);
                r
            }
        };
        if let Some(z) = chunk.iter().position(|&c| c == 0) {
            chunk.truncate(z);
        }
        while chunk.last().is_some_and(|&c| c == b'\n' || c == b'\r') {
            chunk.pop();
        }
        Some((chunk, line, col, split))
    }
}

/// One entry of the include stack: a glob pattern and the file of its matches being read.
#[derive(Debug)]
struct IncFile {
    matches: Vec<Vec<u8>>,
    next: usize,
    include_type: u8,
    sav_include_check: u8,
    cur: Option<Source>,
    /// The directory to go back to when the current file ends.
    saved_cwd: Option<PathBuf>,
    /// The canonical path of the current file, to detect cycles.
    canon: Option<PathBuf>,
    /// The include line, for diagnostics.
    at: Option<Pos>,
}

/// A multi-line parameter being read out line by line.
#[derive(Clone, Debug)]
struct Multi {
    text: Rc<Vec<u8>>,
    off: usize,
    pos: Pos,
}

/// What a substitution pass did.
#[derive(Debug, PartialEq, Eq)]
enum Replaced {
    Nothing,
    Changed,
    /// A limit was hit and reported; drop the line.
    Drop,
}

/// Problems reported once per place (see `Reader::reported`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Once {
    /// A substitution would make the line longer than `MAXBUF`.
    Overflow,
    /// An expansion limit of [`Options`] was reached.
    TooLarge,
}

/// keepalived's `read_line()` state, with the include stack and parameter tables.
struct Reader<'a> {
    opts: &'a Options,
    diags: &'a mut Diagnostics,
    files: Vec<Arc<str>>,
    stack: Vec<IncFile>,
    cwd: PathBuf,
    include_check: u8,
    residue: Option<LBuf>,
    seqs: Vec<Seq>,
    ml: Option<Multi>,
    ml_stack: Vec<(Multi, usize)>,
    ml_seq_depth: usize,
    defs: Defs,
    /// The multi-line definition being read, if any.
    ml_def: Option<Vec<u8>>,
    config_id: Vec<u8>,
    rng: Rng,
    /// Lines and bytes produced by expansion so far, against the `Options` limits.
    expanded_lines: usize,
    expanded_bytes: usize,
    last_quote_report: Option<Pos>,
    /// Places (file, line, column) already reported for a problem that one reference,
    /// repeated by a loop or re-read after a brace, would otherwise report for every copy.
    reported: HashSet<(Once, u32, u32, u32)>,
    /// The current line was changed by `@ID` removal or substitution.
    rewritten: bool,
    /// `${_PWD}` for a directory.
    pwd_cache: Option<(PathBuf, Rc<Vec<u8>>)>,
    /// Keywords of the blocks we are in (for `include_check` in `global_defs`).
    blocks: Vec<Option<String>>,
    last_keyword: Option<String>,
    /// Where finished lines go.
    sink: &'a mut dyn FnMut(Line, &mut Diagnostics),
}

impl<'a> Reader<'a> {
    fn new(
        opts: &'a Options,
        diags: &'a mut Diagnostics,
        cwd: PathBuf,
        sink: &'a mut dyn FnMut(Line, &mut Diagnostics),
    ) -> Self {
        let seed = opts.random_seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0)
        });
        let config_id = opts.config_id.clone().unwrap_or_else(default_config_id);
        Reader {
            opts,
            diags,
            files: Vec::new(),
            stack: Vec::new(),
            cwd,
            include_check: if opts.include_check_all {
                INCLUDE_ALL
            } else {
                0
            },
            residue: None,
            seqs: Vec::new(),
            ml: None,
            ml_stack: Vec::new(),
            ml_seq_depth: 0,
            defs: Defs::with_builtins(),
            ml_def: None,
            config_id: config_id.into_bytes(),
            rng: Rng::new(seed),
            expanded_lines: 0,
            expanded_bytes: 0,
            last_quote_report: None,
            reported: HashSet::new(),
            rewritten: false,
            pwd_cache: None,
            blocks: Vec::new(),
            last_keyword: None,
            sink,
        }
    }

    fn add_file(&mut self, name: &str) -> u32 {
        self.files.push(Arc::from(name));
        (self.files.len() - 1) as u32
    }

    fn loc(&self, p: Pos) -> crate::token::Loc {
        text::loc_of(p, &self.files)
    }

    fn report(&mut self, sev: Severity, at: Option<Pos>, msg: String, hint: Option<String>) {
        let loc = at.map(|p| self.loc(p));
        self.diags.push(Diagnostic {
            severity: sev,
            loc,
            message: msg,
            hint,
        });
    }

    fn error(&mut self, at: Pos, msg: String) {
        self.report(Severity::Error, Some(at), msg, None);
    }

    /// keepalived's `file_config_error()`: an error when the check is enabled by
    /// `include_check` or the include variant, otherwise only logged.
    fn file_error(&mut self, kind: u8, include_type: u8, at: Option<Pos>, msg: String) {
        self.file_error_hinted(kind, include_type, at, msg, false);
    }

    /// `relative`: the name that was not found is a relative path, the one case where saying
    /// where it was looked for helps.
    fn file_error_hinted(
        &mut self,
        kind: u8,
        include_type: u8,
        at: Option<Pos>,
        msg: String,
        relative: bool,
    ) {
        let enabled = (self.include_check | include_type) & kind != 0;
        let sev = if enabled {
            Severity::Error
        } else {
            Severity::Warning
        };
        let hint = (enabled && relative && at.is_some()).then(|| {
            "relative include paths are resolved from the directory of the including file"
                .to_owned()
        });
        self.report(sev, at, msg, hint);
    }

    // ----- includes ---------------------------------------------------------------------

    fn open_glob_file(&mut self, pattern: &[u8], include_type: u8, at: Option<Pos>) -> bool {
        let shown = String::from_utf8_lossy(pattern).into_owned();
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            let msg =
                format!("include of '{shown}' nested more than {MAX_INCLUDE_DEPTH} levels deep");
            self.report(Severity::Error, at, msg, None);
            return false;
        }
        let mask = self.include_check | include_type;
        let mut g = glob::Globber::new(&self.cwd);
        let res = g.glob(pattern);
        let stats = std::mem::take(&mut g.stats);
        let missing = stats.missing_files > 0 || stats.missing_directories > 0;
        let matches = match res {
            Err(glob::GlobFail::TooManyAlternatives) => {
                let msg = format!(
                    "include pattern '{shown}' expands to more than {} alternatives",
                    glob::MAX_BRACE_PATTERNS
                );
                self.report(Severity::Error, at, msg, None);
                return false;
            }
            Err(glob::GlobFail::NoMatch) => {
                if missing {
                    let kind = if have_brace(pattern) {
                        INCLUDE_B
                    } else {
                        INCLUDE_M
                    };
                    let what = if at.is_some() {
                        "include file"
                    } else {
                        "configuration file"
                    };
                    let msg = format!("{what} '{shown}' not found");
                    let relative = !pattern.starts_with(b"/");
                    self.file_error_hinted(kind, include_type, at, msg, relative);
                } else if stats.have_wildcards && mask & INCLUDE_W != 0 {
                    let msg = format!("no file matches include pattern '{shown}'");
                    let relative = !pattern.starts_with(b"/");
                    self.file_error_hinted(INCLUDE_W, include_type, at, msg, relative);
                }
                return false;
            }
            Ok(m) => m,
        };
        if missing {
            let msg = format!("some files of include '{shown}' are missing");
            self.file_error(INCLUDE_B, include_type, at, msg);
            if mask & INCLUDE_B != 0 {
                return false;
            }
        }
        self.stack.push(IncFile {
            matches,
            next: 0,
            include_type,
            sav_include_check: self.include_check,
            cur: None,
            saved_cwd: None,
            canon: None,
            at,
        });
        if !self.open_conf_file() {
            self.stack.pop();
            return false;
        }
        true
    }

    /// Open the next readable match of the include on top of the stack.
    fn open_conf_file(&mut self) -> bool {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::PermissionsExt;
        loop {
            let Some(top) = self.stack.last_mut() else {
                return false;
            };
            if top.next >= top.matches.len() {
                return false;
            }
            let name = top.matches[top.next].clone();
            top.next += 1;
            let (ty, at) = (top.include_type, top.at);
            let shown = String::from_utf8_lossy(&name).into_owned();
            if name.last() == Some(&b'/') {
                self.file_error(
                    INCLUDE_R,
                    ty,
                    at,
                    format!("{} '{shown}' is a directory", what(at)),
                );
                continue;
            }
            let path = self.cwd.join(std::ffi::OsStr::from_bytes(&name));
            let regular = std::fs::metadata(&path)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 == 0);
            if !regular {
                let msg = format!(
                    "{} '{shown}' is not a regular non-executable file",
                    what(at)
                );
                self.file_error(INCLUDE_R, ty, at, msg);
                continue;
            }
            let canon = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if self
                .stack
                .iter()
                .any(|f| f.canon.as_deref() == Some(&canon))
            {
                let msg = format!("include cycle: '{shown}' is already being read");
                self.report(Severity::Error, at, msg, None);
                continue;
            }
            let data = match std::fs::metadata(&path) {
                Ok(m) if m.len() > MAX_FILE_SIZE => {
                    Err(format!("larger than {} MiB", MAX_FILE_SIZE >> 20))
                }
                _ => std::fs::read(&path).map_err(|e| e.to_string()),
            };
            let data = match data {
                Ok(d) => d,
                Err(e) => {
                    self.file_error(INCLUDE_R, ty, at, format!("cannot read '{shown}': {e}"));
                    continue;
                }
            };
            let file = self.add_file(&shown);
            let saved = if name.contains(&b'/') {
                let p = Path::new(std::ffi::OsStr::from_bytes(&name));
                let dir = p.parent().unwrap_or(Path::new("/"));
                let dir = if dir.as_os_str().is_empty() {
                    Path::new("/")
                } else {
                    dir
                };
                let new = self.cwd.join(dir);
                Some(std::mem::replace(&mut self.cwd, new))
            } else {
                None
            };
            let top = self.stack.last_mut().expect("checked above");
            top.saved_cwd = saved;
            top.canon = Some(canon);
            top.cur = Some(Source::new(file, data));
            return true;
        }
    }

    /// The current file ended: restore `include_check` and the directory, then open the next
    /// match or pop the include. False when nothing is left to read.
    fn next_file(&mut self) -> bool {
        if let Some(top) = self.stack.last_mut() {
            top.cur = None;
            top.canon = None;
            self.include_check = top.sav_include_check;
            if let Some(d) = top.saved_cwd.take() {
                self.cwd = d;
            }
        }
        if self.open_conf_file() {
            return true;
        }
        self.stack.pop();
        !self.stack.is_empty()
    }

    /// `check_include()`: is this an include line? If so, open it.
    fn check_include(&mut self, buf: &LBuf) -> bool {
        let b = &buf.b;
        if !b.starts_with(b"include") || b.len() <= 7 {
            return false;
        }
        let space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
        let (ty, mut p) = if space(b[7]) {
            (0, 8)
        } else if b.len() > 8 && space(b[8]) {
            let ty = match b[7] {
                b'r' => INCLUDE_R,
                b'm' => INCLUDE_R | INCLUDE_M,
                b'w' => INCLUDE_R | INCLUDE_M | INCLUDE_W,
                b'b' => INCLUDE_R | INCLUDE_B,
                b'a' => INCLUDE_ALL,
                _ => return false,
            };
            (ty, 9)
        } else {
            return false;
        };
        while p < b.len() && is_blank(b[p]) {
            p += 1;
        }
        let pattern = b[p.min(b.len())..].to_vec();
        if !self.opts.read_includes {
            let msg = format!(
                "include of '{}' not allowed: includes are disabled",
                String::from_utf8_lossy(&pattern)
            );
            self.report(Severity::Error, buf.p.first().copied(), msg, None);
            return true;
        }
        let at = buf.p.first().copied();
        if self.rewritten
            || at.is_some_and(|p| p.depth > 0)
            || !self.seqs.is_empty()
            || self.ml.is_some()
        {
            let msg = "include line uses a conditional, a parameter, ~SEQ/~LST or a multi-line parameter: keepalived's child processes read the included file twice".to_owned();
            let hint = "keepalived.conf(5) says include does not work with conditional configuration or parameter substitution".to_owned();
            self.report(Severity::Warning, at, msg, Some(hint));
        }
        self.open_glob_file(&pattern, ty, at);
        true
    }

    // ----- reading lines ----------------------------------------------------------------

    /// The next non-empty, de-commented line from the files, or `None` at the end.
    fn next_file_line(&mut self) -> Option<LBuf> {
        loop {
            let top = self.stack.last_mut()?;
            let got = top.cur.as_mut().and_then(Source::fgets);
            let Some((chunk, line, col, split)) = got else {
                if !self.next_file() {
                    return None;
                }
                continue;
            };
            let file = top.cur.as_ref().map_or(0, |s| s.file);
            if split {
                let at = Pos {
                    file,
                    line,
                    col,
                    depth: 0,
                };
                let msg = format!(
                    "line longer than {} bytes: keepalived reads the rest as a separate line",
                    MAXBUF - 1
                );
                self.report(Severity::Warning, Some(at), msg, None);
            }
            if chunk.is_empty() {
                if let Some(name) = self.ml_def.take() {
                    if let Some(d) = self.defs.get_mut(&name) {
                        if d.value.is_empty() {
                            d.multiline = false;
                        }
                    }
                }
                continue;
            }
            let mut buf = LBuf::from_source(&chunk, file, line, col);
            self.decomment(&mut buf);
            if buf.is_empty() {
                continue;
            }
            return Some(buf);
        }
    }

    fn decomment(&mut self, buf: &mut LBuf) {
        if let Some(q) = text::decomment(buf).unterminated_quote {
            self.quote_error(q);
        }
    }

    fn quote_error(&mut self, q: Pos) {
        if self.last_quote_report != Some(q) {
            self.last_quote_report = Some(q);
            self.error(q, "unterminated quote".to_owned());
        }
    }

    /// Count `lines` lines and `bytes` bytes produced by an expansion; false (after reporting)
    /// when over a limit. The counts saturate, so once over, nothing more may be expanded in
    /// this run; each place that tries is reported once.
    fn budget(&mut self, at: Pos, lines: usize, bytes: usize) -> bool {
        self.expanded_lines = self.expanded_lines.saturating_add(lines);
        self.expanded_bytes = self.expanded_bytes.saturating_add(bytes);
        let msg = if self.expanded_lines > self.opts.max_expanded_lines {
            format!(
                "~SEQ/~LST/multi-line parameter expansion too large: more than {} lines",
                self.opts.max_expanded_lines
            )
        } else if self.expanded_bytes > self.opts.max_expanded_bytes {
            format!(
                "~SEQ/~LST/parameter expansion too large: more than {} bytes",
                self.opts.max_expanded_bytes
            )
        } else {
            return true;
        };
        if self
            .reported
            .insert((Once::TooLarge, at.file, at.line, at.col))
        {
            self.error(at, msg);
        }
        self.seqs.clear();
        self.ml = None;
        self.ml_stack.clear();
        self.ml_seq_depth = 0;
        false
    }

    fn next_seq_line(&mut self) -> LBuf {
        let Some(seq) = self.seqs.last_mut() else {
            return LBuf::default();
        };
        let text = seq.text.clone();
        let done = match &mut seq.kind {
            SeqKind::Range {
                var,
                next,
                step,
                last,
                hex,
            } => {
                let val = if *hex {
                    format!("{:x}", *next as u64)
                } else {
                    next.to_string()
                };
                self.defs.set(var, val.as_bytes());
                *next = next.wrapping_add(*step);
                (*step > 0 && *next > *last) || (*step < 0 && *next < *last)
            }
            SeqKind::List { vars, sets, next } => {
                if let Some(set) = sets.get(*next) {
                    for (v, val) in vars.iter().zip(set) {
                        self.defs.set(v, val);
                    }
                }
                *next += 1;
                *next >= sets.len()
            }
        };
        if done {
            self.seqs.pop();
        }
        text
    }

    fn next_multi_line(&mut self) -> LBuf {
        let Some(ml) = self.ml.as_mut() else {
            return LBuf::default();
        };
        let len = ml.text.len();
        let rest = &ml.text[ml.off.min(len)..];
        let pos = ml.pos;
        match rest.iter().position(|&c| c == b'\n') {
            Some(i) => {
                let line = LBuf::uniform(&rest[..i], pos);
                ml.off += i + 1;
                line
            }
            None => {
                let line = LBuf::uniform(rest, pos);
                match self.ml_stack.pop() {
                    Some((m, depth)) => {
                        self.ml = Some(m);
                        self.ml_seq_depth = depth;
                    }
                    None => {
                        self.ml = None;
                        self.ml_seq_depth = 0;
                    }
                }
                line
            }
        }
    }

    /// Append a line to the multi-line definition being read.
    fn continue_definition(&mut self, name: Vec<u8>, buf: &LBuf) {
        let Some(def) = self.defs.get_mut(&name) else {
            return;
        };
        let b = &buf.b;
        let mut len = b.len();
        let still = len > 0 && b[len - 1] == b'\\';
        let line = if still {
            len -= 1;
            while len >= 1 && is_blank(b[len - 1]) {
                len -= 1;
            }
            let mut l = b[..len].to_vec();
            l.push(b'\n');
            len += 1;
            l
        } else {
            if def.value.is_empty() {
                def.multiline = false;
            }
            b.clone()
        };
        if len >= 2 || (len > 0 && !still) {
            Rc::make_mut(&mut def.value).extend_from_slice(&line);
        }
        if still {
            self.ml_def = Some(name);
        }
    }

    /// keepalived's `read_line()` up to (not including) the split at braces.
    fn read_line(&mut self) -> Option<LBuf> {
        loop {
            let mut buf = if let Some(r) = self.residue.take() {
                // Substituted text cut at a brace is read again and may be substituted again;
                // each such piece is an expansion's line, or braces in a value would be a loop
                // that no other limit sees.
                let substituted = r.p.iter().find(|p| p.depth > 0).copied();
                if let Some(at) = substituted {
                    if !self.budget(at, 1, 0) {
                        continue;
                    }
                }
                r
            } else if !self.seqs.is_empty() && self.seqs.len() > self.ml_seq_depth {
                let at = self.seqs.last().and_then(|s| s.text.p.first().copied());
                let line = self.next_seq_line();
                if !self.budget(at.unwrap_or_default(), 1, line.len()) {
                    continue;
                }
                line
            } else if let Some(ml) = &self.ml {
                let at = ml.pos;
                let line = self.next_multi_line();
                if !self.budget(at, 1, line.len()) {
                    continue;
                }
                line
            } else {
                self.next_file_line()?
            };

            if let Some(name) = self.ml_def.take() {
                self.continue_definition(name, &buf);
                continue;
            }
            if buf.is_empty() {
                continue;
            }
            self.process(&mut buf);
            if buf.is_empty() || self.check_include(&buf) {
                continue;
            }
            return Some(buf);
        }
    }

    /// Conditionals, definitions, loops and substitution (the inner loop of `read_line`).
    fn process(&mut self, buf: &mut LBuf) {
        self.rewritten = false;
        loop {
            let mut recheck = false;
            if buf.at(0) == b'@' {
                let rev = buf.at(1) == b'^';
                let ofs = if rev { 2 } else { 1 };
                let Some(ws) = (ofs..buf.len()).find(|&i| is_blank(buf.b[i])) else {
                    buf.clear();
                    return;
                };
                let mismatch = buf.b[ofs..ws] != self.config_id[..];
                if mismatch != rev {
                    buf.clear();
                    return;
                }
                let mut s = ws;
                while s < buf.len() && is_blank(buf.b[s]) {
                    s += 1;
                }
                buf.drain_front(s);
                self.rewritten = true;
            }
            if buf.at(0) == b'$' {
                if let Some((name, value, multiline)) = params::parse_definition(&buf.b) {
                    self.defs.define(&name, value, multiline);
                    if multiline {
                        self.ml_def = Some(name);
                    }
                    buf.clear();
                    return;
                }
            }
            if buf.starts_with(b"~SEQ") {
                self.add_seq(buf);
                buf.clear();
                return;
            }
            if buf.starts_with(b"~LST") {
                self.add_lst(buf);
                buf.clear();
                return;
            }
            if buf.at(0) == b'~' {
                return;
            }
            if buf.contains(b'$') {
                let mut ml = self.ml.take();
                let r = self.replace_param(buf, MAXBUF, &mut ml);
                self.ml = ml;
                match r {
                    Replaced::Nothing => return,
                    Replaced::Drop => {
                        buf.clear();
                        return;
                    }
                    Replaced::Changed => self.rewritten = true,
                }
                self.decomment(buf);
                if buf.at(0) == b'@' || buf.contains(b'$') {
                    recheck = true;
                }
            }
            if !recheck {
                return;
            }
        }
    }

    fn seq_error(&mut self, at: Pos, e: SeqError, line: &LBuf) {
        let msg = format!("{} in '{}'", e.message(), line.text());
        self.error(at, msg);
    }

    fn add_seq(&mut self, buf: &LBuf) {
        let at = buf.p[0];
        let head = match seq::seq_head(&buf.b) {
            Ok(Some(h)) => h,
            Ok(None) => return self.seq_error(at, SeqError::Definition, buf),
            Err(e) => return self.seq_error(at, e, buf),
        };
        let mut params = LBuf::uniform(&head.params, at);
        let mut ml = None;
        if self.replace_param(&mut params, 64, &mut ml) == Replaced::Drop {
            return;
        }
        if ml.is_some() {
            return self.seq_error(at, SeqError::Multiline, buf);
        }
        match seq::seq_numbers(&params.b, head.hex) {
            Ok((start, step, end)) => self.seqs.push(Seq {
                text: buf.tail(head.text_start.min(buf.len())),
                kind: SeqKind::Range {
                    var: head.var,
                    next: start,
                    step,
                    last: end,
                    hex: head.hex,
                },
            }),
            Err(e) => self.seq_error(at, e, buf),
        }
    }

    fn add_lst(&mut self, buf: &LBuf) {
        let at = buf.p[0];
        match seq::parse_lst(&buf.b) {
            Ok((vars, sets, text_start)) => self.seqs.push(Seq {
                text: buf.tail(text_start),
                kind: SeqKind::List {
                    vars,
                    sets: Rc::new(sets),
                    next: 0,
                },
            }),
            Err(e) => self.seq_error(at, e, buf),
        }
    }

    /// `replace_param()`: substitute every defined reference, rescanning replaced text.
    fn replace_param(
        &mut self,
        buf: &mut LBuf,
        max_len: usize,
        ml: &mut Option<Multi>,
    ) -> Replaced {
        let mut cur = 0;
        let mut found = false;
        while let Some(d) = buf.find(cur, b'$') {
            if d + 1 >= buf.len() {
                break;
            }
            let Some(r) = self.defs.find_reference(&buf.b, d + 1) else {
                cur = d + 1;
                continue;
            };
            let Some(def) = self.defs.get(&r.name).cloned() else {
                cur = d + 1;
                continue;
            };
            found = true;
            let pos = Pos {
                depth: buf.p[d].depth.saturating_add(1),
                ..buf.p[d]
            };
            if pos.depth > PARAM_RECURSION_LIMIT {
                let msg = format!(
                    "parameter recursion limit ({PARAM_RECURSION_LIMIT}) exceeded expanding '${}'",
                    String::from_utf8_lossy(&r.name)
                );
                self.report(
                    Severity::Error,
                    Some(pos),
                    msg,
                    Some("a parameter's value refers back to itself".to_owned()),
                );
                return Replaced::Drop;
            }
            let value: Rc<Vec<u8>> = match def.builtin {
                Some(Builtin::Pwd) => self.pwd(),
                Some(Builtin::Instance) => Rc::new(self.config_id.clone()),
                Some(Builtin::Random) => {
                    let (v, extra) = params::random_value(r.params.as_deref(), &mut self.rng);
                    if extra {
                        let msg = "too many parameters or extra text for ${_RANDOM}; only MIN and MAX are used".to_owned();
                        self.report(Severity::Warning, Some(pos), msg, None);
                    }
                    Rc::new(v)
                }
                None => def.value.clone(),
            };
            let replacing: &[u8] = if def.multiline {
                let n = value
                    .iter()
                    .position(|&c| c == b'\n')
                    .unwrap_or(value.len());
                &value[..n]
            } else {
                &value[..]
            };
            if buf.len() - (r.end - d) + replacing.len() >= max_len {
                let msg = format!(
                    "parameter substitution would make the line longer than {} bytes; the rest of the line is not substituted",
                    max_len - 1
                );
                if self
                    .reported
                    .insert((Once::Overflow, pos.file, pos.line, pos.col))
                {
                    self.report(Severity::Warning, Some(pos), msg, None);
                }
                return Replaced::Nothing;
            }
            if !self.budget(pos, 0, replacing.len().max(1)) {
                *ml = None;
                return Replaced::Drop;
            }
            if def.multiline {
                if let Some(old) = ml.take() {
                    if self.ml_stack.len() >= PARAM_RECURSION_LIMIT as usize {
                        let msg = format!(
                            "parameter recursion limit ({PARAM_RECURSION_LIMIT}) exceeded: multi-line parameters nested too deeply expanding '${}'",
                            String::from_utf8_lossy(&r.name)
                        );
                        self.error(pos, msg);
                        self.ml_stack.clear();
                        self.ml_seq_depth = 0;
                        return Replaced::Drop;
                    }
                    self.ml_stack.push((old, self.ml_seq_depth));
                }
                self.ml_seq_depth = self.seqs.len();
                *ml = Some(Multi {
                    text: value.clone(),
                    off: replacing.len() + 1,
                    pos,
                });
            }
            let replacing = replacing.to_vec();
            buf.splice(d, r.end, &replacing, pos);
            let lead = value.iter().position(|&c| !is_blank(c));
            if lead.is_some_and(|i| value[i] == b'~') {
                break;
            }
            cur = d;
        }
        if found {
            Replaced::Changed
        } else {
            Replaced::Nothing
        }
    }

    /// `${_PWD}`: the real path of the current directory (keepalived's `getcwd()` after its
    /// `chdir()`), cached while the directory does not change.
    fn pwd(&mut self) -> Rc<Vec<u8>> {
        use std::os::unix::ffi::OsStrExt;
        if let Some((dir, v)) = &self.pwd_cache {
            if *dir == self.cwd {
                return v.clone();
            }
        }
        let p = std::fs::canonicalize(&self.cwd).unwrap_or_else(|_| self.cwd.clone());
        let v = Rc::new(p.as_os_str().as_bytes().to_vec());
        self.pwd_cache = Some((self.cwd.clone(), v.clone()));
        v
    }

    // ----- output -----------------------------------------------------------------------

    fn run(&mut self) {
        while let Some(mut buf) = self.read_line() {
            if let Some((cut, _)) = text::brace_cut(&buf) {
                let mut rest = buf.tail(cut);
                rest.trim_end_blank();
                self.residue = Some(rest);
                buf.truncate(cut);
            }
            buf.trim_end_blank();
            self.emit(&buf);
        }
    }

    fn emit(&mut self, buf: &LBuf) {
        let (words, bad) = text::split_words(buf);
        if let Some(q) = bad {
            self.quote_error(q);
        }
        let tokens: Vec<Token> = words
            .into_iter()
            .map(|w| text::to_token(w, &self.files))
            .collect();
        let Some(first) = tokens.first() else {
            return;
        };
        if tokens.len() == 1 && first.is_open() {
            let kw = self.last_keyword.take();
            self.blocks.push(kw);
        } else if tokens.len() == 1 && first.is_close() {
            self.blocks.pop();
            self.last_keyword = None;
        } else {
            self.last_keyword = Some(first.text.clone());
            if first.text == "include_check"
                && self.blocks.len() == 1
                && self.blocks[0].as_deref() == Some("global_defs")
            {
                self.include_check_set(&tokens);
            }
        }
        (self.sink)(Line { tokens }, self.diags);
    }

    /// The `include_check` keyword of `global_defs` (`include_check_set()`).
    fn include_check_set(&mut self, tokens: &[Token]) {
        if tokens.len() <= 1 {
            self.include_check = INCLUDE_ALL;
            return;
        }
        for (i, t) in tokens.iter().enumerate().skip(1) {
            let w = t.text.as_str();
            let (op, name) = match w.as_bytes().first() {
                Some(b'-') => (-1, &w[1..]),
                Some(b'+') => (1, &w[1..]),
                _ => {
                    if i == 1 {
                        self.include_check = 0;
                    } else {
                        let msg = format!("duplicate include_check '{w}' specified - ignoring");
                        self.diags.push(Diagnostic {
                            severity: Severity::Error,
                            loc: Some(t.loc.clone()),
                            message: msg,
                            hint: Some("use '+TYPE' or '-TYPE' to add or remove checks".to_owned()),
                        });
                        continue;
                    }
                    (0, w)
                }
            };
            let flag = match name {
                "read" => INCLUDE_R,
                "match" => INCLUDE_M,
                "wildcard_match" => INCLUDE_W,
                "brace_match" => INCLUDE_B,
                _ => {
                    let known = ["read", "match", "wildcard_match", "brace_match"];
                    let hint = crate::diag::did_you_mean(name, &known)
                        .map(|k| format!("did you mean '{k}'?"))
                        .or_else(|| {
                            Some("one of read, match, wildcard_match, brace_match".to_owned())
                        });
                    self.diags.push(Diagnostic {
                        severity: Severity::Error,
                        loc: Some(t.loc.clone()),
                        message: format!("unknown include_check type '{name}'"),
                        hint,
                    });
                    0
                }
            };
            if flag != 0 {
                match op {
                    0 => self.include_check = INCLUDE_R | flag,
                    1 => self.include_check |= flag,
                    _ => self.include_check &= !flag,
                }
            }
        }
    }
}

/// How a file is named in messages: included, or the main file (no include line).
fn what(at: Option<Pos>) -> &'static str {
    if at.is_some() {
        "include"
    } else {
        "configuration file"
    }
}

/// Does the pattern have an unescaped `{` (keepalived's `have_brace()`)?
fn have_brace(p: &[u8]) -> bool {
    let mut i = 0;
    while i < p.len() {
        if p[i] == b'\\' {
            i += 1;
        } else if p[i] == b'{' {
            return true;
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests;
