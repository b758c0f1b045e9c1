//! What each cluster is: its size, the features that set it apart, and a
//! short bilingual name built from those features' words.
//!
//! Distinctions are measured on the **original** values (before filling,
//! logs or scaling; missing values left out), so they read in the units a
//! person knows: the standardised difference
//! `d = (cluster mean − rest mean) / pooled sd` (Cohen's d). A category
//! contributes one 0/1 indicator per level. Features are ranked by |d|.
//!
//! Names come only from the feature semantics (`huaxiang_ml::semantics`):
//! each feature with |d| at or above the threshold whose meaning has a word
//! for that direction (`high` / `low`) contributes it, strongest first, two
//! words by default ("高频·高价值" / "frequent, high-value"). Clusters whose
//! names collide take their next word until the names differ; a cluster with
//! no strong feature is "普通客户 / typical customers"; DBSCAN noise is
//! "噪声 / noise". The result depends only on the data and labels, never on
//! any truth, and is deterministic.

use std::collections::BTreeMap;

use huaxiang_ml::semantics::{FeatureMeaning, meaning};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::table::{ColumnData, FeatureTable};

/// A phrase in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Name {
    pub zh: String,
    pub en: String,
}

impl Name {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Name {
        Name {
            zh: zh.into(),
            en: en.into(),
        }
    }
}

/// The name of a cluster with no distinguishing feature.
pub fn typical_name() -> Name {
    Name::new("普通客户", "typical customers")
}

/// The name of DBSCAN's noise.
pub fn noise_name() -> Name {
    Name::new("噪声", "noise")
}

/// Description parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DescribeParams {
    /// Distinguishing features listed per cluster.
    pub top: usize,
    /// |d| at or above which a feature may name a cluster.
    pub threshold: f64,
    /// Words in a name (more only to tell clusters apart).
    pub name_words: usize,
    /// Category levels considered per category column (most frequent first).
    pub max_levels: usize,
}

impl Default for DescribeParams {
    fn default() -> Self {
        DescribeParams {
            top: 5,
            threshold: 0.5,
            name_words: 2,
            max_levels: 12,
        }
    }
}

impl DescribeParams {
    pub fn validate(&self) -> Result<()> {
        if self.name_words == 0 {
            return Err(Error::param("name_words", "must be at least 1"));
        }
        if !(self.threshold.is_finite() && self.threshold > 0.0) {
            return Err(Error::param("threshold", "must be a finite number > 0"));
        }
        Ok(())
    }
}

/// Above or below the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    High,
    Low,
}

/// One feature that sets a cluster apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distinguishing {
    /// Column name, or `column=level` for a category level.
    pub feature: String,
    pub label: Name,
    pub cluster_mean: f64,
    pub rest_mean: f64,
    /// Standardised difference (cluster − rest) / pooled sd.
    pub d: f64,
    pub direction: Direction,
    /// The semantic word for this direction, if the feature has one.
    pub word: Option<Name>,
}

/// One cluster, described.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterDescription {
    /// Cluster id (−1 = noise).
    pub cluster: i32,
    pub size: usize,
    pub share: f64,
    pub name: Name,
    /// Features by decreasing |d| (at most `top`).
    pub top: Vec<Distinguishing>,
}

/// A feature as seen by the description: per-row value (NaN = missing),
/// its label and its words.
struct Feature {
    name: String,
    label: Name,
    high: Option<Name>,
    low: Option<Name>,
    values: Vec<f64>,
}

fn bi(b: &huaxiang_ml::semantics::Bilingual) -> Name {
    Name::new(b.zh.clone(), b.en.clone())
}

