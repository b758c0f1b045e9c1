//! The CDNow sample (Fader, Hardie & Lee 2005): the published BG/NBD and
//! Gamma-Gamma estimates, and lifetimes' predictions.
//!
//! The fixture `fixtures/CDNOW_sample.txt` is the file lifetimes 0.11.3 ships
//! (see `fixtures/README.md`). Its calibration period is the 39 weeks from
//! 1997-01-01 to 1997-09-30; the data run to 1998-06-30.
//!
//! Aggregation matters for reproducing the published numbers: the file has 223
//! rows that repeat a (customer, day) already present. Counted per day (this
//! crate's rule, and lifetimes' `summary_data_from_transaction_data`), x, tₓ, T
//! and the mean repeat value equal the ones Fader & Hardie publish for all 2,357
//! customers. Counted per transaction, lifetimes gets r = 0.2177, α = 3.2735,
//! a = 0.8016, b = 2.2852 and Gamma-Gamma p = 6.2016, q = 3.8167, γ = 15.5865
//! (959 customers), which do not match the papers. The `quantity` column (number of
//! CDs) is not used: the monetary value is the dollar amount.

use std::path::Path;

use huaxiang_clv::{
    BgNbd, BgNbdParams, ClvParams, GammaGamma, GammaGammaParams, RfmSummary, TimeFormat, TimeUnit, Transactions,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Reads the fixture: whitespace-separated columns master customer id, sample
/// customer id (1..2357), date YYYYMMDD, quantity, dollar amount; CRLF lines.
fn cdnow_transactions() -> Result<Transactions, Box<dyn std::error::Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/CDNOW_sample.txt");
    let text = std::fs::read_to_string(&path)?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, id, date, _quantity, amount] = fields[..] else {
            return Err(format!("{}:{}: expected 5 fields", path.display(), i + 1).into());
        };
        let date = TimeFormat::Auto.parse_day(date)?;
        // "0001" → "1", as lifetimes reads it.
        rows.push((id.parse::<u32>()?.to_string(), date, amount.parse::<f64>()?));
    }
    Ok(Transactions::from_daily_amounts(rows)?)
}

fn cdnow_summary() -> Result<RfmSummary, Box<dyn std::error::Error>> {
    Ok(cdnow_transactions()?.summarise("1997-09-30".parse()?)?)
}

/// |got − published| within half a unit of the last published digit.
fn assert_published(name: &str, got: f64, published: f64, decimals: i32) {
    let half_unit = 0.5 * 10f64.powi(-decimals);
    assert!(
        (got - published).abs() <= half_unit,
        "{name} = {got}, published {published} (±{half_unit})"
    );
}

fn assert_rel(name: &str, got: f64, want: f64, tol: f64) {
    let rel = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        rel <= tol,
        "{name}: got {got}, want {want}, relative difference {rel:.2e} > {tol:.0e}"
    );
}

// Produced by `fixtures/reference.py` (lifetimes 0.11.3, BetaGeoFitter and
// GammaGammaFitter with default settings, on the daily summary in weeks).
// customers: 2357, with repeat purchases: 946
const LIFETIMES_BGNBD: [f64; 4] = [
    0.24259454342106715,
    4.413602716077379,
    0.7929218333480146,
    2.4259057287223023,
];
const LIFETIMES_LOGLIK: f64 = -9582.429206673936;
const LIFETIMES_GG: [f64; 3] = [6.249572277637132, 3.744224674758082, 15.44352101835793];
// (sample id, x, t_x weeks, T weeks, monetary, p_alive, [E purchases at 1, 39, 78, 520 weeks], E value)
#[allow(clippy::type_complexity)]
const LIFETIMES_PREDICTIONS: &[(&str, u32, f64, f64, f64, f64, [f64; 4], f64)] = &[
    (
        "1",
        2,
        30.428571428571427,
        38.857142857142854,
        22.345,
        0.7266202977882521,
        [
            0.03744619128552434,
            1.225994429671698,
            2.15089152919377,
            7.319717167249486,
        ],
        24.65391871323464,
    ),
    (
        "2",
        1,
        1.7142857142857142,
        38.857142857142854,
        11.77,
        0.21239102434937765,
        [
            0.006069723501859552,
            0.20341882760530636,
            0.36243020116512975,
            1.3090404717311817,
        ],
        18.910018475337225,
    ),
    (
        "3",
        0,
        0.0,
        38.857142857142854,
        0.0,
        1.0,
        [
            0.005586747243978993,
            0.19479364221265055,
            0.3569406726981631,
            1.462471859535981,
        ],
        35.170371330453996,
    ),
    (
        "18",
        1,
        4.857142857142857,
        38.857142857142854,
        9.99,
        0.31085573587085336,
        [
            0.008883653965524521,
            0.2977240188889322,
            0.530453239397157,
            1.9159130682252763,
        ],
        17.67313946716354,
    ),
    (
        "100",
        1,
        23.857142857142858,
        38.285714285714285,
        26.22,
        0.6469924176400828,
        [
            0.018736023729724546,
            0.6268530191592131,
            1.1157646896786977,
            4.017480568394457,
        ],
        28.9509744686573,
    ),
    (
        "1516",
        26,
        30.857142857142858,
        31.0,
        39.97,
        0.9688544473027177,
        [
            0.7105737493793092,
            20.7489039039305,
            34.2598204762185,
            98.13415314209915,
        ],
        39.890286800197444,
    ),
    (
        "2074",
        1,
        21.142857142857142,
        28.428571428571427,
        28.74,
        0.6913767950656268,
        [
            0.02599248384537372,
            0.8383063571131495,
            1.4622747335405204,
            4.954324930124566,
        ],
        30.70206160382454,
    ),
    (
        "2357",
        0,
        0.0,
        27.0,
        0.0,
        1.0,
        [
            0.007685345622326298,
            0.2589789886091505,
            0.46526928240026405,
            1.7859223543014355,
        ],
        35.170371330453996,
    ),
];
const HORIZONS_WEEKS: [f64; 4] = [1.0, 39.0, 78.0, 520.0];
// unconditional E[X(39 weeks)]
const LIFETIMES_EXPECTED_39: f64 = 1.1950099744790117;

