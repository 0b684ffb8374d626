//! Keys written by the `openssl` CLI at test time; every decrypted key is compared with what
//! `openssl pkey -passin … -outform DER` makes of the same file.

use super::*;

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const PASS: &str = "secret";

/// A directory removed on drop, where `openssl` runs.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Dir {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "kad-tls-key-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().into()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    /// Run `openssl ARGS` (split at white space) in the directory; its stdout.
    fn openssl(&self, args: &str) -> Vec<u8> {
        let out = Command::new("openssl")
            .args(args.split_whitespace())
            .current_dir(&self.0)
            .output()
            .expect("the openssl CLI");
        assert!(
            out.status.success(),
            "openssl {args}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// `openssl pkey`'s PKCS#8 DER of a key file (decrypted with `PASS` when `encrypted`).
    fn reference(&self, file: &str, encrypted: bool) -> Vec<u8> {
        let pass = if encrypted { "-passin pass:secret" } else { "" };
        self.openssl(&format!("pkey -in {file} -outform DER {pass}"))
    }

    /// `openssl pkey`'s PKCS#8 DER of a key kad decoded (PKCS#8, PKCS#1 or SEC1 DER).
    fn normalised(&self, key: &PrivateKeyDer<'_>) -> Vec<u8> {
        std::fs::write(self.path("kad.der"), key.secret_der()).unwrap();
        self.openssl("pkey -inform DER -in kad.der -outform DER")
    }

    fn load(&self, file: &str, password: Option<&str>) -> Result<PrivateKeyDer<'static>, KeyError> {
        load(Path::new(&self.path(file)), password)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Pkcs8,
    Pkcs1,
    Sec1,
}

fn kind(key: &PrivateKeyDer<'_>) -> Kind {
    match key {
        PrivateKeyDer::Pkcs8(_) => Kind::Pkcs8,
        PrivateKeyDer::Pkcs1(_) => Kind::Pkcs1,
        PrivateKeyDer::Sec1(_) => Kind::Sec1,
        other => panic!("unexpected {other:?}"),
    }
}

/// Writes `genpkey`'s encrypted PKCS#8 key `enc.pem` and its plain `plain.pem`, then the
/// other encodings of the same key: `(file, openssl command reading plain.pem, kind,
/// encrypted)`. Checks that each decodes to the same key, and that the encrypted ones refuse a
/// wrong or missing password.
fn every_encoding(genpkey: &str, traditional: &[(&str, &str, Kind, bool)]) {
    let d = Dir::new();
    d.openssl(&format!(
        "genpkey {genpkey} -aes256 -pass pass:secret -out enc.pem"
    ));
    d.openssl("pkey -in enc.pem -passin pass:secret -out plain.pem");
    let topk8 = "pkcs8 -topk8 -in plain.pem -passout pass:secret";
    let mut files = vec![
        ("plain.pem", "", Kind::Pkcs8, false),
        ("enc.pem", "", Kind::Pkcs8, true),
        (
            "p8-aes128-sha1.pem",
            "-v2 aes-128-cbc -v2prf hmacWithSHA1",
            Kind::Pkcs8,
            true,
        ),
        (
            "p8-aes192-sha512.pem",
            "-v2 aes-192-cbc -v2prf hmacWithSHA512",
            Kind::Pkcs8,
            true,
        ),
        ("p8-des3.pem", "-v2 des3", Kind::Pkcs8, true),
    ];
    for (file, args, _, _) in &files[2..] {
        d.openssl(&format!("{topk8} {args} -out {file}"));
    }
    for (file, command, _, encrypted) in traditional {
        let pass = if *encrypted {
            "-passout pass:secret"
        } else {
            ""
        };
        d.openssl(&format!("{command} -in plain.pem -out {file} {pass}"));
    }
    files.extend_from_slice(traditional);

    let reference = d.reference("plain.pem", false);
    for (file, _, want_kind, encrypted) in files {
        let text = d.read(file);
        assert_eq!(encrypted, text.contains("ENCRYPTED"), "{file}:\n{text}");
        assert_eq!(d.reference(file, encrypted), reference, "{file}");
        let key = d
            .load(file, Some(PASS))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(kind(&key), want_kind, "{file}");
        assert_eq!(d.normalised(&key), reference, "{file}");
        if encrypted {
            let wrong = d.load(file, Some("Secret"));
            assert!(
                matches!(wrong, Err(KeyError::BadDecrypt)),
                "{file}: {wrong:?}"
            );
            let none = d.load(file, None);
            assert!(
                matches!(none, Err(KeyError::PasswordMissing)),
                "{file}: {none:?}"
            );
        } else {
            let key = d.load(file, None).unwrap();
            assert_eq!(d.normalised(&key), reference, "{file}");
        }
    }
}

#[test]
fn rsa_keys_in_every_encoding() {
    every_encoding(
        "-algorithm RSA -pkeyopt rsa_keygen_bits:2048",
        &[
            ("rsa-plain.pem", "rsa -traditional", Kind::Pkcs1, false),
            (
                "rsa-aes256.pem",
                "rsa -traditional -aes256",
                Kind::Pkcs1,
                true,
            ),
            (
                "rsa-aes192.pem",
                "rsa -traditional -aes192",
                Kind::Pkcs1,
                true,
            ),
            (
                "rsa-aes128.pem",
                "rsa -traditional -aes128",
                Kind::Pkcs1,
                true,
            ),
            ("rsa-des3.pem", "rsa -traditional -des3", Kind::Pkcs1, true),
        ],
    );
}

#[test]
fn ec_keys_in_every_encoding() {
    every_encoding(
        "-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
        &[
            ("ec-plain.pem", "ec", Kind::Sec1, false),
            ("ec-aes256.pem", "ec -aes256", Kind::Sec1, true),
            ("ec-des3.pem", "ec -des3", Kind::Sec1, true),
        ],
    );
}

/// PBES2 with scrypt (`openssl pkcs8 -topk8 -scrypt`) instead of PBKDF2.
#[test]
fn scrypt_encrypted_pkcs8_key() {
    let d = Dir::new();
    d.openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out plain.pem");
    d.openssl("pkcs8 -topk8 -in plain.pem -scrypt -passout pass:secret -out s.pem");
    let key = d.load("s.pem", Some(PASS)).unwrap();
    assert_eq!(d.normalised(&key), d.reference("plain.pem", false));
}

#[test]
fn the_first_key_after_other_blocks_is_used() {
    let d = Dir::new();
    // `ecparam -genkey` writes an `EC PARAMETERS` block before the key.
    d.openssl("ecparam -genkey -name prime256v1 -out ec.pem");
    d.openssl("req -x509 -new -key ec.pem -subj /CN=kad -days 1 -out cert.pem");
    std::fs::write(d.path("both.pem"), d.read("cert.pem") + &d.read("ec.pem")).unwrap();
    let reference = d.reference("ec.pem", false);
    for file in ["ec.pem", "both.pem"] {
        let key = d.load(file, None).unwrap();
        assert_eq!(kind(&key), Kind::Sec1);
        assert_eq!(d.normalised(&key), reference, "{file}");
    }
}

#[test]
fn files_without_a_usable_key() {
    let d = Dir::new();
    d.openssl(
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=kad -days 1 \
         -keyout key.pem -out cert.pem",
    );
    assert!(matches!(d.load("cert.pem", None), Err(KeyError::NoKey)));
    std::fs::write(d.path("empty.pem"), "").unwrap();
    assert!(matches!(d.load("empty.pem", None), Err(KeyError::NoKey)));
    assert!(matches!(d.load("missing.pem", None), Err(KeyError::Io(_))));

    d.openssl("genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 -out dsap.pem");
    d.openssl("genpkey -paramfile dsap.pem -out dsa8.pem");
    d.openssl("dsa -in dsa8.pem -out dsa.pem");
    let dsa = d.load("dsa.pem", None);
    assert!(
        matches!(&dsa, Err(KeyError::UnsupportedKeyType(l)) if l == "DSA PRIVATE KEY"),
        "{dsa:?}"
    );

    let broken = d.read("key.pem").replacen('\n', "\n!!", 2);
    let e = parse(broken.as_bytes(), None);
    assert!(matches!(e, Err(KeyError::Malformed { .. })), "{e:?}");
}

#[test]
fn unsupported_encryptions_are_named() {
    let d = Dir::new();
    d.openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out plain.pem");
    let topk8 = "pkcs8 -topk8 -in plain.pem -passout pass:secret";
    // PKCS#12 password-based encryption, no longer written by default.
    d.openssl(&format!("{topk8} -v1 PBE-SHA1-3DES -out pbes1.pem"));
    let e = d.load("pbes1.pem", Some(PASS));
    assert!(matches!(e, Err(KeyError::UnsupportedCipher(_))), "{e:?}");
    d.openssl(&format!("{topk8} -v2 camellia-256-cbc -out camellia8.pem"));
    let e = d.load("camellia8.pem", Some(PASS));
    assert!(matches!(e, Err(KeyError::UnsupportedCipher(_))), "{e:?}");

    d.openssl("ec -in plain.pem -aes256 -passout pass:secret -out aes.pem");
    let text = d.read("aes.pem");
    let parse_with_pass = |text: String| parse(text.as_bytes(), Some(PASS.as_bytes()));
    let e = parse_with_pass(text.replace("AES-256-CBC", "CAMELLIA-256-CBC"));
    assert!(
        matches!(&e, Err(KeyError::UnsupportedCipher(c)) if c == "CAMELLIA-256-CBC"),
        "{e:?}"
    );
    let e = parse_with_pass(text.replace("AES-256-CBC,", "AES-256-CBC,zz"));
    assert!(matches!(e, Err(KeyError::Malformed { .. })), "{e:?}");
    let no_dek_info = text
        .lines()
        .filter(|l| !l.starts_with("DEK-Info"))
        .map(|l| format!("{l}\n"))
        .collect();
    let e = parse_with_pass(no_dek_info);
    assert!(matches!(e, Err(KeyError::Malformed { .. })), "{e:?}");
}

/// `EVP_BytesToKey` as `openssl enc -md md5 -S SALT -P` prints it: one MD5 round for 16 bytes,
/// two for 24 (DES-EDE3) and 32 (AES-256).
#[test]
fn bytes_to_key_matches_openssl_enc() {
    let d = Dir::new();
    let salt = [1u8, 2, 3, 4, 5, 6, 7, 0xfe];
    for (cipher, len) in [
        ("aes-128-cbc", 16),
        ("des-ede3-cbc", 24),
        ("aes-256-cbc", 32),
    ] {
        let out = d.openssl(&format!(
            "enc -{cipher} -md md5 -S 01020304050607fe -pass pass:secret -P"
        ));
        let out = String::from_utf8(out).unwrap();
        let key_hex = out
            .lines()
            .find_map(|l| l.strip_prefix("key="))
            .unwrap_or_else(|| panic!("{out}"));
        assert_eq!(
            bytes_to_key(b"secret", &salt, len),
            hex(key_hex.trim()).unwrap(),
            "{cipher}"
        );
    }
}

/// A CA, a self-signed X.509 v3 certificate `v3.pem` of `v3.key` and an X.509 v1 certificate
/// `v1.pem` of `v1.key` (what `openssl x509 -req` writes without extensions in OpenSSL 3.0;
/// later versions write v3), both keys encrypted with `PASS`.
fn certificates(d: &Dir) {
    d.openssl(
        "req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=ca -days 1 \
         -keyout ca.key -out ca.pem",
    );
    d.openssl(
        "req -x509 -newkey rsa:2048 -passout pass:secret -subj /CN=v3 -days 1 \
         -keyout v3.key -out v3.pem",
    );
    d.openssl("genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p.key");
    d.openssl("ec -in p.key -aes128 -passout pass:secret -out v1.key");
    d.openssl("req -new -key p.key -subj /CN=v1 -out v1.csr");
    d.openssl("x509 -req -in v1.csr -CA ca.pem -CAkey ca.key -set_serial 7 -days 1 -out v1.pem");
}

#[test]
fn certificate_spki_of_v1_and_v3_certificates() {
    let d = Dir::new();
    certificates(&d);
    for cert in ["v1.pem", "v3.pem", "ca.pem"] {
        d.openssl(&format!("x509 -in {cert} -pubkey -noout -out pub.pem"));
        let want = d.openssl("pkey -pubin -in pub.pem -outform DER");
        let der = d.openssl(&format!("x509 -in {cert} -outform DER"));
        assert_eq!(certificate_spki(&der), Some(&want[..]), "{cert}");
    }
    assert_eq!(certificate_spki(b"\x30\x03\x02\x01\x01"), None);
    assert_eq!(certificate_spki(b""), None);
}

#[test]
fn client_certificate_and_key_must_match() {
    use crate::checker::io::{ClientCert, Tls, TlsError};
    let d = Dir::new();
    certificates(&d);
    let tls = |certificate: &str, key: &str, password: &str| {
        Tls::new(Some(ClientCert {
            certificate: &d.path(certificate),
            key: &d.path(key),
            password: Some(password),
        }))
    };
    tls("v1.pem", "v1.key", PASS).expect("v1 certificate");
    tls("v3.pem", "v3.key", PASS).expect("v3 certificate");
    let e = tls("v3.pem", "v1.key", PASS).unwrap_err();
    assert!(matches!(e, TlsError::KeyMismatch { .. }), "{e}");
    assert_eq!(e.keepalived_line(), "SSL error : Cant load key file...");
    let e = tls("v1.pem", "v1.key", "nope").unwrap_err();
    assert!(
        matches!(
            e,
            TlsError::Key {
                source: KeyError::BadDecrypt,
                ..
            }
        ),
        "{e}"
    );
    let want = format!(
        "SSL key {}: bad decrypt (wrong password?)",
        d.path("v1.key")
    );
    assert_eq!(e.to_string(), want);
    assert_eq!(e.keepalived_line(), "SSL error : Cant load key file...");
    let e = tls("v1.key", "v1.key", PASS).unwrap_err();
    assert!(matches!(e, TlsError::Certificate { .. }), "{e}");
    assert_eq!(
        e.keepalived_line(),
        "SSL error : Cant load certificate file..."
    );
}
