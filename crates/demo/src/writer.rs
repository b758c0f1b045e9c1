//! A small, fast CSV writer for the generated files.
//!
//! Fields are appended to a line buffer and quoted only when necessary (they contain a comma,
//! a quote or a line break), the same convention as Polars and the `csv` crate. An empty
//! field means NULL. Lines end with `\n`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::calendar;
use crate::error::DemoError;

/// Writes one CSV file row by row, counting the rows.
pub(crate) struct CsvWriter {
    path: PathBuf,
    out: BufWriter<File>,
    line: Vec<u8>,
    fields: usize,
    rows: u64,
}

impl CsvWriter {
    /// Creates `dir/name` and writes the header row.
    pub(crate) fn create(dir: &Path, name: &str, header: &[&str]) -> Result<Self, DemoError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|source| DemoError::Write {
            path: path.clone(),
            source,
        })?;
        let mut w = CsvWriter {
            path,
            out: BufWriter::with_capacity(1 << 20, file),
            line: Vec::with_capacity(256),
            fields: 0,
            rows: 0,
        };
        for h in header {
            w.str(h);
        }
        w.end_row()?;
        w.rows = 0;
        Ok(w)
    }

    /// Starts a new field: a comma unless it is the first field of the row.
    fn sep(&mut self) {
        if self.fields > 0 {
            self.line.push(b',');
        }
        self.fields += 1;
    }

    /// A text field, quoted if necessary.
    pub(crate) fn str(&mut self, s: &str) {
        self.sep();
        if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            self.line.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    self.line.push(b'"');
                }
                self.line.push(b);
            }
            self.line.push(b'"');
        } else {
            self.line.extend_from_slice(s.as_bytes());
        }
    }

    /// A text field that may be NULL.
    pub(crate) fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    /// An empty (NULL) field.
    pub(crate) fn null(&mut self) {
        self.sep();
    }

    /// An integer field.
    pub(crate) fn int(&mut self, v: i64) {
        self.sep();
        push_int(&mut self.line, v);
    }

    /// An integer field that may be NULL.
    pub(crate) fn opt_int(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    /// An identifier: a one-letter prefix and a zero-padded number, e.g. `C00000042`.
    pub(crate) fn id(&mut self, prefix: u8, v: u64, width: usize) {
        self.sep();
        self.line.push(prefix);
        push_padded(&mut self.line, v, width);
    }

    /// An anonymous device id: `a` + 15 lower-case hex digits.
    pub(crate) fn anon(&mut self, v: u64) {
        self.sep();
        self.line.push(b'a');
        for shift in (0..15).rev() {
            self.line.push(b"0123456789abcdef"[((v >> (4 * shift)) & 0xF) as usize]);
        }
    }

    /// A CNY amount from cents, with two decimals (`123.40`).
    pub(crate) fn money(&mut self, cents: i64) {
        self.sep();
        if cents < 0 {
            self.line.push(b'-');
        }
        let c = cents.unsigned_abs();
        push_int(&mut self.line, (c / 100) as i64);
        self.line.push(b'.');
        push_padded(&mut self.line, c % 100, 2);
    }

    /// A local timestamp `YYYY-MM-DDTHH:MM:SS+08:00`.
    pub(crate) fn timestamp(&mut self, secs: i64) {
        self.sep();
        calendar::push_timestamp(&mut self.line, secs);
    }

    /// Finishes the current row.
    pub(crate) fn end_row(&mut self) -> Result<(), DemoError> {
        self.line.push(b'\n');
        let res = self.out.write_all(&self.line);
        self.line.clear();
        self.fields = 0;
        self.rows += 1;
        res.map_err(|source| DemoError::Write {
            path: self.path.clone(),
            source,
        })
    }

    /// Flushes the file and returns the number of data rows written.
    pub(crate) fn finish(mut self) -> Result<u64, DemoError> {
        self.out.flush().map_err(|source| DemoError::Write {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.rows)
    }
}

/// Appends a decimal integer.
fn push_int(buf: &mut Vec<u8>, v: i64) {
    if v < 0 {
        buf.push(b'-');
    }
    let mut u = v.unsigned_abs();
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends `v` zero-padded to at least `width` digits.
fn push_padded(buf: &mut Vec<u8>, v: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut u = v;
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    let digits = tmp.len() - i;
    let start = if digits < width { tmp.len() - width } else { i };
    buf.extend_from_slice(&tmp[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed_and_keeps_empty_fields() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let mut w = CsvWriter::create(dir.path(), "t.csv", &["a", "b", "c", "d", "e"])?;
        w.null();
        w.str("x,y");
        w.str("say \"hi\"");
        w.money(12_340);
        w.id(b'C', 42, 8);
        w.end_row()?;
        w.money(5);
        w.anon(0xabc);
        w.opt_int(None);
        w.int(-17);
        w.str(" 中文 ");
        w.end_row()?;
        assert_eq!(w.finish()?, 2);
        let text = std::fs::read_to_string(dir.path().join("t.csv"))?;
        assert_eq!(
            text,
            "a,b,c,d,e\n,\"x,y\",\"say \"\"hi\"\"\",123.40,C00000042\n0.05,a000000000000abc,,-17, 中文 \n"
        );
        Ok(())
    }
}
