//! K-Means: greedy k-means++ seeding, exact Lloyd iterations accelerated
//! with Elkan's bounds, several restarts run on all cores.
//!
//! Elkan's algorithm keeps, per row, an upper bound on the distance to its
//! own centre and a lower bound on the distance to each other centre; when
//! the centres move the bounds are loosened by how far they moved, and a
//! distance is only computed when the bounds (and half the distance between
//! the two centres) can no longer rule that centre out. Cluster sums are
//! updated as rows move, so an iteration costs little more than a pass over
//! the bounds once most rows have settled.
//! The result is the same as plain Lloyd (same assignments at every step),
//! but after the first few iterations almost no distances are computed. The
//! restarts are independent, each with its own random stream derived from
//! the seed and the restart number, and the best inertia wins (ties: the
//! lowest restart), so the result does not depend on the number of threads.

use ndarray::{Array2, ArrayView2};
use rand::Rng as _;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::util::{self, Rng, sq_dist};

/// K-Means parameters (scikit-learn's defaults: 10 restarts, 300 iterations,
/// tolerance 1e-4 relative to the mean column variance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansParams {
    pub k: usize,
    pub n_init: usize,
    pub max_iter: usize,
    pub tol: f64,
    pub seed: u64,
    /// Worker threads for the restarts; 0 = all cores.
    pub threads: usize,
}

impl KMeansParams {
    pub fn new(k: usize) -> KMeansParams {
        KMeansParams {
            k,
            n_init: 10,
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
            threads: 0,
        }
    }

    pub fn n_init(mut self, n: usize) -> Self {
        self.n_init = n;
        self
    }

    pub fn max_iter(mut self, n: usize) -> Self {
        self.max_iter = n;
        self
    }

    pub fn tol(mut self, t: f64) -> Self {
        self.tol = t;
        self
    }

    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }

    pub fn threads(mut self, t: usize) -> Self {
        self.threads = t;
        self
    }

    /// Checks the parameters that do not depend on the data.
    pub fn validate(self) -> Result<ValidKMeansParams> {
        if self.k == 0 {
            return Err(Error::param("k", "must be at least 1"));
        }
        if self.n_init == 0 {
            return Err(Error::param("n_init", "must be at least 1"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", "must be at least 1"));
        }
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::param("tol", "must be a finite number ≥ 0"));
        }
        Ok(ValidKMeansParams(self))
    }

    /// Validates, then fits.
    pub fn fit(self, x: ArrayView2<'_, f64>) -> Result<KMeans> {
        self.validate()?.fit(x)
    }
}

/// Checked K-Means parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidKMeansParams(KMeansParams);

impl ValidKMeansParams {
    pub fn params(&self) -> &KMeansParams {
        &self.0
    }

    /// Fits on the rows of `x` (finite values only).
    pub fn fit(&self, x: ArrayView2<'_, f64>) -> Result<KMeans> {
        let p = &self.0;
        let x = util::checked(x)?;
        let (n, d) = x.dim();
        if p.k > n {
            return Err(Error::KExceedsRows { k: p.k, n });
        }
        let data = x.as_slice().ok_or_else(|| Error::Numerical {
            what: "k-means",
            reason: "matrix is not contiguous".into(),
        })?;
        let (_, var) = util::col_mean_var(data, d);
        let tol_abs = p.tol * var.iter().sum::<f64>() / d as f64;
        let x32 = Padded::new(data, d);
        let runs = util::par_map(p.n_init, util::threads(p.threads), |i| {
            let mut rng = util::rng(p.seed, i as u64);
            run_once(data, &x32, d, p.k, p.max_iter, tol_abs, &mut rng)
        });
        let inertias: Vec<f64> = runs.iter().map(|r| r.inertia).collect();
        let best = (0..runs.len())
            .min_by(|&a, &b| inertias[a].total_cmp(&inertias[b]).then(a.cmp(&b)))
            .unwrap_or(0);
        let mut runs = runs;
        let run = runs.swap_remove(best);
        let centroids = Array2::from_shape_vec((p.k, d), run.centers).map_err(|e| Error::Numerical {
            what: "k-means",
            reason: e.to_string(),
        })?;
        Ok(KMeans {
            centroids,
            labels: run.labels.into_iter().map(|l| l as usize).collect(),
            inertia: run.inertia,
            n_iter: run.n_iter,
            best_init: best,
            inertias,
        })
    }
}

