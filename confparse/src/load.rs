//! The whole pipeline in one call: read a `keepalived.conf` from disk (with its includes),
//! preprocess it, build the tree and the typed [`Config`], and collect every diagnostic.
//!
//! This is what `kad -t` and the daemon's (re)load call; the stages stay public for callers that
//! want only part of the work (a linter that stops at the tree, a fuzzer that feeds text).

use std::path::Path;

use crate::diag::Diagnostics;
use crate::model::Config;
use crate::token::{Line, Loc};
use crate::tree::{Builder, Node};
use crate::Options;

/// A configuration as read: the typed model and everything found wrong on the way.
///
/// The model is always returned, even with errors, because keepalived also carries on with what
/// it could read; the caller decides from [`Diagnostics::has_errors`] whether to use it.
#[derive(Debug)]
pub struct Loaded {
    /// The typed configuration.
    pub config: Config,
    /// Warnings and errors from every stage, in the order they were found.
    pub diagnostics: Diagnostics,
    /// Where each keyword of [`Options::report_keywords`] was found, in file order.
    pub keyword_places: Vec<(&'static str, Loc)>,
}

/// Read and check the configuration whose main file is `path`.
///
/// The stages run as a stream: each top-level block becomes typed configuration as soon as its
/// closing brace is read and its tree is dropped, so memory follows the model, not the text
/// (the man page's 65,024-instance `~SEQ` example never exists as one tree).
pub fn load(path: &Path, opts: &Options) -> Loaded {
    run(&opts.report_keywords, |diags, sink| {
        crate::preprocess::for_each_line_file(path, opts, diags, sink)
    })
}

/// As [`load`], for text held in memory; `name` is the file name diagnostics show.
pub fn load_str(name: &str, text: &str, opts: &Options) -> Loaded {
    run(&opts.report_keywords, |diags, sink| {
        crate::preprocess::for_each_line_str(name, text, opts, diags, sink)
    })
}

type LineSink<'s> = &'s mut dyn FnMut(Line, &mut Diagnostics);

fn run(watch: &[&'static str], read: impl FnOnce(&mut Diagnostics, LineSink<'_>)) -> Loaded {
    let mut diagnostics = Diagnostics::new();
    let mut config = Config::default();
    let mut keyword_places = Vec::new();
    let mut builder = Builder::new();
    let mut add = |node: Node, diags: &mut Diagnostics| {
        if !watch.is_empty() {
            find_keywords(&node, watch, &mut keyword_places);
        }
        config.add_node(&node, diags)
    };
    read(&mut diagnostics, &mut |line, diags| {
        builder.push(line, diags, &mut add);
    });
    builder.finish(&mut diagnostics, &mut add);
    config.finish(&mut diagnostics);
    Loaded {
        config,
        diagnostics,
        keyword_places,
    }
}

fn find_keywords(node: &Node, watch: &[&'static str], out: &mut Vec<(&'static str, Loc)>) {
    if let Some(k) = watch.iter().find(|k| **k == node.name()) {
        out.push((k, node.keyword.loc.clone()));
    }
    for child in node.children() {
        find_keywords(child, watch, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_keywords_names_every_place() {
        let opts = Options {
            read_includes: false,
            report_keywords: vec!["enable_traps", "weight"],
            ..Options::default()
        };
        let text = "global_defs {\n enable_traps\n}\nvrrp_instance V {\n track_script {\n  s weight 2\n }\n weight 3\n}\nenable_traps\n";
        let loaded = load_str("t.conf", text, &opts);
        let places: Vec<String> = loaded
            .keyword_places
            .iter()
            .map(|(k, loc)| format!("{k}@{loc}"))
            .collect();
        assert_eq!(
            places,
            [
                "enable_traps@t.conf:2:2",
                "weight@t.conf:8:2",
                "enable_traps@t.conf:10:1"
            ]
        );
        assert!(load_str(
            "t.conf",
            text,
            &Options {
                read_includes: false,
                ..Options::default()
            }
        )
        .keyword_places
        .is_empty());
    }

    /// The streaming pipeline must read exactly what the staged one (tree, then model) reads.
    #[test]
    fn streaming_equals_staged() {
        let texts = [
            "global_defs {\n router_id a\n}\nvrrp_instance V\n{\n interface eth0\n \
             virtual_router_id 5\n virtual_ipaddress { 192.0.2.1 }\n}\n",
            "vrrp_script s {\n script /bin/true\n}\nbogus\nvrrp_instance X {\n priority 300\n",
            "}\n{\nvirtual_server 192.0.2.1 80 {\n real_server 192.0.2.2 80 {\n TCP_CHECK {\n }\n }\n}\n",
            "$P=1\n~SEQ(I,1,3) vrrp_instance v${I} { \n",
        ];
        let opts = Options {
            read_includes: false,
            random_seed: Some(1),
            ..Options::default()
        };
        for text in texts {
            let streamed = load_str("t.conf", text, &opts);
            let (nodes, mut diags) = crate::load_tree_str("t.conf", text, &opts);
            let staged = Config::from_tree(&nodes, &mut diags);
            assert_eq!(
                format!("{:?}", streamed.config),
                format!("{staged:?}"),
                "{text}"
            );
            let mut a: Vec<String> = streamed.diagnostics.iter().map(|d| d.to_string()).collect();
            let mut b: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
            a.sort();
            b.sort();
            assert_eq!(a, b, "{text}");
        }
    }
}
