//! Agency exports as they really come (titles before owners' names, addresses without
//! commas, files without a column every row shares): each form end to end, on rows of the
//! hand-made population (`fixtures/scenarios/population.csv`).

use crate::{code, root, stderr, Work};
use std::path::PathBuf;

/// Writes `job.toml` against the scenario population with these registries (agency,
/// file, rules file, relative to the job).
fn write_job(work: &Work, registries: &[(&str, &str, &str)]) {
    let population = root().join("fixtures/scenarios/population.csv");
    let population_rules = root().join("rules/population.toml");
    let mut job = format!(
        "province = \"12\"\nreference_date = \"2026-11-29\"\n\n[population]\nfile = {population:?}\nrules = {population_rules:?}\n"
    );
    for (agency, file, rules) in registries {
        job.push_str(&format!(
            "\n[[registry]]\nagency = \"{agency}\"\nname = \"{agency}\"\nfile = \"{file}\"\nrules = \"{rules}\"\n"
        ));
    }
    std::fs::write(work.path().join("job.toml"), job).unwrap();
}

/// Runs `job.toml` as run `r`; gives the run folder.
fn run_job(work: &Work) -> PathBuf {
    let out = work.run(&["run", "--job", "job.toml", "--run-id", "r"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    work.path().join("runs/r")
}

/// Writes a job with one registry (`file` with `rules`) against the scenario population
/// and runs it; gives the agency's folder.
fn run_export(work: &Work, agency: &str, file: &str, rules: &str) -> PathBuf {
    std::fs::write(work.path().join("export.csv"), file).unwrap();
    std::fs::write(work.path().join("export.toml"), rules).unwrap();
    write_job(work, &[(agency, "export.csv", "export.toml")]);
    run_job(work).join(agency)
}

/// The discrepancy rows of an agency folder as (record ID, code, note).
fn found(agency_dir: &std::path::Path) -> Vec<(String, String, String)> {
    let text = crate::discrepancies_csv(agency_dir);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    reader.records().map(|r| r.unwrap()).map(|r| (r[2].to_string(), r[6].to_string(), r[18].to_string())).collect()
}

/// A deaths export has no event-type column: every row is a death. `[values]` says so,
/// and DEATH_NOT_IN_POPULATION fires for a death the population has not recorded
/// (without it, it never could).
#[test]
fn a_deaths_export_without_an_event_column_says_so_in_its_rules() {
    let work = Work::new();
    let file = "Số đăng ký,Ngày đăng ký,Họ và tên,Ngày sinh,Giới tính,Số định danh\n\
                KT-2026-002,10/10/2026,Quàng Thị Hoa,1958,Nữ,012158000113\n\
                KT-2024-007,15/03/2024,Nguyễn Văn Hòa,01/01/1965,Nam,012065000105\n";
    let rules = "kind = \"registry\"\ncardinality = \"one_per_event\"\nrequired = [\"record_id\", \"full_name\"]\n\n\
                 [columns]\n\"Số đăng ký\" = \"record_id\"\n\"Ngày đăng ký\" = \"event_date\"\n\"Họ và tên\" = \"full_name\"\n\
                 \"Ngày sinh\" = \"dob\"\n\"Giới tính\" = \"sex\"\n\"Số định danh\" = \"id\"\n\n\
                 [values]\nevent_type = \"Khai tử\"\n\n[events]\ndeath = [\"Khai tử\"]\n";
    let rows = found(&run_export(&work, "civil_status", file, rules));
    assert!(rows.iter().any(|(id, code, _)| id == "KT-2026-002" && code == "DEATH_NOT_IN_POPULATION"), "{rows:?}");
    assert!(!rows.iter().any(|(id, code, _)| id == "KT-2024-007" && code == "DEATH_NOT_IN_POPULATION"), "{rows:?}");
    // A value for a field that is also mapped is a rules problem.
    let both = rules.replace("[values]", "[values]\nfull_name = \"x\"");
    std::fs::write(work.path().join("export.toml"), both).unwrap();
    let out = work.run(&["check-rules", "job.toml"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("values.full_name"), "{}", stderr(&out));
}

/// Land owners written with a title (Ông, Hộ bà, HGĐ, Cụ, in capitals, with a colon),
/// addresses without commas or with dashes, en dashes, bars or commas without spaces: the
/// owners link to their people (by name, birth year and commune, no ID) and no title
/// becomes a surname.
#[test]
fn titled_owners_and_addresses_without_commas_link() {
    let work = Work::new();
    let file = "Mã thửa,Tên chủ sử dụng,Năm sinh,Số giấy tờ,Địa chỉ chủ sử dụng,Tình trạng GCN\n\
                T1,Ông Giàng A Páo,1987,,Bản Nà Tăm - xã Bản Bo - huyện Tam Đường,Đã cấp GCN\n\
                T2,Hộ bà Vàng Thị Mỷ,1992,,Bản Nà Tăm X Bản Bo H Tam Đường,Đã cấp GCN\n\
                T3,HGĐ Lò Thị Xuân,1980,,UBND xã Than Uyên,Đã cấp GCN\n\
                T4,Cụ Chảo Láo Tả,1945,,Xã Mù Cả – huyện Mường Tè,Đã cấp GCN\n\
                T5,HỘ GIA ĐÌNH BÀ HÀ THỊ HẠNH,1973,,Bản Pắc Ta | Xã Pắc Ta,Đã cấp GCN\n\
                T6,Ông: Lò Văn Pâng,1982,,\"bản Mường,xã Than Uyên,tỉnh Lai Châu\",Đã cấp GCN\n";
    let rules = std::fs::read_to_string(root().join("rules/land.toml")).unwrap();
    let dir = run_export(&work, "land", file, &rules);
    let rows = found(&dir);
    for id in ["T1", "T2", "T3", "T4", "T5", "T6"] {
        assert!(!rows.iter().any(|(r, code, _)| r == id && code == "NOT_IN_POPULATION"), "{id}: {rows:?}");
        assert!(!rows.iter().any(|(r, code, _)| r == id && code == "NAME_MISMATCH"), "{id}: {rows:?}");
    }
    let linked = std::fs::read_to_string(dir.join("../manifest.json")).unwrap();
    assert!(linked.contains("\"linked\": 6"), "{linked}");
}

/// A mapped column most of whose values resolve to nothing says so, with the commonest
/// forms masked: a registration office mapped as the person's commune was silently
/// ignored before (every address of the file unused).
#[test]
fn a_mapped_column_that_resolves_nothing_is_a_warning() {
    let work = Work::new();
    let file = "Số đăng ký,Loại sự kiện,Họ và tên,Ngày sinh,Giới tính,Số định danh,Nơi đăng ký\n\
                KS-1,Khai sinh,Giàng A Dình,10/04/2015,Nam,012215000109,Phòng Tư pháp Tam Đường\n\
                KS-2,Khai sinh,Giàng Thị Mai,22/12/2018,Nữ,012318000110,Phòng Tư pháp Tam Đường\n\
                KS-3,Khai sinh,Lò Văn Ánh,1975,Nam,012075000103,Xã Than Uyên\n";
    let rules = "kind = \"registry\"\ncardinality = \"one_per_event\"\n\n[columns]\n\"Số đăng ký\" = \"record_id\"\n\
                 \"Loại sự kiện\" = \"event_type\"\n\"Họ và tên\" = \"full_name\"\n\"Ngày sinh\" = \"dob\"\n\
                 \"Giới tính\" = \"sex\"\n\"Số định danh\" = \"id\"\n\"Nơi đăng ký\" = \"commune\"\n\n\
                 [events]\nbirth = [\"Khai sinh\"]\n";
    run_export(&work, "civil_status", file, rules);
    let out = work.run(&["check-rules", "job.toml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        stdout.contains("column \"Nơi đăng ký\" (commune): 2 of 3 sampled values name an office (UBND …): where a record was registered, not where the person lives")
            && stdout.contains("`Xxx Xxx xxx Xxx Xxx` (2)"),
        "{stdout}"
    );
    // The profile: the column's values that parse, the shapes of those that do not.
    assert!(
        stdout.contains(
            "Nơi đăng ký                  commune            1 of     3 parse ( 33.3 %); not: `Xxx Xxx xxx Xxx Xxx` 2"
        ),
        "{stdout}"
    );
    let manifest = std::fs::read_to_string(work.path().join("runs/r/manifest.json")).unwrap();
    assert!(manifest.contains("name an office"), "{manifest}");
}

/// Civil status arrives as several exports (births, deaths), each with its own columns:
/// the job lists them under one agency. One folder, one score, every row's file named,
/// and conservation per file in the manifest.
#[test]
fn one_agency_several_files() {
    let work = Work::new();
    let dir = work.path();
    std::fs::write(
        dir.join("births.csv"),
        "Số đăng ký,Họ và tên,Ngày sinh,Giới tính,Số định danh,Nơi đăng ký\n\
         KS-1,Giàng A Dình,10/04/2015,Nam,,Xã Bản Bo\n\
         KS-2,Giàng Thị Mai,22/12/2018,Nữ,012318000110,Xã Bản Bo\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("deaths.csv"),
        "Số khai tử,Họ tên người chết,Năm sinh người chết,Giới tính,Số CCCD\n\
         KT-1,Quàng Thị Hoa,1958,Nữ,012158000113\n\
         KT-2,Nguyễn Văn Hòa,1965,Nam,\n",
    )
    .unwrap();
    let births = "kind = \"registry\"\ncardinality = \"one_per_event\"\n\n[columns]\n\"Số đăng ký\" = \"record_id\"\n\
                  \"Họ và tên\" = \"full_name\"\n\"Ngày sinh\" = \"dob\"\n\"Giới tính\" = \"sex\"\n\"Số định danh\" = \"id\"\n\
                  \"Nơi đăng ký\" = \"commune\"\n\n[values]\nevent_type = \"Khai sinh\"\n\n[events]\nbirth = [\"Khai sinh\"]\n";
    let deaths = "kind = \"registry\"\ncardinality = \"one_per_event\"\n\n[columns]\n\"Số khai tử\" = \"record_id\"\n\
                  \"Họ tên người chết\" = \"full_name\"\n\"Năm sinh người chết\" = \"dob\"\n\"Giới tính\" = \"sex\"\n\
                  \"Số CCCD\" = \"id\"\n\n[values]\nevent_type = \"Khai tử\"\n\n[events]\ndeath = [\"Khai tử\"]\n";
    std::fs::write(dir.join("births.toml"), births).unwrap();
    std::fs::write(dir.join("deaths.toml"), deaths).unwrap();
    write_job(&work, &[("civil_status", "births.csv", "births.toml"), ("civil_status", "deaths.csv", "deaths.toml")]);
    let run = run_job(&work);
    let agencies: Vec<String> = std::fs::read_dir(&run)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(agencies, ["civil_status"]);
    let text = crate::discrepancies_csv(&run.join("civil_status"));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<(String, String, String)> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[2].to_string(), r[6].to_string(), r[19].to_string())).collect();
    assert!(
        rows.iter().any(|r| r == &("KT-1".into(), "DEATH_NOT_IN_POPULATION".into(), "deaths.csv".into())),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r.0 == "KS-1" && r.2 == "births.csv"), "{rows:?}");
    let m = crate::manifest(&run);
    let files: Vec<(String, u64)> = m["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["role"] == "registry")
        .map(|i| (i["path"].as_str().unwrap().to_string(), i["conservation"]["rows"].as_u64().unwrap()))
        .collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(files.iter().all(|(_, rows)| *rows == 2), "{files:?}");
    crate::assert_conserved(&run);
}

/// The other forms of real exports, one row each, on an insurance export: an ID that
/// lost a digit, syllables typed together, a Sino-Vietnamese surname, 01/01 against a
/// population that knows the year only, a second record of one person without its ID.
#[test]
fn each_real_export_form_is_read_as_the_same_person() {
    let work = Work::new();
    let file = "Mã số BHXH,Họ và tên,Ngày sinh,Giới tính,Số CCCD/CMND,Địa chỉ,Trạng thái thẻ,Ngày cập nhật\n\
                B1,Giàng A Páo,05/03/1987,Nam,01287000101,\"Bản Nà Tăm, Xã Bản Bo\",Còn hiệu lực,01/06/2026\n\
                B2,Lò Thịxuân,20/11/1980,Nữ,012180000104,Xã Than Uyên,Còn hiệu lực,01/06/2026\n\
                B3,Tống A Chứ,14/07/1983,Nam,012083000112,Xã Sìn Hồ,Còn hiệu lực,01/06/2026\n\
                B4,Lò Văn Ánh,01/01/1975,Nam,012075000103,Xã Than Uyên,Còn hiệu lực,01/06/2026\n\
                B5,Tẩn Láo Lở,07/02/1990,Nam,012090000107,Xã Hua Bum,Còn hiệu lực,01/06/2026\n\
                B6,Tẩn Láo Lở,07/02/1990,Nam,,Xã Hua Bum,Còn hiệu lực,01/01/2019\n";
    let rules = std::fs::read_to_string(root().join("rules/insurance.toml")).unwrap();
    let dir = run_export(&work, "insurance", file, &rules);
    let rows = found(&dir);
    let has = |id: &str, code: &str| rows.iter().any(|(r, c, _)| r == id && c == code);
    for id in ["B1", "B2", "B3", "B4", "B5", "B6"] {
        assert!(!has(id, "NOT_IN_POPULATION") && !has(id, "NAME_MISMATCH") && !has(id, "REVIEW"), "{id}: {rows:?}");
    }
    assert!(has("B1", "ID_MALFORMED") && has("B1", "LINKED_WITHOUT_ID"), "{rows:?}");
    assert!(rows.iter().any(|(r, c, note)| r == "B2" && c == "NAME_VARIANT" && note == "form"), "{rows:?}");
    assert!(rows.iter().any(|(r, c, note)| r == "B3" && c == "NAME_VARIANT" && note == "spelling"), "{rows:?}");
    assert!(!has("B4", "DOB_PARTIAL") && !has("B4", "DOB_MISMATCH"), "{rows:?}");
    assert!(has("B6", "DUPLICATE_RECORD"), "{rows:?}");
}

/// A name whose marked letters an export lost to `?` (saved through a code page that
/// cannot hold them) is the same name: found by its unmarked letters and birth year,
/// compared letter by letter (`?` for a marked letter), a NAME_VARIANT. Without that rule
/// (a model file that leaves it out) a rule that needs no name still finds it where the
/// date is full.
#[test]
fn a_name_lost_to_question_marks_is_its_person() {
    let work = Work::new();
    let file = "Mã số BHXH,Họ và tên,Ngày sinh,Giới tính,Số CCCD/CMND,Địa chỉ,Trạng thái thẻ,Ngày cập nhật\n\
                BH1,Gi?ng A P?o,05/03/1987,Nam,,\"Bản Nà Tăm, Xã Bản Bo, Tỉnh Lai Châu\",Còn hiệu lực,01/06/2026\n";
    let rules = std::fs::read_to_string(root().join("rules/insurance.toml")).unwrap();
    let dir = run_export(&work, "insurance", file, &rules);
    let explain = |work: &Work| {
        let out = work.run(&["explain", "--run", "runs/r", "--agency", "insurance", "--record", "BH1"]);
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let text = explain(&work);
    assert!(text.contains("linked") && text.contains("012087000101"), "{text}");
    assert!(text.contains("rule          letters_lost_birthyear"), "{text}");
    let rows = found(&dir);
    assert!(
        rows.iter().any(|(id, code, note)| id == "BH1" && code == "NAME_VARIANT" && note.contains("letters_lost")),
        "{rows:?}"
    );
    assert!(!rows.iter().any(|(_, code, _)| code == "NAME_MISMATCH"), "{rows:?}");

    let model = std::fs::read_to_string(root().join("rules/model.toml")).unwrap();
    let i = model.find("[[blocking]]\nrule = \"letters_lost_birthyear\"").unwrap();
    let j = i + model[i..].find("\n\n").unwrap() + 2;
    std::fs::write(work.path().join("model.toml"), format!("{}{}", &model[..i], &model[j..])).unwrap();
    let job = std::fs::read_to_string(work.path().join("job.toml")).unwrap();
    std::fs::write(
        work.path().join("job.toml"),
        job.replacen("[population]", "model = \"model.toml\"\n\n[population]", 1),
    )
    .unwrap();
    std::fs::remove_dir_all(work.path().join("runs")).unwrap();
    run_job(&work);
    let text = explain(&work);
    assert!(text.contains("012087000101") && text.contains("rule          commune_dob"), "{text}");
}

/// The cousin of `?`: a decoder that could not read some bytes writes U+FFFD for each
/// (`Gi�ng A P�o`). The same name, found and compared the same way.
#[test]
fn a_name_with_replacement_characters_is_its_person() {
    let work = Work::new();
    let file = "Mã số BHXH,Họ và tên,Ngày sinh,Giới tính,Số CCCD/CMND,Địa chỉ,Trạng thái thẻ,Ngày cập nhật\n\
                BH1,Gi\u{FFFD}ng A P\u{FFFD}o,05/03/1987,Nam,,\"Bản Nà Tăm, Xã Bản Bo, Tỉnh Lai Châu\",Còn hiệu lực,01/06/2026\n";
    let rules = std::fs::read_to_string(root().join("rules/insurance.toml")).unwrap();
    let dir = run_export(&work, "insurance", file, &rules);
    let out = work.run(&["explain", "--run", "runs/r", "--agency", "insurance", "--record", "BH1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("linked") && text.contains("012087000101"), "{text}");
    assert!(text.contains("rule          letters_lost_birthyear"), "{text}");
    let rows = found(&dir);
    assert!(
        rows.iter().any(|(id, code, note)| id == "BH1" && code == "NAME_VARIANT" && note.contains("letters_lost")),
        "{rows:?}"
    );
}

/// A pupil whose school record is a rejected row (its date of birth is 31/02) is not
/// EXPECTED_ABSENT: the registry holds a record of theirs, and its fix is the row
/// (REJECTED_ROW). A school-age child without any record still is.
#[test]
fn a_rejected_row_with_a_readable_id_keeps_its_person_from_expected_absent() {
    let work = Work::new();
    let file =
        "Mã học sinh,Họ và tên,Ngày sinh,Giới tính,Mã định danh,Trường,Lớp,Họ tên cha,Họ tên mẹ,Xã/Phường,Trạng thái\n\
                HS-1,Giàng A Dình,31/02/2015,Nam,012215000109,TH Bản Bo,5A,,,Xã Bản Bo,Đang học\n";
    let rules = std::fs::read_to_string(root().join("rules/education.toml")).unwrap();
    let dir = run_export(&work, "education", file, &rules);
    let rejected = std::fs::read_to_string(dir.join("rejected.csv")).unwrap();
    assert!(rejected.contains("HS-1"), "{rejected}");
    let coverage = std::fs::read_to_string(dir.join("coverage.csv")).unwrap();
    assert!(!coverage.contains("012215000109"), "{coverage}");
    assert!(coverage.contains("012318000110"), "a child without any record is absent: {coverage}");
}

/// A commune column that names the office that registered the record (`UBND xã Bản Bo`,
/// `Ủy ban nhân dân X. Nà Tăm`, the cousins of one form): the commune in it is read, as
/// in an address, and the profile says the column names offices.
#[test]
fn a_commune_written_as_its_office_resolves_to_the_commune() {
    let work = Work::new();
    let file = "Số đăng ký,Loại sự kiện,Họ và tên,Ngày sinh,Giới tính,Số định danh,Nơi đăng ký\n\
                KS-1,Khai sinh,Giàng A Dình,10/04/2015,Nam,012215000109,UBND xã Bản Bo\n\
                KS-2,Khai sinh,Giàng Thị Mai,22/12/2018,Nữ,012318000110,Ủy ban nhân dân X. Bản Bo\n\
                KS-3,Khai sinh,Hạng Vả Dế,03/03/2019,Nam,,UBND xã Bản Bo\n";
    let rules = "kind = \"registry\"\ncardinality = \"one_per_event\"\n\n[columns]\n\"Số đăng ký\" = \"record_id\"\n\
                 \"Loại sự kiện\" = \"event_type\"\n\"Họ và tên\" = \"full_name\"\n\"Ngày sinh\" = \"dob\"\n\
                 \"Giới tính\" = \"sex\"\n\"Số định danh\" = \"id\"\n\"Nơi đăng ký\" = \"commune\"\n\n\
                 [events]\nbirth = [\"Khai sinh\"]\n";
    let dir = run_export(&work, "civil_status", file, rules);
    let out = work.run(&["check-rules", "job.toml"]);
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(said.contains("Nơi đăng ký                  commune            3 of     3 parse (100.0 %)"), "{said}");
    assert!(said.contains("3 name an office (UBND …)"), "{said}");
    let text = crate::discrepancies_csv(&dir);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    // Nobody to link to: the row's commune is its own, read from the office.
    let rows: Vec<(String, String, String)> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[2].to_string(), r[4].to_string(), r[6].to_string())).collect();
    let lone = rows.iter().find(|(id, _, code)| id == "KS-3" && code == "NOT_IN_POPULATION");
    assert_eq!(lone.map(|r| r.1.as_str()), Some("03424"), "{rows:?}");
}
