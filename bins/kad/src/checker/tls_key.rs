//! The private key of the `SSL` block (keepalived.conf(5), global LVS config:
//! `SSL { password ca certificate key }`), the client key that SSL_GET presents.
//!
//! keepalived hands `key` to OpenSSL's `SSL_CTX_use_PrivateKey_file(…, SSL_FILETYPE_PEM)` with
//! `password` as the PEM pass-phrase callback (`check_ssl.c`, `build_ssl_ctx`), so the file may
//! hold any PEM private key OpenSSL reads:
//!
//! * plain: PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY`, SEC1 `EC PRIVATE KEY`;
//! * PKCS#8 `ENCRYPTED PRIVATE KEY` (RFC 5958, PBES2 of RFC 8018: PBKDF2 or scrypt with
//!   AES-CBC or DES-EDE3-CBC), as `openssl genpkey -aes256` and `openssl pkcs8 -topk8` write;
//! * OpenSSL's legacy encrypted PEM (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: CIPHER,IV`, the
//!   RFC 1421 header format), as `openssl rsa -aes256 -traditional` and `openssl ec -aes256`
//!   write.
//!
//! As OpenSSL's PEM reader, blocks that are not private keys (a certificate or `EC PARAMETERS`
//! before the key) are skipped and the first key is used; `password` is ignored for a plain key.
//! [`certificate_spki`] lets the caller check, as OpenSSL does, that the key is the
//! `certificate`'s.

use std::path::Path;

use aes::{Aes128, Aes192, Aes256};
use base64ct::{Base64, Encoding};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockCipher, BlockDecryptMut, KeyInit, KeyIvInit};
use des::TdesEde3;
use md5::{Digest, Md5};
use pkcs8::der::asn1::{AnyRef, OctetStringRef};
use pkcs8::der::{Decode, Document, Reader, SliceReader, Tagged};
use pkcs8::pkcs5;
use pkcs8::{AlgorithmIdentifierRef, EncryptedPrivateKeyInfo, ObjectIdentifier, PrivateKeyInfo};
use rustls::pki_types::PrivateKeyDer;

/// Why the `key` file gave no usable private key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// No PEM block in the file is a private key.
    #[error("no PEM private key in the file")]
    NoKey,
    /// A key type rustls cannot sign with (DSA).
    #[error("unsupported key type {0:?}")]
    UnsupportedKeyType(String),
    /// The PEM block, its headers or its DER could not be decoded.
    #[error("malformed {label:?} block: {reason}")]
    Malformed {
        /// The PEM label.
        label: String,
        /// What is wrong.
        reason: String,
    },
    /// The key is encrypted and the `SSL` block has no `password`.
    #[error("the key is encrypted and the SSL block has no password")]
    PasswordMissing,
    /// Decryption produced no key: the `password` is wrong (OpenSSL says "bad decrypt").
    #[error("bad decrypt (wrong password?)")]
    BadDecrypt,
    /// The cipher (`DEK-Info`) or the PKCS#8 encryption scheme is not one kad implements.
    #[error("unsupported key encryption {0}")]
    UnsupportedCipher(String),
}

/// Read the private key in `path`, decrypting it with `password` when it is encrypted.
pub fn load(path: &Path, password: Option<&str>) -> Result<PrivateKeyDer<'static>, KeyError> {
    parse(&std::fs::read(path)?, password.map(str::as_bytes))
}

/// The first private key of a PEM file, decrypted with `password` when it is encrypted.
pub fn parse(pem: &[u8], password: Option<&[u8]>) -> Result<PrivateKeyDer<'static>, KeyError> {
    let text = String::from_utf8_lossy(pem);
    let block = blocks(&text)
        .find(|b| b.label.ends_with("PRIVATE KEY"))
        .ok_or(KeyError::NoKey)?;
    let der = Base64::decode_vec(&block.body).map_err(|e| block.malformed(e))?;
    match block.label {
        "ENCRYPTED PRIVATE KEY" => {
            pkcs8_decrypt(&block, &der, password.ok_or(KeyError::PasswordMissing)?)
        }
        "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => {
            let der = match block.header("Proc-Type") {
                Some(p) if p.contains("ENCRYPTED") => {
                    let dek = block
                        .header("DEK-Info")
                        .ok_or_else(|| block.malformed("Proc-Type ENCRYPTED without DEK-Info"))?;
                    legacy_decrypt(
                        &block,
                        dek,
                        &der,
                        password.ok_or(KeyError::PasswordMissing)?,
                    )?
                }
                _ => der,
            };
            Ok(match block.label {
                "PRIVATE KEY" => PrivateKeyDer::Pkcs8(der.into()),
                "RSA PRIVATE KEY" => PrivateKeyDer::Pkcs1(der.into()),
                _ => PrivateKeyDer::Sec1(der.into()),
            })
        }
        other => Err(KeyError::UnsupportedKeyType(other.into())),
    }
}

