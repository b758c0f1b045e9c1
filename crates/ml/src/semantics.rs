//! What a feature column means to a person reading a model's output: its
//! bilingual label, its kind (which decides how a value is formatted), the
//! short words a cluster earns when it sits far above or below everyone else,
//! and the sentence template of a per-person reason.
//!
//! The built-in meanings live in `meanings.toml`, compiled in. Columns the
//! table does not know (user features, label-file attributes) get a neutral
//! meaning built from the column name, so nothing downstream has to special-case
//! them.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

/// How a feature's values are read and formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A count of things (orders, sessions): formatted as an integer.
    Count,
    /// Money: two decimals.
    Amount,
    /// Whole days.
    Days,
    /// A ratio in [0, 1] read as a rate: a percentage.
    Rate,
    /// A share in [0, 1]: a percentage.
    Share,
    /// A score on a scale (ratings): one decimal.
    Score,
    /// An hour of the day 0–23.
    Hour,
    /// A weekday 1–7.
    Weekday,
    /// A text category.
    Category,
    /// Any other number: up to two decimals.
    Number,
}

/// A phrase in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bilingual {
    pub zh: String,
    pub en: String,
}

/// The meaning of one feature column.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMeaning {
    /// The column name.
    pub name: String,
    /// A short label ("付款订单数" / "paid orders").
    pub label: Bilingual,
    pub kind: Kind,
    /// The cluster word for "far above the rest", if the feature has one.
    pub high: Option<Bilingual>,
    /// The cluster word for "far below the rest", if the feature has one.
    pub low: Option<Bilingual>,
    /// Reason templates; `{v}` is the formatted value.
    pub reason: Bilingual,
}

impl FeatureMeaning {
    /// A neutral meaning for a column the built-in table does not describe.
    pub fn generic(name: &str) -> FeatureMeaning {
        FeatureMeaning {
            name: name.to_string(),
            label: Bilingual {
                zh: name.to_string(),
                en: name.replace('_', " "),
            },
            kind: Kind::Number,
            high: Some(Bilingual {
                zh: format!("{name}偏高"),
                en: format!("high {}", name.replace('_', " ")),
            }),
            low: Some(Bilingual {
                zh: format!("{name}偏低"),
                en: format!("low {}", name.replace('_', " ")),
            }),
            reason: Bilingual {
                zh: format!("{name} 为 {{v}}"),
                en: format!("{} is {{v}}", name.replace('_', " ")),
            },
        }
    }

    /// Formats a value of this feature for a reason sentence (e.g. 0.25 as
    /// `25%` for a share, 120.0 as `120` for days).
    pub fn format_value(&self, v: f64) -> String {
        if !v.is_finite() {
            return "—".to_string();
        }
        match self.kind {
            Kind::Count | Kind::Days | Kind::Hour | Kind::Weekday => format!("{}", v.round() as i64),
            Kind::Amount => format!("{v:.2}"),
            Kind::Rate | Kind::Share => format!("{:.0}%", v * 100.0),
            Kind::Score => format!("{v:.1}"),
            Kind::Category | Kind::Number => {
                let s = format!("{v:.2}");
                s.trim_end_matches('0').trim_end_matches('.').to_string()
            }
        }
    }

    /// The reason sentences for a value, Chinese then English.
    pub fn reason_for(&self, v: f64) -> Bilingual {
        let f = self.format_value(v);
        Bilingual {
            zh: self.reason.zh.replace("{v}", &f),
            en: self.reason.en.replace("{v}", &f),
        }
    }

    /// The reason sentences for a text category value.
    pub fn reason_for_text(&self, v: &str) -> Bilingual {
        Bilingual {
            zh: self.reason.zh.replace("{v}", v),
            en: self.reason.en.replace("{v}", v),
        }
    }
}

#[derive(Deserialize)]
struct Entry {
    zh: String,
    en: String,
    kind: Kind,
    high: Option<[String; 2]>,
    low: Option<[String; 2]>,
    reason: [String; 2],
}

#[derive(Deserialize)]
struct Table {
    feature: BTreeMap<String, Entry>,
    prefix: BTreeMap<String, Entry>,
}

