//! The dictionary of Vietnamese column headers (`rules/header_spellings.csv`): which
//! canonical field a header names, for a registry and for the population extract.

use crate::config::Field;
use crate::vn::text;
use std::sync::OnceLock;

/// What the dictionary says of a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spelling {
    /// The field, `None` where the header is known to name no field (`STT`, a parcel's
    /// address).
    pub field: Option<Field>,
    /// The field only when no other column names it.
    pub weak: bool,
    /// The dictionary's row, as written (`ho ten`), for the comment.
    pub matched: &'static str,
    /// Whether the whole header matched, or only words of it.
    pub exact: bool,
}

struct Entry {
    exact: bool,
    phrase: &'static str,
    registry: Option<Field>,
    population: Option<Field>,
    weak: bool,
}

fn field(name: &str) -> Option<Field> {
    (name != "-").then(|| {
        toml::Value::String(name.to_string())
            .try_into()
            .unwrap_or_else(|_| panic!("header_spellings.csv: '{name}' is no field"))
    })
}

fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let text = include_str!("../../rules/header_spellings.csv");
        let mut v: Vec<Entry> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .skip(1)
            .map(|line| {
                let f: Vec<&'static str> = line.split(',').collect();
                Entry {
                    exact: f[0] == "exact",
                    phrase: f[1],
                    registry: field(f[2]),
                    population: field(f[3]),
                    weak: f[4] == "1",
                }
            })
            .collect();
        // Every exact row first, then the word rows in the file's order.
        v.sort_by_key(|e| !e.exact);
        v
    })
}

/// A header folded for the dictionary: lower case, no diacritics, every run of other
/// characters one space (`Số CMND/CCCD` → `so cmnd cccd`).
pub fn fold_header(header: &str) -> String {
    let folded = text::fold(header.trim_start_matches('\u{feff}'));
    folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Whether `words` appear side by side, whole, in a folded text.
pub fn contains_words(text: &str, words: &str) -> bool {
    let t: Vec<&str> = text.split(' ').collect();
    let w: Vec<&str> = words.split(' ').collect();
    t.windows(w.len()).any(|x| x == w)
}

/// What the dictionary says a header names, in a population extract or a registry.
pub fn lookup(header: &str, population: bool) -> Option<Spelling> {
    let folded = fold_header(header);
    entries().iter().find(|e| if e.exact { e.phrase == folded } else { contains_words(&folded, e.phrase) }).map(|e| {
        Spelling {
            field: if population { e.population } else { e.registry },
            weak: e.weak,
            matched: e.phrase,
            exact: e.exact,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(h: &str) -> Option<Field> {
        lookup(h, false).and_then(|s| s.field)
    }

    #[test]
    fn common_spellings_name_their_fields() {
        let cases = [
            ("Họ và tên", Some(Field::FullName)),
            ("HỌ VÀ TÊN", Some(Field::FullName)),
            ("Họ tên", Some(Field::FullName)),
            ("Tên chủ sử dụng", Some(Field::FullName)),
            ("Số CCCD", Some(Field::Id)),
            ("Số định danh cá nhân", Some(Field::Id)),
            ("Số CMND/CCCD", Some(Field::Id)),
            ("Mã số BHXH", Some(Field::RecordId)),
            ("Ngày sinh", Some(Field::Dob)),
            ("Năm sinh", Some(Field::BirthYear)),
            ("Nơi thường trú", Some(Field::Address)),
            ("Họ tên cha", Some(Field::FatherName)),
            ("Họ và tên mẹ", Some(Field::MotherName)),
            ("Tình trạng hôn nhân", Some(Field::MaritalStatus)),
            ("Trạng thái thẻ", Some(Field::Status)),
            ("Số định danh của cha", Some(Field::FatherId)),
            ("Ngày đăng ký", Some(Field::EventDate)),
            ("STT", None),
            ("Địa chỉ thửa đất", None),
            // Another person's name, or a field about the ID rather than the ID.
            ("Họ tên chủ hộ", None),
            ("Họ tên người giám hộ", None),
            ("Họ tên người đi khai", None),
            ("Ngày cấp CCCD", None),
            ("Ngày cập nhật", Some(Field::UpdatedAt)),
            ("Cập nhật lần cuối", Some(Field::UpdatedAt)),
            ("Nơi cấp CMND", None),
            ("Năm sinh vợ/chồng", None),
            ("Số CMND vợ/chồng", Some(Field::SpouseId)),
            // A hospital, a birthplace, a hometown: no place of residence.
            ("Nơi đăng ký KCB ban đầu", None),
            ("Nơi sinh", None),
            ("Quê quán", None),
            // English headers of public benchmarks (FEBRL).
            ("rec_id", Some(Field::RecordId)),
            ("date_of_birth", Some(Field::Dob)),
            ("Gender", Some(Field::Sex)),
        ];
        for (header, want) in cases {
            assert_eq!(registry(header), want, "{header}");
        }
        assert_eq!(lookup("Trường", false), None);
    }

    #[test]
    fn the_population_reads_some_headers_as_its_own_fields() {
        assert_eq!(lookup("Số CMND", true).and_then(|s| s.field), Some(Field::LegacyId));
        assert_eq!(lookup("Số CMND", false).and_then(|s| s.field), Some(Field::Id));
        assert_eq!(lookup("Tình trạng", true).and_then(|s| s.field), Some(Field::VitalStatus));
        assert_eq!(lookup("Nơi ở hiện tại", true).and_then(|s| s.field), Some(Field::CurrentAddress));
    }

    #[test]
    fn a_registration_office_is_a_weak_commune() {
        let s = lookup("Nơi đăng ký", false).unwrap();
        assert_eq!((s.field, s.weak), (Some(Field::Commune), true));
        assert!(!lookup("Xã/Phường", false).unwrap().weak);
    }

    #[test]
    fn every_row_of_the_table_names_a_field() {
        // Building the table panics on a misspelt field.
        assert!(entries().len() > 100);
    }
}
