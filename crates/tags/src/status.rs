//! What the catalog commands show: each tag's last computation, coverage,
//! whether it is stale, its versions and its lineage.
//!
//! A tag is stale when its current version was never computed, or when the
//! fingerprint of its inputs differs from the one recorded at its last
//! computation. The fingerprint covers the definition version, the versions
//! of the tables it reads (features and attributes for computed tags; the
//! assignments and identity tables for imported and manual ones), a pending
//! refresh request, and — recursively — the fingerprints of the tags it reads,
//! so editing a tag makes every tag built on it stale too.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::{Array, Float64Array, Int64Array, StringArray};
use chrono::{DateTime, Utc};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::base::{ATTRIBUTES, FEATURES, literal};
use crate::catalog::{Catalog, RefreshRequests, refresh_requests};
use crate::definition::TagDef;
use crate::error::Result;
use crate::graph::Deps;
use crate::lineage::{self, Node};
use crate::registry::{self, Computed};
use crate::snapshot::COVERAGE;
use crate::validate::{self, Analysis};

/// The tables the tags stage itself reads (its fingerprint).
pub const STAGE_INPUTS: [&str; 7] = [
    FEATURES,
    ATTRIBUTES,
    crate::base::MODEL_SCORES,
    crate::assignments::TABLE,
    "persons",
    "identity_links",
    "customers",
];

/// Versions of `names` (`None` = absent).
pub async fn versions_of(ws: &Workspace, names: &[&str]) -> Result<BTreeMap<String, Option<u64>>> {
    let t = ws.tables();
    let mut out = BTreeMap::new();
    for name in names {
        out.insert(name.to_string(), t.version(name).await?);
    }
    Ok(out)
}

/// Versions of every table of the workspace.
pub async fn all_versions(ws: &Workspace) -> Result<BTreeMap<String, Option<u64>>> {
    let names = ws.tables().names()?;
    versions_of(ws, &names.iter().map(String::as_str).collect::<Vec<_>>()).await
}

/// The analysis of the current definitions from parsing alone (no data):
/// expressions that do not parse read nothing.
pub fn static_analysis(cat: &Catalog) -> Analysis {
    let (parsed, deps) = validate::parse_all(cat, false).unwrap_or_default();
    Analysis {
        parsed,
        deps,
        columns: None,
    }
}

/// Tag → tags it reads, from parsing alone.
pub fn static_deps(cat: &Catalog) -> Deps {
    static_analysis(cat).deps
}

/// The inputs fingerprint of every current tag: its definition version, a
/// pending refresh request, the versions of every table in its lineage (the
/// derived tables it reads and the source tables behind them), and the
/// fingerprints of the tags it reads.
pub fn input_fingerprints(
    cat: &Catalog,
    versions: &BTreeMap<String, Option<u64>>,
    refresh: &RefreshRequests,
) -> BTreeMap<String, String> {
    let analysis = static_analysis(cat);
    fn fp(
        id: &str,
        cat: &Catalog,
        analysis: &Analysis,
        versions: &BTreeMap<String, Option<u64>>,
        refresh: &RefreshRequests,
        memo: &mut BTreeMap<String, String>,
        visiting: &mut BTreeSet<String>,
    ) -> String {
        if let Some(f) = memo.get(id) {
            return f.clone();
        }
        let Some(def) = cat.get(id) else {
            return String::new();
        };
        if !visiting.insert(id.to_string()) {
            return "cycle".into();
        }
        let mut h = Sha256::new();
        h.update(format!("{}@{};", def.tag_id, def.version));
        if let Some(r) = refresh.get(id) {
            h.update(format!("refresh={};", r.timestamp_micros()));
        }
        for (kind, name) in lineage::flatten(&lineage::tree(def, cat, analysis)) {
            if kind == "table" {
                h.update(format!("{name}@{:?};", versions.get(&name).copied().flatten()));
            }
        }
        for d in analysis.deps.get(id).into_iter().flatten() {
            let sub = fp(d, cat, analysis, versions, refresh, memo, visiting);
            h.update(format!("{d}={sub};"));
        }
        visiting.remove(id);
        let out = hex::encode(h.finalize());
        memo.insert(id.to_string(), out.clone());
        out
    }
    let mut memo = BTreeMap::new();
    for t in cat.current() {
        fp(
            &t.tag_id,
            cat,
            &analysis,
            versions,
            refresh,
            &mut memo,
            &mut BTreeSet::new(),
        );
    }
    memo
}

