//! The hand-off from the stages to publishing: what a run computed ([`RunData`], one
//! [`AgencyRun`] per registry) and what it tells its caller ([`RunReport`]). Its own
//! module, under both: the pipeline fills these, publish reads them, and neither imports
//! the other's internals.

use crate::assess::Assessment;
use crate::config::{Config, Input};
use crate::error::Result;
use crate::ingest::{self, Rejected};
use crate::link::{self, Link};
use crate::normalize::{Person, Record};
use crate::score::{self, AgencyScores, Counts};
use std::path::{Path, PathBuf};

/// An input file as recorded in the manifest.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct FileInfo {
    /// Path as given (resolved against the job file).
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Data rows read.
    pub rows: u64,
    /// Encoding the file was decoded from.
    pub encoding: String,
    /// Mapped columns most of whose sampled values do not parse.
    pub warnings: Vec<String>,
    /// How the sampled values of each checked column parse (the input profile).
    pub profile: Vec<crate::normalize::profile::ColumnProfile>,
}

/// SHA-256 and size of a file.
pub fn hash_file(path: &Path) -> Result<(u64, String)> {
    Ok(ingest::digest(&ingest::read_input(path)?))
}

/// Everything one registry produced.
pub struct AgencyRun {
    /// The agency's first file and its rules (agency key, name, and the agency-level
    /// settings: cardinality, coverage, score weights, residence).
    pub input: Input,
    /// Each of the agency's files as read, with its rows' outcomes.
    pub files: Vec<SourceFile>,
    /// Normalized records (input order).
    pub records: Vec<Record>,
    /// One link per record.
    pub links: Vec<Link>,
    /// The tier-3 model trained on this registry.
    pub model: link::tier3::Model,
    /// Rejected rows.
    pub rejected: Vec<Rejected>,
    /// Discrepancies and per-row outcomes.
    pub assessment: Assessment,
    /// Scores.
    pub scores: AgencyScores,
    /// Conservation counts.
    pub counts: Counts,
    /// Discrepancies per code (what the run's own files say of them).
    pub code_counts: std::collections::BTreeMap<&'static str, u64>,
}

/// One file of an agency: its input and rules, the file as read, its rows' outcomes.
pub struct SourceFile {
    /// The input and its rules.
    pub input: Input,
    /// The file as read.
    pub file: FileInfo,
    /// Conservation counts of its rows.
    pub counts: Counts,
}

impl AgencyRun {
    /// The file name of the agency's file `source` (as [`Record::source`] numbers them).
    pub fn source_name(&self, source: u16) -> &str {
        let path = &self.files[source as usize].input.path;
        path.file_name().and_then(|n| n.to_str()).unwrap_or("")
    }
}

/// One file of the population extract as read.
pub struct PopulationFile {
    /// The file as read.
    pub file: FileInfo,
    /// People it gave.
    pub loaded: usize,
    /// Its rows rejected (its share of [`RunData::population_rejected`], in order).
    pub rejected: usize,
}

/// Everything a run produced, handed to publishing.
pub struct RunData {
    /// The configuration.
    pub config: Config,
    /// The population's files (one, or the part files of its partition of a dataset),
    /// each with the people it gave and its rows rejected.
    pub population_files: Vec<PopulationFile>,
    /// People loaded, the files' in their order.
    pub people: Vec<Person>,
    /// Rejected population rows, the files' in their order.
    pub population_rejected: Vec<Rejected>,
    /// Problems of the extract itself (duplicate IDs, …).
    pub population_problems: Vec<String>,
    /// Per registry.
    pub agencies: Vec<AgencyRun>,
    /// (stage, milliseconds), in order.
    pub timings: Vec<(String, u64)>,
}

/// What a run tells its caller.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The published run folder.
    pub run_dir: PathBuf,
    /// Per agency: key, name, counts, scores, top codes (code, count).
    pub agencies: Vec<AgencySummary>,
    /// Gates that failed, as sentences.
    pub failed_gates: Vec<String>,
    /// Old runs removed by the job's `keep_runs`, and problems that left one in place.
    pub pruned: Pruned,
    /// Population rows loaded and rejected.
    pub population: (u64, u64),
    /// Warnings on the inputs' mapped columns, each with its input (agency key).
    pub warnings: Vec<(String, String)>,
}

impl AgencyRun {
    /// Discrepancies per code.
    pub fn count_codes(assessment: &Assessment) -> std::collections::BTreeMap<&'static str, u64> {
        let mut codes = std::collections::BTreeMap::new();
        for d in &assessment.discrepancies {
            *codes.entry(d.code.name()).or_default() += 1;
        }
        codes
    }

    /// The agency without its rows (records, links, rejected rows, discrepancies: freed),
    /// once its folder is written: what the run's own files need is its counts, code
    /// counts, scores, files, model and coverage.
    pub fn without_rows(mut self) -> AgencyRun {
        let rows = (
            std::mem::take(&mut self.records),
            std::mem::take(&mut self.links),
            std::mem::take(&mut self.rejected),
            std::mem::take(&mut self.assessment.discrepancies),
        );
        // Millions of small allocations: freed on a thread of their own (the caller may be
        // the run's last writer, which the run waits for).
        std::thread::spawn(move || drop(rows));
        self
    }
}

/// What the job's `keep_runs` did after a run was published: the runs removed, and
/// problems that left a run in place (the new run is published whatever happens here).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Pruned {
    /// Run IDs removed, oldest first.
    pub removed: Vec<String>,
    /// Runs left in place, with why.
    pub problems: Vec<String>,
}

/// One agency's line in the run summary.
#[derive(Debug, Clone)]
pub struct AgencySummary {
    /// Agency key.
    pub agency: String,
    /// Display name.
    pub name: String,
    /// Conservation counts.
    pub counts: Counts,
    /// Scores.
    pub scores: score::Scores,
    /// Codes by count, most frequent first.
    pub top_codes: Vec<(String, u64)>,
    /// Discrepancies resolved since the previous run.
    pub resolved: u64,
    /// Discrepancies new since the previous run.
    pub new: u64,
}
