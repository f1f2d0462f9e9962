//! Job and rules files (TOML) → a checked [`Config`], with every problem reported at once.
//!
//! A *job* names the population extract, the registries (agency key, display name, file,
//! rules file), the province, the run root, thresholds and quality gates. A *rules file*
//! describes one input: which column holds which canonical [`Field`], required fields,
//! date order, sex and status spellings, event types, cardinality. Deserialization is
//! strict (unknown keys are errors); [`check`] adds the semantic checks and, when the
//! inputs exist, checks that every mapped column is in the file's header.

mod job;
pub mod model;
mod rules;

pub use job::*;
pub use rules::*;

use crate::error::{Error, Problem, Problems, Result};
use crate::vn::date::PartialDate;
use std::path::{Path, PathBuf};

/// The default rules files, embedded (they work anywhere, offline), by their path inside a
/// job folder: the demo and the synthetic province write them.
pub const DEFAULT_RULES: &[(&str, &str)] = &[
    ("rules/population.toml", include_str!("../../rules/population.toml")),
    ("rules/civil_status.toml", include_str!("../../rules/civil_status.toml")),
    ("rules/insurance.toml", include_str!("../../rules/insurance.toml")),
    ("rules/land.toml", include_str!("../../rules/land.toml")),
    ("rules/education.toml", include_str!("../../rules/education.toml")),
];

/// A resolved input.
#[derive(Debug, Clone)]
pub struct Input {
    /// Agency key (`population` for the extract).
    pub agency: String,
    /// Display name.
    pub name: String,
    /// Data file.
    pub path: PathBuf,
    /// Rules file path.
    pub rules_path: PathBuf,
    /// Parsed rules.
    pub rules: Rules,
}

/// The checked configuration of a run.
#[derive(Debug, Clone)]
pub struct Config {
    /// The job file.
    pub job_path: PathBuf,
    /// 2025 province code.
    pub province: String,
    /// Run root.
    pub run_root: PathBuf,
    /// Run ID (folder name).
    pub run_id: String,
    /// Reference day: dates after it are invalid.
    pub today: PartialDate,
    /// Seed.
    pub seed: u64,
    /// Thresholds.
    pub thresholds: Thresholds,
    /// Gates.
    pub gates: Vec<Gate>,
    /// Privacy settings.
    pub privacy: Privacy,
    /// Tier 3's model (blocking rules and ladders).
    pub model: model::ModelSpec,
    /// Run folders the run root keeps (0: every one).
    pub keep_runs: usize,
    /// The cross-province pass's output folder, if the job names one.
    pub national: Option<PathBuf>,
    /// The population extract (for a dataset folder, `path` is the folder).
    pub population: Input,
    /// The population's data files: its file, or the part files of the partition of its
    /// dataset folder, sorted.
    pub population_parts: Vec<PathBuf>,
    /// The partition read of dataset inputs (key → value).
    pub partition: std::collections::BTreeMap<String, String>,
    /// The registries' files, in the job's order (an agency with several files lists each).
    pub registries: Vec<Input>,
}

impl Config {
    /// The registries' files grouped by agency, agencies in the order of their first file,
    /// files in the job's order: positions in [`Config::registries`].
    pub fn agencies(&self) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, input) in self.registries.iter().enumerate() {
            match groups.iter_mut().find(|g| self.registries[g[0]].agency == input.agency) {
                Some(g) => g.push(i),
                None => groups.push(vec![i]),
            }
        }
        groups
    }
}

/// Whether a string is safe as a folder name inside the run folder.
pub fn safe_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && !s.starts_with('-')
}

/// Reads an input's header row (CSV, Parquet or spreadsheet). Reading files is ingest's
/// job, which sits above config, so the caller hands it in: `ingest::read_headers`
/// ([`crate::pipeline::load`] does).
pub type ReadHeaders<'a> = &'a dyn Fn(&Path, &Rules) -> Result<Vec<String>>;

