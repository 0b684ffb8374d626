//! The model's serialized shape turned into keepalived.conf's own keywords, so that the text
//! dump of `-t -d` is a configuration both kad and keepalived load with the same meaning.
//!
//! The model groups and names things for the code's sake (`forwarding { method NAT }`,
//! `status_codes [{min, max}]`, `family Inet`); keepalived.conf(5) spells them `lvs_method NAT`,
//! `status_code 200-299` or derives them. Each function here rewrites one block's fields into
//! the man page's words; value lines (addresses, routes, rules, tracked objects, group entries)
//! become word lists, which the generic writer prints one per line.

use serde_json::{Map, Value};

/// Rewrite the whole serialized configuration in place.
pub fn faithful(top: &mut Value) {
    let Value::Object(top) = top else { return };
    // `vrrp_script` and MISC_CHECK name their user with a keyword of their own; every other
    // script takes it after the command.
    if let Some(Value::Object(v)) = top.get_mut("vrrp") {
        for_each_object(v, "scripts", |s| split_user(s, "script"));
    }
    if let Some(Value::Object(l)) = top.get_mut("lvs") {
        for_each_object(l, "virtual_servers", |vs| {
            for_each_object(vs, "real_servers", |rs| {
                for_each_object(rs, "checkers", |c| {
                    if let Some(Value::Object(kind)) = c.get_mut("kind") {
                        split_user(kind, "script");
                    }
                })
            })
        });
    }
    scripts_to_words(top);
    if let Some(Value::Object(g)) = top.get_mut("global") {
        global(g);
    }
    if let Some(Value::Object(v)) = top.get_mut("vrrp") {
        vrrp(v);
    }
    if let Some(Value::Object(l)) = top.get_mut("lvs") {
        lvs(l);
    }
    if let Some(Value::Array(b)) = top.get_mut("bfd") {
        b.iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(bfd_instance);
    }
    // keepalived looks up a tracked script, file, process or BFD instance when it reads the
    // `track_*` line, so those blocks must come before the instances that name them.
    move_to_end(top, "vrrp");
    move_to_end(top, "lvs");
    if let Some(Value::Object(v)) = top.get_mut("vrrp") {
        move_to_end(v, "instances");
        move_to_end(v, "sync_groups");
    }
}

fn move_to_end(m: &mut Map<String, Value>, key: &str) {
    if let Some(v) = m.shift_remove(key) {
        m.insert(key.to_owned(), v);
    }
}

/// Move a script's `user`/`group` out to a `user USER [GROUP]` entry beside it.
fn split_user(m: &mut Map<String, Value>, key: &str) {
    let Some(Value::Object(script)) = m.get_mut(key) else {
        return;
    };
    let words: Vec<Value> = ["user", "group"]
        .iter()
        .filter_map(|k| script.shift_remove(*k))
        .filter(|v| !v.is_null())
        .collect();
    if !words.is_empty() {
        m.insert("user".into(), Value::Array(words));
    }
}