#[test]
fn summary_matches_the_published_sample() -> TestResult {
    let s = cdnow_summary()?;
    assert_eq!(s.len(), 2357);
    assert_eq!(s.customers_after_calibration, 0);
    assert_eq!(s.n_repeat_customers(), 946);
    let sum_x: u32 = s.iter().map(|c| c.frequency).sum();
    assert_eq!(sum_x, 2457);
    // Holdout (1997-10-01 to 1998-06-30), per pandas on the same file.
    assert_eq!(s.holdout_end, Some("1998-06-30".parse()?));
    let holdout_days: u32 = s.iter().map(|c| c.holdout_frequency).sum();
    let holdout_spend: f64 = s.iter().filter_map(|c| c.holdout_spend).sum();
    assert_eq!(holdout_days, 1882);
    assert!((holdout_spend - 70976.39).abs() < 1e-6, "{holdout_spend}");
    // Customer 1 of the published summary: x = 2, tₓ = 30.43, T = 38.86 weeks, m̄ = 22.35.
    let c1 = &s.customers[0];
    assert_eq!(c1.customer_id, "1");
    assert_eq!((c1.frequency, c1.recency_days, c1.age_days), (2, 213, 272));
    assert!((c1.recency(TimeUnit::Week) - 30.43).abs() < 0.005);
    assert!((c1.age(TimeUnit::Week) - 38.86).abs() < 0.005);
    assert!((c1.monetary_value.unwrap_or_default() - 22.345).abs() < 1e-9);
    Ok(())
}

#[test]
fn bgnbd_reproduces_fader_hardie_lee_2005() -> TestResult {
    let s = cdnow_summary()?;
    let m = BgNbdParams::default().unit(TimeUnit::Week).fit(&s)?;
    // FHL 2005, section 5: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
    assert_published("r", m.r(), 0.243, 3);
    assert_published("alpha", m.alpha(), 4.414, 3);
    assert_published("a", m.a(), 0.793, 3);
    assert_published("b", m.b(), 2.426, 3);
    let ll = m.loglik().ok_or("no loglik")?;
    assert_published("loglik", ll, -9582.4, 1);
    // And lifetimes' estimates, more tightly (lifetimes stops at a gradient of
    // 1e-7 on the mean log-likelihood; this crate goes further).
    let got = [m.r(), m.alpha(), m.a(), m.b()];
    for (i, name) in ["r", "alpha", "a", "b"].iter().enumerate() {
        assert_rel(name, got[i], LIFETIMES_BGNBD[i], 2e-6);
    }
    assert_rel("loglik", ll, LIFETIMES_LOGLIK, 1e-9);
    // Fitting in days gives the same model.
    let d = BgNbdParams::default().fit(&s)?;
    assert_rel("alpha (days)", d.alpha(), 7.0 * m.alpha(), 1e-6);
    Ok(())
}

#[test]
fn gamma_gamma_reproduces_fader_hardie_2013() -> TestResult {
    let s = cdnow_summary()?;
    let m = GammaGammaParams::default().fit(&s)?;
    // "The Gamma-Gamma Model of Monetary Value" (2013): fitted on the 946
    // customers with repeat purchases in the calibration period, on the mean of
    // their repeat transactions: p = 6.25, q = 3.74, γ = 15.44. (lifetimes on the
    // summary it ships, whose m̄ is rounded to cents, gives 6.2488, 3.7446,
    // 15.4477; on unrounded daily means, as here, 6.2496, 3.7442, 15.4435.)
    assert_eq!(m.fit_report().map(|f| f.n_customers), Some(946));
    assert_published("p", m.p(), 6.25, 2);
    assert_published("q", m.q(), 3.74, 2);
    assert_published("gamma", m.gamma(), 15.44, 2);
    let got = [m.p(), m.q(), m.gamma()];
    for (i, name) in ["p", "q", "gamma"].iter().enumerate() {
        assert_rel(name, got[i], LIFETIMES_GG[i], 1e-7);
    }
    Ok(())
}

