//! The cross-province pass (`doisoat national`, SPEC §9): the records no province run
//! found a person for (each run's residue, [`crate::publish::residue`]) looked for among
//! the people of the other provinces, by the same tiers, and written back to each
//! province as `RESIDES_IN_OTHER_PROVINCE`.
//!
//! The nation's population is a hive-partitioned lake (`province=XX/part-*.parquet`).
//! The unit of work is a partition: its people are read and indexed, and every residue
//! record of another province is linked against them ([`crate::link::link`], tiers 1–3,
//! the default model, trained on that partition's pairs). A partition never needs
//! another's people, so a task holds one province's people at a time, and the pass splits
//! into tasks by partition: task K of N takes the partitions whose place in code order is
//! K modulo N, and writes its hits to `tasks/task-K-of-N.csv`. The merge takes, for each
//! record, the best hit of all tasks ([`hits::best`]: linked before review, an ID tier
//! before tier 3, then the most probable), so its output does not depend on how the
//! partitions were shared out: one process equals N tasks and their merge, byte for byte.
//!
//! What crosses partitions: only the choice between two provinces that both hold a
//! match, made by the merge, which weighs their tier-3 hits against each other as a
//! province run weighs its candidates (too close to call: review); the runner-up's
//! province is named in the row's note.

pub mod hits;
pub mod residue;

use crate::config::{self, Rules, Thresholds};
use crate::error::{Error, Result};
use crate::ingest;
use crate::link::{self, tier3, Outcome};
use crate::normalize::{self, Record};
use crate::vn::date::PartialDate;
use hits::Hit;
use residue::Residue;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Tier 3's prior mass for a residue record against one partition (a registry's is
/// 0.9 × `PRIOR_SCALE` = 270: see [`tier3::Batch`]). A residue record is mostly no one's,
/// and a mover's commune never agrees, so the evidence a province run weighs against a
/// namesake (another commune) is silent here. Swept on a generated nation of three
/// provinces of 20 000 people (1 778 records held where their person no longer lives;
/// precision / recall of the records linked): 270 → 0.851 / 0.975, 30 → 0.919 / 0.974,
/// 3 → 0.953 / 0.971, 1 → 0.976 / 0.966, 0.3 → 0.996 / 0.953 (the rest go to review or
/// are not found).
pub const RESIDUE_PRIOR_MASS: f64 = 0.3;

/// What the pass does.
#[derive(Debug, Clone)]
pub struct Options {
    /// The lake's population dataset: a folder of `province=XX` partitions.
    pub population: PathBuf,
    /// The population's rules (its column mapping).
    pub rules: PathBuf,
    /// Province runs: run folders, folders of runs, or residue files.
    pub residues: Vec<PathBuf>,
    /// The output folder.
    pub out: PathBuf,
    /// `Some((k, n))`: only task k of n (writes its task file); `None`: every partition.
    pub task: Option<(usize, usize)>,
    /// Merge the files of this many tasks instead of linking.
    pub merge: Option<usize>,
    /// The reference day (ages, dates in the future).
    pub today: PartialDate,
    /// Seed of tier 3's samples.
    pub seed: u64,
    /// The ID the output rows carry as `run_id`.
    pub run_id: String,
}

/// One partition of the population as a task read it.
#[derive(Debug, Clone)]
pub struct Partition {
    /// Its 2025 province code.
    pub province: String,
    /// Its part files.
    pub files: Vec<PathBuf>,
    /// People read.
    pub people: usize,
    /// Rows of its files that could not be read.
    pub rejected: usize,
    /// Residue records of other provinces linked against it.
    pub tried: usize,
    /// Hits found in it.
    pub hits: usize,
}

/// What the pass did.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Residue files read.
    pub residue_files: usize,
    /// Residue records.
    pub residue_records: usize,
    /// The partitions this process linked against.
    pub partitions: Vec<Partition>,
    /// The task file written (a task), or the province files written (a merge or a whole
    /// pass).
    pub written: Vec<PathBuf>,
    /// Records linked to a person of another province (a merge or a whole pass).
    pub linked: usize,
    /// Records proposed for review.
    pub review: usize,
}

/// Runs the pass (or one task of it, or its merge).
pub fn run(opts: &Options) -> Result<Report> {
    let files = residue::files(&opts.residues)?;
    let residue = residue::read(&files, &opts.today)?;
    let mut provinces: Vec<String> = residue.origins.iter().map(|o| o.province.clone()).collect();
    provinces.sort();
    provinces.dedup();
    let mut report = Report { residue_files: files.len(), residue_records: residue.records.len(), ..Report::default() };
    let hits = match (opts.merge, opts.task) {
        (Some(n), _) => hits::read_tasks(&opts.out, n)?,
        (None, task) => {
            let (k, n) = task.unwrap_or((0, 1));
            if n == 0 || k >= n {
                return Err(Error::Usage(format!("--task {k} --tasks {n}: the task must be 0 to {}", n.max(1) - 1)));
            }
            let rules = population_rules(&opts.rules)?;
            let mut hits = Vec::new();
            for (province, parts) in partitions(&opts.population)?.into_iter().skip(k).step_by(n) {
                let (found, partition) = link_partition(&province, parts, &rules, &residue, opts)?;
                hits.extend(found);
                report.partitions.push(partition);
            }
            if task.is_some() {
                let path = hits::task_file(&opts.out, k, n);
                hits::write_task(&path, &hits)?;
                report.written.push(path);
                return Ok(report);
            }
            hits
        }
    };
    let best = hits::best(hits, Thresholds::default().link);
    report.linked = best.iter().filter(|(h, _)| h.linked).count();
    report.review = best.len() - report.linked;
    report.written = hits::write_back(&opts.out, &opts.run_id, &provinces, &best)?;
    report.written.push(summary(opts, &residue, &best)?);
    Ok(report)
}

