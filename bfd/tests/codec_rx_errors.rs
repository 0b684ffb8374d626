//! One test per `RxError` variant: a packet crafted to fail exactly that check, the context
//! the variant carries, and the one counter it lands in.

mod support;

use keepalive_bfd::{RxError, RxMeta, State};
use support::*;

/// Feeds `bytes` and checks the error is counted once, in its own slot, and displays.
fn err(h: &mut Harness, bytes: &[u8], meta: &RxMeta) -> RxError {
    let before = *h.s.counters();
    let e =
        h.s.handle_packet(h.now, bytes, meta)
            .expect_err("packet should be rejected");
    let after = h.s.counters();
    assert_eq!(after.dropped(), before.dropped() + 1, "{e:?}");
    assert_eq!(after.count(&e), before.count(&e) + 1, "{e:?}");
    assert_eq!(after.accepted, before.accepted);
    assert!(!e.to_string().is_empty());
    e
}

fn harness() -> Harness {
    Harness::new(Harness::default_config())
}

fn auth_harness(a: keepalive_bfd::AuthConfig) -> Harness {
    let mut c = Harness::default_config();
    c.auth = Some(a);
    Harness::new(c)
}

#[test]
fn every_variant_has_a_name() {
    assert_eq!(RxError::NAMES.len(), 20);
    let mut names = RxError::NAMES.to_vec();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 20);
}

#[test]
fn truncated() {
    let mut h = harness();
    assert_eq!(
        err(&mut h, &hex(PLAIN)[..23], &meta()),
        RxError::Truncated { len: 23 }
    );
}

#[test]
fn bad_version() {
    let mut h = harness();
    let mut b = hex(PLAIN);
    b[0] = 0x40;
    assert_eq!(err(&mut h, &b, &meta()), RxError::BadVersion { version: 2 });
}

#[test]
fn length_too_short() {
    let mut h = harness();
    let mut b = hex(PLAIN);
    b[3] = 20;
    assert_eq!(
        err(&mut h, &b, &meta()),
        RxError::LengthTooShort {
            length: 20,
            min: 24
        }
    );
    // With the A bit the minimum is 26.
    let mut b = hex(SIMPLE);
    b[3] = 25;
    assert_eq!(
        err(&mut h, &b, &meta()),
        RxError::LengthTooShort {
            length: 25,
            min: 26
        }
    );
}

#[test]
fn length_exceeds_payload() {
    let mut h = harness();
    let mut b = hex(PLAIN);
    b[3] = 30;
    assert_eq!(
        err(&mut h, &b, &meta()),
        RxError::LengthExceedsPayload {
            length: 30,
            payload: 24
        }
    );
}

#[test]
fn zero_detect_mult() {
    let mut h = harness();
    let p = Pkt::new(State::Down, 0).with(|r| r.detect_mult = 0);
    assert_eq!(
        err(&mut h, &p.bytes(), &meta()),
        RxError::ZeroDetectMult {
            my_discr: PEER_DISCR
        }
    );
}

#[test]
fn multipoint() {
    let mut h = harness();
    let p = Pkt::new(State::Down, 0).with(|r| r.multipoint = true);
    assert_eq!(
        err(&mut h, &p.bytes(), &meta()),
        RxError::Multipoint {
            my_discr: PEER_DISCR
        }
    );
}

#[test]
fn zero_my_discriminator() {
    let mut h = harness();
    let p = Pkt::new(State::Down, 0).with(|r| r.my_discr = 0);
    assert_eq!(
        err(&mut h, &p.bytes(), &meta()),
        RxError::ZeroMyDiscriminator
    );
}

#[test]
fn unknown_discriminator() {
    let mut h = harness();
    let wrong = h.discr().wrapping_add(1);
    let p = Pkt::new(State::Init, wrong);
    assert_eq!(
        err(&mut h, &p.bytes(), &meta()),
        RxError::UnknownDiscriminator {
            your_discr: wrong,
            src: PEER
        }
    );
}

