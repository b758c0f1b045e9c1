//! Streaming CSV reader.
//!
//! Delimited text of any delimiter (sniffed from the header line when not
//! given), quoted fields with embedded newlines and doubled quotes, CRLF or LF
//! line ends, blank lines, a UTF-8 BOM, and gzip compression are handled
//! transparently. Records are split by `csv-core`'s DFA straight out of a
//! fixed input buffer into one reused record buffer, checked for UTF-8 once,
//! and appended into one Arrow [`StringBuilder`] per column: no allocation
//! per field or per record.
//!
//! Line numbers are exact: the physical line on which each record starts,
//! whatever the line ends, blank lines and quoted newlines before it.
//!
//! Memory is bounded by the batch size and [`MAX_RECORD_BYTES`], never by the
//! file size. Rows that cannot be delivered (wrong field count, invalid UTF-8)
//! are kept aside as [`Malformed`] for the caller to quarantine.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow::array::{StringArray, StringBuilder};
use csv_core::{ReadRecordResult, ReaderBuilder};

use super::RawBatch;
use super::file::{
    MAX_RAW_BYTES, MAX_RECORD_BYTES, Malformed, ReadError, ReadOptions, TextInput, check_head_utf8, open_text,
    truncate_raw,
};

/// Candidate delimiters for sniffing, in order of preference on a tie.
const SNIFF_CANDIDATES: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Size of the input buffer.
const INPUT_BUFFER: usize = 1 << 20;

/// Most fields accepted in one record (bounds the field-end buffer).
const MAX_FIELDS: usize = 1 << 20;

/// One record in the reader's buffers.
struct Record {
    /// All field bytes, concatenated.
    data: Vec<u8>,
    /// End offset of each field in `data`.
    ends: Vec<usize>,
    /// Number of fields.
    fields: usize,
    /// Physical line on which the record starts (1-based).
    line: u64,
    /// Offset of the record's first byte in the text (after any BOM).
    byte: u64,
}

impl Record {
    fn new() -> Record {
        Record {
            data: vec![0; 4096],
            ends: vec![0; 64],
            fields: 0,
            line: 0,
            byte: 0,
        }
    }

    /// The bytes of field `i`.
    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    /// All field bytes, concatenated.
    fn bytes(&self) -> &[u8] {
        &self.data[..self.ends[..self.fields].last().copied().unwrap_or(0)]
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.fields).map(|i| self.field(i))
    }
}

/// Streaming reader of delimited text. See the [module docs](self).
pub struct CsvReader {
    path: PathBuf,
    input: Box<dyn Read + Send>,
    /// The record splitter (boxed: its DFA table is large).
    core: Box<csv_core::Reader>,
    /// Input buffer and its unread window.
    buf: Box<[u8]>,
    pos: usize,
    len: usize,
    eof: bool,
    /// Text bytes consumed so far.
    consumed: u64,
    /// Newlines consumed outside `core` (blank lines and line ends skipped
    /// between records).
    skipped_lines: u64,
    names: Vec<String>,
    delimiter: u8,
    quote: u8,
    batch_rows: usize,
    encoding_check: bool,
    gzip: bool,
    bom_len: u64,
    record: Record,
    /// Whether `record` holds the first data record of a header-less file,
    /// read at open to count the columns.
    pending: bool,
    malformed: Vec<Malformed>,
    /// Value bytes per column in the previous batch: capacity hints.
    value_bytes: Vec<usize>,
    done: bool,
    counter: Arc<AtomicU64>,
    total: u64,
}

impl CsvReader {
    /// Opens a CSV file and reads its header (or, without a header, its first
    /// record to count the columns).
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<Self, ReadError> {
        let input = open_text(path)?;
        Self::from_input(path, input, opts)
    }

