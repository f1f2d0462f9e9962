//! Legacy Vietnamese encodings and mojibake: TCVN3 (ABC), VNI-Windows, and UTF-8 that
//! was read as Windows-1252.
//!
//! Tables: `tcvn3_to_unicode.csv` and `vni_to_unicode.csv` from `../shared/reference/`
//! (Unikey engine tables, checked against viparse; see its README), copied to `rules/`
//! and embedded. Both are keyed by the *surface* a legacy byte shows when read as
//! Windows-1252, which is how such text reaches us (an old file decoded as CP1252, or a
//! field pasted from one). VNI entries marked `viparse_derived_only` are not used (the
//! reference says they lack evidence).
//!
//! [`repair`] fixes one field when a legacy surface or mojibake is detected and says
//! which; [`decode`] decodes a field known to be in a legacy encoding (file declared or
//! detected as such).

use std::collections::HashMap;
use std::sync::OnceLock;

/// A legacy 8-bit Vietnamese font encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Legacy {
    /// TCVN3 / ABC (`.VnTime`).
    Tcvn3,
    /// VNI-Windows (`VNI-Times`).
    Vni,
}

/// What was repaired in a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Repair {
    /// UTF-8 that had been read as Windows-1252 (`Nguyá»…n`).
    Mojibake,
    /// A TCVN3 or VNI surface decoded to Unicode.
    Legacy(Legacy),
}

impl Repair {
    /// Stable label used in output notes.
    pub fn label(self) -> &'static str {
        match self {
            Repair::Mojibake => "mojibake",
            Repair::Legacy(Legacy::Tcvn3) => "tcvn3",
            Repair::Legacy(Legacy::Vni) => "vni",
        }
    }
}

struct Tables {
    tcvn3: HashMap<char, char>,
    /// Surface sequence (1 or 2 chars) → letter.
    vni: HashMap<String, char>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let mut tcvn3 = HashMap::new();
        for line in include_str!("../../rules/tcvn3_to_unicode.csv").lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if let (Some(s), Some(u)) = (f[1].chars().next(), f[2].chars().next()) {
                tcvn3.insert(s, u);
            }
        }
        let mut vni = HashMap::new();
        for line in include_str!("../../rules/vni_to_unicode.csv").lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f[5] == "viparse_derived_only" {
                continue;
            }
            if let Some(u) = f[2].chars().next() {
                vni.insert(f[1].to_string(), u);
            }
        }
        Tables { tcvn3, vni }
    })
}

/// Latin-1 characters that are not Vietnamese letters: their presence in a name or
/// address betrays a legacy surface.
fn is_junk(c: char) -> bool {
    matches!(
        c,
        '\u{A1}'
            ..='\u{BF}'
                | 'Ä'
                | 'Å'
                | 'Æ'
                | 'Ç'
                | 'Ë'
                | 'Î'
                | 'Ï'
                | 'Ð'
                | 'Ñ'
                | 'Ö'
                | '×'
                | 'Ø'
                | 'Û'
                | 'Ü'
                | 'Þ'
                | 'ß'
                | 'ä'
                | 'å'
                | 'æ'
                | 'ç'
                | 'ë'
                | 'î'
                | 'ï'
                | 'ð'
                | 'ñ'
                | 'ö'
                | '÷'
                | 'ø'
                | 'û'
                | 'ü'
                | 'þ'
                | 'ÿ'
    )
}

/// Vietnamese letters beyond Latin-1 (ă đ ĩ ũ ơ ư ạ … ỹ): real Unicode text has them.
fn is_unicode_vietnamese(c: char) -> bool {
    matches!(c, '\u{100}'..='\u{1B0}' | '\u{1EA0}'..='\u{1EF9}')
}

