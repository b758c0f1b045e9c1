//! Manual overrides: a data steward's decisions, replayed on every rebuild.
//!
//! The resolver is stateless: the caller stores every `Merge` and `Unmerge`
//! and passes all of them each time, so a decision survives any change of
//! data, parameters or algorithm. A `Merge` becomes an edge that is applied
//! before any automatic one; an `Unmerge` becomes a cannot-link constraint that
//! clustering never violates (it wins over merges that contradict it).
//! Overrides naming records that are not in the input are skipped and counted.

use crate::prepare::KeyRef;
use crate::types::{Override, RecordKey};

/// Overrides translated to row indices, sorted and de-duplicated.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RowOverrides {
    pub merges: Vec<(u32, u32)>,
    pub unmerges: Vec<(u32, u32)>,
    /// Overrides with a record that is absent from the input.
    pub unknown: usize,
}

/// Maps overrides onto the rows of `keys` (sorted by key).
pub(crate) fn to_rows(keys: &[KeyRef<'_>], overrides: &[Override]) -> RowOverrides {
    let row = |k: &RecordKey| {
        keys.binary_search(&(k.source.as_str(), k.record_id.as_str()))
            .ok()
            .map(|i| i as u32)
    };
    let mut out = RowOverrides::default();
    for o in overrides {
        let (a, b, list) = match o {
            Override::Merge { a, b } => (a, b, &mut out.merges),
            Override::Unmerge { a, b } => (a, b, &mut out.unmerges),
        };
        match (row(a), row(b)) {
            (Some(x), Some(y)) if x != y => list.push((x.min(y), x.max(y))),
            (Some(_), Some(_)) => {} // a record is always the same person as itself
            _ => out.unknown += 1,
        }
    }
    for list in [&mut out.merges, &mut out.unmerges] {
        list.sort_unstable();
        list.dedup();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_keys_and_counts_unknown() {
        let keys = vec![("a", "1"), ("a", "2"), ("b", "1")];
        let ov = vec![
            Override::Merge {
                a: RecordKey::new("b", "1"),
                b: RecordKey::new("a", "1"),
            },
            Override::Merge {
                a: RecordKey::new("a", "1"),
                b: RecordKey::new("b", "1"),
            },
            Override::Unmerge {
                a: RecordKey::new("a", "2"),
                b: RecordKey::new("c", "9"),
            },
            Override::Unmerge {
                a: RecordKey::new("a", "2"),
                b: RecordKey::new("a", "1"),
            },
        ];
        let r = to_rows(&keys, &ov);
        assert_eq!(r.merges, vec![(0, 2)]);
        assert_eq!(r.unmerges, vec![(0, 1)]);
        assert_eq!(r.unknown, 1);
    }
}
