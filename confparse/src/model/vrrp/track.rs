//! Things a VRRP instance or sync group can track, and the references to them:
//! `vrrp_script`, `track_file` (deprecated `vrrp_track_file`), `vrrp_track_process`,
//! `track_group`, `linkbeat_interfaces`, `interface_up_down_delays`, and the
//! `track_interface`/`track_script`/`track_file`/`track_process`/`track_bfd` blocks.

use crate::diag::{Diagnostics, Severity};
use crate::model::global::Script;
use crate::model::values::{
    need_arg, parse_decimal, parse_int, parse_timer, parse_uint, Micros, TIMER_HZ_DIGITS,
};
use crate::token::Loc;
use crate::tree::Node;

/// What kind of object a tracking reference names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum TrackKind {
    /// `track_interface`: an interface name.
    Interface,
    /// `track_script`: a `vrrp_script`.
    Script,
    /// `track_file`: a `track_file`.
    File,
    /// `track_process`: a `vrrp_track_process`.
    Process,
    /// `track_bfd`: a `bfd_instance`.
    Bfd,
}

impl TrackKind {
    fn block(self) -> &'static str {
        match self {
            TrackKind::Interface => "track_interface",
            TrackKind::Script => "track_script",
            TrackKind::File => "track_file",
            TrackKind::Process => "track_process",
            TrackKind::Bfd => "track_bfd",
        }
    }

    /// The weight range keepalived reads for this kind (`alloc_track_*`).
    fn weight_range(self) -> (i64, i64) {
        match self {
            TrackKind::Bfd => (-253, 253),
            _ => (-254, 254),
        }
    }
}

/// One line of a `track_*` block: `NAME [weight W [reverse|noreverse]]`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TrackRef {
    /// Where the line is.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// The tracked object's name.
    pub name: String,
    /// The weight given here; `None` = the object's own weight (0 for interfaces).
    pub weight: Option<i32>,
    /// `reverse` given here; `None` = the object's own setting.
    pub reverse: Option<bool>,
}

/// Read a `track_*` block of `kind` into `out`, dropping duplicates with an error.
pub fn parse_track_block(
    node: &Node,
    kind: TrackKind,
    owner: &str,
    out: &mut Vec<TrackRef>,
    d: &mut Diagnostics,
) {
    for line in super::value_block(node, d) {
        let name = &line.keyword;
        if out.iter().any(|t| t.name == name.text) {
            // A block holds a handful of lines; a scan is cheaper than a map here.
            d.error(
                &name.loc,
                format!(
                    "({owner}) duplicate {} {} - ignoring",
                    kind.block(),
                    name.text
                ),
            );
            continue;
        }
        let mut r = TrackRef {
            loc: name.loc.clone(),
            name: name.text.clone(),
            weight: None,
            reverse: None,
        };
        if let Some(w) = line.args.first() {
            if w.text != "weight" {
                d.error(
                    &w.loc,
                    format!(
                        "({owner}) unknown {} {} option {} - ignoring",
                        kind.block(),
                        name.text,
                        w.text
                    ),
                );
                out.push(r);
                continue;
            }
            let Some(v) = line.args.get(1) else {
                d.error(
                    &w.loc,
                    format!("({owner}) weight without value specified for {}", name.text),
                );
                out.push(r);
                continue;
            };
            let (lo, hi) = kind.weight_range();
            if let Some(mut wv) = parse_int(v, lo, hi, d) {
                if matches!(kind, TrackKind::Interface | TrackKind::Script) && wv.abs() == 254 {
                    d.error(
                        &v.loc,
                        format!(
                            "({owner}) weight for {} cannot be +/-254. Setting to +/-253",
                            name.text
                        ),
                    );
                    wv = wv.signum() * 253;
                }
                r.weight = Some(wv as i32);
            }
            match line.args.get(2).map(|t| (t, t.text.as_str())) {
                None => {}
                Some((_, "reverse")) => r.reverse = Some(true),
                Some((_, "noreverse" | "no_reverse")) if kind != TrackKind::Interface => {
                    r.reverse = Some(false)
                }
                Some((t, o)) => d.error(
                    &t.loc,
                    format!(
                        "({owner}) unknown {} {} weight option {o} - ignoring",
                        kind.block(),
                        name.text
                    ),
                ),
            }
        }
        out.push(r);
    }
}

