//! What a clerk reads in the worklist workbooks, in Vietnamese: field names, values
//! doisoat writes itself (dates as `dd/mm/yyyy`, statuses), and notes and rejection
//! reasons. The machine files (`discrepancies.parquet`, `fixes.*`, the CSVs) keep the
//! English keys and ISO dates that programs read; this module renders, it decides nothing.
//!
//! Notes are matched against the forms assess, normalize and ingest write (`{}` is a
//! part copied over; `{t}` a part translated in turn). A note of no known form is shown
//! as written, never dropped; the test of the demo's worklist finds a form left out.

use std::borrow::Cow;

/// A canonical field's name as a clerk knows it.
pub fn field(key: &str) -> &str {
    match key {
        "id" => "Số định danh/CMND",
        "full_name" => "Họ và tên",
        "dob" => "Ngày sinh",
        "birth_year" => "Năm sinh",
        "sex" => "Giới tính",
        "commune" => "Xã/phường",
        "address" => "Địa chỉ",
        "status" => "Trạng thái",
        "father_name" => "Họ tên cha",
        "mother_name" => "Họ tên mẹ",
        "marital_status" => "Tình trạng hôn nhân",
        "event_type" => "Loại sự kiện",
        "updated_at" => "Ngày cập nhật",
        "record_id" => "Mã hồ sơ",
        "row" => "Dòng",
        "legacy_id" => "Số CMND",
        "event_date" => "Ngày đăng ký",
        "death_date" => "Ngày mất",
        "ethnicity" => "Dân tộc",
        "spouse_name" => "Họ tên vợ/chồng",
        "vital_status" => "Tình trạng sống/chết",
        other => other,
    }
}

/// A value of `field` as a clerk reads it: dates doisoat wrote in ISO form as
/// `dd/mm/yyyy` (`mm/yyyy` for a month), the status words doisoat writes in Vietnamese.
/// Values as the registry wrote them are kept, except an ISO date, which becomes the one
/// date form of the workbook.
pub fn value<'a>(field: &str, v: &'a str) -> Cow<'a, str> {
    match (field, v) {
        ("status", "active") => "còn hiệu lực".into(),
        ("status", "inactive") => "hết hiệu lực".into(),
        ("status", _) if v.starts_with("deceased") => {
            let date = v["deceased".len()..].trim();
            if date.is_empty() {
                "đã chết".into()
            } else {
                format!("đã chết {}", iso_date(date).unwrap_or_else(|| date.to_string())).into()
            }
        }
        ("marital_status", "married") => "đã kết hôn".into(),
        ("marital_status", "single") => "chưa kết hôn".into(),
        ("event_type", "death") => "khai tử".into(),
        ("dob" | "birth_year" | "updated_at", _) => iso_date(v).map_or(Cow::Borrowed(v), Cow::Owned),
        _ => Cow::Borrowed(v),
    }
}

/// `yyyy-mm-dd` as `dd/mm/yyyy`, `yyyy-mm` as `mm/yyyy`; anything else `None`.
fn iso_date(v: &str) -> Option<String> {
    let b = v.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    match b.len() {
        10 if digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10) => {
            Some(format!("{}/{}/{}", &v[8..10], &v[5..7], &v[..4]))
        }
        7 if digits(0..4) && b[4] == b'-' && digits(5..7) => Some(format!("{}/{}", &v[5..7], &v[..4])),
        _ => None,
    }
}