    fn from_input(path: &Path, input: TextInput, opts: &ReadOptions) -> Result<Self, ReadError> {
        let TextInput {
            head,
            stream,
            counter,
            total,
            gzip,
            bom_len,
        } = input;
        let invalid = |reason: &str| ReadError::InvalidOptions {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        if opts.batch_rows == 0 {
            return Err(invalid("batch_rows must be at least 1"));
        }
        if opts.encoding_check
            && let Err(offset) = check_head_utf8(&head)
        {
            return Err(ReadError::Encoding {
                path: path.to_path_buf(),
                offset: offset as u64 + bom_len,
                gzip,
            });
        }
        let delimiter = match opts.delimiter {
            Some(d) => d,
            None if is_tsv(path) => b'\t',
            None => sniff_delimiter(&head, opts.quote),
        };
        if delimiter == opts.quote {
            return Err(invalid("the delimiter and the quote are the same character"));
        }
        if matches!(delimiter, b'\n' | b'\r') || matches!(opts.quote, b'\n' | b'\r') {
            return Err(invalid("the delimiter and the quote cannot be a line break"));
        }
        drop(head);

        let core = Box::new(
            ReaderBuilder::new()
                .delimiter(delimiter)
                .quote(opts.quote)
                .double_quote(true)
                .build(),
        );
        let mut reader = CsvReader {
            path: path.to_path_buf(),
            input: stream,
            core,
            buf: vec![0u8; INPUT_BUFFER].into_boxed_slice(),
            pos: 0,
            len: 0,
            eof: false,
            consumed: 0,
            skipped_lines: 0,
            names: Vec::new(),
            delimiter,
            quote: opts.quote,
            batch_rows: opts.batch_rows,
            encoding_check: opts.encoding_check,
            gzip,
            bom_len,
            record: Record::new(),
            pending: false,
            malformed: Vec::new(),
            value_bytes: Vec::new(),
            done: false,
            counter,
            total,
        };

        if !reader.read_record()? {
            reader.done = true;
            return Ok(reader);
        }
        if opts.has_header {
            reader.names = header_names(&reader.record).map_err(|reason| ReadError::Header {
                path: path.to_path_buf(),
                line: reader.record.line,
                reason,
            })?;
        } else {
            reader.names = (1..=reader.record.fields).map(|i| format!("column_{i}")).collect();
            reader.pending = true;
        }
        reader.value_bytes = vec![0; reader.names.len()];
        Ok(reader)
    }

    /// Column names in header order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The delimiter in use (given or sniffed).
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// Bytes read from the file so far (compressed bytes for gzip).
    pub fn bytes_read(&self) -> u64 {
        self.counter.load(Ordering::Relaxed)
    }

    /// Size of the file on disk.
    pub fn total_bytes(&self) -> Option<u64> {
        Some(self.total)
    }

    /// Takes the rows that could not be read since the last call. Call it after
    /// every [`next_batch`](Self::next_batch): a batch ends early once as many
    /// rows are waiting here as a batch holds, so memory stays bounded.
    pub fn take_malformed(&mut self) -> Vec<Malformed> {
        std::mem::take(&mut self.malformed)
    }

    /// Reads the next batch of up to `batch_rows` rows; `None` at the end of
    /// the file. A batch may hold zero rows when every record read for it was
    /// malformed.
    pub fn next_batch(&mut self) -> Result<Option<RawBatch>, ReadError> {
        if self.done && !self.pending {
            return Ok(None);
        }
        let cap = self.batch_rows.min(1 << 16);
        let mut builders: Vec<StringBuilder> = self
            .value_bytes
            .iter()
            .map(|&bytes| StringBuilder::with_capacity(cap, bytes + bytes / 8))
            .collect();
        let mut lines: Vec<u64> = Vec::with_capacity(cap);
        let malformed_before = self.malformed.len();

        if self.pending {
            self.pending = false;
            self.push_record(&mut builders, &mut lines);
        }
        while lines.len() + (self.malformed.len() - malformed_before) < self.batch_rows {
            if !self.read_record()? {
                self.done = true;
                break;
            }
            self.push_record(&mut builders, &mut lines);
        }

        if lines.is_empty() && self.malformed.len() == malformed_before {
            return Ok(None);
        }
        let columns: Vec<StringArray> = builders.iter_mut().map(|b| b.finish()).collect();
        for (hint, col) in self.value_bytes.iter_mut().zip(&columns) {
            *hint = col.value_data().len();
        }
        Ok(Some(RawBatch {
            names: self.names.clone(),
            lines,
            columns,
        }))
    }

    /// Refills the input buffer once its window is empty; sets `eof` at the end.
    fn fill(&mut self) -> Result<(), ReadError> {
        if self.pos < self.len || self.eof {
            return Ok(());
        }
        self.pos = 0;
        self.len = 0;
        loop {
            match self.input.read(&mut self.buf) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.len = n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(source) => {
                    let line = Some(self.current_line());
                    return Err(ReadError::Io {
                        path: self.path.clone(),
                        line,
                        source,
                    });
                }
            }
        }
    }

