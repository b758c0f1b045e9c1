//! The readout of one two-arm conversion experiment.

use serde::Serialize;

use crate::dist::{chi2_sf_1, ln_beta, norm_ppf, two_sided_p};

/// Below this sample-ratio p-value the assignment is considered broken.
pub const SRM_ALPHA: f64 = 0.001;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExperimentError {
    #[error("实验需要两个组 / an A/B readout needs exactly two variants, found {0}: {1}")]
    Variants(usize, String),
    #[error("组 `{0}` 没有用户 / variant `{0}` has no users")]
    Empty(String),
    #[error("参数无效 / invalid {name}: {reason}")]
    Param { name: &'static str, reason: String },
}

/// One variant's counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arm {
    pub variant: String,
    pub users: u64,
    pub conversions: u64,
    pub rate: f64,
}

/// The sample-ratio check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Srm {
    pub expected_shares: Vec<f64>,
    pub observed_shares: Vec<f64>,
    pub chi2: f64,
    pub p_value: f64,
    /// p < [`SRM_ALPHA`]: the split is not the planned one.
    pub mismatch: bool,
}

/// CUPED-adjusted lift.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cuped {
    pub theta: f64,
    pub lift_abs: f64,
    pub lift_abs_ci: [f64; 2],
    pub p_value: f64,
    /// 1 − adjusted variance / raw variance of the outcome.
    pub variance_reduction: f64,
}

/// Everything a decision needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub variants: Vec<Arm>,
    /// The control (A) and treatment (B) variant names.
    pub control: String,
    pub treatment: String,
    pub confidence: f64,
    pub lift_abs: f64,
    pub lift_abs_ci: [f64; 2],
    pub lift_rel: f64,
    pub lift_rel_ci: [f64; 2],
    pub z: f64,
    pub p_value: f64,
    pub significant: bool,
    pub prob_b_beats_a: f64,
    pub srm_p_value: f64,
    pub srm: Srm,
    pub cuped: Option<Cuped>,
    pub warnings: Vec<String>,
}

fn check_confidence(confidence: f64) -> Result<(), ExperimentError> {
    if confidence > 0.5 && confidence < 1.0 {
        Ok(())
    } else {
        Err(ExperimentError::Param {
            name: "confidence",
            reason: format!("must be between 0.5 and 1 (got {confidence})"),
        })
    }
}

/// Analyses two variants given as (name, users, conversions); the first is
/// the control. `expected_shares` is the planned split (default: equal).
pub fn analyse(
    arms: &[(String, u64, u64)],
    expected_shares: Option<&[f64]>,
    confidence: f64,
) -> Result<Analysis, ExperimentError> {
    check_confidence(confidence)?;
    if arms.len() != 2 {
        let names: Vec<&str> = arms.iter().map(|a| a.0.as_str()).collect();
        return Err(ExperimentError::Variants(arms.len(), names.join(", ")));
    }
    for (name, users, conv) in arms {
        if *users == 0 {
            return Err(ExperimentError::Empty(name.clone()));
        }
        if conv > users {
            return Err(ExperimentError::Param {
                name: "conversions",
                reason: format!("variant `{name}` has {conv} conversions but {users} users"),
            });
        }
    }
    let variants: Vec<Arm> = arms
        .iter()
        .map(|(v, n, c)| Arm {
            variant: v.clone(),
            users: *n,
            conversions: *c,
            rate: *c as f64 / *n as f64,
        })
        .collect();
    let (a, b) = (&variants[0], &variants[1]);
    let (na, nb) = (a.users as f64, b.users as f64);
    let (pa, pb) = (a.rate, b.rate);
    let zc = norm_ppf(0.5 + confidence / 2.0);
    let lift_abs = pb - pa;
    let se = (pa * (1.0 - pa) / na + pb * (1.0 - pb) / nb).sqrt();
    let lift_abs_ci = [lift_abs - zc * se, lift_abs + zc * se];
    let pooled = (a.conversions + b.conversions) as f64 / (na + nb);
    let se0 = (pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb)).sqrt();
    let z = if se0 > 0.0 { lift_abs / se0 } else { 0.0 };
    let p_value = if se0 > 0.0 { two_sided_p(z) } else { 1.0 };
    // Relative lift pb/pa − 1; delta method on the log ratio.
    let (lift_rel, lift_rel_ci) = if pa > 0.0 && pb > 0.0 {
        let se_log = ((1.0 - pa) / (na * pa) + (1.0 - pb) / (nb * pb)).sqrt();
        let r = pb / pa;
        (r - 1.0, [r * (-zc * se_log).exp() - 1.0, r * (zc * se_log).exp() - 1.0])
    } else {
        (f64::NAN, [f64::NAN, f64::NAN])
    };
    let prob_b_beats_a = prob_beats(a.conversions, a.users, b.conversions, b.users);
    let srm = srm(&variants, expected_shares)?;
    let mut warnings = Vec::new();
    if srm.mismatch {
        warnings.push(format!(
            "样本比例不符 / sample ratio mismatch: observed {:?} vs planned {:?} (p = {:.2e}); the assignment is broken, do not trust the lift",
            srm.observed_shares.iter().map(|s| (s * 1e4).round() / 1e4).collect::<Vec<_>>(),
            srm.expected_shares,
            srm.p_value
        ));
    }
    if a.conversions.min(b.conversions) < 10 {
        warnings.push("转化数太少 / fewer than 10 conversions in a variant: the normal approximation is rough".into());
    }
    Ok(Analysis {
        control: a.variant.clone(),
        treatment: b.variant.clone(),
        confidence,
        lift_abs,
        lift_abs_ci,
        lift_rel,
        lift_rel_ci,
        z,
        p_value,
        significant: p_value < 1.0 - confidence,
        prob_b_beats_a,
        srm_p_value: srm.p_value,
        srm,
        variants,
        cuped: None,
        warnings,
    })
}

