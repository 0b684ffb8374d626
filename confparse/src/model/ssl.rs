//! The `SSL` block: the client certificate and CA that `SSL_GET` checkers use. Without it
//! (or with none of its keywords) keepalived builds a default TLS context.

use crate::diag::{Diagnostics, Severity};
use crate::model::values::no_block;
use crate::token::Loc;
use crate::tree::Node;

/// The `SSL` block.
#[derive(Clone, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct SslConfig {
    /// `password`: for the private key.
    pub password: Option<String>,
    /// `ca`: CA file.
    pub ca: Option<String>,
    /// `certificate`: client certificate file.
    pub certificate: Option<String>,
    /// `key`: private key file.
    pub key: Option<String>,
    /// Where the block starts.
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::model::values::ser_loc")
    )]
    pub loc: Loc,
}

const KEYWORDS: &[&str] = &["password", "ca", "certificate", "key"];

/// Parse an `SSL` block into `slot`; a second block replaces the first, with an error as in
/// keepalived.
pub(crate) fn parse(node: &Node, slot: &mut Option<SslConfig>, d: &mut Diagnostics) {
    if slot.is_some() {
        d.error(
            &node.keyword.loc,
            "SSL context already specified - replacing",
        );
    }
    let mut ssl = SslConfig {
        password: None,
        ca: None,
        certificate: None,
        key: None,
        loc: node.keyword.loc.clone(),
    };
    for n in node.children() {
        no_block(n, d);
        let (field, what) = match n.name() {
            "password" => (&mut ssl.password, "password"),
            "ca" => (&mut ssl.ca, "cafile"),
            "certificate" => (&mut ssl.certificate, "certfile"),
            "key" => (&mut ssl.key, "keyfile"),
            _ => {
                d.unknown_keyword(Severity::Error, &n.keyword, "SSL", KEYWORDS);
                continue;
            }
        };
        let Some(v) = n.args.first() else {
            d.error(&n.keyword.loc, format!("SSL {what} missing"));
            continue;
        };
        if field.is_some() {
            d.error(
                &n.keyword.loc,
                format!("SSL {what} already specified - replacing"),
            );
        }
        *field = Some(v.text.clone());
    }
    *slot = Some(ssl);
}
