//! Reading label files from disk: the messages name the file, and the reference Telco file reads
//! with the documented rules.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use huaxiang_ml::label_file::ColumnKind;
use huaxiang_ml::{LabelFileOptions, MlError, read_label_file, stratified_kfold};

fn shared_data(relative: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(relative);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("test data {} is missing (CI=true: this is a failure)", p.display());
    }
    eprintln!("note: skipping, test data {} is missing", p.display());
    None
}

#[test]
fn file_errors_name_the_file_and_the_cell() {
    let dir = std::env::temp_dir().join(format!("huaxiang-ml-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("labels.csv");
    std::fs::write(&path, "id,spend,churned\nA,1.5,no\nB,2.5,perhaps\n").unwrap();
    let err = read_label_file(&path, &LabelFileOptions::new("id", "churned")).unwrap_err();
    assert!(
        matches!(&err, MlError::BadLabel { line: 3, value, .. } if value == "perhaps"),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("labels.csv") && msg.contains("line 3") && msg.contains("`churned`"),
        "{msg}"
    );

    let missing = dir.join("nope.csv");
    let msg = read_label_file(&missing, &LabelFileOptions::new("id", "churned"))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("nope.csv"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn telco_reads_with_one_hot_names_and_blank_totals() {
    let Some(path) = shared_data("telco_churn/Telco-Customer-Churn.csv") else {
        return;
    };
    let (d, r) = read_label_file(&path, &LabelFileOptions::new("customerID", "Churn")).unwrap();
    assert_eq!(d.n_rows(), 7043);
    assert_eq!(d.positives(), 1869);
    for name in [
        "Contract=Month-to-month",
        "Contract=One year",
        "Contract=Two year",
        "tenure",
        "TotalCharges",
    ] {
        assert!(d.column_index(name).is_some(), "{name} in {:?}", d.columns());
    }
    let total = d.column_index("TotalCharges").unwrap();
    assert_eq!(d.column(total).iter().filter(|v| v.is_nan()).count(), 11);
    let senior = r.columns.iter().find(|c| c.name == "SeniorCitizen").unwrap();
    assert!(matches!(senior.kind, ColumnKind::Numeric { unparsable: 0, .. }));
    let folds = stratified_kfold(d.labels().unwrap(), 5, 42).unwrap();
    for f in &folds {
        let pos = f.test.iter().filter(|&&i| d.labels().unwrap()[i]).count();
        assert!((373..=374).contains(&pos), "{pos}");
    }
}
