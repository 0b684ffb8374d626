//! Fuzzes kad's AgentX decoder and subagent session: arbitrary bytes from a master agent
//! must never panic; a PDU that parses must survive emit and re-parse unchanged; and an
//! open session fed any byte stream must keep answering or close cleanly.
#![no_main]
// The AgentX codec and the MIB tree are sans-IO modules of the kad library; they are compiled
// in here, as genhash's are, so that the fuzz build does not instrument all of kad.
#![allow(dead_code, unused_imports)]

// tree.rs names the codec `super::agentx`: both sit at the root here.
#[path = "../../bins/kad/src/snmp/agentx/mod.rs"]
mod agentx;
#[path = "../../bins/kad/src/snmp/tree.rs"]
mod tree;

use std::time::{Duration, Instant};

use agentx::pdu::{frame_len, Body, Pdu};
use agentx::session::{Config, Subtree};
use agentx::{Oid, Session, Value};
use libfuzzer_sys::fuzz_target;
use tree::Tree;

fn response(packet_id: u32) -> Vec<u8> {
    let mut out = Vec::new();
    Pdu {
        session_id: 9,
        transaction_id: 0,
        packet_id,
        flags: 0,
        context: None,
        body: Body::Response {
            sys_uptime: 0,
            error: 0,
            index: 0,
            varbinds: vec![],
        },
    }
    .emit(&mut out);
    out
}

fuzz_target!(|data: &[u8]| {
    if let Ok(pdu) = Pdu::parse(data) {
        let mut out = Vec::new();
        pdu.emit(&mut out);
        assert_eq!(frame_len(&out), Ok(Some(out.len())));
        assert_eq!(Pdu::parse(&out), Ok(pdu));
    }

    let root = Oid(vec![1, 3, 6, 1, 4, 1, 9586, 100, 5, 2]);
    let mut tree = Tree::default();
    tree.set(root.child(&[3, 1, 2, 1]), Value::string("VI_1"));
    tree.set(root.child(&[3, 1, 3, 1]), Value::Gauge32(51));
    let config = Config {
        id: root.clone(),
        descr: "fuzz".into(),
        subtrees: vec![Subtree {
            oid: root,
            descr: "KEEPALIVED-VRRP".into(),
        }],
        response_timeout: Duration::from_secs(5),
        retry: Duration::from_secs(5),
    };
    let now = Instant::now();
    let mut s = Session::new(config, now);
    s.connected(now);
    // Open (packet 1), then Register (2) and AddAgentCaps (3).
    for id in 1..=3 {
        s.handle_bytes(now, &response(id), &tree);
    }
    assert!(s.is_up());
    // The input, split at its first byte's value to exercise reassembly.
    let cut = data.first().map_or(0, |&b| usize::from(b)).min(data.len());
    s.handle_bytes(now, &data[..cut], &tree);
    s.handle_bytes(now, &data[cut..], &tree);
    while s.poll_transmit().is_some() {}
    while s.poll_event().is_some() {}
    s.handle_timeout(now + Duration::from_secs(10));
    let _ = s.poll_timeout();
});
