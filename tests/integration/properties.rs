//! Properties of the normalizers: idempotence, NFC and NFD agree, every way of writing
//! a legacy Lai Châu commune resolves to its 2025 unit, dates round-trip.

use doisoat::vn::address::parse as parse_address;
use doisoat::vn::admin::AdminUnits;
use doisoat::vn::date::{self, DayOrder, PartialDate};
use doisoat::vn::{id, name::Name, text};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

const TODAY: PartialDate = PartialDate { year: 2026, month: 11, day: 29 };

/// Syllables drawn from Vietnamese letters, tones and modifiers, in any case.
fn syllable() -> impl Strategy<Value = String> {
    let onsets = prop::sample::select(vec![
        "", "b", "ch", "d", "đ", "g", "gi", "h", "kh", "l", "m", "ng", "nh", "ph", "qu", "s", "t", "th", "tr", "v", "x",
    ]);
    let nuclei = prop::sample::select(vec![
        "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uy", "ai", "ao", "ươ", "uô", "iê",
        "ua", "ưa",
    ]);
    let codas = prop::sample::select(vec!["", "", "n", "ng", "nh", "m", "c", "t", "p"]);
    let tones = prop::sample::select(vec!["", "\u{300}", "\u{301}", "\u{303}", "\u{309}", "\u{323}"]);
    (onsets, nuclei, codas, tones, any::<bool>(), any::<bool>()).prop_map(|(o, n, c, t, first, upper)| {
        // The tone on the first or the last vowel: either placement style, or neither.
        let chars: Vec<char> = n.chars().collect();
        let at = if first { 0 } else { chars.len() - 1 };
        let mut s: String = o.to_string();
        for (i, ch) in chars.into_iter().enumerate() {
            s.push(ch);
            if i == at {
                s.push_str(t);
            }
        }
        s.push_str(c);
        let s: String = s.nfc().collect();
        if upper {
            s.to_uppercase()
        } else {
            s
        }
    })
}

fn full_name() -> impl Strategy<Value = String> {
    prop::collection::vec(syllable(), 1..5).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn normalizing_a_name_twice_changes_nothing(s in full_name()) {
        let once = Name::parse(&s).unwrap();
        let twice = Name::parse(&once.display).unwrap();
        prop_assert_eq!(&once.display, &twice.display);
        prop_assert_eq!(&once.folded, &twice.folded);
        prop_assert_eq!(text::fold(&once.folded), once.folded.to_string());
    }

    #[test]
    fn nfc_and_nfd_names_agree(s in full_name()) {
        let nfd: String = s.nfd().collect();
        let (a, b) = (Name::parse(&s).unwrap(), Name::parse(&nfd).unwrap());
        prop_assert_eq!(&a.display, &b.display);
        prop_assert_eq!(&a.key, &b.key);
        prop_assert_eq!(a.phonetic(), b.phonetic());
    }

    #[test]
    fn dates_round_trip(y in 1900i32..2026, m in 1u8..=12, d in 1u8..=28) {
        let want = PartialDate::new(y, m, d).unwrap();
        for written in [format!("{d:02}/{m:02}/{y}"), format!("{d}/{m}/{y}"), format!("{y}-{m:02}-{d:02}")] {
            prop_assert_eq!(date::parse(&written, DayOrder::Dmy, &TODAY), Ok(Some(want)));
        }
    }

    #[test]
    fn id_normalization_is_idempotent(digits in "[0-9 .-]{0,16}") {
        let once = id::parse(&digits);
        let twice = id::parse(&once.digits);
        prop_assert_eq!(once.digits, twice.digits);
    }

    /// Every legacy Lai Châu commune, with its district, written with any case, with or
    /// without diacritics and dots, with the type word abbreviated or not.
    #[test]
    fn every_legacy_lai_chau_commune_resolves(
        pick in 0usize..106,
        upper in any::<bool>(),
        fold in any::<bool>(),
        abbreviate in any::<bool>(),
        dot_space in prop::sample::select(vec![". ", ".", " "]),
    ) {
        let units = legacy_lai_chau();
        let (commune, district, code) = &units[pick];
        let write = |name: &str| {
            let mut s = name.to_string();
            if abbreviate {
                for (full, short) in [("Thị trấn ", "TT"), ("Xã ", "X"), ("Phường ", "P"), ("Huyện ", "H"), ("Thành phố ", "TP")] {
                    if let Some(rest) = s.strip_prefix(full) {
                        s = format!("{short}{dot_space}{rest}");
                    }
                }
            }
            if fold {
                // Diacritics dropped as a typist drops them; punctuation stays.
                s = s.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).collect::<String>().replace(['đ', 'Đ'], "d");
            }
            if upper {
                s = s.to_uppercase();
            }
            s
        };
        let address = format!("Bản Nà, {}, {}", write(commune), write(district));
        let a = parse_address(&address);
        let got = a.commune.as_deref().and_then(|c| AdminUnits::get().resolve_name(c, a.district.as_deref(), "12"));
        prop_assert_eq!(got.map(|c| c.code.to_string()), Some(code.clone()), "{}", address);
    }
}

/// (commune, district, 2025 code) of the 106 legacy Lai Châu communes, from the table.
fn legacy_lai_chau() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(crate::root().join("rules/admin_units_legacy_to_2025.csv")).unwrap();
    let v: Vec<(String, String, String)> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[0] == "12" && f[12] == "1")
        .map(|f| (f[5].to_string(), f[3].to_string(), f[8].to_string()))
        .collect();
    assert_eq!(v.len(), 106);
    v
}

