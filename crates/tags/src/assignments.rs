//! Values given rather than computed: imported CSV files and manual settings,
//! kept raw in the `tag_assignments` table and resolved to persons at build time.
//!
//! An import names persons by any identifier (person id, customer record id,
//! phone, e-mail). Identifiers are stored as given for ids, and as keyed hashes
//! for phones and e-mails, so the table never holds plain personal data. They
//! are resolved at every build against the identity of that build, so a list
//! imported before a merge still reaches the merged person. An identifier that
//! matches several persons (a shared household phone) reaches nobody and is
//! reported, like one that matches no one.
//!
//! Each import replaces the tag's earlier assignments (the file is the tag's
//! list), unless it is appended; a manual setting on one person applies on top
//! of whatever came before it. The latest assignment of a person wins; a
//! cleared one (NULL value) removes the person's value.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, BooleanArray, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};
use huaxiang_core::normalize::{normalize_email, normalize_phone};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::base::literal;
use crate::catalog::Catalog;
use crate::definition::{TagDef, ValueType};
use crate::error::{Error, Result};

pub const TABLE: &str = "tag_assignments";

/// How many examples a report lists.
pub const EXAMPLES: usize = 5;

/// The kind of identifier an assignment names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    PersonId,
    CustomerId,
    Phone,
    Email,
}

impl IdKind {
    pub const ALL: [IdKind; 4] = [IdKind::PersonId, IdKind::CustomerId, IdKind::Phone, IdKind::Email];

    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::PersonId => "person_id",
            IdKind::CustomerId => "customer_id",
            IdKind::Phone => "phone",
            IdKind::Email => "email",
        }
    }

    /// The identifier as stored: trimmed ids, keyed hashes of normalised phones
    /// and e-mails; and the form shown in reports (masked for phones and e-mails).
    fn stored(
        self,
        raw: &str,
        ws: &Workspace,
        keys: &mut Option<huaxiang_pii::Keys>,
    ) -> Result<(String, String), String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("标识为空 / empty identifier".into());
        }
        let (kind, normalized) = match self {
            IdKind::PersonId | IdKind::CustomerId => return Ok((raw.to_string(), raw.to_string())),
            IdKind::Phone => (
                "phone",
                normalize_phone(raw).ok_or_else(|| "不是有效的电话号码 / not a valid phone number".to_string())?,
            ),
            IdKind::Email => (
                "email",
                normalize_email(raw).ok_or_else(|| "不是有效的邮箱 / not a valid e-mail address".to_string())?,
            ),
        };
        if keys.is_none() {
            *keys = Some(ws.keys().map_err(|e| format!("cannot hash identifiers: {e}"))?);
        }
        let Some(k) = keys.as_ref() else {
            return Err("no key".into());
        };
        let shown = match self {
            IdKind::Phone => huaxiang_pii::mask_phone(&normalized),
            _ => huaxiang_pii::mask_email(&normalized),
        };
        Ok((k.hash(kind, &normalized), shown))
    }
}

impl std::str::FromStr for IdKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        IdKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| format!("unknown id kind `{s}` (person_id, customer_id, phone, email)"))
    }
}

pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("tag_id", DataType::Utf8, false),
        Field::new("id_kind", DataType::Utf8, false),
        Field::new("identifier", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, true),
        Field::new("file", DataType::Utf8, true),
        Field::new("line", DataType::Int64, true),
        Field::new(
            "assigned_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("assigned_by", DataType::Utf8, false),
        Field::new("batch", DataType::Utf8, false),
        Field::new("replaces", DataType::Boolean, false),
    ]))
}

/// One raw assignment.
#[derive(Debug, Clone)]
struct Row {
    id_kind: IdKind,
    identifier: String,
    value: Option<String>,
    line: Option<i64>,
}

/// One batch of assignments written in one commit.
struct Batch<'a> {
    tag: &'a str,
    file: Option<String>,
    at: DateTime<Utc>,
    by: &'a str,
    replaces: bool,
    rows: Vec<Row>,
}

