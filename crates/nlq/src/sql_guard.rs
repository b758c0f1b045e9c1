//! The checks SQL written by a language model passes before it runs.
//!
//! A model's reply is untrusted text: it may be wrong, or steered by a
//! question into reading what the asker may not see. So the SQL is parsed
//! with the parser DataFusion itself uses (its `DFParser` over the generic
//! dialect, so the tree checked is the tree that runs) and refused unless:
//!
//! 1. it is exactly one statement;
//! 2. that statement is a query (`SELECT`, `WITH … SELECT`, set operations,
//!    `VALUES`): no `INSERT`/`UPDATE`/`DELETE`, `COPY`, `CREATE`, `SET`,
//!    `SHOW`, `EXPLAIN`, `SELECT … INTO`, `TABLE t`, and no data-changing
//!    statement nested in a `WITH`;
//! 3. every table it reads, in CTEs, subqueries (also inside expressions),
//!    joins and set operations, is one of the allow-listed analytics tables
//!    (the canonical tables, [`ALLOWED_DERIVED`], plus the current `metric_*`
//!    facts), either bare or
//!    qualified as `public.t` / `huaxiang.public.t`; CTE names are allowed,
//!    but a CTE may not take the name of a table that is not allowed (it
//!    could otherwise stand for that table in another scope); `WITH
//!    RECURSIVE` is refused;
//! 4. no table function, `UNNEST`, `PIVOT` or other computed source is read;
//! 5. the outermost query ends with `LIMIT n`, `n` a whole number no larger
//!    than `max_rows`. A missing LIMIT is refused, not added: the SQL shown is
//!    exactly the SQL that ran.
//!
//! Then DataFusion's own reference resolver (`resolve_table_references`, which
//! its planner uses to load the tables a statement needs) lists the tables
//! once more and each must be on the list, so a name this module read
//! differently than DataFusion does still cannot reach a table outside it.
//! The engine itself is read-only and masks personal data, and the caller
//! runs the query under a timeout.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use datafusion::sql::parser::{DFParserBuilder, Statement as DfStatement};
use datafusion::sql::resolve::resolve_table_references;
use datafusion::sql::sqlparser::ast::{
    Expr, Ident, LimitClause, ObjectName, ObjectNamePart, Query, Select, SetExpr, Statement, TableFactor, Value, Visit,
    Visitor,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;

/// The catalog and schema every workspace table is registered under.
pub const CATALOG: &str = "huaxiang";
pub const SCHEMA: &str = "public";

/// The derived workspace tables a model's SQL may read, besides the canonical
/// inputs ([`huaxiang_core::schema::TABLE_NAMES`]), when the workspace has them:
/// identities, the customer 360, tags and segments,
/// model outputs and behaviour analytics. Left out on purpose: `quarantine`
/// (raw rejected input), `ingest_runs` (file paths and errors),
/// `identity_evidence` (matching evidence on identifiers), `models` (the
/// registry's serialized models), run logs (`builds`, `segment_runs`,
/// `cluster_runs`), `tag_lineage`, and any table not listed (a user's own
/// tables, `information_schema`). The precomputed `metric_*` facts are added
/// by the caller only while they are current.
pub const ALLOWED_DERIVED: [&str; 31] = [
    // identities
    "identity_links",
    "persons",
    "anonymous_links",
    // customer 360, tags, segments
    "person_attributes",
    "features",
    "person_tags",
    "tags",
    "tag_values",
    "tag_history",
    "tag_coverage",
    "segments",
    "segment_members",
    "segment_changes",
    // models
    "clusters",
    "cluster_profiles",
    "predictions",
    "model_scores",
    "clv",
    // behaviour and text
    "sessions",
    "lifecycle",
    "recommendations",
    "similar_items",
    "association_rules",
    "cross_sell",
    "funnel_results",
    "paths",
    "path_links",
    "retention",
    "attribution",
    "ticket_text",
    "person_text",
];

/// What a model's SQL may do in one workspace.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Tables that may be read.
    allowed: BTreeSet<String>,
    /// Every table of the workspace (CTE names must not hide the others).
    known: BTreeSet<String>,
    /// The largest LIMIT.
    pub max_rows: usize,
}

