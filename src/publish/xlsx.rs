//! `discrepancies.xlsx`: the file an agency officer opens. A first summary sheet
//! ("Tổng hợp": the four scores, outcome counts, counts by commune and by code), then one
//! sheet per code with Vietnamese column headers, a frozen header row, filters and column
//! widths that fit the values.
//!
//! Every value is written as a string or a number, never as a formula, so a registry value
//! such as `=HYPERLINK(…)` stays inert text. Sheets stream to disk (constant-memory mode),
//! the summary first, then each code sheet on a thread of its own, rows in order.

use super::columns::{self, Column, Row, Value, SHEET_ORDER};
use crate::assess::{Code, Dimension};
use crate::error::{Error, Result};
use crate::link::Tier;
use crate::score::{AgencyScores, Scores};
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::collections::BTreeMap;
use std::path::Path;

/// Most data rows on one sheet (Excel's limit is 1 048 576 rows, header included).
pub const MAX_ROWS: usize = 1_048_575;

/// Rows of a sheet whose values size its columns.
const WIDTH_SAMPLE: usize = 5_000;

/// Widest column, in characters: wider values wrap in the cell when opened.
const MAX_WIDTH: usize = 60;

/// The summary sheet's name.
pub const SUMMARY_SHEET: &str = "Tổng hợp";

/// A cell of a code sheet.
enum Cell<'a> {
    Text(&'a str),
    Number(f64),
    Empty,
}

/// A discrepancy value as a code sheet shows it: numbers as numbers, the "new" flag as
/// "có". The probability of a tier-3 link is shown; an ID link's is always 1 and says
/// nothing, so the cell stays empty (a tenth of a large sheet's cells).
fn cell<'a>(r: &Row<'a>, column: &Column) -> Cell<'a> {
    match (column.value)(r) {
        Value::Text(s) => Cell::Text(s),
        Value::Line(n) => Cell::Number(n as f64),
        Value::Tier(t) => t.map_or(Cell::Empty, |t| Cell::Number(f64::from(t))),
        Value::Score(Some(s)) if r.d.tier == Some(Tier::Probabilistic) => {
            Cell::Number((s * 10_000.0).round() / 10_000.0)
        }
        Value::Score(_) => Cell::Empty,
        Value::Flag(b) => Cell::Text(if b { "có" } else { "" }),
    }
}

fn severity_vi(c: Code) -> &'static str {
    match c.severity() {
        crate::assess::Severity::Error => "lỗi",
        crate::assess::Severity::Warning => "cảnh báo",
    }
}

fn xlsx_error(path: &Path, e: XlsxError) -> Error {
    match e {
        XlsxError::IoError(io) => Error::io(path, io),
        other => Error::Input { path: path.into(), message: format!("cannot write the workbook: {other}") },
    }
}

/// The agency-level facts of the summary sheet.
pub struct Summary<'a> {
    /// Run ID.
    pub run_id: &'a str,
    /// Agency key.
    pub agency: &'a str,
    /// Agency name.
    pub name: &'a str,
    /// Scores, overall and per commune.
    pub scores: &'a AgencyScores,
    /// The run's reference day: the workbook's creation date, so the same run gives the
    /// same bytes.
    pub today: crate::vn::date::PartialDate,
}

/// Writes `discrepancies.xlsx`. `rows` are in file order (sorted by commune); each code
/// gets its sheet in SPEC order, rows keeping that order.
///
/// rust_xlsxwriter 0.102 panics (an `unwrap` in its packager) when flushing a
/// constant-memory sheet fails, e.g. on a full disk; that panic is caught here and
/// becomes the usual I/O error naming the file, so a full disk fails the run cleanly.
pub fn write(path: &Path, summary: &Summary, rows: &[Row]) -> Result<()> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write_book(path, summary, rows))) {
        Ok(result) => result,
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown failure".into());
            Err(Error::io(path, std::io::Error::other(format!("the workbook writer failed: {why}"))))
        }
    }
}

