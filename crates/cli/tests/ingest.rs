//! Ingest: formats, the quality gate, quarantine, idempotency, JSON output.

mod common;

use std::io::Write;

use common::*;

const CUSTOMERS: &str = "\u{feff}customer_id,name,gender,birth_year,city,city_tier,signup_time,acquisition_channel,member_level,phone,email\n\
C001,张伟,M,1990,上海,1,2025-01-02T10:00:00+08:00,organic,普通,13812345678,Zhang.Wei@Example.com\n\
C002,\"Li, \"\"Lucy\"\"\nSmith\",F,2099,北京,1,2025-01-03T10:00:00+08:00,kol,白银,138-1234-5679, lucy@example.com \n\
,无编号,F,1980,北京,1,2025-01-03T10:00:00+08:00,kol,白银,,\n\
C004,王芳,F,1985,广州,2,not-a-time,referral,黄金,+86 139 0000 1111,wang@example.com\n";

#[test]
fn csv_gate_quarantine_json_and_idempotency() {
    let (tmp, ws) = workspace();
    let f = tmp.path().join("customers.csv");
    std::fs::write(&f, CUSTOMERS).expect("write");
    let fs = f.to_string_lossy().to_string();
    let v = ingest_json(&ws, &["--table", "customers", "--source", "shop", &fs]);
    let obj = v.as_object().expect("object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["accepted", "quarantine", "read", "rejected"]);
    assert_eq!(v["read"], 4);
    assert_eq!(v["accepted"], 3, "{v}");
    assert_eq!(v["rejected"], 1, "the row without customer_id is rejected");
    assert!(v["quarantine"].as_str().expect("path").ends_with("quarantine"));
    // The rejected row and the emptied fields are in quarantine with file, line, column and reason.
    let q = ok(
        &ws,
        &[
            "sql",
            "--format",
            "csv",
            "SELECT line, column_name, action, reason, file FROM quarantine ORDER BY line, column_name",
        ],
    );
    assert!(
        q.contains("3,birth_year,field_emptied,2099 is outside the valid range"),
        "{q}"
    );
    assert!(
        q.contains("5,customer_id,row_rejected,required column `customer_id` is empty"),
        "{q}"
    );
    assert!(q.contains("6,signup_time,field_emptied,not a timestamp"), "{q}");
    assert!(q.contains("customers.csv"), "{q}");
    // Embedded newline and doubled quotes survive; masked by default.
    assert_eq!(
        scalar(&ws, "SELECT count(*) FROM customers WHERE birth_year IS NULL"),
        "1"
    );
    let revealed = revealed_csv(&ws, "SELECT name FROM customers WHERE customer_id = 'C002'");
    assert!(
        revealed.contains("Li, \"\"Lucy\"\"\nSmith") || revealed.contains("Lucy"),
        "{revealed}"
    );
    assert_eq!(
        scalar(&ws, "SELECT email FROM customers WHERE customer_id = 'C001'"),
        "z***@example.com"
    );
    // Re-ingesting the same file adds nothing.
    let again = ingest_json(&ws, &["--table", "customers", "--source", "shop", &fs]);
    assert_eq!(again["read"], 0);
    assert_eq!(scalar(&ws, "SELECT count(*) FROM customers"), "3");
    // A new file appends.
    let f2 = tmp.path().join("more.csv");
    std::fs::write(&f2, "customer_id,name\nC100,赵六\n").expect("write");
    let v2 = ingest_json(
        &ws,
        &["--table", "customers", "--source", "shop", &f2.to_string_lossy()],
    );
    assert_eq!(v2["accepted"], 1);
    assert_eq!(v2["quarantine"], serde_json::Value::Null);
    assert_eq!(scalar(&ws, "SELECT count(*) FROM customers"), "4");
    assert_eq!(scalar(&ws, "SELECT count(*) FROM ingest_runs"), "2");
}

#[test]
fn formats_gzip_jsonl_delimiters_and_mapping() {
    let (tmp, ws) = workspace();
    // Semicolon-delimited, gzip, with a mapping: renames, a constant, a derived amount,
    // day-first timestamps in another zone, thousands separators, booleans in Chinese.
    let csv = "单号;客户;时间;金额;券;状态\nO1;17850.0;01/07/2025 09:30;1,234.50;是;paid\nO2;17851.0;02/07/2025 23:10;88;否;refunded\n";
    let gz = tmp.path().join("orders.csv.gz");
    let mut enc =
        flate2::write::GzEncoder::new(std::fs::File::create(&gz).expect("gz"), flate2::Compression::default());
    enc.write_all(csv.as_bytes()).expect("write");
    enc.finish().expect("finish");
    let map = tmp.path().join("map.toml");
    std::fs::write(
        &map,
        "[rename]\n\"单号\" = \"order_id\"\n\"客户\" = \"customer_id\"\n\"时间\" = \"order_time\"\n\"金额\" = \"amount\"\n\"券\" = \"coupon_used\"\n\"状态\" = \"status\"\n\
         [constant]\nchannel = \"store\"\n[derive]\ngross = \"amount * 2\"\n[types]\ngross = \"decimal\"\n\
         [timestamp]\nformats = [\"%d/%m/%Y %H:%M\"]\ntime_zone = \"Europe/London\"\n",
    )
    .expect("map");
    let v = ingest_json(
        &ws,
        &[
            "--table",
            "orders",
            "--source",
            "pos",
            "--map",
            &map.to_string_lossy(),
            &gz.to_string_lossy(),
        ],
    );
    assert_eq!((v["read"].as_u64(), v["accepted"].as_u64()), (Some(2), Some(2)), "{v}");
    let row = ok(
        &ws,
        &[
            "sql",
            "--format",
            "csv",
            "SELECT customer_id, amount, coupon_used, channel, gross, CAST(order_time AS VARCHAR) AS t FROM orders ORDER BY order_id",
        ],
    );
    assert!(row.contains("17850,1234.5,true,store,2469"), "{row}");
    // 09:30 in London (BST) is 16:30 in Shanghai.
    assert!(row.contains("2025-07-01T16:30:00+08:00"), "{row}");
    // JSON Lines with a bad line.
    let jl = tmp.path().join("events.jsonl");
    std::fs::write(
        &jl,
        "{\"event_id\":\"E1\",\"event_time\":\"2025-01-01T00:00:00+08:00\",\"event_type\":\"page_view\",\"anonymous_id\":\"a1\"}\n{not json}\n{\"event_id\":\"E2\",\"event_time\":1735660800,\"event_type\":\"app_open\"}\n",
    )
    .expect("jsonl");
    let v = ingest_json(&ws, &["--table", "events", "--source", "app", &jl.to_string_lossy()]);
    assert_eq!(v["read"], 3);
    assert_eq!(
        v["accepted"], 1,
        "E2's unix time is not ISO 8601: rejected, not coerced: {v}"
    );
    assert_eq!(v["rejected"], 2);
}

#[test]
fn mapping_errors_name_the_column() {
    let (tmp, ws) = workspace();
    let f = tmp.path().join("o.csv");
    std::fs::write(&f, "id,when\n1,2025-01-01\n").expect("write");
    let out = hx(
        &ws,
        &["ingest", "--table", "orders", "--source", "x", &f.to_string_lossy()],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("needs column `order_id`") && err.contains("o.csv"),
        "{err}"
    );
    let out = hx(
        &ws,
        &["ingest", "--table", "order", "--source", "x", &f.to_string_lossy()],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown table `order`"));
}

#[test]
fn sql_is_read_only() {
    let (_tmp, ws) = workspace();
    for stmt in [
        "CREATE TABLE t (a INT)",
        "INSERT INTO quarantine VALUES (1)",
        "DROP TABLE customers",
        "COPY (SELECT 1) TO '/tmp/x.csv'",
    ] {
        let out = hx(&ws, &["sql", stmt]);
        assert!(!out.status.success(), "{stmt} must be refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("only reading queries") || err.contains("not supported") || err.contains("not found"),
            "{stmt}: {err}"
        );
    }
    assert_eq!(scalar(&ws, "SELECT 1 + 1"), "2");
}

/// Order lines have no id of their own: the record id is `order_id/product_id`,
/// and a repeat of the pair is numbered (`#2`, `#3`), across batches too.
#[test]
fn repeated_order_lines_get_numbered_record_ids() {
    let (tmp, ws) = workspace();
    let toml = ws.join("huaxiang.toml");
    let config = std::fs::read_to_string(&toml).expect("config");
    std::fs::write(&toml, config.replace("batch_rows = 65536", "batch_rows = 2")).expect("write config");
    let csv = tmp.path().join("lines.csv");
    std::fs::write(
        &csv,
        "order_id,product_id,category,unit_price,qty\n\
         O1,P1,a,1.0,1\nO1,P1,a,1.0,2\nO2,P1,a,1.0,1\nO1,P2,b,2.0,1\nO1,P1,a,1.0,3\n",
    )
    .expect("write csv");
    let path = csv.to_string_lossy().to_string();
    let r = ingest_json(&ws, &["--table", "order_items", "--source", "shop", &path]);
    assert_eq!(r["accepted"], 5, "{r}");
    let ids = ok(
        &ws,
        &[
            "sql",
            "--format",
            "csv",
            "SELECT record_id FROM order_items ORDER BY _line",
        ],
    );
    let ids: Vec<&str> = ids.lines().skip(1).map(str::trim).collect();
    assert_eq!(ids, ["O1/P1", "O1/P1#2", "O2/P1", "O1/P2", "O1/P1#3"]);
}
