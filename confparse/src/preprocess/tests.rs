//! Unit tests of the preprocessor, one group per feature of keepalived.conf(5)'s text layer.

#[path = "../../tests/common/scale.rs"]
mod scale;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::*;

fn opts() -> Options {
    Options {
        config_id: Some("main".into()),
        random_seed: Some(42),
        ..Options::default()
    }
}

fn words(lines: &[Line]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            l.tokens
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn run_with(text: &str, o: &Options) -> (Vec<String>, Vec<String>, Vec<Line>) {
    let mut d = Diagnostics::new();
    let lines = read_str("t.conf", text, o, &mut d);
    let msgs = d.iter().map(|x| x.to_string()).collect();
    (words(&lines), msgs, lines)
}

fn run(text: &str) -> (Vec<String>, Vec<String>) {
    let (w, m, _) = run_with(text, &opts());
    (w, m)
}

fn ok(text: &str) -> Vec<String> {
    let (w, m) = run(text);
    assert!(m.is_empty(), "unexpected diagnostics: {m:?}");
    w
}

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "kad-pre-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read(path: &Path, o: &Options) -> (Vec<String>, Vec<Diagnostic>) {
    let mut d = Diagnostics::new();
    let lines = read_file(path, o, &mut d);
    (words(&lines), d.into_vec())
}

fn errors(d: &[Diagnostic]) -> Vec<&str> {
    d.iter()
        .filter(|x| x.severity == Severity::Error)
        .map(|x| x.message.as_str())
        .collect()
}

fn warnings(d: &[Diagnostic]) -> Vec<&str> {
    d.iter()
        .filter(|x| x.severity == Severity::Warning)
        .map(|x| x.message.as_str())
        .collect()
}

// ----- comments, quotes, words ------------------------------------------------------------

#[test]
fn comments_anywhere() {
    assert_eq!(
        ok("# c\n! c\na b # c\nc d ! e\n  \n\t\ne \"f # g\" ! h\n"),
        vec!["a b", "c d", "e f # g"]
    );
}

#[test]
fn escaped_comment_characters() {
    assert_eq!(ok("a \\#b \\!c\n"), vec!["a #b !c"]);
    assert_eq!(ok("a \"\\#b\"\n"), vec!["a \\#b"], "kept inside quotes");
}

#[test]
fn single_quotes_do_not_protect() {
    assert_eq!(ok("a 'b # c'\n"), vec!["a 'b"]);
}

#[test]
fn double_quoted_words() {
    let (w, m, lines) = run_with("a \"b c\"d \"\"\n", &opts());
    assert!(m.is_empty());
    assert_eq!(w, vec!["a b c d "]);
    let t = &lines[0].tokens;
    assert_eq!(t.len(), 4);
    assert!(t[1].quoted && !t[2].quoted && t[3].quoted);
    assert_eq!(t[3].text, "");
}

#[test]
fn no_escapes_in_ordinary_words() {
    assert_eq!(ok("a \\n \"\\t\"\n"), vec!["a \\n \\t"]);
}

#[test]
fn unterminated_quote_is_one_error() {
    let (w, m) = run("a \"b c\n");
    assert_eq!(w, vec!["a"]);
    assert_eq!(m, vec!["t.conf:1:3: error: unterminated quote"]);
}

#[test]
fn crlf_and_no_final_newline() {
    assert_eq!(ok("a b\r\nc"), vec!["a b", "c"]);
}

#[test]
fn long_line_is_split_like_fgets() {
    let long = format!("a {}\n", "x".repeat(1100));
    let (w, m) = run(&long);
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].len(), 1023);
    assert_eq!(m.len(), 1);
    assert!(
        m[0].contains("warning: line longer than 1023 bytes"),
        "{m:?}"
    );
}

#[test]
fn braces_split_lines() {
    assert_eq!(ok("a b { c d } e\n"), vec!["a b", "{", "c d", "}", "e"]);
    assert_eq!(ok("a \"{x}\" b\n"), vec!["a {x} b"]);
    assert_eq!(ok("}{\n"), vec!["}", "{"]);
}

// ----- conditionals -----------------------------------------------------------------------

#[test]
fn conditional_lines() {
    assert_eq!(
        ok("@main a 1\n@backup a 2\n@^main b 1\n@^backup b 2\n@main\n@main   c\n"),
        vec!["a 1", "b 2", "c"]
    );
}

