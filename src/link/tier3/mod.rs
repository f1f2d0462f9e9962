//! Tier 3: Fellegi–Sunter matching of the records the ID tiers could not link.
//!
//! Takes the population, the records and their tier-1/2 links; gives for each unlinked
//! record a link, a review candidate or nothing, with everything `explain` shows stored
//! on it. One file per step:
//!
//! The model — blocking rules and ladders — is data: the model file (`rules/model.toml`
//! by default, embedded), compiled once per run into [`Settings`].
//!
//! 1. [`blocking`]: the model's ordered [`Rule`]s (by default an ID-typo index, folded
//!    full name + birth year, phonetic surname + given name (+ middle initials) + birth
//!    year, commune + full date of birth, folded full name + day and month of birth, a
//!    parent's name + birth year + commune), each pair remembering the first rule that
//!    found it; blocks larger than a rule's `max_block` are skipped and counted.
//!    ([`keys`]: 64-bit keys of names.)
//! 2. [`compare`]: one ladder of labelled levels per [`Field`] (first true level wins):
//!    by default name, date of birth, sex, commune, ID, parents' names and, where the
//!    communes agree, the hamlet of the address (the population's permanent address).
//! 3. [`train`]: weights log2(m/u) per level: m from the tier-1 links of the same run
//!    (pairs known to match), u from seeded random pairs; the exact-name level's u is the
//!    name's own frequency in the population (term-frequency adjustment: agreeing on a
//!    common name is weak evidence).
//! 4. [`decide`]: probability from the total weight and the prior; at or above the
//!    job's link threshold with a clear margin over the runner-up → linked (unless the
//!    record's personal ID is no resident's and three digits or more from the
//!    candidate's: review); above the review threshold → review; else not in
//!    population. Within a one-per-person registry a person takes at most one tier-3
//!    record (the most probable), and its copies: a record entered twice links twice,
//!    for assess to report the duplicate.

pub mod blocking;
pub mod compare;
pub mod decide;
pub mod keys;
pub mod settings;
pub mod train;

pub use blocking::{candidates, index, Index, MAX_BLOCK};
pub use settings::{Field, Rule, Settings};

use super::Link;
use crate::config::{Cardinality, Thresholds};
use crate::normalize::{Person, Record};
use compare::record_keys;
use rayon::prelude::*;
use serde::Serialize;

/// Weight of a candidate who already holds an ID-linked record in a registry of one
/// record per person: log2 of the odds that a record is a duplicate (≈ 1 in 64).
pub const HOLDER_WEIGHT: f64 = -6.0;

/// Weight of a candidate who already holds an ID-linked record in a registry of many
/// records per person (land: a household owns several parcels): log2 of the odds that a
/// namesake tie goes to the holder, measured on a generated 500 000-person province
/// (2 172 ties to the holder, 514 to the other namesake: ≈ 4.2 : 1). Measured again once
/// the hamlet was compared, with this weight set to 0: of the ties within one hamlet,
/// 222 went to the holder and 51 to the other namesake (≈ 4.35 : 1), so it stays.
pub const HOLDER_WEIGHT_MANY: f64 = 2.079; // log2(2 172 / 514)

/// Scale of the prior match probability of a record × person pair (0.9 / N × this).
/// Swept on a generated 500 000-person province (precision / recall of all links):
/// 1 → 0.9999 / 0.9553, 30 → 0.9996 / 0.9877, 100 → 0.9993 / 0.9904,
/// 300 → 0.9990 / 0.9909, 1000 → 0.9989 / 0.9910; the blocked-pairs prior it replaces
/// gave 0.9982 / 0.9910. Fields are not independent (names, ethnicity and communes go
/// together), which a pure 1/N prior over-corrects.
pub const PRIOR_SCALE: f64 = 300.0;

/// What tier 3 is told of a batch of records besides the thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Batch {
    /// How many records a person may hold.
    pub cardinality: Cardinality,
    /// Seed of the samples.
    pub seed: u64,
    /// The expected number of a record's matches among the population, scaled as
    /// [`PRIOR_SCALE`] says, over the population's size is the prior of a pair:
    /// 0.9 × `PRIOR_SCALE` for a registry of the province's own people
    /// ([`Batch::registry`]).
    pub prior_mass: f64,
}

