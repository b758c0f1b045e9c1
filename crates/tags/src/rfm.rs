//! The built-in RFM tags: `rfm_score` and `rfm_group`.
//!
//! Both are computed over buyers only (persons with at least one paid order);
//! everyone else has no value.
//!
//! * `rfm_score` is three digits, R F M, each a quintile score 1–5: the
//!   person's percent rank among the `n` buyers cut in five equal bands,
//!   `1 + min(4, floor(5 · (rank − 1) / (n − 1)))`, where `rank` is the SQL
//!   `RANK()` of the person's value, worst first (largest `recency_days`,
//!   smallest `frequency`, smallest `monetary`). It is computed in integers,
//!   so band edges are exact. Equal values share a rank, so ties always get
//!   the same score — two persons with the same number of orders never land
//!   in different quintiles by chance — and with many ties a band may be empty.
//! * `rfm_group` is one of the eight classic groups. Each measure is high or
//!   low against its mean over the buyers: R is high when `recency_days` is
//!   below its mean (bought more recently than average), F and M when they are
//!   above theirs. A value equal to the mean is low.

use chrono::{DateTime, Utc};

use crate::definition::{Refresh, TagDef, TagType, ValueType};

pub const SCORE: &str = "rfm_score";
pub const GROUP: &str = "rfm_group";

/// The feature columns RFM reads.
pub const FEATURES: [&str; 3] = ["recency_days", "frequency", "monetary"];

/// The eight groups, by (R high, F high, M high).
pub const GROUPS: [(bool, bool, bool, &str); 8] = [
    (true, true, true, "重要价值客户"),
    (true, false, true, "重要发展客户"),
    (false, true, true, "重要保持客户"),
    (false, false, true, "重要挽留客户"),
    (true, true, false, "一般价值客户"),
    (true, false, false, "一般发展客户"),
    (false, true, false, "一般保持客户"),
    (false, false, false, "一般挽留客户"),
];

/// The built-in definitions (version 1; a fixed creation time keeps loading side-effect free).
pub fn builtin_defs() -> Vec<TagDef> {
    let created_at = DateTime::<Utc>::UNIX_EPOCH;
    vec![
        TagDef {
            tag_id: SCORE.into(),
            version: 1,
            name_zh: "RFM 评分".into(),
            name_en: "RFM score".into(),
            description: "R, F and M quintile scores 1–5 written as three digits (e.g. 545); R = 5 for the most \
                          recent buyers; ties share a score; persons with no paid order have none"
                .into(),
            owner: "huaxiang".into(),
            tag_type: TagType::Rfm,
            value_type: ValueType::Enum,
            refresh: Refresh::Build,
            expression: None,
            allowed_values: Vec::new(),
            created_at,
        },
        TagDef {
            tag_id: GROUP.into(),
            version: 1,
            name_zh: "RFM 客户分组".into(),
            name_en: "RFM group".into(),
            description: "The eight classic RFM groups: R, F, M each high or low against its mean over buyers \
                          (R high = recency_days below the mean); persons with no paid order have none"
                .into(),
            owner: "huaxiang".into(),
            tag_type: TagType::Rfm,
            value_type: ValueType::Enum,
            refresh: Refresh::Build,
            expression: None,
            allowed_values: GROUPS.iter().map(|g| g.3.to_string()).collect(),
            created_at,
        },
    ]
}

