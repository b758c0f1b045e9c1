//! The one error type of the crate.

use thiserror::Error;

/// Everything that can go wrong: always a bad input or a bad parameter,
/// never an internal failure. Messages name the offending parameter so a CLI
/// can print them as they are.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BehaviorError {
    /// A configuration value is out of range (`name` is the field name).
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter, as spelled in the configuration struct.
        name: &'static str,
        /// What is wrong and what is accepted.
        reason: String,
    },

    /// A column of an [`EventLog`](crate::EventLog) does not have one value per event.
    #[error("column `{column}` has {len} values but `time` has {expected}")]
    ColumnLength {
        /// The column name.
        column: &'static str,
        /// Its length.
        len: usize,
        /// The number of events (length of `time`).
        expected: usize,
    },

    /// A dictionary-encoded column holds an id its dictionary does not have.
    #[error("column `{column}` row {row}: id {id} is not in its dictionary of {size} entries")]
    UnknownId {
        /// The column name.
        column: &'static str,
        /// Row (event position) of the first bad id.
        row: usize,
        /// The id found.
        id: u32,
        /// Size of the dictionary.
        size: usize,
    },

    /// A funnel step or path anchor filters on a property that does not exist.
    #[error("{context}: unknown filter property `{prop}` (expected one of channel, device, category, product)")]
    UnknownProperty {
        /// Where the filter is (`funnel step 2`, `path anchor`).
        context: String,
        /// The property name given.
        prop: String,
    },

    /// [`Sessions`](crate::Sessions) computed from another log were passed
    /// together with this one.
    #[error("the sessions were not computed from this event log: {0}")]
    SessionsMismatch(String),

    /// Per-actor inputs of different lengths.
    #[error("`{left}` has {left_len} actors but `{right}` has {right_len}")]
    ActorCountMismatch {
        /// First input name.
        left: &'static str,
        /// Its length.
        left_len: usize,
        /// Second input name.
        right: &'static str,
        /// Its length.
        right_len: usize,
    },

    /// A timestamp chrono cannot place on the calendar.
    #[error("`{name}` value {ms} ms is outside the supported date range")]
    TimeOutOfRange {
        /// The input holding it.
        name: &'static str,
        /// The value.
        ms: i64,
    },

    /// A time zone name chrono-tz does not know.
    #[error("unknown time zone `{0}` (expected an IANA name such as Asia/Shanghai)")]
    UnknownTimeZone(String),
}

/// Short alias used throughout the crate.
pub type Result<T> = std::result::Result<T, BehaviorError>;
