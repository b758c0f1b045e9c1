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
