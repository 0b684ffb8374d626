//! Test support for the LVS model tests: text → tree → `Config`, and diagnostics by severity.
//!
//! The tree comes from a small splitter (whitespace, quotes, `#`/`!` comments, braces) so
//! these tests exercise the typed layer alone; the conformance samples go through the real
//! preprocessor.
#![allow(dead_code)]

use keepalive_confparse::diag::{Diagnostics, Severity};
use keepalive_confparse::model::Config;
use keepalive_confparse::token::{Loc, Token};
use keepalive_confparse::tree::{Block, Node};

/// Split `text` into lines of tokens.
fn tokens(text: &str) -> Vec<Vec<Token>> {
    let file: std::sync::Arc<str> = "test.conf".into();
    let mut lines = Vec::new();
    for (ln, line) in text.lines().enumerate() {
        let mut toks = Vec::new();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let loc = Loc::new(file.clone(), ln as u32 + 1, i as u32 + 1);
            if c.is_whitespace() {
                i += 1;
            } else if c == '#' || c == '!' {
                break;
            } else if c == '{' || c == '}' {
                toks.push(Token::new(c.to_string(), loc));
                i += 1;
            } else if c == '"' {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    s.push(chars[i]);
                    i += 1;
                }
                i += 1;
                let mut t = Token::new(s, loc);
                t.quoted = true;
                toks.push(t);
            } else {
                let mut s = String::new();
                while i < chars.len() && !chars[i].is_whitespace() && !"{}".contains(chars[i]) {
                    s.push(chars[i]);
                    i += 1;
                }
                toks.push(Token::new(s, loc));
            }
        }
        if !toks.is_empty() {
            lines.push(toks);
        }
    }
    lines
}

/// Build the tree of `text`.
pub fn tree(text: &str) -> Vec<Node> {
    // Flatten to (token, starts_line) and parse recursively.
    let mut stream = Vec::new();
    for line in tokens(text) {
        for (i, t) in line.into_iter().enumerate() {
            stream.push((t, i == 0));
        }
    }
    let mut pos = 0;
    let nodes = nodes(&stream, &mut pos);
    assert_eq!(pos, stream.len(), "unbalanced braces in test text");
    nodes
}

fn nodes(s: &[(Token, bool)], pos: &mut usize) -> Vec<Node> {
    let mut out = Vec::new();
    while *pos < s.len() {
        let (t, _) = &s[*pos];
        if t.is_close() {
            return out;
        }
        let keyword = t.clone();
        *pos += 1;
        let mut args = Vec::new();
        let mut block = None;
        while *pos < s.len() {
            let (t, starts) = &s[*pos];
            if *starts || t.is_close() {
                break;
            }
            if t.is_open() {
                let open = t.loc.clone();
                *pos += 1;
                let children = nodes(s, pos);
                assert!(*pos < s.len(), "missing '}}'");
                *pos += 1;
                block = Some(Block { open, children });
                break;
            }
            args.push(t.clone());
            *pos += 1;
        }
        out.push(Node {
            keyword,
            args,
            block,
        });
    }
    out
}

/// Parse `text` into a `Config`.
pub fn parse(text: &str) -> (Config, Diagnostics) {
    let mut d = Diagnostics::new();
    let cfg = Config::from_tree(&tree(text), &mut d);
    (cfg, d)
}

/// Messages of the given severity.
pub fn msgs(d: &Diagnostics, sev: Severity) -> Vec<String> {
    d.iter()
        .filter(|x| x.severity == sev)
        .map(|x| x.message.clone())
        .collect()
}

/// Error messages.
pub fn errors(d: &Diagnostics) -> Vec<String> {
    msgs(d, Severity::Error)
}

/// Warning messages.
pub fn warnings(d: &Diagnostics) -> Vec<String> {
    msgs(d, Severity::Warning)
}

/// Assert exactly one error, containing `needle`.
#[track_caller]
pub fn one_error(d: &Diagnostics, needle: &str) {
    let e = errors(d);
    assert!(
        e.len() == 1 && e[0].contains(needle),
        "expected one error containing {needle:?}, got {e:#?}"
    );
}

/// Assert no errors.
#[track_caller]
pub fn no_errors(d: &Diagnostics) {
    let e: Vec<String> = d
        .iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|x| x.to_string())
        .collect();
    assert!(e.is_empty(), "unexpected errors: {e:#?}");
}

/// A complete, valid virtual server around `rs_body` (real server 192.0.2.10 80) with extra
/// virtual-server lines `vs_extra`.
pub fn vs(vs_extra: &str, rs_body: &str) -> String {
    format!(
        "virtual_server 192.0.2.1 80 {{\n lvs_sched rr\n lvs_method NAT\n protocol TCP\n{vs_extra}\n real_server 192.0.2.10 80 {{\n{rs_body}\n }}\n}}\n"
    )
}
