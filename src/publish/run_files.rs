//! The run's own files, beside the agencies' folders: `metrics.json`, `changes.json`,
//! `metrics.prom`, `report.html` and `manifest.json`. The JSON files are typed here
//! ([`Manifest`], [`Metrics`], [`Changes`]) and written with sorted keys.

use super::gates::GateResult;
use super::writers::write_json;
use super::{commune_name, openmetrics, peak_memory_bytes, report, Written};
use crate::config::Thresholds;
use crate::error::{Error, Result};
use crate::handoff::{hash_file, AgencySummary, RunData};
use crate::score::{Counts, Scores};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `metrics.json`: scores and code counts per agency and commune.
#[derive(Serialize)]
pub struct Metrics<'a> {
    run_id: &'a str,
    province: &'a str,
    /// Every gate of the job on every agency it applies to, held or not.
    gates: &'a [GateResult],
    /// Every gate held.
    gates_passed: bool,
    agencies: Vec<AgencyMetrics<'a>>,
}

/// One agency in `metrics.json`.
#[derive(Serialize)]
struct AgencyMetrics<'a> {
    agency: &'a str,
    name: &'a str,
    #[serde(flatten)]
    scores: &'a Scores,
    codes: BTreeMap<&'static str, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<CoverageMetrics>,
    communes: Vec<CommuneMetrics<'a>>,
}

/// Who a registry should hold and holds (`EXPECTED_ABSENT`).
#[derive(Serialize)]
struct CoverageMetrics {
    expected: u64,
    present: u64,
    absent: usize,
    /// Percentage present, two decimals (none when nobody is expected).
    share: Option<f64>,
}

/// One commune of an agency in `metrics.json`.
#[derive(Serialize)]
struct CommuneMetrics<'a> {
    commune: &'a str,
    commune_name: &'static str,
    #[serde(flatten)]
    scores: &'a Scores,
}

/// `changes.json`: discrepancy IDs new and resolved since the previous run, per agency.
#[derive(Serialize)]
pub struct Changes<'a> {
    run_id: &'a str,
    agencies: BTreeMap<&'a str, AgencyChanges>,
}

#[derive(Serialize)]
struct AgencyChanges {
    previous_run: Option<String>,
    new: Vec<String>,
    resolved: Vec<String>,
}

/// `manifest.json`: what the run read, with which rules and tool, and what became of
/// every row.
#[derive(Serialize)]
pub struct Manifest<'a> {
    run_id: &'a str,
    job: &'a Path,
    tool: Tool,
    created_at: String,
    reference_date: String,
    province: &'a str,
    /// The partition read of the job's dataset folders (none for plain files).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    partition: &'a std::collections::BTreeMap<String, String>,
    seed: u64,
    thresholds: Thresholds,
    rules: Vec<RulesVersion<'a>>,
    inputs: Vec<InputEntry<'a>>,
    population_problems: &'a [String],
    stage_timings: Vec<StageTiming>,
    peak_memory_bytes: Option<u64>,
    conservation_holds: bool,
    gates: &'a [GateResult],
    gates_passed: bool,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// A rules file as run: its declared version and its bytes' SHA-256.
#[derive(Serialize)]
struct RulesVersion<'a> {
    agency: &'a str,
    version: &'a Option<String>,
    sha256: String,
}

/// An input file as read, and the outcome counts of its rows.
#[derive(Serialize)]
struct InputEntry<'a> {
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    agency: Option<&'a str>,
    path: &'a Path,
    size: u64,
    sha256: &'a str,
    rows: u64,
    encoding: &'a str,
    rules: &'a PathBuf,
    conservation: Conservation,
    /// Mapped columns most of whose sampled values do not parse.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    /// How the sampled values of each checked column parse.
    profile: &'a [crate::normalize::profile::ColumnProfile],
}

impl<'a> InputEntry<'a> {
    fn new(
        role: &'static str,
        agency: Option<&'a str>,
        file: &'a crate::handoff::FileInfo,
        rules: &'a PathBuf,
        conservation: Conservation,
    ) -> InputEntry<'a> {
        InputEntry {
            role,
            agency,
            path: &file.path,
            size: file.size,
            sha256: &file.sha256,
            rows: file.rows,
            encoding: &file.encoding,
            rules,
            conservation,
            warnings: &file.warnings,
            profile: &file.profile,
        }
    }
}

/// The rows of an input by outcome.
#[derive(Serialize)]
#[serde(untagged)]
enum Conservation {
    /// The population: people loaded, rows rejected.
    Population { rows: u64, loaded: usize, rejected: usize },
    /// A registry: linked, review, not in population, rejected.
    Registry(Counts),
}

#[derive(Serialize)]
struct StageTiming {
    stage: String,
    ms: u64,
}

fn to_value(v: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).expect("run files serialize")
}

