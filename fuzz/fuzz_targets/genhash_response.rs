//! Any HTTP response a server could send genhash, read as genhash reads it (into its
//! 4096-byte buffer, in reads cut at each 0xff byte) with the verbose dumps on, then digested.
//! Must never panic, and the digest must not depend on whether the dumps were asked for.
#![no_main]
// genhash is a binary: the modules its response reader needs are compiled in here.
#![allow(dead_code)]

#[path = "../../bins/genhash/src/digest.rs"]
mod digest;
#[path = "../../bins/genhash/src/dump.rs"]
mod dump;
#[path = "../../bins/genhash/src/response.rs"]
mod response;

use digest::HashAlgorithm;
use libfuzzer_sys::fuzz_target;
use response::ResponseDigest;

/// The digest, or `None` where genhash would stop reading ("no data received").
fn digest(chunks: &[&[u8]], alg: HashAlgorithm, verbose: bool) -> Option<Vec<u8>> {
    let mut r = ResponseDigest::new(alg);
    let mut sink = Vec::new();
    for chunk in chunks {
        let mut rest = *chunk;
        while !rest.is_empty() {
            let space = r.read_space();
            if space.is_empty() {
                return None;
            }
            let n = space.len().min(rest.len());
            space[..n].copy_from_slice(&rest[..n]);
            rest = &rest[n..];
            let out: Option<&mut dyn std::io::Write> = if verbose { Some(&mut sink) } else { None };
            r.received(n, out).expect("writing to a Vec");
        }
    }
    Some(r.finish())
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let alg = match sel % 3 {
        0 => HashAlgorithm::Md5,
        1 => HashAlgorithm::Sha1,
        _ => HashAlgorithm::Sha256,
    };
    let chunks: Vec<&[u8]> = rest.split(|b| *b == 0xff).collect();
    assert_eq!(digest(&chunks, alg, true), digest(&chunks, alg, false));
});
