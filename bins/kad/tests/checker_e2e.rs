//! The checker process end to end: kad's checker child (`KAD_CHILD=checker kad -n -l -C -f
//! CONF`) runs inside a network namespace the test creates, against real services started in
//! the same namespace on 192.0.2.0/24 addresses of its loopback: python3's http.server
//! (HTTP_GET), openssl s_server (SSL_GET), a TCP listener (TCP_CHECK), python3's stdlib
//! `smtpd` (SMTP_CHECK), a tiny stdlib DNS responder (DNS_CHECK; no DNS server package is
//! installed here), a UDP echo (UDP_CHECK), real ICMP (PING_CHECK) and shell scripts
//! (MISC_CHECK). Each test asserts from kad's log that real servers go down when their
//! service stops or answers wrong and come back when fixed.
//!
//! This host's kernel has no IPVS: kad logs keepalived's "IPVS: Can't initialize ipvs" and
//! keeps checking. The namespace is removed by a Drop guard, and every process started is
//! killed by its own guard. Without `ip netns` (not root) the tests print SKIP and pass,
//! except under `CI=true`, where they fail (`kad_skip`).

mod checker_common;
use checker_common::*;

use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn http_server(ns: &Netns, addr: &str, port: u16, dir: &Path) -> Proc {
    ns.spawn(
        "python3",
        &[
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            addr,
            "--directory",
            dir.to_str().unwrap(),
        ],
    )
}

fn md5_hex(p: &Path) -> String {
    let out = Command::new("md5sum").arg(p).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..32].to_string()
}

#[test]
fn tcp_http_and_misc_checks_follow_their_servers() {
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.10", "192.0.2.11", "192.0.2.12"]) else {
        return;
    };
    let www = ns.path("www");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(www.join("index.html"), "hello from kad's test\n").unwrap();
    let digest = md5_hex(&www.join("index.html"));
    let flag = ns.path("misc-ok");
    std::fs::write(&flag, "").unwrap();
    let script = ns.write(
        "misc.sh",
        &format!("#!/bin/sh\ntest -e {}\n", flag.display()),
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}virtual_server 192.0.2.1 80 {{\n  delay_loop 1\n  protocol TCP\n  lvs_sched rr\n\
             real_server 192.0.2.10 8080 {{\n    TCP_CHECK {{\n      connect_timeout 1\n      retry 0\n    }}\n  }}\n\
             real_server 192.0.2.11 80 {{\n    HTTP_GET {{\n      url {{\n        path /index.html\n        digest {digest}\n        status_code 200\n      }}\n      connect_timeout 2\n      retry 0\n      log_all_failures\n    }}\n  }}\n\
             real_server 192.0.2.12 80 {{\n    MISC_CHECK {{\n      misc_path {}\n      misc_timeout 3\n      retry 0\n    }}\n  }}\n}}\n",
            script.display()
        ),
    );
    let mut tcp = tcp_listener(&ns, "192.0.2.10", 8080);
    let mut http = http_server(&ns, "192.0.2.11", 80, &www);
    std::thread::sleep(Duration::from_millis(500));
    let mut kad = Kad::start(&ns, &conf);
    kad.wait("IPVS: Can't initialize ipvs");
    kad.wait("TCP connection to [192.0.2.10]:tcp:8080 success.");
    kad.wait("Remote Web server [192.0.2.11]:tcp:80 succeed on service.");
    kad.wait("Misc check for [[192.0.2.12]:tcp:80 VS [192.0.2.1]:tcp:80] by [");

    // TCP: listener gone → down, back → up.
    tcp.stop();
    kad.wait("TCP_CHECK on service [192.0.2.10]:tcp:8080 failed.");
    kad.wait("Removing service [192.0.2.10]:tcp:8080 from VS [192.0.2.1]:tcp:80");
    let _tcp = tcp_listener(&ns, "192.0.2.10", 8080);
    kad.wait_n("TCP connection to [192.0.2.10]:tcp:8080 success.", 2);
    kad.wait("Adding service [192.0.2.10]:tcp:8080 to VS [192.0.2.1]:tcp:80");

    // HTTP: the page changes → digest mismatch; restored → up; server stopped → down.
    std::fs::write(www.join("index.html"), "changed\n").unwrap();
    kad.wait("MD5 digest error to server [192.0.2.11]:tcp:80.");
    kad.wait("Removing service [192.0.2.11]:tcp:80 from VS [192.0.2.1]:tcp:80");
    std::fs::write(www.join("index.html"), "hello from kad's test\n").unwrap();
    kad.wait("Adding service [192.0.2.11]:tcp:80 to VS [192.0.2.1]:tcp:80");
    std::fs::remove_file(www.join("index.html")).unwrap();
    kad.wait("HTTP status code error to server [192.0.2.11]:tcp:80.");
    std::fs::write(www.join("index.html"), "hello from kad's test\n").unwrap();
    kad.wait_n(
        "Adding service [192.0.2.11]:tcp:80 to VS [192.0.2.1]:tcp:80",
        2,
    );
    http.stop();
    kad.wait_n(
        "Removing service [192.0.2.11]:tcp:80 from VS [192.0.2.1]:tcp:80",
        3,
    );

    // MISC: the script fails while its flag file is missing.
    std::fs::remove_file(&flag).unwrap();
    kad.wait("] failed with retry disabled (exited with status 1).");
    kad.wait("Removing service [192.0.2.12]:tcp:80 from VS [192.0.2.1]:tcp:80");
    std::fs::write(&flag, "").unwrap();
    kad.wait("Adding service [192.0.2.12]:tcp:80 to VS [192.0.2.1]:tcp:80");

    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
    kad.wait("Shutting down service [192.0.2.10]:tcp:8080 from VS [192.0.2.1]:tcp:80");
    kad.wait("Stopped");
}

