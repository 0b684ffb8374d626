//! The exposition formats a scrape asks for: Prometheus text format 0.0.4 and OpenMetrics 1.0
//! (`Accept: application/openmetrics-text`).
//!
//! The two differ in three places kad meets: a counter's `# TYPE` line names the family
//! without its `_total` suffix in OpenMetrics, OpenMetrics ends with `# EOF`, and the content
//! types. Each process writes its own families whole, so the parent can concatenate the
//! fragments and every family's samples stay together, as both formats require.

use std::fmt::{Display, Write};

/// Which format a scrape gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/plain; version=0.0.4`.
    Prometheus,
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
}

impl Format {
    /// The format an `Accept` header asks for: OpenMetrics when it names it, else the text
    /// format every Prometheus understands.
    pub fn from_accept(accept: &str) -> Format {
        if accept
            .split(',')
            .any(|t| t.trim_start().starts_with("application/openmetrics-text"))
        {
            Format::OpenMetrics
        } else {
            Format::Prometheus
        }
    }

    /// The `Content-Type` of a body in this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }

    /// The byte a snapshot request carries.
    pub(crate) fn to_byte(self) -> u8 {
        match self {
            Format::Prometheus => b'P',
            Format::OpenMetrics => b'O',
        }
    }

    /// The format a snapshot request names.
    pub(crate) fn from_byte(b: u8) -> Option<Format> {
        match b {
            b'P' => Some(Format::Prometheus),
            b'O' => Some(Format::OpenMetrics),
            _ => None,
        }
    }
}

/// A metric family's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up (its samples end in `_total`).
    Counter,
    /// Any value.
    Gauge,
}

/// Writes families and samples in one [`Format`] into a `String`.
#[derive(Debug)]
pub struct Exposition<'a> {
    out: &'a mut String,
    format: Format,
}

impl<'a> Exposition<'a> {
    /// Appends to `out`.
    pub fn new(out: &'a mut String, format: Format) -> Exposition<'a> {
        Exposition { out, format }
    }

    /// The format being written.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Starts the family `name` (a counter's name ends in `_total`, as its samples do).
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let family = match (kind, self.format) {
            (Kind::Counter, Format::OpenMetrics) => name.strip_suffix("_total").unwrap_or(name),
            _ => name,
        };
        let kind = match kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        };
        self.out.push_str("# HELP ");
        self.out.push_str(family);
        self.out.push(' ');
        for c in help.chars() {
            match c {
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                c => self.out.push(c),
            }
        }
        self.out.push_str("\n# TYPE ");
        self.out.push_str(family);
        self.out.push(' ');
        self.out.push_str(kind);
        self.out.push('\n');
    }

    /// One sample of the current family.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(k);
                self.out.push_str("=\"");
                escape_label(self.out, v);
                self.out.push('"');
            }
            self.out.push('}');
        }
        let _ = writeln!(self.out, " {value}");
    }

    /// A family with a single unlabelled sample.
    pub fn single(&mut self, name: &str, kind: Kind, help: &str, value: impl Display) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }

    /// Ends the exposition (OpenMetrics' `# EOF`).
    pub fn finish(self) {
        if self.format == Format::OpenMetrics {
            self.out.push_str("# EOF\n");
        }
    }
}

/// A label value with `\`, `"` and newlines escaped.
fn escape_label(out: &mut String, v: &str) {
    if !v.contains(['\\', '"', '\n']) {
        out.push_str(v);
        return;
    }
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A Unix time in seconds, as a float sample.
pub fn unix_seconds(t: std::time::SystemTime) -> f64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_name_their_family_without_total_in_openmetrics() {
        let mut s = String::new();
        let mut e = Exposition::new(&mut s, Format::OpenMetrics);
        e.family("kad_x_total", Kind::Counter, "X.");
        e.sample("kad_x_total", &[("a", "1")], 3);
        e.finish();
        assert_eq!(
            s,
            "# HELP kad_x X.\n# TYPE kad_x counter\nkad_x_total{a=\"1\"} 3\n# EOF\n"
        );
        let mut s = String::new();
        let mut e = Exposition::new(&mut s, Format::Prometheus);
        e.single("kad_x_total", Kind::Counter, "X.", 3);
        e.finish();
        assert_eq!(
            s,
            "# HELP kad_x_total X.\n# TYPE kad_x_total counter\nkad_x_total 3\n"
        );
    }

    #[test]
    fn labels_and_help_are_escaped() {
        let mut s = String::new();
        let mut e = Exposition::new(&mut s, Format::Prometheus);
        e.family("g", Kind::Gauge, "a\\b\nc");
        e.sample("g", &[("n", "q\"\\\n"), ("m", "plain")], 1.5);
        assert_eq!(
            s,
            "# HELP g a\\\\b\\nc\n# TYPE g gauge\ng{n=\"q\\\"\\\\\\n\",m=\"plain\"} 1.5\n"
        );
    }

    #[test]
    fn accept_header_picks_the_format() {
        assert_eq!(Format::from_accept(""), Format::Prometheus);
        assert_eq!(
            Format::from_accept("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"),
            Format::OpenMetrics
        );
        assert_eq!(
            Format::from_accept("text/plain;version=0.0.4;q=0.3,*/*;q=0.2"),
            Format::Prometheus
        );
    }
}
