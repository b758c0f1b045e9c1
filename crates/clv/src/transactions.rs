//! Transactions: who bought on which day, and for how much.
//!
//! Both models see a customer's history at daily grain, so everything that
//! enters this crate is reduced at once to one record per (customer, calendar
//! day), with the amounts of that day summed. There are two ways in: a CSV file
//! read with [`Transactions::read_csv`] (the command line), and rows already in
//! memory with [`Transactions::from_daily_amounts`] / [`Transactions::from_dates`]
//! (the workspace pipeline, which gets paid orders from SQL).
//!
//! Input is validated row by row and never repaired: an unparsable date, an
//! empty customer id, a negative or non-numeric amount each stop the read with an
//! error naming the file, line, column and value.

use std::io::Read;
use std::path::Path;

use chrono::{Datelike, NaiveDate};

use crate::error::{ClvError, Result};
use crate::summary::RfmSummary;
use crate::time::TimeFormat;

/// Which columns of a transaction file to read, and how.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    customer_col: String,
    time_col: String,
    amount_col: Option<String>,
    time_format: TimeFormat,
    delimiter: u8,
}

impl ReadOptions {
    /// Reads customer ids from `customer_col` and transaction times from
    /// `time_col`, with the default time format and a comma delimiter.
    pub fn new(customer_col: impl Into<String>, time_col: impl Into<String>) -> Self {
        ReadOptions {
            customer_col: customer_col.into(),
            time_col: time_col.into(),
            amount_col: None,
            time_format: TimeFormat::Auto,
            delimiter: b',',
        }
    }

    /// Also read transaction amounts (non-negative numbers) from this column.
    pub fn amount_col(mut self, column: impl Into<String>) -> Self {
        self.amount_col = Some(column.into());
        self
    }

    /// Parse times with this strftime format instead of the default formats
    /// (see [`TimeFormat`]). Fails if the format is invalid.
    pub fn time_format(mut self, format: &str) -> Result<Self> {
        self.time_format = TimeFormat::strftime(format)?;
        Ok(self)
    }

    /// Field delimiter (default `,`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }
}

/// Purchase days per customer: for every customer, the distinct calendar days
/// with at least one transaction, in order, with the day's total amount when
/// amounts were read.
///
/// Customers keep the order in which they first appear in the input.
#[derive(Debug, Clone)]
pub struct Transactions {
    /// Customer ids, concatenated; id `i` ends at `id_ends[i]`.
    id_bytes: String,
    id_ends: Vec<usize>,
    /// `offsets[i]..offsets[i + 1]` indexes customer `i`'s days.
    offsets: Vec<usize>,
    /// Days since 0001-01-01 (chrono's `num_days_from_ce`), ascending per customer.
    days: Vec<i32>,
    amounts: Option<Vec<f64>>,
    rows: usize,
}

/// One customer's purchase days, borrowed from [`Transactions`].
#[derive(Debug, Clone, Copy)]
pub struct CustomerDays<'a> {
    pub customer_id: &'a str,
    days: &'a [i32],
    amounts: Option<&'a [f64]>,
}

impl CustomerDays<'_> {
    /// The distinct purchase days, ascending.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.days.iter().map(|&d| date_from_day(d))
    }

    /// Each day's total amount, aligned with [`dates`](Self::dates), if amounts were read.
    pub fn amounts(&self) -> Option<&[f64]> {
        self.amounts
    }

    pub(crate) fn day_numbers(&self) -> &[i32] {
        self.days
    }
}

impl Transactions {
    /// Reads a transaction CSV file (with a header row).
    pub fn read_csv(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| ClvError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::read_csv_from(file, &path.display().to_string(), options)
    }

