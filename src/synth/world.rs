//! What the registries are built from ([`World`]), and how the generated files write a
//! date, a sex and a unit name.

use super::population::{Commune, Names, Person};
pub use super::province::Province;
use crate::vn::date::PartialDate;
use crate::vn::text;
use std::collections::HashSet;

/// What the registries are built from.
pub struct World<'a> {
    /// The province.
    pub province: &'a Province,
    /// The population.
    pub people: &'a [Person],
    /// The communes.
    pub communes: &'a [Commune],
    /// Name lists.
    pub names: &'a Names,
    /// Reference day.
    pub today: PartialDate,
    /// Personal IDs of the population.
    pub pids: HashSet<&'a str>,
    /// Names of the 2025 units (folded, without type word).
    pub current_names: HashSet<String>,
}

impl<'a> World<'a> {
    /// The world of a province's people and communes.
    pub fn new(
        province: &'a Province,
        people: &'a [Person],
        communes: &'a [Commune],
        names: &'a Names,
        today: PartialDate,
    ) -> World<'a> {
        World {
            province,
            people,
            communes,
            names,
            today,
            pids: people.iter().map(|p| p.pid.as_str()).collect(),
            current_names: communes.iter().map(|c| unit_key(&c.name)).collect(),
        }
    }

    /// The commune of a 2025 code.
    pub fn commune(&self, code: &str) -> &Commune {
        self.communes.iter().find(|c| c.code == code).expect("a commune of the province")
    }
}

/// A date as the agencies' files write it: `dd/mm/yyyy`, `mm/yyyy` or `yyyy`.
pub fn fmt_date(d: &PartialDate) -> String {
    match (d.month, d.day) {
        (0, _) => format!("{}", d.year),
        (_, 0) => format!("{:02}/{}", d.month, d.year),
        _ => format!("{:02}/{:02}/{}", d.day, d.month, d.year),
    }
}

/// Sex as the files write it.
pub fn sex_label(male: bool) -> String {
    if male { "Nam" } else { "Nữ" }.to_string()
}

/// Folded unit name without its type word: `Xã Bản Bo` → `ban bo`.
pub fn unit_key(name: &str) -> String {
    let f = text::fold(name);
    for t in ["thi tran ", "phuong ", "xa "] {
        if let Some(rest) = f.strip_prefix(t) {
            return rest.to_string();
        }
    }
    f
}
