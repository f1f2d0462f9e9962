//! Comparison ladders: for each compared [`Field`], labelled levels, best first, each a
//! label and its condition on one line; the first level whose condition holds is the
//! pair's. A field with nothing to compare on either side is [`MISSING`] and weighs
//! nothing. Adding a field is one [`Field`] variant with its ladder.

use super::keys::NameKeys;
use crate::normalize::{Person, Record};
use crate::vn::date::PartialDate;
use crate::vn::id::IdKind;
use crate::vn::name;
use std::cell::Cell;
use std::ops::{Index, IndexMut};

/// A field tier 3 compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The person's name.
    Name,
    /// Date of birth.
    Dob,
    /// Sex.
    Sex,
    /// Commune of the address.
    Commune,
    /// Personal ID.
    Id,
    /// Parents' names (children's registries).
    Parents,
    /// The address's hamlet (bản, thôn, tổ), where the communes agree.
    Hamlet,
}

/// Number of compared fields.
pub const NF: usize = Field::ALL.len();

/// Level meaning "no value to compare": contributes no weight.
pub const MISSING: u8 = u8::MAX;

/// One level of a ladder: its label and when a pair is at it.
type Level = (&'static str, fn(&Pair) -> bool);

/// A field's ladder: when the field can be compared at all, then its levels, best first;
/// the last is "else" or "disagree" and always holds.
struct Ladder {
    compared: fn(&Pair) -> bool,
    levels: &'static [Level],
}

impl Field {
    /// Every field, in the order of `model.json` and of an explanation's levels.
    pub const ALL: [Field; 7] =
        [Field::Name, Field::Dob, Field::Sex, Field::Commune, Field::Id, Field::Parents, Field::Hamlet];

    /// The field's name in `model.json`, `links.parquet` and `explain`.
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Dob => "dob",
            Field::Sex => "sex",
            Field::Commune => "commune",
            Field::Id => "id",
            Field::Parents => "parents",
            Field::Hamlet => "hamlet",
        }
    }

    fn ladder(self) -> &'static Ladder {
        match self {
            Field::Name => &NAME,
            Field::Dob => &DOB,
            Field::Sex => &SEX,
            Field::Commune => &COMMUNE,
            Field::Id => &ID,
            Field::Parents => &PARENTS,
            Field::Hamlet => &HAMLET,
        }
    }

    /// The labels of the field's levels, best first.
    pub fn labels(self) -> impl ExactSizeIterator<Item = &'static str> {
        self.ladder().levels.iter().map(|l| l.0)
    }

    /// Number of levels.
    pub fn levels(self) -> usize {
        self.ladder().levels.len()
    }

    /// The label of level `level`.
    pub fn level_label(self, level: u8) -> &'static str {
        self.ladder().levels[level as usize].0
    }

    /// The level labelled `label` (a label of this field's ladder).
    pub fn level(self, label: &str) -> u8 {
        let position = self.labels().position(|l| l == label);
        position.unwrap_or_else(|| panic!("{label} is no level of {}", self.label())) as u8
    }

    /// The field's level for a pair, or [`MISSING`].
    fn compare(self, pair: &Pair) -> u8 {
        let ladder = self.ladder();
        if !(ladder.compared)(pair) {
            return MISSING;
        }
        let last = ladder.levels.len() - 1;
        ladder.levels.iter().position(|(_, holds)| holds(pair)).unwrap_or(last) as u8
    }
}

/// The name: the same key (same name, same tone marks), the same letters, a variant
/// spelling, close by Jaro–Winkler. Surname and given name both different (even
/// phonetically) is another name, however close the whole strings are: Jaro–Winkler on a
/// full Vietnamese name is lifted by the shared middle name (Sùng Thị Dung and Lường Thị
/// Phương scored 0.80).
static NAME: Ladder = Ladder {
    compared: |x| x.r.name.is_some(),
    levels: &[
        ("exact", |x| x.name().key == x.p.name.key),
        ("same_letters", |x| x.name().folded == x.p.name.folded || x.rk.letters == x.pk.letters),
        ("variant", |x| is_variant(x.name(), x.rk, &x.p.name, x.pk)),
        ("jw_0.92", |x| !x.other_name() && x.jw() >= 0.92),
        ("jw_0.80", |x| !x.other_name() && x.jw() >= 0.80),
        ("else", |_| true),
    ],
};

