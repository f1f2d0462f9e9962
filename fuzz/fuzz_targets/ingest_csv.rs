//! Any bytes as a registry CSV (insurance rules, encoding detected): the reader must give
//! a table or an error, never panic, and account for every data row it saw.
#![no_main]

use doisoat::config::load_rules;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn rules() -> &'static doisoat::config::Rules {
    static RULES: OnceLock<doisoat::config::Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/insurance.toml");
        load_rules(&path, &mut Vec::new()).expect("shipped rules load")
    })
}

fuzz_target!(|data: &[u8]| {
    // A header the rules accept, then the fuzzer's bytes as rows (half the time), so
    // the row reader is reached; the other half the bytes are the whole file.
    let mut bytes = Vec::new();
    if data.first().is_some_and(|b| b & 1 == 0) {
        bytes.extend("Mã số BHXH,Họ và tên,Ngày sinh,Giới tính,Số CCCD/CMND,Địa chỉ,Trạng thái thẻ,Ngày cập nhật\n".as_bytes());
        bytes.extend(&data[1..]);
    } else {
        bytes.extend(data);
    }
    if let Ok(table) = doisoat::ingest::read_csv_bytes(Path::new("fuzz.csv"), bytes, rules()) {
        assert_eq!(table.rows.len() as u64 + table.rejected.len() as u64, table.rows_read);
        let today = doisoat::vn::date::PartialDate { year: 2026, month: 11, day: 30 };
        let (records, rejected) = doisoat::normalize::records(&table, rules(), "12", &today);
        // `rejected` holds the reader's rejected rows too: every data row is one or the other.
        assert_eq!(records.len() as u64 + rejected.len() as u64, table.rows_read);
    }
});
