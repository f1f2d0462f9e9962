//! Run behaviour: determinism, atomic publishing, gates, the feed, changes between runs.

use crate::{code, files, manifest, stderr, Work};
use std::path::Path;

/// The data files of a run: all but the manifest and the report, which carry timings.
fn data_files(run_dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    files(run_dir)
        .into_iter()
        .filter(|(rel, _)| !matches!(rel.file_name().unwrap().to_str(), Some("manifest.json" | "report.html")))
        .collect()
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

/// Registries are computed largest file first (the demo's insurance file is the largest,
/// the job lists civil status first), but every file and the summary keep the job's order.
#[test]
fn results_keep_the_jobs_order_whatever_order_registries_are_computed_in() {
    let work = Work::new();
    let out = work.run_demo("demo", "r1");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let job_order = ["civil_status", "insurance", "land", "education"];
    let demo = work.path().join("demo");
    let size = |f: &str| std::fs::metadata(demo.join(f)).unwrap().len();
    assert!(size("bhxh.csv") > size("ho_tich.csv"), "the demo no longer tests a reordering");
    let run = demo.join("runs/r1");
    let m = crate::manifest(&run);
    let inputs: Vec<&str> = m["inputs"].as_array().unwrap().iter().filter_map(|i| i["agency"].as_str()).collect();
    assert_eq!(inputs, job_order);
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    let agencies: Vec<&str> =
        metrics["agencies"].as_array().unwrap().iter().map(|a| a["agency"].as_str().unwrap()).collect();
    assert_eq!(agencies, job_order);
    let summary = String::from_utf8_lossy(&out.stdout).to_string();
    let at: Vec<usize> = job_order.iter().map(|a| summary.find(&format!("\n{a} ")).expect(a)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{summary}");
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
    // The failed gate is in every file the dashboard and the team read, with its figures.
    let run = work.path().join("demo/runs/r1");
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["gates_passed"], false);
    let gates = metrics["gates"].as_array().unwrap();
    let gate = gates.iter().find(|g| g["agency"] == "insurance" && g["dimension"] == "dung").unwrap();
    assert_eq!(
        (gate["agency"].as_str(), gate["dimension"].as_str(), gate["rule"].as_str()),
        (Some("insurance"), Some("dung"), Some("min"))
    );
    assert_eq!(gate["passed"], false);
    let (score, shortfall) = (gate["score"].as_f64().unwrap(), gate["shortfall"].as_f64().unwrap());
    assert!(score < 95.0 && (shortfall - (95.0 - score)).abs() < 0.006, "{gate}");
    assert_eq!(crate::manifest(&run)["gates"], metrics["gates"]);
    let prom = std::fs::read_to_string(run.join("metrics.prom")).unwrap();
    assert!(prom.contains("doisoat_run_gates_passed 0\n"), "{prom}");
    assert!(prom.contains("doisoat_gate_passed{agency=\"insurance\",dimension=\"dung\",rule=\"min\"} 0\n"), "{prom}");
    crate::check_openmetrics(&prom);
    let report = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(report.contains("Không đạt 1 ngưỡng chất lượng"), "no failed gate in report.html");
    assert!(
        report.contains(&format!("dưới mức tối thiểu 95.00 (thiếu {shortfall:.2})")),
        "no shortfall in report.html"
    );
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
    let csv = crate::discrepancies_csv(&work.path().join("demo/runs/2026-11-29/insurance"));
    assert!(csv.lines().skip(1).all(|l| l.contains(",false,")), "nothing is new");
}

#[test]
fn explain_shows_tier_rule_levels_and_runner_up_from_the_run() {
    let work = Work::new();
    let job = crate::root().join("fixtures/scenarios/id_typo/job.toml");
    let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-root", "runs", "--run-id", "x"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = work.run(&["explain", "--run", "runs/x", "--agency", "insurance", "--record", "1201000201"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "linked",
        "012087000101",
        "tier          3",
        "rule          id_typo",
        "id         one_edit",
        "total weight",
        "probability",
        "runner-up",
        "ID_TYPO",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
    let out = work.run(&["explain", "--run", "runs/x", "--agency", "insurance", "--record", "nope"]);
    assert_eq!(code(&out), 2);
}

/// `explain` on a record that did not link names the best candidate considered, its
/// probability and the fields it fell short on, from links.parquet.
#[test]
fn explain_says_why_the_best_candidate_of_an_unlinked_record_fell_short() {
    use polars::prelude::*;
    let work = Work::new();
    let dir = work.province("p", 3000, 5);
    let job = dir.join("job.toml");
    assert_eq!(code(&work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "x"])), 0);
    let mut shown = 0;
    for agency in ["civil_status", "insurance", "land", "education"] {
        let file = std::fs::File::open(dir.join("runs/x").join(agency).join("links.parquet")).unwrap();
        let df = ParquetReader::new(file).finish().unwrap();
        let (ids, outcome, best, pr) = (
            df.column("record_id").unwrap().str().unwrap().clone(),
            df.column("outcome").unwrap().str().unwrap().clone(),
            df.column("best_candidate").unwrap().str().unwrap().clone(),
            df.column("best_probability").unwrap().f64().unwrap().clone(),
        );
        for i in 0..df.height() {
            let Some(candidate) = best.get(i) else { continue };
            assert_eq!(outcome.get(i), Some("not_in_population"), "a best candidate only where nothing linked");
            if shown == 3 {
                continue;
            }
            let record = ids.get(i).unwrap();
            let args = ["explain", "--run", "p/runs/x", "--agency", agency, "--record", record];
            let out = work.run(&args);
            let text = String::from_utf8_lossy(&out.stdout);
            let want = format!("best candidate {candidate} at {:.4}: below the review threshold", pr.get(i).unwrap());
            assert!(text.contains(&want) && text.contains("comparison"), "{want} not in:\n{text}");
            shown += 1;
        }
    }
    assert!(shown > 0, "no unlinked record with a candidate in the generated province");
}

