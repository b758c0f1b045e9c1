//! The definitions: every version of every tag, in `meta/tags.json`.
//!
//! The file keeps all versions, so an edit never loses what a tag meant when
//! an old snapshot was taken; the current definition of a tag is its highest
//! version. The built-in RFM tags are always present: when the file does not
//! hold them yet they are supplied from code (with a fixed creation time, so
//! loading has no side effects).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use huaxiang_store::Workspace;
use huaxiang_store::meta::{read_json, write_json};
use serde::{Deserialize, Serialize};

use crate::definition::{Refresh, TagDef, TagType, ValueType, check_id};
use crate::error::{Error, Result};
use crate::rfm;

/// The definitions file under `meta/`.
pub const FILE: &str = "tags.json";
/// Refresh requests for manually refreshed tags, under `meta/`.
pub const REFRESH_FILE: &str = "tag_refresh.json";

/// Every version of every tag definition.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Catalog {
    pub tags: Vec<TagDef>,
}

pub fn path(ws: &Workspace) -> PathBuf {
    ws.meta_dir().join(FILE)
}

fn refresh_path(ws: &Workspace) -> PathBuf {
    ws.meta_dir().join(REFRESH_FILE)
}

impl Catalog {
    /// Reads `meta/tags.json` (absent = no user tags) and adds the built-in tags it lacks.
    pub fn load(ws: &Workspace) -> Result<Catalog> {
        let cat: Catalog = read_json(&path(ws))?.unwrap_or_default();
        Ok(cat.with_builtins())
    }

    /// Writes every version to `meta/tags.json`, atomically.
    pub fn save(&self, ws: &Workspace) -> Result<()> {
        Ok(write_json(&path(ws), self)?)
    }

    fn with_builtins(mut self) -> Catalog {
        for b in rfm::builtin_defs() {
            if !self.tags.iter().any(|t| t.tag_id == b.tag_id) {
                self.tags.push(b);
            }
        }
        self.tags
            .sort_by(|a, b| (a.tag_id.as_str(), a.version).cmp(&(b.tag_id.as_str(), b.version)));
        self
    }

    /// The current (highest) version of every tag, built-in tags first, then
    /// in the order the tags were first created (their `person_tags` column order).
    pub fn current(&self) -> Vec<&TagDef> {
        let mut latest: BTreeMap<&str, &TagDef> = BTreeMap::new();
        let mut first: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
        for t in &self.tags {
            let e = latest.entry(t.tag_id.as_str()).or_insert(t);
            if t.version > e.version {
                *e = t;
            }
            let f = first.entry(t.tag_id.as_str()).or_insert(t.created_at);
            if t.created_at < *f {
                *f = t.created_at;
            }
        }
        let mut out: Vec<&TagDef> = latest.into_values().collect();
        out.sort_by_key(|t| {
            (
                t.tag_type != TagType::Rfm,
                first.get(t.tag_id.as_str()).copied(),
                t.tag_id.clone(),
            )
        });
        out
    }

    /// The current definition of `id`.
    pub fn get(&self, id: &str) -> Option<&TagDef> {
        self.tags.iter().filter(|t| t.tag_id == id).max_by_key(|t| t.version)
    }

    /// The current definition of `id`, or an error naming it.
    pub fn require(&self, id: &str) -> Result<&TagDef> {
        self.get(id).ok_or_else(|| Error::UnknownTag(id.to_string()))
    }

    /// Every version of `id`, oldest first.
    pub fn versions(&self, id: &str) -> Vec<&TagDef> {
        let mut v: Vec<&TagDef> = self.tags.iter().filter(|t| t.tag_id == id).collect();
        v.sort_by_key(|t| t.version);
        v
    }

    /// A copy with one more definition version.
    pub fn with(&self, def: TagDef) -> Catalog {
        let mut c = self.clone();
        c.tags.push(def);
        c
    }
}

