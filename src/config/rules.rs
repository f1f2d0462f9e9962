//! A rules file: which column holds which canonical [`Field`], required fields, date
//! order, sex, status and event spellings, cardinality, score weights. Parsed strictly
//! ([`load_rules`]: unknown keys are errors), then checked; every problem is kept.

use crate::error::Problem;
use crate::vn::date::DayOrder;
use crate::vn::{sex, text};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// A civil-status event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Event {
    /// Birth registration.
    Birth,
    /// Death registration.
    Death,
    /// Marriage registration.
    Marriage,
}

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
    /// A free-text attribute (`[attributes]`; never named in `[columns]`).
    #[serde(skip)]
    Attribute,
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
            Field::Attribute => "attribute",
        }
    }

    /// Whether only the population extract may have the field.
    pub fn population_only(self) -> bool {
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
    /// A value for every row of the file, for a field it has no column for: a deaths
    /// export has no event-type column, every row is a death (`[values] event_type =
    /// "Khai tử"`).
    #[serde(default)]
    pub values: BTreeMap<Field, String>,
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
    pub encoding: crate::vn::encoding::FileEncoding,
    /// The registry should follow the person's current residence (`ADDRESS_MISMATCH`).
    #[serde(default)]
    pub follows_residence: bool,
    /// Who the registry should hold (`EXPECTED_ABSENT`, `coverage.csv`).
    #[serde(default)]
    pub coverage: Option<CoverageRules>,
    /// Marital-status spellings (population).
    #[serde(default)]
    pub marital: MaritalRules,
    /// What the ID column holds: `vietnamese` (personal ID or CMND, checked) or `other`
    /// (another scheme's identifier, compared as written, no structure codes).
    #[serde(default)]
    pub id_kind: IdScheme,
    /// Column header → attribute name: free text the model file may compare and block on
    /// as `attribute.NAME` (a postcode, a street). Folded; nothing else is checked.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// What an ID column holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdScheme {
    /// The Vietnamese personal ID (12 digits) or legacy CMND (9).
    #[default]
    Vietnamese,
    /// Another scheme's identifier.
    Other,
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

    /// Whether a field is mapped to a column or given a value for every row.
    pub fn has(&self, field: Field) -> bool {
        self.column_of(field).is_some() || self.values.contains_key(&field)
    }
}

/// A problem of a file at a key.
pub fn problem(file: &Path, key: impl Into<String>, message: impl Into<String>) -> Problem {
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
                let line = text[..s.start].matches('\n').count() + 1;
                format!("line {line}")
            });
            out.push(problem(path, key.unwrap_or_else(|| "toml".into()), e.message().to_string()));
            return None;
        }
    };
    let before = out.len();
    let mut seen = HashSet::new();
    // Headers are matched without case or spacing: two spellings of one header
    // (`Họ và tên`, `HỌ VÀ TÊN`) would both read the same column.
    let mut keys: std::collections::HashMap<String, &String> = std::collections::HashMap::new();
    for column in rules.columns.keys().chain(rules.attributes.keys()) {
        if let Some(other) = keys.insert(header_key(column), column) {
            out.push(problem(
                path,
                format!("columns.\"{column}\""),
                format!("'{column}' and '{other}' name the same header (headers are compared without case or spacing): both would read one column"),
            ));
        }
    }
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
    for (column, name) in &rules.attributes {
        let key = format!("attributes.\"{column}\"");
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
            out.push(problem(path, key, format!("attribute name '{name}': lower-case letters, digits and '_' only")));
        } else if rules.columns.contains_key(column) {
            out.push(problem(path, key, "the column is also mapped in [columns]"));
        }
    }
    if rules.attributes.len() > 32 {
        out.push(problem(path, "attributes", "at most 32 attributes"));
    }
    for field in rules.values.keys() {
        let key = format!("values.{}", field.name());
        if rules.column_of(*field).is_some() {
            out.push(problem(path, key, format!("'{}' is both mapped to a column and given a value", field.name())));
        } else if matches!(field, Field::RecordId | Field::Id | Field::FullName) {
            out.push(problem(
                path,
                key,
                format!("'{}' differs from row to row: it cannot have one value", field.name()),
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

/// How headers are compared: NFC, trimmed, single-spaced, lower case (a rules file's
/// column name and a file's header alike).
pub fn header_key(h: &str) -> String {
    text::clean(h).to_lowercase()
}

/// The positions in a header row of the columns a mapped column name matches (by
/// [`header_key`]): one for a usable column, none when missing, several when ambiguous.
/// Checking a job and reading a file (`ingest`) both go by it.
pub fn header_matches(headers: &[String], column: &str) -> Vec<usize> {
    let want = header_key(column);
    headers.iter().enumerate().filter(|(_, h)| header_key(h) == want).map(|(i, _)| i).collect()
}
