//! Publish: write a run folder atomically (SPEC §7).
//!
//! A [`Publisher`] writes every file into a staging folder `RUN_ROOT/.staging-<id>` and
//! renames it into place only when complete, so a failed run publishes nothing and
//! leaves earlier runs as they were. Each agency's folder is written once its
//! conservation is checked — during a run, while the next registry is computed
//! ([`crate::pipeline::run`]); the run's own files follow once every agency is done and
//! the whole run's conservation holds. [`publish`] does the same for a run computed
//! beforehand. One run at a time holds `RUN_ROOT/.lock`; a lock left by a dead process is taken
//! over. After the rename it appends the metrics feed (idempotently per run ID) and
//! evaluates the job's quality gates.

mod agency;
mod feed;
mod gates;
mod lock;
mod report;
pub mod writers;
pub mod xlsx;

pub use agency::Written;
pub use feed::FEED_DIR;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::normalize::admin::AdminUnits;
use crate::normalize::Person;
use crate::pipeline::{AgencyRun, AgencySummary, RunData, RunReport};
use crate::score::Scores;
use rayon::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use writers::write_json;

/// Checks conservation for every input: each row ends in exactly one outcome.
pub fn check_conservation(data: &RunData) -> Result<()> {
    let mut problems = Vec::new();
    let pop_rows = data.people.len() as u64 + data.population_rejected.len() as u64;
    if pop_rows != data.population_file.rows {
        problems.push(format!(
            "population: {} rows read but {} people + {} rejected",
            data.population_file.rows,
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

/// What is wrong with one registry's conservation, if anything.
fn agency_conservation(a: &AgencyRun) -> Option<String> {
    let c = &a.counts;
    (!c.conserved() || c.rows != a.file.rows).then(|| {
        format!(
            "{}: {} rows read, outcomes {} linked + {} review + {} not in population + {} rejected = {}",
            a.input.agency,
            a.file.rows,
            c.linked,
            c.review,
            c.not_in_population,
            c.rejected,
            c.linked + c.review + c.not_in_population + c.rejected
        )
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

fn scores_json(s: &Scores) -> Value {
    json!({
        "counts": s.counts,
        "dung": s.dung, "du": s.du, "sach": s.sach, "song": s.song,
        "overall": s.overall,
    })
}

fn commune_name(code: &str) -> &'static str {
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
    today: crate::normalize::date::PartialDate,
    finished: bool,
    // Released last (fields drop in order): the staging folder is gone by then.
    _lock: lock::RunLock,
}

impl Publisher {
    /// Takes the run root's lock and makes an empty staging folder.
    pub fn start(cfg: &Config) -> Result<Publisher> {
        std::fs::create_dir_all(&cfg.run_root).map_err(|e| Error::io(&cfg.run_root, e))?;
        let lock = lock::RunLock::acquire(&cfg.run_root)?;
        let staging = cfg.run_root.join(format!(".staging-{}", cfg.run_id));
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
        let previous_ids =
            self.previous.as_ref().map(|p| agency::discrepancy_ids(&p.join(&a.input.agency).join("discrepancies.csv")));
        agency::write(
            &self.run_id,
            a,
            people,
            &self.staging.join(&a.input.agency),
            previous_ids.as_ref(),
            self.mask_review_ids,
            self.today,
        )
    }

    /// Checks conservation for the whole run, writes the run's own files (metrics,
    /// changes, report, manifest) beside the agencies' folders (`written`, in the order
    /// of `data.agencies`), moves the folder into place, appends the feed and evaluates
    /// the gates. `start` is when publishing began, for the manifest's timing.
    pub fn finish(mut self, data: &RunData, written: Vec<agency::Written>, start: Instant) -> Result<RunReport> {
        check_conservation(data)?;
        let cfg = &data.config;
        let summaries = write_run(data, written, &self.staging, self.previous.as_deref(), start)?;
        // Swap into place: the old folder (same run ID re-run) is moved aside first.
        let target = cfg.run_root.join(&cfg.run_id);
        let replaced = cfg.run_root.join(format!(".replaced-{}", cfg.run_id));
        if target.exists() {
            std::fs::rename(&target, &replaced).map_err(|e| Error::io(&target, e))?;
        }
        std::fs::rename(&self.staging, &target).map_err(|e| Error::io(&target, e))?;
        self.finished = true;
        if replaced.exists() {
            std::fs::remove_dir_all(&replaced).map_err(|e| Error::io(&replaced, e))?;
        }
        feed::append(&cfg.run_root, &cfg.run_id, data)?;
        let failed_gates = gates::evaluate(data, self.previous.as_deref());
        Ok(RunReport {
            run_dir: target,
            agencies: summaries,
            failed_gates,
            population: (data.people.len() as u64, data.population_rejected.len() as u64),
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

fn write_run(
    data: &RunData,
    written: Vec<agency::Written>,
    dir: &Path,
    previous: Option<&Path>,
    start: Instant,
) -> Result<Vec<AgencySummary>> {
    let cfg = &data.config;
    let mut summaries = Vec::new();
    let mut metrics_agencies = Vec::new();
    let mut changes = BTreeMap::new();
    for (a, written) in data.agencies.iter().zip(written) {
        let mut codes: BTreeMap<&str, u64> = BTreeMap::new();
        for d in &a.assessment.discrepancies {
            *codes.entry(d.code.name()).or_default() += 1;
        }
        let mut top: Vec<(String, u64)> = codes.iter().map(|(c, n)| (c.to_string(), *n)).collect();
        top.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        summaries.push(AgencySummary {
            agency: a.input.agency.clone(),
            name: a.input.name.clone(),
            counts: a.counts,
            scores: a.scores.total.clone(),
            top_codes: top,
            resolved: written.resolved.len() as u64,
            new: written.new.len() as u64,
        });
        changes.insert(
            a.input.agency.clone(),
            json!({ "previous_run": previous.and_then(|p| p.file_name()).map(|n| n.to_string_lossy().to_string()),
                    "new": written.new, "resolved": written.resolved }),
        );
        let communes: Vec<Value> = a
            .scores
            .communes
            .iter()
            .map(|(code, s)| {
                let mut v = scores_json(s);
                v["commune"] = json!(code);
                v["commune_name"] = json!(commune_name(code));
                v
            })
            .collect();
        let mut v = scores_json(&a.scores.total);
        v["agency"] = json!(a.input.agency);
        v["name"] = json!(a.input.name);
        v["codes"] = json!(codes);
        if let Some(c) = &a.assessment.coverage {
            let share = if c.expected == 0 {
                None
            } else {
                Some((10_000.0 * c.present as f64 / c.expected as f64).round() / 100.0)
            };
            v["coverage"] =
                json!({"expected": c.expected, "present": c.present, "absent": c.absent.len(), "share": share});
        }
        v["communes"] = json!(communes);
        metrics_agencies.push(v);
    }
    write_json(
        &dir.join("metrics.json"),
        &json!({ "run_id": cfg.run_id, "province": cfg.province, "agencies": metrics_agencies }),
    )?;
    write_json(&dir.join("changes.json"), &json!({ "run_id": cfg.run_id, "agencies": changes }))?;
    let prom = dir.join("metrics.prom");
    std::fs::write(&prom, feed::openmetrics(data)).map_err(|e| Error::io(&prom, e))?;
    let mut report_timings = data.timings.clone();
    report_timings.push(("publish".into(), start.elapsed().as_millis() as u64));
    let report_path = dir.join("report.html");
    std::fs::write(&report_path, report::render(data, &report_timings)).map_err(|e| Error::io(&report_path, e))?;
    let mut timings: Vec<Value> = data.timings.iter().map(|(s, ms)| json!({"stage": s, "ms": ms})).collect();
    timings.push(json!({"stage": "publish", "ms": start.elapsed().as_millis() as u64}));
    let mut inputs = vec![json!({
        "role": "population", "path": data.population_file.path, "size": data.population_file.size,
        "sha256": data.population_file.sha256, "rows": data.population_file.rows,
        "encoding": data.population_file.encoding,
        "rules": cfg.population.rules_path,
        "conservation": {"rows": data.population_file.rows, "loaded": data.people.len(), "rejected": data.population_rejected.len()},
    })];
    for a in &data.agencies {
        inputs.push(json!({
            "role": "registry", "agency": a.input.agency, "path": a.file.path, "size": a.file.size,
            "sha256": a.file.sha256, "rows": a.file.rows, "rules": a.input.rules_path,
            "encoding": a.file.encoding,
            "conservation": a.counts,
        }));
    }
    let rules_version: Vec<Value> = std::iter::once(&cfg.population)
        .chain(&cfg.registries)
        .map(|i| {
            let sha = crate::pipeline::hash_file(&i.rules_path).map(|(_, h)| h).unwrap_or_default();
            json!({"agency": i.agency, "version": i.rules.version, "sha256": sha})
        })
        .collect();
    let manifest = json!({
        "run_id": cfg.run_id,
        "job": cfg.job_path,
        "tool": {"name": "doisoat", "version": env!("CARGO_PKG_VERSION")},
        "created_at": chrono::Local::now().to_rfc3339(),
        "reference_date": format!("{:04}-{:02}-{:02}", cfg.today.year, cfg.today.month, cfg.today.day),
        "province": cfg.province,
        "seed": cfg.seed,
        "thresholds": cfg.thresholds,
        "rules": rules_version,
        "inputs": inputs,
        "population_problems": data.population_problems,
        "stage_timings": timings,
        "peak_memory_bytes": peak_memory_bytes(),
        "conservation_holds": true,
    });
    write_json(&dir.join("manifest.json"), &manifest)?;
    Ok(summaries)
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
    use crate::config::{load, RunOptions};
    use crate::pipeline::{prepare, NoProgress};

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
