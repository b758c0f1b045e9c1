//! Features end to end on generated data: the 23 reference columns equal the
//! DuckDB reference of `shared/bench/peers/run_peers.py` for every person with
//! one customer record, sum up over the records of merged persons, stay point
//! in time for an earlier as-of day, and user features are checked and run.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use arrow::array::{Array, Float64Array, StringArray};
use arrow::datatypes::DataType;
use common::*;

/// The 23 reference columns, in the reference order.
const REFERENCE: [&str; 23] = [
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "orders_30d",
    "orders_90d",
    "orders_365d",
    "spend_30d",
    "spend_90d",
    "spend_365d",
    "aov",
    "coupon_share",
    "night_order_share",
    "refund_rate",
    "distinct_categories",
    "sessions",
    "views",
    "cart_adds",
    "view_to_cart_rate",
    "cart_to_purchase_rate",
    "refunds",
    "ticket_count",
    "mean_rating",
];

/// Columns that add up over the records of one person.
const ADDITIVE: [&str; 11] = [
    "frequency",
    "monetary",
    "orders_30d",
    "orders_90d",
    "orders_365d",
    "spend_30d",
    "spend_90d",
    "spend_365d",
    "refunds",
    "ticket_count",
    "views",
];

type Rows = HashMap<String, Vec<Option<f64>>>;

/// Runs the DuckDB reference on `data` with the cutoff at the start of
/// `cutoff_day`; with `cut_dir`, first copies the rows before the cutoff there
/// (the reference itself reads whole files). Writes a Parquet file.
const PEER: &str = r#"
import os, sys
shared, data, out, day = sys.argv[1:5]
sys.path.insert(0, os.path.join(shared, "bench", "peers"))
import duckdb, pyarrow.parquet as pq
import run_peers
run_peers.CUTOFF = day + " 00:00:00"
if len(sys.argv) > 5:
    cut, lim = sys.argv[5], day + "T00:00:00"
    os.makedirs(cut, exist_ok=True)
    con = duckdb.connect()
    src = lambda f: "read_csv('" + os.path.join(data, f + ".csv") + "', header=true, all_varchar=true)"
    def copy(name, where):
        con.execute(f"COPY (SELECT * FROM {src(name)} {where}) TO '{os.path.join(cut, name + '.csv')}' (HEADER)")
    copy("customers", f"WHERE substr(signup_time, 1, 19) < '{lim}'")
    copy("orders", f"WHERE substr(order_time, 1, 19) < '{lim}'")
    copy("order_items", f"WHERE order_id IN (SELECT order_id FROM {src('orders')} WHERE substr(order_time, 1, 19) < '{lim}')")
    copy("events", f"WHERE substr(event_time, 1, 19) < '{lim}'")
    copy("tickets", f"WHERE substr(created_at, 1, 19) < '{lim}'")
    data = cut
pq.write_table(run_peers.features_duckdb(data), out)
"#;

fn python() -> Option<PathBuf> {
    let p = std::env::var_os("HUAXIANG_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/venv/bin/python"));
    p.is_file().then_some(p)
}

