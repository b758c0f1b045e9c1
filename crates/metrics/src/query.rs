//! From a metric, dimensions, a range and a filter to one SQL statement.
//!
//! The statement is plain SQL over the workspace views, shaped in readable
//! steps so a user can check it with `huaxiang sql`:
//!
//! 1. `hx_fact`: the fact's rows in the time range (and the metric's filter),
//!    each with its `person_id`;
//! 2. `hx_rows`: the same rows with the label of every dimension used (person
//!    attributes, segment, tags, grains joined or computed), filtered by `--where`;
//! 3. optionally `hx_person`: one row per group and person (two-stage metrics
//!    such as the repurchase rate);
//! 4. the measure, grouped by the `--by` dimensions.
//!
//! Segment membership is the only dimension a person can have several values
//! of; filtering on it without grouping by it would repeat rows, so that case
//! keeps each fact row once (`hx_dedup`).

use huaxiang_features::persons::UNIQUE_RECORDS_CTE;

use crate::anchor::Env;
use crate::catalog::Metric;
use crate::dimension::{self, Dimension, Scope};
use crate::error::{Error, Result};
use crate::expr;
use crate::fact::{Available, Fact};
use crate::range::DayRange;

/// How result rows are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// By the dimension labels (empty labels last).
    #[default]
    Label,
    /// By the metric value, largest first.
    Desc,
    /// By the metric value, smallest first.
    Asc,
}

