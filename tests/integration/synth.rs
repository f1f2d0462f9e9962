//! The synthetic province and `evaluate`: determinism by seed, every code in a default
//! province, truth consistent with the records, evaluation of the truth itself at 1.0.

use crate::{code, files, stderr, Work};
use doisoat::synth::{generate, profile::Profile, Options};
use doisoat::vn::date::PartialDate;
use polars::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;

const TODAY: PartialDate = PartialDate { year: 2026, month: 11, day: 29 };

fn options(people: usize, seed: u64) -> Options {
    Options { people, seed, profile: Profile::default(), today: TODAY }
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(path).unwrap();
    r.records().map(|x| x.unwrap().iter().map(str::to_string).collect()).collect()
}

#[test]
fn same_seed_same_files_other_seed_other_files() {
    let work = Work::new();
    for (dir, seed) in [("a", 5), ("b", 5), ("c", 6)] {
        generate(&work.path().join(dir), &options(1500, seed)).unwrap();
    }
    let (a, b, c) = (files(&work.path().join("a")), files(&work.path().join("b")), files(&work.path().join("c")));
    assert!(a.len() >= 15, "{} files", a.len());
    assert!(a == b, "same seed, different files");
    assert!(a != c, "other seed, same files");
}

#[test]
fn every_code_occurs_in_a_default_province_of_20000_people() {
    let work = Work::new();
    generate(work.path(), &options(20_000, 1)).unwrap();
    let mut seen = BTreeSet::new();
    for agency in ["civil_status", "insurance", "land", "education"] {
        for row in read_csv(&work.path().join("truth").join(format!("{agency}.csv"))) {
            seen.extend(row[2].split(';').filter(|c| !c.is_empty()).map(str::to_string));
        }
    }
    if !read_csv(&work.path().join("truth/coverage.csv")).is_empty() {
        seen.insert("EXPECTED_ABSENT".into());
    }
    // REVIEW is never true: a perfect tool needs no person to confirm. A province alone
    // has no other province: RESIDES_IN_OTHER_PROVINCE is in a nation's truth
    // (`truth/cross_province.csv`, tests/integration/national.rs).
    let not_here = ["REVIEW", "RESIDES_IN_OTHER_PROVINCE"];
    let missing: Vec<&str> = doisoat::assess::Code::ALL
        .iter()
        .map(|c| c.name())
        .filter(|c| !not_here.contains(c) && !seen.contains(*c))
        .collect();
    assert!(missing.is_empty(), "codes never produced: {missing:?}");
}

/// Every row's truth says what its cells show (all files written as UTF-8 here).
#[test]
fn truth_codes_agree_with_the_records() {
    let work = Work::new();
    let mut opts = options(4000, 3);
    for f in [&mut opts.profile.formats.insurance, &mut opts.profile.formats.land] {
        *f = "utf-8".into();
    }
    generate(work.path(), &opts).unwrap();
    let pop: std::collections::HashMap<String, Vec<String>> =
        read_csv(&work.path().join("population.csv")).into_iter().map(|r| (r[0].clone(), r)).collect();
    let rows = read_csv(&work.path().join("bhxh.csv"));
    let truth = read_csv(&work.path().join("truth/insurance.csv"));
    assert_eq!(rows.len(), truth.len());
    let mut checked = 0;
    for (row, t) in rows.iter().zip(&truth) {
        let codes: BTreeSet<&str> = t[2].split(';').filter(|c| !c.is_empty()).collect();
        assert_eq!(row[0], t[0], "record IDs in the same order");
        if codes.contains("REJECTED_ROW") {
            let debris = row.len() > 4 && doisoat::vn::id::spreadsheet_debris(&row[4]).is_some();
            assert!(row.len() < 8 || row[2].starts_with("31/02/") || debris, "{row:?}");
            continue;
        }
        let (id, name, dob, sex) = (&row[4], &row[1], &row[2], &row[3]);
        assert_eq!(codes.contains("ID_MISSING"), id.is_empty(), "{row:?} {codes:?}");
        if codes.contains("ID_LEGACY") {
            assert_eq!(id.len(), 9, "{row:?}");
        }
        let Some(p) = pop.get(&t[1]) else {
            assert!(codes.contains("NOT_IN_POPULATION") && t[1].is_empty(), "{row:?} {codes:?}");
            continue;
        };
        let plain_id = !codes
            .iter()
            .any(|c| c.starts_with("ID_") && *c != "ID_SEX_CENTURY_CONFLICT" && *c != "ID_BIRTH_YEAR_CONFLICT");
        if plain_id {
            assert_eq!(id, &p[0], "{row:?} {codes:?}");
        }
        let name_code = codes.contains("NAME_VARIANT") || codes.contains("NAME_MISMATCH");
        assert_eq!(name_code, name != &p[2], "{row:?} vs {p:?} {codes:?}");
        assert_eq!(codes.contains("SEX_MISMATCH"), sex != &p[4], "{row:?} vs {p:?}");
        let dob_code = ["DOB_PARTIAL", "DOB_MISMATCH", "DOB_DAY_MONTH_SWAPPED"].iter().any(|c| codes.contains(c));
        assert_eq!(dob_code, dob != &p[3], "{row:?} vs {p:?} {codes:?}");
        if codes.contains("DOB_PARTIAL") {
            // The year only, or the month and year (`03/1987`, `1987-03`, `T3/1987` …), of
            // the population's full date.
            use doisoat::vn::date::{parse, DayOrder};
            let today = doisoat::vn::date::PartialDate { year: 2026, month: 11, day: 29 };
            let (a, b) = (parse(dob, DayOrder::Dmy, &today), parse(&p[3], DayOrder::Dmy, &today));
            let (a, b) = (a.unwrap().unwrap(), b.unwrap().unwrap());
            assert!(a.day == 0 && b.day != 0 && a.year == b.year, "{dob} vs {}", p[3]);
            assert!(a.month == 0 || a.month == b.month, "{dob} vs {}", p[3]);
        }
        // p[11]: the population's vital status ("Tình trạng").
        assert_eq!(codes.contains("DECEASED_ACTIVE"), p[11] == "Đã chết" && row[6] == "Còn hiệu lực", "{row:?}");
        checked += 1;
    }
    assert!(checked > 1000, "{checked}");
}

