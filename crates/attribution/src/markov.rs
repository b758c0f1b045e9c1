//! Markov-chain attribution by removal effect (Anderl, Becker, von Wangenheim &
//! Schumann 2016; the method of R's ChannelAttribution).
//!
//! Every journey, converting or not, is a walk
//! `start → s₁ → … → sₘ → (conversion | null)`. In a chain of order `k` the state
//! after a touch is the sequence of the last `k` channels (fewer at the start of
//! a journey); order 1 is the usual "the state is the current channel". Observed
//! transitions are counted and normalised per state into probabilities; the two
//! outcomes are absorbing.
//!
//! The chain's conversion probability `P` is the probability of being absorbed
//! in *conversion* from *start*. The **removal effect** of channel `c` is the
//! share of that probability lost when every state containing `c` is removed —
//! walks reaching such a state go to *null* instead:
//!
//! ```text
//! RE(c) = (P − P₋c) / P
//! ```
//!
//! The removal effects sum to more than one when journeys mix channels (a
//! conversion needing both A and B is lost when either goes), so they are
//! normalised: channel `c` gets `RE(c) / Σ RE` of the converting journeys and of
//! their revenue ([`crate::attribute`]).
//!
//! Absorption probabilities solve `h = Q h + r` (`Q` transient-to-transient,
//! `r` transient-to-conversion). They are found by Gauss–Seidel sweeps over the
//! sparse transitions, in reverse order of discovery so that a journey's later
//! states are usually up to date when earlier ones read them; self-loops are
//! solved exactly. The iteration converges because every state eventually
//! leaves to an absorbing state.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{AttributionError, Result};
use crate::journey::Journeys;

/// The highest chain order accepted.
pub const MAX_ORDER: u8 = 4;
/// The most states a chain may have.
pub const MAX_STATES: usize = 200_000;
const MAX_SWEEPS: usize = 100_000;
const TOLERANCE: f64 = 1e-14;

const CONVERSION: u32 = u32::MAX;
const NULL: u32 = u32::MAX - 1;

/// A fitted absorbing Markov chain over channel states.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkovChain {
    /// The chain's order.
    pub order: u8,
    /// Number of channels (players) in the journeys it was fitted on.
    pub channels: usize,
    /// State labels: the last `order` channels; state 0 is *start* (empty).
    states: Vec<Vec<u32>>,
    /// Outgoing transitions per state: (target, probability). Targets are
    /// state indices or the `CONVERSION` / `NULL` sentinels.
    out: Vec<Vec<(u32, f64)>>,
}

impl MarkovChain {
    /// Checks a chain order.
    pub fn validate_order(order: u8) -> Result<()> {
        if order == 0 || order > MAX_ORDER {
            return Err(AttributionError::param(
                "markov order",
                order,
                format!("must be between 1 and {MAX_ORDER}"),
            ));
        }
        Ok(())
    }

    /// Counts the transitions of all journeys (converting and not).
    pub fn fit(journeys: &Journeys, order: u8) -> Result<Self> {
        Self::validate_order(order)?;
        let k = usize::from(order);
        let mut index: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut states: Vec<Vec<u32>> = vec![Vec::new()];
        index.insert(Vec::new(), 0);
        let mut counts: Vec<HashMap<u32, f64>> = vec![HashMap::new()];
        let mut window: Vec<u32> = Vec::with_capacity(k + 1);
        for journey in &journeys.journeys {
            let mut state = 0u32;
            window.clear();
            for touch in journeys.touches_of(journey) {
                window.push(touch.channel);
                if window.len() > k {
                    window.remove(0);
                }
                let next = match index.get(window.as_slice()) {
                    Some(&s) => s,
                    None => {
                        if states.len() >= MAX_STATES {
                            return Err(AttributionError::TooManyStates {
                                order,
                                states: states.len() + 1,
                                limit: MAX_STATES,
                            });
                        }
                        let s = states.len() as u32; // < MAX_STATES
                        index.insert(window.clone(), s);
                        states.push(window.clone());
                        counts.push(HashMap::new());
                        s
                    }
                };
                *counts[state as usize].entry(next).or_insert(0.0) += 1.0;
                state = next;
            }
            let end = if journey.conversion.is_some() { CONVERSION } else { NULL };
            *counts[state as usize].entry(end).or_insert(0.0) += 1.0;
        }
        let out = counts
            .into_iter()
            .map(|c| {
                let total: f64 = c.values().sum();
                let mut edges: Vec<(u32, f64)> = c.into_iter().map(|(t, n)| (t, n / total)).collect();
                edges.sort_by_key(|e| e.0);
                edges
            })
            .collect();
        Ok(Self {
            order,
            channels: journeys.channels.len(),
            states,
            out,
        })
    }

    /// Number of transient states, *start* included.
    pub fn state_count(&self) -> usize {
        self.states.len()
    }

    /// The probability that a walk from *start* ends in conversion.
    pub fn conversion_probability(&self) -> Result<f64> {
        self.absorption(None)
    }

    /// The same with every state containing `channel` removed.
    pub fn conversion_probability_without(&self, channel: u32) -> Result<f64> {
        self.absorption(Some(channel))
    }

    /// The removal effect of every channel (indexed like
    /// [`Journeys::channels`]); all zero when nothing converts.
    pub fn removal_effects(&self) -> Result<Vec<f64>> {
        let p = self.conversion_probability()?;
        let mut effects = vec![0.0; self.channels];
        if p <= 0.0 {
            return Ok(effects);
        }
        for (c, effect) in effects.iter_mut().enumerate() {
            let without = self.conversion_probability_without(c as u32)?;
            *effect = ((p - without) / p).max(0.0);
        }
        Ok(effects)
    }

