//! Checks of a record on its own, whatever it is linked to: its ID (missing, malformed,
//! legacy, province, century and sex digit, birth-year digits) and its address (a unit
//! abolished in 2025).

use super::{finding, Code, Finding};
use crate::normalize::{Person, Record};
use crate::vn::admin::{AdminUnits, Era};
use crate::vn::id::{self, IdKind, IdProblem};

/// Checks of the record on its own: the ID.
pub(super) fn id_findings(r: &Record, person: Option<&Person>, out: &mut Vec<Finding>) {
    let suggested_pid =
        person.filter(|p| p.pid.kind == IdKind::Personal).map(|p| p.pid.digits.clone()).unwrap_or_default();
    match r.id.kind {
        // Another scheme's identifier: nothing of the personal ID's structure to check.
        IdKind::Other => {}
        IdKind::Missing => {
            let mut f = finding(Code::IdMissing, "id", "");
            f.suggested_value = suggested_pid;
            out.push(f);
        }
        IdKind::Malformed => {
            let mut f = finding(Code::IdMalformed, "id", &r.id_raw);
            f.note = r.id.note.unwrap_or_default().to_string();
            f.suggested_value = suggested_pid;
            out.push(f);
        }
        IdKind::Legacy => {
            let mut f = finding(Code::IdLegacy, "id", &r.id_raw);
            f.population_value = suggested_pid.clone();
            f.suggested_value = suggested_pid;
            out.push(f);
        }
        IdKind::Personal => {
            if let Some(note) = r.id.note {
                // Excel damage that could be repaired: the written value is malformed.
                let mut f = finding(Code::IdMalformed, "id", &r.id_raw);
                f.note = note.to_string();
                f.suggested_value = r.id.digits.clone();
                out.push(f);
            }
            for p in id::check_personal(&r.id.digits, r.sex, r.dob.as_ref()) {
                let (code, note) = match p {
                    IdProblem::ProvinceInvalid(code) => {
                        (Code::IdProvinceInvalid, format!("{code} is no province code"))
                    }
                    IdProblem::SexCenturyConflict(d, says) => {
                        (Code::IdSexCenturyConflict, format!("digit 4 = {d}: {says}"))
                    }
                    IdProblem::BirthYearConflict(yy, year) => {
                        (Code::IdBirthYearConflict, format!("digits 5-6 = {yy}, born {year}"))
                    }
                };
                let mut f = finding(code, "id", &r.id_raw);
                f.note = note;
                if person.is_some_and(|p| p.pid.digits != r.id.digits) {
                    f.suggested_value = suggested_pid.clone();
                }
                out.push(f);
            }
        }
    }
}

/// `ADDRESS_LEGACY_UNIT`: the record's commune is a unit abolished on 1 July 2025.
pub(super) fn address_findings(r: &Record, out: &mut Vec<Finding>) {
    let Some(c) = r.commune.as_ref().filter(|c| c.era == Era::Legacy) else {
        return;
    };
    let unit = AdminUnits::get().unit(&c.code).map(|u| u.name.clone()).unwrap_or_default();
    let mut f = finding(Code::AddressLegacyUnit, "commune", &r.commune_raw);
    f.suggested_value = unit;
    f.note = format!(
        "{} → {}{}",
        c.legacy_name.as_deref().unwrap_or(""),
        c.code,
        if c.ambiguous { " (split unit: default target)" } else { "" }
    );
    out.push(f);
}
