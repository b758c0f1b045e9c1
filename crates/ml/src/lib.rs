/*!
Shared ground for Huaxiang's models: churn and propensity predictions, clustering, and
lifetime-value evaluation.

Why one shared crate rather than three self-contained ones: the same person is scored, grouped
and valued from the same feature table, and a marketer reads the results side by side. If each
model read its input, split its data and measured itself in its own way, the numbers would not be
comparable and the explanations would use different words for the same column. So the pieces
every model needs live here, once:

* [`dataset`]: the dense matrix all models read. Row-major `f64`, NaN meaning "missing" (the
  feature table has real gaps: no order yet means no order value), named columns, optional
  binary labels and row ids. Models line new data up *by column name*, so a reordered or widened
  table scores the same, and a missing column is an error that names it.
* [`label_file`]: "bring your own label". A marketer's CSV (`--label-file F --id-col C
  --label-col L`) becomes a dataset: strict binary labels with errors that name file, line,
  column and value; numeric columns kept; text columns one-hot encoded as `Contract=Month-to-month`
  so that reasons can quote them; blanks and unparsable numbers missing, and counted. The module
  documents the exact rule.
* [`metrics`]: ROC-AUC, PR-AUC (average precision), log-loss, thresholded accuracy / precision /
  recall / F1, decile calibration and top-decile lift. They follow scikit-learn's definitions,
  ties included, so our numbers and a notebook's can be compared digit for digit; the unit tests
  pin values printed by scikit-learn.
* [`split`]: seeded stratified k-fold and train/test splits. Seeded with ChaCha8 so a report
  that says "5-fold, seed 42" can be reproduced on any machine.
* [`model`]: the `CheckParams` / `Fit` / `Predict` traits. Parameters are plain values checked
  before any work (linfa's discipline: a bad budget fails in a microsecond, not after a minute of
  training); each crate keeps its own error type.
* [`semantics`]: what a column means to a person, in Chinese and English, so that cluster names
  and per-person reasons ("已 120 天未下单" / "no order in 120 days") read the same words for the
  same column.

Nothing here does I/O beyond reading a label file, and nothing depends on the storage or
feature crates: the workspace pipeline builds a [`Dataset`] from its feature table and hands it
over, and a CLI builds one from a label file.
*/

pub mod dataset;
pub mod error;
pub mod label_file;
pub mod metrics;
pub mod model;
pub mod semantics;
pub mod split;

pub use dataset::Dataset;
pub use error::MlError;
pub use label_file::{BlankLabels, LabelFileOptions, LabelFileReport, read_label_file};
pub use metrics::{BinaryMetrics, ThresholdRule};
pub use model::{CheckParams, Fit, Predict};
pub use split::{Fold, stratified_kfold, stratified_split};
