//! The six latent customer segments and the behaviour planted for each.
//!
//! A segment is never written to a data file, only to `truth/segments.csv`: it is the answer
//! that segmentation models should recover from behaviour. The segments overlap on purpose
//! (their parameters are distributions, not fixed values), so no single feature separates
//! them.

/// A latent customer segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Segment {
    /// 高价值忠诚: frequent, expensive orders, almost never drops out, some store orders.
    HighValueLoyal,
    /// 价格敏感: coupons on most orders, cheap baskets, more multi-quantity lines.
    PriceSensitive,
    /// 深夜冲动: most activity from 22:00 to 01:59, short sessions, high cart→purchase.
    NightImpulse,
    /// 沉睡流失: signed up early, drops out quickly, browsing fades after signup.
    DormantChurn,
    /// 新客尝鲜: signed up in the last ~90 days, one or two orders.
    NewTrial,
    /// 浏览不买: browses and searches a lot, rarely adds to cart, often never buys.
    BrowseNoBuy,
}

/// The generative parameters of one segment.
#[derive(Debug)]
pub(crate) struct SegmentParams {
    /// Share of customers in the segment.
    pub share: f64,
    /// Signup day range (days since the history start).
    pub signup_days: (f64, f64),
    /// Mean delay from signup to the first purchase (days).
    pub first_delay: f64,
    /// Mean repeat-purchase rate (per day) and the gamma shape of its spread.
    pub rate_mean: f64,
    pub rate_shape: f64,
    /// Mean dropout probability after each repeat purchase, and the beta concentration.
    pub dropout_mean: f64,
    pub dropout_concentration: f64,
    /// Mean gross order value (CNY) and the two gamma shapes of the gamma-gamma spend model.
    pub spend_mean: f64,
    pub spend_p: f64,
    pub spend_q: f64,
    /// Mean probability of using a coupon on an order.
    pub coupon: f64,
    /// Mean share of activity in the night window.
    pub night: f64,
    /// Browse sessions per day while active, and the decay of browsing after signup (days).
    pub browse_rate: f64,
    pub browse_tau: f64,
    /// Mean extra product views in a browse session.
    pub views_mean: f64,
    /// Probability that a session contains searches.
    pub search_p: f64,
    /// Browse session: P(add to cart) and P(checkout | cart).
    pub view_to_cart: f64,
    pub cart_to_checkout: f64,
    /// Probability of claiming a coupon in a session.
    pub claim_p: f64,
    /// Probability that an order is refunded.
    pub refund_p: f64,
    /// Support tickets per active day.
    pub ticket_rate: f64,
    /// Probability that an order is placed in a physical store.
    pub store_p: f64,
    /// Mean extra lines per order.
    pub items_mean: f64,
    /// Ticket sentiment: P(negative), P(positive).
    pub negative_p: f64,
    pub positive_p: f64,
    /// Acquisition channel weights, in `ACQUISITION_CHANNELS` order.
    pub acquisition: [f64; 6],
    /// Ticket topic weights, in `tickets::TOPICS` order.
    pub topics: [f64; 7],
    /// Categories this segment prefers, with the factor on their base popularity.
    pub category_tilt: &'static [(&'static str, f64)],
    /// Mean birth year.
    pub birth_year_mean: f64,
    /// Share of women.
    pub female_share: f64,
}

/// Acquisition channels of `customers.csv`.
pub(crate) const ACQUISITION_CHANNELS: [&str; 6] =
    ["organic", "search_ad", "social_ad", "kol", "referral", "offline_store"];