impl Batch {
    /// A registry of the province: 90 % of its records are people of its population.
    pub fn registry(cardinality: Cardinality, seed: u64) -> Batch {
        Batch { cardinality, seed, prior_mass: 0.9 * PRIOR_SCALE }
    }
}

/// Match probability of a total weight (log2 Bayes factor, prior included).
fn prob(w: f64) -> f64 {
    1.0 / (1.0 + (-w).exp2())
}

/// The explanation stored on a tier-3 link or review, and on a record whose best
/// candidate fell short of review (`fell_short`): why it did not link.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The blocking rule that found the pair.
    pub rule: &'static str,
    /// (field, level label, weight) for each field compared.
    pub levels: Vec<(&'static str, &'static str, f64)>,
    /// Total match weight (log2 Bayes factor, prior included).
    pub weight: f64,
    /// The runner-up person and its probability.
    pub runner_up: Option<(u32, f64)>,
    /// The best candidate and its probability when it fell short of review (the record
    /// is not in the population, or its ID contradicted it): the levels above say why.
    pub fell_short: Option<(u32, f64)>,
}

/// The blocking of a record tier 3 tried: the rules it had every key of (it was looked
/// up under them) and the candidates they gave (`explain`, `links.parquet`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tried {
    /// Rules looked up, in model order.
    pub rules: Vec<&'static str>,
    /// Candidate people found.
    pub candidates: u32,
}

/// One level's parameters: (label, m, u, weight).
pub type LevelParams = (String, f64, f64, f64);

/// The trained model, written into the run as `model.json`.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Model {
    /// Per field the registry compares, per level: (label, m, u, weight).
    pub fields: Vec<(String, Vec<LevelParams>)>,
    /// Fields of the model this registry never compares (no value on either side of any
    /// sampled pair: a registry without sex, commune or parents).
    pub absent_fields: Vec<String>,
    /// Prior probability that a candidate pair matches.
    pub prior: f64,
    /// Labelled pairs m was learned from, random pairs u was learned from.
    pub trained_on: (usize, usize),
    /// Where m came from: `tier1_links`; `em` (too few ID links: name and sex by EM on
    /// the candidate pairs agreeing on commune and date of birth, the other fields the
    /// fixed shape); `fixed_shape` (too few pairs even for EM).
    pub m_source: String,
    /// EM sessions run: (blocking rule, rounds).
    pub em_sessions: Vec<(String, usize)>,
    /// Candidate pairs per blocking rule (the rule that found the pair first).
    pub pairs_by_rule: Vec<(String, usize)>,
    /// Records tier 3 tried, per blocking rule they could be looked up under (had every
    /// key of), model order.
    pub records_by_rule: Vec<(String, usize)>,
    /// Records tier 3 tried, and those no rule gave a candidate.
    pub records_tried: (usize, usize),
    /// Blocks skipped for size, per rule some record was tried under.
    pub oversized_blocks: Vec<(String, usize)>,
}

