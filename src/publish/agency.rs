//! One agency's folder: for machines the complete `discrepancies.parquet` and
//! `links.parquet`; for the agency's IT the mechanical `fixes.{csv,parquet}`; for people
//! the worklist (`discrepancies.xlsx` and `by-commune/<commune>.xlsx`: what a person must
//! decide), `review.csv`, `rejected.csv` and `coverage.csv`. Only the agency's own records,
//! and for linked ones only the population fields that were compared or suggested (they
//! are already in the discrepancy rows).

use super::columns::Row;
use super::writers::{write_csv, write_parquet_chunks};
use crate::assess::{Code, Discrepancy};
use crate::error::{Error, Result};
use crate::handoff::AgencyRun;
use crate::link::Tier;
use crate::normalize::Person;
use polars::prelude::*;
use rustc_hash::FxHashSet as HashSet;
use std::collections::BTreeMap;
use std::path::Path;

/// Discrepancy IDs new and resolved since the previous run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Written {
    /// New IDs, sorted.
    pub new: Vec<String>,
    /// Resolved IDs (in the previous run, not in this one), sorted.
    pub resolved: Vec<String>,
}

/// The discrepancy IDs of a previous run's agency folder (empty if unreadable: the
/// whole list is then new).
pub fn discrepancy_ids(agency_dir: &Path) -> HashSet<String> {
    super::read::discrepancy_columns(agency_dir, &["discrepancy_id"])
        .map(|mut c| c.pop().unwrap_or_default().into_iter().collect())
        .unwrap_or_default()
}

/// Writes an agency folder; `mask` hides the middle digits of IDs in review.csv.
pub fn write(
    run_id: &str,
    a: &AgencyRun,
    people: &[Person],
    dir: &Path,
    previous: Option<&HashSet<String>>,
    mask: bool,
    today: crate::vn::date::PartialDate,
) -> Result<Written> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let agency = a.input.agency.as_str();
    let ds: &[Discrepancy] = &a.assessment.discrepancies;
    let ids: Vec<crate::assess::StableId> = ds.iter().map(|d| d.stable_id(agency)).collect();
    let is_new: Vec<bool> = ids.iter().map(|id| previous.is_none_or(|p| !p.contains(id.as_str()))).collect();
    // With `mask_review_ids`, a REVIEW row's candidate ID is masked in every file, as in
    // review.csv (it is in each discrepancy form and in links.parquet). Without, no list.
    let masked: Vec<Option<String>> = if mask {
        ds.iter().map(|d| (d.code == crate::assess::Code::Review).then(|| mask_id(&d.suggested_value))).collect()
    } else {
        Vec::new()
    };
    let rows: Vec<Row> = (0..ds.len())
        .map(|i| Row {
            run_id,
            agency,
            d: &ds[i],
            commune_name: super::commune_name(&ds[i].commune),
            id: ids[i].as_str(),
            suggested: masked.get(i).and_then(Option::as_deref).unwrap_or(&ds[i].suggested_value),
            is_new: is_new[i],
            source_file: a.source_name(ds[i].source),
        })
        .collect();
    let fixes = super::fixes::select(&rows);
    // The worklist: what needs a person. Fixes (and the codes a fix row stands for) are
    // applied by machine and only counted on its summary.
    let work: Vec<&Row> = rows.iter().filter(|r| !r.d.fix).collect();
    let tables = || -> Result<()> {
        super::columns::write_parquet(&dir.join("discrepancies.parquet"), &rows)?;
        super::fixes::write(dir, &fixes)?;
        commune_books(dir, a, &work, &fixes, today, run_id)?;
        links_parquet(dir, a, people, mask)?;
        review_csv(dir, a, people, mask)?;
        coverage_csv(dir, a, people)?;
        super::writers::write_json(
            &dir.join("model.json"),
            &serde_json::to_value(&a.model).expect("model serializes"),
        )?;
        let rejected = a.rejected.iter().map(|r| {
            let file = a.source_name(r.source).to_string();
            vec![r.line.to_string(), r.record_id.clone(), r.column.clone(), r.reason.clone(), file]
        });
        write_csv(&dir.join("rejected.csv"), &["line", "record_id", "column", "reason", "source_file"], rejected)
    };
    // The agency's workbook is written on a second thread while the other files are
    // written on this one: the two take about as long, and neither needs the other. An OS
    // thread, not a rayon task: during a run this writing overlaps the next registry's
    // stages, and the operating system shares the cores between the two.
    let xlsx = || {
        let counts = fix_counts(fixes.iter().copied());
        let mut fixes_by_commune: BTreeMap<&str, u64> = BTreeMap::new();
        for r in &fixes {
            *fixes_by_commune.entry(r.d.commune.as_str()).or_default() += 1;
        }
        let scope = super::xlsx::Scope::Agency(&a.scores);
        let summary = super::xlsx::Summary {
            run_id,
            agency,
            name: &a.input.name,
            scope,
            fixes: &counts,
            fixes_by_commune: &fixes_by_commune,
            today,
        };
        super::xlsx::write(&dir.join("discrepancies.xlsx"), &summary, &work)
    };
    let (xlsx_written, rest) = std::thread::scope(|scope| {
        let book = scope.spawn(xlsx);
        let rest = tables();
        (book.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), rest)
    });
    xlsx_written?;
    rest?;
    drop(work);
    drop(fixes);
    drop(rows);
    let current: HashSet<&str> = ids.iter().map(crate::assess::StableId::as_str).collect();
    let mut new: Vec<String> = ids.iter().zip(&is_new).filter(|(_, n)| **n).map(|(i, _)| i.to_string()).collect();
    new.sort();
    new.dedup();
    let mut resolved: Vec<String> =
        previous.map(|p| p.iter().filter(|i| !current.contains(i.as_str())).cloned().collect()).unwrap_or_default();
    resolved.sort();
    Ok(Written { new, resolved })
}

