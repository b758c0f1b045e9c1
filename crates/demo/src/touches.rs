//! Marketing touches and the extra orders they cause.
//!
//! Touches arrive at random on six channels, with one twist that makes attribution hard on
//! purpose: search ads are mostly *retargeting*, placed shortly before orders that would have
//! happened anyway, so last-touch attribution over-credits them. Each touch sent while the
//! customer is still alive causes an extra order with a small, channel-specific probability
//! (push 2%, sms 3%, email 1%, ad_search 0.5%, ad_social 4%, kol 8%).

use std::path::Path;

use crate::calendar::{self, CUTOFF_S, DAY, HISTORY_DAYS};
use crate::error::DemoError;
use crate::population::Customer;
use crate::purchases::{Behaviour, OrganicOrder};
use crate::random::Rng;
use crate::writer::CsvWriter;

/// Touch channels, with their campaign code prefix, random rate per customer-day and the
/// probability that one touch causes an extra order.
pub(crate) const CHANNELS: [(&str, &str, f64, f64); 6] = [
    ("push", "PUSH", 0.008, 0.02),
    ("sms", "SMS", 0.003, 0.03),
    ("email", "EMAIL", 0.006, 0.01),
    ("ad_search", "SEARCH", 0.0015, 0.005),
    ("ad_social", "SOCIAL", 0.004, 0.04),
    ("kol", "KOL", 0.0015, 0.08),
];
/// Index of the push channel.
pub(crate) const PUSH: u8 = 0;
const AD_SEARCH: u8 = 3;
/// P(an organic order is preceded by a retargeting search ad) and the mean lead (seconds).
const SEARCH_INTENT_P: f64 = 0.30;
const SEARCH_INTENT_LEAD: f64 = 6.0 * 3600.0;
/// Mean delay between a touch and the order it causes (seconds).
const RESPONSE_DELAY: f64 = 1.5 * DAY as f64;

/// One marketing touch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Touch {
    pub ts: i64,
    pub customer: u32,
    pub channel: u8,
    /// Campaign number within the month (1–3).
    pub campaign: u8,
}

/// An order caused by a touch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct IncrementalOrder {
    pub ts: i64,
    pub customer: u32,
    /// Index of the causing touch in [`Touches::touches`].
    pub touch: u32,
}

/// All touches before the cutoff (sorted by time) and the orders they caused.
pub(crate) struct Touches {
    pub touches: Vec<Touch>,
    pub incremental: Vec<IncrementalOrder>,
}

/// Places the touches and draws their responses.
pub(crate) fn plan(
    customers: &[Customer],
    behaviour: &[Behaviour],
    organic: &[OrganicOrder],
    rng: &mut Rng,
) -> Touches {
    let mut touches = Vec::new();
    for (i, c) in customers.iter().enumerate() {
        let window = (HISTORY_DAYS as f64 - c.signup_day).max(0.0);
        for (ch, &(_, _, rate, _)) in CHANNELS.iter().enumerate() {
            for _ in 0..rng.poisson(rate * window) {
                let day = c.signup_day + rng.unit() * window;
                let ts = calendar::at(day, calendar::time_of_day(rng, 0.05)).max(c.signup_ts + 60);
                if ts < CUTOFF_S {
                    touches.push(Touch {
                        ts,
                        customer: i as u32,
                        channel: ch as u8,
                        campaign: 0,
                    });
                }
            }
        }
    }
    // Retargeting: search ads shortly before organic orders (they cause nothing).
    for o in organic {
        if rng.chance(SEARCH_INTENT_P) {
            let ts = o.ts - (rng.exponential(SEARCH_INTENT_LEAD) + 60.0) as i64;
            if ts > customers[o.customer as usize].signup_ts {
                touches.push(Touch {
                    ts,
                    customer: o.customer,
                    channel: AD_SEARCH,
                    campaign: 0,
                });
            }
        }
    }
    touches.sort_by_key(|t| (t.ts, t.customer, t.channel));
    let mut incremental = Vec::new();
    for (k, t) in touches.iter_mut().enumerate() {
        t.campaign = 1 + rng.below(3) as u8;
        let alive = t.ts < behaviour[t.customer as usize].death_ts;
        if alive && rng.chance(CHANNELS[usize::from(t.channel)].3) {
            let ts = t.ts + (rng.exponential(RESPONSE_DELAY) + 600.0) as i64;
            if ts < CUTOFF_S {
                incremental.push(IncrementalOrder {
                    ts,
                    customer: t.customer,
                    touch: k as u32,
                });
            }
        }
    }
    Touches { touches, incremental }
}

/// Writes `touches.csv`.
pub(crate) fn write(dir: &Path, touches: &Touches) -> Result<u64, DemoError> {
    let mut w = CsvWriter::create(
        dir,
        "touches.csv",
        &["touch_id", "customer_id", "touch_time", "channel", "campaign_id"],
    )?;
    let mut campaign = String::with_capacity(20);
    for (k, t) in touches.touches.iter().enumerate() {
        let (y, m) = calendar::year_month(t.ts);
        let (name, code, _, _) = CHANNELS[usize::from(t.channel)];
        campaign.clear();
        campaign.push_str(code);
        campaign.push_str(&format!("-{y:04}{m:02}-{:02}", t.campaign));
        w.id(b'M', k as u64 + 1, 9);
        w.id(b'C', u64::from(t.customer) + 1, 8);
        w.timestamp(t.ts);
        w.str(name);
        w.str(&campaign);
        w.end_row()?;
    }
    w.finish()
}