/// A resolved metric query.
#[derive(Debug, Clone)]
pub struct Query {
    pub metric: Metric,
    /// The `--by` dimensions, in order.
    pub by: Vec<Dimension>,
    /// Dimensions `--where` uses (besides `by`).
    pub filter_dims: Vec<Dimension>,
    /// `--where`, rewritten to the dimension columns.
    pub filter: Option<String>,
    pub range: DayRange,
    pub sort: Sort,
    pub limit: Option<usize>,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Query {
    /// Resolves `by` and `where_` for `metric` in `env`.
    pub fn new(
        metric: &Metric,
        by: &[String],
        where_: Option<&str>,
        range: DayRange,
        sort: Sort,
        limit: Option<usize>,
        env: &Env,
    ) -> Result<Query> {
        let scope = Scope {
            metric: &metric.id,
            allowed: &metric.dimensions,
            native: metric.fact.native_dimensions(),
            grain: metric.grain,
            tags: env.tags.as_deref(),
        };
        let mut dims: Vec<Dimension> = Vec::new();
        for name in by
            .iter()
            .flat_map(|b| b.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let d = dimension::resolve(name, &scope)?;
            if dims.contains(&d) {
                return Err(Error::Dimension {
                    metric: metric.id.clone(),
                    dimension: name.to_string(),
                    message: "given twice in --by".to_string(),
                });
            }
            dims.push(d);
        }
        let mut filter_dims = Vec::new();
        let filter = match where_.map(str::trim).filter(|w| !w.is_empty()) {
            None => None,
            Some(text) => {
                let fail = |message: String| Error::Where {
                    expr: text.to_string(),
                    message,
                };
                let mut e = expr::parse(&expr::quote_tag_refs(text)).map_err(fail)?;
                let columns = metric.fact.columns();
                expr::rename(&mut e, |ident| {
                    let raw = ident.value.as_str();
                    let plain = expr::name_of(ident);
                    if columns.contains(&plain.as_str()) {
                        return Ok(plain);
                    }
                    let d = dimension::resolve(raw, &scope).map_err(|e| match e {
                        Error::Dimension { message, .. } => format!(
                            "`{raw}`: {message}; --where may also use the columns of fact `{}`: {}",
                            metric.fact.name(),
                            columns.join(", ")
                        ),
                        other => other.to_string(),
                    })?;
                    let col = d.column();
                    if !dims.contains(&d) && !filter_dims.contains(&d) {
                        filter_dims.push(d);
                    }
                    Ok(col)
                })
                .map_err(fail)?;
                Some(e.to_string())
            }
        };
        let q = Query {
            metric: metric.clone(),
            by: dims,
            filter_dims,
            filter,
            range,
            sort,
            limit,
        };
        q.check_tables(env)?;
        Ok(q)
    }

    fn all_dims(&self) -> impl Iterator<Item = &Dimension> {
        self.by.iter().chain(self.filter_dims.iter())
    }

    /// Every table the query reads exists.
    fn check_tables(&self, env: &Env) -> Result<()> {
        let missing = |table: &str, hint: &str| Error::MissingTable {
            metric: self.metric.id.clone(),
            table: table.to_string(),
            hint: hint.to_string(),
        };
        let build_hint = "run `huaxiang build` / 请先运行 huaxiang build";
        for t in self.metric.fact.tables() {
            if !env.has(t) {
                let hint = match *t {
                    "identity_links" | "person_attributes" => build_hint,
                    _ => "ingest it first / 请先导入",
                };
                return Err(missing(t, hint));
            }
        }
        if self.metric.fact == Fact::Activity && !env.has("events") && !env.has("orders") {
            return Err(missing("events", "ingest events or orders first / 请先导入"));
        }
        for d in self.all_dims() {
            let t = match d {
                Dimension::Person(_) => "person_attributes",
                Dimension::Segment => "segment_members",
                Dimension::Tag(_) => "person_tags",
                Dimension::Native(_) | Dimension::Grain(_) => continue,
            };
            if !env.has(t) {
                let hint = if t == "segment_members" {
                    "define a segment (`huaxiang segment add`) and run `huaxiang build`"
                } else {
                    build_hint
                };
                return Err(missing(t, hint));
            }
        }
        Ok(())
    }

    /// Whether the result depends only on which persons have a row in each
    /// group, not on how many rows or at what time of the day: the measure
    /// counts distinct persons, there is no per-person stage, and neither
    /// filter reads the time column. Then the compact `activity` table (one
    /// row per person, local day, kind and channel) gives the same numbers
    /// (see [`crate::precompute`]).
    fn counts_persons_only(&self) -> bool {
        let squeeze = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let time = self.metric.time.to_ascii_lowercase();
        let reads_time = |f: &Option<String>| f.as_deref().is_some_and(|f| f.to_ascii_lowercase().contains(&time));
        self.metric.per_person.is_empty()
            && squeeze(&self.metric.measure) == "count(distinctperson_id)"
            && !reads_time(&self.metric.filter)
            && !reads_time(&self.filter)
    }

    /// Whether rows must be de-duplicated after the segment join.
    fn dedupe(&self) -> bool {
        self.filter_dims.contains(&Dimension::Segment) && !self.by.contains(&Dimension::Segment)
    }

    /// The SQL statement.
    pub fn sql(&self, env: &Env) -> String {
        let m = &self.metric;
        let fact = m.fact;
        let avail = Available {
            events: env.has("events"),
            orders: env.has("orders"),
            precomputed: env.precomputed.contains(&fact) && (fact != Fact::Activity || self.counts_persons_only()),
        };
        let mut ctes: Vec<String> = Vec::new();
        if fact.needs_identity_cte(&avail) {
            ctes.push(UNIQUE_RECORDS_CTE.to_string());
        }
        let time = quote(m.time);
        let is_date = fact == Fact::Persons && env.signup_is_date;
        let mut conds = vec![self.range.predicate(&time, env.time_zone, is_date)];
        if let Some(f) = &m.filter {
            conds.push(format!("({f})"));
        }
        let row_id = if self.dedupe() {
            ", row_number() OVER () AS hx_row"
        } else {
            ""
        };
        ctes.push(format!(
            "hx_fact AS (\n  SELECT *{row_id} FROM (\n    {}\n  ) hx_f\n  WHERE {}\n)",
            fact.sql(&avail),
            conds.join("\n    AND ")
        ));

        // A precomputed fact carries the local day of its time column.
        let day_column = fact.precomputed_table(&avail).is_some() && fact.time_columns().first() == Some(&m.time);
        // Labels and joins of the dimensions used.
        let mut labels: Vec<String> = Vec::new();
        let mut joins: Vec<String> = Vec::new();
        let mut join_once = |j: String| {
            if !joins.contains(&j) {
                joins.push(j);
            }
        };
        for d in self.all_dims() {
            let col = quote(&d.column());
            match d {
                Dimension::Native(_) => {}
                Dimension::Person(a) => {
                    join_once("LEFT JOIN person_attributes pa ON pa.person_id = f.person_id".to_string());
                    labels.push(format!("pa.{} AS {col}", quote(a)));
                }
                Dimension::Segment => {
                    join_once(
                        "LEFT JOIN (\n    SELECT DISTINCT m.segment, m.person_id FROM segment_members m\n    \
                         JOIN (SELECT segment, max(build_id) AS build_id FROM segment_members GROUP BY segment) l\n    \
                         ON l.segment = m.segment AND l.build_id = m.build_id\n  ) hx_seg ON hx_seg.person_id = f.person_id"
                            .to_string(),
                    );
                    labels.push(format!("hx_seg.segment AS {col}"));
                }
                Dimension::Tag(id) => {
                    join_once("LEFT JOIN person_tags pt ON pt.person_id = f.person_id".to_string());
                    labels.push(format!("pt.{} AS {col}", quote(id)));
                }
                Dimension::Grain(g) if day_column => {
                    labels.push(format!("{} AS {col}", g.label_of_day_sql("f.hx_day")));
                }
                Dimension::Grain(g) => labels.push(format!("{} AS {col}", g.label_sql(&format!("f.{time}")))),
            }
        }
        let mut select = vec!["f.*".to_string()];
        select.extend(labels);
        let mut rows = format!("SELECT {}\n  FROM hx_fact f", select.join(",\n    "));
        for j in &joins {
            rows.push_str("\n  ");
            rows.push_str(j);
        }
        // The filter sees the labels by name, so it applies one level up.
        let rows = match &self.filter {
            Some(w) => format!("hx_rows AS (\n  SELECT * FROM (\n  {rows}\n  ) hx_r\n  WHERE {w}\n)"),
            None => format!("hx_rows AS (\n  {rows}\n)"),
        };
        ctes.push(rows);

        let by: Vec<String> = self.by.iter().map(|d| quote(&d.column())).collect();
        let mut source = "hx_rows";
        if self.dedupe() {
            let mut cols: Vec<String> = fact.columns().iter().map(|c| quote(c)).collect();
            cols.push("hx_row".to_string());
            cols.extend(by.iter().cloned());
            ctes.push(format!(
                "hx_dedup AS (\n  SELECT DISTINCT {} FROM hx_rows\n)",
                cols.join(", ")
            ));
            source = "hx_dedup";
        }
        if !m.per_person.is_empty() {
            let mut cols = by.clone();
            cols.push("person_id".to_string());
            let keys = cols.join(", ");
            for (name, e) in &m.per_person {
                cols.push(format!("{e} AS {}", quote(name)));
            }
            ctes.push(format!(
                "hx_person AS (\n  SELECT {}\n  FROM {source}\n  WHERE person_id IS NOT NULL\n  GROUP BY {keys}\n)",
                cols.join(", ")
            ));
            source = "hx_person";
        }

        let mut out = format!("WITH {}\nSELECT ", ctes.join(",\n"));
        for b in &by {
            out.push_str(b);
            out.push_str(", ");
        }
        out.push_str(&format!("{} AS {}\nFROM {source}", m.measure, quote(&m.id)));
        if !by.is_empty() {
            out.push_str(&format!("\nGROUP BY {}", by.join(", ")));
            let labels: Vec<String> = self
                .by
                .iter()
                .zip(&by)
                .map(|(d, b)| match d {
                    // Age bands in age order, not text order (`<25` first).
                    Dimension::Person("age_band") => format!(
                        "CASE {b} WHEN '<25' THEN 1 WHEN '25-34' THEN 2 WHEN '35-44' THEN 3 \
                         WHEN '45-54' THEN 4 WHEN '55+' THEN 5 END ASC NULLS LAST, {b} ASC NULLS LAST"
                    ),
                    _ => format!("{b} ASC NULLS LAST"),
                })
                .collect();
            let order = match self.sort {
                Sort::Label => labels,
                Sort::Desc | Sort::Asc => {
                    let dir = if self.sort == Sort::Desc { "DESC" } else { "ASC" };
                    let mut v = vec![format!("{} {dir} NULLS LAST", quote(&m.id))];
                    v.extend(labels);
                    v
                }
            };
            out.push_str(&format!("\nORDER BY {}", order.join(", ")));
        }
        if let Some(n) = self.limit {
            out.push_str(&format!("\nLIMIT {n}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anchor::AsOfSource;
    use crate::catalog::Catalog;
    use crate::range::RangeSpec;
    use chrono::NaiveDate;

    fn env() -> Env {
        Env {
            time_zone: chrono_tz::Asia::Shanghai,
            as_of: NaiveDate::from_ymd_opt(2026, 6, 30).expect("d"),
            as_of_source: AsOfSource::LatestData,
            tables: [
                "orders",
                "order_items",
                "events",
                "tickets",
                "identity_links",
                "person_attributes",
                "person_tags",
                "segment_members",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            tags: Some(vec!["vip".to_string()]),
            signup_is_date: false,
            precomputed: Vec::new(),
        }
    }

    fn query(metric: &str, by: &[&str], where_: Option<&str>, range: RangeSpec) -> Result<Query> {
        let c = Catalog::builtin().expect("catalog");
        let e = env();
        let by: Vec<String> = by.iter().map(|s| s.to_string()).collect();
        Query::new(
            c.find(metric)?,
            &by,
            where_,
            range.resolve(e.as_of),
            Sort::Label,
            None,
            &e,
        )
    }

    #[test]
    fn gmv_by_city_and_month_last_3_months() {
        let q = query(
            "gmv",
            &["城市", "month"],
            Some("city_tier = 1 AND channel = 'app'"),
            RangeSpec::last("3m").expect("3m"),
        )
        .expect("query");
        let sql = q.sql(&env());
        assert!(sql.starts_with("WITH hx_unique_records AS"), "{sql}");
        assert!(
            sql.contains("\"order_time\" >= arrow_cast('2026-04-01T00:00:00+08:00'"),
            "{sql}"
        );
        assert!(
            sql.contains("\"order_time\" < arrow_cast('2026-07-01T00:00:00+08:00'"),
            "{sql}"
        );
        assert!(sql.contains("pa.\"city\" AS \"city\""), "{sql}");
        assert!(sql.contains("pa.\"city_tier\" AS \"city_tier\""), "{sql}");
        assert!(sql.contains("to_char(f.\"order_time\", '%Y-%m') AS \"month\""), "{sql}");
        assert!(
            sql.contains(") hx_r\n  WHERE \"city_tier\" = 1 AND \"channel\" = 'app'"),
            "{sql}"
        );
        assert_eq!(sql.matches("LEFT JOIN person_attributes").count(), 1, "{sql}");
        assert!(sql.contains("sum(amount) AS \"gmv\""), "{sql}");
        assert!(sql.contains("GROUP BY \"city\", \"month\""), "{sql}");
        assert!(
            sql.contains("ORDER BY \"city\" ASC NULLS LAST, \"month\" ASC NULLS LAST"),
            "{sql}"
        );
    }

    #[test]
    fn two_stage_and_filtered_metrics() {
        let sql = query("复购率", &["channel"], None, RangeSpec::All)
            .expect("q")
            .sql(&env());
        assert!(sql.contains("hx_person AS"), "{sql}");
        assert!(sql.contains("GROUP BY \"channel\", person_id"), "{sql}");
        assert!(sql.contains("FROM hx_person"), "{sql}");
        assert!(!sql.contains(">= arrow_cast"), "all history has no lower bound: {sql}");
        let sql = query("refund_rate", &[], None, RangeSpec::All).expect("q").sql(&env());
        assert!(sql.contains("(status IN ('paid', 'refunded'))"), "{sql}");
        assert!(!sql.contains("\nGROUP BY"), "{sql}");
    }

    #[test]
    fn persons_need_no_identity_join_and_segment_filters_dedupe() {
        let sql = query(
            "new_customers",
            &["acquisition_channel"],
            None,
            RangeSpec::last("1y").expect("y"),
        )
        .expect("q")
        .sql(&env());
        assert!(!sql.contains("hx_unique_records"), "{sql}");
        assert!(
            sql.contains("\"first_signup_time\" >= arrow_cast('2026-01-01T00:00:00+08:00'"),
            "{sql}"
        );
        let mut e = env();
        e.signup_is_date = true;
        let sql = query("new_customers", &[], None, RangeSpec::last("1y").expect("y"))
            .expect("q")
            .sql(&e);
        assert!(sql.contains("\"first_signup_time\" >= DATE '2026-01-01'"), "{sql}");

        let sql = query("gmv", &[], Some("segment = 'vip_buyers'"), RangeSpec::All)
            .expect("q")
            .sql(&env());
        assert!(
            sql.contains("row_number() OVER () AS hx_row") && sql.contains("FROM hx_dedup"),
            "{sql}"
        );
        let sql = query("gmv", &["segment"], None, RangeSpec::All).expect("q").sql(&env());
        assert!(
            !sql.contains("hx_dedup") && sql.contains("hx_seg.segment AS \"segment\""),
            "{sql}"
        );
        let sql = query("buyers", &["vip"], Some("tag:vip = true"), RangeSpec::All).expect("q");
        assert!(sql.filter.as_deref() == Some("\"tag:vip\" = true"), "{:?}", sql.filter);
        assert!(sql.sql(&env()).contains("pt.\"vip\" AS \"tag:vip\""));
    }

    #[test]
    fn bad_where_and_missing_tables_are_explained() {
        let e = query("gmv", &[], Some("planet = 'mars'"), RangeSpec::All)
            .expect_err("planet")
            .to_string();
        assert!(e.contains("--where") && e.contains("planet"), "{e}");
        let e = query("gmv", &[], Some("category = '手机'"), RangeSpec::All)
            .expect_err("category")
            .to_string();
        assert!(e.contains("category"), "{e}");
        assert!(query("gmv", &[], Some("amount > 100 AND coupon_used = 1"), RangeSpec::All).is_ok());
        let e = query("gmv", &[], Some("1 = 1; DROP TABLE orders"), RangeSpec::All)
            .expect_err("two")
            .to_string();
        assert!(e.contains("--where"), "{e}");
        let e = query("gmv", &["city", "城市"], None, RangeSpec::All)
            .expect_err("twice")
            .to_string();
        assert!(e.contains("twice"), "{e}");

        let c = Catalog::builtin().expect("catalog");
        let mut e = env();
        e.tables.remove("person_attributes");
        let err = Query::new(
            c.find("gmv").expect("gmv"),
            &["city".into()],
            None,
            RangeSpec::All.resolve(e.as_of),
            Sort::Label,
            None,
            &e,
        )
        .expect_err("no attributes")
        .to_string();
        assert!(
            err.contains("person_attributes") && err.contains("huaxiang build"),
            "{err}"
        );
        assert!(
            Query::new(
                c.find("gmv").expect("gmv"),
                &["channel".into()],
                None,
                RangeSpec::All.resolve(e.as_of),
                Sort::Label,
                None,
                &e
            )
            .is_ok()
        );
        e.tables.remove("tickets");
        let err = Query::new(
            c.find("差评率").expect("neg"),
            &[],
            None,
            RangeSpec::All.resolve(e.as_of),
            Sort::Label,
            None,
            &e,
        )
        .expect_err("no tickets")
        .to_string();
        assert!(err.contains("`tickets`"), "{err}");
    }

    #[test]
    fn precomputed_facts_are_read_when_current_and_exact() {
        let mut e = env();
        e.precomputed = vec![Fact::PaidOrders, Fact::AllOrders, Fact::Sessions, Fact::Activity];
        let c = Catalog::with_overrides(
            "[[metric]]\nid = \"active_days\"\nname_zh = \"活跃天次\"\nname_en = \"Active person-days\"\n\
             fact = \"activity\"\nmeasure = \"count(*)\"\ndimensions = [\"month\"]\ngrain = \"month\"\n",
            "metrics.toml",
        )
        .expect("catalog");
        let sql = |metric: &str, where_: Option<&str>| {
            Query::new(
                c.find(metric).expect("metric"),
                &["month".to_string()],
                where_,
                RangeSpec::last("12m").expect("12m").resolve(e.as_of),
                Sort::Label,
                None,
                &e,
            )
            .expect("query")
            .sql(&e)
        };
        let gmv = sql("gmv", None);
        assert!(gmv.contains("FROM metric_orders WHERE status = 'paid'"), "{gmv}");
        assert!(!gmv.contains("hx_unique_records"), "{gmv}");
        assert!(sql("conversion_rate", None).contains("FROM metric_sessions"));
        let active = sql("active_customers", None);
        assert!(active.contains("FROM metric_activity"), "{active}");
        assert!(active.contains("substr(f.hx_day, 1, 7) AS \"month\""), "{active}");
        // The compact activity rows only serve distinct-person counts with day-aligned filters.
        let timed = sql("active_customers", Some("activity_time > '2026-03-01 12:00:00'"));
        assert!(
            !timed.contains("metric_activity") && timed.contains("FROM events e"),
            "{timed}"
        );
        let days = sql("active_days", None);
        assert!(
            !days.contains("metric_activity") && days.contains("hx_unique_records"),
            "{days}"
        );
        // Not current: the raw plan.
        let sql = sql("average_rating", None);
        assert!(
            sql.contains("FROM tickets t") && sql.starts_with("WITH hx_unique_records"),
            "{sql}"
        );
    }

    #[test]
    fn value_sort_and_limit() {
        let c = Catalog::builtin().expect("catalog");
        let e = env();
        let q = Query::new(
            c.find("category_gmv").expect("m"),
            &["category".into()],
            None,
            RangeSpec::All.resolve(e.as_of),
            Sort::Desc,
            Some(3),
            &e,
        )
        .expect("q");
        let sql = q.sql(&e);
        assert!(
            sql.ends_with("ORDER BY \"category_gmv\" DESC NULLS LAST, \"category\" ASC NULLS LAST\nLIMIT 3"),
            "{sql}"
        );
        assert!(sql.contains("sum(unit_price * qty)"), "{sql}");
    }
}