const PARAMS: [SegmentParams; 6] = [
    SegmentParams {
        share: 0.12,
        signup_days: (0.0, 660.0),
        first_delay: 6.0,
        rate_mean: 1.0 / 45.0,
        rate_shape: 3.0,
        dropout_mean: 0.012,
        dropout_concentration: 40.0,
        spend_mean: 420.0,
        spend_p: 6.0,
        spend_q: 5.0,
        coupon: 0.15,
        night: 0.08,
        browse_rate: 0.004,
        browse_tau: 1e7,
        views_mean: 1.5,
        search_p: 0.30,
        view_to_cart: 0.45,
        cart_to_checkout: 0.50,
        claim_p: 0.05,
        refund_p: 0.02,
        ticket_rate: 0.0030,
        store_p: 0.20,
        items_mean: 1.2,
        negative_p: 0.20,
        positive_p: 0.45,
        acquisition: [40.0, 15.0, 10.0, 5.0, 10.0, 20.0],
        topics: [25.0, 10.0, 20.0, 5.0, 15.0, 10.0, 15.0],
        category_tilt: &[
            ("手机", 4.0),
            ("数码", 3.0),
            ("家用电器", 3.0),
            ("珠宝配饰", 3.0),
            ("酒水", 2.0),
            ("电脑办公", 2.0),
        ],
        birth_year_mean: 1986.0,
        female_share: 0.5,
    },
    SegmentParams {
        share: 0.22,
        signup_days: (0.0, 690.0),
        first_delay: 12.0,
        rate_mean: 1.0 / 120.0,
        rate_shape: 2.5,
        dropout_mean: 0.06,
        dropout_concentration: 20.0,
        spend_mean: 85.0,
        spend_p: 5.0,
        spend_q: 5.0,
        coupon: 0.75,
        night: 0.10,
        browse_rate: 0.004,
        browse_tau: 1e7,
        views_mean: 2.0,
        search_p: 0.50,
        view_to_cart: 0.30,
        cart_to_checkout: 0.35,
        claim_p: 0.45,
        refund_p: 0.05,
        ticket_rate: 0.0040,
        store_p: 0.06,
        items_mean: 0.8,
        negative_p: 0.35,
        positive_p: 0.20,
        acquisition: [20.0, 15.0, 25.0, 10.0, 25.0, 5.0],
        topics: [20.0, 15.0, 15.0, 30.0, 10.0, 5.0, 5.0],
        category_tilt: &[("食品饮料", 3.0), ("个护清洁", 3.0), ("生鲜", 3.0), ("母婴", 2.0)],
        birth_year_mean: 1989.0,
        female_share: 0.55,
    },
    SegmentParams {
        share: 0.14,
        signup_days: (0.0, 690.0),
        first_delay: 5.0,
        rate_mean: 1.0 / 100.0,
        rate_shape: 2.0,
        dropout_mean: 0.08,
        dropout_concentration: 15.0,
        spend_mean: 190.0,
        spend_p: 4.0,
        spend_q: 4.0,
        coupon: 0.25,
        night: 0.70,
        browse_rate: 0.002,
        browse_tau: 1e7,
        views_mean: 1.0,
        search_p: 0.15,
        view_to_cart: 0.60,
        cart_to_checkout: 0.70,
        claim_p: 0.10,
        refund_p: 0.06,
        ticket_rate: 0.0030,
        store_p: 0.02,
        items_mean: 0.5,
        negative_p: 0.30,
        positive_p: 0.30,
        acquisition: [20.0, 10.0, 35.0, 25.0, 8.0, 2.0],
        topics: [25.0, 20.0, 20.0, 10.0, 10.0, 10.0, 5.0],
        category_tilt: &[
            ("美妆", 3.0),
            ("服饰", 2.0),
            ("数码", 2.0),
            ("酒水", 2.0),
            ("玩具乐器", 2.0),
        ],
        birth_year_mean: 1993.0,
        female_share: 0.55,
    },
    SegmentParams {
        share: 0.20,
        signup_days: (0.0, 470.0),
        first_delay: 12.0,
        rate_mean: 1.0 / 90.0,
        rate_shape: 2.0,
        dropout_mean: 0.40,
        dropout_concentration: 8.0,
        spend_mean: 150.0,
        spend_p: 5.0,
        spend_q: 4.0,
        coupon: 0.30,
        night: 0.12,
        browse_rate: 0.015,
        browse_tau: 90.0,
        views_mean: 1.5,
        search_p: 0.30,
        view_to_cart: 0.25,
        cart_to_checkout: 0.30,
        claim_p: 0.10,
        refund_p: 0.04,
        ticket_rate: 0.0045,
        store_p: 0.10,
        items_mean: 0.7,
        negative_p: 0.50,
        positive_p: 0.15,
        acquisition: [30.0, 20.0, 20.0, 10.0, 10.0, 10.0],
        topics: [20.0, 20.0, 25.0, 10.0, 20.0, 3.0, 2.0],
        category_tilt: &[],
        birth_year_mean: 1989.0,
        female_share: 0.5,
    },
    SegmentParams {
        share: 0.14,
        signup_days: (640.0, 728.0),
        first_delay: 4.0,
        rate_mean: 1.0 / 120.0,
        rate_shape: 0.8,
        dropout_mean: 0.35,
        dropout_concentration: 8.0,
        spend_mean: 110.0,
        spend_p: 5.0,
        spend_q: 4.0,
        coupon: 0.50,
        night: 0.12,
        browse_rate: 0.010,
        browse_tau: 1e7,
        views_mean: 2.0,
        search_p: 0.40,
        view_to_cart: 0.35,
        cart_to_checkout: 0.40,
        claim_p: 0.25,
        refund_p: 0.03,
        ticket_rate: 0.0060,
        store_p: 0.06,
        items_mean: 0.5,
        negative_p: 0.30,
        positive_p: 0.30,
        acquisition: [15.0, 20.0, 30.0, 20.0, 12.0, 3.0],
        topics: [30.0, 15.0, 15.0, 15.0, 10.0, 12.0, 3.0],
        category_tilt: &[("美妆", 2.0), ("食品饮料", 2.0), ("服饰", 2.0)],
        birth_year_mean: 1996.0,
        female_share: 0.5,
    },
    SegmentParams {
        share: 0.18,
        signup_days: (0.0, 700.0),
        first_delay: 420.0,
        rate_mean: 1.0 / 300.0,
        rate_shape: 1.5,
        dropout_mean: 0.25,
        dropout_concentration: 8.0,
        spend_mean: 130.0,
        spend_p: 4.0,
        spend_q: 4.0,
        coupon: 0.30,
        night: 0.18,
        browse_rate: 0.014,
        browse_tau: 1e7,
        views_mean: 3.5,
        search_p: 0.70,
        view_to_cart: 0.08,
        cart_to_checkout: 0.15,
        claim_p: 0.10,
        refund_p: 0.03,
        ticket_rate: 0.0020,
        store_p: 0.03,
        items_mean: 0.6,
        negative_p: 0.30,
        positive_p: 0.25,
        acquisition: [30.0, 25.0, 20.0, 15.0, 8.0, 2.0],
        topics: [20.0, 10.0, 20.0, 25.0, 10.0, 12.0, 3.0],
        category_tilt: &[("服饰", 2.0), ("鞋靴", 2.0), ("数码", 2.0), ("箱包", 2.0)],
        birth_year_mean: 1991.0,
        female_share: 0.5,
    },
];

impl Segment {
    /// All segments, in the order of their parameters.
    pub(crate) const ALL: [Segment; 6] = [
        Segment::HighValueLoyal,
        Segment::PriceSensitive,
        Segment::NightImpulse,
        Segment::DormantChurn,
        Segment::NewTrial,
        Segment::BrowseNoBuy,
    ];

    /// Position in [`Segment::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// The Chinese name written to `truth/segments.csv`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Segment::HighValueLoyal => "高价值忠诚",
            Segment::PriceSensitive => "价格敏感",
            Segment::NightImpulse => "深夜冲动",
            Segment::DormantChurn => "沉睡流失",
            Segment::NewTrial => "新客尝鲜",
            Segment::BrowseNoBuy => "浏览不买",
        }
    }

    /// The generative parameters of the segment.
    pub(crate) fn params(self) -> &'static SegmentParams {
        &PARAMS[self.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_sum_to_one_and_indices_round_trip() {
        let total: f64 = Segment::ALL.iter().map(|s| s.params().share).sum();
        assert!((total - 1.0).abs() < 1e-9);
        for (i, s) in Segment::ALL.iter().enumerate() {
            assert_eq!(s.index(), i);
        }
    }
}