/// The global settings the model groups per child process, per FIFO or per netlink socket,
/// back to their flat keywords (`vrrp_priority`, `notify_fifo_script`, `..._rcv_bufs_force`).
fn flatten_global(g: &mut Map<String, Value>) {
    for child in ["vrrp", "checker", "bfd"] {
        let Some(Value::Object(p)) = g.shift_remove(&format!("{child}_process")) else {
            continue;
        };
        for (k, v) in p {
            let key = if k == "process_name" {
                format!("{child}_process_name")
            } else {
                format!("{child}_{k}")
            };
            g.insert(key, v);
        }
    }
    for fifo in ["notify_fifo", "vrrp_notify_fifo", "lvs_notify_fifo"] {
        let Some(Value::Object(mut n)) = g.shift_remove(fifo) else {
            continue;
        };
        if let Some(Value::Object(f)) = n.shift_remove("fifo") {
            let words = ["path", "user", "group"]
                .iter()
                .filter_map(|k| f.get(*k).filter(|v| !v.is_null()).cloned())
                .collect();
            g.insert(fifo.into(), Value::Array(words));
        }
        if let Some(script) = n.shift_remove("script").filter(|v| !v.is_null()) {
            g.insert(format!("{fifo}_script"), script);
        }
    }
    let bufs: Vec<String> = g
        .keys()
        .filter(|k| k.ends_with("_rcv_bufs"))
        .cloned()
        .collect();
    for key in bufs {
        if let Some(Value::Object(b)) = g.shift_remove(&key) {
            if let Some(size) = b.get("size").filter(|v| !v.is_null()) {
                g.insert(key.clone(), size.clone());
            }
            if b.get("force") == Some(&Value::Bool(true)) {
                g.insert(format!("{key}_force"), Value::Bool(true));
            }
        }
    }
    if let Some(Value::Object(t)) = g.get("lvs_timeouts") {
        let mut words = Vec::new();
        for (k, v) in t.iter().filter(|(_, v)| !v.is_null()) {
            words.push(Value::String(k.clone()));
            words.push(v.clone());
        }
        g.insert("lvs_timeouts".into(), Value::Array(words));
    }
    if let Some(Value::Object(d)) = g.get("lvs_sync_daemon") {
        // `lvs_sync_daemon IF [inst] VI [id N] [maxlen N] [port N] [ttl N] [group ADDR]`.
        let mut words = Vec::new();
        for (k, v) in d.iter().filter(|(_, v)| !v.is_null()) {
            match k.as_str() {
                "interface" => words.push(v.clone()),
                "instance" => words.extend([Value::from("inst"), v.clone()]),
                _ => words.extend([Value::from(k.as_str()), v.clone()]),
            }
        }
        g.insert("lvs_sync_daemon".into(), Value::Array(words));
    }
    if let Some(Value::Array(words)) = g.get_mut("script_user") {
        words.retain(|w| !w.is_null());
    }
}

fn global(g: &mut Map<String, Value>) {
    flatten_global(g);
    // `notification_email { a b }` is a block of addresses, one per line.
    if let Some(Value::Array(emails)) = g.get_mut("notification_email") {
        *emails = emails.drain(..).map(|e| Value::Array(vec![e])).collect();
    }
    if let Some(Value::Object(s)) = g.get("smtp_server") {
        let words = [s.get("host"), s.get("port")]
            .into_iter()
            .flatten()
            .filter(|v| !v.is_null())
            .cloned()
            .collect();
        g.insert("smtp_server".into(), Value::Array(words));
    }
    // 0 is the model's "not set"; keepalived rejects it as a value.
    for key in ["vrrp_garp_interval", "vrrp_gna_interval"] {
        if g.get(key).and_then(Value::as_f64) == Some(0.0) {
            g.shift_remove(key);
        }
    }
}

fn vrrp(v: &mut Map<String, Value>) {
    lines(v, "static_ipaddress", address_words);
    lines(v, "static_routes", route_words);
    lines(v, "static_rules", rule_words);
    for_each_object(v, "instances", instance);
    for_each_object(v, "sync_groups", |g| {
        if let Some(Value::Array(members)) = g.shift_remove("members") {
            let names = members
                .iter()
                .filter_map(|m| m.get("name").cloned())
                .map(|n| Value::Array(vec![n]))
                .collect();
            g.insert("group".into(), Value::Array(names));
        }
        track(g);
        notify(g);
    });
    for_each_object(v, "garp_groups", |g| {
        if let Some(Value::Array(ifs)) = g.get_mut("interfaces") {
            *ifs = ifs.drain(..).map(|i| Value::Array(vec![i])).collect();
        }
    });
    // `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }`, `interface_up_down_delays { IF DOWN UP }`.
    lines(v, "linkbeat_interfaces", |l| {
        let mut w = Words::default();
        w.value(l.get("interface"));
        if let Some(m) = l.get("method").and_then(Value::as_str) {
            w.word(&m.to_uppercase());
        }
        w.done()
    });
    lines(v, "interface_up_down_delays", |l| {
        let mut w = Words::default();
        for key in ["interface", "down", "up"] {
            w.value(l.get(key));
        }
        w.done()
    });
    for_each_object(v, "track_files", |f| {
        // `init_file [VALUE] [overwrite]`.
        if let Some(Value::Array(init)) = f.get_mut("init_file") {
            let overwrite = init.get(1) == Some(&Value::Bool(true));
            init.truncate(1);
            if overwrite {
                init.push("overwrite".into());
            }
        }
    });
    for_each_object(v, "track_processes", |p| {
        if let Some(Value::String(m)) = p.get_mut("param_match") {
            *m = m.to_lowercase();
        }
    });
    for_each_object(v, "scripts", |s| {
        // `weight N [reverse]`.
        if s.shift_remove("reverse") == Some(Value::Bool(true)) {
            if let Some(w) = s.get_mut("weight") {
                *w = Value::Array(vec![w.clone(), "reverse".into()]);
            }
        }
    });
}

