//! Shapley-value attribution over channel coalitions.
//!
//! Channels are the players of a cooperative game whose worth `v(S)` says what
//! the coalition of channels `S` produced. The Shapley value — the average
//! marginal contribution of a channel over all orders in which the channels
//! could join — is the unique split that is efficient, symmetric, additive and
//! gives nothing to a channel that adds nothing (Shapley 1953).
//!
//! # The worth of a coalition
//!
//! This crate uses the journey form of Zhao et al. (2018, "Shapley value
//! methods for attribution modeling in online advertising"): the worth of `S` is
//! summed over the journeys whose channel set lies within `S`,
//!
//! ```text
//! v(S) = Σ_{journeys J : channels(J) ⊆ S} ( converted(J) − expected_organic(J) )
//! ```
//!
//! where `expected_organic(J)` is what the customer would have converted in the
//! journey's touched time without any touch ([`crate::journey`],
//! [`crate::baseline`]). Two choices are made here, deliberately:
//!
//! * **Subset form, not rates.** A coalition is worth what its journeys
//!   produced, so a channel's credit scales with the conversions it was part of.
//!   Value functions built on conversion *rates* of exact channel sets give
//!   the same credit to a channel seen once as to one seen a thousand times and
//!   are unstable on sparse sets.
//! * **Conversions beyond the organic expectation.** The textbook form counts
//!   every conversion after a touch as produced by it (`expected_organic = 0`,
//!   [`crate::OrganicBaseline::None`]), which
//!   makes the empty coalition worth nothing although most customers buy
//!   untouched. Then a high-volume broadcast channel collects every order that
//!   happened to fall after one of its many touches. Subtracting the organic
//!   expectation makes `v` the *incremental* conversions, the quantity a channel
//!   can actually be paid for, and the Shapley value of a channel its share of
//!   them. Measured on the generated data, this is what ranks channels like
//!   their truly caused orders (crate docs).
//!
//! Because `v` is a sum over journeys, the Shapley value has the closed form
//! `φ(c) = Σ_{J ∋ c} (converted(J) − expected_organic(J)) / |channels(J)|`
//! ([`simplified_shapley`]). For up to [`EXACT_MAX_PLAYERS`] channels the crate
//! nevertheless evaluates the definition exactly ([`shapley_exact`], a subset
//! DP over all `2ⁿ` coalitions), so that other worth functions can be dropped
//! in; the tests check both agree.

use std::collections::HashMap;

use crate::error::{AttributionError, Result};
use crate::journey::{Journey, Journeys};

/// Channel counts up to which the Shapley value is computed over all
/// coalitions.
pub const EXACT_MAX_PLAYERS: usize = 16;

/// The most players [`shapley_exact`] accepts (a table of `2ⁿ` worths).
pub const MAX_EXACT_PLAYERS_LIMIT: usize = 24;

/// Exact Shapley values of an `n`-player game given by the worth of every
/// coalition: `worth[mask]`, where bit `i` of `mask` is player `i`.
///
/// `φᵢ = Σ_{S ∌ i} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S))`, in
/// `O(n · 2ⁿ)`.
pub fn shapley_exact(players: usize, worth: &[f64]) -> Result<Vec<f64>> {
    if players > MAX_EXACT_PLAYERS_LIMIT {
        return Err(AttributionError::param(
            "shapley players",
            players,
            format!("exact Shapley values are limited to {MAX_EXACT_PLAYERS_LIMIT} players"),
        ));
    }
    let size = 1usize << players;
    if worth.len() != size {
        return Err(AttributionError::LengthMismatch {
            what: "coalition worths vs 2^players",
            left: worth.len(),
            right: size,
        });
    }
    // weight[s] = s! (n − s − 1)! / n!, built as a product to stay in range.
    let n = players;
    let mut weight = vec![0.0; n.max(1)];
    for (s, w) in weight.iter_mut().enumerate().take(n) {
        // s!(n−s−1)!/n! = 1 / (n · C(n−1, s))
        let mut binom = 1.0;
        for j in 0..s {
            binom *= (n - 1 - j) as f64 / (j + 1) as f64;
        }
        *w = 1.0 / (n as f64 * binom);
    }
    let mut phi = vec![0.0; n];
    for (i, p) in phi.iter_mut().enumerate() {
        let bit = 1usize << i;
        let mut total = 0.0;
        for mask in 0..size {
            if mask & bit == 0 {
                let s = mask.count_ones() as usize;
                total += weight[s] * (worth[mask | bit] - worth[mask]);
            }
        }
        *p = total;
    }
    Ok(phi)
}

/// A journey's conversion (0 or 1) minus its organic expectation.
fn net_value(journey: &Journey) -> f64 {
    f64::from(u8::from(journey.conversion.is_some())) - journey.expected_organic
}

/// Net value (conversion minus organic expectation) per distinct channel set.
fn set_values(journeys: &Journeys) -> HashMap<Vec<u32>, f64> {
    let mut values: HashMap<Vec<u32>, f64> = HashMap::new();
    let mut set = Vec::new();
    for journey in &journeys.journeys {
        set.clear();
        set.extend(journeys.touches_of(journey).iter().map(|t| t.channel));
        set.sort_unstable();
        set.dedup();
        let net = net_value(journey);
        match values.get_mut(set.as_slice()) {
            Some(v) => *v += net,
            None => {
                values.insert(set.clone(), net);
            }
        }
    }
    values
}

