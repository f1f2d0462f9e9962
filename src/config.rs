//! Job and rules files (TOML) → a checked [`Config`], with every problem reported at once.
//!
//! A *job* names the population extract, the registries (agency key, display name, file,
//! rules file), the province, the run root, thresholds and quality gates. A *rules file*
//! describes one input: which column holds which canonical [`Field`], required fields,
//! date order, sex and status spellings, event types, cardinality. Deserialization is
//! strict (unknown keys are errors); [`check`] adds the semantic checks and, when the
//! inputs exist, checks that every mapped column is in the file's header.

use crate::error::{Error, Problem, Problems, Result};
use crate::normalize::date::{DayOrder, PartialDate};
use crate::normalize::sex;
use crate::normalize::Event;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// A canonical field that an input column can be mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The registry's own record key (insurance code, student code, parcel key, …).
    RecordId,
    /// Identity number as written: personal ID, or a legacy CMND where that is all there is.
    Id,
    /// A separate legacy CMND column.
    LegacyId,
    /// Full name.
    FullName,
    /// Date of birth (full or partial).
    Dob,
    /// Birth year only (land registries).
    BirthYear,
    /// Sex.
    Sex,
    /// Ethnicity.
    Ethnicity,
    /// Free-text address (permanent residence for the population).
    Address,
    /// Commune: a 5-digit code or a name.
    Commune,
    /// Legacy district name.
    District,
    /// Record status (card status, enrolment status, certificate status).
    Status,
    /// Civil-status event type (birth / death / marriage).
    EventType,
    /// Date of the event.
    EventDate,
    /// Date the record was last updated.
    UpdatedAt,
    /// Father's name.
    FatherName,
    /// Father's ID.
    FatherId,
    /// Mother's name.
    MotherName,
    /// Mother's ID.
    MotherId,
    /// Spouse's name.
    SpouseName,
    /// Spouse's ID.
    SpouseId,
    /// Current (temporary) address.
    CurrentAddress,
    /// Current commune.
    CurrentCommune,
    /// Marital status.
    MaritalStatus,
    /// Alive / deceased (population).
    VitalStatus,
    /// Date of death (population).
    DeathDate,
}

impl Field {
    /// The snake_case name used in rules files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Field::RecordId => "record_id",
            Field::Id => "id",
            Field::LegacyId => "legacy_id",
            Field::FullName => "full_name",
            Field::Dob => "dob",
            Field::BirthYear => "birth_year",
            Field::Sex => "sex",
            Field::Ethnicity => "ethnicity",
            Field::Address => "address",
            Field::Commune => "commune",
            Field::District => "district",
            Field::Status => "status",
            Field::EventType => "event_type",
            Field::EventDate => "event_date",
            Field::UpdatedAt => "updated_at",
            Field::FatherName => "father_name",
            Field::FatherId => "father_id",
            Field::MotherName => "mother_name",
            Field::MotherId => "mother_id",
            Field::SpouseName => "spouse_name",
            Field::SpouseId => "spouse_id",
            Field::CurrentAddress => "current_address",
            Field::CurrentCommune => "current_commune",
            Field::MaritalStatus => "marital_status",
            Field::VitalStatus => "vital_status",
            Field::DeathDate => "death_date",
        }
    }

    fn population_only(self) -> bool {
        matches!(
            self,
            Field::CurrentAddress
                | Field::CurrentCommune
                | Field::MaritalStatus
                | Field::VitalStatus
                | Field::DeathDate
        )
    }
}

/// Whether a rules file describes the population extract or a registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The population extract (the reference).
    Population,
    /// A sectoral registry.
    Registry,
}

/// How many records of a registry one person may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cardinality {
    /// One record per person (insurance, school enrolment).
    #[default]
    One,
    /// Any number (land parcels).
    Many,
    /// One per event type (one birth and one death registration; marriages may repeat).
    OnePerEvent,
}

impl Cardinality {
    /// Which of a person's records compete for one place in the registry: `None` where a
    /// record of this event takes no exclusive place (any number of land parcels,
    /// marriages), else the event type that keys the place (`None` inside when the
    /// registry holds one record per person). Tier 3's one-to-one resolution and
    /// `DUPLICATE_RECORD` both go by it.
    pub fn place(self, event: Option<Event>) -> Option<Option<Event>> {
        match self {
            Cardinality::Many => None,
            Cardinality::OnePerEvent if event == Some(Event::Marriage) => None,
            Cardinality::OnePerEvent => Some(event),
            Cardinality::One => Some(None),
        }
    }
}

