//! Comparison ladders: for each compared [`Field`], labelled levels, best first, each a
//! label and its condition on one line; the first level whose condition holds is the
//! pair's. A field with nothing to compare on either side is [`MISSING`] and weighs
//! nothing. The ladders are the model file's (`rules/model.toml`); what each comparison
//! means is here.

use super::keys::NameKeys;
use super::settings::{Field, Settings};
use crate::config::model::{Compare, Subject, MAX_FIELDS};
use crate::normalize::{Person, Record};
use crate::vn::date::PartialDate;
use crate::vn::id::IdKind;
use crate::vn::name;
use std::cell::Cell;
use std::ops::{Index, IndexMut};

/// Level meaning "no value to compare": contributes no weight.
pub const MISSING: u8 = u8::MAX;

impl Field {
    /// Whether the field can be compared on this pair at all.
    fn compared(self, x: &Pair) -> bool {
        match self.subject() {
            Subject::Name => x.r.name.is_some(),
            Subject::Dob => x.r.dob.is_some() && x.p.dob.is_some(),
            Subject::Sex => x.record_sex().is_some() && x.p.sex.is_some(),
            Subject::Commune => x.r.commune.is_some() && x.p.commune.is_some(),
            Subject::Id => matches!(x.r.id.kind, IdKind::Personal | IdKind::Other) || x.r.id.digit_lost(),
            Subject::Parents => x.parents().any(|(_, a, b)| a.is_some() && b.is_some()),
            // Only where the communes agree: a hamlet name two communes share says nothing.
            Subject::Hamlet => x.same_commune() && x.r.hamlet.is_some() && x.p.hamlet.is_some(),
            Subject::Attribute(a) => x.attributes(a).is_some(),
        }
    }

    /// The field's level for a pair, or [`MISSING`].
    fn compare(self, pair: &Pair) -> u8 {
        if !self.compared(pair) {
            return MISSING;
        }
        let levels = self.level_defs();
        let subject = self.subject();
        levels.iter().position(|&(_, c)| holds(subject, c, pair)).unwrap_or(levels.len() - 1) as u8
    }
}

/// Whether a level's comparison holds for a pair (the model file check allows only the
/// comparisons of each field).
fn holds(subject: &Subject, c: Compare, x: &Pair) -> bool {
    match (subject, c) {
        (_, Compare::Else) => true,
        // Name: the same key (same name, same tone marks), the same letters, a variant
        // spelling, close by Jaro–Winkler. Surname and given name both different (even
        // phonetically) is another name, however close the whole strings are.
        (Subject::Name, Compare::Exact) => x.name().key == x.p.name.key,
        // The same letters: spaced otherwise, or some lost to `?` by a code page.
        (Subject::Name, Compare::SameLetters) => {
            x.name().folded == x.p.name.folded
                || x.rk.letters == x.pk.letters
                || name::lost_letters_agree(x.name(), &x.p.name)
        }
        (Subject::Name, Compare::SameSyllables) => name::same_syllables(&x.name().folded, &x.p.name.folded),
        (Subject::Name, Compare::Variant) => is_variant(x.name(), x.rk, &x.p.name, x.pk),
        (Subject::Name, Compare::JaroWinkler { min, unless_other_name }) => {
            !(unless_other_name && x.other_name()) && x.jw() >= min
        }
        // Date of birth. A side that knows less agrees on what it knows.
        (Subject::Dob, Compare::Exact) => x.dobs(|a, b| a == b && a.day != 0),
        (Subject::Dob, Compare::DayMonthSwap) => x.dobs(|a, b| a.is_swap_of(b)),
        (Subject::Dob, Compare::PartialAgrees) => x.dobs(|a, b| a.compatible_with(b)),
        (Subject::Dob, Compare::SameMonthYear) => x.dobs(|a, b| a.year == b.year && a.month != 0 && a.month == b.month),
        (Subject::Dob, Compare::SameYear) => x.dobs(|a, b| a.year == b.year),
        (Subject::Dob, Compare::YearMistyped) => {
            x.dobs(|a, b| a.day != 0 && a.day == b.day && a.month == b.month && year_mistyped(a.year, b.year))
        }
        (Subject::Dob, Compare::YearsApart { max }) => x.dobs(|a, b| (a.year - b.year).abs() <= max),
        // Sex: the record's own, else the one its name's title says (Ông, Bà).
        (Subject::Sex, Compare::Agree) => x.record_sex() == x.p.sex,
        (Subject::Commune, Compare::Agree) => x.same_commune(),
        (Subject::Id, Compare::Exact) => x.r.id.digits == x.p.pid.digits,
        (Subject::Id, Compare::OneEdit) => {
            one_edit(&x.r.id.digits, &x.p.pid.digits) || one_lost(&x.r.id.digits, &x.p.pid.digits)
        }
        // A parent the record names with the same letters or phonetic form as that parent.
        (Subject::Parents, Compare::Agree) => x.parents().any(|(k, a, b)| match (a, b) {
            (Some(a), Some(b)) => a.folded == b.folded || x.rk.parents[k] == x.pk.parents[k],
            _ => false,
        }),
        (Subject::Hamlet, Compare::Agree) => x.r.hamlet == x.p.hamlet,
        (Subject::Attribute(a), Compare::Exact) => x.attributes(a).is_some_and(|(r, p)| r == p),
        (Subject::Attribute(a), Compare::JaroWinkler { min, .. }) => {
            x.attributes(a).is_some_and(|(r, p)| strsim::jaro_winkler(r, p) >= min)
        }
        _ => false,
    }
}

