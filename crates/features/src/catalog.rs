//! The built-in features: name, type, meaning, the SQL that projects each one
//! from the per-table aggregates of [`crate::plan`], and the source columns it
//! is computed from (for lineage).
//!
//! The first 23 are the reference definitions of the bench's peer task
//! (`shared/bench/README.md`, "Peer tasks", features), per person. Their NULL
//! rules are the reference ones: counts and sums are 0 without activity, and
//! only recency, the averages and the rates are NULL.
//!
//! In the projections, `a` is the person's attributes, `f` the paid-order
//! aggregates, `k` the categories of paid order lines, `e` the stitched
//! sessions, `t` the tickets, `x` the marketing touches, and `ch`, `hr`, `wd`
//! the favourite order channel, hour and weekday. `{cut}` is replaced by the
//! cutoff in UTC microseconds.

/// The storage type of a feature column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureType {
    /// BIGINT (Int64).
    Int,
    /// DOUBLE (Float64).
    Float,
    /// Text (Utf8).
    Text,
}

impl FeatureType {
    pub fn as_str(self) -> &'static str {
        match self {
            FeatureType::Int => "bigint",
            FeatureType::Float => "double",
            FeatureType::Text => "text",
        }
    }
}

/// One built-in feature column.
#[derive(Debug, Clone, Copy)]
pub struct FeatureDef {
    pub name: &'static str,
    pub ty: FeatureType,
    pub description: &'static str,
    /// Source columns (`table.column`) the value is computed from.
    pub sources: &'static [&'static str],
    /// The projection from the aggregates (see the module documentation).
    pub(crate) select: &'static str,
}

/// The paid orders themselves: what counts, timings and shares of them read.
const PAID_ORDERS: &[&str] = &["orders.customer_id", "orders.order_time", "orders.status"];
/// The paid orders and their amounts: what sums of money read.
const PAID: &[&str] = &[
    "orders.customer_id",
    "orders.order_time",
    "orders.status",
    "orders.amount",
];
const SESSIONS: &[&str] = &[
    "events.customer_id",
    "events.session_id",
    "events.event_time",
    "events.event_type",
];
const TICKETS: &[&str] = &["tickets.customer_id", "tickets.created_at", "tickets.rating"];
const CATS: &[&str] = &[
    "orders.customer_id",
    "orders.order_time",
    "orders.status",
    "order_items.order_id",
    "order_items.category",
];

macro_rules! f {
    ($name:literal, $ty:ident, $sources:expr, $select:literal, $desc:literal) => {
        FeatureDef {
            name: $name,
            ty: FeatureType::$ty,
            description: $desc,
            sources: $sources,
            select: $select,
        }
    };
}

/// The 23 reference features, in the reference order.
pub const REFERENCE: [FeatureDef; 23] = [
    f!(
        "recency_days",
        Int,
        PAID_ORDERS,
        "f.recency_days",
        "whole days from the last paid order to the cutoff; NULL without one"
    ),
    f!("frequency", Int, PAID_ORDERS, "coalesce(f.frequency, 0)", "paid orders"),
    f!(
        "monetary",
        Float,
        PAID,
        "coalesce(f.monetary, 0.0)",
        "sum of amount over paid orders"
    ),
    f!(
        "tenure_days",
        Int,
        &["customers.signup_time"],
        "({cut} - CAST(a.first_signup_time AS BIGINT)) / 86400000000",
        "whole days from the earliest signup of the person's records to the cutoff"
    ),
    f!(
        "orders_30d",
        Int,
        PAID_ORDERS,
        "coalesce(f.orders_30d, 0)",
        "paid orders in the 30 days ending with the as-of day"
    ),
    f!(
        "orders_90d",
        Int,
        PAID_ORDERS,
        "coalesce(f.orders_90d, 0)",
        "paid orders in the 90 days ending with the as-of day"
    ),
    f!(
        "orders_365d",
        Int,
        PAID_ORDERS,
        "coalesce(f.orders_365d, 0)",
        "paid orders in the 365 days ending with the as-of day"
    ),
    f!(
        "spend_30d",
        Float,
        PAID,
        "coalesce(f.spend_30d, 0.0)",
        "paid amount in the 30 days ending with the as-of day"
    ),
    f!(
        "spend_90d",
        Float,
        PAID,
        "coalesce(f.spend_90d, 0.0)",
        "paid amount in the 90 days ending with the as-of day"
    ),
    f!(
        "spend_365d",
        Float,
        PAID,
        "coalesce(f.spend_365d, 0.0)",
        "paid amount in the 365 days ending with the as-of day"
    ),
    f!(
        "aov",
        Float,
        PAID,
        "f.monetary / nullif(f.frequency, 0)",
        "monetary / frequency; NULL without a paid order"
    ),
    f!(
        "coupon_share",
        Float,
        &[
            "orders.customer_id",
            "orders.order_time",
            "orders.status",
            "orders.coupon_used"
        ],
        "f.coupon_share",
        "share of paid orders with a coupon; NULL without a paid order"
    ),
    f!(
        "night_order_share",
        Float,
        &["orders.customer_id", "orders.order_time", "orders.status"],
        "f.night_order_share",
        "share of paid orders placed at local hours 22, 23, 0, 1; NULL without a paid order"
    ),
    f!(
        "refund_rate",
        Float,
        &["orders.customer_id", "orders.order_time", "orders.status"],
        "CAST(f.refunds AS DOUBLE) / nullif(f.n_orders, 0)",
        "refunded orders / all (paid + refunded) orders; NULL without an order"
    ),
    f!(
        "distinct_categories",
        Int,
        CATS,
        "coalesce(k.distinct_categories, 0)",
        "distinct categories of paid order lines"
    ),
    f!(
        "sessions",
        Int,
        SESSIONS,
        "coalesce(e.sessions, 0)",
        "sessions stitched to the person"
    ),
    f!(
        "views",
        Int,
        SESSIONS,
        "coalesce(e.views, 0)",
        "product_view events in those sessions"
    ),
    f!(
        "cart_adds",
        Int,
        SESSIONS,
        "coalesce(e.cart_adds, 0)",
        "add_to_cart events in those sessions"
    ),
    f!(
        "view_to_cart_rate",
        Float,
        SESSIONS,
        "e.view_to_cart_rate",
        "sessions with an add_to_cart / sessions with a product_view; NULL when none has a view"
    ),
    f!(
        "cart_to_purchase_rate",
        Float,
        SESSIONS,
        "e.cart_to_purchase_rate",
        "sessions with a purchase / sessions with an add_to_cart; NULL when none has a cart add"
    ),
    f!(
        "refunds",
        Int,
        &["orders.customer_id", "orders.order_time", "orders.status"],
        "coalesce(f.refunds, 0)",
        "refunded orders"
    ),
    f!(
        "ticket_count",
        Int,
        TICKETS,
        "coalesce(t.ticket_count, 0)",
        "service tickets"
    ),
    f!(
        "mean_rating",
        Float,
        TICKETS,
        "t.mean_rating",
        "mean of the ticket ratings given; NULL when none"
    ),
];

