//! Identity numbers: the 12-digit personal ID (*số định danh cá nhân*) and the legacy
//! 9-digit CMND.
//!
//! Takes a raw value; gives an [`Id`] with the digits, its kind, and what was repaired.
//! The personal ID's structure (province of birth registration, century/sex digit,
//! birth-year digits, no check digit) is from `../shared/reference/id_number_rules.md`;
//! the province codes from `province_id_codes.csv`, copied to `rules/`.

use super::date::PartialDate;
use super::sex::Sex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// What kind of identity number a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum IdKind {
    /// Nothing written.
    #[default]
    Missing,
    /// 12 digits: a personal ID (CCCD / số định danh cá nhân).
    Personal,
    /// 9 digits: a legacy CMND.
    Legacy,
    /// Anything else.
    Malformed,
    /// An identifier of another scheme, declared in the rules (`id_kind = "other"`):
    /// compared as written, without the personal ID's structure checks.
    Other,
}

impl IdKind {
    /// Stable label used in output files.
    pub fn label(self) -> &'static str {
        match self {
            IdKind::Missing => "missing",
            IdKind::Personal => "personal",
            IdKind::Legacy => "legacy",
            IdKind::Malformed => "malformed",
            IdKind::Other => "other",
        }
    }
}

/// The note of an 11-digit value that starts with 0: a 12-digit ID with a digit lost.
pub const DIGIT_LOST: &str = "11 digits starting with 0: a digit lost (a spreadsheet drops only a leading zero)";

/// What was repaired in an ID, or why it is malformed. A byte, not the text: a person and
/// a record each hold two IDs, a million at a time (the text made an ID 48 bytes, 32 now).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdNote {
    /// A number in scientific notation.
    Scientific,
    /// Letters or signs among the digits.
    NotDigits,
    /// 11 digits starting with 0 ([`DIGIT_LOST`]).
    DigitLost,
    /// 11 digits: the leading zero restored.
    ZeroRestored,
    /// Another length.
    Length,
}

impl IdNote {
    /// What the note says (the discrepancy's note, `describe`).
    pub fn text(self) -> &'static str {
        match self {
            IdNote::Scientific => "scientific notation: digits lost in a spreadsheet, not recoverable",
            IdNote::NotDigits => "contains characters other than digits",
            IdNote::DigitLost => DIGIT_LOST,
            IdNote::ZeroRestored => "leading zero restored (dropped by a spreadsheet)",
            IdNote::Length => "neither 12 nor 9 digits",
        }
    }
}

/// A normalized identity number.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Id {
    /// Digits only (empty when missing; the cleaned text when malformed). Boxed text, not
    /// a string: every person holds two IDs and every record two, millions at a time.
    pub digits: Box<str>,
    /// The kind.
    pub kind: IdKind,
    /// What was repaired or why it is malformed.
    pub note: Option<IdNote>,
}

impl Id {
    /// The note's text, if any.
    pub fn note_text(&self) -> Option<&'static str> {
        self.note.map(IdNote::text)
    }

    /// An 11-digit value starting with 0 ([`DIGIT_LOST`]): a personal ID with one digit
    /// lost somewhere, which the ID-typo index and the ID ladder still look up.
    pub fn digit_lost(&self) -> bool {
        self.kind == IdKind::Malformed && self.note == Some(IdNote::DigitLost)
    }
}

/// Normalizes an ID: spaces, dots and dashes removed; 11 digits are a personal ID whose
/// leading zero a spreadsheet dropped (every province code starts with 0) — unless they
/// start with 0 themselves: a spreadsheet drops a leading zero, never one digit of the
/// middle, so those are an ID with a digit lost, malformed; scientific notation
/// (`1.23457E+11`, `1,23457E+11`) lost digits and cannot be recovered.
pub fn parse(raw: &str) -> Id {
    let s: String =
        raw.trim().trim_start_matches('\'').chars().filter(|c| !matches!(c, ' ' | '.' | '-' | '\u{a0}')).collect();
    if s.is_empty() {
        return Id { digits: s.into(), kind: IdKind::Missing, note: None };
    }
    if scientific(raw.trim()) {
        return Id { digits: raw.trim().into(), kind: IdKind::Malformed, note: Some(IdNote::Scientific) };
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Id { digits: s.into(), kind: IdKind::Malformed, note: Some(IdNote::NotDigits) };
    }
    match s.len() {
        12 => Id { digits: s.into(), kind: IdKind::Personal, note: None },
        9 => Id { digits: s.into(), kind: IdKind::Legacy, note: None },
        11 if s.starts_with('0') => Id { digits: s.into(), kind: IdKind::Malformed, note: Some(IdNote::DigitLost) },
        11 => Id { digits: format!("0{s}").into(), kind: IdKind::Personal, note: Some(IdNote::ZeroRestored) },
        _ => Id { digits: s.into(), kind: IdKind::Malformed, note: Some(IdNote::Length) },
    }
}