/// Shuffling a registry's rows changes no link and no discrepancy (only line numbers).
#[test]
fn shuffled_input_rows_give_the_same_results() {
    let work = Work::new();
    work.province("p", 1500, 11);
    let job = work.path().join("p/job.toml");
    assert_eq!(code(&work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "a"])), 0);
    // Reverse the data rows of the (UTF-8 with BOM) education file.
    let path = work.path().join("p/giao_duc.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    assert_eq!(code(&work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "b"])), 0);
    let rows = |run: &str| -> Vec<String> {
        let text = crate::discrepancies_csv(&work.path().join("p/runs").join(run).join("education"));
        let mut v: Vec<String> = text
            .lines()
            .skip(1)
            .map(|l| {
                let mut f: Vec<&str> = l.split(',').collect();
                f.remove(3); // line
                f.remove(0); // run id
                f.retain(|c| *c != "true" && *c != "false"); // is_new
                f.join(",")
            })
            .collect();
        v.sort();
        v
    };
    let (a, b) = (rows("a"), rows("b"));
    assert!(a.len() > 100);
    assert_eq!(a, b);
}

/// SPEC §8: per-commune figures of fewer records than `min_count` carry no score and no
/// counts in the feed and are left out of metrics.prom (the commune workbooks split the
/// worklist: `sheets::discrepancies_xlsx_is_the_worklist_with_a_summary_and_a_sheet_per_code`).
#[test]
fn small_communes_are_suppressed_in_the_feed() {
    let work = Work::new();
    assert_eq!(code(&work.run_demo("demo", "r1")), 0);
    let feed = std::fs::read_to_string(work.path().join("demo/runs/feed/metrics.jsonl")).unwrap();
    let mut suppressed = 0;
    for line in feed.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if v["commune"] != "all" {
            // Every commune of the hand-made province has fewer than 5 records.
            assert_eq!(v["suppressed"], true, "{line}");
            assert!(v["score"].is_null() && v["total"].is_null() && v["passed"].is_null(), "{line}");
            suppressed += 1;
        }
    }
    assert!(suppressed > 0);
    let prom = std::fs::read_to_string(work.path().join("demo/runs/r1/metrics.prom")).unwrap();
    crate::check_openmetrics(&prom);
    assert!(prom.contains("doisoat_score{agency=\"insurance\",dimension=\"dung\"}"), "{prom}");
    assert!(!prom.contains("commune=\"03424\""), "a suppressed commune is in metrics.prom");
    assert!(!prom.contains("commune=\"all\"") && !prom.contains("commune=\"unknown\""), "{prom}");
    assert!(prom.contains("doisoat_run_gates_passed 1\n"), "{prom}");
    assert!(prom.contains("doisoat_records{agency=\"insurance\",outcome=\"rejected\"}"), "{prom}");
    assert!(prom.contains("doisoat_discrepancies{agency=\"insurance\",code=\"NAME_VARIANT\"}"), "{prom}");
}

