//! Accuracy of a published run against the truth of a synthetic province.
//!
//! Takes a run folder and a `truth/` folder (from `doisoat generate`); gives link
//! precision, recall and F1 per registry, per tier and overall, and on the records whose
//! ID is missing, legacy-only or mistyped; for each code, precision and recall of its
//! detection; and for the worst codes, what the tool reported instead. Rejected rows
//! are left out of the link figures (no tool can link an unreadable row); `REVIEW` is
//! left out of the code figures (a perfect tool never needs one).

pub mod ceiling;

use crate::error::{Error, Result};
use polars::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Precision, recall and F1 with their counts.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Prf {
    /// True positives.
    pub tp: u64,
    /// False positives.
    pub fp: u64,
    /// False negatives.
    pub fn_: u64,
    /// tp / (tp + fp); 1 when nothing was predicted.
    pub precision: f64,
    /// tp / (tp + fn); 1 when nothing was to be found.
    pub recall: f64,
    /// Harmonic mean.
    pub f1: f64,
}

impl Prf {
    fn finish(mut self) -> Prf {
        let r3 = |x: f64| (x * 10_000.0).round() / 10_000.0;
        self.precision = if self.tp + self.fp == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fp) as f64 };
        self.recall = if self.tp + self.fn_ == 0 { 1.0 } else { self.tp as f64 / (self.tp + self.fn_) as f64 };
        self.f1 = if self.precision + self.recall == 0.0 {
            0.0
        } else {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        };
        self.precision = r3(self.precision);
        self.recall = r3(self.recall);
        self.f1 = r3(self.f1);
        self
    }

    fn add(&mut self, o: &Prf) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

/// Link accuracy of one registry.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkEval {
    /// All readable rows.
    pub overall: Prf,
    /// Rows whose true codes say the ID is missing, legacy-only, malformed or mistyped.
    pub without_usable_id: Prf,
    /// Per predicted tier: links made and how many were right (precision).
    pub by_tier: BTreeMap<String, Prf>,
}

/// The evaluation of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evaluation {
    /// Per agency.
    pub links: BTreeMap<String, LinkEval>,
    /// All agencies together.
    pub links_overall: LinkEval,
    /// Per code, over all agencies.
    pub codes: BTreeMap<String, Prf>,
    /// For the worst codes: on the rows where the code was missed, the codes reported
    /// instead (with counts).
    pub confusion: BTreeMap<String, BTreeMap<String, u64>>,
    /// Per agency, the blocking ceiling (with the job: `evaluate --job`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub blocking: BTreeMap<String, ceiling::Ceiling>,
}

struct Predicted {
    person: Option<String>,
    tier: Option<i32>,
}

fn read_truth(path: &Path) -> Result<Vec<(String, String, BTreeSet<String>)>> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| Error::Input { path: path.into(), message: e.to_string() })?;
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| Error::Input { path: path.into(), message: e.to_string() })?;
        let codes = rec.get(2).unwrap_or("").split(';').filter(|c| !c.is_empty()).map(str::to_string).collect();
        out.push((rec.get(0).unwrap_or("").to_string(), rec.get(1).unwrap_or("").to_string(), codes));
    }
    Ok(out)
}

fn read_links(path: &Path) -> Result<HashMap<String, Predicted>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let df = ParquetReader::new(file).finish()?;
    let ids = df.column("record_id")?.str()?.clone();
    let persons = df.column("person_id")?.str()?.clone();
    let outcome = df.column("outcome")?.str()?.clone();
    let tier = df.column("link_tier")?.i32()?.clone();
    let mut out = HashMap::with_capacity(df.height());
    for i in 0..df.height() {
        let linked = outcome.get(i) == Some("linked");
        out.insert(
            ids.get(i).unwrap_or("").to_string(),
            Predicted {
                person: persons.get(i).filter(|_| linked).map(str::to_string),
                tier: tier.get(i).filter(|_| linked),
            },
        );
    }
    Ok(out)
}

/// The codes of each record in an agency folder's discrepancy list.
fn read_codes(agency_dir: &Path) -> Result<HashMap<String, BTreeSet<String>>> {
    let [rid, code] = crate::publish::read::discrepancy_columns(agency_dir, &["record_id", "code"])?
        .try_into()
        .expect("one list per column asked");
    let mut out: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (r, c) in rid.into_iter().zip(code) {
        out.entry(r).or_default().insert(c);
    }
    Ok(out)
}

const HARD: [&str; 5] = ["ID_MISSING", "ID_LEGACY", "ID_TYPO", "ID_OTHER_PERSON", "ID_MALFORMED"];

/// Evaluates a run folder against a truth folder.
pub fn evaluate(run: &Path, truth: &Path) -> Result<Evaluation> {
    evaluate_with(run, truth, None)
}

