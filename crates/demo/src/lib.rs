//! # huaxiang-demo: a realistic customer-data world, built in
//!
//! `huaxiang demo` has to work on a fresh laptop with no network, no database and no data of
//! one's own. A newcomer should be able to type one command and watch the whole system
//! (ingestion, the quality gate, identity resolution, features, segments, predictions,
//! attribution, experiments, natural-language questions) run end to end on data that looks
//! and misbehaves like a real Chinese e-commerce business. Shipping a data set would mean a
//! large download, a licence question and a fixed size; a generator is a few hundred
//! kilobytes of code, produces any size from a seed, and gives byte-identical files every
//! time, so tests and documentation can quote exact numbers.
//!
//! The data are not random noise. Every customer belongs to one of six latent segments
//! (high-value loyal, price-sensitive coupon users, night-time impulse buyers, dormant and
//! churning, new customers, browse-no-buy) whose parameters drive everything they do.
//! Purchases follow the BG/NBD story (a Poisson purchase rate and a dropout chance after each
//! repeat purchase), order values follow gamma-gamma, sessions walk a realistic funnel with
//! device cookies and mid-session logins, tickets are short Chinese messages whose topic and
//! sentiment are known, marketing touches cause a known number of extra orders, and one of
//! two A/B tests has a real effect. Because the generator knows the answers, it writes them
//! to `truth/`: models can be checked, not merely run.
//!
//! The data are also deliberately dirty, because clean demo data would hide the most
//! important parts of the product. Names, phones and emails go missing; birth years are
//! impossible; phones come in half a dozen formats; emails carry stray capitals and spaces.
//! About 1% of accounts are duplicates of the same person (sometimes with a homophone typo
//! in the name, 王伟 vs 王玮), about 0.5% carry a family member's phone, and a second source
//! system (a CRM) holds noisy copies of 60% of the people plus people the shop has never
//! seen. That dirt is what the quality gate must catch and what identity resolution must see
//! through, and `truth/identity.csv` says exactly which records are the same person.
//!
//! The file layout (names, columns, value formats) is the one of the reference generator in
//! `bench/gen_data.py`, so the same pipeline and the same benchmarks run on both; the numbers
//! differ, the schema and the kinds of behaviour and dirt do not.
//!
//! ```no_run
//! use huaxiang_demo::{generate, DemoOptions};
//! let summary = generate(&DemoOptions::default().with_customers(10_000), "demo-data".as_ref())?;
//! for (file, rows) in &summary.files {
//!     println!("{file}: {rows} rows");
//! }
//! # Ok::<(), huaxiang_demo::DemoError>(())
//! ```
//!
//! Generation is a pipeline of stages, one module each, every stage with its own seeded
//! random stream: `calendar` (time model), `catalog`, `population` (latent traits),
//! `purchases` (BG/NBD), `touches`, `orders`, `people`/`names`/`accounts`/`crm` (identity),
//! `sessions`/`events` (clickstream, streamed to disk), `tickets`, `experiment`, and
//! `customers`/`truth` (output). Only the events are large (about 37 per customer); they are
//! expanded session by session and never held in memory all at once.

mod accounts;
mod calendar;
mod catalog;
mod crm;
mod customers;
mod error;
mod events;
mod experiment;
mod names;
mod orders;
mod people;
mod population;
mod purchases;
mod random;
mod segments;
mod sessions;
mod tickets;
mod touches;
mod truth;
mod writer;

use std::path::Path;

pub use calendar::{CUTOFF, HISTORY_START};
pub use error::DemoError;

use random::{Rng, Stage};

/// The smallest supported number of customers.
pub const MIN_CUSTOMERS: usize = 1;
/// The largest supported number of customers.
pub const MAX_CUSTOMERS: usize = 2_000_000;

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// Number of customer accounts (default 2,000).
    pub customers: usize,
    /// Random seed; the same options always give byte-identical files (default 42).
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            customers: 2000,
            seed: 42,
        }
    }
}

impl DemoOptions {
    /// The defaults: 2,000 customers, seed 42.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the number of customer accounts.
    #[must_use]
    pub fn with_customers(mut self, customers: usize) -> Self {
        self.customers = customers;
        self
    }

