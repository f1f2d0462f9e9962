//! Dates as registries write them, with their precision.
//!
//! Takes a raw value and the registry's day/month order; gives a [`PartialDate`]
//! (full date, month/year or year only) or a reason why the value is not a date.
//! Accepts `dd/mm/yyyy`, `d/m/yy`, `yyyy-mm-dd` (with an optional time), `yyyy`,
//! `mm/yyyy`, `00/00/yyyy` and `00/mm/yyyy` (unknown parts), and Excel serial numbers.
//! Impossible dates (31/02), dates before 1900 and dates after the reference day are
//! invalid. A day/month swap is a comparison ([`PartialDate::is_swap_of`]), never a guess
//! made here.

use serde::Deserialize;
use std::fmt;

/// How much of a date is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precision {
    /// Year only.
    Year,
    /// Month and year.
    Month,
    /// Day, month and year.
    Day,
}

impl Precision {
    /// Stable label used in output files.
    pub fn label(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
        }
    }
}

/// A date of which the month and day may be unknown (stored as 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartialDate {
    /// Year, 1900 or later.
    pub year: i32,
    /// Month 1–12, or 0 if unknown.
    pub month: u8,
    /// Day 1–31, or 0 if unknown.
    pub day: u8,
}

/// The order of day and month in slash-separated dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayOrder {
    /// `dd/mm/yyyy`, the Vietnamese convention.
    #[default]
    Dmy,
    /// `mm/dd/yyyy`, US-locale Excel exports.
    Mdy,
}

impl fmt::Display for PartialDate {
    /// ISO form at the date's precision: `1987-03-05`, `1987-03`, `1987`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.precision() {
            Precision::Day => write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day),
            Precision::Month => write!(f, "{:04}-{:02}", self.year, self.month),
            Precision::Year => write!(f, "{:04}", self.year),
        }
    }
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl PartialDate {
    /// A checked date: month 0–12, day 0–days in month, day only with a month.
    pub fn new(year: i32, month: u8, day: u8) -> Result<PartialDate, String> {
        if month > 12 {
            return Err(format!("month {month} does not exist"));
        }
        if day > 0 && month == 0 {
            return Err("a day without a month".to_string());
        }
        if day > 0 && day > days_in_month(year, month) {
            return Err(format!("{day:02}/{month:02}/{year} does not exist"));
        }
        Ok(PartialDate { year, month, day })
    }

    /// How much of the date is known.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (0, _) => Precision::Year,
            (_, 0) => Precision::Month,
            _ => Precision::Day,
        }
    }

    /// 01/01/YYYY: the date conventionally given to people whose day and month were
    /// unknown (older people in remote communes); it says the year only.
    pub fn is_placeholder(&self) -> bool {
        self.day == 1 && self.month == 1
    }

    /// Whether `self` (maybe less precise) agrees with `other` on every part it knows.
    pub fn compatible_with(&self, other: &PartialDate) -> bool {
        self.year == other.year
            && (self.month == 0 || other.month == 0 || self.month == other.month)
            && (self.day == 0 || other.day == 0 || self.day == other.day)
    }

    /// Whether `self` is `other` with day and month swapped (both full, day ≠ month).
    pub fn is_swap_of(&self, other: &PartialDate) -> bool {
        self.precision() == Precision::Day
            && other.precision() == Precision::Day
            && self.day != self.month
            && self.year == other.year
            && self.day == other.month
            && self.month == other.day
    }

    /// Days since 1900-01-01 in the proleptic Gregorian calendar (full dates only).
    fn from_excel_serial(serial: i64) -> Option<PartialDate> {
        // Excel's day 1 is 1900-01-01 and it counts a 29/02/1900 that never was, so
        // serials from 61 on are one too high; 60 is that phantom day.
        if !(1..=2_958_465).contains(&serial) || serial == 60 {
            return None;
        }
        let mut days = if serial > 60 { serial - 2 } else { serial - 1 };
        let mut year = 1900;
        loop {
            let len = if days_in_month(year, 2) == 29 { 366 } else { 365 };
            if days < len {
                break;
            }
            days -= len;
            year += 1;
        }
        let mut month = 1u8;
        while days >= i64::from(days_in_month(year, month)) {
            days -= i64::from(days_in_month(year, month));
            month += 1;
        }
        Some(PartialDate { year, month, day: days as u8 + 1 })
    }
}