impl Policy {
    /// The policy for a workspace with tables `known`: the allow-listed ones
    /// it has, plus `also` (e.g. the current `metric_*` facts).
    pub fn new<I, J>(known: I, also: J, max_rows: usize) -> Policy
    where
        I: IntoIterator,
        I::Item: Into<String>,
        J: IntoIterator,
        J::Item: Into<String>,
    {
        let known: BTreeSet<String> = known.into_iter().map(Into::into).collect();
        let also: BTreeSet<String> = also.into_iter().map(Into::into).collect();
        let allowed = known
            .iter()
            .filter(|t| {
                let t = t.as_str();
                huaxiang_core::schema::TABLE_NAMES.contains(&t) || ALLOWED_DERIVED.contains(&t) || also.contains(t)
            })
            .cloned()
            .collect();
        Policy {
            allowed,
            known,
            max_rows,
        }
    }

    /// The tables that may be read, sorted.
    pub fn allowed(&self) -> impl Iterator<Item = &str> {
        self.allowed.iter().map(String::as_str)
    }

    pub fn allows(&self, table: &str) -> bool {
        self.allowed.contains(table)
    }
}

/// SQL that passed [`check`].
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The statement as it will run: trimmed, without a trailing `;`.
    pub sql: String,
    /// Its top-level LIMIT.
    pub limit: u64,
    /// The workspace tables it reads.
    pub tables: BTreeSet<String>,
}

/// Why SQL was refused; each names the rule that failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GuardError {
    #[error("no SQL in the reply")]
    Empty,
    #[error("the SQL does not parse: {0}")]
    Parse(String),
    #[error("exactly one statement is allowed, the reply has {0}")]
    Statements(usize),
    #[error("only a query (SELECT or WITH … SELECT) may run, not {0}")]
    NotQuery(String),
    #[error("SELECT … INTO is not allowed: a query may not create tables")]
    SelectInto,
    #[error("recursive CTEs (WITH RECURSIVE) are not allowed")]
    Recursive,
    #[error("table `{0}` is not one of the tables the model may read")]
    Table(String),
    #[error("table function `{0}` is not allowed: read the listed tables only")]
    TableFunction(String),
    #[error("{0} is not allowed in FROM: read the listed tables only")]
    Source(String),
    #[error("the CTE name `{0}` is the name of a table the model may not read; use another name")]
    CteShadows(String),
    #[error("the query has no top-level LIMIT; it must end with LIMIT n, n at most {0}")]
    NoLimit(usize),
    #[error("the LIMIT must be a whole number, not `{0}`")]
    LimitNotNumber(String),
    #[error("LIMIT {limit} is more than the {max} rows allowed")]
    LimitTooLarge { limit: u64, max: usize },
}

impl GuardError {
    /// The reason in Chinese.
    pub fn zh(&self) -> String {
        match self {
            GuardError::Empty => "回复中没有 SQL".to_string(),
            GuardError::Parse(m) => format!("SQL 无法解析：{m}"),
            GuardError::Statements(n) => format!("只允许一条语句，回复中有 {n} 条"),
            GuardError::NotQuery(k) => format!("只允许查询（SELECT 或 WITH … SELECT），不允许 {k}"),
            GuardError::SelectInto => "不允许 SELECT … INTO：查询不能建表".to_string(),
            GuardError::Recursive => "不允许递归 CTE（WITH RECURSIVE）".to_string(),
            GuardError::Table(t) => format!("表 `{t}` 不在允许模型读取的表中"),
            GuardError::TableFunction(f) => format!("不允许表函数 `{f}`，只能读取列出的表"),
            GuardError::Source(s) => format!("FROM 中不允许 {s}，只能读取列出的表"),
            GuardError::CteShadows(n) => format!("CTE 名称 `{n}` 与不允许读取的表同名，请换一个名称"),
            GuardError::NoLimit(max) => format!("查询缺少顶层 LIMIT；必须以 LIMIT n 结尾，n 不超过 {max}"),
            GuardError::LimitNotNumber(l) => format!("LIMIT 必须是整数，而不是 `{l}`"),
            GuardError::LimitTooLarge { limit, max } => format!("LIMIT {limit} 超过允许的 {max} 行"),
        }
    }
}

