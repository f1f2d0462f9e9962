//! Vietnamese text kernels: NFC, whitespace, case, diacritic folding and one canonical
//! tone-mark placement.
//!
//! Takes any `&str`; gives owned strings. Every function is pure and idempotent
//! (applying it twice changes nothing) and gives the same answer for NFC and NFD input.
//! The facts behind these rules (Đ has no decomposition, Ð/ð is a common corruption of
//! Đ/đ, old vs new tone placement) are from `../shared/reference/vietnamese_text.md` §1, §3.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Combining tone marks: grave, acute, tilde, hook above, dot below.
const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
/// Combining vowel modifiers: circumflex (â ê ô), breve (ă), horn (ơ ư).
const MODIFIERS: [char; 3] = ['\u{302}', '\u{306}', '\u{31B}'];

/// `a == b`, without calling `memcmp` when both are empty.
///
/// An empty `String` or `""` literal points at address 1. glibc's AVX-512 `memcmp`
/// still issues a masked load there for length 0, and on the CPUs we run on that load
/// takes a fault-suppression assist: about 150 ns instead of 10. Keys that are often
/// empty (a missing district column, no address) compared a million times a run cost a
/// core-second that way.
#[inline]
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.is_empty() || a == b)
}

/// NFC, Ð/ð/Ɖ repaired to Đ/đ, all apostrophe look-alikes to `'`, white space collapsed
/// to single spaces and trimmed.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfc() {
        let c = match c {
            'Ð' | 'Ɖ' => 'Đ',
            'ð' => 'đ',
            '\u{2019}' | '\u{2018}' | '`' | '\u{B4}' | '\u{2032}' => '\'',
            c => c,
        };
        if c.is_whitespace() || c == '\u{FEFF}' || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
    }
    out
}

/// True when the text carries any Vietnamese diacritic (tone, modifier or đ).
pub fn has_marks(s: &str) -> bool {
    s.nfd().any(|c| is_combining_mark(c) || c == 'đ' || c == 'Đ')
}

/// Diacritic-folded lower-case form: marks removed, đ→d, apostrophes and hyphens dropped,
/// white space collapsed. `"Nguyễn  Văn Hoà"` → `"nguyen van hoa"`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfd() {
        if is_combining_mark(c) || c == '\'' || c == '\u{2019}' || c == '-' || c == '.' {
            continue;
        }
        if c.is_whitespace() || c == ',' {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' | 'ð' | 'Ð' | 'Ɖ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

fn is_vowel(c: char) -> bool {
    matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// One syllable with its tone moved to the canonical vowel ("old style": `hòa`, `thủy`,
/// the style of the official province names Thanh Hóa, Khánh Hòa). Anything that is not
/// a Vietnamese syllable (digits, one tone on a non-vowel, several tones) is returned NFC
/// but otherwise unchanged.
fn canonical_syllable(word: &str) -> String {
    // Decompose into base letters, each with its modifier marks; take out the one tone.
    let mut letters: Vec<(char, Vec<char>)> = Vec::with_capacity(word.len());
    let mut tone: Option<char> = None;
    for c in word.nfd() {
        if TONES.contains(&c) {
            if tone.is_some() || letters.is_empty() {
                return word.nfc().collect();
            }
            tone = Some(c);
        } else if is_combining_mark(c) {
            match letters.last_mut() {
                Some(last) => last.1.push(c),
                None => return word.nfc().collect(),
            }
        } else {
            letters.push((c, Vec::new()));
        }
    }
    let Some(tone) = tone else {
        return word.nfc().collect();
    };
    // The vowel nucleus: the first run of vowels, skipping the u of "qu" and the i of
    // "gi" when another vowel follows.
    let lower: Vec<char> = letters.iter().map(|(c, _)| c.to_ascii_lowercase()).collect();
    let Some(mut start) = lower.iter().position(|&c| is_vowel(c)) else {
        return word.nfc().collect();
    };
    let mut end = start;
    while end < lower.len() && is_vowel(lower[end]) {
        end += 1;
    }
    if start > 0 && end - start >= 2 {
        let prev = lower[start - 1];
        if (prev == 'q' && lower[start] == 'u') || (prev == 'g' && lower[start] == 'i' && letters[start].1.is_empty()) {
            start += 1;
        }
    }
    let nucleus = start..end;
    let closed = end < lower.len();
    let modified: Vec<usize> =
        nucleus.clone().filter(|&i| letters[i].1.iter().any(|m| MODIFIERS.contains(m))).collect();
    let target = if let Some(&last) = modified.last() {
        last
    } else {
        match nucleus.len() {
            1 => start,
            2 if closed => start + 1,
            2 => start,
            _ => start + 1,
        }
    };
    let mut out = String::with_capacity(word.len() + 2);
    for (i, (c, marks)) in letters.iter().enumerate() {
        out.push(*c);
        out.extend(marks.iter());
        if i == target {
            out.push(tone);
        }
    }
    out.nfc().collect()
}

/// The text with every syllable's tone in the canonical place (see [`canonical_syllable`]).
/// `"hoà bình"` → `"hòa bình"`; `"Thuỷ"` → `"Thủy"`; `"Nguyễn"` unchanged.
pub fn canonical_tones(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&canonical_syllable(word));
    }
    out
}

