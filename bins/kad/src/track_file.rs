//! `track_file` (deprecated `vrrp_track_file`): an integer read from a file, re-read whenever
//! the file is written, replaced or removed, as keepalived 2.2.7 does in
//! `keepalived/trackers/track_file.c`. Both children use it: the VRRP process for the
//! instances' and sync groups' `track_file`, the checker process for `FILE_CHECK` (keepalived
//! shares `track_file.c` between them the same way, through `check_file.c`).
//!
//! keepalived's rules, which this module keeps:
//! - the *directory* holding each file is watched with inotify for `IN_CLOSE_WRITE`,
//!   `IN_DELETE` and `IN_MOVE`, so a file may be absent at start, created later, replaced by
//!   `rename(2)` or deleted (`init_track_files`, `process_inotify`);
//! - only files that something tracks are watched; the others are forgotten without a word
//!   (`init_track_files` drops a file whose `tracking_obj` list is empty);
//! - a file that exists at start is resolved with `realpath(3)`, so a symlink is followed once
//!   and its target's directory is watched; a missing file needs an existing directory, else
//!   the track file is dropped ("Track file directory for NAME does not exist - removing");
//! - the value is `strtol(buf, NULL, 0)` over the first 127 bytes: leading white space, a sign,
//!   and `0x`/`0` prefixes for hex/octal; text without a leading number reads as 0, so do an
//!   empty file, a missing file and an unreadable one (`process_track_file`);
//! - a number out of range (outside `i32::MIN ..= i32::MAX + 1`, or overflowing `long`) is
//!   logged ("Invalid number N read from PATH - ignoring") and the previous value kept;
//! - deleting the file, or renaming it away, reads as 0;
//! - `init_file [VALUE] [overwrite]` writes `VALUE\n` at start when the file is missing, or
//!   always with `overwrite` (but never over a non-regular file, and never on a reload),
//!   through a temporary file renamed into place (`track_file_end_handler`, `fopen_safe`).
//!   keepalived does this while parsing, for every `track_file` block, tracked or not, in each
//!   process that parses them (VRRP and checker alike).
//!
//! Differences, all deliberate: `i32::MAX + 1` (which keepalived accepts) is reported as
//! `i32::MAX`, which has the same effect once multiplied by a weight in -254..=254 and clamped
//! to keepalived's priority range; and an inotify queue overflow re-reads every file instead of
//! only logging "Unknown inotify event 0x4000", since events were lost.
//!
//! The weight/`reverse` effect is not applied here: the VRRP side multiplies the value, and
//! keepalive-checkers' `FileConfig` does for `FILE_CHECK`.

use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use keepalive_confparse::model::vrrp::track::TrackFile;
use nix::errno::Errno;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify, WatchDescriptor};

