//! Finding the person a support agent means.

use arrow::array::{Array, StringArray};
use huaxiang_core::normalize::{normalize_email, normalize_phone};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

use crate::error::{Error, Result};

/// Quotes a value as an SQL string literal.
pub(crate) fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', "''"))
}

/// The distinct first-column strings of a query.
pub(crate) async fn strings(engine: &SqlEngine, sql: &str) -> Result<Vec<String>> {
    let (_, batches) = engine.query(sql).await?;
    let mut out = Vec::new();
    for b in batches {
        let b = huaxiang_store::table::plain_strings(&b)?;
        if let Some(a) = b
            .columns()
            .first()
            .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        {
            out.extend(a.iter().flatten().map(str::to_string));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The persons `query` names: a person id, a customer record id (of any
/// source), a phone number or an e-mail address, tried in that order.
pub async fn lookup(ws: &Workspace, engine: &SqlEngine, query: &str) -> Result<Vec<String>> {
    let tables = ws.tables();
    if !tables.exists("identity_links") || !tables.exists("persons") {
        return Err(Error::NotBuilt);
    }
    let q = query.trim();
    let by_id = strings(
        engine,
        &format!("SELECT person_id FROM persons WHERE person_id = {}", quote(q)),
    )
    .await?;
    if !by_id.is_empty() {
        return Ok(by_id);
    }
    let by_record = strings(
        engine,
        &format!("SELECT person_id FROM identity_links WHERE record_id = {}", quote(q)),
    )
    .await?;
    if !by_record.is_empty() {
        return Ok(by_record);
    }
    let hashed = if q.contains('@') {
        normalize_email(q).map(|n| ("email", n))
    } else {
        normalize_phone(q).map(|n| ("phone", n))
    };
    let Some((kind, normalized)) = hashed else {
        return Err(Error::NotFound(q.to_string()));
    };
    let hash = ws.keys()?.hash(kind, &normalized);
    let found = strings(
        engine,
        &format!(
            "SELECT l.person_id FROM customers c JOIN identity_links l \
             ON l.source = c.source AND l.record_id = c.record_id WHERE c.{kind}_hash = {}",
            quote(&hash)
        ),
    )
    .await?;
    if found.is_empty() {
        return Err(Error::NotFound(q.to_string()));
    }
    Ok(found)
}
