//! Dimensions: what a metric can be broken down (`--by`) and filtered (`--where`) by.
//!
//! Four kinds, by where the label comes from:
//! - a column of the fact itself (the order channel, the item category, …);
//! - an attribute of the row's person, from `person_attributes` (the person's
//!   earliest account), joined on `person_id`, so a filter on it keeps that
//!   person's orders, events and tickets;
//! - membership of a segment in its latest build (`segment_members`), or a tag
//!   value (`person_tags`, one column per tag);
//! - a calendar grain of the fact's time column, labelled as the nlq
//!   definitions write it (`2026-05-31`, `2026-W22`, `2026-05`, `2026-Q2`, `2026`)
//!   in the workspace time zone.
//!
//! People whose attribute is empty get a NULL label: they form their own
//! group, shown as `(unknown)`, never a guessed one.

use crate::error::{Error, Result};

/// A person attribute of `person_attributes`.
pub const PERSON_ATTRIBUTES: [&str; 6] = [
    "city",
    "city_tier",
    "member_level",
    "gender",
    "age_band",
    "acquisition_channel",
];

/// Fact columns that can be dimensions (see [`crate::fact::Fact::native_dimensions`]).
pub const NATIVE: [&str; 7] = [
    "channel",
    "category",
    "coupon_used",
    "status",
    "event_type",
    "device",
    "kind",
];

/// A calendar grain of a fact's time column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grain {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Grain {
    pub const ALL: [Grain; 5] = [Grain::Day, Grain::Week, Grain::Month, Grain::Quarter, Grain::Year];

    pub fn name(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
        }
    }

    pub fn parse(name: &str) -> Option<Grain> {
        Grain::ALL.into_iter().find(|g| g.name() == name)
    }

    /// The label of `time` (a zoned timestamp or a date column reference).
    pub fn label_sql(self, time: &str) -> String {
        match self {
            Grain::Day => format!("to_char({time}, '%Y-%m-%d')"),
            Grain::Week => format!("to_char({time}, '%G-W%V')"),
            Grain::Month => format!("to_char({time}, '%Y-%m')"),
            Grain::Quarter => format!(
                "concat(to_char({time}, '%Y'), '-Q', CAST(CAST(date_part('quarter', {time}) AS BIGINT) AS VARCHAR))"
            ),
            Grain::Year => format!("to_char({time}, '%Y')"),
        }
    }
}

impl Grain {
    /// The same label as [`Grain::label_sql`] from `day`, the local day of the
    /// time as `YYYY-MM-DD` text (the `hx_day` column of precomputed facts):
    /// text cuts instead of formatting a zoned timestamp per row.
    pub fn label_of_day_sql(self, day: &str) -> String {
        match self {
            Grain::Day => day.to_string(),
            Grain::Week => format!("to_char(CAST({day} AS DATE), '%G-W%V')"),
            Grain::Month => format!("substr({day}, 1, 7)"),
            Grain::Quarter => format!(
                "concat(substr({day}, 1, 4), '-Q', CAST((CAST(substr({day}, 6, 2) AS BIGINT) + 2) / 3 AS VARCHAR))"
            ),
            Grain::Year => format!("substr({day}, 1, 4)"),
        }
    }
}

/// One resolved dimension.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// A column of the fact, by its name.
    Native(&'static str),
    /// A column of `person_attributes`.
    Person(&'static str),
    /// The segments the person is a member of (latest build).
    Segment,
    /// The value of a tag (a column of `person_tags`).
    Tag(String),
    /// A calendar grain of the metric's time column.
    Grain(Grain),
}

impl Dimension {
    /// The column name of the dimension in results and in `--where`.
    pub fn column(&self) -> String {
        match self {
            Dimension::Native(n) | Dimension::Person(n) => (*n).to_string(),
            Dimension::Segment => "segment".to_string(),
            Dimension::Tag(id) => format!("tag:{id}"),
            Dimension::Grain(g) => g.name().to_string(),
        }
    }

    /// The name of the dimension's class in a metric's `dimensions` list.
    pub fn class(&self) -> &str {
        match self {
            Dimension::Native(n) | Dimension::Person(n) => n,
            Dimension::Segment => "segment",
            Dimension::Tag(_) => "tag",
            Dimension::Grain(g) => g.name(),
        }
    }
}

/// Chinese and English names that mean a built-in dimension.
const ALIASES: &[(&str, &[&str])] = &[
    ("city", &["城市"]),
    ("city_tier", &["城市等级", "城市级别", "tier"]),
    ("member_level", &["会员等级", "会员级别", "level"]),
    ("gender", &["性别", "sex"]),
    ("age_band", &["年龄段", "age"]),
    ("acquisition_channel", &["获客渠道", "来源渠道"]),
    ("channel", &["渠道", "订单渠道", "order_channel"]),
    ("category", &["品类", "类目"]),
    ("coupon_used", &["用券", "coupon"]),
    ("status", &["状态", "订单状态"]),
    ("event_type", &["事件类型"]),
    ("device", &["设备"]),
    ("kind", &["类型"]),
    ("segment", &["人群", "分群"]),
    ("day", &["日", "天", "daily", "date"]),
    ("week", &["周", "weekly"]),
    ("month", &["月", "月份", "monthly"]),
    ("quarter", &["季度", "quarterly"]),
    ("year", &["年", "年份", "yearly"]),
];

/// The canonical name of a built-in dimension written `name` (any alias, any
/// ASCII case), or None.
pub fn canonical(name: &str) -> Option<&'static str> {
    let n = name.trim().to_ascii_lowercase();
    ALIASES
        .iter()
        .find(|(c, aliases)| *c == n || aliases.contains(&n.as_str()))
        .map(|(c, _)| *c)
}

