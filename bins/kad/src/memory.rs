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
