//! Writing results to standard output.
//!
//! `println!` panics when the reader has gone away (`huaxiang sql … | head`);
//! a closed pipe is the reader's choice, not an error, so results go through
//! [`emit`], which stops quietly then.

use std::io::{ErrorKind, Write};

/// Writes `text` as it is to standard output; a closed pipe is not an error.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
