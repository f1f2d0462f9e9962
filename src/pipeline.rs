//! The nightly batch: `ingest → normalize → link → assess → score → publish`.
//!
//! [`run`] takes a checked [`Config`] and a [`Progress`] sink and gives a [`RunReport`];
//! it never prints. Each stage is one call into its module; this file only sequences
//! them, times them and carries their results to publishing.

use crate::assess;
use crate::config::{self, Config, RunOptions};
use crate::error::Result;
use crate::handoff::{AgencyRun, FileInfo, PopulationFile, RunData, RunReport, SourceFile};
use crate::ingest;
use crate::link;
use crate::normalize::{self, Person};
use crate::publish;
use crate::score::{self, Counts};
use crate::vn::date::PartialDate;
use std::path::Path;
use std::time::Instant;

/// Loads and checks a job ([`config::load`]), reading each input's header row to check
/// its mapped columns.
pub fn load(job_path: &Path, opts: &RunOptions) -> Result<Config> {
    config::load(job_path, opts, &ingest::read_headers)
}

/// Checks a job or a folder of rules files ([`config::check`]); gives the files checked
/// and, for a job, each input as read: its profile (how the sampled values of each mapped
/// name, sex, event, commune, address, date and ID column parse, the shapes of those that
/// do not) and the warnings of columns most of whose values do not.
pub fn check_rules(path: &Path) -> Result<(usize, Vec<FileInfo>)> {
    if path.is_dir() {
        return Ok((config::check(path, &ingest::read_headers)?, Vec::new()));
    }
    // A job: loaded (rules and headers checked) once, then its inputs sampled.
    let cfg = load(path, &RunOptions::default())?;
    let checked = 1 + 1 + cfg.registries.len();
    let mut files = Vec::new();
    let population = cfg.population_parts.iter().map(|p| (p, &cfg.population.rules));
    for (path, rules) in population.chain(cfg.registries.iter().map(|i| (&i.path, &i.rules))) {
        let table = ingest::read(path, rules)?;
        files.push(file_info(path, &table, rules, &cfg.province, &cfg.today));
    }
    Ok((checked, files))
}

/// Receives progress from a run. The binary renders it; the library never prints.
pub trait Progress: Sync {
    /// A stage starts (`ingest`, `normalize`, …) for an input (agency key or `population`).
    fn stage(&self, stage: &str, input: &str);
}

/// A progress sink that ignores everything.
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &str, _: &str) {}
}

struct Timer {
    timings: Vec<(String, u64)>,
}

impl Timer {
    fn time<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.add(name, start.elapsed().as_millis() as u64);
        out
    }

    fn add(&mut self, name: &str, ms: u64) {
        match self.timings.iter_mut().find(|(n, _)| n == name) {
            Some((_, t)) => *t += ms,
            None => self.timings.push((name.to_string(), ms)),
        }
    }
}

/// Runs the batch and publishes it. Each registry's folder is written as soon as it is
/// assessed, while the next registry is computed (writing is mostly one thread's work per
/// file, and the stages leave cores idle while a file is read or a step runs on one
/// thread); the run's own files follow the last registry.
pub fn run(config: &Config, progress: &dyn Progress) -> Result<RunReport> {
    let publisher = publish::Publisher::start(config)?;
    let write = |a: &AgencyRun, people: &[Person]| publisher.agency(a, people);
    let (data, written, stages_done) = stages(config, progress, Some(&write), None)?;
    progress.stage("publish", "run");
    let report = publisher.finish(&data, written, stages_done);
    // A run holds millions of small allocations, and freeing them took about a second at
    // a province's scale, after the work was done: a thread frees them while the caller
    // goes on (when the caller is the CLI, the process exits and the OS reclaims them).
    std::thread::spawn(move || drop(data));
    report
}

/// Runs every stage but publishing: what [`publish::publish`] takes.
pub fn prepare(config: &Config, progress: &dyn Progress) -> Result<RunData> {
    stages(config, progress, None, None).map(|(data, _, _)| data)
}

/// Task `k` of a run split into `n` tasks by agency ([`publish::tasks`]): reads the
/// population and computes and writes the folders of the agencies whose place in the
/// job is `k` modulo `n`, for [`merge`]. Gives how many agencies it wrote.
pub fn run_task(config: &Config, progress: &dyn Progress, (k, n): (usize, usize)) -> Result<usize> {
    if n == 0 || k >= n {
        return Err(crate::error::Error::Usage(format!(
            "--task {k} --tasks {n}: the task must be 0 to {}",
            n.max(1) - 1
        )));
    }
    let publisher = publish::Publisher::start_task(config, (k, n))?;
    if config.agencies().len() <= k {
        publisher.finish_task(&[])?;
        return Ok(0);
    }
    let write = |a: &AgencyRun, people: &[Person]| publisher.task_agency(a, people);
    let (data, _, _) = stages(config, progress, Some(&write), Some((k, n)))?;
    publisher.finish_task(&data.timings)?;
    let written = data.agencies.len();
    std::thread::spawn(move || drop(data));
    Ok(written)
}