fn write_book(path: &Path, summary: &Summary, rows: &[Row]) -> Result<()> {
    let err = |e| xlsx_error(path, e);
    let mut book = Workbook::new();
    let t = summary.today;
    let created =
        ExcelDateTime::from_ymd(t.year.clamp(1900, 9999) as u16, t.month.max(1), t.day.max(1)).map_err(err)?;
    // Level 1 (of 1–9): the workbook's XML compresses well at any level, and at the
    // default 6 deflate was half the time of writing a million rows.
    book.set_zip_compression_level(1);
    book.set_properties(&DocProperties::new().set_creation_datetime(&created).set_title(summary.name));
    // Temporary sheet files go next to the workbook, so a full or unwritable disk is
    // reported on the run's own path.
    if let Some(dir) = path.parent() {
        book.set_tempdir(dir).map_err(err)?;
    }
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border_bottom(rust_xlsxwriter::FormatBorder::Thin);
    let mut by_code: BTreeMap<Code, Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_code.entry(r.d.code).or_default().push(i);
    }
    // Every code sheet is filled on its own thread, then added in order: a sheet streams to its
    // own temporary file, so sheets need nothing from each other, and the workbook of a
    // large agency takes as long as its largest sheet instead of the sum of them.
    let mut parts: Vec<(String, &[usize])> = Vec::new();
    for (code, idx) in &by_code {
        for (part, chunk) in idx.chunks(MAX_ROWS).enumerate() {
            let name = if part == 0 { code.name().to_string() } else { format!("{} ({})", code.name(), part + 1) };
            parts.push((name, chunk));
        }
    }
    // The summary first, on this thread: a format gets its number in the workbook when a
    // sheet first uses it, so the summary's two formats are numbered in the same order on
    // every run, before the code sheets (which use one of them) start on their threads.
    let mut summary_sheet = book.new_worksheet_with_constant_memory().map_err(err)?;
    write_summary(&mut summary_sheet, summary, &by_code, rows, &header).map_err(err)?;
    let mut sheets = Vec::with_capacity(parts.len());
    for _ in &parts {
        sheets.push(book.new_worksheet_with_constant_memory().map_err(err)?);
    }
    let header = &header;
    let filled: Vec<std::result::Result<(), XlsxError>> = std::thread::scope(|scope| {
        let code_threads: Vec<_> = sheets
            .iter_mut()
            .zip(&parts)
            .map(|(sheet, (name, chunk))| {
                scope.spawn(move || {
                    sheet.set_name(name)?;
                    write_code_sheet(sheet, rows, chunk, header)
                })
            })
            .collect();
        code_threads.into_iter().map(|t| t.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    filled.into_iter().collect::<std::result::Result<(), XlsxError>>().map_err(err)?;
    book.push_worksheet(summary_sheet);
    for sheet in sheets {
        book.push_worksheet(sheet);
    }
    book.save(path).map_err(err)
}

fn write_code_sheet(
    sheet: &mut Worksheet,
    rows: &[Row],
    idx: &[usize],
    header: &Format,
) -> std::result::Result<(), XlsxError> {
    let sheet_columns = SHEET_ORDER.map(columns::column);
    let headers = sheet_columns.map(|c| c.sheet_header.expect("a sheet column has a sheet header"));
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() + 3).collect();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, header)?;
    }
    for (n, &i) in idx.iter().enumerate() {
        let row = (n + 1) as u32;
        // Widths fit the first WIDTH_SAMPLE rows (counting characters of every cell of a
        // million-row sheet cost more than the widths are worth).
        let measure = n < WIDTH_SAMPLE;
        for (c, col) in sheet_columns.iter().enumerate() {
            let c16 = c as u16;
            match cell(&rows[i], col) {
                Cell::Text(s) => {
                    if measure {
                        widths[c] = widths[c].max(s.chars().count());
                    }
                    if !s.is_empty() {
                        sheet.write_string(row, c16, s)?;
                    }
                }
                Cell::Number(x) => {
                    widths[c] = widths[c].max(8);
                    sheet.write_number(row, c16, x)?;
                }
                Cell::Empty => {}
            }
        }
    }
    finish(sheet, &widths, idx.len() as u32)
}

/// Column widths, frozen header row and filters over the data.
fn finish(sheet: &mut Worksheet, widths: &[usize], last_row: u32) -> std::result::Result<(), XlsxError> {
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w).min(MAX_WIDTH) as f64 + 1.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_row.max(1), widths.len() as u16 - 1)?;
    Ok(())
}

