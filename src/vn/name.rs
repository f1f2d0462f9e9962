//! Personal names: display form, comparison keys, and the variant/mismatch decision.
//!
//! Takes a raw name as written; gives a [`Name`] with its canonical display form
//! (`Nguyễn Văn Hòa`: legacy encoding or mojibake repaired, NFC, old-style tone
//! placement, each syllable capitalised, single spaces) and its keys: exact, folded (no
//! diacritics), i/y-unified, without the middle name, and a phonetic key for minority
//! spellings. [`compare`] decides whether two names are the same, the same written
//! differently (and how), or different. Variant facts: `../shared/reference/names_vi.md`
//! and `vietnamese_text.md` §4.

use super::encoding::{self, Repair};
use super::sex::Sex;
use super::text;
use serde::Serialize;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// A normalized personal name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Name {
    /// Canonical display form, e.g. `Giàng A Páo`. (The three forms are boxed text, not
    /// strings: a person holds up to three names, a million at a time.)
    pub display: Box<str>,
    /// Lower case, tone placement canonical: equal keys mean the same spelling.
    pub key: Box<str>,
    /// Lower case without any diacritic (đ→d): equal folds mean the same letters.
    pub folded: Box<str>,
    /// Whether the written name carried any diacritic at all.
    pub has_marks: bool,
    /// Legacy encoding or mojibake repaired in this field.
    pub repair: Option<Repair>,
    /// A title was written before the name (`Ông`, `Hộ bà`, `HGĐ`): not part of it.
    pub titled: bool,
    /// The sex the title says (`Ông` male, `Bà` female), if it says one.
    pub title_sex: Option<Sex>,
}

/// Sino-Vietnamese and clan-spelling equivalents of minority surnames, folded: each name
/// of `rules/surname_classes.csv` (from `names_vi.md`; Dao Tẩn = Đặng, Mông Vàng = Vương
/// = Hoàng, Sùng = Tống, …) to the name of its class.
fn surname_class(folded: &str) -> Option<&'static str> {
    static CLASSES: OnceLock<std::collections::HashMap<String, String>> = OnceLock::new();
    let classes = CLASSES.get_or_init(|| {
        let rows = super::table_rows(include_str!("../../rules/surname_classes.csv"));
        rows.map(|row| {
            let mut cells = row.split(',');
            let (name, class) = (cells.next().unwrap_or(""), cells.next().unwrap_or(""));
            (text::fold(name), text::fold(class))
        })
        .collect()
    });
    classes.get(folded).map(String::as_str)
}

/// Middle names that registries drop, add or abbreviate (`names_vi.md`).
const DROPPABLE_MIDDLES: &[&str] = &["thi", "van", "a", "seo", "mi"];

impl Name {
    /// Normalizes a raw name. An empty or blank input gives `None`.
    pub fn parse(raw: &str) -> Option<Name> {
        // NFC first, so that NFC and NFD input meet the repair heuristics alike.
        let nfc: String = raw.nfc().collect();
        let (repaired, repair) = encoding::repair(&nfc);
        let cleaned = text::clean(&repaired);
        let (title, cleaned) = strip_title(&cleaned);
        if cleaned.is_empty() {
            return None;
        }
        let cleaned = split_joined_syllables(cleaned);
        let cleaned = cleaned.as_str();
        let canonical = text::canonical_tones(cleaned);
        let display = text::title_case(&canonical);
        let key = display.to_lowercase();
        let folded = text::fold(&display);
        Some(Name {
            has_marks: text::has_marks(cleaned),
            display: display.into_boxed_str(),
            key: key.into_boxed_str(),
            folded: folded.into_boxed_str(),
            repair,
            titled: title.is_some(),
            title_sex: title.flatten(),
        })
    }

    /// The folded form without its spaces: the letters, however the syllables are spaced.
    pub fn letters(&self) -> String {
        self.folded.replace(' ', "")
    }

    /// The last syllable of the folded form: the given name by which people are called.
    pub fn given_folded(&self) -> &str {
        self.folded.rsplit(' ').next().unwrap_or("")
    }

    /// The first syllable of the folded form (the surname in Vietnamese order).
    pub fn surname_folded(&self) -> &str {
        self.folded.split(' ').next().unwrap_or("")
    }

    /// The folded middle syllables (between surname and given name).
    pub fn middle_folded(&self) -> Vec<&str> {
        let parts: Vec<&str> = self.folded.split(' ').collect();
        if parts.len() <= 2 {
            Vec::new()
        } else {
            parts[1..parts.len() - 1].to_vec()
        }
    }

    /// Folded surname and given name only: `nguyen hoa` for `Nguyễn Thị Hoa`.
    pub fn without_middle(&self) -> String {
        format!("{} {}", self.surname_folded(), self.given_folded())
    }

    /// Folded, with syllable-final y after a consonant (and in `quy`) written i:
    /// Lý/Lí, Mỹ/Mĩ, Quý/Quí agree; Huy, Tây, Yên keep their y.
    pub fn iy_key(&self) -> String {
        self.folded.split(' ').map(iy_syllable).collect::<Vec<_>>().join(" ")
    }

