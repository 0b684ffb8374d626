//! VRRP network I/O: the sockets that carry the adverts `keepalive-vrrp` builds and
//! checks, and the link-layer senders for gratuitous ARP and unsolicited neighbour
//! advertisements.
//!
//! The protocol crate decides; this module only executes. What the daemon loop does:
//!
//! 1. Look up each instance's interface with [`link::Link::by_name`].
//! 2. [`pool::SocketPool::register`] every instance under
//!    [`socket::SockKey::for_instance`] (interface, family, VRRP or AH, multicast group or
//!    unicast source); instances with the same key share one receive and one send socket,
//!    as keepalived's socket pool.
//! 3. Register each pooled receive socket with mio ([`socket::RxSocket`] is a
//!    `mio::event::Source`); on readiness call [`pool::SocketPool::recv`] until it returns
//!    `Ok(None)` and hand each [`pool::Delivery::Instance`] to `Instance::handle_packet`.
//! 4. Execute `Action::SendAdvert` with [`pool::SocketPool::send_advert`] and
//!    [`socket::TxOpts::for_instance`], and `Action::Garp` / `Action::UnsolicitedNa` with
//!    [`garp::send_garp`] / [`na::send_na`] through one [`link::LinkSender`], pacing the
//!    rounds itself (`vrrp_garp_interval`, `vrrp_gna_interval`).
//!
//! Everything is non-blocking; nothing here sleeps or owns a timer. The only ways a packet
//! leaves are [`socket::TxSocket::send`] and [`link::LinkSender::send_frame`].

pub mod error;
pub mod garp;
pub mod link;
pub mod na;
pub mod pool;
pub mod socket;