/// Decodes a TCVN3 surface. TCVN3 has no upper-case toned letters, so a field typed in
/// capitals decodes to mixed case (`NGUYễN`): it is upper-cased when the ASCII letters
/// inside its words are all capitals (word-initial letters say nothing: `Lß`, `TÈn`).
fn decode_tcvn3(s: &str) -> String {
    let t = &tables().tcvn3;
    let out: String = s.chars().map(|c| *t.get(&c).unwrap_or(&c)).collect();
    let inner: Vec<char> =
        s.split_whitespace().flat_map(|w| w.chars().skip(1)).filter(char::is_ascii_alphabetic).collect();
    if !inner.is_empty() && inner.iter().all(char::is_ascii_uppercase) {
        out.to_uppercase()
    } else {
        out
    }
}

/// Decodes a VNI surface, longest sequence first, in one left-to-right pass.
fn decode_vni(s: &str) -> String {
    let t = &tables().vni;
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut pair = String::with_capacity(8);
    while i < chars.len() {
        if i + 1 < chars.len() {
            pair.clear();
            pair.push(chars[i]);
            pair.push(chars[i + 1]);
            if let Some(&u) = t.get(&pair) {
                out.push(u);
                i += 2;
                continue;
            }
        }
        let mut one = [0u8; 4];
        match t.get(chars[i].encode_utf8(&mut one) as &str) {
            Some(&u) => out.push(u),
            None => out.push(chars[i]),
        }
        i += 1;
    }
    out
}

/// Decodes a field known to be in a legacy encoding (its Windows-1252 surface).
pub fn decode(s: &str, legacy: Legacy) -> String {
    match legacy {
        Legacy::Tcvn3 => decode_tcvn3(s),
        Legacy::Vni => decode_vni(s),
    }
}

/// UTF-8 bytes that had been decoded as Windows-1252, decoded back. `None` when the
/// text is not such mojibake (a character outside CP1252, or bytes that are not UTF-8).
pub fn unmojibake(s: &str) -> Option<String> {
    if s.is_ascii() {
        return None;
    }
    let (bytes, _, errors) = encoding_rs::WINDOWS_1252.encode(s);
    if errors {
        return None;
    }
    match std::str::from_utf8(&bytes) {
        Ok(fixed) if fixed != s => Some(fixed.to_string()),
        _ => None,
    }
}

fn junk(s: &str) -> usize {
    s.chars().filter(|&c| is_junk(c)).count()
}

/// Vowel nuclei of Vietnamese syllables, tone marks removed: with their modifiers, and
/// the same without diacritics (names are often typed without).
const NUCLEI: &[&str] = &[
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia",
    "iê", "iu", "oa", "oă", "oe", "oi", "ôi", "ơi", "ua", "uâ", "uê", "ui", "uô", "uơ", "ưa", "ưi", "ươ", "ưu", "uy",
    "yê", "oo", "iêu", "yêu", "oai", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu", "eu", "ie", "ye",
    "uo", "ieu", "yeu", "uoi", "uou", "uye", "ue",
];

fn is_vowel_letter(c: char) -> bool {
    matches!(c, 'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y')
}

/// Whether a word cannot be a Vietnamese syllable: more than one tone mark, a vowel
/// cluster that is no nucleus, or a tone on a vowel where neither placement style puts
/// it (`Maõ`). Decodings with the wrong table produce such words.
fn implausible_word(w: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    let lower = w.to_lowercase();
    let tones = lower.nfd().filter(|c| TONES.contains(c)).count();
    if tones > 1 {
        return true;
    }
    let base: Vec<char> = lower.nfd().filter(|c| !TONES.contains(c)).collect::<String>().nfc().collect();
    let mut start = 0;
    let mut clusters = Vec::new();
    while start < base.len() {
        if !is_vowel_letter(base[start]) {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < base.len() && is_vowel_letter(base[end]) {
            end += 1;
        }
        // The u of "qu" and the i of "gi" belong to the onset.
        let onset = start > 0 && end - start > 1 && matches!((base[start - 1], base[start]), ('q', 'u') | ('g', 'i'));
        clusters.push(base[start + usize::from(onset)..end].iter().collect::<String>());
        start = end;
    }
    if clusters.iter().any(|c| !NUCLEI.contains(&c.as_str())) {
        return true;
    }
    let folded = super::text::fold(&lower);
    tones == 1
        && super::text::canonical_tones(&lower.nfc().collect::<String>()) != lower.nfc().collect::<String>()
        && !["oa", "oe", "uy"].iter().any(|n| folded.contains(n))
}

/// How many words of a decoded text cannot be Vietnamese syllables.
fn implausible(s: &str) -> usize {
    s.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).filter(|w| implausible_word(w)).count()
}

