//! Time expressions: 最近三个月, 上周, 今年, 2025年Q3, last 30 days, November 2025, …
//!
//! Runs on normalised text (digits for numbers, lower case). Each pattern that
//! matches is recorded with its position and blanked out, so later patterns
//! and the rest of the parser never see it again (the 月 of 上个月 is not a
//! month grain, the 3 of 最近3个月 is not a top N). Every expression becomes
//! a [`RangeSpec`] of the metric catalog, anchored at the as-of day like
//! `huaxiang metric --last/--from/--to`, with the semantics of the nlq
//! definitions: N days/months/quarters are whole calendar units ending with
//! the as-of day's, weeks are 7 days each, "last week" is the previous Monday
//! to Sunday, years are calendar years.

use std::sync::LazyLock;

use chrono::{Datelike, Duration, NaiveDate};
use huaxiang_metrics::RangeSpec;
use huaxiang_metrics::range::{DateSpec, Unit};
use regex::{Captures, Regex};

/// What the time expressions of a question say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Times {
    /// The ranges, in the order written.
    pub ranges: Vec<RangeSpec>,
    /// The question asks about days after the as-of day (tomorrow, next month).
    pub future: bool,
    /// 同比 / year over year.
    pub yoy: bool,
    /// 环比 / month over month, versus the previous period.
    pub mom: bool,
}

