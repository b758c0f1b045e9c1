//! Clustering accepted edges into persons, without runaway chaining.
//!
//! Plain transitive closure is fragile: one wrong edge between two groups
//! merges them entirely, and a few such edges chain thousands of records into
//! one "person". Here edges are applied strongest first (manual merges, then
//! by posterior log-odds), like Kruskal's algorithm, and a merge of two groups
//! is refused when
//!
//! * it would join two records that an `Unmerge` override separates,
//! * the merged person would exceed `max_records_per_person` (manual merges excepted),
//! * the merged person would have three or more records and the records of the
//!   two groups, compared pair by pair, agree on average with a probability
//!   below the group threshold: one good-looking edge is not enough to join two
//!   groups that otherwise look like different people.
//!
//! Because strong edges come first, whatever is refused is the weakest link:
//! an `Unmerge` or the size cap cuts a group where the evidence is thinnest.

/// How an edge was accepted. Declared from strongest to weakest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Rule {
    ManualMerge,
    ExactPhone,
    ExactEmail,
    Probabilistic,
}

impl Rule {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Rule::ManualMerge => "manual_merge",
            Rule::ExactPhone => "exact_phone",
            Rule::ExactEmail => "exact_email",
            Rule::Probabilistic => "probabilistic",
        }
    }
}

/// An accepted edge between two rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Edge {
    pub a: u32,
    pub b: u32,
    pub rule: Rule,
    /// Posterior log2 odds (prior included); `f64::INFINITY` for manual merges.
    pub log2_odds: f64,
}

/// Why edges were not applied.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cuts {
    pub unmerge: usize,
    pub size: usize,
    pub group_evidence: usize,
    /// Manual merges refused because they contradict an `Unmerge`.
    pub conflicting_merges: usize,
    pub manual_applied: usize,
}

/// Settings of one clustering run.
pub(crate) struct Settings<'a> {
    pub max_records_per_person: usize,
    /// Minimum mean pairwise match probability between two groups being joined.
    pub min_group_probability: f64,
    /// Match probability of any two rows (used only when joining groups).
    pub pair_probability: &'a dyn Fn(u32, u32) -> f64,
}

/// The result: a component label (its smallest row) per row.
pub(crate) struct Clusters {
    pub label: Vec<u32>,
    pub cuts: Cuts,
}

struct UnionFind {
    parent: Vec<u32>,
    members: Vec<Vec<u32>>,
    /// Rows each root's component must not be joined with.
    cannot: Vec<Vec<u32>>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
            members: (0..n as u32).map(|i| vec![i]).collect(),
            cannot: vec![Vec::new(); n],
        }
    }

    fn find(&mut self, mut x: u32) -> u32 {
        let mut root = x;
        while self.parent[root as usize] != root {
            root = self.parent[root as usize];
        }
        while self.parent[x as usize] != root {
            let next = self.parent[x as usize];
            self.parent[x as usize] = root;
            x = next;
        }
        root
    }

    fn size(&self, root: u32) -> usize {
        self.members[root as usize].len()
    }

    /// True when joining the two components would violate a cannot-link.
    fn forbidden(&mut self, ra: u32, rb: u32) -> bool {
        let (small, other) = if self.cannot[ra as usize].len() <= self.cannot[rb as usize].len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        let list = self.cannot[small as usize].clone();
        list.into_iter().any(|x| self.find(x) == other)
    }

    fn union(&mut self, ra: u32, rb: u32) {
        let (big, small) = if self.size(ra) >= self.size(rb) {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small as usize] = big;
        let moved = std::mem::take(&mut self.members[small as usize]);
        self.members[big as usize].extend(moved);
        let moved = std::mem::take(&mut self.cannot[small as usize]);
        self.cannot[big as usize].extend(moved);
    }
}