/// Each space-separated syllable capitalised, the rest lower case: `"GIÀNG a PÁO"` →
/// `"Giàng A Páo"`. Syllables joined by a hyphen or apostrophe are capitalised after it.
pub fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_start = true;
    for c in s.chars() {
        if at_start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            at_start = false;
        } else {
            out.extend(c.to_lowercase());
        }
        if c == ' ' || c == '-' {
            at_start = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_is_string_equality() {
        let owned = String::from("03424");
        let values = ["", &owned[..0], "03424", &owned, "0342", "Bản Nà", "Bản Na"];
        for a in values {
            for b in values {
                assert_eq!(same(a, b), a == b, "{a:?} {b:?}");
            }
        }
        let empty = String::new();
        assert!(same(empty.as_str(), ""));
    }

    #[test]
    fn clean_table() {
        let cases = [
            ("  Nguyễn   Văn\tHòa ", "Nguyễn Văn Hòa"),
            ("Ðặng Thị Hà", "Đặng Thị Hà"),
            ("ðoàn", "đoàn"),
            ("Đạ M’ri", "Đạ M'ri"),
            ("\u{feff}Lò Văn Ánh", "Lò Văn Ánh"),
        ];
        for (input, want) in cases {
            assert_eq!(clean(input), want, "{input:?}");
        }
    }

    #[test]
    fn fold_table() {
        let cases = [
            ("Nguyễn  Văn Hoà", "nguyen van hoa"),
            ("ĐẶNG THỊ HÀ", "dang thi ha"),
            ("Giàng A Páo", "giang a pao"),
            ("H'Mông", "hmong"),
            ("Lò-Văn", "lovan"),
        ];
        for (input, want) in cases {
            assert_eq!(fold(input), want, "{input:?}");
        }
    }

    #[test]
    fn tone_placement_old_style() {
        let cases = [
            ("hoà", "hòa"),
            ("hòa", "hòa"),
            ("Thuỷ", "Thủy"),
            ("khoẻ", "khỏe"),
            ("hoàng", "hoàng"),
            ("Nguyễn", "Nguyễn"),
            ("người", "người"),
            ("quý", "quý"),
            ("Quỳnh", "Quỳnh"),
            ("già", "già"),
            ("gìn", "gìn"),
            ("ngoài", "ngoài"),
            ("mùa", "mùa"),
            ("Hải", "Hải"),
            ("thuận", "thuận"),
            ("khuyến", "khuyến"),
            ("Pa Khoá", "Pa Khóa"),
            ("TUỲ", "TÙY"),
            ("12", "12"),
        ];
        for (input, want) in cases {
            assert_eq!(canonical_tones(input), want, "{input:?}");
            let nfd: String = input.nfd().collect();
            assert_eq!(canonical_tones(&nfd), want, "NFD {input:?}");
        }
    }

    #[test]
    fn title_case_table() {
        assert_eq!(title_case("NGUYỄN văn hòa"), "Nguyễn Văn Hòa");
        assert_eq!(title_case("giàng a páo"), "Giàng A Páo");
        assert_eq!(title_case("đặng"), "Đặng");
    }

    #[test]
    fn idempotent_on_samples() {
        for s in ["Nguyễn Văn Hoà", "  ÐẶNG  thị Thuỷ ", "Lò Văn Ánh"] {
            let once = canonical_tones(&clean(s));
            assert_eq!(canonical_tones(&clean(&once)), once);
            assert_eq!(fold(&fold(s)), fold(s));
        }
    }
}