fn two_digit_year(yy: i32, today: &PartialDate) -> i32 {
    let pivot = today.year % 100;
    if yy <= pivot {
        2000 + yy
    } else {
        1900 + yy
    }
}

fn number(part: &str) -> Result<i32, String> {
    if part.is_empty() || part.len() > 4 || !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{part}' is not a number"));
    }
    part.parse().map_err(|_| format!("'{part}' is not a number"))
}

/// Parses a date as written. Blank gives `Ok(None)`; anything unreadable or impossible
/// gives `Err(reason)`. `today` bounds the future and pivots two-digit years.
pub fn parse(raw: &str, order: DayOrder, today: &PartialDate) -> Result<Option<PartialDate>, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    // `T3/1987`: a month written with the initial of `tháng`.
    if let Some(rest) = s.strip_prefix(['T', 't']) {
        let month_year = rest.split(['/', '-', '.']).count() == 2;
        if month_year && rest.starts_with(|c: char| c.is_ascii_digit()) && !rest.chars().any(char::is_alphabetic) {
            return parse(rest, order, today);
        }
    }
    if s.chars().any(|c| c.is_alphabetic() && c != 'T') {
        return check_range(text_date(s, today)?, today).map(Some);
    }
    // Drop a time part: "1987-03-05 00:00:00", "05/03/1987 0:00".
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    let date = if s.bytes().all(|b| b.is_ascii_digit()) {
        match s.len() {
            4 => PartialDate::new(number(s)?, 0, 0)?,
            5 => PartialDate::from_excel_serial(s.parse().map_err(|_| "not a number")?)
                .ok_or_else(|| format!("'{s}' is not an Excel date serial"))?,
            8 => {
                // yyyymmdd
                let (y, m, d) = (number(&s[..4])?, number(&s[4..6])?, number(&s[6..])?);
                PartialDate::new(y, m as u8, d as u8)?
            }
            _ => return Err(format!("'{s}' is not a date")),
        }
    } else {
        let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
        match parts.as_slice() {
            [y, m, d] if y.len() == 4 => {
                let (y, m, d) = (number(y)?, number(m)?, number(d)?);
                PartialDate::new(
                    y,
                    m.try_into().map_err(|_| "month out of range")?,
                    d.try_into().map_err(|_| "day out of range")?,
                )?
            }
            [a, b, y] => {
                let (a, b) = (number(a)?, number(b)?);
                let y = match y.len() {
                    4 => number(y)?,
                    2 => two_digit_year(number(y)?, today),
                    _ => return Err(format!("'{y}' is not a year")),
                };
                let (d, m) = match order {
                    DayOrder::Dmy => (a, b),
                    DayOrder::Mdy => (b, a),
                };
                if !(0..=31).contains(&d) || !(0..=99).contains(&m) {
                    return Err(format!("'{s}' is not a date"));
                }
                PartialDate::new(y, m as u8, d as u8)?
            }
            // ISO year and month (`1987-03`, how a month-precision date is written out).
            [y, m] if y.len() == 4 && m.len() <= 2 => {
                let m = number(m)?;
                if !(1..=12).contains(&m) {
                    return Err(format!("month {m} does not exist"));
                }
                PartialDate::new(number(y)?, m as u8, 0)?
            }
            [m, y] if y.len() == 4 => {
                let m = number(m)?;
                if m > 12 {
                    return Err(format!("month {m} does not exist"));
                }
                PartialDate::new(number(y)?, m as u8, 0)?
            }
            _ => return Err(format!("'{s}' is not a date")),
        }
    };
    check_range(date, today).map(Some)
}

