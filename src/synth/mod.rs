//! The synthetic province: a realistic Lai Châu population extract, its four registries
//! in their agencies' own formats, a job that runs them, and the truth of every row.
//!
//! [`generate`] is deterministic for a seed (byte-identical files). The population and
//! registries come from [`population`] and [`registries`]; the damage rates from a
//! [`profile::Profile`]. Written into the output folder:
//! `population.csv`, `ho_tich.csv`, `bhxh.csv` (Windows-1258), `dat_dai.csv` (TCVN3),
//! `giao_duc.csv`, `rules/*.toml`, `job.toml`, and `truth/` with one CSV per agency
//! (`record_id, person_id, codes`) and `truth/coverage.csv` (`agency, person_id, code`:
//! the residents a registry should hold and does not).

mod damage;
pub mod nation;
pub mod population;
pub mod profile;
pub mod province;
pub mod registries;
mod spelling;
pub mod world;

use crate::cells::csv_cell;
use crate::error::{Error, Result};
use crate::rng::Rng;
use crate::vn::date::PartialDate;
use population::Person;
use profile::Profile;
use registries::Registry;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use world::World;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// People in the population.
    pub people: usize,
    /// Seed.
    pub seed: u64,
    /// Damage rates and formats.
    pub profile: Profile,
    /// The day the extract is taken.
    pub today: PartialDate,
}

/// What was generated.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The job file.
    pub job: PathBuf,
    /// People.
    pub people: usize,
    /// (agency, rows) per registry.
    pub registries: Vec<(String, usize)>,
}

fn encode(text: &str, format: &str) -> Result<Vec<u8>> {
    match format {
        "utf-8" => Ok(text.as_bytes().to_vec()),
        "utf-8-bom" => Ok([&b"\xEF\xBB\xBF"[..], text.as_bytes()].concat()),
        "windows-1258" => Ok(to_cp1258(text)),
        "tcvn3" => Ok(to_tcvn3(text)),
        other => Err(Error::Usage(format!(
            "unknown file format '{other}' in the profile (utf-8, utf-8-bom, windows-1258, tcvn3, xlsx)"
        ))),
    }
}

/// Windows-1258: letters with modifiers are in the code page, tones are combining marks.
/// The table is the decoder's, inverted (encoding_rs's encoder decomposes letters the
/// code page does hold, such as ă and ư).
fn to_cp1258(text: &str) -> Vec<u8> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    use unicode_normalization::UnicodeNormalization;
    const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
    static TABLE: OnceLock<HashMap<char, u8>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0u8..=255)
            .filter_map(|b| {
                let bytes = [b];
                let (s, _, bad) = encoding_rs::WINDOWS_1258.decode(&bytes);
                let mut chars = s.chars();
                match (chars.next(), chars.next(), bad) {
                    (Some(c), None, false) => Some((c, b)),
                    _ => None,
                }
            })
            .collect()
    });
    let mut out = Vec::with_capacity(text.len());
    for ch in text.chars() {
        if let Some(&b) = table.get(&ch) {
            out.push(b);
            continue;
        }
        let nfd: String = ch.to_string().nfd().collect();
        let base: String = nfd.chars().filter(|c| !TONES.contains(c)).collect::<String>().nfc().collect();
        for c in base.chars().chain(nfd.chars().filter(|c| TONES.contains(c))) {
            out.push(*table.get(&c).unwrap_or(&b'?'));
        }
    }
    out
}

/// TCVN3 (ABC): one byte a letter from the reference table; capital toned letters take
/// the lower-case byte, as TCVN3 has none.
fn to_tcvn3(text: &str) -> Vec<u8> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static TABLE: OnceLock<HashMap<char, u8>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = HashMap::new();
        for line in include_str!("../../rules/tcvn3_to_unicode.csv").lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let byte = u8::from_str_radix(f[0], 16).expect("hex byte");
            if let Some(u) = f[2].chars().next() {
                t.entry(u).or_insert(byte);
                for up in u.to_uppercase() {
                    t.entry(up).or_insert(byte);
                }
            }
        }
        t
    });
    use unicode_normalization::UnicodeNormalization;
    text.nfc()
        .map(|c| match table.get(&c) {
            Some(&b) => b,
            None if c.is_ascii() => c as u8,
            // TCVN3 spends the high bytes on letters: a typist's dash is a hyphen there.
            None if matches!(c, '–' | '—') => b'-',
            None => b'?',
        })
        .collect()
}

