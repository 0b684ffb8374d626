//! The sockets behind a checker's [`CheckAction`](keepalive_checkers::CheckAction)s: non-blocking
//! TCP (optionally wrapped in TLS for SSL_GET), connected UDP (DNS_CHECK, UDP_CHECK) and ICMP /
//! ICMPv6 echo (PING_CHECK), each with the man page's `bindto`, `bind_port`, `bind_if` and
//! `fwmark` (SO_MARK) applied before connecting.
//!
//! TLS follows keepalived's SSL_GET: the server certificate is never verified (keepalived's
//! OpenSSL context never sets `SSL_VERIFY_PEER`, even with `ca`), SNI is sent only with
//! `enable_sni`, and the `SSL` block's `certificate`/`key` (decrypted with `password`, see
//! [`tls_key`]) become the client certificate.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use keepalive_checkers::{Family, IoEvent, IoFailure, Target, TlsParams, Transport};
use mio::{Interest, Registry, Token};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls::{ClientConfig, ClientConnection, DigitallySignedStruct, SignatureScheme};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use super::tls_key::{self, KeyError};

/// Bytes read from a stream socket in one call.
const READ_CHUNK: usize = 16 * 1024;
/// The read buffer [`Conn::readable`] needs: a whole datagram (UDP, ICMP) fits.
pub const SCRATCH: usize = 65_536;
/// Reads per readiness event before yielding to other checkers, so one fast server streaming a
/// huge body cannot starve the rest of the loop.
pub const READS_PER_TURN: usize = 16;

/// What a socket reported, in the shape of [`keepalive_checkers::IoEvent`] but owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    /// Connected (TLS handshake included).
    Connected,
    /// The connection could not be made, or broke.
    ConnectFailed(IoFailure),
    /// Bytes (one datagram for UDP/ICMP).
    Data(Vec<u8>),
    /// The peer closed the stream.
    Eof,
    /// An ICMP error was reported for the socket.
    IcmpError(IoFailure),
}

impl Ev {
    /// The same event, borrowed, as the checker state machine takes it.
    pub fn as_io(&self) -> IoEvent<'_> {
        match self {
            Ev::Connected => IoEvent::Connected,
            Ev::ConnectFailed(f) => IoEvent::ConnectFailed(*f),
            Ev::Data(d) => IoEvent::Data(d),
            Ev::Eof => IoEvent::Eof,
            Ev::IcmpError(f) => IoEvent::IcmpError(*f),
        }
    }
}

/// The TLS client settings shared by every SSL_GET.
#[derive(Debug, Clone)]
pub struct Tls {
    with_sni: Arc<ClientConfig>,
    without_sni: Arc<ClientConfig>,
}

/// Accepts every server certificate, as keepalived's SSL_GET does; the handshake signatures
/// are still checked, so the server must hold the key of the certificate it sent.
#[derive(Debug)]
struct AcceptAnyServerCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Why the `SSL` block could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
    /// The `certificate` file could not be read.
    #[error("SSL certificate {path}: {message}")]
    Certificate {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// The `key` is not the key of the `certificate`.
    #[error("SSL key {key} does not match the certificate {certificate}")]
    KeyMismatch {
        /// The certificate file.
        certificate: String,
        /// The key file.
        key: String,
    },
    /// The `key` file gave no private key (unreadable, not a key, or an encrypted key that
    /// `password` does not open).
    #[error("SSL key {path}: {source}")]
    Key {
        /// The file.
        path: String,
        /// Why.
        source: KeyError,
    },
}

impl TlsError {
    /// keepalived's log line for the same failure (`check_ssl.c`, `build_ssl_ctx`), for the
    /// scripts that grep for it.
    pub fn keepalived_line(&self) -> &'static str {
        match self {
            TlsError::Certificate { .. } => "SSL error : Cant load certificate file...",
            TlsError::Key { .. } | TlsError::KeyMismatch { .. } | TlsError::Rustls(_) => {
                "SSL error : Cant load key file..."
            }
        }
    }
}

/// The `SSL` block's client certificate: `certificate`, `key` and the `password` of the key.
#[derive(Debug, Clone, Copy)]
pub struct ClientCert<'a> {
    /// PEM certificate chain.
    pub certificate: &'a str,
    /// PEM private key, maybe encrypted.
    pub key: &'a str,
    /// Pass phrase of an encrypted `key`.
    pub password: Option<&'a str>,
}

