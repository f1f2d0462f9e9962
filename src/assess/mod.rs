//! Assess: compare each record with its person, check each record on its own, and check
//! the registry as a whole (duplicates), emitting discrepancies with their codes.
//!
//! Takes the population, one registry's records with their links, and its rejected
//! rows; gives one [`RecordOutcome`] per input row (what scoring needs) and the
//! [`Discrepancy`] rows (what agencies receive), sorted deterministically.

pub mod codes;

use crate::config::{Cardinality, Rules};
use crate::ingest::Rejected;
use crate::link::{Link, Outcome, Tier};
use crate::normalize::admin::{AdminUnits, Era};
use crate::normalize::date::PartialDate;
use crate::normalize::id::{self, IdKind, IdProblem};
use crate::normalize::name::{self, NameRelation};
use crate::normalize::{Event, Person, Record};
pub use codes::{Code, Dimension, Severity};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

/// Commune code used when neither the record nor its person has one.
pub const UNKNOWN_COMMUNE: &str = "unknown";

/// One discrepancy row (SPEC §5). Run, agency and newness are added when publishing.
#[derive(Debug, Clone, PartialEq)]
pub struct Discrepancy {
    /// The registry's record ID (or `line:N` for a rejected row without one).
    pub record_id: String,
    /// Line number in the input.
    pub line: u64,
    /// 2025 commune code (record's own, else the person's), or `unknown`.
    pub commune: String,
    /// The code.
    pub code: Code,
    /// The canonical field concerned.
    pub field: &'static str,
    /// The value in the registry.
    pub registry_value: String,
    /// The population's value (only compared or suggested fields).
    pub population_value: String,
    /// The suggested fix.
    pub suggested_value: String,
    /// The linked person's personal ID.
    pub person_id: String,
    /// Link tier, if linked.
    pub tier: Option<Tier>,
    /// Link score, if linked.
    pub score: Option<f64>,
    /// Why, in a few words (variant kind, reason of a rejection, …).
    pub note: String,
}

impl Discrepancy {
    /// A discrepancy on a record, with no values, link or note yet (those are set with
    /// struct update syntax where a code has them).
    pub fn new(record_id: String, line: u64, commune: String, code: Code, field: &'static str) -> Discrepancy {
        Discrepancy {
            record_id,
            line,
            commune,
            code,
            field,
            registry_value: String::new(),
            population_value: String::new(),
            suggested_value: String::new(),
            person_id: String::new(),
            tier: None,
            score: None,
            note: String::new(),
        }
    }

    /// Stable discrepancy ID: hash of agency, record ID, code and field.
    pub fn stable_id(&self, agency: &str) -> String {
        let mut h = Sha256::new();
        for part in [agency, &self.record_id, self.code.name(), self.field] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut id = String::with_capacity(16);
        for b in h.finalize().iter().take(8) {
            id.push(HEX[usize::from(b >> 4)] as char);
            id.push(HEX[usize::from(b & 15)] as char);
        }
        id
    }
}

/// What scoring needs to know of one input row.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordOutcome {
    /// Commune (as for discrepancies).
    pub commune: String,
    /// Outcome for conservation.
    pub outcome: Outcome,
    /// Every required field present.
    pub complete: bool,
    /// Dimensions with at least one discrepancy (đúng: errors only).
    pub flagged: [bool; 4],
}

/// The assessment of one registry.
#[derive(Debug, Default)]
pub struct Assessment {
    /// One per input row: records first (input order), then rejected rows.
    pub outcomes: Vec<RecordOutcome>,
    /// All discrepancies, sorted by commune, record ID, code, field.
    pub discrepancies: Vec<Discrepancy>,
    /// Coverage, when the rules say who the registry should hold.
    pub coverage: Option<Coverage>,
}

/// The people a registry should hold (`[coverage]` in its rules) and those it lacks.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Coverage {
    /// People expected.
    pub expected: u64,
    /// Of them, linked by at least one record.
    pub present: u64,
    /// The absent ones (`EXPECTED_ABSENT`), by population index, in population order.
    pub absent: Vec<u32>,
}

