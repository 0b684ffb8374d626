//! Wireshark cross-check: control packets exactly as `Sessions` sends them — without
//! authentication and with each authentication type, single hop (UDP 3784) and multihop (4784),
//! IPv4 and IPv6 — are wrapped in Ethernet/IP/UDP, written to a pcap, and tshark's BFD
//! dissector must decode every one as a version 1 control packet with the intended
//! authentication type and nothing malformed. Without tshark the test fails under `CI=true`
//! and is skipped otherwise.

mod support;

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use keepalive_bfd::auth::AuthConfig;
use keepalive_bfd::{SessionConfig, Sessions};
use support::*;

/// Removes the capture file even when an assertion fails.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The first packet a session sends: Down, its discriminator, the slow rate.
fn first_packet(local: IpAddr, peer: IpAddr, multihop: bool, auth: Option<AuthConfig>) -> Vec<u8> {
    let mut c = SessionConfig::new(peer);
    c.local = Some(local);
    c.multihop = multihop;
    c.auth = auth;
    let now = Instant::now();
    let mut s = Sessions::new(7);
    s.add(c, now);
    s.handle_timeout(now);
    let mut buf = [0u8; 64];
    let t = s.poll_transmit(now, &mut buf).expect("a first packet");
    buf[..t.len].to_vec()
}

fn sum16(data: &[u8], mut acc: u32) -> u32 {
    for pair in data.chunks(2) {
        acc += u32::from(u16::from_be_bytes([pair[0], *pair.get(1).unwrap_or(&0)]));
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Ethernet + IP (TTL/hop limit 255) + UDP from port 49152 with a correct UDP checksum.
fn frame(src: IpAddr, dst: IpAddr, port: u16, bfd: &[u8]) -> Vec<u8> {
    let udp_len = (8 + bfd.len()) as u16;
    let mut udp = Vec::new();
    udp.extend_from_slice(&49152u16.to_be_bytes());
    udp.extend_from_slice(&port.to_be_bytes());
    udp.extend_from_slice(&udp_len.to_be_bytes());
    udp.extend_from_slice(&[0, 0]);
    udp.extend_from_slice(bfd);
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1];
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let mut pseudo = Vec::new();
            pseudo.extend_from_slice(&s.octets());
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&[0, 17]);
            pseudo.extend_from_slice(&udp_len.to_be_bytes());
            let c = fold(sum16(&udp, sum16(&pseudo, 0)));
            udp[6..8].copy_from_slice(&c.to_be_bytes());
            let mut ip = vec![0x45, 0xc0];
            ip.extend_from_slice(&(20 + udp_len).to_be_bytes());
            ip.extend_from_slice(&[0, 0, 0x40, 0, 255, 17, 0, 0]);
            ip.extend_from_slice(&s.octets());
            ip.extend_from_slice(&d.octets());
            let c = fold(sum16(&ip, 0));
            ip[10..12].copy_from_slice(&c.to_be_bytes());
            f.extend_from_slice(&[0x08, 0x00]);
            f.extend_from_slice(&ip);
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let mut pseudo = Vec::new();
            pseudo.extend_from_slice(&s.octets());
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&u32::from(udp_len).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, 17]);
            let c = fold(sum16(&udp, sum16(&pseudo, 0)));
            udp[6..8].copy_from_slice(&c.to_be_bytes());
            f.extend_from_slice(&[0x86, 0xdd]);
            f.extend_from_slice(&[0x60, 0, 0, 0]);
            f.extend_from_slice(&udp_len.to_be_bytes());
            f.extend_from_slice(&[17, 255]);
            f.extend_from_slice(&s.octets());
            f.extend_from_slice(&d.octets());
        }
        _ => unreachable!("one family per frame"),
    }
    f.extend_from_slice(&udp);
    f
}

fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    // pcap global header: magic, v2.4, UTC, sigfigs, snaplen, LINKTYPE_ETHERNET.
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    for word in [0u32, 0, 65535, 1] {
        out.extend_from_slice(&word.to_le_bytes());
    }
    for (i, f) in frames.iter().enumerate() {
        for word in [i as u32, 0, f.len() as u32, f.len() as u32] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(f);
    }
    out
}

#[test]
fn tshark_decodes_every_kind_of_packet_sessions_send() {
    if kad_skip::program("tshark", "Debian's tshark; scripts/deps.sh installs it").is_none() {
        return;
    }
    let auths: [(Option<AuthConfig>, &str); 6] = [
        (None, ""),
        (Some(password()), "1"),
        (Some(md5_key()), "2"),
        (Some(meticulous_md5_key()), "3"),
        (Some(sha1_key()), "4"),
        (Some(meticulous_sha1_key()), "5"),
    ];
    let v4: (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
    let v6: (IpAddr, IpAddr) = (
        "2001:db8::1".parse().unwrap(),
        "2001:db8::2".parse().unwrap(),
    );
    let mut frames = Vec::new();
    let mut expected = Vec::new();
    for (local, peer) in [v4, v6] {
        for multihop in [false, true] {
            for (auth, kind) in &auths {
                let bfd = first_packet(local, peer, multihop, auth.clone());
                frames.push(frame(local, peer, if multihop { 4784 } else { 3784 }, &bfd));
                expected.push(*kind);
            }
        }
    }
    let file = TempFile(std::env::temp_dir().join(format!("kad-bfd-{}.pcap", std::process::id())));
    std::fs::write(&file.0, pcap(&frames)).unwrap();
    let out = Command::new("tshark")
        .args(["-n", "-r"])
        .arg(&file.0)
        .args([
            "-d",
            "udp.port==4784,bfd",
            "-T",
            "fields",
            "-E",
            "separator=|",
        ])
        .args(["-e", "bfd.version", "-e", "bfd.auth.type", "-e", "bfd.sta"])
        .args(["-e", "_ws.malformed", "-e", "_ws.expert.severity"])
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), frames.len(), "one line per frame:\n{text}");
    for (i, (line, kind)) in lines.iter().zip(&expected).enumerate() {
        let f: Vec<&str> = line.split('|').collect();
        assert_eq!(f[0], "1", "frame {}: version: {line}", i + 1);
        assert_eq!(f[1], *kind, "frame {}: auth type: {line}", i + 1);
        assert!(
            !f[2].is_empty(),
            "frame {}: no state decoded: {line}",
            i + 1
        );
        assert!(f[3].is_empty(), "frame {}: malformed: {line}", i + 1);
        assert!(f[4].is_empty(), "frame {}: expert info: {line}", i + 1);
    }
}
