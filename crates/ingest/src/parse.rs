//! Value parsers used by the quality gate: text in, typed value or a precise
//! reason out.
//!
//! Every parser trims surrounding whitespace (including the ideographic space
//! U+3000) and never coerces silently: a value is either read exactly as
//! written or rejected with a [`ParseError`] whose English message names what
//! was expected. Messages deliberately do not repeat the value (it is in the
//! quarantined row anyway), so that identical problems have identical reasons
//! and can be counted.

use std::fmt;

use chrono::format::{Fixed, Item, Numeric, ParseErrorKind, Parsed, StrftimeItems};
use chrono::{LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

/// Why a value was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing but whitespace.
    #[error("empty value, expected {expected}")]
    Empty { expected: &'static str },
    /// No timestamp format matched.
    #[error("not a timestamp in any of the formats [{}]", formats.join(", "))]
    NotTimestamp { formats: Vec<String> },
    /// A format matched but the date or time does not exist (February 30, hour 24, second 60).
    #[error("invalid date or time (a field is out of range, e.g. February 30 or hour 24) for format {format}")]
    InvalidDateTime { format: String },
    /// A local time that falls in a daylight-saving gap of the zone.
    #[error("local time does not exist in time zone {tz} (it falls in a daylight-saving gap)")]
    NonexistentLocalTime { tz: String },
    /// A timestamp before year 1 or after year 9999.
    #[error("timestamp outside the supported range (years 1 to 9999) for format {format}")]
    TimestampOutOfRange { format: String },
    /// A timestamp format specification from the configuration is unusable.
    #[error("invalid timestamp format '{spec}': {reason}")]
    InvalidFormatSpec { spec: String, reason: String },
    /// Not a number in the configured notation.
    #[error("not {what} (expected digits with an optional sign and currency symbol{}, decimal point '{decimal}')", thousands_note(*thousands))]
    NotNumber {
        what: &'static str,
        thousands: Option<char>,
        decimal: char,
    },
    /// Thousands separators not between groups of three digits.
    #[error(
        "misplaced thousands separator '{separator}' (expected groups of 3 digits, like 1{separator}234{separator}567)"
    )]
    MisplacedThousands { separator: char },
    /// `NaN`, `inf`, `Infinity`.
    #[error("not a finite number (NaN and infinity are not accepted)")]
    NotFinite,
    /// A decimal beyond the range of a 64-bit float.
    #[error("number out of range")]
    NumberOutOfRange,
    /// An integer with a non-zero fractional part.
    #[error("not an integer (has a non-zero fractional part)")]
    NotIntegral,
    /// An integer beyond the 64-bit range.
    #[error("integer out of the 64-bit range")]
    IntegerOutOfRange,
    /// An integer written in scientific notation.
    #[error("scientific notation is not accepted for integers")]
    ExponentInInteger,
    /// Not one of the accepted boolean spellings.
    #[error("not a boolean (expected Y/N, yes/no, true/false, T/F, 1/0, 是/否 or on/off)")]
    NotBool,
    /// An id in scientific notation, which a spreadsheet makes of long numeric ids.
    #[error(
        "id in scientific notation (like 1.7850e4 or 1.23E+11): probably a long numeric id mangled by a spreadsheet; export the column as text"
    )]
    ScientificId,
    /// Number options that cannot work.
    #[error("invalid number options: {reason}")]
    InvalidNumberOptions { reason: String },
}

fn thousands_note(thousands: Option<char>) -> String {
    match thousands {
        Some(c) => format!(", thousands separator '{c}'"),
        None => ", no thousands separator".to_string(),
    }
}

// ---------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------

/// One accepted timestamp notation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TimestampFormat {
    /// ISO 8601 / RFC 3339: `YYYY-MM-DD`, then optionally `T` (or `t` or a
    /// space) and `HH:MM[:SS[.fraction]]`, then optionally an offset: `Z`,
    /// `UTC`, `±HH:MM`, `±HHMM` or `±HH` (a space before it is allowed).
    /// A date alone means local midnight.
    Iso8601,
    /// Seconds since 1970-01-01T00:00:00Z, integer or fractional (`1396321287.57`).
    UnixSeconds,
    /// Milliseconds since 1970-01-01T00:00:00Z, integer or fractional.
    UnixMillis,
    /// A chrono strftime pattern such as `%Y-%m-%d %H:%M:%S`, `%m/%d/%Y %H:%M`
    /// or `%Y%m%d`. A pattern without a time of day means local midnight; with
    /// `%z`/`%:z` the written offset is used, with `%s` the value is absolute.
    Strftime(String),
}

impl TimestampFormat {
    /// Reads the configuration spelling: `iso8601`, `unix_s`, `unix_ms`
    /// (case-insensitive), or a strftime pattern (must contain `%`, be valid,
    /// and identify a date).
    pub fn parse_spec(spec: &str) -> Result<TimestampFormat, ParseError> {
        let invalid = |reason: &str| ParseError::InvalidFormatSpec {
            spec: spec.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = spec.trim();
        match trimmed.to_ascii_lowercase().as_str() {
            "iso8601" => return Ok(TimestampFormat::Iso8601),
            "unix_s" => return Ok(TimestampFormat::UnixSeconds),
            "unix_ms" => return Ok(TimestampFormat::UnixMillis),
            _ => {}
        }
        if !spec.contains('%') {
            return Err(invalid(
                "expected iso8601, unix_s, unix_ms or a strftime pattern such as %Y-%m-%d %H:%M:%S (write %Y-%m-%d, not YYYY-MM-DD)",
            ));
        }
        if StrftimeItems::new(spec).any(|item| matches!(item, Item::Error)) {
            return Err(invalid("contains an unknown % specifier"));
        }
        if StrftimeItems::new(spec).any(|item| matches!(item, Item::Fixed(Fixed::TimezoneName))) {
            return Err(invalid(
                "%Z (a zone name) cannot be parsed; use %z or %:z for an offset",
            ));
        }
        // The pattern must be able to read back what it writes.
        let sample = NaiveDate::from_ymd_opt(2001, 2, 3)
            .and_then(|d| d.and_hms_opt(4, 5, 6))
            .ok_or_else(|| invalid("internal error building a sample date"))?;
        let mut written = String::new();
        if fmt::write(&mut written, format_args!("{}", sample.and_utc().format(spec))).is_err() {
            return Err(invalid("cannot be used to format a timestamp"));
        }
        let format = TimestampFormat::Strftime(spec.to_string());
        match parse_one(&written, &format, chrono_tz::UTC) {
            Ok(_) => Ok(format),
            Err(_) => Err(invalid(
                "does not identify a date (it needs a year, month and day, or %s), or contains specifiers that cannot be parsed such as %Z",
            )),
        }
    }

    /// Reads a list of configuration spellings (see [`parse_spec`](Self::parse_spec)).
    pub fn parse_specs<S: AsRef<str>>(specs: &[S]) -> Result<Vec<TimestampFormat>, ParseError> {
        specs.iter().map(|s| TimestampFormat::parse_spec(s.as_ref())).collect()
    }

    /// The configuration spelling (inverse of [`parse_spec`](Self::parse_spec)).
    pub fn spec(&self) -> &str {
        match self {
            TimestampFormat::Iso8601 => "iso8601",
            TimestampFormat::UnixSeconds => "unix_s",
            TimestampFormat::UnixMillis => "unix_ms",
            TimestampFormat::Strftime(p) => p,
        }
    }
}

impl fmt::Display for TimestampFormat {
    /// The name used in error messages: `ISO 8601`, `unix seconds`,
    /// `unix milliseconds`, or the pattern itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimestampFormat::Iso8601 => "ISO 8601",
            TimestampFormat::UnixSeconds => "unix seconds",
            TimestampFormat::UnixMillis => "unix milliseconds",
            TimestampFormat::Strftime(p) => p,
        })
    }
}

