//! Normalize: raw rows → typed people and registry records with their matching keys.
//!
//! Takes a [`Table`](crate::ingest::Table) and its rules; gives [`Person`]s (population)
//! or [`Record`]s (registries), keeping the raw text of every compared field next to the
//! parsed value. A value that is present but unreadable in a *required* field (an
//! impossible date, an unknown sex) rejects the row with the column and reason; in an
//! optional field it is treated as absent. The kernels live in [`crate::vn`] as plain functions
//! with their own tests; this module only applies them to rows.

pub mod profile;

use crate::config::{CodeEra, Event, Field, IdScheme, Rules};
use crate::ingest::{Layout, Rejected, Row, Table};
use crate::vn::address;
use crate::vn::admin::{AdminUnits, Commune, Era};
use crate::vn::date::{self, PartialDate};
use crate::vn::id::{self, Id};
use crate::vn::name::Name;
use crate::vn::sex::{self, Sex};
use crate::vn::text;
use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::sync::Arc;

/// A normalized registry record (the default: a record with nothing written).
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// Line number in the input.
    pub line: u64,
    /// The registry's record key.
    pub record_id: Box<str>,
    /// Name as written.
    pub name_raw: Box<str>,
    /// Normalized name.
    pub name: Option<Name>,
    /// ID as written.
    pub id_raw: Box<str>,
    /// Normalized ID (from the ID column, else the legacy column).
    pub id: Id,
    /// Legacy CMND from its own column, when the ID column holds the personal ID.
    pub legacy: Id,
    /// Date of birth as written.
    pub dob_raw: Box<str>,
    /// Parsed date of birth.
    pub dob: Option<PartialDate>,
    /// The registry keeps only the birth year, by design (no `DOB_PARTIAL`).
    pub year_only_by_design: bool,
    /// Sex as written.
    pub sex_raw: Box<str>,
    /// Parsed sex.
    pub sex: Option<Sex>,
    /// Commune (or address) as written.
    pub commune_raw: Box<str>,
    /// `commune_raw` is the free-text address (the record has no commune column value).
    pub commune_in_address: bool,
    /// That address with its legacy unit replaced by the 2025 unit and its district left
    /// out, when it names a legacy unit with a type word (the ADDRESS_LEGACY_UNIT fix).
    pub address_2025: Option<Arc<str>>,
    /// Resolved commune.
    pub commune: Option<Commune>,
    /// The address's hamlet as a key ([`hamlet_key`]), when the address names one.
    pub hamlet: Option<u64>,
    /// Active per the rules' status values (`None` when the registry has no status).
    pub active: Option<bool>,
    /// Civil-status event.
    pub event: Option<Event>,
    /// Last update.
    pub updated_at: Option<PartialDate>,
    /// Required fields that are empty.
    pub missing_required: Vec<Field>,
    /// Father's name as written, and parsed (boxed: most registries name no parent, and
    /// a record is held a million at a time).
    pub father: Parent,
    /// Mother's name as written, and parsed.
    pub mother: Parent,
    /// The record came from a TCVN3 file, which cannot write capital toned letters.
    pub case_blind: bool,
    /// Which of its agency's files the record is in (0 for the first).
    pub source: u16,
    /// Free-text attributes the rules map (`attribute.postcode`), folded: (name, value),
    /// by name. Compared and blocked on only where the model file names them.
    pub attributes: Vec<(String, String)>,
}

/// A parent's name on a record: as written, and parsed.
pub type Parent = Option<Box<(String, Name)>>;

/// A normalized person of the population extract (the default: nothing known).
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// Line number in the extract.
    pub line: u64,
    /// Personal ID.
    pub pid: Id,
    /// Legacy CMND.
    pub legacy: Id,
    /// Name as written (trimmed).
    pub name_raw: Box<str>,
    /// Name.
    pub name: Name,
    /// Date of birth.
    pub dob: Option<PartialDate>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Residence commune.
    pub commune: Option<Commune>,
    /// The permanent address's hamlet as a key ([`hamlet_key`]), when it names one.
    pub hamlet: Option<u64>,
    /// Alive (false when the vital status says deceased or a death date is set).
    pub alive: bool,
    /// Never married, per the marital status (`None` when not recorded).
    pub single: Option<bool>,
    /// Father's name (boxed: most people's is not known).
    pub father: Option<Box<Name>>,
    /// Mother's name.
    pub mother: Option<Box<Name>>,
    /// Date of death.
    pub death_date: Option<PartialDate>,
    /// Last update.
    pub updated_at: Option<PartialDate>,
    /// Free-text attributes the rules map, folded: (name, value), by name.
    pub attributes: Vec<(String, String)>,
}

