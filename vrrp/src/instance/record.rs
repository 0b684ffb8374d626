//! Recording and replaying an instance's inputs, so that a problem seen in the field
//! becomes a deterministic test: the daemon writes one [`Input`] line per call it makes,
//! and a test feeds the lines to a fresh [`Instance`] built from the same configuration
//! and seed.
//!
//! The line format is `SECONDS KIND ARGS…`, `SECONDS` being the time since the instance
//! was created, with nanosecond precision:
//!
//! ```text
//! 3.609375000 timeout
//! 4.000000000 tracker 7 down
//! 4.000000000 tracker 9 value -20
//! 4.100000000 packet 192.0.2.2 - 255 3 4500002c…
//! 5.000000000 master-down 192.0.2.2 0.000250000
//! 9.000000000 shutdown
//! ```
//!
//! A packet line gives the sender, the destination and TTL/hop limit (`-` when unknown),
//! the interface index and the bytes in hex. A master-down line gives the master and how
//! long before the line's time the detector saw it go down.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::time::{Duration, Instant};

use thiserror::Error;

use super::Instance;
use crate::error::RxError;
use crate::rx::RxMeta;
use crate::tracker::{TrackerId, TrackerState};

/// One call made on an [`Instance`], with its time as an offset from the instance's
/// creation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Input {
    /// [`Instance::handle_packet`].
    Packet {
        /// When.
        at: Duration,
        /// The bytes.
        bytes: Vec<u8>,
        /// Where they came from.
        meta: RxMeta,
    },
    /// [`Instance::handle_timeout`].
    Timeout {
        /// When.
        at: Duration,
    },
    /// [`Instance::set_tracker`].
    Tracker {
        /// When.
        at: Duration,
        /// Which tracker.
        id: TrackerId,
        /// Its new state.
        state: TrackerState,
    },
    /// [`Instance::master_down`].
    MasterDown {
        /// When.
        at: Duration,
        /// The master reported down.
        master: IpAddr,
        /// How long before `at` the detector saw it go down.
        age: Duration,
    },
    /// [`Instance::shutdown`].
    Shutdown {
        /// When.
        at: Duration,
    },
    /// [`Instance::delete`].
    Delete {
        /// When.
        at: Duration,
    },
}

impl Input {
    /// When the input happened, after the instance's creation.
    pub fn at(&self) -> Duration {
        match self {
            Input::Packet { at, .. }
            | Input::Timeout { at }
            | Input::Tracker { at, .. }
            | Input::MasterDown { at, .. }
            | Input::Shutdown { at }
            | Input::Delete { at } => *at,
        }
    }
}

impl Instance {
    /// Feeds a recorded input; `base` is the `now` the instance was created with.
    pub fn handle_input(&mut self, base: Instant, input: &Input) -> Result<(), RxError> {
        let now = base + input.at();
        match input {
            Input::Packet { bytes, meta, .. } => return self.handle_packet(now, bytes, meta),
            Input::Timeout { .. } => self.handle_timeout(now),
            Input::Tracker { id, state, .. } => {
                self.set_tracker(now, *id, *state);
            }
            Input::MasterDown { master, age, .. } => {
                let since = now.checked_sub(*age).unwrap_or(now);
                let _ = self.master_down(now, *master, since);
            }
            Input::Shutdown { .. } => self.shutdown(now),
            Input::Delete { .. } => self.delete(now),
        }
        Ok(())
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at();
        write!(f, "{}.{:09} ", at.as_secs(), at.subsec_nanos())?;
        match self {
            Input::Packet { bytes, meta, .. } => {
                write!(f, "packet {} ", meta.src)?;
                match meta.dst {
                    Some(d) => write!(f, "{d} ")?,
                    None => f.write_str("- ")?,
                }
                match meta.ttl_or_hop_limit {
                    Some(t) => write!(f, "{t} ")?,
                    None => f.write_str("- ")?,
                }
                write!(f, "{} ", meta.ifindex)?;
                for b in bytes {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            Input::Timeout { .. } => f.write_str("timeout"),
            Input::Tracker { id, state, .. } => {
                write!(f, "tracker {} ", id.0)?;
                match state {
                    TrackerState::Unknown => f.write_str("unknown"),
                    TrackerState::Up => f.write_str("up"),
                    TrackerState::Down => f.write_str("down"),
                    TrackerState::Value(v) => write!(f, "value {v}"),
                }
            }
            Input::MasterDown { master, age, .. } => write!(
                f,
                "master-down {master} {}.{:09}",
                age.as_secs(),
                age.subsec_nanos()
            ),
            Input::Shutdown { .. } => f.write_str("shutdown"),
            Input::Delete { .. } => f.write_str("delete"),
        }
    }
}

/// Why a recorded line could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ParseInputError {
    /// The time is not `SECONDS.NANOSECONDS`.
    #[error("bad time {0:?}")]
    Time(String),
    /// The kind is not one of packet, timeout, tracker, master-down, shutdown, delete.
    #[error("unknown input kind {0:?}")]
    Kind(String),
    /// A field is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A field does not parse.
    #[error("bad {what}: {value:?}")]
    Field {
        /// Which field.
        what: &'static str,
        /// What was there.
        value: String,
    },
    /// Text after the last field.
    #[error("trailing text {0:?}")]
    Trailing(String),
}

fn field<T: FromStr>(
    words: &mut std::str::SplitWhitespace<'_>,
    what: &'static str,
) -> Result<T, ParseInputError> {
    let word = words.next().ok_or(ParseInputError::Missing(what))?;
    word.parse().map_err(|_| ParseInputError::Field {
        what,
        value: word.to_owned(),
    })
}

fn optional<T: FromStr>(
    words: &mut std::str::SplitWhitespace<'_>,
    what: &'static str,
) -> Result<Option<T>, ParseInputError> {
    let word = words.next().ok_or(ParseInputError::Missing(what))?;
    if word == "-" {
        return Ok(None);
    }
    word.parse().map(Some).map_err(|_| ParseInputError::Field {
        what,
        value: word.to_owned(),
    })
}

fn parse_time(word: &str) -> Result<Duration, ParseInputError> {
    let bad = || ParseInputError::Time(word.to_owned());
    let (secs, nanos) = word.split_once('.').ok_or_else(bad)?;
    if nanos.len() != 9 {
        return Err(bad());
    }
    let secs: u64 = secs.parse().map_err(|_| bad())?;
    let nanos: u32 = nanos.parse().map_err(|_| bad())?;
    Ok(Duration::new(secs, nanos))
}

fn parse_hex(word: &str) -> Result<Vec<u8>, ParseInputError> {
    let bad = || ParseInputError::Field {
        what: "bytes",
        value: word.to_owned(),
    };
    if word.len() % 2 != 0 || !word.is_ascii() {
        return Err(bad());
    }
    (0..word.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&word[i..i + 2], 16).map_err(|_| bad()))
        .collect()
}