/// Clusters `n` rows. `edges` must be sorted strongest first; `manual` merges
/// are applied before them, `unmerges` are never violated.
pub(crate) fn cluster(
    n: usize,
    manual: &[(u32, u32)],
    unmerges: &[(u32, u32)],
    edges: &[Edge],
    s: &Settings<'_>,
) -> Clusters {
    let mut uf = UnionFind::new(n);
    let mut cuts = Cuts::default();
    for &(a, b) in unmerges {
        uf.cannot[a as usize].push(b);
        uf.cannot[b as usize].push(a);
    }
    for &(a, b) in manual {
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            cuts.manual_applied += 1;
        } else if uf.forbidden(ra, rb) {
            cuts.conflicting_merges += 1;
        } else {
            uf.union(ra, rb);
            cuts.manual_applied += 1;
        }
    }
    for e in edges {
        let (ra, rb) = (uf.find(e.a), uf.find(e.b));
        if ra == rb {
            continue;
        }
        if uf.forbidden(ra, rb) {
            cuts.unmerge += 1;
            continue;
        }
        let (sa, sb) = (uf.size(ra), uf.size(rb));
        if sa + sb > s.max_records_per_person {
            cuts.size += 1;
            continue;
        }
        if sa + sb >= 3 && !groups_agree(&uf.members[ra as usize], &uf.members[rb as usize], s) {
            cuts.group_evidence += 1;
            continue;
        }
        uf.union(ra, rb);
    }
    // Label each component by its smallest row.
    let mut smallest = vec![u32::MAX; n];
    for x in 0..n as u32 {
        let r = uf.find(x) as usize;
        smallest[r] = smallest[r].min(x);
    }
    let label = (0..n as u32).map(|x| smallest[uf.find(x) as usize]).collect();
    Clusters { label, cuts }
}

/// Mean match probability over all cross pairs of the two groups.
fn groups_agree(a: &[u32], b: &[u32], s: &Settings<'_>) -> bool {
    let mut sum = 0.0;
    for &x in a {
        for &y in b {
            sum += (s.pair_probability)(x, y);
        }
    }
    sum / (a.len() * b.len()) as f64 >= s.min_group_probability
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(a: u32, b: u32, log2_odds: f64) -> Edge {
        Edge {
            a,
            b,
            rule: Rule::Probabilistic,
            log2_odds,
        }
    }

    #[test]
    fn unmerge_cuts_the_weakest_link() {
        // 0-1 strong, 1-2 weak, 0 and 2 must be apart.
        let edges = vec![edge(0, 1, 30.0), edge(1, 2, 5.0)];
        let prob = |_: u32, _: u32| 1.0;
        let s = Settings {
            max_records_per_person: 50,
            min_group_probability: 0.0,
            pair_probability: &prob,
        };
        let c = cluster(3, &[], &[(0, 2)], &edges, &s);
        assert_eq!(c.label, vec![0, 0, 2]);
        assert_eq!(c.cuts.unmerge, 1);
    }

    #[test]
    fn size_cap_and_manual_merges() {
        let edges: Vec<Edge> = (1..10).map(|i| edge(0, i, 20.0 - f64::from(i))).collect();
        let prob = |_: u32, _: u32| 1.0;
        let s = Settings {
            max_records_per_person: 4,
            min_group_probability: 0.0,
            pair_probability: &prob,
        };
        let c = cluster(10, &[(8, 9)], &[], &edges, &s);
        assert_eq!(&c.label[..5], &[0, 0, 0, 0, 4]);
        assert_eq!(c.label[8], 8);
        assert_eq!(c.label[9], 8);
        assert_eq!(c.cuts.manual_applied, 1);
    }

    #[test]
    fn groups_that_disagree_are_not_chained() {
        // {0,1} and {2,3} are tight pairs; one edge 1-2 would join them, but
        // the other cross pairs say "different people".
        let edges = vec![edge(0, 1, 30.0), edge(2, 3, 30.0), edge(1, 2, 4.0)];
        let prob = |x: u32, y: u32| {
            if (x.min(y), x.max(y)) == (1, 2) { 0.95 } else { 0.01 }
        };
        let s = Settings {
            max_records_per_person: 50,
            min_group_probability: 0.5,
            pair_probability: &prob,
        };
        let c = cluster(4, &[], &[], &edges, &s);
        assert_eq!(c.label, vec![0, 0, 2, 2]);
        assert_eq!(c.cuts.group_evidence, 1);
    }

    #[test]
    fn conflicting_manual_merge_loses_to_unmerge() {
        let prob = |_: u32, _: u32| 1.0;
        let s = Settings {
            max_records_per_person: 50,
            min_group_probability: 0.0,
            pair_probability: &prob,
        };
        let c = cluster(3, &[(0, 1), (1, 2)], &[(0, 2)], &[], &s);
        assert_eq!(c.label, vec![0, 0, 2]);
        assert_eq!(c.cuts.conflicting_merges, 1);
    }
}
