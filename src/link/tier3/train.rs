//! Training: m and u per level of every ladder. m from the run's tier-1 links (pairs known
//! to match) — or, when a registry has fewer than [`MIN_LABELLED`] of them, from a fixed
//! shape, with name and sex then estimated by EM on the candidate pairs that agree on
//! commune and date of birth (a Splink-style session); u from seeded random pairs.

use super::blocking::Index;
use super::compare::{record_keys, Levels, Pair, PerField, MISSING};
use super::keys::NameKeys;
use super::settings::{Field, Rule, Settings};
use crate::config::model::{Compare, Subject};
use crate::link::{Link, Tier};
use crate::normalize::{Person, Record};
use crate::rng::Rng;
use rayon::prelude::*;

/// Fewer tier-1 links than this and m is not learned from them.
pub const MIN_LABELLED: usize = 200;

/// Most EM rounds of a session.
pub const EM_ROUNDS: usize = 200;

/// Candidate pairs an EM session samples (evenly) at most.
pub const EM_PAIRS: usize = 200_000;

/// Per field, per level: a probability (m or u) or a weight.
pub type Params = PerField<Vec<f64>>;

/// What training gives.
pub struct Trained {
    /// P(level | match).
    pub m: Params,
    /// P(level | non-match).
    pub u: Params,
    /// log2(m / u).
    pub weights: Params,
    /// Labelled pairs m was learned from, random pairs u was learned from.
    pub trained_on: (usize, usize),
    /// Where m came from: `tier1_links`, `em` or `fixed_shape`.
    pub m_source: &'static str,
    /// EM sessions run: (blocking rule, rounds).
    pub em_sessions: Vec<(&'static str, usize)>,
    /// Whether the field was compared on any sampled pair (a registry without the field
    /// never compares it: `model.json` leaves it out).
    pub compared: PerField<bool>,
}

/// The candidates of the records tier 3 decides, as training and scoring see them.
pub struct Unlinked<'a> {
    /// The records' positions, in record-ID order.
    pub records: &'a [usize],
    /// Each one's candidates (person, rule).
    pub candidates: &'a [Vec<(u32, Rule)>],
    /// Each one's name keys.
    pub names: &'a [NameKeys],
}

/// Trains m and u on one registry. `order` is the records in record-ID order: every
/// sample is drawn in it, never in file order, so that shuffling a file's rows changes no
/// sample and no weight.
pub fn train(
    people: &[Person],
    idx: &Index,
    records: &[Record],
    links: &[Link],
    order: &[usize],
    unlinked: &Unlinked,
    seed: u64,
) -> Trained {
    let settings = idx.settings;
    let levels =
        |r: usize, p: usize, rk: &NameKeys| Pair::new(&records[r], rk, &people[p], &idx.names[p]).levels(settings);
    // m: the tier-1 links are labelled matches. The ID level is left out of m (those
    // pairs agree on the ID by construction); it keeps its prior weights below.
    let labelled: Vec<(usize, u32)> = order
        .iter()
        .map(|&i| (i, &links[i]))
        .filter(|(_, l)| l.tier == Some(Tier::PersonalId) && l.person.is_some())
        .map(|(i, l)| (i, l.person.unwrap_or(0)))
        .take(20_000)
        .collect();
    let (m_counts, n_m) = count_levels(
        settings,
        labelled
            .par_iter()
            .map(|&(i, p)| levels(i, p as usize, &record_keys(&records[i])))
            .collect::<Vec<_>>()
            .into_iter(),
    );
    // u: seeded random pairs.
    let mut rng = Rng::from_state(seed ^ 0x005E_ED0F_D015_0A77);
    let mut next = || rng.next_u64();
    let n_random = if records.is_empty() || people.is_empty() { 0 } else { (20 * records.len()).clamp(2_000, 30_000) };
    let random: Vec<(usize, usize)> = (0..n_random)
        .map(|_| {
            let r = order[(next() % records.len() as u64) as usize];
            (r, idx.stable[(next() % people.len() as u64) as usize] as usize)
        })
        .collect();
    let (u_counts, n_u) = count_levels(
        settings,
        random.par_iter().map(|&(r, p)| levels(r, p, &record_keys(&records[r]))).collect::<Vec<_>>().into_iter(),
    );
    let compared = PerField::from_fn(settings, |f| m_counts[f].iter().chain(&u_counts[f]).any(|&c| c > 0.0));
    let mut m = probabilities(settings, &m_counts);
    let u = probabilities(settings, &u_counts);
    let mut m_source = "tier1_links";
    let mut em_sessions = Vec::new();
    // With too few labelled pairs (a registry without IDs), m starts from a fixed shape
    // (matches mostly agree) and is then estimated by EM on the candidate pairs.
    if n_m < MIN_LABELLED {
        m = fixed_shape(settings);
        m_source = "fixed_shape";
        for (label, rounds) in em_on_candidates(people, idx, records, unlinked, &mut m, &u) {
            em_sessions.push((label, rounds));
            m_source = "em";
        }
    }
    // The ID ladder: exact agreement and one edit are strong evidence, a different ID
    // weak evidence against (IDs are often mistyped).
    if let Some(id) = settings.field(&Subject::Id) {
        m[id] = id
            .level_defs()
            .iter()
            .map(|(_, c)| match c {
                Compare::Exact => 0.90,
                Compare::OneEdit => 0.08,
                _ => 0.02,
            })
            .collect();
    }
    let weights = PerField::from_fn(settings, |f| m[f].iter().zip(&u[f]).map(|(m, u)| (m / u).log2()).collect());
    Trained { m, u, weights, trained_on: (n_m, n_u), m_source, em_sessions, compared }
}