/// All `track_*` blocks of an instance or sync group.
#[derive(Clone, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Tracking {
    /// `track_interface`.
    pub interfaces: Vec<TrackRef>,
    /// `track_script`.
    pub scripts: Vec<TrackRef>,
    /// `track_file`.
    pub files: Vec<TrackRef>,
    /// `track_process`.
    pub processes: Vec<TrackRef>,
    /// `track_bfd`.
    pub bfds: Vec<TrackRef>,
}

impl Tracking {
    /// Handle `node` if it is one of the `track_*` blocks; false otherwise.
    pub fn parse(&mut self, node: &Node, owner: &str, d: &mut Diagnostics) -> bool {
        let (kind, out) = match node.name() {
            "track_interface" => (TrackKind::Interface, &mut self.interfaces),
            "track_script" => (TrackKind::Script, &mut self.scripts),
            "track_file" => (TrackKind::File, &mut self.files),
            "track_process" => (TrackKind::Process, &mut self.processes),
            "track_bfd" => (TrackKind::Bfd, &mut self.bfds),
            _ => return false,
        };
        parse_track_block(node, kind, owner, out, d);
        true
    }

    /// Every reference with its kind.
    pub fn all(&self) -> impl Iterator<Item = (TrackKind, &TrackRef)> {
        self.interfaces
            .iter()
            .map(|t| (TrackKind::Interface, t))
            .chain(self.scripts.iter().map(|t| (TrackKind::Script, t)))
            .chain(self.files.iter().map(|t| (TrackKind::File, t)))
            .chain(self.processes.iter().map(|t| (TrackKind::Process, t)))
            .chain(self.bfds.iter().map(|t| (TrackKind::Bfd, t)))
    }
}

/// Name of a block from its first argument (`vrrp_script NAME {`), or an error.
pub fn block_name(node: &Node, d: &mut Diagnostics) -> Option<String> {
    match node.args.first() {
        Some(t) => Some(t.text.clone()),
        None => {
            d.error(
                &node.keyword.loc,
                format!("{} must have a name - skipping", node.name()),
            );
            None
        }
    }
}

/// `vrrp_script NAME { ... }`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VrrpScript {
    /// Where it is defined.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// Its name.
    pub name: String,
    /// `script` and `user`.
    pub script: Option<Script>,
    /// `interval` (default 1 s).
    pub interval: Micros,
    /// `timeout` (default: the interval).
    pub timeout: Option<Micros>,
    /// `weight` (-253..253, default 0).
    pub weight: i32,
    /// `weight ... reverse`.
    pub reverse: bool,
    /// `rise` (default 1).
    pub rise: u32,
    /// `fall` (default 1).
    pub fall: u32,
    /// `init_fail`.
    pub init_fail: bool,
}

const SCRIPT_KEYWORDS: &[&str] = &[
    "script",
    "interval",
    "timeout",
    "weight",
    "rise",
    "fall",
    "user",
    "init_fail",
];

