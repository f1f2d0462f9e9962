//! Ingest: input files → rows of raw text for the mapped columns, plus rejected rows.
//!
//! Takes a file (CSV, Parquet or a spreadsheet: [`sheet`]) and its rules; gives a [`Table`] whose rows hold the raw
//! text of every mapped column (identity numbers stay text, leading zeros kept), and the
//! rows that could not be read, each with its line number, the column concerned and a
//! reason. A bad row never stops the file; a file that cannot be read at all is an error
//! naming the file.
//!
//! CSV is read with the `csv` crate's byte records rather than polars' reader because a
//! row must be judged on its own (field count, UTF-8) and keep its line number; polars
//! reads Parquet. Encodings are decoded here, declared in the rules (`encoding`) or
//! detected: UTF-8 (with or without BOM), UTF-16, Windows-1258, TCVN3 and VNI (tables in
//! [`crate::vn::encoding`]).

use crate::config::{header_matches, Field, Rules};
use crate::error::{Error, Result};
use crate::vn::encoding::{self, FileEncoding};
use std::path::{Path, PathBuf};

mod sheet;

/// One readable row: its line number and the raw text of each mapped field.
#[derive(Debug, Clone)]
pub struct Row {
    /// Line number in the file (CSV: the header is line 1; Parquet: row index + 1).
    pub line: u64,
    /// The mapped fields' text, one after the other (two allocations a row, not one
    /// per field: a province's extract has millions of rows).
    text: String,
    /// Where each field's text ends in `text`.
    ends: Box<[u32]>,
}

/// A row that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Line number in the file.
    pub line: u64,
    /// The record ID as written, if it could be read.
    pub record_id: String,
    /// The column concerned (empty for the whole row).
    pub column: String,
    /// Why the row was rejected.
    pub reason: String,
    /// Which of its agency's files the row is in (0 for the first).
    pub source: u16,
    /// The personal ID as written, when the row's fields could be read (a row rejected
    /// for an unreadable required value): its person is not absent from the registry.
    pub id: String,
}

/// Longest field accepted, in bytes. The longest real value is an address of a few
/// hundred bytes; a field beyond this is corruption (a lost quote swallowing the file, a
/// binary blob), and its row is rejected rather than normalized and compared.
pub const MAX_FIELD_BYTES: usize = 4096;

/// Why a field's raw bytes cannot be a value: too long, or a control character (NUL and
/// the other C0 controls but tab, CR and LF) that no registry writes on purpose.
pub fn field_problem(raw: &[u8]) -> Option<String> {
    if raw.len() > MAX_FIELD_BYTES {
        return Some(format!("field of {} bytes (longest accepted: {MAX_FIELD_BYTES})", raw.len()));
    }
    raw.iter()
        .find(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\r' | b'\n'))
        .map(|b| format!("control character U+{:04X} in the field", b))
}

/// A record ID as kept on a rejected row: trimmed, and dropped when longer than a record
/// ID can be (the row was rejected because a field ran away; it may be that one).
///
/// Control characters (a NUL among them) are left out: the ID is shown in rejected.csv,
/// and the row was rejected for holding them.
fn rejected_id(id: &str) -> String {
    let id = id.trim().trim_start_matches('\u{feff}');
    if id.len() > 64 {
        String::new()
    } else {
        id.chars().filter(|c| !c.is_control()).collect()
    }
}

/// Identity fields: their column must hold text, since a number loses leading zeros.
const ID_FIELDS: [Field; 5] = [Field::Id, Field::LegacyId, Field::FatherId, Field::MotherId, Field::SpouseId];

/// More than the number of [`Field`] variants.
const FIELD_SLOTS: usize = 32;
const _: () = assert!((Field::Attribute as usize) < FIELD_SLOTS, "Field outgrew the layout array");

/// The positions of mapped fields in a [`Row`].
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Position of each field's value in a row, by `Field as usize` (a row is read
    /// field by field many times: an array, not a hash map).
    index: [Option<u8>; FIELD_SLOTS],
    columns: Vec<(Field, String)>,
    /// The rules' value for every row, for fields without a column.
    values: Vec<(Field, String)>,
    /// Attributes (`[attributes]`): name and position in a row, by name.
    attributes: Vec<(String, u8)>,
}

