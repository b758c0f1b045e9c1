//! Journeys: which touches lead to which conversion.
//!
//! Every model in this crate reads the same [`Journeys`]. A journey is one
//! customer's ordered touches followed by a conversion (an order) or by
//! nothing:
//!
//! * **Converting journey.** For each conversion at time `c`, the customer's
//!   touches in the lookback window `[c − W, c]`. With
//!   [`JourneyParams::touch_serves_one_conversion`] (the default) only touches
//!   after the customer's previous conversion count, so every touch serves at
//!   most one conversion; without it a touch inside the windows of two
//!   conversions appears in both journeys.
//! * **Direct conversion.** A conversion with no touch in its window. It gets
//!   no channel credit; it is counted and reported as direct/organic.
//! * **Non-converting journey.** The touches that serve no conversion, split
//!   where two consecutive ones are more than `W` apart. The data-driven
//!   models need them: a channel that is everywhere but rarely followed by a
//!   conversion must not look as good as one that is rarely used but usually
//!   converts. A non-converting journey whose last touch is less than `W`
//!   before the end of observation may still convert; it is *censored* —
//!   dropped and counted.
//!
//! # Touched time and the organic expectation
//!
//! Each touch opens a *touched segment*: from the touch to whichever comes
//! first of the next touch, the touch plus `W`, the end of observation and (when
//! touches serve one conversion) the next conversion. The segments of one
//! customer never overlap, and a conversion is in a converting journey exactly
//! when it falls into a segment. A journey's `exposure_days` is the length of
//! its touches' segments; the rest of the customer's observed time is
//! *untouched*, and the conversions there are the direct ones.
//!
//! Each journey also carries its `expected_organic` conversions: the
//! customer's organic conversion rate ([`crate::baseline`]) × the journey's
//! exposure. Summed over journeys, this is what the same customers would have
//! converted in the touched time had the touches had no effect — the
//! counterfactual the incremental Shapley value subtracts. The rate is learned
//! per customer, as [`OrganicBaseline`] selects: by default from all the
//! customer's conversions over their observed time, optionally from the
//! direct conversions in untouched time only. A customer is observed from
//! their first touch or conversion to the end of observation; a conversion
//! that opens the observation is not counted (it defines the start, as the
//! first purchase does in BG/NBD). Only customers with touches enter the rate
//! model — the others have no journeys to expect anything of.

use serde::Serialize;

use crate::baseline::BaseRate;
use crate::error::{AttributionError, Result};
use crate::intern::{FastMap, Interner};

/// Seconds per day, the unit of every window parameter.
pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// The default lookback window in days, chosen by measurement (see the crate
/// documentation): long enough to hold most responses to a touch, short
/// enough that coincidental organic orders do not swamp them.
pub const DEFAULT_LOOKBACK_DAYS: f64 = 3.0;

/// The longest lookback window accepted, in days.
pub const MAX_LOOKBACK_DAYS: f64 = 3_650.0;

/// The customer conversion rate behind each journey's organic expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganicBaseline {
    /// No expectation: every conversion after a touch counts as caused.
    None,
    /// The customer's conversion rate over all their observed time, touched
    /// or not (the default). Under the null hypothesis that touches change
    /// nothing this is the organic rate; real effects make it slightly too
    /// high, so lifts err towards zero.
    ObservedTime,
    /// The customer's conversion rate in untouched time only. Exact when touch
    /// timing is independent of intent, but a retargeting channel placed just
    /// before orders moves organic conversions into touched time, depletes
    /// the untouched rate and inflates every other channel's lift.
    UntouchedTime,
}

impl std::str::FromStr for OrganicBaseline {
    type Err = AttributionError;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" | "off" => Ok(Self::None),
            "observed" | "observed_time" => Ok(Self::ObservedTime),
            "untouched" | "untouched_time" => Ok(Self::UntouchedTime),
            _ => Err(AttributionError::param(
                "organic baseline",
                text,
                "expected none, observed or untouched",
            )),
        }
    }
}

