//! Manual merge and unmerge decisions, kept across rebuilds.

use huaxiang_identity::{Override, RecordKey};
use huaxiang_store::Workspace;

use crate::error::Result;

fn path(ws: &Workspace) -> std::path::PathBuf {
    ws.meta_dir().join("identity_overrides.json")
}

/// Every override, oldest first.
pub fn load(ws: &Workspace) -> Result<Vec<Override>> {
    Ok(huaxiang_store::meta::read_json(&path(ws))?.unwrap_or_default())
}

/// Records a merge or unmerge of two records. A later decision on the same
/// pair replaces an earlier one.
pub fn add(ws: &Workspace, o: Override) -> Result<()> {
    let pair = |o: &Override| -> (RecordKey, RecordKey) {
        let (a, b) = match o {
            Override::Merge { a, b } | Override::Unmerge { a, b } => (a.clone(), b.clone()),
        };
        if a <= b { (a, b) } else { (b, a) }
    };
    let mut all = load(ws)?;
    let p = pair(&o);
    all.retain(|x| pair(x) != p);
    all.push(o);
    Ok(huaxiang_store::meta::write_json(&path(ws), &all)?)
}
