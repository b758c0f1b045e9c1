//! One regression tree of the booster, its prediction, and its exact per-feature contributions
//! (TreeSHAP, the path-dependent algorithm of Lundberg et al., "Consistent Individualized Feature
//! Attribution for Tree Ensembles", 2018, Algorithm 2).
//!
//! Contributions are Shapley values of the tree's own expectation, where a feature outside the
//! coalition is averaged over the training rows that reached each node (the node `cover`).
//! They add up exactly: `Σ contributions + expected_value() = predict(x)`, so a person's reasons
//! account for their whole score in log-odds.

use serde::{Deserialize, Serialize};

/// A split node or a leaf. Children are indices into [`Tree::nodes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Leaf value (already shrunk by the learning rate); for a split node, the value it would
    /// have as a leaf.
    pub value: f64,
    /// Training rows that reached the node.
    pub cover: f64,
    /// `None` for a leaf.
    pub split: Option<Split>,
}

/// "Go left when `x[feature] <= threshold`"; a missing value goes left when `missing_left`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub feature: usize,
    /// `+∞` for a split that only separates missing values from the rest; JSON has no
    /// infinity, so non-finite thresholds are written as the strings `"inf"` / `"-inf"`.
    #[serde(with = "non_finite")]
    pub threshold: f64,
    pub missing_left: bool,
    pub left: usize,
    pub right: usize,
    /// Loss reduction of the split (for gain importance).
    pub gain: f64,
}

/// An `f64` that may be infinite, as a JSON number or the string `"inf"` / `"-inf"` / `"NaN"`.
mod non_finite {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if *v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Number(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Number(v) => Ok(v),
            Repr::Text(t) => match t.as_str() {
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                "NaN" => Ok(f64::NAN),
                other => Err(serde::de::Error::custom(format!("not a number: `{other}`"))),
            },
        }
    }
}

impl Split {
    #[inline]
    pub fn goes_left(&self, x: f64) -> bool {
        if x.is_nan() {
            self.missing_left
        } else {
            x <= self.threshold
        }
    }
}

/// A tree; node 0 is the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

impl Tree {
    /// The leaf value for one row of raw feature values.
    pub fn predict(&self, row: &[f64]) -> f64 {
        let mut k = 0;
        loop {
            let n = &self.nodes[k];
            match &n.split {
                None => return n.value,
                Some(s) => k = if s.goes_left(row[s.feature]) { s.left } else { s.right },
            }
        }
    }

    /// The cover-weighted mean leaf value: the tree's prediction when nothing is known.
    pub fn expected_value(&self) -> f64 {
        let root = self.nodes[0].cover;
        if root <= 0.0 {
            return self.nodes[0].value;
        }
        self.nodes
            .iter()
            .filter(|n| n.split.is_none())
            .map(|n| n.value * n.cover)
            .sum::<f64>()
            / root
    }

    /// The depth of the deepest leaf (root = 0).
    pub fn max_depth(&self) -> usize {
        fn depth(t: &Tree, k: usize) -> usize {
            match &t.nodes[k].split {
                None => 0,
                Some(s) => 1 + depth(t, s.left).max(depth(t, s.right)),
            }
        }
        depth(self, 0)
    }

