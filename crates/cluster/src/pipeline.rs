//! The whole run: parameters, preprocessing, fitting (with k chosen
//! automatically if asked), descriptions, stability, and the serialisable
//! result the CLI writes.

use std::fmt;
use std::str::FromStr;
use std::time::Instant;

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::dbscan::{DbscanParams, EpsChoice};
use crate::describe::{ClusterDescription, DescribeParams, Name, describe};
use crate::error::{Error, Result};
use crate::eval::silhouette_sampled;
use crate::gmm::GmmParams;
use crate::hierarchical::WardParams;
use crate::kmeans::KMeansParams;
use crate::preprocess::{PreprocessParams, PreprocessReport};
use crate::select::{KSelection, select_k, spherical_bic};
use crate::stability::{Stability, stability};
use crate::table::FeatureTable;
use crate::util;

/// The clustering algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algo {
    /// K-Means (k-means++, restarts).
    #[serde(rename = "kmeans")]
    KMeans,
    /// Gaussian mixture, full covariances.
    Gmm,
    /// DBSCAN (finds the number of clusters itself; noise = −1).
    Dbscan,
    /// Ward hierarchical on a sample, nearest centroid for the rest.
    Hierarchical,
}

impl Algo {
    pub fn as_str(self) -> &'static str {
        match self {
            Algo::KMeans => "kmeans",
            Algo::Gmm => "gmm",
            Algo::Dbscan => "dbscan",
            Algo::Hierarchical => "hierarchical",
        }
    }
}

impl fmt::Display for Algo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Algo {
    type Err = Error;

    fn from_str(s: &str) -> Result<Algo> {
        match s.trim().to_ascii_lowercase().as_str() {
            "kmeans" | "k-means" => Ok(Algo::KMeans),
            "gmm" | "gaussian-mixture" => Ok(Algo::Gmm),
            "dbscan" => Ok(Algo::Dbscan),
            "hierarchical" | "ward" => Ok(Algo::Hierarchical),
            _ => Err(Error::UnknownAlgo(s.to_string())),
        }
    }
}

/// A fixed number of clusters or `auto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KChoice {
    Auto,
    Fixed(usize),
}

impl FromStr for KChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<KChoice> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("auto") {
            return Ok(KChoice::Auto);
        }
        match t.parse::<usize>() {
            Ok(k) if k > 0 => Ok(KChoice::Fixed(k)),
            _ => Err(Error::InvalidK(s.to_string())),
        }
    }
}

/// Everything a run needs besides the data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterParams {
    pub algo: Algo,
    pub k: KChoice,
    /// The k tried by `auto` (inclusive).
    pub k_range: (usize, usize),
    pub seed: u64,
    /// K-Means restarts (and GMM initialisations are 1, as scikit-learn).
    pub n_init: usize,
    /// Iteration cap; `None` = the algorithm's default (K-Means 300, GMM 100).
    pub max_iter: Option<usize>,
    /// DBSCAN radius; `None` = k-distance knee.
    pub eps: Option<f64>,
    /// DBSCAN core threshold; `None` = 2 × model columns, clamped to 5..=50.
    pub min_samples: Option<usize>,
    /// Rows for silhouettes, the Ward tree and the DBSCAN density.
    pub sample_size: usize,
    /// Seeds compared for stability (0 = skip; the run's own seed is the first).
    pub stability_runs: usize,
    /// Worker threads; 0 = all cores.
    pub threads: usize,
    pub preprocess: PreprocessParams,
    pub describe: DescribeParams,
}

impl ClusterParams {
    pub fn new(algo: Algo) -> ClusterParams {
        ClusterParams {
            algo,
            k: KChoice::Auto,
            k_range: (2, 10),
            seed: 0,
            n_init: 10,
            max_iter: None,
            eps: None,
            min_samples: None,
            sample_size: 5_000,
            stability_runs: 3,
            threads: 0,
            preprocess: PreprocessParams::default(),
            describe: DescribeParams::default(),
        }
    }

    pub fn k(mut self, k: usize) -> Self {
        self.k = KChoice::Fixed(k);
        self
    }

    pub fn k_auto(mut self) -> Self {
        self.k = KChoice::Auto;
        self
    }

    pub fn k_choice(mut self, k: KChoice) -> Self {
        self.k = k;
        self
    }

