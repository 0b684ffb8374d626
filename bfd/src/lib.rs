//! Sans-IO BFD: the control-packet codec and session state machine of RFC 5880 (asynchronous
//! mode), for single-hop (RFC 5881) and multihop (RFC 5883) sessions. Not yet implemented.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
