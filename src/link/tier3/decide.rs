//! Scoring and decision: each record's candidates weighed (the levels' weights, the
//! name's frequency, the prior, what the candidate already holds), the best kept with its
//! runner-up; then linked, review or nothing by the job's thresholds, and one record per
//! person's place where the registry allows one.

use super::blocking::Index;
use super::compare::{near_id, Levels, Pair};
use super::keys::NameKeys;
use super::settings::{Field, Rule};
use super::train::{Trained, Unlinked};
use super::{prob, Explanation, HOLDER_WEIGHT, HOLDER_WEIGHT_MANY};
use crate::config::model::{Compare, Subject};
use crate::config::{Cardinality, Event, Thresholds};
use crate::link::{Link, Outcome, Tier};
use crate::normalize::{Person, Record};
use crate::vn::id::IdKind;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

/// A record's best candidate.
pub struct Scored {
    person: u32,
    rule: Rule,
    levels: Levels,
    /// Total weight (log2 Bayes factor, prior included).
    weight: f64,
    /// The runner-up and its probability.
    runner_up: Option<(u32, f64)>,
    /// The best's share of the candidates' evidence.
    share: f64,
    /// The weight of what the candidate already holds in the registry.
    holds: f64,
}

/// Weighs candidate pairs with a trained model.
pub struct Scorer<'a> {
    people: &'a [Person],
    idx: &'a Index,
    trained: &'a Trained,
    prior_w: f64,
    n_people: f64,
    /// People who already hold a record linked by ID in this registry: the first such
    /// record.
    holders: HashMap<u32, usize>,
    records: &'a [Record],
    holder_weight: f64,
    /// The name field, and which of its levels agree on the name itself (exact, same
    /// letters): those are weighed by the name's frequency.
    name: Option<(Field, Vec<bool>)>,
}

impl<'a> Scorer<'a> {
    /// A scorer for one registry. In a registry that holds one record per person (or per
    /// event), a candidate who already holds a record linked by ID is unlikely to hold a
    /// second one: only a duplicate would. Measured on a generated 500 000-person
    /// province, among review ties where exactly one namesake held an ID-linked record,
    /// the other one was the person in 826 of 826 cases. The penalty is the log-odds of a
    /// duplicate, so a clear duplicate (same date, same commune) still links. A record that
    /// says exactly what the holder's record says of the person ([`copies`]) is the same
    /// record entered twice: no penalty, it links, and assess reports the duplicate.
    pub fn new(
        people: &'a [Person],
        idx: &'a Index,
        trained: &'a Trained,
        prior: f64,
        (records, links): (&'a [Record], &[Link]),
        cardinality: Cardinality,
    ) -> Scorer<'a> {
        let mut holders = HashMap::default();
        for (i, l) in links.iter().enumerate() {
            if let (Outcome::Linked, Some(_), Some(p)) = (l.outcome, l.tier, l.person) {
                holders.entry(p).or_insert(i);
            }
        }
        Scorer {
            people,
            idx,
            trained,
            prior_w: (prior / (1.0 - prior)).log2(),
            n_people: people.len().max(1) as f64,
            holders,
            records,
            holder_weight: if cardinality == Cardinality::Many { HOLDER_WEIGHT_MANY } else { HOLDER_WEIGHT },
            name: idx.settings.field(&Subject::Name).map(|f| {
                let agrees = f.level_defs().iter().map(|(_, c)| matches!(c, Compare::Exact | Compare::SameLetters));
                (f, agrees.collect())
            }),
        }
    }

    /// The weight of a field's level for a candidate person. Term frequency: an exact
    /// name agreement weighs log2(m / tf), tf the name's share of the population.
    fn field_weight(&self, f: Field, level: u8, p: u32) -> f64 {
        let (m, u) = (&self.trained.m, &self.trained.u);
        let frequency = self.name.as_ref().is_some_and(|(name, agrees)| f == *name && agrees[level as usize]);
        if frequency {
            let tf = f64::from(self.idx.name_freq(&self.people[p as usize].name.folded)) / self.n_people;
            (m[f][level as usize] / tf.max(u[f][level as usize].min(1.0 / self.n_people))).log2()
        } else {
            self.trained.weights[f][level as usize]
        }
    }

