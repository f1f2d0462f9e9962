//! A plan as TOML text: a rules file and the job, every guess commented with what it
//! rests on, the columns left for a person listed where a mapping would go.

use super::plan::{Guess, Plan};
use crate::config::{Cardinality, CodeEra, Field};
use crate::vn::date::DayOrder;
use std::fmt::Write as _;

/// A TOML string.
pub fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(values: &[String]) -> String {
    format!("[{}]", values.iter().map(|v| q(v)).collect::<Vec<_>>().join(", "))
}

fn comment(out: &mut String, why: &str) {
    for line in why.lines() {
        let _ = writeln!(out, "# {line}");
    }
}

fn line<T>(out: &mut String, g: &Guess<T>, text: String) {
    comment(out, &g.why);
    let _ = writeln!(out, "{text}");
}

/// A rules file for a planned input.
pub fn rules(plan: &Plan, file: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Rules of {file}, written by `doisoat init` from {} sampled of {} rows.\n# Each guess says what it rests on: read them, change what is wrong, then\n# `doisoat check-rules JOB` shows how the values of every mapped column parse.",
        plan.rows.1, plan.rows.0
    );
    let kind = if plan.population { "population" } else { "registry" };
    let _ = writeln!(out, "kind = \"{kind}\"\nversion = \"init\"");
    if let Some(a) = &plan.agency {
        comment(&mut out, &format!("the registry of {}: {}", a.value.key(), a.why));
    }
    if !plan.population {
        let c = &plan.cardinality;
        let name = match c.value {
            Cardinality::One => "one",
            Cardinality::Many => "many",
            Cardinality::OnePerEvent => "one_per_event",
        };
        line(&mut out, c, format!("cardinality = \"{name}\""));
    }
    if let Some(f) = &plan.follows_residence {
        line(&mut out, f, format!("follows_residence = {}", f.value));
    }
    if let Some(e) = &plan.encoding {
        line(&mut out, e, format!("encoding = \"{}\"", e.value.label()));
    }
    if let Some(e) = &plan.code_era {
        let era = if e.value == CodeEra::Legacy { "legacy" } else { "2025" };
        line(&mut out, e, format!("commune_code_era = \"{era}\""));
    }
    if plan.id_other {
        let _ =
            writeln!(out, "# The ID column holds no Vietnamese personal ID: compared as written.\nid_kind = \"other\"");
    }
    let required: Vec<String> = plan.required.iter().map(|f| f.name().to_string()).collect();
    let _ = writeln!(out, "# Fields every record should have (counted in đủ).\nrequired = {}", list(&required));
    let order = if plan.date_order.value == DayOrder::Mdy { "mdy" } else { "dmy" };
    let _ = writeln!(out, "\n[dates]");
    line(&mut out, &plan.date_order, format!("order = \"{order}\""));
    columns(&mut out, plan);
    if !plan.values.is_empty() {
        let _ = writeln!(out, "\n[values]");
        for (field, value, why) in &plan.values {
            comment(&mut out, why);
            let _ = writeln!(out, "{} = {}", field.name(), q(value));
        }
    }
    spellings(&mut out, plan);
    if let Some(c) = &plan.coverage {
        let _ = writeln!(out, "\n[coverage]");
        comment(&mut out, &c.why);
        let _ = writeln!(out, "min_age = {}\nmax_age = {}", c.value.0, c.value.1);
    }
    out
}

fn columns(out: &mut String, plan: &Plan) {
    let _ = writeln!(out, "\n[columns]");
    for (header, field, why) in &plan.mapped {
        comment(out, why);
        let _ = writeln!(out, "{} = \"{}\"", q(header), field.name());
    }
    if !plan.missing.is_empty() {
        let names: Vec<&str> = plan.missing.iter().map(|f| f.name()).collect();
        let _ = writeln!(out, "#\n# NO COLUMN WAS FOUND FOR: {}. Map one by hand.", names.join(", "));
    }
    if !plan.unplaced.is_empty() {
        let _ =
            writeln!(out, "#\n# Not placed — decide, and map a column as `\"Header\" = \"field\"` or leave it out:");
        for (header, why) in &plan.unplaced {
            let _ = writeln!(out, "# {} — {why}", q(header));
        }
    }
}

