//! Lifecycle stages: where each customer stands on a given day, from their
//! order history.
//!
//! Only orders at or before `as_of` count (so a past date gives the stages
//! as they were then). Ages are `as_of − order time`, in whole milliseconds
//! against `days × 86 400 000`; see [`LifecycleRules`] for the table.

use serde::{Deserialize, Serialize};

use crate::error::{BehaviorError, Result};
use crate::times::ActorTimes;

const DAY_MS: i64 = 86_400_000;

/// Lifecycle thresholds, in days. The stage of an actor on `as_of` is the
/// first row that applies (`first` / `last` = first and latest order at or
/// before `as_of`, `previous` = the order before `last`, age = `as_of −`
/// time; defaults in brackets):
///
/// | stage | rule |
/// | --- | --- |
/// | *(not counted)* | no order, and signed up after `as_of` |
/// | `prospect` | no order (signed up at or before `as_of`, or sign-up unknown) |
/// | `new` | age of `first` ≤ `new_days` \[30\] |
/// | `returning` | age of `last` ≤ `active_days` \[90\] and `last − previous` > `returning_gap_days` \[90\] |
/// | `active` | age of `last` ≤ `active_days` \[90\] (a single order, or the gap before `last` ≤ `returning_gap_days`) |
/// | `dormant` | `active_days` < age of `last` ≤ `churn_days` \[180\] |
/// | `churned` | age of `last` > `churn_days` \[180\] |
///
/// Boundaries: an order exactly 30 days old is still `new`, exactly 90 days
/// still `active`, exactly 180 days still `dormant`; a gap of exactly 90
/// days is not a return. In SQL, with `LAG(order_time)` per customer for
/// `previous` and `interval 'n days'` comparisons, the table reads the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LifecycleRules {
    /// A first order at most this old makes the actor `new`.
    pub new_days: u32,
    /// A latest order at most this old makes the actor `active` or `returning`.
    pub active_days: u32,
    /// A gap longer than this before the latest order makes it `returning`.
    pub returning_gap_days: u32,
    /// A latest order older than this makes the actor `churned`.
    pub churn_days: u32,
}

impl Default for LifecycleRules {
    fn default() -> Self {
        Self {
            new_days: 30,
            active_days: 90,
            returning_gap_days: 90,
            churn_days: 180,
        }
    }
}

impl LifecycleRules {
    /// Checks all thresholds are positive and `new_days ≤ active_days <
    /// churn_days`.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("new_days", self.new_days),
            ("active_days", self.active_days),
            ("returning_gap_days", self.returning_gap_days),
            ("churn_days", self.churn_days),
        ] {
            if v == 0 {
                return Err(BehaviorError::InvalidParameter {
                    name,
                    reason: "must be at least 1 day".to_owned(),
                });
            }
        }
        if self.new_days > self.active_days {
            return Err(BehaviorError::InvalidParameter {
                name: "new_days",
                reason: format!(
                    "must not exceed active_days ({}), got {}",
                    self.active_days, self.new_days
                ),
            });
        }
        if self.churn_days <= self.active_days {
            return Err(BehaviorError::InvalidParameter {
                name: "churn_days",
                reason: format!(
                    "must exceed active_days ({}), got {}",
                    self.active_days, self.churn_days
                ),
            });
        }
        Ok(())
    }
}

/// A lifecycle stage (see [`LifecycleRules`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Known, never ordered.
    Prospect,
    /// First order recently.
    New,
    /// Ordering regularly.
    Active,
    /// Ordered again after a long gap.
    Returning,
    /// No recent order, not yet lost.
    Dormant,
    /// No order for a long time.
    Churned,
}

impl Stage {
    /// All stages in funnel order.
    pub const ALL: [Stage; 6] = [
        Stage::Prospect,
        Stage::New,
        Stage::Active,
        Stage::Returning,
        Stage::Dormant,
        Stage::Churned,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Prospect => "prospect",
            Stage::New => "new",
            Stage::Active => "active",
            Stage::Returning => "returning",
            Stage::Dormant => "dormant",
            Stage::Churned => "churned",
        }
    }
}

