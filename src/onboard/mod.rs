//! `doisoat init`: a job and its rules files written from the files themselves. Each
//! file's header and a sample of its rows are read ([`sample`]); the header dictionary
//! and the values place each column ([`headers`], [`place`]); the kind of registry, its
//! cardinality, its spellings and its date order are guessed ([`guess`], [`plan`]); the
//! files are written with every guess commented ([`write`]) and the job is loaded back
//! as a run would load it, so what `init` writes runs as it is.

pub mod guess;
pub mod headers;
pub mod place;
pub mod plan;
pub mod sample;
mod write;

use crate::config::{safe_key, Field, RunOptions};
use crate::error::{Error, Result};
use crate::normalize::profile::{reads_as, ValueKind};
use crate::vn::admin::AdminUnits;
use crate::vn::date::{DayOrder, PartialDate};
use guess::Agency;
use plan::{Guess, Plan};
use sample::Sample;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// What `init` is asked.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The population extract.
    pub population: PathBuf,
    /// The registries' files, each with its agency key when given (`land=parcels.csv`).
    pub registries: Vec<(Option<String>, PathBuf)>,
    /// Where the job and `rules/` go.
    pub out: PathBuf,
    /// The 2025 province code, when known; else guessed from the population.
    pub province: Option<String>,
    /// Replace an existing job file.
    pub force: bool,
    /// The partition of dataset folders to read (written in the job's `[partition]`).
    pub partition: std::collections::BTreeMap<String, String>,
    /// The day dates may not be after.
    pub today: PartialDate,
}

/// One file as `init` placed it.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The data file.
    pub path: PathBuf,
    /// Agency key (`population` for the extract).
    pub agency: String,
    /// The rules file written.
    pub rules: PathBuf,
    /// Columns mapped: header, field.
    pub mapped: Vec<(String, Field)>,
    /// Columns left for a person: header, why.
    pub unplaced: Vec<(String, String)>,
    /// Fields a run needs that no column holds: the registry is left out of the job.
    pub missing: Vec<Field>,
}

/// What `init` wrote.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// The job file.
    pub job: PathBuf,
    /// The province and why.
    pub province: (String, String),
    /// The population, then each registry file.
    pub files: Vec<FileReport>,
}

/// Reads the files, writes the job and its rules, and checks the job loads.
pub fn init(opts: &InitOptions) -> Result<InitReport> {
    let job_path = opts.out.join("job.toml");
    if job_path.exists() && !opts.force {
        return Err(Error::Usage(format!("{} exists: give --force to replace it", job_path.display())));
    }
    let population = Sample::read(&opts.population, &opts.partition)?;
    let registries: Vec<Sample> =
        opts.registries.iter().map(|(_, p)| Sample::read(p, &opts.partition)).collect::<Result<_>>()?;
    let province = match &opts.province {
        Some(p) => Guess { value: p.clone(), why: "given on the command line".into() },
        None => guess_province(&population, &opts.today)?,
    };
    let province_name = AdminUnits::get()
        .provinces()
        .find(|(c, _)| *c == province.value)
        .map(|(_, n)| n.to_string())
        .ok_or_else(|| Error::Usage(format!("'{}' is no 2025 province code", province.value)))?;
    let pop_plan = plan::plan(&population, true, None, &province.value, &opts.today);
    if !pop_plan.missing.is_empty() {
        let names: Vec<&str> = pop_plan.missing.iter().map(|f| f.name()).collect();
        let headers: Vec<&str> = population.columns.iter().map(|c| c.header.as_str()).collect();
        return Err(Error::Usage(format!(
            "{}: no column of the population extract could be placed as {} (its headers: {}); the job needs them",
            opts.population.display(),
            names.join(" and "),
            headers.join(", ")
        )));
    }
    let mut plans = Vec::new();
    for ((given, path), sample) in opts.registries.iter().zip(&registries) {
        let (key, kind) = agency_of(given.as_deref(), path, sample)?;
        let plan = plan::plan(sample, false, kind, &province.value, &opts.today);
        plans.push((key, plan));
    }
    let files: Vec<PathBuf> = opts.registries.iter().map(|(_, p)| p.clone()).collect();
    let rules_of = rules_paths(&plans, &files);
    write_all(opts, &job_path, &province, &province_name, &pop_plan, &plans, &rules_of)?;
    // What init wrote must run as it is.
    crate::pipeline::load(&job_path, &RunOptions { today: Some(opts.today), ..RunOptions::default() })?;
    let mut files = vec![report(&opts.population, "population", PathBuf::from("rules/population.toml"), &pop_plan)];
    for (((key, plan), (_, path)), rules) in plans.iter().zip(&opts.registries).zip(rules_of) {
        files.push(report(path, key, rules, plan));
    }
    Ok(InitReport { job: job_path, province: (province.value, province.why), files })
}

