//! Wireshark cross-check: adverts produced by the emitter are written to a pcap (wrapped in
//! Ethernet, and for IPv6 in an IPv6 header) and `tshark` must decode every field as intended,
//! with good VRRP and IPv4 header checksums and nothing malformed. Skips (fails under `CI=true`) when `tshark` is absent.

mod codec_support;

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;

use codec_support::*;
use keepalive_vrrp::auth::Auth;
use keepalive_vrrp::ip::{emit_ipv4, ipv4_buffer_len, AhTx, Ipv4Tx, IPPROTO_VRRP};
use keepalive_vrrp::packet::{AdvertRepr, TxChecksum, Version, VipList};
use keepalive_vrrp::rx::ChecksumPolicy;

/// tshark, or `None` (a skip: a failure under `CI=true`) when it is not installed.
fn tshark() -> Option<PathBuf> {
    kad_skip::program("tshark", "Debian's tshark")
}

/// Removes the capture file even when an assertion fails.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn write_pcap(path: &Path, frames: &[Vec<u8>]) {
    let mut out = Vec::new();
    // pcap global header: magic, v2.4, UTC, sigfigs, snaplen, LINKTYPE_ETHERNET.
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, ip) in frames.iter().enumerate() {
        let mut f = vec![
            0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x01, 51,
        ];
        f.extend_from_slice(if ip[0] >> 4 == 6 {
            &[0x86, 0xdd]
        } else {
            &[0x08, 0x00]
        });
        f.extend_from_slice(ip);
        out.extend_from_slice(&(i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&f);
    }
    std::fs::write(path, out).unwrap();
}

fn ipv6_frame(src: Ipv6Addr, dst: Ipv6Addr, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x60, 0, 0, 0];
    f.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    f.push(IPPROTO_VRRP);
    f.push(255);
    f.extend_from_slice(&src.octets());
    f.extend_from_slice(&dst.octets());
    f.extend_from_slice(payload);
    f
}

fn v4(r: &AdvertRepr, ip: &Ipv4Tx, policy: ChecksumPolicy, ah: Option<&AhTx<'_>>) -> Vec<u8> {
    let csum = policy.tx_checksum(r.version, IpAddr::V4(ip.src), IpAddr::V4(ip.dst));
    let mut b = vec![0u8; ipv4_buffer_len(r, ah.is_some())];
    emit_ipv4(r, ip, &csum, ah, &mut b).unwrap();
    b
}

fn v6(r: &AdvertRepr, src: Ipv6Addr, dst: Ipv6Addr) -> Vec<u8> {
    let mut b = vec![0u8; r.buffer_len()];
    let csum = TxChecksum::Pseudo {
        src: IpAddr::V6(src),
        dst: IpAddr::V6(dst),
    };
    r.emit(&mut b, &csum).unwrap();
    ipv6_frame(src, dst, &b)
}