/// Whether `name` may stand in a metric's `dimensions` list.
pub fn is_class(name: &str) -> bool {
    name == "tag" || ALIASES.iter().any(|(c, _)| *c == name)
}

/// What [`resolve`] needs to know about the metric and the workspace.
pub struct Scope<'a> {
    /// The metric's id (for messages).
    pub metric: &'a str,
    /// The classes the metric allows.
    pub allowed: &'a [String],
    /// The fact's native dimensions.
    pub native: &'static [&'static str],
    /// The metric's default grain (`--by time`).
    pub grain: Grain,
    /// The tag ids (columns of `person_tags`), None when there is no such table.
    pub tags: Option<&'a [String]>,
}

/// Resolves a dimension the user wrote (`city`, `城市`, `tag:vip`, `vip`, `time`, …).
pub fn resolve(name: &str, scope: &Scope<'_>) -> Result<Dimension> {
    let raw = name.trim();
    let not_allowed = |class: &str| Error::Dimension {
        metric: scope.metric.to_string(),
        dimension: raw.to_string(),
        message: format!(
            "this metric cannot be broken down by `{class}`; it allows: {}",
            scope.allowed.join(", ")
        ),
    };
    let dim = if let Some(id) = raw.strip_prefix("tag:") {
        Dimension::Tag(tag_id(id.trim(), raw, scope)?)
    } else if raw.eq_ignore_ascii_case("time") || raw == "时间" {
        Dimension::Grain(scope.grain)
    } else if let Some(c) = canonical(raw) {
        if let Some(g) = Grain::parse(c) {
            Dimension::Grain(g)
        } else if c == "segment" {
            Dimension::Segment
        } else if let Some(p) = PERSON_ATTRIBUTES.iter().find(|p| **p == c) {
            Dimension::Person(p)
        } else if let Some(n) = scope.native.iter().find(|n| **n == c) {
            Dimension::Native(n)
        } else {
            return Err(not_allowed(c));
        }
    } else if scope.tags.is_some_and(|t| t.iter().any(|t| t == raw)) {
        Dimension::Tag(raw.to_string())
    } else {
        let tags = match scope.tags {
            Some(t) if !t.is_empty() => format!("; tags: {}", t.join(", ")),
            Some(_) => "; there are no tags yet".to_string(),
            None => "; no tags are built yet (person_tags does not exist)".to_string(),
        };
        return Err(Error::Dimension {
            metric: scope.metric.to_string(),
            dimension: raw.to_string(),
            message: format!(
                "not a dimension nor a tag id; dimensions of this metric: {}, time{tags}",
                scope.allowed.join(", ")
            ),
        });
    };
    if !scope.allowed.iter().any(|a| a == dim.class()) {
        return Err(not_allowed(dim.class()));
    }
    Ok(dim)
}

