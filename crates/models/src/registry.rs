//! The model registry: every trained model, versioned, with what it was
//! trained on and how well it did.
//!
//! `meta/models/registry.json` lists the versions; each model itself is
//! `meta/models/NAME/vN.json` (the predict crate's JSON, which scores bit for
//! bit the same after reading back). The `models` table mirrors the list for
//! `huaxiang sql`. Versions are never overwritten: a retrain is a new version,
//! so a prediction can always be traced to the exact model that made it.

use std::path::PathBuf;

use chrono::Utc;
use huaxiang_predict::Model;
use huaxiang_store::Workspace;
use huaxiang_store::meta::{read_json, write_atomic, write_json};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::output::{TableBuilder, meta};

/// The table mirroring the registry.
pub const TABLE: &str = "models";

/// Where a model's training rows came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TrainingSource {
    /// Point-in-time features of the workspace: features as of `features_as_of`,
    /// labels from the `horizon_days` after it, ending at `label_end`.
    Workspace {
        features_as_of: String,
        label_end: String,
        horizon_days: i64,
    },
    /// A label file joined to the workspace's current features by person.
    LabelJoined {
        file: String,
        id_col: String,
        label_col: String,
    },
    /// A self-contained label file (its own columns are the features).
    LabelFile {
        file: String,
        id_col: String,
        label_col: String,
    },
}

/// One registered model version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    pub version: u32,
    /// `churn`, `repurchase`, `conversion` or `label:COLUMN`.
    pub target: String,
    pub algo: String,
    pub trained_at: String,
    pub source: TrainingSource,
    pub features: Vec<String>,
    pub data_hash: String,
    pub rows: usize,
    pub positives: usize,
    pub roc_auc: Option<f64>,
    pub pr_auc: Option<f64>,
    pub log_loss: Option<f64>,
    pub accuracy: Option<f64>,
    pub f1: Option<f64>,
    pub top_decile_lift: Option<f64>,
    pub grade: Option<String>,
    pub threshold: f64,
    /// The estimator's parameters (learning rate, leaves, penalty, …).
    #[serde(default)]
    pub parameters: serde_json::Value,
}

impl Entry {
    /// Whether the model scores workspace persons (its features are workspace features).
    pub fn scores_workspace(&self) -> bool {
        !matches!(self.source, TrainingSource::LabelFile { .. })
    }
}

/// All versions, oldest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Registry {
    pub models: Vec<Entry>,
}

fn dir(ws: &Workspace) -> PathBuf {
    ws.meta_dir().join("models")
}

fn model_path(ws: &Workspace, name: &str, version: u32) -> PathBuf {
    dir(ws).join(name).join(format!("v{version}.json"))
}

impl Registry {
    pub fn load(ws: &Workspace) -> Result<Registry> {
        Ok(read_json(&dir(ws).join("registry.json"))?.unwrap_or_default())
    }

    /// The newest version of `name`.
    pub fn latest(&self, name: &str) -> Option<&Entry> {
        self.models.iter().filter(|e| e.name == name).max_by_key(|e| e.version)
    }

    /// Version `version` of `name`, or the newest when `None`.
    pub fn find(&self, name: &str, version: Option<u32>) -> Result<&Entry> {
        match version {
            None => self.latest(name),
            Some(v) => self.models.iter().find(|e| e.name == name && e.version == v),
        }
        .ok_or_else(|| Error::UnknownModel(version.map_or(name.to_string(), |v| format!("{name} v{v}"))))
    }

    /// The newest version of every model name, in name order.
    pub fn current(&self) -> Vec<&Entry> {
        let mut names: Vec<&str> = self.models.iter().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.into_iter().filter_map(|n| self.latest(n)).collect()
    }
}

/// Reads the stored model of an entry.
pub fn load_model(ws: &Workspace, entry: &Entry) -> Result<Model> {
    let path = model_path(ws, &entry.name, entry.version);
    let text =
        std::fs::read_to_string(&path).map_err(|e| Error::Invalid(format!("cannot read {}: {e}", path.display())))?;
    Ok(Model::from_json(&text)?)
}

