//! `huaxiang ask`: the nlq dev questions answered from a workspace built from
//! the S data with seed 7, scored by the shared checker.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const TABLES: [&str; 5] = ["customers", "orders", "order_items", "events", "tickets"];

/// Every dev question through `huaxiang ask --json`, scored with `score.py`.
///
/// Needs the S data made with `--seed 7` (`HUAXIANG_NLQ_DATA`, default
/// `../data/S7` beside the repository) and python3; slow, so ignored:
/// `cargo test -p huaxiang --test ask -- --ignored --nocapture`
/// (`bench/nlq.py` does the same and also generates the data and times it).
#[test]
#[ignore]
fn nlq_dev_questions_are_answered() {
    let data = std::env::var("HUAXIANG_NLQ_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../data/S7"));
    let Some(nlq) = shared().map(|s| s.join("bench/nlq")) else {
        eprintln!("skipped: no shared/bench/nlq");
        return;
    };
    if !data.join("orders.csv").is_file() {
        eprintln!("skipped: no S7 data in {}", data.display());
        return;
    }
    let (tmp, ws) = workspace();
    ingest_tables(&ws, &data, &TABLES);
    ok(&ws, &["build"]);
    let set = nlq.join("dev.jsonl");
    let mut answers = String::new();
    for line in std::fs::read_to_string(&set).expect("dev.jsonl").lines() {
        if line.trim().is_empty() {
            continue;
        }
        let item: serde_json::Value = serde_json::from_str(line).expect("question");
        let q = item["q"].as_str().expect("q");
        let out = ok(&ws, &["ask", "--json", q]);
        let v: serde_json::Value =
            serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{q}: not one JSON object ({e}): {out}"));
        for key in ["intent", "sql", "columns", "rows", "chart", "answer"] {
            assert!(v.get(key).is_some(), "{q}: no `{key}` in {out}");
        }
        answers.push_str(out.trim());
        answers.push('\n');
    }
    let answer_file = tmp.path().join("answers.jsonl");
    std::fs::write(&answer_file, answers).expect("write answers");
    let out = std::process::Command::new("python3")
        .arg(nlq.join("score.py"))
        .arg(&set)
        .arg(&answer_file)
        .arg("-v")
        .output()
        .expect("python3");
    let report = String::from_utf8_lossy(&out.stdout);
    eprintln!("nlq dev: {report}");
    let passed: usize = report
        .lines()
        .last()
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(passed >= 36, "{report}");
}

/// Questions the data cannot answer are refused without SQL or rows, in the question's language.
#[test]
fn ask_refuses_what_the_data_cannot_answer() {
    let (_tmp, ws) = workspace();
    let dir = tempfile::tempdir().expect("tmp");
    let data = demo_data(dir.path(), 200, 5);
    ingest_tables(&ws, &data, &["customers", "orders"]);
    ok(&ws, &["build"]);
    let v: serde_json::Value =
        serde_json::from_str(ok(&ws, &["ask", "--json", "明天上海的天气怎么样？"]).trim()).expect("json");
    assert!(v["sql"].is_null() && v["rows"].is_null(), "{v}");
    assert_eq!(v["intent"]["status"], "unanswerable");
    assert!(v["answer"].as_str().is_some_and(|a| a.contains("无法回答")), "{v}");
    let v: serde_json::Value =
        serde_json::from_str(ok(&ws, &["ask", "--json", "What is the total GMV?"]).trim()).expect("json");
    assert_eq!(v["intent"]["status"], "ok");
    assert!(v["sql"].as_str().is_some_and(|s| s.contains("sum(amount)")), "{v}");
    assert!(v["rows"][0][0].is_number(), "{v}");
    assert!(v["answer"].as_str().is_some_and(|a| a.starts_with("The GMV")), "{v}");
    let text = ok(&ws, &["ask", "各渠道的订单数"]);
    assert!(text.contains("channel") && text.contains("SQL"), "{text}");
}
