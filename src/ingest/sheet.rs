//! Spreadsheet inputs (`.xlsx`, `.xlsm`, `.xls`, `.ods`), as agencies send them, read
//! with `calamine`.
//!
//! What real agency workbooks hold, and what is done with it:
//! - several sheets (a cover note, a pivot): the data sheet is the first whose header row
//!   holds every mapped column; none ⇒ an error naming the file and the columns missing
//!   from the first sheet;
//! - a title above the table: the header row is the first row holding every mapped
//!   column (within the first [`HEADER_SEARCH`] rows);
//! - merged cells (a commune name merged down over its rows): the value of the merged
//!   region's first cell fills the whole region;
//! - blank rows between blocks: skipped, they are not records;
//! - numbers and dates typed as such: integers are written without `.0`, dates as
//!   `YYYY-MM-DD`; a cell error (`#N/A`, `#REF!`) rejects the row naming the column.
//!
//! Line numbers are the sheet's row numbers as Excel shows them.

use super::{positions, Layout, Rejected, Row, Table};
use crate::config::{header_key, Field, Rules};
use crate::error::{Error, Result};
use crate::vn::encoding::FileEncoding;
use calamine::{Data, Range, Reader, Sheets};
use std::io::Cursor;
use std::path::Path;

/// Rows searched for the header row.
pub const HEADER_SEARCH: usize = 30;

/// Most cells a sheet may expand to (rows times each row's width, up to its last cell):
/// Excel's own limit is a million rows, and a province's largest export has some 15
/// columns. A workbook beyond it is refused, not allowed to exhaust the memory (one cell
/// at `XFD1048576` once asked for 512 GiB).
pub const MAX_CELLS: usize = 20_000_000;

/// Most bytes the parts of an `.xlsx` (a zip archive) may declare once uncompressed: a
/// 9 MB zip bomb declared 9 GB of sheet XML.
pub const MAX_UNZIPPED: u64 = 4 << 30;

/// Whether a path is a spreadsheet by its extension.
pub fn is_sheet(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["xlsx", "xlsm", "xls", "ods"].iter().any(|x| e.eq_ignore_ascii_case(x)))
}

fn open(path: &Path, bytes: Vec<u8>) -> Result<Sheets<Cursor<Vec<u8>>>> {
    check_unzipped(path, &bytes, MAX_UNZIPPED)?;
    calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| Error::Input { path: path.into(), message: format!("not a readable spreadsheet: {e}") })
}

/// A zip-based workbook (`.xlsx`, `.xlsm`, `.ods`) whose parts declare more than `limit`
/// ([`MAX_UNZIPPED`]) bytes uncompressed is refused before anything is decompressed.
fn check_unzipped(path: &Path, bytes: &[u8], limit: u64) -> Result<()> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(()); // calamine says what is wrong with it
    };
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        if let Ok(part) = zip.by_index_raw(i) {
            total = total.saturating_add(part.size());
        }
    }
    if total > limit {
        return Err(Error::Input {
            path: path.into(),
            message: format!(
                "the workbook's parts expand to {} MB (most accepted: {} MB): refused as a possible zip bomb",
                total >> 20,
                limit >> 20
            ),
        });
    }
    Ok(())
}

/// A cell as text.
fn text(cell: &Data) -> std::result::Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("cell error {e}")),
    })
}

/// The sheet's cells as text rows (absolute row numbers), merged regions filled.
struct Grid {
    /// 0-based sheet row of the first row.
    first_row: u32,
    rows: Vec<Vec<std::result::Result<String, String>>>,
}

