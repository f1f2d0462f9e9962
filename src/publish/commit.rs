//! The publish protocol: how a complete staging folder and the new metrics feed become
//! the run root's state, so that every failure and every crash leaves either the old
//! state (the previous run of the ID, if any, and the old feed) or the new one (this run
//! and the feed with its lines), and the exit code says which.
//!
//! 1. The run's files are written into `.staging-ID` (before this module).
//! 2. The new feed is written into `.staging-ID/.feed-next`, then the marker
//!    `.complete-ID` is created in the run root, naming the staging folder by its inode
//!    (after an exchange, that tells the new run from the earlier one): from here on the
//!    run is decided. An error before the marker leaves the old state (exit 1, the
//!    staging folder removed).
//! 3. `.feed-next` is renamed over `feed/metrics.jsonl`.
//! 4. `.staging-ID` becomes `ID`: exchanged with an earlier run of the ID in one atomic
//!    step (`renameat2(RENAME_EXCHANGE)`; where the file system cannot, the earlier run
//!    is renamed to `.replaced-ID` first), else renamed.
//! 5. The earlier run and the marker are removed.
//!
//! An error in 3 or 4 undoes what was done (the old feed written back, the old run moved
//! back) and exits 1 with the old state; if even that fails, the marker stays and the
//! message says so. A crash (SIGKILL, power) anywhere is settled when the next run takes
//! the lock ([`recover`]): with the marker, the steps left are done (the new state);
//! without it, the staging folder is removed (the old state).
//!
//! `DOISOAT_CRASH_AT=complete|feed|swapped` aborts the process right after that step
//! (`aside`: after moving the earlier run aside, where there is no atomic exchange): the
//! crash tests use it to stop a run at each point.

use super::feed::FEED_DIR;
use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The feed file inside a staging folder, waiting for step 3.
const FEED_NEXT: &str = ".feed-next";

/// A folder's identity (device and inode), as the marker records the staging folder's.
fn identity(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| format!("{}:{}", m.dev(), m.ino()))
}

/// Swaps two folders in one step; `false` when the file system cannot (then nothing moved).
fn exchange(a: &Path, b: &Path) -> Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).map_err(|e| Error::io(p, e.into()));
    let (ca, cb) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated C strings that live across the call.
    let r = unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP) => Ok(false),
        _ => Err(Error::io(b, e)),
    }
}

/// An I/O error when the failure tests ask for one at `point` of run `run_id`
/// (`DOISOAT_FAIL_AT=point:run_id`).
fn fault(point: &str, run_id: &str, path: &Path) -> Result<()> {
    match std::env::var("DOISOAT_FAIL_AT") {
        Ok(v) if v == format!("{point}:{run_id}") => Err(Error::io(path, std::io::Error::other("injected failure"))),
        _ => Ok(()),
    }
}

/// Aborts the process when the crash tests ask to stop at `point`.
fn crash_point(point: &str) {
    if std::env::var("DOISOAT_CRASH_AT").is_ok_and(|p| p == point) {
        std::process::abort();
    }
}

/// The paths of one run ID's publication.
struct Paths {
    staging: PathBuf,
    marker: PathBuf,
    target: PathBuf,
    replaced: PathBuf,
    feed: PathBuf,
}

impl Paths {
    fn of(run_root: &Path, run_id: &str) -> Paths {
        Paths {
            staging: run_root.join(format!(".staging-{run_id}")),
            marker: run_root.join(format!(".complete-{run_id}")),
            target: run_root.join(run_id),
            replaced: run_root.join(format!(".replaced-{run_id}")),
            feed: run_root.join(FEED_DIR).join("metrics.jsonl"),
        }
    }
}

/// Writes a file and makes it durable.
fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| Error::io(path, e))
}