fn badness(s: &str) -> (usize, usize) {
    (junk(s), implausible(s))
}

/// Repairs one field: mojibake first, then a TCVN3 or VNI surface. A field with no
/// Vietnamese letter beyond Latin-1 that shows Latin-1 characters no Vietnamese letter
/// uses, or words that cannot be Vietnamese syllables (`Leâ Vaên`), is decoded both
/// ways; the decoding that leaves the fewest of either wins, if it improves on the
/// field. Gives the text and what was done.
pub fn repair(s: &str) -> (String, Option<Repair>) {
    // Both damages show Latin-1 letters; most real fields have none, or have Vietnamese
    // letters beyond Latin-1, and cost nothing more here.
    if !s.chars().any(|c| ('\u{80}'..='\u{FF}').contains(&c)) {
        return (s.to_string(), None);
    }
    if let Some(fixed) = unmojibake(s) {
        return (fixed, Some(Repair::Mojibake));
    }
    if s.chars().any(is_unicode_vietnamese) {
        return (s.to_string(), None);
    }
    // Without a non-Vietnamese Latin-1 character, only a VNI composite (a plain vowel
    // followed by a Latin-1 mark letter, `Leâ`, `Maõ`) is evidence enough to try.
    let vni_pair =
        s.chars().zip(s.chars().skip(1)).any(|(a, b)| "aeiouyAEIOUY".contains(a) && ('\u{C0}'..='\u{FF}').contains(&b));
    if junk(s) == 0 && !vni_pair {
        return (s.to_string(), None);
    }
    let before = badness(s);
    if before == (0, 0) {
        return (s.to_string(), None);
    }
    let tcvn3 = decode_tcvn3(s);
    let vni = decode_vni(s);
    let (bt, bv) = (badness(&tcvn3), badness(&vni));
    if bt <= bv && bt < before {
        (tcvn3, Some(Repair::Legacy(Legacy::Tcvn3)))
    } else if bv < bt && bv < before {
        (vni, Some(Repair::Legacy(Legacy::Vni)))
    } else {
        (s.to_string(), None)
    }
}

/// Windows-1258 text in its composed form (NFC). The encoding writes a tone as a combining
/// mark after its letter (`a` + U+0301); composing each mark with the character before it
/// is NFC for such text, at a fraction of a general normalizer's cost (a third of reading
/// a 480 000-row file). Anything else — two marks in a row, a mark that does not compose —
/// is left to the general normalizer, line by line.
///
/// Every character below U+0300 (all Windows-1258 decodes to but its tone marks and a
/// few punctuation signs) is a starter, so only the others are looked up in the Unicode
/// tables (that lookup, for every character of a file, was half the cost).
pub fn compose_cp1258(s: &str) -> String {
    use unicode_normalization::char::compose;
    use unicode_normalization::UnicodeNormalization;
    let canonical_combining_class =
        |c: char| if c < '\u{300}' { 0 } else { unicode_normalization::char::canonical_combining_class(c) };
    let mut out = String::with_capacity(s.len());
    for line in s.split_inclusive('\n') {
        if line.is_ascii() {
            out.push_str(line);
            continue;
        }
        let start = out.len();
        let mut prev: Option<char> = None;
        let (mut general, mut marked) = (false, false);
        for c in line.chars() {
            if canonical_combining_class(c) != 0 {
                // A second mark may need reordering first: the general normalizer's job.
                match prev.filter(|_| !marked).and_then(|p| compose(p, c)) {
                    Some(composed) => {
                        prev = Some(composed);
                        marked = true;
                        continue;
                    }
                    None => {
                        general = true;
                        break;
                    }
                }
            }
            marked = false;
            if let Some(p) = prev.replace(c) {
                out.push(p);
            }
        }
        if general {
            out.truncate(start);
            out.extend(line.nfc());
        } else if let Some(p) = prev {
            out.push(p);
        }
    }
    out
}

