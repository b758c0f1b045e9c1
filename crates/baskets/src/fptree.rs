//! FP-growth (Han, Pei & Yin 2000): frequent itemsets without candidate generation.
//!
//! The baskets are compressed into an FP-tree: a prefix tree in which every basket is a
//! path of its frequent items, most frequent first, so that popular prefixes are shared and
//! each node carries how many baskets pass through it. A header table lists, per item, the
//! nodes that hold it. The itemsets that end with item `x` are then mined from `x`'s
//! *conditional* tree: the tree built from the paths above `x`'s nodes, weighted by those
//! nodes' counts, with the items that are not frequent *together with x* removed. The
//! recursion goes on until a conditional tree is empty or a single path, whose itemsets are
//! all combinations of its nodes.
//!
//! Trees are built from sorted paths rather than by inserting baskets one at a time: once
//! the (rank-ordered) paths are sorted lexicographically, every shared prefix is a run of
//! consecutive paths, and a path reuses exactly as many nodes as its common prefix with the
//! previous one. No child lookup tables are needed, nodes live in three flat arrays, and a
//! node's parent always has a smaller index.
//!
//! The thresholds replicate mlxtend 0.25's `fpgrowth` to the last bit, see [`Thresholds`].

use serde::Serialize;

use crate::{BasketError, Baskets};

/// A frequent itemset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Itemset {
    /// Item ids (see [`Baskets::item_names`]), ascending, i.e. sorted by name.
    pub items: Vec<u32>,
    /// Number of baskets that contain every item.
    pub count: u64,
    /// `count / number of baskets`.
    pub support: f64,
}

/// Minimum counts equivalent to mlxtend's float tests, for `n` baskets and `min_support`.
///
/// mlxtend keeps a single item when `count / n >= min_support` (float division), prunes
/// conditional trees with the integer `ceil(min_support * n)` (float product), and finally
/// keeps itemsets with `count / n >= min_support`. The two rounding paths can disagree by
/// one basket at the border (e.g. `min_support = 7/n` may give `min_support * n` a hair above
/// 7), so an item with exactly the border count is a frequent single item while no larger
/// itemset of that count is. Both tests are monotone in the count, so they reduce to two
/// minimum counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Thresholds {
    /// Smallest count of a frequent single item.
    pub single: u64,
    /// Smallest count of a frequent itemset of two or more items.
    pub multi: u64,
}

impl Thresholds {
    pub(crate) fn new(n: u64, min_support: f64) -> Self {
        let nf = n as f64;
        let passes = |c: u64| c as f64 / nf >= min_support;
        // Start a little below the real-valued border and walk up; the float quotient is
        // monotone in c, so the first count that passes is the minimum.
        let approx = (min_support * nf).floor() as u64;
        let mut single = approx.saturating_sub(2).max(1);
        while single <= n && !passes(single) {
            single += 1;
        }
        let ceil = (min_support * nf).ceil() as u64;
        Self {
            single,
            multi: single.max(ceil),
        }
    }
}

/// Frequent itemsets of `baskets`: every set of items whose support (share of baskets that
/// contain all of them) is at least `min_support`, with at most `max_len` items when given.
///
/// Itemsets come sorted by size, then by item ids. The result is the same set, with the
/// same counts, as mlxtend's `fpgrowth(df, min_support, max_len=max_len)`.
pub fn frequent_itemsets(
    baskets: &Baskets,
    min_support: f64,
    max_len: Option<usize>,
) -> Result<Vec<Itemset>, BasketError> {
    if !(min_support > 0.0 && min_support <= 1.0) {
        return Err(BasketError::MinSupport(min_support));
    }
    if let Some(m) = max_len
        && m < 1
    {
        return Err(BasketError::MaxLen { value: m, min: 1 });
    }
    let n = baskets.len() as u64;
    if n == 0 {
        return Ok(Vec::new());
    }
    let th = Thresholds::new(n, min_support);
    let counts = baskets.item_counts();
    let mut found: Vec<(Vec<u32>, u64)> = counts
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c >= th.single)
        .map(|(i, &c)| (vec![i as u32], c))
        .collect();

    if max_len != Some(1) {
        // Rank the items that can be in a larger itemset: most frequent first, ties by id.
        let mut kept: Vec<u32> = (0..counts.len() as u32)
            .filter(|&i| counts[i as usize] >= th.multi)
            .collect();
        kept.sort_unstable_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
        let mut rank = vec![u32::MAX; counts.len()];
        for (r, &i) in kept.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        // A basket with a single kept item adds nothing to any itemset of two or more items
        // (its node would have no ancestor and no descendant from that basket), and single
        // items are counted above: such baskets are left out of the tree, which for
        // typical orders of one or two products is most of them. Only the tree's own
        // single-item totals are then short, and they are never read at the top level.
        let mut paths = Paths::default();
        for basket in baskets.iter() {
            paths.start();
            for &i in basket {
                let r = rank[i as usize];
                if r != u32::MAX {
                    paths.push(r);
                }
            }
            paths.finish(1, 2);
        }
        let tree = FpTree::build(&mut paths, kept);
        let mut miner = Miner {
            min_count: th.multi,
            max_len: max_len.unwrap_or(usize::MAX),
            suffix: Vec::new(),
            out: &mut found,
        };
        miner.mine(&tree);
    }

    let nf = n as f64;
    let mut out: Vec<Itemset> = found
        .into_iter()
        .map(|(mut items, count)| {
            items.sort_unstable();
            Itemset {
                items,
                count,
                support: count as f64 / nf,
            }
        })
        .collect();
    out.sort_unstable_by(|a, b| a.items.len().cmp(&b.items.len()).then_with(|| a.items.cmp(&b.items)));
    Ok(out)
}

