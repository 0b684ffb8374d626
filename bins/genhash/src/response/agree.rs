//! genhash and HTTP_GET agree on the digest of odd responses: whatever genhash prints is what
//! the checker computes (and where genhash prints no digest, the checker computes none), for
//! every way the response is cut into reads.
//!
//! Headers stay under genhash's 4095-byte buffer: past it genhash stops reading (keepalived's
//! "no data received") while the checker buffers up to `MAX_HEADER_BYTES`.

use keepalive_checkers::proto::{HttpConfig, HttpProbe, StatusRange, Step, UrlConfig};
use keepalive_checkers::{FailReason, Target};

use super::ResponseDigest;
use crate::digest::{to_hex, HashAlgorithm};

/// genhash's digest, or `None` when it would say "no data received".
fn genhash(chunks: &[&[u8]]) -> Option<String> {
    let mut r = ResponseDigest::new(HashAlgorithm::Md5);
    'reads: for chunk in chunks {
        let mut rest = *chunk;
        while !rest.is_empty() {
            let space = r.read_space();
            if space.is_empty() {
                break 'reads;
            }
            let n = space.len().min(rest.len());
            space[..n].copy_from_slice(&rest[..n]);
            r.received(n, None).unwrap();
            rest = &rest[n..];
        }
    }
    let done = r.header_done();
    done.then(|| to_hex(&r.finish()))
}

/// The digest HTTP_GET computed, read from the mismatch it reports against an impossible
/// `digest`; `None` when the response never got far enough to be hashed.
fn checker(chunks: &[&[u8]]) -> Option<String> {
    let url = UrlConfig {
        path: "/".into(),
        digest: Some("0".repeat(32)),
        status_codes: vec![StatusRange { min: 0, max: 999 }],
        ..UrlConfig::default()
    };
    let config = HttpConfig {
        urls: vec![url],
        ..HttpConfig::default()
    };
    let mut probe = HttpProbe::new(config, &Target::new([192, 0, 2, 1].into(), 80)).unwrap();
    let mut step = Step::Pending;
    for chunk in chunks {
        step = probe.feed_response(chunk);
        if step != Step::Pending {
            break;
        }
    }
    if step == Step::Pending {
        step = probe.feed_eof();
    }
    match step {
        Step::Fail(FailReason::DigestMismatch { got, .. }) => Some(got),
        Step::Fail(FailReason::UnexpectedEof) => None,
        other => panic!("unexpected checker outcome {other:?}"),
    }
}

/// The response whole, byte by byte, and cut in three uneven pieces.
fn cuts(resp: &[u8]) -> Vec<Vec<&[u8]>> {
    let (a, b) = (resp.len() / 3, resp.len() * 2 / 3 + 1);
    let b = b.min(resp.len());
    vec![
        vec![resp],
        resp.chunks(1).collect(),
        vec![&resp[..a], &resp[a..b], &resp[b..]],
    ]
}

#[test]
fn genhash_and_http_get_agree_on_odd_responses() {
    let long_header = format!("HTTP/1.1 200 OK\r\nX-Pad: {}\r\n\r\nbody", "p".repeat(3900));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("plain 1.0", b"HTTP/1.0 200 OK\r\nServer: t\r\n\r\nhello world\n".to_vec()),
        ("exact length", b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world".to_vec()),
        ("length shorter than body", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world".to_vec()),
        ("length longer than body", b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nhello world".to_vec()),
        ("length zero", b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nignored".to_vec()),
        ("lower-case tag", b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello world".to_vec()),
        ("upper-case tag", b"HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 5\r\n\r\nhello world".to_vec()),
        ("bad length", b"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello world".to_vec()),
        ("empty length", b"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nhello world".to_vec()),
        ("spaced length", b"HTTP/1.1 200 OK\r\nContent-Length:   7\r\n\r\nhello world".to_vec()),
        ("no length", b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it".to_vec()),
        (
            "chunked",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                .to_vec(),
        ),
        ("204", b"HTTP/1.1 204 No Content\r\nServer: t\r\n\r\n".to_vec()),
        ("304 with length", b"HTTP/1.1 304 Not Modified\r\nContent-Length: 20\r\n\r\n".to_vec()),
        ("404 page", b"HTTP/1.0 404 Not Found\r\n\r\n<h1>gone</h1>".to_vec()),
        ("lf-only lines", b"HTTP/1.0 200 OK\nServer: t\n\nbody".to_vec()),
        ("header never ends", b"HTTP/1.0 200 OK\r\nServer: t\r\n".to_vec()),
        ("binary body", b"HTTP/1.0 200 OK\r\n\r\n\x00\x01\x02\xff\xfe\r\n\r\n\x7f".to_vec()),
        ("tag in the body", b"HTTP/1.0 200 OK\r\n\r\nContent-Length: 2\r\nmore".to_vec()),
        ("long header", long_header.into_bytes()),
    ];
    assert_eq!(cases.len(), 20);
    for (name, resp) in &cases {
        for chunks in cuts(resp) {
            assert_eq!(
                genhash(&chunks),
                checker(&chunks),
                "{name}, read as {} pieces",
                chunks.len()
            );
        }
    }
    // The cases do exercise both outcomes.
    assert_eq!(genhash(&[&cases[15].1]), None);
    assert!(genhash(&[&cases[5].1]).is_some());
}
