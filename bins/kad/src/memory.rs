//! Giving memory back after a configuration is loaded. Parsing keeps every byte's origin
//! (file:line:col) and builds a tree, all of it freed once the typed model exists; glibc keeps
//! such freed heap in the process unless asked, so a daemon that read a large configuration
//! would carry its parse-time peak for life. keepalived frees its parse data the same way
//! (`free_parser_data`).

/// What a process calls once a configuration is loaded and in place: free heap pages go back
/// to the kernel, and the code that only loading ran leaves the process's resident set.
pub fn release_after_load() {
    release_free_heap();
    release_load_code();
}

/// Returns free heap pages to the kernel (glibc `malloc_trim(0)`).
#[allow(unsafe_code)]
fn release_free_heap() {
    // SAFETY: malloc_trim only walks glibc's own arenas; 0 keeps no padding. It has no
    // preconditions and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Unmaps the executable's code and read-only data pages from this process
/// (`madvise(MADV_DONTNEED)`), so that its resident set holds what it runs from now on rather
/// than everything loading ran: the configuration parser, the command line, TLS and IPVS
/// setup. In the checker of a pool of 11,000 real servers, 2.7 MiB of kad's code was resident
/// after start and 0.27 MiB of it was used again in the next 15 s. The pages stay in the page
/// cache; the next use of one maps it again with a minor fault.
///
/// Only mappings that are private, not writable and hold no private copy of any page
/// (`Anonymous: 0 kB`: no relocated RELRO data, no debugger breakpoint) are touched, so
/// discarding them can only drop pages identical to the file's.
fn release_load_code() {
    use std::os::unix::fs::MetadataExt;
    let exe = Executable {
        path: std::fs::read_link("/proc/self/exe")
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default(),
        ino: std::fs::metadata("/proc/self/exe").map_or(0, |m| m.ino()),
    };
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return;
    };
    for m in clean_read_only_mappings(&smaps, &exe) {
        drop_mapping(m);
    }
}

/// How the executable's mappings are recognised: by path (as `/proc/self/exe` names it, with
/// " (deleted)" after an upgrade, as in smaps) or by inode (where a layered file system shows
/// another path). Either way the mapping must also pass the checks that make dropping it safe.
struct Executable {
    path: String,
    ino: u64,
}

/// One mapping from `/proc/self/smaps`: start and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Mapping {
    start: usize,
    len: usize,
}

/// The executable's mappings that are private, not writable and have no anonymous
/// (copied-on-write) pages.
fn clean_read_only_mappings(smaps: &str, exe: &Executable) -> Vec<Mapping> {
    let mut out = Vec::new();
    let mut current: Option<Mapping> = None;
    for line in smaps.lines() {
        if let Some(kb) = line.strip_prefix("Anonymous:") {
            let anon = kb.trim().trim_end_matches("kB").trim().parse::<u64>();
            if let (Some(m), Ok(0)) = (current.take(), anon) {
                out.push(m);
            }
            continue;
        }
        if let Some(header) = mapping_header(line) {
            current = None;
            let (range, perms, ino, path) = header;
            let private_ro =
                perms.starts_with('r') && perms.as_bytes()[1] == b'-' && perms.ends_with('p');
            let ours =
                (!exe.path.is_empty() && path == exe.path) || (exe.ino != 0 && ino == exe.ino);
            if private_ro && ours {
                current = Some(range);
            }
        }
    }
    out
}

/// A mapping's header line: `start-end perms offset dev inode [path]`.
fn mapping_header(line: &str) -> Option<(Mapping, &str, u64, &str)> {
    let mut rest = line;
    let mut field = || {
        let t = rest.trim_start();
        let end = t.find(' ').unwrap_or(t.len());
        let (f, r) = t.split_at(end);
        rest = r;
        f
    };
    let (range, perms, _offset, _dev, ino) = (field(), field(), field(), field(), field());
    let (lo, hi) = range.split_once('-')?;
    let lo = usize::from_str_radix(lo, 16).ok()?;
    let hi = usize::from_str_radix(hi, 16).ok()?;
    if perms.len() != 4 || hi <= lo {
        return None;
    }
    let ino = ino.parse().ok()?;
    Some((
        Mapping {
            start: lo,
            len: hi - lo,
        },
        perms,
        ino,
        rest.trim(),
    ))
}

