//! `--metrics-listen`: the parent's side of kad's Prometheus endpoint. The server runs on a
//! thread of its own ([`kad::metrics::http`]), so the parent's loop never serves a client;
//! the loop only records what it alone knows (children, restarts, reloads) in
//! [`Shared`].

use std::net::SocketAddr;

use kad::metrics::channel::{Gatherer, Role, ENV};
use kad::metrics::http::{Limits, Server};
use kad::metrics::parent::{ParentScrape, Shared};

use super::children::Kind;

/// The metrics role of a child kind.
pub fn role(kind: Kind) -> Role {
    match kind {
        Kind::Vrrp => Role::Vrrp,
        Kind::Checker => Role::Checker,
        Kind::Bfd => Role::Bfd,
    }
}

/// Starts the endpoint on `addr` and tells the children (started after this) to answer
/// scrapes. Without `addr`, or if it cannot listen, metrics stay off and kad runs on.
pub fn start(addr: Option<SocketAddr>) -> Shared {
    let Some(addr) = addr else {
        return Shared::default();
    };
    let scope = std::process::id().to_string();
    let gatherer = match Gatherer::open(&scope) {
        Ok(g) => g,
        Err(e) => {
            log_err!("metrics: cannot open the parent's socket - {e}");
            return Shared::default();
        }
    };
    let shared = Shared::enabled();
    let scrape = ParentScrape::new(gatherer, shared.clone(), None);
    let server = match Server::bind(addr, Limits::default(), scrape) {
        Ok(s) => s,
        Err(e) => {
            log_err!("metrics: cannot listen on {addr} - {e}");
            return Shared::default();
        }
    };
    std::env::set_var(ENV, "1");
    let spawned = std::thread::Builder::new()
        .name("kad-metrics".into())
        .spawn(move || server.run());
    if let Err(e) = spawned {
        std::env::remove_var(ENV);
        log_err!("metrics: cannot start the server thread - {e}");
        return Shared::default();
    }
    log_info!("Serving metrics on http://{addr}/metrics");
    shared
}