/// Writes an agency folder's `discrepancies.parquet` with (record ID, code) rows.
fn write_codes(dir: &Path, found: &[(&str, &str)]) {
    let mut df = df!(
        "record_id" => found.iter().map(|f| f.0).collect::<Vec<_>>(),
        "code" => found.iter().map(|f| f.1).collect::<Vec<_>>(),
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(dir.join("discrepancies.parquet")).unwrap()).finish(&mut df).unwrap();
}

/// Builds a run folder that says exactly what the truth says.
fn run_from_truth(truth: &Path, run: &Path) {
    for agency in ["civil_status", "insurance", "land", "education"] {
        let rows = read_csv(&truth.join(format!("{agency}.csv")));
        let dir = run.join(agency);
        std::fs::create_dir_all(&dir).unwrap();
        let linked: Vec<bool> = rows.iter().map(|r| !r[1].is_empty() && !r[2].contains("REJECTED_ROW")).collect();
        let mut df = df!(
            "record_id" => rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
            "outcome" => linked.iter().map(|l| if *l { "linked" } else { "not_in_population" }).collect::<Vec<_>>(),
            "person_id" => rows.iter().zip(&linked).map(|(r, l)| l.then(|| r[1].clone())).collect::<Vec<_>>(),
            "link_tier" => linked.iter().map(|l| l.then_some(1i32)).collect::<Vec<_>>(),
        )
        .unwrap();
        ParquetWriter::new(std::fs::File::create(dir.join("links.parquet")).unwrap()).finish(&mut df).unwrap();
        let found: Vec<(&str, &str)> =
            rows.iter().flat_map(|r| r[2].split(';').filter(|c| !c.is_empty()).map(|c| (r[0].as_str(), c))).collect();
        write_codes(&dir, &found);
    }
    let mut cov = String::from("person_id\n");
    for r in read_csv(&truth.join("coverage.csv")) {
        cov.push_str(&format!("{}\n", r[1]));
    }
    std::fs::write(run.join("education/coverage.csv"), cov).unwrap();
}

