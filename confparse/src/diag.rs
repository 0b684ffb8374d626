//! Diagnostics: what is wrong with a configuration, and where.
//!
//! keepalived logs a configuration problem and goes on reading, so one run shows every problem.
//! kad does the same: parsing never stops at the first error; each stage pushes into a
//! [`Diagnostics`] sink and the caller decides from [`Diagnostics::has_errors`].

use std::fmt;

use crate::token::{Loc, Token};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// keepalived would carry on, but the operator should know (unknown keyword, deprecated
    /// synonym, value clamped).
    Warning,
    /// keepalived's `-t` would fail on this configuration.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem found in a configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where it is; `None` only for problems with no place (the main file cannot be read).
    pub loc: Option<Loc>,
    /// What is wrong, in one line, without a trailing period.
    pub message: String,
    /// A suggestion (`did you mean 'priority'?`).
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// `file:line:col: error: message` and, when there is one, `  hint: ...` on the next line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.loc {
            write!(f, "{loc}: ")?;
        }
        write!(f, "{}: {}", self.severity, self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// The sink every stage reports into.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    errors: usize,
}

impl Diagnostics {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Report a diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        if d.severity == Severity::Error {
            self.errors += 1;
        }
        self.items.push(d);
    }

    /// Report an error at `loc`.
    pub fn error(&mut self, loc: &Loc, message: impl Into<String>) {
        self.push(Diagnostic {
            severity: Severity::Error,
            loc: Some(loc.clone()),
            message: message.into(),
            hint: None,
        });
    }

    /// Report a warning at `loc`.
    pub fn warning(&mut self, loc: &Loc, message: impl Into<String>) {
        self.push(Diagnostic {
            severity: Severity::Warning,
            loc: Some(loc.clone()),
            message: message.into(),
            hint: None,
        });
    }

    /// Report an error at `loc` with a hint.
    pub fn error_hint(&mut self, loc: &Loc, message: impl Into<String>, hint: impl Into<String>) {
        self.push(Diagnostic {
            severity: Severity::Error,
            loc: Some(loc.clone()),
            message: message.into(),
            hint: Some(hint.into()),
        });
    }

    /// Report a warning at `loc` with a hint.
    pub fn warning_hint(&mut self, loc: &Loc, message: impl Into<String>, hint: impl Into<String>) {
        self.push(Diagnostic {
            severity: Severity::Warning,
            loc: Some(loc.clone()),
            message: message.into(),
            hint: Some(hint.into()),
        });
    }

    /// Report a keyword that the enclosing block does not know, with a did-you-mean among
    /// `known`. Whether this is an error or a warning follows keepalived (see the callers).
    pub fn unknown_keyword(
        &mut self,
        severity: Severity,
        tok: &Token,
        block: &str,
        known: &[&str],
    ) {
        let message = if block.is_empty() {
            format!("unknown keyword '{}'", tok.text)
        } else {
            format!("unknown keyword '{}' in {}", tok.text, block)
        };
        let hint = did_you_mean(&tok.text, known).map(|k| format!("did you mean '{k}'?"));
        self.push(Diagnostic {
            severity,
            loc: Some(tok.loc.clone()),
            message,
            hint,
        });
    }

    /// True if any error was reported.
    pub fn has_errors(&self) -> bool {
        self.errors > 0
    }

    /// Number of errors reported.
    pub fn error_count(&self) -> usize {
        self.errors
    }

    /// Everything reported, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Everything reported, in order.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// Number of diagnostics of any severity.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// The closest word in `known` to `word`, if it is close enough to be a likely typo
/// (edit distance at most a third of the word's length, and at least 1).
///
/// ```
/// use keepalive_confparse::diag::did_you_mean;
///
/// let known = ["priority", "interface", "virtual_router_id"];
/// assert_eq!(did_you_mean("priorty", &known), Some("priority"));
/// assert_eq!(did_you_mean("weight", &known), None);
/// ```
pub fn did_you_mean<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance over characters, with one row of memory.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keyword() {
        assert_eq!(
            did_you_mean("priorty", &["priority", "preempt"]),
            Some("priority")
        );
        assert_eq!(did_you_mean("zzzzzz", &["priority"]), None);
    }

    #[test]
    fn display_has_file_line_col() {
        let loc = Loc::new("k.conf".into(), 3, 5);
        let mut d = Diagnostics::new();
        d.error_hint(&loc, "bad", "try good");
        let s = d.iter().next().unwrap().to_string();
        assert_eq!(s, "k.conf:3:5: error: bad\n  hint: try good");
        assert!(d.has_errors());
    }
}
