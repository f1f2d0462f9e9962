//! One value normalized and described as TSV fields, for people checking a case by hand
//! (`doisoat normalize name|address|id|date`). Columns: input, canonical form, folded
//! key, parsed parts, flags.

use super::address;
use super::admin::{AdminUnits, Era};
use super::date::{self, DayOrder, PartialDate};
use super::id::{self, IdProblem};
use super::name::Name;
use super::text;

/// What kind of value to normalize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A personal name.
    Name,
    /// A free-text address.
    Address,
    /// An identity number.
    Id,
    /// A date.
    Date,
}

/// The header line for a kind.
pub fn header(kind: Kind) -> &'static str {
    match kind {
        Kind::Name => "input\tcanonical\tfolded\tsurname\tmiddle\tgiven\twithout_middle\tphonetic\tflags",
        Kind::Address => "input\tcanonical\tfolded\tunit_code\tera\tunit_2025\tlegacy_unit\thouse\thamlet\tcommune\tdistrict\tprovince\tflags",
        Kind::Id => "input\tcanonical\tfolded\tkind\tchecks\tflags",
        Kind::Date => "input\tcanonical\tfolded\tprecision\tflags",
    }
}

/// Describes one value as TSV fields (tabs and newlines in the input are shown as spaces).
pub fn describe(kind: Kind, value: &str, province: &str, today: &PartialDate) -> String {
    let input = value.replace(['\t', '\n', '\r'], " ");
    let fields: Vec<String> = match kind {
        Kind::Name => match Name::parse(value) {
            Some(n) => {
                let mut flags = Vec::new();
                if let Some(r) = n.repair {
                    flags.push(format!("repaired:{}", r.label()));
                }
                if !n.has_marks {
                    flags.push("no_diacritics".into());
                }
                if n.titled {
                    let sex = n.title_sex.map_or("", |s| if s == super::sex::Sex::Male { ":male" } else { ":female" });
                    flags.push(format!("title{sex}"));
                }
                let display: Vec<&str> = n.display.split(' ').collect();
                let (surname, given) = (display[0].to_string(), display[display.len() - 1].to_string());
                let middle = if display.len() > 2 { display[1..display.len() - 1].join(" ") } else { String::new() };
                vec![
                    n.display.to_string(),
                    n.folded.to_string(),
                    surname,
                    middle,
                    given,
                    n.without_middle(),
                    n.phonetic(),
                    flags.join(","),
                ]
            }
            None => vec![
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                "empty".into(),
            ],
        },
        Kind::Address => {
            let a = address::parse(value);
            let units = AdminUnits::get();
            let resolved = units.resolve_address(&a, None, province);
            let mut flags = Vec::new();
            let (code, era, unit, legacy) = match &resolved {
                Some(c) => {
                    if c.ambiguous {
                        flags.push("split_unit_default_target".to_string());
                    }
                    let era = if c.era == Era::Legacy { "legacy" } else { "2025" };
                    let unit = units.unit(&c.code).map(|u| u.name.clone()).unwrap_or_default();
                    (
                        c.code.to_string(),
                        era.to_string(),
                        unit,
                        c.legacy_name.as_deref().unwrap_or_default().to_string(),
                    )
                }
                None => {
                    flags.push("commune_not_found".into());
                    Default::default()
                }
            };
            let o = |s: &Option<String>| s.clone().unwrap_or_default();
            vec![
                a.canonical(),
                text::fold(&a.canonical()),
                code,
                era,
                unit,
                legacy,
                o(&a.house),
                o(&a.hamlet),
                o(&a.commune),
                o(&a.district),
                o(&a.province),
                flags.join(","),
            ]
        }
        Kind::Id => {
            let i = id::parse(value);
            let checks: Vec<String> = id::check_personal(&i.digits, None, None)
                .iter()
                .map(|p| match p {
                    IdProblem::ProvinceInvalid(c) => format!("province_invalid:{c}"),
                    IdProblem::SexCenturyConflict(d, _) => format!("sex_century:{d}"),
                    IdProblem::BirthYearConflict(y, _) => format!("birth_year:{y}"),
                })
                .collect();
            vec![
                i.digits.to_string(),
                i.digits.to_string(),
                i.kind.label().into(),
                checks.join(","),
                i.note_text().unwrap_or("").into(),
            ]
        }
        Kind::Date => match date::parse(value, DayOrder::Dmy, today) {
            Ok(Some(d)) => vec![d.to_string(), d.to_string(), d.precision().label().into(), String::new()],
            Ok(None) => vec![String::new(), String::new(), String::new(), "empty".into()],
            Err(e) => vec![String::new(), String::new(), String::new(), format!("invalid: {e}")],
        },
    };
    std::iter::once(input).chain(fields).collect::<Vec<_>>().join("\t")
}
