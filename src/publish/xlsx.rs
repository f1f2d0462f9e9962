//! The worklist workbooks: `discrepancies.xlsx`, the file an agency officer opens, and
//! `by-commune/<commune>.xlsx`, each commune's part of it. They hold what needs a person
//! (the mechanical fixes are in `fixes.csv`, counted on the summary). A first summary
//! sheet ("Tổng hợp": the four scores, outcome counts, counts by commune, by code and of
//! the fixes), then one sheet per code, errors before warnings, with Vietnamese column
//! headers, a frozen header row, filters, column widths that fit the values, IDs as text,
//! and a print setup (landscape, one page wide, the header row on every page).
//!
//! Every value is written as a string or a number, never as a formula, so a registry value
//! such as `=HYPERLINK(…)` stays inert text. Sheets stream to disk (constant-memory mode),
//! the summary first, then each code sheet on a thread of its own, rows in order.

use super::columns::{self, Column, Row, Value, SHEET_ORDER};
use super::vietnamese;
use crate::assess::{Code, Dimension, Severity};
use crate::error::{Error, Result};
use crate::link::Tier;
use crate::score::{AgencyScores, Scores};
use rust_xlsxwriter::{Color, DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};
use std::borrow::Cow;
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
    Text(Cow<'a, str>),
    Number(f64),
    Empty,
}

/// A discrepancy value as a code sheet shows it: numbers as numbers, the "new" flag as
/// "có". The probability of a tier-3 link is shown; an ID link's is always 1 and says
/// nothing, so the cell stays empty (a tenth of a large sheet's cells). What a clerk
/// reads is Vietnamese ([`vietnamese`]): the field, the values doisoat wrote, the note.
fn cell<'a>(r: &Row<'a>, column: &Column) -> Cell<'a> {
    match (column.value)(r) {
        Value::Text(s) => Cell::Text(match column.name {
            "field" => Cow::Borrowed(vietnamese::field(s)),
            "registry_value" | "population_value" | "suggested_value" => vietnamese::value(r.d.field, s),
            "note" => vietnamese::note(s),
            _ => Cow::Borrowed(s),
        }),
        Value::Line(n) => Cell::Number(n as f64),
        Value::Tier(t) => t.map_or(Cell::Empty, |t| Cell::Number(f64::from(t))),
        Value::Score(Some(s)) if r.d.tier == Some(Tier::Probabilistic) => {
            Cell::Number((s * 10_000.0).round() / 10_000.0)
        }
        Value::Score(_) => Cell::Empty,
        Value::Flag(b) => Cell::Text(Cow::Borrowed(if b { "có" } else { "" })),
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

/// What a workbook covers: the whole agency, or one commune of it.
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    /// The agency: a line for the whole, then one per commune.
    Agency(&'a AgencyScores),
    /// One commune (code, scores).
    Commune(&'a str, &'a Scores),
}

/// The facts of the summary sheet.
pub struct Summary<'a> {
    /// Run ID.
    pub run_id: &'a str,
    /// Agency key.
    pub agency: &'a str,
    /// Agency name.
    pub name: &'a str,
    /// What the workbook covers, with its scores.
    pub scope: Scope<'a>,
    /// The mechanical fixes of the scope (rows of `fixes.csv`), by code.
    pub fixes: &'a BTreeMap<Code, u64>,
    /// The same fixes by commune.
    pub fixes_by_commune: &'a BTreeMap<&'a str, u64>,
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
pub fn write(path: &Path, summary: &Summary, rows: &[&Row]) -> Result<()> {
    let _quiet = QuietPanics::on();
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| write_book(path, summary, rows))) {
        Ok(result) => result,
        Err(panic) => {
            let why = crate::error::panic_message(panic.as_ref());
            Err(Error::io(path, std::io::Error::other(format!("the workbook writer failed: {why}"))))
        }
    }
}

