//! End-to-end check on generated data: with `HUAXIANG_DATA_S` pointing to a
//! data directory (touches.csv, orders.csv, truth/attribution.json), the
//! data-driven models must rank channels more like their truly caused orders
//! than last-touch does. Skipped (with a note) when the variable is unset.

#[path = "../examples/support/data.rs"]
mod data;

use std::path::PathBuf;

use huaxiang_attribution::{JourneyParams, Model, attribute, spearman};

#[test]
fn data_driven_beats_last_touch_on_generated_data() {
    let Some(dir) = std::env::var_os("HUAXIANG_DATA_S") else {
        eprintln!("HUAXIANG_DATA_S is not set; skipping the generated-data check");
        return;
    };
    let dir = PathBuf::from(dir);
    let data = data::load(&dir).expect("read the generated data directory");
    assert!(data.touches > 0 && data.orders > 0, "empty data directory");
    let truth = data
        .truth
        .clone()
        .expect("the data directory has truth/attribution.json");
    let names: Vec<&str> = truth.iter().map(|t| t.0.as_str()).collect();
    let caused: Vec<f64> = truth.iter().map(|t| t.1).collect();

    let journeys = data.builder.build(&JourneyParams::default()).expect("build journeys");
    let rho = |model: Model| -> f64 {
        let result = attribute(&journeys, &model).expect("attribute");
        let credits: Vec<f64> = names
            .iter()
            .map(|name| result.channel(name).map_or(0.0, |c| c.conversions))
            .collect();
        let total: f64 = credits.iter().sum();
        assert!(
            (total - result.converting_journeys as f64).abs() < 1e-6 * total.max(1.0),
            "{model}: credits {total} vs converting journeys {}",
            result.converting_journeys
        );
        spearman(&credits, &caused).expect("spearman")
    };
    let last = rho(Model::Last);
    let markov = rho(Model::Markov { order: 1 });
    let shapley = rho(Model::Shapley);
    eprintln!("Spearman vs caused orders: last {last:.3}, markov {markov:.3}, shapley {shapley:.3}");
    assert!(
        shapley.max(markov) > last,
        "data-driven (markov {markov:.3}, shapley {shapley:.3}) must beat last-touch ({last:.3})"
    );
}