/// A fitted K-Means model.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    /// k × d centres.
    pub centroids: Array2<f64>,
    /// The cluster of every training row.
    pub labels: Vec<usize>,
    /// Sum of squared distances of the rows to their centres.
    pub inertia: f64,
    /// Iterations of the winning restart.
    pub n_iter: usize,
    /// Which restart won.
    pub best_init: usize,
    /// The inertia of every restart.
    pub inertias: Vec<f64>,
}

impl KMeans {
    pub fn k(&self) -> usize {
        self.centroids.nrows()
    }

    /// The nearest centre of every row of `x`.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<Vec<usize>> {
        let x = util::checked(x)?;
        if x.ncols() != self.centroids.ncols() {
            return Err(Error::param(
                "x",
                format!("has {} columns, the model {}", x.ncols(), self.centroids.ncols()),
            ));
        }
        let c = self.centroids.as_standard_layout();
        let c = c.as_slice().unwrap_or(&[]);
        let d = x.ncols();
        Ok(x.rows()
            .into_iter()
            .map(|r| {
                let r = r.to_vec();
                nearest(&r, c, d).0
            })
            .collect())
    }
}

struct Run {
    centers: Vec<f64>,
    labels: Vec<u32>,
    inertia: f64,
    n_iter: usize,
}

/// Index and squared distance of the nearest centre.
pub(crate) fn nearest(row: &[f64], centers: &[f64], d: usize) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centers.chunks_exact(d).enumerate() {
        let s = sq_dist(row, c);
        if s < best.1 {
            best = (j, s);
        }
    }
    best
}

/// Rows in single precision, each padded with zeros to a multiple of eight
/// values so a distance is a few whole vector operations.
struct Padded {
    data: Vec<f32>,
    /// Padded row length.
    w: usize,
}

impl Padded {
    fn new(x: &[f64], d: usize) -> Padded {
        let w = d.div_ceil(LANES) * LANES;
        let mut data = vec![0.0f32; x.len() / d * w];
        for (dst, src) in data.chunks_exact_mut(w).zip(x.chunks_exact(d)) {
            for (a, b) in dst.iter_mut().zip(src) {
                *a = *b as f32;
            }
        }
        Padded { data, w }
    }

    #[inline]
    fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.w..(i + 1) * self.w]
    }
}

const LANES: usize = 8;

