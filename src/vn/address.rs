//! Free-text addresses: split into house, hamlet, commune, district and province, and
//! written out in full. The parts are told apart by their type words
//! ([`super::unit_words`]); resolving the commune to its 2025 unit is [`super::admin`]'s.

use super::text;
use super::unit_words::{
    commune_words, district_words, folded_words, hamlet_words, name_key, province_words, strip_type, type_words,
};
use std::sync::OnceLock;

/// A free-text address split into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// House number (`SN 12`, `Số 12`).
    pub house: Option<String>,
    /// Hamlet, village or residential group (`Bản Nà Tăm`, `Tổ 5`).
    pub hamlet: Option<String>,
    /// The commune as written.
    pub commune: Option<String>,
    /// The legacy district as written.
    pub district: Option<String>,
    /// The province as written.
    pub province: Option<String>,
    /// The commune was named with its type word (`Xã Mù Cả`, `X. Mù Cả`), not guessed
    /// from its place among parts that have none.
    pub commune_typed: bool,
    /// The parts written without any type word, in order: where the commune and
    /// district are, when the address does not say (`Mù Cả - Mường Tè`).
    pub untyped: Vec<String>,
}

/// Whether the last part of an address names a province: `Tỉnh …`/`T. …`, or `Thành
/// phố …` of a centrally-run city (the former district-level `Thành phố Lai Châu` is
/// a district, though its name is the province's).
fn is_province_part(folded: &str) -> bool {
    static CITIES: OnceLock<Vec<String>> = OnceLock::new();
    let cities = CITIES.get_or_init(|| {
        let mut v: Vec<String> = include_str!("../../rules/admin_units_2025.csv")
            .lines()
            .skip(1)
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[5] == "thành phố trung ương").then(|| name_key(f[1], province_words()))
            })
            .collect();
        v.sort();
        v.dedup();
        v
    });
    match strip_type(folded, province_words()) {
        (true, rest) if folded.starts_with("thanh pho ") || folded.starts_with("tp ") => {
            cities.contains(&rest.replace(' ', ""))
        }
        (matched, _) => matched,
    }
}

/// The hamlet of an address as a comparison key: folded, without its type word, so
/// `Bản Nà Tăm`, `B. Nà Tăm` and `ban na tam` agree (`Tổ 5` is `5`). `None` when the
/// address names no hamlet.
pub fn hamlet_key(address: &str) -> Option<String> {
    let hamlet = parse(address).hamlet?;
    // Letters and digits only: a stray mark of an export (`Bản Nà Tăm ?`, `Tổ 5.`) is no
    // part of the name.
    let folded: String = folded_words(&hamlet).chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    let key = strip_type(folded.trim_start(), hamlet_words()).1.split_whitespace().collect::<Vec<_>>().join(" ");
    (!key.is_empty()).then_some(key)
}

/// Splits an address into its parts and classifies each by its type word (abbreviations
/// with or without dots, any case, with or without diacritics). Parts are separated by
/// commas, semicolons, dashes between words, or nothing at all: a unit's type word after
/// a named unit starts the next part (`Bản Nậm Ty xã Mù Cả huyện Mường Tè`, `X Mù Cả H
/// Mường Tè`). `UBND` (the commune's People's Committee) names the commune.
pub fn parse(raw: &str) -> Address {
    let mut a = Address::default();
    let parts = split(raw);
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.iter().enumerate() {
        let f = folded_words(part);
        let value = Some(text::clean(part));
        if i == last && i > 0 && is_province_part(&f) {
            a.province = value;
        } else if strip_type(&f, commune_words()).0 {
            a.commune = value;
            a.commune_typed = true;
        } else if strip_type(&f, district_words()).0 {
            a.district = value;
        } else if strip_type(&f, &["so nha", "so", "sn"]).0 || f.starts_with(|c: char| c.is_ascii_digit()) {
            a.house = value;
        } else if strip_type(&f, hamlet_words()).0 {
            a.hamlet = value;
        } else if i == last && i > 0 {
            // Untyped and last: the province, or a district or commune written bare.
            a.untyped.push(text::clean(part));
            a.province = value;
        } else {
            a.untyped.push(text::clean(part));
            if a.commune.is_none() && a.hamlet.is_some() {
                a.commune = value;
            } else if a.hamlet.is_none() {
                a.hamlet = value;
            }
        }
    }
    a
}

