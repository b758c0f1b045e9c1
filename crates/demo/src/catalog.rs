//! The product catalogue: 2,000 products in 20 categories, and the planted bundles.
//!
//! List prices are log-normal around a category median and end in .9 like real shop prices.
//! Within a category some products are far more popular than others (a steep power law), and
//! ten *bundles* are planted: when an order holds the antecedent, the consequent is added with
//! a fixed probability, which association-rule mining should find.

use std::path::Path;

use crate::error::DemoError;
use crate::random::{Rng, Weighted};
use crate::segments::Segment;
use crate::writer::CsvWriter;

/// Categories: name, median list price (CNY), base popularity.
pub(crate) const CATEGORIES: [(&str, f64, f64); 20] = [
    ("服饰", 150.0, 10.0),
    ("鞋靴", 260.0, 6.0),
    ("箱包", 300.0, 3.0),
    ("美妆", 180.0, 8.0),
    ("个护清洁", 45.0, 8.0),
    ("母婴", 120.0, 5.0),
    ("食品饮料", 40.0, 10.0),
    ("生鲜", 60.0, 7.0),
    ("酒水", 150.0, 3.0),
    ("数码", 400.0, 4.0),
    ("手机", 2500.0, 2.0),
    ("电脑办公", 600.0, 2.0),
    ("家用电器", 800.0, 3.0),
    ("家居家纺", 120.0, 5.0),
    ("厨具", 90.0, 3.0),
    ("运动户外", 200.0, 4.0),
    ("图书", 45.0, 4.0),
    ("玩具乐器", 130.0, 3.0),
    ("宠物", 70.0, 3.0),
    ("珠宝配饰", 500.0, 2.0),
];

/// Number of products in the catalogue.
pub(crate) const N_PRODUCTS: usize = 2000;
/// Number of planted bundles.
const N_BUNDLES: usize = 10;

/// Name of a category index.
pub(crate) fn category_name(c: u8) -> &'static str {
    CATEGORIES[usize::from(c)].0
}

/// One product; its id is `P` + (index + 1) zero-padded to 5 digits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Product {
    pub category: u8,
    /// List price in cents.
    pub list_price: i64,
}

/// A planted association: `consequent` joins orders holding `antecedent`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bundle {
    pub antecedent: u16,
    pub consequent: u16,
    pub probability: f64,
}

/// The catalogue and its lookup structures.
pub(crate) struct Catalog {
    pub products: Vec<Product>,
    /// Per category: product indices sorted by list price.
    by_price: Vec<Vec<u16>>,
    /// Per category: product indices from the most to the least popular.
    by_popularity: Vec<Vec<u16>>,
    /// Category mix of shoppers without a preference.
    base_mix: Weighted,
    pub bundles: Vec<Bundle>,
}

impl Catalog {
    pub(crate) fn generate(rng: &mut Rng) -> Catalog {
        let total: f64 = CATEGORIES.iter().map(|c| c.2).sum();
        // Catalogue size per category: half proportional to popularity, half uniform.
        let size_w: Vec<f64> = CATEGORIES
            .iter()
            .map(|c| 0.5 * c.2 / total + 0.5 / CATEGORIES.len() as f64)
            .collect();
        let size_mix = Weighted::new(&size_w);
        let mut products = Vec::with_capacity(N_PRODUCTS);
        for _ in 0..N_PRODUCTS {
            let category = rng.pick(&size_mix) as u8;
            let median = CATEGORIES[usize::from(category)].1;
            let price = (median.ln() + rng.normal(0.0, 0.6)).exp();
            let price = if price > 20.0 {
                price.round() - 0.1
            } else {
                (price * 10.0).round() / 10.0
            };
            let list_price = ((price * 100.0).round() as i64).max(190);
            products.push(Product { category, list_price });
        }
        let mut by_price = vec![Vec::new(); CATEGORIES.len()];
        for (i, p) in products.iter().enumerate() {
            by_price[usize::from(p.category)].push(i as u16);
        }
        let mut by_popularity = by_price.clone();
        for list in &mut by_price {
            list.sort_by_key(|&i| (products[usize::from(i)].list_price, i));
        }
        for list in &mut by_popularity {
            rng.shuffle(list);
        }
        let base: Vec<f64> = CATEGORIES.iter().map(|c| c.2).collect();
        let mut catalog = Catalog {
            products,
            by_price,
            by_popularity,
            base_mix: Weighted::new(&base),
            bundles: Vec::new(),
        };
        catalog.bundles = catalog.plant_bundles(rng);
        catalog
    }

