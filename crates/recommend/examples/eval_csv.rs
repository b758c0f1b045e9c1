//! Evaluate the recommenders on a generated data directory.
//!
//! ```text
//! cargo run --release -p huaxiang-recommend --example eval_csv -- /work/data/M
//! cargo run --release -p huaxiang-recommend --example eval_csv -- /work/data/M --split 2026-05-01
//! cargo run --release -p huaxiang-recommend --example eval_csv -- /work/data/M --next-item
//! ```
//!
//! Top-N mode reads `orders.csv` + `order_items.csv` (purchases) and
//! `events.csv` (`product_view` → view, `add_to_cart` → cart; rows without a
//! `customer_id` are skipped), splits at `max order time − 60 days` (or
//! `--split`, a date at 00:00 +08:00 or an RFC 3339 instant) and prints the
//! evaluation JSON, then a JSON line with sizes and timings.
//!
//! `--next-item` builds sessions from `events.csv` (`session_id`,
//! `product_view` items), holds out sessions starting in the last day and
//! prints the next-item JSON, then sizes and timings.
//!
//! With `--next-item`, a file path instead of a directory is read as a
//! tab-separated `SessionId ItemId Time` file (e.g. the YooChoose sample).
//!
//! Tuning flags: `--k N`, `--weights P,C,V`, `--neighbours N`,
//! `--shrinkage S`, `--alpha A`, `--half-life DAYS`, `--history-weight W`, `--no-fill`,
//! `--paid-only`; next-item: `--method pop|cooc|sr`, `--steps N`,
//! `--pruning N`, `--prefix-items N`, `--repeat-weight W`, `--no-normalize`,
//! `--holdout-days D`.

use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, NaiveDate};
use huaxiang_recommend::{
    Fit, InteractionKind, Interactions, ItemKnnParams, KindWeights, NextItemMethod, NextItemParams, Popularity,
    Recommender, Session, SessionSplit, TimeSplit, TopNReport, evaluate_recommender,
};

type AnyResult<T> = Result<T, Box<dyn Error>>;

const DAY: i64 = 86_400;

#[derive(Debug)]
struct Args {
    dir: PathBuf,
    split: Option<String>,
    k: Option<usize>,
    next_item: bool,
    paid_only: bool,
    knn: ItemKnnParams,
    session: NextItemParams,
    holdout_days: f64,
}

fn parse_args() -> AnyResult<Args> {
    let mut args = Args {
        dir: PathBuf::new(),
        split: None,
        k: None,
        next_item: false,
        paid_only: false,
        knn: ItemKnnParams::default(),
        session: NextItemParams::default(),
        holdout_days: 1.0,
    };
    let mut it = std::env::args().skip(1);
    let mut dir = None;
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--split" => args.split = Some(value("--split")?),
            "--k" => args.k = Some(value("--k")?.parse()?),
            "--next-item" => args.next_item = true,
            "--paid-only" => args.paid_only = true,
            "--no-fill" => {
                args.knn.fill_with_popular = false;
                args.session.fill_with_popular = false;
            }
            "--weights" => {
                let v: Vec<f32> = value("--weights")?
                    .split(',')
                    .map(str::parse)
                    .collect::<Result<_, _>>()?;
                let [purchase, cart, view] = v[..] else {
                    return Err("--weights takes P,C,V".into());
                };
                args.knn.weights = KindWeights { purchase, cart, view };
            }
            "--neighbours" => args.knn.neighbours = value("--neighbours")?.parse()?,
            "--alpha" => args.knn.alpha = value("--alpha")?.parse()?,
            "--shrinkage" => args.knn.shrinkage = value("--shrinkage")?.parse()?,
            "--half-life" => args.knn.half_life_days = Some(value("--half-life")?.parse()?),
            "--history-weight" => args.knn.history_weight = value("--history-weight")?.parse()?,
            "--method" => {
                args.session.method = match value("--method")?.as_str() {
                    "pop" => NextItemMethod::Popularity,
                    "cooc" => NextItemMethod::Cooccurrence,
                    "sr" => NextItemMethod::SequentialRules,
                    other => return Err(format!("unknown method {other}").into()),
                }
            }
            "--steps" => args.session.steps = value("--steps")?.parse()?,
            "--pruning" => args.session.pruning = value("--pruning")?.parse()?,
            "--prefix-items" => args.session.prefix_items = value("--prefix-items")?.parse()?,
            "--repeat-weight" => args.session.repeat_weight = Some(value("--repeat-weight")?.parse()?),
            "--no-normalize" => args.session.normalize = false,
            "--holdout-days" => args.holdout_days = value("--holdout-days")?.parse()?,
            flag if flag.starts_with("--") => return Err(format!("unknown flag {flag}").into()),
            path => dir = Some(PathBuf::from(path)),
        }
    }
    args.dir = dir.ok_or("usage: eval_csv <data dir> [--split DATE] [--next-item] ...")?;
    Ok(args)
}

fn parse_time(s: &str) -> AnyResult<i64> {
    Ok(DateTime::parse_from_rfc3339(s)?.timestamp())
}

