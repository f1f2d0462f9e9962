//! Blocking: the population's indexes, built once per run and shared by the registries,
//! and the candidate people of a record by ordered [`Rule`]s, each pair remembering the
//! first rule that found it. Blocks larger than [`MAX_BLOCK`] are skipped and counted.

use super::keys::{
    commune_dob_key, id_number, key, middle_initials, name_day_month_key, name_year_key, parent_year_key,
    phonetic_middle_year_key, phonetic_year_key, NameKeys,
};
use crate::normalize::{Person, Record};
use crate::vn::id::{Id, IdKind};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

/// Blocks with more people than this are skipped (and reported).
pub const MAX_BLOCK: usize = 500;

/// A blocking rule, in the order the rules are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The record's 12-digit ID one substitution or one adjacent transposition from a
    /// population ID, or its 11 digits (starting with 0) one lost digit from one.
    IdTypo,
    /// Folded full name + birth year.
    NameBirthyear,
    /// Phonetic surname and given name (+ middle initials) + birth year.
    PhoneticBirthyear,
    /// Commune + full date of birth.
    CommuneDob,
    /// Folded full name + day and month of birth (a mistyped year).
    NameDayMonth,
    /// A parent's name + birth year + commune (children's registries).
    ParentBirthyearCommune,
}

impl Rule {
    /// Every rule, in the order they are tried.
    pub const ALL: [Rule; 6] = [
        Rule::IdTypo,
        Rule::NameBirthyear,
        Rule::PhoneticBirthyear,
        Rule::CommuneDob,
        Rule::NameDayMonth,
        Rule::ParentBirthyearCommune,
    ];

    /// The rule's name in `model.json`, `links.parquet` and `explain`.
    pub fn label(self) -> &'static str {
        match self {
            Rule::IdTypo => "id_typo",
            Rule::NameBirthyear => "name_birthyear",
            Rule::PhoneticBirthyear => "surname_given_phonetic_birthyear",
            Rule::CommuneDob => "commune_dob",
            Rule::NameDayMonth => "name_day_month",
            Rule::ParentBirthyearCommune => "parent_birthyear_commune",
        }
    }
}

type Blocks = HashMap<u64, Vec<u32>>;

/// The population's blocking indexes, built once per run and shared by the registries.
pub struct Index {
    /// Personal IDs (as numbers: 12 digits fit in a `u64`) → the first person holding it.
    pid: HashMap<u64, u32>,
    /// Legacy CMNDs (9 digits) → the first person holding it.
    legacy: HashMap<u64, u32>,
    name_year: Blocks,
    phonetic_year: Blocks,
    phonetic_middle_year: Blocks,
    commune_dob: Blocks,
    name_day_month: Blocks,
    parent_year: Blocks,
    name_freq: HashMap<u64, u32>,
    /// People in an order that does not depend on the extract's row order (personal ID,
    /// then name, date of birth, commune), for sampling u and breaking ties.
    pub(super) stable: Vec<u32>,
    /// Each person's position in `stable`.
    pub(super) rank: Vec<u32>,
    /// Each person's name keys.
    pub(super) names: Vec<NameKeys>,
}

impl Index {
    /// How many people bear this folded name (at least 1).
    pub(super) fn name_freq(&self, folded: &str) -> u32 {
        *self.name_freq.get(&key(&[folded.as_bytes()])).unwrap_or(&1)
    }

    /// The first person (population order) holding this personal ID, if any.
    pub fn personal(&self, id: &Id) -> Option<u32> {
        (id.kind == IdKind::Personal).then(|| self.pid.get(&id_number(id.digits.as_bytes()))).flatten().copied()
    }

    /// The first person (population order) holding this legacy CMND, if any.
    pub fn legacy(&self, id: &Id) -> Option<u32> {
        (id.kind == IdKind::Legacy).then(|| self.legacy.get(&id_number(id.digits.as_bytes()))).flatten().copied()
    }

    /// The block maps a rule looks people up in (none for the ID-typo rule, whose keys
    /// are single IDs).
    fn blocks(&self, rule: Rule) -> Vec<&Blocks> {
        match rule {
            Rule::IdTypo => vec![],
            Rule::NameBirthyear => vec![&self.name_year],
            Rule::PhoneticBirthyear => vec![&self.phonetic_year, &self.phonetic_middle_year],
            Rule::CommuneDob => vec![&self.commune_dob],
            Rule::NameDayMonth => vec![&self.name_day_month],
            Rule::ParentBirthyearCommune => vec![&self.parent_year],
        }
    }

    /// Blocks skipped for size, per rule that looks up blocks (rule order).
    pub fn oversized_blocks(&self) -> Vec<(String, usize)> {
        let big = |n: usize| usize::from(n > MAX_BLOCK);
        Rule::ALL
            .into_iter()
            .filter(|&rule| rule != Rule::IdTypo)
            .map(|rule| {
                let n = self.blocks(rule).iter().flat_map(|b| b.values()).map(|v| big(v.len())).sum();
                (rule.label().to_string(), n)
            })
            .collect()
    }
}

