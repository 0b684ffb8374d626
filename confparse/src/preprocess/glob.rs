//! File-name expansion for `include`, following glibc's `glob()` with the flags keepalived
//! passes (`GLOB_MARK | GLOB_BRACE | GLOB_ALTDIRFUNC`): brace alternatives first (each
//! alternative globbed on its own, results kept in alternative order), then `*`, `?` and
//! `[...]` per path component, directories marked with a trailing `/`, each batch sorted.
//!
//! keepalived's include checks need to know *why* nothing matched, so, like keepalived's
//! `gl_opendir`/`gl_lstat` hooks, the expansion counts directories that could not be opened,
//! literal names that do not exist, and whether any wildcard was expanded.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// What the expansion ran into, as keepalived's hooks count it.
#[derive(Debug, Default)]
pub(crate) struct GlobStats {
    /// `opendir()` failed (a wildcard component's directory is missing).
    pub missing_directories: u32,
    /// `lstat()` of a literal name failed.
    pub missing_files: u32,
    /// A directory was listed for a wildcard.
    pub have_wildcards: bool,
}

/// Brace alternatives beyond this many are refused (glibc would expand them all).
pub(crate) const MAX_BRACE_PATTERNS: usize = 4096;

/// Why the expansion stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum GlobFail {
    /// Nothing matched (`GLOB_NOMATCH`).
    NoMatch,
    /// More than [`MAX_BRACE_PATTERNS`] brace alternatives.
    TooManyAlternatives,
}

/// The expander: resolves relative names against `cwd`, counts what keepalived counts.
pub(crate) struct Globber<'a> {
    pub cwd: &'a Path,
    pub stats: GlobStats,
    patterns: usize,
}

fn resolve(cwd: &Path, name: &[u8]) -> PathBuf {
    cwd.join(OsStr::from_bytes(name))
}

/// Is there an unescaped `*`, `?` or `[`? And is there a backslash?
fn pattern_type(p: &[u8]) -> (bool, bool) {
    let mut special = false;
    let mut backslash = false;
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'*' | b'?' | b'[' => special = true,
            b'\\' => {
                backslash = true;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    (special, backslash)
}

fn unescape(p: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.len());
    let mut i = 0;
    while i < p.len() {
        if p[i] == b'\\' && i + 1 < p.len() {
            i += 1;
        }
        out.push(p[i]);
        i += 1;
    }
    out
}

/// glibc's `next_brace_sub`: index of the `,` or `}` ending the alternative starting at `i`.
fn next_brace_sub(p: &[u8], mut i: usize) -> Option<usize> {
    let mut depth = 0usize;
    while i < p.len() {
        if p[i] == b'\\' {
            i += 1;
            if i >= p.len() {
                break;
            }
            i += 1;
            continue;
        }
        if p[i] == b'}' {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
        } else if p[i] == b',' && depth == 0 {
            return Some(i);
        }
        if p[i] == b'{' {
            depth += 1;
        }
        i += 1;
    }
    None
}

impl<'a> Globber<'a> {
    pub fn new(cwd: &'a Path) -> Self {
        Globber {
            cwd,
            stats: GlobStats::default(),
            patterns: 0,
        }
    }

    /// Expand `pattern`, appending the names found (as spelled, relative names stay relative).
    pub fn glob(&mut self, pattern: &[u8]) -> Result<Vec<Vec<u8>>, GlobFail> {
        let mut out = Vec::new();
        self.glob_into(pattern, true, false, true, &mut out)?;
        Ok(out)
    }

