//! Generator bench: a synthetic province of 1 M people with its four registries and
//! truth, written to disk, in release mode. Target ≤ 20 s on 2 cores.
//! `cargo bench --bench generate`; `DOISOAT_BENCH_PEOPLE` to resize.

use doisoat::synth::{generate, profile::Profile, Options};
use doisoat::vn::date::PartialDate;
use std::time::Instant;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("DOISOAT_BENCH_PEOPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let today = PartialDate { year: 2026, month: 11, day: 29 };
    let t = Instant::now();
    let s =
        generate(dir.path(), &Options { people: n, seed: 1, profile: Profile::default(), today }).expect("generate");
    let secs = t.elapsed().as_secs_f64();
    let rows: usize = s.registries.iter().map(|r| r.1).sum();
    println!("generate/{n} people + {rows} registry rows + truth: {secs:.2} s");
    for (agency, n) in &s.registries {
        println!("  {agency:<14} {n:>9} rows");
    }
}
