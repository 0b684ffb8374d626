//! genhash over plain HTTP against real servers on 127.0.0.1, compared with Debian's
//! keepalived `genhash` and with an MD5 computed here.

mod common;

use common::*;

fn port_arg(server: &Server) -> String {
    server.port.to_string()
}

#[test]
fn files_from_python_http_server_match_keepalived_and_md5() {
    let dir = TempDir::new("http");
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("hello.txt", b"hello world\n".to_vec()),
        ("empty.txt", Vec::new()),
        ("page.html", b"<html><body>kad</body></html>\r\n".repeat(50)),
        ("big.bin", pattern(3 << 20, 7)),
    ];
    for (name, data) in &files {
        dir.write(name, data);
    }
    let server = http_server(dir.path());
    let port = port_arg(&server);
    for (name, data) in &files {
        let url = format!("/{name}");
        let mine = assert_same_as_keepalived(&["-s", "127.0.0.1", "-p", &port, "-u", &url]);
        assert_eq!(mine.stdout, format!("{}\n", md5_hex(data)), "{name}");
        assert_eq!(mine.code, Some(0));
        for proto in ["1.0c", "1.1"] {
            let run = assert_same_as_keepalived(&[
                "-s",
                "127.0.0.1",
                "-p",
                &port,
                "-u",
                &url,
                "-P",
                proto,
            ]);
            assert_eq!(run.stdout, format!("{}\n", md5_hex(data)));
        }
    }
    // A 404 page is hashed too, as keepalived does.
    assert_same_as_keepalived(&["-s", "127.0.0.1", "-p", &port, "-u", "/missing"]);
}

#[test]
fn sha_extensions_hash_the_same_body() {
    use sha2::Digest as _;
    let dir = TempDir::new("sha");
    let data = pattern(100_000, 3);
    dir.write("f.bin", &data);
    let server = http_server(dir.path());
    let port = port_arg(&server);
    let hex = |d: &[u8]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let run = run_ours(&[
        "-s",
        "127.0.0.1",
        "-p",
        &port,
        "-u",
        "/f.bin",
        "-H",
        "sha256",
    ]);
    assert_eq!(
        run.stdout,
        format!("{}\n", hex(&sha2::Sha256::digest(&data)))
    );
    let run = run_ours(&[
        "-s",
        "127.0.0.1",
        "-p",
        &port,
        "-u",
        "/f.bin",
        "--hash",
        "sha1",
    ]);
    assert_eq!(run.stdout, format!("{}\n", hex(&sha1::Sha1::digest(&data))));
    let run = run_ours(&["-s", "127.0.0.1", "-p", &port, "-u", "/f.bin", "-H", "md5"]);
    assert_eq!(run.stdout, format!("{}\n", md5_hex(&data)));
}

/// Raw responses that exercise what exactly is hashed: chunked bodies are not decoded,
/// Content-Length caps the hashed bytes, a broken Content-Length is ignored, a header that
/// never ends is "no data". Each is compared with keepalived, verbose output included.
#[test]
fn raw_responses_match_keepalived_verbose_included() {
    let dir = TempDir::new("raw");
    let cases: Vec<(&str, &[u8])> = vec![
        (
            "chunked",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
        ),
        ("short-cl", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world"),
        ("long-cl", b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\nhello world"),
        ("bad-cl", b"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello world"),
        ("empty-cl", b"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\nhello world"),
        ("lower-cl", b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello world"),
        ("no-body", b"HTTP/1.0 204 No Content\r\nServer: t\r\n\r\n"),
        ("no-end", b"HTTP/1.0 200 OK\r\nServer: t\r\n"),
        ("nothing", b""),
        ("binary", b"HTTP/1.0 200 OK\r\n\r\n\x00\x01\x02\xff\xfe\r\n\r\n\x7f"),
        ("lf-only", b"HTTP/1.0 200 OK\nServer: t\n\nbody"),
    ];
    for (name, response) in cases {
        let path = dir.write(name, response);
        let server = raw_server(&["file", path.to_str().unwrap()]);
        let port = port_arg(&server);
        for verbose in [false, true] {
            let mut args = vec!["-s", "127.0.0.1", "-p", &port, "-u", "/x"];
            if verbose {
                args.push("-v");
            }
            assert_same_as_keepalived(&args);
        }
    }
}

#[test]
fn request_bytes_match_keepalived() {
    let dir = TempDir::new("req");
    let resp = dir.write("resp", b"HTTP/1.0 200 OK\r\n\r\nok");
    let log = dir.path().join("resp.log");
    let server = raw_server(&["log", resp.to_str().unwrap()]);
    let port = port_arg(&server);
    let long_url = format!("/{}", "u".repeat(3000));
    let variants: Vec<Vec<&str>> = vec![
        vec![],
        vec!["-P", "1.0c"],
        vec!["-P", "1.1"],
        vec!["-V", "www.test.example"],
        vec!["-V", "www.test.example", "-P", "1.1"],
    ];
    for extra in &variants {
        for url in ["/index.html?a=b&c", long_url.as_str()] {
            let mut args = vec!["-s", "127.0.0.1", "-p", &port, "-u", url, "-t", "10"];
            args.extend(extra.iter().copied());
            let _ = std::fs::remove_file(&log);
            run_keepalived(&args);
            let theirs = std::fs::read(&log).unwrap_or_default();
            let _ = std::fs::remove_file(&log);
            run_ours(&args);
            let mine = std::fs::read(&log).unwrap_or_default();
            assert!(!theirs.is_empty() || url == long_url);
            assert_eq!(
                String::from_utf8_lossy(&mine),
                String::from_utf8_lossy(&theirs),
                "request differs for {args:?}"
            );
        }
    }
}

#[test]
fn connection_refused_matches_keepalived() {
    // Bind then close a listener so the port is very likely free.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port().to_string()
    };
    let run = assert_same_as_keepalived(&["-s", "127.0.0.1", "-p", &port, "-u", "/"]);
    assert_eq!(run.stdout, "Connection failed\n");
    assert_eq!(run.code, Some(0));
    assert_same_as_keepalived(&["-s", "127.0.0.1", "-p", &port, "-u", "/", "-v"]);
}

#[test]
fn silent_server_times_out_like_keepalived() {
    let server = raw_server(&["silent"]);
    let port = port_arg(&server);
    let run = assert_same_as_keepalived(&["-s", "127.0.0.1", "-p", &port, "-u", "/", "-t", "1"]);
    assert_eq!(run.stdout, "Timeout WEB read\n");
    assert!(
        run.elapsed >= std::time::Duration::from_millis(900),
        "{:?}",
        run.elapsed
    );
    assert!(
        run.elapsed < std::time::Duration::from_secs(20),
        "{:?}",
        run.elapsed
    );
    let run = assert_same_as_keepalived(&["-s", "127.0.0.1", "-p", &port, "-u", "/", "-t", "0"]);
    assert_eq!(run.stdout, "Timeout WEB write\n");
}

#[test]
fn ipv6_loopback_matches_keepalived() {
    let dir = TempDir::new("v6");
    let data = pattern(50_000, 5);
    dir.write("v6.bin", &data);
    let server = http_server_on(dir.path(), "::1");
    let port = server.port.to_string();
    let run = assert_same_as_keepalived(&["-s", "::1", "-p", &port, "-u", "/v6.bin"]);
    assert_eq!(run.stdout, format!("{}\n", md5_hex(&data)));
}
