//! Small hand-written inputs for the unit tests: `features`,
//! `person_attributes`, `person_tags` and `customers` in a temporary workspace.

use std::sync::Arc;

use arrow::array::{Array, BooleanArray, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

fn as_of() -> i32 {
    crate::history::date32(chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("date"))
}

/// `features(person_id, frequency, monetary, city_tier, as_of)`.
pub async fn write_features(ws: &Workspace, rows: &[(&str, Option<i64>, f64)]) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("frequency", DataType::Int64, true),
        Field::new("monetary", DataType::Float64, true),
        Field::new("city_tier", DataType::Int64, true),
        Field::new("as_of", DataType::Date32, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(Int64Array::from_iter(rows.iter().map(|r| r.1))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(Int64Array::from_iter(rows.iter().map(|_| Some(1)))),
            Arc::new(Date32Array::from_iter_values(rows.iter().map(|_| as_of()))),
        ],
    )
    .expect("features batch");
    ws.tables()
        .overwrite("features", schema, vec![batch], serde_json::Map::new())
        .await
        .expect("write features");
}

/// `person_attributes(person_id, source, record_id, city, city_tier, as_of)`;
/// the record id is the person id with `C` for `P`.
pub async fn write_attributes(ws: &Workspace, rows: &[(&str, &str)]) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("record_id", DataType::Utf8, false),
        Field::new("city", DataType::Utf8, true),
        Field::new("city_tier", DataType::Int64, true),
        Field::new("as_of", DataType::Date32, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|_| "shop"))),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.0.replace('P', "C")),
            )),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
            Arc::new(Int64Array::from_iter(rows.iter().map(|_| Some(9)))),
            Arc::new(Date32Array::from_iter_values(rows.iter().map(|_| as_of()))),
        ],
    )
    .expect("attributes batch");
    ws.tables()
        .overwrite("person_attributes", schema, vec![batch], serde_json::Map::new())
        .await
        .expect("write attributes");
}

/// `person_tags(person_id, rfm_group, is_vip)`.
pub async fn write_tags(ws: &Workspace, rows: &[(&str, &str, Option<bool>)]) {
    let schema = Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("rfm_group", DataType::Utf8, true),
        Field::new("is_vip", DataType::Boolean, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
            Arc::new(BooleanArray::from_iter(rows.iter().map(|r| r.2))),
        ],
    )
    .expect("tags batch");
    ws.tables()
        .overwrite("person_tags", schema, vec![batch], serde_json::Map::new())
        .await
        .expect("write tags");
}

/// `customers` with encrypted, hashed name / phone / email, one record per person
/// (`C1` = 张三一 / +8613800000001 / c1@example.com, …).
pub async fn write_customers(ws: &Workspace, ids: &[&str]) {
    let keys = ws.keys().expect("keys");
    let mut cols: Vec<(String, Vec<String>)> = Vec::new();
    let names: Vec<String> = ids.iter().map(|i| format!("张三{i}")).collect();
    let phones: Vec<String> = (0..ids.len()).map(|n| format!("+86138000000{:02}", n + 1)).collect();
    let emails: Vec<String> = ids
        .iter()
        .map(|i| format!("{}@example.com", i.to_lowercase()))
        .collect();
    for (col, plain) in [("name", &names), ("phone", &phones), ("email", &emails)] {
        cols.push((col.to_string(), plain.iter().map(|p| keys.encrypt(p)).collect()));
        cols.push((format!("{col}_hash"), plain.iter().map(|p| keys.hash(col, p)).collect()));
    }
    let mut fields = vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("record_id", DataType::Utf8, false),
        Field::new("_run_id", DataType::Utf8, false),
        Field::new("_line", DataType::Int64, false),
    ];
    let mut arrays: Vec<Arc<dyn Array>> = vec![
        Arc::new(StringArray::from_iter_values(ids.iter().map(|_| "shop"))),
        Arc::new(StringArray::from_iter_values(ids.iter().copied())),
        Arc::new(StringArray::from_iter_values(
            ids.iter().map(|_| "20260101T000000-aaaaaa"),
        )),
        Arc::new(Int64Array::from_iter_values((0..ids.len() as i64).map(|n| n + 2))),
    ];
    for (name, values) in cols {
        fields.push(Field::new(&name, DataType::Utf8, true));
        arrays.push(Arc::new(StringArray::from_iter_values(values)));
    }
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays).expect("customers batch");
    ws.tables()
        .overwrite("customers", schema, vec![batch], serde_json::Map::new())
        .await
        .expect("write customers");
}

/// A workspace with six persons P1…P6 (P6 has no attributes).
pub async fn population_workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = Workspace::init(&dir.path().join("ws")).expect("init");
    write_features(
        &ws,
        &[
            ("P1", Some(1), 50.0),
            ("P2", Some(2), 100.0),
            ("P3", Some(3), 200.0),
            ("P4", Some(5), 300.0),
            ("P5", Some(0), 0.0),
            ("P6", Some(4), 400.0),
        ],
    )
    .await;
    write_attributes(
        &ws,
        &[
            ("P1", "上海"),
            ("P2", "上海"),
            ("P3", "北京"),
            ("P4", "北京"),
            ("P5", "广州"),
        ],
    )
    .await;
    write_tags(
        &ws,
        &[
            ("P1", "一般发展客户", Some(false)),
            ("P2", "一般发展客户", Some(false)),
            ("P3", "重要价值客户", Some(true)),
            ("P4", "重要价值客户", Some(false)),
            ("P5", "一般挽留客户", Some(false)),
            ("P6", "重要价值客户", Some(false)),
        ],
    )
    .await;
    (dir, ws)
}

/// The single integer of a `SELECT count(*) …`.
pub async fn sql_count(ws: &Workspace, sql: &str) -> i64 {
    let engine = SqlEngine::new(ws, false).await.expect("engine");
    let (_, batches) = engine.query(sql).await.expect("query");
    batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .and_then(|b| b.column(0).as_any().downcast_ref::<Int64Array>().map(|a| a.value(0)))
        .expect("one count")
}

/// A build context for build `id` on 2026-06-30.
pub fn build(id: i64) -> BuildContext {
    BuildContext::new(
        id,
        chrono::NaiveDate::from_ymd_opt(2026, 6, 30).expect("date"),
        chrono_tz::Asia::Shanghai,
        false,
    )
}