#[test]
fn config_id_defaults_to_node_name() {
    let o = Options {
        config_id: None,
        ..opts()
    };
    let id = default_config_id();
    assert!(!id.contains('.'));
    let (w, _, _) = run_with(&format!("@{id} yes\n@^{id} no\nx ${{_INSTANCE}}\n"), &o);
    assert_eq!(w, vec!["yes".to_owned(), format!("x {id}")]);
}

// ----- parameters -------------------------------------------------------------------------

#[test]
fn simple_parameters() {
    assert_eq!(
        ok("$A=1\n$B= two words\na $A ${A}x $B\n$A,$A) $Ax\n"),
        vec!["a 1 1x two words", "1,1) $Ax"]
    );
}

#[test]
fn undefined_parameters_stay() {
    assert_eq!(ok("a $UNDEF $\n"), vec!["a $UNDEF $"]);
    assert_eq!(ok("a x${UNDEF}\n"), vec!["a x$", "{", "UNDEF", "}"]);
}

#[test]
fn substitution_at_use_time_is_recursive() {
    assert_eq!(
        ok("$ADDRESS_BASE=10.2.${ADDRESS_BASE_SUB}\n$ADDRESS_BASE_SUB=0\n${ADDRESS_BASE}.100/32\n$ADDRESS_BASE_SUB=10\n${ADDRESS_BASE}.100/32\n"),
        vec!["10.2.0.100/32", "10.2.10.100/32"]
    );
}

#[test]
fn parameters_with_conditionals() {
    assert_eq!(
        ok("@main $PRIORITY=240\n@backup $PRIORITY=200\npriority $PRIORITY\n$IF_MAIN=@main\n$IF_MAIN priority 240\n$IF_B=@backup\n$IF_B priority 1\n"),
        vec!["priority 240", "priority 240"]
    );
}

#[test]
fn definition_needs_no_space_before_equals() {
    assert_eq!(ok("$A =1\n"), vec!["$A =1"]);
}

#[test]
fn substituted_comment_is_stripped() {
    assert_eq!(ok("$C=a # b\nx $C\n"), vec!["x a"]);
}

#[test]
fn multiline_parameters() {
    let text = "$INSTANCE= \\\nvrrp_instance VI_${NUM} { \\\n    interface eth0.${NUM} \\\n    @main priority 130 \\\n    @backup priority 120 \\\n}\n$NUM=0\n$INSTANCE\n$NUM=1\n$INSTANCE\n";
    assert_eq!(
        ok(text),
        vec![
            "vrrp_instance VI_0",
            "{",
            "interface eth0.0",
            "priority 130",
            "}",
            "vrrp_instance VI_1",
            "{",
            "interface eth0.1",
            "priority 130",
            "}"
        ]
    );
}

#[test]
fn multiline_only_at_end_of_line() {
    assert_eq!(ok("$M=a \\\nb\nx $M\n$M y\n"), vec!["x a", "b", "$M y"]);
}

#[test]
fn multiline_ends_at_empty_line() {
    assert_eq!(ok("$M=a \\\nb \\\n\nc\n$M\n"), vec!["c", "a", "b"]);
}

#[test]
fn multiline_single_line_body() {
    assert_eq!(ok("$M= \\\nb c\nx $M y\n"), vec!["x b c y"]);
}

#[test]
fn nested_multiline_parameters() {
    let text = "$RS= \\\nreal_server 192.168.${VS_NUM}.${RS_NUM} 80 { \\\n    weight 1 \\\n}\n$VS= \\\nvirtual_server 10.0.${VS_NUM}.4 80 { \\\n    $RS_NUM=1 \\\n    $RS \\\n    $RS_NUM=2 \\\n    $RS \\\n    quorum 2 \\\n}\n$VS_NUM=0\n$VS\n$VS_NUM=1\n$VS\n";
    let w = ok(text);
    assert_eq!(
        w,
        vec![
            "virtual_server 10.0.0.4 80",
            "{",
            "real_server 192.168.0.1 80",
            "{",
            "weight 1",
            "}",
            "real_server 192.168.0.2 80",
            "{",
            "weight 1",
            "}",
            "quorum 2",
            "}",
            "virtual_server 10.0.1.4 80",
            "{",
            "real_server 192.168.1.1 80",
            "{",
            "weight 1",
            "}",
            "real_server 192.168.1.2 80",
            "{",
            "weight 1",
            "}",
            "quorum 2",
            "}",
        ]
    );
}

