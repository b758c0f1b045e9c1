//! The row a tag expression sees: one per person, the `features` columns, the
//! `person_attributes` columns the features do not already have, the model
//! outputs of `model_scores` (scores, percentiles, CLV, cluster; written by
//! the models stage before tags), and (added by [`crate::evaluate`]) one
//! column per tag.
//!
//! Validation and evaluation both plan against this same relation, built from
//! the real tables, so a definition accepted when saved is planned the same
//! way at build time.

use arrow::datatypes::DataType;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

use crate::error::{Error, Result};

pub const FEATURES: &str = "features";
pub const ATTRIBUTES: &str = "person_attributes";
/// One row per person with the outputs of the workspace's models.
pub const MODEL_SCORES: &str = "model_scores";

/// Where a column of the base comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Feature,
    Attribute,
    /// A model output column of `model_scores`.
    Model,
}

/// The columns of the base (without `person_id`).
#[derive(Debug, Clone)]
pub struct Columns {
    pub features: Vec<(String, DataType)>,
    pub attributes: Vec<(String, DataType)>,
    pub models: Vec<(String, DataType)>,
}

impl Columns {
    /// Reads the schemas of `features` and `person_attributes` from the engine's
    /// views. Without a `features` table there is nothing to evaluate against.
    pub async fn read(ws: &Workspace, engine: &SqlEngine) -> Result<Columns> {
        let tables = ws.tables();
        if !tables.exists(FEATURES) {
            return Err(Error::NoFeatures);
        }
        let ctx = engine.context();
        let fields = |df: datafusion::dataframe::DataFrame| -> Vec<(String, DataType)> {
            df.schema()
                .fields()
                .iter()
                .filter(|f| f.name() != "person_id")
                .map(|f| (f.name().clone(), f.data_type().clone()))
                .collect()
        };
        let features = fields(ctx.table(FEATURES).await?);
        let attributes = if tables.exists(ATTRIBUTES) {
            fields(ctx.table(ATTRIBUTES).await?)
                .into_iter()
                .filter(|(n, _)| !features.iter().any(|(f, _)| f == n))
                .collect()
        } else {
            Vec::new()
        };
        let models = if tables.exists(MODEL_SCORES) {
            fields(ctx.table(MODEL_SCORES).await?)
                .into_iter()
                .filter(|(n, _)| !features.iter().chain(attributes.iter()).any(|(f, _)| f == n))
                .collect()
        } else {
            Vec::new()
        };
        Ok(Columns {
            features,
            attributes,
            models,
        })
    }

    /// Where column `name` comes from, if it is a base column.
    pub fn origin(&self, name: &str) -> Option<Origin> {
        if self.features.iter().any(|(n, _)| n == name) {
            Some(Origin::Feature)
        } else if self.attributes.iter().any(|(n, _)| n == name) {
            Some(Origin::Attribute)
        } else if self.models.iter().any(|(n, _)| n == name) {
            Some(Origin::Model)
        } else {
            None
        }
    }

    /// Every base column name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.features
            .iter()
            .chain(self.attributes.iter())
            .chain(self.models.iter())
            .map(|(n, _)| n.as_str())
    }

    /// The query of the base relation: features left-joined with the
    /// attributes and the model outputs.
    pub fn sql(&self) -> String {
        if self.attributes.is_empty() && self.models.is_empty() {
            return format!("SELECT * FROM {FEATURES}");
        }
        let mut select = vec!["hx_f.*".to_string()];
        select.extend(self.attributes.iter().map(|(n, _)| format!("hx_a.{}", quote(n))));
        select.extend(self.models.iter().map(|(n, _)| format!("hx_m.{}", quote(n))));
        let mut sql = format!("SELECT {} FROM {FEATURES} hx_f", select.join(", "));
        if !self.attributes.is_empty() {
            sql.push_str(&format!(
                " LEFT JOIN {ATTRIBUTES} hx_a ON hx_a.person_id = hx_f.person_id"
            ));
        }
        if !self.models.is_empty() {
            sql.push_str(&format!(
                " LEFT JOIN {MODEL_SCORES} hx_m ON hx_m.person_id = hx_f.person_id"
            ));
        }
        sql
    }
}

/// A double-quoted SQL identifier.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A single-quoted SQL string literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
        let c = Columns {
            features: vec![("frequency".into(), DataType::Int64)],
            attributes: vec![("city".into(), DataType::Utf8)],
            models: vec![("churn_score".into(), DataType::Float64)],
        };
        assert_eq!(c.origin("city"), Some(Origin::Attribute));
        assert_eq!(c.origin("churn_score"), Some(Origin::Model));
        assert!(c.sql().contains("LEFT JOIN model_scores hx_m"));
        assert_eq!(c.origin("frequency"), Some(Origin::Feature));
        assert_eq!(c.origin("x"), None);
        assert!(c.sql().contains("LEFT JOIN person_attributes"));
    }
}