/// Why a track file could not be set up or read. Only [`TrackFileError::Init`] is returned by
/// [`FileTracker::start`]; the others are per-file problems that keepalived logs and survives,
/// so they are logged with keepalived's wording and kept in `FileTracker::problems`.
#[derive(Debug, thiserror::Error)]
pub enum TrackFileError {
    /// `inotify_init1` failed: nothing can be watched.
    #[error("Unable to monitor track files: {0}")]
    Init(#[source] Errno),
    /// Neither the file nor its directory exists; the track file is dropped.
    #[error("Track file directory for {name} does not exist - removing")]
    DirMissing {
        /// The `track_file` name.
        name: String,
    },
    /// `realpath` failed for another reason (permissions, a loop); the track file is dropped.
    #[error("track file {name} is not accessible - ignoring ({source})")]
    NotAccessible {
        /// The `track_file` name.
        name: String,
        /// What `realpath` said.
        #[source]
        source: io::Error,
    },
    /// `inotify_add_watch` on the file's directory failed; the value read at start is kept.
    #[error("Unable to watch directory {dir} for track file {name}: {source}")]
    Watch {
        /// The `track_file` name.
        name: String,
        /// The directory.
        dir: PathBuf,
        /// The error.
        #[source]
        source: Errno,
    },
    /// `init_file ... overwrite` names something that is not a regular file.
    #[error("Cannot initialise track file {name} - it is not a regular file")]
    InitNotRegular {
        /// The `track_file` name.
        name: String,
    },
    /// Writing the `init_file` value failed.
    #[error("Unable to initialise track file {name} ({source})")]
    InitWrite {
        /// The `track_file` name.
        name: String,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// Reading the inotify descriptor failed (other than "no more events").
    #[error("inotify read() returned error {} - {}", *.0 as i32, .0.desc())]
    Read(#[source] Errno),
}

/// Whether `init_file` may overwrite: keepalived never overwrites on a reload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    /// The first start of the process.
    Initial,
    /// A configuration reload (SIGHUP).
    Reload,
}

/// One watched file.
#[derive(Debug)]
struct Watched {
    name: String,
    /// The resolved path that is read.
    path: PathBuf,
    /// Directory watch and the file's name inside it; `None` if the watch failed.
    wd: Option<WatchDescriptor>,
    file_part: Vec<u8>,
    value: i32,
}

/// The `track_file`s of one process: one inotify descriptor, a `mio` source.
///
/// Call order: [`FileTracker::start`], read [`FileTracker::current`] for the initial values,
/// register it with `mio` (readable), and on each readable event call
/// [`FileTracker::process`], which drains the descriptor and returns the changed values.
#[derive(Debug)]
pub struct FileTracker {
    inotify: Inotify,
    files: Vec<Watched>,
    /// Kept for the tests; the daemon has each one logged as it happens.
    #[cfg_attr(not(test), allow(dead_code))]
    problems: Vec<TrackFileError>,
}

impl FileTracker {
    /// Sets up and watches every one of `files` at the first start.
    #[cfg(test)]
    pub fn new(files: &[TrackFile]) -> Result<Self, TrackFileError> {
        Self::start(files, |_| true, Start::Initial)
    }

    /// [`FileTracker::start`], registered with a mio `registry` under `token`; what fails is
    /// logged (keepalived runs on without the files it cannot watch).
    pub fn watch(
        registry: &mio::Registry,
        token: mio::Token,
        declared: &[TrackFile],
        tracked: impl Fn(&str) -> bool,
        start: Start,
    ) -> Option<Self> {
        match FileTracker::start(declared, tracked, start) {
            Ok(mut f) => {
                if let Err(e) = registry.register(&mut f, token, mio::Interest::READABLE) {
                    log_err!("track_file: {e}");
                }
                Some(f)
            }
            Err(e) => {
                log_err!("{e}");
                None
            }
        }
    }

    /// Sets up the track files of one process: `init_file` is applied to every one of
    /// `declared` (`start` says whether `overwrite` may overwrite), then those whose name
    /// `tracked` accepts are watched and read; keepalived forgets the others.
    ///
    /// Files dropped because of a per-file problem are absent from [`FileTracker::current`].
    pub fn start(
        declared: &[TrackFile],
        tracked: impl Fn(&str) -> bool,
        start: Start,
    ) -> Result<Self, TrackFileError> {
        let mut problems = Vec::new();
        for f in declared {
            if let Some((value, overwrite)) = f.init_file {
                if let Err(e) = init_file(f, value, overwrite, start) {
                    crate::log_err!("{e}");
                    problems.push(e);
                }
            }
        }
        let files: Vec<&TrackFile> = declared.iter().filter(|f| tracked(&f.name)).collect();
        let inotify = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC)
            .map_err(TrackFileError::Init)?;
        let mut watched: Vec<Watched> = Vec::with_capacity(files.len());
        for f in files {
            let (path, exists) = match resolve(&f.file) {
                Ok(r) => r,
                Err(e) => {
                    let e = match e {
                        Resolve::DirMissing => TrackFileError::DirMissing {
                            name: f.name.clone(),
                        },
                        Resolve::Io(source) => TrackFileError::NotAccessible {
                            name: f.name.clone(),
                            source,
                        },
                    };
                    crate::log_err!("{e}");
                    problems.push(e);
                    continue;
                }
            };
            let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
            let file_part = path
                .file_name()
                .map(|n| n.as_bytes().to_vec())
                .unwrap_or_default();
            let flags = AddWatchFlags::IN_CLOSE_WRITE
                | AddWatchFlags::IN_DELETE
                | AddWatchFlags::IN_MOVED_FROM
                | AddWatchFlags::IN_MOVED_TO;
            let wd = match inotify.add_watch(&dir, flags) {
                Ok(wd) => Some(wd),
                Err(source) => {
                    let e = TrackFileError::Watch {
                        name: f.name.clone(),
                        dir,
                        source,
                    };
                    crate::log_err!("{e}");
                    problems.push(e);
                    None
                }
            };
            let value = if exists {
                read_value(&path).unwrap_or(0)
            } else {
                0
            };
            watched.push(Watched {
                name: f.name.clone(),
                path,
                wd,
                file_part,
                value,
            });
        }
        Ok(FileTracker {
            inotify,
            files: watched,
            problems,
        })
    }

    /// Each watched track file's name and value now (the initial values after `new`).
    pub fn current(&self) -> impl Iterator<Item = (&str, i32)> {
        self.files.iter().map(|f| (f.name.as_str(), f.value))
    }

    /// The value of track file `name`, if it is watched.
    pub fn value(&self, name: &str) -> Option<i32> {
        self.files.iter().find(|f| f.name == name).map(|f| f.value)
    }

    /// Per-file problems met while setting up (already logged).
    #[cfg(test)]
    pub fn problems(&self) -> &[TrackFileError] {
        &self.problems
    }

    /// Drains the inotify descriptor (call when it is readable) and returns each value
    /// change, in order, as `(track_file name, new value)`. Never blocks.
    #[must_use = "the changed values must be applied to the tracking instances"]
    pub fn process(&mut self) -> Vec<(String, i32)> {
        let mut changes = Vec::new();
        loop {
            let events = match self.inotify.read_events() {
                Ok(ev) => ev,
                Err(Errno::EAGAIN) => break,
                Err(Errno::EINTR) => continue,
                Err(e) => {
                    crate::log_info!("{}", TrackFileError::Read(e));
                    break;
                }
            };
            if events.is_empty() {
                break;
            }
            for ev in events {
                self.event(ev.wd, ev.mask, ev.name.as_deref(), &mut changes);
            }
        }
        changes
    }

    fn event(
        &mut self,
        wd: WatchDescriptor,
        mask: AddWatchFlags,
        name: Option<&OsStr>,
        changes: &mut Vec<(String, i32)>,
    ) {
        if mask.contains(AddWatchFlags::IN_Q_OVERFLOW) {
            crate::log_info!("inotify queue overflow - re-reading all track files");
            for i in 0..self.files.len() {
                let v = read_value(&self.files[i].path);
                self.update(i, v, changes);
            }
            return;
        }
        if mask.contains(AddWatchFlags::IN_ISDIR) {
            return;
        }
        let gone = AddWatchFlags::IN_DELETE | AddWatchFlags::IN_MOVED_FROM;
        let written = AddWatchFlags::IN_CLOSE_WRITE | AddWatchFlags::IN_MOVED_TO;
        if !mask.intersects(gone | written) {
            crate::log_info!("Unknown inotify event {:#x}", mask.bits());
            return;
        }
        let Some(name) = name else { return };
        for i in 0..self.files.len() {
            let f = &self.files[i];
            if f.wd != Some(wd) || f.file_part != name.as_bytes() {
                continue;
            }
            let v = if mask.intersects(gone) {
                Some(0)
            } else {
                read_value(&f.path)
            };
            self.update(i, v, changes);
        }
    }

    fn update(&mut self, i: usize, v: Option<i32>, changes: &mut Vec<(String, i32)>) {
        let f = &mut self.files[i];
        if let Some(v) = v {
            if v != f.value {
                f.value = v;
                changes.push((f.name.clone(), v));
            }
        }
    }
}

impl AsFd for FileTracker {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inotify.as_fd()
    }
}

