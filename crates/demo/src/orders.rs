//! Orders and their lines, with exact money.
//!
//! All money is integer cents, so the invariants hold exactly: `amount + discount` equals the
//! sum of `unit_price × qty` over the order's lines, and `discount > 0` exactly when a coupon
//! was used. Lines are picked from the catalogue near a gamma-gamma target value, so the real
//! amount follows the customer's spend level only approximately, as in a real shop.

use std::path::Path;

use crate::catalog::{self, Catalog};
use crate::error::DemoError;
use crate::population::{Customer, SURFACES};
use crate::purchases::{Behaviour, OrganicOrder};
use crate::random::Rng;
use crate::segments::Segment;
use crate::touches::Touches;
use crate::writer::CsvWriter;

/// Order channels: the three online surfaces, then the physical store.
pub(crate) const ORDER_CHANNELS: [&str; 4] = ["app", "web", "mini_program", "store"];
/// Index of the store channel in [`ORDER_CHANNELS`].
pub(crate) const STORE: u8 = 3;

/// One order. Its id is `O` + (index + 1), numbered in time order.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Order {
    pub ts: i64,
    pub customer: u32,
    pub channel: u8,
    pub coupon: bool,
    pub refunded: bool,
    /// Σ unit_price × qty, in cents.
    pub gross: i64,
    /// Coupon discount, in cents (0 without a coupon).
    pub discount: i64,
    /// Lines `first_line .. first_line + n_lines` of [`OrderBook::lines`].
    pub first_line: u32,
    pub n_lines: u16,
    /// The touch that caused the order, if any.
    pub touch: Option<u32>,
}

impl Order {
    /// What the customer paid, in cents.
    pub(crate) fn amount(&self) -> i64 {
        self.gross - self.discount
    }
}

/// One order line (one distinct product).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Line {
    pub product: u16,
    pub qty: u16,
    /// Unit price paid, in cents: the list price or a promo price.
    pub unit_price: i64,
}

/// All orders before the cutoff, in time order, and their lines.
pub(crate) struct OrderBook {
    pub orders: Vec<Order>,
    pub lines: Vec<Line>,
}

impl OrderBook {
    /// Merges organic and touch-caused orders, numbers them in time order and fills them.
    pub(crate) fn build(
        customers: &[Customer],
        behaviour: &[Behaviour],
        organic: &[OrganicOrder],
        touches: &Touches,
        catalog: &Catalog,
        rng: &mut Rng,
    ) -> OrderBook {
        let mut slots: Vec<(i64, u32, Option<u32>)> = organic
            .iter()
            .map(|o| (o.ts, o.customer, None))
            .chain(touches.incremental.iter().map(|o| (o.ts, o.customer, Some(o.touch))))
            .collect();
        slots.sort_by_key(|&(ts, c, t)| (ts, c, t.map_or(-1, i64::from)));

        let mut orders = Vec::with_capacity(slots.len());
        let mut lines = Vec::with_capacity(slots.len() * 2);
        let mut basket: Vec<(u16, u16)> = Vec::with_capacity(16);
        for (ts, customer, touch) in slots {
            let c = &customers[customer as usize];
            let p = c.segment.params();
            let channel = if rng.chance(p.store_p) {
                STORE
            } else if rng.chance(0.8) {
                c.surface
            } else {
                rng.below(SURFACES.len()) as u8
            };
            let coupon = rng.chance(c.coupon_propensity);
            let refunded = rng.chance(p.refund_p);
            let target = rng.gamma(p.spend_p, 1.0 / behaviour[customer as usize].nu) * 100.0;
            fill_basket(&mut basket, c, target, catalog, rng);

            let first_line = lines.len() as u32;
            let mut gross = 0i64;
            for &(product, qty) in &basket {
                let list = catalog.products[usize::from(product)].list_price;
                let unit_price = if rng.chance(0.2) {
                    ((list as f64 * rng.uniform(0.80, 0.95)).round() as i64).max(1)
                } else {
                    list
                };
                gross += unit_price * i64::from(qty);
                lines.push(Line {
                    product,
                    qty,
                    unit_price,
                });
            }
            let discount = if coupon {
                ((gross as f64 * rng.uniform(0.05, 0.30)).round() as i64).clamp(1, gross - 1)
            } else {
                0
            };
            orders.push(Order {
                ts,
                customer,
                channel,
                coupon,
                refunded,
                gross,
                discount,
                first_line,
                n_lines: basket.len() as u16,
                touch,
            });
        }
        OrderBook { orders, lines }
    }

