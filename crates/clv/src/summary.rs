//! The RFM summary: what the models know about each customer at the
//! calibration end.
//!
//! Definitions follow Fader, Hardie & Lee (2005) and the lifetimes package at
//! daily grain:
//!
//! * purchase days are distinct calendar days with a transaction; the first one
//!   is the customer's "birth" and is not a repeat purchase;
//! * `frequency` (x) is the number of repeat purchase days up to and including
//!   the calibration end;
//! * `recency_days` (tₓ) is the last purchase day minus the first, in days
//!   (0 without repeats);
//! * `age_days` (T) is the calibration end minus the first purchase day, in days.
//!   A customer first seen on 1997-01-01 has T = 272 days = 38.86 weeks at
//!   calibration end 1997-09-30;
//! * `monetary_value` is the mean of the daily totals of the repeat purchase days
//!   (the first day's value excluded), as the Gamma-Gamma model is specified.
//!
//! Days after the calibration end do not enter any of these; they are kept as
//! a holdout summary (`holdout_frequency`, `holdout_spend`) for validation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{ClvError, Result};
use crate::time::TimeUnit;
use crate::transactions::{Transactions, date_from_day, day_number};

/// One customer's summary at the calibration end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerSummary {
    pub customer_id: String,
    /// First purchase day; `None` for a customer without purchases
    /// (see [`CustomerSummary::without_purchases`]).
    pub first_date: Option<NaiveDate>,
    /// x: repeat purchase days in the calibration period.
    pub frequency: u32,
    /// tₓ: days from the first to the last purchase day in the calibration period.
    pub recency_days: u32,
    /// T: days from the first purchase day to the calibration end.
    pub age_days: u32,
    /// Mean daily total of the repeat purchase days in the calibration period;
    /// `None` without repeat purchases or without amounts.
    pub monetary_value: Option<f64>,
    /// Purchase days after the calibration end.
    pub holdout_frequency: u32,
    /// Total amount after the calibration end; `None` without amounts.
    pub holdout_spend: Option<f64>,
}

impl CustomerSummary {
    /// A customer who has not bought yet, to be scored with the population
    /// parameters: x = 0, tₓ = 0, and T = `age_days` (for instance the days since
    /// sign-up, as the benchmark harness does). Such customers carry no
    /// information for the fit and should not be part of the fitted summary.
    pub fn without_purchases(customer_id: impl Into<String>, age_days: u32) -> Self {
        CustomerSummary {
            customer_id: customer_id.into(),
            first_date: None,
            frequency: 0,
            recency_days: 0,
            age_days,
            monetary_value: None,
            holdout_frequency: 0,
            holdout_spend: None,
        }
    }

    /// tₓ in `unit`.
    pub fn recency(&self, unit: TimeUnit) -> f64 {
        unit.from_days(f64::from(self.recency_days))
    }

    /// T in `unit`.
    pub fn age(&self, unit: TimeUnit) -> f64 {
        unit.from_days(f64::from(self.age_days))
    }
}

/// The summaries of all customers whose first purchase is on or before the
/// calibration end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmSummary {
    /// The last day of the calibration period (inclusive).
    pub calibration_end: NaiveDate,
    /// The last purchase day in the data when it is after the calibration end:
    /// the holdout period is `calibration_end + 1 ..= holdout_end`.
    pub holdout_end: Option<NaiveDate>,
    /// Whether the transactions had amounts.
    pub has_amounts: bool,
    pub customers: Vec<CustomerSummary>,
    /// Customers whose first purchase is after the calibration end. They are
    /// not summarised (the models cannot know them at the calibration end).
    pub customers_after_calibration: usize,
}