type Make = fn(&Captures<'_>, NaiveDate) -> Option<Hit>;

#[derive(Debug, Clone)]
enum Hit {
    Range(RangeSpec),
    Future,
    Yoy,
    Mom,
}

const MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";
/// A Chinese or ISO date bound inside a range expression.
const ATOM: &str = r"(?:\d{4}\s*年\s*(?:第?\s*[1-4]\s*季度|q[1-4]|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?|\d{4}-\d{1,2}(?:-\d{1,2})?|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)";

fn between(a: DateSpec, b: DateSpec) -> RangeSpec {
    RangeSpec::Between(Some(a), Some(b))
}

fn one(d: DateSpec) -> RangeSpec {
    between(d, d)
}

fn num(c: &Captures<'_>, i: usize) -> Option<u32> {
    c.get(i).and_then(|m| m.as_str().trim().parse().ok())
}

fn month_number(name: &str) -> Option<u32> {
    let n = name.trim_end_matches('.');
    let all = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    all.iter().position(|m| n.starts_with(m)).map(|p| p as u32 + 1)
}

/// The year of a relative year word.
fn year_word(w: &str, as_of: NaiveDate) -> Option<i32> {
    let y = as_of.year();
    Some(match w {
        "今年" | "本年" | "this year" | "今年的" => y,
        "去年" | "上年" | "上一年" | "last year" | "previous year" => y - 1,
        "前年" => y - 2,
        _ => {
            let digits: String = w.chars().filter(char::is_ascii_digit).collect();
            return digits.parse().ok();
        }
    })
}

/// The year of a month written without one: this year's, or last year's when still to come.
fn year_of_month(m: u32, as_of: NaiveDate) -> i32 {
    if m <= as_of.month() {
        as_of.year()
    } else {
        as_of.year() - 1
    }
}

fn year_of_quarter(q: u32, as_of: NaiveDate) -> i32 {
    if q <= (as_of.month() - 1) / 3 + 1 {
        as_of.year()
    } else {
        as_of.year() - 1
    }
}

fn month(y: i32, m: u32) -> Option<DateSpec> {
    (1..=12).contains(&m).then_some(DateSpec::Month(y, m))
}

/// Parses one Chinese or ISO bound (`2025年3月`, `2025年Q1`, `2025-03-05`, `3月`).
fn atom(text: &str, default_year: Option<i32>, as_of: NaiveDate) -> Option<DateSpec> {
    static ISO: LazyLock<Regex> = LazyLock::new(|| re(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$"));
    static ZH: LazyLock<Regex> = LazyLock::new(|| {
        re(r"^(?:(\d{4})\s*年)?\s*(?:第?\s*([1-4])\s*季度|q([1-4])|(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号])?)?$")
    });
    let t = text.trim();
    if let Some(c) = ISO.captures(t) {
        let (y, m) = (num(&c, 1)? as i32, num(&c, 2)?);
        return match num(&c, 3) {
            Some(d) => NaiveDate::from_ymd_opt(y, m, d).map(DateSpec::Day),
            None => month(y, m),
        };
    }
    let c = ZH.captures(t)?;
    let y = num(&c, 1).map(|y| y as i32);
    if let Some(q) = num(&c, 2).or_else(|| num(&c, 3)) {
        return Some(DateSpec::Quarter(
            y.or(default_year).unwrap_or_else(|| year_of_quarter(q, as_of)),
            q,
        ));
    }
    if let Some(m) = num(&c, 4) {
        let y = y.or(default_year).unwrap_or_else(|| year_of_month(m, as_of));
        return match num(&c, 5) {
            Some(d) => NaiveDate::from_ymd_opt(y, m, d).map(DateSpec::Day),
            None => month(y, m),
        };
    }
    y.map(DateSpec::Year)
}

fn year_of(d: DateSpec) -> i32 {
    match d {
        DateSpec::Day(d) => d.year(),
        DateSpec::Month(y, _) | DateSpec::Quarter(y, _) | DateSpec::Year(y) => y,
    }
}

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap_or_else(|e| panic!("time pattern {p}: {e}"))
}

fn en_atom(text: &str, as_of: NaiveDate) -> Option<DateSpec> {
    static EN: LazyLock<Regex> = LazyLock::new(|| {
        re(&format!(
            r"^(?:({MONTHS})\.?\s*(?:of\s+)?(\d{{4}})?|q([1-4])\s*(\d{{4}})?|(\d{{4}})\s*q([1-4])|(\d{{4}})-(\d{{1,2}})|(\d{{4}}))$"
        ))
    });
    let c = EN.captures(text.trim())?;
    if let Some(m) = c.get(1) {
        let m = month_number(m.as_str())?;
        let y = num(&c, 2).map(|y| y as i32).unwrap_or_else(|| year_of_month(m, as_of));
        return month(y, m);
    }
    if let Some(q) = num(&c, 3) {
        let y = num(&c, 4)
            .map(|y| y as i32)
            .unwrap_or_else(|| year_of_quarter(q, as_of));
        return Some(DateSpec::Quarter(y, q));
    }
    if let (Some(y), Some(q)) = (num(&c, 5), num(&c, 6)) {
        return Some(DateSpec::Quarter(y as i32, q));
    }
    if let (Some(y), Some(m)) = (num(&c, 7), num(&c, 8)) {
        return month(y as i32, m);
    }
    num(&c, 9).map(|y| DateSpec::Year(y as i32))
}

fn last(n: u32, unit: &str) -> Option<RangeSpec> {
    if n == 0 {
        return None;
    }
    let u = unit.trim_start_matches('个');
    Some(if u.starts_with("day") || u == "天" || u == "日" {
        RangeSpec::Last(n, Unit::Day)
    } else if u.starts_with("week") || u == "周" || u == "星期" {
        RangeSpec::Last(n * 7, Unit::Day)
    } else if u.starts_with("month") || u == "月" {
        RangeSpec::Last(n, Unit::Month)
    } else if u.starts_with("quarter") || u == "季度" {
        RangeSpec::Last(n, Unit::Quarter)
    } else {
        // The last N years read as the last 12·N calendar months.
        RangeSpec::Last(n * 12, Unit::Month)
    })
}

fn days(a: NaiveDate, b: NaiveDate) -> RangeSpec {
    between(DateSpec::Day(a), DateSpec::Day(b))
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

fn prev_month(as_of: NaiveDate) -> DateSpec {
    if as_of.month() == 1 {
        DateSpec::Month(as_of.year() - 1, 12)
    } else {
        DateSpec::Month(as_of.year(), as_of.month() - 1)
    }
}

fn prev_quarter(as_of: NaiveDate) -> DateSpec {
    let q = (as_of.month() - 1) / 3 + 1;
    if q == 1 {
        DateSpec::Quarter(as_of.year() - 1, 4)
    } else {
        DateSpec::Quarter(as_of.year(), q - 1)
    }
}

fn named(w: &str, as_of: NaiveDate) -> Option<Hit> {
    let y = as_of.year();
    let r = match w {
        "今天" | "今日" | "today" => one(DateSpec::Day(as_of)),
        "昨天" | "昨日" | "yesterday" => one(DateSpec::Day(as_of - Duration::days(1))),
        "前天" => one(DateSpec::Day(as_of - Duration::days(2))),
        "本周" | "这周" | "这个星期" | "本星期" | "这一周" | "this week" | "week to date" => {
            days(monday(as_of), as_of)
        }
        "上周" | "上个星期" | "上星期" | "上一周" | "last week" | "previous week" | "past week" => {
            let m = monday(as_of) - Duration::days(7);
            days(m, m + Duration::days(6))
        }
        "本月" | "这个月" | "当月" | "这月" | "本月至今" | "this month" | "month to date" | "mtd" => {
            RangeSpec::Last(1, Unit::Month)
        }
        "上个月" | "上月" | "上一个月" | "last month" | "previous month" | "past month" => {
            one(prev_month(as_of))
        }
        "本季度" | "这个季度" | "当季" | "本季" | "这季度" | "this quarter" | "quarter to date" | "qtd" => {
            RangeSpec::Last(1, Unit::Quarter)
        }
        "上季度" | "上个季度" | "上一季度" | "上一个季度" | "上季" | "last quarter" | "previous quarter"
        | "past quarter" => one(prev_quarter(as_of)),
        "今年" | "本年" | "今年以来" | "年初至今" | "本年度" | "this year" | "year to date" | "ytd"
        | "so far this year" => RangeSpec::Last(1, Unit::Year),
        "去年" | "上一年" | "上年" | "去年全年" | "上一年度" | "last year" | "previous year" => {
            one(DateSpec::Year(y - 1))
        }
        "past year" | "past 12 months" => RangeSpec::Last(12, Unit::Month),
        "前年" | "the year before last" => one(DateSpec::Year(y - 2)),
        _ => return None,
    };
    Some(Hit::Range(r))
}

fn half(y: i32, first: bool) -> RangeSpec {
    if first {
        between(DateSpec::Month(y, 1), DateSpec::Month(y, 6))
    } else {
        between(DateSpec::Month(y, 7), DateSpec::Month(y, 12))
    }
}

static PATTERNS: LazyLock<Vec<(Regex, Make)>> = LazyLock::new(|| {
    let mut p: Vec<(Regex, Make)> = Vec::new();
    let mut add = |pat: &str, f: Make| p.push((re(pat), f));
    // Days after the as-of day: nothing to count yet.
    add(
        r"明天|明日|后天|下周|下个星期|下个月|下月|下季度|下个季度|明年|未来|\btomorrow\b|\bnext\s+(?:day|week|month|quarter|year)\b|\bnext\s+\d+\s+(?:day|week|month|quarter|year)s?\b|\bin\s+the\s+future\b",
        |_, _| Some(Hit::Future),
    );
    add(
        r"同比|year[\s-]+over[\s-]+year|\byoy\b|去年同期|same period last year",
        |_, _| Some(Hit::Yoy),
    );
    add(
        r"环比|month[\s-]+over[\s-]+month|\bmom\b|period[\s-]+over[\s-]+period|versus the previous period|vs\.? the previous period|上一周期",
        |_, _| Some(Hit::Mom),
    );
    // Ranges with two bounds.
    add(
        &format!(r"(?:从|自)?\s*({ATOM})\s*(?:到|至|-|~)\s*({ATOM})"),
        |c, as_of| {
            let a = atom(c.get(1)?.as_str(), None, as_of)?;
            let b = atom(c.get(2)?.as_str(), Some(year_of(a)), as_of)?;
            Some(Hit::Range(between(a, b)))
        },
    );
    let en = format!(
        r"(?:{MONTHS})\.?\s*(?:of\s+)?(?:\d{{4}})?|q[1-4]\s*(?:\d{{4}})?|\d{{4}}\s*q[1-4]|\d{{4}}-\d{{1,2}}|\d{{4}}"
    );
    add(
        &format!(r"\b(?:from|between)\s+({en})\s+(?:to|and|through|until|till|-)\s+({en})\b"),
        |c, as_of| {
            let a = en_atom(c.get(1)?.as_str(), as_of)?;
            let b = en_atom(c.get(2)?.as_str(), as_of)?;
            Some(Hit::Range(between(a, b)))
        },
    );
    add(
        &format!(r"(?:自|从)?\s*({ATOM})\s*(?:以来|至今|起|开始)"),
        |c, as_of| {
            Some(Hit::Range(RangeSpec::Between(
                Some(atom(c.get(1)?.as_str(), None, as_of)?),
                None,
            )))
        },
    );
    add(&format!(r"\bsince\s+({en})\b"), |c, as_of| {
        Some(Hit::Range(RangeSpec::Between(
            Some(en_atom(c.get(1)?.as_str(), as_of)?),
            None,
        )))
    });
    // Halves.
    add(
        r"(今年|去年|前年|\d{4}\s*年)?\s*的?(上|下)半年",
        |c, as_of| {
            let y = c
                .get(1)
                .and_then(|w| year_word(w.as_str().trim(), as_of))
                .unwrap_or(as_of.year());
            Some(Hit::Range(half(y, c.get(2)?.as_str() == "上")))
        },
    );
    add(
        r"\b(?:the\s+)?(first|second)\s+half\s+(?:of\s+)?(this year|last year|\d{4})\b",
        |c, as_of| {
            let y = year_word(c.get(2)?.as_str(), as_of)?;
            Some(Hit::Range(half(y, c.get(1)?.as_str() == "first")))
        },
    );
    add(r"\bh([12])\s*(\d{4})\b|\b(\d{4})\s*h([12])\b", |c, _| {
        let (h, y) = match (num(c, 1), num(c, 2)) {
            (Some(h), Some(y)) => (h, y),
            _ => (num(c, 4)?, num(c, 3)?),
        };
        Some(Hit::Range(half(y as i32, h == 1)))
    });
    // The first N months of a year.
    add(
        r"(今年|去年|前年|\d{4}\s*年)\s*的?\s*前\s*(\d{1,2})\s*个?月",
        |c, as_of| {
            let y = year_word(c.get(1)?.as_str().trim(), as_of)?;
            let n = num(c, 2)?;
            Some(Hit::Range(between(DateSpec::Month(y, 1), month(y, n)?)))
        },
    );
    // A year word with a quarter, month or day.
    add(
        r"(今年|去年|前年|本年|\d{4}\s*年?)\s*的?\s*(?:第\s*([1-4])\s*季度?|q([1-4])|([1-4])\s*季度|(\d{1,2})\s*月份?(?:\s*(\d{1,2})\s*[日号])?)",
        |c, as_of| {
            let y = year_word(c.get(1)?.as_str().trim(), as_of)?;
            if let Some(q) = num(c, 2).or_else(|| num(c, 3)).or_else(|| num(c, 4)) {
                return Some(Hit::Range(one(DateSpec::Quarter(y, q))));
            }
            let m = num(c, 5)?;
            Some(Hit::Range(one(match num(c, 6) {
                Some(d) => DateSpec::Day(NaiveDate::from_ymd_opt(y, m, d)?),
                None => month(y, m)?,
            })))
        },
    );
    add(r"(\d{4})-(\d{1,2})-(\d{1,2})", |c, _| {
        let d = NaiveDate::from_ymd_opt(num(c, 1)? as i32, num(c, 2)?, num(c, 3)?)?;
        Some(Hit::Range(one(DateSpec::Day(d))))
    });
    add(r"(?P<t>(\d{4})-(\d{1,2}))(?:[^\d-]|$)", |c, _| {
        Some(Hit::Range(one(month(num(c, 2)? as i32, num(c, 3)?)?)))
    });
    add(r"(\d{4})\s*年度?", |c, _| {
        Some(Hit::Range(one(DateSpec::Year(num(c, 1)? as i32))))
    });
    // Quarters.
    add(r"q([1-4])\s*(?:of\s+)?(\d{4})|(\d{4})\s*q([1-4])", |c, _| {
        let (q, y) = match (num(c, 1), num(c, 2)) {
            (Some(q), Some(y)) => (q, y),
            _ => (num(c, 4)?, num(c, 3)?),
        };
        Some(Hit::Range(one(DateSpec::Quarter(y as i32, q))))
    });
    add(
        r"\b(?:the\s+)?(first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\s+(?:of\s+)?(this year|last year|\d{4})?",
        |c, as_of| {
            let q = match c.get(1)?.as_str() {
                "first" | "1st" => 1,
                "second" | "2nd" => 2,
                "third" | "3rd" => 3,
                _ => 4,
            };
            let y = match c.get(2) {
                Some(y) => year_word(y.as_str(), as_of)?,
                None => year_of_quarter(q, as_of),
            };
            Some(Hit::Range(one(DateSpec::Quarter(y, q))))
        },
    );
    add(
        r"第\s*([1-4])\s*季度?|(?:^|[^a-z\d])q([1-4])(?:[^\d]|$)|([1-4])\s*季度",
        |c, as_of| {
            let q = num(c, 1).or_else(|| num(c, 2)).or_else(|| num(c, 3))?;
            Some(Hit::Range(one(DateSpec::Quarter(year_of_quarter(q, as_of), q))))
        },
    );
    // English months.
    add(
        &format!(r"\b({MONTHS})\.?\s*(?:of\s+)?(\d{{4}}|this year|last year)"),
        |c, as_of| {
            let m = month_number(c.get(1)?.as_str())?;
            let y = year_word(c.get(2)?.as_str(), as_of)?;
            Some(Hit::Range(one(month(y, m)?)))
        },
    );
    add(&format!(r"\b(?:in|during|for|of)\s+({MONTHS})\b"), |c, as_of| {
        let m = month_number(c.get(1)?.as_str())?;
        Some(Hit::Range(one(month(year_of_month(m, as_of), m)?)))
    });
    // The last N units.
    add(
        r"(?:最近|近|过去|最后|前)\s*的?\s*(\d+)\s*(天|日|周|星期|个?月|个?季度|年)(?:内|以内|里)?",
        |c, _| Some(Hit::Range(last(num(c, 1)?, c.get(2)?.as_str())?)),
    );
    add(r"(\d+)\s*(天|日|周|个月|个季度)(?:内|以内|里)", |c, _| {
        Some(Hit::Range(last(num(c, 1)?, c.get(2)?.as_str())?))
    });
    add(
        r"\b(?:the\s+)?(?:last|past|previous|recent|trailing|latest|most recent)\s+(\d+)\s*(days?|weeks?|months?|quarters?|years?)\b",
        |c, _| Some(Hit::Range(last(num(c, 1)?, c.get(2)?.as_str())?)),
    );
    add(
        r"(?:最近|近|过去)\s*的?\s*(?:一)?(年|个月|周|季度)",
        |c, _| Some(Hit::Range(last(1, c.get(1)?.as_str())?)),
    );
    // Named periods.
    add(
        r"今天|今日|昨天|昨日|前天|本周|这周|这个星期|本星期|这一周|上周|上个星期|上星期|上一周|本月至今|本月|这个月|当月|这月|上个月|上一个月|上月|本季度|这个季度|这季度|当季|本季|上一个季度|上个季度|上一季度|上季度|上季|今年以来|年初至今|本年度|今年|本年|去年全年|上一年度|去年|上一年|上年|前年",
        |c, as_of| named(c.get(0)?.as_str(), as_of),
    );
    add(
        r"\b(?:today|yesterday|this week|week to date|last week|previous week|past week|this month|month to date|mtd|last month|previous month|past month|this quarter|quarter to date|qtd|last quarter|previous quarter|past quarter|so far this year|this year|year to date|ytd|last year|previous year|past year|the year before last)\b",
        |c, as_of| named(c.get(0)?.as_str(), as_of),
    );
    // Months and years written alone.
    add(
        r"(?:^|[^\d个])((\d{1,2})\s*月份?(?:\s*(\d{1,2})\s*[日号])?)",
        |c, as_of| {
            let m = num(c, 2)?;
            let y = year_of_month(m, as_of);
            Some(Hit::Range(one(match num(c, 3) {
                Some(d) => DateSpec::Day(NaiveDate::from_ymd_opt(y, m, d)?),
                None => month(y, m)?,
            })))
        },
    );
    add(r"(?:^|[^\d-])(?P<t>((?:19|20)\d{2}))(?:[^\d-]|$)", |c, _| {
        Some(Hit::Range(one(DateSpec::Year(num(c, 2)? as i32))))
    });
    p
});

/// Finds the time expressions of `text` (normalised) and blanks them out.
pub fn extract(text: &mut String, as_of: NaiveDate) -> Times {
    let mut hits: Vec<(usize, Hit)> = Vec::new();
    for (pattern, make) in PATTERNS.iter() {
        let mut found: Vec<(usize, usize, Hit)> = Vec::new();
        for c in pattern.captures_iter(text) {
            let whole = c.name("t").or_else(|| c.get(0)).map(|m| (m.start(), m.end()));
            if let (Some((s, e)), Some(hit)) = (whole, make(&c, as_of)) {
                found.push((s, e, hit));
            }
        }
        for (s, e, hit) in found {
            text.replace_range(s..e, &" ".repeat(e - s));
            hits.push((s, hit));
        }
    }
    hits.sort_by_key(|(s, _)| *s);
    let mut t = Times::default();
    for (_, h) in hits {
        match h {
            Hit::Range(r) => t.ranges.push(r),
            Hit::Future => t.future = true,
            Hit::Yoy => t.yoy = true,
            Hit::Mom => t.mom = true,
        }
    }
    t
}

/// The range before `r` to compare with: the same days a year earlier (`yoy`),
/// else the period of the same length just before.
pub fn previous(r: RangeSpec, as_of: NaiveDate, yoy: bool) -> RangeSpec {
    let shift_year = |d: DateSpec| match d {
        DateSpec::Day(d) => DateSpec::Day(d.with_year(d.year() - 1).unwrap_or(d - Duration::days(365))),
        DateSpec::Month(y, m) => DateSpec::Month(y - 1, m),
        DateSpec::Quarter(y, q) => DateSpec::Quarter(y - 1, q),
        DateSpec::Year(y) => DateSpec::Year(y - 1),
    };
    match r {
        RangeSpec::Between(Some(a), Some(b)) if yoy => between(shift_year(a), shift_year(b)),
        RangeSpec::Between(Some(DateSpec::Month(y, m)), Some(DateSpec::Month(y2, m2))) if (y, m) == (y2, m2) => {
            one(prev_month(NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(as_of)))
        }
        RangeSpec::Between(Some(DateSpec::Quarter(y, q)), Some(DateSpec::Quarter(y2, q2))) if (y, q) == (y2, q2) => {
            one(prev_quarter(NaiveDate::from_ymd_opt(y, q * 3 - 2, 1).unwrap_or(as_of)))
        }
        RangeSpec::Between(Some(DateSpec::Year(y)), Some(DateSpec::Year(y2))) if y == y2 => one(DateSpec::Year(y - 1)),
        RangeSpec::Last(1, Unit::Month) if !yoy => one(prev_month(as_of)),
        RangeSpec::Last(1, Unit::Quarter) if !yoy => one(prev_quarter(as_of)),
        RangeSpec::Last(1, Unit::Year) if !yoy => one(DateSpec::Year(as_of.year() - 1)),
        other => {
            let d = other.resolve(as_of);
            let from = d.from.unwrap_or(d.to);
            if yoy {
                let f = from.with_year(from.year() - 1).unwrap_or(from - Duration::days(365));
                let t = d.to.with_year(d.to.year() - 1).unwrap_or(d.to - Duration::days(365));
                days(f, t)
            } else {
                let len = (d.to - from).num_days() + 1;
                days(from - Duration::days(len), from - Duration::days(1))
            }
        }
    }
}

/// A short label of a range: `2026-05`, `2026-Q1`, `2025`, or `from~to`.
pub fn label(r: RangeSpec, as_of: NaiveDate) -> String {
    match r {
        RangeSpec::Between(Some(a), Some(b)) if a == b => match a {
            DateSpec::Day(d) => d.to_string(),
            DateSpec::Month(y, m) => format!("{y}-{m:02}"),
            DateSpec::Quarter(y, q) => format!("{y}-Q{q}"),
            DateSpec::Year(y) => y.to_string(),
        },
        RangeSpec::Last(1, Unit::Month) => format!("{}-{:02}", as_of.year(), as_of.month()),
        RangeSpec::Last(1, Unit::Quarter) => format!("{}-Q{}", as_of.year(), (as_of.month() - 1) / 3 + 1),
        RangeSpec::Last(1, Unit::Year) => as_of.year().to_string(),
        RangeSpec::All => "all".to_string(),
        other => {
            let d = other.resolve(as_of);
            match d.from {
                Some(f) => format!("{f}~{}", d.to),
                None => format!("~{}", d.to),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 30).expect("day")
    }

    /// The resolved days of the only range in `q`.
    fn days_of(q: &str) -> (String, String) {
        let mut t = normalize(q);
        let times = extract(&mut t, as_of());
        assert_eq!(times.ranges.len(), 1, "{q}: {times:?}");
        let d = times.ranges[0].resolve(as_of());
        (d.from.map(|f| f.to_string()).unwrap_or_default(), d.to.to_string())
    }

    fn check(q: &str, from: &str, to: &str) {
        let (f, t) = days_of(q);
        let to_ok = t == to || (to == "2026-06-30" && t.as_str() > "2026-06-30");
        assert!(f == from && to_ok, "{q}: got {f}..{t}, want {from}..{to}");
    }

    #[test]
    fn readme_ranges() {
        check("最近7天的GMV", "2026-06-24", "2026-06-30");
        check("last 30 days", "2026-06-01", "2026-06-30");
        check("本月的用券率", "2026-06-01", "2026-06-30");
        check("这个月", "2026-06-01", "2026-06-30");
        check("this month", "2026-06-01", "2026-06-30");
        check("上个月的GMV是多少", "2026-05-01", "2026-05-31");
        check("上月", "2026-05-01", "2026-05-31");
        check("last month", "2026-05-01", "2026-05-31");
        check("最近三个月的退款率", "2026-04-01", "2026-06-30");
        check("近3个月", "2026-04-01", "2026-06-30");
        check("over the last 12 months", "2025-07-01", "2026-06-30");
        check("本季度", "2026-04-01", "2026-06-30");
        check("this quarter", "2026-04-01", "2026-06-30");
        check("上季度", "2026-01-01", "2026-03-31");
        check("last quarter", "2026-01-01", "2026-03-31");
        check("今年", "2026-01-01", "2026-06-30");
        check("this year", "2026-01-01", "2026-06-30");
        check("去年", "2025-01-01", "2025-12-31");
        check("last year", "2025-01-01", "2025-12-31");
        check("2025年的客单价", "2025-01-01", "2025-12-31");
        check("in 2025", "2025-01-01", "2025-12-31");
        check("2026年第一季度的转化率", "2026-01-01", "2026-03-31");
        check("Q1 2026", "2026-01-01", "2026-03-31");
        check("2025年11月的差评率", "2025-11-01", "2025-11-30");
        check("November 2025", "2025-11-01", "2025-11-30");
    }

    #[test]
    fn more_ranges() {
        check("最近60天", "2026-05-02", "2026-06-30");
        check("过去两周", "2026-06-17", "2026-06-30");
        check("近十二个月", "2025-07-01", "2026-06-30");
        check("上周", "2026-06-22", "2026-06-28");
        check("last week", "2026-06-22", "2026-06-28");
        check("本周", "2026-06-29", "2026-06-30");
        check("2025年Q3", "2025-07-01", "2025-09-30");
        check("2025年第三季度", "2025-07-01", "2025-09-30");
        check("2025 Q3", "2025-07-01", "2025-09-30");
        check("the third quarter of 2025", "2025-07-01", "2025-09-30");
        check("第二季度", "2026-04-01", "2026-06-30");
        check("去年11月", "2025-11-01", "2025-11-30");
        check("今年3月", "2026-03-01", "2026-03-31");
        check("3月份", "2026-03-01", "2026-03-31");
        check("12月", "2025-12-01", "2025-12-31");
        check("in March", "2026-03-01", "2026-03-31");
        check("Dec 2025", "2025-12-01", "2025-12-31");
        check("2025-11", "2025-11-01", "2025-11-30");
        check("2026-06-01", "2026-06-01", "2026-06-01");
        check("昨天", "2026-06-29", "2026-06-29");
        check("yesterday", "2026-06-29", "2026-06-29");
        check("past 90 days", "2026-04-02", "2026-06-30");
        check("最近一年", "2025-07-01", "2026-06-30");
        check("去年上半年", "2025-01-01", "2025-06-30");
        check("H2 2025", "2025-07-01", "2025-12-31");
        check("今年前三个月", "2026-01-01", "2026-03-31");
        check("从2025年1月到2025年3月", "2025-01-01", "2025-03-31");
        check("2025年1月至3月", "2025-01-01", "2025-03-31");
        check("from Jan 2025 to Mar 2025", "2025-01-01", "2025-03-31");
        check("between 2025 q1 and 2025 q2", "2025-01-01", "2025-06-30");
        check("2026年以来", "2026-01-01", "2026-06-30");
        check("since 2025-07", "2025-07-01", "2026-06-30");
        check("year to date", "2026-01-01", "2026-06-30");
        check("前年", "2024-01-01", "2024-12-31");
        check("30天内", "2026-06-01", "2026-06-30");
    }

    #[test]
    fn future_comparisons_and_blanking() {
        let mut t = normalize("明天上海的天气怎么样");
        assert!(extract(&mut t, as_of()).future);
        let mut t = normalize("下个月的GMV会是多少");
        assert!(extract(&mut t, as_of()).future);
        let mut t = normalize("今年和去年的GMV对比");
        let times = extract(&mut t, as_of());
        assert_eq!(times.ranges.len(), 2);
        assert!(!t.contains("年"), "{t}");
        let mut t = normalize("本月GMV环比");
        let times = extract(&mut t, as_of());
        assert!(times.mom && times.ranges.len() == 1);
        let prev = previous(times.ranges[0], as_of(), false);
        assert_eq!(label(prev, as_of()), "2026-05");
        let prev = previous(RangeSpec::Last(30, Unit::Day), as_of(), false);
        assert_eq!(label(prev, as_of()), "2026-05-02~2026-05-31");
        let prev = previous(RangeSpec::Last(1, Unit::Year), as_of(), true);
        assert_eq!(label(prev, as_of()), "2025-01-01~2025-06-30");
        // Months of 最近3个月 are not month grains; the 3 is not a top N.
        let mut t = normalize("最近3个月每个月的订单数");
        extract(&mut t, as_of());
        assert!(t.contains("每个月") && !t.contains('3'), "{t}");
    }
}
