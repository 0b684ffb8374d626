//! Object paths and the numbers keepalived's DBus interface uses (`vrrp_dbus.c` in 2.2.7).
//!
//! The VRRP object is `/org/keepalived/Vrrp1[/<net_namespace>][/<instance>]/Vrrp`, each
//! instance `/org/keepalived/Vrrp1[/<net_namespace>][/<instance>]/Instance/<interface>/<vrid>/<family>`,
//! the interface name with every character that is not ASCII alphanumeric replaced by `_` (the
//! only characters a path element may hold besides `_`).

use keepalive_vrrp::State;

/// The service name unless `dbus_service_name` says otherwise.
pub const DEFAULT_SERVICE: &str = "org.keepalived.Vrrp1";
/// The interface of the VRRP object.
pub const VRRP_INTERFACE: &str = "org.keepalived.Vrrp1.Vrrp";
/// The interface of each instance object.
pub const INSTANCE_INTERFACE: &str = "org.keepalived.Vrrp1.Instance";
const ROOT: &str = "/org/keepalived/Vrrp1";

/// An instance's address family as its object path names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// `IPv4`.
    V4,
    /// `IPv6`.
    V6,
    /// `None`: what `CreateInstance` makes of a family other than 4 or 6.
    Unspecified,
}

impl Family {
    /// The last element of the object path.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
            Family::Unspecified => "None",
        }
    }

    /// `CreateInstance`'s `family` argument: 4, 6, anything else.
    pub fn from_number(n: u32) -> Family {
        match n {
            4 => Family::V4,
            6 => Family::V6,
            _ => Family::Unspecified,
        }
    }
}

/// What identifies an instance object: keepalived finds the instance behind a path by its
/// interface (compared in path form), VRID and family.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    /// The configured interface, in path form.
    pub interface: String,
    /// `virtual_router_id`.
    pub vrid: u8,
    /// The instance's family.
    pub family: Family,
}

impl Key {
    /// The key of an instance on `interface` (as configured).
    pub fn new(interface: &str, vrid: u8, family: Family) -> Key {
        Key {
            interface: path_element(interface),
            vrid,
            family,
        }
    }

    /// `<interface>/<vrid>/<family>`, as keepalived's "Instance '…' not found" says it.
    pub fn describe(&self) -> String {
        format!("{}/{}/{}", self.interface, self.vrid, self.family.as_str())
    }
}

/// Where the objects of one kad live: the prefix `net_namespace` and `instance` add.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paths {
    prefix: String,
}

impl Paths {
    /// Paths for a process with these top-level settings (keepalived puts both in as
    /// written).
    pub fn new(net_namespace: Option<&str>, instance: Option<&str>) -> Paths {
        let mut prefix = ROOT.to_owned();
        for part in [net_namespace, instance].into_iter().flatten() {
            prefix.push('/');
            prefix.push_str(part);
        }
        Paths { prefix }
    }

    /// The VRRP object.
    pub fn vrrp(&self) -> String {
        format!("{}/Vrrp", self.prefix)
    }

    /// An instance object.
    pub fn instance(&self, key: &Key) -> String {
        format!("{}/Instance/{}", self.prefix, key.describe())
    }
}

/// `set_valid_path()`: every byte that is not ASCII alphanumeric becomes `_`.
pub fn path_element(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b)
            } else {
                '_'
            }
        })
        .collect()
}

/// The number `VrrpStatusChange` and the `State` property carry (keepalived's `VRRP_STATE_*`).
pub fn state_number(s: State) -> u32 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        State::Deleted => 97,
        State::Stopped => 98,
    }
}

/// The word of the `State` property (`state_str()`).
pub fn state_name(s: State) -> &'static str {
    match s {
        State::Init => "Init",
        State::Backup => "Backup",
        State::Master => "Master",
        State::Fault => "Fault",
        State::Deleted => "Deleted",
        State::Stopped => "Stop",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_as_keepalived_builds_them() {
        let p = Paths::new(None, None);
        assert_eq!(p.vrrp(), "/org/keepalived/Vrrp1/Vrrp");
        let k = Key::new("eth0.100", 51, Family::V4);
        assert_eq!(
            p.instance(&k),
            "/org/keepalived/Vrrp1/Instance/eth0_100/51/IPv4"
        );
        let p = Paths::new(Some("blue"), Some("lb1"));
        assert_eq!(p.vrrp(), "/org/keepalived/Vrrp1/blue/lb1/Vrrp");
        let k = Key::new("vrrp-if", 7, Family::V6);
        assert_eq!(
            p.instance(&k),
            "/org/keepalived/Vrrp1/blue/lb1/Instance/vrrp_if/7/IPv6"
        );
        assert_eq!(
            Paths::new(None, Some("x")).vrrp(),
            "/org/keepalived/Vrrp1/x/Vrrp"
        );
    }

    #[test]
    fn interface_names_compare_in_path_form() {
        assert_eq!(
            Key::new("a.b", 1, Family::V4),
            Key::new("a_b", 1, Family::V4)
        );
        assert_ne!(
            Key::new("a.b", 1, Family::V4),
            Key::new("a.b", 1, Family::V6)
        );
        assert_eq!(path_element("é0"), "__0");
    }

    #[test]
    fn families_from_create_instance() {
        assert_eq!(Family::from_number(4), Family::V4);
        assert_eq!(Family::from_number(6), Family::V6);
        assert_eq!(Family::from_number(5).as_str(), "None");
    }

    #[test]
    fn state_numbers_are_keepalived_s() {
        let all = [
            (State::Init, 0, "Init"),
            (State::Backup, 1, "Backup"),
            (State::Master, 2, "Master"),
            (State::Fault, 3, "Fault"),
            (State::Deleted, 97, "Deleted"),
            (State::Stopped, 98, "Stop"),
        ];
        for (s, n, w) in all {
            assert_eq!((state_number(s), state_name(s)), (n, w));
        }
    }
}