#[test]
fn the_truth_itself_scores_1_and_a_damaged_copy_less() {
    let work = Work::new();
    generate(&work.path().join("p"), &options(3000, 9)).unwrap();
    let truth = work.path().join("p/truth");
    let run = work.path().join("run");
    run_from_truth(&truth, &run);
    let ev = doisoat::evaluate::evaluate(&run, &truth).unwrap();
    assert_eq!(ev.links_overall.overall.f1, 1.0);
    assert!(ev.codes.values().all(|p| p.f1 == 1.0), "{:?}", ev.codes);
    assert!(run.join("evaluation.json").is_file());
    // Damage: drop every NAME_VARIANT of insurance and unlink its first 100 rows.
    let ins = run.join("insurance");
    let [ids, codes] =
        doisoat::publish::read::discrepancy_columns(&ins, &["record_id", "code"]).unwrap().try_into().unwrap();
    let kept: Vec<(&str, &str)> =
        ids.iter().zip(&codes).filter(|(_, c)| *c != "NAME_VARIANT").map(|(i, c)| (i.as_str(), c.as_str())).collect();
    write_codes(&ins, &kept);
    let links = run.join("insurance/links.parquet");
    let mut df = ParquetReader::new(std::fs::File::open(&links).unwrap()).finish().unwrap();
    let n = df.height();
    let outcome: Vec<&str> =
        (0..n)
            .map(|i| {
                if i < 100 {
                    "not_in_population"
                } else {
                    df.column("outcome").unwrap().str().unwrap().get(i).unwrap()
                }
            })
            .collect();
    let outcome: Vec<String> = outcome.into_iter().map(str::to_string).collect();
    df.with_column(Column::new("outcome".into(), outcome)).unwrap();
    ParquetWriter::new(std::fs::File::create(&links).unwrap()).finish(&mut df).unwrap();
    let ev = doisoat::evaluate::evaluate(&run, &truth).unwrap();
    assert!(ev.links["insurance"].overall.recall < 1.0);
    assert!(ev.codes["NAME_VARIANT"].recall < 1.0);
    assert_eq!(ev.codes["ID_MISSING"].f1, 1.0);
}

#[test]
fn demo_generates_runs_and_evaluates() {
    let work = Work::new();
    let out = work.run(&["demo", "--people", "400", "--out", "d", "--run-id", "r1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(work.path().join("d/truth/insurance.csv").is_file());
    let out = work.run(&["evaluate", "--run", "d/runs/r1", "--truth", "d/truth"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ALL") && text.contains("ID_MISSING"), "{text}");
}

/// The hostile-input catalogue's forms as the realistic profile writes them: a school
/// workbook continuing on a second sheet, UTF-8 exports joined with the second one's BOM
/// left mid-file, population rows without their date of birth. The run reads every row
/// (none rejected for them), the manifest says which population lines lack the date.
#[test]
fn the_generator_writes_the_hostile_forms_and_the_run_reads_them() {
    let work = Work::new();
    let dir = work.path().join("p");
    let mut opts = options(1500, 3);
    opts.profile.formats.education = "xlsx".into();
    opts.profile.formats.education_sheets = 2;
    opts.profile.formats.joined_exports = true;
    opts.profile.population_dob_missing = Some(0.01);
    generate(&dir, &opts).unwrap();
    let bytes = std::fs::read(dir.join("ho_tich.csv")).unwrap();
    let boms = bytes.windows(3).filter(|w| *w == b"\xEF\xBB\xBF").count();
    assert_eq!(boms, 2, "a BOM at the start and one mid-file");
    use calamine::Reader;
    let book: calamine::Xlsx<_> = calamine::open_workbook(dir.join("giao_duc.xlsx")).unwrap();
    assert_eq!(book.sheet_names().len(), 2);
    let population = read_csv(&dir.join("population.csv"));
    let blank = population.iter().filter(|r| r[3].is_empty()).count();
    assert!(blank > 5, "{blank} population rows without a date of birth");

    let out = work.run(&["run", "--job", "p/job.toml", "--run-id", "r"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let run = dir.join("runs/r");
    crate::assert_conserved(&run);
    let manifest = crate::manifest(&run);
    let inputs = manifest["inputs"].as_array().unwrap();
    let rows_of = |agency: &str| {
        inputs.iter().find(|i| i["agency"] == agency).map(|i| i["rows"].as_u64().unwrap()).unwrap() as usize
    };
    // Every row of the workbook's two sheets and of the joined file is read.
    for (agency, truth) in [("education", "education"), ("civil_status", "civil_status")] {
        let rows = read_csv(&dir.join(format!("truth/{truth}.csv"))).len();
        assert_eq!(rows_of(agency), rows, "{agency}");
    }
    // The joined file's mid-file row is read like the others: its record ID without the BOM.
    let rejected = std::fs::read_to_string(run.join("civil_status/rejected.csv")).unwrap_or_default();
    assert!(!rejected.trim_start_matches('\u{feff}').contains('\u{feff}'), "{rejected}");
    let pop = inputs.iter().find(|i| i["role"] == "population").unwrap();
    let warnings = pop["warnings"].to_string();
    assert!(warnings.contains(&format!("is required and empty on {blank} row(s)")), "{warnings}");
}