/// The reference features of `data` (customer_id → 23 values), or `None` when
/// the shared folder or the peer Python is missing outside CI.
fn reference(tmp: &Path, data: &Path, cutoff_day: &str, cut: bool) -> Option<Rows> {
    let (Some(shared), Some(py)) = (shared(), python()) else {
        assert!(std::env::var("CI").is_err(), "CI needs ../shared and $HUAXIANG_PYTHON");
        eprintln!("skipped: the shared folder or the peer Python (HUAXIANG_PYTHON) is missing");
        return None;
    };
    let out = tmp.join(format!("reference-{cutoff_day}.parquet"));
    let mut cmd = Command::new(py);
    cmd.arg("-c").arg(PEER).arg(&shared).arg(data).arg(&out).arg(cutoff_day);
    if cut {
        cmd.arg(tmp.join(format!("cut-{cutoff_day}")));
    }
    let run = cmd.output().expect("run the peer Python");
    assert!(
        run.status.success(),
        "reference failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let file = std::fs::File::open(&out).expect("reference parquet");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .build()
        .expect("reader");
    let mut rows = Rows::new();
    for b in reader {
        let b = b.expect("batch");
        let ids = arrow::compute::cast(b.column_by_name("customer_id").expect("id"), &DataType::Utf8).expect("cast");
        let ids = ids.as_any().downcast_ref::<StringArray>().expect("ids");
        let cols: Vec<_> = REFERENCE
            .iter()
            .map(|c| arrow::compute::cast(b.column_by_name(c).expect(c), &DataType::Float64).expect("cast"))
            .collect();
        for r in 0..b.num_rows() {
            let vals = cols
                .iter()
                .map(|c| {
                    let c = c.as_any().downcast_ref::<Float64Array>().expect("f64");
                    (!c.is_null(r)).then(|| c.value(r))
                })
                .collect();
            rows.insert(ids.value(r).to_string(), vals);
        }
    }
    Some(rows)
}

/// Our features per person, and each person's customer records.
fn ours(ws: &Path) -> (Rows, HashMap<String, Vec<String>>) {
    let sql = format!(
        "SELECT person_id, {} FROM features ORDER BY person_id",
        REFERENCE.join(", ")
    );
    let csv = ok(ws, &["sql", "--format", "csv", &sql]);
    let mut rows = Rows::new();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    for r in rdr.records() {
        let r = r.expect("row");
        let vals = (1..=REFERENCE.len())
            .map(|i| (!r[i].is_empty()).then(|| r[i].parse::<f64>().expect("number")))
            .collect();
        rows.insert(r[0].to_string(), vals);
    }
    let links = ok(
        ws,
        &[
            "sql",
            "--format",
            "csv",
            "SELECT person_id, record_id FROM identity_links",
        ],
    );
    let mut records: HashMap<String, Vec<String>> = HashMap::new();
    for l in links.lines().skip(1) {
        if let Some((p, r)) = l.split_once(',') {
            records.entry(p.to_string()).or_default().push(r.to_string());
        }
    }
    (rows, records)
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
        _ => false,
    }
}

/// Compares the persons with one record; returns how many were compared.
fn compare_single(reference: &Rows, ours: &Rows, records: &HashMap<String, Vec<String>>) -> usize {
    let mut compared = 0;
    let mut bad = Vec::new();
    for (person, vals) in ours {
        let Some([record]) = records.get(person).map(Vec::as_slice) else {
            continue;
        };
        let Some(expected) = reference.get(record) else {
            continue;
        };
        compared += 1;
        for (i, c) in REFERENCE.iter().enumerate() {
            if !same(expected[i], vals[i]) && bad.len() < 20 {
                bad.push(format!(
                    "{person} ({record}).{c}: ours {:?}, DuckDB {:?}",
                    vals[i], expected[i]
                ));
            }
        }
    }
    assert!(bad.is_empty(), "differences from the reference:\n{}", bad.join("\n"));
    compared
}

fn ingest_all(ws: &Path, data: &Path) {
    for t in ["customers", "orders", "order_items", "events", "tickets", "touches"] {
        let file = data.join(format!("{t}.csv"));
        ingest_json(ws, &["--table", t, "--source", "shop", &file.to_string_lossy()]);
    }
}