fn report(path: &Path, agency: &str, rules: PathBuf, plan: &Plan) -> FileReport {
    FileReport {
        path: path.to_path_buf(),
        agency: agency.to_string(),
        rules,
        mapped: write::mapped_names(plan),
        unplaced: plan.unplaced.clone(),
        missing: plan.missing.clone(),
    }
}

/// The rules file of each registry: `rules/<agency>.toml`, or one per file of an agency
/// with several, named after the file (`rules/civil_status-ho_tich_khai_tu.toml`; a
/// number where two files' names fold alike).
fn rules_paths(plans: &[(String, Plan)], files: &[PathBuf]) -> Vec<PathBuf> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (key, _) in plans {
        *count.entry(key.as_str()).or_default() += 1;
    }
    let mut used = std::collections::HashSet::new();
    plans
        .iter()
        .zip(files)
        .enumerate()
        .map(|(i, ((key, _), file))| {
            let stem = file.file_stem().map(|s| headers::fold_header(&s.to_string_lossy()).replace(' ', "_"));
            let mut name = match stem.filter(|s| !s.is_empty() && count[key.as_str()] > 1) {
                Some(stem) => format!("{key}-{}", stem.chars().take(60).collect::<String>()),
                None => key.clone(),
            };
            if !used.insert(name.clone()) {
                name = format!("{name}-{}", i + 1);
                used.insert(name.clone());
            }
            PathBuf::from(format!("rules/{name}.toml"))
        })
        .collect()
}

fn write_all(
    opts: &InitOptions,
    job_path: &Path,
    province: &Guess<String>,
    province_name: &str,
    pop_plan: &Plan,
    plans: &[(String, Plan)],
    rules_of: &[PathBuf],
) -> Result<()> {
    let rules_dir = opts.out.join("rules");
    std::fs::create_dir_all(&rules_dir).map_err(|e| Error::io(&rules_dir, e))?;
    let put = |rel: &Path, text: String| {
        let path = opts.out.join(rel);
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
    };
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    put(Path::new("rules/population.toml"), write::rules(pop_plan, &name(&opts.population)))?;
    let mut inputs = Vec::new();
    let displays: Vec<String> = plans
        .iter()
        .zip(&opts.registries)
        .map(|((key, plan), (_, path))| match &plan.agency {
            Some(a) => a.value.display(province_name),
            None => path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| key.clone()),
        })
        .collect();
    for ((((key, plan), (_, path)), rules), display) in plans.iter().zip(&opts.registries).zip(rules_of).zip(&displays)
    {
        put(rules, write::rules(plan, &name(path)))?;
        let left_out = (!plan.missing.is_empty()).then(|| {
            let names: Vec<&str> = plan.missing.iter().map(|f| f.name()).collect();
            format!("no column was placed as {}", names.join(" and "))
        });
        let why = match &plan.agency {
            Some(a) => format!("{}: {}", a.value.key(), a.why),
            None => format!("agency key '{key}': {}", "from the file's name (no registry kind recognized)"),
        };
        inputs.push(write::JobInput {
            agency: Some((key.as_str(), display.as_str())),
            file: relative(&opts.out, path),
            rules: rules.to_string_lossy().into_owned(),
            left_out,
            why,
        });
    }
    let population = write::JobInput {
        agency: None,
        file: relative(&opts.out, &opts.population),
        rules: "rules/population.toml".into(),
        left_out: None,
        why: String::new(),
    };
    std::fs::write(job_path, write::job(province, &population, &inputs, &opts.partition))
        .map_err(|e| Error::io(job_path, e))
}

