//! Blocking: the population's indexes, built once per run and shared by the registries,
//! and the candidate people of a record by ordered [`Rule`]s, each pair remembering the
//! first rule that found it. The rules are the model file's: each an ordered list of
//! keys, looked up as one 64-bit key. Blocks larger than the rule's `max_block` are
//! skipped and counted.

use super::keys::{ends, id_number, key, middle_initials, sorted_syllables, NameKeys};
use super::settings::{Rule, Settings};
use crate::config::model::BlockKey;
use crate::normalize::{Person, Record};
use crate::vn::date::PartialDate;
use crate::vn::id::{Id, IdKind};
use crate::vn::name::{self, Name};
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

/// Blocks with more people than this are skipped (and reported), unless the model
/// file's rule says otherwise.
pub const MAX_BLOCK: usize = crate::config::model::DEFAULT_MAX_BLOCK;

/// One map of blocks: the people of every block in one array, sorted by (key, row), and
/// each key's slice of it. (A vector per block cost an allocation per person for the
/// keys most people hold alone, and a second of page zeroing at 500 000 people.)
#[derive(Default)]
struct Blocks {
    people: Vec<u32>,
    slices: HashMap<u64, (u32, u32)>,
}

impl Blocks {
    /// The people of a key's block, in row order.
    fn get(&self, k: &u64) -> Option<&[u32]> {
        self.slices.get(k).map(|&(start, len)| &self.people[start as usize..(start + len) as usize])
    }

    /// Every block's size.
    fn sizes(&self) -> impl Iterator<Item = usize> + '_ {
        self.slices.values().map(|&(_, len)| len as usize)
    }

    /// The blocks of (key, row) pairs. The map is sized by the distinct keys, not the
    /// pairs: a rule most people share keys under (the date of birth alone: some 30 000
    /// keys for 500 000 people) would otherwise hold a slot per person.
    fn of(mut pairs: Vec<(u64, u32)>) -> Blocks {
        pairs.par_sort_unstable();
        let distinct = pairs.windows(2).filter(|w| w[0].0 != w[1].0).count() + usize::from(!pairs.is_empty());
        let mut slices = HashMap::with_capacity_and_hasher(distinct, Default::default());
        let mut start = 0;
        while start < pairs.len() {
            let k = pairs[start].0;
            let len = pairs[start..].iter().take_while(|p| p.0 == k).count();
            slices.insert(k, (start as u32, len as u32));
            start += len;
        }
        Blocks { people: pairs.into_iter().map(|p| p.1).collect(), slices }
    }
}

/// One rule's blocks: by all its keys, and (a rule keyed on middle initials) by all but
/// those, for records without a middle name.
#[derive(Default)]
struct RuleBlocks {
    main: OnceLock<Blocks>,
    wide: OnceLock<Blocks>,
}

/// The population's blocking indexes, built once per run and shared by the registries.
pub struct Index {
    /// The compiled model the indexes were built for.
    pub settings: &'static Settings,
    /// Personal IDs (as numbers: 12 digits fit in a `u64`) → the first person holding it.
    pid: HashMap<u64, u32>,
    /// Legacy CMNDs (9 digits) → the first person holding it.
    legacy: HashMap<u64, u32>,
    /// Identifiers of another scheme (`id_kind = "other"`), by a 64-bit key of the text.
    other: HashMap<u64, u32>,
    /// Per blocking rule (model order; never built for the ID-typo rule). A rule's maps
    /// are built when a registry first has a record to look up under it ([`Index::build`]):
    /// a rule no record can use (no parents' names, no name lost to `?`) costs nothing.
    blocks: Vec<RuleBlocks>,
    /// Each person's phonetic name, for building blocks (boxed: no spare capacity).
    phonetic: Vec<Box<str>>,
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

    /// The first person (population order) holding this personal ID (or identifier of
    /// another scheme), if any.
    pub fn personal(&self, id: &Id) -> Option<u32> {
        match id.kind {
            IdKind::Personal => self.pid.get(&id_number(id.digits.as_bytes())).copied(),
            IdKind::Other => self.other.get(&key(&[id.digits.as_bytes()])).copied(),
            _ => None,
        }
    }