#[allow(unsafe_code)]
fn drop_mapping(m: Mapping) {
    // SAFETY: `m` is a whole private, read-only mapping of the executable with no anonymous
    // pages, as /proc/self/smaps showed it. MADV_DONTNEED on such a mapping only unmaps page
    // cache pages; the next access faults in the same bytes from the file. No Rust object lives
    // in it, and nothing makes it writable (RELRO is a separate mapping, with anonymous pages).
    let rc = unsafe { libc::madvise(m.start as *mut libc::c_void, m.len, libc::MADV_DONTNEED) };
    if rc != 0 {
        log_debug!(
            "madvise(MADV_DONTNEED): {}",
            std::io::Error::last_os_error()
        );
    }
}

/// Opts the daemon's processes out of transparent huge pages (`PR_SET_THP_DISABLE`, kept
/// across fork and exec, so the children and their scripts inherit it). A daemon's heap is
/// many small long-lived objects: where the kernel backs every 2 MiB-aligned stretch of it with
/// a huge page (`transparent_hugepage=always`, as in Debian's kernel in the test VM), a checker
/// with 11,000 real servers was resident at 24 MiB of which 16 MiB were huge pages, against 13
/// MiB with small pages. keepalived does not ask; distributions that enable THP for all
/// processes are why daemons such as Redis tell their users to turn it off.
pub fn no_huge_pages() {
    if let Err(e) = nix::sys::prctl::set_thp_disable(true) {
        log_debug!("prctl(PR_SET_THP_DISABLE): {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMAPS: &str = "\
55d0c8a00000-55d0c8b9d000 r--p 00000000 fe:00 5759989                    /usr/sbin/kad
Rss:                 828 kB
Anonymous:             0 kB
55d0c8b9d000-55d0c90b8000 r-xp 0019c000 fe:00 5759989                    /usr/sbin/kad
Rss:                2852 kB
Anonymous:             0 kB
55d0c90b8000-55d0c90ed000 r--p 006b6000 fe:00 5759989                    /usr/sbin/kad
Rss:                 212 kB
Anonymous:           212 kB
55d0c90ed000-55d0c90f0000 rw-p 006eb000 fe:00 5759989                    /usr/sbin/kad
Anonymous:            12 kB
7f69c8c40000-7f69c8c66000 r--p 00000000 fe:00 326279                     /usr/lib/libc.so.6
Anonymous:             0 kB
";

    #[test]
    fn only_clean_read_only_mappings_of_the_executable() {
        let exe = |path: &str, ino| Executable {
            path: path.into(),
            ino,
        };
        let got = clean_read_only_mappings(SMAPS, &exe("/usr/sbin/kad", 0));
        assert_eq!(got, clean_read_only_mappings(SMAPS, &exe("", 5759989)));
        assert_eq!(
            got,
            vec![
                Mapping {
                    start: 0x55d0c8a00000,
                    len: 0x19d000
                },
                Mapping {
                    start: 0x55d0c8b9d000,
                    len: 0x51b000
                },
            ]
        );
        assert!(clean_read_only_mappings(SMAPS, &exe("/usr/sbin/kadx", 1)).is_empty());
    }

    #[test]
    fn the_running_binary_still_runs_after_its_code_is_released() {
        release_load_code();
        // Code and read-only data fault back in from the file.
        let v: Vec<String> = (0..1000).map(|i| format!("{i:x}")).collect();
        assert_eq!(v[255], "ff");
    }
}
