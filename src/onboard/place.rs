//! Which field each column holds: the header dictionary proposes, the sampled values
//! confirm (a column named like a date whose values are dates) or overrule, and the
//! values alone place an ID or sex column whose header no dictionary row knows.

use super::headers::{self, Spelling};
use super::sample::Column;
use crate::config::{CodeEra, Field};
use crate::normalize::profile::{names_office, reads_as, ValueKind};
use crate::vn::date::{DayOrder, PartialDate};
use crate::vn::id::{self, IdKind};
use crate::vn::name::Name;
use crate::vn::sex;
use std::collections::HashMap;

/// What a column's sampled values read as (counts of non-empty sampled values).
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Non-empty sampled values.
    pub values: usize,
    /// Dates (day first), full or partial.
    pub dates: usize,
    /// Dates with a day.
    pub full_dates: usize,
    /// Dates read month first where day first fails.
    pub month_first: usize,
    /// A bare year.
    pub years: usize,
    /// Personal IDs (12 digits, or 11 that lost a leading zero).
    pub personal_ids: usize,
    /// Legacy CMND (9 digits).
    pub cmnd: usize,
    /// A Vietnamese ID spoilt: spreadsheet debris (`#N/A`, `1.2E+11`) or 8 to 13 digits.
    pub id_like: usize,
    /// A sex in the default spellings.
    pub sexes: usize,
    /// Names: two to seven words of letters.
    pub names: usize,
    /// Names written after a title (`Ông`, `Hộ bà`).
    pub titled: usize,
    /// Communes of the province: a 2025 code or a name.
    pub communes: usize,
    /// Legacy 5-digit commune codes.
    pub legacy_codes: usize,
    /// Addresses whose commune resolves in the province.
    pub addresses: usize,
    /// Values naming an office (`UBND xã …`, `Ủy ban nhân dân …`).
    pub offices: usize,
}

impl Evidence {
    /// Reads a column's sampled values; each distinct value once. Whether they are
    /// communes or addresses (the slowest question: a spelling fallback) is asked only
    /// of a column whose header names a place.
    pub fn of(column: &Column, province: &str, today: &PartialDate) -> Evidence {
        let place = headers::lookup(&column.header, true)
            .into_iter()
            .chain(headers::lookup(&column.header, false))
            .filter_map(|s| s.field)
            .any(|f| matches!(f, Field::Commune | Field::CurrentCommune | Field::Address | Field::CurrentAddress));
        let mut distinct: HashMap<&str, usize> = HashMap::new();
        for v in &column.values {
            *distinct.entry(v.as_str()).or_default() += 1;
        }
        let mut e = Evidence { values: column.values.len(), ..Evidence::default() };
        let sexes = crate::config::SexRules::default();
        let reads = |kind, v: &str, era| reads_as(kind, v, era, DayOrder::Dmy, province, today);
        for (v, n) in distinct {
            let date = crate::vn::date::parse(v, DayOrder::Dmy, today).ok().flatten();
            if let Some(d) = date {
                e.dates += n;
                e.full_dates += if d.day != 0 { n } else { 0 };
                e.years += if v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()) { n } else { 0 };
            } else if crate::vn::date::parse(v, DayOrder::Mdy, today).is_ok_and(|d| d.is_some()) {
                e.month_first += n;
            }
            match id::parse(v).kind {
                IdKind::Personal => e.personal_ids += n,
                IdKind::Legacy => e.cmnd += n,
                _ if id::spreadsheet_debris(v).is_some()
                    || (8..=13).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    e.id_like += n
                }
                _ => {}
            }
            e.sexes += if sex::parse(v, &sexes.male, &sexes.female).is_ok_and(|s| s.is_some()) { n } else { 0 };
            let wordy = v.split_whitespace().count();
            if (2..=7).contains(&wordy) && v.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '.') {
                if let Some(name) = Name::parse(v) {
                    e.names += n;
                    e.titled += if name.titled { n } else { 0 };
                }
            }
            let code = v.len() == 5 && v.bytes().all(|b| b.is_ascii_digit());
            if !place {
                continue;
            }
            // A commune is a code or a short name; a long text is an address (asking
            // whether it names a commune runs the spelling fallback for nothing).
            let short = !v.contains(',') && v.split_whitespace().count() <= 6;
            if short && reads(ValueKind::Commune, v, CodeEra::Current) {
                e.communes += n;
            } else if code && reads(ValueKind::Commune, v, CodeEra::Legacy) {
                e.legacy_codes += n;
            }
            if !code && reads(ValueKind::Address, v, CodeEra::Current) {
                e.addresses += n;
            }
            e.offices += if names_office(v) { n } else { 0 };
        }
        e
    }

    fn share(&self, n: usize) -> f64 {
        if self.values == 0 {
            0.0
        } else {
            n as f64 / self.values as f64
        }
    }

    /// "`n` of the `values` sampled values" with the share.
    pub fn of_sampled(&self, n: usize) -> String {
        format!("{} of {} sampled values ({:.0} %)", n, self.values, 100.0 * self.share(n))
    }
}

