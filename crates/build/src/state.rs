//! The recorded state of each stage: the fingerprint of its inputs at its last run.

use std::collections::BTreeMap;

use huaxiang_store::Workspace;
use serde::{Deserialize, Serialize};

use crate::error::Result;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BuildState {
    pub stages: BTreeMap<String, StageState>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageState {
    pub fingerprint: String,
    pub finished_at: String,
    pub details: serde_json::Value,
}

fn path(ws: &Workspace) -> std::path::PathBuf {
    ws.meta_dir().join("build_state.json")
}

pub fn load(ws: &Workspace) -> Result<BuildState> {
    Ok(huaxiang_store::meta::read_json(&path(ws))?.unwrap_or_default())
}

pub fn save(ws: &Workspace, st: &BuildState) -> Result<()> {
    Ok(huaxiang_store::meta::write_json(&path(ws), st)?)
}