#[test]
fn recursion_limit() {
    let (w, m) = run("$A=${A}\nx ${A}\ny\n");
    assert_eq!(w, vec!["y"]);
    assert_eq!(m.len(), 1);
    assert!(m[0].contains("error: parameter recursion limit"), "{m:?}");
    let (_, m) = run("$A=${B}\n$B=${A}\n${A}\n");
    assert!(m[0].contains("recursion limit"), "{m:?}");
    let (_, m) = run("$M=x \\\n$M\n$M\n");
    assert!(m.iter().any(|x| x.contains("recursion limit")), "{m:?}");
}

#[test]
fn growing_substitution_stops_at_line_length() {
    let long = "y".repeat(600);
    let (w, m) = run(&format!("$A={long}\nx ${{A}} ${{A}}\n"));
    // The unsubstituted `${A}` is then cut at its braces, as keepalived does.
    assert_eq!(
        w,
        vec![format!("x {long} $"), "{".into(), "A".into(), "}".into()]
    );
    assert!(
        m.iter()
            .any(|x| x.contains("warning: parameter substitution would make the line longer")),
        "{m:?}"
    );
}

// ----- predefined parameters --------------------------------------------------------------

#[test]
fn builtin_pwd_instance_hash_bang() {
    let cwd = std::fs::canonicalize(std::env::current_dir().unwrap()).unwrap();
    assert_eq!(
        ok("a ${_PWD}\nb ${_INSTANCE} $_INSTANCE\nc \"x${_HASH}y${_BANG}\"\nd x${_HASH}y\ne x${_BANG}y\n"),
        vec![
            format!("a {}", cwd.display()),
            "b main main".into(),
            "c x#y!".into(),
            "d x".into(),
            "e x".into()
        ]
    );
}

#[test]
fn builtin_random_is_seeded_and_in_range() {
    let text = "r ${_RANDOM} ${_RANDOM 5 9} ${_RANDOM 100} x\n";
    let (a, m, _) = run_with(text, &opts());
    assert!(m.is_empty(), "{m:?}");
    let (b, _, _) = run_with(text, &opts());
    assert_eq!(a, b, "same seed, same values");
    let v: Vec<&str> = a[0].split(' ').collect();
    assert_eq!(v[0], "r");
    assert!(v[1].parse::<u32>().unwrap() <= 32767);
    assert!((5..=9).contains(&v[2].parse::<u32>().unwrap()));
    assert!(v[3].parse::<u32>().unwrap() >= 100);
    assert_eq!(v[4], "x");
    let (_, m) = run("r ${_RANDOM 1 2 3}\n");
    assert!(m[0].contains("warning: too many parameters"), "{m:?}");
    assert_eq!(ok("r $_RANDOM\n")[0].split(' ').count(), 2);
}

#[test]
fn builtins_can_be_overridden() {
    assert_eq!(ok("$_HASH=h\na ${_HASH}\n"), vec!["a h"]);
}

// ----- ~SEQ and ~LST ----------------------------------------------------------------------

#[test]
fn seq_forms() {
    assert_eq!(
        ok("~SEQ(SUBNET, 0, 3) ip_address 10.0.${SUBNET}.1\n"),
        vec![
            "ip_address 10.0.0.1",
            "ip_address 10.0.1.1",
            "ip_address 10.0.2.1",
            "ip_address 10.0.3.1"
        ]
    );
    assert_eq!(ok("~SEQ(I,2) a$I\n"), vec!["a1", "a2"]);
    assert_eq!(
        ok("~SEQ(I,2) a$Ix\n"),
        vec!["a$Ix", "a$Ix"],
        "$I needs a separator"
    );
    assert_eq!(ok("~SEQ(I,3) a${I}\n"), vec!["a1", "a2", "a3"]);
    assert_eq!(ok("~SEQ(I,-2) a${I}\n"), vec!["a-1", "a-2"]);
    assert_eq!(ok("~SEQ(I,3,1) a${I}\n"), vec!["a3", "a2", "a1"]);
    assert_eq!(ok("~SEQ(I,10,-4,1) a${I}\n"), vec!["a10", "a6", "a2"]);
    assert_eq!(ok("$N=2\n~SEQ(I,0,$N) a${I}\n"), vec!["a0", "a1", "a2"]);
}

