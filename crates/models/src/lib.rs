/*!
The AI stages over a workspace: clustering segmentation, propensity models
with per-person reasons, and customer lifetime value.

The algorithms live in small crates that know nothing about storage
(`huaxiang-cluster`, `huaxiang-predict`, `huaxiang-clv`, on the shared ground
of `huaxiang-ml`), so they can be tested against their reference
implementations on plain data. This crate is the other half: it reads the
workspace's `features` (or computes them as of a past day for a training
set), hands the numbers over, and writes what comes back as tables that
`huaxiang sql` can check:

* `clusters`, `cluster_profiles`, `cluster_runs` ([`cluster`]);
* `models` (the registry, [`registry`]) and `predictions` with reasons ([`scoring`]);
* `clv` ([`clv`]);
* `model_scores`: one row per person with the cluster, every model's score and
  percentile and the CLV figures, which tags and segments read like features;
  score-band tags (`churn_band`, `clv_band`, `cluster_segment`) are model tags
  over it.

Why the outputs are recomputed at every build rather than once when a model
is trained: a score describes a person on a day. A churn score from last
month's features, next to this month's recency, is the stale-segment trap
users of other customer-data platforms fall into. So the build's `models`
stage ([`stage::run`]) re-runs the kept clustering, re-fits CLV and re-scores
every registered model on the new features, in that order, before tags are
evaluated; models themselves are versioned and only change when retrained.

Training is point in time ([`predict::training_set`]): features as of the
data's end minus the horizon, computed with the build's own plans, and labels
from the horizon after, so what the model learns from never contains the
future it predicts.
*/

pub mod cluster;
pub mod clv;
pub mod error;
pub mod frame;
pub mod output;
pub mod predict;
pub mod registry;
pub mod scoring;
pub mod stage;

pub use error::{Error, Result};
pub use frame::Frame;