/// Weighted paths (baskets or conditional pattern bases) in one flat buffer, each sorted by
/// local rank, waiting to be turned into a tree.
#[derive(Default)]
struct Paths {
    items: Vec<u32>,
    /// `(start, end, weight)` of each non-empty path in `items`.
    spans: Vec<(usize, usize, u64)>,
    open: usize,
}

impl Paths {
    fn start(&mut self) {
        self.open = self.items.len();
    }

    fn push(&mut self, rank: u32) {
        self.items.push(rank);
    }

    /// Closes the current path; paths shorter than `min_len` (at least the empty ones, which
    /// add no node) are dropped.
    fn finish(&mut self, weight: u64, min_len: usize) {
        let (s, e) = (self.open, self.items.len());
        if e - s >= min_len.max(1) {
            self.items[s..e].sort_unstable();
            self.spans.push((s, e, weight));
        } else {
            self.items.truncate(s);
        }
    }
}

/// An FP-tree over `items.len()` local items, local item `r` being `items[r]` (a global id)
/// and local order being descending frequency. Node 0 is the root.
struct FpTree {
    /// Global id of each local item.
    items: Vec<u32>,
    node_item: Vec<u32>,
    node_parent: Vec<u32>,
    node_count: Vec<u64>,
    /// Header table: the nodes of each local item.
    header: Vec<Vec<u32>>,
    /// Total count of each local item in the tree (sum over its header nodes).
    support: Vec<u64>,
}

impl FpTree {
    fn build(paths: &mut Paths, items: Vec<u32>) -> Self {
        let m = items.len();
        let mut tree = FpTree {
            items,
            node_item: vec![u32::MAX],
            node_parent: vec![u32::MAX],
            node_count: vec![0],
            header: vec![Vec::new(); m],
            support: vec![0; m],
        };
        let buf = &paths.items;
        paths.spans.sort_unstable_by(|a, b| buf[a.0..a.1].cmp(&buf[b.0..b.1]));
        let mut stack: Vec<u32> = Vec::new();
        let mut prev: &[u32] = &[];
        for &(s, e, w) in &paths.spans {
            let path = &buf[s..e];
            let common = prev.iter().zip(path).take_while(|(a, b)| a == b).count();
            stack.truncate(common);
            for &node in &stack {
                tree.node_count[node as usize] += w;
            }
            for &r in &path[common..] {
                let id = tree.node_item.len() as u32;
                tree.node_item.push(r);
                tree.node_parent.push(stack.last().copied().unwrap_or(0));
                tree.node_count.push(w);
                tree.header[r as usize].push(id);
                stack.push(id);
            }
            for &r in path {
                tree.support[r as usize] += w;
            }
            prev = path;
        }
        tree
    }

    /// True when the tree is one chain root → 0 → 1 → … → m-1 (one node per item, each
    /// the child of the previous one); ranks increase along every path, so that is the
    /// only possible shape of a single path.
    fn is_single_path(&self) -> bool {
        let mut parent = 0u32;
        for h in &self.header {
            match h.as_slice() {
                [node] if self.node_parent[*node as usize] == parent => parent = *node,
                _ => return false,
            }
        }
        true
    }
}

struct Miner<'a> {
    min_count: u64,
    max_len: usize,
    /// Global ids of the items conditioned on so far.
    suffix: Vec<u32>,
    out: &'a mut Vec<(Vec<u32>, u64)>,
}