#[test]
fn seqx_is_hex() {
    let want = vec![
        "ip_address fe80::20:90:1",
        "ip_address fe80::20:a0:1",
        "ip_address fe80::20:b0:1",
        "ip_address fe80::20:c0:1",
    ];
    assert_eq!(
        ok("~SEQx(SUBNET, 144, 16, 192) ip_address fe80::20:${SUBNET}:1\n"),
        want
    );
    assert_eq!(
        ok("~SEQx(SUBNET, 0x90, 0x10, 0xc0) ip_address fe80::20:${SUBNET}:1\n"),
        want
    );
}

#[test]
fn seq_nesting() {
    assert_eq!(
        ok("~SEQx(AD2, 0x90, 0x10, 0xa0) ~SEQx(AD1, 0x12, -1, 0x11) fe81::10:${AD2}:${AD1}\n"),
        vec![
            "fe81::10:90:12",
            "fe81::10:90:11",
            "fe81::10:a0:12",
            "fe81::10:a0:11"
        ]
    );
}

#[test]
fn seq_errors() {
    for (text, want) in [
        ("~SEQ(I,1,x) a\n", "invalid ~SEQ definition"),
        ("~SEQ(I,1,0,5) a\n", "invalid ~SEQ values"),
        ("~SEQ(I,5 a\n", "no closing ')'"),
        ("~SEQ(,5) a\n", "invalid ~SEQ definition"),
        ("~SEQx(I,-1,5) a\n", "~SEQx is only valid"),
        ("~SEQ I\n", "invalid ~SEQ definition"),
        ("~LST(I) a\n", "invalid ~LST"),
        ("~LST(I,1,2 a\n", "invalid ~LST"),
        ("~LST({I,J},{1,2,3}) a\n", "more values than"),
    ] {
        let (w, m) = run(text);
        assert!(w.is_empty(), "{text}: {w:?}");
        assert_eq!(m.len(), 1, "{text}: {m:?}");
        assert!(
            m[0].contains("error: ") && m[0].contains(want),
            "{text}: {m:?}"
        );
    }
    assert_eq!(ok("~FOO a\n"), vec!["~FOO a"]);
}

#[test]
fn seq_odd_forms_like_keepalived() {
    // keepalived skips the byte after the variable, so "(I 5)" is "(I)" with end 0: 1, 0.
    assert_eq!(ok("~SEQ(I 5) a${I}\n"), vec!["a1", "a0"]);
}

#[test]
fn lst_forms() {
    assert_eq!(
        ok("~LST({IP, IP1}, {10,1},{20,4},{5,6},{12,8}) 192.168.${IP}.${IP1}\n"),
        vec![
            "192.168.10.1",
            "192.168.20.4",
            "192.168.5.6",
            "192.168.12.8"
        ]
    );
    assert_eq!(
        ok("~LST(IP, 1, 2) ~LST(IP1, 5,6,7) 192.169.${IP}.${IP1}\n"),
        vec![
            "192.169.1.5",
            "192.169.1.6",
            "192.169.1.7",
            "192.169.2.5",
            "192.169.2.6",
            "192.169.2.7"
        ]
    );
    assert_eq!(
        ok("~LST({IP, IP1}, {10,1},{20}) ~SEQ(IP2,168,2,170) 192.${IP2}.${IP}.${IP1}x\n"),
        vec![
            "192.168.10.1x",
            "192.170.10.1x",
            "192.168.20.x",
            "192.170.20.x"
        ]
    );
}

#[test]
fn seq_with_multiline_body() {
    let text =
        "$VI4= \\\ninst ${IF}.${ID} { \\\n  prio ${ID} \\\n}\n~SEQ(IF,0,1) ~SEQ(ID,1,2) $VI4\n";
    assert_eq!(
        ok(text),
        vec![
            "inst 0.1", "{", "prio 1", "}", "inst 0.2", "{", "prio 2", "}", "inst 1.1", "{",
            "prio 1", "}", "inst 1.2", "{", "prio 2", "}"
        ]
    );
}

#[test]
fn seq_defined_by_a_parameter() {
    assert_eq!(ok("$S=~SEQ(I,1,2) v${I}\n$S\n"), vec!["v1", "v2"]);
}