    fn glob_into(
        &mut self,
        pat: &[u8],
        brace: bool,
        onlydir: bool,
        mark: bool,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), GlobFail> {
        self.patterns += 1;
        if self.patterns > MAX_BRACE_PATTERNS {
            return Err(GlobFail::TooManyAlternatives);
        }
        if brace {
            if let Some(r) = self.brace(pat, onlydir, mark, out) {
                return r;
            }
        }
        let oldcount = out.len();
        let (dirname, filename): (Vec<u8>, Vec<u8>) = match pat.iter().rposition(|&c| c == b'/') {
            None => (Vec::new(), pat.to_vec()),
            Some(0) => (b"/".to_vec(), pat[1..].to_vec()),
            Some(i) => {
                if i + 1 == pat.len() && i > 1 {
                    // "dir/": expand the directory itself (it is marked with '/').
                    return self.glob_into(&pat[..i], false, onlydir, true, out);
                }
                (pat[..i].to_vec(), pat[i + 1..].to_vec())
            }
        };
        let (dir_special, dir_backslash) = pattern_type(&dirname);
        if dir_special {
            let mut dirs = Vec::new();
            self.glob_into(&dirname, false, true, false, &mut dirs)?;
            for d in dirs {
                let names = self.glob_in_dir(&filename, &d, onlydir);
                for n in names {
                    out.push(join(&d, &n));
                }
            }
            if out.len() == oldcount {
                return Err(GlobFail::NoMatch);
            }
        } else {
            let dir = if dir_backslash {
                unescape(&dirname)
            } else {
                dirname.clone()
            };
            let lookup: &[u8] = if dir.is_empty() { b"." } else { &dir };
            let names = self.glob_in_dir(&filename, lookup, onlydir);
            if names.is_empty() {
                return Err(GlobFail::NoMatch);
            }
            for n in names {
                out.push(if dir.is_empty() { n } else { join(&dir, &n) });
            }
        }
        for name in out[oldcount..].iter_mut().filter(|_| mark) {
            if std::fs::metadata(resolve(self.cwd, name)).is_ok_and(|m| m.is_dir()) {
                name.push(b'/');
            }
        }
        out[oldcount..].sort();
        Ok(())
    }

    /// Brace expansion; `None` when the pattern has no (well-formed) brace expression.
    fn brace(
        &mut self,
        pat: &[u8],
        onlydir: bool,
        mark: bool,
        out: &mut Vec<Vec<u8>>,
    ) -> Option<Result<(), GlobFail>> {
        let mut begin = None;
        let mut i = 0;
        while i < pat.len() {
            if pat[i] == b'\\' && i + 1 < pat.len() {
                i += 2;
                continue;
            }
            if pat[i] == b'{' {
                begin = Some(i);
                break;
            }
            i += 1;
        }
        let begin = begin?;
        let mut next = next_brace_sub(pat, begin + 1)?;
        let mut rest = next;
        while pat[rest] != b'}' {
            rest = next_brace_sub(pat, rest + 1)?;
        }
        let rest = &pat[rest + 1..];
        let firstc = out.len();
        let mut p = begin + 1;
        loop {
            let mut alt = pat[..begin].to_vec();
            alt.extend_from_slice(&pat[p..next]);
            alt.extend_from_slice(rest);
            match self.glob_into(&alt, true, onlydir, mark, out) {
                Ok(()) | Err(GlobFail::NoMatch) => {}
                Err(e) => return Some(Err(e)),
            }
            if pat[next] == b'}' {
                break;
            }
            p = next + 1;
            next = next_brace_sub(pat, p)?;
        }
        Some(if out.len() != firstc {
            Ok(())
        } else {
            Err(GlobFail::NoMatch)
        })
    }

    /// Names in `dir` matching `pattern` (one path component).
    fn glob_in_dir(&mut self, pattern: &[u8], dir: &[u8], onlydir: bool) -> Vec<Vec<u8>> {
        let (special, backslash) = pattern_type(pattern);
        if !special && !backslash {
            let full = join(dir, pattern);
            if std::fs::symlink_metadata(resolve(self.cwd, &full)).is_ok() {
                return vec![pattern.to_vec()];
            }
            self.stats.missing_files += 1;
            return Vec::new();
        }
        self.stats.have_wildcards = true;
        let rd = match std::fs::read_dir(resolve(self.cwd, dir)) {
            Ok(rd) => rd,
            Err(_) => {
                self.stats.missing_directories += 1;
                return Vec::new();
            }
        };
        let mut names: Vec<Vec<u8>> = vec![b".".to_vec(), b"..".to_vec()];
        for e in rd.flatten() {
            if onlydir {
                if let Ok(t) = e.file_type() {
                    if !t.is_dir() && !t.is_symlink() {
                        continue;
                    }
                }
            }
            names.push(e.file_name().as_bytes().to_vec());
        }
        names.retain(|n| fnmatch(pattern, n));
        names
    }
}

fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut v = if dir == b"/" {
        Vec::new()
    } else {
        dir.to_vec()
    };
    v.push(b'/');
    v.extend_from_slice(name);
    v
}

