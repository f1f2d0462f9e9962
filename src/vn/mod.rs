//! The Vietnamese kernels: plain functions on one value at a time, with their table
//! tests beside them. They know the language and the country — names, dates, IDs, sex,
//! legacy encodings, administrative units and addresses — and nothing of the pipeline:
//! this layer imports nothing else of the crate, and every stage above it may use it.
//!
//! - [`text`]: NFC, Đ repair, one tone placement, folding;
//! - [`name`]: personal names and their keys (folded, i/y, without middle name, phonetic);
//! - [`date`]: dates with their precision kept;
//! - [`id`]: personal IDs (12 digits), legacy CMNDs (9), their checks;
//! - [`sex`]: sex words;
//! - [`encoding`]: TCVN3, VNI and mojibake repair, file encodings;
//! - [`admin`]: administrative units old and new, a written commune resolved;
//! - [`address`]: free-text addresses split into their parts;
//! - [`unit_words`]: the type words of units (`Xã`, `X.`, `Bản`, …);
//! - [`describe`]: one value normalized and described (`doisoat normalize`).

pub mod address;
pub mod admin;
pub mod date;
pub mod describe;
pub mod encoding;
pub mod id;
pub mod name;
pub mod sex;
pub mod text;
pub mod unit_words;

/// The data rows of an embedded reference table (`rules/*.csv`): its comment lines (`#`,
/// where the table says its sources) and its header left out.
fn table_rows(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines().filter(|l| !l.starts_with('#')).skip(1)
}
