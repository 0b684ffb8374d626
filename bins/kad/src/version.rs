//! What `-v` prints and the start/stop lines say, laid out as keepalived's `print_version()`
//! so that tools reading either find the same lines.

/// The keepalived release whose command line and configuration kad accepts.
pub const KEEPALIVED: &str = "2.2.7";

/// The build's features in keepalived's "Config options:" words, only those kad acts on: a
/// feature that is parsed but not implemented is in `not_acted`, never here.
pub const CONFIG_OPTIONS: &[&str] = &[
    "LVS",
    "REGEX",
    "VRRP",
    "VRRP_AUTH",
    "VRRP_VMAC",
    "JSON",
    "BFD",
    "SNMP_VRRP",
    "SNMP_RFCV2",
    "SNMP_RFCV3",
    "DBUS",
    "INIT=systemd",
    "SYSTEMD_NOTIFY",
];

/// Where keepalived prints "Keepalived v2.2.7 (01/16,2022)": "Starting Keepalived v…" is what
/// monitoring greps for, so the line keeps that shape and names kad in the parentheses.
pub fn name() -> String {
    format!(
        "Keepalived v{KEEPALIVED} (kad v{})",
        env!("CARGO_PKG_VERSION")
    )
}

/// "Linux 6.1.0 #1 SMP ...", from `/proc/sys/kernel`.
pub fn running_on() -> String {
    let read = |f: &str| {
        std::fs::read_to_string(format!("/proc/sys/kernel/{f}"))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    format!(
        "{} {} {}",
        read("ostype"),
        read("osrelease"),
        read("version")
    )
}

/// `PRETTY_NAME` of `/etc/os-release`, as keepalived's "Distro:" line.
fn distro() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    let value = text.lines().find_map(|l| l.strip_prefix("PRETTY_NAME="))?;
    Some(value.trim_matches('"').to_owned())
}

/// `-v`'s text (keepalived prints it on stderr).
pub fn text() -> String {
    let mut s = format!(
        "kad v{} (keepalived {KEEPALIVED} compatible command line and configuration)\n\n",
        env!("CARGO_PKG_VERSION")
    );
    s.push_str("Copyright(C) the kad developers; MIT OR Apache-2.0\n\n");
    s.push_str(&format!("Running on {}\n", running_on()));
    if let Some(d) = distro() {
        s.push_str(&format!("Distro: {d}\n"));
    }
    s.push_str(&format!(
        "\nConfig options:  {}\n",
        CONFIG_OPTIONS.join(" ")
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_line_is_what_keepalived_monitoring_greps() {
        assert!(format!("Starting {}", name()).starts_with("Starting Keepalived v2.2.7 "));
    }

    #[test]
    fn version_text_lists_options() {
        let t = text();
        assert!(t.starts_with("kad v"));
        assert!(t.contains("\nConfig options:  LVS "), "{t}");
        assert!(t.contains("\nRunning on "), "{t}");
    }
}
