//! Segments end to end on demo data: counts shown before saving agree with
//! SQL, membership per build, who entered and left between builds, exports
//! that mask personal data unless an allowed user reveals it, and a webhook
//! push that is signed and retried.

mod common;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::*;

/// A workspace with demo customers and orders ingested and built (segments
/// need nothing else; events would only make the test slower).
fn built_workspace(customers: usize, seed: u64) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, ws) = workspace();
    let data = demo_data(tmp.path(), customers, seed);
    for t in ["customers", "orders"] {
        let file = data.join(format!("{t}.csv"));
        ingest_json(&ws, &["--table", t, "--source", "shop", &file.to_string_lossy()]);
    }
    ok(&ws, &["build"]);
    (tmp, ws)
}

/// The member count `segment add` prints ("… `NAME`: N 人 / members …").
fn shown_count(out: &str) -> i64 {
    out.lines()
        .find_map(|l| l.split("`: ").nth(1)?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no count in: {out}"))
}

fn build_id(ws: &Path, args: &[&str]) -> i64 {
    let mut all = vec!["build", "--json"];
    all.extend_from_slice(args);
    let out = ok(ws, &all);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    v["build_id"].as_i64().expect("build id")
}

fn set(csv: &str) -> BTreeSet<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn segments_end_to_end() {
    let (tmp, ws) = built_workspace(1000, 21);

    // `add` shows the count before saving; it equals the same condition in SQL.
    let cond = "frequency >= 2 AND monetary > 300";
    let out = ok(
        &ws,
        &[
            "segment",
            "add",
            "buyers",
            "--where",
            cond,
            "--description",
            "repeat buyers",
        ],
    );
    let want: i64 = scalar(&ws, &format!("SELECT count(*) FROM features WHERE {cond}"))
        .parse()
        .expect("n");
    assert!(want > 0, "demo data has repeat buyers");
    assert_eq!(shown_count(&out), want, "{out}");
    let tagged = "rfm_group IN ('重要价值客户', '重要发展客户') OR (city_tier = 1 AND gender = 'F' AND age < 35)";
    let out = ok(&ws, &["segment", "add", "valued", "--where", tagged]);
    let want: i64 = scalar(
        &ws,
        &format!(
            "SELECT count(*) FROM features f LEFT JOIN person_attributes a USING (person_id) \
             LEFT JOIN person_tags t USING (person_id) WHERE {}",
            tagged.replace("city_tier", "f.city_tier").replace(" age ", " f.age ")
        ),
    )
    .parse()
    .expect("n");
    assert_eq!(shown_count(&out), want, "{out}");
    let out = ok(&ws, &["segment", "add", "recent", "--where", "recency_days <= 30"]);
    let recent_now = shown_count(&out);

    // Dry runs print without saving; mistakes are refused by name.
    let out = ok(
        &ws,
        &["segment", "add", "trial", "--where", "frequency >= 1", "--dry-run"],
    );
    assert!(out.contains("dry run"), "{out}");
    let bad = hx(&ws, &["segment", "add", "typo", "--where", "frequncy > 1"]);
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("`frequncy`") && stderr(&bad).contains("frequency"),
        "{}",
        stderr(&bad)
    );
    let bad = hx(&ws, &["segment", "add", "sum", "--where", "monetary + 1"]);
    assert!(stderr(&bad).contains("boolean"), "{}", stderr(&bad));
    let bad = hx(&ws, &["segment", "add", "buyers", "--where", "true"]);
    assert!(stderr(&bad).contains("already exists"), "{}", stderr(&bad));
    let list = ok(&ws, &["segment", "list"]);
    assert!(!list.contains("trial") && list.contains("STALE"), "{list}");

    // A build records membership; the list shows it and is no longer stale.
    let b1 = build_id(&ws, &[]);
    let members: i64 = scalar(
        &ws,
        &format!("SELECT count(*) FROM segment_members WHERE segment = 'recent' AND build_id = {b1}"),
    )
    .parse()
    .expect("n");
    assert_eq!(members, recent_now);
    let list: serde_json::Value =
        serde_json::from_str(&ok(&ws, &["segment", "list", "--format", "json"])).expect("json");
    let recent = list
        .as_array()
        .expect("list")
        .iter()
        .find(|s| s["name"] == "recent")
        .expect("recent");
    assert_eq!(
        (recent["members"].as_i64(), recent["stale"].as_bool()),
        (Some(recent_now), Some(false))
    );
    assert_eq!(
        scalar(
            &ws,
            "SELECT count(*) FROM segments WHERE current AND last_build_id IS NOT NULL"
        ),
        "3"
    );

    // An earlier as-of day: who entered and left, the same in diff, SQL and segment_changes.
    let as_of = scalar(&ws, "SELECT CAST(max(as_of) AS VARCHAR) FROM features");
    let day = chrono::NaiveDate::parse_from_str(&as_of, "%Y-%m-%d").expect("as-of") - chrono::Duration::days(45);
    let b2 = build_id(&ws, &["--as-of", &day.to_string()]);
    assert!(b2 > b1);
    let diff = ok(&ws, &["segment", "diff", "recent", "--format", "csv"]);
    let entered: BTreeSet<String> = diff
        .lines()
        .filter_map(|l| l.strip_suffix(",entered"))
        .map(str::to_string)
        .collect();
    let left: BTreeSet<String> = diff
        .lines()
        .filter_map(|l| l.strip_suffix(",left"))
        .map(str::to_string)
        .collect();
    assert!(
        !entered.is_empty() && !left.is_empty(),
        "45 days earlier, recent buyers differ: {diff}"
    );
    let q = |a: i64, b: i64| {
        format!(
            "SELECT person_id FROM segment_members WHERE segment = 'recent' AND build_id = {a} EXCEPT \
             SELECT person_id FROM segment_members WHERE segment = 'recent' AND build_id = {b} ORDER BY 1"
        )
    };
    assert_eq!(entered, set(&ok(&ws, &["sql", "--format", "csv", &q(b2, b1)])));
    assert_eq!(left, set(&ok(&ws, &["sql", "--format", "csv", &q(b1, b2)])));
    let changes = ok(
        &ws,
        &[
            "sql",
            "--format",
            "csv",
            &format!(
                "SELECT person_id FROM segment_changes WHERE segment = 'recent' AND build_id = {b2} \
                 AND change = 'entered' ORDER BY 1"
            ),
        ],
    );
    assert_eq!(entered, set(&changes));
    // Explicit builds, in reverse: entered and left swap.
    let back = ok(
        &ws,
        &[
            "segment",
            "diff",
            "recent",
            "--from",
            &b2.to_string(),
            "--to",
            &b1.to_string(),
            "--format",
            "json",
        ],
    );
    let back: serde_json::Value = serde_json::from_str(&back).expect("json");
    assert_eq!(back["entered"].as_array().map(Vec::len), Some(left.len()));
    let table = ok(&ws, &["segment", "diff", "recent"]);
    assert!(
        table.contains(&format!("build #{b1}")) && table.contains(&format!("build #{b2}")),
        "{table}"
    );
    let missing = hx(&ws, &["segment", "diff", "recent", "--from", "999"]);
    assert!(stderr(&missing).contains("build 999"), "{}", stderr(&missing));

    // Editing keeps the old version; the segment is stale until the next build.
    ok(&ws, &["segment", "edit", "recent", "--where", "recency_days <= 14"]);
    let show = ok(&ws, &["segment", "show", "recent"]);
    assert!(show.contains("STALE") && show.contains("recency_days <= 30"), "{show}");
    let b3 = build_id(&ws, &["--as-of", &day.to_string()]);
    let v: String = scalar(
        &ws,
        &format!("SELECT DISTINCT version FROM segment_members WHERE segment = 'recent' AND build_id = {b3}"),
    );
    assert_eq!(v, "2");

    // Export: personal data masked by default, the columns asked for.
    let csv = ok(
        &ws,
        &[
            "segment",
            "export",
            "buyers",
            "--columns",
            "person_id,name,phone,email,frequency,rfm_group",
        ],
    );
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("person_id,name,phone,email,frequency,rfm_group"));
    let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    let n_buyers: usize = scalar(
        &ws,
        &format!("SELECT count(*) FROM segment_members WHERE segment = 'buyers' AND build_id = {b3}"),
    )
    .parse()
    .expect("n");
    assert_eq!(rows.len(), n_buyers);
    let phones: Vec<&String> = rows.iter().map(|r| &r[2]).filter(|p| !p.is_empty()).collect();
    assert!(
        !phones.is_empty() && phones.iter().all(|p| p.contains("****")),
        "masked: {phones:?}"
    );
    // Revealed (key present, no user list): the plaintext of the earliest account.
    let pid = &rows[0][0];
    let plain = ok(
        &ws,
        &[
            "segment",
            "export",
            "buyers",
            "--reveal",
            "--columns",
            "person_id,phone",
            "--format",
            "json",
        ],
    );
    let plain: serde_json::Value = serde_json::from_str(&plain).expect("json");
    let first = &plain.as_array().expect("rows")[0];
    assert_eq!(first["person_id"].as_str(), Some(pid.as_str()));
    let from_sql = revealed_csv(
        &ws,
        &format!(
            "SELECT c.phone FROM person_attributes a JOIN customers c ON c.source = a.source \
             AND c.record_id = a.record_id WHERE a.person_id = '{pid}'"
        ),
    );
    assert_eq!(
        first["phone"].as_str().unwrap_or(""),
        from_sql.lines().nth(1).unwrap_or("").trim()
    );
    // Parquet to a file.
    let file = tmp.path().join("buyers.parquet");
    let file_s = file.to_string_lossy().to_string();
    ok(
        &ws,
        &[
            "segment",
            "export",
            "buyers",
            "--format",
            "parquet",
            "--output",
            &file_s,
            "--columns",
            "person_id,monetary",
        ],
    );
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
        std::fs::File::open(&file).expect("open"),
    )
    .expect("parquet")
    .build()
    .expect("reader");
    assert_eq!(reader.map(|b| b.expect("batch").num_rows()).sum::<usize>(), n_buyers);

    // Only listed users may reveal.
    let cfg = ws.join("huaxiang.toml");
    let text = std::fs::read_to_string(&cfg).expect("config");
    std::fs::write(
        &cfg,
        text.replace("reveal_users = []", "reveal_users = [\"hx-analyst\"]"),
    )
    .expect("config");
    let refused = hx_env(
        &ws,
        &["segment", "export", "buyers", "--reveal"],
        &[("USER", "hx-intern")],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("hx-intern") && stderr(&refused).contains("reveal_users"),
        "{}",
        stderr(&refused)
    );
    let allowed = hx_env(
        &ws,
        &["segment", "export", "buyers", "--reveal"],
        &[("USER", "hx-analyst")],
    );
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    let masked = hx_env(&ws, &["segment", "export", "buyers"], &[("USER", "hx-intern")]);
    assert!(
        masked.status.success(),
        "masked export is always allowed: {}",
        stderr(&masked)
    );

    // Removing keeps the history.
    ok(&ws, &["segment", "remove", "valued"]);
    assert!(!ok(&ws, &["segment", "list"]).contains("valued"));
    assert_ne!(
        scalar(&ws, "SELECT count(*) FROM segment_members WHERE segment = 'valued'"),
        "0"
    );
}