    /// The best of a record's candidates, with its runner-up and share of the evidence.
    pub fn best(&self, r: &Record, rk: &NameKeys, cands: &[(u32, Rule)]) -> Option<Scored> {
        let levels: Vec<Levels> = cands
            .iter()
            .map(|&(p, _)| {
                Pair::new(r, rk, &self.people[p as usize], &self.idx.names[p as usize]).levels(self.idx.settings)
            })
            .collect();
        let mut best: Vec<(f64, u32, Rule, Levels, f64)> = cands
            .iter()
            .zip(&levels)
            .map(|(&(p, rule), &lv)| {
                // A namesake the record matches as well (the same levels) is who the
                // holder penalty is for; without one, a copy of the held record is exempt.
                // (Counted only for a holder: a block holds hundreds of candidates.)
                let alone = || levels.iter().filter(|other| **other == lv).count() == 1;
                let holds = self.holds(r, p, alone);
                let w = self.prior_w
                    + holds
                    + lv.compared(self.idx.settings).map(|(f, l)| self.field_weight(f, l, p)).sum::<f64>();
                (w, p, rule, lv, holds)
            })
            .collect();
        let rank = &self.idx.rank;
        best.sort_by(|a, b| b.0.total_cmp(&a.0).then(rank[a.1 as usize].cmp(&rank[b.1 as usize])));
        // The best candidate's share of the evidence among all candidates: two namesakes
        // of one birth year split it, a second candidate in another commune with another
        // date barely takes any.
        let share = best.first().map_or(0.0, |b| 1.0 / best.iter().map(|c| (c.0 - b.0).exp2()).sum::<f64>());
        best.first().map(|&(weight, person, rule, levels, holds)| Scored {
            person,
            rule,
            levels,
            weight,
            runner_up: best.get(1).map(|&(w2, p2, ..)| (p2, prob(w2))),
            share,
            holds,
        })
    }

    /// The scored best candidate of every unlinked record.
    pub fn score_all(&self, records: &[Record], unlinked: &Unlinked) -> Vec<Option<Scored>> {
        unlinked
            .records
            .par_iter()
            .zip(unlinked.candidates.par_iter())
            .zip(unlinked.names.par_iter())
            .map(|((&i, cs), rk)| self.best(&records[i], rk, cs))
            .collect()
    }

    /// The weight of what the candidate already holds in the registry: none, the
    /// registry's holder weight, or none again for a copy of the held record in a registry
    /// of one record per person (one record entered twice) when no other candidate is
    /// matched as well (`alone`).
    fn holds(&self, r: &Record, p: u32, alone: impl Fn() -> bool) -> f64 {
        match self.holders.get(&p) {
            None => 0.0,
            Some(&held) if self.holder_weight < 0.0 && copies(&self.records[held], r) && alone() => 0.0,
            Some(_) => self.holder_weight,
        }
    }

    /// What `explain` shows of a scored pair.
    fn explanation(&self, s: &Scored, contradicted: bool) -> Explanation {
        let mut levels: Vec<_> = s
            .levels
            .compared(self.idx.settings)
            .map(|(f, l)| (f.label(), f.level_label(l), (self.field_weight(f, l, s.person) * 1000.0).round() / 1000.0))
            .collect();
        if s.holds != 0.0 {
            levels.push(("registry", "already_holds_a_record", self.holder_weight));
        }
        if contradicted {
            levels.push(("id", "held_by_no_resident", 0.0));
        }
        Explanation {
            rule: s.rule.label(),
            levels,
            weight: (s.weight * 1000.0).round() / 1000.0,
            runner_up: s.runner_up,
            fell_short: None,
        }
    }
}

/// The records linked by tier 3 to one person's place in a registry, and their evidence.
struct Claim {
    records: Vec<usize>,
    probability: f64,
    levels: Levels,
}

