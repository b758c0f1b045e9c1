//! Identity resolution end to end on generated data: quality against the
//! planted truth, explanations, overrides that persist, stable person ids.

mod common;

use std::collections::{HashMap, HashSet};

use common::*;

fn pairs(groups: &HashMap<String, Vec<String>>) -> HashSet<(String, String)> {
    let mut out = HashSet::new();
    for members in groups.values() {
        for i in 0..members.len() {
            for j in i + 1..members.len() {
                let (a, b) = if members[i] < members[j] {
                    (&members[i], &members[j])
                } else {
                    (&members[j], &members[i])
                };
                out.insert((a.clone(), b.clone()));
            }
        }
    }
    out
}

fn links(ws: &std::path::Path) -> HashMap<String, String> {
    let csv = ok(
        ws,
        &[
            "sql",
            "--format",
            "csv",
            "SELECT source, record_id, person_id FROM identity_links",
        ],
    );
    csv.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f.len() == 3).then(|| (format!("{}:{}", f[0], f[1]), f[2].to_string()))
        })
        .collect()
}

#[test]
fn resolves_generated_customers_against_truth() {
    let (tmp, ws) = workspace();
    let data = demo_data(tmp.path(), 1500, 11);
    ingest_json(
        &ws,
        &[
            "--table",
            "customers",
            "--source",
            "customers",
            &data.join("customers.csv").to_string_lossy(),
        ],
    );
    ingest_json(
        &ws,
        &[
            "--table",
            "customers",
            "--source",
            "crm_contacts",
            "--rename",
            "crm_id=customer_id",
            &data.join("crm_contacts.csv").to_string_lossy(),
        ],
    );
    let out = ok(&ws, &["build"]);
    assert!(out.contains("identity"), "{out}");
    let predicted = links(&ws);
    // Truth: source,record_id,person_id
    let mut truth_groups: HashMap<String, Vec<String>> = HashMap::new();
    let mut rdr = csv::Reader::from_path(data.join("truth/identity.csv")).expect("truth");
    for r in rdr.records() {
        let r = r.expect("row");
        truth_groups
            .entry(r[2].to_string())
            .or_default()
            .push(format!("{}:{}", &r[0], &r[1]));
    }
    let n_truth: usize = truth_groups.values().map(Vec::len).sum();
    assert_eq!(predicted.len(), n_truth, "every customer record has exactly one link");
    let mut pred_groups: HashMap<String, Vec<String>> = HashMap::new();
    for (k, p) in &predicted {
        pred_groups.entry(p.clone()).or_default().push(k.clone());
    }
    let (t, p) = (pairs(&truth_groups), pairs(&pred_groups));
    let tp = t.intersection(&p).count() as f64;
    let (precision, recall) = (tp / p.len().max(1) as f64, tp / t.len().max(1) as f64);
    let f1 = 2.0 * precision * recall / (precision + recall);
    assert!(
        f1 >= 0.97 && precision >= 0.98,
        "precision {precision:.4} recall {recall:.4} f1 {f1:.4}"
    );

    // Stable ids: a forced rebuild changes nothing.
    ok(&ws, &["build", "--force"]);
    assert_eq!(links(&ws), predicted);
    // A second build with unchanged inputs is skipped.
    assert!(ok(&ws, &["build"]).contains("up to date"));

    // Explain a merged person, then unmerge two of its records and rebuild.
    let (person, members) = pred_groups
        .iter()
        .filter(|(_, m)| m.len() >= 2)
        .min_by_key(|(p, _)| p.as_str())
        .expect("a merged person");
    let explain = ok(&ws, &["identity", "explain", person]);
    assert!(explain.contains(&members[0]) && explain.contains("link"), "{explain}");
    ok(&ws, &["identity", "unmerge", &members[0], &members[1]]);
    ok(&ws, &["build"]);
    let after = links(&ws);
    assert_ne!(after[&members[0]], after[&members[1]], "unmerge holds");
    ok(&ws, &["build", "--force"]);
    assert_ne!(
        links(&ws)[&members[0]],
        links(&ws)[&members[1]],
        "and persists across rebuilds"
    );
    // Merge back.
    ok(&ws, &["identity", "merge", &members[0], &members[1]]);
    ok(&ws, &["build"]);
    let merged = links(&ws);
    assert_eq!(merged[&members[0]], merged[&members[1]]);
}