/// Candidate pairs of one record: (person, the first rule that found it).
pub fn candidates(r: &Record, idx: &Index) -> Vec<(u32, Rule)> {
    let mut out: Vec<(u32, Rule)> = Vec::new();
    let mut push = |ps: &[u32], rule: Rule| {
        if ps.len() > MAX_BLOCK {
            return;
        }
        for &p in ps {
            if !out.iter().any(|(q, _)| *q == p) {
                out.push((p, rule));
            }
        }
    };
    if matches!(r.id.kind, IdKind::Personal) {
        for p in id_typos(r.id.digits.as_bytes(), idx) {
            push(&[p], Rule::IdTypo);
        }
    } else if r.id.digit_lost() {
        for p in id_insertions(r.id.digits.as_bytes(), idx) {
            push(&[p], Rule::IdTypo);
        }
    }
    let year = r.dob.map(|d| d.year);
    if let (Some(n), Some(y)) = (&r.name, year) {
        if let Some(ps) = idx.name_year.get(&name_year_key(&n.folded, y)) {
            push(ps, Rule::NameBirthyear);
        }
        let phonetic = n.phonetic();
        let middle = middle_initials(&phonetic);
        if middle.is_empty() {
            if let Some(ps) = idx.phonetic_year.get(&phonetic_year_key(&phonetic, y)) {
                push(ps, Rule::PhoneticBirthyear);
            }
        } else {
            for m in [&middle[..], &[]] {
                if let Some(ps) = idx.phonetic_middle_year.get(&phonetic_middle_year_key(&phonetic, m, y)) {
                    push(ps, Rule::PhoneticBirthyear);
                }
            }
        }
    }
    if let (Some(c), Some(d)) = (&r.commune, &r.dob) {
        if d.day != 0 {
            if let Some(ps) = idx.commune_dob.get(&commune_dob_key(&c.code, d)) {
                push(ps, Rule::CommuneDob);
            }
        }
    }
    if let (Some(n), Some(d)) = (&r.name, &r.dob) {
        if d.day != 0 {
            if let Some(ps) = idx.name_day_month.get(&name_day_month_key(&n.folded, d)) {
                push(ps, Rule::NameDayMonth);
            }
        }
    }
    if let (Some(y), Some(c)) = (year, &r.commune) {
        for (_, parent) in [&r.mother, &r.father].into_iter().flatten() {
            if let Some(ps) = idx.parent_year.get(&parent_year_key(&parent.folded, y, &c.code)) {
                push(ps, Rule::ParentBirthyearCommune);
            }
        }
    }
    out
}

/// The people whose personal ID is one substitution or one adjacent transposition from
/// `digits`, in the order the edits are tried.
fn id_typos(d: &[u8], idx: &Index) -> Vec<u32> {
    let mut found = Vec::new();
    let mut buf = d.to_vec();
    for i in 0..d.len() {
        for c in b'0'..=b'9' {
            if c != d[i] {
                buf[i] = c;
                found.extend(idx.pid.get(&id_number(&buf)));
            }
        }
        buf[i] = d[i];
        if i + 1 < d.len() && d[i] != d[i + 1] {
            buf.swap(i, i + 1);
            found.extend(idx.pid.get(&id_number(&buf)));
            buf.swap(i, i + 1);
        }
    }
    found
}

/// The people whose personal ID is `digits` (11 of them) with one digit put back: every
/// digit at every place.
fn id_insertions(d: &[u8], idx: &Index) -> Vec<u32> {
    let mut found = Vec::new();
    let mut buf = Vec::with_capacity(d.len() + 1);
    for at in 0..=d.len() {
        for c in b'0'..=b'9' {
            buf.clear();
            buf.extend_from_slice(&d[..at]);
            buf.push(c);
            buf.extend_from_slice(&d[at..]);
            if let Some(&p) = idx.pid.get(&id_number(&buf)) {
                if !found.contains(&p) {
                    found.push(p);
                }
            }
        }
    }
    found
}

/// A person's keys: name, and with a date of birth (name+year, phonetic+year,
/// phonetic+middle initials+year, commune+date, name+day+month).
type PersonKeys = (u64, Option<(u64, u64, u64, Option<u64>, Option<u64>)>, NameKeys);

fn person_keys(p: &Person) -> PersonKeys {
    let phonetic = p.name.phonetic();
    let by_dob = p.dob.map(|d| {
        let commune = p.commune.as_ref().filter(|_| d.day != 0).map(|c| commune_dob_key(&c.code, &d));
        let middle = middle_initials(&phonetic);
        (
            name_year_key(&p.name.folded, d.year),
            phonetic_year_key(&phonetic, d.year),
            phonetic_middle_year_key(&phonetic, &middle, d.year),
            commune,
            (d.day != 0).then(|| name_day_month_key(&p.name.folded, &d)),
        )
    });
    (
        key(&[p.name.folded.as_bytes()]),
        by_dob,
        NameKeys::with_phonetic(&p.name, &phonetic).with_parents([p.father.as_ref(), p.mother.as_ref()]),
    )
}