impl mio::event::Source for FileTracker {
    fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.inotify.as_fd().as_raw_fd()).register(registry, token, interests)
    }

    fn reregister(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
        interests: mio::Interest,
    ) -> io::Result<()> {
        mio::unix::SourceFd(&self.inotify.as_fd().as_raw_fd())
            .reregister(registry, token, interests)
    }

    fn deregister(&mut self, registry: &mio::Registry) -> io::Result<()> {
        mio::unix::SourceFd(&self.inotify.as_fd().as_raw_fd()).deregister(registry)
    }
}

enum Resolve {
    DirMissing,
    Io(io::Error),
}

/// keepalived's `init_track_files` path handling: `realpath` of the file if it exists
/// (true), else `realpath` of its directory, which must be a directory, plus the file name.
fn resolve(file: &str) -> Result<(PathBuf, bool), Resolve> {
    match std::fs::canonicalize(file) {
        Ok(p) => Ok((p, true)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let (dir, base) = match file.rfind('/') {
                Some(i) => (if i == 0 { "/" } else { &file[..i] }, &file[i + 1..]),
                None => (".", file),
            };
            match std::fs::canonicalize(dir) {
                Ok(d) if d.is_dir() => Ok((d.join(base), false)),
                _ => Err(Resolve::DirMissing),
            }
        }
        Err(e) => Err(Resolve::Io(e)),
    }
}