/// The parts of an address: pieces between commas, semicolons and dashes (a dash between
/// two digits is a house number's), each cut again where a type word starts a new unit.
fn split(raw: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let chars: Vec<(usize, char)> = raw.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let digit = |j: Option<&(usize, char)>| j.is_some_and(|(_, c)| c.is_ascii_digit());
        let dash = matches!(c, '-' | '–' | '—') && !(k > 0 && digit(chars.get(k - 1)) && digit(chars.get(k + 1)));
        if matches!(c, ',' | ';' | '|') || dash {
            pieces.push(&raw[start..i]);
            start = i + c.len_utf8();
        }
    }
    pieces.push(&raw[start..]);
    pieces.into_iter().flat_map(at_type_words).map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// A word of an address piece: where it starts and ends, lower case with its marks, and
/// its letters.
struct Word {
    start: usize,
    end: usize,
    lower: String,
    folded: String,
    ascii: bool,
}

/// Cuts a piece before each type word that follows a named unit; drops `UBND` and `Ủy ban
/// nhân dân` (the commune's People's Committee stands for the commune).
fn at_type_words(piece: &str) -> Vec<&str> {
    let words: Vec<Word> = piece
        .split(|c: char| c.is_whitespace() || c == '.')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let start = w.as_ptr() as usize - piece.as_ptr() as usize;
            let lower = text::canonical_tones(&w.to_lowercase());
            let folded = text::fold(&lower);
            Word { start, end: start + w.len(), lower, folded, ascii: w.is_ascii() }
        })
        .collect();
    let mut parts = Vec::new();
    let mut part_start: Option<usize> = None; // word index where the current part starts
    let mut typed_len = 0; // words of the current part's type word
    let mut rank = 0; // the current part's level (0 when it has no type word)
    let mut cut = false;
    let mut k = 0;
    while k < words.len() {
        let committee = committee_len(&words[k..]);
        if committee > 0 {
            if let Some(s) = part_start.take() {
                parts.push(&piece[words[s].start..words[k - 1].end]);
            }
            cut = true;
            k += committee;
            continue;
        }
        let (type_len, type_rank) = type_word(&words[k..]);
        match part_start {
            None => {
                part_start = Some(k);
                (typed_len, rank) = (type_len, type_rank);
            }
            // A unit of a higher level than the current part's (an address runs from
            // the house to the province), after a named part, and followed by a name.
            Some(s)
                if type_len > 0
                    && type_rank > rank.max(Level::Hamlet as u8)
                    && k - s > typed_len
                    && k + type_len < words.len() =>
            {
                parts.push(&piece[words[s].start..words[k - 1].end]);
                part_start = Some(k);
                (typed_len, rank) = (type_len, type_rank);
                cut = true;
            }
            Some(_) => {}
        }
        k += type_len.max(1);
    }
    if !cut {
        // Nothing to cut: the piece as written.
        return vec![piece];
    }
    if let Some(s) = part_start {
        parts.push(&piece[words[s].start..]);
    }
    parts
}

/// How many words at the start of `words` say "People's Committee" (`UBND`, `Ủy ban nhân
/// dân`), 0 if none.
fn committee_len(words: &[Word]) -> usize {
    if words.first().is_some_and(|w| w.folded == "ubnd") {
        1
    } else if words.len() >= 4 && words[..4].iter().map(|w| w.folded.as_str()).eq(["uy", "ban", "nhan", "dan"]) {
        4
    } else {
        0
    }
}

/// The level of an address part, from the house up.
#[derive(Clone, Copy)]
enum Level {
    House = 1,
    Hamlet,
    Commune,
    District,
    Province,
}

/// How many words at the start of `words` are a unit type word, and the lowest level it
/// names ((0, 0) if none): an abbreviation in ASCII letters (`X`, `H`, `TT`, `tdp`), or
/// a full word with its marks (`xã`, `Huyện`, `thị trấn`), or the letters of a full word
/// of three letters or more (or `xa`) written without marks.
fn type_word(words: &[Word]) -> (usize, u8) {
    for entry in spelled_type_words() {
        let n = entry.full.len();
        if entry.abbreviation && words[0].ascii && words[0].lower == entry.word {
            return (1, entry.rank);
        }
        if words.len() >= n
            && words[..n]
                .iter()
                .zip(&entry.full)
                .all(|(w, f)| w.lower == f.0 || (w.ascii && (f.1.len() >= 3 || f.1 == "xa") && w.lower == f.1))
        {
            return (n, entry.rank);
        }
    }
    (0, 0)
}

