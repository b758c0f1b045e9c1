//! Runs every analysis of the crate on a generated data directory and prints
//! the results with timings.
//!
//! ```text
//! cargo run --release -p huaxiang-behavior --example events_csv -- /work/data/M
//! ```
//!
//! Reads `events.csv` (`event_id,event_time,customer_id,anonymous_id,
//! session_id,event_type,product_id,category,device,channel`),
//! `orders.csv` and `customers.csv` (for sign-up times). The actor of an event
//! is its `customer_id` when present, else its `anonymous_id`. Besides the
//! analyses it compares our 30-minute sessions with the generator's own
//! `session_id` under three actor keys: the one above, the anonymous id
//! (device), and the anonymous id stitched to the customer it logs in as.

use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use huaxiang_behavior::{
    ActorTimes, Breakdown, Dictionary, EventColumns, EventDictionaries, EventLog, Funnel, LifecycleRules, NONE,
    PathQuery, Period, Prop, RetentionConfig, SessionConfig, Sessions, Stage, Zone, funnel, lifecycle, paths,
    retention, sessionize,
};

type Res<T> = Result<T, Box<dyn Error>>;

/// `YYYY-MM-DDTHH:MM:SS±HH:MM` (optionally with fractional seconds or `Z`)
/// to Unix ms; fast path for the generator's format, chrono otherwise.
fn parse_time(s: &[u8]) -> Res<i64> {
    fn num(b: &[u8]) -> Option<i64> {
        b.iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    }
    if s.len() == 25 && s[10] == b'T' && (s[19] == b'+' || s[19] == b'-') {
        let fields = (
            num(&s[0..4]),
            num(&s[5..7]),
            num(&s[8..10]),
            num(&s[11..13]),
            num(&s[14..16]),
            num(&s[17..19]),
            num(&s[20..22]),
            num(&s[23..25]),
        );
        if let (Some(y), Some(m), Some(d), Some(hh), Some(mm), Some(ss), Some(oh), Some(om)) = fields {
            // Days from civil (Howard Hinnant).
            let y = if m <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let mp = (m + 9) % 12;
            let doy = (153 * mp + 2) / 5 + d - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            let sign = if s[19] == b'+' { 1 } else { -1 };
            let secs = days * 86_400 + hh * 3600 + mm * 60 + ss - sign * (oh * 3600 + om * 60);
            return Ok(secs * 1000);
        }
    }
    let text = std::str::from_utf8(s)?;
    Ok(chrono::DateTime::parse_from_rfc3339(text)?.timestamp_millis())
}

/// The events as read, before choosing an actor key.
struct Raw {
    customer: Vec<u32>,
    anonymous: Vec<u32>,
    gen_session: Vec<u32>,
    cols: EventColumns,
    customers: Dictionary,
    anonymous_ids: Dictionary,
    dicts: EventDictionaries,
}

fn intern_opt(dict: &mut Dictionary, value: &[u8]) -> Res<u32> {
    if value.is_empty() {
        return Ok(NONE);
    }
    Ok(dict.intern(std::str::from_utf8(value)?))
}

fn read_events(path: &Path) -> Res<Raw> {
    let mut reader = csv::ReaderBuilder::new().from_path(path)?;
    let headers = reader.byte_headers()?.clone();
    let col = |name: &str| -> Res<usize> {
        headers
            .iter()
            .position(|h| h == name.as_bytes())
            .ok_or_else(|| format!("{}: no column {name}", path.display()).into())
    };
    let (c_time, c_cust, c_anon, c_sess, c_kind) = (
        col("event_time")?,
        col("customer_id")?,
        col("anonymous_id")?,
        col("session_id")?,
        col("event_type")?,
    );
    let (c_prod, c_cat, c_dev, c_chan) = (col("product_id")?, col("category")?, col("device")?, col("channel")?);
    let mut raw = Raw {
        customer: Vec::new(),
        anonymous: Vec::new(),
        gen_session: Vec::new(),
        cols: EventColumns::default(),
        customers: Dictionary::new(),
        anonymous_ids: Dictionary::new(),
        dicts: EventDictionaries::default(),
    };
    let mut sessions = Dictionary::new();
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record)? {
        let f = |i: usize| record.get(i).unwrap_or_default();
        raw.cols.time.push(parse_time(f(c_time))?);
        raw.customer.push(intern_opt(&mut raw.customers, f(c_cust))?);
        raw.anonymous.push(intern_opt(&mut raw.anonymous_ids, f(c_anon))?);
        raw.gen_session.push(intern_opt(&mut sessions, f(c_sess))?);
        raw.cols.kind.push(intern_opt(&mut raw.dicts.kinds, f(c_kind))?);
        raw.cols.product.push(intern_opt(&mut raw.dicts.products, f(c_prod))?);
        raw.cols.category.push(intern_opt(&mut raw.dicts.categories, f(c_cat))?);
        raw.cols.device.push(intern_opt(&mut raw.dicts.devices, f(c_dev))?);
        raw.cols.channel.push(intern_opt(&mut raw.dicts.channels, f(c_chan))?);
    }
    Ok(raw)
}

