//! Baskets: the transactions that are mined, one set of items per basket (an order, a
//! session, a visit…).
//!
//! Item names are interned once and numbered in byte order of their names, so that item
//! index order and name order agree: an itemset stored as sorted indices is also sorted by
//! name, which keeps every output deterministic without carrying strings around. Each basket
//! is kept as a sorted, de-duplicated run of indices in one flat array (compressed rows), so
//! a few million order lines cost a few bytes each.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The multiply-rotate hash of rustc (FxHash) with a final mix: several times faster than
/// the default SipHash on short keys such as order and product ids. Not DoS-resistant, which
/// does not matter for keys read from the platform's own tables.
#[derive(Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let mut rest = [0u8; 8];
        let tail = chunks.remainder();
        rest[..tail.len()].copy_from_slice(tail);
        self.add(u64::from_le_bytes(rest) ^ tail.len() as u64);
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// The multiply only carries entropy upwards, and hashbrown takes the bucket from the
    /// low bits: without a final mix, keys such as `O000012345` that differ only in their
    /// first 8-byte word's high bytes collide massively. MurmurHash3's finaliser spreads
    /// every bit over the whole word.
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A set of baskets over a dictionary of item names.
///
/// A basket is a *set*: an item bought twice in one order counts once, as in the one-hot
/// encoding of mlxtend and in R arules' `transactions`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baskets {
    /// Item names, sorted; the index of a name is the item's id.
    names: Vec<String>,
    /// `offsets[b]..offsets[b + 1]` is basket `b` in `items`; `offsets.len() == len() + 1`.
    offsets: Vec<usize>,
    /// The items of all baskets, each basket sorted ascending without duplicates.
    items: Vec<u32>,
}

/// Interns item names as they come; ids are provisional until [`Interner::finish`].
#[derive(Default)]
struct Interner {
    ids: FxMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        // Item ids are u32: 4 billion distinct items is far beyond any catalogue.
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.ids.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        id
    }

    /// Sorted names and the map from provisional id to final (name-ordered) id.
    fn finish(self) -> (Vec<String>, Vec<u32>) {
        let mut named: Vec<(String, usize)> = self.names.into_iter().zip(0..).collect();
        named.sort_unstable();
        let mut remap = vec![0u32; named.len()];
        let mut names = Vec::with_capacity(named.len());
        for (new, (name, old)) in named.into_iter().enumerate() {
            remap[old] = new as u32;
            names.push(name);
        }
        (names, remap)
    }
}

/// Basket ids by key: a plain list while keys arrive in increasing order (so none can repeat),
/// switched to a hash table at the first key out of order.
struct KeyIds<K> {
    sorted: Vec<K>,
    map: Option<FxMap<K, u32>>,
}

impl<K> Default for KeyIds<K> {
    fn default() -> Self {
        Self {
            sorted: Vec::new(),
            map: None,
        }
    }
}

impl<K: Hash + Ord + Clone> KeyIds<K> {
    fn id(&mut self, key: &K) -> u32 {
        if let Some(map) = self.map.as_mut() {
            let next = map.len() as u32;
            return *map.entry(key.clone()).or_insert(next);
        }
        if self.sorted.last().is_none_or(|last| last < key) {
            self.sorted.push(key.clone());
            return (self.sorted.len() - 1) as u32;
        }
        let mut map = FxMap::default();
        map.reserve(self.sorted.len() * 2);
        for (id, k) in self.sorted.drain(..).enumerate() {
            map.insert(k, id as u32);
        }
        let next = map.len() as u32;
        let id = *map.entry(key.clone()).or_insert(next);
        self.map = Some(map);
        id
    }

    fn len(&self) -> usize {
        self.map.as_ref().map_or(self.sorted.len(), HashMap::len)
    }
}