/// `EXPECTED_ABSENT`: living residents of the rules' age range that no record links to.
fn coverage(people: &[Person], links: &[Link], rules: &Rules, today: &PartialDate) -> Option<Coverage> {
    let c = rules.coverage.as_ref()?;
    let mut linked = vec![false; people.len()];
    for l in links {
        if let Some(p) = l.person {
            linked[p as usize] = true;
        }
    }
    let mut cov = Coverage::default();
    for (i, p) in people.iter().enumerate() {
        let Some(d) = p.dob else { continue };
        let age = today.year - d.year;
        if !p.alive || age < c.min_age || age > c.max_age {
            continue;
        }
        cov.expected += 1;
        if linked[i] {
            cov.present += 1;
        } else {
            cov.absent.push(i as u32);
        }
    }
    Some(cov)
}

struct Finding {
    code: Code,
    field: &'static str,
    registry_value: String,
    population_value: String,
    suggested_value: String,
    note: String,
}

fn finding(code: Code, field: &'static str, registry: &str) -> Finding {
    Finding {
        code,
        field,
        registry_value: registry.to_string(),
        population_value: String::new(),
        suggested_value: String::new(),
        note: String::new(),
    }
}

fn date_text(d: Option<&crate::normalize::date::PartialDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Checks of the record on its own: the ID.
fn id_findings(r: &Record, person: Option<&Person>, out: &mut Vec<Finding>) {
    let suggested_pid =
        person.filter(|p| p.pid.kind == IdKind::Personal).map(|p| p.pid.digits.clone()).unwrap_or_default();
    match r.id.kind {
        IdKind::Missing => {
            let mut f = finding(Code::IdMissing, "id", "");
            f.suggested_value = suggested_pid;
            out.push(f);
        }
        IdKind::Malformed => {
            let mut f = finding(Code::IdMalformed, "id", &r.id_raw);
            f.note = r.id.note.unwrap_or_default().to_string();
            f.suggested_value = suggested_pid;
            out.push(f);
        }
        IdKind::Legacy => {
            let mut f = finding(Code::IdLegacy, "id", &r.id_raw);
            f.population_value = suggested_pid.clone();
            f.suggested_value = suggested_pid;
            out.push(f);
        }
        IdKind::Personal => {
            if let Some(note) = r.id.note {
                // Excel damage that could be repaired: the written value is malformed.
                let mut f = finding(Code::IdMalformed, "id", &r.id_raw);
                f.note = note.to_string();
                f.suggested_value = r.id.digits.clone();
                out.push(f);
            }
            for p in id::check_personal(&r.id.digits, r.sex, r.dob.as_ref()) {
                let (code, note) = match p {
                    IdProblem::ProvinceInvalid(code) => {
                        (Code::IdProvinceInvalid, format!("{code} is no province code"))
                    }
                    IdProblem::SexCenturyConflict(d, says) => {
                        (Code::IdSexCenturyConflict, format!("digit 4 = {d}: {says}"))
                    }
                    IdProblem::BirthYearConflict(yy, year) => {
                        (Code::IdBirthYearConflict, format!("digits 5-6 = {yy}, born {year}"))
                    }
                };
                let mut f = finding(code, "id", &r.id_raw);
                f.note = note;
                if person.is_some_and(|p| p.pid.digits != r.id.digits) {
                    f.suggested_value = suggested_pid.clone();
                }
                out.push(f);
            }
        }
    }
}

/// Marks the dimension a code counts against (đúng counts errors only, SPEC §6).
fn flag(flagged: &mut [bool; 4], code: Code) {
    if code.dimension() != Dimension::Dung || code.severity() == Severity::Error {
        flagged[code.dimension() as usize] = true;
    }
}

/// `ADDRESS_LEGACY_UNIT`: the record's commune is a unit abolished on 1 July 2025.
fn address_findings(r: &Record, out: &mut Vec<Finding>) {
    let Some(c) = r.commune.as_ref().filter(|c| c.era == Era::Legacy) else {
        return;
    };
    let unit = AdminUnits::get().unit(&c.code).map(|u| u.name.clone()).unwrap_or_default();
    let mut f = finding(Code::AddressLegacyUnit, "commune", &r.commune_raw);
    f.suggested_value = unit;
    f.note = format!(
        "{} → {}{}",
        c.legacy_name.as_deref().unwrap_or(""),
        c.code,
        if c.ambiguous { " (split unit: default target)" } else { "" }
    );
    out.push(f);
}

/// Codes of a tier-3 link: found without a usable ID, or through a mistyped one.
fn tier3_findings(r: &Record, l: &Link, p: &Person, out: &mut Vec<Finding>) {
    if matches!(r.id.kind, IdKind::Missing | IdKind::Malformed) {
        let mut f = finding(Code::LinkedWithoutId, "id", &r.id_raw);
        f.population_value = p.pid.digits.clone();
        f.suggested_value = p.pid.digits.clone();
        f.note = l.explanation.as_ref().map(|e| format!("found by {}", e.rule)).unwrap_or_default();
        out.push(f);
    } else if r.id.kind == IdKind::Personal
        && r.id.digits != p.pid.digits
        && l.other_person.is_none()
        && (strsim::hamming(&r.id.digits, &p.pid.digits).is_ok_and(|d| d <= 2)
            || strsim::damerau_levenshtein(&r.id.digits, &p.pid.digits) <= 2)
    {
        // One or two edits from the person's ID (SPEC §5); further apart it is no typo.
        let mut f = finding(Code::IdTypo, "id", &r.id_raw);
        f.population_value = p.pid.digits.clone();
        f.suggested_value = p.pid.digits.clone();
        out.push(f);
    }
}

/// Comparisons of a linked record with its person.
fn compare(r: &Record, p: &Person, follows_residence: bool, out: &mut Vec<Finding>) {
    // The commune, where the registry follows residence; a record last updated before
    // the population recorded the move is also stale.
    if let (true, Some(a), Some(b)) = (follows_residence, &r.commune, &p.commune) {
        if a.code != b.code {
            let mut f = finding(Code::AddressMismatch, "commune", &r.commune_raw);
            let unit = AdminUnits::get().unit(&b.code).map(|u| u.name.clone()).unwrap_or_default();
            f.population_value = unit.clone();
            f.suggested_value = unit;
            out.push(f);
            if let (Some(ru), Some(pu)) = (r.updated_at, p.updated_at) {
                if ru < pu {
                    let mut f = finding(Code::StaleRecord, "updated_at", &ru.to_string());
                    f.population_value = pu.to_string();
                    f.note = "the population changed the residence after the record's last update".into();
                    out.push(f);
                }
            }
        }
    }
    // Parents' names (births, school): a different name, not a spelling variant.
    for (field, written, known) in [("father_name", &r.father, &p.father), ("mother_name", &r.mother, &p.mother)] {
        if let (Some((raw, n)), Some(k)) = (written, known) {
            if name::compare(raw, n, k, r.case_blind) == NameRelation::Mismatch {
                let mut f = finding(Code::ParentMismatch, field, raw);
                f.population_value = k.display.clone();
                f.suggested_value = k.display.clone();
                out.push(f);
            }
        }
    }
    if r.event == Some(Event::Marriage) && p.single == Some(true) {
        let mut f = finding(Code::MaritalConflict, "marital_status", "married");
        f.population_value = "single".into();
        f.note = "a marriage registration for a person the population records as never married".into();
        out.push(f);
    }
    if let Some(n) = &r.name {
        // Written exactly as the population writes it is no variant, whatever the form.
        let relation = if r.name_raw == p.name_raw {
            NameRelation::Same
        } else {
            name::compare(&r.name_raw, n, &p.name, r.case_blind)
        };
        match relation {
            NameRelation::Same => {}
            NameRelation::Variant(kind) => {
                let mut f = finding(Code::NameVariant, "full_name", &r.name_raw);
                f.population_value = p.name.display.clone();
                f.suggested_value = p.name.display.clone();
                f.note = kind.label();
                out.push(f);
            }
            NameRelation::Mismatch => {
                let mut f = finding(Code::NameMismatch, "full_name", &r.name_raw);
                f.population_value = p.name.display.clone();
                f.suggested_value = p.name.display.clone();
                out.push(f);
            }
        }
    }
    let dob_field = if r.year_only_by_design { "birth_year" } else { "dob" };
    if let (Some(a), Some(b)) = (&r.dob, &p.dob) {
        // 01/01/YYYY is the conventional date given to people whose day and month
        // were unknown (older people in remote communes): against a real date of the
        // same year it says "year only", not "another date".
        let code = if a.is_swap_of(b) {
            Some(Code::DobDayMonthSwapped)
        } else if a.year == b.year && a != b && b.is_placeholder() {
            None
        } else if a.year == b.year && a != b && a.is_placeholder() && !r.year_only_by_design {
            Some(Code::DobPartial)
        } else if a.compatible_with(b) {
            (a.precision() < b.precision() && !r.year_only_by_design).then_some(Code::DobPartial)
        } else {
            Some(Code::DobMismatch)
        };
        if let Some(code) = code {
            let mut f = finding(code, dob_field, &r.dob_raw);
            // A year-only registry gets the year; others the full date.
            let shown = if r.year_only_by_design { b.year.to_string() } else { b.to_string() };
            f.population_value = shown.clone();
            f.suggested_value = shown;
            f.note = format!("registry precision {}", a.precision().label());
            out.push(f);
        }
    }
    if let (Some(a), Some(b)) = (r.sex, p.sex) {
        if a != b {
            let mut f = finding(Code::SexMismatch, "sex", &r.sex_raw);
            f.population_value = b.label().to_string();
            f.suggested_value = b.label().to_string();
            out.push(f);
        }
    }
    if !p.alive && r.active == Some(true) && r.event != Some(Event::Death) {
        let mut f = finding(Code::DeceasedActive, "status", "active");
        f.population_value = format!("deceased {}", date_text(p.death_date.as_ref())).trim_end().to_string();
        f.suggested_value = "inactive".into();
        out.push(f);
    }
    if r.event == Some(Event::Death) && p.alive {
        let mut f = finding(Code::DeathNotInPopulation, "event_type", "death");
        f.population_value = "alive".into();
        f.note = "the population must record this death".into();
        out.push(f);
    }
}

fn commune_of(r: &Record, person: Option<&Person>) -> String {
    r.commune
        .as_ref()
        .map(|c| c.code.clone())
        .or_else(|| person.and_then(|p| p.commune.as_ref().map(|c| c.code.clone())))
        .unwrap_or_else(|| UNKNOWN_COMMUNE.to_string())
}

/// Assesses one registry.
pub fn assess(
    people: &[Person],
    records: &[Record],
    links: &[Link],
    rejected: &[Rejected],
    rules: &Rules,
    today: &PartialDate,
) -> Assessment {
    let cardinality = rules.cardinality;
    let per_record: Vec<(RecordOutcome, Vec<Discrepancy>)> = records
        .par_iter()
        .zip(links.par_iter())
        .map(|(r, l)| {
            let person = l.person.map(|i| &people[i as usize]);
            let mut found = Vec::new();
            id_findings(r, person, &mut found);
            address_findings(r, &mut found);
            if l.other_person.is_some() {
                let mut f = finding(Code::IdOtherPerson, "id", &r.id_raw);
                f.note = "the ID belongs to a person whose name and date of birth clearly differ".into();
                found.push(f);
            }
            match (person, l.outcome) {
                (Some(p), _) => {
                    if l.tier == Some(Tier::Probabilistic) {
                        tier3_findings(r, l, p, &mut found);
                    }
                    compare(r, p, rules.follows_residence, &mut found)
                }
                (None, Outcome::Review) => {
                    let mut f = finding(Code::Review, "record_id", &r.record_id);
                    f.suggested_value =
                        l.review_candidate.map(|c| people[c as usize].pid.digits.clone()).unwrap_or_default();
                    f.note = format!("probable match {:.4}: confirm in review.csv", l.score);
                    found.push(f);
                }
                (None, _) => found.push(finding(Code::NotInPopulation, "record_id", &r.record_id)),
            }
            let commune = commune_of(r, person);
            let mut flagged = [false; 4];
            for f in &found {
                flag(&mut flagged, f.code);
            }
            let rows = found
                .into_iter()
                .map(|f| Discrepancy {
                    record_id: r.record_id.clone(),
                    line: r.line,
                    commune: commune.clone(),
                    code: f.code,
                    field: f.field,
                    registry_value: f.registry_value,
                    population_value: f.population_value,
                    suggested_value: f.suggested_value,
                    person_id: person.map(|p| p.pid.digits.clone()).unwrap_or_default(),
                    tier: l.person.and(l.tier),
                    score: l.person.map(|_| l.score),
                    note: f.note,
                })
                .collect();
            let outcome =
                RecordOutcome { commune, outcome: l.outcome, complete: r.missing_required.is_empty(), flagged };
            (outcome, rows)
        })
        .collect();
    let mut a = Assessment::default();
    a.outcomes.reserve_exact(per_record.len() + rejected.len());
    let mut found = Vec::with_capacity(per_record.len());
    for (o, rows) in per_record {
        a.outcomes.push(o);
        found.push(rows);
    }
    let mut duplicated = Vec::new();
    duplicates(people, records, links, cardinality, &mut a.outcomes, &mut duplicated);
    // One allocation of the final size: grown push by push, the vector of a large
    // registry's discrepancies was copied into ever larger fresh memory on one core.
    let total = found.iter().map(Vec::len).sum::<usize>() + duplicated.len() + rejected.len();
    a.discrepancies.reserve_exact(total);
    for rows in found {
        a.discrepancies.extend(rows);
    }
    a.discrepancies.append(&mut duplicated);
    a.coverage = coverage(people, links, rules, today);
    for rj in rejected {
        a.outcomes.push(RecordOutcome {
            commune: UNKNOWN_COMMUNE.into(),
            outcome: Outcome::Rejected,
            complete: false,
            flagged: {
                let mut f = [false; 4];
                flag(&mut f, Code::RejectedRow);
                f
            },
        });
        let record_id = if rj.record_id.is_empty() { format!("line:{}", rj.line) } else { rj.record_id.clone() };
        a.discrepancies.push(Discrepancy {
            note: if rj.column.is_empty() {
                rj.reason.clone()
            } else {
                format!("column '{}': {}", rj.column, rj.reason)
            },
            ..Discrepancy::new(record_id, rj.line, UNKNOWN_COMMUNE.into(), Code::RejectedRow, "row")
        });
    }
    // Stable, so rows with equal keys keep the order they were found in, as a serial
    // sort would.
    a.discrepancies.par_sort_by(|x, y| {
        (&x.commune, &x.record_id, x.line, x.code, x.field).cmp(&(&y.commune, &y.record_id, y.line, y.code, y.field))
    });
    a
}

/// `DUPLICATE_RECORD`: several records linked to one person where the registry allows
/// one (per event type for civil status; marriages may repeat). The record kept is the
/// most recently updated one, then the smallest record ID; every other is flagged with
/// the kept record's ID as the suggestion.
fn duplicates(
    people: &[Person],
    records: &[Record],
    links: &[Link],
    cardinality: Cardinality,
    outcomes: &mut [RecordOutcome],
    out: &mut Vec<Discrepancy>,
) {
    if cardinality == Cardinality::Many {
        return;
    }
    // The groups are sorted below, so the map's order does not reach the output.
    let mut groups: FxHashMap<(u32, Option<Event>), Vec<usize>> = FxHashMap::default();
    for (i, (r, l)) in records.iter().zip(links).enumerate() {
        let (Some(p), Some(event)) = (l.person, cardinality.place(r.event)) else { continue };
        groups.entry((p, event)).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    groups.sort();
    for mut g in groups {
        g.sort_by(|&a, &b| {
            let (ra, rb) = (&records[a], &records[b]);
            rb.updated_at.cmp(&ra.updated_at).then_with(|| ra.record_id.cmp(&rb.record_id)).then(ra.line.cmp(&rb.line))
        });
        let keep = &records[g[0]];
        for &i in &g[1..] {
            let r = &records[i];
            let l = &links[i];
            flag(&mut outcomes[i].flagged, Code::DuplicateRecord);
            out.push(Discrepancy {
                record_id: r.record_id.clone(),
                line: r.line,
                commune: outcomes[i].commune.clone(),
                code: Code::DuplicateRecord,
                field: "record_id",
                registry_value: r.record_id.clone(),
                population_value: String::new(),
                suggested_value: keep.record_id.clone(),
                person_id: l.person.map(|p| people[p as usize].pid.digits.clone()).unwrap_or_default(),
                tier: l.tier,
                score: Some(l.score),
                note: format!("same person as record {}", keep.record_id),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The discrepancy ID is what tells runs apart (changes.json): it must not change
    /// with the code that computes it. First 8 bytes of SHA-256 of
    /// `agency \0 record \0 code \0 field \0`, in lower-case hex.
    #[test]
    fn stable_id_is_pinned() {
        let d = Discrepancy::new("BH-0001".into(), 7, "12345".into(), Code::IdMissing, "personal_id");
        assert_eq!(d.stable_id("insurance"), "fc8599bba6629907");
    }
}