/// Runs tshark over `frames` and returns one `|`-separated line of fields per frame, after
/// checking the verbose decode has nothing malformed or bad.
fn dissect(tshark: &Path, name: &str, frames: &[Vec<u8>], prefs: &[&str]) -> Vec<String> {
    let path = std::env::temp_dir().join(format!("kad-vrrp-{name}-{}.pcap", std::process::id()));
    let _guard = TempFile(path.clone());
    write_pcap(&path, frames);
    let mut base = Command::new(tshark);
    base.arg("-n").arg("-r").arg(&path);
    base.args(["-o", "ip.check_checksum:TRUE"]);
    for p in prefs {
        base.args(["-o", p]);
    }
    let verbose = Command::new(tshark)
        .args(base.get_args())
        .arg("-V")
        .output()
        .unwrap();
    assert!(verbose.status.success());
    let text = String::from_utf8_lossy(&verbose.stdout);
    for bad in [
        "Malformed",
        "[incorrect",
        "Bad checksum",
        "Expert Info (Error",
    ] {
        assert!(!text.contains(bad), "tshark reports {bad}:\n{text}");
    }
    assert_eq!(
        text.matches("Virtual Router Redundancy Protocol").count(),
        frames.len(),
        "{text}"
    );
    let fields = Command::new(tshark)
        .args(base.get_args())
        .args(["-T", "fields", "-E", "separator=|", "-E", "aggregator=,"])
        .args([
            "-e",
            "vrrp.version",
            "-e",
            "vrrp.virt_rtr_id",
            "-e",
            "vrrp.prio",
            "-e",
            "vrrp.addr_count",
            "-e",
            "vrrp.auth_type",
            "-e",
            "vrrp.adver_int",
            "-e",
            "vrrp.short_adver_int",
            "-e",
            "vrrp.checksum.status",
            "-e",
            "vrrp.ip_addr",
            "-e",
            "vrrp.ipv6_addr",
            "-e",
            "vrrp.auth_string",
            "-e",
            "ip.checksum.status",
            "-e",
            "ah.spi",
            "-e",
            "ah.sequence",
            "-e",
            "ah.icv",
        ])
        .output()
        .unwrap();
    assert!(fields.status.success());
    String::from_utf8_lossy(&fields.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn join4(a: &[Ipv4Addr]) -> String {
    a.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn wireshark_decodes_emitted_adverts() {
    let Some(tshark) = tshark() else {
        return;
    };
    let vips20: Vec<Ipv4Addr> = (0..20).map(|i| Ipv4Addr::new(192, 0, 2, 100 + i)).collect();
    let vips6: Vec<Ipv6Addr> = (0..20)
        .map(|i| Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x100 + i))
        .collect();
    let mcast = Ipv4Tx::multicast(SRC4, 1);
    let pol = ChecksumPolicy::default();

    let pass = repr(Version::V2, Auth::Pass(PASS), VipList::V4(vec![VIP4]));
    let v3 = repr(Version::V3, Auth::None, VipList::V4(vec![VIP4]));
    let ah = repr(Version::V2, Auth::Ah(PASS), VipList::V4(vec![VIP4]));
    let ahtx = AhTx {
        key: &PASS,
        seq: 1,
        unicast: false,
    };
    let mut v3_20 = repr(Version::V3, Auth::None, VipList::V4(vips20.clone()));
    v3_20.priority = 0;
    v3_20.adver_int = keepalive_vrrp::packet::AdverInt::from_centis(4095);
    let mut v6_1 = repr(Version::V3, Auth::None, VipList::V6(vec![VIP6]));
    v6_1.priority = 255;
    let v6_20 = repr(Version::V3, Auth::None, VipList::V6(vips6.clone()));
    let unicast = Ipv4Tx {
        src: SRC4,
        dst: PEER4,
        ttl: 64,
        ident: 2,
        tos: 0xc0,
    };

    let frames = vec![
        v4(&pass, &mcast, pol, None),
        v4(&v3, &mcast, pol, None),
        v4(&ah, &mcast, pol, Some(&ahtx)),
        v4(&v3_20, &mcast, pol, None),
        v4(&v3, &unicast, pol, None),
        v6(&v6_1, SRC6, MCAST6),
        v6(&v6_20, SRC6, MCAST6),
        v6(
            &repr(Version::V3, Auth::None, VipList::V6(vec![VIP6])),
            SRC6,
            MCAST6,
        ),
    ];
    // The emitter reproduces the hand-checked vectors.
    assert_eq!(frames[0], hex(V2_PASS));
    assert_eq!(frames[1], hex(V3_V4));
    assert_eq!(frames[2], hex(V2_AH));
    assert_eq!(&frames[7][40..], &hex(V3_V6)[..]);

    let lines = dissect(&tshark, "codec", &frames, &[]);
    let mut expect = Vec::new();
    expect.push("2|51|100|1|1|1||1|192.0.2.100||secret|1|||".to_owned());
    expect.push("3|51|100|1|||100|1|192.0.2.100|||1|||".to_owned());
    expect
        .push("2|51|100|1|2|1||1|192.0.2.100|||1|0xc0000201|1|e9d33f4970c19608673871fc".to_owned());
    expect.push(format!("3|51|0|20|||4095|1|{}|||1|||", join4(&vips20)));
    expect.push("3|51|100|1|||100|1|192.0.2.100|||1|||".to_owned());
    expect.push("3|51|255|1|||100|1||2001:db8::100|||||".to_owned());
    let mut six = String::new();
    for (i, a) in vips6.iter().enumerate() {
        if i > 0 {
            six.push(',');
        }
        write!(six, "{a}").unwrap();
    }
    expect.push(format!("3|51|100|20|||100|1||{six}|||||"));
    expect.push("3|51|100|1|||100|1||2001:db8::100|||||".to_owned());
    assert_eq!(lines, expect);
}

#[test]
fn wireshark_decodes_v3_checksum_as_v2() {
    let Some(tshark) = tshark() else {
        return;
    };
    let mut pol = ChecksumPolicy::default();
    pol.v3_as_v2 = true;
    let v3 = repr(Version::V3, Auth::None, VipList::V4(vec![VIP4]));
    let frames = vec![v4(&v3, &Ipv4Tx::multicast(SRC4, 3), pol, None)];
    let lines = dissect(
        &tshark,
        "asv2",
        &frames,
        &["vrrp.v3_checksum_as_in_v2:TRUE"],
    );
    assert_eq!(
        lines,
        vec!["3|51|100|1|||100|1|192.0.2.100|||1|||".to_owned()]
    );
}