/// Whether two records say the same of their person (name, date of birth, sex, commune,
/// parents): one record entered twice.
fn copies(a: &Record, b: &Record) -> bool {
    fn key(n: &crate::normalize::Parent) -> Option<&str> {
        n.as_deref().map(|(_, n)| &*n.key)
    }
    a.name.as_ref().map(|n| &n.key) == b.name.as_ref().map(|n| &n.key)
        && a.dob == b.dob
        && a.sex == b.sex
        && a.commune.as_ref().map(|c| &c.code) == b.commune.as_ref().map(|c| &c.code)
        && key(&a.father) == key(&b.father)
        && key(&a.mother) == key(&b.mother)
}

/// Decisions, then one-to-one within the registry's cardinality: a person's place (per
/// event type where the registry holds one per event; marriages repeat) goes to the most
/// probable record. A copy of the record holding it links too: one record entered twice
/// is a duplicate for assess to report, not a rival for review.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    scorer: &Scorer,
    scored: &[Option<Scored>],
    unlinked: &[usize],
    records: &[Record],
    links: &mut [Link],
    thresholds: &Thresholds,
    cardinality: Cardinality,
) {
    // The ID field's last level: the IDs differ (more than one edit).
    let id_field = scorer.idx.settings.field(&Subject::Id);
    let id_differs = |lv: &Levels| id_field.is_some_and(|f| lv[f] != u8::MAX && f.compare_of(lv[f]) == Compare::Else);
    let mut claimed: HashMap<(u32, Option<Event>), Claim> = HashMap::default();
    for (k, s) in scored.iter().enumerate() {
        let Some(s) = s else {
            continue;
        };
        let (i, p) = (unlinked[k], s.person);
        let pr = prob(s.weight);
        // A personal ID that no resident holds (tier 1 found no one) and that is no typo of
        // the candidate's (three digits or more apart) contradicts the match: an ID is one
        // person's for life. The record is someone the population does not hold, or its ID
        // is too damaged to trust; a person decides. (Generated 500 000-person province:
        // 352 such links, none right.)
        let contradicted = id_differs(&s.levels)
            && records[i].id.kind == IdKind::Personal
            && links[i].other_person.is_none()
            && !near_id(&records[i].id.digits, &scorer.people[p as usize].pid.digits);
        let outcome = if pr >= thresholds.link && s.share >= thresholds.link && !contradicted {
            Outcome::Linked
        } else if pr >= thresholds.review {
            Outcome::Review
        } else {
            // Not linked: the best candidate considered is kept with its levels, so
            // `explain` says why it fell short.
            let mut e = scorer.explanation(s, contradicted);
            e.fell_short = Some((p, (pr * 10_000.0).round() / 10_000.0));
            links[i].explanation = Some(Box::new(e));
            continue;
        };
        let l = &mut links[i];
        l.tier = Some(Tier::Probabilistic);
        l.score = (pr * 10_000.0).round() / 10_000.0;
        l.explanation = Some(Box::new(scorer.explanation(s, contradicted)));
        if outcome == Outcome::Review {
            l.review_candidate = Some(p);
            l.outcome = Outcome::Review;
            continue;
        }
        if let Some(place) = cardinality.place(records[i].event).map(|event| (p, event)) {
            match claimed.get_mut(&place) {
                None => {
                    claimed.insert(place, Claim { records: vec![i], probability: pr, levels: s.levels });
                }
                Some(c) if c.levels == s.levels && copies(&records[c.records[0]], &records[i]) => c.records.push(i),
                Some(c) if c.probability >= pr => {
                    l.review_candidate = Some(p);
                    l.outcome = Outcome::Review;
                    continue;
                }
                Some(c) => {
                    // The earlier claimants were weaker: they go to review.
                    for &j in &c.records {
                        links[j].review_candidate = links[j].person.take();
                        links[j].outcome = Outcome::Review;
                    }
                    *c = Claim { records: vec![i], probability: pr, levels: s.levels };
                }
            }
        }
        let l = &mut links[i];
        l.person = Some(p);
        l.outcome = Outcome::Linked;
    }
}
