//! Assess: compare each record with its person, check each record on its own, and check
//! the registry as a whole (duplicates), emitting discrepancies with their codes.
//!
//! Takes the population, one registry's records with their links, and its rejected
//! rows; gives one [`RecordOutcome`] per input row (what scoring needs) and the
//! [`Discrepancy`] rows (what agencies receive), sorted deterministically.

pub mod codes;
mod pair;
mod record;
mod registry;

use crate::config::Rules;
use crate::ingest::Rejected;
use crate::link::{Link, Outcome, Tier};
use crate::normalize::{Person, Record};
use crate::vn::date::PartialDate;
pub use codes::{Code, Dimension, Severity};
use rayon::prelude::*;
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
    /// Which of the agency's files the row is in (0 for the first).
    pub source: u16,
    /// A machine can apply the suggested value in bulk (SPEC §7 fixes: a legacy address's
    /// 2025 unit, the personal ID of a linked record without one, a name's canonical
    /// spelling, the full date of a partial one); otherwise a person must decide (the
    /// worklist).
    pub fix: bool,
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
            source: 0,
            fix: false,
        }
    }

    /// Stable discrepancy ID: hash of agency, record ID, code and field (and, for a row of
    /// an agency's second file or later, the file's place: two exports may reuse an ID).
    pub fn stable_id(&self, agency: &str) -> StableId {
        let mut h = Sha256::new();
        for part in [agency, &self.record_id, self.code.name(), self.field] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        if self.source > 0 {
            h.update(self.source.to_le_bytes());
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut id = [0u8; 16];
        for (k, b) in h.finalize().iter().take(8).enumerate() {
            id[2 * k] = HEX[usize::from(b >> 4)];
            id[2 * k + 1] = HEX[usize::from(b & 15)];
        }
        StableId(id)
    }
}

/// A discrepancy's stable ID: 16 hexadecimal digits, held in place (a registry's writing
/// holds one per discrepancy, millions at a time: a string was 40 bytes and an allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StableId([u8; 16]);

impl StableId {
    /// The ID as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("hexadecimal digits")
    }
}

impl std::fmt::Display for StableId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
#[derive(Debug, Default, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Coverage {
    /// People expected.
    pub expected: u64,
    /// Of them, linked by at least one record.
    pub present: u64,
    /// The absent ones (`EXPECTED_ABSENT`), by population index, in population order.
    pub absent: Vec<u32>,
}

/// What the cross-province pass (`doisoat national`) found of a record the province's
/// population does not hold: the person, living in another province.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    /// The person's personal ID.
    pub person_id: String,
    /// The person's commune (`Phường Ba Đình (00004)`).
    pub commune: String,
    /// The province they live in (`Thành phố Hà Nội (01)`).
    pub province: String,
    /// Linked, or a probable match for a person to confirm (the pass's note).
    pub how: String,
}

/// Finds a record's [`Elsewhere`], if the pass found one.
pub type FindElsewhere<'a> = &'a (dyn Fn(&Record) -> Option<Elsewhere> + Sync);

/// A discrepancy found on a record, before the record's own columns are added.
struct Finding {
    code: Code,
    field: &'static str,
    registry_value: String,
    population_value: String,
    suggested_value: String,
    note: String,
    /// A machine can apply the suggestion ([`Discrepancy::fix`]).
    fix: bool,
}

/// A finding of `code` on `field`, with the registry's value.
fn finding(code: Code, field: &'static str, registry: &str) -> Finding {
    Finding {
        code,
        field,
        registry_value: registry.to_string(),
        population_value: String::new(),
        suggested_value: String::new(),
        note: String::new(),
        fix: false,
    }
}

