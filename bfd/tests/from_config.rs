//! `bfd_instance` blocks parsed by keepalive-confparse map to the sessions keepalived runs.

use std::net::IpAddr;
use std::time::Duration;

use keepalive_bfd::from_config::session_config;
use keepalive_confparse::load::load_str;
use keepalive_confparse::model::bfd::BfdInstance;
use keepalive_confparse::Options;

fn parse(conf: &str) -> Vec<BfdInstance> {
    let loaded = load_str("test.conf", conf, &Options::default());
    assert!(!loaded.diagnostics.has_errors(), "{:?}", loaded.diagnostics);
    loaded.config.bfd
}

#[test]
fn defaults_are_keepalived_defaults() {
    let b = parse("bfd_instance b1 {\n neighbor_ip 192.0.2.2\n}\n");
    let c = session_config(&b[0]);
    assert_eq!(c.peer, "192.0.2.2".parse::<IpAddr>().unwrap());
    assert_eq!(c.local, None);
    assert_eq!(c.desired_min_tx, Duration::from_millis(10));
    assert_eq!(c.required_min_rx, Duration::from_millis(10));
    assert_eq!(c.idle_tx, Duration::from_secs(1));
    assert_eq!(c.detect_mult, 5);
    assert!(!c.passive && !c.multihop);
    assert_eq!(c.min_rx_ttl, 255);
    assert!(c.auth.is_none());
}

#[test]
fn every_keyword_maps() {
    let b = parse(
        "bfd_instance b1 {\n neighbor_ip 2001:db8::2\n source_ip 2001:db8::1\n min_rx 100.5\n \
         min_tx 200\n idle_tx 2000\n multiplier 3\n passive\n hoplimit 250\n max_hops 10\n \
         multihop\n}\n",
    );
    let c = session_config(&b[0]);
    assert_eq!(c.local, Some("2001:db8::1".parse().unwrap()));
    assert_eq!(c.required_min_rx, Duration::from_micros(100_500));
    assert_eq!(c.desired_min_tx, Duration::from_millis(200));
    assert_eq!(c.idle_tx, Duration::from_secs(2));
    assert_eq!(c.detect_mult, 3);
    assert!(c.passive && c.multihop);
    assert_eq!(c.min_rx_ttl, 240);
    assert_eq!(c.port(), 4784);
}

#[test]
fn max_hops_255_turns_the_check_off_and_ipv6_defaults_to_64() {
    let b = parse(
        "bfd_instance b1 {\n neighbor_ip 192.0.2.2\n max_hops 255\n}\n\
         bfd_instance b2 {\n neighbor_ip 2001:db8::2\n}\n",
    );
    assert_eq!(session_config(&b[0]).min_rx_ttl, 0);
    assert_eq!(session_config(&b[1]).min_rx_ttl, 64);
}
