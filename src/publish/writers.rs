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

/// Rows per Parquet row group of [`write_parquet_chunks`]: polars' own default row-group
/// size (512 × 512).
const ROW_GROUP: usize = 512 * 512;

fn parquet_writer(path: &Path) -> Result<ParquetWriter<std::fs::File>> {
    let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
    // Snappy: faster to write than zstd, and read by every Parquet reader agencies use.
    Ok(ParquetWriter::new(file).with_compression(ParquetCompression::Snappy))
}

fn cannot_write(path: &Path, e: PolarsError) -> Error {
    Error::Input { path: path.into(), message: format!("cannot write Parquet: {e}") }
}

/// Writes a data frame as Parquet (Snappy-compressed, statistics on).
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<()> {
    parquet_writer(path)?.finish(df).map_err(|e| cannot_write(path, e))?;
    Ok(())
}

/// Writes `rows` rows as Parquet, a row group at a time: `chunk` builds the frame of a
/// range of rows ([`ROW_GROUP`] of them, the last one fewer), so that only one row
/// group's columns are held at once, not the whole file's (a registry's discrepancies
/// and links, copied into columns, were the largest part of writing its folder). The
/// table is the one [`write_parquet`] writes of the whole frame; only its row groups
/// differ (polars cuts a whole frame into equal groups of at least [`ROW_GROUP`] rows).
pub fn write_parquet_chunks(
    path: &Path,
    rows: usize,
    chunk: impl Fn(std::ops::Range<usize>) -> PolarsResult<DataFrame>,
) -> Result<()> {
    write_in_groups(path, rows, ROW_GROUP, chunk)
}

fn write_in_groups(
    path: &Path,
    rows: usize,
    group: usize,
    chunk: impl Fn(std::ops::Range<usize>) -> PolarsResult<DataFrame>,
) -> Result<()> {
    let mut first = chunk(0..rows.min(group)).map_err(|e| cannot_write(path, e))?;
    if rows <= group {
        return write_parquet(path, &mut first);
    }
    let writer = parquet_writer(path)?;
    let write = || -> PolarsResult<()> {
        let mut batched = writer.batched(first.schema())?;
        batched.write_batch(&first)?;
        drop(first);
        for start in (group..rows).step_by(group) {
            batched.write_batch(&chunk(start..rows.min(start + group))?)?;
        }
        batched.finish().map(|_| ())
    };
    write().map_err(|e| cannot_write(path, e))
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

    fn frame(range: std::ops::Range<usize>) -> PolarsResult<DataFrame> {
        let ids: Vec<u64> = range.clone().map(|i| i as u64).collect();
        let names: Vec<Option<String>> = range.map(|i| (i % 3 != 0).then(|| format!("người {i}"))).collect();
        DataFrame::new_infer_height(vec![Column::new("id".into(), ids), Column::new("name".into(), names)])
    }

    fn read(path: &Path) -> DataFrame {
        ParquetReader::new(std::fs::File::open(path).expect("written")).finish().expect("reads")
    }

    #[test]
    fn a_table_written_a_row_group_at_a_time_reads_back_as_the_whole_frame() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (whole, groups) = (dir.path().join("whole.parquet"), dir.path().join("groups.parquet"));
        write_parquet(&whole, &mut frame(0..10).expect("frame")).expect("writes");
        let asked = std::sync::Mutex::new(Vec::new());
        let chunk = |r: std::ops::Range<usize>| {
            asked.lock().expect("lock").push(r.clone());
            frame(r)
        };
        write_in_groups(&groups, 10, 4, chunk).expect("writes");
        assert_eq!(asked.into_inner().expect("lock"), vec![0..4, 4..8, 8..10]);
        assert!(read(&groups).equals_missing(&read(&whole)));
        assert_eq!(read(&groups).height(), 10);
        // As many rows as one group, and none: one frame, as before.
        for rows in [4, 0] {
            write_in_groups(&groups, rows, 4, frame).expect("writes");
            assert!(read(&groups).equals_missing(&frame(0..rows).expect("frame")));
        }
    }
}
