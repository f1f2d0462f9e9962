//! The four registries, derived from the population in their own agency formats, with
//! the damage of the error model and the truth of every row: the true person and the
//! exact set of codes a perfect tool reports, computed from what was done to the row.
//!
//! Truth conventions (SPEC §5 as doisoat implements it):
//! - a row with a true person is linked by a perfect tool, with or without its ID, so a
//!   missing or unusable ID adds `LINKED_WITHOUT_ID`; a legacy CMND links by tier 2 and
//!   is `ID_LEGACY` only;
//! - a mistyped ID that lands on another person's ID is `ID_OTHER_PERSON`, otherwise
//!   `ID_TYPO`; the structural checks (province code, century/sex digit, birth-year
//!   digits) of any 12-digit ID are judged against the row's own sex and birth year;
//! - `REVIEW` is never true: a perfect tool needs no person to confirm;
//! - a rejected row keeps its true person but only `REJECTED_ROW`.

use super::population::{Commune, Names, Person};
use super::profile::Rates;
use crate::rng::Rng;
use crate::vn::date::PartialDate;
use crate::vn::{id, text};
use std::collections::{BTreeSet, HashMap, HashSet};
use unicode_normalization::UnicodeNormalization;

/// One generated registry: header, rows and truth.
pub struct Registry {
    /// Agency key.
    pub agency: &'static str,
    /// File name.
    pub file: &'static str,
    /// Header row.
    pub header: Vec<&'static str>,
    /// Data rows (a malformed row may be short).
    pub rows: Vec<Vec<String>>,
    /// Per row: record ID, true person ID, codes.
    pub truth: Vec<(String, String, BTreeSet<&'static str>)>,
}

/// What the registries are built from.
pub struct World<'a> {
    /// The population.
    pub people: &'a [Person],
    /// The communes.
    pub communes: &'a [Commune],
    /// Name lists.
    pub names: &'a Names,
    /// Reference day.
    pub today: PartialDate,
    /// Personal IDs of the population.
    pub pids: HashSet<&'a str>,
    /// Names of the 2025 units (folded, without type word).
    pub current_names: HashSet<String>,
}

impl World<'_> {
    /// The commune of a 2025 code.
    pub fn commune(&self, code: &str) -> &Commune {
        self.communes.iter().find(|c| c.code == code).expect("a Lai Châu commune")
    }
}

fn fmt_date(d: &PartialDate) -> String {
    match (d.month, d.day) {
        (0, _) => format!("{}", d.year),
        (_, 0) => format!("{:02}/{}", d.month, d.year),
        _ => format!("{:02}/{:02}/{}", d.day, d.month, d.year),
    }
}

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
        if !century_conflict && digits[4..6] != format!("{:02}", y % 100) {
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
    const CLASSES: &[(&str, &str)] = &[
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
    CLASSES.iter().find(|(a, _)| *a == p.surname).map(|(_, b)| format!("{b} {rest}"))
}

/// A registry row in the making: the person's values, then damage, then truth codes.
struct Row {
    name: String,
    dob: String,
    male: bool,
    id: String,
    commune_written: String,
    codes: BTreeSet<&'static str>,
}

/// Applies the identity damage of the rates to a person's row.
/// `land_format`: the land file keeps the owner's birth year only and no sex.
fn identity(rng: &mut Rng, r: &Rates, w: &World, p: &Person, land_format: bool) -> Row {
    let year_only = land_format;
    let mut codes = BTreeSet::new();
    // Name.
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
    if name != canonical && !codes.contains("NAME_MISMATCH") {
        codes.insert("NAME_VARIANT");
    }
    // Date of birth.
    let mut dob = p.dob;
    let full = p.dob.day != 0;
    let placeholder = p.dob.is_placeholder();
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
            dob = PartialDate { year: p.dob.year, month: 0, day: 0 };
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
    // Sex.
    let mut male = p.male;
    if !land_format && rng.chance(r.sex_flip) {
        male = !male;
        codes.insert("SEX_MISMATCH");
    }
    // ID.
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
        id = p.pid[1..].to_string();
        codes.insert("ID_MALFORMED");
    } else if hit(r.id_scientific) {
        let v: f64 = p.pid.parse().unwrap_or(0.0);
        id = format!("{:.5E}", v).replace('E', "E+");
        id_usable = false;
        codes.insert("ID_MALFORMED");
    }
    let digits = if id.len() == 11 { format!("0{id}") } else { id.clone() };
    structure_codes(&digits, (!land_format).then_some(male), Some(dob.year), &mut codes);
    if !id_usable {
        codes.insert("LINKED_WITHOUT_ID");
    }
    Row { name, dob: fmt_date(&dob), male, id, commune_written: String::new(), codes }
}

