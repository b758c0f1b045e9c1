//! Sessions: when they happen, and the funnel of events inside each one.
//!
//! Three kinds of session exist. *Browse* sessions of customers arrive at a segment-specific
//! rate while the customer is active (fading after signup for the dormant segment, with a
//! trickle after dropout). *Purchase* sessions end in the `purchase` event of an online order,
//! at exactly the order's time. *Visitor* sessions belong to cookies that never log in.
//!
//! Inside a session the events follow the funnel: start (app_open, page_view, or push_click
//! for push-driven app sessions) → page_view* → search* → product_view+ → coupon_claim? →
//! add_to_cart* → begin_checkout? → purchase?. About 60% of customer sessions are logged in
//! from the start, 30% log in part-way (earlier events carry only the device cookie) and 10%
//! stay anonymous; purchase sessions are always logged in by the purchase.
//!
//! A session is stored only as a small plan with its own random seed; [`expand`] turns a
//! plan into events on demand, so the events never have to be held in memory all at once.

use crate::calendar::{self, CUTOFF_S, DAY, HISTORY_DAYS};
use crate::catalog::Catalog;
use crate::orders::{OrderBook, STORE};
use crate::population::{Customer, SURFACES};
use crate::purchases::Behaviour;
use crate::random::Rng;
use crate::segments::Segment;
use crate::touches::{PUSH, Touches};

/// Event types of `events.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EventType {
    AppOpen,
    PageView,
    Search,
    ProductView,
    AddToCart,
    BeginCheckout,
    Purchase,
    PushClick,
    CouponClaim,
}

impl EventType {
    pub(crate) fn name(self) -> &'static str {
        match self {
            EventType::AppOpen => "app_open",
            EventType::PageView => "page_view",
            EventType::Search => "search",
            EventType::ProductView => "product_view",
            EventType::AddToCart => "add_to_cart",
            EventType::BeginCheckout => "begin_checkout",
            EventType::Purchase => "purchase",
            EventType::PushClick => "push_click",
            EventType::CouponClaim => "coupon_claim",
        }
    }
}

/// What a session is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SessionKind {
    /// A customer browsing without buying.
    Browse,
    /// A visitor who is never identified.
    Visitor,
    /// A customer session that ends with an online order.
    Purchase,
}

/// A session before expansion. Plans are sorted by start; the session id is the position + 1.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SessionPlan {
    pub start: i64,
    /// Customer index, or visitor index for visitor sessions.
    pub owner: u32,
    /// Order index for purchase sessions.
    pub order: u32,
    pub kind: SessionKind,
    pub seed: u64,
}

/// One event of an expanded session.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Event {
    /// Seconds after the session start.
    pub offset: i64,
    pub kind: EventType,
    pub product: Option<u16>,
    pub category: Option<u8>,
    /// Whether the customer is logged in at this event.
    pub identified: bool,
}

/// An expanded session: who, where, and the events.
#[derive(Clone, Debug, Default)]
pub(crate) struct Expanded {
    /// The customer behind the session (`None` for visitors).
    pub customer: Option<u32>,
    pub anon: u64,
    pub device: u8,
    pub channel: u8,
    pub events: Vec<Event>,
}

/// Everything session expansion reads.
pub(crate) struct World<'a> {
    pub customers: &'a [Customer],
    pub orders: &'a OrderBook,
    pub touches: &'a Touches,
    pub catalog: &'a Catalog,
    /// Device cookie of each anonymous visitor.
    pub visitors: Vec<u64>,
}

/// Share of visitors (people who are never identified) relative to the customers.
const VISITOR_SHARE: f64 = 0.04;
/// Browsing that continues after dropout, relative to the active rate.
const RESIDUAL_BROWSING: f64 = 0.08;
/// Days of normal browsing after the dropout purchase.
const BROWSE_AFTER_DEATH_DAYS: f64 = 30.0;

