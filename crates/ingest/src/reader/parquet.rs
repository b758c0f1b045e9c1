//! Streaming Parquet reader: reads record batches with the `parquet` crate's
//! Arrow reader and converts every column to its text form, so that Parquet
//! goes through the same typed conversion and quality gate as text files.
//!
//! Text forms:
//! * strings as they are; integers in decimal; floats in the shortest form that
//!   round-trips, never with an exponent (`0.1`, `17850` for 17850.0, `NaN`,
//!   `inf`); decimals with their scale (`12.50`); booleans `true`/`false`;
//! * dates `YYYY-MM-DD`; timestamps RFC 3339 with a fraction only when not
//!   zero (3, 6 or 9 digits): `Z` for UTC columns, the column's offset for
//!   other zones (`+08:00`), no offset for naive (zone-less) columns; times
//!   `HH:MM:SS[.fff]`;
//! * lists, structs and maps as JSON text; binary as UTF-8 text when it is
//!   valid UTF-8, else `0x` + lowercase hex;
//! * nulls as `None`.
//!
//! `lines` holds the 1-based row ordinal. A value that cannot be converted (a
//! timestamp outside the representable range) makes its row [`Malformed`].

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use arrow::array::timezone::Tz as ArrowTz;
use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, StringBuilder};
use arrow::compute::{cast, filter};
use arrow::datatypes::{DataType, Field, Float16Type, Float32Type, Float64Type, Schema, TimeUnit};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono::{DateTime, SecondsFormat, Utc};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use super::RawBatch;
use super::file::{Malformed, ReadError, ReadOptions, truncate_raw};

/// Streaming Parquet reader. See the [module docs](self).
pub struct ParquetReader {
    path: PathBuf,
    inner: ParquetRecordBatchReader,
    names: Vec<String>,
    /// Rows delivered (or reported malformed) so far.
    rows_read: u64,
    total_rows: u64,
    total: u64,
    malformed: Vec<Malformed>,
}

impl ParquetReader {
    /// Opens a Parquet file (reads its footer).
    pub fn open(path: &Path, opts: &ReadOptions) -> Result<Self, ReadError> {
        let open_err = |source| ReadError::Open {
            path: path.to_path_buf(),
            source,
        };
        let pq_err = |source| ReadError::Parquet {
            path: path.to_path_buf(),
            source,
        };
        if opts.batch_rows == 0 {
            return Err(ReadError::InvalidOptions {
                path: path.to_path_buf(),
                reason: "batch_rows must be at least 1".to_string(),
            });
        }
        let mut file = File::open(path).map_err(open_err)?;
        let total = file.metadata().map_err(open_err)?.len();
        let mut magic = [0u8; 2];
        if file.read_exact(&mut magic).is_ok() && magic == [0x1f, 0x8b] {
            return Err(ReadError::InvalidOptions {
                path: path.to_path_buf(),
                reason:
                    "a gzip-compressed Parquet file cannot be read (Parquet compresses internally): decompress it first"
                        .to_string(),
            });
        }
        let file = File::open(path).map_err(open_err)?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(pq_err)?;
        let names = builder.schema().fields().iter().map(|f| f.name().clone()).collect();
        let total_rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let inner = builder.with_batch_size(opts.batch_rows).build().map_err(pq_err)?;
        Ok(ParquetReader {
            path: path.to_path_buf(),
            inner,
            names,
            rows_read: 0,
            total_rows,
            total,
            malformed: Vec::new(),
        })
    }

    /// Column names in schema order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Approximate bytes read so far: the file size times the share of rows read.
    pub fn bytes_read(&self) -> u64 {
        if self.total_rows == 0 {
            return 0;
        }
        let share = self.rows_read.min(self.total_rows) as f64 / self.total_rows as f64;
        (self.total as f64 * share) as u64
    }

    /// Size of the file on disk.
    pub fn total_bytes(&self) -> Option<u64> {
        Some(self.total)
    }

