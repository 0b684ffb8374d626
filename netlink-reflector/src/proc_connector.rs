//! The kernel's process-events connector (`NETLINK_CONNECTOR`, `CN_IDX_PROC`): the
//! subscription request and the decoding of what it reports, as `vrrp_track_process` reads
//! them (keepalived's `track_process.c`). Pure bytes in and out; the socket is the caller's.
//!
//! Layout (`linux/connector.h`, `linux/cn_proc.h`): `struct nlmsghdr` (16 bytes),
//! `struct cn_msg` (20), then `struct proc_event` (what, cpu, timestamp_ns, event_data). The
//! kernel never chains messages here (see the alignment note in keepalived's
//! `handle_proc_ev`), so one datagram is one message.
//!
//! ```
//! use keepalive_netlink::proc_connector::{self, McastOp};
//! let request = proc_connector::mcast_request(McastOp::Listen);
//! assert_eq!(request.len(), 40);
//! // Anything that is not a well-formed process event decodes to None.
//! assert_eq!(proc_connector::parse(&request[..20]), None);
//! ```

/// `NETLINK_CONNECTOR` (`linux/netlink.h`): the socket's protocol.
pub const NETLINK_CONNECTOR: i32 = 11;
/// `CN_IDX_PROC` (`linux/connector.h`): the multicast group to bind to.
pub const CN_IDX_PROC: u32 = 1;
const CN_VAL_PROC: u32 = 1;

/// `enum what` of `struct proc_event`.
const PROC_EVENT_NONE: u32 = 0;
const PROC_EVENT_FORK: u32 = 1;
const PROC_EVENT_EXEC: u32 = 2;
const PROC_EVENT_COMM: u32 = 0x200;
const PROC_EVENT_EXIT: u32 = 0x8000_0000;

/// `NLMSG_NOOP`, `NLMSG_ERROR`, `NLMSG_DONE`.
const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

const NLMSG_HDR: usize = 16;
const CN_MSG: usize = NLMSG_HDR;
const PROC_EV: usize = CN_MSG + 20;
const EV_DATA: usize = PROC_EV + 16;

/// `enum proc_cn_mcast_op` (`linux/cn_proc.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McastOp {
    /// `PROC_CN_MCAST_LISTEN`: start sending events (needs CAP_NET_ADMIN in the initial user
    /// and PID namespaces; the kernel answers with an acknowledgement).
    Listen = 1,
    /// `PROC_CN_MCAST_IGNORE`: stop.
    Ignore = 2,
}

/// A decoded process event. Threads are reported as [`ProcEvent::Other`]:
/// `vrrp_track_process` counts processes only.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProcEvent {
    /// `PROC_EVENT_NONE`: the kernel acknowledging a [`McastOp`] request.
    Ack,
    /// A process (not a thread) was forked.
    Fork {
        /// The parent's thread-group id.
        parent: i32,
        /// The new process's id.
        child: i32,
    },
    /// A process called exec.
    Exec(i32),
    /// A process changed its name (`prctl(PR_SET_NAME)`); the new name, NUL stripped.
    Comm(i32, Vec<u8>),
    /// A process exited.
    Exit(i32),
    /// An event of a thread, or one `vrrp_track_process` does not use.
    Other,
}

/// One connector message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcMessage {
    /// The CPU that reported it: sequence numbers run per CPU.
    pub cpu: u32,
    /// `cn_msg.seq`: a gap means messages were lost.
    pub seq: u32,
    /// What happened.
    pub event: ProcEvent,
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    b.get(off..off + 4)
        .map(|s| u32::from_ne_bytes([s[0], s[1], s[2], s[3]]))
}

fn i32_at(b: &[u8], off: usize) -> Option<i32> {
    u32_at(b, off).map(|v| v as i32)
}

/// Decodes one datagram read from the connector socket, or `None` for anything that is not
/// a well-formed process event (netlink errors and no-ops included). Never panics: it is the
/// entry point of the `proc_connector` fuzz target.
pub fn parse(b: &[u8]) -> Option<ProcMessage> {
    let nl_len = u32_at(b, 0)? as usize;
    let nl_type = u16::from_ne_bytes([*b.get(4)?, *b.get(5)?]);
    if nl_len < NLMSG_HDR || nl_len > b.len() {
        return None;
    }
    if nl_type == NLMSG_ERROR || nl_type == NLMSG_NOOP {
        return None;
    }
    let b = &b[..nl_len];
    if u32_at(b, CN_MSG)? != CN_IDX_PROC || u32_at(b, CN_MSG + 4)? != CN_VAL_PROC {
        return None;
    }
    let seq = u32_at(b, CN_MSG + 8)?;
    let ack = u32_at(b, CN_MSG + 12)?;
    let what = u32_at(b, PROC_EV)?;
    let cpu = u32_at(b, PROC_EV + 4)?;
    // PROC_EVENT_NONE is the acknowledgement, and only it (handle_proc_ev).
    if (what == PROC_EVENT_NONE) != (ack != 0) {
        return None;
    }
    let event = match what {
        PROC_EVENT_NONE => ProcEvent::Ack,
        PROC_EVENT_FORK => {
            let parent_tgid = i32_at(b, EV_DATA + 4)?;
            let child_pid = i32_at(b, EV_DATA + 8)?;
            let child_tgid = i32_at(b, EV_DATA + 12)?;
            // A new thread has child_pid != child_tgid.
            if child_pid != child_tgid {
                ProcEvent::Other
            } else {
                ProcEvent::Fork {
                    parent: parent_tgid,
                    child: child_tgid,
                }
            }
        }
        PROC_EVENT_EXEC | PROC_EVENT_EXIT | PROC_EVENT_COMM => {
            let pid = i32_at(b, EV_DATA)?;
            let tgid = i32_at(b, EV_DATA + 4)?;
            if pid != tgid {
                ProcEvent::Other
            } else if what == PROC_EVENT_EXEC {
                ProcEvent::Exec(tgid)
            } else if what == PROC_EVENT_EXIT {
                ProcEvent::Exit(tgid)
            } else {
                let raw = b.get(EV_DATA + 8..EV_DATA + 24)?;
                let end = raw.iter().position(|&c| c == 0).unwrap_or(raw.len());
                ProcEvent::Comm(tgid, raw[..end].to_vec())
            }
        }
        _ => ProcEvent::Other,
    };
    Some(ProcMessage { cpu, seq, event })
}

