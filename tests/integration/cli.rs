//! Command-line behaviour: rules errors, exit codes, normalize.

use crate::{code, root, stderr, Work};

#[test]
fn shipped_rules_pass_check_rules() {
    let work = Work::new();
    let rules = root().join("rules");
    let out = work.run(&["check-rules", rules.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let job = work.demo_job("demo");
    let out = work.run(&["check-rules", job.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

#[test]
fn unknown_rules_key_fails_check_rules_and_run_naming_file_and_key() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let rules = work.path().join("demo/rules/insurance.toml");
    let text = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(&rules, text.replace("cardinality = \"one\"", "cardinality = \"one\"\ncardinalty = \"many\""))
        .unwrap();
    for args in [vec!["check-rules", job.to_str().unwrap()], vec!["run", "--job", job.to_str().unwrap()]] {
        let out = work.run(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("insurance.toml") && err.contains("cardinalty"), "{err}");
    }
    assert!(!work.path().join("demo/runs").exists(), "nothing may be published");
}

#[test]
fn column_missing_from_input_fails_with_file_and_column() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let rules = work.path().join("demo/rules/land.toml");
    let text = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(&rules, text.replace("\"Tình trạng GCN\" = \"status\"", "\"Tình trạng sổ\" = \"status\"")).unwrap();
    for args in [vec!["check-rules", job.to_str().unwrap()], vec!["run", "--job", job.to_str().unwrap()]] {
        let out = work.run(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("land.toml") && err.contains("Tình trạng sổ") && err.contains("dat_dai.csv"), "{err}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let edu = work.path().join("demo/rules/education.toml");
    let text = std::fs::read_to_string(&edu).unwrap();
    std::fs::write(
        &edu,
        text.replace("\"Trạng thái\" = \"status\"", "\"Trạng thái\" = \"status\"\n\"Lớp học\" = \"ethnicity\""),
    )
    .unwrap();
    let job_text = std::fs::read_to_string(&job).unwrap();
    std::fs::write(&job, job_text.replace("agency = \"land\"", "agency = \"../land\"")).unwrap();
    let out = work.run(&["check-rules", job.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("Lớp học") && err.contains("../land"), "{err}");
}

#[test]
fn normalize_prints_tsv() {
    let work = Work::new();
    let out = work.run(&["normalize", "--header", "name", "NGUYỄN  VĂN hoà", "Giµng A P¸o"]);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("input\tcanonical\tfolded"));
    assert!(
        lines[1].starts_with("NGUYỄN  VĂN hoà\tNguyễn Văn Hòa\tnguyen van hoa\tNguyễn\tVăn\tHòa\t"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("Giµng A P¸o\tGiàng A Páo\t") && lines[2].ends_with("repaired:tcvn3"), "{}", lines[2]);
    let out = work.run(&["normalize", "id", "12088000116"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.trim_end(),
        "12088000116\t012088000116\t012088000116\tpersonal\t\tleading zero restored (dropped by a spreadsheet)"
    );
    let out = work.run(&["normalize", "address", "SN 12, b. Nà Tăm, X.Nà Tăm, H.Tam Đường"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("\tSố nhà 12, Bản Nà Tăm, Xã Nà Tăm, Huyện Tam Đường\t")
            && text.contains("\t03424\tlegacy\tXã Bản Bo\t"),
        "{text}"
    );
    // Values come from stdin when none are given.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_doisoat"))
        .args(["normalize", "date"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all("ngày 5 tháng 3 năm 1987\n31/02/1990\n".as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().next().unwrap(), "ngày 5 tháng 3 năm 1987\t1987-03-05\t1987-03-05\tday\t");
    assert!(text.lines().nth(1).unwrap().ends_with("invalid: 31/02/1990 does not exist"));
}

/// An over-long run ID or agency key says it is too long (it was told its characters were
/// wrong), without echoing all of it.
#[test]
fn an_over_long_run_id_or_agency_key_says_it_is_too_long() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let long = "a".repeat(300);
    let out = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", &long]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("300 bytes long") && !stderr(&out).contains(&long), "{}", stderr(&out));
    let text = std::fs::read_to_string(&job).unwrap();
    std::fs::write(&job, text.replacen("agency = \"insurance\"", &format!("agency = \"{long}\""), 1)).unwrap();
    let out = work.run(&["check-rules", job.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("at most 64 characters") && !stderr(&out).contains(&long), "{}", stderr(&out));
}

/// Runs doisoat in `work` with its stdout a pipe whose reader is already gone (`| head
/// -1` that has read its line); gives the exit code and stderr.
fn into_closed_pipe(work: &Work, args: &[&str]) -> (i32, String) {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_doisoat"))
        .args(args)
        .current_dir(work.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (code(&out), String::from_utf8_lossy(&out.stderr).to_string())
}

/// Every subcommand writing into a closed pipe ends quietly with its own exit code (Rust's
/// print! panicked there: exit 101).
#[test]
fn every_subcommand_ends_quietly_in_a_closed_pipe() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let job = job.to_str().unwrap();
    let truth = work.province("p", 300, 3).join("truth");
    let p_job = work.path().join("p/job.toml");
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec!["run", "--job", job, "--run-id", "r1"], 0),
        (vec!["run", "--job", p_job.to_str().unwrap(), "--run-id", "e"], 0),
        (vec!["evaluate", "--run", "p/runs/e", "--truth", truth.to_str().unwrap()], 0),
        (vec!["explain", "--run", "demo/runs/r1", "--agency", "insurance", "--record", "1201000001"], 0),
        (vec!["check-rules", job], 0),
        (vec!["normalize", "name", "Lò Văn A"], 0),
        (vec!["generate", "--people", "200", "--seed", "1", "--out", "g"], 0),
        (vec!["demo", "--people", "300", "--out", "d"], 0),
        (vec!["--help"], 0),
    ];
    for (args, want) in cases {
        let (got, err) = into_closed_pipe(&work, &args);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(got, want, "{args:?}: {err}");
    }
}

/// Hostile (#20, weak): two spellings of one header mapped in a rules file (`Họ và tên`
/// to the name, `HỌ VÀ TÊN` to the father's name) both read the same column: the name
/// was read as another field and check-rules said nothing. Now a rules error naming both.
#[test]
fn two_spellings_of_one_header_in_the_rules_are_a_rules_error() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let rules = work.path().join("demo/rules/insurance.toml");
    let text = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(
        &rules,
        text.replace("\"Họ và tên\" = \"full_name\"", "\"Họ và tên\" = \"full_name\"\n\"HỌ VÀ TÊN\" = \"father_name\""),
    )
    .unwrap();
    for args in [vec!["check-rules", job.to_str().unwrap()], vec!["run", "--job", job.to_str().unwrap()]] {
        let out = work.run(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("insurance.toml") && err.contains("HỌ VÀ TÊN") && err.contains("same header"), "{err}");
    }
}