impl RfmSummary {
    /// Summarises `transactions` at `calibration_end` (inclusive). Fails when
    /// every transaction is after the calibration end.
    pub fn from_transactions(transactions: &Transactions, calibration_end: NaiveDate) -> Result<Self> {
        let end = day_number(calibration_end);
        let first = transactions.first_date();
        if day_number(first) > end {
            return Err(ClvError::CalibrationEndBeforeData {
                calibration_end,
                first_date: first,
            });
        }
        let last = transactions.last_date();
        let has_amounts = transactions.has_amounts();
        let mut customers = Vec::with_capacity(transactions.n_customers());
        let mut after = 0usize;
        for history in transactions.customers() {
            let days = history.day_numbers();
            let first_day = days[0];
            if first_day > end {
                after += 1;
                continue;
            }
            let n_cal = days.partition_point(|&d| d <= end);
            let last_day = days[n_cal - 1];
            let frequency = (n_cal - 1) as u32;
            let (monetary_value, holdout_spend) = match history.amounts() {
                Some(amounts) => {
                    let repeat = &amounts[1..n_cal];
                    // Folds from +0.0: `Iterator::sum` of no floats is −0.0.
                    let sum = |values: &[f64]| values.iter().fold(0.0, |acc, v| acc + v);
                    let mean = (!repeat.is_empty()).then(|| sum(repeat) / repeat.len() as f64);
                    (mean, Some(sum(&amounts[n_cal..])))
                }
                None => (None, None),
            };
            customers.push(CustomerSummary {
                customer_id: history.customer_id.to_string(),
                first_date: Some(date_from_day(first_day)),
                frequency,
                recency_days: (last_day - first_day) as u32,
                age_days: (end - first_day) as u32,
                monetary_value,
                holdout_frequency: (days.len() - n_cal) as u32,
                holdout_spend,
            });
        }
        Ok(RfmSummary {
            calibration_end,
            holdout_end: (last > calibration_end).then_some(last),
            has_amounts,
            customers,
            customers_after_calibration: after,
        })
    }

    /// Number of summarised customers.
    pub fn len(&self) -> usize {
        self.customers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.customers.is_empty()
    }

    /// Number of customers with at least one repeat purchase day.
    pub fn n_repeat_customers(&self) -> usize {
        self.customers.iter().filter(|c| c.frequency > 0).count()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, CustomerSummary> {
        self.customers.iter()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn age_is_whole_days_from_first_purchase_to_calibration_end() {
        // The CDNow convention: first seen 1997-01-01, calibration ends 1997-09-30.
        let tx = Transactions::from_dates([("c", d("1997-01-01"))]).unwrap();
        let s = tx.summarise(d("1997-09-30")).unwrap();
        let c = &s.customers[0];
        assert_eq!(c.age_days, 272);
        assert!((c.age(TimeUnit::Week) - 38.86).abs() < 0.005);
        assert_eq!(c.age(TimeUnit::Week), 272.0 / 7.0);
        assert_eq!((c.frequency, c.recency_days), (0, 0));
    }

    #[test]
    fn repeats_recency_monetary_and_holdout() {
        let tx = Transactions::from_daily_amounts([
            ("a", d("2025-01-01"), 100.0), // first day: not a repeat, not in the mean
            ("a", d("2025-01-05"), 10.0),
            ("a", d("2025-01-05"), 5.0), // same day: one repeat of 15
            ("a", d("2025-01-11"), 25.0),
            ("a", d("2025-02-01"), 7.0), // after calibration end: holdout
            ("a", d("2025-02-03"), 3.0),
            ("b", d("2025-01-20"), 50.0),
            ("c", d("2025-02-02"), 9.0), // first purchase after the end: not summarised
        ])
        .unwrap();
        let s = tx.summarise(d("2025-01-31")).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.customers_after_calibration, 1);
        assert_eq!(s.holdout_end, Some(d("2025-02-03")));
        assert_eq!(s.n_repeat_customers(), 1);
        let a = &s.customers[0];
        assert_eq!((a.frequency, a.recency_days, a.age_days), (2, 10, 30));
        assert_eq!(a.monetary_value, Some(20.0));
        assert_eq!((a.holdout_frequency, a.holdout_spend), (2, Some(10.0)));
        let b = &s.customers[1];
        assert_eq!((b.frequency, b.recency_days, b.age_days), (0, 0, 11));
        assert_eq!(b.monetary_value, None);
        assert_eq!(b.holdout_spend, Some(0.0));
    }

    #[test]
    fn calibration_end_before_all_data_is_an_error() {
        let tx = Transactions::from_dates([("a", d("2025-01-05")), ("b", d("2025-01-07"))]).unwrap();
        let err = tx.summarise(d("2025-01-04")).unwrap_err();
        assert!(matches!(err, ClvError::CalibrationEndBeforeData { .. }));
        let msg = err.to_string();
        assert!(msg.contains("2025-01-04") && msg.contains("2025-01-05"), "{msg}");
        // On the first day itself it is fine.
        assert_eq!(tx.summarise(d("2025-01-05")).unwrap().len(), 1);
    }
}
