//! The BG/NBD model of purchase counts (Fader, Hardie & Lee 2005, "Counting
//! Your Customers the Easy Way").
//!
//! While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
//! after each repeat purchase they drop out for good with probability
//! p ~ Beta(a, b). Given a customer's (x, tₓ, T) the likelihood is
//!
//! ```text
//! L = B(a, b+x)/B(a, b) · Γ(r+x) αʳ / (Γ(r) (α+T)^(r+x))
//!   + [x > 0] B(a+1, b+x−1)/B(a, b) · Γ(r+x) αʳ / (Γ(r) (α+tₓ)^(r+x))
//! ```
//!
//! # How the fit is made fast
//!
//! * x, tₓ and T are whole numbers of days, so customers with the same triple
//!   share one weighted row (on 100k customers, about 64k rows).
//! * Because x is an integer, Γ(r+x)/Γ(r) = ∏ₖ₍ₖ<ₓ₎ (r+k), and likewise for the
//!   Beta ratio. These terms depend on x only: one pass over 0..=max x per
//!   evaluation gives all of them and their derivatives, with no ln Γ at all.
//! * ln(α + d) and 1/(α + d) are tabulated once per evaluation for every day
//!   count d, so a row costs one `exp` and one `ln_1p` (the log-sum of the two
//!   terms) plus a few multiplications, for the value and the exact gradient.
//! * The parameters are optimised on their logarithms with BFGS
//!   ([`crate::optimize`]), with time rescaled so the oldest customer has T = 10
//!   (as lifetimes does), which keeps the problem well conditioned.
//!
//! The log-likelihood does depend on the unit of time (densities of event times
//! do); it is reported in the unit of the fit, summed over customers, as Fader,
//! Hardie & Lee report it (−9582.4 for CDNow in weeks).

use serde::Serialize;

use crate::error::{ClvError, Result};
use crate::optimize::{self, FitReport, Settings};
use crate::special::{hyp2f1_scaled, ln_gamma};
use crate::summary::{CustomerSummary, RfmSummary};
use crate::time::TimeUnit;

/// Largest day count the fit tabulates (about 45,000 years).
const MAX_DAYS: u32 = 1 << 24;

/// Hyper-parameters of a BG/NBD fit, validated by [`BgNbdParams::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct BgNbdParams {
    unit: TimeUnit,
    min_customers: usize,
    max_iterations: usize,
    tolerance: f64,
    initial: Option<[f64; 4]>,
}

impl Default for BgNbdParams {
    fn default() -> Self {
        BgNbdParams {
            unit: TimeUnit::Day,
            min_customers: 10,
            max_iterations: 1000,
            tolerance: 1e-10,
            initial: None,
        }
    }
}

impl BgNbdParams {
    /// Unit of time of the fitted `alpha` and log-likelihood (default: day).
    pub fn unit(mut self, unit: TimeUnit) -> Self {
        self.unit = unit;
        self
    }

    /// Fewest customers accepted (default 10; at least 4, one per parameter).
    pub fn min_customers(mut self, n: usize) -> Self {
        self.min_customers = n;
        self
    }

