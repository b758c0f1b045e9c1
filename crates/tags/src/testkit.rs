//! Test helpers: a temporary workspace with small hand-written `features`,
//! `person_attributes` and identity tables, standing in for what the
//! features and identity stages write.

use std::sync::Arc;

use arrow::array::{Array, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use chrono::NaiveDate;
use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

/// One person of the test data.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: &'static str,
    pub recency_days: Option<i64>,
    pub frequency: i64,
    pub monetary: f64,
    pub city: &'static str,
    pub phone: Option<&'static str>,
}

pub fn person(id: &'static str, recency: Option<i64>, frequency: i64, monetary: f64, city: &'static str) -> Person {
    Person {
        id,
        recency_days: recency,
        frequency,
        monetary,
        city,
        phone: None,
    }
}

/// A temporary workspace (kept alive by the returned guard).
pub struct TestWs {
    _dir: tempfile::TempDir,
    pub ws: Workspace,
}

/// A workspace with identity tables and features for `people`.
pub async fn workspace(people: &[Person]) -> TestWs {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = Workspace::init(&dir.path().join("ws")).expect("init");
    write_identity(&ws, people).await;
    write_features(&ws, people).await;
    TestWs { _dir: dir, ws }
}

/// A workspace with nothing derived yet.
pub async fn empty_workspace() -> TestWs {
    let dir = tempfile::tempdir().expect("tempdir");
    let ws = Workspace::init(&dir.path().join("ws")).expect("init");
    TestWs { _dir: dir, ws }
}

fn strings(v: Vec<Option<String>>) -> Arc<dyn Array> {
    Arc::new(StringArray::from(v))
}

/// `persons`, `identity_links` (source `shop`, record id `C` + person id) and
/// `customers` with keyed phone hashes.
pub async fn write_identity(ws: &Workspace, people: &[Person]) {
    let keys = ws.keys().expect("keys");
    let t = ws.tables();
    let ids: Vec<Option<String>> = people.iter().map(|p| Some(p.id.to_string())).collect();
    let records: Vec<Option<String>> = people.iter().map(|p| Some(format!("C{}", p.id))).collect();
    let persons = Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("record_count", DataType::Int64, false),
    ]);
    let b = RecordBatch::try_new(
        Arc::new(persons),
        vec![strings(ids.clone()), Arc::new(Int64Array::from(vec![1; people.len()]))],
    )
    .expect("persons");
    t.overwrite("persons", b.schema(), vec![b], serde_json::Map::new())
        .await
        .expect("write persons");
    let links = Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("record_id", DataType::Utf8, false),
        Field::new("person_id", DataType::Utf8, false),
    ]);
    let shop: Vec<Option<String>> = vec![Some("shop".to_string()); people.len()];
    let b = RecordBatch::try_new(
        Arc::new(links),
        vec![strings(shop.clone()), strings(records.clone()), strings(ids)],
    )
    .expect("links");
    t.overwrite("identity_links", b.schema(), vec![b], serde_json::Map::new())
        .await
        .expect("write links");
    let customers = Schema::new(vec![
        Field::new("customer_id", DataType::Utf8, true),
        Field::new("phone_hash", DataType::Utf8, true),
        Field::new("email_hash", DataType::Utf8, true),
        Field::new("source", DataType::Utf8, false),
        Field::new("record_id", DataType::Utf8, false),
    ]);
    let phones: Vec<Option<String>> = people
        .iter()
        .map(|p| {
            p.phone
                .and_then(huaxiang_core::normalize::normalize_phone)
                .map(|n| keys.hash("phone", &n))
        })
        .collect();
    let b = RecordBatch::try_new(
        Arc::new(customers),
        vec![
            strings(records.clone()),
            strings(phones),
            strings(vec![None; people.len()]),
            strings(shop),
            strings(records),
        ],
    )
    .expect("customers");
    t.overwrite("customers", b.schema(), vec![b], serde_json::Map::new())
        .await
        .expect("write customers");
}

/// `features` (recency_days, frequency, monetary, as_of) and `person_attributes` (city).
pub async fn write_features(ws: &Workspace, people: &[Person]) {
    let t = ws.tables();
    let ids: Vec<Option<String>> = people.iter().map(|p| Some(p.id.to_string())).collect();
    let schema = Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("recency_days", DataType::Int64, true),
        Field::new("frequency", DataType::Int64, false),
        Field::new("monetary", DataType::Float64, false),
        Field::new("as_of", DataType::Date32, false),
    ]);
    let b = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            strings(ids.clone()),
            Arc::new(Int64Array::from(
                people.iter().map(|p| p.recency_days).collect::<Vec<_>>(),
            )),
            Arc::new(Int64Array::from(people.iter().map(|p| p.frequency).collect::<Vec<_>>())),
            Arc::new(Float64Array::from(
                people.iter().map(|p| p.monetary).collect::<Vec<_>>(),
            )),
            Arc::new(Date32Array::from(vec![20_634; people.len()])),
        ],
    )
    .expect("features");
    t.overwrite("features", b.schema(), vec![b], serde_json::Map::new())
        .await
        .expect("write features");
    let schema = Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("city", DataType::Utf8, true),
    ]);
    let b = RecordBatch::try_new(
        Arc::new(schema),
        vec![
            strings(ids),
            strings(people.iter().map(|p| Some(p.city.to_string())).collect()),
        ],
    )
    .expect("attributes");
    t.overwrite("person_attributes", b.schema(), vec![b], serde_json::Map::new())
        .await
        .expect("write attributes");
}

pub fn ctx(build_id: i64) -> BuildContext {
    let d = NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
    BuildContext::new(build_id, d, chrono_tz::Asia::Shanghai, false)
}

/// Rows of a query, each cell as text (`NULL` for nulls).
pub async fn rows(ws: &Workspace, sql: &str) -> Vec<Vec<String>> {
    let engine = SqlEngine::new(ws, false).await.expect("engine");
    let (_, batches) = engine.query(sql).await.expect("query");
    let mut out = Vec::new();
    for b in batches {
        for i in 0..b.num_rows() {
            out.push(
                b.columns()
                    .iter()
                    .map(|c| {
                        if c.is_null(i) {
                            "NULL".to_string()
                        } else {
                            arrow::util::display::array_value_to_string(c, i).expect("display")
                        }
                    })
                    .collect(),
            );
        }
    }
    out
}

/// A tag spec with an expression and a name.
pub fn rule(expr: &str) -> crate::TagSpec {
    crate::TagSpec {
        name_zh: Some("测试".into()),
        expression: Some(expr.into()),
        ..crate::TagSpec::default()
    }
}