fn grid(range: &Range<Data>, merged: &[calamine::Dimensions]) -> Grid {
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<_>> = range.rows().map(|r| r.iter().map(text).collect()).collect();
    for m in merged {
        if m.start.0 < first_row || m.start.1 < first_col {
            continue;
        }
        let at = |r: u32, c: u32| ((r - first_row) as usize, (c - first_col) as usize);
        let (r0, c0) = at(m.start.0, m.start.1);
        let Some(value) = rows.get(r0).and_then(|r| r.get(c0)).cloned() else { continue };
        for r in m.start.0..=m.end.0 {
            for c in m.start.1..=m.end.1 {
                let (r, c) = at(r, c);
                if let Some(cell) = rows.get_mut(r).and_then(|row| row.get_mut(c)) {
                    *cell = value.clone();
                }
            }
        }
    }
    // Cells left of the range's first column are absent: pad so column indexes are the
    // sheet's own.
    if first_col > 0 {
        for r in &mut rows {
            r.splice(0..0, std::iter::repeat_n(Ok(String::new()), first_col as usize));
        }
    }
    Grid { first_row, rows }
}

/// An `.xlsx` sheet's grid, read cell by cell: each row as wide as its last cell, so the
/// memory follows the cells the sheet holds, not its extent; refused beyond
/// [`MAX_CELLS`]. The same grid as [`grid`] of calamine's range: rows from the first
/// non-empty cell's, columns from the sheet's first, merged regions filled.
fn xlsx_grid(
    book: &mut calamine::Xlsx<Cursor<Vec<u8>>>,
    path: &Path,
    name: &str,
    merged: &[calamine::Dimensions],
) -> Result<Grid> {
    let unreadable = |e: calamine::XlsxError| Error::Input {
        path: path.into(),
        message: format!("sheet '{name}' cannot be read: {e}"),
    };
    let too_large = || Error::Input {
        path: path.into(),
        message: format!("sheet '{name}' expands to more than {MAX_CELLS} cells: refused"),
    };
    let mut reader = match book.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        // A chart sheet: no cells (as calamine's range has none).
        Err(calamine::XlsxError::NotAWorksheet(_)) => return Ok(Grid { first_row: 0, rows: Vec::new() }),
        Err(e) => return Err(unreadable(e)),
    };
    let mut cells: Vec<(u32, u32, std::result::Result<String, String>)> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(unreadable)? {
        let (r, c) = cell.get_position();
        if matches!(cell.get_value(), calamine::DataRef::Empty) {
            continue;
        }
        if cells.len() >= MAX_CELLS {
            return Err(too_large());
        }
        let value = match Data::from(cell.get_value().clone()) {
            Data::String(s) => Ok(s),
            other => text(&other),
        };
        cells.push((r, c, value));
    }
    drop(reader);
    // Sheets list their rows in order; a workbook that does not is sorted.
    if !cells.is_sorted_by_key(|c| (c.0, c.1)) {
        cells.sort_by_key(|c| (c.0, c.1));
    }
    let first_row = cells.first().map_or(0, |c| c.0);
    let last_row = cells.last().map_or(0, |c| c.0);
    // Merged regions reach as far as their last cell.
    let mut width = vec![0usize; (last_row - first_row) as usize + 1];
    for &(r, c, _) in &cells {
        let w = &mut width[(r - first_row) as usize];
        *w = (*w).max(c as usize + 1);
    }
    for m in merged.iter().filter(|m| m.start.0 >= first_row && m.start.0 <= last_row) {
        for r in m.start.0..=m.end.0.min(last_row) {
            let w = &mut width[(r - first_row) as usize];
            *w = (*w).max(m.end.1 as usize + 1);
        }
    }
    if width.iter().sum::<usize>() > MAX_CELLS {
        return Err(too_large());
    }
    let mut rows: Vec<Vec<std::result::Result<String, String>>> =
        width.iter().map(|&w| std::iter::repeat_with(|| Ok(String::new())).take(w).collect()).collect();
    for (r, c, v) in cells {
        rows[(r - first_row) as usize][c as usize] = v;
    }
    for m in merged {
        if m.start.0 < first_row || m.start.0 > last_row {
            continue;
        }
        let Some(value) = rows[(m.start.0 - first_row) as usize].get(m.start.1 as usize).cloned() else { continue };
        for r in m.start.0..=m.end.0.min(last_row) {
            for c in m.start.1..=m.end.1 {
                rows[(r - first_row) as usize][c as usize] = value.clone();
            }
        }
    }
    Ok(Grid { first_row, rows })
}

