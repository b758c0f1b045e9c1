//! Stable person ids.
//!
//! Downstream tables (profiles, segments, exports to marketing tools) key on
//! the person id, so a rebuild must not shuffle ids. Each new cluster inherits
//! the previous id held by most of its records (ties: the smallest id); when a
//! previous person splits, the part with the most records keeps the id. An id
//! is given to at most one cluster. Clusters that inherit nothing get a fresh
//! id derived from their smallest record key: `P` + 12 hex characters of
//! SHA-256, re-hashed with a counter in the unlikely case it is already taken
//! (ids of the previous run are never reused for someone else).

use std::collections::BTreeSet;

use sha2::{Digest, Sha256};

use crate::hashing::{FxMap, FxSet};
use crate::prepare::KeyRef;
use crate::types::PreviousLink;

/// Person ids per cluster, and how many were inherited.
pub(crate) struct Assigned {
    pub ids: Vec<String>,
    pub inherited: usize,
}

/// `clusters` lists the rows of each cluster, rows ascending, clusters ordered
/// by their smallest row; `keys` are the rows' record keys (sorted).
pub(crate) fn assign(keys: &[KeyRef<'_>], clusters: &[Vec<u32>], previous: &[PreviousLink]) -> Assigned {
    // Previous id of each record; a record listed twice keeps its smallest id.
    let mut prev: FxMap<(&str, &str), &str> = FxMap::default();
    for l in previous {
        let e = prev
            .entry((l.source.as_str(), l.record_id.as_str()))
            .or_insert(l.person_id.as_str());
        if l.person_id.as_str() < *e {
            *e = l.person_id.as_str();
        }
    }
    // (records holding the id, id, cluster) for every previous id in every cluster.
    let mut claims: Vec<(usize, &str, usize)> = Vec::new();
    for (ci, rows) in clusters.iter().enumerate() {
        let mut held: Vec<&str> = rows
            .iter()
            .filter_map(|&r| keys.get(r as usize))
            .filter_map(|k| prev.get(k).copied())
            .collect();
        held.sort_unstable();
        let mut i = 0;
        while i < held.len() {
            let mut j = i + 1;
            while j < held.len() && held[j] == held[i] {
                j += 1;
            }
            claims.push((j - i, held[i], ci));
            i = j;
        }
    }
    claims.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(y.1)).then(x.2.cmp(&y.2)));
    let mut ids: Vec<Option<String>> = vec![None; clusters.len()];
    let mut taken: BTreeSet<&str> = BTreeSet::new();
    let mut inherited = 0;
    for (_, id, ci) in claims {
        if ids[ci].is_none() && !taken.contains(id) {
            ids[ci] = Some(id.to_owned());
            taken.insert(id);
            inherited += 1;
        }
    }
    // Fresh ids must not collide with any id, old or new. Only ids of the
    // fresh format can collide; they are kept as their 48-bit value.
    let mut used: FxSet<u64> = previous.iter().filter_map(|l| fresh_value(&l.person_id)).collect();
    used.extend(ids.iter().flatten().filter_map(|id| fresh_value(id)));
    let ids = ids
        .into_iter()
        .zip(clusters)
        .map(|(id, rows)| {
            id.unwrap_or_else(|| {
                let key = rows.first().and_then(|&r| keys.get(r as usize)).copied();
                let value = fresh_id(key, &used);
                used.insert(value);
                format!("P{value:012x}")
            })
        })
        .collect();
    Assigned { ids, inherited }
}

/// The 48-bit value of an id in the fresh format (`P` + 12 lower-case hex characters).
fn fresh_value(id: &str) -> Option<u64> {
    let hex = id.strip_prefix('P')?;
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

/// The first 48 bits of SHA-256(source, 0x1f, record_id[, 0x1f, counter]):
/// `P` + their 12 hex characters is the id.
fn fresh_id(key: Option<KeyRef<'_>>, used: &FxSet<u64>) -> u64 {
    let (source, record_id) = key.unwrap_or(("", ""));
    let mut counter = 0u64;
    loop {
        let mut h = Sha256::new();
        h.update(source.as_bytes());
        h.update([0x1f]);
        h.update(record_id.as_bytes());
        if counter > 0 {
            h.update([0x1f]);
            h.update(counter.to_le_bytes());
        }
        let digest = h.finalize();
        let value = digest.iter().take(6).fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        if !used.contains(&value) {
            return value;
        }
        counter += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{i:03}")).collect()
    }

    fn keys(ids: &[String]) -> Vec<KeyRef<'_>> {
        ids.iter().map(|i| ("s", i.as_str())).collect()
    }

    fn prev(pairs: &[(usize, &str)]) -> Vec<PreviousLink> {
        pairs
            .iter()
            .map(|(i, id)| PreviousLink {
                source: "s".into(),
                record_id: format!("{i:03}"),
                person_id: (*id).into(),
            })
            .collect()
    }

    #[test]
    fn fresh_ids_are_deterministic_and_well_formed() {
        let i = ids(2);
        let k = keys(&i);
        let a = assign(&k, &[vec![0], vec![1]], &[]);
        let b = assign(&k, &[vec![0], vec![1]], &[]);
        assert_eq!(a.ids, b.ids);
        for id in &a.ids {
            assert_eq!(id.len(), 13);
            assert!(id.starts_with('P'));
            assert!(
                id[1..]
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
            );
        }
        assert_ne!(a.ids[0], a.ids[1]);
        assert_eq!(a.inherited, 0);
    }

    #[test]
    fn majority_and_split_rules() {
        let i = ids(6);
        let k = keys(&i);
        // Previously {0,1,2} = X, {3,4} = Y, 5 = Z. Now {0,1} {2,3,4,5}.
        let p = prev(&[(0, "X"), (1, "X"), (2, "X"), (3, "Y"), (4, "Y"), (5, "Z")]);
        let a = assign(&k, &[vec![0, 1], vec![2, 3, 4, 5]], &p);
        assert_eq!(a.ids, vec!["X".to_string(), "Y".to_string()]);
        // A split: {0,1,2} = X becomes {0} and {1,2}: the bigger part keeps X.
        let p = prev(&[(0, "X"), (1, "X"), (2, "X")]);
        let a = assign(&k[..3], &[vec![0], vec![1, 2]], &p);
        assert_eq!(a.ids[1], "X");
        assert_ne!(a.ids[0], "X");
        // Ties go to the smallest id.
        let p = prev(&[(0, "B"), (1, "A")]);
        let a = assign(&k[..2], &[vec![0, 1]], &p);
        assert_eq!(a.ids, vec!["A".to_string()]);
    }

    #[test]
    fn fresh_id_avoids_used_ids() {
        let k = ("s", "1");
        let first = fresh_id(Some(k), &FxSet::default());
        let used: FxSet<u64> = [first].into_iter().collect();
        let second = fresh_id(Some(k), &used);
        assert_ne!(first, second);
        assert!(second < 1 << 48);
        assert_eq!(fresh_value(&format!("P{first:012x}")), Some(first));
        assert_eq!(fresh_value("P12345"), None);
        assert_eq!(fresh_value("PABCDEF012345"), None);
    }
}
