//! The public data types: what goes into a resolution and what comes out.
//!
//! Inputs carry plaintext identifiers (the caller decrypts them); outputs carry
//! only record keys, person ids, rule names, levels and numbers, so a
//! [`Resolution`] can be stored, logged or shown without exposing PII.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One customer record from one source, with identifiers already normalised by
/// [`huaxiang_core::normalize`].
///
/// Holds plaintext PII: its `Debug` output redacts name, phone and e-mail so
/// that a stray `{:?}` in a log line cannot leak them.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IdentityRecord {
    /// Source system, e.g. `customers`, `crm_contacts`.
    pub source: String,
    /// Id of the record within its source, e.g. `C00000001`.
    pub record_id: String,
    /// Output of `normalize_name`.
    pub name: Option<String>,
    /// Output of `normalize_phone` (E.164).
    pub phone: Option<String>,
    /// Output of `normalize_email`.
    pub email: Option<String>,
    pub city: Option<String>,
    /// Impossible years (before 1901, after 2030 or after the creation year) are ignored.
    pub birth_year: Option<i32>,
    /// `M`/`F` (also `male`/`female`, `男`/`女`); anything else is ignored.
    pub gender: Option<String>,
    /// Unix seconds: sign-up or creation time.
    pub created_at: Option<i64>,
}

impl fmt::Debug for IdentityRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |v: &Option<String>| {
            if v.is_some() { "Some(<redacted>)" } else { "None" }
        };
        f.debug_struct("IdentityRecord")
            .field("source", &self.source)
            .field("record_id", &self.record_id)
            .field("name", &format_args!("{}", redact(&self.name)))
            .field("phone", &format_args!("{}", redact(&self.phone)))
            .field("email", &format_args!("{}", redact(&self.email)))
            .field("city", &self.city)
            .field("birth_year", &self.birth_year)
            .field("gender", &self.gender)
            .field("created_at", &self.created_at)
            .finish()
    }
}

impl IdentityRecord {
    /// A record with only its key set; fill the fields with struct update syntax
    /// or the `with_*` helpers.
    pub fn new(source: impl Into<String>, record_id: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            record_id: record_id.into(),
            ..Self::default()
        }
    }

    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    pub fn with_city(mut self, city: impl Into<String>) -> Self {
        self.city = Some(city.into());
        self
    }

    pub fn with_birth_year(mut self, year: i32) -> Self {
        self.birth_year = Some(year);
        self
    }

    pub fn with_gender(mut self, gender: impl Into<String>) -> Self {
        self.gender = Some(gender.into());
        self
    }

    pub fn with_created_at(mut self, unix_seconds: i64) -> Self {
        self.created_at = Some(unix_seconds);
        self
    }

    /// The record's key.
    pub fn key(&self) -> RecordKey {
        RecordKey::new(self.source.clone(), self.record_id.clone())
    }
}

/// Identifies a record: its source and its id within the source. Ordered by
/// source, then record id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecordKey {
    pub source: String,
    pub record_id: String,
}

impl RecordKey {
    pub fn new(source: impl Into<String>, record_id: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            record_id: record_id.into(),
        }
    }
}

impl fmt::Display for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.source, self.record_id)
    }
}

/// The person a record belonged to in the previous resolution; used to keep
/// person ids stable across rebuilds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousLink {
    pub source: String,
    pub record_id: String,
    pub person_id: String,
}

/// A manual decision by a data steward. The caller stores overrides and passes
/// all of them to every resolution, so they survive rebuilds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Override {
    /// The two records are the same person.
    Merge { a: RecordKey, b: RecordKey },
    /// The two records must end up in different persons. Wins over `Merge`
    /// when the two contradict each other.
    Unmerge { a: RecordKey, b: RecordKey },
}

/// The result of a resolution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    /// One per input record, sorted by (source, record_id).
    pub links: Vec<Link>,
    /// One per person, sorted by person id.
    pub persons: Vec<Person>,
    /// One per accepted edge that holds inside a final person, sorted by (a, b).
    pub evidence: Vec<PairEvidence>,
    pub stats: ResolutionStats,
}