/// The forms of notes and reasons, English → Vietnamese. Longer, more specific forms
/// come before shorter ones they share a beginning with.
const FORMS: &[(&str, &str)] = &[
    // assess
    (
        "the ID belongs to a person whose name and date of birth clearly differ",
        "số định danh là của một người có họ tên và ngày sinh khác hẳn",
    ),
    ("probable match {}: confirm in review.csv", "có thể là cùng người (xác suất {}): cần xác nhận"),
    ("linked: person {} (cross-province pass)", "đã ghép với người có số định danh {} (đối soát liên tỉnh)"),
    (
        "review: a person must confirm: person {} (cross-province pass)",
        "có thể là người có số định danh {}: cần xác nhận (đối soát liên tỉnh)",
    ),
    ("found by {}", "tìm thấy theo quy tắc ghép {}"),
    (
        "the population changed the residence after the record's last update",
        "CSDL dân cư đã đổi nơi cư trú sau lần cập nhật cuối của hồ sơ",
    ),
    (
        "a marriage registration for a person the population records as never married",
        "đăng ký kết hôn của người mà CSDL dân cư ghi là chưa kết hôn",
    ),
    ("the population must record this death", "CSDL dân cư cần ghi nhận việc khai tử này"),
    ("registry precision year", "hồ sơ chỉ ghi năm"),
    ("registry precision month", "hồ sơ chỉ ghi tháng và năm"),
    ("registry precision day", "hồ sơ ghi đủ ngày, tháng, năm"),
    ("same person as record {}", "cùng một người với hồ sơ {}"),
    ("{} (split unit: default target)", "{} (đơn vị bị chia tách: nơi nhận mặc định, cần kiểm tra)"),
    ("{} is no province code", "{} không phải mã tỉnh"),
    ("digit 4 = {}: {} born {}", "chữ số thứ 4 = {}: {} sinh {}"),
    ("digits 5-6 = {}, born {}", "chữ số thứ 5–6 = {}, sinh năm {}"),
    // how a name differs (NAME_VARIANT)
    ("form", "khác cách viết (hoa/thường, khoảng trắng)"),
    ("unicode_form", "khác dạng mã Unicode"),
    ("tone_placement", "khác vị trí dấu thanh"),
    ("legacy_encoding:{}", "do bảng mã cũ {}"),
    ("diacritics_dropped", "mất dấu"),
    ("diacritics_differ", "khác dấu"),
    ("i_y", "khác i/y"),
    ("middle_name", "khác tên đệm"),
    ("spelling", "khác chính tả"),
    ("letters_lost", "mất chữ khi lưu tệp (ký tự ?)"),
    // IDs (vn::id)
    (
        "scientific notation: digits lost in a spreadsheet, not recoverable",
        "dạng số mũ: bảng tính đã làm mất chữ số, không khôi phục được",
    ),
    ("contains characters other than digits", "có ký tự không phải chữ số"),
    (
        "11 digits starting with 0: a digit lost (a spreadsheet drops only a leading zero)",
        "11 chữ số bắt đầu bằng 0: mất một chữ số (bảng tính chỉ làm mất số 0 đầu)",
    ),
    ("leading zero restored (dropped by a spreadsheet)", "đã thêm lại số 0 đầu (bảng tính làm mất)"),
    ("neither 12 nor 9 digits", "không phải 12 hay 9 chữ số"),
    ("spreadsheet error value {} instead of an ID", "giá trị lỗi của bảng tính {} thay cho số định danh"),
    (
        "{} is a number in scientific notation: the ID's digits are lost",
        "{} là số dạng mũ: các chữ số của số định danh đã mất",
    ),
    // rejected rows (ingest, normalize, vn::date, vn::sex)
    ("column '{}': {t}", "cột '{}': {t}"),
    ("expected {} fields, found {}", "cần {} cột, có {} cột"),
    (
        "a quote opened on this line is never closed (the line is rejected, the next one read)",
        "dấu ngoặc kép mở ở dòng này không được đóng (bỏ dòng này, đọc tiếp dòng sau)",
    ),
    ("not valid UTF-8", "không phải văn bản UTF-8 hợp lệ"),
    ("field of {} bytes (longest accepted: {})", "ô dài {} byte (tối đa {})"),
    ("control character {} in the field", "ký tự điều khiển {} trong ô"),
    ("the record ID is empty", "mã hồ sơ bị trống"),
    ("the name is empty", "họ tên bị trống"),
    ("cell error {}", "ô lỗi {}"),
    ("month {} does not exist", "không có tháng {}"),
    ("year {} is before 1900", "năm {} trước 1900"),
    ("{} does not exist", "không có ngày {}"),
    ("{} is in the future", "{} là ngày trong tương lai"),
    ("'{}' is not a birth year", "'{}' không phải năm sinh"),
    ("'{}' is not a number", "'{}' không phải số"),
    ("'{}' is not an Excel date serial", "'{}' không phải số ngày của Excel"),
    ("'{}' is not a date", "'{}' không phải ngày tháng"),
    ("'{}' is not a year", "'{}' không phải năm"),
    ("'{}' is not a known sex value", "'{}' không phải giá trị giới tính đã biết"),
];

