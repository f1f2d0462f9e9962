//! Mutation fuzzing of the readers of binary inputs (`.parquet`, `.xlsx`): a valid file
//! made from the demo's insurance export, then bytes flipped, runs overwritten and the
//! file cut, case after case (proptest, fixed seed). Every case must end with the table
//! or an input error naming the file: no crash, no hang. A panic inside a third-party
//! reader is caught and becomes such an error (`ingest::guarded`); the cases where that
//! happened are counted and printed, as findings for the library's maintainers.
//!
//! The default budget runs with the tests; `DOISOAT_FUZZ_CASES=5000 cargo test --test
//! integration fuzz -- --ignored --nocapture` runs a larger one (`DOISOAT_FUZZ_ONLY=xlsx`
//! or `parquet` for one reader; cargo-fuzz needs a nightly toolchain this project does
//! not use).
//!
//! Findings so far (polars-parquet 0.55.2): three `expect`s on damaged thrift fields and
//! one in its bridge panic (caught, an input error); a damaged page header's value count
//! made it ask for 2^61 bytes, and the allocation failure aborted the process, which no
//! caller can catch. The footer's row counts are checked before reading
//! (`MAX_PARQUET_ROWS`), and every data page header of the columns to decode is walked
//! first (`parquet_pages_checked`): within 5 000 cases the process aborted before that
//! check, so the Parquet budget of the default run is 5 000 (4 s); 20 000 pass.

use crate::Work;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::path::{Path, PathBuf};

/// The demo's insurance rules and its export, read.
fn demo(work: &Work) -> (doisoat::config::Rules, Vec<String>, Vec<Vec<String>>) {
    let job = work.demo_job("demo");
    let dir = job.parent().unwrap();
    let mut problems = Vec::new();
    let rules = doisoat::config::load_rules(&dir.join("rules/insurance.toml"), &mut problems).unwrap();
    let (headers, rows) = crate::insurance_export(dir);
    (rules, headers, rows)
}

fn parquet_bytes(headers: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    use polars::prelude::*;
    let columns: Vec<Column> = headers
        .iter()
        .enumerate()
        .map(|(c, h)| Column::new(h.as_str().into(), rows.iter().map(|r| r[c].as_str()).collect::<Vec<_>>()))
        .collect();
    let mut df = DataFrame::new_infer_height(columns).unwrap();
    let mut out = Vec::new();
    ParquetWriter::new(&mut out).finish(&mut df).unwrap();
    out
}

fn xlsx_bytes(headers: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    crate::write_sheet(book.add_worksheet(), headers, rows);
    book.save_to_buffer().unwrap()
}

/// One damage: a byte flipped, a run of bytes overwritten (often in the footer or the
/// zip's directory, at the end), or the file cut.
#[derive(Debug, Clone)]
enum Damage {
    Flip(usize, u8),
    Overwrite(usize, Vec<u8>),
    FromEnd(usize, Vec<u8>),
    Cut(usize),
}

fn damage() -> impl Strategy<Value = Vec<Damage>> {
    let one = prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, x)| Damage::Flip(at, x)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..16)).prop_map(|(at, b)| Damage::Overwrite(at, b)),
        (0usize..256, proptest::collection::vec(any::<u8>(), 1..8)).prop_map(|(at, b)| Damage::FromEnd(at, b)),
        any::<usize>().prop_map(Damage::Cut),
    ];
    proptest::collection::vec(one, 1..4)
}

fn apply(mut bytes: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    for d in damages {
        let n = bytes.len().max(1);
        match d {
            Damage::Flip(at, x) => {
                let i = at % n;
                if let Some(b) = bytes.get_mut(i) {
                    *b ^= x;
                }
            }
            Damage::Overwrite(at, run) | Damage::FromEnd(at, run) => {
                let start = if matches!(d, Damage::FromEnd(..)) { n.saturating_sub(at % n + 1) } else { at % n };
                for (k, b) in run.iter().enumerate() {
                    if let Some(x) = bytes.get_mut(start + k) {
                        *x = *b;
                    }
                }
            }
            Damage::Cut(at) => bytes.truncate(at % n),
        }
    }
    bytes
}

/// Runs `cases` damaged copies of `valid` through the reader; gives how many the guard
/// caught (a panic of the library) and how many read.
fn fuzz(valid: &[u8], file: &Path, rules: &doisoat::config::Rules, cases: u32) -> (u32, u32) {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]));
    let caught = std::cell::Cell::new(0);
    let read = std::cell::Cell::new(0);
    runner
        .run(&damage(), |d| {
            std::fs::write(file, apply(valid.to_vec(), &d)).unwrap();
            match doisoat::ingest::read(file, rules) {
                Ok(_) => read.set(read.get() + 1),
                Err(e) => {
                    let text = e.to_string();
                    prop_assert!(text.contains(file.file_name().unwrap().to_str().unwrap()), "{text}");
                    if text.contains("its reader failed") {
                        caught.set(caught.get() + 1);
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    (caught.get(), read.get())
}

fn budget(default: u32) -> u32 {
    std::env::var("DOISOAT_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn run_both(cases: u32, parquet_cases: u32) {
    let work = Work::new();
    let (rules, headers, rows) = demo(&work);
    let only = std::env::var("DOISOAT_FUZZ_ONLY").unwrap_or_default();
    let inputs = [("x.parquet", parquet_bytes(&headers, &rows)), ("x.xlsx", xlsx_bytes(&headers, &rows))];
    for (name, valid) in inputs.into_iter().filter(|(n, _)| only.is_empty() || n.ends_with(only.as_str())) {
        let file: PathBuf = work.path().join(name);
        let started = std::time::Instant::now();
        let cases = if name.ends_with("parquet") { parquet_cases } else { cases };
        let (caught, read) = fuzz(&valid, &file, &rules, cases);
        eprintln!(
            "fuzz {name}: {cases} cases in {:.1} s, {read} read, {caught} reader panics caught",
            started.elapsed().as_secs_f64()
        );
    }
}

#[test]
fn damaged_parquet_and_xlsx_inputs_never_crash_the_reader() {
    run_both(budget(300), budget(5000));
}

#[test]
#[ignore = "a larger budget: DOISOAT_FUZZ_CASES=N cargo test --test integration fuzz -- --ignored --nocapture"]
fn damaged_parquet_and_xlsx_inputs_never_crash_the_reader_long() {
    run_both(budget(5000), budget(20000));
}
