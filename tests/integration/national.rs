//! The cross-province pass on a small generated nation: each province run (published
//! under `runs/province=XX/`, as `deploy/run-partition.sh` does), then `doisoat national`
//! over their residues and the population lake, in one process and as tasks run by
//! `deploy/national-task.sh` as separate processes and merged.

use crate::{code, stderr, Work};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// (province, agency, record ID) → person ID, from the truth or from the pass's files.
type Found = BTreeMap<(String, String, String), String>;

fn truth(nation: &Path) -> Found {
    let mut r = csv::Reader::from_path(nation.join("truth/cross_province.csv")).unwrap();
    r.records()
        .map(|row| {
            let row = row.unwrap();
            ((row[0].to_string(), row[1].to_string(), row[2].to_string()), row[3].to_string())
        })
        .collect()
}

/// The linked rows of every province's `cross_province.csv`.
fn found(out: &Path, provinces: &[String]) -> Found {
    let mut all = Found::new();
    for p in provinces {
        let text = std::fs::read_to_string(out.join(format!("province={p}/cross_province.csv"))).unwrap();
        let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        let col = |n: &str| h.iter().position(|x| x == n).unwrap();
        for row in r.records() {
            let row = row.unwrap();
            assert_eq!(&row[col("code")], "RESIDES_IN_OTHER_PROVINCE");
            if row[col("note")].starts_with("linked") {
                let id = row[col("person_id")].trim_start_matches("=\"").trim_end_matches('"').to_string();
                all.insert((p.clone(), row[col("agency")].to_string(), row[col("record_id")].to_string()), id);
            }
        }
    }
    all
}

