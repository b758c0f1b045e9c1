//! The metric catalog: built-in definitions plus the workspace's `metrics.toml`.
//!
//! A metric is defined once, as data: names in Chinese and English, synonyms,
//! the fact it aggregates, an SQL measure, the dimensions it may be cut by and
//! its default grain. The built-in file ships inside the binary; a workspace
//! file adds metrics or replaces built-in ones by id. Everything is checked
//! when loaded (facts, columns, dimensions, grains, names that would find two
//! metrics), so a broken definition fails with its file and metric id instead
//! of a confusing query error later.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::dimension::{Grain, NATIVE, PERSON_ATTRIBUTES, is_class};
use crate::error::{Error, Result};
use crate::expr;
use crate::fact::Fact;

/// The built-in catalog.
pub const BUILTIN: &str = include_str!("builtin.toml");

/// The workspace file that extends the catalog.
pub const WORKSPACE_FILE: &str = "metrics.toml";

/// One `[[metric]]` as written in a catalog file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub synonyms: Vec<String>,
    #[serde(default)]
    pub description: String,
    pub fact: String,
    #[serde(default)]
    pub filter: Option<String>,
    pub measure: String,
    #[serde(default)]
    pub per_person: Option<String>,
    #[serde(default)]
    pub time: Option<String>,
    #[serde(default)]
    pub dimensions: Option<Vec<String>>,
    #[serde(default)]
    pub grain: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    #[serde(default)]
    metric: Vec<MetricDef>,
}

/// A checked metric.
#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    pub synonyms: Vec<String>,
    pub description: String,
    #[serde(serialize_with = "fact_name")]
    pub fact: Fact,
    /// The filter, printed back from its syntax tree.
    pub filter: Option<String>,
    /// The measure, printed back from its syntax tree.
    pub measure: String,
    /// The per-person stage: (name, expression).
    pub per_person: Vec<(String, String)>,
    /// The time column of the fact that ranges and grains apply to.
    pub time: &'static str,
    /// The dimension classes it allows (see [`crate::dimension::is_class`]).
    pub dimensions: Vec<String>,
    #[serde(serialize_with = "grain_name")]
    pub grain: Grain,
    /// `built-in` or the file that defined it.
    pub origin: String,
}

fn fact_name<S: serde::Serializer>(f: &Fact, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(f.name())
}

fn grain_name<S: serde::Serializer>(g: &Grain, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(g.name())
}

/// Every metric, in catalog order, with a name index.
#[derive(Debug, Clone)]
pub struct Catalog {
    metrics: Vec<Metric>,
    names: BTreeMap<String, usize>,
}