/// Further built-in features, before the per-event-type and per-channel ones.
pub const MORE: [FeatureDef; 13] = [
    f!(
        "interpurchase_mean_days",
        Float,
        PAID_ORDERS,
        "f.interpurchase_mean_days",
        "mean days between consecutive paid orders; NULL with fewer than 2"
    ),
    f!(
        "interpurchase_std_days",
        Float,
        PAID_ORDERS,
        "f.interpurchase_std_days",
        "sample standard deviation of the days between consecutive paid orders; NULL with fewer than 3"
    ),
    f!(
        "discount_rate",
        Float,
        &[
            "orders.customer_id",
            "orders.order_time",
            "orders.status",
            "orders.amount",
            "orders.discount"
        ],
        "f.discount_rate",
        "discount / (amount + discount) over paid orders; NULL without a paid order"
    ),
    f!(
        "weekend_order_share",
        Float,
        PAID_ORDERS,
        "f.weekend_order_share",
        "share of paid orders placed on a local Saturday or Sunday; NULL without a paid order"
    ),
    f!(
        "peak_order_hour",
        Int,
        PAID_ORDERS,
        "CAST(hr.mode AS BIGINT)",
        "the local hour (0-23) with the most paid orders (ties: the earliest); NULL without a paid order"
    ),
    f!(
        "peak_order_weekday",
        Int,
        PAID_ORDERS,
        "CAST(wd.mode AS BIGINT)",
        "the local weekday (1 = Monday … 7 = Sunday) with the most paid orders (ties: the first)"
    ),
    f!(
        "favourite_channel",
        Text,
        &[
            "orders.customer_id",
            "orders.order_time",
            "orders.status",
            "orders.channel"
        ],
        "ch.mode",
        "the order channel of most paid orders (ties: alphabetical)"
    ),
    f!(
        "favourite_channel_share",
        Float,
        &[
            "orders.customer_id",
            "orders.order_time",
            "orders.status",
            "orders.channel"
        ],
        "ch.share",
        "share of the paid orders with a channel that used the favourite channel"
    ),
    f!(
        "favourite_category",
        Text,
        CATS,
        "k.favourite_category",
        "the category of most paid order lines (ties: alphabetical)"
    ),
    f!(
        "favourite_category_share",
        Float,
        CATS,
        "k.favourite_category_share",
        "share of the paid order lines in the favourite category"
    ),
    f!(
        "category_entropy",
        Float,
        CATS,
        "k.category_entropy",
        "Shannon entropy (bits) of the categories of paid order lines; 0 for one category, NULL for none"
    ),
    f!(
        "searches",
        Int,
        SESSIONS,
        "coalesce(e.searches, 0)",
        "search events in the person's sessions"
    ),
    f!(
        "negative_ticket_share",
        Float,
        TICKETS,
        "t.negative_ticket_share",
        "tickets rated 1 or 2 / tickets with a rating; NULL when none is rated"
    ),
];

