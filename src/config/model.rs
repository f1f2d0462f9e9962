//! A model file: tier 3's blocking rules, comparison ladders and EM sessions as data
//! (SPEC §5). The default, `rules/model.toml`, is embedded and is the model every job
//! uses unless it names its own (`model = "rules/model.toml"` in the job). Parsed
//! strictly: an unknown key, field, comparison or blocking key is a rules problem with
//! its line.

use crate::error::Problem;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

use super::rules::problem;

/// The default model file, embedded: today's Vietnamese rules and levels.
pub const DEFAULT_MODEL: &str = include_str!("../../rules/model.toml");

/// Path of the default model inside a job folder (the demo and `generate` write it).
pub const DEFAULT_MODEL_PATH: &str = "rules/model.toml";

/// A checked model file.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    /// Where it came from (`(default)` for the embedded one).
    pub source: String,
    /// Blocking rules, in the order they are tried.
    pub blocking: Vec<BlockingSpec>,
    /// Compared fields, in the order of `model.json` and of an explanation.
    pub fields: Vec<FieldSpec>,
    /// EM sessions run on a registry without enough ID links.
    pub em: Vec<EmSpec>,
}

/// One blocking rule: the pairs whose keys all agree.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockingSpec {
    /// The rule's name (`model.json`, `links.parquet`, `explain`).
    pub rule: String,
    /// Its keys, in order.
    pub keys: Vec<BlockKey>,
    /// Blocks with more people than this are skipped (and counted).
    pub max_block: usize,
    /// Tried only for a record the rules before it gave no candidate.
    pub fallback: bool,
}

/// A blocking key: a canonical field or a key derived from one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BlockKey {
    /// The ID one substitution or transposition from a population ID, or (11 digits) one
    /// lost digit from one. A rule of its own.
    IdTypo,
    /// The folded full name.
    Name,
    /// The folded full name's letters without spaces.
    NameLetters,
    /// The name with its marked letters as `?` and no spaces: a record's only when its
    /// name lost letters to `?` (`Gi?ng A P?o` meets Giàng A Páo).
    NameLettersLost,
    /// The folded full name's syllables in alphabetical order (a name written given name
    /// first meets its person).
    NameSorted,
    /// The folded surname (first syllable).
    Surname,
    /// The folded given name (last syllable).
    GivenName,
    /// The phonetic surname.
    PhoneticSurname,
    /// The phonetic given name.
    PhoneticGiven,
    /// The middle names' initials: a record with none meets every person; one with some
    /// meets its own initials and the people without a middle name.
    MiddleInitials,
    /// The birth year.
    BirthYear,
    /// The full date of birth (day known).
    Dob,
    /// Day and month of birth (day known).
    DayMonth,
    /// The commune code.
    Commune,
    /// The address's hamlet.
    Hamlet,
    /// Either parent's folded name (a record and a person meet on any parent).
    ParentName,
    /// An attribute's folded value (`attribute.postcode`).
    Attribute(String),
}

impl BlockKey {
    const NAMES: [(&'static str, BlockKey); 16] = [
        ("id_typo", BlockKey::IdTypo),
        ("name", BlockKey::Name),
        ("name_letters", BlockKey::NameLetters),
        ("name_sorted", BlockKey::NameSorted),
        ("name_letters_lost", BlockKey::NameLettersLost),
        ("surname", BlockKey::Surname),
        ("given_name", BlockKey::GivenName),
        ("phonetic_surname", BlockKey::PhoneticSurname),
        ("phonetic_given", BlockKey::PhoneticGiven),
        ("middle_initials", BlockKey::MiddleInitials),
        ("birth_year", BlockKey::BirthYear),
        ("dob", BlockKey::Dob),
        ("day_month", BlockKey::DayMonth),
        ("commune", BlockKey::Commune),
        ("hamlet", BlockKey::Hamlet),
        ("parent_name", BlockKey::ParentName),
    ];

    fn parse(s: &str) -> Option<BlockKey> {
        named(s, &BlockKey::NAMES, BlockKey::Attribute)
    }

    /// Whether the key needs a name (a damaged name never meets its person by it).
    pub fn needs_name(&self) -> bool {
        matches!(
            self,
            BlockKey::Name
                | BlockKey::NameLetters
                | BlockKey::NameSorted
                | BlockKey::NameLettersLost
                | BlockKey::Surname
                | BlockKey::GivenName
                | BlockKey::PhoneticSurname
                | BlockKey::PhoneticGiven
                | BlockKey::MiddleInitials
                | BlockKey::ParentName
        )
    }
}

/// What a field compares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The person's name.
    Name,
    /// Date of birth.
    Dob,
    /// Sex (the record's own, else its name's title).
    Sex,
    /// Commune.
    Commune,
    /// The ID.
    Id,
    /// Parents' names.
    Parents,
    /// The hamlet, where the communes agree.
    Hamlet,
    /// A free-text attribute both sides map (`attribute.postcode`).
    Attribute(String),
}