    /// The first person (population order) holding this legacy CMND, if any.
    pub fn legacy(&self, id: &Id) -> Option<u32> {
        (id.kind == IdKind::Legacy).then(|| self.legacy.get(&id_number(id.digits.as_bytes()))).flatten().copied()
    }

    /// Builds the maps of these rules that are not built yet (blocks list people in row
    /// order, whatever the threads do).
    pub fn build(&self, people: &[Person], rules: &[Rule]) {
        let mut todo: Vec<(Rule, Map)> = Vec::new();
        for &rule in rules.iter().filter(|r| !r.def().is_id_typo()) {
            let b = &self.blocks[rule.index()];
            if b.main.get().is_none() {
                todo.push((rule, Map::Main));
            }
            if rule.def().has_middle() && b.wide.get().is_none() {
                todo.push((rule, Map::Wide));
            }
        }
        todo.par_iter().for_each(|&(rule, map)| {
            let b = &self.blocks[rule.index()];
            let cell = if map == Map::Wide { &b.wide } else { &b.main };
            cell.get_or_init(|| {
                let pairs: Vec<(u64, u32)> = people
                    .par_iter()
                    .zip(&self.phonetic)
                    .enumerate()
                    .flat_map_iter(|(i, (p, ph))| {
                        let keys = rule_keys(&person_side(p, ph), &rule.def().keys, map);
                        (0..keys.n as usize).map(move |j| (keys.k[j], i as u32))
                    })
                    .collect();
                Blocks::of(pairs)
            });
        });
    }

    /// Builds every rule's maps (tests, the blocking ceiling).
    pub fn build_all(&self, people: &[Person]) {
        self.build(people, &self.settings.rules().collect::<Vec<_>>());
    }

    /// Blocks skipped for size, per rule of these that looks up blocks (rule order).
    pub fn oversized_blocks(&self, rules: &[Rule]) -> Vec<(String, usize)> {
        rules
            .iter()
            .filter(|rule| !rule.def().is_id_typo())
            .map(|rule| {
                let b = &self.blocks[rule.index()];
                let big = |n: usize| usize::from(n > rule.def().max_block);
                let n = b.main.get().into_iter().chain(b.wide.get()).flat_map(Blocks::sizes).map(big).sum();
                (rule.label().to_string(), n)
            })
            .collect()
    }
}

/// What blocking keys are made of, for a person or a record.
struct Side<'a> {
    name: Option<&'a Name>,
    phonetic: &'a str,
    dob: Option<PartialDate>,
    commune: Option<&'a str>,
    hamlet: Option<u64>,
    /// Mother, father.
    parents: [Option<&'a Name>; 2],
    /// A person of the population (not a record).
    person: bool,
    attributes: &'a [(String, String)],
}

/// Which of a rule's maps a key is for.
#[derive(Clone, Copy, PartialEq)]
enum Map {
    /// All the rule's keys; a person's own middle initials.
    Main,
    /// All but the middle initials.
    Wide,
    /// A record with a middle name: its own initials, then none (people without one).
    RecordMain,
}

/// FNV-1a over one part's bytes, then a separator (as [`key`]).
fn fnv(mut h: u64, part: impl IntoIterator<Item = u8>) -> u64 {
    for b in part {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= 0xff;
    h.wrapping_mul(0x0100_0000_01b3)
}

/// A side's keys for one rule's map (at most [`MAX_KEYS`]: two parents × a middle name
/// or none), without allocating.
#[derive(Clone, Copy, Default)]
pub(super) struct Keys {
    k: [u64; MAX_KEYS],
    n: u8,
}

/// Most keys one side has under one rule.
const MAX_KEYS: usize = 4;

impl Keys {
    fn iter(&self) -> impl Iterator<Item = u64> + '_ {
        self.k[..self.n as usize].iter().copied()
    }

    fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Every key extended by each of the part's values (`values` gives them, by
    /// index, as hashes of the key so far); none when the part has no value.
    fn extend(&mut self, values: usize, next: impl Fn(u64, usize) -> u64) {
        let mut out = Keys::default();
        for &h in &self.k[..self.n as usize] {
            for v in 0..values {
                if (out.n as usize) < MAX_KEYS {
                    out.k[out.n as usize] = next(h, v);
                    out.n += 1;
                }
            }
        }
        *self = out;
    }
}