    /// Reads transaction CSV data from any reader; `source_name` names it in errors.
    pub fn read_csv_from<R: Read>(reader: R, source_name: &str, options: &ReadOptions) -> Result<Self> {
        let csv_error = |e: csv::Error| ClvError::Csv {
            source_name: source_name.to_string(),
            line: e.position().map(|p| p.line()),
            message: e.to_string(),
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(options.delimiter)
            .has_headers(true)
            .from_reader(std::io::BufReader::with_capacity(1 << 16, reader));
        let headers: Vec<String> = reader
            .byte_headers()
            .map_err(csv_error)?
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        let find = |column: &str, role: &'static str| {
            headers
                .iter()
                .position(|h| h == column)
                .ok_or_else(|| ClvError::MissingColumn {
                    source_name: source_name.to_string(),
                    column: column.to_string(),
                    role,
                    available: headers.clone(),
                })
        };
        let customer_idx = find(&options.customer_col, "customer")?;
        let time_idx = find(&options.time_col, "time")?;
        let amount_idx = match &options.amount_col {
            Some(column) => Some(find(column, "amount")?),
            None => None,
        };

        let mut collector = Collector::new(amount_idx.is_some());
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).map_err(csv_error)? {
            let line = record.position().map_or(0, |p| p.line());
            let field = |idx: usize, column: &str| -> Result<&str> {
                let bytes = record.get(idx).unwrap_or_default();
                std::str::from_utf8(bytes).map_err(|_| ClvError::InvalidField {
                    source_name: source_name.to_string(),
                    line,
                    column: column.to_string(),
                    value: String::from_utf8_lossy(bytes).into_owned(),
                    reason: "not valid UTF-8".to_string(),
                })
            };
            let invalid = |column: &str, value: &str, reason: String| ClvError::InvalidField {
                source_name: source_name.to_string(),
                line,
                column: column.to_string(),
                value: value.to_string(),
                reason,
            };
            let customer = field(customer_idx, &options.customer_col)?;
            if customer.is_empty() {
                return Err(invalid(
                    &options.customer_col,
                    customer,
                    "empty customer id".to_string(),
                ));
            }
            let time = field(time_idx, &options.time_col)?;
            let date = options
                .time_format
                .parse_day(time)
                .map_err(|reason| invalid(&options.time_col, time, reason))?;
            let amount = match (amount_idx, &options.amount_col) {
                (Some(idx), Some(column)) => {
                    let value = field(idx, column)?;
                    parse_amount(value).map_err(|reason| invalid(column, value, reason.to_string()))?
                }
                _ => 0.0,
            };
            collector.push(customer, date, amount);
        }
        collector.finish(source_name)
    }

    /// Builds transactions from rows already in memory: (customer id, local
    /// calendar day, amount). Rows may be in any order; rows of one customer on
    /// one day are summed. Amounts must be finite and non-negative.
    pub fn from_daily_amounts<I, S>(rows: I) -> Result<Self>
    where
        I: IntoIterator<Item = (S, NaiveDate, f64)>,
        S: AsRef<str>,
    {
        let rows = rows.into_iter();
        let mut collector = Collector::new(true);
        collector.rows.reserve(rows.size_hint().0);
        for (i, (customer, date, amount)) in rows.enumerate() {
            let customer = customer.as_ref();
            check_row_customer(i, customer)?;
            if let Err(reason) = check_amount(amount) {
                return Err(ClvError::InvalidRow {
                    row: i + 1,
                    customer: customer.to_string(),
                    field: "amount",
                    value: amount.to_string(),
                    reason: reason.to_string(),
                });
            }
            collector.push(customer, date, amount);
        }
        collector.finish("transaction rows")
    }

    /// Builds transactions without amounts from (customer id, local calendar day)
    /// rows. Only the BG/NBD model can be fitted on these.
    pub fn from_dates<I, S>(rows: I) -> Result<Self>
    where
        I: IntoIterator<Item = (S, NaiveDate)>,
        S: AsRef<str>,
    {
        let rows = rows.into_iter();
        let mut collector = Collector::new(false);
        collector.rows.reserve(rows.size_hint().0);
        for (i, (customer, date)) in rows.enumerate() {
            let customer = customer.as_ref();
            check_row_customer(i, customer)?;
            collector.push(customer, date, 0.0);
        }
        collector.finish("transaction rows")
    }

    /// Number of distinct customers.
    pub fn n_customers(&self) -> usize {
        self.id_ends.len()
    }

    /// Number of distinct (customer, day) pairs.
    pub fn n_customer_days(&self) -> usize {
        self.days.len()
    }

    /// Number of input rows (transactions) read.
    pub fn n_rows(&self) -> usize {
        self.rows
    }

    /// Whether amounts were read.
    pub fn has_amounts(&self) -> bool {
        self.amounts.is_some()
    }

    /// The earliest purchase day.
    pub fn first_date(&self) -> NaiveDate {
        date_from_day(self.days_range().0)
    }

    /// The latest purchase day.
    pub fn last_date(&self) -> NaiveDate {
        date_from_day(self.days_range().1)
    }

    /// Customer `i`'s purchase days (`i < n_customers()`).
    pub fn customer(&self, i: usize) -> CustomerDays<'_> {
        let range = self.offsets[i]..self.offsets[i + 1];
        let id_start = if i == 0 { 0 } else { self.id_ends[i - 1] };
        CustomerDays {
            customer_id: &self.id_bytes[id_start..self.id_ends[i]],
            days: &self.days[range.clone()],
            amounts: self.amounts.as_ref().map(|a| &a[range]),
        }
    }

    /// All customers, in order of first appearance.
    pub fn customers(&self) -> impl ExactSizeIterator<Item = CustomerDays<'_>> + '_ {
        (0..self.n_customers()).map(|i| self.customer(i))
    }

    /// The per-customer RFM summary at `calibration_end` (see [`RfmSummary`]).
    pub fn summarise(&self, calibration_end: NaiveDate) -> Result<RfmSummary> {
        RfmSummary::from_transactions(self, calibration_end)
    }

    fn days_range(&self) -> (i32, i32) {
        // Each customer's days are sorted, so the extremes are among the first
        // and last days of each customer. A collector never yields an empty set.
        let mut lo = i32::MAX;
        let mut hi = i32::MIN;
        for w in self.offsets.windows(2) {
            if w[1] > w[0] {
                lo = lo.min(self.days[w[0]]);
                hi = hi.max(self.days[w[1] - 1]);
            }
        }
        (lo, hi)
    }
}

