//! What a run root keeps: the newest `keep_runs` run folders (the job's setting), the
//! feed whole, and every pruned run's `changes.json` (moved to `feed/changes/`, so the
//! history of what changed night to night stays whole). Only a folder that is a doisoat
//! run — its `manifest.json` names it as its run ID — is ever removed.

use super::{published_runs, FEED_DIR};
use crate::handoff::Pruned;
use std::path::Path;

/// Whether a folder is a run doisoat published: its manifest says so, under this ID.
pub(super) fn is_run(dir: &Path, run_id: &str) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest.json")) else {
        return false;
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .is_ok_and(|m| m["run_id"] == run_id && m["tool"].is_object() && m.get("conservation_holds").is_some())
}

/// Removes the runs older than the newest `keep` (by run ID, as `previous_run` orders
/// them), keeping `current` whatever its place; `keep == 0` keeps every run.
pub fn prune(run_root: &Path, current: &str, keep: usize) -> Pruned {
    let mut out = Pruned::default();
    if keep == 0 {
        return out;
    }
    let runs = published_runs(run_root);
    let excess = runs.len().saturating_sub(keep);
    for id in runs.into_iter().take(excess).filter(|id| id != current) {
        let dir = run_root.join(&id);
        if !is_run(&dir, &id) {
            out.problems
                .push(format!("{}: not a doisoat run (its manifest does not name it); left in place", dir.display()));
            continue;
        }
        let history = run_root.join(FEED_DIR).join("changes");
        let kept = std::fs::create_dir_all(&history).and_then(|_| {
            let changes = dir.join("changes.json");
            if changes.is_file() {
                std::fs::copy(&changes, history.join(format!("{id}.json"))).map(drop)
            } else {
                Ok(())
            }
        });
        if let Err(e) = kept {
            out.problems.push(format!("{}: its changes.json could not be kept ({e}); left in place", dir.display()));
            continue;
        }
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => out.removed.push(id),
            Err(e) => out.problems.push(format!("{}: could not be removed ({e})", dir.display())),
        }
    }
    out
}