/// The touch total, placed before the per-channel touch counts.
pub const TOUCH_COUNT: FeatureDef = f!(
    "touch_count",
    Int,
    &["touches.customer_id", "touches.touch_time"],
    "coalesce(x.touch_count, 0)",
    "marketing touches"
);

/// Attributes of the earliest account, the last built-in features.
pub const ATTRIBUTES: [FeatureDef; 3] = [
    f!(
        "age",
        Int,
        &["customers.birth_year", "customers.signup_time"],
        "a.age",
        "year of the as-of day − birth year of the earliest account; NULL outside 1910–2020"
    ),
    f!(
        "city_tier",
        Int,
        &["customers.city_tier", "customers.signup_time"],
        "a.city_tier",
        "city tier (1–5) of the earliest account"
    ),
    f!(
        "member_level",
        Text,
        &["customers.member_level", "customers.signup_time"],
        "a.member_level",
        "member level of the earliest account"
    ),
];

/// Prefix of the per-event-type columns: `days_since_<event_type>`.
pub const DAYS_SINCE_PREFIX: &str = "days_since_";
/// Prefix of the per-channel touch counts: `touches_<channel>`.
pub const TOUCHES_PREFIX: &str = "touches_";

/// Person attributes that user features may use besides the feature columns
/// (they are columns of `person_attributes`, not of `features`).
pub const SCOPE_ATTRIBUTES: [&str; 7] = [
    "gender",
    "birth_year",
    "city",
    "acquisition_channel",
    "record_count",
    "first_signup_time",
    "age_band",
];

/// Every fixed built-in feature, in column order (the dynamic per-event-type
/// and per-channel columns come after `negative_ticket_share` and after
/// `touch_count`).
pub fn builtin() -> impl Iterator<Item = &'static FeatureDef> {
    REFERENCE
        .iter()
        .chain(MORE.iter())
        .chain(std::iter::once(&TOUCH_COUNT))
        .chain(ATTRIBUTES.iter())
}

/// The definition of a built-in feature by name, including the dynamic
/// families (`days_since_*`, `touches_*`, which have no fixed definition
/// here: their sources are returned by [`dynamic_sources`]).
pub fn find(name: &str) -> Option<&'static FeatureDef> {
    builtin().find(|d| d.name == name)
}

/// The source columns of a dynamic feature column, if `name` is one.
pub fn dynamic_sources(name: &str) -> Option<&'static [&'static str]> {
    if name.starts_with(DAYS_SINCE_PREFIX) {
        Some(SESSIONS)
    } else if name.starts_with(TOUCHES_PREFIX) {
        Some(&["touches.customer_id", "touches.touch_time", "touches.channel"])
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_names_are_the_peer_columns_in_order() {
        let names: Vec<&str> = REFERENCE.iter().map(|d| d.name).collect();
        assert_eq!(
            names.join(","),
            "recency_days,frequency,monetary,tenure_days,orders_30d,orders_90d,orders_365d,spend_30d,\
             spend_90d,spend_365d,aov,coupon_share,night_order_share,refund_rate,distinct_categories,sessions,\
             views,cart_adds,view_to_cart_rate,cart_to_purchase_rate,refunds,ticket_count,mean_rating"
        );
    }

    #[test]
    fn names_are_unique_and_lineage_is_known() {
        let mut seen = std::collections::BTreeSet::new();
        for d in builtin() {
            assert!(seen.insert(d.name), "{} twice", d.name);
            assert!(!d.sources.is_empty(), "{} has no sources", d.name);
            for s in d.sources {
                let (t, c) = s.split_once('.').expect("table.column");
                let def = huaxiang_core::schema::table(t).expect("canonical table");
                assert!(def.column(c).is_some(), "{s}");
            }
        }
        for a in SCOPE_ATTRIBUTES {
            assert!(!seen.contains(a), "{a} is both a feature and an attribute");
        }
        assert!(find("monetary").is_some() && find("nope").is_none());
        assert!(dynamic_sources("touches_sms").is_some() && dynamic_sources("frequency").is_none());
    }

    #[test]
    fn lineage_names_only_the_columns_a_feature_reads() {
        let reads = |name: &str, column: &str| find(name).expect(name).sources.contains(&column);
        for counted in ["recency_days", "frequency", "orders_30d", "peak_order_hour"] {
            assert!(
                reads(counted, "orders.order_time") && reads(counted, "orders.status"),
                "{counted}"
            );
            assert!(!reads(counted, "orders.amount"), "{counted} reads no amount");
        }
        for summed in ["monetary", "spend_30d", "aov", "discount_rate"] {
            assert!(reads(summed, "orders.amount"), "{summed}");
        }
    }
}
