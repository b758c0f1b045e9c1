//! `huaxiang cluster`: clustering segmentation of the persons of the
//! `features` table, written as tables and a model tag.
//!
//! The run's settings are kept in `meta/cluster.json`; every later build runs
//! them again on its fresh features (the algorithms are deterministic for a
//! seed), so the `clusters` table never describes last month's customers.

use std::collections::HashMap;

use chrono::Utc;
use huaxiang_cluster::{ClusterParams, ClusterRun};
use huaxiang_store::Workspace;
use huaxiang_store::meta::{read_json, write_json};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{Error, Result};
use crate::frame::Frame;
use crate::output::{TableBuilder, meta, query, scalar_text};

/// Person → cluster, with the cluster's name.
pub const TABLE: &str = "clusters";
/// One row per cluster of the current run: size, share, name, distinguishing features.
pub const PROFILES: &str = "cluster_profiles";
/// One row per clustering run.
pub const RUNS: &str = "cluster_runs";
/// The settings file under `meta/`.
pub const CONFIG_FILE: &str = "cluster.json";

/// The clustering a workspace keeps: the parameters and the columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterConfig {
    pub params: ClusterParams,
    /// The feature columns; empty = the default ([`default_features`]).
    pub features: Vec<String>,
    /// Cluster every person, including those with no order, session or ticket
    /// (contacts known only from a CRM, say), instead of the active ones.
    #[serde(default)]
    pub all_persons: bool,
}

/// The columns whose sum tells whether a person did anything at all.
pub const ACTIVITY_COLUMNS: [&str; 4] = ["frequency", "refunds", "sessions", "ticket_count"];

/// The rows of persons with any order, session or ticket. A person who never
/// did anything has no behaviour to segment by: put among customers they
/// form a cluster of their own and pull every centre towards zero.
pub fn active_rows(frame: &Frame) -> Vec<usize> {
    let cols: Vec<&[f64]> = ACTIVITY_COLUMNS.iter().filter_map(|c| frame.numeric(c)).collect();
    (0..frame.len())
        .filter(|&i| cols.is_empty() || cols.iter().any(|c| c[i] > 0.0))
        .collect()
}

/// Every run so far (`meta/cluster_runs.json`), newest last.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct RunLog {
    runs: Vec<RunRecord>,
}

/// What `cluster_runs` keeps of one run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_id: String,
    pub created_at: String,
    pub as_of: Option<String>,
    pub algo: String,
    pub k: usize,
    pub seed: u64,
    pub rows: usize,
    pub features: Vec<String>,
    pub silhouette: Option<f64>,
    pub stability_mean_ari: Option<f64>,
    pub seconds: f64,
    /// Persons left out (no activity) unless `all_persons`.
    #[serde(default)]
    pub persons_excluded: usize,
}

/// The 23 reference features of the customer-360 definitions.
pub fn default_features() -> Vec<String> {
    huaxiang_features::catalog::REFERENCE
        .iter()
        .map(|f| f.name.to_string())
        .collect()
}

/// The kept configuration, if `huaxiang cluster` ran before.
pub fn load_config(ws: &Workspace) -> Result<Option<ClusterConfig>> {
    Ok(read_json(&ws.meta_dir().join(CONFIG_FILE))?)
}

/// Reads the `features` table into a [`Frame`] (persons in id order).
pub async fn read_features(ws: &Workspace) -> Result<Frame> {
    if !ws.tables().exists(huaxiang_features::TABLE) {
        return Err(Error::Missing {
            table: "features",
            hint: "run `huaxiang build` first / 请先运行 huaxiang build",
        });
    }
    let batches = query(ws, "SELECT * FROM features ORDER BY person_id").await?;
    Frame::from_batches(&batches, "person_id")
}

/// The as-of day of the `features` table, as the build stored it.
pub async fn features_as_of(ws: &Workspace) -> Result<Option<String>> {
    scalar_text(ws, "SELECT CAST(max(as_of) AS VARCHAR) FROM features").await
}

