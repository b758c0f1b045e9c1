//! Errors a user of `huaxiang clv fit` can run into, and what they say.

use std::io::Write;
use std::path::PathBuf;

use huaxiang_clv::{BgNbdParams, ClvError, ClvParams, ReadOptions, Transactions};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Writes `content` to a file in a fresh temporary directory.
fn file(name: &str, content: &str) -> Result<(tempfile::TempDir, PathBuf), std::io::Error> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join(name);
    std::fs::File::create(&path)?.write_all(content.as_bytes())?;
    Ok((dir, path))
}

fn options() -> ReadOptions {
    ReadOptions::new("customer_id", "order_time").amount_col("amount")
}

const HEADER: &str = "order_id,customer_id,order_time,amount\n";

fn read_err(content: &str, options: &ReadOptions) -> Result<(ClvError, String), Box<dyn std::error::Error>> {
    let (_dir, path) = file("orders.csv", content)?;
    match Transactions::read_csv(&path, options) {
        Ok(_) => Err(format!("reading {content:?} should fail").into()),
        Err(e) => Ok((e, path.display().to_string())),
    }
}

#[test]
fn bad_date_names_file_line_column_and_value() -> TestResult {
    let content = format!(
        "{HEADER}O1,C1,2025-03-04T12:34:56+08:00,10.00\nO2,C1,2025-03-05,5.00\nO3,C2,2025-02-30T09:00:00+08:00,7.50\n"
    );
    let (err, path) = read_err(&content, &options())?;
    let msg = err.to_string();
    // Header is line 1, so the third data row is line 4.
    assert!(
        matches!(&err, ClvError::InvalidField { line: 4, column, .. } if column == "order_time"),
        "{err:?}"
    );
    for part in [path.as_str(), "line 4", "`order_time`", "2025-02-30T09:00:00+08:00"] {
        assert!(msg.contains(part), "`{part}` not in: {msg}");
    }
    Ok(())
}

#[test]
fn custom_time_format_mismatch_names_the_format() -> TestResult {
    let content = format!("{HEADER}O1,C1,04/03/2025,10.00\nO2,C1,2025-03-05,5.00\n");
    let opts = options().time_format("%d/%m/%Y")?;
    let (err, _) = read_err(&content, &opts)?;
    let msg = err.to_string();
    assert!(
        msg.contains("line 3") && msg.contains("%d/%m/%Y") && msg.contains("2025-03-05"),
        "{msg}"
    );
    assert!(matches!(
        options().time_format("%Y-%Q"),
        Err(ClvError::InvalidParameter { .. })
    ));
    Ok(())
}

#[test]
fn negative_or_unparsable_amounts_are_rejected() -> TestResult {
    for (value, reason) in [
        ("-5.00", "negative"),
        ("12,5", "not a number"),
        ("abc", "not a number"),
        ("", "empty"),
        ("NaN", "finite"),
        ("inf", "finite"),
    ] {
        let quoted = if value.contains(',') {
            format!("\"{value}\"")
        } else {
            value.to_string()
        };
        let content = format!("{HEADER}O1,C1,2025-03-04,10.00\nO2,C1,2025-03-05,{quoted}\n");
        let (err, path) = read_err(&content, &options())?;
        let msg = err.to_string();
        assert!(
            matches!(&err, ClvError::InvalidField { line: 3, column, value: v, .. } if column == "amount" && v == value),
            "{err:?}"
        );
        assert!(msg.contains(&path) && msg.contains(reason), "{value}: {msg}");
    }
    Ok(())
}

