//! Receive counters: one per [`RxError`] variant, plus the accepted-advert counters, and the
//! aggregates keepalived reports in its statistics dump (`vrrp_stats_t`, `SIGUSR2`) and SNMP.

use crate::error::RxError;
use crate::rx::Advert;

/// Per-instance receive counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub struct RxStats {
    /// Adverts that passed type, version, length and checksum (keepalived `advert_rcvd`; like
    /// keepalived, also counts adverts then dropped by the address or peer checks).
    pub advert_rcvd: u64,
    /// Accepted adverts with priority 0 (`pri_zero_rcvd`).
    pub pri_zero_rcvd: u64,
    /// [`RxError::Truncated`].
    pub truncated: u64,
    /// [`RxError::IpVersion`].
    pub ip_version: u64,
    /// [`RxError::IpHeaderLen`].
    pub ip_header_len: u64,
    /// [`RxError::IpProtocol`].
    pub ip_protocol: u64,
    /// [`RxError::FamilyMismatch`].
    pub family_mismatch: u64,
    /// [`RxError::VridMismatch`].
    pub vrid_mismatch: u64,
    /// [`RxError::AhPresenceMismatch`].
    pub ah_presence_mismatch: u64,
    /// [`RxError::LengthMismatch`].
    pub length_mismatch: u64,
    /// [`RxError::TtlNot255`].
    pub ttl_not_255: u64,
    /// [`RxError::VersionMismatch`].
    pub version_mismatch: u64,
    /// [`RxError::InvalidAuthType`].
    pub invalid_auth_type: u64,
    /// [`RxError::AuthTypeMismatch`].
    pub auth_type_mismatch: u64,
    /// [`RxError::AuthPassMismatch`].
    pub auth_pass_mismatch: u64,
    /// [`RxError::AhNextHeader`].
    pub ah_next_header: u64,
    /// [`RxError::AhIcvMismatch`].
    pub ah_icv_mismatch: u64,
    /// [`RxError::AhSpiMismatch`].
    pub ah_spi_mismatch: u64,
    /// [`RxError::AhReplay`].
    pub ah_replay: u64,
    /// [`RxError::AdverIntMismatch`].
    pub adver_int_mismatch: u64,
    /// [`RxError::InvalidType`].
    pub invalid_type: u64,
    /// [`RxError::AddrCountMismatch`].
    pub addr_count_mismatch: u64,
    /// [`RxError::IpTotalLength`].
    pub ip_total_length: u64,
    /// [`RxError::Checksum`].
    pub checksum: u64,
    /// [`RxError::CastMismatch`].
    pub cast_mismatch: u64,
    /// [`RxError::VipMissing`].
    pub vip_missing: u64,
    /// [`RxError::UnicastSrcNotPeer`].
    pub unicast_src_not_peer: u64,
    /// [`RxError::TtlOutOfRange`].
    pub ttl_out_of_range: u64,
}

impl RxStats {
    /// Counts the outcome of one [`crate::rx::validate`] call.
    pub fn record(&mut self, outcome: &Result<Advert<'_>, RxError>) {
        match outcome {
            Ok(a) => self.record_ok(a),
            Err(e) => self.record_err(e),
        }
    }

    /// Counts an accepted advert.
    pub fn record_ok(&mut self, advert: &Advert<'_>) {
        self.advert_rcvd += 1;
        if advert.priority == 0 {
            self.pri_zero_rcvd += 1;
        }
    }

