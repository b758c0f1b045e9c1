//! PII at rest: known values are ingested, then every file under the workspace
//! is scanned — raw bytes and decoded Parquet values — and none may appear.

mod common;

use std::path::Path;

use arrow::array::{Array, StringArray};
use common::*;

const SECRETS: [&str; 6] = [
    "13912345678",
    "139-1234-5678",
    "secret.person@example.org",
    "欧阳秘密",
    "+8613912345678",
    "4401011990",
];

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn parquet_strings(p: &Path) -> Vec<String> {
    let f = std::fs::File::open(p).expect("open");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .expect("parquet")
        .build()
        .expect("reader");
    let mut out = Vec::new();
    for b in reader {
        let b = b.expect("batch");
        for c in b.columns() {
            if let Some(s) = c.as_any().downcast_ref::<StringArray>() {
                out.extend((0..s.len()).filter(|i| !s.is_null(*i)).map(|i| s.value(i).to_string()));
            }
        }
    }
    out
}

#[test]
fn no_plaintext_pii_anywhere_in_the_workspace() {
    let (tmp, ws) = workspace();
    let f = tmp.path().join("c.csv");
    // One good row, one with an invalid (emptied, quarantined) e-mail, one rejected row carrying PII,
    // and an extra column marked `pii` by the mapping.
    std::fs::write(
        &f,
        "customer_id,name,phone,email,id_card\nC1,欧阳秘密,139-1234-5678,Secret.Person@Example.org,4401011990\nC2,欧阳秘密,13912345678,not-an-email@,4401011990\n,欧阳秘密,13912345678,secret.person@example.org,4401011990\n",
    )
    .expect("write");
    let map = tmp.path().join("m.toml");
    std::fs::write(&map, "pii = [\"id_card\"]\n").expect("map");
    let v = ingest_json(
        &ws,
        &[
            "--table",
            "customers",
            "--source",
            "s",
            "--map",
            &map.to_string_lossy(),
            &f.to_string_lossy(),
        ],
    );
    assert_eq!(
        (v["accepted"].as_u64(), v["rejected"].as_u64()),
        (Some(2), Some(1)),
        "{v}"
    );
    ok(&ws, &["build"]);
    ok(&ws, &["quality"]);
    ok(&ws, &["identity", "explain", "C1"]);
    let mut all = Vec::new();
    files(&ws, &mut all);
    assert!(all.len() > 10, "scanned {} files", all.len());
    for p in &all {
        let bytes = std::fs::read(p).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        for s in SECRETS {
            assert!(!text.contains(s), "{s} appears in {}", p.display());
        }
        if p.extension().is_some_and(|e| e == "parquet") {
            for v in parquet_strings(p) {
                for s in SECRETS {
                    assert!(!v.contains(s), "{s} appears decoded in {}", p.display());
                }
            }
        }
    }
    // Masked by default, plain with --reveal and the key, locked without the key.
    assert_eq!(
        scalar(&ws, "SELECT phone FROM customers WHERE customer_id = 'C1'"),
        "139****5678"
    );
    let revealed = revealed_csv(
        &ws,
        "SELECT phone, email, id_card FROM customers WHERE customer_id = 'C1'",
    );
    assert!(
        revealed.contains("+8613912345678,secret.person@example.org,4401011990"),
        "{revealed}"
    );
    std::fs::rename(ws.join(".huaxiang/key"), tmp.path().join("key.moved")).expect("move key");
    assert_eq!(
        scalar(&ws, "SELECT phone FROM customers WHERE customer_id = 'C1'"),
        "[encrypted]"
    );
    let out = hx(&ws, &["sql", "--reveal", "SELECT phone FROM customers"]);
    assert!(!out.status.success(), "--reveal without the key must fail");
}

#[test]
fn sql_reveal_obeys_reveal_users() {
    let (tmp, ws) = workspace();
    let f = tmp.path().join("c.csv");
    std::fs::write(&f, "customer_id,name,phone\nC1,欧阳秘密,13912345678\n").expect("write");
    ingest_json(&ws, &["--table", "customers", "--source", "s", &f.to_string_lossy()]);
    ok(&ws, &["build"]);
    let query = ["sql", "--reveal", "--format", "csv", "SELECT phone FROM customers"];
    let open = hx_env(&ws, &query, &[("USER", "hx-intern")]);
    assert!(open.status.success(), "{}", stderr(&open));
    assert!(String::from_utf8_lossy(&open.stdout).contains("13912345678"));
    let cfg = ws.join("huaxiang.toml");
    let text = std::fs::read_to_string(&cfg).expect("config");
    std::fs::write(
        &cfg,
        text.replace("reveal_users = []", "reveal_users = [\"hx-analyst\"]"),
    )
    .expect("config");
    let refused = hx_env(&ws, &query, &[("USER", "hx-intern")]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("hx-intern") && stderr(&refused).contains("reveal_users"),
        "{}",
        stderr(&refused)
    );
    assert!(!String::from_utf8_lossy(&refused.stdout).contains("13912345678"));
    let profile = hx_env(&ws, &["profile", "C1", "--reveal"], &[("USER", "hx-intern")]);
    assert!(
        !profile.status.success() && stderr(&profile).contains("reveal_users"),
        "profile --reveal must be refused too: {}",
        stderr(&profile)
    );
    let masked = hx_env(&ws, &["profile", "C1"], &[("USER", "hx-intern")]);
    assert!(masked.status.success(), "{}", stderr(&masked));
    let allowed = hx_env(&ws, &query, &[("USER", "hx-analyst")]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    assert!(String::from_utf8_lossy(&allowed.stdout).contains("13912345678"));
}

#[test]
fn a_closed_pipe_ends_sql_quietly() {
    use std::io::Read;
    let (_tmp, ws) = workspace();
    let mut child = std::process::Command::new(bin())
        .args(["-w", &ws.to_string_lossy(), "sql", "--format", "csv"])
        .arg("SELECT value FROM generate_series(1, 300000)")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("read");
    // The reader is dropped here, closing the pipe, like `| head`.
    let out = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{err}");
}
