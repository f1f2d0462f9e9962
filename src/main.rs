//! The `doisoat` command line: clap → checked configuration → library → rendering and
//! exit codes. Exit codes (SPEC §4): 0 success; 1 the run failed (nothing published);
//! 2 usage or rules error; 3 published, but a quality gate failed.

use clap::{Parser, Subcommand};
use doisoat::config::{self, RunOptions};
use doisoat::handoff::RunReport;
use doisoat::vn::describe;
use doisoat::{Error, Progress};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Writes to stdout. A closed pipe (`doisoat evaluate … | head -1`) ends the output
/// quietly: what the command did stands, and its exit code with it (Rust's `print!`
/// panics there, exit 101).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// [`out!`] with a line end.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Writes a line to stderr, quietly when it is closed.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "doisoat",
    version,
    about = "Reconcile a province's sectoral registries against its population-register extract"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the nightly batch of a job and publish it.
    ///
    /// Example: doisoat run --job /data/laichau/job.toml --run-id 2026-11-29
    Run {
        /// The job file (TOML).
        #[arg(long)]
        job: PathBuf,
        /// Publish under this run root instead of the job's.
        #[arg(long)]
        run_root: Option<PathBuf>,
        /// Run ID (folder name); default today's date, YYYY-MM-DD.
        #[arg(long)]
        run_id: Option<String>,
        /// The partition of the job's dataset folders to read, as KEY=VALUE (repeat for
        /// several keys): `--partition province=12` reads `…/province=12/…` only.
        #[arg(long, value_parser = partition_arg)]
        partition: Vec<(String, String)>,
        /// A run split into tasks by agency: task K computes the agencies whose place in
        /// the job is K modulo N and leaves their folders for --merge (separate processes,
        /// on separate machines sharing the run root).
        #[command(flatten)]
        split: Split,
    },
    /// Generate a synthetic province into a folder and run the batch on it.
    ///
    /// Example: doisoat demo --people 20000 --out ./doisoat-demo
    Demo {
        /// People in the synthetic province.
        #[arg(long, default_value_t = 20_000)]
        people: usize,
        /// Where to write it (default ./doisoat-demo).
        #[arg(long, default_value = "doisoat-demo")]
        out: PathBuf,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Run ID; default today's date.
        #[arg(long)]
        run_id: Option<String>,
    },
    /// Generate a synthetic province with ground truth: population, four registries in
    /// their agencies' formats, a job file and truth/.
    ///
    /// Example: doisoat generate --people 100000 --seed 7 --out /tmp/laichau
    Generate {
        /// People in the population.
        #[arg(long)]
        people: usize,
        /// Seed (same seed, same files).
        #[arg(long)]
        seed: u64,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Error-model profile (TOML); default rates when absent.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// The day the extract is taken (YYYY-MM-DD); default 2026-11-29, fixed so that a
        /// seed always gives the same files.
        #[arg(long, default_value = "2026-11-29")]
        date: String,
        /// A nation of this many provinces (`--people` each, Lai Châu first), with people
        /// who moved between them: a population lake (`lake/population/province=XX/`),
        /// each province's registries and job in `provinces/XX/`, and the truth of the
        /// records held where their person no longer lives in `truth/cross_province.csv`.
        #[arg(long, default_value_t = 1)]
        provinces: usize,
    },
    /// Measure a run against the truth of a generated province; writes evaluation.json
    /// into the run folder.
    ///
    /// Example: doisoat evaluate --run /tmp/laichau/runs/2026-11-29 --truth /tmp/laichau/truth
    Evaluate {
        /// The run folder.
        #[arg(long)]
        run: PathBuf,
        /// The truth folder.
        #[arg(long)]
        truth: PathBuf,
        /// The run's job: also measure the blocking ceiling (the share of true pairs some
        /// blocking rule lets through; reads the job's files again).
        #[arg(long)]
        job: Option<PathBuf>,
    },
    /// Why a record linked (or not): tier, blocking rule, each field's level and
    /// weight, total weight and probability, the runner-up. Read from the run.
    ///
    /// Example: doisoat explain --run runs/2026-11-29 --agency insurance --record 1201000009
    Explain {
        /// The run folder.
        #[arg(long)]
        run: PathBuf,
        /// Agency key.
        #[arg(long)]
        agency: String,
        /// Record ID.
        #[arg(long)]
        record: String,
    },
    /// Check a job file (its rules and input headers) or a folder of rules files; report
    /// every problem at once.
    ///
    /// Examples: doisoat check-rules rules/   ·   doisoat check-rules job.toml
    CheckRules {
        /// A job file or a folder of rules files (default: rules).
        #[arg(default_value = "rules")]
        path: PathBuf,
    },
    /// Write a job and its rules files from the files themselves: each column placed by
    /// its header (a dictionary of Vietnamese spellings) and its values, the encoding,
    /// date order, registry kind, cardinality and status spellings guessed, every guess
    /// commented, the columns it could not place listed for a person to decide. The job
    /// is loaded back before init ends: it runs as it is.
    ///
    /// Example: doisoat init --population dan_cu.csv --registry bhxh.xlsx --registry civil_status=khai_sinh.csv --registry civil_status=khai_tu.csv --out laichau
    Init {
        /// The population extract.
        #[arg(long)]
        population: PathBuf,
        /// A registry's file, as FILE or AGENCY=FILE (an agency with several files names
        /// each with the same key). Repeat for each.
        #[arg(long, required = true)]
        registry: Vec<String>,
        /// Where to write job.toml and rules/ (default: the current folder).
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// The 2025 province code; guessed from the population's communes when absent.
        #[arg(long)]
        province: Option<String>,
        /// Replace an existing job.toml.
        #[arg(long)]
        force: bool,
        /// For dataset folders: the partition to read, KEY=VALUE (written in the job).
        #[arg(long, value_parser = partition_arg)]
        partition: Vec<(String, String)>,
    },
    /// The cross-province pass: look for the records no province run found (each run's
    /// residue) among the people of the other provinces of the population lake, and
    /// write back to each province its RESIDES_IN_OTHER_PROVINCE rows
    /// (OUT/province=XX/cross_province.{csv,parquet}). Split it with --task K --tasks N
    /// (task K takes every Nth province partition), then --merge --tasks N.
    ///
    /// Example: doisoat national --population lake/population --rules rules/population.toml --residue runs/ --out national
    National {
        /// The population lake: a folder of province=XX partitions.
        #[arg(long)]
        population: PathBuf,
        /// The population's rules file.
        #[arg(long)]
        rules: PathBuf,
        /// Province runs: a run folder, a folder of them, or a residue.parquet. Repeat.
        #[arg(long = "residue", required = true)]
        residues: Vec<PathBuf>,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Task K links only every Nth partition and writes its task file; --merge writes
        /// the provinces' files from the N task files.
        #[command(flatten)]
        split: Split,
        /// The reference day (YYYY-MM-DD); default today.
        #[arg(long)]
        date: Option<String>,
        /// Seed of tier 3's samples.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Normalize values given as arguments or on stdin (one per line); prints TSV.
    ///
    /// Example: echo "NGUYỄN  VĂN hoà" | doisoat normalize name
    Normalize {
        /// What the values are.
        #[arg(value_enum)]
        kind: NormalizeKind,
        /// 2025 province code for commune names (addresses).
        #[arg(long, default_value = "12")]
        province: String,
        /// Print a header line first.
        #[arg(long)]
        header: bool,
        /// Values; read from stdin when none are given.
        values: Vec<String>,
    },
}

