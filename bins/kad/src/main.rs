//! `kad`: the daemon. For now it only checks configurations (`-t`); see the README.
fn main() {
    eprintln!("kad: not yet implemented");
    std::process::exit(1);
}