/// m before any evidence: matches mostly agree (0.85 on the best level, 0.02 on the last,
/// the rest shared between the levels in between).
fn fixed_shape(settings: &'static Settings) -> Params {
    PerField::from_fn(settings, |f| {
        let k = f.levels();
        (0..k)
            .map(|l| {
                if l == 0 {
                    0.85
                } else if l + 1 == k {
                    0.02
                } else {
                    0.13 / (k - 2).max(1) as f64
                }
            })
            .collect()
    })
}

/// The EM sessions of a registry without enough ID links, as Splink trains: on the pairs
/// that agree on a session's fields (the default: same commune, exact date of birth),
/// those fields carry no evidence, so only the free fields (name, sex) drive EM and only
/// their m is kept. Every candidate pair is sampled evenly, whichever rule found it first.
/// Gives each session the model file declares that ran (enough pairs agree): its name
/// and rounds.
///
/// A second session on the pairs agreeing on name and birth year (date within the year,
/// sex and commune free) was tried and left out: namesakes of one birth year are most of
/// those pairs, EM took them for matches with a wrong day (m of "same year" 0.15 where
/// the ID links say 0.00), and F1 on 100 000 records without ID against 1 M people fell
/// from 0.9793 to 0.9750.
fn em_on_candidates(
    people: &[Person],
    idx: &Index,
    records: &[Record],
    unlinked: &Unlinked,
    m: &mut Params,
    u: &Params,
) -> Vec<(&'static str, usize)> {
    let settings = idx.settings;
    // (position in `unlinked`, person) of every `step`-th pair, in the order of the
    // records and their candidates. (Not every pair listed first: at 5 M people a
    // registry's unlinked records had 47 M candidate pairs, 750 MB as a list.)
    let pairs: usize = unlinked.candidates.iter().map(Vec::len).sum();
    let step = pairs.div_ceil(2 * EM_PAIRS).max(1);
    let found: Vec<(usize, u32)> = unlinked
        .candidates
        .iter()
        .enumerate()
        .flat_map(|(k, cs)| cs.iter().map(move |&(p, _)| (k, p)))
        .step_by(step)
        .collect();
    let sampled: Vec<(usize, Levels)> = found
        .par_iter()
        .map(|&(k, p)| {
            let r = &records[unlinked.records[k]];
            (k, Pair::new(r, &unlinked.names[k], &people[p as usize], &idx.names[p as usize]).levels(settings))
        })
        .collect();
    let mut ran = Vec::new();
    for (label, agree, free) in settings.em_sessions() {
        let pairs: Vec<(usize, Levels)> =
            sampled.iter().filter(|(_, lv)| agree.iter().all(|&f| lv[f] == 0)).copied().collect();
        let mut recs: Vec<usize> = pairs.iter().map(|p| p.0).collect();
        recs.dedup();
        let lambda0 = recs.len() as f64 / pairs.len().max(1) as f64;
        let sample: Vec<Levels> = pairs.into_iter().map(|p| p.1).collect();
        if sample.len() < MIN_LABELLED {
            continue;
        }
        let mut session_m = m.clone();
        let rounds = em(settings, &sample, &mut session_m, u, &free, lambda0);
        for f in free {
            m[f] = session_m[f].clone();
        }
        ran.push((label, rounds));
    }
    ran
}

