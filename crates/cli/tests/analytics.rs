//! Behaviour and marketing analytics end to end through the binary: sessions,
//! funnels, paths, retention and lifecycle on demo data, reconciled with SQL;
//! on the bench generator's S data the association rules equal mlxtend's and
//! hold the planted bundles, recommendations beat popularity, and data-driven
//! attribution tracks the planted channel effects better than last touch;
//! YooChoose clicks mapped as events give next-item HR@20 ≥ 0.6.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn num(ws: &Path, sql: &str) -> f64 {
    scalar(ws, sql).trim().parse().unwrap_or_else(|e| panic!("{e}: {sql}"))
}

#[test]
fn sessions_funnels_paths_retention_and_lifecycle_reconcile_with_sql() {
    let (tmp, ws) = workspace();
    let data = demo_data(tmp.path(), 1500, 5);
    ingest_tables(&ws, &data, &["customers", "orders", "order_items", "events"]);
    let build = ok(&ws, &["build"]);
    assert!(build.contains("behavior"), "{build}");

    // Sessions: the build wrote them; the command agrees with the table.
    let s = json(&ok(&ws, &["sessions", "--json"]));
    let n = s["sessions"].as_f64().expect("sessions");
    assert!(n > 0.0);
    assert_eq!(num(&ws, "SELECT count(*) FROM sessions"), n);
    assert_eq!(
        num(&ws, "SELECT sum(depth) FROM sessions"),
        num(&ws, "SELECT count(*) FROM events")
    );
    // A session never spans a 30-minute silence: consecutive sessions of an actor are > 30 min apart.
    let overlap = num(
        &ws,
        "SELECT count(*) FROM (SELECT start_time, lag(end_time) OVER (PARTITION BY actor ORDER BY start_time) AS prev \
         FROM sessions) WHERE prev IS NOT NULL AND start_time - prev <= INTERVAL '30 minutes'",
    );
    assert_eq!(overlap, 0.0);
    assert_eq!(
        num(&ws, "SELECT count(*) FROM sessions WHERE converted"),
        num(
            &ws,
            "SELECT count(*) FROM sessions WHERE converted AND person_id IS NOT NULL"
        ),
        "purchase sessions are always identified"
    );

    // Funnel: step 1 counts every actor with a product view; steps never grow.
    let f = json(&ok(
        &ws,
        &[
            "funnel",
            "product_view",
            "add_to_cart",
            "purchase",
            "--by",
            "channel",
            "--json",
        ],
    ));
    let steps = f["overall"]["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 3);
    let actors: Vec<f64> = steps.iter().map(|s| s["actors"].as_f64().expect("actors")).collect();
    assert!(
        actors[0] >= actors[1] && actors[1] >= actors[2] && actors[2] > 0.0,
        "{actors:?}"
    );
    assert!(actors[0] <= num(&ws, "SELECT count(DISTINCT actor) FROM sessions"));
    let groups: f64 = f["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["entered"].as_f64().expect("entered"))
        .sum();
    assert_eq!(groups, actors[0], "the channel groups add up to the whole");
    assert!(num(&ws, "SELECT count(*) FROM funnel_results WHERE \"group\" = '(all)'") == 3.0);
    // A breakdown by a tag (here the lifecycle stage) also adds up to the whole.
    let by_tag = json(&ok(
        &ws,
        &["funnel", "product_view", "purchase", "--by", "tag:lifecycle", "--json"],
    ));
    let entered: f64 = by_tag["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["entered"].as_f64().expect("entered"))
        .sum();
    assert_eq!(entered, by_tag["overall"]["entered"].as_f64().expect("overall"));
    assert!(
        by_tag["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .any(|g| g["label"] == "active")
    );
    // Strict order can only lose actors against the sequential funnel.
    let strict = json(&ok(
        &ws,
        &[
            "funnel",
            "product_view",
            "add_to_cart",
            "purchase",
            "--order",
            "strict",
            "--json",
        ],
    ));
    assert!(strict["overall"]["converted"].as_f64() <= f["overall"]["converted"].as_f64());
    let bad = hx(&ws, &["funnel", "product_view", "add_to_cart[colour=red]"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("colour"), "{}", stderr(&bad));

    // Paths after a search, with a Sankey whose first links leave the anchor.
    let p = json(&ok(&ws, &["paths", "--event", "search", "--depth", "3", "--json"]));
    let with_anchor = p["sessions_with_anchor"].as_f64().expect("anchor sessions");
    let top_sum: f64 = p["top"]
        .as_array()
        .expect("top")
        .iter()
        .map(|t| t["sessions"].as_f64().expect("n"))
        .sum();
    assert!(top_sum <= with_anchor && top_sum > 0.0);
    assert!(!p["sankey"]["links"].as_array().expect("links").is_empty());
    assert!(num(&ws, "SELECT count(*) FROM path_links") > 0.0);

    // Retention: period 0 is the whole cohort; cohort sizes add up to the buyers.
    let r = json(&ok(
        &ws,
        &["retention", "--period", "month", "--periods", "3", "--json"],
    ));
    let cohorts = r["cohorts"].as_array().expect("cohorts");
    let sizes: f64 = cohorts.iter().map(|c| c["size"].as_f64().expect("size")).sum();
    assert_eq!(
        sizes,
        num(&ws, "SELECT count(*) FROM lifecycle WHERE stage <> 'prospect'")
    );
    for c in cohorts {
        assert_eq!(c["cells"][0]["rate"].as_f64(), Some(1.0));
    }
    assert!(num(&ws, "SELECT count(*) FROM retention WHERE period = 0 AND rate <> 1") == 0.0);

    // Lifecycle: every person has one stage, and the tag carries it after a build.
    assert_eq!(
        num(&ws, "SELECT count(*) FROM lifecycle"),
        num(&ws, "SELECT count(*) FROM features")
    );
    // Churned = the last paid order more than 180 × 24 hours before the end of the as-of day;
    // `recency_days` is the same age in whole days, rounded down.
    let churned = num(&ws, "SELECT count(*) FROM lifecycle WHERE stage = 'churned'");
    assert!(num(&ws, "SELECT count(*) FROM features WHERE recency_days > 180") <= churned);
    assert!(churned <= num(&ws, "SELECT count(*) FROM features WHERE recency_days >= 180"));
    assert_eq!(
        num(&ws, "SELECT count(*) FROM lifecycle WHERE stage = 'prospect'"),
        num(&ws, "SELECT count(*) FROM features WHERE frequency = 0")
    );
    assert_eq!(
        num(&ws, "SELECT count(*) FROM tag_values WHERE tag_id = 'lifecycle'"),
        num(&ws, "SELECT count(*) FROM lifecycle")
    );
}

/// mlxtend's rules (single-item consequents) on the product baskets of `items`:
/// `antecedent -> consequent` with support, confidence and lift.
fn mlxtend_rules(py: &Path, items: &Path, min_support: f64, min_confidence: f64) -> Vec<(String, [f64; 3])> {
    let script = format!(
        r#"
import pandas as pd
from mlxtend.frequent_patterns import fpgrowth, association_rules
from mlxtend.preprocessing import TransactionEncoder
d = pd.read_csv({items:?}, dtype=str)
d = d[d["qty"].astype(int) > 0]
baskets = d.groupby("order_id")["product_id"].apply(lambda s: sorted(set(s))).tolist()
te = TransactionEncoder()
X = pd.DataFrame(te.fit(baskets).transform(baskets), columns=te.columns_)
fi = fpgrowth(X, min_support={min_support}, use_colnames=True)
r = association_rules(fi, metric="confidence", min_threshold={min_confidence}, num_itemsets=len(X))
r = r[r["consequents"].apply(len) == 1]
for _, x in r.iterrows():
    print(",".join(sorted(x["antecedents"])) + "->" + ",".join(sorted(x["consequents"])), repr(x["support"]), repr(x["confidence"]), repr(x["lift"]))
"#,
        items = items.to_string_lossy()
    );
    let out = Command::new(py).args(["-c", &script]).output().expect("run python");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut rules: Vec<(String, [f64; 3])> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let v = |i: usize| f[i].parse::<f64>().expect("number");
            (f[0].to_string(), [v(1), v(2), v(3)])
        })
        .collect();
    rules.sort_by(|a, b| a.0.cmp(&b.0));
    rules
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    fn ranks(x: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..x.len()).collect();
        idx.sort_by(|&i, &j| x[i].total_cmp(&x[j]));
        let mut r = vec![0.0; x.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
                j += 1;
            }
            for k in i..=j {
                r[idx[k]] = (i + j) as f64 / 2.0;
            }
            i = j + 1;
        }
        r
    }
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn rules_recommendations_and_attribution_on_the_bench_data() {
    let (tmp, ws) = workspace();
    let Some(data) = generated_s(tmp.path()) else {
        return;
    };
    let py = python().expect("the generator ran with it");
    ingest_tables(&ws, &data, &["customers", "orders", "order_items", "events", "touches"]);
    ok(&ws, &["build"]);

    // Association rules: exactly mlxtend's rule set, with the same metrics.
    let r = json(&ok(
        &ws,
        &["rules", "--min-support", "0.001", "--min-confidence", "0.2", "--json"],
    ));
    let mut ours: Vec<(String, [f64; 3])> = r["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|x| {
            let side = |k: &str| {
                x[k].as_array()
                    .expect("side")
                    .iter()
                    .map(|v| v.as_str().expect("item").to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let v = |k: &str| x[k].as_f64().expect("metric");
            (
                format!("{}->{}", side("antecedent"), side("consequent")),
                [v("support"), v("confidence"), v("lift")],
            )
        })
        .collect();
    ours.sort_by(|a, b| a.0.cmp(&b.0));
    let theirs = mlxtend_rules(&py, &data.join("order_items.csv"), 0.001, 0.2);
    assert!(!theirs.is_empty());
    assert_eq!(
        ours.iter().map(|r| &r.0).collect::<Vec<_>>(),
        theirs.iter().map(|r| &r.0).collect::<Vec<_>>()
    );
    for (a, b) in ours.iter().zip(&theirs) {
        for k in 0..3 {
            assert!(
                (a.1[k] - b.1[k]).abs() <= 1e-9 * b.1[k].abs().max(1.0),
                "{}: {:?} vs {:?}",
                a.0,
                a.1,
                b.1
            );
        }
    }
    assert_eq!(num(&ws, "SELECT count(*) FROM association_rules"), ours.len() as f64);
    // Every planted bundle is among the top 50 rules by lift (at the peer's thresholds).
    let r = json(&ok(
        &ws,
        &[
            "rules",
            "--min-support",
            "0.0005",
            "--min-confidence",
            "0",
            "--min-lift",
            "1",
            "--json",
        ],
    ));
    let top: Vec<String> = r["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .take(50)
        .map(|x| {
            format!(
                "{}->{}",
                x["antecedent"][0].as_str().unwrap_or(""),
                x["consequent"][0].as_str().unwrap_or("")
            )
        })
        .collect();
    let planted = std::fs::read_to_string(data.join("truth/rules.csv")).expect("truth rules");
    for line in planted.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let rule = format!("{}->{}", f[0], f[1]);
        assert!(top.contains(&rule), "planted {rule} not in the top 50");
    }
    // Cross-sell suggestions and their tag come with the next build, which re-mines the saved rules.
    ok(&ws, &["build"]);
    assert!(num(&ws, "SELECT count(*) FROM cross_sell") > 0.0);
    assert_eq!(
        num(&ws, "SELECT count(*) FROM association_rules"),
        r["rules"].as_array().map_or(0, Vec::len) as f64
    );
    assert!(num(&ws, "SELECT count(*) FROM tag_values WHERE tag_id = 'cross_sell'") > 0.0);

    // Recommendations: owned products are never recommended; recall beats popularity twice over.
    assert!(num(&ws, "SELECT count(*) FROM recommendations") > 0.0);
    let e = json(&ok(&ws, &["recommend", "evaluate", "--json"]));
    let (model, pop) = (
        e["recall_at_10"].as_f64().expect("recall"),
        e["popularity"]["recall_at_10"].as_f64().expect("popularity recall"),
    );
    assert!(model >= 2.0 * pop, "recall@10 {model} vs popularity {pop}");
    for k in ["precision_at_10", "ndcg_at_10"] {
        assert!(e[k].as_f64().is_some() && e["popularity"][k].as_f64().is_some(), "{k}");
    }

    // Attribution: the data-driven model follows the planted effects better than last touch.
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("truth/attribution.json")).expect("truth"))
            .expect("truth json");
    let caused = |ch: &str| truth["channels"][ch]["caused_orders_in_data"].as_f64().expect("caused");
    let rho = |model: &str| {
        let a = json(&ok(&ws, &["attribution", "--model", model, "--json"]));
        let chans = a["channels"].as_array().expect("channels").clone();
        let credited: Vec<f64> = chans.iter().map(|c| c["conversions"].as_f64().expect("conv")).collect();
        let real: Vec<f64> = chans
            .iter()
            .map(|c| caused(c["channel"].as_str().expect("ch")))
            .collect();
        assert_eq!(chans.len(), 6);
        spearman(&credited, &real)
    };
    // Costs give each channel its ROI; a bad cost names the file, line and field.
    let costs = tmp.path().join("costs.csv");
    std::fs::write(&costs, "channel,cost\npush,8000\nsms,12000\n").expect("costs");
    let a = json(&ok(
        &ws,
        &[
            "attribution",
            "--model",
            "linear",
            "--costs",
            &costs.to_string_lossy(),
            "--json",
        ],
    ));
    let push = a["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .find(|c| c["channel"] == "push")
        .expect("push")
        .clone();
    let roi = (push["revenue"].as_f64().expect("revenue") - 8000.0) / 8000.0;
    assert!((push["roi"].as_f64().expect("roi") - roi).abs() < 1e-9);
    std::fs::write(&costs, "channel,cost\npush,abc\n").expect("costs");
    let bad = hx(&ws, &["attribution", "--costs", &costs.to_string_lossy()]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("line 2") && stderr(&bad).contains("cost"),
        "{}",
        stderr(&bad)
    );
    let (last, shapley) = (rho("last"), rho("shapley"));
    assert!(shapley > last, "shapley {shapley} vs last {last}");
    assert_eq!(num(&ws, "SELECT count(DISTINCT model) FROM attribution"), 3.0);
}

#[test]
fn yoochoose_clicks_as_events_predict_the_next_item() {
    let Some(shared) = shared() else {
        assert!(std::env::var("CI").is_err(), "../shared is missing in CI");
        eprintln!("skipped: ../shared/data is not beside the repository");
        return;
    };
    let file = shared.join("data/yoochoose_clicks/yoochoose-clicks-100k_train_full.txt");
    let map = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/yoochoose.toml");
    let (_tmp, ws) = workspace();
    let out = ok(
        &ws,
        &[
            "ingest",
            "--table",
            "events",
            "--source",
            "yoochoose",
            "--map",
            &map.to_string_lossy(),
            &file.to_string_lossy(),
        ],
    );
    assert!(out.contains("read 70278 = accepted 70278 + rejected 0"), "{out}");
    let e = json(&ok(
        &ws,
        &[
            "recommend",
            "evaluate",
            "--task",
            "next-item",
            "--holdout-days",
            "1",
            "--json",
        ],
    ));
    let hr = e["hr_at_20"].as_f64().expect("hr");
    assert!(hr >= 0.6, "HR@20 {hr}");
    assert!(e["mrr_at_20"].as_f64().expect("mrr") > e["popularity"]["mrr_at_20"].as_f64().expect("pop mrr"));
    assert!(e["popularity"]["hr_at_20"].as_f64().expect("pop hr") < 0.2);
}