fn instance(i: &mut Map<String, Value>) {
    // Derived from the addresses, or back-references: not keywords of vrrp_instance.
    for key in ["family", "sync_group", "unicast_configured"] {
        i.shift_remove(key);
    }
    for key in ["use_vmac", "use_ipvlan"] {
        if let Some(Value::Object(o)) = i.get(key) {
            let words: Vec<Value> = ["ifname", "mac", "addr", "mode"]
                .iter()
                .filter_map(|k| o.get(*k).filter(|v| !v.is_null()).cloned())
                .collect();
            let v = if words.is_empty() {
                Value::Bool(true)
            } else {
                Value::Array(words)
            };
            i.insert(key.to_owned(), v);
        }
    }
    if i.get("debug").and_then(Value::as_u64) == Some(0) {
        i.shift_remove("debug");
    }
    if let Some(Value::Object(a)) = i.get_mut("authentication") {
        if let Some(Value::String(t)) = a.get_mut("auth_type") {
            *t = t.to_uppercase();
        }
    }
    for key in ["virtual_ipaddress", "virtual_ipaddress_excluded"] {
        lines(i, key, address_words);
    }
    lines(i, "virtual_routes", route_words);
    lines(i, "virtual_rules", rule_words);
    // Both keywords set the source address; `unicast_src_ip` also marks the instance unicast.
    let unicast = i
        .get("unicast_peers")
        .and_then(Value::as_array)
        .is_some_and(|p| !p.is_empty());
    rename(
        i,
        "src_ip",
        if unicast {
            "unicast_src_ip"
        } else {
            "mcast_src_ip"
        },
    );
    lines(i, "unicast_peers", generic_words);
    rename(i, "unicast_peers", "unicast_peer");
    track(i);
    notify(i);
}

/// `track { interfaces [...] }` → `track_interface { eth0 weight 2 }` lines.
fn track(m: &mut Map<String, Value>) {
    if let Some(Value::Object(t)) = m.get_mut("track") {
        for (_, list) in t.iter_mut() {
            if let Value::Array(items) = list {
                *items = items.iter().map(generic_words).collect();
            }
        }
    }
}

/// `notify { master ... }` → `notify_master ...`; `any` is the plain `notify`.
fn notify(m: &mut Map<String, Value>) {
    let Some(Value::Object(n)) = m.shift_remove("notify") else {
        return;
    };
    for (k, v) in n {
        let key = if k == "any" {
            "notify".to_owned()
        } else {
            format!("notify_{k}")
        };
        m.insert(key, v);
    }
}

/// `bfd_instance` intervals are written in milliseconds; the model holds seconds.
fn bfd_instance(b: &mut Map<String, Value>) {
    // Which children use the instance is derived from the `track_bfd`/BFD_CHECK references.
    b.shift_remove("vrrp");
    b.shift_remove("checker");
    for key in ["min_rx", "min_tx", "idle_tx"] {
        if let Some(v) = b.get_mut(key) {
            if let Some(secs) = v.as_f64() {
                let us = (secs * 1e6).round() as u64;
                *v = if us % 1000 == 0 {
                    Value::from(us / 1000)
                } else {
                    Value::String(format!("{}.{:03}", us / 1000, us % 1000))
                };
            }
        }
    }
}

fn lvs(l: &mut Map<String, Value>) {
    for_each_object(l, "groups", |g| {
        if let Some(Value::Array(entries)) = g.get_mut("entries") {
            *entries = entries.iter().map(group_entry_words).collect();
        }
    });
    for_each_object(l, "virtual_servers", virtual_server);
}