/// The DER `SubjectPublicKeyInfo` of an X.509 certificate (RFC 5280 section 4.1), found
/// without judging the rest, so X.509 v1 certificates do as they do for OpenSSL.
pub fn certificate_spki(cert: &[u8]) -> Option<&[u8]> {
    let cert = AnyRef::from_der(cert).ok()?;
    let tbs = AnyRef::decode(&mut SliceReader::new(cert.value()).ok()?).ok()?;
    let fields = tbs.value();
    let mut r = SliceReader::new(fields).ok()?;
    let first = AnyRef::decode(&mut r).ok()?;
    // version [0] EXPLICIT (absent in v1), serialNumber, signature, issuer, validity, subject
    let skip = if first.tag().is_context_specific() {
        5
    } else {
        4
    };
    for _ in 0..skip {
        AnyRef::decode(&mut r).ok()?;
    }
    let start = usize::try_from(r.position()).ok()?;
    AnyRef::decode(&mut r).ok()?;
    let end = usize::try_from(r.position()).ok()?;
    fields.get(start..end)
}

/// One `-----BEGIN label-----` … `-----END label-----` block.
#[derive(Debug)]
struct Block<'a> {
    label: &'a str,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`), before the first blank line.
    headers: Vec<(&'a str, &'a str)>,
    /// The base64 lines, joined.
    body: String,
}

impl Block<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    fn malformed(&self, reason: impl ToString) -> KeyError {
        KeyError::Malformed {
            label: self.label.into(),
            reason: reason.to_string(),
        }
    }
}

/// The complete PEM blocks of `text`, in order; text outside them is ignored.
fn blocks(text: &str) -> impl Iterator<Item = Block<'_>> {
    let mut lines = text.lines().map(str::trim);
    std::iter::from_fn(move || loop {
        let line = lines.next()?;
        let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        else {
            continue;
        };
        let end = format!("-----END {label}-----");
        let mut block = Block {
            label,
            headers: Vec::new(),
            body: String::new(),
        };
        let mut in_headers = true;
        for line in lines.by_ref() {
            if line == end {
                return Some(block);
            }
            if in_headers {
                if let Some((name, value)) = line.split_once(':') {
                    block.headers.push((name.trim(), value.trim()));
                    continue;
                }
                in_headers = false;
                if line.is_empty() {
                    continue;
                }
            }
            block.body.push_str(line);
        }
        return None;
    })
}

/// PKCS#8 `EncryptedPrivateKeyInfo` (RFC 5958 section 3) decrypted to a `PrivateKeyInfo`.
fn pkcs8_decrypt(
    block: &Block<'_>,
    der: &[u8],
    password: &[u8],
) -> Result<PrivateKeyDer<'static>, KeyError> {
    let info = EncryptedPrivateKeyInfo::try_from(der).map_err(|e| match scheme_oid(der) {
        // pkcs5 decodes the parameters of PBES2 only; PKCS#12 PBE (`openssl pkcs8 -v1
        // PBE-SHA1-3DES`) and PBES2 with a cipher it lacks fail there.
        Some(oid) if oid != pkcs5::pbes2::PBES2_OID => {
            KeyError::UnsupportedCipher(format!("PBES1/PKCS#12 scheme OID {oid}"))
        }
        Some(_) => KeyError::UnsupportedCipher(format!("PBES2 parameters ({e})")),
        None => block.malformed(e),
    })?;
    let doc = info.decrypt(password).map_err(|e| match e {
        pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::UnsupportedAlgorithm { oid }) => {
            KeyError::UnsupportedCipher(format!("OID {oid}"))
        }
        pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::NoPbes1CryptSupport) => {
            KeyError::UnsupportedCipher(format!(
                "PBES1 scheme OID {}",
                info.encryption_algorithm.oid()
            ))
        }
        pkcs8::Error::EncryptedPrivateKey(pkcs5::Error::AlgorithmParametersInvalid { oid }) => {
            block.malformed(format!("invalid parameters for OID {oid}"))
        }
        // A bad padding, or plaintext that is not DER: the key derived from the password
        // was not the one the file was encrypted with.
        _ => KeyError::BadDecrypt,
    })?;
    PrivateKeyInfo::try_from(doc.as_bytes()).map_err(|_| KeyError::BadDecrypt)?;
    Ok(PrivateKeyDer::Pkcs8(doc.as_bytes().to_vec().into()))
}

