//! The Gamma-Gamma model of monetary value (Fader, Hardie & Lee 2005, "RFM and
//! CLV"; Fader & Hardie 2013, "The Gamma-Gamma Model of Monetary Value").
//!
//! A customer's transaction values are Gamma(p, ν) with ν ~ Gamma(q, γ) across
//! customers. The model is fitted, as in the note, on the customers with at
//! least one repeat purchase, using x (the number of repeat purchase days) and
//! m̄ₓ, the mean value of those repeat days; the first day's value is excluded
//! because it often differs in kind (sign-up offers, first baskets). lifetimes
//! calls γ `v`.
//!
//! The per-customer log-likelihood is
//!
//! ```text
//! ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m̄ + px ln x − (px+q) ln(x m̄ + γ)
//! ```
//!
//! The ln Γ and ψ terms depend on x only and are computed once per distinct x;
//! per customer, an evaluation costs one `ln` and one division. Amounts are
//! rescaled by their mean for the optimisation (γ scales with them; p and q do
//! not) and the log-likelihood is reported in the original currency.
//!
//! A customer whose repeat days all have amount 0 has m̄ = 0, where the density
//! is zero or infinite; such customers are left out of the fit and counted in
//! [`FitReport::n_excluded`]. Customers without repeat purchases get the
//! population mean value γp/(q−1), as lifetimes' `conditional_expected_average_profit`
//! gives for frequency 0.

use serde::Serialize;

use crate::error::{ClvError, Result};
use crate::optimize::{self, FitReport, Settings};
use crate::special::{digamma, ln_gamma};
use crate::summary::{CustomerSummary, RfmSummary};

/// Hyper-parameters of a Gamma-Gamma fit, validated by [`GammaGammaParams::fit`].
#[derive(Debug, Clone, PartialEq)]
pub struct GammaGammaParams {
    min_customers: usize,
    max_iterations: usize,
    tolerance: f64,
    initial: Option<[f64; 3]>,
}

impl Default for GammaGammaParams {
    fn default() -> Self {
        GammaGammaParams {
            min_customers: 10,
            max_iterations: 1000,
            tolerance: 1e-10,
            initial: None,
        }
    }
}

impl GammaGammaParams {
    /// Fewest customers with repeat purchases accepted (default 10; at least 3).
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

    /// Starting point (default: p = 1, q = 2, γ = mean of the m̄, i.e. a
    /// population mean equal to the sample mean).
    pub fn initial(mut self, p: f64, q: f64, gamma: f64) -> Self {
        self.initial = Some([p, q, gamma]);
        self
    }

    /// Checks the hyper-parameters.
    pub fn check(&self) -> Result<()> {
        let invalid = |name, value: String, reason: &str| ClvError::InvalidParameter {
            name,
            value,
            reason: reason.to_string(),
        };
        if self.min_customers < 3 {
            return Err(invalid(
                "min_customers",
                self.min_customers.to_string(),
                "must be at least 3",
            ));
        }
        if self.max_iterations == 0 {
            return Err(invalid("max_iterations", "0".to_string(), "must be positive"));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(invalid(
                "tolerance",
                self.tolerance.to_string(),
                "must be a positive number",
            ));
        }
        if let Some(init) = self.initial {
            check_parameters(init)?;
        }
        Ok(())
    }

    /// Fits the model on the customers of `summary` with repeat purchases.
    pub fn fit(&self, summary: &RfmSummary) -> Result<GammaGamma> {
        if !summary.has_amounts {
            return Err(ClvError::NoAmounts);
        }
        self.fit_customers(&summary.customers)
    }

