//! What a task of the national pass finds (a [`Hit`] per residue record a person of
//! another province was linked or proposed for), the task file that carries it to the
//! merge, and the merge: the best hit of each record, written back to the record's
//! province as `RESIDES_IN_OTHER_PROVINCE` rows with the discrepancy columns.

use super::residue::Origin;
use crate::assess::{Code, Discrepancy};
use crate::error::{Error, Result};
use crate::link::Tier;
use crate::publish::columns::{self, Row};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A residue record and the person of another province a task found for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The record.
    pub origin: Origin,
    /// The person's province (the partition that holds them).
    pub province: String,
    /// The person's personal ID.
    pub person_id: String,
    /// The person's 2025 commune code.
    pub person_commune: String,
    /// The tier that linked them (1 personal ID, 2 legacy CMND, 3 probabilistic).
    pub tier: u8,
    /// Link probability, to six decimals (as the task file writes it).
    pub score: f64,
    /// Linked (else a probable match for a person to confirm).
    pub linked: bool,
}

impl Hit {
    /// Which of two hits of one record wins: linked before review, an ID tier before
    /// tier 3, the more probable, then the lower province code and person ID (so that the
    /// choice never depends on the order the tasks ran in).
    fn rank(&self) -> (bool, u8, std::cmp::Reverse<i64>, &str, &str) {
        let score = (self.score * 1e6).round() as i64;
        (!self.linked, self.tier, std::cmp::Reverse(score), &self.province, &self.person_id)
    }
}

/// A probability rounded as the task file writes it.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

const TASK_HEADER: [&str; 13] = [
    "province",
    "agency",
    "source_file",
    "line",
    "record_id",
    "commune",
    "commune_written",
    "person_province",
    "person_id",
    "person_commune",
    "tier",
    "score",
    "outcome",
];

/// The file of task `k` of `n` in the pass's output folder.
pub fn task_file(out: &Path, k: usize, n: usize) -> PathBuf {
    out.join("tasks").join(format!("task-{k}-of-{n}.csv"))
}