/// An identifier of another scheme (`id_kind = "other"`): its letters and digits,
/// upper-cased, compared as written; nothing else is checked.
pub fn parse_other(raw: &str) -> Id {
    let s: String = raw.trim().chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase).collect();
    let kind = if s.is_empty() { IdKind::Missing } else { IdKind::Other };
    Id { digits: s.into(), kind, note: None }
}

/// Whether a value is a number in scientific notation (`1.20851E+11`, `1,20851E+11`,
/// `0.00E+00`, `1.2e11`): what a spreadsheet shows of a long number.
fn scientific(v: &str) -> bool {
    let Some((mantissa, exponent)) = v.split_once(['E', 'e']) else { return false };
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// Why a value in an ID column is spreadsheet debris rather than an attempt at an ID: an
/// error value (`#REF!`, `#N/A`, `#VALUE!`, `#NAME?`, …) or a number in scientific
/// notation. Such a row is a broken export row, rejected with this reason.
pub fn spreadsheet_debris(raw: &str) -> Option<String> {
    let v = raw.trim();
    if v.starts_with('#') && (v.ends_with(['!', '?']) || v.eq_ignore_ascii_case("#N/A")) && v.len() <= 16 {
        return Some(format!("spreadsheet error value {v} instead of an ID"));
    }
    scientific(v).then(|| format!("{v} is a number in scientific notation: the ID's digits are lost"))
}

/// The 3-digit province codes of birth registration (`rules/province_id_codes.csv`).
pub fn province_codes() -> &'static HashSet<String> {
    static CODES: OnceLock<HashSet<String>> = OnceLock::new();
    CODES.get_or_init(|| {
        include_str!("../../rules/province_id_codes.csv")
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .map(str::to_string)
            .collect()
    })
}

/// A problem found in a personal ID by its own structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdProblem {
    /// Digits 1–3 are no province code.
    ProvinceInvalid(String),
    /// Digit 4 disagrees with the sex or the birth century: (digit, what it says).
    SexCenturyConflict(u8, String),
    /// Digits 5–6 disagree with the birth year: (digits, year).
    BirthYearConflict(String, i32),
}

/// Century/sex digit as (first year of the century, sex).
fn decode_digit4(d: u8) -> (i32, Sex) {
    let century = 1900 + 100 * i32::from(d / 2);
    let sex = if d.is_multiple_of(2) { Sex::Male } else { Sex::Female };
    (century, sex)
}

