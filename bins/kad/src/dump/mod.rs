//! `-d`/`--dump-conf`: the effective configuration, after includes, conditionals, parameter
//! substitution, defaults and inheritance, so an operator sees what kad will actually run.
//!
//! The text form is derived from the typed model's serialized shape rather than written per
//! block, so every field the model grows appears in the dump without touching this file; the
//! JSON form is the same data for tools.

use std::fmt::Write as _;

use keepalive_confparse::model::Config;
use serde_json::{Map, Value};

mod keywords;

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
    let mut value = serde_json::to_value(config).unwrap_or(Value::Null);
    keywords::faithful(&mut value);
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
                    entry(&mut out, 0, keyword(k), v);
                }
            }
            (name, v) => entry(&mut out, 0, keyword(name), v),
        }
    }
    out
}

/// The keepalived keyword for a collection the model names in the plural.
fn keyword(field: &str) -> &str {
    match field {
        "instances" => "vrrp_instance",
        "sync_groups" => "vrrp_sync_group",
        "scripts" => "vrrp_script",
        "track_files" => "track_file",
        "track_processes" => "vrrp_track_process",
        "track_groups" => "track_group",
        "garp_groups" => "garp_group",
        "bfd" => "bfd_instance",
        "groups" => "virtual_server_group",
        "virtual_servers" => "virtual_server",
        "real_servers" => "real_server",
        "ssl" => "SSL",
        other => other,
    }
}

/// The keepalived keyword for a collection inside a block.
fn nested_keyword(field: &str) -> &str {
    match field {
        "real_servers" => "real_server",
        "urls" => "url",
        other => other,
    }
}

/// The `track_*` block for each list of an instance's or group's trackers.
fn track_keyword(field: &str) -> &str {
    match field {
        "interfaces" => "track_interface",
        "scripts" => "track_script",
        "files" => "track_file",
        "processes" => "track_process",
        "bfds" => "track_bfd",
        other => other,
    }
}

/// Fields that say where something was written, not what it is: left out of the text form.
fn hidden(key: &str) -> bool {
    key == "loc"
}

/// How a block introduces itself after its keyword: `VI_1` for a named block, `192.0.2.1 80`
/// for a virtual or real server, `fwmark 7`, `group NAME`. Returns the words and the fields they
/// used up.
fn header(m: &Map<String, Value>) -> (Vec<String>, Vec<&'static str>) {
    if let Some(name) = named_map(m) {
        return (vec![quote(name)], vec!["name"]);
    }
    if let Some(Value::Object(a)) = m.get("address") {
        let words: Vec<String> = a
            .iter()
            .filter(|(k, v)| *k != "kind" || v.as_str().is_some_and(|s| s != "ip"))
            .filter(|(_, v)| is_scalar(v))
            .map(|(_, v)| scalar(v))
            .collect();
        return (words, vec!["address"]);
    }
    if let (Some(a), Some(p)) = (m.get("addr"), m.get("port")) {
        // A real server of a fwmark service may have no port.
        if is_scalar(a) && (is_scalar(p) || p.is_null()) {
            let mut words = vec![scalar(a)];
            words.extend(is_scalar(p).then(|| scalar(p)));
            return (words, vec!["addr", "port"]);
        }
    }
    (Vec::new(), Vec::new())
}

