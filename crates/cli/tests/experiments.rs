//! A/B readouts through the binary: the planted lift of the bench generator's
//! experiment lies inside the reported interval, the A/A test shows no
//! effect, the sample-ratio check fires on a deliberately unbalanced copy,
//! and every readout is a table.

mod common;

use common::*;

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn planted_lift_is_inside_the_interval_and_srm_fires_on_an_unbalanced_copy() {
    let (tmp, ws) = workspace();
    let Some(data) = generated_s(tmp.path()) else { return };
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("truth/experiment.json")).expect("truth"))
            .expect("truth json");
    let file = data.join("experiment.csv");
    ingest_json(
        &ws,
        &["--table", "experiment", "--source", "shop", &file.to_string_lossy()],
    );

    let r = json(&ok(&ws, &["experiment", "EXP01", "--json"]));
    let planted = truth["EXP01"]["expected_absolute_lift"].as_f64().expect("planted lift");
    let ci = [
        r["lift_abs_ci"][0].as_f64().expect("low"),
        r["lift_abs_ci"][1].as_f64().expect("high"),
    ];
    assert!(ci[0] <= planted && planted <= ci[1], "planted {planted} outside {ci:?}");
    assert_eq!(r["variants"][0]["variant"], "A");
    assert_eq!(r["variants"][0]["users"], truth["EXP01"]["n_A"]);
    assert_eq!(r["variants"][1]["users"], truth["EXP01"]["n_B"]);
    for k in ["lift_rel", "p_value", "prob_b_beats_a", "srm_p_value"] {
        assert!(r[k].as_f64().is_some(), "{k}: {r}");
    }
    assert!(r["prob_b_beats_a"].as_f64().is_some_and(|p| p > 0.9));
    assert!(
        r["srm_p_value"].as_f64().is_some_and(|p| p > 0.001),
        "a fair split passes"
    );

    // The A/A test: zero lies inside the interval.
    let aa = json(&ok(&ws, &["experiment", "EXP02", "--json"]));
    let ci = [
        aa["lift_abs_ci"][0].as_f64().expect("low"),
        aa["lift_abs_ci"][1].as_f64().expect("high"),
    ];
    assert!(ci[0] <= 0.0 && 0.0 <= ci[1], "A/A interval {ci:?}");

    // The readouts are a table, consistent with the raw rows.
    let b_users = scalar(
        &ws,
        "SELECT users FROM experiment_results WHERE experiment_id = 'EXP01' AND variant = 'B'",
    );
    let raw = scalar(
        &ws,
        "SELECT count(DISTINCT customer_id) FROM experiment WHERE experiment_id = 'EXP01' AND variant = 'B'",
    );
    assert_eq!(b_users, raw);
    assert_eq!(
        scalar(&ws, "SELECT count(DISTINCT experiment_id) FROM experiment_results"),
        "2"
    );

    // A copy that lost a fifth of B's users (a broken redirect): the check fires.
    let text = std::fs::read_to_string(&file).expect("read");
    let mut kept = 0usize;
    let unbalanced: String = text
        .lines()
        .enumerate()
        .filter(|(i, l)| {
            let drop = l.contains(",EXP01,B,") && {
                kept += 1;
                kept.is_multiple_of(5)
            };
            *i == 0 || !drop
        })
        .map(|(_, l)| format!("{}\n", l.replace("EXP01", "EXP01_BROKEN")))
        .collect();
    let copy = tmp.path().join("broken.csv");
    std::fs::write(&copy, unbalanced).expect("write");
    let (_t2, ws2) = workspace();
    ingest_json(
        &ws2,
        &["--table", "experiment", "--source", "shop", &copy.to_string_lossy()],
    );
    let broken = json(&ok(&ws2, &["experiment", "EXP01_BROKEN", "--json"]));
    assert!(
        broken["srm_p_value"].as_f64().is_some_and(|p| p < 0.001),
        "{}",
        broken["srm_p_value"]
    );
    assert!(broken["warnings"].to_string().contains("sample ratio mismatch"));

    // Unknown experiments and variants are named.
    let e = hx(&ws, &["experiment", "EXP09"]);
    assert!(!e.status.success() && stderr(&e).contains("EXP01"), "{}", stderr(&e));
    let e = hx(&ws, &["experiment", "EXP01", "--control", "Z"]);
    assert!(stderr(&e).contains("variants: A, B"), "{}", stderr(&e));
}

#[test]
fn sample_size_needs_no_workspace() {
    let tmp = tempfile::tempdir().expect("tmp");
    let v = json(&ok(
        &tmp.path().join("nowhere"),
        &["experiment", "--baseline", "0.10", "--mde", "0.10", "--json"],
    ));
    let n = v["users_per_variant"].as_u64().expect("n");
    assert!((14_700..=14_800).contains(&n), "{n}");
}
