//! The SQL of the features plan.
//!
//! Shape: each source table is read once and aggregated per person, then the
//! per-person aggregates are joined onto the persons (`hx_attrs`, the rows of
//! `person_attributes`). Orders are the exception that proves the rule: they
//! feed four aggregates (the order features, the favourite channel, hour and
//! weekday) and the order lines, so the person-mapped orders before the cutoff
//! are materialised once (`hx_o`) and every order aggregate reads that.
//!
//! Point in time: every source is filtered on its own time column against the
//! cutoff (the end of the as-of day); order lines are read through their
//! orders. Sessions are stitched from the events before the cutoff alone: a
//! session belongs to the person its customer ids map to, and to nobody when
//! they map to two persons (`anonymous_links` is not used: it is not point in
//! time). Events without a session id count as sessions of their own.
//!
//! Day counts are whole days, `(cutoff − t) / 86 400 s` in integer
//! microseconds, which is the floor because every `t` is before the cutoff.

use datafusion::logical_expr::AggregateUDF;
use huaxiang_core::build::BuildContext;

use crate::catalog::{self, FeatureDef, SCOPE_ATTRIBUTES};
use crate::dynamic::{Dynamic, Family, Named};
use crate::inputs::{instant, view};
use crate::persons::{LINKS_TABLE, person_of_tables};
use crate::type_stats;

/// The accounts of persons, numbered (the rows [`ACCOUNTS`] holds).
pub fn accounts_sql(ctx: &BuildContext) -> String {
    crate::attributes::accounts_sql(ctx, LINKS_TABLE)
}

/// The person attributes with the person's number, the rows [`ATTRS`] holds.
pub fn attrs_sql(ctx: &BuildContext) -> String {
    crate::attributes::sql(ctx, ACCOUNTS)
}

/// The accounts of persons with their global order, registered before [`ATTRS`].
pub const ACCOUNTS: &str = "hx_accounts";
/// The materialised person-mapped orders.
pub const ORDERS: &str = "hx_o";
/// The person attributes with `pix`, registered before the features query runs.
pub const ATTRS: &str = "hx_attrs";
/// The column of the features query that orders its rows by `person_id`:
/// the person's number, which [`crate::persons::links_table_sql`] gives in
/// `person_id` order (dropped from the output).
pub const PERSON_ORDER: &str = "hx_person_order";
/// The events per session with its customer ids ([`session_parts_sql`]).
pub const SESSION_PARTS: &str = "hx_ev";
/// The touches per customer record ([`touch_counts_sql`]).
pub const TOUCH_COUNTS: &str = "hx_xc";

/// Microseconds in a day.
const DAY_US: i64 = 86_400_000_000;
/// The window lengths of `orders_Nd` / `spend_Nd`.
pub const WINDOWS: [i64; 3] = [30, 90, 365];

