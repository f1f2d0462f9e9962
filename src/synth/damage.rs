//! The damage of the error model, applied to one person's row: the name (diacritics
//! dropped, capitals, tone placement, Unicode form, i/y, minority spelling, middle name
//! dropped, another given name), the date of birth, the sex, the ID, the address (a
//! mover's old commune, a legacy unit) and the status; each with the truth codes a
//! perfect tool reports for it.

use super::population::Person;
use super::profile::Rates;
use super::world::{fmt_date, unit_key, World};
use crate::rng::Rng;
use crate::vn::date::PartialDate;
use crate::vn::{id, text};
use std::collections::BTreeSet;
use unicode_normalization::UnicodeNormalization;

/// The structural codes of a 12-digit ID against the row's own sex and birth year
/// (`id_number_rules.md` §2; written here again so the truth does not depend on the
/// code under test).
fn structure_codes(digits: &str, male: Option<bool>, year: Option<i32>, codes: &mut BTreeSet<&'static str>) {
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    if !id::province_codes().contains(&digits[..3]) {
        codes.insert("ID_PROVINCE_INVALID");
    }
    let d4 = i32::from(digits.as_bytes()[3] - b'0');
    let century = 1900 + 100 * (d4 / 2);
    let id_male = d4 % 2 == 0;
    let sex_conflict = male.is_some_and(|m| m != id_male);
    let century_conflict = year.is_some_and(|y| y / 100 * 100 != century);
    if sex_conflict || century_conflict {
        codes.insert("ID_SEX_CENTURY_CONFLICT");
    }
    if let Some(y) = year {
        if digits[4..6] != format!("{:02}", y % 100) {
            codes.insert("ID_BIRTH_YEAR_CONFLICT");
        }
    }
}

/// Syllable-final y after a consonant ↔ i, keeping the tone (`Lý` → `Lí`).
fn swap_iy(name: &str) -> Option<String> {
    let words: Vec<String> = name.split(' ').map(str::to_string).collect();
    for (i, w) in words.iter().enumerate() {
        let nfd: Vec<char> = w.nfd().collect();
        let letters: Vec<usize> = nfd.iter().enumerate().filter(|(_, c)| c.is_alphabetic()).map(|(k, _)| k).collect();
        if letters.len() < 2 {
            continue;
        }
        let last = letters[letters.len() - 1];
        let prev = nfd[letters[letters.len() - 2]].to_ascii_lowercase();
        let is_vowel = |c: char| "aeiouy".contains(c);
        if matches!(nfd[last], 'y' | 'i') && !is_vowel(prev) {
            let mut out = nfd.clone();
            out[last] = if nfd[last] == 'y' { 'i' } else { 'y' };
            let mut words2 = words.clone();
            words2[i] = out.into_iter().collect::<String>().nfc().collect();
            return Some(words2.join(" "));
        }
    }
    None
}