/// A type word as the address splitter matches it.
struct Spelled {
    /// The word of the table (folded): `x`, `xa`, `thi tran`.
    word: &'static str,
    /// An abbreviation (`x` for Xã), not the full word's letters.
    abbreviation: bool,
    /// The lowest level it names ([`Level`]).
    rank: u8,
    /// The full word's syllables: (lower case with marks, folded).
    full: Vec<(String, String)>,
}

fn spelled_type_words() -> &'static [Spelled] {
    static SPELLED: OnceLock<Vec<Spelled>> = OnceLock::new();
    SPELLED.get_or_init(|| {
        type_words()
            .full
            .iter()
            .map(|(word, full)| Spelled {
                word,
                abbreviation: text::fold(full) != *word,
                rank: [
                    (hamlet_words(), Level::Hamlet),
                    (commune_words(), Level::Commune),
                    (district_words(), Level::District),
                    (province_words(), Level::Province),
                ]
                .iter()
                .find(|(words, _)| words.contains(word))
                .map_or(Level::House, |(_, level)| *level) as u8,
                full: full
                    .split(' ')
                    .map(|w| {
                        let lower = text::canonical_tones(&w.to_lowercase());
                        let folded = text::fold(&lower);
                        (lower, folded)
                    })
                    .collect(),
            })
            .collect()
    })
}

/// One address part with its type word expanded: `X.Nà Tăm` → `Xã Nà Tăm`,
/// `tdp 5` → `Tổ dân phố 5`. `TP.` is a city either way; a bare `T.` is a province.
fn expand(part: &str) -> String {
    let cleaned = text::clean(part);
    let tokens: Vec<&str> = cleaned.split([' ', '.']).filter(|t| !t.is_empty()).collect();
    let folded: Vec<String> = tokens.iter().map(|t| text::fold(t)).collect();
    for (abbr, full) in &type_words().full {
        let words: Vec<&str> = abbr.split(' ').collect();
        if folded.len() > words.len() && folded.iter().zip(&words).all(|(f, w)| f == w) {
            let rest = tokens[words.len()..].join(" ");
            return format!("{full} {}", text::title_case(&text::canonical_tones(&rest)));
        }
    }
    text::canonical_tones(&cleaned)
}

impl Address {
    /// The address with its commune replaced by `unit` (a 2025 unit's full name) and its
    /// district, a level abolished in 2025, left out; the other parts as written. `None`
    /// when the address does not name its commune with a type word (which part is the
    /// commune is then a guess, and a guess is no fix to apply).
    pub fn with_commune(&self, unit: &str) -> Option<String> {
        if !self.commune_typed {
            return None;
        }
        let parts = [self.house.as_deref(), self.hamlet.as_deref(), Some(unit), self.province.as_deref()];
        Some(parts.iter().flatten().copied().collect::<Vec<_>>().join(", "))
    }