/// How a run or the national pass is split into tasks run as separate processes.
#[derive(clap::Args, Debug)]
struct Split {
    /// This task's number (0 to N-1).
    #[arg(long, requires = "tasks")]
    task: Option<usize>,
    /// How many tasks the work is split into.
    #[arg(long)]
    tasks: Option<usize>,
    /// Merge the N tasks' results, once every task has finished.
    #[arg(long, requires = "tasks", conflicts_with = "task")]
    merge: bool,
}

/// What a [`Split`] asks for.
enum Mode {
    Whole,
    Task(usize, usize),
    Merge(usize),
}

impl Split {
    fn mode(&self) -> Result<Mode, Error> {
        match (self.task, self.tasks, self.merge) {
            (Some(k), Some(n), _) => Ok(Mode::Task(k, n)),
            (None, Some(n), true) => Ok(Mode::Merge(n)),
            (None, Some(_), false) => {
                Err(Error::Usage("--tasks without --task or --merge: give --task K (0 to N-1) or --merge".into()))
            }
            _ => Ok(Mode::Whole),
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum NormalizeKind {
    Name,
    Address,
    Id,
    Date,
}

/// Progress on stderr: a spinner on a terminal, plain log lines otherwise.
struct Render {
    bar: Option<indicatif::ProgressBar>,
}

impl Render {
    fn new() -> Render {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Render { bar }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl Progress for Render {
    fn stage(&self, stage: &str, input: &str) {
        match &self.bar {
            Some(b) => b.set_message(format!("{stage} {input}")),
            None => errln!("doisoat: {stage} {input}"),
        }
    }
}

fn fmt_score(s: Option<f64>) -> String {
    s.map(|s| format!("{s:.1}")).unwrap_or_else(|| "–".into())
}

fn summary(report: &RunReport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<14} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6} {:>7}  top codes\n",
        "agency", "records", "linked", "reject", "đúng", "đủ", "sạch", "sống", "overall"
    ));
    for a in &report.agencies {
        let top: Vec<String> = a.top_codes.iter().take(3).map(|(c, n)| format!("{c} {n}")).collect();
        out.push_str(&format!(
            "{:<14} {:>7} {:>7} {:>7} {:>6} {:>6} {:>6} {:>6} {:>7}  {}\n",
            a.agency,
            a.counts.rows,
            a.counts.linked,
            a.counts.rejected,
            fmt_score(a.scores.dung.score),
            fmt_score(a.scores.du.score),
            fmt_score(a.scores.sach.score),
            fmt_score(a.scores.song.score),
            fmt_score(a.scores.overall),
            top.join(", ")
        ));
    }
    let fixed: u64 = report.agencies.iter().map(|a| a.resolved).sum();
    let new: u64 = report.agencies.iter().map(|a| a.new).sum();
    out.push_str(&format!(
        "population: {} people loaded, {} rows rejected\n",
        report.population.0, report.population.1
    ));
    out.push_str(&format!("since the previous run: {fixed} discrepancies fixed, {new} new\n"));
    for (input, w) in &report.warnings {
        out.push_str(&format!("warning: {input}: {w}\n"));
    }
    out.push_str(&format!("run folder: {}\n", report.run_dir.display()));
    out
}

fn run_job(job: &std::path::Path, opts: RunOptions) -> Result<RunReport, Error> {
    let cfg = doisoat::pipeline::load(job, &opts)?;
    let render = Render::new();
    let result = doisoat::run(&cfg, &render);
    render.finish();
    result
}

/// `run`: the whole run, a task of a run split into tasks, or their merge.
fn run_command(job: &std::path::Path, opts: RunOptions, split: &Split) -> Result<ExitCode, Error> {
    match split.mode()? {
        Mode::Task(k, n) => {
            doisoat::alloc::return_freed_memory();
            run_task(job, opts, (k, n))
        }
        Mode::Merge(n) => run_merge(job, opts, n).map(finish_run),
        Mode::Whole => run_job(job, opts).map(finish_run),
    }
}

fn run_task(job: &std::path::Path, opts: RunOptions, task: (usize, usize)) -> Result<ExitCode, Error> {
    let cfg = doisoat::pipeline::load(job, &opts)?;
    let render = Render::new();
    let result = doisoat::pipeline::run_task(&cfg, &render, task);
    render.finish();
    let written = result?;
    outln!("task {} of {}: {written} agencies written for the merge", task.0, task.1);
    Ok(ExitCode::SUCCESS)
}

fn run_merge(job: &std::path::Path, opts: RunOptions, n: usize) -> Result<RunReport, Error> {
    let cfg = doisoat::pipeline::load(job, &opts)?;
    let render = Render::new();
    let result = doisoat::pipeline::merge(&cfg, &render, n);
    render.finish();
    result
}

fn finish_run(report: RunReport) -> ExitCode {
    out!("{}", summary(&report));
    if !report.pruned.removed.is_empty() {
        outln!(
            "removed {} old run(s) by keep_runs: {} (their changes.json kept in feed/changes/)",
            report.pruned.removed.len(),
            report.pruned.removed.join(", ")
        );
    }
    for p in &report.pruned.problems {
        errln!("doisoat: warning: {p}");
    }
    if report.failed_gates.is_empty() {
        ExitCode::SUCCESS
    } else {
        for g in &report.failed_gates {
            errln!("doisoat: quality gate failed: {g}");
        }
        ExitCode::from(3)
    }
}

fn generate(
    out: &std::path::Path,
    people: usize,
    seed: u64,
    profile: Option<&std::path::Path>,
    date: &str,
) -> Result<doisoat::synth::Summary, Error> {
    doisoat::synth::generate(out, &generate_options(people, seed, profile, date)?)
}

/// A `--date` argument: a full date, not after today.
fn date_arg(date: &str) -> Result<doisoat::vn::date::PartialDate, Error> {
    match doisoat::vn::date::parse(date, doisoat::vn::date::DayOrder::Dmy, &config::today()) {
        Ok(Some(d)) if d.day != 0 => Ok(d),
        _ => Err(Error::Usage(format!("--date '{date}' is not a date (YYYY-MM-DD)"))),
    }
}

fn generate_options(
    people: usize,
    seed: u64,
    profile: Option<&std::path::Path>,
    date: &str,
) -> Result<doisoat::synth::Options, Error> {
    let profile = match profile {
        Some(p) => doisoat::synth::profile::Profile::load(p)?,
        None => doisoat::synth::profile::Profile::default(),
    };
    let today = date_arg(date)?;
    if people == 0 {
        return Err(Error::Usage("--people must be at least 1".into()));
    }
    Ok(doisoat::synth::Options { people, seed, profile, today })
}

fn render_nation(n: doisoat::synth::nation::NationSummary) -> ExitCode {
    for (code, s) in &n.provinces {
        outln!("province {code}: {} people; job: {}", s.people, s.job.display());
    }
    outln!(
        "{} people moved between provinces; {} records held where their person no longer lives",
        n.movers,
        n.cross_records
    );
    outln!("truth: {}", n.truth.display());
    ExitCode::SUCCESS
}

fn national(
    population: PathBuf,
    rules: PathBuf,
    residues: Vec<PathBuf>,
    out: PathBuf,
    split: &Split,
    date: Option<&str>,
    seed: u64,
) -> Result<ExitCode, Error> {
    let today = match date {
        None => config::today(),
        Some(d) => date_arg(d)?,
    };
    let (task, merge) = match split.mode()? {
        Mode::Task(k, n) => (Some((k, n)), None),
        Mode::Merge(n) => (None, Some(n)),
        Mode::Whole => (None, None),
    };
    let run_id = format!("national-{today}");
    let opts = doisoat::national::Options { population, rules, residues, out, task, merge, today, seed, run_id };
    doisoat::national::run(&opts).map(|r| {
        outln!("residue: {} records in {} files", r.residue_records, r.residue_files);
        for p in &r.partitions {
            outln!(
                "province {}: {} people ({} rows rejected) in {} files; {} records of other provinces tried, {} found",
                p.province,
                p.people,
                p.rejected,
                p.files.len(),
                p.tried,
                p.hits
            );
        }
        if task.is_none() {
            let elsewhere = r.residue_records - r.linked - r.review;
            outln!(
                "{} records live in another province, {} more for review, {} found in no other province",
                r.linked,
                r.review,
                elsewhere
            );
        }
        for w in &r.written {
            outln!("written: {}", w.display());
        }
        ExitCode::SUCCESS
    })
}

fn render_evaluation(ev: &doisoat::evaluate::Evaluation) -> String {
    let mut s = String::new();
    let line = |name: &str, p: &doisoat::evaluate::Prf| {
        format!(
            "{name:<34} {:>8} {:>7} {:>7} {:>9.4} {:>7.4} {:>7.4}\n",
            p.tp, p.fp, p.fn_, p.precision, p.recall, p.f1
        )
    };
    s.push_str(&format!(
        "{:<34} {:>8} {:>7} {:>7} {:>9} {:>7} {:>7}\n",
        "links", "tp", "fp", "fn", "precision", "recall", "f1"
    ));
    for (agency, le) in &ev.links {
        s.push_str(&line(agency, &le.overall));
        s.push_str(&line(&format!("  {agency}: without usable ID"), &le.without_usable_id));
        for (tier, p) in &le.by_tier {
            s.push_str(&line(&format!("  {agency}: {tier} (precision)"), p));
        }
    }
    s.push_str(&line("ALL", &ev.links_overall.overall));
    s.push_str(&line("ALL: without usable ID", &ev.links_overall.without_usable_id));
    s.push_str(&format!(
        "\n{:<34} {:>8} {:>7} {:>7} {:>9} {:>7} {:>7}\n",
        "codes", "tp", "fp", "fn", "precision", "recall", "f1"
    ));
    for (code, p) in &ev.codes {
        s.push_str(&line(code, p));
    }
    if !ev.confusion.is_empty() {
        s.push_str("\nworst codes: what was reported instead on the rows where they were missed\n");
        for (code, instead) in &ev.confusion {
            let mut v: Vec<(&String, &u64)> = instead.iter().collect();
            v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let top: Vec<String> = v.iter().take(4).map(|(c, n)| format!("{c} {n}")).collect();
            s.push_str(&format!("  {code:<28} {}\n", top.join(", ")));
        }
    }
    if !ev.blocking.is_empty() {
        s.push_str("\nblocking ceiling: true pairs tier 3 had to find, and those some rule lets through\n");
        for (agency, c) in &ev.blocking {
            let rules: Vec<String> = c.by_rule.iter().map(|(r, n)| format!("{r} {n}")).collect();
            s.push_str(&format!(
                "  {agency:<16} {:>8} {:>8} {:>7.4}  first found by: {}\n",
                c.true_pairs,
                c.let_through,
                c.ceiling,
                rules.join(", ")
            ));
        }
    }
    s
}

/// The input profile of each file: per checked column, the values that parsed and the
/// commonest shapes of those that did not.
/// A `--partition` value: KEY=VALUE.
fn partition_arg(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("'{s}' is not KEY=VALUE (e.g. province=12)")),
    }
}