/// What the test webhook saw: per request, the body, whether the signature verified, the delivery id.
type Seen = Arc<Mutex<Vec<(Vec<u8>, bool, String)>>>;

/// A local HTTP server answering each request with the next status of `script`
/// (then `default`), verifying the signature of every body with `secret`.
fn webhook(secret: &'static str, script: Vec<u16>, default: u16) -> (String, Seen) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    std::thread::spawn(move || {
        let mut script = script.into_iter();
        for sock in listener.incoming() {
            let Ok(mut sock) = sock else { return };
            let mut buf = Vec::new();
            let mut tmp = [0u8; 8192];
            let (head_end, len) = loop {
                let n = sock.read(&mut tmp).unwrap_or(0);
                if n == 0 {
                    break (0, 0);
                }
                buf.extend_from_slice(&tmp[..n]);
                if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..p]).to_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    break (p + 4, len);
                }
            };
            if head_end == 0 {
                continue;
            }
            while buf.len() < head_end + len {
                let n = sock.read(&mut tmp).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&tmp[..n]);
            }
            let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
            let header = |name: &str| {
                head.lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                            .map(|(_, v)| v.trim().to_string())
                    })
                    .unwrap_or_default()
            };
            let body = buf[head_end..(head_end + len).min(buf.len())].to_vec();
            let verified = huaxiang_segments::push::verify(secret.as_bytes(), &body, &header("x-huaxiang-signature"));
            seen2
                .lock()
                .expect("lock")
                .push((body, verified, header("x-huaxiang-delivery")));
            let status = if verified {
                script.next().unwrap_or(default)
            } else {
                401
            };
            let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            let _ = sock.write_all(reply.as_bytes());
        }
    });
    (url, seen)
}

