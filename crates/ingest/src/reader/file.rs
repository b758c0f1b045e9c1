//! What every file reader shares: the options, the error type, the record of a
//! row that could not be read ([`Malformed`]), format detection from the file
//! name, and opening a text input (transparent gzip by magic bytes, UTF-8 BOM
//! stripped, byte counting for progress).

use std::fmt;
use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

/// Default number of rows per [`RawBatch`](super::RawBatch).
pub const DEFAULT_BATCH_ROWS: usize = 65_536;

/// Largest CSV record or JSON line accepted, in bytes.
///
/// Memory stays bounded even when a file is broken: a CSV quote that is never
/// closed would otherwise turn the rest of the file into one record held in
/// memory. A CSV record larger than this is a fatal [`ReadError::RecordTooLarge`]
/// (nothing after an unterminated quote can be trusted); an over-long JSON line
/// is reported as a [`Malformed`] row and reading goes on with the next line.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// How many leading bytes of a text file are looked at before reading: for the
/// delimiter sniffer and the up-front encoding check.
pub(crate) const HEAD_BYTES: usize = 64 << 10;

/// Input file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Delimited text (`.csv`, `.tsv`, `.txt`).
    Csv,
    /// One JSON object per line (`.jsonl`, `.ndjson`, `.json`).
    JsonLines,
    /// Apache Parquet (`.parquet`).
    Parquet,
}

impl Format {
    /// The format implied by a file name: `.csv`, `.tsv`, `.txt` → CSV;
    /// `.jsonl`, `.ndjson`, `.json` → JSON Lines; `.parquet` → Parquet; each
    /// optionally followed by `.gz`. Case-insensitive. `None` for anything else.
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = Path::new(name).extension()?.to_str()?;
        Format::from_name(ext)
    }

    /// Parses a format name as written in configuration or on the command
    /// line: `csv`/`tsv`/`txt`, `jsonl`/`ndjson`/`json`, `parquet`
    /// (case-insensitive).
    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" | "jsonlines" | "json_lines" => Some(Format::JsonLines),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
            Format::Parquet => "parquet",
        })
    }
}

/// How to read a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// The file format; `None` = from the file extension ([`Format::from_path`]).
    pub format: Option<Format>,
    /// CSV field delimiter; `None` = sniffed from the header line among
    /// `,` `;` tab `|` (a `.tsv` file defaults to tab).
    pub delimiter: Option<u8>,
    /// CSV quote character (default `"`); a doubled quote inside a quoted field
    /// stands for one quote.
    pub quote: u8,
    /// Whether the first CSV record holds the column names (default `true`).
    /// Without a header the columns are named `column_1`, `column_2`, …
    pub has_header: bool,
    /// Maximum rows per batch (default [`DEFAULT_BATCH_ROWS`]).
    pub batch_rows: usize,
    /// Text files only. `true` (default): a file whose first 64 KiB are not
    /// UTF-8 is refused at open ([`ReadError::Encoding`], with a hint to
    /// convert it), and any later row with invalid UTF-8 is reported as
    /// [`Malformed`] with its byte offset. `false`: invalid byte sequences are
    /// replaced by U+FFFD and the row is delivered.
    pub encoding_check: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: None,
            delimiter: None,
            quote: b'"',
            has_header: true,
            batch_rows: DEFAULT_BATCH_ROWS,
            encoding_check: true,
        }
    }
}

/// A row that could not be read. It is not part of any [`RawBatch`](super::RawBatch):
/// the caller takes these with `take_malformed` after each batch and puts them
/// in quarantine, so that nothing is dropped silently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// Where the row starts: the physical line for text files (header = line 1),
    /// the 1-based row ordinal for Parquet.
    pub line: u64,
    /// Why it could not be read, in English (for invalid UTF-8 including the
    /// byte offset).
    pub reason: String,
    /// The row as text, as far as it could be recovered (invalid UTF-8 replaced
    /// by U+FFFD; CSV fields re-joined with the delimiter and quoted where needed;
    /// truncated if huge).
    pub raw: String,
}

/// Maximum length of [`Malformed::raw`] in bytes; longer rows are cut (at a
/// character boundary) and marked with `…[truncated]`.
pub const MAX_RAW_BYTES: usize = 64 << 10;

/// Cuts a raw row for [`Malformed::raw`].
pub(crate) fn truncate_raw(mut s: String) -> String {
    if s.len() > MAX_RAW_BYTES {
        let mut cut = MAX_RAW_BYTES;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("…[truncated]");
    }
    s
}