/// How touches and conversions are cut into journeys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JourneyParams {
    /// Touches at most this many days before a conversion lead to it.
    pub lookback_days: f64,
    /// When true, a conversion's journey starts after the previous conversion,
    /// so a touch serves at most one conversion.
    pub touch_serves_one_conversion: bool,
    /// End of observation (unix seconds); later events are ignored. `None`
    /// uses the latest touch or conversion.
    pub observed_until: Option<i64>,
    /// Where the organic conversions expected in each journey come from.
    /// [`OrganicBaseline::None`] makes the Shapley model the textbook one
    /// (every conversion after a touch counts as produced by it).
    pub organic_baseline: OrganicBaseline,
}

impl Default for JourneyParams {
    fn default() -> Self {
        Self {
            lookback_days: DEFAULT_LOOKBACK_DAYS,
            touch_serves_one_conversion: true,
            observed_until: None,
            organic_baseline: OrganicBaseline::ObservedTime,
        }
    }
}

impl JourneyParams {
    /// Sets the lookback window in days.
    #[must_use]
    pub fn lookback_days(mut self, days: f64) -> Self {
        self.lookback_days = days;
        self
    }

    /// Sets whether a touch serves at most one conversion.
    #[must_use]
    pub fn touch_serves_one_conversion(mut self, one: bool) -> Self {
        self.touch_serves_one_conversion = one;
        self
    }

    /// Sets the end of observation (unix seconds).
    #[must_use]
    pub fn observed_until(mut self, until: i64) -> Self {
        self.observed_until = Some(until);
        self
    }

    /// Sets where the organic expectation comes from.
    #[must_use]
    pub fn organic_baseline(mut self, baseline: OrganicBaseline) -> Self {
        self.organic_baseline = baseline;
        self
    }

    /// Checks every parameter.
    pub fn validate(&self) -> Result<()> {
        let days = self.lookback_days;
        if !days.is_finite() || days <= 0.0 || days > MAX_LOOKBACK_DAYS {
            return Err(AttributionError::param(
                "lookback_days",
                days,
                format!("must be a number of days in (0, {MAX_LOOKBACK_DAYS}]"),
            ));
        }
        if days * SECONDS_PER_DAY < 1.0 {
            return Err(AttributionError::param(
                "lookback_days",
                days,
                "must be at least one second",
            ));
        }
        Ok(())
    }

    /// The lookback window in whole seconds.
    pub(crate) fn window_seconds(&self) -> i64 {
        // Validated to (1 s, 3650 days], so the cast cannot overflow.
        (self.lookback_days * SECONDS_PER_DAY).round() as i64
    }
}

/// A campaign: its name within a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Campaign {
    /// Index into [`Journeys::channels`].
    pub channel: u32,
    /// The campaign's name.
    pub name: String,
}

/// One touch inside a journey.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct JourneyTouch {
    /// Unix seconds.
    pub time: i64,
    /// Index into [`Journeys::channels`].
    pub channel: u32,
    /// Index into [`Journeys::campaigns`].
    pub campaign: u32,
}

/// A conversion closing a journey.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Conversion {
    /// Unix seconds.
    pub time: i64,
    /// The conversion's value (the order amount).
    pub value: f64,
}

/// One customer's touches and what followed them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Journey {
    /// Index into [`Journeys::customers`].
    pub customer: u32,
    /// First touch, as an index into [`Journeys::touches`].
    pub touch_start: usize,
    /// Number of touches (at least one).
    pub touch_count: usize,
    /// The conversion, or `None` for a non-converting journey.
    pub conversion: Option<Conversion>,
    /// Length of the journey's touched segments, in days.
    pub exposure_days: f64,
    /// Organic conversions expected in the exposure without any touch.
    pub expected_organic: f64,
}