/// Quotes an SQL string literal.
pub fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Quotes an identifier.
pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The orders before the cutoff that belong to a person (its `pix`, see
/// [`crate::persons`]), one row each, with the time in UTC microseconds and the local hour and weekday (0 = Sunday).
/// `ambiguous`: whether some record ids map to several persons (see
/// [`crate::persons::person_of_tables`]).
pub fn orders_sql(ctx: &BuildContext, ambiguous: bool) -> String {
    let (joins, person) = person_of_tables("oo", ambiguous);
    format!(
        "SELECT {person} AS pix, oo.source, oo.order_id, CAST(oo.order_time AS BIGINT) AS t, \
                date_part('hour', oo.order_time) AS hr, date_part('dow', oo.order_time) AS dow, \
                oo.amount, oo.discount, oo.coupon_used, oo.status, oo.channel \
         FROM {orders} oo {joins} \
         WHERE oo.order_time < {cutoff} AND {person} IS NOT NULL",
        orders = view("orders"),
        cutoff = instant(ctx.cutoff_micros()),
    )
}

/// The rank weight of [`mode_cte`]: ranks stay below it, counts below 2³².
const RANK_WEIGHT: i64 = 1 << 31;

/// A CTE `name(v, r)`: the distinct non-null values of `key` in `from`,
/// numbered from 0 in ascending order.
fn ranks_cte(name: &str, from: &str, key: &str) -> String {
    format!(
        "{name} AS (SELECT v, CAST(row_number() OVER (ORDER BY v) AS BIGINT) - 1 AS r \
         FROM (SELECT DISTINCT {key} AS v FROM {from} WHERE {key} IS NOT NULL))"
    )
}

/// A mode as one integer `max`: `(best, rank of best)`. `best` folds each
/// row's count `n` and its value's `rank` (below `w`) into `n · w + (w − 1 −
/// rank)`, whose maximum is the most frequent value with ties to the
/// smallest; the second expression recovers that rank from a column `best`.
/// This replaces an ordered `first_value`, which DataFusion runs row by row
/// for strings.
fn folded_best(n: &str, rank: &str, w: i64) -> (String, String) {
    (
        format!("max({n} * {w} + ({w} - 1 - {rank}))"),
        format!("{w} - 1 - best % {w}"),
    )
}

/// A CTE `name(pix, mode, share)`: per person, the most frequent value
/// of `key` over the rows of `from` that pass `filter` (ties: the smallest
/// value) and its share of those rows with a value; `ranks` is a
/// [`ranks_cte`] of the values.
fn mode_cte(name: &str, from: &str, key: &str, filter: &str, ranks: &str) -> String {
    let (best, rank) = folded_best("c.n", "rk.r", RANK_WEIGHT);
    let w = RANK_WEIGHT;
    format!(
        "{name} AS (SELECT m.pix, rk.v AS mode, CAST(m.best / {w} AS DOUBLE) / m.total AS share \
         FROM (SELECT c.pix, {best} AS best, sum(c.n) AS total \
               FROM (SELECT pix, {key} AS v, count(*) AS n FROM {from} \
                     WHERE {filter} AND {key} IS NOT NULL GROUP BY pix, {key}) c \
               JOIN {ranks} rk ON rk.v = c.v GROUP BY c.pix) m \
         JOIN {ranks} rk ON rk.r = {rank})"
    )
}

/// Like [`mode_cte`] for a `key` whose values are integers in `0..64` (an
/// hour, a weekday), which are their own ranks: no ranks table to join.
fn small_int_mode_cte(name: &str, from: &str, key: &str, filter: &str) -> String {
    let (best, mode) = folded_best("n", "v", 64);
    format!(
        "{name} AS (SELECT pix, {mode} AS mode, CAST(best / 64 AS DOUBLE) / total AS share \
         FROM (SELECT pix, {best} AS best, sum(n) AS total \
               FROM (SELECT pix, CAST({key} AS BIGINT) AS v, count(*) AS n FROM {from} \
                     WHERE {filter} AND {key} IS NOT NULL GROUP BY pix, {key}) \
               GROUP BY pix))"
    )
}

/// Order aggregates (`f`), favourites (`m_channel`, `m_hour`, `m_weekday`)
/// and order-line categories (`ki`, `k`) over [`ORDERS`].
///
/// The mean interval between paid orders is `(last − first) / (n − 1)`: the
/// consecutive gaps add up to that span. Their spread needs the gaps
/// themselves ([`crate::gaps`]).
fn order_ctes(ctx: &BuildContext) -> Vec<String> {
    let cut = ctx.cutoff_micros();
    let mut windows = Vec::new();
    for n in WINDOWS {
        let w = ctx.window_start_micros(n);
        windows.push(format!("count(*) FILTER (WHERE paid AND t >= {w}) AS orders_{n}d"));
    }
    for n in WINDOWS {
        let w = ctx.window_start_micros(n);
        windows.push(format!("sum(amount) FILTER (WHERE paid AND t >= {w}) AS spend_{n}d"));
    }
    vec![
        format!("op AS (SELECT *, status = 'paid' AS paid FROM {ORDERS})"),
        format!(
            "f AS (SELECT pix, \
             ({cut} - max(t) FILTER (WHERE paid)) / {DAY_US} AS recency_days, \
             count(*) FILTER (WHERE paid) AS frequency, \
             sum(amount) FILTER (WHERE paid) AS monetary, \
             {windows}, \
             avg(CASE WHEN coupon_used THEN 1.0 ELSE 0.0 END) FILTER (WHERE paid) AS coupon_share, \
             avg(CASE WHEN hr IN (22, 23, 0, 1) THEN 1.0 ELSE 0.0 END) FILTER (WHERE paid) AS night_order_share, \
             count(*) FILTER (WHERE status = 'refunded') AS refunds, \
             count(*) FILTER (WHERE status IN ('paid', 'refunded')) AS n_orders, \
             CAST(max(t) FILTER (WHERE paid) - min(t) FILTER (WHERE paid) AS DOUBLE) \
               / nullif(count(*) FILTER (WHERE paid) - 1, 0) / {DAY_US}.0 AS interpurchase_mean_days, \
             {gap_std}(t) FILTER (WHERE paid) / {DAY_US}.0 AS interpurchase_std_days, \
             sum(coalesce(discount, 0.0)) FILTER (WHERE paid) \
               / nullif(sum(amount + coalesce(discount, 0.0)) FILTER (WHERE paid), 0) AS discount_rate, \
             avg(CASE WHEN dow IN (0, 6) THEN 1.0 ELSE 0.0 END) FILTER (WHERE paid) AS weekend_order_share \
             FROM op GROUP BY pix)",
            windows = windows.join(", "),
            gap_std = crate::gaps::NAME,
        ),
        ranks_cte("r_channel", ORDERS, "channel"),
        mode_cte("m_channel", ORDERS, "channel", "status = 'paid'", "r_channel"),
        small_int_mode_cte("m_hour", ORDERS, "hr", "status = 'paid'"),
        small_int_mode_cte(
            "m_weekday",
            ORDERS,
            "CASE WHEN dow = 0 THEN 7 ELSE dow END",
            "status = 'paid'",
        ),
        format!(
            "ki AS (SELECT o.pix, i.category, count(*) AS n FROM {items} i \
             JOIN {ORDERS} o ON o.source = i.source AND o.order_id = i.order_id \
             WHERE o.status = 'paid' AND i.category IS NOT NULL GROUP BY o.pix, i.category)",
            items = view("order_items")
        ),
        ranks_cte("r_category", &view("order_items"), "category"),
        category_cte(),
    ]
}

/// The categories of a person's paid order lines (`k`): how many, the
/// favourite and its share, and their entropy.
fn category_cte() -> String {
    let (best, rank) = folded_best("ki.n", "rk.r", RANK_WEIGHT);
    format!(
        "k AS (SELECT kk.pix, kk.distinct_categories, rk.v AS favourite_category, \
             CAST(kk.best / {w} AS DOUBLE) / kk.total AS favourite_category_share, kk.category_entropy \
             FROM (SELECT ki.pix, count(*) AS distinct_categories, {best} AS best, \
                   CAST(sum(ki.n) AS DOUBLE) AS total, \
                   CASE WHEN count(*) = 1 THEN 0.0 \
                        ELSE log2(CAST(sum(ki.n) AS DOUBLE)) - sum(ki.n * log2(CAST(ki.n AS DOUBLE))) / sum(ki.n) END \
                     AS category_entropy \
                   FROM ki JOIN r_category rk ON rk.v = ki.category GROUP BY ki.pix) kk \
             JOIN r_category rk ON rk.r = {rank})",
        w = RANK_WEIGHT,
    )
}

/// The events before the cutoff counted per session `(source, sid)`, with
/// the session's customer ids ([`crate::distinct_ids`]): the rows of
/// [`SESSION_PARTS`], one `last_<i>` per entry of `event_types`. The counts
/// and latest times per type are one aggregate ([`type_stats`] over
/// [`session_types`]). An event without a session id is a session of its
/// own, `sid` = `event:<event id>`.
///
/// This grouping reads the events themselves, before any join, on the scan's
/// own strings: the person join of [`event_ctes`] then reads one row per
/// session instead of one per event. It needs no person, so a build computes
/// it while the person tables are made. The events with and without a session
/// id are two branches, so that the common case reads no event ids (a table
/// whose every event has a session skips the second branch's row groups on
/// their null counts).
pub fn session_parts_sql(ctx: &BuildContext, event_types: &[Named]) -> String {
    let types = session_types(event_types);
    let at = |ty: &str| types.iter().position(|t| t == ty).unwrap_or_default();
    let mut cols: Vec<String> = SESSION_COUNTS
        .iter()
        .map(|(col, ty)| format!("st['{}'] AS {col}", type_stats::count_field(at(ty))))
        .collect();
    cols.extend((0..event_types.len()).map(|i| format!("st['{}'] AS last_{i}", type_stats::last_field(i))));
    let branch = |sid: &str, has_session: &str| {
        format!(
            "SELECT ev0.source, {sid} AS sid, {ids}(ev0.customer_id) AS ids, \
             {stats}(ev0.event_type, CAST(ev0.event_time AS BIGINT)) AS st \
             FROM {events} ev0 WHERE ev0.event_time < {cutoff} AND ev0.session_id {has_session} \
             GROUP BY ev0.source, {sid}",
            ids = crate::distinct_ids::NAME,
            stats = type_stats::NAME,
            events = view("events"),
            cutoff = instant(ctx.cutoff_micros()),
        )
    };
    format!(
        "SELECT source, sid, ids, {cols} FROM ({} UNION ALL {})",
        branch("ev0.session_id", "IS NOT NULL"),
        branch("concat('event:', ev0.event_id)", "IS NULL"),
        cols = cols.join(", ")
    )
}

/// The types [`type_stats`] counts in [`session_parts_sql`]: the named event
/// types (`last_<i>` is type `i`), then the counted types not among them.
pub fn session_types(event_types: &[Named]) -> Vec<String> {
    let mut types: Vec<String> = event_types.iter().map(|n| n.value.clone()).collect();
    for (_, ty) in SESSION_COUNTS {
        if !types.iter().any(|t| t == ty) {
            types.push(ty.to_string());
        }
    }
    types
}

/// Stitched sessions (`s`) over [`SESSION_PARTS`] and their per-person
/// aggregates (`e`).
///
/// A session with one customer id belongs to that id's person (`s1`); one
/// with several, to their person when they all map to the same one (`sm`);
/// ids that map to nobody are ignored, and a session without ids belongs to
/// nobody.
fn event_ctes(ctx: &BuildContext, dynamic: &Dynamic, ambiguous: bool) -> Vec<String> {
    let cut = ctx.cutoff_micros();
    let (one_joins, one_person) = person_of_tables("one", ambiguous);
    let (many_joins, many_person) = person_of_tables("many", ambiguous);
    let mut cols: Vec<String> = SESSION_COUNTS.iter().map(|(col, _)| col.to_string()).collect();
    let mut since = Vec::new();
    for (i, n) in dynamic.event_types.iter().enumerate() {
        cols.push(format!("last_{i}"));
        since.push(format!(", ({cut} - max(last_{i})) / {DAY_US} AS {}", ident(&n.column)));
    }
    let of = |alias: &str| cols.iter().map(|c| format!(", {alias}.{c}")).collect::<String>();
    vec![
        format!(
            "one AS (SELECT ev.source, ev.ids[1] AS customer_id{cols} FROM {SESSION_PARTS} ev \
             WHERE cardinality(ev.ids) = 1)",
            cols = of("ev")
        ),
        format!(
            "s1 AS (SELECT {one_person} AS pix{cols} FROM one {one_joins})",
            cols = of("one")
        ),
        format!(
            "many AS (SELECT source, sid, unnest(ids) AS customer_id FROM {SESSION_PARTS} WHERE cardinality(ids) > 1)"
        ),
        format!(
            "mp AS (SELECT source, sid, CASE WHEN min(pid) = max(pid) THEN min(pid) END AS pix \
             FROM (SELECT many.source, many.sid, {many_person} AS pid FROM many {many_joins}) \
             GROUP BY source, sid)"
        ),
        format!(
            "sm AS (SELECT mp.pix{cols} FROM {SESSION_PARTS} ev \
             JOIN mp ON mp.source = ev.source AND mp.sid = ev.sid WHERE cardinality(ev.ids) > 1)",
            cols = of("ev")
        ),
        format!(
            "e AS (SELECT pix, count(*) AS sessions, sum(n_view) AS views, sum(n_cart) AS cart_adds, \
             sum(n_search) AS searches, \
             CAST(count(*) FILTER (WHERE n_cart > 0) AS DOUBLE) \
               / nullif(count(*) FILTER (WHERE n_view > 0), 0) AS view_to_cart_rate, \
             CAST(count(*) FILTER (WHERE n_purchase > 0) AS DOUBLE) \
               / nullif(count(*) FILTER (WHERE n_cart > 0), 0) AS cart_to_purchase_rate{since} \
             FROM (SELECT * FROM s1 UNION ALL SELECT * FROM sm) s WHERE pix IS NOT NULL GROUP BY pix)",
            since = since.concat()
        ),
    ]
}

/// The per-record table of `family` and its SQL ([`session_parts_sql`] or
/// [`touch_counts_sql`]), over the family's named values.
pub fn family_parts(ctx: &BuildContext, family: Family, named: &[Named]) -> (&'static str, String) {
    match family {
        Family::EventTypes => (SESSION_PARTS, session_parts_sql(ctx, named)),
        Family::TouchChannels => (TOUCH_COUNTS, touch_counts_sql(ctx, named)),
    }
}

/// The aggregates the SQL of [`family_parts`] calls, to register first.
pub fn family_udafs(family: Family, named: &[Named]) -> Vec<AggregateUDF> {
    match family {
        Family::EventTypes => vec![crate::distinct_ids::udaf(), type_stats::udaf(session_types(named))],
        Family::TouchChannels => Vec::new(),
    }
}

/// The aggregate that reads the per-record table of `family`.
pub fn family_aggregate(family: Family) -> &'static str {
    match family {
        Family::EventTypes => SESSION_AGGREGATE,
        Family::TouchChannels => TOUCH_AGGREGATE,
    }
}

