//! Lineage: what each tag depends on, through other tags, down to the
//! features and attributes it reads and the source tables and columns those
//! come from.
//!
//! Feature columns map to source columns through the features stage's own
//! catalogue (`huaxiang_features::catalog`); person attributes through a small
//! static table here. A column neither knows (a user-defined feature from
//! `huaxiang.toml`) depends on the `features` table as a whole.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::base::{ATTRIBUTES, FEATURES, MODEL_SCORES, Origin};
use crate::catalog::Catalog;
use crate::definition::{TagDef, TagType};
use crate::rfm;
use crate::validate::Analysis;

/// Attribute column → source columns (attributes are those of the earliest account).
const ATTRIBUTE_SOURCES: &[(&str, &[&str])] = &[
    ("source", &["customers.source", "customers.signup_time"]),
    ("record_id", &["customers.record_id", "customers.signup_time"]),
    ("gender", &["customers.gender", "customers.signup_time"]),
    ("birth_year", &["customers.birth_year", "customers.signup_time"]),
    ("city", &["customers.city", "customers.signup_time"]),
    ("city_tier", &["customers.city_tier", "customers.signup_time"]),
    ("member_level", &["customers.member_level", "customers.signup_time"]),
    (
        "acquisition_channel",
        &["customers.acquisition_channel", "customers.signup_time"],
    ),
    ("first_signup_time", &["customers.signup_time"]),
    ("age", &["customers.birth_year", "customers.signup_time"]),
    ("age_band", &["customers.birth_year", "customers.signup_time"]),
    ("record_count", &["identity_links.record_id"]),
];

/// The source columns (`table.column`) of a feature, from the features
/// stage's own catalogue; empty when unknown (a user-defined feature).
pub fn feature_sources(name: &str) -> Vec<&'static str> {
    huaxiang_features::catalog::find(name)
        .map(|d| d.sources)
        .or_else(|| huaxiang_features::catalog::dynamic_sources(name))
        .map(<[&str]>::to_vec)
        .unwrap_or_default()
}

/// The source columns of a person attribute; empty when unknown.
pub fn attribute_sources(name: &str) -> Vec<&'static str> {
    ATTRIBUTE_SOURCES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| s.to_vec())
        .unwrap_or_default()
}

/// One node of a lineage tree.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Node {
    /// `tag`, `feature`, `attribute`, `model`, `table` or `column`.
    pub kind: &'static str,
    pub name: String,
    pub children: Vec<Node>,
}

impl Node {
    fn leaf(kind: &'static str, name: impl Into<String>) -> Node {
        Node {
            kind,
            name: name.into(),
            children: Vec::new(),
        }
    }
}

/// The tables and columns under a feature or attribute with the given sources.
fn source_nodes(derived_table: &str, sources: &[&str]) -> Vec<Node> {
    let mut out = vec![Node::leaf("table", derived_table)];
    if sources.is_empty() {
        return out;
    }
    // Activity and account rows reach persons through the identity links.
    out.push(Node::leaf("table", "identity_links"));
    let mut tables: Vec<&str> = Vec::new();
    for s in sources {
        let t = s.split_once('.').map(|(t, _)| t).unwrap_or(s);
        if !tables.contains(&t) {
            tables.push(t);
        }
    }
    for t in tables {
        out.push(Node {
            kind: "table",
            name: t.to_string(),
            children: sources
                .iter()
                .filter(|s| s.starts_with(&format!("{t}.")))
                .map(|s| Node::leaf("column", *s))
                .collect(),
        });
    }
    out
}

fn column_node(name: &str, origin: Origin) -> Node {
    match origin {
        Origin::Feature => Node {
            kind: "feature",
            name: name.to_string(),
            children: source_nodes(FEATURES, &feature_sources(name)),
        },
        Origin::Attribute => Node {
            kind: "attribute",
            name: name.to_string(),
            children: source_nodes(ATTRIBUTES, &attribute_sources(name)),
        },
        // Model outputs are computed from the features by a registered model
        // (`huaxiang model show`), so the lineage continues at `features`.
        Origin::Model => Node {
            kind: "model",
            name: name.to_string(),
            children: vec![Node::leaf("table", MODEL_SCORES), Node::leaf("table", FEATURES)],
        },
    }
}