/// The agency key and kind of a registry file: the key given on the command line, else
/// the kind its name, headers and values say, else its file name.
fn agency_of(given: Option<&str>, path: &Path, sample: &Sample) -> Result<(String, Option<Guess<Agency>>)> {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let headers: Vec<String> = sample.columns.iter().map(|c| c.header.clone()).collect();
    // The spellings of its columns of few values (a status, an event type).
    let spellings: Vec<String> =
        (0..sample.columns.len()).filter_map(|k| sample.spellings(k)).flatten().map(|(v, _)| v.clone()).collect();
    if let Some(key) = given {
        if !safe_key(key) || key == "population" || key == "feed" {
            return Err(Error::Usage(format!(
                "agency key '{key}': lower-case letters, digits, '_' and '-' only, not 'population' or 'feed'"
            )));
        }
        let kind = Agency::from_key(key).or_else(|| guess::agency(&stem, &headers, &spellings).map(|(a, _)| a));
        let kind = kind.map(|a| Guess { value: a, why: format!("agency key '{key}' given on the command line") });
        return Ok((key.to_string(), kind));
    }
    if let Some((a, words)) = guess::agency(&stem, &headers, &spellings) {
        let why = format!(
            "the file's name, headers and values say {}",
            words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(", ")
        );
        return Ok((a.key().to_string(), Some(Guess { value: a, why })));
    }
    let key: String = headers::fold_header(&stem).replace(' ', "_").chars().take(64).collect();
    if !safe_key(&key) || key == "population" || key == "feed" {
        return Err(Error::Usage(format!(
            "{}: no registry kind recognized and its name makes no agency key; give one as AGENCY=FILE",
            path.display()
        )));
    }
    Ok((key, None))
}

/// The province the population lives in: the one most of its sampled commune codes
/// belong to, else the one its addresses name (`Tỉnh Lai Châu`), else the one in which
/// most of 100 sampled communes and addresses resolve (slow: a spelling fallback for
/// each province).
fn guess_province(population: &Sample, today: &PartialDate) -> Result<Guess<String>> {
    let units = AdminUnits::get();
    let mut values: Vec<(ValueKind, &str)> = Vec::new();
    for c in &population.columns {
        let kind = match headers::lookup(&c.header, true).and_then(|s| s.field) {
            Some(Field::Commune | Field::CurrentCommune) => ValueKind::Commune,
            Some(Field::Address | Field::CurrentAddress) => ValueKind::Address,
            _ => continue,
        };
        values.extend(c.values.iter().take(400).map(|v| (kind, v.as_str())));
    }
    let mut votes: HashMap<&str, usize> = HashMap::new();
    for (_, v) in &values {
        if let Some(u) = units.unit(v.trim()) {
            *votes.entry(u.province.as_str()).or_default() += 1;
        }
    }
    let codes = values.iter().filter(|(_, v)| v.len() == 5 && v.bytes().all(|b| b.is_ascii_digit())).count();
    let mut how = "sampled commune codes of the population are units of";
    if votes.is_empty() {
        how = "sampled addresses of the population name";
        let folded: Vec<String> = values.iter().map(|(_, v)| format!(" {} ", headers::fold_header(v))).collect();
        for (code, name) in units.provinces() {
            let short = name.trim_start_matches("Tỉnh ").trim_start_matches("Thành phố ");
            let key = format!(" {} ", headers::fold_header(short));
            let n = folded.iter().filter(|v| v.contains(&key)).count();
            if n > 0 {
                votes.insert(code, n);
            }
        }
    }
    if votes.is_empty() {
        how = "sampled communes and addresses of the population resolve in";
        values.truncate(100);
        for (code, _) in units.provinces() {
            let n = values
                .iter()
                .filter(|(k, v)| reads_as(*k, v, crate::config::CodeEra::Current, DayOrder::Dmy, code, today))
                .count();
            if n > 0 {
                votes.insert(code, n);
            }
        }
    }
    let best = votes.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)));
    match best {
        Some((code, n)) => {
            let name = units.province_name(code).unwrap_or("");
            let of = if how.contains("codes") { codes } else { values.len() };
            Ok(Guess { value: code.to_string(), why: format!("{n} of {of} {how} {code} ({name})") })
        }
        None => Err(Error::Usage(
            "the population's communes and addresses name no province's units: give --province CODE".into(),
        )),
    }
}

/// `to` as the job in `dir` names it: relative when both are on one path tree, else
/// absolute.
fn relative(dir: &Path, to: &Path) -> String {
    let (Ok(dir), Ok(to)) = (std::fs::canonicalize(dir), std::fs::canonicalize(to)) else {
        return to.to_string_lossy().into_owned();
    };
    let a: Vec<Component> = dir.components().collect();
    let b: Vec<Component> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..a.len() {
        rel.push("..");
    }
    for c in &b[common..] {
        rel.push(c);
    }
    rel.to_string_lossy().into_owned()
}