fn spellings(out: &mut String, plan: &Plan) {
    for (section, s) in &plan.spellings {
        let seen: Vec<String> = s.seen.iter().map(|(v, n)| format!("{v} ({n})")).collect();
        let _ = writeln!(out);
        if *section == "sex" {
            let unknown: Vec<&str> =
                s.seen.iter().map(|(v, _)| v.as_str()).filter(|v| !super::guess::known_sex(v)).collect();
            let _ = writeln!(out, "# Sex spellings in the file: {}.", seen.join(", "));
            if unknown.is_empty() {
                let _ =
                    writeln!(out, "# All are read by the default spellings (Nam/Nữ, M/F, 1/0, …): no [sex] section.");
            } else {
                let _ = writeln!(
                    out,
                    "# NOT READ by the default spellings: {}. Add a [sex] section with male = […] and female = […].",
                    unknown.join(", ")
                );
            }
            continue;
        }
        let _ = writeln!(out, "[{section}]");
        if seen.is_empty() {
            let _ = writeln!(out, "# No value in the file.");
        } else {
            let _ = writeln!(out, "# Spellings in the file, with their rows: {}.", seen.join(", "));
        }
        for (key, values) in &s.lists {
            let what = match *key {
                "active" => "the record is active",
                "deceased" => "the person has died",
                "single" => "never married",
                _ => "this event",
            };
            let _ = writeln!(out, "# Guessed to mean {what} from their words.");
            let _ = writeln!(out, "{key} = {}", list(values));
        }
    }
}

/// One input of the job.
pub struct JobInput<'a> {
    /// Agency key, display name (registries only).
    pub agency: Option<(&'a str, &'a str)>,
    /// Data file, as the job names it.
    pub file: String,
    /// Rules file, as the job names it.
    pub rules: String,
    /// The registry could not be placed: written commented out, with why.
    pub left_out: Option<String>,
    /// What the agency key was guessed from.
    pub why: String,
}

/// The job file.
pub fn job(
    province: &Guess<String>,
    population: &JobInput,
    registries: &[JobInput],
    partition: &std::collections::BTreeMap<String, String>,
) -> String {
    let mut out = String::from(
        "# A job written by `doisoat init`. Paths are relative to this file.\n# Check it with `doisoat check-rules job.toml`, run it with `doisoat run --job job.toml`.\n",
    );
    line(&mut out, province, format!("province = {}", q(&province.value)));
    let _ = writeln!(
        out,
        "run_root = \"runs\"\n# The day the extract was taken: ages and future dates count from it (default: the day\n# the job runs).\n# reference_date = \"YYYY-MM-DD\"\n\n[population]\nfile = {}\nrules = {}",
        q(&population.file),
        q(&population.rules)
    );
    for r in registries {
        let (key, name) = r.agency.expect("a registry has an agency");
        let _ = writeln!(out);
        let mut block = String::new();
        comment(&mut block, &r.why);
        let _ = writeln!(
            block,
            "[[registry]]\nagency = {}\nname = {}\nfile = {}\nrules = {}",
            q(key),
            q(name),
            q(&r.file),
            q(&r.rules)
        );
        match &r.left_out {
            None => out.push_str(&block),
            Some(why) => {
                let _ =
                    writeln!(out, "# LEFT OUT of the run: {why}. Map the columns in its rules file, then uncomment:");
                for l in block.lines() {
                    let _ = writeln!(out, "# {}", l.trim_start_matches("# "));
                }
            }
        }
    }
    if !partition.is_empty() {
        let _ = writeln!(out, "\n# The partition of the dataset folders to read (`--partition` on run adds or replaces keys).\n[partition]");
        for (k, v) in partition {
            let _ = writeln!(out, "{} = {}", q(k), q(v));
        }
    }
    out.push_str(
        "\n# A quality gate makes the run exit 3 when a score falls below its bound, e.g.\n# [[gate]]\n# dimension = \"overall\"\n# min = 60.0\n",
    );
    out
}

/// The field names a plan maps, for the summary.
pub fn mapped_names(plan: &Plan) -> Vec<(String, Field)> {
    plan.mapped.iter().map(|(h, f, _)| (h.clone(), *f)).collect()
}