/// `summary.json`: per province whose residue was read, its residue records and how
/// many the pass linked, sent to review, or found in no other province (for the
/// operations centre; the counts add up to the residue).
fn summary(opts: &Options, residue: &Residue, best: &[(Hit, Option<Hit>)]) -> Result<PathBuf> {
    let mut per: BTreeMap<&str, [u64; 3]> = BTreeMap::new();
    for o in &residue.origins {
        per.entry(&o.province).or_default()[2] += 1;
    }
    for (h, _) in best {
        let c = per.entry(&h.origin.province).or_default();
        c[usize::from(!h.linked)] += 1;
        c[2] -= 1;
    }
    let provinces: serde_json::Map<String, serde_json::Value> = per
        .into_iter()
        .map(|(p, [linked, review, none])| {
            let counts = serde_json::json!({
                "residue": linked + review + none,
                "linked": linked,
                "review": review,
                "not_found": none,
            });
            (p.to_string(), counts)
        })
        .collect();
    let path = opts.out.join("summary.json");
    let value = serde_json::json!({ "run_id": opts.run_id, "provinces": provinces });
    crate::publish::writers::write_json(&path, &value)?;
    Ok(path)
}

/// The population's rules file, read and checked.
fn population_rules(path: &Path) -> Result<Rules> {
    let mut problems = Vec::new();
    match config::load_rules(path, &mut problems) {
        Some(r) if problems.is_empty() && r.kind == config::Kind::Population => Ok(r),
        Some(_) if problems.is_empty() => Err(Error::Input {
            path: path.to_path_buf(),
            message: "not a population's rules (kind = \"population\")".into(),
        }),
        _ => Err(Error::Rules(crate::error::Problems(problems))),
    }
}

/// The lake's partitions by province (code order) with their part files. A part file
/// outside a `province=XX` folder is an error naming it.
pub fn partitions(dir: &Path) -> Result<Vec<(String, Vec<PathBuf>)>> {
    let mut out: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for file in config::dataset_files(dir, &BTreeMap::new())? {
        let rel = file.strip_prefix(dir).unwrap_or(&file);
        let province =
            rel.components().find_map(|c| c.as_os_str().to_str()?.strip_prefix("province=").map(String::from));
        let Some(province) = province else {
            return Err(Error::Input {
                path: file.clone(),
                message: "a part file outside any province=XX folder: the nation's lake is partitioned by province"
                    .into(),
            });
        };
        out.entry(province).or_default().push(file);
    }
    if out.is_empty() {
        return Err(Error::Input {
            path: dir.to_path_buf(),
            message: "no province=XX partition with a part file".into(),
        });
    }
    Ok(out.into_iter().collect())
}

/// Links the residue records of the other provinces against one partition's people.
fn link_partition(
    province: &str,
    files: Vec<PathBuf>,
    rules: &Rules,
    residue: &Residue,
    opts: &Options,
) -> Result<(Vec<Hit>, Partition)> {
    let mut people = Vec::new();
    let mut rejected = 0;
    for path in &files {
        let table = ingest::read(path, rules)?;
        let (p, r) = normalize::people(&table, rules, province, &opts.today);
        people.extend(p);
        rejected += r.len();
    }
    let others: Vec<usize> = (0..residue.records.len()).filter(|&i| residue.origins[i].province != province).collect();
    let mut partition = Partition {
        province: province.to_string(),
        files,
        people: people.len(),
        rejected,
        tried: others.len(),
        hits: 0,
    };
    if people.is_empty() || others.is_empty() {
        return Ok((Vec::new(), partition));
    }
    let records: Vec<Record> = others.iter().map(|&i| residue.records[i].clone()).collect();
    let settings = tier3::Settings::compile(&config::model::default_model());
    let index = tier3::index(&people, settings);
    let thresholds = Thresholds::default();
    let batch = tier3::Batch { cardinality: residue.cardinality, seed: opts.seed, prior_mass: RESIDUE_PRIOR_MASS };
    let (links, _) = link::link(&people, &index, &records, &thresholds, batch);
    let mut found = Vec::new();
    for (&i, l) in others.iter().zip(&links) {
        let person = match l.outcome {
            Outcome::Linked => l.person,
            Outcome::Review => l.review_candidate,
            _ => None,
        };
        let Some(p) = person.map(|p| &people[p as usize]) else { continue };
        found.push(Hit {
            origin: residue.origins[i].clone(),
            province: province.to_string(),
            person_id: p.pid.digits.to_string(),
            person_commune: p.commune.as_ref().map(|c| c.code.to_string()).unwrap_or_default(),
            tier: l.tier.map_or(3, |t| t as u8),
            // As the task file writes it: one process and N tasks merge the same numbers.
            score: hits::round6(l.score),
            linked: l.outcome == Outcome::Linked,
            levels: l.explanation.as_ref().map_or_else(String::new, |e| {
                e.levels.iter().map(|(field, level, _)| format!("{field}={level}")).collect::<Vec<_>>().join(" ")
            }),
        });
    }
    partition.hits = found.len();
    Ok((found, partition))
}
