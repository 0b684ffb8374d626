//! Prints the kernel's IPVS table as `ipvsadm -Ln --stats` does, through keepalive-ipvs's
//! blocking client.
//!
//! ```text
//! cargo run -p kad-examples --example ipvs_list
//! ```
//! Needs CAP_NET_ADMIN and the `ip_vs` module.

use keepalive_ipvs::{ipvsadm, Error, IpvsClient};
use std::process::ExitCode;

fn run() -> Result<String, Error> {
    let mut client = IpvsClient::connect()?;
    let info = client.info()?;
    let table = client.table()?;
    Ok(ipvsadm::format_stats(&info, &table))
}

fn main() -> ExitCode {
    match run() {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ipvs_list: {e}");
            ExitCode::FAILURE
        }
    }
}
