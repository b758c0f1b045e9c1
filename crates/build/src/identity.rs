//! The identity stage: customer records of every source → persons.
//!
//! Personal data is decrypted in memory only, for the comparisons; the tables
//! written here hold ids, rules, scores and field-level evidence, never values.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use huaxiang_identity::{IdentityRecord, PreviousLink, Resolver};
use huaxiang_store::Workspace;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::{BuildError, Result};
use crate::{BuildContext, Stage};

pub struct IdentityStage;

fn s<'a>(b: &'a RecordBatch, name: &str) -> Option<&'a StringArray> {
    b.column_by_name(name)
        .and_then(|a| a.as_any().downcast_ref::<StringArray>())
}

fn text(a: Option<&StringArray>, r: usize) -> Option<String> {
    a.filter(|a| !a.is_null(r)).map(|a| a.value(r).to_string())
}

/// Reads the customer records as identity records (decrypting personal data).
async fn records(ws: &Workspace, ctx: &BuildContext) -> Result<Vec<IdentityRecord>> {
    let keys = ws.keys()?;
    let tz = ws.time_zone()?;
    let cutoff = ctx
        .as_of_explicit
        .then(|| huaxiang_core::time::day_end_micros(ctx.as_of, tz));
    let mut out = Vec::new();
    for b in ws.tables().read_all("customers").await? {
        let (Some(src), Some(rid)) = (s(&b, "source"), s(&b, "record_id")) else {
            continue;
        };
        let (name, phone, email) = (s(&b, "name"), s(&b, "phone"), s(&b, "email"));
        let (city, gender) = (s(&b, "city"), s(&b, "gender"));
        let created_text = s(&b, "created_at");
        let by = b
            .column_by_name("birth_year")
            .and_then(|a| a.as_any().downcast_ref::<Int64Array>());
        let signup = b
            .column_by_name("signup_time")
            .and_then(|a| a.as_any().downcast_ref::<TimestampMicrosecondArray>());
        for r in 0..b.num_rows() {
            let created_us = signup.filter(|a| !a.is_null(r)).map(|a| a.value(r)).or_else(|| {
                text(created_text, r)
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t.trim()).ok())
                    .map(|d| d.timestamp_micros())
            });
            if let (Some(c), Some(t)) = (cutoff, created_us)
                && t >= c
            {
                continue;
            }
            let dec = |a: Option<&StringArray>| -> Result<Option<String>> {
                match text(a, r) {
                    Some(c) => Ok(Some(keys.decrypt(&c)?)),
                    None => Ok(None),
                }
            };
            out.push(IdentityRecord {
                source: src.value(r).to_string(),
                record_id: rid.value(r).to_string(),
                name: dec(name)?,
                phone: dec(phone)?,
                email: dec(email)?,
                city: text(city, r),
                birth_year: by
                    .filter(|a| !a.is_null(r))
                    .and_then(|a| i32::try_from(a.value(r)).ok()),
                gender: text(gender, r),
                created_at: created_us.map(|u| u.div_euclid(1_000_000)),
            });
        }
    }
    Ok(out)
}

async fn previous(ws: &Workspace) -> Result<Vec<PreviousLink>> {
    let mut out = Vec::new();
    for b in ws.tables().read_all("identity_links").await? {
        let (Some(src), Some(rid), Some(pid)) = (s(&b, "source"), s(&b, "record_id"), s(&b, "person_id")) else {
            continue;
        };
        for r in 0..b.num_rows() {
            out.push(PreviousLink {
                source: src.value(r).into(),
                record_id: rid.value(r).into(),
                person_id: pid.value(r).into(),
            });
        }
    }
    Ok(out)
}

fn resolver(ws: &Workspace) -> Result<Resolver> {
    let c = &ws.config().identity;
    Ok(Resolver::builder()
        .blocklist_patterns(c.blocklist.clone())
        .max_records_per_identifier(c.max_records_per_identifier)
        .max_records_per_person(c.max_records_per_person)
        .match_threshold(c.match_threshold)
        .build()?)
}

fn links_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("record_id", DataType::Utf8, false),
        Field::new("person_id", DataType::Utf8, false),
        Field::new("rule", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
    ]))
}