/// The client certificate chain and its key, checked to belong together as OpenSSL's
/// `SSL_CTX_use_PrivateKey_file` does ("key values mismatch"). rustls's own check
/// (`with_client_auth_cert`) is not used: it parses the certificate with webpki, which refuses
/// the X.509 v1 certificates that `openssl x509 -req` writes without extensions and that
/// keepalived uses without complaint.
fn client_cert(provider: &CryptoProvider, c: ClientCert<'_>) -> Result<CertifiedKey, TlsError> {
    let cert_error = |message: String| TlsError::Certificate {
        path: c.certificate.into(),
        message,
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(c.certificate)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| cert_error(e.to_string()))?;
    let spki = chain
        .first()
        .ok_or_else(|| cert_error("no certificate in the file".into()))
        .and_then(|cert| {
            tls_key::certificate_spki(cert)
                .ok_or_else(|| cert_error("not an X.509 certificate".into()))
        })?;
    let key = tls_key::load(Path::new(c.key), c.password).map_err(|source| TlsError::Key {
        path: c.key.into(),
        source,
    })?;
    let key = provider.key_provider.load_private_key(key)?;
    if key.public_key().is_some_and(|k| k.as_ref() != spki) {
        return Err(TlsError::KeyMismatch {
            certificate: c.certificate.into(),
            key: c.key.into(),
        });
    }
    Ok(CertifiedKey::new(chain, key))
}

impl Tls {
    /// Client settings, with a client certificate when `client` is given.
    pub fn new(client: Option<ClientCert<'_>>) -> Result<Tls, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(AcceptAnyServerCert {
            algorithms: provider.signature_verification_algorithms,
        });
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match client {
            Some(c) => {
                let key = client_cert(&provider, c)?;
                builder.with_client_cert_resolver(Arc::new(SingleCertAndKey::from(key)))
            }
            None => builder.with_no_client_auth(),
        };
        config.enable_sni = true;
        let with_sni = Arc::new(config.clone());
        config.enable_sni = false;
        Ok(Tls {
            with_sni,
            without_sni: Arc::new(config),
        })
    }

    fn connection(&self, params: &TlsParams, addr: IpAddr) -> Result<ClientConnection, String> {
        let sni = params
            .sni
            .as_ref()
            .and_then(|n| ServerName::try_from(n.clone()).ok())
            .filter(|n| matches!(n, ServerName::DnsName(_)));
        let (config, name) = match sni {
            Some(n) => (self.with_sni.clone(), n),
            None => (self.without_sni.clone(), ServerName::IpAddress(addr.into())),
        };
        ClientConnection::new(config, name).map_err(|e| e.to_string())
    }
}

/// Why PING_CHECK could not send its echo request; keepalived logs the two differently
/// ("ICMP connect fail to create socket. Rescheduling." / "send ICMP packet fail").
#[derive(Debug, thiserror::Error)]
pub enum IcmpError {
    /// No ICMP socket.
    #[error("{0}")]
    Socket(io::Error),
    /// The socket could not be set up, connected or sent on.
    #[error("{0}")]
    Send(io::Error),
}

/// keepalived's `provider` for ICMP: a ping socket (`SOCK_DGRAM`/`IPPROTO_ICMP`, allowed by
/// `net.ipv4.ping_group_range`), falling back to a raw socket when running as root.
fn icmp_socket(family: Family) -> io::Result<(Socket, bool)> {
    let (domain, proto) = match family {
        Family::Inet => (Domain::IPV4, Protocol::ICMPV4),
        Family::Inet6 => (Domain::IPV6, Protocol::ICMPV6),
    };
    match Socket::new(domain, Type::DGRAM, Some(proto)) {
        Ok(s) => Ok((s, false)),
        Err(_) => Ok((Socket::new(domain, Type::RAW, Some(proto))?, true)),
    }
}

/// Where a TCP connection stands.
#[derive(Debug)]
pub enum TcpState {
    /// The connect is in progress.
    Connecting,
    /// Connected; the TLS handshake is in progress.
    Handshaking,
    /// Ready for the request.
    Open,
}