impl Subject {
    const NAMES: [(&'static str, Subject); 7] = [
        ("name", Subject::Name),
        ("dob", Subject::Dob),
        ("sex", Subject::Sex),
        ("commune", Subject::Commune),
        ("id", Subject::Id),
        ("parents", Subject::Parents),
        ("hamlet", Subject::Hamlet),
    ];

    fn parse(s: &str) -> Option<Subject> {
        named(s, &Subject::NAMES, Subject::Attribute)
    }

    /// The comparisons this field's levels may use.
    fn comparisons(&self) -> &'static [&'static str] {
        match self {
            Subject::Name => &["exact", "same_letters", "same_syllables", "variant", "jaro_winkler", "else"],
            Subject::Dob => &[
                "exact",
                "day_month_swap",
                "partial_agrees",
                "same_month_year",
                "same_year",
                "year_mistyped",
                "years_apart",
                "else",
            ],
            Subject::Id => &["exact", "one_edit", "else"],
            Subject::Attribute(_) => &["exact", "jaro_winkler", "else"],
            Subject::Sex | Subject::Commune | Subject::Parents | Subject::Hamlet => &["agree", "else"],
        }
    }
}

/// A key or field by its name in a model file: `attribute.NAME`, else one of `table`.
fn named<T: Clone>(s: &str, table: &[(&str, T)], attr: fn(String) -> T) -> Option<T> {
    attribute(s).map(attr).or_else(|| table.iter().find(|(n, _)| *n == s).map(|(_, k)| k.clone()))
}

/// The name of an attribute key (`attribute.postcode` → `postcode`).
fn attribute(s: &str) -> Option<String> {
    let a = s.strip_prefix("attribute.")?;
    (!a.is_empty() && a.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
        .then(|| a.to_string())
}

/// How a level compares a pair (the first level of a ladder that holds is the pair's).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Compare {
    /// The same value (name: same spelling key).
    Exact,
    /// Name: the same letters (folded, spaces ignored).
    SameLetters,
    /// Name: the same syllables in another order (given name written first).
    SameSyllables,
    /// Name: a variant spelling (i/y, middle name dropped or abbreviated, phonetic).
    Variant,
    /// Jaro–Winkler of the folded values at least `min`; for a name, unless surname and
    /// given name both differ (`unless_other_name`).
    JaroWinkler { min: f64, unless_other_name: bool },
    /// Date: day and month swapped.
    DayMonthSwap,
    /// Date: agrees on what the less precise side knows.
    PartialAgrees,
    /// Date: same month and year.
    SameMonthYear,
    /// Date: same year.
    SameYear,
    /// Date: same day and month, the year one apart or one digit mistyped.
    YearMistyped,
    /// Date: birth years at most `max` apart.
    YearsApart { max: i32 },
    /// ID: one substitution or adjacent transposition (or one lost digit).
    OneEdit,
    /// Sex, commune, parents, hamlet: agree.
    Agree,
    /// Always holds: the ladder's last level.
    Else,
}

/// One level: its label and comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelSpec {
    /// The level's label.
    pub label: String,
    /// When a pair is at it.
    pub compare: Compare,
}

/// A compared field and its ladder, best level first.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// What it compares.
    pub subject: Subject,
    /// Its label (`name`, `attribute.postcode`).
    pub label: String,
    /// Its levels; the last is `else`.
    pub levels: Vec<LevelSpec>,
}

/// An EM session: on the candidate pairs at the best level of every `agree` field, the
/// `free` fields' m is estimated (those pairs' agreement carries no evidence).
#[derive(Debug, Clone, PartialEq)]
pub struct EmSpec {
    /// The session's name in `model.json`.
    pub name: String,
    /// Fields the sampled pairs agree on (their best level).
    pub agree: Vec<String>,
    /// Fields whose m the session estimates.
    pub free: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    kind: String,
    #[serde(default)]
    #[allow(dead_code)]
    version: Option<String>,
    #[serde(default)]
    blocking: Vec<RawBlocking>,
    #[serde(default)]
    field: Vec<RawField>,
    #[serde(default)]
    em: Vec<RawEm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBlocking {
    rule: String,
    keys: Vec<Spanned<String>>,
    #[serde(default)]
    max_block: Option<usize>,
    #[serde(default)]
    fallback: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    field: Spanned<String>,
    levels: Vec<Spanned<RawLevel>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    label: String,
    compare: String,
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<i32>,
    #[serde(default)]
    unless_other_name: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEm {
    name: String,
    agree: Vec<Spanned<String>>,
    free: Vec<Spanned<String>>,
}

/// Blocks with more people than this are skipped unless a rule says otherwise.
pub const DEFAULT_MAX_BLOCK: usize = 500;

/// The default model (embedded).
pub fn default_model() -> ModelSpec {
    let mut out = Vec::new();
    let spec = parse_model(DEFAULT_MODEL, Path::new("(default)"), &mut out);
    assert!(out.is_empty(), "the embedded model file is invalid: {out:?}");
    spec.expect("the embedded model file parses")
}

/// Reads and checks a model file; problems go to `out`.
pub fn load_model(path: &Path, out: &mut Vec<Problem>) -> Option<ModelSpec> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_model(&text, path, out),
        Err(e) => {
            out.push(problem(path, "file", format!("cannot read: {e}")));
            None
        }
    }
}