#[test]
fn the_national_pass_finds_the_people_who_moved_and_its_tasks_merge_to_the_same_files() {
    let work = Work::new();
    let gen = work.run(&["generate", "--provinces", "3", "--people", "2500", "--seed", "5", "--out", "nation"]);
    assert_eq!(code(&gen), 0, "{}", stderr(&gen));
    let nation = work.path().join("nation");
    let provinces: Vec<String> = ["12", "01", "04"].map(String::from).to_vec();
    for p in &provinces {
        let job = nation.join(format!("provinces/{p}/job.toml"));
        let root = format!("runs/province={p}");
        let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r1", "--run-root", &root]);
        assert!(matches!(code(&out), 0 | 3), "{p}: {}", stderr(&out));
        assert!(work.path().join(&root).join("r1/insurance/residue.parquet").is_file());
    }
    let (population, rules) = ("nation/lake/population", "nation/provinces/12/rules/population.toml");
    let national = |out: &str, more: &[&str]| {
        let date = ["--date", "2026-11-29"];
        let args = ["national", "--population", population, "--rules", rules, "--residue", "runs", "--out", out];
        work.run(&[&args[..], &date, more].concat())
    };
    let whole = national("whole", &[]);
    assert_eq!(code(&whole), 0, "{}", stderr(&whole));

    // As found by the truth: the records a province holds of people now living elsewhere.
    let (truth, found) = (truth(&nation), found(&work.path().join("whole"), &provinces));
    assert!(truth.len() > 50, "the nation has movers' records: {}", truth.len());
    let right = found.iter().filter(|(k, v)| truth.get(*k) == Some(*v)).count();
    let (precision, recall) = (right as f64 / found.len() as f64, right as f64 / truth.len() as f64);
    assert!(precision >= 0.98, "precision {precision:.4} ({right} of {} found)", found.len());
    assert!(recall >= 0.8, "recall {recall:.4} ({right} of {} true)", truth.len());

    // The province's next run, given the pass's folder, puts each of its rows in the
    // worklist of the record's agency, beside NOT_IN_POPULATION.
    let job = nation.join("provinces/12/job.toml");
    let text = std::fs::read_to_string(&job).unwrap();
    std::fs::write(&job, text.replacen("province = \"12\"\n", "province = \"12\"\nnational = \"../../../whole\"\n", 1))
        .unwrap();
    let again = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r2", "--run-root", "runs/province=12"]);
    assert!(matches!(code(&again), 0 | 3), "{}", stderr(&again));
    let written = std::fs::read_to_string(work.path().join("whole/province=12/cross_province.csv")).unwrap();
    let mut in_runs = 0;
    for agency in ["civil_status", "insurance", "land", "education"] {
        let dir = work.path().join("runs/province=12/r2").join(agency);
        let c = doisoat::publish::read::discrepancy_columns(&dir, &["code", "record_id", "note"]).unwrap();
        for i in 0..c[0].len() {
            if c[0][i] == "RESIDES_IN_OTHER_PROVINCE" {
                in_runs += 1;
                assert!(c[2][i].contains("(cross-province pass)"), "{}", c[2][i]);
                assert!(c[0].iter().zip(&c[1]).any(|(code, r)| code == "NOT_IN_POPULATION" && *r == c[1][i]));
            }
        }
    }
    assert_eq!(in_runs, written.lines().count() - 1, "one row per row of the pass");
    assert!(in_runs > 0);

    // Three tasks as separate processes at once (the script a Kubernetes indexed Job or a
    // Slurm array calls), then the merge: the same files.
    let script = crate::root().join("deploy/national-task.sh");
    let task = |index: &str| {
        std::process::Command::new("sh")
            .arg(&script)
            .args([population, rules, "runs", "split", "3", index, "--date", "2026-11-29"])
            .env("DOISOAT", env!("CARGO_BIN_EXE_doisoat"))
            .current_dir(work.path())
            .output()
            .unwrap()
    };
    let outs: Vec<std::process::Output> = std::thread::scope(|s| {
        let spawned: Vec<_> = ["0", "1", "2"].map(|k| s.spawn(move || task(k))).into_iter().collect();
        spawned.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in &outs {
        assert_eq!(code(out), 0, "{}", stderr(out));
    }
    // The merge before every task has finished names the missing task.
    let (done, away) = (work.path().join("split/tasks/task-2-of-3.csv"), work.path().join("task-2.csv"));
    std::fs::rename(&done, &away).unwrap();
    let early = task("merge");
    assert_eq!(code(&early), 1, "{}", stderr(&early));
    assert!(stderr(&early).contains("task 2 of 3 has not finished"), "{}", stderr(&early));
    std::fs::rename(&away, &done).unwrap();
    let merged = task("merge");
    assert_eq!(code(&merged), 0, "{}", stderr(&merged));
    let files: BTreeSet<String> =
        provinces.iter().flat_map(|p| ["csv", "parquet"].map(|e| format!("province={p}/cross_province.{e}"))).collect();
    for f in &files {
        let (a, b) = (work.path().join("whole").join(f), work.path().join("split").join(f));
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap(), "{f}");
    }
}

/// What the pass refuses, naming the file: a residue path without a run, a residue file
/// that is no residue, a part file outside any province folder, a task number out of range.
#[test]
fn the_national_pass_names_what_it_cannot_read() {
    let work = Work::new();
    let gen = work.run(&["generate", "--provinces", "2", "--people", "300", "--seed", "2", "--out", "nation"]);
    assert_eq!(code(&gen), 0, "{}", stderr(&gen));
    let job = "nation/provinces/12/job.toml";
    let out = work.run(&["run", "--job", job, "--run-id", "r1", "--run-root", "runs/province=12"]);
    assert!(matches!(code(&out), 0 | 3), "{}", stderr(&out));
    let rules = "nation/provinces/12/rules/population.toml";
    let national = |population: &str, residue: &str, more: &[&str]| {
        let args = ["national", "--population", population, "--rules", rules, "--residue", residue, "--out", "out"];
        work.run(&[&args[..], more].concat())
    };
    let lake = "nation/lake/population";

    let none = national(lake, "nation", &[]);
    assert_eq!(code(&none), 1, "{}", stderr(&none));
    assert!(stderr(&none).contains("nation: no run here with a residue.parquet"), "{}", stderr(&none));

    std::fs::write(work.path().join("fake.parquet"), b"PAR1 not a residue PAR1").unwrap();
    let fake = national(lake, "fake.parquet", &[]);
    assert_eq!(code(&fake), 1, "{}", stderr(&fake));
    assert!(stderr(&fake).contains("fake.parquet"), "{}", stderr(&fake));

    std::fs::copy(
        work.path().join("nation/lake/population/province=01/population.csv"),
        work.path().join("nation/lake/population/stray.csv"),
    )
    .unwrap();
    let stray = national(lake, "runs", &[]);
    assert_eq!(code(&stray), 1, "{}", stderr(&stray));
    assert!(stderr(&stray).contains("stray.csv: a part file outside any province=XX folder"), "{}", stderr(&stray));
    std::fs::remove_file(work.path().join("nation/lake/population/stray.csv")).unwrap();

    let task = national(lake, "runs", &["--task", "2", "--tasks", "2"]);
    assert_eq!(code(&task), 2, "{}", stderr(&task));
    assert!(stderr(&task).contains("the task must be 0 to 1"), "{}", stderr(&task));

    // Province 12's residue against province 01: every record accounted for.
    let ok = national(lake, "runs", &[]);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    let text = String::from_utf8_lossy(&ok.stdout).to_string();
    let residue: usize = text.split("residue: ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let line = text.lines().find(|l| l.contains("records live in another province")).unwrap();
    let counts: Vec<usize> = line.split(' ').filter_map(|w| w.parse().ok()).collect();
    assert_eq!(counts.iter().sum::<usize>(), residue, "{text}");
    assert!(work.path().join("out/province=12/cross_province.csv").is_file());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("out/summary.json")).unwrap()).unwrap();
    let p = &summary["provinces"]["12"];
    assert_eq!(p["residue"].as_u64().unwrap() as usize, residue, "{summary}");
    assert_eq!(
        p["linked"].as_u64().unwrap() + p["review"].as_u64().unwrap() + p["not_found"].as_u64().unwrap(),
        p["residue"].as_u64().unwrap()
    );
}
