//! The synthetic population of Lai Châu: households of the province's ethnic groups with
//! their naming patterns, a young age pyramid, personal IDs with the real structure,
//! legacy CMND for part of the adults, marriages, deaths and movers.
//!
//! Sources: `names_vi.csv` and `names_vi.md` (names and patterns by group; the ethnic
//! shares are that file's unverified estimates), `id_number_rules.md` and
//! `province_id_codes.csv` (ID structure), `admin_units_2025.csv` and the legacy mapping
//! (communes), all copied to `rules/`.

use super::province::Province;
use crate::rng::Rng;
use crate::vn::admin::AdminUnits;
use crate::vn::date::PartialDate;
use crate::vn::text;
use std::collections::HashMap;

/// An ethnic group and its share of the province (names_vi.md, approximate).
pub const GROUPS: &[(&str, &str, f64)] = &[
    ("mong", "Mông", 0.38),
    ("thai", "Thái", 0.30),
    ("kinh", "Kinh", 0.14),
    ("dao", "Dao", 0.12),
    ("hanhi", "Hà Nhì", 0.04),
    ("other", "Giáy", 0.02),
];

/// Syllables of hamlet names (Thái and Mông place names of the province).
const HAMLET_SYLLABLES: &[&str] = &[
    "Nà", "Pá", "Hua", "Nậm", "Huổi", "Phiêng", "Sin", "Chải", "Ma", "Tả", "Sì", "Pậu", "Khoa", "Mới", "Lao", "Chu",
    "Sáng", "Cang", "Hồ", "Thầu", "Pho", "Cúm", "Luông", "Dào", "Mường", "Kim", "Ngà", "Tẩm", "Lèng", "Hon",
];

/// One person of the synthetic population.
#[derive(Debug, Clone)]
pub struct Person {
    /// Personal ID (12 digits).
    pub pid: String,
    /// Legacy CMND (9 digits) or empty.
    pub cmnd: String,
    /// Surname, middle name(s), given name.
    pub surname: String,
    /// Middle name (may be empty).
    pub middle: String,
    /// Given name.
    pub given: String,
    /// Ethnic group key.
    pub group: &'static str,
    /// Male.
    pub male: bool,
    /// Date of birth as the population knows it (month/day 0 when year only).
    pub dob: PartialDate,
    /// 2025 commune code of residence.
    pub commune: String,
    /// Hamlet.
    pub hamlet: String,
    /// The commune lived in before a move, and the move date.
    pub moved_from: Option<(String, PartialDate)>,
    /// Father, mother, spouse (indexes).
    pub father: Option<usize>,
    /// Mother.
    pub mother: Option<usize>,
    /// Spouse.
    pub spouse: Option<usize>,
    /// Date of death.
    pub death: Option<PartialDate>,
    /// Marital status as the population records it.
    pub marital: &'static str,
    /// Last update in the population.
    pub updated: PartialDate,
    /// Household head.
    pub head: bool,
}

impl Person {
    /// Full name in canonical form.
    pub fn name(&self) -> String {
        [&self.surname, &self.middle, &self.given]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Age on a day.
    pub fn age(&self, today: &PartialDate) -> i32 {
        today.year - self.dob.year
    }

    /// Age in completed years on `today` (the year difference when the day of birth is
    /// unknown), as coverage counts it.
    pub fn completed_age(&self, today: &PartialDate) -> i32 {
        crate::vn::date::completed_years(&self.dob, today)
    }
}

/// (group, part, sex) → (names, weights).
type NameLists = HashMap<(String, String, char), (Vec<String>, Vec<f64>)>;

/// Names of one group, part and sex, with weights.
pub struct Names {
    lists: NameLists,
}

impl Names {
    /// From the embedded `names_vi.csv` (Ð repaired to Đ, as the reference says).
    pub fn load() -> Names {
        let mut lists: NameLists = HashMap::new();
        for line in include_str!("../../rules/names_vi.csv").lines().skip(1) {
            let f = split_csv(line);
            let (name, part, gender, group) = (&f[0], &f[1], &f[2], &f[3]);
            let weight = f[4].parse::<f64>().unwrap_or(1.0).max(0.05);
            let name = text::canonical_tones(&text::clean(name));
            let sexes: &[char] = match gender.as_str() {
                "m" => &['m'],
                "f" => &['f'],
                _ => &['m', 'f'],
            };
            for &s in sexes {
                let e = lists.entry((group.clone(), part.clone(), s)).or_default();
                e.0.push(name.clone());
                e.1.push(weight);
            }
        }
        Names { lists }
    }

