//! A small BFGS minimiser for smooth objectives of a handful of variables.
//!
//! Both models have three or four parameters, fitted on their logarithms so the
//! problem is unconstrained. With an analytic gradient, BFGS with a strong-Wolfe
//! line search converges superlinearly and needs a few dozen evaluations, where
//! Nelder–Mead would need hundreds. The dense inverse-Hessian approximation costs
//! nothing at this size, so there is no reason for L-BFGS.
//!
//! Objectives may return a non-finite value (for instance when a trial step
//! overflows); the line search treats it as "too far" and shortens the step.

use serde::{Deserialize, Serialize};

/// How a maximum-likelihood fit went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Log-likelihood at the estimate, summed over the customers fitted (in the
    /// model's unit of time for BG/NBD, in the amounts' currency for Gamma-Gamma).
    pub loglik: f64,
    /// Customers the model was fitted on.
    pub n_customers: usize,
    /// Distinct data rows the likelihood was evaluated on (customers with
    /// identical statistics share one weighted row).
    pub n_distinct: usize,
    /// Customers left out of the fit, with the reason in the model's documentation.
    pub n_excluded: usize,
    pub iterations: usize,
    pub evaluations: usize,
    /// Largest absolute component of the gradient of the mean negative
    /// log-likelihood with respect to the log-parameters, at the estimate.
    pub gradient_norm: f64,
}

/// Stopping rules and limits.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Stop when the largest absolute gradient component is below this.
    pub gradient_tolerance: f64,
    /// Give up after this many iterations.
    pub max_iterations: usize,
}

/// Where the minimiser stopped.
#[derive(Debug, Clone)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    /// Largest absolute gradient component at `x`.
    pub gradient_norm: f64,
    pub iterations: usize,
    pub evaluations: usize,
    /// True when the gradient tolerance was met, or when no step could make
    /// progress any more and the gradient is already small (within
    /// 1000 × the tolerance): the objective is then flat to rounding error.
    pub converged: bool,
}

/// Relative rounding error assumed in objective values (sums over many rows).
const ROUNDING: f64 = 1e-12;
/// When no step can make progress, the fit still counts as converged if the
/// gradient is within this factor of the tolerance.
const STALL_FACTOR: f64 = 1e3;
/// Armijo (sufficient decrease) constant.
const C1: f64 = 1e-4;
/// Curvature constant of the strong Wolfe conditions (0.9 is usual for quasi-Newton).
const C2: f64 = 0.9;

/// Minimises `f` from `x0`. `f(x, grad)` returns the objective and writes its
/// gradient into `grad`.
pub fn minimize<F>(mut f: F, x0: &[f64], settings: Settings) -> Minimum
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    let n = x0.len();
    let mut evaluations = 0usize;
    let mut eval = |x: &[f64], g: &mut [f64]| {
        evaluations += 1;
        let v = f(x, g);
        if v.is_finite() && g.iter().all(|gi| gi.is_finite()) {
            v
        } else {
            f64::INFINITY
        }
    };

    let mut x = x0.to_vec();
    let mut g = vec![0.0; n];
    let mut fx = eval(&x, &mut g);
    // Inverse Hessian approximation, row-major; starts as the identity and is
    // rescaled after the first step (Nocedal & Wright, eq. 6.20).
    let mut h = identity(n);
    // True while `h` is (a multiple of) the identity rather than a curvature model.
    let mut first_step = true;
    let mut iterations = 0usize;
    let mut converged = max_abs(&g) < settings.gradient_tolerance;

    let mut x_new = vec![0.0; n];
    let mut g_new = vec![0.0; n];
    let mut s = vec![0.0; n];
    let mut y = vec![0.0; n];
    let mut direction = vec![0.0; n];

    while !converged && fx.is_finite() && iterations < settings.max_iterations {
        iterations += 1;
        mat_vec(&h, &g, &mut direction);
        direction.iter_mut().for_each(|d| *d = -*d);
        let mut slope = dot(&g, &direction);
        if slope >= 0.0 {
            // Not a descent direction: restart from steepest descent.
            h = identity(n);
            first_step = true;
            direction.iter_mut().zip(&g).for_each(|(d, gi)| *d = -gi);
            slope = dot(&g, &direction);
        }
        let noise = ROUNDING * fx.abs().max(1.0);
        let accepted = if -slope <= noise && !first_step {
            // The predicted decrease is below the rounding error of the
            // objective, so function values cannot judge a step any more. Take
            // the quasi-Newton step if it does not raise the objective beyond
            // rounding and shrinks the gradient.
            for i in 0..n {
                x_new[i] = x[i] + direction[i];
            }
            let v = eval(&x_new, &mut g_new);
            (v <= fx + noise && max_abs(&g_new) < max_abs(&g)).then_some((1.0, v))
        } else {
            // Keep the first trial step moderate: the variables are logarithms,
            // so a step of more than a few units is a factor of e^several.
            let longest = max_abs(&direction);
            let initial = if first_step || longest > 5.0 {
                (1.0f64).min(1.0 / longest.max(1e-300))
            } else {
                1.0
            };
            line_search(&mut eval, &x, fx, slope, &direction, initial, &mut x_new, &mut g_new)
        };
        let Some((step, f_new)) = accepted else {
            // No progress along this direction. If the curvature model may be
            // stale, retry once from steepest descent; otherwise stop.
            if !first_step {
                h = identity(n);
                first_step = true;
                continue;
            }
            converged = max_abs(&g) < STALL_FACTOR * settings.gradient_tolerance;
            break;
        };
        for i in 0..n {
            s[i] = step * direction[i];
            y[i] = g_new[i] - g[i];
        }
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() && sy > 0.0 {
            if first_step {
                let scale = sy / dot(&y, &y);
                h = identity(n);
                h.iter_mut().for_each(|v| *v *= scale);
            }
            bfgs_update(&mut h, &s, &y, sy);
            first_step = false;
        }
        x.copy_from_slice(&x_new);
        g.copy_from_slice(&g_new);
        fx = f_new;
        converged = max_abs(&g) < settings.gradient_tolerance;
    }

    Minimum {
        gradient_norm: max_abs(&g),
        x,
        value: fx,
        iterations,
        evaluations,
        converged,
    }
}