/// Summary: a table with a header row, then one block per section.
fn write_summary(
    sheet: &mut Worksheet,
    s: &Summary,
    by_code: &BTreeMap<Code, Vec<usize>>,
    rows: &[Row],
    header: &Format,
) -> std::result::Result<(), XlsxError> {
    sheet.set_name(SUMMARY_SHEET)?;
    let bold = Format::new().set_bold();
    const HEADERS: [&str; 10] =
        ["Mã xã", "Tên xã/phường", "Bản ghi", "Sai lệch", "Đúng", "Đủ", "Sạch", "Sống", "Tổng thể", "Bị loại"];
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.chars().count() + 3).collect();
    // The table comes first so its header is the frozen, filtered row: one line for the
    // whole agency ("Toàn bộ"), then one per commune.
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, header)?;
    }
    let mut discrepancies: BTreeMap<&str, u64> = BTreeMap::new();
    for r in rows {
        *discrepancies.entry(r.d.commune.as_str()).or_default() += 1;
    }
    let mut line =
        |sheet: &mut Worksheet, row: u32, code: &str, name: &str, sc: &Scores, n: u64, fmt: Option<&Format>| {
            let cells = [code.to_string(), name.to_string()];
            for (c, v) in cells.iter().enumerate() {
                widths[c] = widths[c].max(v.chars().count());
                match fmt {
                    Some(f) => sheet.write_string_with_format(row, c as u16, v, f)?,
                    None => sheet.write_string(row, c as u16, v)?,
                };
            }
            sheet.write_number(row, 2, sc.counts.rows as f64)?;
            sheet.write_number(row, 3, n as f64)?;
            for (c, d) in Dimension::ALL.iter().enumerate() {
                if let Some(x) = sc.dimension(*d).score {
                    sheet.write_number(row, 4 + c as u16, x)?;
                }
            }
            if let Some(x) = sc.overall {
                sheet.write_number(row, 8, x)?;
            }
            sheet.write_number(row, 9, sc.counts.rejected as f64)?;
            Ok::<(), XlsxError>(())
        };
    line(sheet, 1, s.agency, &format!("Toàn bộ — {}", s.name), &s.scores.total, rows.len() as u64, Some(&bold))?;
    let mut row = 2;
    for (code, sc) in &s.scores.communes {
        let name = super::commune_name(code);
        line(sheet, row, code, name, sc, discrepancies.get(code.as_str()).copied().unwrap_or(0), None)?;
        row += 1;
    }
    let table_end = row - 1;
    // Below the table: run facts, outcome counts, counts by code with their sheet.
    row += 1;
    let t = &s.scores.total.counts;
    let facts: [(&str, String); 6] = [
        ("Lần chạy", s.run_id.to_string()),
        ("Bản ghi", t.rows.to_string()),
        ("Đã liên kết", t.linked.to_string()),
        ("Cần xem xét", t.review.to_string()),
        ("Không có trong CSDL dân cư", t.not_in_population.to_string()),
        ("Bị loại (không đọc được)", t.rejected.to_string()),
    ];
    for (k, v) in facts {
        sheet.write_string_with_format(row, 0, k, &bold)?;
        sheet.write_string(row, 1, v)?;
        widths[0] = widths[0].max(k.chars().count());
        row += 1;
    }
    row += 1;
    for (c, h) in ["Mã lỗi (trang)", "Mô tả", "Số lượng", "Tiêu chí", "Mức độ"].iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *h, header)?;
    }
    row += 1;
    for (code, idx) in by_code {
        sheet.write_string(row, 0, code.name())?;
        sheet.write_string(row, 1, code.description())?;
        sheet.write_number(row, 2, idx.len() as f64)?;
        sheet.write_string(row, 3, code.dimension().word())?;
        sheet.write_string(row, 4, severity_vi(*code))?;
        widths[0] = widths[0].max(code.name().chars().count());
        widths[1] = widths[1].max(code.description().chars().count());
        row += 1;
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w).min(MAX_WIDTH) as f64 + 1.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, table_end.max(1), HEADERS.len() as u16 - 1)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assess::Discrepancy;

    /// Sheets are filled on threads; the bytes must still be the same on every write
    /// (formats are numbered when first used, so the order they are first used in must
    /// not depend on the threads).
    #[test]
    fn the_same_rows_give_the_same_bytes() {
        let codes = [Code::AddressLegacyUnit, Code::NameVariant, Code::IdLegacy, Code::DuplicateRecord];
        let ds: Vec<Discrepancy> = (0..2_000)
            .map(|i| {
                let commune = if i % 3 == 0 { "03424" } else { "03388" };
                Discrepancy {
                    registry_value: format!("Lò Văn {i}"),
                    suggested_value: "Lò Văn A".into(),
                    person_id: "012179022524".into(),
                    tier: Some(Tier::PersonalId),
                    score: Some(1.0),
                    ..Discrepancy::new(
                        format!("R{i}"),
                        i as u64 + 2,
                        commune.into(),
                        codes[i % codes.len()],
                        "full_name",
                    )
                }
            })
            .collect();
        let rows: Vec<Row> = ds
            .iter()
            .map(|d| Row {
                run_id: "r1",
                agency: "land",
                d,
                commune_name: "Xã Bản Bo",
                id: "4cae7ce1883da721",
                suggested: &d.suggested_value,
                is_new: true,
                source_file: "dat_dai.csv",
            })
            .collect();
        let scores = crate::score::score(&[], &crate::config::Weights::default());
        let today = crate::vn::date::PartialDate::new(2026, 11, 29).unwrap();
        let summary = Summary { run_id: "r1", agency: "land", name: "Đất đai", scores: &scores, today };
        let dir = tempfile::tempdir().unwrap();
        let bytes = |n: usize| {
            let path = dir.path().join(format!("{n}.xlsx"));
            write(&path, &summary, &rows).unwrap();
            std::fs::read(path).unwrap()
        };
        let first = bytes(0);
        for n in 1..12 {
            assert!(bytes(n) == first, "write {n} differs from the first");
        }
    }
}
