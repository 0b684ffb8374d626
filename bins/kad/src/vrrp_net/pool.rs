//! The socket pool: one [`RxSocket`] + [`TxSocket`] pair per [`SockKey`], shared by the
//! instances with that key, and demultiplexing of received adverts by VRID (keepalived
//! `vrrp_dispatcher_read`: `vrrp_get_header` then a lookup by VRID).

use std::collections::HashMap;
use std::net::IpAddr;

use keepalive_vrrp::error::RxError;
use keepalive_vrrp::rx::{locate, RxMeta};

use super::error::NetError;
use super::link::Link;
use super::socket::{Mode, Proto, RxSocket, SockKey, TxOpts, TxSocket};

/// Index of a pool entry; stable while the entry exists, so it can serve as a
/// `mio::Token`. Indices of closed entries are reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SockId(pub usize);

/// What one received datagram is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery<T> {
    /// For the instance registered under the advert's VRID: pass `buf[..len]` and `meta`
    /// to its `handle_packet`.
    Instance {
        /// The handle given to [`SocketPool::register`].
        handle: T,
        /// Bytes in the buffer.
        len: usize,
        /// Receive metadata.
        meta: RxMeta,
    },
    /// A well-formed header with a VRID no instance on this socket has (keepalived logs
    /// it under `log_unknown_vrids`).
    UnknownVrid {
        /// The VRID.
        vrid: u8,
        /// Receive metadata.
        meta: RxMeta,
    },
    /// Too short or not VRRP: no instance to count it against.
    Malformed {
        /// Why `rx::locate` refused it.
        error: RxError,
        /// Receive metadata.
        meta: RxMeta,
    },
}

#[derive(Debug)]
struct Entry<T> {
    rx: RxSocket,
    tx: TxSocket,
    vrids: HashMap<u8, T>,
}

/// All VRRP sockets of the process, keyed by [`SockKey`]; `T` is the caller's handle for
/// an instance (an index, or a (sync group, member) pair).
#[derive(Debug)]
pub struct SocketPool<T> {
    entries: Vec<Option<Entry<T>>>,
    rcvbuf: Option<usize>,
}

impl<T: Copy> Default for SocketPool<T> {
    fn default() -> SocketPool<T> {
        SocketPool::new(None)
    }
}

impl<T: Copy> SocketPool<T> {
    /// An empty pool; receive sockets get `rcvbuf` bytes of buffer (`None`: the kernel
    /// default).
    #[must_use]
    pub fn new(rcvbuf: Option<usize>) -> SocketPool<T> {
        SocketPool {
            entries: Vec::new(),
            rcvbuf,
        }
    }

    /// Registers an instance: opens the entry for `key` on `link` if it is not open yet,
    /// and routes adverts with `vrid` on it to `handle`. A newly opened entry's receive
    /// socket must then be registered with the event loop ([`SocketPool::rx_mut`]).
    pub fn register(
        &mut self,
        link: &Link,
        key: SockKey,
        vrid: u8,
        handle: T,
    ) -> Result<SockId, NetError> {
        let id = match self.find(&key) {
            Some(id) => id,
            None => {
                let entry = Entry {
                    rx: RxSocket::open(link, key, self.rcvbuf)?,
                    tx: TxSocket::open(link, key)?,
                    vrids: HashMap::new(),
                };
                let slot = self.entries.iter().position(Option::is_none);
                match slot {
                    Some(i) => {
                        self.entries[i] = Some(entry);
                        SockId(i)
                    }
                    None => {
                        self.entries.push(Some(entry));
                        SockId(self.entries.len() - 1)
                    }
                }
            }
        };
        let entry = self.entries[id.0]
            .as_mut()
            .expect("entry just found or made");
        if entry.vrids.contains_key(&vrid) {
            return Err(NetError::DuplicateVrid { vrid });
        }
        entry.vrids.insert(vrid, handle);
        Ok(id)
    }

    /// Removes an instance; the entry's sockets close with its last instance (closing
    /// removes them from epoll). Returns the handle that was registered.
    pub fn unregister(&mut self, id: SockId, vrid: u8) -> Option<T> {
        let slot = self.entries.get_mut(id.0)?;
        let entry = slot.as_mut()?;
        let handle = entry.vrids.remove(&vrid);
        if entry.vrids.is_empty() {
            *slot = None;
        }
        handle
    }