/// `YYYY-MM-DD` (midnight +08:00, the data's offset) or RFC 3339.
fn parse_split(s: &str) -> AnyResult<i64> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let midnight = d.and_hms_opt(0, 0, 0).ok_or("bad date")?;
        return Ok(midnight.and_utc().timestamp() - 8 * 3600);
    }
    parse_time(s)
}

fn reader(path: &Path) -> AnyResult<csv::Reader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()).into())
}

/// Index of each named column in the header.
fn columns<const N: usize>(r: &mut csv::Reader<std::fs::File>, names: [&str; N]) -> AnyResult<[usize; N]> {
    let header = r.byte_headers()?.clone();
    let mut out = [0; N];
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = header
            .iter()
            .position(|h| h == name.as_bytes())
            .ok_or_else(|| format!("missing column {name}"))?;
    }
    Ok(out)
}

fn field(rec: &csv::ByteRecord, i: usize) -> &str {
    rec.get(i).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("")
}

struct Loaded {
    data: Interactions,
    max_order_time: i64,
    purchases: usize,
    carts: usize,
    views: usize,
}

fn load_interactions(dir: &Path, paid_only: bool) -> AnyResult<Loaded> {
    let mut orders: HashMap<String, (String, i64)> = HashMap::new();
    let mut max_order_time = i64::MIN;
    let mut r = reader(&dir.join("orders.csv"))?;
    let [oid, cid, time, status] = columns(&mut r, ["order_id", "customer_id", "order_time", "status"])?;
    let mut rec = csv::ByteRecord::new();
    while r.read_byte_record(&mut rec)? {
        if paid_only && field(&rec, status) != "paid" {
            continue;
        }
        let t = parse_time(field(&rec, time))?;
        max_order_time = max_order_time.max(t);
        orders.insert(field(&rec, oid).to_owned(), (field(&rec, cid).to_owned(), t));
    }
    let mut data = Interactions::with_capacity(5_000_000);
    let (mut purchases, mut carts, mut views) = (0, 0, 0);
    let mut r = reader(&dir.join("order_items.csv"))?;
    let [oid, pid] = columns(&mut r, ["order_id", "product_id"])?;
    while r.read_byte_record(&mut rec)? {
        if let Some((customer, t)) = orders.get(field(&rec, oid)) {
            data.push(customer, field(&rec, pid), InteractionKind::Purchase, *t)?;
            purchases += 1;
        }
    }
    let mut r = reader(&dir.join("events.csv"))?;
    let [time, cid, kind, pid] = columns(&mut r, ["event_time", "customer_id", "event_type", "product_id"])?;
    while r.read_byte_record(&mut rec)? {
        let kind = match rec.get(kind) {
            Some(b"product_view") => InteractionKind::View,
            Some(b"add_to_cart") => InteractionKind::Cart,
            _ => continue,
        };
        let (customer, product) = (field(&rec, cid), field(&rec, pid));
        if customer.is_empty() || product.is_empty() {
            continue;
        }
        data.push(customer, product, kind, parse_time(field(&rec, time))?)?;
        match kind {
            InteractionKind::View => views += 1,
            _ => carts += 1,
        }
    }
    if max_order_time == i64::MIN {
        return Err("no orders".into());
    }
    Ok(Loaded {
        data,
        max_order_time,
        purchases,
        carts,
        views,
    })
}

fn load_sessions(dir: &Path) -> AnyResult<Vec<Session>> {
    let mut r = reader(&dir.join("events.csv"))?;
    let [time, sid, kind, pid] = columns(&mut r, ["event_time", "session_id", "event_type", "product_id"])?;
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut sessions: Vec<Session> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while r.read_byte_record(&mut rec)? {
        if rec.get(kind) != Some(b"product_view".as_slice()) {
            continue;
        }
        let (session, product) = (field(&rec, sid), field(&rec, pid));
        if product.is_empty() {
            continue;
        }
        let t = parse_time(field(&rec, time))? as f64;
        let at = *index.entry(session.to_owned()).or_insert_with(|| {
            sessions.push(Session::new(session));
            sessions.len() - 1
        });
        sessions[at].clicks.push((t, product.to_owned()));
    }
    for s in &mut sessions {
        s.sort();
    }
    Ok(sessions)
}

/// A `SessionId<TAB>ItemId<TAB>Time` file (session-rec / YooChoose format).
fn load_sessions_tsv(path: &Path) -> AnyResult<Vec<Session>> {
    let mut r = csv::ReaderBuilder::new().delimiter(b'\t').from_path(path)?;
    let [sid, iid, time] = columns(&mut r, ["SessionId", "ItemId", "Time"])?;
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut sessions: Vec<Session> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while r.read_byte_record(&mut rec)? {
        let session = field(&rec, sid);
        let at = *index.entry(session.to_owned()).or_insert_with(|| {
            sessions.push(Session::new(session));
            sessions.len() - 1
        });
        sessions[at]
            .clicks
            .push((field(&rec, time).parse()?, field(&rec, iid).to_owned()));
    }
    for s in &mut sessions {
        s.sort();
    }
    Ok(sessions)
}