fn persons_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("record_count", DataType::Int64, false),
        Field::new("sources", DataType::Utf8, false),
    ]))
}

fn evidence_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("a_source", DataType::Utf8, false),
        Field::new("a_record_id", DataType::Utf8, false),
        Field::new("b_source", DataType::Utf8, false),
        Field::new("b_record_id", DataType::Utf8, false),
        Field::new("rule", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("weight", DataType::Float64, false),
        Field::new("fields", DataType::Utf8, false),
    ]))
}

impl Stage for IdentityStage {
    fn name(&self) -> &'static str {
        "identity"
    }

    async fn fingerprint(&self, ws: &Workspace, ctx: &BuildContext) -> Result<String> {
        let mut h = Sha256::new();
        h.update(format!("customers@{:?}", ws.tables().version("customers").await?));
        h.update(serde_json::to_vec(&crate::overrides::load(ws)?).unwrap_or_default());
        h.update(format!("{:?}", ws.config().identity));
        h.update(format!("{:?}", ctx.as_of_explicit.then_some(ctx.as_of)));
        Ok(hex::encode(h.finalize()))
    }

    async fn run(&self, ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
        let recs = records(ws, ctx).await?;
        let prev = previous(ws).await?;
        let overrides = crate::overrides::load(ws)?;
        let started = std::time::Instant::now();
        let res = resolver(ws)?.resolve(&recs, &prev, &overrides)?;
        let seconds = started.elapsed().as_secs_f64();
        let tables = ws.tables();
        let l = &res.links;
        let links = RecordBatch::try_new(
            links_schema(),
            vec![
                Arc::new(StringArray::from(
                    l.iter().map(|x| x.source.as_str()).collect::<Vec<_>>(),
                )),
                Arc::new(StringArray::from(
                    l.iter().map(|x| x.record_id.as_str()).collect::<Vec<_>>(),
                )),
                Arc::new(StringArray::from(
                    l.iter().map(|x| x.person_id.as_str()).collect::<Vec<_>>(),
                )),
                Arc::new(StringArray::from(l.iter().map(|x| x.rule.as_str()).collect::<Vec<_>>())),
                Arc::new(Float64Array::from(l.iter().map(|x| x.score).collect::<Vec<_>>())),
            ],
        )?;
        let p = &res.persons;
        let persons = RecordBatch::try_new(
            persons_schema(),
            vec![
                Arc::new(StringArray::from(
                    p.iter().map(|x| x.person_id.as_str()).collect::<Vec<_>>(),
                )),
                Arc::new(Int64Array::from(
                    p.iter().map(|x| x.record_count as i64).collect::<Vec<_>>(),
                )),
                Arc::new(StringArray::from(
                    p.iter().map(|x| x.sources.join(",")).collect::<Vec<_>>(),
                )),
            ],
        )?;
        let person_of: HashMap<(&str, &str), &str> = l
            .iter()
            .map(|x| ((x.source.as_str(), x.record_id.as_str()), x.person_id.as_str()))
            .collect();
        let e = &res.evidence;
        let ev_person: Vec<&str> = e
            .iter()
            .map(|x| {
                person_of
                    .get(&(x.a.source.as_str(), x.a.record_id.as_str()))
                    .copied()
                    .unwrap_or("")
            })
            .collect();
        let fields: Vec<String> = e
            .iter()
            .map(|x| serde_json::to_string(&x.fields).unwrap_or_default())
            .collect();
        let evidence = RecordBatch::try_new(
            evidence_schema(),
            vec![
                Arc::new(StringArray::from(ev_person)),
                Arc::new(StringArray::from(
                    e.iter().map(|x| x.a.source.as_str()).collect::<Vec<_>>(),
                )),
                Arc::new(StringArray::from(
                    e.iter().map(|x| x.a.record_id.as_str()).collect::<Vec<_>>(),
                )),
                Arc::new(StringArray::from(
                    e.iter().map(|x| x.b.source.as_str()).collect::<Vec<_>>(),
                )),
                Arc::new(StringArray::from(
                    e.iter().map(|x| x.b.record_id.as_str()).collect::<Vec<_>>(),
                )),
                Arc::new(StringArray::from(e.iter().map(|x| x.rule.as_str()).collect::<Vec<_>>())),
                Arc::new(Float64Array::from(e.iter().map(|x| x.score).collect::<Vec<_>>())),
                Arc::new(Float64Array::from(e.iter().map(|x| x.weight).collect::<Vec<_>>())),
                Arc::new(StringArray::from(fields)),
            ],
        )?;
        // Evidence and persons first, links last: links are what everything downstream joins on.
        let meta = serde_json::Map::new();
        tables
            .overwrite("identity_evidence", evidence_schema(), vec![evidence], meta.clone())
            .await?;
        tables
            .overwrite("persons", persons_schema(), vec![persons], meta.clone())
            .await?;
        tables
            .overwrite("identity_links", links_schema(), vec![links], meta)
            .await?;
        Ok(json!({
            "records": res.stats.records,
            "persons": res.stats.persons,
            "resolve_seconds": seconds,
            "stats": serde_json::to_value(&res.stats).unwrap_or_default(),
        }))
    }
}

