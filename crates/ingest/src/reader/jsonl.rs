//! Streaming JSON Lines reader.
//!
//! One JSON object per line. The columns are the union of the keys in order of
//! first appearance: the first batch is read at open so that
//! [`names`](JsonLinesReader::names) is known, and a key first seen later is
//! appended to the names (a later batch then has more columns than an earlier
//! one; the existing ones keep their positions).
//!
//! Values are delivered as text exactly as written: strings unescaped, numbers
//! with their original digits (`1.50` stays `1.50`, big integers are not
//! rounded), `true`/`false`, nested objects and arrays as their JSON text;
//! `null` and a missing key are absent (`None`), an empty string is `Some("")`.
//! Blank lines are skipped (but counted). A line that is not a JSON object, or
//! has a duplicate key, or is not UTF-8, or is longer than [`MAX_RECORD_BYTES`]
//! is reported as [`Malformed`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow::array::{StringArray, StringBuilder};
use serde::de::IgnoredAny;

use super::RawBatch;
use super::file::{
    MAX_RECORD_BYTES, Malformed, ReadError, ReadOptions, TextInput, check_head_utf8, open_text, truncate_raw,
};

/// Streaming reader of JSON Lines. See the [module docs](self).
pub struct JsonLinesReader {
    path: PathBuf,
    input: BufReader<Box<dyn Read + Send>>,
    names: Vec<String>,
    index: HashMap<String, usize>,
    batch_rows: usize,
    encoding_check: bool,
    gzip: bool,
    /// Lines read so far.
    line_no: u64,
    /// Text offset of the next line's first byte.
    offset: u64,
    /// Reused line buffer.
    buf: Vec<u8>,
    /// Column order of the previous row: a guess for the next one.
    last_order: Vec<usize>,
    /// The batch read at open.
    pending: Option<RawBatch>,
    malformed: Vec<Malformed>,
    done: bool,
    counter: Arc<AtomicU64>,
    total: u64,
}

/// One parsed value: `None` for JSON null.
type Field<'a> = (Cow<'a, str>, Option<Cow<'a, str>>);