    /// Most optimiser iterations (default 1000).
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }

    /// Convergence threshold on the largest gradient component of the mean
    /// negative log-likelihood with respect to the log-parameters (default 1e-10).
    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Starting point, `alpha` in the fit's unit (default: r = α = a = b = 1
    /// on a time scale where the oldest customer has T = 10).
    pub fn initial(mut self, r: f64, alpha: f64, a: f64, b: f64) -> Self {
        self.initial = Some([r, alpha, a, b]);
        self
    }

    /// Checks the hyper-parameters.
    pub fn check(&self) -> Result<()> {
        if self.min_customers < 4 {
            return Err(invalid("min_customers", self.min_customers, "must be at least 4"));
        }
        if self.max_iterations == 0 {
            return Err(invalid("max_iterations", 0, "must be positive"));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(invalid("tolerance", self.tolerance, "must be a positive number"));
        }
        if let Some(init) = self.initial {
            check_parameters(init)?;
        }
        Ok(())
    }

    /// Fits the model by maximum likelihood on every customer in `summary`.
    pub fn fit(&self, summary: &RfmSummary) -> Result<BgNbd> {
        self.fit_customers(&summary.customers)
    }

    /// Fits the model on these customers.
    pub fn fit_customers(&self, customers: &[CustomerSummary]) -> Result<BgNbd> {
        self.check()?;
        if customers.len() < self.min_customers {
            return Err(ClvError::TooFewCustomers {
                model: "BG/NBD",
                what: "customers",
                needed: self.min_customers,
                got: customers.len(),
            });
        }
        if customers.iter().all(|c| c.frequency == 0) {
            return Err(ClvError::NoRepeatPurchases);
        }
        let data = Data::new(customers)?;
        let days_per_unit = self.unit.days();
        // Internal time: days × scale, so the oldest customer has T = 10.
        let scale = if data.max_day > 0 {
            10.0 / f64::from(data.max_day)
        } else {
            1.0
        };
        let start = match self.initial {
            Some([r, alpha, a, b]) => [r, alpha * days_per_unit * scale, a, b],
            None => [1.0; 4],
        };
        let theta0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
        let mut tables = Tables::default();
        let mut raw_grad = [0.0; 4];
        let objective = |theta: &[f64], grad: &mut [f64]| {
            let p = [theta[0].exp(), theta[1].exp(), theta[2].exp(), theta[3].exp()];
            let ll = data.loglik(p, scale, &mut raw_grad, &mut tables);
            for i in 0..4 {
                grad[i] = -raw_grad[i] * p[i] / data.n;
            }
            -ll / data.n
        };
        let settings = Settings {
            gradient_tolerance: self.tolerance,
            max_iterations: self.max_iterations,
        };
        let m = optimize::minimize(objective, &theta0, settings);
        let p: Vec<f64> = m.x.iter().map(|t| t.exp()).collect();
        let params = [p[0], p[1] / scale / days_per_unit, p[2], p[3]];
        if !m.converged || check_parameters(params).is_err() {
            return Err(ClvError::NotConverged {
                model: "BG/NBD",
                iterations: m.iterations,
                gradient: m.gradient_norm,
            });
        }
        let loglik = data.loglik(params, 1.0 / days_per_unit, &mut raw_grad, &mut tables);
        Ok(BgNbd {
            r: params[0],
            alpha: params[1],
            a: params[2],
            b: params[3],
            unit: self.unit,
            fit: Some(FitReport {
                loglik,
                n_customers: customers.len(),
                n_distinct: data.groups.len(),
                n_excluded: 0,
                iterations: m.iterations,
                evaluations: m.evaluations,
                gradient_norm: m.gradient_norm,
            }),
        })
    }
}