/// Error of a file reader. Every variant names the file; where the problem is
/// tied to a place in it, also the line.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or its size not read.
    #[error("{}: cannot open: {source}", path.display())]
    Open { path: PathBuf, source: io::Error },
    /// Reading failed (an I/O error, a corrupt or truncated gzip stream).
    #[error("{}{}: read error: {source}", path.display(), AtLine(*line))]
    Io {
        path: PathBuf,
        line: Option<u64>,
        source: io::Error,
    },
    /// The format could not be told from the file name and was not given.
    #[error(
        "{}: unknown file format (expected an extension .csv, .tsv, .txt, .jsonl, .ndjson, .json or .parquet, optionally + .gz, or an explicit format)",
        path.display()
    )]
    UnknownFormat { path: PathBuf },
    /// The options cannot work (e.g. the delimiter equals the quote).
    #[error("{}: invalid read options: {reason}", path.display())]
    InvalidOptions { path: PathBuf, reason: String },
    /// The start of a text file is not UTF-8.
    #[error(
        "{}: not UTF-8: invalid byte sequence at byte offset {offset}{}; the file is probably in another encoding (GBK/GB18030, Big5, Latin-1?): convert it to UTF-8 first, e.g. `iconv -f GB18030 -t UTF-8`",
        path.display(), if *gzip { " (of the decompressed data)" } else { "" }
    )]
    Encoding { path: PathBuf, offset: u64, gzip: bool },
    /// The header record is unusable (invalid UTF-8, duplicate column names).
    #[error("{}: line {line}: bad header: {reason}", path.display())]
    Header { path: PathBuf, line: u64, reason: String },
    /// A CSV record grew past [`MAX_RECORD_BYTES`], almost always because a
    /// quoted field is never closed.
    #[error(
        "{}: line {line}: record is larger than {limit} bytes; probably a quote opened on or after this line is never closed",
        path.display()
    )]
    RecordTooLarge { path: PathBuf, line: u64, limit: usize },
    /// The CSV parser reported an error.
    #[error("{}{}: CSV error: {message}", path.display(), AtLine(*line))]
    Csv {
        path: PathBuf,
        line: Option<u64>,
        message: String,
    },
    /// The Parquet reader reported an error (bad file, unsupported encoding).
    #[error("{}: parquet: {source}", path.display())]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    /// Converting a Parquet column to text failed.
    #[error("{}{}: converting column '{column}' to text: {message}", path.display(), AtLine(*line))]
    Convert {
        path: PathBuf,
        line: Option<u64>,
        column: String,
        message: String,
    },
}

impl ReadError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Open { path, .. }
            | ReadError::Io { path, .. }
            | ReadError::UnknownFormat { path }
            | ReadError::InvalidOptions { path, .. }
            | ReadError::Encoding { path, .. }
            | ReadError::Header { path, .. }
            | ReadError::RecordTooLarge { path, .. }
            | ReadError::Csv { path, .. }
            | ReadError::Parquet { path, .. }
            | ReadError::Convert { path, .. } => path,
        }
    }

    /// The line (or row ordinal) the error is about, where known.
    pub fn line(&self) -> Option<u64> {
        match self {
            ReadError::Io { line, .. } | ReadError::Csv { line, .. } | ReadError::Convert { line, .. } => *line,
            ReadError::Header { line, .. } | ReadError::RecordTooLarge { line, .. } => Some(*line),
            _ => None,
        }
    }
}

/// Formats `: line N` when a line is known.
struct AtLine(Option<u64>);

impl fmt::Display for AtLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, ": line {line}"),
            None => Ok(()),
        }
    }
}

/// Counts the bytes read from the file itself (compressed bytes for gzip).
pub(crate) struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened text file, positioned after any BOM.
pub(crate) struct TextInput {
    /// The first up to [`HEAD_BYTES`] bytes of the (decompressed) text after the
    /// BOM. They are also the first bytes `stream` yields.
    pub head: Vec<u8>,
    /// The whole (decompressed) text after the BOM.
    pub stream: Box<dyn Read + Send>,
    /// Bytes read so far from the file on disk.
    pub counter: Arc<AtomicU64>,
    /// Size of the file on disk.
    pub total: u64,
    /// Whether the file is gzip-compressed.
    pub gzip: bool,
    /// Length of the stripped BOM (0 or 3): the text offset of `stream`'s first byte.
    pub bom_len: u64,
}

