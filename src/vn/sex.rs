//! Sex as registries write it: `Nam`/`Nữ`, `M`/`F`, `1`/`0`, … (lists in the rules).

use super::text;
use serde::Serialize;

/// Sex of a person as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Sex {
    /// Nam.
    Male,
    /// Nữ.
    Female,
}

impl Sex {
    /// Vietnamese label used in output files.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }
}

/// Default spellings, compared after folding (so `NỮ`, `nu`, `Nữ` all match).
pub const DEFAULT_MALE: &[&str] = &["nam", "m", "male", "1", "trai"];
/// Default spellings of female.
pub const DEFAULT_FEMALE: &[&str] = &["nu", "f", "female", "0", "2", "gai"];

/// Parses a sex value against folded male/female spellings. Blank gives `Ok(None)`.
pub fn parse(raw: &str, male: &[String], female: &[String]) -> Result<Option<Sex>, String> {
    parse_folded(raw, &text::fold(raw), male, female)
}

/// [`parse`] with the value already folded (callers that memoize folding).
pub fn parse_folded(raw: &str, folded: &str, male: &[String], female: &[String]) -> Result<Option<Sex>, String> {
    let folded = folded.to_string();
    if folded.is_empty() {
        return Ok(None);
    }
    if male.contains(&folded) {
        Ok(Some(Sex::Male))
    } else if female.contains(&folded) {
        Ok(Some(Sex::Female))
    } else {
        Err(format!("'{}' is not a known sex value", raw.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let m: Vec<String> = DEFAULT_MALE.iter().map(|s| s.to_string()).collect();
        let f: Vec<String> = DEFAULT_FEMALE.iter().map(|s| s.to_string()).collect();
        assert_eq!(parse("Nam", &m, &f), Ok(Some(Sex::Male)));
        assert_eq!(parse("NỮ", &m, &f), Ok(Some(Sex::Female)));
        assert_eq!(parse("nữ ", &m, &f), Ok(Some(Sex::Female)));
        assert_eq!(parse("", &m, &f), Ok(None));
        assert!(parse("X", &m, &f).is_err());
    }
}