/// The listen/ignore request: `nlmsghdr` + `cn_msg` + `enum proc_cn_mcast_op`.
pub fn mcast_request(op: McastOp) -> [u8; 40] {
    let mut m = [0u8; 40];
    m[0..4].copy_from_slice(&40u32.to_ne_bytes());
    m[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
    m[CN_MSG..CN_MSG + 4].copy_from_slice(&CN_IDX_PROC.to_ne_bytes());
    m[CN_MSG + 4..CN_MSG + 8].copy_from_slice(&CN_VAL_PROC.to_ne_bytes());
    m[CN_MSG + 16..CN_MSG + 18].copy_from_slice(&4u16.to_ne_bytes());
    m[PROC_EV..PROC_EV + 4].copy_from_slice(&(op as u32).to_ne_bytes());
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(what: u32, ack: u32, data: &[u32]) -> Vec<u8> {
        let mut m = vec![0u8; EV_DATA];
        for w in data {
            m.extend_from_slice(&w.to_ne_bytes());
        }
        m.resize(m.len().max(EV_DATA + 24), 0);
        let len = m.len() as u32;
        m[0..4].copy_from_slice(&len.to_ne_bytes());
        m[4..6].copy_from_slice(&NLMSG_DONE.to_ne_bytes());
        m[CN_MSG..CN_MSG + 4].copy_from_slice(&CN_IDX_PROC.to_ne_bytes());
        m[CN_MSG + 4..CN_MSG + 8].copy_from_slice(&CN_VAL_PROC.to_ne_bytes());
        m[CN_MSG + 8..CN_MSG + 12].copy_from_slice(&9u32.to_ne_bytes());
        m[CN_MSG + 12..CN_MSG + 16].copy_from_slice(&ack.to_ne_bytes());
        m[PROC_EV..PROC_EV + 4].copy_from_slice(&what.to_ne_bytes());
        m[PROC_EV + 4..PROC_EV + 8].copy_from_slice(&1u32.to_ne_bytes());
        m
    }

    #[test]
    fn messages_decoded() {
        let ev = |m: Vec<u8>| parse(&m).map(|x| x.event);
        assert_eq!(ev(message(PROC_EVENT_NONE, 1, &[0])), Some(ProcEvent::Ack));
        assert_eq!(ev(message(PROC_EVENT_NONE, 0, &[0])), None);
        assert_eq!(ev(message(PROC_EVENT_FORK, 1, &[1, 1, 2, 2])), None);
        assert_eq!(
            ev(message(PROC_EVENT_FORK, 0, &[10, 10, 11, 11])),
            Some(ProcEvent::Fork {
                parent: 10,
                child: 11
            })
        );
        // A new thread.
        assert_eq!(
            ev(message(PROC_EVENT_FORK, 0, &[10, 10, 12, 11])),
            Some(ProcEvent::Other)
        );
        assert_eq!(
            ev(message(PROC_EVENT_EXEC, 0, &[7, 7])),
            Some(ProcEvent::Exec(7))
        );
        assert_eq!(
            ev(message(PROC_EVENT_EXIT, 0, &[7, 7, 0, 17])),
            Some(ProcEvent::Exit(7))
        );
        assert_eq!(
            ev(message(PROC_EVENT_EXIT, 0, &[8, 7, 0, 17])),
            Some(ProcEvent::Other)
        );
        let mut comm = message(PROC_EVENT_COMM, 0, &[5, 5]);
        comm[EV_DATA + 8..EV_DATA + 11].copy_from_slice(b"abc");
        assert_eq!(ev(comm), Some(ProcEvent::Comm(5, b"abc".to_vec())));
        let full = message(PROC_EVENT_EXEC, 0, &[7, 7]);
        for n in 0..full.len() {
            let _ = parse(&full[..n]);
        }
        assert_eq!(parse(&full[..20]), None);
        let m = parse(&full).unwrap();
        assert_eq!((m.cpu, m.seq), (1, 9));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(b in proptest::collection::vec(proptest::num::u8::ANY, 0..120)) {
            let _ = parse(&b);
        }
    }

    #[test]
    fn listen_request_layout() {
        let m = mcast_request(McastOp::Listen);
        assert_eq!(u32_at(&m, 0), Some(40));
        assert_eq!(u32_at(&m, PROC_EV), Some(1));
        assert_eq!(u16::from_ne_bytes([m[CN_MSG + 16], m[CN_MSG + 17]]), 4);
        assert_eq!(u32_at(&mcast_request(McastOp::Ignore), PROC_EV), Some(2));
    }
}