/// The per-session event counts: column and event type.
const SESSION_COUNTS: [(&str, &str); 4] = [
    ("n_view", "product_view"),
    ("n_cart", "add_to_cart"),
    ("n_purchase", "purchase"),
    ("n_search", "search"),
];

/// The touches before the cutoff counted per customer record, in all and
/// per entry of `channels`: the rows of [`TOUCH_COUNTS`]. The person join of
/// `x` then reads one row per record instead of one per touch; like
/// [`session_parts_sql`], a build computes it while the person tables are made.
pub fn touch_counts_sql(ctx: &BuildContext, channels: &[Named]) -> String {
    let per_channel: String = channels
        .iter()
        .map(|n| {
            format!(
                ", count(*) FILTER (WHERE tc.channel = {}) AS {}",
                lit(&n.value),
                ident(&n.column)
            )
        })
        .collect();
    format!(
        "SELECT tc.source, tc.customer_id, count(*) AS touch_count{per_channel} \
         FROM {touches} tc WHERE tc.touch_time < {cutoff} AND tc.customer_id IS NOT NULL \
         GROUP BY tc.source, tc.customer_id",
        touches = view("touches"),
        cutoff = instant(ctx.cutoff_micros()),
    )
}

/// The tickets per person (`t`).
fn ticket_cte(ctx: &BuildContext, ambiguous: bool) -> String {
    let cutoff = instant(ctx.cutoff_micros());
    let (tj, tp) = person_of_tables("tk", ambiguous);
    format!(
        "t AS (SELECT {tp} AS pix, count(*) AS ticket_count, \
         avg(CAST(tk.rating AS DOUBLE)) AS mean_rating, \
         CAST(count(*) FILTER (WHERE tk.rating <= 2) AS DOUBLE) / nullif(count(tk.rating), 0) \
           AS negative_ticket_share \
         FROM {tickets} tk {tj} WHERE tk.created_at < {cutoff} AND {tp} IS NOT NULL GROUP BY {tp})",
        tickets = view("tickets")
    )
}

