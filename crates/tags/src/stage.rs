//! The `tags` stage of `huaxiang build`: evaluate every current definition,
//! snapshot the values, record what changed, and rewrite the catalog,
//! lineage and `person_tags` tables.
//!
//! Appends (values, history, coverage) come first and are idempotent per
//! build; the overwritten tables come last, so a build killed midway leaves
//! the previous `person_tags` and catalog readable and the next build redoes
//! the work under its own id.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use arrow::array::{RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use chrono::Utc;
use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::assignments;
use crate::base::FEATURES;
use crate::catalog::{self, Catalog};
use crate::definition::Refresh;
use crate::error::Result;
use crate::evaluate::{self, Kept};
use crate::lineage;
use crate::registry::{self, Computed};
use crate::snapshot::{self, COVERAGE, HISTORY, PERSON_TAGS, VALUES};
use crate::status;
use crate::validate;

pub const LINEAGE: &str = "tag_lineage";

/// A fingerprint of everything the tags stage reads: the input tables'
/// versions and the definition and refresh-request files.
pub async fn fingerprint(ws: &Workspace, _ctx: &BuildContext) -> Result<String> {
    let mut h = Sha256::new();
    for (t, v) in status::versions_of(ws, &status::STAGE_INPUTS).await? {
        h.update(format!("{t}@{v:?};"));
    }
    for file in [catalog::FILE, catalog::REFRESH_FILE] {
        let p = ws.meta_dir().join(file);
        match std::fs::read(&p) {
            Ok(bytes) => h.update(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => h.update(b"-"),
            Err(e) => {
                return Err(huaxiang_store::StoreError::Io {
                    action: "read",
                    path: p,
                    source: e,
                }
                .into());
            }
        }
        h.update(b";");
    }
    Ok(hex::encode(h.finalize()))
}

fn lineage_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("tag_id", DataType::Utf8, false),
        Field::new("depends_on_kind", DataType::Utf8, false),
        Field::new("depends_on", DataType::Utf8, false),
    ]))
}

