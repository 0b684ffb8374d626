//! genhash over HTTPS (`-S`) against `openssl s_server -WWW` and python's ssl module, with a
//! self-signed certificate made at test time; compared with Debian's keepalived `genhash`.

mod common;

use common::*;

#[test]
fn files_from_openssl_s_server_match_keepalived_and_md5() {
    let dir = TempDir::new("tls");
    let (cert, key) = make_cert(dir.path());
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("hello.txt", b"hello world\n".to_vec()),
        ("big.bin", pattern(2 << 20, 11)),
    ];
    for (name, data) in &files {
        dir.write(name, data);
    }
    let server = tls_file_server(dir.path(), &cert, &key);
    let port = server.port.to_string();
    for (name, data) in &files {
        let url = format!("/{name}");
        // s_server -WWW answers "HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n" + file.
        let run = assert_same_as_keepalived(&["-S", "-s", "127.0.0.1", "-p", &port, "-u", &url]);
        assert_eq!(run.stdout, format!("{}\n", md5_hex(data)), "{name}");
        let run = assert_same_as_keepalived(&[
            "-S",
            "-I",
            "-V",
            "www.test.example",
            "-s",
            "127.0.0.1",
            "-p",
            &port,
            "-u",
            &url,
        ]);
        assert_eq!(
            run.stdout,
            format!("{}\n", md5_hex(data)),
            "{name} with SNI"
        );
    }
    assert_same_as_keepalived(&[
        "-S",
        "-s",
        "127.0.0.1",
        "-p",
        &port,
        "-u",
        "/hello.txt",
        "-v",
    ]);
}

#[test]
fn python_tls_server_raw_responses_match_keepalived() {
    let dir = TempDir::new("tlsraw");
    let (cert, key) = make_cert(dir.path());
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let cases: Vec<(&str, &[u8])> = vec![
        (
            "ok",
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world",
        ),
        (
            "chunked",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        ),
        ("no-end", b"HTTP/1.0 200 OK\r\nServer: t\r\n"),
    ];
    for (name, response) in cases {
        let path = dir.write(name, response);
        let server = raw_server(&["file", path.to_str().unwrap(), "--tls", cert, key]);
        let port = server.port.to_string();
        for verbose in [false, true] {
            let mut args = vec!["-S", "-s", "127.0.0.1", "-p", &port, "-u", "/x"];
            if verbose {
                args.push("-v");
            }
            assert_same_as_keepalived(&args);
        }
    }
}

#[test]
fn tls_to_plain_http_server_fails_like_keepalived() {
    let dir = TempDir::new("tlsplain");
    dir.write("a", b"a");
    let server = http_server(dir.path());
    let port = server.port.to_string();
    let run = assert_same_as_keepalived(&["-S", "-s", "127.0.0.1", "-p", &port, "-u", "/a"]);
    assert_eq!(
        run.stdout,
        "SSL handshake/communication error connecting to\n"
    );
}

#[test]
fn endless_headers_over_tls_match_keepalived() {
    let dir = TempDir::new("tlsendless");
    let (cert, key) = make_cert(dir.path());
    let server = raw_server(&[
        "endless-headers",
        "--tls",
        cert.to_str().unwrap(),
        key.to_str().unwrap(),
    ]);
    let port = server.port.to_string();
    let run =
        assert_same_as_keepalived(&["-S", "-s", "127.0.0.1", "-p", &port, "-u", "/", "-t", "10"]);
    assert_eq!(run.stderr, "no data received from remote webserver\n");
}

#[test]
fn zero_timeout_still_completes_the_handshake() {
    let dir = TempDir::new("tlszero");
    let (cert, key) = make_cert(dir.path());
    dir.write("a", b"a");
    let server = tls_file_server(dir.path(), &cert, &key);
    let port = server.port.to_string();
    // keepalived prints "Timeout WEB write" (now and then "Timeout WEB read"): the
    // handshake is done, the request write has no time left.
    let run = run_ours(&["-S", "-s", "127.0.0.1", "-p", &port, "-u", "/a", "-t", "0"]);
    assert_eq!(run.stdout, "Timeout WEB write\n");
}
