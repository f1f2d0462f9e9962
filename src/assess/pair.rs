//! Comparisons of a linked record with its person: how tier 3 found it, then commune,
//! parents, marital status, name, date of birth, sex and vital status.

use super::{finding, Code, Finding};
use crate::config::Event;
use crate::link::Link;
use crate::normalize::{Person, Record};
use crate::vn::admin::AdminUnits;
use crate::vn::date::PartialDate;
use crate::vn::id::IdKind;
use crate::vn::name::{self, NameRelation};

/// Codes of a tier-3 link: found without a usable ID, or through a mistyped one.
pub(super) fn tier3_findings(r: &Record, l: &Link, p: &Person, out: &mut Vec<Finding>) {
    if matches!(r.id.kind, IdKind::Missing | IdKind::Malformed) {
        let mut f = finding(Code::LinkedWithoutId, "id", &r.id_raw);
        f.population_value = p.pid.digits.to_string();
        f.suggested_value = p.pid.digits.to_string();
        f.fix = true;
        f.note = l.explanation.as_ref().map(|e| format!("found by {}", e.rule)).unwrap_or_default();
        out.push(f);
    } else if matches!(r.id.kind, IdKind::Personal | IdKind::Other)
        && r.id.digits != p.pid.digits
        && l.other_person.is_none()
        && (strsim::hamming(&r.id.digits, &p.pid.digits).is_ok_and(|d| d <= 2)
            || strsim::damerau_levenshtein(&r.id.digits, &p.pid.digits) <= 2)
    {
        // One or two edits from the person's ID (SPEC §5); further apart it is no typo.
        let mut f = finding(Code::IdTypo, "id", &r.id_raw);
        f.population_value = p.pid.digits.to_string();
        f.suggested_value = p.pid.digits.to_string();
        out.push(f);
    }
}

/// Comparisons of a linked record with its person.
pub(super) fn compare(r: &Record, p: &Person, follows_residence: bool, out: &mut Vec<Finding>) {
    // The commune, where the registry follows residence; a record last updated before
    // the population recorded the move is also stale.
    if let (true, Some(a), Some(b)) = (follows_residence, &r.commune, &p.commune) {
        if a.code != b.code {
            let mut f = finding(Code::AddressMismatch, "commune", &r.commune_raw);
            let unit = AdminUnits::get().unit(&b.code).map(|u| u.name.clone()).unwrap_or_default();
            f.population_value = unit.clone();
            f.suggested_value = unit;
            out.push(f);
            if let (Some(ru), Some(pu)) = (r.updated_at, p.updated_at) {
                if ru < pu {
                    let mut f = finding(Code::StaleRecord, "updated_at", &ru.to_string());
                    f.population_value = pu.to_string();
                    f.note = "the population changed the residence after the record's last update".into();
                    out.push(f);
                }
            }
        }
    }
    // Parents' names (births, school): a different name, not a spelling variant.
    for (field, written, known) in [("father_name", &r.father, &p.father), ("mother_name", &r.mother, &p.mother)] {
        if let (Some((raw, n)), Some(k)) = (written.as_deref(), known.as_deref()) {
            if name::compare(raw, n, k, r.case_blind) == NameRelation::Mismatch {
                let mut f = finding(Code::ParentMismatch, field, raw);
                f.population_value = k.display.to_string();
                f.suggested_value = k.display.to_string();
                out.push(f);
            }
        }
    }
    if r.event == Some(Event::Marriage) && p.single == Some(true) {
        let mut f = finding(Code::MaritalConflict, "marital_status", "married");
        f.population_value = "single".into();
        f.note = "a marriage registration for a person the population records as never married".into();
        out.push(f);
    }
    if let Some(n) = &r.name {
        // Written exactly as the population writes it is no variant, whatever the form.
        let relation = if *r.name_raw == *p.name_raw {
            NameRelation::Same
        } else {
            name::compare(&r.name_raw, n, &p.name, r.case_blind)
        };
        match relation {
            NameRelation::Same => {}
            NameRelation::Variant(kind) => {
                let mut f = finding(Code::NameVariant, "full_name", &r.name_raw);
                f.population_value = p.name.display.to_string();
                f.suggested_value = p.name.display.to_string();
                f.fix = true;
                f.note = kind.label();
                out.push(f);
            }
            NameRelation::Mismatch => {
                let mut f = finding(Code::NameMismatch, "full_name", &r.name_raw);
                f.population_value = p.name.display.to_string();
                f.suggested_value = p.name.display.to_string();
                out.push(f);
            }
        }
    }
    let dob_field = if r.year_only_by_design { "birth_year" } else { "dob" };
    if let (Some(a), Some(b)) = (&r.dob, &p.dob) {
        // 01/01/YYYY is the conventional date given to people whose day and month
        // were unknown (older people in remote communes): against a real date of the
        // same year it says "year only", not "another date".
        let code = if a.is_swap_of(b) {
            Some(Code::DobDayMonthSwapped)
        } else if a.year == b.year && a != b && b.is_placeholder() {
            None
        } else if a.year == b.year && a != b && a.is_placeholder() && b.month != 0 && !r.year_only_by_design {
            // 01/01 against a full date: the registry knows the year only. Against a
            // population that knows the year only, it holds no less.
            Some(Code::DobPartial)
        } else if a.compatible_with(b) {
            (a.precision() < b.precision() && !r.year_only_by_design).then_some(Code::DobPartial)
        } else {
            Some(Code::DobMismatch)
        };
        if let Some(code) = code {
            let mut f = finding(code, dob_field, &r.dob_raw);
            // A year-only registry gets the year; others the full date.
            let shown = if r.year_only_by_design { b.year.to_string() } else { b.to_string() };
            f.population_value = shown.clone();
            f.suggested_value = shown;
            f.note = format!("registry precision {}", a.precision().label());
            f.fix = code == Code::DobPartial;
            out.push(f);
        }
    }
    if let (Some(a), Some(b)) = (r.sex, p.sex) {
        if a != b {
            let mut f = finding(Code::SexMismatch, "sex", &r.sex_raw);
            f.population_value = b.label().to_string();
            f.suggested_value = b.label().to_string();
            out.push(f);
        }
    }
    if !p.alive && r.active == Some(true) && r.event != Some(Event::Death) {
        let mut f = finding(Code::DeceasedActive, "status", "active");
        f.population_value = format!("deceased {}", date_text(p.death_date.as_ref())).trim_end().to_string();
        f.suggested_value = "inactive".into();
        out.push(f);
    }
    if r.event == Some(Event::Death) && p.alive {
        let mut f = finding(Code::DeathNotInPopulation, "event_type", "death");
        f.population_value = "alive".into();
        f.note = "the population must record this death".into();
        out.push(f);
    }
}

