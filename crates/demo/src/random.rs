//! Seeded random numbers and the few distributions the generator needs.
//!
//! Everything is built on `ChaCha8Rng`, whose output stream is fixed for a given seed, and the
//! distributions are implemented here rather than taken from a library. That keeps the demo
//! data byte-identical across dependency upgrades, which a `rand` minor release could
//! otherwise change.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// One independent random stream per generation stage, so that a change in one stage does
/// not shift the draws of the others.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stage {
    Catalog = 1,
    Population = 2,
    Purchases = 3,
    Touches = 4,
    Orders = 5,
    Sessions = 6,
    Visitors = 7,
    Tickets = 8,
    People = 9,
    Crm = 10,
    Dirt = 11,
    Experiment = 12,
}

/// SplitMix64 finaliser: spreads a 64-bit value over all bits.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded random stream with the distributions used by the generator.
pub(crate) struct Rng(ChaCha8Rng);

impl Rng {
    /// The stream of one stage for a user seed.
    pub(crate) fn for_stage(seed: u64, stage: Stage) -> Self {
        Self::from_seed(mix(seed ^ mix(stage as u64 ^ 0x4855_4158_4941_4E47)))
    }

    /// A stream from a raw seed (used for per-session streams).
    pub(crate) fn from_seed(seed: u64) -> Self {
        Rng(ChaCha8Rng::seed_from_u64(seed))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1), 53 bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform integer in [0, n); `n` must be positive. (Multiply-shift; the bias is below
    /// 2^-40 for every `n` used here.)
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in [lo, hi).
    pub(crate) fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// Exponential with the given mean.
    pub(crate) fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (-self.unit()).ln_1p()
    }

    /// Normal draw (Box–Muller, one value per call).
    pub(crate) fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = 1.0 - self.unit(); // (0, 1]
        let u2 = self.unit();
        mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Gamma with shape `k` and scale `theta` (Marsaglia–Tsang).
    pub(crate) fn gamma(&mut self, k: f64, theta: f64) -> f64 {
        if k < 1.0 {
            // Boost: Gamma(k) = Gamma(k + 1) * U^(1/k).
            let u = 1.0 - self.unit();
            return self.gamma(k + 1.0, theta) * u.powf(1.0 / k);
        }
        let d = k - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal(0.0, 1.0);
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = 1.0 - self.unit();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v * theta;
            }
        }
    }

    /// Beta(a, b) from two gamma draws.
    pub(crate) fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        let y = self.gamma(b, 1.0);
        if x + y > 0.0 { x / (x + y) } else { 0.5 }
    }

    /// Beta parameterised by its mean and concentration a + b.
    pub(crate) fn beta_mean(&mut self, mean: f64, concentration: f64) -> f64 {
        self.beta(mean * concentration, (1.0 - mean) * concentration)
    }

    /// Poisson count. Knuth's product method for small means, a rounded normal above 30
    /// (the generator's means are almost always far below that).
    pub(crate) fn poisson(&mut self, lambda: f64) -> u32 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 30.0 {
            return self.normal(lambda, lambda.sqrt()).round().max(0.0) as u32;
        }
        let limit = (-lambda).exp();
        let mut k = 0u32;
        let mut p = self.unit();
        while p > limit {
            k += 1;
            p *= self.unit();
        }
        k
    }

    /// Number of Bernoulli(p) trials up to and including the first success (>= 1).
    pub(crate) fn geometric(&mut self, p: f64) -> u32 {
        let u = 1.0 - self.unit();
        1 + (u.ln() / (-p).ln_1p()).floor().max(0.0) as u32
    }

    /// Index drawn from a cumulative weight table.
    pub(crate) fn pick(&mut self, table: &Weighted) -> usize {
        table.sample(self.unit())
    }

    /// 15 random hex digits (a value below 16^15).
    pub(crate) fn hex15(&mut self) -> u64 {
        self.next_u64() >> 4
    }

    /// Fisher–Yates shuffle.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// A categorical distribution as a normalised cumulative table.
#[derive(Clone, Debug)]
pub(crate) struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    /// Builds the table from non-negative weights (at least one positive).
    pub(crate) fn new(weights: &[f64]) -> Self {
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        Weighted { cumulative }
    }

    /// The index for a uniform draw `u` in [0, 1).
    pub(crate) fn sample(&self, u: f64) -> usize {
        let i = self.cumulative.partition_point(|&c| c <= u);
        i.min(self.cumulative.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_of(n: usize, mut f: impl FnMut() -> f64) -> f64 {
        (0..n).map(|_| f()).sum::<f64>() / n as f64
    }

    #[test]
    fn distributions_have_the_right_means() {
        let mut r = Rng::from_seed(7);
        let n = 200_000;
        assert!((mean_of(n, || r.gamma(3.0, 2.0)) - 6.0).abs() < 0.05);
        assert!((mean_of(n, || r.gamma(0.8, 1.5)) - 1.2).abs() < 0.03);
        assert!((mean_of(n, || r.beta_mean(0.3, 8.0)) - 0.3).abs() < 0.01);
        assert!((mean_of(n, || f64::from(r.poisson(2.5))) - 2.5).abs() < 0.03);
        assert!((mean_of(n, || f64::from(r.poisson(45.0))) - 45.0).abs() < 0.1);
        assert!((mean_of(n, || f64::from(r.geometric(0.25))) - 4.0).abs() < 0.05);
        assert!((mean_of(n, || r.exponential(45.0)) - 45.0).abs() < 0.5);
        assert!((mean_of(n, || r.normal(1989.0, 9.0)) - 1989.0).abs() < 0.1);
    }

    #[test]
    fn weighted_and_below_stay_in_range() {
        let mut r = Rng::from_seed(1);
        let w = Weighted::new(&[1.0, 0.0, 3.0]);
        let mut counts = [0usize; 3];
        for _ in 0..40_000 {
            counts[r.pick(&w)] += 1;
            assert!(r.below(7) < 7);
        }
        assert_eq!(counts[1], 0);
        assert!((counts[2] as f64 / 40_000.0 - 0.75).abs() < 0.01);
        assert!(r.hex15() < 1u64 << 60);
    }

    #[test]
    fn stages_are_independent_and_reproducible() {
        let a = Rng::for_stage(42, Stage::Orders).next_u64();
        let b = Rng::for_stage(42, Stage::Orders).next_u64();
        let c = Rng::for_stage(42, Stage::Sessions).next_u64();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
