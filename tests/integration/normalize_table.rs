//! The normalization acceptance table: `fixtures/normalize/cases.tsv`, built from the
//! reference material by `fixtures/normalize/build_cases.py` (never from doisoat's
//! output). Fails below 99 % correct and prints every miss.

use crate::root;
use doisoat::vn::address::parse as parse_address;
use doisoat::vn::admin::{AdminUnits, Era};
use doisoat::vn::date::{self, DayOrder, PartialDate};
use doisoat::vn::id::{self, IdProblem};
use doisoat::vn::name::Name;

const TODAY: PartialDate = PartialDate { year: 2026, month: 11, day: 29 };

fn actual(kind: &str, input: &str) -> String {
    match kind {
        "name" => Name::parse(input).map(|n| n.display.to_string()).unwrap_or_default(),
        "address" => {
            let a = parse_address(input);
            let c = a.commune.as_deref().and_then(|c| AdminUnits::get().resolve_name(c, a.district.as_deref(), "12"));
            c.map(|c| format!("{}|{}", c.code, if c.era == Era::Legacy { "legacy" } else { "2025" }))
                .unwrap_or_default()
        }
        "date" => match date::parse(input, DayOrder::Dmy, &TODAY) {
            Ok(Some(d)) => d.to_string(),
            Ok(None) => String::new(),
            Err(_) => "invalid".into(),
        },
        "id" => {
            let i = id::parse(input);
            let checks: Vec<String> = id::check_personal(&i.digits, None, None)
                .iter()
                .map(|p| match p {
                    IdProblem::ProvinceInvalid(c) => format!("province_invalid:{c}"),
                    other => format!("{other:?}"),
                })
                .collect();
            format!("{}|{}|{}", i.digits, i.kind.label(), checks.join(","))
        }
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn at_least_99_percent_of_the_reference_cases_normalize_right() {
    let text = std::fs::read_to_string(root().join("fixtures/normalize/cases.tsv")).unwrap();
    let mut total = 0;
    let mut misses = Vec::new();
    let mut by_kind: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (kind, input, want, how) = (f[0], f[1], f[2], f[3]);
        let got = actual(kind, input);
        total += 1;
        let e = by_kind.entry(kind).or_default();
        e.1 += 1;
        if got == want {
            e.0 += 1;
        } else {
            misses.push(format!("{kind} ({how}): {input:?} → {got:?}, want {want:?}"));
        }
    }
    assert!(total >= 400, "only {total} cases");
    let rate = (total - misses.len()) as f64 / total as f64;
    eprintln!("normalization table: {}/{total} correct ({:.2} %)", total - misses.len(), 100.0 * rate);
    for (kind, (ok, n)) in &by_kind {
        eprintln!("  {kind:<8} {ok}/{n}");
    }
    for m in &misses {
        eprintln!("  miss: {m}");
    }
    assert!(rate >= 0.99, "{:.2} % < 99 %:\n{}", 100.0 * rate, misses.join("\n"));
}