fn invalid(name: &'static str, value: impl ToString, reason: &str) -> ClvError {
    ClvError::InvalidParameter {
        name,
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

fn check_parameters(params: [f64; 4]) -> Result<()> {
    for (name, v) in ["r", "alpha", "a", "b"].into_iter().zip(params) {
        if !(v.is_finite() && v > 0.0) {
            return Err(invalid(name, v, "BG/NBD parameters must be positive and finite"));
        }
    }
    Ok(())
}

/// A fitted (or given) BG/NBD model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BgNbd {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    unit: TimeUnit,
    #[serde(skip_serializing_if = "Option::is_none")]
    fit: Option<FitReport>,
}

impl BgNbd {
    /// A model with known parameters (`alpha` in `unit`), e.g. published ones.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64, unit: TimeUnit) -> Result<Self> {
        check_parameters([r, alpha, a, b])?;
        Ok(BgNbd {
            r,
            alpha,
            a,
            b,
            unit,
            fit: None,
        })
    }

    pub fn r(&self) -> f64 {
        self.r
    }

    /// Scale of the purchase-rate distribution, in [`unit`](Self::unit)s.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    pub fn a(&self) -> f64 {
        self.a
    }

    pub fn b(&self) -> f64 {
        self.b
    }

    pub fn unit(&self) -> TimeUnit {
        self.unit
    }

    /// How the fit went; `None` for a model built with [`BgNbd::new`].
    pub fn fit_report(&self) -> Option<&FitReport> {
        self.fit.as_ref()
    }

    /// Log-likelihood of the fit, summed over customers; `None` if not fitted.
    pub fn loglik(&self) -> Option<f64> {
        self.fit.as_ref().map(|f| f.loglik)
    }

    /// P(alive | x, tₓ, T), with tₓ and T in the model's unit (Fader, Hardie &
    /// Lee, note 021). Customers without repeat purchases are alive with
    /// probability 1 under BG/NBD (dropout happens only after a purchase).
    pub fn conditional_probability_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        1.0 / self.alive_denominator(x, t_x, t)
    }

    /// E[X(t, t + horizon) | x, tₓ, T]: expected repeat purchases in the next
    /// `horizon` time units (FHL 2005, eq. 10), all times in the model's unit.
    pub fn conditional_expected_purchases(&self, horizon: f64, x: u32, t_x: f64, t: f64) -> f64 {
        let denominator = self.alive_denominator(x, t_x, t);
        if denominator.is_infinite() {
            // P(alive) underflows: no future purchases, whatever ₂F₁ does.
            return 0.0;
        }
        self.purchases_numerator(horizon, x, t) / denominator
    }

    /// The part of eq. 10 that does not depend on tₓ:
    /// (a+b+x−1)/(a−1) · [1 − ₂F₁(r+x, b+x; a+b+x−1; z) · (1−z)^(r+x)],
    /// z = t/(α+T+t) (so 1−z = (α+T)/(α+T+t)).
    ///
    /// ₂F₁ is summed either directly or after Euler's transformation,
    /// ₂F₁(r+x, b+x; c; z)·(1−z)^(r+x) = ₂F₁(a+b−1−r, a−1; c; z)·(1−z)^(a−1), whichever
    /// series starts with the smaller term ratio. The transformed one suits heavy
    /// buyers (its upper parameters do not grow with x; the direct terms grow
    /// like (xz)ⁿ/n! first); the direct one suits fits with a, b → ∞ (no
    /// heterogeneity in the dropout probability), where the transformed upper
    /// parameters are huge.
    pub(crate) fn purchases_numerator(&self, horizon: f64, x: u32, t: f64) -> f64 {
        let BgNbd { r, alpha, a, b, .. } = *self;
        let xf = f64::from(x);
        let z = horizon / (alpha + t + horizon);
        let c = a + b + xf - 1.0;
        let (upper_a, upper_b) = (r + xf, b + xf);
        let (euler_a, euler_b) = (a + b - 1.0 - r, a - 1.0);
        let ((m, ln_scale), power) = if (euler_a * euler_b).abs() <= (upper_a * upper_b).abs() {
            (hyp2f1_scaled(euler_a, euler_b, c, z), a - 1.0)
        } else {
            (hyp2f1_scaled(upper_a, upper_b, c, z), r + xf)
        };
        let f = m * (ln_scale + power * (-z).ln_1p()).exp();
        c / (a - 1.0) * (1.0 - f)
    }

    /// 1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x): the denominator of
    /// eq. 10 and the reciprocal of P(alive).
    pub(crate) fn alive_denominator(&self, x: u32, t_x: f64, t: f64) -> f64 {
        if x == 0 {
            return 1.0;
        }
        let xf = f64::from(x);
        1.0 + self.a / (self.b + xf - 1.0) * ((self.alpha + t) / (self.alpha + t_x)).powf(self.r + xf)
    }

    /// E[X(horizon)]: expected repeat purchases of a new customer in their
    /// first `horizon` time units (FHL 2005, eq. 9).
    pub fn expected_purchases(&self, horizon: f64) -> f64 {
        self.conditional_expected_purchases(horizon, 0, 0.0, 0.0)
    }

    /// P(alive) of a summarised customer at the calibration end.
    pub fn p_alive(&self, customer: &CustomerSummary) -> f64 {
        self.conditional_probability_alive(customer.frequency, customer.recency(self.unit), customer.age(self.unit))
    }

    /// Expected purchase days of a summarised customer in the `horizon_days`
    /// days after the calibration end.
    pub fn expected_orders(&self, customer: &CustomerSummary, horizon_days: f64) -> f64 {
        self.conditional_expected_purchases(
            self.unit.from_days(horizon_days),
            customer.frequency,
            customer.recency(self.unit),
            customer.age(self.unit),
        )
    }

    /// Log-likelihood of these customers under the model, computed directly
    /// with ln Γ (independent of the fitting code; used to check it).
    pub fn log_likelihood(&self, customers: &[CustomerSummary]) -> f64 {
        let BgNbd { r, alpha, a, b, .. } = *self;
        customers
            .iter()
            .map(|c| {
                let x = f64::from(c.frequency);
                let (t_x, t) = (c.recency(self.unit), c.age(self.unit));
                let a1 = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln();
                let a2 = ln_gamma(a + b) + ln_gamma(b + x) - ln_gamma(b) - ln_gamma(a + b + x);
                let a3 = -(r + x) * (alpha + t).ln();
                let mix = if c.frequency > 0 {
                    let a4 = a.ln() - (b + x - 1.0).ln() - (r + x) * (alpha + t_x).ln();
                    let m = a3.max(a4);
                    m + ((a3 - m).exp() + (a4 - m).exp()).ln()
                } else {
                    a3
                };
                a1 + a2 + mix
            })
            .sum()
    }
}