    /// A name of a group, part and sex; falls back to the Kinh lists.
    pub fn pick(&self, rng: &mut Rng, group: &str, part: &str, male: bool) -> String {
        let s = if male { 'm' } else { 'f' };
        let list = self
            .lists
            .get(&(group.to_string(), part.to_string(), s))
            .filter(|l| l.0.len() >= 3)
            .or_else(|| self.lists.get(&("kinh".to_string(), part.to_string(), s)))
            .expect("names_vi.csv has Kinh names of every part");
        list.0[rng.weighted(&list.1)].clone()
    }
}

/// Splits one CSV line with quoted fields.
pub fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// A commune with its hamlets.
pub struct Commune {
    /// 2025 code.
    pub code: String,
    /// 2025 full name.
    pub name: String,
    /// Legacy units (full name, district) that went into it.
    pub legacy: Vec<(String, String)>,
    /// Hamlet names.
    pub hamlets: Vec<String>,
}

/// The communes of a province (Lai Châu's 38) with generated hamlets.
pub fn communes(rng: &mut Rng, province: &str) -> Vec<Commune> {
    let units = AdminUnits::get();
    units
        .province_units(province)
        .into_iter()
        .map(|u| {
            let urban = u.name.starts_with("Phường");
            let n = 6 + rng.below(8) as usize;
            let hamlets = (0..n)
                .map(|i| {
                    if urban {
                        format!("Tổ {}", i + 1)
                    } else {
                        format!("Bản {} {}", rng.pick(HAMLET_SYLLABLES), rng.pick(HAMLET_SYLLABLES))
                    }
                })
                .collect();
            Commune { code: u.code.clone(), name: u.name.clone(), legacy: units.legacy_units_of(&u.code), hamlets }
        })
        .collect()
}

/// The province codes of birth registration other than the province's own and its
/// neighbour's.
fn other_province_codes(province: &Province) -> Vec<String> {
    crate::vn::id::province_codes()
        .iter()
        .filter(|c| **c != province.id_code && **c != province.neighbour)
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

pub(crate) fn random_date(rng: &mut Rng, from: i32, to: &PartialDate) -> PartialDate {
    loop {
        let year = from + rng.below((to.year - from + 1) as u64) as i32;
        let d = PartialDate { year, month: 1 + rng.below(12) as u8, day: 1 + rng.below(28) as u8 };
        if d <= *to {
            return d;
        }
    }
}

/// Makes one person: date of birth, personal ID (serials per prefix), legacy CMND,
/// middle and given names of the group.
struct Maker<'a> {
    names: &'a Names,
    today: &'a PartialDate,
    /// The province.
    province: &'a Province,
    /// Province codes of the rest of the country (people born elsewhere).
    others: Vec<String>,
    serials: HashMap<String, u64>,
    cmnd_counter: u64,
}

impl Maker<'_> {
    #[allow(clippy::too_many_arguments)]
    fn person(
        &mut self,
        rng: &mut Rng,
        group: &'static str,
        male: bool,
        age: i32,
        surname: String,
        commune: &Commune,
        hamlet: &str,
    ) -> Person {
        let (names, today) = (self.names, self.today);
        let year = today.year - age;
        let dob = self.dob(rng, group, age, year);
        let pid = self.pid(rng, male, year);
        let cmnd = if year < 2000 && rng.chance(0.6) {
            self.cmnd_counter += 1;
            // Another two-digit prefix per province of a nation: no two share a CMND.
            let prefix = (4 + 6 * self.province.index) % 100;
            format!("{prefix:02}{:07}", (self.cmnd_counter * 7_654_321 + 13) % 10_000_000)
        } else {
            String::new()
        };
        let middle = match (group, male) {
            ("mong", true) => {
                if rng.chance(0.85) {
                    "A".to_string()
                } else {
                    "Seo".to_string()
                }
            }
            ("dao", true) => {
                if rng.chance(0.5) {
                    "Láo".to_string()
                } else {
                    "Văn".to_string()
                }
            }
            ("kinh", _) if age < 40 && rng.chance(0.5) => names.pick(rng, "kinh", "middle", male),
            (_, true) => "Văn".to_string(),
            (_, false) => "Thị".to_string(),
        };
        Person {
            pid,
            cmnd,
            surname,
            middle,
            given: names.pick(rng, group, "given", male),
            group,
            male,
            dob,
            commune: commune.code.clone(),
            hamlet: hamlet.to_string(),
            moved_from: None,
            father: None,
            mother: None,
            spouse: None,
            death: None,
            marital: "Độc thân",
            updated: random_date(rng, 2020, today),
            head: false,
        }
    }

    /// A date of birth in `year`; older people in remote communes have the year only, or
    /// the conventional 01/01.
    fn dob(&self, rng: &mut Rng, group: &str, age: i32, year: i32) -> PartialDate {
        let today = self.today;
        let mut dob = random_date(rng, year, today);
        dob.year = year;
        if dob > *today {
            dob = PartialDate { year, month: 1, day: 1 };
        }
        if age > 55 && group != "kinh" {
            match rng.below(10) {
                0..=2 => dob = PartialDate { year, month: 0, day: 0 },
                3 | 4 => dob = PartialDate { year, month: 1, day: 1 },
                _ => {}
            }
        }
        dob
    }

