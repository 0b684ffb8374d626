//! `--ext-config FILE`: kad's extension file, read beside keepalived.conf by `-t`, the
//! parent and the children (`keepalive_confparse::ext` describes the file).

use std::path::Path;

use keepalive_confparse::diag::Diagnostics;
use keepalive_confparse::ext::{self, Extensions};
use keepalive_confparse::model::Config;
use keepalive_confparse::Options;

/// Reads the extension file, if one is named, against `config`; a configuration without
/// one has no extensions. Its problems are added to `diags` (as `file:line:col: …`), so
/// `-t`, the parent's log and a reload's verdict treat them as the configuration's own.
pub fn load(
    path: Option<&Path>,
    opts: &Options,
    config: &Config,
    diags: &mut Diagnostics,
) -> Extensions {
    let Some(path) = path else {
        return Extensions::default();
    };
    let opts = Options {
        report_keywords: Vec::new(),
        ..opts.clone()
    };
    let (extensions, found) = ext::load(path, &opts, config);
    for d in found.iter() {
        diags.push(d.clone());
    }
    extensions
}