    pub fn k_range(mut self, lo: usize, hi: usize) -> Self {
        self.k_range = (lo, hi);
        self
    }

    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
        self
    }

    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = Some(n);
        self
    }

    pub fn eps(mut self, e: f64) -> Self {
        self.eps = Some(e);
        self
    }

    pub fn min_samples(mut self, m: usize) -> Self {
        self.min_samples = Some(m);
        self
    }

    pub fn sample_size(mut self, n: usize) -> Self {
        self.sample_size = n;
        self
    }

    pub fn stability_runs(mut self, n: usize) -> Self {
        self.stability_runs = n;
        self
    }

    pub fn threads(mut self, t: usize) -> Self {
        self.threads = t;
        self
    }

    pub fn preprocess(mut self, p: PreprocessParams) -> Self {
        self.preprocess = p;
        self
    }

    pub fn describe(mut self, d: DescribeParams) -> Self {
        self.describe = d;
        self
    }

    /// Checks everything that does not depend on the data (k against the
    /// number of rows is checked when fitting).
    pub fn validate(self) -> Result<ValidClusterParams> {
        match (self.algo, self.k) {
            (_, KChoice::Fixed(0)) => return Err(Error::param("k", "must be at least 1")),
            (Algo::Dbscan, KChoice::Fixed(_)) => {
                return Err(Error::param(
                    "k",
                    "DBSCAN finds the number of clusters itself; leave k as auto",
                ));
            }
            _ => {}
        }
        let (lo, hi) = self.k_range;
        if lo < 2 || hi < lo {
            return Err(Error::param(
                "k_range",
                format!("must satisfy 2 ≤ lo ≤ hi (got {lo}..={hi})"),
            ));
        }
        if self.n_init == 0 {
            return Err(Error::param("n_init", "must be at least 1"));
        }
        if self.max_iter == Some(0) {
            return Err(Error::param("max_iter", "must be at least 1"));
        }
        if self.sample_size < 2 {
            return Err(Error::param("sample_size", "must be at least 2"));
        }
        if self.stability_runs == 1 {
            return Err(Error::param(
                "stability_runs",
                "compare at least 2 seeds (or 0 to skip)",
            ));
        }
        // The algorithm's own checks, with a placeholder k.
        let k = match self.k {
            KChoice::Fixed(k) => k,
            KChoice::Auto => lo,
        };
        match self.algo {
            Algo::KMeans => {
                KMeansParams::new(k).n_init(self.n_init).validate()?;
            }
            Algo::Gmm => {
                GmmParams::new(k).validate()?;
            }
            Algo::Hierarchical => {
                WardParams::new(k).sample_size(self.sample_size.max(k)).validate()?;
            }
            Algo::Dbscan => {
                let mut d = DbscanParams::new().sample_size(self.sample_size);
                d.eps = self.eps;
                d.min_samples = self.min_samples;
                d.validate()?;
            }
        }
        if self.algo != Algo::Dbscan && (self.eps.is_some() || self.min_samples.is_some()) {
            return Err(Error::param("eps", "eps and min_samples apply to DBSCAN only"));
        }
        self.preprocess.clone().validate()?;
        self.describe.validate()?;
        Ok(ValidClusterParams(self))
    }

    /// Validates, then runs on `table`.
    pub fn run(self, table: &FeatureTable) -> Result<ClusterRun> {
        self.validate()?.run(table)
    }
}

/// Checked run parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidClusterParams(ClusterParams);

/// Labels and fit statistics of one fit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted {
    pub labels: Vec<i32>,
    pub inertia: Option<f64>,
    pub bic: Option<f64>,
    pub log_likelihood: Option<f64>,
    pub n_iter: Option<usize>,
    pub converged: Option<bool>,
    pub eps: Option<EpsChoice>,
}