/// The rules' value lists, folded once (values are compared without diacritics or case).
struct Lists {
    male: Vec<String>,
    female: Vec<String>,
    active: Vec<String>,
    birth: Vec<String>,
    death: Vec<String>,
    marriage: Vec<String>,
    deceased: Vec<String>,
    single: Vec<String>,
}

fn folded_list(values: &[String]) -> Vec<String> {
    values.iter().map(|v| text::fold(v)).collect()
}

/// Where a commune is written: commune column, district column, address column.
/// Often empty parts, so equality goes through [`text::same`].
#[derive(Clone, Copy, Hash)]
struct CommuneKey<'a>([&'a str; 3]);

impl PartialEq for CommuneKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| text::same(a, b))
    }
}

impl Eq for CommuneKey<'_> {}

/// Context shared by the row normalizers. Names and communes repeat a lot in a
/// registry (a province has a few hundred thousand distinct names and a few thousand
/// distinct addresses), so each distinct value is normalized once, in parallel, and
/// rows look the result up.
struct Context<'a> {
    rules: &'a Rules,
    layout: &'a Layout,
    today: &'a PartialDate,
    lists: Lists,
    /// Coded columns (sex, status, event, vital and marital status): folded values.
    folded: HashMap<&'a str, String>,
    case_blind: bool,
    names: HashMap<&'a str, Option<Name>>,
    /// Communes resolved, with the address rewritten for its 2025 unit when a legacy unit
    /// was read from it ([`address_2025`]).
    communes: HashMap<CommuneKey<'a>, (Option<Commune>, Option<Arc<str>>)>,
    /// Addresses: their hamlet keys.
    hamlets: HashMap<&'a str, Option<u64>>,
}

/// A hamlet, as tier 3 compares it: the hash of [`address::hamlet_key`] (equal keys, equal
/// hashes; a collision between two hamlets of one commune is negligible).
pub fn hamlet_key(address: &str) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    address::hamlet_key(address).map(|k| {
        let mut h = rustc_hash::FxHasher::default();
        k.hash(&mut h);
        h.finish()
    })
}

impl<'a> Context<'a> {
    fn new(
        table: &'a Table,
        rules: &'a Rules,
        province: &'a str,
        today: &'a PartialDate,
        commune_fields: &[(Field, Field)],
    ) -> Context<'a> {
        let layout = &table.layout;
        let lists = Lists {
            male: folded_list(&rules.sex.male),
            female: folded_list(&rules.sex.female),
            active: folded_list(&rules.status.active),
            birth: folded_list(&rules.events.birth),
            death: folded_list(&rules.events.death),
            marriage: folded_list(&rules.events.marriage),
            deceased: folded_list(&rules.vital.deceased),
            single: folded_list(&rules.marital.single),
        };
        let fields: Vec<Field> =
            [Field::FullName, Field::FatherName, Field::MotherName].into_iter().filter(|f| rules.has(*f)).collect();
        let distinct = distinct_values(table, |r, set| {
            for &f in &fields {
                let v = r.get(layout, f);
                if !v.is_empty() {
                    set.insert(v);
                }
            }
        });
        let names = distinct.into_par_iter().map(|n| (n, Name::parse(n))).collect();
        let keys = distinct_values(table, |r, set| {
            for &(c, a) in commune_fields {
                set.insert(commune_key(r, layout, c, a));
            }
        });
        let communes = keys
            .into_par_iter()
            .map(|k| {
                let (commune, parsed) = resolve_commune(k, rules.commune_code_era, province);
                let rewritten = parsed.and_then(|a| address_2025(&a, commune.as_ref()));
                (k, (commune, rewritten))
            })
            .collect();
        let hamlets = if rules.has(Field::Address) {
            let addresses = distinct_values(table, |r, set| {
                set.insert(r.get(layout, Field::Address).trim());
            });
            addresses.into_par_iter().map(|a| (a, hamlet_key(a))).collect()
        } else {
            HashMap::default()
        };
        Context {
            rules,
            layout,
            today,
            lists,
            folded: {
                let coded: Vec<Field> =
                    [Field::Sex, Field::Status, Field::EventType, Field::VitalStatus, Field::MaritalStatus]
                        .into_iter()
                        .filter(|f| rules.has(*f))
                        .collect();
                let distinct = distinct_values(table, |r, set| {
                    for &f in &coded {
                        set.insert(r.get(layout, f));
                    }
                });
                distinct.into_iter().map(|v| (v, text::fold(v))).collect()
            },
            case_blind: table.encoding == crate::vn::encoding::FileEncoding::Tcvn3,
            names,
            communes,
            hamlets,
        }
    }
}

