//! The run root's lock: one run at a time. The lock file holds the owner's process ID;
//! a lock whose process no longer exists is stale and taken over. Leftovers of a killed
//! run (`.staging-*`, `.replaced-*`) are cleaned when the lock is taken.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A held lock; released when dropped.
pub struct RunLock {
    path: PathBuf,
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

impl RunLock {
    /// Takes the lock of a run root, or says who holds it.
    pub fn acquire(run_root: &Path) -> Result<RunLock> {
        let path = run_root.join(".lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut f) => {
                    write!(f, "{}", std::process::id()).map_err(|e| Error::io(&path, e))?;
                    cleanup(run_root)?;
                    return Ok(RunLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    match holder.trim().parse::<u32>() {
                        Ok(pid) if pid != std::process::id() && alive(pid) => {
                            return Err(Error::Locked { path, holder: format!("process {pid}") })
                        }
                        // Stale (dead owner or unreadable): take it over.
                        _ => std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?,
                    }
                }
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Err(Error::Locked { path, holder: "another process (lock changed hands twice)".into() })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Removes staging folders of killed runs; restores a run folder that a killed run had
/// moved aside but not yet replaced.
fn cleanup(run_root: &Path) -> Result<()> {
    let entries = std::fs::read_dir(run_root).map_err(|e| Error::io(run_root, e))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let path = e.path();
        if name.starts_with(".staging-") {
            std::fs::remove_dir_all(&path).map_err(|err| Error::io(&path, err))?;
        } else if let Some(id) = name.strip_prefix(".replaced-") {
            let target = run_root.join(id);
            if target.exists() {
                std::fs::remove_dir_all(&path).map_err(|err| Error::io(&path, err))?;
            } else {
                std::fs::rename(&path, &target).map_err(|err| Error::io(&target, err))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_refused_and_stale_lock_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        // A lock held by a live process other than us (PID 1 always exists).
        std::fs::write(dir.path().join(".lock"), "1").unwrap();
        assert!(matches!(RunLock::acquire(dir.path()), Err(Error::Locked { .. })));
        // A lock of a dead process is taken over.
        std::fs::write(dir.path().join(".lock"), "999999999").unwrap();
        let lock = RunLock::acquire(dir.path()).unwrap();
        drop(lock);
        assert!(!dir.path().join(".lock").exists());
    }

    #[test]
    fn leftovers_of_a_killed_run_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".staging-2026-01-01/x")).unwrap();
        std::fs::create_dir_all(dir.path().join(".replaced-2026-01-02")).unwrap();
        let _lock = RunLock::acquire(dir.path()).unwrap();
        assert!(!dir.path().join(".staging-2026-01-01").exists());
        assert!(dir.path().join("2026-01-02").exists());
    }
}