/// Why records were joined: the person of `id` (a record id of any source, or
/// a person id), its records with the rule that attached each, and the
/// evidence edges between them.
pub async fn explain(ws: &Workspace, id: &str) -> Result<serde_json::Value> {
    let links = ws.tables().read_all("identity_links").await?;
    if links.is_empty() {
        return Err(BuildError::NotFound(
            "no identity_links yet: run huaxiang build".to_string(),
        ));
    }
    let mut rows = Vec::new();
    for b in &links {
        let (Some(src), Some(rid), Some(pid), Some(rule)) =
            (s(b, "source"), s(b, "record_id"), s(b, "person_id"), s(b, "rule"))
        else {
            continue;
        };
        let score = b
            .column_by_name("score")
            .and_then(|a| a.as_any().downcast_ref::<Float64Array>());
        for r in 0..b.num_rows() {
            rows.push((
                src.value(r).to_string(),
                rid.value(r).to_string(),
                pid.value(r).to_string(),
                rule.value(r).to_string(),
                score.map(|x| x.value(r)).unwrap_or(0.0),
            ));
        }
    }
    let persons: std::collections::BTreeSet<String> = rows
        .iter()
        .filter(|x| x.1 == id || x.2 == id)
        .map(|x| x.2.clone())
        .collect();
    if persons.is_empty() {
        return Err(BuildError::NotFound(format!(
            "no record or person `{id}` in identity_links"
        )));
    }
    let evidence = ws.tables().read_all("identity_evidence").await?;
    let mut out = Vec::new();
    for person in persons {
        let records: Vec<_> = rows
            .iter()
            .filter(|x| x.2 == person)
            .map(|x| json!({"source": x.0, "record_id": x.1, "rule": x.3, "score": x.4}))
            .collect();
        let mut edges = Vec::new();
        for b in &evidence {
            let cols = [
                "person_id",
                "a_source",
                "a_record_id",
                "b_source",
                "b_record_id",
                "rule",
                "fields",
            ]
            .map(|c| s(b, c));
            let score = b
                .column_by_name("score")
                .and_then(|a| a.as_any().downcast_ref::<Float64Array>());
            let weight = b
                .column_by_name("weight")
                .and_then(|a| a.as_any().downcast_ref::<Float64Array>());
            let [
                Some(pid),
                Some(asrc),
                Some(arid),
                Some(bsrc),
                Some(brid),
                Some(rule),
                Some(fields),
            ] = cols
            else {
                continue;
            };
            for r in 0..b.num_rows() {
                if pid.value(r) == person {
                    edges.push(json!({
                        "a": format!("{}:{}", asrc.value(r), arid.value(r)),
                        "b": format!("{}:{}", bsrc.value(r), brid.value(r)),
                        "rule": rule.value(r),
                        "score": score.map(|x| x.value(r)),
                        "weight": weight.map(|x| x.value(r)),
                        "fields": serde_json::from_str::<serde_json::Value>(fields.value(r)).unwrap_or_default(),
                    }));
                }
            }
        }
        out.push(json!({"person_id": person, "records": records, "evidence": edges}));
    }
    Ok(json!(out))
}