impl Batch<'_> {
    fn id(&self) -> String {
        format!("tag-assign:{}:{}", self.tag, self.at.timestamp_micros())
    }

    async fn append(&self, ws: &Workspace) -> Result<String> {
        let n = self.rows.len();
        let batch = RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(StringArray::from(vec![self.tag; n])),
                Arc::new(StringArray::from_iter_values(
                    self.rows.iter().map(|r| r.id_kind.as_str()),
                )),
                Arc::new(StringArray::from_iter_values(
                    self.rows.iter().map(|r| r.identifier.as_str()),
                )),
                Arc::new(StringArray::from(
                    self.rows.iter().map(|r| r.value.as_deref()).collect::<Vec<_>>(),
                )),
                Arc::new(StringArray::from(vec![self.file.as_deref(); n])),
                Arc::new(Int64Array::from(self.rows.iter().map(|r| r.line).collect::<Vec<_>>())),
                Arc::new(TimestampMicrosecondArray::from(vec![self.at.timestamp_micros(); n]).with_timezone("UTC")),
                Arc::new(StringArray::from(vec![self.by; n])),
                Arc::new(StringArray::from(vec![self.id(); n])),
                Arc::new(BooleanArray::from(vec![self.replaces; n])),
            ],
        )?;
        let id = self.id();
        let mut app = ws.tables().appender(TABLE, schema()).await?;
        app.write(batch).await?;
        let mut meta = serde_json::Map::new();
        meta.insert("tag_id".into(), self.tag.into());
        app.commit(&id, meta).await?;
        Ok(id)
    }
}

/// A problem with one input row.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Issue {
    /// The file the row came from, when reported at build time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// File line (1 = the header), when the row came from a file.
    pub line: Option<i64>,
    /// The identifier as shown (masked for phones and e-mails); absent when only a hash is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    pub reason: String,
}

/// A count of problems with the first few examples.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Issues {
    pub count: usize,
    pub examples: Vec<Issue>,
}

impl Issues {
    fn push(&mut self, issue: Issue) {
        self.count += 1;
        if self.examples.len() < EXAMPLES {
            self.examples.push(issue);
        }
    }
}

/// How the rows of one batch resolve against the current identity.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Resolution {
    /// Whether identity exists yet (else nothing is resolved until `huaxiang build`).
    pub resolved: bool,
    /// Distinct persons reached.
    pub persons: usize,
    /// Rows that reach nobody (no match, or an identifier of several persons).
    pub unmatched: Issues,
}

/// What `huaxiang tag import` did.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub tag_id: String,
    pub file: String,
    pub id_column: String,
    pub id_kind: IdKind,
    pub value_column: Option<String>,
    /// Data rows read.
    pub rows: usize,
    /// Rows stored in `tag_assignments`.
    pub stored: usize,
    /// Rows refused (empty or malformed identifier, bad value).
    pub invalid: Issues,
    pub resolution: Resolution,
    pub replaces: bool,
}

/// Options of an import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub id_column: Option<String>,
    pub value_column: Option<String>,
    pub id_kind: Option<IdKind>,
    /// Keep earlier assignments instead of replacing them.
    pub append: bool,
    /// Who imports (recorded).
    pub user: String,
}

fn import_err(file: &Path, message: impl Into<String>) -> Error {
    Error::Import {
        file: file.display().to_string(),
        message: message.into(),
    }
}

/// The tag `id`, which must take assigned values.
fn assignable<'a>(cat: &'a Catalog, id: &str) -> Result<&'a TagDef> {
    let def = cat.require(id)?;
    if !def.tag_type.is_assigned() {
        return Err(Error::Definition {
            tag: id.to_string(),
            message: format!(
                "{} 标签由计算得出，不能导入或手工设置 / a {} tag is computed; only imported and manual tags take \
                 values from files or `huaxiang tag set`",
                def.tag_type, def.tag_type
            ),
        });
    }
    Ok(def)
}