/// Parse a `vrrp_script` block.
pub fn parse_vrrp_script(node: &Node, d: &mut Diagnostics) -> Option<VrrpScript> {
    let name = block_name(node, d)?;
    let mut s = VrrpScript {
        loc: node.keyword.loc.clone(),
        name: name.clone(),
        script: None,
        interval: Micros::from_secs(1),
        timeout: None,
        weight: 0,
        reverse: false,
        rise: 1,
        fall: 1,
        init_fail: false,
    };
    let mut user: Option<(String, Option<String>)> = None;
    for c in node.children() {
        match c.name() {
            "script" => {
                if let Some(t) = need_arg(c, 0, d) {
                    // keepalived joins the words of an unquoted command line.
                    let cmd: Vec<&str> = c.args.iter().map(|t| t.text.as_str()).collect();
                    s.script = Script::from_command(cmd.join(" "), t.loc.clone(), "script", d);
                }
            }
            "interval" | "timeout" => {
                if let Some(t) = need_arg(c, 0, d) {
                    if let Some(v) = parse_uint(t, 0, u64::from(u32::MAX) / 1_000_000, d) {
                        let v = if v == 0 {
                            d.error(
                                &t.loc,
                                format!(
                                    "({name}) vrrp script {} must be greater than 0, setting to 1",
                                    c.name()
                                ),
                            );
                            1
                        } else {
                            v
                        };
                        if c.name() == "interval" {
                            s.interval = Micros::from_secs(v);
                        } else {
                            s.timeout = Some(Micros::from_secs(v));
                        }
                    }
                }
            }
            "weight" => {
                if let Some(t) = need_arg(c, 0, d) {
                    if let Some(w) = parse_int(t, -253, 253, d) {
                        s.weight = w as i32;
                    }
                    match c.arg(1) {
                        None => {}
                        Some("reverse") => s.reverse = true,
                        Some(o) => d.error(
                            &c.args[1].loc,
                            format!("vrrp_script {name} unknown weight option {o}"),
                        ),
                    }
                }
            }
            "rise" | "fall" => {
                if let Some(t) = need_arg(c, 0, d) {
                    let v = parse_uint(t, 1, i32::MAX as u64, d).unwrap_or(1) as u32;
                    if c.name() == "rise" {
                        s.rise = v;
                    } else {
                        s.fall = v;
                    }
                }
            }
            "user" => {
                if let Some(t) = need_arg(c, 0, d) {
                    user = Some((t.text.clone(), c.arg(1).map(str::to_string)));
                }
            }
            "init_fail" => s.init_fail = true,
            _ => d.unknown_keyword(Severity::Error, &c.keyword, "vrrp_script", SCRIPT_KEYWORDS),
        }
    }
    match &mut s.script {
        None => {
            d.error(
                &s.loc,
                format!("no script set for vrrp_script {name} - removing"),
            );
            return None;
        }
        Some(sc) => {
            if let Some((u, g)) = user {
                sc.user = Some(u);
                sc.group = g;
            }
        }
    }
    Some(s)
}

/// `track_file NAME { ... }` (or the deprecated `vrrp_track_file`).
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TrackFile {
    /// Where it is defined.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// Its name.
    pub name: String,
    /// `file`: the path to watch.
    pub file: String,
    /// `weight` (-254..254, default 1).
    pub weight: i32,
    /// `weight ... reverse`.
    pub reverse: bool,
    /// `init_file [VALUE] [overwrite]`: (value, overwrite).
    pub init_file: Option<(i32, bool)>,
}

const TRACK_FILE_KEYWORDS: &[&str] = &["file", "weight", "init_file"];

