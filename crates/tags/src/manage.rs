//! Saving definitions: `add` and `edit` validate the new version against the
//! real data, evaluate it once (so a definition that fails at run time is
//! refused now rather than at the next build), and only then write it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::catalog::{self, Catalog, TagSpec};
use crate::definition::TagDef;
use crate::error::Result;
use crate::evaluate;
use crate::graph;
use crate::snapshot;
use crate::status::CoverageRow;
use crate::validate;

/// A saved definition and what it would give on the current data.
#[derive(Debug, Clone, Serialize)]
pub struct Saved {
    pub definition: TagDef,
    /// Coverage on the current features (`None` before the first build).
    pub preview: Option<Vec<CoverageRow>>,
    /// Persons in the current features.
    pub persons: usize,
}

/// Adds tag `id`.
pub async fn add(ws: &Workspace, id: &str, spec: TagSpec) -> Result<Saved> {
    let cat = Catalog::load(ws)?;
    let def = catalog::new_definition(&cat, id, spec, Utc::now())?;
    save(ws, cat, def, true).await
}

/// What adding tag `id` (or, when it exists, editing it) would give, without saving anything.
pub async fn preview(ws: &Workspace, id: &str, spec: TagSpec) -> Result<Saved> {
    let cat = Catalog::load(ws)?;
    let def = match cat.require(id) {
        Ok(current) => catalog::edited(current, spec, Utc::now())?,
        Err(_) => catalog::new_definition(&cat, id, spec, Utc::now())?,
    };
    save(ws, cat, def, false).await
}

/// Saves a new version of tag `id` with the fields of `spec` changed.
pub async fn edit(ws: &Workspace, id: &str, spec: TagSpec) -> Result<Saved> {
    let cat = Catalog::load(ws)?;
    let def = catalog::edited(cat.require(id)?, spec, Utc::now())?;
    save(ws, cat, def, true).await
}

/// Validates and evaluates `def` on the current data; writes it when `write`.
async fn save(ws: &Workspace, cat: Catalog, def: TagDef, write: bool) -> Result<Saved> {
    let id = def.tag_id.clone();
    let candidate = cat.with(def.clone());
    let engine = SqlEngine::new(ws, false).await?;
    // The new version and every tag that reads it, directly or not.
    let deps = crate::status::static_deps(&candidate);
    let mut targets: BTreeSet<String> = deps
        .keys()
        .filter(|t| graph::closure(t, &deps).contains(&id))
        .cloned()
        .collect();
    targets.insert(id.clone());
    let analysis = validate::analyse(ws, &engine, &candidate, Some(&targets)).await?;
    let (preview, persons) = match analysis.columns {
        Some(_) => {
            let all = candidate.current();
            let needed: BTreeSet<String> = graph::closure(&id, &analysis.deps)
                .into_iter()
                .chain([id.clone()])
                .collect();
            let defs: Vec<&TagDef> = all.into_iter().filter(|d| needed.contains(&d.tag_id)).collect();
            let (_, batches) = evaluate::evaluate(ws, &engine, &defs, &analysis, &BTreeMap::new()).await?;
            let persons = batches.iter().map(|b| b.num_rows()).sum();
            let cov = snapshot::coverage(&defs, &batches, 0)?;
            (Some(coverage_rows(&cov, &id)), persons)
        }
        None => (None, 0),
    };
    if write {
        candidate.save(ws)?;
    }
    Ok(Saved {
        definition: def,
        preview,
        persons,
    })
}

