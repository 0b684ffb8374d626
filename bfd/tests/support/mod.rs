//! Shared helpers: addresses, hand-checked packets, and a scripted peer that builds the
//! packets a test feeds one `Sessions`.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use keepalive_bfd::auth::{self, AuthConfig};
use keepalive_bfd::packet::MAX_PACKET_LEN;
use keepalive_bfd::{
    BfdPacket, ControlRepr, Diag, Interval, RxMeta, SessionConfig, SessionId, Sessions, State,
    Transmit,
};

pub const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
pub const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
pub const STRANGER: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 9));
/// The peer's discriminator in scripted packets.
pub const PEER_DISCR: u32 = 0x5566_7788;

/// No authentication: Up, diag 0, Detect Mult 3, My 0x11223344, Your 0x55667788, 300 ms
/// TX and RX, no echo. Field by field: 0x20 = version 1 << 5 | diag 0; 0xc0 = state 3 << 6,
/// no flags; 0x03 mult; 0x18 = 24 bytes; 0x000493e0 = 300,000 µs.
pub const PLAIN: &str = "20c00318 11223344 55667788 000493e0 000493e0 00000000";
/// Simple Password "secret", key id 1: Down, diag 1, P and A set (0x40|0x20|0x04 = 0x64),
/// Detect Mult 5, length 33 = 24 + 3 + 6; auth type 1, auth len 9, key id 1, the password.
pub const SIMPLE: &str =
    "21640521 11223344 55667788 000493e0 000493e0 00000000 010901 736563726574";
/// Keyed MD5, key "kadkey" id 2, sequence 0x01020304: Init, F and A (0x80|0x10|0x04 =
/// 0x94), mult 3, length 48; auth type 2, len 24 (0x18), key id 2, reserved 0, sequence,
/// then MD5 over the packet with the key zero-padded to 16 bytes in the digest field
/// (computed independently with Python's hashlib).
pub const KEYED_MD5: &str = "20940330 11223344 55667788 000493e0 000493e0 00000000 \
    02180200 01020304 696606e734c682dba6f58e13f8b26e60";
/// As [`KEYED_MD5`], Meticulous (auth type 3).
pub const METICULOUS_MD5: &str = "20940330 11223344 55667788 000493e0 000493e0 00000000 \
    03180200 01020304 08e92c8c29a33ff8fa248df5080fbd3a";
/// Keyed SHA1, key "kad-sha1-key" id 7, sequence 0xfffffffe: length 52 (0x34), auth type
/// 4, len 28 (0x1c), SHA1 with the key zero-padded to 20 bytes (Python's hashlib).
pub const KEYED_SHA1: &str = "20940334 11223344 55667788 000493e0 000493e0 00000000 \
    041c0700 fffffffe ae445d2d388fc8b57bc31a25f54136146a286761";
/// As [`KEYED_SHA1`], Meticulous (auth type 5).
pub const METICULOUS_SHA1: &str = "20940334 11223344 55667788 000493e0 000493e0 00000000 \
    051c0700 fffffffe 1d2c6877960fa954c7d3f97c5edcf5a65eafb7d4";

pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub fn md5_key() -> AuthConfig {
    AuthConfig::KeyedMd5 {
        key_id: 2,
        key: b"kadkey".to_vec(),
    }
}

pub fn meticulous_md5_key() -> AuthConfig {
    AuthConfig::MeticulousKeyedMd5 {
        key_id: 2,
        key: b"kadkey".to_vec(),
    }
}

pub fn sha1_key() -> AuthConfig {
    AuthConfig::KeyedSha1 {
        key_id: 7,
        key: b"kad-sha1-key".to_vec(),
    }
}

pub fn meticulous_sha1_key() -> AuthConfig {
    AuthConfig::MeticulousKeyedSha1 {
        key_id: 7,
        key: b"kad-sha1-key".to_vec(),
    }
}

pub fn password() -> AuthConfig {
    AuthConfig::SimplePassword {
        key_id: 1,
        password: b"secret".to_vec(),
    }
}