#[test]
fn ssl_get_against_openssl_s_server() {
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.20"]) else {
        return;
    };
    let key = ns.path("key.pem");
    let cert = ns.path("cert.pem");
    assert!(quiet(Command::new("openssl").args([
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=www.example.com",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
    ])));
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}virtual_server 192.0.2.1 443 {{\n  delay_loop 1\n  protocol TCP\n  alpha\n\
             real_server 192.0.2.20 4433 {{\n    SSL_GET {{\n      enable_sni\n      virtualhost www.example.com\n      url {{\n        path /\n        status_code 200\n      }}\n      connect_timeout 3\n      retry 0\n    }}\n  }}\n}}\n"
        ),
    );
    let start_server = || {
        ns.spawn(
            "openssl",
            &[
                "s_server",
                "-accept",
                "192.0.2.20:4433",
                "-cert",
                cert.to_str().unwrap(),
                "-key",
                key.to_str().unwrap(),
                "-www",
                "-quiet",
            ],
        )
    };
    let mut srv = start_server();
    std::thread::sleep(Duration::from_millis(500));
    let mut kad = Kad::start(&ns, &conf);
    kad.wait("Remote Web server [192.0.2.20]:tcp:4433 succeed on service.");
    kad.wait("Adding service [192.0.2.20]:tcp:4433 to VS [192.0.2.1]:tcp:443");
    srv.stop();
    kad.wait("HTTP_CHECK on service [192.0.2.20]:tcp:4433 failed.");
    kad.wait("Removing service [192.0.2.20]:tcp:4433 from VS [192.0.2.1]:tcp:443");
    let _srv = start_server();
    kad.wait_n(
        "Adding service [192.0.2.20]:tcp:4433 to VS [192.0.2.1]:tcp:443",
        2,
    );
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