/// The rows of one tag in a coverage batch.
fn coverage_rows(cov: &arrow::array::RecordBatch, id: &str) -> Vec<CoverageRow> {
    use arrow::array::{Array, Float64Array, Int64Array, StringArray};
    let (Some(t), Some(v), Some(n), Some(s)) = (
        cov.column(1).as_any().downcast_ref::<StringArray>(),
        cov.column(3).as_any().downcast_ref::<StringArray>(),
        cov.column(4).as_any().downcast_ref::<Int64Array>(),
        cov.column(5).as_any().downcast_ref::<Float64Array>(),
    ) else {
        return Vec::new();
    };
    let mut rows: Vec<CoverageRow> = (0..cov.num_rows())
        .filter(|&i| t.value(i) == id)
        .map(|i| CoverageRow {
            value: (!v.is_null(i)).then(|| v.value(i).to_string()),
            persons: n.value(i),
            share: s.value(i),
        })
        .collect();
    rows.sort_by(|a, b| b.persons.cmp(&a.persons).then_with(|| a.value.cmp(&b.value)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{Person, empty_workspace, person, rule, workspace};
    use crate::{Error, TagType, ValueType};

    fn people() -> Vec<Person> {
        vec![
            person("p1", Some(5), 10, 5000.0, "上海"),
            person("p2", Some(200), 1, 50.0, "北京"),
            person("p3", None, 0, 0.0, "上海"),
        ]
    }

    fn ids(ws: &Workspace) -> Vec<String> {
        Catalog::load(ws)
            .expect("load")
            .current()
            .iter()
            .map(|t| format!("{}@{}", t.tag_id, t.version))
            .collect()
    }

    #[tokio::test]
    async fn preview_counts_without_saving_and_refuses_what_add_refuses() {
        let t = workspace(&people()).await;
        let ws = &t.ws;
        let before = ids(ws);
        let p = preview(ws, "loyal", rule("frequency >= 1")).await.expect("valid");
        assert_eq!(p.persons, 3);
        let preview_rows = p.preview.expect("preview");
        assert_eq!(
            (preview_rows[0].value.as_deref(), preview_rows[0].persons),
            (Some("true"), 2)
        );
        assert_eq!(ids(ws), before, "a preview saves nothing");
        assert!(matches!(
            preview(ws, "x", rule("frequncy > 3")).await,
            Err(Error::UnknownColumn { .. })
        ));
        add(ws, "loyal", rule("frequency >= 5")).await.expect("saved");
        let edit = preview(ws, "loyal", rule("frequency >= 1"))
            .await
            .expect("an edit preview");
        assert_eq!(edit.definition.version, 2);
        assert_eq!(ids(ws).iter().filter(|i| i.starts_with("loyal@")).count(), 1);
    }

    #[tokio::test]
    async fn saving_validates_against_the_real_columns() {
        let t = workspace(&people()).await;
        let ws = &t.ws;
        let saved = add(ws, "loyal", rule("frequency >= 5 AND city = '上海'"))
            .await
            .expect("valid");
        assert_eq!(saved.persons, 3);
        let preview = saved.preview.expect("preview");
        assert_eq!((preview[0].value.as_deref(), preview[0].persons), (Some("true"), 1));

        match add(ws, "x", rule("frequncy > 3")).await {
            Err(Error::UnknownColumn { tag, column, hint }) => {
                assert_eq!((tag.as_str(), column.as_str()), ("x", "frequncy"));
                assert!(hint.contains("`frequency`"), "{hint}");
            }
            other => panic!("expected an unknown column, got {other:?}"),
        }
        match add(ws, "x", rule("monetary * 2")).await {
            Err(e @ Error::Type { .. }) => assert!(e.to_string().contains("Float64"), "{e}"),
            other => panic!("expected a type error, got {other:?}"),
        }
        assert!(matches!(
            add(ws, "x", rule("city + 1 > 0")).await,
            Err(Error::Type { .. })
        ));
        assert!(matches!(
            add(ws, "x", rule("sum(monetary) > 3")).await,
            Err(Error::Type { .. })
        ));
        assert!(matches!(
            add(ws, "x", rule("frequency >")).await,
            Err(Error::Parse { .. })
        ));
        assert!(matches!(
            add(ws, "monetary", rule("true")).await,
            Err(Error::Definition { .. })
        ));
        let enum_spec = |expr: &str| TagSpec {
            value_type: Some(ValueType::Enum),
            allowed_values: Some(vec!["高".into(), "低".into()]),
            ..rule(expr)
        };
        match add(ws, "x", enum_spec("CASE WHEN monetary > 100 THEN '高' ELSE '中' END")).await {
            Err(e @ Error::Type { .. }) => assert!(e.to_string().contains("'中'"), "{e}"),
            other => panic!("expected a label error, got {other:?}"),
        }
        let band = add(
            ws,
            "band",
            enum_spec("CASE WHEN monetary > 100 THEN '高' ELSE '低' END"),
        )
        .await
        .expect("enum");
        let preview = band.preview.expect("preview");
        assert_eq!(
            preview
                .iter()
                .map(|r| (r.value.clone().unwrap_or_default(), r.persons))
                .collect::<Vec<_>>(),
            vec![("低".to_string(), 2), ("高".to_string(), 1)]
        );
        let number = TagSpec {
            value_type: Some(ValueType::Number),
            ..rule("monetary / 2")
        };
        add(ws, "half", number).await.expect("number");
        // Failed saves left nothing behind.
        assert_eq!(
            ids(ws),
            vec!["rfm_group@1", "rfm_score@1", "loyal@1", "band@1", "half@1"]
        );
    }

    #[tokio::test]
    async fn cycles_are_refused_when_saved() {
        let t = workspace(&people()).await;
        let ws = &t.ws;
        add(ws, "a", rule("frequency > 1")).await.expect("a");
        add(ws, "b", rule("a AND monetary > 100")).await.expect("b reads a");
        match edit(ws, "a", rule("b OR frequency > 5")).await {
            Err(Error::Cycle { cycle }) => assert_eq!(cycle, "a → b → a"),
            other => panic!("expected a cycle, got {other:?}"),
        }
        match edit(ws, "a", rule("a OR frequency > 5")).await {
            Err(Error::Cycle { cycle }) => assert_eq!(cycle, "a → a"),
            other => panic!("expected a cycle, got {other:?}"),
        }
        // Reading RFM tags is fine.
        add(ws, "vip", rule("rfm_group = '重要价值客户' AND b"))
            .await
            .expect("reads rfm");
        assert_eq!(ids(ws), vec!["rfm_group@1", "rfm_score@1", "a@1", "b@1", "vip@1"]);
    }

    #[tokio::test]
    async fn editing_a_tag_rechecks_the_tags_that_read_it() {
        let t = workspace(&people()).await;
        let ws = &t.ws;
        add(ws, "a", rule("frequency > 1")).await.expect("a");
        add(ws, "b", rule("a AND monetary > 100")).await.expect("b");
        let to_enum = TagSpec {
            value_type: Some(ValueType::Enum),
            expression: Some("CASE WHEN frequency > 1 THEN 'x' END".into()),
            ..TagSpec::default()
        };
        match edit(ws, "a", to_enum).await {
            Err(Error::Type { tag, .. }) => assert_eq!(tag, "b"),
            other => panic!("expected b to fail, got {other:?}"),
        }
        let v2 = edit(ws, "a", rule("frequency > 2")).await.expect("v2");
        assert_eq!(v2.definition.version, 2);
        let cat = Catalog::load(ws).expect("load");
        assert_eq!(cat.versions("a").len(), 2);
        assert_eq!(cat.versions("a")[0].expression.as_deref(), Some("frequency > 1"));
    }

    #[tokio::test]
    async fn rules_need_features_but_lists_do_not() {
        let t = empty_workspace().await;
        let ws = &t.ws;
        assert!(matches!(
            add(ws, "a", rule("frequency > 1")).await,
            Err(Error::NoFeatures)
        ));
        let list = TagSpec {
            tag_type: Some(TagType::Imported),
            ..TagSpec::default()
        };
        let saved = add(ws, "campaign_list", list).await.expect("imported");
        assert!(saved.preview.is_none());
        assert_eq!(saved.definition.refresh, crate::Refresh::Manual);
    }
}