/// A note or rejection reason in Vietnamese (as written when of no known form).
pub fn note(text: &str) -> Cow<'_, str> {
    if text.is_empty() {
        return Cow::Borrowed(text);
    }
    for (english, vietnamese) in FORMS {
        if let Some(parts) = matches(english, text) {
            return Cow::Owned(fill(vietnamese, &parts));
        }
    }
    Cow::Borrowed(text)
}

/// The parts of `text` in the holes of `form` (`{}` or `{t}`), if it has that form; a
/// hole takes the shortest text that lets the rest match.
fn matches<'t>(form: &str, text: &'t str) -> Option<Vec<(&'t str, bool)>> {
    let mut pieces = Vec::new();
    let mut rest = form;
    while let Some((at, len, translated)) = next_hole(rest) {
        pieces.push((&rest[..at], Some(translated)));
        rest = &rest[at + len..];
    }
    pieces.push((rest, None));
    let mut parts = Vec::new();
    let mut t = text.strip_prefix(pieces[0].0)?;
    let mut hole = pieces[0].1;
    for (literal, next) in &pieces[1..] {
        let translate = hole.expect("a hole before each later piece");
        let end = if next.is_none() {
            // The last literal ends the text.
            t.strip_suffix(literal)?.len()
        } else {
            t.find(literal).filter(|_| !literal.is_empty())?
        };
        parts.push((&t[..end], translate));
        t = &t[end + literal.len()..];
        hole = *next;
    }
    (pieces.len() > 1 || t.is_empty()).then_some(parts)
}

/// The first hole of a form: (where, its length, whether it is a `{t}`).
fn next_hole(form: &str) -> Option<(usize, usize, bool)> {
    match (form.find("{}"), form.find("{t}")) {
        (Some(a), Some(b)) if b < a => Some((b, 3, true)),
        (Some(a), _) => Some((a, 2, false)),
        (None, Some(b)) => Some((b, 3, true)),
        (None, None) => None,
    }
}

/// `form` with its holes filled by `parts`, in order (a `{t}` part translated).
fn fill(form: &str, parts: &[(&str, bool)]) -> String {
    let mut out = String::with_capacity(form.len() + 32);
    let mut rest = form;
    for (part, translate) in parts {
        let Some((at, len, _)) = next_hole(rest) else { break };
        out.push_str(&rest[..at]);
        if *translate {
            out.push_str(&note(part));
        } else {
            out.push_str(part);
        }
        rest = &rest[at + len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_and_reasons_read_in_vietnamese() {
        let cases = [
            ("found by name_birthyear", "tìm thấy theo quy tắc ghép name_birthyear"),
            (
                "linked: person 001080000001 (cross-province pass)",
                "đã ghép với người có số định danh 001080000001 (đối soát liên tỉnh)",
            ),
            ("registry precision year", "hồ sơ chỉ ghi năm"),
            ("column 'Ngày sinh': 31/02/1962 does not exist", "cột 'Ngày sinh': không có ngày 31/02/1962"),
            ("column 'Ngày sinh': month 13 does not exist", "cột 'Ngày sinh': không có tháng 13"),
            ("expected 8 fields, found 3", "cần 8 cột, có 3 cột"),
            ("digit 4 = 2: Nam born 2000–2099", "chữ số thứ 4 = 2: Nam sinh 2000–2099"),
            (
                "Xã Mù Cả → 03388 (split unit: default target)",
                "Xã Mù Cả → 03388 (đơn vị bị chia tách: nơi nhận mặc định, cần kiểm tra)",
            ),
            ("legacy_encoding:tcvn3", "do bảng mã cũ tcvn3"),
            ("Phường Quyết Tiến → 03388", "Phường Quyết Tiến → 03388"),
            ("", ""),
        ];
        for (english, vietnamese) in cases {
            assert_eq!(note(english), vietnamese, "{english:?}");
        }
    }

    #[test]
    fn doisoat_dates_and_words_read_as_a_clerk_writes_them() {
        assert_eq!(value("dob", "1996-05-01"), "01/05/1996");
        assert_eq!(value("dob", "1996-05"), "05/1996");
        assert_eq!(value("dob", "05/01/1996"), "05/01/1996");
        assert_eq!(value("birth_year", "1975"), "1975");
        assert_eq!(value("status", "deceased 2024-03-10"), "đã chết 10/03/2024");
        assert_eq!(value("status", "inactive"), "hết hiệu lực");
        assert_eq!(value("full_name", "2024-03-10"), "2024-03-10");
        assert_eq!(field("mother_name"), "Họ tên mẹ");
    }
}
