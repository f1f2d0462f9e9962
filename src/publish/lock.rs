//! The run root's lock: one run at a time. The lock is the operating system's advisory
//! lock (`flock`) on `RUN_ROOT/.lock`, held as long as the run's process holds the file
//! open: the kernel releases it when the process ends, however it ends (SIGKILL
//! included), so no lock is ever judged stale by a PID that may belong to another program
//! or to another PID namespace, and two runs started together cannot both take it. The
//! file holds the owner's process ID for people to read, and is removed on release; a
//! run that locked a file another run had just removed tries again. Leftovers of a killed
//! run (`.staging-*`, `.replaced-*`) are cleaned when the lock is taken.

use crate::error::{Error, Result};
use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A held lock; released when dropped.
pub struct RunLock {
    path: PathBuf,
    /// The open lock file: the lock lives as long as it is open.
    file: File,
}

/// Whether the open file is still the one at `path` (a run that released its lock removed
/// the file; a file locked after that is no one's lock).
fn is_at(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

impl RunLock {
    /// Takes the lock of a run root, or says who holds it.
    pub fn acquire(run_root: &Path) -> Result<RunLock> {
        let path = run_root.join(".lock");
        for _ in 0..16 {
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| Error::io(&path, e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let holder = match holder.trim().parse::<u32>() {
                        Ok(pid) => format!("process {pid}"),
                        Err(_) => "a run that is starting".into(),
                    };
                    return Err(Error::Locked { path, holder });
                }
                Err(TryLockError::Error(e)) => return Err(Error::io(&path, e)),
            }
            if !is_at(&file, &path) {
                continue;
            }
            let mut lock = RunLock { path, file };
            lock.file.set_len(0).map_err(|e| Error::io(&lock.path, e))?;
            write!(lock.file, "{}", std::process::id()).map_err(|e| Error::io(&lock.path, e))?;
            super::commit::recover(run_root)?;
            return Ok(lock);
        }
        Err(Error::Locked { path, holder: "other runs (the lock changed hands repeatedly)".into() })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Removed while still locked, then unlocked when the file closes: a run that opened
        // the old file in between finds it is no longer at the path and tries again.
        let _ = std::fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_and_a_lock_file_nobody_holds_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path()).unwrap();
        let err = RunLock::acquire(dir.path()).err().expect("the second is refused");
        assert!(err.to_string().contains(&format!("process {}", std::process::id())), "{err}");
        drop(first);
        assert!(!dir.path().join(".lock").exists(), "released and removed");
        // A lock file left by a killed run (any PID in it, even a live one's): nobody
        // holds the OS lock, so it is taken.
        std::fs::write(dir.path().join(".lock"), "1").unwrap();
        drop(RunLock::acquire(dir.path()).unwrap());
    }

    /// Hostile (#20, item 4): runs started together. Eight threads take and release the
    /// lock 200 times each; never two hold it at once (the PID-file lock let a run in
    /// while another had created `.lock` and not yet written its PID, or took a "stale"
    /// lock another run had just taken over).
    #[test]
    fn runs_started_together_never_hold_the_lock_at_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let holders = AtomicUsize::new(0);
        let taken = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..200 {
                        if let Ok(lock) = RunLock::acquire(dir.path()) {
                            assert_eq!(holders.fetch_add(1, Ordering::SeqCst), 0, "two holders at once");
                            taken.fetch_add(1, Ordering::SeqCst);
                            std::thread::yield_now();
                            holders.fetch_sub(1, Ordering::SeqCst);
                            drop(lock);
                        }
                    }
                });
            }
        });
        assert!(taken.load(Ordering::SeqCst) > 0);
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
