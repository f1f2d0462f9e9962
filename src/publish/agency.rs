//! One agency's folder: `discrepancies.{parquet,csv,xlsx}`, `links.parquet`, `rejected.csv`.
//! Only the agency's own records, and for linked ones only the population fields that
//! were compared or suggested (they are already in the discrepancy rows).

use super::writers::{format_line_into, write_csv, write_parquet, CsvFile};
use crate::assess::Discrepancy;
use crate::error::{Error, Result};
use crate::link::Tier;
use crate::normalize::Person;
use crate::pipeline::AgencyRun;
use polars::prelude::*;
use rustc_hash::FxHashSet as HashSet;
use std::path::Path;

/// Discrepancy IDs new and resolved since the previous run.
pub struct Written {
    /// New IDs, sorted.
    pub new: Vec<String>,
    /// Resolved IDs (in the previous run, not in this one), sorted.
    pub resolved: Vec<String>,
}

/// Column names of the discrepancy files.
pub const DISCREPANCY_COLUMNS: [&str; 19] = [
    "run_id",
    "agency",
    "record_id",
    "line",
    "commune_code",
    "commune_name",
    "code",
    "dimension",
    "severity",
    "field",
    "registry_value",
    "population_value",
    "suggested_value",
    "person_id",
    "link_tier",
    "link_score",
    "discrepancy_id",
    "is_new",
    "note",
];

/// The discrepancy IDs of a previous run's `discrepancies.csv` (empty if unreadable).
pub fn discrepancy_ids(path: &Path) -> HashSet<String> {
    let Ok(mut reader) = csv::Reader::from_path(path) else {
        return HashSet::default();
    };
    let Ok(headers) = reader.headers().cloned() else {
        return HashSet::default();
    };
    let Some(col) = headers.iter().position(|h| h.trim_start_matches('\u{feff}') == "discrepancy_id") else {
        return HashSet::default();
    };
    let mut ids = HashSet::default();
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        if let Some(id) = record.get(col).and_then(|b| std::str::from_utf8(b).ok()) {
            ids.insert(id.to_string());
        }
    }
    ids
}

/// An agency's discrepancies with what every rendering of them adds: stable ID, new
/// since the previous run, commune name.
struct Listed<'a> {
    run_id: &'a str,
    agency: &'a str,
    ds: &'a [Discrepancy],
    ids: Vec<String>,
    is_new: Vec<bool>,
    names: Vec<&'static str>,
}