/// Parse a `track_file`/`vrrp_track_file` block.
pub fn parse_track_file(node: &Node, d: &mut Diagnostics) -> Option<TrackFile> {
    if node.name() == "vrrp_track_file" {
        d.warning_hint(
            &node.keyword.loc,
            "\"vrrp_track_file\" is deprecated",
            "use 'track_file'",
        );
    }
    let name = block_name(node, d)?;
    let mut file: Option<String> = None;
    let mut weight: Option<(i32, bool)> = None;
    let mut init_file = None;
    for c in node.children() {
        match c.name() {
            "file" => {
                if let Some(t) = need_arg(c, 0, d) {
                    if file.is_some() {
                        d.error(
                            &t.loc,
                            format!(
                                "file already set for track file {name} - ignoring {}",
                                t.text
                            ),
                        );
                    } else {
                        file = Some(t.text.clone());
                    }
                }
            }
            "weight" => {
                let Some(t) = need_arg(c, 0, d) else { continue };
                if weight.is_some() {
                    d.error(
                        &t.loc,
                        format!(
                            "weight already set for track file {name} - ignoring {}",
                            t.text
                        ),
                    );
                    continue;
                }
                if let Some(w) = parse_int(t, -254, 254, d) {
                    let rev = match c.arg(1) {
                        None => false,
                        Some("reverse") => true,
                        Some(o) => {
                            d.error(
                                &c.args[1].loc,
                                format!("track_file {name} unknown weight option {o}"),
                            );
                            false
                        }
                    };
                    weight = Some((w as i32, rev));
                }
            }
            "init_file" => {
                let mut value = 0i32;
                let mut overwrite = false;
                for t in &c.args {
                    if t.text == "overwrite" {
                        overwrite = true;
                    } else if t
                        .text
                        .starts_with(|ch: char| ch.is_ascii_digit() || ch == '-' || ch == '+')
                    {
                        if let Some(v) = parse_int(t, i64::from(i32::MIN), i64::from(i32::MAX), d) {
                            value = v as i32;
                        }
                    } else {
                        d.error(&t.loc, format!("unknown track file init option {}", t.text));
                    }
                }
                init_file = Some((value, overwrite));
            }
            _ => d.unknown_keyword(
                Severity::Error,
                &c.keyword,
                "track_file",
                TRACK_FILE_KEYWORDS,
            ),
        }
    }
    let Some(file) = file else {
        d.error(
            &node.keyword.loc,
            format!("no file set for track_file {name} - ignoring"),
        );
        return None;
    };
    let (weight, reverse) = weight.unwrap_or((1, false));
    Some(TrackFile {
        loc: node.keyword.loc.clone(),
        name,
        file,
        weight,
        reverse,
        init_file,
    })
}

/// `param_match` of a tracked process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ParamMatch {
    /// Parameters must match exactly (the default when parameters are given).
    Exact,
    /// The first n parameters match.
    Partial,
    /// The last parameter may be longer than configured.
    Initial,
}

/// `vrrp_track_process NAME { ... }`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TrackProcess {
    /// Where it is defined.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// Its name.
    pub name: String,
    /// `process`: command name then parameters.
    pub process: Vec<String>,
    /// `param_match`.
    pub param_match: Option<ParamMatch>,
    /// `weight` (-254..254, default 1... keepalived's default is 1).
    pub weight: i32,
    /// `weight ... reverse`.
    pub reverse: bool,
    /// `quorum` (1..65535, default 1).
    pub quorum: u32,
    /// `quorum_max` (default unlimited).
    pub quorum_max: Option<u32>,
    /// `fork_delay`.
    pub fork_delay: Option<Micros>,
    /// `terminate_delay`.
    pub terminate_delay: Option<Micros>,
    /// `full_command`.
    pub full_command: bool,
}

const TRACK_PROCESS_KEYWORDS: &[&str] = &[
    "process",
    "param_match",
    "weight",
    "quorum",
    "quorum_max",
    "delay",
    "terminate_delay",
    "fork_delay",
    "full_command",
];