/// Actors per stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StageCounts {
    /// Never ordered.
    pub prospect: u64,
    /// First order within `new_days`.
    pub new: u64,
    /// Ordering regularly.
    pub active: u64,
    /// Back after a long gap.
    pub returning: u64,
    /// Lapsing.
    pub dormant: u64,
    /// Lost.
    pub churned: u64,
    /// Actors not counted (signed up after `as_of`, no order).
    pub not_counted: u64,
}

impl StageCounts {
    /// The count of `stage`.
    pub fn get(&self, stage: Stage) -> u64 {
        match stage {
            Stage::Prospect => self.prospect,
            Stage::New => self.new,
            Stage::Active => self.active,
            Stage::Returning => self.returning,
            Stage::Dormant => self.dormant,
            Stage::Churned => self.churned,
        }
    }

    fn add(&mut self, stage: Option<Stage>) {
        let slot = match stage {
            None => &mut self.not_counted,
            Some(Stage::Prospect) => &mut self.prospect,
            Some(Stage::New) => &mut self.new,
            Some(Stage::Active) => &mut self.active,
            Some(Stage::Returning) => &mut self.returning,
            Some(Stage::Dormant) => &mut self.dormant,
            Some(Stage::Churned) => &mut self.churned,
        };
        *slot += 1;
    }
}

/// The result of [`lifecycle`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    /// The day evaluated (Unix ms).
    pub as_of_ms: i64,
    /// The thresholds used.
    pub rules: LifecycleRules,
    /// Actors per stage.
    pub counts: StageCounts,
    /// Stage per actor (`None`: not counted).
    pub stages: Vec<Option<Stage>>,
}

/// The stage of one actor from its ascending order times (see
/// [`LifecycleRules`]).
pub fn stage_of(orders: &[i64], signup_ms: Option<i64>, as_of_ms: i64, rules: &LifecycleRules) -> Option<Stage> {
    let upto = orders.partition_point(|&t| t <= as_of_ms);
    let orders = &orders[..upto];
    let (Some(&first), Some(&last)) = (orders.first(), orders.last()) else {
        return match signup_ms {
            Some(s) if s > as_of_ms => None,
            _ => Some(Stage::Prospect),
        };
    };
    let days = |d: u32| i64::from(d) * DAY_MS;
    let age_last = as_of_ms - last;
    Some(if as_of_ms - first <= days(rules.new_days) {
        Stage::New
    } else if age_last <= days(rules.active_days) {
        let gap = (upto >= 2).then(|| last - orders[upto - 2]);
        match gap {
            Some(g) if g > days(rules.returning_gap_days) => Stage::Returning,
            _ => Stage::Active,
        }
    } else if age_last <= days(rules.churn_days) {
        Stage::Dormant
    } else {
        Stage::Churned
    })
}

