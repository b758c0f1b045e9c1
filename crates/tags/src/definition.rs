//! What a tag is: one version of its definition, and the rules every definition obeys
//! on its own (identifier syntax, which fields each type needs, how values are written).
//!
//! Rules that need the data (columns, types, other tags) live in [`crate::validate`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Longest tag id: it becomes a column name of `person_tags`.
pub const MAX_ID_LEN: usize = 63;

/// Columns every evaluation base has, which no tag may shadow.
pub const RESERVED_IDS: &[&str] = &["person_id", "as_of", "build_id", "tag_id", "version", "value"];

/// Where a tag's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TagType {
    /// An SQL expression over features, attributes and other tags.
    Rule,
    /// Built in: RFM quintile scores and groups.
    Rfm,
    /// An SQL expression over model outputs (scores stored as features).
    Model,
    /// Values imported from a CSV file of identifiers.
    Imported,
    /// Values set on single persons by hand.
    Manual,
}

impl TagType {
    pub const ALL: [TagType; 5] = [
        TagType::Rule,
        TagType::Rfm,
        TagType::Model,
        TagType::Imported,
        TagType::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TagType::Rule => "rule",
            TagType::Rfm => "rfm",
            TagType::Model => "model",
            TagType::Imported => "imported",
            TagType::Manual => "manual",
        }
    }

    /// Whether values are computed from an SQL expression.
    pub fn has_expression(self) -> bool {
        matches!(self, TagType::Rule | TagType::Model)
    }

    /// Whether values come from the `tag_assignments` table.
    pub fn is_assigned(self) -> bool {
        matches!(self, TagType::Imported | TagType::Manual)
    }
}

impl std::str::FromStr for TagType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        TagType::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown tag type `{s}` (rule, rfm, model, imported, manual)"))
    }
}

impl std::fmt::Display for TagType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of value a tag holds, which fixes its `person_tags` column type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// Has the tag or not (`Boolean`; only `true` is snapshotted).
    Bool,
    /// One of a set of labels (`Utf8`).
    Enum,
    /// A number (`Float64`).
    Number,
}

impl ValueType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Bool => "bool",
            ValueType::Enum => "enum",
            ValueType::Number => "number",
        }
    }

    /// The SQL type of the tag's column.
    pub fn sql_type(self) -> &'static str {
        match self {
            ValueType::Bool => "BOOLEAN",
            ValueType::Enum => "VARCHAR",
            ValueType::Number => "DOUBLE",
        }
    }

    /// The Arrow type of the tag's `person_tags` column.
    pub fn arrow_type(self) -> arrow::datatypes::DataType {
        match self {
            ValueType::Bool => arrow::datatypes::DataType::Boolean,
            ValueType::Enum => arrow::datatypes::DataType::Utf8,
            ValueType::Number => arrow::datatypes::DataType::Float64,
        }
    }
}

impl std::str::FromStr for ValueType {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "bool" | "boolean" => Ok(ValueType::Bool),
            "enum" => Ok(ValueType::Enum),
            "number" | "numeric" => Ok(ValueType::Number),
            _ => Err(format!("unknown value type `{s}` (bool, enum, number)")),
        }
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a tag's values are recomputed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Refresh {
    /// At every build.
    Build,
    /// Computed once per version and then kept, until `huaxiang tag refresh`.
    /// (Imported and manual tags take their current assignments at every build:
    /// their values change only when someone imports or sets them.)
    Manual,
}

impl Refresh {
    pub fn as_str(self) -> &'static str {
        match self {
            Refresh::Build => "build",
            Refresh::Manual => "manual",
        }
    }
}

impl std::str::FromStr for Refresh {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "build" => Ok(Refresh::Build),
            "manual" => Ok(Refresh::Manual),
            _ => Err(format!("unknown refresh `{s}` (build, manual)")),
        }
    }
}

