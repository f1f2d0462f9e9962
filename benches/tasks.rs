//! A province's run split into tasks by agency, in release mode: a realistic generated
//! province (`profiles/realistic.toml`) run in one process, then in 2 and 4 tasks (run one
//! after the other, so that each one's peak memory is its own) and their merge. Prints
//! each split's largest task time and peak memory, the merge's, and checks that every
//! agency folder equals the one process's, byte for byte.
//!
//! `cargo bench --bench tasks`; `DOISOAT_BENCH_PEOPLE` (default 500 000) to resize.

use std::path::Path;
use std::process::Command;
use std::time::Instant;
use support::wait;

mod support;

fn doisoat(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_doisoat"));
    c.args(args).current_dir(dir).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
    c
}

/// Every file of the agencies' folders of a run (path, bytes), sorted.
fn agency_files(run: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for agency in std::fs::read_dir(run).expect("run").flatten().filter(|e| e.path().is_dir()) {
        let mut stack = vec![agency.path()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).expect("folder").flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                } else {
                    let rel = e.path().strip_prefix(run).expect("inside").display().to_string();
                    out.push((rel, std::fs::read(e.path()).expect("file")));
                }
            }
        }
    }
    out.sort();
    out
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let people: usize = std::env::var("DOISOAT_BENCH_PEOPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(500_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let work = dir.path();
    let profile = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/realistic.toml");
    let gen = ["generate", "--people", &people.to_string(), "--seed", "11", "--out", "p"];
    let ok = doisoat(work, &[&gen[..], &["--profile", profile.to_str().expect("path")]].concat()).status();
    assert!(ok.expect("generate").success());
    println!(
        "tasks/{people} people: {:<8} {:>12} {:>14} {:>9} {:>15}",
        "split", "task wall s", "task peak GB", "merge s", "merge peak GB"
    );
    let mut one = Vec::new();
    for n in [1usize, 2, 4] {
        let root = format!("runs{n}");
        let base = ["run", "--job", "p/job.toml", "--run-id", "r", "--run-root", &root];
        let (mut wall, mut peak, mut merge) = (0.0f64, 0.0f64, (0.0, 0.0));
        if n == 1 {
            (wall, peak) = wait(doisoat(work, &base).spawn().expect("run"), Instant::now());
        } else {
            let tasks = n.to_string();
            for k in 0..n {
                let k = k.to_string();
                let task = [&base[..], &["--task", &k, "--tasks", &tasks]].concat();
                let (w, p) = wait(doisoat(work, &task).spawn().expect("task"), Instant::now());
                (wall, peak) = (wall.max(w), peak.max(p));
            }
            let m = [&base[..], &["--merge", "--tasks", &tasks]].concat();
            merge = wait(doisoat(work, &m).spawn().expect("merge"), Instant::now());
        }
        println!(
            "tasks/{people} people: {:<8} {wall:>12.2} {peak:>14.2} {:>9.2} {:>15.2}",
            format!("{n} task(s)"),
            merge.0,
            merge.1
        );
        let files = agency_files(&work.join(&root).join("r"));
        if n == 1 {
            one = files;
        } else {
            assert!(one == files, "{n} tasks: the agencies' folders differ from the one process's");
        }
    }
}