/// Level frequencies → probabilities with add-one smoothing.
fn probabilities(settings: &'static Settings, counts: &Params) -> Params {
    PerField::from_fn(settings, |f| {
        let total: f64 = counts[f].iter().sum::<f64>() + counts[f].len() as f64;
        counts[f].iter().map(|c| (c + 1.0) / total).collect()
    })
}

fn zero(settings: &'static Settings) -> Params {
    PerField::from_fn(settings, |f| vec![0.0; f.levels()])
}

fn count_levels(settings: &'static Settings, pairs: impl Iterator<Item = Levels>) -> (Params, usize) {
    let mut counts = zero(settings);
    let mut n = 0;
    for lv in pairs {
        n += 1;
        for (f, l) in lv.compared(settings) {
            counts[f][l as usize] += 1.0;
        }
    }
    (counts, n)
}

/// One EM session (Fellegi–Sunter, conditional independence) on unlabelled pairs, u
/// fixed: the E-step gives each pair its match probability from the `free` fields' m
/// and u and the share of matches λ; the M-step re-estimates those fields' m (level
/// frequencies weighted by the probabilities, add-one smoothing) and λ. Stops when no m
/// moves by 1e-4, or after [`EM_ROUNDS`]; gives the rounds run.
pub fn em(
    settings: &'static Settings,
    sample: &[Levels],
    m: &mut Params,
    u0: &Params,
    free: &[Field],
    lambda0: f64,
) -> usize {
    // u is re-estimated within the session too (the blocked pairs' non-matches are not
    // random pairs: a commune's names look alike), starting from the random pairs' u.
    let mut u = u0.clone();
    let mut lambda = lambda0.clamp(1e-4, 0.5);
    for round in 1..=EM_ROUNDS {
        let w: Params = PerField::from_fn(settings, |f| m[f].iter().zip(&u[f]).map(|(m, u)| (m / u).ln()).collect());
        let logit = (lambda / (1.0 - lambda)).ln();
        let (sm, su, total_g) = sample
            .par_iter()
            .fold(
                || (zero(settings), zero(settings), 0.0),
                |(mut am, mut au, tg), lv| {
                    let x =
                        logit + free.iter().filter(|&&f| lv[f] != MISSING).map(|&f| w[f][lv[f] as usize]).sum::<f64>();
                    let g = 1.0 / (1.0 + (-x).exp());
                    for &f in free {
                        if lv[f] != MISSING {
                            am[f][lv[f] as usize] += g;
                            au[f][lv[f] as usize] += 1.0 - g;
                        }
                    }
                    (am, au, tg + g)
                },
            )
            .reduce(
                || (zero(settings), zero(settings), 0.0),
                |(mut a, mut b, ga), (c, d, gb)| {
                    for f in settings.fields() {
                        for (x, y) in a[f].iter_mut().zip(&c[f]) {
                            *x += y;
                        }
                        for (x, y) in b[f].iter_mut().zip(&d[f]) {
                            *x += y;
                        }
                    }
                    (a, b, ga + gb)
                },
            );
        let mut moved = 0.0f64;
        for &f in free {
            let total: f64 = sm[f].iter().sum::<f64>() + sm[f].len() as f64;
            for (l, c) in sm[f].iter().enumerate() {
                let new = (c + 1.0) / total;
                moved = moved.max((new - m[f][l]).abs());
                m[f][l] = new;
            }
            let total: f64 = su[f].iter().sum::<f64>() + su[f].len() as f64;
            for (l, c) in su[f].iter().enumerate() {
                u[f][l] = (c + 1.0) / total;
            }
        }
        lambda = (total_g / sample.len().max(1) as f64).clamp(1e-6, 0.999);
        if moved < 1e-4 {
            return round;
        }
    }
    EM_ROUNDS
}