/// Smallest accepted timestamp: 0001-01-01T00:00:00Z in UTC microseconds.
const MIN_MICROS: i64 = -62_135_596_800_000_000;
/// Largest accepted timestamp: 9999-12-31T23:59:59.999999Z.
const MAX_MICROS: i64 = 253_402_300_799_999_999;

/// Parses a timestamp into UTC microseconds, trying `formats` in order.
///
/// Values without an offset are local times in `default_tz`: an ambiguous
/// local time (repeated when clocks go back) is the earliest instant; a local
/// time in a gap (skipped when clocks go forward) is an error, except for a
/// date alone, which means the first instant of that day. Fractions finer than
/// a microsecond are truncated.
///
/// If no format matches, the error lists the formats; if one matched the
/// shape but the value is impossible (February 30, a DST gap, out of range),
/// that more precise error is returned.
pub fn parse_timestamp(s: &str, formats: &[TimestampFormat], default_tz: Tz) -> Result<i64, ParseError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(ParseError::Empty {
            expected: "a timestamp",
        });
    }
    let mut precise: Option<ParseError> = None;
    for format in formats {
        match parse_one(s, format, default_tz) {
            Ok(micros) => return Ok(micros),
            Err(Attempt::NoMatch) => {}
            Err(Attempt::Failed(e)) => {
                precise.get_or_insert(e);
            }
        }
    }
    Err(precise.unwrap_or_else(|| ParseError::NotTimestamp {
        formats: formats.iter().map(ToString::to_string).collect(),
    }))
}

/// Outcome of one format that did not give a timestamp.
enum Attempt {
    /// The value does not have the shape of the format.
    NoMatch,
    /// It has the shape, but the value is impossible.
    Failed(ParseError),
}

fn parse_one(s: &str, format: &TimestampFormat, tz: Tz) -> Result<i64, Attempt> {
    let micros = match format {
        TimestampFormat::Iso8601 => parse_iso8601(s, tz)?,
        TimestampFormat::UnixSeconds => parse_unix(s, 6)?,
        TimestampFormat::UnixMillis => parse_unix(s, 3)?,
        TimestampFormat::Strftime(pattern) => parse_strftime(s, pattern, tz)?,
    };
    if (MIN_MICROS..=MAX_MICROS).contains(&micros) {
        Ok(micros)
    } else {
        Err(Attempt::Failed(ParseError::TimestampOutOfRange {
            format: format.to_string(),
        }))
    }
}

/// Reads exactly `n` ASCII digits at `*p`.
fn digits(b: &[u8], p: &mut usize, n: usize) -> Option<u32> {
    let mut v = 0u32;
    for i in 0..n {
        let d = b.get(*p + i).filter(|c| c.is_ascii_digit())?;
        v = v * 10 + u32::from(d - b'0');
    }
    *p += n;
    Some(v)
}

fn parse_iso8601(s: &str, tz: Tz) -> Result<i64, Attempt> {
    let invalid = || {
        Attempt::Failed(ParseError::InvalidDateTime {
            format: TimestampFormat::Iso8601.to_string(),
        })
    };
    let b = s.as_bytes();
    let mut p = 0;
    let year = digits(b, &mut p, 4).ok_or(Attempt::NoMatch)?;
    let sep = |p: &mut usize, c: u8| -> Result<(), Attempt> {
        if b.get(*p) == Some(&c) {
            *p += 1;
            Ok(())
        } else {
            Err(Attempt::NoMatch)
        }
    };
    sep(&mut p, b'-')?;
    let month = digits(b, &mut p, 2).ok_or(Attempt::NoMatch)?;
    sep(&mut p, b'-')?;
    let day = digits(b, &mut p, 2).ok_or(Attempt::NoMatch)?;
    let year = i32::try_from(year).map_err(|_| Attempt::NoMatch)?;
    let date = NaiveDate::from_ymd_opt(year, month, day);

    if p == b.len() {
        let date = date.ok_or_else(invalid)?;
        return local_midnight(date, tz).map_err(Attempt::Failed);
    }
    if !matches!(b[p], b'T' | b't' | b' ') {
        return Err(Attempt::NoMatch);
    }
    p += 1;
    let hour = digits(b, &mut p, 2).ok_or(Attempt::NoMatch)?;
    sep(&mut p, b':')?;
    let minute = digits(b, &mut p, 2).ok_or(Attempt::NoMatch)?;
    let mut second = 0;
    let mut micro = 0;
    if b.get(p) == Some(&b':') {
        p += 1;
        second = digits(b, &mut p, 2).ok_or(Attempt::NoMatch)?;
        if matches!(b.get(p), Some(b'.' | b',')) {
            p += 1;
            let start = p;
            let mut scale = 100_000;
            while let Some(d) = b.get(p).filter(|c| c.is_ascii_digit()) {
                micro += u32::from(d - b'0') * scale;
                scale /= 10;
                p += 1;
            }
            if p == start {
                return Err(Attempt::NoMatch);
            }
        }
    }

    // Offset.
    let rest = &s[p..];
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let offset_secs: Option<i32> = match rest.as_bytes() {
        [] => None,
        [b'Z' | b'z'] => Some(0),
        _ if rest.eq_ignore_ascii_case("utc") => Some(0),
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let mut q = 0;
            let oh = digits(tail, &mut q, 2).ok_or(Attempt::NoMatch)?;
            if tail.get(q) == Some(&b':') {
                q += 1;
            }
            let om = if q < tail.len() {
                digits(tail, &mut q, 2).ok_or(Attempt::NoMatch)?
            } else {
                0
            };
            if q != tail.len() {
                return Err(Attempt::NoMatch);
            }
            if oh > 23 || om > 59 {
                return Err(invalid());
            }
            let secs = i32::try_from(oh * 3600 + om * 60).map_err(|_| Attempt::NoMatch)?;
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => return Err(Attempt::NoMatch),
    };

    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micro).filter(|_| second < 60);
    let (Some(date), Some(time)) = (date, time) else {
        return Err(invalid());
    };
    let naive = date.and_time(time);
    match offset_secs {
        Some(off) => Ok(naive.and_utc().timestamp_micros() - i64::from(off) * 1_000_000),
        None => localize(naive, tz).map_err(Attempt::Failed),
    }
}