/// Checks `sql` against `policy` without running or planning it.
pub fn check(sql: &str, policy: &Policy) -> Result<Checked, GuardError> {
    let sql = clean(sql);
    if sql.is_empty() {
        return Err(GuardError::Empty);
    }
    let dialect = GenericDialect {};
    let mut statements = DFParserBuilder::new(sql.as_str())
        .with_dialect(&dialect)
        .build()
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| GuardError::Parse(strip_prefix(&e.to_string())))?;
    if statements.len() != 1 {
        return Err(if statements.is_empty() {
            GuardError::Empty
        } else {
            GuardError::Statements(statements.len())
        });
    }
    let Some(parsed) = statements.pop_front() else {
        return Err(GuardError::Empty);
    };
    let statement = match &parsed {
        DfStatement::Statement(s) => s.as_ref(),
        DfStatement::CopyTo(_) => return Err(GuardError::NotQuery("COPY".to_string())),
        DfStatement::CreateExternalTable(_) => {
            return Err(GuardError::NotQuery("CREATE EXTERNAL TABLE".to_string()));
        }
        DfStatement::Explain(_) => return Err(GuardError::NotQuery("EXPLAIN".to_string())),
        DfStatement::Reset(_) => return Err(GuardError::NotQuery("RESET".to_string())),
    };
    let Statement::Query(query) = statement else {
        return Err(GuardError::NotQuery(kind(statement)));
    };
    // CTE names first, from every scope: a reference may come before its WITH in the text.
    let mut ctes = CteNames::default();
    let _ = statement.visit(&mut ctes);
    for name in &ctes.names {
        if policy.known.contains(name) && !policy.allows(name) {
            return Err(GuardError::CteShadows(name.clone()));
        }
    }
    let mut walk = Walk {
        policy,
        ctes: &ctes.names,
        statements: 0,
        tables: BTreeSet::new(),
    };
    if let ControlFlow::Break(e) = statement.visit(&mut walk) {
        return Err(e);
    }
    // DataFusion's reading of the same tree.
    let (tables, _) =
        resolve_table_references(&parsed, true).map_err(|e| GuardError::Parse(strip_prefix(&e.to_string())))?;
    for t in &tables {
        let qualified_ok = t.schema().is_none_or(|s| s == SCHEMA) && t.catalog().is_none_or(|c| c == CATALOG);
        if !qualified_ok || !policy.allows(t.table()) {
            return Err(GuardError::Table(t.to_string()));
        }
    }
    let limit = top_limit(query, policy.max_rows)?;
    Ok(Checked {
        sql,
        limit,
        tables: walk.tables,
    })
}

/// Trimmed, without trailing semicolons.
fn clean(sql: &str) -> String {
    sql.trim()
        .trim_end_matches(|c: char| c == ';' || c.is_whitespace())
        .to_string()
}

/// DataFusion's messages start with a category (`SQL error: ParserError(…)`); the rest says what.
fn strip_prefix(message: &str) -> String {
    let m = message
        .strip_prefix("SQL error: ")
        .or_else(|| message.strip_prefix("Error during planning: "))
        .unwrap_or(message);
    m.chars().take(300).collect()
}

/// The leading keywords of a statement, for messages (`INSERT`, `CREATE TABLE`, `SET` …).
fn kind(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text
        .split_whitespace()
        .take(2)
        .filter(|w| w.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    match upper.as_slice() {
        [] => "this statement".to_string(),
        [first, second] if matches!(first.as_str(), "CREATE" | "DROP" | "ALTER" | "SHOW" | "INSERT") => {
            format!("{first} {second}")
        }
        [first, ..] => first.clone(),
    }
}

/// How DataFusion resolves an identifier: unquoted ones are lower-cased.
fn normalize(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

#[derive(Default)]
struct CteNames {
    names: BTreeSet<String>,
}

impl Visitor for CteNames {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.names.insert(normalize(&cte.alias.name));
            }
        }
        ControlFlow::Continue(())
    }
}

struct Walk<'a> {
    policy: &'a Policy,
    ctes: &'a BTreeSet<String>,
    statements: usize,
    tables: BTreeSet<String>,
}