/// Where a record says the person lives: the 2025 commune, a mover's old commune, or
/// the legacy unit in the old style with abbreviations.
/// Folded unit name without its type word: `Xã Bản Bo` → `ban bo`.
pub fn unit_key(name: &str) -> String {
    let f = text::fold(name);
    for t in ["thi tran ", "phuong ", "xa "] {
        if let Some(rest) = f.strip_prefix(t) {
            return rest.to_string();
        }
    }
    f
}

/// Where a record says the person lives: the 2025 commune, a mover's old commune, or
/// the legacy unit in the old style with abbreviations. Gives (commune as written
/// alone, full address). A commune written alone (no district to tell) only takes
/// legacy names that no 2025 unit of the province bears.
fn address(
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
        let abbreviate = |s: &str| {
            for (full, short) in
                [("Thị trấn ", "TT. "), ("Xã ", "X. "), ("Phường ", "P. "), ("Huyện ", "H. "), ("Thành phố ", "TP. ")]
            {
                if let Some(rest) = s.strip_prefix(full) {
                    return format!("{short}{rest}");
                }
            }
            s.to_string()
        };
        let commune = abbreviate(old);
        return (commune.clone(), format!("{}, {commune}, {}, T. Lai Châu", p.hamlet, abbreviate(district)));
    }
    (c.name.clone(), format!("{}, {}, Tỉnh Lai Châu", p.hamlet, c.name))
}

fn status_active(rng: &mut Rng, r: &Rates, p: &Person, row: &mut Row) -> bool {
    match p.death {
        Some(_) if rng.chance(r.deceased_active) => {
            row.codes.insert("DECEASED_ACTIVE");
            true
        }
        Some(_) => false,
        None => true,
    }
}

/// A person absent from the population, for `NOT_IN_POPULATION` rows.
fn stranger(rng: &mut Rng, w: &World, pids: &HashSet<&str>) -> (Person, String) {
    let template = &w.people[rng.below(w.people.len() as u64) as usize];
    let mut p = template.clone();
    p.given = w.names.pick(rng, p.group, "given", p.male);
    p.dob = PartialDate {
        year: (p.dob.year + 1 + rng.below(3) as i32).min(w.today.year),
        month: 1 + rng.below(12) as u8,
        day: 1 + rng.below(28) as u8,
    };
    if p.dob > w.today {
        p.dob = PartialDate { year: w.today.year - 1, ..p.dob };
    }
    let pid = loop {
        let d4 = 2 * ((p.dob.year - 1900) / 100) + i32::from(!p.male);
        let candidate = format!("012{d4}{:02}{:06}", p.dob.year % 100, rng.below(1_000_000));
        if !pids.contains(candidate.as_str()) {
            break candidate;
        }
    };
    p.cmnd.clear();
    (p, pid)
}