/// Evaluates a run folder against a truth folder; with the run's job, the blocking
/// ceiling too ([`ceiling::ceiling`]).
pub fn evaluate_with(run: &Path, truth: &Path, job: Option<&Path>) -> Result<Evaluation> {
    let mut ev = Evaluation::default();
    let mut code_counts: BTreeMap<String, Prf> = BTreeMap::new();
    let mut missed: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut agencies: Vec<String> = std::fs::read_dir(truth)
        .map_err(|e| Error::io(truth, e))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".csv")).map(str::to_string))
        .filter(|n| n != "coverage")
        .collect();
    agencies.sort();
    if agencies.is_empty() {
        return Err(Error::Usage(format!("{} holds no truth files", truth.display())));
    }
    for agency in agencies {
        let rows = read_truth(&truth.join(format!("{agency}.csv")))?;
        let links = read_links(&run.join(&agency).join("links.parquet"))?;
        let codes = read_codes(&run.join(&agency))?;
        let mut le = LinkEval::default();
        for (rid, person, want) in &rows {
            // Codes.
            let got: BTreeSet<String> =
                codes.get(rid).cloned().unwrap_or_default().into_iter().filter(|c| c != "REVIEW").collect();
            for c in want.union(&got) {
                let e = code_counts.entry(c.clone()).or_default();
                match (want.contains(c), got.contains(c)) {
                    (true, true) => e.tp += 1,
                    (false, true) => e.fp += 1,
                    (true, false) => {
                        e.fn_ += 1;
                        let instead = missed.entry(c.clone()).or_default();
                        for g in got.difference(want) {
                            *instead.entry(g.clone()).or_default() += 1;
                        }
                        if got.is_empty() {
                            *instead.entry("(nothing)".into()).or_default() += 1;
                        }
                    }
                    (false, false) => {}
                }
            }
            // Links.
            if want.contains("REJECTED_ROW") {
                continue;
            }
            let pred = links.get(rid);
            let pred_person = pred.and_then(|p| p.person.as_deref());
            let mut one = Prf::default();
            match (pred_person, person.is_empty()) {
                (Some(p), false) if p == person => one.tp = 1,
                (Some(_), false) => {
                    one.fp = 1;
                    one.fn_ = 1;
                }
                (Some(_), true) => one.fp = 1,
                (None, false) => one.fn_ = 1,
                (None, true) => {}
            }
            le.overall.add(&one);
            if want.iter().any(|c| HARD.contains(&c.as_str())) {
                le.without_usable_id.add(&one);
            }
            if let Some(t) = pred.and_then(|p| p.tier) {
                let e = le.by_tier.entry(format!("tier{t}")).or_default();
                e.tp += one.tp;
                e.fp += one.fp;
            }
        }
        ev.links_overall.overall.add(&le.overall);
        ev.links_overall.without_usable_id.add(&le.without_usable_id);
        for (t, p) in &le.by_tier {
            ev.links_overall.by_tier.entry(t.clone()).or_default().add(p);
        }
        le.overall = le.overall.finish();
        le.without_usable_id = le.without_usable_id.finish();
        le.by_tier = le.by_tier.into_iter().map(|(k, v)| (k, v.finish())).collect();
        ev.links.insert(agency, le);
    }
    coverage(run, truth, &mut code_counts);
    ev.links_overall.overall = ev.links_overall.overall.finish();
    ev.links_overall.without_usable_id = ev.links_overall.without_usable_id.finish();
    ev.links_overall.by_tier =
        std::mem::take(&mut ev.links_overall.by_tier).into_iter().map(|(k, v)| (k, v.finish())).collect();
    ev.codes = code_counts.into_iter().map(|(k, v)| (k, v.finish())).collect();
    let mut worst: Vec<(&String, &Prf)> = ev.codes.iter().filter(|(_, p)| p.fn_ > 0).collect();
    worst.sort_by(|a, b| a.1.f1.total_cmp(&b.1.f1).then(a.0.cmp(b.0)));
    for (code, _) in worst.into_iter().take(5) {
        if let Some(m) = missed.get(code) {
            ev.confusion.insert(code.clone(), m.clone());
        }
    }
    if let Some(job) = job {
        ev.blocking = ceiling::ceiling(job, run, truth)?;
    }
    let text = serde_json::to_string_pretty(&ev).expect("evaluation serializes") + "\n";
    let out = run.join("evaluation.json");
    std::fs::write(&out, text).map_err(|e| Error::io(&out, e))?;
    Ok(ev)
}

/// EXPECTED_ABSENT: the persons a registry should hold and does not, against the truth's
/// `coverage.csv`.
fn coverage(run: &Path, truth: &Path, code_counts: &mut BTreeMap<String, Prf>) {
    if let Ok(text) = std::fs::read_to_string(truth.join("coverage.csv")) {
        let mut want: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() >= 2 {
                want.entry(f[0].to_string()).or_default().insert(f[1].to_string());
            }
        }
        for (agency, persons) in want {
            let got: BTreeSet<String> = std::fs::read_to_string(run.join(&agency).join("coverage.csv"))
                .map(|t| {
                    t.lines()
                        .skip(1)
                        .filter_map(|l| l.trim_start_matches('\u{feff}').split(',').next())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let e = code_counts.entry("EXPECTED_ABSENT".into()).or_default();
            e.tp += persons.intersection(&got).count() as u64;
            e.fn_ += persons.difference(&got).count() as u64;
            e.fp += got.difference(&persons).count() as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prf_arithmetic() {
        let p = Prf { tp: 8, fp: 2, fn_: 2, ..Prf::default() }.finish();
        assert_eq!((p.precision, p.recall, p.f1), (0.8, 0.8, 0.8));
        let empty = Prf::default().finish();
        assert_eq!((empty.precision, empty.recall, empty.f1), (1.0, 1.0, 1.0));
    }
}
