//! One file's rules, decided: each column placed or left, the registry's kind and
//! cardinality, the spellings of its statuses and events, its date order and encoding —
//! each decision with what it was guessed from.

use super::guess::{self, Agency};
use super::headers;
use super::place::{self, Evidence, Place};
use super::sample::Sample;
use crate::config::{Cardinality, CodeEra, Field};
use crate::vn::date::{DayOrder, PartialDate};
use crate::vn::encoding::FileEncoding;
use std::collections::BTreeMap;

/// A decision and what it rests on.
#[derive(Debug, Clone)]
pub struct Guess<T> {
    /// The decision.
    pub value: T,
    /// Why, for the comment above it.
    pub why: String,
}

fn guess<T>(value: T, why: impl Into<String>) -> Guess<T> {
    Guess { value, why: why.into() }
}

/// The spellings of a column of values, as seen, with those read one way.
#[derive(Debug, Clone, Default)]
pub struct Spellings {
    /// Every spelling with its count over the whole file, commonest first.
    pub seen: Vec<(String, usize)>,
    /// The spellings put in each list (`active`; `birth`, `death`, `marriage`; …).
    pub lists: Vec<(&'static str, Vec<String>)>,
}

/// A column mapped: header, field, why.
pub type Mapped = (String, Field, String);

/// A file's rules, decided.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Whether it is the population extract.
    pub population: bool,
    /// The registry kind, when one was recognized.
    pub agency: Option<Guess<Agency>>,
    /// Columns placed: header, field, why.
    pub mapped: Vec<Mapped>,
    /// Columns left for a person: header, why.
    pub unplaced: Vec<(String, String)>,
    /// Fields a run cannot do without that no column holds.
    pub missing: Vec<Field>,
    /// A value every row has, for a field without a column (a deaths export's event).
    pub values: Vec<(Field, String, String)>,
    /// Fields counted in đủ.
    pub required: Vec<Field>,
    /// Records per person.
    pub cardinality: Guess<Cardinality>,
    /// Whether the registry follows the residence.
    pub follows_residence: Option<Guess<bool>>,
    /// Coverage age range (education).
    pub coverage: Option<Guess<(i32, i32)>>,
    /// Era of 5-digit commune codes.
    pub code_era: Option<Guess<CodeEra>>,
    /// Order of day and month.
    pub date_order: Guess<DayOrder>,
    /// The encoding, for a text file.
    pub encoding: Option<Guess<FileEncoding>>,
    /// The ID column holds another scheme's identifiers.
    pub id_other: bool,
    /// Status (registry), event, sex, vital and marital spellings, by rules section.
    pub spellings: BTreeMap<&'static str, Spellings>,
    /// Rows in the file and rows sampled.
    pub rows: (u64, usize),
}

