//! End-to-end pipeline bench: a population of 1 M people and four registries of 1 M
//! ID-bearing records in total, written as CSV, then the real `doisoat run` in release
//! mode, timed as a whole process. Prints wall time, the stage timings and peak memory
//! from the run's manifest, then times the same stages without outputs in a fresh process
//! and prints what writing the outputs adds, in wall time and in CPU time. Run and stages
//! alternate `DOISOAT_BENCH_REPEAT` times (default 3), each timed after an untimed one of
//! its own kind; the comparison uses the fastest of each.
//!
//! `cargo bench --bench pipeline`; `DOISOAT_BENCH_PEOPLE=200000` for a smaller size
//! (registries are sized to the same total as the population); `DOISOAT_BENCH_NO_ID=0.3`
//! removes the ID of 30 % of the records, so that tier 3 links them;
//! `DOISOAT_BENCH_KEEP=DIR` keeps the generated files in DIR (for profiling);
//! `DOISOAT_BENCH_PROFILE=realistic` (or a profile file) benches instead a province of the
//! synthetic generator with that profile: exports as agencies really write them (legacy
//! encodings, an `.xlsx` workbook, three civil-status files, titles, address styles, the
//! discrepancy volume of 80–95 % pre-2025 addresses).
//!
//! The data is simple on purpose (this is a speed bench, not an accuracy one): names
//! drawn from short lists, IDs with the real structure, Lai Châu communes, and a little
//! damage (upper case, legacy IDs, day/month swaps) so every stage does real work.

use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

// The binary's allocator and settings (src/main.rs), so the stages timed in this process
// run as they do in `doisoat run`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "support/mod.rs"]
mod support;
use support::*;

struct Person {
    pid: String,
    cmnd: String,
    name: String,
    dob: (u32, u32, u32),
    male: bool,
    commune: &'static str,
}

fn people(n: usize, rng: &mut Rng) -> Vec<Person> {
    (0..n)
        .map(|i| {
            let male = rng.below(2) == 0;
            let year = 1940 + rng.below(85) as u32;
            let dob = (1 + rng.below(28) as u32, 1 + rng.below(12) as u32, year);
            let d4 = (if year >= 2000 { 2 } else { 0 }) + u32::from(!male);
            let pid = format!("012{d4}{:02}{:06}", year % 100, i % 1_000_000);
            let cmnd = if year < 2000 && rng.below(3) == 0 { format!("04{:07}", i) } else { String::new() };
            let middle = if male { rng.pick(MIDDLE_M) } else { rng.pick(MIDDLE_F) };
            let name = format!("{} {} {}", rng.pick(SURNAMES), middle, rng.pick(GIVEN));
            Person { pid, cmnd, name, dob, male, commune: COMMUNES[rng.below(COMMUNES.len() as u64) as usize] }
        })
        .collect()
}

/// Writes a generated file and waits until it is on disk, so the kernel's write-back of
/// 200 MB of fresh files does not run during the timed run.
fn write(path: &Path, text: &str) {
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|_| f.sync_all()))
        .expect("write bench file");
}

fn sex(male: bool) -> &'static str {
    if male {
        "Nam"
    } else {
        "Nữ"
    }
}

