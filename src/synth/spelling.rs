//! Other spellings of the exports' headers (`[formats] headers = "variant"`), as other
//! provinces' systems write them: upper case, abbreviations (`Số ĐK`, `Mã HS`, `chủ SD`),
//! punctuation (`Ngày, tháng, năm sinh`, `Họ, tên cha`), longer forms (`Họ tên chủ sử
//! dụng đất`). The rules files the generator writes name the same spellings, so a run
//! reads them as it reads the standard ones, and `doisoat init` must find them by itself.

/// (agency, standard header, variant). The agency is `population` for the extract.
const VARIANTS: &[(&str, &str, &str)] = &[
    ("population", "Số định danh cá nhân", "SỐ ĐỊNH DANH CÁ NHÂN"),
    ("population", "Số CMND", "Số CMND cũ"),
    ("population", "Họ và tên", "Họ tên"),
    ("population", "Ngày sinh", "Ngày, tháng, năm sinh"),
    ("population", "Giới tính", "GIỚI TÍNH"),
    ("population", "Mã xã thường trú", "Mã xã (thường trú)"),
    ("population", "Địa chỉ thường trú", "Nơi thường trú"),
    ("population", "Họ tên cha", "Họ và tên cha"),
    ("population", "Họ tên mẹ", "Họ và tên mẹ"),
    ("population", "Tình trạng hôn nhân", "TT hôn nhân"),
    ("population", "Tình trạng", "Tình trạng sống/chết"),
    ("population", "Ngày mất", "Ngày chết"),
    ("population", "Ngày cập nhật", "Cập nhật lần cuối"),
    ("civil_status", "Số đăng ký", "Số ĐK"),
    ("civil_status", "Loại sự kiện", "Loại việc hộ tịch"),
    ("civil_status", "Ngày đăng ký", "Ngày ĐK"),
    ("civil_status", "Họ và tên", "Họ và tên người được đăng ký"),
    ("civil_status", "Số định danh", "Số định danh cá nhân"),
    ("civil_status", "Nơi đăng ký", "Cơ quan đăng ký"),
    ("civil_status", "Họ tên cha", "Họ, tên cha"),
    ("civil_status", "Họ tên mẹ", "Họ, tên mẹ"),
    ("insurance", "Mã số BHXH", "Mã BHXH"),
    ("insurance", "Số CCCD/CMND", "CCCD/CMND"),
    ("insurance", "Địa chỉ", "Địa chỉ liên hệ"),
    ("insurance", "Trạng thái thẻ", "Tình trạng thẻ"),
    ("land", "Mã thửa", "Mã thửa đất"),
    ("land", "Tên chủ sử dụng", "Họ tên chủ sử dụng đất"),
    // No dictionary row knows this one: `doisoat init` places it by its values (years).
    ("land", "Năm sinh", "Sinh năm"),
    ("land", "Số giấy tờ", "Số giấy tờ tùy thân"),
    ("land", "Địa chỉ chủ sử dụng", "Địa chỉ thường trú chủ SD"),
    ("land", "Tình trạng GCN", "Trạng thái cấp GCN"),
    ("land", "Tờ bản đồ", "Số tờ"),
    ("land", "Số thửa", "Số hiệu thửa"),
    ("education", "Mã học sinh", "Mã HS"),
    // Nor this one: placed by its values (names).
    ("education", "Họ và tên", "Tên học sinh"),
    ("education", "Mã định danh", "Mã định danh cá nhân"),
    ("education", "Xã/Phường", "Xã, phường"),
    ("education", "Trạng thái", "Tình trạng học tập"),
    ("education", "Trường", "Tên trường"),
];

/// A header as the file writes it: its variant when `on`, else as given.
pub fn header<'a>(agency: &str, h: &'a str, on: bool) -> &'a str {
    if !on {
        return h;
    }
    VARIANTS.iter().find(|(a, s, _)| *a == agency && *s == h).map_or(h, |(_, _, v)| v)
}

/// A header row as the file writes it.
pub fn headers<'a>(agency: &str, row: &[&'a str], on: bool) -> Vec<&'a str> {
    row.iter().map(|h| header(agency, h, on)).collect()
}

/// A rules file whose `[columns]` name the variant headers when `on`.
pub fn rules(agency: &str, text: &str, on: bool) -> String {
    let mut text = text.to_string();
    if on {
        for (_, standard, variant) in VARIANTS.iter().filter(|(a, _, _)| *a == agency) {
            text = text.replace(&format!("\"{standard}\" = "), &format!("\"{variant}\" = "));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_follow_the_variant_headers() {
        let text = "[columns]\n\"Họ và tên\" = \"full_name\"\n\"Họ tên cha\" = \"father_name\"\n";
        let out = rules("population", text, true);
        assert_eq!(out, "[columns]\n\"Họ tên\" = \"full_name\"\n\"Họ và tên cha\" = \"father_name\"\n");
        assert_eq!(rules("population", text, false), text);
        assert_eq!(header("land", "Mã thửa", true), "Mã thửa đất");
    }
}
