//! The real UCI Online Retail file ingests as is with examples/online_retail.toml,
//! and its counts reconcile with the data set's README.

mod common;

use std::path::Path;

use common::*;

#[test]
fn online_retail_counts_reconcile() {
    let Some(shared) = shared() else {
        assert!(std::env::var("CI").is_err(), "../shared is missing in CI");
        eprintln!("skipped: ../shared/data is not beside the repository");
        return;
    };
    let file = shared.join("data/online_retail/online_retail.csv.gz");
    let map = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/online_retail.toml");
    let (_tmp, ws) = workspace();
    let out = ok(
        &ws,
        &[
            "ingest",
            "--table",
            "order_items",
            "--source",
            "online_retail",
            "--map",
            &map.to_string_lossy(),
            &file.to_string_lossy(),
        ],
    );
    // Lines read (the UCI count), cancellations, rows without a customer id.
    assert!(out.contains("read 541909 = accepted 541909 + rejected 0"), "{out}");
    assert!(out.contains("cancellations: 9288"), "{out}");
    assert!(out.contains("rows without customer_id: 135080"), "{out}");
    assert_eq!(
        scalar(&ws, "SELECT count(DISTINCT customer_id) FROM order_items"),
        "4372"
    );
    assert_eq!(scalar(&ws, "SELECT count(*) FROM orders"), "25900");
    // The cleaned figures RFM tutorials report: customer id present, not a return.
    assert_eq!(
        scalar(
            &ws,
            "SELECT count(*) FROM order_items WHERE customer_id IS NOT NULL AND NOT is_return"
        ),
        "397924"
    );
    assert_eq!(
        scalar(
            &ws,
            "SELECT count(DISTINCT customer_id) FROM order_items WHERE customer_id IS NOT NULL AND NOT is_return"
        ),
        "4339"
    );
    assert_eq!(
        scalar(
            &ws,
            "SELECT round(sum(qty * unit_price), 2) FROM order_items WHERE customer_id IS NOT NULL AND NOT is_return"
        ),
        "8911407.9"
    );
    // Market baskets end to end: one basket per invoice with sale lines (cancellations and
    // returns left out); the well-known Regency teacup-and-saucer bundle tops the rules by lift.
    let r: serde_json::Value = serde_json::from_str(&ok(
        &ws,
        &["rules", "--min-support", "0.02", "--min-confidence", "0.5", "--json"],
    ))
    .expect("rules json");
    assert_eq!(
        r["baskets"].as_f64().expect("baskets").to_string(),
        scalar(
            &ws,
            "SELECT count(DISTINCT order_id) FROM order_items WHERE NOT is_return AND qty > 0"
        )
    );
    let rules = r["rules"].as_array().expect("rules");
    assert!(rules.len() >= 20, "{} rules", rules.len());
    let top: Vec<&str> = [&rules[0]["antecedent"], &rules[0]["consequent"]]
        .iter()
        .flat_map(|side| side.as_array().expect("side").iter().map(|v| v.as_str().expect("item")))
        .collect();
    assert!(top.iter().all(|i| ["22697", "22698", "22699"].contains(i)), "{top:?}");
    assert!(
        rules
            .iter()
            .all(|x| x["confidence"].as_f64() >= Some(0.5) && x["support"].as_f64() >= Some(0.02))
    );
    assert_eq!(
        scalar(&ws, "SELECT count(*) FROM association_rules")
            .parse::<usize>()
            .expect("count"),
        rules.len()
    );
    // Float-looking ids (17850.0) are stored as the id 17850.
    assert_ne!(
        scalar(&ws, "SELECT count(*) FROM order_items WHERE customer_id = '17850'"),
        "0"
    );
}
