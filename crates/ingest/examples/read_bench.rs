//! Reads a file to the end with the ingest readers and reports throughput.
//!
//! ```text
//! cargo run --release -p huaxiang-ingest --example read_bench -- FILE [BATCH_ROWS]
//! ```
//!
//! Prints rows, malformed rows, batches, bytes, seconds, rows/s and MB/s. Run it
//! under `/usr/bin/time -v` for the peak resident set size.

use std::path::PathBuf;
use std::time::Instant;

use huaxiang_ingest::reader::{ReadOptions, open_file};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().ok_or("usage: read_bench FILE [BATCH_ROWS]")?);
    let mut opts = ReadOptions::default();
    if let Some(rows) = args.next() {
        opts.batch_rows = rows.parse()?;
    }

    let started = Instant::now();
    let mut reader = open_file(&path, &opts)?;
    let (mut rows, mut malformed, mut batches, mut value_bytes) = (0u64, 0u64, 0u64, 0u64);
    while let Some(batch) = reader.next_batch()? {
        rows += batch.num_rows() as u64;
        batches += 1;
        value_bytes += batch.columns.iter().map(|c| c.value_data().len() as u64).sum::<u64>();
        malformed += reader.take_malformed().len() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    let bytes = reader.total_bytes().unwrap_or(0);
    println!("file        {}", path.display());
    println!("columns     {}", reader.names().len());
    println!("rows        {rows}");
    println!("malformed   {malformed}");
    println!("batches     {batches}");
    println!("file bytes  {bytes}");
    println!("value bytes {value_bytes}");
    println!("seconds     {secs:.3}");
    println!("rows/s      {:.0}", rows as f64 / secs);
    println!("MB/s        {:.1}", bytes as f64 / 1e6 / secs);
    Ok(())
}
