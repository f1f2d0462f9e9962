//! The four registries, derived from the population in their own agency formats, with
//! the damage of the error model and the truth of every row: the true person and the
//! exact set of codes a perfect tool reports, computed from what was done to the row.
//!
//! Truth conventions (SPEC §5 as doisoat implements it):
//! - a row with a true person is linked by a perfect tool, with or without its ID, so a
//!   missing or unusable ID adds `LINKED_WITHOUT_ID`; a legacy CMND links by tier 2 and
//!   is `ID_LEGACY` only;
//! - a mistyped ID that lands on another person's ID is `ID_OTHER_PERSON`, otherwise
//!   `ID_TYPO`; the structural checks (province code, century/sex digit, birth-year
//!   digits) of any 12-digit ID are judged against the row's own sex and birth year;
//! - `REVIEW` is never true: a perfect tool needs no person to confirm;
//! - a rejected row keeps its true person but only `REJECTED_ROW`.

use super::damage::{address, identity, parents, status_active, Row};
use super::population::Person;
use super::profile::Rates;
use super::world::{fmt_date, sex_label, World};
use crate::rng::Rng;
use crate::vn::date::PartialDate;
use std::collections::{BTreeSet, HashMap, HashSet};

/// One generated registry: header, rows and truth.
pub struct Registry {
    /// Agency key.
    pub agency: &'static str,
    /// File name.
    pub file: &'static str,
    /// Header row.
    pub header: Vec<&'static str>,
    /// Data rows (a malformed row may be short).
    pub rows: Vec<Vec<String>>,
    /// Per row: record ID, true person ID, codes.
    pub truth: Vec<(String, String, BTreeSet<&'static str>)>,
}

impl Registry {
    fn new(agency: &'static str, file: &'static str, header: &[&'static str]) -> Registry {
        Registry { agency, file, header: header.to_vec(), rows: Vec::new(), truth: Vec::new() }
    }

    /// The position of a column of the header.
    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| *h == name).unwrap_or_else(|| panic!("{}: no column {name}", self.file))
    }
}

/// A BHXH export row, its columns in the file's order.
struct InsuranceRow {
    id: String,
    name: String,
    dob: String,
    sex: String,
    pid: String,
    address: String,
    status: String,
    updated: String,
}

impl InsuranceRow {
    const HEADER: [&'static str; 8] = [
        "Mã số BHXH",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Số CCCD/CMND",
        "Địa chỉ",
        "Trạng thái thẻ",
        "Ngày cập nhật",
    ];

    fn cells(self) -> Vec<String> {
        vec![self.id, self.name, self.dob, self.sex, self.pid, self.address, self.status, self.updated]
    }
}

/// A land-register row (a parcel and its owner), its columns in the file's order.
struct LandRow {
    parcel: String,
    sheet: String,
    number: String,
    owner: String,
    birth_year: String,
    id: String,
    address: String,
    status: String,
}

impl LandRow {
    const HEADER: [&'static str; 8] = [
        "Mã thửa",
        "Tờ bản đồ",
        "Số thửa",
        "Tên chủ sử dụng",
        "Năm sinh",
        "Số giấy tờ",
        "Địa chỉ chủ sử dụng",
        "Tình trạng GCN",
    ];

    fn cells(self) -> Vec<String> {
        vec![self.parcel, self.sheet, self.number, self.owner, self.birth_year, self.id, self.address, self.status]
    }
}

/// A school-register row, its columns in the file's order.
struct EducationRow {
    id: String,
    name: String,
    dob: String,
    sex: String,
    pid: String,
    school: String,
    grade: String,
    father: String,
    mother: String,
    commune: String,
    status: String,
}

impl EducationRow {
    const HEADER: [&'static str; 11] = [
        "Mã học sinh",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Mã định danh",
        "Trường",
        "Lớp",
        "Họ tên cha",
        "Họ tên mẹ",
        "Xã/Phường",
        "Trạng thái",
    ];

    fn cells(self) -> Vec<String> {
        let EducationRow { id, name, dob, sex, pid, school, grade, father, mother, commune, status } = self;
        vec![id, name, dob, sex, pid, school, grade, father, mother, commune, status]
    }
}

/// A civil-status registration row, its columns in the file's order.
struct CivilRow {
    id: String,
    event: &'static str,
    registered: String,
    name: String,
    dob: String,
    sex: String,
    pid: String,
    place: String,
    father: String,
    mother: String,
}