    /// Fits the model on those of `customers` with repeat purchases and a
    /// monetary value.
    pub fn fit_customers(&self, customers: &[CustomerSummary]) -> Result<GammaGamma> {
        self.check()?;
        let data = Data::new(customers);
        if data.n < self.min_customers as f64 {
            return Err(ClvError::TooFewCustomers {
                model: "Gamma-Gamma",
                what: "customers with repeat purchases and a positive mean value",
                needed: self.min_customers,
                got: data.n as usize,
            });
        }
        let start = match self.initial {
            Some([p, q, gamma]) => [p, q, gamma / data.money_scale],
            None => [1.0, 2.0, 1.0],
        };
        let theta0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
        let mut raw = [0.0; 3];
        let objective = |theta: &[f64], grad: &mut [f64]| {
            let params = [theta[0].exp(), theta[1].exp(), theta[2].exp()];
            let ll = data.loglik(params, &mut raw);
            for i in 0..3 {
                grad[i] = -raw[i] * params[i] / data.n;
            }
            -ll / data.n
        };
        let settings = Settings {
            gradient_tolerance: self.tolerance,
            max_iterations: self.max_iterations,
        };
        let m = optimize::minimize(objective, &theta0, settings);
        let internal = [m.x[0].exp(), m.x[1].exp(), m.x[2].exp()];
        let params = [internal[0], internal[1], internal[2] * data.money_scale];
        if !m.converged || check_parameters(params).is_err() {
            return Err(ClvError::NotConverged {
                model: "Gamma-Gamma",
                iterations: m.iterations,
                gradient: m.gradient_norm,
            });
        }
        // The density of m̄ is in 1/currency: undo the rescaling.
        let loglik = data.loglik(internal, &mut raw) - data.n * data.money_scale.ln();
        Ok(GammaGamma {
            p: params[0],
            q: params[1],
            gamma: params[2],
            fit: Some(FitReport {
                loglik,
                n_customers: data.n as usize,
                n_distinct: data.rows.len(),
                n_excluded: data.excluded,
                iterations: m.iterations,
                evaluations: m.evaluations,
                gradient_norm: m.gradient_norm,
            }),
        })
    }
}

fn check_parameters(params: [f64; 3]) -> Result<()> {
    for (name, v) in ["p", "q", "gamma"].into_iter().zip(params) {
        if !(v.is_finite() && v > 0.0) {
            return Err(ClvError::InvalidParameter {
                name,
                value: v.to_string(),
                reason: "Gamma-Gamma parameters must be positive and finite".to_string(),
            });
        }
    }
    Ok(())
}

/// A fitted (or given) Gamma-Gamma model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GammaGamma {
    p: f64,
    q: f64,
    gamma: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    fit: Option<FitReport>,
}

impl GammaGamma {
    /// A model with known parameters.
    pub fn new(p: f64, q: f64, gamma: f64) -> Result<Self> {
        check_parameters([p, q, gamma])?;
        Ok(GammaGamma { p, q, gamma, fit: None })
    }

    pub fn p(&self) -> f64 {
        self.p
    }

    pub fn q(&self) -> f64 {
        self.q
    }

    /// γ, the scale of the ν distribution (lifetimes: `v`), in currency units.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }

    /// How the fit went; `None` for a model built with [`GammaGamma::new`].
    pub fn fit_report(&self) -> Option<&FitReport> {
        self.fit.as_ref()
    }

    /// The population mean transaction value γp/(q−1); `None` when q ≤ 1 (infinite mean).
    pub fn population_mean(&self) -> Option<f64> {
        (self.q > 1.0).then(|| self.gamma * self.p / (self.q - 1.0))
    }

    /// E[Z | x, m̄ₓ] (note, eq. 5): a weighted average of the population mean and
    /// the customer's mean repeat value, weight px/(px+q−1) on the latter. For
    /// x = 0 it is the population mean. NaN when q ≤ 1.
    pub fn conditional_expected_average_value(&self, x: u32, mean_value: f64) -> f64 {
        let Some(population) = self.population_mean() else {
            return f64::NAN;
        };
        if x == 0 {
            return population;
        }
        let px = self.p * f64::from(x);
        let w = px / (px + self.q - 1.0);
        (1.0 - w) * population + w * mean_value
    }

    /// E\[Z\] for a summarised customer; `None` if the customer has repeat
    /// purchases but no monetary value (a summary read without amounts), or if
    /// q ≤ 1.
    pub fn expected_average_value(&self, customer: &CustomerSummary) -> Option<f64> {
        self.population_mean()?;
        match (customer.frequency, customer.monetary_value) {
            (0, _) => self.population_mean(),
            (x, Some(m)) => Some(self.conditional_expected_average_value(x, m)),
            (_, None) => None,
        }
    }