/// Publishes the complete staging folder of `run_id` with the new feed text (steps 2–5).
/// `old_feed` is the feed as it was (`None`: there was none), to write back if a later
/// step fails.
pub(super) fn publish(run_root: &Path, run_id: &str, feed: &str, old_feed: Option<&str>) -> Result<()> {
    let p = Paths::of(run_root, run_id);
    let feed_dir = run_root.join(FEED_DIR);
    std::fs::create_dir_all(&feed_dir).map_err(|e| Error::io(&feed_dir, e))?;
    write_synced(&p.staging.join(FEED_NEXT), feed.as_bytes())?;
    let staged = identity(&p.staging).ok_or_else(|| Error::io(&p.staging, std::io::ErrorKind::NotFound.into()))?;
    write_synced(&p.marker, staged.as_bytes())?;
    crash_point("complete");
    let undone = |why: Error, feed_replaced: bool| -> Error {
        let restored = (|| -> Result<()> {
            if feed_replaced {
                match old_feed {
                    Some(text) => {
                        let back = run_root.join(FEED_DIR).join(".metrics.jsonl.previous");
                        write_synced(&back, text.as_bytes())?;
                        std::fs::rename(&back, &p.feed).map_err(|e| Error::io(&p.feed, e))?;
                    }
                    None => std::fs::remove_file(&p.feed).map_err(|e| Error::io(&p.feed, e))?,
                }
            }
            if p.replaced.exists() && !p.target.exists() {
                std::fs::rename(&p.replaced, &p.target).map_err(|e| Error::io(&p.target, e))?;
            }
            std::fs::remove_file(&p.marker).map_err(|e| Error::io(&p.marker, e))
        })();
        match restored {
            Ok(()) => why,
            Err(again) => Error::Input {
                path: p.target.clone(),
                message: format!(
                    "publishing failed ({why}) and undoing it failed too ({again}): the next run on this run root completes the publication"
                ),
            },
        }
    };
    if let Err(e) = std::fs::rename(p.staging.join(FEED_NEXT), &p.feed) {
        return Err(undone(Error::io(&p.feed, e), false));
    }
    crash_point("feed");
    fault("swap", run_id, &p.target).map_err(|e| undone(e, true))?;
    let exchanged = match p.target.exists() {
        true => exchange(&p.staging, &p.target).map_err(|e| undone(e, true))?,
        false => false,
    };
    if !exchanged {
        if p.target.exists() {
            if let Err(e) = std::fs::rename(&p.target, &p.replaced) {
                return Err(undone(Error::io(&p.target, e), true));
            }
            crash_point("aside");
        }
        if let Err(e) = std::fs::rename(&p.staging, &p.target) {
            return Err(undone(Error::io(&p.target, e), true));
        }
    }
    crash_point("swapped");
    finish(&p, true)
}

/// Whether the run of `run_id` is decided (its marker exists): a failure from here on is
/// settled by the next run, so its staging folder must be kept.
pub(super) fn decided(run_root: &Path, run_id: &str) -> bool {
    Paths::of(run_root, run_id).marker.exists()
}

/// Step 5, once the new run is in place (`in_place`): the earlier run (exchanged into the
/// staging folder, or moved aside) and the marker removed (an earlier run whose
/// replacement is not in place is moved back instead: never is a run removed without
/// another in its place).
fn finish(p: &Paths, in_place: bool) -> Result<()> {
    if in_place && p.staging.exists() {
        std::fs::remove_dir_all(&p.staging).map_err(|e| Error::io(&p.staging, e))?;
    }
    if p.replaced.exists() {
        if p.target.exists() {
            std::fs::remove_dir_all(&p.replaced).map_err(|e| Error::io(&p.replaced, e))?;
        } else {
            std::fs::rename(&p.replaced, &p.target).map_err(|e| Error::io(&p.target, e))?;
        }
    }
    std::fs::remove_file(&p.marker).map_err(|e| Error::io(&p.marker, e))
}