/// The person a record belongs to, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub source: String,
    pub record_id: String,
    /// `P` followed by 12 lower-case hex characters for new persons; ids from
    /// previous resolutions are kept as they were.
    pub person_id: String,
    /// The strongest rule that attached this record to its person:
    /// `manual_merge`, `exact_phone`, `exact_email`, `probabilistic`, or
    /// `singleton` for a person of one record.
    pub rule: String,
    /// Match probability of that edge; 1.0 for singletons and manual merges.
    pub score: f64,
}

/// A resolved person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub person_id: String,
    pub record_count: usize,
    /// Distinct sources of the person's records, sorted.
    pub sources: Vec<String>,
}

/// Why two records were linked: the explanation behind `huaxiang identity explain`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairEvidence {
    pub a: RecordKey,
    pub b: RecordKey,
    /// `manual_merge`, `exact_phone`, `exact_email` or `probabilistic`.
    pub rule: String,
    /// Posterior match probability (1.0 for manual merges).
    pub score: f64,
    /// Sum of the field weights in bits (log2 Bayes factor), before the prior.
    pub weight: f64,
    pub fields: Vec<FieldComparison>,
}

/// How one field compared in a pair. Never contains the values themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldComparison {
    /// `name`, `phone`, `email`, `birth_year`, `city` or `gender`.
    pub field: String,
    /// `exact`, `fuzzy`, `disagree`, `missing` or `junk`.
    pub level: String,
    /// Evidence in bits: log2(m / u), adjusted for how common the value is.
    pub weight: f64,
}

/// Counters and fitted parameters of a resolution (no PII).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResolutionStats {
    pub records: usize,
    pub persons: usize,
    /// Identifier values (phone, e-mail, name) treated as junk: on the
    /// blocklist or shared by more than `max_records_per_identifier` records.
    pub junk_values: usize,
    /// Blocks larger than the block size limit, skipped.
    pub oversized_blocks: usize,
    pub candidate_pairs: usize,
    /// Candidate pairs at or above the match threshold, or passing a guarded exact rule.
    pub accepted_edges: usize,
    pub exact_phone_edges: usize,
    pub exact_email_edges: usize,
    pub probabilistic_edges: usize,
    /// Accepted edges not applied because the merge would break an `Unmerge`.
    pub edges_cut_by_unmerge: usize,
    /// Accepted edges not applied because the person would exceed `max_records_per_person`.
    pub edges_cut_by_size: usize,
    /// Accepted edges not applied because the two groups they join disagree on average.
    pub edges_cut_by_group_evidence: usize,
    pub manual_merges_applied: usize,
    /// Overrides naming records absent from the input (skipped).
    pub overrides_unknown_record: usize,
    /// `Merge` overrides that contradict an `Unmerge` (the unmerge wins).
    pub overrides_conflicting: usize,
    /// Persons that kept a previous person id.
    pub persons_with_previous_id: usize,
    pub persons_with_new_id: usize,
    /// Prior probability that two random records are the same person.
    pub prior_match_probability: f64,
    pub em_iterations: usize,
    /// Fitted m/u probabilities and weights per field level.
    pub parameters: Vec<FieldParameters>,
}

/// Fitted parameters of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldParameters {
    pub field: String,
    pub levels: Vec<LevelParameters>,
}

/// Fitted parameters of one comparison level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelParameters {
    /// Internal level name, e.g. `exact`, `homophone`, `one_digit`, `domain_typo`.
    pub level: String,
    /// P(level | same person).
    pub m: f64,
    /// P(level | different persons).
    pub u: f64,
    /// log2(m / u), before term-frequency adjustment.
    pub weight: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_pii() {
        let r = IdentityRecord::new("customers", "C1")
            .with_name("张伟")
            .with_phone("+8613812345678")
            .with_email("zhang.wei@qq.com");
        let s = format!("{r:?}");
        assert!(s.contains("C1") && s.contains("<redacted>"));
        assert!(!s.contains("张伟") && !s.contains("13812345678") && !s.contains("zhang"));
    }
}
