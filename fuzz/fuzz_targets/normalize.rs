//! Any text through every normalizer: name, address, ID, date (both day orders), legacy
//! encodings and mojibake repair, and the name comparison. None may panic.
#![no_main]

use doisoat::vn::describe::{describe, Kind};
use doisoat::vn::{date, encoding, name};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let today = date::PartialDate { year: 2026, month: 11, day: 30 };
    for kind in [Kind::Name, Kind::Address, Kind::Id, Kind::Date] {
        let _ = describe(kind, text, "12", &today);
    }
    for order in [date::DayOrder::Dmy, date::DayOrder::Mdy] {
        let _ = date::parse(text, order, &today);
    }
    let _ = encoding::decode(text, encoding::Legacy::Tcvn3);
    let _ = encoding::decode(text, encoding::Legacy::Vni);
    let _ = encoding::repair(text);
    // Split in two names and compare them both ways.
    let mid = text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i);
    let (a, b) = text.split_at(mid);
    if let (Some(x), Some(y)) = (name::Name::parse(a), name::Name::parse(b)) {
        let _ = name::compare(a, &x, &y, false);
        let _ = name::compare(b, &y, &x, true);
        let _ = name::clearly_differ(&x, &y);
    }
});