fn virtual_server(vs: &mut Map<String, Value>) {
    // `ip_family` matters only where no address says it (fwmark, group).
    let by_address = vs
        .get("address")
        .and_then(|a| a.get("kind"))
        .and_then(Value::as_str)
        == Some("ip");
    if let Some(f) = vs.shift_remove("family") {
        if !by_address {
            vs.insert("ip_family".into(), f);
        }
    }
    rename(vs, "scheduler", "lvs_sched");
    // `persistence_granularity MASK|PREFIXLEN`: the model tags it with the family.
    if let Some(Value::Object(g)) = vs.get("persistence_granularity") {
        if let Some(v) = g.values().next().cloned() {
            vs.insert("persistence_granularity".into(), v);
        }
    }
    if let Some(Value::Object(flags)) = vs.shift_remove("sched_flags") {
        for (k, on) in flags {
            if on == Value::Bool(true) {
                vs.insert(k.replace('_', "-"), on);
            }
        }
    }
    lvs_method(vs, "forwarding", "lvs_method");
    if let Some(Value::Object(mut s)) = vs.shift_remove("sorry_server") {
        let mut words = vec![s.shift_remove("addr").unwrap_or(Value::Null)];
        if let Some(p) = s.shift_remove("port").filter(|p| !p.is_null()) {
            words.push(p);
        }
        vs.insert("sorry_server".into(), Value::Array(words));
        lvs_method(&mut s, "forwarding", "sorry_server_lvs_method");
        if let Some(m) = s.shift_remove("sorry_server_lvs_method") {
            vs.insert("sorry_server_lvs_method".into(), m);
        }
        if let Some(i) = s.shift_remove("inhibit") {
            vs.insert("sorry_server_inhibit".into(), i);
        }
    }
    for_each_object(vs, "real_servers", |rs| {
        lvs_method(rs, "forwarding", "lvs_method");
        for_each_object(rs, "checkers", checker);
    });
}

fn checker(c: &mut Map<String, Value>) {
    // `timing` holds `settings` resolved against the real and virtual server.
    c.shift_remove("timing");
    let Some(Value::Object(mut kind)) = c.shift_remove("kind") else {
        return;
    };
    match kind.get("type").and_then(Value::as_str) {
        Some("MISC_CHECK") => {
            rename(&mut kind, "script", "misc_path");
            rename(&mut kind, "timeout", "misc_timeout");
            rename(&mut kind, "dynamic", "misc_dynamic");
        }
        // `type` is the checker's own keyword in the model; DNS_CHECK's query type sits
        // beside it.
        Some("DNS_CHECK") => {
            if let Some(t) = kind.shift_remove("query_type") {
                c.insert("type".into(), t);
            }
        }
        Some("UDP_CHECK") => {
            if let Some(p) = kind.get_mut("payload").filter(|p| !p.is_null()) {
                *p = Value::String(hex(p, None));
            }
            let data = kind.shift_remove("reply_data").filter(|v| !v.is_null());
            let mask = kind.shift_remove("reply_mask").filter(|v| !v.is_null());
            if let Some(data) = data {
                kind.insert(
                    "require_reply".into(),
                    Value::String(hex(&data, mask.as_ref())),
                );
            }
        }
        Some("HTTP_GET" | "SSL_GET") => for_each_object(&mut kind, "urls", |u| {
            if let Some(Value::Array(codes)) = u.shift_remove("status_codes") {
                let words = codes.iter().map(status_code_word).collect();
                u.insert("status_code".into(), Value::Array(words));
            }
        }),
        _ => {}
    }
    // The checker's keyword and own settings lead its block.
    let rest = std::mem::take(c);
    c.insert("kind".into(), Value::Object(kind));
    c.extend(rest);
}