/// metrics.prom of a province with communes above `min_count`: the commune families sum
/// to the agency's records (no total counted twice), and the rejected rows are an
/// outcome of the agency, not a pseudo-commune with a score of 0.
#[test]
fn metrics_prom_communes_add_up_to_the_agency_and_rejected_rows_are_no_commune() {
    let work = Work::new();
    let dir = work.province("p", 3000, 4);
    let job = dir.join("job.toml");
    assert_eq!(code(&work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r"])), 0);
    let prom = std::fs::read_to_string(dir.join("runs/r/metrics.prom")).unwrap();
    crate::check_openmetrics(&prom);
    let value = |line: &str| line.rsplit(' ').next().unwrap().parse::<f64>().unwrap();
    for agency in ["civil_status", "insurance", "land", "education"] {
        let label = format!("agency=\"{agency}\"");
        let of =
            |prefix: &str| prom.lines().filter(|l| l.starts_with(prefix) && l.contains(&label)).map(value).sum::<f64>();
        let communes = of("doisoat_commune_records{");
        let outcomes = of("doisoat_records{");
        let rejected = of(&format!("doisoat_records{{{label},outcome=\"rejected\""));
        assert!(rejected > 0.0, "{agency}: the generated province rejects rows");
        // Communes cover the records with a commune: at most the agency's rows, without
        // the rejected ones, and most of them.
        assert!(
            communes <= outcomes - rejected && communes > 0.9 * (outcomes - rejected),
            "{agency}: {communes} {outcomes}"
        );
    }
}

/// `[privacy] mask_review_ids`: personal IDs in review.csv keep 3 digits at each end. The
/// job also wants every tier-3 match confirmed by a person (link threshold 1), so the
/// review lists are long whatever the generated data.
#[test]
fn review_ids_can_be_masked() {
    let work = Work::new();
    let dir = work.province("p", 3000, 2);
    let job = dir.join("job.toml");
    let text = std::fs::read_to_string(&job).unwrap();
    let settings = "seed = 2\n\n[privacy]\nmask_review_ids = true\n\n[thresholds]\nlink = 1.0\nreview = 0.5\n";
    std::fs::write(&job, text.replace("seed = 2\n", settings)).unwrap();
    assert_eq!(code(&work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "m"])), 0);
    let mut seen = 0;
    for agency in ["civil_status", "insurance", "land", "education"] {
        let review = std::fs::read_to_string(dir.join("runs/m").join(agency).join("review.csv")).unwrap();
        for row in review.lines().skip(1) {
            // LibreOffice's default import splits on ';' as well as ','.
            assert!(!row.contains(';'), "{row}");
            assert!(row.split(',').nth(7).is_some_and(|levels| levels.contains('=')), "{row}");
            let candidate = row.split(',').nth(2).unwrap();
            assert!(candidate.len() == 12 && &candidate[3..9] == "******", "{row}");
            seen += 1;
            // Nor in full in the record's REVIEW row of discrepancies.csv (and so of its
            // other forms, rendered from the same rows), nor in links.parquet.
            let record = row.split(',').next().unwrap();
            let agency_dir = dir.join("runs/m").join(agency);
            let discrepancies = crate::discrepancies_csv(&agency_dir);
            for line in discrepancies.lines().filter(|l| l.contains(&format!(",{record},")) && l.contains("REVIEW")) {
                assert!(line.contains(candidate), "{line}");
            }
            let links = links_of(&agency_dir);
            assert_eq!(links.get(record).map(String::as_str), Some(candidate), "{row}");
        }
    }
    assert!(seen > 0, "no review rows to check");
}

/// record ID → review candidate, from an agency's links.parquet.
fn links_of(agency_dir: &Path) -> std::collections::HashMap<String, String> {
    use polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(agency_dir.join("links.parquet")).unwrap()).finish().unwrap();
    let ids = df.column("record_id").unwrap().str().unwrap().clone();
    let cand = df.column("review_candidate").unwrap().str().unwrap().clone();
    (0..df.height()).filter_map(|i| Some((ids.get(i)?.to_string(), cand.get(i)?.to_string()))).collect()
}

