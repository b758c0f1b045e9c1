//! Credit tables: what each channel and campaign is credited with.
//!
//! [`attribute`] runs one [`Model`] over [`Journeys`]:
//!
//! * **Rule-based models** split every converting journey's one conversion and
//!   its value over the journey's touches ([`crate::rules`]); a touch's share
//!   goes to its channel and its campaign.
//! * **Data-driven models** learn one weight per channel from all journeys — the
//!   removal effect ([`crate::markov`]) or the Shapley value
//!   ([`crate::shapley`], negative values clipped to zero) — and hand out the
//!   converting journeys and their revenue in proportion to it, as
//!   ChannelAttribution does. A channel's credit is then split over its
//!   campaigns in proportion to the campaigns' share of the channel's touches
//!   in converting journeys (each journey counted once per channel, its value
//!   for revenue).
//!
//! Either way the channel credits add up to the converting journeys and their
//! revenue, a channel's campaigns add up to the channel, and conversions with no
//! touch in their window are reported as direct, credited to no channel.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{AttributionError, Result};
use crate::journey::Journeys;
use crate::markov::MarkovChain;
use crate::model::Model;
use crate::shapley::shapley_values;

/// What one channel is credited with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelCredit {
    /// The channel's name.
    pub channel: String,
    /// Credited conversions (fractional).
    pub conversions: f64,
    /// Credited revenue.
    pub revenue: f64,
    /// The channel's touches in all journeys (converting or not).
    pub touches: usize,
    /// The channel's touches in converting journeys.
    pub converting_touches: usize,
    /// The data-driven model's raw weight: the removal effect (Markov) or the
    /// Shapley value in incremental conversions (Shapley, before clipping at
    /// zero). `None` for rule-based models.
    pub weight: Option<f64>,
    /// The channel's cost, when supplied ([`Attribution::with_costs`]).
    pub cost: Option<f64>,
    /// `(revenue − cost) / cost`, when a positive cost was supplied.
    pub roi: Option<f64>,
}

/// What one campaign is credited with.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignCredit {
    /// The campaign's name.
    pub campaign: String,
    /// The channel it ran in.
    pub channel: String,
    /// Credited conversions (fractional).
    pub conversions: f64,
    /// Credited revenue.
    pub revenue: f64,
    /// The campaign's touches in all journeys.
    pub touches: usize,
    /// The campaign's touches in converting journeys.
    pub converting_touches: usize,
    /// The campaign's cost, when supplied.
    pub cost: Option<f64>,
    /// `(revenue − cost) / cost`, when a positive cost was supplied.
    pub roi: Option<f64>,
}

/// The result of one model over one set of journeys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribution {
    /// The model, in its command-line form (e.g. `time_decay:7`).
    pub model: String,
    /// Per channel, sorted by name.
    pub channels: Vec<ChannelCredit>,
    /// Per campaign, sorted by channel then campaign name.
    pub campaigns: Vec<CampaignCredit>,
    /// Journeys (converting and not).
    pub journeys: usize,
    /// Journeys ending in a conversion.
    pub converting_journeys: usize,
    /// Conversions with at least one touch in their window (the credited ones;
    /// equal to `converting_journeys`).
    pub conversions_with_touches: usize,
    /// Direct/organic conversions: no touch in their window, no channel credit.
    pub conversions_without_touches: usize,
    /// Revenue of the converting journeys (the credited revenue).
    pub revenue_with_touches: f64,
    /// Revenue of the direct conversions.
    pub revenue_without_touches: f64,
}

/// Costs per channel and per campaign, for ROI.
///
/// Campaign costs are matched by campaign name; a name that occurs in several
/// channels has its cost split over them in proportion to their touches.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Costs {
    /// Channel name → cost.
    pub channels: HashMap<String, f64>,
    /// Campaign name → cost.
    pub campaigns: HashMap<String, f64>,
}

impl Costs {
    /// Adds (or replaces) a channel's cost.
    #[must_use]
    pub fn channel(mut self, channel: &str, cost: f64) -> Self {
        self.channels.insert(channel.to_string(), cost);
        self
    }