    /// The physical line the reader is on.
    fn current_line(&self) -> u64 {
        self.core.line() + self.skipped_lines
    }

    /// Reads the next record into `self.record`; `false` at the end of input.
    fn read_record(&mut self) -> Result<bool, ReadError> {
        // `core.line()` is 1-based and counts the newlines `core` consumed.
        // Skip line ends (of the previous record, and blank lines) ourselves,
        // so that the record's start line and offset are exact.
        loop {
            self.fill()?;
            if self.pos == self.len {
                // Only line ends were left (or nothing at all).
                return Ok(false);
            }
            let window = &self.buf[self.pos..self.len];
            let n = window.iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
            self.skipped_lines += window[..n].iter().filter(|&&b| b == b'\n').count() as u64;
            self.pos += n;
            self.consumed += n as u64;
            if self.pos < self.len {
                break;
            }
        }
        self.record.line = self.core.line() + self.skipped_lines;
        self.record.byte = self.consumed;
        let (mut out, mut ends) = (0usize, 0usize);
        loop {
            let rec = &mut self.record;
            let (res, nin, nout, nend) = self.core.read_record(
                &self.buf[self.pos..self.len],
                &mut rec.data[out..],
                &mut rec.ends[ends..],
            );
            self.pos += nin;
            self.consumed += nin as u64;
            out += nout;
            ends += nend;
            match res {
                ReadRecordResult::InputEmpty => self.fill()?,
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {
                    let too_large = ReadError::RecordTooLarge {
                        path: self.path.clone(),
                        line: rec.line,
                        limit: MAX_RECORD_BYTES,
                    };
                    if res == ReadRecordResult::OutputFull {
                        if rec.data.len() >= MAX_RECORD_BYTES {
                            return Err(too_large);
                        }
                        let grown = (rec.data.len() * 2).min(MAX_RECORD_BYTES);
                        rec.data.resize(grown, 0);
                    } else {
                        if rec.ends.len() >= MAX_FIELDS {
                            return Err(too_large);
                        }
                        let grown = (rec.ends.len() * 2).min(MAX_FIELDS);
                        rec.ends.resize(grown, 0);
                    }
                }
                ReadRecordResult::Record => {
                    rec.fields = ends;
                    return Ok(true);
                }
                ReadRecordResult::End => return Ok(false),
            }
        }
    }

