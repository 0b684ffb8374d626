//! TLS for `-S`, with rustls.
//!
//! **No certificate verification, on purpose.** keepalived's genhash (and SSL_GET without
//! `ca`) creates its OpenSSL context without `SSL_CTX_set_verify`, so any certificate is
//! accepted: self-signed, expired, for another name. genhash is pointed at one real server by
//! its IP address to learn what it serves, so there is no name to check a certificate
//! against. [`AcceptAnyServerCert`] does the same; it still checks the handshake signatures
//! (the server must hold the key of the certificate it sent), which costs nothing.
//!
//! rustls speaks TLS 1.2 and 1.3 only; a server limited to TLS 1.0/1.1 that keepalived's
//! OpenSSL would still reach fails the handshake here.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use crate::cli::Options;

/// Accepts every server certificate, as keepalived does; see the module documentation.
#[derive(Debug)]
pub struct AcceptAnyServerCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl AcceptAnyServerCert {
    /// Checks handshake signatures with `provider`'s algorithms.
    pub fn new(provider: &CryptoProvider) -> Self {
        Self {
            algorithms: provider.signature_verification_algorithms,
        }
    }
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

/// The client configuration and server name for `opts`.
///
/// SNI is sent only with `-I` and a `-V` virtual host, as keepalived does; a virtual host that
/// is not a DNS name (rustls never sends an IP address as SNI) is then not sent either.
pub fn client_setup(
    opts: &Options,
) -> Result<(Arc<ClientConfig>, ServerName<'static>), rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(AcceptAnyServerCert::new(&provider));
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    let sni_name = opts
        .use_sni
        .then_some(opts.virtualhost.as_deref())
        .flatten()
        .and_then(|v| ServerName::try_from(v.to_owned()).ok())
        .filter(|n| matches!(n, ServerName::DnsName(_)));
    config.enable_sni = sni_name.is_some();
    let name = sni_name.unwrap_or_else(|| ServerName::IpAddress(opts.server.ip().into()));
    Ok((Arc::new(config), name))
}
