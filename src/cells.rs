//! How every CSV file doisoat writes spells its cells and lines: quoted when needed, and
//! a cell that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab
//! or carriage return) prefixed with `'`, so no registry value becomes a live formula in a
//! file an agency opens. The run's files and the synthetic province's both go by it.

use std::io::Write;

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
