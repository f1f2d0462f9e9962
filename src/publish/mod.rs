//! Publish: write a run folder atomically (SPEC §7).
//!
//! A [`Publisher`] writes every file into a staging folder `RUN_ROOT/.staging-<id>` and
//! renames it into place only when complete, so a failed run publishes nothing and
//! leaves earlier runs as they were. Each agency's folder is written once its
//! conservation is checked — during a run, while the next registry is computed
//! ([`crate::pipeline::run`]); the run's own files follow once every agency is done and
//! the whole run's conservation holds. [`publish`] does the same for a run computed
//! beforehand. One run at a time holds the OS lock on `RUN_ROOT/.lock` ([`lock`]). The
//! job's quality gates are evaluated before the run's own files are written (they report
//! them); after the rename the metrics feed is replaced (idempotently per run ID).

mod agency;
pub mod columns;
mod commit;
mod feed;
mod fixes;
pub mod gates;
mod lock;
mod openmetrics;
pub mod read;
mod report;
pub mod residue;
pub mod retention;
mod run_files;
pub mod tasks;
mod vietnamese;
pub mod writers;
pub mod xlsx;

pub use agency::Written;
pub use feed::FEED_DIR;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::handoff::{AgencyRun, RunData, RunReport};
use crate::normalize::Person;
use crate::vn::admin::AdminUnits;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Checks conservation for every input: each row ends in exactly one outcome.
pub fn check_conservation(data: &RunData) -> Result<()> {
    let mut problems = Vec::new();
    for p in &data.population_files {
        if (p.loaded + p.rejected) as u64 != p.file.rows {
            problems.push(format!(
                "population {}: {} rows read but {} people + {} rejected",
                p.file.path.display(),
                p.file.rows,
                p.loaded,
                p.rejected
            ));
        }
    }
    let (loaded, rejected): (usize, usize) =
        data.population_files.iter().fold((0, 0), |(l, r), p| (l + p.loaded, r + p.rejected));
    if loaded != data.people.len() || rejected != data.population_rejected.len() {
        problems.push(format!(
            "population: the files gave {loaded} people and {rejected} rejected rows, the run holds {} and {}",
            data.people.len(),
            data.population_rejected.len()
        ));
    }
    problems.extend(data.agencies.iter().filter_map(agency_conservation));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Conservation(problems.join("; ")))
    }
}

/// What is wrong with one registry's conservation, if anything: the agency's outcomes
/// against the rows of all its files, and each file's against its own.
fn agency_conservation(a: &AgencyRun) -> Option<String> {
    let problem = |what: &str, c: &crate::score::Counts, rows: u64| {
        (!c.conserved() || c.rows != rows).then(|| {
            format!(
                "{what}: {rows} rows read, outcomes {} linked + {} review + {} not in population + {} rejected = {}",
                c.linked,
                c.review,
                c.not_in_population,
                c.rejected,
                c.linked + c.review + c.not_in_population + c.rejected
            )
        })
    };
    let rows = a.files.iter().map(|f| f.file.rows).sum();
    problem(&a.input.agency, &a.counts, rows).or_else(|| {
        a.files
            .iter()
            .find_map(|f| problem(&format!("{} ({})", a.input.agency, f.input.path.display()), &f.counts, f.file.rows))
    })
}

/// Published runs in a run root, sorted by run ID.
pub fn published_runs(run_root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(run_root) else {
        return Vec::new();
    };
    let mut runs: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("manifest.json").is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| !n.starts_with('.') && n != FEED_DIR)
        .collect();
    runs.sort();
    runs
}

/// The run published before `run_id` (the greatest ID below it), if any.
pub fn previous_run(run_root: &Path, run_id: &str) -> Option<PathBuf> {
    published_runs(run_root).into_iter().rfind(|r| r.as_str() < run_id).map(|r| run_root.join(r))
}

/// The name of a 2025 commune code ("" when unknown).
/// The 2025 name of a commune code (empty for none).
pub fn commune_name(code: &str) -> &'static str {
    AdminUnits::get().unit(code).map_or("", |u| u.name.as_str())
}

/// A run folder being written: holds the run root's lock and the staging folder from
/// [`Publisher::start`] to [`Publisher::finish`]. Agencies are written one by one
/// ([`Publisher::agency`]), as soon as each is assessed, while the next is computed. If it
/// is dropped unfinished (a stage or a write failed), the staging folder is removed and
/// nothing is published.
pub struct Publisher {
    staging: PathBuf,
    previous: Option<PathBuf>,
    run_id: String,
    mask_review_ids: bool,
    today: crate::vn::date::PartialDate,
    /// The run's 2025 province (each record of the residue carries it).
    province: String,
    finished: bool,
    // Released last (fields drop in order): the staging folder is gone by then. A task of
    // a run split into tasks takes none (the tasks run at once; the merge takes it).
    _lock: Option<lock::RunLock>,
}

impl Publisher {
    /// Takes the run root's lock and makes an empty staging folder.
    pub fn start(cfg: &Config) -> Result<Publisher> {
        std::fs::create_dir_all(&cfg.run_root).map_err(|e| Error::io(&cfg.run_root, e))?;
        let lock = lock::RunLock::acquire(&cfg.run_root)?;
        // A run ID replaces only an earlier run of that ID, never another folder (the
        // feed, a person's archive, the job's own rules when the run root is its folder).
        let target = cfg.run_root.join(&cfg.run_id);
        if cfg.run_id == FEED_DIR {
            return Err(Error::Usage(format!("run ID '{FEED_DIR}' is the metrics feed's folder")));
        }
        if target.exists() && !retention::is_run(&target, &cfg.run_id) {
            return Err(Error::Usage(format!(
                "{} exists and is not a doisoat run of that ID (no manifest naming it): a run replaces only an earlier run",
                target.display()
            )));
        }
        let staging = cfg.run_root.join(format!(".staging-{}", cfg.run_id));
        Publisher::with_staging(cfg, staging, Some(lock))
    }