fn features_stage(build_json: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(build_json).expect("build --json");
    v["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .find(|s| s["stage"] == "features")
        .cloned()
        .expect("a features stage")
}

fn next_day(day: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("day");
    (d + chrono::Duration::days(1)).format("%Y-%m-%d").to_string()
}

#[test]
fn features_equal_the_reference_and_stay_point_in_time() {
    let (tmp, ws) = workspace();
    let data = demo_data(tmp.path(), 2000, 7);
    ingest_all(&ws, &data);

    let stage = features_stage(&ok(&ws, &["build", "--json"]));
    assert_eq!(stage["status"], "built", "{stage}");
    let as_of = stage["details"]["as_of"].as_str().expect("as_of").to_string();
    let persons = stage["details"]["persons"].as_u64().expect("persons");
    assert!(persons > 1900, "{stage}");
    assert_eq!(scalar(&ws, "SELECT count(*) FROM features"), persons.to_string());
    assert_eq!(
        scalar(&ws, "SELECT count(DISTINCT person_id) FROM person_attributes"),
        persons.to_string()
    );
    assert_eq!(scalar(&ws, "SELECT CAST(max(as_of) AS VARCHAR) FROM features"), as_of);
    // The as-of day is in the Delta commit too.
    let log = ws.join("tables/features/_delta_log");
    let mut commits: Vec<PathBuf> = std::fs::read_dir(&log)
        .expect("log")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    commits.sort();
    let last = std::fs::read_to_string(commits.last().expect("a commit")).expect("commit");
    assert!(last.contains(&format!("\"as_of\":\"{as_of}\"")), "{last}");
    // Nothing changed: the stage is skipped.
    let again = features_stage(&ok(&ws, &["build", "--json"]));
    assert_eq!(again["status"], "up to date");

    let (mine, records) = ours(&ws);
    if let Some(reference) = reference(tmp.path(), &data, &next_day(&as_of), false) {
        let compared = compare_single(&reference, &mine, &records);
        assert!(compared > 1800, "only {compared} single-record persons compared");
        // Merged persons: the additive columns are the sums over their records.
        let mut merged = 0;
        for (person, recs) in records.iter().filter(|(_, r)| r.len() > 1) {
            let Some(vals) = mine.get(person) else { continue };
            merged += 1;
            for c in ADDITIVE {
                let i = REFERENCE.iter().position(|x| *x == c).expect("column");
                let sum: f64 = recs.iter().filter_map(|r| reference.get(r)).filter_map(|v| v[i]).sum();
                assert!(same(Some(sum), vals[i]), "{person}.{c}: ours {:?}, sum {sum}", vals[i]);
            }
        }
        assert!(merged > 0, "the demo data have duplicate accounts");
    }

    // An earlier as-of day: no order, event or ticket after it is read.
    let day = chrono::NaiveDate::parse_from_str(&as_of, "%Y-%m-%d").expect("day") - chrono::Duration::days(45);
    let early = day.format("%Y-%m-%d").to_string();
    let stage = features_stage(&ok(&ws, &["build", "--as-of", &early, "--json"]));
    assert_eq!(stage["status"], "built");
    assert_eq!(stage["details"]["as_of"], early.as_str());
    let paid_before = scalar(
        &ws,
        &format!("SELECT count(*) FROM orders WHERE status = 'paid' AND to_char(order_time, '%Y-%m-%d') <= '{early}'"),
    );
    assert_eq!(scalar(&ws, "SELECT sum(frequency) FROM features"), paid_before);
    assert_eq!(
        scalar(
            &ws,
            "SELECT count(*) FROM features WHERE recency_days < 0 OR tenure_days < 0"
        ),
        "0"
    );
    let (mine, records) = ours(&ws);
    if let Some(reference) = reference(tmp.path(), &data, &next_day(&early), true) {
        let compared = compare_single(&reference, &mine, &records);
        assert!(
            compared > 1500,
            "only {compared} single-record persons compared as of {early}"
        );
    }
}

#[test]
fn user_features_are_checked_and_computed() {
    let (tmp, ws) = workspace();
    let data = demo_data(tmp.path(), 300, 3);
    ingest_all(&ws, &data);
    let toml = ws.join("huaxiang.toml");
    let base = std::fs::read_to_string(&toml).expect("toml");
    let bad = "\n[[features]]\nname = \"spend_per_day\"\nsql = \"monetary / nullif(tenure_dayz, 0)\"\n";
    std::fs::write(&toml, format!("{base}{bad}")).expect("write");
    let out = hx(&ws, &["build"]);
    assert!(!out.status.success(), "an unknown column must stop the build");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("spend_per_day") && err.contains("tenure_dayz"), "{err}");

    let good = "\n[[features]]\nname = \"spend_per_day\"\nsql = \"monetary / nullif(tenure_days, 0)\"\n\
                description = \"paid spend per day since signup\"\n\
                [[features]]\nname = \"gold_buyer\"\nsql = \"frequency > 0 AND member_level = '黄金'\"\n";
    std::fs::write(&toml, format!("{base}{good}")).expect("write");
    ok(&ws, &["build"]);
    assert_eq!(
        scalar(
            &ws,
            "SELECT count(*) FROM features WHERE spend_per_day IS DISTINCT FROM monetary / nullif(tenure_days, 0)"
        ),
        "0"
    );
    assert_eq!(
        scalar(
            &ws,
            "SELECT count(*) FROM features \
             WHERE gold_buyer IS DISTINCT FROM (frequency > 0 AND member_level = '黄金')"
        ),
        "0"
    );
    assert_ne!(scalar(&ws, "SELECT count(*) FROM features WHERE gold_buyer"), "0");
    let cols = ok(&ws, &["sql", "--format", "csv", "SELECT * FROM features LIMIT 1"]);
    let header = cols.lines().next().unwrap_or("");
    assert!(header.ends_with("spend_per_day,gold_buyer,as_of"), "{header}");
}