    /// Antecedents: the best seller of each of the ten most popular categories. Consequents:
    /// a mid-priced (10–200 CNY), rarely bought product of another category.
    fn plant_bundles(&self, rng: &mut Rng) -> Vec<Bundle> {
        let mut cats: Vec<usize> = (0..CATEGORIES.len()).collect();
        cats.sort_by(|&a, &b| CATEGORIES[b].2.total_cmp(&CATEGORIES[a].2).then(a.cmp(&b)));
        let mut bundles: Vec<Bundle> = Vec::with_capacity(N_BUNDLES);
        for &c in cats.iter().filter(|&&c| !self.by_popularity[c].is_empty()) {
            if bundles.len() == N_BUNDLES {
                break;
            }
            let antecedent = self.by_popularity[c][0];
            // Rare: outside the top 30% of its category's popularity ranking.
            let pool: Vec<u16> = self
                .by_popularity
                .iter()
                .enumerate()
                .filter(|&(other, _)| other != c)
                .flat_map(|(_, list)| list.iter().skip(list.len() * 3 / 10).copied())
                .filter(|&p| {
                    let price = self.products[usize::from(p)].list_price;
                    (1_000..=20_000).contains(&price) && !bundles.iter().any(|b| b.consequent == p || b.antecedent == p)
                })
                .collect();
            if pool.is_empty() {
                continue;
            }
            let consequent = pool[rng.below(pool.len())];
            let probability = (rng.uniform(0.30, 0.65) * 100.0).round() / 100.0;
            bundles.push(Bundle {
                antecedent,
                consequent,
                probability,
            });
        }
        bundles
    }

    /// A customer's three favourite categories, drawn without replacement from the base
    /// popularity tilted by the segment's preferences.
    pub(crate) fn favourites(&self, rng: &mut Rng, segment: Segment) -> [u8; 3] {
        let mut w: Vec<f64> = CATEGORIES
            .iter()
            .map(|(name, _, base)| {
                let tilt = segment
                    .params()
                    .category_tilt
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(1.0, |t| t.1);
                base * tilt
            })
            .collect();
        let mut fav = [0u8; 3];
        for f in &mut fav {
            let c = rng.pick(&Weighted::new(&w));
            *f = c as u8;
            w[c] = 0.0;
        }
        fav
    }

    /// A category for one line or view: the favourites 50/25/15% of the time, otherwise (or
    /// for an unknown visitor) the base mix.
    pub(crate) fn pick_category(&self, rng: &mut Rng, favourites: Option<&[u8; 3]>) -> u8 {
        let u = rng.unit();
        match favourites {
            Some(f) if u < 0.5 => f[0],
            Some(f) if u < 0.75 => f[1],
            Some(f) if u < 0.9 => f[2],
            _ => rng.pick(&self.base_mix) as u8,
        }
    }

    /// A product of the category, favouring the best sellers (rank ~ U³).
    pub(crate) fn pick_popular(&self, rng: &mut Rng, category: u8) -> u16 {
        let list = &self.by_popularity[usize::from(category)];
        if list.is_empty() {
            return self.pick_any(rng);
        }
        let r = (list.len() as f64 * rng.unit().powi(3)) as usize;
        list[r.min(list.len() - 1)]
    }

    /// A product of the category priced near `target` cents.
    pub(crate) fn pick_by_price(&self, rng: &mut Rng, category: u8, target: f64) -> u16 {
        let list = &self.by_price[usize::from(category)];
        if list.is_empty() {
            return self.pick_any(rng);
        }
        let i = list.partition_point(|&p| (self.products[usize::from(p)].list_price as f64) < target) as i64;
        let i = i + rng.normal(0.0, 3.0).round() as i64;
        list[i.clamp(0, list.len() as i64 - 1) as usize]
    }

    fn pick_any(&self, rng: &mut Rng) -> u16 {
        rng.below(self.products.len()) as u16
    }

    /// The product's category.
    pub(crate) fn category_of(&self, product: u16) -> u8 {
        self.products[usize::from(product)].category
    }

    /// Writes `products.csv`.
    pub(crate) fn write(&self, dir: &Path) -> Result<u64, DemoError> {
        let mut w = CsvWriter::create(dir, "products.csv", &["product_id", "category", "list_price"])?;
        for (i, p) in self.products.iter().enumerate() {
            w.id(b'P', i as u64 + 1, 5);
            w.str(category_name(p.category));
            w.money(p.list_price);
            w.end_row()?;
        }
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_complete_and_bundles_are_planted() {
        let mut rng = Rng::from_seed(5);
        let cat = Catalog::generate(&mut rng);
        assert_eq!(cat.products.len(), N_PRODUCTS);
        assert!(cat.products.iter().all(|p| p.list_price >= 190));
        assert!(cat.by_price.iter().all(|l| !l.is_empty()));
        assert_eq!(cat.bundles.len(), N_BUNDLES);
        for b in &cat.bundles {
            assert_ne!(cat.category_of(b.antecedent), cat.category_of(b.consequent));
            assert!((0.3..=0.65).contains(&b.probability));
        }
        let p = cat.pick_by_price(&mut rng, 10, 250_000.0);
        assert_eq!(cat.category_of(p), 10);
    }
}