/// Journeys of all customers, with the names they refer to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Journeys {
    /// The parameters the journeys were cut with.
    pub params: JourneyParams,
    /// Channel names; touches refer to them by index.
    pub channels: Vec<String>,
    /// Campaigns; touches refer to them by index.
    pub campaigns: Vec<Campaign>,
    /// Customer ids; journeys refer to them by index.
    pub customers: Vec<String>,
    /// Converting and non-converting journeys, grouped by customer in time order.
    pub journeys: Vec<Journey>,
    /// The touches of all journeys, journey after journey.
    pub touches: Vec<JourneyTouch>,
    /// Conversions with no touch in their window.
    pub conversions_without_touches: usize,
    /// Total value of those conversions.
    pub revenue_without_touches: f64,
    /// Touches dropped because their journey could still convert after the
    /// end of observation.
    pub censored_touches: usize,
    /// The organic base-rate prior the expectations were computed with.
    pub base_rate: BaseRate,
}

impl Journeys {
    /// The touches of one journey, in time order.
    pub fn touches_of(&self, journey: &Journey) -> &[JourneyTouch] {
        &self.touches[journey.touch_start..journey.touch_start + journey.touch_count]
    }

    /// Number of journeys ending in a conversion.
    pub fn converting(&self) -> usize {
        self.journeys.iter().filter(|j| j.conversion.is_some()).count()
    }

    /// Total value of the converting journeys.
    pub fn converting_revenue(&self) -> f64 {
        self.journeys.iter().filter_map(|j| j.conversion.map(|c| c.value)).sum()
    }

    /// Journeys given directly as channel paths, each with `Some(value)` when
    /// it converted. Campaigns are named after their channels, touch `i` of a
    /// path happens at second `i` and the conversion one second after the last
    /// touch; there is no organic expectation. Handy for path data exported
    /// from elsewhere and for worked examples.
    pub fn from_paths<P, S>(paths: P) -> Result<Self>
    where
        P: IntoIterator<Item = (Vec<S>, Option<f64>)>,
        S: AsRef<str>,
    {
        let mut names = Interner::default();
        let mut journeys = Vec::new();
        let mut touches = Vec::new();
        for (index, (path, value)) in paths.into_iter().enumerate() {
            if path.is_empty() {
                return Err(AttributionError::InvalidInput {
                    what: "path",
                    customer: format!("path {index}"),
                    reason: "a journey needs at least one touch".into(),
                });
            }
            if let Some(v) = value {
                check_value(v, &format!("path {index}"))?;
            }
            let start = touches.len();
            for (i, channel) in path.iter().enumerate() {
                let channel = channel.as_ref();
                check_channel(channel, &format!("path {index}"))?;
                let (ch, camp) = names.intern(channel, channel)?;
                touches.push(JourneyTouch {
                    time: i as i64,
                    channel: ch,
                    campaign: camp,
                });
            }
            journeys.push(Journey {
                customer: 0,
                touch_start: start,
                touch_count: path.len(),
                conversion: value.map(|v| Conversion {
                    time: path.len() as i64,
                    value: v,
                }),
                exposure_days: 0.0,
                expected_organic: 0.0,
            });
        }
        Ok(Self {
            params: JourneyParams::default().organic_baseline(OrganicBaseline::None),
            channels: names.channels,
            campaigns: names.campaigns,
            customers: vec!["paths".to_string()],
            journeys,
            touches,
            conversions_without_touches: 0,
            revenue_without_touches: 0.0,
            censored_touches: 0,
            base_rate: BaseRate::zero(),
        })
    }
}

pub(crate) fn index_u32(len: usize, what: &'static str) -> Result<u32> {
    u32::try_from(len).map_err(|_| AttributionError::InvalidInput {
        what,
        customer: String::new(),
        reason: "more than 2³² distinct values".into(),
    })
}