    fn absorption(&self, removed: Option<u32>) -> Result<f64> {
        let n = self.states.len();
        let dead: Vec<bool> = match removed {
            Some(c) => self.states.iter().map(|s| s.contains(&c)).collect(),
            None => vec![false; n],
        };
        let mut h = vec![0.0; n];
        for _ in 0..MAX_SWEEPS {
            let mut delta: f64 = 0.0;
            for s in (0..n).rev() {
                if dead[s] {
                    continue;
                }
                let mut acc = 0.0;
                let mut stay = 0.0;
                for &(t, p) in &self.out[s] {
                    match t {
                        CONVERSION => acc += p,
                        NULL => {}
                        t if t as usize == s => stay += p,
                        t if dead[t as usize] => {}
                        t => acc += p * h[t as usize],
                    }
                }
                let new = if stay < 1.0 { acc / (1.0 - stay) } else { 0.0 };
                delta = delta.max((new - h[s]).abs());
                h[s] = new;
            }
            if delta < TOLERANCE {
                return Ok(h[0]);
            }
        }
        Err(AttributionError::NotConverged { iterations: MAX_SWEEPS })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The three-journey example used throughout the literature and the
    /// ChannelAttribution tutorials:
    ///
    /// * C1 → C2 → C3 → conversion
    /// * C1 → null
    /// * C2 → C3 → null
    ///
    /// start→C1 2/3, start→C2 1/3, C1→C2 1/2, C1→null 1/2, C2→C3 1,
    /// C3→conversion 1/2, C3→null 1/2. P = (2/3·1/2 + 1/3)·1·1/2 = 1/3.
    /// Without C1 only start→C2→C3→conversion remains: 1/6, RE 0.5.
    /// Without C2 or C3 nothing converts: RE 1. Normalised: 0.2, 0.4, 0.4.
    fn classic() -> Journeys {
        Journeys::from_paths(vec![
            (vec!["C1", "C2", "C3"], Some(1.0)),
            (vec!["C1"], None),
            (vec!["C2", "C3"], None),
        ])
        .expect("paths")
    }

    #[test]
    fn classic_example_removal_effects() {
        let journeys = classic();
        for order in [1, 2] {
            let chain = MarkovChain::fit(&journeys, order).expect("fit");
            let p = chain.conversion_probability().expect("solve");
            assert!((p - 1.0 / 3.0).abs() < 1e-12, "order {order}: {p}");
            let re = chain.removal_effects().expect("solve");
            for (got, want) in re.iter().zip([0.5, 1.0, 1.0]) {
                assert!((got - want).abs() < 1e-12, "order {order}: {re:?}");
            }
        }
    }

    #[test]
    fn higher_order_remembers_where_walkers_came_from() {
        // A → B → conversion, C → B → null.
        // Order 1: B converts half the time whoever came, so removing A or C
        // each loses half: RE 0.5, 1, 0.5 (A, B, C).
        // Order 2: state (A,B) always converts and (C,B) never: RE 1, 1, 0.
        let journeys = Journeys::from_paths(vec![(vec!["A", "B"], Some(1.0)), (vec!["C", "B"], None)]).expect("paths");
        for (order, want) in [(1, [0.5, 1.0, 0.5]), (2, [1.0, 1.0, 0.0])] {
            let chain = MarkovChain::fit(&journeys, order).expect("fit");
            let p = chain.conversion_probability().expect("solve");
            assert!((p - 0.5).abs() < 1e-12, "order {order}: {p}");
            let re = chain.removal_effects().expect("solve");
            for (got, want) in re.iter().zip(want) {
                assert!((got - want).abs() < 1e-12, "order {order}: {re:?}");
            }
        }
    }

    #[test]
    fn loops_are_solved() {
        // A → A → B → conversion, A → null, B → A → null:
        // A: self 1/4, B 1/4, null 2/4 → h(A) = (1/4 h(B)) / (3/4).
        // B: conversion 1/2, A 1/2 → h(B) = 1/2 + 1/2 h(A).
        // h(A) = h(B)/3 → h(B) = 1/2 + h(B)/6 → h(B) = 3/5, h(A) = 1/5.
        // start: A 2/3, B 1/3 → P = 2/15 + 1/5 = 1/3.
        let journeys = Journeys::from_paths(vec![
            (vec!["A", "A", "B"], Some(1.0)),
            (vec!["A"], None),
            (vec!["B", "A"], None),
        ])
        .expect("paths");
        let chain = MarkovChain::fit(&journeys, 1).expect("fit");
        let p = chain.conversion_probability().expect("solve");
        assert!((p - 1.0 / 3.0).abs() < 1e-12, "{p}");
        // Without A: start→B→conversion 1/2 → 1/6; RE = 1/2.
        let re = chain.removal_effects().expect("solve");
        assert!((re[0] - 0.5).abs() < 1e-12, "{re:?}");
        assert!((re[1] - 1.0).abs() < 1e-12, "{re:?}");
    }

    #[test]
    fn no_conversions_no_effects() {
        let journeys = Journeys::from_paths(vec![(vec!["A", "B"], None)]).expect("paths");
        let chain = MarkovChain::fit(&journeys, 1).expect("fit");
        assert_eq!(chain.removal_effects().expect("solve"), vec![0.0, 0.0]);
    }

    #[test]
    fn order_is_validated() {
        let journeys = classic();
        assert!(MarkovChain::fit(&journeys, 0).is_err());
        assert!(MarkovChain::fit(&journeys, MAX_ORDER + 1).is_err());
    }
}