/// One value's share at a build.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CoverageRow {
    pub value: Option<String>,
    pub persons: i64,
    pub share: f64,
}

/// A tag as `huaxiang tag list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TagStatus {
    pub tag_id: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(rename = "type")]
    pub tag_type: String,
    pub value_type: String,
    pub version: u32,
    pub versions: usize,
    pub owner: String,
    pub refresh: String,
    pub last_build_id: Option<i64>,
    pub last_computed_at: Option<DateTime<Utc>>,
    /// Persons with a value at the last computation, and their share of all persons.
    pub persons: Option<i64>,
    pub share: Option<f64>,
    pub stale: bool,
    /// Why it is stale (`never computed`, `definition changed`, `inputs changed`).
    pub stale_reason: Option<String>,
}

/// Coverage rows of `tag` version `version` at `build_id`.
async fn coverage_at(
    ws: &Workspace,
    engine: &SqlEngine,
    builds: &BTreeMap<String, i64>,
) -> Result<BTreeMap<String, Vec<CoverageRow>>> {
    let mut out: BTreeMap<String, Vec<CoverageRow>> = BTreeMap::new();
    if builds.is_empty() || !ws.tables().exists(COVERAGE) {
        return Ok(out);
    }
    let conds: Vec<String> = builds
        .iter()
        .map(|(t, b)| format!("(tag_id = {} AND build_id = {b})", literal(t)))
        .collect();
    let (_, batches) = engine
        .query(&format!(
            "SELECT tag_id, value, persons, share FROM {COVERAGE} WHERE {} ORDER BY tag_id, persons DESC, value",
            conds.join(" OR ")
        ))
        .await?;
    for b in batches {
        let b = huaxiang_store::table::plain_strings(&b)?;
        let (Some(t), Some(v), Some(n), Some(s)) = (
            b.column(0).as_any().downcast_ref::<StringArray>(),
            b.column(1).as_any().downcast_ref::<StringArray>(),
            b.column(2).as_any().downcast_ref::<Int64Array>(),
            b.column(3).as_any().downcast_ref::<Float64Array>(),
        ) else {
            continue;
        };
        for i in 0..b.num_rows() {
            out.entry(t.value(i).to_string()).or_default().push(CoverageRow {
                value: (!v.is_null(i)).then(|| v.value(i).to_string()),
                persons: n.value(i),
                share: s.value(i),
            });
        }
    }
    Ok(out)
}

fn status_of(
    def: &TagDef,
    versions: usize,
    computed: &BTreeMap<(String, u32), Computed>,
    fps: &BTreeMap<String, String>,
    coverage: Option<&Vec<CoverageRow>>,
) -> TagStatus {
    let cur = computed.get(&(def.tag_id.clone(), def.version));
    let any = computed
        .iter()
        .filter(|((id, _), _)| *id == def.tag_id)
        .max_by_key(|(_, c)| c.build_id)
        .map(|(_, c)| c);
    let stale_reason = match (cur, any) {
        (None, None) => Some("never computed / 尚未计算"),
        (None, Some(_)) => Some("definition changed / 定义已修改"),
        (Some(c), _) if c.fingerprint.as_deref() != fps.get(&def.tag_id).map(String::as_str) => {
            Some("inputs changed / 输入已变化")
        }
        _ => None,
    };
    let shown = cur.or(any);
    let (persons, share) = match coverage {
        Some(rows) if !rows.is_empty() => (
            Some(rows.iter().map(|r| r.persons).sum()),
            Some(rows.iter().map(|r| r.share).sum()),
        ),
        _ => (None, None),
    };
    TagStatus {
        tag_id: def.tag_id.clone(),
        name_zh: def.name_zh.clone(),
        name_en: def.name_en.clone(),
        tag_type: def.tag_type.as_str().into(),
        value_type: def.value_type.as_str().into(),
        version: def.version,
        versions,
        owner: def.owner.clone(),
        refresh: def.refresh.as_str().into(),
        last_build_id: shown.map(|c| c.build_id),
        last_computed_at: shown.and_then(|c| DateTime::from_timestamp_micros(c.at)),
        persons,
        share,
        stale: stale_reason.is_some(),
        stale_reason: stale_reason.map(str::to_string),
    }
}