/// P(p_B > p_A) under independent Beta(1 + conversions, 1 + non-conversions)
/// posteriors, exactly (Evan Miller, "Formulas for Bayesian A/B testing").
fn prob_beats(ca: u64, na: u64, cb: u64, nb: u64) -> f64 {
    let (alpha_a, beta_a) = (1.0 + ca as f64, 1.0 + (na - ca) as f64);
    let beta_b = 1.0 + (nb - cb) as f64;
    let base = ln_beta(alpha_a, beta_a);
    let mut total = 0.0;
    for i in 0..(cb + 1) {
        let i = i as f64;
        total += (ln_beta(alpha_a + i, beta_a + beta_b) - (beta_b + i).ln() - ln_beta(1.0 + i, beta_b) - base).exp();
    }
    total.clamp(0.0, 1.0)
}

/// χ² goodness of fit of the assignment counts to the planned shares.
fn srm(variants: &[Arm], expected: Option<&[f64]>) -> Result<Srm, ExperimentError> {
    let k = variants.len();
    let expected: Vec<f64> = match expected {
        Some(e) => {
            let sum: f64 = e.iter().sum();
            if e.len() != k || e.iter().any(|x| x.is_nan() || *x <= 0.0) || sum <= 0.0 {
                return Err(ExperimentError::Param {
                    name: "split",
                    reason: format!("give {k} positive shares (got {e:?})"),
                });
            }
            e.iter().map(|x| x / sum).collect()
        }
        None => vec![1.0 / k as f64; k],
    };
    let total: f64 = variants.iter().map(|v| v.users as f64).sum();
    let chi2: f64 = variants
        .iter()
        .zip(&expected)
        .map(|(v, e)| {
            let exp = total * e;
            (v.users as f64 - exp).powi(2) / exp
        })
        .sum();
    // Two variants: one degree of freedom.
    let p_value = chi2_sf_1(chi2);
    Ok(Srm {
        observed_shares: variants.iter().map(|v| v.users as f64 / total).collect(),
        expected_shares: expected,
        chi2,
        p_value,
        mismatch: p_value < SRM_ALPHA,
    })
}

