//! Protocol probes: what one attempt of each checker type sends and accepts.

mod bfd;
mod dns;
mod file;
mod http;
mod http_body;
mod misc;
mod ping;
mod smtp;
mod smtp_reply;
mod tcp;
mod udp;

pub use bfd::BfdConfig;
pub use dns::{DnsConfig, DnsProbe, DnsType};
pub use file::FileConfig;
pub use http::{
    request_bytes, HttpConfig, HttpProbe, HttpProtocol, StatusRange, UrlConfig, MAX_HEADER_BYTES,
    MAX_REQUEST_LEN,
};
pub use http_body::{extract_content_length, BodyPart, ResponseBody};
pub use misc::{MiscConfig, MiscProbe};
pub use ping::{PingConfig, PingProbe};
pub use smtp::{SmtpConfig, SmtpProbe, DEFAULT_HELO};
pub use smtp_reply::{LineTooLong, Reply, ReplyReader};
pub use tcp::TcpProbe;
pub use udp::{UdpConfig, UdpProbe};

use crate::error::FailReason;

/// The outcome of feeding one event to a probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The attempt goes on.
    Pending,
    /// The attempt (or the current step of a multi-step check) succeeded.
    Pass,
    /// The attempt failed.
    Fail(FailReason),
}