/// The touches per person (`x`), over [`TOUCH_COUNTS`].
fn touch_cte(dynamic: &Dynamic, ambiguous: bool) -> String {
    let (xj, xp) = person_of_tables("tc", ambiguous);
    let channel_sums: String = dynamic
        .touch_channels
        .iter()
        .map(|n| format!(", sum(tc.{col}) AS {col}", col = ident(&n.column)))
        .collect();
    format!(
        "x AS (SELECT {xp} AS pix, sum(tc.touch_count) AS touch_count{channel_sums} \
         FROM {TOUCH_COUNTS} tc {xj} WHERE {xp} IS NOT NULL GROUP BY {xp})"
    )
}

/// One output column: its name and its projection over the aggregates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub select: String,
}

fn fixed(d: &FeatureDef, cut: i64) -> Column {
    Column {
        name: d.name.to_string(),
        select: d.select.replace("{cut}", &cut.to_string()),
    }
}

/// The built-in feature columns of this build, in output order.
pub fn columns(ctx: &BuildContext, dynamic: &Dynamic) -> Vec<Column> {
    let cut = ctx.cutoff_micros();
    let mut out: Vec<Column> = catalog::REFERENCE.iter().map(|d| fixed(d, cut)).collect();
    out.extend(catalog::MORE.iter().map(|d| fixed(d, cut)));
    out.extend(dynamic.event_types.iter().map(|n| Column {
        name: n.column.clone(),
        select: format!("e.{}", ident(&n.column)),
    }));
    out.push(fixed(&catalog::TOUCH_COUNT, cut));
    out.extend(dynamic.touch_channels.iter().map(|n| Column {
        name: n.column.clone(),
        select: format!("coalesce(x.{}, 0)", ident(&n.column)),
    }));
    out.extend(catalog::ATTRIBUTES.iter().map(|d| fixed(d, cut)));
    out
}

