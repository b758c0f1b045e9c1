//! Reading and gating on their own thread, writing on the caller's.
//!
//! An ingest does three kinds of work per batch: parse the input, gate every
//! value, and encode the accepted rows as Parquet. Done one after the other
//! they use one core; here a reader thread parses and gates while the
//! caller encodes and appends the previous batches, so both cores work on a
//! large file. Gating a large batch itself runs on all cores, in row chunks
//! joined back in order ([`Gate::gate`]); only the numbering of repeated ids
//! stays sequential. The channel between them holds a few batches, so memory stays
//! bounded by the batch size whatever the file size.
//!
//! Each [`Step`] carries, besides the gated batch, the rows the reader could
//! not read before it, so the quarantine keeps the order of the input.

use huaxiang_pii::Keys;
use tokio::sync::mpsc;

use crate::error::Result;
use crate::gate::{Action, Gate, Gated, Issue};
use crate::plan::Plan;
use crate::reader::FileReader;

/// Batches in flight between the reader thread and the writer.
const IN_FLIGHT: usize = 4;

/// One batch of the input, gated.
pub struct Step {
    /// Rows of the input batch (not counting `malformed`).
    pub rows: u64,
    /// The gated batch; `None` for the rows the reader could not read after the last batch.
    pub gated: Option<Gated>,
    /// Rows the reader could not read, as rejected-row issues.
    pub malformed: Vec<Issue>,
    /// Bytes of the input read so far.
    pub bytes: u64,
}

/// Who the gated rows belong to (what [`Gate::new`] needs besides the plan and keys).
pub struct Labels {
    pub source: String,
    pub run_id: String,
    pub input: String,
}

/// Starts the reader thread over `reader`; its steps arrive on the returned
/// channel, an error ends it. Dropping the receiver stops the thread at its
/// next batch.
pub fn spawn(mut reader: FileReader, plan: Plan, keys: Keys, labels: Labels) -> Result<mpsc::Receiver<Result<Step>>> {
    let (tx, rx) = mpsc::channel(IN_FLIGHT);
    let pii_input = plan.columns.iter().any(|c| c.pii.is_some());
    let work = move || {
        let mut gate = Gate::new(&plan, &keys, &labels.source, &labels.run_id, &labels.input);
        loop {
            let raw = match reader.next_batch() {
                Ok(Some(raw)) => raw,
                Ok(None) => break,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e.into()));
                    return;
                }
            };
            let malformed = malformed_issues(reader.take_malformed(), &keys, pii_input);
            let step = gate.gate(&raw).map(|gated| Step {
                rows: raw.num_rows() as u64,
                gated: Some(gated),
                malformed,
                bytes: reader.bytes_read(),
            });
            let failed = step.is_err();
            if tx.blocking_send(step).is_err() || failed {
                return;
            }
        }
        let tail = malformed_issues(reader.take_malformed(), &keys, pii_input);
        if !tail.is_empty() {
            let _ = tx.blocking_send(Ok(Step {
                rows: 0,
                gated: None,
                malformed: tail,
                bytes: reader.bytes_read(),
            }));
        }
    };
    std::thread::Builder::new()
        .name("huaxiang-ingest-read".into())
        .spawn(work)
        .map_err(|e| crate::error::IngestError::Thread(e.to_string()))?;
    Ok(rx)
}

/// Rows a reader could not read, as rejected-row issues (the raw text
/// encrypted when the input holds personal data).
pub fn malformed_issues(rows: Vec<crate::reader::Malformed>, keys: &Keys, pii_input: bool) -> Vec<Issue> {
    rows.into_iter()
        .map(|m| Issue {
            line: m.line,
            column: "(row)".to_string(),
            raw_value: None,
            reason: m.reason,
            action: Action::RowRejected,
            raw_row: Some(if pii_input { keys.encrypt(&m.raw) } else { m.raw }),
        })
        .collect()
}
