/*!
The workspace on disk: Delta Lake tables, metadata, and read-only SQL over them.

A Huaxiang workspace is a directory. Every table in it, raw or derived, is a
Delta Lake table under `tables/`, for reasons that matter to users rather than
to the code:

* **Atomic appends.** An ingest or a build commits all of its rows or none;
  a `kill -9` at any moment leaves every table readable at its last committed
  version. Application transactions recorded in the same commit make re-runs
  idempotent (see [`table::Tables::committed`]).
* **Versions.** Builds and training sets can name the exact table versions
  they read.
* **Deletes.** Privacy requests remove rows and rewrite files, and vacuum
  removes old versions.
* **Openness.** Spark, DuckDB and Polars read the tables as they are.

Small metadata (identity overrides, build state) lives in JSON files written
atomically under `meta/` ([`meta`]). The SQL engine ([`sql`]) sees every
table with DataFusion and shows personal data masked unless asked to reveal it
and the key is present.
*/

pub mod builder;
pub mod error;
pub mod meta;
pub mod reveal;
pub mod schema;
pub mod sql;
pub mod table;
pub mod udf;
pub mod workspace;

pub use error::{Result, StoreError};
pub use table::Tables;
pub use workspace::Workspace;