    /// Takes the rows that could not be converted since the last call.
    pub fn take_malformed(&mut self) -> Vec<Malformed> {
        std::mem::take(&mut self.malformed)
    }

    /// Reads the next batch of up to `batch_rows` rows; `None` at the end.
    pub fn next_batch(&mut self) -> Result<Option<RawBatch>, ReadError> {
        let batch = match self.inner.next() {
            None => return Ok(None),
            Some(Ok(batch)) => batch,
            Some(Err(e)) => {
                return Err(ReadError::Parquet {
                    path: self.path.clone(),
                    source: parquet::errors::ParquetError::ArrowError(e.to_string()),
                });
            }
        };
        let first_line = self.rows_read + 1;
        let n = batch.num_rows();
        self.rows_read += n as u64;
        let mut columns = Vec::with_capacity(batch.num_columns());
        let mut bad: Vec<Option<String>> = Vec::new();
        for (name, array) in self.names.iter().zip(batch.columns()) {
            let (col, failures) = to_text(array).map_err(|message| ReadError::Convert {
                path: self.path.clone(),
                line: Some(first_line),
                column: name.clone(),
                message,
            })?;
            for (row, reason) in failures {
                if bad.is_empty() {
                    bad = vec![None; n];
                }
                bad[row].get_or_insert_with(|| format!("column '{name}': {reason}"));
            }
            columns.push(col);
        }
        let mut lines: Vec<u64> = (first_line..first_line + n as u64).collect();
        if !bad.is_empty() {
            for (row, reason) in bad.iter().enumerate() {
                if let Some(reason) = reason {
                    let raw = self.raw_row(&columns, row);
                    self.malformed.push(Malformed {
                        line: first_line + row as u64,
                        reason: reason.clone(),
                        raw,
                    });
                }
            }
            let keep = BooleanArray::from(bad.iter().map(|b| b.is_none()).collect::<Vec<bool>>());
            let mut kept = Vec::with_capacity(columns.len());
            for col in &columns {
                let f = filter(col, &keep).map_err(|e| ReadError::Convert {
                    path: self.path.clone(),
                    line: Some(first_line),
                    column: String::new(),
                    message: e.to_string(),
                })?;
                kept.push(f.as_string::<i32>().clone());
            }
            columns = kept;
            lines = lines
                .into_iter()
                .zip(&bad)
                .filter(|(_, b)| b.is_none())
                .map(|(l, _)| l)
                .collect();
        }
        Ok(Some(RawBatch {
            names: self.names.clone(),
            lines,
            columns,
        }))
    }

    /// `name=value` pairs of a converted row, for [`Malformed::raw`].
    fn raw_row(&self, columns: &[StringArray], row: usize) -> String {
        let mut out = String::new();
        for (name, col) in self.names.iter().zip(columns) {
            if !out.is_empty() {
                out.push_str(", ");
            }
            let value = if col.is_null(row) { "null" } else { col.value(row) };
            let _ = write!(out, "{name}={value}");
        }
        truncate_raw(out)
    }
}