/// Unix time with `frac_digits` fraction digits per unit (6 for seconds, 3
/// for milliseconds) to reach microseconds.
fn parse_unix(s: &str, frac_digits: u32) -> Result<i64, Attempt> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let all_digits = |t: &str| t.bytes().all(|c| c.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || (body.contains('.') && frac.is_empty()) {
        return Err(Attempt::NoMatch);
    }
    let out_of_range = || {
        let format = if frac_digits == 6 {
            TimestampFormat::UnixSeconds
        } else {
            TimestampFormat::UnixMillis
        };
        Attempt::Failed(ParseError::TimestampOutOfRange {
            format: format.to_string(),
        })
    };
    let unit = 10i64.pow(frac_digits);
    let whole: i64 = int.parse().map_err(|_| out_of_range())?;
    let mut part = 0i64;
    let mut scale = unit / 10;
    for d in frac.bytes().take(frac_digits as usize) {
        part += i64::from(d - b'0') * scale;
        scale /= 10;
    }
    let magnitude = whole
        .checked_mul(unit)
        .and_then(|m| m.checked_add(part))
        .ok_or_else(out_of_range)?;
    Ok(if negative { -magnitude } else { magnitude })
}

fn parse_strftime(s: &str, pattern: &str, tz: Tz) -> Result<i64, Attempt> {
    let format = || pattern.to_string();
    let mut parsed = Parsed::new();
    if let Err(e) = chrono::format::parse(&mut parsed, s, StrftimeItems::new(pattern)) {
        return Err(match e.kind() {
            ParseErrorKind::OutOfRange | ParseErrorKind::Impossible => {
                Attempt::Failed(ParseError::InvalidDateTime { format: format() })
            }
            _ => Attempt::NoMatch,
        });
    }
    let classify = |e: chrono::format::ParseError| match e.kind() {
        ParseErrorKind::OutOfRange | ParseErrorKind::Impossible => {
            Attempt::Failed(ParseError::InvalidDateTime { format: format() })
        }
        _ => Attempt::NoMatch,
    };
    if parsed.offset().is_some() {
        let dt = parsed.to_datetime().map_err(classify)?;
        return Ok(dt.timestamp_micros());
    }
    if parsed.timestamp().is_some() {
        let naive = parsed.to_naive_datetime_with_offset(0).map_err(classify)?;
        return Ok(naive.and_utc().timestamp_micros());
    }
    let date = parsed.to_naive_date().map_err(classify)?;
    if pattern_has_time(pattern) {
        let time = parsed.to_naive_time().map_err(classify)?;
        localize(date.and_time(time), tz).map_err(Attempt::Failed)
    } else {
        local_midnight(date, tz).map_err(Attempt::Failed)
    }
}

/// Whether a strftime pattern reads a time of day.
fn pattern_has_time(pattern: &str) -> bool {
    StrftimeItems::new(pattern).any(|item| {
        matches!(
            item,
            Item::Numeric(
                Numeric::Hour | Numeric::Hour12 | Numeric::Minute | Numeric::Second | Numeric::Nanosecond,
                _
            ) | Item::Fixed(
                Fixed::Nanosecond
                    | Fixed::Nanosecond3
                    | Fixed::Nanosecond6
                    | Fixed::Nanosecond9
                    | Fixed::LowerAmPm
                    | Fixed::UpperAmPm
            )
        )
    })
}

/// A local time in `tz` as UTC microseconds: ambiguous → earliest, gap → error.
fn localize(naive: NaiveDateTime, tz: Tz) -> Result<i64, ParseError> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => Ok(dt.timestamp_micros()),
        LocalResult::Ambiguous(a, b) => Ok(a.timestamp_micros().min(b.timestamp_micros())),
        LocalResult::None => Err(ParseError::NonexistentLocalTime {
            tz: tz.name().to_string(),
        }),
    }
}

/// The first instant of `date` in `tz`: local midnight, or where midnight
/// falls in a DST gap, the end of the gap.
fn local_midnight(date: NaiveDate, tz: Tz) -> Result<i64, ParseError> {
    let midnight = date.and_time(NaiveTime::MIN);
    match localize(midnight, tz) {
        Ok(m) => Ok(m),
        Err(gap) => {
            // Gaps are at most a few hours long and minute-aligned.
            for minutes in 1..=(6 * 60) {
                if let Ok(m) = localize(midnight + chrono::Duration::minutes(minutes), tz) {
                    return Ok(m);
                }
            }
            Err(gap)
        }
    }
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

/// How numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberOptions {
    /// Thousands separator (default `,`); `None` = none accepted.
    pub thousands: Option<char>,
    /// Decimal point (default `.`).
    pub decimal: char,
}

impl Default for NumberOptions {
    fn default() -> Self {
        NumberOptions {
            thousands: Some(','),
            decimal: '.',
        }
    }
}

