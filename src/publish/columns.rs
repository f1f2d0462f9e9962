//! The discrepancy columns, once: each column's name in `discrepancies.parquet`, its
//! Vietnamese header where the worklist's code sheets show it, and its typed value. Every
//! writer renders from this table.

use crate::assess::Discrepancy;
use crate::error::Result;
use std::path::Path;

/// One discrepancy as every writer sees it: the discrepancy and what the run adds.
pub struct Row<'a> {
    /// Run ID.
    pub run_id: &'a str,
    /// Agency key.
    pub agency: &'a str,
    /// The discrepancy.
    pub d: &'a Discrepancy,
    /// Commune name.
    pub commune_name: &'a str,
    /// Stable discrepancy ID.
    pub id: &'a str,
    /// The suggested value as published (a REVIEW row's candidate ID masked when the job
    /// masks review IDs).
    pub suggested: &'a str,
    /// New since the previous run.
    pub is_new: bool,
    /// The name of the agency's file the row is in.
    pub source_file: &'a str,
}

/// A column's type, as Parquet stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 text.
    Text,
    /// The input line number (u64).
    Line,
    /// The link tier, 1–3 (i32, null when unlinked).
    Tier,
    /// The link probability (f64, null when unlinked).
    Score,
    /// A yes/no flag (boolean).
    Flag,
}

/// A cell's value.
pub enum Value<'a> {
    /// Text.
    Text(&'a str),
    /// A line number.
    Line(u64),
    /// A link tier.
    Tier(Option<u8>),
    /// A link probability.
    Score(Option<f64>),
    /// A flag.
    Flag(bool),
}

impl<'a> Value<'a> {
    /// The text of a [`Kind::Text`] column.
    pub fn text(&self) -> &'a str {
        match self {
            Value::Text(s) => s,
            _ => unreachable!("a text column gives text"),
        }
    }

    /// The number of a [`Kind::Line`] column.
    pub fn line(&self) -> u64 {
        match self {
            Value::Line(n) => *n,
            _ => unreachable!("a line column gives a line"),
        }
    }

    /// The tier of a [`Kind::Tier`] column.
    pub fn tier(&self) -> Option<u8> {
        match self {
            Value::Tier(t) => *t,
            _ => unreachable!("a tier column gives a tier"),
        }
    }

    /// The probability of a [`Kind::Score`] column.
    pub fn score(&self) -> Option<f64> {
        match self {
            Value::Score(x) => *x,
            _ => unreachable!("a score column gives a score"),
        }
    }

    /// The flag of a [`Kind::Flag`] column.
    pub fn flag(&self) -> bool {
        match self {
            Value::Flag(b) => *b,
            _ => unreachable!("a flag column gives a flag"),
        }
    }
}

/// One discrepancy column.
pub struct Column {
    /// Name in the CSV and Parquet files.
    pub name: &'static str,
    /// Its header on the workbook's code sheets (`None`: not shown there — the sheet
    /// names the code, and the summary sheet gives its dimension and severity).
    pub sheet_header: Option<&'static str>,
    /// Its type.
    pub kind: Kind,
    /// Its value for a row.
    pub value: for<'a> fn(&Row<'a>) -> Value<'a>,
}

