//! Which person an activity row belongs to, as SQL every derived plan shares.
//!
//! An order, event, ticket or touch names a `customer_id`. It belongs to the
//! person of the identity link with the same `source` and that record id;
//! failing that (the activity comes from another system than the customer
//! records), to the person of the record id when that id maps to exactly one
//! person across all sources. An id that is ambiguous across sources links
//! nobody rather than guessing.

/// A CTE named `hx_unique_records(record_id, person_id)`: record ids that map
/// to exactly one person across sources. Put it in a `WITH` list.
pub const UNIQUE_RECORDS_CTE: &str = "hx_unique_records AS (\
SELECT record_id, min(person_id) AS person_id FROM identity_links \
GROUP BY record_id HAVING count(DISTINCT person_id) = 1)";

/// The joins and the person expression for table alias `t` (which has
/// `source` and `customer_id`): `(joins, expr)`. The joins need
/// [`UNIQUE_RECORDS_CTE`] in scope.
pub fn person_of(t: &str) -> (String, String) {
    let (l, u) = (format!("hx_l_{t}"), format!("hx_u_{t}"));
    (
        format!(
            "LEFT JOIN identity_links {l} ON {l}.source = {t}.source AND {l}.record_id = {t}.customer_id \
             LEFT JOIN hx_unique_records {u} ON {u}.record_id = {t}.customer_id"
        ),
        format!("coalesce({l}.person_id, {u}.person_id)"),
    )
}

/// The same rule for plans that register the mapping as tables first (the
/// features stage does, once per build, instead of re-deriving
/// `hx_unique_records` in every query), with persons numbered: every link
/// gets a build-local integer `pix` for its person ([`LINKS_TABLE`]), so the
/// plan groups and joins millions of rows on integers, not on string ids.
///
/// A record id with one person across sources maps to that person whatever
/// the activity's source: either the source has the record (same person) or
/// it does not (the unique fallback). Only a record id that maps to several
/// persons needs the activity's source, and such ids are rare, so they get a
/// table of their own ([`AMBIGUOUS_TABLE`]) and the usual plan joins one
/// single-key table.
pub const UNIQUE_TABLE: &str = "hx_person_unique";
/// `(source, record_id, pix)` of the record ids that map to several persons.
pub const AMBIGUOUS_TABLE: &str = "hx_person_ambiguous";
/// `(source, record_id, person_id, pix)`: every identity link with its
/// person's number in this build.
pub const LINKS_TABLE: &str = "hx_person_links";

/// The query that fills [`LINKS_TABLE`]: one scan and one sort of the links;
/// the tables below read it instead of the links and never join on a person
/// id string.
pub fn links_table_sql() -> String {
    "SELECT CAST(source AS VARCHAR) AS source, CAST(record_id AS VARCHAR) AS record_id, \
     CAST(person_id AS VARCHAR) AS person_id, CAST(dense_rank() OVER (ORDER BY person_id) AS BIGINT) AS pix \
     FROM identity_links"
        .to_string()
}

/// The query that fills [`UNIQUE_TABLE`] `(record_id, pix)`; needs [`LINKS_TABLE`].
pub fn unique_table_sql() -> String {
    format!(
        "SELECT record_id, min(pix) AS pix FROM {LINKS_TABLE} \
         GROUP BY record_id HAVING min(pix) = max(pix)"
    )
}

/// The query that fills [`AMBIGUOUS_TABLE`] `(source, record_id, pix)`; needs [`LINKS_TABLE`].
pub fn ambiguous_table_sql() -> String {
    format!(
        "SELECT source, record_id, pix FROM {LINKS_TABLE} WHERE record_id IN \
         (SELECT record_id FROM {LINKS_TABLE} GROUP BY record_id HAVING min(pix) <> max(pix))"
    )
}

/// Like [`person_of`], over the registered [`UNIQUE_TABLE`] and, when
/// `ambiguous` (the ambiguous table is not empty), [`AMBIGUOUS_TABLE`]; the
/// expression is the person's `pix`.
pub fn person_of_tables(t: &str, ambiguous: bool) -> (String, String) {
    let (u, a) = (format!("hx_pu_{t}"), format!("hx_pa_{t}"));
    let unique = format!("LEFT JOIN {UNIQUE_TABLE} {u} ON {u}.record_id = {t}.customer_id");
    if ambiguous {
        (
            format!(
                "{unique} LEFT JOIN {AMBIGUOUS_TABLE} {a} ON {a}.source = {t}.source AND {a}.record_id = {t}.customer_id"
            ),
            format!("coalesce({u}.pix, {a}.pix)"),
        )
    } else {
        (unique, format!("{u}.pix"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    /// Both forms give the same person for every (source, customer_id).
    #[tokio::test]
    async fn the_table_form_is_the_cte_form() {
        let ctx = SessionContext::new();
        let links = ctx
            .sql(
                "SELECT * FROM (VALUES ('a', 'C1', 'P1'), ('b', 'C1', 'P1'), ('a', 'C2', 'P2'), \
                 ('b', 'C2', 'P3'), ('a', 'C3', 'P4')) AS l(source, record_id, person_id)",
            )
            .await
            .expect("links");
        ctx.register_table("identity_links", links.into_view())
            .expect("register");
        let acts = ctx
            .sql(
                "SELECT * FROM (VALUES (1, 'a', 'C1'), (2, 'c', 'C1'), (3, 'a', 'C2'), (4, 'b', 'C2'), \
                 (5, 'c', 'C2'), (6, 'c', 'C3'), (7, 'a', 'C9'), (8, 'a', NULL)) AS t(n, source, customer_id)",
            )
            .await
            .expect("acts");
        ctx.register_table("acts", acts.into_view()).expect("register");
        for (name, sql) in [
            (LINKS_TABLE, links_table_sql()),
            (UNIQUE_TABLE, unique_table_sql()),
            (AMBIGUOUS_TABLE, ambiguous_table_sql()),
        ] {
            let df = ctx.sql(&sql).await.expect("table");
            ctx.register_table(name, df.into_view()).expect("register");
        }
        let run = |sql: String| {
            let ctx = ctx.clone();
            async move {
                let b = ctx.sql(&sql).await.expect("plan").collect().await.expect("run");
                arrow::util::pretty::pretty_format_batches(&b).expect("fmt").to_string()
            }
        };
        let (j, e) = person_of("t");
        let cte = run(format!(
            "WITH {UNIQUE_RECORDS_CTE} SELECT t.n, {e} AS p FROM acts t {j} ORDER BY t.n"
        ))
        .await;
        let (j, e) = person_of_tables("t", true);
        let tables = run(format!(
            "SELECT t.n, i.person_id AS p FROM acts t {j} LEFT JOIN (SELECT DISTINCT person_id, pix FROM {LINKS_TABLE}) i ON i.pix = {e} ORDER BY t.n"
        ))
        .await;
        assert_eq!(cte, tables);
        for want in ["| 2 | P1 |", "| 3 | P2 |", "| 4 | P3 |", "| 5 |    |", "| 6 | P4 |"] {
            assert!(cte.contains(want), "{want} in\n{cte}");
        }
        let (j, e) = person_of_tables("t", false);
        assert!(!j.contains(AMBIGUOUS_TABLE) && e == "hx_pu_t.pix");
    }

    #[test]
    fn joins_name_their_alias() {
        let (j, e) = person_of("o");
        assert!(j.contains("hx_l_o.record_id = o.customer_id"));
        assert_eq!(e, "coalesce(hx_l_o.person_id, hx_u_o.person_id)");
    }
}
