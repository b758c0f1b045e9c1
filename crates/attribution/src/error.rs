//! The error type of the attribution crate.
//!
//! Parameters are validated before any work starts, so a bad lookback window or
//! a position split that does not fit in one conversion is reported with the
//! parameter's name and the reason, never as a silently odd result.

/// Result alias used across `huaxiang-attribution`.
pub type Result<T, E = AttributionError> = std::result::Result<T, E>;

/// Everything that can go wrong between touches and orders and a credit table.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AttributionError {
    /// A parameter (journey window, model setting, cost) outside its domain.
    #[error("invalid {name} `{value}`: {reason}")]
    InvalidParameter {
        name: &'static str,
        value: String,
        reason: String,
    },
    /// An input record that cannot be used as it is.
    #[error("invalid {what} for customer `{customer}`: {reason}")]
    InvalidInput {
        what: &'static str,
        customer: String,
        reason: String,
    },
    /// A model name the command line does not know.
    #[error(
        "unknown attribution model `{0}`; expected one of first, last, linear, time_decay[:half_life_days], position[:first,last], markov[:order], shapley"
    )]
    UnknownModel(String),
    /// A Markov chain too large to solve (too many channels for the order).
    #[error("the order-{order} Markov chain has {states} states, more than the limit of {limit}")]
    TooManyStates { order: u8, states: usize, limit: usize },
    /// The absorption probabilities of a Markov chain did not converge.
    #[error("the Markov chain's absorption probabilities did not converge in {iterations} sweeps")]
    NotConverged { iterations: usize },
    /// Two series that must be paired have different lengths.
    #[error("{what}: lengths differ ({left} vs {right})")]
    LengthMismatch {
        what: &'static str,
        left: usize,
        right: usize,
    },
}

impl AttributionError {
    pub(crate) fn param(name: &'static str, value: impl ToString, reason: impl Into<String>) -> Self {
        Self::InvalidParameter {
            name,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}