/// Parse a `vrrp_track_process` block.
pub fn parse_track_process(node: &Node, d: &mut Diagnostics) -> Option<TrackProcess> {
    let name = block_name(node, d)?;
    let mut p = TrackProcess {
        loc: node.keyword.loc.clone(),
        name: name.clone(),
        process: Vec::new(),
        param_match: None,
        weight: 1,
        reverse: false,
        quorum: 1,
        quorum_max: None,
        fork_delay: None,
        terminate_delay: None,
        full_command: false,
    };
    let mut weight_set = false;
    for c in node.children() {
        match c.name() {
            "process" => {
                if need_arg(c, 0, d).is_some() {
                    if !p.process.is_empty() {
                        d.error(
                            &c.keyword.loc,
                            format!("process already set for track process {name} - ignoring"),
                        );
                    } else {
                        p.process = c.args.iter().map(|t| t.text.clone()).collect();
                    }
                }
            }
            "param_match" => match c.arg(0) {
                Some("initial") => p.param_match = Some(ParamMatch::Initial),
                Some("partial") => p.param_match = Some(ParamMatch::Partial),
                None => p.param_match = Some(ParamMatch::Exact),
                Some(o) => d.error(
                    &c.args[0].loc,
                    format!("invalid param_match type {o} - ignoring"),
                ),
            },
            "weight" => {
                let Some(t) = need_arg(c, 0, d) else { continue };
                if weight_set {
                    d.error(
                        &t.loc,
                        format!(
                            "weight already set for track process {name} - ignoring {}",
                            t.text
                        ),
                    );
                    continue;
                }
                if let Some(w) = parse_int(t, -254, 254, d) {
                    p.weight = w as i32;
                    weight_set = true;
                }
                match c.arg(1) {
                    None => {}
                    Some("reverse") => p.reverse = true,
                    Some(o) => d.error(
                        &c.args[1].loc,
                        format!("vrrp_track_process {name} unknown weight option {o}"),
                    ),
                }
            }
            "quorum" => {
                if let Some(v) = need_arg(c, 0, d).and_then(|t| parse_uint(t, 1, 65535, d)) {
                    if p.quorum_max.is_some_and(|m| (v as u32) > m) {
                        d.error(
                            &c.args[0].loc,
                            "quorum is greater than quorum_max - ignoring",
                        );
                    } else {
                        p.quorum = v as u32;
                    }
                }
            }
            "quorum_max" => {
                if let Some(v) = need_arg(c, 0, d).and_then(|t| parse_uint(t, 0, 65535, d)) {
                    // keepalived allows quorum_max 0 unless quorum is above 1, and then
                    // tracks "no such process running" (quorum 0).
                    let v = v as u32;
                    if (v != 0 || p.quorum > 1) && v < p.quorum {
                        d.error(&c.args[0].loc, "quorum_max is less than quorum - ignoring");
                    } else {
                        p.quorum_max = Some(v);
                        if v == 0 {
                            p.quorum = 0;
                        }
                    }
                }
            }
            "delay" | "terminate_delay" | "fork_delay" => {
                if let Some(t) = need_arg(c, 0, d) {
                    if let Some(v) = parse_decimal(t, 1, 3600 * 1_000_000, TIMER_HZ_DIGITS, d) {
                        let v = Micros(v);
                        if c.name() != "fork_delay" {
                            p.terminate_delay = Some(v);
                        }
                        if c.name() != "terminate_delay" {
                            p.fork_delay = Some(v);
                        }
                    }
                }
            }
            "full_command" => p.full_command = true,
            _ => d.unknown_keyword(
                Severity::Error,
                &c.keyword,
                "vrrp_track_process",
                TRACK_PROCESS_KEYWORDS,
            ),
        }
    }
    if p.process.is_empty() {
        d.error(
            &p.loc,
            format!("track process '{name}' process name not specified"),
        );
        return None;
    }
    Some(p)
}

/// A name given in a list (`group { ... }`), with where it was written.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NameRef {
    /// The name.
    pub name: String,
    /// Where it is.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
}

/// `track_group NAME { group { INSTANCE ... } }`.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TrackGroup {
    /// Where it is defined.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// Its name.
    pub name: String,
    /// The instances that track the static addresses/routes/rules naming this group.
    pub instances: Vec<NameRef>,
}