/// Every discrepancy column, in file order.
pub const COLUMNS: [Column; 21] = [
    Column { name: "run_id", sheet_header: None, kind: Kind::Text, value: |r| Value::Text(r.run_id) },
    Column { name: "agency", sheet_header: None, kind: Kind::Text, value: |r| Value::Text(r.agency) },
    Column {
        name: "record_id",
        sheet_header: Some("Mã hồ sơ"),
        kind: Kind::Text,
        value: |r| Value::Text(&r.d.record_id),
    },
    Column { name: "line", sheet_header: Some("Dòng"), kind: Kind::Line, value: |r| Value::Line(r.d.line) },
    Column {
        name: "commune_code",
        sheet_header: Some("Mã xã"),
        kind: Kind::Text,
        value: |r| Value::Text(&r.d.commune),
    },
    Column {
        name: "commune_name",
        sheet_header: Some("Tên xã/phường"),
        kind: Kind::Text,
        value: |r| Value::Text(r.commune_name),
    },
    Column { name: "code", sheet_header: None, kind: Kind::Text, value: |r| Value::Text(r.d.code.name()) },
    Column {
        name: "dimension",
        sheet_header: None,
        kind: Kind::Text,
        value: |r| Value::Text(r.d.code.dimension().key()),
    },
    Column {
        name: "severity",
        sheet_header: None,
        kind: Kind::Text,
        value: |r| Value::Text(r.d.code.severity().label()),
    },
    Column { name: "field", sheet_header: Some("Trường"), kind: Kind::Text, value: |r| Value::Text(r.d.field) },
    Column {
        name: "registry_value",
        sheet_header: Some("Giá trị trong hồ sơ"),
        kind: Kind::Text,
        value: |r| Value::Text(&r.d.registry_value),
    },
    Column {
        name: "population_value",
        sheet_header: Some("Giá trị trong CSDL dân cư"),
        kind: Kind::Text,
        value: |r| Value::Text(&r.d.population_value),
    },
    Column {
        name: "suggested_value",
        sheet_header: Some("Đề xuất sửa"),
        kind: Kind::Text,
        value: |r| Value::Text(r.suggested),
    },
    Column {
        name: "person_id",
        sheet_header: Some("Số định danh"),
        kind: Kind::Text,
        value: |r| Value::Text(&r.d.person_id),
    },
    Column {
        name: "link_tier",
        sheet_header: Some("Tầng liên kết"),
        kind: Kind::Tier,
        value: |r| Value::Tier(r.d.tier.map(|t| t as u8)),
    },
    Column {
        name: "link_score",
        sheet_header: Some("Điểm liên kết"),
        kind: Kind::Score,
        value: |r| Value::Score(r.d.score),
    },
    Column {
        name: "discrepancy_id",
        sheet_header: Some("Mã sai lệch"),
        kind: Kind::Text,
        value: |r| Value::Text(r.id),
    },
    Column { name: "is_new", sheet_header: Some("Mới"), kind: Kind::Flag, value: |r| Value::Flag(r.is_new) },
    Column { name: "note", sheet_header: Some("Ghi chú"), kind: Kind::Text, value: |r| Value::Text(&r.d.note) },
    Column {
        name: "source_file",
        sheet_header: Some("Tệp nguồn"),
        kind: Kind::Text,
        value: |r| Value::Text(r.source_file),
    },
    // Where the row went: `fix` (fixes.csv, applied by machine; a second code of the same
    // fix is not repeated there) or `work` (the worklist, for a person).
    Column {
        name: "action",
        sheet_header: None,
        kind: Kind::Text,
        value: |r| Value::Text(if r.d.fix { "fix" } else { "work" }),
    },
];

/// The columns of a workbook code sheet, in the sheet's order: what an officer reads
/// first (record, place, field, the two values and the fix) before the link and the
/// bookkeeping.
pub const SHEET_ORDER: [&str; 15] = [
    "record_id",
    "line",
    "commune_code",
    "commune_name",
    "field",
    "registry_value",
    "population_value",
    "suggested_value",
    "person_id",
    "link_tier",
    "link_score",
    "note",
    "is_new",
    "discrepancy_id",
    "source_file",
];

/// The column named `name`.
pub fn column(name: &str) -> &'static Column {
    COLUMNS.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no discrepancy column {name}"))
}

/// Writes rows as a discrepancy Parquet file (`discrepancies.parquet`, the national
/// pass's `cross_province.parquet`): every column, typed, for machines.
pub fn write_parquet(path: &Path, rows: &[Row]) -> Result<()> {
    use polars::prelude::{Column as Series, DataFrame};
    super::writers::write_parquet_chunks(path, rows.len(), |range| {
        let rows = &rows[range];
        let columns: Vec<Series> = COLUMNS
            .iter()
            .map(|c| {
                let values = rows.iter().map(|r| (c.value)(r));
                let name = c.name.into();
                match c.kind {
                    Kind::Text => Series::new(name, values.map(|v| v.text()).collect::<Vec<&str>>()),
                    Kind::Line => Series::new(name, values.map(|v| v.line()).collect::<Vec<u64>>()),
                    Kind::Tier => {
                        Series::new(name, values.map(|v| v.tier().map(i32::from)).collect::<Vec<Option<i32>>>())
                    }
                    Kind::Score => Series::new(name, values.map(|v| v.score()).collect::<Vec<Option<f64>>>()),
                    Kind::Flag => Series::new(name, values.map(|v| v.flag()).collect::<Vec<bool>>()),
                }
            })
            .collect();
        DataFrame::new_infer_height(columns)
    })
}

/// Writes rows as a discrepancy CSV file (every column; a tier and a flag as digits, a
/// probability to four decimals).
pub fn write_csv(path: &Path, rows: &[Row]) -> Result<()> {
    let text = |v: Value| match v {
        Value::Text(s) => s.to_string(),
        Value::Line(n) => n.to_string(),
        Value::Tier(t) => t.map(|t| t.to_string()).unwrap_or_default(),
        Value::Score(x) => x.map(|x| format!("{x:.4}")).unwrap_or_default(),
        Value::Flag(b) => u8::from(b).to_string(),
    };
    let headers: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
    let lines = rows.iter().map(|r| COLUMNS.iter().map(|c| text((c.value)(r))).collect::<Vec<String>>());
    super::writers::write_csv(path, &headers, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sheet_shows_exactly_the_columns_with_a_sheet_header() {
        let mut shown: Vec<&str> = SHEET_ORDER.to_vec();
        shown.sort();
        let mut headed: Vec<&str> = COLUMNS.iter().filter(|c| c.sheet_header.is_some()).map(|c| c.name).collect();
        headed.sort();
        assert_eq!(shown, headed);
    }
}
