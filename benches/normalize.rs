//! Normalization bench: 1 M population rows (name, DOB, sex, ID, address).
//!
//! Reports rows/s of each normalizer applied row by row (no memo, both cores through
//! rayon), then the time of the pipeline's normalize stage on the same rows read from
//! CSV (which normalizes each distinct name and commune once). Target: the stage in
//! ≤ 2 s on 2 cores. `cargo bench --bench normalize`; `DOISOAT_BENCH_PEOPLE` to resize.

#[path = "support/mod.rs"]
mod support;
use support::*;

use doisoat::vn::{address, admin, date, id, name::Name, sex};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::time::Instant;

struct Row {
    name: String,
    dob: String,
    sex: &'static str,
    id: String,
    address: String,
}

fn rows(n: usize) -> Vec<Row> {
    let mut rng = Rng(0xb0b0_cafe);
    (0..n)
        .map(|i| {
            let male = rng.below(2) == 0;
            let middle = if male { rng.pick(MIDDLE_M) } else { rng.pick(MIDDLE_F) };
            let mut name = format!("{} {} {}", rng.pick(SURNAMES), middle, rng.pick(GIVEN));
            if rng.below(10) == 0 {
                name = name.to_uppercase();
            }
            let year = 1940 + rng.below(85);
            let dob = match rng.below(10) {
                0 => format!("{year}"),
                1 => format!("00/00/{year}"),
                _ => format!("{:02}/{:02}/{year}", 1 + rng.below(28), 1 + rng.below(12)),
            };
            let id = format!("012{}{:02}{:06}", u64::from(!male), year % 100, i % 1_000_000);
            let commune = COMMUNES[rng.below(COMMUNES.len() as u64) as usize];
            let address = match rng.below(3) {
                0 => format!("Bản Nà {}, X. Nà Tăm, H. Tam Đường, T. Lai Châu", rng.below(20)),
                1 => format!("Tổ {}, Phường Đoàn Kết, Tỉnh Lai Châu", rng.below(20)),
                _ => format!("Bản Mới, {commune}"),
            };
            Row { name, dob, sex: if male { "Nam" } else { "Nữ" }, id, address }
        })
        .collect()
}

fn time<T: Send>(label: &str, n: usize, f: impl Fn() -> Vec<T>) {
    let t = Instant::now();
    let out = f();
    let s = t.elapsed().as_secs_f64();
    assert_eq!(out.len(), n);
    println!("  {label:<28} {:>8.0} k rows/s  ({s:.2} s)", n as f64 / s / 1e3);
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n: usize = std::env::var("DOISOAT_BENCH_PEOPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let data = rows(n);
    let today = date::PartialDate { year: 2026, month: 11, day: 29 };
    let units = admin::AdminUnits::get();
    let (male, female) = (vec!["nam".to_string()], vec!["nu".to_string()]);
    println!("normalize/{n} rows, each normalizer row by row:");
    time("name", n, || data.par_iter().map(|r| Name::parse(&r.name)).collect());
    time("date of birth", n, || data.par_iter().map(|r| date::parse(&r.dob, date::DayOrder::Dmy, &today)).collect());
    time("sex", n, || data.par_iter().map(|r| sex::parse(r.sex, &male, &female)).collect());
    time("id (+ structural checks)", n, || {
        data.par_iter().map(|r| id::check_personal(&id::parse(&r.id).digits, None, None)).collect()
    });
    time("address (parse + resolve)", n, || {
        data.par_iter()
            .map(|r| {
                let a = address::parse(&r.address);
                a.commune.as_deref().and_then(|c| units.resolve_name(c, a.district.as_deref(), "12"))
            })
            .collect()
    });

    // The pipeline's normalize stage on the same rows, read from a CSV extract.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::with_capacity(n * 120);
    csv.push_str("Số định danh cá nhân,Họ và tên,Ngày sinh,Giới tính,Nơi thường trú\n");
    for r in &data {
        writeln!(csv, "{},{},{},{},\"{}\"", r.id, r.name, r.dob, r.sex, r.address).unwrap();
    }
    let path = dir.path().join("population.csv");
    std::fs::write(&path, csv).unwrap();
    let rules: doisoat::config::Rules = toml::from_str(
        r#"kind = "population"
[columns]
"Số định danh cá nhân" = "id"
"Họ và tên" = "full_name"
"Ngày sinh" = "dob"
"Giới tính" = "sex"
"Nơi thường trú" = "address"
"#,
    )
    .unwrap();
    let t = Instant::now();
    let table = doisoat::ingest::read(&path, &rules).unwrap();
    let read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let (people, rejected) = doisoat::normalize::people(&table, &rules, "12", &today);
    let s = t.elapsed().as_secs_f64();
    assert_eq!(people.len() + rejected.len(), n);
    println!(
        "pipeline normalize stage:       {s:.2} s for {n} rows ({:.0} k rows/s); CSV read {read:.2} s",
        n as f64 / s / 1e3
    );
}