/// Dates are between 1900 and the reference day.
fn check_range(date: PartialDate, today: &PartialDate) -> Result<PartialDate, String> {
    if date.year < 1900 {
        return Err(format!("year {} is before 1900", date.year));
    }
    let cmp_today = PartialDate {
        year: today.year,
        month: if date.month == 0 { 0 } else { today.month },
        day: if date.day == 0 { 0 } else { today.day },
    };
    if date > cmp_today {
        return Err(format!("{date} is in the future"));
    }
    Ok(date)
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/// Dates with words: Vietnamese `ngày 5 tháng 3 năm 1987`, `tháng 3/1987`, `năm 1960`,
/// and English month names as spreadsheets write them (`05-Mar-1987`, `Mar 5, 1987`).
fn text_date(s: &str, today: &PartialDate) -> Result<PartialDate, String> {
    let folded = super::text::fold(&s.replace(['-', '.', '/', ','], " "));
    let tokens: Vec<&str> = folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|t| !t.is_empty()).collect();
    let bad = || format!("'{s}' is not a date");
    let num = |t: &str| t.parse::<i32>().map_err(|_| bad());
    let (mut day, mut month, mut year) = (0i32, 0i32, None::<i32>);
    if tokens.iter().any(|t| matches!(*t, "ngay" | "thang" | "nam")) {
        let mut numbers = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            match tokens[i] {
                "ngay" if i + 1 < tokens.len() => day = num(tokens[i + 1])?,
                "thang" if i + 1 < tokens.len() => month = num(tokens[i + 1])?,
                "nam" if i + 1 < tokens.len() => year = Some(num(tokens[i + 1])?),
                "ngay" | "thang" | "nam" => return Err(bad()),
                t if t.bytes().all(|b| b.is_ascii_digit()) => numbers.push(num(t)?),
                _ => return Err(bad()),
            }
            i += if matches!(tokens[i], "ngay" | "thang" | "nam") { 2 } else { 1 };
        }
        // "5 tháng 3 năm 1987" (day without its word), "tháng 3/1987" (year without).
        match numbers.as_slice() {
            [] => {}
            [n] if year.is_none() && *n >= 1900 => year = Some(*n),
            [n] if day == 0 && *n <= 31 => day = *n,
            _ => return Err(bad()),
        }
    } else {
        let month_at =
            tokens.iter().position(|t| t.len() >= 3 && MONTHS.iter().any(|m| t.starts_with(m))).ok_or_else(bad)?;
        month = MONTHS.iter().position(|m| tokens[month_at].starts_with(m)).map_or(0, |i| i as i32 + 1);
        for (i, t) in tokens.iter().enumerate() {
            if i == month_at {
                continue;
            }
            let n = num(t)?;
            if t.len() == 4 {
                year = Some(n);
            } else if day == 0 && year.is_none() && n <= 31 && (i < month_at || tokens.len() > 2 && i == month_at + 1) {
                day = n;
            } else if t.len() == 2 {
                year = Some(two_digit_year(n, today));
            } else {
                return Err(bad());
            }
        }
    }
    let year = year.ok_or_else(bad)?;
    let month = u8::try_from(month).map_err(|_| bad())?;
    let day = u8::try_from(day).map_err(|_| bad())?;
    PartialDate::new(year, month, day)
}

