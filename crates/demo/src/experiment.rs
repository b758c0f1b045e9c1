//! `experiment.csv`: two A/B tests with known answers.
//!
//! EXP01 (`coupon_banner_v2`) gives variant B a real relative lift that differs by segment, so
//! both the average effect and its heterogeneity can be checked. EXP02 (`checkout_copy_aa`)
//! is an A/A test: any "significant" difference there is a false positive. Customers who
//! signed up at least 30 days before the cutoff are enrolled independently and split 50/50.
//! `converted` is self-contained and not linked to the orders.

use std::path::Path;

use crate::calendar::{CUTOFF_S, DAY};
use crate::error::DemoError;
use crate::population::Customer;
use crate::random::Rng;
use crate::writer::CsvWriter;

/// One experiment: id, enrolment probability, base conversion rate of A and relative lift
/// of B, per segment.
struct Experiment {
    id: &'static str,
    enroll_p: f64,
    base_rate: [f64; 6],
    lift_b: [f64; 6],
}

const EXPERIMENTS: [Experiment; 2] = [
    Experiment {
        id: "EXP01",
        enroll_p: 0.80,
        base_rate: [0.22, 0.10, 0.14, 0.03, 0.08, 0.02],
        lift_b: [0.05, 0.30, 0.15, 0.10, 0.20, 0.10],
    },
    Experiment {
        id: "EXP02",
        enroll_p: 0.50,
        base_rate: [0.20, 0.09, 0.12, 0.03, 0.07, 0.02],
        lift_b: [0.0; 6],
    },
];

/// Writes `experiment.csv`, sorted by experiment and customer.
pub(crate) fn write(dir: &Path, customers: &[Customer], rng: &mut Rng) -> Result<u64, DemoError> {
    let mut w = CsvWriter::create(
        dir,
        "experiment.csv",
        &["customer_id", "experiment_id", "variant", "converted"],
    )?;
    for ex in &EXPERIMENTS {
        for (i, c) in customers.iter().enumerate() {
            let eligible = c.signup_ts < CUTOFF_S - 30 * DAY;
            if !eligible || !rng.chance(ex.enroll_p) {
                continue;
            }
            let b = rng.chance(0.5);
            let s = c.segment.index();
            let rate = if b {
                (ex.base_rate[s] * (1.0 + ex.lift_b[s])).min(1.0)
            } else {
                ex.base_rate[s]
            };
            w.id(b'C', i as u64 + 1, 8);
            w.str(ex.id);
            w.str(if b { "B" } else { "A" });
            w.int(i64::from(rng.chance(rate)));
            w.end_row()?;
        }
    }
    w.finish()
}
