//! `doisoat init`: a job written from the files themselves runs as the hand-written one.

use crate::{code, readable_files, stderr, Work};
use std::path::Path;

/// Other common spellings of the demo's headers, per file.
const RENAMED: &[(&str, &[(&str, &str)])] = &[
    (
        "population.csv",
        &[
            ("Số định danh cá nhân", "Số CCCD"),
            ("Số CMND", "CMND cũ"),
            ("Họ và tên", "HỌ VÀ TÊN"),
            ("Ngày sinh", "Ngày tháng năm sinh"),
            ("Mã xã thường trú", "Mã xã"),
            ("Địa chỉ thường trú", "Nơi thường trú"),
            ("Họ tên cha", "Họ và tên cha"),
            ("Tình trạng,", "Trạng thái,"),
        ],
    ),
    (
        "ho_tich.csv",
        &[
            ("Số đăng ký", "Số ĐK"),
            ("Loại sự kiện", "Loại việc"),
            ("Họ và tên", "Họ tên"),
            ("Số định danh", "Số định danh cá nhân"),
            ("Nơi đăng ký", "Cơ quan đăng ký"),
        ],
    ),
    (
        "bhxh.csv",
        &[
            ("Mã số BHXH", "Mã BHXH"),
            ("Số CCCD/CMND", "Số CMND/CCCD"),
            ("Địa chỉ", "Địa chỉ thường trú"),
            ("Trạng thái thẻ", "Tình trạng thẻ"),
        ],
    ),
    (
        "dat_dai.csv",
        &[
            ("Tên chủ sử dụng", "Họ tên chủ sử dụng"),
            ("Số giấy tờ", "Số giấy tờ tùy thân"),
            ("Tình trạng GCN", "Trạng thái GCN"),
        ],
    ),
    (
        "giao_duc.csv",
        &[
            ("Mã học sinh", "Mã HS"),
            ("Họ và tên", "Họ và tên học sinh"),
            ("Mã định danh", "Số định danh"),
            ("Xã/Phường", "Xã"),
            ("Trạng thái", "Tình trạng"),
        ],
    ),
];

/// Copies the demo's files into `dir` with their header rows respelt.
fn renamed_demo(demo: &Path, dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (file, renames) in RENAMED {
        let text = std::fs::read_to_string(demo.join(file)).unwrap();
        let (header, rest) = text.split_once('\n').unwrap();
        let mut header = header.to_string();
        for (from, to) in *renames {
            assert!(header.contains(from), "{file}: {from}");
            header = header.replacen(from, to, 1);
        }
        std::fs::write(dir.join(file), format!("{header}\n{rest}")).unwrap();
    }
}

/// The agency folders of runs `runs-hand/r` and `runs-init/r` hold the same files, byte
/// for byte (`what` names the two rule sets in a failure).
fn assert_same_agency_files(work: &Work, what: &str) {
    let (a, b) = (agency_files(&work.path().join("runs-hand/r")), agency_files(&work.path().join("runs-init/r")));
    assert_eq!(a.len(), b.len());
    for ((pa, ba), (pb, bb)) in a.iter().zip(&b) {
        assert_eq!(pa, pb);
        assert!(ba == bb, "{} differs between {what}", pa.display());
    }
}

/// The agency folders of a run, as the readers see them.
fn agency_files(run: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    ["civil_status", "insurance", "land", "education"]
        .iter()
        .flat_map(|a| readable_files(&run.join(a)).into_iter().map(move |(p, b)| (Path::new(a).join(p), b)))
        .collect()
}

