//! Fuzzes BFD receive and the control-packet codec: arbitrary bytes must never panic, a
//! packet that parses must survive emit and re-parse unchanged, and the endpoint must keep
//! working (timers, transmit, events) after any input.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalive_bfd::{
    rx, AuthConfig, BfdPacket, ControlRepr, RxMeta, SessionConfig, Sessions,
};
use libfuzzer_sys::fuzz_target;

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

fuzz_target!(|data: &[u8]| {
    // The first byte picks the session's authentication, hop mode and the packet's TTL;
    // the rest is the packet.
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    if let Ok(p) = BfdPacket::new_checked(bytes) {
        if let Ok(repr) = ControlRepr::parse(&p) {
            let mut out = vec![0u8; repr.buffer_len()];
            let n = repr.emit(&mut out).expect("a parsed packet re-emits");
            let again = ControlRepr::parse(&BfdPacket::new_checked(&out[..n]).unwrap());
            assert_eq!(again, Ok(repr));
        }
    }
    let _ = rx::validate(bytes);

    let key = b"kad-fuzz-key".to_vec();
    let mut config = SessionConfig::new(PEER);
    config.local = Some(LOCAL);
    config.multihop = sel & 0x08 != 0;
    config.min_rx_ttl = if sel & 0x10 != 0 { 0 } else { 255 };
    config.auth = match sel & 7 {
        0 | 6 | 7 => None,
        1 => Some(AuthConfig::SimplePassword { key_id: 1, password: key }),
        2 => Some(AuthConfig::KeyedMd5 { key_id: 1, key }),
        3 => Some(AuthConfig::MeticulousKeyedMd5 { key_id: 1, key }),
        4 => Some(AuthConfig::KeyedSha1 { key_id: 1, key }),
        _ => Some(AuthConfig::MeticulousKeyedSha1 { key_id: 1, key }),
    };
    let now = Instant::now();
    let mut s = Sessions::new(u64::from(sel));
    let id = s.add(config, now);
    // Feed the packet twice: once addressed by discriminator if it names ours.
    let meta = RxMeta::new(PEER, LOCAL, 1, if sel & 0x20 != 0 { 255 } else { 1 }, sel & 0x08 != 0);
    let first = s.handle_packet(now, bytes, &meta);
    let mut patched = bytes.to_vec();
    if patched.len() >= 12 {
        let d = s.session(id).map_or(0, |x| x.local_discr());
        patched[8..12].copy_from_slice(&d.to_be_bytes());
    }
    let second = s.handle_packet(now, &patched, &meta);
    assert_eq!(
        s.counters().accepted + s.counters().dropped(),
        2,
        "{first:?} {second:?}"
    );
    let mut buf = [0u8; 64];
    for step in 0..4u32 {
        let t = now + Duration::from_millis(u64::from(step) * 500);
        s.handle_timeout(t);
        while let Some(tx) = s.poll_transmit(t, &mut buf) {
            let p = rx::validate(&buf[..tx.len]).expect("we send valid packets");
            assert!(!(p.poll() && p.final_()), "never P and F together");
        }
        while s.poll_event().is_some() {}
    }
});
