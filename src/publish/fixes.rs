//! `fixes.csv` and `fixes.parquet`: what a machine can apply in bulk (SPEC §7), for the
//! agency's IT to import — one row per record and field, with the value to write and how
//! sure doisoat is of it. Each row is a discrepancy whose [`fix`] flag assess set; two
//! codes that suggest the same value for one field (an ID-less record: `ID_MISSING` and
//! `LINKED_WITHOUT_ID`) give one row, the first code's.
//!
//! [`fix`]: crate::assess::Discrepancy::fix

use super::columns::Row;
use super::writers::{write_parquet, CsvFile};
use crate::assess::Code;
use crate::cells::format_line_into;
use crate::error::Result;
use polars::prelude::*;
use std::path::Path;

/// The columns of both files, in order.
pub const HEADERS: [&str; 11] = [
    "record_id",
    "line",
    "source_file",
    "commune_code",
    "field",
    "current_value",
    "suggested_value",
    "code",
    "confidence",
    "person_id",
    "discrepancy_id",
];

/// How sure a fix is: a legacy unit's 2025 unit is read from the reference tables (1);
/// every other fix comes from the linked person, as sure as the link.
pub fn confidence(r: &Row) -> f64 {
    if r.d.code == Code::AddressLegacyUnit {
        1.0
    } else {
        r.d.score.unwrap_or(1.0)
    }
}

/// The rows of `rows` (in file order) that go to the fixes files: fixes, one per record
/// and field.
pub fn select<'r, 'a>(rows: &'r [Row<'a>]) -> Vec<&'r Row<'a>> {
    let mut out: Vec<&Row> = Vec::new();
    for r in rows.iter().filter(|r| r.d.fix) {
        // A record's rows are adjacent (sorted by commune, record, file, line, code).
        let same = |p: &&Row| {
            p.d.line == r.d.line && p.d.source == r.d.source && p.d.field == r.d.field && p.d.record_id == r.d.record_id
        };
        if !out.last().is_some_and(same) {
            out.push(r);
        }
    }
    out
}

/// Writes `fixes.csv` and `fixes.parquet` into `dir`.
pub fn write(dir: &Path, fixes: &[&Row]) -> Result<()> {
    // Each line formatted from the rows' own text, into buffers reused from row to row (a
    // million fixes is a million lines).
    let mut csv = CsvFile::create(&dir.join("fixes.csv"), &HEADERS)?;
    let (mut line, mut number, mut sure) = (Vec::with_capacity(512), String::new(), String::new());
    for r in fixes {
        use std::fmt::Write as _;
        number.clear();
        sure.clear();
        let _ = write!(number, "{}", r.d.line);
        let _ = write!(sure, "{:.4}", confidence(r));
        let cells = [
            r.d.record_id.as_str(),
            &number,
            r.source_file,
            &r.d.commune,
            r.d.field,
            &r.d.registry_value,
            r.suggested,
            r.d.code.name(),
            &sure,
            &r.d.person_id,
            r.id,
        ];
        format_line_into(&mut line, cells.iter());
        csv.write_raw(&line)?;
    }
    csv.finish()?;
    let text_column = |name: &str, value: for<'x> fn(&'x Row<'x>) -> &'x str| {
        Column::new(name.into(), fixes.iter().map(|r| value(r)).collect::<Vec<&str>>())
    };
    let mut df = DataFrame::new_infer_height(vec![
        text_column("record_id", |r| &r.d.record_id),
        Column::new("line".into(), fixes.iter().map(|r| r.d.line).collect::<Vec<u64>>()),
        text_column("source_file", |r| r.source_file),
        text_column("commune_code", |r| &r.d.commune),
        text_column("field", |r| r.d.field),
        text_column("current_value", |r| &r.d.registry_value),
        text_column("suggested_value", |r| r.suggested),
        text_column("code", |r| r.d.code.name()),
        Column::new(
            "confidence".into(),
            fixes.iter().map(|r| (confidence(r) * 10_000.0).round() / 10_000.0).collect::<Vec<f64>>(),
        ),
        text_column("person_id", |r| &r.d.person_id),
        text_column("discrepancy_id", |r| r.id),
    ])?;
    write_parquet(&dir.join("fixes.parquet"), &mut df)
}
