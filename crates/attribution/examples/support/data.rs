//! Reading a generated data directory (touches.csv, orders.csv and
//! truth/attribution.json) into a [`JourneyBuilder`]. Shared by the
//! `attribution_csv` example and the `generated` integration test; the library
//! itself does no I/O.

use std::error::Error;
use std::fs::File;
use std::path::Path;

use huaxiang_attribution::JourneyBuilder;

/// Touches and paid orders of one data directory, plus the known truth.
pub struct Dataset {
    pub builder: JourneyBuilder,
    pub touches: usize,
    pub orders: usize,
    /// (channel, caused_orders_in_data) from truth/attribution.json, if present.
    pub truth: Option<Vec<(String, f64)>>,
}

fn column(headers: &csv::StringRecord, name: &str, file: &Path) -> Result<usize, Box<dyn Error>> {
    headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| format!("{}: no column `{name}`", file.display()).into())
}

/// Days from 1970-01-01 to a civil date (Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The exact shape `YYYY-MM-DDTHH:MM:SS±HH:MM`, parsed without allocation.
fn fast_timestamp(b: &[u8]) -> Option<i64> {
    if b.len() != 25 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[22] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        b[r].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let days = days_from_civil(num(0..4)?, num(5..7)?, num(8..10)?);
    let secs = num(11..13)? * 3600 + num(14..16)? * 60 + num(17..19)?;
    let offset = num(20..22)? * 3600 + num(23..25)? * 60;
    let offset = match b[19] {
        b'+' => offset,
        b'-' => -offset,
        _ => return None,
    };
    Some(days * 86_400 + secs - offset)
}

/// Unix seconds of an RFC 3339 time.
fn timestamp(text: &str, file: &Path) -> Result<i64, Box<dyn Error>> {
    if let Some(t) = fast_timestamp(text.as_bytes()) {
        return Ok(t);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|e| format!("{}: bad time `{text}`: {e}", file.display()).into())
}

#[cfg(test)]
#[test]
fn fast_and_chrono_agree() {
    for text in [
        "2024-07-02T15:22:30+08:00",
        "1999-12-31T23:59:59-05:30",
        "2026-03-01T00:00:00+00:00",
    ] {
        let fast = fast_timestamp(text.as_bytes()).expect("fast path");
        let slow = chrono::DateTime::parse_from_rfc3339(text).expect("rfc3339").timestamp();
        assert_eq!(fast, slow, "{text}");
    }
}

/// Reads `dir/touches.csv`, the paid orders of `dir/orders.csv` (value =
/// amount) and, when present, `dir/truth/attribution.json`.
pub fn load(dir: &Path) -> Result<Dataset, Box<dyn Error>> {
    let mut builder = JourneyBuilder::new();

    let path = dir.join("touches.csv");
    let mut reader = csv::Reader::from_reader(File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?);
    let headers = reader.headers()?.clone();
    let (customer, time, channel, campaign) = (
        column(&headers, "customer_id", &path)?,
        column(&headers, "touch_time", &path)?,
        column(&headers, "channel", &path)?,
        column(&headers, "campaign_id", &path)?,
    );
    let mut touches = 0;
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record)? {
        builder.add_touch(
            &record[customer],
            timestamp(&record[time], &path)?,
            &record[channel],
            &record[campaign],
        )?;
        touches += 1;
    }

    let path = dir.join("orders.csv");
    let mut reader = csv::Reader::from_reader(File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?);
    let headers = reader.headers()?.clone();
    let (customer, time, amount, status) = (
        column(&headers, "customer_id", &path)?,
        column(&headers, "order_time", &path)?,
        column(&headers, "amount", &path)?,
        column(&headers, "status", &path)?,
    );
    let mut orders = 0;
    while reader.read_record(&mut record)? {
        if &record[status] != "paid" {
            continue;
        }
        let value: f64 = record[amount]
            .parse()
            .map_err(|e| format!("{}: bad amount `{}`: {e}", path.display(), &record[amount]))?;
        builder.add_conversion(&record[customer], timestamp(&record[time], &path)?, value)?;
        orders += 1;
    }

    let truth_path = dir.join("truth").join("attribution.json");
    let truth = if truth_path.exists() {
        let json: serde_json::Value = serde_json::from_reader(File::open(&truth_path)?)?;
        let channels = json
            .get("channels")
            .and_then(|c| c.as_object())
            .ok_or_else(|| format!("{}: no `channels` object", truth_path.display()))?;
        let mut truth = Vec::new();
        for (name, info) in channels {
            let caused = info
                .get("caused_orders_in_data")
                .and_then(|v| v.as_f64())
                .ok_or_else(|| format!("{}: {name} has no caused_orders_in_data", truth_path.display()))?;
            truth.push((name.clone(), caused));
        }
        Some(truth)
    } else {
        None
    };
    Ok(Dataset {
        builder,
        touches,
        orders,
        truth,
    })
}