/// Plans every session before the cutoff, sorted by start. Also draws the visitors' cookies.
pub(crate) fn plan(
    world: &mut World<'_>,
    behaviour: &[Behaviour],
    rng: &mut Rng,
    visitor_rng: &mut Rng,
) -> Vec<SessionPlan> {
    let mut plans = Vec::with_capacity(world.customers.len() * 6);
    let end = HISTORY_DAYS as f64;
    for (i, (c, b)) in world.customers.iter().zip(behaviour).enumerate() {
        let p = c.segment.params();
        let active_end = if b.death_ts == i64::MAX {
            end
        } else {
            (b.death_ts as f64 / DAY as f64 + BROWSE_AFTER_DEATH_DAYS).min(end)
        };
        let window = (active_end - c.signup_day).max(0.0);
        let tau = p.browse_tau;
        let decayed = -(-window / tau).exp_m1(); // share of the decay curve inside the window
        let mut push = |rng: &mut Rng, day: f64| {
            let ts = calendar::at(day, calendar::time_of_day(rng, c.night)).max(c.signup_ts + 60);
            let seed = rng.next_u64();
            if ts < CUTOFF_S {
                plans.push(SessionPlan {
                    start: ts,
                    owner: i as u32,
                    order: u32::MAX,
                    kind: SessionKind::Browse,
                    seed,
                });
            }
        };
        for _ in 0..rng.poisson(p.browse_rate * tau * decayed) {
            // Inverse CDF of the exponentially decaying intensity.
            let day = c.signup_day - tau * (-rng.unit() * decayed).ln_1p();
            push(rng, day);
        }
        let after = (end - active_end).max(0.0);
        for _ in 0..rng.poisson(p.browse_rate * RESIDUAL_BROWSING * after) {
            let day = active_end + rng.unit() * after;
            push(rng, day);
        }
    }

    let n_visitors = ((world.customers.len() as f64 * VISITOR_SHARE).round() as usize).max(1);
    world.visitors = (0..n_visitors).map(|_| visitor_rng.hex15()).collect();
    for v in 0..n_visitors {
        for _ in 0..visitor_rng.geometric(0.6) {
            let day = visitor_rng.uniform(0.0, end);
            let start = calendar::at(day, calendar::time_of_day(visitor_rng, 0.15));
            plans.push(SessionPlan {
                start,
                owner: v as u32,
                order: u32::MAX,
                kind: SessionKind::Visitor,
                seed: visitor_rng.next_u64(),
            });
        }
    }

    // Purchase sessions end exactly at the order time.
    let mut scratch = Expanded::default();
    for (k, o) in world.orders.orders.iter().enumerate() {
        if o.channel == STORE {
            continue;
        }
        let mut plan = SessionPlan {
            start: o.ts,
            owner: o.customer,
            order: k as u32,
            kind: SessionKind::Purchase,
            seed: rng.next_u64(),
        };
        expand(world, &plan, &mut scratch);
        plan.start = o.ts - scratch.events.last().map_or(0, |e| e.offset);
        plans.push(plan);
    }
    plans.sort_by_key(|p| p.start);
    plans
}

/// Login modes: logged in from the start, login part-way, anonymous.
const LOGIN_MIX: [f64; 3] = [0.6, 0.3, 0.1];