fn check_channel(channel: &str, customer: &str) -> Result<()> {
    if channel.trim().is_empty() {
        return Err(AttributionError::InvalidInput {
            what: "touch",
            customer: customer.to_string(),
            reason: "empty channel".into(),
        });
    }
    Ok(())
}

fn check_value(value: f64, customer: &str) -> Result<()> {
    if !value.is_finite() || value < 0.0 {
        return Err(AttributionError::InvalidInput {
            what: "conversion",
            customer: customer.to_string(),
            reason: format!("value {value} is not a finite non-negative number"),
        });
    }
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RawTouch {
    pub(crate) time: i64,
    pub(crate) channel: u32,
    pub(crate) campaign: u32,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RawConversion {
    pub(crate) time: i64,
    pub(crate) value: f64,
}

/// Every customer's events up to the end of observation, grouped by customer
/// and sorted by time within each (stably: ties keep their insertion order).
pub(crate) struct Grouped {
    touch_start: Vec<usize>,
    touches: Vec<RawTouch>,
    conversion_start: Vec<usize>,
    conversions: Vec<RawConversion>,
}

impl Grouped {
    /// Number of customers.
    pub(crate) fn len(&self) -> usize {
        self.touch_start.len() - 1
    }

    /// One customer's touches and conversions, each in time order.
    pub(crate) fn customer(&self, c: usize) -> (&[RawTouch], &[RawConversion]) {
        (
            &self.touches[self.touch_start[c]..self.touch_start[c + 1]],
            &self.conversions[self.conversion_start[c]..self.conversion_start[c + 1]],
        )
    }
}

/// Counting sort of `(customer, event)` pairs by customer, then a stable sort
/// by time within each customer.
fn group<T: Copy>(
    customers: usize,
    events: &[(u32, T)],
    keep: impl Fn(&T) -> bool,
    time: impl Fn(&T) -> i64,
) -> (Vec<usize>, Vec<T>) {
    let mut start = vec![0usize; customers + 1];
    for (c, e) in events {
        if keep(e) {
            start[*c as usize + 1] += 1;
        }
    }
    for i in 0..customers {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut out: Vec<Option<T>> = vec![None; start[customers]];
    for (c, e) in events {
        if keep(e) {
            out[fill[*c as usize]] = Some(*e);
            fill[*c as usize] += 1;
        }
    }
    let mut out: Vec<T> = out.into_iter().flatten().collect();
    for c in 0..customers {
        out[start[c]..start[c + 1]].sort_by_key(&time);
    }
    (start, out)
}

/// Collects touches and conversions, then cuts them into [`Journeys`].
///
/// The builder keeps the raw events, so the same data can be cut with several
/// [`JourneyParams`] (to compare windows) without re-reading it.
#[derive(Debug, Default, Clone)]
pub struct JourneyBuilder {
    customer_index: FastMap<String, u32>,
    customer_ids: Vec<String>,
    touches: Vec<(u32, RawTouch)>,
    conversions: Vec<(u32, RawConversion)>,
    names: Interner,
    latest: Option<i64>,
}

impl JourneyBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    fn customer(&mut self, customer: &str) -> Result<u32> {
        if let Some(&c) = self.customer_index.get(customer) {
            return Ok(c);
        }
        let c = index_u32(self.customer_ids.len(), "customers")?;
        self.customer_index.insert(customer.to_string(), c);
        self.customer_ids.push(customer.to_string());
        Ok(c)
    }

    fn see(&mut self, time: i64) {
        self.latest = Some(self.latest.map_or(time, |t| t.max(time)));
    }

    /// Records a marketing touch at `time` (unix seconds).
    pub fn add_touch(&mut self, customer: &str, time: i64, channel: &str, campaign: &str) -> Result<()> {
        check_channel(channel, customer)?;
        let (channel, campaign) = self.names.intern(channel, campaign)?;
        let c = self.customer(customer)?;
        self.touches.push((
            c,
            RawTouch {
                time,
                channel,
                campaign,
            },
        ));
        self.see(time);
        Ok(())
    }

    /// Records a conversion (an order) at `time` (unix seconds) worth `value`.
    pub fn add_conversion(&mut self, customer: &str, time: i64, value: f64) -> Result<()> {
        check_value(value, customer)?;
        let c = self.customer(customer)?;
        self.conversions.push((c, RawConversion { time, value }));
        self.see(time);
        Ok(())
    }

    /// Number of touches recorded.
    pub fn touch_count(&self) -> usize {
        self.touches.len()
    }

    /// Number of conversions recorded.
    pub fn conversion_count(&self) -> usize {
        self.conversions.len()
    }

    /// Channel names in order of first appearance.
    pub fn channels(&self) -> &[String] {
        &self.names.channels
    }

    /// The end of observation `params` imply: theirs, or the latest event.
    pub(crate) fn observed_until(&self, params: &JourneyParams) -> i64 {
        params.observed_until.or(self.latest).unwrap_or(0)
    }

    /// Every customer's events up to `until`, grouped and sorted.
    pub(crate) fn grouped(&self, until: i64) -> Grouped {
        let n = self.customer_ids.len();
        let (touch_start, touches) = group(n, &self.touches, |t| t.time <= until, |t| t.time);
        let (conversion_start, conversions) = group(n, &self.conversions, |c| c.time <= until, |c| c.time);
        Grouped {
            touch_start,
            touches,
            conversion_start,
            conversions,
        }
    }

    /// Cuts the recorded events into journeys.
    pub fn build(&self, params: &JourneyParams) -> Result<Journeys> {
        params.validate()?;
        let w = params.window_seconds();
        let until = self.observed_until(params);
        let exclusive = params.touch_serves_one_conversion;

        let mut journeys = Vec::new();
        let mut out_touches = Vec::new();
        let mut direct = 0usize;
        let mut direct_revenue = 0.0;
        let mut censored = 0usize;
        // Per customer with touches: (customer, rate events, days observed).
        let mut rate_stats: Vec<(u32, f64, f64)> = Vec::new();

        let grouped = self.grouped(until);
        let mut segment = Vec::new();
        let mut assigned = Vec::new();
        for customer in 0..grouped.len() {
            let (ts, cs) = grouped.customer(customer);
            if ts.is_empty() {
                direct += cs.len();
                direct_revenue += cs.iter().map(|c| c.value).sum::<f64>();
                continue;
            }
            let cust = customer as u32; // customer count was checked to fit u32
            touched_segments(ts, cs, w, until, exclusive, &mut segment);
            assigned.clear();
            assigned.resize(ts.len(), false);

            // Converting journeys and direct conversions.
            let mut organic = 0.0;
            let mut next = 0usize; // exclusive: first touch not yet passed
            let mut lo = 0usize; // non-exclusive: window bounds
            let mut hi = 0usize;
            for (k, conv) in cs.iter().enumerate() {
                let start = out_touches.len();
                let mut exposure = 0.0;
                if exclusive {
                    while next < ts.len() && ts[next].time <= conv.time {
                        if ts[next].time >= conv.time.saturating_sub(w) {
                            push_touch(&mut out_touches, &ts[next]);
                            exposure += segment[next];
                            assigned[next] = true;
                        }
                        next += 1;
                    }
                } else {
                    while lo < ts.len() && ts[lo].time < conv.time.saturating_sub(w) {
                        lo += 1;
                    }
                    hi = hi.max(lo);
                    while hi < ts.len() && ts[hi].time <= conv.time {
                        hi += 1;
                    }
                    for i in lo..hi {
                        push_touch(&mut out_touches, &ts[i]);
                        exposure += segment[i];
                        assigned[i] = true;
                    }
                }
                let count = out_touches.len() - start;
                if count == 0 {
                    direct += 1;
                    direct_revenue += conv.value;
                    // A direct conversion opening the observation defines its
                    // start and is not counted as a rate event.
                    if !(k == 0 && conv.time < ts[0].time) {
                        organic += 1.0;
                    }
                } else {
                    journeys.push(Journey {
                        customer: cust,
                        touch_start: start,
                        touch_count: count,
                        conversion: Some(Conversion {
                            time: conv.time,
                            value: conv.value,
                        }),
                        exposure_days: exposure / SECONDS_PER_DAY,
                        expected_organic: 0.0,
                    });
                }
            }

            // Non-converting journeys: runs of unassigned touches.
            let mut i = 0usize;
            while i < ts.len() {
                if assigned[i] {
                    i += 1;
                    continue;
                }
                let mut end = i + 1;
                let mut last = ts[i].time;
                while end < ts.len() && !assigned[end] && ts[end].time.saturating_sub(last) <= w {
                    last = ts[end].time;
                    end += 1;
                }
                if last.saturating_add(w) > until {
                    censored += end - i;
                } else {
                    let start = out_touches.len();
                    let mut exposure = 0.0;
                    for j in i..end {
                        push_touch(&mut out_touches, &ts[j]);
                        exposure += segment[j];
                    }
                    journeys.push(Journey {
                        customer: cust,
                        touch_start: start,
                        touch_count: end - i,
                        conversion: None,
                        exposure_days: exposure / SECONDS_PER_DAY,
                        expected_organic: 0.0,
                    });
                }
                i = end;
            }

            if params.organic_baseline != OrganicBaseline::None {
                let (events, span) = observed_rate_events(ts, cs, until);
                let (events, days) = match params.organic_baseline {
                    OrganicBaseline::UntouchedTime => {
                        let touched = segment.iter().sum::<f64>() / SECONDS_PER_DAY;
                        (organic, (span - touched).max(0.0))
                    }
                    _ => (events, span),
                };
                rate_stats.push((cust, events, days));
            }
        }

        let base_rate = if params.organic_baseline != OrganicBaseline::None {
            let stats: Vec<(f64, f64)> = rate_stats.iter().map(|s| (s.1, s.2)).collect();
            BaseRate::fit(&stats)
        } else {
            BaseRate::zero()
        };
        if params.organic_baseline != OrganicBaseline::None {
            let mut rates = vec![0.0; grouped.len()];
            for &(cust, k, t) in &rate_stats {
                rates[cust as usize] = base_rate.customer_rate(k, t);
            }
            for j in &mut journeys {
                j.expected_organic = rates[j.customer as usize] * j.exposure_days;
            }
        }

        Ok(Journeys {
            params: params.clone(),
            channels: self.names.channels.clone(),
            campaigns: self.names.campaigns.clone(),
            customers: self.customer_ids.clone(),
            journeys,
            touches: out_touches,
            conversions_without_touches: direct,
            revenue_without_touches: direct_revenue,
            censored_touches: censored,
            base_rate,
        })
    }
}

fn push_touch(out: &mut Vec<JourneyTouch>, t: &RawTouch) {
    out.push(JourneyTouch {
        time: t.time,
        channel: t.channel,
        campaign: t.campaign,
    });
}

/// A customer's conversions and observed days for the observed-time rate.
/// The customer is observed from their first event (touch or conversion) to
/// `until`; a conversion opening the observation defines its start and is not
/// counted (as the first purchase in BG/NBD). Needs at least one touch.
pub(crate) fn observed_rate_events(ts: &[RawTouch], cs: &[RawConversion], until: i64) -> (f64, f64) {
    let first_touch = ts.first().map_or(until, |t| t.time);
    let first_event = cs.first().map_or(first_touch, |c| c.time.min(first_touch));
    let opening = usize::from(cs.first().is_some_and(|c| c.time < first_touch));
    let span = until.saturating_sub(first_event).max(0) as f64 / SECONDS_PER_DAY;
    ((cs.len() - opening) as f64, span)
}

/// Length in seconds of each touch's touched segment (see the module docs).
pub(crate) fn touched_segments(
    ts: &[RawTouch],
    cs: &[RawConversion],
    w: i64,
    until: i64,
    stop_at_conversion: bool,
    out: &mut Vec<f64>,
) {
    out.clear();
    let mut k = 0usize;
    for (i, t) in ts.iter().enumerate() {
        let mut end = t.time.saturating_add(w).min(until);
        if let Some(next) = ts.get(i + 1) {
            end = end.min(next.time);
        }
        if stop_at_conversion {
            while k < cs.len() && cs[k].time < t.time {
                k += 1;
            }
            if let Some(c) = cs.get(k) {
                end = end.min(c.time);
            }
        }
        out.push(end.saturating_sub(t.time).max(0) as f64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn builder() -> JourneyBuilder {
        let mut b = JourneyBuilder::new();
        // Customer a: email day 0, push day 2, order day 3 (value 100),
        // sms day 20 (no order within 7 days), order day 40 (direct).
        b.add_touch("a", 0, "email", "e1").expect("touch");
        b.add_touch("a", 2 * DAY, "push", "p1").expect("touch");
        b.add_conversion("a", 3 * DAY, 100.0).expect("conversion");
        b.add_touch("a", 20 * DAY, "sms", "s1").expect("touch");
        b.add_conversion("a", 40 * DAY, 50.0).expect("conversion");
        // Customer b: order day 1 with no touch at all.
        b.add_conversion("b", DAY, 30.0).expect("conversion");
        // Customer c: push on day 95, too late to know whether it converts.
        b.add_touch("c", 95 * DAY, "push", "p2").expect("touch");
        b.add_touch("c", 0, "email", "e1").expect("touch");
        b
    }

    #[test]
    fn journeys_follow_the_definition() {
        let params = JourneyParams::default().lookback_days(7.0).observed_until(100 * DAY);
        let j = builder().build(&params).expect("build");
        assert_eq!(j.channels, vec!["email", "push", "sms"]);
        // a: converting [email, push]; non-converting [sms];
        // c: non-converting [email]; [push] censored.
        assert_eq!(j.journeys.len(), 3);
        assert_eq!(j.converting(), 1);
        assert_eq!(j.conversions_without_touches, 2);
        assert!((j.revenue_without_touches - 80.0).abs() < 1e-9);
        assert_eq!(j.censored_touches, 1);
        let first = &j.journeys[0];
        let names: Vec<&str> = j
            .touches_of(first)
            .iter()
            .map(|t| j.channels[t.channel as usize].as_str())
            .collect();
        assert_eq!(names, vec!["email", "push"]);
        assert_eq!(first.conversion.map(|c| c.value), Some(100.0));
        // Segments: email 0→2 (next touch), push 2→3 (the order): 3 days.
        assert!((first.exposure_days - 3.0).abs() < 1e-12);
        let sms = &j.journeys[1];
        assert!(sms.conversion.is_none());
        assert!((sms.exposure_days - 7.0).abs() < 1e-12);
    }

    #[test]
    fn touches_before_the_previous_conversion_serve_it_only() {
        let mut b = JourneyBuilder::new();
        b.add_touch("a", 0, "email", "e").expect("touch");
        b.add_conversion("a", DAY, 10.0).expect("conversion");
        b.add_conversion("a", 2 * DAY, 20.0).expect("conversion");
        let one = b
            .build(&JourneyParams::default().observed_until(30 * DAY))
            .expect("build");
        assert_eq!(one.converting(), 1);
        assert_eq!(one.conversions_without_touches, 1);
        let shared = b
            .build(
                &JourneyParams::default()
                    .observed_until(30 * DAY)
                    .touch_serves_one_conversion(false),
            )
            .expect("build");
        assert_eq!(shared.converting(), 2);
        assert_eq!(shared.conversions_without_touches, 0);
    }

    #[test]
    fn distant_unconverted_touches_are_separate_journeys() {
        let mut b = JourneyBuilder::new();
        for day in [0, 3, 20] {
            b.add_touch("a", day * DAY, "push", "p").expect("touch");
        }
        let j = b
            .build(&JourneyParams::default().observed_until(60 * DAY))
            .expect("build");
        let sizes: Vec<usize> = j.journeys.iter().map(|j| j.touch_count).collect();
        assert_eq!(sizes, vec![2, 1]);
    }

    #[test]
    fn organic_expectation_uses_the_customer_rate() {
        // One customer observed for 100 days from a touch on day 0 (7 touched
        // days with a 7-day window), orders on days 50 and 70.
        // Observed-time rate: 2 / 100 per day → the journey expects 7 · 0.02.
        // Untouched-time rate: 2 / 93 per day → 7 · 2/93.
        let mut b = JourneyBuilder::new();
        b.add_touch("a", 0, "push", "p").expect("touch");
        b.add_conversion("a", 50 * DAY, 1.0).expect("conversion");
        b.add_conversion("a", 70 * DAY, 1.0).expect("conversion");
        let params = JourneyParams::default().lookback_days(7.0).observed_until(100 * DAY);
        let j = b.build(&params).expect("build");
        assert_eq!(j.journeys.len(), 1);
        assert!((j.journeys[0].exposure_days - 7.0).abs() < 1e-12);
        assert!((j.journeys[0].expected_organic - 0.14).abs() < 1e-12);
        let untouched = b
            .build(&params.clone().organic_baseline(OrganicBaseline::UntouchedTime))
            .expect("build");
        let expected = 7.0 * 2.0 / 93.0;
        assert!((untouched.journeys[0].expected_organic - expected).abs() < 1e-12);
        let off = b.build(&params.organic_baseline(OrganicBaseline::None)).expect("build");
        assert_eq!(off.journeys[0].expected_organic, 0.0);
        assert!("untouched".parse::<OrganicBaseline>().is_ok());
        assert!("sometimes".parse::<OrganicBaseline>().is_err());
    }

    #[test]
    fn an_opening_order_is_not_a_rate_event() {
        // Order on day 0 opens the observation; touch on day 10; observed to
        // day 100: no rate events over 100 days → expectation zero.
        let mut b = JourneyBuilder::new();
        b.add_conversion("a", 0, 1.0).expect("conversion");
        b.add_touch("a", 10 * DAY, "push", "p").expect("touch");
        let j = b
            .build(&JourneyParams::default().observed_until(100 * DAY))
            .expect("build");
        assert_eq!(j.journeys.len(), 1);
        assert_eq!(j.journeys[0].expected_organic, 0.0);
        assert_eq!(j.conversions_without_touches, 1);
    }

    #[test]
    fn bad_parameters_and_inputs_are_rejected() {
        for days in [0.0, -1.0, f64::NAN, 1e9] {
            let err = JourneyBuilder::new()
                .build(&JourneyParams::default().lookback_days(days))
                .expect_err("invalid window");
            assert!(matches!(
                err,
                AttributionError::InvalidParameter {
                    name: "lookback_days",
                    ..
                }
            ));
        }
        let mut b = JourneyBuilder::new();
        assert!(b.add_conversion("a", 0, -5.0).is_err());
        assert!(b.add_conversion("a", 0, f64::INFINITY).is_err());
        assert!(b.add_touch("a", 0, " ", "x").is_err());
    }

    #[test]
    fn paths_become_journeys() {
        let j = Journeys::from_paths(vec![(vec!["a", "b"], Some(2.0)), (vec!["b"], None)]).expect("paths");
        assert_eq!(j.channels, vec!["a", "b"]);
        assert_eq!(j.converting(), 1);
        assert!((j.converting_revenue() - 2.0).abs() < 1e-12);
        let empty: Vec<(Vec<&str>, Option<f64>)> = vec![(vec![], None)];
        assert!(Journeys::from_paths(empty).is_err());
    }
}