/// Imports `file` (CSV with a header) as values of tag `tag`.
pub async fn import(ws: &Workspace, tag: &str, file: &Path, opts: &ImportOptions) -> Result<ImportReport> {
    let cat = Catalog::load(ws)?;
    let def = assignable(&cat, tag)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(file)
        .map_err(|e| import_err(file, e.to_string()))?;
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| import_err(file, e.to_string()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let find = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let listed = || headers.join(", ");
    let (id_idx, id_kind) = match (&opts.id_column, opts.id_kind) {
        (Some(c), kind) => {
            let i =
                find(c).ok_or_else(|| import_err(file, format!("没有列 / no column `{c}` (columns: {})", listed())))?;
            (i, kind.unwrap_or_else(|| c.parse().unwrap_or(IdKind::PersonId)))
        }
        (None, Some(kind)) => (find(kind.as_str()).unwrap_or(0), kind),
        (None, None) => IdKind::ALL
            .into_iter()
            .find_map(|k| find(k.as_str()).map(|i| (i, k)))
            .unwrap_or((0, IdKind::PersonId)),
    };
    let value_idx = match &opts.value_column {
        Some(c) => {
            Some(find(c).ok_or_else(|| import_err(file, format!("没有列 / no column `{c}` (columns: {})", listed())))?)
        }
        None => match find("value") {
            Some(i) if i != id_idx => Some(i),
            _ if def.value_type == ValueType::Bool => None,
            _ if headers.len() == 2 => Some(1 - id_idx.min(1)),
            _ => {
                return Err(import_err(
                    file,
                    format!(
                        "请用 --value-column 指定取值列 / say which column holds the values with --value-column (columns: {})",
                        listed()
                    ),
                ));
            }
        },
    };
    if value_idx == Some(id_idx) {
        return Err(import_err(
            file,
            "标识列和取值列相同 / the id column and the value column are the same",
        ));
    }
    let mut keys = None;
    let mut rows = Vec::new();
    let mut shown = std::collections::HashMap::new();
    let mut invalid = Issues::default();
    let mut read = 0usize;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| import_err(file, e.to_string()))?;
        let line = rec.position().map(|p| p.line() as i64);
        read += 1;
        let raw_id = rec.get(id_idx).unwrap_or("");
        let (identifier, show) = match id_kind.stored(raw_id, ws, &mut keys) {
            Ok(x) => x,
            Err(reason) => {
                invalid.push(Issue {
                    file: None,
                    line,
                    identifier: None,
                    reason,
                });
                continue;
            }
        };
        let value = match value_idx {
            None => "true".to_string(),
            Some(i) => match def.normalize_value(rec.get(i).unwrap_or("")) {
                Ok(v) => v,
                Err(reason) => {
                    invalid.push(Issue {
                        file: None,
                        line,
                        identifier: Some(show),
                        reason,
                    });
                    continue;
                }
            },
        };
        if let Some(l) = line {
            shown.insert(l, show);
        }
        rows.push(Row {
            id_kind,
            identifier,
            value: Some(value),
            line,
        });
    }
    if rows.is_empty() {
        let why = invalid
            .examples
            .first()
            .map(|i| format!(" (line {}: {})", i.line.unwrap_or(0), i.reason))
            .unwrap_or_default();
        return Err(import_err(file, format!("没有可导入的行 / no row to import{why}")));
    }
    let batch = Batch {
        tag,
        file: Some(file.display().to_string()),
        at: Utc::now(),
        by: &opts.user,
        replaces: !opts.append,
        rows,
    };
    let batch_id = batch.append(ws).await?;
    let mut resolution = resolve_batch(ws, &batch_id).await?;
    for ex in &mut resolution.unmatched.examples {
        if ex.identifier.is_none() {
            ex.identifier = ex.line.and_then(|l| shown.get(&l).cloned());
        }
    }
    Ok(ImportReport {
        tag_id: tag.to_string(),
        file: file.display().to_string(),
        id_column: headers.get(id_idx).cloned().unwrap_or_default(),
        id_kind,
        value_column: value_idx.and_then(|i| headers.get(i).cloned()),
        rows: read,
        stored: batch.rows.len(),
        invalid,
        resolution,
        replaces: batch.replaces,
    })
}