/// The features query: `person_id`, the built-in columns, then the person
/// attributes user features may use ([`SCOPE_ATTRIBUTES`]) and [`PERSON_ORDER`] (both dropped from the
/// output). Needs [`ORDERS`], [`ATTRS`] and the person tables of
/// [`crate::persons`] registered.
pub fn features_sql(ctx: &BuildContext, dynamic: &Dynamic, ambiguous: bool) -> String {
    format!(
        "WITH {} {}",
        all_ctes(ctx, dynamic, ambiguous).join(", "),
        final_select(ctx, dynamic, |cte| cte.to_string())
    )
}

/// The per-person aggregates the features query joins, with their aliases.
///
/// Narrowest first: each join copies the columns the joins before it
/// gathered, so the widest aggregates (`f`, `e`) are joined last.
const AGGREGATES: [(&str, &str); 8] = [
    ("m_channel", "ch"),
    ("m_hour", "hr"),
    ("m_weekday", "wd"),
    ("t", "t"),
    ("k", "k"),
    ("x", "x"),
    ("e", "e"),
    ("f", "f"),
];

fn all_ctes(ctx: &BuildContext, dynamic: &Dynamic, ambiguous: bool) -> Vec<String> {
    let mut ctes = order_ctes(ctx);
    ctes.extend(event_ctes(ctx, dynamic, ambiguous));
    ctes.push(ticket_cte(ctx, ambiguous));
    ctes.push(touch_cte(dynamic, ambiguous));
    ctes
}