/// A record and a candidate person, with their name keys, as the ladders see them.
pub struct Pair<'a> {
    r: &'a Record,
    rk: &'a NameKeys,
    p: &'a Person,
    pk: &'a NameKeys,
    /// Jaro–Winkler of the folded names, once computed (two levels ask for it).
    jw: Cell<Option<f64>>,
}

impl<'a> Pair<'a> {
    /// A pair to compare.
    pub fn new(r: &'a Record, rk: &'a NameKeys, p: &'a Person, pk: &'a NameKeys) -> Pair<'a> {
        Pair { r, rk, p, pk, jw: Cell::new(None) }
    }

    /// Every field's level.
    pub fn levels(&self, settings: &'static Settings) -> Levels {
        let mut lv = Levels([MISSING; MAX_FIELDS]);
        for f in settings.fields() {
            lv.0[f.index()] = f.compare(self);
        }
        lv
    }

    /// Both sides' values of an attribute, when both have one.
    fn attributes(&self, name: &str) -> Option<(&str, &str)> {
        Some((attribute(&self.r.attributes, name)?, attribute(&self.p.attributes, name)?))
    }

    fn name(&self) -> &name::Name {
        self.r.name.as_ref().expect("the name ladder compares only a record with a name")
    }

    fn jw(&self) -> f64 {
        if let Some(jw) = self.jw.get() {
            return jw;
        }
        let jw = strsim::jaro_winkler(&self.name().folded, &self.p.name.folded);
        self.jw.set(Some(jw));
        jw
    }

    /// Surname and given name both different, even phonetically.
    fn other_name(&self) -> bool {
        self.rk.ends[0] != self.pk.ends[0] && self.rk.ends[1] != self.pk.ends[1]
    }

    fn dobs(&self, f: impl Fn(&PartialDate, &PartialDate) -> bool) -> bool {
        matches!((&self.r.dob, &self.p.dob), (Some(a), Some(b)) if f(a, b))
    }

    fn record_sex(&self) -> Option<crate::vn::sex::Sex> {
        self.r.sex.or_else(|| self.r.name.as_ref().and_then(|n| n.title_sex))
    }

    fn same_commune(&self) -> bool {
        matches!((&self.r.commune, &self.p.commune), (Some(a), Some(b)) if a.code == b.code)
    }

    /// (0 father | 1 mother, the record's, the person's).
    fn parents(&self) -> impl Iterator<Item = (usize, Option<&name::Name>, Option<&name::Name>)> {
        [(&self.r.father, &self.p.father), (&self.r.mother, &self.p.mother)]
            .into_iter()
            .enumerate()
            .map(|(k, (a, b))| (k, a.as_deref().map(|(_, n)| n), b.as_deref()))
    }
}

/// Every field's level for one pair, reached by [`Field`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Levels([u8; MAX_FIELDS]);

