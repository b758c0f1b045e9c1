//! The error type of identity resolution.
//!
//! Error messages name records by their [`RecordKey`](crate::RecordKey) and
//! parameters by name; they never contain a name, phone or e-mail value.

/// Everything that can go wrong while configuring or running the resolver.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IdentityError {
    /// A builder parameter is out of range.
    #[error("invalid identity parameter `{name}`: {reason}")]
    InvalidParameter { name: &'static str, reason: String },
    /// A blocklist entry is not a valid regular expression.
    #[error("invalid blocklist pattern #{index}: {reason}")]
    InvalidPattern { index: usize, reason: String },
    /// The same (source, record_id) appears twice in the input.
    #[error("duplicate record {0} in the input")]
    DuplicateRecord(crate::RecordKey),
    /// A record has an empty source or record id.
    #[error("record #{index} has an empty source or record_id")]
    EmptyKey { index: usize },
    /// More records than the resolver can index (2^32 - 2).
    #[error("too many records for one resolution: {0}")]
    TooManyRecords(usize),
}
