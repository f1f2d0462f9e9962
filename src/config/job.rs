//! A job file: the province, the run root, the population extract and the registries
//! (agency key, display name, file, rules file), thresholds, privacy and quality gates.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// An input file with its rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// The data file (CSV or Parquet).
    pub file: PathBuf,
    /// Its rules file.
    pub rules: PathBuf,
}

/// A registry in a job.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrySpec {
    /// Agency key, used as a folder name: lower-case letters, digits, `_` and `-`.
    pub agency: String,
    /// Display name.
    pub name: String,
    /// The data file.
    pub file: PathBuf,
    /// Its rules file.
    pub rules: PathBuf,
}

/// Link thresholds on the match probability (tier 3 uses them; tiers 1–2 link at 1.0).
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// At or above: linked.
    pub link: f64,
    /// At or above (and below `link`): review.
    pub review: f64,
}

/// The default link threshold, swept on a generated 500 000-person province (all links,
/// precision / F1; without usable ID, F1): 0.95 → 0.9991 / 0.9949, 0.9768; 0.9 → 0.9990
/// / 0.9951, 0.9780; **0.8 → 0.9988 / 0.9954, 0.9794**; 0.7 → 0.9987 / 0.9953, 0.9795.
/// On 100 000 people F1 stays 0.9980 (0.9995 precision). A job that wants fewer
/// automatic links sets its own.
pub const DEFAULT_LINK: f64 = 0.8;

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { link: DEFAULT_LINK, review: 0.5 }
    }
}

/// A quality gate: evaluated after publishing; a failed gate makes the run exit 3.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// The agency it applies to; all agencies when absent.
    #[serde(default)]
    pub agency: Option<String>,
    /// `dung`, `du`, `sach`, `song` or `overall`.
    pub dimension: String,
    /// The score may not be below this.
    #[serde(default)]
    pub min: Option<f64>,
    /// The score may not fall more than this many points since the previous run.
    #[serde(default)]
    pub max_drop: Option<f64>,
}

/// The job file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// 2-digit 2025 province code whose commune names the inputs use (`12` = Lai Châu).
    /// Absent, the partition's `province` key gives it: one national job, run once per
    /// province partition (`deploy/`).
    #[serde(default)]
    pub province: Option<String>,
    /// Where runs are published; relative to the job file. Default `runs`.
    #[serde(default)]
    pub run_root: Option<PathBuf>,
    /// Seed recorded in the manifest (and used by sampling stages).
    #[serde(default)]
    pub seed: u64,
    /// The date of the extract (`YYYY-MM-DD`): the run's reference day, on which ages are
    /// counted (coverage) and after which dates are in the future. Default: the day the
    /// job runs. Recorded in the manifest.
    #[serde(default)]
    pub reference_date: Option<String>,
    /// Thresholds.
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Run folders the run root keeps, newest first (0: every one). The feed, and the
    /// `changes.json` of every removed run (`feed/changes/`), are kept whole.
    #[serde(default = "default_keep_runs")]
    pub keep_runs: usize,
    /// Tier 3's model file (blocking rules and ladders); the embedded default when absent.
    #[serde(default)]
    pub model: Option<PathBuf>,
    /// The output folder of the cross-province pass (`doisoat national --out`): a record
    /// not found in the population that the pass found living in another province gets
    /// its `RESIDES_IN_OTHER_PROVINCE` row (`province=XX/cross_province.parquet` there).
    #[serde(default)]
    pub national: Option<PathBuf>,
    /// The population extract.
    pub population: SourceSpec,
    /// The registries.
    #[serde(rename = "registry", default)]
    pub registries: Vec<RegistrySpec>,
    /// Quality gates.
    #[serde(rename = "gate", default)]
    pub gates: Vec<Gate>,
    /// Privacy settings.
    #[serde(default)]
    pub privacy: Privacy,
    /// The partition to read of inputs given as a hive-partitioned dataset folder
    /// (`province = "12"` reads `…/province=12/…` only); `--partition` adds or replaces keys.
    #[serde(default)]
    pub partition: std::collections::BTreeMap<String, String>,
}

/// Privacy settings of a job (SPEC §8).
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Per-commune figures of fewer records than this are suppressed in the metrics
    /// feed and the OpenMetrics file.
    #[serde(default = "default_min_count")]
    pub min_count: u64,
    /// Personal IDs in review lists show only their first 3 and last 3 digits.
    #[serde(default)]
    pub mask_review_ids: bool,
}

/// A month of nightly runs: at 1.2 GB a night (the 500 000-person evaluation province)
/// about 36 GB, where every night kept for a year would be 440 GB.
pub const DEFAULT_KEEP_RUNS: usize = 30;

fn default_keep_runs() -> usize {
    DEFAULT_KEEP_RUNS
}

fn default_min_count() -> u64 {
    5
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy { min_count: default_min_count(), mask_review_ids: false }
    }
}
