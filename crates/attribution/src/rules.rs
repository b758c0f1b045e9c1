//! The five rule-based (heuristic) models.
//!
//! Each splits one conversion over the touches of its journey by a fixed rule,
//! looking at nothing but that journey: the weights are non-negative and sum to
//! one, so every converting journey hands out exactly one conversion and its
//! value.
//!
//! | rule | weight of touch `i` of `m` |
//! |------|----------------------------|
//! | first | 1 for the first touch |
//! | last | 1 for the last touch |
//! | linear | `1/m` |
//! | time decay | `∝ 2^(−age/half-life)`, age = conversion time − touch time |
//! | position (U-shaped) | `first` and `last` to the ends, the rest split evenly over the middle; with two touches the ends share in proportion `first : last`; a single touch takes all |

use serde::Serialize;

use crate::error::{AttributionError, Result};
use crate::journey::SECONDS_PER_DAY;

/// A rule-based model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum Rule {
    /// All credit to the first touch.
    First,
    /// All credit to the last touch.
    Last,
    /// Equal credit to every touch.
    Linear,
    /// Credit halves every `half_life_days` before the conversion.
    TimeDecay { half_life_days: f64 },
    /// `first` to the first touch, `last` to the last, the rest to the middle.
    Position { first: f64, last: f64 },
}

impl Rule {
    /// Checks the rule's parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Rule::TimeDecay { half_life_days } => {
                if !half_life_days.is_finite() || half_life_days <= 0.0 {
                    return Err(AttributionError::param(
                        "half_life_days",
                        half_life_days,
                        "must be a positive number of days",
                    ));
                }
            }
            Rule::Position { first, last } => {
                for (name, v) in [("position first", first), ("position last", last)] {
                    if !v.is_finite() || !(0.0..=1.0).contains(&v) {
                        return Err(AttributionError::param(name, v, "must be in [0, 1]"));
                    }
                }
                if first + last > 1.0 + 1e-12 {
                    return Err(AttributionError::param(
                        "position first + last",
                        first + last,
                        "the two ends cannot take more than the whole conversion",
                    ));
                }
                if first + last <= 0.0 {
                    return Err(AttributionError::param(
                        "position first + last",
                        first + last,
                        "must be positive, or two-touch journeys have nothing to split",
                    ));
                }
            }
            Rule::First | Rule::Last | Rule::Linear => {}
        }
        Ok(())
    }

    /// Writes into `out` the weight of each touch (given by its time, in time
    /// order) of a journey converting at `conversion_time`. The weights sum to
    /// one; `out` is empty for an empty journey.
    pub fn weights(&self, touch_times: &[i64], conversion_time: i64, out: &mut Vec<f64>) {
        out.clear();
        let m = touch_times.len();
        if m == 0 {
            return;
        }
        out.resize(m, 0.0);
        match *self {
            Rule::First => out[0] = 1.0,
            Rule::Last => out[m - 1] = 1.0,
            Rule::Linear => out.iter_mut().for_each(|w| *w = 1.0 / m as f64),
            Rule::TimeDecay { half_life_days } => {
                // Relative to the newest touch, so the largest weight is 1 and
                // nothing underflows however old the oldest touch is.
                let newest = touch_times.iter().copied().max().unwrap_or(conversion_time);
                let half_life = half_life_days * SECONDS_PER_DAY;
                let mut total = 0.0;
                for (w, &t) in out.iter_mut().zip(touch_times) {
                    *w = (-((newest - t) as f64) / half_life * std::f64::consts::LN_2).exp();
                    total += *w;
                }
                out.iter_mut().for_each(|w| *w /= total);
            }
            Rule::Position { first, last } => match m {
                1 => out[0] = 1.0,
                2 => {
                    out[0] = first / (first + last);
                    out[1] = last / (first + last);
                }
                _ => {
                    let middle = (1.0 - first - last).max(0.0) / (m - 2) as f64;
                    out.iter_mut().for_each(|w| *w = middle);
                    out[0] = first;
                    out[m - 1] = last;
                    // Renormalise away rounding (and the case first + last < 1
                    // with clamping above, which cannot occur once validated).
                    let total: f64 = out.iter().sum();
                    out.iter_mut().for_each(|w| *w /= total);
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn weights(rule: Rule, times: &[i64], conversion: i64) -> Vec<f64> {
        let mut out = Vec::new();
        rule.weights(times, conversion, &mut out);
        out
    }

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn first_last_linear() {
        let times = [0, DAY, 2 * DAY, 3 * DAY];
        close(&weights(Rule::First, &times, 4 * DAY), &[1.0, 0.0, 0.0, 0.0]);
        close(&weights(Rule::Last, &times, 4 * DAY), &[0.0, 0.0, 0.0, 1.0]);
        close(&weights(Rule::Linear, &times, 4 * DAY), &[0.25; 4]);
    }

    #[test]
    fn time_decay_halves_per_half_life() {
        // Touches 14, 7 and 0 days before the last one, half-life 7 days:
        // raw weights 1/4, 1/2, 1 → divided by 7/4.
        let rule = Rule::TimeDecay { half_life_days: 7.0 };
        let w = weights(rule, &[0, 7 * DAY, 14 * DAY], 15 * DAY);
        close(&w, &[1.0 / 7.0, 2.0 / 7.0, 4.0 / 7.0]);
    }

    #[test]
    fn position_is_u_shaped() {
        let rule = Rule::Position { first: 0.4, last: 0.4 };
        close(&weights(rule, &[0], 1), &[1.0]);
        close(&weights(rule, &[0, 1], 2), &[0.5, 0.5]);
        close(&weights(rule, &[0, 1, 2], 3), &[0.4, 0.2, 0.4]);
        close(&weights(rule, &[0, 1, 2, 3], 4), &[0.4, 0.1, 0.1, 0.4]);
        let skewed = Rule::Position { first: 0.3, last: 0.6 };
        close(&weights(skewed, &[0, 1], 2), &[1.0 / 3.0, 2.0 / 3.0]);
    }

    #[test]
    fn every_rule_sums_to_one() {
        let rules = [
            Rule::First,
            Rule::Last,
            Rule::Linear,
            Rule::TimeDecay { half_life_days: 2.5 },
            Rule::Position { first: 0.4, last: 0.4 },
            Rule::Position { first: 0.2, last: 0.5 },
        ];
        for rule in rules {
            for m in 1..12 {
                let times: Vec<i64> = (0..m).map(|i| i * 3_600 * 7).collect();
                let w = weights(rule, &times, m * 3_600 * 7);
                let total: f64 = w.iter().sum();
                assert!((total - 1.0).abs() < 1e-12, "{rule:?} m={m}: {total}");
                assert!(w.iter().all(|&x| x >= 0.0));
            }
        }
    }

    #[test]
    fn invalid_parameters() {
        assert!(Rule::TimeDecay { half_life_days: 0.0 }.validate().is_err());
        assert!(Rule::Position { first: 0.7, last: 0.7 }.validate().is_err());
        assert!(Rule::Position { first: -0.1, last: 0.5 }.validate().is_err());
        assert!(Rule::Position { first: 0.0, last: 0.0 }.validate().is_err());
        assert!(Rule::Position { first: 0.5, last: 0.5 }.validate().is_ok());
    }
}