    /// Phonetic key for blocking and the spelling-variant level: folded, surname class,
    /// i/y, s→x, tr→ch, gi/r→d, k→c, final ng/m→n, doubled vowels collapsed. It merges
    /// some different names, so it never decides a link alone.
    pub fn phonetic(&self) -> String {
        let mut out = Vec::new();
        for (i, syl) in self.folded.split(' ').enumerate() {
            let syl = if i == 0 { surname_class(syl).unwrap_or(syl) } else { syl };
            out.push(phonetic_syllable(&iy_syllable(syl)));
        }
        out.join(" ")
    }
}

/// The titles of `rules/name_titles.csv`: (words, sex), longest first as the table lists
/// them.
fn titles() -> &'static [(Vec<&'static str>, Option<Sex>)] {
    static TITLES: OnceLock<Vec<(Vec<&'static str>, Option<Sex>)>> = OnceLock::new();
    TITLES.get_or_init(|| {
        let rows = super::table_rows(include_str!("../../rules/name_titles.csv"));
        rows.map(|row| {
            let (title, sex) = row.split_once(',').unwrap_or((row, ""));
            let sex = match sex {
                "male" => Some(Sex::Male),
                "female" => Some(Sex::Female),
                "" => None,
                other => panic!("rules/name_titles.csv: sex '{other}' is not male, female or empty"),
            };
            (title.split(' ').collect(), sex)
        })
        .collect()
    })
}

/// The surnames of `rules/names_vi.csv` (from `../shared/reference/names_vi.csv`): lower
/// case with their marks, and folded.
struct Surnames {
    marked: std::collections::HashSet<String>,
    folded: std::collections::HashSet<String>,
}

fn known_surnames() -> &'static Surnames {
    static SURNAMES: OnceLock<Surnames> = OnceLock::new();
    SURNAMES.get_or_init(|| {
        let names: Vec<&str> = include_str!("../../rules/names_vi.csv")
            .lines()
            .skip(1)
            .filter_map(|l| {
                let mut cells = l.split(',');
                let (name, part) = (cells.next()?, cells.next()?);
                (part == "surname").then_some(name)
            })
            .collect();
        Surnames {
            marked: names.iter().map(|n| text::canonical_tones(&n.to_lowercase())).collect(),
            folded: names.iter().map(|n| text::fold(n)).collect(),
        }
    })
}

/// Splits a title off the front of a cleaned name (`Hộ ông Giàng A Sử` → `Giàng A Sử`,
/// male). Gives `Some(sex the title says)` when a title was removed, and the rest.
///
/// A word matches a title word by its marks (`hộ` is a title, `Hồ` a surname), or by its
/// letters where it is written without any mark (`Ong Lo Van Pau`). What remains must
/// still be a name of two syllables or more that does not start with a middle name
/// (`Ông Văn Dũng` is Mr Ông Văn Dũng, not Văn Dũng); after a title that is also a
/// surname's letters (`Ông`; `Chu` for Chú), a known surname or three syllables.
pub fn strip_title(cleaned: &str) -> (Option<Option<Sex>>, &str) {
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start = 0;
    for w in cleaned.split(' ') {
        words.push((start, w));
        start += w.len() + 1;
    }
    let word = |w: &str| w.trim_matches(|c: char| matches!(c, '.' | ':' | ',' | '-')).to_lowercase();
    if words.len() < 3 {
        return (None, cleaned);
    }
    // The first words as titles are matched: lower case with one tone placement, and
    // whether written without marks (titles have at most four words).
    let heads: Vec<(String, bool)> = words
        .iter()
        .take(4)
        .map(|(_, w)| {
            let w = word(w);
            let ascii = w.is_ascii();
            (text::canonical_tones(&w), ascii)
        })
        .collect();
    for (title, sex) in titles() {
        let n = title.len();
        if words.len() < n + 2 {
            continue;
        }
        let by_marks = heads[..n].iter().zip(title).all(|((w, _), t)| w == t);
        let by_letters = heads[..n].iter().zip(title).all(|((w, ascii), t)| *ascii && *w == text::fold(t));
        if !(by_marks || by_letters) {
            continue;
        }
        let start = words[n].0;
        // The rest as syllables (`Tòngvăn Hùng` is three).
        let rest = split_joined_syllables(&cleaned[start..]);
        let rest_words: Vec<String> = rest.split(' ').map(word).collect();
        let first = text::fold(&rest_words[0]);
        if DROPPABLE_MIDDLES.contains(&first.as_str()) {
            continue;
        }
        // A title that is also a surname (Ông; Chu for Chú written without marks) is a
        // title only before a known surname or a name of three syllables.
        let surnames = known_surnames();
        let also_surname = n == 1
            && if by_marks {
                surnames.marked.contains(title[0])
            } else {
                surnames.folded.contains(&text::fold(title[0]))
            };
        // (`Ông:` with its colon is a title whatever follows.)
        let punctuated = words[n - 1].1.ends_with([':', '.']);
        if also_surname && !punctuated && !surnames.folded.contains(&first) && rest_words.len() < 3 {
            continue;
        }
        return (Some(*sex), &cleaned[start..]);
    }
    (None, cleaned)
}

