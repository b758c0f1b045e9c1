/*!
Clustering segmentation of persons from their feature vectors, with a
bilingual description of every cluster.

A marketer does not want "cluster 3"; they want to know who is in it and
whether to trust it. So a run here is more than a fit: it is preprocessing
whose every decision is written down ([`preprocess`]), a fit ([`kmeans`],
[`gmm`], [`dbscan`], [`hierarchical`]), a choice of k that shows its curves
([`select`]: sampled silhouette and BIC), a description of each cluster in
the units a person knows with a name made from the features' meanings
([`describe`]), and a stability figure, the adjusted Rand index between fits
with different seeds ([`stability`]). Everything lands in one serialisable
[`ClusterRun`].

Why the preprocessing is automatic but reported: customer features are
mostly skewed counts and amounts with real gaps (no order, no rating), and a
distance over raw columns is dominated by whichever volume column is widest.
Filling by meaning, log1p for skewed columns, robust scaling for heavy tails
and down-weighting groups of correlated columns make the behaviour columns
(coupons, night orders, conversion) count as much as volume; the report says
which rule fired for which column, so a surprising cluster can be traced to a
decision.

Why the algorithms are written here rather than taken from linfa: the runs
must be deterministic for a seed whatever the number of threads, and they
must be comparable step for step with the scikit-learn peer baselines —
K-Means with its defaults (greedy k-means++, 10 restarts), accelerated with
Elkan's bounds; the GMM with its EM and BIC, which `--k auto` needs. Each is a
few hundred lines with its own tests. Names never come from any planted truth: only from
`huaxiang_ml::semantics`, so they mean the same on any customer base.

The crate does no I/O. Rows are persons in the caller's order; the caller
(`huaxiang-models`) maps labels back to person ids and writes the tables.
*/

pub mod dbscan;
pub mod describe;
pub mod error;
pub mod eval;
pub mod gmm;
pub mod hierarchical;
pub mod kmeans;
pub mod pipeline;
pub mod preprocess;
pub mod select;
pub mod stability;
pub mod table;
#[cfg(test)]
mod testing;
mod util;

pub use describe::{ClusterDescription, DescribeParams, Direction, Distinguishing, Name};
pub use error::{Error, Result};
pub use eval::{adjusted_rand_index, silhouette, silhouette_sampled};
pub use pipeline::{Algo, Assignment, ClusterParams, ClusterRun, KChoice, Quality, Timings, ValidClusterParams};
pub use preprocess::{PreprocessParams, PreprocessReport, Preprocessed};
pub use select::{KCandidate, KSelection};
pub use stability::{PairAri, Stability};
pub use table::{Column, ColumnData, FeatureTable};