    /// Counts a dropped packet.
    pub fn record_err(&mut self, err: &RxError) {
        let c = match err {
            RxError::Truncated { .. } => &mut self.truncated,
            RxError::IpVersion { .. } => &mut self.ip_version,
            RxError::IpHeaderLen { .. } => &mut self.ip_header_len,
            RxError::IpProtocol { .. } => &mut self.ip_protocol,
            RxError::FamilyMismatch { .. } => &mut self.family_mismatch,
            RxError::VridMismatch { .. } => &mut self.vrid_mismatch,
            RxError::AhPresenceMismatch { .. } => &mut self.ah_presence_mismatch,
            RxError::LengthMismatch { .. } => &mut self.length_mismatch,
            RxError::TtlNot255 { .. } => &mut self.ttl_not_255,
            RxError::VersionMismatch { .. } => &mut self.version_mismatch,
            RxError::InvalidAuthType { .. } => &mut self.invalid_auth_type,
            RxError::AuthTypeMismatch { .. } => &mut self.auth_type_mismatch,
            RxError::AuthPassMismatch { .. } => &mut self.auth_pass_mismatch,
            RxError::AhNextHeader { .. } => &mut self.ah_next_header,
            RxError::AhIcvMismatch { .. } => &mut self.ah_icv_mismatch,
            RxError::AhSpiMismatch { .. } => &mut self.ah_spi_mismatch,
            RxError::AhReplay { .. } => &mut self.ah_replay,
            RxError::AdverIntMismatch { .. } => &mut self.adver_int_mismatch,
            RxError::InvalidType { .. } => &mut self.invalid_type,
            RxError::AddrCountMismatch { .. } => &mut self.addr_count_mismatch,
            RxError::IpTotalLength { .. } => &mut self.ip_total_length,
            RxError::Checksum { .. } => &mut self.checksum,
            RxError::CastMismatch { .. } => &mut self.cast_mismatch,
            RxError::VipMissing { .. } => &mut self.vip_missing,
            RxError::UnicastSrcNotPeer { .. } => &mut self.unicast_src_not_peer,
            RxError::TtlOutOfRange { .. } => &mut self.ttl_out_of_range,
        };
        *c += 1;
        // keepalived counts an advert as received once it passed the checksum and cast
        // checks, before looking at addresses and peers.
        if matches!(
            err,
            RxError::VipMissing { .. }
                | RxError::UnicastSrcNotPeer { .. }
                | RxError::TtlOutOfRange { .. }
        ) {
            self.advert_rcvd += 1;
        }
    }

    /// keepalived `packet_len_err`: wrong length or IPv4 total length.
    #[must_use]
    pub fn packet_len_err(&self) -> u64 {
        self.length_mismatch + self.ip_total_length
    }

    /// keepalived `ip_ttl_err`: TTL not 255, or outside a unicast peer's range.
    #[must_use]
    pub fn ip_ttl_err(&self) -> u64 {
        self.ttl_not_255 + self.ttl_out_of_range
    }

    /// keepalived `invalid_type_rcvd`.
    #[must_use]
    pub fn invalid_type_rcvd(&self) -> u64 {
        self.invalid_type
    }

    /// keepalived `addr_list_err`: count, cast or VIP mismatch.
    #[must_use]
    pub fn addr_list_err(&self) -> u64 {
        self.addr_count_mismatch + self.cast_mismatch + self.vip_missing
    }

    /// keepalived `advert_interval_err`.
    #[must_use]
    pub fn advert_interval_err(&self) -> u64 {
        self.adver_int_mismatch
    }

    /// keepalived `invalid_authtype`.
    #[must_use]
    pub fn invalid_authtype(&self) -> u64 {
        self.invalid_auth_type
    }

    /// keepalived `authtype_mismatch`: auth type differs, or AH header presence differs.
    #[must_use]
    pub fn authtype_mismatch(&self) -> u64 {
        self.auth_type_mismatch + self.ah_presence_mismatch
    }

    /// keepalived `auth_failure`: bad password, or AH ICV, SPI or sequence number.
    #[must_use]
    pub fn auth_failure(&self) -> u64 {
        self.auth_pass_mismatch + self.ah_icv_mismatch + self.ah_spi_mismatch + self.ah_replay
    }

    /// SNMP `chk_err`.
    #[must_use]
    pub fn chk_err(&self) -> u64 {
        self.checksum
    }

    /// SNMP `vers_err`.
    #[must_use]
    pub fn vers_err(&self) -> u64 {
        self.version_mismatch
    }

    /// SNMP `vrid_err`.
    #[must_use]
    pub fn vrid_err(&self) -> u64 {
        self.vrid_mismatch
    }

    /// Every dropped packet.
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.truncated
            + self.ip_version
            + self.ip_header_len
            + self.ip_protocol
            + self.family_mismatch
            + self.vrid_mismatch
            + self.ah_presence_mismatch
            + self.length_mismatch
            + self.ttl_not_255
            + self.version_mismatch
            + self.invalid_auth_type
            + self.auth_type_mismatch
            + self.auth_pass_mismatch
            + self.ah_next_header
            + self.ah_icv_mismatch
            + self.ah_spi_mismatch
            + self.ah_replay
            + self.adver_int_mismatch
            + self.invalid_type
            + self.addr_count_mismatch
            + self.ip_total_length
            + self.checksum
            + self.cast_mismatch
            + self.vip_missing
            + self.unicast_src_not_peer
            + self.ttl_out_of_range
    }
}