/// Writes an agency folder; `mask` hides the middle digits of IDs in review.csv.
pub fn write(
    run_id: &str,
    a: &AgencyRun,
    people: &[Person],
    dir: &Path,
    previous: Option<&HashSet<String>>,
    mask: bool,
    today: crate::normalize::date::PartialDate,
) -> Result<Written> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let agency = a.input.agency.as_str();
    let ds: &[Discrepancy] = &a.assessment.discrepancies;
    let ids: Vec<String> = ds.iter().map(|d| d.stable_id(agency)).collect();
    let is_new: Vec<bool> = ids.iter().map(|id| previous.is_none_or(|p| !p.contains(id))).collect();
    let names = ds.iter().map(|d| super::commune_name(&d.commune)).collect();
    let listed = Listed { run_id, agency, ds, ids, is_new, names };
    let tables = || -> Result<()> {
        discrepancy_csvs(dir, &listed)?;
        discrepancy_parquet(dir, &listed)?;
        links_parquet(dir, a, people)?;
        review_csv(dir, a, people, mask)?;
        coverage_csv(dir, a, people)?;
        super::writers::write_json(
            &dir.join("model.json"),
            &serde_json::to_value(&a.model).expect("model serializes"),
        )?;
        let rejected = a
            .rejected
            .iter()
            .map(|r| vec![r.line.to_string(), r.record_id.clone(), r.column.clone(), r.reason.clone()]);
        write_csv(&dir.join("rejected.csv"), &["line", "record_id", "column", "reason"], rejected)
    };
    // The workbook is written on a second thread while the CSV and Parquet files are
    // written on this one: the two take about as long, and neither needs the other. An OS
    // thread, not a rayon task: during a run this writing overlaps the next registry's
    // stages, and the operating system shares the cores between the two.
    let xlsx = || {
        let xrows: Vec<super::xlsx::Row> = (0..ds.len())
            .map(|i| super::xlsx::Row {
                d: &ds[i],
                commune_name: listed.names[i],
                id: &listed.ids[i],
                is_new: listed.is_new[i],
            })
            .collect();
        let summary = super::xlsx::Summary { run_id, agency, name: &a.input.name, scores: &a.scores, today };
        super::xlsx::write(&dir.join("discrepancies.xlsx"), &summary, &xrows)
    };
    let (xlsx_written, rest) = std::thread::scope(|scope| {
        let book = scope.spawn(xlsx);
        let rest = tables();
        (book.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), rest)
    });
    xlsx_written?;
    rest?;
    let Listed { ids, is_new, .. } = listed;
    let current: HashSet<&String> = ids.iter().collect();
    let mut new: Vec<String> = ids.iter().zip(&is_new).filter(|(_, n)| **n).map(|(i, _)| i.clone()).collect();
    new.sort();
    new.dedup();
    let mut resolved: Vec<String> =
        previous.map(|p| p.iter().filter(|i| !current.contains(i)).cloned().collect()).unwrap_or_default();
    resolved.sort();
    Ok(Written { new, resolved })
}

/// `discrepancies.csv` and `by-commune/<commune code>.csv` (each commune's slice, for
/// commune officials), each line formatted once and written to both. The rows are sorted
/// by commune, so each commune is one run of them.
fn discrepancy_csvs(dir: &Path, l: &Listed) -> Result<()> {
    let by_commune = dir.join("by-commune");
    std::fs::create_dir_all(&by_commune).map_err(|e| Error::io(&by_commune, e))?;
    let mut all = CsvFile::create(&dir.join("discrepancies.csv"), &DISCREPANCY_COLUMNS)?;
    // Numbers (line, tier, score) and the line are formatted into buffers reused from row
    // to row.
    let mut nums: [String; 3] = Default::default();
    let mut line = Vec::with_capacity(512);
    let mut row = |i: usize, line: &mut Vec<u8>| {
        use std::fmt::Write as _;
        let d = &l.ds[i];
        nums.iter_mut().for_each(String::clear);
        let _ = write!(nums[0], "{}", d.line);
        if let Some(t) = d.tier {
            let _ = write!(nums[1], "{}", t as u8);
        }
        if let Some(x) = d.score {
            let _ = write!(nums[2], "{x:.4}");
        }
        let cells: [&str; 19] = [
            l.run_id,
            l.agency,
            &d.record_id,
            &nums[0],
            &d.commune,
            l.names[i],
            d.code.name(),
            d.code.dimension().key(),
            d.code.severity().label(),
            d.field,
            &d.registry_value,
            &d.population_value,
            &d.suggested_value,
            &d.person_id,
            &nums[1],
            &nums[2],
            &l.ids[i],
            if l.is_new[i] { "true" } else { "false" },
            &d.note,
        ];
        format_line_into(line, cells.iter());
    };
    let mut start = 0;
    while start < l.ds.len() {
        let commune = &l.ds[start].commune;
        let end = start + l.ds[start..].iter().take_while(|d| &d.commune == commune).count();
        // Commune codes are 5 digits or "unknown": safe as file names.
        let mut one = CsvFile::create(&by_commune.join(format!("{commune}.csv")), &DISCREPANCY_COLUMNS)?;
        for i in start..end {
            row(i, &mut line);
            all.write_raw(&line)?;
            one.write_raw(&line)?;
        }
        one.finish()?;
        start = end;
    }
    all.finish()
}