#[test]
fn zero_your_discriminator() {
    let mut h = harness();
    for state in [State::Init, State::Up] {
        assert_eq!(
            err(&mut h, &Pkt::new(state, 0).bytes(), &meta()),
            RxError::ZeroYourDiscriminator { state, src: PEER }
        );
    }
    // Down and AdminDown with Your Discriminator 0 are demultiplexed by address.
    assert!(h.recv(&Pkt::new(State::AdminDown, 0)).is_ok());
    assert!(h.recv(&Pkt::new(State::Down, 0)).is_ok());
}

#[test]
fn no_session() {
    let mut h = harness();
    let p = Pkt::new(State::Down, 0).bytes();
    assert_eq!(
        err(&mut h, &p, &RxMeta::new(STRANGER, LOCAL, 1, 255, false)),
        RxError::NoSession {
            src: STRANGER,
            dst: LOCAL,
            multihop: false
        }
    );
    // The right source on the multihop port is another session, too.
    assert_eq!(
        err(&mut h, &p, &RxMeta::new(PEER, LOCAL, 1, 255, true)),
        RxError::NoSession {
            src: PEER,
            dst: LOCAL,
            multihop: true
        }
    );
    // A configured local address must match the destination (RFC 5883 §4 style).
    assert!(matches!(
        err(&mut h, &p, &RxMeta::new(PEER, STRANGER, 1, 255, false)),
        RxError::NoSession { .. }
    ));
}

#[test]
fn ttl_too_low() {
    let mut h = harness();
    let p = Pkt::new(State::Down, 0).bytes();
    assert_eq!(
        err(&mut h, &p, &RxMeta::new(PEER, LOCAL, 1, 254, false)),
        RxError::TtlTooLow {
            ttl: 254,
            min: 255,
            src: PEER
        }
    );
    // With the check off, any TTL passes.
    let mut c = Harness::default_config();
    c.min_rx_ttl = 0;
    let mut h = Harness::new(c);
    assert!(h
        .s
        .handle_packet(h.now, &p, &RxMeta::new(PEER, LOCAL, 1, 1, false))
        .is_ok());
}

#[test]
fn unexpected_auth() {
    let mut h = harness();
    let p = Pkt::new(State::Down, 0).auth(password(), 0);
    assert_eq!(
        err(&mut h, &p.bytes(), &meta()),
        RxError::UnexpectedAuth { src: PEER }
    );
}

#[test]
fn missing_auth() {
    let mut h = auth_harness(md5_key());
    assert_eq!(
        err(&mut h, &Pkt::new(State::Down, 0).bytes(), &meta()),
        RxError::MissingAuth { src: PEER }
    );
}

#[test]
fn auth_type_mismatch() {
    let mut h = auth_harness(md5_key());
    let p = Pkt::new(State::Down, 0).auth(sha1_key(), 1);
    assert_eq!(
        err(&mut h, &p.bytes(), &meta()),
        RxError::AuthTypeMismatch {
            auth_type: 4,
            expected: 2,
            src: PEER
        }
    );
    let p = Pkt::new(State::Down, 0).auth(meticulous_md5_key(), 1);
    assert!(matches!(
        err(&mut h, &p.bytes(), &meta()),
        RxError::AuthTypeMismatch {
            auth_type: 3,
            expected: 2,
            ..
        }
    ));
}

#[test]
fn auth_length() {
    let mut h = auth_harness(md5_key());
    let mut b = Pkt::new(State::Down, 0).auth(md5_key(), 1).bytes();
    b[25] = 20;
    assert_eq!(
        err(&mut h, &b, &meta()),
        RxError::AuthLength {
            auth_type: 2,
            auth_len: 20,
            src: PEER
        }
    );
    // An Auth Len running past Length.
    let mut h = auth_harness(password());
    let mut b = Pkt::new(State::Down, 0).auth(password(), 0).bytes();
    b[25] = 12;
    assert!(matches!(
        err(&mut h, &b, &meta()),
        RxError::AuthLength { auth_len: 12, .. }
    ));
}