impl FromStr for Input {
    type Err = ParseInputError;

    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let mut words = line.split_whitespace();
        let at = parse_time(words.next().ok_or(ParseInputError::Missing("time"))?)?;
        let kind = words.next().ok_or(ParseInputError::Missing("kind"))?;
        let input = match kind {
            "timeout" => Input::Timeout { at },
            "shutdown" => Input::Shutdown { at },
            "delete" => Input::Delete { at },
            "tracker" => {
                let id = TrackerId(field(&mut words, "tracker id")?);
                let state = match words.next().ok_or(ParseInputError::Missing("state"))? {
                    "unknown" => TrackerState::Unknown,
                    "up" => TrackerState::Up,
                    "down" => TrackerState::Down,
                    "value" => TrackerState::Value(field(&mut words, "value")?),
                    other => {
                        return Err(ParseInputError::Field {
                            what: "state",
                            value: other.to_owned(),
                        })
                    }
                };
                Input::Tracker { at, id, state }
            }
            "master-down" => {
                let master = field(&mut words, "master")?;
                let age = words.next().ok_or(ParseInputError::Missing("age"))?;
                let age = parse_time(age).map_err(|_| ParseInputError::Field {
                    what: "age",
                    value: age.to_owned(),
                })?;
                Input::MasterDown { at, master, age }
            }
            "packet" => {
                let src: IpAddr = field(&mut words, "source")?;
                let dst = optional(&mut words, "destination")?;
                let ttl_or_hop_limit = optional(&mut words, "ttl")?;
                let ifindex = field(&mut words, "ifindex")?;
                let bytes = parse_hex(words.next().ok_or(ParseInputError::Missing("bytes"))?)?;
                Input::Packet {
                    at,
                    bytes,
                    meta: RxMeta {
                        src,
                        dst,
                        ttl_or_hop_limit,
                        ifindex,
                    },
                }
            }
            other => return Err(ParseInputError::Kind(other.to_owned())),
        };
        match words.next() {
            Some(rest) => Err(ParseInputError::Trailing(rest.to_owned())),
            None => Ok(input),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::Action;
    use crate::config::InstanceConfig;
    use crate::priority::Priority;
    use crate::tracker::{TrackerConfig, TrackerKind};

    #[test]
    fn lines_round_trip() {
        let inputs = [
            Input::Timeout {
                at: Duration::new(3, 609_375_000),
            },
            Input::Tracker {
                at: Duration::from_secs(4),
                id: TrackerId(7),
                state: TrackerState::Down,
            },
            Input::Tracker {
                at: Duration::from_secs(4),
                id: TrackerId(9),
                state: TrackerState::Value(-20),
            },
            Input::Packet {
                at: Duration::from_millis(4100),
                bytes: vec![0x45, 0xc0, 0, 0x2c],
                meta: RxMeta {
                    src: "2001:db8::2".parse().unwrap(),
                    dst: None,
                    ttl_or_hop_limit: Some(255),
                    ifindex: 3,
                },
            },
            Input::MasterDown {
                at: Duration::from_secs(5),
                master: "192.0.2.2".parse().unwrap(),
                age: Duration::from_micros(250),
            },
            Input::Shutdown {
                at: Duration::from_secs(9),
            },
            Input::Delete {
                at: Duration::from_secs(10),
            },
        ];
        for input in inputs {
            let line = input.to_string();
            assert_eq!(line.parse::<Input>().unwrap(), input, "{line}");
        }
        assert_eq!(
            Input::Timeout {
                at: Duration::new(3, 5)
            }
            .to_string(),
            "3.000000005 timeout"
        );
    }

    #[test]
    fn each_parse_error() {
        type Check = fn(&ParseInputError) -> bool;
        let cases: [(&str, Check); 8] = [
            ("3.5 timeout", |e| matches!(e, ParseInputError::Time(_))),
            ("1.000000000 jump", |e| {
                matches!(e, ParseInputError::Kind(_))
            }),
            ("1.000000000", |e| {
                matches!(e, ParseInputError::Missing("kind"))
            }),
            ("1.000000000 tracker x up", |e| {
                matches!(
                    e,
                    ParseInputError::Field {
                        what: "tracker id",
                        ..
                    }
                )
            }),
            ("1.000000000 tracker 1 sideways", |e| {
                matches!(e, ParseInputError::Field { what: "state", .. })
            }),
            ("1.000000000 packet 192.0.2.1 - - 1 abc", |e| {
                matches!(e, ParseInputError::Field { what: "bytes", .. })
            }),
            ("1.000000000 master-down 192.0.2.1 soon", |e| {
                matches!(e, ParseInputError::Field { what: "age", .. })
            }),
            ("1.000000000 timeout now", |e| {
                matches!(e, ParseInputError::Trailing(_))
            }),
        ];
        for (line, check) in cases {
            let err = line.parse::<Input>().unwrap_err();
            assert!(check(&err), "{line}: {err:?}");
        }
    }

    /// Drives one instance, records its inputs as text, replays them into a twin built
    /// from the same configuration and seed, and expects the same actions.
    #[test]
    fn replay_reproduces_the_actions() {
        let base = Instant::now();
        let mut config = InstanceConfig::new("VI_1", 51, "192.0.2.1".parse().unwrap());
        config.vips.push("192.0.2.100".parse().unwrap());
        config.trackers.push(
            TrackerConfig::new(TrackerId(1), TrackerKind::Script, -60).starting(TrackerState::Up),
        );
        let mut peer_config = config.clone();
        peer_config.primary_addr = "192.0.2.2".parse().unwrap();
        peer_config.priority = Priority(80);

        let mut peer = Instance::new(peer_config, base, 5);
        let peer_advert = {
            let at = peer.poll_timeout().unwrap();
            peer.handle_timeout(at);
            std::iter::from_fn(|| peer.poll_action())
                .find_map(|a| match a {
                    Action::SendAdvert { bytes, .. } => Some(bytes),
                    _ => None,
                })
                .unwrap()
        };
        let meta = RxMeta {
            src: "192.0.2.2".parse().unwrap(),
            dst: None,
            ttl_or_hop_limit: None,
            ifindex: 2,
        };

        let mut live = Instance::new(config.clone(), base, 42);
        let mut record = Vec::new();
        let mut live_actions = Vec::new();
        let mut feed = |i: &mut Instance, input: Input, record: &mut Vec<String>| {
            record.push(input.to_string());
            let _ = i.handle_input(base, &input);
            live_actions.extend(std::iter::from_fn(|| i.poll_action()));
        };
        while live.poll_action().is_some() {}
        let first = live.poll_timeout().unwrap() - base;
        feed(&mut live, Input::Timeout { at: first }, &mut record);
        feed(
            &mut live,
            Input::Tracker {
                at: first + Duration::from_millis(10),
                id: TrackerId(1),
                state: TrackerState::Down,
            },
            &mut record,
        );
        feed(
            &mut live,
            Input::Packet {
                at: first + Duration::from_millis(20),
                bytes: peer_advert,
                meta,
            },
            &mut record,
        );
        feed(
            &mut live,
            Input::Timeout {
                at: first + Duration::from_secs(30),
            },
            &mut record,
        );
        feed(
            &mut live,
            Input::Shutdown {
                at: first + Duration::from_secs(31),
            },
            &mut record,
        );

        let mut twin = Instance::new(config, base, 42);
        while twin.poll_action().is_some() {}
        let mut replayed = Vec::new();
        for line in &record {
            let _ = twin.handle_input(base, &line.parse().unwrap());
            replayed.extend(std::iter::from_fn(|| twin.poll_action()));
        }
        assert!(live_actions.len() > 5);
        assert_eq!(replayed, live_actions);
        assert_eq!(twin.stats(), live.stats());
    }
}