impl Baskets {
    /// Builds baskets from `(basket key, item name)` pairs, e.g. the rows of an
    /// `order_items` table. Pairs may come in any order; a repeated pair counts once.
    /// Baskets are numbered in order of the first appearance of their key.
    ///
    /// Fast paths, for the usual exports: consecutive rows of one basket cost one key
    /// comparison, and while the baskets come in increasing key order (a table sorted by
    /// order id) no hash table is built at all. Keys are cloned once per basket (borrowed
    /// `&str` keys cost nothing).
    ///
    /// Every basket built this way has at least one item. To count baskets without items
    /// in the denominator of support, use [`Baskets::from_transactions`].
    pub fn from_pairs<K, I>(pairs: impl IntoIterator<Item = (K, I)>) -> Self
    where
        K: Hash + Ord + Clone,
        I: AsRef<str>,
    {
        let pairs = pairs.into_iter();
        let mut interner = Interner::default();
        let mut rows: Vec<(u32, u32)> = Vec::with_capacity(pairs.size_hint().0);
        let mut keys = KeyIds::default();
        // Rows of one basket usually come together (an order's lines): the key is compared
        // with the previous row's first, and only a different key is looked up.
        let mut current: Option<(K, u32)> = None;
        for (key, item) in pairs {
            let basket = match &current {
                Some((k, id)) if *k == key => *id,
                _ => {
                    let id = keys.id(&key);
                    current = Some((key, id));
                    id
                }
            };
            rows.push((basket, interner.id(item.as_ref())));
        }
        let n_baskets = keys.len();
        drop((keys, current));
        // Group the rows by basket (a counting sort: one pass to count, one to place).
        let mut offsets = vec![0usize; n_baskets + 1];
        for &(basket, _) in &rows {
            offsets[basket as usize + 1] += 1;
        }
        for b in 0..n_baskets {
            offsets[b + 1] += offsets[b];
        }
        let mut fill = offsets.clone();
        let mut items = vec![0u32; rows.len()];
        for (basket, item) in rows {
            let at = &mut fill[basket as usize];
            items[*at] = item;
            *at += 1;
        }
        Self::assemble(interner, &offsets, &items)
    }

    /// Final ids (name order), then each basket sorted and de-duplicated, from baskets of
    /// provisional ids laid out as `items[offsets[b]..offsets[b + 1]]`.
    fn assemble(interner: Interner, offsets: &[usize], items: &[u32]) -> Self {
        let (names, remap) = interner.finish();
        let mut out = Vec::with_capacity(items.len());
        let mut new_offsets = Vec::with_capacity(offsets.len());
        new_offsets.push(0);
        for w in offsets.windows(2) {
            let start = out.len();
            out.extend(items[w[0]..w[1]].iter().map(|&i| remap[i as usize]));
            out[start..].sort_unstable();
            let mut kept = start;
            for k in start..out.len() {
                if kept == start || out[k] != out[kept - 1] {
                    out[kept] = out[k];
                    kept += 1;
                }
            }
            out.truncate(kept);
            new_offsets.push(out.len());
        }
        Self {
            names,
            offsets: new_offsets,
            items: out,
        }
    }

    /// Builds baskets from one item list per basket. Lists may repeat items (counted once)
    /// and may be empty: an empty basket holds no itemset but still counts in the number of
    /// baskets, i.e. it lowers every support.
    pub fn from_transactions<T, I>(transactions: impl IntoIterator<Item = T>) -> Self
    where
        T: IntoIterator<Item = I>,
        I: AsRef<str>,
    {
        let mut interner = Interner::default();
        let mut offsets = vec![0usize];
        let mut items = Vec::new();
        for basket in transactions {
            for item in basket {
                items.push(interner.id(item.as_ref()));
            }
            offsets.push(items.len());
        }
        Self::assemble(interner, &offsets, &items)
    }

    /// Number of baskets (the denominator of every support).
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// True when there is no basket at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of distinct items.
    pub fn n_items(&self) -> usize {
        self.names.len()
    }

