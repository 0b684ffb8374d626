//! `IPVS_STATS_ATTR_*`, nested in `IPVS_SVC_ATTR_STATS{,64}` and `IPVS_DEST_ATTR_STATS{,64}`.
//!
//! The two nests share attribute numbers but not widths: in `*_STATS` the counters of
//! connections, packets and rates are `u32` and only the byte counters are `u64`; in `*_STATS64`
//! every counter is `u64` (written with `nla_put_u64_64bit`, which may insert a zero-length
//! `IPVS_STATS_ATTR_PAD` for alignment). [`StatsNla`] holds every value as `u64`; the enclosing
//! attribute decides the width on emit (see [`StatsWidth`]), and parsing accepts 4 or 8 bytes for
//! any counter.

use super::constants::*;
use netlink_packet_core::{emit_u32, emit_u64, DecodeError, DefaultNla, Nla, NlaBuffer};

/// Which nest a statistics list lives in, hence the width of its narrow counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsWidth {
    /// `*_ATTR_STATS` (`struct ip_vs_stats_user` widths).
    Legacy,
    /// `*_ATTR_STATS64`.
    Wide,
}

/// One statistics attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsNla {
    /// `IPVS_STATS_ATTR_CONNS`: connections scheduled.
    Conns(u64),
    /// `IPVS_STATS_ATTR_INPKTS`: incoming packets.
    InPkts(u64),
    /// `IPVS_STATS_ATTR_OUTPKTS`: outgoing packets.
    OutPkts(u64),
    /// `IPVS_STATS_ATTR_INBYTES`: incoming bytes.
    InBytes(u64),
    /// `IPVS_STATS_ATTR_OUTBYTES`: outgoing bytes.
    OutBytes(u64),
    /// `IPVS_STATS_ATTR_CPS`: current connection rate.
    Cps(u64),
    /// `IPVS_STATS_ATTR_INPPS`: current incoming packet rate.
    InPps(u64),
    /// `IPVS_STATS_ATTR_OUTPPS`: current outgoing packet rate.
    OutPps(u64),
    /// `IPVS_STATS_ATTR_INBPS`: current incoming byte rate.
    InBps(u64),
    /// `IPVS_STATS_ATTR_OUTBPS`: current outgoing byte rate.
    OutBps(u64),
    /// `IPVS_STATS_ATTR_PAD`: alignment padding, empty.
    Pad,
    /// An attribute this crate does not know, kept as is.
    Other(DefaultNla),
}

impl StatsNla {
    /// Parses one attribute; counters may be 4 or 8 bytes whatever the nest.
    pub fn parse(nla: &NlaBuffer<&[u8]>) -> Result<Self, DecodeError> {
        let v = nla.value();
        let num = || -> Result<u64, DecodeError> {
            match v.len() {
                4 => Ok(u64::from(u32::from_ne_bytes([v[0], v[1], v[2], v[3]]))),
                8 => {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(v);
                    Ok(u64::from_ne_bytes(b))
                }
                n => Err(DecodeError::invalid_number(8, n)),
            }
        };
        Ok(match nla.kind() {
            IPVS_STATS_ATTR_CONNS => StatsNla::Conns(num()?),
            IPVS_STATS_ATTR_INPKTS => StatsNla::InPkts(num()?),
            IPVS_STATS_ATTR_OUTPKTS => StatsNla::OutPkts(num()?),
            IPVS_STATS_ATTR_INBYTES => StatsNla::InBytes(num()?),
            IPVS_STATS_ATTR_OUTBYTES => StatsNla::OutBytes(num()?),
            IPVS_STATS_ATTR_CPS => StatsNla::Cps(num()?),
            IPVS_STATS_ATTR_INPPS => StatsNla::InPps(num()?),
            IPVS_STATS_ATTR_OUTPPS => StatsNla::OutPps(num()?),
            IPVS_STATS_ATTR_INBPS => StatsNla::InBps(num()?),
            IPVS_STATS_ATTR_OUTBPS => StatsNla::OutBps(num()?),
            IPVS_STATS_ATTR_PAD if v.is_empty() => StatsNla::Pad,
            _ => StatsNla::Other(super::parse_other(nla)?),
        })
    }