/// Era of 5-digit commune codes in an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum CodeEra {
    /// Codes of the units in force since 1 July 2025.
    #[default]
    #[serde(rename = "2025")]
    Current,
    /// Codes of the units abolished on 1 July 2025.
    #[serde(rename = "legacy")]
    Legacy,
}

/// Date conventions of an input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateRules {
    /// Order of day and month in slash dates: `dmy` (default) or `mdy`.
    #[serde(default)]
    pub order: DayOrder,
}

/// Spellings of sex values (compared after folding diacritics and case).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SexRules {
    /// Values meaning male.
    pub male: Vec<String>,
    /// Values meaning female.
    pub female: Vec<String>,
}

impl Default for SexRules {
    fn default() -> Self {
        SexRules {
            male: sex::DEFAULT_MALE.iter().map(|s| s.to_string()).collect(),
            female: sex::DEFAULT_FEMALE.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Status values that mean the record is active (compared after folding).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusRules {
    /// Values of the status field that mean "active".
    #[serde(default)]
    pub active: Vec<String>,
}

/// Civil-status event types (compared after folding).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRules {
    /// Values meaning a birth registration.
    #[serde(default)]
    pub birth: Vec<String>,
    /// Values meaning a death registration.
    #[serde(default)]
    pub death: Vec<String>,
    /// Values meaning a marriage registration.
    #[serde(default)]
    pub marriage: Vec<String>,
}

/// Vital-status spellings in the population (compared after folding).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VitalRules {
    /// Values meaning the person has died.
    pub deceased: Vec<String>,
}

impl Default for VitalRules {
    fn default() -> Self {
        VitalRules {
            deceased: vec!["da chet".into(), "chet".into(), "da mat".into(), "deceased".into(), "tu vong".into()],
        }
    }
}

/// Weights of the four dimensions in the overall score.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// đúng.
    pub dung: f64,
    /// đủ.
    pub du: f64,
    /// sạch.
    pub sach: f64,
    /// sống.
    pub song: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { dung: 1.0, du: 1.0, sach: 1.0, song: 1.0 }
    }
}

/// One rules file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Population or registry.
    pub kind: Kind,
    /// Rules version, recorded in the manifest.
    #[serde(default)]
    pub version: Option<String>,
    /// Column header → canonical field.
    pub columns: BTreeMap<String, Field>,
    /// Fields every record should have (counted in đủ; an unreadable value rejects the row).
    #[serde(default)]
    pub required: Vec<Field>,
    /// Records per person.
    #[serde(default)]
    pub cardinality: Cardinality,
    /// Era of 5-digit commune codes.
    #[serde(default)]
    pub commune_code_era: CodeEra,
    /// Date conventions.
    #[serde(default)]
    pub dates: DateRules,
    /// Sex spellings.
    #[serde(default)]
    pub sex: SexRules,
    /// Status values.
    #[serde(default)]
    pub status: StatusRules,
    /// Event types (civil status).
    #[serde(default)]
    pub events: EventRules,
    /// Vital status spellings (population).
    #[serde(default)]
    pub vital: VitalRules,
    /// Score weights.
    #[serde(default)]
    pub weights: Weights,
    /// File encoding: `auto` (default), `utf-8`, `utf-16`, `windows-1258`, `tcvn3`, `vni`.
    #[serde(default)]
    pub encoding: crate::normalize::encoding::FileEncoding,
    /// The registry should follow the person's current residence (`ADDRESS_MISMATCH`).
    #[serde(default)]
    pub follows_residence: bool,
    /// Who the registry should hold (`EXPECTED_ABSENT`, `coverage.csv`).
    #[serde(default)]
    pub coverage: Option<CoverageRules>,
    /// Marital-status spellings (population).
    #[serde(default)]
    pub marital: MaritalRules,
}

/// The population a registry should hold: living residents of an age range.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageRules {
    /// Youngest age (years, on the reference day).
    pub min_age: i32,
    /// Oldest age.
    pub max_age: i32,
}

/// Marital-status values meaning "never married" (compared after folding).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaritalRules {
    /// Values meaning single.
    pub single: Vec<String>,
}

