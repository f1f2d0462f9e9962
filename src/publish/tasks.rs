//! A province's run split into tasks by agency (`run --task K --tasks N`, then
//! `run --merge --tasks N`): agencies are independent of each other once the population
//! is read, so task K computes and writes the folders of the agencies whose place in the
//! job is K modulo N, each with a summary of what the run's own files need of it, into
//! `RUN_ROOT/.tasks/<run-id>/task-K/`; the merge takes the run root's lock, reads the
//! population, moves every agency's folder into the run and writes the run's own files.
//! The agency folders are written by the code that writes them in one process, so the
//! merged run equals the one-process run (a test).

use super::{agency, Publisher};
use crate::assess::Assessment;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::handoff::{AgencyRun, FileInfo, SourceFile};
use crate::link::tier3::Model;
use crate::normalize::Person;
use crate::score::{AgencyScores, Counts};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The folder of task `k` of a run.
pub fn task_dir(cfg: &Config, k: usize) -> PathBuf {
    cfg.run_root.join(".tasks").join(&cfg.run_id).join(format!("task-{k}"))
}

/// What a task tells the merge of one agency besides its folder.
#[derive(Serialize, Deserialize)]
struct Summary {
    files: Vec<(FileInfo, Counts)>,
    counts: Counts,
    scores: AgencyScores,
    code_counts: std::collections::BTreeMap<String, u64>,
    coverage: Option<crate::assess::Coverage>,
    written: agency::Written,
}

/// A task's split (`K N`), in its folder: the merge takes only the folders of the split
/// it is given, never one left by an earlier attempt split otherwise.
const SPLIT: &str = "split";

/// A task's stage timings (ms), in its folder.
const TIMINGS: &str = "timings.json";

/// The stage timings of the `n` tasks of a run, summed by stage (in the order the stages
/// first appear): what the merged run's manifest and report show.
pub fn timings(cfg: &Config, n: usize) -> Vec<(String, u64)> {
    let mut sum: Vec<(String, u64)> = Vec::new();
    for k in 0..n {
        let text = std::fs::read_to_string(task_dir(cfg, k).join(TIMINGS)).unwrap_or_default();
        for (stage, ms) in serde_json::from_str::<Vec<(String, u64)>>(&text).unwrap_or_default() {
            match sum.iter_mut().find(|(s, _)| *s == stage) {
                Some((_, t)) => *t += ms,
                None => sum.push((stage, ms)),
            }
        }
    }
    sum
}

fn summary_path(dir: &Path, agency: &str) -> PathBuf {
    dir.join(format!("{agency}.task.json"))
}

impl Publisher {
    /// A task's publisher: no lock, its agencies written into [`task_dir`] (emptied
    /// first, then marked with its split), which is removed if the task fails and kept
    /// for the merge if it ends.
    pub fn start_task(cfg: &Config, (k, n): (usize, usize)) -> Result<Publisher> {
        let publisher = Publisher::with_staging(cfg, task_dir(cfg, k), None)?;
        let mark = publisher.staging.join(SPLIT);
        std::fs::write(&mark, format!("{k} {n}")).map_err(|e| Error::io(&mark, e))?;
        Ok(publisher)
    }

    /// Writes an agency's folder and its summary for the merge.
    pub fn task_agency(&self, a: &AgencyRun, people: &[Person]) -> Result<agency::Written> {
        let written = self.agency(a, people)?;
        let summary = Summary {
            files: a.files.iter().map(|f| (f.file.clone(), f.counts)).collect(),
            counts: a.counts,
            scores: a.scores.clone(),
            code_counts: a.code_counts.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
            coverage: a.assessment.coverage.clone(),
            written,
        };
        let path = summary_path(&self.staging, &a.input.agency);
        let text = serde_json::to_string(&summary).expect("a summary serializes");
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        Ok(summary.written)
    }

    /// Ends a task: its stage timings are written beside its agencies, and its folder
    /// stays for the merge.
    pub fn finish_task(mut self, timings: &[(String, u64)]) -> Result<()> {
        let path = self.staging.join(TIMINGS);
        let text = serde_json::to_string(timings).expect("timings serialize");
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        self.finished = true;
        Ok(())
    }

    /// The merge: moves one agency's folder from the task folder that holds it
    /// ([`locate`]) into the run's staging folder; gives the agency (without rows) as the
    /// task computed it and what its writing gave.
    pub fn adopt(&self, cfg: &Config, dir: &Path, group: &[usize]) -> Result<(AgencyRun, agency::Written)> {
        let input = &cfg.registries[group[0]];
        let name = &input.agency;
        let bad = |path: &Path, e: String| Error::Input { path: path.to_path_buf(), message: e };
        let path = summary_path(dir, name);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let s: Summary = serde_json::from_str(&text).map_err(|e| bad(&path, e.to_string()))?;
        let model_path = dir.join(name).join("model.json");
        let text = std::fs::read_to_string(&model_path).map_err(|e| Error::io(&model_path, e))?;
        let model: Model = serde_json::from_str(&text).map_err(|e| bad(&model_path, e.to_string()))?;
        let code_counts = s
            .code_counts
            .iter()
            .map(|(c, n)| crate::assess::Code::from_name(c).map(|c| (c.name(), *n)))
            .collect::<Option<_>>()
            .ok_or_else(|| bad(&path, "an unknown code".into()))?;
        let files = group
            .iter()
            .zip(s.files)
            .map(|(&i, (file, counts))| SourceFile { input: cfg.registries[i].clone(), file, counts })
            .collect();
        let target = self.staging.join(name);
        std::fs::rename(dir.join(name), &target).map_err(|e| Error::io(&target, e))?;
        let run = AgencyRun {
            input: input.clone(),
            files,
            records: Vec::new(),
            links: Vec::new(),
            model,
            rejected: Vec::new(),
            assessment: Assessment { coverage: s.coverage, ..Assessment::default() },
            scores: s.scores,
            counts: s.counts,
            code_counts,
        };
        Ok((run, s.written))
    }
}

/// The folder of the task that writes an agency in a split into `n` (its place in the job
/// modulo `n`): checked for every agency before the merge moves any, so that a merge
/// started too early leaves the tasks' work whole.
pub fn locate(cfg: &Config, n: usize, group: &[usize]) -> Result<PathBuf> {
    let name = &cfg.registries[group[0]].agency;
    let k = cfg.agencies().iter().position(|g| g[0] == group[0]).unwrap_or(0) % n.max(1);
    let dir = task_dir(cfg, k);
    let split = std::fs::read_to_string(dir.join(SPLIT)).unwrap_or_default();
    if split.trim() == format!("{k} {n}") && summary_path(&dir, name).is_file() {
        return Ok(dir);
    }
    let why = if split.is_empty() || split.trim() == format!("{k} {n}") {
        format!("task {k} of {n} has not finished: agency '{name}' is not written")
    } else {
        let old = split.trim().replace(' ', " of ");
        format!("this folder holds task {old} (an attempt split otherwise): run task {k} of {n} again")
    };
    Err(Error::Input { path: dir, message: why })
}

/// Removes the tasks' folders of a run once it is published (and `.tasks` when no other
/// run's tasks are left in it).
pub fn clear(cfg: &Config) {
    let tasks = cfg.run_root.join(".tasks");
    let _ = std::fs::remove_dir_all(tasks.join(&cfg.run_id));
    let _ = std::fs::remove_dir(tasks);
}