fn csv_text(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = String::with_capacity(rows.len() * 100);
    s.push_str(&header.iter().map(|h| csv_cell(h)).collect::<Vec<_>>().join(","));
    s.push('\n');
    for r in rows {
        s.push_str(&r.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        s.push('\n');
    }
    s
}

/// The civil-status entry of [`JOB`].
const CIVIL_STATUS_JOB: &str = "[[registry]]
agency = \"civil_status\"
name = \"Sở Tư pháp — hộ tịch\"
file = \"ho_tich.csv\"
rules = \"rules/civil_status.toml\"
";

/// Civil status written as three exports, one per event type (`ho_tich_khai_sinh.csv`,
/// `…_khai_tu.csv`, `…_ket_hon.csv`), without the event-type column, each with a rules
/// file that gives every row its event (`[values]`). Gives the job's entries for them.
fn write_split_civil_status(dir: &Path, reg: &Registry, format: &str, variant: bool, joined: bool) -> Result<String> {
    let event = reg.header.iter().position(|h| *h == "Loại sự kiện").expect("civil status has an event column");
    let header: Vec<&str> = reg.header.iter().enumerate().filter(|(i, _)| *i != event).map(|(_, h)| *h).collect();
    let header = spelling::headers(reg.agency, &header, variant);
    let rules = crate::config::DEFAULT_RULES
        .iter()
        .find(|(name, _)| *name == "rules/civil_status.toml")
        .map(|(_, text)| *text)
        .expect("default civil-status rules");
    let mut job = String::new();
    for (value, slug) in [("Khai sinh", "khai_sinh"), ("Khai tử", "khai_tu"), ("Kết hôn", "ket_hon")] {
        // A row is in the file of its record ID's kind (KS, KT, KH): a short, broken row
        // keeps its ID.
        let prefix = match slug {
            "khai_sinh" => "KS-",
            "khai_tu" => "KT-",
            _ => "KH-",
        };
        let rows: Vec<Vec<String>> = reg
            .rows
            .iter()
            .filter(|r| r.first().is_some_and(|id| id.starts_with(prefix)))
            .map(|r| r.iter().enumerate().filter(|(i, _)| *i != event).map(|(_, v)| v.clone()).collect())
            .collect();
        let file = format!("ho_tich_{slug}.csv");
        let bytes = encode(&csv_text(&header, &rows), format)?;
        write(&dir.join(&file), &joined_exports(bytes, joined && format == "utf-8-bom"))?;
        let own_rules = rules
            .replace("\"Loại sự kiện\" = \"event_type\"\n", "")
            .replace("\n[events]", &format!("\n[values]\nevent_type = \"{value}\"\n\n[events]"));
        let own_rules = spelling::rules(reg.agency, &own_rules, variant);
        write(&dir.join(format!("rules/civil_status_{slug}.toml")), own_rules.as_bytes())?;
        job.push_str(&format!(
            "[[registry]]\nagency = \"civil_status\"\nname = \"Sở Tư pháp — hộ tịch\"\nfile = \"{file}\"\nrules = \"rules/civil_status_{slug}.toml\"\n\n"
        ));
    }
    Ok(job.trim_end().to_string() + "\n")
}

/// A registry as a workbook, as agencies export one from a spreadsheet: full dates of
/// birth as date cells, birth years as numbers, personal IDs as numbers (the leading
/// zero lost; the reader restores it), everything else as text. Created on `today`, so
/// the same seed gives the same bytes. Gives, per row, whether its ID became a number.
fn write_xlsx(path: &Path, reg: &Registry, today: &PartialDate, variant: bool, sheets: usize) -> Result<Vec<bool>> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};
    let err = |e: rust_xlsxwriter::XlsxError| Error::Input { path: path.into(), message: format!("cannot write: {e}") };
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(today.year as u16, today.month, today.day).map_err(err)?;
    book.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let dob = reg.header.iter().position(|h| *h == "Ngày sinh");
    let id = reg.header.iter().position(|h| *h == "Mã định danh" || *h == "Số định danh" || *h == "Số CCCD/CMND");
    // The rows spread over `sheets` sheets, each with the header row.
    let sheets = sheets.max(1);
    let per_sheet = reg.rows.len().div_ceil(sheets).max(1);
    let mut numeric_ids = vec![false; reg.rows.len()];
    let mut sheet = book.add_worksheet();
    for (i, row) in reg.rows.iter().enumerate() {
        // A broken export row (cut short) has no form in a workbook, whose rows have every
        // cell: it is written whole, with the impossible date the other broken rows
        // carry, so that its truth (REJECTED_ROW) holds.
        let padded: Vec<String>;
        let row = match dob {
            Some(c) if row.len() < reg.header.len() => {
                padded = (0..reg.header.len())
                    .map(|k| if k == c { "31/02/1990".to_string() } else { row.get(k).cloned().unwrap_or_default() })
                    .collect();
                &padded
            }
            _ => row,
        };
        if i % per_sheet == 0 {
            if i > 0 {
                sheet = book.add_worksheet();
            }
            for (c, h) in reg.header.iter().enumerate() {
                sheet.write_string(0, c as u16, spelling::header(reg.agency, h, variant)).map_err(err)?;
            }
        }
        numeric_ids[i] = id
            .and_then(|c| row.get(c))
            .is_some_and(|v| v.len() == 12 && !v.starts_with("00") && v.bytes().all(|b| b.is_ascii_digit()));
        let r = (i % per_sheet) as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            let col = c as u16;
            let full_date = (Some(c) == dob).then(|| date_parts(v)).flatten();
            let number_id = Some(c) == id && numeric_ids[i];
            let year = Some(c) == dob && v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit());
            if let Some(d) = full_date.and_then(|(y, m, d)| ExcelDateTime::from_ymd(y, m, d).ok()) {
                sheet.write_datetime_with_format(r, col, &d, &date).map_err(err)?;
            } else if year || number_id {
                sheet.write_number(r, col, v.parse::<f64>().unwrap_or(0.0)).map_err(err)?;
            } else if !v.is_empty() {
                sheet.write_string(r, col, v).map_err(err)?;
            }
        }
    }
    book.save(path).map_err(err)?;
    Ok(numeric_ids)
}

