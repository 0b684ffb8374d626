//! Sans-IO VRRP: the packet codec for VRRPv2 (RFC 3768) and VRRPv3 (RFC 5798) over IPv4 and
//! IPv6, and the instance and sync-group state machines. This crate owns no socket, thread or
//! clock: time and bytes come in as arguments and intentions come out as values.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