impl CivilRow {
    const HEADER: [&'static str; 10] = [
        "Số đăng ký",
        "Loại sự kiện",
        "Ngày đăng ký",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Số định danh",
        "Nơi đăng ký",
        "Họ tên cha",
        "Họ tên mẹ",
    ];

    /// A registration of `event` for a damaged row, registered where `place` says.
    fn of(id: String, event: &'static str, registered: String, row: Row, place: String) -> CivilRow {
        CivilRow {
            id,
            event,
            registered,
            name: row.name,
            dob: row.dob,
            sex: sex_label(row.male),
            pid: row.id,
            place,
            father: String::new(),
            mother: String::new(),
        }
    }

    fn cells(self) -> Vec<String> {
        let CivilRow { id, event, registered, name, dob, sex, pid, place, father, mother } = self;
        vec![id, event.to_string(), registered, name, dob, sex, pid, place, father, mother]
    }
}

/// A person absent from the population, for `NOT_IN_POPULATION` rows.
fn stranger(rng: &mut Rng, w: &World, pids: &HashSet<&str>) -> (Person, String) {
    let template = &w.people[rng.below(w.people.len() as u64) as usize];
    let mut p = template.clone();
    p.given = w.names.pick(rng, p.group, "given", p.male);
    p.dob = PartialDate {
        year: (p.dob.year + 1 + rng.below(3) as i32).min(w.today.year),
        month: 1 + rng.below(12) as u8,
        day: 1 + rng.below(28) as u8,
    };
    if p.dob > w.today {
        p.dob = PartialDate { year: w.today.year - 1, ..p.dob };
    }
    let pid = loop {
        let d4 = 2 * ((p.dob.year - 1900) / 100) + i32::from(!p.male);
        let code = &w.province.id_code;
        let candidate = format!("{code}{d4}{:02}{:06}", p.dob.year % 100, rng.below(1_000_000));
        if !pids.contains(candidate.as_str()) {
            break candidate;
        }
    };
    p.cmnd.clear();
    (p, pid)
}