#[test]
fn predictions_match_lifetimes() -> TestResult {
    let s = cdnow_summary()?;
    let fitted = ClvParams::default().unit(TimeUnit::Week).fit(&s)?;
    let [r, alpha, a, b] = LIFETIMES_BGNBD;
    let same_bg = BgNbd::new(r, alpha, a, b, TimeUnit::Week)?;
    let [p, q, v] = LIFETIMES_GG;
    let same_gg = GammaGamma::new(p, q, v)?;
    let fitted_gg = fitted.gamma_gamma.as_ref().ok_or("no Gamma-Gamma model")?;

    for &(id, x, t_x, t, mean, p_alive, expected, value) in LIFETIMES_PREDICTIONS {
        let c = s.iter().find(|c| c.customer_id == id).ok_or("customer missing")?;
        assert_eq!(c.frequency, x, "customer {id}");
        assert_eq!(c.recency(TimeUnit::Week), t_x, "customer {id}");
        assert_eq!(c.age(TimeUnit::Week), t, "customer {id}");
        if x > 0 {
            assert_rel("monetary", c.monetary_value.unwrap_or_default(), mean, 1e-12);
        }
        // At lifetimes' own parameters the formulas agree to rounding error…
        assert_rel("p_alive", same_bg.p_alive(c), p_alive, 1e-12);
        for (h, want) in HORIZONS_WEEKS.iter().zip(expected) {
            assert_rel(
                &format!("E[X({h})] of {id}"),
                same_bg.expected_orders(c, h * 7.0),
                want,
                1e-10,
            );
        }
        assert_rel(
            "E[value]",
            same_gg.expected_average_value(c).unwrap_or_default(),
            value,
            1e-12,
        );
        // …and with this crate's fit to ~1e-6 (the two optimisers stop at slightly
        // different points).
        assert_rel("p_alive (fitted)", fitted.bgnbd.p_alive(c), p_alive, 1e-6);
        let predictions = fitted.predict(std::slice::from_ref(c), 39.0 * 7.0)?;
        assert_rel("E[X(39)] (fitted)", predictions[0].expected_orders, expected[1], 1e-6);
        for (h, want) in HORIZONS_WEEKS.iter().zip(expected) {
            assert_rel(
                &format!("E[X({h})] of {id} (fitted)"),
                fitted.bgnbd.expected_orders(c, h * 7.0),
                want,
                1e-6,
            );
        }
        let fitted_value = fitted_gg.expected_average_value(c).unwrap_or_default();
        assert_rel("E[value] (fitted)", fitted_value, value, 1e-6);
        assert_rel(
            "expected spend",
            predictions[0].expected_spend.unwrap_or_default(),
            expected[1] * value,
            2e-6,
        );
    }
    assert_rel(
        "E[X(39)]",
        same_bg.expected_purchases(39.0),
        LIFETIMES_EXPECTED_39,
        1e-10,
    );
    Ok(())
}

#[test]
fn parameters_serialise_for_the_cli() -> TestResult {
    let s = cdnow_summary()?;
    let model = ClvParams::default().unit(TimeUnit::Week).fit(&s)?;
    let json: serde_json::Value = serde_json::to_value(model.parameters())?;
    for key in ["r", "alpha", "a", "b", "loglik", "p", "q", "gamma"] {
        assert!(json[key].is_f64(), "{key} missing in {json}");
    }
    assert_eq!(json["unit"], "week");
    assert_eq!(json["customers"], 2357);
    assert_eq!(json["gamma_gamma_customers"], 946);
    // Without amounts there is no Gamma-Gamma part.
    let dates = Transactions::from_dates(cdnow_transactions()?.customers().flat_map(|c| {
        c.dates()
            .map(move |d| (c.customer_id.to_string(), d))
            .collect::<Vec<_>>()
    }))?;
    let s = dates.summarise("1997-09-30".parse()?)?;
    let model = ClvParams::default().unit(TimeUnit::Week).fit(&s)?;
    let json = serde_json::to_value(model.parameters())?;
    assert!(json.get("p").is_none() && json["r"].is_f64(), "{json}");
    let full = serde_json::to_value(&model)?;
    assert!(full["bgnbd"]["fit"]["loglik"].is_f64(), "{full}");
    Ok(())
}