#[test]
fn missing_column_lists_the_available_ones() -> TestResult {
    let content = format!("{HEADER}O1,C1,2025-03-04,10.00\n");
    let opts = ReadOptions::new("customer_id", "order_time").amount_col("total");
    let (err, path) = read_err(&content, &opts)?;
    let msg = err.to_string();
    assert!(
        matches!(&err, ClvError::MissingColumn { column, .. } if column == "total"),
        "{err:?}"
    );
    for part in [
        path.as_str(),
        "`total`",
        "amount column",
        "order_id, customer_id, order_time, amount",
    ] {
        assert!(msg.contains(part), "`{part}` not in: {msg}");
    }
    let (err, _) = read_err(&content, &ReadOptions::new("customer", "order_time"))?;
    assert!(err.to_string().contains("`customer` (the customer column)"), "{err}");
    Ok(())
}

#[test]
fn malformed_csv_empty_ids_empty_files_and_missing_files() -> TestResult {
    let (err, _) = read_err(
        &format!("{HEADER}O1,C1,2025-03-04,10.00\nO2,C1,2025-03-05\n"),
        &options(),
    )?;
    assert!(matches!(err, ClvError::Csv { line: Some(3), .. }), "{err:?}");
    let (err, _) = read_err(&format!("{HEADER}O1,,2025-03-04,10.00\n"), &options())?;
    assert!(
        err.to_string().contains("empty customer id") && err.to_string().contains("line 2"),
        "{err}"
    );
    let (err, path) = read_err(HEADER, &options())?;
    assert!(
        matches!(err, ClvError::NoTransactions { .. }) && err.to_string().contains(&path),
        "{err}"
    );
    let err = Transactions::read_csv("/nonexistent/orders.csv", &options())
        .err()
        .ok_or("no error")?;
    assert!(err.to_string().contains("/nonexistent/orders.csv"), "{err}");
    Ok(())
}

#[test]
fn calibration_end_before_all_data() -> TestResult {
    let (_dir, path) = file(
        "orders.csv",
        &format!("{HEADER}O1,C1,2025-03-04,10.00\nO2,C2,2025-03-09,5.00\n"),
    )?;
    let tx = Transactions::read_csv(&path, &options())?;
    let err = tx.summarise("2025-01-31".parse()?).err().ok_or("no error")?;
    assert!(matches!(err, ClvError::CalibrationEndBeforeData { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "calibration end 2025-01-31 is before all data: the first transaction is on 2025-03-04"
    );
    Ok(())
}

#[test]
fn too_few_customers_is_a_clear_error() -> TestResult {
    let mut content = HEADER.to_string();
    for (i, c) in ["C1", "C2", "C3"].iter().enumerate() {
        content.push_str(&format!(
            "O{i}a,{c},2025-03-0{},10.00\nO{i}b,{c},2025-03-2{},12.00\n",
            i + 1,
            i + 1
        ));
    }
    let (_dir, path) = file("orders.csv", &content)?;
    let summary = Transactions::read_csv(&path, &options())?.summarise("2025-04-30".parse()?)?;
    let err = ClvParams::default().fit(&summary).err().ok_or("no error")?;
    assert!(
        matches!(err, ClvError::TooFewCustomers { needed: 10, got: 3, .. }),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "BG/NBD needs at least 10 customers to fit, got 3");
    // The threshold is a validated parameter.
    let err = BgNbdParams::default()
        .min_customers(1)
        .fit(&summary)
        .err()
        .ok_or("no error")?;
    assert!(
        matches!(
            err,
            ClvError::InvalidParameter {
                name: "min_customers",
                ..
            }
        ),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn no_repeat_purchases_is_a_clear_error() -> TestResult {
    let mut content = HEADER.to_string();
    for i in 0..20 {
        content.push_str(&format!("O{i},C{i},2025-03-{:02},10.00\n", i + 1));
    }
    let (_dir, path) = file("orders.csv", &content)?;
    let summary = Transactions::read_csv(&path, &options())?.summarise("2025-04-30".parse()?)?;
    let err = ClvParams::default().fit(&summary).err().ok_or("no error")?;
    assert!(matches!(err, ClvError::NoRepeatPurchases), "{err:?}");
    Ok(())
}