thread_local! {
    /// This thread writes a workbook: a panic here is the writer's, caught and reported as
    /// the file's error ([`write`]), so the panic hook stays silent.
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Silences the panic hook on this thread while it lives (a full disk made every sheet
/// thread of the writer print a panic before the one clean error). The hook is wrapped
/// once per process; other threads' panics print as before.
struct QuietPanics;

impl QuietPanics {
    fn on() -> QuietPanics {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            let default = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if !QUIET.with(std::cell::Cell::get) {
                    default(info);
                }
            }));
        });
        QUIET.with(|q| q.set(true));
        QuietPanics
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        QUIET.with(|q| q.set(false));
    }
}

fn write_book(path: &Path, summary: &Summary, rows: &[&Row]) -> Result<()> {
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
    // Most important first: errors, then warnings, each in SPEC order of codes.
    let mut by_code: BTreeMap<(bool, Code), Vec<usize>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_code.entry((r.d.code.severity() != Severity::Error, r.d.code)).or_default().push(i);
    }
    // Every code sheet is filled on its own thread, then added in order: a sheet streams to its
    // own temporary file, so sheets need nothing from each other, and the workbook of a
    // large agency takes as long as its largest sheet instead of the sum of them.
    let mut parts: Vec<(String, &[usize])> = Vec::new();
    for ((_, code), idx) in &by_code {
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
                    let _quiet = QuietPanics::on();
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
    rows: &[&Row],
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
            match cell(rows[i], col) {
                Cell::Text(s) => {
                    if measure {
                        widths[c] = widths[c].max(s.chars().count());
                    }
                    if !s.is_empty() {
                        sheet.write_string(row, c16, &*s)?;
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
    print_setup(sheet)
}

/// Printed, a sheet is landscape A4, one page wide, its header row on every page.
fn print_setup(sheet: &mut Worksheet) -> std::result::Result<(), XlsxError> {
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    Ok(())
}

/// The summary's table of the worklist's codes, one line per code sheet, in sheet order.
pub const WORK_TITLE: &str = "Cần xử lý: mã lỗi (trang)";

/// The summary's table of the mechanical fixes (in `fixes.csv`, not on the sheets).
pub const FIXES_TITLE: &str = "Sửa tự động (fixes.csv)";

/// A table of codes with their counts under a header row titled `title`, from `row`;
/// gives the row after it.
fn code_block(
    sheet: &mut Worksheet,
    mut row: u32,
    title: &str,
    lines: impl Iterator<Item = (Code, u64)>,
    header: &Format,
    widths: &mut [usize],
) -> std::result::Result<u32, XlsxError> {
    for (c, h) in [title, "Mô tả", "Số lượng", "Tiêu chí", "Mức độ"].iter().enumerate() {
        sheet.write_string_with_format(row, c as u16, *h, header)?;
    }
    row += 1;
    for (code, n) in lines {
        sheet.write_string(row, 0, code.name())?;
        sheet.write_string(row, 1, code.description())?;
        sheet.write_number(row, 2, n as f64)?;
        sheet.write_string(row, 3, code.dimension().word())?;
        sheet.write_string(row, 4, severity_vi(code))?;
        widths[0] = widths[0].max(code.name().chars().count());
        widths[1] = widths[1].max(code.description().chars().count());
        row += 1;
    }
    Ok(row)
}

/// Summary: a table with a header row, then one block per section.
fn write_summary(
    sheet: &mut Worksheet,
    s: &Summary,
    by_code: &BTreeMap<(bool, Code), Vec<usize>>,
    rows: &[&Row],
    header: &Format,
) -> std::result::Result<(), XlsxError> {
    sheet.set_name(SUMMARY_SHEET)?;
    let bold = Format::new().set_bold();
    const HEADERS: [&str; 11] = [
        "Mã xã",
        "Tên xã/phường",
        "Bản ghi",
        "Cần xử lý",
        "Sửa tự động",
        "Đúng",
        "Đủ",
        "Sạch",
        "Sống",
        "Tổng thể",
        "Bị loại",
    ];
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.chars().count() + 3).collect();
    // The table comes first so its header is the frozen, filtered row: one line for the
    // whole agency ("Toàn bộ"), then one per commune; a commune's workbook has its line.
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, header)?;
    }
    let mut work: BTreeMap<&str, u64> = BTreeMap::new();
    for r in rows {
        *work.entry(r.d.commune.as_str()).or_default() += 1;
    }
    let fixes_total: u64 = s.fixes.values().sum();
    let mut line = |sheet: &mut Worksheet, row: u32, cells: [&str; 2], sc: &Scores, n: [u64; 2], strong: bool| {
        for (c, v) in cells.iter().enumerate() {
            widths[c] = widths[c].max(v.chars().count());
            match strong {
                true => sheet.write_string_with_format(row, c as u16, *v, &bold)?,
                false => sheet.write_string(row, c as u16, *v)?,
            };
        }
        sheet.write_number(row, 2, sc.counts.rows as f64)?;
        sheet.write_number(row, 3, n[0] as f64)?;
        sheet.write_number(row, 4, n[1] as f64)?;
        for (c, d) in Dimension::ALL.iter().enumerate() {
            if let Some(x) = sc.dimension(*d).score {
                sheet.write_number(row, 5 + c as u16, x)?;
            }
        }
        if let Some(x) = sc.overall {
            sheet.write_number(row, 9, x)?;
        }
        sheet.write_number(row, 10, sc.counts.rejected as f64)?;
        Ok::<(), XlsxError>(())
    };
    let mut row = 1;
    let counts = match s.scope {
        Scope::Agency(scores) => {
            let whole = format!("Toàn bộ — {}", s.name);
            line(sheet, row, [s.agency, &whole], &scores.total, [rows.len() as u64, fixes_total], true)?;
            row += 1;
            for (code, sc) in &scores.communes {
                let n = [&work, s.fixes_by_commune].map(|m| m.get(code.as_str()).copied().unwrap_or(0));
                line(sheet, row, [code, super::commune_name(code)], sc, n, false)?;
                row += 1;
            }
            &scores.total.counts
        }
        Scope::Commune(code, sc) => {
            line(sheet, row, [code, super::commune_name(code)], sc, [rows.len() as u64, fixes_total], true)?;
            row += 1;
            &sc.counts
        }
    };
    let table_end = row - 1;
    // Below the table: run facts, outcome counts, counts by code with their sheet, and
    // the fixes by code.
    row += 1;
    let facts: [(&str, String); 7] = [
        ("Cơ quan", s.name.to_string()),
        ("Lần chạy", s.run_id.to_string()),
        ("Bản ghi", counts.rows.to_string()),
        ("Đã liên kết", counts.linked.to_string()),
        ("Cần xem xét", counts.review.to_string()),
        ("Không có trong CSDL dân cư", counts.not_in_population.to_string()),
        ("Bị loại (không đọc được)", counts.rejected.to_string()),
    ];
    for (k, v) in facts {
        sheet.write_string_with_format(row, 0, k, &bold)?;
        sheet.write_string(row, 1, v)?;
        widths[0] = widths[0].max(k.chars().count());
        row += 1;
    }
    let work_lines = by_code.iter().map(|((_, code), idx)| (*code, idx.len() as u64));
    row = code_block(sheet, row + 1, WORK_TITLE, work_lines, header, &mut widths)?;
    if !s.fixes.is_empty() {
        let fix_lines = s.fixes.iter().map(|(c, n)| (*c, *n));
        code_block(sheet, row + 1, FIXES_TITLE, fix_lines, header, &mut widths)?;
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w).min(MAX_WIDTH) as f64 + 1.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, table_end.max(1), HEADERS.len() as u16 - 1)?;
    print_setup(sheet)
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
        let fixes = BTreeMap::from([(Code::NameVariant, 3)]);
        let fixes_by_commune = BTreeMap::from([("03388", 3)]);
        let scope = Scope::Agency(&scores);
        let summary = Summary {
            run_id: "r1",
            agency: "land",
            name: "Đất đai",
            scope,
            fixes: &fixes,
            fixes_by_commune: &fixes_by_commune,
            today,
        };
        let dir = tempfile::tempdir().unwrap();
        let bytes = |n: usize| {
            let path = dir.path().join(format!("{n}.xlsx"));
            write(&path, &summary, &rows.iter().collect::<Vec<_>>()).unwrap();
            std::fs::read(path).unwrap()
        };
        let first = bytes(0);
        for n in 1..12 {
            assert!(bytes(n) == first, "write {n} differs from the first");
        }
    }
}