/// Whether a TOML file is a model file (`kind = "model"`), so that `check-rules` on a
/// folder reads it as one.
pub fn is_model_file(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        l.starts_with("kind") && l.split_once('=').is_some_and(|(k, v)| k.trim() == "kind" && v.trim() == "\"model\"")
    })
}

/// Parses and checks a model file's text.
pub fn parse_model(text: &str, path: &Path, out: &mut Vec<Problem>) -> Option<ModelSpec> {
    let line = |at: usize| format!("line {}", text[..at.min(text.len())].matches('\n').count() + 1);
    let raw: RawModel = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let key = e.span().map(|s| line(s.start));
            out.push(problem(path, key.unwrap_or_else(|| "toml".into()), e.message().to_string()));
            return None;
        }
    };
    let before = out.len();
    if raw.kind != "model" {
        out.push(problem(path, "kind", "a model file has kind = \"model\""));
    }
    let mut blocking = Vec::new();
    for b in raw.blocking {
        let mut keys = Vec::new();
        for k in &b.keys {
            match BlockKey::parse(k.get_ref()) {
                Some(key) if !keys.contains(&key) => keys.push(key),
                Some(_) => {
                    out.push(problem(path, line(k.span().start), format!("key '{}' twice in one rule", k.get_ref())))
                }
                None => out.push(problem(
                    path,
                    line(k.span().start),
                    format!(
                        "unknown blocking key '{}' (one of {}, or attribute.NAME)",
                        k.get_ref(),
                        names(&BlockKey::NAMES)
                    ),
                )),
            }
        }
        if keys.is_empty() && b.keys.is_empty() {
            out.push(problem(path, format!("blocking \"{}\"", b.rule), "a blocking rule needs keys"));
        }
        if keys.contains(&BlockKey::IdTypo) && keys.len() > 1 {
            out.push(problem(path, format!("blocking \"{}\"", b.rule), "id_typo is a rule of its own"));
        }
        if blocking.iter().any(|x: &BlockingSpec| x.rule == b.rule) {
            out.push(problem(path, format!("blocking \"{}\"", b.rule), "rule named twice"));
        }
        blocking.push(BlockingSpec {
            rule: b.rule,
            keys,
            max_block: b.max_block.unwrap_or(DEFAULT_MAX_BLOCK),
            fallback: b.fallback,
        });
    }
    let mut fields: Vec<FieldSpec> = Vec::new();
    for f in raw.field {
        let label = f.field.get_ref().clone();
        let Some(subject) = Subject::parse(&label) else {
            let known = names(&Subject::NAMES);
            out.push(problem(
                path,
                line(f.field.span().start),
                format!("unknown field '{label}' (one of {known}, or attribute.NAME)"),
            ));
            continue;
        };
        if fields.iter().any(|x| x.subject == subject) {
            out.push(problem(path, line(f.field.span().start), format!("field '{label}' twice")));
        }
        let levels = levels(&subject, &f.levels, &line, path, out);
        if levels.len() < 2 || levels.last().is_some_and(|l| l.compare != Compare::Else) {
            out.push(problem(
                path,
                line(f.field.span().start),
                format!("field '{label}' needs a level and a last level 'else'"),
            ));
        }
        fields.push(FieldSpec { subject, label, levels });
    }
    if fields.len() > MAX_FIELDS {
        out.push(problem(path, "field", format!("at most {MAX_FIELDS} fields")));
    }
    let mut em = Vec::new();
    for s in raw.em {
        for f in s.agree.iter().chain(&s.free) {
            if !fields.iter().any(|x| &x.label == f.get_ref()) {
                out.push(problem(path, line(f.span().start), format!("'{}' is no field of the model", f.get_ref())));
            }
        }
        let names = |v: &[Spanned<String>]| v.iter().map(|s| s.get_ref().clone()).collect();
        em.push(EmSpec { name: s.name, agree: names(&s.agree), free: names(&s.free) });
    }
    (out.len() == before).then(|| ModelSpec { source: path.display().to_string(), blocking, fields, em })
}