/// Sets (or with `value = None`, clears) the value of manual or imported tag
/// `tag` on one person. Bool tags default to `true`.
pub async fn set(
    ws: &Workspace,
    tag: &str,
    person_id: &str,
    value: Option<&str>,
    user: &str,
) -> Result<Option<String>> {
    let cat = Catalog::load(ws)?;
    let def = assignable(&cat, tag)?;
    let person_id = person_id.trim();
    if !ws.tables().exists("persons") {
        return Err(Error::NoPersons);
    }
    let engine = SqlEngine::new(ws, false).await?;
    let (_, batches) = engine
        .query(&format!(
            "SELECT count(*) AS n FROM persons WHERE person_id = {}",
            literal(person_id)
        ))
        .await?;
    let n = batches
        .first()
        .and_then(|b| b.column(0).as_any().downcast_ref::<Int64Array>().map(|a| a.value(0)))
        .unwrap_or(0);
    if n == 0 {
        return Err(Error::UnknownPerson(person_id.to_string()));
    }
    let value = match value {
        Some(v) => Some(def.normalize_value(v).map_err(|message| Error::Definition {
            tag: tag.to_string(),
            message,
        })?),
        None => None,
    };
    Batch {
        tag,
        file: None,
        at: Utc::now(),
        by: user,
        replaces: false,
        rows: vec![Row {
            id_kind: IdKind::PersonId,
            identifier: person_id.to_string(),
            value: value.clone(),
            line: None,
        }],
    }
    .append(ws)
    .await?;
    Ok(value)
}

/// The CTEs (without `WITH`) that resolve assignments of `tags`:
/// `hx_eff` (effective raw rows), `hx_idmap(id_kind, identifier, person_id, persons)`
/// and `hx_assigned(tag_id, person_id, value)` (each person's latest value).
/// `None` when there is no `tag_assignments` table yet.
pub fn resolution_ctes(ws: &Workspace, tags: &[&str]) -> Option<String> {
    let t = ws.tables();
    if !t.exists(TABLE) {
        return None;
    }
    let in_list = if tags.is_empty() {
        "NULL".to_string()
    } else {
        tags.iter().map(|s| literal(s)).collect::<Vec<_>>().join(", ")
    };
    let mut ids = Vec::new();
    if t.exists("persons") {
        ids.push("SELECT 'person_id' AS id_kind, person_id AS identifier, person_id FROM persons".to_string());
    } else if t.exists(crate::base::FEATURES) {
        ids.push("SELECT 'person_id' AS id_kind, person_id AS identifier, person_id FROM features".to_string());
    }
    if t.exists("identity_links") {
        ids.push("SELECT 'customer_id' AS id_kind, record_id AS identifier, person_id FROM identity_links".to_string());
        if t.exists("customers") {
            for kind in ["phone", "email"] {
                ids.push(format!(
                    "SELECT '{kind}' AS id_kind, c.{kind}_hash AS identifier, l.person_id FROM customers c \
                     JOIN identity_links l ON l.source = c.source AND l.record_id = c.record_id \
                     WHERE c.{kind}_hash IS NOT NULL"
                ));
            }
        }
    }
    if ids.is_empty() {
        ids.push(
            "SELECT CAST(NULL AS VARCHAR) AS id_kind, CAST(NULL AS VARCHAR) AS identifier, \
             CAST(NULL AS VARCHAR) AS person_id WHERE false"
                .to_string(),
        );
    }
    Some(format!(
        "hx_asg AS (SELECT tag_id, id_kind, identifier, value, file, line, assigned_at, batch, replaces \
            FROM {TABLE} WHERE tag_id IN ({in_list})), \
         hx_cut AS (SELECT tag_id, max(assigned_at) AS since FROM hx_asg WHERE replaces GROUP BY tag_id), \
         hx_eff AS (SELECT s.* FROM hx_asg s LEFT JOIN hx_cut c ON c.tag_id = s.tag_id \
            WHERE c.since IS NULL OR s.assigned_at >= c.since), \
         hx_ids AS ({ids}), \
         hx_idmap AS (SELECT id_kind, identifier, min(person_id) AS person_id, \
            count(DISTINCT person_id) AS persons FROM hx_ids GROUP BY id_kind, identifier), \
         hx_res AS (SELECT e.tag_id, m.person_id, e.value, row_number() OVER (PARTITION BY e.tag_id, m.person_id \
            ORDER BY e.assigned_at DESC, e.line DESC NULLS LAST) AS hx_rn \
            FROM hx_eff e JOIN hx_idmap m ON m.id_kind = e.id_kind AND m.identifier = e.identifier AND m.persons = 1), \
         hx_assigned AS (SELECT tag_id, person_id, value FROM hx_res WHERE hx_rn = 1 AND value IS NOT NULL)",
        ids = ids.join(" UNION ALL ")
    ))
}

