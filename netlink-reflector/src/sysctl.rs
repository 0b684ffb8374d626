//! Setting `/proc/sys` values for the lifetime of a guard, restoring what was there before
//! (keepalived restores the VMAC parent's `arp_ignore`/`arp_filter` and `rp_filter` on exit).
//!
//! `/proc/sys/net` shows the network namespace of the thread that opens the file, so a guard
//! must be created and dropped on a thread in the intended namespace.

use std::fs;

use crate::error::{Error, Result};

/// Reads an unsigned sysctl.
pub fn read_sysctl(path: &str) -> Result<u32> {
    let text = fs::read_to_string(path).map_err(|source| Error::Sysctl {
        path: path.to_owned(),
        source,
    })?;
    text.trim().parse().map_err(|_| Error::SysctlValue {
        path: path.to_owned(),
        text: text.trim().to_owned(),
    })
}

/// Writes an unsigned sysctl.
pub fn write_sysctl(path: &str, value: u32) -> Result<()> {
    fs::write(path, format!("{value}\n")).map_err(|source| Error::Sysctl {
        path: path.to_owned(),
        source,
    })
}

/// Values set by [`SysctlGuard::set`]; each is put back on drop (or [`SysctlGuard::restore`]),
/// most recent first, but only if it still holds the value the guard wrote, so a change made
/// by an administrator meanwhile is left alone.
#[derive(Debug, Default)]
pub struct SysctlGuard {
    saved: Vec<Saved>,
}

#[derive(Debug)]
struct Saved {
    path: String,
    previous: u32,
    written: u32,
}

impl SysctlGuard {
    /// An empty guard.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `path` to `value`, remembering the old value. Writing the value already present
    /// is skipped and not remembered.
    pub fn set(&mut self, path: &str, value: u32) -> Result<()> {
        let previous = read_sysctl(path)?;
        if previous == value {
            return Ok(());
        }
        write_sysctl(path, value)?;
        self.saved.push(Saved {
            path: path.to_owned(),
            previous,
            written: value,
        });
        Ok(())
    }

    /// Sets every (path, value) pair; stops at the first error, keeping what was set so far.
    pub fn set_all<'a>(
        &mut self,
        items: impl IntoIterator<Item = &'a (String, u32)>,
    ) -> Result<()> {
        for (p, v) in items {
            self.set(p, *v)?;
        }
        Ok(())
    }

    /// Paths currently held, with the value each will be restored to.
    pub fn held(&self) -> impl Iterator<Item = (&str, u32)> {
        self.saved.iter().map(|s| (s.path.as_str(), s.previous))
    }

    /// Restores now; returns the first error but attempts every path. Paths whose interface
    /// has gone (a deleted VMAC) are skipped silently.
    pub fn restore(&mut self) -> Result<()> {
        let mut first = None;
        while let Some(s) = self.saved.pop() {
            match read_sysctl(&s.path) {
                Ok(now) if now == s.written => {
                    if let Err(e) = write_sysctl(&s.path, s.previous) {
                        first.get_or_insert(e);
                    }
                }
                Ok(_) => {}
                Err(Error::Sysctl { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        first.map_or(Ok(()), Err)
    }
}

impl Drop for SysctlGuard {
    fn drop(&mut self) {
        let _ = self.restore();
    }
}