    /// A publisher writing into `staging` (emptied first), holding the run root's lock
    /// if it is given one.
    fn with_staging(cfg: &Config, staging: PathBuf, lock: Option<lock::RunLock>) -> Result<Publisher> {
        if staging.exists() {
            std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        }
        std::fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
        Ok(Publisher {
            previous: previous_run(&cfg.run_root, &cfg.run_id),
            staging,
            run_id: cfg.run_id.clone(),
            mask_review_ids: cfg.privacy.mask_review_ids,
            today: cfg.today,
            province: cfg.province.clone(),
            finished: false,
            _lock: lock,
        })
    }

    /// Writes one agency's folder into the staging folder, after checking that every row
    /// of its file has an outcome.
    pub fn agency(&self, a: &AgencyRun, people: &[Person]) -> Result<agency::Written> {
        if let Some(problem) = agency_conservation(a) {
            return Err(Error::Conservation(problem));
        }
        let previous_ids = self.previous.as_ref().map(|p| agency::discrepancy_ids(&p.join(&a.input.agency)));
        let dir = self.staging.join(&a.input.agency);
        let written =
            agency::write(&self.run_id, a, people, &dir, previous_ids.as_ref(), self.mask_review_ids, self.today)?;
        residue::write(&dir, a, &self.province)?;
        Ok(written)
    }

    /// Checks conservation for the whole run, writes the run's own files (metrics,
    /// changes, report, manifest) beside the agencies' folders (`written`, in the order
    /// of `data.agencies`), moves the folder into place, appends the feed and evaluates
    /// the gates. `start` is when publishing began, for the manifest's timing.
    pub fn finish(mut self, data: &RunData, written: Vec<agency::Written>, start: Instant) -> Result<RunReport> {
        check_conservation(data)?;
        let cfg = &data.config;
        let gates = gates::evaluate(data, self.previous.as_deref());
        let summaries = run_files::write(data, written, &self.staging, self.previous.as_deref(), &gates, start)?;
        let (feed, old_feed) = feed::prepare(&cfg.run_root, &cfg.run_id, data)?;
        if let Err(e) = commit::publish(&cfg.run_root, &cfg.run_id, &feed, old_feed.as_deref()) {
            // Decided but not undone: the next run completes it from the staging folder.
            self.finished = commit::decided(&cfg.run_root, &cfg.run_id);
            return Err(e);
        }
        self.finished = true;
        let target = cfg.run_root.join(&cfg.run_id);
        let failed_gates = gates.iter().filter(|g| !g.passed).map(gates::GateResult::message).collect();
        let pruned = retention::prune(&cfg.run_root, &cfg.run_id, cfg.keep_runs);
        Ok(RunReport {
            run_dir: target,
            agencies: summaries,
            failed_gates,
            pruned,
            population: (data.people.len() as u64, data.population_rejected.len() as u64),
            warnings: data
                .population_files
                .iter()
                .map(|p| ("population", &p.file))
                .chain(
                    data.agencies.iter().flat_map(|a| a.files.iter().map(move |f| (a.input.agency.as_str(), &f.file))),
                )
                .flat_map(|(agency, file)| file.warnings.iter().map(move |w| (agency.to_string(), w.clone())))
                .collect(),
        })
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Publishes a run computed beforehand: every agency (in parallel), then the run's files.
/// Gives the report with the run folder and failed gates.
pub fn publish(data: &RunData) -> Result<RunReport> {
    let start = Instant::now();
    check_conservation(data)?;
    let publisher = Publisher::start(&data.config)?;
    let written: Vec<agency::Written> =
        data.agencies.par_iter().map(|a| publisher.agency(a, &data.people)).collect::<Result<_>>()?;
    publisher.finish(data, written, start)
}

/// Peak resident memory of this process (Linux `VmHWM`), if known.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RunOptions;
    use crate::pipeline::{load, prepare, NoProgress};

    fn demo_data(dir: &Path) -> RunData {
        let job = crate::demo::write(dir).unwrap();
        let opts = RunOptions { run_id: Some("2026-11-29".into()), ..RunOptions::default() };
        prepare(&load(&job, &opts).unwrap(), &NoProgress).unwrap()
    }

    #[test]
    fn counts_that_do_not_add_up_fail_the_run_and_publish_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut data = demo_data(dir.path());
        data.agencies[1].counts.linked += 1;
        let root = data.config.run_root.clone();
        let err = publish(&data).unwrap_err();
        assert!(matches!(err, Error::Conservation(_)), "{err}");
        assert!(published_runs(&root).is_empty());
        assert!(!root.join("2026-11-29").exists());
    }

    #[test]
    fn a_row_without_outcome_fails_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let mut data = demo_data(dir.path());
        data.agencies[0].assessment.outcomes.pop();
        data.agencies[0].counts = crate::score::Counts::of(&data.agencies[0].assessment.outcomes);
        let root = data.config.run_root.clone();
        assert!(matches!(publish(&data), Err(Error::Conservation(_))));
        assert!(!root.join("2026-11-29").exists());
    }

    #[test]
    fn conserved_counts_publish() {
        let dir = tempfile::tempdir().unwrap();
        let data = demo_data(dir.path());
        let report = publish(&data).unwrap();
        assert!(report.run_dir.join("manifest.json").is_file());
    }
}
