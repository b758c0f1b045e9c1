//! The whole stage on a tiny hand-made workspace whose every feature value is
//! known: persons with two accounts, ties, the boundaries of the as-of day
//! and of the windows, stitched and ambiguous sessions, and user features.

use std::collections::HashMap;

use arrow::array::{Array, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use chrono::NaiveDate;
use datafusion::prelude::SessionContext;
use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;

use crate::output::{stored_schema, to_stored};

fn ts(s: &str) -> String {
    format!("arrow_cast(to_timestamp_micros('{s}'), 'Timestamp(µs, \"UTC\")')")
}

/// Writes table `name` from an SQL query (timestamps through [`ts`]).
async fn write(ws: &Workspace, name: &str, sql: &str) {
    let df = SessionContext::new().sql(sql).await.expect("fixture sql");
    let schema = stored_schema(df.schema().as_arrow());
    let batches: Vec<RecordBatch> = df
        .collect()
        .await
        .expect("fixture")
        .iter()
        .map(|b| to_stored(b, &schema).expect("stored"))
        .collect();
    ws.tables()
        .overwrite(name, schema, batches, serde_json::Map::new())
        .await
        .expect("write fixture");
}

async fn fixture(dir: &std::path::Path, user: &str) -> Workspace {
    Workspace::init(dir).expect("init");
    if !user.is_empty() {
        let path = dir.join(huaxiang_core::config::CONFIG_FILE);
        let mut text = std::fs::read_to_string(&path).expect("toml");
        text.push_str(user);
        std::fs::write(&path, text).expect("write toml");
    }
    let ws = Workspace::open(dir).expect("open");
    let cust = |id: &str, signup: &str, gender: &str, by: &str, city: &str, tier: &str, level: &str| {
        format!(
            "('shop', '{id}', '{id}', {}, {gender}, {by}, {city}, {tier}, {level}, 'organic')",
            ts(signup)
        )
    };
    let rows = [
        cust(
            "C1",
            "2025-01-01T10:00:00+08:00",
            "'F'",
            "1990",
            "'上海'",
            "1",
            "'黄金'",
        ),
        cust(
            "C2",
            "2025-06-01T10:00:00+08:00",
            "'M'",
            "1980",
            "'北京'",
            "2",
            "'普通'",
        ),
        cust("C4", "2025-03-01T10:00:00+08:00", "NULL", "NULL", "'杭州'", "2", "NULL"),
        cust(
            "C5",
            "2025-03-01T10:00:00+08:00",
            "'M'",
            "1985",
            "'杭州'",
            "2",
            "'白银'",
        ),
        cust(
            "C6",
            "2026-07-02T10:00:00+08:00",
            "'F'",
            "1990",
            "'上海'",
            "1",
            "'普通'",
        ),
        cust(
            "C7",
            "2026-01-01T10:00:00+08:00",
            "'F'",
            "2025",
            "'成都'",
            "3",
            "'普通'",
        ),
    ];
    write(
        &ws,
        "customers",
        &format!(
            "SELECT * FROM (VALUES {}) AS c(source, record_id, customer_id, signup_time, gender, birth_year, city, \
             city_tier, member_level, acquisition_channel)",
            rows.join(", ")
        ),
    )
    .await;
    write(
        &ws,
        "identity_links",
        "SELECT * FROM (VALUES ('shop', 'C1', 'P1', 'r', 1.0), ('shop', 'C2', 'P1', 'r', 1.0), \
         ('shop', 'C4', 'P2', 'r', 1.0), ('shop', 'C5', 'P2', 'r', 1.0), ('shop', 'C6', 'P3', 'r', 1.0), \
         ('shop', 'C7', 'P4', 'r', 1.0)) AS l(source, record_id, person_id, rule, score)",
    )
    .await;
    let order = |id: &str, c: &str, t: &str, ch: &str, amount: f64, disc: f64, coupon: bool, status: &str| {
        format!(
            "('shop', '{id}', '{id}', '{c}', {}, '{ch}', {amount:.2}, {disc:.2}, {coupon}, '{status}')",
            ts(t)
        )
    };
    let orders = [
        order(
            "O1",
            "C1",
            "2026-06-30T22:19:25+08:00",
            "app",
            100.0,
            0.0,
            false,
            "paid",
        ),
        order("O2", "C2", "2026-06-01T00:00:00+08:00", "web", 50.0, 10.0, true, "paid"),
        order("O3", "C1", "2026-05-31T23:59:59+08:00", "app", 30.0, 0.0, false, "paid"),
        order(
            "O4",
            "C1",
            "2026-07-01T00:00:00+08:00",
            "app",
            999.0,
            0.0,
            false,
            "paid",
        ),
        order(
            "O5",
            "C2",
            "2026-03-01T12:00:00+08:00",
            "app",
            20.0,
            0.0,
            false,
            "refunded",
        ),
        order("O6", "C4", "2025-01-01T23:30:00+08:00", "web", 10.0, 0.0, false, "paid"),
        order("O7", "X9", "2026-06-01T12:00:00+08:00", "web", 5.0, 0.0, false, "paid"),
    ];
    write(
        &ws,
        "orders",
        &format!(
            "SELECT * FROM (VALUES {}) AS o(source, record_id, order_id, customer_id, order_time, channel, amount, \
             discount, coupon_used, status)",
            orders.join(", ")
        ),
    )
    .await;
    write(
        &ws,
        "order_items",
        "SELECT * FROM (VALUES ('shop', 'O1/A', 'O1', '服饰'), ('shop', 'O1/B', 'O1', '美妆'), \
         ('shop', 'O2/A', 'O2', '服饰'), ('shop', 'O3/A', 'O3', '食品'), ('shop', 'O4/A', 'O4', '数码'), \
         ('shop', 'O5/A', 'O5', '玩具')) AS i(source, record_id, order_id, category)",
    )
    .await;
    let ev = |id: &str, t: &str, c: &str, s: &str, ty: &str| {
        format!("('shop', '{id}', '{id}', {}, {c}, {s}, '{ty}')", ts(t))
    };
    let events = [
        ev("E1", "2026-06-10T10:00:00+08:00", "NULL", "'S1'", "page_view"),
        ev("E2", "2026-06-10T10:01:00+08:00", "'C1'", "'S1'", "product_view"),
        ev("E3", "2026-06-10T10:02:00+08:00", "'C2'", "'S1'", "add_to_cart"),
        ev("E4", "2026-06-11T10:00:00+08:00", "'C1'", "'S2'", "product_view"),
        ev("E5", "2026-06-11T10:01:00+08:00", "'C4'", "'S2'", "product_view"),
        ev("E6", "2026-06-30T23:00:00+08:00", "'C1'", "'S3'", "search"),
        ev("E7", "2026-07-01T01:00:00+08:00", "'C1'", "'S3'", "purchase"),
        ev("E8", "2026-06-29T10:00:00+08:00", "NULL", "'S4'", "product_view"),
        ev("E9", "2026-07-01T02:00:00+08:00", "'C1'", "'S4'", "product_view"),
        ev("E10", "2026-06-20T10:00:00+08:00", "'C7'", "NULL", "page_view"),
    ];
    write(
        &ws,
        "events",
        &format!(
            "SELECT * FROM (VALUES {}) AS e(source, record_id, event_id, event_time, customer_id, session_id, \
             event_type)",
            events.join(", ")
        ),
    )
    .await;
    let tk = |id: &str, c: &str, t: &str, r: &str| format!("('shop', '{id}', '{c}', {}, CAST({r} AS BIGINT))", ts(t));
    write(
        &ws,
        "tickets",
        &format!(
            "SELECT * FROM (VALUES {}, {}, {}, {}) AS t(source, record_id, customer_id, created_at, rating)",
            tk("T1", "C1", "2026-06-01T10:00:00+08:00", "1"),
            tk("T2", "C2", "2026-06-02T10:00:00+08:00", "NULL"),
            tk("T3", "C1", "2026-06-03T10:00:00+08:00", "5"),
            tk("T4", "C1", "2026-07-01T08:00:00+08:00", "1"),
        ),
    )
    .await;
    let tc = |id: &str, c: &str, t: &str, ch: &str| format!("('shop', '{id}', '{c}', {}, '{ch}')", ts(t));
    write(
        &ws,
        "touches",
        &format!(
            "SELECT * FROM (VALUES {}, {}, {}, {}) AS x(source, record_id, customer_id, touch_time, channel)",
            tc("M1", "C1", "2026-06-01T10:00:00+08:00", "sms"),
            tc("M2", "C2", "2026-06-02T10:00:00+08:00", "push"),
            tc("M3", "C4", "2026-06-03T10:00:00+08:00", "sms"),
            tc("M4", "C1", "2026-07-02T10:00:00+08:00", "kol"),
        ),
    )
    .await;
    ws
}

fn ctx(day: u32, month: u32) -> BuildContext {
    let d = NaiveDate::from_ymd_opt(2026, month, day).expect("date");
    BuildContext::new(1, d, chrono_tz::Asia::Shanghai, true)
}

/// Every cell of a table as text ("" for NULL), by person_id then column.
async fn cells(ws: &Workspace, table: &str) -> (Vec<String>, HashMap<String, HashMap<String, String>>) {
    let mut out = HashMap::new();
    let mut names = Vec::new();
    for b in ws.tables().read_all(table).await.expect("read") {
        names = b.schema().fields().iter().map(|f| f.name().clone()).collect();
        let fmt = arrow::util::display::ArrayFormatter::try_new;
        let opts = arrow::util::display::FormatOptions::default();
        for r in 0..b.num_rows() {
            let mut row = HashMap::new();
            for (i, n) in names.iter().enumerate() {
                let c = b.column(i);
                let v = if c.is_null(r) {
                    String::new()
                } else {
                    fmt(c.as_ref(), &opts).expect("fmt").value(r).to_string()
                };
                row.insert(n.clone(), v);
            }
            out.insert(row["person_id"].clone(), row);
        }
    }
    (names, out)
}

#[tokio::test]
async fn every_feature_of_a_small_world() {
    let dir = tempfile::tempdir().expect("tmp");
    let user = "\n[[features]]\nname = \"spend_x2\"\nsql = \"monetary * 2\"\n\
                [[features]]\nname = \"big_female\"\nsql = \"spend_x2 > 300 AND gender = 'F'\"\n";
    let ws = fixture(dir.path(), user).await;
    let details = crate::run(&ws, &ctx(30, 6)).await.expect("run");
    assert_eq!(details["persons"], 3, "{details}");
    assert_eq!(details["as_of"], "2026-06-30");
    let (names, f) = cells(&ws, "features").await;
    assert_eq!(names.first().map(String::as_str), Some("person_id"));
    assert_eq!(names.last().map(String::as_str), Some("as_of"));
    assert_eq!(names[1..24], crate::catalog::REFERENCE.map(|d| d.name.to_string()));
    // Data-dependent columns: only values seen before the cutoff.
    for c in [
        "days_since_page_view",
        "days_since_product_view",
        "days_since_add_to_cart",
        "days_since_search",
    ] {
        assert!(names.iter().any(|n| n == c), "{c} missing from {names:?}");
    }
    for c in ["days_since_purchase", "touches_kol"] {
        assert!(!names.iter().any(|n| n == c), "{c} comes from after the cutoff");
    }
    let pos = |n: &str| names.iter().position(|x| x == n).unwrap_or(usize::MAX);
    assert!(pos("member_level") < pos("spend_x2") && pos("big_female") < pos("as_of"));
    assert!(!names.iter().any(|n| n == "gender"), "scope attributes are not output");
    assert!(!f.contains_key("P3"), "a person signed up after the cutoff has no row");

    let p1 = &f["P1"];
    let expect = [
        ("recency_days", "0"),
        ("frequency", "3"),
        ("monetary", "180.0"),
        ("tenure_days", "545"),
        ("orders_30d", "2"),
        ("orders_90d", "3"),
        ("orders_365d", "3"),
        ("spend_30d", "150.0"),
        ("spend_90d", "180.0"),
        ("aov", "60.0"),
        ("refund_rate", "0.25"),
        ("distinct_categories", "3"),
        ("sessions", "2"),
        ("views", "1"),
        ("cart_adds", "1"),
        ("view_to_cart_rate", "1.0"),
        ("cart_to_purchase_rate", "0.0"),
        ("refunds", "1"),
        ("ticket_count", "3"),
        ("mean_rating", "3.0"),
        ("night_order_share", "1.0"),
        ("peak_order_hour", "0"),
        ("peak_order_weekday", "1"),
        ("favourite_channel", "app"),
        ("favourite_category", "服饰"),
        ("favourite_category_share", "0.5"),
        ("category_entropy", "1.5"),
        ("searches", "1"),
        ("negative_ticket_share", "0.5"),
        ("days_since_search", "0"),
        ("days_since_page_view", "20"),
        ("days_since_add_to_cart", "20"),
        ("touch_count", "2"),
        ("touches_sms", "1"),
        ("touches_push", "1"),
        ("age", "36"),
        ("city_tier", "1"),
        ("member_level", "黄金"),
        ("spend_x2", "360.0"),
        ("big_female", "true"),
        ("as_of", "2026-06-30"),
    ];
    for (c, v) in expect {
        assert_eq!(p1[c], v, "P1.{c}");
    }
    let close = |c: &str, x: f64| {
        let v: f64 = p1[c].parse().unwrap_or(f64::NAN);
        assert!((v - x).abs() < 1e-12, "P1.{c} = {v}, expected {x}");
    };
    close("coupon_share", 1.0 / 3.0);
    close("weekend_order_share", 1.0 / 3.0);
    close("favourite_channel_share", 2.0 / 3.0);
    close("discount_rate", 10.0 / 190.0);
    // Paid orders at 05-31 23:59:59, 06-01 00:00:00, 06-30 22:19:25 (local).
    let gaps = [1.0, (29.0 * 86_400.0 + 22.0 * 3600.0 + 19.0 * 60.0 + 25.0)];
    close("interpurchase_mean_days", (gaps[0] + gaps[1]) / 2.0 / 86_400.0);
    let mean = (gaps[0] + gaps[1]) / 2.0;
    let sd = (((gaps[0] - mean).powi(2) + (gaps[1] - mean).powi(2)) / 1.0).sqrt() / 86_400.0;
    close("interpurchase_std_days", sd);

    let p2 = &f["P2"];
    // The shared session S2 maps to P1 and P2: it belongs to nobody.
    assert_eq!((p2["sessions"].as_str(), p2["views"].as_str()), ("0", "0"));
    assert_eq!(
        (p2["frequency"].as_str(), p2["night_order_share"].as_str()),
        ("1", "1.0")
    );
    assert_eq!((p2["touch_count"].as_str(), p2["touches_sms"].as_str()), ("1", "1"));
    assert_eq!(p2["interpurchase_mean_days"], "");
    assert_eq!(
        p2["member_level"], "",
        "attributes come from the earliest account, empty or not"
    );

    let p4 = &f["P4"];
    for (c, v) in [
        ("frequency", "0"),
        ("monetary", "0.0"),
        ("recency_days", ""),
        ("aov", ""),
        ("refund_rate", ""),
        ("coupon_share", ""),
        ("mean_rating", ""),
        ("view_to_cart_rate", ""),
        ("sessions", "1"),
        ("days_since_page_view", "10"),
        ("age", ""),
        ("tenure_days", "180"),
        ("spend_x2", "0.0"),
        ("big_female", "false"),
    ] {
        assert_eq!(p4[c], v, "P4.{c}");
    }

    let (anames, a) = cells(&ws, crate::attributes::TABLE).await;
    assert_eq!(anames, crate::attributes::COLUMNS.map(String::from));
    assert_eq!(a.len(), 3);
    let a1 = &a["P1"];
    assert_eq!(
        (
            a1["record_id"].as_str(),
            a1["gender"].as_str(),
            a1["age_band"].as_str(),
            a1["record_count"].as_str()
        ),
        ("C1", "F", "35-44", "2")
    );
    assert!(
        a1["first_signup_time"].starts_with("2025-01-01T02:00:00"),
        "{}",
        a1["first_signup_time"]
    );
    let a2 = &a["P2"];
    assert_eq!(
        (a2["record_id"].as_str(), a2["gender"].as_str(), a2["age_band"].as_str()),
        ("C4", "", "")
    );
    assert_eq!((a["P4"]["birth_year"].as_str(), a["P4"]["age"].as_str()), ("2025", ""));
}

#[tokio::test]
async fn an_earlier_as_of_day_reads_nothing_after_it() {
    let dir = tempfile::tempdir().expect("tmp");
    let ws = fixture(dir.path(), "").await;
    // As of 31 May: O3 (23:59:59 that day) counts, O1 and O2 do not.
    crate::run(&ws, &ctx(31, 5)).await.expect("run");
    let (names, f) = cells(&ws, "features").await;
    let p1 = &f["P1"];
    assert_eq!((p1["frequency"].as_str(), p1["monetary"].as_str()), ("1", "30.0"));
    assert_eq!((p1["orders_30d"].as_str(), p1["refunds"].as_str()), ("1", "1"));
    assert_eq!((p1["sessions"].as_str(), p1["ticket_count"].as_str()), ("0", "0"));
    assert_eq!(p1["as_of"], "2026-05-31");
    assert!(
        !names.iter().any(|n| n.starts_with("days_since_")),
        "no event before 31 May: {names:?}"
    );
    let batches = ws.tables().read_all("features").await.expect("read");
    let d = batches[0]
        .column_by_name("as_of")
        .and_then(|c| c.as_any().downcast_ref::<Date32Array>())
        .expect("as_of is a date");
    assert_eq!(d.value_as_date(0), NaiveDate::from_ymd_opt(2026, 5, 31));
    assert!(
        batches[0]
            .column_by_name("monetary")
            .is_some_and(|c| c.as_any().downcast_ref::<Float64Array>().is_some())
    );
    assert!(
        batches[0]
            .column_by_name("frequency")
            .is_some_and(|c| c.as_any().downcast_ref::<Int64Array>().is_some())
    );
    assert!(
        batches[0]
            .column_by_name("favourite_channel")
            .is_some_and(|c| c.as_any().downcast_ref::<StringArray>().is_some())
    );
}

#[tokio::test]
async fn the_fingerprint_follows_inputs_user_features_and_the_day() {
    let dir = tempfile::tempdir().expect("tmp");
    let ws = fixture(dir.path(), "").await;
    let a = crate::fingerprint(&ws, &ctx(30, 6)).await.expect("fp");
    let mut other_build = ctx(30, 6);
    other_build.build_id = 9;
    assert_eq!(
        a,
        crate::fingerprint(&ws, &other_build).await.expect("fp"),
        "not the build id"
    );
    assert_ne!(a, crate::fingerprint(&ws, &ctx(29, 6)).await.expect("fp"));
    write(&ws, "tickets", "SELECT 'shop' AS source, 'T9' AS record_id").await;
    assert_ne!(a, crate::fingerprint(&ws, &ctx(30, 6)).await.expect("fp"));
}

#[tokio::test]
async fn unknown_columns_of_user_features_stop_the_check_and_the_run() {
    let dir = tempfile::tempdir().expect("tmp");
    let user = "\n[[features]]\nname = \"ratio\"\nsql = \"monetary / nullif(tenure_dayz, 0)\"\n";
    let ws = fixture(dir.path(), user).await;
    for err in [
        crate::check(&ws, &ctx(30, 6)).await.expect_err("check"),
        crate::run(&ws, &ctx(30, 6)).await.expect_err("run"),
    ] {
        let msg = err.to_string();
        assert!(msg.contains("`ratio`") && msg.contains("`tenure_dayz`"), "{msg}");
        assert!(
            !msg.contains(crate::plan::PERSON_ORDER),
            "internal columns are not offered: {msg}"
        );
    }
    assert!(!ws.tables().exists("features"), "nothing written");
}