/// Writes the run's own files into `dir`; gives each agency's summary line. `written` are
/// the agencies' new and resolved IDs (in the order of `data.agencies`); `start` is when
/// publishing began, for the manifest's timing.
pub fn write(
    data: &RunData,
    written: Vec<Written>,
    dir: &Path,
    previous: Option<&Path>,
    gates: &[GateResult],
    start: Instant,
) -> Result<Vec<AgencySummary>> {
    let cfg = &data.config;
    let previous_run = previous.and_then(|p| p.file_name()).map(|n| n.to_string_lossy().to_string());
    let mut summaries = Vec::new();
    let mut agencies = Vec::new();
    let mut changes = BTreeMap::new();
    for (a, written) in data.agencies.iter().zip(written) {
        let codes = a.code_counts.clone();
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
            a.input.agency.as_str(),
            AgencyChanges { previous_run: previous_run.clone(), new: written.new, resolved: written.resolved },
        );
        let coverage = a.assessment.coverage.as_ref().map(|c| CoverageMetrics {
            expected: c.expected,
            present: c.present,
            absent: c.absent.len(),
            share: (c.expected != 0).then(|| (10_000.0 * c.present as f64 / c.expected as f64).round() / 100.0),
        });
        let communes = a
            .scores
            .communes
            .iter()
            .map(|(code, s)| CommuneMetrics { commune: code, commune_name: commune_name(code), scores: s })
            .collect();
        agencies.push(AgencyMetrics {
            agency: &a.input.agency,
            name: &a.input.name,
            scores: &a.scores.total,
            codes,
            coverage,
            communes,
        });
    }
    let gates_passed = gates.iter().all(|g| g.passed);
    let metrics = Metrics { run_id: &cfg.run_id, province: &cfg.province, gates, gates_passed, agencies };
    write_json(&dir.join("metrics.json"), &to_value(&metrics))?;
    write_json(&dir.join("changes.json"), &to_value(&Changes { run_id: &cfg.run_id, agencies: changes }))?;
    population_rejected(data, dir)?;
    let prom = dir.join("metrics.prom");
    std::fs::write(&prom, openmetrics::render(data, gates)).map_err(|e| Error::io(&prom, e))?;
    let mut timings = data.timings.clone();
    timings.push(("publish".into(), start.elapsed().as_millis() as u64));
    let report_path = dir.join("report.html");
    std::fs::write(&report_path, report::render(data, &timings, gates, &summaries))
        .map_err(|e| Error::io(&report_path, e))?;
    // The manifest's publish time is taken again: it includes writing the report.
    let mut stage_timings: Vec<StageTiming> =
        data.timings.iter().map(|(stage, ms)| StageTiming { stage: stage.clone(), ms: *ms }).collect();
    stage_timings.push(StageTiming { stage: "publish".into(), ms: start.elapsed().as_millis() as u64 });
    write_json(&dir.join("manifest.json"), &to_value(&manifest(data, stage_timings, gates)))?;
    Ok(summaries)
}

/// `population-rejected.csv`: the population rows that could not be read, listed as any
/// registry's are (line, person ID as written, column, reason), for the register's
/// keepers; written even when empty, so a reader knows none was rejected.
fn population_rejected(data: &RunData, dir: &Path) -> Result<()> {
    // Each file's rejected rows are its share of the list, in the files' order.
    let files = data.population_files.iter().flat_map(|p| {
        let name = p.file.path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        std::iter::repeat_n(name, p.rejected)
    });
    let rows = data
        .population_rejected
        .iter()
        .zip(files)
        .map(|(r, file)| vec![r.line.to_string(), r.record_id.clone(), r.column.clone(), r.reason.clone(), file]);
    super::writers::write_csv(
        &dir.join("population-rejected.csv"),
        &["line", "person_id", "column", "reason", "source_file"],
        rows,
    )
}

fn manifest<'a>(data: &'a RunData, stage_timings: Vec<StageTiming>, gates: &'a [GateResult]) -> Manifest<'a> {
    let cfg = &data.config;
    let mut inputs: Vec<InputEntry> = data
        .population_files
        .iter()
        .map(|p| {
            let conservation = Conservation::Population { rows: p.file.rows, loaded: p.loaded, rejected: p.rejected };
            InputEntry::new("population", None, &p.file, &cfg.population.rules_path, conservation)
        })
        .collect();
    for (a, f) in data.agencies.iter().flat_map(|a| a.files.iter().map(move |f| (a, f))) {
        let conservation = Conservation::Registry(f.counts);
        inputs.push(InputEntry::new("registry", Some(&a.input.agency), &f.file, &f.input.rules_path, conservation));
    }
    let rules = std::iter::once(&cfg.population)
        .chain(&cfg.registries)
        .map(|i| RulesVersion {
            agency: &i.agency,
            version: &i.rules.version,
            sha256: hash_file(&i.rules_path).map(|(_, h)| h).unwrap_or_default(),
        })
        .collect();
    let t = cfg.today;
    Manifest {
        run_id: &cfg.run_id,
        job: &cfg.job_path,
        tool: Tool { name: "doisoat", version: env!("CARGO_PKG_VERSION") },
        created_at: chrono::Local::now().to_rfc3339(),
        reference_date: format!("{:04}-{:02}-{:02}", t.year, t.month, t.day),
        province: &cfg.province,
        partition: &cfg.partition,
        seed: cfg.seed,
        thresholds: cfg.thresholds,
        rules,
        inputs,
        population_problems: &data.population_problems,
        stage_timings,
        peak_memory_bytes: peak_memory_bytes(),
        conservation_holds: true,
        gates,
        gates_passed: gates.iter().all(|g| g.passed),
    }
}
