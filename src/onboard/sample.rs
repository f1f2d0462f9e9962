//! An input read for onboarding: every column (not only mapped ones), a sample of rows
//! spread over the file, and whole-column counts where a guess needs them (repeated IDs,
//! the spellings of a status).

use crate::config::{header_key, Rules};
use crate::error::Result;
use crate::ingest::{self, Table};
use crate::vn::encoding::FileEncoding;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Rows sampled per file, spread evenly over it.
pub const SAMPLE_ROWS: usize = 1_000;

/// Columns read per file; the rest are listed as not read.
const MAX_COLUMNS: usize = 200;

/// Distinct values counted for a column of spellings (status, sex, event type).
const MAX_SPELLINGS: usize = 40;

/// A column's spellings with their counts, commonest first.
type Spellings = Vec<(String, usize)>;

/// An input file read for onboarding.
pub struct Sample {
    /// The file.
    pub path: PathBuf,
    /// Its columns, in the file's order.
    pub columns: Vec<Column>,
    /// Headers not read: (header, why).
    pub skipped: Vec<(String, &'static str)>,
    /// Data rows in the file (readable and rejected).
    pub rows: u64,
    /// Readable rows.
    pub readable: usize,
    /// How the file was decoded, for a text file (CSV); `None` for a workbook or Parquet.
    pub encoding: Option<FileEncoding>,
    /// The whole file, every column as an attribute (`c000`, `c001`, …).
    table: Table,
    /// Each column's spellings, counted once when first asked ([`Sample::spellings`]).
    spellings: Vec<std::sync::OnceLock<Option<Spellings>>>,
}

/// One column of a sample.
pub struct Column {
    /// The header as written.
    pub header: String,
    /// The non-empty values of the sampled rows, trimmed.
    pub values: Vec<String>,
    /// Rows sampled.
    pub sampled: usize,
}

impl Sample {
    /// Reads a file's header and every column of it. A dataset folder (hive-partitioned
    /// part files) is read through the first part file of `partition`: the parts share
    /// one header.
    pub fn read(path: &Path, partition: &std::collections::BTreeMap<String, String>) -> Result<Sample> {
        let mut sample = Sample::read_file(&first_part(path, partition)?)?;
        sample.path = path.to_path_buf();
        Ok(sample)
    }

    fn read_file(path: &Path) -> Result<Sample> {
        let mut rules: Rules = toml::from_str("kind = \"registry\"\n[columns]\n").expect("a minimal rules file");
        let headers = ingest::read_headers(path, &rules)?;
        let mut count: HashMap<String, usize> = HashMap::new();
        for h in &headers {
            *count.entry(header_key(h)).or_default() += 1;
        }
        let mut skipped = Vec::new();
        let mut read = Vec::new();
        for h in &headers {
            if header_key(h).is_empty() {
                skipped.push((h.clone(), "an empty header"));
            } else if count[&header_key(h)] > 1 {
                skipped.push((h.clone(), "the header appears more than once"));
            } else if read.len() == MAX_COLUMNS {
                skipped.push((h.clone(), "beyond the first 200 columns"));
            } else {
                read.push(h.clone());
            }
        }
        rules.attributes = read.iter().enumerate().map(|(i, h)| (h.clone(), format!("c{i:03}"))).collect();
        let table = ingest::read(path, &rules)?;
        let n = table.rows.len();
        let step = (n / SAMPLE_ROWS).max(1);
        let picked: Vec<usize> = (0..n).step_by(step).take(SAMPLE_ROWS).collect();
        let columns: Vec<Column> = read
            .into_iter()
            .enumerate()
            .map(|(k, header)| {
                let values = picked
                    .iter()
                    .map(|&i| value(&table, i, k).trim())
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect();
                Column { header, values, sampled: picked.len() }
            })
            .collect();
        let encoding = (!ingest::is_binary_input(path)).then_some(table.encoding);
        let spellings = (0..columns.len()).map(|_| std::sync::OnceLock::new()).collect();
        Ok(Sample {
            path: path.to_path_buf(),
            columns,
            skipped,
            rows: table.rows_read,
            readable: n,
            encoding,
            table,
            spellings,
        })
    }

    /// The spellings of a column over the whole file with their counts, commonest first;
    /// `None` when it holds more than a list of spellings would. Counted once per column.
    pub fn spellings(&self, k: usize) -> Option<&[(String, usize)]> {
        self.spellings[k].get_or_init(|| self.count_spellings(k)).as_deref()
    }

    fn count_spellings(&self, k: usize) -> Option<Spellings> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for i in 0..self.readable {
            let v = value(&self.table, i, k).trim();
            if v.is_empty() {
                continue;
            }
            *counts.entry(v).or_default() += 1;
            if counts.len() > MAX_SPELLINGS {
                return None;
            }
        }
        let mut v: Vec<(String, usize)> = counts.into_iter().map(|(s, n)| (s.to_string(), n)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Some(v)
    }

    /// Over the whole file: (rows with a value, rows whose value another row holds too).
    pub fn repeats(&self, k: usize) -> (usize, usize) {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for i in 0..self.readable {
            let v = value(&self.table, i, k).trim();
            if !v.is_empty() {
                *seen.entry(v).or_default() += 1;
            }
        }
        let filled = seen.values().sum();
        (filled, seen.values().filter(|&&n| n > 1).sum())
    }

    /// Whether every readable row has a value in the column and no two the same.
    pub fn unique(&self, k: usize) -> bool {
        let mut seen = HashSet::new();
        (0..self.readable).all(|i| {
            let v = value(&self.table, i, k).trim();
            !v.is_empty() && seen.insert(v)
        })
    }
}

/// The file itself, or the first part file of a dataset folder in `partition`.
fn first_part(path: &Path, partition: &std::collections::BTreeMap<String, String>) -> Result<PathBuf> {
    if !path.is_dir() {
        return Ok(path.to_path_buf());
    }
    crate::config::dataset_files(path, partition)?.into_iter().next().ok_or_else(|| crate::error::Error::Input {
        path: path.into(),
        message: "a folder holding no data file (.parquet, .csv, .xlsx, …)".into(),
    })
}

fn value(table: &Table, row: usize, k: usize) -> &str {
    table.rows[row].attributes(&table.layout).nth(k).map_or("", |(_, v)| v)
}