#[test]
fn push_signs_batches_and_retries_server_errors() {
    let (_tmp, ws) = built_workspace(400, 8);
    ok(&ws, &["segment", "add", "active", "--where", "frequency >= 1"]);
    ok(&ws, &["build"]);
    let members: BTreeSet<String> = set(&ok(
        &ws,
        &[
            "sql",
            "--format",
            "csv",
            "SELECT person_id FROM segment_members WHERE segment = 'active'",
        ],
    ));
    assert!(members.len() > 60, "{} members", members.len());
    let batches = members.len().div_ceil(50);

    // The first attempt fails with 503, the retry succeeds; every body is signed.
    let (url, seen) = webhook("whsec-test", vec![503], 200);
    let env = [("HX_HOOK_SECRET", "whsec-test")];
    let args = [
        "segment",
        "push",
        "active",
        "--url",
        &url,
        "--secret-env",
        "HX_HOOK_SECRET",
        "--batch-size",
        "50",
    ];
    let out = hx_env(&ws, &args, &env);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}\n{}", stderr(&out));
    assert!(
        stdout.contains(&format!("delivered {batches}, 失败 / failed 0")),
        "{stdout}"
    );
    assert!(stdout.contains("(attempts 2)"), "{stdout}");
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), batches + 1, "one retry");
    assert!(
        seen.iter().all(|(_, verified, _)| *verified),
        "every signature verifies"
    );
    assert_eq!(seen[0].2, seen[1].2, "the retry is the same delivery");
    let mut pushed = BTreeSet::new();
    for (body, _, _) in &seen[1..] {
        let v: serde_json::Value = serde_json::from_slice(body).expect("json body");
        assert_eq!(v["segment"], "active");
        assert!(v["build_id"].as_i64().is_some() && v["batch"].as_i64().is_some());
        for m in v["members"].as_array().expect("members") {
            pushed.insert(m["person_id"].as_str().expect("person id").to_string());
        }
    }
    assert_eq!(pushed, members);

    // A wrong secret: the receiver answers 401, which is not retried; every batch is reported failed.
    let (url, seen) = webhook("whsec-test", vec![], 200);
    let args = [
        "segment",
        "push",
        "active",
        "--url",
        &url,
        "--secret-env",
        "HX_HOOK_SECRET",
        "--batch-size",
        "50",
    ];
    let out = hx_env(&ws, &args, &[("HX_HOOK_SECRET", "wrong")]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--only-batches"), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("HTTP 401"));
    assert_eq!(seen.lock().expect("lock").len(), batches, "4xx is not retried");

    // A batch rejected with 400 does not stop the others; it can be resent alone.
    let (url, seen) = webhook("whsec-test", vec![200, 400], 200);
    let args = [
        "segment",
        "push",
        "active",
        "--url",
        &url,
        "--secret-env",
        "HX_HOOK_SECRET",
        "--batch-size",
        "50",
    ];
    let out = hx_env(&ws, &args, &env);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("batches failed: 2;"), "{}", stderr(&out));
    assert_eq!(seen.lock().expect("lock").len(), batches);
    let (url, seen) = webhook("whsec-test", vec![], 200);
    let mut again = args.to_vec();
    again[4] = &url;
    again.extend(["--only-batches", "2"]);
    let out = hx_env(&ws, &again, &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].2.ends_with(":2"), "{}", seen[0].2);

    // No secret: a clear refusal before anything is sent.
    let out = hx(&ws, &["segment", "push", "active", "--url", "http://127.0.0.1:9/x"]);
    assert!(stderr(&out).contains("HUAXIANG_WEBHOOK_SECRET"), "{}", stderr(&out));
}