/// Reads until `buf` is full or the end of input; returns the bytes read.
fn read_up_to<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Opens a text file: gzip is detected by its magic bytes (whatever the file
/// name says) and decompressed on the fly, including multi-member files; a
/// UTF-8 BOM is stripped.
pub(crate) fn open_text(path: &Path) -> Result<TextInput, ReadError> {
    let io_err = |source: io::Error| ReadError::Io {
        path: path.to_path_buf(),
        line: None,
        source,
    };
    let file = File::open(path).map_err(|source| ReadError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let total = file
        .metadata()
        .map_err(|source| ReadError::Open {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    let counter = Arc::new(AtomicU64::new(0));
    let mut counting = CountingReader {
        inner: file,
        count: Arc::clone(&counter),
    };

    let mut magic = [0u8; 2];
    let n = read_up_to(&mut counting, &mut magic).map_err(io_err)?;
    let gzip = n == 2 && magic == [0x1f, 0x8b];
    let raw = Cursor::new(magic[..n].to_vec()).chain(counting);
    let mut decoded: Box<dyn Read + Send> = if gzip {
        Box::new(MultiGzDecoder::new(io::BufReader::with_capacity(256 << 10, raw)))
    } else {
        Box::new(raw)
    };

    let mut head = vec![0u8; HEAD_BYTES];
    let n = read_up_to(&mut decoded, &mut head).map_err(io_err)?;
    head.truncate(n);
    let bom_len = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        head.drain(..3);
        3
    } else {
        0
    };
    let stream: Box<dyn Read + Send> = Box::new(Cursor::new(head.clone()).chain(decoded));
    Ok(TextInput {
        head,
        stream,
        counter,
        total,
        gzip,
        bom_len,
    })
}

/// Checks that `head` is UTF-8, ignoring a character cut off at its end.
/// Returns the offset of the first invalid byte otherwise.
pub(crate) fn check_head_utf8(head: &[u8]) -> Result<(), usize> {
    match std::str::from_utf8(head) {
        Ok(_) => Ok(()),
        // An incomplete sequence at the very end is just the sample cut short.
        Err(e) if e.error_len().is_none() && head.len() == HEAD_BYTES => Ok(()),
        Err(e) => Err(e.valid_up_to()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Every row of a reader as (line, values), plus the malformed lines.
    #[allow(clippy::type_complexity)]
    fn read_fixture(name: &str) -> Result<(Vec<String>, Vec<(u64, Vec<Option<String>>)>, Vec<u64>), ReadError> {
        use arrow::array::Array;
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/reader")
            .join(name);
        let mut reader = super::super::open_file(&path, &ReadOptions::default())?;
        let mut rows = Vec::new();
        let mut bad = Vec::new();
        while let Some(batch) = reader.next_batch()? {
            for (r, &line) in batch.lines.iter().enumerate() {
                let values = batch
                    .columns
                    .iter()
                    .map(|c| (!c.is_null(r)).then(|| c.value(r).to_string()))
                    .collect();
                rows.push((line, values));
            }
            bad.extend(reader.take_malformed().into_iter().map(|m| m.line));
        }
        Ok((reader.names().to_vec(), rows, bad))
    }

    fn row(values: &[Option<&str>]) -> Vec<Option<String>> {
        values.iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn fixture_messy_csv() -> Result<(), ReadError> {
        let (names, rows, bad) = read_fixture("messy.csv")?;
        assert_eq!(names, ["customer_id", "name", "note", "amount"]);
        assert_eq!(
            rows,
            vec![
                (
                    2,
                    row(&[
                        Some("C001"),
                        Some("王芳"),
                        Some("line one\r\nline two"),
                        Some("1,234.50")
                    ])
                ),
                (4, row(&[Some("C002"), None, Some("say \"hi\""), None])),
                (7, row(&[Some("C004"), Some("张伟"), None, Some("-7")])),
            ]
        );
        assert_eq!(bad, [6]);
        Ok(())
    }

    #[test]
    fn fixture_mixed_jsonl() -> Result<(), ReadError> {
        let (names, rows, bad) = read_fixture("mixed.jsonl")?;
        assert_eq!(names, ["id", "age", "vip", "tags", "address", "score", "note"]);
        assert_eq!(
            rows,
            vec![
                (
                    1,
                    row(&[
                        Some("C001"),
                        Some("31"),
                        Some("true"),
                        Some("[\"a\", \"b\"]"),
                        Some("{\"city\": \"上海\"}"),
                        None,
                        None
                    ])
                ),
                (3, row(&[Some("C002"), None, None, None, None, Some("1.50"), None])),
                (
                    5,
                    row(&[Some("C004"), Some("40"), None, None, None, None, Some("tab\there")])
                ),
            ]
        );
        assert_eq!(bad, [4]);
        Ok(())
    }

    /// `types.parquet` was written by pyarrow.
    #[test]
    fn fixture_pyarrow_parquet() -> Result<(), ReadError> {
        let (names, rows, bad) = read_fixture("types.parquet")?;
        assert_eq!(
            names,
            [
                "id", "price", "amount", "day", "ts_utc", "ts_sh", "ts_naive", "ok", "tags", "name"
            ]
        );
        assert_eq!(
            rows,
            vec![
                (
                    1,
                    row(&[
                        Some("1"),
                        Some("0.1"),
                        Some("12.50"),
                        Some("2024-02-29"),
                        Some("2024-06-30T16:32:28Z"),
                        Some("2024-07-01T00:32:28+08:00"),
                        Some("2024-07-01T00:32:28"),
                        Some("true"),
                        Some("[\"a\",\"b\"]"),
                        Some("王芳")
                    ])
                ),
                (
                    2,
                    row(&[
                        Some("2"),
                        Some("17850"),
                        Some("-0.05"),
                        Some("1970-01-01"),
                        Some("2024-06-30T16:32:28.123456Z"),
                        None,
                        None,
                        Some("false"),
                        Some("[]"),
                        Some("")
                    ])
                ),
                (3, vec![None; 10]),
            ]
        );
        assert!(bad.is_empty());
        Ok(())
    }

    #[test]
    fn format_from_path() {
        let f = |p: &str| Format::from_path(Path::new(p));
        assert_eq!(f("a/b/events.csv"), Some(Format::Csv));
        assert_eq!(f("x.TSV"), Some(Format::Csv));
        assert_eq!(f("x.txt.gz"), Some(Format::Csv));
        assert_eq!(f("x.jsonl"), Some(Format::JsonLines));
        assert_eq!(f("x.ndjson.GZ"), Some(Format::JsonLines));
        assert_eq!(f("x.json"), Some(Format::JsonLines));
        assert_eq!(f("x.parquet"), Some(Format::Parquet));
        assert_eq!(f("x.parquet.gz"), Some(Format::Parquet));
        assert_eq!(f("x.xlsx"), None);
        assert_eq!(f("x.gz"), None);
        assert_eq!(f("csv"), None);
        assert_eq!(Format::from_name("NDJSON"), Some(Format::JsonLines));
        assert_eq!(Format::from_name("xml"), None);
    }

    #[test]
    fn open_text_plain_bom_gzip() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let plain = dir.path().join("a.csv");
        std::fs::write(&plain, b"\xEF\xBB\xBFa,b\n1,2\n")?;
        let mut t = open_text(&plain)?;
        assert_eq!(t.bom_len, 3);
        assert!(!t.gzip);
        assert_eq!(t.head, b"a,b\n1,2\n");
        let mut all = Vec::new();
        t.stream.read_to_end(&mut all)?;
        assert_eq!(all, b"a,b\n1,2\n");
        assert_eq!(t.counter.load(Ordering::Relaxed), t.total);

        // gzip detected by magic even with a misleading name; two members.
        let gz = dir.path().join("a.csv");
        let mut data = Vec::new();
        for part in [&b"\xEF\xBB\xBFx\n"[..], &b"y\n"[..]] {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(part)?;
            data.extend(enc.finish()?);
        }
        std::fs::write(&gz, &data)?;
        let mut t = open_text(&gz)?;
        assert!(t.gzip);
        let mut all = Vec::new();
        t.stream.read_to_end(&mut all)?;
        assert_eq!(all, b"x\ny\n");
        assert_eq!(t.total, data.len() as u64);
        assert_eq!(t.counter.load(Ordering::Relaxed), data.len() as u64);
        Ok(())
    }

    #[test]
    fn open_missing_file() {
        let err = open_text(Path::new("/nonexistent/x.csv")).err();
        assert!(matches!(err, Some(ReadError::Open { .. })), "{err:?}");
    }

    #[test]
    fn head_utf8_check() {
        assert_eq!(check_head_utf8("好的".as_bytes()), Ok(()));
        assert_eq!(check_head_utf8(b"ab\xC4\xE3"), Err(2));
        let mut cut = vec![b'a'; HEAD_BYTES - 1];
        cut.push(0xE5); // first byte of a 3-byte sequence, cut by the sample
        assert_eq!(check_head_utf8(&cut), Ok(()));
    }

    #[test]
    fn truncates_raw_at_char_boundary() {
        let s = "好".repeat(MAX_RAW_BYTES);
        let t = truncate_raw(s);
        assert!(t.len() <= MAX_RAW_BYTES + "…[truncated]".len());
        assert!(t.ends_with("…[truncated]"));
    }
}
