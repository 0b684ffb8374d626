//! `HTTP_GET` and `SSL_GET`: fetch URLs and check status, digest or a regex.

use std::net::IpAddr;

use super::{Checker, CheckerKind};
use crate::diag::{Diagnostics, Severity};
use crate::model::values::{flag, need_arg, need_block, no_block, parse_uint};
use crate::token::Loc;
use crate::tree::Node;

/// The settings of an `HTTP_GET` or `SSL_GET` block.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct HttpCheck {
    /// `http_protocol` (default 1.0).
    pub http_protocol: HttpProtocol,
    /// `virtualhost`: the Host header (a `url`'s own wins). After
    /// [`crate::model::lvs::finish`], the real or virtual server's when the block sets none.
    pub virtualhost: Option<String>,
    /// `enable_sni`: send SNI in the TLS handshake.
    pub enable_sni: bool,
    /// `fast_recovery`: check all URLs back to back when recovering.
    pub fast_recovery: bool,
    /// `tls_compliant` (block level): send close_notify. A keyword of keepalived after 2.2.7.
    pub tls_compliant: bool,
    /// `url` blocks, in order; never empty.
    pub urls: Vec<Url>,
}

/// `http_protocol`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum HttpProtocol {
    /// HTTP/1.0.
    #[default]
    #[cfg_attr(feature = "serde", serde(rename = "1.0"))]
    Http10,
    /// HTTP/1.0 with `Connection: close`.
    #[cfg_attr(feature = "serde", serde(rename = "1.0C"))]
    Http10Close,
    /// HTTP/1.1.
    #[cfg_attr(feature = "serde", serde(rename = "1.1"))]
    Http11,
}

/// One `url` block.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Url {
    /// `path`.
    pub path: String,
    /// `digest`: MD5 of the body, lowercase hex.
    pub digest: Option<String>,
    /// `status_code`: accepted codes, as sorted disjoint ranges (default 200-299).
    pub status_codes: Vec<StatusRange>,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `regex`: a PCRE2 pattern the body must match (or must not, with `regex_no_match`).
    pub regex: Option<String>,
    /// `regex_no_match`.
    pub regex_no_match: bool,
    /// `regex_options`, the PCRE2 option names given.
    pub regex_options: Vec<String>,
    /// `regex_stack <START> <MAX>`, bytes of JIT stack.
    pub regex_stack: Option<(u64, u64)>,
    /// `regex_min_offset`.
    pub regex_min_offset: Option<u64>,
    /// `regex_max_offset`.
    pub regex_max_offset: Option<u64>,
    /// `tls_compliant` (url level, SSL_GET only; after keepalived 2.2.7).
    pub tls_compliant: bool,
    /// Where the block starts.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
}

/// Inclusive range of HTTP status codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StatusRange {
    /// Lowest accepted.
    pub min: u16,
    /// Highest accepted.
    pub max: u16,
}

impl Url {
    /// True if `code` is an accepted status.
    pub fn accepts(&self, code: u16) -> bool {
        self.status_codes
            .iter()
            .any(|r| (r.min..=r.max).contains(&code))
    }
}

/// The PCRE2 options keepalived knows for `regex_options`.
pub const REGEX_OPTIONS: &[&str] = &[
    "allow_empty_class",
    "alt_bsux",
    "auto_callout",
    "caseless",
    "dollar_endonly",
    "dotall",
    "dupnames",
    "extended",
    "firstline",
    "match_unset_backref",
    "multiline",
    "never_ucp",
    "never_utf",
    "no_auto_capture",
    "no_auto_possess",
    "no_dotstar_anchor",
    "no_start_optimize",
    "ucp",
    "ungreedy",
    "utf",
    "never_backslash_c",
    "alt_circumflex",
    "alt_verbnames",
    "use_offset_limit",
];

const OWN: &[&str] = &[
    "nb_get_retry",
    "virtualhost",
    "http_protocol",
    "enable_sni",
    "fast_recovery",
    "tls_compliant",
    "url",
];

const URL_KEYWORDS: &[&str] = &[
    "path",
    "digest",
    "status_code",
    "virtualhost",
    "regex",
    "regex_no_match",
    "regex_options",
    "regex_stack",
    "regex_min_offset",
    "regex_max_offset",
    "tls_compliant",
];

