//! The GET request keepalived sends (`request_template` in check/check_http.c), shared with
//! the HTTP_GET checker so the digest genhash prints is the one the check computes.

use crate::cli::Options;
use keepalive_checkers::proto::request_bytes;
#[cfg(test)]
use keepalive_checkers::proto::MAX_REQUEST_LEN;
#[cfg(test)]
use keepalive_checkers::HttpProtocol;

/// The request bytes for `opts`: `Host:` is the virtual host if given, else the server address
/// and port (an IPv6 literal in brackets, RFC 2732).
pub fn build_request(opts: &Options) -> Vec<u8> {
    let host = match &opts.virtualhost {
        Some(vhost) => vhost.clone(),
        None => match opts.server {
            std::net::SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
            std::net::SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        },
    };
    request_bytes(&opts.url, opts.protocol, &host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::DEFAULT_TIMEOUT;
    use crate::digest::HashAlgorithm;

    fn opts(server: &str, vhost: Option<&str>, protocol: HttpProtocol) -> Options {
        Options {
            server: server.parse().unwrap(),
            url: "/index.html".into(),
            virtualhost: vhost.map(String::from),
            use_ssl: false,
            use_sni: false,
            verbose: false,
            fwmark: 0,
            protocol,
            timeout: DEFAULT_TIMEOUT,
            hash: HashAlgorithm::Md5,
        }
    }

    #[test]
    fn templates() {
        let r = build_request(&opts("192.0.2.1:80", None, HttpProtocol::Http10));
        assert_eq!(
            r,
            b"GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 192.0.2.1:80\r\n\r\n"
        );
        let r = build_request(&opts("[2001:db8::1]:8080", None, HttpProtocol::Http11));
        assert_eq!(
            r,
            &b"GET /index.html HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: [2001:db8::1]:8080\r\n\r\n"[..]
        );
        let r = build_request(&opts(
            "[2001:db8::1]:80",
            Some("www.example"),
            HttpProtocol::Http10Close,
        ));
        assert_eq!(
            r,
            &b"GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www.example\r\n\r\n"[..]
        );
    }

    #[test]
    fn long_url_is_cut_like_snprintf() {
        let mut o = opts("192.0.2.1:80", None, HttpProtocol::Http10);
        o.url = format!("/{}", "a".repeat(5000));
        assert_eq!(build_request(&o).len(), MAX_REQUEST_LEN);
    }
}
