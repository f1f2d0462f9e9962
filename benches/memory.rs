//! Where a run's memory goes, in bytes per person and per record: a realistic generated
//! province (`profiles/realistic.toml`, seed 11) taken through the stages one by one in
//! this process, with an allocator that counts the bytes live (requested sizes, as the
//! program asks for them; the allocator's own rounding comes on top). For each stage it
//! prints what stays live once the stage is done and the peak while it ran, so that a
//! change to a data structure shows in its own line, and the size of the structures a run
//! holds a million at a time.
//!
//! `cargo bench --bench memory`; `DOISOAT_BENCH_PEOPLE` (default 200 000) to resize,
//! `DOISOAT_BENCH_JOB=path/job.toml` to measure an existing job instead.

use doisoat::{assess, ingest, link, normalize};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The system allocator, counting the bytes live and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed through to the system allocator unchanged; the counters
// only add and subtract the sizes asked for.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(now, Relaxed);
        // SAFETY: the caller's layout, as the caller gave it.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: the pointer came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= layout.size() {
            let now = LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
            PEAK.fetch_max(now, Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        // SAFETY: as the caller gave them.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f`, then prints what it left live (beyond what was live before) and its peak,
/// per `unit`: `n` of them, counted on what `f` gave.
fn stage<T>(label: &str, unit: &str, f: impl FnOnce() -> T, n: impl FnOnce(&T) -> usize) -> T {
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let out = f();
    let (after, peak) = (LIVE.load(Relaxed), PEAK.load(Relaxed));
    let n = n(&out);
    let per = |b: usize| b as f64 / n.max(1) as f64;
    println!(
        "{label:<34} {:>9} {unit}s  kept {:>8.0} B/{unit}  peak {:>8.0} B/{unit}  ({:.0} MB kept)",
        n,
        per(after.saturating_sub(before)),
        per(peak - before),
        after.saturating_sub(before) as f64 / 1e6
    );
    out
}

fn job() -> (PathBuf, Option<tempfile::TempDir>) {
    if let Ok(job) = std::env::var("DOISOAT_BENCH_JOB") {
        return (PathBuf::from(job), None);
    }
    let people: usize = std::env::var("DOISOAT_BENCH_PEOPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let profile = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/realistic.toml");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_doisoat"))
        .args(["generate", "--people", &people.to_string(), "--seed", "11", "--out", "p", "--profile"])
        .arg(profile)
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("generate");
    assert!(status.success());
    (dir.path().join("p/job.toml"), Some(dir))
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let (job, _dir) = job();
    let cfg = doisoat::pipeline::load(&job, &doisoat::config::RunOptions::default()).expect("job");
    let (province, today) = (cfg.province.as_str(), cfg.today);
    println!(
        "structures: Person {} B, Record {} B, Link {} B, Discrepancy {} B, RecordOutcome {} B",
        size_of::<normalize::Person>(),
        size_of::<normalize::Record>(),
        size_of::<link::Link>(),
        size_of::<assess::Discrepancy>(),
        size_of::<assess::RecordOutcome>()
    );
    let pop = &cfg.population;
    let rows = |t: &ingest::Table| t.rows_read as usize;
    let table = stage("population: read table", "person", || ingest::read(&pop.path, &pop.rules).expect("read"), rows);
    let rows = rows(&table);
    let people = stage(
        "population: normalize",
        "person",
        || normalize::people(&table, &pop.rules, province, &today).0,
        |_| rows,
    );
    drop(table);
    person_fields(&people);
    let settings = link::tier3::Settings::compile(&cfg.model);
    let index = stage(
        "population: index (ID maps, keys)",
        "person",
        || link::tier3::index(&people, settings),
        |_| people.len(),
    );
    // Every rule's maps at once (a run builds a rule's when a registry first needs it).
    stage("population: rule blocks (every rule)", "person", || index.build_all(&people), |_| people.len());
    for group in cfg.agencies() {
        let input = &cfg.registries[group[0]];
        let agency = input.agency.as_str();
        let mut records = Vec::new();
        let mut rejected = Vec::new();
        for &f in &group {
            let file = &cfg.registries[f];
            let table = ingest::read(&file.path, &file.rules).expect("registry");
            let n = table.rows_read as usize;
            let normalized = || normalize::records(&table, &file.rules, province, &today);
            let (mut r, mut j) = stage(&format!("{agency}: normalize"), "record", normalized, |_| n);
            records.append(&mut r);
            rejected.append(&mut j);
        }
        let n = records.len();
        let batch = link::tier3::Batch::registry(input.rules.cardinality, cfg.seed);
        let linked = || link::link(&people, &index, &records, &cfg.thresholds, batch);
        let (links, _model) = stage(&format!("{agency}: link (+ rule blocks)"), "record", linked, |_| n);
        let found = |_: &normalize::Record| None;
        let assessed = || assess::assess(&people, &records, &links, &rejected, &input.rules, &today, &found);
        let assessment = stage(&format!("{agency}: assess"), "record", assessed, |_| n);
        println!(
            "{:<34} {} discrepancies, {:.2} per record",
            "",
            assessment.discrepancies.len(),
            assessment.discrepancies.len() as f64 / n.max(1) as f64
        );
    }
}

/// The heap bytes of a person's text fields (their capacities), per person: which fields
/// a smaller person would start from.
fn person_fields(people: &[normalize::Person]) {
    let n = people.len().max(1) as f64;
    let name = |n: &doisoat::vn::name::Name| n.display.len() + n.key.len() + n.folded.len();
    let fields: [(&str, usize); 7] = [
        ("name as written", people.iter().map(|p| p.name_raw.len()).sum()),
        ("name (display, key, folded)", people.iter().map(|p| name(&p.name)).sum()),
        ("IDs (personal, legacy)", people.iter().map(|p| p.pid.digits.len() + p.legacy.digits.len()).sum()),
        (
            "commune (code, legacy name)",
            people
                .iter()
                .filter_map(|p| p.commune.as_ref())
                .map(|c| c.code.len() + c.legacy_name.as_ref().map_or(0, |n| n.len()))
                .sum(),
        ),
        (
            "parents (boxed names)",
            people
                .iter()
                .flat_map(|p| [p.father.as_deref(), p.mother.as_deref()])
                .flatten()
                .map(|b| size_of_val(b) + name(b))
                .sum(),
        ),
        (
            "attributes",
            people
                .iter()
                .map(|p| {
                    p.attributes.capacity() * size_of::<(String, String)>()
                        + p.attributes.iter().map(|(k, v)| k.capacity() + v.capacity()).sum::<usize>()
                })
                .sum(),
        ),
        ("the struct itself", size_of_val(people)),
    ];
    for (label, bytes) in fields {
        println!("{:<34} {:>8.1} B/person", format!("  person: {label}"), bytes as f64 / n);
    }
}
