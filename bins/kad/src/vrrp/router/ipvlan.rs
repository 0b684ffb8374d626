//! `use_ipvlan` (keepalived's VRRP_IPVLAN, `netlink_link_add_ipvlan` in `vrrp_vmac.c`): an
//! L2 ipvlan on the instance's interface, enslaved to the interface's VRF if it has one, with
//! IPv6 disabled unless the instance needs it, brought up, then given the `use_ipvlan`
//! address, which the adverts are sent from. An interface of that name that already exists
//! is used as it is. Either way kad deletes it at stop ([`Router::cleanup`]), as keepalived
//! deletes the interfaces it marks as its own.

use keepalive_netlink::vmac::vmac_ipv6_sysctl;
use keepalive_netlink::{AddressSpec, IpvlanSpec};

use super::Router;
use crate::vrrp::spec::{IpvlanRequest, VmacRequest};

impl Router {
    /// Sets up the ipvlan `vm` asks for on `parent` (an ifindex); true when the link table
    /// changed.
    pub(super) fn create_ipvlan(
        &mut self,
        vm: &VmacRequest,
        ip: &IpvlanRequest,
        parent: u32,
    ) -> bool {
        let name = vm
            .name
            .clone()
            .unwrap_or_else(|| keepalive_netlink::vmac::default_vmac_name("vrrp", vm.vrid));
        let existing = self.reflector.table().link_by_name(&name).map(|l| l.index);
        if existing.is_some_and(|i| self.vmacs.iter().any(|(own, _)| *own == i)) {
            return false;
        }
        let index = match existing {
            Some(i) => i,
            None => {
                let spec = IpvlanSpec {
                    name: name.clone(),
                    parent,
                    kind: ip.kind,
                    master: self.reflector.table().link(parent).and_then(|l| l.master),
                };
                match self.rtnl.create_ipvlan(&spec) {
                    Ok(i) => {
                        if crate::logger::detail() {
                            log_info!(
                                "({}): Success creating ipvlan interface {name}",
                                vm.instance
                            );
                        }
                        i
                    }
                    Err(e) => {
                        log_info!(
                            "({}): Unable to create ipvlan interface {name}: {e}",
                            vm.instance
                        );
                        return false;
                    }
                }
            }
        };
        // keepalived: no IPv6 on the ipvlan of an IPv4 instance without IPv6 addresses; IPv6
        // enabled otherwise, in case `default.disable_ipv6` is set.
        let (path, value) = vmac_ipv6_sysctl(&name, vm.ipv6 || ip.other_family);
        if let Err(e) = keepalive_netlink::sysctl::write_sysctl(&path, value) {
            log_warn!("({}) {path}: {e}", vm.instance);
        }
        if let Err(e) = self.rtnl.set_link_up(index, true) {
            log_warn!("({}) bringing {name} up: {e}", vm.instance);
        }
        if let Some((addr, len)) = ip.addr {
            if let Err(e) = self.rtnl.add_address(&AddressSpec::new(index, addr, len)) {
                log_info!(
                    "{}: Failed to add interface address to {name}: {e}",
                    vm.instance
                );
            }
        }
        self.vmacs.push((index, name));
        true
    }
}
