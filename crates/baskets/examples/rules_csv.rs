//! Association rules from an `order_items` CSV (columns `order_id`, `product_id`,
//! `category`, … in any order), with the time of each step.
//!
//! ```text
//! cargo run --release -p huaxiang-baskets --example rules_csv -- \
//!     /work/data/M/order_items.csv --level product --min-support 0.0005 --min-confidence 0
//! ```
//!
//! Options: `--level product|category` (default product), `--min-support S` (0.0005),
//! `--min-confidence C` (0), `--max-len N`, `--max-consequent N` (1), `--min-lift L`,
//! `--top N` (20), `--json` (print every rule and the timings as one JSON object, the shape
//! of the future `huaxiang rules --json`, instead of the table).

use std::error::Error;
use std::time::Instant;

use huaxiang_baskets::{Baskets, RuleParams, frequent_itemsets, rules_from_itemsets};

struct Args {
    path: String,
    level: String,
    params: RuleParams,
    top: usize,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut path = None;
    let mut level = "product".to_owned();
    let mut params = RuleParams::new(0.0005, 0.0);
    let mut top = 20;
    let mut json = false;
    fn value<T: std::str::FromStr>(it: &mut impl Iterator<Item = String>, flag: &str) -> Result<T, String> {
        let v = it.next().ok_or(format!("{flag} needs a value"))?;
        v.parse().map_err(|_| format!("{flag}: cannot parse {v:?}"))
    }
    while let Some(a) = it.next() {
        match a.as_str() {
            "--level" => level = value(&mut it, "--level")?,
            "--min-support" => params.min_support = value(&mut it, "--min-support")?,
            "--min-confidence" => params.min_confidence = value(&mut it, "--min-confidence")?,
            "--max-len" => params.max_len = Some(value(&mut it, "--max-len")?),
            "--max-consequent" => params.max_consequent = value(&mut it, "--max-consequent")?,
            "--min-lift" => params.min_lift = Some(value(&mut it, "--min-lift")?),
            "--top" => top = value(&mut it, "--top")?,
            "--json" => json = true,
            "-h" | "--help" => {
                return Err("usage: rules_csv ORDER_ITEMS.csv [--level product|category] \
                            [--min-support S] [--min-confidence C] [--max-len N] \
                            [--max-consequent N] [--min-lift L] [--top N] [--json]"
                    .to_owned());
            }
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ => path = Some(a),
        }
    }
    if level != "product" && level != "category" {
        return Err(format!("--level must be product or category, not {level:?}"));
    }
    Ok(Args {
        path: path.ok_or("missing the order_items CSV path")?,
        level,
        params,
        top,
        json,
    })
}

/// Column positions of `order_id` and `item_column` in a header.
fn columns<'a>(header: impl Iterator<Item = &'a [u8]> + Clone, item_column: &str) -> Result<(usize, usize), String> {
    let find = |name: &str| {
        header
            .clone()
            .position(|h| h == name.as_bytes())
            .ok_or(format!("no column {name} in the header"))
    };
    Ok((find("order_id")?, find(item_column)?))
}

/// Fast path for files without quotes (the generated data): fields borrowed from the text.
fn read_plain<'a>(text: &'a str, item_column: &str) -> Result<Vec<(&'a str, &'a str)>, String> {
    let mut lines = text.lines();
    let header = lines.next().ok_or("empty file")?;
    let (key_col, item_col) = columns(header.split(',').map(str::as_bytes), item_column)?;
    let mut pairs = Vec::with_capacity(text.len() / 40);
    for (n, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let (mut key, mut item) = (None, None);
        for (i, field) in line.splitn(key_col.max(item_col) + 2, ',').enumerate() {
            if i == key_col {
                key = Some(field);
            }
            if i == item_col {
                item = Some(field);
            }
        }
        match (key, item) {
            (Some(k), Some(i)) => pairs.push((k, i)),
            _ => return Err(format!("line {}: too few fields", n + 2)),
        }
    }
    Ok(pairs)
}

/// General CSV (quoted fields) with the csv crate.
fn read_quoted(bytes: &[u8], item_column: &str) -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.byte_headers()?.clone();
    let (key_col, item_col) = columns(headers.iter(), item_column)?;
    let mut pairs = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record)? {
        let (Some(k), Some(i)) = (record.get(key_col), record.get(item_col)) else {
            return Err(format!("short row {:?}", record.position()).into());
        };
        pairs.push((k.to_owned(), i.to_owned()));
    }
    Ok(pairs)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    args.params.validate()?;
    let t0 = Instant::now();

    // Read: (order_id, item) pairs from the CSV.
    let bytes = std::fs::read(&args.path)?;
    let item_column = if args.level == "product" {
        "product_id"
    } else {
        "category"
    };
    let owned; // the csv crate's records, when the file needs real CSV parsing
    let pairs: Vec<(&str, &str)> = if bytes.contains(&b'"') {
        owned = read_quoted(&bytes, item_column)?;
        owned
            .iter()
            .map(|(k, i): &(String, String)| (k.as_str(), i.as_str()))
            .collect()
    } else {
        read_plain(std::str::from_utf8(&bytes)?, item_column)?
    };
    let t_read = t0.elapsed().as_secs_f64();

    let t = Instant::now();
    let baskets = Baskets::from_pairs(pairs.iter().copied());
    drop(pairs);
    let t_baskets = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let itemsets = frequent_itemsets(&baskets, args.params.min_support, args.params.max_len)?;
    let t_mine = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let rules = rules_from_itemsets(&baskets, &itemsets, &args.params)?;
    let t_rules = t.elapsed().as_secs_f64();
    let total = t0.elapsed().as_secs_f64();

    if args.json {
        let out = serde_json::json!({
            "level": args.level,
            "params": args.params,
            "n_baskets": baskets.len(),
            "n_items": baskets.n_items(),
            "n_frequent_itemsets": itemsets.len(),
            "n_rules": rules.len(),
            "timing_s": {
                "read": t_read, "baskets": t_baskets, "mine": t_mine, "rules": t_rules,
                "total": total,
            },
            "rules": rules,
        });
        println!("{out}");
        return Ok(());
    }

    println!(
        "{} baskets, {} distinct {}s; {} frequent itemsets, {} rules",
        baskets.len(),
        baskets.n_items(),
        args.level,
        itemsets.len(),
        rules.len()
    );
    println!(
        "time: read {:.3}s  baskets {:.3}s  mine {:.3}s  rules {:.3}s  total {:.3}s",
        t_read, t_baskets, t_mine, t_rules, total
    );
    println!();
    println!(
        "{:<40} {:>9} {:>10} {:>8} {:>8} {:>7}",
        "rule", "support", "confidence", "lift", "leverage", "count"
    );
    for r in rules.iter().take(args.top) {
        let text = format!("{} → {}", r.antecedent.join("+"), r.consequent.join("+"));
        println!(
            "{:<40} {:>9.5} {:>10.4} {:>8.2} {:>8.5} {:>7}",
            text, r.support, r.confidence, r.lift, r.leverage, r.count
        );
    }
    Ok(())
}