const BUILTIN: &str = include_str!("meanings.toml");

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| match toml::from_str(BUILTIN) {
        Ok(t) => t,
        // The file is compiled in and checked by a unit test.
        Err(e) => panic!("meanings.toml is invalid: {e}"),
    })
}

/// The Chinese word for an event type or channel that a prefixed column names
/// (`days_since_search`, `touches_sms`); other suffixes stay as they are.
fn zh_word(x: &str) -> &str {
    match x {
        "app_open" => "打开App",
        "page_view" => "浏览页面",
        "search" => "搜索",
        "product_view" => "浏览商品",
        "add_to_cart" => "加购",
        "begin_checkout" => "结算",
        "purchase" => "购买",
        "push_click" => "点击推送",
        "coupon_claim" => "领券",
        "push" => "推送",
        "sms" => "短信",
        "email" => "邮件",
        "ad_search" => "搜索广告",
        "ad_social" => "社交广告",
        "kol" => "达人推广",
        other => other,
    }
}

fn pair(p: &[String; 2], x: &str) -> Bilingual {
    Bilingual {
        zh: p[0].replace("{x}", zh_word(x)),
        en: p[1].replace("{x}", &x.replace('_', " ")),
    }
}

fn from_entry(name: &str, e: &Entry, x: &str) -> FeatureMeaning {
    FeatureMeaning {
        name: name.to_string(),
        label: pair(&[e.zh.clone(), e.en.clone()], x),
        kind: e.kind,
        high: e.high.as_ref().map(|p| pair(p, x)),
        low: e.low.as_ref().map(|p| pair(p, x)),
        reason: pair(&e.reason, x),
    }
}

/// The meaning of a feature column: from the built-in table, from a known
/// prefix (`days_since_<event>`, `touches_<channel>`), or a generic one.
pub fn meaning(name: &str) -> FeatureMeaning {
    let t = table();
    if let Some(e) = t.feature.get(name) {
        return from_entry(name, e, "");
    }
    for (prefix, e) in &t.prefix {
        if let Some(rest) = name.strip_prefix(prefix.as_str())
            && !rest.is_empty()
        {
            return from_entry(name, e, rest);
        }
    }
    FeatureMeaning::generic(name)
}

/// Whether the built-in table (or one of its prefixes) describes `name`.
pub fn is_known(name: &str) -> bool {
    let t = table();
    t.feature.contains_key(name)
        || t.prefix
            .keys()
            .any(|p| name.len() > p.len() && name.starts_with(p.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses_and_has_the_reference_features() {
        for name in [
            "recency_days",
            "frequency",
            "monetary",
            "night_order_share",
            "coupon_share",
        ] {
            assert!(is_known(name), "{name}");
        }
        assert!(!table().feature.is_empty());
    }

    #[test]
    fn reasons_format_by_kind() {
        assert_eq!(meaning("recency_days").reason_for(120.0).zh, "已 120 天未下单");
        assert_eq!(meaning("recency_days").reason_for(120.4).en, "no order in 120 days");
        assert_eq!(
            meaning("coupon_share").reason_for(0.25).en,
            "25% of orders used a coupon"
        );
        assert_eq!(meaning("monetary").reason_for(12.5).zh, "累计消费 12.50 元");
    }

    #[test]
    fn prefixes_fill_in_the_suffix() {
        let m = meaning("days_since_search");
        assert_eq!(m.label.en, "days since the last search");
        assert_eq!(m.reason_for(7.0).zh, "已 7 天没有搜索");
        assert_eq!(
            meaning("touches_sms").high.map(|b| b.zh),
            Some("短信高触达".to_string())
        );
        assert_eq!(
            meaning("days_since_other_event").reason_for(2.0).zh,
            "已 2 天没有other_event"
        );
    }

    #[test]
    fn unknown_columns_get_a_generic_meaning() {
        let m = meaning("MonthlyCharges");
        assert_eq!(m.kind, Kind::Number);
        assert_eq!(m.reason_for(29.85).en, "MonthlyCharges is 29.85");
        assert!(!is_known("MonthlyCharges"));
    }
}