/// One open socket of a checker.
#[derive(Debug)]
pub enum Conn {
    /// A TCP stream, perhaps with TLS.
    Tcp {
        /// The socket.
        sock: mio::net::TcpStream,
        /// Where it stands.
        state: TcpState,
        /// The TLS session (SSL_GET).
        tls: Option<Box<ClientConnection>>,
        /// `tls_compliant`: send close_notify on close.
        tls_compliant: bool,
        /// Plain bytes not yet written.
        out: Vec<u8>,
    },
    /// A connected UDP socket.
    Udp(mio::net::UdpSocket),
    /// An ICMP socket connected to the target.
    Icmp {
        /// The socket.
        sock: mio::net::UdpSocket,
        /// Raw (IPv4 replies carry the IP header) rather than a ping socket.
        raw: bool,
        /// The family.
        family: Family,
    },
}

/// Marks and binds `sock` as the target's `Source` asks; `bind_port` is left out where
/// `with_port` is false (ICMP has no ports).
fn apply_source(sock: &Socket, target: &Target, family: Family, with_port: bool) -> io::Result<()> {
    let src = target.source();
    if let Some(mark) = src.fwmark {
        sock.set_mark(mark)?;
    }
    if let Some(ifname) = &src.bind_if {
        sock.bind_device(Some(ifname.as_bytes()))?;
    }
    let port = src.bind_port.filter(|_| with_port);
    if src.bindto.is_some() || port.is_some() {
        let ip = src.bindto.unwrap_or(match family {
            Family::Inet => IpAddr::from([0, 0, 0, 0]),
            Family::Inet6 => IpAddr::from([0u16; 8]),
        });
        if port.is_some() {
            sock.set_reuse_address(true)?;
        }
        sock.bind(&SockAddr::from(SocketAddr::new(ip, port.unwrap_or(0))))?;
    }
    Ok(())
}

fn domain(family: Family) -> Domain {
    match family {
        Family::Inet => Domain::IPV4,
        Family::Inet6 => Domain::IPV6,
    }
}

fn scoped(target: &Target) -> SocketAddr {
    let mut sa = SocketAddr::new(target.addr, target.port);
    if let (SocketAddr::V6(v6), Some(ifname)) = (&mut sa, &target.source().bind_if) {
        if v6.ip().is_unicast_link_local() {
            if let Ok(idx) = nix::net::if_::if_nametoindex(ifname.as_str()) {
                v6.set_scope_id(idx);
            }
        }
    }
    sa
}

fn in_progress(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EINPROGRESS) || e.kind() == io::ErrorKind::WouldBlock
}

/// What an ICMP error on a connected UDP socket means, in keepalived's words where it has any.
fn icmp_reason(e: &io::Error) -> Option<IoFailure> {
    match e.raw_os_error()? {
        errno @ (libc::ECONNREFUSED | libc::EHOSTUNREACH | libc::ENETUNREACH) => {
            Some(IoFailure::Os(errno))
        }
        _ => None,
    }
}

