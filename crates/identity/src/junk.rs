//! Junk identifiers: values that must never link two people.
//!
//! Three sources of junk are combined. The built-in list of
//! [`huaxiang_core::normalize::is_junk_identifier`] (`null`, `11111111111`,
//! `test@test.com` ...); the workspace's own regular expressions; and, decided
//! later from the data itself, any phone or e-mail shared by more records than
//! `max_records_per_identifier` (a shop's front-desk number typed into every
//! walk-in account). A junk value is treated as missing, and reported as the
//! level `junk` in explanations.

use huaxiang_core::normalize::{IdentifierKind, is_junk_identifier};
use regex::Regex;

use crate::error::IdentityError;

/// One user pattern, optionally restricted to one identifier kind.
#[derive(Debug, Clone)]
struct Pattern {
    kind: Option<IdentifierKind>,
    regex: Regex,
}

/// The compiled blocklist: built-in defaults plus user patterns.
///
/// A user pattern applies to phones, e-mails and names alike unless it starts
/// with `phone:`, `email:` or `name:`, which restricts it to that kind. Patterns
/// are matched against normalised values (`+8613812345678`, lower-case e-mails),
/// unanchored: use `^…$` to match a whole value.
#[derive(Debug, Clone, Default)]
pub(crate) struct Blocklist {
    patterns: Vec<Pattern>,
}

impl Blocklist {
    pub(crate) fn compile(patterns: &[String]) -> Result<Self, IdentityError> {
        let mut out = Vec::with_capacity(patterns.len());
        for (index, raw) in patterns.iter().enumerate() {
            let (kind, body) = match raw.split_once(':') {
                Some(("phone", rest)) => (Some(IdentifierKind::Phone), rest),
                Some(("email", rest)) => (Some(IdentifierKind::Email), rest),
                Some(("name", rest)) => (Some(IdentifierKind::Name), rest),
                _ => (None, raw.as_str()),
            };
            if body.is_empty() {
                return Err(IdentityError::InvalidPattern {
                    index,
                    reason: "empty pattern".into(),
                });
            }
            let regex = Regex::new(body).map_err(|e| IdentityError::InvalidPattern {
                index,
                reason: e.to_string(),
            })?;
            out.push(Pattern { kind, regex });
        }
        Ok(Self { patterns: out })
    }

    /// True when a normalised value of `kind` is junk by the defaults or a user pattern.
    pub(crate) fn is_junk(&self, kind: IdentifierKind, value: &str) -> bool {
        is_junk_identifier(kind, value)
            || self
                .patterns
                .iter()
                .any(|p| p.kind.is_none_or(|k| k == kind) && p.regex.is_match(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_user_patterns() {
        let b = Blocklist::compile(&["^\\+86138000".into(), "email:@shop\\.example$".into()]).expect("valid patterns");
        assert!(b.is_junk(IdentifierKind::Phone, "+8613800012345"));
        assert!(!b.is_junk(IdentifierKind::Phone, "+8613900012345"));
        assert!(b.is_junk(IdentifierKind::Email, "front.desk@shop.example"));
        assert!(!b.is_junk(IdentifierKind::Name, "front.desk@shop.example"));
        assert!(b.is_junk(IdentifierKind::Email, "test@test.com"));
    }

    #[test]
    fn invalid_pattern_is_reported() {
        let err = Blocklist::compile(&["ok".into(), "(".into()]).err();
        assert!(matches!(err, Some(IdentityError::InvalidPattern { index: 1, .. })));
    }
}