impl Layout {
    fn new(rules: &Rules) -> Layout {
        let mut layout = Layout::default();
        for (column, field) in &rules.columns {
            layout.index[*field as usize] = Some(layout.columns.len() as u8);
            layout.columns.push((*field, column.clone()));
        }
        layout.values = rules.values.iter().map(|(f, v)| (*f, v.clone())).collect();
        for (column, name) in &rules.attributes {
            layout.attributes.push((name.clone(), layout.columns.len() as u8));
            layout.columns.push((Field::Attribute, column.clone()));
        }
        layout.attributes.sort();
        layout
    }

    /// The rules' value of a field for every row ("" when none).
    fn value(&self, field: Field) -> &str {
        self.values.iter().find(|(f, _)| *f == field).map_or("", |(_, v)| v.as_str())
    }

    /// The column header mapped to a field.
    pub fn column(&self, field: Field) -> &str {
        self.index[field as usize].map(|i| self.columns[i as usize].1.as_str()).unwrap_or("")
    }
}

impl Row {
    /// A row of these field values (in layout order).
    fn new<S: AsRef<str>>(line: u64, values: impl IntoIterator<Item = S>) -> Row {
        let mut text = String::new();
        let ends = values
            .into_iter()
            .map(|v| {
                text.push_str(v.as_ref());
                text.len() as u32
            })
            .collect();
        Row { line, text, ends }
    }

    /// The raw text of every attribute: (name, value), by name.
    pub fn attributes<'a>(&'a self, layout: &'a Layout) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        layout.attributes.iter().map(|(name, i)| (name.as_str(), self.at(*i as usize)))
    }

    fn at(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// The raw text of a field: the row's, or the rules' value for every row ("" when
    /// neither or empty).
    pub fn get<'a>(&'a self, layout: &'a Layout, field: Field) -> &'a str {
        layout.index[field as usize].map_or_else(
            || layout.value(field),
            |i| {
                let i = i as usize;
                let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
                &self.text[start..self.ends[i] as usize]
            },
        )
    }
}

/// A read input file.
#[derive(Debug)]
pub struct Table {
    /// The file.
    pub path: PathBuf,
    /// Field positions.
    pub layout: Layout,
    /// Readable rows.
    pub rows: Vec<Row>,
    /// Unreadable rows.
    pub rejected: Vec<Rejected>,
    /// Data rows in the file (readable + rejected).
    pub rows_read: u64,
    /// How the file was decoded.
    pub encoding: FileEncoding,
    /// Size of the file in bytes.
    pub size: u64,
    /// SHA-256 of the file's bytes, hex (hashed from the bytes read, not re-read).
    pub sha256: String,
}

/// Whether a file is read as Parquet or as a workbook (no text encoding to detect).
pub fn is_binary_input(path: &Path) -> bool {
    is_parquet(path) || sheet::is_sheet(path)
}

fn is_parquet(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// An input's text as UTF-8 bytes, and how it was decoded.
struct Decoded {
    bytes: Vec<u8>,
    encoding: FileEncoding,
}

impl Decoded {
    /// One field as text: a legacy font encoding is decoded; `None` if not UTF-8. A byte
    /// order mark at its start is dropped: two exports concatenated leave the second one's
    /// BOM at the start of a line, inside its first field (a record ID).
    fn field<'a>(&self, raw: &'a [u8]) -> Option<std::borrow::Cow<'a, str>> {
        let raw = raw.strip_prefix("\u{feff}".as_bytes()).unwrap_or(raw);
        let s = std::str::from_utf8(raw).ok()?;
        Some(match self.encoding.legacy() {
            Some(l) => encoding::decode(s, l).into(),
            None => s.into(),
        })
    }
}