#[derive(Clone, Copy, PartialEq)]
enum ActorKey {
    /// customer_id, else anonymous_id.
    CustomerElseAnonymous,
    /// anonymous_id only (one device/browser).
    Anonymous,
    /// customer_id, else the customer the anonymous id logs in as anywhere
    /// in the data, else anonymous_id.
    Stitched,
}

fn log_for(raw: &Raw, key: ActorKey) -> Res<EventLog> {
    let n_cust = raw.customers.len() as u32;
    let mut stitch = vec![NONE; raw.anonymous_ids.len()];
    if key == ActorKey::Stitched {
        for (&c, &a) in raw.customer.iter().zip(&raw.anonymous) {
            if c != NONE && a != NONE && stitch[a as usize] == NONE {
                stitch[a as usize] = c;
            }
        }
    }
    let mut actor = Vec::with_capacity(raw.customer.len());
    for (&c, &a) in raw.customer.iter().zip(&raw.anonymous) {
        let id = match key {
            ActorKey::Anonymous => a,
            _ if c != NONE => c,
            ActorKey::Stitched if a != NONE && stitch[a as usize] != NONE => stitch[a as usize],
            _ => n_cust + a,
        };
        if id == NONE || (id >= n_cust && a == NONE) {
            return Err("an event has neither customer_id nor anonymous_id".into());
        }
        actor.push(id);
    }
    let actors = match key {
        ActorKey::Anonymous => raw.anonymous_ids.clone(),
        _ => Dictionary::from_names(raw.customers.names().iter().chain(raw.anonymous_ids.names()).cloned()),
    };
    let cols = EventColumns {
        actor,
        ..raw.cols.clone()
    };
    let dicts = EventDictionaries {
        actors,
        ..raw.dicts.clone()
    };
    Ok(EventLog::from_columns(cols, dicts)?)
}

