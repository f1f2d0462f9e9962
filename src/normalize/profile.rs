//! How the values of a file's mapped columns parse: for each column of a kind that must
//! resolve (a commune, an address, a date, an ID), how many of its sampled values do not,
//! and the commonest shapes of those that do not (`Xxx - xã Xxx - huyện Xxx`: letters
//! masked, unit words and punctuation kept, so no personal data is shown). A column most
//! of whose values do not parse is mapped to the wrong field, or written in a form
//! doisoat does not read: a person must look (`check-rules`, the run's summary).

use super::{resolve_commune, CommuneKey};
use crate::config::{Field, Rules};
use crate::ingest::Table;
use crate::vn::date::{self, PartialDate};
use crate::vn::id::{self, IdKind};
use crate::vn::text;
use crate::vn::unit_words::type_words;
use std::collections::HashMap;

/// Rows sampled per file.
pub const SAMPLE_ROWS: usize = 2_000;

/// Shapes of failed values shown.
const FORMS_SHOWN: usize = 3;

/// One mapped column's values, sampled.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColumnProfile {
    /// The canonical field.
    pub field: Field,
    /// The column as the rules name it.
    pub column: String,
    /// Sampled rows with a value.
    pub values: usize,
    /// Of them, values that did not parse or resolve.
    pub failed: usize,
    /// The commonest shapes of the failed values, with their counts, commonest first.
    pub forms: Vec<(String, usize)>,
    /// Values that parse but that a person should know of (names written after a title,
    /// a commune written as the office that registered): what they are, how many, and
    /// their commonest shapes.
    pub notable: Option<Notable>,
}

/// What notable values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotableKind {
    /// Names written after a title (`Ông`, `Hộ bà`).
    Titled,
    /// A commune written as an office (`UBND xã …`).
    Office,
    /// A status the rules do not list as active (read as inactive).
    Inactive,
}

impl NotableKind {
    /// What the values are, for a person reading the profile.
    pub fn describe(self) -> &'static str {
        match self {
            NotableKind::Titled => "start with a title (Ông, Bà, Hộ …), read without it",
            NotableKind::Office => "name an office (UBND …): where a record was registered, not where the person lives",
            NotableKind::Inactive => "are no spelling [status] active lists, read as inactive",
        }
    }
}

/// Values of a column that parse but that a person should know of.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Notable {
    /// What they are.
    pub what: NotableKind,
    /// How many of the sampled values.
    pub count: usize,
    /// Their commonest shapes, with their counts.
    pub forms: Vec<(String, usize)>,
}

impl ColumnProfile {
    /// A warning when most values of the column do not parse, or name an office, or when
    /// no status value is an active spelling (the `[status] active` list is wrong).
    pub fn warning(&self) -> Option<String> {
        let warns = |n: &&Notable| match n.what {
            NotableKind::Office => n.count * 2 > self.values,
            NotableKind::Inactive => n.count == self.values,
            NotableKind::Titled => false,
        };
        if let Some(n) = self.notable.as_ref().filter(warns) {
            let forms: Vec<String> = n.forms.iter().map(|(f, k)| format!("`{f}` ({k})")).collect();
            return Some(format!(
                "column \"{}\" ({}): {} of {} sampled values {}; commonest forms: {}",
                self.column,
                self.field.name(),
                n.count,
                self.values,
                n.what.describe(),
                forms.join(", ")
            ));
        }
        (self.values > 0 && self.failed * 2 > self.values).then(|| {
            let forms: Vec<String> = self.forms.iter().map(|(f, n)| format!("`{f}` ({n})")).collect();
            format!(
                "column \"{}\" ({}): {} of {} sampled values {}; commonest forms: {}",
                self.column,
                self.field.name(),
                self.failed,
                self.values,
                what_fails(self.field),
                forms.join(", ")
            )
        })
    }
}

/// What the failed values of a field are not.
pub fn what_fails(field: Field) -> &'static str {
    match column_kind(field) {
        Some(Check::Value(Kind::Commune)) | Some(Check::Value(Kind::Address)) => "resolve to no commune",
        Some(Check::Value(Kind::Date)) => "are no date",
        Some(Check::Value(Kind::Id)) => "are no personal ID or CMND",
        Some(Check::Name) => "are no name",
        Some(Check::Sex) => "are no sex the rules know",
        Some(Check::Event) => "are no event type the rules know",
        Some(Check::Status) => "do not parse",
        None => "do not parse",
    }
}

