//! Link: each registry record gets at most one person, by ordered tiers (SPEC §3).
//!
//! Takes the population and one registry's records; gives one [`Link`] per record.
//! Tier 1 joins the record's personal ID to the population's; tier 2 joins a legacy CMND
//! to the population's legacy-ID column. A hit whose person's name *and* date of birth
//! clearly differ from the record's is not a link: it is recorded as `other_person` (the
//! `ID_OTHER_PERSON` finding) and the record stays unlinked. The joins are polars joins;
//! the population side is deduplicated first (the first row of a duplicated ID wins, the
//! duplicates are reported by [`population_problems`]).

pub mod probabilistic;

use crate::config::{Cardinality, Thresholds};
use crate::error::Result;
use crate::normalize::id::IdKind;
use crate::normalize::name;
use crate::normalize::{Person, Record};
use polars::prelude::*;
use std::collections::HashSet;

/// Which tier made (or refused) a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Exact personal ID.
    PersonalId = 1,
    /// Legacy CMND through the population's legacy-ID column.
    LegacyId = 2,
    /// Fellegi–Sunter matching on name, date of birth, sex, commune and ID.
    Probabilistic = 3,
}

/// The outcome of a record (SPEC §3, conservation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Linked to a person.
    Linked,
    /// A probable match waiting for a person to confirm.
    Review,
    /// No person found.
    NotInPopulation,
    /// The row could not be read.
    Rejected,
}

impl Outcome {
    /// Stable label used in output files.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Linked => "linked",
            Outcome::Review => "review",
            Outcome::NotInPopulation => "not_in_population",
            Outcome::Rejected => "rejected",
        }
    }
}

/// The link decision of one record.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The linked person (index into the population).
    pub person: Option<u32>,
    /// The tier that linked, or that found the other person.
    pub tier: Option<Tier>,
    /// Match probability (1.0 for ID tiers).
    pub score: f64,
    /// The person an ID pointed to whose name and DOB clearly differ.
    pub other_person: Option<u32>,
    /// The outcome.
    pub outcome: Outcome,
    /// Tier 3: how the pair was found and scored (what `explain` shows).
    pub explanation: Option<Box<probabilistic::Explanation>>,
    /// Tier 3: the candidate a person should confirm (outcome review).
    pub review_candidate: Option<u32>,
}

/// Exact-key join of (record index, key) against (person index, key), through polars.
/// Gives (record index, person index) pairs; population keys must be unique.
fn join(
    records: Vec<u32>,
    record_keys: Vec<&str>,
    people: Vec<u32>,
    people_keys: Vec<&str>,
) -> Result<Vec<(u32, u32)>> {
    if records.is_empty() || people.is_empty() {
        return Ok(Vec::new());
    }
    let left = df!("ridx" => records, "key" => record_keys)?;
    let right = df!("pidx" => people, "key" => people_keys)?;
    let joined = left
        .lazy()
        .join(right.lazy(), [col("key")], [col("key")], JoinArgs::new(JoinType::Inner))
        .select([col("ridx"), col("pidx")])
        .collect()?;
    let r = joined.column("ridx")?.u32()?;
    let p = joined.column("pidx")?.u32()?;
    Ok(r.into_no_null_iter().zip(p.into_no_null_iter()).collect())
}

/// Population-side keys of one kind, first occurrence of each key only.
fn unique_keys(people: &[Person], kind: IdKind, legacy: bool) -> (Vec<u32>, Vec<&str>) {
    let mut seen = HashSet::with_capacity(people.len());
    let mut idx = Vec::with_capacity(people.len());
    let mut keys = Vec::with_capacity(people.len());
    for (i, p) in people.iter().enumerate() {
        let id = if legacy { &p.legacy } else { &p.pid };
        if id.kind == kind && seen.insert(id.digits.as_str()) {
            idx.push(i as u32);
            keys.push(id.digits.as_str());
        }
    }
    (idx, keys)
}