/// A query over `source` (a relation with `person_id`, `recency_days`,
/// `frequency`, `monetary`) giving `(person_id, rfm_score, rfm_group)` for buyers.
pub fn sql(source: &str) -> String {
    let score = |order: &str| {
        format!(
            "1 + least(4, (5 * (CAST(rank() OVER (ORDER BY {order}) AS BIGINT) - 1)) \
             / greatest(count(*) OVER () - 1, 1))"
        )
    };
    let mut group = String::from("CASE");
    for (r, f, m, name) in GROUPS {
        let flag = |on: bool, c: &str| if on { c.to_string() } else { format!("NOT {c}") };
        group.push_str(&format!(
            " WHEN {} AND {} AND {} THEN '{name}'",
            flag(r, "hx_r_high"),
            flag(f, "hx_f_high"),
            flag(m, "hx_m_high")
        ));
    }
    group.push_str(" END");
    format!(
        "SELECT person_id, \
           CAST(hx_r AS VARCHAR) || CAST(hx_f AS VARCHAR) || CAST(hx_m AS VARCHAR) AS rfm_score, \
           {group} AS rfm_group \
         FROM (SELECT person_id, \
           {r} AS hx_r, {f} AS hx_f, {m} AS hx_m, \
           coalesce(CAST(recency_days AS DOUBLE) < avg(CAST(recency_days AS DOUBLE)) OVER (), false) AS hx_r_high, \
           coalesce(CAST(frequency AS DOUBLE) > avg(CAST(frequency AS DOUBLE)) OVER (), false) AS hx_f_high, \
           coalesce(CAST(monetary AS DOUBLE) > avg(CAST(monetary AS DOUBLE)) OVER (), false) AS hx_m_high \
           FROM {source} WHERE frequency > 0 AND recency_days IS NOT NULL)",
        r = score("recency_days DESC"),
        f = score("frequency ASC"),
        m = score("monetary ASC"),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use arrow::array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::prelude::SessionContext;

    use super::*;

    /// Runs the RFM query over rows (person, recency, frequency, monetary).
    async fn run(rows: &[(&str, Option<i64>, i64, f64)]) -> HashMap<String, (String, String)> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("person_id", DataType::Utf8, false),
            Field::new("recency_days", DataType::Int64, true),
            Field::new("frequency", DataType::Int64, false),
            Field::new("monetary", DataType::Float64, false),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(rows.iter().map(|r| r.0).collect::<Vec<_>>())),
                Arc::new(Int64Array::from(rows.iter().map(|r| r.1).collect::<Vec<_>>())),
                Arc::new(Int64Array::from(rows.iter().map(|r| r.2).collect::<Vec<_>>())),
                Arc::new(Float64Array::from(rows.iter().map(|r| r.3).collect::<Vec<_>>())),
            ],
        )
        .expect("batch");
        let ctx = SessionContext::new();
        ctx.register_batch("f", batch).expect("register");
        let batches = ctx.sql(&sql("f")).await.expect("plan").collect().await.expect("run");
        let mut out = HashMap::new();
        for b in batches {
            let b = huaxiang_store::table::plain_strings(&b).expect("plain");
            let p = b.column(0).as_any().downcast_ref::<StringArray>().expect("p");
            let s = b.column(1).as_any().downcast_ref::<StringArray>().expect("s");
            let g = b.column(2).as_any().downcast_ref::<StringArray>().expect("g");
            for i in 0..b.num_rows() {
                assert!(!s.is_null(i) && !g.is_null(i));
                out.insert(p.value(i).to_string(), (s.value(i).to_string(), g.value(i).to_string()));
            }
        }
        out
    }

    #[tokio::test]
    async fn quintiles_over_buyers_with_recent_high() {
        // Ten buyers with distinct values: two per quintile. One non-buyer.
        // Percent ranks 0, 1/9, …, 1 → bands 1,1,2,2,3,3,4,4,5,5.
        let mut rows: Vec<(String, Option<i64>, i64, f64)> = (0..10)
            .map(|i| (format!("p{i}"), Some(100 - 10 * i), i + 1, 10.0 * (i + 1) as f64))
            .collect();
        rows.push(("nobody".into(), None, 0, 0.0));
        let borrowed: Vec<(&str, Option<i64>, i64, f64)> = rows.iter().map(|r| (r.0.as_str(), r.1, r.2, r.3)).collect();
        let out = run(&borrowed).await;
        assert_eq!(out.len(), 10, "non-buyers have no RFM value");
        assert_eq!(out["p0"].0, "111"); // oldest, fewest, least
        assert_eq!(out["p1"].0, "111");
        assert_eq!(out["p2"].0, "222");
        assert_eq!(out["p7"].0, "444");
        assert_eq!(out["p9"].0, "555"); // most recent, most, largest
        // Means: recency 55, frequency 5.5, monetary 55.
        assert_eq!(out["p9"].1, "重要价值客户");
        assert_eq!(out["p0"].1, "一般挽留客户");
        assert_eq!(out["p4"].1, "一般挽留客户"); // recency 60 > 55, frequency 5 < 5.5
        assert_eq!(out["p5"].1, "重要价值客户"); // recency 50, frequency 6, monetary 60
    }

    #[tokio::test]
    async fn ties_share_a_score_and_groups_cover_all_eight() {
        // Frequency 1 for six of ten buyers: they all share the lowest F score.
        let rows = [
            ("a", Some(1), 1, 500.0),
            ("b", Some(2), 1, 500.0),
            ("c", Some(3), 1, 10.0),
            ("d", Some(300), 1, 10.0),
            ("e", Some(300), 1, 900.0),
            ("f", Some(300), 1, 10.0),
            ("g", Some(1), 9, 10.0),
            ("h", Some(2), 9, 900.0),
            ("i", Some(300), 9, 900.0),
            ("j", Some(300), 9, 10.0),
        ];
        let out = run(&rows).await;
        let f_scores: Vec<char> = ["a", "b", "c", "d", "e", "f"]
            .iter()
            .map(|p| out[*p].0.chars().nth(1).expect("F digit"))
            .collect();
        assert!(f_scores.iter().all(|c| *c == '1'), "{f_scores:?}");
        // Frequency 9 ranks 7th of 10: 1 + floor(5*6/9) = 4.
        assert_eq!(out["g"].0.chars().nth(1), Some('4'));
        // recency 300 (five buyers) ranks first: R = 1 for all of them.
        for p in ["d", "e", "f", "i", "j"] {
            assert_eq!(out[p].0.chars().next(), Some('1'), "{p}");
        }
        // Equal monetary values share the M digit.
        assert_eq!(out["a"].0.chars().nth(2), out["b"].0.chars().nth(2));
        // Means: recency 150.9, frequency 4.2, monetary 375.
        let expect = [
            ("a", "重要发展客户"),
            ("c", "一般发展客户"),
            ("e", "重要挽留客户"),
            ("f", "一般挽留客户"),
            ("g", "一般价值客户"),
            ("h", "重要价值客户"),
            ("i", "重要保持客户"),
            ("j", "一般保持客户"),
        ];
        for (p, g) in expect {
            assert_eq!(out[p].1, g, "{p}");
        }
    }
}