impl JsonLinesReader {
    /// Opens a JSON Lines file and reads its first batch to learn the columns.
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<Self, ReadError> {
        let TextInput {
            head,
            stream,
            counter,
            total,
            gzip,
            bom_len,
        } = open_text(path)?;
        if opts.batch_rows == 0 {
            return Err(ReadError::InvalidOptions {
                path: path.to_path_buf(),
                reason: "batch_rows must be at least 1".to_string(),
            });
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
        drop(head);
        let mut reader = JsonLinesReader {
            path: path.to_path_buf(),
            input: BufReader::with_capacity(1 << 20, stream),
            names: Vec::new(),
            index: HashMap::new(),
            batch_rows: opts.batch_rows,
            encoding_check: opts.encoding_check,
            gzip,
            line_no: 0,
            offset: bom_len,
            buf: Vec::new(),
            last_order: Vec::new(),
            pending: None,
            malformed: Vec::new(),
            done: false,
            counter,
            total,
        };
        reader.pending = reader.read_batch()?;
        Ok(reader)
    }

    /// Column names in order of first appearance (grows as new keys are met).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Bytes read from the file so far (compressed bytes for gzip).
    pub fn bytes_read(&self) -> u64 {
        self.counter.load(Ordering::Relaxed)
    }

    /// Size of the file on disk.
    pub fn total_bytes(&self) -> Option<u64> {
        Some(self.total)
    }

    /// Takes the rows that could not be read since the last call; call it
    /// after every [`next_batch`](Self::next_batch).
    pub fn take_malformed(&mut self) -> Vec<Malformed> {
        std::mem::take(&mut self.malformed)
    }

    /// Reads the next batch of up to `batch_rows` rows; `None` at the end.
    /// A batch may hold zero rows when every line read for it was malformed.
    pub fn next_batch(&mut self) -> Result<Option<RawBatch>, ReadError> {
        if let Some(batch) = self.pending.take() {
            return Ok(Some(batch));
        }
        self.read_batch()
    }

    fn read_batch(&mut self) -> Result<Option<RawBatch>, ReadError> {
        if self.done {
            return Ok(None);
        }
        let cap = self.batch_rows.min(1 << 16);
        let mut builders: Vec<StringBuilder> = (0..self.names.len())
            .map(|_| StringBuilder::with_capacity(cap, cap * 16))
            .collect();
        let mut lines = Vec::with_capacity(cap);
        let mut filled: Vec<bool> = vec![false; self.names.len()];
        let mut buf = std::mem::take(&mut self.buf);
        let malformed_before = self.malformed.len();

        while lines.len() + (self.malformed.len() - malformed_before) < self.batch_rows {
            buf.clear();
            let start = self.offset;
            let (n, complete) = match read_line_capped(&mut self.input, &mut buf) {
                Ok(r) => r,
                Err(source) => {
                    self.buf = buf;
                    return Err(ReadError::Io {
                        path: self.path.clone(),
                        line: Some(self.line_no + 1),
                        source,
                    });
                }
            };
            if n == 0 {
                self.done = true;
                break;
            }
            self.line_no += 1;
            self.offset += n as u64;
            let line = self.line_no;
            if !complete {
                let reason = format!("line longer than {MAX_RECORD_BYTES} bytes");
                let raw = truncate_raw(String::from_utf8_lossy(&buf).into_owned());
                self.malformed.push(Malformed { line, reason, raw });
                continue;
            }
            let mut body: &[u8] = &buf;
            if let Some(rest) = body.strip_suffix(b"\n") {
                body = rest.strip_suffix(b"\r").unwrap_or(rest);
            }
            if body.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let text: Cow<'_, str> = match std::str::from_utf8(body) {
                Ok(t) => Cow::Borrowed(t),
                Err(_) if !self.encoding_check => String::from_utf8_lossy(body),
                Err(e) => {
                    let of = if self.gzip { " of the decompressed data" } else { "" };
                    let reason = format!(
                        "invalid UTF-8 at byte offset {}{of} (byte {} of the line)",
                        start + e.valid_up_to() as u64,
                        e.valid_up_to()
                    );
                    let raw = truncate_raw(String::from_utf8_lossy(body).into_owned());
                    self.malformed.push(Malformed { line, reason, raw });
                    continue;
                }
            };
            match parse_object(&text, self.last_order.len()) {
                Ok(fields) => {
                    self.append_row(fields, &mut builders, &mut filled, lines.len());
                    lines.push(line);
                }
                Err(reason) => {
                    let raw = truncate_raw(text.into_owned());
                    self.malformed.push(Malformed { line, reason, raw });
                }
            }
        }
        self.buf = buf;
        if lines.is_empty() && self.malformed.len() == malformed_before {
            return Ok(None);
        }
        let columns: Vec<StringArray> = builders.iter_mut().map(|b| b.finish()).collect();
        Ok(Some(RawBatch {
            names: self.names.clone(),
            lines,
            columns,
        }))
    }

    /// Appends one parsed row; new keys become new columns (null for the
    /// earlier rows of this batch).
    fn append_row(
        &mut self,
        fields: Vec<Field<'_>>,
        builders: &mut Vec<StringBuilder>,
        filled: &mut Vec<bool>,
        rows_before: usize,
    ) {
        let mut order = std::mem::take(&mut self.last_order);
        let guesses = order.len();
        for (k, (key, value)) in fields.iter().enumerate() {
            let guess = if k < guesses { order.get(k).copied() } else { None };
            let col = match guess {
                Some(c) if self.names.get(c).is_some_and(|n| n == key) => c,
                _ => match self.index.get(key.as_ref()) {
                    Some(&c) => c,
                    None => {
                        let c = self.names.len();
                        self.names.push(key.to_string());
                        self.index.insert(key.to_string(), c);
                        let mut b = StringBuilder::with_capacity(self.batch_rows.min(1 << 16), 1024);
                        b.append_nulls(rows_before);
                        builders.push(b);
                        filled.push(false);
                        c
                    }
                },
            };
            if k < order.len() {
                order[k] = col;
            } else {
                order.push(col);
            }
            filled[col] = true;
            match value {
                Some(v) => builders[col].append_value(v),
                None => builders[col].append_null(),
            }
        }
        order.truncate(fields.len());
        self.last_order = order;
        for (b, f) in builders.iter_mut().zip(filled.iter_mut()) {
            if !*f {
                b.append_null();
            }
            *f = false;
        }
    }
}