/// report.html: one self-contained page (no external URL) with every agency, the
/// trend over the run root's runs, the conservation table and the timings. When
/// Debian's chromium is installed, it is rendered to a screenshot too.
#[test]
fn the_report_is_self_contained_and_renders() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let job = job.to_str().unwrap();
    assert_eq!(code(&work.run(&["run", "--job", job, "--run-id", "2026-11-28"])), 0);
    assert_eq!(code(&work.run(&["run", "--job", job, "--run-id", "2026-11-29"])), 0);
    let path = work.path().join("demo/runs/2026-11-29/report.html");
    let html = std::fs::read_to_string(&path).unwrap();
    for external in ["http://", "https://", "src=\"//", "@import", "url("] {
        assert!(!html.contains(external), "report.html refers to {external}");
    }
    for want in [
        "BHXH tỉnh Lai Châu",
        "Sở Giáo dục và Đào tạo",
        "<polyline",
        "Bảo toàn số dòng",
        "Thời gian các bước",
        "NOT_IN_POPULATION",
        "viewport",
        // What changed since the previous night, the chart of agency × commune, a legend
        // for the colours, and tables that stack at phone width.
        "Từ lần chạy trước:",
        "Điểm tổng theo xã và cơ quan",
        "dưới 70",
        "@media (max-width:600px)",
        "data-label=",
    ] {
        assert!(html.contains(want), "report.html lacks {want}");
    }
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).exists());
    let Some(chromium) = chromium else {
        eprintln!("chromium not installed: screenshot skipped");
        return;
    };
    let shot = work.path().join("report.png");
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", work.path().join("chrome").display()),
            "--window-size=420,1600",
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", path.display()),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000, "the screenshot is empty");
}

/// SPEC §8: an agency's folder holds no population field that was not compared or
/// suggested (here the ethnicity and the parents of people outside the registry), and
/// the log lines carry stage names only, never a name or an ID.
#[test]
fn agency_files_and_logs_hold_no_uncompared_personal_data() {
    let work = Work::new();
    let out = work.run_demo("demo", "r1");
    assert_eq!(code(&out), 0);
    let log = stderr(&out);
    for personal in ["Giàng", "012087000101", "Nguyễn", "Mông"] {
        assert!(!log.contains(personal), "the log holds {personal}: {log}");
    }
    let run = work.path().join("demo/runs/r1");
    for agency in ["civil_status", "insurance", "land", "education"] {
        for (rel, bytes) in files(&run.join(agency)) {
            if rel.extension().is_some_and(|e| e == "parquet") {
                continue; // same rows as the CSV files, compressed
            }
            let text = if rel.extension().is_some_and(|e| e == "xlsx") {
                crate::sheets::all_text(&run.join(agency).join(&rel))
            } else {
                String::from_utf8_lossy(&bytes).to_string()
            };
            // Ethnicity is never compared; "Hà Nhì" and "Dao" appear only there.
            for uncompared in ["Hà Nhì", ",Dao,", "Đã chết"] {
                assert!(!text.contains(uncompared), "{agency}/{} holds {uncompared}", rel.display());
            }
        }
    }
    // Insurance holds no record of Lò Văn Nam (education only): his ID is not there.
    let insurance: String =
        files(&run.join("insurance")).iter().map(|(_, b)| String::from_utf8_lossy(b).to_string()).collect();
    assert!(!insurance.contains("012212000111"));
}

