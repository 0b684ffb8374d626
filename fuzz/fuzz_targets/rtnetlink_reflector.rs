//! Any datagrams the reflector's rtnetlink socket could deliver, applied one after the other to
//! one table as `Reflector::process` applies them (links, addresses, errors with extended-ack
//! text). Inputs are cut into datagrams at each `KADNL` marker. Must never panic, and a
//! table rebuilt from the same messages must end the same.
#![no_main]

use keepalive_netlink::{apply_datagram, Table};
use libfuzzer_sys::fuzz_target;

const MARK: &[u8] = b"KADNL";

fn datagrams(mut data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while let Some(i) = data.windows(MARK.len()).position(|w| w == MARK) {
        out.push(&data[..i]);
        data = &data[i + MARK.len()..];
    }
    out.push(data);
    out
}

fuzz_target!(|data: &[u8]| {
    let mut table = Table::default();
    for d in datagrams(data) {
        let _ = apply_datagram(&mut table, d);
    }
    // Applying is deterministic: the same datagrams give the same table.
    let mut again = Table::default();
    for d in datagrams(data) {
        let _ = apply_datagram(&mut again, d);
    }
    assert_eq!(table, again);
});