impl Levels {
    /// Levels given field by field ([`MISSING`] for the fields not named).
    pub fn of(levels: &[(Field, u8)]) -> Levels {
        let mut lv = Levels([MISSING; MAX_FIELDS]);
        for &(f, l) in levels {
            lv[f] = l;
        }
        lv
    }

    /// The fields that were compared, with their levels, in the model's order.
    pub fn compared(&self, settings: &'static Settings) -> impl Iterator<Item = (Field, u8)> + '_ {
        settings.fields().map(|f| (f, self[f])).filter(|&(_, l)| l != MISSING)
    }
}

impl Index<Field> for Levels {
    type Output = u8;
    fn index(&self, f: Field) -> &u8 {
        &self.0[f.index()]
    }
}

impl IndexMut<Field> for Levels {
    fn index_mut(&mut self, f: Field) -> &mut u8 {
        &mut self.0[f.index()]
    }
}

/// One value per field (m, u, weights, level counts), reached by [`Field`].
#[derive(Debug, Clone, PartialEq)]
pub struct PerField<T>(Vec<T>);

impl<T> PerField<T> {
    /// A value for each field of a model.
    pub fn from_fn(settings: &'static Settings, f: impl FnMut(Field) -> T) -> PerField<T> {
        PerField(settings.fields().map(f).collect())
    }
}

impl<T> Index<Field> for PerField<T> {
    type Output = T;
    fn index(&self, f: Field) -> &T {
        &self.0[f.index()]
    }
}

impl<T> IndexMut<Field> for PerField<T> {
    fn index_mut(&mut self, f: Field) -> &mut T {
        &mut self.0[f.index()]
    }
}

/// Whether two names that differ after folding are the same name written differently:
/// the variant rules of [`name::compare`] (repaired encoding: i/y or phonetic; else i/y,
/// middle name dropped or abbreviated, phonetic), on precomputed keys.
pub fn is_variant(r: &name::Name, rk: &NameKeys, p: &name::Name, pk: &NameKeys) -> bool {
    if r.repair.is_some() {
        return rk.iy == pk.iy || rk.phonetic == pk.phonetic;
    }
    rk.iy == pk.iy
        || (rk.without_middle == pk.without_middle && name::middles_agree(&r.middle_folded(), &p.middle_folded()))
        || rk.phonetic == pk.phonetic
}

/// A record's name keys, with its parents'.
pub fn record_keys(r: &Record) -> NameKeys {
    let parents = [&r.father, &r.mother].map(|n| n.as_deref().map(|(_, n)| n));
    r.name.as_ref().map(NameKeys::of).unwrap_or_default().with_parents(parents)
}

/// Whether one year reads as the other mistyped: one apart, or one digit changed, or two
/// adjacent digits swapped (1987 for 1988, 1997, 1978). Namesakes born on the same day
/// decades apart are not.
fn year_mistyped(a: i32, b: i32) -> bool {
    (a - b).abs() == 1 || one_edit(&a.to_string(), &b.to_string())
}

/// Whether two IDs are at most two digits apart (an ID typo, SPEC §5: one or two edits).
pub fn near_id(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count() <= 2
}

/// Whether `short` is `long` with one character left out.
pub fn one_lost(short: &str, long: &str) -> bool {
    short.len() + 1 == long.len() && {
        let at = short.bytes().zip(long.bytes()).take_while(|(a, b)| a == b).count();
        short[at..] == long[at + 1..]
    }
}

/// Whether two digit strings are one substitution or adjacent transposition apart.
pub fn one_edit(a: &str, b: &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = a.bytes().zip(b.bytes()).enumerate().filter(|(_, (x, y))| x != y).map(|(i, _)| i).collect();
    match diff.as_slice() {
        [_] => true,
        [i, j] if *j == i + 1 => a.as_bytes()[*i] == b.as_bytes()[*j] && a.as_bytes()[*j] == b.as_bytes()[*i],
        _ => false,
    }
}

/// A side's value of an attribute (empty values are none).
fn attribute<'a>(attributes: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attributes.iter().find(|(n, v)| n == name && !v.is_empty()).map(|(_, v)| v.as_str())
}
