//! `genhash`: not yet implemented (see the health-checker issue).
fn main() {
    eprintln!("genhash: not yet implemented");
    std::process::exit(1);
}