impl Default for MaritalRules {
    fn default() -> Self {
        MaritalRules { single: vec!["doc than".into(), "chua ket hon".into()] }
    }
}

impl Rules {
    /// The header mapped to a field, if any.
    pub fn column_of(&self, field: Field) -> Option<&str> {
        self.columns.iter().find(|(_, f)| **f == field).map(|(c, _)| c.as_str())
    }

    /// Whether a field is mapped.
    pub fn has(&self, field: Field) -> bool {
        self.column_of(field).is_some()
    }
}

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
    pub province: String,
    /// Where runs are published; relative to the job file. Default `runs`.
    #[serde(default)]
    pub run_root: Option<PathBuf>,
    /// Seed recorded in the manifest (and used by sampling stages).
    #[serde(default)]
    pub seed: u64,
    /// Thresholds.
    #[serde(default)]
    pub thresholds: Thresholds,
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

fn default_min_count() -> u64 {
    5
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy { min_count: default_min_count(), mask_review_ids: false }
    }
}

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
    /// The population extract.
    pub population: Input,
    /// The registries.
    pub registries: Vec<Input>,
}

fn problem(file: &Path, key: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { file: file.to_path_buf(), key: key.into(), message: message.into() }
}

/// Parses a rules file strictly and checks it; problems go to `out`.
pub fn load_rules(path: &Path, out: &mut Vec<Problem>) -> Option<Rules> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            out.push(problem(path, "file", format!("cannot read: {e}")));
            return None;
        }
    };
    let rules: Rules = match toml::from_str(&text) {
        Ok(r) => r,
        Err(e) => {
            let key = e.span().map(|s| {
                let line = text[..s.start].lines().count().max(1);
                format!("line {line}")
            });
            out.push(problem(path, key.unwrap_or_else(|| "toml".into()), e.message().to_string()));
            return None;
        }
    };
    let before = out.len();
    let mut seen = HashSet::new();
    for (column, field) in &rules.columns {
        if !seen.insert(*field) {
            out.push(problem(
                path,
                format!("columns.\"{column}\""),
                format!("field '{}' is mapped twice", field.name()),
            ));
        }
        if rules.kind == Kind::Registry && field.population_only() {
            out.push(problem(
                path,
                format!("columns.\"{column}\""),
                format!("'{}' is a population-only field", field.name()),
            ));
        }
    }
    let must: &[Field] = match rules.kind {
        Kind::Population => &[Field::Id, Field::FullName],
        Kind::Registry => &[Field::RecordId, Field::FullName],
    };
    for f in must {
        if !rules.has(*f) {
            out.push(problem(path, "columns", format!("no column is mapped to '{}'", f.name())));
        }
    }
    for f in &rules.required {
        if !rules.has(*f) {
            out.push(problem(path, "required", format!("'{}' is required but no column is mapped to it", f.name())));
        }
    }
    if rules.has(Field::Status) && rules.status.active.is_empty() {
        out.push(problem(path, "status.active", "a status column is mapped but no value is declared active"));
    }
    if let Some(c) = &rules.coverage {
        if c.min_age < 0 || c.max_age < c.min_age {
            out.push(problem(path, "coverage", "need 0 ≤ min_age ≤ max_age"));
        }
    }
    if rules.has(Field::Dob) && rules.has(Field::BirthYear) {
        out.push(problem(path, "columns", "map either 'dob' or 'birth_year', not both"));
    }
    let w = rules.weights;
    if [w.dung, w.du, w.sach, w.song].iter().any(|x| !x.is_finite() || *x < 0.0)
        || w.dung + w.du + w.sach + w.song <= 0.0
    {
        out.push(problem(path, "weights", "weights must be non-negative and not all zero"));
    }
    (out.len() == before).then_some(rules)
}

/// Whether a string is safe as a folder name inside the run folder.
pub fn safe_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && !s.starts_with('-')
}

