//! The guesses about a whole file: which registry it is, how many records a person may
//! have, which spellings of a status mean "active", which event a value names, and the
//! province the population lives in.

use super::headers::{contains_words, fold_header};
use crate::config::Cardinality;
use crate::vn::{sex, text};

/// The kinds of registry doisoat knows, with what each implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agency {
    /// Civil status (hộ tịch): births, deaths and marriages.
    CivilStatus,
    /// Social and health insurance (BHXH, BHYT).
    Insurance,
    /// Land (đất đai): parcels and their owners.
    Land,
    /// Education (giáo dục): enrolments.
    Education,
}

/// Words of a header or a file name that say which registry it is (folded).
const SIGNS: &[(Agency, &[&str])] = &[
    (
        Agency::CivilStatus,
        &["ho tich", "hotich", "khai sinh", "khaisinh", "khai tu", "khaitu", "ket hon", "kethon", "su kien", "civil"],
    ),
    (Agency::Insurance, &["bhxh", "bhyt", "bao hiem", "insurance", "hieu luc"]),
    (Agency::Land, &["dat dai", "datdai", "thua", "chu su dung", "gcn", "to ban do", "dia chinh", "land"]),
    (Agency::Education, &["giao duc", "giaoduc", "hoc sinh", "truong", "lop", "education", "school", "dang hoc"]),
];

impl Agency {
    /// The agency key (a folder name).
    pub fn key(self) -> &'static str {
        match self {
            Agency::CivilStatus => "civil_status",
            Agency::Insurance => "insurance",
            Agency::Land => "land",
            Agency::Education => "education",
        }
    }

    /// The kind an agency key names.
    pub fn from_key(key: &str) -> Option<Agency> {
        [Agency::CivilStatus, Agency::Insurance, Agency::Land, Agency::Education].into_iter().find(|a| a.key() == key)
    }

    /// The agency's display name in a province.
    pub fn display(self, province_name: &str) -> String {
        let short = province_name.trim_start_matches("Tỉnh ").trim_start_matches("Thành phố ");
        match self {
            Agency::CivilStatus => "Sở Tư pháp — hộ tịch".into(),
            Agency::Insurance => format!("BHXH tỉnh {short}"),
            Agency::Land => "Sở Nông nghiệp và Môi trường — đất đai".into(),
            Agency::Education => "Sở Giáo dục và Đào tạo".into(),
        }
    }

    /// How many records one person may have in it.
    pub fn cardinality(self) -> Cardinality {
        match self {
            Agency::CivilStatus => Cardinality::OnePerEvent,
            Agency::Land => Cardinality::Many,
            Agency::Insurance | Agency::Education => Cardinality::One,
        }
    }

    /// Whether the registry should follow the person's residence (`ADDRESS_MISMATCH`):
    /// insurance and schools do; a parcel lies where it lies, an event is registered where
    /// it happened.
    pub fn follows_residence(self) -> bool {
        matches!(self, Agency::Insurance | Agency::Education)
    }

    /// Why its records follow (or not) the person's residence, for the comment.
    pub fn residence_note(self) -> &'static str {
        match self {
            Agency::Insurance => "a card is issued where the insured person lives",
            Agency::Education => "pupils are enrolled where they live",
            Agency::Land => "a parcel's commune is where the land lies, not where its owner lives",
            Agency::CivilStatus => "an event is registered where it happened",
        }
    }
}

/// The registry a file is, from its name, its headers and the spellings of its columns
/// of few values (`Còn hiệu lực`, `Đang học`, `Khai tử`): (kind, the words that said so).
pub fn agency(file_stem: &str, headers: &[String], spellings: &[String]) -> Option<(Agency, Vec<String>)> {
    let mut texts: Vec<String> = headers.iter().chain(spellings).map(|h| fold_header(h)).collect();
    texts.push(fold_header(file_stem));
    let mut best: Option<(Agency, Vec<String>)> = None;
    for (agency, signs) in SIGNS {
        let hits: Vec<String> =
            signs.iter().filter(|s| texts.iter().any(|t| contains_words(t, s))).map(|s| s.to_string()).collect();
        if !hits.is_empty() && best.as_ref().is_none_or(|(_, b)| hits.len() > b.len()) {
            best = Some((*agency, hits));
        }
    }
    best
}

/// Whether a folded value holds one of the phrases as whole words.
fn says(folded: &str, phrases: &[&str]) -> bool {
    let t = fold_header(folded);
    phrases.iter().any(|p| contains_words(&t, p))
}

/// A status spelling that means the record is active (`Còn hiệu lực`, `Đang học`, `Đã
/// cấp GCN`), and not its negation (`Hết hiệu lực`, `Chưa cấp`, `Đã nghỉ học`).
pub fn active_status(value: &str) -> bool {
    let f = text::fold(value);
    let negative =
        ["het", "khong", "chua", "thu hoi", "ngung", "huy", "tam", "nghi", "chuyen", "bao luu", "inactive", "da chet"];
    let positive = [
        "con hieu luc",
        "hieu luc",
        "dang hoc",
        "da cap",
        "dang hoat dong",
        "hoat dong",
        "con han",
        "dang tham gia",
        "dang su dung",
        "binh thuong",
        "active",
        "con",
        "dang",
    ];
    !says(&f, &negative) && says(&f, &positive)
}

