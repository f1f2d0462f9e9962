//! A province's run split into tasks by agency: the tasks as separate processes at once
//! (through `deploy/province-task.sh`, as a scheduler runs them), then the merge, publish
//! the run the one process publishes, byte for byte.

use crate::{code, files, stderr, Work};
use std::path::Path;

/// The run's files, the manifest without what differs from one run to the next (times,
/// peak memory) and the report without its timings table.
fn comparable(run: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    files(run)
        .into_iter()
        .map(|(path, bytes)| {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let bytes = match name.as_str() {
                "manifest.json" => {
                    let mut m: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                    for k in ["created_at", "stage_timings", "peak_memory_bytes"] {
                        m.as_object_mut().unwrap().remove(k);
                    }
                    m.to_string().into_bytes()
                }
                "report.html" => {
                    let text = String::from_utf8(bytes).unwrap();
                    text.split("<h2>Thời gian các bước").next().unwrap().as_bytes().to_vec()
                }
                _ => bytes,
            };
            (path, bytes)
        })
        .collect()
}

#[test]
fn a_run_split_into_tasks_by_agency_merges_to_the_one_process_run() {
    let work = Work::new();
    let dir = work.province("p", 3000, 4);
    let job = dir.join("job.toml");
    let job = job.to_str().unwrap();
    let run = |root: &str, more: &[&str]| {
        let args = ["run", "--job", job, "--run-root", root, "--run-id", "r"];
        work.run(&[&args[..], more].concat())
    };
    let one = run("one", &[]);
    assert!(matches!(code(&one), 0 | 3), "{}", stderr(&one));

    // Three tasks for four agencies, at once: task 0 takes two.
    let script = crate::root().join("deploy/province-task.sh");
    let task = |index: &str| {
        std::process::Command::new("sh")
            .arg(&script)
            .args([job, "split", "r", "3", index])
            .env("DOISOAT", env!("CARGO_BIN_EXE_doisoat"))
            .current_dir(work.path())
            .output()
            .unwrap()
    };
    let outs: Vec<std::process::Output> = std::thread::scope(|s| {
        let handles: Vec<_> = ["0", "1", "2"].map(|k| s.spawn(move || task(k))).into();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &outs {
        assert_eq!(code(out), 0, "{}", stderr(out));
    }
    assert!(String::from_utf8_lossy(&outs[0].stdout).contains("task 0 of 3: 2 agencies"));
    // The merge before a task has finished names it.
    let tasks = work.path().join("split/.tasks/r");
    std::fs::rename(tasks.join("task-1"), work.path().join("task-1")).unwrap();
    let early = run("split", &["--merge", "--tasks", "3"]);
    assert_eq!(code(&early), 1, "{}", stderr(&early));
    assert!(stderr(&early).contains("task 1 of 3 has not finished"), "{}", stderr(&early));
    assert!(!work.path().join("split/r").exists(), "nothing published");
    std::fs::rename(work.path().join("task-1"), tasks.join("task-1")).unwrap();
    let merged = task("merge");
    assert_eq!(code(&merged), code(&one), "{}", stderr(&merged));
    assert!(!work.path().join("split/.tasks").exists(), "the tasks' folders are removed");

    let (a, b) = (comparable(&work.path().join("one/r")), comparable(&work.path().join("split/r")));
    assert_eq!(a.iter().map(|f| &f.0).collect::<Vec<_>>(), b.iter().map(|f| &f.0).collect::<Vec<_>>());
    for ((path, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{} differs", path.display());
    }
    // The merged run's stage times are the tasks' (summed) and the merge's.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.path().join("split/r/manifest.json")).unwrap()).unwrap();
    let stages: Vec<&str> =
        m["stage_timings"].as_array().unwrap().iter().map(|t| t["stage"].as_str().unwrap()).collect();
    assert!(stages.contains(&"link") && stages.contains(&"normalize"), "{stages:?}");
    let feed = |root: &str| std::fs::read(work.path().join(root).join("feed/metrics.jsonl")).unwrap();
    assert_eq!(feed("one"), feed("split"), "the feed's lines");

    let bad = run("split", &["--task", "3", "--tasks", "3"]);
    assert_eq!(code(&bad), 2, "{}", stderr(&bad));

    // A task folder left by an attempt split otherwise is never merged.
    let again = |k: &str, n: &str| run("again", &["--task", k, "--tasks", n]);
    for (k, n) in [("0", "3"), ("1", "3"), ("2", "3"), ("0", "2")] {
        let out = again(k, n);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    let mixed = run("again", &["--merge", "--tasks", "2"]);
    assert_eq!(code(&mixed), 1, "{}", stderr(&mixed));
    assert!(
        stderr(&mixed).contains("holds task 1 of 3 (an attempt split otherwise): run task 1 of 2 again"),
        "{}",
        stderr(&mixed)
    );
}