/// A run killed (SIGKILL) at any point leaves the previous run intact and no partial run
/// visible; the next run cleans up and succeeds.
#[test]
fn a_run_killed_at_any_point_leaves_the_previous_run_intact() {
    let work = Work::new();
    let dir = work.province("p", 2500, 4);
    let job = dir.join("job.toml");
    let job = job.to_str().unwrap();
    assert_eq!(code(&work.run(&["run", "--job", job, "--run-id", "r1"])), 0);
    let before = files(&dir.join("runs/r1"));
    let started = std::time::Instant::now();
    assert_eq!(code(&work.run(&["run", "--job", job, "--run-id", "probe"])), 0);
    let full = started.elapsed();
    for fraction in [0.1, 0.3, 0.5, 0.7, 0.9, 0.98] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_doisoat"))
            .args(["run", "--job", job, "--run-id", "r1"])
            .current_dir(work.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(fraction));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        // Whatever the moment, r1 is the old r1 or the new one, never a partial one.
        let now = files(&dir.join("runs/r1"));
        let names = |f: &[(std::path::PathBuf, Vec<u8>)]| f.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(&now), names(&before), "killed at {fraction}: r1 has other files");
        assert!(dir.join("runs/r1/manifest.json").is_file());
    }
    // The next run takes over the stale lock, cleans the staging folder and succeeds.
    assert_eq!(code(&work.run(&["run", "--job", job, "--run-id", "r2"])), 0);
    let leftovers: Vec<String> = std::fs::read_dir(dir.join("runs"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A job's `reference_date` (the date of the extract) is the run's reference day: the
/// manifest records it, and coverage counts ages on it, not on the machine's clock.
#[test]
fn the_jobs_reference_date_is_the_runs_reference_day() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let text = std::fs::read_to_string(&job).unwrap();
    std::fs::write(&job, text.replacen("seed = 0", "seed = 0\nreference_date = \"2026-01-15\"", 1)).unwrap();
    let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r1"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let m = manifest(&work.path().join("demo/runs/r1"));
    assert_eq!(m["reference_date"], "2026-01-15");
    std::fs::write(&job, text.replacen("seed = 0", "seed = 0\nreference_date = \"15/13/2026\"", 1)).unwrap();
    let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r2"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("reference_date"), "{}", stderr(&out));
}

/// `keep_runs` keeps the newest runs; an older run goes, its `changes.json` kept in
/// `feed/changes/`; a folder that is not a doisoat run (no manifest, or a manifest that
/// names another run) is never removed, and says why.
#[test]
fn keep_runs_removes_only_old_doisoat_runs_and_keeps_their_changes() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let text = std::fs::read_to_string(&job).unwrap();
    std::fs::write(&job, text.replacen("seed", "keep_runs = 2\nseed", 1)).unwrap();
    assert!(std::fs::read_to_string(&job).unwrap().contains("keep_runs = 2"));
    let runs = work.path().join("demo/runs");
    std::fs::create_dir_all(runs.join("a0-archive")).unwrap();
    std::fs::write(runs.join("a0-archive/notes.txt"), "kept by a person").unwrap();
    std::fs::create_dir_all(runs.join("a1-copy")).unwrap();
    for id in ["r1", "r2", "r3"] {
        let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", id]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        if id == "r1" {
            // A copy of a run under another name: its manifest names r1.
            std::fs::copy(runs.join("r1/manifest.json"), runs.join("a1-copy/manifest.json")).unwrap();
        }
        if id == "r3" {
            let said = String::from_utf8_lossy(&out.stdout);
            assert!(said.contains("removed 1 old run(s) by keep_runs: r1"), "{said}");
            assert!(stderr(&out).contains("a1-copy: not a doisoat run"), "{}", stderr(&out));
        }
    }
    assert!(!runs.join("r1").exists());
    assert!(runs.join("r2/manifest.json").is_file() && runs.join("r3/manifest.json").is_file());
    assert!(runs.join("a0-archive/notes.txt").is_file(), "a folder that is no run is never removed");
    assert!(runs.join("a1-copy/manifest.json").is_file());
    assert!(runs.join("feed/changes/r1.json").is_file(), "the removed run's changes are kept");
    assert!(runs.join("feed/metrics.jsonl").is_file());
}

