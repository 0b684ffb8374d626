//! The instance's use of the codec: building its adverts and validating received ones.

use std::net::IpAddr;

use crate::auth::{AhSeqCounter, Auth};
use crate::config::InstanceConfig;
use crate::error::RxError;
use crate::ip::{emit_ipv4, ipv4_buffer_len, AhTx, Ipv4Tx, TOS_INTERNETWORK_CONTROL};
use crate::packet::{AdverInt, AdvertRepr, VipList, VRRP_TTL};
use crate::priority::Priority;
use crate::rx::{validate, ChecksumKind, ChecksumPolicy, OldUnicastChecksum, RxCheck, RxMeta};
use crate::stats::RxStats;

/// What the state machine needs from a validated advert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReceivedAdvert {
    /// The sender's priority.
    pub priority: Priority,
    /// The sender's address.
    pub src: IpAddr,
    /// The sender's advert interval.
    pub adver_int: AdverInt,
    /// The AH sequence number, if the advert had AH.
    pub ah_seq: Option<u32>,
}

/// Per-instance codec state: the advert template, IPv4 identification, AH sequence, and
/// the checksum policy (which can switch to old-style on detection).
#[derive(Debug)]
pub(crate) struct Wire {
    repr: AdvertRepr,
    ident: u16,
    ah: AhSeqCounter,
    checksum: ChecksumPolicy,
    peers: Vec<crate::rx::UnicastPeer>,
}

impl Wire {
    pub(crate) fn new(config: &InstanceConfig, first_ident: u16) -> Self {
        let addrs = match config.primary_addr {
            IpAddr::V4(_) => VipList::V4(
                config
                    .vips
                    .iter()
                    .filter_map(|a| match a {
                        IpAddr::V4(a) => Some(*a),
                        IpAddr::V6(_) => None,
                    })
                    .collect(),
            ),
            IpAddr::V6(_) => VipList::V6(
                config
                    .vips
                    .iter()
                    .filter_map(|a| match a {
                        IpAddr::V6(a) => Some(*a),
                        IpAddr::V4(_) => None,
                    })
                    .collect(),
            ),
        };
        Self {
            repr: AdvertRepr {
                version: config.version,
                vrid: config.vrid,
                priority: config.priority.0,
                adver_int: config.advert_interval,
                auth_type: config.auth.auth_type(),
                auth_data: config.auth.auth_data(),
                addrs,
            },
            ident: first_ident,
            ah: AhSeqCounter::default(),
            checksum: config.checksum,
            peers: config.unicast_peers.clone(),
        }
    }

    /// One packet per destination. IPv4 packets carry their IPv4 header (keepalived sends
    /// with `IP_HDRINCL`); IPv6 packets are the VRRP message. An advert the codec refuses
    /// (a configuration `validate` would have rejected) is not sent.
    pub(crate) fn emit(
        &mut self,
        config: &InstanceConfig,
        priority: Priority,
    ) -> Vec<(Vec<u8>, IpAddr)> {
        self.repr.priority = priority.0;
        let unicast = !config.unicast_peers.is_empty();
        let mut out = Vec::new();
        for dst in config.destinations() {
            let csum = self
                .checksum
                .tx_checksum(config.version, config.primary_addr, dst);
            let bytes = match (config.primary_addr, dst) {
                (IpAddr::V4(src), IpAddr::V4(dst4)) => {
                    // keepalived increments the identification per advert and skips 0.
                    self.ident = self.ident.wrapping_add(1).max(1);
                    let ip = Ipv4Tx {
                        src,
                        dst: dst4,
                        ttl: if unicast {
                            config.unicast_ttl
                        } else {
                            VRRP_TTL
                        },
                        ident: self.ident,
                        tos: TOS_INTERNETWORK_CONTROL,
                    };
                    let key = match &config.auth {
                        Auth::Ah(key) => Some(key),
                        _ => None,
                    };
                    let ah = key.map(|key| AhTx {
                        key,
                        seq: self.ah.next_tx(),
                        unicast,
                    });
                    let mut buf = vec![0; ipv4_buffer_len(&self.repr, ah.is_some())];
                    match emit_ipv4(&self.repr, &ip, &csum, ah.as_ref(), &mut buf) {
                        Ok(n) => {
                            buf.truncate(n);
                            buf
                        }
                        Err(_) => continue,
                    }
                }
                _ => {
                    let mut buf = vec![0; self.repr.buffer_len()];
                    match self.repr.emit(&mut buf, &csum) {
                        Ok(n) => {
                            buf.truncate(n);
                            buf
                        }
                        Err(_) => continue,
                    }
                }
            };
            out.push((bytes, dst));
        }
        out
    }

    /// Validates a received packet against the instance (keepalived `vrrp_check_packet`)
    /// and counts the outcome. `known_master` enables `skip_check_adv_addr`.
    pub(crate) fn receive(
        &mut self,
        config: &InstanceConfig,
        bytes: &[u8],
        meta: &RxMeta,
        known_master: Option<IpAddr>,
        backup: bool,
        stats: &mut RxStats,
    ) -> Result<ReceivedAdvert, RxError> {
        let check = RxCheck {
            version: config.version,
            family: config.family(),
            vrid: config.vrid,
            auth: config.auth,
            ah_seq_floor: self.ah.floor(),
            adver_int: config.advert_interval,
            vips: &config.vips,
            unicast_peers: &self.peers,
            check_unicast_src: config.check_unicast_src,
            check_vips: !(config.skip_check_adv_addr && known_master == Some(meta.src)),
            checksum: self.checksum,
        };
        let outcome = validate(bytes, meta, &check);
        stats.record(&outcome);
        let advert = outcome?;
        if advert.checksum == ChecksumKind::PseudoMcastDst
            && self.checksum.old_unicast == OldUnicastChecksum::Detect
        {
            // keepalived switches to the old-style checksum for good once it sees one.
            self.checksum.old_unicast = OldUnicastChecksum::Always;
        }
        if let Some(seq) = advert.ah_seq {
            self.ah.accept_rx(seq, backup);
        }
        Ok(ReceivedAdvert {
            priority: Priority(advert.priority),
            src: advert.src,
            adver_int: advert.adver_int,
            ah_seq: advert.ah_seq,
        })
    }

    /// On becoming master a cycled AH counter restarts.
    pub(crate) fn become_master(&mut self) {
        self.ah.reset_if_cycled();
    }

    /// A master that hears a lower-priority AH advert adopts its sequence number + 1.
    pub(crate) fn sync_ah_from_lower(&mut self, seq: u32) {
        self.ah.sync_from_lower(seq);
    }
}

/// Whether `a` is the higher address (RFC 5798 §6.4.3: "the primary IPvX Address of the
/// sender is greater than the local primary IPvX Address"), compared as unsigned integers
/// in network byte order.
pub(crate) fn addr_greater(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => u32::from(a) > u32::from(b),
        (IpAddr::V6(a), IpAddr::V6(b)) => u128::from(a) > u128::from(b),
        _ => false,
    }
}