fn tag_id(id: &str, raw: &str, scope: &Scope<'_>) -> Result<String> {
    match scope.tags {
        Some(tags) if tags.iter().any(|t| t == id) => Ok(id.to_string()),
        Some(tags) => Err(Error::Dimension {
            metric: scope.metric.to_string(),
            dimension: raw.to_string(),
            message: format!(
                "no tag `{id}` in person_tags (tags: {})",
                if tags.is_empty() {
                    "none".to_string()
                } else {
                    tags.join(", ")
                }
            ),
        }),
        None => Err(Error::Dimension {
            metric: scope.metric.to_string(),
            dimension: raw.to_string(),
            message: "no tags are built yet (person_tags does not exist); run `huaxiang build`".to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<String> {
        [
            "channel",
            "city",
            "city_tier",
            "member_level",
            "gender",
            "age_band",
            "acquisition_channel",
            "segment",
            "tag",
            "day",
            "week",
            "month",
            "quarter",
            "year",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    #[test]
    fn resolves_names_aliases_tags_and_time() {
        let allowed = all();
        let tags = vec!["vip".to_string(), "rfm_group".to_string()];
        let s = Scope {
            metric: "gmv",
            allowed: &allowed,
            native: &["channel", "coupon_used"],
            grain: Grain::Month,
            tags: Some(&tags),
        };
        assert_eq!(resolve("城市", &s).expect("city"), Dimension::Person("city"));
        assert_eq!(resolve("Channel", &s).expect("channel"), Dimension::Native("channel"));
        assert_eq!(resolve("季度", &s).expect("q"), Dimension::Grain(Grain::Quarter));
        assert_eq!(resolve("time", &s).expect("t"), Dimension::Grain(Grain::Month));
        assert_eq!(resolve("tag:vip", &s).expect("tag"), Dimension::Tag("vip".into()));
        assert_eq!(
            resolve("rfm_group", &s).expect("tag"),
            Dimension::Tag("rfm_group".into())
        );
        assert_eq!(resolve("segment", &s).expect("seg"), Dimension::Segment);
        assert_eq!(Dimension::Tag("vip".into()).column(), "tag:vip");
    }

    #[test]
    fn refuses_unknown_and_disallowed() {
        let allowed = all();
        let s = Scope {
            metric: "gmv",
            allowed: &allowed,
            native: &["channel", "coupon_used"],
            grain: Grain::Month,
            tags: Some(&[]),
        };
        let e = resolve("category", &s).expect_err("category").to_string();
        assert!(e.contains("gmv") && e.contains("category"), "{e}");
        let e = resolve("shoe_size", &s).expect_err("unknown").to_string();
        assert!(e.contains("shoe_size") && e.contains("no tags yet"), "{e}");
        let e = resolve("tag:nope", &s).expect_err("tag").to_string();
        assert!(e.contains("no tag `nope`"), "{e}");
        let narrow = vec!["city".to_string()];
        let s = Scope { allowed: &narrow, ..s };
        let e = resolve("gender", &s).expect_err("not allowed").to_string();
        assert!(e.contains("cannot be broken down by `gender`"), "{e}");
    }

    /// Labels cut from the local day equal labels formatted from the zoned
    /// time, across ISO-week years, quarters and the local midnight.
    #[tokio::test]
    async fn labels_of_the_local_day_equal_labels_of_the_time() {
        let ctx = datafusion::prelude::SessionContext::new();
        let times = [
            "2020-12-31T15:59:59Z",
            "2020-12-31T16:00:00Z",
            "2021-01-03T12:00:00Z",
            "2021-01-03T16:30:00Z",
            "2024-12-29T16:00:00Z",
            "2025-03-31T15:59:59Z",
            "2025-03-31T16:00:00Z",
            "2025-06-30T23:00:00Z",
            "2025-09-30T16:00:01Z",
            "2026-02-28T20:00:00Z",
        ];
        for g in Grain::ALL {
            for t in times {
                let ts = format!(
                    "arrow_cast(arrow_cast('{t}', 'Timestamp(Microsecond, Some(\"UTC\"))'), 'Timestamp(Microsecond, Some(\"Asia/Shanghai\"))')"
                );
                let day = format!("to_char({ts}, '%Y-%m-%d')");
                let sql = format!(
                    "SELECT CAST({} AS VARCHAR) AS a, CAST({} AS VARCHAR) AS b",
                    g.label_sql(&ts),
                    g.label_of_day_sql(&day)
                );
                let b = ctx.sql(&sql).await.expect("plan").collect().await.expect("run");
                let text = arrow::util::pretty::pretty_format_batches(&b).expect("fmt").to_string();
                let row = text.lines().nth(3).expect("row").to_string();
                let cells: Vec<&str> = row.split('|').map(str::trim).filter(|c| !c.is_empty()).collect();
                assert_eq!(cells.len(), 2, "{text}");
                assert_eq!(cells[0], cells[1], "{} {t}", g.name());
            }
        }
    }

    #[test]
    fn grain_labels() {
        assert_eq!(Grain::Month.label_sql("t"), "to_char(t, '%Y-%m')");
        assert!(Grain::Quarter.label_sql("t").contains("'-Q'"));
    }
}