/// A side's keys for one rule's map: one per combination of the keys' values (a record
/// names two parents: two keys); none when a key has no value.
fn rule_keys(side: &Side, keys: &[BlockKey], map: Map) -> Keys {
    let mut out = Keys { k: [0xcbf2_9ce4_8422_2325, 0, 0, 0], n: 1 };
    let none = Keys::default();
    let folded = side.name.map(|n| &*n.folded);
    for k in keys {
        match k {
            BlockKey::IdTypo => return none,
            BlockKey::Name => match folded {
                Some(f) => out.extend(1, |h, _| fnv(h, f.bytes())),
                None => return none,
            },
            BlockKey::NameLetters => match folded {
                Some(f) => out.extend(1, |h, _| fnv(h, f.bytes().filter(|&b| b != b' '))),
                None => return none,
            },
            BlockKey::NameSorted => match folded {
                Some(f) => {
                    let sorted = sorted_syllables(f);
                    out.extend(1, |h, _| fnv(h, sorted.bytes()))
                }
                None => return none,
            },
            // A name's letters with every marked one as `?`, without spaces: a person's
            // always, a record's only when its name lost letters to `?`.
            BlockKey::NameLettersLost => match side.name {
                Some(n) if side.person => {
                    out.extend(1, |h, _| fnv(h, name::lost_letters_form(&n.key).filter(|&c| c != ' ').map(|c| c as u8)))
                }
                Some(n) => match name::lost_letters_written(&n.folded) {
                    Some(w) => {
                        let w: String = w.filter(|&c| c != ' ').collect();
                        out.extend(1, |h, _| fnv(h, w.bytes()))
                    }
                    None => return none,
                },
                None => return none,
            },
            BlockKey::Surname | BlockKey::GivenName => match folded {
                Some(f) => {
                    let (s, g) = ends(f);
                    let part = if *k == BlockKey::Surname { s } else { g };
                    out.extend(1, |h, _| fnv(h, part.bytes()))
                }
                None => return none,
            },
            BlockKey::PhoneticSurname | BlockKey::PhoneticGiven if side.name.is_some() => {
                let (s, g) = ends(side.phonetic);
                let part = if *k == BlockKey::PhoneticSurname { s } else { g };
                out.extend(1, |h, _| fnv(h, part.bytes()))
            }
            BlockKey::MiddleInitials if side.name.is_some() => {
                let own = middle_initials(side.phonetic);
                match map {
                    Map::Wide => continue,
                    Map::Main => out.extend(1, |h, _| fnv(h, own.iter().copied())),
                    Map::RecordMain => {
                        out.extend(2, |h, v| fnv(h, own.iter().copied().take(if v == 0 { usize::MAX } else { 0 })))
                    }
                }
            }
            BlockKey::BirthYear => match side.dob {
                Some(d) => out.extend(1, |h, _| fnv(h, d.year.to_le_bytes())),
                None => return none,
            },
            BlockKey::Dob => match side.dob.filter(|d| d.day != 0) {
                Some(d) => {
                    let y = d.year.to_le_bytes();
                    out.extend(1, |h, _| fnv(h, [y[0], y[1], y[2], y[3], d.month, d.day]))
                }
                None => return none,
            },
            BlockKey::DayMonth => match side.dob.filter(|d| d.day != 0) {
                Some(d) => out.extend(1, |h, _| fnv(h, [d.month, d.day])),
                None => return none,
            },
            BlockKey::Commune => match side.commune {
                Some(c) => out.extend(1, |h, _| fnv(h, c.bytes())),
                None => return none,
            },
            BlockKey::Hamlet => match side.hamlet {
                Some(x) => out.extend(1, |h, _| fnv(h, x.to_le_bytes())),
                None => return none,
            },
            BlockKey::ParentName => {
                let mut parents = [None; 2];
                let mut n = 0;
                for p in side.parents.iter().flatten() {
                    parents[n] = Some(&*p.folded);
                    n += 1;
                }
                if n == 0 {
                    return none;
                }
                out.extend(n, |h, v| fnv(h, parents[v].unwrap_or("").bytes()))
            }
            BlockKey::Attribute(a) => match side.attributes.iter().find(|(name, v)| name == a && !v.is_empty()) {
                Some((_, v)) => out.extend(1, |h, _| fnv(h, v.bytes())),
                None => return none,
            },
            _ => return none,
        }
    }
    out
}

