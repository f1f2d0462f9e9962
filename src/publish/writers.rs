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
    let mut out = Vec::with_capacity(value.len() + 2);
    write_cell(&mut out, value).expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("cells stay UTF-8")
}

/// Writes one cell as [`csv_cell`] gives it, without allocating when nothing changes.
fn write_cell(w: &mut impl Write, value: &str) -> std::io::Result<()> {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    // Bytes, not chars: the four are ASCII, so they never occur inside a UTF-8 sequence.
    let quote = value.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    if quote {
        w.write_all(b"\"")?;
    }
    if formula {
        w.write_all(b"'")?;
    }
    if quote {
        w.write_all(value.replace('"', "\"\"").as_bytes())?;
        w.write_all(b"\"")
    } else {
        w.write_all(value.as_bytes())
    }
}

fn write_line(w: &mut impl Write, cells: impl Iterator<Item = impl AsRef<str>>) -> std::io::Result<()> {
    for (i, c) in cells.enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        write_cell(w, c.as_ref())?;
    }
    w.write_all(b"\r\n")
}

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
        f.write_raw(&format_line(headers.iter()))?;
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

/// One CSV line (cells quoted and neutralized as [`csv_cell`], `\r\n` at the end).
pub fn format_line(cells: impl Iterator<Item = impl AsRef<str>>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    format_line_into(&mut out, cells);
    out
}

/// [`format_line`] into a buffer the caller reuses (cleared first).
pub fn format_line_into(out: &mut Vec<u8>, cells: impl Iterator<Item = impl AsRef<str>>) {
    out.clear();
    write_line(out, cells).expect("writing to a Vec cannot fail");
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