/// Parse a `track_group` block.
pub fn parse_track_group(node: &Node, d: &mut Diagnostics) -> Option<TrackGroup> {
    let name = block_name(node, d)?;
    let mut g = TrackGroup {
        loc: node.keyword.loc.clone(),
        name: name.clone(),
        instances: Vec::new(),
    };
    let mut seen_group = false;
    for c in node.children() {
        match c.name() {
            "group" => {
                if seen_group {
                    d.error(
                        &c.keyword.loc,
                        format!("group list already specified for track group {name}"),
                    );
                    continue;
                }
                seen_group = true;
                let items = super::value_block(c, d);
                if items.is_empty() && c.block.is_some() {
                    d.error(
                        &c.keyword.loc,
                        format!("track group {name} has empty group block"),
                    );
                }
                for m in items {
                    g.instances.push(NameRef {
                        name: m.keyword.text.clone(),
                        loc: m.keyword.loc.clone(),
                    });
                    for a in &m.args {
                        g.instances.push(NameRef {
                            name: a.text.clone(),
                            loc: a.loc.clone(),
                        });
                    }
                }
            }
            _ => d.unknown_keyword(Severity::Error, &c.keyword, "track_group", &["group"]),
        }
    }
    Some(g)
}

/// Polling method for one `linkbeat_interfaces` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum LinkbeatMethod {
    /// MII registers (the default when supported).
    Mii,
    /// ethtool.
    Ethtool,
    /// SIOCGIFFLAGS.
    Ioctl,
}

/// One `linkbeat_interfaces` line.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LinkbeatInterface {
    /// Where it is.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// Interface name.
    pub interface: String,
    /// Preferred method, if given.
    pub method: Option<LinkbeatMethod>,
}

/// Parse `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] ... }`.
pub fn parse_linkbeat(node: &Node, out: &mut Vec<LinkbeatInterface>, d: &mut Diagnostics) {
    for c in super::value_block(node, d) {
        let method = match c.arg(0) {
            None => None,
            Some("MII") => Some(LinkbeatMethod::Mii),
            Some("ETHTOOL") => Some(LinkbeatMethod::Ethtool),
            Some("IOCTL") => Some(LinkbeatMethod::Ioctl),
            Some(o) => {
                d.error(&c.args[0].loc, format!("unknown linkbeat type {o}"));
                None
            }
        };
        if let Some(t) = c.args.get(1) {
            d.error(
                &t.loc,
                format!("extra characters {} in linkbeat interface", t.text),
            );
        }
        out.push(LinkbeatInterface {
            loc: c.keyword.loc.clone(),
            interface: c.keyword.text.clone(),
            method,
        });
    }
}

/// One `interface_up_down_delays` line.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct UpDownDelay {
    /// Where it is.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
    /// Interface name.
    pub interface: String,
    /// Delay before acting on the interface going down.
    pub down: Micros,
    /// Delay before acting on it coming up (default: the down delay).
    pub up: Micros,
}

/// Parse `interface_up_down_delays { IF DOWN [UP] ... }`. keepalived only logs problems here.
pub fn parse_up_down_delays(node: &Node, out: &mut Vec<UpDownDelay>, d: &mut Diagnostics) {
    let max = Micros::from_secs(255);
    for c in super::value_block(node, d) {
        let Some(dt) = c.args.first() else {
            d.warning(
                &c.keyword.loc,
                format!(
                    "no timeouts specified for {} up/down delays",
                    c.keyword.text
                ),
            );
            continue;
        };
        if c.args.len() > 2 {
            d.warning(
                &c.args[2].loc,
                format!("too many parameters for {} up/down delays", c.keyword.text),
            );
            continue;
        }
        // The number reader reports a bad value as an error; the block then only logs.
        let Some(down) = parse_timer(dt, Micros(0), max, d) else {
            d.warning(
                &dt.loc,
                format!("invalid down delay {} for {}", dt.text, c.keyword.text),
            );
            continue;
        };
        let up = match c.args.get(1) {
            None => down,
            Some(ut) => match parse_timer(ut, Micros(0), max, d) {
                Some(u) => u,
                None => {
                    d.warning(
                        &ut.loc,
                        format!("invalid up delay {} for {}", ut.text, c.keyword.text),
                    );
                    continue;
                }
            },
        };
        out.push(UpDownDelay {
            loc: c.keyword.loc.clone(),
            interface: c.keyword.text.clone(),
            down,
            up,
        });
    }
}