/// `fnmatch(pattern, name, FNM_PERIOD)`: `*`, `?`, `[...]` (with `!`/`^`, ranges and
/// `[:class:]`), backslash escapes; a leading `.` must be matched literally.
pub(crate) fn fnmatch(pat: &[u8], name: &[u8]) -> bool {
    if name.first() == Some(&b'.') && !pat.starts_with(b".") && !pat.starts_with(b"\\.") {
        return false;
    }
    // Iterative matcher with single-star backtracking: O(len(pat) * len(name)).
    let (mut p, mut n) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star = Some((p + 1, n));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    n += 1;
                    continue;
                }
                b'[' => {
                    if let Some((ok, len)) = bracket(&pat[p..], name[n]) {
                        if ok {
                            p += len;
                            n += 1;
                            continue;
                        }
                    } else if name[n] == b'[' {
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pat.len() => {
                    if pat[p + 1] == name[n] {
                        p += 2;
                        n += 1;
                        continue;
                    }
                }
                c => {
                    if c == name[n] {
                        p += 1;
                        n += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, sn)) => {
                p = sp;
                n = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    while p < pat.len() && pat[p] == b'*' {
        p += 1;
    }
    p == pat.len()
}

/// Match one byte against a bracket expression at the start of `pat`; `None` if the bracket is
/// not closed (then `[` is literal). Returns (matched, length of the expression).
fn bracket(pat: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *pat.get(i)?;
        if ch == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if ch == b'[' && pat.get(i + 1) == Some(&b':') {
            let end = pat[i + 2..].windows(2).position(|w| w == b":]")?;
            let class = &pat[i + 2..i + 2 + end];
            matched |= match class {
                b"alpha" => c.is_ascii_alphabetic(),
                b"digit" => c.is_ascii_digit(),
                b"alnum" => c.is_ascii_alphanumeric(),
                b"upper" => c.is_ascii_uppercase(),
                b"lower" => c.is_ascii_lowercase(),
                b"space" => c.is_ascii_whitespace() || c == 0x0b,
                b"xdigit" => c.is_ascii_hexdigit(),
                b"punct" => c.is_ascii_punctuation(),
                b"blank" => c == b' ' || c == b'\t',
                b"cntrl" => c.is_ascii_control(),
                b"print" => (0x20..0x7f).contains(&c),
                b"graph" => c.is_ascii_graphic(),
                _ => false,
            };
            i += 2 + end + 2;
            continue;
        }
        let mut lo = ch;
        if ch == b'\\' {
            lo = *pat.get(i + 1)?;
            i += 1;
        }
        i += 1;
        if pat.get(i) == Some(&b'-') && pat.get(i + 1).is_some_and(|&x| x != b']') {
            let mut hi = pat[i + 1];
            i += 2;
            if hi == b'\\' {
                hi = *pat.get(i)?;
                i += 1;
            }
            matched |= lo <= c && c <= hi;
        } else {
            matched |= lo == c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnmatch_rules() {
        assert!(fnmatch(b"*.conf", b"a.conf"));
        assert!(
            !fnmatch(b"*.conf", b".a.conf"),
            "leading dot needs a literal dot"
        );
        assert!(fnmatch(b".*", b".a"));
        assert!(fnmatch(b"a?c", b"abc"));
        assert!(fnmatch(b"[a-c]x", b"bx"));
        assert!(!fnmatch(b"[!a-c]x", b"bx"));
        assert!(fnmatch(b"[[:digit:]]*", b"1abc"));
        assert!(fnmatch(b"\\*", b"*"));
        assert!(!fnmatch(b"\\*", b"a"));
        assert!(fnmatch(b"a[b", b"a[b"), "unclosed bracket is literal");
        assert!(fnmatch(b"*a*b*c*", b"xxaxxbxxcxx"));
        assert!(!fnmatch(b"*a*b*c*d", b"xxaxxbxxcxx"));
    }

    #[test]
    fn brace_alternatives() {
        assert_eq!(next_brace_sub(b"{a,b}", 1), Some(2));
        assert_eq!(next_brace_sub(b"{a{b,c},d}", 1), Some(7));
        assert_eq!(next_brace_sub(b"{a", 1), None);
    }
}
