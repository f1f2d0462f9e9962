//! The error model: how often each kind of damage happens to a registry record, per
//! registry, and which encoding each agency's file uses. A profile is TOML; every key
//! has a default, so an empty file is the default profile.

use crate::error::{Error, Result};
use serde::Deserialize;
use std::path::Path;

/// Damage rates (0–1) for one registry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rates {
    /// Name written without diacritics.
    pub diacritics_dropped: f64,
    /// Name in capitals.
    pub all_caps: f64,
    /// Tone placed new-style (hoà) where the population writes old style.
    pub tone_swap: f64,
    /// Decomposed Unicode (NFD).
    pub decomposed: f64,
    /// i/y swapped in a syllable (Lý/Lí).
    pub iy: f64,
    /// Minority surname or spelling variant (Tẩn/Đặng, Giàng/Giang, s/x).
    pub minority_variant: f64,
    /// Middle name dropped.
    pub middle_dropped: f64,
    /// Given name replaced (a different name).
    pub name_changed: f64,
    /// ID left empty.
    pub id_missing: f64,
    /// Legacy CMND instead of the personal ID (when the person has one).
    pub id_legacy: f64,
    /// One digit of the ID substituted.
    pub id_substitution: f64,
    /// Two adjacent digits of the ID transposed.
    pub id_transposition: f64,
    /// Leading zero lost in a spreadsheet (11 digits).
    pub id_leading_zero: f64,
    /// Scientific notation (1.23457E+11).
    pub id_scientific: f64,
    /// Day and month swapped.
    pub dob_swap: f64,
    /// Year only written.
    pub dob_year_only: f64,
    /// Birth year off by one.
    pub dob_year_off: f64,
    /// Sex flipped.
    pub sex_flip: f64,
    /// A deceased person's record left active.
    pub deceased_active: f64,
    /// Address written with pre-2025 units and abbreviations.
    pub legacy_address: f64,
    /// A mover's record kept at the old address.
    pub mover_old_address: f64,
    /// Record duplicated under another record ID.
    pub duplicate: f64,
    /// A parent's name replaced.
    pub parent_mismatch: f64,
    /// Records of people absent from the population (share of the registry).
    pub not_in_population: f64,
    /// Unreadable rows (short row or impossible date).
    pub malformed_row: f64,
    /// Two syllables of the name typed together (`Lò Vănpấu`).
    pub joined_syllables: f64,
    /// The name's marked letters lost to `?` (`Gi?ng A P?o`): saved through a code page
    /// that cannot hold them.
    pub letters_lost: f64,
    /// A title before the name (`Ông`, `Bà`, `Hộ ông`, `HGĐ`): land owners.
    pub title: f64,
    /// One digit of the ID lost in the middle (11 digits starting with 0).
    pub id_digit_lost: f64,
    /// A spreadsheet error value in the ID cell (`#REF!`, `#N/A`): a broken row.
    pub id_error_value: f64,
    /// A population year-only date of birth written 01/01 of that year.
    pub dob_placeholder: f64,
    /// A duplicated record whose copy leaves the ID out.
    pub duplicate_without_id: f64,
    /// The address written in another style: dashes or nothing between parts, unit
    /// words in lower case or abbreviated without a dot, no unit words at all, `UBND`
    /// before the commune, the hamlet left out.
    pub address_style: f64,
    /// Share of rows whose commune column names the office that registered them
    /// (`UBND xã Bản Bo`, `Ủy ban nhân dân xã …`) rather than the commune (civil status).
    pub office_commune: f64,
}