/// Syllable onsets of Vietnamese spelling, folded (`vietnamese_text.md` §1), longest
/// first; a syllable may also start with its vowel.
const ONSETS: &[&str] = &[
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "g", "h", "k", "l", "m", "n",
    "p", "r", "s", "t", "v", "x", "",
];

/// Syllable codas, folded; a syllable may also end in its vowel.
const CODAS: &[&str] = &["ng", "nh", "ch", "c", "m", "n", "p", "t", ""];

/// The vowel groups of Vietnamese rhymes, folded (`vietnamese_text.md` §1): a nucleus
/// with its medial (`oa`, `uy`) and off-glide (`ai`, `ieu`).
const NUCLEI: &[&str] = &[
    "a", "e", "i", "o", "u", "y", "ai", "ao", "au", "ay", "eo", "eu", "ia", "ie", "iu", "oa", "oe", "oi", "ua", "ue",
    "ui", "uo", "uu", "uy", "ye", "ieu", "yeu", "oai", "oay", "oao", "oeo", "uoi", "uou", "uya", "uye", "uyu", "uay",
];

/// A letter of a word as the syllable check sees it: folded, and its marks.
#[derive(Clone, Copy)]
struct Letter {
    folded: u8,
    /// Carries a tone mark (grave, acute, hook, tilde, dot below).
    tone: bool,
    /// ă or â, which a consonant or an off-glide always follows.
    closed_vowel: bool,
}

/// Whether letters are one syllable of Vietnamese spelling: an onset, a vowel group of
/// [`NUCLEI`], a coda; one tone mark at most; not ending in ă or â.
fn is_syllable(s: &[Letter]) -> bool {
    // One tone per syllable; ă and â never end one (văn, cầu; not vă).
    if s.iter().filter(|l| l.tone).count() > 1 || s.last().is_some_and(|l| l.closed_vowel) {
        return false;
    }
    let folded: Vec<u8> = s.iter().map(|l| l.folded).collect();
    ONSETS.iter().any(|onset| {
        folded.starts_with(onset.as_bytes()) && {
            let rest = &folded[onset.len()..];
            CODAS.iter().any(|coda| {
                rest.ends_with(coda.as_bytes()) && {
                    let nucleus = &rest[..rest.len() - coda.len()];
                    NUCLEI.iter().any(|n| n.as_bytes() == nucleus)
                }
            })
        }
    })
}

/// Where a word that is no syllable splits into syllables (`vănpấu` → [3]: `văn pấu`):
/// the fewest pieces, then the most pieces that start with a consonant (`thị mai`, not
/// `thịm ai`). `None` for a syllable, or a word that does not split.
fn syllable_cuts(w: &[Letter]) -> Option<Vec<usize>> {
    if w.is_empty() || w.len() > 24 || is_syllable(w) || !w.iter().all(|l| l.folded.is_ascii_lowercase()) {
        return None;
    }
    // best[i]: (pieces, pieces without onset, cut before the last piece) for w[..i].
    let mut best: Vec<Option<(usize, usize, usize)>> = vec![None; w.len() + 1];
    best[0] = Some((0, 0, 0));
    for end in 1..=w.len() {
        for start in end.saturating_sub(8)..end {
            let (Some((pieces, bare, _)), piece) = (best[start], &w[start..end]) else { continue };
            if !is_syllable(piece) {
                continue;
            }
            let bare = bare + usize::from(is_vowel(piece[0].folded));
            let candidate = (pieces + 1, bare, start);
            if best[end].is_none_or(|b| (candidate.0, candidate.1) < (b.0, b.1)) {
                best[end] = Some(candidate);
            }
        }
    }
    let mut cuts = Vec::new();
    let mut at = w.len();
    while at > 0 {
        let (_, _, start) = best[at]?;
        if start > 0 {
            cuts.push(start);
        }
        at = start;
    }
    cuts.reverse();
    (!cuts.is_empty()).then_some(cuts)
}

/// Whether folded letters make one syllable by their letters ([`is_syllable`] without
/// the marks).
fn folded_syllable(s: &[u8]) -> bool {
    let letters: Vec<Letter> = s.iter().map(|&b| Letter { folded: b, tone: false, closed_vowel: false }).collect();
    is_syllable(&letters)
}