/// One weighted likelihood row: all customers with this (x, tₓ, T) in days.
#[derive(Debug, Clone, Copy)]
struct Group {
    x: u32,
    t_x: u32,
    t: u32,
    weight: f64,
}

/// The data of a fit, grouped.
struct Data {
    groups: Vec<Group>,
    /// Total weight of the rows with each x.
    weight_by_x: Vec<f64>,
    max_day: u32,
    /// Number of customers.
    n: f64,
}

/// Per-evaluation work space.
#[derive(Default)]
struct Tables {
    ln_day: Vec<f64>,
    inv_day: Vec<f64>,
    c4: Vec<f64>,
    dc4_b: Vec<f64>,
}

impl Data {
    fn new(customers: &[CustomerSummary]) -> Result<Self> {
        let mut keys: Vec<u128> = Vec::with_capacity(customers.len());
        let mut max_day = 0u32;
        let mut max_x = 0u32;
        for c in customers {
            if c.recency_days > c.age_days || (c.frequency == 0 && c.recency_days != 0) {
                return Err(ClvError::InvalidParameter {
                    name: "customer summary",
                    value: c.customer_id.clone(),
                    reason: format!(
                        "inconsistent x = {}, recency = {} days, age = {} days",
                        c.frequency, c.recency_days, c.age_days
                    ),
                });
            }
            max_day = max_day.max(c.age_days);
            max_x = max_x.max(c.frequency);
            keys.push((u128::from(c.frequency) << 64) | (u128::from(c.recency_days) << 32) | u128::from(c.age_days));
        }
        if max_day > MAX_DAYS {
            return Err(invalid(
                "customer age",
                max_day,
                "longer than the model tabulates (2^24 days)",
            ));
        }
        keys.sort_unstable();
        let mut groups: Vec<Group> = Vec::new();
        let mut weight_by_x = vec![0.0; max_x as usize + 1];
        for key in keys {
            let g = Group {
                x: (key >> 64) as u32,
                t_x: (key >> 32) as u32,
                t: key as u32,
                weight: 1.0,
            };
            weight_by_x[g.x as usize] += 1.0;
            match groups.last_mut() {
                Some(last) if (last.x, last.t_x, last.t) == (g.x, g.t_x, g.t) => last.weight += 1.0,
                _ => groups.push(g),
            }
        }
        Ok(Data {
            groups,
            weight_by_x,
            max_day,
            n: customers.len() as f64,
        })
    }

