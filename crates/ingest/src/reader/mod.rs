//! Readers turn an input (a file or a database query) into a stream of
//! [`RawBatch`]es: column-major string values with the input line of every row.
//!
//! Every input format goes through the same typed conversion and quality gate
//! afterwards, so readers only have to do one thing: deliver each value exactly
//! as it appeared, with enough position information for a rejected row to be
//! traced back to its origin (file, line, column).

use std::path::Path;

use arrow::array::StringArray;

pub mod csv;
pub mod db;
pub mod file;
pub mod jsonl;
pub mod parquet;

pub use self::csv::CsvReader;
pub use self::file::{DEFAULT_BATCH_ROWS, Format, MAX_RECORD_BYTES, Malformed, ReadError, ReadOptions};
pub use self::jsonl::JsonLinesReader;
pub use self::parquet::ParquetReader;

/// A batch of raw rows, column-major.
///
/// * `columns[i]` holds the values of the input column `names[i]`; `None` is an
///   absent value (an empty CSV field, a JSON null or missing key, a SQL NULL).
/// * `lines[r]` is the 1-based position of row `r` in its input: for text files
///   the physical line on which the record starts (a header on line 1 makes the
///   first record line 2; a quoted field with embedded newlines makes the next
///   record start further down); for Parquet and database results the 1-based
///   row ordinal.
#[derive(Debug, Clone)]
pub struct RawBatch {
    pub names: Vec<String>,
    pub lines: Vec<u64>,
    pub columns: Vec<StringArray>,
}

impl RawBatch {
    pub fn num_rows(&self) -> usize {
        self.lines.len()
    }
}

/// Opens a file with the reader for its format: `opts.format`, or else the
/// format implied by the file name ([`Format::from_path`]).
pub fn open_file(path: &Path, opts: &ReadOptions) -> Result<FileReader, ReadError> {
    FileReader::open(path, opts)
}

/// A streaming reader of one file, whatever its format.
///
/// Pull batches with [`next_batch`](Self::next_batch) until it returns `None`,
/// and after each batch take the rows that could not be read with
/// [`take_malformed`](Self::take_malformed). Memory is bounded by the batch
/// size, never by the file size.
pub enum FileReader {
    Csv(CsvReader),
    JsonLines(JsonLinesReader),
    Parquet(ParquetReader),
}

impl FileReader {
    /// Opens `path` (see [`open_file`]).
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<Self, ReadError> {
        let format = opts
            .format
            .or_else(|| Format::from_path(path))
            .ok_or_else(|| ReadError::UnknownFormat {
                path: path.to_path_buf(),
            })?;
        Ok(match format {
            Format::Csv => FileReader::Csv(CsvReader::open(path, opts)?),
            Format::JsonLines => FileReader::JsonLines(JsonLinesReader::open(path, opts)?),
            Format::Parquet => FileReader::Parquet(ParquetReader::open(path, opts)?),
        })
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        match self {
            FileReader::Csv(_) => Format::Csv,
            FileReader::JsonLines(_) => Format::JsonLines,
            FileReader::Parquet(_) => Format::Parquet,
        }
    }

    /// Column names in input order. For JSON Lines the list can grow as new
    /// keys are met; each batch carries the names it was read with.
    pub fn names(&self) -> &[String] {
        match self {
            FileReader::Csv(r) => r.names(),
            FileReader::JsonLines(r) => r.names(),
            FileReader::Parquet(r) => r.names(),
        }
    }

    /// The next batch of up to `batch_rows` rows; `None` at the end. A batch
    /// may hold zero rows when all rows read for it were malformed.
    pub fn next_batch(&mut self) -> Result<Option<RawBatch>, ReadError> {
        match self {
            FileReader::Csv(r) => r.next_batch(),
            FileReader::JsonLines(r) => r.next_batch(),
            FileReader::Parquet(r) => r.next_batch(),
        }
    }

    /// The rows that could not be read since the last call (for quarantine).
    pub fn take_malformed(&mut self) -> Vec<Malformed> {
        match self {
            FileReader::Csv(r) => r.take_malformed(),
            FileReader::JsonLines(r) => r.take_malformed(),
            FileReader::Parquet(r) => r.take_malformed(),
        }
    }

    /// Bytes read so far, for a progress bar (compressed bytes for gzip;
    /// estimated from rows for Parquet).
    pub fn bytes_read(&self) -> u64 {
        match self {
            FileReader::Csv(r) => r.bytes_read(),
            FileReader::JsonLines(r) => r.bytes_read(),
            FileReader::Parquet(r) => r.bytes_read(),
        }
    }

    /// Size of the file on disk, for a progress bar.
    pub fn total_bytes(&self) -> Option<u64> {
        match self {
            FileReader::Csv(r) => r.total_bytes(),
            FileReader::JsonLines(r) => r.total_bytes(),
            FileReader::Parquet(r) => r.total_bytes(),
        }
    }
}