/// A letter's folded form and marks.
fn letter(c: char) -> Letter {
    let lower: String = c.to_lowercase().collect();
    let decomposed: Vec<char> = lower.nfd().collect();
    Letter {
        folded: text::fold(&lower).bytes().next().unwrap_or(b'?'),
        tone: decomposed.iter().any(|m| matches!(m, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}')),
        closed_vowel: decomposed.first() == Some(&'a') && decomposed.iter().any(|m| matches!(m, '\u{306}' | '\u{302}')),
    }
}

/// A name whose syllables were typed together (`Lò Vănpấu`, `Thịmai`) with the spaces
/// put back, by the syllable shapes of Vietnamese spelling; any other name as it is.
fn split_joined_syllables(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, word) in name.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // Most words are one syllable by their letters alone, with one marked letter at
        // most: only the others are looked at letter by letter, marks included.
        let folded = text::fold(word).to_ascii_lowercase();
        if word.chars().filter(|c| !c.is_ascii()).count() <= 1 && folded_syllable(folded.as_bytes()) {
            out.push_str(word);
            continue;
        }
        // One letter per written letter (the name is NFC), so cut positions carry over.
        let chars: Vec<char> = word.chars().collect();
        let letters: Vec<Letter> = chars.iter().map(|&c| letter(c)).collect();
        match syllable_cuts(&letters) {
            Some(cuts) => {
                let mut last = 0;
                for cut in cuts.into_iter().chain([chars.len()]) {
                    if last > 0 {
                        out.push(' ');
                    }
                    out.extend(&chars[last..cut]);
                    last = cut;
                }
            }
            _ => out.push_str(word),
        }
    }
    out
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

pub(crate) fn iy_syllable(syl: &str) -> String {
    let b = syl.as_bytes();
    let n = b.len();
    if n >= 2 && b[n - 1] == b'y' && (!is_vowel(b[n - 2]) || syl == "quy") {
        format!("{}i", &syl[..n - 1])
    } else {
        syl.to_string()
    }
}

pub(crate) fn phonetic_syllable(syl: &str) -> String {
    let mut s = syl.to_string();
    for (from, to) in [("tr", "ch"), ("gi", "d"), ("r", "d"), ("s", "x")] {
        if let Some(rest) = s.strip_prefix(from) {
            s = format!("{to}{rest}");
        }
    }
    if s.starts_with('k') && !s.starts_with("kh") {
        s = format!("c{}", &s[1..]);
    }
    if let Some(stem) = s.strip_suffix("ng") {
        s = format!("{stem}n");
    } else if let Some(stem) = s.strip_suffix('m') {
        s = format!("{stem}n");
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(out.ends_with(c) && is_vowel(c as u8)) {
            out.push(c);
        }
    }
    out
}

/// How a registry name relates to the population's name for the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameRelation {
    /// Written exactly as the population writes it.
    Same,
    /// The same name written differently; the kind says how.
    Variant(VariantKind),
    /// A different name.
    Mismatch,
}

/// The kind of a spelling variant, reported with `NAME_VARIANT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantKind {
    /// Case or spacing only.
    Form,
    /// Decomposed Unicode (NFD), invisible on screen but not the same text.
    UnicodeForm,
    /// Tone mark placed on the other vowel (hoà / hòa).
    TonePlacement,
    /// Stored in a legacy encoding (TCVN3, VNI) or as mojibake; the note says which.
    LegacyEncoding(&'static str),
    /// Written without any diacritic.
    DiacriticsDropped,
    /// Diacritics present but different on some letters.
    DiacriticsDiffer,
    /// i written for y or y for i (Lý / Lí).
    IY,
    /// The middle name dropped, added or abbreviated (Nguyễn T. Hoa).
    MiddleName,
    /// A minority-name spelling variant or surname equivalent (Tẩn / Đặng, s / x).
    Spelling,
    /// Its marked letters lost to `?` by a code page that could not hold them.
    LettersLost,
}

impl VariantKind {
    /// Stable label used in output files.
    pub fn label(self) -> String {
        match self {
            VariantKind::Form => "form".into(),
            VariantKind::UnicodeForm => "unicode_form".into(),
            VariantKind::TonePlacement => "tone_placement".into(),
            VariantKind::LegacyEncoding(e) => format!("legacy_encoding:{e}"),
            VariantKind::DiacriticsDropped => "diacritics_dropped".into(),
            VariantKind::DiacriticsDiffer => "diacritics_differ".into(),
            VariantKind::IY => "i_y".into(),
            VariantKind::MiddleName => "middle_name".into(),
            VariantKind::Spelling => "spelling".into(),
            VariantKind::LettersLost => "letters_lost".into(),
        }
    }
}

/// Whether two keys are the same but for their spaces (compared without building them).
fn same_spaced(a: &str, b: &str) -> bool {
    a.chars().filter(|c| *c != ' ').eq(b.chars().filter(|c| *c != ' '))
}

/// Whether the middle names agree once droppable ones (Thị, Văn, A) and initials (T.)
/// are allowed for: `[]` ~ `[thi]`, `[t]` ~ `[thi]`, `[minh]` ≁ `[duc]`.
pub fn middles_agree(a: &[&str], b: &[&str]) -> bool {
    let strip = |v: &[&str]| -> Vec<String> {
        v.iter().filter(|m| !DROPPABLE_MIDDLES.contains(m)).map(|m| m.to_string()).collect()
    };
    let (a2, b2) = (strip(a), strip(b));
    // One side without any middle name: dropped (Nguyễn Hoa for Nguyễn Minh Hoa).
    if a2 == b2 || a.is_empty() || b.is_empty() {
        return true;
    }
    // Initials: each one-letter middle matches the first letter of the other side's.
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x == y || (x.len() == 1 && y.starts_with(*x)) || (y.len() == 1 && x.starts_with(*y)))
}

