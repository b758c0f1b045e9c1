//! The two ways in (a CSV file, rows from memory) give the same summary and
//! model, and the pieces the workspace pipeline relies on behave as documented.

use std::io::Write;

use chrono::NaiveDate;
use huaxiang_clv::{ClvParams, CustomerSummary, ReadOptions, TimeUnit, Transactions};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A deterministic order history drawn from the two models themselves
/// (BG/NBD with r = 1, α = 40 days, a = 1, b = 3; Gamma-Gamma with p = 1,
/// q = 3, γ = 60), shapes chosen so every draw is an inverse-CDF one-liner.
/// 400 customers born over 200 days from 2025-01-01, followed for a year;
/// timestamps with a +08:00 offset, and a second order on some days.
fn orders() -> Vec<(String, String, f64)> {
    let mut state = 12345u64;
    let mut uniform = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut rows = Vec::new();
    let start: NaiveDate = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
    for c in 0..400u32 {
        let birth = uniform() * 200.0;
        let rate = -uniform().ln() / 40.0; // Gamma(1, 40) per day
        let dropout = 1.0 - uniform().powf(1.0 / 3.0); // Beta(1, 3)
        let nu = -(uniform().ln() + uniform().ln() + uniform().ln()) / 60.0; // Gamma(3, 60)
        let mut t = birth;
        let mut k = 0u32;
        while t < 365.0 {
            let date = start + chrono::Duration::days(t as i64);
            let hour = (c + k) % 24;
            let amount = (-uniform().ln() / nu * 100.0).round() / 100.0 + 0.01; // Gamma(1, ν)
            rows.push((format!("C{c:03}"), format!("{date}T{hour:02}:15:00+08:00"), amount));
            if k == 1 && c % 3 == 0 {
                rows.push((format!("C{c:03}"), format!("{date}T23:59:59+08:00"), 5.5));
            }
            if k > 0 && uniform() < dropout {
                break;
            }
            t += -uniform().ln() / rate;
            k += 1;
        }
    }
    rows
}

#[test]
fn csv_and_in_memory_rows_give_the_same_model() -> TestResult {
    let rows = orders();
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("orders.csv");
    let mut f = std::fs::File::create(&path)?;
    writeln!(f, "customer_id,order_time,amount,status")?;
    for (c, t, a) in &rows {
        writeln!(f, "{c},{t},{a},paid")?;
    }
    drop(f);
    let opts = ReadOptions::new("customer_id", "order_time").amount_col("amount");
    let from_csv = Transactions::read_csv(&path, &opts)?;
    let parsed: Vec<(String, NaiveDate, f64)> = rows
        .iter()
        .map(|(c, t, a)| Ok((c.clone(), t[..10].parse::<NaiveDate>()?, *a)))
        .collect::<Result<_, chrono::ParseError>>()?;
    let from_rows = Transactions::from_daily_amounts(parsed)?;
    assert_eq!(from_csv.n_rows(), rows.len());
    assert_eq!(from_csv.n_customer_days(), from_rows.n_customer_days());
    assert!(from_csv.n_customer_days() < rows.len(), "same-day orders must merge");

    let end: NaiveDate = "2025-06-30".parse()?;
    let (a, b) = (from_csv.summarise(end)?, from_rows.summarise(end)?);
    assert_eq!(a, b);
    assert!(a.holdout_end.is_some() && a.iter().any(|c| c.holdout_frequency > 0));
    let params = ClvParams::default().unit(TimeUnit::Week);
    let (ma, mb) = (params.fit(&a)?, params.fit(&b)?);
    assert_eq!(ma, mb);
    assert!(ma.gamma_gamma.is_some());
    Ok(())
}

#[test]
fn customers_without_purchases_get_population_values() -> TestResult {
    let rows = orders();
    let parsed: Vec<(String, NaiveDate, f64)> = rows
        .iter()
        .map(|(c, t, a)| Ok((c.clone(), t[..10].parse::<NaiveDate>()?, *a)))
        .collect::<Result<_, chrono::ParseError>>()?;
    let summary = Transactions::from_daily_amounts(parsed)?.summarise("2025-06-30".parse()?)?;
    let model = ClvParams::default().fit(&summary)?;
    let gg = model.gamma_gamma.as_ref().ok_or("no Gamma-Gamma")?;
    let newcomer = CustomerSummary::without_purchases("N1", 30);
    let p = model.predict_customer(&newcomer, 90.0)?;
    assert_eq!(p.customer_id, "N1");
    assert_eq!(p.p_alive, 1.0);
    let expected = model.bgnbd.conditional_expected_purchases(90.0, 0, 0.0, 30.0);
    assert!(
        (p.expected_orders - expected).abs() < 1e-12,
        "{} vs {expected}; {model:?}",
        p.expected_orders
    );
    assert_eq!(p.expected_average_value, gg.population_mean());
    // predict() over a slice agrees with predict_customer() one by one.
    let all = model.predict(&summary.customers, 90.0)?;
    for (c, p) in summary.customers.iter().zip(&all) {
        assert_eq!(&model.predict_customer(c, 90.0)?, p);
        assert!(p.p_alive > 0.0 && p.p_alive <= 1.0);
        assert!(p.expected_orders >= 0.0);
        let spend = p.expected_spend.ok_or("no spend")?;
        assert!((spend - p.expected_orders * p.expected_average_value.unwrap_or_default()).abs() < 1e-9);
    }
    assert!(model.predict(&summary.customers, -1.0).is_err());
    assert!(model.predict(&summary.customers, f64::NAN).is_err());
    Ok(())
}

#[test]
fn the_t_272_days_example_through_a_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("tx.csv");
    std::fs::write(&path, "cust;date\n7;19970101\n7;19970118\n7;19970802\n")?;
    let opts = ReadOptions::new("cust", "date").delimiter(b';');
    let s = Transactions::read_csv(&path, &opts)?.summarise("1997-09-30".parse()?)?;
    let c = &s.customers[0];
    assert_eq!((c.frequency, c.recency_days, c.age_days), (2, 213, 272));
    assert_eq!(format!("{:.2}", c.age(TimeUnit::Week)), "38.86");
    assert_eq!(format!("{:.2}", c.recency(TimeUnit::Week)), "30.43");
    assert!(!s.has_amounts && c.monetary_value.is_none());
    Ok(())
}