/// Registers `model` as the next version of `name`: the model file first,
/// then the list (so a crash in between leaves an unlisted file, never a
/// listed model without its file), then the `models` table.
pub async fn register(
    ws: &Workspace,
    name: &str,
    target: &str,
    source: TrainingSource,
    model: &Model,
) -> Result<Entry> {
    let mut reg = Registry::load(ws)?;
    let version = reg.latest(name).map_or(1, |e| e.version + 1);
    let chosen = model.evaluation.as_ref().and_then(|e| match model.kind {
        huaxiang_predict::ModelKind::Gbdt => e.gbdt.as_ref(),
        huaxiang_predict::ModelKind::Logistic => e.logistic.as_ref(),
    });
    let entry = Entry {
        name: name.to_string(),
        version,
        target: target.to_string(),
        algo: model.kind.name().to_string(),
        trained_at: Utc::now().to_rfc3339(),
        source,
        features: model.feature_names.clone(),
        data_hash: model.training.data_hash.clone(),
        rows: model.training.rows,
        positives: model.training.positives,
        roc_auc: chosen.map(|c| c.mean.roc_auc),
        pr_auc: chosen.map(|c| c.mean.pr_auc),
        log_loss: chosen.map(|c| c.mean.log_loss),
        accuracy: chosen.map(|c| c.mean.accuracy),
        f1: chosen.map(|c| c.mean.f1),
        top_decile_lift: chosen.map(|c| c.pooled.top_decile_lift),
        grade: model
            .evaluation
            .as_ref()
            .and_then(|e| e.grade.as_ref())
            .map(|g| g.message.clone()),
        threshold: model.threshold.value,
        parameters: serde_json::to_value(&model.spec)?,
    };
    let path = model_path(ws, name, version);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::Invalid(format!("cannot create {}: {e}", parent.display())))?;
    }
    write_atomic(&path, model.to_json()?.as_bytes())?;
    reg.models.push(entry.clone());
    write_json(&dir(ws).join("registry.json"), &reg)?;
    write_table(ws, &reg).await?;
    Ok(entry)
}

/// Rewrites the `models` table from the registry.
pub async fn write_table(ws: &Workspace, reg: &Registry) -> Result<()> {
    let m = &reg.models;
    let source_text = |e: &Entry| match &e.source {
        TrainingSource::Workspace {
            features_as_of,
            label_end,
            horizon_days,
        } => format!("workspace: features as of {features_as_of}, labels {horizon_days} days to {label_end}"),
        TrainingSource::LabelJoined { file, .. } => format!("label file joined to features: {file}"),
        TrainingSource::LabelFile { file, .. } => format!("label file: {file}"),
    };
    let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
    TableBuilder::new()
        .text("name", m.iter().map(|e| Some(e.name.as_str())))
        .int("version", m.iter().map(|e| i64::from(e.version)))
        .text("target", m.iter().map(|e| Some(e.target.as_str())))
        .text("algo", m.iter().map(|e| Some(e.algo.as_str())))
        .text("trained_at", m.iter().map(|e| Some(e.trained_at.as_str())))
        .text("training_source", m.iter().map(|e| Some(source_text(e))))
        .text("features", m.iter().map(|e| Some(e.features.join(","))))
        .text("data_hash", m.iter().map(|e| Some(e.data_hash.as_str())))
        .int("rows", m.iter().map(|e| e.rows as i64))
        .int("positives", m.iter().map(|e| e.positives as i64))
        .float("roc_auc", m.iter().map(|e| nan(e.roc_auc)))
        .float("pr_auc", m.iter().map(|e| nan(e.pr_auc)))
        .float("log_loss", m.iter().map(|e| nan(e.log_loss)))
        .float("accuracy", m.iter().map(|e| nan(e.accuracy)))
        .float("f1", m.iter().map(|e| nan(e.f1)))
        .float("top_decile_lift", m.iter().map(|e| nan(e.top_decile_lift)))
        .text("grade", m.iter().map(|e| e.grade.as_deref()))
        .float("threshold", m.iter().map(|e| e.threshold))
        .text("parameters", m.iter().map(|e| Some(e.parameters.to_string())))
        .overwrite(ws, TABLE, meta([]))
        .await?;
    Ok(())
}