/// Candidate pairs of one record: (person, the first rule that found it).
pub fn candidates(r: &Record, idx: &Index) -> Vec<(u32, Rule)> {
    candidates_with(r, &record_phonetic(r), idx)
}

/// A record's phonetic name ("" without a name): blocking keys are made of it.
pub fn record_phonetic(r: &Record) -> String {
    r.name.as_ref().map(|n| n.phonetic()).unwrap_or_default()
}

/// [`candidates`], the record's phonetic name given (tier 3 builds it once per record for
/// [`tried_with`] and this).
pub fn candidates_with(r: &Record, phonetic: &str, idx: &Index) -> Vec<(u32, Rule)> {
    let mut out: Vec<(u32, Rule)> = Vec::new();
    let push = |out: &mut Vec<(u32, Rule)>, ps: &[u32], rule: Rule| {
        if ps.len() > rule.def().max_block {
            return;
        }
        for &p in ps {
            if !out.iter().any(|(q, _)| *q == p) {
                out.push((p, rule));
            }
        }
    };
    let side = record_side(r, phonetic);
    for rule in idx.settings.rules() {
        let def = rule.def();
        // A fallback rule looks up only a record the rules before it found no one for.
        if def.fallback && !out.is_empty() {
            continue;
        }
        if def.is_id_typo() {
            if matches!(r.id.kind, IdKind::Personal) {
                for p in id_typos(r.id.digits.as_bytes(), idx) {
                    push(&mut out, &[p], rule);
                }
            } else if r.id.digit_lost() {
                for p in id_insertions(r.id.digits.as_bytes(), idx) {
                    push(&mut out, &[p], rule);
                }
            }
            continue;
        }
        let b = &idx.blocks[rule.index()];
        let (map, cell) = if !def.has_middle() {
            (Map::Main, &b.main)
        } else if side.name.is_some() && middle_initials(side.phonetic).is_empty() {
            (Map::Wide, &b.wide)
        } else {
            (Map::RecordMain, &b.main)
        };
        // Not built: no record of the registry needs the rule ([`Index::build`]).
        let Some(blocks) = cell.get() else { continue };
        for k in rule_keys(&side, &def.keys, map).iter() {
            if let Some(ps) = blocks.get(&k) {
                push(&mut out, ps, rule);
            }
        }
    }
    out
}

/// The rules a record can be looked up under (it has every key of), in model order.
pub fn tried_with(r: &Record, phonetic: &str, idx: &Index) -> Vec<&'static str> {
    let side = record_side(r, phonetic);
    idx.settings
        .rules()
        .filter(|rule| {
            let def = rule.def();
            if def.is_id_typo() {
                return matches!(r.id.kind, IdKind::Personal) || r.id.digit_lost();
            }
            !rule_keys(&side, &def.keys, if def.has_middle() { Map::RecordMain } else { Map::Main }).is_empty()
        })
        .map(|rule| rule.label())
        .collect()
}