/// Checks that every mapped column is in an input's header row, read by `read_headers`.
/// An input that cannot be read is not a rules problem: it goes to `unreadable` and
/// fails the run (exit 1) once the rules themselves are sound.
fn check_columns(input: &Input, read_headers: ReadHeaders, out: &mut Vec<Problem>, unreadable: &mut Vec<Error>) {
    let headers = match read_headers(&input.path, &input.rules) {
        Ok(h) => h,
        Err(e) => {
            unreadable.push(e);
            return;
        }
    };
    // A header cell with bytes that are not UTF-8 (shown as U+FFFD) is the likely cause
    // of a column not found: say so.
    let spoiled = headers
        .iter()
        .position(|h| h.contains('\u{fffd}'))
        .map(|k| format!(" (its column {} holds bytes that are not UTF-8: '{}')", k + 1, headers[k]))
        .unwrap_or_default();
    for column in input.rules.columns.keys().chain(input.rules.attributes.keys()) {
        let why = match header_matches(&headers, column).len() {
            0 => "column not found in",
            1 => continue,
            _ => "column appears more than once in",
        };
        let cause = if why.starts_with("column not found") { spoiled.as_str() } else { "" };
        out.push(problem(
            &input.rules_path,
            format!("columns.\"{column}\""),
            format!("{why} {}{cause}", input.path.display()),
        ));
    }
}