impl NumberOptions {
    /// Builds options from the configuration spelling: `thousands` is one
    /// character or empty for none, `decimal` one character; they must differ
    /// and be neither digits nor signs.
    pub fn from_config(thousands: &str, decimal: &str) -> Result<NumberOptions, ParseError> {
        let invalid = |reason: String| ParseError::InvalidNumberOptions { reason };
        let one = |s: &str, what: &str| -> Result<char, ParseError> {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if !c.is_ascii_digit() && c != '+' && c != '-' => Ok(c),
                _ => Err(invalid(format!(
                    "{what} must be a single character other than a digit or sign, got '{s}'"
                ))),
            }
        };
        let decimal = one(decimal, "the decimal point")?;
        let thousands = if thousands.is_empty() {
            None
        } else {
            Some(one(thousands, "the thousands separator")?)
        };
        if thousands == Some(decimal) {
            return Err(invalid(format!(
                "the thousands separator and the decimal point are both '{decimal}'"
            )));
        }
        Ok(NumberOptions { thousands, decimal })
    }
}

/// A number as written, split into its parts (ASCII digits only).
struct Scanned {
    negative: bool,
    int: String,
    frac: String,
    exponent: Option<i64>,
}

/// Currency symbols accepted before a number.
const CURRENCY: [char; 5] = ['¥', '￥', '$', '£', '€'];

/// Maps full-width forms (U+FF01..U+FF5E) of digits and signs to ASCII.
fn half_width(c: char) -> char {
    match c {
        '０'..='９' | '＋' | '－' | '．' | '，' => char::from_u32(u32::from(c) - 0xFF01 + 0x21).unwrap_or(c),
        _ => c,
    }
}

fn scan_number(s: &str, opts: &NumberOptions, what: &'static str) -> Result<Scanned, ParseError> {
    let not_number = || ParseError::NotNumber {
        what,
        thousands: opts.thousands,
        decimal: opts.decimal,
    };
    if opts.thousands == Some(opts.decimal) {
        return Err(ParseError::InvalidNumberOptions {
            reason: format!(
                "the thousands separator and the decimal point are both '{}'",
                opts.decimal
            ),
        });
    }
    let t = s.trim();
    if t.is_empty() {
        return Err(ParseError::Empty { expected: what });
    }
    let lower = t.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if matches!(unsigned, "nan" | "inf" | "infinity") {
        return Err(ParseError::NotFinite);
    }

    let chars: Vec<char> = t.chars().map(half_width).collect();
    let mut p = 0;
    let mut negative = None;
    let take_sign = |p: &mut usize, negative: &mut Option<bool>| {
        if negative.is_none()
            && let Some(&c) = chars.get(*p)
            && (c == '+' || c == '-')
        {
            *negative = Some(c == '-');
            *p += 1;
        }
    };
    take_sign(&mut p, &mut negative);
    if chars.get(p).is_some_and(|c| CURRENCY.contains(c)) {
        p += 1;
        while chars.get(p).is_some_and(|c| c.is_whitespace()) {
            p += 1;
        }
        take_sign(&mut p, &mut negative);
    }

    // Integer part, with thousands separators between groups of 3.
    let mut int = String::new();
    let mut group = 0usize;
    let mut groups = 0usize;
    let mut misplaced = false;
    while let Some(&c) = chars.get(p) {
        if c.is_ascii_digit() {
            int.push(c);
            group += 1;
        } else if Some(c) == opts.thousands {
            if group == 0 || (groups == 0 && group > 3) || (groups > 0 && group != 3) {
                misplaced = true;
            }
            groups += 1;
            group = 0;
        } else {
            break;
        }
        p += 1;
    }
    if groups > 0 && group != 3 {
        misplaced = true;
    }

    let mut frac = String::new();
    if chars.get(p) == Some(&opts.decimal) {
        p += 1;
        while let Some(&c) = chars.get(p).filter(|c| c.is_ascii_digit()) {
            frac.push(c);
            p += 1;
        }
    }
    if int.is_empty() && frac.is_empty() {
        return Err(not_number());
    }

    let mut exponent = None;
    if matches!(chars.get(p), Some('e' | 'E')) {
        p += 1;
        let mut exp = String::new();
        if let Some(&c) = chars.get(p).filter(|c| **c == '+' || **c == '-') {
            exp.push(c);
            p += 1;
        }
        let start = exp.len();
        while let Some(&c) = chars.get(p).filter(|c| c.is_ascii_digit()) {
            exp.push(c);
            p += 1;
        }
        if exp.len() == start {
            return Err(not_number());
        }
        // Saturate: an absurd exponent is out of range either way.
        exponent = Some(
            exp.parse::<i64>()
                .unwrap_or(if exp.starts_with('-') { i64::MIN } else { i64::MAX }),
        );
    }
    if p != chars.len() {
        return Err(not_number());
    }
    if misplaced {
        return Err(ParseError::MisplacedThousands {
            separator: opts.thousands.unwrap_or(','),
        });
    }
    Ok(Scanned {
        negative: negative.unwrap_or(false),
        int,
        frac,
        exponent,
    })
}

/// Parses a decimal number: optional sign, optional currency symbol
/// (`¥ ￥ $ £ €`, before or after the sign), digits with thousands separators
/// between groups of exactly 3 (`1,234,567.5`), an optional fraction and an
/// optional exponent (`1.5E-3`). Full-width digits and signs are accepted.
/// `NaN`, infinities, empty values and anything else are rejected.
pub fn parse_decimal(s: &str, opts: &NumberOptions) -> Result<f64, ParseError> {
    let n = scan_number(s, opts, "a decimal number")?;
    let mut text = String::with_capacity(n.int.len() + n.frac.len() + 24);
    if n.negative {
        text.push('-');
    }
    text.push_str(if n.int.is_empty() { "0" } else { &n.int });
    if !n.frac.is_empty() {
        text.push('.');
        text.push_str(&n.frac);
    }
    if let Some(e) = n.exponent {
        // Beyond ±100000 the value is 0 or infinite anyway; keep the text short.
        text.push('e');
        text.push_str(&e.clamp(-100_000, 100_000).to_string());
    }
    let value: f64 = text.parse().map_err(|_| ParseError::NotNumber {
        what: "a decimal number",
        thousands: opts.thousands,
        decimal: opts.decimal,
    })?;
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ParseError::NumberOutOfRange)
    }
}

/// Parses an integer with the default [`NumberOptions`] (see [`parse_int_with`]).
pub fn parse_int(s: &str) -> Result<i64, ParseError> {
    parse_int_with(s, &NumberOptions::default())
}