    fn kind(&self) -> u16 {
        match self {
            StatsNla::Conns(_) => IPVS_STATS_ATTR_CONNS,
            StatsNla::InPkts(_) => IPVS_STATS_ATTR_INPKTS,
            StatsNla::OutPkts(_) => IPVS_STATS_ATTR_OUTPKTS,
            StatsNla::InBytes(_) => IPVS_STATS_ATTR_INBYTES,
            StatsNla::OutBytes(_) => IPVS_STATS_ATTR_OUTBYTES,
            StatsNla::Cps(_) => IPVS_STATS_ATTR_CPS,
            StatsNla::InPps(_) => IPVS_STATS_ATTR_INPPS,
            StatsNla::OutPps(_) => IPVS_STATS_ATTR_OUTPPS,
            StatsNla::InBps(_) => IPVS_STATS_ATTR_INBPS,
            StatsNla::OutBps(_) => IPVS_STATS_ATTR_OUTBPS,
            StatsNla::Pad => IPVS_STATS_ATTR_PAD,
            StatsNla::Other(o) => o.kind(),
        }
    }

    fn value(&self) -> Option<u64> {
        match *self {
            StatsNla::Conns(v)
            | StatsNla::InPkts(v)
            | StatsNla::OutPkts(v)
            | StatsNla::InBytes(v)
            | StatsNla::OutBytes(v)
            | StatsNla::Cps(v)
            | StatsNla::InPps(v)
            | StatsNla::OutPps(v)
            | StatsNla::InBps(v)
            | StatsNla::OutBps(v) => Some(v),
            StatsNla::Pad | StatsNla::Other(_) => None,
        }
    }

    /// Width of the value in `width`'s nest: the byte counters are always 64-bit.
    fn value_width(&self, width: StatsWidth) -> usize {
        match (self, width) {
            (StatsNla::Pad, _) => 0,
            (StatsNla::Other(o), _) => o.value_len(),
            (_, StatsWidth::Wide) | (StatsNla::InBytes(_) | StatsNla::OutBytes(_), _) => 8,
            _ => 4,
        }
    }
}

/// A [`StatsNla`] bound to the nest it is emitted in.
#[derive(Debug)]
pub(crate) struct SizedStats<'a> {
    pub(crate) nla: &'a StatsNla,
    pub(crate) width: StatsWidth,
}

impl Nla for SizedStats<'_> {
    fn value_len(&self) -> usize {
        self.nla.value_width(self.width)
    }

    fn kind(&self) -> u16 {
        self.nla.kind()
    }

    fn emit_value(&self, buffer: &mut [u8]) {
        match (self.nla, self.nla.value()) {
            (StatsNla::Other(o), _) => o.emit_value(buffer),
            (_, Some(v)) if self.value_len() == 8 => {
                emit_u64(buffer, v).expect("sized by value_len");
            }
            // Narrow counter: the kernel's u32 wraps, and so do we.
            (_, Some(v)) => emit_u32(buffer, v as u32).expect("sized by value_len"),
            (_, None) => {}
        }
    }
}

/// Emitted length of a stats nest's payload.
pub(crate) fn stats_len(nlas: &[StatsNla], width: StatsWidth) -> usize {
    use netlink_packet_core::Emitable;
    nlas.iter()
        .map(|nla| SizedStats { nla, width }.buffer_len())
        .sum()
}

/// Emits a stats nest's payload.
pub(crate) fn emit_stats(nlas: &[StatsNla], width: StatsWidth, buf: &mut [u8]) {
    use netlink_packet_core::Emitable;
    let mut at = 0;
    for nla in nlas {
        let s = SizedStats { nla, width };
        let len = s.buffer_len();
        s.emit(&mut buf[at..at + len]);
        at += len;
    }
}

/// Parses a stats nest's payload.
pub(crate) fn parse_stats(buf: &[u8]) -> Result<Vec<StatsNla>, DecodeError> {
    super::parse_nlas(buf, "stats", StatsNla::parse)
}