/// The CTEs aggregate `cte` reads: only its family's, so that it plans
/// before the tables of the other families exist.
fn ctes_of(ctx: &BuildContext, dynamic: &Dynamic, ambiguous: bool, cte: &str) -> Vec<String> {
    match cte {
        SESSION_AGGREGATE => event_ctes(ctx, dynamic, ambiguous),
        TOUCH_AGGREGATE => vec![touch_cte(dynamic, ambiguous)],
        "t" => vec![ticket_cte(ctx, ambiguous)],
        _ => order_ctes(ctx),
    }
}

/// The name under which [`features_sql_over`] expects aggregate `cte`.
pub fn aggregate_table(cte: &str) -> String {
    format!("hx_agg_{cte}")
}

/// The aggregates that read neither [`SESSION_PARTS`] nor [`TOUCH_COUNTS`]
/// (nor the event types and channels that shape those): they can start as
/// soon as the orders and the person tables are there.
pub const PERSON_AGGREGATES: [&str; 6] = ["f", "m_channel", "m_hour", "m_weekday", "k", "t"];
/// Whether aggregate `cte` reads [`ORDERS`] (and so starts once that is
/// materialised); the others of [`PERSON_AGGREGATES`] need only the person
/// tables.
pub fn reads_orders(cte: &str) -> bool {
    !matches!(cte, "t" | SESSION_AGGREGATE | TOUCH_AGGREGATE)
}
/// The aggregate over [`SESSION_PARTS`] (needs the event types of `Dynamic`).
pub const SESSION_AGGREGATE: &str = "e";
/// The aggregate over [`TOUCH_COUNTS`] (needs the channels of `Dynamic`).
pub const TOUCH_AGGREGATE: &str = "x";

