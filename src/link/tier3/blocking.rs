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
use crate::vn::name::Name;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

/// Blocks with more people than this are skipped (and reported), unless the model
/// file's rule says otherwise.
pub const MAX_BLOCK: usize = crate::config::model::DEFAULT_MAX_BLOCK;

type Blocks = HashMap<u64, Vec<u32>>;

/// One rule's blocks: by all its keys, and (a rule keyed on middle initials) by all but
/// those, for records without a middle name.
#[derive(Default)]
struct RuleBlocks {
    main: Blocks,
    wide: Option<Blocks>,
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
    /// Per blocking rule (model order; empty for the ID-typo rule).
    blocks: Vec<RuleBlocks>,
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

    /// Blocks skipped for size, per rule that looks up blocks (rule order).
    pub fn oversized_blocks(&self) -> Vec<(String, usize)> {
        self.settings
            .rules()
            .filter(|rule| !rule.def().is_id_typo())
            .map(|rule| {
                let b = &self.blocks[rule.index()];
                let big = |v: &Vec<u32>| usize::from(v.len() > rule.def().max_block);
                let n = b.main.values().chain(b.wide.iter().flat_map(|w| w.values())).map(big).sum();
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

/// A name's letters with every marked one as `?`, without spaces: a person's always, a
/// record's only when its name lost letters to `?` (one without does not need it).
fn lost_letters_key(n: &Name, person: bool) -> Option<Vec<u8>> {
    use unicode_normalization::UnicodeNormalization;
    if person {
        Some(n.key.nfc().filter(|&c| c != ' ').map(|c| if c.is_ascii() { c as u8 } else { b'?' }).collect())
    } else {
        n.folded.contains('?').then(|| n.folded.bytes().filter(|&b| b != b' ').collect())
    }
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

/// FNV-1a over one part, then a separator (as [`key`]).
fn fnv(mut h: u64, part: &[u8]) -> u64 {
    for &b in part {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^= 0xff;
    h.wrapping_mul(0x0100_0000_01b3)
}

/// A side's keys for one rule's map: one per combination of the keys' values (a record
/// names two parents: two keys); none when a key has no value.
fn rule_keys(side: &Side, keys: &[BlockKey], map: Map) -> Vec<u64> {
    let mut states = vec![0xcbf2_9ce4_8422_2325u64];
    for k in keys {
        let mut alternatives: Vec<Vec<u8>> = Vec::new();
        let folded = || side.name.map(|n| n.folded.as_str());
        match k {
            BlockKey::IdTypo => return Vec::new(),
            BlockKey::Name => alternatives.extend(folded().map(|f| f.as_bytes().to_vec())),
            BlockKey::NameLetters => alternatives.extend(folded().map(|f| f.bytes().filter(|&b| b != b' ').collect())),
            BlockKey::NameLettersLost => alternatives.extend(side.name.and_then(|n| lost_letters_key(n, side.person))),
            BlockKey::NameSorted => alternatives.extend(folded().map(|f| sorted_syllables(f).into_bytes())),
            BlockKey::Surname => alternatives.extend(folded().map(|f| ends(f).0.as_bytes().to_vec())),
            BlockKey::GivenName => alternatives.extend(folded().map(|f| ends(f).1.as_bytes().to_vec())),
            BlockKey::PhoneticSurname if side.name.is_some() => alternatives.push(ends(side.phonetic).0.into()),
            BlockKey::PhoneticGiven if side.name.is_some() => alternatives.push(ends(side.phonetic).1.into()),
            BlockKey::MiddleInitials if side.name.is_some() => match map {
                Map::Wide => continue,
                Map::Main => alternatives.push(middle_initials(side.phonetic)),
                Map::RecordMain => alternatives.extend([middle_initials(side.phonetic), Vec::new()]),
            },
            BlockKey::BirthYear => alternatives.extend(side.dob.map(|d| d.year.to_le_bytes().to_vec())),
            BlockKey::Dob => alternatives.extend(side.dob.filter(|d| d.day != 0).map(|d| {
                let y = d.year.to_le_bytes();
                vec![y[0], y[1], y[2], y[3], d.month, d.day]
            })),
            BlockKey::DayMonth => alternatives.extend(side.dob.filter(|d| d.day != 0).map(|d| vec![d.month, d.day])),
            BlockKey::Commune => alternatives.extend(side.commune.map(|c| c.as_bytes().to_vec())),
            BlockKey::Hamlet => alternatives.extend(side.hamlet.map(|h| h.to_le_bytes().to_vec())),
            BlockKey::ParentName => {
                alternatives.extend(side.parents.iter().flatten().map(|n| n.folded.as_bytes().to_vec()))
            }
            BlockKey::Attribute(a) => alternatives.extend(
                side.attributes.iter().filter(|(n, v)| n == a && !v.is_empty()).map(|(_, v)| v.as_bytes().to_vec()),
            ),
            _ => {}
        }
        if alternatives.is_empty() {
            return Vec::new();
        }
        states = states.iter().flat_map(|&h| alternatives.iter().map(move |a| fnv(h, a))).collect();
    }
    states
}

/// Candidate pairs of one record: (person, the first rule that found it).
pub fn candidates(r: &Record, idx: &Index) -> Vec<(u32, Rule)> {
    let mut out: Vec<(u32, Rule)> = Vec::new();
    let mut push = |ps: &[u32], rule: Rule| {
        if ps.len() > rule.def().max_block {
            return;
        }
        for &p in ps {
            if !out.iter().any(|(q, _)| *q == p) {
                out.push((p, rule));
            }
        }
    };
    let phonetic = r.name.as_ref().map(|n| n.phonetic()).unwrap_or_default();
    let side = record_side(r, &phonetic);
    for rule in idx.settings.rules() {
        let def = rule.def();
        if def.is_id_typo() {
            if matches!(r.id.kind, IdKind::Personal) {
                for p in id_typos(r.id.digits.as_bytes(), idx) {
                    push(&[p], rule);
                }
            } else if r.id.digit_lost() {
                for p in id_insertions(r.id.digits.as_bytes(), idx) {
                    push(&[p], rule);
                }
            }
            continue;
        }
        let blocks = &idx.blocks[rule.index()];
        let (map, blocks) = match &blocks.wide {
            Some(wide) if side.name.is_some() && middle_initials(side.phonetic).is_empty() => (Map::Wide, wide),
            Some(_) => (Map::RecordMain, &blocks.main),
            None => (Map::Main, &blocks.main),
        };
        for k in rule_keys(&side, &def.keys, map) {
            if let Some(ps) = blocks.get(&k) {
                push(ps, rule);
            }
        }
    }
    out
}

/// The rules a record can be looked up under (it has every key of), in model order.
pub fn tried(r: &Record, idx: &Index) -> Vec<&'static str> {
    let phonetic = r.name.as_ref().map(|n| n.phonetic()).unwrap_or_default();
    let side = record_side(r, &phonetic);
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
        commune: r.commune.as_ref().map(|c| c.code.as_str()),
        hamlet: r.hamlet,
        parents: [r.mother.as_ref().map(|m| &m.1), r.father.as_ref().map(|f| &f.1)],
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
        commune: p.commune.as_ref().map(|c| c.code.as_str()),
        hamlet: p.hamlet,
        parents: [p.mother.as_ref(), p.father.as_ref()],
        attributes: &p.attributes,
        person: true,
    }
}

/// Builds the blocking indexes of a population for a compiled model.
pub fn index(people: &[Person], settings: &'static Settings) -> Index {
    let phonetic: Vec<String> = people.par_iter().map(|p| p.name.phonetic()).collect();
    let (stable, rank) = stable_order(people);
    let names: Vec<NameKeys> = people
        .par_iter()
        .zip(&phonetic)
        .map(|(p, ph)| NameKeys::with_phonetic(&p.name, ph).with_parents([p.father.as_ref(), p.mother.as_ref()]))
        .collect();
    // Keys in parallel; each map filled in population order (so blocks list people in row
    // order, whatever the threads do).
    let blocks_of = |keys: &[BlockKey], map: Map| -> Blocks {
        let keyed: Vec<Vec<u64>> =
            people.par_iter().zip(&phonetic).map(|(p, ph)| rule_keys(&person_side(p, ph), keys, map)).collect();
        let mut blocks = Blocks::with_capacity_and_hasher(people.len(), Default::default());
        for (i, ks) in keyed.into_iter().enumerate() {
            for k in ks {
                blocks.entry(k).or_default().push(i as u32);
            }
        }
        blocks
    };
    let first_holder = |kind: IdKind, id: fn(&Person) -> &Id| -> HashMap<u64, u32> {
        let mut map = HashMap::with_capacity_and_hasher(people.len(), Default::default());
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
    let mut blocks = Vec::new();
    rayon::scope(|s| {
        s.spawn(|_| pid = first_holder(IdKind::Personal, |p| &p.pid));
        s.spawn(|_| legacy = first_holder(IdKind::Legacy, |p| &p.legacy));
        s.spawn(|_| other = first_holder(IdKind::Other, |p| &p.pid));
        s.spawn(|_| {
            name_freq.reserve(people.len());
            for p in people {
                *name_freq.entry(key(&[p.name.folded.as_bytes()])).or_default() += 1;
            }
        });
        s.spawn(|_| {
            blocks = settings
                .rules()
                .map(|rule| {
                    let def = rule.def();
                    if def.is_id_typo() {
                        return RuleBlocks::default();
                    }
                    let wide = def.has_middle().then(|| blocks_of(&def.keys, Map::Wide));
                    RuleBlocks { main: blocks_of(&def.keys, Map::Main), wide }
                })
                .collect()
        });
    });
    Index { settings, names, stable, rank, pid, legacy, other, blocks, name_freq }
}
