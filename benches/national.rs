//! The cross-province pass on a generated nation, in release mode: P provinces of N
//! people each (`generate --provinces`), each province run as the night runs it, then
//! `doisoat national` in one process and split into 2 and 4 tasks run at once (as a
//! scheduler runs them), then merged. Prints, per split, the wall time of the tasks, the
//! largest task's peak memory, the merge's time, and precision and recall of the
//! records found against the nation's truth; the split outputs must equal the one
//! process's, byte for byte.
//!
//! `cargo bench --bench national`; `DOISOAT_BENCH_PROVINCES` (default 4) and
//! `DOISOAT_BENCH_PEOPLE` (per province, default 100 000) to resize.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Instant;
use support::wait;

mod support;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn doisoat(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_doisoat"));
    c.args(args).current_dir(dir).stdout(std::process::Stdio::null());
    c
}

/// (province, agency, record ID) → person ID of the linked rows of every province.
fn found(out: &Path) -> BTreeMap<(String, String, String), String> {
    let mut all = BTreeMap::new();
    for entry in std::fs::read_dir(out).expect("output folder").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(province) = name.strip_prefix("province=") else { continue };
        let text = std::fs::read_to_string(entry.path().join("cross_province.csv")).expect("csv");
        let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let h: Vec<String> = r.headers().expect("header").iter().map(str::to_string).collect();
        let col = |n: &str| h.iter().position(|x| x == n).expect("column");
        for row in r.records().map(|r| r.expect("row")) {
            if row[col("note")].starts_with("linked") {
                let id = row[col("person_id")].trim_start_matches("=\"").trim_end_matches('"').to_string();
                all.insert(
                    (province.to_string(), row[col("agency")].to_string(), row[col("record_id")].to_string()),
                    id,
                );
            }
        }
    }
    all
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let (provinces, people) = (env("DOISOAT_BENCH_PROVINCES", 4), env("DOISOAT_BENCH_PEOPLE", 100_000));
    let dir = tempfile::tempdir().expect("temp dir");
    let work = dir.path();
    let t = Instant::now();
    let gen = ["generate", "--provinces", &provinces.to_string(), "--people", &people.to_string()];
    let status = doisoat(work, &[&gen[..], &["--seed", "5", "--out", "nation"]].concat()).status().expect("generate");
    assert!(status.success());
    println!("national/generate {provinces} provinces x {people} people: {:.1} s", t.elapsed().as_secs_f64());
    let mut codes: Vec<String> = std::fs::read_dir(work.join("nation/provinces"))
        .expect("provinces")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    codes.sort();
    let t = Instant::now();
    for code in &codes {
        let job = format!("nation/provinces/{code}/job.toml");
        let root = format!("runs/province={code}");
        let out = doisoat(work, &["run", "--job", &job, "--run-id", "r1", "--run-root", &root]).status().expect("run");
        assert!(matches!(out.code(), Some(0 | 3)), "province {code}");
    }
    println!("national/province runs: {:.1} s in all", t.elapsed().as_secs_f64());
    let truth: BTreeMap<(String, String, String), String> =
        csv::Reader::from_path(work.join("nation/truth/cross_province.csv"))
            .expect("truth")
            .records()
            .map(|r| {
                let r = r.expect("row");
                ((r[0].to_string(), r[1].to_string(), r[2].to_string()), r[3].to_string())
            })
            .collect();
    let base =
        ["national", "--population", "nation/lake/population", "--rules", "nation/provinces/12/rules/population.toml"];
    let base = [&base[..], &["--residue", "runs", "--date", "2026-11-29"]].concat();
    println!(
        "national/{:<10} {:>9} {:>12} {:>9} {:>10} {:>8}",
        "split", "tasks s", "task peak GB", "merge s", "precision", "recall"
    );
    let mut one: Option<Vec<Vec<u8>>> = None;
    for n in [1usize, 2, 4] {
        let (out, tasks) = (format!("out{n}"), n.to_string());
        let start = Instant::now();
        let (wall, peak, merge) = if n == 1 {
            let child = doisoat(work, &[&base[..], &["--out", &out]].concat()).spawn().expect("national");
            let (wall, peak) = wait(child, start);
            (wall, peak, 0.0)
        } else {
            let children: Vec<_> = (0..n)
                .map(|k| {
                    let k = k.to_string();
                    let task = [&base[..], &["--out", &out, "--task", &k, "--tasks", &tasks]].concat();
                    doisoat(work, &task).spawn().expect("task")
                })
                .collect();
            let waited: Vec<(f64, f64)> = children.into_iter().map(|c| wait(c, start)).collect();
            let wall = waited.iter().map(|w| w.0).fold(0.0, f64::max);
            let peak = waited.iter().map(|w| w.1).fold(0.0, f64::max);
            let m = Instant::now();
            let merge = [&base[..], &["--out", &out, "--merge", "--tasks", &tasks]].concat();
            let (merge, _) = wait(doisoat(work, &merge).spawn().expect("merge"), m);
            (wall, peak, merge)
        };
        let found = found(&work.join(&out));
        let right = found.iter().filter(|(k, v)| truth.get(*k) == Some(*v)).count();
        let (p, r) = (right as f64 / found.len().max(1) as f64, right as f64 / truth.len().max(1) as f64);
        println!("national/{:<10} {wall:>9.2} {peak:>12.2} {merge:>9.2} {p:>10.4} {r:>8.4}", format!("{n} task(s)"));
        let files: Vec<Vec<u8>> = codes
            .iter()
            .flat_map(|c| ["csv", "parquet"].map(|e| work.join(&out).join(format!("province={c}/cross_province.{e}"))))
            .map(|f| std::fs::read(f).expect("output"))
            .collect();
        match &one {
            None => one = Some(files),
            Some(first) => assert!(first == &files, "{n} tasks and their merge differ from one process"),
        }
    }
    println!("national/truth: {} records held where their person no longer lives", truth.len());
}
