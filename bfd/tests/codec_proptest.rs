//! Property tests of the codec and the receive path: every representable packet survives
//! emit → parse; arbitrary bytes, and mutations of valid packets, never panic; and a packet
//! a session accepts always parses.

mod support;

use std::time::Instant;

use keepalive_bfd::auth::{self, AuthConfig};
use keepalive_bfd::packet::{AuthSection, MAX_PASSWORD_LEN};
use keepalive_bfd::{
    BfdPacket, ControlRepr, Diag, Interval, RxMeta, SessionConfig, Sessions, State,
};
use proptest::prelude::*;
use support::*;

fn auth_section() -> impl Strategy<Value = Option<AuthSection>> {
    prop_oneof![
        Just(None),
        (
            any::<u8>(),
            prop::collection::vec(any::<u8>(), 1..=MAX_PASSWORD_LEN)
        )
            .prop_map(|(key_id, pw)| {
                let mut password = [0u8; MAX_PASSWORD_LEN];
                password[..pw.len()].copy_from_slice(&pw);
                Some(AuthSection::SimplePassword {
                    key_id,
                    password,
                    len: pw.len() as u8,
                })
            }),
        (any::<bool>(), any::<u8>(), any::<u32>(), any::<[u8; 16]>()).prop_map(
            |(meticulous, key_id, seq, digest)| Some(AuthSection::Md5 {
                meticulous,
                key_id,
                seq,
                digest
            })
        ),
        (any::<bool>(), any::<u8>(), any::<u32>(), any::<[u8; 20]>()).prop_map(
            |(meticulous, key_id, seq, digest)| Some(AuthSection::Sha1 {
                meticulous,
                key_id,
                seq,
                digest
            })
        ),
    ]
}

prop_compose! {
    fn repr()(
        diag in 0u8..32,
        state in 0u8..4,
        flags in any::<[bool; 5]>(),
        detect_mult in any::<u8>(),
        my_discr in any::<u32>(),
        your_discr in any::<u32>(),
        tx in any::<u32>(),
        rx in any::<u32>(),
        echo in any::<u32>(),
        auth in auth_section(),
    ) -> ControlRepr {
        ControlRepr {
            diag: Diag::from_code(diag),
            state: State::from_bits(state),
            poll: flags[0],
            final_: flags[1],
            control_plane_independent: flags[2],
            demand: flags[3],
            multipoint: flags[4],
            detect_mult,
            my_discr,
            your_discr,
            desired_min_tx: Interval(tx),
            required_min_rx: Interval(rx),
            required_min_echo_rx: Interval(echo),
            auth,
        }
    }
}

fn configs() -> Vec<SessionConfig> {
    let mut plain = SessionConfig::new(PEER);
    plain.min_rx_ttl = 0;
    let mut keyed = SessionConfig::new(STRANGER);
    keyed.auth = Some(sha1_key());
    keyed.min_rx_ttl = 0;
    let mut pw = SessionConfig::new(PEER);
    pw.local = Some(LOCAL);
    pw.auth = Some(password());
    let mut mh = SessionConfig::new(PEER);
    mh.multihop = true;
    mh.auth = Some(meticulous_md5_key());
    mh.min_rx_ttl = 0;
    vec![plain, keyed, pw, mh]
}

proptest! {
    #[test]
    fn emit_parse_round_trip(r in repr()) {
        let mut buf = vec![0xa5u8; r.buffer_len() + 3];
        let len = r.emit(&mut buf).unwrap();
        prop_assert_eq!(len, r.buffer_len());
        prop_assert_eq!(&buf[len..], &[0xa5u8; 3][..]);
        let p = BfdPacket::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(usize::from(p.length()), len);
        prop_assert_eq!(ControlRepr::parse(&p).unwrap(), r);
    }

    #[test]
    fn signed_packets_verify(r in repr(), key in prop::collection::vec(any::<u8>(), 0..=16),
                             which in 0usize..4, seq in any::<u32>()) {
        let a = match which {
            0 => AuthConfig::KeyedMd5 { key_id: 1, key },
            1 => AuthConfig::MeticulousKeyedMd5 { key_id: 1, key },
            2 => AuthConfig::KeyedSha1 { key_id: 1, key },
            _ => AuthConfig::MeticulousKeyedSha1 { key_id: 1, key },
        };
        let r = ControlRepr { auth: Some(a.section(seq)), ..r };
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut buf).unwrap();
        auth::sign(&mut buf, &a).unwrap();
        let p = BfdPacket::new_checked(&buf[..]).unwrap();
        prop_assert_eq!(auth::verify(&p, Some(&a), PEER), Ok(Some(seq)));
        // Any single flipped bit is caught.
        let bit = (seq as usize) % (buf.len() * 8);
        buf[bit / 8] ^= 1 << (bit % 8);
        let p = BfdPacket::new_checked(&buf[..]).unwrap();
        prop_assert!(auth::verify(&p, Some(&a), PEER).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..80),
                                   ttl in any::<u8>(), multihop in any::<bool>()) {
        if let Ok(p) = BfdPacket::new_checked(&bytes[..]) {
            let _ = format!("{p:?}");
            let _ = ControlRepr::parse(&p);
        }
        let now = Instant::now();
        let mut s = Sessions::new(3);
        for c in configs() {
            s.add(c, now);
        }
        for src in [PEER, STRANGER] {
            let meta = RxMeta::new(src, LOCAL, 1, ttl, multihop);
            if s.handle_packet(now, &bytes, &meta).is_ok() {
                prop_assert!(ControlRepr::parse(&BfdPacket::new_unchecked(&bytes[..])).is_ok());
            }
        }
        prop_assert_eq!(s.counters().dropped() + s.counters().accepted, 2);
    }

    #[test]
    fn mutated_valid_packets_never_panic(r in repr(), flips in prop::collection::vec((0usize..52, any::<u8>()), 1..6),
                                         cut in 0usize..60) {
        let now = Instant::now();
        let mut s = Sessions::new(5);
        let ids: Vec<_> = configs().into_iter().map(|c| s.add(c, now)).collect();
        let your = s.session(ids[(r.my_discr as usize) % ids.len()]).unwrap().local_discr();
        let r = ControlRepr { your_discr: your, ..r };
        let mut buf = vec![0u8; r.buffer_len()];
        r.emit(&mut buf).unwrap();
        for (i, x) in flips {
            if let Some(b) = buf.get_mut(i) {
                *b ^= x;
            }
        }
        buf.truncate(cut.max(1));
        let _ = s.handle_packet(now, &buf, &meta());
        s.handle_timeout(now);
        let mut out = [0u8; 64];
        while s.poll_transmit(now, &mut out).is_some() {}
        while s.poll_event().is_some() {}
    }
}
