//! File writers: CSV (optionally UTF-8 with BOM for Excel) and Parquet (through polars).
//!
//! CSV cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
//! tab or carriage return) are prefixed with `'`, so no registry value becomes a live
//! formula in a file an agency opens.

use crate::error::{Error, Result};
use polars::prelude::*;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Quotes a CSV cell when needed and neutralizes formula starts.
pub fn csv_cell(value: &str) -> String {
    let guarded =
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Writes a CSV file: a header row and data rows, `\r\n` line ends (Excel's), and a
/// UTF-8 BOM when `bom` is set so Excel reads Vietnamese correctly.
pub fn write_csv<I, R>(path: &Path, headers: &[&str], rows: I, bom: bool) -> Result<()>
where
    I: IntoIterator<Item = R>,
    R: AsRef<[String]>,
{
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    let mut w = BufWriter::new(file);
    let io = |e| Error::io(path, e);
    if bom {
        w.write_all(b"\xEF\xBB\xBF").map_err(io)?;
    }
    let line = |cells: &mut dyn Iterator<Item = String>| cells.collect::<Vec<_>>().join(",") + "\r\n";
    w.write_all(line(&mut headers.iter().map(|h| csv_cell(h))).as_bytes()).map_err(io)?;
    for row in rows {
        w.write_all(line(&mut row.as_ref().iter().map(|c| csv_cell(c))).as_bytes()).map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Writes a data frame as Parquet (zstd-compressed, statistics on).
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)
        .map_err(|e| Error::Input { path: path.into(), message: format!("cannot write Parquet: {e}") })?;
    Ok(())
}

/// Writes JSON, pretty-printed with sorted keys and a final newline.
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let mut text = serde_json::to_string_pretty(value).expect("JSON values always serialize");
    text.push('\n');
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_neutralized() {
        assert_eq!(csv_cell("Nguyễn Văn Hòa"), "Nguyễn Văn Hòa");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+84"), "'+84");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
    }
}
