//! Clusters a CSV of per-person features and scores the clusters against a
//! truth column with the adjusted Rand index, under several preprocessing
//! settings, to choose the defaults by measurement.
//!
//!     cargo run --release -p huaxiang-cluster --example cluster_eval -- FILE.csv TRUTH_COL K
//!
//! Every other column but `person_id` is a numeric feature (empty = missing).

use std::error::Error;

use huaxiang_cluster::{Algo, ClusterParams, FeatureTable, PreprocessParams, adjusted_rand_index};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, file, truth_col, k] = &args[..] else {
        return Err("usage: cluster_eval FILE.csv TRUTH_COL K".into());
    };
    let k: usize = k.parse()?;
    let mut rd = csv::Reader::from_path(file)?;
    let headers: Vec<String> = rd.headers()?.iter().map(str::to_string).collect();
    let truth_at = headers.iter().position(|h| h == truth_col).ok_or("no truth column")?;
    let feature_at: Vec<usize> = (0..headers.len())
        .filter(|&j| j != truth_at && headers[j] != "person_id")
        .collect();
    let mut truth = Vec::new();
    let mut cols: Vec<Vec<f64>> = vec![Vec::new(); feature_at.len()];
    for rec in rd.records() {
        let rec = rec?;
        truth.push(rec[truth_at].to_string());
        for (c, &j) in feature_at.iter().enumerate() {
            cols[c].push(rec[j].parse().unwrap_or(f64::NAN));
        }
    }
    let mut levels: Vec<&String> = truth.iter().collect();
    levels.sort();
    levels.dedup();
    let y: Vec<i32> = truth
        .iter()
        .map(|t| levels.iter().position(|l| *l == t).map_or(-1, |p| p as i32))
        .collect();
    let mut table = FeatureTable::new();
    for (c, &j) in feature_at.iter().enumerate() {
        table.push_numeric(headers[j].clone(), cols[c].clone())?;
    }
    let variants: Vec<(&str, PreprocessParams)> = vec![
        ("default", PreprocessParams::default()),
        (
            "no redundancy weights",
            PreprocessParams {
                redundancy_weighting: false,
                ..Default::default()
            },
        ),
        (
            "no robust scaling",
            PreprocessParams {
                outlier_kurtosis: f64::INFINITY,
                ..Default::default()
            },
        ),
        (
            "neither",
            PreprocessParams {
                redundancy_weighting: false,
                outlier_kurtosis: f64::INFINITY,
                ..Default::default()
            },
        ),
        (
            "neither, keep correlated",
            PreprocessParams {
                redundancy_weighting: false,
                outlier_kurtosis: f64::INFINITY,
                corr_threshold: 1.01,
                ..Default::default()
            },
        ),
    ];
    for (name, pre) in variants {
        let run = ClusterParams::new(Algo::KMeans)
            .k(k)
            .seed(42)
            .stability_runs(0)
            .preprocess(pre)
            .run(&table)?;
        let ari = adjusted_rand_index(&y, &run.labels)?;
        println!(
            "{name:<28} ARI {ari:.4}  silhouette {:.4}  fit {:.2}s",
            run.quality.silhouette.unwrap_or(f64::NAN),
            run.timings.fit
        );
    }
    Ok(())
}