/// Decides a file's rules from its sample.
pub fn plan(
    sample: &Sample,
    population: bool,
    agency: Option<Guess<Agency>>,
    province: &str,
    today: &PartialDate,
) -> Plan {
    let evidence: Vec<Evidence> = sample.columns.iter().map(|c| Evidence::of(c, province, today)).collect();
    let (mapped, mut unplaced) = assign(sample, &evidence, population, province);
    unplaced.extend(sample.skipped.iter().map(|(h, why)| (h.clone(), why.to_string())));
    let mut mapped = mapped;
    let has = |mapped: &[Mapped], f: Field| mapped.iter().any(|(_, g, _)| *g == f);
    let column_of = |mapped: &[Mapped], f: Field| mapped.iter().position(|(_, g, _)| *g == f);
    let index_of = |mapped: &[Mapped], f: Field| {
        column_of(mapped, f).and_then(|m| sample.columns.iter().position(|c| c.header == mapped[m].0))
    };
    let mut values = Vec::new();
    let mut spellings = BTreeMap::new();
    let kind = agency.as_ref().map(|a| a.value);
    if kind == Some(Agency::CivilStatus) && !has(&mapped, Field::EventType) {
        let stem = sample.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if let Some(e) = guess::event_of_file(&stem) {
            let name = guess::EVENT_NAMES[e];
            values.push((
                Field::EventType,
                name.to_string(),
                format!("no event-type column; the file's name says '{name}'"),
            ));
            let mut lists: Vec<(&'static str, Vec<String>)> =
                vec![("birth", vec![]), ("death", vec![]), ("marriage", vec![])];
            lists[e].1.push(name.to_string());
            spellings.insert("events", Spellings { seen: vec![(name.to_string(), sample.readable)], lists });
        }
    }
    let lists = |k: usize| sample.spellings(k).map(<[_]>::to_vec);
    if let Some(k) = index_of(&mapped, Field::EventType) {
        let seen = lists(k).unwrap_or_default();
        let mut l: Vec<(&'static str, Vec<String>)> = vec![("birth", vec![]), ("death", vec![]), ("marriage", vec![])];
        for (v, _) in &seen {
            if let Some(e) = guess::event(v) {
                l[e].1.push(v.clone());
            }
        }
        spellings.insert("events", Spellings { seen, lists: l });
    }
    if let Some(k) = index_of(&mapped, Field::Status) {
        let seen = lists(k).unwrap_or_default();
        let active = seen.iter().filter(|(v, _)| guess::active_status(v)).map(|(v, _)| v.clone()).collect();
        spellings.insert("status", Spellings { seen, lists: vec![("active", active)] });
    }
    if let Some(k) = index_of(&mapped, Field::VitalStatus) {
        let seen = lists(k).unwrap_or_default();
        let dead = seen.iter().filter(|(v, _)| guess::deceased(v)).map(|(v, _)| v.clone()).collect();
        spellings.insert("vital", Spellings { seen, lists: vec![("deceased", dead)] });
    }
    if let Some(k) = index_of(&mapped, Field::MaritalStatus) {
        let seen = lists(k).unwrap_or_default();
        let single = seen.iter().filter(|(v, _)| guess::single(v)).map(|(v, _)| v.clone()).collect();
        spellings.insert("marital", Spellings { seen, lists: vec![("single", single)] });
    }
    if let Some(k) = index_of(&mapped, Field::Sex) {
        spellings.insert("sex", Spellings { seen: lists(k).unwrap_or_default(), lists: Vec::new() });
    }
    // A status column without an active spelling cannot be read: left for a person.
    let status_empty = spellings.get("status").is_some_and(|s| s.lists[0].1.is_empty());
    if status_empty {
        if let Some(m) = column_of(&mapped, Field::Status) {
            let (h, _, _) = mapped.remove(m);
            let seen = &spellings["status"].seen;
            let shown: Vec<String> = seen.iter().take(6).map(|(v, n)| format!("{v} ({n})")).collect();
            unplaced.push((h, format!("a status, but no spelling reads as active: {}", shown.join(", "))));
            spellings.remove("status");
        }
    }
    let has = |f: Field| has(&mapped, f) || values.iter().any(|(g, _, _)| *g == f);
    let essentials: &[Field] =
        if population { &[Field::Id, Field::FullName] } else { &[Field::RecordId, Field::FullName] };
    let missing = essentials.iter().copied().filter(|f| !has(*f)).collect();
    let core =
        [Field::RecordId, Field::EventType, Field::FullName, Field::Dob, Field::BirthYear, Field::Sex, Field::Id];
    let required = core.into_iter().filter(|f| has(*f) && !(population && *f == Field::RecordId)).collect();
    let id_other = mapped.iter().any(|(_, f, why)| *f == Field::Id && why.contains("another scheme"));
    let cardinality = cardinality(sample, kind, index_of(&mapped, Field::Id), population);
    let follows_residence = kind.map(|a| guess(a.follows_residence(), a.residence_note()));
    let coverage = (kind == Some(Agency::Education))
        .then(|| guess((6, 17), "school age: primary school from 6, the last year of upper secondary at 17"));
    let code_era = column_of(&mapped, Field::Commune).and_then(|m| {
        let k = sample.columns.iter().position(|c| c.header == mapped[m].0)?;
        let e = &evidence[k];
        (place::code_era(e) == CodeEra::Legacy)
            .then(|| guess(CodeEra::Legacy, format!("{} are pre-2025 commune codes", e.of_sampled(e.legacy_codes))))
    });
    let date_order = date_order(sample, &mapped);
    let encoding = sample.encoding.map(|e| guess(e, format!("detected: the file reads as {}", e.label())));
    Plan {
        population,
        agency,
        mapped,
        unplaced,
        missing,
        values,
        required,
        cardinality,
        follows_residence,
        coverage,
        code_era,
        date_order,
        encoding,
        id_other,
        spellings,
        rows: (sample.rows, sample.columns.first().map_or(0, |c| c.sampled)),
    }
}

/// Places every column, then weighs columns that claim one field: the strongest claim
/// (an exact header over header words over values alone; then the share of values that
/// confirm it) keeps it. A second ID column of CMND becomes the legacy ID.
fn assign(
    sample: &Sample,
    evidence: &[Evidence],
    population: bool,
    province: &str,
) -> (Vec<Mapped>, Vec<(String, String)>) {
    let proposals: Vec<_> =
        sample.columns.iter().zip(evidence).map(|(c, e)| place::propose(c, e, population, province)).collect();
    let mut order: Vec<usize> = (0..proposals.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&proposals[a], &proposals[b]);
        pb.strength.cmp(&pa.strength).then(pb.confirmed.total_cmp(&pa.confirmed)).then(a.cmp(&b))
    });
    let mut taken: BTreeMap<Field, usize> = BTreeMap::new();
    let mut placed: Vec<Option<(Field, String)>> = vec![None; proposals.len()];
    let mut unplaced: Vec<Option<String>> = vec![None; proposals.len()];
    for k in order {
        match &proposals[k].place {
            Place::Unplaced(why) => unplaced[k] = Some(why.clone()),
            Place::Field(field, why) => {
                let mut field = *field;
                let mut why = why.clone();
                let e = &evidence[k];
                if taken.contains_key(&field)
                    && field == Field::Id
                    && e.cmnd > e.personal_ids
                    && !taken.contains_key(&Field::LegacyId)
                {
                    field = Field::LegacyId;
                    why = format!("{why}; mostly CMND beside the ID column: the legacy ID");
                }
                if let Some(&other) = taken.get(&field).filter(|_| proposals[k].strength == 0) {
                    unplaced[k] = Some(format!(
                        "where the event was registered, not where the person lives (column \"{}\" says that)",
                        sample.columns[other].header
                    ));
                } else if let Some(&other) = taken.get(&field) {
                    unplaced[k] = Some(format!(
                        "it also reads as '{}', which column \"{}\" holds ({why})",
                        field.name(),
                        sample.columns[other].header
                    ));
                } else if !population && field.population_only() {
                    unplaced[k] = Some(format!("'{}' is a population field", field.name()));
                } else {
                    taken.insert(field, k);
                    placed[k] = Some((field, why));
                }
            }
        }
    }
    // A registration office stands for the person's commune only when no column says
    // where the person lives.
    if let (Some(&c), Some(&a)) = (taken.get(&Field::Commune), taken.get(&Field::Address)) {
        if proposals[c].strength == 0 {
            placed[c] = None;
            unplaced[c] = Some(format!(
                "where the event was registered, not where the person lives (column \"{}\" says that)",
                sample.columns[a].header
            ));
        }
    }
    by_values(sample, evidence, population, &mut placed, &mut unplaced, &mut taken);
    // A date of birth and a birth year both found: the date wins, as the run allows one.
    if let (Some(&d), Some(&y)) = (taken.get(&Field::Dob), taken.get(&Field::BirthYear)) {
        placed[y] = None;
        unplaced[y] = Some(format!("a birth year beside the date of birth in \"{}\"", sample.columns[d].header));
    }
    let mut mapped = Vec::new();
    let mut left = Vec::new();
    for (k, c) in sample.columns.iter().enumerate() {
        match (&placed[k], &unplaced[k]) {
            (Some((f, why)), _) => mapped.push((c.header.clone(), *f, why.clone())),
            (None, Some(why)) => left.push((c.header.clone(), why.clone())),
            (None, None) => {}
        }
    }
    (mapped, left)
}