fn is_blank(row: &[std::result::Result<String, String>]) -> bool {
    row.iter().all(|c| matches!(c, Ok(s) if s.trim().is_empty()))
}

/// How many mapped columns a row holds.
fn matched(row: &[std::result::Result<String, String>], layout: &Layout) -> usize {
    let keys: Vec<String> = row.iter().map(|c| c.as_deref().map(header_key).unwrap_or_default()).collect();
    layout.columns.iter().filter(|(_, col)| keys.contains(&header_key(col))).count()
}

/// A workbook's sheet as a grid. An `.xlsx` sheet is read cell by cell ([`xlsx_grid`]) and
/// may not expand beyond [`MAX_CELLS`]; other formats through calamine's range.
fn sheet_grid(book: &mut Sheets<Cursor<Vec<u8>>>, path: &Path, name: &str) -> Result<Grid> {
    if let Sheets::Xlsx(x) = book {
        let merged = x.merge_cells_by_sheet_name(name).unwrap_or_default();
        return xlsx_grid(x, path, name, &merged);
    }
    let range = book
        .worksheet_range(name)
        .map_err(|e| Error::Input { path: path.into(), message: format!("sheet '{name}' cannot be read: {e}") })?;
    let merged = match book {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        _ => Vec::new(),
    };
    Ok(grid(&range, &merged))
}

/// The header row: the first row (of the first [`HEADER_SEARCH`] rows of each sheet, in
/// sheet order) holding every mapped column, else the row holding the most of them (so
/// the error names what is missing from the likeliest header). Gives the sheet's grid and
/// the row's index in it.
fn find_header(path: &Path, bytes: Vec<u8>, layout: &Layout) -> Result<(Grid, usize)> {
    data_sheets(path, bytes, layout, true).map(|mut sheets| sheets.swap_remove(0))
}

/// The sheets that hold the data: the first sheet whose header row holds every mapped
/// column and, unless `first_only`, every later sheet whose header does too (an export
/// that continues on a second sheet when the first is full, or split by the clerk), each
/// grid with its header row's index. None such: the likeliest header alone, for the
/// error to name what it lacks.
fn data_sheets(path: &Path, bytes: Vec<u8>, layout: &Layout, first_only: bool) -> Result<Vec<(Grid, usize)>> {
    let mut book = open(path, bytes)?;
    let mut best: Option<(Grid, usize, usize)> = None;
    let mut complete = Vec::new();
    for name in book.sheet_names() {
        let g = sheet_grid(&mut book, path, &name)?;
        let top = g.rows.iter().take(HEADER_SEARCH).enumerate().filter(|(_, r)| !is_blank(r));
        let Some((i, n)) = top.map(|(i, r)| (i, matched(r, layout))).max_by_key(|&(i, n)| (n, usize::MAX - i)) else {
            continue;
        };
        if n == layout.columns.len() {
            complete.push((g, i));
            if first_only {
                break;
            }
        } else if complete.is_empty() && best.as_ref().is_none_or(|b| n > b.2) {
            best = Some((g, i, n));
        }
    }
    if !complete.is_empty() {
        return Ok(complete);
    }
    best.map(|(g, i, _)| vec![(g, i)])
        .ok_or_else(|| Error::Input { path: path.into(), message: "the workbook has no non-blank row".into() })
}

fn header_cells(g: &Grid, h: usize) -> Vec<String> {
    g.rows[h].iter().map(|c| c.clone().unwrap_or_default()).collect()
}

/// The header row of a workbook (for `check-rules` and a run's checks), found as [`read`]
/// finds it. An `.xlsx` sheet is streamed: its first [`HEADER_SEARCH`] rows are read and
/// the rest of the sheet is not (reading a 146 000-row workbook whole to check its header
/// took a second before the run could start, and the run reads it again); when they hold
/// no row with every mapped column, the whole search decides, as [`read`]'s does.
pub fn read_headers(path: &Path, rules: &Rules) -> Result<Vec<String>> {
    let bytes = super::read_input(path)?;
    let layout = Layout::new(rules);
    if let Some(header) = streamed_header(path, bytes.clone(), &layout) {
        return Ok(header);
    }
    let (g, h) = find_header(path, bytes, &layout)?;
    Ok(header_cells(&g, h))
}