/// Compares a registry name (`raw` as written, and parsed) with the population's name.
/// `case_blind_source`: the field came from a TCVN3 file, which cannot write capital
/// toned letters, so a difference of case on those letters alone is no variant. ASCII
/// letters it writes in either case, so a name in capitals (`PHẠM VĂN DUYỆT`, which the
/// decoder restores from `PH¹M V¡N DUYÖT`) is the same case variant as in any file.
pub fn compare(raw: &str, registry: &Name, population: &Name, case_blind_source: bool) -> NameRelation {
    use NameRelation::*;
    // A title is not part of the name: compare what follows it.
    let raw = if registry.titled { strip_title(text::clean(raw).as_str()).1.to_string() } else { raw.to_string() };
    let raw = raw.as_str();
    if raw == &*population.display {
        return Same;
    }
    if let Some(r) = registry.repair {
        if registry.iy_key() == population.iy_key() || registry.phonetic() == population.phonetic() {
            return Variant(VariantKind::LegacyEncoding(r.label()));
        }
        return Mismatch;
    }
    if registry.key == population.key {
        if case_blind_source && case_differs_only_where_unwritable(&raw.nfc().collect::<String>(), &population.display)
        {
            return Same;
        }
        let nfc: String = raw.nfc().collect();
        let kind = if *nfc == *population.display {
            VariantKind::UnicodeForm
        } else if *text::clean(raw).to_lowercase() == *population.key {
            VariantKind::Form
        } else if *text::canonical_tones(&text::clean(raw).to_lowercase()) == *population.key {
            VariantKind::TonePlacement
        } else {
            VariantKind::Form
        };
        return Variant(kind);
    }
    // Syllables typed together where the split is ambiguous (`Phànga Tú`: Phàng A or Phàn
    // Ga), against the population's own spacing: the same letters.
    if same_spaced(&registry.folded, &population.folded) {
        return Variant(if same_spaced(&registry.key, &population.key) {
            VariantKind::Form
        } else if registry.has_marks {
            VariantKind::DiacriticsDiffer
        } else {
            VariantKind::DiacriticsDropped
        });
    }
    if lost_letters_agree(registry, population) {
        return Variant(VariantKind::LettersLost);
    }
    if registry.iy_key() == population.iy_key() {
        return Variant(VariantKind::IY);
    }
    if registry.without_middle() == population.without_middle()
        && middles_agree(&registry.middle_folded(), &population.middle_folded())
    {
        return Variant(VariantKind::MiddleName);
    }
    if registry.phonetic() == population.phonetic() {
        return Variant(VariantKind::Spelling);
    }
    Mismatch
}

/// Whether `written` (from a TCVN3 file) and `known` are the same text but for the case
/// of letters TCVN3 cannot write as capitals: the toned ones, whose capitals it lacks.
/// (The seven capitals it has, Ă Â Ê Ô Ơ Ư Đ, are not taken as evidence either: typed
/// with an upper-case font, their lower-case bytes show as capitals.) A case difference
/// on an ASCII letter is one the writer made.
fn case_differs_only_where_unwritable(written: &str, known: &str) -> bool {
    written.chars().count() == known.chars().count()
        && written
            .chars()
            .zip(known.chars())
            .all(|(w, k)| w == k || (!w.is_ascii() && w.to_lowercase().eq(k.to_lowercase())))
}

/// A name key as a code page without Vietnamese letters writes it: every marked letter
/// (and đ) a `?`. Tier 3 blocks on it, and [`lost_letters_agree`] compares with it.
pub fn lost_letters_form(key: &str) -> impl Iterator<Item = char> + '_ {
    key.chars().map(|c| if c.is_ascii() { c } else { '?' })
}

/// A written name's letters with each lost one as `?`, if it lost any: `?` from a code page
/// that could not hold a letter (`Gi?ng A P?o`), or U+FFFD, the replacement character a
/// decoder writes for bytes it could not read (`Gi�ng A P�o`).
pub fn lost_letters_written(folded: &str) -> Option<impl Iterator<Item = char> + '_> {
    folded.contains(['?', '\u{FFFD}']).then(|| folded.chars().map(|c| if c == '\u{FFFD}' { '?' } else { c }))
}

/// Whether a name an export wrote with its marked letters lost (each one `?` or U+FFFD:
/// [`lost_letters_written`]) is this name: every lost letter stands for one letter that
/// carries a mark (or đ), every other letter agrees.
pub fn lost_letters_agree(written: &Name, person: &Name) -> bool {
    lost_letters_written(&written.folded).is_some_and(|w| w.eq(lost_letters_form(&person.key)))
}