/// The essential fields no header placed, told by the values of the columns left: the
/// record key (or the population's key) by its uniqueness, the name by its names, the
/// date of birth as the only column of dates.
fn by_values(
    sample: &Sample,
    evidence: &[Evidence],
    population: bool,
    placed: &mut [Option<(Field, String)>],
    unplaced: &mut [Option<String>],
    taken: &mut BTreeMap<Field, usize>,
) {
    // A registry without a record-ID header (a population without a personal-ID
    // column): the first column left whose values are filled and unique over the whole
    // file (a row number last: it changes as rows move). People keyed so are keyed by
    // another scheme's identifier.
    let key = if population { Field::Id } else { Field::RecordId };
    if let std::collections::btree_map::Entry::Vacant(slot) = taken.entry(key) {
        let free = |k: &usize| placed[*k].is_none() && sample.unique(*k);
        let row_number =
            |k: &usize| matches!(headers::fold_header(&sample.columns[*k].header).as_str(), "stt" | "tt" | "so thu tu");
        let pick = (0..sample.columns.len())
            .filter(|k| !row_number(k))
            .find(free)
            .or_else(|| (0..sample.columns.len()).find(free));
        if let Some(k) = pick {
            let what = if population { "personal-ID" } else { "record-ID" };
            let mut why = if row_number(&k) {
                format!("no {what} column: the row number is the only value unique to each row; it changes when rows move, so give the file's own key if it has one")
            } else {
                format!("no {what} header: the first column whose values are filled and unique in every row")
            };
            if population {
                why.push_str("; people are keyed by another scheme's identifier");
            }
            placed[k] = Some((key, why));
            unplaced[k] = None;
            slot.insert(k);
        }
    }
    // A name or a date of birth whose header no dictionary row knows (`Tên công dân`):
    // told by the values of the columns left with unknown headers — the one most of whose
    // values are names, the only one whose values are dates.
    let unknown: Vec<usize> = (0..sample.columns.len())
        .filter(|&k| placed[k].is_none() && headers::lookup(&sample.columns[k].header, population).is_none())
        .collect();
    let share = |k: usize, n: usize| if evidence[k].values == 0 { 0.0 } else { n as f64 / evidence[k].values as f64 };
    if let std::collections::btree_map::Entry::Vacant(slot) = taken.entry(Field::FullName) {
        let best = unknown
            .iter()
            .copied()
            .filter(|&k| share(k, evidence[k].names) >= 0.8)
            .max_by(|&a, &b| share(a, evidence[a].names).total_cmp(&share(b, evidence[b].names)).then(b.cmp(&a)));
        if let Some(k) = best {
            let why = format!("an unknown header, but {} are names", evidence[k].of_sampled(evidence[k].names));
            placed[k] = Some((Field::FullName, why));
            unplaced[k] = None;
            slot.insert(k);
        }
    }
    if !taken.contains_key(&Field::Dob) && !taken.contains_key(&Field::BirthYear) {
        let dates: Vec<usize> = unknown
            .iter()
            .copied()
            .filter(|&k| placed[k].is_none() && share(k, evidence[k].dates + evidence[k].month_first) >= 0.9)
            .collect();
        if let [k] = dates[..] {
            let e = &evidence[k];
            let (field, what) =
                if share(k, e.years) >= 0.5 { (Field::BirthYear, "years") } else { (Field::Dob, "dates") };
            let why = format!(
                "an unknown header, but {} are {what} (the only such column): check it is the date of birth",
                e.of_sampled(e.dates + e.month_first)
            );
            placed[k] = Some((field, why));
            unplaced[k] = None;
            taken.insert(field, k);
        }
    }
}

