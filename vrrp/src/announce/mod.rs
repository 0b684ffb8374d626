//! The frames a new master sends to announce its virtual addresses (RFC 5798 §8.1.1,
//! §8.2.2; RFC 3768 §8.1.1), byte for byte as keepalived builds them: gratuitous ARP for
//! IPv4 ([`arp`]) and unsolicited neighbour advertisements for IPv6 ([`na`]). Whole Ethernet
//! frames, for an `AF_PACKET` socket; pacing them is the caller's (see [`crate::garp`]).

pub mod arp;
pub mod na;