    /// Adds this tree's TreeSHAP contributions for `row` to `phi` (one slot per feature).
    /// `scratch` is reused between calls to avoid allocation.
    pub fn add_contributions(&self, row: &[f64], phi: &mut [f64], scratch: &mut Vec<PathElement>) {
        let d = self.max_depth() + 2;
        let need = d * (d + 1) / 2 + d;
        if scratch.len() < need {
            scratch.resize(need, PathElement::default());
        }
        self.recurse(0, row, phi, scratch, 0, 0, 1.0, 1.0, None);
    }

    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &self,
        node: usize,
        row: &[f64],
        phi: &mut [f64],
        buf: &mut [PathElement],
        // Start of the parent's path in `buf`; this call's path follows it.
        parent_at: usize,
        mut unique_depth: usize,
        zero_fraction: f64,
        one_fraction: f64,
        feature: Option<usize>,
    ) {
        let at = parent_at + unique_depth;
        // Copy the parent's path (unique_depth elements) to this level's slot.
        if unique_depth > 0 {
            buf.copy_within(parent_at..parent_at + unique_depth, at);
        }
        let path = &mut buf[at..];
        extend_path(path, unique_depth, zero_fraction, one_fraction, feature);

        let n = &self.nodes[node];
        let Some(s) = &n.split else {
            for i in 1..=unique_depth {
                let w = unwound_path_sum(path, unique_depth, i);
                let el = path[i];
                if let Some(f) = el.feature {
                    phi[f] += w * (el.one_fraction - el.zero_fraction) * n.value;
                }
            }
            return;
        };
        let (hot, cold) = if s.goes_left(row[s.feature]) {
            (s.left, s.right)
        } else {
            (s.right, s.left)
        };
        let w = n.cover;
        let hot_zero = if w > 0.0 { self.nodes[hot].cover / w } else { 0.5 };
        let cold_zero = if w > 0.0 { self.nodes[cold].cover / w } else { 0.5 };
        let (mut in_zero, mut in_one) = (1.0, 1.0);
        if let Some(k) = (1..=unique_depth).find(|&k| path[k].feature == Some(s.feature)) {
            in_zero = path[k].zero_fraction;
            in_one = path[k].one_fraction;
            unwind_path(path, unique_depth, k);
            unique_depth -= 1;
        }
        self.recurse(
            hot,
            row,
            phi,
            buf,
            at,
            unique_depth + 1,
            hot_zero * in_zero,
            in_one,
            Some(s.feature),
        );
        self.recurse(
            cold,
            row,
            phi,
            buf,
            at,
            unique_depth + 1,
            cold_zero * in_zero,
            0.0,
            Some(s.feature),
        );
    }
}

/// One element of a TreeSHAP path.
#[derive(Debug, Clone, Copy, Default)]
pub struct PathElement {
    feature: Option<usize>,
    zero_fraction: f64,
    one_fraction: f64,
    pweight: f64,
}

fn extend_path(path: &mut [PathElement], d: usize, zero: f64, one: f64, feature: Option<usize>) {
    path[d] = PathElement {
        feature,
        zero_fraction: zero,
        one_fraction: one,
        pweight: if d == 0 { 1.0 } else { 0.0 },
    };
    let df = (d + 1) as f64;
    for i in (0..d).rev() {
        path[i + 1].pweight += one * path[i].pweight * (i + 1) as f64 / df;
        path[i].pweight = zero * path[i].pweight * (d - i) as f64 / df;
    }
}

