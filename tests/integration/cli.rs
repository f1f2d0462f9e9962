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
    std::fs::write(
        &rules,
        text.replace(
            "cardinality = \"one\"",
            "cardinality = \"one\"\ncardinalty = \"many\"",
        ),
    )
    .unwrap();
    for args in [
        vec!["check-rules", job.to_str().unwrap()],
        vec!["run", "--job", job.to_str().unwrap()],
    ] {
        let out = work.run(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("insurance.toml") && err.contains("cardinalty"),
            "{err}"
        );
    }
    assert!(
        !work.path().join("demo/runs").exists(),
        "nothing may be published"
    );
}

#[test]
fn column_missing_from_input_fails_with_file_and_column() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let rules = work.path().join("demo/rules/land.toml");
    let text = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(
        &rules,
        text.replace(
            "\"Tình trạng GCN\" = \"status\"",
            "\"Tình trạng sổ\" = \"status\"",
        ),
    )
    .unwrap();
    for args in [
        vec!["check-rules", job.to_str().unwrap()],
        vec!["run", "--job", job.to_str().unwrap()],
    ] {
        let out = work.run(&args);
        assert_eq!(code(&out), 2, "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("land.toml")
                && err.contains("Tình trạng sổ")
                && err.contains("dat_dai.csv"),
            "{err}"
        );
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
        text.replace(
            "\"Trạng thái\" = \"status\"",
            "\"Trạng thái\" = \"status\"\n\"Lớp học\" = \"ethnicity\"",
        ),
    )
    .unwrap();
    let job_text = std::fs::read_to_string(&job).unwrap();
    std::fs::write(
        &job,
        job_text.replace("agency = \"land\"", "agency = \"../land\""),
    )
    .unwrap();
    let out = work.run(&["check-rules", job.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("Lớp học") && err.contains("../land"), "{err}");
}

#[test]
fn normalize_prints_tsv() {
    let work = Work::new();
    let out = work.run(&["normalize", "name", "NGUYỄN  VĂN hoà", "giàng a páo"]);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().next().unwrap(),
        "NGUYỄN  VĂN hoà\tNguyễn Văn Hòa\tnguyen van hoa\t"
    );
    assert!(text.contains("Giàng A Páo\tgiang a pao"));
    let out = work.run(&["normalize", "id", "12088000116"]);
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("12088000116\t012088000116\tpersonal\tleading zero restored"));
}