/// Every actor's stage on `as_of_ms`. `signup_ms` has one entry per actor of
/// `orders` (`None` when unknown).
pub fn lifecycle(
    orders: &ActorTimes,
    signup_ms: &[Option<i64>],
    as_of_ms: i64,
    rules: &LifecycleRules,
) -> Result<Lifecycle> {
    rules.validate()?;
    if signup_ms.len() != orders.actors() {
        return Err(BehaviorError::ActorCountMismatch {
            left: "orders",
            left_len: orders.actors(),
            right: "signup_ms",
            right_len: signup_ms.len(),
        });
    }
    let mut counts = StageCounts::default();
    let stages: Vec<Option<Stage>> = (0..orders.actors())
        .map(|a| {
            let s = stage_of(orders.get(a), signup_ms[a], as_of_ms, rules);
            counts.add(s);
            s
        })
        .collect();
    Ok(Lifecycle {
        as_of_ms,
        rules: *rules,
        counts,
        stages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1000 * DAY_MS;

    fn ago(days: i64) -> i64 {
        NOW - days * DAY_MS
    }

    fn stage(orders: &[i64]) -> Option<Stage> {
        stage_of(orders, None, NOW, &LifecycleRules::default())
    }

    #[test]
    fn each_stage_and_its_boundaries() {
        assert_eq!(stage(&[]), Some(Stage::Prospect));
        assert_eq!(stage(&[ago(30)]), Some(Stage::New), "exactly 30 days: new");
        assert_eq!(stage(&[ago(200), ago(5)]), Some(Stage::Returning), "first order is old");
        assert_eq!(stage(&[ago(31)]), Some(Stage::Active), "single order 31 days ago");
        assert_eq!(stage(&[ago(90)]), Some(Stage::Active), "exactly 90 days: active");
        assert_eq!(
            stage(&[ago(100), ago(10)]),
            Some(Stage::Active),
            "gap 90 days: not a return"
        );
        assert_eq!(stage(&[ago(101), ago(10)]), Some(Stage::Returning), "gap 91 days");
        assert_eq!(
            stage(&[ago(300), ago(120), ago(60)]),
            Some(Stage::Active),
            "gap 60 days"
        );
        assert_eq!(stage(&[ago(91)]), Some(Stage::Dormant));
        assert_eq!(stage(&[ago(180)]), Some(Stage::Dormant), "exactly 180 days: dormant");
        assert_eq!(stage(&[ago(181)]), Some(Stage::Churned));
        assert_eq!(stage(&[ago(30) + 1]), Some(Stage::New));
        assert_eq!(stage(&[ago(30) - 1]), Some(Stage::Active), "one ms past 30 days");
    }

    #[test]
    fn orders_after_as_of_are_ignored_and_signup_decides_prospects() {
        let rules = LifecycleRules::default();
        assert_eq!(stage_of(&[ago(200), NOW + 1], None, NOW, &rules), Some(Stage::Churned));
        assert_eq!(stage_of(&[NOW + 1], Some(ago(1)), NOW, &rules), Some(Stage::Prospect));
        assert_eq!(stage_of(&[], Some(NOW + 1), NOW, &rules), None);
        assert_eq!(stage_of(&[], Some(NOW), NOW, &rules), Some(Stage::Prospect));
    }

    #[test]
    fn counts_per_stage() {
        let orders = ActorTimes::from_lists([
            vec![],
            vec![ago(3)],
            vec![ago(40), ago(20)],
            vec![ago(400), ago(2)],
            vec![ago(150)],
            vec![ago(500)],
            vec![],
        ]);
        let signup = [None, None, None, None, None, None, Some(NOW + DAY_MS)];
        let l = lifecycle(&orders, &signup, NOW, &LifecycleRules::default()).expect("valid rules");
        let c = l.counts;
        assert_eq!(Stage::ALL.map(|s| c.get(s)), [1, 1, 1, 1, 1, 1], "one actor per stage");
        assert_eq!(c.not_counted, 1);
        assert_eq!(l.stages[3], Some(Stage::Returning));
        let json = serde_json::to_string(&l.counts).expect("serializable");
        assert!(json.contains("\"returning\":1"), "{json}");
    }

    #[test]
    fn rules_are_validated() {
        let bad = LifecycleRules {
            churn_days: 90,
            ..LifecycleRules::default()
        };
        let err = bad.validate().expect_err("churn must exceed active");
        assert!(err.to_string().contains("`churn_days`"), "{err}");
        let zero = LifecycleRules {
            new_days: 0,
            ..LifecycleRules::default()
        };
        assert!(zero.validate().is_err());
        let orders = ActorTimes::from_lists([vec![0i64]]);
        assert!(matches!(
            lifecycle(&orders, &[], NOW, &LifecycleRules::default()),
            Err(BehaviorError::ActorCountMismatch { .. })
        ));
    }
}
