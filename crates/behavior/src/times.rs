//! Per-actor lists of timestamps (orders, logins, active days) for
//! retention and lifecycle, stored compactly: one `times` vector and one
//! offset per actor.

use crate::error::{BehaviorError, Result};

/// Each actor's timestamps (Unix ms), sorted ascending. Actor `a`'s times
/// are `get(a)`; actors are dense ids `0..actors()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActorTimes {
    offsets: Vec<usize>,
    times: Vec<i64>,
}

impl ActorTimes {
    /// From `(actor, time)` pairs (any order) for `actors` actors; an actor id
    /// `≥ actors` is an error.
    pub fn from_pairs(actors: usize, pairs: impl IntoIterator<Item = (u32, i64)>) -> Result<Self> {
        let pairs: Vec<(u32, i64)> = pairs.into_iter().collect();
        let mut offsets = vec![0usize; actors + 1];
        for (row, &(a, _)) in pairs.iter().enumerate() {
            if a as usize >= actors {
                return Err(BehaviorError::UnknownId {
                    column: "actor",
                    row,
                    id: a,
                    size: actors,
                });
            }
            offsets[a as usize + 1] += 1;
        }
        for i in 0..actors {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor = offsets.clone();
        let mut times = vec![0i64; pairs.len()];
        for &(a, t) in &pairs {
            let slot = &mut cursor[a as usize];
            times[*slot] = t;
            *slot += 1;
        }
        for a in 0..actors {
            times[offsets[a]..offsets[a + 1]].sort_unstable();
        }
        Ok(Self { offsets, times })
    }

    /// From one list per actor (any order inside a list).
    pub fn from_lists<L: AsRef<[i64]>>(lists: impl IntoIterator<Item = L>) -> Self {
        let mut offsets = vec![0usize];
        let mut times = Vec::new();
        for list in lists {
            let start = times.len();
            times.extend_from_slice(list.as_ref());
            times[start..].sort_unstable();
            offsets.push(times.len());
        }
        Self { offsets, times }
    }

    /// Number of actors.
    pub fn actors(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Total number of timestamps.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// True when there is no timestamp at all.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Actor `actor`'s times, ascending (empty for unknown actors).
    pub fn get(&self, actor: usize) -> &[i64] {
        match (self.offsets.get(actor), self.offsets.get(actor + 1)) {
            (Some(&s), Some(&e)) => &self.times[s..e],
            _ => &[],
        }
    }

    /// Each actor's earliest time, `None` for actors without any.
    pub fn first(&self) -> Vec<Option<i64>> {
        (0..self.actors()).map(|a| self.get(a).first().copied()).collect()
    }

    /// The latest time of all, `None` when empty.
    pub fn max(&self) -> Option<i64> {
        self.times.iter().copied().max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_lists_agree() {
        let a = ActorTimes::from_pairs(3, [(2, 5), (0, 9), (2, 1), (0, 3)]).expect("ids < 3");
        let b = ActorTimes::from_lists([vec![9, 3], vec![], vec![1, 5]]);
        assert_eq!(a, b);
        assert_eq!(a.get(0), [3, 9]);
        assert_eq!(a.get(1), [] as [i64; 0]);
        assert_eq!(a.get(7), [] as [i64; 0]);
        assert_eq!(a.first(), [Some(3), None, Some(1)]);
        assert_eq!(a.max(), Some(9));
        assert!(ActorTimes::from_pairs(1, [(1, 0)]).is_err());
    }
}
