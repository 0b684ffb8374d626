//! The exposition formats a scrape asks for: Prometheus text format 0.0.4 and OpenMetrics 1.0
//! (`Accept: application/openmetrics-text`).
//!
//! The two differ in three places kad meets: a counter's `# TYPE` line names the family
//! without its `_total` suffix in OpenMetrics, OpenMetrics ends with `# EOF`, and the content
//! types. Each process writes its own families whole, so the parent can concatenate the
//! fragments and every family's samples stay together, as both formats require.

use std::fmt::Write;

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
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Number) {
        self.sample_with(name, &Labels::default(), labels, value);
    }

    /// One sample whose first labels were rendered once for many samples ([`Labels`]),
    /// followed by `more`.
    ///
    /// Why: at 1,000 VRRP instances a scrape holds some 25,000 samples that repeat each
    /// instance's `iname`, `intf` and `vrid`; escaping and formatting them once per
    /// instance rather than once per sample is most of what rendering costs.
    pub fn sample_with(
        &mut self,
        name: &str,
        prefix: &Labels,
        more: &[(&str, &str)],
        value: impl Number,
    ) {
        self.out.push_str(name);
        if !prefix.0.is_empty() || !more.is_empty() {
            self.out.push('{');
            self.out.push_str(&prefix.0);
            for (i, (k, v)) in more.iter().enumerate() {
                if i > 0 || !prefix.0.is_empty() {
                    self.out.push(',');
                }
                push_label(self.out, k, v);
            }
            self.out.push('}');
        }
        self.out.push(' ');
        value.put(self.out);
        self.out.push('\n');
    }

    /// A family with a single unlabelled sample.
    pub fn single(&mut self, name: &str, kind: Kind, help: &str, value: impl Number) {
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

/// Label pairs rendered once (`k="v",k2="v2"`, escaped) for the samples that share them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Labels(String);

impl Labels {
    /// `pairs`, rendered.
    pub fn new(pairs: &[(&str, &str)]) -> Labels {
        let mut s = String::new();
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            push_label(&mut s, k, v);
        }
        Labels(s)
    }
}

fn push_label(out: &mut String, k: &str, v: &str) {
    out.push_str(k);
    out.push_str("=\"");
    escape_label(out, v);
    out.push('"');
}

/// A sample's value. Integers are written without `fmt`'s machinery (most of a scrape's
/// values are small counters); floats as Rust's shortest round-trip form, which both
/// formats accept.
pub trait Number {
    /// Appends the value.
    fn put(&self, out: &mut String);
}

fn put_u64(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or("0"));
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Number for $t {
            fn put(&self, out: &mut String) {
                put_u64(out, u64::from(*self));
            }
        }
    )*};
}
unsigned!(u8, u16, u32, u64);

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl Number for $t {
            fn put(&self, out: &mut String) {
                if *self < 0 {
                    out.push('-');
                }
                put_u64(out, i64::from(*self).unsigned_abs());
            }
        }
    )*};
}
signed!(i8, i16, i32, i64);

impl Number for usize {
    fn put(&self, out: &mut String) {
        put_u64(out, *self as u64);
    }
}

impl Number for f64 {
    fn put(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl<T: Number + ?Sized> Number for &T {
    fn put(&self, out: &mut String) {
        (**self).put(out);
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
    fn numbers_are_written_as_display_writes_them() {
        let mut s = String::new();
        for v in [0u64, 7, 10, 1_000_000, u64::MAX] {
            v.put(&mut s);
            s.push(' ');
        }
        for v in [0i64, -1, i64::MIN, i64::MAX] {
            v.put(&mut s);
            s.push(' ');
        }
        0.25f64.put(&mut s);
        assert_eq!(
            s,
            format!(
                "0 7 10 1000000 {} 0 -1 {} {} 0.25",
                u64::MAX,
                i64::MIN,
                i64::MAX
            )
        );
    }

    #[test]
    fn prefixed_samples_read_as_plain_ones() {
        let (mut a, mut b) = (String::new(), String::new());
        let prefix = Labels::new(&[("iname", "VI\"1"), ("vrid", "5")]);
        Exposition::new(&mut a, Format::Prometheus).sample_with("m", &prefix, &[("k", "x")], 3u8);
        Exposition::new(&mut a, Format::Prometheus).sample_with("m", &prefix, &[], 4u8);
        let mut e = Exposition::new(&mut b, Format::Prometheus);
        e.sample("m", &[("iname", "VI\"1"), ("vrid", "5"), ("k", "x")], 3u8);
        e.sample("m", &[("iname", "VI\"1"), ("vrid", "5")], 4u8);
        assert_eq!(a, b);
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