    /// Appends `self.record` to the builders, or keeps it as malformed.
    fn push_record(&mut self, builders: &mut [StringBuilder], lines: &mut Vec<u64>) {
        let rec = &self.record;
        let ncols = builders.len();
        if rec.fields != ncols {
            let reason = format!("expected {ncols} fields, found {}", rec.fields);
            let raw = self.raw_text();
            self.malformed.push(Malformed {
                line: rec.line,
                reason,
                raw,
            });
            return;
        }
        let ends = &rec.ends[..ncols];
        match std::str::from_utf8(rec.bytes()) {
            // Each field must also end on a character boundary: the
            // concatenation can be valid while a field on its own is not.
            Ok(text) if ends.iter().all(|&e| text.is_char_boundary(e)) => {
                let mut start = 0;
                for (builder, &end) in builders.iter_mut().zip(ends) {
                    match text.get(start..end) {
                        Some("") | None => builder.append_null(),
                        Some(v) => builder.append_value(v),
                    }
                    start = end;
                }
                lines.push(rec.line);
            }
            _ if !self.encoding_check => {
                for (field, builder) in rec.iter().zip(builders.iter_mut()) {
                    if field.is_empty() {
                        builder.append_null();
                    } else {
                        builder.append_value(String::from_utf8_lossy(field));
                    }
                }
                lines.push(rec.line);
            }
            _ => {
                let reason = self.utf8_reason();
                let raw = self.raw_text();
                self.malformed.push(Malformed {
                    line: rec.line,
                    reason,
                    raw,
                });
            }
        }
    }

    /// Describes where the current record's invalid UTF-8 is.
    fn utf8_reason(&self) -> String {
        let start = self.record.byte + self.bom_len;
        let of = if self.gzip { " of the decompressed data" } else { "" };
        for (i, field) in self.record.iter().enumerate() {
            if let Err(e) = std::str::from_utf8(field) {
                let name = self.names.get(i).map_or("?", String::as_str);
                return format!(
                    "invalid UTF-8 in field {} ('{name}') at byte {} of the field; the record starts at byte offset {start}{of}",
                    i + 1,
                    e.valid_up_to()
                );
            }
        }
        format!("invalid UTF-8; the record starts at byte offset {start}{of}")
    }

    /// Re-joins the current record's fields for [`Malformed::raw`].
    fn raw_text(&self) -> String {
        let delim = char::from(self.delimiter);
        let quote = char::from(self.quote);
        let mut out = String::new();
        for (i, field) in self.record.iter().enumerate() {
            if i > 0 {
                out.push(delim);
            }
            let text = String::from_utf8_lossy(field);
            if text.contains([delim, quote, '\n', '\r']) {
                out.push(quote);
                for c in text.chars() {
                    if c == quote {
                        out.push(quote);
                    }
                    out.push(c);
                }
                out.push(quote);
            } else {
                out.push_str(&text);
            }
            if out.len() > MAX_RAW_BYTES {
                break;
            }
        }
        truncate_raw(out)
    }
}

/// Whether the file name ends in `.tsv` (optionally + `.gz`).
fn is_tsv(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".tsv")
}

/// Column names from a header record: trimmed; an empty name becomes
/// `column_N` (1-based); duplicates and invalid UTF-8 are errors.
fn header_names(record: &Record) -> Result<Vec<String>, String> {
    let mut names = Vec::with_capacity(record.fields);
    for (i, field) in record.iter().enumerate() {
        let name = std::str::from_utf8(field)
            .map_err(|e| {
                format!(
                    "column {} is not valid UTF-8 (at byte {} of the name)",
                    i + 1,
                    e.valid_up_to()
                )
            })?
            .trim();
        names.push(if name.is_empty() {
            format!("column_{}", i + 1)
        } else {
            name.to_string()
        });
    }
    let mut seen = std::collections::HashMap::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), i) {
            return Err(format!(
                "duplicate column name '{name}' (columns {} and {})",
                first + 1,
                i + 1
            ));
        }
    }
    Ok(names)
}