/// Guesses the encoding of a whole file that is not valid UTF-8: Windows-1258, or a
/// TCVN3 / VNI surface under Windows-1252. The decoding with the fewest non-Vietnamese
/// Latin-1 characters wins; ties go to Windows-1258.
pub fn sniff_legacy_file(bytes: &[u8]) -> FileEncoding {
    // 256 KB (some 2 000 rows) tell the encodings apart as surely as 1 MB did, and
    // scoring every word of three decodings was 3.6 % of a province night.
    let sample = &bytes[..bytes.len().min(1 << 18)];
    let cp1258 = encoding_rs::WINDOWS_1258.decode_without_bom_handling(sample).0;
    let surface = encoding_rs::WINDOWS_1252.decode_without_bom_handling(sample).0;
    let scores = [
        (badness(&cp1258), FileEncoding::Windows1258),
        (badness(&decode_tcvn3(&surface)), FileEncoding::Tcvn3),
        (badness(&decode_vni(&surface)), FileEncoding::Vni),
    ];
    scores.iter().min_by_key(|(j, _)| *j).map(|(_, e)| *e).unwrap_or(FileEncoding::Windows1258)
}

/// The encoding of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum FileEncoding {
    /// Detect: BOM, then UTF-8, then the legacy encodings.
    #[default]
    Auto,
    /// UTF-8, with or without BOM.
    #[serde(rename = "utf-8")]
    Utf8,
    /// UTF-16 (LE or BE, by BOM; LE without one).
    #[serde(rename = "utf-16")]
    Utf16,
    /// Windows-1258.
    #[serde(rename = "windows-1258")]
    Windows1258,
    /// TCVN3 / ABC.
    Tcvn3,
    /// VNI-Windows.
    Vni,
}