/// A spelling of a person's death in the population's vital status.
pub fn deceased(value: &str) -> bool {
    says(&text::fold(value), &["chet", "mat", "tu vong", "deceased", "dead"])
        && !says(&text::fold(value), &["con song"])
}

/// A spelling of "never married".
pub fn single(value: &str) -> bool {
    says(&text::fold(value), &["doc than", "chua ket hon", "chua vo", "chua chong", "single"])
}

/// The civil-status event a value names: 0 birth, 1 death, 2 marriage.
pub fn event(value: &str) -> Option<usize> {
    let f = text::fold(value);
    if says(&f, &["khai sinh", "sinh", "ks", "birth"]) {
        Some(0)
    } else if says(&f, &["khai tu", "tu", "chet", "kt", "death"]) {
        Some(1)
    } else if says(&f, &["ket hon", "hon nhan", "kh", "marriage"]) {
        Some(2)
    } else {
        None
    }
}

/// The event every row of a civil-status file is, when its name says (`khai_tu.csv`).
pub fn event_of_file(stem: &str) -> Option<usize> {
    let f = fold_header(stem);
    if says(&f, &["khai sinh", "khaisinh", "births", "birth"]) {
        Some(0)
    } else if says(&f, &["khai tu", "khaitu", "deaths", "death"]) {
        Some(1)
    } else if says(&f, &["ket hon", "kethon", "marriages", "marriage"]) {
        Some(2)
    } else {
        None
    }
}

/// The canonical spelling of an event, for a file without an event column.
pub const EVENT_NAMES: [&str; 3] = ["Khai sinh", "Khai tử", "Kết hôn"];

/// Whether a sex spelling is read by the default lists.
pub fn known_sex(value: &str) -> bool {
    let sexes = crate::config::SexRules::default();
    sex::parse(value, &sexes.male, &sexes.female).is_ok_and(|s| s.is_some())
}

/// The order of day and month the slash dates of a file show: (values only day first
/// reads, values only month first reads). `13/05/1990` is day first, `05/13/1990` month
/// first; `05/03/1990` says nothing.
pub fn date_order(values: &[&str]) -> (usize, usize) {
    let (mut dmy, mut mdy) = (0, 0);
    for v in values {
        let parts: Vec<&str> = v.trim().split(['/', '-', '.']).collect();
        if parts.len() != 3 || parts[2].len() != 4 {
            continue;
        }
        let (Ok(a), Ok(b)) = (parts[0].parse::<u32>(), parts[1].parse::<u32>()) else { continue };
        if a > 12 && a <= 31 && (1..=12).contains(&b) {
            dmy += 1;
        } else if b > 12 && b <= 31 && (1..=12).contains(&a) {
            mdy += 1;
        }
    }
    (dmy, mdy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_says_its_registry_by_name_or_headers() {
        let h = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(agency("ho_tich", &h(&["Số đăng ký"]), &[]).unwrap().0, Agency::CivilStatus);
        assert_eq!(agency("export", &h(&["Mã số BHXH", "Họ và tên"]), &[]).unwrap().0, Agency::Insurance);
        assert_eq!(agency("dat_dai", &h(&["Mã thửa"]), &[]).unwrap().0, Agency::Land);
        assert_eq!(agency("ds", &h(&["Mã học sinh", "Lớp"]), &[]).unwrap().0, Agency::Education);
        assert!(agency("danh_sach", &h(&["Họ và tên"]), &[]).is_none());
        // Nothing in the name or headers: the status spellings say it.
        let status = h(&["Còn hiệu lực", "Hết hiệu lực"]);
        assert_eq!(agency("export_2026", &h(&["Mã", "Họ và tên"]), &status).unwrap().0, Agency::Insurance);
    }

    #[test]
    fn status_spellings_active_or_not() {
        for v in ["Còn hiệu lực", "Đang học", "Đã cấp GCN", "đang hoạt động", "Đang sử dụng"] {
            assert!(active_status(v), "{v}");
        }
        for v in ["Hết hiệu lực", "Chưa cấp GCN", "Đã nghỉ học", "Tạm dừng", "Thu hồi"] {
            assert!(!active_status(v), "{v}");
        }
    }

    #[test]
    fn events_and_vital_spellings() {
        assert_eq!(event("Khai sinh"), Some(0));
        assert_eq!(event("KHAI TỬ"), Some(1));
        assert_eq!(event("Đăng ký kết hôn"), Some(2));
        assert_eq!(event("Nhận cha mẹ con"), None);
        assert_eq!(event_of_file("khai_tu_2026"), Some(1));
        assert!(deceased("Đã chết") && deceased("Đã mất") && !deceased("Còn sống"));
        assert!(single("Độc thân") && !single("Đã kết hôn"));
    }

    #[test]
    fn the_date_order_is_told_by_days_over_twelve() {
        assert_eq!(date_order(&["13/05/1990", "05/03/1990", "31-12-2001"]), (2, 0));
        assert_eq!(date_order(&["05/13/1990", "12/31/2001"]), (0, 2));
    }
}
