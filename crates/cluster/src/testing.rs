//! Test data: Gaussian blobs from a seeded generator.

use ndarray::Array2;
use rand::Rng as _;

use crate::util;

/// A standard normal draw (Box–Muller).
pub(crate) fn normal(r: &mut util::Rng) -> f64 {
    let u1: f64 = r.random::<f64>().max(1e-300);
    let u2: f64 = r.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `per` points around each centre with standard deviation `sd`; rows are
/// interleaved (centre 0, 1, 2, 0, 1, 2, …). Returns the matrix and the truth.
pub(crate) fn blobs<const D: usize>(centres: &[[f64; D]], per: usize, sd: f64, seed: u64) -> (Array2<f64>, Vec<usize>) {
    let mut r = util::rng(seed, 999);
    let n = centres.len() * per;
    let mut x = Array2::zeros((n, D));
    let mut truth = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % centres.len();
        truth.push(c);
        for j in 0..D {
            x[[i, j]] = centres[c][j] + sd * normal(&mut r);
        }
    }
    (x, truth)
}