    /// Adds (or replaces) a campaign's cost.
    #[must_use]
    pub fn campaign(mut self, campaign: &str, cost: f64) -> Self {
        self.campaigns.insert(campaign.to_string(), cost);
        self
    }

    /// Checks that every cost is finite and non-negative.
    pub fn validate(&self) -> Result<()> {
        for (name, cost) in self.channels.iter().chain(&self.campaigns) {
            if !cost.is_finite() || *cost < 0.0 {
                return Err(AttributionError::param(
                    "cost",
                    format!("{name}={cost}"),
                    "must be a finite non-negative amount",
                ));
            }
        }
        Ok(())
    }
}

fn roi(revenue: f64, cost: f64) -> Option<f64> {
    (cost > 0.0).then(|| (revenue - cost) / cost)
}

impl Attribution {
    /// Attaches costs and ROI. Channels and campaigns without a cost keep
    /// `None`; a zero cost is recorded but has no ROI.
    pub fn with_costs(mut self, costs: &Costs) -> Result<Self> {
        costs.validate()?;
        for credit in &mut self.channels {
            credit.cost = costs.channels.get(&credit.channel).copied();
            credit.roi = credit.cost.and_then(|c| roi(credit.revenue, c));
        }
        let mut touches_by_name: HashMap<&str, usize> = HashMap::new();
        for credit in &self.campaigns {
            *touches_by_name.entry(credit.campaign.as_str()).or_insert(0) += credit.touches;
        }
        let mut costs_of: Vec<Option<f64>> = Vec::with_capacity(self.campaigns.len());
        for credit in &self.campaigns {
            let cost = costs.campaigns.get(&credit.campaign).map(|&total| {
                let all = touches_by_name.get(credit.campaign.as_str()).copied().unwrap_or(0);
                if all == 0 {
                    total
                } else {
                    total * credit.touches as f64 / all as f64
                }
            });
            costs_of.push(cost);
        }
        for (credit, cost) in self.campaigns.iter_mut().zip(costs_of) {
            credit.cost = cost;
            credit.roi = cost.and_then(|c| roi(credit.revenue, c));
        }
        Ok(self)
    }

    /// The credit of one channel, by name.
    pub fn channel(&self, name: &str) -> Option<&ChannelCredit> {
        self.channels.iter().find(|c| c.channel == name)
    }
}

