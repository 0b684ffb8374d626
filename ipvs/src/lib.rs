//! IPVS over generic netlink: a codec for every command and attribute of `linux/ip_vs.h`, a small
//! blocking client, and a reconciler that turns a desired table into the minimal set of kernel
//! operations.
#![warn(missing_docs)]