/// Fits `p.algo` with `k` clusters and `seed` on the model matrix.
pub(crate) fn fit_labels(x: ArrayView2<'_, f64>, p: &ClusterParams, k: usize, seed: u64) -> Result<Fitted> {
    let n = x.nrows();
    if p.algo != Algo::Dbscan && k > n {
        return Err(Error::KExceedsRows { k, n });
    }
    let to_i32 = |v: Vec<usize>| v.into_iter().map(|l| l as i32).collect::<Vec<i32>>();
    Ok(match p.algo {
        Algo::KMeans => {
            let mut kp = KMeansParams::new(k).n_init(p.n_init).seed(seed).threads(p.threads);
            if let Some(m) = p.max_iter {
                kp = kp.max_iter(m);
            }
            let m = kp.fit(x)?;
            let labels = to_i32(m.labels);
            Fitted {
                bic: Some(spherical_bic(x, &labels)),
                labels,
                inertia: Some(m.inertia),
                log_likelihood: None,
                n_iter: Some(m.n_iter),
                converged: None,
                eps: None,
            }
        }
        Algo::Gmm => {
            let mut gp = GmmParams::new(k).seed(seed).threads(p.threads);
            if let Some(m) = p.max_iter {
                gp = gp.max_iter(m);
            }
            let g = gp.fit(x)?;
            Fitted {
                labels: to_i32(g.labels),
                inertia: None,
                bic: Some(g.bic),
                log_likelihood: Some(g.log_likelihood),
                n_iter: Some(g.n_iter),
                converged: Some(g.converged),
                eps: None,
            }
        }
        Algo::Hierarchical => {
            let w = WardParams::new(k).sample_size(p.sample_size.max(k)).seed(seed).fit(x)?;
            let labels = to_i32(w.labels);
            Fitted {
                bic: Some(spherical_bic(x, &labels)),
                labels,
                inertia: None,
                log_likelihood: None,
                n_iter: None,
                converged: None,
                eps: None,
            }
        }
        Algo::Dbscan => {
            let mut dp = DbscanParams::new()
                .sample_size(p.sample_size)
                .seed(seed)
                .threads(p.threads);
            dp.eps = p.eps;
            dp.min_samples = p.min_samples;
            let m = dp.fit(x)?;
            Fitted {
                labels: m.labels,
                inertia: None,
                bic: None,
                log_likelihood: None,
                n_iter: None,
                converged: None,
                eps: Some(m.eps),
            }
        }
    })
}

/// Fit statistics of the final labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    /// Silhouette on a seeded sample (`sample_size` rows, noise left out).
    pub silhouette: Option<f64>,
    /// K-Means: sum of squared distances to the centres.
    pub inertia: Option<f64>,
    /// GMM: BIC of the mixture; K-Means / Ward: BIC of a spherical
    /// shared-variance mixture with these hard labels.
    pub bic: Option<f64>,
    pub log_likelihood: Option<f64>,
    pub n_iter: Option<usize>,
    pub converged: Option<bool>,
    /// DBSCAN: share of rows labelled noise.
    pub noise_share: Option<f64>,
}

/// Wall-clock seconds per phase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub preprocess: f64,
    /// Fitting, including the evaluation of every k when k = auto.
    pub fit: f64,
    pub describe: f64,
    pub stability: f64,
    pub total: f64,
}

/// The result of a run: what the CLI writes and prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterRun {
    /// A deterministic tag for the model: algorithm, k, seed and a hash of
    /// the columns, preprocessing decisions and parameters.
    pub model_tag: String,
    pub algo: Algo,
    /// Clusters found (noise not counted).
    pub k: usize,
    pub seed: u64,
    pub rows: usize,
    pub params: ClusterParams,
    pub preprocess: PreprocessReport,
    /// The k curves and the rule, when k = auto.
    pub selection: Option<KSelection>,
    /// DBSCAN: how ε was chosen.
    pub eps: Option<EpsChoice>,
    pub clusters: Vec<ClusterDescription>,
    pub quality: Quality,
    pub stability: Option<Stability>,
    pub timings: Timings,
    /// The cluster of every row (−1 = noise), in the table's row order.
    /// Not serialised (it is written to the `clusters` table instead).
    #[serde(skip)]
    pub labels: Vec<i32>,
}

/// One row of the `clusters` output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assignment<'a> {
    pub row: usize,
    pub cluster: i32,
    pub name: &'a Name,
}

impl ClusterRun {
    /// The description of a cluster id (−1 = noise).
    pub fn cluster(&self, id: i32) -> Option<&ClusterDescription> {
        self.clusters.iter().find(|c| c.cluster == id)
    }