/// Size and SHA-256 (hex) of a file's bytes, for the manifest.
pub fn digest(bytes: &[u8]) -> (u64, String) {
    use sha2::{Digest, Sha256};
    (bytes.len() as u64, Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect())
}

/// Opens an input for reading if it is a regular file. A device (`/dev/zero` grew
/// without bound), a FIFO (opening it waited for a writer forever) or a socket is refused
/// naming the path; the open does not wait (`O_NONBLOCK`, no effect on a file).
pub fn open_input(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::Input {
            path: path.into(),
            message: "is not a regular file (a device, a FIFO or a socket): an input must be a file".into(),
        });
    }
    Ok(file)
}

/// The bytes of an input file ([`open_input`]).
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let mut file = open_input(path)?;
    let mut bytes = Vec::with_capacity(file.metadata().map_or(0, |m| m.len() as usize));
    file.read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    Ok(bytes)
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    read_input(path)
}

/// Decodes a file's bytes to UTF-8: a BOM decides first, then the declared
/// encoding; `auto` keeps UTF-8 (bad rows are rejected one by one) unless most lines
/// with non-ASCII bytes are not UTF-8, in which case the file is a legacy one and its
/// encoding is sniffed. TCVN3 and VNI files become their Windows-1252 surface here and
/// are decoded field by field ([`Decoded::field`]).
fn decode(bytes: Vec<u8>, declared: FileEncoding) -> Decoded {
    let utf16 = |enc: &'static encoding_rs::Encoding, skip: usize| Decoded {
        bytes: enc.decode_without_bom_handling(&bytes[skip..]).0.into_owned().into_bytes(),
        encoding: FileEncoding::Utf16,
    };
    if bytes.starts_with(&[0xFF, 0xFE]) {
        return utf16(encoding_rs::UTF_16LE, 2);
    }
    if bytes.starts_with(&[0xFE, 0xFF]) {
        return utf16(encoding_rs::UTF_16BE, 2);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return Decoded { bytes: rest.to_vec(), encoding: FileEncoding::Utf8 };
    }
    let encoding = match declared {
        FileEncoding::Auto if std::str::from_utf8(&bytes).is_ok() => FileEncoding::Utf8,
        FileEncoding::Auto => {
            // A Vietnamese header that is valid UTF-8 settles it: the file is UTF-8 and
            // its bad rows are rejected one by one (found by a proptest: two corrupt
            // rows out of three had turned a UTF-8 file into "Windows-1258").
            let header = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
            // Lines with non-ASCII bytes after the header: (not UTF-8, all).
            let rest = || {
                let non_ascii = bytes.split(|&b| b == b'\n').skip(1).filter(|l| !l.is_ascii());
                non_ascii.fold((0usize, 0usize), |(b, a), l| (b + usize::from(std::str::from_utf8(l).is_err()), a + 1))
            };
            let legacy = if !header.is_ascii() {
                // A header that is not UTF-8 is a legacy one, unless the rows are UTF-8:
                // then it is a stray byte (in a column nobody maps, as often as not).
                std::str::from_utf8(header).is_err() && {
                    let (bad, all) = rest();
                    all == 0 || bad * 2 > all
                }
            } else {
                let (bad, all) = rest();
                bad * 2 > all
            };
            if legacy {
                encoding::sniff_legacy_file(&bytes)
            } else {
                FileEncoding::Utf8
            }
        }
        e => e,
    };
    let text =
        |enc: &'static encoding_rs::Encoding| enc.decode_without_bom_handling(&bytes).0.into_owned().into_bytes();
    let decoded = match encoding {
        FileEncoding::Utf16 => return utf16(encoding_rs::UTF_16LE, 0),
        // Windows-1258 writes tones as combining marks: compose them (NFC) here, since
        // that is the encoding's own form, not something the agency typed.
        FileEncoding::Windows1258 => {
            encoding::compose_cp1258(&encoding_rs::WINDOWS_1258.decode_without_bom_handling(&bytes).0).into_bytes()
        }
        FileEncoding::Tcvn3 | FileEncoding::Vni => text(encoding_rs::WINDOWS_1252),
        FileEncoding::Utf8 | FileEncoding::Auto => bytes,
    };
    Decoded { bytes: decoded, encoding }
}