/// An export written as two joined: the second half's first row starts with the BOM its
/// own export had (`on`), as when two files are concatenated and the second header is
/// deleted by hand.
fn joined_exports(mut bytes: Vec<u8>, on: bool) -> Vec<u8> {
    if on {
        if let Some(at) = bytes[bytes.len() / 2..].iter().position(|&b| b == b'\n') {
            let at = bytes.len() / 2 + at + 1;
            if at < bytes.len() {
                bytes.splice(at..at, b"\xEF\xBB\xBF".iter().copied());
            }
        }
    }
    bytes
}

/// (year, month, day) of a `dd/mm/yyyy` value.
fn date_parts(v: &str) -> Option<(u16, u8, u8)> {
    let mut parts = v.split('/');
    let (d, m, y) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    parts.next().is_none().then_some((y, m, d))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

fn fmt(d: &PartialDate) -> String {
    match (d.month, d.day) {
        (0, _) => d.year.to_string(),
        _ => format!("{:02}/{:02}/{}", d.day, d.month, d.year),
    }
}

/// The population extract: the rows of `people` that `living` keeps (a draw is made
/// for every person, kept or not, so that leaving some out changes no other row).
fn population_csv(
    people: &[&Person],
    world: &World,
    variant: bool,
    dob_missing: (f64, u64),
    living: &dyn Fn(usize) -> bool,
) -> String {
    let header = [
        "Số định danh cá nhân",
        "Số CMND",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Dân tộc",
        "Mã xã thường trú",
        "Địa chỉ thường trú",
        "Họ tên cha",
        "Họ tên mẹ",
        "Tình trạng hôn nhân",
        "Tình trạng",
        "Ngày mất",
        "Ngày cập nhật",
    ];
    let group = |g: &str| population::GROUPS.iter().find(|x| x.0 == g).map_or("Kinh", |x| x.1);
    let parent = |i: Option<usize>| i.map(|i| people[i].name()).unwrap_or_default();
    // A generator of its own: blanking dates leaves every other draw of the seed as it was.
    let mut rng = Rng::new(dob_missing.1 ^ 0x0D0B_0D0B);
    let rows: Vec<Vec<String>> = people
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let dob = if rng.chance(dob_missing.0) { String::new() } else { fmt(&p.dob) };
            let row = vec![
                p.pid.clone(),
                p.cmnd.clone(),
                p.name(),
                dob,
                if p.male { "Nam" } else { "Nữ" }.into(),
                group(p.group).into(),
                p.commune.clone(),
                format!("{}, {}, {}", p.hamlet, world.commune(&p.commune).name, world.province.name),
                parent(p.father),
                parent(p.mother),
                p.marital.into(),
                if p.death.is_some() { "Đã chết" } else { "Còn sống" }.into(),
                p.death.as_ref().map(fmt).unwrap_or_default(),
                fmt(&p.updated),
            ];
            living(i).then_some(row)
        })
        .collect();
    csv_text(&spelling::headers("population", &header, variant), &rows)
}