/// Strong-Wolfe line search (Nocedal & Wright, algorithms 3.5 and 3.6).
/// Returns the accepted step and objective value, with `x_new` and `g_new`
/// holding the point and its gradient; `None` when no step lowers the objective.
#[allow(clippy::too_many_arguments)]
fn line_search<E>(
    eval: &mut E,
    x: &[f64],
    f0: f64,
    slope0: f64,
    direction: &[f64],
    initial: f64,
    x_new: &mut [f64],
    g_new: &mut [f64],
) -> Option<(f64, f64)>
where
    E: FnMut(&[f64], &mut [f64]) -> f64,
{
    let try_step = |step: f64, x_new: &mut [f64], g_new: &mut [f64], eval: &mut E| {
        for i in 0..x.len() {
            x_new[i] = x[i] + step * direction[i];
        }
        let v = eval(x_new, g_new);
        (v, dot(g_new, direction))
    };

    let mut lo = 0.0;
    let mut f_lo = f0;
    let mut slope_lo = slope0;
    let mut step = initial;
    let mut best: Option<(f64, f64)> = None;

    // Bracketing phase.
    let mut hi = f64::NAN;
    let mut f_hi = f64::NAN;
    let mut slope_hi = f64::NAN;
    for attempt in 0..60 {
        let (v, slope) = try_step(step, x_new, g_new, eval);
        if !v.is_finite() || v > f0 + C1 * step * slope0 || (attempt > 0 && v >= f_lo) {
            hi = step;
            f_hi = v;
            slope_hi = slope;
            break;
        }
        best = Some((step, v));
        if slope.abs() <= -C2 * slope0 {
            return best;
        }
        if slope >= 0.0 {
            hi = lo;
            f_hi = f_lo;
            slope_hi = slope_lo;
            lo = step;
            f_lo = v;
            slope_lo = slope;
            break;
        }
        lo = step;
        f_lo = v;
        slope_lo = slope;
        step *= 2.0;
    }
    if hi.is_nan() {
        return finish(best, eval, x, direction, x_new, g_new);
    }

    // Zoom phase between lo (satisfies Armijo, lowest so far) and hi.
    for _ in 0..30 {
        let trial = interpolate(lo, f_lo, slope_lo, hi, f_hi, slope_hi);
        if (trial - lo).abs() < 1e-14 * lo.abs().max(1e-300) && best.is_some() {
            break;
        }
        let (v, slope) = try_step(trial, x_new, g_new, eval);
        if !v.is_finite() || v > f0 + C1 * trial * slope0 || v >= f_lo {
            hi = trial;
            f_hi = v;
            slope_hi = slope;
        } else {
            best = Some((trial, v));
            if slope.abs() <= -C2 * slope0 {
                return best;
            }
            if slope * (hi - lo) >= 0.0 {
                hi = lo;
                f_hi = f_lo;
                slope_hi = slope_lo;
            }
            lo = trial;
            f_lo = v;
            slope_lo = slope;
        }
        if (hi - lo).abs() < 1e-16 * lo.abs().max(1e-16) {
            break;
        }
    }
    finish(best, eval, x, direction, x_new, g_new)
}

