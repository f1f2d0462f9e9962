//! The linking model as settings: a job's own model file (blocking rules and ladders),
//! attributes, identifiers of another scheme, and model-file errors with their lines.

use crate::{code, stderr, Work};
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// A population of people with foreign names and addresses, keyed by an identifier of
/// another scheme (FEBRL-like: no commune, no sex).
const POPULATION: &str = "pid,name,dob,street_number,postcode\n\
    P-001,smith john,01/02/1950,12,2600\n\
    P-002,brown mary,03/04/1961,7,2601\n\
    P-003,taylor paul,05/06/1972,33,2602\n\
    P-004,wilson anne,07/08/1983,5,2603\n\
    P-005,jones peter,09/10/1994,18,2604\n\
    P-006,white susan,11/12/1945,2,2605\n\
    P-007,clark james,13/01/1956,41,2606\n\
    P-008,lewis karen,15/02/1967,9,2607\n";

const POPULATION_RULES: &str = "kind = \"population\"\nid_kind = \"other\"\n\n[columns]\n\
    \"pid\" = \"id\"\n\"name\" = \"full_name\"\n\"dob\" = \"dob\"\n\n[attributes]\n\
    \"street_number\" = \"street_number\"\n\"postcode\" = \"postcode\"\n";

/// The registry: a clean copy, a copy given name first, and a copy whose name is garbled
/// beyond recognition (only its date of birth and address say who it is); one with the
/// person's identifier written another way.
const REGISTRY: &str = "rec,name,dob,street_number,postcode,ref\n\
    R1,smith john,01/02/1950,12,2600,\n\
    R2,mary brown,03/04/1961,7,2601,\n\
    R3,xqzvt plmkr,05/06/1972,33,2602,\n\
    R4,wilson anne,07/08/1983,5,2603,p 004\n";

const REGISTRY_RULES: &str = "kind = \"registry\"\ncardinality = \"one\"\nid_kind = \"other\"\n\
    required = [\"record_id\", \"full_name\"]\n\n[columns]\n\"rec\" = \"record_id\"\n\"name\" = \"full_name\"\n\
    \"dob\" = \"dob\"\n\"ref\" = \"id\"\n\n[attributes]\n\"street_number\" = \"street_number\"\n\"postcode\" = \"postcode\"\n";

/// A model with a name rule, a reordered-name rule and a rule that needs no name.
const MODEL: &str = "kind = \"model\"\n\n\
    [[blocking]]\nrule = \"name_year\"\nkeys = [\"name_letters\", \"birth_year\"]\n\n\
    [[blocking]]\nrule = \"name_sorted\"\nkeys = [\"name_sorted\"]\n\n\
    [[blocking]]\nrule = \"dob_postcode\"\nkeys = [\"dob\", \"attribute.postcode\"]\n\n\
    [[field]]\nfield = \"name\"\nlevels = [\n  { label = \"exact\", compare = \"exact\" },\n  \
      { label = \"same_syllables\", compare = \"same_syllables\" },\n  \
      { label = \"jw_0.9\", compare = \"jaro_winkler\", min = 0.9 },\n  { label = \"else\", compare = \"else\" },\n]\n\n\
    [[field]]\nfield = \"dob\"\nlevels = [{ label = \"exact\", compare = \"exact\" }, { label = \"else\", compare = \"else\" }]\n\n\
    [[field]]\nfield = \"attribute.postcode\"\nlevels = [{ label = \"exact\", compare = \"exact\" }, { label = \"else\", compare = \"else\" }]\n\n\
    [[field]]\nfield = \"attribute.street_number\"\nlevels = [{ label = \"exact\", compare = \"exact\" }, { label = \"else\", compare = \"else\" }]\n";

/// Writes the files and a job naming `model` (none: the default model); runs it.
fn run_with(work: &Work, model: Option<&str>) -> std::process::Output {
    let p = work.path();
    for (name, text) in [
        ("population.csv", POPULATION),
        ("population.toml", POPULATION_RULES),
        ("registry.csv", REGISTRY),
        ("registry.toml", REGISTRY_RULES),
    ] {
        std::fs::write(p.join(name), text).unwrap();
    }
    let mut job = String::from("province = \"12\"\nreference_date = \"2026-11-29\"\n");
    if let Some(m) = model {
        std::fs::write(p.join("model.toml"), m).unwrap();
        job.push_str("model = \"model.toml\"\n");
    }
    job.push_str(
        "\n[population]\nfile = \"population.csv\"\nrules = \"population.toml\"\n\n[[registry]]\n\
         agency = \"people\"\nname = \"People\"\nfile = \"registry.csv\"\nrules = \"registry.toml\"\n",
    );
    std::fs::write(p.join("job.toml"), job).unwrap();
    work.run(&["run", "--job", "job.toml", "--run-id", "r"])
}

