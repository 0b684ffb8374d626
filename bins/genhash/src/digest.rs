//! Digest algorithms genhash can print.
//!
//! keepalived 2.2.7 only computes MD5 (the `digest` keyword of HTTP_GET/SSL_GET is an MD5 sum);
//! the user guide's `--hash/-H` (from the older stand-alone genhash) also named SHA-1, and the
//! kad issue asks for SHA-1 and SHA-256 on request. MD5 stays the default so the output matches
//! keepalived's byte for byte.

use md5::Digest as _;

/// Which hash is computed over the response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HashAlgorithm {
    /// MD5, keepalived's only algorithm and the default.
    #[default]
    Md5,
    /// SHA-1 (FIPS 180-4), an extension.
    Sha1,
    /// SHA-256 (FIPS 180-4), an extension.
    Sha256,
}

impl HashAlgorithm {
    /// Parses the `-H` argument; names are matched without regard to case.
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Md5, Self::Sha1, Self::Sha256]
            .into_iter()
            .find(|alg| alg.name().eq_ignore_ascii_case(name))
    }

    /// The name accepted by `-H`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
        }
    }
}

/// A running hash, fed the body as it streams in so memory stays bounded.
#[derive(Debug, Clone)]
pub enum Hasher {
    /// MD5 state.
    Md5(md5::Md5),
    /// SHA-1 state.
    Sha1(sha1::Sha1),
    /// SHA-256 state.
    Sha256(sha2::Sha256),
}

impl Hasher {
    /// A fresh hash state for `alg`.
    pub fn new(alg: HashAlgorithm) -> Self {
        match alg {
            HashAlgorithm::Md5 => Self::Md5(md5::Md5::new()),
            HashAlgorithm::Sha1 => Self::Sha1(sha1::Sha1::new()),
            HashAlgorithm::Sha256 => Self::Sha256(sha2::Sha256::new()),
        }
    }

    /// Feeds more body bytes.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Md5(h) => h.update(data),
            Self::Sha1(h) => h.update(data),
            Self::Sha256(h) => h.update(data),
        }
    }

    /// The digest of everything fed so far.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Self::Md5(h) => h.finalize().to_vec(),
            Self::Sha1(h) => h.finalize().to_vec(),
            Self::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// Lower-case hex, as keepalived prints a digest (`%02x` per byte).
pub fn to_hex(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    digest.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_of(alg: HashAlgorithm, data: &[u8]) -> String {
        let mut h = Hasher::new(alg);
        h.update(data);
        to_hex(&h.finish())
    }

    #[test]
    fn known_vectors() {
        assert_eq!(
            hex_of(HashAlgorithm::Md5, b""),
            "d41d8cd98f00b204e9800998ecf8427e"
        );
        assert_eq!(
            hex_of(HashAlgorithm::Md5, b"hello world\n"),
            "6f5902ac237024bdd0c176cb93063dc4"
        );
        assert_eq!(
            hex_of(HashAlgorithm::Sha1, b"abc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex_of(HashAlgorithm::Sha256, b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn names_round_trip() {
        for alg in [
            HashAlgorithm::Md5,
            HashAlgorithm::Sha1,
            HashAlgorithm::Sha256,
        ] {
            assert_eq!(HashAlgorithm::from_name(alg.name()), Some(alg));
        }
        assert_eq!(
            HashAlgorithm::from_name("SHA256"),
            Some(HashAlgorithm::Sha256)
        );
        assert_eq!(HashAlgorithm::from_name("crc32"), None);
    }
}
