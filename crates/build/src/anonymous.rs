//! Stitching anonymous activity to persons.
//!
//! A session belongs to the person whose customer id appears on any of its
//! events, so anonymous events before a login count for that person. A device
//! cookie (`anonymous_id`) belongs to a person once it was seen identified
//! with that person — and with no other: a cookie seen with two persons (a
//! shared device, a kiosk) links nobody, so it cannot merge people.

use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::{BuildContext, Stage};

pub struct AnonymousStage;

/// Resolves an activity row's `customer_id` to a person: the identity link of
/// the same source first, else the record id when it is unambiguous across sources.
const STITCH_SQL: &str = r#"
WITH uniq AS (
    SELECT record_id, min(person_id) AS person_id
    FROM identity_links GROUP BY record_id HAVING count(DISTINCT person_id) = 1
),
ident AS (
    SELECT e.session_id, e.anonymous_id, coalesce(l.person_id, u.person_id) AS person_id
    FROM events e
    LEFT JOIN identity_links l ON l.source = e.source AND l.record_id = e.customer_id
    LEFT JOIN uniq u ON u.record_id = e.customer_id
    WHERE e.customer_id IS NOT NULL
),
sessions AS (
    SELECT 'session_id' AS key_kind, session_id AS key, min(person_id) AS person_id, count(DISTINCT person_id) AS persons
    FROM ident WHERE session_id IS NOT NULL AND person_id IS NOT NULL GROUP BY session_id
),
cookies AS (
    SELECT 'anonymous_id' AS key_kind, anonymous_id AS key, min(person_id) AS person_id, count(DISTINCT person_id) AS persons
    FROM ident WHERE anonymous_id IS NOT NULL AND person_id IS NOT NULL GROUP BY anonymous_id
)
SELECT key_kind, key,
       CASE WHEN persons = 1 THEN person_id END AS person_id,
       CASE WHEN persons = 1 THEN 'identified_in_same_' || key_kind ELSE 'ambiguous' END AS rule,
       persons
FROM (SELECT * FROM sessions UNION ALL SELECT * FROM cookies)
"#;

impl Stage for AnonymousStage {
    fn name(&self) -> &'static str {
        "anonymous_links"
    }

    async fn fingerprint(&self, ws: &Workspace, ctx: &BuildContext) -> Result<String> {
        let t = ws.tables();
        let mut h = Sha256::new();
        h.update(format!(
            "events@{:?};links@{:?};{:?}",
            t.version("events").await?,
            t.version("identity_links").await?,
            ctx.as_of_explicit.then_some(ctx.as_of)
        ));
        Ok(hex::encode(h.finalize()))
    }

    async fn run(&self, ws: &Workspace, _ctx: &BuildContext) -> Result<serde_json::Value> {
        let tables = ws.tables();
        if !tables.exists("events") || !tables.exists("identity_links") {
            return Ok(json!({"skipped": "no events or no identity links yet"}));
        }
        let engine = SqlEngine::new(ws, false).await?;
        let (schema, batches) = engine.query(STITCH_SQL).await?;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        tables
            .overwrite("anonymous_links", schema, batches, serde_json::Map::new())
            .await?;
        Ok(json!({"keys": rows}))
    }
}