/// How a mapped column is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Value(ValueKind),
    Name,
    Sex,
    Event,
    Status,
}

fn column_kind(field: Field) -> Option<Check> {
    match field {
        Field::FullName | Field::FatherName | Field::MotherName | Field::SpouseName => Some(Check::Name),
        Field::Sex => Some(Check::Sex),
        Field::EventType => Some(Check::Event),
        Field::Status => Some(Check::Status),
        f => kind(f).map(Check::Value),
    }
}

/// What a value must read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A commune: a 5-digit code or a name, resolved in the province.
    Commune,
    /// A free-text address whose commune resolves in the province.
    Address,
    /// A date, full or partial.
    Date,
    /// A personal ID or a legacy CMND.
    Id,
}

use ValueKind as Kind;

fn kind(field: Field) -> Option<Kind> {
    match field {
        Field::Commune | Field::CurrentCommune => Some(Kind::Commune),
        Field::Address | Field::CurrentAddress => Some(Kind::Address),
        Field::Dob | Field::BirthYear | Field::DeathDate | Field::EventDate | Field::UpdatedAt => Some(Kind::Date),
        Field::Id | Field::LegacyId => Some(Kind::Id),
        _ => None,
    }
}

/// Whether a value names an office (`UBND xã …`, `Ủy ban nhân dân …`, `Phòng Tư pháp …`)
/// rather than a place: where a record was registered, not where its person lives.
pub fn names_office(v: &str) -> bool {
    let f = text::fold(v);
    f.starts_with("ubnd") || f.starts_with("uy ban") || f.starts_with("phong tu phap")
}

/// Whether a value reads as a kind, as the run reads it (communes resolved in `province`
/// with codes of `era`, dates in `order`, after nothing later than `today`).
pub fn reads_as(
    kind: ValueKind,
    v: &str,
    era: crate::config::CodeEra,
    order: date::DayOrder,
    province: &str,
    today: &PartialDate,
) -> bool {
    match kind {
        Kind::Commune => resolve_commune(CommuneKey([v, "", ""]), era, province).0.is_some(),
        Kind::Address => resolve_commune(CommuneKey(["", "", v]), era, province).0.is_some(),
        Kind::Date => date::parse(v, order, today).is_ok_and(|d| d.is_some()),
        Kind::Id => matches!(id::parse(v).kind, IdKind::Personal | IdKind::Legacy),
    }
}

/// The population's required columns that are empty on some rows, one warning each with
/// the count and the first lines. Such a person is kept (a name is all a person needs),
/// but the register's keepers must know: a person without an ID or a date of birth can be
/// found only by what remains.
pub fn missing_required(table: &Table, rules: &Rules) -> Vec<String> {
    let layout = &table.layout;
    rules
        .required
        .iter()
        .filter(|f| !layout.column(**f).is_empty())
        .filter_map(|&f| {
            let lines: Vec<u64> =
                table.rows.iter().filter(|r| r.get(layout, f).trim().is_empty()).map(|r| r.line).collect();
            let first: Vec<String> = lines.iter().take(10).map(u64::to_string).collect();
            let more = if lines.len() > 10 { ", …" } else { "" };
            (!lines.is_empty()).then(|| {
                format!(
                    "column '{}' is required and empty on {} row(s) (line {}{more}): they are kept, unchecked on it",
                    layout.column(f),
                    lines.len(),
                    first.join(", ")
                )
            })
        })
        .collect()
}

/// Profiles the mapped columns of a table that must parse, on its first
/// [`SAMPLE_ROWS`] rows; each distinct value is read once.
pub fn profile(table: &Table, rules: &Rules, province: &str, today: &PartialDate) -> Vec<ColumnProfile> {
    let rows = &table.rows[..table.rows.len().min(SAMPLE_ROWS)];
    let mut out = Vec::new();
    for (column, &field) in &rules.columns {
        let Some(check) = column_kind(field) else { continue };
        // Another scheme's identifiers are compared as written: nothing to parse.
        if check == Check::Value(Kind::Id) && rules.id_kind == crate::config::IdScheme::Other {
            continue;
        }
        let mut seen: HashMap<&str, (bool, Option<String>)> = HashMap::new();
        let mut forms: HashMap<String, usize> = HashMap::new();
        let mut notable: HashMap<String, usize> = HashMap::new();
        let (mut values, mut failed) = (0, 0);
        for row in rows {
            let v = row.get(&table.layout, field).trim();
            if v.is_empty() {
                continue;
            }
            values += 1;
            let (ok, note) = seen.entry(v).or_insert_with(|| read(check, v, rules, province, today));
            if !*ok {
                failed += 1;
                *forms.entry(shape(v)).or_default() += 1;
            }
            if let Some(n) = note {
                *notable.entry(n.clone()).or_default() += 1;
            }
        }
        let notable = (!notable.is_empty()).then(|| {
            let what = match check {
                Check::Name => NotableKind::Titled,
                Check::Status => NotableKind::Inactive,
                _ => NotableKind::Office,
            };
            Notable { what, count: notable.values().sum(), forms: commonest(notable) }
        });
        out.push(ColumnProfile { field, column: column.clone(), values, failed, forms: commonest(forms), notable });
    }
    out
}