    /// The address written out in full, parts in order, abbreviations expanded:
    /// `SN 12, b. Nà Tăm, X.Nà Tăm, H.Tam Đường` → `Số nhà 12, Bản Nà Tăm, Xã Nà Tăm,
    /// Huyện Tam Đường`.
    pub fn canonical(&self) -> String {
        [&self.house, &self.hamlet, &self.commune, &self.district, &self.province]
            .iter()
            .filter_map(|p| p.as_deref())
            .map(expand)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_2025_commune_and_loses_its_district() {
        let cases = [
            ("Tổ 8, P. Quyết Thắng, TP. Lai Châu, T. Lai Châu", Some("Tổ 8, Phường Đoàn Kết, T. Lai Châu")),
            ("SN 12 - Bản Nà Tăm - xã Nà Tăm - huyện Tam Đường", Some("SN 12, Bản Nà Tăm, Phường Đoàn Kết")),
            ("Nà Tăm - Tam Đường", None),
        ];
        for (raw, want) in cases {
            assert_eq!(parse(raw).with_commune("Phường Đoàn Kết").as_deref(), want, "{raw:?}");
        }
    }

    #[test]
    fn canonical_addresses() {
        let cases = [
            (
                "SN 12, b. Nà Tăm, X.Nà Tăm, H.Tam Đường, T. Lai Châu",
                "Số nhà 12, Bản Nà Tăm, Xã Nà Tăm, Huyện Tam Đường, Tỉnh Lai Châu",
            ),
            ("tdp 5, P. Đoàn Kết, tinh Lai Chau", "Tổ dân phố 5, Phường Đoàn Kết, Tỉnh Lai Chau"),
            ("Bản Mường, TT.Than Uyên, H. Than Uyên", "Bản Mường, Thị trấn Than Uyên, Huyện Than Uyên"),
            (
                "Tổ 5, P. Quyết Tiến, TP. Lai Châu, T. Lai Châu",
                "Tổ 5, Phường Quyết Tiến, Thành phố Lai Châu, Tỉnh Lai Châu",
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(parse(raw).canonical(), want, "{raw:?}");
        }
    }

    /// The parts of addresses written without commas: dashes, nothing, unit words
    /// without dots, no marks; a house number's dash and a unit name that contains a
    /// type word's letters (`Bum Tở`) stay whole.
    #[test]
    fn address_separators() {
        let parts = |raw: &str| {
            let a = parse(raw);
            [a.house, a.hamlet, a.commune, a.district, a.province]
        };
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            parts("Bản Nậm Ty - xã Mù Cả - huyện Mường Tè"),
            [None, s("Bản Nậm Ty"), s("xã Mù Cả"), s("huyện Mường Tè"), None]
        );
        assert_eq!(
            parts("Bản Nậm Ty xã Mù Cả huyện Mường Tè tỉnh Lai Châu"),
            [None, s("Bản Nậm Ty"), s("xã Mù Cả"), s("huyện Mường Tè"), s("tỉnh Lai Châu")]
        );
        assert_eq!(parts("X Mù Cả H Mường Tè"), [None, None, s("X Mù Cả"), s("H Mường Tè"), None]);
        assert_eq!(parts("UBND xã Mù Cả"), [None, None, s("xã Mù Cả"), None, None]);
        assert_eq!(parts("Xã Bum Tở, Huyện Mường Tè"), [None, None, s("Xã Bum Tở"), s("Huyện Mường Tè"), None]);
        assert_eq!(parts("SN 12-14, Tổ 5, P. Đoàn Kết"), [s("SN 12-14"), s("Tổ 5"), s("P. Đoàn Kết"), None, None]);
        assert_eq!(
            parts("Ban Nam Ty xa Mu Ca huyen Muong Te"),
            [None, s("Ban Nam Ty"), s("xa Mu Ca"), s("huyen Muong Te"), None]
        );
        let a = parse("Mù Cả - Mường Tè");
        assert!(!a.commune_typed);
        assert_eq!(a.untyped, ["Mù Cả", "Mường Tè"]);
    }

    #[test]
    fn address_parts() {
        let a = parse("SN 12, Bản Nà Tăm, X. Nà Tăm, H. Tam Đường, T. Lai Châu");
        assert_eq!(a.house.as_deref(), Some("SN 12"));
        assert_eq!(a.hamlet.as_deref(), Some("Bản Nà Tăm"));
        assert_eq!(hamlet_key("B. Nà Tăm, X. Nà Tăm, H. Tam Đường").as_deref(), Some("na tam"));
        assert_eq!(hamlet_key("bản nà tăm, Xã Bản Bo, Tỉnh Lai Châu").as_deref(), Some("na tam"));
        assert_eq!(hamlet_key("Tổ 5, P. Quyết Tiến").as_deref(), Some("5"));
        assert_eq!(hamlet_key("Xã Bản Bo, Tỉnh Lai Châu"), None);
        // An urban residential group written in full or abbreviated is one hamlet.
        assert_eq!(hamlet_key("Khu phố 3, P. Đoàn Kết").as_deref(), Some("3"));
        assert_eq!(hamlet_key("KP.3, P. Đoàn Kết").as_deref(), Some("3"));
        assert_eq!(hamlet_key("Khu 3, P. Đoàn Kết").as_deref(), Some("3"));
        // A stray mark of an export (an en dash TCVN3 cannot write) is no part of the name.
        assert_eq!(hamlet_key("Bản Nà Tăm ? xã Bản Bo ? huyện Tam Đường").as_deref(), Some("na tam"));
        assert_eq!(a.commune.as_deref(), Some("X. Nà Tăm"));
        assert_eq!(a.district.as_deref(), Some("H. Tam Đường"));
        assert_eq!(a.province.as_deref(), Some("T. Lai Châu"));
        let a = parse("Bản Nà Tăm, Xã Bản Bo, Tỉnh Lai Châu");
        assert_eq!(a.commune.as_deref(), Some("Xã Bản Bo"));
        assert_eq!(a.district, None);
    }
}
