//! Organic purchases: the BG/NBD process and the gamma-gamma spend model.
//!
//! Each customer draws a repeat-purchase rate λ ~ Gamma(r, ·) and a dropout probability
//! p ~ Beta(a, b) from the segment. The first purchase ("birth") comes after signup plus an
//! exponential delay, repeat purchases follow a Poisson(λ) process, and after every repeat
//! purchase the customer leaves for good with probability p. That is exactly the story the
//! BG/NBD model tells, so CLV models fitted on the orders can recover the planted parameters.
//! Order values follow gamma-gamma: a per-customer rate ν ~ Gamma(q, ·) and per-order gross
//! targets ~ Gamma(p, 1/ν).

use crate::calendar::{self, CUTOFF_S, HISTORY_DAYS};
use crate::population::Customer;
use crate::random::Rng;

/// The latent purchase behaviour of one customer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Behaviour {
    /// Instant of the repeat purchase after which the customer dropped out
    /// (`i64::MAX` if still alive at the cutoff).
    pub death_ts: i64,
    /// Gamma-gamma spend rate ν; the mean order value is `spend_p / nu` (in CNY).
    pub nu: f64,
}

/// An organic (not marketing-caused) order: when and who.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OrganicOrder {
    pub ts: i64,
    pub customer: u32,
}

/// Simulates every customer's purchase history up to the cutoff.
pub(crate) fn simulate(customers: &[Customer], rng: &mut Rng) -> (Vec<Behaviour>, Vec<OrganicOrder>) {
    let mut behaviour = Vec::with_capacity(customers.len());
    let mut orders = Vec::with_capacity(customers.len() * 4);
    let end = HISTORY_DAYS as f64;
    for (i, c) in customers.iter().enumerate() {
        let p = c.segment.params();
        let rate = rng.gamma(p.rate_shape, p.rate_mean / p.rate_shape);
        let dropout = rng.beta_mean(p.dropout_mean, p.dropout_concentration);
        let spend_scale = p.spend_mean * (p.spend_q - 1.0) / p.spend_p;
        let nu = rng.gamma(p.spend_q, 1.0 / spend_scale);
        let mut death_ts = i64::MAX;
        let mut day = c.signup_day + rng.exponential(p.first_delay);
        let mut first = true;
        while day < end {
            let tod = calendar::time_of_day(rng, c.night);
            // Never before the account exists: at least an hour after signup.
            let ts = calendar::at(day, tod).max(c.signup_ts + 3600 + rng.below(3600) as i64);
            if ts < CUTOFF_S {
                orders.push(OrganicOrder { ts, customer: i as u32 });
            }
            if !first && rng.chance(dropout) {
                death_ts = ts;
                break;
            }
            first = false;
            day += rng.exponential(1.0 / rate.max(1e-9));
        }
        behaviour.push(Behaviour { death_ts, nu });
    }
    (behaviour, orders)
}