/// Two fixes of one field that suggest different values cannot both be applied: both go
/// to a person.
fn settle_conflicting_fixes(found: &mut [Finding]) {
    for i in 0..found.len() {
        for j in i + 1..found.len() {
            let (a, b) = (&found[i], &found[j]);
            if a.fix && b.fix && a.field == b.field && a.suggested_value != b.suggested_value {
                found[i].fix = false;
                found[j].fix = false;
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

fn commune_of(r: &Record, person: Option<&Person>) -> String {
    r.commune
        .as_ref()
        .map(|c| c.code.to_string())
        .or_else(|| person.and_then(|p| p.commune.as_ref().map(|c| c.code.to_string())))
        .unwrap_or_else(|| UNKNOWN_COMMUNE.to_string())
}

/// One record's findings, with its link's person, and what scoring needs of it.
fn assess_record(
    people: &[Person],
    r: &Record,
    l: &Link,
    rules: &Rules,
    elsewhere: FindElsewhere,
) -> (RecordOutcome, Vec<Discrepancy>) {
    let person = l.person.map(|i| &people[i as usize]);
    let mut found = Vec::new();
    record::id_findings(r, person, &mut found);
    record::address_findings(r, &mut found);
    if l.other_person.is_some() {
        let mut f = finding(Code::IdOtherPerson, "id", &r.id_raw);
        f.note = "the ID belongs to a person whose name and date of birth clearly differ".into();
        found.push(f);
    }
    match (person, l.outcome) {
        (Some(p), _) => {
            if l.tier == Some(Tier::Probabilistic) {
                pair::tier3_findings(r, l, p, &mut found);
            }
            pair::compare(r, p, rules.follows_residence, &mut found)
        }
        (None, Outcome::Review) => {
            let mut f = finding(Code::Review, "record_id", &r.record_id);
            f.suggested_value =
                l.review_candidate.map(|c| people[c as usize].pid.digits.to_string()).unwrap_or_default();
            f.note = format!("probable match {:.4}: confirm in review.csv", l.score);
            found.push(f);
        }
        (None, _) => {
            found.push(finding(Code::NotInPopulation, "record_id", &r.record_id));
            if let Some(e) = elsewhere(r) {
                let mut f = finding(Code::ResidesInOtherProvince, "commune", &r.commune_raw);
                f.population_value = e.commune;
                f.suggested_value = e.province;
                f.note = format!("{}: person {} (cross-province pass)", e.how, e.person_id);
                found.push(f);
            }
        }
    }
    settle_conflicting_fixes(&mut found);
    let commune = commune_of(r, person);
    let mut flagged = [false; 4];
    for f in &found {
        flag(&mut flagged, f.code);
    }
    let rows = found
        .into_iter()
        .map(|f| Discrepancy {
            fix: f.fix && !f.suggested_value.is_empty(),
            record_id: r.record_id.to_string(),
            line: r.line,
            commune: commune.clone(),
            code: f.code,
            field: f.field,
            registry_value: f.registry_value,
            population_value: f.population_value,
            suggested_value: f.suggested_value,
            person_id: person.map(|p| p.pid.digits.to_string()).unwrap_or_default(),
            tier: l.person.and(l.tier),
            score: l.person.map(|_| l.score),
            note: f.note,
            source: r.source,
        })
        .collect();
    let outcome = RecordOutcome { commune, outcome: l.outcome, complete: r.missing_required.is_empty(), flagged };
    (outcome, rows)
}

/// The discrepancies of every input row (one group per row: a record's own, then its
/// duplicate row; a rejected row's) in the published order: by commune, record ID, file
/// and line, then code and field, a row's equal keys in the order found. The groups are
/// sorted, not the rows: a row's key is compared once per comparison of rows, and a
/// group moves as one vector (sorting every discrepancy by its strings was a fifth of
/// assess).
fn in_order(groups: Vec<Vec<Discrepancy>>) -> Vec<Discrepancy> {
    let mut groups: Vec<Vec<Discrepancy>> = groups.into_iter().filter(|g| !g.is_empty()).collect();
    // Two input rows differ in file or line, so no two groups have equal keys.
    groups.par_sort_unstable_by(|x, y| {
        let (a, b) = (&x[0], &y[0]);
        (&a.commune, &a.record_id, a.source, a.line).cmp(&(&b.commune, &b.record_id, b.source, b.line))
    });
    // One allocation of the final size: grown push by push, the vector of a large
    // registry's discrepancies was copied into ever larger fresh memory on one core.
    let mut out = Vec::with_capacity(groups.iter().map(Vec::len).sum());
    for mut g in groups {
        g.sort_by(|a, b| (a.code, a.field).cmp(&(b.code, b.field)));
        out.extend(g);
    }
    out
}

/// Assesses one registry. `elsewhere` gives what the cross-province pass found of a
/// record the population does not hold (`RESIDES_IN_OTHER_PROVINCE`).
pub fn assess(
    people: &[Person],
    records: &[Record],
    links: &[Link],
    rejected: &[Rejected],
    rules: &Rules,
    today: &PartialDate,
    elsewhere: FindElsewhere,
) -> Assessment {
    let cardinality = rules.cardinality;
    let per_record: Vec<(RecordOutcome, Vec<Discrepancy>)> =
        records.par_iter().zip(links.par_iter()).map(|(r, l)| assess_record(people, r, l, rules, elsewhere)).collect();
    let mut a = Assessment::default();
    a.outcomes.reserve_exact(per_record.len() + rejected.len());
    let mut found = Vec::with_capacity(per_record.len());
    for (o, rows) in per_record {
        a.outcomes.push(o);
        found.push(rows);
    }
    registry::duplicates(people, records, links, cardinality, &mut a.outcomes, &mut found);
    a.coverage = registry::coverage(people, links, rejected, rules, today);
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
        found.push(vec![Discrepancy {
            note: if rj.column.is_empty() {
                rj.reason.clone()
            } else {
                format!("column '{}': {}", rj.column, rj.reason)
            },
            source: rj.source,
            ..Discrepancy::new(record_id, rj.line, UNKNOWN_COMMUNE.into(), Code::RejectedRow, "row")
        }]);
    }
    a.discrepancies = in_order(found);
    a
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
        assert_eq!(d.stable_id("insurance").as_str(), "fc8599bba6629907");
    }
}