fn date_text(d: Option<&PartialDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vn::date::{self, DayOrder};
    use crate::vn::id;
    use crate::vn::name::Name;

    fn day(s: &str) -> Option<PartialDate> {
        date::parse(s, DayOrder::Dmy, &PartialDate { year: 2026, month: 12, day: 1 }).unwrap()
    }

    fn pair(registry_dob: &str, population_dob: &str) -> (Record, Person) {
        let name = Name::parse("Lò Văn Pấu");
        let r = Record {
            line: 2,
            record_id: "R1".into(),
            name_raw: "Lò Văn Pấu".into(),
            name: name.clone(),
            dob_raw: registry_dob.into(),
            dob: day(registry_dob),
            ..Record::default()
        };
        let p = Person {
            line: 2,
            pid: id::parse("012087000123"),
            name_raw: "Lò Văn Pấu".into(),
            name: name.unwrap(),
            dob: day(population_dob),
            alive: true,
            ..Person::default()
        };
        (r, p)
    }

    fn codes(registry_dob: &str, population_dob: &str) -> Vec<Code> {
        let (r, p) = pair(registry_dob, population_dob);
        let mut found = Vec::new();
        compare(&r, &p, false, &mut found);
        found.into_iter().map(|f| f.code).collect()
    }

    /// The conventional 01/01/YYYY in a registry against a population that knows the year
    /// only: the registry holds no less than the population, so no DOB_PARTIAL. Against
    /// a full date it is the year only, DOB_PARTIAL.
    #[test]
    fn a_registry_01_01_against_a_population_year_only_is_no_partial_date() {
        assert_eq!(codes("01/01/1960", "1960"), []);
        assert_eq!(codes("01/01/1960", "05/03/1960"), [Code::DobPartial]);
        assert_eq!(codes("1960", "05/03/1960"), [Code::DobPartial]);
    }
}
