//! The AI stages end to end through the binary: clustering with named
//! clusters, a point-in-time churn model with reasons, lifetime value, the
//! model registry, score-band tags, and the label-file and transaction-file
//! entrances that need no workspace (IBM Telco churn, the CDNow sample).

mod common;

use std::path::Path;

use common::*;

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn num(ws: &Path, sql: &str) -> f64 {
    scalar(ws, sql).trim().parse().unwrap_or_else(|e| panic!("{e}: {sql}"))
}

#[test]
fn clusters_churn_and_clv_on_a_built_workspace() {
    let (tmp, ws) = workspace();
    let data = demo_data(tmp.path(), 2500, 11);
    ingest_tables(&ws, &data, &["customers", "orders", "order_items", "events", "tickets"]);
    ok(&ws, &["build"]);
    let persons = num(&ws, "SELECT count(*) FROM features");

    // Lifetime value is part of every build: one row per person.
    assert_eq!(num(&ws, "SELECT count(*) FROM clv"), persons);
    assert_eq!(
        num(
            &ws,
            "SELECT count(*) FROM clv WHERE p_alive < 0 OR p_alive > 1 OR expected_spend < 0"
        ),
        0.0
    );
    assert_eq!(num(&ws, "SELECT min(horizon_days) FROM clv"), 180.0);

    // Clustering: every active person in one cluster, every cluster named in both languages;
    // persons who never ordered, browsed or wrote (CRM-only contacts) are left out and counted.
    let c = json(&ok(
        &ws,
        &["cluster", "--k", "4", "--seed", "7", "--stability", "2", "--json"],
    ));
    assert_eq!(c["k"], 4);
    let active = num(
        &ws,
        "SELECT count(*) FROM features WHERE frequency > 0 OR refunds > 0 OR sessions > 0 OR ticket_count > 0",
    );
    assert!(active < persons, "the demo data has CRM-only contacts");
    assert_eq!(num(&ws, "SELECT count(*) FROM clusters"), active);
    assert_eq!(
        num(&ws, "SELECT max(persons_excluded) FROM cluster_runs"),
        persons - active
    );
    assert_eq!(num(&ws, "SELECT count(DISTINCT cluster) FROM clusters"), 4.0);
    assert_eq!(
        num(
            &ws,
            "SELECT count(*) FROM clusters WHERE name_zh = '' OR name_en = '' OR name_zh IS NULL"
        ),
        0.0
    );
    assert_eq!(
        num(&ws, "SELECT sum(size) FROM cluster_profiles"),
        active,
        "profiles cover every clustered person"
    );
    assert!(c["preprocess"]["columns"].as_array().is_some_and(|a| a.len() >= 20));
    assert!(c["stability"]["mean_ari"].as_f64().is_some());
    let run_id = c["model_tag"].as_str().expect("run id").to_string();
    assert_eq!(scalar(&ws, "SELECT min(run_id) FROM clusters").trim(), run_id);

    // A point-in-time churn model: trained on features of 90 days before the
    // data's end, registered, and every person scored with reasons.
    let m = json(&ok(
        &ws,
        &["model", "train", "churn", "--horizon", "90", "--cv", "3", "--json"],
    ));
    assert_eq!(m["model"], "churn");
    assert_eq!(m["version"], 1);
    let auc = m["roc_auc"].as_f64().expect("roc_auc");
    assert!(auc > 0.6, "churn ROC-AUC {auc}");
    for k in ["pr_auc", "accuracy", "f1", "log_loss", "top_decile_lift"] {
        assert!(m[k].as_f64().is_some(), "{k} missing: {m}");
    }
    let as_of = scalar(&ws, "SELECT CAST(max(as_of) AS VARCHAR) FROM features");
    let as_of: chrono::NaiveDate = as_of.trim().parse().expect("as_of");
    assert_eq!(
        m["data"]["features_as_of"].as_str(),
        Some((as_of - chrono::Duration::days(90)).to_string().as_str()),
        "features come from the day the horizon starts"
    );
    assert!(
        !m["importance"].to_string().contains("member_level"),
        "member level is today's value, unknown on a past day"
    );
    assert_eq!(
        num(&ws, "SELECT count(*) FROM predictions WHERE model = 'churn'"),
        persons
    );
    assert_eq!(
        num(
            &ws,
            "SELECT count(*) FROM predictions WHERE reasons_zh = '' OR reasons_en = '' OR reasons_en IS NULL"
        ),
        0.0
    );
    assert_eq!(
        num(&ws, "SELECT count(*) FROM models WHERE name = 'churn' AND version = 1"),
        1.0
    );
    assert_eq!(
        num(&ws, "SELECT count(*) FROM model_scores WHERE churn_score IS NULL"),
        0.0
    );

    // A retrain is a new version; the build then evaluates the score-band tags.
    ok(
        &ws,
        &[
            "model",
            "train",
            "churn",
            "--horizon",
            "90",
            "--cv",
            "0",
            "--algo",
            "logistic",
        ],
    );
    assert_eq!(num(&ws, "SELECT max(version) FROM models WHERE name = 'churn'"), 2.0);
    assert_eq!(
        num(&ws, "SELECT min(version) FROM predictions WHERE model = 'churn'"),
        2.0
    );
    let list = ok(&ws, &["model", "list"]);
    assert!(list.contains("churn") && list.contains("logistic"), "{list}");
    let show = ok(&ws, &["model", "show", "churn", "--version", "1"]);
    assert!(show.contains("ROC-AUC"), "{show}");
    ok(&ws, &["build"]);
    for tag in ["churn_band", "clv_band", "cluster_segment"] {
        let covered = num(
            &ws,
            &format!(
                "SELECT count(*) FROM tag_values WHERE tag_id = '{tag}' AND build_id = (SELECT max(build_id) FROM tag_values)"
            ),
        );
        assert!(covered > 0.0, "tag {tag} has no values");
    }

    // A label file whose ids are workspace records is joined to the persons' features;
    // its other columns are not features.
    let truth = std::fs::read_to_string(data.join("truth/segments.csv")).expect("segments");
    let mut file = String::from("customer_id,dormant,segment_note\n");
    for line in truth.lines().skip(1) {
        let (id, seg) = line.split_once(',').expect("two columns");
        file.push_str(&format!("{id},{},{seg}\n", u8::from(seg == "沉睡流失")));
    }
    let labels = tmp.path().join("dormant.csv");
    std::fs::write(&labels, file).expect("write");
    let j = json(&ok(
        &ws,
        &[
            "model",
            "train",
            "--label-file",
            &labels.to_string_lossy(),
            "--id-col",
            "customer_id",
            "--label-col",
            "dormant",
            "--cv",
            "3",
            "--json",
        ],
    ));
    assert_eq!(j["data"]["self_contained"], false, "{}", j["data"]);
    assert_eq!(j["data"]["matched_rows"], j["data"]["rows"]);
    assert_eq!(j["model"], "dormant");
    assert!(j["roc_auc"].as_f64().is_some_and(|a| a > 0.7), "{}", j["roc_auc"]);
    assert!(!j["importance"].to_string().contains("segment_note"));
    assert_eq!(
        num(&ws, "SELECT count(DISTINCT model) FROM predictions"),
        2.0,
        "both models score the persons"
    );

    // Clear refusals.
    let long = hx(&ws, &["model", "train", "churn", "--horizon", "2000"]);
    assert!(!long.status.success());
    assert!(stderr(&long).contains("not enough history"), "{}", stderr(&long));
    let bad = hx(&ws, &["cluster", "--features", "recency_days,no_such_feature"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("no_such_feature"), "{}", stderr(&bad));
    let bad = hx(&ws, &["model", "train", "loyalty"]);
    assert!(stderr(&bad).contains("unknown target"), "{}", stderr(&bad));
}

#[test]
fn a_label_file_is_a_training_set_by_itself() {
    let Some(shared) = shared() else { return };
    let file = shared.join("data/telco_churn/Telco-Customer-Churn.csv");
    let tmp = tempfile::tempdir().expect("tmp");
    // No workspace at all: the file's own columns are the features.
    let no_ws = tmp.path().join("nowhere");
    let out = ok(
        &no_ws,
        &[
            "model",
            "train",
            "--label-file",
            &file.to_string_lossy(),
            "--id-col",
            "customerID",
            "--label-col",
            "Churn",
            "--cv",
            "5",
            "--json",
        ],
    );
    let v = json(&out);
    let auc = v["roc_auc"].as_f64().expect("roc_auc");
    assert!(
        auc >= 0.845,
        "Telco 5-fold ROC-AUC {auc} (reference logistic regression: 0.845)"
    );
    for k in ["pr_auc", "accuracy", "f1"] {
        assert!(v[k].as_f64().is_some_and(|x| x > 0.0), "{k}: {v}");
    }
    assert_eq!(v["data"]["self_contained"], true);
    assert_eq!(v["data"]["rows"], 7043);
}

/// The CDNow sample as a CSV file, from the fixture the clv crate ships.
fn cdnow_csv(dir: &Path) -> std::path::PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../clv/tests/fixtures/CDNOW_sample.txt");
    let text = std::fs::read_to_string(&fixture).expect("fixture");
    let mut csv = String::from("customer,date,quantity,amount\n");
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() == 5 {
            csv.push_str(&format!(
                "{},{},{},{}\n",
                f[1].trim_start_matches('0'),
                f[2],
                f[3],
                f[4]
            ));
        }
    }
    let path = dir.join("cdnow.csv");
    std::fs::write(&path, csv).expect("write");
    path
}

