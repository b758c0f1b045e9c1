//! The `segments` build stage: evaluate every active segment over the
//! population of this build and record who is in it and who moved.
//!
//! Everything is computed before anything is written, so a condition that no
//! longer plans (a tag was removed) fails the stage without leaving half a
//! build behind. The three appends carry the build id in their idempotency key
//! and are skipped when already committed; `segment_runs` is written last, so
//! its rows mark complete evaluations. The catalog is overwritten at the end.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Date32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use huaxiang_core::build::BuildContext;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use sha2::{Digest, Sha256};

use crate::catalog;
use crate::definition::{self, Registry};
use crate::error::{Error, Result};
use crate::history::{self, ENTERED, LEFT, Run};
use crate::population::{Population, input_versions};

/// A fingerprint of what the stage reads: the input tables' versions and the definitions file.
pub async fn fingerprint(ws: &Workspace) -> Result<String> {
    let mut h = Sha256::new();
    h.update(input_versions(ws).await?.as_bytes());
    h.update(b"\n");
    match std::fs::read(definition::path(ws)) {
        Ok(bytes) => h.update(&bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => h.update(b"no definitions"),
        Err(e) => return Err(crate::error::io("read", definition::path(ws))(e)),
    }
    Ok(hex::encode(h.finalize()))
}

/// One segment's result in this build.
struct Evaluated {
    name: String,
    version: i64,
    members: Vec<String>,
    entered: Vec<String>,
    left: Vec<String>,
}

fn app_id(table: &str, build_id: i64) -> String {
    format!("huaxiang-segments:{table}:{build_id}")
}

/// Appends `batch` to `table` unless this build already did.
async fn append_once(ws: &Workspace, table: &str, batch: RecordBatch, build_id: i64) -> Result<()> {
    let tables = ws.tables();
    let id = app_id(table, build_id);
    if tables.committed(table, &id).await? {
        return Ok(());
    }
    let mut app = tables.appender(table, batch.schema()).await?;
    app.write(batch).await?;
    let mut meta = serde_json::Map::new();
    meta.insert("build_id".to_string(), build_id.into());
    app.commit(&id, meta).await?;
    Ok(())
}

/// Evaluates every active segment and records membership, changes and runs.
pub async fn run(ws: &Workspace, ctx: &BuildContext) -> Result<serde_json::Value> {
    let registry = Registry::load(ws)?;
    let previous_runs = history::runs(ws).await?;
    let active = registry.active();
    if active.is_empty() {
        catalog::write(ws, &registry, &previous_runs).await?;
        return Ok(serde_json::json!({ "segments": 0 }));
    }
    let inputs = input_versions(ws).await?;
    let engine = SqlEngine::new(ws, false).await?;
    let population = Population::load(&engine).await?.cached().await?;
    let persons = population.persons().await?;

    let mut results = Vec::with_capacity(active.len());
    for def in &active {
        let members = population
            .members(&def.name, &def.condition)
            .await
            .map_err(|e| Error::Evaluate {
                segment: def.name.clone(),
                version: def.version,
                cause: Box::new(e),
            })?;
        let previous = history::of_segment(&previous_runs, &def.name)
            .into_iter()
            .filter(|r| r.build_id < ctx.build_id)
            .max_by_key(|r| r.build_id);
        let before = match previous {
            Some(r) => history::members_at(&engine, &def.name, r.build_id).await?,
            None => Vec::new(),
        };
        let (entered, left) = history::changes(&before, &members);
        results.push(Evaluated {
            name: def.name.clone(),
            version: def.version,
            members,
            entered,
            left,
        });
    }

    append_once(
        ws,
        history::MEMBERS,
        members_batch(&results, ctx.build_id)?,
        ctx.build_id,
    )
    .await?;
    append_once(
        ws,
        history::CHANGES,
        changes_batch(&results, ctx.build_id)?,
        ctx.build_id,
    )
    .await?;
    let now = chrono::Utc::now();
    let runs: Vec<Run> = results
        .iter()
        .map(|r| Run {
            build_id: ctx.build_id,
            segment: r.name.clone(),
            version: r.version,
            as_of: ctx.as_of,
            persons: persons as i64,
            members: r.members.len() as i64,
            entered: r.entered.len() as i64,
            left: r.left.len() as i64,
            inputs: inputs.clone(),
            computed_at: now,
        })
        .collect();
    append_once(ws, history::RUNS, runs_batch(&runs)?, ctx.build_id).await?;
    let mut all_runs = previous_runs;
    all_runs.retain(|r| r.build_id != ctx.build_id);
    all_runs.extend(runs);
    catalog::write(ws, &registry, &all_runs).await?;

    let per_segment: BTreeMap<&str, serde_json::Value> = results
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                serde_json::json!({ "version": r.version, "members": r.members.len(),
                                    "entered": r.entered.len(), "left": r.left.len() }),
            )
        })
        .collect();
    Ok(serde_json::json!({ "segments": results.len(), "persons": persons, "members": per_segment }))
}