/// Converts an Arrow array to text. Returns the rows that could not be
/// converted (they are null in the result) with a reason.
pub fn to_text(array: &ArrayRef) -> Result<(StringArray, Vec<(usize, String)>), String> {
    let err = |e: arrow::error::ArrowError| e.to_string();
    let none = Vec::new();
    let text = match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().clone(),
        DataType::LargeUtf8 | DataType::Utf8View => {
            cast(array, &DataType::Utf8).map_err(err)?.as_string::<i32>().clone()
        }
        DataType::Null => StringArray::new_null(array.len()),
        DataType::Float16 => floats(
            array
                .as_primitive::<Float16Type>()
                .iter()
                .map(|v| v.map(|h| h.to_string())),
        ),
        DataType::Float32 => floats(
            array
                .as_primitive::<Float32Type>()
                .iter()
                .map(|v| v.map(|f| f.to_string())),
        ),
        DataType::Float64 => floats(
            array
                .as_primitive::<Float64Type>()
                .iter()
                .map(|v| v.map(|f| f.to_string())),
        ),
        DataType::Timestamp(unit, tz) => return timestamps(array, *unit, tz.as_deref()),
        DataType::Date64 => {
            // Date64 holds milliseconds; the date is the text form.
            let days = cast(array, &DataType::Date32).map_err(err)?;
            cast(&days, &DataType::Utf8).map_err(err)?.as_string::<i32>().clone()
        }
        DataType::Dictionary(_, values) => {
            let plain = cast(array, values).map_err(err)?;
            return to_text(&plain);
        }
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            let bin = cast(array, &DataType::LargeBinary).map_err(err)?;
            let bin = bin.as_binary::<i64>();
            let mut b = StringBuilder::with_capacity(bin.len(), bin.value_data().len());
            for v in bin.iter() {
                match v {
                    None => b.append_null(),
                    Some(bytes) => match std::str::from_utf8(bytes) {
                        Ok(s) => b.append_value(s),
                        Err(_) => {
                            let mut s = String::with_capacity(2 + bytes.len() * 2);
                            s.push_str("0x");
                            for byte in bytes {
                                let _ = write!(s, "{byte:02x}");
                            }
                            b.append_value(s);
                        }
                    },
                }
            }
            b.finish()
        }
        DataType::List(_)
        | DataType::LargeList(_)
        | DataType::ListView(_)
        | DataType::LargeListView(_)
        | DataType::FixedSizeList(_, _)
        | DataType::Struct(_)
        | DataType::Map(_, _) => nested_json(array)?,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Boolean
        | DataType::Date32
        | DataType::Decimal32(_, _)
        | DataType::Decimal64(_, _)
        | DataType::Decimal128(_, _)
        | DataType::Decimal256(_, _)
        | DataType::Time32(_)
        | DataType::Time64(_) => cast(array, &DataType::Utf8).map_err(err)?.as_string::<i32>().clone(),
        _ => {
            // Durations, intervals, unions and whatever comes next: Arrow's display form.
            let formatter = ArrayFormatter::try_new(array.as_ref(), &FormatOptions::default()).map_err(err)?;
            let mut b = StringBuilder::with_capacity(array.len(), array.len() * 8);
            let mut s = String::new();
            for i in 0..array.len() {
                if array.is_null(i) {
                    b.append_null();
                } else {
                    s.clear();
                    let _ = write!(s, "{}", formatter.value(i));
                    b.append_value(&s);
                }
            }
            b.finish()
        }
    };
    Ok((text, none))
}

fn floats(values: impl Iterator<Item = Option<String>>) -> StringArray {
    values.collect()
}