/// Date of birth. A side that knows less (year only, month/year), or both knowing only
/// that much, agrees on what it knows ("partial_agrees"), which is weak evidence.
static DOB: Ladder = Ladder {
    compared: |x| x.r.dob.is_some() && x.p.dob.is_some(),
    levels: &[
        ("exact", |x| x.dobs(|a, b| a == b && a.day != 0)),
        ("day_month_swap", |x| x.dobs(|a, b| a.is_swap_of(b))),
        ("partial_agrees", |x| x.dobs(|a, b| a.compatible_with(b))),
        ("same_month_year", |x| x.dobs(|a, b| a.year == b.year && a.month != 0 && a.month == b.month)),
        ("same_year", |x| x.dobs(|a, b| a.year == b.year)),
        ("year_mistyped", |x| {
            x.dobs(|a, b| a.day != 0 && a.day == b.day && a.month == b.month && year_mistyped(a.year, b.year))
        }),
        ("year_pm1", |x| x.dobs(|a, b| (a.year - b.year).abs() == 1)),
        ("else", |_| true),
    ],
};

/// Sex: the record's own, else the one its name's title says (`Ông`, `Bà`).
static SEX: Ladder = Ladder {
    compared: |x| x.record_sex().is_some() && x.p.sex.is_some(),
    levels: &[("agree", |x| x.record_sex() == x.p.sex), ("disagree", |_| true)],
};

static COMMUNE: Ladder = Ladder {
    compared: |x| x.r.commune.is_some() && x.p.commune.is_some(),
    levels: &[("agree", |x| x.same_commune()), ("disagree", |_| true)],
};

/// The record's personal ID against the person's: exact, one substitution or adjacent
/// transposition (or, for 11 digits starting with 0, one digit lost), else.
static ID: Ladder = Ladder {
    compared: |x| x.r.id.kind == IdKind::Personal || x.r.id.digit_lost(),
    levels: &[
        ("exact", |x| x.r.id.digits == x.p.pid.digits),
        ("one_edit", |x| one_edit(&x.r.id.digits, &x.p.pid.digits) || one_lost(&x.r.id.digits, &x.p.pid.digits)),
        ("else", |_| true),
    ],
};

/// Parents' names (education, civil status): agree when a parent the record names has the
/// same letters (folded) or the same phonetic form as that parent in the population;
/// disagree when some parent can be compared and none agrees.
static PARENTS: Ladder = Ladder {
    compared: |x| x.parents().any(|(_, a, b)| a.is_some() && b.is_some()),
    levels: &[
        ("agree", |x| {
            x.parents().any(|(k, a, b)| match (a, b) {
                (Some(a), Some(b)) => a.folded == b.folded || x.rk.parents[k] == x.pk.parents[k],
                _ => false,
            })
        }),
        ("disagree", |_| true),
    ],
};

/// The hamlet (bản, thôn, tổ) within an agreeing commune: namesakes of one commune and
/// birth year mostly live in different hamlets. Compared only where the communes agree,
/// so a hamlet name two communes share says nothing.
static HAMLET: Ladder = Ladder {
    compared: |x| x.same_commune() && x.r.hamlet.is_some() && x.p.hamlet.is_some(),
    levels: &[("agree", |x| x.r.hamlet == x.p.hamlet), ("disagree", |_| true)],
};

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
    pub fn levels(&self) -> Levels {
        Levels(Field::ALL.map(|f| f.compare(self)))
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
            .map(|(k, (a, b))| (k, a.as_ref().map(|(_, n)| n), b.as_ref()))
    }
}

/// Every field's level for one pair, reached by [`Field`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Levels([u8; NF]);

impl Levels {
    /// Levels given field by field ([`MISSING`] for the fields not named).
    pub fn of(levels: &[(Field, u8)]) -> Levels {
        let mut lv = Levels([MISSING; NF]);
        for &(f, l) in levels {
            lv[f] = l;
        }
        lv
    }

    /// The fields that were compared, with their levels, in [`Field::ALL`] order.
    pub fn compared(&self) -> impl Iterator<Item = (Field, u8)> + '_ {
        Field::ALL.into_iter().map(|f| (f, self[f])).filter(|&(_, l)| l != MISSING)
    }
}

impl Index<Field> for Levels {
    type Output = u8;
    fn index(&self, f: Field) -> &u8 {
        &self.0[f as usize]
    }
}

impl IndexMut<Field> for Levels {
    fn index_mut(&mut self, f: Field) -> &mut u8 {
        &mut self.0[f as usize]
    }
}

/// One value per field (m, u, weights, level counts), reached by [`Field`].
#[derive(Debug, Clone, PartialEq)]
pub struct PerField<T>([T; NF]);

impl<T> PerField<T> {
    /// A value for each field.
    pub fn from_fn(mut f: impl FnMut(Field) -> T) -> PerField<T> {
        PerField(Field::ALL.map(&mut f))
    }
}

impl<T> Index<Field> for PerField<T> {
    type Output = T;
    fn index(&self, f: Field) -> &T {
        &self.0[f as usize]
    }
}

impl<T> IndexMut<Field> for PerField<T> {
    fn index_mut(&mut self, f: Field) -> &mut T {
        &mut self.0[f as usize]
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
    let parents = [&r.father, &r.mother].map(|n| n.as_ref().map(|(_, n)| n));
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
