/*!
Market-basket analysis for Huaxiang: which products (or categories) are bought together,
as frequent itemsets and association rules "customers who buy A also buy C".

# What it computes

A set of [`Baskets`] (an order's products, a session's categories…) is mined in two steps:

1. [`frequent_itemsets`]: every set of items contained in at least a share `min_support` of
   the baskets (its *support*), optionally up to `max_len` items.
2. [`rules`]: every way of splitting a frequent itemset into an antecedent `A` and a
   consequent `C`, scored and kept when confident enough ([`RuleParams`]).

```
use huaxiang_baskets::{rules, Baskets, RuleParams};

let baskets = Baskets::from_pairs([
    ("o1", "tea"), ("o1", "cups"), ("o2", "tea"), ("o2", "cups"), ("o3", "tea"),
]);
let found = rules(&baskets, &RuleParams::new(0.5, 0.6)).expect("valid parameters");
assert_eq!(found[0].antecedent, ["cups"]);
assert_eq!(found[0].consequent, ["tea"]);
assert_eq!(found[0].confidence, 1.0);
```

# Why FP-growth rather than Apriori

Apriori grows itemsets one size at a time: it generates every candidate of size k+1 from the
frequent sets of size k and rescans all baskets to count them. With a catalogue of a few
thousand products and a low support (rules on 0.05% of orders are already useful for
bundles), the candidate pairs alone number in the millions while only a handful are frequent,
and each level costs a full pass over the data.

FP-growth (Han, Pei & Yin, 2000) never generates candidates. It compresses the baskets into
an FP-tree, a prefix tree of each basket's frequent items in descending frequency, so that
the common head of many baskets is stored once with a count, and then mines each item's
*conditional* tree: the paths that lead to that item, which is all that is needed to count
the itemsets ending with it. Work is proportional to what is frequent, not to what could
be; on the M demo data (about 360 thousand orders, 2 000 products) mining at
`min_support = 0.0005` takes about 30 ms in a release build, where mlxtend's `fpgrowth` +
`association_rules` take several seconds. See the `fptree` module for how the trees are
built (from sorted paths, in flat arrays).

# Single-item consequents by default

A frequent itemset of k items splits into 2^k − 2 rules. Most multi-item consequents repeat
what the single-item rules already say ("A → {B, C}" holds only if "A → B" and "A → C" are at
least as confident), they are harder to act on (a recommendation slot shows one product) and
they multiply the output. R's `arules::apriori`, the reference most analysts know, only
produces rules with one item on the right-hand side; we follow that convention by default
(`max_consequent = 1`) and allow larger consequents on request. mlxtend produces all splits;
its rules with a one-item consequent are exactly ours.

# Metrics, identical to mlxtend

With `s(X)` the support of itemset `X` and `n` the number of baskets:

- support `s(A∪C)`; confidence `s(A∪C) / s(A)`; lift `confidence / s(C)`;
- leverage `s(A∪C) − s(A)·s(C)`;
- conviction `(1 − s(C)) / (1 − confidence)`, and `+∞` when confidence is 1.

These are the definitions of mlxtend 0.25's `association_rules` (called with
`num_itemsets` = the number of baskets), and the floating-point
operations are done in the same order (confidence as `(s(A∪C)·n) / (s(A)·n)`), so that values
agree to the last bit and a rule at exactly the `min_confidence` or `min_lift` border is kept
or dropped alike. Frequent itemsets follow mlxtend's `fpgrowth` tests too: a single item is
frequent when `count / n >= min_support` in floating point, a larger itemset must also reach
the integer `ceil(min_support · n)`; the two can differ by one basket at the border. The
`tests/mlxtend.rs` integration test checks all of this against mlxtend itself.

An item bought twice in one basket counts once. Baskets without any item (possible with
[`Baskets::from_transactions`]) count in `n`.

Everything is deterministic: items are numbered in name order, itemsets come sorted by size
then items, and rules by lift, confidence, antecedent and consequent.
*/

mod baskets;
mod error;
mod fptree;
mod rules;

pub use baskets::Baskets;
pub use error::BasketError;
pub use fptree::{Itemset, frequent_itemsets};
pub use rules::{Rule, RuleParams, rules, rules_from_itemsets};