/// People in an order that does not depend on the extract's row order: by a 64-bit key
/// of what a person is (not where their row is); two people equal in all of it are
/// interchangeable for scoring. Gives the order and each person's rank in it.
fn stable_order(people: &[Person]) -> (Vec<u32>, Vec<u32>) {
    let mut stable: Vec<(u64, u32)> = people
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let dob = p.dob.map_or([0u8; 6], |d| {
                let y = (d.year as u32).to_le_bytes();
                [y[0], y[1], y[2], y[3], d.month, d.day]
            });
            let commune = p.commune.as_ref().map_or(&b""[..], |c| c.code.as_bytes());
            let k = key(&[p.pid.digits.as_bytes(), p.name.key.as_bytes(), &dob, p.legacy.digits.as_bytes(), commune]);
            (k, i as u32)
        })
        .collect();
    stable.par_sort_unstable();
    let stable: Vec<u32> = stable.into_iter().map(|(_, i)| i).collect();
    let mut rank = vec![0u32; people.len()];
    for (r, &p) in stable.iter().enumerate() {
        rank[p as usize] = r as u32;
    }
    (stable, rank)
}

/// Builds the blocking indexes of a population.
pub fn index(people: &[Person]) -> Index {
    // Keys in parallel; the maps are filled in population order (deterministic).
    let keys: Vec<PersonKeys> = people.par_iter().map(person_keys).collect();
    let (stable, rank) = stable_order(people);
    let names: Vec<NameKeys> = keys.iter().map(|k| k.2).collect();
    // Each map is filled by its own task, every one in population order (so the first
    // holder of an ID wins and blocks list people in row order, whatever the threads do).
    let blocks = |key: &(dyn Fn(usize) -> Option<u64> + Sync)| -> Blocks {
        let mut map = Blocks::with_capacity_and_hasher(people.len(), Default::default());
        for i in 0..people.len() {
            if let Some(k) = key(i) {
                map.entry(k).or_default().push(i as u32);
            }
        }
        map
    };
    let first_holder = |kind: IdKind, id: fn(&Person) -> &Id| -> HashMap<u64, u32> {
        let mut map = HashMap::with_capacity_and_hasher(people.len(), Default::default());
        for (i, p) in people.iter().enumerate() {
            let id = id(p);
            if id.kind == kind {
                map.entry(id_number(id.digits.as_bytes())).or_insert(i as u32);
            }
        }
        map
    };
    let by_dob = |i: usize| keys[i].1;
    let (mut pid, mut legacy, mut name_freq) = (HashMap::default(), HashMap::default(), HashMap::default());
    let (mut name_year, mut phonetic_year, mut phonetic_middle_year, mut commune_dob) =
        (Blocks::default(), Blocks::default(), Blocks::default(), Blocks::default());
    let (mut name_day_month, mut parent_year) = (Blocks::default(), Blocks::default());
    rayon::scope(|s| {
        s.spawn(|_| pid = first_holder(IdKind::Personal, |p| &p.pid));
        s.spawn(|_| legacy = first_holder(IdKind::Legacy, |p| &p.legacy));
        s.spawn(|_| {
            name_freq.reserve(people.len());
            for k in &keys {
                *name_freq.entry(k.0).or_default() += 1;
            }
        });
        s.spawn(|_| name_year = blocks(&|i| by_dob(i).map(|k| k.0)));
        s.spawn(|_| phonetic_year = blocks(&|i| by_dob(i).map(|k| k.1)));
        s.spawn(|_| phonetic_middle_year = blocks(&|i| by_dob(i).map(|k| k.2)));
        s.spawn(|_| commune_dob = blocks(&|i| by_dob(i).and_then(|k| k.3)));
        s.spawn(|_| name_day_month = blocks(&|i| by_dob(i).and_then(|k| k.4)));
        s.spawn(|_| {
            // A child is listed under each parent's name.
            for (i, p) in people.iter().enumerate() {
                let (Some(d), Some(c), Some(_)) = (p.dob, &p.commune, by_dob(i)) else { continue };
                for parent in [&p.mother, &p.father].into_iter().flatten() {
                    parent_year.entry(parent_year_key(&parent.folded, d.year, &c.code)).or_default().push(i as u32);
                }
            }
        });
    });
    Index {
        names,
        stable,
        rank,
        pid,
        legacy,
        name_year,
        phonetic_year,
        phonetic_middle_year,
        commune_dob,
        name_day_month,
        parent_year,
        name_freq,
    }
}