/// The merge of a run split into `n` tasks: takes the run root's lock, reads the
/// population (the run's own files account for it), moves each agency's folder from the
/// task that wrote it into the run, and publishes the run's own files, as [`run`] does.
pub fn merge(config: &Config, progress: &dyn Progress, n: usize) -> Result<RunReport> {
    let groups = config.agencies();
    let dirs: Vec<std::path::PathBuf> =
        groups.iter().map(|g| publish::tasks::locate(config, n, g)).collect::<Result<_>>()?;
    let publisher = publish::Publisher::start(config)?;
    // The tasks' stage times, summed, then the merge's own reading of the population.
    let mut timer = Timer { timings: publish::tasks::timings(config, n) };
    progress.stage("ingest", "population");
    let (people, population_rejected, population_files) = read_population(config, &mut timer, progress)?;
    let population_problems = link::population_problems(&people);
    let (mut agencies, mut written) = (Vec::new(), Vec::new());
    for (group, dir) in groups.iter().zip(&dirs) {
        let (a, w) = publisher.adopt(config, dir, group)?;
        agencies.push(a);
        written.push(w);
    }
    let data = RunData {
        config: config.clone(),
        population_files,
        people,
        population_rejected,
        population_problems,
        agencies,
        timings: timer.timings,
    };
    progress.stage("publish", "run");
    let report = publisher.finish(&data, written, Instant::now())?;
    publish::tasks::clear(config);
    Ok(report)
}

/// Writes one assessed registry's folder (during [`run`], [`publish::Publisher::agency`]).
type Writer<'w> = &'w (dyn Fn(&AgencyRun, &[Person]) -> Result<publish::Written> + Sync);

/// Runs every stage, handing each assessed registry to `write` on a thread of its own.
/// Gives the run's data, what each write gave (registry order) and when the stages ended
/// (the writes may still have been going on).
///
/// Reading a file is one thread's work while the other stages use every core, so the
/// registries are read on a thread of their own, as fast as it can, while the population
/// is read and normalized on this one. Read tables wait in memory for their turn; they are
/// small next to the population's data (four registries of 1 M rows in all: peak memory
/// unchanged against reading one file ahead, the run 0.3-0.6 s shorter). The `ingest`
/// timing is the time spent reading, much of it overlapping the other stages.
fn stages(
    config: &Config,
    progress: &dyn Progress,
    write: Option<Writer>,
    share: Option<(usize, usize)>,
) -> Result<(RunData, Vec<publish::Written>, Instant)> {
    // Largest agency first: agencies are independent of each other, and the run waits at
    // the end for the last agency's folder to be written, best the smallest one's.
    // Results keep the job's order. An agency's files are read one after the other.
    let mut order: Vec<Vec<usize>> = config.agencies();
    // A task of a run split into tasks: the agencies whose place in the job is its own.
    if let Some((k, n)) = share {
        order = order.into_iter().enumerate().filter(|(p, _)| p % n == k).map(|(_, g)| g).collect();
    }
    let size = |i: &usize| std::fs::metadata(&config.registries[*i].path).map_or(0, |m| m.len());
    order.sort_by_key(|g| std::cmp::Reverse(g.iter().map(size).sum::<u64>()));
    let (sender, tables) = std::sync::mpsc::sync_channel::<(Result<ingest::Table>, u64)>(config.registries.len());
    std::thread::scope(|scope| {
        let reading = &order;
        scope.spawn(move || {
            for input in reading.iter().flatten().map(|&i| &config.registries[i]) {
                progress.stage("ingest", &input.agency);
                let start = Instant::now();
                let table = ingest::read(&input.path, &input.rules);
                let failed = table.is_err();
                // The receiver gone (an earlier failure) or this read failed: stop reading.
                if sender.send((table, start.elapsed().as_millis() as u64)).is_err() || failed {
                    break;
                }
            }
        });
        let result = compute(config, progress, &order, &tables, write);
        // Unblock the reader if the stages stopped early (it stops at its next send).
        drop(tables);
        result
    })
}

