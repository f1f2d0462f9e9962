//! Run behaviour: determinism, atomic publishing, gates, the feed, changes between runs.

use crate::{code, files, stderr, Work};
use std::path::Path;

fn data_files(run_dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    files(run_dir).into_iter().filter(|(rel, _)| rel.file_name().unwrap() != "manifest.json").collect()
}

#[test]
fn same_inputs_give_byte_identical_data_files() {
    let work = Work::new();
    let a = work.run_demo("a", "2026-11-29");
    let b = work.run_demo("b", "2026-11-29");
    assert_eq!((code(&a), code(&b)), (0, 0));
    let fa = data_files(&work.path().join("a/runs/2026-11-29"));
    let fb = data_files(&work.path().join("b/runs/2026-11-29"));
    assert!(fa.len() >= 18, "{} files", fa.len());
    assert_eq!(fa.iter().map(|f| &f.0).collect::<Vec<_>>(), fb.iter().map(|f| &f.0).collect::<Vec<_>>());
    for ((name, x), (_, y)) in fa.iter().zip(&fb) {
        assert!(x == y, "{} differs between identical runs", name.display());
    }
}

#[test]
fn rerunning_a_run_id_replaces_it_with_identical_files_and_feed_lines_once() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let job = job.to_str().unwrap();
    assert_eq!(code(&work.run(&["run", "--job", job, "--run-id", "r1"])), 0);
    let first = data_files(&work.path().join("demo/runs/r1"));
    let feed = work.path().join("demo/runs/feed/metrics.jsonl");
    let lines = std::fs::read_to_string(&feed).unwrap().lines().count();
    assert!(lines > 0);
    assert_eq!(code(&work.run(&["run", "--job", job, "--run-id", "r1"])), 0);
    assert_eq!(first, data_files(&work.path().join("demo/runs/r1")));
    assert_eq!(std::fs::read_to_string(&feed).unwrap().lines().count(), lines, "feed lines duplicated");
    assert_eq!(code(&work.run(&["run", "--job", job, "--run-id", "r2"])), 0);
    assert_eq!(std::fs::read_to_string(&feed).unwrap().lines().count(), 2 * lines);
}

#[test]
fn a_failed_run_leaves_the_previous_run_untouched() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let job = job.to_str().unwrap();
    assert_eq!(code(&work.run(&["run", "--job", job, "--run-id", "r1"])), 0);
    let before = files(&work.path().join("demo/runs"));
    // The same run ID again, but a registry file has become unreadable.
    std::fs::remove_file(work.path().join("demo/bhxh.csv")).unwrap();
    std::fs::create_dir(work.path().join("demo/bhxh.csv")).unwrap();
    let out = work.run(&["run", "--job", job, "--run-id", "r1"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("bhxh.csv"), "{}", stderr(&out));
    assert_eq!(before, files(&work.path().join("demo/runs")), "the run root changed");
}

#[test]
fn a_failed_gate_publishes_and_exits_3_naming_the_gate() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let text = std::fs::read_to_string(&job).unwrap();
    std::fs::write(&job, text + "\n[[gate]]\nagency = \"insurance\"\ndimension = \"dung\"\nmin = 95.0\n").unwrap();
    let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r1"]);
    assert_eq!(code(&out), 3);
    assert!(stderr(&out).contains("insurance dung"), "{}", stderr(&out));
    assert!(work.path().join("demo/runs/r1/manifest.json").is_file());
}

#[test]
fn a_fixed_record_is_resolved_in_the_next_run() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let job = job.to_str().unwrap();
    assert_eq!(code(&work.run(&["run", "--job", job, "--run-id", "2026-11-28"])), 0);
    let bhxh = work.path().join("demo/bhxh.csv");
    let text = std::fs::read_to_string(&bhxh).unwrap();
    std::fs::write(&bhxh, text.replace("VÀNG THỊ MỶ", "Vàng Thị Mỷ")).unwrap();
    let out = work.run(&["run", "--job", job, "--run-id", "2026-11-29"]);
    assert_eq!(code(&out), 0);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 discrepancies fixed, 0 new"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let changes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("demo/runs/2026-11-29/changes.json")).unwrap())
            .unwrap();
    assert_eq!(changes["agencies"]["insurance"]["resolved"].as_array().unwrap().len(), 1);
    assert_eq!(changes["agencies"]["insurance"]["previous_run"], "2026-11-28");
    let csv = std::fs::read_to_string(work.path().join("demo/runs/2026-11-29/insurance/discrepancies.csv")).unwrap();
    assert!(csv.lines().skip(1).all(|l| l.contains(",false,")), "nothing is new");
}