/// Reads one line (with its `\n`) into `buf`, at most [`MAX_RECORD_BYTES`];
/// the rest of a longer line is skipped. Returns the bytes consumed and whether
/// the line was complete.
fn read_line_capped<R: BufRead>(input: &mut R, buf: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
    let n = input.by_ref().take(MAX_RECORD_BYTES as u64).read_until(b'\n', buf)?;
    if n < MAX_RECORD_BYTES || buf.last() == Some(&b'\n') {
        return Ok((n, true));
    }
    let skipped = input.skip_until(b'\n')?;
    Ok((n + skipped, skipped == 0))
}

/// Parses one line as a JSON object into (key, value text) pairs in document order.
///
/// One strict pass over the line validates and splits it; only when it fails is
/// the line parsed again by `serde_json`, for a precise message.
fn parse_object(text: &str, capacity: usize) -> Result<Vec<Field<'_>>, String> {
    let bytes = text.as_bytes();
    let mut p = skip_ws(bytes, 0);
    if bytes.get(p) != Some(&b'{') {
        return Err(match serde_json::from_str::<IgnoredAny>(text) {
            Err(e) => format!("invalid JSON: {e}"),
            Ok(_) => format!("expected a JSON object, found {}", kind_of(bytes.get(p).copied())),
        });
    }
    let fields = split_object(text, &mut p, capacity).map_err(|reason| {
        reason.unwrap_or_else(|| match serde_json::from_str::<IgnoredAny>(text) {
            Err(e) => format!("invalid JSON: {e}"),
            // Not expected: the strict pass and serde_json disagree.
            Ok(_) => "invalid JSON".to_string(),
        })
    })?;
    if let Some(key) = first_duplicate(&fields) {
        return Err(format!("duplicate key '{key}'"));
    }
    Ok(fields)
}

/// Splits the object starting at `*p` (at `{`) and checks that only
/// whitespace follows it. The error is `None` for a syntax error, or the
/// reason a string could not be decoded.
fn split_object<'a>(text: &'a str, p: &mut usize, capacity: usize) -> Result<Vec<Field<'a>>, Option<String>> {
    let bytes = text.as_bytes();
    let mut fields: Vec<Field<'a>> = Vec::with_capacity(capacity);
    *p = skip_ws(bytes, *p + 1);
    if bytes.get(*p) == Some(&b'}') {
        *p += 1;
    } else {
        loop {
            if bytes.get(*p) != Some(&b'"') {
                return Err(None);
            }
            let (key_end, escaped) = scan_string(bytes, *p).map_err(|()| None)?;
            let key = string_value(&text[*p..key_end], escaped).map_err(Some)?;
            *p = skip_ws(bytes, key_end);
            if bytes.get(*p) != Some(&b':') {
                return Err(None);
            }
            *p = skip_ws(bytes, *p + 1);
            let start = *p;
            let (end, value) = if bytes.get(start) == Some(&b'"') {
                let (end, escaped) = scan_string(bytes, start).map_err(|()| None)?;
                (end, Some(string_value(&text[start..end], escaped).map_err(Some)?))
            } else {
                let end = scan_value(bytes, start, 0).map_err(|()| None)?;
                let value = (bytes.get(start) != Some(&b'n')).then(|| Cow::Borrowed(&text[start..end]));
                (end, value)
            };
            fields.push((key, value));
            *p = skip_ws(bytes, end);
            match bytes.get(*p) {
                Some(b',') => *p = skip_ws(bytes, *p + 1),
                Some(b'}') => {
                    *p += 1;
                    break;
                }
                _ => return Err(None),
            }
        }
    }
    if skip_ws(bytes, *p) != bytes.len() {
        return Err(None);
    }
    Ok(fields)
}

/// The first key that occurs twice, if any.
fn first_duplicate<'a>(fields: &'a [Field<'_>]) -> Option<&'a str> {
    if fields.len() <= 32 {
        for (i, (key, _)) in fields.iter().enumerate() {
            if fields[..i].iter().any(|(k, _)| k == key) {
                return Some(key);
            }
        }
        None
    } else {
        let mut seen = std::collections::HashSet::with_capacity(fields.len());
        fields.iter().map(|(k, _)| k.as_ref()).find(|k| !seen.insert(*k))
    }
}

fn kind_of(b: Option<u8>) -> &'static str {
    match b {
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(_) => "a number",
        None => "nothing",
    }
}

fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while p < b.len() && matches!(b[p], b' ' | b'\t' | b'\n' | b'\r') {
        p += 1;
    }
    p
}

/// Deepest nesting accepted (as `serde_json`).
const MAX_DEPTH: usize = 128;

/// Validates the string starting with the quote at `p`; returns its end
/// (exclusive) and whether it contains escapes. The text is already known to
/// be UTF-8.
fn scan_string(b: &[u8], p: usize) -> Result<(usize, bool), ()> {
    let mut i = p + 1;
    let mut escaped = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => return Ok((i + 1, escaped)),
            b'\\' => {
                escaped = true;
                let hex4 = |k: usize| b.get(k..k + 4).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
                match b.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                    Some(b'u') if hex4(i + 2) => i += 6,
                    _ => return Err(()),
                }
            }
            c if c < 0x20 => return Err(()),
            _ => i += 1,
        }
    }
    Err(())
}

/// Validates the number starting at `p`; returns its end (exclusive).
fn scan_number(b: &[u8], p: usize) -> Result<usize, ()> {
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = p;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(i),
        _ => return Err(()),
    }
    if b.get(i) == Some(&b'.') {
        let j = digits(i + 1);
        if j == i + 1 {
            return Err(());
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = digits(i);
        if j == i {
            return Err(());
        }
        i = j;
    }
    Ok(i)
}

/// Validates the value starting at `p`; returns its end (exclusive).
fn scan_value(b: &[u8], p: usize, depth: usize) -> Result<usize, ()> {
    match b.get(p) {
        Some(b'"') => scan_string(b, p).map(|(end, _)| end),
        Some(b'-' | b'0'..=b'9') => scan_number(b, p),
        Some(b't') if b[p..].starts_with(b"true") => Ok(p + 4),
        Some(b'f') if b[p..].starts_with(b"false") => Ok(p + 5),
        Some(b'n') if b[p..].starts_with(b"null") => Ok(p + 4),
        Some(&open @ (b'[' | b'{')) => {
            if depth >= MAX_DEPTH {
                return Err(());
            }
            let close = if open == b'[' { b']' } else { b'}' };
            let mut i = skip_ws(b, p + 1);
            if b.get(i) == Some(&close) {
                return Ok(i + 1);
            }
            loop {
                if open == b'{' {
                    if b.get(i) != Some(&b'"') {
                        return Err(());
                    }
                    i = skip_ws(b, scan_string(b, i)?.0);
                    if b.get(i) != Some(&b':') {
                        return Err(());
                    }
                    i = skip_ws(b, i + 1);
                }
                i = skip_ws(b, scan_value(b, i, depth + 1)?);
                match b.get(i) {
                    Some(b',') => i = skip_ws(b, i + 1),
                    Some(&c) if c == close => return Ok(i + 1),
                    _ => return Err(()),
                }
            }
        }
        _ => Err(()),
    }
}