/// Runs `model` over `journeys`.
pub fn attribute(journeys: &Journeys, model: &Model) -> Result<Attribution> {
    model.validate()?;
    let n_channels = journeys.channels.len();
    let n_campaigns = journeys.campaigns.len();
    let mut ch_conv = vec![0.0; n_channels];
    let mut ch_rev = vec![0.0; n_channels];
    let mut cp_conv = vec![0.0; n_campaigns];
    let mut cp_rev = vec![0.0; n_campaigns];
    let mut ch_touches = vec![0usize; n_channels];
    let mut ch_conv_touches = vec![0usize; n_channels];
    let mut cp_touches = vec![0usize; n_campaigns];
    let mut cp_conv_touches = vec![0usize; n_campaigns];
    let mut converting = 0usize;
    let mut revenue = 0.0;
    for journey in &journeys.journeys {
        let converted = journey.conversion.is_some();
        if let Some(c) = journey.conversion {
            converting += 1;
            revenue += c.value;
        }
        for t in journeys.touches_of(journey) {
            ch_touches[t.channel as usize] += 1;
            cp_touches[t.campaign as usize] += 1;
            if converted {
                ch_conv_touches[t.channel as usize] += 1;
                cp_conv_touches[t.campaign as usize] += 1;
            }
        }
    }

    let mut weights: Option<Vec<f64>> = None;
    match (model.rule(), model) {
        (Some(rule), _) => {
            let mut times = Vec::new();
            let mut w = Vec::new();
            for journey in &journeys.journeys {
                let Some(conv) = journey.conversion else {
                    continue;
                };
                let touches = journeys.touches_of(journey);
                times.clear();
                times.extend(touches.iter().map(|t| t.time));
                rule.weights(&times, conv.time, &mut w);
                for (t, &share) in touches.iter().zip(&w) {
                    ch_conv[t.channel as usize] += share;
                    ch_rev[t.channel as usize] += share * conv.value;
                    cp_conv[t.campaign as usize] += share;
                    cp_rev[t.campaign as usize] += share * conv.value;
                }
            }
        }
        (None, Model::Markov { order }) => {
            let chain = MarkovChain::fit(journeys, *order)?;
            let effects = chain.removal_effects()?;
            allocate(
                journeys,
                &effects,
                converting,
                revenue,
                &mut Alloc {
                    ch_conv: &mut ch_conv,
                    ch_rev: &mut ch_rev,
                    cp_conv: &mut cp_conv,
                    cp_rev: &mut cp_rev,
                },
            );
            weights = Some(effects);
        }
        (None, _) => {
            let phi = shapley_values(journeys)?;
            let clipped: Vec<f64> = phi.iter().map(|&p| p.max(0.0)).collect();
            allocate(
                journeys,
                &clipped,
                converting,
                revenue,
                &mut Alloc {
                    ch_conv: &mut ch_conv,
                    ch_rev: &mut ch_rev,
                    cp_conv: &mut cp_conv,
                    cp_rev: &mut cp_rev,
                },
            );
            weights = Some(phi);
        }
    }

    let mut channels: Vec<ChannelCredit> = (0..n_channels)
        .map(|c| ChannelCredit {
            channel: journeys.channels[c].clone(),
            conversions: ch_conv[c],
            revenue: ch_rev[c],
            touches: ch_touches[c],
            converting_touches: ch_conv_touches[c],
            weight: weights.as_ref().map(|w| w[c]),
            cost: None,
            roi: None,
        })
        .collect();
    channels.sort_by(|a, b| a.channel.cmp(&b.channel));
    let mut campaigns: Vec<CampaignCredit> = journeys
        .campaigns
        .iter()
        .enumerate()
        .map(|(k, camp)| CampaignCredit {
            campaign: camp.name.clone(),
            channel: journeys.channels[camp.channel as usize].clone(),
            conversions: cp_conv[k],
            revenue: cp_rev[k],
            touches: cp_touches[k],
            converting_touches: cp_conv_touches[k],
            cost: None,
            roi: None,
        })
        .collect();
    campaigns.sort_by(|a, b| a.channel.cmp(&b.channel).then_with(|| a.campaign.cmp(&b.campaign)));
    Ok(Attribution {
        model: model.to_string(),
        channels,
        campaigns,
        journeys: journeys.journeys.len(),
        converting_journeys: converting,
        conversions_with_touches: converting,
        conversions_without_touches: journeys.conversions_without_touches,
        revenue_with_touches: revenue,
        revenue_without_touches: journeys.revenue_without_touches,
    })
}

struct Alloc<'a> {
    ch_conv: &'a mut [f64],
    ch_rev: &'a mut [f64],
    cp_conv: &'a mut [f64],
    cp_rev: &'a mut [f64],
}

