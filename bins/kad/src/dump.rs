//! `-d`/`--dump-conf`: the effective configuration, after includes, conditionals, parameter
//! substitution, defaults and inheritance, so an operator sees what kad will actually run.
//!
//! The text form is derived from the typed model's serialized shape rather than written per
//! block, so every field the model grows appears in the dump without touching this file; the
//! JSON form is the same data for tools.

use std::fmt::Write as _;

use keepalive_confparse::model::Config;
use serde_json::{Map, Value};

/// The configuration as JSON (pretty-printed, one trailing newline).
pub fn json(config: &Config) -> String {
    let mut s = serde_json::to_string_pretty(config)
        .unwrap_or_else(|e| format!("{{\"error\": \"cannot serialize configuration: {e}\"}}"));
    s.push('\n');
    s
}

/// The configuration as keepalived.conf-like text: `keyword value` lines and `keyword { }`
/// blocks, booleans shown only when set, unset options left out.
pub fn text(config: &Config) -> String {
    let value = serde_json::to_value(config).unwrap_or(Value::Null);
    let mut out = String::new();
    let Value::Object(top) = value else {
        return out;
    };
    for (section, v) in &top {
        match (section.as_str(), v) {
            // `global_defs` is a block in the file; the other sections hold top-level blocks.
            ("global", Value::Object(m)) => block(&mut out, 0, "global_defs", m),
            (_, Value::Object(m)) => {
                for (k, v) in m {
                    entry(&mut out, 0, k, v);
                }
            }
            (name, v) => entry(&mut out, 0, name, v),
        }
    }
    out
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("    ");
    }
}

/// One `key ...` entry of any shape.
fn entry(out: &mut String, depth: usize, key: &str, v: &Value) {
    match v {
        Value::Null | Value::Bool(false) => {}
        Value::Bool(true) => {
            indent(out, depth);
            let _ = writeln!(out, "{key}");
        }
        Value::Number(_) | Value::String(_) => {
            indent(out, depth);
            let _ = writeln!(out, "{key} {}", scalar(v));
        }
        Value::Array(items) if items.is_empty() => {}
        Value::Array(items) if items.iter().all(is_scalar) => {
            indent(out, depth);
            let words: Vec<String> = items.iter().map(scalar).collect();
            let _ = writeln!(out, "{key} {}", words.join(" "));
        }
        Value::Array(items) => {
            // A list of blocks (`vrrp_instance`, `real_server`) or of value lines
            // (`virtual_ipaddress`): named blocks repeat the keyword, anonymous ones are listed
            // inside one block.
            if items.iter().all(|i| named(i).is_some()) {
                for item in items {
                    entry(out, depth, key, item);
                }
            } else {
                indent(out, depth);
                let _ = writeln!(out, "{key} {{");
                for item in items {
                    line(out, depth + 1, item);
                }
                indent(out, depth);
                out.push_str("}\n");
            }
        }
        Value::Object(m) => block(out, depth, key, m),
    }
}

/// A block: `key [name] {`, its fields, `}`. An object with a string `name` field shows the name
/// after the keyword, as keepalived's named blocks do.
fn block(out: &mut String, depth: usize, key: &str, m: &Map<String, Value>) {
    if m.values().all(is_empty) {
        indent(out, depth);
        let _ = writeln!(out, "{key} {{ }}");
        return;
    }
    indent(out, depth);
    match named_map(m) {
        Some(name) => {
            let _ = writeln!(out, "{key} {} {{", quote(name));
        }
        None => {
            let _ = writeln!(out, "{key} {{");
        }
    }
    for (k, v) in m {
        if k == "name" && v.is_string() {
            continue;
        }
        entry(out, depth + 1, k, v);
    }
    indent(out, depth);
    out.push_str("}\n");
}

/// One element of an anonymous list, on its own line.
fn line(out: &mut String, depth: usize, v: &Value) {
    match v {
        Value::Array(items) if items.iter().all(is_scalar) => {
            indent(out, depth);
            let words: Vec<String> = items.iter().map(scalar).collect();
            let _ = writeln!(out, "{}", words.join(" "));
        }
        Value::Object(m) => {
            // A value line with attributes (`192.0.2.1/24 dev eth0 label x`): the fields in
            // order, each as `key value`, the first one bare when it looks like the subject.
            let mut words = Vec::new();
            let mut nested = Vec::new();
            for (k, v) in m {
                match v {
                    Value::Null | Value::Bool(false) => {}
                    Value::Bool(true) => words.push(k.clone()),
                    v if is_scalar(v) => {
                        if words.is_empty() && nested.is_empty() {
                            words.push(scalar(v));
                        } else {
                            words.push(format!("{k} {}", scalar(v)));
                        }
                    }
                    Value::Array(a) if a.is_empty() => {}
                    Value::Object(o) if o.values().all(is_empty) => {}
                    _ => nested.push((k.clone(), v.clone())),
                }
            }
            if nested.is_empty() {
                indent(out, depth);
                let _ = writeln!(out, "{}", words.join(" "));
            } else {
                indent(out, depth);
                let _ = writeln!(out, "{} {{", words.join(" "));
                for (k, v) in &nested {
                    entry(out, depth + 1, k, v);
                }
                indent(out, depth);
                out.push_str("}\n");
            }
        }
        v if is_scalar(v) => {
            indent(out, depth);
            let _ = writeln!(out, "{}", scalar(v));
        }
        Value::Array(items) => {
            for item in items {
                line(out, depth, item);
            }
        }
        _ => {}
    }
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::Number(_) | Value::String(_) | Value::Bool(_))
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null | Value::Bool(false) => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.values().all(is_empty),
        _ => false,
    }
}

fn named(v: &Value) -> Option<&str> {
    match v {
        Value::Object(m) => named_map(m),
        _ => None,
    }
}

fn named_map(m: &Map<String, Value>) -> Option<&str> {
    m.get("name").and_then(Value::as_str)
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Quote a word that would not survive keepalived's tokenizer as is.
fn quote(s: &str) -> String {
    if s.is_empty() || s.chars().any(|c| c.is_whitespace() || matches!(c, '"' | '#' | '!' | '{' | '}')) {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(v: Value) -> String {
        let mut out = String::new();
        if let Value::Object(m) = v {
            for (k, v) in &m {
                entry(&mut out, 0, k, v);
            }
        }
        out
    }

    #[test]
    fn named_blocks_and_value_lists() {
        let v = json!({
            "vrrp_instance": [
                {"name": "VI_1", "interface": "eth0", "priority": 100, "nopreempt": true,
                 "smtp_alert": false, "garp": null,
                 "virtual_ipaddress": [{"addr": "192.0.2.1/24", "dev": "eth0"}]}
            ]
        });
        let s = render(v);
        assert_eq!(
            s,
            "vrrp_instance VI_1 {\n    interface eth0\n    priority 100\n    nopreempt\n    \
             virtual_ipaddress {\n        192.0.2.1/24 dev eth0\n    }\n}\n"
        );
    }

    #[test]
    fn words_that_need_quotes() {
        assert_eq!(quote("a b"), "\"a b\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("/bin/true"), "/bin/true");
    }

    #[test]
    fn default_config_dumps() {
        let cfg = Config::default();
        let t = text(&cfg);
        assert!(t.contains("global_defs"), "{t}");
        let j: Value = serde_json::from_str(&json(&cfg)).unwrap();
        assert!(j.is_object());
    }
}
