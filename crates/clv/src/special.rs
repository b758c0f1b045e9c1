//! Special functions the two models need: ln Γ, the digamma function ψ, and the
//! Gaussian hypergeometric function ₂F₁ on `0 ≤ z < 1`.
//!
//! ln Γ and ψ use the recurrence to move the argument to at least 10 and then the
//! Stirling (de Moivre) asymptotic series. At that size the first omitted term is
//! below 1e-16, so both are accurate to a few units in the last place in absolute
//! terms, which is what a log-likelihood needs.
//!
//! ₂F₁ is summed as its power series, for the one place it is needed: the
//! BG/NBD conditional expectation, ₂F₁(r+x, b+x; a+b+x−1; z). Its terms grow
//! with the number of purchases x before they decay, and overflow for heavy
//! buyers (lifetimes then falls back to the transformed formula below, and
//! returns −∞ when that overflows too). The caller therefore picks between the direct series
//! and the one after Euler's transformation,
//! `₂F₁(A, B; C; z) = (1 − z)^(C−A−B) ₂F₁(C−A, C−B; C; z)`, whose upper parameters
//! `a + b − 1 − r` and `a − 1` do not grow with x; and [`hyp2f1_scaled`] returns
//! the sum as mantissa and exponent, so a sum beyond the range of `f64` can still
//! be multiplied by the tiny power of `1 − z` that accompanies it.

/// Shift threshold for the asymptotic series of ln Γ and ψ.
const ASYMPTOTIC_FROM: f64 = 10.0;

/// ½ ln(2π).
const HALF_LN_2PI: f64 = 0.918_938_533_204_672_8;

/// ln Γ(x) for `x > 0`. Returns NaN for `x ≤ 0` or NaN input.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let mut z = x;
    let mut product = 1.0;
    while z < ASYMPTOTIC_FROM {
        product *= z;
        z += 1.0;
    }
    stirling_ln_gamma(z) - product.ln()
}

/// Stirling series for ln Γ(z), valid for `z ≥ 10`.
fn stirling_ln_gamma(z: f64) -> f64 {
    let inv = 1.0 / z;
    let inv2 = inv * inv;
    // Bernoulli terms B_{2k} / (2k (2k − 1) z^(2k−1)), k = 1..7.
    let series = inv
        * (1.0 / 12.0
            + inv2
                * (-1.0 / 360.0
                    + inv2
                        * (1.0 / 1260.0
                            + inv2
                                * (-1.0 / 1680.0
                                    + inv2 * (1.0 / 1188.0 + inv2 * (-691.0 / 360_360.0 + inv2 * (1.0 / 156.0)))))));
    (z - 0.5) * z.ln() - z + HALF_LN_2PI + series
}

/// The digamma function ψ(x) = d ln Γ(x) / dx for `x > 0`. NaN for `x ≤ 0`.
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x.is_infinite() {
        return f64::INFINITY;
    }
    let mut z = x;
    let mut shift = 0.0;
    while z < ASYMPTOTIC_FROM {
        shift += 1.0 / z;
        z += 1.0;
    }
    let inv = 1.0 / z;
    let inv2 = inv * inv;
    // B_{2k} / (2k z^(2k)), k = 1..7.
    let series = inv2
        * (1.0 / 12.0
            + inv2
                * (-1.0 / 120.0
                    + inv2
                        * (1.0 / 252.0
                            + inv2
                                * (-1.0 / 240.0
                                    + inv2 * (1.0 / 132.0 + inv2 * (-691.0 / 32_760.0 + inv2 * (1.0 / 12.0)))))));
    z.ln() - 0.5 * inv - series - shift
}

/// Most series terms [`hyp2f1`] adds before giving up (it then returns NaN).
/// The terms decay at least like `z^n`; one million terms cover `z` up to about
/// 0.99996, i.e. horizons thousands of times longer than the customers' history.
const MAX_SERIES_TERMS: usize = 1_000_000;

/// The Gaussian hypergeometric function ₂F₁(a, b; c; z) for `0 ≤ z < 1`, as
/// the power series `Σ (a)ₙ (b)ₙ / ((c)ₙ n!) zⁿ`. `c` must not be zero or a
/// negative integer. See [`hyp2f1_scaled`].
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let (mantissa, ln_scale) = hyp2f1_scaled(a, b, c, z);
    if ln_scale == 0.0 {
        mantissa
    } else {
        mantissa * ln_scale.exp()
    }
}

/// Rescaling step of [`hyp2f1_scaled`]: terms are divided by e^RESCALE_LN
/// whenever they exceed e^RESCALE_LN.
const RESCALE_LN: f64 = 460.0;