impl Conn {
    /// Open a socket for `Connect` and register it; events already known (a UDP socket is
    /// "connected" at once) are pushed to `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn connect(
        registry: &Registry,
        token: Token,
        transport: Transport,
        family: Family,
        target: &Target,
        tls: Option<(&Tls, &TlsParams)>,
        out: &mut Vec<Ev>,
    ) -> io::Result<Conn> {
        let ty = match transport {
            Transport::Tcp => Type::STREAM,
            Transport::Udp => Type::DGRAM,
        };
        let sock = Socket::new(domain(family), ty, None)?;
        sock.set_nonblocking(true)?;
        sock.set_cloexec(true)?;
        apply_source(&sock, target, family, true)?;
        let dst = SockAddr::from(scoped(target));
        match transport {
            Transport::Tcp => {
                match sock.connect(&dst) {
                    Ok(()) => {}
                    Err(e) if in_progress(&e) => {}
                    Err(e) => return Err(e),
                }
                let mut stream = mio::net::TcpStream::from_std(sock.into());
                registry.register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)?;
                let (session, tls_compliant) = match tls {
                    Some((t, p)) => (
                        Some(Box::new(t.connection(p, target.addr).map_err(|e| {
                            io::Error::new(io::ErrorKind::InvalidInput, e)
                        })?)),
                        p.tls_compliant,
                    ),
                    None => (None, false),
                };
                Ok(Conn::Tcp {
                    sock: stream,
                    state: TcpState::Connecting,
                    tls: session,
                    tls_compliant,
                    out: Vec::new(),
                })
            }
            Transport::Udp => {
                sock.connect(&dst)?;
                let mut udp = mio::net::UdpSocket::from_std(sock.into());
                registry.register(&mut udp, token, Interest::READABLE)?;
                out.push(Ev::Connected);
                Ok(Conn::Udp(udp))
            }
        }
    }

    /// Open an ICMP socket to `target` and send one echo request. The error says which of the
    /// two failed: keepalived logs them differently.
    pub fn icmp(
        registry: &Registry,
        token: Token,
        family: Family,
        target: &Target,
        packet: &[u8],
        out: &mut Vec<Ev>,
    ) -> Result<Conn, IcmpError> {
        let (sock, raw) = icmp_socket(family).map_err(IcmpError::Socket)?;
        let send = || -> io::Result<Conn> {
            sock.set_nonblocking(true)?;
            sock.set_cloexec(true)?;
            apply_source(&sock, target, family, false)?;
            let dst = SockAddr::from(SocketAddr::new(scoped(target).ip(), 0));
            sock.connect(&dst)?;
            let mut udp = mio::net::UdpSocket::from_std(sock.into());
            registry.register(&mut udp, token, Interest::READABLE)?;
            match udp.send(packet) {
                Ok(_) => {}
                Err(e) => match icmp_reason(&e) {
                    Some(r) => out.push(Ev::IcmpError(r)),
                    None => return Err(e),
                },
            }
            Ok(Conn::Icmp {
                sock: udp,
                raw,
                family,
            })
        };
        send().map_err(IcmpError::Send)
    }

    /// Queue `data` for the peer (one datagram for UDP) and write what the socket takes.
    pub fn send(&mut self, data: &[u8], out: &mut Vec<Ev>) {
        match self {
            Conn::Tcp { out: buf, .. } => {
                buf.extend_from_slice(data);
                self.flush(out);
            }
            Conn::Udp(s) => {
                if let Err(e) = s.send(data) {
                    match icmp_reason(&e) {
                        Some(r) => out.push(Ev::IcmpError(r)),
                        None if e.kind() == io::ErrorKind::WouldBlock => {}
                        None => out.push(Ev::ConnectFailed(IoFailure::of(&e))),
                    }
                }
            }
            Conn::Icmp { .. } => {}
        }
    }

    /// Write pending bytes (plain or through TLS).
    fn flush(&mut self, out: &mut Vec<Ev>) {
        let Conn::Tcp {
            sock,
            state,
            tls,
            out: buf,
            ..
        } = self
        else {
            return;
        };
        let handshaking = tls.is_some() && matches!(state, TcpState::Handshaking);
        if !(matches!(state, TcpState::Open) || handshaking) {
            return;
        }
        if let Some(t) = tls {
            if matches!(state, TcpState::Open) && !buf.is_empty() {
                if let Err(e) = t.writer().write_all(buf) {
                    out.push(Ev::ConnectFailed(IoFailure::of(&e)));
                    return;
                }
                buf.clear();
            }
            while t.wants_write() {
                match t.write_tls(sock) {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => {
                        out.push(Ev::ConnectFailed(IoFailure::of(&e)));
                        return;
                    }
                }
            }
            return;
        }
        while !buf.is_empty() {
            match sock.write(buf) {
                Ok(n) => {
                    buf.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    out.push(Ev::ConnectFailed(IoFailure::of(&e)));
                    break;
                }
            }
        }
    }

    /// The socket became writable: finish a connect, progress a handshake, flush output.
    pub fn writable(&mut self, out: &mut Vec<Ev>) {
        if let Conn::Tcp {
            sock, state, tls, ..
        } = self
        {
            if matches!(state, TcpState::Connecting) {
                match sock.take_error() {
                    Ok(Some(e)) | Err(e) => {
                        out.push(Ev::ConnectFailed(IoFailure::of(&e)));
                        return;
                    }
                    Ok(None) => {}
                }
                match sock.peer_addr() {
                    Ok(_) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => return,
                    Err(e) => {
                        out.push(Ev::ConnectFailed(IoFailure::of(&e)));
                        return;
                    }
                }
                if tls.is_some() {
                    *state = TcpState::Handshaking;
                } else {
                    *state = TcpState::Open;
                    out.push(Ev::Connected);
                }
            }
        }
        self.flush(out);
    }

    /// The socket became readable: read up to [`READS_PER_TURN`] chunks into `scratch` (the
    /// loop's one buffer of [`SCRATCH`] bytes, shared by every socket: a buffer per read would
    /// cost an allocation and a 16 KiB clear for each of thousands of checks a second).
    /// Returns true if there may be more to read.
    pub fn readable(&mut self, scratch: &mut [u8], out: &mut Vec<Ev>) -> bool {
        match self {
            Conn::Tcp {
                sock, state, tls, ..
            } => {
                if matches!(state, TcpState::Connecting) {
                    return false;
                }
                let buf = &mut scratch[..READ_CHUNK];
                for _ in 0..READS_PER_TURN {
                    if let Some(t) = tls {
                        match t.read_tls(sock) {
                            Ok(0) => {
                                drain_plain(t, buf, out);
                                out.push(Ev::Eof);
                                return false;
                            }
                            Ok(_) => {}
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                            Err(e) => {
                                out.push(fail_or_eof(state, e));
                                return false;
                            }
                        }
                        if t.process_new_packets().is_err() {
                            let _ = t.write_tls(sock);
                            out.push(Ev::ConnectFailed(IoFailure::Tls));
                            return false;
                        }
                        if matches!(state, TcpState::Handshaking) && !t.is_handshaking() {
                            *state = TcpState::Open;
                            out.push(Ev::Connected);
                        }
                        if drain_plain(t, buf, out) {
                            out.push(Ev::Eof);
                            return false;
                        }
                        while t.wants_write() {
                            if t.write_tls(sock).is_err() {
                                break;
                            }
                        }
                        continue;
                    }
                    match sock.read(buf) {
                        Ok(0) => {
                            out.push(Ev::Eof);
                            return false;
                        }
                        Ok(n) => out.push(Ev::Data(buf[..n].to_vec())),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => {
                            out.push(fail_or_eof(state, e));
                            return false;
                        }
                    }
                }
                true
            }
            Conn::Udp(s) => {
                let buf = scratch;
                for _ in 0..READS_PER_TURN {
                    match s.recv(buf) {
                        Ok(n) => out.push(Ev::Data(buf[..n].to_vec())),
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                        Err(e) => {
                            out.push(match icmp_reason(&e) {
                                Some(r) => Ev::IcmpError(r),
                                None => Ev::ConnectFailed(IoFailure::of(&e)),
                            });
                            return false;
                        }
                    }
                }
                true
            }
            Conn::Icmp { sock, raw, family } => {
                let buf = scratch;
                for _ in 0..READS_PER_TURN {
                    match sock.recv(buf) {
                        Ok(n) => {
                            let mut msg = &buf[..n];
                            if *raw && *family == Family::Inet && !msg.is_empty() {
                                let ihl = usize::from(msg[0] & 0x0f) * 4;
                                msg = msg.get(ihl..).unwrap_or(&[]);
                            }
                            out.push(Ev::Data(msg.to_vec()));
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                        Err(e) => {
                            out.push(match icmp_reason(&e) {
                                Some(r) => Ev::IcmpError(r),
                                None => Ev::ConnectFailed(IoFailure::of(&e)),
                            });
                            return false;
                        }
                    }
                }
                true
            }
        }
    }

    /// Close: with `tls_compliant`, say close_notify first (best effort); then deregister.
    pub fn close(mut self, registry: &Registry) {
        match &mut self {
            Conn::Tcp {
                sock,
                tls,
                tls_compliant,
                ..
            } => {
                if let (Some(t), true) = (tls.as_mut(), *tls_compliant) {
                    t.send_close_notify();
                    let _ = t.write_tls(sock);
                }
                let _ = registry.deregister(sock);
            }
            Conn::Udp(s) => {
                let _ = registry.deregister(s);
            }
            Conn::Icmp { sock, .. } => {
                let _ = registry.deregister(sock);
            }
        }
    }
}

/// Hand the plaintext rustls has decrypted to `out`; true if the peer sent close_notify.
fn drain_plain(t: &mut ClientConnection, buf: &mut [u8], out: &mut Vec<Ev>) -> bool {
    loop {
        match t.reader().read(buf) {
            Ok(0) => return true,
            Ok(n) => out.push(Ev::Data(buf[..n].to_vec())),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
            // A peer that closes without close_notify: the body ends there, as with OpenSSL.
            Err(_) => return true,
        }
    }
}

fn fail_or_eof(state: &TcpState, e: io::Error) -> Ev {
    match state {
        TcpState::Open => {
            if e.kind() == io::ErrorKind::ConnectionReset {
                Ev::Eof
            } else {
                Ev::ConnectFailed(IoFailure::of(&e))
            }
        }
        _ => Ev::ConnectFailed(IoFailure::of(&e)),
    }
}
