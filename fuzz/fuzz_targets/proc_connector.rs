//! Any datagram the proc connector socket could deliver to `track_process`'s monitor
//! (`nlmsghdr` + `cn_msg` + `proc_event`, as the kernel's cn_proc.h lays them out): decoded as
//! the monitor decodes it. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = keepalive_netlink::proc_connector::parse(data);
});
