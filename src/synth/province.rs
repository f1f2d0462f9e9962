//! The province a population is generated for.

/// The province a generated population lives in: Lai Châu, or one province of a
/// generated nation (`generate --provinces`). Units from `admin_units_2025.csv`, ID codes
/// from `province_id_codes.csv` (a 2025 province keeps the ID code of the province whose
/// GSO code it kept: `12` → `012`).
#[derive(Debug, Clone)]
pub struct Province {
    /// 2025 province code (`12`).
    pub code: String,
    /// Full name (`Tỉnh Lai Châu`).
    pub name: String,
    /// Birth-registration code of personal IDs (`012`).
    pub id_code: String,
    /// The code of the neighbour most people born elsewhere were born in (`011`).
    pub neighbour: String,
    /// Position in the nation: offsets the serials of IDs so that no two provinces issue
    /// the same ID (0 for a province generated alone).
    pub index: u64,
}

impl Province {
    /// Lai Châu, the province generated alone.
    pub fn lai_chau() -> Province {
        Province::of("12", "011", 0).expect("Lai Châu is a 2025 province")
    }

    /// The 2025 province of this code, if any.
    pub fn of(code: &str, neighbour: &str, index: u64) -> Option<Province> {
        let units = crate::vn::admin::AdminUnits::get();
        let name = units.province_name(code)?.to_string();
        Some(Province { code: code.into(), name, id_code: format!("0{code}"), neighbour: neighbour.into(), index })
    }
}