/// Re-evaluates the best Armijo point found (the buffers may hold a later,
/// rejected trial). `None` if there is none or it does not lower the objective.
fn finish<E>(
    best: Option<(f64, f64)>,
    eval: &mut E,
    x: &[f64],
    direction: &[f64],
    x_new: &mut [f64],
    g_new: &mut [f64],
) -> Option<(f64, f64)>
where
    E: FnMut(&[f64], &mut [f64]) -> f64,
{
    let (step, _) = best?;
    for i in 0..x.len() {
        x_new[i] = x[i] + step * direction[i];
    }
    let v = eval(x_new, g_new);
    v.is_finite().then_some((step, v))
}

/// Minimiser of the cubic through two points with values and slopes, kept
/// inside the interval away from its ends; bisection when the cubic is unusable.
fn interpolate(lo: f64, f_lo: f64, s_lo: f64, hi: f64, f_hi: f64, s_hi: f64) -> f64 {
    let (left, right) = if lo < hi { (lo, hi) } else { (hi, lo) };
    let margin = 0.1 * (right - left);
    let mid = 0.5 * (lo + hi);
    if !f_hi.is_finite() || !s_hi.is_finite() {
        // Quadratic from the low end's value and slope would need f_hi; halve.
        return if lo < hi { lo + 0.25 * (hi - lo) } else { mid };
    }
    let d1 = s_lo + s_hi - 3.0 * (f_lo - f_hi) / (lo - hi);
    let disc = d1 * d1 - s_lo * s_hi;
    if disc < 0.0 {
        return mid;
    }
    let d2 = (hi - lo).signum() * disc.sqrt();
    let t = hi - (hi - lo) * (s_hi + d2 - d1) / (s_hi - s_lo + 2.0 * d2);
    if t.is_finite() && t > left + margin && t < right - margin {
        t
    } else {
        mid
    }
}

fn bfgs_update(h: &mut [f64], s: &[f64], y: &[f64], sy: f64) {
    let n = s.len();
    let rho = 1.0 / sy;
    let mut hy = vec![0.0; n];
    mat_vec(h, y, &mut hy);
    let yhy = dot(y, &hy);
    // H ← H − ρ (H y sᵀ + s yᵀ H) + (ρ² yᵀ H y + ρ) s sᵀ
    for i in 0..n {
        for j in 0..n {
            h[i * n + j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
        }
    }
}

fn identity(n: usize) -> Vec<f64> {
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        m[i * n + i] = 1.0;
    }
    m
}

fn mat_vec(m: &[f64], v: &[f64], out: &mut [f64]) {
    let n = v.len();
    for i in 0..n {
        out[i] = (0..n).map(|j| m[i * n + j] * v[j]).sum();
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: Settings = Settings {
        gradient_tolerance: 1e-10,
        max_iterations: 500,
    };

    #[test]
    fn minimises_rosenbrock() {
        let rosenbrock = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = minimize(rosenbrock, &[-1.2, 1.0], SETTINGS);
        assert!(m.converged, "{m:?}");
        assert!((m.x[0] - 1.0).abs() < 1e-8 && (m.x[1] - 1.0).abs() < 1e-8, "{m:?}");
    }

    #[test]
    fn minimises_a_quadratic_in_four_dimensions() {
        let centre = [1.0, -2.0, 3.0, 0.5];
        let weights = [1.0, 10.0, 100.0, 0.1];
        let f = |x: &[f64], g: &mut [f64]| {
            let mut v = 0.0;
            for i in 0..4 {
                let d = x[i] - centre[i];
                v += weights[i] * d * d;
                g[i] = 2.0 * weights[i] * d;
            }
            v
        };
        let m = minimize(f, &[0.0; 4], SETTINGS);
        assert!(m.converged);
        for (got, want) in m.x.iter().zip(centre) {
            assert!((got - want).abs() < 1e-9, "{m:?}");
        }
    }

    #[test]
    fn survives_non_finite_regions() {
        // ln is undefined for x ≤ 0: trial steps into that region must be rejected.
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 1.0 - 1.0 / x[0];
            x[0] - x[0].ln()
        };
        let m = minimize(f, &[20.0], SETTINGS);
        assert!(m.converged && (m.x[0] - 1.0).abs() < 1e-8, "{m:?}");
    }
}