/// Expands a session plan into its events (deterministic for a given plan).
pub(crate) fn expand(world: &World<'_>, plan: &SessionPlan, out: &mut Expanded) {
    let mut rng = Rng::from_seed(plan.seed);
    let rng = &mut rng;
    out.events.clear();
    let customer = match plan.kind {
        SessionKind::Visitor => None,
        _ => world.customers.get(plan.owner as usize),
    };
    let order = match plan.kind {
        SessionKind::Purchase => world.orders.orders.get(plan.order as usize),
        _ => None,
    };
    let segment = customer.map_or(Segment::BrowseNoBuy, |c| c.segment);
    let p = segment.params();

    // Where: surface, device and cookie.
    let surface = match (order, customer) {
        (Some(o), _) => o.channel,
        (None, Some(c)) if rng.chance(0.8) => c.surface,
        _ => rng.below(SURFACES.len()) as u8,
    };
    let web_pc = surface == 1 && rng.chance(0.5);
    match customer {
        Some(c) => {
            out.customer = Some(plan.owner);
            out.device = if web_pc { c.pc_os } else { c.phone_os };
            out.anon = if web_pc { c.anon_pc } else { c.anon_phone };
        }
        None => {
            out.customer = None;
            out.device = if surface == 1 {
                rng.below(4) as u8
            } else {
                rng.below(2) as u8
            };
            out.anon = world.visitors.get(plan.owner as usize).copied().unwrap_or(0);
        }
    }
    out.channel = surface;
    let pushed = match (order, plan.kind) {
        (Some(o), _) => o
            .touch
            .and_then(|t| world.touches.touches.get(t as usize))
            .is_some_and(|t| t.channel == PUSH),
        (None, SessionKind::Browse) => rng.chance(0.08),
        _ => false,
    };
    let start_type = match surface {
        0 if pushed => EventType::PushClick,
        0 => EventType::AppOpen,
        _ => EventType::PageView,
    };

    // How far down the funnel.
    let lines = order.map_or(&[][..], |o| world.orders.lines_of(o));
    let page_views = rng.poisson(0.2);
    let searches = if rng.chance(p.search_p) {
        1 + rng.poisson(0.3)
    } else {
        0
    };
    let views = match order {
        Some(_) => lines.len() as u32 + rng.poisson(0.3),
        None => 1 + rng.poisson(p.views_mean),
    };
    let claims = match order {
        Some(o) if o.coupon => u32::from(rng.chance(0.5)),
        _ => u32::from(rng.chance(p.claim_p)),
    };
    let carts = match order {
        Some(_) => lines.len() as u32,
        None if rng.chance(p.view_to_cart) => 1 + rng.poisson(0.3),
        None => 0,
    };
    let checkout = match order {
        Some(_) => true,
        None => carts > 0 && rng.chance(p.cart_to_checkout),
    };

    // Viewed products: the order's products first, then browsing picks.
    let favourites = customer.map(|c| &c.favourites);
    let mut viewed: Vec<u16> = Vec::with_capacity(views as usize);
    for r in 0..views as usize {
        let product = match lines.get(r) {
            Some(l) => l.product,
            None => {
                let cat = world.catalog.pick_category(rng, favourites);
                world.catalog.pick_popular(rng, cat)
            }
        };
        viewed.push(product);
    }
    let first_category = viewed.first().map(|&p| world.catalog.category_of(p));

    let mut add = |kind: EventType, product: Option<u16>, category: Option<u8>| {
        out.events.push(Event {
            offset: 0,
            kind,
            product,
            category,
            identified: false,
        });
    };
    add(start_type, None, None);
    for _ in 0..page_views {
        add(EventType::PageView, None, None);
    }
    for _ in 0..searches {
        add(EventType::Search, None, first_category);
    }
    for &v in &viewed {
        add(EventType::ProductView, Some(v), Some(world.catalog.category_of(v)));
    }
    for _ in 0..claims {
        add(EventType::CouponClaim, None, None);
    }
    for r in 0..carts as usize {
        let Some(&product) = viewed.get(r).or(viewed.last()) else {
            break;
        };
        add(
            EventType::AddToCart,
            Some(product),
            Some(world.catalog.category_of(product)),
        );
    }
    if checkout {
        add(EventType::BeginCheckout, None, None);
    }
    if order.is_some() {
        add(EventType::Purchase, None, None);
    }

    // When: a few seconds to minutes between events.
    let mut offset = 0i64;
    for e in out.events.iter_mut().skip(1) {
        offset += 3 + rng.exponential(45.0) as i64;
        e.offset = offset;
    }

    // Who: logged in, login part-way, or anonymous.
    let n = out.events.len();
    let u = rng.unit();
    let mut mode = if u < LOGIN_MIX[0] {
        0
    } else if u < LOGIN_MIX[0] + LOGIN_MIX[1] {
        1
    } else {
        2
    };
    if order.is_some() && mode == 2 {
        mode = 1;
    }
    if mode == 1 && n < 2 {
        mode = 0;
    }
    if customer.is_none() {
        mode = 2;
    }
    let login_at = 1 + rng.below((n - 1).max(1));
    for (pos, e) in out.events.iter_mut().enumerate() {
        e.identified = match mode {
            0 => true,
            1 => pos >= login_at,
            _ => false,
        };
    }
}