/// The new-style tone placement of an old-style name (`Hòa` → `Hoà`), if it has an
/// open oa/oe/uy syllable.
fn new_style_tones(name: &str) -> Option<String> {
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    let mut changed = false;
    let words: Vec<String> = name
        .split(' ')
        .map(|w| {
            let folded = text::fold(w);
            let open_pair = ["oa", "oe", "uy"].iter().any(|p| folded.ends_with(p)) && !folded.starts_with("qu");
            let nfd: Vec<char> = w.nfd().collect();
            let Some(t) = nfd.iter().position(|c| TONES.contains(c)) else {
                return w.to_string();
            };
            if !open_pair || t + 1 >= nfd.len() {
                return w.to_string();
            }
            let mut out = nfd.clone();
            let tone = out.remove(t);
            out.push(tone);
            changed = true;
            out.into_iter().collect::<String>().nfc().collect()
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// Surname equivalents and spelling variants of minority names (names_vi.md).
fn minority_variant(p: &Person) -> Option<String> {
    // Several spellings of one clan: the one written follows the person's ID, so no random
    // number is drawn (Sino-Vietnamese names from names_vi.md: Giàng→Dương, Vàng→Vương or
    // Hoàng, Thào→Đào, Lầu→Lưu, Sùng→Tống).
    const CLASSES: &[(&str, &str)] = &[
        ("Giàng", "Dương"),
        ("Vàng", "Vương"),
        ("Vàng", "Hoàng"),
        ("Thào", "Đào"),
        ("Lầu", "Lưu"),
        ("Sùng", "Tống"),
        ("Tẩn", "Đặng"),
        ("Chảo", "Triệu"),
        ("Phàn", "Bàn"),
        ("Quàng", "Hoàng"),
        ("Lường", "Lương"),
        ("Giàng", "Giang"),
        ("Sùng", "Xùng"),
        ("Thào", "Thao"),
        ("Lầu", "Lâu"),
        ("Mùa", "Mua"),
    ];
    let rest = [&p.middle, &p.given].iter().filter(|s| !s.is_empty()).map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
    let spellings: Vec<&str> = CLASSES.iter().filter(|(a, _)| *a == p.surname).map(|(_, b)| *b).collect();
    let pick = p.pid.bytes().last().map_or(0, |b| usize::from(b % 8));
    spellings.get(pick % spellings.len().max(1)).map(|b| format!("{b} {rest}"))
}

/// A registry row in the making: the person's values, then damage, then truth codes.
pub struct Row {
    pub name: String,
    pub dob: String,
    pub male: bool,
    pub id: String,
    pub commune_written: String,
    pub codes: BTreeSet<&'static str>,
}

/// Applies the identity damage of the rates to a person's row: name, date of birth, sex,
/// ID, in that order (each draws from `rng` in turn).
/// `land_format`: the land file keeps the owner's birth year only and no sex.
pub fn identity(rng: &mut Rng, r: &Rates, w: &World, p: &Person, land_format: bool) -> Row {
    let mut codes = BTreeSet::new();
    let name = damaged_name(rng, r, w, p, &mut codes);
    let dob = damaged_dob(rng, r, w, p, land_format, &mut codes);
    // Sex.
    let mut male = p.male;
    if !land_format && rng.chance(r.sex_flip) {
        male = !male;
        codes.insert("SEX_MISMATCH");
    }
    let (id, id_usable) = damaged_id(rng, r, w, p, &mut codes);
    let digits = if id.len() == 11 && !id.starts_with('0') { format!("0{id}") } else { id.clone() };
    structure_codes(&digits, (!land_format).then_some(male), Some(dob.year), &mut codes);
    if !id_usable {
        codes.insert("LINKED_WITHOUT_ID");
    }
    Row { name, dob: written_dob(rng, &dob), male, id, commune_written: String::new(), codes }
}

/// A date as a registry writes it: [`fmt_date`], except that a month and year comes in
/// the forms exports use for it — `03/1987`, `3/1987`, the year first as a database
/// writes it (`1987-03`, `1987/03`), and `T3/1987` (`T` for `tháng`).
fn written_dob(rng: &mut Rng, d: &PartialDate) -> String {
    if d.month == 0 || d.day != 0 {
        return fmt_date(d);
    }
    let (m, y) = (d.month, d.year);
    match rng.below(5) {
        0 => format!("{m}/{y}"),
        1 => format!("{y}-{m:02}"),
        2 => format!("{y}/{m:02}"),
        3 => format!("T{m}/{y}"),
        _ => fmt_date(d),
    }
}

/// The name as the registry writes it: one kind of damage at most, drawn by the rates.
fn damaged_name(rng: &mut Rng, r: &Rates, w: &World, p: &Person, codes: &mut BTreeSet<&'static str>) -> String {
    let canonical = p.name();
    let mut name = canonical.clone();
    let draw = rng.unit();
    let mut acc = 0.0;
    let mut hit = |rate: f64| {
        acc += rate;
        draw < acc
    };
    if hit(r.diacritics_dropped) {
        name = text::fold(&canonical).split(' ').map(text::title_case).collect::<Vec<_>>().join(" ");
    } else if hit(r.all_caps) {
        name = canonical.to_uppercase();
    } else if hit(r.tone_swap) {
        name = new_style_tones(&canonical).unwrap_or(canonical.clone());
    } else if hit(r.decomposed) {
        name = canonical.nfd().collect();
    } else if hit(r.iy) {
        name = swap_iy(&canonical).unwrap_or(canonical.clone());
    } else if hit(r.minority_variant) {
        name = minority_variant(p).unwrap_or(canonical.clone());
    } else if hit(r.middle_dropped) {
        if !p.middle.is_empty() {
            name = format!("{} {}", p.surname, p.given);
        }
    } else if hit(r.name_changed) {
        for _ in 0..10 {
            let other = w.names.pick(rng, p.group, "given", p.male);
            if text::fold(&other) != text::fold(&p.given) {
                name = [&p.surname, &p.middle, &other]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                codes.insert("NAME_MISMATCH");
                break;
            }
        }
    }
    if r.joined_syllables > 0.0 && name == canonical && hit(r.joined_syllables) {
        // Two syllables typed together (`Lò Vănpấu`, `LòVăn Pấu`): the same name, a form
        // variant.
        let mut words: Vec<String> = canonical.split(' ').map(str::to_string).collect();
        if words.len() >= 2 {
            let k = rng.below(words.len() as u64 - 1) as usize;
            let next = words.remove(k + 1).to_lowercase();
            words[k].push_str(&next);
            name = words.join(" ");
        }
    }
    if r.letters_lost > 0.0 && name == canonical && hit(r.letters_lost) {
        // Saved through a code page without Vietnamese letters: each marked one is `?`.
        name = canonical.nfc().map(|c| if c.is_ascii() { c } else { '?' }).collect();
    }
    if name != canonical && !codes.contains("NAME_MISMATCH") {
        codes.insert("NAME_VARIANT");
    }
    name
}

/// The date of birth as the registry writes it (the birth year only in the land file).
fn damaged_dob(
    rng: &mut Rng,
    r: &Rates,
    w: &World,
    p: &Person,
    year_only: bool,
    codes: &mut BTreeSet<&'static str>,
) -> PartialDate {
    let mut dob = p.dob;
    let full = p.dob.day != 0;
    let placeholder = p.dob.is_placeholder();
    // A person the population knows by the year only, written 01/01 of that year (the
    // conventional date): the registry holds no less, no code.
    if !year_only && p.dob.month == 0 && r.dob_placeholder > 0.0 && rng.chance(r.dob_placeholder) {
        dob = PartialDate { year: p.dob.year, month: 1, day: 1 };
    }
    let draw = rng.unit();
    if year_only {
        dob = PartialDate { year: p.dob.year, month: 0, day: 0 };
        if draw < r.dob_year_off {
            dob.year += if rng.chance(0.5) { 1 } else { -1 };
            codes.insert("DOB_MISMATCH");
        }
    } else if draw < r.dob_swap {
        if full && p.dob.day <= 12 && p.dob.day != p.dob.month {
            dob = PartialDate { year: p.dob.year, month: p.dob.day, day: p.dob.month };
            codes.insert("DOB_DAY_MONTH_SWAPPED");
        }
    } else if draw < r.dob_swap + r.dob_year_only {
        if full && !placeholder {
            // Half keep the month: a month and year of a known full date (`03/1987`,
            // `1987-03`, `T3/1987`: see `written_dob`).
            let month = if rng.chance(0.5) { p.dob.month } else { 0 };
            dob = PartialDate { year: p.dob.year, month, day: 0 };
            codes.insert("DOB_PARTIAL");
        }
    } else if draw < r.dob_swap + r.dob_year_only + r.dob_year_off && !placeholder {
        dob.year += if rng.chance(0.5) { 1 } else { -1 };
        if dob > w.today {
            dob.year -= 2;
        }
        if dob.day == 29 && dob.month == 2 {
            dob.day = 28;
        }
        codes.insert("DOB_MISMATCH");
    }
    dob
}

/// The ID as the registry writes it, and whether a perfect tool could use it.
fn damaged_id(rng: &mut Rng, r: &Rates, w: &World, p: &Person, codes: &mut BTreeSet<&'static str>) -> (String, bool) {
    let draw = rng.unit();
    let mut acc = 0.0;
    let mut hit = |rate: f64| {
        acc += rate;
        draw < acc
    };
    // Missing or unrecoverable: a perfect tool links the row without an ID.
    let mut id_usable = true;
    let mut id = p.pid.clone();
    if hit(r.id_missing) {
        id.clear();
        id_usable = false;
        codes.insert("ID_MISSING");
    } else if hit(r.id_legacy) {
        if !p.cmnd.is_empty() {
            id = p.cmnd.clone();
            codes.insert("ID_LEGACY");
        }
    } else if hit(r.id_substitution + r.id_transposition) {
        let mut digits: Vec<u8> = p.pid.bytes().collect();
        if rng.chance(r.id_substitution / (r.id_substitution + r.id_transposition).max(1e-9)) {
            let at = rng.below(12) as usize;
            let old = digits[at];
            while digits[at] == old {
                digits[at] = b'0' + rng.below(10) as u8;
            }
        } else {
            let at = rng.below(11) as usize;
            digits.swap(at, at + 1);
        }
        let typo = String::from_utf8(digits).expect("digits");
        if typo != p.pid {
            codes.insert(if w.pids.contains(typo.as_str()) { "ID_OTHER_PERSON" } else { "ID_TYPO" });
            id = typo;
        }
    } else if hit(r.id_leading_zero) {
        // A spreadsheet drops every leading zero: one for 0xx province codes; a 00x code
        // would lose two, which this damage leaves alone.
        if !p.pid[1..].starts_with('0') {
            id = p.pid[1..].to_string();
            codes.insert("ID_MALFORMED");
        }
    } else if hit(r.id_digit_lost) {
        // A digit lost in the middle: 11 digits that still start with 0.
        let at = 3 + rng.below(9) as usize;
        id = format!("{}{}", &p.pid[..at], &p.pid[at + 1..]);
        id_usable = id.len() == 11 && !id.starts_with('0');
        codes.insert("ID_MALFORMED");
    } else if hit(r.id_error_value) {
        id = rng.pick(&["#REF!", "#N/A", "#VALUE!", "#NAME?"]).into();
        id_usable = false;
        codes.insert("REJECTED_ROW");
    } else if hit(r.id_scientific) {
        // As a spreadsheet shows a long number: with a decimal point, or a decimal comma
        // (a Vietnamese locale); the choice follows the ID, so no random number is drawn.
        let v: f64 = p.pid.parse().unwrap_or(0.0);
        id = format!("{:.5E}", v).replace('E', "E+");
        if p.pid.ends_with(['1', '3', '5', '7', '9']) {
            id = id.replace('.', ",");
        }
        id_usable = false;
        // Spreadsheet debris in the ID cell: the row is a broken export row.
        codes.insert("REJECTED_ROW");
    }
    (id, id_usable)
}

/// Where a record says the person lives: the 2025 commune, a mover's old commune, or
/// the legacy unit in the old style with abbreviations. Gives (commune as written
/// alone, full address). A commune written alone (no district to tell) only takes
/// legacy names that no 2025 unit of the province bears.
pub fn address(
    rng: &mut Rng,
    r: &Rates,
    w: &World,
    p: &Person,
    follows_residence: bool,
    row: &mut Row,
    record_updated: &mut PartialDate,
) -> (String, String) {
    let mut code = p.commune.clone();
    if follows_residence {
        if let Some((from, when)) = &p.moved_from {
            if rng.chance(r.mover_old_address) {
                code = from.clone();
                row.codes.insert("ADDRESS_MISMATCH");
                // The record was last touched before the population recorded the move.
                if *record_updated >= *when {
                    *record_updated = PartialDate { year: when.year - 1, ..*when };
                }
                row.codes.insert("STALE_RECORD");
            }
        }
    }
    let c = w.commune(&code);
    let legacy: Vec<&(String, String)> =
        c.legacy.iter().filter(|(old, _)| !w.current_names.contains(&unit_key(old))).collect();
    if !legacy.is_empty() && rng.chance(r.legacy_address) {
        let (old, district) = legacy[rng.below(legacy.len() as u64) as usize];
        row.codes.insert("ADDRESS_LEGACY_UNIT");
        let abbreviate = |s: &str| unit_word(s, UnitStyle::Dotted);
        let commune = abbreviate(old);
        if r.address_style > 0.0 && rng.chance(r.address_style) {
            return (commune, restyle(rng, &p.hamlet, old, Some(district), &w.province.name));
        }
        let province = abbreviate(&w.province.name);
        return (commune.clone(), format!("{}, {commune}, {}, {province}", p.hamlet, abbreviate(district)));
    }
    if r.address_style > 0.0 && rng.chance(r.address_style) {
        return (c.name.clone(), restyle(rng, &p.hamlet, &c.name, None, &w.province.name));
    }
    (c.name.clone(), format!("{}, {}, {}", p.hamlet, c.name, w.province.name))
}

/// How an address writes a unit's type word.
#[derive(Clone, Copy)]
enum UnitStyle {
    /// Abbreviated with a dot: `X. Nà Tăm`, `TT. Than Uyên`.
    Dotted,
    /// Abbreviated without a dot: `X Nà Tăm`.
    Bare,
    /// In full, in lower case: `xã Nà Tăm`.
    Lower,
}

/// A unit's full name (`Xã Nà Tăm`) with its type word written in `style`; a name of
/// another type as it is.
fn unit_word(name: &str, style: UnitStyle) -> String {
    const WORDS: [(&str, &str); 6] =
        [("Thị trấn ", "TT"), ("Xã ", "X"), ("Phường ", "P"), ("Huyện ", "H"), ("Thành phố ", "TP"), ("Tỉnh ", "T")];
    for (full, short) in WORDS {
        if let Some(rest) = name.strip_prefix(full) {
            return match style {
                UnitStyle::Dotted => format!("{short}. {rest}"),
                UnitStyle::Bare => format!("{short} {rest}"),
                UnitStyle::Lower => format!("{}{rest}", full.to_lowercase()),
            };
        }
    }
    name.to_string()
}

/// An address in one of the styles agencies' exports use besides commas and full unit
/// words: parts joined by a dash, a dash without spaces, a semicolon or a space; unit
/// words in lower case or abbreviated without a dot; `UBND` before the commune; the
/// hamlet left out (commune first). `commune` and `district` are full names with their
/// unit words (`Xã Nà Tăm`, `Huyện Tam Đường`).
fn restyle(rng: &mut Rng, hamlet: &str, commune: &str, district: Option<&str>, province: &str) -> String {
    let sep = rng.pick(&[" - ", "-", " – ", "; ", " ", " | ", ","]);
    let style = if rng.chance(0.5) { UnitStyle::Bare } else { UnitStyle::Lower };
    let unit = |name: &str| unit_word(name, style);
    let mut parts = Vec::new();
    if !rng.chance(0.2) {
        parts.push(hamlet.to_string());
    }
    let ubnd = if rng.chance(0.15) { "UBND " } else { "" };
    parts.push(format!("{ubnd}{}", unit(commune)));
    parts.extend(district.map(unit));
    parts.push(unit(province));
    parts.join(sep)
}

/// Whether the record says active: a dead person's record stays active at the rate
/// of `DECEASED_ACTIVE`.
pub fn status_active(rng: &mut Rng, r: &Rates, p: &Person, row: &mut Row) -> bool {
    match p.death {
        Some(_) if rng.chance(r.deceased_active) => {
            row.codes.insert("DECEASED_ACTIVE");
            true
        }
        Some(_) => false,
        None => true,
    }
}

/// The parents' names a birth or school record gives: the population's, or with the
/// mother's replaced at the profile's rate (`PARENT_MISMATCH`).
pub fn parents(rng: &mut Rng, r: &Rates, w: &World, p: &Person, row: &mut Row) -> (String, String) {
    let parent = |i: Option<usize>| i.map(|i| w.people[i].name()).unwrap_or_default();
    let (father, mut mother) = (parent(p.father), parent(p.mother));
    if let Some(m) = p.mother.filter(|_| rng.chance(r.parent_mismatch)) {
        mother = format!("{} Thị {}", w.people[m].surname, w.names.pick(rng, "kinh", "given", false));
        if text::fold(&mother) != text::fold(&parent(p.mother)) {
            row.codes.insert("PARENT_MISMATCH");
        }
    }
    (father, mother)
}