#[test]
fn expansion_limit() {
    let o = Options {
        max_expanded_lines: 1000,
        ..opts()
    };
    let (w, m, _) = run_with("~SEQ(I,0,9999999999) a${I}\nafter\n", &o);
    assert_eq!(w.len(), 1001);
    assert_eq!(w[1000], "after");
    assert_eq!(m.len(), 1);
    assert!(
        m[0].contains("error: ~SEQ/~LST/multi-line parameter expansion too large"),
        "{m:?}"
    );
    let (_, m) = run("$S=~SEQ(I,1,2) $S\n$S\n");
    assert!(m.iter().any(|x| x.contains("recursion limit")), "{m:?}");
}

/// A value that refers to itself on both sides of a brace, long enough that the line overflows
/// `MAXBUF` before the recursion limit: every piece cut off at a brace is read again and
/// substituted again. Found by `structured_text_never_panics` (it took 24 GB in CI); before
/// the limits counted such pieces, this input grew without bound (3.7 GB in 13 s).
const BRACE_REEXPANSION: &str = "$A=${A} { ${A} 0123456789abcdef0123456789abcdef\nk ${A}\n";

#[test]
fn substituted_text_cut_at_braces_counts_as_expansion() {
    let o = Options {
        max_expanded_lines: 10_000,
        ..opts()
    };
    let (w, m, _) = run_with(BRACE_REEXPANSION, &o);
    assert!(w.len() <= 10_010, "{} lines", w.len());
    let limit: Vec<_> = m.iter().filter(|x| x.contains("too large")).collect();
    assert_eq!(
        limit,
        ["t.conf:2:3: error: ~SEQ/~LST/multi-line parameter expansion too large: more than 10000 lines"]
    );
    let overflow = m.iter().filter(|x| x.contains("longer than")).count();
    assert_eq!(overflow, 1, "one warning for the one reference: {m:?}");
}

#[test]
fn expanded_bytes_limit() {
    let o = Options {
        max_expanded_bytes: 100_000,
        ..opts()
    };
    // 2,000 lines, but a kilobyte each: 100 fit.
    let long = "x".repeat(1000);
    let (w, m, _) = run_with(&format!("~SEQ(I,1,2000) {long}\nafter\n"), &o);
    assert_eq!(w.len(), 101);
    assert_eq!(w[100], "after");
    assert_eq!(
        m,
        ["t.conf:1:16: error: ~SEQ/~LST/parameter expansion too large: more than 100000 bytes"]
    );
    // Substitutions count what they insert, and at least one byte each.
    let (w, m, _) = run_with(
        "$E=\n$X=${E}${E}${E}${E}${E}${E}${E}${E}${E}${E}\n~SEQ(I,1,1000000) k${X}\n",
        &o,
    );
    assert!(w.len() < 10_000, "{} lines", w.len());
    assert!(m[0].contains("more than 100000 bytes"), "{m:?}");
    let (w, m, _) = run_with(BRACE_REEXPANSION, &o);
    assert!(w.len() < 20_000, "{} lines", w.len());
    assert!(
        m.iter().any(|x| x.contains("more than 100000 bytes")),
        "{m:?}"
    );
}

#[test]
fn overflow_warned_once_per_place() {
    let long = "y".repeat(600);
    let (w, m) = run(&format!("$L={long}\n~SEQ(I,1,5) k $L $L\n"));
    assert_eq!(w.len(), 5);
    assert_eq!(m.len(), 1, "{m:?}");
    assert!(
        m[0].contains("t.conf:2:18: warning: parameter substitution would make the line longer"),
        "{m:?}"
    );
}