/// Writes a task's hits (to a temporary name, then renamed: a file there is complete).
pub fn write_task(path: &Path, hits: &[Hit]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = path.with_extension("csv.partial");
    let mut w = csv::Writer::from_path(&tmp).map_err(|e| Error::Input { path: tmp.clone(), message: e.to_string() })?;
    let fail = |e: csv::Error| Error::Input { path: tmp.clone(), message: e.to_string() };
    w.write_record(TASK_HEADER).map_err(fail)?;
    for h in hits {
        let o = &h.origin;
        let outcome = if h.linked { "linked" } else { "review" };
        w.write_record([
            o.province.as_str(),
            &o.agency,
            &o.source_file,
            &o.line.to_string(),
            &o.record_id,
            &o.commune,
            &o.commune_written,
            &h.province,
            &h.person_id,
            &h.person_commune,
            &h.tier.to_string(),
            &format!("{:.6}", h.score),
            outcome,
        ])
        .map_err(fail)?;
    }
    w.flush().map_err(|e| Error::io(&tmp, e))?;
    drop(w);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

/// Reads the hits of every task of `n`; a task whose file is missing is an error naming
/// it (the merge waits for every task).
pub fn read_tasks(out: &Path, n: usize) -> Result<Vec<Hit>> {
    let mut hits = Vec::new();
    for k in 0..n {
        let path = task_file(out, k, n);
        if !path.is_file() {
            return Err(Error::Input {
                path: path.clone(),
                message: format!("task {k} of {n} has not finished: its file is missing"),
            });
        }
        let bad = |line: usize, message: String| Error::Input {
            path: path.clone(),
            message: format!("line {line}: {message}"),
        };
        let mut r = csv::Reader::from_path(&path).map_err(|e| bad(1, e.to_string()))?;
        for (i, row) in r.records().enumerate() {
            let row = row.map_err(|e| bad(i + 2, e.to_string()))?;
            if row.len() != TASK_HEADER.len() {
                return Err(bad(i + 2, format!("{} fields, not {}", row.len(), TASK_HEADER.len())));
            }
            let f = |j: usize| row[j].to_string();
            let number =
                |j: usize| row[j].parse::<f64>().map_err(|_| bad(i + 2, format!("{}: not a number", TASK_HEADER[j])));
            hits.push(Hit {
                origin: Origin {
                    province: f(0),
                    agency: f(1),
                    source_file: f(2),
                    line: number(3)? as u64,
                    record_id: f(4),
                    commune: f(5),
                    commune_written: f(6),
                },
                province: f(7),
                person_id: f(8),
                person_commune: f(9),
                tier: number(10)? as u8,
                score: number(11)?,
                linked: &row[12] == "linked",
            });
        }
    }
    Ok(hits)
}

/// The best hit of each record (the others are the runners-up), by record.
pub fn best(hits: Vec<Hit>) -> Vec<(Hit, Option<Hit>)> {
    let mut by_record: BTreeMap<Origin, Vec<Hit>> = BTreeMap::new();
    for h in hits {
        by_record.entry(h.origin.clone()).or_default().push(h);
    }
    by_record
        .into_values()
        .map(|mut hs| {
            hs.sort_by(|a, b| a.rank().cmp(&b.rank()));
            let mut hs = hs.into_iter();
            let best = hs.next().expect("a record has a hit");
            (best, hs.next())
        })
        .collect()
}

/// Writes each province's `province=XX/cross_province.{parquet,csv}` (every province
/// whose residue was read, even without a row). Gives the files written.
pub fn write_back(
    out: &Path,
    run_id: &str,
    provinces: &[String],
    found: &[(Hit, Option<Hit>)],
) -> Result<Vec<PathBuf>> {
    let units = crate::vn::admin::AdminUnits::get();
    let province_name = |code: &str| units.provinces().find(|(c, _)| *c == code).map_or("", |(_, n)| n).to_string();
    let mut written = Vec::new();
    for province in provinces {
        let mine: Vec<&(Hit, Option<Hit>)> = found.iter().filter(|(h, _)| &h.origin.province == province).collect();
        let ds: Vec<Discrepancy> =
            mine.iter().map(|(h, runner)| discrepancy(h, runner.as_ref(), &province_name)).collect();
        let ids: Vec<String> = mine.iter().zip(&ds).map(|((h, _), d)| d.stable_id(&h.origin.agency)).collect();
        let rows: Vec<Row> = mine
            .iter()
            .zip(&ds)
            .zip(&ids)
            .map(|(((h, _), d), id)| Row {
                run_id,
                agency: &h.origin.agency,
                d,
                commune_name: crate::publish::commune_name(&d.commune),
                id,
                suggested: &d.suggested_value,
                is_new: true,
                source_file: &h.origin.source_file,
            })
            .collect();
        let dir = out.join(format!("province={province}"));
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        for (name, csv) in [("cross_province.parquet", false), ("cross_province.csv", true)] {
            let path = dir.join(name);
            if csv {
                columns::write_csv(&path, &rows)?;
            } else {
                columns::write_parquet(&path, &rows)?;
            }
            written.push(path);
        }
    }
    Ok(written)
}

/// A record's `RESIDES_IN_OTHER_PROVINCE` row: its commune as written against the
/// person's commune; suggested, the person's province.
fn discrepancy(h: &Hit, runner: Option<&Hit>, province_name: &dyn Fn(&str) -> String) -> Discrepancy {
    let o = &h.origin;
    let commune = if o.commune.is_empty() { "unknown".to_string() } else { o.commune.clone() };
    let mut d = Discrepancy::new(o.record_id.clone(), o.line, commune, Code::ResidesInOtherProvince, "commune");
    d.registry_value = o.commune_written.clone();
    let person_commune = crate::publish::commune_name(&h.person_commune);
    d.population_value = format!("{person_commune} ({})", h.person_commune);
    d.suggested_value = format!("{} ({})", province_name(&h.province), h.province);
    d.person_id = h.person_id.clone();
    d.tier = Some(match h.tier {
        1 => Tier::PersonalId,
        2 => Tier::LegacyId,
        _ => Tier::Probabilistic,
    });
    d.score = Some(h.score);
    let mut note = if h.linked { "linked".to_string() } else { "review: a person must confirm".to_string() };
    if let Some(r) = runner.filter(|r| r.linked && r.province != h.province) {
        note.push_str(&format!("; also linked in {} ({})", province_name(&r.province), r.province));
    }
    d.note = note;
    d
}
