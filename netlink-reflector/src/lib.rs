//! The kernel's links and addresses mirrored in memory from rtnetlink, and the operations kad
//! performs on them: virtual addresses, routes, rules and macvlan VMAC interfaces. Not yet
//! implemented.
#![warn(missing_docs)]