/// Parses a 64-bit integer written like [`parse_decimal`] accepts, exactly
/// (no detour through floating point): `17,850`, `-3`, `17850.0` and
/// `17850.00` are accepted, `1.5` and `1e3` are not.
pub fn parse_int_with(s: &str, opts: &NumberOptions) -> Result<i64, ParseError> {
    let n = scan_number(s, opts, "an integer")?;
    if n.exponent.is_some() {
        return Err(ParseError::ExponentInInteger);
    }
    if n.frac.bytes().any(|d| d != b'0') {
        return Err(ParseError::NotIntegral);
    }
    let digits = n.int.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    let text = if n.negative {
        format!("-{digits}")
    } else {
        digits.to_string()
    };
    text.parse::<i64>().map_err(|_| ParseError::IntegerOutOfRange)
}

// ---------------------------------------------------------------------------
// Booleans and ids
// ---------------------------------------------------------------------------

/// Parses a boolean: `Y`/`N`, `yes`/`no`, `true`/`false`, `T`/`F`, `1`/`0`,
/// `是`/`否`, `on`/`off`, case-insensitive.
pub fn parse_bool(s: &str) -> Result<bool, ParseError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(ParseError::Empty { expected: "a boolean" });
    }
    match t.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "t" | "1" | "是" | "on" => Ok(true),
        "n" | "no" | "false" | "f" | "0" | "否" | "off" => Ok(false),
        _ => Err(ParseError::NotBool),
    }
}

/// Cleans an id: trims it; a number with a zero fraction (`17850.0`,
/// `17850.00`, what a float column makes of an integer id) loses the fraction.
/// An id in scientific notation with a decimal point or a signed exponent
/// (`1.7850e4`, `1.23E+11`, `1E+11`) is rejected: the digits a spreadsheet
/// dropped cannot be recovered. Codes like `3E10` stay as they are. Anything
/// else is kept exactly.
pub fn parse_id(s: &str) -> Result<&str, ParseError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(ParseError::Empty { expected: "an id" });
    }
    if looks_scientific(t) {
        return Err(ParseError::ScientificId);
    }
    if let Some((int, frac)) = t.split_once('.') {
        let digits = int.strip_prefix(['+', '-']).unwrap_or(int);
        if !digits.is_empty()
            && digits.bytes().all(|c| c.is_ascii_digit())
            && !frac.is_empty()
            && frac.bytes().all(|c| c == b'0')
        {
            return Ok(int);
        }
    }
    Ok(t)
}