impl Miner<'_> {
    fn emit(&mut self, count: u64) {
        // Single items were taken from the item counts with their own threshold.
        if self.suffix.len() >= 2 {
            self.out.push((self.suffix.clone(), count));
        }
    }

    fn mine(&mut self, tree: &FpTree) {
        if tree.items.is_empty() {
            return;
        }
        if tree.is_single_path() {
            self.combinations(tree, 0);
            return;
        }
        let m = tree.items.len();
        let mut local = vec![0u64; m];
        for x in (0..m).rev() {
            self.suffix.push(tree.items[x]);
            self.emit(tree.support[x]);
            if self.suffix.len() < self.max_len && x > 0 {
                let cond = conditional(tree, x, self.min_count, &mut local);
                self.mine(&cond);
            }
            self.suffix.pop();
        }
    }

    /// All itemsets of a single-path tree: every non-empty subset of the chain, whose
    /// count is that of its deepest node (counts never grow going down a path).
    fn combinations(&mut self, tree: &FpTree, from: usize) {
        for x in from..tree.items.len() {
            self.suffix.push(tree.items[x]);
            // One node per item on a single path.
            let count = tree.node_count[tree.header[x][0] as usize];
            self.emit(count);
            if self.suffix.len() < self.max_len {
                self.combinations(tree, x + 1);
            }
            self.suffix.pop();
        }
    }
}

