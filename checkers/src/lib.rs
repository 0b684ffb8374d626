//! Health-check state machines (TCP, HTTP_GET, SSL_GET, SMTP, DNS, MISC, UDP, PING, FILE, BFD) and
//! the real-server / virtual-server pool logic that turns their results into a desired IPVS
//! table. Not yet implemented.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