#[test]
fn man_page_seq_example_is_linear() {
    // ~SEQ(IF,0,7) ~SEQ(NUM,0,31) ~SEQ(ID,1,254) makes 65,024 instances; here one interface
    // with 8 and with 32 NUMs (2,032 and 8,128 instances).
    let text = |nums: u32| {
        format!("$VI4= \\\ntrack_file offset_instance_4.${{IF}}.${{NUM}}.${{ID}} {{ \\\n    file \"${{_PWD}}/679/track_files/4.${{IF}}.${{NUM}}.${{ID}}\" \\\n    weight -100 \\\n}} \\\nvrrp_instance vrrp4.${{IF}}.${{NUM}}.${{ID}} {{ \\\n    interface bond${{IF}}.${{NUM}} \\\n    use_vmac vrrp4.${{IF}}.${{NUM}}.${{ID}} \\\n    virtual_router_id ${{ID}} \\\n    priority 130 \\\n    virtual_ipaddress {{ \\\n        10.${{IF}}.${{NUM}}.${{ID}}/24 \\\n    }} \\\n    track_file {{ \\\n        offset_instance_4.${{IF}}.${{NUM}}.${{ID}} \\\n    }} \\\n}}\n~SEQ(IF,0,0) ~SEQ(NUM,0,{}) ~SEQ(ID,1,254) $VI4\n", nums - 1)
    };
    let run = |nums: u32| {
        let text = text(nums);
        let ((w, m), secs) = scale::cpu(|| {
            let (w, m, _) = run_with(&text, &opts());
            (w, m)
        });
        assert!(m.is_empty(), "{m:?}");
        let n = w.iter().filter(|l| l.starts_with("vrrp_instance")).count();
        assert_eq!(n, 254 * nums as usize);
        assert_eq!(w.last().unwrap(), "}");
        let last = format!("vrrp_instance vrrp4.0.{}.254", nums - 1);
        assert!(w.contains(&last));
        (n, secs)
    };
    let small = run(8);
    let big = run(32);
    scale::assert_linear("~SEQ expansion (instances)", small, big);
}

// ----- locations --------------------------------------------------------------------------

#[test]
fn locations_follow_substitution() {
    let (_, _, lines) = run_with("$A=x y\n  kw  ${A} z\n", &opts());
    let t = &lines[0].tokens;
    let locs: Vec<String> = t.iter().map(|t| t.loc.to_string()).collect();
    assert_eq!(
        locs,
        vec!["t.conf:2:3", "t.conf:2:7", "t.conf:2:7", "t.conf:2:12"]
    );
}

#[test]
fn locations_of_braces_and_residue() {
    let (_, _, lines) = run_with("a {  b }\n", &opts());
    let locs: Vec<String> = lines.iter().map(|l| l.tokens[0].loc.to_string()).collect();
    assert_eq!(
        locs,
        vec!["t.conf:1:1", "t.conf:1:3", "t.conf:1:6", "t.conf:1:8"]
    );
}

#[test]
fn locations_of_seq_and_multiline() {
    let (_, _, lines) = run_with("$M=a \\\nb ${I}\n~SEQ(I,1,2)  x ${I} $M\n", &opts());
    let locs: Vec<String> = lines
        .iter()
        .flat_map(|l| l.tokens.iter().map(|t| format!("{}@{}", t.text, t.loc)))
        .collect();
    assert_eq!(
        locs,
        vec![
            "x@t.conf:3:14",
            "1@t.conf:3:16",
            "a@t.conf:3:21",
            "b@t.conf:3:21",
            "1@t.conf:3:21",
            "x@t.conf:3:14",
            "2@t.conf:3:16",
            "a@t.conf:3:21",
            "b@t.conf:3:21",
            "2@t.conf:3:21",
        ]
    );
}

#[test]
fn columns_count_characters() {
    let (_, _, lines) = run_with("é b\n", &opts());
    assert_eq!(lines[0].tokens[1].loc.col, 3);
}

// ----- includes ---------------------------------------------------------------------------

#[test]
fn include_relative_to_including_file() {
    let t = TempDir::new();
    t.write("sub/b.conf", "incsub ${_PWD}\n");
    t.write("sub/c.conf", "include b.conf\nin_c\n");
    let main = t.write("main.conf", "first\ninclude sub/c.conf\nlast ${_PWD}\n");
    let (w, d) = read(&main, &opts());
    assert!(d.is_empty(), "{d:?}");
    let root = std::fs::canonicalize(&t.0).unwrap();
    assert_eq!(
        w,
        vec![
            "first".to_owned(),
            format!("incsub {}", root.join("sub").display()),
            "in_c".into(),
            format!("last {}", root.display())
        ]
    );
}

#[test]
fn include_locations_name_the_file() {
    let t = TempDir::new();
    t.write("sub/b.conf", "\n  x\n");
    let main = t.write("main.conf", "include sub/b.conf\n");
    let mut d = Diagnostics::new();
    let lines = read_file(&main, &opts(), &mut d);
    assert_eq!(lines[0].tokens[0].loc.to_string(), "sub/b.conf:2:3");
}

