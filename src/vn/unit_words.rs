//! The words that name the type of an administrative unit or address part (`Xã`, `X.`,
//! `Huyện`, `Bản`, `Tổ dân phố`, …), read from `rules/unit_type_words.csv`
//! (`vietnamese_text.md` §5), and the helpers that match them at the start of a name.

use super::text;
use std::sync::OnceLock;

/// The unit type words (`rules/unit_type_words.csv`, from `vietnamese_text.md` §5), by
/// the level of an address they name, in the table's order.
pub(crate) struct TypeWords {
    pub(crate) commune: Vec<&'static str>,
    /// Each commune word's full word, folded (`x` → `xa`, `tt` → `thi tran`).
    pub(crate) commune_kind: Vec<String>,
    pub(crate) district: Vec<&'static str>,
    pub(crate) province: Vec<&'static str>,
    pub(crate) hamlet: Vec<&'static str>,
    /// Every word with its full form, words of more syllables first (`to dan pho` before
    /// `to`), for expanding an abbreviation.
    pub(crate) full: Vec<(&'static str, &'static str)>,
}

/// The type words table, read once. Within a level, the first word that matches wins:
/// the table lists a longer word before a word it starts with (checked by a test).
pub(crate) fn type_words() -> &'static TypeWords {
    static WORDS: OnceLock<TypeWords> = OnceLock::new();
    WORDS.get_or_init(|| {
        let mut t = TypeWords {
            commune: vec![],
            commune_kind: vec![],
            district: vec![],
            province: vec![],
            hamlet: vec![],
            full: vec![],
        };
        let rows = super::table_rows(include_str!("../../rules/unit_type_words.csv"));
        for row in rows {
            let mut cells = row.split(',');
            let (Some(word), Some(full), Some(levels)) = (cells.next(), cells.next(), cells.next()) else {
                panic!("rules/unit_type_words.csv: a row needs word, full and levels: {row}");
            };
            for level in levels.split(' ') {
                match level {
                    "commune" => {
                        t.commune.push(word);
                        t.commune_kind.push(text::fold(full));
                    }
                    "district" => t.district.push(word),
                    "province" => t.province.push(word),
                    "hamlet" => t.hamlet.push(word),
                    "house" => {}
                    other => panic!("rules/unit_type_words.csv: unknown level {other}"),
                }
            }
            t.full.push((word, full));
        }
        t.full.sort_by_key(|(word, _)| std::cmp::Reverse(word.split(' ').count()));
        t
    })
}

/// Words that name a commune-level unit (`xa`, `x`, `phuong`, `tt`, …).
pub fn commune_words() -> &'static [&'static str] {
    &type_words().commune
}

/// Words that name a (former) district-level unit.
pub fn district_words() -> &'static [&'static str] {
    &type_words().district
}

/// Words that name a province.
pub fn province_words() -> &'static [&'static str] {
    &type_words().province
}

/// Words that name a hamlet or residential group (`ban`, `thon`, `to dan pho`, …).
pub fn hamlet_words() -> &'static [&'static str] {
    &type_words().hamlet
}

/// Folded text with dots turned into spaces ("X.Bản Bo" → "x ban bo").
pub fn folded_words(s: &str) -> String {
    text::fold(&s.replace('.', " "))
}

/// Strips one of `words` from the front of a folded string; gives (matched, rest).
pub fn strip_type<'a>(folded: &'a str, words: &[&str]) -> (bool, &'a str) {
    for w in words {
        if let Some(rest) = folded.strip_prefix(w) {
            if let Some(rest) = rest.strip_prefix(' ') {
                return (true, rest);
            }
        }
    }
    (false, folded)
}

/// The commune type a name is written with, normalized to its full word folded (`X.` →
/// `xa`, `TT` → `thi tran`).
pub fn commune_kind(s: &str) -> Option<&'static str> {
    let f = folded_words(s);
    let t = type_words();
    let k = t.commune.iter().position(|w| strip_type(&f, &[w]).0)?;
    Some(&t.commune_kind[k])
}

/// Name key: folded, type word removed, spaces removed. `"Xã Bản Bo"` → `"banbo"`.
/// Letters and digits only: spaces, hyphens and any stray mark of an export (`Nậm Cha ?`,
/// `Bà Rịa-Vũng Tàu`) are not part of a name (`vietnamese_text.md`: remove hyphens and
/// spaces in match keys).
pub fn name_key(s: &str, words: &[&str]) -> String {
    let f = folded_words(s);
    let (_, rest) = strip_type(&f, words);
    rest.chars().filter(|c| c.is_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `khu pho 3` was read as the hamlet `pho 3` while `KP 3` was `3`: within a level, a
    /// word that starts another (`khu`, `khu pho`) must come after it in the table.
    #[test]
    fn a_type_word_comes_after_the_longer_words_it_starts() {
        let t = type_words();
        for words in [&t.commune, &t.district, &t.province, &t.hamlet] {
            for (i, short) in words.iter().enumerate() {
                for long in &words[i + 1..] {
                    assert!(!long.starts_with(&format!("{short} ")), "{long} must come before {short}");
                }
            }
        }
    }
}