/// `process_track_file`: `Some(value)`, or `None` when the number is out of range (logged;
/// the previous value stays).
fn read_value(path: &Path) -> Option<i32> {
    let mut buf = [0u8; 127];
    let len = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
    {
        Ok(mut f) => loop {
            match f.read(&mut buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break 0,
            }
        },
        Err(_) => 0,
    };
    match parse_value(&buf[..len]) {
        Ok(v) => Some(v),
        Err(shown) => {
            crate::log_info!(
                "Invalid number {shown} read from {} - ignoring",
                path.display()
            );
            None
        }
    }
}

/// `strtol(text, NULL, 0)` range-checked as keepalived does: `Ok(value)` (text without a
/// leading number is 0), or `Err(the number keepalived would print)` when out of range.
pub fn parse_value(text: &[u8]) -> Result<i32, i64> {
    let mut s = text;
    // strtol stops at the first NUL, as the C string does.
    if let Some(n) = s.iter().position(|&b| b == 0) {
        s = &s[..n];
    }
    while let Some((&b, rest)) = s.split_first() {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
            s = rest;
        } else {
            break;
        }
    }
    let neg = match s.first() {
        Some(b'-') => {
            s = &s[1..];
            true
        }
        Some(b'+') => {
            s = &s[1..];
            false
        }
        _ => false,
    };
    let radix: u32 =
        if s.len() >= 3 && s[0] == b'0' && (s[1] | 0x20) == b'x' && s[2].is_ascii_hexdigit() {
            s = &s[2..];
            16
        } else if s.first() == Some(&b'0') {
            8
        } else {
            10
        };
    // Magnitude as i128 so that LONG_MIN's magnitude fits; saturate like strtol.
    let mut mag: i128 = 0;
    let mut overflow = false;
    for &b in s {
        let Some(d) = (b as char).to_digit(radix) else {
            break;
        };
        if !overflow {
            mag = mag * i128::from(radix) + i128::from(d);
            if mag > i128::from(i64::MAX) + 1 {
                overflow = true;
            }
        }
    }
    let v = if neg { -mag } else { mag };
    if overflow || v > i128::from(i64::MAX) {
        // strtol: ERANGE with LONG_MAX / LONG_MIN.
        return Err(if neg { i64::MIN } else { i64::MAX });
    }
    let v = v as i64;
    if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) + 1 {
        return Err(v);
    }
    Ok(v.min(i64::from(i32::MAX)) as i32)
}

/// `init_file [VALUE] [overwrite]` (`track_file_end_handler`).
fn init_file(
    f: &TrackFile,
    value: i32,
    overwrite: bool,
    start: Start,
) -> Result<(), TrackFileError> {
    let path = Path::new(&f.file);
    if let Ok(md) = std::fs::metadata(path) {
        if !overwrite {
            return Ok(());
        }
        if !md.file_type().is_file() {
            return Err(TrackFileError::InitNotRegular {
                name: f.name.clone(),
            });
        }
        if start == Start::Reload {
            return Ok(());
        }
    }
    write_atomically(path, format!("{value}\n").as_bytes()).map_err(|source| {
        TrackFileError::InitWrite {
            name: f.name.clone(),
            source,
        }
    })
}

