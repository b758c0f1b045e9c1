/*!
Getting data in: read, map, validate, quarantine, append.

Every input, whatever its format (CSV, JSON Lines, Parquet, a PostgreSQL or
MySQL query), goes through the same path:

1. A **reader** ([`reader`]) streams the input as [`reader::RawBatch`]es of raw
   text with the line of every row, so memory stays bounded by the batch size
   and every value can be traced back to where it came from.
2. A **plan** ([`plan`]) resolves the mapping (renames, constants, derived
   expressions, formats) against the input's columns once, so that a mapping
   mistake is one clear error up front instead of a million row errors.
3. The **quality gate** ([`gate`]) parses every value into its canonical type.
   Each row is either accepted or rejected; a rejected row, and every optional
   field that had to be emptied, is written to quarantine with file, line,
   column, raw value and reason. Nothing is dropped or coerced silently, and
   personal data is encrypted before anything is written.
4. The **run** ([`run`]) appends accepted rows, quarantine and derived orders to
   Delta tables, each in one atomic commit that also records the input's
   content hash, so re-ingesting the same input adds nothing and a killed run
   can simply be repeated.
*/

pub mod error;
pub mod gate;
pub mod orders;
pub mod parse;
pub mod pipeline;
pub mod plan;
pub mod quarantine;
pub mod reader;
pub mod repeats;
pub mod run;

pub use error::{IngestError, Result};
pub use run::{IngestReport, IngestRequest, Input, Progress, ingest};