fn commonest(counts: HashMap<String, usize>) -> Vec<(String, usize)> {
    let mut forms: Vec<(String, usize)> = counts.into_iter().collect();
    forms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    forms.truncate(FORMS_SHOWN);
    forms
}

/// Whether a value reads as its column's kind, and its shape when it is notable (a name
/// after a title: the title kept; an office).
fn read(check: Check, v: &str, rules: &Rules, province: &str, today: &PartialDate) -> (bool, Option<String>) {
    let in_lists = |lists: &[&Vec<String>]| {
        let f = text::fold(v);
        lists.iter().any(|l| l.iter().any(|x| text::fold(x) == f))
    };
    match check {
        Check::Value(kind) => {
            let ok = reads_as(kind, v, rules.commune_code_era, rules.dates.order, province, today);
            (ok, (kind == Kind::Commune && names_office(v)).then(|| shape(v)))
        }
        Check::Name => match crate::vn::name::Name::parse(v) {
            Some(n) if !v.chars().any(|c| c.is_ascii_digit()) => {
                let titled = n.titled.then(|| {
                    let cleaned = text::clean(v);
                    let (_, rest) = crate::vn::name::strip_title(&cleaned);
                    let title = cleaned[..cleaned.len() - rest.len()].trim_end();
                    format!("{title} {}", shape(rest))
                });
                (true, titled)
            }
            _ => (false, None),
        },
        Check::Sex => (in_lists(&[&rules.sex.male, &rules.sex.female]), None),
        Check::Event => (in_lists(&[&rules.events.birth, &rules.events.death, &rules.events.marriage]), None),
        // A status is a word of a short list, no personal data: shown as written.
        Check::Status => (true, (!in_lists(&[&rules.status.active])).then(|| v.to_string())),
    }
}

/// A value's shape with its personal data masked: each word of letters `Xxx` (`xxx` in
/// lower case), each digit `9`; unit type words (`xã`, `huyện`, `X.`), spreadsheet error
/// values and punctuation as written.
pub fn shape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let folded = text::fold(word);
        let unit_word = type_words().full.iter().any(|(w, full)| *w == folded || text::fold(full) == folded);
        // An office (`UBND`) and the exponent of a number a spreadsheet wrote in
        // scientific notation (`1,20191E+11`) are no personal data.
        let exponent = (word == "E" || word == "e") && out.ends_with(|c: char| c.is_ascii_digit());
        if unit_word || folded == "ubnd" || exponent {
            out.push_str(word);
        } else if word.chars().next().is_some_and(char::is_uppercase) {
            out.push_str("Xxx");
        } else {
            out.push_str("xxx");
        }
        word.clear();
    };
    if value.starts_with('#') && id::spreadsheet_debris(value).is_some() {
        return value.to_string();
    }
    for c in value.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(if c.is_ascii_digit() { '9' } else { c });
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_mask_personal_data_and_keep_unit_words() {
        assert_eq!(shape("Bản Nậm Ty - xã Mù Cả - huyện Mường Tè"), "Bản Xxx Xxx - xã Xxx Xxx - huyện Xxx Xxx");
        assert_eq!(shape("UBND xã Mù Cả"), "UBND xã Xxx Xxx");
        assert_eq!(shape("1,20191E+11"), "9,99999E+99");
        assert_eq!(shape("12/31/1990"), "99/99/9999");
        assert_eq!(shape("#REF!"), "#REF!");
        assert_eq!(shape("Lò Văn Pấu"), "Xxx Xxx Xxx");
    }
}