fn members_batch(results: &[Evaluated], build_id: i64) -> Result<RecordBatch> {
    let rows: Vec<(&Evaluated, &String)> = results
        .iter()
        .flat_map(|r| r.members.iter().map(move |p| (r, p)))
        .collect();
    Ok(RecordBatch::try_new(
        history::members_schema(),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|(r, _)| r.name.as_str()))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|(r, _)| r.version))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|(_, p)| p.as_str()))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|_| build_id))),
        ],
    )?)
}

fn changes_batch(results: &[Evaluated], build_id: i64) -> Result<RecordBatch> {
    let rows: Vec<(&str, &str, &str)> = results
        .iter()
        .flat_map(|r| {
            let entered = r.entered.iter().map(move |p| (r.name.as_str(), p.as_str(), ENTERED));
            let left = r.left.iter().map(move |p| (r.name.as_str(), p.as_str(), LEFT));
            entered.chain(left)
        })
        .collect();
    Ok(RecordBatch::try_new(
        history::changes_schema(),
        vec![
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|_| build_id))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1))),
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2))),
        ],
    )?)
}

fn runs_batch(runs: &[Run]) -> Result<RecordBatch> {
    Ok(RecordBatch::try_new(
        history::runs_schema(),
        vec![
            Arc::new(Int64Array::from_iter_values(runs.iter().map(|r| r.build_id))),
            Arc::new(StringArray::from_iter_values(runs.iter().map(|r| r.segment.as_str()))),
            Arc::new(Int64Array::from_iter_values(runs.iter().map(|r| r.version))),
            Arc::new(Date32Array::from_iter_values(
                runs.iter().map(|r| history::date32(r.as_of)),
            )),
            Arc::new(Int64Array::from_iter_values(runs.iter().map(|r| r.persons))),
            Arc::new(Int64Array::from_iter_values(runs.iter().map(|r| r.members))),
            Arc::new(Int64Array::from_iter_values(runs.iter().map(|r| r.entered))),
            Arc::new(Int64Array::from_iter_values(runs.iter().map(|r| r.left))),
            Arc::new(StringArray::from_iter_values(runs.iter().map(|r| r.inputs.as_str()))),
            Arc::new(
                TimestampMicrosecondArray::from_iter_values(runs.iter().map(|r| r.computed_at.timestamp_micros()))
                    .with_timezone("UTC"),
            ),
        ],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{build, population_workspace, sql_count, write_features};

    #[tokio::test]
    async fn records_members_changes_and_runs_per_build() {
        let (_dir, ws) = population_workspace().await;
        let mut reg = Registry::default();
        reg.add("buyers", "frequency >= 3", "").expect("add");
        reg.add("vip", "is_vip", "").expect("add");
        reg.add("nobody", "monetary > 1e9", "").expect("add");
        reg.save(&ws).expect("save");
        let fp1 = fingerprint(&ws).await.expect("fp");

        let details = run(&ws, &build(1)).await.expect("build 1");
        assert_eq!(details["members"]["buyers"]["members"], 3);
        assert_eq!(details["members"]["buyers"]["entered"], 3);
        assert_eq!(details["members"]["nobody"]["members"], 0);
        assert_eq!(fingerprint(&ws).await.expect("fp"), fp1, "outputs are not inputs");

        // P1 becomes a buyer, P6 stops being one.
        write_features(
            &ws,
            &[
                ("P1", Some(3), 50.0),
                ("P2", Some(2), 100.0),
                ("P3", Some(3), 200.0),
                ("P4", Some(5), 300.0),
                ("P5", Some(0), 0.0),
                ("P6", Some(1), 400.0),
            ],
        )
        .await;
        assert_ne!(fingerprint(&ws).await.expect("fp"), fp1, "features changed");
        let details = run(&ws, &build(2)).await.expect("build 2");
        assert_eq!(details["members"]["buyers"]["entered"], 1);
        assert_eq!(details["members"]["buyers"]["left"], 1);
        assert_eq!(details["members"]["vip"]["entered"], 0);

        let q = "SELECT count(*) FROM segment_changes WHERE build_id = 2 AND segment = 'buyers' \
                 AND ((person_id = 'P1' AND change = 'entered') OR (person_id = 'P6' AND change = 'left'))";
        assert_eq!(sql_count(&ws, q).await, 2);
        assert_eq!(
            sql_count(&ws, "SELECT count(*) FROM segment_changes WHERE build_id = 2").await,
            2
        );
        assert_eq!(
            sql_count(&ws, "SELECT count(*) FROM segment_members WHERE segment = 'buyers'").await,
            6
        );
        assert_eq!(sql_count(&ws, "SELECT count(*) FROM segment_runs").await, 6);
        assert_eq!(
            sql_count(&ws, "SELECT count(*) FROM segments WHERE current AND last_build_id = 2").await,
            3
        );

        // Re-running the same build appends nothing twice.
        run(&ws, &build(2)).await.expect("rerun");
        assert_eq!(sql_count(&ws, "SELECT count(*) FROM segment_runs").await, 6);
        assert_eq!(
            sql_count(&ws, "SELECT count(*) FROM segment_members WHERE build_id = 2").await,
            4
        );

        // Nothing changed: the build still records membership and its run, with no changes.
        run(&ws, &build(3)).await.expect("build 3");
        assert_eq!(
            sql_count(&ws, "SELECT count(*) FROM segment_changes WHERE build_id = 3").await,
            0
        );
        assert_eq!(
            sql_count(
                &ws,
                "SELECT count(*) FROM segment_runs WHERE build_id = 3 AND entered_count = 0"
            )
            .await,
            3
        );
        assert!(
            ws.tables()
                .committed(history::CHANGES, &app_id(history::CHANGES, 3))
                .await
                .expect("txn")
        );

        let d = crate::diff::diff(&ws, "buyers", Some(1), Some(2)).await.expect("diff");
        assert_eq!((d.from.as_ref().map(|r| r.build_id), d.to.build_id), (Some(1), 2));
        assert_eq!(
            (d.entered.clone(), d.left.clone()),
            (vec!["P1".to_string()], vec!["P6".to_string()])
        );
        let back = crate::diff::diff(&ws, "buyers", Some(2), Some(1))
            .await
            .expect("reverse");
        assert_eq!(back.entered, ["P6"]);
        let latest = crate::diff::diff(&ws, "buyers", None, None).await.expect("latest");
        assert_eq!(
            (latest.from.as_ref().map(|r| r.build_id), latest.to.build_id),
            (Some(2), 3)
        );
        assert!(latest.entered.is_empty() && latest.left.is_empty());
        let first = crate::diff::diff(&ws, "buyers", None, Some(1)).await.expect("first");
        assert!(first.from.is_none());
        assert_eq!(first.entered, ["P3", "P4", "P6"]);
        let err = crate::diff::diff(&ws, "buyers", Some(9), None)
            .await
            .expect_err("no build 9");
        assert!(err.to_string().contains("1, 2, 3"), "{err}");
        assert!(matches!(
            crate::diff::diff(&ws, "nope", None, None).await,
            Err(Error::UnknownSegment(_))
        ));
    }

    #[tokio::test]
    async fn a_condition_that_no_longer_plans_fails_the_stage_by_name() {
        let (_dir, ws) = population_workspace().await;
        let mut reg = Registry::default();
        reg.add("ok", "frequency > 1", "").expect("add");
        reg.add("broken", "churn_risk > 0.5", "").expect("add");
        reg.save(&ws).expect("save");
        let err = run(&ws, &build(1)).await.expect_err("unknown column");
        let msg = err.to_string();
        assert!(msg.contains("`broken`") && msg.contains("`churn_risk`"), "{msg}");
        assert!(!ws.tables().exists(history::MEMBERS), "nothing written");
    }

    #[tokio::test]
    async fn no_segments_writes_an_empty_catalog() {
        let (_dir, ws) = population_workspace().await;
        let details = run(&ws, &build(1)).await.expect("build");
        assert_eq!(details["segments"], 0);
        assert_eq!(sql_count(&ws, "SELECT count(*) FROM segments").await, 0);
    }
}
