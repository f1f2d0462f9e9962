//! File writers: CSV (UTF-8 with BOM for Excel; cells as [`crate::cells`] spells them),
//! Parquet (through polars) and JSON.

use crate::cells::format_line_into;
use crate::error::{Error, Result};
use polars::prelude::*;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes a CSV file as a [`CsvFile`]: UTF-8 with BOM (so Excel reads Vietnamese
/// correctly), `\r\n` line ends (Excel's), a header row and data rows.
pub fn write_csv<I, R>(path: &Path, headers: &[&str], rows: I) -> Result<()>
where
    I: IntoIterator<Item = R>,
    R: AsRef<[String]>,
{
    let mut file = CsvFile::create(path, headers)?;
    let mut line = Vec::with_capacity(256);
    for row in rows {
        format_line_into(&mut line, row.as_ref().iter());
        file.write_raw(&line)?;
    }
    file.finish()
}

/// A CSV file being written (UTF-8 with BOM, `\r\n` line ends). A caller that writes
/// one line to several files formats it once ([`format_line_into`]) and writes it to each
/// with [`CsvFile::write_raw`].
pub struct CsvFile {
    path: std::path::PathBuf,
    w: BufWriter<std::fs::File>,
}

impl CsvFile {
    /// Creates the file and writes its header.
    pub fn create(path: &Path, headers: &[&str]) -> Result<CsvFile> {
        let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        let mut f = CsvFile { path: path.into(), w: BufWriter::with_capacity(1 << 18, file) };
        f.w.write_all(b"\xEF\xBB\xBF").map_err(|e| Error::io(path, e))?;
        f.write_raw(&crate::cells::format_line(headers.iter()))?;
        Ok(f)
    }

    /// Writes an already formatted line (from [`format_line_into`]).
    pub fn write_raw(&mut self, line: &[u8]) -> Result<()> {
        self.w.write_all(line).map_err(|e| Error::io(&self.path, e))
    }

    /// Flushes and closes.
    pub fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))
    }
}

/// Writes a data frame as Parquet (Snappy-compressed, statistics on).
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    ParquetWriter::new(file)
        // Snappy: faster to write than zstd, and read by every Parquet reader agencies use.
        .with_compression(ParquetCompression::Snappy)
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