fn finish_truth(
    rows: &mut Vec<Vec<String>>,
    truth: &mut Vec<(String, String, BTreeSet<&'static str>)>,
    record: Vec<String>,
    id: String,
    person: String,
    codes: BTreeSet<&'static str>,
) {
    rows.push(record);
    truth.push((id, person, codes));
}

/// Turns some rows into unreadable ones (short, or an impossible date in a required
/// column): their truth becomes `REJECTED_ROW` only. Rows of duplicated people are
/// left readable, so the duplicate stays one.
fn malform(rng: &mut Rng, rate: f64, dob_col: Option<usize>, reg: &mut Registry) {
    let duplicated: HashSet<String> =
        reg.truth.iter().filter(|t| t.2.contains("DUPLICATE_RECORD")).map(|t| t.1.clone()).collect();
    for i in 0..reg.rows.len() {
        if rng.chance(rate) && !duplicated.contains(&reg.truth[i].1) {
            match dob_col {
                Some(c) if rng.chance(0.5) => reg.rows[i][c] = format!("31/02/{}", 1950 + rng.below(60)),
                _ => reg.rows[i].truncate(3),
            }
            reg.truth[i].2 = ["REJECTED_ROW"].into_iter().collect();
        }
    }
}

/// Duplicates some rows under new record IDs, older than the original: the copy is the
/// `DUPLICATE_RECORD` (the kept record is the most recent, then the smallest ID).
fn duplicate(
    rng: &mut Rng,
    rate: f64,
    id_col: usize,
    new_id: &mut dyn FnMut(&str) -> String,
    updated_col: Option<usize>,
    reg: &mut Registry,
) {
    let n = reg.rows.len();
    for i in 0..n {
        let (_, person, codes) = &reg.truth[i];
        if person.is_empty() || codes.contains("REJECTED_ROW") || !rng.chance(rate) {
            continue;
        }
        let mut copy = reg.rows[i].clone();
        let id = new_id(&reg.truth[i].0);
        copy[id_col] = id.clone();
        if let Some(c) = updated_col {
            copy[c] = "01/01/2019".into();
        }
        let mut codes = codes.clone();
        codes.insert("DUPLICATE_RECORD");
        // An older copy was last updated before any later population change.
        let person = person.clone();
        reg.rows.push(copy);
        reg.truth.push((id, person, codes));
    }
}

fn sex_label(male: bool) -> String {
    if male { "Nam" } else { "Nữ" }.to_string()
}

/// The parents' names a birth or school record gives: the population's, or with the
/// mother's replaced at the profile's rate (`PARENT_MISMATCH`).
fn parents(rng: &mut Rng, r: &Rates, w: &World, p: &Person, row: &mut Row) -> (String, String) {
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

/// Insurance (BHXH/BHYT): one record per insured person.
pub fn insurance(rng: &mut Rng, r: &Rates, w: &World) -> Registry {
    let mut reg = Registry {
        agency: "insurance",
        file: "bhxh.csv",
        header: vec![
            "Mã số BHXH",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Số CCCD/CMND",
            "Địa chỉ",
            "Trạng thái thẻ",
            "Ngày cập nhật",
        ],
        rows: Vec::new(),
        truth: Vec::new(),
    };
    let mut counter = 0u64;
    let mut next_id = || {
        counter += 1;
        format!("12{:08}", (counter * 7_919_113) % 100_000_000)
    };
    for p in w.people {
        let age = p.age(&w.today);
        let share = if age < 6 {
            0.9
        } else if age < 18 {
            0.5
        } else if age <= 65 {
            0.6
        } else {
            0.45
        };
        if !rng.chance(share) {
            continue;
        }
        let mut row = identity(rng, r, w, p, false);
        let mut updated = random_updated(rng, p, &w.today);
        let (_, addr) = address(rng, r, w, p, true, &mut row, &mut updated);
        let active = status_active(rng, r, p, &mut row);
        let id = next_id();
        let record = vec![
            id.clone(),
            row.name,
            row.dob,
            sex_label(row.male),
            row.id,
            addr,
            status(active, "Còn hiệu lực", "Hết hiệu lực"),
            fmt_date(&updated),
        ];
        finish_truth(&mut reg.rows, &mut reg.truth, record, id, p.pid.clone(), row.codes);
    }
    strangers(rng, r, w, &mut reg, &mut next_id, |row, addr, id| {
        vec![id, row.name, row.dob, sex_label(row.male), row.id, addr, "Còn hiệu lực".into(), "01/06/2025".into()]
    });
    duplicate(rng, r.duplicate, 0, &mut |_| next_id(), Some(7), &mut reg);
    malform(rng, r.malformed_row, Some(2), &mut reg);
    reg
}

fn status(active: bool, yes: &str, no: &str) -> String {
    if active { yes } else { no }.to_string()
}

/// A record's last update: before the person's death when dead, else recent.
fn random_updated(rng: &mut Rng, p: &Person, today: &PartialDate) -> PartialDate {
    let year = 2022 + rng.below((today.year - 2022 + 1) as u64) as i32;
    let d = PartialDate { year, month: 1 + rng.below(12) as u8, day: 1 + rng.below(28) as u8 };
    let d = if d > *today { PartialDate { year: today.year - 1, ..d } } else { d };
    match &p.moved_from {
        // Not stale unless the mover damage says so: updated after the move.
        Some((_, when)) if d < *when => *today,
        _ => d,
    }
}

/// Rows of people absent from the population.
fn strangers(
    rng: &mut Rng,
    r: &Rates,
    w: &World,
    reg: &mut Registry,
    next_id: &mut dyn FnMut() -> String,
    make: impl Fn(Row, String, String) -> Vec<String>,
) {
    let n = (reg.rows.len() as f64 * r.not_in_population).round() as usize;
    for _ in 0..n {
        let (p, pid) = stranger(rng, w, &w.pids);
        let mut codes = BTreeSet::new();
        codes.insert("NOT_IN_POPULATION");
        let id = if rng.chance(0.5) {
            codes.insert("ID_MISSING");
            String::new()
        } else {
            pid
        };
        let c = w.commune(&p.commune);
        let row =
            Row { name: p.name(), dob: fmt_date(&p.dob), male: p.male, id, commune_written: c.name.clone(), codes };
        let addr = format!("{}, {}, Tỉnh Lai Châu", p.hamlet, c.name);
        let rid = next_id();
        let codes = row.codes.clone();
        let record = make(row, addr, rid.clone());
        finish_truth(&mut reg.rows, &mut reg.truth, record, rid, String::new(), codes);
    }
}

/// Land: parcels of household heads and some spouses, owner's birth year only.
pub fn land(rng: &mut Rng, r: &Rates, w: &World) -> Registry {
    let mut reg = Registry {
        agency: "land",
        file: "dat_dai.csv",
        header: vec![
            "Mã thửa",
            "Tờ bản đồ",
            "Số thửa",
            "Tên chủ sử dụng",
            "Năm sinh",
            "Số giấy tờ",
            "Địa chỉ chủ sử dụng",
            "Tình trạng GCN",
        ],
        rows: Vec::new(),
        truth: Vec::new(),
    };
    let mut parcel: HashMap<String, u64> = HashMap::new();
    let mut next_parcel = |commune: &str, rng: &mut Rng| {
        let n = parcel.entry(commune.to_string()).or_insert(0);
        *n += 1;
        let sheet = 1 + rng.below(40);
        (format!("{commune}-{sheet:02}-{:05}", *n), sheet.to_string(), n.to_string())
    };
    for p in w.people {
        let owner = (p.head && rng.chance(0.75)) || (!p.head && p.spouse.is_some() && rng.chance(0.1));
        if !owner || p.age(&w.today) < 18 {
            continue;
        }
        for _ in 0..1 + rng.below(3) {
            let mut row = identity(rng, r, w, p, true);
            let mut updated = w.today;
            let (_, addr) = address(rng, r, w, p, false, &mut row, &mut updated);
            let active = status_active(rng, r, p, &mut row);
            let (id, sheet, number) = next_parcel(&p.commune, rng);
            let record = vec![
                id.clone(),
                sheet,
                number,
                row.name,
                row.dob,
                row.id,
                addr,
                status(active, "Đã cấp GCN", "Đã thu hồi GCN"),
            ];
            finish_truth(&mut reg.rows, &mut reg.truth, record, id, p.pid.clone(), row.codes);
        }
    }
    let mut stranger_id = 0u64;
    strangers(
        rng,
        r,
        w,
        &mut reg,
        &mut || {
            stranger_id += 1;
            format!("00000-99-{stranger_id:05}")
        },
        |row, addr, id| {
            vec![
                id,
                "99".into(),
                "0".into(),
                row.name,
                row.dob.rsplit('/').next().unwrap_or("").to_string(),
                row.id,
                addr,
                "Đã cấp GCN".into(),
            ]
        },
    );
    malform(rng, r.malformed_row, None, &mut reg);
    reg
}

/// Education: pupils aged 3–18, with their parents' names.
pub fn education(rng: &mut Rng, r: &Rates, w: &World) -> (Registry, Vec<String>) {
    let mut reg = Registry {
        agency: "education",
        file: "giao_duc.csv",
        header: vec![
            "Mã học sinh",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Mã định danh",
            "Trường",
            "Lớp",
            "Họ tên cha",
            "Họ tên mẹ",
            "Xã/Phường",
            "Trạng thái",
        ],
        rows: Vec::new(),
        truth: Vec::new(),
    };
    let mut counter = 0u64;
    let mut next_id = || {
        counter += 1;
        format!("HS{:09}", counter * 101)
    };
    let mut absent = Vec::new();
    for p in w.people {
        let age = p.age(&w.today);
        if !(3..=18).contains(&age) {
            continue;
        }
        if p.death.is_some() || !rng.chance(0.9) {
            if (6..=17).contains(&age) && p.death.is_none() {
                absent.push(p.pid.clone());
            }
            continue;
        }
        let mut rates = r.clone();
        if age < 10 {
            rates.id_missing = (r.id_missing * 1.6).min(0.9);
        }
        let mut row = identity(rng, &rates, w, p, false);
        let mut updated = w.today;
        let (commune, _) = address(rng, r, w, p, true, &mut row, &mut updated);
        row.codes.remove("STALE_RECORD"); // the school file carries no update date
        row.commune_written = commune;
        let (father, mother) = parents(rng, r, w, p, &mut row);
        let school = if age < 6 {
            "MN"
        } else if age < 11 {
            "TH"
        } else if age < 15 {
            "THCS"
        } else {
            "THPT"
        };
        let grade = if age < 6 { "Lá".to_string() } else { format!("{}A", (age - 5).min(12)) };
        let id = next_id();
        let record = vec![
            id.clone(),
            row.name,
            row.dob,
            sex_label(row.male),
            row.id,
            format!("{school} {}", w.commune(&p.commune).name),
            grade,
            father,
            mother,
            row.commune_written,
            "Đang học".into(),
        ];
        finish_truth(&mut reg.rows, &mut reg.truth, record, id, p.pid.clone(), row.codes);
    }
    strangers(rng, r, w, &mut reg, &mut next_id, |row, _, id| {
        vec![
            id,
            row.name,
            row.dob,
            sex_label(row.male),
            row.id,
            "TH".into(),
            "3A".into(),
            String::new(),
            String::new(),
            row.commune_written,
            "Đang học".into(),
        ]
    });
    // Without an update date the smallest record ID is kept: the copy sorts after.
    duplicate(rng, r.duplicate, 0, &mut |orig| format!("{orig}-2"), None, &mut reg);
    malform(rng, r.malformed_row, Some(2), &mut reg);
    (reg, absent)
}

/// Civil status: births since 2016, deaths, marriages.
pub fn civil_status(
    rng: &mut Rng,
    r: &Rates,
    w: &World,
    death_not_in_population: f64,
    marital_conflict: f64,
) -> Registry {
    let mut reg = Registry {
        agency: "civil_status",
        file: "ho_tich.csv",
        header: vec![
            "Số đăng ký",
            "Loại sự kiện",
            "Ngày đăng ký",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Số định danh",
            "Nơi đăng ký",
            "Họ tên cha",
            "Họ tên mẹ",
        ],
        rows: Vec::new(),
        truth: Vec::new(),
    };
    let mut counter = 0u64;
    let mut next = |kind: &str, year: i32| {
        counter += 1;
        format!("{kind}-{year}-{counter:07}")
    };
    for (i, p) in w.people.iter().enumerate() {
        // Births since 2016.
        if p.dob.year >= 2016 && p.dob.day != 0 && rng.chance(0.95) {
            let mut row = identity(rng, r, w, p, false);
            let mut updated = w.today;
            let (commune, _) = address(rng, r, w, p, false, &mut row, &mut updated);
            let (father, mother) = parents(rng, r, w, p, &mut row);
            let reg_date = PartialDate { day: p.dob.day.min(28), month: p.dob.month, year: p.dob.year };
            let id = next("KS", p.dob.year);
            let record = vec![
                id.clone(),
                "Khai sinh".into(),
                fmt_date(&reg_date),
                row.name,
                row.dob,
                sex_label(row.male),
                row.id,
                commune,
                father,
                mother,
            ];
            finish_truth(&mut reg.rows, &mut reg.truth, record, id, p.pid.clone(), row.codes);
        }
        // Deaths, and deaths the population has not recorded.
        let unrecorded = p.death.is_none() && p.age(&w.today) > 60 && rng.chance(death_not_in_population);
        if (p.death.is_some() && rng.chance(0.85)) || unrecorded {
            let mut row = identity(rng, r, w, p, false);
            let mut updated = w.today;
            let (commune, _) = address(rng, r, w, p, false, &mut row, &mut updated);
            if unrecorded {
                row.codes.insert("DEATH_NOT_IN_POPULATION");
            }
            let when = p.death.unwrap_or(w.today);
            let id = next("KT", when.year);
            let record = vec![
                id.clone(),
                "Khai tử".into(),
                fmt_date(&when),
                row.name,
                row.dob,
                sex_label(row.male),
                row.id,
                commune,
                String::new(),
                String::new(),
            ];
            finish_truth(&mut reg.rows, &mut reg.truth, record, id, p.pid.clone(), row.codes);
        }
        // Marriages: a third of the couples registered theirs (one row per spouse);
        // some single people have one the population does not show.
        let married = p.spouse.is_some_and(|s| s > i) && rng.chance(0.33);
        let conflict =
            p.spouse.is_none() && p.marital == "Độc thân" && p.age(&w.today) >= 20 && rng.chance(marital_conflict);
        if married || conflict {
            let partners: Vec<usize> = if married { vec![i, p.spouse.unwrap_or(i)] } else { vec![i] };
            let year = (p.dob.year + 22).min(w.today.year);
            for q in partners {
                let q = &w.people[q];
                let mut row = identity(rng, r, w, q, false);
                let mut updated = w.today;
                let (commune, _) = address(rng, r, w, q, false, &mut row, &mut updated);
                if conflict {
                    row.codes.insert("MARITAL_CONFLICT");
                }
                let id = next("KH", year);
                let record = vec![
                    id.clone(),
                    "Kết hôn".into(),
                    format!("15/06/{year}"),
                    row.name,
                    row.dob,
                    sex_label(row.male),
                    row.id,
                    commune,
                    String::new(),
                    String::new(),
                ];
                finish_truth(&mut reg.rows, &mut reg.truth, record, id, q.pid.clone(), row.codes);
            }
        }
    }
    let mut n = 0u64;
    strangers(
        rng,
        r,
        w,
        &mut reg,
        &mut || {
            n += 1;
            format!("KS-9999-{n:07}")
        },
        |row, _, id| {
            vec![
                id,
                "Khai sinh".into(),
                "01/01/2024".into(),
                row.name,
                row.dob,
                sex_label(row.male),
                row.id,
                row.commune_written,
                String::new(),
                String::new(),
            ]
        },
    );
    duplicate(rng, r.duplicate, 0, &mut |orig| format!("{orig}-2"), None, &mut reg);
    // A duplicated marriage is no duplicate (marriages may repeat), and a duplicated
    // death of a living person is one registration too many, not a second code.
    for (row, truth) in reg.rows.iter().zip(reg.truth.iter_mut()) {
        if row[1] == "Kết hôn" {
            truth.2.remove("DUPLICATE_RECORD");
        }
    }
    malform(rng, r.malformed_row, Some(4), &mut reg);
    reg
}