const JOB: &str = r#"# A synthetic Lai Châu province written by `doisoat generate`. Paths are relative to
# this file; the truth of every registry row is in truth/.
province = "12"
run_root = "runs"
reference_date = "DATE"
seed = SEED

[population]
file = "population.csv"
rules = "rules/population.toml"

[[registry]]
agency = "civil_status"
name = "Sở Tư pháp — hộ tịch"
file = "ho_tich.csv"
rules = "rules/civil_status.toml"

[[registry]]
agency = "insurance"
name = "BHXH tỉnh Lai Châu"
file = "bhxh.csv"
rules = "rules/insurance.toml"

[[registry]]
agency = "land"
name = "Sở Nông nghiệp và Môi trường — đất đai"
file = "dat_dai.csv"
rules = "rules/land.toml"

[[registry]]
agency = "education"
name = "Sở Giáo dục và Đào tạo"
file = "giao_duc.csv"
rules = "rules/education.toml"
"#;

/// Generates a province into `dir`.
pub fn generate(dir: &Path, opts: &Options) -> Result<Summary> {
    let built = build(opts, world::Province::lai_chau());
    write_province(dir, opts, &built, &Moves::default())
}

/// A province built in memory: its population, its registries and the residents its
/// education registry should hold and does not.
struct Built {
    province: world::Province,
    profile: Profile,
    names: population::Names,
    communes: Vec<population::Commune>,
    people: Vec<Person>,
    today: PartialDate,
    registries: [Registry; 4],
    absent: Vec<String>,
}

impl Built {
    fn world(&self) -> World<'_> {
        World::new(&self.province, &self.people, &self.communes, &self.names, self.today)
    }
}

/// How a province of a nation differs from one generated alone: people who moved out
/// (their rows left out of its population, their records kept in its registries),
/// people who moved in (added to its population) and where its population is written.
#[derive(Default)]
struct Moves {
    gone: HashSet<usize>,
    arrived: Vec<Person>,
    /// The population's file (relative to the province folder) and the job's partition,
    /// when the population is a partition of a lake.
    lake: Option<(PathBuf, String)>,
}

/// Builds a province (seeded by `opts.seed`).
fn build(opts: &Options, province: world::Province) -> Built {
    let mut rng = Rng::new(opts.seed);
    let names = population::Names::load();
    let communes = population::communes(&mut rng, &province.code);
    // A decomposed name cannot survive a legacy code page: only UTF-8 files get one.
    let mut profile = opts.profile.clone();
    let f = profile.formats.clone();
    for (rates, format) in [
        (&mut profile.civil_status, &f.civil_status),
        (&mut profile.insurance, &f.insurance),
        (&mut profile.land, &f.land),
        (&mut profile.education, &f.education),
    ] {
        if !format.starts_with("utf-8") {
            rates.decomposed = 0.0;
        }
    }
    let p = &profile;
    let people = population::generate(
        &mut rng,
        &province,
        opts.people,
        &communes,
        &names,
        &opts.today,
        (p.deceased_share.unwrap_or(0.02), p.mover_share.unwrap_or(0.04)),
    );
    let world = World::new(&province, &people, &communes, &names, opts.today);
    let civil = registries::civil_status(
        &mut rng,
        &p.civil_status,
        &world,
        p.death_not_in_population.unwrap_or(0.01),
        p.marital_conflict.unwrap_or(0.01),
    );
    let insurance = registries::insurance(&mut rng, &p.insurance, &world);
    let land = registries::land(&mut rng, &p.land, &world);
    let (education, absent) = registries::education(&mut rng, &p.education, &world);
    drop(world);
    let registries = [civil, insurance, land, education];
    Built { province, profile, names, communes, people, today: opts.today, registries, absent }
}