/// Computes and writes the tags stage's tables.
pub async fn run(ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
    let tables = ws.tables();
    if !tables.exists(FEATURES) {
        return Ok(json!({"skipped": "no features table yet / 尚无特征表"}));
    }
    let started = std::time::Instant::now();
    let cat = Catalog::load(ws)?;
    let refresh = catalog::refresh_requests(ws)?;
    let mut computed = registry::computed(ws).await?;
    let engine = SqlEngine::new(ws, false).await?;
    let analysis = validate::analyse(ws, &engine, &cat, None).await?;
    let defs = cat.current();

    // Manually refreshed computed tags keep the snapshot of their version,
    // unless a refresh was requested after it.
    let mut kept = BTreeMap::new();
    if tables.exists(VALUES) {
        for d in &defs {
            if d.refresh != Refresh::Manual || d.tag_type.is_assigned() {
                continue;
            }
            if let Some(c) = computed.get(&(d.tag_id.clone(), d.version)) {
                let requested = refresh.get(&d.tag_id).is_some_and(|r| r.timestamp_micros() > c.at);
                if !requested {
                    kept.insert(
                        d.tag_id.clone(),
                        Kept {
                            build_id: c.build_id,
                            version: d.version,
                        },
                    );
                }
            }
        }
    }

    let (pt_schema, person_tags) = evaluate::evaluate(ws, &engine, &defs, &analysis, &kept).await?;
    let evaluated = started.elapsed().as_secs_f64();
    let persons: usize = person_tags.iter().map(|b| b.num_rows()).sum();
    let values = snapshot::values(&defs, &person_tags, ctx.build_id)?;
    let ids: Vec<&str> = defs.iter().map(|d| d.tag_id.as_str()).collect();
    let previous = snapshot::previous_build(ws, &engine, ctx.build_id).await?;
    let history = snapshot::history(ws, &engine, &values, &ids, ctx.build_id, previous).await?;
    let coverage = snapshot::coverage(&defs, &person_tags, ctx.build_id)?;
    let assigned: Vec<&str> = defs
        .iter()
        .filter(|d| d.tag_type.is_assigned())
        .map(|d| d.tag_id.as_str())
        .collect();
    let unmatched = assignments::unmatched(ws, &engine, &assigned).await?;
    drop(engine);
    let compared = started.elapsed().as_secs_f64();

    snapshot::append_once(ws, VALUES, snapshot::values_schema(), &values, ctx.build_id).await?;
    snapshot::append_once(ws, HISTORY, snapshot::history_schema(), &history, ctx.build_id).await?;
    snapshot::append_once(ws, COVERAGE, snapshot::coverage_schema(), &[coverage], ctx.build_id).await?;

    // The catalog table: this build computed every current version it did not keep.
    let fps = status::input_fingerprints(&cat, &status::all_versions(ws).await?, &refresh);
    let now = Utc::now().timestamp_micros();
    for d in &defs {
        if !kept.contains_key(&d.tag_id) {
            computed.insert(
                (d.tag_id.clone(), d.version),
                Computed {
                    build_id: ctx.build_id,
                    at: now,
                    fingerprint: fps.get(&d.tag_id).cloned(),
                },
            );
        }
    }
    let mut meta = serde_json::Map::new();
    meta.insert("build_id".into(), ctx.build_id.into());
    tables
        .overwrite(
            registry::TABLE,
            registry::schema(),
            vec![registry::batch(&cat, &computed)?],
            meta.clone(),
        )
        .await?;

    let mut lin: BTreeSet<(String, &'static str, String)> = BTreeSet::new();
    for d in &defs {
        for (kind, name) in lineage::flatten(&lineage::tree(d, &cat, &analysis)) {
            lin.insert((d.tag_id.clone(), kind, name));
        }
    }
    let lin_batch = RecordBatch::try_new(
        lineage_schema(),
        vec![
            Arc::new(StringArray::from_iter_values(lin.iter().map(|r| r.0.as_str()))),
            Arc::new(StringArray::from_iter_values(lin.iter().map(|r| r.1))),
            Arc::new(StringArray::from_iter_values(lin.iter().map(|r| r.2.as_str()))),
        ],
    )?;
    tables
        .overwrite(LINEAGE, lineage_schema(), vec![lin_batch], meta.clone())
        .await?;
    tables.overwrite(PERSON_TAGS, pt_schema, person_tags, meta).await?;

    let changes = snapshot::change_counts(&history);
    let value_rows: usize = values.iter().map(|b| b.num_rows()).sum();
    let unmatched_json: serde_json::Map<String, serde_json::Value> = unmatched
        .into_iter()
        .map(|(t, i)| (t, json!({"rows": i.count, "examples": i.examples})))
        .collect();
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    let total = started.elapsed().as_secs_f64();
    let mut details = json!({
        "tags": defs.len(),
        "persons": persons,
        "values": value_rows,
        "entered": changes.get("entered").copied().unwrap_or(0),
        "left": changes.get("left").copied().unwrap_or(0),
        "changed": changes.get("changed").copied().unwrap_or(0),
        "seconds": {
            "evaluate": round(evaluated),
            "compare": round(compared - evaluated),
            "write": round(total - compared),
        },
    });
    if !kept.is_empty() {
        details["kept"] = json!(kept.keys().collect::<Vec<_>>());
    }
    if !unmatched_json.is_empty() {
        details["unmatched"] = serde_json::Value::Object(unmatched_json);
    }
    Ok(details)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manage::{add, edit};
    use crate::testkit::{Person, ctx, person, rows, rule, workspace, write_features};
    use crate::{Refresh, TagSpec};

    fn people(p1_frequency: i64, p2_frequency: i64) -> Vec<Person> {
        vec![
            person("p1", Some(5), p1_frequency, 5000.0, "上海"),
            person("p2", Some(200), p2_frequency, 50.0, "北京"),
            person("p3", None, 0, 0.0, "上海"),
        ]
    }

    fn flat(r: Vec<Vec<String>>) -> Vec<String> {
        r.into_iter().map(|row| row.join("|")).collect()
    }

    #[tokio::test]
    async fn builds_snapshot_values_and_history() {
        let t = workspace(&people(10, 1)).await;
        let ws = &t.ws;
        add(ws, "loyal", rule("frequency >= 5")).await.expect("loyal");
        let d1 = run(ws, &ctx(1)).await.expect("build 1");
        assert_eq!((d1["tags"].as_u64(), d1["persons"].as_u64()), (Some(3), Some(3)));
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT person_id, loyal, rfm_group, rfm_score FROM person_tags ORDER BY person_id"
                )
                .await
            ),
            vec![
                "p1|true|重要价值客户|555",
                "p2|false|一般挽留客户|111",
                "p3|false|NULL|NULL"
            ]
        );
        // Bool tags store `true` only; everything entered at the first build.
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT person_id, value, version, build_id FROM tag_values WHERE tag_id = 'loyal'"
                )
                .await
            ),
            vec!["p1|true|1|1"]
        );
        assert_eq!(
            rows(
                ws,
                "SELECT count(*) FROM tag_history WHERE build_id = 1 AND change = 'entered'"
            )
            .await[0][0],
            "5"
        );

        // p1 drops to 2 orders, p2 rises to 6.
        write_features(ws, &people(2, 6)).await;
        let d2 = run(ws, &ctx(2)).await.expect("build 2");
        assert_eq!(
            (d2["entered"].as_u64(), d2["left"].as_u64(), d2["changed"].as_u64()),
            (Some(1), Some(1), Some(4))
        );
        // Who entered and who left `loyal` between builds 1 and 2: one query.
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT person_id, change, old_value, new_value FROM tag_history \
                     WHERE tag_id = 'loyal' AND build_id = 2 ORDER BY person_id"
                )
                .await
            ),
            vec!["p1|left|true|NULL", "p2|entered|NULL|true"]
        );
        // RFM groups changed for both: p1 now buys less often than average.
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT person_id, change FROM tag_history WHERE tag_id = 'rfm_group' AND build_id = 2 \
                     ORDER BY person_id"
                )
                .await
            ),
            vec!["p1|changed", "p2|changed"]
        );
        assert_eq!(
            flat(rows(ws, "SELECT person_id, rfm_score, rfm_group FROM person_tags WHERE rfm_score IS NOT NULL ORDER BY person_id").await),
            vec!["p1|515|重要发展客户", "p2|151|一般保持客户"]
        );
        // A re-run of the same build appends nothing twice.
        let before = rows(ws, "SELECT count(*) FROM tag_values WHERE build_id = 2").await;
        run(ws, &ctx(2)).await.expect("re-run");
        assert_eq!(
            rows(ws, "SELECT count(*) FROM tag_values WHERE build_id = 2").await,
            before
        );
        assert_eq!(
            rows(ws, "SELECT count(*) FROM tag_history WHERE build_id = 2").await[0][0],
            "6"
        );
        // Coverage, catalog and lineage.
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT value, persons, share FROM tag_coverage WHERE build_id = 2 AND tag_id = 'loyal'"
                )
                .await
            ),
            vec!["true|1|0.3333333333333333"]
        );
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT version, current, last_build_id FROM tags WHERE tag_id = 'loyal'"
                )
                .await
            ),
            vec!["1|true|2"]
        );
        let lineage = flat(
            rows(
                ws,
                "SELECT depends_on_kind, depends_on FROM tag_lineage WHERE tag_id = 'loyal'",
            )
            .await,
        );
        for want in [
            "feature|frequency",
            "table|orders",
            "column|orders.status",
            "table|features",
        ] {
            assert!(lineage.contains(&want.to_string()), "{want} not in {lineage:?}");
        }
    }

    #[tokio::test]
    async fn versions_and_staleness() {
        let t = workspace(&people(10, 1)).await;
        let ws = &t.ws;
        add(ws, "loyal", rule("frequency >= 5")).await.expect("loyal");
        let stale = |l: &[status::TagStatus], id: &str| {
            l.iter()
                .find(|s| s.tag_id == id)
                .map(|s| s.stale_reason.clone())
                .expect("listed")
        };
        let l = status::list(ws).await.expect("list");
        assert!(stale(&l, "loyal").expect("stale").contains("never computed"));
        run(ws, &ctx(1)).await.expect("build 1");
        let l = status::list(ws).await.expect("list");
        assert_eq!(stale(&l, "loyal"), None);
        let loyal = l.iter().find(|s| s.tag_id == "loyal").expect("loyal");
        assert_eq!((loyal.persons, loyal.last_build_id), (Some(1), Some(1)));

        edit(ws, "loyal", rule("frequency >= 1")).await.expect("v2");
        let l = status::list(ws).await.expect("list");
        assert!(stale(&l, "loyal").expect("stale").contains("definition changed"));
        run(ws, &ctx(2)).await.expect("build 2");
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT version, current, last_build_id FROM tags WHERE tag_id = 'loyal' ORDER BY version"
                )
                .await
            ),
            vec!["1|false|1", "2|true|2"]
        );
        assert_eq!(
            flat(rows(ws, "SELECT person_id, version FROM tag_values WHERE tag_id = 'loyal' AND build_id = 2 ORDER BY person_id").await),
            vec!["p1|2", "p2|2"]
        );
        // New features make every tag stale until the next build.
        write_features(ws, &people(3, 3)).await;
        let l = status::list(ws).await.expect("list");
        assert!(stale(&l, "loyal").expect("stale").contains("inputs changed"));
        assert!(stale(&l, "rfm_group").is_some());
        let detail = status::show(ws, "loyal").await.expect("show");
        assert_eq!(detail.versions.len(), 2);
        assert_eq!(detail.versions[0].last_build_id, Some(1));
    }

    #[tokio::test]
    async fn manual_refresh_keeps_values_until_asked() {
        let t = workspace(&people(10, 1)).await;
        let ws = &t.ws;
        let spec = TagSpec {
            refresh: Some(Refresh::Manual),
            ..rule("monetary > 100")
        };
        add(ws, "big", spec).await.expect("big");
        let fp0 = fingerprint(ws, &ctx(1)).await.expect("fp");
        run(ws, &ctx(1)).await.expect("build 1");
        assert_eq!(
            fingerprint(ws, &ctx(1)).await.expect("fp"),
            fp0,
            "a run does not change its own inputs"
        );
        let mut changed = people(10, 1);
        changed[1].monetary = 500.0;
        write_features(ws, &changed).await;
        assert_ne!(fingerprint(ws, &ctx(2)).await.expect("fp"), fp0);
        let d2 = run(ws, &ctx(2)).await.expect("build 2");
        assert_eq!(d2["kept"], serde_json::json!(["big"]));
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT person_id FROM tag_values WHERE tag_id = 'big' AND build_id = 2"
                )
                .await
            ),
            vec!["p1"]
        );
        let fp2 = fingerprint(ws, &ctx(3)).await.expect("fp");
        catalog::request_refresh(ws, "big", Utc::now()).expect("refresh");
        assert_ne!(fingerprint(ws, &ctx(3)).await.expect("fp"), fp2);
        run(ws, &ctx(3)).await.expect("build 3");
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT person_id, change FROM tag_history WHERE tag_id = 'big' AND build_id = 3"
                )
                .await
            ),
            vec!["p2|entered"]
        );
        // Computed again, it is kept again.
        let d4 = run(ws, &ctx(4)).await.expect("build 4");
        assert_eq!(d4["kept"], serde_json::json!(["big"]));
    }
}
