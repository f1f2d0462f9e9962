//! Checks of the registry as a whole: one record per person where the registry allows
//! one (`DUPLICATE_RECORD`), and who it should hold and does not (`EXPECTED_ABSENT`).

use super::{flag, Code, Coverage, Discrepancy, RecordOutcome};
use crate::config::{Cardinality, Event, Rules};
use crate::ingest::Rejected;
use crate::link::Link;
use crate::normalize::{Person, Record};
use crate::vn::date::PartialDate;
use rustc_hash::FxHashMap;

/// `EXPECTED_ABSENT`: living residents of the rules' age range (completed years on the
/// run's reference day) that no record links to. A person whose personal ID a rejected
/// row carries (rejected for an unreadable value) is not absent: the registry holds a
/// record of theirs, and its fix is the row (`REJECTED_ROW`), not an enrolment.
pub(super) fn coverage(
    people: &[Person],
    links: &[Link],
    rejected: &[Rejected],
    rules: &Rules,
    today: &PartialDate,
) -> Option<Coverage> {
    let c = rules.coverage.as_ref()?;
    let mut linked = vec![false; people.len()];
    for l in links {
        if let Some(p) = l.person {
            linked[p as usize] = true;
        }
    }
    let held: std::collections::HashSet<Box<str>> = rejected
        .iter()
        .map(|r| crate::vn::id::parse(&r.id))
        .filter(|id| id.kind == crate::vn::id::IdKind::Personal)
        .map(|id| id.digits)
        .collect();
    if !held.is_empty() {
        for (i, p) in people.iter().enumerate() {
            linked[i] |= held.contains(&p.pid.digits);
        }
    }
    let mut cov = Coverage::default();
    for (i, p) in people.iter().enumerate() {
        let Some(d) = p.dob else { continue };
        let age = crate::vn::date::completed_years(&d, today);
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

/// `DUPLICATE_RECORD`: several records linked to one person where the registry allows
/// one (per event type for civil status; marriages may repeat). The record kept is the
/// most recently updated one, then the smallest record ID; every other is flagged with
/// the kept record's ID as the suggestion.
pub(super) fn duplicates(
    people: &[Person],
    records: &[Record],
    links: &[Link],
    cardinality: Cardinality,
    outcomes: &mut [RecordOutcome],
    out: &mut [Vec<Discrepancy>],
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
            out[i].push(Discrepancy {
                record_id: r.record_id.to_string(),
                line: r.line,
                commune: outcomes[i].commune.clone(),
                code: Code::DuplicateRecord,
                field: "record_id",
                registry_value: r.record_id.to_string(),
                population_value: String::new(),
                suggested_value: keep.record_id.to_string(),
                person_id: l.person.map(|p| people[p as usize].pid.digits.to_string()).unwrap_or_default(),
                tier: l.tier,
                score: Some(l.score),
                note: format!("same person as record {}", keep.record_id),
                source: r.source,
                fix: false,
            });
        }
    }
}
