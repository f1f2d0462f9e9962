//! The model file compiled for matching: blocking rules and ladders with their labels,
//! reached through [`Rule`] and [`Field`] handles that carry their definitions, so that a
//! level's label or a rule's name needs no context. A compiled model lives for the
//! process (one per distinct model file; a run has one).

use crate::config::model::{default_model, BlockKey, Compare, ModelSpec, Subject, MAX_FIELDS};
use std::fmt;
use std::sync::{Mutex, OnceLock};

/// A blocking rule as compiled.
#[derive(Debug)]
pub struct RuleDef {
    /// The rule's name.
    pub label: &'static str,
    /// Its keys, in order.
    pub keys: Vec<BlockKey>,
    /// Blocks larger than this are skipped.
    pub max_block: usize,
    /// Tried only for a record the rules before it gave no candidate.
    pub fallback: bool,
}

impl RuleDef {
    /// The ID-typo rule (no blocks: single IDs looked up).
    pub fn is_id_typo(&self) -> bool {
        self.keys == [BlockKey::IdTypo]
    }

    /// Whether the rule keys on middle initials (it then keeps a second map without them).
    pub fn has_middle(&self) -> bool {
        self.keys.contains(&BlockKey::MiddleInitials)
    }
}

/// A compared field as compiled.
#[derive(Debug)]
pub struct FieldDef {
    /// What it compares.
    pub subject: Subject,
    /// Its label.
    pub label: &'static str,
    /// Its levels (label, comparison), best first; the last is `else`.
    pub levels: Vec<(&'static str, Compare)>,
}

/// An EM session as compiled: field positions in the model.
#[derive(Debug)]
struct EmDef {
    label: &'static str,
    agree: Vec<u8>,
    free: Vec<u8>,
}

/// A compiled model.
#[derive(Debug)]
pub struct Settings {
    /// Where the model came from.
    pub source: &'static str,
    rules: Vec<RuleDef>,
    fields: Vec<FieldDef>,
    em: Vec<EmDef>,
}

/// A blocking rule of a compiled model.
#[derive(Clone, Copy)]
pub struct Rule {
    index: u8,
    def: &'static RuleDef,
}

/// A compared field of a compiled model.
#[derive(Clone, Copy)]
pub struct Field {
    index: u8,
    def: &'static FieldDef,
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

impl Settings {
    /// The compiled form of a model file: one per distinct model for the process.
    pub fn compile(spec: &ModelSpec) -> &'static Settings {
        static CACHE: OnceLock<Mutex<Vec<(ModelSpec, &'static Settings)>>> = OnceLock::new();
        let mut cache = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, s)) = cache.iter().find(|(m, _)| m == spec) {
            return s;
        }
        assert!(spec.fields.len() <= MAX_FIELDS, "the model file check allows at most {MAX_FIELDS} fields");
        let fields: Vec<FieldDef> = spec
            .fields
            .iter()
            .map(|f| FieldDef {
                subject: f.subject.clone(),
                label: leak(&f.label),
                levels: f.levels.iter().map(|l| (leak(&l.label), l.compare)).collect(),
            })
            .collect();
        let rules = spec
            .blocking
            .iter()
            .map(|b| RuleDef {
                label: leak(&b.rule),
                keys: b.keys.clone(),
                max_block: b.max_block,
                fallback: b.fallback,
            })
            .collect();
        let position = |l: &String| spec.fields.iter().position(|f| &f.label == l).map(|i| i as u8);
        let em = spec
            .em
            .iter()
            .map(|e| EmDef {
                label: leak(&e.name),
                agree: e.agree.iter().filter_map(position).collect(),
                free: e.free.iter().filter_map(position).collect(),
            })
            .collect();
        let settings: &'static Settings =
            Box::leak(Box::new(Settings { source: leak(&spec.source), rules, fields, em }));
        cache.push((spec.clone(), settings));
        settings
    }

    /// The default model (`rules/model.toml`, embedded), compiled.
    pub fn default_model() -> &'static Settings {
        static DEFAULT: OnceLock<&'static Settings> = OnceLock::new();
        DEFAULT.get_or_init(|| Settings::compile(&default_model()))
    }

    /// The blocking rules, in the order they are tried.
    pub fn rules(&'static self) -> impl ExactSizeIterator<Item = Rule> + Clone {
        self.rules.iter().enumerate().map(|(i, def)| Rule { index: i as u8, def })
    }

    /// The compared fields, in the order of `model.json`.
    pub fn fields(&'static self) -> impl ExactSizeIterator<Item = Field> + Clone {
        self.fields.iter().enumerate().map(|(i, def)| Field { index: i as u8, def })
    }

    /// The field comparing this, if the model compares it.
    pub fn field(&'static self, subject: &Subject) -> Option<Field> {
        self.fields().find(|f| &f.def.subject == subject)
    }

    /// The blocking rule of this name, if any.
    pub fn rule(&'static self, label: &str) -> Option<Rule> {
        self.rules().find(|r| r.label() == label)
    }

    /// The EM sessions: (name, fields agreed on, free fields).
    pub fn em_sessions(&'static self) -> impl Iterator<Item = (&'static str, Vec<Field>, Vec<Field>)> {
        let field = |i: &u8| Field { index: *i, def: &self.fields[*i as usize] };
        self.em.iter().map(move |e| (e.label, e.agree.iter().map(field).collect(), e.free.iter().map(field).collect()))
    }
}

impl Rule {
    /// The rule's name in `model.json`, `links.parquet` and `explain`.
    pub fn label(self) -> &'static str {
        self.def.label
    }

    /// Its definition.
    pub fn def(self) -> &'static RuleDef {
        self.def
    }

    /// Its position in the model's rules.
    pub fn index(self) -> usize {
        self.index as usize
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        std::ptr::eq(self.def, other.def)
    }
}

impl Eq for Rule {}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.def.label)
    }
}

impl Field {
    /// The field's name in `model.json`, `links.parquet` and `explain`.
    pub fn label(self) -> &'static str {
        self.def.label
    }

    /// What it compares.
    pub fn subject(self) -> &'static Subject {
        &self.def.subject
    }

    /// Its position in the model's fields.
    pub fn index(self) -> usize {
        self.index as usize
    }

    /// The labels of its levels, best first.
    pub fn labels(self) -> impl ExactSizeIterator<Item = &'static str> {
        self.def.levels.iter().map(|l| l.0)
    }

    /// Its levels (label, comparison), best first.
    pub fn level_defs(self) -> &'static [(&'static str, Compare)] {
        &self.def.levels
    }

    /// Number of levels.
    pub fn levels(self) -> usize {
        self.def.levels.len()
    }

    /// The label of level `level`.
    pub fn level_label(self, level: u8) -> &'static str {
        self.def.levels[level as usize].0
    }

    /// The comparison of level `level`.
    pub fn compare_of(self, level: u8) -> Compare {
        self.def.levels[level as usize].1
    }

    /// The level labelled `label` (a label of this field's ladder).
    pub fn level(self, label: &str) -> u8 {
        let position = self.labels().position(|l| l == label);
        position.unwrap_or_else(|| panic!("{label} is no level of {}", self.label())) as u8
    }
}

impl PartialEq for Field {
    fn eq(&self, other: &Field) -> bool {
        std::ptr::eq(self.def, other.def)
    }
}

impl Eq for Field {}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.def.label)
    }
}
