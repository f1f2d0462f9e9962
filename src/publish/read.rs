//! Reading back what a published agency folder holds for machines: the rows of its
//! `discrepancies.parquet` (the complete list, every code of every record). `explain`,
//! `evaluate` and the next run's new/resolved IDs read it; no reader needs the rows in a
//! second form.

use crate::error::{Error, Result};
use polars::prelude::*;
use std::path::Path;

/// The file name of an agency's complete discrepancy list.
pub const DISCREPANCIES: &str = "discrepancies.parquet";

/// The named text columns of `AGENCY_DIR/discrepancies.parquet`, each in file order
/// (a null is empty).
pub fn discrepancy_columns(agency_dir: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>> {
    text_columns(&agency_dir.join(DISCREPANCIES), columns)
}

/// Columns of a Parquet file, each as text (numbers written out; null as empty).
pub fn text_columns(path: &Path, columns: &[&str]) -> Result<Vec<Vec<String>>> {
    let path = path.to_path_buf();
    let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let df = ParquetReader::new(file)
        .with_columns(Some(columns.iter().map(|c| c.to_string()).collect()))
        .finish()
        .map_err(|e| Error::Input { path: path.clone(), message: e.to_string() })?;
    let mut out = Vec::with_capacity(columns.len());
    for name in columns {
        let column =
            df.column(name).map_err(|_| Error::Input { path: path.clone(), message: format!("no column {name}") })?;
        let column =
            column.cast(&DataType::String).map_err(|e| Error::Input { path: path.clone(), message: e.to_string() })?;
        let text = column
            .str()
            .map_err(|_| Error::Input { path: path.clone(), message: format!("column {name} is not text") })?;
        out.push(text.iter().map(|v| v.unwrap_or_default().to_string()).collect());
    }
    Ok(out)
}