    /// Log-likelihood of those of `customers` the model is fitted on (repeat
    /// purchases, positive monetary value), computed directly with ln Γ.
    pub fn log_likelihood(&self, customers: &[CustomerSummary]) -> f64 {
        let GammaGamma { p, q, gamma: v, .. } = *self;
        customers
            .iter()
            .filter_map(|c| match (c.frequency, c.monetary_value) {
                (x, Some(m)) if x > 0 && m > 0.0 => Some((f64::from(x), m)),
                _ => None,
            })
            .map(|(x, m)| {
                ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q)
                    + q * v.ln()
                    + (p * x - 1.0) * m.ln()
                    + p * x * x.ln()
                    - (p * x + q) * (x * m + v).ln()
            })
            .sum()
    }
}

/// The fitting data, with amounts divided by `money_scale`.
struct Data {
    /// (x, x·m̄) per customer.
    rows: Vec<(f64, f64)>,
    /// Number of customers with each x.
    count_by_x: Vec<f64>,
    n: f64,
    excluded: usize,
    money_scale: f64,
    /// Σ x ln m̄, Σ ln m̄, Σ x ln x (m̄ rescaled).
    sum_x_ln_m: f64,
    sum_ln_m: f64,
    sum_x_ln_x: f64,
}

impl Data {
    fn new(customers: &[CustomerSummary]) -> Self {
        let mut raw = Vec::new();
        let mut excluded = 0usize;
        for c in customers {
            match (c.frequency, c.monetary_value) {
                (0, _) | (_, None) => {}
                (x, Some(m)) if m > 0.0 && m.is_finite() => raw.push((x, m)),
                _ => excluded += 1,
            }
        }
        let n = raw.len() as f64;
        let money_scale = if raw.is_empty() {
            1.0
        } else {
            raw.iter().map(|&(_, m)| m).sum::<f64>() / n
        };
        let max_x = raw.iter().map(|&(x, _)| x).max().unwrap_or(0);
        let mut count_by_x = vec![0.0; max_x as usize + 1];
        let (mut sum_x_ln_m, mut sum_ln_m, mut sum_x_ln_x) = (0.0, 0.0, 0.0);
        let rows = raw
            .iter()
            .map(|&(x, m)| {
                let (xf, m) = (f64::from(x), m / money_scale);
                count_by_x[x as usize] += 1.0;
                let ln_m = m.ln();
                sum_x_ln_m += xf * ln_m;
                sum_ln_m += ln_m;
                sum_x_ln_x += xf * xf.ln();
                (xf, xf * m)
            })
            .collect();
        Data {
            rows,
            count_by_x,
            n,
            excluded,
            money_scale,
            sum_x_ln_m,
            sum_ln_m,
            sum_x_ln_x,
        }
    }

