//! Giving memory back after a configuration is loaded. Parsing keeps every byte's origin
//! (file:line:col) and builds a tree, all of it freed once the typed model exists; glibc keeps
//! such freed heap in the process unless asked, so a daemon that read a large configuration
//! would carry its parse-time peak for life. keepalived frees its parse data the same way
//! (`free_parser_data`).

/// Returns free heap pages to the kernel (glibc `malloc_trim(0)`).
#[allow(unsafe_code)]
pub fn release_free_heap() {
    // SAFETY: malloc_trim only walks glibc's own arenas; 0 keeps no padding. It has no
    // preconditions and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
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