/// One CSV field as bytes: real values, empty, quotes, commas, newlines, bad UTF-8.
fn field() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"".to_vec()),
        Just("Giàng A Páo".as_bytes().to_vec()),
        Just("05/03/1987".as_bytes().to_vec()),
        Just("31/02/1990".as_bytes().to_vec()),
        Just("012087000101".as_bytes().to_vec()),
        Just("Nam".as_bytes().to_vec()),
        Just("\"a, \"\"quoted\"\"\nvalue\"".as_bytes().to_vec()),
        Just(vec![0xFF, 0xFE, 0x41]),
        "[a-zA-Z0-9 /.-]{0,12}".prop_map(|s| s.into_bytes()),
    ]
}

fn row() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(field(), 0..11)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Conservation for any registry content: every data row ends linked, in review,
    /// not in population or rejected, and the counts add up to the rows of the file.
    #[test]
    fn every_row_has_exactly_one_outcome_whatever_the_input(rows in prop::collection::vec(row(), 0..30)) {
        let dir = tempfile::tempdir().unwrap();
        let job = doisoat::demo::write(dir.path()).unwrap();
        let mut csv = "Mã số BHXH,Họ và tên,Ngày sinh,Giới tính,Số CCCD/CMND,Địa chỉ,Trạng thái thẻ,Ngày cập nhật\n".as_bytes().to_vec();
        let mut data_rows = 0u64;
        for r in &rows {
            if r.iter().all(|f| f.is_empty()) && r.len() <= 1 {
                continue; // a blank line is no row
            }
            csv.extend(r.join(&b","[..]));
            csv.push(b'\n');
            data_rows += 1;
        }
        std::fs::write(dir.path().join("bhxh.csv"), &csv).unwrap();
        let cfg = doisoat::pipeline::load(&job, &doisoat::config::RunOptions { run_id: Some("p".into()), ..Default::default() }).unwrap();
        let data = doisoat::pipeline::prepare(&cfg, &doisoat::NoProgress).unwrap();
        let ins = data.agencies.iter().find(|a| a.input.agency == "insurance").unwrap();
        let c = ins.counts;
        prop_assert!(c.conserved(), "{:?}", c);
        prop_assert_eq!(c.rows, ins.files[0].file.rows);
        prop_assert!(doisoat::publish::check_conservation(&data).is_ok());
        // Rows the CSV reader sees may differ from the rows written (quoted newlines, a
        // quote never closed: its line rejected and the next one read), never from the
        // file's physical lines.
        let text = String::from_utf8_lossy(&csv).replace("\r\n", "\n").replace('\r', "\n");
        let physical = text.lines().count() as u64 - 1;
        prop_assert!(ins.files[0].file.rows <= physical.max(data_rows + 1), "{} rows, {} lines", ins.files[0].file.rows, physical);
    }
}

/// What a run decided, independent of row order: per agency and record ID, the outcome,
/// the person's ID, tier and score; and every discrepancy (record, code, field, values).
fn decisions(data: &doisoat::handoff::RunData) -> Vec<String> {
    let pid = |p: Option<u32>| p.map(|p| data.people[p as usize].pid.digits.to_string()).unwrap_or_default();
    let mut out = Vec::new();
    for a in &data.agencies {
        for (r, l) in a.records.iter().zip(&a.links) {
            out.push(format!(
                "{} {} {:?} {} {:?} {:.6} {}",
                a.input.agency,
                r.record_id,
                l.outcome,
                pid(l.person),
                l.tier,
                l.score,
                pid(l.review_candidate)
            ));
        }
        for d in &a.assessment.discrepancies {
            out.push(format!(
                "{} {} {} {} {} {} {}",
                a.input.agency,
                d.record_id,
                d.code.name(),
                d.field,
                d.registry_value,
                d.population_value,
                d.suggested_value
            ));
        }
    }
    out.sort();
    out
}

/// The data rows of a CSV (header kept apart), split on line ends outside quotes.
fn csv_lines(text: &str) -> (String, Vec<String>) {
    let mut lines = Vec::new();
    let (mut cur, mut quoted) = (String::new(), false);
    for ch in text.chars() {
        cur.push(ch);
        if ch == '"' {
            quoted = !quoted;
        } else if ch == '\n' && !quoted {
            lines.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        lines.push(cur + "\n");
    }
    let header = lines.remove(0);
    (header, lines)
}

fn prepared(dir: &std::path::Path) -> doisoat::handoff::RunData {
    let job = dir.join("job.toml");
    let cfg =
        doisoat::pipeline::load(&job, &doisoat::config::RunOptions { run_id: Some("p".into()), ..Default::default() })
            .unwrap();
    doisoat::pipeline::prepare(&cfg, &doisoat::NoProgress).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Determinism under row shuffles: the population and every registry of the demo
    /// province, each in any order, give the same decisions and the same discrepancies.
    #[test]
    fn any_row_order_gives_the_same_decisions(seed in any::<u64>()) {
        let base = tempfile::tempdir().unwrap();
        doisoat::demo::write(base.path()).unwrap();
        let expected = decisions(&prepared(base.path()));
        let dir = tempfile::tempdir().unwrap();
        doisoat::demo::write(dir.path()).unwrap();
        let mut rng = doisoat::rng::Rng::from_state(seed);
        for file in ["population.csv", "ho_tich.csv", "bhxh.csv", "dat_dai.csv", "giao_duc.csv"] {
            let path = dir.path().join(file);
            let (header, mut lines) = csv_lines(&std::fs::read_to_string(&path).unwrap());
            // Fisher–Yates with SplitMix64 from the case's seed.
            for i in (1..lines.len()).rev() {
                lines.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
            }
            std::fs::write(&path, header + &lines.concat()).unwrap();
        }
        prop_assert_eq!(decisions(&prepared(dir.path())), expected);
    }
}