/// Bytes as the checkers' hex strings, with `x` for each nibble the mask leaves out.
fn hex(bytes: &Value, mask: Option<&Value>) -> String {
    let byte_at = |v: Option<&Value>, i: usize| {
        v.and_then(|v| v.get(i))
            .and_then(Value::as_u64)
            .unwrap_or(0) as u8
    };
    let Some(n) = bytes.as_array().map(Vec::len) else {
        return String::new();
    };
    let digit = |v: u8, wild: bool| {
        if wild {
            'x'
        } else {
            char::from_digit(u32::from(v), 16).unwrap_or('0')
        }
    };
    let mut out = String::with_capacity(2 * n);
    for i in 0..n {
        let (b, m) = (byte_at(Some(bytes), i), byte_at(mask, i));
        out.push(digit(b >> 4, m & 0xf0 != 0));
        out.push(digit(b & 0x0f, m & 0x0f != 0));
    }
    out
}

/// `200-299`, or `200` for a single code.
fn status_code_word(range: &Value) -> Value {
    let min = range.get("min").and_then(Value::as_u64).unwrap_or(0);
    let max = range.get("max").and_then(Value::as_u64).unwrap_or(min);
    if min == max {
        Value::String(min.to_string())
    } else {
        Value::String(format!("{min}-{max}"))
    }
}

/// The model's `Forwarding` (`"NAT"`, `"DR"`, `{"TUN": {"type": ..., "checksum": ...}}` or a
/// `method` object around them) as `lvs_method` words.
fn lvs_method(m: &mut Map<String, Value>, from: &str, to: &str) {
    let Some(f) = m.shift_remove(from) else {
        return;
    };
    let f = match f {
        Value::Object(mut o) if o.contains_key("method") => {
            o.shift_remove("method").unwrap_or_default()
        }
        other => other,
    };
    let words = match f {
        Value::Null => return,
        Value::String(s) => vec![Value::String(s.to_uppercase())],
        Value::Object(o) => {
            let mut words = vec![Value::String("TUN".into())];
            if let Some(Value::Object(t)) = o.values().next() {
                match t.get("type") {
                    Some(Value::String(kind)) => {
                        words.push("type".into());
                        words.push(kind.clone().into());
                    }
                    Some(Value::Object(k)) => {
                        if let Some(port) = k.get("gue").and_then(|g| g.get("port")) {
                            words.extend(["type".into(), "gue".into(), "port".into()]);
                            words.push(port.clone());
                        }
                    }
                    _ => {}
                }
                if let Some(c) = t.get("checksum").filter(|c| !c.is_null()) {
                    words.push(c.clone());
                }
            }
            words
        }
        other => vec![other],
    };
    m.insert(to.into(), Value::Array(words));
}

/// `192.0.2.1-10 80` or `fwmark 7`.
fn group_entry_words(e: &Value) -> Value {
    let mut words = Vec::new();
    match e.get("kind").and_then(Value::as_str) {
        Some("fwmark") => {
            words.push(Value::String("fwmark".into()));
            words.extend(e.get("mark").cloned());
        }
        _ => {
            let first = e.get("first").and_then(Value::as_str).unwrap_or_default();
            let last = e.get("last").and_then(Value::as_str).unwrap_or(first);
            if first == last {
                words.push(first.into());
            } else {
                // keepalived's range gives only the last byte (IPv4) or group (IPv6).
                let sep = if last.contains(':') { ':' } else { '.' };
                let tail = last.rsplit(sep).next().unwrap_or(last);
                words.push(format!("{first}-{tail}").into());
            }
            words.extend(e.get("port").filter(|p| !p.is_null()).cloned());
        }
    }
    Value::Array(words)
}

/// An address line: `192.0.2.1/24 brd + dev eth0 scope link label eth0:1 ...`.
fn address_words(a: &Value) -> Value {
    let mut w = Words::default();
    w.value(a.get("addr"));
    match a.get("broadcast") {
        Some(Value::String(s)) => w.pair("brd", if s == "Plus" { "+" } else { "-" }),
        Some(Value::Object(o)) => w.key_value("brd", o.get("Addr")),
        _ => {}
    }
    w.key_value("dev", a.get("dev"));
    w.scope(a.get("scope"));
    w.key_value("label", a.get("label"));
    w.key_value("peer", a.get("peer"));
    for flag in [
        "home",
        "nodad",
        "mngtmpaddr",
        "noprefixroute",
        "autojoin",
        "no_track",
    ] {
        w.flag(a, flag);
    }
    match a.get("preferred_lft") {
        Some(Value::String(s)) if s == "Forever" => w.pair("preferred_lft", "forever"),
        Some(Value::Object(o)) => w.key_value("preferred_lft", o.get("Secs")),
        _ => {}
    }
    w.key_value("track_group", a.get("track_group"));
    w.flag(a, "use_vmac");
    w.done()
}