/// The first row, within the first [`HEADER_SEARCH`] rows of an `.xlsx` sheet (sheet
/// order), that holds every mapped column, read without reading the rest of the sheet.
fn streamed_header(path: &Path, bytes: Vec<u8>, layout: &Layout) -> Option<Vec<String>> {
    use calamine::DataRef;
    let Ok(Sheets::Xlsx(mut book)) = open(path, bytes) else { return None };
    for name in book.sheet_names() {
        let mut reader = book.worksheet_cells_reader(&name).ok()?;
        let mut rows: Vec<Vec<std::result::Result<String, String>>> = Vec::new();
        let mut first: Option<u32> = None;
        while let Some(cell) = reader.next_cell().ok()? {
            let (r, c) = cell.get_position();
            let r = r - *first.get_or_insert(r);
            if r as usize >= HEADER_SEARCH {
                break;
            }
            let text = match cell.get_value() {
                DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
                DataRef::SharedString(s) => s.to_string(),
                DataRef::Int(i) => i.to_string(),
                DataRef::Float(f) => f.to_string(),
                DataRef::Bool(b) => b.to_string(),
                _ => String::new(),
            };
            let row = rows.len().max(r as usize + 1);
            rows.resize_with(row, Vec::new);
            let cells = &mut rows[r as usize];
            cells.resize_with(cells.len().max(c as usize + 1), || Ok(String::new()));
            cells[c as usize] = Ok(text);
        }
        if let Some(row) = rows.iter().find(|r| !is_blank(r) && matched(r, layout) == layout.columns.len()) {
            return Some(row.iter().map(|c| c.clone().unwrap_or_default()).collect());
        }
    }
    None
}

/// Reads the data sheets of a workbook ([`data_sheets`]): every sheet whose header row
/// holds every mapped column, in sheet order, each by its own header. Line numbers are
/// each sheet's own row numbers.
pub fn read(path: &Path, rules: &Rules, bytes: Vec<u8>, size: u64, sha256: String) -> Result<Table> {
    let layout = Layout::new(rules);
    let sheets = data_sheets(path, bytes, &layout, false)?;
    let mut table = Table {
        path: path.into(),
        layout,
        rows: Vec::new(),
        rejected: Vec::new(),
        rows_read: 0,
        encoding: FileEncoding::Utf8,
        size,
        sha256,
    };
    for (g, h) in sheets {
        read_rows(path, &g, h, &mut table)?;
    }
    Ok(table)
}