/// The conditional tree of local item `x`: the prefix paths of `x`'s nodes, weighted by the
/// nodes' counts, keeping only items whose count in those paths reaches `min_count`.
/// `local` is scratch space of at least `x` zeros, returned zeroed.
fn conditional(tree: &FpTree, x: usize, min_count: u64, local: &mut [u64]) -> FpTree {
    for &node in &tree.header[x] {
        let w = tree.node_count[node as usize];
        let mut p = tree.node_parent[node as usize];
        while p != 0 {
            local[tree.node_item[p as usize] as usize] += w;
            p = tree.node_parent[p as usize];
        }
    }
    let mut kept: Vec<u32> = (0..x as u32).filter(|&r| local[r as usize] >= min_count).collect();
    kept.sort_unstable_by(|&a, &b| local[b as usize].cmp(&local[a as usize]).then(a.cmp(&b)));
    let mut new_rank = vec![u32::MAX; x];
    for (r, &old) in kept.iter().enumerate() {
        new_rank[old as usize] = r as u32;
    }
    local[..x].fill(0);
    let mut paths = Paths::default();
    if !kept.is_empty() {
        for &node in &tree.header[x] {
            paths.start();
            let mut p = tree.node_parent[node as usize];
            while p != 0 {
                let r = new_rank[tree.node_item[p as usize] as usize];
                if r != u32::MAX {
                    paths.push(r);
                }
                p = tree.node_parent[p as usize];
            }
            paths.finish(tree.node_count[node as usize], 1);
        }
    }
    let items = kept.iter().map(|&r| tree.items[r as usize]).collect();
    FpTree::build(&mut paths, items)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(b: &Baskets, sets: &[Itemset]) -> Vec<(String, u64)> {
        sets.iter().map(|s| (b.names_of(&s.items).join(","), s.count)).collect()
    }

    /// Brute force: count every subset of every basket.
    fn brute(b: &Baskets, min_count: u64, max_len: usize) -> Vec<(Vec<u32>, u64)> {
        use std::collections::BTreeMap;
        let mut counts: BTreeMap<Vec<u32>, u64> = BTreeMap::new();
        for basket in b.iter() {
            let k = basket.len();
            for mask in 1u32..(1 << k) {
                if mask.count_ones() as usize > max_len {
                    continue;
                }
                let set: Vec<u32> = (0..k).filter(|&i| mask & (1 << i) != 0).map(|i| basket[i]).collect();
                *counts.entry(set).or_default() += 1;
            }
        }
        let mut v: Vec<_> = counts.into_iter().filter(|(_, c)| *c >= min_count).collect();
        v.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(&b.0)));
        v
    }

    /// Han & Kamber's textbook FP-growth example (9 transactions, min count 2).
    fn han_kamber() -> Baskets {
        Baskets::from_transactions(vec![
            vec!["I1", "I2", "I5"],
            vec!["I2", "I4"],
            vec!["I2", "I3"],
            vec!["I1", "I2", "I4"],
            vec!["I1", "I3"],
            vec!["I2", "I3"],
            vec!["I1", "I3"],
            vec!["I1", "I2", "I3", "I5"],
            vec!["I1", "I2", "I3"],
        ])
    }

    #[test]
    fn textbook_example() {
        let b = han_kamber();
        let sets = frequent_itemsets(&b, 2.0 / 9.0, None).expect("valid support");
        let got = names(&b, &sets);
        let want: Vec<(String, u64)> = [
            ("I1", 6),
            ("I2", 7),
            ("I3", 6),
            ("I4", 2),
            ("I5", 2),
            ("I1,I2", 4),
            ("I1,I3", 4),
            ("I1,I5", 2),
            ("I2,I3", 4),
            ("I2,I4", 2),
            ("I2,I5", 2),
            ("I1,I2,I3", 2),
            ("I1,I2,I5", 2),
        ]
        .iter()
        .map(|&(s, c)| (s.to_owned(), c))
        .collect();
        assert_eq!(got, want);
        let i1i2 = &sets[5];
        assert!((i1i2.support - 4.0 / 9.0).abs() < 1e-15);
    }

    #[test]
    fn max_len_limits_size() {
        let b = han_kamber();
        let sets = frequent_itemsets(&b, 2.0 / 9.0, Some(2)).expect("valid");
        assert_eq!(sets.len(), 11);
        assert!(sets.iter().all(|s| s.items.len() <= 2));
        let singles = frequent_itemsets(&b, 2.0 / 9.0, Some(1)).expect("valid");
        assert_eq!(singles.len(), 5);
    }

    #[test]
    fn matches_brute_force_on_dense_data() {
        // Dense enough for deep conditional trees, single paths and shared prefixes.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let baskets: Vec<Vec<String>> = (0..300)
            .map(|_| {
                let len = 1 + (next() % 9) as usize;
                (0..len)
                    .map(|_| {
                        let r = next() % 1000;
                        // skewed: low ids far more popular
                        format!("i{:02}", (r * r / 100_000) % 12)
                    })
                    .collect()
            })
            .collect();
        let b = Baskets::from_transactions(baskets);
        for (min_count, max_len) in [(3u64, 12usize), (10, 12), (30, 3), (60, 2), (5, 4)] {
            let ms = min_count as f64 / b.len() as f64;
            let th = Thresholds::new(b.len() as u64, ms);
            let got: Vec<(Vec<u32>, u64)> = frequent_itemsets(&b, ms, Some(max_len))
                .expect("valid")
                .into_iter()
                .map(|s| (s.items, s.count))
                .collect();
            let mut want = brute(&b, th.multi, max_len);
            // Single items use their own (possibly lower) threshold.
            want.retain(|(s, _)| s.len() >= 2);
            let singles = brute(&b, th.single, 1);
            want.splice(0..0, singles);
            assert_eq!(got, want, "min_count {min_count} max_len {max_len}");
        }
    }

    #[test]
    fn thresholds_follow_float_rounding() {
        // Exact arithmetic: threshold = ceil(ms * n).
        assert_eq!(Thresholds::new(1000, 0.002), Thresholds { single: 2, multi: 2 });
        assert_eq!(Thresholds::new(1000, 0.0025).multi, 3);
        assert_eq!(Thresholds::new(10, 1.0).single, 10);
        // Search for a border case: fl(k/n) * n rounds above k, so ceil gives k + 1 while
        // k / n >= fl(k/n) passes: singles with k, larger itemsets need k + 1.
        let mut seen = false;
        for n in 100u64..400 {
            for k in 1..n {
                let ms = k as f64 / n as f64;
                let th = Thresholds::new(n, ms);
                assert_eq!(th.single, k, "n {n} k {k}");
                if (ms * n as f64).ceil() as u64 > k {
                    assert_eq!(th.multi, k + 1);
                    seen = true;
                } else {
                    assert_eq!(th.multi, k);
                }
            }
        }
        assert!(seen, "expected at least one float border case");
    }

    #[test]
    fn empty_and_single_item_baskets() {
        let none = Baskets::default();
        assert!(frequent_itemsets(&none, 0.5, None).expect("valid").is_empty());
        // Empty baskets count in the denominator.
        let b = Baskets::from_transactions(vec![vec!["a"], vec!["a"], vec![], vec!["b"]]);
        let sets = frequent_itemsets(&b, 0.5, None).expect("valid");
        assert_eq!(names(&b, &sets), vec![("a".to_owned(), 2)]);
        assert!((sets[0].support - 0.5).abs() < 1e-15);
        // Only single-item baskets: no pair can be frequent.
        let singles = Baskets::from_transactions(vec![vec!["a"], vec!["b"], vec!["a"]]);
        let sets = frequent_itemsets(&singles, 0.1, None).expect("valid");
        assert_eq!(sets.len(), 2);
    }

    #[test]
    fn invalid_parameters() {
        let b = han_kamber();
        for bad in [0.0, -0.1, 1.5, f64::NAN] {
            let err = frequent_itemsets(&b, bad, None).expect_err("must reject");
            assert!(matches!(err, BasketError::MinSupport(_)));
            assert!(err.to_string().contains("min_support"));
        }
        let err = frequent_itemsets(&b, 0.5, Some(0)).expect_err("must reject");
        assert_eq!(err, BasketError::MaxLen { value: 0, min: 1 });
    }
}