    /// A personal ID with the real structure: province of birth (mostly the province's
    /// own, some its neighbour's, a few elsewhere), century and sex digit, birth year, a
    /// serial. Each province of a nation counts its serials from its own offset (a
    /// prefix serves far fewer than 50 000 people of a province), so no two issue one ID.
    fn pid(&mut self, rng: &mut Rng, male: bool, year: i32) -> String {
        let code = match rng.below(100) {
            0..=89 => self.province.id_code.clone(),
            90..=95 => self.province.neighbour.clone(),
            _ => rng.pick_string(&self.others),
        };
        let d4 = 2 * ((year - 1900) / 100) as u64 + u64::from(!male);
        let prefix = format!("{code}{d4}{:02}", year % 100);
        let counter = self.serials.entry(prefix.clone()).or_insert(self.province.index * 50_000);
        let serial = (*counter * 7919 + 104_729) % 1_000_000;
        *counter += 1;
        format!("{prefix}{serial:06}")
    }
}

/// Builds the population: households until `n` people.
pub fn generate(
    rng: &mut Rng,
    province: &Province,
    n: usize,
    communes: &[Commune],
    names: &Names,
    today: &PartialDate,
    (deceased_share, mover_share): (f64, f64),
) -> Vec<Person> {
    let others = other_province_codes(province);
    let mut maker = Maker { names, today, province, others, serials: HashMap::new(), cmnd_counter: 0 };
    let mut people: Vec<Person> = Vec::with_capacity(n + 8);
    let weights: Vec<f64> = GROUPS.iter().map(|g| g.2).collect();
    while people.len() < n {
        household(rng, &mut maker, &weights, communes, n, &mut people);
    }
    people.truncate(n);
    for p in people.iter_mut() {
        if rng.chance(deceased_share) {
            let death = random_date(rng, 2016.max(p.dob.year), today);
            p.death = Some(death);
            p.updated = death;
        }
        if p.death.is_none() && rng.chance(mover_share) {
            let from =
                std::mem::replace(&mut p.commune, communes[rng.below(communes.len() as u64) as usize].code.clone());
            if from != p.commune {
                let when = random_date(rng, 2024, today);
                p.moved_from = Some((from, when));
                p.updated = when;
            }
        }
    }
    // A spouse's death makes a widow(er); spouses of people cut by `truncate` are single.
    for i in 0..people.len() {
        match people[i].spouse {
            Some(s) if s >= people.len() => {
                people[i].spouse = None;
                people[i].marital = "Độc thân";
            }
            Some(s) if people[s].death.is_some() && people[i].death.is_none() => people[i].marital = "Góa",
            _ => {}
        }
        for parent in [people[i].father, people[i].mother] {
            if parent.is_some_and(|p| p >= people.len()) {
                people[i].father = people[i].father.filter(|&f| f < people.len());
                people[i].mother = people[i].mother.filter(|&m| m < people.len());
            }
        }
    }
    people
}

/// One household: a head, mostly a spouse (who keeps her own clan name), children with
/// the father's surname, until the population has `n` people.
fn household(
    rng: &mut Rng,
    maker: &mut Maker,
    weights: &[f64],
    communes: &[Commune],
    n: usize,
    people: &mut Vec<Person>,
) {
    let names = maker.names;
    let group = GROUPS[rng.weighted(weights)].0;
    let commune = &communes[rng.below(communes.len() as u64) as usize];
    let hamlet = rng.pick_string(&commune.hamlets);
    let head_age = 22 + rng.below(50) as i32;
    let surname = names.pick(rng, group, "surname", true);
    let head_male = rng.chance(0.85);
    let head = people.len();
    let mut p = maker.person(rng, group, head_male, head_age, surname.clone(), commune, &hamlet);
    p.head = true;
    people.push(p);
    let mut spouse = None;
    if rng.chance(0.8) {
        let age = (head_age + rng.below(9) as i32 - 4).max(18);
        let s_surname = names.pick(rng, group, "surname", true);
        let mut s = maker.person(rng, group, !head_male, age, s_surname, commune, &hamlet);
        s.spouse = Some(head);
        s.marital = "Đã kết hôn";
        spouse = Some(people.len());
        people[head].spouse = spouse;
        people[head].marital = "Đã kết hôn";
        people.push(s);
    }
    let max_children = if matches!(group, "mong" | "dao") { 6 } else { 3 };
    let n_children = rng.below(max_children + 1);
    for _ in 0..n_children {
        if people.len() >= n {
            break;
        }
        let max_age = (head_age - 18).max(0);
        let age = rng.below(max_age as u64 + 1) as i32;
        let (father, mother) = match (head_male, spouse) {
            (true, s) => (Some(head), s),
            (false, s) => (s, Some(head)),
        };
        let child_surname = father.map(|f| people[f].surname.clone()).unwrap_or_else(|| surname.clone());
        let male = rng.chance(0.51);
        let mut c = maker.person(rng, group, male, age, child_surname, commune, &hamlet);
        c.father = father;
        c.mother = mother;
        people.push(c);
    }
}