pub(crate) fn date_from_day(day: i32) -> NaiveDate {
    NaiveDate::from_num_days_from_ce_opt(day).unwrap_or(NaiveDate::MIN)
}

pub(crate) fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

fn check_row_customer(i: usize, customer: &str) -> Result<()> {
    if customer.is_empty() {
        return Err(ClvError::InvalidRow {
            row: i + 1,
            customer: String::new(),
            field: "customer",
            value: String::new(),
            reason: "empty customer id".to_string(),
        });
    }
    Ok(())
}

fn parse_amount(value: &str) -> std::result::Result<f64, &'static str> {
    if value.is_empty() {
        return Err("empty amount");
    }
    let amount: f64 = value.parse().map_err(|_| "not a number")?;
    check_amount(amount)?;
    Ok(amount)
}

fn check_amount(amount: f64) -> std::result::Result<(), &'static str> {
    if !amount.is_finite() {
        Err("amount is not a finite number")
    } else if amount < 0.0 {
        Err("negative amount (refunds and returns must be removed before fitting)")
    } else {
        Ok(())
    }
}

/// Accumulates rows, then groups them by customer and day.
struct Collector {
    ids: Interner,
    rows: Vec<(u32, i32, f64)>,
    with_amounts: bool,
}

impl Collector {
    fn new(with_amounts: bool) -> Self {
        Collector {
            ids: Interner::default(),
            rows: Vec::new(),
            with_amounts,
        }
    }

    fn push(&mut self, customer: &str, date: NaiveDate, amount: f64) {
        let id = self.ids.intern(customer);
        self.rows.push((id, day_number(date), amount));
    }