/// The delimiter of a CSV file: whichever of `,` `;` tab occurs most in the header line.
fn delimiter(bytes: &[u8]) -> u8 {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let count = |d: u8| first.iter().filter(|&&b| b == d).count();
    [b',', b';', b'\t'].into_iter().max_by_key(|&d| (count(d), d == b',')).unwrap_or(b',')
}

fn csv_reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter(bytes)).from_reader(bytes)
}

/// Runs a reader of `path`, turning a panic inside a third-party reader (a Parquet footer
/// or a workbook's XML corrupted in a way its library does not check) into an input
/// error naming the file: every unreadable input is exit 1, never a crash (exit 101).
fn guarded<T>(path: &Path, read: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|panic| {
        let why = crate::error::panic_message(panic.as_ref());
        Err(Error::Input { path: path.into(), message: format!("not a readable file: its reader failed ({why})") })
    })
}

/// The header row of an input file.
pub fn read_headers(path: &Path, rules: &Rules) -> Result<Vec<String>> {
    guarded(path, || headers_of_input(path, rules))
}

fn headers_of_input(path: &Path, rules: &Rules) -> Result<Vec<String>> {
    let declared = rules.encoding;
    if is_parquet(path) {
        return parquet_frame_names(path);
    }
    if sheet::is_sheet(path) {
        return sheet::read_headers(path, rules);
    }
    headers_of(path, &decode(header_prefix(path)?, declared))
}

/// The start of a CSV file, enough to hold its header row: the first MiB cut after its
/// last line end (the whole file when it is smaller, or when no line ends in that MiB).
/// Checking a job reads only this, not the whole file a second time. The encoding
/// decided on the prefix decodes the header as on the whole file: a non-ASCII header
/// settles it the same way, and an ASCII header reads the same in every encoding
/// accepted (UTF-16 is told by its BOM or declared).
fn header_prefix(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    const PREFIX: u64 = 1 << 20;
    let file = open_input(path)?;
    let mut bytes = Vec::new();
    file.take(PREFIX).read_to_end(&mut bytes).map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 == PREFIX {
        match bytes.iter().rposition(|&b| b == b'\n') {
            Some(end) => bytes.truncate(end + 1),
            None => return read_file(path),
        }
    }
    Ok(bytes)
}

fn headers_of(path: &Path, decoded: &Decoded) -> Result<Vec<String>> {
    let mut reader = csv_reader(&decoded.bytes);
    let mut record = csv::ByteRecord::new();
    let got = reader
        .read_byte_record(&mut record)
        .map_err(|e| Error::Input { path: path.into(), message: format!("cannot read the header row: {e}") })?;
    if !got {
        return Err(Error::Input { path: path.into(), message: "the file is empty (no header row)".into() });
    }
    // A header cell that is not UTF-8 keeps its other characters (U+FFFD for the bad
    // bytes): the mapped columns are found by the others, and a mapped one it spoils is
    // reported as missing, with the cause ([`positions`]).
    Ok(record
        .iter()
        .map(|f| decoded.field(f).map_or_else(|| String::from_utf8_lossy(f).into_owned(), String::from))
        .collect())
}

/// Reads an input file with its rules.
pub fn read(path: &Path, rules: &Rules) -> Result<Table> {
    guarded(path, || read_input_table(path, rules))
}

fn read_input_table(path: &Path, rules: &Rules) -> Result<Table> {
    if is_parquet(path) {
        read_parquet(path, rules)
    } else if sheet::is_sheet(path) {
        let raw = read_file(path)?;
        let (size, sha256) = digest(&raw);
        sheet::read(path, rules, raw, size, sha256)
    } else {
        read_csv(path, rules)
    }
}

