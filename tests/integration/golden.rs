//! Golden scenarios: one per discrepancy code under `fixtures/scenarios/<code>/`, plus
//! bad input and the demo. Compares every agency's discrepancies (`discrepancies.parquet`
//! kept as CSV text), `fixes.csv`, `rejected.csv` and the run's `metrics.json` with
//! `expected/`.

use crate::{assert_conserved, code, discrepancies_csv, readable_files, root, stderr, Work};
use std::path::Path;

const RUN_ID: &str = "golden";

fn bless() -> bool {
    std::env::var_os("DOISOAT_BLESS").is_some()
}

/// Compares (or, when blessing, writes) the golden files of a run.
fn compare(run_dir: &Path, expected: &Path) -> Vec<String> {
    let mut diffs = Vec::new();
    for (rel, bytes) in readable_files(run_dir) {
        let name = rel.file_name().unwrap().to_str().unwrap();
        if !matches!(name, "discrepancies.csv" | "fixes.csv" | "rejected.csv" | "coverage.csv" | "metrics.json") {
            continue;
        }
        let want_path = expected.join(&rel);
        if bless() {
            std::fs::create_dir_all(want_path.parent().unwrap()).unwrap();
            std::fs::write(&want_path, &bytes).unwrap();
            continue;
        }
        match std::fs::read(&want_path) {
            Ok(want) if want == bytes => {}
            Ok(want) => diffs.push(format!(
                "{} differs:\n--- expected\n{}\n--- got\n{}",
                rel.display(),
                String::from_utf8_lossy(&want),
                String::from_utf8_lossy(&bytes)
            )),
            Err(_) => diffs.push(format!("{} has no expected file {}", rel.display(), want_path.display())),
        }
    }
    diffs
}

fn run_scenario(dir: &Path) -> (Work, std::path::PathBuf) {
    let work = Work::new();
    let job = dir.join("job.toml");
    let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-root", "runs", "--run-id", RUN_ID]);
    assert_eq!(code(&out), 0, "{}: {}", dir.display(), stderr(&out));
    let run_dir = work.path().join("runs").join(RUN_ID);
    (work, run_dir)
}

