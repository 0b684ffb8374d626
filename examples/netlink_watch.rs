//! Prints the kernel's link and address changes as they happen, through keepalive-netlink's
//! `Reflector` (what kad's VRRP loop turns into interface-tracking events).
//!
//! ```text
//! cargo run -p kad-examples --example netlink_watch
//! ```
//! Then, in another shell: `ip link add kadw0 type veth peer name kadw1`, `ip link set kadw0 up`,
//! `ip addr add 192.0.2.1/24 dev kadw0`, `ip link del kadw0`.

use std::time::Duration;

use keepalive_netlink::{Error, Reflector};

fn main() -> Result<(), Error> {
    let mut reflector = Reflector::open(None)?;
    for link in reflector.table().links() {
        let up = if link.is_up() { "up" } else { "down" };
        let addrs: Vec<String> = link
            .addresses
            .iter()
            .map(|a| format!("{}/{}", a.addr, a.prefix_len))
            .collect();
        println!(
            "{:>3} {:<16} {up:<4} {}",
            link.index,
            link.name,
            addrs.join(" ")
        );
    }
    loop {
        for change in reflector.wait_changes(Duration::from_secs(3600))? {
            println!("{change:?}");
        }
    }
}
