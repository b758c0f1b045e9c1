//! Implicit-feedback interaction log: who did what to which item, and when.
//!
//! Keys (customer ids, product ids) are interned into dense `u32` ids by a
//! [`Vocabulary`]. Filtering an [`Interactions`] (for a time split) shares the
//! vocabularies, so ids stay comparable between the full log, the training
//! part and a model fitted on it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{RecommendError, Result, invalid};

/// Kind of implicit feedback, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    /// The item was bought (an order line).
    Purchase,
    /// The item was added to the cart.
    Cart,
    /// The item's detail page was viewed.
    View,
}

/// Confidence weight of each interaction kind.
///
/// The defaults (purchase 1.0, cart 0.5, view 0.5) were chosen by measuring
/// recall@10 on the generated S, S3 and M data sets (see the crate
/// documentation). Weights add up per (user, item): an item viewed and
/// carted weighs 1.0, as much as one purchase.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct KindWeights {
    /// Weight of a purchase.
    pub purchase: f32,
    /// Weight of an add-to-cart.
    pub cart: f32,
    /// Weight of a product view.
    pub view: f32,
}

impl Default for KindWeights {
    fn default() -> Self {
        Self {
            purchase: 1.0,
            cart: 0.5,
            view: 0.5,
        }
    }
}

impl KindWeights {
    /// Purchases only (the "bestsellers" weighting).
    pub const PURCHASES_ONLY: Self = Self {
        purchase: 1.0,
        cart: 0.0,
        view: 0.0,
    };

    /// Weight of one interaction of `kind`.
    pub fn weight(&self, kind: InteractionKind) -> f32 {
        match kind {
            InteractionKind::Purchase => self.purchase,
            InteractionKind::Cart => self.cart,
            InteractionKind::View => self.view,
        }
    }

    /// All weights finite and non-negative, at least one positive.
    pub fn validate(&self) -> Result<()> {
        for (name, w) in [
            ("weights.purchase", self.purchase),
            ("weights.cart", self.cart),
            ("weights.view", self.view),
        ] {
            if !w.is_finite() || w < 0.0 {
                return Err(invalid(name, format!("must be finite and >= 0, got {w}")));
            }
        }
        if self.purchase + self.cart + self.view <= 0.0 {
            return Err(invalid("weights", "at least one weight must be positive"));
        }
        Ok(())
    }
}

/// Bidirectional map between string keys and dense `u32` ids.
#[derive(Clone, Debug, Default)]
pub struct Vocabulary {
    keys: Vec<String>,
    index: HashMap<String, u32>,
}

impl Vocabulary {
    /// Empty vocabulary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Id of `key`, inserting it if new. `what` names the key kind in errors.
    pub fn intern(&mut self, key: &str, what: &'static str) -> Result<u32> {
        if let Some(&id) = self.index.get(key) {
            return Ok(id);
        }
        let id = u32::try_from(self.keys.len()).map_err(|_| RecommendError::TooManyKeys(what))?;
        self.keys.push(key.to_owned());
        self.index.insert(key.to_owned(), id);
        Ok(id)
    }

    /// Id of an existing key.
    pub fn id(&self, key: &str) -> Option<u32> {
        self.index.get(key).copied()
    }

    /// Key of an id.
    pub fn key(&self, id: u32) -> Option<&str> {
        self.keys.get(id as usize).map(String::as_str)
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// No keys at all.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// All keys in id order.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }
}

/// One interaction with interned ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interaction {
    /// User id (see [`Interactions::users`]).
    pub user: u32,
    /// Item id (see [`Interactions::items`]).
    pub item: u32,
    /// What happened.
    pub kind: InteractionKind,
    /// When, unix seconds.
    pub time: i64,
}

/// An interaction log: rows plus the user and item vocabularies.
#[derive(Clone, Debug, Default)]
pub struct Interactions {
    users: Arc<Vocabulary>,
    items: Arc<Vocabulary>,
    rows: Vec<Interaction>,
}

impl Interactions {
    /// Empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empty log with room for `rows` interactions.
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            rows: Vec::with_capacity(rows),
            ..Self::default()
        }
    }

    /// Append one interaction, interning both keys.
    pub fn push(&mut self, user: &str, item: &str, kind: InteractionKind, time: i64) -> Result<()> {
        let user = Arc::make_mut(&mut self.users).intern(user, "user")?;
        let item = Arc::make_mut(&mut self.items).intern(item, "item")?;
        self.rows.push(Interaction { user, item, kind, time });
        Ok(())
    }

    /// All rows in insertion order.
    pub fn rows(&self) -> &[Interaction] {
        &self.rows
    }

    /// User vocabulary.
    pub fn users(&self) -> &Vocabulary {
        &self.users
    }

    /// Item vocabulary.
    pub fn items(&self) -> &Vocabulary {
        &self.items
    }

    pub(crate) fn users_arc(&self) -> Arc<Vocabulary> {
        Arc::clone(&self.users)
    }

    pub(crate) fn items_arc(&self) -> Arc<Vocabulary> {
        Arc::clone(&self.items)
    }

    /// Number of distinct users (including users with no rows left after a filter).
    pub fn n_users(&self) -> usize {
        self.users.len()
    }

    /// Number of distinct items (including items with no rows left after a filter).
    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Earliest and latest timestamp, `None` when empty.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        let min = self.rows.iter().map(|r| r.time).min()?;
        let max = self.rows.iter().map(|r| r.time).max()?;
        Some((min, max))
    }

    /// Latest purchase time, `None` when there is no purchase.
    pub fn max_purchase_time(&self) -> Option<i64> {
        self.rows
            .iter()
            .filter(|r| r.kind == InteractionKind::Purchase)
            .map(|r| r.time)
            .max()
    }

    /// Rows matching `keep`, sharing this log's vocabularies (ids unchanged).
    pub fn filter(&self, keep: impl Fn(&Interaction) -> bool) -> Self {
        Self {
            users: Arc::clone(&self.users),
            items: Arc::clone(&self.items),
            rows: self.rows.iter().filter(|r| keep(r)).copied().collect(),
        }
    }

    /// Rows strictly before `time` (the training side of a time split).
    pub fn before(&self, time: i64) -> Self {
        self.filter(|r| r.time < time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_filter_shares_ids() {
        let mut log = Interactions::new();
        log.push("u1", "a", InteractionKind::View, 10).expect("push");
        log.push("u2", "b", InteractionKind::Purchase, 20).expect("push");
        log.push("u1", "b", InteractionKind::Cart, 30).expect("push");
        assert_eq!(log.n_users(), 2);
        assert_eq!(log.n_items(), 2);
        assert_eq!(log.users().id("u1"), Some(0));
        assert_eq!(log.items().key(1), Some("b"));
        assert_eq!(log.time_range(), Some((10, 30)));
        assert_eq!(log.max_purchase_time(), Some(20));

        let early = log.before(30);
        assert_eq!(early.len(), 2);
        assert_eq!(early.n_items(), 2, "vocabulary is shared, not rebuilt");
        assert_eq!(early.items().id("b"), log.items().id("b"));
    }

    #[test]
    fn weights_validation() {
        assert!(KindWeights::default().validate().is_ok());
        let negative = KindWeights {
            view: -0.1,
            ..KindWeights::default()
        };
        assert!(negative.validate().is_err());
        let zero = KindWeights {
            purchase: 0.0,
            cart: 0.0,
            view: 0.0,
        };
        assert!(zero.validate().is_err());
        let nan = KindWeights {
            cart: f32::NAN,
            ..KindWeights::default()
        };
        assert!(nan.validate().is_err());
    }
}
