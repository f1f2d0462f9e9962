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
        person.filter(|p| p.pid.kind == IdKind::Personal).map(|p| p.pid.digits.to_string()).unwrap_or_default();
    match r.id.kind {
        // Another scheme's identifier: nothing of the personal ID's structure to check.
        IdKind::Other => {}
        IdKind::Missing => {
            let mut f = finding(Code::IdMissing, "id", "");
            f.suggested_value = suggested_pid;
            f.fix = true;
            out.push(f);
        }
        IdKind::Malformed => {
            let mut f = finding(Code::IdMalformed, "id", &r.id_raw);
            f.note = r.id.note_text().unwrap_or_default().to_string();
            f.suggested_value = suggested_pid;
            f.fix = true;
            out.push(f);
        }
        IdKind::Legacy => {
            let mut f = finding(Code::IdLegacy, "id", &r.id_raw);
            f.population_value = suggested_pid.clone();
            f.suggested_value = suggested_pid;
            f.fix = true;
            out.push(f);
        }
        IdKind::Personal => {
            if let Some(note) = r.id.note_text() {
                // Excel damage that could be repaired: the written value is malformed.
                let mut f = finding(Code::IdMalformed, "id", &r.id_raw);
                f.note = note.to_string();
                f.suggested_value = r.id.digits.to_string();
                // Repaired, it is the ID of the person the record linked to: a fix.
                f.fix = person.is_some_and(|p| p.pid.digits == r.id.digits);
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
    // Written in a free-text address, the fix is the whole address with its 2025 unit
    // (the field's new value); written as a code, the 2025 code; written alone, the unit.
    let (field, rewritten) = if r.commune_in_address {
        ("address", r.address_2025.as_deref().map(str::to_string))
    } else if r.commune_raw.bytes().all(|b| b.is_ascii_digit()) {
        ("commune", Some(c.code.to_string()))
    } else {
        ("commune", Some(unit.clone()))
    };
    let mut f = finding(Code::AddressLegacyUnit, field, &r.commune_raw);
    // A unit split among several 2025 communes: the default target may be the wrong one.
    f.fix = !c.ambiguous && rewritten.is_some() && !unit.is_empty();
    f.suggested_value = rewritten.unwrap_or(unit);
    f.note = format!(
        "{} → {}{}",
        c.legacy_name.as_deref().unwrap_or(""),
        c.code,
        if c.ambiguous { " (split unit: default target)" } else { "" }
    );
    out.push(f);
}
