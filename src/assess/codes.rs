//! The discrepancy codes of SPEC §5 with their dimension and severity. A code is never
//! renamed; new codes are added at the end.

use serde::Serialize;

/// One of the four words of the population-data programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// đúng — correct.
    Dung,
    /// đủ — complete.
    Du,
    /// sạch — clean.
    Sach,
    /// sống — live.
    Song,
}

impl Dimension {
    /// ASCII key used in files and the feed.
    pub fn key(self) -> &'static str {
        match self {
            Dimension::Dung => "dung",
            Dimension::Du => "du",
            Dimension::Sach => "sach",
            Dimension::Song => "song",
        }
    }

    /// The Vietnamese word.
    pub fn word(self) -> &'static str {
        match self {
            Dimension::Dung => "đúng",
            Dimension::Du => "đủ",
            Dimension::Sach => "sạch",
            Dimension::Song => "sống",
        }
    }

    /// All four, in programme order.
    pub const ALL: [Dimension; 4] = [Dimension::Dung, Dimension::Du, Dimension::Sach, Dimension::Song];
}

/// How serious a discrepancy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Must be fixed; counts against đúng.
    Error,
    /// Should be fixed.
    Warning,
}

impl Severity {
    /// Stable label.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($($variant:ident => $name:literal, $dim:ident, $sev:ident, $vi:literal;)*) => {
        /// A discrepancy code (SPEC §5).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $(#[doc = $vi] $variant,)* }

        impl Code {
            /// Every code, in SPEC order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written in files, e.g. `ID_MISSING`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// The dimension the code counts against.
            pub fn dimension(self) -> Dimension {
                match self { $(Code::$variant => Dimension::$dim,)* }
            }

            /// The code's severity.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$sev,)* }
            }

            /// A short Vietnamese description for people reading the lists.
            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => $vi,)* }
            }

            /// Parses a code name.
            pub fn from_name(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.name() == s)
            }
        }
    };
}

codes! {
    IdMissing => "ID_MISSING", Du, Warning, "Thiếu số định danh cá nhân";
    IdMalformed => "ID_MALFORMED", Sach, Error, "Số định danh không đúng định dạng";
    IdLegacy => "ID_LEGACY", Song, Warning, "Chỉ có số CMND 9 số";
    IdProvinceInvalid => "ID_PROVINCE_INVALID", Sach, Error, "Mã tỉnh trong số định danh không tồn tại";
    IdSexCenturyConflict => "ID_SEX_CENTURY_CONFLICT", Dung, Error, "Chữ số giới tính/thế kỷ không khớp";
    IdBirthYearConflict => "ID_BIRTH_YEAR_CONFLICT", Dung, Error, "Năm sinh trong số định danh không khớp";
    IdTypo => "ID_TYPO", Dung, Error, "Số định danh gõ sai";
    IdOtherPerson => "ID_OTHER_PERSON", Dung, Error, "Số định danh thuộc về người khác";
    NotInPopulation => "NOT_IN_POPULATION", Du, Error, "Không tìm thấy trong CSDL dân cư";
    LinkedWithoutId => "LINKED_WITHOUT_ID", Du, Warning, "Khớp theo họ tên/ngày sinh, thiếu số định danh";
    Review => "REVIEW", Du, Warning, "Cần người kiểm tra";
    NameMismatch => "NAME_MISMATCH", Dung, Error, "Họ tên không khớp";
    NameVariant => "NAME_VARIANT", Sach, Warning, "Họ tên viết khác";
    DobMismatch => "DOB_MISMATCH", Dung, Error, "Ngày sinh không khớp";
    DobDayMonthSwapped => "DOB_DAY_MONTH_SWAPPED", Dung, Error, "Ngày sinh đảo ngày/tháng";
    DobPartial => "DOB_PARTIAL", Du, Warning, "Ngày sinh thiếu ngày/tháng";
    SexMismatch => "SEX_MISMATCH", Dung, Error, "Giới tính không khớp";
    AddressMismatch => "ADDRESS_MISMATCH", Song, Warning, "Xã/phường khác nơi cư trú";
    AddressLegacyUnit => "ADDRESS_LEGACY_UNIT", Song, Warning, "Địa chỉ dùng đơn vị hành chính cũ";
    ParentMismatch => "PARENT_MISMATCH", Dung, Error, "Họ tên cha/mẹ không khớp";
    MaritalConflict => "MARITAL_CONFLICT", Dung, Error, "Tình trạng hôn nhân mâu thuẫn";
    DeceasedActive => "DECEASED_ACTIVE", Song, Error, "Người đã mất nhưng hồ sơ còn hiệu lực";
    DeathNotInPopulation => "DEATH_NOT_IN_POPULATION", Song, Error, "Đã đăng ký khai tử nhưng CSDL dân cư còn sống";
    DuplicateRecord => "DUPLICATE_RECORD", Sach, Warning, "Hồ sơ trùng lặp";
    StaleRecord => "STALE_RECORD", Song, Warning, "Hồ sơ chưa cập nhật theo CSDL dân cư";
    ExpectedAbsent => "EXPECTED_ABSENT", Du, Warning, "Người thuộc diện nhưng chưa có hồ sơ";
    RejectedRow => "REJECTED_ROW", Sach, Error, "Dòng không đọc được";
    ResidesInOtherProvince => "RESIDES_IN_OTHER_PROVINCE", Song, Warning, "Người đang cư trú ở tỉnh khác";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for &c in Code::ALL {
            assert_eq!(Code::from_name(c.name()), Some(c));
            assert!(seen.insert(c.name()));
        }
        assert_eq!(Code::ALL.len(), 28);
    }
}