/// Settles what a crashed run left, under the lock: each run whose marker exists is
/// published (the steps left done); then staging folders without a marker are removed,
/// and a run moved aside whose replacement never came is moved back.
pub(super) fn recover(run_root: &Path) -> Result<()> {
    let names: Vec<String> = std::fs::read_dir(run_root)
        .map_err(|e| Error::io(run_root, e))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    for id in names.iter().filter_map(|n| n.strip_prefix(".complete-")) {
        let p = Paths::of(run_root, id);
        if p.staging.join(FEED_NEXT).exists() {
            std::fs::rename(p.staging.join(FEED_NEXT), &p.feed).map_err(|e| Error::io(&p.feed, e))?;
        }
        // The new run is in place when `ID` is the folder the marker names; else it is
        // still staged.
        let staged = std::fs::read_to_string(run_root.join(format!(".complete-{id}"))).unwrap_or_default();
        if identity(&p.staging).is_some_and(|s| s == staged) {
            if p.target.exists() && !p.replaced.exists() {
                std::fs::rename(&p.target, &p.replaced).map_err(|e| Error::io(&p.target, e))?;
            }
            if !p.target.exists() {
                std::fs::rename(&p.staging, &p.target).map_err(|e| Error::io(&p.target, e))?;
            }
        }
        let in_place = identity(&p.target).is_some_and(|t| t == staged);
        finish(&p, in_place)?;
    }
    for name in &names {
        let path = run_root.join(name);
        if name.starts_with(".staging-") && path.exists() {
            std::fs::remove_dir_all(&path).map_err(|err| Error::io(&path, err))?;
        } else if let Some(id) = name.strip_prefix(".replaced-").filter(|_| path.exists()) {
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

    fn setup() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        std::fs::create_dir_all(root.join("r")).unwrap();
        std::fs::write(root.join("r/manifest.json"), "old").unwrap();
        std::fs::create_dir_all(root.join(FEED_DIR)).unwrap();
        std::fs::write(root.join(FEED_DIR).join("metrics.jsonl"), "old feed\n").unwrap();
        std::fs::create_dir_all(root.join(".staging-r")).unwrap();
        std::fs::write(root.join(".staging-r/manifest.json"), "new").unwrap();
        (dir, root)
    }

    #[test]
    fn a_publication_replaces_the_run_and_the_feed_and_leaves_nothing_else() {
        let (_dir, root) = setup();
        publish(&root, "r", "new feed\n", Some("old feed\n")).unwrap();
        assert_eq!(std::fs::read_to_string(root.join("r/manifest.json")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(root.join(FEED_DIR).join("metrics.jsonl")).unwrap(), "new feed\n");
        let mut names: Vec<String> =
            std::fs::read_dir(&root).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect();
        names.sort();
        assert_eq!(names, ["feed", "r"]);
        assert!(!root.join("r").join(FEED_NEXT).exists());
    }

    /// Hostile (#20, item 3): a step after the feed was replaced fails (here the old run
    /// cannot be moved aside). The old feed is written back, the old run stays, no
    /// marker: the old state, and an error (exit 1) that says nothing was published.
    #[test]
    fn a_failure_after_the_feed_was_replaced_restores_the_old_state() {
        let (_dir, root) = setup();
        std::fs::rename(root.join("r"), root.join("r-fail")).unwrap();
        std::fs::rename(root.join(".staging-r"), root.join(".staging-r-fail")).unwrap();
        std::env::set_var("DOISOAT_FAIL_AT", "swap:r-fail");
        let root = root.as_path();
        let err = publish(root, "r-fail", "new feed\n", Some("old feed\n")).unwrap_err();
        assert!(err.to_string().contains("injected failure"), "{err}");
        let root = root.to_path_buf();
        std::fs::rename(root.join("r-fail"), root.join("r")).unwrap();
        assert_eq!(std::fs::read_to_string(root.join(FEED_DIR).join("metrics.jsonl")).unwrap(), "old feed\n");
        assert_eq!(std::fs::read_to_string(root.join("r/manifest.json")).unwrap(), "old");
        assert!(!decided(&root, "r-fail"));
        assert!(!root.join(FEED_DIR).join(".metrics.jsonl.previous").exists());
    }

    /// A crash after the marker, at each later step (the exchange, or its fallback's two
    /// renames), is completed by [`recover`].
    #[test]
    fn a_decided_publication_is_completed_by_the_next_run() {
        for step in 0..5 {
            let (_dir, root) = setup();
            let p = Paths::of(&root, "r");
            write_synced(&p.staging.join(FEED_NEXT), b"new feed\n").unwrap();
            write_synced(&p.marker, identity(&p.staging).unwrap().as_bytes()).unwrap();
            if step >= 1 {
                std::fs::rename(p.staging.join(FEED_NEXT), &p.feed).unwrap();
            }
            match step {
                2 => std::fs::rename(&p.target, &p.replaced).unwrap(),
                3 => {
                    std::fs::rename(&p.target, &p.replaced).unwrap();
                    std::fs::rename(&p.staging, &p.target).unwrap();
                }
                4 => assert!(exchange(&p.staging, &p.target).unwrap(), "tmpfs and ext4 exchange"),
                _ => {}
            }
            recover(&root).unwrap();
            assert_eq!(std::fs::read_to_string(root.join("r/manifest.json")).unwrap(), "new", "step {step}");
            assert_eq!(std::fs::read_to_string(&p.feed).unwrap(), "new feed\n", "step {step}");
            assert!(!p.marker.exists() && !p.replaced.exists() && !p.staging.exists(), "step {step}");
            assert_eq!(std::fs::read_dir(&p.target).unwrap().count(), 1, "step {step}: only the run's file");
        }
    }
}
