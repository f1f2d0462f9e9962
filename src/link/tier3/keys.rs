//! 64-bit keys: of the blocking values (a name and a birth year, a commune and a date, …)
//! and of a name's comparison forms, computed once per person and per record so that
//! blocking and the name ladders compare numbers, not freshly built strings.

use crate::vn::date::PartialDate;
use crate::vn::name;

/// A 64-bit key of a blocking value (FNV-1a over its parts). A collision only adds a
/// candidate, which scoring then judges; it never removes one.
pub fn key(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// 64-bit keys of a name's i/y-unified form, its form without middle name and its
/// phonetic form, and of the parents' phonetic forms (father, mother): computed once per
/// person and per record, so that the name and parents ladders compare numbers, not
/// freshly built strings, for every pair.
#[derive(Debug, Clone, Copy, Default)]
pub struct NameKeys {
    pub(super) iy: u64,
    pub(super) without_middle: u64,
    pub(super) phonetic: u64,
    /// The folded letters without spaces (syllables typed together or apart).
    pub(super) letters: u64,
    /// Phonetic surname and given name (the first and last syllables).
    pub(super) ends: [u64; 2],
    /// Parents' phonetic names (father, mother; 0 for a parent not named).
    pub(super) parents: [u64; 2],
}

impl NameKeys {
    /// The keys of a name (its phonetic form built here).
    pub fn of(n: &name::Name) -> NameKeys {
        NameKeys::with_phonetic(n, &n.phonetic())
    }

    /// The keys when the phonetic form is already built (the index builds it for blocking).
    pub fn with_phonetic(n: &name::Name, phonetic: &str) -> NameKeys {
        let (surname, given) = ends(phonetic);
        NameKeys {
            iy: key(&[n.iy_key().as_bytes()]),
            without_middle: key(&[n.without_middle().as_bytes()]),
            phonetic: key(&[phonetic.as_bytes()]),
            letters: key(&[n.letters().as_bytes()]),
            ends: [key(&[surname.as_bytes()]), key(&[given.as_bytes()])],
            parents: [0; 2],
        }
    }

    /// With the parents' phonetic keys (father, mother; 0 for a parent not named).
    pub fn with_parents(mut self, parents: [Option<&name::Name>; 2]) -> NameKeys {
        self.parents = parents.map(|n| n.map_or(0, |n| key(&[n.phonetic().as_bytes()])));
        self
    }
}

/// A folded name's syllables in alphabetical order, space-separated.
pub fn sorted_syllables(folded: &str) -> String {
    let mut s: Vec<&str> = folded.split(' ').collect();
    s.sort_unstable();
    s.join(" ")
}

/// The first and last syllables of a name (surname and given name).
pub fn ends(phonetic: &str) -> (&str, &str) {
    (phonetic.split(' ').next().unwrap_or(""), phonetic.rsplit(' ').next().unwrap_or(""))
}

/// Folded full name and birth year: the name's letters without its spaces, so that
/// syllables typed together (`Phànga Tú`, whatever the split) meet their person.
pub fn name_year_key(folded: &str, year: i32) -> u64 {
    let letters: Vec<u8> = folded.bytes().filter(|&b| b != b' ').collect();
    key(&[&letters, &year.to_le_bytes()])
}

/// Phonetic surname and given name, birth year.
pub fn phonetic_year_key(phonetic: &str, year: i32) -> u64 {
    let (s, g) = ends(phonetic);
    key(&[s.as_bytes(), g.as_bytes(), &year.to_le_bytes()])
}

/// The first letters of a phonetic name's middle syllables ("" without a middle name).
pub fn middle_initials(phonetic: &str) -> Vec<u8> {
    let syllables: Vec<&str> = phonetic.split(' ').collect();
    let n = syllables.len();
    if n < 3 {
        return Vec::new();
    }
    syllables[1..n - 1].iter().filter_map(|m| m.bytes().next()).collect()
}

/// Phonetic surname and given name, the middle names' initials, birth year. A record
/// with a middle name looks up its own initials and the people without a middle name; a
/// record without one uses [`phonetic_year_key`] (everyone). Common Kinh names
/// (Nguyễn … Hùng) otherwise put every middle name of a year in one block.
pub fn phonetic_middle_year_key(phonetic: &str, middle: &[u8], year: i32) -> u64 {
    let (s, g) = ends(phonetic);
    key(&[s.as_bytes(), middle, g.as_bytes(), &year.to_le_bytes()])
}

/// A parent's folded name, the child's birth year and commune (children's registries name
/// the parents). Without the commune, common mothers' names made blocks of cousins and
/// neighbours: 1.5 M pairs in the education registry of 500 000 people for 9 links.
pub fn parent_year_key(parent: &str, year: i32, commune: &str) -> u64 {
    key(&[b"parent", parent.as_bytes(), &year.to_le_bytes(), commune.as_bytes()])
}

/// Commune code and full date of birth.
pub fn commune_dob_key(code: &str, d: &PartialDate) -> u64 {
    key(&[code.as_bytes(), &d.year.to_le_bytes(), &[d.month, d.day]])
}

/// Folded name, day and month of birth: every other rule keys on the birth year, so a
/// mistyped year (1987 for 1988) would find no candidate at all.
pub fn name_day_month_key(folded: &str, d: &PartialDate) -> u64 {
    key(&[b"day_month", folded.as_bytes(), &[d.month, d.day]])
}

/// An ID's digits as a number. Only used on IDs of one kind (all 12 or all 9 digits), so
/// leading zeros cannot make two IDs equal.
pub fn id_number(digits: &[u8]) -> u64 {
    digits.iter().fold(0u64, |n, &b| n.wrapping_mul(10).wrapping_add(u64::from(b.wrapping_sub(b'0'))))
}