/// Runs one scenario and compares it with its golden files; the scenario named after a
/// code must report that code.
fn scenario(name: &str) {
    let dir = root().join("fixtures/scenarios").join(name);
    let (_work, run_dir) = run_scenario(&dir);
    assert_conserved(&run_dir);
    let mut failures = compare(&run_dir, &dir.join("expected"));
    let code = name.to_uppercase();
    if doisoat::assess::Code::from_name(&code).is_some() {
        let found = readable_files(&run_dir).iter().any(|(rel, bytes)| {
            let text = String::from_utf8_lossy(bytes);
            (rel.ends_with("discrepancies.csv") && text.contains(&format!(",{code},")))
                || (rel.ends_with("coverage.csv") && text.contains(&format!(",{code}\r\n")))
        });
        if !found {
            failures.push(format!("scenario {name} does not report {code}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One test per scenario folder, named after it, so a failure names its scenario.
macro_rules! scenarios {
    ($($name:ident,)*) => {
        /// The scenarios that have a test, by name.
        const SCENARIOS: &[&str] = &[$(stringify!($name)),*];
        mod scenario {
            $(
                #[test]
                fn $name() {
                    super::scenario(stringify!($name));
                }
            )*
        }
    };
}

scenarios! {
    address_legacy_unit,
    address_mismatch,
    bad_input,
    death_not_in_population,
    deceased_active,
    dob_day_month_swapped,
    dob_mismatch,
    dob_partial,
    duplicate_record,
    encodings,
    expected_absent,
    id_birth_year_conflict,
    id_legacy,
    id_malformed,
    id_missing,
    id_other_person,
    id_province_invalid,
    id_sex_century_conflict,
    id_typo,
    linked_without_id,
    marital_conflict,
    name_mismatch,
    name_variant,
    not_in_population,
    parent_mismatch,
    rejected_row,
    sex_mismatch,
    stale_record,
}

/// A scenario folder without its test would never run: every folder is listed above.
#[test]
fn every_scenario_folder_has_its_test() {
    let base = root().join("fixtures/scenarios");
    let mut dirs: Vec<String> = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 19, "expected a scenario per code");
    assert_eq!(dirs, SCENARIOS, "add the new scenario to scenarios! in golden.rs");
}

#[test]
fn demo_matches_its_golden_files_and_reports_every_backbone_code() {
    let work = Work::new();
    let out = work.run_demo("demo", RUN_ID);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("run folder:"), "{stdout}");
    let run_dir = work.path().join("demo/runs").join(RUN_ID);
    assert_conserved(&run_dir);
    let diffs = compare(&run_dir, &root().join("fixtures/demo/expected"));
    assert!(diffs.is_empty(), "{}", diffs.join("\n\n"));
    let all: String = readable_files(&run_dir)
        .iter()
        .filter(|(rel, _)| rel.ends_with("discrepancies.csv"))
        .map(|(_, b)| String::from_utf8_lossy(b).to_string())
        .collect();
    for code in [
        "ID_MISSING",
        "ID_MALFORMED",
        "ID_LEGACY",
        "ID_PROVINCE_INVALID",
        "ID_SEX_CENTURY_CONFLICT",
        "ID_BIRTH_YEAR_CONFLICT",
        "ID_OTHER_PERSON",
        "NOT_IN_POPULATION",
        "NAME_MISMATCH",
        "NAME_VARIANT",
        "DOB_MISMATCH",
        "DOB_DAY_MONTH_SWAPPED",
        "DOB_PARTIAL",
        "SEX_MISMATCH",
        "DECEASED_ACTIVE",
        "DEATH_NOT_IN_POPULATION",
        "DUPLICATE_RECORD",
        "REJECTED_ROW",
    ] {
        assert!(all.contains(&format!(",{code},")), "demo lacks {code}");
    }
}

#[test]
fn bad_rows_are_rejected_with_reasons_and_the_rest_linked() {
    let (_work, run_dir) = run_scenario(&root().join("fixtures/scenarios/bad_input"));
    let rejected = std::fs::read_to_string(run_dir.join("insurance/rejected.csv")).unwrap();
    assert!(rejected.contains("1201000030,,\"expected 8 fields, found 3\""), "{rejected}");
    assert!(rejected.contains("1201000031,Họ và tên,not valid UTF-8"), "{rejected}");
    assert!(rejected.contains("1201000032,Ngày sinh,31/02/1990 does not exist"), "{rejected}");
    assert_eq!(rejected.lines().count(), 4, "{rejected}");
    let m = crate::manifest(&run_dir);
    let c = &m["inputs"][1]["conservation"];
    assert_eq!(c["rows"], 6);
    assert_eq!(c["rejected"], 3);
    // The readable rows, the quoted newline with CRLF among them, are all linked.
    assert_eq!(c["linked"], 3);
}

/// Regression: the demo's registries in TCVN3, Windows-1258 and UTF-16 give exactly the
/// discrepancies of the UTF-8 originals (no spurious name variants from the encoding).
#[test]
fn legacy_encoded_registries_match_their_utf8_originals() {
    let (_work, run_dir) = run_scenario(&root().join("fixtures/scenarios/encodings"));
    let m = crate::manifest(&run_dir);
    let encodings: Vec<&str> =
        m["inputs"].as_array().unwrap().iter().map(|i| i["encoding"].as_str().unwrap()).collect();
    assert_eq!(encodings, ["utf-8", "windows-1258", "tcvn3", "utf-16"]);
    let demo = Work::new();
    assert_eq!(code(&demo.run_demo("d", RUN_ID)), 0);
    for agency in ["insurance", "land", "education"] {
        let body = |dir: &Path| -> Vec<String> {
            let text = discrepancies_csv(&dir.join(agency));
            let mut rows: Vec<String> =
                text.lines().skip(1).map(|l| l.splitn(3, ',').nth(2).unwrap().to_string()).collect();
            rows.sort();
            rows
        };
        assert_eq!(body(&run_dir), body(&demo.path().join("d/runs").join(RUN_ID)), "{agency}");
    }
}
