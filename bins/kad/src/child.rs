//! What the VRRP, checker and BFD loops take from the process that starts them.

use std::path::PathBuf;

/// How [`crate::vrrp::run`], [`crate::checker::run`] and [`crate::bfd::run`] find their configuration, and how
/// they report back to whatever supervises them (kad's parent process).
#[derive(Debug, Clone)]
pub struct ChildOptions {
    /// The keepalived.conf to read (`-f`), at start and on every SIGHUP.
    pub config_file: PathBuf,
    /// kad's extension file (`--ext-config`), read with it.
    pub ext_config: Option<PathBuf>,
    /// How the preprocessor runs (`-i` config-id, `--all-config`).
    pub parse: keepalive_confparse::Options,
    /// Leave what the process installed in place on exit: `--dont-release-vrrp` (VIPs and
    /// static addresses) for VRRP, `--dont-release-ipvs` for the checkers.
    pub dont_release: bool,
    /// `-D`: log detail, which also logs SMTP dialogues.
    pub log_detail: bool,
    /// Called each time a configuration has been read and put in place, at start and after
    /// every reload, whether or not the new one was accepted; kad's parent waits for it to
    /// report "Startup complete" / "Reload complete".
    pub config_read: fn(),
    /// `-x`: every SNMP part on, whatever `global_defs` says.
    pub snmp: bool,
    /// `-A`: the master agent's AgentX address, before `snmp_socket`.
    pub snmp_socket: Option<String>,
    /// Called by the checker loop as it exits, to log "Stopped" (with `-D`, its CPU usage).
    pub stopped: fn(),
    /// DBus `ReloadConfig`: asks for a reload of every process (kad's parent sends itself
    /// SIGHUP's work, as keepalived's VRRP child signals its parent).
    pub reload: fn(),
    /// `--dbus-create-instance`: the DBus VRRP object has `CreateInstance` and
    /// `DestroyInstance` (keepalived's `--enable-dbus-create-instance` build).
    pub dbus_create_instance: bool,
}

impl ChildOptions {
    /// Reads and checks the configuration; the flag is false when it has errors (a reload then
    /// keeps the running one). With `log`, each problem is logged, as keepalived's VRRP child
    /// does; the parent has already logged them for `-t`-style checks.
    pub(crate) fn read_config(&self, log: bool) -> (keepalive_confparse::model::Config, bool) {
        let loaded = keepalive_confparse::load::load(&self.config_file, &self.parse);
        let mut ok = true;
        for d in loaded.diagnostics.iter() {
            let error = d.severity == keepalive_confparse::diag::Severity::Error;
            ok &= !error;
            match (log, error) {
                (false, _) => {}
                (true, true) => log_err!("{d}"),
                (true, false) => log_warn!("{d}"),
            }
        }
        (loaded.config, ok)
    }

    /// [`read_config`](Self::read_config) and the extension file with it; the flag is false
    /// when either has errors.
    pub(crate) fn read_with_extensions(
        &self,
        log: bool,
    ) -> (
        keepalive_confparse::model::Config,
        keepalive_confparse::ext::Extensions,
        bool,
    ) {
        let (config, ok) = self.read_config(log);
        let mut diags = keepalive_confparse::diag::Diagnostics::new();
        let ext =
            crate::ext_config::load(self.ext_config.as_deref(), &self.parse, &config, &mut diags);
        for d in diags.iter() {
            if log {
                log_err!("{d}");
            }
        }
        (config, ext, ok && !diags.has_errors())
    }
}