/// A route line: `[inet6] [TYPE] DEST src .. via .. dev .. [nexthop ..] [add|append]`.
fn route_words(r: &Value) -> Value {
    let mut w = Words::default();
    let dest = match r.get("dest") {
        Some(Value::Object(d)) => d.get("Prefix").cloned(),
        _ => None,
    };
    if dest.is_none() && r.get("family").and_then(Value::as_str) == Some("Inet6") {
        w.word("inet6");
    }
    w.value(r.get("route_type"));
    match dest {
        Some(p) => w.value(Some(&p)),
        None => w.word("default"),
    }
    for key in ["src", "from", "via", "dev", "table", "metric"] {
        w.key_value(key, r.get(key));
    }
    w.scope(r.get("scope"));
    for key in ["protocol", "tos"] {
        w.key_value(key, r.get(key));
    }
    w.flag(r, "onlink");
    options(&mut w, r);
    match r.get("mode").and_then(Value::as_str) {
        Some("Add") => w.word("add"),
        Some("Append") => w.word("append"),
        _ => {}
    }
    w.flag(r, "no_track");
    w.key_value("track_group", r.get("track_group"));
    w.key_value("vrf", r.get("vrf"));
    // Everything after `nexthop` belongs to the hop, so the hops come last.
    if let Some(Value::Array(hops)) = r.get("nexthops") {
        for h in hops {
            w.word("nexthop");
            for key in ["via", "dev", "weight"] {
                w.key_value(key, h.get(key));
            }
            w.flag(h, "onlink");
            w.key_value("realms", h.get("realms"));
        }
    }
    w.done()
}

/// A rule line: `[inet6] from .. to .. preference .. table ..`.
fn rule_words(r: &Value) -> Value {
    let mut w = Words::default();
    let addressed = ["from", "to"]
        .iter()
        .any(|k| r.get(*k).is_some_and(|v| !v.is_null()));
    if !addressed && r.get("family").and_then(Value::as_str) == Some("Inet6") {
        w.word("inet6");
    }
    for key in ["from", "to", "preference", "table", "goto"] {
        w.key_value(key, r.get(key));
    }
    w.value(r.get("action"));
    w.key_value("iif", r.get("iif"));
    w.key_value("oif", r.get("oif"));
    options(&mut w, r);
    w.flag(r, "no_track");
    w.key_value("track_group", r.get("track_group"));
    w.done()
}

/// Options kept as written: `[["mtu", "lock 1400"], ...]`.
fn options(w: &mut Words, r: &Value) {
    if let Some(Value::Array(opts)) = r.get("options") {
        for part in opts.iter().filter_map(Value::as_array).flatten() {
            for word in part.as_str().unwrap_or_default().split_whitespace() {
                w.word(word);
            }
        }
    }
}

/// An object as one line: its `name` first, then `key value` for each set field and `key`
/// for each true flag (`eth0 weight -2`, `chk_file weight 0 reverse`).
fn generic_words(v: &Value) -> Value {
    let Value::Object(m) = v else {
        return Value::Array(vec![v.clone()]);
    };
    let mut w = Words::default();
    w.value(m.get("name").or_else(|| m.get("addr")));
    for (k, v) in m {
        if matches!(k.as_str(), "name" | "addr" | "loc") {
            continue;
        }
        match v {
            Value::Bool(true) => w.word(k),
            Value::Number(_) | Value::String(_) => w.key_value(k, Some(v)),
            _ => {}
        }
    }
    w.done()
}

/// The words of one value line.
#[derive(Default)]
struct Words(Vec<Value>);

impl Words {
    fn word(&mut self, s: &str) {
        self.0.push(Value::String(s.to_owned()));
    }