fn features(table: &FeatureTable, max_levels: usize) -> Vec<Feature> {
    let mut out = Vec::new();
    for col in table.columns() {
        let m: FeatureMeaning = meaning(&col.name);
        match &col.data {
            ColumnData::Numeric(v) => out.push(Feature {
                name: col.name.clone(),
                label: bi(&m.label),
                high: m.high.as_ref().map(bi),
                low: m.low.as_ref().map(bi),
                values: v.iter().map(|x| if x.is_finite() { *x } else { f64::NAN }).collect(),
            }),
            ColumnData::Category(v) => {
                let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
                for s in v.iter().flatten() {
                    *counts.entry(s.as_str()).or_insert(0) += 1;
                }
                let mut levels: Vec<(&str, usize)> = counts.into_iter().collect();
                levels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                for (level, _) in levels.into_iter().take(max_levels) {
                    let label = Name::new(format!("{}：{level}", m.label.zh), format!("{}: {level}", m.label.en));
                    out.push(Feature {
                        name: format!("{}={level}", col.name),
                        high: Some(label.clone()),
                        low: None,
                        label,
                        values: v
                            .iter()
                            .map(|s| match s {
                                Some(s) if s == level => 1.0,
                                Some(_) => 0.0,
                                None => f64::NAN,
                            })
                            .collect(),
                    });
                }
            }
        }
    }
    out
}

/// Per-cluster (count, sum, sum of squares) around the feature's overall mean.
fn group_stats(values: &[f64], labels: &[i32], groups: &BTreeMap<i32, usize>) -> (f64, Vec<(f64, f64, f64)>) {
    let (mut n, mut s) = (0.0, 0.0);
    for v in values.iter().filter(|v| v.is_finite()) {
        n += 1.0;
        s += v;
    }
    let mean = if n > 0.0 { s / n } else { 0.0 };
    let mut st = vec![(0.0, 0.0, 0.0); groups.len()];
    for (v, l) in values.iter().zip(labels) {
        if v.is_finite()
            && let Some(&g) = groups.get(l)
        {
            let c = v - mean;
            st[g].0 += 1.0;
            st[g].1 += c;
            st[g].2 += c * c;
        }
    }
    (mean, st)
}