/// `discrepancies.parquet`: the same rows as `discrepancies.csv`, typed.
fn discrepancy_parquet(dir: &Path, l: &Listed) -> Result<()> {
    let ds = l.ds;
    let s = |f: &dyn Fn(&Discrepancy) -> &str| ds.iter().map(f).collect::<Vec<&str>>();
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("run_id".into(), vec![l.run_id; ds.len()]),
        Column::new("agency".into(), vec![l.agency; ds.len()]),
        Column::new("record_id".into(), s(&|d| &d.record_id)),
        Column::new("line".into(), ds.iter().map(|d| d.line).collect::<Vec<u64>>()),
        Column::new("commune_code".into(), s(&|d| &d.commune)),
        Column::new("commune_name".into(), l.names.clone()),
        Column::new("code".into(), s(&|d| d.code.name())),
        Column::new("dimension".into(), s(&|d| d.code.dimension().key())),
        Column::new("severity".into(), s(&|d| d.code.severity().label())),
        Column::new("field".into(), s(&|d| d.field)),
        Column::new("registry_value".into(), s(&|d| &d.registry_value)),
        Column::new("population_value".into(), s(&|d| &d.population_value)),
        Column::new("suggested_value".into(), s(&|d| &d.suggested_value)),
        Column::new("person_id".into(), s(&|d| &d.person_id)),
        Column::new(
            "link_tier".into(),
            ds.iter().map(|d| d.tier.map(|t| t as u8 as i32)).collect::<Vec<Option<i32>>>(),
        ),
        Column::new("link_score".into(), ds.iter().map(|d| d.score).collect::<Vec<Option<f64>>>()),
        Column::new("discrepancy_id".into(), l.ids.iter().map(String::as_str).collect::<Vec<&str>>()),
        Column::new("is_new".into(), l.is_new.clone()),
        Column::new("note".into(), s(&|d| &d.note)),
    ])?;
    write_parquet(&dir.join("discrepancies.parquet"), &mut df)
}

/// A person's personal ID, by index.
fn person_id(people: &[Person], p: Option<u32>) -> Option<&str> {
    p.map(|p| people[p as usize].pid.digits.as_str())
}

/// `links.parquet`: every readable record, linked or not, with what `explain` shows.
fn links_parquet(dir: &Path, a: &AgencyRun, people: &[Person]) -> Result<()> {
    let pid = |p| person_id(people, p);
    let ls = &a.links;
    let rule: Vec<Option<&str>> = ls
        .iter()
        .map(|l| match (l.tier, &l.explanation) {
            (_, Some(e)) => Some(e.rule),
            (Some(Tier::PersonalId), None) if l.person.is_some() => Some("personal_id_exact"),
            (Some(Tier::LegacyId), None) if l.person.is_some() => Some("legacy_id_exact"),
            _ => None,
        })
        .collect();
    let levels: Vec<Option<String>> = ls
        .iter()
        .map(|l| {
            l.explanation.as_ref().map(|e| {
                use std::fmt::Write as _;
                let mut text = String::with_capacity(160);
                for (k, (f, lv, w)) in e.levels.iter().enumerate() {
                    let sep = if k > 0 { ";" } else { "" };
                    let _ = write!(text, "{sep}{f}={lv}:{w:.3}");
                }
                text
            })
        })
        .collect();
    let mut links = DataFrame::new_infer_height(vec![
        Column::new("record_id".into(), a.records.iter().map(|r| r.record_id.as_str()).collect::<Vec<_>>()),
        Column::new("line".into(), a.records.iter().map(|r| r.line).collect::<Vec<u64>>()),
        Column::new("outcome".into(), ls.iter().map(|l| l.outcome.label()).collect::<Vec<_>>()),
        Column::new("person_id".into(), ls.iter().map(|l| pid(l.person)).collect::<Vec<_>>()),
        Column::new(
            "link_tier".into(),
            ls.iter().map(|l| l.person.and(l.tier).map(|t| t as u8 as i32)).collect::<Vec<_>>(),
        ),
        Column::new("link_score".into(), ls.iter().map(|l| l.person.map(|_| l.score)).collect::<Vec<_>>()),
        Column::new("rule".into(), rule),
        Column::new("levels".into(), levels),
        Column::new(
            "match_weight".into(),
            ls.iter().map(|l| l.explanation.as_ref().map(|e| e.weight)).collect::<Vec<_>>(),
        ),
        Column::new("review_candidate".into(), ls.iter().map(|l| pid(l.review_candidate)).collect::<Vec<_>>()),
        Column::new(
            "runner_up".into(),
            ls.iter().map(|l| pid(l.explanation.as_ref().and_then(|e| e.runner_up.map(|r| r.0)))).collect::<Vec<_>>(),
        ),
        Column::new(
            "runner_up_probability".into(),
            ls.iter()
                .map(|l| l.explanation.as_ref().and_then(|e| e.runner_up.map(|r| (r.1 * 10_000.0).round() / 10_000.0)))
                .collect::<Vec<_>>(),
        ),
    ])?;
    write_parquet(&dir.join("links.parquet"), &mut links)
}