impl FileEncoding {
    /// Stable label for the manifest.
    pub fn label(self) -> &'static str {
        match self {
            FileEncoding::Auto => "auto",
            FileEncoding::Utf8 => "utf-8",
            FileEncoding::Utf16 => "utf-16",
            FileEncoding::Windows1258 => "windows-1258",
            FileEncoding::Tcvn3 => "tcvn3",
            FileEncoding::Vni => "vni",
        }
    }

    /// The legacy font encoding whose fields need [`decode`], if any.
    pub fn legacy(self) -> Option<Legacy> {
        match self {
            FileEncoding::Tcvn3 => Some(Legacy::Tcvn3),
            FileEncoding::Vni => Some(Legacy::Vni),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The surfaces of `../shared/reference/vietnamese_text.md` §2.
    #[test]
    fn reference_surfaces_decode() {
        let cases = [
            ("NguyÔn V¨n Hïng", "Nguyễn Văn Hùng", Repair::Legacy(Legacy::Tcvn3)),
            ("Lai Ch©u", "Lai Châu", Repair::Legacy(Legacy::Tcvn3)),
            ("Lß ThÞ Xu©n", "Lò Thị Xuân", Repair::Legacy(Legacy::Tcvn3)),
            ("Giµng A P¸o", "Giàng A Páo", Repair::Legacy(Legacy::Tcvn3)),
            ("TÈn L¸o Lë", "Tẩn Láo Lở", Repair::Legacy(Legacy::Tcvn3)),
            ("§oµn KÕt", "Đoàn Kết", Repair::Legacy(Legacy::Tcvn3)),
            ("NGUYÔN THÞ H¦¥NG", "NGUYỄN THỊ HƯƠNG", Repair::Legacy(Legacy::Tcvn3)),
            ("Nguyeãn Vaên Huøng", "Nguyễn Văn Hùng", Repair::Legacy(Legacy::Vni)),
            ("Loø Thò Xuaân", "Lò Thị Xuân", Repair::Legacy(Legacy::Vni)),
            ("Giaøng A Paùo", "Giàng A Páo", Repair::Legacy(Legacy::Vni)),
            ("Möôøng Teø", "Mường Tè", Repair::Legacy(Legacy::Vni)),
            ("Ñoaøn Keát", "Đoàn Kết", Repair::Legacy(Legacy::Vni)),
            ("Leâ Vaên Phong", "Lê Văn Phong", Repair::Legacy(Legacy::Vni)),
            ("Nguyá»…n VÄƒn HÃ¹ng", "Nguyễn Văn Hùng", Repair::Mojibake),
            ("Lai ChÃ¢u", "Lai Châu", Repair::Mojibake),
        ];
        for (surface, want, kind) in cases {
            assert_eq!(repair(surface), (want.to_string(), Some(kind)), "{surface:?}");
        }
    }

    #[test]
    fn real_text_is_left_alone() {
        for s in ["Nguyễn Văn Hùng", "Hà Tây", "Lò Thị Xuân", "Giàng A Páo", "Nam", "Tổ 5, Phường Đoàn Kết"]
        {
            assert_eq!(repair(s), (s.to_string(), None), "{s:?}");
        }
    }

    #[test]
    fn whole_files_are_sniffed() {
        let tcvn3: Vec<u8> = "NguyÔn V¨n Hïng,Lai Ch©u\n".chars().map(|c| c as u32 as u8).collect();
        assert_eq!(sniff_legacy_file(&tcvn3), FileEncoding::Tcvn3);
        let (cp1258, _, _) = encoding_rs::WINDOWS_1258.encode("Lò Thị Xuân,Mường Tè\n");
        assert_eq!(sniff_legacy_file(&cp1258), FileEncoding::Windows1258);
    }
}

#[cfg(test)]
mod compose_tests {
    use super::compose_cp1258;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn composing_marks_is_nfc_on_every_form() {
        let cases = [
            "Nguye\u{0302}\u{0303}n Va\u{0306}n Hoa\u{0300}\r\nLo\u{031B}\u{0301}i,x\n",
            "plain ascii\n",
            "a\u{0301}\u{0323} two marks\n",
            "e\u{0302}\u{0323} and e\u{0323}\u{0302}\n",
            "\u{0301} a mark first, then Tha\u{0300}nh",
            "đã có dấu sẵn ở đây\n",
            "q\u{0301} a mark nothing composes with\n",
        ];
        for s in cases {
            assert_eq!(compose_cp1258(s), s.nfc().collect::<String>(), "{s:?}");
        }
        // The encoding's own bytes, decoded: every Vietnamese letter of a name.
        let bytes = encoding_rs::WINDOWS_1258.encode("Nguyễn Thị Hường, Lò Văn Pấu; Đặng Thùy Dương\n").0;
        let text = encoding_rs::WINDOWS_1258.decode_without_bom_handling(&bytes).0;
        assert_eq!(compose_cp1258(&text), text.nfc().collect::<String>());
    }
}

#[cfg(test)]
mod compose_properties {
    use super::compose_cp1258;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    proptest! {
        /// Any mix of letters, Vietnamese vowels and tone marks (in any order, repeated):
        /// the same text as the general normalizer gives.
        #[test]
        fn compose_is_nfc(s in "[aăâeêioôơuưyđAĂÂEÊOÔƠUƯ \\n,\u{0300}\u{0301}\u{0303}\u{0309}\u{0323}\u{031B}\u{0302}]{0,40}") {
            prop_assert_eq!(compose_cp1258(&s), s.nfc().collect::<String>());
        }
    }
}
