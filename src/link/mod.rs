//! Link: each registry record gets at most one person, by ordered tiers (SPEC §3).
//!
//! Takes the population and one registry's records; gives one [`Link`] per record.
//! Tier 1 joins the record's personal ID to the population's; tier 2 joins a legacy CMND
//! to the population's legacy-ID column. A hit whose person's name *and* date of birth
//! clearly differ from the record's (a date agreeing on the year alone, in another
//! commune or hamlet, differs) is not a link: it is recorded as `other_person` (the
//! `ID_OTHER_PERSON` finding) and the record stays unlinked for tier 3. Both tiers look the ID up in
//! the maps of [`tier3::Index`], built once per run, where the first row of a
//! duplicated ID wins (the duplicates are reported by [`population_problems`]).

pub mod tier3;

use crate::config::Thresholds;
use crate::normalize::{Person, Record};
use crate::vn::id::IdKind;
use crate::vn::name;
use rayon::prelude::*;

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
    pub explanation: Option<Box<tier3::Explanation>>,
    /// For a record tier 3 tried: the blocking rules it was looked up under and the
    /// candidates they gave.
    pub tried: Option<Box<tier3::Tried>>,
    /// Tier 3: the candidate a person should confirm (outcome review).
    pub review_candidate: Option<u32>,
}

/// Problems of the population extract itself: IDs held by several rows.
pub fn population_problems(people: &[Person]) -> Vec<String> {
    let mut seen = rustc_hash::FxHashMap::with_capacity_and_hasher(people.len(), Default::default());
    let mut out = Vec::new();
    for p in people {
        for (id, what) in [(&p.pid, "personal ID"), (&p.legacy, "legacy ID")] {
            if matches!(id.kind, IdKind::Personal | IdKind::Legacy | IdKind::Other) {
                if let Some(first) = seen.insert((what, &*id.digits), p.line) {
                    out.push(format!("line {}: {what} already on line {first}; the first row is used", p.line));
                }
            }
        }
    }
    // The same person entered twice under two personal IDs: same name (spelling key),
    // full date of birth, sex and commune. Namesakes born the same day in the same commune
    // are rarer than double entries; both lines stay in the population, and the
    // problem is listed so the register's keepers can merge them.
    let mut same: rustc_hash::FxHashMap<_, (u64, &str)> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(people.len(), Default::default());
    for p in people {
        let (Some(dob), Some(commune)) = (p.dob.filter(|d| d.day > 0), p.commune.as_ref()) else { continue };
        if p.pid.kind != IdKind::Personal || p.name.key.is_empty() {
            continue;
        }
        let key = (&*p.name.key, dob, p.sex, &*commune.code);
        let first = *same.entry(key).or_insert((p.line, &*p.pid.digits));
        if first.1 != &*p.pid.digits {
            let first = first.0;
            out.push(format!(
                "line {}: same name, date of birth, sex and commune as line {first} under another personal ID (one person entered twice?)",
                p.line
            ));
        }
    }
    out
}

/// Whether the person an ID points to is clearly someone else: the names clearly differ,
/// and so does the date of birth, or the date agrees on the year alone and the address
/// puts the record in another commune or hamlet.
fn clearly_other(r: &Record, p: &Person) -> bool {
    // The date first: it is cheap, and most ID hits agree on it.
    let (dob_differs, year_only) = match (&r.dob, &p.dob) {
        (Some(a), Some(b)) => (
            !a.compatible_with(b) && !a.is_swap_of(b),
            a.compatible_with(b) && [a, b].iter().any(|d| d.month == 0 || d.is_placeholder()),
        ),
        _ => (false, false),
    };
    // A date that agrees on the year alone does not vouch for the ID (its digits 5-6 are
    // the birth year, so a mistyped ID lands on someone born the same year); where the
    // address says another hamlet or commune too, the ID points to someone else.
    let elsewhere = || match (&r.commune, &p.commune) {
        (Some(a), Some(b)) if a.code != b.code => true,
        (Some(_), Some(_)) => matches!((r.hamlet, p.hamlet), (Some(a), Some(b)) if a != b),
        _ => false,
    };
    (dob_differs || (year_only && elsewhere())) && r.name.as_ref().is_some_and(|n| name::clearly_differ(n, &p.name))
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
        tried: None,
        review_candidate: None,
    }
}

/// Links the records of one registry to the population: tiers 1 and 2 by ID, then
/// tier 3 ([`tier3`]) for the rest. Gives the links and the tier-3 model.
pub fn link(
    people: &[Person],
    index: &tier3::Index,
    records: &[Record],
    thresholds: &Thresholds,
    batch: tier3::Batch,
) -> (Vec<Link>, tier3::Model) {
    let none = Link {
        person: None,
        tier: None,
        score: 0.0,
        other_person: None,
        outcome: Outcome::NotInPopulation,
        explanation: None,
        tried: None,
        review_candidate: None,
    };
    // Tier 1, personal ID; tier 2, legacy CMND from the ID column or the legacy column
    // (only for a record tier 1 neither linked nor refused).
    let mut links: Vec<Link> = records
        .par_iter()
        .map(|r| {
            let legacy = if r.id.kind == IdKind::Legacy { &r.id } else { &r.legacy };
            let hit = index
                .personal(&r.id)
                .map(|p| (p, Tier::PersonalId))
                .or_else(|| index.legacy(legacy).map(|p| (p, Tier::LegacyId)));
            match hit {
                Some((p, tier)) if clearly_other(r, &people[p as usize]) => {
                    Link { other_person: Some(p), tier: Some(tier), ..none.clone() }
                }
                Some((p, tier)) => id_link(p, tier),
                None => none.clone(),
            }
        })
        .collect();
    // Tier 3.
    let model = tier3::link(people, index, records, &mut links, thresholds, batch);
    (links, model)
}
