//! The blocking ceiling: of the true pairs tier 3 had to find (the record not linked by
//! an ID), the share that some blocking rule of the model lets through, i.e. the best
//! recall any threshold could give. Recomputed from the job's files (a run keeps no
//! candidate lists): the population indexed, each registry normalized, and each such
//! record's candidates looked up.

use super::{read_links, read_truth};
use crate::config::RunOptions;
use crate::error::Result;
use crate::link::tier3::{candidates, index, Settings};
use crate::{ingest, normalize};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// One registry's blocking ceiling.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Ceiling {
    /// True pairs whose record the ID tiers did not link (tier 3's to find).
    pub true_pairs: u64,
    /// Those whose person is among the record's candidates.
    pub let_through: u64,
    /// let_through / true_pairs (1 when there are none).
    pub ceiling: f64,
    /// True pairs let through, by the rule that found the pair first.
    pub by_rule: BTreeMap<String, u64>,
}

/// The blocking ceiling of every registry of `job` that has a truth file, for the run
/// in `run` (which says which records the ID tiers linked).
pub fn ceiling(job: &Path, run: &Path, truth: &Path) -> Result<BTreeMap<String, Ceiling>> {
    let config = crate::pipeline::load(job, &RunOptions::default())?;
    let (province, today) = (config.province.as_str(), &config.today);
    let pop = &config.population;
    let mut people = Vec::new();
    for path in &config.population_parts {
        let table = ingest::read(path, &pop.rules)?;
        people.extend(normalize::people(&table, &pop.rules, province, today).0);
    }
    let idx = index(&people, Settings::compile(&config.model));
    idx.build_all(&people);
    let mut out = BTreeMap::new();
    for group in config.agencies() {
        let agency = &config.registries[group[0]].agency;
        let truth_file = truth.join(format!("{agency}.csv"));
        if !truth_file.exists() {
            continue;
        }
        let rows = read_truth(&truth_file)?;
        let links = read_links(&run.join(agency).join("links.parquet"))?;
        let mut records = HashMap::new();
        for &f in &group {
            let input = &config.registries[f];
            let table = ingest::read(&input.path, &input.rules)?;
            for r in normalize::records(&table, &input.rules, province, today).0 {
                records.entry(r.record_id.to_string()).or_insert(r);
            }
        }
        let mut c = Ceiling::default();
        for (rid, person, codes) in &rows {
            let by_id = links.get(rid).and_then(|p| p.tier).is_some_and(|t| t <= 2);
            let Some(r) = records.get(rid).filter(|_| !person.is_empty() && !by_id && !codes.contains("REJECTED_ROW"))
            else {
                continue;
            };
            c.true_pairs += 1;
            let found = candidates(r, &idx).into_iter().find(|&(p, _)| *people[p as usize].pid.digits == **person);
            if let Some((_, rule)) = found {
                c.let_through += 1;
                *c.by_rule.entry(rule.label().to_string()).or_default() += 1;
            }
        }
        c.ceiling = if c.true_pairs == 0 { 1.0 } else { c.let_through as f64 / c.true_pairs as f64 };
        c.ceiling = (c.ceiling * 10_000.0).round() / 10_000.0;
        out.insert(agency.clone(), c);
    }
    Ok(out)
}