/// `SSL { password certificate key }`: kad's client certificate, whose RSA key is encrypted
/// the way `openssl rsa -aes256 -traditional` writes it, is signed by the CA that openssl
/// s_server requires (`-Verify 1 -CAfile`). With the right password the real server comes
/// up; with a wrong one kad logs keepalived's line and the cause, checks without a client
/// certificate, and the server's refusal fails the check.
#[test]
fn ssl_get_with_an_encrypted_client_key() {
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.20"]) else {
        return;
    };
    let p = |name: &str| ns.path(name).to_str().unwrap().to_string();
    // Runs in the namespace's directory; no argument holds a space.
    let openssl = |args: &str| {
        let mut cmd = Command::new("openssl");
        cmd.args(args.split_whitespace()).current_dir(&ns.dir);
        assert!(quiet(&mut cmd), "openssl {args}");
    };
    let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1";
    openssl(&format!(
        "req -x509 {ec} -subj /CN=kad-test-ca -keyout ca.key -out ca.pem"
    ));
    openssl(&format!(
        "req -x509 {ec} -subj /CN=www.example.com -keyout server.key -out server.pem"
    ));
    openssl("genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out plain.key");
    openssl("rsa -in plain.key -traditional -aes256 -passout pass:secret -out client.key");
    let client_key = std::fs::read_to_string(ns.path("client.key")).unwrap();
    assert!(
        client_key.contains("DEK-Info: AES-256-CBC,"),
        "{client_key}"
    );
    openssl("req -new -key client.key -passin pass:secret -subj /CN=kad-client -out client.csr");
    openssl(
        "x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
         -out client.pem",
    );
    let conf = |name: &str, password: &str| {
        ns.write(
            name,
            &format!(
                "{HEAD}SSL {{\n  password {password}\n  ca {ca}\n  certificate {cert}\n  key {key}\n}}\n\
                 virtual_server 192.0.2.1 443 {{\n  delay_loop 1\n  protocol TCP\n  alpha\n\
                 real_server 192.0.2.20 4433 {{\n    SSL_GET {{\n      url {{\n        path /\n        status_code 200\n      }}\n      connect_timeout 3\n      retry 0\n    }}\n  }}\n}}\n",
                ca = p("ca.pem"),
                cert = p("client.pem"),
                key = p("client.key"),
            ),
        )
    };
    let server = format!(
        "s_server -accept 192.0.2.20:4433 -cert {} -key {} -Verify 1 -CAfile {} -www -quiet",
        p("server.pem"),
        p("server.key"),
        p("ca.pem")
    );
    let _srv = ns.spawn("openssl", &server.split_whitespace().collect::<Vec<_>>());
    std::thread::sleep(Duration::from_millis(500));

    let mut kad = Kad::start(&ns, &conf("good.conf", "secret"));
    kad.wait("Remote Web server [192.0.2.20]:tcp:4433 succeed on service.");
    kad.wait("Adding service [192.0.2.20]:tcp:4433 to VS [192.0.2.1]:tcp:443");
    assert_eq!(kad.count("SSL error"), 0, "{}", kad.dump());
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());

    let mut kad = Kad::start(&ns, &conf("bad.conf", "wrong"));
    kad.wait("SSL error : Cant load key file...");
    kad.wait(&format!("SSL key {}: bad decrypt", p("client.key")));
    kad.wait("trying without a client certificate");
    kad.wait("HTTP_CHECK on service [192.0.2.20]:tcp:4433 failed.");
    // A few more checks (delay_loop 1) refused just the same.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(kad.count("Adding service"), 0, "{}", kad.dump());
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

/// A DNS responder for any question: an A record 192.0.2.53, or REFUSED while `refuse` exists.
const DNS_PY: &str = r#"
import os, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 12:
        continue
    end = 12
    while q[end] != 0:
        end += q[end] + 1
    question = q[12:end + 5]
    if os.path.exists(sys.argv[2]):
        s.sendto(q[:2] + b'\x81\x85' + b'\x00\x01\x00\x00\x00\x00\x00\x00' + question, peer)
        continue
    answer = b'\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04' + bytes([192, 0, 2, 53])
    s.sendto(q[:2] + b'\x81\x80' + b'\x00\x01\x00\x01\x00\x00\x00\x00' + question + answer, peer)
"#;

const UDP_ECHO_PY: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    d, peer = s.recvfrom(2048)
    s.sendto(b'OK' + d, peer)
"#;