fn finish_truth(
    rows: &mut Vec<Vec<String>>,
    truth: &mut Vec<(String, String, BTreeSet<&'static str>)>,
    record: Vec<String>,
    id: String,
    person: String,
    codes: BTreeSet<&'static str>,
) {
    // A row the damage made unreadable is REJECTED_ROW only, whatever else was done to it.
    let codes = if codes.contains("REJECTED_ROW") { ["REJECTED_ROW"].into_iter().collect() } else { codes };
    rows.push(record);
    truth.push((id, person, codes));
}

/// Turns some rows into unreadable ones (short, or an impossible date in a required
/// column): their truth becomes `REJECTED_ROW` only. Rows of duplicated people are
/// left readable, so the duplicate stays one.
fn malform(rng: &mut Rng, rate: f64, dob_col: Option<usize>, reg: &mut Registry) {
    let duplicated: HashSet<String> =
        reg.truth.iter().filter(|t| t.2.contains("DUPLICATE_RECORD")).map(|t| t.1.clone()).collect();
    for i in 0..reg.rows.len() {
        if rng.chance(rate) && !duplicated.contains(&reg.truth[i].1) {
            match dob_col {
                Some(c) if rng.chance(0.5) => reg.rows[i][c] = format!("31/02/{}", 1950 + rng.below(60)),
                _ => reg.rows[i].truncate(3),
            }
            reg.truth[i].2 = ["REJECTED_ROW"].into_iter().collect();
        }
    }
}

/// Duplicates some rows under new record IDs, older than the original: the copy is the
/// `DUPLICATE_RECORD` (the kept record is the most recent, then the smallest ID).
///
/// A copy leaves the person's ID out at `r.duplicate_without_id`: a second record of one
/// person without an ID (`ID_MISSING`, `LINKED_WITHOUT_ID`, the ID's own codes gone).
fn duplicate(
    rng: &mut Rng,
    r: &Rates,
    (id_col, pid_col): (usize, usize),
    new_id: &mut dyn FnMut(&str) -> String,
    updated_col: Option<usize>,
    reg: &mut Registry,
) {
    let rate = r.duplicate;
    let n = reg.rows.len();
    for i in 0..n {
        let (_, person, codes) = &reg.truth[i];
        if person.is_empty() || codes.contains("REJECTED_ROW") || !rng.chance(rate) {
            continue;
        }
        let mut copy = reg.rows[i].clone();
        let id = new_id(&reg.truth[i].0);
        copy[id_col] = id.clone();
        if let Some(c) = updated_col {
            copy[c] = "01/01/2019".into();
        }
        let mut codes = codes.clone();
        codes.insert("DUPLICATE_RECORD");
        if r.duplicate_without_id > 0.0 && rng.chance(r.duplicate_without_id) {
            copy[pid_col].clear();
            codes.retain(|c| !c.starts_with("ID_") && *c != "LINKED_WITHOUT_ID");
            codes.extend(["ID_MISSING", "LINKED_WITHOUT_ID"]);
        }
        // An older copy was last updated before any later population change.
        let person = person.clone();
        reg.rows.push(copy);
        reg.truth.push((id, person, codes));
    }
}

/// Insurance (BHXH/BHYT): one record per insured person.
pub fn insurance(rng: &mut Rng, r: &Rates, w: &World) -> Registry {
    let mut reg = Registry::new("insurance", "bhxh.csv", &InsuranceRow::HEADER);
    let mut counter = 0u64;
    let mut next_id = || {
        counter += 1;
        format!("12{:08}", (counter * 7_919_113) % 100_000_000)
    };
    for p in w.people {
        let age = p.age(&w.today);
        let share = if age < 6 {
            0.9
        } else if age < 18 {
            0.5
        } else if age <= 65 {
            0.6
        } else {
            0.45
        };
        if !rng.chance(share) {
            continue;
        }
        let mut row = identity(rng, r, w, p, false);
        let mut updated = random_updated(rng, p, &w.today);
        let (_, addr) = address(rng, r, w, p, true, &mut row, &mut updated);
        let active = status_active(rng, r, p, &mut row);
        let id = next_id();
        let record = InsuranceRow {
            id: id.clone(),
            name: row.name,
            dob: row.dob,
            sex: sex_label(row.male),
            pid: row.id,
            address: addr,
            status: status(active, "Còn hiệu lực", "Hết hiệu lực"),
            updated: fmt_date(&updated),
        };
        finish_truth(&mut reg.rows, &mut reg.truth, record.cells(), id, p.pid.clone(), row.codes);
    }
    strangers(rng, r, w, &mut reg, &mut next_id, |row, address, id| {
        InsuranceRow {
            id,
            name: row.name,
            dob: row.dob,
            sex: sex_label(row.male),
            pid: row.id,
            address,
            status: "Còn hiệu lực".into(),
            updated: "01/06/2025".into(),
        }
        .cells()
    });
    let (id_col, updated_col, dob_col) = (reg.col("Mã số BHXH"), reg.col("Ngày cập nhật"), reg.col("Ngày sinh"));
    let pid_col = reg.col("Số CCCD/CMND");
    duplicate(rng, r, (id_col, pid_col), &mut |_| next_id(), Some(updated_col), &mut reg);
    malform(rng, r.malformed_row, Some(dob_col), &mut reg);
    reg
}

/// The commune column written as the office that registered the event, at `rate`: `UBND
/// xã Bản Bo`, `Ủy ban nhân dân xã …` (the unit word in lower case after the office). The
/// run reads the commune in it; the truth is unchanged. (No draw at rate 0: the other
/// profiles' files stay as they were.)
fn office_commune(rng: &mut Rng, rate: f64, col: usize, reg: &mut Registry) {
    if rate <= 0.0 {
        return;
    }
    for row in &mut reg.rows {
        if row.len() > col && !row[col].is_empty() && rng.chance(rate) {
            let office = if rng.chance(0.8) { "UBND" } else { "Ủy ban nhân dân" };
            let unit = row[col].clone();
            let unit = match unit.split_once(' ') {
                Some((word, rest)) => format!("{} {rest}", word.to_lowercase()),
                None => unit,
            };
            row[col] = format!("{office} {unit}");
        }
    }
}

fn status(active: bool, yes: &str, no: &str) -> String {
    if active { yes } else { no }.to_string()
}

/// A record's last update: before the person's death when dead, else recent.
fn random_updated(rng: &mut Rng, p: &Person, today: &PartialDate) -> PartialDate {
    let year = 2022 + rng.below((today.year - 2022 + 1) as u64) as i32;
    let d = PartialDate { year, month: 1 + rng.below(12) as u8, day: 1 + rng.below(28) as u8 };
    let d = if d > *today { PartialDate { year: today.year - 1, ..d } } else { d };
    match &p.moved_from {
        // Not stale unless the mover damage says so: updated after the move.
        Some((_, when)) if d < *when => *today,
        _ => d,
    }
}

/// Rows of people absent from the population.
fn strangers(
    rng: &mut Rng,
    r: &Rates,
    w: &World,
    reg: &mut Registry,
    next_id: &mut dyn FnMut() -> String,
    make: impl Fn(Row, String, String) -> Vec<String>,
) {
    let n = (reg.rows.len() as f64 * r.not_in_population).round() as usize;
    for _ in 0..n {
        let (p, pid) = stranger(rng, w, &w.pids);
        let mut codes = BTreeSet::new();
        codes.insert("NOT_IN_POPULATION");
        let id = if rng.chance(0.5) {
            codes.insert("ID_MISSING");
            String::new()
        } else {
            pid
        };
        let c = w.commune(&p.commune);
        let row =
            Row { name: p.name(), dob: fmt_date(&p.dob), male: p.male, id, commune_written: c.name.clone(), codes };
        let addr = format!("{}, {}, {}", p.hamlet, c.name, w.province.name);
        let rid = next_id();
        let codes = row.codes.clone();
        let record = make(row, addr, rid.clone());
        finish_truth(&mut reg.rows, &mut reg.truth, record, rid, String::new(), codes);
    }
}

/// Land: parcels of household heads and some spouses, owner's birth year only.
pub fn land(rng: &mut Rng, r: &Rates, w: &World) -> Registry {
    let mut reg = Registry::new("land", "dat_dai.csv", &LandRow::HEADER);
    let mut parcel: HashMap<String, u64> = HashMap::new();
    let mut next_parcel = |commune: &str, rng: &mut Rng| {
        let n = parcel.entry(commune.to_string()).or_insert(0);
        *n += 1;
        let sheet = 1 + rng.below(40);
        (format!("{commune}-{sheet:02}-{:05}", *n), sheet.to_string(), n.to_string())
    };
    for p in w.people {
        let owner = (p.head && rng.chance(0.75)) || (!p.head && p.spouse.is_some() && rng.chance(0.1));
        if !owner || p.age(&w.today) < 18 {
            continue;
        }
        for _ in 0..1 + rng.below(3) {
            let mut row = identity(rng, r, w, p, true);
            let mut updated = w.today;
            let (_, addr) = address(rng, r, w, p, false, &mut row, &mut updated);
            let active = status_active(rng, r, p, &mut row);
            let (id, sheet, number) = next_parcel(&p.commune, rng);
            let owner = titled(rng, r, w, p, row.name);
            let record = LandRow {
                parcel: id.clone(),
                sheet,
                number,
                owner,
                birth_year: row.dob,
                id: row.id,
                address: addr,
                status: status(active, "Đã cấp GCN", "Đã thu hồi GCN"),
            };
            finish_truth(&mut reg.rows, &mut reg.truth, record.cells(), id, p.pid.clone(), row.codes);
        }
    }
    let mut stranger_id = 0u64;
    strangers(
        rng,
        r,
        w,
        &mut reg,
        &mut || {
            stranger_id += 1;
            format!("00000-99-{stranger_id:05}")
        },
        |row, address, parcel| {
            LandRow {
                parcel,
                sheet: "99".into(),
                number: "0".into(),
                owner: row.name,
                birth_year: row.dob.rsplit('/').next().unwrap_or("").to_string(),
                id: row.id,
                address,
                status: "Đã cấp GCN".into(),
            }
            .cells()
        },
    );
    malform(rng, r.malformed_row, None, &mut reg);
    reg
}

/// An owner's name as land registers write it: with a title before it at the profile's
/// rate (`Ông`, `Bà`, `Hộ ông`, `Hộ bà`, `Hộ gia đình ông`, `HGĐ bà`, `HGĐ`, `Hộ`, `Anh`,
/// `Chị`, `Cụ` for the elderly, `Ông:` with a colon). A title is not part of the name: no
/// code.
fn titled(rng: &mut Rng, r: &Rates, w: &World, p: &Person, name: String) -> String {
    if r.title <= 0.0 || !rng.chance(r.title) {
        return name;
    }
    let elder = p.age(&w.today) >= 70;
    let title = if rng.chance(0.2) {
        rng.pick(&["HGĐ", "Hộ", "Hộ gia đình"])
    } else if elder && rng.chance(0.3) {
        rng.pick(if p.male { &["Cụ", "Cụ ông"] } else { &["Cụ", "Cụ bà"] })
    } else if p.male {
        rng.pick(&["Ông", "Hộ ông", "Hộ gia đình ông", "HGĐ ông", "Anh", "Ông:"])
    } else {
        rng.pick(&["Bà", "Hộ bà", "Hộ gia đình bà", "HGĐ bà", "Chị", "Bà:"])
    };
    format!("{title} {name}")
}

/// Education: pupils aged 3–18, with their parents' names.
pub fn education(rng: &mut Rng, r: &Rates, w: &World) -> (Registry, Vec<String>) {
    let mut reg = Registry::new("education", "giao_duc.csv", &EducationRow::HEADER);
    let mut counter = 0u64;
    let mut next_id = || {
        counter += 1;
        format!("HS{:09}", counter * 101)
    };
    let mut enrolled = HashSet::new();
    for p in w.people {
        let age = p.age(&w.today);
        if !(3..=18).contains(&age) {
            continue;
        }
        if p.death.is_some() || !rng.chance(0.9) {
            continue;
        }
        enrolled.insert(p.pid.as_str());
        let mut rates = r.clone();
        if age < 10 {
            rates.id_missing = (r.id_missing * 1.6).min(0.9);
        }
        let mut row = identity(rng, &rates, w, p, false);
        let mut updated = w.today;
        let (commune, _) = address(rng, r, w, p, true, &mut row, &mut updated);
        row.codes.remove("STALE_RECORD"); // the school file carries no update date
        let (father, mother) = parents(rng, r, w, p, &mut row);
        let school = if age < 6 {
            "MN"
        } else if age < 11 {
            "TH"
        } else if age < 15 {
            "THCS"
        } else {
            "THPT"
        };
        let id = next_id();
        let record = EducationRow {
            id: id.clone(),
            name: row.name,
            dob: row.dob,
            sex: sex_label(row.male),
            pid: row.id,
            school: format!("{school} {}", w.commune(&p.commune).name),
            grade: if age < 6 { "Lá".to_string() } else { format!("{}A", (age - 5).min(12)) },
            father,
            mother,
            commune,
            status: "Đang học".into(),
        };
        finish_truth(&mut reg.rows, &mut reg.truth, record.cells(), id, p.pid.clone(), row.codes);
    }
    strangers(rng, r, w, &mut reg, &mut next_id, |row, _, id| {
        EducationRow {
            id,
            name: row.name,
            dob: row.dob,
            sex: sex_label(row.male),
            pid: row.id,
            school: "TH".into(),
            grade: "3A".into(),
            father: String::new(),
            mother: String::new(),
            commune: row.commune_written,
            status: "Đang học".into(),
        }
        .cells()
    });
    // Without an update date the smallest record ID is kept: the copy sorts after.
    let (id_col, pid_col, dob_col) = (reg.col("Mã học sinh"), reg.col("Mã định danh"), reg.col("Ngày sinh"));
    duplicate(rng, r, (id_col, pid_col), &mut |orig| format!("{orig}-2"), None, &mut reg);
    malform(rng, r.malformed_row, Some(dob_col), &mut reg);
    // The residents the school register should hold (living, 6–17 in completed years on
    // the reference day) and does not.
    let absent = w
        .people
        .iter()
        .filter(|p| p.death.is_none() && (6..=17).contains(&p.completed_age(&w.today)))
        .filter(|p| !enrolled.contains(p.pid.as_str()))
        .map(|p| p.pid.clone())
        .collect();
    (reg, absent)
}

/// Makes the next registration number of an event kind and year (`KS-2019-0000042`).
type NextId<'a> = &'a mut dyn FnMut(&str, i32) -> String;

/// Civil status: births since 2016, deaths, marriages.
pub fn civil_status(
    rng: &mut Rng,
    r: &Rates,
    w: &World,
    death_not_in_population: f64,
    marital_conflict: f64,
) -> Registry {
    let mut reg = Registry::new("civil_status", "ho_tich.csv", &CivilRow::HEADER);
    let mut counter = 0u64;
    let mut next = |kind: &str, year: i32| {
        counter += 1;
        format!("{kind}-{year}-{counter:07}")
    };
    for (i, p) in w.people.iter().enumerate() {
        birth(rng, r, w, p, &mut next, &mut reg);
        death(rng, r, w, p, death_not_in_population, &mut next, &mut reg);
        marriage(rng, r, w, i, marital_conflict, &mut next, &mut reg);
    }
    let mut n = 0u64;
    strangers(
        rng,
        r,
        w,
        &mut reg,
        &mut || {
            n += 1;
            format!("KS-9999-{n:07}")
        },
        |row, _, id| {
            let place = row.commune_written.clone();
            CivilRow::of(id, "Khai sinh", "01/01/2024".into(), row, place).cells()
        },
    );
    let (id_col, event_col, dob_col) = (reg.col("Số đăng ký"), reg.col("Loại sự kiện"), reg.col("Ngày sinh"));
    let pid_col = reg.col("Số định danh");
    duplicate(rng, r, (id_col, pid_col), &mut |orig| format!("{orig}-2"), None, &mut reg);
    // A duplicated marriage is no duplicate (marriages may repeat), and a duplicated
    // death of a living person is one registration too many, not a second code.
    for (row, truth) in reg.rows.iter().zip(reg.truth.iter_mut()) {
        if row[event_col] == "Kết hôn" {
            truth.2.remove("DUPLICATE_RECORD");
        }
    }
    office_commune(rng, r.office_commune, reg.col("Nơi đăng ký"), &mut reg);
    malform(rng, r.malformed_row, Some(dob_col), &mut reg);
    reg
}

/// The birth registration of a person born since 2016, at 95 %.
fn birth(rng: &mut Rng, r: &Rates, w: &World, p: &Person, next: NextId, reg: &mut Registry) {
    if !(p.dob.year >= 2016 && p.dob.day != 0 && rng.chance(0.95)) {
        return;
    }
    let mut row = identity(rng, r, w, p, false);
    let mut updated = w.today;
    let (commune, _) = address(rng, r, w, p, false, &mut row, &mut updated);
    let (father, mother) = parents(rng, r, w, p, &mut row);
    let reg_date = PartialDate { day: p.dob.day.min(28), month: p.dob.month, year: p.dob.year };
    let id = next("KS", p.dob.year);
    let codes = std::mem::take(&mut row.codes);
    let record =
        CivilRow { father, mother, ..CivilRow::of(id.clone(), "Khai sinh", fmt_date(&reg_date), row, commune) };
    finish_truth(&mut reg.rows, &mut reg.truth, record.cells(), id, p.pid.clone(), codes);
}

/// The death registration of a dead person (85 %), or of a living one over 60 whose
/// death the population has not recorded (`DEATH_NOT_IN_POPULATION`, at its rate).
fn death(rng: &mut Rng, r: &Rates, w: &World, p: &Person, unrecorded_rate: f64, next: NextId, reg: &mut Registry) {
    let unrecorded = p.death.is_none() && p.age(&w.today) > 60 && rng.chance(unrecorded_rate);
    if !((p.death.is_some() && rng.chance(0.85)) || unrecorded) {
        return;
    }
    let mut row = identity(rng, r, w, p, false);
    let mut updated = w.today;
    let (commune, _) = address(rng, r, w, p, false, &mut row, &mut updated);
    if unrecorded {
        row.codes.insert("DEATH_NOT_IN_POPULATION");
    }
    let when = p.death.unwrap_or(w.today);
    let id = next("KT", when.year);
    let codes = std::mem::take(&mut row.codes);
    let record = CivilRow::of(id.clone(), "Khai tử", fmt_date(&when), row, commune);
    finish_truth(&mut reg.rows, &mut reg.truth, record.cells(), id, p.pid.clone(), codes);
}

/// Marriages: a third of the couples registered theirs (one row per spouse); some single
/// people have one the population does not show (`MARITAL_CONFLICT`, at its rate).
fn marriage(rng: &mut Rng, r: &Rates, w: &World, i: usize, conflict_rate: f64, next: NextId, reg: &mut Registry) {
    let p = &w.people[i];
    let married = p.spouse.is_some_and(|s| s > i) && rng.chance(0.33);
    let conflict = p.spouse.is_none() && p.marital == "Độc thân" && p.age(&w.today) >= 20 && rng.chance(conflict_rate);
    if !(married || conflict) {
        return;
    }
    let partners: Vec<usize> = if married { vec![i, p.spouse.unwrap_or(i)] } else { vec![i] };
    let year = (p.dob.year + 22).min(w.today.year);
    for q in partners {
        let q = &w.people[q];
        let mut row = identity(rng, r, w, q, false);
        let mut updated = w.today;
        let (commune, _) = address(rng, r, w, q, false, &mut row, &mut updated);
        if conflict {
            row.codes.insert("MARITAL_CONFLICT");
        }
        let id = next("KH", year);
        let codes = std::mem::take(&mut row.codes);
        let record = CivilRow::of(id.clone(), "Kết hôn", format!("15/06/{year}"), row, commune);
        finish_truth(&mut reg.rows, &mut reg.truth, record.cells(), id, q.pid.clone(), codes);
    }
}