/// Column positions of the mapped fields ([`header_matches`]).
fn positions(path: &Path, headers: &[String], layout: &Layout) -> Result<Vec<usize>> {
    layout
        .columns
        .iter()
        .map(|(_, column)| match header_matches(headers, column)[..] {
            [i] => Ok(i),
            [] => Err(Error::Input {
                path: path.into(),
                message: match headers.iter().position(|h| h.contains('\u{fffd}')) {
                    Some(k) => format!(
                        "column '{column}' is not in the header (its column {} holds bytes that are not UTF-8: '{}')",
                        k + 1,
                        headers[k]
                    ),
                    None => format!("column '{column}' is not in the header"),
                },
            }),
            [i, j, ..] => Err(Error::Input {
                path: path.into(),
                message: format!(
                    "column '{column}' appears more than once in the header (columns {} and {}): which one holds the data is ambiguous",
                    i + 1,
                    j + 1
                ),
            }),
        })
        .collect()
}

/// The physical line of a byte offset, counted as an editor counts: `\n`, `\r\n` and a
/// lone `\r` (old Mac, some Excel exports) each end one line. (The CSV reader's own count
/// was one short on every CRLF file and said "line 1" for every row of a CR file.) Offsets
/// are asked in increasing order, so the file is scanned once.
#[derive(Default)]
struct LineCounter {
    at: usize,
    breaks: u64,
    after_cr: bool,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], offset: usize) -> u64 {
        let offset = offset.min(bytes.len());
        for &b in &bytes[self.at.min(offset)..offset] {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' => self.breaks += 1,
                b'\r' => {
                    self.breaks += 1;
                    self.after_cr = true;
                }
                _ => self.after_cr = false,
            }
        }
        self.at = self.at.max(offset);
        self.breaks + 1
    }
}

/// The offset of the line after the one at `start` (past `\n`, `\r\n` or a lone `\r`),
/// if there is one.
fn next_line(bytes: &[u8], start: usize) -> Option<usize> {
    let at = start + bytes.get(start..)?.iter().position(|&b| b == b'\n' || b == b'\r')?;
    let skip = if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') { 2 } else { 1 };
    Some(at + skip).filter(|&n| n < bytes.len())
}

fn read_csv(path: &Path, rules: &Rules) -> Result<Table> {
    read_csv_bytes(path, read_file(path)?, rules)
}