    fn finish(self, source_name: &str) -> Result<Transactions> {
        if self.rows.is_empty() {
            return Err(ClvError::NoTransactions {
                source_name: source_name.to_string(),
            });
        }
        let n = self.ids.ends.len();
        // Counting sort by customer keeps the input order within a customer,
        // so same-day amounts are summed in input order (deterministic).
        let mut start = vec![0usize; n + 1];
        for &(c, _, _) in &self.rows {
            start[c as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut cursor = start.clone();
        let mut bucketed = vec![(0i32, 0.0f64); self.rows.len()];
        for &(c, day, amount) in &self.rows {
            bucketed[cursor[c as usize]] = (day, amount);
            cursor[c as usize] += 1;
        }

        let mut offsets = Vec::with_capacity(n + 1);
        let mut days = Vec::with_capacity(self.rows.len());
        let mut amounts = Vec::with_capacity(if self.with_amounts { self.rows.len() } else { 0 });
        offsets.push(0);
        for c in 0..n {
            let slice = &mut bucketed[start[c]..start[c + 1]];
            if !slice.is_sorted_by_key(|r| r.0) {
                slice.sort_by_key(|r| r.0); // stable
            }
            let mut last = None;
            for &(day, amount) in slice.iter() {
                if last == Some(day) {
                    if let Some(total) = amounts.last_mut() {
                        *total += amount;
                    }
                } else {
                    days.push(day);
                    if self.with_amounts {
                        amounts.push(amount);
                    }
                    last = Some(day);
                }
            }
            offsets.push(days.len());
        }
        Ok(Transactions {
            id_bytes: self.ids.bytes,
            id_ends: self.ids.ends,
            offsets,
            days,
            amounts: self.with_amounts.then_some(amounts),
            rows: self.rows.len(),
        })
    }
}

/// Maps customer ids to dense numbers in order of first appearance.
///
/// Ids are stored back to back in one string and looked up in an
/// open-addressing table that keeps 32 bits of each id's hash beside its
/// number, so a lookup touches the id's bytes only on a likely match and no
/// id costs an allocation. (With `HashMap<String, u32>` the allocations and
/// pointer chasing were most of the time spent on 100k customers.)
#[derive(Default)]
struct Interner {
    bytes: String,
    ends: Vec<usize>,
    /// (id + 1, high hash bits); id + 1 = 0 marks an empty slot.
    slots: Vec<(u32, u32)>,
}

impl Interner {
    fn get(&self, id: usize) -> &str {
        let start = if id == 0 { 0 } else { self.ends[id - 1] };
        &self.bytes[start..self.ends[id]]
    }

    fn intern(&mut self, s: &str) -> u32 {
        if self.slots.len() < 2 * (self.ends.len() + 1) {
            self.grow();
        }
        let hash = hash_bytes(s.as_bytes());
        let tag = (hash >> 32) as u32;
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        loop {
            let (slot, slot_tag) = self.slots[i];
            if slot == 0 {
                let id = self.ends.len() as u32;
                self.bytes.push_str(s);
                self.ends.push(self.bytes.len());
                self.slots[i] = (id + 1, tag);
                return id;
            }
            if slot_tag == tag && self.get(slot as usize - 1) == s {
                return slot - 1;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1024);
        let mut slots = vec![(0u32, 0u32); size];
        let mask = size - 1;
        for id in 0..self.ends.len() {
            let hash = hash_bytes(self.get(id).as_bytes());
            let mut i = hash as usize & mask;
            while slots[i].0 != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = (id as u32 + 1, (hash >> 32) as u32);
        }
        self.slots = slots;
    }
}

/// A fast 64-bit hash of a short byte string: 8-byte words folded with a
/// multiply-rotate, then the murmur3 finaliser so low and high bits both mix.
/// Not collision-resistant against adversarial ids; these are one's own data.
fn hash_bytes(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(23) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn same_day_transactions_are_one_purchase_day_with_summed_amounts() {
        let tx = Transactions::from_daily_amounts([
            ("b", d("2025-01-03"), 5.0),
            ("a", d("2025-01-02"), 1.0),
            ("a", d("2025-01-01"), 2.0),
            ("a", d("2025-01-02"), 3.5),
        ])
        .unwrap();
        assert_eq!(tx.n_customers(), 2);
        assert_eq!(tx.n_rows(), 4);
        assert_eq!(tx.n_customer_days(), 3);
        let b = tx.customer(0);
        assert_eq!(b.customer_id, "b");
        let a = tx.customer(1);
        assert_eq!(a.dates().collect::<Vec<_>>(), vec![d("2025-01-01"), d("2025-01-02")]);
        assert_eq!(a.amounts().unwrap(), &[2.0, 4.5]);
        assert_eq!(tx.first_date(), d("2025-01-01"));
        assert_eq!(tx.last_date(), d("2025-01-03"));
    }

    #[test]
    fn csv_reading_uses_named_columns() {
        let data =
            "id,when,total,other\nc1,2025-01-01T10:00:00+08:00,10.5,x\nc1,2025-01-01 18:00:00,1,y\nc2,20250105,0,z\n";
        let opts = ReadOptions::new("id", "when").amount_col("total");
        let tx = Transactions::read_csv_from(data.as_bytes(), "mem.csv", &opts).unwrap();
        assert_eq!(tx.n_customers(), 2);
        assert_eq!(tx.customer(0).amounts().unwrap(), &[11.5]);
        assert_eq!(tx.customer(1).dates().next(), Some(d("2025-01-05")));
        let no_amounts =
            Transactions::read_csv_from(data.as_bytes(), "mem.csv", &ReadOptions::new("id", "when")).unwrap();
        assert!(!no_amounts.has_amounts());
    }

    #[test]
    fn in_memory_rows_are_validated() {
        let err = Transactions::from_daily_amounts([("a", d("2025-01-01"), 1.0), ("b", d("2025-01-01"), -2.0)])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("row 2") && err.contains("`b`") && err.contains("-2"),
            "{err}"
        );
        let err = Transactions::from_dates([("", d("2025-01-01"))])
            .unwrap_err()
            .to_string();
        assert!(err.contains("empty customer id"), "{err}");
        let err = Transactions::from_daily_amounts([("a", d("2025-01-01"), f64::NAN)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("finite"), "{err}");
        let none: [(&str, NaiveDate); 0] = [];
        assert!(matches!(
            Transactions::from_dates(none),
            Err(ClvError::NoTransactions { .. })
        ));
    }

    #[test]
    fn interner_numbers_ids_in_order_of_first_appearance() {
        let mut ids = Interner::default();
        let names: Vec<String> = (0..5000).map(|i| format!("C{:08}", (i * 7919) % 5000)).collect();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(ids.intern(name) as usize, i);
        }
        for (i, name) in names.iter().enumerate().rev() {
            assert_eq!(ids.intern(name) as usize, i);
            assert_eq!(ids.get(i), name);
        }
        assert_eq!(ids.intern(""), 5000);
        assert_eq!(ids.intern("客户一"), 5001);
        assert_eq!(ids.intern("客户一"), 5001);
    }
}
