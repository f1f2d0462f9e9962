//! `residue.parquet`: the records of an agency no person of the province was found for,
//! with their normalized keys, for the national pass (`doisoat national`) to look for
//! among the people of the other provinces.
//!
//! One row per record whose outcome is `not_in_population`, in input order. Its keys are
//! the ones the tiers link on, normalized as the run read them: the name as written
//! (decoded), the personal ID and legacy CMND digits, the date of birth in ISO form at
//! its precision, the sex, the 2025 commune code and the parents' names.
//! `rules/residue.toml` maps these columns for the national pass.

use super::writers::write_parquet;
use crate::error::Result;
use crate::handoff::AgencyRun;
use crate::link::Outcome;
use crate::vn::id::{Id, IdKind};
use polars::prelude::*;
use std::path::Path;

/// The file's name in an agency's folder.
pub const FILE: &str = "residue.parquet";

/// Writes the agency's residue into its folder; `province` is the run's 2025 province.
pub fn write(dir: &Path, a: &AgencyRun, province: &str) -> Result<()> {
    let rows: Vec<usize> = (0..a.records.len()).filter(|&i| a.links[i].outcome == Outcome::NotInPopulation).collect();
    let text = |f: &dyn Fn(usize) -> String| rows.iter().map(|&i| f(i)).collect::<Vec<String>>();
    let digits = |id: &Id| match id.kind {
        IdKind::Personal | IdKind::Legacy => id.digits.to_string(),
        _ => String::new(),
    };
    let r = &a.records;
    let parent = |p: &crate::normalize::Parent| p.as_ref().map(|b| b.0.clone()).unwrap_or_default();
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("province".into(), text(&|_| province.to_string())),
        Column::new("agency".into(), text(&|_| a.input.agency.clone())),
        Column::new("record_id".into(), text(&|i| r[i].record_id.to_string())),
        Column::new("line".into(), rows.iter().map(|&i| r[i].line).collect::<Vec<u64>>()),
        Column::new("source_file".into(), text(&|i| a.source_name(r[i].source).to_string())),
        Column::new("full_name".into(), text(&|i| r[i].name_raw.to_string())),
        Column::new("id".into(), text(&|i| digits(&r[i].id))),
        Column::new("legacy_id".into(), text(&|i| digits(&r[i].legacy))),
        Column::new("dob".into(), text(&|i| r[i].dob.map(|d| d.to_string()).unwrap_or_default())),
        Column::new("sex".into(), text(&|i| r[i].sex.map(|s| s.label().to_string()).unwrap_or_default())),
        Column::new("commune".into(), text(&|i| r[i].commune.as_ref().map(|c| c.code.to_string()).unwrap_or_default())),
        Column::new("commune_written".into(), text(&|i| r[i].commune_raw.to_string())),
        Column::new("father_name".into(), text(&|i| parent(&r[i].father))),
        Column::new("mother_name".into(), text(&|i| parent(&r[i].mother))),
    ])?;
    write_parquet(&dir.join(FILE), &mut df)
}