/// Describes every cluster of `labels` (rows aligned with `table`) and names it.
pub fn describe(table: &FeatureTable, labels: &[i32], params: &DescribeParams) -> Result<Vec<ClusterDescription>> {
    params.validate()?;
    let n = table.n_rows();
    if labels.len() != n {
        return Err(Error::LengthMismatch(labels.len(), n));
    }
    if n == 0 {
        return Err(Error::EmptyInput("no rows to describe".into()));
    }
    let mut sizes: BTreeMap<i32, usize> = BTreeMap::new();
    for &l in labels {
        *sizes.entry(if l < 0 { -1 } else { l }).or_insert(0) += 1;
    }
    let labels: Vec<i32> = labels.iter().map(|&l| l.max(-1)).collect();
    let groups: BTreeMap<i32, usize> = sizes.keys().enumerate().map(|(g, &l)| (l, g)).collect();
    let feats = features(table, params.max_levels);

    // Every cluster's ranked features.
    let mut ranked: Vec<Vec<(f64, usize, f64, f64)>> = vec![Vec::new(); groups.len()];
    for (fi, f) in feats.iter().enumerate() {
        let (mean, st) = group_stats(&f.values, &labels, &groups);
        let tot = st
            .iter()
            .fold((0.0, 0.0, 0.0), |a, s| (a.0 + s.0, a.1 + s.1, a.2 + s.2));
        for (g, s) in st.iter().enumerate() {
            let (n1, n2) = (s.0, tot.0 - s.0);
            if n1 < 1.0 || n2 < 1.0 || n1 + n2 < 3.0 {
                continue;
            }
            let (m1, m2) = (s.1 / n1, (tot.1 - s.1) / n2);
            let ss1 = (s.2 - n1 * m1 * m1).max(0.0);
            let ss2 = ((tot.2 - s.2) - n2 * m2 * m2).max(0.0);
            let pooled = ((ss1 + ss2) / (n1 + n2 - 2.0)).sqrt();
            if pooled.is_nan() || pooled <= 1e-12 {
                continue;
            }
            let d = (m1 - m2) / pooled;
            ranked[g].push((d, fi, m1 + mean, m2 + mean));
        }
    }
    for r in ranked.iter_mut() {
        r.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()).then(a.1.cmp(&b.1)));
    }

    let word_of = |d: f64, fi: usize| -> Option<Name> {
        let f = &feats[fi];
        if d > 0.0 { f.high.clone() } else { f.low.clone() }
    };
    // Candidate words: strong features with a word, distinct words only.
    let cand: Vec<Vec<Name>> = ranked
        .iter()
        .map(|r| {
            let mut w: Vec<Name> = Vec::new();
            for &(d, fi, _, _) in r.iter().filter(|x| x.0.abs() >= params.threshold) {
                if let Some(word) = word_of(d, fi)
                    && !w.contains(&word)
                {
                    w.push(word);
                }
            }
            w
        })
        .collect();
    let weak: Vec<Option<Name>> = ranked
        .iter()
        .map(|r| {
            r.iter()
                .filter(|x| x.0.abs() > 1e-9)
                .find_map(|&(d, fi, _, _)| word_of(d, fi))
        })
        .collect();
    let keys: Vec<i32> = groups.keys().copied().collect();
    let mut used: Vec<usize> = cand.iter().map(|w| w.len().min(params.name_words)).collect();
    let build = |g: usize, used: &[usize]| -> Name {
        if keys[g] < 0 {
            return noise_name();
        }
        if used[g] == 0 {
            return typical_name();
        }
        let w = &cand[g][..used[g]];
        Name::new(
            w.iter().map(|x| x.zh.as_str()).collect::<Vec<_>>().join("·"),
            w.iter().map(|x| x.en.as_str()).collect::<Vec<_>>().join(", "),
        )
    };
    loop {
        let names: Vec<Name> = (0..keys.len()).map(|g| build(g, &used)).collect();
        let mut progressed = false;
        for g in 0..keys.len() {
            let dup = (0..keys.len()).any(|h| h != g && names[h] == names[g]);
            if dup && keys[g] >= 0 && used[g] > 0 && used[g] < cand[g].len() {
                used[g] += 1;
                progressed = true;
            }
        }
        if !progressed {
            break;
        }
    }
    let mut names: Vec<Name> = (0..keys.len()).map(|g| build(g, &used)).collect();
    // Typical clusters that collide: add their strongest (weak) word.
    for g in 0..keys.len() {
        let dup = (0..keys.len()).any(|h| h != g && names[h] == names[g]);
        if dup
            && keys[g] >= 0
            && used[g] == 0
            && let Some(w) = &weak[g]
        {
            names[g] = Name::new(
                format!("{}（{}）", names[g].zh, w.zh),
                format!("{} ({})", names[g].en, w.en),
            );
        }
    }
    // Anything still equal: number the later ones.
    for g in 0..keys.len() {
        let same = (0..g).filter(|&h| names[h] == names[g]).count();
        if same > 0 {
            let k = same + 1;
            names[g] = Name::new(format!("{}{k}", names[g].zh), format!("{} {k}", names[g].en));
        }
    }

    Ok(keys
        .iter()
        .enumerate()
        .map(|(g, &cluster)| {
            let size = sizes[&cluster];
            ClusterDescription {
                cluster,
                size,
                share: size as f64 / n as f64,
                name: names[g].clone(),
                top: ranked[g]
                    .iter()
                    .take(params.top)
                    .map(|&(d, fi, cm, rm)| Distinguishing {
                        feature: feats[fi].name.clone(),
                        label: feats[fi].label.clone(),
                        cluster_mean: cm,
                        rest_mean: rm,
                        d,
                        direction: if d > 0.0 { Direction::High } else { Direction::Low },
                        word: word_of(d, fi),
                    })
                    .collect(),
            }
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn table(rows: &[(f64, f64, f64)]) -> FeatureTable {
        FeatureTable::new()
            .with_numeric("frequency", rows.iter().map(|r| r.0).collect())
            .unwrap()
            .with_numeric("monetary", rows.iter().map(|r| r.1).collect())
            .unwrap()
            .with_numeric("night_order_share", rows.iter().map(|r| r.2).collect())
            .unwrap()
    }

    #[test]
    fn standardised_difference_on_original_values() {
        // Cluster 0: frequency 10, 12; rest: 1, 3. Pooled sd = sqrt(2), d = 9/sqrt(2).
        let t = table(&[(10.0, 5.0, 0.1), (12.0, 6.0, 0.2), (1.0, 5.0, 0.1), (3.0, 6.0, 0.2)]);
        let out = describe(&t, &[0, 0, 1, 1], &DescribeParams::default()).unwrap();
        let f = &out[0].top[0];
        assert_eq!(f.feature, "frequency");
        assert!((f.d - 9.0 / 2f64.sqrt()).abs() < 1e-12, "{}", f.d);
        assert_eq!((f.cluster_mean, f.rest_mean), (11.0, 2.0));
        assert_eq!(out[0].name, Name::new("高频", "frequent"));
        assert_eq!(out[1].name, Name::new("低频", "infrequent"));
        assert_eq!(out[0].size, 2);
        assert_eq!(out[0].share, 0.5);
    }

    #[test]
    fn duplicates_take_the_next_word_and_fallback_is_typical() {
        // Clusters 0 and 1 are both frequent; 0 also spends more, 1 orders at night.
        let mut rows = Vec::new();
        let mut labels = Vec::new();
        for i in 0..30 {
            let e = (i % 3) as f64 * 0.1;
            rows.push((20.0 + e, 5000.0 + e, 0.1 + e * 0.1));
            labels.push(0);
            rows.push((20.0 + e, 100.0 + e, 0.9 + e * 0.1));
            labels.push(1);
            rows.push((2.0 + e, 300.0 + e, 0.3 + e * 0.1));
            labels.push(2);
            rows.push((2.0 + e, 300.0 + e, 0.3 + e * 0.1));
            labels.push(3);
        }
        let t = table(&rows);
        let out = describe(&t, &labels, &DescribeParams::default()).unwrap();
        let names: Vec<&str> = out.iter().map(|c| c.name.zh.as_str()).collect();
        assert!(
            names[0].starts_with("高价值") || names[0].contains("高价值"),
            "{names:?}"
        );
        assert!(names[1].contains("深夜下单"), "{names:?}");
        let uniq: std::collections::BTreeSet<&&str> = names.iter().collect();
        assert_eq!(uniq.len(), 4, "{names:?}");
        // Clusters 2 and 3 are identical: names still differ (numbered).
        assert_eq!(out[2].name.zh, out[3].name.zh.trim_end_matches('2'));
    }

    #[test]
    fn noise_and_typical() {
        let t = table(&[
            (1.0, 1.0, 0.1),
            (1.1, 1.0, 0.1),
            (1.0, 1.1, 0.1),
            (1.1, 1.1, 0.1),
            (9.0, 1.0, 0.1),
        ]);
        let out = describe(&t, &[0, 0, 0, 0, -1], &DescribeParams::default()).unwrap();
        assert_eq!(out[0].cluster, -1);
        assert_eq!(out[0].name, noise_name());
        // Two clusters with the same distribution: nothing stands out.
        let rows: Vec<(f64, f64, f64)> = (0..8).map(|i| ((i % 4) as f64, (i % 4) as f64 * 10.0, 0.25)).collect();
        let out = describe(&table(&rows), &[0, 0, 0, 0, 1, 1, 1, 1], &DescribeParams::default()).unwrap();
        assert_eq!(out[0].name, typical_name());
        assert_eq!(out[1].name, Name::new("普通客户2", "typical customers 2"));
    }
}
