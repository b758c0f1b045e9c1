/*!
Clustering segmentation of persons from their feature vectors, with a
bilingual description of every cluster.

(essay: to be completed)
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