impl Walk<'_> {
    /// Checks a name read as a table.
    fn relation(&mut self, name: &ObjectName) -> ControlFlow<GuardError> {
        let mut parts = Vec::new();
        for p in &name.0 {
            match p {
                ObjectNamePart::Identifier(i) => parts.push(normalize(i)),
                ObjectNamePart::Function(_) => return ControlFlow::Break(GuardError::TableFunction(name.to_string())),
            }
        }
        let table = match parts.as_slice() {
            [t] if self.ctes.contains(t) => return ControlFlow::Continue(()),
            [t] => t,
            [s, t] if s == SCHEMA => t,
            [c, s, t] if c == CATALOG && s == SCHEMA => t,
            _ => return ControlFlow::Break(GuardError::Table(name.to_string())),
        };
        if !self.policy.allows(table) {
            return ControlFlow::Break(GuardError::Table(name.to_string()));
        }
        self.tables.insert(table.clone());
        ControlFlow::Continue(())
    }
}

impl Visitor for Walk<'_> {
    type Break = GuardError;

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<GuardError> {
        self.statements += 1;
        if self.statements > 1 {
            // A statement inside the query, e.g. `WITH … INSERT`.
            return ControlFlow::Break(GuardError::NotQuery(kind(statement)));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<GuardError> {
        if query.with.as_ref().is_some_and(|w| w.recursive) {
            return ControlFlow::Break(GuardError::Recursive);
        }
        body(&query.body)
    }

    fn pre_visit_select(&mut self, select: &Select) -> ControlFlow<GuardError> {
        if select.into.is_some() {
            return ControlFlow::Break(GuardError::SelectInto);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<GuardError> {
        match factor {
            TableFactor::Table { name, args: None, .. } => self.relation(name),
            TableFactor::Table {
                name, args: Some(_), ..
            }
            | TableFactor::Function { name, .. } => ControlFlow::Break(GuardError::TableFunction(name.to_string())),
            TableFactor::TableFunction { expr, .. } => ControlFlow::Break(GuardError::TableFunction(expr.to_string())),
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => ControlFlow::Continue(()),
            TableFactor::UNNEST { .. } => ControlFlow::Break(GuardError::Source("UNNEST".to_string())),
            TableFactor::JsonTable { .. } | TableFactor::OpenJsonTable { .. } | TableFactor::XmlTable { .. } => {
                ControlFlow::Break(GuardError::Source("a JSON or XML table function".to_string()))
            }
            TableFactor::Pivot { .. } | TableFactor::Unpivot { .. } => {
                ControlFlow::Break(GuardError::Source("PIVOT / UNPIVOT".to_string()))
            }
            _ => ControlFlow::Break(GuardError::Source(
                factor
                    .to_string()
                    .split_whitespace()
                    .next()
                    .unwrap_or("this source")
                    .to_string(),
            )),
        }
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<GuardError> {
        self.relation(relation)
    }
}

/// The parts of a query body that are not a plain SELECT, VALUES, set operation or nested query.
fn body(set: &SetExpr) -> ControlFlow<GuardError> {
    match set {
        SetExpr::Select(_) | SetExpr::Values(_) | SetExpr::Query(_) => ControlFlow::Continue(()),
        SetExpr::SetOperation { left, right, .. } => {
            body(left)?;
            body(right)
        }
        SetExpr::Table(t) => ControlFlow::Break(GuardError::NotQuery(format!(
            "TABLE {}",
            t.table_name.as_deref().unwrap_or("")
        ))),
        SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Merge(s) => {
            ControlFlow::Break(GuardError::NotQuery(kind(s)))
        }
    }
}

/// The top-level LIMIT, checked against `max`.
fn top_limit(query: &Query, max: usize) -> Result<u64, GuardError> {
    let expr = match &query.limit_clause {
        Some(LimitClause::LimitOffset { limit: Some(e), .. }) => e,
        Some(LimitClause::OffsetCommaLimit { limit, .. }) => limit,
        _ => return Err(GuardError::NoLimit(max)),
    };
    let n = match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.to_string().parse::<u64>().ok(),
            _ => None,
        },
        _ => None,
    }
    .ok_or_else(|| GuardError::LimitNotNumber(expr.to_string()))?;
    if n > max as u64 {
        return Err(GuardError::LimitTooLarge { limit: n, max });
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::new(
            [
                "orders",
                "order_items",
                "customers",
                "person_attributes",
                "features",
                "identity_links",
                "quarantine",
                "ingest_runs",
                "tag_lineage",
                "metric_orders",
                "metric_tickets",
            ],
            ["metric_orders"],
            1000,
        )
    }

    fn ok(sql: &str) -> Checked {
        check(sql, &policy()).unwrap_or_else(|e| panic!("{sql}: refused: {e}"))
    }

    fn refused(sql: &str) -> GuardError {
        match check(sql, &policy()) {
            Ok(c) => panic!("{sql}: accepted: {c:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn the_allow_list_keeps_sensitive_tables_out() {
        let p = policy();
        let allowed: Vec<&str> = p.allowed().collect();
        assert_eq!(
            allowed,
            [
                "customers",
                "features",
                "identity_links",
                "metric_orders",
                "order_items",
                "orders",
                "person_attributes"
            ]
        );
        for t in [
            "quarantine",
            "ingest_runs",
            "identity_evidence",
            "models",
            "builds",
            "tag_lineage",
        ] {
            assert!(!ALLOWED_DERIVED.contains(&t), "{t}");
            assert!(!huaxiang_core::schema::TABLE_NAMES.contains(&t), "{t}");
        }
        let all: Vec<&str> = huaxiang_core::schema::TABLE_NAMES
            .into_iter()
            .chain(ALLOWED_DERIVED)
            .collect();
        let unique: BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len());
    }

    #[test]
    fn plain_selects_pass_with_their_tables_and_limit() {
        let c = ok("  SELECT channel, sum(amount) AS gmv FROM orders GROUP BY channel ORDER BY gmv DESC LIMIT 10 ;\n");
        assert_eq!(
            c.sql,
            "SELECT channel, sum(amount) AS gmv FROM orders GROUP BY channel ORDER BY gmv DESC LIMIT 10"
        );
        assert_eq!(c.limit, 10);
        assert_eq!(c.tables, BTreeSet::from(["orders".to_string()]));
        assert_eq!(ok("SELECT 1 AS one LIMIT 1").tables.len(), 0);
        assert_eq!(ok("select count(*) from ORDERS limit 1000").limit, 1000);
        ok("SELECT * FROM orders LIMIT 5 OFFSET 10");
        ok("VALUES (1), (2) LIMIT 2");
    }

    #[test]
    fn joins_subqueries_ctes_and_set_operations_are_walked() {
        let c = ok("WITH paid AS (SELECT * FROM orders WHERE status = 'paid'), \
                    people AS (SELECT DISTINCT person_id, record_id FROM identity_links) \
                    SELECT p.person_id, sum(o.amount) FROM paid o JOIN people p ON p.record_id = o.customer_id \
                    GROUP BY 1 ORDER BY 2 DESC LIMIT 20");
        assert_eq!(
            c.tables,
            BTreeSet::from(["orders".to_string(), "identity_links".to_string()])
        );
        let c = ok("SELECT channel FROM orders UNION ALL SELECT category FROM order_items \
                    EXCEPT SELECT city FROM person_attributes LIMIT 50");
        assert_eq!(c.tables.len(), 3);
        let c = ok("SELECT * FROM (SELECT * FROM (SELECT customer_id FROM orders) a) b \
                    WHERE customer_id IN (SELECT record_id FROM identity_links) \
                    AND EXISTS (SELECT 1 FROM features) LIMIT 3");
        assert_eq!(c.tables.len(), 3);
        ok("SELECT * FROM (orders o JOIN order_items i ON o.order_id = i.order_id) LIMIT 3");
        ok("SELECT (SELECT max(amount) FROM orders) AS top LIMIT 1");
        // A CTE may reuse an allowed name.
        ok("WITH orders AS (SELECT * FROM orders WHERE amount > 0) SELECT count(*) FROM orders LIMIT 1");
        ok("SELECT * FROM metric_orders LIMIT 5");

        for (sql, table) in [
            ("SELECT * FROM quarantine LIMIT 5", "quarantine"),
            (
                "SELECT * FROM orders WHERE order_id IN (SELECT record_id FROM quarantine) LIMIT 5",
                "quarantine",
            ),
            (
                "WITH x AS (SELECT * FROM ingest_runs) SELECT * FROM x LIMIT 5",
                "ingest_runs",
            ),
            ("SELECT 1 FROM orders UNION SELECT 1 FROM users LIMIT 5", "users"),
            (
                "SELECT * FROM orders o LEFT JOIN identity_evidence e ON true LIMIT 5",
                "identity_evidence",
            ),
            ("SELECT * FROM metric_tickets LIMIT 5", "metric_tickets"),
            (
                "SELECT (SELECT count(*) FROM quarantine) AS n FROM orders LIMIT 1",
                "quarantine",
            ),
            (
                "SELECT * FROM orders WHERE EXISTS (SELECT 1 FROM (SELECT * FROM models) m) LIMIT 1",
                "models",
            ),
        ] {
            match refused(sql) {
                GuardError::Table(t) => assert!(t.ends_with(table), "{sql}: {t}"),
                e => panic!("{sql}: {e}"),
            }
        }
    }

    #[test]
    fn quoted_and_qualified_names_resolve_like_datafusion() {
        ok("SELECT * FROM \"orders\" LIMIT 1");
        ok("SELECT * FROM public.orders LIMIT 1");
        ok("SELECT * FROM huaxiang.public.orders LIMIT 1");
        ok("SELECT * FROM HUAXIANG.PUBLIC.ORDERS LIMIT 1");
        ok("SELECT * FROM \"huaxiang\".\"public\".\"orders\" LIMIT 1");
        for sql in [
            "SELECT * FROM \"Orders\" LIMIT 1",
            "SELECT * FROM other.orders LIMIT 1",
            "SELECT * FROM other.public.orders LIMIT 1",
            "SELECT * FROM information_schema.tables LIMIT 1",
            "SELECT * FROM huaxiang.information_schema.columns LIMIT 1",
            "SELECT * FROM a.b.c.orders LIMIT 1",
            "SELECT * FROM \"quarantine\" LIMIT 1",
        ] {
            assert!(matches!(refused(sql), GuardError::Table(_)), "{sql}");
        }
    }

    #[test]
    fn ctes_may_not_hide_tables_that_cannot_be_read() {
        let e = refused("WITH a AS (SELECT * FROM quarantine), quarantine AS (SELECT 1 AS x) SELECT * FROM a LIMIT 1");
        assert_eq!(e, GuardError::CteShadows("quarantine".to_string()));
        assert_eq!(
            refused("WITH quarantine AS (SELECT 1) SELECT * FROM quarantine LIMIT 1"),
            GuardError::CteShadows("quarantine".to_string())
        );
        // A CTE in an inner scope cannot make the table of its name readable outside it.
        assert_eq!(
            refused("SELECT * FROM tag_lineage, (WITH tag_lineage AS (SELECT 1) SELECT * FROM tag_lineage) t LIMIT 1"),
            GuardError::CteShadows("tag_lineage".to_string())
        );
        assert_eq!(
            refused(
                "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT * FROM r LIMIT 5"
            ),
            GuardError::Recursive
        );
    }

    #[test]
    fn only_one_query_statement_runs() {
        assert_eq!(refused("SELECT 1 LIMIT 1; SELECT 2 LIMIT 1"), GuardError::Statements(2));
        assert_eq!(
            refused("SELECT * FROM orders LIMIT 1; DROP TABLE orders"),
            GuardError::Statements(2)
        );
        for (sql, word) in [
            ("DROP TABLE orders", "DROP TABLE"),
            ("DELETE FROM orders", "DELETE"),
            ("INSERT INTO orders SELECT * FROM orders", "INSERT"),
            ("UPDATE orders SET amount = 0", "UPDATE"),
            ("CREATE TABLE x AS SELECT * FROM orders", "CREATE TABLE"),
            (
                "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '/etc/passwd'",
                "CREATE EXTERNAL TABLE",
            ),
            ("COPY orders TO '/tmp/x.csv'", "COPY"),
            ("SET datafusion.execution.batch_size = 1", "SET"),
            ("SHOW TABLES", "SHOW"),
            ("EXPLAIN ANALYZE SELECT * FROM orders LIMIT 1", "EXPLAIN"),
            ("EXPLAIN SELECT * FROM orders LIMIT 1", "EXPLAIN"),
        ] {
            match refused(sql) {
                GuardError::NotQuery(k) => assert!(k.starts_with(word), "{sql}: {k}"),
                e => panic!("{sql}: {e}"),
            }
        }
        assert_eq!(
            refused("SELECT * INTO copy FROM orders LIMIT 1"),
            GuardError::SelectInto
        );
        assert_eq!(refused(""), GuardError::Empty);
        assert_eq!(refused(" ;; "), GuardError::Empty);
        assert!(matches!(refused("SELEKT * FROM orders"), GuardError::Parse(_)));
        // `TABLE t` does not even parse in DataFusion's dialect.
        assert!(matches!(refused("TABLE quarantine"), GuardError::Parse(_)));
        assert!(matches!(refused("SELECT * FROM orders WHERE"), GuardError::Parse(_)));
    }

    #[test]
    fn table_functions_are_refused() {
        for sql in [
            "SELECT * FROM generate_series(1, 10) LIMIT 5",
            "SELECT * FROM range(1000000000) LIMIT 5",
            "SELECT * FROM read_csv('/etc/passwd') LIMIT 5",
            "SELECT * FROM orders o, generate_series(1, 3) g LIMIT 5",
            "SELECT * FROM orders WHERE amount IN (SELECT value FROM generate_series(1, 3)) LIMIT 5",
        ] {
            assert!(matches!(refused(sql), GuardError::TableFunction(_)), "{sql}");
        }
        assert!(matches!(
            refused("SELECT * FROM UNNEST([1, 2, 3]) LIMIT 5"),
            GuardError::Source(_)
        ));
    }

    #[test]
    fn a_top_level_limit_within_max_rows_is_required() {
        assert_eq!(refused("SELECT * FROM orders"), GuardError::NoLimit(1000));
        // A LIMIT inside does not bound the result.
        assert_eq!(
            refused("SELECT * FROM (SELECT * FROM orders LIMIT 5) o"),
            GuardError::NoLimit(1000)
        );
        assert_eq!(
            refused("SELECT channel FROM orders UNION ALL (SELECT category FROM order_items LIMIT 5)"),
            GuardError::NoLimit(1000)
        );
        assert_eq!(
            refused("SELECT * FROM orders LIMIT 1001"),
            GuardError::LimitTooLarge { limit: 1001, max: 1000 }
        );
        assert_eq!(
            refused("SELECT * FROM orders LIMIT 99999999999999999999999"),
            GuardError::LimitNotNumber("99999999999999999999999".to_string())
        );
        assert!(matches!(
            refused("SELECT * FROM orders LIMIT 10 + 5"),
            GuardError::LimitNotNumber(_)
        ));
        assert!(matches!(
            refused("SELECT * FROM orders LIMIT (SELECT count(*) FROM orders)"),
            GuardError::LimitNotNumber(_)
        ));
        assert!(matches!(
            refused("SELECT * FROM orders LIMIT ALL"),
            GuardError::NoLimit(_)
        ));
        assert_eq!(ok("SELECT * FROM orders LIMIT 0").limit, 0);
        assert_eq!(ok("WITH t AS (SELECT * FROM orders) SELECT * FROM t LIMIT 7").limit, 7);
        assert_eq!(
            ok("SELECT channel FROM orders UNION SELECT category FROM order_items ORDER BY 1 LIMIT 9").limit,
            9
        );
    }

    #[test]
    fn every_refusal_names_its_rule_in_both_languages() {
        let all = [
            GuardError::Empty,
            GuardError::Parse("x".into()),
            GuardError::Statements(2),
            GuardError::NotQuery("DROP TABLE".into()),
            GuardError::SelectInto,
            GuardError::Recursive,
            GuardError::Table("users".into()),
            GuardError::TableFunction("generate_series".into()),
            GuardError::Source("UNNEST".into()),
            GuardError::CteShadows("quarantine".into()),
            GuardError::NoLimit(1000),
            GuardError::LimitNotNumber("x".into()),
            GuardError::LimitTooLarge { limit: 5, max: 1 },
        ];
        for e in all {
            assert!(!e.to_string().is_empty());
            assert!(crate::text::is_chinese(&e.zh()), "{e}");
        }
    }
}