/// Metadata of a single-hop packet from the peer.
pub fn meta() -> RxMeta {
    RxMeta::new(PEER, LOCAL, 1, 255, false)
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A packet as the peer would send it.
#[derive(Debug, Clone)]
pub struct Pkt {
    pub repr: ControlRepr,
    pub auth: Option<AuthConfig>,
}

impl Pkt {
    /// State `state`, My = [`PEER_DISCR`], Your = `your`, mult 3, TX/RX 100 ms.
    pub fn new(state: State, your: u32) -> Self {
        Pkt {
            repr: ControlRepr {
                diag: Diag::None,
                state,
                poll: false,
                final_: false,
                control_plane_independent: false,
                demand: false,
                multipoint: false,
                detect_mult: 3,
                my_discr: PEER_DISCR,
                your_discr: your,
                desired_min_tx: Interval(100_000),
                required_min_rx: Interval(100_000),
                required_min_echo_rx: Interval::ZERO,
                auth: None,
            },
            auth: None,
        }
    }

    pub fn with(mut self, f: impl FnOnce(&mut ControlRepr)) -> Self {
        f(&mut self.repr);
        self
    }

    pub fn auth(mut self, a: AuthConfig, seq: u32) -> Self {
        self.repr.auth = Some(a.section(seq));
        self.auth = Some(a);
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        let mut b = vec![0u8; self.repr.buffer_len()];
        self.repr.emit(&mut b).unwrap();
        if let Some(a) = &self.auth {
            auth::sign(&mut b, a).unwrap();
        }
        b
    }
}

/// One `Sessions` with one session to [`PEER`], driven by hand.
pub struct Harness {
    pub s: Sessions,
    pub id: SessionId,
    pub now: Instant,
    pub t0: Instant,
}

impl Harness {
    pub fn new(config: SessionConfig) -> Self {
        let now = Instant::now();
        let mut s = Sessions::new(42);
        let id = s.add(config, now);
        Harness {
            s,
            id,
            now,
            t0: now,
        }
    }

    pub fn default_config() -> SessionConfig {
        let mut c = SessionConfig::new(PEER);
        c.local = Some(LOCAL);
        c
    }

    pub fn discr(&self) -> u32 {
        self.s.session(self.id).unwrap().local_discr()
    }

    pub fn state(&self) -> State {
        self.s.session(self.id).unwrap().state()
    }

    pub fn recv(&mut self, p: &Pkt) -> Result<SessionId, keepalive_bfd::RxError> {
        self.s.handle_packet(self.now, &p.bytes(), &meta())
    }

    /// Drains every queued packet, parsed.
    pub fn sent(&mut self) -> Vec<ControlRepr> {
        let mut buf = [0u8; MAX_PACKET_LEN];
        let mut out = Vec::new();
        while let Some(Transmit { len, .. }) = self.s.poll_transmit(self.now, &mut buf) {
            let p = BfdPacket::new_checked(&buf[..len]).unwrap();
            out.push(ControlRepr::parse(&p).unwrap());
        }
        out
    }

    pub fn events(&mut self) -> Vec<keepalive_bfd::Event> {
        std::iter::from_fn(|| self.s.poll_event())
            .map(|(_, e)| e)
            .collect()
    }

    /// Advances to `now + d`, firing timers on the way at each deadline.
    pub fn advance(&mut self, d: Duration) -> Vec<(Duration, ControlRepr)> {
        let until = self.now + d;
        let mut out = Vec::new();
        while let Some(at) = self.s.poll_timeout() {
            if at > until {
                break;
            }
            self.now = self.now.max(at);
            self.s.handle_timeout(self.now);
            let when = self.now - self.t0;
            out.extend(self.sent().into_iter().map(|r| (when, r)));
        }
        self.now = until;
        out
    }

    /// Brings the session Up: the peer says Down, then Up.
    pub fn bring_up(&mut self) {
        self.advance(Duration::ZERO);
        self.recv(&Pkt::new(State::Down, 0)).unwrap();
        let d = self.discr();
        self.recv(&Pkt::new(State::Up, d)).unwrap();
        assert_eq!(self.state(), State::Up);
    }
}
