//! Hand-checked byte vectors: one packet without authentication and one of each
//! authentication type, parsed field by field, emitted byte-exactly into buffers pre-filled
//! with 0xa5 (so a forgotten byte shows), and verified.

mod support;

use keepalive_bfd::auth::{self, AuthConfig};
use keepalive_bfd::packet::{AuthSection, AuthType};
use keepalive_bfd::{BfdPacket, ControlRepr, Diag, Interval, State};
use support::*;

fn round_trip(vector: &str, auth: Option<&AuthConfig>) -> ControlRepr {
    let bytes = hex(vector);
    let p = BfdPacket::new_checked(&bytes[..]).unwrap();
    let repr = ControlRepr::parse(&p).unwrap();
    assert_eq!(repr.buffer_len(), bytes.len());
    let mut out = vec![0xa5u8; bytes.len() + 4];
    let len = repr.emit(&mut out).unwrap();
    assert_eq!(len, bytes.len());
    if let Some(a) = auth {
        // Emit from a section with a zero digest, then sign: the digest must come out equal.
        let mut fresh = repr;
        fresh.auth = Some(match repr.auth.unwrap() {
            AuthSection::SimplePassword { .. } => a.section(0),
            AuthSection::Md5 { seq, .. } | AuthSection::Sha1 { seq, .. } => a.section(seq),
            _ => unreachable!(),
        });
        fresh.emit(&mut out).unwrap();
        auth::sign(&mut out[..len], a).unwrap();
        let p = BfdPacket::new_checked(&bytes[..]).unwrap();
        auth::verify(&p, Some(a), PEER).unwrap();
    }
    assert_eq!(&out[..len], &bytes[..]);
    assert_eq!(&out[len..], &[0xa5; 4], "emit wrote past the packet");
    repr
}

#[test]
fn plain() {
    let r = round_trip(PLAIN, None);
    assert_eq!(r.diag, Diag::None);
    assert_eq!(r.state, State::Up);
    assert!(!r.poll && !r.final_ && !r.demand && !r.multipoint);
    assert_eq!(r.detect_mult, 3);
    assert_eq!(r.my_discr, 0x1122_3344);
    assert_eq!(r.your_discr, 0x5566_7788);
    assert_eq!(r.desired_min_tx, Interval(300_000));
    assert_eq!(r.required_min_rx.as_duration(), ms(300));
    assert_eq!(r.required_min_echo_rx, Interval::ZERO);
    assert_eq!(r.auth, None);
}

#[test]
fn simple_password() {
    let r = round_trip(SIMPLE, Some(&password()));
    assert_eq!(r.diag, Diag::TimeExpired);
    assert_eq!(r.state, State::Down);
    assert!(r.poll && !r.final_);
    assert_eq!(r.detect_mult, 5);
    let Some(AuthSection::SimplePassword {
        key_id,
        password,
        len,
    }) = r.auth
    else {
        panic!("{:?}", r.auth)
    };
    assert_eq!((key_id, len), (1, 6));
    assert_eq!(&password[..6], b"secret");
}

fn keyed(vector: &str, a: AuthConfig, ty: AuthType, key_id: u8, seq: u32) {
    let r = round_trip(vector, Some(&a));
    assert_eq!(r.state, State::Init);
    assert!(r.final_ && !r.poll);
    let section = r.auth.unwrap();
    assert_eq!(section.auth_type(), ty);
    assert_eq!(section.key_id(), key_id);
    match section {
        AuthSection::Md5 { seq: s, .. } | AuthSection::Sha1 { seq: s, .. } => assert_eq!(s, seq),
        other => panic!("{other:?}"),
    }
    // One flipped bit anywhere breaks the digest.
    let mut bytes = hex(vector);
    bytes[13] ^= 1;
    let p = BfdPacket::new_checked(&bytes[..]).unwrap();
    assert!(matches!(
        auth::verify(&p, Some(&a), PEER),
        Err(keepalive_bfd::RxError::DigestMismatch { .. })
    ));
}

#[test]
fn keyed_md5() {
    keyed(KEYED_MD5, md5_key(), AuthType::KeyedMd5, 2, 0x0102_0304);
}

#[test]
fn meticulous_keyed_md5() {
    keyed(
        METICULOUS_MD5,
        meticulous_md5_key(),
        AuthType::MeticulousKeyedMd5,
        2,
        0x0102_0304,
    );
}

#[test]
fn keyed_sha1() {
    keyed(KEYED_SHA1, sha1_key(), AuthType::KeyedSha1, 7, 0xffff_fffe);
}

#[test]
fn meticulous_keyed_sha1() {
    keyed(
        METICULOUS_SHA1,
        meticulous_sha1_key(),
        AuthType::MeticulousKeyedSha1,
        7,
        0xffff_fffe,
    );
}

#[test]
fn reserved_diag_and_flags_survive() {
    let mut bytes = hex(PLAIN);
    bytes[0] = 0x20 | 0x1f; // diag 31
    bytes[1] = 0xc0 | 0x08 | 0x02 | 0x01; // C, D, M
    let r = ControlRepr::parse(&BfdPacket::new_checked(&bytes[..]).unwrap()).unwrap();
    assert_eq!(r.diag, Diag::Unknown(31));
    assert!(r.control_plane_independent && r.demand && r.multipoint);
    let mut out = [0xa5u8; 24];
    r.emit(&mut out).unwrap();
    assert_eq!(out[..], bytes[..]);
}

#[test]
fn parse_rejects_malformed() {
    use keepalive_bfd::ParseError;
    let parse = |b: &[u8]| ControlRepr::parse(&BfdPacket::new_unchecked(b));
    let mut b = hex(PLAIN);
    assert_eq!(parse(&b[..23]), Err(ParseError::Truncated { len: 23 }));
    b[0] = 0x40;
    assert_eq!(parse(&b), Err(ParseError::Version { version: 2 }));
    let mut b = hex(SIMPLE);
    b[24] = 9;
    assert_eq!(parse(&b), Err(ParseError::AuthType { auth_type: 9 }));
    let mut b = hex(KEYED_MD5);
    b[25] = 20;
    assert_eq!(
        parse(&b),
        Err(ParseError::AuthLength {
            auth_type: 2,
            auth_len: 20
        })
    );
    let mut b = hex(PLAIN);
    b[3] = 25;
    assert!(matches!(
        parse(&b),
        Err(ParseError::LengthExceedsPayload { .. })
    ));
}

#[test]
fn emit_rejects_short_buffer_and_bad_password() {
    let r = ControlRepr::parse(&BfdPacket::new_checked(&hex(SIMPLE)[..]).unwrap()).unwrap();
    let mut small = [0u8; 30];
    assert!(r.emit(&mut small).is_err());
    let bad = AuthConfig::SimplePassword {
        key_id: 1,
        password: vec![b'x'; 17],
    };
    assert!(bad.validate().is_err());
    let long_md5 = AuthConfig::KeyedMd5 {
        key_id: 1,
        key: vec![0; 17],
    };
    assert!(long_md5.validate().is_err());
    assert!(sha1_key().validate().is_ok());
}
