//! Errors: every one names the parameter at fault and the value it was given, so that a
//! message shown to an analyst (in a CLI, a log line or a translated UI) can be acted on
//! without reading the code.

use thiserror::Error;

/// What can go wrong before mining starts. Mining itself cannot fail: every check is done
/// up front by [`crate::RuleParams::validate`] (or by [`crate::frequent_itemsets`] for its
/// own two parameters).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BasketError {
    /// `min_support` must lie in (0, 1]: zero would make every combination of items
    /// "frequent" and the search would never end in practice.
    #[error("invalid parameter min_support = {0}: it must be a fraction in (0, 1], e.g. 0.001 for 0.1% of baskets")]
    MinSupport(f64),
    /// `min_confidence` must lie in [0, 1].
    #[error("invalid parameter min_confidence = {0}: it must be a fraction in [0, 1], e.g. 0.2")]
    MinConfidence(f64),
    /// `min_lift` must be a finite number ≥ 0 (lift itself is never negative).
    #[error(
        "invalid parameter min_lift = {0}: it must be a finite number >= 0, e.g. 1.0 to keep only positively associated rules"
    )]
    MinLift(f64),
    /// `max_len` is too small for what was asked (2 for rules, 1 for itemsets).
    #[error(
        "invalid parameter max_len = {value}: it must be at least {min} (an itemset of {min} item(s)), or left unset for no limit"
    )]
    MaxLen {
        /// The value given.
        value: usize,
        /// The smallest value that makes sense in this call.
        min: usize,
    },
    /// `max_consequent` must be at least 1.
    #[error(
        "invalid parameter max_consequent = {0}: it must be at least 1 (1 = single-item consequents, the usual convention)"
    )]
    MaxConsequent(usize),
}