/// The stages proper, in `order`, with each registry's table from the reader thread.
fn compute(
    config: &Config,
    progress: &dyn Progress,
    order: &[Vec<usize>],
    tables: &std::sync::mpsc::Receiver<(Result<ingest::Table>, u64)>,
    write: Option<Writer>,
) -> Result<(RunData, Vec<publish::Written>, Instant)> {
    let mut timer = Timer { timings: Vec::new() };

    progress.stage("ingest", "population");
    let pop = &config.population;
    let (people, population_rejected, population_files) = read_population(config, &mut timer, progress)?;
    // Nobody to link to: every record would be "not in population", a run that says
    // nothing true. (An extract cut off after its header, or every row rejected.)
    if people.is_empty() {
        let rows: u64 = population_files.iter().map(|p| p.file.rows).sum();
        return Err(crate::error::Error::Input {
            path: pop.path.clone(),
            message: format!(
                "the population extract holds no readable person ({rows} rows, {} rejected): nothing to check the registries against",
                population_rejected.len()
            ),
        });
    }
    let elsewhere = national_rows(config)?;
    let (population_problems, index) = timer.time("index", || {
        rayon::join(
            || link::population_problems(&people),
            || link::tier3::index(&people, link::tier3::Settings::compile(&config.model)),
        )
    });

    let (mut agencies, mut written, stages_done) = std::thread::scope(|scope| {
        let mut agencies = Vec::new();
        let mut writers = Vec::new();
        for group in order {
            let k = group[0];
            let run = agency(config, progress, &mut timer, (&people, &index, &elsewhere), group, tables)?;
            match write {
                // The agency's folder is written on a thread of its own while the next
                // agency is computed; once written, its rows and discrepancies are freed
                // there (the run's own files need only its counts), so the peak holds one
                // agency's records in flight, not every agency's.
                Some(write) => {
                    let people = &people;
                    writers.push((
                        k,
                        scope.spawn(move || {
                            let written = write(&run, people);
                            (written, run.without_rows())
                        }),
                    ));
                }
                None => agencies.push((k, run)),
            }
        }
        let stages_done = Instant::now();
        let mut written = Vec::new();
        for (k, w) in writers {
            let (w, run) = w.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            written.push((k, w?));
            agencies.push((k, run));
        }
        Ok::<_, crate::error::Error>((agencies, written, stages_done))
    })?;
    // Back to the job's order.
    agencies.sort_by_key(|(k, _)| *k);
    written.sort_by_key(|(k, _)| *k);
    let written = written.into_iter().map(|(_, w)| w).collect();
    let agencies = agencies.into_iter().map(|(_, a)| a).collect();
    let data = RunData {
        config: config.clone(),
        population_files,
        people,
        population_rejected,
        population_problems,
        agencies,
        timings: timer.timings,
    };
    Ok((data, written, stages_done))
}

/// What the cross-province pass found of this province's records, by (agency, file name,
/// record ID): the rows of `NATIONAL/province=XX/cross_province.parquet` when the job
/// names the pass's folder and the pass has written the province's file (none before its
/// first night).
type Elsewhere = std::collections::HashMap<(String, String, String), assess::Elsewhere>;

fn national_rows(config: &Config) -> Result<Elsewhere> {
    let Some(dir) = &config.national else { return Ok(Elsewhere::new()) };
    let path = dir.join(format!("province={}", config.province)).join("cross_province.parquet");
    if !path.is_file() {
        return Ok(Elsewhere::new());
    }
    let names = ["agency", "source_file", "record_id", "person_id", "population_value", "suggested_value", "note"];
    let c = publish::read::text_columns(&path, &names)?;
    Ok((0..c[0].len())
        .map(|i| {
            // The note: `linked` or `review: …`, then the levels compared.
            let how = c[6][i].split([';', '(']).next().unwrap_or("").trim().to_string();
            let e = assess::Elsewhere {
                person_id: c[3][i].clone(),
                commune: c[4][i].clone(),
                province: c[5][i].clone(),
                how,
            };
            ((c[0][i].clone(), c[1][i].clone(), c[2][i].clone()), e)
        })
        .collect())
}

/// A file's name (what the outputs' `source_file` holds).
fn file_name(path: &Path) -> String {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string()
}

/// The population from its file, or from each part file of its dataset's partition in
/// turn (people and rejected rows concatenated in the files' order, each file accounted
/// for on its own).
fn read_population(
    config: &Config,
    timer: &mut Timer,
    progress: &dyn Progress,
) -> Result<(Vec<Person>, Vec<ingest::Rejected>, Vec<PopulationFile>)> {
    let pop = &config.population;
    let (province, today) = (config.province.as_str(), config.today);
    let (mut people, mut rejected, mut files) = (Vec::new(), Vec::new(), Vec::new());
    for path in &config.population_parts {
        let table = timer.time("ingest", || ingest::read(path, &pop.rules))?;
        let mut file = file_info(path, &table, &pop.rules, province, &today);
        file.warnings.extend(normalize::profile::missing_required(&table, &pop.rules));
        progress.stage("normalize", "population");
        let (p, r) = timer.time("normalize", || normalize::people(&table, &pop.rules, province, &today));
        files.push(PopulationFile { file, loaded: p.len(), rejected: r.len() });
        if people.is_empty() {
            people = p;
        } else {
            people.extend(p);
        }
        rejected.extend(r);
    }
    Ok((people, rejected, files))
}