/// Hands out `conversions` and `revenue` over channels in proportion to
/// `weights`, then over each channel's campaigns (module docs).
fn allocate(journeys: &Journeys, weights: &[f64], conversions: usize, revenue: f64, out: &mut Alloc<'_>) {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return;
    }
    for (c, &w) in weights.iter().enumerate() {
        out.ch_conv[c] = conversions as f64 * w / total;
        out.ch_rev[c] = revenue * w / total;
    }
    // Campaign shares within each channel.
    let n_campaigns = journeys.campaigns.len();
    let mut share = vec![0.0; n_campaigns];
    let mut value_share = vec![0.0; n_campaigns];
    let mut per_channel = vec![0usize; journeys.channels.len()];
    for journey in &journeys.journeys {
        let Some(conv) = journey.conversion else {
            continue;
        };
        let touches = journeys.touches_of(journey);
        for t in touches {
            per_channel[t.channel as usize] += 1;
        }
        for t in touches {
            let n = per_channel[t.channel as usize] as f64;
            share[t.campaign as usize] += 1.0 / n;
            value_share[t.campaign as usize] += conv.value / n;
        }
        for t in touches {
            per_channel[t.channel as usize] = 0;
        }
    }
    let mut channel_share = vec![0.0; journeys.channels.len()];
    let mut channel_value_share = vec![0.0; journeys.channels.len()];
    for (k, camp) in journeys.campaigns.iter().enumerate() {
        channel_share[camp.channel as usize] += share[k];
        channel_value_share[camp.channel as usize] += value_share[k];
    }
    for (k, camp) in journeys.campaigns.iter().enumerate() {
        let c = camp.channel as usize;
        if channel_share[c] > 0.0 {
            out.cp_conv[k] = out.ch_conv[c] * share[k] / channel_share[c];
        }
        if channel_value_share[c] > 0.0 {
            out.cp_rev[k] = out.ch_rev[c] * value_share[k] / channel_value_share[c];
        } else if channel_share[c] > 0.0 {
            out.cp_rev[k] = out.ch_rev[c] * share[k] / channel_share[c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::{JourneyBuilder, JourneyParams};

    const DAY: i64 = 86_400;

    fn sample() -> Journeys {
        let mut b = JourneyBuilder::new();
        // a: email(e1) → push(p1) → order 100
        b.add_touch("a", 0, "email", "e1").expect("touch");
        b.add_touch("a", DAY, "push", "p1").expect("touch");
        b.add_conversion("a", 2 * DAY, 100.0).expect("conversion");
        // b: push(p2) → sms(s1) → push(p1) → order 40
        b.add_touch("b", 0, "push", "p2").expect("touch");
        b.add_touch("b", DAY, "sms", "s1").expect("touch");
        b.add_touch("b", 2 * DAY, "push", "p1").expect("touch");
        b.add_conversion("b", 3 * DAY, 40.0).expect("conversion");
        // c: sms → nothing; direct order later
        b.add_touch("c", 0, "sms", "s1").expect("touch");
        b.add_conversion("c", 30 * DAY, 10.0).expect("conversion");
        b.build(&JourneyParams::default().observed_until(60 * DAY))
            .expect("build")
    }

    fn conv(a: &Attribution, channel: &str) -> f64 {
        a.channel(channel).map_or(f64::NAN, |c| c.conversions)
    }

    #[test]
    fn every_model_conserves_conversions_and_revenue() {
        let journeys = sample();
        for model in Model::defaults() {
            let a = attribute(&journeys, &model).expect("attribute");
            assert_eq!(a.converting_journeys, 2);
            assert_eq!(a.conversions_without_touches, 1);
            assert!((a.revenue_without_touches - 10.0).abs() < 1e-9);
            let total: f64 = a.channels.iter().map(|c| c.conversions).sum();
            let revenue: f64 = a.channels.iter().map(|c| c.revenue).sum();
            let camp_total: f64 = a.campaigns.iter().map(|c| c.conversions).sum();
            let camp_revenue: f64 = a.campaigns.iter().map(|c| c.revenue).sum();
            if model == Model::Shapley {
                // The organic expectation may leave nothing to hand out on a
                // sample this small; whatever is handed out is conserved.
                assert!(total <= 2.0 + 1e-9);
            } else {
                assert!((total - 2.0).abs() < 1e-9, "{model}: {total}");
                assert!((revenue - 140.0).abs() < 1e-9, "{model}: {revenue}");
            }
            assert!((camp_total - total).abs() < 1e-9, "{model}");
            assert!((camp_revenue - revenue).abs() < 1e-9, "{model}");
        }
    }

    #[test]
    fn rule_splits_by_hand() {
        let journeys = sample();
        let last = attribute(&journeys, &Model::Last).expect("attribute");
        assert!((conv(&last, "push") - 2.0).abs() < 1e-12);
        assert!((conv(&last, "email")).abs() < 1e-12);
        let first = attribute(&journeys, &Model::First).expect("attribute");
        assert!((conv(&first, "email") - 1.0).abs() < 1e-12);
        assert!((conv(&first, "push") - 1.0).abs() < 1e-12);
        let linear = attribute(&journeys, &Model::Linear).expect("attribute");
        // a: email ½, push ½; b: push ⅔, sms ⅓.
        assert!((conv(&linear, "email") - 0.5).abs() < 1e-12);
        assert!((conv(&linear, "push") - (0.5 + 2.0 / 3.0)).abs() < 1e-12);
        assert!((conv(&linear, "sms") - 1.0 / 3.0).abs() < 1e-12);
        let push = linear.channel("push").expect("push");
        assert!((push.revenue - (50.0 + 80.0 / 3.0)).abs() < 1e-9);
        assert_eq!(push.touches, 3);
        let sms = linear.channel("sms").expect("sms");
        assert_eq!((sms.touches, sms.converting_touches), (2, 1));
        let position = attribute(&journeys, &Model::Position { first: 0.4, last: 0.4 }).expect("attribute");
        // a: email ½, push ½; b: push(p2) 0.4 + push(p1) 0.4, sms 0.2.
        assert!((conv(&position, "push") - 1.3).abs() < 1e-12);
        assert!((conv(&position, "sms") - 0.2).abs() < 1e-12);
        // Campaign p1 gets ½ (a) + 0.4 (b).
        let p1 = position.campaigns.iter().find(|c| c.campaign == "p1").expect("p1");
        assert!((p1.conversions - 0.9).abs() < 1e-12);
    }

    #[test]
    fn markov_matches_the_classic_example() {
        let journeys = Journeys::from_paths(vec![
            (vec!["C1", "C2", "C3"], Some(10.0)),
            (vec!["C1"], None),
            (vec!["C2", "C3"], None),
        ])
        .expect("paths");
        let a = attribute(&journeys, &Model::Markov { order: 1 }).expect("attribute");
        for (name, share) in [("C1", 0.2), ("C2", 0.4), ("C3", 0.4)] {
            let c = a.channel(name).expect("channel");
            assert!((c.conversions - share).abs() < 1e-12, "{name}");
            assert!((c.revenue - 10.0 * share).abs() < 1e-9, "{name}");
        }
        assert!((a.channel("C1").and_then(|c| c.weight).unwrap_or(0.0) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn costs_give_roi() {
        let journeys = sample();
        let costs = Costs::default()
            .channel("push", 50.0)
            .channel("sms", 0.0)
            .campaign("p1", 20.0);
        let a = attribute(&journeys, &Model::Last)
            .expect("attribute")
            .with_costs(&costs)
            .expect("costs");
        let push = a.channel("push").expect("push");
        // Last touch: push takes both orders, 140 revenue.
        assert_eq!(push.cost, Some(50.0));
        assert!((push.roi.expect("roi") - 1.8).abs() < 1e-12);
        let sms = a.channel("sms").expect("sms");
        assert_eq!((sms.cost, sms.roi), (Some(0.0), None));
        assert_eq!(a.channel("email").and_then(|c| c.cost), None);
        let p1 = a.campaigns.iter().find(|c| c.campaign == "p1").expect("p1");
        assert!((p1.roi.expect("roi") - 6.0).abs() < 1e-12);
        let bad = Costs::default().channel("push", -1.0);
        assert!(
            attribute(&journeys, &Model::Last)
                .expect("attribute")
                .with_costs(&bad)
                .is_err()
        );
    }

    #[test]
    fn shapley_without_baseline_is_the_distinct_channel_split() {
        let mut journeys = sample();
        for j in &mut journeys.journeys {
            j.expected_organic = 0.0;
        }
        let a = attribute(&journeys, &Model::Shapley).expect("attribute");
        // a: {email, push} → ½ each; b: {push, sms} → ½ each; c: {sms} null.
        assert!((conv(&a, "push") - 1.0).abs() < 1e-12);
        assert!((conv(&a, "email") - 0.5).abs() < 1e-12);
        assert!((conv(&a, "sms") - 0.5).abs() < 1e-12);
        // Campaigns of push: p1 in both journeys, p2 in b (b has two push
        // touches: p1 and p2 share b's count): p1 = 1.5/2, p2 = 0.5/2.
        let p1 = a.campaigns.iter().find(|c| c.campaign == "p1").expect("p1");
        let p2 = a.campaigns.iter().find(|c| c.campaign == "p2").expect("p2");
        assert!((p1.conversions - 0.75).abs() < 1e-12);
        assert!((p2.conversions - 0.25).abs() < 1e-12);
    }
}