/// The status of every current tag, and the coverage of each at its last computation.
async fn statuses(ws: &Workspace, cat: &Catalog) -> Result<(Vec<TagStatus>, BTreeMap<String, Vec<CoverageRow>>)> {
    let computed = registry::computed(ws).await?;
    let fps = input_fingerprints(cat, &all_versions(ws).await?, &refresh_requests(ws)?);
    let mut builds = BTreeMap::new();
    for t in cat.current() {
        if let Some(c) = computed
            .iter()
            .filter(|((id, _), _)| *id == t.tag_id)
            .max_by_key(|(_, c)| c.build_id)
        {
            builds.insert(t.tag_id.clone(), c.1.build_id);
        }
    }
    let engine = SqlEngine::new(ws, false).await?;
    let coverage = coverage_at(ws, &engine, &builds).await?;
    let list = cat
        .current()
        .into_iter()
        .map(|t| {
            status_of(
                t,
                cat.versions(&t.tag_id).len(),
                &computed,
                &fps,
                coverage.get(&t.tag_id),
            )
        })
        .collect();
    Ok((list, coverage))
}

/// Every current tag with its status.
pub async fn list(ws: &Workspace) -> Result<Vec<TagStatus>> {
    let cat = Catalog::load(ws)?;
    Ok(statuses(ws, &cat).await?.0)
}

/// One version of a definition with its computation record.
#[derive(Debug, Clone, Serialize)]
pub struct VersionInfo {
    #[serde(flatten)]
    pub def: TagDef,
    pub last_build_id: Option<i64>,
}

/// Everything `huaxiang tag show` prints.
#[derive(Debug, Clone, Serialize)]
pub struct TagDetail {
    pub status: TagStatus,
    pub definition: TagDef,
    pub versions: Vec<VersionInfo>,
    /// Coverage by value at the last computation.
    pub coverage: Vec<CoverageRow>,
    /// Tags this one reads directly.
    pub reads_tags: Vec<String>,
    /// Tags that read this one directly.
    pub read_by: Vec<String>,
}

/// The detail of tag `id`.
pub async fn show(ws: &Workspace, id: &str) -> Result<TagDetail> {
    let cat = Catalog::load(ws)?;
    let def = cat.require(id)?.clone();
    let computed = registry::computed(ws).await?;
    let (list, mut coverage) = statuses(ws, &cat).await?;
    let status = list
        .into_iter()
        .find(|s| s.tag_id == id)
        .ok_or_else(|| crate::Error::UnknownTag(id.to_string()))?;
    let deps = static_deps(&cat);
    Ok(TagDetail {
        status,
        versions: cat
            .versions(id)
            .into_iter()
            .map(|v| VersionInfo {
                def: v.clone(),
                last_build_id: computed.get(&(v.tag_id.clone(), v.version)).map(|c| c.build_id),
            })
            .collect(),
        definition: def,
        coverage: coverage.remove(id).unwrap_or_default(),
        reads_tags: deps.get(id).map(|d| d.iter().cloned().collect()).unwrap_or_default(),
        read_by: deps
            .iter()
            .filter(|(_, d)| d.contains(id))
            .map(|(t, _)| t.clone())
            .collect(),
    })
}

/// The lineage tree of tag `id` and its flat form `(kind, name)`.
pub async fn lineage(ws: &Workspace, id: &str) -> Result<(Node, BTreeSet<(&'static str, String)>)> {
    let cat = Catalog::load(ws)?;
    let def = cat.require(id)?;
    let engine = SqlEngine::new(ws, false).await?;
    let analysis = validate::analyse(ws, &engine, &cat, Some(&BTreeSet::new())).await?;
    let tree = lineage::tree(def, &cat, &analysis);
    let flat = lineage::flatten(&tree);
    Ok((tree, flat))
}