/// The query listing effective rows of `tags` that reach nobody:
/// `(tag_id, file, line, reason)`, optionally only those of one batch.
fn unmatched_sql(ctes: &str, batch: Option<&str>) -> String {
    let only = batch
        .map(|b| format!(" AND e.batch = {}", literal(b)))
        .unwrap_or_default();
    format!(
        "WITH {ctes} SELECT e.tag_id, e.file, e.line, \
           CASE WHEN m.identifier IS NULL THEN 'no match' ELSE 'ambiguous' END AS reason \
         FROM hx_eff e LEFT JOIN hx_idmap m ON m.id_kind = e.id_kind AND m.identifier = e.identifier \
         WHERE (m.identifier IS NULL OR m.persons > 1){only} ORDER BY e.tag_id, e.file, e.line"
    )
}

fn reason_text(r: &str) -> String {
    match r {
        "ambiguous" => "对应多个客户 / matches several persons".into(),
        _ => "未匹配到客户 / matches no person".into(),
    }
}

/// Unmatched rows per tag for the given tags (build report).
pub async fn unmatched(
    ws: &Workspace,
    engine: &SqlEngine,
    tags: &[&str],
) -> Result<std::collections::BTreeMap<String, Issues>> {
    let mut out = std::collections::BTreeMap::new();
    let Some(ctes) = resolution_ctes(ws, tags) else {
        return Ok(out);
    };
    let (_, batches) = engine.query(&unmatched_sql(&ctes, None)).await?;
    for b in batches {
        let b = huaxiang_store::table::plain_strings(&b)?;
        let (tag, file, line, reason) = columns4(&b)?;
        for i in 0..b.num_rows() {
            let issues: &mut Issues = out.entry(tag.value(i).to_string()).or_default();
            issues.push(Issue {
                file: (!file.is_null(i)).then(|| file.value(i).to_string()),
                line: (!line.is_null(i)).then(|| line.value(i)),
                identifier: None,
                reason: reason_text(reason.value(i)),
            });
        }
    }
    Ok(out)
}

fn columns4(b: &RecordBatch) -> Result<(&StringArray, &StringArray, &Int64Array, &StringArray)> {
    let s = |i: usize| {
        b.column(i)
            .as_any()
            .downcast_ref::<StringArray>()
            .ok_or_else(|| Error::Internal(format!("column {i} of the unmatched query is not text")))
    };
    let line = b
        .column(2)
        .as_any()
        .downcast_ref::<Int64Array>()
        .ok_or_else(|| Error::Internal("line is not Int64".into()))?;
    Ok((s(0)?, s(1)?, line, s(3)?))
}