fn ms(since: Instant) -> u128 {
    since.elapsed().as_millis()
}

fn top_n(args: &Args) -> AnyResult<()> {
    let k = args.k.unwrap_or(10);
    let t0 = Instant::now();
    let loaded = load_interactions(&args.dir, args.paid_only)?;
    let load_ms = ms(t0);
    let split_time = match &args.split {
        Some(s) => parse_split(s)?,
        None => loaded.max_order_time - 60 * DAY,
    };
    let t0 = Instant::now();
    let split = TimeSplit::new(&loaded.data, split_time)?;
    let split_ms = ms(t0);

    let knn = args.knn.clone().check()?;
    let t0 = Instant::now();
    let model = knn.fit(&split.train)?;
    let fit_ms = ms(t0);
    let t0 = Instant::now();
    let pop = Popularity::default().fit(&split.train)?;
    let pop_fit_ms = ms(t0);

    let t0 = Instant::now();
    let model_metrics = evaluate_recommender(&model, &split.test, k);
    let eval_ms = ms(t0);
    let pop_metrics = evaluate_recommender(&pop, &split.test, k);
    let report = TopNReport {
        k,
        model: model_metrics,
        popularity: pop_metrics,
    };
    println!("{}", serde_json::to_string(&report)?);

    let t0 = Instant::now();
    let all = model.recommend_all(k);
    let all_ms = ms(t0);
    let t0 = Instant::now();
    let full = knn.fit(&loaded.data)?;
    let full_similarities = full.n_similarities();
    let full_fit_ms = ms(t0);
    let users_with_recs = all.iter().filter(|(_, r)| !r.is_empty()).count();
    // one explained recommendation list: the first evaluated user
    let sample = split.test.first().and_then(|(u, _)| {
        let user = loaded.data.users().key(*u)?;
        let recs: Vec<_> = model
            .recommend(user, 3, true)
            .into_iter()
            .map(|(item, score)| {
                let because: Vec<&str> = model.because(user, item, 2).into_iter().map(|b| b.0).collect();
                serde_json::json!({"item": item, "score": score, "because": because})
            })
            .collect();
        Some(serde_json::json!({"user": user, "recommendations": recs}))
    });

    let info = serde_json::json!({
        "split_time": DateTime::from_timestamp(split_time, 0).map(|t| t.to_rfc3339()),
        "users": loaded.data.n_users(),
        "items": loaded.data.n_items(),
        "purchase_lines": loaded.purchases,
        "cart_events": loaded.carts,
        "view_events": loaded.views,
        "train_rows": split.train.len(),
        "test_users": split.test.len(),
        "test_items": split.test.iter().map(|t| t.1.len()).sum::<usize>(),
        "similarities": model.n_similarities(),
        "similarities_full": full_similarities,
        "recall_ratio_vs_popularity": report.model.recall / report.popularity.recall.max(f64::MIN_POSITIVE),
        "params": args.knn,
        "timings_ms": {
            "load_csv": load_ms,
            "split": split_ms,
            "fit_itemknn_train": fit_ms,
            "fit_itemknn_full": full_fit_ms,
            "fit_popularity": pop_fit_ms,
            "evaluate_itemknn": eval_ms,
            "recommend_all": all_ms,
        },
        "recommend_all_users": all.len(),
        "recommend_all_nonempty": users_with_recs,
        "sample": sample,
    });
    println!("{info}");
    Ok(())
}

fn next_item(args: &Args) -> AnyResult<()> {
    let k = args.k.unwrap_or(20);
    let t0 = Instant::now();
    let sessions = if args.dir.is_file() {
        load_sessions_tsv(&args.dir)?
    } else {
        load_sessions(&args.dir)?
    };
    let load_ms = ms(t0);
    let t0 = Instant::now();
    let split = SessionSplit::new(&sessions, args.holdout_days * DAY as f64)?;
    let split_ms = ms(t0);
    let t0 = Instant::now();
    let model = split.fit(&args.session)?;
    let fit_ms = ms(t0);
    let baseline = split.fit(&NextItemParams::popularity())?;
    let t0 = Instant::now();
    let (m, predictions) = split.score(&model, k);
    let eval_ms = ms(t0);
    let (p, _) = split.score(&baseline, k);
    let report = huaxiang_recommend::NextItemReport {
        k,
        model: m,
        popularity: p,
        predictions,
        test_sessions: split.test.len(),
        train_sessions: split.train.len(),
    };
    println!("{}", serde_json::to_string(&report)?);
    let info = serde_json::json!({
        "sessions": sessions.len(),
        "train_sessions": report.train_sessions,
        "test_sessions": report.test_sessions,
        "items": model.items().len(),
        "repeat_share": model.repeat_share(),
        "params": args.session,
        "timings_ms": {"load_csv": load_ms, "split": split_ms, "fit": fit_ms, "evaluate": eval_ms},
    });
    println!("{info}");
    Ok(())
}

fn main() -> AnyResult<()> {
    let args = parse_args()?;
    if args.next_item { next_item(&args) } else { top_n(&args) }
}