    /// Total log-likelihood at `[r, alpha, a, b]`, with time in units of
    /// `1 / scale` days (`alpha` in those units), and its gradient with respect
    /// to the four parameters (not their logarithms).
    fn loglik(&self, [r, alpha, a, b]: [f64; 4], scale: f64, grad: &mut [f64; 4], tables: &mut Tables) -> f64 {
        let days = self.max_day as usize + 1;
        tables.ln_day.clear();
        tables.inv_day.clear();
        for d in 0..days {
            let v = alpha + d as f64 * scale;
            tables.ln_day.push(v.ln());
            tables.inv_day.push(1.0 / v);
        }

        // Terms that depend on x only: ln[Γ(r+x)/Γ(r)] + ln[B(a, b+x)/B(a, b)]
        // as running sums, and the constant part of the second likelihood term.
        let (mut ll, mut g_r, mut g_a, mut g_b) = (0.0, 0.0, 0.0, 0.0);
        let (mut acc, mut acc_r, mut acc_a, mut acc_b) = (0.0, 0.0, 0.0, 0.0);
        tables.c4.clear();
        tables.dc4_b.clear();
        let ln_a = a.ln();
        for (x, &w) in self.weight_by_x.iter().enumerate() {
            let k = x as f64;
            if w > 0.0 {
                ll += w * acc;
                g_r += w * acc_r;
                g_a += w * acc_a;
                g_b += w * acc_b;
            }
            // c4[x] = ln a − ln(b + x − 1), for x ≥ 1 (index 0 unused).
            let bx1 = b + k - 1.0;
            tables.c4.push(ln_a - bx1.ln());
            tables.dc4_b.push(-1.0 / bx1);
            let (rk, bk, abk) = (r + k, b + k, a + b + k);
            acc += rk.ln() + bk.ln() - abk.ln();
            acc_r += 1.0 / rk;
            acc_a -= 1.0 / abk;
            acc_b += 1.0 / bk - 1.0 / abk;
        }
        let ln_alpha = alpha.ln();
        ll += self.n * r * ln_alpha;
        g_r += self.n * ln_alpha;
        let mut g_alpha = self.n * r / alpha;

        // Per row: ln(e^A3 + [x>0] e^A4) with
        // A3 = −(r+x) ln(α+T), A4 = ln a − ln(b+x−1) − (r+x) ln(α+tₓ).
        let (ln_day, inv_day, c4, dc4_b) = (&tables.ln_day, &tables.inv_day, &tables.c4, &tables.dc4_b);
        let mut w4_sum = 0.0;
        for g in &self.groups {
            let w = g.weight;
            let rx = r + f64::from(g.x);
            let (l_t, i_t) = (ln_day[g.t as usize], inv_day[g.t as usize]);
            let a3 = -rx * l_t;
            if g.x == 0 {
                ll += w * a3;
                g_r -= w * l_t;
                g_alpha -= w * rx * i_t;
                continue;
            }
            let (l_tx, i_tx) = (ln_day[g.t_x as usize], inv_day[g.t_x as usize]);
            let a4 = c4[g.x as usize] - rx * l_tx;
            let d = a4 - a3;
            // softplus(d) = ln(1 + e^d) and the weight of the A4 term, e^d / (1 + e^d).
            let (softplus, w4) = if d > 0.0 {
                let e = (-d).exp();
                (d + e.ln_1p(), 1.0 / (1.0 + e))
            } else {
                let e = d.exp();
                (e.ln_1p(), e / (1.0 + e))
            };
            let w3 = 1.0 - w4;
            ll += w * (a3 + softplus);
            g_r -= w * (w3 * l_t + w4 * l_tx);
            g_alpha -= w * rx * (w3 * i_t + w4 * i_tx);
            w4_sum += w * w4;
            g_b += w * w4 * dc4_b[g.x as usize];
        }
        g_a += w4_sum / a;
        *grad = [g_r, g_alpha, g_a, g_b];
        ll
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn customer(x: u32, t_x: u32, t: u32) -> CustomerSummary {
        CustomerSummary {
            customer_id: format!("{x}-{t_x}-{t}"),
            first_date: None,
            frequency: x,
            recency_days: t_x,
            age_days: t,
            monetary_value: None,
            holdout_frequency: 0,
            holdout_spend: None,
        }
    }

    /// xorshift64* — a tiny deterministic generator for simulated data.
    struct Rng(u64);

    impl Rng {
        fn uniform(&mut self) -> f64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            ((self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }

        fn normal(&mut self) -> f64 {
            (-2.0 * self.uniform().ln()).sqrt() * (std::f64::consts::TAU * self.uniform()).cos()
        }

        /// Gamma(shape, 1) by Marsaglia & Tsang.
        fn gamma(&mut self, shape: f64) -> f64 {
            if shape < 1.0 {
                return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
            }
            let d = shape - 1.0 / 3.0;
            let c = 1.0 / (9.0 * d).sqrt();
            loop {
                let z = self.normal();
                let v = (1.0 + c * z).powi(3);
                if v > 0.0 && self.uniform().ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                    return d * v;
                }
            }
        }
    }

    /// Customers simulated from BG/NBD (rates per day), born uniformly over
    /// `span` days before the end; purchases falling on one day are one.
    pub(crate) fn simulate(n: usize, [r, alpha, a, b]: [f64; 4], span: u32, seed: u64) -> Vec<CustomerSummary> {
        let mut rng = Rng(seed);
        (0..n)
            .map(|i| {
                let age = (rng.uniform() * f64::from(span)) as u32;
                let lambda = rng.gamma(r) / alpha;
                let ga = rng.gamma(a);
                let p = ga / (ga + rng.gamma(b));
                let (mut t, mut days) = (0.0, vec![0u32]);
                loop {
                    t += -rng.uniform().ln() / lambda;
                    if t > f64::from(age) {
                        break;
                    }
                    let day = t as u32;
                    if days.last() != Some(&day) {
                        days.push(day);
                    }
                    if rng.uniform() < p {
                        break;
                    }
                }
                let mut c = customer((days.len() - 1) as u32, days[days.len() - 1], age);
                c.customer_id = format!("c{i}");
                c
            })
            .collect()
    }

    fn sample() -> Vec<CustomerSummary> {
        simulate(400, [0.8, 20.0, 0.7, 2.5], 300, 7)
    }

    #[test]
    fn fast_loglik_and_gradient_match_the_direct_formula() {
        let customers = sample();
        let data = Data::new(&customers).unwrap();
        assert!(data.groups.len() < customers.len());
        let p = [0.7, 11.0, 0.8, 2.5];
        for (unit, scale) in [(TimeUnit::Day, 1.0), (TimeUnit::Week, 1.0 / 7.0)] {
            let mut tables = Tables::default();
            let mut grad = [0.0; 4];
            let fast = data.loglik(p, scale, &mut grad, &mut tables);
            let model = BgNbd::new(p[0], p[1], p[2], p[3], unit).unwrap();
            let direct = model.log_likelihood(&customers);
            assert!((fast - direct).abs() < 1e-9 * direct.abs(), "{fast} vs {direct}");
            for i in 0..4 {
                let h = 1e-6 * p[i];
                let (mut up, mut down) = (p, p);
                up[i] += h;
                down[i] -= h;
                let mut g = [0.0; 4];
                let numeric = (data.loglik(up, scale, &mut g, &mut tables)
                    - data.loglik(down, scale, &mut g, &mut tables))
                    / (2.0 * h);
                assert!(
                    (grad[i] - numeric).abs() < 1e-5 * numeric.abs().max(1.0),
                    "param {i}: {} vs {numeric}",
                    grad[i]
                );
            }
        }
    }

    #[test]
    fn fit_is_unit_consistent() {
        let customers = sample();
        let day = BgNbdParams::default().fit_customers(&customers).unwrap();
        let week = BgNbdParams::default()
            .unit(TimeUnit::Week)
            .fit_customers(&customers)
            .unwrap();
        assert!((day.r() - week.r()).abs() < 1e-6 * day.r());
        assert!((day.alpha() / 7.0 - week.alpha()).abs() < 1e-6 * week.alpha());
        // LL_week = LL_day + Σx · ln 7
        let sum_x: f64 = customers.iter().map(|c| f64::from(c.frequency)).sum();
        let (ll_d, ll_w) = (day.loglik().unwrap(), week.loglik().unwrap());
        assert!((ll_w - (ll_d + sum_x * 7f64.ln())).abs() < 1e-6, "{ll_d} {ll_w}");
        // The reported log-likelihood is the direct one at the estimate.
        assert!((week.log_likelihood(&customers) - ll_w).abs() < 1e-8 * ll_w.abs());
        // Predictions do not depend on the unit.
        let c = customer(3, 120, 200);
        assert!((day.expected_orders(&c, 90.0) - week.expected_orders(&c, 90.0)).abs() < 1e-6);
        assert!((day.p_alive(&c) - week.p_alive(&c)).abs() < 1e-6);
    }

    #[test]
    fn fit_recovers_simulated_parameters() {
        let truth = [0.8, 20.0, 0.7, 2.5];
        let customers = simulate(20_000, truth, 600, 42);
        let m = BgNbdParams::default().fit_customers(&customers).unwrap();
        let got = [m.r(), m.alpha(), m.a(), m.b()];
        for (g, t) in got.iter().zip(truth) {
            assert!((g / t - 1.0).abs() < 0.15, "fitted {got:?}, simulated with {truth:?}");
        }
        let report = m.fit_report().unwrap();
        assert!(report.gradient_norm < 1e-9 && report.n_distinct < customers.len());
    }

    #[test]
    fn rejects_too_few_customers_and_no_repeats() {
        let few: Vec<_> = (0..3).map(|i| customer(1, i, 10)).collect();
        let err = BgNbdParams::default().fit_customers(&few).unwrap_err();
        assert!(
            matches!(err, ClvError::TooFewCustomers { needed: 10, got: 3, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("at least 10"));
        let none: Vec<_> = (0..20).map(|i| customer(0, 0, 10 + i)).collect();
        assert!(matches!(
            BgNbdParams::default().fit_customers(&none),
            Err(ClvError::NoRepeatPurchases)
        ));
        assert!(BgNbdParams::default().min_customers(2).check().is_err());
        assert!(BgNbdParams::default().tolerance(-1.0).check().is_err());
        assert!(BgNbdParams::default().initial(1.0, 0.0, 1.0, 1.0).check().is_err());
        assert!(BgNbd::new(1.0, f64::NAN, 1.0, 1.0, TimeUnit::Day).is_err());
    }

    #[test]
    fn predictions_have_the_textbook_limits() {
        let m = BgNbd::new(0.243, 4.414, 0.793, 2.426, TimeUnit::Week).unwrap();
        assert_eq!(m.conditional_probability_alive(0, 0.0, 30.0), 1.0);
        assert_eq!(m.conditional_expected_purchases(0.0, 2, 10.0, 30.0), 0.0);
        // A recent purchase makes a customer more likely alive than an old one.
        assert!(m.conditional_probability_alive(2, 29.0, 30.0) > m.conditional_probability_alive(2, 5.0, 30.0));
        // For a brand-new customer the conditional expectation is the unconditional one.
        assert!((m.conditional_expected_purchases(39.0, 0, 0.0, 0.0) - m.expected_purchases(39.0)).abs() < 1e-15);
    }

    #[test]
    fn extreme_customers_and_parameters_match_lifetimes() {
        // lifetimes 0.11.3 `conditional_expected_number_of_purchases_up_to_time`
        // with `params_` set by hand, printed by the last section of
        // tests/fixtures/reference.py: (t, x, tₓ, T) → E[X].
        let cases = [
            (
                [0.243, 4.414, 0.793, 2.426],
                (365.0, 5, 150.0, 170.0),
                5.909670764324652,
            ),
            (
                [0.243, 4.414, 0.793, 2.426],
                (52.0, 2000, 38.0, 38.5),
                0.00028731274186945705,
            ),
            ([0.243, 4.414, 0.793, 2.426], (520.0, 26, 30.86, 31.0), 98.1296279185268),
            // a, b → ∞: a fit without heterogeneity in the dropout probability.
            (HUGE_AB, (90.0, 0, 0.0, 30.0), 0.9650097366858589),
            (HUGE_AB, (90.0, 1, 20.0, 100.0), 0.3675354153682002),
            (HUGE_AB, (365.0, 5, 150.0, 170.0), 2.3187069791670503),
            (HUGE_AB, (520.0, 26, 30.86, 31.0), 3.125002470271994),
        ];
        for ([r, alpha, a, b], (t, x, t_x, age), want) in cases {
            let m = BgNbd::new(r, alpha, a, b, TimeUnit::Day).unwrap();
            let got = m.conditional_expected_purchases(t, x, t_x, age);
            assert!(
                (got - want).abs() <= 1e-9 * want,
                "{m:?} ({t}, {x}, {t_x}, {age}): {got} vs {want}"
            );
        }
        // Where lifetimes returns −inf (2000 repeats, a, b → ∞): both series
        // exceed the range of f64 and are combined in log space. The customer is
        // alive with probability ~1e−6 and would make ~1/p ≈ 4 more purchases if so.
        let m = BgNbd::new(HUGE_AB[0], HUGE_AB[1], HUGE_AB[2], HUGE_AB[3], TimeUnit::Day).unwrap();
        let e = m.conditional_expected_purchases(52.0, 2000, 38.0, 38.5);
        let p_alive = m.conditional_probability_alive(2000, 38.0, 38.5);
        let p = HUGE_AB[2] / (HUGE_AB[2] + HUGE_AB[3]);
        assert!((e / p_alive - 1.0 / p).abs() < 0.01 / p, "{e} {p_alive}");
    }

    const HUGE_AB: [f64; 4] = [
        0.8856091270359036,
        32.36591134109112,
        1668086342.1360183,
        5289349025.067067,
    ];
}