/// Runs the clustering `config` on the current features and writes
/// `clusters`, `cluster_profiles` and `cluster_runs`. Saves the config when `keep`.
pub async fn run(ws: &Workspace, config: &ClusterConfig, keep: bool) -> Result<(ClusterRun, RunRecord)> {
    let all = read_features(ws).await?;
    let frame = if config.all_persons {
        all.clone()
    } else {
        all.select_rows(&active_rows(&all))
    };
    let persons_excluded = all.len() - frame.len();
    let names = if config.features.is_empty() {
        default_features()
            .into_iter()
            .filter(|n| frame.names().contains(&n.as_str()))
            .collect()
    } else {
        config.features.clone()
    };
    let table = frame.feature_table(Some(&names))?;
    let valid = config.params.clone().validate()?;
    let result = valid.run(&table)?;
    let as_of = features_as_of(ws).await.unwrap_or(None);
    let record = RunRecord {
        run_id: result.model_tag.clone(),
        created_at: Utc::now().to_rfc3339(),
        as_of: as_of.clone(),
        algo: result.algo.to_string(),
        k: result.k,
        seed: result.seed,
        rows: result.rows,
        features: names.clone(),
        silhouette: result.quality.silhouette,
        stability_mean_ari: result.stability.as_ref().map(|s| s.mean_ari),
        seconds: result.timings.total,
        persons_excluded,
    };
    write(ws, &frame, &result, &record).await?;
    if keep {
        write_json(
            &ws.meta_dir().join(CONFIG_FILE),
            &ClusterConfig {
                params: config.params.clone(),
                features: names,
                all_persons: config.all_persons,
            },
        )?;
    }
    Ok((result, record))
}

async fn write(ws: &Workspace, frame: &Frame, result: &ClusterRun, record: &RunRecord) -> Result<()> {
    let run_id = result.model_tag.as_str();
    let names: HashMap<i32, &huaxiang_cluster::Name> = result.clusters.iter().map(|c| (c.cluster, &c.name)).collect();
    let name_of = |c: i32, zh: bool| names.get(&c).map(|n| if zh { n.zh.clone() } else { n.en.clone() });
    TableBuilder::new()
        .text("person_id", frame.ids.iter().map(Some))
        .int32("cluster", result.labels.iter().copied())
        .text("name_zh", result.labels.iter().map(|&c| name_of(c, true)))
        .text("name_en", result.labels.iter().map(|&c| name_of(c, false)))
        .text("run_id", result.labels.iter().map(|_| Some(run_id)))
        .overwrite(
            ws,
            TABLE,
            meta([("run_id", json!(run_id)), ("as_of", json!(record.as_of))]),
        )
        .await?;
    let c = &result.clusters;
    TableBuilder::new()
        .text("run_id", c.iter().map(|_| Some(run_id)))
        .int32("cluster", c.iter().map(|d| d.cluster))
        .text("name_zh", c.iter().map(|d| Some(d.name.zh.as_str())))
        .text("name_en", c.iter().map(|d| Some(d.name.en.as_str())))
        .int("size", c.iter().map(|d| d.size as i64))
        .float("share", c.iter().map(|d| d.share))
        .text(
            "top_features",
            c.iter().map(|d| {
                Some(
                    d.top
                        .iter()
                        .map(|t| format!("{}:{:+.2}", t.feature, t.d))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            }),
        )
        .text(
            "top_features_json",
            c.iter().map(|d| serde_json::to_string(&d.top).ok()),
        )
        .overwrite(ws, PROFILES, meta([("run_id", json!(run_id))]))
        .await?;
    let path = ws.meta_dir().join("cluster_runs.json");
    let mut log: RunLog = read_json(&path)?.unwrap_or_default();
    log.runs.push(record.clone());
    write_json(&path, &log)?;
    let r = &log.runs;
    TableBuilder::new()
        .text("run_id", r.iter().map(|x| Some(x.run_id.as_str())))
        .text("created_at", r.iter().map(|x| Some(x.created_at.as_str())))
        .text("as_of", r.iter().map(|x| x.as_of.as_deref()))
        .text("algo", r.iter().map(|x| Some(x.algo.as_str())))
        .int("k", r.iter().map(|x| x.k as i64))
        .int("seed", r.iter().map(|x| x.seed as i64))
        .int("rows", r.iter().map(|x| x.rows as i64))
        .text("features", r.iter().map(|x| Some(x.features.join(","))))
        .float("silhouette", r.iter().map(|x| x.silhouette.unwrap_or(f64::NAN)))
        .float(
            "stability_mean_ari",
            r.iter().map(|x| x.stability_mean_ari.unwrap_or(f64::NAN)),
        )
        .float("seconds", r.iter().map(|x| x.seconds))
        .int("persons_excluded", r.iter().map(|x| x.persons_excluded as i64))
        .overwrite(ws, RUNS, meta([]))
        .await?;
    Ok(())
}