fn generate(dir: &Path, n: usize) {
    let mut rng = Rng(0x5eed_d015_0a77);
    let pop = people(n, &mut rng);
    let mut s = String::with_capacity(n * 120);
    s.push_str("Số định danh cá nhân,Số CMND,Họ và tên,Ngày sinh,Giới tính,Dân tộc,Mã xã thường trú,Địa chỉ thường trú,Họ tên cha,Họ tên mẹ,Tình trạng hôn nhân,Tình trạng,Ngày mất,Ngày cập nhật\n");
    for p in &pop {
        let dead = rng.below(50) == 0;
        let (st, dd) = if dead { ("Đã chết", "01/01/2024") } else { ("Còn sống", "") };
        let (d, m, y) = p.dob;
        writeln!(
            s,
            "{},{},{},{d:02}/{m:02}/{y},{},Mông,{},\"Bản Nà, Xã {},Tỉnh Lai Châu\",,,Độc thân,{st},{dd},01/01/2024",
            p.pid,
            p.cmnd,
            p.name,
            sex(p.male),
            p.commune,
            p.commune
        )
        .unwrap();
    }
    write(&dir.join("population.csv"), &s);

    // The record's ID: mostly the personal ID, some legacy CMND, a little damage; a
    // share `no_id` (DOISOAT_BENCH_NO_ID) without any, for the probabilistic tier.
    let no_id: f64 = std::env::var("DOISOAT_BENCH_NO_ID").ok().and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let record = |p: &Person, rng: &mut Rng| -> (String, String, String) {
        let id = if (rng.below(1_000_000) as f64) < no_id * 1e6 {
            String::new()
        } else if !p.cmnd.is_empty() && rng.below(4) == 0 {
            p.cmnd.clone()
        } else {
            p.pid.clone()
        };
        let name = if rng.below(10) == 0 { p.name.to_uppercase() } else { p.name.clone() };
        let (d, m, y) = p.dob;
        let dob = if rng.below(50) == 0 { format!("{m:02}/{d:02}/{y}") } else { format!("{d:02}/{m:02}/{y}") };
        (id, name, dob)
    };
    let sizes =
        [("bhxh.csv", 4 * n / 10), ("dat_dai.csv", 3 * n / 10), ("giao_duc.csv", 2 * n / 10), ("ho_tich.csv", n / 10)];
    for (file, size) in sizes {
        let mut s = String::with_capacity(size * 140);
        match file {
            "bhxh.csv" => s.push_str("Mã số BHXH,Họ và tên,Ngày sinh,Giới tính,Số CCCD/CMND,Địa chỉ,Trạng thái thẻ,Ngày cập nhật\n"),
            "dat_dai.csv" => s.push_str("Mã thửa,Tờ bản đồ,Số thửa,Tên chủ sử dụng,Năm sinh,Số giấy tờ,Địa chỉ chủ sử dụng,Tình trạng GCN\n"),
            "giao_duc.csv" => s.push_str("Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Mã định danh,Trường,Lớp,Họ tên cha,Họ tên mẹ,Xã/Phường,Trạng thái\n"),
            _ => s.push_str("Số đăng ký,Loại sự kiện,Ngày đăng ký,Họ và tên,Ngày sinh,Giới tính,Số định danh,Nơi đăng ký,Họ tên cha,Họ tên mẹ\n"),
        }
        for k in 0..size {
            let p = &pop[rng.below(n as u64) as usize];
            let (id, name, dob) = record(p, &mut rng);
            let sx = sex(p.male);
            match file {
                "bhxh.csv" => writeln!(
                    s,
                    "12{k:08},{name},{dob},{sx},{id},\"Bản Nà, Xã {},Tỉnh Lai Châu\",Còn hiệu lực,01/06/2025",
                    p.commune
                ),
                "dat_dai.csv" => writeln!(
                    s,
                    "{}-{k},1,{k},{name},{},{id},\"Bản Nà, X. Nà Tăm, H. Tam Đường\",Đã cấp GCN",
                    p.commune, p.dob.2
                ),
                "giao_duc.csv" => writeln!(s, "HS{k:08},{name},{dob},{sx},{id},TH,5A,,,{},Đang học", p.commune),
                _ => writeln!(s, "KS-{k},Khai sinh,01/01/2024,{name},{dob},{sx},{id},{},,", p.commune),
            }
            .unwrap();
        }
        write(&dir.join(file), &s);
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` would pass nothing: do the
    // work only when benchmarking.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    doisoat::alloc::keep_freed_memory();
    if let Some(job) = std::env::var_os("DOISOAT_BENCH_STAGES_ONLY") {
        return stages_only(Path::new(&job));
    }
    let n: usize = std::env::var("DOISOAT_BENCH_PEOPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    // DOISOAT_BENCH_KEEP=DIR: generate into DIR and leave it there (for profiling).
    let tmp = tempfile::tempdir().expect("temp dir");
    let kept = std::env::var_os("DOISOAT_BENCH_KEEP").map(std::path::PathBuf::from);
    let root = kept.unwrap_or_else(|| tmp.path().to_path_buf());
    let dir = &root;
    let t = Instant::now();
    let job = match std::env::var_os("DOISOAT_BENCH_PROFILE") {
        // A province as agencies really export it (profiles/realistic.toml): the
        // generator's own people and registries, legacy encodings, a workbook, three
        // civil-status files, the real forms' damage.
        Some(profile) => {
            let path = match profile.to_str() {
                Some("realistic") => Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/realistic.toml"),
                _ => std::path::PathBuf::from(&profile),
            };
            let profile = doisoat::synth::profile::Profile::load(&path).expect("profile");
            let today = doisoat::vn::date::PartialDate { year: 2026, month: 11, day: 29 };
            let opts = doisoat::synth::Options { people: n, seed: 11, profile, today };
            let summary = doisoat::synth::generate(dir, &opts).expect("generate");
            eprintln!(
                "generated {n} people, registries {:?}, in {:.1} s",
                summary.registries,
                t.elapsed().as_secs_f64()
            );
            summary.job
        }
        None => {
            let job = doisoat::demo::write(dir).expect("demo layout");
            generate(dir, n);
            eprintln!("generated {n} people and {n} registry records in {:.1} s", t.elapsed().as_secs_f64());
            job
        }
    };
    // What reading the inputs alone costs: every input file's bytes, from the page cache
    // as the run reads them.
    let t = Instant::now();
    let bytes: usize = std::fs::read_dir(dir)
        .expect("bench folder")
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "csv" || x == "xlsx"))
        .map(|e| std::fs::read(e.path()).map_or(0, |b| b.len()))
        .sum();
    eprintln!("plain read of the input files: {:.2} s ({:.0} MB)", t.elapsed().as_secs_f64(), bytes as f64 / 1e6);
    // The run and the stages alone, DOISOAT_BENCH_REPEAT times each (default 3). Timings
    // here vary by a second from run to run, so each is reported and the comparison uses
    // the fastest of each. Every run is a first run (the run root is removed before it), as
    // the first night of a province is.
    //
    // Each timed process follows an untimed one of its own kind. This machine is a VM whose
    // freed memory goes back to the host within seconds (free page reporting), and a page
    // the host has taken back costs ~1-2.5 s per GB to fault in again: a process that
    // starts just after a smaller one exits finds less of its memory still backed. Run
    // after stages alone paid 5.5-6.7 s of kernel time, run after run 1.9-2.1 s; pairing
    // the same kinds gives both sides the same start.
    let repeat: usize = std::env::var("DOISOAT_BENCH_REPEAT").ok().and_then(|v| v.parse().ok()).unwrap_or(3).max(1);
    let (mut runs, mut stage_runs) = (Vec::new(), Vec::new());
    for i in 0..repeat {
        let (timed, out) = after_one_of_its_kind(|| {
            let _ = std::fs::remove_dir_all(dir.join("runs"));
            let (timed, out) = measure(std::process::Command::new(env!("CARGO_BIN_EXE_doisoat")).args([
                "run",
                "--job",
                job.to_str().unwrap(),
                "--run-id",
                "bench",
            ]));
            assert!(
                out.status.code() == Some(0) || out.status.code() == Some(3),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            (timed, out)
        });
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("runs/bench/manifest.json")).unwrap()).unwrap();
        let peak = manifest["peak_memory_bytes"].as_f64().unwrap_or(0.0) / 1e9;
        println!("pipeline/{n} people + {n} records: {timed}, peak memory {peak:.2} GB");
        if i == 0 {
            for t in manifest["stage_timings"].as_array().unwrap() {
                println!("  {:<10} {:>8} ms", t["stage"].as_str().unwrap(), t["ms"]);
            }
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
        runs.push(timed);
        // What writing the outputs adds: the same stages without publishing
        // (`pipeline::prepare`), in a fresh process like the run's (this bench binary
        // again, told so by DOISOAT_BENCH_STAGES_ONLY), timed as a whole process too.
        let stages = after_one_of_its_kind(|| {
            let (timed, out) = measure(
                std::process::Command::new(std::env::current_exe().expect("bench binary"))
                    .arg("--bench")
                    .env("DOISOAT_BENCH_STAGES_ONLY", &job),
            );
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            timed
        });
        println!("stages without outputs (whole process): {stages}");
        stage_runs.push(stages);
    }
    let fastest = |v: &[Timed]| v.iter().copied().min_by(|a, b| a.wall.total_cmp(&b.wall)).expect("a timing");
    let (run, stages) = (fastest(&runs), fastest(&stage_runs));
    println!(
        "fastest of {repeat}: run {:.2} s, stages alone {:.2} s; writing all outputs adds {:.1} % to the run's time \
         ({:.1} % to its CPU time)",
        run.wall,
        stages.wall,
        100.0 * (run.wall - stages.wall) / stages.wall,
        100.0 * (run.cpu() - stages.cpu()) / stages.cpu()
    );
}

/// Runs `f` untimed, then again, and gives the second result (see the pairing above).
fn after_one_of_its_kind<T>(mut f: impl FnMut() -> T) -> T {
    f();
    f()
}

/// A child process's wall time and the CPU time it used.
#[derive(Clone, Copy)]
struct Timed {
    wall: f64,
    user: f64,
    system: f64,
}

impl Timed {
    fn cpu(&self) -> f64 {
        self.user + self.system
    }
}

impl std::fmt::Display for Timed {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "wall {:.2} s (CPU {:.2} s user, {:.2} s kernel)", self.wall, self.user, self.system)
    }
}

/// Runs a child to its end; its CPU time is the growth of this process's children's usage.
fn measure(command: &mut std::process::Command) -> (Timed, std::process::Output) {
    let before = children_cpu();
    let t = Instant::now();
    let out = command.output().expect("run the child");
    let wall = t.elapsed().as_secs_f64();
    let after = children_cpu();
    (Timed { wall, user: after.0 - before.0, system: after.1 - before.1 }, out)
}

/// User and kernel CPU seconds of every waited-for child so far.
fn children_cpu() -> (f64, f64) {
    // SAFETY: getrusage fills the struct it is given and reads nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (secs(usage.ru_utime), secs(usage.ru_stime))
}

/// The child process of the comparison above: the stages alone, then exit.
fn stages_only(job: &Path) {
    let opts = doisoat::config::RunOptions { run_id: Some("stages".into()), ..Default::default() };
    let cfg = doisoat::pipeline::load(job, &opts).expect("job loads");
    let data = doisoat::pipeline::prepare(&cfg, &doisoat::NoProgress).expect("stages run");
    // Exit without freeing, as `doisoat run` does.
    std::mem::forget(data);
}