/// The personal ID's structural checks against the record's own sex and birth date.
pub fn check_personal(digits: &str, sex: Option<Sex>, dob: Option<&PartialDate>) -> Vec<IdProblem> {
    let mut problems = Vec::new();
    // Twelve ASCII digits only: a malformed value keeps its characters, and twelve bytes
    // of letters (`lỳthịmé`, found by fuzzing) must not be sliced as digits.
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return problems;
    }
    let province = &digits[..3];
    if !province_codes().contains(province) {
        problems.push(IdProblem::ProvinceInvalid(province.to_string()));
    }
    let d4 = digits.as_bytes()[3] - b'0';
    let (century, id_sex) = decode_digit4(d4);
    let sex_conflict = sex.is_some_and(|s| s != id_sex);
    let century_conflict = dob.is_some_and(|d| d.year / 100 * 100 != century);
    if sex_conflict || century_conflict {
        let says = format!("{} born {}–{}", id_sex.label(), century, century + 99);
        problems.push(IdProblem::SexCenturyConflict(d4, says));
    }
    if let Some(d) = dob {
        let yy = &digits[4..6];
        // Checked on its own: a parent's ID on a child's record fails both checks.
        if format!("{:02}", d.year % 100) != yy {
            problems.push(IdProblem::BirthYearConflict(yy.to_string(), d.year));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fuzzing regression (`fuzz/`, target `normalize`): twelve bytes of letters with
    /// diacritics panicked when sliced as digits.
    #[test]
    fn fuzz_twelve_bytes_of_letters_are_not_checked_as_digits() {
        let id = parse("lỳthịmé");
        assert_eq!(id.kind, IdKind::Malformed);
        assert!(check_personal("lỳthịmé", None, None).is_empty());
        assert!(check_personal(&id.digits, Some(Sex::Male), None).is_empty());
        let described = crate::vn::describe::describe(
            crate::vn::describe::Kind::Id,
            "lỳthịmé",
            "12",
            &PartialDate { year: 2026, month: 11, day: 30 },
        );
        assert!(described.contains("malformed"), "{described}");
    }

    #[test]
    fn parse_table() {
        let cases = [
            ("012087000123", IdKind::Personal, "012087000123"),
            ("012 087 000 123", IdKind::Personal, "012087000123"),
            ("'012087000123", IdKind::Personal, "012087000123"),
            ("12087000123", IdKind::Personal, "012087000123"),
            ("040123456", IdKind::Legacy, "040123456"),
            ("", IdKind::Missing, ""),
            ("1.20870E+11", IdKind::Malformed, "1.20870E+11"),
            ("01208700012", IdKind::Malformed, "01208700012"),
            ("1,20870E+11", IdKind::Malformed, "1,20870E+11"),
            ("0120870001", IdKind::Malformed, "0120870001"),
            ("01208700012A", IdKind::Malformed, "01208700012A"),
        ];
        for (raw, kind, digits) in cases {
            let id = parse(raw);
            assert_eq!((id.kind, &*id.digits), (kind, digits), "{raw:?}");
        }
    }

    #[test]
    fn province_table_loaded() {
        assert_eq!(province_codes().len(), 63);
        assert!(province_codes().contains("012"));
        assert!(!province_codes().contains("003"));
    }

    #[test]
    fn personal_checks() {
        let dob = PartialDate::new(1987, 3, 5).unwrap();
        assert!(check_personal("012087000123", Some(Sex::Male), Some(&dob)).is_empty());
        assert_eq!(
            check_personal("003087000123", Some(Sex::Male), Some(&dob)),
            vec![IdProblem::ProvinceInvalid("003".into())]
        );
        assert!(matches!(
            check_personal("012187000123", Some(Sex::Male), Some(&dob))[..],
            [IdProblem::SexCenturyConflict(1, _)]
        ));
        assert!(matches!(check_personal("012287000123", None, Some(&dob))[..], [IdProblem::SexCenturyConflict(2, _)]));
        assert!(matches!(
            check_personal("012088000123", Some(Sex::Male), Some(&dob))[..],
            [IdProblem::BirthYearConflict(_, 1987)]
        ));
    }

    /// A parent's ID on a child's record: century digit and birth-year digits both
    /// disagree, and each check says so (the year was left unchecked when the century
    /// already conflicted).
    #[test]
    fn id_structure_checks_each_on_its_own() {
        let child = PartialDate::new(2015, 6, 1).unwrap();
        assert!(matches!(
            check_personal("012087000123", Some(Sex::Male), Some(&child))[..],
            [IdProblem::SexCenturyConflict(0, _), IdProblem::BirthYearConflict(_, 2015)]
        ));
    }

    /// An 11-digit value that starts with 0 did not lose its leading zero (a spreadsheet
    /// cannot drop a 0 and keep one): a digit was lost somewhere. It is malformed, not
    /// restored to `00…` (which then failed every structure check).
    #[test]
    fn eleven_digits_starting_with_zero_lost_a_digit() {
        let id = parse("01287000123");
        assert_eq!((id.kind, id.note_text()), (IdKind::Malformed, Some(DIGIT_LOST)));
        assert!(id.digit_lost());
        assert_eq!(parse("12087000123").kind, IdKind::Personal);
    }

    /// Spreadsheet debris in an ID cell is no attempt at an ID.
    #[test]
    fn spreadsheet_debris_in_an_id_cell() {
        for v in ["#REF!", "#N/A", "#VALUE!", "#NAME?", "#DIV/0!", "1.20851E+11", "1,20851E+11", "0.00E+00", " 1.2e11 "]
        {
            assert!(spreadsheet_debris(v).is_some(), "{v}");
        }
        for v in ["012087000123", "12087000123", "", "E12", "#12", "1E", "040123456"] {
            assert_eq!(spreadsheet_debris(v), None, "{v}");
        }
    }
}
