//! Incrementality of randomly broadcast channels, without any journey model.
//!
//! When a channel's touches go out at random (a broadcast to whoever is a
//! customer at the time, not to those about to buy), the orders in the `D`
//! days after its touches can be compared with what the same customers order in
//! any `D` days. The difference is the channel's incremental orders:
//!
//! ```text
//! observed(c) = Σ_{touches of c} orders of the customer in [t, t + D]
//! expected(c) = Σ_{touches of c} λᵢ · D
//! lift(c)     = observed(c) − expected(c)
//! ```
//!
//! `λᵢ` is the customer's conversion rate over their whole observed time (the
//! [`crate::baseline`] Gamma–Poisson estimate, as for
//! [`crate::OrganicBaseline::ObservedTime`]): conservative, since the caused
//! orders are in it too, but not fooled by a targeted channel that moves
//! organic orders into touched time. Touches whose window runs
//! past the end of observation are left out. An order within `D` days of two
//! touches counts for both, so lifts of channels sent close together overlap;
//! the standard error is the Poisson one, `√observed`.
//!
//! The estimate is only causal for channels whose timing is independent of
//! the customer's intent to buy. A retargeting channel placed just before
//! orders that would have happened anyway shows a large "lift" here as in any
//! observational model; only a holdout experiment can measure it.

use serde::Serialize;

use crate::baseline::BaseRate;
use crate::error::Result;
use crate::journey::{JourneyBuilder, JourneyParams, OrganicBaseline, observed_rate_events};

/// Settings of [`incrementality`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiftParams {
    /// Days after a touch in which its orders are counted.
    pub days: f64,
    /// End of observation (unix seconds); `None` uses the latest event.
    pub observed_until: Option<i64>,
}

impl Default for LiftParams {
    fn default() -> Self {
        Self {
            days: crate::journey::DEFAULT_LOOKBACK_DAYS,
            observed_until: None,
        }
    }
}

/// The incrementality estimate of one channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelLift {
    /// The channel's name.
    pub channel: String,
    /// Touches with a complete window.
    pub touches: usize,
    /// Orders in the windows after those touches.
    pub observed_conversions: f64,
    /// Orders expected in the same windows at the customers' base rates.
    pub expected_conversions: f64,
    /// `observed − expected`.
    pub incremental_conversions: f64,
    /// Incremental orders per touch.
    pub incremental_per_touch: f64,
    /// Poisson standard error of the incremental orders.
    pub standard_error: f64,
}

/// Estimates every channel's incremental orders (module docs), sorted by
/// channel name.
pub fn incrementality(builder: &JourneyBuilder, params: &LiftParams) -> Result<Vec<ChannelLift>> {
    let journey_params = JourneyParams {
        lookback_days: params.days,
        touch_serves_one_conversion: false,
        observed_until: params.observed_until,
        organic_baseline: OrganicBaseline::ObservedTime,
    };
    journey_params.validate()?;
    let w = journey_params.window_seconds();
    let until = builder.observed_until(&journey_params);

    // Pass 1: observed-time rate statistics per customer with touches.
    let grouped = builder.grouped(until);
    let mut stats: Vec<(usize, f64, f64)> = Vec::new();
    for customer in 0..grouped.len() {
        let (ts, cs) = grouped.customer(customer);
        if ts.is_empty() {
            continue;
        }
        let (events, days) = observed_rate_events(ts, cs, until);
        stats.push((customer, events, days));
    }
    let pairs: Vec<(f64, f64)> = stats.iter().map(|s| (s.1, s.2)).collect();
    let base = BaseRate::fit(&pairs);

    // Pass 2: observed and expected orders after each touch.
    let channels = builder.channels();
    let mut touches = vec![0usize; channels.len()];
    let mut observed = vec![0.0; channels.len()];
    let mut expected = vec![0.0; channels.len()];
    for &(customer, k, t) in &stats {
        let rate = base.customer_rate(k, t);
        let (ts, cs) = grouped.customer(customer);
        let mut lo = 0usize;
        let mut hi = 0usize;
        for touch in ts {
            if touch.time.saturating_add(w) > until {
                continue;
            }
            while lo < cs.len() && cs[lo].time < touch.time {
                lo += 1;
            }
            hi = hi.max(lo);
            while hi < cs.len() && cs[hi].time <= touch.time.saturating_add(w) {
                hi += 1;
            }
            let c = touch.channel as usize;
            touches[c] += 1;
            observed[c] += (hi - lo) as f64;
            expected[c] += rate * params.days;
        }
    }
    let mut lifts: Vec<ChannelLift> = channels
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let incremental = observed[c] - expected[c];
            ChannelLift {
                channel: name.clone(),
                touches: touches[c],
                observed_conversions: observed[c],
                expected_conversions: expected[c],
                incremental_conversions: incremental,
                incremental_per_touch: if touches[c] > 0 {
                    incremental / touches[c] as f64
                } else {
                    0.0
                },
                standard_error: observed[c].sqrt(),
            }
        })
        .collect();
    lifts.sort_by(|a, b| a.channel.cmp(&b.channel));
    Ok(lifts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn lift_is_observed_minus_base_rate() {
        // One customer observed for 100 days from a push on day 0; orders on
        // days 1 (after the push), 50 and 70: λ = 3/100 per day →
        // expected 7 · 0.03; observed 1.
        let mut b = JourneyBuilder::new();
        b.add_touch("a", 0, "push", "p").expect("touch");
        for day in [1, 50, 70] {
            b.add_conversion("a", day * DAY, 1.0).expect("conversion");
        }
        let lift = incrementality(
            &b,
            &LiftParams {
                days: 7.0,
                observed_until: Some(100 * DAY),
            },
        )
        .expect("lift");
        assert_eq!(lift.len(), 1);
        let push = &lift[0];
        assert_eq!(push.touches, 1);
        assert!((push.observed_conversions - 1.0).abs() < 1e-12);
        assert!((push.expected_conversions - 0.21).abs() < 1e-12);
        assert!((push.incremental_conversions - 0.79).abs() < 1e-12);
    }

    #[test]
    fn window_is_validated() {
        let b = JourneyBuilder::new();
        assert!(
            incrementality(
                &b,
                &LiftParams {
                    days: -1.0,
                    observed_until: None
                }
            )
            .is_err()
        );
    }
}