/// Problems of the population extract itself: IDs held by several rows.
pub fn population_problems(people: &[Person]) -> Vec<String> {
    let mut seen = std::collections::HashMap::with_capacity(people.len());
    let mut out = Vec::new();
    for p in people {
        for (id, what) in [(&p.pid, "personal ID"), (&p.legacy, "legacy ID")] {
            if matches!(id.kind, IdKind::Personal | IdKind::Legacy) {
                if let Some(first) = seen.insert((what, id.digits.as_str()), p.line) {
                    out.push(format!("line {}: {what} already on line {first}; the first row is used", p.line));
                }
            }
        }
    }
    // The same person entered twice under two personal IDs: same name (spelling key),
    // full date of birth, sex and commune. Namesakes born the same day in the same commune
    // are rarer than double entries; both lines stay in the population, and the
    // problem is listed so the register's keepers can merge them.
    let mut same: std::collections::HashMap<_, (u64, &str)> = std::collections::HashMap::new();
    for p in people {
        let (Some(dob), Some(commune)) = (p.dob.filter(|d| d.day > 0), p.commune.as_ref()) else { continue };
        if p.pid.kind != IdKind::Personal || p.name.key.is_empty() {
            continue;
        }
        let key = (p.name.key.as_str(), dob, p.sex, commune.code.as_str());
        let first = *same.entry(key).or_insert((p.line, p.pid.digits.as_str()));
        if first.1 != p.pid.digits {
            let first = first.0;
            out.push(format!(
                "line {}: same name, date of birth, sex and commune as line {first} under another personal ID (one person entered twice?)",
                p.line
            ));
        }
    }
    out
}

/// Whether the person an ID points to is clearly someone else: name and DOB both differ.
fn clearly_other(r: &Record, p: &Person) -> bool {
    let name_differs = match &r.name {
        Some(n) => name::clearly_differ(n, &p.name),
        None => false,
    };
    let dob_differs = match (&r.dob, &p.dob) {
        (Some(a), Some(b)) => !a.compatible_with(b) && !a.is_swap_of(b),
        _ => false,
    };
    name_differs && dob_differs
}

/// A link by an ID tier.
fn id_link(person: u32, tier: Tier) -> Link {
    Link {
        person: Some(person),
        tier: Some(tier),
        score: 1.0,
        other_person: None,
        outcome: Outcome::Linked,
        explanation: None,
        review_candidate: None,
    }
}

/// Links the records of one registry to the population: tiers 1 and 2 by ID, then
/// tier 3 ([`probabilistic`]) for the rest. Gives the links and the tier-3 model.
pub fn link(
    people: &[Person],
    index: &probabilistic::Index,
    records: &[Record],
    thresholds: &Thresholds,
    cardinality: Cardinality,
    seed: u64,
) -> Result<(Vec<Link>, probabilistic::Model)> {
    let none = Link {
        person: None,
        tier: None,
        score: 0.0,
        other_person: None,
        outcome: Outcome::NotInPopulation,
        explanation: None,
        review_candidate: None,
    };
    let mut links = vec![none; records.len()];
    // Tier 1: personal ID.
    let (ri, rk): (Vec<u32>, Vec<&str>) = records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.id.kind == IdKind::Personal)
        .map(|(i, r)| (i as u32, r.id.digits.as_str()))
        .unzip();
    let (pi, pk) = unique_keys(people, IdKind::Personal, false);
    for (r, p) in join(ri, rk, pi, pk)? {
        let l = &mut links[r as usize];
        if clearly_other(&records[r as usize], &people[p as usize]) {
            l.other_person = Some(p);
            l.tier = Some(Tier::PersonalId);
        } else {
            *l = id_link(p, Tier::PersonalId);
        }
    }
    // Tier 2: legacy CMND, from the ID column or the legacy column.
    let (ri, rk): (Vec<u32>, Vec<&str>) = records
        .iter()
        .enumerate()
        .filter(|(i, _)| links[*i].person.is_none() && links[*i].other_person.is_none())
        .filter_map(|(i, r)| {
            let legacy = if r.id.kind == IdKind::Legacy { &r.id } else { &r.legacy };
            (legacy.kind == IdKind::Legacy).then_some((i as u32, legacy.digits.as_str()))
        })
        .unzip();
    let (pi, pk) = unique_keys(people, IdKind::Legacy, true);
    for (r, p) in join(ri, rk, pi, pk)? {
        let l = &mut links[r as usize];
        if clearly_other(&records[r as usize], &people[p as usize]) {
            l.other_person = Some(p);
            l.tier = Some(Tier::LegacyId);
        } else {
            *l = id_link(p, Tier::LegacyId);
        }
    }
    // Tier 3.
    let model = probabilistic::link(people, index, records, &mut links, thresholds, cardinality, seed);
    Ok((links, model))
}
