//! The customer population: each account's latent segment and behavioural traits.
//!
//! This is what the generator knows and the data only hint at. Accounts are numbered in
//! signup order (`C00000001` signed up first), as in a real system.

use crate::calendar::{self, DAY};
use crate::catalog::Catalog;
use crate::random::{Rng, Weighted};
use crate::segments::{ACQUISITION_CHANNELS, Segment};

/// Surfaces (session and online-order channels): app, web, mini_program.
pub(crate) const SURFACES: [&str; 3] = ["app", "web", "mini_program"];
/// Device types of `events.csv`: two phone systems, then two PC systems.
pub(crate) const DEVICES: [&str; 4] = ["ios", "android", "windows", "mac"];

/// The latent traits of one customer account.
#[derive(Clone, Debug)]
pub(crate) struct Customer {
    pub segment: Segment,
    /// Signup as a fractional day and as an instant (seconds since the history start).
    pub signup_day: f64,
    pub signup_ts: i64,
    /// Share of this customer's activity in the night window.
    pub night: f64,
    /// Probability of using a coupon on an order.
    pub coupon_propensity: f64,
    pub favourites: [u8; 3],
    /// Primary surface (index into [`SURFACES`]).
    pub surface: u8,
    /// Phone and PC device types (indices into [`DEVICES`]).
    pub phone_os: u8,
    pub pc_os: u8,
    /// Device cookies of the phone and the PC (15 hex digits each).
    pub anon_phone: u64,
    pub anon_pc: u64,
    /// Index into [`ACQUISITION_CHANNELS`].
    pub acquisition: u8,
}

/// Draws `n` customers, sorted by signup time.
pub(crate) fn generate(n: usize, catalog: &Catalog, rng: &mut Rng) -> Vec<Customer> {
    let shares: Vec<f64> = Segment::ALL.iter().map(|s| s.params().share).collect();
    let segment_mix = Weighted::new(&shares);
    let acquisition: Vec<Weighted> = Segment::ALL
        .iter()
        .map(|s| Weighted::new(&s.params().acquisition))
        .collect();
    debug_assert_eq!(ACQUISITION_CHANNELS.len(), 6);
    let surface_mix = Weighted::new(&[0.55, 0.15, 0.30]);

    // Segment and signup first, then number the accounts in signup order.
    let mut base: Vec<(i64, usize, Segment, f64, f64)> = (0..n)
        .map(|i| {
            let segment = Segment::ALL[rng.pick(&segment_mix)];
            let p = segment.params();
            let signup_day = rng.uniform(p.signup_days.0, p.signup_days.1);
            let night = rng.beta_mean(p.night, 8.0);
            let signup_ts = calendar::at(signup_day, calendar::time_of_day(rng, night));
            (signup_ts, i, segment, signup_day, night)
        })
        .collect();
    base.sort_by_key(|b| (b.0, b.1));

    base.into_iter()
        .map(|(signup_ts, _, segment, signup_day, night)| {
            let p = segment.params();
            Customer {
                segment,
                // Keep the fractional day consistent with the (possibly later) signup second.
                signup_day: signup_day.max(signup_ts as f64 / DAY as f64),
                signup_ts,
                night,
                coupon_propensity: rng.beta_mean(p.coupon, 6.0),
                favourites: catalog.favourites(rng, segment),
                surface: rng.pick(&surface_mix) as u8,
                phone_os: if rng.chance(0.4) { 0 } else { 1 },
                pc_os: if rng.chance(0.8) { 2 } else { 3 },
                anon_phone: rng.hex15(),
                anon_pc: rng.hex15(),
                acquisition: rng.pick(&acquisition[segment.index()]) as u8,
            }
        })
        .collect()
}