pub(super) fn parse(
    node: &Node,
    children: &[Node],
    rs_addr: IpAddr,
    d: &mut Diagnostics,
) -> Option<Checker> {
    let ssl = node.name() == "SSL_GET";
    let mut h = HttpCheck::default();
    let kind = if ssl {
        CheckerKind::SslGet(HttpCheck::default())
    } else {
        CheckerKind::HttpGet(HttpCheck::default())
    };
    let mut c = Checker::new(kind, true, node.keyword.loc.clone());
    for n in children {
        if c.common(n, Some(rs_addr), d) {
            continue;
        }
        if n.name() != "url" {
            no_block(n, d);
        }
        match n.name() {
            "nb_get_retry" => {
                // keepalived 2.2.7 reports this as a configuration error, yet applies it.
                d.error_hint(
                    &n.keyword.loc,
                    "nb_get_retry is deprecated - please use 'retry'",
                    "use 'retry'",
                );
                if let Some(t) = need_arg(n, 0, d) {
                    if let Some(v) = parse_uint(t, 0, u64::from(u32::MAX), d) {
                        c.settings.retry = Some(v as u32);
                    }
                }
            }
            "virtualhost" => {
                if let Some(t) = need_arg(n, 0, d) {
                    h.virtualhost = Some(t.text.clone());
                }
            }
            "http_protocol" => {
                let Some(t) = need_arg(n, 0, d) else { continue };
                h.http_protocol = match t.text.as_str() {
                    "1.0" => HttpProtocol::Http10,
                    "1.1" => HttpProtocol::Http11,
                    "1.0C" | "1.0c" => HttpProtocol::Http10Close,
                    _ => {
                        d.error_hint(
                            &t.loc,
                            format!("invalid http_protocol version {}", t.text),
                            "expected 1.0, 1.0C or 1.1",
                        );
                        continue;
                    }
                };
            }
            "enable_sni" => {
                if let Some(v) = flag(n, d) {
                    h.enable_sni = v;
                }
            }
            "fast_recovery" => {
                if let Some(v) = flag(n, d) {
                    h.fast_recovery = v;
                }
            }
            "tls_compliant" => {
                if let Some(v) = flag(n, d) {
                    h.tls_compliant = v;
                }
            }
            "url" => {
                if let Some(u) = parse_url(n, d) {
                    h.urls.push(u);
                }
            }
            _ => c.unknown(n, OWN, d),
        }
    }
    if h.urls.is_empty() {
        d.error(
            &node.keyword.loc,
            format!("{} checker has no urls specified - ignoring", node.name()),
        );
        return None;
    }
    c.kind = if ssl {
        CheckerKind::SslGet(h)
    } else {
        CheckerKind::HttpGet(h)
    };
    c.finish_conn(rs_addr, d)
}