#[test]
fn init_on_respelt_headers_runs_as_the_hand_written_rules() {
    let work = Work::new();
    let job = work.demo_job("hand");
    let hand = job.parent().unwrap();
    renamed_demo(hand, &work.path().join("respelt"));
    let out = work.run(&[
        "init",
        "--population",
        "respelt/population.csv",
        "--registry",
        "respelt/ho_tich.csv",
        "--registry",
        "respelt/bhxh.csv",
        "--registry",
        "respelt/dat_dai.csv",
        "--registry",
        "respelt/giao_duc.csv",
        "--out",
        "init",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("province 12"), "{said}");
    assert!(said.contains("Tờ bản đồ") && said.contains("not placed"), "unplaced columns are listed: {said}");
    let rules = std::fs::read_to_string(work.path().join("init/rules/civil_status.toml")).unwrap();
    assert!(rules.contains("\"Cơ quan đăng ký\" = \"commune\""), "{rules}");
    assert!(rules.contains("where the event was registered"), "a registration office is said to be one: {rules}");
    let check = work.run(&["check-rules", "init/job.toml"]);
    assert_eq!(code(&check), 0, "{}", stderr(&check));

    for (job, root) in [(job.to_str().unwrap(), "runs-hand"), ("init/job.toml", "runs-init")] {
        let run = work.run(&["run", "--job", job, "--run-id", "r", "--run-root", root]);
        assert!(code(&run) == 0 || code(&run) == 3, "{}", stderr(&run));
    }
    assert_same_agency_files(&work, "the hand-written and the init rules");
}

#[test]
fn init_says_what_it_cannot_place_and_still_writes_a_valid_job() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let demo = job.parent().unwrap();
    std::fs::write(work.path().join("mystery.csv"), "A,B,C\nx1,qq,17\nx2,rr,18\nx3,ss,19\n").unwrap();
    let population = demo.join("population.csv");
    let insurance = demo.join("bhxh.csv");
    let out = work.run(&[
        "init",
        "--population",
        population.to_str().unwrap(),
        "--registry",
        insurance.to_str().unwrap(),
        "--registry",
        "mystery.csv",
        "--out",
        "init",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("LEFT OUT of the job: no column for full_name"), "{said}");
    let job = std::fs::read_to_string(work.path().join("init/job.toml")).unwrap();
    assert!(job.contains("# LEFT OUT of the run: no column was placed as full_name"), "{job}");
    let rules = std::fs::read_to_string(work.path().join("init/rules/mystery.toml")).unwrap();
    // No record-ID header: the first column unique in every row is taken, and says so.
    assert!(rules.contains("# no record-ID header: the first column whose values are filled and unique in every row\n\"A\" = \"record_id\""), "{rules}");
    assert!(rules.contains("# \"B\" — not a header doisoat knows"), "{rules}");
    let check = work.run(&["check-rules", "init/job.toml"]);
    assert_eq!(code(&check), 0, "{}", stderr(&check));
    let run = work.run(&["run", "--job", "init/job.toml", "--run-id", "r"]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    // A second init does not overwrite the job unless asked.
    let again =
        work.run(&["init", "--population", population.to_str().unwrap(), "--registry", "mystery.csv", "--out", "init"]);
    assert_eq!(code(&again), 2);
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
}

#[test]
fn init_refuses_a_population_it_cannot_place() {
    let work = Work::new();
    std::fs::write(work.path().join("p.csv"), "A,B\n1,2\n").unwrap();
    std::fs::write(work.path().join("r.csv"), "A,B\n1,2\n").unwrap();
    let out = work.run(&["init", "--population", "p.csv", "--registry", "r.csv", "--province", "12"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("p.csv: no column of the population extract could be placed as full_name"),
        "{}",
        stderr(&out)
    );
    assert!(!work.path().join("job.toml").exists());
}

/// The profile `check-rules` prints: per mapped column the values that parse, the shapes
/// of those that do not, and the names written after a title — personal data masked.
#[test]
fn check_rules_profiles_a_land_export_with_titles_and_spreadsheet_debris() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let population = job.parent().unwrap().join("population.csv");
    std::fs::write(
        work.path().join("so_dia_chinh.csv"),
        "Mã thửa,Họ tên chủ sử dụng,Năm sinh,CMND/CCCD\n\
         T1,Ông Giàng A Páo,1987,012087000101\n\
         T2,Hộ bà Vàng Thị Mỷ,1992,#N/A\n\
         T3,Lò Văn Pấu,1975,1.20751E+11\n",
    )
    .unwrap();
    let out = work.run(&["init", "--population", population.to_str().unwrap(), "--registry", "so_dia_chinh.csv"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rules = std::fs::read_to_string(work.path().join("rules/land.toml")).unwrap();
    assert!(rules.contains("cardinality = \"many\"") && rules.contains("\"Năm sinh\" = \"birth_year\""), "{rules}");
    let out = work.run(&["check-rules", "job.toml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("1 of     3 parse ( 33.3 %); not: `#N/A` 1, `9.99999E+99` 1"), "{said}");
    assert!(
        said.contains(
            "2 start with a title (Ông, Bà, Hộ …), read without it: `Hộ bà Xxx Xxx Xxx` 1, `Ông Xxx Xxx Xxx` 1"
        ),
        "{said}"
    );
    assert!(!said.contains("Giàng") && !said.contains("Vàng"), "no name is shown: {said}");
}

/// A civil-status export that names both the office that registered the event and where
/// the person lives: the residence is the person's, the office is left (the evaluation
/// province's hand-written job mapped the office as the commune).
#[test]
fn init_does_not_take_the_registration_office_for_the_residence() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let population = job.parent().unwrap().join("population.csv");
    std::fs::write(
        work.path().join("khai_sinh.csv"),
        "Số ĐK,Họ tên,Ngày sinh,Giới tính,Nơi đăng ký,Nơi cư trú\n\
         KS-1,Giàng A Dình,10/04/2015,Nam,UBND xã Bản Bo,\"Bản Nà Tăm, Xã Bản Bo, Tỉnh Lai Châu\"\n\
         KS-2,Giàng Thị Mai,22/12/2018,Nữ,UBND xã Bản Bo,\"Bản Nà Tăm, Xã Bản Bo, Tỉnh Lai Châu\"\n",
    )
    .unwrap();
    let out = work.run(&["init", "--population", population.to_str().unwrap(), "--registry", "khai_sinh.csv"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rules = std::fs::read_to_string(work.path().join("rules/civil_status.toml")).unwrap();
    assert!(rules.contains("\"Nơi cư trú\" = \"address\""), "{rules}");
    assert!(!rules.contains("\"Nơi đăng ký\" = "), "{rules}");
    assert!(
        rules.contains("# \"Nơi đăng ký\" — where the event was registered, not where the person lives"),
        "{rules}"
    );
    // Its event from its name, as every row of a births export is a birth.
    assert!(rules.contains("event_type = \"Khai sinh\""), "{rules}");
    assert_eq!(code(&work.run(&["run", "--job", "job.toml", "--run-id", "r"])), 0);
}

/// A generated province in other systems' header spellings, civil status as three
/// exports and education as a workbook: `init`'s job, given the generator's seed and
/// reference day, runs exactly as the generator's hand-written rules.
#[test]
fn init_on_a_province_with_variant_headers_runs_as_its_own_rules() {
    let work = Work::new();
    let dir = work.path().join("p");
    let mut profile = doisoat::synth::profile::Profile::default();
    profile.formats.headers = "variant".into();
    profile.formats.civil_status_split = true;
    profile.formats.education = "xlsx".into();
    let today = doisoat::vn::date::PartialDate { year: 2026, month: 11, day: 29 };
    doisoat::synth::generate(&dir, &doisoat::synth::Options { people: 1500, seed: 5, profile, today }).unwrap();
    let files = [
        "ho_tich_khai_sinh.csv",
        "ho_tich_khai_tu.csv",
        "ho_tich_ket_hon.csv",
        "bhxh.csv",
        "dat_dai.csv",
        "giao_duc.xlsx",
    ];
    let mut args = vec!["init", "--population", "p/population.csv", "--out", "init"];
    let paths: Vec<String> = files.iter().map(|f| format!("p/{f}")).collect();
    for p in &paths {
        args.extend(["--registry", p.as_str()]);
    }
    let out = work.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    for header in ["Ngày, tháng, năm sinh", "Số ĐK", "Họ tên chủ sử dụng đất", "Mã HS", "Cập nhật lần cuối"]
    {
        assert!(!said.contains(&format!("{header} not placed")), "{header}: {said}");
    }
    let job = work.path().join("init/job.toml");
    let text = std::fs::read_to_string(&job).unwrap();
    let text =
        text.replacen("run_root = \"runs\"", "run_root = \"runs\"\nreference_date = \"2026-11-29\"\nseed = 5", 1);
    std::fs::write(&job, text).unwrap();
    for (job, root) in [("p/job.toml", "runs-hand"), ("init/job.toml", "runs-init")] {
        let run = work.run(&["run", "--job", job, "--run-id", "r", "--run-root", root]);
        assert_eq!(code(&run), 0, "{}", stderr(&run));
    }
    assert_same_agency_files(&work, "the generator's rules and init's");
}

/// An export whose name and headers say little: the name column (`Tên công dân`) and the
/// date of birth (`Sinh ngày`) are told by their values, the record key by its
/// uniqueness, and the registry kind by its status spellings (`Còn hiệu lực`: insurance,
/// so address mismatches are checked).
#[test]
fn init_places_unknown_headers_by_their_values() {
    let work = Work::new();
    let job = work.demo_job("demo");
    let population = job.parent().unwrap().join("population.csv");
    std::fs::write(
        work.path().join("export_2026.csv"),
        "Mã,Tên công dân,Sinh ngày,Phái,Số CCCD,Nơi ở,Trạng thái\n\
         A1,Giàng A Páo,05/03/1987,Nam,012087000101,\"Bản Nà Tăm, Xã Bản Bo\",Còn hiệu lực\n\
         A2,Vàng Thị Mỷ,12/08/1992,Nữ,012192000102,\"Bản Nà Tăm, Xã Bản Bo\",Hết hiệu lực\n\
         A3,Lò Văn Pấu,1975,Nam,,\"Xã Than Uyên\",Còn hiệu lực\n",
    )
    .unwrap();
    let out = work.run(&["init", "--population", population.to_str().unwrap(), "--registry", "export_2026.csv"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let rules = std::fs::read_to_string(work.path().join("rules/insurance.toml")).unwrap();
    for mapping in [
        "\"Mã\" = \"record_id\"",
        "\"Tên công dân\" = \"full_name\"",
        "\"Sinh ngày\" = \"dob\"",
        "\"Phái\" = \"sex\"",
        "\"Nơi ở\" = \"address\"",
        "follows_residence = true",
        "active = [\"Còn hiệu lực\"]",
    ] {
        assert!(rules.contains(mapping), "{mapping}: {rules}");
    }
    assert_eq!(code(&work.run(&["run", "--job", "job.toml", "--run-id", "r"])), 0);
    // The profile shows the statuses read as inactive; an active list that matches no
    // value (another registry's spelling) is a warning.
    let said = String::from_utf8_lossy(&work.run(&["check-rules", "job.toml"]).stdout).to_string();
    assert!(said.contains("1 are no spelling [status] active lists, read as inactive: `Hết hiệu lực` 1"), "{said}");
    assert!(!said.contains("warning: "), "{said}");
    std::fs::write(
        work.path().join("rules/insurance.toml"),
        rules.replace("active = [\"Còn hiệu lực\"]", "active = [\"Đang học\"]"),
    )
    .unwrap();
    let said = String::from_utf8_lossy(&work.run(&["check-rules", "job.toml"]).stdout).to_string();
    assert!(
        said.contains("warning: ") && said.contains("3 of 3 sampled values are no spelling [status] active lists"),
        "{said}"
    );
}