/// record ID → (outcome, person ID, rule) from a run's links.
fn links(agency: &Path) -> BTreeMap<String, (String, String, String)> {
    let df = ParquetReader::new(std::fs::File::open(agency.join("links.parquet")).unwrap()).finish().unwrap();
    let col = |n: &str| df.column(n).unwrap().str().unwrap().clone();
    let (ids, outcome, person, rule) = (col("record_id"), col("outcome"), col("person_id"), col("rule"));
    (0..df.height())
        .map(|i| {
            let get = |c: &StringChunked| c.get(i).unwrap_or("").to_string();
            (get(&ids), (get(&outcome), get(&person), get(&rule)))
        })
        .collect()
}

#[test]
fn a_garbled_name_links_through_a_rule_that_needs_no_name_and_not_without_it() {
    let work = Work::new();
    let out = run_with(&work, Some(MODEL));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let got = links(&work.path().join("runs/r/people"));
    assert_eq!(got["R1"], ("linked".into(), "P001".into(), "name_year".into()), "{got:?}");
    assert_eq!(got["R2"], ("linked".into(), "P002".into(), "name_sorted".into()), "{got:?}");
    assert_eq!(got["R3"], ("linked".into(), "P003".into(), "dob_postcode".into()), "{got:?}");
    // Another scheme's identifier: compared as written (letters and digits), tier 1.
    assert_eq!(got["R4"].0, "linked");
    assert_eq!(got["R4"].1, "P004");
    let codes = crate::discrepancies_csv(&work.path().join("runs/r/people"));
    for code in ["ID_MALFORMED", "ID_PROVINCE_INVALID", "ID_BIRTH_YEAR_CONFLICT"] {
        assert!(!codes.contains(code), "no personal-ID structure check on another scheme: {codes}");
    }

    // The same model without the name-free rule: the garbled record meets no one.
    let without =
        MODEL.replace("[[blocking]]\nrule = \"dob_postcode\"\nkeys = [\"dob\", \"attribute.postcode\"]\n\n", "");
    assert_ne!(without, MODEL);
    let work = Work::new();
    assert_eq!(code(&run_with(&work, Some(&without))), 0);
    let got = links(&work.path().join("runs/r/people"));
    assert_eq!(got["R3"].0, "not_in_population", "{got:?}");
    assert_eq!(got["R1"].0, "linked");
    // explain names the rules the unlinked record was tried under.
    let out = work.run(&["explain", "--run", "runs/r", "--agency", "people", "--record", "R3"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("tried under name_year, name_sorted: 0 candidate(s)"), "{text}");
    // The blocking ceiling: of the three pairs tier 3 had to find, two are let through.
    std::fs::create_dir_all(work.path().join("truth")).unwrap();
    std::fs::write(
        work.path().join("truth/people.csv"),
        "record_id,person_id,codes\nR1,P001,\nR2,P002,\nR3,P003,\nR4,P004,\n",
    )
    .unwrap();
    let out = work.run(&["evaluate", "--run", "runs/r", "--truth", "truth", "--job", "job.toml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let ev: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("runs/r/evaluation.json")).unwrap()).unwrap();
    let c = &ev["blocking"]["people"];
    assert_eq!((c["true_pairs"].as_u64(), c["let_through"].as_u64()), (Some(3), Some(2)), "{c}");
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("runs/r/people/model.json")).unwrap()).unwrap();
    let rules: Vec<&str> = model["pairs_by_rule"].as_array().unwrap().iter().map(|r| r[0].as_str().unwrap()).collect();
    assert!(!rules.contains(&"dob_postcode"), "{rules:?}");
}

#[test]
fn an_unknown_key_in_a_model_file_is_a_rules_error_with_its_line() {
    let work = Work::new();
    let bad = MODEL.replace("keys = [\"dob\", \"attribute.postcode\"]", "keys = [\"dob\", \"shoe_size\"]");
    let out = run_with(&work, Some(&bad));
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    let err = stderr(&out);
    let line = bad.lines().position(|l| l.contains("shoe_size")).unwrap() + 1;
    assert!(err.contains("model.toml") && err.contains(&format!("line {line}")) && err.contains("shoe_size"), "{err}");
    let out = work.run(&["check-rules", "job.toml"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn the_shipped_model_file_is_the_embedded_default() {
    let shipped = std::fs::read_to_string(crate::root().join("rules/model.toml")).unwrap();
    assert_eq!(shipped, doisoat::config::model::DEFAULT_MODEL);
    let work = Work::new();
    let named = run_with(&work, Some(&shipped));
    assert_eq!(code(&named), 0, "{}", stderr(&named));
    let a = links(&work.path().join("runs/r/people"));
    let work = Work::new();
    assert_eq!(code(&run_with(&work, None)), 0);
    assert_eq!(links(&work.path().join("runs/r/people")), a, "naming the default model changes nothing");
    // A registry without sex, commune, hamlet or parents: the model drops those fields.
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(work.path().join("runs/r/people/model.json")).unwrap()).unwrap();
    let labels = |k: &str| -> Vec<String> {
        model[k].as_array().unwrap().iter().map(|f| f.as_str().or(f[0].as_str()).unwrap().to_string()).collect()
    };
    assert_eq!(labels("absent_fields"), ["sex", "commune", "parents", "hamlet"]);
    assert_eq!(labels("fields"), ["name", "dob", "id"]);
}
