//! The append-only audit log of reveals and exports.
//!
//! Every reveal of personal data and every export appends one JSON line
//! (time, user, action, target) to `meta/audit.jsonl`, opened in append mode
//! so earlier lines are never rewritten. `GET /api/audit` (admin) reads it.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use huaxiang_store::Workspace;
use serde::{Deserialize, Serialize};

/// The audit log inside the workspace's meta folder.
pub const AUDIT_FILE: &str = "audit.jsonl";

static WRITE_LOCK: Mutex<()> = Mutex::new(());

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub time: DateTime<Utc>,
    pub user: String,
    /// `reveal` or `export`.
    pub action: String,
    /// What was revealed or exported (a person, a segment…).
    pub target: String,
}

pub fn path(ws: &Workspace) -> PathBuf {
    ws.meta_dir().join(AUDIT_FILE)
}

/// Appends one entry.
pub fn append(ws: &Workspace, user: &str, action: &str, target: &str) -> std::io::Result<Entry> {
    let entry = Entry {
        time: Utc::now(),
        user: user.to_string(),
        action: action.to_string(),
        target: target.to_string(),
    };
    let mut line = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
    line.push('\n');
    let _guard = WRITE_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path(ws))?;
    f.write_all(line.as_bytes())?;
    f.sync_data()?;
    Ok(entry)
}

/// Every entry, oldest first (lines that do not parse are skipped).
pub fn read(ws: &Workspace) -> std::io::Result<Vec<Entry>> {
    let f = match std::fs::File::open(path(ws)) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for line in std::io::BufReader::new(f).lines() {
        if let Ok(e) = serde_json::from_str::<Entry>(&line?) {
            out.push(e);
        }
    }
    Ok(out)
}
