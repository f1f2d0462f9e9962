//! One integration-test binary that runs the real `doisoat` executable.
//!
//! Each test gets its own working directory ([`Work`]). Golden outputs live under
//! `fixtures/<scenario>/expected/`; regenerate them with `DOISOAT_BLESS=1 cargo test
//! --test integration` and review the diff — never edit them by hand.

mod architecture;
mod cli;
mod exports;
mod fuzz;
mod golden;
mod hostile;
mod lake;
mod model;
mod national;
mod normalize_table;
mod onboard;
mod properties;
mod runs;
mod sheets;
mod synth;
mod tasks;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary working directory for one test.
pub struct Work {
    dir: tempfile::TempDir,
}

impl Default for Work {
    fn default() -> Self {
        Work::new()
    }
}

impl Work {
    pub fn new() -> Work {
        Work { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs doisoat with arguments in this directory.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_doisoat")).args(args).current_dir(self.path()).output().expect("run doisoat")
    }

    /// Writes the hand-made province (without running it) into `sub`; gives the job path.
    pub fn demo_job(&self, sub: &str) -> PathBuf {
        doisoat::demo::write(&self.path().join(sub)).expect("demo files")
    }

    /// Generates a synthetic province (default profile, reference day 2026-11-29) into
    /// `sub`; gives its folder.
    pub fn province(&self, sub: &str, people: usize, seed: u64) -> PathBuf {
        let dir = self.path().join(sub);
        let today = doisoat::vn::date::PartialDate { year: 2026, month: 11, day: 29 };
        let opts = doisoat::synth::Options { people, seed, profile: Default::default(), today };
        doisoat::synth::generate(&dir, &opts).expect("generate");
        dir
    }

    /// Writes the hand-made province into `sub` and runs it as run `id`; gives the output.
    pub fn run_demo(&self, sub: &str, id: &str) -> Output {
        let job = self.demo_job(sub);
        self.run(&["run", "--job", job.to_str().unwrap(), "--run-id", id])
    }
}

/// Exit code of a finished process.
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exited normally")
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// All files below a folder, relative paths sorted, with their bytes.
pub fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// The manifest of a run as JSON.
pub fn manifest(run_dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(run_dir.join("manifest.json")).unwrap()).unwrap()
}

/// Checks that every input's four outcomes add up to its rows.
pub fn assert_conserved(run_dir: &Path) {
    let m = manifest(run_dir);
    for input in m["inputs"].as_array().unwrap() {
        let c = &input["conservation"];
        let rows = input["rows"].as_u64().unwrap();
        let sum = if input["role"] == "population" {
            c["loaded"].as_u64().unwrap() + c["rejected"].as_u64().unwrap()
        } else {
            ["linked", "review", "not_in_population", "rejected"].iter().map(|k| c[k].as_u64().unwrap()).sum()
        };
        assert_eq!(sum, rows, "conservation of {}", input["path"]);
    }
}

/// An agency folder's `discrepancies.parquet` as CSV text (a BOM, the header, `\r\n`
/// line ends, cells as doisoat spells them, scores to 4 decimals): the form the golden
/// files keep, so a change of the list reads as a text diff.
pub fn discrepancies_csv(agency_dir: &Path) -> String {
    use polars::prelude::*;
    let file = std::fs::File::open(agency_dir.join("discrepancies.parquet")).expect("discrepancies.parquet");
    let df = ParquetReader::new(file).finish().expect("readable discrepancies.parquet");
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(doisoat::cells::format_line(names.iter()));
    for i in 0..df.height() {
        let cells = df.columns().iter().map(|c| match c.get(i).expect("row in range") {
            AnyValue::Null => String::new(),
            AnyValue::String(s) => s.to_string(),
            AnyValue::StringOwned(s) => s.to_string(),
            AnyValue::Float64(x) => format!("{x:.4}"),
            AnyValue::Boolean(b) => b.to_string(),
            other => other.to_string(),
        });
        out.extend(doisoat::cells::format_line(cells));
    }
    String::from_utf8(out).expect("UTF-8")
}

/// [`files`], with each `discrepancies.parquet` also given as the text of a
/// `discrepancies.csv` beside it ([`discrepancies_csv`]).
pub fn readable_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = files(dir);
    let rendered: Vec<(PathBuf, Vec<u8>)> = out
        .iter()
        .filter(|(rel, _)| rel.file_name().is_some_and(|n| n == "discrepancies.parquet"))
        .map(|(rel, _)| {
            let agency = rel.parent().expect("in an agency folder");
            (agency.join("discrepancies.csv"), discrepancies_csv(&dir.join(agency)).into_bytes())
        })
        .collect();
    out.extend(rendered);
    out.sort();
    out
}

/// Writes a header row and text rows to a worksheet (every cell a string).
pub fn write_sheet(sheet: &mut rust_xlsxwriter::Worksheet, headers: &[String], rows: &[Vec<String>]) {
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            sheet.write_string(i as u32 + 1, c as u16, v).unwrap();
        }
    }
}

/// Checks OpenMetrics text as the readers do: with `promtool check metrics` and with the
/// Python client's strict OpenMetrics parser when they are installed (`.ci/run` installs
/// promtool), and always for what both require: metadata before samples, each family's
/// samples together, one family per name, `# EOF` last.
pub fn check_openmetrics(text: &str) {
    use std::io::Write as _;
    use std::process::Stdio;
    assert!(text.ends_with("# EOF\n") && text.matches("# EOF").count() == 1, "no single final # EOF");
    let mut seen = std::collections::BTreeSet::new();
    let mut current = String::new();
    for line in text.lines().filter(|l| *l != "# EOF") {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            current = rest.split(' ').next().unwrap().to_string();
            assert!(seen.insert(current.clone()), "family {current} twice");
        } else if !line.starts_with("# HELP ") {
            let name = line.split(['{', ' ']).next().unwrap();
            assert_eq!(name, current, "sample {line} outside its family");
            let value = line.rsplit(' ').next().unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
    let mut readers = vec![(std::path::PathBuf::from("promtool"), vec!["check", "metrics"])];
    readers.push((
        std::path::PathBuf::from("python3"),
        vec!["-c", "import sys; from prometheus_client.openmetrics.parser import text_string_to_metric_families as p; list(p(sys.stdin.read()))"],
    ));
    for (program, args) in readers {
        let Ok(mut child) = Command::new(&program)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        else {
            continue;
        };
        // A reader that stops early (python3 without the parser) closes its input.
        let _ = child.stdin.take().unwrap().write_all(text.as_bytes());
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("No module named") {
            continue;
        }
        assert!(
            out.status.success(),
            "{} rejects metrics.prom: {err}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// The demo's insurance export (`DIR/bhxh.csv`) as (headers, rows of full width: its short
/// row, a rejected row, left out), to write it again in another form.
pub fn insurance_export(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_path(dir.join("bhxh.csv")).unwrap();
    let headers: Vec<String> =
        r.headers().unwrap().iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect::<Vec<String>>())
        .filter(|r| r.len() == headers.len())
        .collect();
    (headers, rows)
}