#[test]
fn smtp_dns_udp_and_ping_checks() {
    let Some(ns) = Netns::new(&[
        "192.0.2.1",
        "192.0.2.30",
        "192.0.2.31",
        "192.0.2.32",
        "192.0.2.33",
    ]) else {
        return;
    };
    let dns_py = ns.write("dns.py", DNS_PY);
    let echo_py = ns.write("echo.py", UDP_ECHO_PY);
    let refuse = ns.path("refuse");
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}virtual_server 192.0.2.1 25 {{\n  delay_loop 1\n  protocol TCP\n  alpha\n\
             real_server 192.0.2.30 2525 {{\n    SMTP_CHECK {{\n      helo_name kad.test\n      connect_timeout 3\n      retry 0\n    }}\n  }}\n\
             real_server 192.0.2.31 53 {{\n    DNS_CHECK {{\n      type A\n      name www.example.com\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n\
             real_server 192.0.2.32 7 {{\n    UDP_CHECK {{\n      payload 01020304\n      require_reply 4f4b\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n\
             real_server 192.0.2.33 80 {{\n    PING_CHECK {{\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n}}\n"
        ),
    );
    let smtp = || {
        ns.spawn(
            "python3",
            &[
                "-W",
                "ignore",
                "-m",
                "smtpd",
                "-n",
                "-c",
                "DebuggingServer",
                "192.0.2.30:2525",
            ],
        )
    };
    let mut smtp_srv = smtp();
    let _dns = ns.spawn(
        "python3",
        &[
            dns_py.to_str().unwrap(),
            "192.0.2.31",
            refuse.to_str().unwrap(),
        ],
    );
    let mut echo = ns.spawn("python3", &[echo_py.to_str().unwrap(), "192.0.2.32", "7"]);
    std::thread::sleep(Duration::from_millis(800));
    let mut kad = Kad::start(&ns, &conf);
    let vs = "VS [192.0.2.1]:tcp:25";
    kad.wait("Remote SMTP server [192.0.2.30]:tcp:2525 succeed on service.");
    kad.wait(&format!("Adding service [192.0.2.30]:tcp:2525 to {vs}"));
    kad.wait(&format!("Adding service [192.0.2.31]:tcp:53 to {vs}"));
    kad.wait("UDP connection to [192.0.2.32]:tcp:7 success.");
    kad.wait(&format!("Adding service [192.0.2.32]:tcp:7 to {vs}"));
    kad.wait("ICMP connection to [192.0.2.33]:tcp:80 success.");
    kad.wait(&format!("Adding service [192.0.2.33]:tcp:80 to {vs}"));

    smtp_srv.stop();
    // A refused connection is keepalived's `connect_fail` (captured from 2.2.7).
    kad.wait("SMTP_CHECK Could not connect to server [192.0.2.30]:2525");
    kad.wait(&format!("Removing service [192.0.2.30]:tcp:2525 from {vs}"));
    let _smtp2 = smtp();
    kad.wait_n(&format!("Adding service [192.0.2.30]:tcp:2525 to {vs}"), 2);

    std::fs::write(&refuse, "").unwrap();
    kad.wait("DNS_CHECK ([192.0.2.31]:tcp:53) read error occurred. (rcode = 5)");
    kad.wait(&format!("Removing service [192.0.2.31]:tcp:53 from {vs}"));
    std::fs::remove_file(&refuse).unwrap();
    kad.wait_n(&format!("Adding service [192.0.2.31]:tcp:53 to {vs}"), 2);

    echo.stop();
    kad.wait("UDP_CHECK on service [192.0.2.32]:tcp:7 failed.");
    kad.wait(&format!("Removing service [192.0.2.32]:tcp:7 from {vs}"));

    assert!(ns.ip(&["addr", "del", "192.0.2.33/32", "dev", "lo"]));
    kad.wait("ICMP CHECK on service [192.0.2.33]:tcp:80 failed.");
    kad.wait(&format!("Removing service [192.0.2.33]:tcp:80 from {vs}"));
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

#[test]
fn quorum_sorry_server_notify_and_reload() {
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.40", "192.0.2.41"]) else {
        return;
    };
    let fifo = ns.path("lvs.fifo");
    let notes = ns.path("notes");
    let conf_text = |second: bool| {
        format!(
            "global_defs {{\n  lvs_notify_fifo {fifo}\n}}\n\
             virtual_server 192.0.2.1 80 {{\n  delay_loop 1\n  protocol TCP\n  quorum {}\n\
             quorum_down \"/bin/sh -c 'echo qdown >> {notes}'\"\n\
             quorum_up \"/bin/sh -c 'echo qup >> {notes}'\"\n\
             sorry_server 192.0.2.99 80\n\
             real_server 192.0.2.40 80 {{\n    notify_down \"/bin/sh -c 'echo down40 >> {notes}'\"\n    TCP_CHECK {{\n      connect_timeout 1\n      retry 0\n    }}\n  }}\n{}}}\n",
            if second { 2 } else { 1 },
            if second {
                "  real_server 192.0.2.41 80 {\n    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }\n"
            } else {
                ""
            },
            fifo = fifo.display(),
            notes = notes.display(),
        )
    };
    let conf = ns.write("kad.conf", &conf_text(true));
    let mut a = tcp_listener(&ns, "192.0.2.40", 80);
    let _b = tcp_listener(&ns, "192.0.2.41", 80);
    std::thread::sleep(Duration::from_millis(500));
    let mut kad = Kad::start(&ns, &conf);
    kad.wait("TCP connection to [192.0.2.40]:tcp:80 success.");
    kad.wait("TCP connection to [192.0.2.41]:tcp:80 success.");
    a.stop();
    kad.wait("Removing service [192.0.2.40]:tcp:80 from VS [192.0.2.1]:tcp:80");
    kad.wait("Lost quorum 2-0=2 > 1 for VS [192.0.2.1]:tcp:80");
    kad.wait("Adding sorry server [192.0.2.99]:tcp:80 to VS [192.0.2.1]:tcp:80");
    let end = Instant::now() + WAIT;
    loop {
        let text = std::fs::read_to_string(&notes).unwrap_or_default();
        if text.contains("down40") && text.contains("qdown") {
            break;
        }
        assert!(Instant::now() < end, "notify scripts did not run: {text:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // lvs_notify_fifo: the man page's "RS <rs> <vs> DOWN" line.
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(&fifo)
        .unwrap();
    let mut got = String::new();
    let _ = std::io::Read::read_to_string(&mut f, &mut got);
    assert!(
        got.contains("RS [192.0.2.40]:tcp:80 [192.0.2.1]:tcp:80 DOWN\n"),
        "{got:?}"
    );
    assert!(got.contains("VS [192.0.2.1]:tcp:80 DOWN\n"), "{got:?}");
    let _a2 = tcp_listener(&ns, "192.0.2.40", 80);
    kad.wait("Gained quorum 2+0=2 <= 2 for VS [192.0.2.1]:tcp:80");
    kad.wait("Removing sorry server [192.0.2.99]:tcp:80 from VS [192.0.2.1]:tcp:80");

    // A configuration with errors is refused; the running one stays.
    std::fs::write(
        &conf,
        "virtual_server 192.0.2.1 80 {\n  bogus_keyword\n  real_server {\n",
    )
    .unwrap();
    kad.signal("HUP");
    kad.wait("Reloading");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        kad.count("Removing service [192.0.2.41]"),
        0,
        "{}",
        kad.dump()
    );
    // A valid one without 192.0.2.41: it is removed, 192.0.2.40 keeps its state.
    std::fs::write(&conf, conf_text(false)).unwrap();
    let adds_before = kad.count("Adding service [192.0.2.40]:tcp:80");
    kad.signal("HUP");
    kad.wait_n("Reloading", 2);
    kad.wait("Removing service [192.0.2.41]:tcp:80 from VS [192.0.2.1]:tcp:80");
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        kad.count("Adding service [192.0.2.40]:tcp:80"),
        adds_before,
        "{}",
        kad.dump()
    );
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

/// Hostile HTTP servers: an endless body at full speed, a slowloris trickle, endless headers.
const HOSTILE_PY: &str = r#"
import socket, sys, threading, time
mode, addr = sys.argv[1], sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, 80))
s.listen(16)
def serve(c):
    try:
        c.recv(4096)
        if mode == 'flood':
            c.sendall(b'HTTP/1.0 200 OK\r\n\r\n')
            chunk = b'x' * 65536
            while True:
                c.sendall(chunk)
        elif mode == 'slow':
            for b in b'HTTP/1.0 200 OK\r\n\r\nhello':
                c.sendall(bytes([b]))
                time.sleep(0.5)
        else:
            c.sendall(b'HTTP/1.0 200 OK\r\n')
            while True:
                c.sendall(b'X-Endless: ' + b'y' * 1000 + b'\r\n')
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#;

#[test]
fn hostile_http_servers_fail_within_bounds() {
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.50", "192.0.2.51", "192.0.2.52"]) else {
        return;
    };
    let py = ns.write("hostile.py", HOSTILE_PY);
    let _flood = ns.spawn("python3", &[py.to_str().unwrap(), "flood", "192.0.2.50"]);
    let _slow = ns.spawn("python3", &[py.to_str().unwrap(), "slow", "192.0.2.51"]);
    let _headers = ns.spawn("python3", &[py.to_str().unwrap(), "headers", "192.0.2.52"]);
    let mut reals = String::new();
    for a in ["192.0.2.50", "192.0.2.51", "192.0.2.52"] {
        reals += &format!(
            "  real_server {a} 80 {{\n    HTTP_GET {{\n      url {{\n        path /\n        digest 00000000000000000000000000000000\n      }}\n      connect_timeout 2\n      retry 0\n    }}\n  }}\n"
        );
    }
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}virtual_server 192.0.2.1 80 {{\n  delay_loop 1\n  protocol TCP\n{reals}}}\n"
        ),
    );
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let mut kad = Kad::start(&ns, &conf);
    let pid = kad.child.as_ref().unwrap().id();
    kad.wait("HTTP_CHECK on service [192.0.2.50]:tcp:80 failed.");
    kad.wait("HTTP_CHECK on service [192.0.2.51]:tcp:80 failed.");
    kad.wait("HTTP_CHECK on service [192.0.2.52]:tcp:80 failed.");
    // connect_timeout (2 s) bounds each whole attempt; the first starts within warmup (the
    // default warmup is delay_loop, 1 s).
    assert!(
        started.elapsed() < checker_common::bound(Duration::from_secs(3)),
        "{:?}",
        started.elapsed()
    );
    // Keep streaming a few more rounds: memory must stay bounded.
    std::thread::sleep(Duration::from_secs(5));
    let rss = rss_kib(pid);
    eprintln!("checker RSS after 5 s of hostile servers: {rss} KiB");
    assert!(rss > 0 && rss < 64 * 1024, "checker RSS {rss} KiB");
    eprintln!("{}", kad.dump());
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

#[test]
fn ipv6_tcp_check_and_file_check() {
    let Some(ns) = Netns::new(&["2001:db8::1", "2001:db8::10", "192.0.2.1", "192.0.2.60"]) else {
        return;
    };
    let track = ns.write("track", "0\n");
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}track_file tf {{\n  file {}\n  weight 0\n}}\n\
             virtual_server 2001:db8::1 80 {{\n  delay_loop 1\n  protocol TCP\n\
             real_server 2001:db8::10 8080 {{\n    TCP_CHECK {{\n      connect_timeout 1\n      retry 0\n    }}\n  }}\n}}\n\
             virtual_server 192.0.2.1 80 {{\n  delay_loop 1\n  protocol TCP\n\
             real_server 192.0.2.60 80 {{\n    FILE_CHECK {{\n      track_file tf\n    }}\n  }}\n}}\n",
            track.display()
        ),
    );
    let code = "import socket\ns=socket.socket(socket.AF_INET6)\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n\
                s.bind(('2001:db8::10',8080))\ns.listen(8)\nwhile True:\n    c,_=s.accept()\n    c.close()\n";
    let mut l6 = ns.spawn("python3", &["-c", code]);
    std::thread::sleep(Duration::from_millis(500));
    // (The -c pid file is written by the child when the parent starts it: tests/daemon.rs.)
    let mut kad = Kad::start_with(&ns, &conf, &[]);
    kad.wait("TCP connection to [2001:db8::10]:tcp:8080 success.");
    // SIGUSR1: keepalived_check.data in $TMPDIR.
    kad.signal("USR1");
    let dump = ns.path("keepalived_check.data");
    let end = Instant::now() + WAIT;
    while !std::fs::read_to_string(&dump).is_ok_and(|t| t.contains("alive = 1")) {
        assert!(Instant::now() < end, "no data dump");
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&dump).unwrap();
    assert!(text.contains(" VS VIP = 2001:db8::1, VPORT = 80"), "{text}");
    assert!(
        text.contains("   RIP = 2001:db8::10, RPORT = 8080, WEIGHT = 1 EFF WEIGHT = 1"),
        "{text}"
    );
    assert!(text.contains("   Keepalive method = FILE_CHECK"), "{text}");
    l6.stop();
    kad.wait("TCP_CHECK on service [2001:db8::10]:tcp:8080 failed.");
    kad.wait("Removing service [2001:db8::10]:tcp:8080 from VS [2001:db8::1]:tcp:80");

    // FILE_CHECK with weight 0: a non-zero value is a fault.
    std::fs::write(&track, "1\n").unwrap();
    kad.wait("Removing service [192.0.2.60]:tcp:80 from VS [192.0.2.1]:tcp:80");
    std::fs::write(&track, "0\n").unwrap();
    kad.wait("Adding service [192.0.2.60]:tcp:80 to VS [192.0.2.1]:tcp:80");
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

/// Runs `act` (a write, rename or delete), then returns how long kad took to log the `n`th
/// `needle`, looked for every 5 ms.
fn latency(kad: &Kad, needle: &str, n: usize, act: impl FnOnce()) -> Duration {
    let start = Instant::now();
    act();
    while kad.count(needle) < n {
        assert!(
            start.elapsed() < WAIT,
            "no {n}x {needle:?} in kad's log:\n{}",
            kad.dump()
        );
        kad.assert_alive();
        std::thread::sleep(Duration::from_millis(5));
    }
    start.elapsed()
}

/// FILE_CHECK follows its file through inotify, as keepalived's checker process does
/// (`track_file.c`): a write, a file renamed over it, a deletion, a rename away and back are
/// each seen at once, not at the next poll; `init_file` is applied by the checker process,
/// a track file whose directory is missing leaves its FILE_CHECK up, and a reload (SIGHUP)
/// follows the new configuration's file and forgets the old one.
#[test]
fn file_check_follows_its_file_at_once() {
    let Some(ns) = Netns::new(&["192.0.2.1"]) else {
        return;
    };
    let track = ns.write("track", "0\n");
    let init = ns.path("init");
    let conf_text = |tf: &Path, extra: &str| {
        format!(
            "{HEAD}track_file tf {{\n  file {}\n  weight 0\n}}\n\
             track_file gone {{\n  file {}\n  weight 0\n}}\n\
             track_file init {{\n  file {}\n  weight 0\n  init_file 1\n}}\n{extra}\
             virtual_server 192.0.2.1 80 {{\n  delay_loop 1\n  protocol TCP\n  lvs_sched rr\n  lvs_method NAT\n\
             real_server 192.0.2.60 80 {{\n    FILE_CHECK {{\n      track_file tf\n    }}\n  }}\n\
             real_server 192.0.2.61 80 {{\n    FILE_CHECK {{\n      track_file gone\n    }}\n  }}\n\
             real_server 192.0.2.62 80 {{\n    FILE_CHECK {{\n      track_file init\n    }}\n  }}\n}}\n",
            tf.display(),
            ns.path("missing-dir/value").display(),
            init.display(),
        )
    };
    let conf = ns.write("kad.conf", &conf_text(&track, ""));
    let mut kad = Kad::start(&ns, &conf);
    kad.wait("Track file directory for gone does not exist - removing");
    // The files are watched before the checkers start (keepalived logs no activation line
    // for a FILE_CHECK; this one comes once start-up is done).
    kad.wait("Activating BFD healthchecker");
    // `init_file 1` in the checker process: created, and a fault with weight 0.
    assert_eq!(std::fs::read_to_string(&init).unwrap(), "1\n");
    std::fs::write(&init, "0\n").unwrap();
    kad.wait("Adding service [192.0.2.62]:tcp:80 to VS [192.0.2.1]:tcp:80");

    let down = "Removing service [192.0.2.60]:tcp:80 from VS [192.0.2.1]:tcp:80";
    let up = "Adding service [192.0.2.60]:tcp:80 to VS [192.0.2.1]:tcp:80";
    let moved = ns.path("track.moved");
    let mut seen = vec![
        // Written in place (IN_CLOSE_WRITE).
        latency(&kad, down, 1, || std::fs::write(&track, "1\n").unwrap()),
        latency(&kad, up, 1, || std::fs::write(&track, "0\n").unwrap()),
        // Replaced by rename (IN_MOVED_TO).
        latency(&kad, down, 2, || {
            let tmp = ns.write("track.tmp", "1\n");
            std::fs::rename(&tmp, &track).unwrap();
        }),
        // Deleted (IN_DELETE): 0.
        latency(&kad, up, 2, || std::fs::remove_file(&track).unwrap()),
        // Created again.
        latency(&kad, down, 3, || std::fs::write(&track, "1\n").unwrap()),
        // Renamed away (IN_MOVED_FROM): 0; and back.
        latency(&kad, up, 3, || std::fs::rename(&track, &moved).unwrap()),
        latency(&kad, down, 4, || std::fs::rename(&moved, &track).unwrap()),
        latency(&kad, up, 4, || std::fs::write(&track, "0\n").unwrap()),
    ];
    eprintln!("FILE_CHECK latencies: {seen:?}");
    // Polled once a second, few of these would be under 300 ms; event driven, all are but
    // perhaps one delayed by the loaded machine.
    seen.sort();
    assert!(
        seen[seen.len() - 2] < Duration::from_millis(300),
        "{seen:?}"
    );
    // The FILE_CHECK without a watched file stayed up.
    assert_eq!(kad.count("[192.0.2.61]:tcp:80 from"), 0, "{}", kad.dump());

    // SIGHUP: `tf` now names another file; `init_file` is applied to every block again,
    // creating a missing file even for a block no FILE_CHECK names.
    let track2 = ns.write("track2", "0\n");
    let init2 = ns.path("init2");
    let extra = format!(
        "track_file unused {{\n  file {}\n  init_file 3\n}}\n",
        init2.display()
    );
    std::fs::write(&conf, conf_text(&track2, &extra)).unwrap();
    kad.signal("HUP");
    kad.wait_n("Activating BFD healthchecker", 2);
    assert_eq!(std::fs::read_to_string(&init2).unwrap(), "3\n");
    // `init_file 1` does not overwrite on a reload.
    assert_eq!(std::fs::read_to_string(&init).unwrap(), "0\n");
    std::fs::write(&track, "1\n").unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        kad.count(down),
        4,
        "old file still followed:\n{}",
        kad.dump()
    );
    std::fs::write(&track2, "1\n").unwrap();
    kad.wait_n(down, 5);
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}

#[test]
fn misc_timeout_and_ha_suspend() {
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.80"]) else {
        return;
    };
    let slow = ns.write("slow.sh", "#!/bin/sh\nsleep 30\n");
    std::fs::set_permissions(&slow, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let conf = ns.write(
        "kad.conf",
        &format!(
            "{HEAD}virtual_server 192.0.2.1 80 {{\n  delay_loop 1\n  protocol TCP\n\
             real_server 192.0.2.80 80 {{\n    MISC_CHECK {{\n      misc_path {}\n      misc_timeout 1\n    }}\n  }}\n}}\n\
             virtual_server 192.0.2.70 80 {{\n  delay_loop 1\n  protocol TCP\n  ha_suspend\n\
             real_server 192.0.2.71 80 {{\n    TCP_CHECK {{\n      connect_timeout 1\n      retry 0\n    }}\n  }}\n}}\n",
            slow.display()
        ),
    );
    let mut kad = Kad::start(&ns, &conf);
    // misc_timeout: the script is killed and the check counts as timed out.
    kad.wait("Misc check for [[192.0.2.80]:tcp:80 VS [192.0.2.1]:tcp:80] by [");
    kad.wait("] timed out with retry disabled.");
    kad.wait("Removing service [192.0.2.80]:tcp:80 from VS [192.0.2.1]:tcp:80");
    // ha_suspend: no check while 192.0.2.70 is not a local address.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(kad.count("[192.0.2.71]:tcp:80 failed"), 0, "{}", kad.dump());
    assert!(ns.ip(&["addr", "add", "192.0.2.70/32", "dev", "lo"]));
    kad.wait("TCP_CHECK on service [192.0.2.71]:tcp:80 failed.");
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
    // No MISC_CHECK child outlives kad (timeouts and shutdown terminate them).
    let end = Instant::now() + WAIT;
    loop {
        let left = Command::new("pgrep")
            .args(["-f", slow.to_str().unwrap()])
            .output()
            .unwrap();
        if left.stdout.is_empty() {
            break;
        }
        assert!(Instant::now() < end, "slow.sh still running");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `smtp_alert`: a real server going down is mailed, in keepalived's words, to a real SMTP
/// server (Debian's python3-aiosmtpd, storing into a maildir).
#[test]
fn real_server_down_is_mailed() {
    // Debian's interpreter: the package installs into its dist-packages.
    if std::process::Command::new("/usr/bin/python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .map_or(true, |s| !s.success())
    {
        kad_skip::skip("python3-aiosmtpd is not installed");
        return;
    }
    let Some(ns) = Netns::new(&["192.0.2.1", "192.0.2.40", "192.0.2.41"]) else {
        return;
    };
    let maildir = ns.path("maildir");
    let conf = ns.write(
        "kad.conf",
        "global_defs {\n  router_id kadtest\n  notification_email {\n    ops@example.com\n  }\n\
         notification_email_from kad@example.com\n  smtp_server 192.0.2.41 2525\n\
         smtp_connect_timeout 5\n}\n\
         virtual_server 192.0.2.1 80 {\n  delay_loop 1\n  protocol TCP\n\
         real_server 192.0.2.40 80 {\n    TCP_CHECK {\n      connect_timeout 1\n      retry 0\n    }\n  }\n}\n",
    );
    let _smtp = ns.spawn(
        "/usr/bin/python3",
        &[
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            "192.0.2.41:2525",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            maildir.to_str().unwrap(),
        ],
    );
    let mut rs = tcp_listener(&ns, "192.0.2.40", 80);
    std::thread::sleep(Duration::from_millis(500));
    let mut kad = Kad::start(&ns, &conf);
    kad.wait("TCP connection to [192.0.2.40]:tcp:80 success.");
    rs.stop();
    kad.wait("Removing service [192.0.2.40]:tcp:80 from VS [192.0.2.1]:tcp:80");
    let end = Instant::now() + WAIT;
    let mail = loop {
        let found = std::fs::read_dir(maildir.join("new"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .find(|t| t.contains("DOWN"));
        if let Some(m) = found {
            break m;
        }
        assert!(Instant::now() < end, "no alert mail\n{}", kad.dump());
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        mail.contains(
            "Subject: [kadtest] Realserver [192.0.2.40]:tcp:80 of virtual server [192.0.2.1]:tcp:80 - DOWN"
        ),
        "{mail}"
    );
    assert!(mail.contains("=> TCP CHECK failed on service <="), "{mail}");
    assert!(mail.contains("X-Mailer: Keepalived"), "{mail}");
    assert_eq!(kad.stop(), Some(0), "{}", kad.dump());
}
