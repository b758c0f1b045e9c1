//! Facts: the row sets metrics aggregate.
//!
//! A metric names one fact and never a raw table, so "which orders count" and
//! "which person an order belongs to" are decided here once. Every fact has a
//! `person_id` column (the person of the row's customer record, through
//! [`huaxiang_features::persons`]), one or more time columns, and the columns
//! a measure may use; its SQL reads only the workspace views `huaxiang sql`
//! shows, so the generated query can be checked by hand.

use huaxiang_features::persons::person_of;

/// One fact. The names are those of `fact = "…"` in a catalog file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fact {
    PaidOrders,
    AllOrders,
    OrderItems,
    Events,
    Sessions,
    Tickets,
    Persons,
    Activity,
}

/// What a fact's SQL may read that not every workspace has.
#[derive(Debug, Clone, Default)]
pub struct Available {
    /// `events` exists.
    pub events: bool,
    /// `orders` exists.
    pub orders: bool,
    /// Read the fact's precomputed table ([`crate::precompute`]): it is
    /// current, and for `activity` the measure counts distinct persons.
    pub precomputed: bool,
}

impl Fact {
    pub const ALL: [Fact; 8] = [
        Fact::PaidOrders,
        Fact::AllOrders,
        Fact::OrderItems,
        Fact::Events,
        Fact::Sessions,
        Fact::Tickets,
        Fact::Persons,
        Fact::Activity,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Fact::PaidOrders => "paid_orders",
            Fact::AllOrders => "all_orders",
            Fact::OrderItems => "order_items",
            Fact::Events => "events",
            Fact::Sessions => "sessions",
            Fact::Tickets => "tickets",
            Fact::Persons => "persons",
            Fact::Activity => "activity",
        }
    }

    pub fn parse(name: &str) -> Option<Fact> {
        Fact::ALL.into_iter().find(|f| f.name() == name.trim())
    }

    /// The columns a measure, a filter or `--where` may use.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Fact::PaidOrders | Fact::AllOrders => &[
                "order_id",
                "customer_id",
                "person_id",
                "order_time",
                "channel",
                "amount",
                "discount",
                "coupon_used",
                "status",
            ],
            Fact::OrderItems => &[
                "order_id",
                "product_id",
                "category",
                "unit_price",
                "qty",
                "customer_id",
                "person_id",
                "order_time",
                "channel",
                "coupon_used",
                "status",
            ],
            Fact::Events => &[
                "event_id",
                "session_id",
                "anonymous_id",
                "customer_id",
                "person_id",
                "event_time",
                "event_type",
                "product_id",
                "category",
                "device",
                "channel",
            ],
            Fact::Sessions => &[
                "session_id",
                "person_id",
                "session_start",
                "channel",
                "device",
                "has_purchase",
                "events",
            ],
            Fact::Tickets => &[
                "ticket_id",
                "customer_id",
                "person_id",
                "created_at",
                "channel",
                "rating",
            ],
            Fact::Persons => &["person_id", "first_signup_time", "record_count"],
            Fact::Activity => &["person_id", "activity_time", "kind", "channel"],
        }
    }

    /// The time columns; the first is the default.
    pub fn time_columns(self) -> &'static [&'static str] {
        match self {
            Fact::PaidOrders | Fact::AllOrders | Fact::OrderItems => &["order_time"],
            Fact::Events => &["event_time"],
            Fact::Sessions => &["session_start"],
            Fact::Tickets => &["created_at"],
            Fact::Persons => &["first_signup_time"],
            Fact::Activity => &["activity_time"],
        }
    }

    /// The columns that are also dimensions of their own name (labels as stored).
    pub fn native_dimensions(self) -> &'static [&'static str] {
        match self {
            Fact::PaidOrders => &["channel", "coupon_used"],
            Fact::AllOrders => &["channel", "coupon_used", "status"],
            Fact::OrderItems => &["category", "channel", "coupon_used"],
            Fact::Events => &["channel", "category", "event_type", "device"],
            Fact::Sessions => &["channel", "device"],
            Fact::Tickets => &["channel"],
            Fact::Persons => &[],
            Fact::Activity => &["channel", "kind"],
        }
    }

    /// Whether the fact maps customer ids to persons (needs `identity_links`
    /// and the `hx_unique_records` CTE).
    pub fn uses_identity(self) -> bool {
        !matches!(self, Fact::Persons)
    }

    /// The workspace tables the fact reads (all must exist; `activity` needs
    /// at least one of `events` and `orders`, see [`Fact::sql`]).
    pub fn tables(self) -> &'static [&'static str] {
        match self {
            Fact::PaidOrders | Fact::AllOrders => &["orders", "identity_links"],
            Fact::OrderItems => &["order_items", "orders", "identity_links"],
            Fact::Events | Fact::Sessions => &["events", "identity_links"],
            Fact::Tickets => &["tickets", "identity_links"],
            Fact::Persons => &["person_attributes"],
            Fact::Activity => &["identity_links"],
        }
    }

    /// The SELECT producing exactly [`Fact::columns`]: from the precomputed
    /// table when `avail.precomputed`, else [`Fact::raw_sql`].
    pub fn sql(self, avail: &Available) -> String {
        match self.precomputed_table(avail) {
            Some(table) => {
                let status = if self == Fact::PaidOrders {
                    " WHERE status = 'paid'"
                } else {
                    ""
                };
                format!(
                    "SELECT {}, {} FROM {table}{status}",
                    self.columns().join(", "),
                    crate::precompute::DAY_COLUMN
                )
            }
            None => self.raw_sql(avail),
        }
    }

    /// The precomputed table [`Fact::sql`] reads, if it reads one.
    pub fn precomputed_table(self, avail: &Available) -> Option<&'static str> {
        crate::precompute::table_of(self).filter(|_| avail.precomputed)
    }

    /// Whether [`Fact::sql`] needs
    /// [`huaxiang_features::persons::UNIQUE_RECORDS_CTE`] in scope.
    pub fn needs_identity_cte(self, avail: &Available) -> bool {
        self.uses_identity() && self.precomputed_table(avail).is_none()
    }

    /// The SELECT producing exactly [`Fact::columns`] from the raw tables.
    /// Needs [`huaxiang_features::persons::UNIQUE_RECORDS_CTE`] in scope when
    /// [`Fact::uses_identity`].
    pub fn raw_sql(self, avail: &Available) -> String {
        match self {
            Fact::PaidOrders | Fact::AllOrders => {
                let (joins, person) = person_of("o");
                let status = if self == Fact::PaidOrders {
                    " WHERE o.status = 'paid'"
                } else {
                    ""
                };
                format!(
                    "SELECT o.order_id, o.customer_id, {person} AS person_id, o.order_time, o.channel, o.amount, \
                     o.discount, CAST(o.coupon_used AS BIGINT) AS coupon_used, o.status \
                     FROM orders o {joins}{status}"
                )
            }
            Fact::OrderItems => {
                let (joins, person) = person_of("o");
                format!(
                    "SELECT i.order_id, i.product_id, i.category, i.unit_price, i.qty, o.customer_id, \
                     {person} AS person_id, o.order_time, o.channel, CAST(o.coupon_used AS BIGINT) AS coupon_used, \
                     o.status \
                     FROM order_items i JOIN orders o ON o.order_id = i.order_id AND o.source = i.source {joins} \
                     WHERE o.status = 'paid'"
                )
            }
            Fact::Events => {
                let (joins, person) = person_of("e");
                format!(
                    "SELECT e.event_id, e.session_id, e.anonymous_id, e.customer_id, {person} AS person_id, \
                     e.event_time, e.event_type, e.product_id, e.category, e.device, e.channel \
                     FROM events e {joins}"
                )
            }
            Fact::Sessions => {
                let (joins, person) = person_of("e");
                format!(
                    "SELECT e.session_id, max({person}) AS person_id, min(e.event_time) AS session_start, \
                     min(e.channel) AS channel, min(e.device) AS device, \
                     max(CASE WHEN e.event_type = 'purchase' THEN 1 ELSE 0 END) AS has_purchase, \
                     count(*) AS events \
                     FROM events e {joins} WHERE e.session_id IS NOT NULL GROUP BY e.source, e.session_id"
                )
            }
            Fact::Tickets => {
                let (joins, person) = person_of("t");
                format!(
                    "SELECT t.ticket_id, t.customer_id, {person} AS person_id, t.created_at, t.channel, t.rating \
                     FROM tickets t {joins}"
                )
            }
            Fact::Persons => "SELECT person_id, first_signup_time, record_count FROM person_attributes".to_string(),
            Fact::Activity => {
                let mut parts = Vec::new();
                if avail.events {
                    let (joins, person) = person_of("e");
                    parts.push(format!(
                        "SELECT {person} AS person_id, e.event_time AS activity_time, 'event' AS kind, e.channel \
                         FROM events e {joins}"
                    ));
                }
                if avail.orders {
                    let (joins, person) = person_of("o");
                    parts.push(format!(
                        "SELECT {person} AS person_id, o.order_time AS activity_time, 'order' AS kind, o.channel \
                         FROM orders o {joins} WHERE o.status = 'paid'"
                    ));
                }
                format!(
                    "SELECT person_id, activity_time, kind, channel FROM ({}) hx_a WHERE person_id IS NOT NULL",
                    parts.join(" UNION ALL ")
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_defaults_are_columns() {
        for f in Fact::ALL {
            assert_eq!(Fact::parse(f.name()), Some(f));
            assert!(f.columns().contains(&"person_id"), "{}", f.name());
            for t in f.time_columns() {
                assert!(f.columns().contains(t), "{} {t}", f.name());
            }
            for d in f.native_dimensions() {
                assert!(f.columns().contains(d), "{} {d}", f.name());
            }
        }
        assert_eq!(Fact::parse("orders"), None);
    }

    #[test]
    fn paid_orders_filter_status_and_map_persons() {
        let sql = Fact::PaidOrders.sql(&Available::default());
        assert!(sql.contains("WHERE o.status = 'paid'"), "{sql}");
        assert!(
            sql.contains("coalesce(hx_l_o.person_id, hx_u_o.person_id) AS person_id"),
            "{sql}"
        );
        assert!(!Fact::AllOrders.sql(&Available::default()).contains("WHERE"));
    }

    #[test]
    fn activity_reads_what_exists() {
        let only_orders = Fact::Activity.sql(&Available {
            events: false,
            orders: true,
            precomputed: false,
        });
        assert!(only_orders.contains("FROM orders o") && !only_orders.contains("FROM events e"));
        let both = Fact::Activity.sql(&Available {
            events: true,
            orders: true,
            precomputed: false,
        });
        assert!(both.contains("UNION ALL"), "{both}");
    }

    #[test]
    fn precomputed_facts_read_their_tables() {
        let pre = Available {
            events: true,
            orders: true,
            precomputed: true,
        };
        assert_eq!(
            Fact::PaidOrders.sql(&pre),
            "SELECT order_id, customer_id, person_id, order_time, channel, amount, discount, coupon_used, status, \
             hx_day FROM metric_orders WHERE status = 'paid'"
        );
        assert!(Fact::AllOrders.sql(&pre).ends_with("FROM metric_orders"));
        assert!(Fact::Sessions.sql(&pre).ends_with("FROM metric_sessions"));
        assert!(Fact::Activity.sql(&pre).ends_with("FROM metric_activity"));
        assert!(!Fact::Sessions.needs_identity_cte(&pre));
        // No precomputed table: the raw plan, whatever the flag says.
        assert_eq!(Fact::Events.sql(&pre), Fact::Events.raw_sql(&pre));
        assert!(Fact::Events.needs_identity_cte(&pre));
        assert!(!Fact::Persons.needs_identity_cte(&pre));
    }
}