#[test]
fn include_glob_and_braces() {
    let t = TempDir::new();
    t.write("d/b.conf", "b\n");
    t.write("d/a.conf", "a\n");
    t.write("d/.hidden.conf", "hidden\n");
    t.write("d/c.txt", "c\n");
    t.write("e/x.conf", "x\n");
    let main = t.write(
        "main.conf",
        "include d/*.conf\ninclude {e/x,d/c}.{conf,txt}\ninclude d/[ab].conf\n",
    );
    let (w, d) = read(&main, &opts());
    // The brace alternatives e/x.txt and d/c.conf are missing: logged, not an error.
    assert!(errors(&d).is_empty(), "{d:?}");
    assert_eq!(
        warnings(&d),
        vec!["some files of include '{e/x,d/c}.{conf,txt}' are missing"]
    );
    assert_eq!(w, vec!["a", "b", "x", "c", "a", "b"]);
}

/// The verdicts below were checked against `keepalived -t` 2.2.7: an error is exit 5/6, a
/// warning is only logged (exit 0).
#[test]
fn include_variants_and_missing_files() {
    let t = TempDir::new();
    t.write("inc/a.conf", "a\n");
    std::fs::create_dir_all(t.0.join("inc/sub")).unwrap();
    let cases: &[(&str, &str, Option<Severity>)] = &[
        ("include", "nonexist.conf", Some(Severity::Warning)),
        ("include", "inc/nonexist/*.conf", Some(Severity::Warning)),
        ("include", "inc/*.nomatch", None),
        ("include", "inc/{a,zz}.conf", Some(Severity::Warning)),
        ("include", "inc/sub", Some(Severity::Warning)),
        ("includer", "nonexist.conf", Some(Severity::Warning)),
        ("includer", "inc/*.nomatch", None),
        ("includer", "inc/{a,zz}.conf", Some(Severity::Warning)),
        ("includer", "inc/sub", Some(Severity::Error)),
        ("includem", "nonexist.conf", Some(Severity::Error)),
        ("includem", "inc/nonexist/*.conf", Some(Severity::Error)),
        ("includem", "inc/*.nomatch", None),
        ("includem", "inc/{a,zz}.conf", Some(Severity::Warning)),
        ("includew", "nonexist.conf", Some(Severity::Error)),
        ("includew", "inc/*.nomatch", Some(Severity::Error)),
        ("includeb", "nonexist.conf", Some(Severity::Warning)),
        ("includeb", "inc/*.nomatch", None),
        ("includeb", "inc/{a,zz}.conf", Some(Severity::Error)),
        ("includeb", "inc/sub", Some(Severity::Error)),
        ("includea", "nonexist.conf", Some(Severity::Error)),
        ("includea", "inc/*.nomatch", Some(Severity::Error)),
        ("includea", "inc/{a,zz}.conf", Some(Severity::Error)),
        ("includea", "inc/sub", Some(Severity::Error)),
    ];
    for (kw, pat, want) in cases {
        let main = t.write("main.conf", &format!("{kw} {pat}\n"));
        let (w, d) = read(&main, &opts());
        let got = d.iter().map(|x| x.severity).max();
        assert_eq!(got, *want, "{kw} {pat}: {d:?}");
        // With brace_match the partial match is skipped entirely.
        if *pat == "inc/{a,zz}.conf" {
            let skipped = *kw == "includeb" || *kw == "includea";
            assert_eq!(w.is_empty(), skipped, "{kw} {pat}: {w:?}");
        }
        if let Some(x) = d.first() {
            let want = format!("{}:1:1", main.display());
            assert_eq!(x.loc.as_ref().unwrap().to_string(), want);
        }
    }
}

#[test]
fn include_check_keyword_and_restore_per_file() {
    let t = TempDir::new();
    // include_check set in a file applies to that file only; it is restored when it ends.
    t.write(
        "strict.conf",
        "global_defs {\n include_check\n}\ninclude missing1.conf\n",
    );
    let main = t.write("main.conf", "include strict.conf\ninclude missing2.conf\n");
    let (_, d) = read(&main, &opts());
    assert_eq!(errors(&d), vec!["include file 'missing1.conf' not found"]);
    assert_eq!(warnings(&d), vec!["include file 'missing2.conf' not found"]);

    let main = t.write(
        "main.conf",
        "global_defs {\n include_check read match\n include_check +wildcard_match -match\n}\ninclude missing.conf\ninclude x*.none\n",
    );
    let (_, d) = read(&main, &opts());
    assert_eq!(
        errors(&d),
        vec![
            "duplicate include_check 'match' specified - ignoring",
            "no file matches include pattern 'x*.none'"
        ]
    );

    let main = t.write("main.conf", "global_defs {\n include_check foo\n}\n");
    let (_, d) = read(&main, &opts());
    assert_eq!(errors(&d), vec!["unknown include_check type 'foo'"]);

    // Outside global_defs the keyword is not the preprocessor's.
    let main = t.write("main.conf", "include_check\ninclude missing.conf\n");
    let (_, d) = read(&main, &opts());
    assert!(errors(&d).is_empty(), "{d:?}");
}

