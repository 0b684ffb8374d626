//! The VRRP interoperability matrix (issue #19): kad against keepalived 2.2.7 and FRR's
//! vrrpd in every cell they can run ([`cell`]), each cell an election, a crash, a graceful
//! stop and two preemptions ([`run`]) between two routers ([`side`]), captured and checked
//! on the wire ([`wire`]), summed up as the README's table ([`table`]).

pub mod cell;
pub mod garp;
pub mod run;
pub mod side;
pub mod table;
pub mod wire;