/// The closed form of the journey game: every journey's net value split evenly
/// over its distinct channels. Indexed like [`Journeys::channels`].
pub fn simplified_shapley(journeys: &Journeys) -> Vec<f64> {
    let mut phi = vec![0.0; journeys.channels.len()];
    for (set, value) in set_values(journeys) {
        let share = value / set.len() as f64;
        for c in set {
            phi[c as usize] += share;
        }
    }
    phi
}

/// The Shapley value of every channel (indexed like [`Journeys::channels`]) in
/// the journey game of the module docs, in conversions: exact over all
/// coalitions for up to [`EXACT_MAX_PLAYERS`] channels, by the (identical)
/// closed form beyond.
pub fn shapley_values(journeys: &Journeys) -> Result<Vec<f64>> {
    let n = journeys.channels.len();
    if n > EXACT_MAX_PLAYERS {
        return Ok(simplified_shapley(journeys));
    }
    let mut worth = vec![0.0; 1usize << n];
    for journey in &journeys.journeys {
        let mask = journeys
            .touches_of(journey)
            .iter()
            .fold(0usize, |m, t| m | (1usize << t.channel));
        worth[mask] += net_value(journey);
    }
    // Zeta transform: worth[S] = Σ_{T ⊆ S} R(T).
    for i in 0..n {
        let bit = 1usize << i;
        for mask in 0..worth.len() {
            if mask & bit != 0 {
                worth[mask] += worth[mask ^ bit];
            }
        }
    }
    shapley_exact(n, &worth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_channels_by_hand() {
        // v(∅) = 0, v(A) = 10, v(B) = 20, v(AB) = 50.
        // φA = ½(10 − 0) + ½(50 − 20) = 20; φB = ½·20 + ½·40 = 30.
        let phi = shapley_exact(2, &[0.0, 10.0, 20.0, 50.0]).expect("game");
        assert!((phi[0] - 20.0).abs() < 1e-12, "{phi:?}");
        assert!((phi[1] - 30.0).abs() < 1e-12, "{phi:?}");
    }

    #[test]
    fn three_player_glove_game() {
        // Player 0 holds a left glove, players 1 and 2 right ones; a pair is
        // worth 1. Known values: 2/3, 1/6, 1/6.
        let mut worth = vec![0.0; 8];
        for (mask, w) in worth.iter_mut().enumerate() {
            if mask & 1 != 0 && mask & 6 != 0 {
                *w = 1.0;
            }
        }
        let phi = shapley_exact(3, &worth).expect("game");
        for (got, want) in phi.iter().zip([2.0 / 3.0, 1.0 / 6.0, 1.0 / 6.0]) {
            assert!((got - want).abs() < 1e-12, "{phi:?}");
        }
    }

    #[test]
    fn journeys_by_hand() {
        // Journeys: A→conv, A→B→conv, B→null (no organic expectation).
        // v(A) = 1, v(B) = 0, v(AB) = 2 → φA = ½·1 + ½·2 = 1.5, φB = ½·0 + ½·1 = 0.5.
        let journeys = Journeys::from_paths(vec![
            (vec!["A"], Some(1.0)),
            (vec!["A", "B"], Some(1.0)),
            (vec!["B"], None),
        ])
        .expect("paths");
        let phi = shapley_values(&journeys).expect("shapley");
        assert!((phi[0] - 1.5).abs() < 1e-12, "{phi:?}");
        assert!((phi[1] - 0.5).abs() < 1e-12, "{phi:?}");
        assert!((phi.iter().sum::<f64>() - 2.0).abs() < 1e-12);
    }

    #[test]
    fn exact_matches_closed_form() {
        let names = ["a", "b", "c", "d", "e", "f", "g"];
        let mut paths = Vec::new();
        // A deterministic spread of journeys over the seven channels.
        let mut x: u64 = 7;
        for i in 0..300 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = 1 + (x >> 60) as usize % 4;
            let path: Vec<&str> = (0..len).map(|j| names[((x >> (8 * j + 3)) % 7) as usize]).collect();
            paths.push((path, (i % 3 == 0).then_some(1.0)));
        }
        let mut journeys = Journeys::from_paths(paths).expect("paths");
        for (i, j) in journeys.journeys.iter_mut().enumerate() {
            j.expected_organic = 0.01 * (i % 5) as f64;
        }
        let exact = shapley_values(&journeys).expect("shapley");
        let closed = simplified_shapley(&journeys);
        for (a, b) in exact.iter().zip(&closed) {
            assert!((a - b).abs() < 1e-9, "{exact:?} vs {closed:?}");
        }
        // Efficiency: the values add up to the grand coalition's worth.
        let total: f64 = journeys
            .journeys
            .iter()
            .map(|j| f64::from(u8::from(j.conversion.is_some())) - j.expected_organic)
            .sum();
        assert!((exact.iter().sum::<f64>() - total).abs() < 1e-9);
    }

    #[test]
    fn organic_expectation_is_subtracted() {
        // One channel, 10 journeys, 3 conversions, 0.1 expected organic each:
        // 3 − 1 = 2 incremental conversions.
        let paths: Vec<(Vec<&str>, Option<f64>)> = (0..10).map(|i| (vec!["push"], (i < 3).then_some(1.0))).collect();
        let mut journeys = Journeys::from_paths(paths).expect("paths");
        for j in &mut journeys.journeys {
            j.expected_organic = 0.1;
        }
        let phi = shapley_values(&journeys).expect("shapley");
        assert!((phi[0] - 2.0).abs() < 1e-12, "{phi:?}");
    }

    #[test]
    fn worth_table_is_checked() {
        assert!(shapley_exact(2, &[0.0; 3]).is_err());
        assert!(shapley_exact(MAX_EXACT_PLAYERS_LIMIT + 1, &[]).is_err());
    }
}
