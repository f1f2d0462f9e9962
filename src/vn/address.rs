//! Free-text addresses: split into house, hamlet, commune, district and province, and
//! written out in full. The parts are told apart by their type words
//! ([`super::unit_words`]); resolving the commune to its 2025 unit is [`super::admin`]'s.

use super::text;
use super::unit_words::{
    commune_words, district_words, folded_words, hamlet_words, name_key, province_words, strip_type, type_words,
};
use std::sync::OnceLock;

/// A free-text address split into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// House number (`SN 12`, `Số 12`).
    pub house: Option<String>,
    /// Hamlet, village or residential group (`Bản Nà Tăm`, `Tổ 5`).
    pub hamlet: Option<String>,
    /// The commune as written.
    pub commune: Option<String>,
    /// The legacy district as written.
    pub district: Option<String>,
    /// The province as written.
    pub province: Option<String>,
}

/// Whether the last part of an address names a province: `Tỉnh …`/`T. …`, or `Thành
/// phố …` of a centrally-run city (the former district-level `Thành phố Lai Châu` is
/// a district, though its name is the province's).
fn is_province_part(folded: &str) -> bool {
    static CITIES: OnceLock<Vec<String>> = OnceLock::new();
    let cities = CITIES.get_or_init(|| {
        let mut v: Vec<String> = include_str!("../../rules/admin_units_2025.csv")
            .lines()
            .skip(1)
            .filter_map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[5] == "thành phố trung ương").then(|| name_key(f[1], province_words()))
            })
            .collect();
        v.sort();
        v.dedup();
        v
    });
    match strip_type(folded, province_words()) {
        (true, rest) if folded.starts_with("thanh pho ") || folded.starts_with("tp ") => {
            cities.contains(&rest.replace(' ', ""))
        }
        (matched, _) => matched,
    }
}

/// The hamlet of an address as a comparison key: folded, without its type word, so
/// `Bản Nà Tăm`, `B. Nà Tăm` and `ban na tam` agree (`Tổ 5` is `5`). `None` when the
/// address names no hamlet.
pub fn hamlet_key(address: &str) -> Option<String> {
    let hamlet = parse(address).hamlet?;
    let folded = folded_words(&hamlet);
    let key = strip_type(&folded, hamlet_words()).1.split_whitespace().collect::<Vec<_>>().join(" ");
    (!key.is_empty()).then_some(key)
}

/// Splits an address on commas and classifies each part by its type word
/// (abbreviations with or without dots, any case, with or without diacritics).
pub fn parse(raw: &str) -> Address {
    let mut a = Address::default();
    let parts: Vec<&str> = raw.split([',', ';']).map(str::trim).filter(|p| !p.is_empty()).collect();
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.iter().enumerate() {
        let f = folded_words(part);
        let value = Some(text::clean(part));
        if i == last && i > 0 && is_province_part(&f) {
            a.province = value;
        } else if strip_type(&f, commune_words()).0 {
            a.commune = value;
        } else if strip_type(&f, district_words()).0 {
            a.district = value;
        } else if strip_type(&f, &["so nha", "so", "sn"]).0 || f.starts_with(|c: char| c.is_ascii_digit()) {
            a.house = value;
        } else if strip_type(&f, hamlet_words()).0 {
            a.hamlet = value;
        } else if i == last && i > 0 {
            a.province = value;
        } else if a.commune.is_none() && a.hamlet.is_some() {
            a.commune = value;
        } else if a.hamlet.is_none() {
            a.hamlet = value;
        }
    }
    a
}

/// One address part with its type word expanded: `X.Nà Tăm` → `Xã Nà Tăm`,
/// `tdp 5` → `Tổ dân phố 5`. `TP.` is a city either way; a bare `T.` is a province.
fn expand(part: &str) -> String {
    let cleaned = text::clean(part);
    let tokens: Vec<&str> = cleaned.split([' ', '.']).filter(|t| !t.is_empty()).collect();
    let folded: Vec<String> = tokens.iter().map(|t| text::fold(t)).collect();
    for (abbr, full) in &type_words().full {
        let words: Vec<&str> = abbr.split(' ').collect();
        if folded.len() > words.len() && folded.iter().zip(&words).all(|(f, w)| f == w) {
            let rest = tokens[words.len()..].join(" ");
            return format!("{full} {}", text::title_case(&text::canonical_tones(&rest)));
        }
    }
    text::canonical_tones(&cleaned)
}

impl Address {
    /// The address written out in full, parts in order, abbreviations expanded:
    /// `SN 12, b. Nà Tăm, X.Nà Tăm, H.Tam Đường` → `Số nhà 12, Bản Nà Tăm, Xã Nà Tăm,
    /// Huyện Tam Đường`.
    pub fn canonical(&self) -> String {
        [&self.house, &self.hamlet, &self.commune, &self.district, &self.province]
            .iter()
            .filter_map(|p| p.as_deref())
            .map(expand)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_addresses() {
        let cases = [
            (
                "SN 12, b. Nà Tăm, X.Nà Tăm, H.Tam Đường, T. Lai Châu",
                "Số nhà 12, Bản Nà Tăm, Xã Nà Tăm, Huyện Tam Đường, Tỉnh Lai Châu",
            ),
            ("tdp 5, P. Đoàn Kết, tinh Lai Chau", "Tổ dân phố 5, Phường Đoàn Kết, Tỉnh Lai Chau"),
            ("Bản Mường, TT.Than Uyên, H. Than Uyên", "Bản Mường, Thị trấn Than Uyên, Huyện Than Uyên"),
            (
                "Tổ 5, P. Quyết Tiến, TP. Lai Châu, T. Lai Châu",
                "Tổ 5, Phường Quyết Tiến, Thành phố Lai Châu, Tỉnh Lai Châu",
            ),
        ];
        for (raw, want) in cases {
            assert_eq!(parse(raw).canonical(), want, "{raw:?}");
        }
    }

    #[test]
    fn address_parts() {
        let a = parse("SN 12, Bản Nà Tăm, X. Nà Tăm, H. Tam Đường, T. Lai Châu");
        assert_eq!(a.house.as_deref(), Some("SN 12"));
        assert_eq!(a.hamlet.as_deref(), Some("Bản Nà Tăm"));
        assert_eq!(hamlet_key("B. Nà Tăm, X. Nà Tăm, H. Tam Đường").as_deref(), Some("na tam"));
        assert_eq!(hamlet_key("bản nà tăm, Xã Bản Bo, Tỉnh Lai Châu").as_deref(), Some("na tam"));
        assert_eq!(hamlet_key("Tổ 5, P. Quyết Tiến").as_deref(), Some("5"));
        assert_eq!(hamlet_key("Xã Bản Bo, Tỉnh Lai Châu"), None);
        // An urban residential group written in full or abbreviated is one hamlet.
        assert_eq!(hamlet_key("Khu phố 3, P. Đoàn Kết").as_deref(), Some("3"));
        assert_eq!(hamlet_key("KP.3, P. Đoàn Kết").as_deref(), Some("3"));
        assert_eq!(hamlet_key("Khu 3, P. Đoàn Kết").as_deref(), Some("3"));
        assert_eq!(a.commune.as_deref(), Some("X. Nà Tăm"));
        assert_eq!(a.district.as_deref(), Some("H. Tam Đường"));
        assert_eq!(a.province.as_deref(), Some("T. Lai Châu"));
        let a = parse("Bản Nà Tăm, Xã Bản Bo, Tỉnh Lai Châu");
        assert_eq!(a.commune.as_deref(), Some("Xã Bản Bo"));
        assert_eq!(a.district, None);
    }
}
