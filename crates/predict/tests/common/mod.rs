//! Shared helpers of the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use huaxiang_ml::Dataset;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A file under the shared data directory that sits beside the repository
/// (`<repo>/../shared/data/...`). Missing: a failure under `CI=true`, otherwise `None` with a note.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(relative);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("test data {} is missing (CI=true: this is a failure)", p.display());
    }
    eprintln!("note: skipping, test data {} is missing", p.display());
    None
}

/// A synthetic churn table: `recency_days` and `Contract=*` carry the signal, `noise` does not,
/// `mean_rating` has missing values.
pub fn synthetic(n: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let names = [
        "recency_days",
        "Contract=Month-to-month",
        "Contract=Two year",
        "noise",
        "mean_rating",
    ];
    let mut rows = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let recency: f64 = rng.random_range(0.0..365.0);
        let monthly = rng.random_bool(0.5);
        let two_year = !monthly && rng.random_bool(0.4);
        let noise: f64 = rng.random_range(0.0..1.0);
        let rating = if rng.random_bool(0.3) {
            f64::NAN
        } else {
            rng.random_range(1.0..5.0)
        };
        let logit = -2.0 + recency / 90.0 + if monthly { 1.0 } else { 0.0 } - if two_year { 1.0 } else { 0.0 };
        let p = 1.0 / (1.0 + (-logit).exp());
        y.push(rng.random_bool(p));
        rows.push(vec![
            recency,
            f64::from(u8::from(monthly)),
            f64::from(u8::from(two_year)),
            noise,
            rating,
        ]);
        ids.push(format!("P{i:05}"));
    }
    Dataset::from_rows(names.iter().map(|s| s.to_string()).collect(), &rows)
        .unwrap()
        .with_labels(y)
        .unwrap()
        .with_ids(ids)
        .unwrap()
}