    fn value(&mut self, v: Option<&Value>) {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            self.0.push(v.clone());
        }
    }

    fn pair(&mut self, k: &str, v: &str) {
        self.word(k);
        self.word(v);
    }

    fn key_value(&mut self, k: &str, v: Option<&Value>) {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            self.word(k);
            self.0.push(v.clone());
        }
    }

    fn flag(&mut self, m: &Value, k: &str) {
        if m.get(k) == Some(&Value::Bool(true)) {
            self.word(k);
        }
    }

    /// `Link` → `scope link`; `{"Other": 200}` → `scope 200`.
    fn scope(&mut self, v: Option<&Value>) {
        match v {
            Some(Value::String(s)) => self.pair("scope", &s.to_lowercase()),
            Some(Value::Object(o)) => self.key_value("scope", o.get("Other")),
            _ => {}
        }
    }

    fn done(self) -> Value {
        Value::Array(self.0)
    }
}

/// A script (`{"command": ..., "args": [...], "user": ...}`) anywhere in the tree becomes its
/// keepalived words: the command line quoted as one word, then the user and group.
fn scripts_to_words(m: &mut Map<String, Value>) {
    for v in m.values_mut() {
        script_value(v);
    }
}

fn script_value(v: &mut Value) {
    match v {
        Value::Object(o) if o.contains_key("command") && o.contains_key("args") => {
            let mut words = vec![o.shift_remove("command").unwrap_or_default()];
            for key in ["user", "group"] {
                if let Some(u) = o.shift_remove(key).filter(|u| !u.is_null()) {
                    words.push(u);
                }
            }
            *v = if words.len() == 1 {
                words.remove(0)
            } else {
                Value::Array(words)
            };
        }
        Value::Object(o) => scripts_to_words(o),
        Value::Array(items) => items.iter_mut().for_each(script_value),
        _ => {}
    }
}

fn rename(m: &mut Map<String, Value>, from: &str, to: &str) {
    if let Some(v) = m.shift_remove(from) {
        m.insert(to.into(), v);
    }
}

fn lines(m: &mut Map<String, Value>, key: &str, f: fn(&Value) -> Value) {
    if let Some(Value::Array(items)) = m.get_mut(key) {
        *items = items.iter().map(f).collect();
    }
}

fn for_each_object(
    m: &mut Map<String, Value>,
    key: &str,
    mut f: impl FnMut(&mut Map<String, Value>),
) {
    if let Some(Value::Array(items)) = m.get_mut(key) {
        for item in items {
            if let Value::Object(o) = item {
                f(o);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_codes_as_ranges() {
        assert_eq!(
            status_code_word(&json!({"min": 200, "max": 299})),
            "200-299"
        );
        assert_eq!(status_code_word(&json!({"min": 404, "max": 404})), "404");
    }

    #[test]
    fn hex_strings_keep_their_wildcards() {
        assert_eq!(hex(&json!([0x4f, 0x4b]), None), "4f4b");
        assert_eq!(
            hex(&json!([0x4f, 0x4b]), Some(&json!([0x00, 0x0f]))),
            "4f4x"
        );
    }

    #[test]
    fn group_ranges_give_only_the_last_part() {
        let e = json!({"kind": "range", "first": "192.0.2.3", "last": "192.0.2.10", "port": 80});
        assert_eq!(group_entry_words(&e), json!(["192.0.2.3-10", 80]));
        let e = json!({"kind": "range", "first": "2001:db8::1", "last": "2001:db8::1f"});
        assert_eq!(group_entry_words(&e), json!(["2001:db8::1-1f"]));
        assert_eq!(
            group_entry_words(&json!({"kind": "fwmark", "mark": 7})),
            json!(["fwmark", 7])
        );
    }

    #[test]
    fn forwarding_as_lvs_method() {
        let mut m = Map::new();
        m.insert("forwarding".into(), json!({"method": "NAT"}));
        lvs_method(&mut m, "forwarding", "lvs_method");
        assert_eq!(m.get("lvs_method"), Some(&json!(["NAT"])));
        m.insert(
            "forwarding".into(),
            json!({"method": {"TUN": {"type": {"gue": {"port": 6080}}, "checksum": "csum"}}}),
        );
        lvs_method(&mut m, "forwarding", "lvs_method");
        assert_eq!(
            m.get("lvs_method"),
            Some(&json!(["TUN", "type", "gue", "port", 6080, "csum"]))
        );
    }
}