/// A checker-like item whose `kind` object carries its keyword in `type` (`TCP_CHECK`).
fn kind_keyword(m: &Map<String, Value>) -> Option<&str> {
    match m.get("kind") {
        Some(Value::Object(k)) => k.get("type").and_then(Value::as_str),
        _ => None,
    }
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
            // At the top level a named block is a block even when it holds nothing.
            if depth == 0 && items.iter().all(Value::is_object) {
                for item in items {
                    if let Value::Object(m) = item {
                        block(out, depth, key, m);
                    }
                }
            } else if items.iter().all(is_block_item) && !items.iter().all(is_bare_header) {
                for item in items {
                    if let Value::Object(m) = item {
                        match kind_keyword(m) {
                            Some(kw) => block(out, depth, kw, m),
                            None => block(out, depth, key, m),
                        }
                    }
                }
            } else if items.iter().all(has_structure) {
                for item in items {
                    if let Value::Object(m) = item {
                        block(out, depth, key, m);
                    }
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
        Value::Object(m) if m.values().all(is_empty) => {}
        Value::Object(m) => block(out, depth, key, m),
    }
}

/// A block: `key [name] {`, its fields, `}`. An object with a string `name` field shows the name
/// after the keyword, as keepalived's named blocks do.
fn block(out: &mut String, depth: usize, key: &str, m: &Map<String, Value>) {
    let (words, used) = header(m);
    let mut fields: Vec<(&str, &Value)> = Vec::new();
    for (k, v) in m {
        if hidden(k) || used.contains(&k.as_str()) {
            continue;
        }
        // A checker's `kind` became its keyword; its other fields read as the block's own.
        if k == "kind" && kind_keyword(m).is_some() {
            if let Value::Object(kind) = v {
                fields.extend(
                    kind.iter()
                        .filter(|(k, _)| *k != "type")
                        .map(|(k, v)| (k.as_str(), v)),
                );
            }
            continue;
        }
        fields.push((k.as_str(), v));
    }
    indent(out, depth);
    out.push_str(key);
    for w in &words {
        out.push(' ');
        out.push_str(w);
    }
    if fields.iter().all(|(_, v)| is_empty(v)) {
        out.push_str(" { }\n");
        return;
    }
    out.push_str(" {\n");
    for (k, v) in fields {
        match v {
            // Sub-objects that only group settings (`conn`, `timing`) read better inline.
            Value::Object(inner) if is_group(k) => {
                for (ik, iv) in inner {
                    if hidden(ik) {
                        continue;
                    }
                    let ik = if k == "track" { track_keyword(ik) } else { ik };
                    entry(out, depth + 1, ik, iv);
                }
            }
            // A virtual_server_group's entries are its own lines.
            Value::Array(items) if k == "entries" => {
                for item in items {
                    line(out, depth + 1, item);
                }
            }
            _ => entry(out, depth + 1, nested_keyword(k), v),
        }
    }
    indent(out, depth);
    out.push_str("}\n");
}

/// Model fields that group settings for the code's sake and have no block in keepalived.conf.
fn is_group(key: &str) -> bool {
    matches!(key, "conn" | "timing" | "settings" | "track")
}

/// An item that is only its header (`VI_1` in a sync group's `group`): listed, not a block.
fn is_bare_header(v: &Value) -> bool {
    match v {
        Value::Object(m) => {
            let (_, used) = header(m);
            m.iter()
                .all(|(k, v)| hidden(k) || used.contains(&k.as_str()) || is_empty(v))
        }
        _ => false,
    }
}

/// An object with something nested in it (`url { path ... status_code ... }`).
fn has_structure(v: &Value) -> bool {
    match v {
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| !hidden(k) && !is_scalar(v) && !is_empty(v)),
        _ => false,
    }
}

fn is_block_item(v: &Value) -> bool {
    match v {
        Value::Object(m) => kind_keyword(m).is_some() || !header(m).0.is_empty(),
        _ => false,
    }
}

/// One element of an anonymous list, on its own line.
fn line(out: &mut String, depth: usize, v: &Value) {
    match v {
        Value::Array(items) if items.iter().all(is_scalar) => {
            indent(out, depth);
            let words: Vec<String> = items.iter().map(scalar).collect();
            let _ = writeln!(out, "{}", words.join(" "));
        }
        Value::Object(m) if is_bare_header(v) => {
            indent(out, depth);
            let _ = writeln!(out, "{}", header(m).0.join(" "));
        }
        Value::Object(m) => {
            // A value line with attributes (`192.0.2.1/24 dev eth0 label x`): the fields in
            // order, each as `key value`, the first one bare when it looks like the subject.
            let mut words = Vec::new();
            let mut nested = Vec::new();
            for (k, v) in m {
                if hidden(k) {
                    continue;
                }
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
    if s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '#' | '!' | '{' | '}'))
    {
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