/// Reads a CSV file's bytes (already read from `path`, which names the file in errors).
/// The fuzz target `ingest_csv` drives this.
pub fn read_csv_bytes(path: &Path, raw: Vec<u8>, rules: &Rules) -> Result<Table> {
    let (size, sha256) = digest(&raw);
    let decoded = decode(raw, rules.encoding);
    let bytes = &decoded.bytes;
    let layout = Layout::new(rules);
    let headers = headers_of(path, &decoded)?;
    let pos = positions(path, &headers, &layout)?;
    let id_pos = layout.index[Field::RecordId as usize].map(|i| pos[i as usize]);
    let mut by_file_order: Vec<usize> = (0..pos.len()).collect();
    by_file_order.sort_by_key(|&k| pos[k]);
    let mut reader = csv_reader(bytes);
    let delimiter = delimiter(bytes);
    // Where the current reader started in `bytes` (it restarts after an unclosed quote).
    let mut base = 0usize;
    let mut record = csv::ByteRecord::new();
    let mut lines = LineCounter::default();
    let mut table = Table {
        size,
        sha256,
        encoding: decoded.encoding,
        path: path.into(),
        layout,
        rows: Vec::new(),
        rejected: Vec::new(),
        rows_read: 0,
    };
    let mut first = true;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                return Err(Error::Input {
                    path: path.into(),
                    message: format!("unreadable CSV after row {}: {e}", table.rows_read + 1),
                })
            }
        }
        if first {
            first = false;
            continue;
        }
        let start = base + record.position().map_or(0, |p| p.byte() as usize);
        let line = lines.line_at(bytes, start);
        table.rows_read += 1;
        let record_id = id_pos
            .and_then(|i| record.get(i))
            .map(|b| String::from_utf8_lossy(b).trim().to_string())
            .unwrap_or_default();
        // A quote that never closes makes one "record" of the lines after it. When that
        // record is not a row (wrong number of fields), only its first line is rejected
        // and reading goes on from the next line.
        let end = base + reader.position().byte() as usize;
        if record.len() != headers.len() {
            if let Some(next) = next_line(bytes, start).filter(|&n| n < end) {
                table.rejected.push(Rejected {
                    line,
                    record_id: rejected_id(&record_id),
                    column: String::new(),
                    reason: "a quote opened on this line is never closed (the line is rejected, the next one read)"
                        .into(),
                    source: 0,
                    id: String::new(),
                });
                reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .delimiter(delimiter)
                    .from_reader(&bytes[next..]);
                base = next;
                continue;
            }
            table.rejected.push(Rejected {
                line,
                record_id,
                column: String::new(),
                reason: format!("expected {} fields, found {}", headers.len(), record.len()),
                source: 0,
                id: String::new(),
            });
            continue;
        }
        // The first mapped column (in file order) that is not UTF-8, too long or holds a
        // control character rejects the row.
        let bad = by_file_order.iter().find_map(|&k| {
            let raw = &record[pos[k]];
            let why = field_problem(raw).or_else(|| std::str::from_utf8(raw).err().map(|_| "not valid UTF-8".into()));
            why.map(|w| (k, w))
        });
        match bad {
            Some((k, reason)) => table.rejected.push(Rejected {
                line,
                record_id: rejected_id(&record_id),
                column: table.layout.columns[k].1.clone(),
                reason,
                source: 0,
                id: String::new(),
            }),
            None => {
                let values = pos.iter().map(|&i| decoded.field(&record[i]).unwrap_or_default());
                table.rows.push(Row::new(line, values));
            }
        }
    }
    Ok(table)
}

/// Most rows a Parquet input may declare: a province's largest registry is some 14 M
/// records. A damaged footer declaring more made the reader ask for memory it could not
/// have (an abort, not an error).
pub const MAX_PARQUET_ROWS: usize = 100_000_000;

/// A Parquet input as a frame (only `columns`, when given: an unmapped column of a type
/// doisoat cannot read, nested or a date, is never decoded), once its footer has been
/// checked: rows declared within [`MAX_PARQUET_ROWS`], and each row group's rows adding
/// up to the file's.
fn parquet_checked(
    path: &Path,
    raw: &polars_buffer::Buffer<u8>,
    columns: Option<Vec<String>>,
) -> Result<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let unreadable =
        |e: PolarsError| Error::Input { path: path.into(), message: format!("not a readable Parquet file: {e}") };
    let mut reader = ParquetReader::new(std::io::Cursor::new(&raw[..])).with_columns(columns.clone());
    let md = reader.get_metadata().map_err(unreadable)?.clone();
    let groups: usize = md.row_groups.iter().map(|g| g.num_rows()).fold(0usize, usize::saturating_add);
    if md.num_rows > MAX_PARQUET_ROWS || groups != md.num_rows {
        return Err(Error::Input {
            path: path.into(),
            message: format!(
                "not a readable Parquet file: its footer declares {} rows in row groups of {groups} (most accepted: {MAX_PARQUET_ROWS})",
                md.num_rows
            ),
        });
    }
    parquet_pages_checked(path, raw, &md, columns.as_deref())?;
    reader.finish().map_err(unreadable)
}

/// Most bytes one Parquet page may declare, compressed or not.
const MAX_PARQUET_PAGE: usize = 1 << 30;