/// A run ID replaces only an earlier run of that ID: `feed` and a folder a person keeps in
/// the run root are refused (exit 2), and stay as they were.
#[test]
fn a_run_id_never_replaces_a_folder_that_is_not_a_run() {
    let work = Work::new();
    assert_eq!(code(&work.run_demo("demo", "r1")), 0);
    let runs = work.path().join("demo/runs");
    let feed = std::fs::read(runs.join("feed/metrics.jsonl")).unwrap();
    std::fs::create_dir_all(runs.join("archive2025")).unwrap();
    std::fs::write(runs.join("archive2025/notes.txt"), "kept by a person").unwrap();
    let job = work.path().join("demo/job.toml");
    for id in ["feed", "archive2025"] {
        let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", id]);
        assert_eq!(code(&out), 2, "{id}: {}", stderr(&out));
        assert!(stderr(&out).contains(id), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(runs.join("feed/metrics.jsonl")).unwrap(), feed);
    assert!(runs.join("archive2025/notes.txt").is_file());
    // A run of that ID is still replaced.
    assert_eq!(code(&work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r1"])), 0);
}

/// A feed with a line that is not JSON (a torn write, a hand edit) stops the run naming
/// the line: nothing is published, and neither the feed nor the earlier run changes.
#[test]
fn an_unreadable_feed_line_stops_the_run_and_names_the_line() {
    let work = Work::new();
    assert_eq!(code(&work.run_demo("demo", "r1")), 0);
    let runs = work.path().join("demo/runs");
    let path = runs.join("feed/metrics.jsonl");
    let mut feed = std::fs::read_to_string(&path).unwrap();
    let n = feed.lines().count();
    feed.push_str("{\"run_id\": \"r0\", \"agency\": tor\n");
    std::fs::write(&path, &feed).unwrap();
    let job = work.path().join("demo/job.toml");
    let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "r2"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("line {}", n + 1)) && stderr(&out).contains("metrics.jsonl"),
        "{}",
        stderr(&out)
    );
    assert!(!runs.join("r2").exists(), "nothing published");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), feed, "the feed is left as it was");
    assert!(runs.join("r1/manifest.json").is_file());
}

/// Hostile (#20, item 3): the publish protocol (README, "Publishing") stopped at each of
/// its points by an abort (`DOISOAT_CRASH_AT`), on a re-run of an ID whose input changed.
/// Right after the crash the run folder is the old run or the new one, never missing or
/// partial; the next run completes the publication: the run folder is the new run, the
/// feed holds its lines once, and nothing of the protocol is left behind.
#[test]
fn a_publication_stopped_at_any_point_is_completed_by_the_next_run() {
    for point in ["complete", "feed", "swapped"] {
        let work = Work::new();
        let job = work.demo_job("demo");
        let job_s = job.to_str().unwrap();
        assert_eq!(code(&work.run(&["run", "--job", job_s, "--run-id", "r1"])), 0);
        // The insurance file changes: the new r1 read a file of another size.
        let bhxh = work.path().join("demo/bhxh.csv");
        let old_size = std::fs::metadata(&bhxh).unwrap().len();
        let text = std::fs::read_to_string(&bhxh).unwrap();
        std::fs::write(&bhxh, text.replacen("Giàng A Páo", "Giàng A Pao", 1)).unwrap();
        let new_size = std::fs::metadata(&bhxh).unwrap().len();
        assert_ne!(old_size, new_size);
        let size = |run: &str| {
            let m = crate::manifest(&work.path().join("demo/runs").join(run));
            let input = m["inputs"].as_array().unwrap().iter().find(|i| i["agency"] == "insurance").cloned().unwrap();
            input["size"].as_u64().unwrap()
        };
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_doisoat"))
            .args(["run", "--job", job_s, "--run-id", "r1"])
            .current_dir(work.path())
            .env("DOISOAT_CRASH_AT", point)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{point}: the run was to stop");
        let now = size("r1");
        assert!(now == old_size || now == new_size, "{point}: r1 is neither run");
        // The next run, of another ID, settles the stopped one.
        assert_eq!(code(&work.run(&["run", "--job", job_s, "--run-id", "r2"])), 0, "{point}");
        assert_eq!(size("r1"), new_size, "{point}: r1 is the new run");
        let feed = std::fs::read_to_string(work.path().join("demo/runs/feed/metrics.jsonl")).unwrap();
        let r1_lines = feed.lines().filter(|l| l.contains("\"run_id\":\"r1\"")).count();
        let r2_lines = feed.lines().filter(|l| l.contains("\"run_id\":\"r2\"")).count();
        assert!(r1_lines > 0 && r1_lines == r2_lines, "{point}: r1's lines once, as many as r2's");
        let left: Vec<String> = std::fs::read_dir(work.path().join("demo/runs"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with('.'))
            .collect();
        assert!(left.is_empty(), "{point}: left behind {left:?}");
    }
}