impl std::fmt::Display for Refresh {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One version of a tag definition, as stored in `meta/tags.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagDef {
    /// Lowercase identifier; the tag's column name in `person_tags`.
    pub tag_id: String,
    /// 1 for the first definition, +1 at every edit.
    pub version: u32,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub owner: String,
    #[serde(rename = "type")]
    pub tag_type: TagType,
    pub value_type: ValueType,
    pub refresh: Refresh,
    /// Rule and model tags: an SQL boolean, a CASE giving enum labels, or a number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Enum tags: the labels the tag may take (empty = any label).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_values: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl TagDef {
    /// Checks what a definition must satisfy on its own.
    pub fn check_shape(&self) -> Result<()> {
        check_id(&self.tag_id)?;
        let bad = |message: String| Error::Definition {
            tag: self.tag_id.clone(),
            message,
        };
        if self.name_zh.trim().is_empty() && self.name_en.trim().is_empty() {
            return Err(bad("需要名称 / a name is required (--name-zh or --name-en)".into()));
        }
        match (self.tag_type.has_expression(), &self.expression) {
            (true, None) => {
                return Err(bad(format!(
                    "{} 标签需要表达式 / a {} tag needs an expression (--expr)",
                    self.tag_type, self.tag_type
                )));
            }
            (true, Some(e)) if e.trim().is_empty() => {
                return Err(bad("表达式为空 / the expression is empty".into()));
            }
            (false, Some(_)) if self.tag_type != TagType::Rfm => {
                return Err(bad(format!(
                    "{} 标签的值来自导入或手工设置，不能有表达式 / a {} tag takes its values from imports or \
                     `huaxiang tag set`, not from an expression",
                    self.tag_type, self.tag_type
                )));
            }
            _ => {}
        }
        if !self.allowed_values.is_empty() && self.value_type != ValueType::Enum {
            return Err(bad(format!(
                "只有 enum 标签可以列出取值 / only enum tags list allowed values (this one is {})",
                self.value_type
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for v in &self.allowed_values {
            if v.trim().is_empty() {
                return Err(bad("取值不能为空 / an allowed value is empty".into()));
            }
            if !seen.insert(v.as_str()) {
                return Err(bad(format!("取值重复 / allowed value `{v}` is listed twice")));
            }
        }
        Ok(())
    }

    /// The display name: "中文 / English" (or whichever exists).
    pub fn display_name(&self) -> String {
        match (self.name_zh.trim().is_empty(), self.name_en.trim().is_empty()) {
            (false, false) if self.name_zh != self.name_en => format!("{} / {}", self.name_zh, self.name_en),
            (false, _) => self.name_zh.clone(),
            _ => self.name_en.clone(),
        }
    }

    /// Normalises one value given by a user (import, `tag set`) to its stored text.
    ///
    /// Bool: `true`/`false` (accepting 1/0, yes/no, y/n, 是/否, t/f); number: a
    /// finite decimal; enum: a non-empty label, among the allowed values when listed.
    pub fn normalize_value(&self, raw: &str) -> std::result::Result<String, String> {
        let v = raw.trim();
        if v.is_empty() {
            return Err("空值 / empty value".into());
        }
        match self.value_type {
            ValueType::Bool => match v.to_lowercase().as_str() {
                "true" | "t" | "1" | "yes" | "y" | "是" => Ok("true".into()),
                "false" | "f" | "0" | "no" | "n" | "否" => Ok("false".into()),
                _ => Err(format!("`{v}` 不是布尔值 / is not a bool (true/false, 1/0, 是/否)")),
            },
            ValueType::Number => match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(format_number(x)),
                _ => Err(format!("`{v}` 不是数值 / is not a number")),
            },
            ValueType::Enum => {
                if !self.allowed_values.is_empty() && !self.allowed_values.iter().any(|a| a == v) {
                    return Err(format!(
                        "`{v}` 不在取值范围内 / is not one of the allowed values: {}",
                        self.allowed_values.join(", ")
                    ));
                }
                Ok(v.to_string())
            }
        }
    }
}

/// The stored text of a number: the shortest decimal that reads back as the same
/// `f64`, without exponent (`3`, `2.5`, `0.1`).
pub fn format_number(x: f64) -> String {
    if x == 0.0 { "0".to_string() } else { format!("{x}") }
}

/// Checks a tag id: a lowercase identifier usable as a column name.
pub fn check_id(id: &str) -> Result<()> {
    let bad = |reason: &str| Error::InvalidId {
        id: id.to_string(),
        reason: reason.to_string(),
    };
    let mut chars = id.chars();
    match chars.next() {
        None => return Err(bad("为空 / it is empty")),
        Some(c) if !c.is_ascii_lowercase() => {
            return Err(bad("须以小写字母开头 / it must start with a lowercase letter a–z"));
        }
        _ => {}
    }
    if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(bad(
            "只能包含小写字母、数字和下划线 / only lowercase letters, digits and `_` are allowed",
        ));
    }
    if id.len() > MAX_ID_LEN {
        return Err(bad("太长 / it is longer than 63 characters"));
    }
    if RESERVED_IDS.contains(&id) || id.starts_with("hx_") {
        return Err(bad("是保留名 / it is a reserved column name"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(tag_type: TagType, value_type: ValueType, expr: Option<&str>) -> TagDef {
        TagDef {
            tag_id: "vip".into(),
            version: 1,
            name_zh: "贵宾".into(),
            name_en: "VIP".into(),
            description: String::new(),
            owner: "ops".into(),
            tag_type,
            value_type,
            refresh: Refresh::Build,
            expression: expr.map(str::to_string),
            allowed_values: Vec::new(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn ids_are_lowercase_identifiers() {
        assert!(check_id("high_value_2").is_ok());
        for bad in [
            "",
            "Vip",
            "2vip",
            "vip-x",
            "person_id",
            "hx_x",
            "vip x",
            &"a".repeat(64),
        ] {
            assert!(check_id(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn shape_depends_on_type() {
        assert!(
            def(TagType::Rule, ValueType::Bool, Some("frequency > 3"))
                .check_shape()
                .is_ok()
        );
        assert!(def(TagType::Rule, ValueType::Bool, None).check_shape().is_err());
        assert!(def(TagType::Rule, ValueType::Bool, Some("  ")).check_shape().is_err());
        assert!(def(TagType::Imported, ValueType::Bool, None).check_shape().is_ok());
        assert!(def(TagType::Manual, ValueType::Bool, Some("x")).check_shape().is_err());
        let mut d = def(TagType::Rule, ValueType::Bool, Some("x"));
        d.allowed_values = vec!["a".into()];
        assert!(d.check_shape().is_err());
        d.value_type = ValueType::Enum;
        assert!(d.check_shape().is_ok());
        d.allowed_values.push("a".into());
        assert!(d.check_shape().is_err());
    }

    #[test]
    fn values_are_normalised_by_type() {
        let b = def(TagType::Imported, ValueType::Bool, None);
        assert_eq!(b.normalize_value(" 是 ").as_deref(), Ok("true"));
        assert_eq!(b.normalize_value("0").as_deref(), Ok("false"));
        assert!(b.normalize_value("maybe").is_err());
        let n = def(TagType::Imported, ValueType::Number, None);
        assert_eq!(n.normalize_value("3").as_deref(), Ok("3"));
        assert_eq!(n.normalize_value("2.5").as_deref(), Ok("2.5"));
        assert!(n.normalize_value("NaN").is_err());
        let mut e = def(TagType::Imported, ValueType::Enum, None);
        e.allowed_values = vec!["金".into(), "银".into()];
        assert_eq!(e.normalize_value("银").as_deref(), Ok("银"));
        assert!(e.normalize_value("铜").is_err());
        assert!(e.normalize_value("").is_err());
    }
}