/// `[+-]? digits ('.' digits)? [eE] [+-]? digits`, with either a decimal point
/// or an explicit exponent sign.
fn looks_scientific(t: &str) -> bool {
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let Some(e) = t.find(['e', 'E']) else {
        return false;
    };
    let (mantissa, exp) = (&t[..e], &t[e + 1..]);
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    let signed = exp.starts_with(['+', '-']);
    let exp_digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    all_digits(int) && frac.is_none_or(all_digits) && all_digits(exp_digits) && (frac.is_some() || signed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, SecondsFormat};

    type R = Result<(), ParseError>;

    const SH: Tz = chrono_tz::Asia::Shanghai;
    const NY: Tz = chrono_tz::America::New_York;

    fn micros(rfc3339: &str) -> i64 {
        DateTime::parse_from_rfc3339(rfc3339)
            .map(|d| d.timestamp_micros())
            .unwrap_or(i64::MIN)
    }

    fn iso() -> Vec<TimestampFormat> {
        vec![TimestampFormat::Iso8601]
    }

    fn fmt(p: &str) -> Vec<TimestampFormat> {
        vec![TimestampFormat::Strftime(p.to_string())]
    }

    #[test]
    fn iso8601_variants() -> R {
        let want = micros("2024-07-01T00:32:28+08:00");
        for s in [
            "2024-07-01T00:32:28+08:00",
            "2024-07-01 00:32:28+0800",
            "2024-07-01t00:32:28 +08",
            "2024-06-30T16:32:28Z",
            "2024-06-30 16:32:28 UTC",
            "2024-06-30T16:32:28.000z",
            "2024-06-30T19:32:28+03:00",
            "2024-06-30T11:02:28-05:30",
            "  2024-07-01 00:32:28  ", // local (Shanghai), trimmed
            "2024-07-01T00:32:28",
        ] {
            assert_eq!(parse_timestamp(s, &iso(), SH)?, want, "{s}");
        }
        assert_eq!(parse_timestamp("2024-07-01T00:32", &iso(), SH)?, want - 28_000_000);
        assert_eq!(parse_timestamp("2024-07-01T00:32:28.5", &iso(), SH)?, want + 500_000);
        assert_eq!(
            parse_timestamp("2024-07-01T00:32:28,123456789", &iso(), SH)?,
            want + 123_456
        );
        assert_eq!(
            parse_timestamp("2024-07-01", &iso(), SH)?,
            micros("2024-07-01T00:00:00+08:00")
        );
        Ok(())
    }

    #[test]
    fn iso8601_rejects() {
        let not = Err(ParseError::NotTimestamp {
            formats: vec!["ISO 8601".into()],
        });
        for s in [
            "2024/07/01",
            "2024-7-1",
            "20240701",
            "2024-07-01T",
            "2024-07-01T00:32:28.",
            "2024-07-01T00:32:28+8",
            "2024-07-01T00:32:28 CST",
            "yesterday",
            "1719765148",
        ] {
            assert_eq!(parse_timestamp(s, &iso(), SH), not, "{s}");
        }
        let invalid = Err(ParseError::InvalidDateTime {
            format: "ISO 8601".into(),
        });
        for s in [
            "2023-02-29",
            "2024-13-01",
            "2024-04-31T00:00:00",
            "2024-07-01T24:00:00",
            "2024-07-01T23:60:00",
            "2024-07-01T23:59:60Z",
            "2024-07-01T00:00:00+24:00",
        ] {
            assert_eq!(parse_timestamp(s, &iso(), SH), invalid, "{s}");
        }
        assert_eq!(
            parse_timestamp(" ", &iso(), SH),
            Err(ParseError::Empty {
                expected: "a timestamp"
            })
        );
    }

    #[test]
    fn leap_day() -> R {
        assert_eq!(
            parse_timestamp("2024-02-29 12:00:00", &iso(), SH)?,
            micros("2024-02-29T12:00:00+08:00")
        );
        assert_eq!(
            parse_timestamp("20240229", &fmt("%Y%m%d"), SH)?,
            micros("2024-02-29T00:00:00+08:00")
        );
        assert_eq!(
            parse_timestamp("20230229", &fmt("%Y%m%d"), SH),
            Err(ParseError::InvalidDateTime {
                format: "%Y%m%d".into()
            })
        );
        assert_eq!(
            parse_timestamp("2000-02-29", &iso(), chrono_tz::UTC)?,
            micros("2000-02-29T00:00:00Z")
        );
        assert!(parse_timestamp("1900-02-29", &iso(), chrono_tz::UTC).is_err());
        Ok(())
    }

    #[test]
    fn dst_gap_and_overlap() -> R {
        // New York 2024-03-10: 02:00-03:00 does not exist.
        assert_eq!(
            parse_timestamp("2024-03-10 02:30:00", &iso(), NY),
            Err(ParseError::NonexistentLocalTime {
                tz: "America/New_York".into()
            })
        );
        assert_eq!(
            parse_timestamp("03/10/2024 02:30", &fmt("%m/%d/%Y %H:%M"), NY),
            Err(ParseError::NonexistentLocalTime {
                tz: "America/New_York".into()
            })
        );
        assert_eq!(
            parse_timestamp("2024-03-10 03:00:00", &iso(), NY)?,
            micros("2024-03-10T03:00:00-04:00")
        );
        // With an explicit offset there is no gap.
        assert_eq!(
            parse_timestamp("2024-03-10T02:30:00-05:00", &iso(), NY)?,
            micros("2024-03-10T07:30:00Z")
        );
        // 2024-11-03 01:30 happens twice: the earliest (EDT, -04:00) wins.
        assert_eq!(
            parse_timestamp("2024-11-03 01:30:00", &iso(), NY)?,
            micros("2024-11-03T01:30:00-04:00")
        );
        // A date whose midnight is in a gap: the first instant of the day.
        // America/Sao_Paulo 2018-11-04: 00:00 -> 01:00.
        let sp = chrono_tz::America::Sao_Paulo;
        assert_eq!(
            parse_timestamp("2018-11-04", &iso(), sp)?,
            micros("2018-11-04T01:00:00-02:00")
        );
        assert_eq!(
            parse_timestamp("20181104", &fmt("%Y%m%d"), sp)?,
            micros("2018-11-04T01:00:00-02:00")
        );
        assert!(parse_timestamp("2018-11-04 00:30:00", &iso(), sp).is_err());
        Ok(())
    }

    #[test]
    fn unix_formats() -> R {
        let s = [TimestampFormat::UnixSeconds];
        let ms = [TimestampFormat::UnixMillis];
        assert_eq!(parse_timestamp("1396321287", &s, SH)?, 1_396_321_287_000_000);
        assert_eq!(parse_timestamp("1396321287.57", &s, SH)?, 1_396_321_287_570_000);
        assert_eq!(parse_timestamp("1396321287.1234567", &s, SH)?, 1_396_321_287_123_456);
        assert_eq!(parse_timestamp("-1.5", &s, SH)?, -1_500_000);
        assert_eq!(parse_timestamp("1396321287570", &ms, SH)?, 1_396_321_287_570_000);
        assert_eq!(parse_timestamp("1396321287.57", &ms, SH)?, 1_396_321_287_570);
        assert_eq!(parse_timestamp("+0", &ms, SH)?, 0);
        for bad in ["1.3e9", "1,396,321,287", "12a", ".5", "5.", "--1", ""] {
            assert!(parse_timestamp(bad, &s, SH).is_err(), "{bad}");
        }
        // Milliseconds read as seconds land after year 9999: out of range, not silently year 46000.
        assert_eq!(
            parse_timestamp("1396321287570", &s, SH),
            Err(ParseError::TimestampOutOfRange {
                format: "unix seconds".into()
            })
        );
        assert_eq!(
            parse_timestamp("99999999999999999999", &s, SH),
            Err(ParseError::TimestampOutOfRange {
                format: "unix seconds".into()
            })
        );
        Ok(())
    }

    #[test]
    fn strftime_formats() -> R {
        let want = micros("2024-07-01T00:32:28+08:00");
        assert_eq!(
            parse_timestamp("2024-07-01 00:32:28", &fmt("%Y-%m-%d %H:%M:%S"), SH)?,
            want
        );
        assert_eq!(
            parse_timestamp("07/01/2024 00:32", &fmt("%m/%d/%Y %H:%M"), SH)?,
            want - 28_000_000
        );
        assert_eq!(
            parse_timestamp("20240701", &fmt("%Y%m%d"), SH)?,
            micros("2024-07-01T00:00:00+08:00")
        );
        assert_eq!(
            parse_timestamp("2024-07-01", &fmt("%Y-%m-%d"), SH)?,
            micros("2024-07-01T00:00:00+08:00")
        );
        assert_eq!(
            parse_timestamp("2024-06-30 16:32:28 +0000", &fmt("%Y-%m-%d %H:%M:%S %z"), SH)?,
            want
        );
        assert_eq!(parse_timestamp("1719765148", &fmt("%s"), SH)?, want);
        assert_eq!(
            parse_timestamp("2024-07-01 12:32:28 AM", &fmt("%Y-%m-%d %I:%M:%S %p"), SH)?,
            want
        );
        assert_eq!(
            parse_timestamp("2024年7月1日", &fmt("%Y年%m月%d日"), SH)?,
            micros("2024-07-01T00:00:00+08:00")
        );
        assert_eq!(
            parse_timestamp("2024-07-01 00:32:28 extra", &fmt("%Y-%m-%d %H:%M:%S"), SH),
            Err(ParseError::NotTimestamp {
                formats: vec!["%Y-%m-%d %H:%M:%S".into()]
            })
        );
        Ok(())
    }

    #[test]
    fn formats_tried_in_order_and_error_message() {
        let formats = vec![
            TimestampFormat::Strftime("%Y-%m-%d %H:%M:%S".into()),
            TimestampFormat::Iso8601,
        ];
        assert_eq!(
            parse_timestamp("2024-07-01T00:32:28Z", &formats, SH),
            Ok(micros("2024-07-01T00:32:28Z"))
        );
        let err = parse_timestamp("July 1st", &formats, SH).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("not a timestamp in any of the formats [%Y-%m-%d %H:%M:%S, ISO 8601]")
        );
        // A format that matched the shape gives the precise reason.
        let formats = vec![TimestampFormat::UnixSeconds, TimestampFormat::Iso8601];
        assert_eq!(
            parse_timestamp("2024-02-30", &formats, SH),
            Err(ParseError::InvalidDateTime {
                format: "ISO 8601".into()
            })
        );
    }

    #[test]
    fn format_specs() -> Result<(), ParseError> {
        assert_eq!(TimestampFormat::parse_spec("iso8601")?, TimestampFormat::Iso8601);
        assert_eq!(TimestampFormat::parse_spec("UNIX_S")?, TimestampFormat::UnixSeconds);
        assert_eq!(TimestampFormat::parse_spec("unix_ms")?, TimestampFormat::UnixMillis);
        assert_eq!(
            TimestampFormat::parse_spec("%Y%m%d")?,
            TimestampFormat::Strftime("%Y%m%d".into())
        );
        let specs = TimestampFormat::parse_specs(&["%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%s"])?;
        assert_eq!(specs.len(), 4);
        for f in &specs {
            assert_eq!(&TimestampFormat::parse_spec(f.spec())?, f);
        }
        for bad in ["YYYY-MM-DD", "iso", "%Q", "%H:%M", "%Y-%m-%d %Z", ""] {
            assert!(
                matches!(
                    TimestampFormat::parse_spec(bad),
                    Err(ParseError::InvalidFormatSpec { .. })
                ),
                "{bad}"
            );
        }
        Ok(())
    }

    #[test]
    fn timestamp_round_trips() -> R {
        // Every 7 hours 13 minutes over three years, in two zones, in three notations.
        let start = micros("2023-01-01T00:00:00Z");
        let step = (7 * 3600 + 13 * 60 + 17) * 1_000_000 + 123_456;
        for tz in [SH, NY] {
            for k in 0..3600 {
                let t = start + k * step;
                let Some(utc) = DateTime::from_timestamp_micros(t) else {
                    continue;
                };
                let local = utc.with_timezone(&tz);
                let rfc = local.to_rfc3339_opts(SecondsFormat::Micros, true);
                assert_eq!(parse_timestamp(&rfc, &iso(), tz)?, t, "{rfc}");
                let naive = local.format("%Y-%m-%d %H:%M:%S%.6f").to_string();
                // Naive local times are ambiguous in the repeated hour: earliest wins.
                let parsed = parse_timestamp(&naive, &iso(), tz)?;
                assert!(parsed == t || parsed == t - 3_600_000_000, "{naive}");
                let unix = format!("{}.{:06}", t.div_euclid(1_000_000), t.rem_euclid(1_000_000));
                assert_eq!(parse_timestamp(&unix, &[TimestampFormat::UnixSeconds], tz)?, t);
            }
        }
        Ok(())
    }

    #[test]
    fn decimals() -> R {
        let o = NumberOptions::default();
        assert_eq!(parse_decimal("1,234.56", &o)?, 1234.56);
        assert_eq!(parse_decimal("-3", &o)?, -3.0);
        assert_eq!(parse_decimal("+2.5", &o)?, 2.5);
        assert_eq!(parse_decimal(" 7 ", &o)?, 7.0);
        assert_eq!(parse_decimal("\u{3000}7\u{3000}", &o)?, 7.0);
        assert_eq!(parse_decimal("¥1,234", &o)?, 1234.0);
        assert_eq!(parse_decimal("￥ 99.90", &o)?, 99.9);
        assert_eq!(parse_decimal("-$5", &o)?, -5.0);
        assert_eq!(parse_decimal("$-5", &o)?, -5.0);
        assert_eq!(parse_decimal("£0.5", &o)?, 0.5);
        assert_eq!(parse_decimal("€1,000,000", &o)?, 1e6);
        assert_eq!(parse_decimal("１２３．５", &o)?, 123.5);
        assert_eq!(parse_decimal("－１，２３４", &o)?, -1234.0);
        assert_eq!(parse_decimal(".5", &o)?, 0.5);
        assert_eq!(parse_decimal("5.", &o)?, 5.0);
        assert_eq!(parse_decimal("1.5E-3", &o)?, 0.0015);
        assert_eq!(parse_decimal("007", &o)?, 7.0);
        assert_eq!(
            parse_decimal(
                "123",
                &NumberOptions {
                    thousands: None,
                    decimal: '.'
                }
            )?,
            123.0
        );
        let eu = NumberOptions {
            thousands: Some('.'),
            decimal: ',',
        };
        assert_eq!(parse_decimal("1.234,56", &eu)?, 1234.56);
        assert_eq!(parse_decimal("-0,5", &eu)?, -0.5);
        Ok(())
    }

    #[test]
    fn decimal_rejects() {
        let o = NumberOptions::default();
        let not = Err(ParseError::NotNumber {
            what: "a decimal number",
            thousands: Some(','),
            decimal: '.',
        });
        for s in [
            "abc",
            "1.2.3",
            "12abc",
            "$",
            "-",
            "1 234",
            "(5)",
            "1e",
            "5%",
            "--5",
            "¥¥5",
            "1.234,5",
            "0x10",
            "１２３元",
        ] {
            assert_eq!(parse_decimal(s, &o), not, "{s}");
        }
        let misplaced = Err(ParseError::MisplacedThousands { separator: ',' });
        for s in [
            "1,23,4", "1,2", "12,34", "1234,567", ",123", "1,,234", "1,234,", "1,2345",
        ] {
            assert_eq!(parse_decimal(s, &o), misplaced, "{s}");
        }
        for s in ["NaN", "nan", "inf", "-inf", "Infinity", "+INF"] {
            assert_eq!(parse_decimal(s, &o), Err(ParseError::NotFinite), "{s}");
        }
        assert_eq!(
            parse_decimal("", &o),
            Err(ParseError::Empty {
                expected: "a decimal number"
            })
        );
        assert_eq!(parse_decimal("1e400", &o), Err(ParseError::NumberOutOfRange));
        assert_eq!(
            parse_decimal(
                "1,234",
                &NumberOptions {
                    thousands: None,
                    decimal: '.'
                }
            ),
            Err(ParseError::NotNumber {
                what: "a decimal number",
                thousands: None,
                decimal: '.'
            })
        );
        assert!(matches!(
            parse_decimal(
                "1",
                &NumberOptions {
                    thousands: Some('.'),
                    decimal: '.'
                }
            ),
            Err(ParseError::InvalidNumberOptions { .. })
        ));
        let msg = parse_decimal("1,23,4", &o).err().map(|e| e.to_string());
        assert_eq!(
            msg.as_deref(),
            Some("misplaced thousands separator ',' (expected groups of 3 digits, like 1,234,567)")
        );
    }

    #[test]
    fn decimal_round_trips() -> R {
        let o = NumberOptions::default();
        for v in [
            0.1,
            -0.0,
            1234.5678,
            1e-9,
            9_007_199_254_740_993.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            17850.0,
        ] {
            assert_eq!(parse_decimal(&v.to_string(), &o)?, v, "{v}");
            assert_eq!(parse_decimal(&format!("{v:e}"), &o)?, v, "{v:e}");
        }
        Ok(())
    }

    #[test]
    fn number_options_from_config() -> Result<(), ParseError> {
        assert_eq!(NumberOptions::from_config(",", ".")?, NumberOptions::default());
        assert_eq!(
            NumberOptions::from_config("", ",")?,
            NumberOptions {
                thousands: None,
                decimal: ','
            }
        );
        assert_eq!(
            NumberOptions::from_config(" ", ",")?,
            NumberOptions {
                thousands: Some(' '),
                decimal: ','
            }
        );
        for (t, d) in [(",", ","), (",", ""), ("ab", "."), (",", "1"), ("-", ".")] {
            assert!(NumberOptions::from_config(t, d).is_err(), "{t:?} {d:?}");
        }
        Ok(())
    }

    #[test]
    fn integers() -> R {
        assert_eq!(parse_int("17850.0")?, 17850);
        assert_eq!(parse_int("17850.00")?, 17850);
        assert_eq!(parse_int("17,850")?, 17850);
        assert_eq!(parse_int(" -3 ")?, -3);
        assert_eq!(parse_int("+0")?, 0);
        assert_eq!(parse_int("000")?, 0);
        assert_eq!(parse_int("¥1,000")?, 1000);
        assert_eq!(parse_int("１７８５０")?, 17850);
        assert_eq!(parse_int("9223372036854775807")?, i64::MAX);
        assert_eq!(parse_int("-9,223,372,036,854,775,808")?, i64::MIN);
        // Exact, no float detour.
        assert_eq!(parse_int("9007199254740993")?, 9_007_199_254_740_993);
        assert_eq!(parse_int("1.5"), Err(ParseError::NotIntegral));
        assert_eq!(parse_int("17850.01"), Err(ParseError::NotIntegral));
        assert_eq!(parse_int("1e3"), Err(ParseError::ExponentInInteger));
        assert_eq!(parse_int("9223372036854775808"), Err(ParseError::IntegerOutOfRange));
        assert_eq!(
            parse_int("1,23"),
            Err(ParseError::MisplacedThousands { separator: ',' })
        );
        assert_eq!(parse_int("NaN"), Err(ParseError::NotFinite));
        assert_eq!(parse_int("   "), Err(ParseError::Empty { expected: "an integer" }));
        assert_eq!(
            parse_int("x"),
            Err(ParseError::NotNumber {
                what: "an integer",
                thousands: Some(','),
                decimal: '.'
            })
        );
        let eu = NumberOptions {
            thousands: Some('.'),
            decimal: ',',
        };
        assert_eq!(parse_int_with("1.234,0", &eu)?, 1234);
        for v in [i64::MIN, -1, 0, 1, i64::MAX] {
            assert_eq!(parse_int(&v.to_string())?, v);
        }
        Ok(())
    }

    #[test]
    fn booleans() -> R {
        for s in [
            "Y", "y", "yes", "YES", "true", "True", "T", "t", "1", "是", "on", "ON", " yes ",
        ] {
            assert!(parse_bool(s)?, "{s}");
        }
        for s in [
            "N", "n", "no", "No", "false", "FALSE", "F", "f", "0", "否", "off", "Off",
        ] {
            assert!(!parse_bool(s)?, "{s}");
        }
        for s in ["2", "maybe", "yess", "t r u e", "-1", "真"] {
            assert_eq!(parse_bool(s), Err(ParseError::NotBool), "{s}");
        }
        assert_eq!(parse_bool(""), Err(ParseError::Empty { expected: "a boolean" }));
        Ok(())
    }

    #[test]
    fn random_input_never_panics() {
        let alphabet: Vec<char> = "0123456789+-.,eE:T Z%$¥￥１，．－ /年月日yesnoNaN\u{3000}"
            .chars()
            .collect();
        let formats = vec![
            TimestampFormat::Iso8601,
            TimestampFormat::UnixSeconds,
            TimestampFormat::UnixMillis,
            TimestampFormat::Strftime("%Y-%m-%d %H:%M:%S".into()),
            TimestampFormat::Strftime("%Y%m%d".into()),
        ];
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..30_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            let s: String = (0..len)
                .map(|k| alphabet[((state >> (k % 40)) as usize + k * 7) % alphabet.len()])
                .collect();
            let _ = parse_timestamp(&s, &formats, NY);
            let _ = parse_decimal(&s, &NumberOptions::default());
            let _ = parse_int(&s);
            let _ = parse_bool(&s);
            let _ = parse_id(&s);
            let _ = TimestampFormat::parse_spec(&s);
        }
    }

    #[test]
    fn ids() -> R {
        assert_eq!(parse_id(" 17850.0 ")?, "17850");
        assert_eq!(parse_id("17850.00")?, "17850");
        assert_eq!(parse_id("007.0")?, "007");
        assert_eq!(parse_id("-12.0")?, "-12");
        assert_eq!(parse_id("17850")?, "17850");
        assert_eq!(parse_id("17850.5")?, "17850.5");
        assert_eq!(parse_id("C00000001")?, "C00000001");
        assert_eq!(parse_id("3E10")?, "3E10");
        assert_eq!(parse_id("1.0.0")?, "1.0.0");
        assert_eq!(parse_id("A.0")?, "A.0");
        assert_eq!(parse_id(".0")?, ".0");
        assert_eq!(parse_id("ab8801d46450e4d2")?, "ab8801d46450e4d2");
        for s in ["1.7850e4", "1.23457E+11", "1E+11", "-1.5e-3", "4.5E10"] {
            assert_eq!(parse_id(s), Err(ParseError::ScientificId), "{s}");
        }
        assert_eq!(parse_id("  "), Err(ParseError::Empty { expected: "an id" }));
        Ok(())
    }
}