#[test]
fn include_check_all_option() {
    let t = TempDir::new();
    let main = t.write("main.conf", "include missing.conf\n");
    let o = Options {
        include_check_all: true,
        ..opts()
    };
    let (_, d) = read(&main, &o);
    assert_eq!(errors(&d), vec!["include file 'missing.conf' not found"]);
}

#[test]
fn include_after_conditional_and_substitution() {
    let t = TempDir::new();
    t.write("a.conf", "a\n");
    let main = t.write(
        "main.conf",
        "@main include a.conf\n@other include a.conf\n$F=a.conf\ninclude $F\n",
    );
    let (w, d) = read(&main, &opts());
    assert!(errors(&d).is_empty(), "{d:?}");
    assert_eq!(warnings(&d).len(), 2, "{d:?}");
    assert!(warnings(&d)[0].contains("read the included file twice"));
    assert_eq!(w, vec!["a", "a"]);
}

#[test]
fn include_cycle_and_depth() {
    let t = TempDir::new();
    let main = t.write("main.conf", "x\ninclude main.conf\n");
    let (w, d) = read(&main, &opts());
    assert_eq!(w, vec!["x"]);
    assert_eq!(
        errors(&d),
        vec!["include cycle: 'main.conf' is already being read"]
    );

    let t = TempDir::new();
    for i in 0..40 {
        t.write(&format!("f{i}.conf"), &format!("include f{}.conf\n", i + 1));
    }
    let (_, d) = read(&t.0.join("f0.conf"), &opts());
    assert_eq!(errors(&d).len(), 1);
    assert!(
        errors(&d)[0].contains("nested more than 32 levels"),
        "{d:?}"
    );
}

#[test]
fn executable_include_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let t = TempDir::new();
    let x = t.write("x.conf", "x\n");
    std::fs::set_permissions(&x, std::fs::Permissions::from_mode(0o755)).unwrap();
    let main = t.write("main.conf", "includer x.conf\n");
    let (w, d) = read(&main, &opts());
    assert!(w.is_empty());
    assert_eq!(
        errors(&d),
        vec!["include 'x.conf' is not a regular non-executable file"]
    );
}

#[test]
fn include_in_seq_runs_in_keepalived_order() {
    let t = TempDir::new();
    for i in 1..=3 {
        t.write(&format!("f{i}.conf"), &format!("file{i}\n"));
    }
    let main = t.write("main.conf", "~SEQ(I,1,3) include f${I}.conf\nend\n");
    let (w, d) = read(&main, &opts());
    assert!(errors(&d).is_empty(), "{d:?}");
    // keepalived pushes all three includes before reading any of them.
    assert_eq!(w, vec!["file3", "file2", "file1", "end"]);
}

#[test]
fn missing_main_file() {
    let (w, d) = read(Path::new("/nonexistent/kad/keepalived.conf"), &opts());
    assert!(w.is_empty());
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].severity, Severity::Error);
    assert_eq!(
        d[0].to_string(),
        "error: configuration file '/nonexistent/kad/keepalived.conf' not found"
    );
}

#[test]
fn include_inside_a_multiline_parameter() {
    let t = TempDir::new();
    t.write("a.conf", "in_a\n");
    let main = t.write("main.conf", "$M=x \\\ninclude a.conf \\\ny\n$M\n");
    let (w, d) = read(&main, &opts());
    assert!(errors(&d).is_empty(), "{d:?}");
    // The included file is read after the parameter's remaining lines.
    assert_eq!(w, vec!["x", "y", "in_a"]);
}

#[test]
fn includes_can_be_disabled() {
    let o = Options {
        read_includes: false,
        ..opts()
    };
    let (w, m, _) = run_with("include /etc/*\nx\n", &o);
    assert_eq!(w, vec!["x"]);
    assert_eq!(m.len(), 1);
    assert!(
        m[0].contains("error: include of '/etc/*' not allowed"),
        "{m:?}"
    );
}
