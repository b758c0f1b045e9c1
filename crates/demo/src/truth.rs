//! The planted answers: `truth/identity.csv` and `truth/segments.csv`.
//!
//! These never feed the pipeline. Tests and benchmarks compare what Huaxiang infers (merged
//! identities, discovered segments) against them.

use std::path::Path;

use crate::accounts::Identity;
use crate::crm::CrmRecord;
use crate::error::DemoError;
use crate::population::Customer;
use crate::writer::CsvWriter;

/// Writes `truth/identity.csv`: every customer and CRM record with its true person.
pub(crate) fn write_identity(dir: &Path, identity: &Identity, crm: &[CrmRecord]) -> Result<u64, DemoError> {
    let mut w = CsvWriter::create(dir, "identity.csv", &["source", "record_id", "person_id"])?;
    for (i, a) in identity.accounts.iter().enumerate() {
        w.str("customers");
        w.id(b'C', i as u64 + 1, 8);
        w.id(b'H', u64::from(a.person) + 1, 8);
        w.end_row()?;
    }
    for (k, r) in crm.iter().enumerate() {
        w.str("crm_contacts");
        w.id(b'K', k as u64 + 1, 8);
        w.id(b'H', u64::from(r.person) + 1, 8);
        w.end_row()?;
    }
    w.finish()
}

/// Writes `truth/segments.csv`.
pub(crate) fn write_segments(dir: &Path, customers: &[Customer]) -> Result<u64, DemoError> {
    let mut w = CsvWriter::create(dir, "segments.csv", &["customer_id", "segment"])?;
    for (i, c) in customers.iter().enumerate() {
        w.id(b'C', i as u64 + 1, 8);
        w.str(c.segment.name());
        w.end_row()?;
    }
    w.finish()
}