/// `review.csv`: records a person must confirm, with candidate, runner-up and levels.
fn review_csv(dir: &Path, a: &AgencyRun, people: &[Person], mask: bool) -> Result<()> {
    let pid = |p| person_id(people, p);
    let ls = &a.links;
    let shown = |p: Option<&str>| match (p, mask) {
        (Some(id), true) if id.len() > 6 => {
            format!("{}{}{}", &id[..3], "*".repeat(id.len() - 6), &id[id.len() - 3..])
        }
        (p, _) => p.unwrap_or_default().to_string(),
    };
    let review = a.records.iter().zip(ls).filter(|(_, l)| l.outcome == crate::link::Outcome::Review).map(|(r, l)| {
        let e = l.explanation.as_deref();
        vec![
            r.record_id.clone(),
            r.line.to_string(),
            shown(pid(l.review_candidate)),
            format!("{:.4}", l.score),
            shown(e.and_then(|e| pid(e.runner_up.map(|x| x.0)))),
            e.and_then(|e| e.runner_up.map(|x| format!("{:.4}", x.1))).unwrap_or_default(),
            e.map(|e| e.rule.to_string()).unwrap_or_default(),
            e.map(|e| e.levels.iter().map(|(f, lv, _)| format!("{f}={lv}")).collect::<Vec<_>>().join(";"))
                .unwrap_or_default(),
        ]
    });
    write_csv(
        &dir.join("review.csv"),
        &[
            "record_id",
            "line",
            "candidate_person_id",
            "probability",
            "runner_up_person_id",
            "runner_up_probability",
            "blocking_rule",
            "levels",
        ],
        review,
    )
}

/// `coverage.csv`: the residents the registry should hold and does not (EXPECTED_ABSENT),
/// with what the agency needs to find them: ID, name, date of birth, commune.
fn coverage_csv(dir: &Path, a: &AgencyRun, people: &[Person]) -> Result<()> {
    if let Some(cov) = &a.assessment.coverage {
        let rows = cov.absent.iter().map(|&i| {
            let p = &people[i as usize];
            let commune = p.commune.as_ref().map(|c| c.code.clone()).unwrap_or_default();
            vec![
                p.pid.digits.clone(),
                p.name.display.clone(),
                p.dob.map(|d| d.to_string()).unwrap_or_default(),
                commune.clone(),
                super::commune_name(&commune).to_string(),
                "EXPECTED_ABSENT".to_string(),
            ]
        });
        write_csv(
            &dir.join("coverage.csv"),
            &["person_id", "full_name", "dob", "commune_code", "commune_name", "code"],
            rows,
        )?;
    }
    Ok(())
}