/// The data rows of one sheet (below its header row `h`) into the table.
fn read_rows(path: &Path, g: &Grid, h: usize, table: &mut Table) -> Result<()> {
    let headers = header_cells(g, h);
    let pos = positions(path, &headers, &table.layout)?;
    let id_pos = table.layout.index[Field::RecordId as usize].map(|i| pos[i as usize]);
    for (i, row) in g.rows.iter().enumerate().skip(h + 1) {
        if is_blank(row) {
            continue;
        }
        let line = (g.first_row as usize + i + 1) as u64;
        table.rows_read += 1;
        let cell = |c: usize| row.get(c).cloned().unwrap_or(Ok(String::new()));
        let record_id = super::rejected_id(&id_pos.and_then(|c| cell(c).ok()).unwrap_or_default());
        let mut values = Vec::with_capacity(pos.len());
        let mut bad = None;
        for (k, &c) in pos.iter().enumerate() {
            match cell(c).and_then(|v| super::field_problem(v.as_bytes()).map_or(Ok(v), Err)) {
                Ok(v) => values.push(v),
                Err(reason) => {
                    bad = Some((k, reason));
                    break;
                }
            }
        }
        match bad {
            Some((k, reason)) => table.rejected.push(Rejected {
                line,
                record_id,
                column: table.layout.columns[k].1.clone(),
                reason,
                source: 0,
                id: String::new(),
            }),
            None => table.rows.push(Row::new(line, values)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTime, ExcelDateTimeType};

    /// Hostile (#20, item 6): a zip bomb (9 MB declaring 9 GB of sheet XML) is refused
    /// from its parts' declared sizes, before calamine decompresses anything. Here a
    /// workbook of 3 MB of sheet XML against a 2 MB limit.
    #[test]
    fn a_workbook_whose_parts_expand_beyond_the_limit_is_refused_as_a_zip_bomb() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for r in 0..60_000u32 {
            sheet.write_string(r, 0, "aaaaaaaaaaaaaaaaaaaa").unwrap();
        }
        let bytes = book.save_to_buffer().unwrap();
        let path = Path::new("bomb.xlsx");
        let err = check_unzipped(path, &bytes, 2 << 20).unwrap_err().to_string();
        assert!(err.contains("bomb.xlsx") && err.contains("zip bomb"), "{err}");
        assert!(check_unzipped(path, &bytes, MAX_UNZIPPED).is_ok());
    }

    /// What each kind of cell reads as: integers without `.0`, dates as ISO, a cell
    /// error as a reason that rejects the row.
    #[test]
    fn cells_read_as_text_and_errors_reject() {
        assert_eq!(text(&Data::Float(12087000101.0)), Ok("12087000101".into()));
        assert_eq!(text(&Data::Float(1.5)), Ok("1.5".into()));
        assert_eq!(text(&Data::Int(1987)), Ok("1987".into()));
        assert_eq!(text(&Data::String("Giàng A Páo".into())), Ok("Giàng A Páo".into()));
        // Excel serial 31 778 is 1987-01-01, so 31 867 is 1987-03-31.
        let d = ExcelDateTime::new(31_867.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(text(&Data::DateTime(d)), Ok("1987-03-31".into()));
        assert_eq!(text(&Data::Error(CellErrorType::NA)), Err("cell error #N/A".into()));
        assert!(is_blank(&[Ok(" ".into()), Ok(String::new())]));
        assert!(!is_blank(&[Ok(String::new()), Err("cell error #N/A".into())]));
    }

    /// A workbook: a title, blank rows, the header at `header_at`, then rows of data.
    fn book(header_at: u32) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 2, "DANH SÁCH HỌC SINH").unwrap();
        for (c, h) in ["Mã HS", "Họ và tên", "Ngày sinh"].iter().enumerate() {
            sheet.write_string(header_at, c as u16 + 1, *h).unwrap();
        }
        for r in 1..200 {
            sheet.write_string(header_at + r, 1, format!("HS{r}")).unwrap();
            sheet.write_string(header_at + r, 2, "Lò Văn Pấu").unwrap();
            sheet.write_number(header_at + r, 3, 31_867.0).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    /// The streamed header is the row the whole search finds; beyond the rows searched,
    /// the whole search decides, as before.
    #[test]
    fn a_streamed_header_is_the_header_the_whole_search_finds() {
        let rules: Rules = toml::from_str(
            "kind = \"registry\"\n[columns]\n\"Mã HS\" = \"record_id\"\n\"Họ và tên\" = \"full_name\"\n\"Ngày sinh\" = \"dob\"\n",
        )
        .unwrap();
        let (layout, path) = (Layout::new(&rules), Path::new("hs.xlsx"));
        let streamed = streamed_header(path, book(4), &layout).expect("found in the first rows");
        let (g, h) = find_header(path, book(4), &layout).unwrap();
        let whole = header_cells(&g, h);
        let mapped = |cells: &[String]| cells.iter().filter(|c| !c.is_empty()).cloned().collect::<Vec<_>>();
        assert_eq!(mapped(&streamed), mapped(&whole));
        assert_eq!(mapped(&streamed), ["Mã HS", "Họ và tên", "Ngày sinh"]);
        assert!(streamed_header(path, book(HEADER_SEARCH as u32 + 5), &layout).is_none());
    }
}