/// Where a column goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// Mapped to a field, with what the guess rests on.
    Field(Field, String),
    /// Left for a person, with why.
    Unplaced(String),
}

/// A column's proposal before the file's columns are weighed against each other.
pub struct Proposal {
    /// Where the column would go.
    pub place: Place,
    /// How strong the claim is: 3 an exact header, 2 header words, 1 values alone, 0 a
    /// weak header (only when nothing else claims the field).
    pub strength: u8,
    /// The share of values that confirm it (ties between two columns).
    pub confirmed: f64,
}

/// The proposal for one column.
pub fn propose(column: &Column, e: &Evidence, population: bool, province: &str) -> Proposal {
    let unplaced = |why: String| Proposal { place: Place::Unplaced(why), strength: 0, confirmed: 0.0 };
    match headers::lookup(&column.header, population) {
        Some(Spelling { field: None, matched, .. }) => {
            unplaced(format!("the header reads as '{matched}', which names no field doisoat compares"))
        }
        Some(Spelling { field: Some(field), weak, matched, exact }) => {
            let by = if exact { format!("the header is '{matched}'") } else { format!("the header holds '{matched}'") };
            match confirm(field, e, province) {
                Ok((field, confirmed, why)) => Proposal {
                    place: Place::Field(
                        field,
                        if weak {
                            format!("{by}; {why}. It is where the event was registered, taken for where the person lives only because no other column says it: check")
                        } else {
                            format!("{by}; {why}")
                        },
                    ),
                    strength: if weak {
                        0
                    } else if exact {
                        3
                    } else {
                        2
                    },
                    confirmed,
                },
                Err(why) => unplaced(format!("{by} ({}), but {why}", field.name())),
            }
        }
        None => by_values(e),
    }
}

/// A column whose header the dictionary does not know: an ID or a sex column is told by
/// its values; anything else is left for a person.
fn by_values(e: &Evidence) -> Proposal {
    let ids = e.personal_ids + e.cmnd;
    if e.values >= 10 && e.share(ids) >= 0.9 {
        return Proposal {
            place: Place::Field(
                Field::Id,
                format!("an unknown header, but {} are personal IDs or CMND", e.of_sampled(ids)),
            ),
            strength: 1,
            confirmed: e.share(ids),
        };
    }
    if e.values >= 10 && e.share(e.sexes) >= 0.9 && e.sexes > e.dates {
        return Proposal {
            place: Place::Field(Field::Sex, format!("an unknown header, but {} are a sex", e.of_sampled(e.sexes))),
            strength: 1,
            confirmed: e.share(e.sexes),
        };
    }
    Proposal { place: Place::Unplaced("not a header doisoat knows".into()), strength: 0, confirmed: 0.0 }
}

/// Checks a header's field against the column's values: (the field, the share that
/// confirms it, why), or why not.
fn confirm(field: Field, e: &Evidence, province: &str) -> Result<(Field, f64, String), String> {
    let ok = |f: Field, n: usize, what: &str| Ok((f, e.share(n), format!("{} {what}", e.of_sampled(n))));
    if e.values == 0 {
        return Ok((field, 0.0, "no value in the sampled rows to confirm it".into()));
    }
    match field {
        Field::Dob | Field::BirthYear if e.share(e.years) >= 0.5 => ok(Field::BirthYear, e.years, "are a year alone"),
        Field::Dob | Field::BirthYear if e.share(e.dates) >= 0.5 => ok(Field::Dob, e.dates, "are dates"),
        Field::Dob | Field::BirthYear | Field::EventDate | Field::DeathDate | Field::UpdatedAt => {
            if e.share(e.dates + e.month_first) >= 0.5 {
                ok(field, e.dates + e.month_first, "are dates")
            } else {
                Err(format!("only {} are dates", e.of_sampled(e.dates)))
            }
        }
        Field::Id | Field::LegacyId | Field::FatherId | Field::MotherId | Field::SpouseId => {
            let ids = e.personal_ids + e.cmnd;
            if e.share(ids) >= 0.5 {
                ok(field, ids, &format!("are personal IDs ({}) or CMND ({})", e.personal_ids, e.cmnd))
            } else if e.share(ids + e.id_like) >= 0.5 {
                let spoilt = format!(", {} more spoilt (spreadsheet debris, digits lost or added)", e.id_like);
                ok(field, ids, &format!("are personal IDs ({}) or CMND ({}){spoilt}", e.personal_ids, e.cmnd))
            } else if field == Field::Id {
                ok(field, e.values - ids, "are no Vietnamese ID: read as another scheme's identifier")
            } else {
                Err(format!("only {} are personal IDs or CMND", e.of_sampled(ids)))
            }
        }
        Field::Sex => ok(field, e.sexes, "are a sex"),
        Field::FullName | Field::FatherName | Field::MotherName | Field::SpouseName => {
            if e.share(e.names) >= 0.5 {
                let titled = if e.titled > 0 {
                    format!("; {} start with a title (Ông, Bà, Hộ …), read without it", e.of_sampled(e.titled))
                } else {
                    String::new()
                };
                ok(field, e.names, &format!("are names{titled}"))
            } else {
                Err(format!("only {} read as names", e.of_sampled(e.names)))
            }
        }
        Field::Commune | Field::CurrentCommune => {
            let offices = if e.offices > 0 {
                format!(
                    "; {} name an office (`UBND xã …`): the office that registered, not where the person lives",
                    e.of_sampled(e.offices)
                )
            } else {
                String::new()
            };
            if e.share(e.communes.max(e.legacy_codes)) >= 0.5 {
                let n = e.communes.max(e.legacy_codes);
                let what = if e.legacy_codes > e.communes { "are pre-2025 commune codes" } else { "are communes" };
                ok(field, n, &format!("{what} of province {province}{offices}"))
            } else if e.share(e.addresses) >= 0.5 {
                ok(
                    Field::Address,
                    e.addresses,
                    &format!("are addresses whose commune resolves in province {province}{offices}"),
                )
            } else {
                Err(format!("only {} resolve to a commune of province {province}", e.of_sampled(e.communes)))
            }
        }
        // Named like an address, holding commune codes or names alone: a commune.
        Field::Address | Field::CurrentAddress if e.share(e.communes) >= 0.5 && e.communes > e.addresses => {
            let commune = if field == Field::Address { Field::Commune } else { Field::CurrentCommune };
            ok(commune, e.communes, &format!("are communes of province {province} alone, not addresses"))
        }
        Field::Address | Field::CurrentAddress => {
            ok(field, e.addresses, &format!("resolve to a commune of province {province}"))
        }
        _ => Ok((field, 1.0, format!("{} sampled values", e.values))),
    }
}