/// The fields of a definition given on the command line; `None` = not given
/// (a default for `add`, unchanged for `edit`).
#[derive(Debug, Clone, Default)]
pub struct TagSpec {
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub description: Option<String>,
    pub owner: Option<String>,
    pub tag_type: Option<TagType>,
    pub value_type: Option<ValueType>,
    pub refresh: Option<Refresh>,
    pub expression: Option<String>,
    pub allowed_values: Option<Vec<String>>,
}

/// The first version of a new tag from `spec` (defaults: type `rule` when an
/// expression is given, value type `bool`, refresh `build` for computed tags
/// and `manual` for imported and manual ones, names = the id).
pub fn new_definition(cat: &Catalog, id: &str, spec: TagSpec, now: DateTime<Utc>) -> Result<TagDef> {
    check_id(id)?;
    if cat.get(id).is_some() {
        return Err(Error::TagExists(id.to_string()));
    }
    let tag_type = match (spec.tag_type, &spec.expression) {
        (Some(TagType::Rfm), _) => {
            return Err(Error::Definition {
                tag: id.to_string(),
                message: "rfm 标签是内置的 (rfm_score, rfm_group) / rfm tags are built in (rfm_score, rfm_group); \
                          use a rule over them instead"
                    .into(),
            });
        }
        (Some(t), _) => t,
        (None, Some(_)) => TagType::Rule,
        (None, None) => {
            return Err(Error::Definition {
                tag: id.to_string(),
                message: "需要 --type 或 --expr / give --type (rule, model, imported, manual) or --expr".into(),
            });
        }
    };
    let refresh = spec.refresh.unwrap_or(if tag_type.is_assigned() {
        Refresh::Manual
    } else {
        Refresh::Build
    });
    let name_en = spec.name_en.unwrap_or_default();
    let name_zh = spec.name_zh.unwrap_or_default();
    let def = TagDef {
        tag_id: id.to_string(),
        version: 1,
        name_en: if name_en.trim().is_empty() && name_zh.trim().is_empty() {
            id.to_string()
        } else {
            name_en
        },
        name_zh,
        description: spec.description.unwrap_or_default(),
        owner: spec.owner.unwrap_or_default(),
        tag_type,
        value_type: spec.value_type.unwrap_or(ValueType::Bool),
        refresh,
        expression: spec.expression.map(|e| e.trim().to_string()),
        allowed_values: spec.allowed_values.unwrap_or_default(),
        created_at: now,
    };
    def.check_shape()?;
    Ok(def)
}

/// The next version of `cur` with the fields of `spec` applied. Built-in tags
/// keep their type, value type and computation; only names, description,
/// owner and refresh change. An edit that changes nothing is refused.
pub fn edited(cur: &TagDef, spec: TagSpec, now: DateTime<Utc>) -> Result<TagDef> {
    let refuse = |message: String| Error::Definition {
        tag: cur.tag_id.clone(),
        message,
    };
    if cur.tag_type == TagType::Rfm
        && (spec.tag_type.is_some_and(|t| t != TagType::Rfm)
            || spec.value_type.is_some_and(|v| v != cur.value_type)
            || spec.expression.is_some()
            || spec.allowed_values.is_some())
    {
        return Err(refuse(
            "内置 RFM 标签只能修改名称、描述、负责人和刷新方式 / a built-in RFM tag only takes new names, \
             description, owner and refresh"
                .into(),
        ));
    }
    if spec.tag_type == Some(TagType::Rfm) && cur.tag_type != TagType::Rfm {
        return Err(refuse(
            "rfm 类型只用于内置标签 / type rfm is for the built-in tags only".into(),
        ));
    }
    let mut next = cur.clone();
    if let Some(v) = spec.name_zh {
        next.name_zh = v;
    }
    if let Some(v) = spec.name_en {
        next.name_en = v;
    }
    if let Some(v) = spec.description {
        next.description = v;
    }
    if let Some(v) = spec.owner {
        next.owner = v;
    }
    if let Some(t) = spec.tag_type {
        next.tag_type = t;
        if !t.has_expression() && t != TagType::Rfm && spec.expression.is_none() {
            next.expression = None;
        }
    }
    if let Some(v) = spec.value_type {
        next.value_type = v;
        if v != ValueType::Enum && spec.allowed_values.is_none() {
            next.allowed_values.clear();
        }
    }
    if let Some(v) = spec.refresh {
        next.refresh = v;
    }
    if let Some(v) = spec.expression {
        next.expression = Some(v.trim().to_string());
    }
    if let Some(v) = spec.allowed_values {
        next.allowed_values = v;
    }
    next.created_at = cur.created_at;
    if next == *cur {
        return Err(refuse(
            "没有改动 / nothing to change: the edit equals the current version".into(),
        ));
    }
    next.version = cur.version + 1;
    next.created_at = now;
    next.check_shape()?;
    Ok(next)
}

