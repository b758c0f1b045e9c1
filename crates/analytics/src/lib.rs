/*!
Behaviour and marketing analytics over a workspace.

The statistics live in crates without I/O (`huaxiang-experiments` for A/B
readouts); this crate reads the workspace's tables with SQL, hands the counts
over, and writes every readout as a table, so that what a command prints can
be re-derived with `huaxiang sql` and shown by the web UI from the same rows.

* [`experiment`]: the readout of an experiment of the `experiment` table
  (assignment and outcome per customer), optionally CUPED-adjusted with a
  feature of the person as the pre-period covariate; table
  `experiment_results`.
*/

pub mod attribution;
pub mod error;
pub mod events;
pub mod experiment;
pub mod funnel;
pub mod lifecycle;
pub mod paths;
pub mod read;
pub mod recommend;
pub mod results;
pub mod retention;
pub mod rules;
pub mod sessions;
pub mod stage;
pub mod text;

pub use error::{Error, Result};