    /// Item names; the position of a name is its item id.
    pub fn item_names(&self) -> &[String] {
        &self.names
    }

    /// The name of item `id`.
    pub fn item_name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// The id of the item called `name`.
    pub fn item_id(&self, name: &str) -> Option<u32> {
        self.names
            .binary_search_by(|n| n.as_str().cmp(name))
            .ok()
            .map(|i| i as u32)
    }

    /// The names of a list of item ids (unknown ids are skipped).
    pub fn names_of(&self, ids: &[u32]) -> Vec<String> {
        ids.iter()
            .filter_map(|&i| self.item_name(i).map(str::to_owned))
            .collect()
    }

    /// Basket `b` as sorted item ids.
    pub fn basket(&self, b: usize) -> Option<&[u32]> {
        let start = *self.offsets.get(b)?;
        let end = *self.offsets.get(b + 1)?;
        self.items.get(start..end)
    }

    /// All baskets in order, each as sorted item ids.
    pub fn iter(&self) -> impl Iterator<Item = &[u32]> + '_ {
        self.offsets.windows(2).map(|w| &self.items[w[0]..w[1]])
    }

    /// In how many baskets each item occurs, indexed by item id.
    pub fn item_counts(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.names.len()];
        for &i in &self.items {
            counts[i as usize] += 1;
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_dedup_sort_and_number_by_first_key() {
        let b = Baskets::from_pairs([
            ("o2", "milk"),
            ("o1", "bread"),
            ("o2", "bread"),
            ("o2", "milk"),
            ("o1", "apple"),
        ]);
        assert_eq!(b.len(), 2);
        assert_eq!(b.n_items(), 3);
        assert_eq!(b.item_names(), ["apple", "bread", "milk"]);
        // o2 first seen first → basket 0.
        assert_eq!(b.basket(0).expect("basket 0"), [1, 2]);
        assert_eq!(b.basket(1).expect("basket 1"), [0, 1]);
        assert_eq!(b.item_counts(), vec![1, 2, 1]);
        assert_eq!(b.item_id("milk"), Some(2));
        assert_eq!(b.item_id("tea"), None);
        assert_eq!(b.names_of(&[0, 2]), ["apple", "milk"]);
    }

    #[test]
    fn sorted_keys_then_out_of_order_keys() {
        // 1, 2, 3 arrive sorted (no hash table), then 2 repeats: switch to the table, which
        // must still know 1..3; then a new key and another repeat.
        let b = Baskets::from_pairs([(1u64, "x"), (2, "y"), (3, "x"), (2, "z"), (4, "y"), (1, "y")]);
        assert_eq!(b.len(), 4);
        let baskets: Vec<Vec<String>> = b.iter().map(|s| b.names_of(s)).collect();
        assert_eq!(baskets, vec![vec!["x", "y"], vec!["y", "z"], vec!["x"], vec!["y"]]);
        // Entirely sorted input never needs the table and gives the same baskets.
        let sorted = Baskets::from_pairs([(1u64, "x"), (1, "y"), (2, "y"), (2, "z"), (3, "x"), (4, "y")]);
        assert_eq!(sorted, b);
    }

    #[test]
    fn transactions_keep_empty_baskets() {
        let b = Baskets::from_transactions(vec![vec!["b", "a", "b"], vec![], vec!["c"]]);
        assert_eq!(b.len(), 3);
        assert_eq!(b.iter().collect::<Vec<_>>(), vec![&[0u32, 1][..], &[], &[2]]);
        assert!(b.basket(3).is_none());
    }

    #[test]
    fn empty_input() {
        let b = Baskets::from_pairs(Vec::<(u64, String)>::new());
        assert!(b.is_empty());
        assert_eq!(b.n_items(), 0);
        assert_eq!(b.iter().count(), 0);
        let t = Baskets::from_transactions(Vec::<Vec<&str>>::new());
        assert!(t.is_empty());
        assert_eq!(Baskets::default().len(), 0);
    }
}