/// Whether two folded names are the same syllables in another order (a given name written
/// first), compared without building sorted copies.
pub fn same_syllables(a: &str, b: &str) -> bool {
    let count = |s: &str, w: &str| s.split(' ').filter(|x| *x == w).count();
    a.split(' ').count() == b.split(' ').count() && a.split(' ').all(|w| count(a, w) == count(b, w))
}

/// Whether two names clearly belong to different people: surname or given name differ
/// even phonetically (surname classes included) and the folded full names are not
/// close (normalized Levenshtein below 0.85). Used, with the date of birth, to refuse
/// an ID link.
pub fn clearly_differ(a: &Name, b: &Name) -> bool {
    let (pa, pb) = (a.phonetic(), b.phonetic());
    let ends =
        |p: &str| (p.split(' ').next().unwrap_or("").to_string(), p.rsplit(' ').next().unwrap_or("").to_string());
    ends(&pa) != ends(&pb) && strsim::normalized_levenshtein(&a.folded, &b.folded) < 0.85
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    /// Mông and Dao clans written with their Sino-Vietnamese names in another registry
    /// (`rules/surname_classes.csv`, from names_vi.md): the same name, a spelling
    /// variant; a different given name is still another person.
    #[test]
    fn sino_vietnamese_surname_equivalents_are_spelling_variants() {
        for (a, b) in [
            ("Vàng Thị Dợ", "Hoàng Thị Dợ"),
            ("Vàng Thị Dợ", "Vương Thị Dợ"),
            ("Sùng A Chứ", "Tống A Chứ"),
            ("Xùng A Chứ", "Tống A Chứ"),
            ("Giàng A Páo", "Dương A Páo"),
            ("Thào A Lử", "Đào A Lử"),
            ("Lầu Thị Mai", "Lưu Thị Mai"),
            ("Tẩn Láo Lở", "Đặng Láo Lở"),
        ] {
            let (x, y) = (Name::parse(a).unwrap(), Name::parse(b).unwrap());
            assert_eq!(compare(a, &x, &y, false), NameRelation::Variant(VariantKind::Spelling), "{a} / {b}");
        }
        let (x, y) = (Name::parse("Vàng Thị Dợ").unwrap(), Name::parse("Hoàng Thị Mai").unwrap());
        assert_eq!(compare("Vàng Thị Dợ", &x, &y, false), NameRelation::Mismatch);
    }

    /// Syllables typed together (`Lò Vănpấu`, `Thịmai`) are the same name, a spacing
    /// variant (`form`), not a NAME_MISMATCH; a word that is one syllable, or that no
    /// syllables make up, stays as it is.
    #[test]
    fn syllables_run_together_are_the_same_name() {
        for (raw, want) in [
            ("Lò Vănpấu", "Lò Văn Pấu"),
            ("Lường Thịmai", "Lường Thị Mai"),
            ("Nguyễn Anhtuấn", "Nguyễn Anh Tuấn"),
            ("Giàng Asử", "Giàng A Sử"),
            ("Lê Vănhùng", "Lê Văn Hùng"),
            ("Lê Văninh", "Lê Văn Inh"),
            ("Lò Thịọn", "Lò Thị Ọn"),
            ("Vì Thịánh", "Vì Thị Ánh"),
        ] {
            let n = Name::parse(raw).unwrap();
            assert_eq!(&*n.display, want, "{raw}");
            let population = Name::parse(want).unwrap();
            assert_eq!(compare(raw, &n, &population, false), NameRelation::Variant(VariantKind::Form), "{raw}");
        }
        // Where the split is ambiguous (Phàng A or Phàn Ga; Vừa is a syllable), the
        // population's spacing decides: the same letters.
        for (raw, population) in [("Phànga Tú", "Phàng A Tú"), ("Vừa Chá", "Vừ A Chá"), ("LòVăn Pấu", "Lò Văn Pấu")]
        {
            let (n, p) = (Name::parse(raw).unwrap(), Name::parse(population).unwrap());
            assert_eq!(compare(raw, &n, &p, false), NameRelation::Variant(VariantKind::Form), "{raw}");
        }
        for raw in ["Nguyễn Văn Khuyến", "Giàng A Nghiêng", "Hoàng Thị Quỳnh", "H'Mông Kpă", "Lò Văn Xyz"]
        {
            assert_eq!(&*Name::parse(raw).unwrap().display, text::title_case(&text::canonical_tones(raw)), "{raw}");
        }
    }

    /// Land registers write the owner with a title (`Ông`, `Bà`, `Hộ ông`, `HGĐ`, …): a
    /// quarter of land rows of the independent evaluation province, of which less than
    /// half linked, because the title became the surname. A title is not part of the
    /// name; where it has a sex, it says the person's.
    #[test]
    fn a_title_before_a_name_is_not_part_of_it() {
        let cases = [
            ("Ông Lò Văn Pấu", "Lò Văn Pấu", Some(Sex::Male)),
            ("Bà Vàng Thị Dợ", "Vàng Thị Dợ", Some(Sex::Female)),
            ("Hộ ông Giàng A Sử", "Giàng A Sử", Some(Sex::Male)),
            ("Hộ bà: Lường Thị Ánh", "Lường Thị Ánh", Some(Sex::Female)),
            ("HGĐ Tẩn Láo Lở", "Tẩn Láo Lở", None),
            ("Hộ gia đình ông Sùng A Chứ", "Sùng A Chứ", Some(Sex::Male)),
            ("HỘ GIA ĐÌNH BÀ LÒ THỊ XUÂN", "Lò Thị Xuân", Some(Sex::Female)),
            ("Cụ Hầu Thị Pằng", "Hầu Thị Pằng", None),
            ("Anh Giàng A Páo", "Giàng A Páo", Some(Sex::Male)),
            ("Chị Vàng Thị Mỷ", "Vàng Thị Mỷ", Some(Sex::Female)),
            ("Ong Lo Van Pau", "Lo Van Pau", Some(Sex::Male)),
            ("Ho ong Giang A Su", "Giang A Su", Some(Sex::Male)),
            ("Ông Tòngvăn Hùng", "Tòng Văn Hùng", Some(Sex::Male)),
            ("Hộ Nguyễnvăn Tịnh", "Nguyễn Văn Tịnh", None),
            ("Ông: Vừa Lềnh", "Vừa Lềnh", Some(Sex::Male)),
        ];
        for (raw, display, sex) in cases {
            let n = Name::parse(raw).unwrap();
            assert_eq!((&*n.display, n.titled, n.title_sex), (display, true, sex), "{raw}");
            let population = Name::parse(display).unwrap();
            let relation = compare(raw, &n, &population, false);
            assert!(
                matches!(relation, NameRelation::Same | NameRelation::Variant(VariantKind::Form)),
                "{raw}: {relation:?}"
            );
        }
        // Names that start like a title are names: the surname Hồ (not hộ), Chu (not
        // chú, when written without marks), Ông before a middle name, a single syllable.
        for raw in
            ["Hồ Văn Nam", "Ho Van Nam", "Chu Minh Hoang", "Ông Văn Dũng", "Ông Thị Hoa", "Bà Pấu", "Anh Thị Lan"]
        {
            let n = Name::parse(raw).unwrap();
            assert!(!n.titled, "{raw} is a name: {n:?}");
            assert_eq!(&*n.display, text::title_case(&text::canonical_tones(&text::clean(raw))), "{raw}");
        }
    }

    fn n(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn display_table() {
        let cases = [
            ("NGUYỄN  VĂN hoà", "Nguyễn Văn Hòa"),
            ("giàng a páo", "Giàng A Páo"),
            ("VÀNG THỊ MỶ", "Vàng Thị Mỷ"),
            ("Ðặng Thị Thuỷ", "Đặng Thị Thủy"),
            ("  lò   văn   ánh ", "Lò Văn Ánh"),
        ];
        for (input, want) in cases {
            assert_eq!(&*n(input).display, want, "{input:?}");
        }
        assert_eq!(Name::parse("   "), None);
    }

    #[test]
    fn relation_table() {
        use NameRelation::*;
        use VariantKind::*;
        let cases = [
            ("Nguyễn Văn Hòa", "Nguyễn Văn Hòa", Same),
            ("NGUYỄN VĂN HÒA", "Nguyễn Văn Hòa", Variant(Form)),
            ("Nguyễn Văn Hoà", "Nguyễn Văn Hòa", Variant(TonePlacement)),
            ("Nguyen Van Hoa", "Nguyễn Văn Hòa", Variant(DiacriticsDropped)),
            ("Nguyễn Văn Hóa", "Nguyễn Văn Hòa", Variant(DiacriticsDiffer)),
            ("Nguyễn Văn Hùng", "Nguyễn Văn Hòa", Mismatch),
            ("Giàng A Páo", "Giàng A Pó", Mismatch),
            ("Lí Thị Mẩy", "Lý Thị Mẩy", Variant(IY)),
            ("Nguyễn Hoa", "Nguyễn Thị Hoa", Variant(MiddleName)),
            ("Nguyễn T. Hoa", "Nguyễn Thị Hoa", Variant(MiddleName)),
            ("Giàng Páo", "Giàng A Páo", Variant(MiddleName)),
            ("Nguyễn Minh Hoa", "Nguyễn Đức Hoa", Mismatch),
            ("Nguyễn Hoa", "Nguyễn Minh Hoa", Variant(MiddleName)),
            ("Đặng Láo Lở", "Tẩn Láo Lở", Variant(Spelling)),
            ("Xùng A Chứ", "Sùng A Chứ", Variant(Spelling)),
            ("Triệu Văn Tả", "Chảo Văn Tả", Variant(Spelling)),
            ("Nguyễn Văn Hùng", "Nguyễn Văn Hưng", Variant(DiacriticsDiffer)),
            ("Lò Văn Ánh", "Lò Văn Tâm", Mismatch),
        ];
        for (raw, pop, want) in cases {
            assert_eq!(compare(raw, &n(raw), &n(pop), false), want, "{raw:?} vs {pop:?}");
        }
        let nfd: String = "Nguyễn Văn Hòa".nfd().collect();
        assert_eq!(compare(&nfd, &n(&nfd), &n("Nguyễn Văn Hòa"), false), Variant(UnicodeForm));
        assert_eq!(
            compare("Giµng A P¸o", &n("Giµng A P¸o"), &n("Giàng A Páo"), false),
            Variant(LegacyEncoding("tcvn3"))
        );
        assert_eq!(compare("Lò Văn ánh", &n("Lò Văn ánh"), &n("Lò Văn Ánh"), true), Same);
    }

    /// A land file in TCVN3 with the owner's name typed in capitals (`PH¹M V¡N DUYÖT`,
    /// generated 500 000-person province): the decoder restores the capitals, and the
    /// comparison used to forgive every case difference of a TCVN3 file: 5 866 of the
    /// 6 432 NAME_VARIANT it missed were such land names.
    #[test]
    fn tcvn3_name_in_capitals_is_a_variant() {
        use NameRelation::*;
        use VariantKind::*;
        let written = crate::vn::encoding::decode("PH¹M V¡N DUYÖT", crate::vn::encoding::Legacy::Tcvn3);
        assert_eq!(written, "PHẠM VĂN DUYỆT");
        assert_eq!(compare(&written, &n(&written), &n("Phạm Văn Duyệt"), true), Variant(Form));
        // Toned capitals TCVN3 cannot write: no variant; ASCII ones in lower case: a variant.
        assert_eq!(compare("Lò Văn ánh", &n("Lò Văn ánh"), &n("Lò Văn Ánh"), true), Same);
        assert_eq!(compare("lò văn ánh", &n("lò văn ánh"), &n("Lò Văn Ánh"), true), Variant(Form));
        assert_eq!(compare("Lò  Văn ánh", &n("Lò  Văn ánh"), &n("Lò Văn Ánh"), true), Variant(Form));
    }

    #[test]
    fn clearly_differ_table() {
        assert!(clearly_differ(&n("Lò Văn Ánh"), &n("Nguyễn Thị Hoa")));
        assert!(!clearly_differ(&n("Lò Văn Ánh"), &n("Lò Văn Anh")));
        assert!(!clearly_differ(&n("Giàng A Páo"), &n("Giàng Páo")));
        assert!(clearly_differ(&n("Cầm Văn Sơn"), &n("Bạc Văn Sơn")));
        assert!(!clearly_differ(&n("Tẩn Láo Lở"), &n("Đặng Láo Lở")));
    }

    #[test]
    fn keys_table() {
        assert_eq!(n("Nguyễn Thị Minh Khai").middle_folded(), vec!["thi", "minh"]);
        assert_eq!(n("Nguyễn Thị Hoa").without_middle(), "nguyen hoa");
        assert_eq!(n("Lý Thị Mỹ").iy_key(), "li thi mi");
        assert_eq!(n("Quý").iy_key(), "qui");
        assert_eq!(n("Huy").iy_key(), "huy");
        assert_eq!(n("Tẩn Láo Lở").phonetic(), n("Đặng Láo Lở").phonetic());
        assert_eq!(n("Sính").phonetic(), n("Xính").phonetic());
        assert_eq!(n("Hua Bum").phonetic(), n("Hua Bun").phonetic());
        assert_ne!(n("Khánh").phonetic(), n("Chánh").phonetic());
    }

    #[test]
    fn repaired_fields_say_how() {
        let x = n("NguyÔn V¨n Hïng");
        assert_eq!(&*x.display, "Nguyễn Văn Hùng");
        assert_eq!(x.repair, Some(Repair::Legacy(encoding::Legacy::Tcvn3)));
        assert_eq!(n("Nguyá»…n VÄƒn HÃ¹ng").repair, Some(Repair::Mojibake));
    }
}

#[cfg(test)]
mod lost_letters_tests {
    use super::*;

    #[test]
    fn question_marks_stand_for_the_marked_letters_only() {
        let p = Name::parse("Giàng A Páo").expect("a name");
        assert!(lost_letters_agree(&Name::parse("Gi?ng A P?o").expect("a name"), &p));
        assert!(!lost_letters_agree(&Name::parse("Gi?ng A P?u").expect("a name"), &p), "an unmarked letter differs");
        assert!(!lost_letters_agree(&Name::parse("G?ang A P?o").expect("a name"), &p), "a ? for an unmarked letter");
        assert!(!lost_letters_agree(&Name::parse("Giàng A Páo").expect("a name"), &p), "no ? at all is another level");
        // The decoder's replacement character, the same loss.
        assert!(lost_letters_agree(&Name::parse("Gi\u{FFFD}ng A P\u{FFFD}o").expect("a name"), &p));
    }
}