/// Most compared fields a model may have.
pub const MAX_FIELDS: usize = 16;

fn levels(
    subject: &Subject,
    raw: &[Spanned<RawLevel>],
    line: &dyn Fn(usize) -> String,
    path: &Path,
    out: &mut Vec<Problem>,
) -> Vec<LevelSpec> {
    let mut levels: Vec<LevelSpec> = Vec::new();
    for l in raw {
        let (at, l) = (line(l.span().start), l.get_ref());
        if !subject.comparisons().contains(&l.compare.as_str()) {
            let allowed = subject.comparisons().join(", ");
            out.push(problem(
                path,
                at,
                format!("unknown comparison '{}' for this field (one of {allowed})", l.compare),
            ));
            continue;
        }
        let compare = match l.compare.as_str() {
            "exact" => Compare::Exact,
            "same_letters" => Compare::SameLetters,
            "variant" => Compare::Variant,
            "same_syllables" => Compare::SameSyllables,
            "jaro_winkler" => match l.min {
                Some(min) if (0.0..=1.0).contains(&min) => {
                    Compare::JaroWinkler { min, unless_other_name: l.unless_other_name }
                }
                _ => {
                    out.push(problem(path, at, "jaro_winkler needs min between 0 and 1"));
                    continue;
                }
            },
            "day_month_swap" => Compare::DayMonthSwap,
            "partial_agrees" => Compare::PartialAgrees,
            "same_month_year" => Compare::SameMonthYear,
            "same_year" => Compare::SameYear,
            "year_mistyped" => Compare::YearMistyped,
            "years_apart" => match l.max {
                Some(max) if max >= 0 => Compare::YearsApart { max },
                _ => {
                    out.push(problem(path, at, "years_apart needs max ≥ 0"));
                    continue;
                }
            },
            "one_edit" => Compare::OneEdit,
            "agree" => Compare::Agree,
            _ => Compare::Else,
        };
        if levels.iter().any(|x| x.label == l.label) {
            out.push(problem(path, at, format!("level '{}' twice", l.label)));
        }
        levels.push(LevelSpec { label: l.label.clone(), compare });
    }
    levels
}

fn names<T>(table: &[(&str, T)]) -> String {
    table.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_model_parses() {
        let m = default_model();
        assert!(m.blocking.iter().any(|b| b.keys == [BlockKey::IdTypo]));
        assert_eq!(m.fields[0].label, "name");
    }

    #[test]
    fn an_unknown_key_is_a_problem_with_its_line() {
        let text = "kind = \"model\"\n\n[[blocking]]\nrule = \"x\"\nkeys = [\"dob\",\n  \"shoe_size\"]\n";
        let mut out = Vec::new();
        assert!(parse_model(text, Path::new("m.toml"), &mut out).is_none());
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].key, "line 6");
        assert!(out[0].message.contains("shoe_size"), "{}", out[0].message);
    }

    #[test]
    fn an_unknown_comparison_is_a_problem_with_its_line() {
        let text = "kind = \"model\"\n[[field]]\nfield = \"sex\"\nlevels = [\n { label = \"a\", compare = \"agree\" },\n { label = \"b\", compare = \"soundex\" },\n { label = \"c\", compare = \"else\" },\n]\n";
        let mut out = Vec::new();
        assert!(parse_model(text, Path::new("m.toml"), &mut out).is_none());
        assert_eq!(out[0].key, "line 6", "{out:?}");
    }

    #[test]
    fn an_unknown_table_key_is_a_problem_with_its_line() {
        let text = "kind = \"model\"\n[[blocking]]\nrule = \"x\"\nkeys = [\"dob\"]\nmax_blocks = 3\n";
        let mut out = Vec::new();
        assert!(parse_model(text, Path::new("m.toml"), &mut out).is_none());
        assert_eq!(out[0].key, "line 5", "{out:?}");
    }

    #[test]
    fn attributes_are_keys_and_fields() {
        let text = "kind = \"model\"\n[[blocking]]\nrule = \"pc\"\nkeys = [\"attribute.postcode\", \"dob\"]\n[[field]]\nfield = \"attribute.suburb\"\nlevels = [{ label = \"exact\", compare = \"exact\" }, { label = \"else\", compare = \"else\" }]\n";
        let mut out = Vec::new();
        let m = parse_model(text, Path::new("m.toml"), &mut out).expect("parses");
        assert_eq!(m.blocking[0].keys[0], BlockKey::Attribute("postcode".into()));
        assert_eq!(m.fields[0].subject, Subject::Attribute("suburb".into()));
    }
}