/// Files of a dataset folder, hive-partitioned (`province=12/part-0.parquet`), in the
/// partition asked: a folder `KEY=VALUE` of another value for a partition key is never
/// entered (its files are never opened), and a file is kept only when its path names
/// every partition key with the value asked. Hidden and `_`-prefixed entries (`_SUCCESS`,
/// `_metadata`) are not data. Sorted by path.
pub fn dataset_files(dir: &Path, partition: &std::collections::BTreeMap<String, String>) -> Result<Vec<PathBuf>> {
    const DATA: [&str; 8] = ["parquet", "csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods"];
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let entry = entry.map_err(|e| Error::io(&d, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            let path = entry.path();
            if entry.file_type().map_err(|e| Error::io(&path, e))?.is_dir() {
                let other = name.split_once('=').is_some_and(|(k, v)| partition.get(k).is_some_and(|want| want != v));
                if !other {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| DATA.iter().any(|d| e.eq_ignore_ascii_case(d))) {
                let rel = path.strip_prefix(dir).unwrap_or(&path);
                let levels: Vec<String> =
                    rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                if partition.iter().all(|(k, v)| levels.iter().any(|l| *l == format!("{k}={v}"))) {
                    out.push(path);
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The files of one agency must agree on cardinality: the problem of `i` against the
/// agency's first file, if any.
fn cardinality_problem(registries: &[Input], i: &Input) -> Option<Problem> {
    let first = registries.iter().find(|f| f.agency == i.agency)?;
    (first.rules.cardinality != i.rules.cardinality).then(|| {
        problem(
            &i.rules_path,
            "cardinality",
            format!("the files of agency '{}' must agree on cardinality ({})", i.agency, first.rules_path.display()),
        )
    })
}

/// The clock's day and the run's reference day: the caller's (tests, `generate`'s own
/// job), else the job's `reference_date`, else the clock's.
fn reference_day(job: &Job, opts: &RunOptions, job_path: &Path, out: &mut Vec<Problem>) -> (PartialDate, PartialDate) {
    let clock = opts.today.unwrap_or_else(today);
    let reference = job.reference_date.as_deref().and_then(|d| {
        match crate::vn::date::parse(d, crate::vn::date::DayOrder::Dmy, &clock) {
            Ok(Some(date)) if date.day != 0 => Some(date),
            _ => {
                out.push(problem(job_path, "reference_date", format!("'{d}' is not a date (YYYY-MM-DD)")));
                None
            }
        }
    });
    (clock, opts.today.or(reference).unwrap_or(clock))
}

/// The data files of an input: the file itself, or, for a folder, the part files of the
/// partition asked ([`dataset_files`]). A folder without any is an input that cannot be
/// read (the run fails, exit 1), not a rules problem.
fn parts_of(
    path: &Path,
    partition: &std::collections::BTreeMap<String, String>,
    unreadable: &mut Vec<Error>,
) -> Option<Vec<PathBuf>> {
    if !path.is_dir() {
        return Some(vec![path.to_path_buf()]);
    }
    match dataset_files(path, partition) {
        Ok(files) if !files.is_empty() => Some(files),
        Ok(_) => {
            let asked: Vec<String> = partition.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let asked = if asked.is_empty() { "any partition".to_string() } else { asked.join(", ") };
            let message =
                format!("a folder holding no data file of {asked} (a dataset's part files: .parquet, .csv, .xlsx, …)");
            unreadable.push(Error::Input { path: path.into(), message });
            None
        }
        Err(e) => {
            unreadable.push(e);
            None
        }
    }
}

/// Options given on the command line that complete a job.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Overrides the job's run root.
    pub run_root: Option<PathBuf>,
    /// Run ID; default today's date.
    pub run_id: Option<String>,
    /// Reference day; default today.
    pub today: Option<PartialDate>,
    /// Partition keys that add to or replace the job's (`--partition province=12`).
    pub partition: Vec<(String, String)>,
}

/// Today's date from the system clock.
pub fn today() -> PartialDate {
    use chrono::Datelike;
    let d = chrono::Local::now().date_naive();
    PartialDate { year: d.year(), month: d.month() as u8, day: d.day() as u8 }
}

/// The job's quality gates: a known dimension, a bound, a registry of the job.
fn check_gates(job: &Job, job_path: &Path, out: &mut Vec<Problem>) {
    for g in &job.gates {
        if !["dung", "du", "sach", "song", "overall"].contains(&g.dimension.as_str()) {
            out.push(problem(
                job_path,
                "gate.dimension",
                format!("'{}' is not dung, du, sach, song or overall", g.dimension),
            ));
        }
        if g.min.is_none() && g.max_drop.is_none() {
            out.push(problem(job_path, "gate", "a gate needs min or max_drop"));
        }
        if let Some(a) = &g.agency {
            if !job.registries.iter().any(|r| &r.agency == a) {
                out.push(problem(job_path, "gate.agency", format!("no registry '{a}' in the job")));
            }
        }
    }
}

/// A run ID is 1 to 64 letters, digits, `-` or `_` (an over-long one is told so, not
/// echoed whole).
fn check_run_id(run_id: &str) -> Result<()> {
    if run_id.is_empty() || run_id.len() > 64 {
        let shown: String = run_id.chars().take(20).collect();
        return Err(Error::Usage(format!(
            "run ID '{shown}…' is {} bytes long: a run ID is 1 to 64 letters, digits, '-' or '_'",
            run_id.len()
        )));
    }
    if !run_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(Error::Usage(format!("run ID '{run_id}' must be letters, digits, '-' or '_'")));
    }
    Ok(())
}

/// What is wrong with an agency key, if anything: it is a folder name.
fn agency_key_problem(job_path: &Path, agency: &str) -> Option<Problem> {
    if agency.len() > 64 {
        let shown: String = agency.chars().take(20).collect();
        return Some(problem(
            job_path,
            format!("registry.agency \"{shown}…\""),
            format!("an agency key is a folder name of at most 64 characters (this one has {})", agency.len()),
        ));
    }
    (!safe_key(agency) || agency == "population" || agency == "feed").then(|| {
        problem(
            job_path,
            format!("registry.agency \"{agency}\""),
            "agency keys are folder names: lower-case letters, digits, '_' and '-' only, not 'population' or 'feed'",
        )
    })
}

/// Loads and checks a job with all its rules and inputs (their headers read by
/// `read_headers`); every problem is reported at once.
pub fn load(job_path: &Path, opts: &RunOptions, read_headers: ReadHeaders) -> Result<Config> {
    let mut out = Vec::new();
    let text = std::fs::read_to_string(job_path)
        .map_err(|e| Error::Rules(Problems(vec![problem(job_path, "file", format!("cannot read: {e}"))])))?;
    let job: Job = toml::from_str(&text).map_err(|e| {
        let key = e.span().map(|s| format!("line {}", text[..s.start].matches('\n').count() + 1));
        Error::Rules(Problems(vec![problem(job_path, key.unwrap_or_else(|| "toml".into()), e.message().to_string())]))
    })?;
    let base = job_path.parent().unwrap_or(Path::new("."));
    let resolve = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            base.join(p)
        }
    };
    let mut partition = job.partition.clone();
    partition.extend(opts.partition.iter().cloned());
    let province = job.province.clone().or_else(|| partition.get("province").cloned()).unwrap_or_default();
    if province.is_empty() {
        out.push(problem(job_path, "province", "no province: set `province`, or run a `province` partition"));
    } else if crate::vn::admin::AdminUnits::get().province_units(&province).is_empty() {
        out.push(problem(job_path, "province", format!("'{province}' is no 2025 province code")));
    }
    let t = job.thresholds;
    if !(0.0..=1.0).contains(&t.review) || !(0.0..=1.0).contains(&t.link) || t.review > t.link {
        out.push(problem(job_path, "thresholds", "need 0 ≤ review ≤ link ≤ 1"));
    }
    let mut unreadable = Vec::new();
    // An input's files: the file, or the part files of the partition of a dataset folder
    // (each one an input of its own, its header checked).
    let mut make_input = |agency: &str, name: &str, file: &Path, rules: &Path, kind: Kind, out: &mut Vec<Problem>| {
        let rules_path = resolve(rules);
        let rules = load_rules(&rules_path, out)?;
        if rules.kind != kind {
            out.push(problem(
                &rules_path,
                "kind",
                format!("expected kind = \"{}\"", if kind == Kind::Population { "population" } else { "registry" }),
            ));
            return None;
        }
        let parts = parts_of(&resolve(file), &partition, &mut unreadable)?;
        let inputs: Vec<Input> = parts
            .into_iter()
            .map(|path| Input {
                agency: agency.into(),
                name: name.into(),
                path,
                rules_path: rules_path.clone(),
                rules: rules.clone(),
            })
            .collect();
        for input in &inputs {
            check_columns(input, read_headers, out, &mut unreadable);
        }
        Some(inputs)
    };
    let population = make_input(
        "population",
        "Population extract",
        &job.population.file,
        &job.population.rules,
        Kind::Population,
        &mut out,
    );
    let mut registries = Vec::new();
    for r in &job.registries {
        if let Some(p) = agency_key_problem(job_path, &r.agency) {
            out.push(p);
            continue;
        }
        // An agency listed again brings another of its files (civil status as births,
        // deaths and marriages exports): one folder, one score.
        for i in make_input(&r.agency, &r.name, &r.file, &r.rules, Kind::Registry, &mut out).into_iter().flatten() {
            out.extend(cardinality_problem(&registries, &i));
            registries.push(i);
        }
    }
    check_gates(&job, job_path, &mut out);
    let model = match &job.model {
        Some(p) => model::load_model(&resolve(p), &mut out),
        None => Some(model::default_model()),
    };
    let (clock, today) = reference_day(&job, opts, job_path, &mut out);
    let run_id =
        opts.run_id.clone().unwrap_or_else(|| format!("{:04}-{:02}-{:02}", clock.year, clock.month, clock.day));
    check_run_id(&run_id)?;
    if !out.is_empty() {
        return Err(Error::Rules(Problems(out)));
    }
    if let Some(e) = unreadable.into_iter().next() {
        return Err(e);
    }
    let population = population.expect("no problems means the population input loaded");
    let run_root =
        opts.run_root.clone().unwrap_or_else(|| resolve(job.run_root.as_deref().unwrap_or(Path::new("runs"))));
    Ok(Config {
        job_path: job_path.to_path_buf(),
        province,
        run_root,
        run_id,
        today,
        seed: job.seed,
        thresholds: job.thresholds,
        gates: job.gates,
        privacy: job.privacy,
        model: model.expect("no problems means the model loaded"),
        keep_runs: job.keep_runs,
        national: job.national.as_deref().map(resolve),
        population: Input { path: resolve(&job.population.file), ..population[0].clone() },
        population_parts: population.into_iter().map(|i| i.path).collect(),
        partition,
        registries,
    })
}

/// Checks a job file (with its rules and input headers) or every `*.toml` rules file in a
/// folder. Gives the number of files checked, or all problems.
pub fn check(path: &Path, read_headers: ReadHeaders) -> Result<usize> {
    if path.is_dir() {
        let mut out = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        entries.sort();
        for p in &entries {
            // A model file sits beside the rules (`rules/model.toml`).
            match std::fs::read_to_string(p) {
                Ok(text) if model::is_model_file(&text) => drop(model::parse_model(&text, p, &mut out)),
                _ => drop(load_rules(p, &mut out)),
            }
        }
        if out.is_empty() {
            Ok(entries.len())
        } else {
            Err(Error::Rules(Problems(out)))
        }
    } else {
        let cfg = load(path, &RunOptions::default(), read_headers)?;
        Ok(1 + 1 + cfg.registries.len())
    }
}