/// Where a non-tag column comes from: the real base columns when known,
/// else the static maps (an unknown name is a user-defined feature).
fn origin_of(c: &str, analysis: &Analysis) -> Origin {
    if let Some(o) = analysis.columns.as_ref().and_then(|cols| cols.origin(c)) {
        return o;
    }
    if feature_sources(c).is_empty() && !attribute_sources(c).is_empty() {
        Origin::Attribute
    } else {
        Origin::Feature
    }
}

/// The lineage tree of tag `def` (its own node at the root).
pub fn tree(def: &TagDef, cat: &Catalog, analysis: &Analysis) -> Node {
    let mut children = Vec::new();
    match def.tag_type {
        TagType::Rfm => {
            children.extend(rfm::FEATURES.iter().map(|f| column_node(f, Origin::Feature)));
        }
        TagType::Imported | TagType::Manual => {
            children.push(Node::leaf("table", crate::assignments::TABLE));
            children.push(Node::leaf("table", "persons"));
            children.push(Node::leaf("table", "identity_links"));
            children.push(Node {
                kind: "table",
                name: "customers".into(),
                children: vec![
                    Node::leaf("column", "customers.phone_hash"),
                    Node::leaf("column", "customers.email_hash"),
                ],
            });
        }
        TagType::Rule | TagType::Model => {
            for c in analysis
                .parsed
                .get(&def.tag_id)
                .map(|p| &p.columns)
                .into_iter()
                .flatten()
            {
                if let Some(dep) = cat.get(c).filter(|_| analysis.deps.contains_key(c)) {
                    children.push(tree(dep, cat, analysis));
                } else {
                    children.push(column_node(c, origin_of(c, analysis)));
                }
            }
        }
    }
    Node {
        kind: "tag",
        name: def.tag_id.clone(),
        children,
    }
}

/// The flat lineage of a tag: every `(kind, name)` below its root, deduplicated.
pub fn flatten(root: &Node) -> BTreeSet<(&'static str, String)> {
    let mut out = BTreeSet::new();
    let mut stack: Vec<&Node> = root.children.iter().collect();
    while let Some(n) = stack.pop() {
        out.insert((n.kind, n.name.clone()));
        stack.extend(n.children.iter());
    }
    out
}

/// Renders a tree with box-drawing branches, one node per line.
pub fn render(root: &Node, label: &dyn Fn(&Node) -> String) -> String {
    fn walk(n: &Node, prefix: &str, out: &mut String, label: &dyn Fn(&Node) -> String) {
        for (i, c) in n.children.iter().enumerate() {
            let last = i + 1 == n.children.len();
            out.push_str(&format!("{prefix}{}{}\n", if last { "└─ " } else { "├─ " }, label(c)));
            let next = format!("{prefix}{}", if last { "   " } else { "│  " });
            walk(c, &next, out, label);
        }
    }
    let mut out = format!("{}\n", label(root));
    walk(root, "", &mut out, label);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_reach_source_columns() {
        let n = column_node("monetary", Origin::Feature);
        let flat = flatten(&Node {
            kind: "tag",
            name: "x".into(),
            children: vec![n],
        });
        for want in [
            ("feature", "monetary"),
            ("table", "features"),
            ("table", "orders"),
            ("table", "identity_links"),
            ("column", "orders.amount"),
            ("column", "orders.status"),
        ] {
            assert!(
                flat.contains(&(want.0, want.1.to_string())),
                "{want:?} missing from {flat:?}"
            );
        }
        assert_eq!(
            feature_sources("touches_sms"),
            ["touches.customer_id", "touches.touch_time", "touches.channel"]
        );
        assert!(feature_sources("my_user_feature").is_empty());
        assert!(attribute_sources("city").contains(&"customers.city"));
    }

    #[test]
    fn render_draws_branches() {
        let root = Node {
            kind: "tag",
            name: "a".into(),
            children: vec![
                Node {
                    kind: "tag",
                    name: "b".into(),
                    children: vec![Node::leaf("feature", "f")],
                },
                Node::leaf("attribute", "city"),
            ],
        };
        let s = render(&root, &|n| format!("{} {}", n.kind, n.name));
        assert_eq!(s, "tag a\n├─ tag b\n│  └─ feature f\n└─ attribute city\n");
    }
}