/// Per-person aggregate `cte` of the features query as a query of its own:
/// `(table name, SQL)`. Computed side by side and registered under their
/// names, they feed [`features_sql_over`]; one query with all of them
/// inlined would build them one after the other (each join builds its side
/// before the next starts), leaving a core idle in every single-threaded step.
/// Only the part of `dynamic` that `cte` reads matters.
pub fn aggregate_query(ctx: &BuildContext, dynamic: &Dynamic, ambiguous: bool, cte: &str) -> (String, String) {
    let ctes = ctes_of(ctx, dynamic, ambiguous, cte).join(", ");
    (aggregate_table(cte), format!("WITH {ctes} SELECT * FROM {cte}"))
}

/// [`features_sql`] over the aggregates registered as [`aggregate_table`]s.
pub fn features_sql_over(ctx: &BuildContext, dynamic: &Dynamic) -> String {
    final_select(ctx, dynamic, aggregate_table)
}

/// The SELECT that joins the aggregates (named by `table`) onto the persons.
fn final_select(ctx: &BuildContext, dynamic: &Dynamic, table: impl Fn(&str) -> String) -> String {
    let mut select = vec!["a.person_id AS person_id".to_string()];
    select.extend(
        columns(ctx, dynamic)
            .into_iter()
            .map(|c| format!("{} AS {}", c.select, ident(&c.name))),
    );
    select.extend(SCOPE_ATTRIBUTES.iter().map(|a| format!("a.{a} AS {a}")));
    select.push(format!("a.pix AS {PERSON_ORDER}"));
    let joins: String = AGGREGATES
        .iter()
        .map(|(cte, alias)| format!(" LEFT JOIN {} {alias} ON {alias}.pix = a.pix", table(cte)))
        .collect();
    format!("SELECT {select} FROM {ATTRS} a{joins}", select = select.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamic::Named;
    use chrono::NaiveDate;

    fn ctx() -> BuildContext {
        let d = NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
        BuildContext::new(1, d, chrono_tz::Asia::Shanghai, true)
    }

    fn dynamic() -> Dynamic {
        Dynamic {
            event_types: vec![Named {
                value: "it's".into(),
                column: "days_since_it_s".into(),
            }],
            touch_channels: vec![Named {
                value: "sms".into(),
                column: "touches_sms".into(),
            }],
            omitted: vec![],
        }
    }

    #[test]
    fn every_source_is_cut_at_the_end_of_the_as_of_day() {
        // The end of 2026-06-30 in Shanghai is 16:00 UTC.
        let cut = instant(1_782_835_200_000_000);
        assert_eq!(ctx().cutoff_micros(), 1_782_835_200_000_000);
        assert!(orders_sql(&ctx(), false).contains(&format!("oo.order_time < {cut}")));
        let d = dynamic();
        let s = features_sql(&ctx(), &d, true);
        let ev = session_parts_sql(&ctx(), &d.event_types);
        let tc = touch_counts_sql(&ctx(), &d.touch_channels);
        for (c, q) in [("ev0.event_time", &ev), ("tk.created_at", &s), ("tc.touch_time", &tc)] {
            assert!(q.contains(&format!("{c} < {cut}")), "{c} is not cut");
        }
        // 30 local days ending 2026-06-30 start 2026-06-01 00:00 +08:00.
        let w30 = ctx().window_start_micros(30);
        assert_eq!(w30, 1_782_835_200_000_000 - 30 * DAY_US);
        assert!(s.contains(&format!("paid AND t >= {w30}) AS orders_30d")));
    }

    #[test]
    fn columns_follow_the_catalog_then_the_data() {
        let names: Vec<String> = columns(&ctx(), &dynamic()).into_iter().map(|c| c.name).collect();
        assert_eq!(names[..3], ["recency_days", "frequency", "monetary"]);
        assert_eq!(names[22], "mean_rating");
        let pos = |n: &str| names.iter().position(|x| x == n).unwrap_or(usize::MAX);
        assert!(pos("negative_ticket_share") < pos("days_since_it_s"));
        assert!(pos("days_since_it_s") < pos("touch_count"));
        assert!(pos("touch_count") < pos("touches_sms"));
        assert_eq!(names.last().map(String::as_str), Some("member_level"));
        assert_eq!(names.len(), 23 + 13 + 1 + 1 + 1 + 3);
    }

    #[test]
    fn data_values_are_quoted() {
        let d = dynamic();
        let s = features_sql(&ctx(), &d, true);
        let ev = session_parts_sql(&ctx(), &d.event_types);
        // Event types reach the plan inside the aggregate, not as SQL text.
        assert!(ev.contains("st['last_0'] AS last_0") && !ev.contains("it's"), "{ev}");
        let types = session_types(&d.event_types);
        assert_eq!(types[..2], ["it's".to_string(), "product_view".to_string()]);
        assert_eq!(types.len(), 1 + SESSION_COUNTS.len());
        assert!(ev.contains("st['n_1'] AS n_view"), "{ev}");
        assert!(s.contains("AS \"days_since_it_s\""));
        let tc = touch_counts_sql(&ctx(), &d.touch_channels);
        assert!(tc.contains("count(*) FILTER (WHERE tc.channel = 'sms') AS \"touches_sms\""));
        assert!(s.contains(&format!(
            "({} - CAST(a.first_signup_time AS BIGINT))",
            ctx().cutoff_micros()
        )));
    }

    #[test]
    fn each_aggregate_reads_only_what_it_waits_for() {
        let mut waited: Vec<&str> = PERSON_AGGREGATES.to_vec();
        waited.extend([SESSION_AGGREGATE, TOUCH_AGGREGATE]);
        waited.sort_unstable();
        let mut all: Vec<&str> = AGGREGATES.iter().map(|(c, _)| *c).collect();
        all.sort_unstable();
        assert_eq!(waited, all);
        for cte in PERSON_AGGREGATES {
            let (_, q) = aggregate_query(&ctx(), &Dynamic::default(), true, cte);
            assert!(q.contains(&format!("{cte} AS (")), "{cte}: {q}");
            assert!(!q.contains(SESSION_PARTS) && !q.contains(TOUCH_COUNTS), "{cte}: {q}");
            assert_eq!(q.contains(ORDERS), reads_orders(cte), "{cte}: {q}");
        }
        assert!(!reads_orders(SESSION_AGGREGATE) && !reads_orders(TOUCH_AGGREGATE));
        let (_, e) = aggregate_query(&ctx(), &dynamic(), true, SESSION_AGGREGATE);
        assert!(e.contains(SESSION_PARTS) && !e.contains(TOUCH_COUNTS));
    }

    #[test]
    fn sessions_with_two_persons_belong_to_nobody() {
        let s = features_sql(&ctx(), &dynamic(), true);
        assert!(s.contains("coalesce(hx_pu_many.pix, hx_pa_many.pix) AS pid"));
        assert!(s.contains("CASE WHEN min(pid) = max(pid) THEN min(pid) END AS pix"));
        assert!(!s.contains("anonymous_links"));
    }
}
