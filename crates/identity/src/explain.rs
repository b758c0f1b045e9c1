//! Explanations: why two records are the same person, without showing PII.
//!
//! A steward reviewing a merge needs to see *which* fields agreed, how well,
//! and how much each counted, not the values (they may not be allowed to, and
//! explanations end up in logs and tickets). Each accepted edge is therefore
//! described by field name, public level (`exact`, `fuzzy`, `disagree`,
//! `missing`, `junk`) and weight in bits; the fitted m/u table is reported
//! alongside in the statistics.

use crate::compare::{FIELDS, NUM_FIELDS, Pattern};
use crate::model::Model;
use crate::types::{FieldComparison, FieldParameters, LevelParameters};

/// Rounds to 4 decimals so explanations are readable and stable in JSON.
pub(crate) fn round4(x: f64) -> f64 {
    if x.is_finite() {
        (x * 10_000.0).round() / 10_000.0
    } else {
        x
    }
}

/// The per-field comparisons of one pair.
pub(crate) fn field_comparisons(pat: &Pattern, weights: &[f64; NUM_FIELDS]) -> Vec<FieldComparison> {
    FIELDS
        .iter()
        .map(|&f| FieldComparison {
            field: f.name().to_owned(),
            level: f.public_level(pat[f as usize]).to_owned(),
            weight: round4(weights[f as usize]),
        })
        .collect()
}

/// The fitted parameters, for the statistics.
pub(crate) fn parameters(model: &Model) -> Vec<FieldParameters> {
    FIELDS
        .iter()
        .map(|&f| {
            let fm = &model.fields[f as usize];
            FieldParameters {
                field: f.name().to_owned(),
                levels: f
                    .levels()
                    .iter()
                    .enumerate()
                    .map(|(i, level)| LevelParameters {
                        level: (*level).to_owned(),
                        m: fm.m.get(i).copied().unwrap_or(0.0),
                        u: fm.u.get(i).copied().unwrap_or(0.0),
                        weight: round4(fm.w.get(i).copied().unwrap_or(0.0)),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{EXACT, JUNK_LEVEL, MISSING_LEVEL, NAME_HOMOPHONE, PHONE_DISAGREE, PLAIN_DISAGREE};

    #[test]
    fn comparisons_carry_levels_not_values() {
        let pat: Pattern = [
            NAME_HOMOPHONE,
            PHONE_DISAGREE,
            JUNK_LEVEL,
            MISSING_LEVEL,
            EXACT,
            PLAIN_DISAGREE,
        ];
        let w = [3.21234, -2.0, 0.0, 0.0, 4.0, -5.0];
        let fc = field_comparisons(&pat, &w);
        let levels: Vec<&str> = fc.iter().map(|c| c.level.as_str()).collect();
        assert_eq!(levels, ["fuzzy", "disagree", "junk", "missing", "exact", "disagree"]);
        assert_eq!(fc[0].field, "name");
        assert_eq!(fc[0].weight, 3.2123);
    }
}