fn unwind_path(path: &mut [PathElement], d: usize, k: usize) {
    let one = path[k].one_fraction;
    let zero = path[k].zero_fraction;
    let df = (d + 1) as f64;
    let mut next_one = path[d].pweight;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = path[i].pweight;
            path[i].pweight = next_one * df / ((i + 1) as f64 * one);
            next_one = tmp - path[i].pweight * zero * (d - i) as f64 / df;
        } else {
            path[i].pweight = path[i].pweight * df / (zero * (d - i) as f64);
        }
    }
    for i in k..d {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

fn unwound_path_sum(path: &[PathElement], d: usize, k: usize) -> f64 {
    let one = path[k].one_fraction;
    let zero = path[k].zero_fraction;
    let df = (d + 1) as f64;
    let mut next_one = path[d].pweight;
    let mut total = 0.0;
    for i in (0..d).rev() {
        if one != 0.0 {
            let tmp = next_one * df / ((i + 1) as f64 * one);
            total += tmp;
            next_one = path[i].pweight - tmp * zero * (d - i) as f64 / df;
        } else if zero != 0.0 {
            total += path[i].pweight / zero / ((d - i) as f64 / df);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_only_split_survives_json() {
        for t in [f64::INFINITY, f64::NEG_INFINITY, 0.1 + 0.2] {
            let s = Split {
                feature: 3,
                threshold: t,
                missing_left: false,
                left: 1,
                right: 2,
                gain: 0.5,
            };
            let text = serde_json::to_string(&s).expect("write");
            let back: Split = serde_json::from_str(&text).expect("read");
            assert_eq!(back, s, "{text}");
        }
        let nan: Split = serde_json::from_str(
            r#"{"feature":0,"threshold":"NaN","missing_left":true,"left":1,"right":2,"gain":0.0}"#,
        )
        .expect("read");
        assert!(nan.threshold.is_nan());
    }

    fn leaf(value: f64, cover: f64) -> Node {
        Node {
            value,
            cover,
            split: None,
        }
    }

    fn split(feature: usize, threshold: f64, left: usize, right: usize, cover: f64) -> Node {
        Node {
            value: 0.0,
            cover,
            split: Some(Split {
                feature,
                threshold,
                missing_left: true,
                left,
                right,
                gain: 1.0,
            }),
        }
    }

    /// x0 ≤ 0.5 ? (x1 ≤ 0.5 ? 1 : 2) : (x0 ≤ 1.5 ? (x2 ≤ 0.5 ? 3 : 4) : 5)
    fn sample_tree() -> Tree {
        Tree {
            nodes: vec![
                split(0, 0.5, 1, 2, 100.0),
                split(1, 0.5, 3, 4, 40.0),
                split(0, 1.5, 5, 6, 60.0),
                leaf(1.0, 30.0),
                leaf(2.0, 10.0),
                split(2, 0.5, 7, 8, 25.0),
                leaf(5.0, 35.0),
                leaf(3.0, 5.0),
                leaf(4.0, 20.0),
            ],
        }
    }

    /// E[f(x) | x_S] the path-dependent way: follow x on features in S, average by cover otherwise.
    fn cond_exp(t: &Tree, k: usize, x: &[f64], s: u32) -> f64 {
        let n = &t.nodes[k];
        match &n.split {
            None => n.value,
            Some(sp) => {
                if s & (1 << sp.feature) != 0 {
                    cond_exp(t, if sp.goes_left(x[sp.feature]) { sp.left } else { sp.right }, x, s)
                } else {
                    let (l, r) = (&t.nodes[sp.left], &t.nodes[sp.right]);
                    (l.cover * cond_exp(t, sp.left, x, s) + r.cover * cond_exp(t, sp.right, x, s)) / n.cover
                }
            }
        }
    }

    fn brute_shapley(t: &Tree, x: &[f64], p: usize) -> Vec<f64> {
        let fact = |n: usize| (1..=n).product::<usize>() as f64;
        (0..p)
            .map(|i| {
                let mut phi = 0.0;
                for s in 0u32..(1 << p) {
                    if s & (1 << i) != 0 {
                        continue;
                    }
                    let k = s.count_ones() as usize;
                    let w = fact(k) * fact(p - k - 1) / fact(p);
                    phi += w * (cond_exp(t, 0, x, s | (1 << i)) - cond_exp(t, 0, x, s));
                }
                phi
            })
            .collect()
    }

    #[test]
    fn treeshap_matches_brute_force_shapley_and_adds_up() {
        let t = sample_tree();
        let mut scratch = Vec::new();
        for x in [
            [0.0, 0.0, 0.0],
            [1.0, 1.0, 1.0],
            [2.0, 0.0, 1.0],
            [1.0, f64::NAN, 0.0],
            [f64::NAN, 1.0, 1.0],
        ] {
            let mut phi = vec![0.0; 3];
            t.add_contributions(&x, &mut phi, &mut scratch);
            let brute = brute_shapley(&t, &x, 3);
            for (a, b) in phi.iter().zip(&brute) {
                assert!((a - b).abs() < 1e-12, "{x:?}: {phi:?} vs {brute:?}");
            }
            let sum: f64 = phi.iter().sum::<f64>() + t.expected_value();
            assert!((sum - t.predict(&x)).abs() < 1e-12);
        }
    }

    #[test]
    fn expected_value_is_cover_weighted() {
        let t = sample_tree();
        let e = (1.0 * 30.0 + 2.0 * 10.0 + 3.0 * 5.0 + 4.0 * 20.0 + 5.0 * 35.0) / 100.0;
        assert!((t.expected_value() - e).abs() < 1e-12);
        assert_eq!(t.max_depth(), 3);
    }
}