    /// Total log-likelihood (rescaled amounts) and its gradient with respect to (p, q, γ).
    fn loglik(&self, [p, q, v]: [f64; 3], grad: &mut [f64; 3]) -> f64 {
        let n = self.n;
        let ln_v = v.ln();
        let mut ll = -n * ln_gamma(q) + n * q * ln_v + p * self.sum_x_ln_m - self.sum_ln_m + p * self.sum_x_ln_x;
        let mut g_p = self.sum_x_ln_m + self.sum_x_ln_x;
        let mut g_q = -n * digamma(q) + n * ln_v;
        let mut g_v = n * q / v;
        for (x, &w) in self.count_by_x.iter().enumerate() {
            if w > 0.0 {
                let px = p * x as f64;
                let psi_sum = digamma(px + q);
                ll += w * (ln_gamma(px + q) - ln_gamma(px));
                g_p += w * x as f64 * (psi_sum - digamma(px));
                g_q += w * psi_sum;
            }
        }
        // Σ (px + q) ln(x m̄ + γ) and its derivatives.
        let (mut s_x_ln, mut s_ln, mut s_x_inv, mut s_inv) = (0.0, 0.0, 0.0, 0.0);
        for &(x, xm) in &self.rows {
            let u = xm + v;
            let (l, inv) = (u.ln(), 1.0 / u);
            s_x_ln += x * l;
            s_ln += l;
            s_x_inv += x * inv;
            s_inv += inv;
        }
        ll -= p * s_x_ln + q * s_ln;
        g_p -= s_x_ln;
        g_q -= s_ln;
        g_v -= p * s_x_inv + q * s_inv;
        *grad = [g_p, g_q, g_v];
        ll
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn customer(x: u32, m: Option<f64>) -> CustomerSummary {
        CustomerSummary {
            customer_id: format!("{x}-{m:?}"),
            first_date: None,
            frequency: x,
            recency_days: x,
            age_days: 100,
            monetary_value: m,
            holdout_frequency: 0,
            holdout_spend: None,
        }
    }

    fn sample() -> Vec<CustomerSummary> {
        (0..80u32)
            .map(|i| {
                customer(
                    1 + i % 6,
                    Some(10.0 + f64::from((i * 37) % 53) * 1.7 + f64::from(i % 6) * 3.0),
                )
            })
            .collect()
    }

    #[test]
    fn fast_loglik_and_gradient_match_the_direct_formula() {
        let customers = sample();
        let data = Data::new(&customers);
        let p = [3.0, 4.0, 0.9];
        let mut grad = [0.0; 3];
        let fast = data.loglik(p, &mut grad) - data.n * data.money_scale.ln();
        let model = GammaGamma::new(p[0], p[1], p[2] * data.money_scale).unwrap();
        let direct = model.log_likelihood(&customers);
        assert!((fast - direct).abs() < 1e-9 * direct.abs(), "{fast} vs {direct}");
        for i in 0..3 {
            let h = 1e-6 * p[i];
            let (mut up, mut down) = (p, p);
            up[i] += h;
            down[i] -= h;
            let mut g = [0.0; 3];
            let numeric = (data.loglik(up, &mut g) - data.loglik(down, &mut g)) / (2.0 * h);
            assert!((grad[i] - numeric).abs() < 1e-5 * numeric.abs().max(1.0), "param {i}");
        }
    }

    #[test]
    fn fit_reports_the_direct_loglik_and_is_scale_equivariant() {
        let customers = sample();
        let m = GammaGammaParams::default().fit_customers(&customers).unwrap();
        let ll = m.fit_report().unwrap().loglik;
        assert!((m.log_likelihood(&customers) - ll).abs() < 1e-8 * ll.abs());
        // Amounts ×100 (e.g. cents): γ ×100, p and q unchanged.
        let cents: Vec<_> = customers
            .iter()
            .map(|c| customer(c.frequency, c.monetary_value.map(|v| v * 100.0)))
            .collect();
        let mc = GammaGammaParams::default().fit_customers(&cents).unwrap();
        assert!((mc.p() - m.p()).abs() < 1e-6 * m.p());
        assert!((mc.q() - m.q()).abs() < 1e-6 * m.q());
        assert!((mc.gamma() - 100.0 * m.gamma()).abs() < 1e-6 * mc.gamma());
    }

    #[test]
    fn zero_values_are_excluded_and_counted_and_few_customers_rejected() {
        let mut customers = sample();
        customers.push(customer(2, Some(0.0)));
        customers.push(customer(0, None));
        let m = GammaGammaParams::default().fit_customers(&customers).unwrap();
        let report = m.fit_report().unwrap();
        assert_eq!((report.n_customers, report.n_excluded), (80, 1));
        let err = GammaGammaParams::default().fit_customers(&customers[..5]).unwrap_err();
        assert!(matches!(err, ClvError::TooFewCustomers { got: 5, .. }), "{err}");
    }

    #[test]
    fn conditional_value_weights_population_and_customer() {
        let m = GammaGamma::new(6.25, 3.74, 15.44).unwrap();
        let pop = 15.44 * 6.25 / 2.74;
        assert!((m.population_mean().unwrap() - pop).abs() < 1e-12);
        assert_eq!(m.conditional_expected_average_value(0, 123.0), pop);
        let v = m.conditional_expected_average_value(3, 50.0);
        let w = 18.75 / (18.75 + 2.74);
        assert!((v - ((1.0 - w) * pop + w * 50.0)).abs() < 1e-12);
        assert_eq!(m.expected_average_value(&customer(2, None)), None);
        let heavy_tail = GammaGamma::new(2.0, 0.8, 10.0).unwrap();
        assert_eq!(heavy_tail.population_mean(), None);
        assert!(heavy_tail.conditional_expected_average_value(1, 5.0).is_nan());
    }
}