fn parse_url(node: &Node, d: &mut Diagnostics) -> Option<Url> {
    let children = need_block(node, d)?;
    let mut path = None;
    let mut codes = [false; 500];
    let mut any_code = false;
    let mut u = Url {
        path: String::new(),
        digest: None,
        status_codes: Vec::new(),
        virtualhost: None,
        regex: None,
        regex_no_match: false,
        regex_options: Vec::new(),
        regex_stack: None,
        regex_min_offset: None,
        regex_max_offset: None,
        tls_compliant: false,
        loc: node.keyword.loc.clone(),
    };
    for n in children {
        no_block(n, d);
        match n.name() {
            "path" => {
                if let Some(t) = need_arg(n, 0, d) {
                    path = Some(t.text.clone());
                }
            }
            "digest" => {
                let Some(t) = need_arg(n, 0, d) else { continue };
                if u.digest.is_some() {
                    d.error(&t.loc, format!("digest '{}' is a duplicate", t.text));
                } else if t.text.len() != 32 {
                    d.error(
                        &t.loc,
                        format!(
                            "digest '{}' character length should be 32 rather than {}",
                            t.text,
                            t.text.len()
                        ),
                    );
                } else if !t.text.chars().all(|c| c.is_ascii_hexdigit()) {
                    d.error(
                        &t.loc,
                        format!("unable to interpret hex digit in digest '{}'", t.text),
                    );
                } else {
                    u.digest = Some(t.text.to_ascii_lowercase());
                }
            }
            "status_code" => {
                for t in &n.args {
                    match parse_status(&t.text) {
                        Some((lo, hi)) => {
                            any_code = true;
                            for c in lo..=hi {
                                codes[usize::from(c - 100)] = true;
                            }
                        }
                        None => d.error_hint(
                            &t.loc,
                            format!("invalid HTTP_GET status code '{}'", t.text),
                            "expected a code or range within 100-599, such as 200 or 200-299",
                        ),
                    }
                }
            }
            "virtualhost" => {
                if let Some(t) = need_arg(n, 0, d) {
                    u.virtualhost = Some(t.text.clone());
                }
            }
            "regex" => {
                if n.args.len() != 1 {
                    d.warning(&n.keyword.loc, "regex missing or too many fields");
                } else {
                    u.regex = Some(n.args[0].text.clone());
                }
            }
            "regex_no_match" => u.regex_no_match = true,
            "regex_options" => {
                for t in &n.args {
                    if REGEX_OPTIONS.contains(&t.text.as_str()) {
                        u.regex_options.push(t.text.clone());
                    } else {
                        // keepalived ignores unknown options without a word.
                        let hint = crate::diag::did_you_mean(&t.text, REGEX_OPTIONS)
                            .map_or_else(String::new, |s| format!("did you mean '{s}'?"));
                        d.warning_hint(
                            &t.loc,
                            format!("unknown regex option '{}' is ignored", t.text),
                            hint,
                        );
                    }
                }
            }
            "regex_stack" => {
                let nums: Vec<Option<u64>> = n.args.iter().map(|t| t.text.parse().ok()).collect();
                match nums.as_slice() {
                    [Some(a), Some(b)] if a <= b => u.regex_stack = Some((*a, *b)),
                    [Some(_), Some(_)] => {
                        d.warning(&n.keyword.loc, "regex stack start cannot exceed max value")
                    }
                    [_, _] => d.warning(&n.keyword.loc, "regex_stack invalid value"),
                    _ => d.warning(&n.keyword.loc, "regex_stack requires start and max values"),
                }
            }
            "regex_min_offset" | "regex_max_offset" => {
                let which = if n.name() == "regex_min_offset" {
                    "min"
                } else {
                    "max"
                };
                let v = match n.args.as_slice() {
                    [t] => match t.text.parse::<u64>() {
                        Ok(v) => Some(v),
                        Err(_) => {
                            d.warning(
                                &t.loc,
                                format!("invalid regex_{which}_offset {} specified", t.text),
                            );
                            None
                        }
                    },
                    _ => {
                        d.warning(
                            &n.keyword.loc,
                            format!("missing or too many options for regex_{which}_offset"),
                        );
                        None
                    }
                };
                if which == "min" {
                    u.regex_min_offset = v;
                } else {
                    u.regex_max_offset = v;
                }
            }
            "tls_compliant" => {
                if let Some(v) = flag(n, d) {
                    u.tls_compliant = v;
                }
            }
            _ => d.unknown_keyword(Severity::Error, &n.keyword, "url", URL_KEYWORDS),
        }
    }
    let Some(p) = path else {
        d.error(
            &node.keyword.loc,
            "HTTP/SSL_GET checker url has no path - ignoring",
        );
        return None;
    };
    u.path = p;
    if !any_code {
        for c in &mut codes[100..200] {
            *c = true;
        }
    }
    u.status_codes = ranges(&codes);
    if u.regex.is_none()
        && (!u.regex_options.is_empty()
            || u.regex_no_match
            || u.regex_min_offset.is_some()
            || u.regex_max_offset.is_some()
            || u.regex_stack.is_some())
    {
        d.warning(
            &node.keyword.loc,
            "regex parameters specified without regex - ignoring them",
        );
        u.regex_options.clear();
        u.regex_no_match = false;
        u.regex_min_offset = None;
        u.regex_max_offset = None;
        u.regex_stack = None;
    }
    if let (Some(min), Some(max)) = (u.regex_min_offset, u.regex_max_offset) {
        // keepalived holds max + 1 and rejects min >= max + 1.
        if min > max {
            d.warning(
                &node.keyword.loc,
                format!("regex min offset {min} > regex_max_offset {max} - ignoring"),
            );
            u.regex_min_offset = None;
            u.regex_max_offset = None;
        }
    }
    Some(u)
}

/// `200` or `200-299` within 100..=599.
fn parse_status(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let lo: u16 = a.parse().ok()?;
    let hi: u16 = b.parse().ok()?;
    ((100..=599).contains(&lo) && (100..=599).contains(&hi) && lo <= hi).then_some((lo, hi))
}

/// Runs of accepted codes as ranges.
fn ranges(codes: &[bool; 500]) -> Vec<StatusRange> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &on) in codes.iter().chain(std::iter::once(&false)).enumerate() {
        match (on, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(StatusRange {
                    min: (s + 100) as u16,
                    max: (i - 1 + 100) as u16,
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_parse_and_merge() {
        assert_eq!(parse_status("200"), Some((200, 200)));
        assert_eq!(parse_status("200-299"), Some((200, 299)));
        assert_eq!(parse_status("99"), None);
        assert_eq!(parse_status("300-200"), None);
        assert_eq!(parse_status("600"), None);
        assert_eq!(parse_status("2x0"), None);
        let mut codes = [false; 500];
        for c in [200usize, 201, 202, 404] {
            codes[c - 100] = true;
        }
        codes[499] = true;
        assert_eq!(
            ranges(&codes),
            [
                StatusRange { min: 200, max: 202 },
                StatusRange { min: 404, max: 404 },
                StatusRange { min: 599, max: 599 }
            ]
        );
    }
}
