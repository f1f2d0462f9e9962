//! One partition of a hive-partitioned dataset: a job's `file` may name a folder, and the
//! run reads only the part files of the partition it is given.

use crate::{assert_conserved, code, manifest, stderr, Work};
use std::path::Path;

/// The demo's population split in two part files of partition `province=12`, its
/// insurance export as one, and a corrupt file in partition `province=13` of each.
fn lake(demo: &Path) {
    let write = |rel: &str, bytes: &[u8]| {
        let path = demo.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    let population = std::fs::read_to_string(demo.join("population.csv")).unwrap();
    let (header, rows) = population.split_once('\n').unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    let half = rows.len() / 2;
    write("lake/population/province=12/part-0.csv", format!("{header}\n{}\n", rows[..half].join("\n")).as_bytes());
    write("lake/population/province=12/part-1.csv", format!("{header}\n{}\n", rows[half..].join("\n")).as_bytes());
    write("lake/population/province=12/_SUCCESS", b"");
    write("lake/population/province=13/part-0.parquet", b"PAR1 this is no Parquet file PAR1");
    write("lake/bhxh/province=12/part-0.csv", &std::fs::read(demo.join("bhxh.csv")).unwrap());
    write("lake/bhxh/province=13/part-0.csv", b"\xff\xfe\x00garbage\x00\n\x00\x00");
    let job = std::fs::read_to_string(demo.join("job.toml")).unwrap();
    let job = job
        .replace("file = \"population.csv\"", "file = \"lake/population\"")
        .replace("file = \"bhxh.csv\"", "file = \"lake/bhxh\"");
    std::fs::write(demo.join("lake-job.toml"), job).unwrap();
}

/// Record → (outcome, person) of an agency's links.
fn outcomes(agency: &Path) -> Vec<(String, String, String)> {
    use polars::prelude::*;
    let df = ParquetReader::new(std::fs::File::open(agency.join("links.parquet")).unwrap()).finish().unwrap();
    let col = |n: &str| df.column(n).unwrap().cast(&DataType::String).unwrap();
    let (r, o, p) = (col("record_id"), col("outcome"), col("person_id"));
    let mut v: Vec<(String, String, String)> = (0..df.height())
        .map(|i| {
            let s = |c: &Column| c.str().unwrap().get(i).unwrap_or("").to_string();
            (s(&r), s(&o), s(&p))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_run_reads_only_its_partition_and_accounts_for_each_part_file() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let demo = job.parent().unwrap();
    lake(demo);
    let plain = work.run(&["run", "--job", job.to_str().unwrap(), "--run-id", "plain"]);
    assert!(matches!(code(&plain), 0 | 3), "{}", stderr(&plain));
    let lake_job = demo.join("lake-job.toml");
    let lake_job = lake_job.to_str().unwrap();

    // Every partition read: the corrupt parts of province 13 stop the run, named.
    let all = work.run(&["run", "--job", lake_job, "--run-id", "all"]);
    assert!(matches!(code(&all), 1 | 2), "{}", stderr(&all));
    assert!(stderr(&all).contains("province=13"), "{}", stderr(&all));

    // Province 12 only: the other partition's files are never opened.
    let out = work.run(&["run", "--job", lake_job, "--run-id", "p12", "--partition", "province=12"]);
    assert!(matches!(code(&out), 0 | 3), "{}", stderr(&out));
    let run = demo.join("runs/p12");
    assert_conserved(&run);
    let m = manifest(&run);
    assert_eq!(m["partition"]["province"], "12");
    let inputs = m["inputs"].as_array().unwrap();
    let population: Vec<&serde_json::Value> = inputs.iter().filter(|i| i["role"] == "population").collect();
    assert_eq!(population.len(), 2, "one entry per part file");
    for p in &population {
        assert!(p["path"].as_str().unwrap().contains("province=12/part-"), "{p}");
        assert!(p["conservation"]["loaded"].as_u64().unwrap() > 0, "{p}");
    }
    assert!(!inputs.iter().any(|i| i["path"].as_str().unwrap().contains("province=13")));
    // The same links as from the plain files.
    for agency in ["civil_status", "insurance", "land", "education"] {
        let (a, b) = (outcomes(&demo.join("runs/plain").join(agency)), outcomes(&run.join(agency)));
        assert_eq!(a, b, "{agency}");
    }

    // The partition named in the job reads the same; one no part file has is an input error.
    let text = std::fs::read_to_string(demo.join("lake-job.toml")).unwrap();
    std::fs::write(demo.join("lake-job.toml"), format!("{text}\n[partition]\nprovince = \"12\"\n")).unwrap();
    let in_job = work.run(&["run", "--job", lake_job, "--run-id", "job12"]);
    assert!(matches!(code(&in_job), 0 | 3), "{}", stderr(&in_job));
    let none = work.run(&["run", "--job", lake_job, "--run-id", "p99", "--partition", "province=99"]);
    assert_eq!(code(&none), 1, "{}", stderr(&none));
    assert!(stderr(&none).contains("no data file of province=99"), "{}", stderr(&none));
}

/// `init` on dataset folders, with the partition: it samples the partition's first part
/// file, writes the folders and the partition in the job, and the job runs as it is.
#[test]
fn init_onboards_a_partition_of_a_lake() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let demo = job.parent().unwrap();
    lake(demo);
    let (population, registry) = (demo.join("lake/population"), demo.join("lake/bhxh"));
    let out = work.run(&[
        "init",
        "--population",
        population.to_str().unwrap(),
        "--registry",
        &format!("insurance={}", registry.display()),
        "--partition",
        "province=12",
        "--out",
        "init",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = std::fs::read_to_string(work.path().join("init/job.toml")).unwrap();
    assert!(text.contains("[partition]\n\"province\" = \"12\""), "{text}");
    assert!(text.contains("lake/population\""), "{text}");
    let run = work.run(&["run", "--job", "init/job.toml", "--run-id", "r"]);
    assert!(matches!(code(&run), 0 | 3), "{}", stderr(&run));
    let m = manifest(&work.path().join("init/runs/r"));
    let parts = m["inputs"].as_array().unwrap().iter().filter(|i| i["role"] == "population").count();
    assert_eq!(parts, 2);
}

/// The fan-out of `deploy/`: one national job without a province, run once per province
/// partition by `deploy/run-partition.sh` as separate processes at once (what a
/// Kubernetes indexed Job or a Slurm array does with the task index), each publishing
/// under its own run root with the province of its partition.
#[test]
fn the_deploy_script_runs_each_province_partition_as_its_own_process() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let demo = job.parent().unwrap();
    let write = |rel: &str, text: &str| {
        let path = demo.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let files = [
        ("population.csv", "population"),
        ("ho_tich.csv", "ho_tich"),
        ("bhxh.csv", "bhxh"),
        ("dat_dai.csv", "dat_dai"),
        ("giao_duc.csv", "giao_duc"),
    ];
    let mut national = std::fs::read_to_string(&job).unwrap().replace("province = \"12\"\n", "");
    for (file, dataset) in files {
        let text = std::fs::read_to_string(demo.join(file)).unwrap();
        write(&format!("lake/{dataset}/province=12/part-0.csv"), &text);
        // Hà Nội (01): a resident and his insurance card; the other exports empty.
        let header = text.lines().next().unwrap();
        let rows = match dataset {
            "population" => "001080000001,,Nguyễn Văn An,01/02/1980,Nam,Kinh,00004,\"Phường Ba Đình, Thành phố Hà Nội\",,,Đã kết hôn,Còn sống,,12/01/2024\n",
            "bhxh" => "0101000001,Nguyễn Văn An,01/02/1980,Nam,001080000001,\"Phường Ba Đình, Thành phố Hà Nội\",Còn hiệu lực,01/06/2026\n",
            _ => "",
        };
        write(&format!("lake/{dataset}/province=01/part-0.csv"), &format!("{header}\n{rows}"));
        national = national.replace(&format!("file = \"{file}\""), &format!("file = \"lake/{dataset}\""));
    }
    write("national.toml", &national);
    write("partitions.txt", "# the provinces\nprovince=12\nprovince=01\n");
    let script = crate::root().join("deploy/run-partition.sh");
    let spawn = |index: &str| {
        std::process::Command::new("sh")
            .arg(&script)
            .args(["national.toml", "partitions.txt", "runs", index])
            .env("DOISOAT", env!("CARGO_BIN_EXE_doisoat"))
            .current_dir(demo)
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn("0"));
        let b = s.spawn(|| spawn("1"));
        (a.join().unwrap().unwrap(), b.join().unwrap().unwrap())
    });
    for out in [&a, &b] {
        assert!(matches!(code(out), 0 | 3), "{}", stderr(out));
    }
    for (province, people) in [("12", 25), ("01", 1)] {
        let root = demo.join(format!("runs/province={province}"));
        let run =
            std::fs::read_dir(&root).unwrap().flatten().map(|e| e.path()).find(|p| p.join("manifest.json").exists());
        let run = run.unwrap_or_else(|| panic!("no run under {}", root.display()));
        assert_conserved(&run);
        let m = manifest(&run);
        assert_eq!(m["province"], province);
        let loaded: u64 = m["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["role"] == "population")
            .map(|i| i["conservation"]["loaded"].as_u64().unwrap())
            .sum();
        assert_eq!(loaded, people, "province {province}");
    }
    // An index past the list is refused by the script, naming it.
    let past = spawn("2").unwrap();
    assert_eq!(code(&past), 2, "{}", stderr(&past));
    assert!(stderr(&past).contains("no partition number 2"), "{}", stderr(&past));
}