/// The distinct values `add` finds in the rows, collected per thread and merged.
fn distinct_values<'a, T, F>(table: &'a Table, add: F) -> HashSet<T>
where
    T: std::hash::Hash + Eq + Send,
    F: Fn(&'a Row, &mut HashSet<T>) + Sync,
{
    table
        .rows
        .par_iter()
        .fold(HashSet::default, |mut set, r| {
            add(r, &mut set);
            set
        })
        .reduce(HashSet::default, |a, b| {
            // Extend the larger set with the smaller.
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            big.extend(small);
            big
        })
}

fn commune_key<'a>(row: &'a Row, layout: &'a Layout, commune: Field, address: Field) -> CommuneKey<'a> {
    let written = row.get(layout, commune).trim();
    // A written commune decides alone (see resolve_commune): the address stays out of
    // the key, which keeps the memo small and its lookups short.
    let address = if written.is_empty() { row.get(layout, address).trim() } else { "" };
    CommuneKey([written, row.get(layout, Field::District).trim(), address])
}

/// An address whose legacy unit was read from it (no commune written), with its 2025 unit
/// ([`address::Address::with_commune`]): the fix ADDRESS_LEGACY_UNIT suggests, built once per
/// distinct address.
fn address_2025(parsed: &address::Address, commune: Option<&Commune>) -> Option<Arc<str>> {
    let c = commune.filter(|c| c.era == Era::Legacy)?;
    let unit = AdminUnits::get().unit(&c.code)?;
    parsed.with_commune(&unit.name).map(Arc::from)
}

/// Resolves a commune from its commune column, else from the free-text address; the
/// district column (or the address's district) disambiguates legacy names. Gives the
/// address as parsed too, when the commune was read from it.
fn resolve_commune(
    CommuneKey([written, district, address]): CommuneKey,
    era: CodeEra,
    province: &str,
) -> (Option<Commune>, Option<address::Address>) {
    let units = AdminUnits::get();
    let district = (!district.is_empty()).then_some(district);
    if !written.is_empty() {
        let resolved = if written.len() == 5 && written.bytes().all(|b| b.is_ascii_digit()) {
            let era = match era {
                CodeEra::Current => Era::Current,
                CodeEra::Legacy => Era::Legacy,
            };
            units.resolve_code(written, era)
        } else {
            // A commune column may hold more than a unit name: the office that registered
            // the record (`UBND x. Sơn Bình`, `Ủy ban nhân dân xã …`), or the unit with its
            // district. Read as an address, the commune in it is found.
            units
                .resolve_name(written, district, province)
                .or_else(|| units.resolve_address(&address::parse(written), district, province))
        };
        return (resolved, None);
    }
    if address.is_empty() {
        return (None, None);
    }
    let parts = address::parse(address);
    (units.resolve_address(&parts, district, province), Some(parts))
}

/// A row's commune as read: the text it came from, whether that is the address, the
/// unit resolved and the address rewritten for 2025.
struct CommuneRead {
    raw: String,
    in_address: bool,
    resolved: Option<Commune>,
    address_2025: Option<Arc<str>>,
}

impl Context<'_> {
    fn reject(&self, row: &Row, field: Field, reason: String) -> Rejected {
        Rejected {
            line: row.line,
            record_id: row.get(self.layout, Field::RecordId).trim().to_string(),
            column: self.layout.column(field).to_string(),
            reason,
            source: 0,
            id: row.get(self.layout, Field::Id).trim().to_string(),
        }
    }

    /// A date field: unreadable is a rejection when required, absent otherwise.
    fn date(&self, row: &Row, field: Field) -> Result<Option<PartialDate>, Rejected> {
        let raw = row.get(self.layout, field);
        let parsed = if field == Field::BirthYear {
            let t = raw.trim();
            if t.is_empty() {
                Ok(None)
            } else {
                date::parse(t, self.rules.dates.order, self.today).and_then(|d| match d {
                    Some(d) if d.month == 0 => Ok(Some(d)),
                    _ => Err(format!("'{t}' is not a birth year")),
                })
            }
        } else {
            date::parse(raw, self.rules.dates.order, self.today)
        };
        match parsed {
            Ok(d) => Ok(d),
            Err(reason) if self.rules.required.contains(&field) => Err(self.reject(row, field, reason)),
            Err(_) => Ok(None),
        }
    }

    /// A row whose ID column holds spreadsheet debris (`#REF!`, `1.20851E+11`) is a broken
    /// export row, not a record with a bad ID: rejected with the reason.
    fn no_debris(&self, row: &Row, fields: &[Field]) -> Result<(), Rejected> {
        for &field in fields {
            if let Some(reason) = id::spreadsheet_debris(row.get(self.layout, field)) {
                return Err(self.reject(row, field, reason));
            }
        }
        Ok(())
    }

    fn sex(&self, row: &Row) -> Result<Option<Sex>, Rejected> {
        match sex::parse_folded(
            row.get(self.layout, Field::Sex),
            &self.fold(row.get(self.layout, Field::Sex)),
            &self.lists.male,
            &self.lists.female,
        ) {
            Ok(v) => Ok(v),
            Err(reason) if self.rules.required.contains(&Field::Sex) => Err(self.reject(row, Field::Sex, reason)),
            Err(_) => Ok(None),
        }
    }

    /// The commune of a row (as written, resolved), from the memo.
    /// The commune as written (or the address, when no commune is written), resolved.
    fn commune(&self, row: &Row, commune_field: Field, address_field: Field) -> CommuneRead {
        let key = commune_key(row, self.layout, commune_field, address_field);
        let [commune, _, address] = key.0;
        let written = if commune.is_empty() { address } else { commune };
        let (resolved, address_2025) = self.communes.get(&key).cloned().unwrap_or_default();
        CommuneRead {
            raw: written.to_string(),
            in_address: commune.is_empty() && !address.is_empty(),
            resolved,
            address_2025,
        }
    }

    fn hamlet(&self, row: &Row) -> Option<u64> {
        self.hamlets.get(row.get(self.layout, Field::Address).trim()).copied().flatten()
    }

    fn in_list(&self, raw: &str, folded: &[String]) -> bool {
        let f = self.fold(raw);
        !f.is_empty() && folded.iter().any(|v| v.as_str() == f.as_ref())
    }

    /// A coded value folded, from the memo of the few distinct values such columns hold.
    fn fold(&self, raw: &str) -> std::borrow::Cow<'_, str> {
        match self.folded.get(raw) {
            Some(f) => std::borrow::Cow::Borrowed(f.as_str()),
            None => std::borrow::Cow::Owned(text::fold(raw)),
        }
    }

    fn name(&self, row: &Row) -> Option<Name> {
        self.name_of(row, Field::FullName)
    }

    fn name_of(&self, row: &Row, field: Field) -> Option<Name> {
        self.names.get(row.get(self.layout, field)).cloned().flatten()
    }

    /// Normalizes one registry row.
    pub fn record(&self, row: &Row) -> Result<Record, Rejected> {
        let get = |f| row.get(self.layout, f);
        let record_id = get(Field::RecordId).trim().to_string();
        if record_id.is_empty() {
            return Err(self.reject(row, Field::RecordId, "the record ID is empty".into()));
        }
        let year_only = self.rules.has(Field::BirthYear);
        let dob_field = if year_only { Field::BirthYear } else { Field::Dob };
        let dob = self.date(row, dob_field)?;
        let sex = self.sex(row)?;
        let updated_at = self.date(row, Field::UpdatedAt)?;
        self.date(row, Field::EventDate)?;
        self.no_debris(row, &[Field::Id, Field::LegacyId])?;
        let id_raw = get(Field::Id);
        let legacy = id::parse(get(Field::LegacyId));
        let (id_raw, id) = match self.id(id_raw) {
            i if i.kind == id::IdKind::Missing && legacy.kind != id::IdKind::Missing => {
                (get(Field::LegacyId), legacy.clone())
            }
            i => (id_raw, i),
        };
        let CommuneRead { raw: commune_raw, in_address: commune_in_address, resolved: commune, address_2025 } =
            self.commune(row, Field::Commune, Field::Address);
        let active = self.rules.has(Field::Status).then(|| self.in_list(get(Field::Status), &self.lists.active));
        let ev = get(Field::EventType);
        let event = if self.in_list(ev, &self.lists.birth) {
            Some(Event::Birth)
        } else if self.in_list(ev, &self.lists.death) {
            Some(Event::Death)
        } else if self.in_list(ev, &self.lists.marriage) {
            Some(Event::Marriage)
        } else {
            None
        };
        let missing_required = self.rules.required.iter().copied().filter(|f| get(*f).trim().is_empty()).collect();
        Ok(Record {
            line: row.line,
            record_id: record_id.into(),
            name_raw: get(Field::FullName).trim().into(),
            name: self.name(row),
            id_raw: id_raw.trim().into(),
            id,
            legacy,
            dob_raw: get(dob_field).trim().into(),
            dob,
            year_only_by_design: year_only,
            sex_raw: get(Field::Sex).trim().into(),
            sex,
            commune_raw: commune_raw.into(),
            commune_in_address,
            address_2025,
            commune,
            hamlet: self.hamlet(row),
            active,
            event,
            updated_at,
            missing_required,
            case_blind: self.case_blind,
            father: self
                .name_of(row, Field::FatherName)
                .map(|n| Box::new((get(Field::FatherName).trim().to_string(), n))),
            mother: self
                .name_of(row, Field::MotherName)
                .map(|n| Box::new((get(Field::MotherName).trim().to_string(), n))),
            source: 0,
            attributes: self.attributes(row),
        })
    }

    /// An ID as the rules' scheme reads it.
    fn id(&self, raw: &str) -> id::Id {
        match self.rules.id_kind {
            IdScheme::Vietnamese => id::parse(raw),
            IdScheme::Other => id::parse_other(raw),
        }
    }

    /// The row's attributes, folded (lower case, no marks, single spaces): (name, value).
    fn attributes(&self, row: &Row) -> Vec<(String, String)> {
        row.attributes(self.layout).map(|(n, v)| (n.to_string(), crate::vn::text::fold(v))).collect()
    }

    /// Normalizes one population row. A person needs a name; the rest may be missing.
    pub fn person(&self, row: &Row) -> Result<Person, Rejected> {
        let get = |f| row.get(self.layout, f);
        let name = self.name(row).ok_or_else(|| self.reject(row, Field::FullName, "the name is empty".into()))?;
        self.no_debris(row, &[Field::Id, Field::LegacyId])?;
        let dob = self.date(row, Field::Dob)?;
        let sex = self.sex(row)?;
        let death_date = self.date(row, Field::DeathDate)?;
        let updated_at = self.date(row, Field::UpdatedAt)?;
        let deceased = self.in_list(get(Field::VitalStatus), &self.lists.deceased) || death_date.is_some();
        let current = self.commune(row, Field::CurrentCommune, Field::CurrentAddress).resolved;
        let permanent = self.commune(row, Field::Commune, Field::Address).resolved;
        Ok(Person {
            line: row.line,
            pid: self.id(get(Field::Id)),
            legacy: id::parse(get(Field::LegacyId)),
            name_raw: get(Field::FullName).trim().into(),
            name,
            dob,
            sex,
            // The hamlet is the permanent address's: it says nothing of a current commune
            // elsewhere.
            hamlet: if current.is_none() || current == permanent { self.hamlet(row) } else { None },
            commune: current.or(permanent),
            alive: !deceased,
            father: self.name_of(row, Field::FatherName).map(Box::new),
            mother: self.name_of(row, Field::MotherName).map(Box::new),
            single: {
                let m = get(Field::MaritalStatus);
                (!m.trim().is_empty()).then(|| self.in_list(m, &self.lists.single))
            },
            death_date,
            updated_at,
            attributes: self.attributes(row),
        })
    }
}