/// Runs tier 3 on the records left unlinked by the ID tiers; updates `links` and gives
/// the trained model.
pub fn link(
    people: &[Person],
    idx: &Index,
    records: &[Record],
    links: &mut [Link],
    thresholds: &Thresholds,
    batch: Batch,
) -> Model {
    let Batch { cardinality, seed, prior_mass } = batch;
    // Everything below visits records in record-ID order, never in file order, so that
    // shuffling a file's rows changes no sample, no weight and no decision.
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by(|&a, &b| records[a].record_id.cmp(&records[b].record_id).then(records[a].line.cmp(&records[b].line)));
    let unlinked: Vec<usize> = order.iter().copied().filter(|&i| links[i].person.is_none()).collect();
    // The rules each record can be looked up under; their maps are built (once per run)
    // before the lookups.
    let phonetic: Vec<String> = unlinked.par_iter().map(|&i| blocking::record_phonetic(&records[i])).collect();
    let tried_rules: Vec<Vec<&'static str>> =
        unlinked.par_iter().zip(&phonetic).map(|(&i, ph)| blocking::tried_with(&records[i], ph, idx)).collect();
    let needed: Vec<Rule> =
        idx.settings.rules().filter(|r| tried_rules.iter().any(|t| t.contains(&r.label()))).collect();
    idx.build(people, &needed);
    let cands: Vec<Vec<(u32, Rule)>> =
        unlinked.par_iter().zip(&phonetic).map(|(&i, ph)| blocking::candidates_with(&records[i], ph, idx)).collect();
    drop(phonetic);
    // A fallback rule was tried only where the rules before it found no candidate.
    let mut tried_rules = tried_rules;
    for (tried, cs) in tried_rules.iter_mut().zip(&cands) {
        tried.retain(|label| {
            let Some(rule) = idx.settings.rules().find(|r| r.label() == *label) else { return true };
            !rule.def().fallback || !cs.iter().any(|(_, r)| r.index() < rule.index())
        });
    }
    // Each unlinked record's name keys, once: EM and scoring visit a record once per candidate.
    let names: Vec<keys::NameKeys> = unlinked.par_iter().map(|&i| record_keys(&records[i])).collect();
    let todo = train::Unlinked { records: &unlinked, candidates: &cands, names: &names };
    let trained = train::train(people, idx, records, links, &order, &todo, seed);
    // Prior: u is learned from random record × person pairs, so the prior is over that
    // space too: a record in the population (assumed 90 %) matches one person of N, scaled
    // by PRIOR_SCALE. (A prior over the blocked pairs, as before, ignores that a record
    // outside the population often finds a namesake of its birth year and commune.)
    let prior = (prior_mass / people.len().max(1) as f64).clamp(1e-9, 0.5);
    let scorer = decide::Scorer::new(people, idx, &trained, prior, (records, links), cardinality);
    let scored = scorer.score_all(records, &todo);
    decide::decide(&scorer, &scored, &unlinked, records, links, thresholds, cardinality);
    let tried: Vec<Tried> =
        tried_rules.into_iter().zip(&cands).map(|(rules, cs)| Tried { rules, candidates: cs.len() as u32 }).collect();
    let model = model(&trained, prior, &cands, &tried, idx, &needed);
    for (&i, t) in unlinked.iter().zip(tried) {
        links[i].tried = Some(Box::new(t));
    }
    model
}

/// The model as `model.json` shows it (numbers to six decimals).
fn model(
    trained: &train::Trained,
    prior: f64,
    cands: &[Vec<(u32, Rule)>],
    tried: &[Tried],
    idx: &Index,
    needed: &[Rule],
) -> Model {
    let mut by_rule: rustc_hash::FxHashMap<&str, usize> = Default::default();
    for (_, rule) in cands.iter().flatten() {
        *by_rule.entry(rule.label()).or_default() += 1;
    }
    let mut pairs_by_rule: Vec<(String, usize)> = by_rule.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    pairs_by_rule.sort();
    let r6 = |x: f64| (x * 1e6).round() / 1e6;
    let (m, u, w) = (&trained.m, &trained.u, &trained.weights);
    Model {
        absent_fields: idx.settings.fields().filter(|&f| !trained.compared[f]).map(|f| f.label().to_string()).collect(),
        fields: idx
            .settings
            .fields()
            .filter(|&f| trained.compared[f])
            .map(|f| {
                let lv =
                    f.labels().enumerate().map(|(l, label)| (label.to_string(), r6(m[f][l]), r6(u[f][l]), r6(w[f][l])));
                (f.label().to_string(), lv.collect())
            })
            .collect(),
        prior: r6(prior),
        trained_on: trained.trained_on,
        m_source: trained.m_source.to_string(),
        em_sessions: trained.em_sessions.iter().map(|(r, n)| (r.to_string(), *n)).collect(),
        pairs_by_rule,
        records_by_rule: idx
            .settings
            .rules()
            .map(|rule| (rule.label().to_string(), tried.iter().filter(|t| t.rules.contains(&rule.label())).count()))
            .collect(),
        records_tried: (tried.len(), tried.iter().filter(|t| t.candidates == 0).count()),
        oversized_blocks: idx.oversized_blocks(needed),
    }
}

#[cfg(test)]
mod tests;