/// keepalived's `fopen_safe(path, "w")`: a new file (mode 0666 less the umask) written under
/// a temporary name and renamed over `path`, so no reader sees a partial file and nobody who
/// had the old file open reads the new value through it.
fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    let name = path.as_os_str();
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let mut candidate = name.to_owned();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        candidate.push(format!(".{:x}{:x}{attempt}", std::process::id(), nanos));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o666)
            .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
            .open(&candidate)
        {
            Ok(file) => break (PathBuf::from(candidate), file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    };
    let result = file
        .write_all(data)
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The `------< VRRP Track files >------` section of `keepalived.data` (`dump_track_file`):
/// each file, its last value, its weight and the instances tracking it (a sync group's
/// reference counts for each of its members, as keepalived attaches it to them).
pub fn dump_text(
    config: &keepalive_confparse::model::Config,
    tracker: Option<&FileTracker>,
) -> String {
    use std::fmt::Write as _;
    let v = &config.vrrp;
    let mut o = String::new();
    for f in &v.track_files {
        if o.is_empty() {
            o.push_str("------< VRRP Track files >------\n");
        }
        let reverse = |r: bool| if r { " reverse" } else { "" };
        let _ = writeln!(o, " Track file = {}", f.name);
        let _ = writeln!(o, "   File = {}", f.file);
        let status = tracker.and_then(|t| t.value(&f.name)).unwrap_or(0);
        let _ = writeln!(o, "   Status = {status}");
        let _ = writeln!(o, "   Weight = {}{}", f.weight, reverse(f.reverse));
        let direct = v.instances.iter().flat_map(|i| {
            i.track
                .files
                .iter()
                .filter(|r| r.name == f.name)
                .map(move |r| (i.name.as_str(), r))
        });
        let via_groups = v.sync_groups.iter().flat_map(|g| {
            g.track
                .files
                .iter()
                .filter(|r| r.name == f.name)
                .flat_map(move |r| g.members.iter().map(move |m| (m.name.as_str(), r)))
        });
        let tracking: Vec<String> = direct
            .chain(via_groups)
            .map(|(name, r)| {
                format!(
                    "     {name}, weight {}{}",
                    r.weight.unwrap_or(f.weight),
                    reverse(r.reverse.unwrap_or(f.reverse))
                )
            })
            .collect();
        if !tracking.is_empty() {
            o.push_str("   Tracking instances :\n");
            for t in tracking {
                o.push_str(&t);
                o.push('\n');
            }
        }
    }
    o
}

#[cfg(test)]
mod tests {
    /// The section as keepalived 2.2.7 writes it for the same configuration (measured: a
    /// veth in a namespace, SIGUSR1 to both daemons, the files compared).
    #[test]
    fn dump_section_reads_as_keepalived() {
        let conf = "track_file tf1 {\n file /tmp/tf1.val\n weight -10\n}\n\
                    vrrp_instance VI_1 {\n interface lo\n virtual_router_id 51\n \
                    priority 100\n track_file {\n tf1 weight 5 reverse\n }\n \
                    virtual_ipaddress {\n 192.0.2.10/24\n }\n}\n";
        let loaded = keepalive_confparse::load::load_str("t.conf", conf, &Default::default());
        assert_eq!(
            dump_text(&loaded.config, None),
            "------< VRRP Track files >------\n Track file = tf1\n   File = /tmp/tf1.val\n   \
             Status = 0\n   Weight = -10\n   Tracking instances :\n     VI_1, weight 5 reverse\n"
        );
    }
    use super::*;
    use keepalive_confparse::token::Loc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{Duration, Instant};

    /// A scratch directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            static N: AtomicU32 = AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "kad-track-file-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }

        fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn tf(name: &str, file: &Path, init_file: Option<(i32, bool)>) -> TrackFile {
        TrackFile {
            loc: Loc::new("test.conf".into(), 1, 1),
            name: name.to_string(),
            file: file.to_str().unwrap().to_string(),
            weight: 1,
            reverse: false,
            init_file,
        }
    }

    /// A tracker registered with its own mio poll, as the VRRP loop does.
    struct Driver {
        poll: mio::Poll,
        events: mio::Events,
        t: FileTracker,
    }

    impl Driver {
        fn new(files: &[TrackFile]) -> Self {
            Self::with(FileTracker::new(files).unwrap())
        }

        fn with(mut t: FileTracker) -> Self {
            let poll = mio::Poll::new().unwrap();
            poll.registry()
                .register(&mut t, mio::Token(7), mio::Interest::READABLE)
                .unwrap();
            Driver {
                poll,
                events: mio::Events::with_capacity(8),
                t,
            }
        }

        /// Collects changes until `done` holds for them (or 10 s pass).
        fn until(&mut self, done: impl Fn(&[(String, i32)]) -> bool) -> Vec<(String, i32)> {
            let end = Instant::now() + Duration::from_secs(10);
            let mut all = Vec::new();
            while !done(&all) && Instant::now() < end {
                self.poll
                    .poll(&mut self.events, Some(Duration::from_millis(100)))
                    .unwrap();
                if self.events.iter().any(|e| e.token() == mio::Token(7)) {
                    all.extend(self.t.process());
                }
            }
            all
        }

        /// Collects changes for a short quiet period (to show that nothing happens).
        fn quiet(&mut self) -> Vec<(String, i32)> {
            let end = Instant::now() + Duration::from_millis(300);
            let mut all = Vec::new();
            while Instant::now() < end {
                self.poll
                    .poll(&mut self.events, Some(Duration::from_millis(50)))
                    .unwrap();
                all.extend(self.t.process());
            }
            all
        }
    }

    fn last_is(name: &'static str, v: i32) -> impl Fn(&[(String, i32)]) -> bool {
        move |c| c.last().is_some_and(|(n, x)| n == name && *x == v)
    }

    #[test]
    fn strtol_rules() {
        assert_eq!(parse_value(b"5"), Ok(5));
        assert_eq!(parse_value(b"  -12\n"), Ok(-12));
        assert_eq!(parse_value(b"+7"), Ok(7));
        assert_eq!(parse_value(b"0x1f"), Ok(31));
        assert_eq!(parse_value(b"0X1F"), Ok(31));
        assert_eq!(parse_value(b"010"), Ok(8));
        assert_eq!(parse_value(b"08"), Ok(0));
        assert_eq!(parse_value(b"0x"), Ok(0));
        assert_eq!(parse_value(b"0xg"), Ok(0));
        assert_eq!(parse_value(b"12abc"), Ok(12));
        assert_eq!(parse_value(b"abc"), Ok(0));
        assert_eq!(parse_value(b""), Ok(0));
        assert_eq!(parse_value(b"-"), Ok(0));
        assert_eq!(parse_value(b"\n\n"), Ok(0));
        assert_eq!(parse_value(b"- 5"), Ok(0));
        assert_eq!(parse_value(b"7\x008"), Ok(7));
        assert_eq!(parse_value(b"-2147483648"), Ok(i32::MIN));
        assert_eq!(parse_value(b"2147483647"), Ok(i32::MAX));
        // keepalived accepts INT32_MAX + 1.
        assert_eq!(parse_value(b"2147483648"), Ok(i32::MAX));
        assert_eq!(parse_value(b"2147483649"), Err(2_147_483_649));
        assert_eq!(parse_value(b"-2147483649"), Err(-2_147_483_649));
        assert_eq!(parse_value(b"99999999999999999999"), Err(i64::MAX));
        assert_eq!(parse_value(b"-99999999999999999999"), Err(i64::MIN));
        assert_eq!(parse_value(b"9223372036854775807"), Err(i64::MAX));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(b in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = parse_value(&b);
        }

        #[test]
        fn decimal_round_trip(v in proptest::num::i32::ANY, pad in "[ \t\n]{0,3}", tail in "[a-z \n]{0,5}") {
            let text = format!("{pad}{v}{tail}");
            proptest::prop_assert_eq!(parse_value(text.as_bytes()), Ok(v));
        }
    }

    #[test]
    fn missing_then_created_changed_deleted() {
        let d = TempDir::new();
        let p = d.path("val");
        let mut dr = Driver::new(&[tf("tf1", &p, None)]);
        assert_eq!(dr.t.current().collect::<Vec<_>>(), vec![("tf1", 0)]);
        std::fs::write(&p, "5\n").unwrap();
        assert_eq!(dr.until(last_is("tf1", 5)), vec![("tf1".into(), 5)]);
        std::fs::write(&p, "-7").unwrap();
        assert_eq!(dr.until(last_is("tf1", -7)), vec![("tf1".into(), -7)]);
        // The same value again is not a change.
        std::fs::write(&p, "-7\n").unwrap();
        assert!(dr.quiet().is_empty());
        std::fs::remove_file(&p).unwrap();
        assert_eq!(dr.until(last_is("tf1", 0)), vec![("tf1".into(), 0)]);
        assert_eq!(dr.t.value("tf1"), Some(0));
    }

    #[test]
    fn existing_value_read_at_start() {
        let d = TempDir::new();
        let p = d.path("val");
        std::fs::write(&p, "0x10\n").unwrap();
        let t = FileTracker::new(&[tf("hex", &p, None)]).unwrap();
        assert_eq!(t.value("hex"), Some(16));
    }

    #[test]
    fn renamed_over_and_renamed_away() {
        let d = TempDir::new();
        let p = d.path("val");
        std::fs::write(&p, "3").unwrap();
        let mut dr = Driver::new(&[tf("r", &p, None)]);
        assert_eq!(dr.t.value("r"), Some(3));
        let tmp = d.path("val.new");
        std::fs::write(&tmp, "42\n").unwrap();
        std::fs::rename(&tmp, &p).unwrap();
        assert_eq!(dr.until(last_is("r", 42)), vec![("r".into(), 42)]);
        std::fs::rename(&p, d.path("elsewhere")).unwrap();
        assert_eq!(dr.until(last_is("r", 0)), vec![("r".into(), 0)]);
        // Renamed back in.
        std::fs::rename(d.path("elsewhere"), &p).unwrap();
        assert_eq!(dr.until(last_is("r", 42)), vec![("r".into(), 42)]);
    }

    #[test]
    fn garbage_reads_zero_and_out_of_range_keeps_value() {
        let d = TempDir::new();
        let p = d.path("val");
        std::fs::write(&p, "9").unwrap();
        let mut dr = Driver::new(&[tf("g", &p, None)]);
        std::fs::write(&p, "not a number").unwrap();
        assert_eq!(dr.until(last_is("g", 0)), vec![("g".into(), 0)]);
        std::fs::write(&p, "11").unwrap();
        assert_eq!(dr.until(last_is("g", 11)), vec![("g".into(), 11)]);
        std::fs::write(&p, "99999999999").unwrap();
        assert!(dr.quiet().is_empty());
        assert_eq!(dr.t.value("g"), Some(11));
        std::fs::write(&p, "").unwrap();
        assert_eq!(dr.until(last_is("g", 0)), vec![("g".into(), 0)]);
    }

    #[test]
    fn two_files_in_one_directory_and_other_files_ignored() {
        let d = TempDir::new();
        let (a, b) = (d.path("a"), d.path("b"));
        let mut dr = Driver::new(&[tf("A", &a, None), tf("B", &b, None)]);
        std::fs::write(d.path("unrelated"), "77").unwrap();
        std::fs::create_dir(d.path("subdir")).unwrap();
        assert!(dr.quiet().is_empty());
        std::fs::write(&b, "2").unwrap();
        std::fs::write(&a, "1").unwrap();
        let got = dr.until(|c| c.len() >= 2);
        assert_eq!(got, vec![("B".into(), 2), ("A".into(), 1)]);
    }

    #[test]
    fn symlink_is_followed_to_its_target() {
        let d = TempDir::new();
        let target_dir = TempDir::new();
        let target = target_dir.path("real");
        std::fs::write(&target, "4").unwrap();
        let link = d.path("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut dr = Driver::new(&[tf("s", &link, None)]);
        assert_eq!(dr.t.value("s"), Some(4));
        std::fs::write(&target, "6").unwrap();
        assert_eq!(dr.until(last_is("s", 6)), vec![("s".into(), 6)]);
    }

    #[test]
    fn missing_directory_drops_the_file() {
        let d = TempDir::new();
        let p = d.path("no/such/dir/val");
        let ok = d.path("ok");
        let t = FileTracker::new(&[tf("gone", &p, None), tf("ok", &ok, None)]).unwrap();
        assert_eq!(t.current().collect::<Vec<_>>(), vec![("ok", 0)]);
        assert!(matches!(
            t.problems(),
            [TrackFileError::DirMissing { name }] if name == "gone"
        ));
        assert_eq!(
            t.problems()[0].to_string(),
            "Track file directory for gone does not exist - removing"
        );
    }

    #[test]
    fn init_file_creates_and_overwrites_as_keepalived() {
        let d = TempDir::new();
        // Missing: created with the value.
        let p = d.path("new");
        let t = FileTracker::new(&[tf("n", &p, Some((-3, false)))]).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "-3\n");
        assert_eq!(t.value("n"), Some(-3));
        // Exists, no overwrite: left alone.
        std::fs::write(&p, "8\n").unwrap();
        let t = FileTracker::new(&[tf("n", &p, Some((1, false)))]).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "8\n");
        assert_eq!(t.value("n"), Some(8));
        // overwrite on a reload: left alone.
        let t =
            FileTracker::start(&[tf("n", &p, Some((2, true)))], |_| true, Start::Reload).unwrap();
        assert_eq!(t.value("n"), Some(8));
        // overwrite at start: replaced.
        let t = FileTracker::new(&[tf("n", &p, Some((2, true)))]).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "2\n");
        assert_eq!(t.value("n"), Some(2));
        // No temporary files left behind.
        assert_eq!(std::fs::read_dir(&d.0).unwrap().count(), 1);
        // overwrite of something that is not a regular file: refused.
        let dir = d.path("adir");
        std::fs::create_dir(&dir).unwrap();
        let t = FileTracker::new(&[tf("dir", &dir, Some((1, true)))]).unwrap();
        assert!(matches!(
            t.problems(),
            [TrackFileError::InitNotRegular { .. }]
        ));
        assert!(dir.is_dir());
        // A directory where the file should be reads as 0.
        assert_eq!(t.value("dir"), Some(0));
    }

    #[test]
    fn only_tracked_files_are_watched_but_every_init_file_is_applied() {
        let d = TempDir::new();
        let (used, unused) = (d.path("used"), d.path("unused"));
        let gone = d.path("no/such/dir/val");
        let files = [
            tf("used", &used, Some((4, false))),
            tf("unused", &unused, Some((5, false))),
            tf("gone", &gone, None),
        ];
        let mut dr =
            Driver::with(FileTracker::start(&files, |n| n == "used", Start::Initial).unwrap());
        assert_eq!(dr.t.current().collect::<Vec<_>>(), vec![("used", 4)]);
        // keepalived writes init_file while parsing, whether or not the file is tracked...
        assert_eq!(std::fs::read_to_string(&unused).unwrap(), "5\n");
        // ...and forgets an untracked file before looking for its directory.
        assert!(dr.t.problems().is_empty());
        std::fs::write(&unused, "9").unwrap();
        assert!(dr.quiet().is_empty());
        std::fs::write(&used, "8").unwrap();
        assert_eq!(dr.until(last_is("used", 8)), vec![("used".into(), 8)]);
    }

    #[test]
    fn init_file_unwritable_directory_is_reported() {
        let d = TempDir::new();
        let p = d.path("missing-dir/val");
        let t = FileTracker::new(&[tf("w", &p, Some((1, false)))]).unwrap();
        assert!(matches!(
            t.problems(),
            [
                TrackFileError::InitWrite { .. },
                TrackFileError::DirMissing { .. }
            ]
        ));
    }
}