/// The commune code era a commune column's values say.
pub fn code_era(e: &Evidence) -> CodeEra {
    if e.legacy_codes > e.communes {
        CodeEra::Legacy
    } else {
        CodeEra::Current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(header: &str, values: &[&str]) -> Column {
        Column { header: header.into(), values: values.iter().map(|v| v.to_string()).collect(), sampled: values.len() }
    }

    fn place(header: &str, values: &[&str]) -> Place {
        let today = PartialDate { year: 2026, month: 11, day: 29 };
        let c = column(header, values);
        propose(&c, &Evidence::of(&c, "12", &today), false, "12").place
    }

    fn field(p: Place) -> Option<Field> {
        match p {
            Place::Field(f, _) => Some(f),
            Place::Unplaced(_) => None,
        }
    }

    #[test]
    fn a_date_header_is_confirmed_by_its_values() {
        assert_eq!(field(place("Ngày sinh", &["05/03/1987", "12/08/1992"])), Some(Field::Dob));
        // Named a year, written as full dates: a date of birth.
        assert_eq!(field(place("Năm sinh", &["05/03/1987", "12/08/1992"])), Some(Field::Dob));
        // Named a date, holding years only: a birth year.
        assert_eq!(field(place("Ngày sinh", &["1987", "1992"])), Some(Field::BirthYear));
        // Named a date, holding no dates: left for a person.
        assert_eq!(field(place("Ngày sinh", &["Giàng A Páo", "Lò Văn Pấu"])), None);
    }

    #[test]
    fn an_address_header_over_commune_codes_is_the_commune() {
        assert_eq!(field(place("Mã ĐVHC thường trú", &["03424", "03451", "03424"])), Some(Field::Commune));
        assert_eq!(field(place("Nơi thường trú", &["Bản Nà Tăm, Xã Bản Bo, Tỉnh Lai Châu"])), Some(Field::Address));
    }

    #[test]
    fn an_unknown_header_of_ids_is_the_id() {
        let ids = ["012087000101"; 12];
        assert_eq!(field(place("Mã công dân", &ids)), Some(Field::Id));
        assert_eq!(field(place("Ghi chú", &["x"; 12])), None);
    }

    #[test]
    fn a_name_column_says_how_many_names_carry_a_title() {
        let Place::Field(Field::FullName, why) = place("Tên chủ sử dụng", &["Ông Giàng A Páo", "Lò Văn Pấu"])
        else {
            panic!("a name column");
        };
        assert!(why.contains("1 of 2 sampled values (50 %) start with a title"), "{why}");
    }

    #[test]
    fn a_registration_office_is_said_to_be_one() {
        let Place::Field(Field::Commune | Field::Address, why) =
            place("Nơi đăng ký", &["UBND xã Bản Bo", "UBND xã Mù Cả"])
        else {
            panic!("a commune");
        };
        assert!(why.contains("name an office"), "{why}");
    }
}
