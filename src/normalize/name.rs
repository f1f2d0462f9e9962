//! Personal names: display form, comparison keys, and the variant/mismatch decision.
//!
//! Takes a raw name as written; gives a [`Name`] with its canonical display form
//! (`Nguyễn Văn Hòa`: NFC, one tone placement, each syllable capitalised, single
//! spaces), an exact comparison key and a diacritic-folded key. [`compare`] decides
//! whether two names are the same, the same written differently, or different.

use super::text;
use serde::Serialize;

/// A normalized personal name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Name {
    /// Canonical display form, e.g. `Giàng A Páo`.
    pub display: String,
    /// Lower case, tone placement canonical: equal keys mean the same spelling.
    pub key: String,
    /// Lower case without any diacritic (đ→d): equal folds mean the same letters.
    pub folded: String,
    /// Whether the written name carried any diacritic at all.
    pub has_marks: bool,
}

impl Name {
    /// Normalizes a raw name. An empty or blank input gives `None`.
    pub fn parse(raw: &str) -> Option<Name> {
        let cleaned = text::clean(raw);
        if cleaned.is_empty() {
            return None;
        }
        let canonical = text::canonical_tones(&cleaned);
        let display = text::title_case(&canonical);
        let key = display.to_lowercase();
        let folded = text::fold(&display);
        Some(Name {
            has_marks: text::has_marks(&cleaned),
            display,
            key,
            folded,
        })
    }

    /// The last syllable of the folded form: the given name by which people are called.
    pub fn given_folded(&self) -> &str {
        self.folded.rsplit(' ').next().unwrap_or("")
    }

    /// The first syllable of the folded form (the surname in Vietnamese order).
    pub fn surname_folded(&self) -> &str {
        self.folded.split(' ').next().unwrap_or("")
    }
}

/// How a registry name relates to the population's name for the same person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameRelation {
    /// Written exactly as the population writes it.
    Same,
    /// The same name written differently; the kind says how.
    Variant(VariantKind),
    /// A different name.
    Mismatch,
}

/// The kind of a spelling variant, reported with `NAME_VARIANT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantKind {
    /// Case, spacing, Unicode form (NFD) or a legacy Đ look-alike only.
    Form,
    /// Tone mark placed on the other vowel (hoà / hòa).
    TonePlacement,
    /// Written without any diacritic.
    DiacriticsDropped,
    /// Diacritics present but different on some letters.
    DiacriticsDiffer,
}

impl VariantKind {
    /// Stable label used in output files.
    pub fn label(self) -> &'static str {
        match self {
            VariantKind::Form => "form",
            VariantKind::TonePlacement => "tone_placement",
            VariantKind::DiacriticsDropped => "diacritics_dropped",
            VariantKind::DiacriticsDiffer => "diacritics_differ",
        }
    }
}

/// Compares a registry name (`raw` as written, and parsed) with the population's name.
pub fn compare(raw: &str, registry: &Name, population: &Name) -> NameRelation {
    if raw == population.display {
        return NameRelation::Same;
    }
    if registry.key == population.key {
        let cleaned = text::clean(raw).to_lowercase();
        let kind = if cleaned == population.key {
            VariantKind::Form
        } else if text::canonical_tones(&cleaned) == population.key {
            VariantKind::TonePlacement
        } else {
            VariantKind::Form
        };
        return NameRelation::Variant(kind);
    }
    if registry.folded == population.folded {
        let kind = if registry.has_marks {
            VariantKind::DiacriticsDiffer
        } else {
            VariantKind::DiacriticsDropped
        };
        return NameRelation::Variant(kind);
    }
    NameRelation::Mismatch
}

/// Whether two names clearly belong to different people: the given names differ and the
/// folded full names are not close (Jaro–Winkler below 0.85). Used to refuse an ID link.
pub fn clearly_differ(a: &Name, b: &Name) -> bool {
    a.given_folded() != b.given_folded() && strsim::jaro_winkler(&a.folded, &b.folded) < 0.85
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        Name::parse(s).unwrap()
    }

    #[test]
    fn display_table() {
        let cases = [
            ("NGUYỄN  VĂN hoà", "Nguyễn Văn Hòa"),
            ("giàng a páo", "Giàng A Páo"),
            ("VÀNG THỊ MỶ", "Vàng Thị Mỷ"),
            ("Ðặng Thị Thuỷ", "Đặng Thị Thủy"),
            ("  lò   văn   ánh ", "Lò Văn Ánh"),
        ];
        for (input, want) in cases {
            assert_eq!(n(input).display, want, "{input:?}");
        }
        assert_eq!(Name::parse("   "), None);
    }

    #[test]
    fn relation_table() {
        use NameRelation::*;
        use VariantKind::*;
        let cases = [
            ("Nguyễn Văn Hòa", "Nguyễn Văn Hòa", Same),
            ("NGUYỄN VĂN HÒA", "Nguyễn Văn Hòa", Variant(Form)),
            ("Nguyễn Văn Hoà", "Nguyễn Văn Hòa", Variant(TonePlacement)),
            (
                "Nguyen Van Hoa",
                "Nguyễn Văn Hòa",
                Variant(DiacriticsDropped),
            ),
            (
                "Nguyễn Văn Hóa",
                "Nguyễn Văn Hòa",
                Variant(DiacriticsDiffer),
            ),
            ("Nguyễn Văn Hùng", "Nguyễn Văn Hòa", Mismatch),
            ("Giàng A Páo", "Giàng A Pó", Mismatch),
        ];
        for (raw, pop, want) in cases {
            assert_eq!(compare(raw, &n(raw), &n(pop)), want, "{raw:?} vs {pop:?}");
        }
    }

    #[test]
    fn clearly_differ_table() {
        assert!(clearly_differ(&n("Lò Văn Ánh"), &n("Nguyễn Thị Hoa")));
        assert!(!clearly_differ(&n("Lò Văn Ánh"), &n("Lò Văn Anh")));
        assert!(!clearly_differ(&n("Giàng A Páo"), &n("Giàng Páo")));
    }
}