/// A file as read, with the warnings of its mapped columns (most sampled values of a
/// commune, address, date or ID column that do not parse).
fn file_info(
    path: &Path,
    table: &ingest::Table,
    rules: &config::Rules,
    province: &str,
    today: &PartialDate,
) -> FileInfo {
    let profile = normalize::profile::profile(table, rules, province, today);
    let warnings = profile.iter().filter_map(normalize::profile::ColumnProfile::warning).collect();
    FileInfo {
        path: path.to_path_buf(),
        size: table.size,
        sha256: table.sha256.clone(),
        rows: table.rows_read,
        encoding: table.encoding.label().to_string(),
        warnings,
        profile,
    }
}

/// Each of an agency's files with the outcomes of its rows: assess gives one outcome per
/// record (in order), then one per rejected row.
fn source_files(
    files: Vec<(config::Input, FileInfo)>,
    records: &[crate::normalize::Record],
    rejected: &[ingest::Rejected],
    assessment: &assess::Assessment,
) -> Vec<SourceFile> {
    let sources = records.iter().map(|r| r.source).chain(rejected.iter().map(|r| r.source));
    let mut outcomes: Vec<Vec<&assess::RecordOutcome>> = vec![Vec::new(); files.len()];
    for (source, outcome) in sources.zip(&assessment.outcomes) {
        outcomes[source as usize].push(outcome);
    }
    files
        .into_iter()
        .zip(outcomes)
        .map(|((input, file), o)| SourceFile { input, file, counts: Counts::of(o) })
        .collect()
}

/// One agency computed: each of its files (from the reader thread) normalized with its
/// own rules, then linked, assessed and scored as one registry.
fn agency(
    config: &Config,
    progress: &dyn Progress,
    timer: &mut Timer,
    (people, index, elsewhere): (&[Person], &link::tier3::Index, &Elsewhere),
    group: &[usize],
    tables: &std::sync::mpsc::Receiver<(Result<ingest::Table>, u64)>,
) -> Result<AgencyRun> {
    let (province, today) = (config.province.as_str(), config.today);
    let input = &config.registries[group[0]];
    // Each of the agency's files, normalized with its own rules; their records
    // and rejected rows follow one another, each knowing its file.
    let (mut records, mut rejected, mut files) = (Vec::new(), Vec::new(), Vec::new());
    for (source, &f) in group.iter().enumerate() {
        let file_input = &config.registries[f];
        let (table, ms) = tables.recv().expect("the reader thread sends one table per registry until one fails");
        timer.add("ingest", ms);
        let table = table?;
        files.push((file_input.clone(), file_info(&file_input.path, &table, &file_input.rules, province, &today)));
        progress.stage("normalize", &input.agency);
        let (mut r, mut j) =
            timer.time("normalize", || normalize::records(&table, &file_input.rules, province, &today));
        drop(table);
        let source = source as u16;
        r.iter_mut().for_each(|r| r.source = source);
        j.iter_mut().for_each(|j| j.source = source);
        // An agency's first (usually only) file: its records as they are, not
        // copied (a record is 688 bytes: the copy of 480 000 of them was a
        // twentieth of the run, most of it the kernel zeroing fresh pages).
        if records.is_empty() {
            records = r;
        } else {
            records.append(&mut r);
        }
        rejected.append(&mut j);
    }
    progress.stage("link", &input.agency);
    let batch = link::tier3::Batch::registry(input.rules.cardinality, config.seed);
    let (links, model) = timer.time("link", || link::link(people, index, &records, &config.thresholds, batch));
    progress.stage("assess", &input.agency);
    let names: Vec<String> = files.iter().map(|(i, _)| file_name(&i.path)).collect();
    let found = |r: &crate::normalize::Record| {
        elsewhere.get(&(input.agency.clone(), names[r.source as usize].clone(), r.record_id.to_string())).cloned()
    };
    let assessment =
        timer.time("assess", || assess::assess(people, &records, &links, &rejected, &input.rules, &today, &found));
    progress.stage("score", &input.agency);
    let scores = timer.time("score", || score::score(&assessment.outcomes, &input.rules.weights));
    let counts = Counts::of(&assessment.outcomes);
    let files = source_files(files, &records, &rejected, &assessment);
    let code_counts = AgencyRun::count_codes(&assessment);
    Ok(AgencyRun {
        input: input.clone(),
        files,
        records,
        links,
        model,
        rejected,
        assessment,
        scores,
        counts,
        code_counts,
    })
}