fn render_profiles(files: &[doisoat::handoff::FileInfo]) -> String {
    let mut s = String::new();
    for f in files {
        s.push_str(&format!("\n{} ({}, {} rows)\n", f.path.display(), f.encoding, f.rows));
        for c in &f.profile {
            let share = if c.values == 0 { 100.0 } else { 100.0 * (c.values - c.failed) as f64 / c.values as f64 };
            s.push_str(&format!(
                "  {:<28} {:<14} {:>5} of {:>5} parse ({share:5.1} %)",
                c.column,
                c.field.name(),
                c.values - c.failed,
                c.values
            ));
            if !c.forms.is_empty() {
                let forms: Vec<String> = c.forms.iter().map(|(form, n)| format!("`{form}` {n}")).collect();
                s.push_str(&format!("; not: {}", forms.join(", ")));
            }
            s.push('\n');
            if let Some(n) = &c.notable {
                let forms: Vec<String> = n.forms.iter().map(|(form, k)| format!("`{form}` {k}")).collect();
                s.push_str(&format!("  {:<43} {} {}: {}\n", "", n.count, n.what.describe(), forms.join(", ")));
            }
        }
    }
    s
}

fn render_init(report: &doisoat::onboard::InitReport) -> String {
    let mut s = format!("province {} — {}\n", report.province.0, report.province.1);
    for f in &report.files {
        s.push_str(&format!("\n{} → {} ({})\n", f.path.display(), f.agency, f.rules.display()));
        for (header, field) in &f.mapped {
            s.push_str(&format!("  {header:<32} {}\n", field.name()));
        }
        for (header, why) in &f.unplaced {
            s.push_str(&format!("  {header:<32} not placed: {why}\n"));
        }
        if !f.missing.is_empty() {
            let names: Vec<&str> = f.missing.iter().map(|m| m.name()).collect();
            s.push_str(&format!("  LEFT OUT of the job: no column for {}\n", names.join(", ")));
        }
    }
    s.push_str(&format!(
        "\nwritten: {}\nnext: doisoat check-rules {0}   then   doisoat run --job {0}\n",
        report.job.display()
    ));
    s
}

