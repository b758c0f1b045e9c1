//! The organic base rate: how often a customer converts without marketing.
//!
//! Customers buy without being touched — most orders in a typical shop are
//! organic. The incremental Shapley model ([`crate::shapley`]) credits a
//! channel only with the conversions its journeys produced *beyond* what the
//! same customers would have produced untouched, so it needs every customer's
//! organic conversion rate. [`crate::journey`] counts, per customer, `kᵢ`
//! conversions over `Tᵢ` days (all observed time, or untouched time only —
//! [`crate::OrganicBaseline`]); this module turns the counts into rates.
//!
//! # Model
//!
//! A customer's conversions are taken as a Poisson process with rate λᵢ (per
//! day), and the λᵢ vary between customers as a Gamma(a, b) distribution — the
//! same Gamma–Poisson mixture that underlies BG/NBD. The prior is fitted by
//! the method of moments, with exposures of unequal length:
//!
//! * pooled mean `m = Σk / ΣT`;
//! * between-customer variance `σ² = (Σ (kᵢ − m Tᵢ)² − m ΣT) / ΣT²`,
//!   because `Var kᵢ = m Tᵢ + σ² Tᵢ²` under the mixture;
//! * `a = m²/σ²`, `b = m/σ²`, and each customer's rate is the posterior mean
//!   `λᵢ = (kᵢ + a) / (Tᵢ + b)`.
//!
//! A customer with a long history gets close to their own rate; one with a
//! short history is pulled to the pooled mean. With no detectable
//! heterogeneity (σ² ≤ 0) every customer gets the pooled mean.

use serde::Serialize;

/// The fitted Gamma prior of organic conversion rates (per day).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BaseRate {
    /// Conversions per customer-day, pooled over customers.
    pub pooled_per_day: f64,
    /// Gamma shape `a`; `None` when no heterogeneity was detected.
    pub shape: Option<f64>,
    /// Gamma rate `b` (days); `None` when no heterogeneity was detected.
    pub rate_days: Option<f64>,
    /// Customers (with at least one touch) the prior was fitted on.
    pub customers: usize,
    /// Conversions counted.
    pub conversions: f64,
    /// Customer-days observed.
    pub days: f64,
}

impl BaseRate {
    /// A base rate of zero: every conversion counts as caused by its journey.
    /// This turns the incremental Shapley value into the standard one.
    pub fn zero() -> Self {
        Self {
            pooled_per_day: 0.0,
            shape: None,
            rate_days: None,
            customers: 0,
            conversions: 0.0,
            days: 0.0,
        }
    }

    /// Fits the prior to `(conversions, days)` per customer.
    pub fn fit(stats: &[(f64, f64)]) -> Self {
        let total_k: f64 = stats.iter().map(|s| s.0).sum();
        let total_t: f64 = stats.iter().map(|s| s.1).sum();
        if total_t <= 0.0 {
            return Self {
                customers: stats.len(),
                conversions: total_k,
                ..Self::zero()
            };
        }
        let m = total_k / total_t;
        let total_t2: f64 = stats.iter().map(|s| s.1 * s.1).sum();
        let dispersion: f64 = stats.iter().map(|&(k, t)| (k - m * t).powi(2)).sum();
        let sigma2 = (dispersion - m * total_t) / total_t2;
        let (shape, rate_days) = if m > 0.0 && sigma2 > 0.0 && sigma2.is_finite() {
            (Some(m * m / sigma2), Some(m / sigma2))
        } else {
            (None, None)
        };
        Self {
            pooled_per_day: m,
            shape,
            rate_days,
            customers: stats.len(),
            conversions: total_k,
            days: total_t,
        }
    }

    /// The posterior mean rate (per day) of a customer with `k` conversions
    /// over `t` days.
    pub fn customer_rate(&self, k: f64, t: f64) -> f64 {
        match (self.shape, self.rate_days) {
            (Some(a), Some(b)) => (k + a) / (t.max(0.0) + b),
            _ => self.pooled_per_day,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn homogeneous_customers_get_the_pooled_rate() {
        // Counts exactly proportional to exposure: no excess variance.
        let stats = [(1.0, 100.0), (2.0, 200.0), (3.0, 300.0)];
        let base = BaseRate::fit(&stats);
        assert!((base.pooled_per_day - 0.01).abs() < 1e-12);
        assert_eq!(base.shape, None);
        assert!((base.customer_rate(0.0, 50.0) - 0.01).abs() < 1e-12);
    }

    #[test]
    fn heterogeneous_customers_are_shrunk_to_the_mean() {
        let stats = [(0.0, 100.0), (20.0, 100.0), (0.0, 100.0), (20.0, 100.0)];
        let base = BaseRate::fit(&stats);
        // m = 0.1; dispersion = 4·10² = 400; m ΣT = 40; ΣT² = 40000
        // σ² = 360 / 40000 = 0.009; a = 0.01/0.009; b = 0.1/0.009.
        assert!((base.pooled_per_day - 0.1).abs() < 1e-12);
        let a = base.shape.expect("heterogeneity detected");
        let b = base.rate_days.expect("heterogeneity detected");
        assert!((a - 0.01 / 0.009).abs() < 1e-9);
        assert!((b - 0.1 / 0.009).abs() < 1e-9);
        let heavy = base.customer_rate(20.0, 100.0);
        let light = base.customer_rate(0.0, 100.0);
        assert!(heavy < 0.2 && heavy > 0.1, "{heavy}");
        assert!(light > 0.0 && light < 0.1, "{light}");
    }

    #[test]
    fn no_exposure_means_zero_rate() {
        let base = BaseRate::fit(&[]);
        assert_eq!(base.pooled_per_day, 0.0);
        assert_eq!(base.customer_rate(3.0, 0.0), 0.0);
    }
}