    /// The entry for `key`, if open.
    #[must_use]
    pub fn find(&self, key: &SockKey) -> Option<SockId> {
        self.entries
            .iter()
            .position(|e| e.as_ref().is_some_and(|e| e.rx.key() == key))
            .map(SockId)
    }

    /// keepalived's `-D` line for each open entry ("VRRP sockpool: [ifindex(  3), …]").
    pub fn describe(&self) -> Vec<String> {
        use std::os::fd::AsRawFd;
        self.entries
            .iter()
            .flatten()
            .map(|e| {
                let key = e.rx.key();
                let (family, rest) = match key.mode {
                    Mode::Multicast { group } => (group, format!(" multicast, address({group})")),
                    Mode::Unicast { src } => (src, format!(" unicast, src_address({src})")),
                };
                let family = if family.is_ipv4() { "IPv4" } else { "IPv6" };
                let proto = match key.proto {
                    Proto::Vrrp => 112,
                    Proto::Ah => 51,
                };
                format!(
                    "VRRP sockpool: [ifindex({:3}), family({family}), proto({proto}), fd({},{}){rest}]",
                    key.ifindex,
                    e.rx.as_raw_fd(),
                    e.tx.as_raw_fd()
                )
            })
            .collect()
    }

    /// The open entries.
    pub fn ids(&self) -> impl Iterator<Item = SockId> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.is_some())
            .map(|(i, _)| SockId(i))
    }

    /// The receive socket of an entry, to register it with mio.
    pub fn rx_mut(&mut self, id: SockId) -> Option<&mut RxSocket> {
        self.entry_mut(id).map(|e| &mut e.rx)
    }

    /// The receive socket of an entry.
    #[must_use]
    pub fn rx(&self, id: SockId) -> Option<&RxSocket> {
        self.entry(id).map(|e| &e.rx)
    }

    /// The send socket of an entry.
    #[must_use]
    pub fn tx(&self, id: SockId) -> Option<&TxSocket> {
        self.entry(id).map(|e| &e.tx)
    }

    /// Reads one datagram from entry `id` into `buf` and says whom it is for; `Ok(None)`
    /// when the socket is drained (or the entry is gone). Call until `Ok(None)` on each
    /// readiness event (mio is edge-triggered); a [`NetError::Truncated`] concerns one
    /// datagram only, so keep reading after it.
    pub fn recv(&self, id: SockId, buf: &mut [u8]) -> Result<Option<Delivery<T>>, NetError> {
        let Some(entry) = self.entry(id) else {
            return Ok(None);
        };
        let Some((len, meta)) = entry.rx.recv(buf)? else {
            return Ok(None);
        };
        let delivery = match locate(&buf[..len], entry.rx.key().family()) {
            Err(error) => Delivery::Malformed { error, meta },
            Ok(loc) => match entry.vrids.get(&loc.vrid) {
                Some(&handle) => Delivery::Instance { handle, len, meta },
                None => Delivery::UnknownVrid {
                    vrid: loc.vrid,
                    meta,
                },
            },
        };
        Ok(Some(delivery))
    }

    /// Sends an advert on entry `id` (`Action::SendAdvert { bytes, dst, .. }`).
    pub fn send_advert(
        &self,
        id: SockId,
        bytes: &[u8],
        dst: IpAddr,
        opts: &TxOpts,
    ) -> Result<(), NetError> {
        match self.entry(id) {
            Some(entry) => entry.tx.send(bytes, dst, opts),
            None => Err(NetError::SendAdvert {
                dst,
                source: std::io::Error::from(std::io::ErrorKind::NotConnected),
            }),
        }
    }

    fn entry(&self, id: SockId) -> Option<&Entry<T>> {
        self.entries.get(id.0).and_then(Option::as_ref)
    }

    fn entry_mut(&mut self, id: SockId) -> Option<&mut Entry<T>> {
        self.entries.get_mut(id.0).and_then(Option::as_mut)
    }
}