/// Squared distance of two padded rows (length a multiple of eight).
#[inline]
fn sq_dist32(a: &[f32], b: &[f32]) -> f32 {
    let (a, _) = a.as_chunks::<LANES>();
    let (b, _) = b.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for (x, y) in a.iter().zip(b) {
        for l in 0..LANES {
            let d = x[l] - y[l];
            acc[l] += d * d;
        }
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

#[inline]
fn fmin(a: f32, b: f32) -> f32 {
    if b < a { b } else { a }
}

#[inline]
fn fmax(a: f32, b: f32) -> f32 {
    if b > a { b } else { a }
}

/// Greedy k-means++ (as scikit-learn): each new centre is the best of
/// 2 + ln k candidates drawn with probability proportional to D². Returns
/// the chosen rows. A row whose nearest chosen centre m is at distance D
/// cannot be closer than D to a candidate c with ‖m − c‖ ≥ 2D (triangle
/// inequality), so its distance to c is not computed.
fn kmeans_plus_plus(x: &Padded, k: usize, rng: &mut Rng) -> Vec<usize> {
    let n = x.data.len() / x.w;
    let row = |i: usize| x.row(i);
    let first = rng.random_range(0..n);
    let mut chosen = vec![first];
    let mut closest: Vec<f32> = (0..n).map(|i| sq_dist32(row(i), row(first))).collect();
    let mut owner = vec![0u16; n];
    let trials = 2 + (k as f64).ln() as usize;
    let mut cum = vec![0.0f64; n];
    let mut cands = vec![0usize; trials];
    let mut pots = vec![0.0f64; trials];
    // cc[m * trials + t] = squared distance between chosen centre m and candidate t.
    let mut cc = vec![0.0f32; k * trials];
    let mut cand_d = vec![vec![0.0f32; n]; trials];
    for _ in 1..k {
        let mut acc = 0.0f64;
        for (c, v) in cum.iter_mut().zip(&closest) {
            acc += f64::from(*v);
            *c = acc;
        }
        for c in cands.iter_mut() {
            let r = rng.random::<f64>() * acc;
            *c = cum.partition_point(|&v| v <= r).min(n - 1);
        }
        for (m, &cm) in chosen.iter().enumerate() {
            for (t, &ct) in cands.iter().enumerate() {
                cc[m * trials + t] = sq_dist32(row(cm), row(ct));
            }
        }
        // One pass scores every candidate (and keeps its new D²).
        pots.iter_mut().for_each(|p| *p = 0.0);
        for (i, (&cl, &m)) in closest.iter().zip(&owner).enumerate() {
            let xi = row(i);
            let near = &cc[m as usize * trials..(m as usize + 1) * trials];
            for t in 0..trials {
                // ‖m − c‖ ≥ 2D  ⇔  ‖m − c‖² ≥ 4D².
                let v = if near[t] >= 4.0 * cl {
                    cl
                } else {
                    fmin(cl, sq_dist32(xi, row(cands[t])))
                };
                cand_d[t][i] = v;
                pots[t] += f64::from(v);
            }
        }
        let best_t = (0..trials)
            .min_by(|&a, &b| pots[a].total_cmp(&pots[b]).then(a.cmp(&b)))
            .unwrap_or(0);
        let best = cands[best_t];
        let new = chosen.len() as u16;
        for ((cl, m), &v) in closest.iter_mut().zip(owner.iter_mut()).zip(&cand_d[best_t]) {
            if v < *cl {
                *cl = v;
                *m = new;
            }
        }
        chosen.push(best);
    }
    chosen
}

/// One restart: k-means++ then Elkan-accelerated Lloyd. Distances and
/// bounds are computed in single precision on `x32` (half the memory
/// traffic, which is what an iteration is bound by); sums, centres and the
/// inertia are kept in double precision on `x`.
fn run_once(x: &[f64], x32: &Padded, d: usize, k: usize, max_iter: usize, tol_abs: f64, rng: &mut Rng) -> Run {
    let n = x.len() / d;
    let w = x32.w;
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let row32 = |i: usize| x32.row(i);
    let mut centers: Vec<f64> = kmeans_plus_plus(x32, k, rng)
        .into_iter()
        .flat_map(|i| row(i).iter().copied())
        .collect();
    let mut c32 = vec![0.0f32; k * w];
    let sync = |c32: &mut [f32], centers: &[f64]| {
        for (dst, src) in c32.chunks_exact_mut(w).zip(centers.chunks_exact(d)) {
            for (a, b) in dst.iter_mut().zip(src) {
                *a = *b as f32;
            }
        }
    };
    sync(&mut c32, &centers);
    let mut label = vec![0u32; n];
    let mut upper = vec![0.0f32; n];
    // Elkan's bounds: lower[i * kp + j] ≤ distance from row i to centre j.
    // Centres are padded to a multiple of eight with never-winning dummies
    // (bound +∞, shift 0) so the per-row bound update is whole vector operations.
    let kp = k.div_ceil(LANES) * LANES;
    let mut lower = vec![f32::INFINITY; n * kp];
    let mut sums = vec![0.0f64; k * d];
    let mut counts = vec![0usize; k];

    for i in 0..n {
        let xi = row32(i);
        let lo = &mut lower[i * kp..(i + 1) * kp];
        let (mut b, mut best) = (0usize, f32::INFINITY);
        for (j, c) in c32.chunks_exact(w).enumerate() {
            let s = sq_dist32(xi, c).sqrt();
            lo[j] = s;
            if s < best {
                best = s;
                b = j;
            }
        }
        label[i] = b as u32;
        upper[i] = best;
        counts[b] += 1;
        for (s, v) in sums[b * d..(b + 1) * d].iter_mut().zip(row(i)) {
            *s += v;
        }
    }

    let mut shift = vec![0.0f32; kp];
    // Half the distance between centres; +∞ on the diagonal and for dummies,
    // so a row's own centre and the dummies never look like rivals.
    let mut half_cc = vec![f32::INFINITY; kp * kp];
    let mut n_iter = 0;
    for it in 1..=max_iter {
        n_iter = it;
        // An empty cluster takes the row farthest from its centre.
        for j in 0..k {
            if counts[j] == 0 {
                let far = (0..n)
                    .filter(|&i| counts[label[i] as usize] > 1)
                    .map(|i| {
                        let c = label[i] as usize;
                        (i, sq_dist(row(i), &centers[c * d..(c + 1) * d]))
                    })
                    .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                    .map(|(i, _)| i);
                if let Some(i) = far {
                    let old = label[i] as usize;
                    move_row(&mut sums, &mut counts, row(i), old, j, d);
                    label[i] = j as u32;
                    lower[i * kp..i * kp + k].iter_mut().for_each(|l| *l = 0.0);
                    upper[i] = f32::INFINITY;
                }
            }
        }
        // New centres: the means of their rows (sums are kept up to date).
        let mut shift_tot = 0.0;
        for j in 0..k {
            if counts[j] == 0 {
                shift[j] = 0.0;
                continue;
            }
            let inv = 1.0 / counts[j] as f64;
            let mut s2 = 0.0;
            for (c, s) in centers[j * d..(j + 1) * d].iter_mut().zip(&sums[j * d..(j + 1) * d]) {
                let nc = s * inv;
                s2 += (nc - *c) * (nc - *c);
                *c = nc;
            }
            shift_tot += s2;
            // Rounded up so the loosened bounds stay valid.
            shift[j] = (s2.sqrt() * (1.0 + 1e-6)) as f32;
        }
        sync(&mut c32, &centers);
        for j in 0..k {
            for j2 in 0..k {
                if j != j2 {
                    half_cc[j * kp + j2] = 0.5 * sq_dist32(&c32[j * w..(j + 1) * w], &c32[j2 * w..(j2 + 1) * w]).sqrt();
                }
            }
        }
        let (shift_v, _) = shift.as_chunks::<LANES>();

        // Loosen the bounds by how far the centres moved, then re-examine
        // only what the bounds cannot settle.
        let mut changed = 0usize;
        for i in 0..n {
            let a = label[i] as usize;
            let mut u = upper[i] + shift[a];
            let lo = &mut lower[i * kp..(i + 1) * kp];
            // The smallest distance any other centre could be at.
            let mut zacc = [f32::INFINITY; LANES];
            {
                let (lo_v, _) = lo.as_chunks_mut::<LANES>();
                let (hc_v, _) = half_cc[a * kp..(a + 1) * kp].as_chunks::<LANES>();
                for ((l8, s8), h8) in lo_v.iter_mut().zip(shift_v).zip(hc_v) {
                    for t in 0..LANES {
                        let v = fmax(l8[t] - s8[t], 0.0);
                        l8[t] = v;
                        zacc[t] = fmin(zacc[t], fmax(v, h8[t]));
                    }
                }
            }
            let zmin = fmin(
                fmin(fmin(zacc[0], zacc[4]), fmin(zacc[1], zacc[5])),
                fmin(fmin(zacc[2], zacc[6]), fmin(zacc[3], zacc[7])),
            );
            if u <= zmin {
                upper[i] = u;
                continue;
            }
            let xi = row32(i);
            u = sq_dist32(xi, &c32[a * w..(a + 1) * w]).sqrt();
            lo[a] = u;
            if u <= zmin {
                upper[i] = u;
                continue;
            }
            let mut cur = a;
            for j in 0..k {
                if u <= fmax(lo[j], half_cc[cur * kp + j]) {
                    continue;
                }
                let dj = sq_dist32(xi, &c32[j * w..(j + 1) * w]).sqrt();
                lo[j] = dj;
                if dj < u {
                    cur = j;
                    u = dj;
                }
            }
            upper[i] = u;
            if cur != a {
                changed += 1;
                label[i] = cur as u32;
                move_row(&mut sums, &mut counts, row(i), a, cur, d);
            }
        }
        if changed == 0 || shift_tot <= tol_abs {
            break;
        }
    }
    let inertia = (0..n)
        .map(|i| {
            let j = label[i] as usize;
            sq_dist(row(i), &centers[j * d..(j + 1) * d])
        })
        .sum();
    Run {
        centers,
        labels: label,
        inertia,
        n_iter,
    }
}

fn move_row(sums: &mut [f64], counts: &mut [usize], x: &[f64], from: usize, to: usize, d: usize) {
    counts[from] -= 1;
    counts[to] += 1;
    for (s, v) in sums[from * d..(from + 1) * d].iter_mut().zip(x) {
        *s -= v;
    }
    for (s, v) in sums[to * d..(to + 1) * d].iter_mut().zip(x) {
        *s += v;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::eval::adjusted_rand_index;
    use crate::testing::blobs;

    #[test]
    fn recovers_well_separated_blobs() {
        let (x, truth) = blobs(&[[0.0, 0.0], [10.0, 10.0], [-10.0, 10.0]], 100, 0.5, 1);
        let m = KMeansParams::new(3).seed(42).fit(x.view()).unwrap();
        assert_eq!(adjusted_rand_index(&truth, &m.labels).unwrap(), 1.0);
        assert_eq!(m.predict(x.view()).unwrap(), m.labels);
        assert_eq!(m.inertias.len(), 10);
    }

    #[test]
    fn same_seed_same_result_regardless_of_threads() {
        let (x, _) = blobs(&[[0.0, 0.0], [3.0, 3.0], [-3.0, 3.0], [0.0, 6.0]], 200, 1.5, 2);
        let a = KMeansParams::new(4).seed(7).threads(1).fit(x.view()).unwrap();
        let b = KMeansParams::new(4).seed(7).threads(3).fit(x.view()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn matches_plain_lloyd_inertia_bound() {
        // Elkan must end at a fixed point of Lloyd: every row at its nearest centre.
        let (x, _) = blobs(&[[0.0, 0.0, 0.0], [2.0, 0.0, 1.0], [0.0, 2.0, -1.0]], 300, 1.2, 3);
        let m = KMeansParams::new(5).seed(1).tol(0.0).fit(x.view()).unwrap();
        let c = m.centroids.as_slice().unwrap();
        for (i, r) in x.rows().into_iter().enumerate() {
            assert_eq!(nearest(&r.to_vec(), c, 3).0, m.labels[i]);
        }
    }

    #[test]
    fn invalid_params_are_refused() {
        let x = Array2::<f64>::zeros((3, 2));
        assert!(matches!(
            KMeansParams::new(0).validate(),
            Err(Error::InvalidParam { param: "k", .. })
        ));
        assert_eq!(
            KMeansParams::new(4).fit(x.view()).unwrap_err(),
            Error::KExceedsRows { k: 4, n: 3 }
        );
        let empty = Array2::<f64>::zeros((0, 2));
        assert!(matches!(
            KMeansParams::new(1).fit(empty.view()),
            Err(Error::EmptyInput(_))
        ));
        let mut nan = Array2::<f64>::zeros((3, 2));
        nan[[1, 1]] = f64::NAN;
        assert_eq!(
            KMeansParams::new(1).fit(nan.view()).unwrap_err(),
            Error::NonFinite { row: 1, col: 1 }
        );
    }
}