/// Fixes counted by code.
fn fix_counts<'r>(fixes: impl Iterator<Item = &'r Row<'r>>) -> BTreeMap<Code, u64> {
    let mut counts = BTreeMap::new();
    for r in fixes {
        *counts.entry(r.d.code).or_default() += 1;
    }
    counts
}

/// `by-commune/<commune code>.xlsx`: each commune's part of the worklist, for commune
/// officials, with the commune's scores and its fixes counted. A commune with only fixes
/// gets a workbook too (its summary says what the machine will apply). The rows are
/// sorted by commune, so each commune is one run of them.
fn commune_books(
    dir: &Path,
    a: &AgencyRun,
    work: &[&Row],
    fixes: &[&Row],
    today: crate::vn::date::PartialDate,
    run_id: &str,
) -> Result<()> {
    let by_commune = dir.join("by-commune");
    std::fs::create_dir_all(&by_commune).map_err(|e| Error::io(&by_commune, e))?;
    let mut communes: Vec<&str> = work.iter().chain(fixes).map(|r| r.d.commune.as_str()).collect();
    communes.sort_unstable();
    communes.dedup();
    // Every row's commune is scored (both come from the record); none is the fallback.
    let none = crate::score::Scores::of(&[], &crate::config::Weights::default());
    for commune in communes {
        let rows = slice_of(work, commune);
        let counts = fix_counts(slice_of(fixes, commune).iter().copied());
        let fixes_by_commune = BTreeMap::from([(commune, counts.values().sum())]);
        let scores = a.scores.communes.get(commune).unwrap_or(&none);
        let summary = super::xlsx::Summary {
            run_id,
            agency: &a.input.agency,
            name: &a.input.name,
            scope: super::xlsx::Scope::Commune(commune, scores),
            fixes: &counts,
            fixes_by_commune: &fixes_by_commune,
            today,
        };
        // Commune codes are 5 digits or "unknown": safe as file names.
        super::xlsx::write(&by_commune.join(format!("{commune}.xlsx")), &summary, rows)?;
    }
    Ok(())
}