    /// The lines of one order, sorted by product.
    pub(crate) fn lines_of(&self, order: &Order) -> &[Line] {
        let start = order.first_line as usize;
        &self.lines[start..start + usize::from(order.n_lines)]
    }

    /// Paid (not refunded) spend per customer, in cents.
    pub(crate) fn paid_spend(&self, n_customers: usize) -> Vec<i64> {
        let mut spend = vec![0i64; n_customers];
        for o in self.orders.iter().filter(|o| !o.refunded) {
            spend[o.customer as usize] += o.amount();
        }
        spend
    }

    /// Writes `orders.csv`.
    pub(crate) fn write_orders(&self, dir: &Path) -> Result<u64, DemoError> {
        let mut w = CsvWriter::create(
            dir,
            "orders.csv",
            &[
                "order_id",
                "customer_id",
                "order_time",
                "channel",
                "amount",
                "discount",
                "coupon_used",
                "status",
            ],
        )?;
        for (k, o) in self.orders.iter().enumerate() {
            w.id(b'O', k as u64 + 1, 9);
            w.id(b'C', u64::from(o.customer) + 1, 8);
            w.timestamp(o.ts);
            w.str(ORDER_CHANNELS[usize::from(o.channel)]);
            w.money(o.amount());
            w.money(o.discount);
            w.int(i64::from(o.coupon));
            w.str(if o.refunded { "refunded" } else { "paid" });
            w.end_row()?;
        }
        w.finish()
    }

    /// Writes `order_items.csv`.
    pub(crate) fn write_items(&self, dir: &Path, catalog: &Catalog) -> Result<u64, DemoError> {
        let mut w = CsvWriter::create(
            dir,
            "order_items.csv",
            &["order_id", "product_id", "category", "unit_price", "qty"],
        )?;
        for (k, o) in self.orders.iter().enumerate() {
            for l in self.lines_of(o) {
                w.id(b'O', k as u64 + 1, 9);
                w.id(b'P', u64::from(l.product) + 1, 5);
                w.str(catalog::category_name(catalog.category_of(l.product)));
                w.money(l.unit_price);
                w.int(i64::from(l.qty));
                w.end_row()?;
            }
        }
        w.finish()
    }
}

/// Picks the distinct products and quantities of one order near a gross `target` (cents),
/// then applies the planted bundles. The basket is sorted by product.
fn fill_basket(basket: &mut Vec<(u16, u16)>, c: &Customer, target: f64, catalog: &Catalog, rng: &mut Rng) {
    let p = c.segment.params();
    basket.clear();
    let n = 1 + rng.poisson(p.items_mean).min(7) as usize;
    let mut weights = [0.0f64; 8];
    for w in weights.iter_mut().take(n) {
        *w = rng.exponential(1.0);
    }
    let total: f64 = weights[..n].iter().sum();
    let single_p = if c.segment == Segment::PriceSensitive {
        0.65
    } else {
        0.82
    };
    for &w in &weights[..n] {
        let qty: u16 = if rng.chance(single_p) {
            1
        } else if rng.chance(0.7) {
            2
        } else {
            3
        };
        let category = catalog.pick_category(rng, Some(&c.favourites));
        let line_target = target * w / total / f64::from(qty);
        // A best seller 35% of the time, unless it is far above this line's budget.
        let popular = rng
            .chance(0.35)
            .then(|| catalog.pick_popular(rng, category))
            .filter(|&p| catalog.products[usize::from(p)].list_price as f64 <= 3.0 * line_target);
        let product = popular.unwrap_or_else(|| catalog.pick_by_price(rng, category, line_target));
        basket.push((product, qty));
    }
    merge(basket);
    for b in &catalog.bundles {
        let has = |p: u16| basket.iter().any(|&(x, _)| x == p);
        if has(b.antecedent) && !has(b.consequent) && rng.chance(b.probability) {
            basket.push((b.consequent, 1));
        }
    }
    merge(basket);
}

/// Sorts by product and merges repeated products into one line.
fn merge(basket: &mut Vec<(u16, u16)>) {
    basket.sort_unstable();
    basket.dedup_by(|later, kept| {
        if later.0 == kept.0 {
            kept.1 += later.1;
            true
        } else {
            false
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_sums_quantities_of_repeated_products() {
        let mut b = vec![(5, 1), (2, 2), (5, 3)];
        merge(&mut b);
        assert_eq!(b, vec![(2, 2), (5, 4)]);
    }
}