/// Picks the delimiter that occurs most often (outside quotes) on the first
/// line of `head`; `,` when none occurs. Ties go to the earlier candidate in
/// `, tab ; |`.
pub fn sniff_delimiter(head: &[u8], quote: u8) -> u8 {
    let mut counts = [0usize; SNIFF_CANDIDATES.len()];
    let mut in_quotes = false;
    for &b in head {
        if b == quote {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            if b == b'\n' || b == b'\r' {
                break;
            }
            if let Some(k) = SNIFF_CANDIDATES.iter().position(|&c| c == b) {
                counts[k] += 1;
            }
        }
    }
    let mut best = 0;
    for k in 1..counts.len() {
        if counts[k] > counts[best] {
            best = k;
        }
    }
    SNIFF_CANDIDATES[best]
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;
    use std::io::Write;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn write(dir: &tempfile::TempDir, name: &str, data: &[u8]) -> Result<PathBuf, io::Error> {
        let p = dir.path().join(name);
        std::fs::write(&p, data)?;
        Ok(p)
    }

    /// Reads everything: (names, rows as Option<String>, lines, malformed).
    #[allow(clippy::type_complexity)]
    fn read_all(
        path: &Path,
        opts: &ReadOptions,
    ) -> Result<(Vec<String>, Vec<Vec<Option<String>>>, Vec<u64>, Vec<Malformed>), ReadError> {
        let mut r = CsvReader::open(path, opts)?;
        let names = r.names().to_vec();
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        let mut bad = Vec::new();
        while let Some(b) = r.next_batch()? {
            assert_eq!(b.names, names);
            assert_eq!(b.columns.len(), names.len());
            for row in 0..b.num_rows() {
                rows.push(
                    b.columns
                        .iter()
                        .map(|c| {
                            if c.is_null(row) {
                                None
                            } else {
                                Some(c.value(row).to_string())
                            }
                        })
                        .collect(),
                );
            }
            lines.extend(&b.lines);
            bad.extend(r.take_malformed());
        }
        bad.extend(r.take_malformed());
        Ok((names, rows, lines, bad))
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn basic_quotes_newlines_crlf_bom() -> TestResult {
        let dir = tempfile::tempdir()?;
        let data = "\u{feff}id,name,note\r\n1,\"Li, Lei\",\"say \"\"hi\"\"\"\r\n2,,\"two\r\nlines\"\r\n\r\n3,王芳,\r\n";
        let p = write(&dir, "a.csv", data.as_bytes())?;
        let (names, rows, lines, bad) = read_all(&p, &ReadOptions::default())?;
        assert_eq!(names, ["id", "name", "note"]);
        assert_eq!(
            rows,
            vec![
                vec![s("1"), s("Li, Lei"), s("say \"hi\"")],
                vec![s("2"), None, s("two\r\nlines")],
                vec![s("3"), s("王芳"), None],
            ]
        );
        // Record 2 spans lines 3-4, line 5 is blank.
        assert_eq!(lines, [2, 3, 6]);
        assert!(bad.is_empty());
        Ok(())
    }

    #[test]
    fn sniffs_delimiters() -> TestResult {
        let dir = tempfile::tempdir()?;
        for (delim, name) in [
            (b';', "a.csv"),
            (b'\t', "b.txt"),
            (b'|', "c.csv"),
            (b',', "d.csv"),
            (b'\t', "e.tsv"),
        ] {
            let d = char::from(delim);
            let data = format!("a{d}b{d}\"c{d}x\"\n1{d}2{d}3\n");
            let p = write(&dir, name, data.as_bytes())?;
            let r = CsvReader::open(&p, &ReadOptions::default())?;
            assert_eq!(r.delimiter(), delim, "{name}");
            assert_eq!(r.names(), [String::from("a"), "b".into(), format!("c{d}x")]);
        }
        // A quoted comma in a semicolon file does not win.
        assert_eq!(sniff_delimiter(b"\"a,b,c\";d\n", b'"'), b';');
        // Nothing to go by: comma.
        assert_eq!(sniff_delimiter(b"single\n", b'"'), b',');
        // Only the first line counts.
        assert_eq!(sniff_delimiter(b"a;b\nc,d,e,f\n", b'"'), b';');
        Ok(())
    }

    #[test]
    fn explicit_delimiter_and_quote() -> TestResult {
        let dir = tempfile::tempdir()?;
        let p = write(&dir, "a.csv", b"a;b\n'x;y';2\n")?;
        let opts = ReadOptions {
            delimiter: Some(b';'),
            quote: b'\'',
            ..ReadOptions::default()
        };
        let (_, rows, _, _) = read_all(&p, &opts)?;
        assert_eq!(rows, vec![vec![s("x;y"), s("2")]]);
        let bad = ReadOptions {
            delimiter: Some(b'"'),
            ..ReadOptions::default()
        };
        assert!(matches!(
            CsvReader::open(&p, &bad),
            Err(ReadError::InvalidOptions { .. })
        ));
        Ok(())
    }

    #[test]
    fn ragged_rows_are_malformed() -> TestResult {
        let dir = tempfile::tempdir()?;
        let p = write(&dir, "a.csv", b"a,b\n1,2\n1,2,3\nx\n\"q,1\",\"multi\nline\",z\n5,6\n")?;
        let (_, rows, lines, bad) = read_all(&p, &ReadOptions::default())?;
        assert_eq!(rows, vec![vec![s("1"), s("2")], vec![s("5"), s("6")]]);
        assert_eq!(lines, [2, 7]);
        assert_eq!(bad.len(), 3);
        assert_eq!(
            (bad[0].line, bad[0].reason.as_str(), bad[0].raw.as_str()),
            (3, "expected 2 fields, found 3", "1,2,3")
        );
        assert_eq!((bad[1].line, bad[1].raw.as_str()), (4, "x"));
        assert_eq!(bad[1].reason, "expected 2 fields, found 1");
        assert_eq!((bad[2].line, bad[2].raw.as_str()), (5, "\"q,1\",\"multi\nline\",z"));
        Ok(())
    }

    #[test]
    fn invalid_utf8_rows() -> TestResult {
        let dir = tempfile::tempdir()?;
        // The UTF-8 check at open looks only at the first 64 KiB: put the bad row after it.
        let mut data = b"id,name\n".to_vec();
        for i in 0..10_000 {
            data.extend(format!("{i},名字{i}\n").as_bytes());
        }
        let bad_line = 10_002;
        let bad_offset = data.len();
        data.extend(b"x,\xC0\xAFbad\n");
        // A field boundary that splits a character: valid when concatenated.
        data.extend(b"\xE5,\xA5\xBD\n");
        data.extend(b"last,ok\n");
        let p = write(&dir, "a.csv", &data)?;
        let (_, rows, lines, bad) = read_all(&p, &ReadOptions::default())?;
        assert_eq!(rows.len(), 10_001);
        assert_eq!(lines.last(), Some(&10_004));
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[0].line, bad_line);
        assert!(bad[0].reason.contains("field 2 ('name')"), "{}", bad[0].reason);
        assert!(
            bad[0].reason.contains(&format!("byte offset {bad_offset}")),
            "{}",
            bad[0].reason
        );
        assert_eq!(bad[0].raw, "x,\u{FFFD}\u{FFFD}bad");
        assert_eq!(bad[1].line, bad_line + 1);

        // Without the check: replaced and delivered.
        let opts = ReadOptions {
            encoding_check: false,
            ..ReadOptions::default()
        };
        let (_, rows, _, bad) = read_all(&p, &opts)?;
        assert!(bad.is_empty());
        assert_eq!(rows[10_000], vec![s("x"), s("\u{FFFD}\u{FFFD}bad")]);
        Ok(())
    }

    #[test]
    fn non_utf8_file_refused_at_open() -> TestResult {
        let dir = tempfile::tempdir()?;
        // "姓名" in GBK.
        let p = write(&dir, "gbk.csv", b"id,\xD0\xD5\xC3\xFB\n1,2\n")?;
        match CsvReader::open(&p, &ReadOptions::default()) {
            Err(ReadError::Encoding { offset, .. }) => assert_eq!(offset, 3),
            Err(e) => return Err(e.into()),
            Ok(_) => return Err("expected an encoding error".into()),
        }
        let opts = ReadOptions {
            encoding_check: false,
            has_header: false,
            ..ReadOptions::default()
        };
        let (names, rows, _, _) = read_all(&p, &opts)?;
        assert_eq!(names, ["column_1", "column_2"]);
        assert_eq!(rows.len(), 2);
        Ok(())
    }

    #[test]
    fn header_handling() -> TestResult {
        let dir = tempfile::tempdir()?;
        let p = write(&dir, "a.csv", b" id , ,name\n1,2,3\n")?;
        let (names, _, _, _) = read_all(&p, &ReadOptions::default())?;
        assert_eq!(names, ["id", "column_2", "name"]);

        let p = write(&dir, "dup.csv", b"id,name,id\n")?;
        match CsvReader::open(&p, &ReadOptions::default()) {
            Err(ReadError::Header { line: 1, reason, .. }) => assert!(reason.contains("'id' (columns 1 and 3)")),
            other => return Err(format!("unexpected {:?}", other.err()).into()),
        }

        // No header: first record is data on line 1.
        let p = write(&dir, "nh.csv", b"1,2\n3,4\n")?;
        let opts = ReadOptions {
            has_header: false,
            ..ReadOptions::default()
        };
        let (names, rows, lines, _) = read_all(&p, &opts)?;
        assert_eq!(names, ["column_1", "column_2"]);
        assert_eq!(rows, vec![vec![s("1"), s("2")], vec![s("3"), s("4")]]);
        assert_eq!(lines, [1, 2]);
        Ok(())
    }

    #[test]
    fn empty_and_header_only() -> TestResult {
        let dir = tempfile::tempdir()?;
        let p = write(&dir, "e.csv", b"")?;
        let mut r = CsvReader::open(&p, &ReadOptions::default())?;
        assert!(r.names().is_empty());
        assert!(r.next_batch()?.is_none());
        let p = write(&dir, "h.csv", b"\xEF\xBB\xBFa,b\r\n")?;
        let mut r = CsvReader::open(&p, &ReadOptions::default())?;
        assert_eq!(r.names(), ["a", "b"]);
        assert!(r.next_batch()?.is_none());
        assert!(r.next_batch()?.is_none());
        Ok(())
    }

    #[test]
    fn batches_and_gzip() -> TestResult {
        let dir = tempfile::tempdir()?;
        let mut text = String::from("n,sq\n");
        for i in 0..1000 {
            text.push_str(&format!("{i},{}\n", i * i));
        }
        let p = dir.path().join("big.csv.gz");
        let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&p)?, flate2::Compression::default());
        enc.write_all(text.as_bytes())?;
        enc.finish()?;
        let opts = ReadOptions {
            batch_rows: 300,
            ..ReadOptions::default()
        };
        let mut r = CsvReader::open(&p, &opts)?;
        let mut sizes = Vec::new();
        let mut next_line = 2;
        while let Some(b) = r.next_batch()? {
            sizes.push(b.num_rows());
            for (row, &line) in b.lines.iter().enumerate() {
                assert_eq!(line, next_line);
                let n = line - 2;
                assert_eq!(b.columns[0].value(row), n.to_string());
                assert_eq!(b.columns[1].value(row), (n * n).to_string());
                next_line += 1;
            }
        }
        assert_eq!(sizes, [300, 300, 300, 100]);
        assert_eq!(r.bytes_read(), r.total_bytes().unwrap_or(0));
        Ok(())
    }

    #[test]
    fn truncated_gzip_is_an_error() -> TestResult {
        let dir = tempfile::tempdir()?;
        let mut text = String::from("n,s\n");
        for i in 0..200_000 {
            text.push_str(&format!("{i},{}\n", i * 7919 % 100_003));
        }
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(text.as_bytes())?;
        let gz = enc.finish()?;
        let p = write(&dir, "t.csv.gz", &gz[..gz.len() / 2])?;
        let mut r = CsvReader::open(&p, &ReadOptions::default())?;
        let err = loop {
            match r.next_batch() {
                Ok(Some(_)) => {}
                Ok(None) => return Err("a truncated gzip file must not end quietly".into()),
                Err(e) => break e,
            }
        };
        assert!(matches!(err, ReadError::Io { line: Some(_), .. }), "{err}");
        Ok(())
    }

    #[test]
    fn malformed_rows_end_a_batch_early() -> TestResult {
        let dir = tempfile::tempdir()?;
        let mut text = String::from("a,b\n");
        for _ in 0..25 {
            text.push_str("only-one\n");
        }
        text.push_str("1,2\n");
        let p = write(&dir, "m.csv", text.as_bytes())?;
        let opts = ReadOptions {
            batch_rows: 10,
            ..ReadOptions::default()
        };
        let mut r = CsvReader::open(&p, &opts)?;
        let mut seen = Vec::new();
        while let Some(b) = r.next_batch()? {
            let bad = r.take_malformed();
            assert!(b.num_rows() + bad.len() <= 10);
            seen.push((b.num_rows(), bad.len()));
        }
        assert_eq!(seen, [(0, 10), (0, 10), (1, 5)]);
        Ok(())
    }

    #[test]
    fn random_files_never_panic() -> TestResult {
        let dir = tempfile::tempdir()?;
        let pieces: [&[u8]; 9] = [b"a", b",", b"\"", b"\n", b"\r\n", b"\xC3\xA9", b"\xFF", b";", b"\"\""];
        let mut state: u64 = 0x1234_5678_9ABC_DEF1;
        for case in 0..300 {
            let mut data = b"x,y\n".to_vec();
            for _ in 0..(case % 60) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                data.extend(pieces[(state % pieces.len() as u64) as usize]);
            }
            let p = write(&dir, "r.csv", &data)?;
            for (batch_rows, encoding_check) in [(1, false), (3, true), (1000, true)] {
                let opts = ReadOptions {
                    batch_rows,
                    encoding_check,
                    delimiter: Some(b','),
                    ..ReadOptions::default()
                };
                let (names, rows, lines, bad) = match read_all(&p, &opts) {
                    Err(ReadError::Encoding { .. }) if encoding_check => continue,
                    other => other?,
                };
                assert_eq!(names, ["x", "y"]);
                assert!(rows.iter().all(|r| r.len() == 2));
                let mut all: Vec<u64> = lines.iter().copied().chain(bad.iter().map(|m| m.line)).collect();
                let n = all.len();
                all.sort_unstable();
                all.dedup();
                assert_eq!(all.len(), n, "each record has its own start line");
                assert!(all.iter().all(|&l| l >= 2));
            }
        }
        Ok(())
    }

    #[test]
    fn unterminated_quote_is_bounded() -> TestResult {
        let dir = tempfile::tempdir()?;
        let p = dir.path().join("q.csv");
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p)?);
        f.write_all(b"a,b\n1,2\n3,\"open\n")?;
        let line = vec![b'x'; 1023];
        for _ in 0..(MAX_RECORD_BYTES / 1024 + 2048) {
            f.write_all(&line)?;
            f.write_all(b"\n")?;
        }
        f.flush()?;
        drop(f);
        let mut r = CsvReader::open(&p, &ReadOptions::default())?;
        let err = loop {
            match r.next_batch() {
                Ok(Some(_)) => {}
                Ok(None) => return Err("expected an error".into()),
                Err(e) => break e,
            }
        };
        assert!(matches!(err, ReadError::RecordTooLarge { line: 3, .. }), "{err}");
        Ok(())
    }
}