/// The rows of one commune, from rows sorted by commune.
fn slice_of<'s, 'r>(rows: &'s [&'r Row<'r>], commune: &str) -> &'s [&'r Row<'r>] {
    let start = rows.partition_point(|r| r.d.commune.as_str() < commune);
    let end = start + rows[start..].partition_point(|r| r.d.commune.as_str() == commune);
    &rows[start..end]
}

/// A person's personal ID, by index.
fn person_id(people: &[Person], p: Option<u32>) -> Option<&str> {
    p.map(|p| &*people[p as usize].pid.digits)
}

/// `links.parquet`: every readable record, linked or not, with what `explain` shows.
fn links_parquet(dir: &Path, a: &AgencyRun, people: &[Person], mask: bool) -> Result<()> {
    let pid = |p| person_id(people, p);
    // The candidates of a record not linked (review candidate, runner-up): masked as in
    // review.csv when the job says so.
    let candidate = |p| pid(p).map(|id: &str| if mask { mask_id(id) } else { id.to_string() });
    write_parquet_chunks(&dir.join("links.parquet"), a.links.len(), |range| {
        let (ls, records) = (&a.links[range.clone()], &a.records[range]);
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
        DataFrame::new_infer_height(vec![
            Column::new("record_id".into(), records.iter().map(|r| &*r.record_id).collect::<Vec<_>>()),
            Column::new("line".into(), records.iter().map(|r| r.line).collect::<Vec<u64>>()),
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
            Column::new(
                "review_candidate".into(),
                ls.iter().map(|l| candidate(l.review_candidate)).collect::<Vec<_>>(),
            ),
            Column::new(
                "runner_up".into(),
                ls.iter()
                    .map(|l| candidate(l.explanation.as_ref().and_then(|e| e.runner_up.map(|r| r.0))))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "runner_up_probability".into(),
                ls.iter()
                    .map(|l| {
                        l.explanation.as_ref().and_then(|e| e.runner_up.map(|r| (r.1 * 10_000.0).round() / 10_000.0))
                    })
                    .collect::<Vec<_>>(),
            ),
            Column::new("source_file".into(), records.iter().map(|r| a.source_name(r.source)).collect::<Vec<_>>()),
            Column::new(
                "best_candidate".into(),
                ls.iter()
                    .map(|l| candidate(l.explanation.as_ref().and_then(|e| e.fell_short.map(|f| f.0))))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "best_probability".into(),
                ls.iter().map(|l| l.explanation.as_ref().and_then(|e| e.fell_short.map(|f| f.1))).collect::<Vec<_>>(),
            ),
            Column::new(
                "rules_tried".into(),
                ls.iter().map(|l| l.tried.as_ref().map(|t| t.rules.join(","))).collect::<Vec<_>>(),
            ),
            Column::new(
                "candidates".into(),
                ls.iter().map(|l| l.tried.as_ref().map(|t| t.candidates)).collect::<Vec<_>>(),
            ),
        ])
    })
}

/// A personal ID with only its first 3 and last 3 digits shown (`mask_review_ids`).
fn mask_id(id: &str) -> String {
    if id.len() > 6 && id.is_ascii() {
        format!("{}{}{}", &id[..3], "*".repeat(id.len() - 6), &id[id.len() - 3..])
    } else {
        id.to_string()
    }
}

/// `review.csv`: records a person must confirm, with candidate, runner-up and levels.
fn review_csv(dir: &Path, a: &AgencyRun, people: &[Person], mask: bool) -> Result<()> {
    let pid = |p| person_id(people, p);
    let ls = &a.links;
    let shown = |p: Option<&str>| match (p, mask) {
        (Some(id), true) => mask_id(id),
        (p, _) => p.unwrap_or_default().to_string(),
    };
    let review = a.records.iter().zip(ls).filter(|(_, l)| l.outcome == crate::link::Outcome::Review).map(|(r, l)| {
        let e = l.explanation.as_deref();
        vec![
            r.record_id.to_string(),
            r.line.to_string(),
            shown(pid(l.review_candidate)),
            format!("{:.4}", l.score),
            shown(e.and_then(|e| pid(e.runner_up.map(|x| x.0)))),
            e.and_then(|e| e.runner_up.map(|x| format!("{:.4}", x.1))).unwrap_or_default(),
            e.map(|e| e.rule.to_string()).unwrap_or_default(),
            e.map(|e| e.levels.iter().map(|(f, lv, _)| format!("{f}={lv}")).collect::<Vec<_>>().join(" "))
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
            let commune = p.commune.as_ref().map(|c| c.code.to_string()).unwrap_or_default();
            vec![
                p.pid.digits.to_string(),
                p.name.display.to_string(),
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
