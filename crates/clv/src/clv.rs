//! Customer lifetime value: the two models together, as the command line and
//! the workspace pipeline use them.
//!
//! [`ClvParams::fit`] fits BG/NBD on every summarised customer and, when the
//! summary has amounts, Gamma-Gamma on those with repeat purchases.
//! [`ClvModel::predict`] scores customers for a horizon given in days:
//! P(alive), expected purchase days, the conditional expected average value and
//! their product, the expected spend.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::Serialize;

use crate::bgnbd::{BgNbd, BgNbdParams};
use crate::error::{ClvError, Result};
use crate::gamma_gamma::{GammaGamma, GammaGammaParams};
use crate::summary::{CustomerSummary, RfmSummary};
use crate::time::TimeUnit;

/// Hyper-parameters of both fits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClvParams {
    pub bgnbd: BgNbdParams,
    pub gamma_gamma: GammaGammaParams,
}

impl ClvParams {
    /// Unit of time of the BG/NBD fit (default: day).
    pub fn unit(mut self, unit: TimeUnit) -> Self {
        self.bgnbd = self.bgnbd.unit(unit);
        self
    }

    /// Fits BG/NBD, and Gamma-Gamma if the summary has amounts.
    pub fn fit(&self, summary: &RfmSummary) -> Result<ClvModel> {
        self.bgnbd.check()?;
        self.gamma_gamma.check()?;
        let bgnbd = self.bgnbd.fit(summary)?;
        let gamma_gamma = if summary.has_amounts {
            Some(self.gamma_gamma.fit(summary)?)
        } else {
            None
        };
        Ok(ClvModel { bgnbd, gamma_gamma })
    }
}

/// The fitted models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClvModel {
    pub bgnbd: BgNbd,
    /// Present when the transactions had amounts.
    pub gamma_gamma: Option<GammaGamma>,
}

/// The fitted parameters, flat, as `huaxiang clv fit` prints them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClvParameters {
    pub unit: TimeUnit,
    pub r: f64,
    /// In `unit`s.
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    /// BG/NBD log-likelihood summed over customers, in `unit`s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loglik: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customers: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<f64>,
    /// Gamma-Gamma γ (lifetimes: `v`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gamma: Option<f64>,
    /// Customers the Gamma-Gamma model was fitted on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gamma_gamma_customers: Option<usize>,
}

/// Predictions for one customer over a horizon. The id is borrowed from the
/// scored [`CustomerSummary`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomerPrediction<'a> {
    pub customer_id: &'a str,
    /// P(alive) at the calibration end.
    pub p_alive: f64,
    /// Expected purchase days in the horizon.
    pub expected_orders: f64,
    /// Conditional expected value per purchase day (needs amounts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_average_value: Option<f64>,
    /// `expected_orders × expected_average_value`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_spend: Option<f64>,
}

impl ClvModel {
    /// The parameters, flat.
    pub fn parameters(&self) -> ClvParameters {
        let bg = &self.bgnbd;
        let gg = self.gamma_gamma.as_ref();
        ClvParameters {
            unit: bg.unit(),
            r: bg.r(),
            alpha: bg.alpha(),
            a: bg.a(),
            b: bg.b(),
            loglik: bg.loglik(),
            customers: bg.fit_report().map(|f| f.n_customers),
            p: gg.map(|g| g.p()),
            q: gg.map(|g| g.q()),
            gamma: gg.map(|g| g.gamma()),
            gamma_gamma_customers: gg.and_then(|g| g.fit_report()).map(|f| f.n_customers),
        }
    }

    /// Scores `customers` for the `horizon_days` days after the calibration
    /// end. Customers who have not bought yet can be included with
    /// [`CustomerSummary::without_purchases`].
    pub fn predict<'a>(
        &self,
        customers: &'a [CustomerSummary],
        horizon_days: f64,
    ) -> Result<Vec<CustomerPrediction<'a>>> {
        self.check_horizon(horizon_days)?;
        // The hypergeometric part of E[X] depends on (x, T) only, and far fewer
        // distinct pairs than customers exist: compute each once.
        let mut numerators: HashMap<u64, f64, BuildHasherDefault<KeyHasher>> = HashMap::default();
        let unit = self.bgnbd.unit();
        let horizon = unit.from_days(horizon_days);
        Ok(customers
            .iter()
            .map(|c| {
                let key = (u64::from(c.frequency) << 32) | u64::from(c.age_days);
                let numerator = *numerators
                    .entry(key)
                    .or_insert_with(|| self.bgnbd.purchases_numerator(horizon, c.frequency, c.age(unit)));
                self.score(c, numerator)
            })
            .collect())
    }

    /// Scores one customer (see [`predict`](Self::predict)).
    pub fn predict_customer<'a>(
        &self,
        customer: &'a CustomerSummary,
        horizon_days: f64,
    ) -> Result<CustomerPrediction<'a>> {
        self.check_horizon(horizon_days)?;
        let unit = self.bgnbd.unit();
        let numerator =
            self.bgnbd
                .purchases_numerator(unit.from_days(horizon_days), customer.frequency, customer.age(unit));
        Ok(self.score(customer, numerator))
    }

    fn check_horizon(&self, horizon_days: f64) -> Result<()> {
        if !(horizon_days.is_finite() && horizon_days >= 0.0) {
            return Err(ClvError::InvalidParameter {
                name: "horizon",
                value: horizon_days.to_string(),
                reason: "must be a non-negative number of days".to_string(),
            });
        }
        if let Some(gg) = &self.gamma_gamma
            && gg.population_mean().is_none()
        {
            return Err(ClvError::UndefinedMeanValue { q: gg.q() });
        }
        Ok(())
    }

    fn score<'a>(&self, customer: &'a CustomerSummary, purchases_numerator: f64) -> CustomerPrediction<'a> {
        let unit = self.bgnbd.unit();
        let denominator = self
            .bgnbd
            .alive_denominator(customer.frequency, customer.recency(unit), customer.age(unit));
        let expected_orders = purchases_numerator / denominator;
        let expected_average_value = self
            .gamma_gamma
            .as_ref()
            .and_then(|gg| gg.expected_average_value(customer));
        CustomerPrediction {
            customer_id: &customer.customer_id,
            p_alive: 1.0 / denominator,
            expected_orders,
            expected_average_value,
            expected_spend: expected_average_value.map(|v| v * expected_orders),
        }
    }
}

/// Hasher for the (x, T) keys packed into a `u64`: one multiplication.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = (key ^ (key >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}