/// How many records a person may have: the registry kind says; else repeated IDs over
/// the whole file (more than 5 % of IDs held by several rows: many per person).
fn cardinality(sample: &Sample, kind: Option<Agency>, id: Option<usize>, population: bool) -> Guess<Cardinality> {
    let repeats = id.map(|k| sample.repeats(k));
    let counted = repeats
        .map(|(filled, rep)| format!("{rep} of {filled} rows with an ID share it with another row"))
        .unwrap_or_else(|| "no ID column to count repeats".into());
    if population {
        return guess(Cardinality::One, counted);
    }
    match kind {
        Some(Agency::CivilStatus) => guess(
            Cardinality::OnePerEvent,
            format!("civil status: one birth and one death per person, marriages repeat ({counted})"),
        ),
        Some(a) => guess(
            a.cardinality(),
            format!(
                "{} ({counted})",
                match a {
                    Agency::Land => "land: an owner may hold many parcels",
                    _ => "one record per person",
                }
            ),
        ),
        None => match repeats {
            Some((filled, rep)) if filled > 0 && rep * 20 > filled => {
                guess(Cardinality::Many, format!("repeated IDs: {counted}"))
            }
            _ => guess(Cardinality::One, format!("few repeated IDs: {counted}")),
        },
    }
}

/// The order of day and month the file's date columns show.
fn date_order(sample: &Sample, mapped: &[Mapped]) -> Guess<DayOrder> {
    let dates = [Field::Dob, Field::EventDate, Field::DeathDate, Field::UpdatedAt];
    let values: Vec<&str> = sample
        .columns
        .iter()
        .filter(|c| mapped.iter().any(|(h, f, _)| *h == c.header && dates.contains(f)))
        .flat_map(|c| c.values.iter().map(String::as_str))
        .collect();
    let (dmy, mdy) = guess::date_order(&values);
    let why = format!("{dmy} sampled dates read only day first (dd/mm), {mdy} only month first (mm/dd)");
    guess(if mdy > dmy { DayOrder::Mdy } else { DayOrder::Dmy }, why)
}