/// How one stored batch resolves now.
async fn resolve_batch(ws: &Workspace, batch_id: &str) -> Result<Resolution> {
    let t = ws.tables();
    if !t.exists("identity_links") && !t.exists("persons") {
        return Ok(Resolution::default());
    }
    let engine = SqlEngine::new(ws, false).await?;
    let cat = Catalog::load(ws)?;
    let ids: Vec<&str> = cat.current().iter().map(|d| d.tag_id.as_str()).collect();
    let Some(ctes) = resolution_ctes(ws, &ids) else {
        return Ok(Resolution::default());
    };
    let mut res = Resolution {
        resolved: true,
        ..Resolution::default()
    };
    let (_, batches) = engine.query(&unmatched_sql(&ctes, Some(batch_id))).await?;
    for b in batches {
        let b = huaxiang_store::table::plain_strings(&b)?;
        let (_, _, line, reason) = columns4(&b)?;
        for i in 0..b.num_rows() {
            res.unmatched.push(Issue {
                file: None,
                line: (!line.is_null(i)).then(|| line.value(i)),
                identifier: None,
                reason: reason_text(reason.value(i)),
            });
        }
    }
    let (_, batches) = engine
        .query(&format!(
            "WITH {ctes} SELECT count(DISTINCT m.person_id) AS n FROM hx_eff e JOIN hx_idmap m \
             ON m.id_kind = e.id_kind AND m.identifier = e.identifier AND m.persons = 1 WHERE e.batch = {}",
            literal(batch_id)
        ))
        .await?;
    res.persons = batches
        .first()
        .and_then(|b| b.column(0).as_any().downcast_ref::<Int64Array>().map(|a| a.value(0)))
        .unwrap_or(0) as usize;
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TagSpec;
    use crate::manage::add;
    use crate::testkit::{ctx, person, rows, workspace};
    use crate::{TagType, ValueType};

    fn flat(r: Vec<Vec<String>>) -> Vec<String> {
        r.into_iter().map(|row| row.join("|")).collect()
    }

    fn list_tag(value_type: ValueType, allowed: &[&str], tag_type: TagType) -> TagSpec {
        TagSpec {
            tag_type: Some(tag_type),
            value_type: Some(value_type),
            allowed_values: (!allowed.is_empty()).then(|| allowed.iter().map(|s| s.to_string()).collect()),
            ..TagSpec::default()
        }
    }

    #[tokio::test]
    async fn imports_resolve_phones_and_report_what_reaches_nobody() {
        let mut people = vec![
            person("p1", Some(5), 3, 300.0, "上海"),
            person("p2", Some(9), 1, 90.0, "北京"),
            person("p3", None, 0, 0.0, "上海"),
        ];
        people[0].phone = Some("13812345678");
        people[1].phone = Some("13900000000");
        people[2].phone = Some("139 0000 0000"); // a household phone shared by p2 and p3
        let t = workspace(&people).await;
        let ws = &t.ws;
        add(ws, "campaign", list_tag(ValueType::Bool, &[], TagType::Imported))
            .await
            .expect("tag");
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("list.csv");
        std::fs::write(
            &file,
            "phone,note\n138-1234-5678,a\n13700000000,b\nnot a phone,c\n13900000000,d\n",
        )
        .expect("csv");
        let r = import(ws, "campaign", &file, &ImportOptions::default())
            .await
            .expect("import");
        assert_eq!((r.id_kind, r.value_column.as_deref()), (IdKind::Phone, None));
        assert_eq!((r.rows, r.stored, r.invalid.count), (4, 3, 1));
        assert_eq!(r.invalid.examples[0].line, Some(4));
        assert_eq!(r.resolution.persons, 1);
        assert_eq!(r.resolution.unmatched.count, 2);
        let ex = &r.resolution.unmatched.examples;
        assert_eq!(
            (ex[0].line, ex[0].identifier.as_deref()),
            (Some(3), Some("137****0000"))
        );
        assert!(ex[0].reason.contains("no person"));
        assert_eq!(ex[1].line, Some(5));
        assert!(ex[1].reason.contains("several persons"));
        // No plain phone number is stored.
        let stored = flat(rows(ws, "SELECT identifier FROM tag_assignments").await);
        assert!(
            stored.iter().all(|s| s.len() == 64 && !s.contains("1381234")),
            "{stored:?}"
        );

        let d = crate::run(ws, &ctx(1)).await.expect("build");
        assert_eq!(d["unmatched"]["campaign"]["rows"], 2);
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT person_id FROM person_tags WHERE campaign ORDER BY person_id"
                )
                .await
            ),
            vec!["p1"]
        );
    }

    #[tokio::test]
    async fn imports_replace_or_append_and_manual_settings_apply_on_top() {
        let people = vec![
            person("p1", Some(5), 3, 300.0, "上海"),
            person("p2", Some(9), 1, 90.0, "北京"),
            person("p3", None, 0, 0.0, "上海"),
        ];
        let t = workspace(&people).await;
        let ws = &t.ws;
        add(ws, "grade", list_tag(ValueType::Enum, &["A", "B"], TagType::Imported))
            .await
            .expect("tag");
        let dir = tempfile::tempdir().expect("dir");
        let csv = |name: &str, body: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, body).expect("csv");
            p
        };
        let bad = csv("bad.csv", "customer_id,value\nCp1,C\n");
        assert!(matches!(
            import(ws, "grade", &bad, &ImportOptions::default()).await,
            Err(Error::Import { .. })
        ));
        let first = csv("a.csv", "customer_id,value\nCp1,A\nCp2,B\nCp2,A\nC999,B\n");
        let r = import(ws, "grade", &first, &ImportOptions::default())
            .await
            .expect("import");
        assert_eq!((r.id_kind, r.stored, r.resolution.persons), (IdKind::CustomerId, 4, 2));
        assert_eq!(r.resolution.unmatched.examples[0].identifier.as_deref(), Some("C999"));
        crate::run(ws, &ctx(1)).await.expect("build 1");
        let graded = "SELECT person_id, grade FROM person_tags WHERE grade IS NOT NULL ORDER BY person_id";
        assert_eq!(
            flat(rows(ws, graded).await),
            vec!["p1|A", "p2|A"],
            "the later line wins"
        );

        let second = csv("b.csv", "id,grade_value\nCp3,B\n");
        let opts = ImportOptions {
            id_column: Some("id".into()),
            id_kind: Some(IdKind::CustomerId),
            value_column: Some("grade_value".into()),
            ..ImportOptions::default()
        };
        import(ws, "grade", &second, &opts).await.expect("replace");
        crate::run(ws, &ctx(2)).await.expect("build 2");
        assert_eq!(
            flat(rows(ws, graded).await),
            vec!["p3|B"],
            "an import replaces the list"
        );

        let third = csv("c.csv", "person_id,value\np1,B\n");
        let append = ImportOptions {
            append: true,
            ..ImportOptions::default()
        };
        import(ws, "grade", &third, &append).await.expect("append");
        set(ws, "grade", "p2", Some("A"), "tester").await.expect("set");
        crate::run(ws, &ctx(3)).await.expect("build 3");
        assert_eq!(flat(rows(ws, graded).await), vec!["p1|B", "p2|A", "p3|B"]);
        set(ws, "grade", "p3", None, "tester").await.expect("clear");
        crate::run(ws, &ctx(4)).await.expect("build 4");
        assert_eq!(flat(rows(ws, graded).await), vec!["p1|B", "p2|A"]);
        assert_eq!(
            flat(
                rows(
                    ws,
                    "SELECT person_id, change, old_value FROM tag_history WHERE tag_id = 'grade' AND build_id = 4"
                )
                .await
            ),
            vec!["p3|left|B"]
        );

        assert!(matches!(
            set(ws, "grade", "nobody", Some("A"), "t").await,
            Err(Error::UnknownPerson(_))
        ));
        assert!(matches!(
            set(ws, "grade", "p1", Some("Z"), "t").await,
            Err(Error::Definition { .. })
        ));
        assert!(matches!(
            set(ws, "rfm_group", "p1", Some("x"), "t").await,
            Err(Error::Definition { .. })
        ));
    }
}