/// A record's side for blocking keys.
fn record_side<'a>(r: &'a Record, phonetic: &'a str) -> Side<'a> {
    Side {
        name: r.name.as_ref(),
        phonetic,
        dob: r.dob,
        commune: r.commune.as_ref().map(|c| &*c.code),
        hamlet: r.hamlet,
        parents: [r.mother.as_deref().map(|m| &m.1), r.father.as_deref().map(|f| &f.1)],
        attributes: &r.attributes,
        person: false,
    }
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

/// A person's side for blocking keys.
fn person_side<'a>(p: &'a Person, phonetic: &'a str) -> Side<'a> {
    Side {
        name: Some(&p.name),
        phonetic,
        dob: p.dob,
        commune: p.commune.as_ref().map(|c| &*c.code),
        hamlet: p.hamlet,
        parents: [p.mother.as_deref(), p.father.as_deref()],
        attributes: &p.attributes,
        person: true,
    }
}

/// Builds the blocking indexes of a population for a compiled model.
pub fn index(people: &[Person], settings: &'static Settings) -> Index {
    let phonetic: Vec<Box<str>> = people.par_iter().map(|p| p.name.phonetic().into_boxed_str()).collect();
    let (stable, rank) = stable_order(people);
    let names: Vec<NameKeys> = people
        .par_iter()
        .zip(&phonetic)
        .map(|(p, ph)| NameKeys::with_phonetic(&p.name, ph).with_parents([p.father.as_deref(), p.mother.as_deref()]))
        .collect();
    // Each map sized by the people holding an ID of its kind (IDs of another scheme are
    // rare; legacy CMNDs are held by some): a slot per person would be 20-40 bytes each.
    let first_holder = |kind: IdKind, id: fn(&Person) -> &Id| -> HashMap<u64, u32> {
        let holders = people.iter().filter(|p| id(p).kind == kind).count();
        let mut map = HashMap::with_capacity_and_hasher(holders, Default::default());
        for (i, p) in people.iter().enumerate() {
            let id = id(p);
            if id.kind == kind {
                let k =
                    if kind == IdKind::Other { key(&[id.digits.as_bytes()]) } else { id_number(id.digits.as_bytes()) };
                map.entry(k).or_insert(i as u32);
            }
        }
        map
    };
    let (mut pid, mut legacy, mut name_freq) = (HashMap::default(), HashMap::default(), HashMap::default());
    let mut other = HashMap::default();
    rayon::scope(|s| {
        s.spawn(|_| pid = first_holder(IdKind::Personal, |p| &p.pid));
        s.spawn(|_| legacy = first_holder(IdKind::Legacy, |p| &p.legacy));
        s.spawn(|_| other = first_holder(IdKind::Other, |p| &p.pid));
        // Grown, not reserved a slot per person: fewer names than people.
        s.spawn(|_| {
            for p in people {
                *name_freq.entry(key(&[p.name.folded.as_bytes()])).or_default() += 1;
            }
        });
    });
    let blocks = settings.rules().map(|_| RuleBlocks::default()).collect();
    Index { settings, names, stable, rank, pid, legacy, other, blocks, phonetic, name_freq }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_map_holds_a_slot_per_key_not_per_person() {
        // Five people under three keys (a date of birth most people share, say).
        let pairs = vec![(5, 1), (3, 0), (5, 2), (3, 4), (9, 7), (5, 3)];
        let people = pairs.len();
        let b = Blocks::of(pairs);
        assert_eq!(b.get(&3), Some(&[0, 4][..]));
        assert_eq!(b.get(&5), Some(&[1, 2, 3][..]));
        assert_eq!(b.get(&9), Some(&[7][..]));
        assert_eq!(b.get(&1), None);
        assert_eq!(b.slices.len(), 3);
        let per_person: HashMap<u64, (u32, u32)> = HashMap::with_capacity_and_hasher(people, Default::default());
        assert!(b.slices.capacity() < per_person.capacity(), "{} slots", b.slices.capacity());
        assert!(Blocks::of(Vec::new()).get(&3).is_none());
    }
}