/// The `encryptionAlgorithm` OID of an `EncryptedPrivateKeyInfo` whose parameters pkcs5
/// could not decode.
fn scheme_oid(der: &[u8]) -> Option<ObjectIdentifier> {
    SliceReader::new(der)
        .ok()?
        .sequence(|r| {
            let algorithm = AlgorithmIdentifierRef::decode(r)?;
            OctetStringRef::decode(r)?;
            Ok(algorithm.oid)
        })
        .ok()
}

/// The CBC ciphers of OpenSSL's legacy PEM encryption that kad implements (`DEK-Info` names).
#[derive(Debug, Clone, Copy)]
enum LegacyCipher {
    Aes128,
    Aes192,
    Aes256,
    DesEde3,
}

impl LegacyCipher {
    fn from_name(name: &str) -> Option<LegacyCipher> {
        Some(match name.to_ascii_uppercase().as_str() {
            "AES-128-CBC" => LegacyCipher::Aes128,
            "AES-192-CBC" => LegacyCipher::Aes192,
            "AES-256-CBC" => LegacyCipher::Aes256,
            "DES-EDE3-CBC" => LegacyCipher::DesEde3,
            _ => return None,
        })
    }

    fn key_len(self) -> usize {
        match self {
            LegacyCipher::Aes128 => 16,
            LegacyCipher::Aes192 | LegacyCipher::DesEde3 => 24,
            LegacyCipher::Aes256 => 32,
        }
    }

    fn iv_len(self) -> usize {
        match self {
            LegacyCipher::DesEde3 => 8,
            _ => 16,
        }
    }
}

/// Decrypt the body of a `Proc-Type: 4,ENCRYPTED` block as OpenSSL's `PEM_do_header`: the
/// key is `EVP_BytesToKey(cipher, MD5, salt = first 8 bytes of the IV, password, 1 round)`.
fn legacy_decrypt(
    block: &Block<'_>,
    dek_info: &str,
    data: &[u8],
    password: &[u8],
) -> Result<Vec<u8>, KeyError> {
    let (name, iv_hex) = dek_info
        .split_once(',')
        .ok_or_else(|| block.malformed("DEK-Info without an IV"))?;
    let name = name.trim();
    let cipher =
        LegacyCipher::from_name(name).ok_or_else(|| KeyError::UnsupportedCipher(name.into()))?;
    let iv = hex(iv_hex.trim())
        .filter(|iv| iv.len() == cipher.iv_len())
        .ok_or_else(|| block.malformed(format!("DEK-Info IV {iv_hex:?} for {name}")))?;
    let key = bytes_to_key(password, &iv[..8], cipher.key_len());
    let plain = match cipher {
        LegacyCipher::Aes128 => cbc_decrypt::<Aes128>(&key, &iv, data),
        LegacyCipher::Aes192 => cbc_decrypt::<Aes192>(&key, &iv, data),
        LegacyCipher::Aes256 => cbc_decrypt::<Aes256>(&key, &iv, data),
        LegacyCipher::DesEde3 => cbc_decrypt::<TdesEde3>(&key, &iv, data),
    }
    .ok_or(KeyError::BadDecrypt)?;
    // A wrong key still ends in valid padding about once in 256 tries; the plaintext must
    // then also be one DER SEQUENCE (RSAPrivateKey, ECPrivateKey or PrivateKeyInfo).
    Document::try_from(plain.as_slice()).map_err(|_| KeyError::BadDecrypt)?;
    Ok(plain)
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one iteration: `D_i = MD5(D_{i-1} || password ||
/// salt)`, concatenated until `len` bytes.
fn bytes_to_key(password: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut key = Vec::with_capacity(len + 16);
    let mut prev: Option<[u8; 16]> = None;
    while key.len() < len {
        let mut md = Md5::new();
        if let Some(p) = prev {
            md.update(p);
        }
        md.update(password);
        md.update(salt);
        let d: [u8; 16] = md.finalize().into();
        key.extend_from_slice(&d);
        prev = Some(d);
    }
    key.truncate(len);
    key
}

/// CBC decryption with PKCS#7 padding; `None` when the padding is wrong.
fn cbc_decrypt<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>>
where
    C: BlockCipher + BlockDecryptMut + KeyInit,
{
    let dec = cbc::Decryptor::<C>::new_from_slices(key, iv).ok()?;
    let mut buf = data.to_vec();
    let len = dec.decrypt_padded_mut::<Pkcs7>(&mut buf).ok()?.len();
    buf.truncate(len);
    Some(buf)
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