/// ₂F₁(a, b; c; z) as `(m, s)` with value `m · eˢ`, so that sums beyond the range
/// of `f64` (large upper parameters with z near 1) can still be combined with
/// a small factor such as `(1 − z)^(a+…)` in log space.
///
/// Callers are expected to pass parameters for which the series is well behaved
/// (see the module documentation: apply Euler's transformation when it helps).
/// The sum stops once a term no longer changes it in double precision and the
/// terms can only shrink from there on. Returns NaN when the arguments are out
/// of range or the series has not converged after a million terms.
pub fn hyp2f1_scaled(a: f64, b: f64, c: f64, z: f64) -> (f64, f64) {
    let c_is_pole = c <= 0.0 && c.fract() == 0.0;
    if !(0.0..1.0).contains(&z) || c_is_pole || !a.is_finite() || !b.is_finite() || !c.is_finite() {
        return (f64::NAN, 0.0);
    }
    let big = RESCALE_LN.exp();
    let mut term = 1.0;
    let mut sum = 1.0;
    let mut ln_scale = 0.0;
    for n in 0..MAX_SERIES_TERMS {
        let k = n as f64;
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        if term.abs() > big {
            term /= big;
            sum /= big;
            ln_scale += RESCALE_LN;
        }
        let next = sum + term;
        if term == 0.0 {
            return (next, ln_scale);
        }
        // The ratio of successive terms tends to z < 1. Once the next ratio is
        // below one in size, and c + k is past any sign change, it stays below
        // one, so a term that no longer changes the sum ends it.
        if next == sum {
            let k1 = k + 1.0;
            let ratio = ((a + k1) * (b + k1) / ((c + k1) * (k1 + 1.0)) * z).abs();
            if ratio < 1.0 && c + k1 > 0.0 && a + k1 > 0.0 && b + k1 > 0.0 {
                return (next, ln_scale);
            }
        }
        sum = next;
    }
    (f64::NAN, 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: f64, want: f64, tol: f64) -> bool {
        (got - want).abs() <= tol * want.abs().max(1.0)
    }

    #[test]
    fn ln_gamma_matches_known_values() {
        let cases = [
            (0.5, 0.572_364_942_924_700_1),
            (1.0, 0.0),
            (2.0, 0.0),
            (3.0, std::f64::consts::LN_2),
            (10.0, 12.801_827_480_081_469),
            (100.0, 359.134_205_369_575_4),
            (1e-3, 6.907_178_885_383_853),
            (2.5, 0.284_682_870_472_919_2),
        ];
        for (x, want) in cases {
            let got = ln_gamma(x);
            assert!(close(got, want, 1e-14), "ln_gamma({x}) = {got}, want {want}");
        }
        assert!(ln_gamma(0.0).is_nan());
        assert!(ln_gamma(-1.5).is_nan());
    }

    #[test]
    fn digamma_matches_known_values() {
        let cases = [
            (1.0, -0.577_215_664_901_532_9),
            (0.5, -1.963_510_026_021_423_5),
            (10.0, 2.251_752_589_066_721),
            (2.0, 0.422_784_335_098_467_1),
            (100.0, 4.600_161_852_738_087),
        ];
        for (x, want) in cases {
            let got = digamma(x);
            assert!(close(got, want, 1e-14), "digamma({x}) = {got}, want {want}");
        }
    }

    #[test]
    fn digamma_is_the_derivative_of_ln_gamma() {
        for x in [0.3, 1.7, 4.2, 9.9, 10.1, 33.0] {
            let h = 1e-5;
            let numeric = (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h);
            assert!(close(digamma(x), numeric, 1e-8), "x = {x}");
        }
    }

    #[test]
    fn hyp2f1_matches_closed_forms() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z
        for z in [0.1, 0.5, 0.9, 0.99] {
            let want = -(1.0f64 - z).ln() / z;
            assert!(close(hyp2f1(1.0, 1.0, 2.0, z), want, 1e-13), "z = {z}");
        }
        // ₂F₁(a, b; b; z) = (1 − z)^(−a)
        for (a, z) in [(0.3, 0.4), (2.5, 0.7), (-0.6, 0.95)] {
            let want = (1.0f64 - z).powf(-a);
            assert!(close(hyp2f1(a, 3.0, 3.0, z), want, 1e-13), "a = {a}, z = {z}");
        }
        // ₂F₁(½, 1; 3/2; −x²)... on z ≥ 0: ₂F₁(½, 1; 3/2; z²) = artanh(z) / z
        let z: f64 = 0.8;
        assert!(close(hyp2f1(0.5, 1.0, 1.5, z * z), z.atanh() / z, 1e-13));
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 0.0), 1.0);
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_nan());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.5).is_nan());
        // Beyond the range of f64: ₂F₁(a, 1; 1; z) = (1 − z)^(−a) = e^(−a ln(1−z)).
        let (m, scale) = hyp2f1_scaled(2000.0, 1.0, 1.0, 0.6);
        let want = -2000.0 * 0.4f64.ln();
        assert!(close(m.ln() + scale, want, 1e-13), "{m} e^{scale} vs e^{want}");
        assert!(hyp2f1(2000.0, 1.0, 1.0, 0.6).is_infinite());
        // A negative, non-integer c: ₂F₁(a, b; b; z) = (1 − z)^(−a) still holds.
        assert!(close(hyp2f1(0.7, -0.4, -0.4, 0.3), 0.7f64.powf(-0.7), 1e-13));
    }
}