/// CUPED: the lift of B over A in outcome `y` adjusted by the pre-period
/// covariate `x`; `treated[i]` tells the arm of user i.
pub fn cuped(y: &[f64], x: &[f64], treated: &[bool], confidence: f64) -> Result<Cuped, ExperimentError> {
    check_confidence(confidence)?;
    let n = y.len();
    if x.len() != n || treated.len() != n || n < 4 {
        return Err(ExperimentError::Param {
            name: "cuped",
            reason: "outcome, covariate and arm need the same length (at least 4 users)".into(),
        });
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (my, mx) = (mean(y), mean(x));
    let cov: f64 = y.iter().zip(x).map(|(a, b)| (a - my) * (b - mx)).sum::<f64>() / (n - 1) as f64;
    let var_x: f64 = x.iter().map(|b| (b - mx).powi(2)).sum::<f64>() / (n - 1) as f64;
    let var_y: f64 = y.iter().map(|a| (a - my).powi(2)).sum::<f64>() / (n - 1) as f64;
    let theta = if var_x > 0.0 { cov / var_x } else { 0.0 };
    let adj: Vec<f64> = y.iter().zip(x).map(|(a, b)| a - theta * (b - mx)).collect();
    let arm = |t: bool| -> (f64, f64, f64) {
        let v: Vec<f64> = adj
            .iter()
            .zip(treated)
            .filter(|(_, tr)| **tr == t)
            .map(|(a, _)| *a)
            .collect();
        let m = mean(&v);
        let var = v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / (v.len().max(2) - 1) as f64;
        (m, var, v.len() as f64)
    };
    let (ma, va, na) = arm(false);
    let (mb, vb, nb) = arm(true);
    if na < 2.0 || nb < 2.0 {
        return Err(ExperimentError::Param {
            name: "cuped",
            reason: "each arm needs at least 2 users".into(),
        });
    }
    let lift = mb - ma;
    let se = (va / na + vb / nb).sqrt();
    let zc = norm_ppf(0.5 + confidence / 2.0);
    let var_adj = adj.iter().map(|a| (a - my).powi(2)).sum::<f64>() / (n - 1) as f64;
    Ok(Cuped {
        theta,
        lift_abs: lift,
        lift_abs_ci: [lift - zc * se, lift + zc * se],
        p_value: if se > 0.0 { two_sided_p(lift / se) } else { 1.0 },
        variance_reduction: if var_y > 0.0 { 1.0 - var_adj / var_y } else { 0.0 },
    })
}

/// Users per arm to detect a relative lift `mde_rel` over `baseline` with a
/// two-sided test at `alpha` and the given power.
pub fn sample_size(baseline: f64, mde_rel: f64, alpha: f64, power: f64) -> Result<u64, ExperimentError> {
    let p1 = baseline;
    let p2 = baseline * (1.0 + mde_rel);
    if !(p1 > 0.0 && p1 < 1.0 && p2 > 0.0 && p2 < 1.0 && mde_rel != 0.0) {
        return Err(ExperimentError::Param {
            name: "baseline / lift",
            reason: format!("need 0 < baseline < 1 and 0 < baseline × (1 + lift) < 1 (got {baseline}, {mde_rel})"),
        });
    }
    if !(alpha > 0.0 && alpha < 0.5 && power > 0.5 && power < 1.0) {
        return Err(ExperimentError::Param {
            name: "alpha / power",
            reason: format!("need 0 < alpha < 0.5 and 0.5 < power < 1 (got {alpha}, {power})"),
        });
    }
    let za = norm_ppf(1.0 - alpha / 2.0);
    let zb = norm_ppf(power);
    let pbar = (p1 + p2) / 2.0;
    let n = (za * (2.0 * pbar * (1.0 - pbar)).sqrt() + zb * (p1 * (1.0 - p1) + p2 * (1.0 - p2)).sqrt()).powi(2)
        / (p2 - p1).powi(2);
    Ok(n.ceil() as u64)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn readout_matches_the_pooled_z_test() {
        // The pooled two-proportion z-test (statsmodels' proportions_ztest), computed with scipy:
        // z = 2.508770, p = 2·norm.sf(z) = 0.0121152.
        let r = analyse(&[("A".into(), 3904, 336), ("B".into(), 3754, 386)], None, 0.95).unwrap();
        close(r.z, 2.508_770_093, 1e-6);
        close(r.p_value, 0.012_115_231, 1e-7);
        close(r.lift_abs, 386.0 / 3754.0 - 336.0 / 3904.0, 1e-12);
        assert!(r.lift_abs_ci[0] > 0.0 && r.lift_abs_ci[1] > r.lift_abs);
        assert!(r.significant);
        assert!(
            r.prob_b_beats_a > 0.99 && r.prob_b_beats_a < 1.0,
            "{}",
            r.prob_b_beats_a
        );
        assert!(!r.srm.mismatch, "3904 vs 3754 is a plausible 50/50 split");
        assert!(r.lift_rel_ci[0] < r.lift_rel && r.lift_rel < r.lift_rel_ci[1]);
    }

    #[test]
    fn bayes_is_exact() {
        // Equal data: one half. A tiny case against a brute-force integral.
        close(prob_beats(10, 100, 10, 100), 0.5, 1e-9);
        let (ca, na, cb, nb) = (3u64, 10u64, 6u64, 10u64);
        let steps = 4000;
        let lb = |x: f64, a: f64, b: f64| ((a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln() - ln_beta(a, b)).exp();
        let mut brute = 0.0;
        let h = 1.0 / steps as f64;
        // P(pB > pA) = ∫∫_{y > x} fA(x) fB(y)
        let grid: Vec<f64> = (0..steps).map(|i| (i as f64 + 0.5) * h).collect();
        let fa: Vec<f64> = grid
            .iter()
            .map(|&x| lb(x, 1.0 + ca as f64, 1.0 + (na - ca) as f64))
            .collect();
        let fb: Vec<f64> = grid
            .iter()
            .map(|&x| lb(x, 1.0 + cb as f64, 1.0 + (nb - cb) as f64))
            .collect();
        let mut cdf_a = 0.0;
        for i in 0..steps {
            brute += fb[i] * (cdf_a + fa[i] * h / 2.0) * h;
            cdf_a += fa[i] * h;
        }
        close(prob_beats(ca, na, cb, nb), brute, 1e-4);
    }

    #[test]
    fn sample_ratio_mismatch_fires_on_an_unbalanced_split() {
        let r = analyse(&[("A".into(), 5000, 400), ("B".into(), 4500, 380)], None, 0.95).unwrap();
        assert!(r.srm.mismatch && r.srm_p_value < 1e-3, "{}", r.srm_p_value);
        assert!(r.warnings.iter().any(|w| w.contains("sample ratio mismatch")));
        let planned = analyse(
            &[("A".into(), 5000, 400), ("B".into(), 4500, 380)],
            Some(&[10.0, 9.0]),
            0.95,
        )
        .unwrap();
        assert!(!planned.srm.mismatch);
    }

    #[test]
    fn cuped_keeps_the_lift_and_shrinks_the_interval() {
        // y = x + 0.1·treated + noise: the covariate explains most of y.
        let n = 4000;
        let mut y = Vec::new();
        let mut x = Vec::new();
        let mut t = Vec::new();
        let mut s: u64 = 7;
        let mut u = || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..n {
            let xi = u() * 10.0;
            let tr = i % 2 == 1;
            x.push(xi);
            t.push(tr);
            y.push(xi + if tr { 0.1 } else { 0.0 } + (u() - 0.5) * 0.2);
        }
        let c = cuped(&y, &x, &t, 0.95).unwrap();
        close(c.lift_abs, 0.1, 0.01);
        assert!(c.variance_reduction > 0.99, "{}", c.variance_reduction);
        assert!(c.lift_abs_ci[1] - c.lift_abs_ci[0] < 0.02);
    }

    #[test]
    fn sample_size_matches_the_textbook() {
        // Baseline 10%, +10% relative (11%), α = 0.05, power 0.8: 14,751 per arm (Evan Miller's calculator).
        let n = sample_size(0.10, 0.10, 0.05, 0.8).unwrap();
        assert!((14_700..=14_800).contains(&n), "{n}");
        assert!(sample_size(0.10, 0.0, 0.05, 0.8).is_err());
    }

    #[test]
    fn bad_input_is_named() {
        let e = analyse(&[("A".into(), 10, 1)], None, 0.95).unwrap_err();
        assert!(e.to_string().contains("two variants"));
        let e = analyse(&[("A".into(), 10, 11), ("B".into(), 10, 1)], None, 0.95).unwrap_err();
        assert!(e.to_string().contains("11 conversions"));
        assert!(analyse(&[("A".into(), 0, 0), ("B".into(), 10, 1)], None, 0.95).is_err());
    }
}
