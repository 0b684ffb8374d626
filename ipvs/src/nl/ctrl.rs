//! The one answer needed from nlctrl: the id of a family. Parsed by hand, ignoring every other
//! attribute, so a kernel that adds controller attributes cannot break family resolution.

use super::parse_nlas;
use netlink_packet_core::{parse_u16, DecodeError, ParseableParametrized};
use netlink_packet_generic::GenlHeader;

/// `CTRL_ATTR_FAMILY_ID` (linux/genetlink.h).
const CTRL_ATTR_FAMILY_ID: u16 = 1;

/// The `CTRL_CMD_NEWFAMILY` reply to `CTRL_CMD_GETFAMILY`, reduced to the family id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FamilyIdReply(pub Option<u16>);

impl ParseableParametrized<[u8], GenlHeader> for FamilyIdReply {
    fn parse_with_param(buf: &[u8], _header: GenlHeader) -> Result<Self, DecodeError> {
        let ids = parse_nlas(buf, "nlctrl", |nla| {
            (nla.kind() == CTRL_ATTR_FAMILY_ID)
                .then(|| parse_u16(nla.value()))
                .transpose()
        })?;
        Ok(FamilyIdReply(ids.into_iter().flatten().next()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_id_among_unknown_attributes() {
        #[rustfmt::skip]
        let attrs: &[u8] = &[
            0x09, 0x00, 0x02, 0x00, b'I', b'P', b'V', b'S', 0x00, 0, 0, 0, // FAMILY_NAME "IPVS"
            0x06, 0x00, 0x01, 0x00, 0x23, 0x00, 0x00, 0x00,             // FAMILY_ID 0x23
            0x08, 0x00, 0x63, 0x00, 1, 2, 3, 4,                         // attr 99, unknown
        ];
        let h = GenlHeader { cmd: 1, version: 2 };
        assert_eq!(
            FamilyIdReply::parse_with_param(attrs, h).unwrap(),
            FamilyIdReply(Some(0x23))
        );
    }
}