    /// Every row's cluster and name, in row order.
    pub fn assignments(&self) -> impl Iterator<Item = Assignment<'_>> + '_ {
        let names: std::collections::HashMap<i32, &Name> = self.clusters.iter().map(|c| (c.cluster, &c.name)).collect();
        // Every label has a description, so no row is skipped.
        self.labels
            .iter()
            .enumerate()
            .filter_map(move |(row, &cluster)| names.get(&cluster).map(|&name| Assignment { row, cluster, name }))
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl ValidClusterParams {
    pub fn params(&self) -> &ClusterParams {
        &self.0
    }

    /// Preprocesses `table`, fits, describes and measures stability.
    pub fn run(&self, table: &FeatureTable) -> Result<ClusterRun> {
        let p = &self.0;
        let t0 = Instant::now();
        let pre = p.preprocess.clone().validate()?.fit(table)?;
        let x = pre.matrix.view();
        let n = x.nrows();
        let t_pre = t0.elapsed().as_secs_f64();

        let t1 = Instant::now();
        let (selection, fitted, k_asked) = match (p.algo, p.k) {
            (Algo::Dbscan, _) => (None, fit_labels(x, p, 0, p.seed)?, None),
            (_, KChoice::Fixed(k)) => (None, fit_labels(x, p, k, p.seed)?, Some(k)),
            (_, KChoice::Auto) => {
                let (sel, f) = select_k(x, p)?;
                let k = sel.chosen;
                (Some(sel), f, Some(k))
            }
        };
        let (labels, _) = util::canonical_labels(&fitted.labels);
        let t_fit = t1.elapsed().as_secs_f64();

        let t2 = Instant::now();
        let clusters = describe(table, &labels, &p.describe)?;
        let silhouette = match &selection {
            // Same sample and labels up to renaming: reuse.
            Some(sel) => sel
                .candidates
                .iter()
                .find(|c| c.k == sel.chosen)
                .and_then(|c| c.silhouette),
            None => silhouette_sampled(x, &labels, p.sample_size, p.seed, p.threads)?,
        };
        let t_desc = t2.elapsed().as_secs_f64();

        let t3 = Instant::now();
        let stab = if p.stability_runs >= 2 {
            Some(stability(x, p, k_asked.unwrap_or(0), &labels)?)
        } else {
            None
        };
        let t_stab = t3.elapsed().as_secs_f64();

        let k = labels
            .iter()
            .copied()
            .filter(|&l| l >= 0)
            .max()
            .map_or(0, |m| m as usize + 1);
        let mut h = String::new();
        h.push_str(&pre.report.model_columns.join(","));
        h.push_str(&serde_json::to_string(&pre.report.columns).unwrap_or_default());
        h.push_str(&serde_json::to_string(p).unwrap_or_default());
        let model_tag = format!("{}-k{}-s{}-{:08x}", p.algo, k, p.seed, fnv1a(h.as_bytes()) as u32);
        let noise = labels.iter().filter(|&&l| l < 0).count();
        Ok(ClusterRun {
            model_tag,
            algo: p.algo,
            k,
            seed: p.seed,
            rows: n,
            params: p.clone(),
            preprocess: pre.report,
            selection,
            eps: fitted.eps.clone(),
            clusters,
            quality: Quality {
                silhouette,
                inertia: fitted.inertia,
                bic: fitted.bic,
                log_likelihood: fitted.log_likelihood,
                n_iter: fitted.n_iter,
                converged: fitted.converged,
                noise_share: (p.algo == Algo::Dbscan).then(|| noise as f64 / n as f64),
            },
            stability: stab,
            timings: Timings {
                preprocess: t_pre,
                fit: t_fit,
                describe: t_desc,
                stability: t_stab,
                total: t0.elapsed().as_secs_f64(),
            },
            labels,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parse_algo_and_k() {
        assert_eq!("KMeans".parse::<Algo>().unwrap(), Algo::KMeans);
        assert_eq!("ward".parse::<Algo>().unwrap(), Algo::Hierarchical);
        let e = "spectral".parse::<Algo>().unwrap_err();
        assert_eq!(e, Error::UnknownAlgo("spectral".into()));
        assert!(e.to_string().contains("expected kmeans, gmm, dbscan or hierarchical"));
        assert_eq!("auto".parse::<KChoice>().unwrap(), KChoice::Auto);
        assert_eq!(" 6 ".parse::<KChoice>().unwrap(), KChoice::Fixed(6));
        assert_eq!("0".parse::<KChoice>().unwrap_err(), Error::InvalidK("0".into()));
        assert!("six".parse::<KChoice>().is_err());
    }

    #[test]
    fn validation_names_the_parameter() {
        let e = ClusterParams::new(Algo::KMeans).k(0).validate().unwrap_err();
        assert!(e.to_string().contains("`k`"), "{e}");
        assert!(ClusterParams::new(Algo::Dbscan).k(3).validate().is_err());
        assert!(ClusterParams::new(Algo::KMeans).k_range(1, 5).validate().is_err());
        assert!(ClusterParams::new(Algo::KMeans).eps(0.5).validate().is_err());
        assert!(ClusterParams::new(Algo::Dbscan).eps(-0.5).validate().is_err());
        assert!(ClusterParams::new(Algo::KMeans).n_init(0).validate().is_err());
        assert!(ClusterParams::new(Algo::Gmm).k(4).seed(1).validate().is_ok());
    }
}