/// The content of a (validated) JSON string literal, quotes included.
fn string_value(lit: &str, escaped: bool) -> Result<Cow<'_, str>, String> {
    if !escaped {
        return Ok(Cow::Borrowed(lit.get(1..lit.len().saturating_sub(1)).unwrap_or("")));
    }
    serde_json::from_str::<String>(lit)
        .map(Cow::Owned)
        .map_err(|e| format!("invalid JSON string: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn rows(b: &RawBatch) -> Vec<Vec<Option<&str>>> {
        (0..b.num_rows())
            .map(|r| {
                b.columns
                    .iter()
                    .map(|c| if c.is_null(r) { None } else { Some(c.value(r)) })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn values_and_schema_growth() -> TestResult {
        let dir = tempfile::tempdir()?;
        let p = dir.path().join("a.jsonl");
        let data = concat!(
            "\u{feff}{\"id\": \"C1\", \"n\": 1.50, \"ok\": true, \"tags\": [1, {\"a\": \"]\"}], \"none\": null}\r\n",
            "\n",
            "{\"n\": 123456789012345678901234, \"id\": \"C\\u00e9\\n\", \"extra\": {\"k\": \"v\"}}\n",
            "   \n",
            "{\"id\":\"\"}",
        );
        std::fs::write(&p, data)?;
        let mut r = JsonLinesReader::open(&p, &ReadOptions::default())?;
        assert_eq!(r.names(), ["id", "n", "ok", "tags", "none", "extra"]);
        let b = r.next_batch()?.ok_or("no batch")?;
        assert_eq!(b.lines, [1, 3, 5]);
        assert_eq!(
            rows(&b),
            vec![
                vec![
                    Some("C1"),
                    Some("1.50"),
                    Some("true"),
                    Some("[1, {\"a\": \"]\"}]"),
                    None,
                    None
                ],
                vec![
                    Some("Cé\n"),
                    Some("123456789012345678901234"),
                    None,
                    None,
                    None,
                    Some("{\"k\": \"v\"}")
                ],
                vec![Some(""), None, None, None, None, None],
            ]
        );
        assert!(r.next_batch()?.is_none());
        assert!(r.take_malformed().is_empty());
        Ok(())
    }

    #[test]
    fn new_keys_in_later_batches() -> TestResult {
        let dir = tempfile::tempdir()?;
        let p = dir.path().join("a.ndjson");
        std::fs::write(&p, "{\"a\":1}\n{\"a\":2}\n{\"b\":3,\"a\":4}\n")?;
        let opts = ReadOptions {
            batch_rows: 2,
            ..ReadOptions::default()
        };
        let mut r = JsonLinesReader::open(&p, &opts)?;
        assert_eq!(r.names(), ["a"]);
        let b1 = r.next_batch()?.ok_or("no batch")?;
        assert_eq!(b1.names, ["a"]);
        let b2 = r.next_batch()?.ok_or("no batch")?;
        assert_eq!(b2.names, ["a", "b"]);
        assert_eq!(rows(&b2), vec![vec![Some("4"), Some("3")]]);
        assert_eq!(r.names(), ["a", "b"]);
        Ok(())
    }

    #[test]
    fn malformed_lines() -> TestResult {
        let dir = tempfile::tempdir()?;
        let p = dir.path().join("a.json");
        // The encoding check at open reads 64 KiB: start with 10,000 good lines.
        let mut data = b"{\"a\":1}\n".repeat(10_000);
        data.extend(b"{\"a\":\n[1,2]\n{\"a\":1,\"a\":2}\n\"str\"\n");
        let bad_offset = data.len() + 6;
        data.extend(b"{\"a\":\"\xFF\"}\n{\"a\":3} trailing\n{\"a\":5}\n");
        std::fs::write(&p, &data)?;
        let mut r = JsonLinesReader::open(&p, &ReadOptions::default())?;
        let b = r.next_batch()?.ok_or("no batch")?;
        assert_eq!(b.num_rows(), 10_001);
        assert_eq!(b.lines[10_000], 10_007);
        let bad = r.take_malformed();
        let lines: Vec<u64> = bad.iter().map(|m| m.line).collect();
        assert_eq!(lines, [10_001, 10_002, 10_003, 10_004, 10_005, 10_006]);
        assert!(bad[0].reason.starts_with("invalid JSON: EOF"), "{}", bad[0].reason);
        assert_eq!(bad[1].reason, "expected a JSON object, found an array");
        assert_eq!(bad[2].reason, "duplicate key 'a'");
        assert_eq!(bad[3].reason, "expected a JSON object, found a string");
        assert!(
            bad[4].reason.contains(&format!("byte offset {bad_offset}")),
            "{}",
            bad[4].reason
        );
        assert!(bad[5].reason.contains("trailing characters"), "{}", bad[5].reason);
        assert_eq!(bad[1].raw, "[1,2]");
        Ok(())
    }

    #[test]
    fn gzip_and_empty() -> TestResult {
        use std::io::Write;
        let dir = tempfile::tempdir()?;
        let p = dir.path().join("a.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(std::fs::File::create(&p)?, flate2::Compression::fast());
        for i in 0..100 {
            writeln!(enc, "{{\"i\":{i}}}")?;
        }
        enc.finish()?;
        let mut r = JsonLinesReader::open(
            &p,
            &ReadOptions {
                batch_rows: 64,
                ..ReadOptions::default()
            },
        )?;
        let mut n = 0;
        while let Some(b) = r.next_batch()? {
            n += b.num_rows();
        }
        assert_eq!(n, 100);
        assert_eq!(r.bytes_read(), r.total_bytes().unwrap_or(0));

        let p = dir.path().join("e.jsonl");
        std::fs::write(&p, "\n\n")?;
        let mut r = JsonLinesReader::open(&p, &ReadOptions::default())?;
        assert!(r.names().is_empty());
        assert!(r.next_batch()?.is_none());
        Ok(())
    }

    #[test]
    fn parse_object_edge_cases() {
        let f = parse_object(r#" { "a" : "x\"y" , "b":-1.5e3,"c":{"d":[]} } "#, 0);
        let Ok(f) = f else { panic!("{f:?}") };
        assert_eq!(f[0], (Cow::Borrowed("a"), Some(Cow::Owned("x\"y".to_string()))));
        assert_eq!(f[1].1.as_deref(), Some("-1.5e3"));
        assert_eq!(f[2].1.as_deref(), Some("{\"d\":[]}"));
        assert_eq!(parse_object("{}", 0).map(|v| v.len()), Ok(0));
        assert!(parse_object("{\"a\":01}", 0).is_err());
        assert!(parse_object("{'a':1}", 0).is_err());
        assert_eq!(
            parse_object("42", 0).err().as_deref(),
            Some("expected a JSON object, found a number")
        );
    }

    #[test]
    fn strict_scanner_agrees_with_serde_json() {
        let deep_ok = format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100));
        let too_deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        let cases = [
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":tru}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":"\q"}"#,
            r#"{"a":"\u12G4"}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":-}"#,
            r#"{"a":.5}"#,
            r#"{"a":1e}"#,
            r#"{"a":1}}"#,
            r#"{"a":1} x"#,
            r#"{"a":{"b":1,}}"#,
            r#"{"a":{1:2}}"#,
            r#"{"a":"\uD800"}"#,
            r#"{a:1}"#,
            r#"{"a":NaN}"#,
            r#"{"a":"\u00e9\n\/"}"#,
            r#"{"a":-0.5E+3,"b":0,"c":1e-2}"#,
            r#"{"a":[[],{},[{"x":[null,true,false]}]]}"#,
            r#"  {  }  "#,
            deep_ok.as_str(),
            too_deep.as_str(),
        ];
        for case in cases {
            let ours = parse_object(case, 0).is_ok();
            let serde = serde_json::from_str::<serde_json::Value>(case).is_ok_and(|v| v.is_object());
            assert_eq!(ours, serde, "{case}");
            if !ours {
                let reason = parse_object(case, 0).err().unwrap_or_default();
                assert!(reason.starts_with("invalid JSON"), "{case}: {reason}");
            }
        }
    }

    #[test]
    fn random_lines_never_panic_and_agree_with_serde_json() {
        // Deterministic pseudo-random lines over a JSON-heavy alphabet.
        let alphabet: Vec<char> = "{}[]:,\"\\ab01-.eE+ntrufls \u{1}é".chars().collect();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..50_000 {
            let len = (next() % 16) as usize;
            let mut line = String::from("{\"k\":");
            for _ in 0..len {
                line.push(alphabet[(next() % alphabet.len() as u64) as usize]);
            }
            let ours = parse_object(&line, 0);
            let serde = serde_json::from_str::<serde_json::Value>(&line);
            let serde_ok = serde.as_ref().is_ok_and(|v| v.is_object());
            match ours {
                Ok(_) => assert!(serde_ok, "{line:?}"),
                Err(reason) if reason.starts_with("duplicate key") => {}
                Err(reason) => assert!(!serde_ok, "{line:?}: {reason}"),
            }
        }
    }

    #[test]
    fn capped_line_reader() -> TestResult {
        let mut data = vec![b'x'; MAX_RECORD_BYTES + 10];
        data.extend(b"\n{}\n");
        let mut input = std::io::Cursor::new(data);
        let mut buf = Vec::new();
        let (n, complete) = read_line_capped(&mut input, &mut buf)?;
        assert_eq!((n, complete), (MAX_RECORD_BYTES + 11, false));
        buf.clear();
        assert_eq!(read_line_capped(&mut input, &mut buf)?, (3, true));
        assert_eq!(buf, b"{}\n");
        Ok(())
    }
}