/// Reads the header row of an input (CSV or Parquet) to check mapped columns.
/// An input that cannot be read is not a rules problem: it goes to `unreadable` and
/// fails the run (exit 1) once the rules themselves are sound.
fn check_columns(input: &Input, out: &mut Vec<Problem>, unreadable: &mut Vec<Error>) {
    let headers = match crate::ingest::read_headers(&input.path, &input.rules) {
        Ok(h) => h,
        Err(e) => {
            unreadable.push(e);
            return;
        }
    };
    for column in input.rules.columns.keys() {
        let why = match crate::ingest::header_matches(&headers, column).len() {
            0 => "column not found in",
            1 => continue,
            _ => "column appears more than once in",
        };
        out.push(problem(
            &input.rules_path,
            format!("columns.\"{column}\""),
            format!("{why} {}", input.path.display()),
        ));
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
}

/// Today's date from the system clock.
pub fn today() -> PartialDate {
    use chrono::Datelike;
    let d = chrono::Local::now().date_naive();
    PartialDate { year: d.year(), month: d.month() as u8, day: d.day() as u8 }
}

/// Loads and checks a job with all its rules and inputs; every problem is reported at once.
pub fn load(job_path: &Path, opts: &RunOptions) -> Result<Config> {
    let mut out = Vec::new();
    let text = std::fs::read_to_string(job_path)
        .map_err(|e| Error::Rules(Problems(vec![problem(job_path, "file", format!("cannot read: {e}"))])))?;
    let job: Job = toml::from_str(&text).map_err(|e| {
        let key = e.span().map(|s| format!("line {}", text[..s.start].lines().count().max(1)));
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
    if crate::normalize::admin::AdminUnits::get().province_units(&job.province).is_empty() {
        out.push(problem(job_path, "province", format!("'{}' is no 2025 province code", job.province)));
    }
    let t = job.thresholds;
    if !(0.0..=1.0).contains(&t.review) || !(0.0..=1.0).contains(&t.link) || t.review > t.link {
        out.push(problem(job_path, "thresholds", "need 0 ≤ review ≤ link ≤ 1"));
    }
    let mut unreadable = Vec::new();
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
        let input = Input { agency: agency.into(), name: name.into(), path: resolve(file), rules_path, rules };
        check_columns(&input, out, &mut unreadable);
        Some(input)
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
    let mut agencies = HashSet::new();
    for r in &job.registries {
        if !safe_key(&r.agency) || r.agency == "population" || r.agency == "feed" {
            out.push(problem(job_path, format!("registry.agency \"{}\"", r.agency), "agency keys are folder names: lower-case letters, digits, '_' and '-' only, not 'population' or 'feed'"));
            continue;
        }
        if !agencies.insert(r.agency.clone()) {
            out.push(problem(job_path, format!("registry.agency \"{}\"", r.agency), "agency listed twice"));
        }
        if let Some(i) = make_input(&r.agency, &r.name, &r.file, &r.rules, Kind::Registry, &mut out) {
            registries.push(i);
        }
    }
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
    let today = opts.today.unwrap_or_else(today);
    let run_id =
        opts.run_id.clone().unwrap_or_else(|| format!("{:04}-{:02}-{:02}", today.year, today.month, today.day));
    if !run_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        || run_id.is_empty()
        || run_id.len() > 64
    {
        return Err(Error::Usage(format!("run ID '{run_id}' must be letters, digits, '-' or '_'")));
    }
    if !out.is_empty() {
        return Err(Error::Rules(Problems(out)));
    }
    if let Some(e) = unreadable.into_iter().next() {
        return Err(e);
    }
    let run_root =
        opts.run_root.clone().unwrap_or_else(|| resolve(job.run_root.as_deref().unwrap_or(Path::new("runs"))));
    Ok(Config {
        job_path: job_path.to_path_buf(),
        province: job.province,
        run_root,
        run_id,
        today,
        seed: job.seed,
        thresholds: job.thresholds,
        gates: job.gates,
        privacy: job.privacy,
        population: population.expect("no problems means the population input loaded"),
        registries,
    })
}

/// Checks a job file (with its rules and input headers) or every `*.toml` rules file in a
/// folder. Gives the number of files checked, or all problems.
pub fn check(path: &Path) -> Result<usize> {
    if path.is_dir() {
        let mut out = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        entries.sort();
        for p in &entries {
            load_rules(p, &mut out);
        }
        if out.is_empty() {
            Ok(entries.len())
        } else {
            Err(Error::Rules(Problems(out)))
        }
    } else {
        let cfg = load(path, &RunOptions::default())?;
        Ok(1 + 1 + cfg.registries.len())
    }
}