/// Timestamps as RFC 3339.
fn timestamps(
    array: &ArrayRef,
    unit: TimeUnit,
    tz: Option<&str>,
) -> Result<(StringArray, Vec<(usize, String)>), String> {
    let values = cast(array, &DataType::Int64).map_err(|e| e.to_string())?;
    let values = values.as_primitive::<arrow::datatypes::Int64Type>();
    let zone = match tz {
        Some(name) => Some(ArrowTz::from_str(name).map_err(|e| format!("unknown time zone '{name}': {e}"))?),
        None => None,
    };
    let mut b = StringBuilder::with_capacity(values.len(), values.len() * 32);
    let mut failures = Vec::new();
    let mut s = String::with_capacity(40);
    for (row, v) in values.iter().enumerate() {
        let Some(v) = v else {
            b.append_null();
            continue;
        };
        let dt: Option<DateTime<Utc>> = match unit {
            TimeUnit::Second => DateTime::from_timestamp(v, 0),
            TimeUnit::Millisecond => DateTime::from_timestamp_millis(v),
            TimeUnit::Microsecond => DateTime::from_timestamp_micros(v),
            TimeUnit::Nanosecond => Some(DateTime::from_timestamp_nanos(v)),
        };
        let Some(dt) = dt else {
            failures.push((
                row,
                format!("timestamp {v} ({unit:?}) is outside the representable range"),
            ));
            b.append_null();
            continue;
        };
        s.clear();
        match &zone {
            Some(zone) => s.push_str(&dt.with_timezone(zone).to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            None => {
                let _ = write!(s, "{}", dt.naive_utc().format("%Y-%m-%dT%H:%M:%S%.f"));
            }
        }
        b.append_value(&s);
    }
    Ok((b.finish(), failures))
}

/// Lists, structs and maps as one JSON text per row.
fn nested_json(array: &ArrayRef) -> Result<StringArray, String> {
    let err = |e: arrow::error::ArrowError| e.to_string();
    let field = Field::new("v", array.data_type().clone(), true);
    let batch = RecordBatch::try_new(Arc::new(Schema::new(vec![field])), vec![Arc::clone(array)]).map_err(err)?;
    let mut writer = arrow::json::LineDelimitedWriter::new(Vec::new());
    writer.write(&batch).map_err(err)?;
    writer.finish().map_err(err)?;
    let out = writer.into_inner();
    let text = std::str::from_utf8(&out).map_err(|e| e.to_string())?;
    let mut b = StringBuilder::with_capacity(array.len(), out.len());
    let mut lines = text.lines();
    for i in 0..array.len() {
        let line = lines.next().ok_or("JSON writer returned too few rows")?;
        if array.is_null(i) {
            b.append_null();
            continue;
        }
        let value = line
            .strip_prefix("{\"v\":")
            .and_then(|rest| rest.strip_suffix('}'))
            .ok_or_else(|| format!("unexpected JSON writer output {line:?}"))?;
        b.append_value(value);
    }
    Ok(b.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        BinaryArray, Date32Array, Decimal128Array, Float32Array, Float64Array, Int32Array, Int64Array, ListArray,
        TimestampMicrosecondArray, TimestampSecondArray, UInt64Array,
    };
    use arrow::datatypes::Int32Type;
    use parquet::arrow::ArrowWriter;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn texts(array: ArrayRef) -> Result<Vec<Option<String>>, String> {
        let (a, failures) = to_text(&array)?;
        assert!(failures.is_empty(), "{failures:?}");
        Ok(a.iter().map(|v| v.map(str::to_string)).collect())
    }

    fn some(v: &[&str]) -> Vec<Option<String>> {
        v.iter().map(|s| Some(s.to_string())).collect()
    }

    #[test]
    fn numbers_to_text() -> TestResult {
        let f = Float64Array::from(vec![
            Some(0.1),
            Some(17850.0),
            Some(-1e21),
            Some(1.5e-7),
            None,
            Some(f64::NAN),
        ]);
        assert_eq!(
            texts(Arc::new(f))?,
            vec![
                Some("0.1".into()),
                Some("17850".into()),
                Some("-1000000000000000000000".into()),
                Some("0.00000015".into()),
                None,
                Some("NaN".into())
            ]
        );
        assert_eq!(
            texts(Arc::new(Float32Array::from(vec![0.1f32, 3.0])))?,
            some(&["0.1", "3"])
        );
        assert_eq!(
            texts(Arc::new(Int64Array::from(vec![i64::MIN, 0])))?,
            some(&["-9223372036854775808", "0"])
        );
        assert_eq!(
            texts(Arc::new(UInt64Array::from(vec![u64::MAX])))?,
            some(&["18446744073709551615"])
        );
        let d = Decimal128Array::from(vec![1250, -5]).with_precision_and_scale(10, 2)?;
        assert_eq!(texts(Arc::new(d))?, some(&["12.50", "-0.05"]));
        assert_eq!(
            texts(Arc::new(BooleanArray::from(vec![true, false])))?,
            some(&["true", "false"])
        );
        Ok(())
    }

    #[test]
    fn dates_and_timestamps_to_text() -> TestResult {
        // 2024-02-29 = day 19782.
        assert_eq!(texts(Arc::new(Date32Array::from(vec![19782])))?, some(&["2024-02-29"]));
        let micros = vec![1_719_765_148_000_000, 1_719_765_148_123_456];
        let naive = TimestampMicrosecondArray::from(micros.clone());
        assert_eq!(
            texts(Arc::new(naive))?,
            some(&["2024-06-30T16:32:28", "2024-06-30T16:32:28.123456"])
        );
        let utc = TimestampMicrosecondArray::from(micros.clone()).with_timezone("UTC");
        assert_eq!(
            texts(Arc::new(utc))?,
            some(&["2024-06-30T16:32:28Z", "2024-06-30T16:32:28.123456Z"])
        );
        let sh = TimestampMicrosecondArray::from(micros.clone()).with_timezone("Asia/Shanghai");
        assert_eq!(
            texts(Arc::new(sh))?,
            some(&["2024-07-01T00:32:28+08:00", "2024-07-01T00:32:28.123456+08:00"])
        );
        let fixed = TimestampMicrosecondArray::from(micros).with_timezone("-05:30");
        assert_eq!(texts(Arc::new(fixed))?[0].as_deref(), Some("2024-06-30T11:02:28-05:30"));

        let huge: ArrayRef = Arc::new(TimestampSecondArray::from(vec![0, i64::MAX]));
        let (a, failures) = to_text(&huge)?;
        assert_eq!(a.value(0), "1970-01-01T00:00:00");
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].0, 1);
        Ok(())
    }

    #[test]
    fn nested_and_binary_to_text() -> TestResult {
        let list =
            ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(1), None]), None, Some(vec![])]);
        assert_eq!(
            texts(Arc::new(list))?,
            vec![Some("[1,null]".into()), None, Some("[]".into())]
        );
        let bin = BinaryArray::from(vec![&b"abc"[..], &b"\xff\x00"[..]]);
        assert_eq!(texts(Arc::new(bin))?, some(&["abc", "0xff00"]));
        let dict: arrow::array::DictionaryArray<Int32Type> = vec!["x", "y", "x"].into_iter().collect();
        assert_eq!(texts(Arc::new(dict))?, some(&["x", "y", "x"]));
        Ok(())
    }

    #[test]
    fn reads_a_parquet_file() -> TestResult {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("t.parquet");
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int32, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("ts", DataType::Timestamp(TimeUnit::Second, None), true),
        ]));
        let mut writer = ArrowWriter::try_new(std::fs::File::create(&path)?, schema.clone(), None)?;
        let n = 1000;
        let ids: Vec<i32> = (1..=n).collect();
        let names: Vec<Option<String>> = (1..=n).map(|i| (i % 3 != 0).then(|| format!("n{i}"))).collect();
        let ts: Vec<i64> = (1..=n)
            .map(|i| if i == 500 { i64::MAX } else { i64::from(i) })
            .collect();
        writer.write(&RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int32Array::from(ids)),
                Arc::new(StringArray::from(names)),
                Arc::new(TimestampSecondArray::from(ts)),
            ],
        )?)?;
        writer.close()?;

        let opts = ReadOptions {
            batch_rows: 300,
            ..ReadOptions::default()
        };
        let mut r = ParquetReader::open(&path, &opts)?;
        assert_eq!(r.names(), ["id", "name", "ts"]);
        let mut all_lines = Vec::new();
        let mut bad = Vec::new();
        while let Some(b) = r.next_batch()? {
            for (row, &line) in b.lines.iter().enumerate() {
                assert_eq!(b.columns[0].value(row), line.to_string());
                assert_eq!(b.columns[1].is_null(row), line % 3 == 0);
            }
            all_lines.extend(b.lines);
            bad.extend(r.take_malformed());
        }
        assert_eq!(all_lines.len(), 999);
        assert!(!all_lines.contains(&500));
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 500);
        assert!(bad[0].reason.starts_with("column 'ts': timestamp"), "{}", bad[0].reason);
        assert!(bad[0].raw.starts_with("id=500, name=n500, ts=null"), "{}", bad[0].raw);
        assert_eq!(r.bytes_read(), r.total_bytes().unwrap_or(0));
        Ok(())
    }
}