#[test]
fn auth_key_id_mismatch() {
    let mut h = auth_harness(sha1_key());
    let other = keepalive_bfd::AuthConfig::KeyedSha1 {
        key_id: 8,
        key: b"kad-sha1-key".to_vec(),
    };
    let p = Pkt::new(State::Down, 0).auth(other, 1);
    assert_eq!(
        err(&mut h, &p.bytes(), &meta()),
        RxError::AuthKeyIdMismatch {
            key_id: 8,
            expected: 7,
            src: PEER
        }
    );
}

#[test]
fn password_mismatch() {
    let mut h = auth_harness(password());
    for pw in [&b"secreT"[..], b"secret!", b"s"] {
        let other = keepalive_bfd::AuthConfig::SimplePassword {
            key_id: 1,
            password: pw.to_vec(),
        };
        let p = Pkt::new(State::Down, 0).auth(other, 0);
        assert_eq!(
            err(&mut h, &p.bytes(), &meta()),
            RxError::PasswordMismatch { src: PEER }
        );
    }
}

#[test]
fn digest_mismatch() {
    let mut h = auth_harness(meticulous_sha1_key());
    let other = keepalive_bfd::AuthConfig::MeticulousKeyedSha1 {
        key_id: 7,
        key: b"another-key".to_vec(),
    };
    let p = Pkt::new(State::Down, 0).auth(other, 1);
    assert_eq!(
        err(&mut h, &p.bytes(), &meta()),
        RxError::DigestMismatch { src: PEER }
    );
}

#[test]
fn auth_sequence() {
    // Meticulous: strictly increasing.
    let mut h = auth_harness(meticulous_md5_key());
    let p = |seq| Pkt::new(State::Down, 0).auth(meticulous_md5_key(), seq);
    h.recv(&p(100)).unwrap();
    assert_eq!(
        err(&mut h, &p(100).bytes(), &meta()),
        RxError::AuthSequence {
            seq: 100,
            low: 101,
            high: 115,
            src: PEER
        }
    );
    h.recv(&p(101)).unwrap();
    // Keyed: a repeat is fine, beyond 3 × Detect Mult (5) is not.
    let mut h = auth_harness(md5_key());
    let p = |seq| Pkt::new(State::Down, 0).auth(md5_key(), seq);
    h.recv(&p(100)).unwrap();
    h.recv(&p(100)).unwrap();
    assert_eq!(
        err(&mut h, &p(116).bytes(), &meta()),
        RxError::AuthSequence {
            seq: 116,
            low: 100,
            high: 115,
            src: PEER
        }
    );
    assert!(matches!(
        err(&mut h, &p(99).bytes(), &meta()),
        RxError::AuthSequence { .. }
    ));
    h.recv(&p(115)).unwrap();
}

#[test]
fn session_admin_down() {
    let mut h = harness();
    h.bring_up();
    let d = h.discr();
    h.s.remove(h.id, h.now);
    assert_eq!(
        err(&mut h, &Pkt::new(State::Up, d).bytes(), &meta()),
        RxError::SessionAdminDown { src: PEER }
    );
}

#[test]
fn checks_run_in_rfc_order() {
    // Header checks come before demultiplexing: a bad version from a stranger is BadVersion.
    let mut h = harness();
    let mut b = Pkt::new(State::Down, 0).bytes();
    b[0] = 0x40;
    assert!(matches!(
        err(&mut h, &b, &RxMeta::new(STRANGER, LOCAL, 1, 0, false)),
        RxError::BadVersion { .. }
    ));
    // Demultiplexing before TTL, TTL before authentication.
    let mut h = auth_harness(md5_key());
    let p = Pkt::new(State::Down, 0).bytes();
    assert!(matches!(
        err(&mut h, &p, &RxMeta::new(STRANGER, LOCAL, 1, 1, false)),
        RxError::NoSession { .. }
    ));
    assert!(matches!(
        err(&mut h, &p, &RxMeta::new(PEER, LOCAL, 1, 1, false)),
        RxError::TtlTooLow { .. }
    ));
    assert!(matches!(
        err(&mut h, &p, &meta()),
        RxError::MissingAuth { .. }
    ));
}