/// Walks the page headers of the column chunks to be decoded (no page decompressed):
/// each data page's values within its row group's rows and its size within
/// [`MAX_PARQUET_PAGE`]. A damaged header's value count made polars' decoder ask for
/// 2^61 bytes, an abort no caller can catch (found by the fuzz target: 5 000 damaged
/// files aborted the process before this check, 20 000 pass with it).
fn parquet_pages_checked(
    path: &Path,
    raw: &polars_buffer::Buffer<u8>,
    md: &polars_parquet::parquet::metadata::FileMetadata,
    columns: Option<&[String]>,
) -> Result<()> {
    use polars_parquet::parquet::page::CompressedPage;
    use polars_parquet::parquet::read::PageReader;
    let bad = |m: String| Error::Input { path: path.into(), message: format!("not a readable Parquet file: {m}") };
    for (g, group) in md.row_groups.iter().enumerate() {
        for chunk in group.parquet_columns() {
            let name = chunk.descriptor().path_in_schema.first().map(|n| n.as_str()).unwrap_or("");
            if columns.is_some_and(|c| !c.iter().any(|w| w == name)) {
                continue;
            }
            let range = chunk.byte_range();
            if range.end > raw.len() as u64 || range.start > range.end {
                return Err(bad(format!("column '{name}' of row group {g} lies outside the file")));
            }
            let cursor = std::io::Cursor::new(raw.clone().sliced(range.start as usize..range.end as usize));
            for page in PageReader::new(cursor, chunk, Vec::new(), MAX_PARQUET_PAGE) {
                let page = page.map_err(|e| bad(format!("column '{name}' of row group {g}: {e}")))?;
                // (A dictionary page's sizes are not public; its entries are bounded by
                // the data pages that index it.)
                let CompressedPage::Data(page) = page else { continue };
                if page.num_values() > group.num_rows() || page.uncompressed_size() > MAX_PARQUET_PAGE {
                    return Err(bad(format!(
                        "column '{name}' of row group {g}: a page declares {} values and {} bytes for {} rows",
                        page.num_values(),
                        page.uncompressed_size(),
                        group.num_rows()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The column names of a Parquet input, from its schema (no column decoded).
fn parquet_frame_names(path: &Path) -> Result<Vec<String>> {
    parquet_names(path, open_input(path)?)
}

/// The column names in a Parquet source's schema.
fn parquet_names<R: polars::io::mmap::MmapBytesReader>(path: &Path, source: R) -> Result<Vec<String>> {
    use polars::prelude::*;
    let schema = ParquetReader::new(source)
        .schema()
        .map_err(|e| Error::Input { path: path.into(), message: format!("not a readable Parquet file: {e}") })?;
    Ok(schema.iter_names().map(|n| n.to_string()).collect())
}

/// The mapped columns of a Parquet input; a column that cannot be decoded is named.
fn parquet_columns(
    path: &Path,
    raw: &polars_buffer::Buffer<u8>,
    wanted: &[String],
) -> Result<polars::prelude::DataFrame> {
    parquet_checked(path, raw, Some(wanted.to_vec())).map_err(|e| {
        let failing = wanted.iter().find(|c| parquet_checked(path, raw, Some(vec![c.to_string()])).is_err());
        match failing {
            Some(c) => Error::Input { path: path.into(), message: format!("column '{c}' cannot be read: {e}") },
            None => e,
        }
    })
}

fn read_parquet(path: &Path, rules: &Rules) -> Result<Table> {
    use polars::prelude::*;
    // One buffer shared by the page check and polars' decoder (no copy).
    let raw = polars_buffer::Buffer::from(read_file(path)?);
    let (size, sha256) = digest(&raw);
    // The schema from the bytes already read, not from the file a second time.
    let headers = parquet_names(path, std::io::Cursor::new(&raw[..]))?;
    let layout = Layout::new(rules);
    let pos = positions(path, &headers, &layout)?;
    let mut wanted: Vec<String> = pos.iter().map(|&i| headers[i].clone()).collect();
    wanted.sort();
    wanted.dedup();
    let df = parquet_columns(path, &raw, &wanted)?;
    drop(raw);
    let column_of = |i: usize| df.column(&headers[i]).expect("a column read by its name");
    for (k, &i) in pos.iter().enumerate() {
        let (field, column) = &layout.columns[k];
        let dtype = column_of(i).dtype();
        if ID_FIELDS.contains(field) && dtype.is_primitive_numeric() {
            return Err(Error::Input {
                path: path.into(),
                message: format!(
                    "column '{column}' is stored as {dtype}: identity numbers must be text (as numbers they lose their leading zeros)"
                ),
            });
        }
    }
    let mut columns = Vec::with_capacity(pos.len());
    for &i in &pos {
        let c = column_of(i).cast(&DataType::String).map_err(|e| Error::Input {
            path: path.into(),
            message: format!("column '{}' cannot be read as text: {e}", headers[i]),
        })?;
        columns.push(c);
    }
    let strs: Vec<&StringChunked> = columns.iter().map(|c| c.str()).collect::<PolarsResult<_>>()?;
    let n = df.height();
    let mut rows = Vec::with_capacity(n);
    let mut rejected = Vec::new();
    let id_col = layout.index[crate::config::Field::RecordId as usize].map(|i| i as usize);
    for r in 0..n {
        let line = r as u64 + 1;
        let bad =
            strs.iter().enumerate().find_map(|(k, s)| field_problem(s.get(r).unwrap_or("").as_bytes()).map(|w| (k, w)));
        if let Some((k, reason)) = bad {
            let record_id = rejected_id(id_col.and_then(|c| strs[c].get(r)).unwrap_or(""));
            rejected.push(Rejected {
                line,
                record_id,
                column: layout.columns[k].1.clone(),
                reason,
                source: 0,
                id: String::new(),
            });
            continue;
        }
        rows.push(Row::new(line, strs.iter().map(|s| s.get(r).unwrap_or(""))));
    }
    Ok(Table {
        path: path.into(),
        layout,
        rows,
        rejected,
        rows_read: n as u64,
        encoding: FileEncoding::Utf8,
        size,
        sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (proptest): a UTF-8 file whose rows are mostly corrupt stays UTF-8.
    #[test]
    fn utf8_header_with_mostly_corrupt_rows_stays_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let mut bytes = "Họ và tên,Ngày sinh\n".as_bytes().to_vec();
        bytes.extend(b"\xff\xfeA,1990\n\xffB,1991\n");
        bytes.extend("Lò Văn Ánh,1975\n".as_bytes());
        std::fs::write(&path, &bytes).unwrap();
        let d = decode(read_file(&path).unwrap(), FileEncoding::Auto);
        assert_eq!(d.encoding, FileEncoding::Utf8);
        // A legacy file (TCVN3 header) is still detected.
        let tcvn3: Vec<u8> = "Hä vµ tªn,N¨m\nGiµng A P¸o,1987\n".chars().map(|c| c as u32 as u8).collect();
        std::fs::write(&path, &tcvn3).unwrap();
        assert_eq!(decode(read_file(&path).unwrap(), FileEncoding::Auto).encoding, FileEncoding::Tcvn3);
    }

    /// Checking a job reads a CSV's first MiB for its header, cut at a line end; a file
    /// with no line end in it is read whole.
    #[test]
    fn header_is_read_from_the_start_of_a_large_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let mut bytes = "Họ và tên,Ngày sinh\n".as_bytes().to_vec();
        while bytes.len() < 3 << 19 {
            bytes.extend("Lò Văn Ánh,1975\n".as_bytes());
        }
        std::fs::write(&path, &bytes).unwrap();
        let prefix = header_prefix(&path).unwrap();
        assert!(prefix.len() <= 1 << 20 && prefix.ends_with(b"\n") && bytes.starts_with(&prefix));
        assert_eq!(headers_of(&path, &decode(prefix, FileEncoding::Auto)).unwrap(), ["Họ và tên", "Ngày sinh"]);
        let long = vec![b'a'; (1 << 20) + 10];
        std::fs::write(&path, &long).unwrap();
        assert_eq!(header_prefix(&path).unwrap(), long);
    }
}