/// Writes a built province into `dir`.
fn write_province(dir: &Path, opts: &Options, built: &Built, moves: &Moves) -> Result<Summary> {
    let p = &built.profile;
    let variant = match p.formats.headers.as_str() {
        "standard" => false,
        "variant" => true,
        other => {
            return Err(Error::Usage(format!("unknown header spelling '{other}' in the profile (standard, variant)")))
        }
    };
    let dob_missing = (p.population_dob_missing.unwrap_or(0.0), opts.seed);
    let world = built.world();
    // The people who moved in follow the province's own (their parents and spouse are
    // not in it): the indexes of the province's own people stay as they were.
    let people: Vec<&Person> = built.people.iter().chain(&moves.arrived).collect();
    let living = |i: usize| !moves.gone.contains(&i);
    let population = population_csv(&people, &world, variant, dob_missing, &living);
    let mut job = JOB.replace("\"12\"", &format!("\"{}\"", built.province.code));
    job = job.replace("Lai Châu", built.province.name.trim_start_matches("Tỉnh ").trim_start_matches("Thành phố "));
    match &moves.lake {
        None => write(&dir.join("population.csv"), population.as_bytes())?,
        Some((file, at)) => {
            write(&dir.join(file).join(at).join("population.csv"), population.as_bytes())?;
            let (key, value) = at.split_once('=').unwrap_or(("province", at));
            job = job.replace(
                "[population]\nfile = \"population.csv\"",
                &format!("[partition]\n{key} = \"{value}\"\n\n[population]\nfile = \"{}\"", file.display()),
            );
        }
    }
    let joined = p.formats.joined_exports;
    let formats = [&p.formats.civil_status, &p.formats.insurance, &p.formats.land, &p.formats.education];
    let mut summary = Vec::new();
    for (reg, format) in built.registries.iter().zip(formats) {
        let mut numeric_ids = Vec::new();
        if reg.agency == "civil_status" && p.formats.civil_status_split {
            job = job.replace(CIVIL_STATUS_JOB, &write_split_civil_status(dir, reg, format, variant, joined)?);
        } else if format == "xlsx" {
            let file = reg.file.replace(".csv", ".xlsx");
            numeric_ids = write_xlsx(&dir.join(&file), reg, &opts.today, variant, p.formats.education_sheets)?;
            job = job.replace(&format!("file = \"{}\"", reg.file), &format!("file = \"{file}\""));
        } else {
            let header = spelling::headers(reg.agency, &reg.header, variant);
            write(
                &dir.join(reg.file),
                &joined_exports(encode(&csv_text(&header, &reg.rows), format)?, joined && format == "utf-8-bom"),
            )?;
        }
        let truth: Vec<Vec<String>> = reg
            .truth
            .iter()
            .enumerate()
            .map(|(i, (id, person, codes))| {
                // An ID stored as a number lost its leading zero: malformed as written.
                let mut codes = codes.clone();
                if numeric_ids.get(i) == Some(&true) && !codes.contains("REJECTED_ROW") {
                    codes.insert("ID_MALFORMED");
                }
                vec![id.clone(), person.clone(), codes.iter().copied().collect::<Vec<_>>().join(";")]
            })
            .collect();
        write(
            &dir.join("truth").join(format!("{}.csv", reg.agency)),
            csv_text(&["record_id", "person_id", "codes"], &truth).as_bytes(),
        )?;
        summary.push((reg.agency.to_string(), reg.rows.len()));
    }
    let coverage: Vec<Vec<String>> =
        built.absent.iter().map(|pid| vec!["education".into(), pid.clone(), "EXPECTED_ABSENT".into()]).collect();
    write(&dir.join("truth/coverage.csv"), csv_text(&["agency", "person_id", "code"], &coverage).as_bytes())?;
    for (name, text) in crate::config::DEFAULT_RULES {
        let agency = name.trim_start_matches("rules/").trim_end_matches(".toml");
        write(&dir.join(name), spelling::rules(agency, text, variant).as_bytes())?;
    }
    let t = opts.today;
    let job = job
        .replace("SEED", &opts.seed.to_string())
        .replace("DATE", &format!("{:04}-{:02}-{:02}", t.year, t.month, t.day));
    write(&dir.join("job.toml"), job.as_bytes())?;
    let people = people.len() - moves.gone.len();
    Ok(Summary { job: dir.join("job.toml"), people, registries: summary })
}
