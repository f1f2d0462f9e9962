//! The residues of the province runs, as the national pass reads them: each agency's
//! `residue.parquet` ([`crate::publish::residue`]) normalized again with
//! `rules/residue.toml`, and what the output rows need of each record.

use crate::config::Rules;
use crate::error::{Error, Result};
use crate::ingest;
use crate::normalize::{self, Record};
use crate::publish::residue::FILE;
use crate::vn::date::PartialDate;
use std::path::{Path, PathBuf};

/// The rules the residue files are read with.
pub const RULES: &str = include_str!("../../rules/residue.toml");

/// What an output row tells of a residue record besides its keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    /// The 2025 province whose run the record is in.
    pub province: String,
    /// Agency key.
    pub agency: String,
    /// The agency's file the record is in.
    pub source_file: String,
    /// Its line in that file.
    pub line: u64,
    /// Its record ID.
    pub record_id: String,
    /// Its 2025 commune code, as the province run resolved it.
    pub commune: String,
    /// Its commune (or address) as written.
    pub commune_written: String,
}

/// The residue records of every province, each with its origin.
pub struct Residue {
    /// Normalized records.
    pub records: Vec<Record>,
    /// Each record's origin.
    pub origins: Vec<Origin>,
    /// The residue files read.
    pub files: Vec<PathBuf>,
    /// How many records a person may hold among them (`rules/residue.toml`).
    pub cardinality: crate::config::Cardinality,
}

/// The residue files of the paths given: a file as it is; a run folder's agencies'
/// `residue.parquet`; a run root's latest run (greatest run ID); a folder of run roots
/// (`RUN_ROOT/<partition>/` of `deploy/`), each root's latest run. A path without any is
/// an error naming it.
pub fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_file() {
            out.push(path.clone());
            continue;
        }
        let mut runs = latest_run(path).into_iter().collect::<Vec<_>>();
        if runs.is_empty() {
            let mut roots: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| Error::io(path, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect();
            roots.sort();
            runs = roots.iter().filter_map(|r| latest_run(r)).collect();
        }
        let before = out.len();
        for run in runs {
            out.extend(run_residues(&run)?);
        }
        if out.len() == before {
            return Err(Error::Input {
                path: path.clone(),
                message: format!("no run here with a {FILE} (a run folder, a run root, or a folder of run roots)"),
            });
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The folder itself when it is a run, else its latest published run.
fn latest_run(dir: &Path) -> Option<PathBuf> {
    if dir.join("manifest.json").is_file() {
        return Some(dir.to_path_buf());
    }
    crate::publish::published_runs(dir).pop().map(|r| dir.join(r))
}

/// The residue files of a run's agencies, sorted.
fn run_residues(run: &Path) -> Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(run)
        .map_err(|e| Error::io(run, e))?
        .filter_map(|e| e.ok().map(|e| e.path().join(FILE)))
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    Ok(out)
}

/// Reads and normalizes every residue file (in order).
pub fn read(files: &[PathBuf], today: &PartialDate) -> Result<Residue> {
    let rules: Rules = toml::from_str(RULES).expect("rules/residue.toml parses");
    let cardinality = rules.cardinality;
    let mut residue = Residue { records: Vec::new(), origins: Vec::new(), files: files.to_vec(), cardinality };
    for path in files {
        let origins = origins(path)?;
        let table = ingest::read(path, &rules)?;
        // Communes are 2025 codes, which need no province to resolve.
        let (records, rejected) = normalize::records(&table, &rules, "", today);
        if let Some(r) = rejected.first() {
            return Err(Error::Input {
                path: path.clone(),
                message: format!("row {}: {} ({}): not a residue this version wrote", r.line, r.reason, r.column),
            });
        }
        for r in records {
            // A Parquet row's line is its index + 1.
            residue.origins.push(origins[(r.line - 1) as usize].clone());
            residue.records.push(r);
        }
    }
    Ok(residue)
}

/// Each row's origin, in row order.
fn origins(path: &Path) -> Result<Vec<Origin>> {
    let names = ["province", "agency", "source_file", "line", "record_id", "commune", "commune_written"];
    let c = crate::publish::read::text_columns(path, &names)
        .map_err(|e| Error::Input { path: path.to_path_buf(), message: format!("not a residue file ({e})") })?;
    Ok((0..c[0].len())
        .map(|i| Origin {
            province: c[0][i].clone(),
            agency: c[1][i].clone(),
            source_file: c[2][i].clone(),
            line: c[3][i].parse().unwrap_or(0),
            record_id: c[4][i].clone(),
            commune: c[5][i].clone(),
            commune_written: c[6][i].clone(),
        })
        .collect())
}