impl Default for Rates {
    fn default() -> Self {
        Rates {
            diacritics_dropped: 0.03,
            all_caps: 0.03,
            tone_swap: 0.02,
            decomposed: 0.01,
            iy: 0.01,
            minority_variant: 0.02,
            middle_dropped: 0.02,
            name_changed: 0.005,
            id_missing: 0.08,
            id_legacy: 0.06,
            id_substitution: 0.01,
            id_transposition: 0.005,
            id_leading_zero: 0.01,
            id_scientific: 0.002,
            dob_swap: 0.01,
            dob_year_only: 0.02,
            dob_year_off: 0.01,
            sex_flip: 0.005,
            deceased_active: 0.5,
            legacy_address: 0.15,
            mover_old_address: 0.5,
            duplicate: 0.01,
            parent_mismatch: 0.02,
            not_in_population: 0.02,
            malformed_row: 0.002,
            joined_syllables: 0.0,
            letters_lost: 0.0,
            title: 0.0,
            id_digit_lost: 0.0,
            id_error_value: 0.0,
            address_style: 0.0,
            office_commune: 0.0,
            dob_placeholder: 0.0,
            duplicate_without_id: 0.0,
        }
    }
}

/// File formats of the agencies' exports.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Formats {
    /// Civil status file encoding.
    pub civil_status: String,
    /// Insurance file encoding.
    pub insurance: String,
    /// Land file encoding.
    pub land: String,
    /// Education file encoding.
    pub education: String,
    /// Civil status as three exports (births, deaths, marriages), each without an
    /// event-type column, as the civil-status system exports them.
    pub civil_status_split: bool,
    /// Header spellings: `standard` (the demo's) or `variant` (other systems' spellings,
    /// `synth/spelling.rs`), the rules files following them.
    pub headers: String,
    /// Sheets the education workbook's rows are spread over, each with the header row
    /// (a workbook whose data continues on a second sheet).
    pub education_sheets: usize,
    /// UTF-8 exports with a BOM written as two exports joined: the second one's BOM is
    /// left at the start of its first row (a BOM in the middle of the file).
    pub joined_exports: bool,
}

impl Default for Formats {
    fn default() -> Self {
        Formats {
            civil_status: "utf-8-bom".into(),
            insurance: "windows-1258".into(),
            land: "tcvn3".into(),
            education: "utf-8-bom".into(),
            civil_status_split: false,
            headers: "standard".into(),
            education_sheets: 1,
            joined_exports: false,
        }
    }
}

/// A generation profile. Keys left out take the default profile's value; a registry
/// table given in part takes the generic rates for its missing keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// Rates for civil status.
    pub civil_status: Rates,
    /// Rates for insurance.
    pub insurance: Rates,
    /// Rates for land (IDs are more often legacy or missing there).
    pub land: Rates,
    /// Rates for education (IDs often missing for young children).
    pub education: Rates,
    /// File encodings.
    pub formats: Formats,
    /// Share of the population that died (2016–today).
    pub deceased_share: Option<f64>,
    /// Share of the population living in another commune than its registries knew.
    pub mover_share: Option<f64>,
    /// Share of registered deaths whose person the population still shows alive.
    pub death_not_in_population: Option<f64>,
    /// Share of marriage registrations of people the population shows single.
    pub marital_conflict: Option<f64>,
    /// Share of the population's rows whose date of birth is empty (a required field the
    /// register lacks; the person is kept and found by the rest).
    pub population_dob_missing: Option<f64>,
}

impl Profile {
    /// Reads a profile file (TOML); unknown keys are errors naming the file.
    pub fn load(path: &Path) -> Result<Profile> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text).map_err(|e| Error::Usage(format!("{}: {}", path.display(), e.message())))
    }
}

impl Default for Profile {
    /// The default profile, with the land and education specifics of real registries:
    /// land IDs often legacy or missing and addresses often pre-2025; young pupils often
    /// without an ID; births registered with one.
    fn default() -> Self {
        Profile {
            civil_status: Rates { id_missing: 0.03, ..Rates::default() },
            insurance: Rates::default(),
            land: Rates { id_legacy: 0.35, id_missing: 0.2, legacy_address: 0.5, ..Rates::default() },
            education: Rates { id_missing: 0.25, ..Rates::default() },
            formats: Formats::default(),
            deceased_share: None,
            mover_share: None,
            death_not_in_population: None,
            marital_conflict: None,
            population_dob_missing: None,
        }
    }
}