/// How names compare: case-insensitive, `_`/`-` as spaces, spaces collapsed.
pub fn normalize_name(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl Catalog {
    /// The built-in catalog only.
    pub fn builtin() -> Result<Catalog> {
        let defs = parse_file(BUILTIN, "built-in")?;
        Catalog::from_defs(
            defs.into_iter().map(|d| (d, "built-in".to_string())).collect(),
            "built-in",
        )
    }

    /// The built-in catalog extended and overridden by `<dir>/metrics.toml` if present.
    pub fn load(dir: &Path) -> Result<Catalog> {
        let path = dir.join(WORKSPACE_FILE);
        if !path.is_file() {
            return Catalog::builtin();
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Catalog {
            file: path.display().to_string(),
            metric: None,
            message: format!("cannot read: {e}"),
        })?;
        Catalog::with_overrides(&text, &path.display().to_string())
    }

    /// The built-in catalog extended and overridden by the catalog text `text` from `file`.
    pub fn with_overrides(text: &str, file: &str) -> Result<Catalog> {
        let mut defs: Vec<(MetricDef, String)> = parse_file(BUILTIN, "built-in")?
            .into_iter()
            .map(|d| (d, "built-in".to_string()))
            .collect();
        let mut seen = Vec::new();
        for d in parse_file(text, file)? {
            if seen.contains(&d.id) {
                return Err(Error::Catalog {
                    file: file.to_string(),
                    metric: Some(d.id.clone()),
                    message: "defined twice in this file".to_string(),
                });
            }
            seen.push(d.id.clone());
            match defs.iter_mut().find(|(b, _)| b.id == d.id) {
                Some(slot) => *slot = (d, file.to_string()),
                None => defs.push((d, file.to_string())),
            }
        }
        Catalog::from_defs(defs, file)
    }

    fn from_defs(defs: Vec<(MetricDef, String)>, file: &str) -> Result<Catalog> {
        let mut metrics = Vec::with_capacity(defs.len());
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        for (def, origin) in defs {
            let m = check(def, &origin)?;
            let i = metrics.len();
            let mut all = vec![m.id.clone(), m.name_zh.clone(), m.name_en.clone()];
            all.extend(m.synonyms.iter().cloned());
            for n in all {
                let key = normalize_name(&n);
                if key.is_empty() {
                    continue;
                }
                match names.get(&key) {
                    Some(&j) if j != i => {
                        let other: &Metric = &metrics[j];
                        return Err(Error::Catalog {
                            file: file.to_string(),
                            metric: Some(m.id.clone()),
                            message: format!(
                                "the name `{n}` already means metric `{}` ({}); names must find one metric",
                                other.id, other.origin
                            ),
                        });
                    }
                    _ => {
                        names.insert(key, i);
                    }
                }
            }
            metrics.push(m);
        }
        Ok(Catalog { metrics, names })
    }

    /// Every metric, built-in ones first.
    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    /// The metric with this id, Chinese or English name, or synonym.
    pub fn find(&self, name: &str) -> Result<&Metric> {
        match self.names.get(&normalize_name(name)) {
            Some(&i) => Ok(&self.metrics[i]),
            None => {
                let key = normalize_name(name);
                let close: Vec<&str> = self
                    .metrics
                    .iter()
                    .filter(|m| {
                        !key.is_empty()
                            && (normalize_name(&m.id).contains(&key)
                                || normalize_name(&m.name_en).contains(&key)
                                || m.name_zh.contains(name.trim())
                                || m.synonyms.iter().any(|s| normalize_name(s).contains(&key)))
                    })
                    .map(|m| m.id.as_str())
                    .collect();
                Err(Error::UnknownMetric {
                    name: name.to_string(),
                    hint: if close.is_empty() {
                        format!(
                            "metrics: {}",
                            self.metrics
                                .iter()
                                .map(|m| m.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    } else {
                        format!("did you mean: {}", close.join(", "))
                    },
                })
            }
        }
    }
}

fn parse_file(text: &str, file: &str) -> Result<Vec<MetricDef>> {
    let parsed: CatalogFile = toml::from_str(text).map_err(|e| Error::Catalog {
        file: file.to_string(),
        metric: None,
        message: e.to_string(),
    })?;
    Ok(parsed.metric)
}

/// The dimension classes a fact supports: its own columns, person attributes,
/// segments, tags and the grains.
pub fn fact_dimensions(fact: Fact) -> Vec<String> {
    let mut out: Vec<String> = fact.native_dimensions().iter().map(|s| s.to_string()).collect();
    out.extend(PERSON_ATTRIBUTES.iter().map(|s| s.to_string()));
    out.push("segment".to_string());
    out.push("tag".to_string());
    out.extend(Grain::ALL.iter().map(|g| g.name().to_string()));
    out
}

/// Checks one definition.
fn check(def: MetricDef, origin: &str) -> Result<Metric> {
    let id = def.id.trim().to_string();
    let fail = |message: String| Error::Catalog {
        file: origin.to_string(),
        metric: Some(id.clone()),
        message,
    };
    let id_ok = id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !id_ok {
        return Err(fail(
            "an id is lower-case letters, digits and `_`, starting with a letter".to_string(),
        ));
    }
    if def.name_zh.trim().is_empty() || def.name_en.trim().is_empty() {
        return Err(fail("name_zh and name_en must not be empty".to_string()));
    }
    let fact = Fact::parse(&def.fact).ok_or_else(|| {
        fail(format!(
            "unknown fact `{}`; facts: {}",
            def.fact,
            Fact::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")
        ))
    })?;
    let columns = fact.columns();
    let known = |what: &str, text: &str, allowed: &[&str]| -> Result<String> {
        let e = expr::parse(text).map_err(|m| fail(format!("{what} `{text}`: {m}")))?;
        for c in expr::columns(&e).map_err(|m| fail(format!("{what} `{text}`: {m}")))? {
            if !allowed.contains(&c.as_str()) {
                return Err(fail(format!(
                    "{what} `{text}`: unknown column `{c}`; the columns here are: {}",
                    allowed.join(", ")
                )));
            }
        }
        Ok(e.to_string())
    };
    let time = match def.time.as_deref().map(str::trim) {
        None | Some("") => fact.time_columns()[0],
        Some(t) => fact.time_columns().iter().find(|c| **c == t).copied().ok_or_else(|| {
            fail(format!(
                "time column `{t}` is not a time column of fact `{}` ({})",
                fact.name(),
                fact.time_columns().join(", ")
            ))
        })?,
    };
    let filter = match def.filter.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(f) => Some(known("filter", f, columns)?),
    };
    let mut per_person = Vec::new();
    let measure = match def.per_person.as_deref().map(str::trim) {
        None | Some("") => known("measure", &def.measure, columns)?,
        Some(list) => {
            let items = expr::parse_aliased_list(list).map_err(|m| fail(format!("per_person `{list}`: {m}")))?;
            let mut stage: Vec<&str> = vec!["person_id"];
            for (name, e) in &items {
                for c in expr::columns(e).map_err(|m| fail(format!("per_person `{list}`: {m}")))? {
                    if !columns.contains(&c.as_str()) {
                        return Err(fail(format!(
                            "per_person `{list}`: unknown column `{c}`; the columns here are: {}",
                            columns.join(", ")
                        )));
                    }
                }
                if stage.contains(&name.as_str()) {
                    return Err(fail(format!("per_person `{list}`: the name `{name}` is used twice")));
                }
                stage.push(name);
            }
            per_person = items.iter().map(|(n, e)| (n.clone(), e.to_string())).collect();
            known("measure", &def.measure, &stage)?
        }
    };
    let supported = fact_dimensions(fact);
    let dimensions = match def.dimensions {
        None => supported,
        Some(list) => {
            let mut out = Vec::new();
            for d in list {
                let d = d.trim().to_string();
                if !is_class(&d) {
                    return Err(fail(format!(
                        "unknown dimension `{d}`; dimensions: {}, {}, segment, tag, day, week, month, quarter, year",
                        PERSON_ATTRIBUTES.join(", "),
                        NATIVE.join(", ")
                    )));
                }
                if !supported.contains(&d) {
                    return Err(fail(format!(
                        "dimension `{d}` does not exist on fact `{}` (it has: {})",
                        fact.name(),
                        supported.join(", ")
                    )));
                }
                if !out.contains(&d) {
                    out.push(d);
                }
            }
            out
        }
    };
    let grain = match def.grain.as_deref().map(str::trim) {
        None | Some("") => Grain::Month,
        Some(g) => {
            Grain::parse(g).ok_or_else(|| fail(format!("unknown grain `{g}`; day, week, month, quarter or year")))?
        }
    };
    Ok(Metric {
        id: id.clone(),
        name_zh: def.name_zh.trim().to_string(),
        name_en: def.name_en.trim().to_string(),
        synonyms: def
            .synonyms
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        description: def.description.trim().to_string(),
        fact,
        filter,
        measure,
        per_person,
        time,
        dimensions,
        grain,
        origin: origin.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIRED: [&str; 16] = [
        "gmv",
        "orders",
        "buyers",
        "gmv_per_buyer",
        "aov",
        "repurchase_rate",
        "refund_rate",
        "coupon_rate",
        "new_customers",
        "active_customers",
        "conversion_rate",
        "average_rating",
        "negative_ticket_rate",
        "category_gmv",
        "refunded_orders",
        "units_sold",
    ];

    #[test]
    fn builtin_catalog_has_every_required_metric() {
        let c = Catalog::builtin().expect("builtin");
        for id in REQUIRED {
            let m = c.find(id).expect(id);
            assert_eq!(m.id, id);
            assert!(!m.name_zh.is_empty() && !m.name_en.is_empty() && !m.description.is_empty());
        }
        assert_eq!(c.metrics().len(), REQUIRED.len());
    }

    #[test]
    fn finds_by_chinese_english_and_synonyms() {
        let c = Catalog::builtin().expect("builtin");
        for (name, id) in [
            ("成交额", "gmv"),
            ("销售额", "gmv"),
            ("Revenue", "gmv"),
            ("客单价", "gmv_per_buyer"),
            ("spend per buyer", "gmv_per_buyer"),
            ("GMV_per_buyer", "gmv_per_buyer"),
            ("平均订单金额", "aov"),
            ("average order value", "aov"),
            ("复购率", "repurchase_rate"),
            ("repeat purchase rate", "repurchase_rate"),
            ("用券率", "coupon_rate"),
            ("新增客户", "new_customers"),
            ("活跃用户", "active_customers"),
            ("差评率", "negative_ticket_rate"),
            ("品类销售额", "category_gmv"),
            ("  订单量 ", "orders"),
            ("退款订单", "refunded_orders"),
            ("refunded orders", "refunded_orders"),
            ("销量", "units_sold"),
            ("units sold", "units_sold"),
        ] {
            assert_eq!(c.find(name).expect(name).id, id, "{name}");
        }
        let e = c.find("利润").expect_err("unknown").to_string();
        assert!(e.contains("利润") && e.contains("gmv"), "{e}");
        let e = c.find("rate").expect_err("vague").to_string();
        assert!(e.contains("did you mean") && e.contains("refund_rate"), "{e}");
    }

    #[test]
    fn workspace_file_adds_and_overrides() {
        let text = r#"
[[metric]]
id = "gmv"
name_zh = "成交额"
name_en = "GMV"
description = "including refunded orders"
fact = "all_orders"
measure = "sum(amount)"
dimensions = ["channel", "month"]

[[metric]]
id = "big_orders"
name_zh = "大额订单数"
name_en = "Big orders"
synonyms = ["big orders"]
fact = "paid_orders"
filter = "amount >= 1000"
measure = "count(*)"
grain = "week"
"#;
        let c = Catalog::with_overrides(text, "metrics.toml").expect("load");
        let g = c.find("gmv").expect("gmv");
        assert_eq!((g.fact, g.origin.as_str()), (Fact::AllOrders, "metrics.toml"));
        assert_eq!(g.dimensions, vec!["channel", "month"]);
        let b = c.find("大额订单数").expect("big");
        assert_eq!(b.filter.as_deref(), Some("amount >= 1000"));
        assert_eq!(b.grain, Grain::Week);
        assert!(b.dimensions.contains(&"coupon_used".to_string()) && !b.dimensions.contains(&"category".to_string()));
        assert_eq!(c.metrics().len(), REQUIRED.len() + 1);
    }

    fn load_err(body: &str) -> String {
        let text = format!("[[metric]]\nid = \"bad\"\nname_zh = \"坏\"\nname_en = \"Bad\"\n{body}");
        Catalog::with_overrides(&text, "ws/metrics.toml")
            .expect_err("should fail")
            .to_string()
    }

    #[test]
    fn broken_definitions_name_the_metric_and_the_problem() {
        let e = load_err("fact = \"payments\"\nmeasure = \"count(*)\"");
        assert!(
            e.contains("ws/metrics.toml") && e.contains("`bad`") && e.contains("unknown fact `payments`"),
            "{e}"
        );
        let e = load_err("fact = \"paid_orders\"\nmeasure = \"sum(price)\"");
        assert!(e.contains("`bad`") && e.contains("unknown column `price`"), "{e}");
        let e = load_err("fact = \"paid_orders\"\nfilter = \"stat = 'x'\"\nmeasure = \"count(*)\"");
        assert!(e.contains("filter") && e.contains("unknown column `stat`"), "{e}");
        let e = load_err("fact = \"paid_orders\"\nmeasure = \"count(*)\"\ndimensions = [\"planet\"]");
        assert!(e.contains("unknown dimension `planet`"), "{e}");
        let e = load_err("fact = \"paid_orders\"\nmeasure = \"count(*)\"\ndimensions = [\"category\"]");
        assert!(e.contains("`category` does not exist on fact `paid_orders`"), "{e}");
        let e = load_err("fact = \"paid_orders\"\nmeasure = \"count(*)\"\ngrain = \"decade\"");
        assert!(e.contains("unknown grain `decade`"), "{e}");
        let e = load_err("fact = \"paid_orders\"\nmeasure = \"count(*)\"\ntime = \"event_time\"");
        assert!(e.contains("time column `event_time`"), "{e}");
        let e = load_err("fact = \"paid_orders\"\nmeasure = \"sum(amount) FROM orders\"");
        assert!(e.contains("measure"), "{e}");
        let e = load_err("fact = \"paid_orders\"\nper_person = \"count(*) AS n\"\nmeasure = \"avg(amount)\"");
        assert!(e.contains("unknown column `amount`"), "{e}");
        let e = load_err("fact = \"paid_orders\"\nmeasure = \"count(*)\"\nsynonyms = [\"销售额\"]");
        assert!(e.contains("`销售额` already means metric `gmv`"), "{e}");
        let e = load_err("fact = \"paid_orders\"\nmeasure = \"count(*)\"\ncolour = \"red\"");
        assert!(e.contains("colour"), "{e}");
        let e = Catalog::with_overrides("[[metric]]\nid = \"Bad Id\"", "m.toml")
            .expect_err("id")
            .to_string();
        assert!(e.contains("m.toml"), "{e}");
    }
}