/// Age in completed years on `today` of someone born on `dob`: the year difference, less
/// one before the birthday; the year difference when the month or day is unknown.
pub fn completed_years(dob: &PartialDate, today: &PartialDate) -> i32 {
    let years = today.year - dob.year;
    if dob.month == 0 || dob.day == 0 {
        return years;
    }
    years - i32::from((today.month, today.day) < (dob.month, dob.day))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ages in completed years on the reference day: the year difference less one before
    /// the birthday (a child born in December is 5, not 6, in November of its sixth year).
    #[test]
    fn ages_in_completed_years() {
        let today = PartialDate::new(2026, 11, 29).unwrap();
        let age = |y, m, d| completed_years(&PartialDate { year: y, month: m, day: d }, &today);
        assert_eq!(age(2020, 12, 15), 5);
        assert_eq!(age(2020, 11, 29), 6);
        assert_eq!(age(2020, 1, 1), 6);
        assert_eq!(age(2020, 0, 0), 6);
    }

    const TODAY: PartialDate = PartialDate { year: 2026, month: 11, day: 29 };

    fn ok(s: &str) -> String {
        parse(s, DayOrder::Dmy, &TODAY).unwrap().unwrap().to_string()
    }

    /// Every precision's ISO form reads back as the same date.
    #[test]
    fn iso_forms_read_back() {
        for d in [PartialDate { year: 1987, month: 3, day: 5 }, PartialDate { year: 1987, month: 3, day: 0 }] {
            assert_eq!(parse(&d.to_string(), DayOrder::Dmy, &TODAY).unwrap(), Some(d));
        }
        assert!(parse("1987-13", DayOrder::Dmy, &TODAY).is_err());
    }

    #[test]
    fn accepted_forms() {
        let cases = [
            ("05/03/1987", "1987-03-05"),
            ("5/3/1987", "1987-03-05"),
            ("5/3/87", "1987-03-05"),
            ("1/1/05", "2005-01-01"),
            ("1987-03-05", "1987-03-05"),
            ("1987-03-05 00:00:00", "1987-03-05"),
            ("1960", "1960"),
            ("00/00/1960", "1960"),
            ("00/03/1960", "1960-03"),
            ("03/1960", "1960-03"),
            // A date's own ISO form at month precision reads back (a run's residue), and
            // its cousins: other separators, the year first or last, `T` for `tháng`.
            ("1960-03", "1960-03"),
            ("1960/03", "1960-03"),
            ("1960.3", "1960-03"),
            ("3/1960", "1960-03"),
            ("T3/1960", "1960-03"),
            ("t03-1960", "1960-03"),
            ("05.03.1987", "1987-03-05"),
            ("31952", "1987-06-24"),
            ("19870305", "1987-03-05"),
            ("29/02/2000", "2000-02-29"),
            ("ngày 5 tháng 3 năm 1987", "1987-03-05"),
            ("Ngày 05 tháng 03 năm 1987", "1987-03-05"),
            ("5 tháng 3 năm 1987", "1987-03-05"),
            ("tháng 3/1987", "1987-03"),
            ("tháng 3 năm 1987", "1987-03"),
            ("năm 1960", "1960"),
            ("05-Mar-1987", "1987-03-05"),
            ("5 March 1987", "1987-03-05"),
            ("Mar 5, 1987", "1987-03-05"),
            ("Mar-1987", "1987-03"),
            ("05-Mar-87", "1987-03-05"),
        ];
        for (input, want) in cases {
            assert_eq!(ok(input), want, "{input:?}");
        }
        assert_eq!(parse("  ", DayOrder::Dmy, &TODAY), Ok(None));
        assert_eq!(parse("03/05/1987", DayOrder::Mdy, &TODAY).unwrap().unwrap().to_string(), "1987-03-05");
    }

    #[test]
    fn excel_serials_skip_the_phantom_leap_day() {
        let d = |n| PartialDate::from_excel_serial(n).map(|d| d.to_string());
        assert_eq!(d(1).as_deref(), Some("1900-01-01"));
        assert_eq!(d(59).as_deref(), Some("1900-02-28"));
        assert_eq!(d(60), None);
        assert_eq!(d(61).as_deref(), Some("1900-03-01"));
        assert_eq!(d(45000).as_deref(), Some("2023-03-15"));
    }

    #[test]
    fn rejected_forms() {
        for bad in ["31/02/1990", "29/02/1900", "15/13/1990", "1850", "01/01/2090", "abc", "12/1990/3", "1.5E+4"] {
            assert!(parse(bad, DayOrder::Dmy, &TODAY).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn comparisons() {
        let d = |y, m, dd| PartialDate::new(y, m, dd).unwrap();
        assert!(d(1987, 5, 3).is_swap_of(&d(1987, 3, 5)));
        assert!(!d(1987, 3, 3).is_swap_of(&d(1987, 3, 3)));
        assert!(d(1987, 0, 0).compatible_with(&d(1987, 3, 5)));
        assert!(d(1987, 3, 0).compatible_with(&d(1987, 3, 5)));
        assert!(!d(1988, 0, 0).compatible_with(&d(1987, 3, 5)));
    }
}
