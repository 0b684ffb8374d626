//! Variable bindings (RFC 2741 §5.4): a type, a name and a value.
//!
//! ```text
//! +---------------+---------------+---------------+---------------+
//! |          v.type               |          <reserved>           |
//! +---------------+---------------+---------------+---------------+
//! |  v.name (Object Identifier) ... | v.data (by type) ...          |
//! +---------------------------------------------------------------+
//! ```

use std::net::IpAddr;

use super::error::DecodeError;
use super::oid::Oid;
use super::wire::{put_octets, put_u16, put_u32, Reader};

/// A value, by its SMI type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Value {
    Integer(i32),
    OctetString(Vec<u8>),
    Null,
    ObjectIdentifier(Oid),
    IpAddress([u8; 4]),
    Counter32(u32),
    Gauge32(u32),
    TimeTicks(u32),
    Opaque(Vec<u8>),
    Counter64(u64),
    /// The exceptions a response carries instead of a value (§5.4).
    NoSuchObject,
    NoSuchInstance,
    EndOfMibView,
}

impl Value {
    /// A DisplayString.
    pub fn string(s: &str) -> Value {
        Value::OctetString(s.as_bytes().to_vec())
    }

    /// An `InetAddress` as keepalived's MIBs carry it: the 4 or 16 address octets.
    pub fn inet(a: IpAddr) -> Value {
        match a {
            IpAddr::V4(a) => Value::OctetString(a.octets().to_vec()),
            IpAddr::V6(a) => Value::OctetString(a.octets().to_vec()),
        }
    }

    /// A `TruthValue`: true(1), false(2).
    pub fn truth(b: bool) -> Value {
        Value::Integer(if b { 1 } else { 2 })
    }

    fn code(&self) -> u16 {
        match self {
            Value::Integer(_) => 2,
            Value::OctetString(_) => 4,
            Value::Null => 5,
            Value::ObjectIdentifier(_) => 6,
            Value::IpAddress(_) => 64,
            Value::Counter32(_) => 65,
            Value::Gauge32(_) => 66,
            Value::TimeTicks(_) => 67,
            Value::Opaque(_) => 68,
            Value::Counter64(_) => 70,
            Value::NoSuchObject => 128,
            Value::NoSuchInstance => 129,
            Value::EndOfMibView => 130,
        }
    }
}

/// A name and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarBind {
    /// The object instance.
    pub name: Oid,
    /// Its value, or an exception.
    pub value: Value,
}

impl VarBind {
    /// A binding.
    pub fn new(name: Oid, value: Value) -> VarBind {
        VarBind { name, value }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<VarBind, DecodeError> {
        let code = r.u16("varbind type")?;
        r.u16("varbind type")?;
        let (name, _) = Oid::read(r)?;
        let value = match code {
            2 => Value::Integer(r.u32("integer")? as i32),
            4 => Value::OctetString(r.octets("octet string")?.to_vec()),
            5 => Value::Null,
            6 => Value::ObjectIdentifier(Oid::read(r)?.0),
            64 => {
                let b = r.octets("ip address")?;
                let a: [u8; 4] = b
                    .try_into()
                    .map_err(|_| DecodeError::Truncated("ip address"))?;
                Value::IpAddress(a)
            }
            65 => Value::Counter32(r.u32("counter32")?),
            66 => Value::Gauge32(r.u32("gauge32")?),
            67 => Value::TimeTicks(r.u32("timeticks")?),
            68 => Value::Opaque(r.octets("opaque")?.to_vec()),
            70 => Value::Counter64(r.u64("counter64")?),
            128 => Value::NoSuchObject,
            129 => Value::NoSuchInstance,
            130 => Value::EndOfMibView,
            other => return Err(DecodeError::UnknownValueType(other)),
        };
        Ok(VarBind { name, value })
    }

    pub(crate) fn emit(&self, out: &mut Vec<u8>) {
        put_u16(out, self.value.code());
        put_u16(out, 0);
        self.name.emit(false, out);
        match &self.value {
            Value::Integer(v) => put_u32(out, *v as u32),
            Value::OctetString(s) | Value::Opaque(s) => put_octets(out, s),
            Value::ObjectIdentifier(o) => o.emit(false, out),
            Value::IpAddress(a) => put_octets(out, a),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => put_u32(out, *v),
            Value::Counter64(v) => {
                put_u32(out, (v >> 32) as u32);
                put_u32(out, *v as u32);
            }
            Value::Null | Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => {}
        }
    }
}