/// Requests to recompute manually refreshed tags: tag id → when requested.
pub type RefreshRequests = BTreeMap<String, DateTime<Utc>>;

pub fn refresh_requests(ws: &Workspace) -> Result<RefreshRequests> {
    Ok(read_json(&refresh_path(ws))?.unwrap_or_default())
}

/// Records that `id` is to be recomputed at the next build.
pub fn request_refresh(ws: &Workspace, id: &str, now: DateTime<Utc>) -> Result<()> {
    Catalog::load(ws)?.require(id)?;
    let mut r = refresh_requests(ws)?;
    r.insert(id.to_string(), now);
    Ok(write_json(&refresh_path(ws), &r)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(expr: &str) -> TagSpec {
        TagSpec {
            name_zh: Some("高频".into()),
            expression: Some(expr.into()),
            ..TagSpec::default()
        }
    }

    #[test]
    fn builtins_are_always_present_and_current_orders_them_first() {
        let cat = Catalog::default().with_builtins();
        let now = Utc::now();
        let d = new_definition(&cat, "frequent", spec("frequency >= 5"), now).expect("new");
        assert_eq!((d.version, d.tag_type, d.refresh), (1, TagType::Rule, Refresh::Build));
        let cat = cat.with(d);
        let ids: Vec<&str> = cat.current().iter().map(|t| t.tag_id.as_str()).collect();
        assert_eq!(ids, vec!["rfm_group", "rfm_score", "frequent"]);
        assert!(matches!(
            new_definition(&cat, "frequent", spec("true"), now),
            Err(Error::TagExists(_))
        ));
    }

    #[test]
    fn edits_create_versions_and_keep_the_old() {
        let now = Utc::now();
        let cat = Catalog::default().with_builtins();
        let v1 = new_definition(&cat, "frequent", spec("frequency >= 5"), now).expect("v1");
        let cat = cat.with(v1.clone());
        let v2 = edited(
            &v1,
            TagSpec {
                expression: Some("frequency >= 6".into()),
                ..TagSpec::default()
            },
            now,
        )
        .expect("v2");
        assert_eq!(v2.version, 2);
        let cat = cat.with(v2);
        assert_eq!(cat.versions("frequent").len(), 2);
        assert_eq!(
            cat.get("frequent").and_then(|t| t.expression.as_deref()),
            Some("frequency >= 6")
        );
        assert_eq!(
            cat.versions("frequent")[0].expression.as_deref(),
            Some("frequency >= 5")
        );
        // The same content again is not a new version.
        let same = TagSpec {
            expression: Some("frequency >= 6".into()),
            ..TagSpec::default()
        };
        assert!(edited(cat.require("frequent").expect("cur"), same, now).is_err());
    }

    #[test]
    fn builtins_keep_their_computation() {
        let cat = Catalog::default().with_builtins();
        let rfm = cat.require("rfm_group").expect("builtin");
        let bad = TagSpec {
            expression: Some("true".into()),
            ..TagSpec::default()
        };
        assert!(edited(rfm, bad, Utc::now()).is_err());
        let ok = TagSpec {
            owner: Some("crm team".into()),
            ..TagSpec::default()
        };
        assert_eq!(edited(rfm, ok, Utc::now()).expect("owner").version, 2);
        let r = TagSpec {
            tag_type: Some(TagType::Rfm),
            ..spec("true")
        };
        assert!(new_definition(&cat, "my_rfm", r, Utc::now()).is_err());
    }
}