fn main() -> ExitCode {
    doisoat::alloc::keep_freed_memory();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { job, run_root, run_id, partition, split } => {
            let opts = RunOptions { run_root, run_id, today: None, partition };
            run_command(&job, opts, &split)
        }
        Command::Demo { people, out, seed, run_id } => {
            generate(&out, people, seed, None, "2026-11-29").and_then(|summary| {
                let report = run_job(
                    &summary.job,
                    RunOptions { run_root: Some(out.join("runs")), run_id, ..RunOptions::default() },
                )?;
                let code = finish_run(report);
                Ok(code)
            })
        }
        Command::Generate { people, seed, out, profile, date, provinces } if provinces != 1 => {
            generate_options(people, seed, profile.as_deref(), &date)
                .and_then(|opts| doisoat::synth::nation::generate(&out, &opts, provinces))
                .map(render_nation)
        }
        Command::Generate { people, seed, out, profile, date, .. } => {
            generate(&out, people, seed, profile.as_deref(), &date).map(|s| {
                outln!(
                    "{} people; {}",
                    s.people,
                    s.registries.iter().map(|(a, n)| format!("{a} {n} rows")).collect::<Vec<_>>().join(", ")
                );
                outln!("job: {}", s.job.display());
                ExitCode::SUCCESS
            })
        }
        Command::Evaluate { run, truth, job } => {
            doisoat::evaluate::evaluate_with(&run, &truth, job.as_deref()).map(|ev| {
                out!("{}", render_evaluation(&ev));
                outln!("written: {}", run.join("evaluation.json").display());
                ExitCode::SUCCESS
            })
        }
        Command::Explain { run, agency, record } => doisoat::explain::explain(&run, &agency, &record).map(|e| {
            out!("{e}");
            ExitCode::SUCCESS
        }),
        Command::CheckRules { path } => doisoat::pipeline::check_rules(&path).map(|(n, files)| {
            outln!("{}: {n} file(s) checked, no problems", path.display());
            out!("{}", render_profiles(&files));
            for f in &files {
                for w in &f.warnings {
                    outln!("warning: {}: {w}", f.path.display());
                }
            }
            ExitCode::SUCCESS
        }),
        Command::Init { population, registry, out, province, force, partition } => {
            let registries = registry
                .iter()
                .map(|r| match r.split_once('=') {
                    Some((agency, file)) if !agency.contains(['/', '\\', '.']) => {
                        (Some(agency.to_string()), PathBuf::from(file))
                    }
                    _ => (None, PathBuf::from(r)),
                })
                .collect();
            let opts = doisoat::onboard::InitOptions {
                population,
                registries,
                out,
                province,
                force,
                partition: partition.into_iter().collect(),
                today: config::today(),
            };
            doisoat::onboard::init(&opts).map(|report| {
                out!("{}", render_init(&report));
                ExitCode::SUCCESS
            })
        }
        Command::National { population, rules, residues, out, split, date, seed } => {
            national(population, rules, residues, out, &split, date.as_deref(), seed)
        }
        Command::Normalize { kind, province, header, values } => {
            let kind = match kind {
                NormalizeKind::Name => describe::Kind::Name,
                NormalizeKind::Address => describe::Kind::Address,
                NormalizeKind::Id => describe::Kind::Id,
                NormalizeKind::Date => describe::Kind::Date,
            };
            let today = config::today();
            let stdout = std::io::stdout();
            let mut out = stdout.lock();
            if header && writeln!(out, "{}", describe::header(kind)).is_err() {
                return ExitCode::SUCCESS;
            }
            let lines: Box<dyn Iterator<Item = String>> = if values.is_empty() {
                Box::new(std::io::stdin().lock().lines().map_while(Result::ok))
            } else {
                Box::new(values.into_iter())
            };
            for v in lines {
                if writeln!(out, "{}", describe::describe(kind, &v, &province, &today)).is_err() {
                    break; // a closed pipe (| head) is success
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            errln!("doisoat: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