/// Normalizes every row of a table in parallel; row order is kept. Gives the records and
/// the table's rejected rows plus those rejected here, sorted by line.
pub fn records(table: &Table, rules: &Rules, province: &str, today: &PartialDate) -> (Vec<Record>, Vec<Rejected>) {
    let ctx = Context::new(table, rules, province, today, &[(Field::Commune, Field::Address)]);
    let results: Vec<Result<Record, Rejected>> = table.rows.par_iter().map(|r| ctx.record(r)).collect();
    split(results, &table.rejected)
}

/// Normalizes the population extract.
pub fn people(table: &Table, rules: &Rules, province: &str, today: &PartialDate) -> (Vec<Person>, Vec<Rejected>) {
    let fields = [(Field::CurrentCommune, Field::CurrentAddress), (Field::Commune, Field::Address)];
    let ctx = Context::new(table, rules, province, today, &fields);
    let results: Vec<Result<Person, Rejected>> = table.rows.par_iter().map(|r| ctx.person(r)).collect();
    split(results, &table.rejected)
}

fn split<T>(results: Vec<Result<T, Rejected>>, already: &[Rejected]) -> (Vec<T>, Vec<Rejected>) {
    let mut rejected = already.to_vec();
    // `into_iter().filter_map().collect()` moves the kept values within the results'
    // own allocation (the standard library's in-place collect). A new vector for a
    // million people took half a second on one core, most of it the kernel handing out
    // fresh pages.
    let ok = results
        .into_iter()
        .filter_map(|r| match r {
            Ok(v) => Some(v),
            Err(e) => {
                rejected.push(e);
                None
            }
        })
        .collect();
    rejected.sort_by_key(|r| r.line);
    (ok, rejected)
}