/// Sessions of ours whose events are exactly one generator session.
fn agreement(raw: &Raw, sessions: &Sessions) -> (usize, usize, usize) {
    let n_gen = raw
        .gen_session
        .iter()
        .filter(|&&s| s != NONE)
        .max()
        .map_or(0, |&m| m as usize + 1);
    let mut gen_size = vec![0u32; n_gen];
    for &g in &raw.gen_session {
        if g != NONE {
            gen_size[g as usize] += 1;
        }
    }
    // For each of our sessions: the single generator session of all its
    // events (NONE if mixed) and its size.
    let mut label = vec![None::<u32>; sessions.len()];
    let mut mixed = vec![false; sessions.len()];
    for (e, &s) in sessions.event_session.iter().enumerate() {
        let g = raw.gen_session[e];
        let s = s as usize;
        match label[s] {
            None => label[s] = Some(g),
            Some(prev) if prev != g => mixed[s] = true,
            Some(_) => {}
        }
    }
    let equal = sessions
        .sessions
        .iter()
        .enumerate()
        .filter(|(i, s)| !mixed[*i] && label[*i].is_some_and(|g| g != NONE && gen_size[g as usize] == s.depth))
        .count();
    (equal, sessions.len(), n_gen)
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Runs `f` `REPEAT` times; its result and the fastest and slowest run in ms.
/// (The machine is shared: the fastest run is the one least disturbed.)
const REPEAT: usize = 3;

fn timed<T>(mut f: impl FnMut() -> Res<T>) -> Res<(T, String)> {
    let mut best = f64::INFINITY;
    let mut worst = 0.0f64;
    let mut out = None;
    for _ in 0..REPEAT {
        let t = Instant::now();
        out = Some(f()?);
        let e = ms(t);
        best = best.min(e);
        worst = worst.max(e);
    }
    let value = out.ok_or("REPEAT must be at least 1")?;
    Ok((value, format!("{best:.1} ms (slowest of {REPEAT}: {worst:.1} ms)")))
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn secs(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{:.0}s", v))
}

fn main() -> Res<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "/work/data/S".to_owned()));
    println!("data: {}", dir.display());

    let t = Instant::now();
    let raw = read_events(&dir.join("events.csv"))?;
    println!("read events.csv: {} events in {:.0} ms", raw.cols.time.len(), ms(t));
    let t = Instant::now();
    let log = log_for(&raw, ActorKey::CustomerElseAnonymous)?;
    println!(
        "event log: {} actor ids, {} event types ({:.0} ms to encode)",
        log.actors().len(),
        log.kinds().len(),
        ms(t)
    );

    // Sessions.
    let t = Instant::now();
    log.by_actor();
    let index_ms = ms(t);
    let (sessions, session_ms) = timed(|| Ok(sessionize(&log, &SessionConfig::default())?))?;
    let summary = sessions.summary();
    println!(
        "\n## sessions (30 min)  actor index (first use) {index_ms:.1} ms; sessionize {session_ms}\n{}",
        serde_json::to_string(&summary)?
    );
    if let Some(r) = sessions.record(&log, 0) {
        println!("first session: {}", serde_json::to_string(&r)?);
    }
    println!("\nagreement with the generator's session_id (identical event sets):");
    for (name, key) in [
        ("customer_id else anonymous_id", ActorKey::CustomerElseAnonymous),
        ("anonymous_id (device)", ActorKey::Anonymous),
        ("anonymous_id stitched to its customer", ActorKey::Stitched),
    ] {
        let (equal, ours, theirs) = if key == ActorKey::CustomerElseAnonymous {
            agreement(&raw, &sessions)
        } else {
            let other = log_for(&raw, key)?;
            agreement(&raw, &sessionize(&other, &SessionConfig::default())?)
        };
        println!(
            "  {name:<40} ours {ours:>8}  generator {theirs:>8}  identical {equal:>8} = {:.2}% of generator's, {:.2}% of ours",
            100.0 * equal as f64 / theirs.max(1) as f64,
            100.0 * equal as f64 / ours.max(1) as f64
        );
    }

    // Funnel.
    let f = Funnel::new(["product_view", "add_to_cart", "begin_checkout", "purchase"]);
    let breakdown = Breakdown::Prop(Prop::Channel);
    let (report, funnel_ms) = timed(|| Ok(funnel(&log, &f, Some(&breakdown))?))?;
    println!(
        "\n## funnel {} (7-day window, sequential, by channel of step 1)  {funnel_ms}",
        report.steps.join(" → "),
    );
    for g in std::iter::once(&report.overall).chain(&report.groups) {
        let cells: Vec<String> = g
            .steps
            .iter()
            .map(|s| format!("{} ({})", s.actors, pct(s.conversion_from_previous)))
            .collect();
        println!(
            "  {:<14} {}  conv {}  median time to convert {}",
            g.label,
            cells.join(" → "),
            pct(g.conversion_rate),
            secs(g.median_time_to_convert_s)
        );
    }
    let s = &report.overall.steps;
    println!(
        "  median time from previous step: {}",
        s.iter()
            .skip(1)
            .map(|x| secs(x.median_time_from_previous_s))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for order in [huaxiang_behavior::StepOrder::Strict, huaxiang_behavior::StepOrder::Any] {
        let g = Funnel { order, ..f.clone() };
        let (r, took) = timed(|| Ok(funnel(&log, &g, None)?))?;
        let counts: Vec<String> = r.overall.steps.iter().map(|s| s.actors.to_string()).collect();
        println!("  {order:?}: {}  {took}", counts.join(" → "));
    }

    // Paths.
    let query = PathQuery::after("search");
    let (p, paths_ms) = timed(|| Ok(paths(&log, &sessions, &query)?))?;
    println!(
        "\n## paths after search (depth 3, repeats collapsed)  {paths_ms}\n  {} of {} sessions have a search; {} distinct paths; Sankey {} nodes, {} links",
        p.sessions_with_anchor,
        p.sessions,
        p.distinct_paths,
        p.sankey.nodes.len(),
        p.sankey.links.len()
    );
    for c in &p.top {
        println!("  {:>7}  {:>5.1}%  {}", c.sessions, c.share * 100.0, c.path);
    }

    // Orders: paid only, per customer (customer ids shared with the log's
    // customer dictionary, extended by customers without events).
    let t = Instant::now();
    let mut customers = raw.customers.clone();
    let mut signup: Vec<Option<i64>> = Vec::new();
    let mut reader = csv::Reader::from_path(dir.join("customers.csv"))?;
    let headers = reader.byte_headers()?.clone();
    let pos = |n: &str| headers.iter().position(|h| h == n.as_bytes());
    let (Some(c_id), Some(c_signup)) = (pos("customer_id"), pos("signup_time")) else {
        return Err("customers.csv lacks customer_id or signup_time".into());
    };
    let mut record = csv::ByteRecord::new();
    let mut signup_of: HashMap<u32, i64> = HashMap::new();
    while reader.read_byte_record(&mut record)? {
        let id = customers.intern(std::str::from_utf8(record.get(c_id).unwrap_or_default())?);
        if let Some(s) = record.get(c_signup).filter(|s| !s.is_empty()) {
            signup_of.insert(id, parse_time(s)?);
        }
    }
    let mut pairs: Vec<(u32, i64)> = Vec::new();
    let mut reader = csv::Reader::from_path(dir.join("orders.csv"))?;
    let headers = reader.byte_headers()?.clone();
    let pos = |n: &str| headers.iter().position(|h| h == n.as_bytes());
    let (Some(o_cust), Some(o_time), Some(o_status)) = (pos("customer_id"), pos("order_time"), pos("status")) else {
        return Err("orders.csv lacks customer_id, order_time or status".into());
    };
    let mut all_orders = 0usize;
    while reader.read_byte_record(&mut record)? {
        all_orders += 1;
        if record.get(o_status) != Some(b"paid".as_slice()) {
            continue;
        }
        let id = customers.intern(std::str::from_utf8(record.get(o_cust).unwrap_or_default())?);
        pairs.push((id, parse_time(record.get(o_time).unwrap_or_default())?));
    }
    signup.resize(customers.len(), None);
    for (id, s) in signup_of {
        signup[id as usize] = Some(s);
    }
    let paid = ActorTimes::from_pairs(customers.len(), pairs)?;
    println!(
        "\nread customers.csv + orders.csv: {} customers, {} paid of {} orders in {:.0} ms",
        customers.len(),
        paid.len(),
        all_orders,
        ms(t)
    );

    // Retention.
    let first = paid.first();
    let cfg = RetentionConfig {
        period: Period::Month,
        periods: 6,
        zone: Zone::default(),
        data_end_ms: None,
    };
    let (r, retention_ms) = timed(|| Ok(retention(&first, &paid, &cfg)?))?;
    println!(
        "\n## monthly retention on paid orders ({}), {} cohorts  {retention_ms}",
        r.zone,
        r.cohorts.len(),
    );
    let show: Vec<_> = r
        .cohorts
        .iter()
        .take(3)
        .chain(r.cohorts.iter().skip(r.cohorts.len().saturating_sub(3)))
        .collect();
    for c in show {
        let cells: Vec<String> = c
            .cells
            .iter()
            .map(|x| x.map_or_else(|| "null".to_owned(), |x| format!("{:.1}%", x.rate * 100.0)))
            .collect();
        println!("  {} n={:>6}  {}", c.cohort, c.size, cells.join("  "));
    }
    let avg: Vec<String> = r.average.iter().map(|&a| pct(a)).collect();
    println!("  average        {}", avg.join("  "));

    // Lifecycle.
    let as_of = paid.max().max(log.time_range().map(|r| r.1)).unwrap_or(0);
    let rules = LifecycleRules::default();
    let (l, lifecycle_ms) = timed(|| Ok(lifecycle(&paid, &signup, as_of, &rules)?))?;
    let when = chrono::DateTime::from_timestamp_millis(as_of)
        .map(|d| d.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339())
        .unwrap_or_default();
    println!("\n## lifecycle as of {when} (default rules)  {lifecycle_ms}");
    for stage in Stage::ALL {
        println!("  {:<10} {:>7}", stage.as_str(), l.counts.get(stage));
    }
    println!("  (not counted: {})", l.counts.not_counted);
    Ok(())
}