    /// Sets the random seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSummary {
    /// Every file written, relative to the output directory (`truth/…` for the answers),
    /// with its number of data rows (the header not counted).
    pub files: Vec<(String, u64)>,
    /// The cutoff instant, `2026-07-01T00:00:00+08:00`: every row is strictly earlier.
    pub cutoff: String,
}

impl DemoSummary {
    /// Rows of one file, e.g. `summary.rows("orders.csv")`.
    pub fn rows(&self, file: &str) -> Option<u64> {
        self.files.iter().find(|(f, _)| f == file).map(|(_, r)| *r)
    }
}

/// Generates the demo data set into `out_dir` (created if needed; existing files with the
/// same names are overwritten).
///
/// Writes `customers.csv`, `crm_contacts.csv`, `products.csv`, `orders.csv`,
/// `order_items.csv`, `events.csv`, `tickets.csv`, `touches.csv`, `experiment.csv`, and the
/// planted answers `truth/identity.csv`, `truth/segments.csv` and `truth/tickets.csv`.
pub fn generate(opts: &DemoOptions, out_dir: &Path) -> Result<DemoSummary, DemoError> {
    if !(MIN_CUSTOMERS..=MAX_CUSTOMERS).contains(&opts.customers) {
        return Err(DemoError::InvalidCustomerCount {
            got: opts.customers,
            min: MIN_CUSTOMERS,
            max: MAX_CUSTOMERS,
        });
    }
    let truth_dir = out_dir.join("truth");
    for dir in [out_dir, truth_dir.as_path()] {
        std::fs::create_dir_all(dir).map_err(|source| DemoError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    let stage = |s: Stage| Rng::for_stage(opts.seed, s);

    // The world: catalogue, customers and what they do.
    let catalog = catalog::Catalog::generate(&mut stage(Stage::Catalog));
    let customers = population::generate(opts.customers, &catalog, &mut stage(Stage::Population));
    let (behaviour, organic) = purchases::simulate(&customers, &mut stage(Stage::Purchases));
    let touches = touches::plan(&customers, &behaviour, &organic, &mut stage(Stage::Touches));
    let orders = orders::OrderBook::build(
        &customers,
        &behaviour,
        &organic,
        &touches,
        &catalog,
        &mut stage(Stage::Orders),
    );
    drop(organic);

    // Who they are, in two source systems.
    let mut factory = people::PersonFactory::new();
    let identity = accounts::build(&customers, &mut factory, &mut stage(Stage::People));
    let crm = crm::generate(&identity, &mut factory, &mut stage(Stage::Crm));
    drop(factory);

    // The files.
    let mut files = Vec::with_capacity(11);
    let mut record = |name: &str, rows: u64| files.push((name.to_owned(), rows));
    let paid_spend = orders.paid_spend(customers.len());
    record(
        "customers.csv",
        customers::write(out_dir, &customers, &identity, &paid_spend, &mut stage(Stage::Dirt))?,
    );
    record("crm_contacts.csv", crm::write(out_dir, &crm)?);
    record("products.csv", catalog.write(out_dir)?);
    record("orders.csv", orders.write_orders(out_dir)?);
    record("order_items.csv", orders.write_items(out_dir, &catalog)?);
    let mut world = sessions::World {
        customers: &customers,
        orders: &orders,
        touches: &touches,
        catalog: &catalog,
        visitors: Vec::new(),
    };
    let plans = sessions::plan(
        &mut world,
        &behaviour,
        &mut stage(Stage::Sessions),
        &mut stage(Stage::Visitors),
    );
    record("events.csv", events::write(out_dir, &world, &plans)?);
    drop(plans);
    let (ticket_rows, ticket_truth_rows) = tickets::write(
        out_dir,
        &truth_dir,
        &customers,
        &behaviour,
        &orders,
        &catalog,
        &mut stage(Stage::Tickets),
    )?;
    record("tickets.csv", ticket_rows);
    record("touches.csv", touches::write(out_dir, &touches)?);
    record(
        "experiment.csv",
        experiment::write(out_dir, &customers, &mut stage(Stage::Experiment))?,
    );
    record(
        "truth/identity.csv",
        truth::write_identity(&truth_dir, &identity, &crm)?,
    );
    record("truth/segments.csv", truth::write_segments(&truth_dir, &customers)?);
    record("truth/tickets.csv", ticket_truth_rows);
    Ok(DemoSummary {
        files,
        cutoff: CUTOFF.to_owned(),
    })
}