/// `clv fit` on `file` with the CDNow columns and calibration end, plus `extra`.
fn clv_fit_args(file: &Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "clv",
        "fit",
        "--file",
        &file.to_string_lossy(),
        "--customer-col",
        "customer",
        "--time-col",
        "date",
        "--amount-col",
        "amount",
        "--calibration-end",
        "1997-09-30",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

#[test]
fn clv_fit_reproduces_the_published_cdnow_estimates() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = cdnow_csv(tmp.path());
    let nowhere = tmp.path().join("nowhere");
    let args = clv_fit_args(&file, &["--time-format", "%Y%m%d", "--unit", "week", "--json"]);
    let out = ok(&nowhere, &args.iter().map(String::as_str).collect::<Vec<_>>());
    let v = json(&out);
    // Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4;
    // Fader & Hardie's Gamma-Gamma note: p = 6.25, q = 3.74, γ = 15.44.
    let close = |k: &str, want: f64, tol: f64| {
        let got = v[k].as_f64().unwrap_or_else(|| panic!("{k} missing: {v}"));
        assert!((got - want).abs() <= tol, "{k} = {got}, published {want}");
    };
    close("r", 0.243, 0.0005);
    close("alpha", 4.414, 0.0005);
    close("a", 0.793, 0.0005);
    close("b", 2.426, 0.0005);
    close("loglik", -9582.4, 0.05);
    close("p", 6.25, 0.005);
    close("q", 3.74, 0.005);
    close("gamma", 15.44, 0.005);
    assert_eq!(v["customers"], 2357);

    // A bad cell names the file, line and column.
    let bad = tmp.path().join("bad.csv");
    std::fs::write(&bad, "customer,date,amount\n1,19970101,10\n2,1997-13-45,5\n").expect("write");
    let args = clv_fit_args(&bad, &[]);
    let out = hx(&nowhere, &args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(e.contains("bad.csv") && e.contains("date") && e.contains('3'), "{e}");
}
