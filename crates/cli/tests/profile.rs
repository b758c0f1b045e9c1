//! `huaxiang profile`: lookup by person id, record id, phone and e-mail; masked
//! identifiers; attributes, features and a timeline assembled from the tables.

mod common;

use common::*;

fn json(ws: &std::path::Path, id: &str) -> serde_json::Value {
    let out = ok(ws, &["profile", id, "--json"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

#[test]
fn profile_by_any_identifier() {
    let (tmp, ws) = workspace();
    let data = demo_data(tmp.path(), 800, 5);
    let before = hx(&ws, &["profile", "C00000001"]);
    assert!(!before.status.success());
    assert!(String::from_utf8_lossy(&before.stderr).contains("huaxiang build"));
    ingest_tables(&ws, &data, &["customers", "orders", "events", "tickets"]);
    ok(&ws, &["build"]);
    // A customer with orders: the busiest one.
    let cid = scalar(
        &ws,
        "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC, customer_id LIMIT 1",
    );
    let p = json(&ws, &cid);
    let pid = p["person_id"].as_str().expect("person id").to_string();
    assert_eq!(
        pid,
        scalar(
            &ws,
            &format!("SELECT person_id FROM identity_links WHERE record_id = '{cid}'")
        )
    );
    // The same person by person id, by phone and by e-mail (plaintext from the CSV).
    assert_eq!(json(&ws, &pid)["person_id"], pid.as_str());
    let revealed = revealed_csv(
        &ws,
        &format!("SELECT phone, email FROM customers WHERE record_id = '{cid}'"),
    );
    let row: Vec<&str> = revealed.lines().nth(1).expect("row").split(',').collect();
    let (phone, email) = (row[0].to_string(), row[1].to_string());
    if !phone.is_empty() {
        assert_eq!(json(&ws, &phone)["person_id"], pid.as_str(), "by phone {phone}");
    }
    if !email.is_empty() {
        assert_eq!(
            json(&ws, &email.to_uppercase())["person_id"],
            pid.as_str(),
            "by e-mail {email}"
        );
    }
    // Identifiers are masked; the plaintext never appears without --reveal.
    let text = ok(&ws, &["profile", &cid]);
    if phone.len() > 4 {
        assert!(!text.contains(&phone), "plaintext phone shown: {text}");
    }
    assert!(text.contains("时间线 / timeline"));
    // The timeline holds the person's orders, newest first, and counts agree with SQL.
    let orders_in_timeline = p["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["kind"] == "order")
        .count();
    assert!(orders_in_timeline > 0);
    let times: Vec<&str> = p["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["time"].as_str())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "not newest first: {times:?}");
    // Unknown identifiers are a clear error.
    let missing = hx(&ws, &["profile", "nobody@example.invalid"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no person matches"));
}
